/*-------------------------------------------------------------------------
 *
 * test_train.c
 *	  Unit tests of training, latent inversion, scoring and an end-to-end
 *	  detection case on generated data.
 *
 * test/unit/test_train.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "../../src/core/core_internal.h"
#include "unit.h"

/* quick mode (valgrind): smaller problems */
static int
quick(void)
{
	return getenv("MIMGAN_UNIT_QUICK") != NULL;
}

/* Smooth multichannel signal: row i of series s, m channels. */
static double
signal(int64_t i, int s, int j)
{
	double		ph = 0.7 * j + 0.3 * s;

	return sin(0.21 * i + ph) + 0.5 * cos(0.05 * i * (j + 1)) + 0.1 * j;
}

/* Fill X [n][m] with two series of lengths n1 and n - n1. */
static void
make_data(double *X, int64_t n, int m, int64_t n1, uint64_t seed)
{
	mg_rng		r;
	int64_t		i;
	int			j;

	mg_rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			X[i * m + j] = signal(i < n1 ? i : i - n1, i < n1 ? 0 : 1, j) +
				0.05 * mg_rng_normal(&r);
}

/* A small configuration that trains in well under a second. */
static void
tiny_config(mg_config *c)
{
	mg_config_default(c);
	c->seq_len = 12;
	c->step = 3;
	c->epochs = 3;
	c->batch_size = 16;
	c->hidden_g = 8;
	c->hidden_d = 8;
	c->latent_dim = 3;
	c->d_rounds = 1;
	c->g_rounds = 1;
	c->invert_iters = 15;
	c->threshold_windows = 16;
	c->seed = 42;
}

/* Cancel callback: cancel after arg count calls. */
static int
cancel_after(void *arg)
{
	int		   *left = arg;

	return (*left)-- <= 0;
}

static int	progress_calls;

/* Progress callback: counts epochs, never cancels. */
static int
count_progress(void *arg, const mg_epoch_info *info)
{
	(void) arg;
	if (info->epoch == progress_calls + 1 && isfinite(info->loss_d) &&
		info->d_real > 0 && info->d_real < 1)
		progress_calls++;
	return 0;
}

/* Training: determinism, windows, callbacks, errors. */
void
suite_train(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = 3;
	int64_t		n = 200,
				n1 = 120;
	double	   *X = malloc(sizeof(double) * n * m);
	int64_t		ss[3] = {0, n1, n};
	mg_data		d = {X, n, m, ss, 2};
	mg_config	c;
	mg_model   *m1 = NULL,
			   *m2 = NULL,
			   *m3 = NULL;
	uint8_t    *b1 = NULL,
			   *b2 = NULL,
			   *b3 = NULL;
	size_t		l1 = 0,
				l2 = 0,
				l3 = 0;
	mg_callbacks cb = {0};
	int			left;
	int64_t		starts[200];
	int64_t		nw,
				i;
	int			crosses = 0;

	make_data(X, n, m, n1, 7);
	tiny_config(&c);

	/* windows never cross series and cover each series' end */
	nw = mg_cut_windows(&d, 12, 5, starts);
	CHECK(nw == mg_cut_windows(&d, 12, 5, NULL), "count mismatch");
	for (i = 0; i < nw; i++)
		if (starts[i] < n1 && starts[i] + 12 > n1)
			crosses++;
	CHECK(crosses == 0, "%d windows cross the series boundary", crosses);
	CHECK(starts[0] == 0, "first window at %lld", (long long) starts[0]);
	/* series 0: 0,5,...,105 then end-aligned 108 */
	CHECK(starts[22] == 108, "end-aligned start %lld", (long long) starts[22]);
	CHECK(starts[nw - 1] == n - 12, "last start %lld", (long long) starts[nw - 1]);

	/* same seed, same data: byte-identical blobs */
	progress_calls = 0;
	cb.progress = count_progress;
	CHECK(mg_fit(a, &c, &d, &cb, &m1) == MG_OK, "fit 1");
	CHECK(progress_calls == c.epochs, "progress called %d times", progress_calls);
	CHECK(mg_fit(a, &c, &d, NULL, &m2) == MG_OK, "fit 2");
	c.seed = 43;
	CHECK(mg_fit(a, &c, &d, NULL, &m3) == MG_OK, "fit 3");
	if (m1 && m2 && m3)
	{
		/* series 0: 0, 3, ..., 108 (37); series 1: 0, 3, ..., 66 and 68 (24) */
		CHECK(m1->stats.n_windows == 61 && m1->stats.n_series == 2,
			  "windows %lld", (long long) m1->stats.n_windows);
		CHECK(isfinite(m1->threshold) && m1->threshold > 0, "threshold %g", m1->threshold);
		CHECK(mg_model_serialize(m1, a, &b1, &l1) == MG_OK, "ser 1");
		CHECK(mg_model_serialize(m2, a, &b2, &l2) == MG_OK, "ser 2");
		CHECK(mg_model_serialize(m3, a, &b3, &l3) == MG_OK, "ser 3");
		CHECK(l1 == l2 && b1 && b2 && memcmp(b1, b2, l1) == 0,
			  "same seed gives different blobs");
		CHECK(l1 == l3 && b3 && memcmp(b1, b3, l1) != 0,
			  "different seeds give identical blobs");
	}
	mg_free(a, b1);
	mg_free(a, b2);
	mg_free(a, b3);
	mg_model_free(a, m1);
	mg_model_free(a, m2);
	mg_model_free(a, m3);

	/* cancellation inside the first epoch */
	c.seed = 42;
	left = 2;
	cb.progress = NULL;
	cb.cancel = cancel_after;
	cb.arg = &left;
	m1 = NULL;
	CHECK(mg_fit(a, &c, &d, &cb, &m1) == MG_ERR_CANCELLED && m1 == NULL,
		  "cancel not honoured");

	/* too short for one window */
	c.seq_len = 150;
	CHECK(mg_fit(a, &c, &d, NULL, &m1) == MG_ERR_NODATA, "expected NODATA");
	c.seq_len = 1;
	CHECK(mg_fit(a, &c, &d, NULL, &m1) == MG_ERR_ARG, "expected ARG for seq_len 1");

	/*
	 * Values near FLT_MAX pass preprocessing ('none') and saturate the
	 * gates: training must neither crash nor produce non-finite weights.
	 */
	tiny_config(&c);
	c.normalize = MG_NORM_NONE;
	X[5] = 1e38;
	X[6] = -1e38;
	{
		mg_status	st = mg_fit(a, &c, &d, NULL, &m1);

		CHECK(st == MG_OK || st == MG_ERR_DIVERGED, "huge values: %s", mg_status_string(st));
		if (st == MG_OK)
		{
			mg_epoch_info ep = {1, 1, 1.0, 1.0, 0.5, 0.5, 1.0, 1.0, 0.0};

			CHECK(mg_epoch_finite(&ep, m1), "finite model judged diverged");
			/* the divergence check itself: NaN anywhere stops training */
			ep.loss_g = NAN;
			CHECK(!mg_epoch_finite(&ep, m1), "NaN loss not caught");
			ep.loss_g = 1.0;
			ep.grad_norm_d = INFINITY;
			CHECK(!mg_epoch_finite(&ep, m1), "Inf gradient norm not caught");
			ep.grad_norm_d = 1.0;
			m1->d_params[3] = NAN;
			CHECK(!mg_epoch_finite(&ep, m1), "NaN D weight not caught");
			m1->d_params[3] = 0;
			m1->g_params[mg_net_nparams(&m1->gspec) - 1] = INFINITY;
			CHECK(!mg_epoch_finite(&ep, m1), "Inf G weight not caught");
			mg_model_free(a, m1);
		}
	}
	X[5] = NAN;
	tiny_config(&c);
	CHECK(mg_fit(a, &c, &d, NULL, &m1) == MG_ERR_NONFINITE, "NaN input accepted");
	free(X);
}

