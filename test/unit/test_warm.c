/*-------------------------------------------------------------------------
 *
 * test_warm.c
 *	  Unit tests of mg_fit_warm (training from an existing model's
 *	  preprocessing and weights) and of the step callback's phases.
 *
 * test/unit/test_warm.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "unit.h"

/* Two series of a smooth 3-channel signal with a little noise. */
static void
warm_data(double *X, int64_t n, int m, double offset)
{
	mg_rng		r;
	int64_t		i;
	int			j;

	mg_rng_seed(&r, 11);
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			X[i * m + j] = sin(0.2 * i + 0.7 * j) + 0.1 * j + offset +
				0.05 * mg_rng_normal(&r);
}

/* Small networks, a few epochs. */
static void
warm_config(mg_config *c)
{
	mg_config_default(c);
	c->seq_len = 10;
	c->step = 3;
	c->epochs = 3;
	c->batch_size = 16;
	c->hidden_g = 8;
	c->hidden_d = 8;
	c->latent_dim = 3;
	c->d_rounds = 1;
	c->g_rounds = 1;
	c->threshold_windows = 16;
	c->seed = 5;
}

/* Largest |x - y| over n floats. */
static double
max_diff(const float *x, const float *y, size_t n)
{
	double		d = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
		d = fmax(d, fabs((double) x[i] - (double) y[i]));
	return d;
}

typedef struct phase_log
{
	int			phases[8];
	int			nphases;
	int64_t		last_seen;
	int64_t		total;
	int			monotone;
} phase_log;

/* Step callback: records phase changes, checks windows_seen grows. */
static int
on_step(void *arg, const mg_step_info *s)
{
	phase_log  *pl = arg;

	if (pl->nphases == 0 || pl->phases[pl->nphases - 1] != s->phase)
	{
		if (pl->nphases < 8)
			pl->phases[pl->nphases++] = s->phase;
	}
	if (s->phase == MG_PHASE_TRAIN)
	{
		if (s->windows_seen < pl->last_seen || s->windows_seen > s->windows_total)
			pl->monotone = 0;
		pl->last_seen = s->windows_seen;
		pl->total = s->windows_total;
	}
	return 0;
}

/* Warm start: phases, closeness, determinism, mismatches. */
void
suite_warm(void)
{
	const mg_alloc *a = &mg_alloc_std;
	int			m = 3;
	int64_t		n = 160;
	double	   *X = malloc(sizeof(double) * n * m);
	double	   *X2 = malloc(sizeof(double) * n * m);
	int64_t		ss[3] = {0, 90, n};
	mg_data		d = {X, n, m, ss, 2};
	mg_data		d2 = {X2, n, m, ss, 2};
	mg_config	c,
				c2;
	mg_model   *src = NULL,
			   *w1 = NULL,
			   *w2 = NULL,
			   *cold = NULL,
			   *bad = NULL;
	mg_callbacks cb = {0};
	phase_log	pl;
	size_t		ng;

	warm_data(X, n, m, 0.0);
	warm_data(X2, n, m, 0.3);
	warm_config(&c);
	memset(&pl, 0, sizeof(pl));
	pl.monotone = 1;
	cb.step = on_step;
	cb.arg = &pl;
	CHECK(mg_fit(a, &c, &d, &cb, &src) == MG_OK, "source fit");
	CHECK(pl.nphases == 3 && pl.phases[0] == MG_PHASE_PREPARE &&
		  pl.phases[1] == MG_PHASE_TRAIN && pl.phases[2] == MG_PHASE_THRESHOLD,
		  "phases: %d reported", pl.nphases);
	CHECK(pl.monotone && pl.last_seen == pl.total && pl.total > 0,
		  "windows seen %lld of %lld", (long long) pl.last_seen,
		  (long long) pl.total);
	if (src == NULL)
		goto done;
	ng = mg_net_nparams(&src->gspec);

	/* one epoch at a tiny learning rate stays next to the source */
	c2 = c;
	c2.epochs = 1;
	c2.lr_d = c2.lr_g = 1e-7f;
	c2.seed = 9;
	CHECK(mg_fit_warm(a, &c2, &d2, src, NULL, &w1) == MG_OK, "warm fit");
	CHECK(mg_fit_warm(a, &c2, &d2, src, NULL, &w2) == MG_OK, "warm fit again");
	CHECK(mg_fit(a, &c2, &d2, NULL, &cold) == MG_OK, "cold fit");
	if (w1 && w2 && cold)
	{
		double		dw = max_diff(w1->g_params, src->g_params, ng);
		double		dc = max_diff(cold->g_params, src->g_params, ng);

		CHECK(dw < 1e-4, "warm G moved by %g", dw);
		CHECK(dc > 1e-2, "cold G only %g from the source", dc);
		CHECK(memcmp(w1->g_params, w2->g_params, sizeof(float) * ng) == 0 &&
			  memcmp(w1->d_params, w2->d_params,
					 sizeof(float) * mg_net_nparams(&w1->dspec)) == 0 &&
			  memcmp(w1->e_params, w2->e_params,
					 sizeof(float) * mg_net_nparams(&w1->espec)) == 0,
			  "seeded warm starts differ");
		CHECK(memcmp(w1->prep->shift, src->prep->shift, sizeof(double) * m) == 0 &&
			  memcmp(w1->prep->scale, src->prep->scale, sizeof(double) * m) == 0,
			  "normalisation not taken from the source");
		CHECK(memcmp(cold->prep->shift, src->prep->shift, sizeof(double) * m) != 0,
			  "cold fit did not refit the normalisation");
	}

	/* mismatches */
	c2 = c;
	c2.hidden_g = 9;
	CHECK(mg_fit_warm(a, &c2, &d2, src, NULL, &bad) == MG_ERR_ARG && bad == NULL,
		  "hidden_g mismatch accepted");
	c2 = c;
	c2.latent_dim = 4;
	CHECK(mg_fit_warm(a, &c2, &d2, src, NULL, &bad) == MG_ERR_ARG, "latent_dim mismatch accepted");
	c2 = c;
	c2.encoder = !c.encoder;
	CHECK(mg_fit_warm(a, &c2, &d2, src, NULL, &bad) == MG_ERR_ARG, "encoder mismatch accepted");
	c2 = c;
	c2.normalize = MG_NORM_ZSCORE;
	CHECK(mg_fit_warm(a, &c2, &d2, src, NULL, &bad) == MG_ERR_ARG, "normalize mismatch accepted");
	d2.m = 2;
	CHECK(mg_fit_warm(a, &c, &d2, src, NULL, &bad) == MG_ERR_ARG, "column count mismatch accepted");

done:
	mg_model_free(a, src);
	mg_model_free(a, w1);
	mg_model_free(a, w2);
	mg_model_free(a, cold);
	free(X);
	free(X2);
}
