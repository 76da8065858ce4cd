/*-------------------------------------------------------------------------
 *
 * alloc.c
 *	  Allocation through the mg_alloc callback, and status descriptions.
 *
 * Every allocation of the numerical core goes through an mg_alloc so that
 * the PostgreSQL glue can route it to a memory context; mg_alloc_std is the
 * malloc/free allocator used by the unit tests and tools.  The helpers
 * check n * size for overflow and never pass a zero size on (a zero-size
 * request allocates one byte, so NULL always means failure).
 *
 * src/core/alloc.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"

/* malloc-backed allocation callback */
static void *
std_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size);
}

/* free-backed release callback */
static void
std_release(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

const mg_alloc mg_alloc_std = {std_alloc, std_release, NULL};

/* Allocate n * size bytes (overflow-checked, at least one byte), not zeroed. */
void *
mg_malloc(const mg_alloc *a, size_t n, size_t size)
{
	size_t		bytes;

	if (size != 0 && n > ((size_t) -1) / size)
		return NULL;
	bytes = n * size;
	if (bytes == 0)
		bytes = 1;
	return a->alloc(a->ctx, bytes);
}

/* Allocate n * size bytes (overflow-checked), zeroed. */
void *
mg_calloc(const mg_alloc *a, size_t n, size_t size)
{
	void	   *p = mg_malloc(a, n, size);

	if (p != NULL)
		memset(p, 0, n * size > 0 ? n * size : 1);
	return p;
}

/* Release memory from a; NULL is ignored. */
void
mg_free(const mg_alloc *a, void *p)
{
	if (p != NULL)
		a->release(a->ctx, p);
}

/* Short lower-case description of a status code. */
const char *
mg_status_string(mg_status st)
{
	switch (st)
	{
		case MG_OK:
			return "ok";
		case MG_ERR_NOMEM:
			return "out of memory";
		case MG_ERR_ARG:
			return "invalid argument";
		case MG_ERR_CANCELLED:
			return "cancelled";
		case MG_ERR_DIVERGED:
			return "training diverged (non-finite loss or weights)";
		case MG_ERR_NODATA:
			return "not enough data";
		case MG_ERR_NONFINITE:
			return "non-finite value in input data";
		case MG_ERR_LAPACK:
			return "eigen-decomposition failed";
		case MG_ERR_BLOB_SHORT:
			return "model blob is truncated or has a wrong length";
		case MG_ERR_BLOB_MAGIC:
			return "not a mimgan model blob";
		case MG_ERR_BLOB_VERSION:
			return "unsupported model blob format version";
		case MG_ERR_BLOB_CHECKSUM:
			return "model blob checksum mismatch";
		case MG_ERR_BLOB_INVALID:
			return "model blob has invalid or inconsistent fields";
	}
	return "unknown error";
}
