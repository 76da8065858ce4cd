/*-------------------------------------------------------------------------
 *
 * plot.c
 *	  mimgan_plot: an SVG document of one range of one series, scored as
 *	  mimgan_explain scores it (range.c), drawn by the core's SVG
 *	  builder (src/core/svg.c).
 *
 * The variables drawn are the "cols" argument (model columns, in the
 * given order) or, when it is NULL, the model's columns if there are at
 * most MG_PLOT_DEFAULT_COLS of them, else the MG_PLOT_DEFAULT_COLS with
 * the largest mean residual over the range.  A flagged span is a maximal
 * run of consecutive rows with is_anomaly; its label names the (at most
 * three) columns with the largest summed residual over the span.
 *
 * A model with series_by needs one series: the "series" option, or a
 * range that holds rows of one series only.
 *
 * src/pg/plot.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "mimgan_pg.h"

#define MG_PLOT_DEFAULT_COLS 6
#define MG_PLOT_SPAN_TOP 3

PG_FUNCTION_INFO_V1(mimgan_plot);

/* Index of col among the model's columns, or -1. */
static int
ModelColumn(const MgModelEntry *e, const char *col)
{
	int			j;

	for (j = 0; j < e->ncols; j++)
		if (strcmp(e->cols[j], col) == 0)
			return j;
	return -1;
}

/*
 * The model columns to draw, from the "cols" argument (checked: no NULL,
 * no duplicate, each a model column) or by default.
 */
static int *
ChooseColumns(FunctionCallInfo fcinfo, const MgRangeScored *res, int *nout)
{
	const MgModelEntry *e = res->entry;
	int			m = e->ncols;
	int		   *sel;
	int			n = 0;
	int			i;

	if (PG_ARGISNULL(4))
	{
		float	   *mean = palloc0(sizeof(float) * m);
		int64		k;
		int			j;

		sel = palloc(sizeof(int) * m);
		if (m <= MG_PLOT_DEFAULT_COLS)
		{
			for (j = 0; j < m; j++)
				sel[j] = j;
			*nout = m;
			return sel;
		}
		for (k = 0; k < res->nrows; k++)
			if (res->scored[k])
				for (j = 0; j < m; j++)
					mean[j] += res->resid[k * m + j];
		*nout = mg_top_indices(mean, m, MG_PLOT_DEFAULT_COLS, sel);
		return sel;
	}
	else
	{
		ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(4);
		Datum	   *elems;
		bool	   *nulls;
		int			nelems;

		if (ARR_NDIM(arr) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("cols must be a one-dimensional array")));
		deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &nelems);
		if (nelems == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("cols must not be empty"),
					 errhint("Pass NULL to draw the model's columns (or the ones with the largest residuals).")));
		sel = palloc(sizeof(int) * nelems);
		for (i = 0; i < nelems; i++)
		{
			char	   *c;
			int			j;
			int			p;

			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("cols must not contain NULL")));
			c = TextDatumGetCString(elems[i]);
			j = ModelColumn(e, c);
			if (j < 0)
			{
				if (get_attnum(res->relid, c) == InvalidAttrNumber)
					ereport(ERROR,
							(errcode(ERRCODE_UNDEFINED_COLUMN),
							 errmsg("column \"%s\" of relation \"%s\" does not exist",
									c, get_rel_name(res->relid)),
							 errhint("The model's columns are: %s.",
									 MgJoinIdentifiers(e->cols, m))));
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("column \"%s\" is not a column of model \"%s\"",
								c, e->name),
						 errhint("The model's columns are: %s.",
								 MgJoinIdentifiers(e->cols, m))));
			}
			for (p = 0; p < n; p++)
				if (sel[p] == j)
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("column \"%s\" is listed more than once in cols", c)));
			sel[n++] = j;
		}
		*nout = n;
		return sel;
	}
}

/* The order value of row k as text (NULL when the row or value is NULL). */
static char *
OrderText(const MgRangeScored *res, int64 k)
{
	bool		isnull;
	Datum		d;
	Oid			typid;
	Oid			outfn;
	bool		varlena;

	if (res->rows[k] == (Datum) 0)
		return NULL;
	d = GetAttributeByName(DatumGetHeapTupleHeader(res->rows[k]),
						   res->order_by, &isnull);
	if (isnull)
		return NULL;
	typid = get_atttype(res->relid, get_attnum(res->relid, res->order_by));
	getTypeOutputInfo(typid, &outfn, &varlena);
	return OidOutputFunctionCall(outfn, d);
}

/*
 * mimgan_plot(model text, rows anyelement, "from" anycompatible,
 *			   "to" anycompatible, cols text[] DEFAULT NULL,
 *			   options jsonb DEFAULT '{}') RETURNS text
 */
