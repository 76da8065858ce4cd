/*-------------------------------------------------------------------------
 *
 * threshold.c
 *	  Label-free thresholds from training scores: peaks over threshold.
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
 * src/core/threshold.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>

#include "mimgan_core.h"

/* ascending order of doubles (no NaN reach here) */
static int
cmp_asc(const void *x, const void *y)
{
	double		a = *(const double *) x;
	double		b = *(const double *) y;

	return (a > b) - (a < b);
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
	if (n <= 0)
		return MG_ERR_NODATA;
	v = mg_malloc(a, (size_t) n, sizeof(double));
	if (v == NULL)
		return MG_ERR_NOMEM;
	for (i = 0; i < n; i++)
		if (isfinite(s[i]))
			v[nv++] = s[i];
	if (nv == 0)
	{
		mg_free(a, v);
		return MG_ERR_NODATA;
	}
	qsort(v, (size_t) nv, sizeof(double), cmp_asc);

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
