/*-------------------------------------------------------------------------
 *
 * model_cache.c
 *	  Per-backend cache of deserialized models.
 *
 * Loading a model means detoasting its blob and deserializing it (checks,
 * copies); for a trigger flagging single-row inserts or a query scoring a
 * few rows that is most of the work.  The cache keeps deserialized models
 * of this backend across queries and transactions.
 *
 * Validity.  A model version is immutable, so a cached model is the
 * catalog row it came from as long as that row exists.  The key is the
 * row's identity: database, name, version, xmin and ctid.  Dropping and
 * re-creating a version (even within one transaction, where xmin is the
 * same) gives a new row with a new ctid, so a stale entry is never
 * matched; it merely ages out.  The catalog lookup that yields the key
 * runs on every load with the caller's privileges and snapshot, so the
 * cache never serves a model the caller cannot see: it only saves the
 * detoast and deserialization.
 *
 * Lifetime.  Entries are never freed inside a transaction (a query may
 * still hold one: MgModelEntry.model points into the cache).  At the end of
 * a transaction the cache is trimmed to mimgan.model_cache_size (kB; 0
 * turns the cache off) by least recent use, and on abort every entry added
 * by the aborted transaction is dropped, so nothing a failed transaction
 * built survives it.  Each entry owns a memory context under
 * CacheMemoryContext; a model is deserialized into a context that is a
 * child of the caller's context and moved under the cache only once
 * complete, so an error half-way leaks nothing.
 *
 * src/pg/model_cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/itemptr.h"
#include "utils/memutils.h"

#include "mimgan_pg.h"

typedef struct MgCacheEntry
{
	struct MgCacheEntry *next;
	Oid			dbid;
	char	   *name;
	int32		version;
	TransactionId xmin;
	ItemPointerData tid;
	MemoryContext ctx;			/* owns name, model */
	mg_model   *model;
	Size		bytes;			/* memory of ctx */
	uint64		last_use;
	bool		this_xact;		/* added by the current transaction */
} MgCacheEntry;

static MgCacheEntry *cache_head = NULL;
static MemoryContext cache_ctx = NULL;
static uint64 use_clock = 0;
static bool callback_registered = false;

/* figures for mimgan_info() */
static uint64 cache_hits = 0;
static uint64 cache_misses = 0;

/* Free one entry (already unlinked). */
static void
FreeEntry(MgCacheEntry *e)
{
	MemoryContextDelete(e->ctx);
}

/* Total bytes held. */
static Size
CacheBytes(int *count)
{
	Size		total = 0;
	int			n = 0;
	MgCacheEntry *e;

	for (e = cache_head; e != NULL; e = e->next)
	{
		total += e->bytes;
		n++;
	}
	if (count)
		*count = n;
	return total;
}

/*
 * End of transaction: drop what an aborted transaction added, then evict
 * least recently used entries until the cache fits its budget.
 */
static void
MgModelCacheXactCallback(XactEvent event, void *arg)
{
	MgCacheEntry **pp;
	Size		limit = (Size) mimgan_model_cache_size * 1024;
	Size		total;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT &&
		event != XACT_EVENT_PARALLEL_ABORT && event != XACT_EVENT_PREPARE)
		return;

	pp = &cache_head;
	while (*pp != NULL)
	{
		MgCacheEntry *e = *pp;

		if (e->this_xact && (event == XACT_EVENT_ABORT ||
							 event == XACT_EVENT_PARALLEL_ABORT))
		{
			*pp = e->next;
			FreeEntry(e);
			continue;
		}
		e->this_xact = false;
		pp = &e->next;
	}

	total = CacheBytes(NULL);
	while (cache_head != NULL && total > limit)
	{
		MgCacheEntry **oldest = &cache_head;
		MgCacheEntry *victim;

		for (pp = &cache_head; *pp != NULL; pp = &(*pp)->next)
			if ((*pp)->last_use < (*oldest)->last_use)
				oldest = pp;
		victim = *oldest;
		*oldest = victim->next;
		total -= victim->bytes;
		FreeEntry(victim);
	}
}

/*
 * The cached model of the catalog row (name, version, xmin, tid) of the
 * current database, or NULL.
 */
mg_model *
MgModelCacheLookup(const char *name, int32 version, TransactionId xmin,
				   ItemPointer tid)
{
	MgCacheEntry *e;

	if (mimgan_model_cache_size <= 0)
		return NULL;
	for (e = cache_head; e != NULL; e = e->next)
	{
		if (e->dbid == MyDatabaseId && e->version == version &&
			TransactionIdEquals(e->xmin, xmin) &&
			ItemPointerEquals(&e->tid, tid) && strcmp(e->name, name) == 0)
		{
			e->last_use = ++use_clock;
			cache_hits++;
			return e->model;
		}
	}
	cache_misses++;
	return NULL;
}

/*
 * Deserialize blob into a new context; keep it in the cache (when on) and
 * return the model.  With the cache off, the model lives in the caller's
 * context.  ERROR (via MgThrow) if the blob does not load.
 */
mg_model *
MgModelCacheLoad(const char *name, int32 version, TransactionId xmin,
				 ItemPointer tid, const bytea *blob)
{
	MemoryContext ctx;
	MemoryContext old;
	mg_model   *model = NULL;
	mg_status	st;
	MgCacheEntry *e;

	if (mimgan_model_cache_size <= 0)
	{
		st = mg_model_deserialize((const uint8_t *) VARDATA_ANY(blob),
								  VARSIZE_ANY_EXHDR(blob), &MgPgAlloc, &model);
		if (st != MG_OK)
			MgThrow(st, psprintf("cannot load model \"%s@%d\"", name, version));
		return model;
	}

	/* a child of the caller's context until complete */
	ctx = AllocSetContextCreate(CurrentMemoryContext, "mimgan cached model",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ctx);
	st = mg_model_deserialize((const uint8_t *) VARDATA_ANY(blob),
							  VARSIZE_ANY_EXHDR(blob), &MgPgAlloc, &model);
	if (st != MG_OK)
	{
		MemoryContextSwitchTo(old);
		MgThrow(st, psprintf("cannot load model \"%s@%d\"", name, version));
	}
	e = palloc0(sizeof(MgCacheEntry));
	e->dbid = MyDatabaseId;
	e->name = pstrdup(name);
	e->version = version;
	e->xmin = xmin;
	e->tid = *tid;
	e->ctx = ctx;
	e->model = model;
	e->last_use = ++use_clock;
	e->this_xact = true;
	MemoryContextSwitchTo(old);

	if (cache_ctx == NULL)
		cache_ctx = AllocSetContextCreate(CacheMemoryContext,
										  "mimgan model cache",
										  ALLOCSET_SMALL_SIZES);
	if (!callback_registered)
	{
		RegisterXactCallback(MgModelCacheXactCallback, NULL);
		callback_registered = true;
	}
	MemoryContextSetParent(ctx, cache_ctx);
	e->bytes = MemoryContextMemAllocated(ctx, true);
	e->next = cache_head;
	cache_head = e;
	return model;
}

/* Entries, bytes, hits and misses, for mimgan_info(). */
void
MgModelCacheStats(int *entries, int64 *bytes, int64 *hits, int64 *misses)
{
	*bytes = (int64) CacheBytes(entries);
	*hits = (int64) cache_hits;
	*misses = (int64) cache_misses;
}