Datum
mimgan_plot(PG_FUNCTION_ARGS)
{
	char	   *model_spec;
	Oid			relid;
	Jsonb	   *options;
	int			top_k;
	char	   *series;
	bool		series_given;
	MgRangeScored *res;
	const MgModelEntry *e;
	int		   *sel;
	int			nsel;
	int			m;
	int64		n;
	int64		k;
	int			v;
	double	   *values;
	double	   *score;
	int64	   *span_first;
	int64	   *span_last;
	const char **span_label;
	const char **names;
	int			nspans = 0;
	mg_svg_input in;
	char	   *svg;
	size_t		len;
	mg_status	st;
	text	   *result;
	StringInfoData sub;

	model_spec = MgModelSpecArg(fcinfo, 0);
	relid = MgRowArgRelation(fcinfo, 1, "mimgan_plot");
	options = PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5);
	options = MgExtractTopK(options, &top_k);
	options = MgExtractSeries(options, &series, &series_given);

	res = MgScoreRange(model_spec, relid, options,
					   PG_GETARG_DATUM(2), PG_ARGISNULL(2),
					   PG_GETARG_DATUM(3), PG_ARGISNULL(3),
					   get_fn_expr_argtype(fcinfo->flinfo, 2),
					   series, series_given);
	e = res->entry;
	m = e->ncols;
	n = res->nrows;

	/* one series only */
	for (k = 1; k < n; k++)
		if ((res->key[k] == NULL) != (res->key[0] == NULL) ||
			(res->key[k] && strcmp(res->key[k], res->key[0]) != 0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the range holds rows of more than one series of model \"%s\"",
							model_spec),
					 errhint("Choose one series with the \"series\" option, e.g. options => '{\"series\": \"%s\"}'.",
							 res->key[0] ? res->key[0] : "...")));

	/* the series' threshold (per-series models have their own) */
	if (n > 0)
		res->threshold = res->thr[0];
	sel = ChooseColumns(fcinfo, res, &nsel);

	values = palloc_extended(sizeof(double) * Max(n, 1) * nsel, MCXT_ALLOC_HUGE);
	score = palloc_extended(sizeof(double) * Max(n, 1), MCXT_ALLOC_HUGE);
	names = palloc(sizeof(char *) * nsel);
	for (v = 0; v < nsel; v++)
	{
		names[v] = e->cols[sel[v]];
		for (k = 0; k < n; k++)
			values[v * n + k] = res->values[k * m + sel[v]];
	}
	for (k = 0; k < n; k++)
		score[k] = res->scored[k] ? res->score[k] : NAN;

	/* flagged spans and their top columns */
	span_first = palloc(sizeof(int64) * (n / 2 + 1));
	span_last = palloc(sizeof(int64) * (n / 2 + 1));
	span_label = palloc(sizeof(char *) * (n / 2 + 1));
	for (k = 0; k < n; k++)
	{
		int64		k1;
		float	   *sum;
		int			idx[MG_PLOT_SPAN_TOP];
		int			nt,
					j;
		StringInfoData lab;

		if (!(res->scored[k] && res->score[k] > res->threshold))
			continue;
		sum = palloc0(sizeof(float) * m);
		for (k1 = k; k1 < n && res->scored[k1] && res->score[k1] > res->threshold; k1++)
			for (j = 0; j < m; j++)
				sum[j] += res->resid[k1 * m + j];
		nt = mg_top_indices(sum, m, MG_PLOT_SPAN_TOP, idx);
		initStringInfo(&lab);
		for (j = 0; j < nt; j++)
			appendStringInfo(&lab, "%s%s", j ? ", " : "", e->cols[idx[j]]);
		span_first[nspans] = k;
		span_last[nspans] = k1 - 1;
		span_label[nspans] = lab.data;
		nspans++;
		k = k1 - 1;
		CHECK_FOR_INTERRUPTS();
	}

	memset(&in, 0, sizeof(in));
	in.title = psprintf("%s on %s%s%s", e->name, get_rel_name(relid),
						n > 0 && res->key[0] ? ", series " : "",
						n > 0 && res->key[0] ? res->key[0] : "");
	initStringInfo(&sub);
	appendStringInfo(&sub, "%s@%d, seq_len %d, " INT64_FORMAT " rows, %d flagged span%s, threshold %.4g",
					 e->name, e->version, e->seq_len, n, nspans,
					 nspans == 1 ? "" : "s", res->threshold);
	in.subtitle = sub.data;
	in.n = n;
	if (n > 0)
	{
		in.x_first = OrderText(res, 0);
		in.x_last = OrderText(res, n - 1);
	}
	in.nvars = nsel;
	in.var_names = names;
	in.values = values;
	in.score = score;
	in.threshold = res->threshold;
	in.nspans = nspans;
	in.span_first = (const int64_t *) span_first;
	in.span_last = (const int64_t *) span_last;
	in.span_label = span_label;

	st = mg_svg_render(&MgPgAlloc, &in, &svg, &len);
	if (st != MG_OK)
		MgThrow(st, "cannot draw the plot");
	result = cstring_to_text_with_len(svg, (int) len);
	PG_RETURN_TEXT_P(result);
}
