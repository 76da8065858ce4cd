/*-------------------------------------------------------------------------
 *
 * range.c
 *	  Scoring the rows of one range of the order column, shared by
 *	  mimgan_explain (explain.c) and mimgan_plot (plot.c).
 *
 * Only the windows covering the range are scored.  Three queries run, all
 * with the caller's privileges:
 *
 *	1. the bounds, cast to the order column's type (and from <= to);
 *	2. one aggregate pass counting, per series (in mimgan_score's series
 *	   order), the usable rows, those before "from", those up to "to" and
 *	   the rows in the range.  From these counts alone follow the window
 *	   list mimgan_score would cut (stride, end-aligned last window), each
 *	   window's global index, its 4096-window chunk and its inversion
 *	   batch layout;
 *	3. the rows of the range (kept for the output) and the usable rows the
 *	   covering windows need, selected by their position in the series.
 *
 * The windows are then scored exactly as mimgan_score scores them: the
 * latent of a search from noise is seeded by the window's index within
 * its chunk (the seed is offset so a shorter call draws the same latent),
 * and with warm start each window's chain back to the start of its
 * round-robin block is scored in order; each row's score is the mean over
 * the windows covering it, summed in the same order.  What can differ is
 * float32 rounding (at most a few 1e-7): OpenBLAS's sgemm rounds a row
 * differently depending on how many windows share its batch, and this
 * file computes fewer windows per batch.  The chunking and the per-window
 * seed are the core's own (MG_SCORE_CHUNK, MG_WINDOW_SEED_MIX in
 * mimgan_core.h); sql/180_explain.sql compares the results.
 *
 * Rows with a missing value are returned with NULL scores, as by
 * mimgan_score.
 *
 * src/pg/range.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "mimgan_pg.h"

/* windows per independent scoring call here (bounds the residual buffer) */
#define MG_EXPLAIN_PIECE 512
#define MG_ALIAS "mimgan_src_row"

/* What the counting pass says about one series. */
typedef struct RangeSeries
{
	char	   *key;			/* series key as text, NULL for NULL */
	int64		n;				/* usable rows */
	int64		before;			/* usable rows before "from" */
	int64		upto;			/* usable rows up to "to" */
	int64		inrange;		/* rows of [from, to] (usable or not) */
	int64		J;				/* windows at the stride */
	int64		nwin;			/* J, plus one end-aligned window */
	int64		gwin0;			/* global index of its first window */
	bool		selected;		/* rows of it are returned */
	int64		i_lo;			/* windows scored: i_lo .. i_hi */
	int64		i_hi;
	int64		a;				/* usable rows read: positions a .. b-1 */
	int64		b;
	int64		off;			/* buffer row of position a */
	int64		got;			/* usable rows read so far */
	int64		tw;				/* windows of the scoring call it is part of */
	const mg_model *model;		/* the model scoring it (per-series models) */
	mg_score_opts opts;			/* its scoring options */
	double		thr;			/* its threshold */
} RangeSeries;

/* Start of window i of a series with n rows (stride step, length L). */
static int64
WindowStart(const RangeSeries *s, int64 i, int L, int step)
{
	return i < s->J ? i * step : s->n - L;
}

/*
 * Read a JSON string (or null) option "series" and return the options
 * without it; see mimgan_pg.h.
 */
Jsonb *
MgExtractSeries(Jsonb *opts, char **series, bool *given)
{
	JsonbValue	v;

	*series = NULL;
	*given = false;
	if (opts == NULL || !JB_ROOT_IS_OBJECT(opts) ||
		getKeyJsonValueFromContainer(&opts->root, "series", 6, &v) == NULL)
		return opts;
	if (v.type == jbvString)
		*series = pnstrdup(v.val.string.val, v.val.string.len);
	else if (v.type != jbvNull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"series\" must be a string or null"),
				 errhint("Give the series key as text, e.g. {\"series\": \"web1\"}; null selects the rows whose series value is NULL.")));
	*given = true;
	return DatumGetJsonbP(DirectFunctionCall2(jsonb_delete,
											  JsonbPGetDatum(opts),
											  CStringGetTextDatum("series")));
}

