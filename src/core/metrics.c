/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Evaluation metrics of anomaly scores against 0/1 labels, quantiles
 *	  and top-k selection.
 *
 * Definitions follow scikit-learn and the baseline script
 * (bench/run_baselines.py) so figures are comparable:
 *	  precision, recall, f1  at the given threshold, flagging score > thr
 *	                         (an empty denominator gives 0, as sklearn's
 *	                         zero_division default);
 *	  best_f1                max over every distinct score tau of the F1 of
 *	                         score >= tau (sklearn precision_recall_curve,
 *	                         F1 = 2PR / (P + R)); on ties the lowest tau wins,
 *	                         like numpy.argmax over increasing thresholds;
 *	  best_cut               a threshold for "score > thr" (mimgan's flag)
 *	                         giving best_f1: midway between best_threshold
 *	                         and the next lower score;
 *	  f1_pa                  point-adjusted F1 (Xu et al., WWW 2018): at
 *	                         threshold tau a labelled segment (maximal run of
 *	                         1s in the given order) counts as fully detected
 *	                         when its maximum score is >= tau; false positives
 *	                         are unchanged; best over every distinct tau;
 *	  roc_auc                Mann-Whitney U / (n_pos n_neg) with ties counted
 *	                         one half (= average ranks, sklearn roc_auc_score);
 *	  pr_auc                 average precision sum_i (R_i - R_{i-1}) P_i over
 *	                         distinct thresholds (sklearn
 *	                         average_precision_score).
 * Rows with a NaN score are skipped; segments are the runs of 1s of the
 * full label sequence (NaN rows included), and a segment's length
 * counts its non-NaN rows only.  Undefined figures (no positives: roc_auc,
 * pr_auc, best_threshold; no negatives: roc_auc) are NaN.  Everything is
 * one sort plus linear sweeps: O(n log n).
 *
 * src/core/metrics.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "core_internal.h"

typedef struct eval_item
{
	double		s;				/* score */
	int			y;				/* label 0/1 */
} eval_item;

typedef struct seg_item
{
	double		max;			/* largest score in the segment */
	int64_t		len;			/* non-NaN rows in the segment */
} seg_item;

/* qsort: eval items by decreasing score */
static int
cmp_item_desc(const void *pa, const void *pb)
{
	double		a = ((const eval_item *) pa)->s;
	double		b = ((const eval_item *) pb)->s;

	return (a < b) - (a > b);
}

/* qsort: segments by decreasing maximum */
static int
cmp_seg_desc(const void *pa, const void *pb)
{
	double		a = ((const seg_item *) pa)->max;
	double		b = ((const seg_item *) pb)->max;

	return (a < b) - (a > b);
}

/* qsort: doubles increasing */
static int
cmp_double_asc(const void *pa, const void *pb)
{
	double		a = *(const double *) pa;
	double		b = *(const double *) pb;

	return (a > b) - (a < b);
}

/* F1 from precision and recall as sklearn's best-F1 sweep computes it */
static double
f1_pr(double p, double r)
{
	return p + r > 0.0 ? 2.0 * p * r / (p + r) : 0.0;
}

/* Evaluate scores against labels; see the file header for definitions. */
mg_status
mg_evaluate(const mg_alloc *a, const double *score, const uint8_t *label,
			int64_t n, double threshold, mg_metrics *out)
{
	eval_item  *it = NULL;
	seg_item   *seg = NULL;
	int64_t		nv = 0,
				npos = 0,
				nneg,
				nseg = 0,
				i,
				g;
	int64_t		tp = 0,
				fp = 0;
	double		best_pa = 0.0,
				auc = 0.0,
				ap = 0.0,
				prev_r = 0.0;
	int64_t		tp_pa = 0,
				sp = 0;

	memset(out, 0, sizeof(*out));
	if (n < 0)
		return MG_ERR_ARG;
	it = mg_malloc(a, (size_t) n, sizeof(eval_item));
	seg = mg_malloc(a, (size_t) n / 2 + 1, sizeof(seg_item));
	if (it == NULL || seg == NULL)
	{
		mg_free(a, it);
		mg_free(a, seg);
		return MG_ERR_NOMEM;
	}

	/* gather valid rows, point-wise counts at the threshold, segments */
	for (i = 0; i < n; i++)
	{
		int			y = label[i] != 0;

		if (y && (i == 0 || label[i - 1] == 0))
		{
			seg[nseg].max = -INFINITY;
			seg[nseg].len = 0;
			nseg++;
		}
		if (isnan(score[i]))
			continue;
		it[nv].s = score[i];
		it[nv].y = y;
		nv++;
		if (y)
		{
			seg_item   *sg = &seg[nseg - 1];

			npos++;
			sg->len++;
			if (score[i] > sg->max)
				sg->max = score[i];
			if (score[i] > threshold)
				tp++;
		}
		else if (score[i] > threshold)
			fp++;
	}
	nneg = nv - npos;
	out->n = nv;
	out->n_pos = npos;
	mg_prf(tp, fp, npos, &out->precision, &out->recall, &out->f1);
	out->best_threshold = NAN;
	out->best_cut = NAN;
	out->roc_auc = NAN;
	out->pr_auc = NAN;

	qsort(it, (size_t) nv, sizeof(eval_item), cmp_item_desc);
	qsort(seg, (size_t) nseg, sizeof(seg_item), cmp_seg_desc);

	/* sweep distinct thresholds from the top; a group is one score value */
	tp = fp = 0;
	for (i = 0; i < nv; i = g)
	{
		double		tau = it[i].s;
		int64_t		gp = 0,
					gn = 0;
		double		p,
					r,
					f;

		for (g = i; g < nv && it[g].s == tau; g++)
		{
			if (it[g].y)
				gp++;
			else
				gn++;
		}
		tp += gp;
		fp += gn;
		if (npos == 0)
			continue;

		/* point-wise P, R at score >= tau; best F1 and average precision */
		p = (double) tp / (double) (tp + fp);
		r = (double) tp / (double) npos;
		f = f1_pr(p, r);
		if (f >= out->best_f1)
		{
			out->best_f1 = f;
			out->best_precision = p;
			out->best_recall = r;
			out->best_threshold = tau;
			/* flagging score > cut selects exactly score >= tau */
			if (g < nv)
			{
				double		lo = it[g].s;

				out->best_cut = lo + (tau - lo) / 2.0;
				if (!(out->best_cut < tau))
					out->best_cut = lo;
			}
			else
				out->best_cut = nextafter(tau, -INFINITY);
		}
		ap += (r - prev_r) * p;
		prev_r = r;

		/* ROC: positives of this group beat the negatives below it */
		auc += (double) gp * (double) (nneg - fp) + 0.5 * (double) gp * (double) gn;

		/* point adjustment: segments whose maximum reaches tau */
		while (sp < nseg && seg[sp].max >= tau)
			tp_pa += seg[sp++].len;
		f = 2.0 * (double) tp_pa / (double) (2 * tp_pa + fp + (npos - tp_pa));
		if (f >= best_pa)
			best_pa = f;
	}
	out->f1_pa = best_pa;
	if (npos > 0)
	{
		out->pr_auc = ap;
		if (nneg > 0)
			out->roc_auc = auc / ((double) npos * (double) nneg);
	}
	mg_free(a, it);
	mg_free(a, seg);
	return MG_OK;
}

/*
 * q-quantile of the non-NaN values of x with linear interpolation between
 * order statistics (numpy.quantile, method "linear": position q (n - 1),
 * interpolated as numpy's _lerp does).  NaN when empty or q not in [0, 1].
 */
double
mg_quantile(const mg_alloc *a, const double *x, int64_t n, double q)
{
	double	   *v;
	int64_t		i,
				nv = 0,
				lo,
				hi;
	double		pos,
				t,
				res;

	if (n <= 0 || !(q >= 0.0 && q <= 1.0))
		return NAN;
	v = mg_malloc(a, (size_t) n, sizeof(double));
	if (v == NULL)
		return NAN;
	for (i = 0; i < n; i++)
		if (!isnan(x[i]))
			v[nv++] = x[i];
	if (nv == 0)
	{
		mg_free(a, v);
		return NAN;
	}
	qsort(v, (size_t) nv, sizeof(double), cmp_double_asc);
	pos = q * (double) (nv - 1);
	lo = (int64_t) floor(pos);
	if (lo > nv - 1)
		lo = nv - 1;
	hi = lo + 1 < nv ? lo + 1 : nv - 1;
	t = pos - (double) lo;
	if (t >= 0.5)
		res = v[hi] - (v[hi] - v[lo]) * (1.0 - t);
	else
		res = v[lo] + (v[hi] - v[lo]) * t;
	if (v[lo] == v[hi])
		res = v[lo];			/* also keeps equal infinities finite-safe */
	mg_free(a, v);
	return res;
}

/* 1 if x ranks strictly before y (larger first, NaN last) */
static int
ranks_before(float x, float y)
{
	if (isnan(x))
		return 0;
	if (isnan(y))
		return 1;
	return x > y;
}

/* Indices of the ntop largest values, decreasing, ties by lower index. */
int
mg_top_indices(const float *v, int m, int ntop, int *idx)
{
	int			cnt = 0,
				i,
				pos,
				j;

	if (ntop <= 0 || m <= 0)
		return 0;
	if (ntop > m)
		ntop = m;
	for (i = 0; i < m; i++)
	{
		/* first slot whose value ranks below v[i]; equal values stay ahead */
		for (pos = 0; pos < cnt; pos++)
			if (ranks_before(v[i], v[idx[pos]]))
				break;
		if (pos >= ntop)
			continue;
		if (cnt < ntop)
			cnt++;
		for (j = cnt - 1; j > pos; j--)
			idx[j] = idx[j - 1];
		idx[pos] = i;
	}
	return cnt;
}