/* Objective of the inversion for one batch: sum ||G(Z) - x||^2 (double). */
static double
inv_objective(const mg_net_spec *g, const float *p, mg_net_ws *ws, int T,
			  int B, const float *Z, const float *X, float *Y)
{
	size_t		e;
	double		s = 0.0;

	mg_net_forward(g, p, ws, T, B, Z, Y);
	for (e = 0; e < (size_t) T * B * g->out; e++)
		s += ((double) Y[e] - X[e]) * ((double) Y[e] - X[e]);
	return s;
}

/* qsort: doubles increasing */
static int
cmp_dbl(const void *pa, const void *pb)
{
	double		a = *(const double *) pa;
	double		b = *(const double *) pb;

	return (a > b) - (a < b);
}

/* Inversion: gradient w.r.t. Z, convergence on windows G can produce. */
void
suite_invert(void)
{
	const mg_alloc *a = &mg_alloc_std;
	mg_net_spec g = {3, 10, 1, 4, MG_ACT_TANH};
	int			T = 20,
				B = 3;
	size_t		nz = (size_t) T * B * 3,
				nx = (size_t) T * B * 4,
				np = mg_net_nparams(&g),
				e;
	float	   *p = malloc(sizeof(float) * np);
	float	   *Z = malloc(sizeof(float) * nz);
	float	   *dZ = malloc(sizeof(float) * nz);
	float	   *X = malloc(sizeof(float) * nx);
	float	   *Y = malloc(sizeof(float) * nx);
	float	   *dY = malloc(sizeof(float) * nx);
	mg_net_ws  *ws = NULL;
	mg_rng		r;
	double		maxrel = 0.0;
	int			bad = 0;

	mg_rng_seed(&r, 3);
	mg_net_init(&g, p, &r, MG_INIT_GLOROT, 1.0f);
	mg_rng_fill_normal(&r, Z, nz, 1.0f);
	for (e = 0; e < nx; e++)
		X[e] = (float) (0.5 * sin(0.3 * e));
	CHECK(mg_net_ws_create(a, &g, T, B, &ws) == MG_OK, "ws");

	/* analytic dZ of sum ||G(Z) - X||^2 */
	inv_objective(&g, p, ws, T, B, Z, X, Y);
	for (e = 0; e < nx; e++)
		dY[e] = 2.0f * (Y[e] - X[e]);
	mg_net_backward(&g, p, ws, T, B, Z, dY, NULL, dZ);
	for (e = 0; e < nz; e += 7)
	{
		float		z0 = Z[e];
		double		fp,
					fm,
					num,
					rel;
		const float h = 1e-2f;

		Z[e] = z0 + h;
		fp = inv_objective(&g, p, ws, T, B, Z, X, Y);
		Z[e] = z0 - h;
		fm = inv_objective(&g, p, ws, T, B, Z, X, Y);
		Z[e] = z0;
		num = (fp - fm) / (2.0 * h);
		rel = fabs(num - dZ[e]) / fmax(1e-2, fabs(num) + fabs(dZ[e]));
		if (rel > maxrel)
			maxrel = rel;
		if (rel > 2e-2)
			bad++;
	}
	CHECK(bad == 0, "inversion gradient: %d entries off, max rel err %.3g", bad, maxrel);
	printf("  inversion dZ max relative error %.3g\n", maxrel);
	mg_net_ws_destroy(a, ws);

	/* windows generated by G itself are reconstructed well */
	{
		mg_model	mdl;
		mg_prep		prep;
		mg_score_opts o;
		int			L = 16,
					nw = 6;
		int64_t		starts[6];
		int64_t		n = (int64_t) L * nw;
		float	   *P = malloc(sizeof(float) * n * 4);
		float	   *rec0 = malloc(sizeof(float) * nw * L);
		float	   *rec1 = malloc(sizeof(float) * nw * L);
		float	   *rec2 = malloc(sizeof(float) * nw * L);
		float	   *Zg = malloc(sizeof(float) * L * 3);
		float	   *Yg = malloc(sizeof(float) * L * 4);
		mg_net_ws  *w1 = NULL;
		double		m0 = 0,
					m1 = 0;
		int			w,
					t;

		memset(&mdl, 0, sizeof(mdl));
		memset(&prep, 0, sizeof(prep));
		mg_config_default(&mdl.cfg);
		mdl.cfg.seq_len = L;
		mdl.cfg.latent_dim = 3;
		mdl.m = mdl.k = 4;
		prep.m = prep.k = 4;
		mdl.prep = &prep;
		mdl.gspec = g;
		mdl.dspec.in = 4;
		mdl.dspec.hidden = 5;
		mdl.dspec.layers = 1;
		mdl.dspec.out = 1;
		mdl.dspec.out_act = MG_ACT_NONE;
		mdl.g_params = p;
		mdl.d_params = malloc(sizeof(float) * mg_net_nparams(&mdl.dspec));
		mg_net_init(&mdl.dspec, mdl.d_params, &r, MG_INIT_GLOROT, 0.0f);
		mg_net_ws_create(a, &g, L, 1, &w1);
		for (w = 0; w < nw; w++)
		{
			starts[w] = (int64_t) w * L;
			mg_rng_fill_normal(&r, Zg, (size_t) L * 3, 1.0f);
			mg_net_forward(&g, p, w1, L, 1, Zg, Yg);
			memcpy(P + (size_t) w * L * 4, Yg, sizeof(float) * L * 4);
		}
		mg_net_ws_destroy(a, w1);

		mg_score_opts_from_model(&mdl, &o);
		o.invert_tol = 0;
		o.invert_optim = MG_INV_ADAM;
		o.invert_lr = 0.05f;
		o.warm_start = 0;
		o.invert_iters = 0;
		CHECK(mg_score_windows(&mdl, a, P, n, starts, nw, &o, NULL, NULL, rec0, NULL) == MG_OK, "score 0");
		o.invert_iters = quick() ? 60 : 300;
		CHECK(mg_score_windows(&mdl, a, P, n, starts, nw, &o, NULL, NULL, rec1, NULL) == MG_OK, "score 1");
		for (w = 0; w < nw; w++)
			for (t = 0; t < L; t++)
			{
				m0 += rec0[w * L + t];
				m1 += rec1[w * L + t];
			}
		CHECK(m1 < 0.35 * m0, "inversion did not converge: rec %.4f -> %.4f", m0 / (nw * L), m1 / (nw * L));
		printf("  inversion mean |x - G(Z)|: %.4f at start, %.4f after %d Adam steps\n",
			   m0 / (nw * L), m1 / (nw * L), o.invert_iters);

		/*
		 * A window's result does not depend on its batch neighbours beyond
		 * rounding (BLAS may sum in another order for another batch shape);
		 * the same call again is bit-for-bit identical.
		 */
		o.batch = 2;
		CHECK(mg_score_windows(&mdl, a, P, n, starts, nw, &o, NULL, NULL, rec2, NULL) == MG_OK, "score 2");
		{
			double		m2 = 0;

			for (w = 0; w < nw * L; w++)
				m2 += rec2[w];
			CHECK(fabs(m2 - m1) <= 0.05 * m0 / 0.35, "batching changed results: %.5f vs %.5f", m2, m1);
		}
		o.batch = 256;
		CHECK(mg_score_windows(&mdl, a, P, n, starts, nw, &o, NULL, NULL, rec2, NULL) == MG_OK, "score 2b");
		CHECK(memcmp(rec1, rec2, sizeof(float) * nw * L) == 0, "same call gave different results");

		/* RMSProp with tolerance stops and still improves */
		o.invert_optim = MG_INV_RMSPROP;
		o.invert_lr = 0.1f;
		o.invert_tol = 0.1f;
		o.batch = 256;
		CHECK(mg_score_windows(&mdl, a, P, n, starts, nw, &o, NULL, NULL, rec2, NULL) == MG_OK, "score 3");
		m1 = 0;
		for (w = 0; w < nw * L; w++)
			m1 += rec2[w];
		CHECK(m1 < m0, "rmsprop made it worse: %.4f vs %.4f", m1, m0);

		/* bad arguments */
		starts[0] = n;
		CHECK(mg_score_windows(&mdl, a, P, n, starts, nw, &o, NULL, NULL, rec2, NULL) == MG_ERR_ARG, "start out of range accepted");

		free(mdl.d_params);
		free(P);
		free(rec0);
		free(rec1);
		free(rec2);
		free(Zg);
		free(Yg);
	}
	free(p);
	free(Z);
	free(dZ);
	free(X);
	free(Y);
	free(dY);

	/*
	 * The tolerance's sigma: the median of the L*L row distances from the
	 * entries above the diagonal equals the median of the full matrix by
	 * a sort, bit for bit, for odd and even L, with ties and zeros.
	 */
	{
		int			Ls[] = {1, 2, 3, 4, 5, 8, 30, 31},
					li,
					bad_med = 0;

		for (li = 0; li < (int) (sizeof(Ls) / sizeof(Ls[0])); li++)
		{
			int			L = Ls[li],
						rep;

			for (rep = 0; rep < 20; rep++)
			{
				double	   *full = malloc(sizeof(double) * L * L);
				double	   *up = malloc(sizeof(double) * (L * L + 1));
				int			t,
							u,
							q = 0;
				size_t		n = (size_t) L * L;
				double		want,
							got;

				for (t = 0; t < L; t++)
				{
					full[t * L + t] = 0.0;
					for (u = t + 1; u < L; u++)
					{
						/* rep % 4 == 1: many ties; == 2: zeros too */
						double		v = mg_rng_uniform(&r);

						if (rep % 4 == 1)
							v = floor(v * 3.0);
						else if (rep % 4 == 2)
							v = floor(v * 2.0) * v;
						full[t * L + u] = full[u * L + t] = v;
						up[q++] = v;
					}
				}
				qsort(full, n, sizeof(double), cmp_dbl);
				want = (n % 2) ? full[n / 2] :
					0.5 * (full[n / 2 - 1] + full[n / 2]);
				got = mg_sym_median(up, L);
				if (memcmp(&want, &got, sizeof(double)) != 0)
				{
					if (bad_med++ == 0)
						printf("  L %d rep %d: median %.17g, sort %.17g\n",
							   L, rep, got, want);
				}
				free(full);
				free(up);
			}
		}
		CHECK(bad_med == 0, "symmetric median: %d of %d cases differ from a sort",
			  bad_med, 20 * (int) (sizeof(Ls) / sizeof(Ls[0])));
	}
}

