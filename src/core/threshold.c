/*-------------------------------------------------------------------------
 *
 * threshold.c
 *	  Label-free thresholds: peaks over threshold on training scores, and
 *	  the batch rule 'mad' on the scores being scored.
 *
 * The quantile rule (threshold 'auto') takes the threshold_quantile
 * quantile of the training scores.  The peaks-over-threshold rule
 * (threshold 'pot') follows extreme value theory as SPOT does (Siffer et
 * al., "Anomaly Detection in Streams with Extreme Value Theory", KDD 2017):
 * the excesses y = s - t of the scores over a high initial level t (the
 * threshold_quantile quantile) follow a generalised Pareto distribution
 * G(y) = 1 - (1 + gamma y / sigma)^(-1/gamma); with N_t excesses out of n
 * scores, the score exceeded with probability q (pot_risk) is
 *
 *	  z_q = t + sigma / gamma ((q n / N_t)^(-gamma) - 1)	  (gamma != 0)
 *	  z_q = t - sigma log(q n / N_t)						  (gamma == 0)
 *
 * gamma and sigma are estimated by probability-weighted moments (Hosking
 * and Wallis, Technometrics 29, 1987), closed form and robust for the few
 * hundred excesses a training set gives, where SPOT's Grimshaw maximum
 * likelihood search can fail to converge.  With
 * a0 = mean(y) and a1 = mean((1 - p_i) y_(i)), p_i = (i - 0.35) / N_t over
 * the sorted excesses, H&W's k = a0 / (a0 - 2 a1) - 2 and
 * sigma = 2 a0 a1 / (a0 - 2 a1); gamma = -k.  The estimate is valid for
 * gamma < 1 (heavier tails have no mean); gamma is clamped to [-0.5, 0.9]
 * as a guard against a degenerate fit on few excesses.
 *
 * The batch rule 'mad' (a scoring option, not a training one) does not
 * look at the training scores at all: the test scores of normal rows are
 * often distributed unlike the training scores (doc/benchmarks.md), so it
 * takes the threshold from the scores of the series being scored, as a
 * robust z-score of their logarithms (scores are positive and
 * right-skewed):
 *
 *	  l_i = ln(max(s_i, MG_MAD_FLOOR)),  m = median(l),
 *	  threshold = exp(m + k * 1.4826 * median(|l_i - m|))
 *
 * Median and MAD ignore up to half of the rows being anomalous, which a
 * mean and standard deviation of the same scores do not.  mg_flag_prf
 * gives precision, recall and F1 at such per-series thresholds.
 *
 * The rest of this file is mg_pick_threshold, which scores the training
 * rows after training (and fits the per-column residual scales first) and
 * applies the configured rule.
 *
 * src/core/threshold.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "core_internal.h"

/* ascending order of doubles (no NaN reach here) */
static int
cmp_asc(const void *x, const void *y)
{
	double		a = *(const double *) x;
	double		b = *(const double *) y;

	return (a > b) - (a < b);
}

/*
 * The finite values of s[0..n), sorted ascending, in a new array (*nv of
 * them), each passed through log(max(x, floor)) when floor > 0; NULL with
 * *st MG_ERR_NODATA when there is none, MG_ERR_NOMEM when out of memory.
 */
