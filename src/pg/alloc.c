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
