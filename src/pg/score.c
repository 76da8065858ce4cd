/*-------------------------------------------------------------------------
 *
 * score.c
 *	  mimgan_score: bulk, batched scoring of a whole relation, and the
 *	  scoring step it shares with mimgan_evaluate (evaluate.c).
 *
 * The relation to score is named by the row type of the polymorphic
 * argument (NULL::some_table).  It is read once through SPI with the
 * caller's privileges, in (series, order) order, and every series is
 * scored by mg_score_series: windows at the scoring stride plus an
 * end-aligned last window, each row's score being the mean over the
 * windows covering it.  The stride never exceeds seq_len (rows between
 * windows would go unscored).  top_cols comes from the per-column
 * residuals of the same pass ("top_k" option, read here because the
 * shared option parser does not know it).
 *
 * Missing values.  Scoring always skips rows holding NULL, NaN or
 * +-Infinity in a model column (the reader's missing_skip): such a row is
 * returned with NULL score, dis_score, rec_score, is_anomaly and top_cols,
 * and windows are cut over the remaining rows of its series as if it were
 * absent.  Rows of a series with fewer than seq_len usable rows are
 * returned with NULL scores as well; neither case is an error.
 *
 * src/pg/score.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "parser/parse_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#include "mimgan_pg.h"

#define MIMGAN_DEFAULT_TOP_K 3
#define MIMGAN_MIN_TOP_K 0
#define MIMGAN_MAX_TOP_K 1000

PG_FUNCTION_INFO_V1(mimgan_score);

static mg_status ScoreEachSeries(MgScored *res, Jsonb *options,
								 const mg_callbacks *cb);

/*
 * Relation whose row type is the type of argument argno (an anyelement
 * such as NULL::metrics); ERROR when it is not the row type of a table,
 * view, materialized view or foreign table.
 */
Oid
MgRowArgRelation(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, argno);
	Oid			relid;
	char		relkind;

	if (!OidIsValid(typid))
		elog(ERROR, "could not determine the type of argument %d of %s",
			 argno + 1, fname);

	relid = typeOrDomainTypeRelid(typid);
	relkind = OidIsValid(relid) ? get_rel_relkind(relid) : '\0';
	if (relkind != RELKIND_RELATION &&
		relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW &&
		relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("argument \"rows\" of type %s is not the row type of a table or view",
						format_type_be(typid)),
				 errhint("Pass a NULL of the table's row type, e.g. %s('model', NULL::your_table).",
						 fname)));
	return relid;
}

/*
 * Read "top_k" from the scoring options and return the options without it
 * (MgParseScoreOptions knows only the core's options); also used by
 * mimgan_explain and mimgan_plot (explain.c).
 */
Jsonb *
MgExtractTopK(Jsonb *opts, int *top_k)
{
	JsonbValue	v;
	double		d;

	*top_k = MIMGAN_DEFAULT_TOP_K;
	if (opts == NULL || !JB_ROOT_IS_OBJECT(opts) ||
		getKeyJsonValueFromContainer(&opts->root, "top_k", 5, &v) == NULL)
		return opts;

	if (v.type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"top_k\" must be a number"),
				 errhint("Give \"top_k\" as an integer between %d and %d, e.g. {\"top_k\": 3}.",
						 MIMGAN_MIN_TOP_K, MIMGAN_MAX_TOP_K)));
	d = DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow,
										   NumericGetDatum(v.val.numeric)));
	if (!(d >= MIMGAN_MIN_TOP_K && d <= MIMGAN_MAX_TOP_K) || d != floor(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"top_k\" is out of range: %g", d),
				 errhint("Give \"top_k\" as an integer between %d and %d; 0 leaves top_cols NULL.",
						 MIMGAN_MIN_TOP_K, MIMGAN_MAX_TOP_K)));
	*top_k = (int) d;

	return DatumGetJsonbP(DirectFunctionCall2(jsonb_delete,
											  JsonbPGetDatum(opts),
											  CStringGetTextDatum("top_k")));
}

/*
 * Load the model, check that its columns exist in relid, read relid and
 * score every row; see mimgan_pg.h.
 */