/* Scoring series: mapping back, short series, warm start consistency. */
void
suite_score(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = 3;
	int64_t		n = 160,
				n1 = 150;
	double	   *X = malloc(sizeof(double) * n * m);
	int64_t		ss[3] = {0, n1, n};
	mg_data		d = {X, n, m, ss, 2};
	mg_config	c;
	mg_model   *mdl = NULL;
	mg_score_opts o;
	double	   *sc = malloc(sizeof(double) * n),
			   *di = malloc(sizeof(double) * n),
			   *re = malloc(sizeof(double) * n),
			   *sc2 = malloc(sizeof(double) * n);
	float	   *res = malloc(sizeof(float) * n * m);
	int64_t		i;
	int			ok = 1,
				nan_ok = 1;

	make_data(X, n, m, n1, 9);
	tiny_config(&c);
	c.resid_norm = MG_RESID_TRAIN;	/* rec: the mean of the scaled residuals */
	c.resid_agg = MG_AGG_MEAN;
	CHECK(mg_fit(a, &c, &d, NULL, &mdl) == MG_OK, "fit");
	if (mdl == NULL)
		return;
	mg_score_opts_from_model(mdl, &o);
	o.step = 5;
	o.attribution = MG_ATTR_RESIDUAL;	/* res: the residuals behind re */
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, sc, di, re, res) == MG_OK, "score");
	for (i = 0; i < n; i++)
	{
		if (i < n1)
		{
			double		rs = 0;
			int			j;

			for (j = 0; j < m; j++)
				rs += res[i * m + j];
			if (!isfinite(sc[i]) ||
				fabs(sc[i] - (o.lambda * di[i] + (1 - o.lambda) * re[i])) > 1e-9 ||
				di[i] < 0 || di[i] > 1 || re[i] < 0 ||
				fabs(rs / m - re[i]) > 1e-4)	/* no PCA: mean resid = rec */
				ok = 0;
		}
		else if (!isnan(sc[i]) || !isnan(di[i]) || !isnan(re[i]))
			nan_ok = 0;
	}
	CHECK(ok, "scores inconsistent");
	CHECK(nan_ok, "short series should give NaN");

	/* deterministic */
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, sc2, NULL, NULL, NULL) == MG_OK, "score again");
	CHECK(memcmp(sc, sc2, sizeof(double) * n) == 0, "scoring not deterministic");

	/* top indices */
	{
		float		v[5] = {0.1f, 0.5f, 0.5f, 0.9f, 0.0f};
		int			idx[5];

		CHECK(mg_top_indices(v, 5, 3, idx) == 3 && idx[0] == 3 && idx[1] == 1 && idx[2] == 2,
			  "top indices %d %d %d", idx[0], idx[1], idx[2]);
	}
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, NULL, NULL, NULL, NULL) == MG_ERR_ARG, "NULL score accepted");
	mg_model_free(a, mdl);
	free(X);
	free(sc);
	free(sc2);
	free(di);
	free(re);
	free(res);
}

