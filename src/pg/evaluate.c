/*-------------------------------------------------------------------------
 *
 * evaluate.c
 *	  mimgan_evaluate: score a labelled relation as mimgan_score does and
 *	  report detection metrics (mg_evaluate) as (metric, value) rows.
 *
 * The label column is boolean or numeric; true or nonzero means anomaly
 * (so 2, -1 and Infinity are anomalies).  Rows whose score is NULL
 * (skipped for a missing value, or in a series shorter than seq_len) or
 * whose label is NULL or NaN (an unknown label, as pandas writes a missing
 * one) take no part in the metrics.  A metric that is undefined on the data (e.g. roc_auc without
 * any anomaly) is returned as NULL.
 *
 * The batch threshold rule 'mad' (scoring option "threshold": "mad", for
 * mimgan_score and mimgan_evaluate only) is applied here too: after
 * scoring, each series gets the threshold mg_mad_threshold computes from
 * its own scores, no label being read; precision, recall and f1 are then
 * taken at these per-series thresholds (mg_flag_prf), and the "threshold"
 * row is the series' threshold when there is one series, NULL otherwise.
 * The rule 'both' ("threshold": "both") takes for each series the larger
 * of its 'mad' threshold and the model's threshold, so a row is flagged
 * only when both rules flag it.
 * Per-series models (training option per_series) flag each series at its
 * own model's threshold the same way (score.c fills row_threshold); the
 * "threshold" row is then NULL unless they are all equal.
 *
 * src/pg/evaluate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

#include "mimgan_pg.h"

PG_FUNCTION_INFO_V1(mimgan_evaluate);

/*
 * Per-series thresholds of the batch rule 'mad' (see the file header),
 * one per valid row; res->threshold becomes the only series' threshold,
 * or NaN when there are several.  A series without any score (shorter
 * than seq_len) gets NaN: its rows have no score to compare.  With
 * model_floor (the rule 'both'), a series' threshold is never below the
 * one its rows had before: the model's, or with per-series models its
 * series model's.
 */
void
MgBatchThresholds(MgScored *res, double mad_k, bool model_floor)
{
	MgSourceData *src = res->src;
	double	   *before = res->row_threshold;
	int			s;
	int			nthr = 0;
	double		last = NAN;

	res->row_threshold = palloc_extended(sizeof(double) * Max(src->nvalid, 1),
										 MCXT_ALLOC_HUGE);
	for (s = 0; s < src->nseries; s++)
	{
		int64		a = src->series_start[s];
		int64		b = src->series_start[s + 1];
		double		t;
		mg_status	st;
		int64		i;

		CHECK_FOR_INTERRUPTS();
		st = mg_mad_threshold(&MgPgAlloc, res->score + a, b - a, mad_k, &t);
		if (st == MG_ERR_NODATA)
			t = NAN;
		else if (st != MG_OK)
			MgThrow(st, "cannot compute the 'mad' threshold");
		else
		{
			if (model_floor)
			{
				double		base = before != NULL ? before[a] : res->threshold;

				if (base > t)
					t = base;
			}
			nthr++;
			last = t;
		}
		for (i = a; i < b; i++)
			res->row_threshold[i] = t;
	}
	res->threshold = nthr == 1 ? last : NAN;
}

/* The threshold the score of valid row vi is compared with. */
double
MgRowThreshold(const MgScored *res, int64 vi)
{
	return res->row_threshold != NULL ? res->row_threshold[vi] :
		res->threshold;
}

