/*-------------------------------------------------------------------------
 *
 * test_support.c
 *	  Unit tests of the support code of the numerical core: random numbers,
 *	  losses, optimiser, preprocessing, metrics and the model blob.
 *
 * Expected values are either worked by hand (stated in the comments) or
 * computed with numpy / scikit-learn 1.2.1 and pasted as constants, with
 * the Python that produced them quoted beside them.
 *
 * test/unit/test_support.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "unit.h"

/* quick mode (valgrind): smaller loops */
static int
quick(void)
{
	return getenv("MIMGAN_UNIT_QUICK") != NULL;
}

/* ---------------------------------------------------------------------
 * rng
 * --------------------------------------------------------------------- */

/* Reproducibility, reference outputs, moments, shuffle. */
void
suite_rng(void)
{
	mg_rng		r1,
				r2;
	int			i,
				same = 1,
				differ = 0,
				inrange = 1;
	int64_t		n = quick() ? 20000 : 400000;
	double		s = 0.0,
				ss = 0.0,
				mean,
				var;
	int64_t		perm[1000];
	int			seen[1000];
	int			counts[6] = {0, 0, 0, 0, 0, 0};
	int			trials = quick() ? 6000 : 60000;
	float		fbuf[4096];

	/*
	 * Independent Python implementation of splitmix64 seeding and
	 * xoshiro256** (Vigna's reference C transcribed), seed 12345:
	 * first outputs 0xBE6A36374160D49B, 0x214AAA0637A688C6,
	 * 0xF69D16DE9954D388.
	 */
	mg_rng_seed(&r1, 12345);
	CHECK(mg_rng_next(&r1) == UINT64_C(0xBE6A36374160D49B), "xoshiro output 1");
	CHECK(mg_rng_next(&r1) == UINT64_C(0x214AAA0637A688C6), "xoshiro output 2");
	CHECK(mg_rng_next(&r1) == UINT64_C(0xF69D16DE9954D388), "xoshiro output 3");

	/* same seed, same stream (including normals with the spare) */
	mg_rng_seed(&r1, 42);
	mg_rng_seed(&r2, 42);
	for (i = 0; i < 1000; i++)
	{
		if (mg_rng_normal(&r1) != mg_rng_normal(&r2))
			same = 0;
		if (mg_rng_uniform(&r1) != mg_rng_uniform(&r2))
			same = 0;
	}
	CHECK(same, "same seed gives the same stream");
	mg_rng_seed(&r1, 42);
	mg_rng_seed(&r2, 43);
	for (i = 0; i < 10; i++)
		if (mg_rng_next(&r1) != mg_rng_next(&r2))
			differ++;
	CHECK(differ == 10, "different seeds differ (%d of 10)", differ);

	/* uniform in [0, 1), mean 1/2, variance 1/12 */
	mg_rng_seed(&r1, 7);
	for (i = 0; i < n; i++)
	{
		double		u = mg_rng_uniform(&r1);

		if (!(u >= 0.0 && u < 1.0))
			inrange = 0;
		s += u;
		ss += u * u;
	}
	mean = s / n;
	var = ss / n - mean * mean;
	CHECK(inrange, "uniform in [0,1)");
	CHECK_CLOSE(mean, 0.5, 0.01, 0, "uniform mean");
	CHECK_CLOSE(var, 1.0 / 12, 0.005, 0, "uniform variance");

	/* normal: mean 0, variance 1, third moment 0 */
	s = ss = 0.0;
	{
		double		s3 = 0.0;

		for (i = 0; i < n; i++)
		{
			double		z = mg_rng_normal(&r1);

			s += z;
			ss += z * z;
			s3 += z * z * z;
		}
		mean = s / n;
		var = ss / n - mean * mean;
		CHECK_CLOSE(mean, 0.0, 5.0 / sqrt((double) n), 0, "normal mean");
		CHECK_CLOSE(var, 1.0, 10.0 / sqrt((double) n), 0, "normal variance");
		CHECK_CLOSE(s3 / n, 0.0, 20.0 / sqrt((double) n), 0, "normal skew");
	}

	/* fill_normal with stddev 2: variance 4 */
	mg_rng_fill_normal(&r1, fbuf, 4096, 2.0f);
	s = ss = 0.0;
	for (i = 0; i < 4096; i++)
	{
		s += fbuf[i];
		ss += (double) fbuf[i] * fbuf[i];
	}
	CHECK_CLOSE(ss / 4096 - (s / 4096) * (s / 4096), 4.0, 0.4, 0, "fill_normal variance");

	/* shuffle gives a permutation */
	for (i = 0; i < 1000; i++)
	{
		perm[i] = i;
		seen[i] = 0;
	}
	mg_rng_shuffle(&r1, perm, 1000);
	same = 1;
	for (i = 0; i < 1000; i++)
	{
		if (perm[i] < 0 || perm[i] >= 1000 || seen[perm[i]])
			same = 0;
		else
			seen[perm[i]] = 1;
	}
	CHECK(same, "shuffle is a permutation");
	differ = 0;
	for (i = 0; i < 1000; i++)
		differ += perm[i] != i;
	CHECK(differ > 900, "shuffle moves most elements (%d)", differ);
	mg_rng_shuffle(&r1, perm, 0);
	mg_rng_shuffle(&r1, perm, 1);
	CHECK(1, "shuffle of 0 and 1 elements");

	/* all 6 orders of 3 elements about equally often (unbiased) */
	for (i = 0; i < trials; i++)
	{
		int64_t		p[3] = {0, 1, 2};

		mg_rng_shuffle(&r1, p, 3);
		counts[p[0] * 2 + (p[1] > p[2])]++;
	}
	same = 1;
	for (i = 0; i < 6; i++)
		if (fabs(counts[i] - trials / 6.0) > 5.0 * sqrt(trials / 6.0))
			same = 0;
	CHECK(same, "shuffle orders uniform: %d %d %d %d %d %d",
		  counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
}

/* ---------------------------------------------------------------------
 * loss
 * --------------------------------------------------------------------- */

/* naive sigmoid for reference values */
static double
ref_sig(double a)
{
	return 1.0 / (1.0 + exp(-a));
}

/* Central-difference check of the D and G loss gradients for one kind. */
static void
check_loss_fd(int kind)
{
	float		ar[6] = {-2.5f, -0.7f, 0.0f, 0.3f, 1.9f, 3.2f};
	float		af[6] = {1.1f, -3.0f, 0.6f, -0.2f, 2.4f, -1.3f};
	float		gr[6],
				gf[6],
				gg[6];
	int			i;
	const size_t n = 6;

	mg_loss_d(kind, ar, af, n, gr, gf);
	mg_loss_g(kind, af, n, gg);
	for (i = 0; i < 6; i++)
	{
		float		save,
					hp,
					hm;
		double		lp,
					lm,
					fd;

		/* d L_D / d a_real[i] */
		save = ar[i];
		hp = save + 1e-3f;
		hm = save - 1e-3f;
		ar[i] = hp;
		lp = mg_loss_d(kind, ar, af, n, NULL, NULL);
		ar[i] = hm;
		lm = mg_loss_d(kind, ar, af, n, NULL, NULL);
		ar[i] = save;
		fd = (lp - lm) / ((double) hp - hm);
		CHECK_CLOSE(gr[i], fd, 2e-6, 1e-3, "fd d-loss real");

		/* d L_D / d a_fake[i] */
		save = af[i];
		hp = save + 1e-3f;
		hm = save - 1e-3f;
		af[i] = hp;
		lp = mg_loss_d(kind, ar, af, n, NULL, NULL);
		af[i] = hm;
		lm = mg_loss_d(kind, ar, af, n, NULL, NULL);
		fd = (lp - lm) / ((double) hp - hm);
		CHECK_CLOSE(gf[i], fd, 2e-6, 1e-3, "fd d-loss fake");

		/* d L_G / d a_fake[i] */
		af[i] = hp;
		lp = mg_loss_g(kind, af, n, NULL);
		af[i] = hm;
		lm = mg_loss_g(kind, af, n, NULL);
		af[i] = save;
		fd = (lp - lm) / ((double) hp - hm);
		CHECK_CLOSE(gg[i], fd, 2e-6, 1e-3, "fd g-loss");
	}
}

/* Values by hand, the MIM equilibrium, stability, gradients. */
void
suite_loss(void)
{
	float		z[4] = {0, 0, 0, 0};
	float		gr[4],
				gf[4];
	float		ar[2] = {2.0f, -1.0f};
	float		af[2] = {0.5f, -3.0f};
	float		big[2] = {100.0f, -100.0f};
	double		l,
				e;
	int			kind;

	/*
	 * MIM equilibrium (ALGORITHM.md section 4): D == 1/2 everywhere gives
	 * L_D = e^{1/2} + e^{1/2} = 2 sqrt(e), the maximum over G.
	 */
	l = mg_loss_d(MG_LOSS_MIM, z, z, 4, gr, gf);
	CHECK_CLOSE(l, 2.0 * exp(0.5), 1e-12, 0, "mim equilibrium 2 e^0.5");
	CHECK_CLOSE(l, 3.2974425414002564, 1e-12, 0, "2 sqrt(e)");
	/* dL/da = -e^{1/2} * 1/4 / n (real), +e^{1/2} * 1/4 / n (fake) */
	CHECK_CLOSE(gr[0], -exp(0.5) * 0.25 / 4, 1e-7, 0, "mim grad real at 0");
	CHECK_CLOSE(gf[3], exp(0.5) * 0.25 / 4, 1e-7, 0, "mim grad fake at 0");
	l = mg_loss_d(MG_LOSS_MIM_NS, z, z, 4, NULL, NULL);
	CHECK_CLOSE(l, 2.0 * exp(0.5), 1e-12, 0, "mim_ns d-loss equals mim");
	CHECK_CLOSE(mg_loss_g(MG_LOSS_MIM, z, 4, NULL), -exp(0.5), 1e-12, 0, "g mim at 0");
	CHECK_CLOSE(mg_loss_g(MG_LOSS_MIM_NS, z, 4, NULL), exp(0.5), 1e-12, 0, "g mim_ns at 0");
	/* BCE at D = 1/2: 2 ln 2 and ln 2 */
	CHECK_CLOSE(mg_loss_d(MG_LOSS_BCE, z, z, 4, NULL, NULL), 2.0 * log(2.0), 1e-12, 0, "bce d at 0");
	CHECK_CLOSE(mg_loss_g(MG_LOSS_BCE, z, 4, NULL), log(2.0), 1e-12, 0, "bce g at 0");

	/* general values from the naive formulas, n = 2 */
	e = (exp(1 - ref_sig(2.0)) + exp(1 - ref_sig(-1.0))) / 2 +
		(exp(ref_sig(0.5)) + exp(ref_sig(-3.0))) / 2;
	CHECK_CLOSE(mg_loss_d(MG_LOSS_MIM, ar, af, 2, NULL, NULL), e, 1e-12, 0, "mim d value");
	e = -(exp(ref_sig(0.5)) + exp(ref_sig(-3.0))) / 2;
	CHECK_CLOSE(mg_loss_g(MG_LOSS_MIM, af, 2, NULL), e, 1e-12, 0, "mim g value");
	e = (exp(1 - ref_sig(0.5)) + exp(1 - ref_sig(-3.0))) / 2;
	CHECK_CLOSE(mg_loss_g(MG_LOSS_MIM_NS, af, 2, NULL), e, 1e-12, 0, "mim_ns g value");
	e = (-log(ref_sig(2.0)) - log(ref_sig(-1.0))) / 2 +
		(-log(1 - ref_sig(0.5)) - log(1 - ref_sig(-3.0))) / 2;
	CHECK_CLOSE(mg_loss_d(MG_LOSS_BCE, ar, af, 2, NULL, NULL), e, 1e-12, 0, "bce d value");
	e = (-log(ref_sig(0.5)) - log(ref_sig(-3.0))) / 2;
	CHECK_CLOSE(mg_loss_g(MG_LOSS_BCE, af, 2, NULL), e, 1e-12, 0, "bce g value");

	/* saturated logits stay finite: softplus(100) = 100, e^{1-D} -> e */
	for (kind = 0; kind < 3; kind++)
	{
		l = mg_loss_d(kind, big, big, 2, gr, gf);
		CHECK(isfinite(l) && isfinite(gr[0]) && isfinite(gr[1]) &&
			  isfinite(gf[0]) && isfinite(gf[1]), "kind %d finite at +-100", kind);
		l = mg_loss_g(kind, big, 2, gf);
		CHECK(isfinite(l) && isfinite(gf[0]) && isfinite(gf[1]), "kind %d g finite", kind);
	}
	CHECK_CLOSE(mg_loss_d(MG_LOSS_BCE, big, big, 2, NULL, NULL), 100.0, 1e-9, 0, "bce saturated");
	CHECK_CLOSE(mg_loss_d(MG_LOSS_MIM, big, big, 2, NULL, NULL),
				(1.0 + exp(1.0)) / 2 + (exp(1.0) + 1.0) / 2, 1e-9, 0, "mim saturated");
	CHECK(isnan(mg_loss_d(7, z, z, 4, NULL, NULL)), "unknown kind gives NaN");

	for (kind = 0; kind < 3; kind++)
		check_loss_fd(kind);
}

/* ---------------------------------------------------------------------
 * optim
 * --------------------------------------------------------------------- */

/* One Adam step on p with gradient g by the textbook formulas (double). */
static double
ref_adam(double p, double g1, double g2, int steps, double lr, double b1,
		 double b2, double eps)
{
	double		m = 0.0,
				v = 0.0;
	int			t;

	for (t = 1; t <= steps; t++)
	{
		double		g = t == 1 ? g1 : g2;

		m = b1 * m + (1 - b1) * g;
		v = b2 * v + (1 - b2) * g * g;
		p -= lr * (m / (1 - pow(b1, t))) / (sqrt(v / (1 - pow(b2, t))) + eps);
	}
	return p;
}

/* Adam, AdamW, TF decay, clipping, norms. */
void
suite_optim(void)
{
	mg_adam		opt;
	float		p[2],
				g[2];
	float		bad[3] = {1.0f, NAN, 2.0f};
	double		norm;

	/* plain Adam: step 1 moves each weight by lr * g / (|g| + eps) */
	CHECK(mg_adam_init(&opt, &mg_alloc_std, 2, 0.1f, 0.9f, 0.999f, 1e-8f,
					   0.0f, MG_WD_NONE, 0.0f) == MG_OK, "adam init");
	p[0] = 1.0f;
	p[1] = -2.0f;
	g[0] = 0.5f;
	g[1] = -0.1f;
	norm = mg_adam_step(&opt, p, g);
	CHECK_CLOSE(norm, sqrt(0.26), 1e-7, 0, "adam grad norm");
	CHECK_CLOSE(p[0], 0.9, 1e-6, 0, "adam step 1 p0 = 1 - 0.1");
	CHECK_CLOSE(p[1], -1.9, 1e-6, 0, "adam step 1 p1 = -2 + 0.1");
	/*
	 * Step 2 with g = (0.2, 0.3): by hand for p0, m = 0.065, v = 2.8975e-4,
	 * m^ = 0.065 / 0.19 = 0.342105, v^ = 2.8975e-4 / 0.001999 = 0.144947,
	 * update 0.1 * 0.342105 / 0.380719 = 0.0898577.
	 */
	g[0] = 0.2f;
	g[1] = 0.3f;
	mg_adam_step(&opt, p, g);
	CHECK_CLOSE(p[0], 0.9 - 0.0898577, 2e-6, 0, "adam step 2 p0 by hand");
	CHECK_CLOSE(p[0], ref_adam(1.0, 0.5, 0.2, 2, 0.1, 0.9, 0.999, 1e-8), 1e-6, 0, "adam step 2 p0");
	CHECK_CLOSE(p[1], ref_adam(-2.0, -0.1, 0.3, 2, 0.1, 0.9, 0.999, 1e-8), 1e-6, 0, "adam step 2 p1");
	CHECK(opt.t == 2, "adam t counts steps");
	mg_adam_free(&opt, &mg_alloc_std);

	/* AdamW: 1 * (1 - 0.1 * 0.1) - 0.1 = 0.89; -2 * 0.99 + 0.1 = -1.88 */
	mg_adam_init(&opt, &mg_alloc_std, 2, 0.1f, 0.9f, 0.999f, 1e-8f,
				 0.1f, MG_WD_ADAMW, 0.0f);
	p[0] = 1.0f;
	p[1] = -2.0f;
	g[0] = 0.5f;
	g[1] = -0.1f;
	mg_adam_step(&opt, p, g);
	CHECK_CLOSE(p[0], 0.89, 1e-6, 0, "adamw p0");
	CHECK_CLOSE(p[1], -1.88, 1e-6, 0, "adamw p1");
	mg_adam_free(&opt, &mg_alloc_std);

	/* TF-contrib: decay not scaled by lr: 1 * 0.9 - 0.1 = 0.8; -1.8 + 0.1 */
	mg_adam_init(&opt, &mg_alloc_std, 2, 0.1f, 0.9f, 0.999f, 1e-8f,
				 0.1f, MG_WD_TF, 0.0f);
	p[0] = 1.0f;
	p[1] = -2.0f;
	g[0] = 0.5f;
	g[1] = -0.1f;
	mg_adam_step(&opt, p, g);
	CHECK_CLOSE(p[0], 0.8, 1e-6, 0, "tf decay p0");
	CHECK_CLOSE(p[1], -1.7, 1e-6, 0, "tf decay p1");
	mg_adam_free(&opt, &mg_alloc_std);

	/* clipping: g = (3, 4) has norm 5; clip 1 scales it to (0.6, 0.8) */
	mg_adam_init(&opt, &mg_alloc_std, 2, 0.1f, 0.9f, 0.999f, 1e-8f,
				 0.0f, MG_WD_NONE, 1.0f);
	p[0] = p[1] = 0.0f;
	g[0] = 3.0f;
	g[1] = 4.0f;
	norm = mg_adam_step(&opt, p, g);
	CHECK_CLOSE(norm, 5.0, 1e-9, 0, "pre-clip norm returned");
	CHECK_CLOSE(g[0], 0.6, 1e-7, 0, "clipped g0");
	CHECK_CLOSE(g[1], 0.8, 1e-7, 0, "clipped g1");
	/* below the clip the gradient is untouched */
	g[0] = 0.3f;
	g[1] = 0.4f;
	norm = mg_adam_step(&opt, p, g);
	CHECK_CLOSE(norm, 0.5, 1e-7, 0, "norm below clip");
	CHECK(g[0] == 0.3f && g[1] == 0.4f, "no clipping below threshold");
	mg_adam_free(&opt, &mg_alloc_std);
	mg_adam_free(&opt, &mg_alloc_std);	/* twice is harmless */

	CHECK_CLOSE(mg_l2norm(g, 2), 0.5, 1e-7, 0, "l2norm");
	CHECK(mg_l2norm(g, 0) == 0.0, "l2norm empty");
	CHECK(mg_all_finite(g, 2) == 1, "all finite");
	CHECK(mg_all_finite(bad, 3) == 0, "NaN detected");
	bad[1] = INFINITY;
	CHECK(mg_all_finite(bad, 3) == 0, "Inf detected");
}

/* ---------------------------------------------------------------------
 * prep
 * --------------------------------------------------------------------- */

/* Min-max, z-score, none, constant columns, clipping, PCA, errors. */
void
suite_prep(void)
{
	/* 4 rows x 2 columns: column 1 is constant */
	double		X[8] = {0, 5, 2, 5, 4, 5, 10, 5};
	double		T[6] = {12, 7, -5, 5, 5, -1e9};
	double		Xz[4] = {1, 2, 3, 4};
	double		bad[4] = {1, 2, NAN, 4};
	double		P[8 * 3];
	double		mu[3] = {1.0, 2.0, 3.0};
	double		u[3][3] = {{0.6, 0.8, 0.0}, {-0.8, 0.6, 0.0}, {0.0, 0.0, 1.0}};
	double		sd[3] = {3.0, 2.0, 1.0};
	float		out[8 * 3];
	mg_prep    *p;
	int			i,
				j,
				c;
	double		sdz = sqrt(1.25);

	/* min-max: y = 2 (x - 0) / 10 - 1; constant column -> 0 */
	CHECK(mg_prep_fit(&mg_alloc_std, X, 4, 2, MG_NORM_MINMAX, 0, &p) == MG_OK, "fit minmax");
	CHECK(p->m == 2 && p->k == 2 && p->pca_k == 0, "minmax dims");
	CHECK(p->scale[1] == 0.0, "constant column has scale 0");
	CHECK(mg_prep_apply(p, X, 4, out) == MG_OK, "apply minmax");
	CHECK_CLOSE(out[0], -1.0, 1e-7, 0, "minmax min -> -1");
	CHECK_CLOSE(out[2], -0.6, 1e-7, 0, "minmax 2 -> -0.6");
	CHECK_CLOSE(out[4], -0.2, 1e-7, 0, "minmax 4 -> -0.2");
	CHECK_CLOSE(out[6], 1.0, 1e-7, 0, "minmax max -> 1");
	CHECK(out[1] == 0.0f && out[3] == 0.0f && out[7] == 0.0f, "constant column -> 0");
	/* later values are clipped with the training statistics */
	CHECK(mg_prep_apply(p, T, 3, out) == MG_OK, "apply minmax test rows");
	CHECK(out[0] == 1.0f && out[1] == 0.0f, "above max clipped to 1, const 0");
	CHECK(out[2] == -1.0f, "below min clipped to -1");
	CHECK_CLOSE(out[4], 0.0, 1e-7, 0, "5 -> 0");
	CHECK(out[5] == 0.0f, "constant column 0 even far away");
	mg_prep_free(&mg_alloc_std, p);

	/* z-score: (x - 2.5) / sqrt(1.25), population sd */
	CHECK(mg_prep_fit(&mg_alloc_std, Xz, 4, 1, MG_NORM_ZSCORE, 0, &p) == MG_OK, "fit zscore");
	mg_prep_apply(p, Xz, 4, out);
	for (i = 0; i < 4; i++)
		CHECK_CLOSE(out[i], (Xz[i] - 2.5) / sdz, 1e-6, 0, "zscore value");
	mg_prep_free(&mg_alloc_std, p);
	CHECK(mg_prep_fit(&mg_alloc_std, X, 4, 2, MG_NORM_ZSCORE, 0, &p) == MG_OK, "fit zscore const");
	mg_prep_apply(p, T, 3, out);
	CHECK(out[1] == 0.0f && out[5] == 0.0f, "zscore constant column -> 0");
	mg_prep_free(&mg_alloc_std, p);

	/* none: identity */
	CHECK(mg_prep_fit(&mg_alloc_std, X, 4, 2, MG_NORM_NONE, 0, &p) == MG_OK, "fit none");
	mg_prep_apply(p, T, 3, out);
	for (i = 0; i < 6; i++)
		CHECK(out[i] == (float) T[i], "none is identity");
	mg_prep_free(&mg_alloc_std, p);

	/*
	 * PCA with known eigenvectors: rows mu + 3 s1 u1 + 2 s2 u2 + s3 u3 over
	 * all 8 sign patterns s, with orthonormal u1 = (0.6, 0.8, 0),
	 * u2 = (-0.8, 0.6, 0), u3 = (0, 0, 1).  The scores are uncorrelated,
	 * so the covariance has eigenvalues 9, 4, 1 (times 8/7) along u1, u2,
	 * u3.  Sign rule: u2's largest entry is -0.8, so the component is
	 * -u2 = (0.8, -0.6, 0), and the second feature is -2 s2.
	 */
	for (i = 0; i < 8; i++)
		for (j = 0; j < 3; j++)
		{
			double		v = mu[j];

			for (c = 0; c < 3; c++)
				v += sd[c] * ((i >> c) & 1 ? 1.0 : -1.0) * u[c][j];
			P[i * 3 + j] = v;
		}
	CHECK(mg_prep_fit(&mg_alloc_std, P, 8, 3, MG_NORM_NONE, 2, &p) == MG_OK, "fit pca");
	CHECK(p->k == 2 && p->pca_k == 2, "pca dims");
	for (j = 0; j < 3; j++)
	{
		CHECK_CLOSE(p->pca_mean[j], mu[j], 1e-12, 0, "pca mean is the training mean");
		CHECK_CLOSE(p->pca_comp[j], u[0][j], 1e-9, 0, "first component u1");
		CHECK_CLOSE(p->pca_comp[3 + j], -u[1][j], 1e-9, 0, "second component -u2 (sign rule)");
	}
	for (c = 0; c < 2; c++)
		for (i = 0; i < 2; i++)
		{
			double		dot = 0.0;

			for (j = 0; j < 3; j++)
				dot += p->pca_comp[c * 3 + j] * p->pca_comp[i * 3 + j];
			CHECK_CLOSE(dot, c == i ? 1.0 : 0.0, 1e-12, 0, "components orthonormal");
		}
	CHECK(mg_prep_apply(p, P, 8, out) == MG_OK, "apply pca");
	for (i = 0; i < 8; i++)
	{
		CHECK_CLOSE(out[i * 2], 3.0 * ((i & 1) ? 1 : -1), 1e-5, 0, "projection on u1");
		CHECK_CLOSE(out[i * 2 + 1], -2.0 * ((i & 2) ? 1 : -1), 1e-5, 0, "projection on -u2");
	}
	/* fit on train only: the training mean projects to 0 whatever is applied */
	mg_prep_apply(p, mu, 1, out);
	CHECK(fabsf(out[0]) < 1e-6f && fabsf(out[1]) < 1e-6f, "training mean -> 0");
	mg_prep_free(&mg_alloc_std, p);

	/* clipping excess: min-max columns fitted on [0, 2] and [5, 5] */
	{
		double		tr[4] = {0, 5, 2, 5};
		double		te[6] = {1, 5, 6, 9, -2, 5};
		float		ex[6];

		CHECK(mg_prep_fit(&mg_alloc_std, tr, 2, 2, MG_NORM_MINMAX, 0, &p) == MG_OK, "fit excess");
		CHECK(mg_prep_excess(p, te, 3, ex) == MG_OK, "excess");
		/* 1 -> 0 inside; 6 -> 5 so 4 beyond +1; -2 -> -3 so -2 beyond -1; constant column 0 */
		CHECK(ex[0] == 0.0f && ex[2] == 4.0f && ex[4] == -2.0f, "excess %g %g %g", ex[0], ex[2], ex[4]);
		CHECK(ex[1] == 0.0f && ex[3] == 0.0f && ex[5] == 0.0f, "constant column excess");
		te[0] = NAN;
		CHECK(mg_prep_excess(p, te, 3, ex) == MG_ERR_NONFINITE, "excess NaN");
		mg_prep_free(&mg_alloc_std, p);
	}

	/* PCA after min-max: orthonormal, sign rule, full rank */
	CHECK(mg_prep_fit(&mg_alloc_std, P, 8, 3, MG_NORM_MINMAX, 3, &p) == MG_OK, "fit minmax pca");
	for (c = 0; c < 3; c++)
	{
		int			big = 0;
		double		nrm = 0.0;

		for (j = 0; j < 3; j++)
		{
			nrm += p->pca_comp[c * 3 + j] * p->pca_comp[c * 3 + j];
			if (fabs(p->pca_comp[c * 3 + j]) > fabs(p->pca_comp[c * 3 + big]))
				big = j;
		}
		CHECK_CLOSE(nrm, 1.0, 1e-12, 0, "unit component");
		CHECK(p->pca_comp[c * 3 + big] > 0.0, "largest entry positive");
	}
	mg_prep_free(&mg_alloc_std, p);

	/*
	 * Exact tie of the sign rule: two z-scored, perfectly anti-correlated
	 * columns have the top component (1, -1) / sqrt 2; the tie goes to
	 * the lowest index, so the first entry is positive.
	 */
	for (i = 0; i < 5; i++)
	{
		P[i * 2] = i * i;
		P[i * 2 + 1] = 1.0 - 3.0 * i * i;
	}
	CHECK(mg_prep_fit(&mg_alloc_std, P, 5, 2, MG_NORM_ZSCORE, 1, &p) == MG_OK, "fit tie");
	CHECK_CLOSE(p->pca_comp[0], sqrt(0.5), 1e-12, 0, "tie: first entry positive");
	CHECK_CLOSE(p->pca_comp[1], -sqrt(0.5), 1e-12, 0, "tie: second entry negative");
	mg_prep_free(&mg_alloc_std, p);

	/* errors */
	CHECK(mg_prep_fit(&mg_alloc_std, bad, 4, 1, MG_NORM_MINMAX, 0, &p) == MG_ERR_NONFINITE &&
		  p == NULL, "NaN in training data");
	CHECK(mg_prep_fit(&mg_alloc_std, X, 4, 2, MG_NORM_MINMAX, 3, &p) == MG_ERR_ARG, "pca_k > m");
	CHECK(mg_prep_fit(&mg_alloc_std, X, 4, 2, MG_NORM_MINMAX, -1, &p) == MG_ERR_ARG, "pca_k < 0");
	CHECK(mg_prep_fit(&mg_alloc_std, X, 4, 2, 9, 0, &p) == MG_ERR_ARG, "bad norm");
	CHECK(mg_prep_fit(&mg_alloc_std, X, 0, 2, MG_NORM_MINMAX, 0, &p) == MG_ERR_NODATA, "no rows");
	CHECK(mg_prep_fit(&mg_alloc_std, X, 4, 2, MG_NORM_MINMAX, 1, &p) == MG_OK, "fit for errors");
	T[3] = INFINITY;
	CHECK(mg_prep_apply(p, T, 3, out) == MG_ERR_NONFINITE, "Inf in applied data");
	mg_prep_free(&mg_alloc_std, p);
	mg_prep_free(&mg_alloc_std, NULL);
}

/* ---------------------------------------------------------------------
 * metrics
 * --------------------------------------------------------------------- */

/* 200 labels / scores generated with numpy (see suite_metrics) */
static const uint8_t big_y[200] = {
	0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1,
	0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0,
	1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
	0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0
};
static const double big_s[200] = {
	0.81, 0.66, 0.61, 0.69, 0.57, 0.04, 1.3, 0.96, 0.85, 0.05, 0.34, 0.82, 0.61,
	0.63, 0.8, 0.31, 0.86, 0.8, 0.13, 0.77, 1.38, 0.7, 0.57, 1.14, 1.11, 0.1,
	0.66, 0.63, 0.82, 0.8, 0.33, 1.22, 1.37, 1.39, 0.16, 0.53, 0.65, 0.71, 0.56,
	1.44, 0.88, 0.25, 0.46, 0.66, 0.1, 0.38, 0.63, 0.66, 0.83, 0.38, 0.37, 0.54,
	0.72, 0.25, 0.33, 0.96, 0.08, 0.75, 0.58, 0.3, 0.08, 0.76, 0.13, 0.63, 0.13,
	0.58, 0.91, 0.77, 0.31, 1.33, 0.62, 0.19, 0.43, 0.88, 0.88, 0.71, 0.1, 0.73,
	0.78, 1.33, 1.17, 0.37, 0.06, 1.02, 0.76, 0.19, 0.27, 0.54, 0.75, 1.4, 0.63,
	0.18, 0.8, 0.64, 0.72, 1.0, 1.44, 0.84, 1.28, 0.9, 0.64, 0.18, 0.76, 0.76,
	0.72, 0.44, 0.38, 0.42, 0.03, 0.84, 0.54, 0.39, 1.05, 0.72, 0.88, 0.83, 0.92,
	0.89, 0.14, 0.76, 1.49, 0.15, 0.71, 0.83, 0.92, 0.62, 0.59, 0.99, 0.62, 0.18,
	0.57, 0.45, 0.75, 0.69, 0.91, 0.22, 0.77, 0.07, 0.47, 0.03, 0.31, 0.31, 0.72,
	0.46, 0.06, 1.0, 1.39, 0.92, 0.25, 0.39, 0.73, 0.12, 0.03, 0.5, 0.12, 0.18,
	0.86, 0.48, 0.68, 1.17, 0.77, 0.53, 0.28, 1.02, 0.63, 0.54, 0.4, 0.79, 0.87,
	0.18, 0.14, 0.11, 0.98, 1.44, 0.73, 0.97, 0.21, 0.51, 0.5, 1.41, 0.04, 0.32,
	0.6, 0.07, 0.24, 0.97, 1.38, 1.26, 1.33, 1.26, 1.21, 0.85, 1.18, 0.74, 0.8,
	0.17, 1.26, 0.17, 0.92, 0.6
};

/* Hand examples, sklearn constants, NaN skipping, quantile, top-k. */
void
suite_metrics(void)
{
	/* ties: one positive ties a negative at 0.5 */
	double		s1[4] = {0.5, 0.5, 0.2, 0.9};
	uint8_t		y1[4] = {0, 1, 0, 1};
	/* two labelled segments for point adjustment */
	double		s2[9] = {0.1, 0.9, 0.2, 0.2, 0.3, 0.1, 0.1, 0.4, 0.2};
	uint8_t		y2[9] = {0, 1, 1, 1, 0, 0, 1, 1, 0};
	/* the same with NaN rows inserted inside a segment and between rows */
	double		s3[12] = {NAN, 0.1, 0.9, NAN, 0.2, 0.2, 0.3, 0.1, 0.1, NAN, 0.4, 0.2};
	uint8_t		y3[12] = {0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0};
	double		s12[12] = {0.1, 0.4, 0.35, 0.8, 0.4, 0.2, 0.9, 0.3, 0.5, 0.5, 0.1, 0.05};
	uint8_t		y12[12] = {0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0};
	double		qx[8] = {3, 1, 4, 1, 5, 9, 2, 6};
	double		qn[4] = {NAN, 2, NAN, 4};
	float		tv[6] = {0.5f, 2.0f, 0.5f, 3.0f, NAN, 2.0f};
	int			idx[6];
	mg_metrics	mt,
				mt2;

	/*
	 * By hand, s1/y1 at threshold 0.4 (score > thr): tp 2, fp 1 -> P 2/3,
	 * R 1, F1 0.8.  Sweep: tau 0.9 P 1 R 1/2 F 2/3; tau 0.5 P 2/3 R 1
	 * F 0.8 (best); tau 0.2 F 2/3.  ROC: pairs (0.5,0.5) tie 1/2,
	 * (0.5,0.2) 1, (0.9, both) 2 -> 3.5 / 4 = 0.875.  AP: 1/2 * 1 +
	 * 1/2 * 2/3 = 5/6.
	 */
	CHECK(mg_evaluate(&mg_alloc_std, s1, y1, 4, 0.4, &mt) == MG_OK, "evaluate s1");
	CHECK(mt.n == 4 && mt.n_pos == 2, "counts");
	CHECK_CLOSE(mt.precision, 2.0 / 3, 1e-12, 0, "precision at 0.4");
	CHECK_CLOSE(mt.recall, 1.0, 1e-12, 0, "recall at 0.4");
	CHECK_CLOSE(mt.f1, 0.8, 1e-12, 0, "f1 at 0.4");
	CHECK_CLOSE(mt.best_f1, 0.8, 1e-12, 0, "best f1");
	CHECK_CLOSE(mt.best_threshold, 0.5, 0, 0, "best threshold");
	CHECK_CLOSE(mt.best_cut, 0.35, 1e-15, 0, "best cut midway between 0.5 and 0.2");
	CHECK_CLOSE(mt.best_precision, 2.0 / 3, 1e-12, 0, "best precision");
	CHECK_CLOSE(mt.best_recall, 1.0, 1e-12, 0, "best recall");
	CHECK_CLOSE(mt.roc_auc, 0.875, 1e-12, 0, "roc auc with a tie");
	CHECK_CLOSE(mt.pr_auc, 5.0 / 6, 1e-12, 0, "average precision");
	CHECK_CLOSE(mt.f1_pa, 0.8, 1e-12, 0, "pa f1 with single-point segments");
	/* strict '>' at the threshold: 0.5 is not flagged at threshold 0.5 */
	mg_evaluate(&mg_alloc_std, s1, y1, 4, 0.5, &mt);
	CHECK_CLOSE(mt.precision, 1.0, 1e-12, 0, "score > thr is strict");
	CHECK_CLOSE(mt.recall, 0.5, 1e-12, 0, "recall at 0.5");

	/*
	 * Point adjustment by hand, s2/y2: segments A = rows 1-3 (max 0.9,
	 * 3 rows), B = rows 6-7 (max 0.4, 2 rows); normals 0.1 0.3 0.1 0.2.
	 * tau 0.9: tp 3 fp 0 fn 2 -> 0.75; tau 0.4: tp 5 fp 0 -> 1.0 (best).
	 * Point-wise best: tau 0.2: tp 4 fp 2 -> P 2/3, R 4/5, F1 8/11.
	 * Python (run_baselines.py): best_f1_pointwise -> (0.72727, 0.6667,
	 * 0.8, 0.2), best_f1_point_adjusted -> (1.0, 1.0, 1.0),
	 * roc_auc_score 0.7, average_precision_score 0.7777777777777777.
	 */
	CHECK(mg_evaluate(&mg_alloc_std, s2, y2, 9, 0.5, &mt) == MG_OK, "evaluate s2");
	CHECK_CLOSE(mt.f1_pa, 1.0, 1e-12, 0, "pa f1 by hand");
	CHECK_CLOSE(mt.best_f1, 8.0 / 11, 1e-12, 0, "best f1 by hand");
	CHECK_CLOSE(mt.best_threshold, 0.2, 0, 0, "best threshold by hand");
	CHECK_CLOSE(mt.best_cut, 0.15, 1e-15, 0, "best cut midway to the next score 0.1");
	CHECK_CLOSE(mt.roc_auc, 0.7, 1e-12, 0, "roc s2");
	CHECK_CLOSE(mt.pr_auc, 0.7777777777777777, 1e-12, 0, "ap s2");
	CHECK_CLOSE(mt.precision, 1.0, 1e-12, 0, "precision s2 at 0.5");
	CHECK_CLOSE(mt.recall, 0.2, 1e-12, 0, "recall s2 at 0.5");

	/* NaN rows are skipped: same figures as without them */
	CHECK(mg_evaluate(&mg_alloc_std, s3, y3, 12, 0.5, &mt2) == MG_OK, "evaluate with NaN");
	CHECK(mt2.n == 9 && mt2.n_pos == 5, "NaN rows not counted");
	CHECK(mt2.best_f1 == mt.best_f1 && mt2.f1_pa == mt.f1_pa &&
		  mt2.roc_auc == mt.roc_auc && mt2.pr_auc == mt.pr_auc &&
		  mt2.precision == mt.precision && mt2.recall == mt.recall,
		  "NaN skipping leaves the metrics unchanged");

	/*
	 * Python:
	 *	 y=np.array([0,0,1,1,0,1,0,0,1,1,1,0])
	 *	 s=np.array([0.1,0.4,0.35,0.8,0.4,0.2,0.9,0.3,0.5,0.5,0.1,0.05])
	 *	 roc_auc_score(y,s) -> 0.5972222222222223
	 *	 average_precision_score(y,s) -> 0.612073112073112
	 *	 best_f1_pointwise(y,s) -> (0.7058823529411764, 0.5454545454545454, 1.0, 0.1)
	 *	 best_f1_point_adjusted(y,s) -> (0.8333333333333334, ...)
	 *	 precision/recall/f1_score(y, s > 0.4) -> 0.75 0.5 0.6
	 */
	mg_evaluate(&mg_alloc_std, s12, y12, 12, 0.4, &mt);
	CHECK_CLOSE(mt.roc_auc, 0.5972222222222223, 1e-14, 0, "sklearn roc 12");
	CHECK_CLOSE(mt.pr_auc, 0.612073112073112, 1e-14, 0, "sklearn ap 12");
	CHECK_CLOSE(mt.best_f1, 0.7058823529411764, 1e-14, 0, "sklearn best f1 12");
	CHECK_CLOSE(mt.best_precision, 0.5454545454545454, 1e-14, 0, "best P 12");
	CHECK_CLOSE(mt.best_recall, 1.0, 1e-14, 0, "best R 12");
	CHECK_CLOSE(mt.best_threshold, 0.1, 0, 0, "best thr 12");
	CHECK_CLOSE(mt.f1_pa, 0.8333333333333334, 1e-14, 0, "pa f1 12");
	CHECK_CLOSE(mt.precision, 0.75, 1e-14, 0, "P 12");
	CHECK_CLOSE(mt.recall, 0.5, 1e-14, 0, "R 12");
	CHECK_CLOSE(mt.f1, 0.6, 1e-14, 0, "F1 12");

	/*
	 * Python (many ties, scores rounded to 2 digits):
	 *	 rng=np.random.default_rng(7); n=200
	 *	 y=(rng.random(n)<0.3).astype(int); s=np.round(rng.random(n)+0.5*y,2)
	 *	 roc_auc_score -> 0.863697705802969
	 *	 average_precision_score -> 0.7840509551623407
	 *	 best_f1_pointwise -> (0.6792452830188679, 0.7346938775510204,
	 *	                       0.631578947368421, 0.88)
	 *	 best_f1_point_adjusted -> (0.7872340425531915, 1.0, 0.6491228070175439)
	 */
	mg_evaluate(&mg_alloc_std, big_s, big_y, 200, 0.5, &mt);
	CHECK_CLOSE(mt.roc_auc, 0.863697705802969, 1e-14, 0, "sklearn roc 200");
	CHECK_CLOSE(mt.pr_auc, 0.7840509551623407, 1e-14, 0, "sklearn ap 200");
	CHECK_CLOSE(mt.best_f1, 0.6792452830188679, 1e-14, 0, "best f1 200");
	CHECK_CLOSE(mt.best_precision, 0.7346938775510204, 1e-14, 0, "best P 200");
	CHECK_CLOSE(mt.best_recall, 0.631578947368421, 1e-14, 0, "best R 200");
	CHECK_CLOSE(mt.best_threshold, 0.88, 0, 0, "best thr 200");
	{
		double		cut = mt.best_cut,
					f1best = mt.best_f1;

		CHECK(cut < 0.88, "best_cut %.17g below best_threshold", cut);
		mg_evaluate(&mg_alloc_std, big_s, big_y, 200, cut, &mt);
		CHECK_CLOSE(mt.f1, f1best, 1e-14, 0, "f1 at best_cut (score > cut) = best f1");
	}
	CHECK_CLOSE(mt.f1_pa, 0.7872340425531915, 1e-14, 0, "pa f1 200");

	/* degenerate inputs */
	CHECK(mg_evaluate(&mg_alloc_std, s1, y1, 0, 0.5, &mt) == MG_OK && mt.n == 0 &&
		  isnan(mt.roc_auc) && isnan(mt.pr_auc), "empty input");
	y1[1] = y1[3] = 0;
	mg_evaluate(&mg_alloc_std, s1, y1, 4, 0.4, &mt);
	CHECK(mt.n_pos == 0 && isnan(mt.roc_auc) && isnan(mt.pr_auc) &&
		  mt.best_f1 == 0.0 && mt.f1 == 0.0, "no positives");
	y1[0] = y1[1] = y1[2] = y1[3] = 1;
	mg_evaluate(&mg_alloc_std, s1, y1, 4, 0.4, &mt);
	CHECK(isnan(mt.roc_auc) && mt.pr_auc == 1.0 && mt.best_f1 == 1.0, "no negatives");

	/* quantile: numpy.quantile([3,1,4,1,5,9,2,6], q) */
	CHECK_CLOSE(mg_quantile(&mg_alloc_std, qx, 8, 0.0), 1.0, 0, 0, "q 0");
	CHECK_CLOSE(mg_quantile(&mg_alloc_std, qx, 8, 0.25), 1.75, 1e-15, 0, "q .25");
	CHECK_CLOSE(mg_quantile(&mg_alloc_std, qx, 8, 0.5), 3.5, 1e-15, 0, "q .5");
	CHECK_CLOSE(mg_quantile(&mg_alloc_std, qx, 8, 0.9), 6.8999999999999995, 1e-15, 0, "q .9");
	CHECK_CLOSE(mg_quantile(&mg_alloc_std, qx, 8, 0.99), 8.79, 1e-14, 0, "q .99");
	CHECK_CLOSE(mg_quantile(&mg_alloc_std, qx, 8, 1.0), 9.0, 0, 0, "q 1");
	CHECK_CLOSE(mg_quantile(&mg_alloc_std, qn, 4, 0.5), 3.0, 0, 0, "q skips NaN");
	CHECK(isnan(mg_quantile(&mg_alloc_std, qn, 1, 0.5)), "q all NaN");
	CHECK(isnan(mg_quantile(&mg_alloc_std, qx, 0, 0.5)), "q empty");
	CHECK(isnan(mg_quantile(&mg_alloc_std, qx, 8, 1.5)), "q out of range");

	/* top indices: decreasing, ties by lower index, NaN last */
	CHECK(mg_top_indices(tv, 6, 3, idx) == 3 && idx[0] == 3 && idx[1] == 1 &&
		  idx[2] == 5, "top 3");
	CHECK(mg_top_indices(tv, 6, 10, idx) == 6 && idx[3] == 0 && idx[4] == 2 &&
		  idx[5] == 4, "top all");
	CHECK(mg_top_indices(tv, 6, 0, idx) == 0, "top 0");
}

/* ---------------------------------------------------------------------
 * blob
 * --------------------------------------------------------------------- */

/* A small model with PCA (or without when pca == 0), built by hand. */
static mg_model *
make_model(int pca, int with_meta)
{
	const mg_alloc *a = &mg_alloc_std;
	mg_model   *mdl = mg_calloc(a, 1, sizeof(mg_model));
	double		X[20 * 4];
	mg_rng		r;
	size_t		i,
				ng,
				nd;

	mg_rng_seed(&r, 99);
	for (i = 0; i < 80; i++)
		X[i] = mg_rng_normal(&r) * (1 + i % 4);
	mg_config_paper(&mdl->cfg);
	mdl->cfg.seq_len = 10;
	mdl->cfg.latent_dim = 3;
	mdl->cfg.hidden_g = 4;
	mdl->cfg.hidden_d = 5;
	mdl->cfg.layers_g = 2;
	mdl->cfg.pca_components = pca;
	mdl->cfg.seed = UINT64_C(0xFEDCBA9876543210);
	mdl->cfg.normalize = MG_NORM_ZSCORE;
	mdl->m = 4;
	mg_prep_fit(a, X, 20, 4, MG_NORM_ZSCORE, pca, &mdl->prep);
	mdl->k = mdl->prep->k;
	mdl->gspec.in = 3;
	mdl->gspec.hidden = 4;
	mdl->gspec.layers = 2;
	mdl->gspec.out = mdl->k;
	mdl->gspec.out_act = MG_ACT_TANH;
	mdl->dspec.in = mdl->k;
	mdl->dspec.hidden = 5;
	mdl->dspec.layers = 1;
	mdl->dspec.out = 1;
	mdl->dspec.out_act = MG_ACT_NONE;
	ng = mg_net_nparams(&mdl->gspec);
	nd = mg_net_nparams(&mdl->dspec);
	mdl->g_params = mg_malloc(a, ng, sizeof(float));
	mdl->d_params = mg_malloc(a, nd, sizeof(float));
	mg_rng_fill_normal(&r, mdl->g_params, ng, 0.5f);
	mg_rng_fill_normal(&r, mdl->d_params, nd, 0.5f);
	mdl->threshold = 0.7312;
	mdl->stats.epochs_run = 17;
	mdl->stats.n_rows = 20;
	mdl->stats.n_windows = 11;
	mdl->stats.n_series = 1;
	mdl->stats.loss_d = 3.1;
	mdl->stats.loss_g = -1.6;
	mdl->stats.d_real = 0.52;
	mdl->stats.d_fake = 0.47;
	mdl->stats.train_score_mean = 0.25;
	mdl->stats.train_score_sd = 0.05;
	mdl->stats.train_rec_mean = 0.125;
	if (with_meta)
	{
		const char *js = "{\"source\": \"t\", \"cols\": [\"a\", \"b\"]}";

		mdl->meta_len = (uint32_t) strlen(js);
		mdl->meta = mg_malloc(a, mdl->meta_len, 1);
		memcpy(mdl->meta, js, mdl->meta_len);
	}
	return mdl;
}

/* rewrite the trailing checksum after editing a blob */
static void
fix_crc(uint8_t *b, size_t len)
{
	uint32_t	c = mg_crc32c(0, b, len - 4);

	b[len - 4] = (uint8_t) c;
	b[len - 3] = (uint8_t) (c >> 8);
	b[len - 2] = (uint8_t) (c >> 16);
	b[len - 1] = (uint8_t) (c >> 24);
}

/* Deserialize a modified copy; returns the status, frees any model. */
static mg_status
try_load(const uint8_t *b, size_t len)
{
	mg_model   *m2 = NULL;
	mg_status	rc = mg_model_deserialize(b, len, &mg_alloc_std, &m2);

	if (rc != MG_OK && m2 != NULL)
		rc = MG_ERR_ARG;		/* output must stay NULL on failure */
	mg_model_free(&mg_alloc_std, m2);
	return rc;
}

/*
 * Blobs of versions 1 and 2 (0.1.0 wrote both) are still read.  Build a
 * version-2 blob from the version-3 blob b by removing the v3 config fields
 * (f64 pot_risk, i32 smooth), and a version-1 blob of a model without encoder or
 * residual scales by also removing the v2 fields (config tail, the u32
 * scale count, loss_rec).
 */
static void
check_blob_v1(const uint8_t *b, size_t len, const mg_model *mdl)
{
	const mg_alloc *a = &mg_alloc_std;
	size_t		tail = 4 + mdl->meta_len + 4;	/* crc, meta, meta_len */
	size_t		p_lossrec = len - tail - 8;
	size_t		p_nsc = len - tail - 88 - 8 - 4;
	size_t		n1 = len - 28 - 4 - 8;
	size_t		n2 = len - 12;
	uint8_t    *v1 = mg_malloc(a, n1, 1);
	uint8_t    *v2 = mg_malloc(a, n2, 1);
	uint8_t    *q = v1;
	mg_model   *m1 = NULL;
	mg_status	rc;
	size_t		i;

	/* version 2: without the 12 bytes of pot_risk and smooth at offset 212 */
	memcpy(v2, b, 212);
	memcpy(v2 + 212, b + 224, len - 224);
	v2[8] = 2;
	for (i = 0; i < 8; i++)
		v2[16 + i] = (uint8_t) ((uint64_t) n2 >> (8 * i));
	fix_crc(v2, n2);
	rc = mg_model_deserialize(v2, n2, a, &m1);
	CHECK(rc == MG_OK, "version 2 blob read: %s", mg_status_string(rc));
	if (m1)
	{
		CHECK(m1->cfg.pot_risk == MG_DEFAULT_POT_RISK && m1->cfg.smooth == 1 &&
			  m1->cfg.threshold_auto == mdl->cfg.threshold_auto &&
			  m1->threshold == mdl->threshold &&
			  memcmp(m1->g_params, mdl->g_params,
					 mg_net_nparams(&mdl->gspec) * sizeof(float)) == 0,
			  "version 2 blob: same weights, default pot_risk");
		mg_model_free(a, m1);
		m1 = NULL;
	}
	v2[8] = 3;
	fix_crc(v2, n2);
	CHECK(try_load(v2, n2) != MG_OK, "version-2 body labelled 3 refused");
	mg_free(a, v2);

	memcpy(q, b, 196);			/* header and the version-1 config */
	q += 196;
	memcpy(q, b + 224, p_nsc - 224);
	q += p_nsc - 224;
	memcpy(q, b + p_nsc + 4, p_lossrec - (p_nsc + 4));
	q += p_lossrec - (p_nsc + 4);
	memcpy(q, b + p_lossrec + 8, len - (p_lossrec + 8));
	v1[8] = 1;
	for (i = 0; i < 8; i++)
		v1[16 + i] = (uint8_t) ((uint64_t) n1 >> (8 * i));
	fix_crc(v1, n1);
	rc = mg_model_deserialize(v1, n1, a, &m1);
	CHECK(rc == MG_OK, "version 1 blob read: %s", mg_status_string(rc));
	if (m1)
	{
		CHECK(m1->cfg.encoder == 0 && m1->cfg.resid_norm == MG_RESID_NONE &&
			  m1->e_params == NULL && m1->resid_scale == NULL &&
			  m1->stats.loss_rec == 0.0 && m1->threshold == mdl->threshold &&
			  memcmp(m1->g_params, mdl->g_params,
					 mg_net_nparams(&mdl->gspec) * sizeof(float)) == 0 &&
			  m1->meta_len == mdl->meta_len,
			  "version 1 blob: same weights, no v2 parts");
		mg_model_free(a, m1);
	}
	/* a version-1 blob cannot carry v2 fields: the layout would not end */
	v1[8] = 2;
	fix_crc(v1, n1);
	CHECK(try_load(v1, n1) != MG_OK, "version-1 body labelled 2 refused");
	mg_free(a, v1);
}

/*
 * Blobs of version 3 (written before the attribution option) are still
 * read, with attribution 'residual' and no deviation scales.  Build one
 * from the version-4 blob b of a model without deviation scales by
 * removing the v4 fields (i32 attribution at offset 224, the u32
 * deviation scale count before the threshold), then check the older
 * versions from it.
 */
static void
check_blob_v3(const uint8_t *b, size_t len, const mg_model *mdl)
{
	const mg_alloc *a = &mg_alloc_std;
	size_t		tail = 4 + mdl->meta_len + 4;	/* crc, meta, meta_len */
	size_t		p_na = len - tail - 88 - 8 - 4;
	size_t		n3 = len - 8;
	uint8_t    *v3 = mg_malloc(a, n3, 1);
	mg_model   *m1 = NULL;
	mg_status	rc;
	size_t		i;

	CHECK(mdl->attr_scale == NULL && b[p_na] == 0 && b[224] == MG_ATTR_RESIDUAL,
		  "layout: attribution at 224, n_a 0 before the threshold");
	memcpy(v3, b, 224);
	memcpy(v3 + 224, b + 228, p_na - 228);
	memcpy(v3 + p_na - 4, b + p_na + 4, len - (p_na + 4));
	v3[8] = 3;
	for (i = 0; i < 8; i++)
		v3[16 + i] = (uint8_t) ((uint64_t) n3 >> (8 * i));
	fix_crc(v3, n3);
	rc = mg_model_deserialize(v3, n3, a, &m1);
	CHECK(rc == MG_OK, "version 3 blob read: %s", mg_status_string(rc));
	if (m1)
	{
		CHECK(m1->cfg.attribution == MG_ATTR_RESIDUAL && m1->attr_scale == NULL &&
			  m1->cfg.smooth == mdl->cfg.smooth && m1->threshold == mdl->threshold &&
			  memcmp(m1->g_params, mdl->g_params,
					 mg_net_nparams(&mdl->gspec) * sizeof(float)) == 0,
			  "version 3 blob: same weights, attribution residual");
		mg_model_free(a, m1);
	}
	v3[8] = 4;
	fix_crc(v3, n3);
	CHECK(try_load(v3, n3) != MG_OK, "version-3 body labelled 4 refused");
	v3[8] = 3;
	fix_crc(v3, n3);
	check_blob_v1(v3, n3, mdl);
	mg_free(a, v3);
}

/* An encoder and residual scales survive the round trip. */
static void
check_blob_encoder(void)
{
	const mg_alloc *a = &mg_alloc_std;
	mg_model   *mdl = make_model(0, 1),
			   *m2 = NULL;
	uint8_t    *b1 = NULL,
			   *cp;
	size_t		l1 = 0,
				ne,
				i;
	mg_rng		r;
	int			refused = 0;

	mdl->cfg.encoder = 1;
	mdl->cfg.resid_norm = MG_RESID_TRAIN;
	mdl->espec.in = mdl->k;
	mdl->espec.hidden = mdl->cfg.hidden_g;
	mdl->espec.layers = mdl->cfg.layers_g;
	mdl->espec.out = mdl->cfg.latent_dim;
	mdl->espec.out_act = MG_ACT_NONE;
	ne = mg_net_nparams(&mdl->espec);
	mg_rng_seed(&r, 3);
	mdl->e_params = mg_malloc(a, ne, sizeof(float));
	mg_rng_fill_normal(&r, mdl->e_params, ne, 0.5f);
	CHECK(mg_model_serialize(mdl, a, &b1, &l1) == MG_ERR_ARG && b1 == NULL,
		  "resid_norm without scales not serialized");
	mdl->resid_scale = mg_malloc(a, (size_t) mdl->m, sizeof(float));
	for (i = 0; i < (size_t) mdl->m; i++)
		mdl->resid_scale[i] = 0.1f * (float) (i + 1);
	mdl->stats.loss_rec = 0.0625;
	mdl->cfg.attribution = MG_ATTR_DEVIATION;
	CHECK(mg_model_serialize(mdl, a, &b1, &l1) == MG_ERR_ARG && b1 == NULL,
		  "attribution deviation without scales not serialized");
	mdl->attr_scale = mg_malloc(a, (size_t) mdl->m, sizeof(float));
	for (i = 0; i < (size_t) mdl->m; i++)
		mdl->attr_scale[i] = 0.25f * (float) (i + 1);
	CHECK(mg_model_serialize(mdl, a, &b1, &l1) == MG_OK, "encoder model serialized");
	CHECK(mg_model_deserialize(b1, l1, a, &m2) == MG_OK && m2 != NULL &&
		  m2->cfg.encoder == 1 && m2->cfg.resid_norm == MG_RESID_TRAIN &&
		  memcmp(&m2->espec, &mdl->espec, sizeof(mg_net_spec)) == 0 &&
		  memcmp(m2->e_params, mdl->e_params, ne * sizeof(float)) == 0 &&
		  memcmp(m2->resid_scale, mdl->resid_scale, mdl->m * sizeof(float)) == 0 &&
		  m2->cfg.attribution == MG_ATTR_DEVIATION &&
		  memcmp(m2->attr_scale, mdl->attr_scale, mdl->m * sizeof(float)) == 0 &&
		  m2->stats.loss_rec == 0.0625, "encoder and scales round trip");
	mg_model_free(a, m2);
	/* damage anywhere in the new parts is refused */
	cp = mg_malloc(a, l1, 1);
	for (i = 0; i < 400; i++)
	{
		size_t		pos = (size_t) (mg_rng_uniform(&r) * l1);

		memcpy(cp, b1, l1);
		cp[pos] ^= (uint8_t) (1u << (mg_rng_next(&r) & 7));
		if (try_load(cp, l1) != MG_OK)
			refused++;
	}
	CHECK(refused == 400, "encoder blob bit flips refused: %d of 400", refused);
	/* a zero scale with a valid checksum is refused; layout (v4): n_s,
	 * resid_scale[m], n_a, attr_scale[m], then the threshold */
	memcpy(cp, b1, l1);
	{
		size_t		pa = l1 - (4 + mdl->meta_len + 4) - 88 - 8 - 4 * mdl->m;
		size_t		p0 = pa - 4 - 4 * mdl->m;
		float		a0;

		memcpy(&a0, cp + pa, 4);
		CHECK(a0 == mdl->attr_scale[0] && cp[pa - 4] == (uint8_t) mdl->m,
			  "layout: n_a then attr_scale before the threshold");
		memset(cp + p0, 0, 4);
		fix_crc(cp, l1);
		CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "zero residual scale refused");
		memcpy(cp, b1, l1);
		memset(cp + pa + 4, 0, 4);
		fix_crc(cp, l1);
		CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "zero deviation scale refused");
		memcpy(cp, b1, l1);
		cp[pa - 4] = (uint8_t) (mdl->m - 1);
		fix_crc(cp, l1);
		CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "deviation scale count != m refused");
		/* attribution (i32 at offset 224) 'residual' -> 2: invalid */
		memcpy(cp, b1, l1);
		CHECK(cp[224] == MG_ATTR_DEVIATION, "layout: attribution at offset 224");
		cp[224] = 2;
		fix_crc(cp, l1);
		CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "attribution 2 refused");
	}
	mg_free(a, cp);
	mg_free(a, b1);

	/* resid_norm 'zscore': scale[m], spread[m], centre[m] (centre may be 0) */
	{
		int			m = mdl->m;
		int			j;
		uint8_t    *b2 = NULL;
		size_t		l2 = 0;
		float	   *zs = mg_malloc(a, (size_t) 3 * m, sizeof(float));

		for (j = 0; j < 3 * m; j++)
			zs[j] = j == 2 * m ? 0.0f : 0.05f * (float) (j + 1);
		mg_free(a, mdl->resid_scale);
		mdl->resid_scale = zs;
		mdl->cfg.resid_norm = MG_RESID_ZSCORE;
		CHECK(mg_model_serialize(mdl, a, &b2, &l2) == MG_OK && l2 == l1 + 8 * (size_t) m,
			  "zscore model serialized, 2m floats more");
		CHECK(mg_model_deserialize(b2, l2, a, &m2) == MG_OK && m2 != NULL &&
			  m2->cfg.resid_norm == MG_RESID_ZSCORE &&
			  memcmp(m2->resid_scale, zs, 3 * m * sizeof(float)) == 0,
			  "zscore scales round trip");
		mg_model_free(a, m2);
		mg_free(a, b2);
		b2 = NULL;
		zs[2 * m] = -0.5f;
		/* serialize loads its own blob back: the reader refuses these */
		CHECK(mg_model_serialize(mdl, a, &b2, &l2) == MG_ERR_ARG && b2 == NULL,
			  "negative zscore centre refused");
		zs[2 * m] = 0.0f;
		zs[m] = 0.0f;
		CHECK(mg_model_serialize(mdl, a, &b2, &l2) == MG_ERR_ARG && b2 == NULL,
			  "zero zscore spread refused");
		zs[m] = 1.0f;
		mdl->cfg.resid_norm = MG_RESID_TRAIN;
		CHECK(mg_model_serialize(mdl, a, &b2, &l2) == MG_OK && l2 == l1,
			  "resid_norm train writes m scales");
		mg_free(a, b2);
		b2 = NULL;
	}
	mg_model_free(a, mdl);
}