/* ROC-AUC of score against labels (ties counted half). */
static double
auc(const double *s, const uint8_t *y, int64_t n)
{
	mg_metrics mt;

	if (mg_evaluate(&mg_alloc_std, s, y, n, 0.5, &mt) != MG_OK)
		return -1;
	return mt.roc_auc;
}

/*
 * resid_norm 'zscore' fitted on training rows (mg_pick_threshold, all rows):
 * the scales are the floored column means of the per-row residuals, the
 * centre and spread the mean and (floored) standard deviation of the
 * scaled per-row residuals, recomputed here from an unscaled copy.
 */
static void
check_zscore_fit(const mg_model *mdl, const mg_data *d)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = mdl->m;
	int64_t		n = d->n;
	mg_model	cp = *mdl;
	mg_model	raw = *mdl;
	mg_score_opts o;
	double	   *sc = malloc(sizeof(double) * n);
	float	   *res = malloc(sizeof(float) * n * m);
	double	   *mean = calloc(m, sizeof(double));
	double	   *sd = calloc(m, sizeof(double));
	float	   *want = malloc(sizeof(float) * 3 * m);
	double		err = 0.0;
	int64_t		i,
				nf = 0;
	int			c;

	cp.cfg.resid_norm = MG_RESID_ZSCORE;
	cp.cfg.threshold_windows = 0;
	cp.resid_scale = NULL;
	CHECK(mg_pick_threshold(a, &cp.cfg, &cp, d, NULL) == MG_OK && cp.resid_scale != NULL,
		  "zscore fit");

	raw.cfg.resid_norm = MG_RESID_NONE;
	raw.resid_scale = NULL;
	mg_score_opts_from_model(&raw, &o);
	o.attribution = MG_ATTR_RESIDUAL;
	CHECK(mg_score_series(&raw, a, d, &o, NULL, sc, NULL, NULL, res) == MG_OK,
		  "unscaled residuals");
	for (i = 0; i < n; i++)
		if (isfinite(sc[i]))
		{
			for (c = 0; c < m; c++)
				mean[c] += res[i * m + c];
			nf++;
		}
	for (c = 0; c < m; c++)
		mean[c] /= nf;
	mg_floor_scales(a, mean, m, 1e-3, want);
	for (c = 0; c < m; c++)
		want[2 * m + c] = (float) (mean[c] / want[c]);
	for (i = 0; i < n; i++)
		if (isfinite(sc[i]))
			for (c = 0; c < m; c++)
			{
				double		dv = res[i * m + c] / want[c] - mean[c] / want[c];

				sd[c] += dv * dv;
			}
	for (c = 0; c < m; c++)
		sd[c] = sqrt(sd[c] / nf);
	mg_floor_scales(a, sd, m, 1e-3, want + m);
	for (c = 0; c < 3 * m; c++)
		err = fmax(err, fabs((double) cp.resid_scale[c] - want[c]) / (1e-6 + want[c]));
	CHECK(err < 1e-4, "zscore scale, spread, centre vs direct: rel err %g", err);
	/* the default model scored all its 1500 rows for the threshold too */
	CHECK(mdl->cfg.resid_norm == MG_RESID_ZSCORE && mdl->cfg.resid_agg == MG_AGG_RMS &&
		  memcmp(mdl->resid_scale, cp.resid_scale, sizeof(float) * 3 * m) == 0 &&
		  mdl->threshold == cp.threshold,
		  "mg_fit stores the same zscore scales and threshold");
	mg_free(a, cp.resid_scale);
	mg_free(a, cp.attr_scale);
	free(sc);
	free(res);
	free(mean);
	free(sd);
	free(want);
}

