/*-------------------------------------------------------------------------
 *
 * test_attr.c
 *	  Attribution (mg_config.attribution, src/core/attrib.c): the window
 *	  deviation against its definition, the deviation scales on data whose
 *	  medians are known, a planted anomaly in one column ranked first, the
 *	  scores unchanged by the choice, and the refusals.
 *
 * test/unit/test_attr.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "../../src/core/core_internal.h"
#include "unit.h"

/* mg_attr_deviation and mg_attr_values against hand-computed values. */
static void
check_window_deviation(void)
{
	const mg_alloc *a = &mg_alloc_std;
	/* L 4, m 2: column means 2.5 and 0 */
	float		v[8] = {1, -1, 2, 1, 3, -1, 4, 1};
	float		scale[2] = {0.5f, 2.0f};
	float		want[8] = {3, 0.5f, 1, 0.5f, 1, 0.5f, 3, 0.5f};
	float		p[3] = {0.25f, -0.5f, 1.0f},
				e[3] = {0, 0.75f, -2},
				out[3];
	double		X[6 * 3];
	mg_prep    *pr = NULL;
	int			i,
				ok = 1;

	mg_attr_deviation(v, 4, 2, scale);
	for (i = 0; i < 8; i++)
		if (fabsf(v[i] - want[i]) > 1e-6f)
			ok = 0;
	CHECK(ok, "deviation: |v - window mean| / scale");

	/* without PCA: the prepared value plus the clipping excess */
	for (i = 0; i < 18; i++)
		X[i] = (double) ((i * 7) % 11) - 0.5 * (i % 3);
	CHECK(mg_prep_fit(a, X, 6, 3, MG_NORM_MINMAX, 0, &pr) == MG_OK, "prep");
	mg_attr_values(pr, p, e, out);
	CHECK(out[0] == 0.25f && out[1] == 0.25f && out[2] == -1.0f, "values: P + E");
	mg_attr_values(pr, p, NULL, out);
	CHECK(out[0] == 0.25f && out[1] == -0.5f && out[2] == 1.0f, "values without E");
	mg_prep_free(a, pr);

	/* with PCA of full rank: projecting back gives the normalised values */
	pr = NULL;
	CHECK(mg_prep_fit(a, X, 6, 3, MG_NORM_MINMAX, 3, &pr) == MG_OK, "prep pca");
	if (pr)
	{
		float		P[3];
		double		w;

		CHECK(mg_prep_apply(pr, X + 3, 1, P) == MG_OK, "apply");
		mg_attr_values(pr, P, NULL, out);
		ok = 1;
		for (i = 0; i < 3; i++)
		{
			w = (X[3 + i] - pr->shift[i]) * pr->scale[i] - 1.0;
			if (fabs(out[i] - w) > 1e-5)
				ok = 0;
		}
		CHECK(ok, "values through PCA: back-projected");
		mg_prep_free(a, pr);
	}
}

/* Cancel callback: always cancel (counts its calls in *arg). */
static int
cancel_now(void *arg)
{
	(*(int *) arg)++;
	return 1;
}

/*
 * Scales on data with known medians (L 4, stride 1): a constant column
 * (deviation 0: the floor), a ramp (an inner row's mean deviation is its
 * slope times mean |p - 1.5| = 1), and a column alternating between its
 * minimum and maximum (deviation 1 everywhere).
 */
static void
check_scales(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int64_t		n = 41,
				ss[2] = {0, 41},
				i;
	double		X[41 * 3];
	mg_data		d = {X, n, 3, ss, 1};
	mg_model	mdl;

	memset(&mdl, 0, sizeof(mdl));
	for (i = 0; i < n; i++)
	{
		X[i * 3] = 5.0;
		X[i * 3 + 1] = 3.0 * i;
		X[i * 3 + 2] = (i % 2) ? 10.0 : -4.0;
	}
	mg_config_default(&mdl.cfg);
	mdl.cfg.seq_len = 4;
	mdl.m = mdl.k = 3;
	CHECK(mg_prep_fit(a, X, n, 3, MG_NORM_MINMAX, 0, &mdl.prep) == MG_OK, "prep");
	CHECK(mg_fit_attr_scale(a, &mdl, &d, 1, NULL) == MG_OK && mdl.attr_scale != NULL, "fit scales");
	if (mdl.attr_scale)
	{
		/* medians 0, 2 / 40 and 1; floor 0.1 * 0.05 */
		CHECK_CLOSE(mdl.attr_scale[1], 0.05, 1e-6, 0, "ramp: its slope");
		CHECK_CLOSE(mdl.attr_scale[2], 1.0, 1e-6, 0, "alternating: 1");
		CHECK_CLOSE(mdl.attr_scale[0], 0.005, 1e-7, 0, "constant: the floor");
	}
	mg_free(a, mdl.attr_scale);
	mdl.attr_scale = NULL;
	{
		int			left = 0;
		mg_callbacks cb;

		memset(&cb, 0, sizeof(cb));
		cb.cancel = cancel_now;
		cb.arg = &left;
		CHECK(mg_fit_attr_scale(a, &mdl, &d, 1, &cb) == MG_ERR_CANCELLED &&
			  mdl.attr_scale == NULL, "cancel: CANCELLED, no scales");
	}
	CHECK(mg_fit_attr_scale(a, &mdl, &d, 0, NULL) == MG_ERR_ARG && mdl.attr_scale == NULL, "step 0 refused");
	ss[1] = n = 3;
	d.n = 3;
	CHECK(mg_fit_attr_scale(a, &mdl, &d, 1, NULL) == MG_ERR_NODATA && mdl.attr_scale == NULL,
		  "no window: NODATA");
	mg_prep_free(a, mdl.prep);
}

