/*-------------------------------------------------------------------------
 *
 * window_agg.c
 *	  mimgan_window_score: an aggregate scoring the rows of its frame as
 *	  one window, meant to be used as a window function:
 *
 *		mimgan_window_score('m', VARIADIC ARRAY[cpu, mem, io])
 *			OVER (PARTITION BY host ORDER BY ts
 *				  ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
 *
 * The transition function appends each row's values to a state kept in
 * the aggregate context.  The final function, called once per output row
 * by the window machinery and therefore not allowed to change the state
 * (FINALFUNC_MODIFY = READ_ONLY), scores the state when it holds exactly
 * seq_len rows: it applies the model's preprocessing, inverts the window
 * with mg_score_windows and returns the DIRE score of the window's LAST
 * time step, i.e. of the current row with the usual frame.  A shorter
 * frame gives NULL (the first seq_len - 1 rows of every partition); a
 * longer one is an error whose hint shows the frame to write.  A NULL,
 * NaN or infinite value anywhere in the frame gives NULL, and so does a
 * frame whose finite values overflow the model's float32 arithmetic into
 * a NaN score; values far out of the training range that overflow only
 * the reconstruction residual score +Infinity (as in mimgan_score).
 *
 * mimgan_window_score_series('m', host::text, VARIADIC ARRAY[...]) also
 * passes the row's series key: a model trained with per_series scores the
 * frame with that series' model (series.c), and the plain form refuses
 * such a model.  The key must be the same on every row of a frame.
 *
 * Each window is inverted on its own, from the same initial latent (the
 * window index is always 0), so a window's score does not depend on the
 * other rows of the query; it differs from mimgan_score's, which averages
 * every window covering a row and warm-starts overlapping windows.
 *
 * src/pg/window_agg.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "mimgan_pg.h"

/* Rows of one frame. */
typedef struct MgWindowState
{
	char	   *spec;			/* model spec of the first row */
	MgModelEntry *entry;		/* cached for the query by the sfunc */
	const mg_model *model;		/* the model scoring the frame */
	bool		with_series;	/* the series form */
	char	   *series;			/* its series key (NULL: NULL key) */
	int			m;				/* values per row */
	int64		n;				/* rows appended */
	int64		cap;			/* rows allocated: seq_len */
	bool		missing;		/* some value was NULL, NaN or infinite */
	double	   *X;				/* [cap][m] */
} MgWindowState;

PG_FUNCTION_INFO_V1(mimgan_window_score_sfunc);
PG_FUNCTION_INFO_V1(mimgan_window_score_series_sfunc);
PG_FUNCTION_INFO_V1(mimgan_window_score_final);

/* ERROR: the frame holds more than seq_len rows. */
static void
FrameTooLong(const MgWindowState *state)
{
	int			L = state->entry->seq_len;

	ereport(ERROR,
			(errcode(ERRCODE_WINDOWING_ERROR),
			 errmsg("window frame holds more than %d rows, the seq_len of model \"%s\"",
					L, state->spec),
			 errhint("Define the window with a frame of exactly seq_len rows: OVER (PARTITION BY ... ORDER BY ... ROWS BETWEEN %d PRECEDING AND CURRENT ROW).",
					 L - 1)));
}

/* A model argument as shown in a message (MgShownText). */
static const char *
ShownSpec(text *t)
{
	return MgShownText(text_to_cstring(t));
}

/* Whether the text t equals the C string s (NULL: a NULL argument). */
static bool
SameText(const char *s, text *t)
{
	if (s == NULL || t == NULL)
		return s == NULL && t == NULL;
	return strlen(s) == VARSIZE_ANY_EXHDR(t) &&
		memcmp(s, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)) == 0;
}

/*
 * The transition of both forms: arguments (state, model, vals), or
 * (state, model, series, vals) with_series.
 */