/* Defaults are valid; each out-of-range field is named. */
static void
check_config(void)
{
	mg_config	c;
	const char *field = NULL;

	mg_config_paper(&c);
	CHECK(mg_config_validate(&c, &field) == MG_OK && field == NULL, "paper settings valid");
	CHECK(c.seq_len == 90 && c.step == 10 && c.latent_dim == 15 && c.hidden_g == 100 &&
		  c.epochs == 100 && c.batch_size == 512 && c.d_rounds == 6 && c.g_rounds == 3 &&
		  c.lr_d == 5e-4f && c.wd_mode == MG_WD_ADAMW && c.lambda == 0.8 &&
		  c.invert_iters == 1000 && c.invert_optim == MG_INV_RMSPROP &&
		  c.init == MG_INIT_REF && c.encoder == 0 && c.resid_norm == MG_RESID_NONE &&
		  c.threshold_quantile == 0.99, "the paper's settings (ALGORITHM.md 9)");
	mg_config_default(&c);
	CHECK(mg_config_validate(&c, &field) == MG_OK && field == NULL, "defaults valid");
	CHECK(c.encoder == 1 && c.resid_norm == MG_RESID_ZSCORE && c.resid_agg == MG_AGG_RMS &&
		  c.init == MG_INIT_GLOROT &&
		  c.invert_iters == 0 && c.loss == MG_LOSS_MIM && c.latent_dim == 15,
		  "documented defaults (doc/benchmarks.md)");
	c.seq_len = 5;
	CHECK(mg_config_validate(&c, &field) == MG_OK, "small seq_len with default strides");
#define BADCFG(stmt, name) \
	do { \
		mg_config_default(&c); \
		stmt; \
		field = NULL; \
		CHECK(mg_config_validate(&c, &field) == MG_ERR_ARG && field != NULL && \
			  strcmp(field, name) == 0, "%s: got %s", name, field ? field : "(null)"); \
	} while (0)
	BADCFG(c.encoder = 2, "encoder");
	BADCFG(c.rec_weight = -1.0f, "rec_weight");
	BADCFG(c.rec_weight = NAN, "rec_weight");
	BADCFG(c.resid_norm = 3, "resid_norm");
	BADCFG(c.resid_agg = 3, "resid_agg");
	BADCFG(c.seq_len = 1, "seq_len");
	BADCFG(c.seq_len = 10001, "seq_len");
	BADCFG(c.step = 0, "step");
	BADCFG(c.max_train_windows = -1, "max_train_windows");
	BADCFG(c.latent_dim = 0, "latent_dim");
	BADCFG(c.hidden_g = 4097, "hidden_g");
	BADCFG(c.hidden_d = 0, "hidden_d");
	BADCFG(c.layers_g = 9, "layers_g");
	BADCFG(c.layers_d = 0, "layers_d");
	BADCFG(c.init = 2, "init");
	BADCFG(c.epochs = 0, "epochs");
	BADCFG(c.batch_size = 65537, "batch_size");
	BADCFG(c.d_rounds = 0, "d_rounds");
	BADCFG(c.g_rounds = 101, "g_rounds");
	BADCFG(c.loss = 3, "loss");
	BADCFG(c.lr_d = 0.0f, "lr_d");
	BADCFG(c.lr_g = NAN, "lr_g");
	BADCFG(c.weight_decay = -0.1f, "weight_decay");
	BADCFG((c.wd_mode = MG_WD_TF, c.weight_decay = 1.0f), "weight_decay");
	BADCFG(c.wd_mode = 5, "wd_mode");
	BADCFG(c.beta1 = 1.0f, "beta1");
	BADCFG(c.beta2 = -0.5f, "beta2");
	BADCFG(c.adam_eps = 0.0f, "adam_eps");
	BADCFG(c.clip_norm = INFINITY, "clip_norm");
	BADCFG(c.reference_batching = 2, "reference_batching");
	BADCFG(c.normalize = 3, "normalize");
	BADCFG(c.pca_components = -1, "pca_components");
	BADCFG(c.lambda = 1.5, "lambda");
	BADCFG(c.score_step = 0, "score_step");
	BADCFG(c.invert_iters = -1, "invert_iters");
	BADCFG(c.invert_lr = 0.0f, "invert_lr");
	BADCFG(c.invert_tol = -1.0f, "invert_tol");
	BADCFG(c.invert_optim = 2, "invert_optim");
	BADCFG(c.warm_start = 2, "warm_start");
	BADCFG(c.threshold_auto = -1, "threshold_auto");
	BADCFG(c.threshold = NAN, "threshold");
	BADCFG(c.threshold_quantile = 1.0, "threshold_quantile");
	BADCFG(c.threshold_windows = -5, "threshold_windows");
#undef BADCFG
}

