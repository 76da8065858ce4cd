/*-------------------------------------------------------------------------
 *
 * series.c
 *	  Per-series models: the models of one model version trained with the
 *	  per_series option, one per series key, in mimgan.model_series.
 *
 * A version trained with per_series has its shared model (trained on all
 * series) in mimgan.model, as every version has, and one model per series
 * with enough rows in mimgan.model_series.  Scoring asks MgSeriesModel for
 * the model of each series key it meets: the series' own model, or the
 * shared one for a series without a model (a NULL key, a series that was
 * too short or absent at training).  Lookups go through SPI with the
 * caller's privileges (row-level security makes a version's series models
 * visible with the version) and are remembered in the entry for the life
 * of its memory context (one call, or one query for the window function);
 * deserialized models come from the per-backend model cache
 * (model_cache.c) under a cache name no model name can take (model names
 * have no "@").
 *
 * src/pg/series.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "mimgan_pg.h"

/* one looked-up series key of an entry */
typedef struct MgSeriesSlot
{
	char		key[MG_MAX_SERIES_KEY + 1]; /* hash key: must be first */
	const mg_model *model;		/* the series' model, or the shared one */
	double		threshold;
} MgSeriesSlot;

/*
 * Read the series model of key for entry e from the catalog into slot;
 * the shared model when there is none.  transient: the caller uses the
 * model once; when the model cache is full it is deserialized in the
 * current memory context instead, so that scoring thousands of series
 * does not hold every model until the end of the transaction.
 */
static void
LoadSeriesModel(MgModelEntry *e, const char *key, MgSeriesSlot *slot,
				bool transient)
{
	MemoryContext callerctx = CurrentMemoryContext;
	Oid			argtypes[3] = {TEXTOID, INT4OID, TEXTOID};
	Datum		args[3];
	HeapTuple	tup;
	TupleDesc	td;
	bool		isnull;
	TransactionId xmin;
	ItemPointerData tid;
	char	   *cname;
	mg_model   *model;
	bytea	   *blob = NULL;
	double		threshold;

	slot->model = e->model;
	slot->threshold = e->threshold;
	if (!OidIsValid(MgCatalogRelid("model_series")))
		return;

	args[0] = CStringGetTextDatum(e->name);
	args[1] = Int32GetDatum(e->version);
	args[2] = CStringGetTextDatum(key);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("SELECT threshold, weights, xmin, ctid "
							  "FROM mimgan.model_series "
							  "WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND version OPERATOR(pg_catalog.=) $2 "
							  "AND series OPERATOR(pg_catalog.=) $3",
							  3, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read mimgan.model_series");
	if (SPI_processed == 0)
	{
		SPI_finish();
		return;
	}
	tup = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	threshold = DatumGetFloat8(SPI_getbinval(tup, td, 1, &isnull));
	xmin = DatumGetTransactionId(SPI_getbinval(tup, td, 3, &isnull));
	tid = *((ItemPointer) DatumGetPointer(SPI_getbinval(tup, td, 4, &isnull)));
	cname = MemoryContextStrdup(callerctx,
								psprintf("%s@series %s", e->name, MgShownText(key)));
	model = MgModelCacheLookup(cname, e->version, xmin, &tid);
	if (model == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(callerctx);

		blob = DatumGetByteaPCopy(SPI_getbinval(tup, td, 2, &isnull));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	if (model == NULL)
	{
		int			entries;
		int64		bytes,
					hits,
					misses;

		MgModelCacheStats(&entries, &bytes, &hits, &misses);
		if (transient && bytes >= (int64) mimgan_model_cache_size * 1024)
		{
			mg_status	st = mg_model_deserialize((const uint8_t *) VARDATA_ANY(blob),
												  VARSIZE_ANY_EXHDR(blob),
												  &MgPgAlloc, &model);

			if (st != MG_OK)
				MgThrow(st, psprintf("cannot load model \"%s@%d\"", cname, e->version));
		}
		else
			model = MgModelCacheLoad(cname, e->version, xmin, &tid, blob);
		pfree(blob);
	}
	if (model->m != e->ncols || model->cfg.seq_len != e->seq_len)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("the model of series \"%s\" of model \"%s@%d\" does not match the model's columns or seq_len",
						MgShownText(key), e->name, e->version)));
	slot->model = model;
	slot->threshold = threshold;
}