static double *
sorted_finite(const mg_alloc *a, const double *s, int64_t n, double floor,
			  int64_t *nv, mg_status *st)
{
	double	   *v;
	int64_t		i;

	*nv = 0;
	*st = MG_ERR_NODATA;
	if (n <= 0)
		return NULL;
	v = mg_malloc(a, (size_t) n, sizeof(double));
	if (v == NULL)
	{
		*st = MG_ERR_NOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (isfinite(s[i]))
			v[(*nv)++] = floor > 0.0 ? log(s[i] > floor ? s[i] : floor) : s[i];
	if (*nv == 0)
	{
		mg_free(a, v);
		return NULL;
	}
	qsort(v, (size_t) *nv, sizeof(double), cmp_asc);
	*st = MG_OK;
	return v;
}

/*
 * Peaks-over-threshold threshold of the finite values of s[0..n); see the
 * file header.  level: the initial quantile (0, 1); risk: the target
 * exceedance probability, 0 < risk < 1 - level.  Fills out (gamma, sigma,
 * the initial level's score and the number of excesses for reporting).
 */
mg_status
mg_pot_threshold(const mg_alloc *a, const double *s, int64_t n,
				 double level, double risk, mg_pot_fit *out)
{
	mg_status	st;
	double	   *v;
	int64_t		nv = 0,
				i,
				nt,
				first;
	double		t,
				a0 = 0.0,
				a1 = 0.0,
				k,
				gamma,
				sigma,
				r;

	out->threshold = NAN;
	out->level_score = NAN;
	out->gamma = NAN;
	out->sigma = NAN;
	out->n_excess = 0;
	if (!(level > 0.0 && level < 1.0) || !(risk > 0.0 && risk < 1.0 - level))
		return MG_ERR_ARG;
	v = sorted_finite(a, s, n, 0.0, &nv, &st);
	if (v == NULL)
		return st;

	/* the initial level: the same interpolated quantile as rule 'auto' */
	t = mg_quantile(a, v, nv, level);
	for (first = 0; first < nv && !(v[first] > t); first++)
		;
	nt = nv - first;
	out->level_score = t;
	out->n_excess = nt;

	if (nt < MG_POT_MIN_EXCESS)
	{
		/* too few excesses to fit a tail: the largest training score */
		out->threshold = v[nv - 1];
		mg_free(a, v);
		return MG_OK;
	}
	for (i = 0; i < nt; i++)
	{
		double		y = v[first + i] - t;
		double		p = ((double) i + 1.0 - 0.35) / (double) nt;

		a0 += y;
		a1 += (1.0 - p) * y;
	}
	a0 /= (double) nt;
	a1 /= (double) nt;
	mg_free(a, v);

	if (!(a0 > 0.0) || !(a0 - 2.0 * a1 > 0.0))
	{
		/* all excesses equal: no spread to extrapolate */
		out->threshold = t + a0;
		out->gamma = 0.0;
		out->sigma = 0.0;
		return MG_OK;
	}
	k = a0 / (a0 - 2.0 * a1) - 2.0;
	sigma = 2.0 * a0 * a1 / (a0 - 2.0 * a1);
	gamma = -k;
	if (gamma < -0.5)
		gamma = -0.5;
	if (gamma > 0.9)
		gamma = 0.9;
	r = risk * (double) nv / (double) nt;
	if (fabs(gamma) < 1e-8)
		out->threshold = t - sigma * log(r);
	else
		out->threshold = t + sigma / gamma * (pow(r, -gamma) - 1.0);
	out->gamma = gamma;
	out->sigma = sigma;
	if (!isfinite(out->threshold))
		return MG_ERR_DIVERGED;
	return MG_OK;
}

/* median of the sorted v[0..n), n > 0 (numpy's interpolation) */
static double
sorted_median(const double *v, int64_t n)
{
	return (n % 2) ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/*
 * Batch threshold 'mad' of the finite values of s[0..n); see the file
 * header.
 */
mg_status
mg_mad_threshold(const mg_alloc *a, const double *s, int64_t n, double k,
				 double *threshold)
{
	mg_status	st;
	double	   *v;
	int64_t		nv = 0,
				i;
	double		med,
				mad;

	*threshold = NAN;
	if (!(k > 0.0 && k <= MG_MAX_MAD_K))
		return MG_ERR_ARG;
	v = sorted_finite(a, s, n, MG_MAD_FLOOR, &nv, &st);
	if (v == NULL)
		return st;
	med = sorted_median(v, nv);
	for (i = 0; i < nv; i++)
		v[i] = fabs(v[i] - med);
	qsort(v, (size_t) nv, sizeof(double), cmp_asc);
	mad = sorted_median(v, nv);
	mg_free(a, v);
	/* +Infinity (nothing flagged) when k MADs overflow */
	*threshold = exp(med + k * MG_MAD_SCALE * mad);
	return MG_OK;
}

/*
 * Precision, recall and F1 of flagging score[i] > thr[i]; rows with a NaN
 * score are left out; mg_evaluate's formulas (mg_prf).
 */
void
mg_flag_prf(const double *score, const uint8_t *label, const double *thr,
			int64_t n, double *precision, double *recall, double *f1)
{
	int64_t		tp = 0,
				fp = 0,
				npos = 0,
				i;

	for (i = 0; i < n; i++)
	{
		int			flag;

		if (isnan(score[i]))
			continue;
		flag = score[i] > thr[i];
		if (label[i])
		{
			npos++;
			tp += flag;
		}
		else
			fp += flag;
	}
	mg_prf(tp, fp, npos, precision, recall, f1);
}

/*
 * Per-column residual scale (resid_norm 'train'): the mean residual of
 * each raw column over the n scored training steps, floored at a tenth of
 * the median column's (at least 1e-3) so that a column the model always
 * reconstructs exactly cannot dominate the score.  With 'zscore', also
 * the mean (centre) and the standard deviation (spread, floored the same
 * way) of each column's scaled residual over those steps.
 */
static mg_status
fit_resid_scale(const mg_alloc *a, mg_model *mdl, const float *resid,
				size_t n)
{
	int			m = mdl->m;
	int			zs = mdl->cfg.resid_norm == MG_RESID_ZSCORE;
	int			c;
	double	   *mean;
	size_t		i;
	mg_status	rc;

	mean = mg_calloc(a, (size_t) m * 2, sizeof(double));
	mdl->resid_scale = mg_malloc(a, MG_RESID_NSCALES(mdl->cfg.resid_norm,
													 (size_t) m),
								 sizeof(float));
	if (mean == NULL || mdl->resid_scale == NULL)
	{
		mg_free(a, mean);
		return MG_ERR_NOMEM;
	}
	for (i = 0; i < n; i++)
		for (c = 0; c < m; c++)
			mean[c] += resid[i * m + c];
	for (c = 0; c < m; c++)
		mean[c] /= (double) n;
	rc = mg_floor_scales(a, mean, m, 1e-3, mdl->resid_scale);
	if (rc == MG_OK && zs)
	{
		const float *sc = mdl->resid_scale;
		double	   *sd = mean + m;
		float	   *centre = mdl->resid_scale + 2 * m;

		/* centre and spread of resid / scale, in two passes */
		for (c = 0; c < m; c++)
		{
			mean[c] /= sc[c];
			centre[c] = (float) mean[c];
		}
		for (i = 0; i < n; i++)
			for (c = 0; c < m; c++)
			{
				double		d = resid[i * m + c] / sc[c] - mean[c];

				sd[c] += d * d;
			}
		for (c = 0; c < m; c++)
			sd[c] = sqrt(sd[c] / (double) n);
		rc = mg_floor_scales(a, sd, m, 1e-3, mdl->resid_scale + m);
	}
	mg_free(a, mean);
	return rc;
}

/* Per-column scales floored at a tenth of the median; see core_internal.h. */
mg_status
mg_floor_scales(const mg_alloc *a, const double *v, int m, double min_scale,
				float *out)
{
	double		floor = 0.1 * mg_quantile(a, v, m, 0.5);
	int			c;

	if (isnan(floor))
		return MG_ERR_NOMEM;
	if (!(floor >= min_scale))
		floor = min_scale;
	for (c = 0; c < m; c++)
		out[c] = (float) (v[c] > floor ? v[c] : floor);
	return MG_OK;
}

/*
 * Label-free threshold of a trained model (mg_fit), from the training
 * rows scored exactly as
 * mg_score_series scores new rows (same stride, same averaging over the
 * windows covering a row), so that the quantile is one of the score users
 * see.  At most about threshold_windows windows are scored: the last rows
 * of every series, in proportion to its length.  With resid_norm, a first
 * pass over these rows gives the column scales and a second pass scores
 * them with the scales.
 */
mg_status
mg_pick_threshold(const mg_alloc *a, const mg_config *cfg, mg_model *mdl,
				  const mg_data *data, const mg_callbacks *cb)
{
	int			L = cfg->seq_len;
	int			m = mdl->m;
	int			ns = data->nseries;
	int64_t		n = data->n;
	int64_t		R;
	int64_t		nsub = 0;
	int64_t		nf = 0;
	int64_t		i;
	int			s;
	int64_t    *sub_start;
	double	   *Xs = NULL;
	double	   *sc = NULL;
	double	   *rec = NULL;
	float	   *resid = NULL;
	mg_data		sub;
	mg_score_opts o;
	mg_status	rc;
	double		s1 = 0.0,
				s2 = 0.0,
				sr = 0.0;

	mg_score_opts_from_model(mdl, &o);
	o.attribution = MG_ATTR_RESIDUAL;	/* the resid pass below: residuals */
	R = (cfg->threshold_windows > 0 &&
		 cfg->threshold_windows < (n + o.step - 1) / o.step) ?
		cfg->threshold_windows * o.step : n;

	/* the tail of every series, in proportion to its length */
	sub_start = mg_malloc(a, (size_t) ns + 1, sizeof(int64_t));
	if (sub_start == NULL)
		return MG_ERR_NOMEM;
	sub_start[0] = 0;
	for (s = 0; s < ns; s++)
	{
		int64_t		len = data->series_start[s + 1] - data->series_start[s];
		int64_t		take = len;

		if (R < n)
		{
			take = (int64_t) ceil((double) R * len / n) + L - 1;
			if (take > len)
				take = len;
		}
		sub_start[s + 1] = sub_start[s] + take;
	}
	nsub = sub_start[ns];
	Xs = mg_malloc(a, (size_t) nsub * m, sizeof(double));
	sc = mg_malloc(a, (size_t) nsub, sizeof(double));
	rec = mg_malloc(a, (size_t) nsub, sizeof(double));
	if (cfg->resid_norm != MG_RESID_NONE)
		resid = mg_malloc(a, (size_t) nsub * m, sizeof(float));
	if (!Xs || !sc || !rec ||
		(cfg->resid_norm != MG_RESID_NONE && !resid))
	{
		rc = MG_ERR_NOMEM;
		goto done;
	}
	for (s = 0; s < ns; s++)
	{
		int64_t		take = sub_start[s + 1] - sub_start[s];

		memcpy(Xs + (size_t) sub_start[s] * m,
			   data->X + (size_t) (data->series_start[s + 1] - take) * m,
			   sizeof(double) * (size_t) take * m);
	}
	sub.X = Xs;
	sub.n = nsub;
	sub.m = m;
	sub.series_start = sub_start;
	sub.nseries = ns;

	/* the deviation scales of attribution 'deviation' (attrib.c) */
	rc = mg_fit_attr_scale(a, mdl, &sub, o.step, cb);
	if (rc != MG_OK)
		goto done;
	if (resid)
	{
		/* a first pass gives the column scales (rows with a score only) */
		rc = mg_score_series(mdl, a, &sub, &o, cb, sc, NULL, NULL, resid);
		if (rc != MG_OK)
			goto done;
		for (i = 0; i < nsub; i++)
			if (isfinite(sc[i]))
			{
				if (nf != i)
					memcpy(resid + (size_t) nf * m, resid + (size_t) i * m,
						   sizeof(float) * m);
				nf++;
			}
		if (nf == 0)
		{
			rc = MG_ERR_NODATA;
			goto done;
		}
		rc = fit_resid_scale(a, mdl, resid, (size_t) nf);
		if (rc != MG_OK)
			goto done;
	}
	rc = mg_score_series(mdl, a, &sub, &o, cb, sc, NULL, rec, NULL);
	if (rc != MG_OK)
		goto done;

	/* keep the rows that got a score (series shorter than L get none) */
	for (i = 0, nf = 0; i < nsub; i++)
		if (isfinite(sc[i]))
		{
			sc[nf] = sc[i];
			rec[nf] = rec[i];
			nf++;
		}
	if (nf == 0)
	{
		rc = MG_ERR_NODATA;
		goto done;
	}
	for (i = 0; i < nf; i++)
	{
		s1 += sc[i];
		s2 += sc[i] * sc[i];
		sr += rec[i];
	}
	mdl->stats.train_score_mean = s1 / nf;
	mdl->stats.train_score_sd = sqrt(fmax(0.0, s2 / nf - (s1 / nf) * (s1 / nf)));
	mdl->stats.train_rec_mean = sr / nf;
	if (cfg->threshold_auto == MG_THRESHOLD_QUANTILE)
		mdl->threshold = mg_quantile(a, sc, nf, cfg->threshold_quantile);
	else if (cfg->threshold_auto == MG_THRESHOLD_POT)
	{
		mg_pot_fit	pot;

		rc = mg_pot_threshold(a, sc, nf, cfg->threshold_quantile,
							  cfg->pot_risk, &pot);
		if (rc != MG_OK)
			goto done;
		mdl->threshold = pot.threshold;
	}
	if (!isfinite(mdl->threshold))
		rc = MG_ERR_DIVERGED;
done:
	mg_free(a, sub_start);
	mg_free(a, Xs);
	mg_free(a, sc);
	mg_free(a, rec);
	mg_free(a, resid);
	return rc;
}