/*
 * Score the windows of a shallow copy of mdl (an encoder model, no PCA, k
 * columns) with resid_agg rms and with max, and return in *e_rms and *e_max
 * the largest relative errors against the direct computation from the
 * time-major windows xb and their reconstructions yb = G(E(x)): per column
 * v = |x - y| / scale, and with resid_norm zscore (v - centre) / spread.
 */
static void
agg_errors(const mg_model *mdl, const float *P, int64_t n, const int64_t *starts,
		   int nwin, const mg_score_opts *o, const float *xb, const float *yb,
		   const char *what, double *e_rms, double *e_max)
{
	const mg_alloc *a = &mg_alloc_std;
	int			L = mdl->cfg.seq_len;
	int			k = mdl->k;
	const float *sc = mdl->resid_scale;
	const float *spread = mdl->cfg.resid_norm == MG_RESID_ZSCORE ? sc + k : NULL;
	mg_model	cp = *mdl;
	float	   *rr = malloc(sizeof(float) * nwin * L);
	float	   *rm = malloc(sizeof(float) * nwin * L);
	int			w,
				t,
				j;

	cp.cfg.resid_agg = MG_AGG_RMS;
	CHECK(mg_score_windows(&cp, a, P, n, starts, nwin, o, NULL, NULL, rr, NULL) == MG_OK,
		  "score with %srms", what);
	cp.cfg.resid_agg = MG_AGG_MAX;
	CHECK(mg_score_windows(&cp, a, P, n, starts, nwin, o, NULL, NULL, rm, NULL) == MG_OK,
		  "score with %smax", what);
	*e_rms = *e_max = 0.0;
	for (t = 0; t < L; t++)
		for (w = 0; w < nwin; w++)
		{
			double		s2 = 0.0,
						mx = -HUGE_VAL;

			for (j = 0; j < k; j++)
			{
				size_t		q = ((size_t) t * nwin + w) * k + j;
				double		v = fabs((double) xb[q] - yb[q]) / sc[j];

				if (spread)
					v = (v - spread[k + j]) / spread[j];
				s2 += v * v;
				mx = v > mx ? v : mx;
			}
			s2 = sqrt(s2 / k);
			*e_rms = fmax(*e_rms, fabs(s2 - rr[(size_t) w * L + t]) / (1e-3 + s2));
			*e_max = fmax(*e_max, fabs(mx - rm[(size_t) w * L + t]) / (1e-3 + fabs(mx)));
		}
	free(rr);
	free(rm);
}

/*
 * The encoder path of scoring: with invert_iters 0, a window's residual part
 * is the mean over columns of |x - G(E(x))| / scale, computed here directly.
 */
static void
check_encoder_path(const mg_model *mdl0, const double *X, int nwin)
{
	/* resid_norm 'train' and the mean: the scales come first either way */
	mg_model	tm = *mdl0;
	const mg_model *mdl = &tm;
	const mg_alloc *a = &mg_alloc_std;
	int			L = mdl->cfg.seq_len;
	int			k = mdl->k;
	int			dz = mdl->gspec.in;
	int64_t		n = (int64_t) nwin + L;
	float	   *P = malloc(sizeof(float) * n * k);
	float	   *rec = malloc(sizeof(float) * nwin * L);
	float	   *xb = malloc(sizeof(float) * L * nwin * k);
	float	   *zb = malloc(sizeof(float) * L * nwin * dz);
	float	   *yb = malloc(sizeof(float) * L * nwin * k);
	int64_t    *starts = malloc(sizeof(int64_t) * nwin);
	mg_net_ws  *ews = NULL,
			   *gws = NULL;
	mg_score_opts o;
	double		maxe = 0.0;
	int			w,
				t,
				j;

	tm.cfg.resid_norm = MG_RESID_TRAIN;
	tm.cfg.resid_agg = MG_AGG_MEAN;
	CHECK(mdl->e_params != NULL && mdl->resid_scale != NULL && mdl->prep->pca_k == 0,
		  "encoder model with residual scales");
	mg_prep_apply(mdl->prep, X, n, P);
	for (w = 0; w < nwin; w++)
		starts[w] = w;
	mg_score_opts_from_model(mdl, &o);
	o.invert_iters = 0;
	o.batch = 7;				/* several batches */
	CHECK(o.use_encoder == 1, "encoder used by default");
	CHECK(mg_score_windows(mdl, a, P, n, starts, nwin, &o, NULL, NULL, rec, NULL) == MG_OK,
		  "score through the encoder");
	for (t = 0; t < L; t++)
		for (w = 0; w < nwin; w++)
			memcpy(xb + ((size_t) t * nwin + w) * k, P + (size_t) (w + t) * k,
				   sizeof(float) * k);
	mg_net_ws_create(a, &mdl->espec, L, nwin, &ews);
	mg_net_ws_create(a, &mdl->gspec, L, nwin, &gws);
	mg_net_forward(&mdl->espec, mdl->e_params, ews, L, nwin, xb, zb);
	mg_net_forward(&mdl->gspec, mdl->g_params, gws, L, nwin, zb, yb);
	for (t = 0; t < L; t++)
		for (w = 0; w < nwin; w++)
		{
			double		v = 0.0,
						e;

			for (j = 0; j < k; j++)
			{
				size_t		q = ((size_t) t * nwin + w) * k + j;

				v += fabs((double) xb[q] - yb[q]) / mdl->resid_scale[j];
			}
			v /= k;
			e = fabs(v - rec[(size_t) w * L + t]) / (1e-3 + fabs(v));
			if (!(e <= maxe))
				maxe = e;
		}
	CHECK(maxe < 1e-4, "encoder residual vs direct computation: rel err %g", maxe);

	/* resid_agg: rms and max of the scaled columns (a shallow copy) */
	{
		mg_model	cp = *mdl;
		float	   *zs = malloc(sizeof(float) * 3 * k);
		double		e_rms,
					e_max;

		agg_errors(&cp, P, n, starts, nwin, &o, xb, yb, "", &e_rms, &e_max);
		CHECK(e_rms < 1e-4 && e_max < 1e-4, "rms / max aggregation: rel err %g / %g",
			  e_rms, e_max);

		/* resid_norm zscore: (scaled - centre) / spread, then rms or max */
		for (j = 0; j < k; j++)
		{
			zs[j] = mdl->resid_scale[j];
			zs[k + j] = 0.25f + 0.125f * (float) j;
			zs[2 * k + j] = j == 0 ? 0.0f : 0.5f + 0.0625f * (float) j;
		}
		cp.cfg.resid_norm = MG_RESID_ZSCORE;
		cp.resid_scale = zs;
		agg_errors(&cp, P, n, starts, nwin, &o, xb, yb, "zscore, ", &e_rms, &e_max);
		CHECK(e_rms < 1e-4 && e_max < 1e-4, "zscore rms / max: rel err %g / %g",
			  e_rms, e_max);
		free(zs);
	}
	/* a few inversion steps from E(x) do not make the fit worse */
	{
		float	   *rec2 = malloc(sizeof(float) * nwin * L);
		double		s0 = 0.0,
					s1 = 0.0;

		o.invert_iters = 20;
		o.invert_tol = 0.0f;
		o.invert_optim = MG_INV_ADAM;
		o.invert_lr = 0.01f;
		CHECK(mg_score_windows(mdl, a, P, n, starts, nwin, &o, NULL, NULL, rec2, NULL) == MG_OK,
			  "refine from the encoder");
		for (j = 0; j < nwin * L; j++)
		{
			s0 += rec[j];
			s1 += rec2[j];
		}
		printf("  encoder path: rel err %.2g; mean scaled residual %.4f, refined %.4f\n",
			   maxe, s0 / (nwin * L), s1 / (nwin * L));
		CHECK(s1 <= s0 * 1.02, "refinement from E(x) made the fit worse (%g > %g)", s1, s0);
		free(rec2);
	}
	mg_net_ws_destroy(a, ews);
	mg_net_ws_destroy(a, gws);
	free(P);
	free(rec);
	free(xb);
	free(zb);
	free(yb);
	free(starts);
}

