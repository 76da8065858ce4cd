/*-------------------------------------------------------------------------
 *
 * alloc.c
 *	  The core allocator (mg_alloc) backed by PostgreSQL memory contexts.
 *
 * Each allocation goes to CurrentMemoryContext at the time of the call,
 * with MCXT_ALLOC_HUGE (weights and data buffers may exceed 1GB) and
 * MCXT_ALLOC_NO_OOM, so that the core sees NULL and returns MG_ERR_NOMEM
 * instead of being longjmp'd out of.  Callers run the core inside a
 * dedicated context and delete it afterwards, so a failed core call leaks
 * nothing.
 *
 * MgBudgetAlloc is the same allocator with a byte budget: it counts the
 * chunk space of every live allocation and refuses (NULL, so the core
 * returns MG_ERR_NOMEM) one that would pass the limit, marking the budget
 * exceeded so the caller can report the setting that limits it.
 *
 * src/pg/alloc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "mimgan_pg.h"

/* Allocate size bytes in CurrentMemoryContext; NULL on failure. */
static void *
MgPgAllocFn(void *ctx, size_t size)
{
	if (size == 0)
		size = 1;
	if (size > MaxAllocHugeSize)
		return NULL;
	return palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

/* Free memory from MgPgAllocFn (NULL is fine). */
static void
MgPgReleaseFn(void *ctx, void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

const mg_alloc MgPgAlloc = {MgPgAllocFn, MgPgReleaseFn, NULL};

/* MgPgAllocFn within the budget ctx (an MgBudget). */
static void *
MgBudgetAllocFn(void *ctx, size_t size)
{
	MgBudget   *b = (MgBudget *) ctx;
	void	   *p;

	if (b->used + (int64) Max(size, 1) > b->limit)
	{
		b->exceeded = true;
		return NULL;
	}
	p = MgPgAllocFn(NULL, size);
	if (p != NULL)
	{
		b->used += GetMemoryChunkSpace(p);
		b->peak = Max(b->peak, b->used);
	}
	return p;
}

/* MgPgReleaseFn, giving the chunk back to the budget ctx. */
static void
MgBudgetReleaseFn(void *ctx, void *ptr)
{
	if (ptr != NULL)
		((MgBudget *) ctx)->used -= GetMemoryChunkSpace(ptr);
	MgPgReleaseFn(NULL, ptr);
}

/* An allocator on CurrentMemoryContext that keeps within limit bytes. */
void
MgBudgetAlloc(mg_alloc *a, MgBudget *b, int64 limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
	a->alloc = MgBudgetAllocFn;
	a->release = MgBudgetReleaseFn;
	a->ctx = b;
}