static Datum
Transition(FunctionCallInfo fcinfo, bool with_series)
{
	int			valarg = with_series ? 3 : 2;
	text	   *series = (with_series && !PG_ARGISNULL(2)) ?
		PG_GETARG_TEXT_PP(2) : NULL;
	MemoryContext aggctx;
	MemoryContext oldctx;
	MgWindowState *state;
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *enulls;
	int			nelems;
	int			j;
	double	   *row;

	if (!AggCheckCallContext(fcinfo, &aggctx))
		elog(ERROR, "mimgan_window_score_sfunc called in non-aggregate context");

	state = PG_ARGISNULL(0) ? NULL : (MgWindowState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model name must not be NULL"),
				 errhint("Pass the model as 'name' or 'name@version'.")));

	if (state == NULL)
	{
		char	   *spec = text_to_cstring(PG_GETARG_TEXT_PP(1));
		MgModelEntry *entry;

		/* loaded once per query: the cache lives in fn_mcxt */
		entry = MgLoadModelCached(fcinfo->flinfo, spec);

		if (entry->per_series && !with_series)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model \"%s\" has one model per series: the series key is needed",
							MgShownText(spec)),
					 errhint("Pass the key of the row's series as text: mimgan_window_score_series('%s', %s::text, VARIADIC ARRAY[...]).",
							 MgShownText(spec),
							 entry->series_by ? quote_identifier(entry->series_by) : "series")));

		oldctx = MemoryContextSwitchTo(aggctx);
		state = palloc0(sizeof(MgWindowState));
		state->spec = pstrdup(spec);
		state->entry = entry;
		state->with_series = with_series;
		state->series = series ? text_to_cstring(series) : NULL;
		MemoryContextSwitchTo(oldctx);
		{
			double		unused;

			/* a lookup made once per key for the query (in the entry) */
			state->model = MgSeriesModel(entry, state->series, &unused);
		}
		oldctx = MemoryContextSwitchTo(aggctx);
		state->m = entry->ncols;
		state->cap = Max(entry->seq_len, 1);
		state->X = palloc(sizeof(double) * state->cap * state->m);
		MemoryContextSwitchTo(oldctx);
	}
	else
	{
		text	   *t = PG_GETARG_TEXT_PP(1);

		if (!SameText(state->spec, t))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model \"%s\" differs from model \"%s\" of an earlier row of the frame",
							ShownSpec(t), state->spec),
					 errhint("Pass the same model to every row, e.g. as a constant.")));
		if (!SameText(state->series, series))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("series \"%s\" differs from series \"%s\" of an earlier row of the frame",
							series ? MgShownText(text_to_cstring(series)) : "NULL",
							state->series ? MgShownText(state->series) : "NULL"),
					 errhint("Partition the window by the series column: OVER (PARTITION BY ... ORDER BY ...).")));
	}

	if (PG_ARGISNULL(valarg))
	{
		/* a NULL array: the whole row is missing */
		state->missing = true;
		nelems = state->m;
		elems = NULL;
		enulls = NULL;
	}
	else
	{
		arr = PG_GETARG_ARRAYTYPE_P(valarg);
		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("values must be a one-dimensional array, not %d-dimensional",
							ARR_NDIM(arr)),
					 errhint("Pass one value per model column, e.g. VARIADIC ARRAY[cpu, mem, io].")));
		deconstruct_array(arr, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
						  TYPALIGN_DOUBLE, &elems, &enulls, &nelems);
		if (nelems != state->m)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model \"%s\" has %d columns, not %d values",
							state->spec, state->m, nelems),
					 errhint("Pass the values of the model's columns in the model's order: VARIADIC ARRAY[%s].",
							 MgJoinIdentifiers(state->entry->cols,
											   state->entry->ncols))));
	}

	/* a frame longer than the window is an error: no need to keep it */
	if (state->n == state->cap)
		FrameTooLong(state);

	row = state->X + state->n * state->m;
	for (j = 0; j < state->m; j++)
	{
		if (elems == NULL || enulls[j])
		{
			row[j] = 0.0;
			state->missing = true;
		}
		else
		{
			row[j] = DatumGetFloat8(elems[j]);
			if (!isfinite(row[j]))
				state->missing = true;
		}
	}
	state->n++;

	PG_RETURN_POINTER(state);
}

/*
 * mimgan_window_score_sfunc(state internal, model text, vals float8[])
 */
Datum
mimgan_window_score_sfunc(PG_FUNCTION_ARGS)
{
	return Transition(fcinfo, false);
}

/*
 * mimgan_window_score_series_sfunc(state internal, model text, series
 * text, vals float8[]): the form with the series key, which picks the series'
 * model of a model with per-series models.
 */
Datum
mimgan_window_score_series_sfunc(PG_FUNCTION_ARGS)
{
	return Transition(fcinfo, true);
}

/*
 * mimgan_window_score_final(state internal) RETURNS float8
 *
 * Reads the state only: window functions call it once per row.
 */
Datum
mimgan_window_score_final(PG_FUNCTION_ARGS)
{
	MgWindowState *state;
	const mg_model *model;
	int			L;
	double		score;

	if (!AggCheckCallContext(fcinfo, NULL))
		elog(ERROR, "mimgan_window_score_final called in non-aggregate context");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (MgWindowState *) PG_GETARG_POINTER(0);
	model = state->model;
	L = state->entry->seq_len;

	if (state->n > L)
		FrameTooLong(state);
	if (state->n < L || state->missing)
		PG_RETURN_NULL();

	if (!MgScoreFrame(model, L, state->X, state->spec, &score))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(score);
}

/*
 * Score X [L][m] (raw values) as one window with model: the DIRE score of
 * its last step in *score.  Returns false (no score) when finite values too
 * large for the model's float32 arithmetic after normalisation make the
 * networks' output NaN, as mimgan_score does (a NaN would compare above
 * every threshold).  spec names the model in errors.  Shared by the window
 * aggregate and mimgan_score_window (score_blob.c).
 */
bool
MgScoreFrame(const mg_model *model, int L, const double *X, const char *spec,
			 double *score)
{
	MemoryContext tmpctx;
	MemoryContext oldctx;
	mg_score_opts opts;
	mg_callbacks cb;
	float	   *dis;
	float	   *rec;
	int64		start = 0;
	mg_status	st;

	tmpctx = AllocSetContextCreate(CurrentMemoryContext,
								   "mimgan_window_score",
								   ALLOCSET_DEFAULT_SIZES);
	oldctx = MemoryContextSwitchTo(tmpctx);

	MgEnsureBlas();
	dis = palloc(sizeof(float) * L);
	rec = palloc(sizeof(float) * L);
	mg_score_opts_from_model(model, &opts);
	opts.batch = mimgan_score_batch;
	memset(&cb, 0, sizeof(cb));
	cb.cancel = MgCancelPending;
	st = mg_score_raw_windows(model, &MgPgAlloc, X, L, &start, 1,
							  &opts, &cb, dis, rec, NULL);
	MgBlasRelease();
	if (st != MG_OK)
		MgThrow(st, psprintf("cannot score a window with model \"%s\"", spec));
	*score = opts.lambda * dis[L - 1] + (1.0 - opts.lambda) * rec[L - 1];

	MemoryContextSwitchTo(oldctx);
	MemoryContextDelete(tmpctx);
	return !isnan(*score);
}