/*
 * End to end: train on normal generated data, score a test series with
 * injected anomalies (spikes, a level shift, a frozen channel and a
 * channel swap); the DIRE score must separate them (ROC-AUC >= 0.9).
 */
void
suite_e2e(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = 4;
	int64_t		ntr = 1500,
				nte = 600,
				i;
	double	   *Xtr = malloc(sizeof(double) * ntr * m);
	double	   *Xte = malloc(sizeof(double) * nte * m);
	uint8_t    *lab = calloc(nte, 1);
	double	   *sc = malloc(sizeof(double) * nte);
	double	   *rc = malloc(sizeof(double) * nte);
	int64_t		str[2] = {0, ntr},
				ste[2] = {0, nte};
	mg_data		dtr = {Xtr, ntr, m, str, 1};
	mg_data		dte = {Xte, nte, m, ste, 1};
	mg_config	c;
	mg_model   *mdl = NULL;
	mg_score_opts o;
	mg_rng		r;
	int			j;
	double		auc_dire,
				auc_rec;

	if (quick())
	{
		printf("  skipped under MIMGAN_UNIT_QUICK\n");
		free(Xtr);
		free(Xte);
		free(lab);
		free(sc);
		free(rc);
		return;
	}
	mg_rng_seed(&r, 11);
	for (i = 0; i < ntr; i++)
		for (j = 0; j < m; j++)
			Xtr[i * m + j] = signal(i, 0, j) + 0.05 * mg_rng_normal(&r);
	for (i = 0; i < nte; i++)
		for (j = 0; j < m; j++)
			Xte[i * m + j] = signal(ntr + i, 0, j) + 0.05 * mg_rng_normal(&r);
	/* anomalies */
	for (i = 100; i < 110; i++)
	{
		Xte[i * m + 1] += 4.0;
		lab[i] = 1;
	}
	for (i = 250; i < 280; i++)
	{
		Xte[i * m + 0] = Xte[i * m + 0] + 3.0;
		Xte[i * m + 3] -= 3.0;
		lab[i] = 1;
	}
	for (i = 400; i < 430; i++)
	{
		Xte[i * m + 2] = 3.0;
		lab[i] = 1;
	}
	for (i = 500; i < 520; i++)
	{
		double		t = Xte[i * m + 0];

		Xte[i * m + 0] = -Xte[i * m + 1] * 2.5;
		Xte[i * m + 1] = -t * 2.5;
		lab[i] = 1;
	}

	mg_config_default(&c);
	c.seq_len = 30;
	c.step = 5;
	c.epochs = 60;
	c.batch_size = 64;
	c.init = MG_INIT_GLOROT;	/* the reference init saturates tanh (section 10) */
	c.lr_d = 2e-3f;
	c.lr_g = 2e-3f;
	c.hidden_g = 32;
	c.hidden_d = 32;
	c.d_rounds = 1;
	c.g_rounds = 2;
	c.invert_iters = 100;
	c.invert_optim = MG_INV_ADAM;
	c.invert_lr = 0.1f;
	c.lambda = 0.2;
	c.seed = 5;
	CHECK(mg_fit(a, &c, &dtr, NULL, &mdl) == MG_OK, "fit");
	if (mdl == NULL)
		goto out;
	mg_score_opts_from_model(mdl, &o);
	o.step = 5;
	CHECK(mg_score_series(mdl, a, &dte, &o, NULL, sc, NULL, rc, NULL) == MG_OK, "score");
	auc_dire = auc(sc, lab, nte);
	auc_rec = auc(rc, lab, nte);
	printf("  e2e: D(x)=%.3f D(G(z))=%.3f ROC-AUC DIRE %.3f, rec %.3f, threshold %.4f\n",
		   mdl->stats.d_real, mdl->stats.d_fake, auc_dire, auc_rec, mdl->threshold);
	CHECK(auc_dire >= 0.9, "DIRE ROC-AUC %.3f < 0.9", auc_dire);
	check_encoder_path(mdl, Xte, 40);
	check_zscore_fit(mdl, &dtr);
	mg_model_free(a, mdl);
	mdl = NULL;

	/* the paper's path: no encoder, latent search from noise */
	c.encoder = 0;
	c.resid_norm = MG_RESID_NONE;
	CHECK(mg_fit(a, &c, &dtr, NULL, &mdl) == MG_OK, "fit without encoder");
	if (mdl == NULL)
		goto out;
	CHECK(mdl->e_params == NULL && mdl->resid_scale == NULL, "no encoder parts");
	mg_score_opts_from_model(mdl, &o);
	o.step = 5;
	CHECK(mg_score_series(mdl, a, &dte, &o, NULL, sc, NULL, rc, NULL) == MG_OK, "score");
	auc_dire = auc(sc, lab, nte);
	printf("  e2e without encoder: ROC-AUC DIRE %.3f\n", auc_dire);
	CHECK(auc_dire >= 0.9, "DIRE ROC-AUC without encoder %.3f < 0.9", auc_dire);
	mg_model_free(a, mdl);
out:
	free(Xtr);
	free(Xte);
	free(lab);
	free(sc);
	free(rc);
}

