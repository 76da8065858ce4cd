/*-------------------------------------------------------------------------
 *
 * test_threshold.c
 *	  Unit tests of the peaks-over-threshold rule and of the batch rule
 *	  'mad' (src/core/threshold.c).
 *
 * Samples with a known tail: exponential (generalised Pareto with shape 0)
 * and Pareto-type (shape 0.5) scores, where the exact score exceeded with a
 * given probability is known in closed form; the fitted threshold must
 * land near it, and far beyond what a plain quantile of the sample can
 * reach when the risk is below 1/n.
 *
 * test/unit/test_threshold.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>

#include "mimgan_core.h"
#include "unit.h"

/* fill s with n draws of the GPD(gamma, sigma = 1) plus offset */
static void
gpd_sample(double *s, int n, double gamma, double offset, uint64_t seed)
{
	mg_rng		r;
	int			i;

	mg_rng_seed(&r, seed);
	for (i = 0; i < n; i++)
	{
		double		u = 1.0 - mg_rng_uniform(&r);	/* (0, 1] */

		s[i] = offset + (gamma == 0.0 ? -log(u) : (pow(u, -gamma) - 1.0) / gamma);
	}
}

/* Known tails, degenerate inputs, argument checks. */
void
suite_threshold(void)
{
	int			n = 200000;
	double	   *s = malloc(sizeof(double) * n);
	mg_pot_fit	f;
	mg_status	rc;
	int			i;

	unit_suite = "threshold";

	/* exponential: P(S > z) = exp(-z), z_q = -log q */
	gpd_sample(s, n, 0.0, 0.0, 11);
	rc = mg_pot_threshold(&mg_alloc_std, s, n, 0.98, 1e-4, &f);
	CHECK(rc == MG_OK, "exponential fit: status %d", (int) rc);
	CHECK(fabs(f.gamma) < 0.05, "exponential tail: shape %.4f near 0", f.gamma);
	CHECK_CLOSE(f.sigma, 1.0, 0.05, 0, "exponential tail scale");
	CHECK_CLOSE(f.threshold, -log(1e-4), 0.3, 0, "exponential z_q for q = 1e-4");
	CHECK_CLOSE(f.level_score, -log(0.02), 0.05, 0, "initial level = the 0.98 quantile");
	CHECK(f.n_excess >= 3900 && f.n_excess <= 4100, "excess count %lld",
		  (long long) f.n_excess);
	/* a risk below 1/n: beyond the largest observation */
	rc = mg_pot_threshold(&mg_alloc_std, s, n, 0.98, 1e-6, &f);
	CHECK(rc == MG_OK, "extrapolation below 1/n: status %d", (int) rc);
	CHECK_CLOSE(f.threshold, -log(1e-6), 2.5, 0, "exponential z_q for q = 1e-6 from 200,000 scores (sd about 1.2)");
	CHECK(f.threshold > mg_quantile(&mg_alloc_std, s, n, 1.0),
		  "beyond the largest of the 200,000 scores");

	/* shape 0.5, shifted: z_q = 3 + (q^-0.5 - 1) / 0.5 */
	gpd_sample(s, n, 0.5, 3.0, 12);
	rc = mg_pot_threshold(&mg_alloc_std, s, n, 0.95, 1e-3, &f);
	CHECK(rc == MG_OK, "heavy tail fit: status %d", (int) rc);
	CHECK_CLOSE(f.gamma, 0.5, 0.08, 0, "heavy tail shape");
	CHECK_CLOSE(f.threshold, 3.0 + (pow(1e-3, -0.5) - 1.0) / 0.5, 0, 0.15,
				"heavy tail z_q for q = 1e-3");

	/* bounded tail (shape -0.3): z_q below the support's end 1 / 0.3 */
	gpd_sample(s, n, -0.3, 0.0, 13);
	rc = mg_pot_threshold(&mg_alloc_std, s, n, 0.9, 1e-3, &f);
	CHECK(rc == MG_OK, "bounded tail fit: status %d", (int) rc);
	CHECK(f.gamma < -0.2 && f.gamma > -0.4, "bounded tail shape %.3f", f.gamma);
	CHECK_CLOSE(f.threshold, (pow(1e-3, 0.3) - 1.0) / -0.3, 0, 0.05,
				"bounded tail z_q for q = 1e-3");

	/* NaN and infinities are skipped */
	s[0] = NAN;
	s[1] = INFINITY;
	s[2] = -INFINITY;
	rc = mg_pot_threshold(&mg_alloc_std, s, n, 0.9, 1e-3, &f);
	CHECK(rc == MG_OK && isfinite(f.threshold), "non-finite scores skipped");

	/* too few excesses: the largest score */
	for (i = 0; i < 100; i++)
		s[i] = i;
	rc = mg_pot_threshold(&mg_alloc_std, s, 100, 0.95, 1e-3, &f);
	CHECK(rc == MG_OK && f.threshold == 99.0 && f.n_excess < MG_POT_MIN_EXCESS,
		  "few excesses: max (%g, %lld excesses)", f.threshold, (long long) f.n_excess);

	/* constant scores: the constant */
	for (i = 0; i < 1000; i++)
		s[i] = 2.5;
	rc = mg_pot_threshold(&mg_alloc_std, s, 1000, 0.9, 1e-3, &f);
	CHECK(rc == MG_OK && f.threshold == 2.5, "constant scores: %g", f.threshold);

	/* arguments */
	CHECK(mg_pot_threshold(&mg_alloc_std, s, 1000, 0.0, 1e-3, &f) == MG_ERR_ARG, "level 0");
	CHECK(mg_pot_threshold(&mg_alloc_std, s, 1000, 1.0, 1e-3, &f) == MG_ERR_ARG, "level 1");
	CHECK(mg_pot_threshold(&mg_alloc_std, s, 1000, 0.99, 0.02, &f) == MG_ERR_ARG,
		  "risk above 1 - level");
	CHECK(mg_pot_threshold(&mg_alloc_std, s, 1000, 0.99, 0.0, &f) == MG_ERR_ARG, "risk 0");
	CHECK(mg_pot_threshold(&mg_alloc_std, s, 0, 0.99, 1e-3, &f) == MG_ERR_NODATA, "no scores");
	s[0] = s[1] = NAN;
	CHECK(mg_pot_threshold(&mg_alloc_std, s, 2, 0.99, 1e-3, &f) == MG_ERR_NODATA, "only NaN");
	free(s);
}