/*
 * The model scoring the series key of entry e (key NULL: the NULL key),
 * and its threshold: the series' own model when e was trained per series
 * and has one, else the shared model.
 */
const mg_model *
MgSeriesModel(MgModelEntry *e, const char *key, double *threshold)
{
	MgSeriesSlot *slot;
	bool		found;

	if (!e->per_series || key == NULL || strlen(key) > MG_MAX_SERIES_KEY)
	{
		*threshold = e->threshold;
		return e->model;
	}
	if (e->series == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = MG_MAX_SERIES_KEY + 1;
		ctl.entrysize = sizeof(MgSeriesSlot);
		ctl.hcxt = e->cxt;
		e->series = hash_create("mimgan series models", 64, &ctl,
								HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	slot = (MgSeriesSlot *) hash_search(e->series, key, HASH_ENTER, &found);
	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(e->cxt);

		PG_TRY();
		{
			LoadSeriesModel(e, key, slot, false);
		}
		PG_CATCH();
		{
			/* no half-filled slot for a later lookup (e.g. after a
			 * subtransaction rollback in the trigger) */
			MemoryContextSwitchTo(old);
			hash_search(e->series, key, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
		MemoryContextSwitchTo(old);
	}
	*threshold = slot->threshold;
	return slot->model;
}

/*
 * The same for a caller that uses the model once, in the current memory
 * context (reset between series): nothing is remembered in the entry, and
 * a model the cache has no room for lives in the current context.
 */
const mg_model *
MgSeriesModelOnce(MgModelEntry *e, const char *key, double *threshold)
{
	MgSeriesSlot slot;

	if (!e->per_series || key == NULL || strlen(key) > MG_MAX_SERIES_KEY)
	{
		*threshold = e->threshold;
		return e->model;
	}
	LoadSeriesModel(e, key, &slot, true);
	*threshold = slot.threshold;
	return slot.model;
}

/*
 * Seed of the model of series key: a mix of the training seed and the
 * key, so that a series' model does not depend on which other series
 * were trained with it.
 */
uint64
MgSeriesSeed(uint64 seed, const char *key)
{
	uint64		h = UINT64CONST(1469598103934665603);	/* FNV-1a */
	const unsigned char *p;
	uint64		z;

	for (p = (const unsigned char *) key; *p; p++)
	{
		h ^= *p;
		h *= UINT64CONST(1099511628211);
	}
	/* splitmix64 finaliser */
	z = seed ^ h;
	z += UINT64CONST(0x9E3779B97F4A7C15);
	z = (z ^ (z >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Insert the model of series key into version name@version. */
void
MgSaveSeriesModel(const char *name, int32 version, const char *key,
				  double threshold, Jsonb *training, bytea *blob)
{
	Oid			argtypes[6] = {TEXTOID, INT4OID, TEXTOID, FLOAT8OID, JSONBOID,
	BYTEAOID};
	Datum		args[6];

	args[0] = CStringGetTextDatum(name);
	args[1] = Int32GetDatum(version);
	args[2] = CStringGetTextDatum(key);
	args[3] = Float8GetDatum(threshold);
	args[4] = JsonbPGetDatum(training);
	args[5] = PointerGetDatum(blob);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("INSERT INTO mimgan.model_series (name, version, series, "
							  "threshold, training, weights) "
							  "VALUES ($1, $2, $3, $4, $5, $6)",
							  6, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "cannot insert into mimgan.model_series");
	SPI_finish();
}