/*
 * OpenBLAS threads: training and scoring with 2 threads against 1 thread,
 * on shapes large enough for OpenBLAS to split the products (mid-size
 * network, batch 128).  The split changes rounding (OpenBLAS's blocking
 * depends on the partition), so results agree within float rounding, and
 * at a fixed thread count a seeded run is bit-for-bit reproducible.
 */
void
suite_threads(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = 8;
	int64_t		n = 1500,
				n1 = 900;
	double	   *X = malloc(sizeof(double) * n * m);
	int64_t		ss[3] = {0, n1, n};
	mg_data		d = {X, n, m, ss, 2};
	mg_config	c;
	mg_model   *m1 = NULL,
			   *m2 = NULL,
			   *m3 = NULL;
	uint8_t    *b1 = NULL,
			   *b2 = NULL,
			   *b3 = NULL;
	size_t		l1 = 0,
				l2 = 0,
				l3 = 0;
	double	   *s1 = malloc(sizeof(double) * n),
			   *s2 = malloc(sizeof(double) * n);
	mg_score_opts o;

	if (quick())
	{
		printf("  skipped under MIMGAN_UNIT_QUICK\n");
		free(X);
		free(s1);
		free(s2);
		return;
	}
	make_data(X, n, m, n1, 11);
	tiny_config(&c);
	c.seq_len = 20;
	c.step = 2;
	c.epochs = 1;
	c.batch_size = 128;
	c.hidden_g = 64;
	c.hidden_d = 64;
	c.latent_dim = 8;
	c.invert_iters = 5;

	mg_blas_set_threads(1);
	CHECK(mg_fit(a, &c, &d, NULL, &m1) == MG_OK, "fit 1 thread");
	mg_blas_set_threads(2);
	CHECK(mg_fit(a, &c, &d, NULL, &m2) == MG_OK, "fit 2 threads");
	CHECK(mg_fit(a, &c, &d, NULL, &m3) == MG_OK, "fit 2 threads again");
	if (m1 && m2 && m3)
	{
		mg_blas_status st;

		mg_blas_get_status(&st);
		CHECK(st.threads == 2, "threads %d", st.threads);
		CHECK(mg_model_serialize(m1, a, &b1, &l1) == MG_OK &&
			  mg_model_serialize(m2, a, &b2, &l2) == MG_OK &&
			  mg_model_serialize(m3, a, &b3, &l3) == MG_OK, "serialize");
		CHECK(l2 == l3 && b2 && b3 && memcmp(b2, b3, l2) == 0,
			  "2 threads: the same seed trained different models");
		CHECK(l1 == l2, "blob sizes %zu vs %zu", l1, l2);
		/* 1 vs 2 threads: the same training up to rounding */
		CHECK(fabs(m1->stats.loss_d - m2->stats.loss_d) <=
			  1e-3 * fabs(m1->stats.loss_d) &&
			  fabs(m1->threshold - m2->threshold) <= 1e-3 * fabs(m1->threshold),
			  "1 vs 2 threads: loss_d %g vs %g, threshold %g vs %g",
			  m1->stats.loss_d, m2->stats.loss_d, m1->threshold, m2->threshold);
		printf("  1 vs 2 threads: loss_d %.7g vs %.7g, threshold %.7g vs %.7g\n",
			   m1->stats.loss_d, m2->stats.loss_d, m1->threshold, m2->threshold);

		mg_score_opts_from_model(m1, &o);
		o.invert_iters = 20;
		mg_blas_set_threads(1);
		CHECK(mg_score_series(m1, a, &d, &o, NULL, s1, NULL, NULL, NULL) == MG_OK,
			  "score 1 thread");
		mg_blas_set_threads(2);
		CHECK(mg_score_series(m1, a, &d, &o, NULL, s2, NULL, NULL, NULL) == MG_OK,
			  "score 2 threads");
		{
			double		dmax = 0,
						smax = 0;
			int64_t		i;

			for (i = 0; i < n; i++)
			{
				dmax = fmax(dmax, fabs(s1[i] - s2[i]));
				smax = fmax(smax, fabs(s1[i]));
			}
			printf("  scores 1 vs 2 threads: max |diff| %.3g (max |score| %.3g), identical %d\n",
				   dmax, smax, memcmp(s1, s2, sizeof(double) * n) == 0);
			CHECK(dmax <= 1e-4 * smax, "2 threads scored differently: %g", dmax);
		}
	}
	mg_blas_set_threads(1);
	mg_model_free(a, m1);
	mg_model_free(a, m2);
	mg_model_free(a, m3);
	free(b1);
	free(b2);
	free(b3);
	free(X);
	free(s1);
	free(s2);
}

/*
 * mimgan's own threads (mg_par): the batch is cut into pieces by shape
 * alone, so training and scoring give bit-identical models and scores on
 * 1, 2 and 3 threads (batch 200: three pieces of 64, 64 and 72 rows; the
 * encoder, the threshold pass and scoring batches of 512 windows too).
 * Also the piece bounds, mg_par_sgemm against the reference, and the
 * workers joined by mg_par_release.
 */