/*
 * The batch rule 'mad' on hand-computed cases: scores e^l with chosen
 * logs l, so that median and MAD of the logs are exact small numbers.
 */
void
suite_mad(void)
{
	double		s[8];
	double		score[5] = {1.0, 5.0, NAN, 3.0, 0.5};
	uint8_t		label[5] = {0, 1, 1, 1, 1};
	double		thr[5] = {2.0, 2.0, 2.0, 4.0, 0.1};
	double		t,
				p,
				r,
				f;
	mg_status	rc;

	unit_suite = "mad";

	/* l = 0, 1, 2, 3, 10: median 2, |l - 2| = 2, 1, 0, 1, 8: MAD 1 */
	s[0] = 1.0;
	s[1] = exp(1.0);
	s[2] = exp(2.0);
	s[3] = exp(3.0);
	s[4] = exp(10.0);
	s[5] = NAN;
	s[6] = INFINITY;
	rc = mg_mad_threshold(&mg_alloc_std, s, 7, 2.0, &t);
	CHECK(rc == MG_OK, "odd count: status %d", (int) rc);
	CHECK_CLOSE(t, exp(2.0 + 2.0 * 1.4826), 0, 1e-12, "odd count, k 2 (NaN, Infinity skipped)");

	/* l = 0, 1, 2, 4: median 1.5, |l - 1.5| = 1.5, .5, .5, 2.5: MAD 1 */
	s[3] = exp(4.0);
	rc = mg_mad_threshold(&mg_alloc_std, s, 4, MG_DEFAULT_MAD_K, &t);
	CHECK(rc == MG_OK, "even count: status %d", (int) rc);
	CHECK_CLOSE(t, exp(1.5 + 2.75 * 1.4826), 0, 1e-12, "even count, default k 2.75");

	/* a score 0 counts as MG_MAD_FLOOR; MAD 0: the median itself */
	s[0] = 0.0;
	s[1] = 1.0;
	s[2] = 1.0;
	rc = mg_mad_threshold(&mg_alloc_std, s, 3, 3.0, &t);
	CHECK(rc == MG_OK && t == 1.0, "zero score, MAD 0: threshold %g", t);
	s[0] = s[1] = s[2] = -2.0;
	rc = mg_mad_threshold(&mg_alloc_std, s, 3, 3.0, &t);
	CHECK(rc == MG_OK, "negative scores: status %d", (int) rc);
	CHECK_CLOSE(t, MG_MAD_FLOOR, 0, 1e-12, "negative scores: the floor");

	/* l = ln 1e-12, 0, ln 1e300: MAD 27.6, and 100 MADs overflow */
	s[0] = 1e-12;
	s[1] = 1.0;
	s[2] = 1e300;
	rc = mg_mad_threshold(&mg_alloc_std, s, 3, MG_MAX_MAD_K, &t);
	CHECK(rc == MG_OK && isinf(t) && t > 0, "overflow: +Infinity (%g)", t);

	/* arguments */
	CHECK(mg_mad_threshold(&mg_alloc_std, s, 3, 0.0, &t) == MG_ERR_ARG, "k 0");
	CHECK(mg_mad_threshold(&mg_alloc_std, s, 3, MG_MAX_MAD_K + 1, &t) == MG_ERR_ARG,
		  "k above the maximum");
	CHECK(mg_mad_threshold(&mg_alloc_std, s, 3, NAN, &t) == MG_ERR_ARG, "k NaN");
	CHECK(mg_mad_threshold(&mg_alloc_std, s, 0, 2.0, &t) == MG_ERR_NODATA && isnan(t),
		  "no scores");
	s[0] = s[1] = NAN;
	CHECK(mg_mad_threshold(&mg_alloc_std, s, 2, 2.0, &t) == MG_ERR_NODATA, "only NaN");

	/* per-row thresholds: tp 2 (rows 1, 4), fp 0, fn 1 (row 3), row 2 skipped */
	mg_flag_prf(score, label, thr, 5, &p, &r, &f);
	CHECK_CLOSE(p, 1.0, 1e-15, 0, "precision at per-row thresholds");
	CHECK_CLOSE(r, 2.0 / 3.0, 1e-15, 0, "recall at per-row thresholds");
	CHECK_CLOSE(f, 0.8, 1e-15, 0, "F1 at per-row thresholds");
	/* a false positive, no positive label: precision 0, recall 0, F1 0 */
	label[1] = label[3] = label[4] = 0;
	label[2] = 0;
	mg_flag_prf(score, label, thr, 5, &p, &r, &f);
	CHECK(p == 0.0 && r == 0.0 && f == 0.0, "no anomaly: %g %g %g", p, r, f);
}
