/*-------------------------------------------------------------------------
 *
 * score_blob.c
 *	  mimgan_score_window(blob bytea, frame float8[]) RETURNS float8: one
 *	  window scored with a model given as its blob, no catalog involved.
 *
 * The other scoring functions name a model in mimgan.model and are STABLE.
 * This one takes the model itself (what mimgan_export returns) and one
 * window of raw values, [seq_len][m] as a 2-D array or seq_len * m values
 * row after row, and returns the DIRE score of the window's last step,
 * exactly as mimgan_window_score scores a frame (a shorter frame, as at the
 * start of a partition, gives NULL).  Its result depends on its
 * arguments only, so it is IMMUTABLE: postgres_fdw ships it to a remote
 * server that lists mimgan in its "extensions" option, and it runs where no
 * model catalog exists (doc/scale-out.md).  A NULL, NaN or infinite value
 * in the frame gives NULL, as in the window function.
 *
 * The deserialized model is kept in fn_extra with a copy of the blob, so a
 * query scoring many windows with one blob deserializes it once.
 *
 * src/pg/score_blob.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "mimgan_pg.h"

/* The model of the last blob seen by this call site. */
typedef struct MgBlobCache
{
	bytea	   *blob;			/* copy, to compare with the next call's */
	mg_model   *model;
} MgBlobCache;

/* The model of blob, deserialized once per query and call site. */
static const mg_model *
BlobModel(FunctionCallInfo fcinfo, bytea *blob)
{
	MgBlobCache *c = (MgBlobCache *) fcinfo->flinfo->fn_extra;
	MemoryContext old;
	mg_model   *model = NULL;
	mg_status	st;

	if (c != NULL && VARSIZE_ANY(c->blob) == VARSIZE_ANY(blob) &&
		memcmp(VARDATA_ANY(c->blob), VARDATA_ANY(blob), VARSIZE_ANY_EXHDR(blob)) == 0)
		return c->model;

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	st = mg_model_deserialize((const uint8_t *) VARDATA_ANY(blob),
							  VARSIZE_ANY_EXHDR(blob), &MgPgAlloc, &model);
	if (st != MG_OK)
	{
		MemoryContextSwitchTo(old);
		MgThrowUserBlob(st, "cannot load the model blob given to mimgan_score_window");
	}
	if (c == NULL)
		c = palloc0(sizeof(MgBlobCache));
	/* a previous model, if any, stays until the query ends (rare) */
	c->blob = (bytea *) palloc(VARSIZE_ANY(blob));
	memcpy(c->blob, blob, VARSIZE_ANY(blob));
	c->model = model;
	fcinfo->flinfo->fn_extra = c;
	MemoryContextSwitchTo(old);
	return model;
}

PG_FUNCTION_INFO_V1(mimgan_score_window);

/*
 * mimgan_score_window(blob bytea, frame float8[]) RETURNS float8
 * IMMUTABLE STRICT PARALLEL SAFE.
 */
Datum
mimgan_score_window(PG_FUNCTION_ARGS)
{
	bytea	   *blob = PG_GETARG_BYTEA_PP(0);
	ArrayType  *frame = PG_GETARG_ARRAYTYPE_P(1);
	const mg_model *model = BlobModel(fcinfo, blob);
	int			L = model->cfg.seq_len;
	int			m = model->m;
	int			ndim = ARR_NDIM(frame);
	int		   *dims = ARR_DIMS(frame);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	double	   *X;
	double		score;

	/* a frame shorter than seq_len gives NULL, as in the window function */
	if ((ndim == 2 && dims[0] < L && dims[1] == m) ||
		(ndim == 1 && dims[0] % m == 0 && (int64) dims[0] < (int64) L * m))
		PG_RETURN_NULL();
	if (!((ndim == 2 && dims[0] == L && dims[1] == m) ||
		  (ndim == 1 && (int64) dims[0] == (int64) L * m)))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("frame has the wrong shape for this model"),
				 errdetail("The model has seq_len %d and %d columns; the frame is %s.",
						   L, m, ndim == 0 ? "empty" :
						   ndim == 1 ? psprintf("a 1-D array of %d values", dims[0]) :
						   ndim == 2 ? psprintf("a %d x %d array", dims[0], dims[1]) :
						   psprintf("a %d-D array", ndim)),
				 errhint("Pass seq_len rows of the model's columns, as ARRAY[[...], ...] (one row per time step, oldest first) or their %d values row after row.",
						 L * m)));
	deconstruct_array(frame, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
					  TYPALIGN_DOUBLE, &elems, &nulls, &n);
	X = palloc(sizeof(double) * (size_t) n);
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			PG_RETURN_NULL();
		X[i] = DatumGetFloat8(elems[i]);
		if (!isfinite(X[i]))
			PG_RETURN_NULL();
	}
	if (!MgScoreFrame(model, L, X, "(blob)", &score))
		PG_RETURN_NULL();
	pfree(X);
	PG_RETURN_FLOAT8(score);
}