/*
 * Cast the bounds to the order column's type (typname) and check from <=
 * to; the cast values are copied into the caller's context.
 */
static void
CastBounds(Oid bound_type, Oid ord_type, const char *typname,
		   Datum *lo, bool lo_null, Datum *hi, bool hi_null)
{
	MemoryContext callerctx = CurrentMemoryContext;
	Oid			argtypes[2] = {bound_type, bound_type};
	Datum		args[2];
	char		nulls[2];
	char	   *q;
	int16		typlen;
	bool		typbyval;
	bool		isnull;
	bool		after;

	args[0] = *lo;
	args[1] = *hi;
	nulls[0] = lo_null ? 'n' : ' ';
	nulls[1] = hi_null ? 'n' : ' ';
	q = psprintf("SELECT CAST($1 AS %s), CAST($2 AS %s), CAST($1 AS %s) > CAST($2 AS %s)",
				 typname, typname, typname, typname);
	get_typlenbyval(ord_type, &typlen, &typbyval);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(q, 2, argtypes, args, nulls, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not cast the range bounds");
	after = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 3, &isnull));
	if (!isnull && after)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("range start %s is after range end %s",
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
				 errhint("Pass \"from\" <= \"to\"; a NULL bound leaves that side open.")));
	if (!lo_null)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(callerctx);

		*lo = datumCopy(d, typbyval, typlen);
		MemoryContextSwitchTo(old);
	}
	if (!hi_null)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		MemoryContext old = MemoryContextSwitchTo(callerctx);

		*hi = datumCopy(d, typbyval, typlen);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
}

/* int8[] of n values, for an SPI argument. */
static Datum
Int8Array(const int64 *v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		d[i] = Int64GetDatum(v[i]);
	return PointerGetDatum(construct_array(d, n, INT8OID, 8, FLOAT8PASSBYVAL,
										   TYPALIGN_DOUBLE));
}

/*
 * Choose the windows of series s that cover its usable rows of the range,
 * extended back to the start of a warm-start chain, and the rows they
 * need.
 */
static void
PlanSeries(RangeSeries *s, int L, bool chain)
{
	const mg_score_opts *o = &s->opts;
	int			step = o->step;
	int64		lo_start,
				hi_start,
				j_lo,
				j_hi;
	bool		has_end;

	s->i_lo = 0;
	s->i_hi = -1;
	s->a = s->b = 0;
	if (!s->selected || s->nwin == 0 || s->upto <= s->before)
		return;
	lo_start = Max(0, s->before - L + 1);
	hi_start = Min(s->upto - 1, s->n - L);
	j_lo = (lo_start + step - 1) / step;
	j_hi = Min(s->J - 1, hi_start / step);
	has_end = s->nwin > s->J && s->n - L >= lo_start && s->n - L <= hi_start;
	if (j_lo <= j_hi)
	{
		s->i_lo = j_lo;
		s->i_hi = has_end ? s->J : j_hi;
	}
	else if (has_end)
		s->i_lo = s->i_hi = s->J;
	else
		return;

	if (chain)
	{
		/* back to the start of the round-robin block (within the chunk) */
		int64		g = s->gwin0 + s->i_lo;
		int64		c0 = (g / MG_SCORE_CHUNK) * MG_SCORE_CHUNK;
		int64		nc = Min(MG_SCORE_CHUNK, s->tw - c0);
		int64		bt = Min(nc, (int64) o->batch);
		int64		rounds = (nc + bt - 1) / bt;

		if (rounds > 1)
			s->i_lo = Max(0, s->i_lo - (g - c0) % rounds);
	}
	s->a = WindowStart(s, s->i_lo, L, step);
	s->b = WindowStart(s, s->i_hi, L, step) + L;
}

/* The SQL predicate "usable row": order value and finite model columns. */
static char *
UsablePredicate(const MgModelEntry *e, const char *order_by)
{
	StringInfoData v;
	int			i;

	initStringInfo(&v);
	appendStringInfo(&v, "(%s.%s IS NOT NULL", MG_ALIAS, quote_identifier(order_by));
	for (i = 0; i < e->ncols; i++)
	{
		const char *c = quote_identifier(e->cols[i]);

		appendStringInfo(&v, " AND (%s.%s::float8 - %s.%s::float8) = 0",
						 MG_ALIAS, c, MG_ALIAS, c);
	}
	appendStringInfoChar(&v, ')');
	return v.data;
}