/* One (metric, value) row; NaN becomes NULL. */
static void
PutMetric(ReturnSetInfo *rsinfo, const char *name, double value)
{
	Datum		values[2];
	bool		nulls[2];

	values[0] = CStringGetTextDatum(name);
	nulls[0] = false;
	values[1] = Float8GetDatum(value);
	nulls[1] = isnan(value);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * mimgan_evaluate(model text, rows anyelement, label_col text,
 *				   options jsonb DEFAULT '{}')
 * RETURNS TABLE(metric text, value float8)
 */
Datum
mimgan_evaluate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *model_spec;
	char	   *label_col;
	Jsonb	   *options;
	Oid			relid;
	MgScored   *res;
	MgSourceData *src;
	double	   *score;
	double	   *thr = NULL;	/* per-row thresholds, when the rows have them */
	uint8	   *label;
	int64		n = 0;
	int64		nscored = 0;
	int			series = 0;
	int64		i;
	mg_metrics	mt;
	mg_status	st;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("label column must not be NULL"),
				 errhint("Pass the name of a boolean or numeric column that marks anomalies.")));
	model_spec = MgModelSpecArg(fcinfo, 0);
	relid = MgRowArgRelation(fcinfo, 1, "mimgan_evaluate");
	label_col = text_to_cstring(PG_GETARG_TEXT_PP(2));
	options = PG_ARGISNULL(3) ? NULL : PG_GETARG_JSONB_P(3);

	InitMaterializedSRF(fcinfo, 0);

	res = MgScoreRelation(model_spec, relid, options, false, label_col, 0);
	src = res->src;

	/*
	 * Rows in (series, order) order; a row without a score or a label gets
	 * a NaN score, which mg_evaluate skips while keeping the labelled
	 * segments of the point-adjusted F1 apart.  A NaN separator row before
	 * each series keeps segments from running across series.
	 */
	score = palloc_extended(sizeof(double) * (src->nrows + src->nseries + 1),
							MCXT_ALLOC_HUGE);
	label = palloc_extended(sizeof(uint8) * (src->nrows + src->nseries + 1),
							MCXT_ALLOC_HUGE);
	if (res->row_threshold != NULL)
		thr = palloc_extended(sizeof(double) * (src->nrows + src->nseries + 1),
							  MCXT_ALLOC_HUGE);
	for (i = 0; i < src->nrows; i++)
	{
		int64		vi = MgScoredIndex(res, i);
		int64		rv = src->valid_index[i];

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();

		while (rv >= 0 && series < src->nseries &&
			   rv >= src->series_start[series + 1])
		{
			score[n] = NAN;
			if (thr)
				thr[n] = NAN;
			label[n] = 0;
			n++;
			series++;
		}
		if (vi < 0 || src->label_null[i] || isnan(src->label[i]))
		{
			score[n] = NAN;
			if (thr)
				thr[n] = NAN;
			label[n] = 0;
		}
		else
		{
			score[n] = res->score[vi];
			if (thr)
				thr[n] = res->row_threshold[vi];
			label[n] = (src->label[i] != 0.0);
			nscored++;
		}
		n++;
	}
	if (nscored == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("no row of relation \"%s\" has both a score and a label",
						get_rel_name(relid)),
				 errdetail("%lld rows were read; rows with a missing value, in a series shorter than %d rows, or with a NULL \"%s\" are not evaluated.",
						   (long long) src->nrows, res->entry->seq_len,
						   label_col)));

	st = mg_evaluate(&MgPgAlloc, score, label, n, res->threshold, &mt);
	if (st != MG_OK)
		MgThrow(st, psprintf("cannot evaluate model \"%s\" on relation \"%s\"",
							 model_spec, get_rel_name(relid)));
	if (thr != NULL)
		mg_flag_prf(score, label, thr, n, &mt.precision, &mt.recall, &mt.f1);

	PutMetric(rsinfo, "precision", mt.precision);
	PutMetric(rsinfo, "recall", mt.recall);
	PutMetric(rsinfo, "f1", mt.f1);
	PutMetric(rsinfo, "best_f1", mt.best_f1);
	PutMetric(rsinfo, "best_precision", mt.best_precision);
	PutMetric(rsinfo, "best_recall", mt.best_recall);
	PutMetric(rsinfo, "best_threshold", mt.best_threshold);
	PutMetric(rsinfo, "f1_pa", mt.f1_pa);
	PutMetric(rsinfo, "roc_auc", mt.roc_auc);
	PutMetric(rsinfo, "pr_auc", mt.pr_auc);
	PutMetric(rsinfo, "n", (double) mt.n);
	PutMetric(rsinfo, "n_anomalies", (double) mt.n_pos);
	PutMetric(rsinfo, "threshold", res->threshold);
	PutMetric(rsinfo, "best_cut", mt.best_cut);

	return (Datum) 0;
}
