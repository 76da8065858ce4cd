/*-------------------------------------------------------------------------
 *
 * bench_core.c
 *	  Speed of the numerical core without a server: training windows/s and
 *	  scoring windows/s (100 inversion steps, as torch_reference.py) for
 *	  seq_len 30/60/90, 38 features, batch 512, hidden 100, latent 15.
 *
 * Training time per epoch is measured as time(2 epochs) - time(1 epoch)
 * of mg_fit with one D and one G step per batch, so preprocessing and the
 * threshold pass cancel out.  FLOP counts follow torch_reference.py.
 *
 *   make bench-core [BENCH_ARGS="windows"]
 *
 * test/bench/bench_core.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mimgan_core.h"

/* wall-clock seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Time one mg_fit run with the given number of epochs. */
static double
time_fit(const mg_config *base, const mg_data *d, int epochs)
{
	mg_config	c = *base;
	mg_model   *mdl = NULL;
	double		t0;
	mg_status	st;

	c.epochs = epochs;
	t0 = now();
	st = mg_fit(&mg_alloc_std, &c, d, NULL, &mdl);
	t0 = now() - t0;
	if (st != MG_OK)
	{
		fprintf(stderr, "mg_fit: %s\n", mg_status_string(st));
		exit(1);
	}
	mg_model_free(&mg_alloc_std, mdl);
	return t0;
}

int
main(int argc, char **argv)
{
	int			Ls[3] = {30, 60, 90};
	int			F = 38,
				B = 512,
				H = 100,
				Zd = 15,
				iters = 100;
	int64_t		nwin = argc > 1 ? atoll(argv[1]) : 2048;
	int			li;

	mg_blas_set_threads(1);
	printf("mimgan core benchmark: features %d, batch %d, hidden %d, latent %d, %lld windows/epoch, 1 BLAS thread\n",
		   F, B, H, Zd, (long long) nwin);
	printf("BLAS: %s (self-check %s)\n", mg_blas_info(),
		   mg_blas_selfcheck() == 0 ? "ok" : "FAILED, reference gemm in use");
	printf("%-5s %14s %12s %14s %16s %12s\n", "T", "train win/s", "train GF/s",
		   "epoch25k s", "score win/s", "score GF/s");

	for (li = 0; li < 3; li++)
	{
		int			L = Ls[li];
		int64_t		n = nwin + L - 1;
		double	   *X = malloc(sizeof(double) * n * F);
		int64_t		ss[2] = {0, n};
		mg_data		d = {X, n, F, ss, 1};
		mg_config	c;
		mg_model   *mdl = NULL;
		mg_score_opts o;
		mg_rng		r;
		int64_t		i;
		double		t1,
					t2,
					ep,
					ts;
		int64_t		nscore = B;
		int64_t    *starts = malloc(sizeof(int64_t) * nscore);
		float	   *P = malloc(sizeof(float) * n * F);
		float	   *rec = malloc(sizeof(float) * nscore * L);
		double		gf,
					gd,
					df,
					dd,
					Gf,
					Df,
					Dbw,
					Dbx,
					Gbw,
					Gbz,
					train_flops,
					score_flops;

		mg_rng_seed(&r, 1);
		for (i = 0; i < n * F; i++)
			X[i] = sin(0.01 * i) + 0.1 * mg_rng_normal(&r);

		mg_config_default(&c);
		c.seq_len = L;
		c.step = 1;
		c.batch_size = B;
		c.hidden_g = H;
		c.hidden_d = H;
		c.latent_dim = Zd;
		c.d_rounds = 1;
		c.g_rounds = 1;
		c.threshold_windows = 1;
		c.invert_iters = 1;
		c.seed = 1;

		t1 = time_fit(&c, &d, 1);
		t2 = time_fit(&c, &d, 2);
		ep = t2 - t1;

		/* scoring: B windows, 100 inversion steps, no early stop */
		c.epochs = 1;
		if (mg_fit(&mg_alloc_std, &c, &d, NULL, &mdl) != MG_OK)
			return 1;
		mg_prep_apply(mdl->prep, X, n, P);
		for (i = 0; i < nscore; i++)
			starts[i] = i * (nwin / nscore);
		mg_score_opts_from_model(mdl, &o);
		o.invert_iters = iters;
		o.invert_tol = 0;
		o.invert_optim = MG_INV_ADAM;
		o.warm_start = 0;
		o.batch = B;
		ts = now();
		mg_score_windows(mdl, &mg_alloc_std, P, n, starts, nscore, &o, NULL,
						 NULL, rec, NULL);
		ts = now() - ts;

		/* FLOPs per window as in torch_reference.py */
		gf = 8.0 * H * (Zd + H);
		gd = 2.0 * H * F;
		df = 8.0 * H * (F + H);
		dd = 2.0 * H;
		Gf = gf + gd;
		Df = df + dd;
		Dbw = 8.0 * H * F + 16.0 * H * H + 4.0 * H;
		Dbx = 8.0 * H * F + 8.0 * H * H + 2.0 * H;
		Gbw = 8.0 * H * Zd + 16.0 * H * H + 4.0 * H * F;
		Gbz = 8.0 * H * Zd + 8.0 * H * H + 2.0 * H * F;
		train_flops = L * (Gf + 2 * Df + 2 * Dbw + Gf + Df + Dbx + Gbw);
		score_flops = L * (iters * (Gf + Gbz) + Gf + Df);

		printf("%-5d %14.0f %12.1f %14.1f %16.1f %12.1f\n", L,
			   nwin / ep, train_flops * nwin / ep / 1e9, 25000.0 * ep / nwin,
			   nscore / ts, score_flops * nscore / ts / 1e9);
		fflush(stdout);
		mg_model_free(&mg_alloc_std, mdl);
		free(X);
		free(starts);
		free(P);
		free(rec);
	}
	return 0;
}