/* allocator that fails once its budget of allocations is used up */
static void *
budget_alloc(void *ctx, size_t size)
{
	int		   *left = ctx;

	if (*left <= 0)
		return NULL;
	(*left)--;
	return malloc(size);
}

/* release for budget_alloc */
static void
budget_release(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

/* Overflow checks, and every allocation failure reported without leaks. */
static void
check_alloc_failures(const uint8_t *blob, size_t len)
{
	int			left,
				budget,
				ok;
	mg_alloc	fa = {budget_alloc, budget_release, &left};
	void	   *q;
	double		X[12] = {1, 2, 3, 4, 0, 1, 5, 2, 7, 1, 1, 9};
	double		sc[4] = {0.1, 0.5, 0.3, 0.9};
	uint8_t		lb[4] = {0, 1, 0, 1};
	mg_prep    *p;
	mg_model   *mdl;
	mg_metrics	mt;
	mg_adam		opt;
	uint8_t    *b;
	size_t		l;
	mg_status	rc;

	CHECK(mg_malloc(&mg_alloc_std, ((size_t) -1) / 2, 4) == NULL, "mg_malloc overflow");
	CHECK(mg_calloc(&mg_alloc_std, 3, ((size_t) -1) / 2) == NULL, "mg_calloc overflow");
	q = mg_malloc(&mg_alloc_std, 0, 8);
	CHECK(q != NULL, "size 0 allocates");
	mg_free(&mg_alloc_std, q);
	q = mg_calloc(&mg_alloc_std, 4, 4);
	CHECK(q != NULL && ((int *) q)[3] == 0, "calloc zeroes");
	mg_free(&mg_alloc_std, q);

	/* prep with PCA: fail each allocation in turn until it succeeds */
	ok = 1;
	for (budget = 0;; budget++)
	{
		left = budget;
		rc = mg_prep_fit(&fa, X, 4, 3, MG_NORM_MINMAX, 2, &p);
		if (rc == MG_OK)
			break;
		if (rc != MG_ERR_NOMEM || p != NULL)
			ok = 0;
	}
	mg_prep_free(&fa, p);
	CHECK(ok && budget > 3, "prep_fit reports NOMEM (%d allocations)", budget);

	ok = 1;
	for (budget = 0;; budget++)
	{
		left = budget;
		rc = mg_model_deserialize(blob, len, &fa, &mdl);
		if (rc == MG_OK)
			break;
		if (rc != MG_ERR_NOMEM || mdl != NULL)
			ok = 0;
	}
	mg_model_free(&fa, mdl);
	CHECK(ok && budget > 3, "deserialize reports NOMEM (%d allocations)", budget);

	mdl = make_model(1, 1);
	ok = 1;
	for (budget = 0;; budget++)
	{
		left = budget;
		rc = mg_model_serialize(mdl, &fa, &b, &l);
		if (rc == MG_OK)
			break;
		if (rc != MG_ERR_NOMEM || b != NULL)
			ok = 0;
	}
	mg_free(&fa, b);
	mg_model_free(&mg_alloc_std, mdl);
	CHECK(ok && budget > 1, "serialize reports NOMEM (%d allocations)", budget);

	for (budget = 0; budget < 2; budget++)
	{
		left = budget;
		CHECK(mg_evaluate(&fa, sc, lb, 4, 0.5, &mt) == MG_ERR_NOMEM, "evaluate NOMEM");
		left = budget;
		CHECK(mg_adam_init(&opt, &fa, 10, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f, 0, 0.0f) ==
			  MG_ERR_NOMEM && opt.m == NULL && opt.v == NULL, "adam_init NOMEM");
	}
	left = 0;
	CHECK(isnan(mg_quantile(&fa, sc, 4, 0.5)), "quantile NaN without memory");
}

/* CRC, round trip, determinism, truncation, bit flips, forged fields. */
void
suite_blob(void)
{
	const mg_alloc *a = &mg_alloc_std;
	mg_model   *mdl = make_model(2, 1),
			   *m2 = NULL;
	uint8_t    *b1 = NULL,
			   *b2 = NULL,
			   *b3 = NULL,
			   *cp;
	size_t		l1,
				l2,
				l3,
				i,
				off;
	mg_status	rc;
	int			ok,
				flips = 0,
				refused = 0;
	mg_rng		r;
	size_t		ng;

	check_config();
	check_blob_encoder();

	/* CRC-32C check value (RFC 3720 / iSCSI) and chaining */
	CHECK(mg_crc32c(0, "123456789", 9) == 0xE3069283u, "crc32c check value");
	CHECK(mg_crc32c(mg_crc32c(0, "1234", 4), "56789", 5) == 0xE3069283u, "crc32c chains");
	CHECK(mg_crc32c(0, "", 0) == 0, "crc32c empty");

	/* round trip */
	CHECK(mg_model_serialize(mdl, a, &b1, &l1) == MG_OK, "serialize");
	CHECK(memcmp(b1, MG_BLOB_MAGIC, 8) == 0, "magic at offset 0");
	/* total length as documented in doc/model-format.md (m 4, pca_k 2) */
	CHECK(l1 == 24 + 204 + 16 + 16 * 4 + 8 * 4 * 3 + 40 + 16 +
		  4 * (mg_net_nparams(&mdl->gspec) + mg_net_nparams(&mdl->dspec)) +
		  4 + 4 + 8 + 88 + 4 + mdl->meta_len + 4, "documented length formula (%d)", (int) l1);
	CHECK(mg_model_serialize(mdl, a, &b2, &l2) == MG_OK && l1 == l2 &&
		  memcmp(b1, b2, l1) == 0, "serialize twice gives identical bytes");
	rc = mg_model_deserialize(b1, l1, a, &m2);
	CHECK(rc == MG_OK, "deserialize: %s", mg_status_string(rc));
	if (m2 == NULL)
		return;
	ng = mg_net_nparams(&mdl->gspec);
	CHECK(m2->m == 4 && m2->k == 2 && m2->prep->pca_k == 2 && m2->prep->k == 2 &&
		  m2->prep->m == 4 && m2->prep->norm == MG_NORM_ZSCORE, "dims");
	CHECK(m2->cfg.seed == mdl->cfg.seed && m2->cfg.lr_d == mdl->cfg.lr_d &&
		  m2->cfg.lambda == mdl->cfg.lambda && m2->cfg.seq_len == 10 &&
		  m2->cfg.threshold_quantile == mdl->cfg.threshold_quantile, "config fields");
	CHECK(memcmp(m2->prep->shift, mdl->prep->shift, 4 * sizeof(double)) == 0 &&
		  memcmp(m2->prep->scale, mdl->prep->scale, 4 * sizeof(double)) == 0 &&
		  memcmp(m2->prep->pca_mean, mdl->prep->pca_mean, 4 * sizeof(double)) == 0 &&
		  memcmp(m2->prep->pca_comp, mdl->prep->pca_comp, 8 * sizeof(double)) == 0,
		  "prep arrays equal");
	CHECK(memcmp(m2->g_params, mdl->g_params, ng * sizeof(float)) == 0 &&
		  memcmp(m2->d_params, mdl->d_params,
				 mg_net_nparams(&mdl->dspec) * sizeof(float)) == 0, "params equal");
	CHECK(memcmp(&m2->gspec, &mdl->gspec, sizeof(mg_net_spec)) == 0 &&
		  memcmp(&m2->dspec, &mdl->dspec, sizeof(mg_net_spec)) == 0, "specs equal");
	CHECK(m2->threshold == mdl->threshold && m2->stats.epochs_run == 17 &&
		  m2->stats.n_windows == 11 && m2->stats.train_rec_mean == 0.125 &&
		  m2->stats.loss_g == -1.6, "threshold and stats");
	CHECK(m2->meta_len == mdl->meta_len && memcmp(m2->meta, mdl->meta, m2->meta_len) == 0 &&
		  m2->meta[m2->meta_len] == '\0', "meta verbatim, NUL-terminated");
	CHECK(mg_model_serialize(m2, a, &b3, &l3) == MG_OK && l3 == l1 &&
		  memcmp(b1, b3, l1) == 0, "re-serialized loaded model is identical");
	mg_free(a, b3);
	mg_model_free(a, m2);
	m2 = NULL;

	check_alloc_failures(b1, l1);

	/* every truncation is refused */
	ok = 1;
	for (i = 0; i < l1; i++)
		if (try_load(b1, i) == MG_OK)
			ok = 0;
	CHECK(ok, "every truncation refused");
	CHECK(try_load(b1, 5) == MG_ERR_BLOB_SHORT, "short prefix: SHORT");
	CHECK(try_load(b1, l1 - 1) == MG_ERR_BLOB_SHORT, "one byte short: SHORT");
	CHECK(mg_model_deserialize(NULL, 0, a, &m2) == MG_ERR_BLOB_SHORT, "NULL buffer");

	/* single-bit flips: every bit of the first 64 bytes, then a sample */
	cp = mg_malloc(a, l1 + 1, 1);
	mg_rng_seed(&r, 5);
	for (i = 0; i < (quick() ? 600 : 4000); i++)
	{
		size_t		pos = i < 512 ? i / 8 : (size_t) (mg_rng_uniform(&r) * l1);
		int			bit = i < 512 ? (int) (i % 8) : (int) (mg_rng_next(&r) & 7);

		memcpy(cp, b1, l1);
		cp[pos] ^= (uint8_t) (1u << bit);
		flips++;
		if (try_load(cp, l1) != MG_OK)
			refused++;
	}
	CHECK(flips >= 500 && refused == flips, "bit flips refused: %d of %d", refused, flips);

	/* specific header damage gives specific codes */
	memcpy(cp, b1, l1);
	cp[0] = 'X';
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_MAGIC, "wrong magic");
	memcpy(cp, b1, l1);
	cp[8] = 5;
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_VERSION, "wrong version");
	memcpy(cp, b1, l1);
	cp[8] = 0;
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_VERSION, "version 0");
	check_blob_v3(b1, l1, mdl);
	memcpy(cp, b1, l1);
	cp[16] ^= 1;
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_SHORT, "wrong total length");
	memcpy(cp, b1, l1);
	cp[l1] = 0;
	CHECK(try_load(cp, l1 + 1) == MG_ERR_BLOB_SHORT, "trailing byte");
	memcpy(cp, b1, l1);
	cp[l1 - 1] ^= 0x80;
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_CHECKSUM, "wrong checksum");
	memcpy(cp, b1, l1);
	cp[300] ^= 0x10;
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_CHECKSUM, "damaged body: checksum");
	memcpy(cp, b1, l1);
	cp[12] = 1;
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "unknown flags");

	/* forged fields with a valid checksum are still refused */
	memcpy(cp, b1, l1);
	cp[24] = 1;					/* seq_len = 1 */
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "seq_len 1 refused");
	/* m at 24 + 204 (v4 config); k after it; norm, pca_k; then 4 f64 arrays of m */
	off = 24 + 204;
	memcpy(cp, b1, l1);
	cp[off] = 0;
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "m = 0 refused");
	memcpy(cp, b1, l1);
	cp[off + 4] = 3;			/* k != pca_k */
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "k inconsistent");
	memcpy(cp, b1, l1);
	cp[off + 16 + 7] = 0x7F;	/* shift[0] -> NaN/Inf exponent */
	cp[off + 16 + 6] = 0xF0;
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "non-finite shift refused");
	off = 24 + 204 + 16 + 3 * 4 * 8 + 2 * 4 * 8 + 40;	/* u64 n_g */
	memcpy(cp, b1, l1);
	cp[off + 7] = 0x10;			/* huge parameter count */
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "huge nparams refused");
	{
		uint64_t	ngw = 0;
		float		g0;

		for (i = 0; i < 8; i++)
			ngw |= (uint64_t) b1[off + i] << (8 * i);
		memcpy(&g0, b1 + off + 8, 4);
		CHECK(ngw == ng && g0 == mdl->g_params[0], "layout: n_g then g_params at %d", (int) off);
	}
	memcpy(cp, b1, l1);
	cp[off] ^= 1;				/* nparams off by one */
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "nparams mismatch refused");
	memcpy(cp, b1, l1);
	cp[off + 8 + 3] = 0x7F;		/* g_params[0] = NaN */
	cp[off + 8 + 2] = 0xC0;
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "NaN weight refused");
	memcpy(cp, b1, l1);
	cp[l1 - 4 - mdl->meta_len - 1] = 0x40;	/* meta_len beyond the end */
	fix_crc(cp, l1);
	CHECK(try_load(cp, l1) == MG_ERR_BLOB_INVALID, "meta_len overrun refused");

	/* random byte damage with a repaired checksum never crashes or leaks */
	for (i = 0; i < (quick() ? 300 : 3000); i++)
	{
		size_t		pos = 24 + (size_t) (mg_rng_uniform(&r) * (l1 - 28));

		memcpy(cp, b1, l1);
		cp[pos] = (uint8_t) mg_rng_next(&r);
		fix_crc(cp, l1);
		(void) try_load(cp, l1);
	}
	CHECK(1, "forged blobs survived");
	mg_free(a, cp);

	/* models that cannot be written */
	mdl->gspec.hidden = 7;
	CHECK(mg_model_serialize(mdl, a, &b3, &l3) == MG_ERR_ARG && b3 == NULL,
		  "spec inconsistent with config not serialized");
	mdl->gspec.hidden = 4;
	mdl->k = 3;
	CHECK(mg_model_serialize(mdl, a, &b3, &l3) == MG_ERR_ARG, "k inconsistent not serialized");
	mdl->k = 2;
	mdl->g_params[0] = NAN;
	CHECK(mg_model_serialize(mdl, a, &b3, &l3) == MG_ERR_ARG && b3 == NULL,
		  "non-finite weight not serialized");
	mg_model_free(a, mdl);

	/* a model without PCA or metadata */
	mdl = make_model(0, 0);
	CHECK(mg_model_serialize(mdl, a, &b3, &l3) == MG_OK, "serialize no-pca");
	CHECK(mg_model_deserialize(b3, l3, a, &m2) == MG_OK && m2->k == 4 &&
		  m2->prep->pca_mean == NULL && m2->meta == NULL && m2->meta_len == 0,
		  "no-pca round trip");
	mg_model_free(a, m2);
	mg_free(a, b3);
	mg_model_free(a, mdl);
	mg_model_free(a, NULL);

	mg_free(a, b1);
	mg_free(a, b2);

	/* status strings */
	CHECK(strcmp(mg_status_string(MG_OK), "ok") == 0, "status ok");
	for (i = 0; i <= (size_t) MG_ERR_BLOB_INVALID; i++)
		CHECK(mg_status_string((mg_status) i) != NULL &&
			  mg_status_string((mg_status) i)[0] != '\0', "status string %d", (int) i);
}