MgScored *
MgScoreRelation(const char *model_spec, Oid relid, Jsonb *options,
				bool keep_rows, const char *label_col, int top_k)
{
	MgScored   *res = palloc0(sizeof(MgScored));
	MgModelEntry *entry;
	MgReadSpec	spec;
	mg_data		data;
	mg_callbacks cb;
	double		mad_k;
	bool		mad_floor;
	int64		nvalid;
	mg_status	st;

	entry = MgLoadModel(model_spec);
	res->entry = entry;
	res->top_k = top_k;

	/* the model's columns must exist in the relation being scored */
	MgCheckColumns(relid, entry->ncols, entry->cols);
	memset(&spec, 0, sizeof(spec));
	spec.relid = relid;
	spec.ncols = entry->ncols;
	spec.cols = entry->cols;
	spec.order_by = MgResolveOrderBy(relid, entry->order_by);
	if (entry->series_by != NULL)
		MgCheckSeriesBy(relid, entry->series_by);
	spec.series_by = entry->series_by;
	spec.keep_rows = keep_rows;
	spec.label_col = label_col;
	spec.missing_skip = true;

	MgParseScoreOptionsBatch(options, entry->model, &res->opts,
							 &res->threshold, &mad_k, &mad_floor);

	/*
	 * A stride longer than the window would leave rows between windows
	 * without a score.  The model's default is capped at seq_len
	 * (mg_score_opts_from_model), so only an explicit "step" gets here.
	 */
	if (res->opts.step > entry->seq_len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"step\" (%d) is larger than the seq_len %d of model \"%s\"",
						res->opts.step, entry->seq_len, model_spec),
				 errhint("Use a step between 1 and %d so that every row is covered by a window.",
						 entry->seq_len)));

	res->src = MgReadSource(&spec);
	nvalid = res->src->nvalid;
	res->score = palloc_extended(sizeof(double) * Max(nvalid, 1),
								 MCXT_ALLOC_HUGE);
	res->dis = palloc_extended(sizeof(double) * Max(nvalid, 1),
							   MCXT_ALLOC_HUGE);
	res->rec = palloc_extended(sizeof(double) * Max(nvalid, 1),
							   MCXT_ALLOC_HUGE);
	if (top_k > 0 && nvalid > 0)
		res->resid = palloc_extended(sizeof(float) * nvalid * entry->ncols,
									 MCXT_ALLOC_HUGE);

	if (nvalid == 0)
		return res;

	MgEnsureBlas();
	MgSourceAsData(res->src, &data);
	memset(&cb, 0, sizeof(cb));
	cb.cancel = MgCancelPending;
	if (entry->per_series && MgOptionBool(options, "per_series", true))
		st = ScoreEachSeries(res, options, &cb);
	else
		st = mg_score_series(entry->model, &MgPgAlloc, &data, &res->opts, &cb,
							 res->score, res->dis, res->rec, res->resid);
	MgBlasRelease();
	if (st != MG_OK)
		MgThrow(st, psprintf("cannot score relation \"%s\" with model \"%s\"",
							 get_rel_name(relid), model_spec));
	if (mad_k > 0.0)			/* threshold 'mad' or 'both' (evaluate.c) */
		MgBatchThresholds(res, mad_k, mad_floor);
	return res;
}

/*
 * Score a model with per-series models: each series by its own model (the
 * shared one for series without), with that model's threshold unless the
 * options give one; res->row_threshold gets each row's threshold, and
 * res->threshold their common value, or NaN when they differ (the 'mad'
 * rule, applied afterwards, replaces both; 'both' keeps each row's as a
 * floor).
 */
static mg_status
ScoreEachSeries(MgScored *res, Jsonb *options, const mg_callbacks *cb)
{
	MgSourceData *src = res->src;
	int			m = src->m;
	int			i;

	MemoryContext outer = CurrentMemoryContext;
	MemoryContext seriesctx;

	res->row_threshold = palloc_extended(sizeof(double) * Max(src->nvalid, 1),
										 MCXT_ALLOC_HUGE);
	/* one series at a time: its model and work space go with the series */
	seriesctx = AllocSetContextCreate(outer, "mimgan series scoring",
									  ALLOCSET_DEFAULT_SIZES);
	for (i = 0; i < src->nseries; i++)
	{
		int64		a = src->series_start[i];
		int64		n = src->series_start[i + 1] - a;
		int64		local_start[2] = {0, n};
		double		thr;
		const mg_model *model;
		mg_score_opts o;
		mg_data		data;
		mg_status	st;
		int64		r;
		double		mad_k;
		bool		mad_floor;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(seriesctx);
		MemoryContextSwitchTo(seriesctx);
		model = MgSeriesModelOnce(res->entry, src->series_key[i], &thr);
		MgParseScoreOptionsBatch(options, model, &o, &thr, &mad_k, &mad_floor);
		data.X = src->X + a * m;
		data.n = n;
		data.m = m;
		data.series_start = local_start;
		data.nseries = 1;
		st = mg_score_series(model, &MgPgAlloc, &data, &o, cb,
							 res->score + a, res->dis + a, res->rec + a,
							 res->resid ? res->resid + a * m : NULL);
		MemoryContextSwitchTo(outer);
		if (st != MG_OK)
			return st;
		for (r = 0; r < n; r++)
			res->row_threshold[a + r] = thr;
		/* one threshold for the relation only when every series has it */
		if (i == 0)
			res->threshold = thr;
		else if (res->threshold != thr)
			res->threshold = NAN;
	}
	MemoryContextDelete(seriesctx);
	return MG_OK;
}