void
suite_par(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = 8;
	int64_t		n = 1500,
				n1 = 900;
	double	   *X = malloc(sizeof(double) * n * m);
	int64_t		ss[3] = {0, n1, n};
	mg_data		d = {X, n, m, ss, 2};
	mg_config	c;
	mg_model   *mdl[3] = {NULL, NULL, NULL};
	uint8_t    *blob[3] = {NULL, NULL, NULL};
	size_t		len[3] = {0, 0, 0};
	double	   *sc[3];
	mg_score_opts o;
	int			th;

	/* the OpenBLAS build type the glue checks before using threads */
	{
		int			bp = mg_blas_parallel();

		printf("  OpenBLAS build: openblas_get_parallel() = %d\n", bp);
		CHECK(bp >= -1 && bp <= 2, "mg_blas_parallel %d", bp);
	}

	/* piece bounds: contiguous, cut at multiples of 16, a function of n */
	{
		int64_t		ns[] = {1, 63, 64, 127, 128, 150, 200, 256, 511, 512, 4096, 100000};
		int			ok = 1,
					k;

		for (k = 0; k < (int) (sizeof(ns) / sizeof(ns[0])); k++)
		{
			int			np = mg_par_pieces(ns[k]);
			int64_t		prev = 0,
						r0,
						r1;
			int			p;

			ok &= np >= 1 && np <= MG_PAR_MAX_PIECES &&
				(np == 1 || ns[k] / np >= MG_PAR_MIN_ROWS);
			for (p = 0; p < np; p++)
			{
				mg_par_bounds(ns[k], np, p, &r0, &r1);
				ok &= r0 == prev && r1 > r0 && (p + 1 == np || r1 % 16 == 0);
				prev = r1;
			}
			ok &= prev == ns[k];
		}
		CHECK(ok, "piece bounds");
		CHECK(mg_par_pieces(64) == 1 && mg_par_pieces(128) == 2 &&
			  mg_par_pieces(512) == 4, "pieces 64/128/512: %d %d %d",
			  mg_par_pieces(64), mg_par_pieces(128), mg_par_pieces(512));
	}

	/* mg_par_sgemm (rows; columns for A^T, with B and B^T) vs reference */
	{
		int			M = 150,
					N = 70,
					K = 33,
					ta,
					tb;
		float	   *A = malloc(sizeof(float) * 200 * 200),
				   *B = malloc(sizeof(float) * 200 * 200),
				   *C = malloc(sizeof(float) * M * 200),
				   *R = malloc(sizeof(float) * M * 200);
		mg_rng		r;
		int			i;

		mg_rng_seed(&r, 9);
		mg_rng_fill_normal(&r, A, 200 * 200, 1.0f);
		mg_rng_fill_normal(&r, B, 200 * 200, 1.0f);
		mg_par_set_threads(2);
		for (ta = 0; ta < 2; ta++)
			for (tb = 0; tb < 2; tb++)
			{
				int			lda = ta ? M : K,
							ldb = tb ? K : N;
				double		e = 0;

				mg_rng_fill_normal(&r, C, (size_t) M * N, 1.0f);
				memcpy(R, C, sizeof(float) * M * N);
				mg_par_sgemm(3, ta, tb, ta ? N : M, ta ? M : N, K, 0.5f, A, lda,
							 B, ldb, 0.25f, C, ta ? M : N);
				mg_sgemm_ref(ta, tb, ta ? N : M, ta ? M : N, K, 0.5f, A, lda,
							 B, ldb, 0.25f, R, ta ? M : N);
				for (i = 0; i < M * N; i++)
					e = fmax(e, fabs(C[i] - R[i]));
				CHECK(e < 1e-4, "mg_par_sgemm transA %d transB %d: max diff %g",
					  ta, tb, e);
			}
		mg_par_set_threads(1);
		CHECK(mg_par_release() == 1, "one worker joined");
		CHECK(mg_par_release() == 0, "nothing left to join");
		free(A);
		free(B);
		free(C);
		free(R);
	}

	if (quick())
	{
		printf("  training part skipped under MIMGAN_UNIT_QUICK\n");
		free(X);
		return;
	}
	make_data(X, n, m, n1, 12);
	tiny_config(&c);
	c.seq_len = 20;
	c.step = 2;
	c.epochs = 1;
	c.batch_size = 200;
	c.hidden_g = 32;
	c.hidden_d = 32;
	c.latent_dim = 8;
	c.invert_iters = 5;
	c.encoder = 1;
	c.threshold_windows = 600;

	for (th = 0; th < 3; th++)
	{
		mg_par_set_threads(th + 1);
		sc[th] = malloc(sizeof(double) * n);
		CHECK(mg_fit(a, &c, &d, NULL, &mdl[th]) == MG_OK, "fit %d threads", th + 1);
		if (mdl[th] == NULL)
			continue;
		CHECK(mg_model_serialize(mdl[th], a, &blob[th], &len[th]) == MG_OK,
			  "serialize");
		mg_score_opts_from_model(mdl[th], &o);
		o.use_encoder = 0;		/* the inversion, batches of 512 windows */
		o.invert_iters = 10;
		o.step = 1;
		CHECK(mg_score_series(mdl[0] ? mdl[0] : mdl[th], a, &d, &o, NULL, sc[th],
							  NULL, NULL, NULL) == MG_OK, "score %d threads", th + 1);
		CHECK(mg_par_release() == th, "%d workers joined", th);
	}
	mg_par_set_threads(1);
	if (mdl[0] && mdl[1] && mdl[2])
	{
		printf("  mimgan threads 1/2/3: loss_d %.9g / %.9g / %.9g, threshold %.9g\n",
			   mdl[0]->stats.loss_d, mdl[1]->stats.loss_d, mdl[2]->stats.loss_d,
			   mdl[0]->threshold);
		CHECK(len[0] == len[1] && len[0] == len[2] &&
			  memcmp(blob[0], blob[1], len[0]) == 0 &&
			  memcmp(blob[0], blob[2], len[0]) == 0,
			  "models differ between 1, 2 and 3 threads");
		CHECK(memcmp(sc[0], sc[1], sizeof(double) * n) == 0 &&
			  memcmp(sc[0], sc[2], sizeof(double) * n) == 0,
			  "scores differ between 1, 2 and 3 threads");
		CHECK(isfinite(sc[0][n - 1]) && sc[0][n - 1] > 0, "scores finite");
	}
	for (th = 0; th < 3; th++)
	{
		mg_model_free(a, mdl[th]);
		free(blob[th]);
		free(sc[th]);
	}
	free(X);
}