/*
 * Score the windows of the plan: accumulate each buffer row's window sums
 * in window order, as mg_score_series does.
 */
static void
ScorePlan(MgRangeScored *res, RangeSeries *ser, int nser, const double *X,
		  int64 nbuf, double *sdis, double *srec, float *cnt, float *sres,
		  bool chain)
{
	const mg_model *model = res->entry->model;
	int			L = model->cfg.seq_len;
	int			m = model->m;
	int			k = model->k;
	float	   *P;
	float	   *E;
	float	   *wdis;
	float	   *wrec;
	float	   *wres;
	int64	   *starts;
	mg_callbacks cb;
	mg_status	st;
	int			si;
	int64		maxpiece = MG_EXPLAIN_PIECE;

	if (chain)
		maxpiece = MG_SCORE_CHUNK;
	P = palloc_extended(sizeof(float) * nbuf * k, MCXT_ALLOC_HUGE);
	E = palloc_extended(sizeof(float) * nbuf * m, MCXT_ALLOC_HUGE);
	wdis = palloc_extended(sizeof(float) * maxpiece * L, MCXT_ALLOC_HUGE);
	wrec = palloc_extended(sizeof(float) * maxpiece * L, MCXT_ALLOC_HUGE);
	wres = palloc_extended(sizeof(float) * maxpiece * L * m, MCXT_ALLOC_HUGE);
	starts = palloc(sizeof(int64) * maxpiece);
	memset(&cb, 0, sizeof(cb));
	cb.cancel = MgCancelPending;

	for (si = 0; si < nser; si++)
	{
		RangeSeries *s = &ser[si];
		int64		i = s->i_lo;
		int64		nb = s->b - s->a;

		/* the series' rows prepared by the model scoring it */
		model = s->model;
		st = MG_OK;
		if (nb > 0)
			st = mg_prep_apply(model->prep, X + s->off * m, nb, P + s->off * k);
		if (st == MG_OK && nb > 0)
			st = mg_prep_excess(model->prep, X + s->off * m, nb, E + s->off * m);
		if (st != MG_OK)
			MgThrow(st, "cannot prepare the rows of the range");

		while (i <= s->i_hi)
		{
			int64		g = s->gwin0 + i;
			int64		c0 = (g / MG_SCORE_CHUNK) * MG_SCORE_CHUNK;
			int64		nc = Min(MG_SCORE_CHUNK, s->tw - c0);
			int64		bt = Min(nc, (int64) s->opts.batch);
			int64		rounds = (nc + bt - 1) / bt;
			int64		w0 = g - c0;
			int64		end = s->i_hi;	/* last window of this piece */
			mg_score_opts o = s->opts;
			int64		nw,
						w;

			CHECK_FOR_INTERRUPTS();
			/* never across a chunk; a warm-start chain within its block */
			end = Min(end, i + (nc - w0) - 1);
			if (chain && rounds > 1)
			{
				end = Min(end, i + (rounds - 1 - w0 % rounds));
				o.batch = 1;
				o.warm_start = 1;
			}
			else
			{
				end = Min(end, i + MG_EXPLAIN_PIECE - 1);
				o.warm_start = 0;
			}
			nw = end - i + 1;
			for (w = 0; w < nw; w++)
				starts[w] = s->off + WindowStart(s, i + w, L, o.step) - s->a;
			o.seed = s->opts.seed + MG_WINDOW_SEED_MIX * (uint64) w0;
			st = mg_score_windows_ex(model, &MgPgAlloc, P, E, nbuf, starts, nw,
									 &o, &cb, wdis, wrec, wres);
			if (st != MG_OK)
				MgThrow(st, psprintf("cannot score the range with model \"%s\"",
									 res->entry->name));
			for (w = 0; w < nw; w++)
			{
				int64		s0 = starts[w];
				int			t,
							j;

				for (t = 0; t < L; t++)
				{
					const float *src = wres + ((size_t) w * L + t) * m;
					float	   *dst = sres + (size_t) (s0 + t) * m;

					sdis[s0 + t] += wdis[w * L + t];
					srec[s0 + t] += wrec[w * L + t];
					cnt[s0 + t] += 1.0f;
					for (j = 0; j < m; j++)
						dst[j] += src[j];
				}
			}
			res->windows += nw;
			i = end + 1;
		}
	}
	pfree(P);
	pfree(E);
	pfree(wdis);
	pfree(wrec);
	pfree(wres);
	pfree(starts);
}

