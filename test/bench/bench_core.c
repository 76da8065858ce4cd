/*-------------------------------------------------------------------------
 *
 * bench_core.c
 *	  Speed of the numerical core without a server (make bench-core, and
 *	  the core part of make bench-speed, test/bench/speed.sh).
 *
 * Network and shapes as ../shared/bench/torch_reference.py: 38 features,
 * batch 512, hidden 100 (G and D), latent 15, one LSTM layer each; one
 * training step = one D step and one G step (d_rounds = g_rounds = 1, no
 * encoder).  FLOP counts per window follow torch_reference.py.
 *
 *   bench_core [PART ...] [--OPTION=VALUE ...]
 *
 * Parts (default: all = sgemm train score scale):
 *   sgemm     measured sgemm GFLOP/s on the LSTM's own shapes, per shape,
 *             and for the mix of sgemm calls of one training step (the
 *             calls lstm.c and net.c make); the GEMM-only lower bound of a
 *             25,000-window epoch is train_flops * 25000 / mix rate
 *   train     training windows/s, GFLOP/s, epoch time / GEMM bound, peak
 *             RSS and the core's peak allocation, per seq_len; each seq_len
 *             runs in a forked child so that its peak RSS is its own.
 *             Epoch times come from the progress callback: epochs 2..E of
 *             one mg_fit, median (epoch 1 is warm-up)
 *   score     scoring windows/s: plain 100-step Adam inversion (tol 0, no
 *             warm start), timed as the whole call and as
 *             torch_reference.py times its own (the median step after two
 *             warm-up steps, times 100, plus the final pass); warm start
 *             (stride-1 windows dealt round-robin, same 100 steps; and
 *             with 10 steps); encoder (a model trained with encoder = 1:
 *             E(x) alone, and E(x) + 5 refinement steps)
 *   scale     training time on 10k, 100k and 1M-row tables (38 features,
 *             seq_len 30, mimgan's default configuration with encoder off,
 *             1 epoch, training stride --scale-step, default 10)
 *   sqlmatch ROWS   train and score exactly as speed.sh does through SQL,
 *             on the same data (gendata ROWS); prints the options as JSON
 *   gendata ROWS    that data as CSV (t, f0 .. f37) on stdout
 *
 * Options: --T=30,60,90  --threads=1  --par (the threads are mimgan's
 * own, mimgan.threads; OpenBLAS runs one)  --windows=4096 (training windows per
 * epoch)  --epochs=4  --score-windows=512  --warm-windows=512
 * --warm-batch=256  --enc-windows=2048  --scale-rows=10000,100000,1000000
 * --scale-step=10  --sql-seq=30  --score-modes=plain,warm,warm10,encoder,
 * encoder5 (plain always runs).  A bare number is --windows (old usage).
 *
 * Every measurement is also printed as one line "RESULT key=value ..."
 * for speed.sh.
 *
 * test/bench/bench_core.c
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "mimgan_core.h"

/* the network of torch_reference.py */
#define F_ 38
#define B_ 512
#define H_ 100
#define Z_ 15
#define ITERS 100

static int	nT = 3;
static int	Ts[8] = {30, 60, 90};
static int	threads = 1;
/* --par: the threads are mimgan's own (mg_par), OpenBLAS runs one */
static int	par = 0;
#define TKIND (par ? "par" : "blas")
static int64_t nwin_train = 4096;
static int	epochs_train = 4;
static int	score_windows = 512;
static int	warm_windows = 512;
static int	warm_batch = 256;
static int	enc_windows = 2048;
static int	nscale = 3;
static int64_t scale_rows[8] = {10000, 100000, 1000000};
static int	scale_step = 10;
static int	sql_seq = 30;
static char score_modes[256] = "plain,warm,warm10,encoder,encoder5";

