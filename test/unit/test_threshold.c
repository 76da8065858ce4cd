/*-------------------------------------------------------------------------
 *
 * test_threshold.c
 *	  Unit tests of the peaks-over-threshold rule (src/core/threshold.c).
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
