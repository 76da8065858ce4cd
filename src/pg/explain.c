/*-------------------------------------------------------------------------
 *
 * explain.c
 *	  mimgan_explain: the scores of the rows of one range of the order
 *	  column (scored by range.c, as mimgan_score scores them), with every
 *	  model column's residual, share and rank as a jsonb object.
 *
 * One row per step with a jsonb column rather than one row per (step,
 * column): it joins one-to-one with mimgan_score and the source rows, and
 * the long form is one jsonb_each away.
 *
 * src/pg/explain.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "mimgan_pg.h"

PG_FUNCTION_INFO_V1(mimgan_explain);

/* {"col": {"residual": r, "share": s, "rank": k}, ...} of one row. */
static Datum
ContribJson(const MgRangeScored *res, int64 k, int *idx, int *rank)
{
	int			m = res->entry->ncols;
	const float *rv = res->resid + k * m;
	StringInfoData b;
	double		sum = 0;
	int			j;

	mg_top_indices(rv, m, m, idx);
	for (j = 0; j < m; j++)
	{
		rank[idx[j]] = j + 1;
		sum += rv[j];
	}
	initStringInfo(&b);
	appendStringInfoChar(&b, '{');
	for (j = 0; j < m; j++)
	{
		double		share = sum > 0 ? rv[j] / sum : 0.0;

		if (j > 0)
			appendStringInfoString(&b, ", ");
		escape_json(&b, res->entry->cols[j]);
		appendStringInfo(&b, ": {\"residual\": %.9g, \"share\": %.9g, \"rank\": %d}",
						 (double) rv[j], share, rank[j]);
	}
	appendStringInfoChar(&b, '}');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data));
}

/*
 * mimgan_explain(model text, rows anyelement, "from" anycompatible,
 *				  "to" anycompatible, options jsonb DEFAULT '{}')
 * RETURNS TABLE(r anyelement, score float8, dis_score float8,
 *				 rec_score float8, is_anomaly boolean, top_cols text[],
 *				 contrib jsonb)
 */
Datum
mimgan_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *model_spec;
	Oid			relid;
	Jsonb	   *options;
	int			top_k;
	char	   *series;
	bool		series_given;
	MgRangeScored *res;
	MemoryContext tmpctx;
	int		   *idx;
	int		   *rank;
	int64		k;
	int			m;

	model_spec = MgModelSpecArg(fcinfo, 0);
	relid = MgRowArgRelation(fcinfo, 1, "mimgan_explain");
	options = PG_ARGISNULL(4) ? NULL : PG_GETARG_JSONB_P(4);
	options = MgExtractTopK(options, &top_k);
	options = MgExtractSeries(options, &series, &series_given);

	InitMaterializedSRF(fcinfo, 0);
	res = MgScoreRange(model_spec, relid, options,
					   PG_GETARG_DATUM(2), PG_ARGISNULL(2),
					   PG_GETARG_DATUM(3), PG_ARGISNULL(3),
					   get_fn_expr_argtype(fcinfo->flinfo, 2),
					   series, series_given);
	m = res->entry->ncols;
	idx = palloc(sizeof(int) * Max(m, top_k) + sizeof(int));
	rank = palloc(sizeof(int) * m);

	tmpctx = AllocSetContextCreate(CurrentMemoryContext, "mimgan_explain rows",
								   ALLOCSET_DEFAULT_SIZES);
	for (k = 0; k < res->nrows; k++)
	{
		Datum		values[7];
		bool		nulls[7];
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(tmpctx);
		memset(nulls, true, sizeof(nulls));
		memset(values, 0, sizeof(values));
		values[0] = res->rows[k];
		nulls[0] = values[0] == (Datum) 0;
		if (res->scored[k])
		{
			values[1] = Float8GetDatum(res->score[k]);
			values[2] = Float8GetDatum(res->dis[k]);
			values[3] = Float8GetDatum(res->rec[k]);
			values[4] = BoolGetDatum(res->score[k] > res->thr[k]);
			nulls[1] = nulls[2] = nulls[3] = nulls[4] = false;
			if (top_k > 0)
			{
				values[5] = MgTopColsArray(res->resid + k * m, m, res->entry->cols,
										   top_k, idx);
				nulls[5] = false;
			}
			values[6] = ContribJson(res, k, idx, rank);
			nulls[6] = false;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(tmpctx);
	}
	MemoryContextDelete(tmpctx);
	return (Datum) 0;
}