/* 1 if mode is in the comma-separated --score-modes list */
static int
want_mode(const char *mode)
{
	const char *p = score_modes;
	size_t		n = strlen(mode);

	while ((p = strstr(p, mode)) != NULL)
	{
		if ((p == score_modes || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* wall-clock seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void
die(const char *what, mg_status st)
{
	fprintf(stderr, "bench_core: %s: %s\n", what, mg_status_string(st));
	exit(1);
}

static int
cmp_dbl(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, n, sizeof(double), cmp_dbl);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* peak resident set of this process, MiB */
static double
peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024.0;
}

/* ---------------------------------------------------------------------
 * Counting allocator: the core's current and peak bytes
 * --------------------------------------------------------------------- */
typedef struct cnt_state
{
	size_t		cur;
	size_t		peak;
} cnt_state;

static cnt_state cnt;

static void *
cnt_alloc(void *ctx, size_t size)
{
	cnt_state  *c = ctx;
	size_t	   *p = malloc(size + 16);

	if (p == NULL)
		return NULL;
	p[0] = size;
	c->cur += size;
	if (c->cur > c->peak)
		c->peak = c->cur;
	return (char *) p + 16;
}

static void
cnt_release(void *ctx, void *ptr)
{
	cnt_state  *c = ctx;
	size_t	   *p;

	if (ptr == NULL)
		return;
	p = (size_t *) ((char *) ptr - 16);
	c->cur -= p[0];
	free(p);
}

static const mg_alloc cnt_alloc_s = {cnt_alloc, cnt_release, &cnt};

/* ---------------------------------------------------------------------
 * Data: 38 noisy sines of different periods.  With exact = 1 every value
 * is what PostgreSQL's float8in gives for its "%.9g" text (gendata), so
 * that sqlmatch and the SQL run see the same doubles.
 * --------------------------------------------------------------------- */
static void
gen_data(double *X, int64_t n, int m, uint64_t seed, int exact)
{
	mg_rng		r;
	int64_t		i;
	int			j;
	char		buf[64];

	mg_rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
		{
			double		v = sin(2.0 * M_PI * (double) i / (40.0 + 7.0 * j) + 0.3 * j)
				+ 0.1 * mg_rng_normal(&r);

			if (exact)
			{
				snprintf(buf, sizeof(buf), "%.9g", v);
				v = strtod(buf, NULL);
			}
			X[i * m + j] = v;
		}
}

/* ---------------------------------------------------------------------
 * FLOPs per window, as torch_reference.py
 * --------------------------------------------------------------------- */
static void
flops_per_window(int L, double *train, double *score)
{
	double		H = H_,
				F = F_,
				Z = Z_;
	double		gf = 8.0 * H * (Z + H),
				gd = 2.0 * H * F,
				df = 8.0 * H * (F + H),
				dd = 2.0 * H;
	double		Gf = gf + gd,
				Df = df + dd;
	double		Dbw = 8.0 * H * F + 16.0 * H * H + 4.0 * H;
	double		Dbx = 8.0 * H * F + 8.0 * H * H + 2.0 * H;
	double		Gbw = 8.0 * H * Z + 16.0 * H * H + 4.0 * H * F;
	double		Gbz = 8.0 * H * Z + 8.0 * H * H + 2.0 * H * F;

	if (train)
		*train = L * (Gf + 2 * Df + 2 * Dbw + Gf + Df + Dbx + Gbw);
	if (score)
		*score = L * (ITERS * (Gf + Gbz) + Gf + Df);
}

/* the benchmark network and training step */
static void
bench_config(mg_config *c, int L)
{
	mg_config_default(c);
	c->seq_len = L;
	c->step = 1;
	c->batch_size = B_;
	c->hidden_g = H_;
	c->hidden_d = H_;
	c->latent_dim = Z_;
	c->d_rounds = 1;
	c->g_rounds = 1;
	c->encoder = 0;
	c->threshold_windows = 1;
	c->invert_iters = 1;
	c->seed = 1;
}

/* ---------------------------------------------------------------------
 * sgemm on the LSTM shapes: the calls of one training step
 * --------------------------------------------------------------------- */
typedef struct gemm_op
{
	int			cat;			/* index into cats[] */
	int			tA,
				tB,
				M,
				N,
				K;
	int			count;			/* consecutive calls (per-step loops) */
	int			rowstep;		/* C offset between calls, in rows of C */
} gemm_op;

enum
{
	C_XPROJ_G, C_XPROJ_D, C_XPROJ_D2, C_REC_G, C_REC_D, C_REC_D2,
	C_DH_G, C_DH_D, C_DH_D2, C_DWX_G, C_DWX_D2, C_DWH_G, C_DWH_D2, C_DX_D,
	C_DENSE, NCAT
};

static const char *cat_name[NCAT] = {
	"G input proj  T*B x 4H x Z",
	"D input proj  T*B x 4H x F",
	"D input proj  T*2B x 4H x F",
	"G recurrent   B x 4H x H",
	"D recurrent   B x 4H x H",
	"D recurrent   2B x 4H x H",
	"G dh          B x H x 4H",
	"D dh          B x H x 4H",
	"D dh          2B x H x 4H",
	"G dWx         Z x 4H x T*B",
	"D dWx         F x 4H x T*2B",
	"G dWh         H x 4H x T*B",
	"D dWh         H x 4H x T*2B",
	"D dX          T*B x F x 4H",
	"dense layers  (N or K = F or 1)"
};

static const char *cat_key[NCAT] = {
	"xproj_g", "xproj_d", "xproj_d2b", "rec_g", "rec_d", "rec_d2b",
	"dh_g", "dh_d", "dh_d2b", "dwx_g", "dwx_d2b", "dwh_g", "dwh_d2b",
	"dx_d", "dense"
};

/* Build the sgemm calls of one D step and one G step (lstm.c, net.c). */
static int
build_mix(int T, gemm_op *ops)
{
	int			n = 0,
				B = B_,
				H = H_,
				G = 4 * H_,
				F = F_,
				Z = Z_;

#define OP(c, ta, tb, m, nn, k, cnt) \
	(ops[n++] = (gemm_op) {(c), (ta), (tb), (m), (nn), (k), (cnt), 0})
	/* D step: G forward (B), D forward (2B), D backward with dW, no dX */
	OP(C_XPROJ_G, 0, 0, T * B, G, Z, 1);
	OP(C_REC_G, 0, 0, B, G, H, T - 1);
	OP(C_DENSE, 0, 0, T * B, F, H, 1);
	OP(C_XPROJ_D2, 0, 0, T * 2 * B, G, F, 1);
	OP(C_REC_D2, 0, 0, 2 * B, G, H, T - 1);
	OP(C_DENSE, 0, 0, T * 2 * B, 1, H, 1);
	OP(C_DENSE, 1, 0, H, 1, T * 2 * B, 1);
	OP(C_DENSE, 0, 1, T * 2 * B, H, 1, 1);
	OP(C_DH_D2, 0, 1, 2 * B, H, G, T - 1);
	OP(C_DWX_D2, 1, 0, F, G, T * 2 * B, 1);
	OP(C_DWH_D2, 1, 0, H, G, T * 2 * B, 1);
	/* G step: G forward, D forward (B), D backward to dX, G backward, dW */
	OP(C_XPROJ_G, 0, 0, T * B, G, Z, 1);
	OP(C_REC_G, 0, 0, B, G, H, T - 1);
	OP(C_DENSE, 0, 0, T * B, F, H, 1);
	OP(C_XPROJ_D, 0, 0, T * B, G, F, 1);
	OP(C_REC_D, 0, 0, B, G, H, T - 1);
	OP(C_DENSE, 0, 0, T * B, 1, H, 1);
	OP(C_DENSE, 0, 1, T * B, H, 1, 1);
	OP(C_DH_D, 0, 1, B, H, G, T - 1);
	OP(C_DX_D, 0, 1, T * B, F, G, 1);
	OP(C_DENSE, 1, 0, H, F, T * B, 1);
	OP(C_DENSE, 0, 1, T * B, H, F, 1);
	OP(C_DH_G, 0, 1, B, H, G, T - 1);
	OP(C_DWX_G, 1, 0, Z, G, T * B, 1);
	OP(C_DWH_G, 1, 0, H, G, T * B, 1);
#undef OP
	return n;
}

typedef struct mix_result
{
	double		flops;			/* per training step (B windows) */
	double		secs;			/* median over reps */
	double		rate;			/* GFLOP/s */
	double		cat_flops[NCAT];
	double		cat_secs[NCAT];
} mix_result;

/*
 * Run the mix reps times (after one warm-up) on buffers laid out as the
 * LSTM's: the per-step calls walk through a [T][rows][n] buffer.
 */
static void
measure_mix(int T, int reps, mix_result *res)
{
	gemm_op		ops[64];
	int			nops = build_mix(T, ops);
	size_t		maxA = 0,
				maxB = 0,
				maxC = 0;
	float	   *A,
			   *Bm,
			   *C;
	double	   *tot = calloc(reps, sizeof(double));
	double	  **cs = calloc(reps, sizeof(double *));
	int			i,
				r,
				c;
	size_t		q;
	mg_rng		rng;

	for (i = 0; i < nops; i++)
	{
		size_t		a = (size_t) ops[i].M * ops[i].K * ops[i].count;
		size_t		b = (size_t) ops[i].K * ops[i].N;
		size_t		cc = (size_t) ops[i].M * ops[i].N * ops[i].count;

		maxA = a > maxA ? a : maxA;
		maxB = b > maxB ? b : maxB;
		maxC = cc > maxC ? cc : maxC;
	}
	A = malloc(sizeof(float) * maxA);
	Bm = malloc(sizeof(float) * maxB);
	C = malloc(sizeof(float) * maxC);
	mg_rng_seed(&rng, 7);
	for (q = 0; q < maxA; q++)
		A[q] = (float) (mg_rng_uniform(&rng) - 0.5);
	for (q = 0; q < maxB; q++)
		Bm[q] = (float) (mg_rng_uniform(&rng) - 0.5);
	memset(C, 0, sizeof(float) * maxC);

	memset(res, 0, sizeof(*res));
	for (i = 0; i < nops; i++)
	{
		double		f = 2.0 * ops[i].M * ops[i].N * ops[i].K * ops[i].count;

		res->cat_flops[ops[i].cat] += f;
		res->flops += f;
	}
	for (r = -1; r < reps; r++)
	{
		double		ct[NCAT] = {0};
		double		t0 = now();

		for (i = 0; i < nops; i++)
		{
			const gemm_op *o = &ops[i];
			int			lda = o->tA ? o->M : o->K;
			int			ldb = o->tB ? o->K : o->N;
			double		t1 = now();
			int			k;

			for (k = 0; k < o->count; k++)
				mg_sgemm(o->tA, o->tB, o->M, o->N, o->K, 1.0f,
						 A + (size_t) k * o->M * o->K, lda, Bm, ldb,
						 o->count > 1 ? 1.0f : 0.0f,
						 C + (size_t) k * o->M * o->N, o->N);
			ct[o->cat] += now() - t1;
		}
		if (r >= 0)
		{
			tot[r] = now() - t0;
			cs[r] = malloc(sizeof(ct));
			memcpy(cs[r], ct, sizeof(ct));
		}
	}
	for (c = 0; c < NCAT; c++)
	{
		double		v[16];

		for (r = 0; r < reps; r++)
			v[r] = cs[r][c];
		res->cat_secs[c] = median(v, reps);
	}
	/* the bound wants the machine's best: the fastest repetition */
	qsort(tot, reps, sizeof(double), cmp_dbl);
	res->secs = tot[0];
	res->rate = res->flops / res->secs / 1e9;
	for (r = 0; r < reps; r++)
		free(cs[r]);
	free(cs);
	free(tot);
	free(A);
	free(Bm);
	free(C);
}

/* best mix rate seen so far per seq_len (sgemm part, then train) */
static double mix_best[8];

static void
part_sgemm(void)
{
	int			ti,
				c;

	printf("\n== sgemm on the LSTM shapes (F %d, B %d, H %d, Z %d; %d BLAS thread%s)\n"
		   "   per shape: median of 3 repetitions of the mix; mix: the fastest of 3 (the bound is a best case)\n",
		   F_, B_, H_, Z_, threads, threads > 1 ? "s" : "");
	for (ti = 0; ti < nT; ti++)
	{
		int			T = Ts[ti];
		mix_result	m;
		double		tf;
		double		bound;

		measure_mix(T, 3, &m);
		if (m.rate > mix_best[ti])
			mix_best[ti] = m.rate;
		flops_per_window(T, &tf, NULL);
		bound = tf * 25000.0 / (m.rate * 1e9);
		printf("\nT = %d: training-step mix %.2f GFLOP (torch formula %.2f) in %.3f s = %.1f GFLOP/s\n",
			   T, m.flops / 1e9, tf * B_ / 1e9, m.secs, m.rate);
		printf("  %-34s %9s %9s %6s\n", "shape (M x N x K)", "GFLOP", "ms", "GF/s");
		for (c = 0; c < NCAT; c++)
		{
			if (m.cat_flops[c] == 0)
				continue;
			printf("  %-34s %9.3f %9.1f %6.1f\n", cat_name[c], m.cat_flops[c] / 1e9,
				   m.cat_secs[c] * 1e3, m.cat_flops[c] / m.cat_secs[c] / 1e9);
			printf("RESULT part=sgemm T=%d threads=%d tkind=%s shape=%s gflops=%.2f\n", T,
				   threads, TKIND, cat_key[c], m.cat_flops[c] / m.cat_secs[c] / 1e9);
		}
		printf("  GEMM-only lower bound of a 25,000-window epoch: %.2f s\n", bound);
		printf("RESULT part=sgemm T=%d threads=%d tkind=%s shape=mix gflops=%.2f mix_gflop=%.3f torch_gflop=%.3f bound25k_s=%.3f\n",
			   T, threads, TKIND, m.rate, m.flops / 1e9, tf * B_ / 1e9, bound);
		fflush(stdout);
	}
}

/* ---------------------------------------------------------------------
 * training
 * --------------------------------------------------------------------- */
typedef struct epoch_clock
{
	double		t[1024];
	int			n;
} epoch_clock;

static int
on_epoch(void *arg, const mg_epoch_info *info)
{
	epoch_clock *ec = arg;

	if (ec->n < 1024)
		ec->t[ec->n++] = now();
	return 0;
}

static void
train_one(int ti)
{
	int			T = Ts[ti];
	int64_t		n = nwin_train + T - 1;
	double	   *X = malloc(sizeof(double) * n * F_);
	int64_t		ss[2] = {0, n};
	mg_data		d = {X, n, F_, ss, 1};
	mg_config	c;
	mg_model   *mdl = NULL;
	mg_callbacks cb = {NULL, on_epoch, NULL};
	epoch_clock ec = {{0}, 0};
	mg_status	st;
	double		t0,
				ep[1024],
				e,
				tf;
	int			i;
	mix_result	m;
	double		bound,
				e25,
				rss;

	gen_data(X, n, F_, 1, 0);
	bench_config(&c, T);
	c.epochs = epochs_train;
	cb.arg = &ec;
	cnt.cur = cnt.peak = 0;
	t0 = now();
	st = mg_fit(&cnt_alloc_s, &c, &d, &cb, &mdl);
	if (st != MG_OK)
		die("mg_fit", st);
	for (i = 1; i < ec.n; i++)
		ep[i - 1] = ec.t[i] - ec.t[i - 1];
	e = ec.n > 1 ? median(ep, ec.n - 1) : ec.t[0] - t0;
	rss = peak_rss_mib();		/* before the sgemm mix allocates */
	measure_mix(T, 3, &m);
	if (mix_best[ti] > m.rate)
		m.rate = mix_best[ti];
	/*
	 * --par: the mix ran at one OpenBLAS thread; the bound for n mimgan
	 * threads is n cores each running it at that rate.
	 */
	if (par)
		m.rate *= threads;
	flops_per_window(T, &tf, NULL);
	e25 = 25000.0 * e / nwin_train;
	bound = tf * 25000.0 / (m.rate * 1e9);
	printf("%-4d %10.0f %9.1f %10.2f %10.2f %9.2f %9.1f %10.1f %11.1f\n", T,
		   nwin_train / e, tf * nwin_train / e / 1e9, e25, bound, e25 / bound,
		   m.rate, rss, cnt.peak / 1048576.0);
	printf("RESULT part=train T=%d threads=%d tkind=%s windows=%lld win_s=%.1f gflops=%.2f epoch25k_s=%.3f bound25k_s=%.3f ratio_bound=%.3f mix_gflops=%.2f peak_rss_mib=%.1f core_peak_mib=%.1f data_mib=%.1f loss_d=%.6f\n",
		   T, threads, TKIND, (long long) nwin_train, nwin_train / e,
		   tf * nwin_train / e / 1e9, e25, bound, e25 / bound, m.rate,
		   rss, cnt.peak / 1048576.0, n * F_ * 8.0 / 1048576.0,
		   mdl->stats.loss_d);
	fflush(stdout);
	mg_model_free(&cnt_alloc_s, mdl);
	free(X);
}

static void
part_train(void)
{
	int			ti;

	printf("\n== training (F %d, B %d, H %d, Z %d, 1 D + 1 G step per batch, no encoder; %lld windows/epoch, %d BLAS thread%s)\n",
		   F_, B_, H_, Z_, (long long) nwin_train, threads, threads > 1 ? "s" : "");
	printf("   epoch time: median of epochs 2..%d of one mg_fit; bound: torch FLOPs of 25,000 windows / best sgemm mix rate\n",
		   epochs_train);
	printf("   peak RSS: the whole process (forked per seq_len); core peak: bytes the core allocated at once\n");
	printf("%-4s %10s %9s %10s %10s %9s %9s %10s %11s\n", "T", "win/s", "GF/s",
		   "epoch25k s", "bound25k s", "ep/bound", "mix GF/s", "peakRSS MiB",
		   "core MiB");
	fflush(stdout);
	for (ti = 0; ti < nT; ti++)
	{
		pid_t		pid = fork();
		int			status;

		if (pid < 0)
		{
			perror("fork");
			exit(1);
		}
		if (pid == 0)
		{
			train_one(ti);
			fflush(stdout);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
			WEXITSTATUS(status) != 0)
		{
			fprintf(stderr, "bench_core: training child for T=%d failed\n", Ts[ti]);
			exit(1);
		}
	}
}

/* ---------------------------------------------------------------------
 * scoring
 * --------------------------------------------------------------------- */
/*
 * The times at which the inversion asks whether to stop: once before each
 * of its steps and once before the final pass (invert.c), so consecutive
 * stamps of one batch bound one inversion step.
 */
#define MAX_STAMPS 4096
typedef struct
{
	int			n;
	double		t[MAX_STAMPS];
} stamps;

static int
stamp_step(void *arg)
{
	stamps	   *s = arg;

	if (s->n < MAX_STAMPS)
		s->t[s->n++] = now();
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Seconds to score nw windows, the whole call.  With med: *med = the time
 * by torch_reference.py's protocol, iters times the median step after two
 * warm-up steps, plus the final pass from the last stamp to the end
 * (G forward, D, scores); setup before the first step is left out, as the
 * reference leaves out building its tensors.  *med is -1 when the windows
 * took more than one batch.
 */
static double
time_score(const mg_model *mdl, const float *P, int64_t n, int64_t nw,
		   const mg_score_opts *o, double *med)
{
	int64_t    *starts = malloc(sizeof(int64_t) * nw);
	float	   *dis = malloc(sizeof(float) * nw * mdl->cfg.seq_len);
	float	   *rec = malloc(sizeof(float) * nw * mdl->cfg.seq_len);
	stamps	   *sp = calloc(1, sizeof(stamps));
	mg_callbacks cb;
	int64_t		i;
	double		t,
				t0;
	mg_status	st;

	if (!starts || !dis || !rec || !sp)
		die("out of memory", MG_ERR_NOMEM);
	memset(&cb, 0, sizeof(cb));
	cb.cancel = stamp_step;
	cb.arg = sp;
	for (i = 0; i < nw; i++)
		starts[i] = i;			/* consecutive, overlapping, stride 1 */
	t0 = now();
	st = mg_score_windows(mdl, &mg_alloc_std, P, n, starts, nw, o,
						  med ? &cb : NULL, dis, rec, NULL);
	t = now() - t0;
	if (st != MG_OK)
		die("mg_score_windows", st);
	if (med)
	{
		int			iters = o->invert_iters;
		int			k,
					m = 0;
		double	   *d = malloc(sizeof(double) * MAX_STAMPS);

		if (!d)
			die("out of memory", MG_ERR_NOMEM);
		/* one batch: iters + 1 stamps, steps 0 and 1 are the warm-up */
		*med = -1.0;
		if (sp->n == iters + 1 && iters >= 3)
		{
			for (k = 2; k < iters; k++)
				d[m++] = sp->t[k + 1] - sp->t[k];
			qsort(d, m, sizeof(double), cmp_double);
			*med = iters * d[m / 2] + (t0 + t - sp->t[iters]);
		}
		free(d);
	}
	free(sp);
	free(starts);
	free(dis);
	free(rec);
	return t;
}

static void
score_row(int T, const char *key, const char *what, int64_t nw, int batch,
		  int iters, double secs, double plain_ws, double sflops)
{
	double		ws = nw / secs;

	if (batch > nw)
		batch = (int) nw;
	printf("%-4d %-34s %7lld %6d %6d %9.1f %8.2f", T, what, (long long) nw,
		   batch, iters, ws, plain_ws > 0 ? ws / plain_ws : 1.0);
	if (sflops > 0)
		printf(" %8.1f", sflops * ws / 1e9);
	printf("\n");
	printf("RESULT part=score T=%d threads=%d tkind=%s mode=%s windows=%lld batch=%d iters=%d win_s=%.2f speedup=%.3f",
		   T, threads, TKIND, key, (long long) nw, batch, iters, ws,
		   plain_ws > 0 ? ws / plain_ws : 1.0);
	if (sflops > 0)
		printf(" gflops=%.2f", sflops * ws / 1e9);
	printf("\n");
	fflush(stdout);
}

static void
part_score(void)
{
	int			ti;

	printf("\n== scoring (F %d, H %d, Z %d; Adam inversion, tol 0; windows of stride 1; %d BLAS thread%s)\n",
		   F_, H_, Z_, threads, threads > 1 ? "s" : "");
	printf("   plain: %d windows in one batch, %d steps from N(0,1) (as torch_reference.py score)\n",
		   score_windows, ITERS);
	printf("   warm: %d windows in batches of %d dealt round-robin, each from its predecessor's latent\n",
		   warm_windows, warm_batch);
	printf("   encoder: a model trained with encoder = 1 (same network), Z0 = E(x), then 0 or 5 steps\n");
	printf("%-4s %-34s %7s %6s %6s %9s %8s %8s\n", "T", "mode", "windows", "batch",
		   "iters", "win/s", "x plain", "GF/s");
	for (ti = 0; ti < nT; ti++)
	{
		int			T = Ts[ti];
		int64_t		nmax = score_windows;
		int64_t		n;
		double	   *X;
		float	   *P;
		int64_t		ss[2];
		mg_data		d;
		mg_config	c;
		mg_model   *mdl = NULL,
				   *emdl = NULL;
		mg_score_opts o;
		mg_status	st;
		double		sf,
					t,
					tm,
					plain;

		if (warm_windows > nmax)
			nmax = warm_windows;
		if (enc_windows > nmax)
			nmax = enc_windows;
		n = nmax + T - 1;
		X = malloc(sizeof(double) * n * F_);
		P = malloc(sizeof(float) * n * F_);
		ss[0] = 0;
		ss[1] = n;
		d.X = X;
		d.n = n;
		d.m = F_;
		d.series_start = ss;
		d.nseries = 1;
		gen_data(X, n, F_, 2, 0);
		flops_per_window(T, NULL, &sf);

		/* the models: one epoch on 512 windows (weights do not matter) */
		bench_config(&c, T);
		c.epochs = 1;
		c.max_train_windows = B_;
		if ((st = mg_fit(&mg_alloc_std, &c, &d, NULL, &mdl)) != MG_OK)
			die("mg_fit", st);
		c.encoder = 1;
		if ((want_mode("encoder") || want_mode("encoder5")) &&
			(st = mg_fit(&mg_alloc_std, &c, &d, NULL, &emdl)) != MG_OK)
			die("mg_fit (encoder)", st);
		if ((st = mg_prep_apply(mdl->prep, X, n, P)) != MG_OK)
			die("mg_prep_apply", st);

		mg_score_opts_from_model(mdl, &o);
		o.invert_iters = ITERS;
		o.invert_tol = 0;
		o.invert_optim = MG_INV_ADAM;
		o.warm_start = 0;
		o.use_encoder = 0;
		o.batch = B_;
		t = time_score(mdl, P, n, score_windows, &o, &tm);
		plain = score_windows / t;
		score_row(T, "plain", "plain, 100 steps", score_windows, B_, ITERS, t, 0, sf);
		if (tm > 0)				/* only for one batch (--score-windows <= 512) */
			score_row(T, "plain_med", "plain, median step x 100 + final",
					  score_windows, B_, ITERS, tm, plain, sf);

		o.warm_start = 1;
		o.batch = warm_batch;
		if (want_mode("warm"))
		{
			t = time_score(mdl, P, n, warm_windows, &o, NULL);
			score_row(T, "warm", "warm start, 100 steps", warm_windows,
					  warm_batch, ITERS, t, plain, 0);
		}
		o.invert_iters = 10;
		if (want_mode("warm10"))
		{
			t = time_score(mdl, P, n, warm_windows, &o, NULL);
			score_row(T, "warm10", "warm start, 10 steps", warm_windows,
					  warm_batch, 10, t, plain, 0);
		}

		if (emdl == NULL)
			goto next;
		mg_score_opts_from_model(emdl, &o);
		o.invert_tol = 0;
		o.invert_optim = MG_INV_ADAM;
		o.warm_start = 0;
		o.use_encoder = 1;
		o.batch = B_;
		o.invert_iters = 0;
		if ((st = mg_prep_apply(emdl->prep, X, n, P)) != MG_OK)
			die("mg_prep_apply", st);
		if (want_mode("encoder"))
		{
			t = time_score(emdl, P, n, enc_windows, &o, NULL);
			score_row(T, "encoder", "encoder E(x), 0 steps", enc_windows, B_, 0,
					  t, plain, 0);
		}
		o.invert_iters = 5;
		if (want_mode("encoder5"))
		{
			t = time_score(emdl, P, n, enc_windows, &o, NULL);
			score_row(T, "encoder5", "encoder E(x) + 5 steps", enc_windows, B_,
					  5, t, plain, 0);
		}

next:
		mg_model_free(&mg_alloc_std, mdl);
		mg_model_free(&mg_alloc_std, emdl);
		free(X);
		free(P);
	}
}

/* ---------------------------------------------------------------------
 * training cost against table size
 * --------------------------------------------------------------------- */
static void
scale_config(mg_config *c)
{
	mg_config_default(c);
	c->seq_len = 30;
	c->step = scale_step;
	c->epochs = 1;
	c->encoder = 0;
	c->seed = 1;
}

static void
part_scale(void)
{
	int			si;
	mg_config	c;

	scale_config(&c);
	printf("\n== training time against table size: %d features, seq_len %d, training stride %d, mimgan's defaults\n",
		   F_, c.seq_len, c.step);
	printf("   with encoder off (hidden %d, batch %d, %d D + %d G rounds, threshold on %lld windows), 1 epoch, %d BLAS thread%s\n",
		   c.hidden_g, c.batch_size, c.d_rounds, c.g_rounds,
		   (long long) c.threshold_windows, threads, threads > 1 ? "s" : "");
	printf("   train = mg_fit start to end of the epoch (preprocessing + epoch); total adds the threshold pass\n");
	printf("%9s %8s %9s %9s %14s %14s %11s\n", "rows", "windows", "train s",
		   "total s", "train s/1k win", "total s/1k row", "core MiB");
	for (si = 0; si < nscale; si++)
	{
		int64_t		n = scale_rows[si];
		double	   *X = malloc(sizeof(double) * n * F_);
		int64_t		ss[2] = {0, n};
		mg_data		d = {X, n, F_, ss, 1};
		mg_model   *mdl = NULL;
		epoch_clock ec = {{0}, 0};
		mg_callbacks cb = {NULL, on_epoch, &ec};
		mg_status	st;
		double		t0,
					tt,
					te;
		int64_t		w;

		gen_data(X, n, F_, 3, 0);
		cnt.cur = cnt.peak = 0;
		t0 = now();
		st = mg_fit(&cnt_alloc_s, &c, &d, &cb, &mdl);
		tt = now() - t0;
		if (st != MG_OK)
			die("mg_fit", st);
		te = ec.t[0] - t0;
		w = mdl->stats.n_windows;
		printf("%9lld %8lld %9.2f %9.2f %14.4f %14.4f %11.1f\n", (long long) n,
			   (long long) w, te, tt, te / (w / 1000.0), tt / (n / 1000.0),
			   cnt.peak / 1048576.0);
		printf("RESULT part=scale rows=%lld windows=%lld step=%d threads=%d tkind=%s train_s=%.3f total_s=%.3f s_per_1k_win=%.5f core_peak_mib=%.1f\n",
			   (long long) n, (long long) w, c.step, threads, TKIND, te, tt,
			   te / (w / 1000.0), cnt.peak / 1048576.0);
		fflush(stdout);
		mg_model_free(&cnt_alloc_s, mdl);
		free(X);
	}
}

/* ---------------------------------------------------------------------
 * the SQL comparison: same data, same configuration
 * --------------------------------------------------------------------- */
/* training options of the SQL run (JSON) and the same config */
static void
sql_config(mg_config *c, char *json, size_t len)
{
	bench_config(c, sql_seq);
	c->epochs = 1;
	c->step = 10;
	c->invert_iters = 10;
	c->threshold_windows = 500;
	snprintf(json, len,
			 "{\"batch_size\": %d, \"hidden_g\": %d, \"hidden_d\": %d, \"latent_dim\": %d, "
			 "\"d_rounds\": 1, \"g_rounds\": 1, \"encoder\": false, \"epochs\": %d, "
			 "\"step\": %d, \"invert_iters\": %d, \"threshold_windows\": %lld, \"seed\": 1}",
			 c->batch_size, c->hidden_g, c->hidden_d, c->latent_dim, c->epochs,
			 c->step, c->invert_iters, (long long) c->threshold_windows);
}

#define SQL_SCORE_STEP 10
#define SQL_SCORE_ITERS 10
#define SQL_SCORE_BATCH 512		/* mimgan.score_batch default */

static void
part_gendata(int64_t n)
{
	double	   *X = malloc(sizeof(double) * n * F_);
	int64_t		i;
	int			j;

	gen_data(X, n, F_, 4, 1);
	for (i = 0; i < n; i++)
	{
		printf("%lld", (long long) i);
		for (j = 0; j < F_; j++)
			printf(",%.9g", X[i * F_ + j]);
		printf("\n");
	}
	free(X);
}

static void
part_sqlmatch(int64_t n)
{
	double	   *X = malloc(sizeof(double) * n * F_);
	int64_t		ss[2] = {0, n};
	mg_data		d = {X, n, F_, ss, 1};
	mg_config	c;
	mg_model   *mdl = NULL;
	mg_score_opts o;
	char		json[1024];
	double	   *score = malloc(sizeof(double) * n);
	double	   *dis = malloc(sizeof(double) * n);
	double	   *rec = malloc(sizeof(double) * n);
	float	   *resid = malloc(sizeof(float) * n * F_);
	double		t,
				ts,
				sum = 0;
	int64_t		i,
				ns = 0;
	mg_status	st;

	sql_config(&c, json, sizeof(json));
	gen_data(X, n, F_, 4, 1);
	printf("\n== core side of the SQL comparison: %lld rows x %d columns (gendata), seq_len %d\n",
		   (long long) n, F_, c.seq_len);
	printf("   training options: %s\n", json);
	printf("   scoring: mg_score_series as mimgan_score: step %d, %d steps, batch %d, per-column residuals (top_cols)\n",
		   SQL_SCORE_STEP, SQL_SCORE_ITERS, SQL_SCORE_BATCH);
	printf("RESULT part=sqlmatch key=train_options json=%s\n", json);
	printf("RESULT part=sqlmatch key=score_options json={\"step\": %d, \"invert_iters\": %d}\n",
		   SQL_SCORE_STEP, SQL_SCORE_ITERS);
	fflush(stdout);

	t = now();
	st = mg_fit(&mg_alloc_std, &c, &d, NULL, &mdl);
	t = now() - t;
	if (st != MG_OK)
		die("mg_fit", st);

	mg_score_opts_from_model(mdl, &o);
	o.batch = SQL_SCORE_BATCH;
	o.step = SQL_SCORE_STEP;
	o.invert_iters = SQL_SCORE_ITERS;
	ts = now();
	st = mg_score_series(mdl, &mg_alloc_std, &d, &o, NULL, score, dis, rec, resid);
	ts = now() - ts;
	if (st != MG_OK)
		die("mg_score_series", st);
	for (i = 0; i < n; i++)
		if (isfinite(score[i]))
		{
			sum += score[i];
			ns++;
		}
	printf("   train %.2f s (%lld windows, loss_d %.9g, threshold %.9g); score %.2f s (%lld rows scored, sum of scores %.9g)\n",
		   t, (long long) mdl->stats.n_windows, mdl->stats.loss_d,
		   mdl->threshold, ts, (long long) ns, sum);
	printf("RESULT part=sqlmatch rows=%lld seq=%d threads=%d tkind=%s train_s=%.3f score_s=%.3f windows=%lld loss_d=%.17g threshold=%.17g score_sum=%.17g scored=%lld\n",
		   (long long) n, c.seq_len, threads, TKIND, t, ts,
		   (long long) mdl->stats.n_windows, mdl->stats.loss_d, mdl->threshold,
		   sum, (long long) ns);
	fflush(stdout);
	mg_model_free(&mg_alloc_std, mdl);
	free(X);
	free(score);
	free(dis);
	free(rec);
	free(resid);
}

/* ---------------------------------------------------------------------
 * main
 * --------------------------------------------------------------------- */
static int
parse_list(const char *s, int64_t *out, int max)
{
	int			n = 0;
	char	   *end;

	while (*s && n < max)
	{
		out[n++] = strtoll(s, &end, 10);
		if (end == s)
			break;
		s = (*end == ',') ? end + 1 : end;
	}
	return n;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: bench_core [sgemm|train|score|scale|all ...] [--T=30,60,90] [--threads=N]\n"
			"                  [--windows=N] [--epochs=N] [--score-windows=N] [--warm-windows=N]\n"
			"                  [--warm-batch=N] [--enc-windows=N] [--scale-rows=a,b,c] [--scale-step=N]\n"
			"                  [--score-modes=plain,warm,warm10,encoder,encoder5]\n"
			"       bench_core gendata ROWS        the SQL comparison's data as CSV on stdout\n"
			"       bench_core sqlmatch ROWS [--sql-seq=30]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	int			do_sgemm = 0,
				do_train = 0,
				do_score = 0,
				do_scale = 0,
				any = 0;
	int64_t		gendata_rows = -1,
				sqlmatch_rows = -1;
	int			i;

	for (i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		int64_t		v[8];
		int			k;

		if (strncmp(a, "--", 2) == 0)
		{
			const char *eq = strchr(a, '=');

			if (strcmp(a, "--par") == 0)
			{
				par = 1;
				continue;
			}
			if (eq == NULL)
				usage();
			if (strncmp(a, "--T=", 4) == 0)
			{
				nT = parse_list(eq + 1, v, 8);
				for (k = 0; k < nT; k++)
					Ts[k] = (int) v[k];
			}
			else if (strncmp(a, "--threads=", 10) == 0)
				threads = atoi(eq + 1);
			else if (strncmp(a, "--windows=", 10) == 0)
				nwin_train = atoll(eq + 1);
			else if (strncmp(a, "--epochs=", 9) == 0)
				epochs_train = atoi(eq + 1);
			else if (strncmp(a, "--score-windows=", 16) == 0)
				score_windows = atoi(eq + 1);
			else if (strncmp(a, "--warm-windows=", 15) == 0)
				warm_windows = atoi(eq + 1);
			else if (strncmp(a, "--warm-batch=", 13) == 0)
				warm_batch = atoi(eq + 1);
			else if (strncmp(a, "--enc-windows=", 14) == 0)
				enc_windows = atoi(eq + 1);
			else if (strncmp(a, "--scale-rows=", 13) == 0)
				nscale = parse_list(eq + 1, scale_rows, 8);
			else if (strncmp(a, "--scale-step=", 13) == 0)
				scale_step = atoi(eq + 1);
			else if (strncmp(a, "--sql-seq=", 10) == 0)
				sql_seq = atoi(eq + 1);
			else if (strncmp(a, "--score-modes=", 14) == 0)
				snprintf(score_modes, sizeof(score_modes), "%s", eq + 1);
			else
				usage();
		}
		else if (isdigit((unsigned char) a[0]))
			nwin_train = atoll(a);	/* old usage: bench_core WINDOWS */
		else if (strcmp(a, "sgemm") == 0)
			do_sgemm = any = 1;
		else if (strcmp(a, "train") == 0)
			do_train = any = 1;
		else if (strcmp(a, "score") == 0)
			do_score = any = 1;
		else if (strcmp(a, "scale") == 0)
			do_scale = any = 1;
		else if (strcmp(a, "all") == 0)
			do_sgemm = do_train = do_score = do_scale = any = 1;
		else if (strcmp(a, "gendata") == 0 || strcmp(a, "sqlmatch") == 0)
		{
			if (i + 1 >= argc || !isdigit((unsigned char) argv[i + 1][0]))
				usage();
			if (a[0] == 'g')
				gendata_rows = atoll(argv[++i]);
			else
				sqlmatch_rows = atoll(argv[++i]);
			any = 1;
		}
		else
			usage();
	}
	if (!any)
		do_sgemm = do_train = do_score = do_scale = 1;
	if (nT < 1 || threads < 1 || nwin_train < B_ || epochs_train < 2 ||
		score_windows < 1 || warm_windows < 1 || warm_batch < 1 ||
		enc_windows < 1 || nscale < 1 || scale_step < 1 || sql_seq < 2)
		usage();

	if (gendata_rows >= 0)
	{
		part_gendata(gendata_rows);
		return 0;
	}

	if (par)
	{
		mg_blas_set_threads(1);
		mg_par_set_threads(threads);
	}
	else
		mg_blas_set_threads(threads);
	{
		int			ok = mg_blas_selfcheck() == 0;

		printf("mimgan core benchmark, %d %s thread%s\n", threads,
			   par ? "mimgan (OpenBLAS at 1)" : "BLAS", threads > 1 ? "s" : "");
		printf("BLAS: %s (self-check %s)\n", mg_blas_info(),
			   ok ? "ok" : "FAILED, reference gemm in use");
		printf("RESULT part=info threads=%d tkind=%s selfcheck=%s blas=\"%s\"\n", threads, TKIND,
			   ok ? "ok" : "failed", mg_blas_info());
		fflush(stdout);
	}

	if (do_sgemm)
		part_sgemm();
	if (do_train)
		part_train();
	if (do_score)
		part_score();
	if (do_scale)
		part_scale();
	if (sqlmatch_rows > 0)
		part_sqlmatch(sqlmatch_rows);
	printf("RESULT part=end peak_rss_mib=%.1f\n", peak_rss_mib());
	return 0;
}