/*
 * Valid-row index of source row i when it has a score, else -1.
 */
int64
MgScoredIndex(const MgScored *res, int64 i)
{
	int64		vi = res->src->valid_index[i];

	if (vi < 0 || isnan(res->score[vi]))
		return -1;
	return vi;
}

/*
 * text[] of the top_k of the m columns named cols by residual resid (one
 * row), largest first; idx is scratch of top_k ints.  Shared with
 * explain.c.
 */
Datum
MgTopColsArray(const float *resid, int m, char **cols, int top_k, int *idx)
{
	int			n;
	int			j;
	Datum	   *names;

	n = mg_top_indices(resid, m, top_k, idx);
	names = palloc(sizeof(Datum) * Max(n, 1));
	for (j = 0; j < n; j++)
		names[j] = CStringGetTextDatum(cols[idx[j]]);
	return PointerGetDatum(construct_array(names, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/*
 * The top_k model columns with the largest residual at valid row vi.
 */
static Datum
TopCols(const MgScored *res, int64 vi, int *idx)
{
	int			m = res->entry->ncols;

	return MgTopColsArray(res->resid + (size_t) vi * m, m, res->entry->cols,
						  res->top_k, idx);
}

/*
 * mimgan_score(model text, rows anyelement, options jsonb DEFAULT '{}')
 * RETURNS TABLE(r anyelement, score float8, dis_score float8,
 *				 rec_score float8, is_anomaly boolean, top_cols text[])
 */
Datum
mimgan_score(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *model_spec;
	Jsonb	   *options;
	Oid			relid;
	int			top_k;
	MgScored   *res;
	MemoryContext tmpctx;
	MemoryContext oldctx;
	int		   *idx;
	int64		i;

	model_spec = MgModelSpecArg(fcinfo, 0);
	relid = MgRowArgRelation(fcinfo, 1, "mimgan_score");
	options = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	options = MgExtractTopK(options, &top_k);

	InitMaterializedSRF(fcinfo, 0);

	res = MgScoreRelation(model_spec, relid, options, true, NULL, top_k);
	idx = palloc(sizeof(int) * Max(top_k, 1));

	tmpctx = AllocSetContextCreate(CurrentMemoryContext,
								   "mimgan_score rows",
								   ALLOCSET_DEFAULT_SIZES);
	for (i = 0; i < res->src->nrows; i++)
	{
		Datum		values[6];
		bool		nulls[6];
		int64		vi = MgScoredIndex(res, i);

		CHECK_FOR_INTERRUPTS();
		oldctx = MemoryContextSwitchTo(tmpctx);
		values[0] = res->src->rows[i];
		nulls[0] = (values[0] == (Datum) 0);
		if (vi < 0)
		{
			memset(values + 1, 0, sizeof(Datum) * 5);
			memset(nulls + 1, true, sizeof(bool) * 5);
		}
		else
		{
			double		s = res->score[vi];

			values[1] = Float8GetDatum(s);
			values[2] = Float8GetDatum(res->dis[vi]);
			values[3] = Float8GetDatum(res->rec[vi]);
			values[4] = BoolGetDatum(s > MgRowThreshold(res, vi));
			memset(nulls + 1, false, sizeof(bool) * 4);
			if (res->resid != NULL)
			{
				values[5] = TopCols(res, vi, idx);
				nulls[5] = false;
			}
			else
			{
				values[5] = (Datum) 0;
				nulls[5] = true;
			}
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
							 values, nulls);
		MemoryContextSwitchTo(oldctx);
		MemoryContextReset(tmpctx);
		/* the tuplestore holds a copy now (and may spill it to disk) */
		if (res->src->rows[i] != (Datum) 0)
			pfree(DatumGetPointer(res->src->rows[i]));
		res->src->rows[i] = (Datum) 0;
	}
	MemoryContextDelete(tmpctx);

	return (Datum) 0;
}