/*
 * Score the rows of relid in [lo, hi] with the model; see mimgan_pg.h.
 */
MgRangeScored *
MgScoreRange(const char *model_spec, Oid relid, Jsonb *options,
			 Datum lo, bool lo_null, Datum hi, bool hi_null, Oid bound_type,
			 const char *series, bool series_given)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MgRangeScored *res = palloc0(sizeof(MgRangeScored));
	MgModelEntry *e;
	Oid			ord_type;
	char	   *typname;
	char	   *rel;
	char	   *usable;
	char	   *inrange;
	char	   *keyexpr;
	StringInfoData q;
	Oid			argtypes[5];
	Datum		args[5];
	char		nulls[5];
	RangeSeries *ser;
	int			nser = 0;
	int			nsel = 0;
	int64		total_windows = 0;
	int64		nbuf = 0;
	int64		cap_out = 0;
	int			L;
	int			m;
	int			i;
	bool		chain;
	bool		each;			/* per-series models score their series */
	double	   *X;
	int64	   *outbuf;			/* [nrows]: buffer row of an output row, or -1 */
	double	   *sdis;
	double	   *srec;
	float	   *cnt;
	float	   *sres;
	int64		budget = (int64) mimgan_max_train_memory * 1024;
	int64		bytes;
	uint64		r;

	e = MgLoadModel(model_spec);
	res->entry = e;
	res->relid = relid;
	L = e->seq_len;
	m = e->ncols;
	MgCheckColumns(relid, m, e->cols);
	res->order_by = MgResolveOrderBy(relid, e->order_by);
	if (e->series_by != NULL)
		MgCheckSeriesBy(relid, e->series_by);
	else if (series_given && series != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"series\" is given but model \"%s\" has no series_by column",
						model_spec),
				 errhint("Leave \"series\" out: the model treats the relation as one series.")));
	MgParseScoreOptions(options, e->model, &res->opts, &res->threshold);
	if (res->opts.smooth > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("score smoothing (smooth %d) is not supported for a range of model \"%s\"",
						res->opts.smooth, model_spec),
				 errhint("Pass options => '{\"smooth\": 1}' to explain or plot unsmoothed scores, or use mimgan_score for smoothed ones.")));
	if (res->opts.step > L)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"step\" (%d) is larger than the seq_len %d of model \"%s\"",
						res->opts.step, L, model_spec),
				 errhint("Use a step between 1 and %d so that every row is covered by a window.", L)));
	chain = !(res->opts.use_encoder && e->model->e_params != NULL) &&
		res->opts.warm_start;
	each = e->per_series && MgOptionBool(options, "per_series", true);

	ord_type = get_atttype(relid, get_attnum(relid, res->order_by));
	typname = format_type_be_qualified(ord_type);
	{
		Oid			funcid;

		if (bound_type != UNKNOWNOID &&
			find_coercion_pathway(ord_type, bound_type, COERCION_EXPLICIT,
								  &funcid) == COERCION_PATH_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_CANNOT_COERCE),
					 errmsg("cannot cast the range bounds of type %s to type %s of order column \"%s\"",
							format_type_be(bound_type), format_type_be(ord_type),
							res->order_by),
					 errhint("Pass \"from\" and \"to\" as values of the order column's type, or as text.")));
	}
	CastBounds(bound_type, ord_type, typname, &lo, lo_null, &hi, hi_null);

	rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									 get_rel_name(relid));
	usable = UsablePredicate(e, res->order_by);
	inrange = psprintf("((%s.%s >= $1 OR $1 IS NULL) AND (%s.%s <= $2 OR $2 IS NULL))",
					   MG_ALIAS, quote_identifier(res->order_by),
					   MG_ALIAS, quote_identifier(res->order_by));
	keyexpr = e->series_by != NULL ?
		psprintf("%s.%s::text", MG_ALIAS, quote_identifier(e->series_by)) :
		pstrdup("NULL::text");
	argtypes[0] = argtypes[1] = ord_type;
	args[0] = lo;
	args[1] = hi;
	nulls[0] = lo_null ? 'n' : ' ';
	nulls[1] = hi_null ? 'n' : ' ';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* 2. counts per series, in mimgan_score's series order */
	initStringInfo(&q);
	appendStringInfo(&q,
					 "SELECT %s, count(*) FILTER (WHERE %s), "
					 "count(*) FILTER (WHERE %s AND %s.%s < $1), "
					 "count(*) FILTER (WHERE %s AND (%s.%s <= $2 OR $2 IS NULL)), "
					 "count(*) FILTER (WHERE %s) FROM %s %s GROUP BY 1 ORDER BY 1",
					 keyexpr, usable, usable, MG_ALIAS,
					 quote_identifier(res->order_by), usable, MG_ALIAS,
					 quote_identifier(res->order_by), inrange, rel, MG_ALIAS);
	if (SPI_execute_with_args(q.data, 2, argtypes, args, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed for \"%s\"", q.data);
	ser = MemoryContextAllocZero(callerctx, sizeof(RangeSeries) * Max(SPI_processed, 1));
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tup = SPI_tuptable->vals[r];
		TupleDesc	td = SPI_tuptable->tupdesc;
		RangeSeries *s = &ser[nser++];
		bool		isnull;
		Datum		d = SPI_getbinval(tup, td, 1, &isnull);

		s->key = isnull ? NULL : MemoryContextStrdup(callerctx, TextDatumGetCString(d));
		s->n = DatumGetInt64(SPI_getbinval(tup, td, 2, &isnull));
		s->before = DatumGetInt64(SPI_getbinval(tup, td, 3, &isnull));
		s->upto = DatumGetInt64(SPI_getbinval(tup, td, 4, &isnull));
		s->inrange = DatumGetInt64(SPI_getbinval(tup, td, 5, &isnull));
		if (s->n >= L)
		{
			s->J = (s->n - L) / res->opts.step + 1;
			s->nwin = s->J + (((s->J - 1) * res->opts.step != s->n - L) ? 1 : 0);
		}
		/* per-series models: each series is a scoring call of its own */
		s->gwin0 = each ? 0 : total_windows;
		s->tw = s->nwin;
		total_windows += s->nwin;
		s->selected = s->inrange > 0 &&
			(!series_given ||
			 (series == NULL ? s->key == NULL :
			  (s->key != NULL && strcmp(series, s->key) == 0)));
		if (s->selected)
			nsel++;
	}
	SPI_freetuptable(SPI_tuptable);

	/* the model of each series; plan the windows, lay out the buffer */
	for (i = 0; i < nser; i++)
	{
		RangeSeries *s = &ser[i];

		s->model = e->model;
		s->opts = res->opts;
		s->thr = res->threshold;
		if (each && s->selected)
		{
			double		unused;

			s->model = MgSeriesModel(e, s->key, &unused);
			MgParseScoreOptions(options, s->model, &s->opts, &s->thr);
		}
		if (!each)
			s->tw = total_windows;
		PlanSeries(s, L, chain);
		ser[i].off = nbuf;
		nbuf += ser[i].b - ser[i].a;
	}
	bytes = nbuf * ((int64) m * (sizeof(double) + 2 * sizeof(float) + sizeof(float)) + 24);
	if (bytes > budget)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the range needs " INT64_FORMAT " rows of relation \"%s\", more than mimgan.max_train_memory (%d kB) allows",
						nbuf, get_rel_name(relid), mimgan_max_train_memory),
				 errhint("Ask for a shorter range, or raise mimgan.max_train_memory.")));

	res->rows = MemoryContextAlloc(callerctx, sizeof(Datum));
	res->key = MemoryContextAlloc(callerctx, sizeof(char *));
	res->thr = MemoryContextAlloc(callerctx, sizeof(double));
	outbuf = MemoryContextAlloc(callerctx, sizeof(int64));
	X = MemoryContextAllocExtended(callerctx, sizeof(double) * Max(nbuf, 1) * m,
								   MCXT_ALLOC_HUGE);

	/* 3. the rows of the range and the usable rows the windows need */
	if (nsel > 0)
	{
		Datum	   *keys = palloc(sizeof(Datum) * nsel);
		bool	   *keynulls = palloc(sizeof(bool) * nsel);
		int64	   *av = palloc(sizeof(int64) * nsel);
		int64	   *bv = palloc(sizeof(int64) * nsel);
		int		   *map = palloc(sizeof(int) * nsel);
		int			dims[1];
		int			lbs[1] = {1};
		int			k = 0;
		SPIPlanPtr	plan;
		Portal		portal;

		for (i = 0; i < nser; i++)
			if (ser[i].selected)
			{
				keys[k] = ser[i].key ? CStringGetTextDatum(ser[i].key) : (Datum) 0;
				keynulls[k] = ser[i].key == NULL;
				av[k] = ser[i].a;
				bv[k] = ser[i].b;
				map[k] = i;
				k++;
			}
		dims[0] = nsel;
		argtypes[2] = TEXTARRAYOID;
		argtypes[3] = argtypes[4] = INT8ARRAYOID;
		args[2] = PointerGetDatum(construct_md_array(keys, keynulls, 1, dims, lbs,
													 TEXTOID, -1, false, TYPALIGN_INT));
		args[3] = Int8Array(av, nsel);
		args[4] = Int8Array(bv, nsel);
		nulls[2] = nulls[3] = nulls[4] = ' ';

		resetStringInfo(&q);
		appendStringInfoString(&q, "SELECT x.ki, x.inr, x.v, x.cv, x.row");
		for (i = 0; i < m; i++)
			appendStringInfo(&q, ", x.c%d", i);
		appendStringInfo(&q, " FROM (SELECT array_position($3, %s) AS ki, %s AS inr, %s AS v, "
						 "CASE WHEN %s THEN %s END AS row, %s.%s AS o, "
						 "count(*) FILTER (WHERE %s) OVER (PARTITION BY %s ORDER BY %s.%s ROWS UNBOUNDED PRECEDING) AS cv",
						 keyexpr, inrange, usable, inrange, MG_ALIAS, MG_ALIAS,
						 quote_identifier(res->order_by), usable, keyexpr, MG_ALIAS,
						 quote_identifier(res->order_by));
		for (i = 0; i < m; i++)
			appendStringInfo(&q, ", CASE WHEN %s THEN %s.%s::float8 END AS c%d",
							 usable, MG_ALIAS, quote_identifier(e->cols[i]), i);
		appendStringInfo(&q, " FROM %s %s WHERE array_position($3, %s) IS NOT NULL) x "
						 "WHERE x.inr OR (x.v AND x.cv > $4[x.ki] AND x.cv <= $5[x.ki]) "
						 "ORDER BY x.ki, x.o",
						 rel, MG_ALIAS, keyexpr);

		plan = SPI_prepare(q.data, 5, argtypes);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", q.data,
				 SPI_result_code_string(SPI_result));
		portal = SPI_cursor_open(NULL, plan, args, nulls, true);
		for (;;)
		{
			SPI_cursor_fetch(portal, true, 10000);
			if (SPI_processed == 0)
				break;
			for (r = 0; r < SPI_processed; r++)
			{
				HeapTuple	tup = SPI_tuptable->vals[r];
				TupleDesc	td = SPI_tuptable->tupdesc;
				bool		isnull;
				int			ki = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull)) - 1;
				bool		inr = DatumGetBool(SPI_getbinval(tup, td, 2, &isnull)) && !isnull;
				bool		v = DatumGetBool(SPI_getbinval(tup, td, 3, &isnull));
				int64		pos = DatumGetInt64(SPI_getbinval(tup, td, 4, &isnull)) - 1;
				RangeSeries *s;
				int64		brow = -1;

				if (ki < 0 || ki >= nsel)
					elog(ERROR, "unexpected series index %d", ki + 1);
				s = &ser[map[ki]];
				if (v && pos >= s->a && pos < s->b)
				{
					brow = s->off + (pos - s->a);
					if (pos - s->a != s->got)
						elog(ERROR, "rows of series changed while reading");
					for (i = 0; i < m; i++)
						X[brow * m + i] = DatumGetFloat8(SPI_getbinval(tup, td, 6 + i, &isnull));
					s->got++;
				}
				if (inr)
				{
					MemoryContext old = MemoryContextSwitchTo(callerctx);
					Datum		d = SPI_getbinval(tup, td, 5, &isnull);

					if (res->nrows >= cap_out)
					{
						cap_out = Max(cap_out * 2, 256);
						res->rows = repalloc_huge(res->rows, sizeof(Datum) * cap_out);
						res->key = repalloc_huge(res->key, sizeof(char *) * cap_out);
						res->thr = repalloc_huge(res->thr, sizeof(double) * cap_out);
						outbuf = repalloc_huge(outbuf, sizeof(int64) * cap_out);
					}
					res->rows[res->nrows] = isnull ? (Datum) 0 : datumCopy(d, false, -1);
					res->key[res->nrows] = s->key;
					res->thr[res->nrows] = s->thr;
					outbuf[res->nrows] = brow;
					res->nrows++;
					MemoryContextSwitchTo(old);
				}
			}
			SPI_freetuptable(SPI_tuptable);
			CHECK_FOR_INTERRUPTS();
		}
		SPI_cursor_close(portal);
	}
	SPI_finish();

	for (i = 0; i < nser; i++)
		if (ser[i].got != ser[i].b - ser[i].a)
			elog(ERROR, "read " INT64_FORMAT " rows of a series, expected " INT64_FORMAT,
				 ser[i].got, ser[i].b - ser[i].a);

	/* score the windows, then each row as in mg_score_series */
	sdis = palloc_extended(sizeof(double) * Max(nbuf, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	srec = palloc_extended(sizeof(double) * Max(nbuf, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	cnt = palloc_extended(sizeof(float) * Max(nbuf, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	sres = palloc_extended(sizeof(float) * Max(nbuf, 1) * m, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	if (nbuf > 0)
	{
		MgEnsureBlas();
		ScorePlan(res, ser, nser, X, nbuf, sdis, srec, cnt, sres, chain);
		MgBlasRelease();
	}

	res->scored = palloc0(sizeof(bool) * Max(res->nrows, 1));
	res->score = palloc0(sizeof(double) * Max(res->nrows, 1));
	res->dis = palloc0(sizeof(double) * Max(res->nrows, 1));
	res->rec = palloc0(sizeof(double) * Max(res->nrows, 1));
	res->resid = palloc_extended(sizeof(float) * Max(res->nrows, 1) * m, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	res->values = palloc_extended(sizeof(double) * Max(res->nrows, 1) * m, MCXT_ALLOC_HUGE);
	{
		int64		k;

		for (k = 0; k < res->nrows; k++)
		{
			int64		b = outbuf[k];
			int			j;

			if (b < 0)
			{
				for (j = 0; j < m; j++)
					res->values[k * m + j] = NAN;
				continue;
			}
			memcpy(res->values + k * m, X + b * m, sizeof(double) * m);
			if (cnt[b] > 0)
			{
				double		d = sdis[b] / cnt[b];
				double		rr = srec[b] / cnt[b];

				res->scored[k] = true;
				res->score[k] = res->opts.lambda * d + (1.0 - res->opts.lambda) * rr;
				res->dis[k] = d;
				res->rec[k] = rr;
				for (j = 0; j < m; j++)
					res->resid[k * m + j] = sres[b * m + j] / cnt[b];
			}
		}
	}
	pfree(sdis);
	pfree(srec);
	pfree(cnt);
	pfree(sres);
	pfree(X);
	pfree(outbuf);
	return res;
}