/* A planted jump in one column comes first; scores do not change. */
static void
check_planted(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = 3,
				c;
	int64_t		n = 300,
				ss[2] = {0, 300},
				i;
	double	   *X = malloc(sizeof(double) * n * m);
	double	   *s1 = malloc(sizeof(double) * n),
			   *s2 = malloc(sizeof(double) * n),
			   *r1 = malloc(sizeof(double) * n),
			   *r2 = malloc(sizeof(double) * n);
	float	   *res = malloc(sizeof(float) * n * m),
			   *scl;
	mg_data		d = {X, n, m, ss, 1};
	mg_config	cfg;
	mg_model   *mdl = NULL;
	mg_score_opts o;
	const char *field = NULL;
	int			first = 0,
				idx[3];

	for (i = 0; i < n; i++)
	{
		X[i * m] = sin(i / 6.0);
		X[i * m + 1] = cos(i / 9.0);
		X[i * m + 2] = 0.5 * sin(i / 4.0) + 0.3 * cos(i / 7.0);
	}
	mg_config_default(&cfg);
	CHECK(cfg.attribution == MG_ATTR_DEVIATION, "default: deviation");
	cfg.seq_len = 10;
	cfg.epochs = 1;
	cfg.batch_size = 16;
	cfg.hidden_g = cfg.hidden_d = 8;
	cfg.latent_dim = 3;
	cfg.d_rounds = cfg.g_rounds = 1;
	cfg.threshold_windows = 32;
	cfg.seed = 3;
	CHECK(mg_fit(a, &cfg, &d, NULL, &mdl) == MG_OK && mdl != NULL, "fit");
	if (mdl == NULL)
		return;
	CHECK(mdl->attr_scale != NULL, "trained model has deviation scales");

	/* the test copy: b + 0.8 on rows 120 .. 125 */
	for (i = 120; i <= 125; i++)
		X[i * m + 1] += 0.8;
	mg_score_opts_from_model(mdl, &o);
	CHECK(o.attribution == MG_ATTR_DEVIATION, "opts from the model");
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, s1, NULL, r1, res) == MG_OK, "score");
	for (i = 120; i <= 125; i++)
		if (mg_top_indices(res + i * m, m, 3, idx) == 3 && idx[0] == 1)
			first++;
	CHECK(first == 6, "planted column first on %d of 6 rows", first);
	o.attribution = MG_ATTR_RESIDUAL;
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, s2, NULL, r2, res) == MG_OK, "score residual");
	CHECK(memcmp(s1, s2, sizeof(double) * n) == 0 && memcmp(r1, r2, sizeof(double) * n) == 0,
		  "scores do not depend on the attribution");

	/* refusals */
	o.attribution = 2;
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, s2, NULL, NULL, res) == MG_ERR_ARG,
		  "attribution 2 refused");
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, s2, NULL, NULL, NULL) == MG_OK,
		  "no resid asked: attribution unused");
	o.attribution = MG_ATTR_DEVIATION;
	scl = mdl->attr_scale;
	mdl->attr_scale = NULL;
	CHECK(mg_score_series(mdl, a, &d, &o, NULL, s2, NULL, NULL, res) == MG_ERR_ARG,
		  "deviation without scales refused");
	mdl->attr_scale = scl;
	cfg.attribution = 2;
	CHECK(mg_config_validate(&cfg, &field) == MG_ERR_ARG && field != NULL &&
		  strcmp(field, "attribution") == 0, "config: attribution 2 named");
	mg_config_paper(&cfg);
	CHECK(cfg.attribution == MG_ATTR_RESIDUAL, "paper: residual");
	for (c = 0; c < m; c++)
		CHECK(mdl->attr_scale[c] > 0.0f, "scale %d positive", c);

	mg_model_free(a, mdl);
	free(X);
	free(s1);
	free(s2);
	free(r1);
	free(r2);
	free(res);
}

void
suite_attr(void)
{
	check_window_deviation();
	check_scales();
	check_planted();
}
