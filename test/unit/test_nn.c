/*-------------------------------------------------------------------------
 *
 * test_nn.c
 *	  Unit tests of the BLAS wrapper, the elementwise activations, the LSTM
 *	  layer and the stacked network: reference comparisons, accuracy
 *	  against libm, finite-difference gradient checks (central differences,
 *	  loss sum(r * output) accumulated in double), a hand-computed forward
 *	  pass and deterministic initialisation.
 *
 * The gradient checks compare against central differences of the float32
 * forward pass with a step of 1e-2 (truncation error O(eps^2), float
 * rounding noise of the loss about 1e-6, i.e. about 5e-5 on a gradient);
 * the error of one entry is |analytic - numeric| / max(|analytic|,
 * |numeric|, 0.1), so entries below 0.1 are judged by absolute error.
 * Measured maxima are 2.5e-4 (LSTM) and 1.2e-3 (net, tanh output, where
 * the eps^2 truncation term dominates); the tolerance is 1e-2.  Mutations
 * tried once (dropped forget-gate carry, missing tanh' factor, dropped
 * sigmoid' of f, stale dh carry, 10% error in db) all fail with errors of
 * 0.1 to 2.  MIMGAN_UNIT_QUICK=1 (valgrind) keeps every size: they are
 * already small, and the LSTM check runs through 24 steps.
 *
 * test/unit/test_nn.c
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mimgan_core.h"
#include "unit.h"

#ifndef GC_EPS
#define GC_EPS 1e-2
#endif
#define GC_FLOOR 0.1
#define GC_TOL 1e-2

/* Zeroed float buffer from the standard allocator (never NULL in tests). */
static float *
fbuf(size_t n)
{
	float	   *p = mg_calloc(&mg_alloc_std, n, sizeof(float));

	if (p == NULL)
	{
		fprintf(stderr, "test_nn: out of memory\n");
		exit(2);
	}
	return p;
}

/* x[i] = U(-s, s) */
static void
fill_u(mg_rng *r, float *x, size_t n, double s)
{
	size_t		i;

	for (i = 0; i < n; i++)
		x[i] = (float) (s * (2.0 * mg_rng_uniform(r) - 1.0));
}

/* sum r * y in double */
static double
dot_d(const float *r, const float *y, size_t n)
{
	double		s = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
		s += (double) r[i] * y[i];
	return s;
}

/* Relative error of one gradient entry, see the file header. */
static double
gc_err(double ana, double num)
{
	double		d = fabs(ana);

	if (fabs(num) > d)
		d = fabs(num);
	if (d < GC_FLOOR)
		d = GC_FLOOR;
	return fabs(ana - num) / d;
}

/* ---------------------------------------------------------------------
 * BLAS
 * --------------------------------------------------------------------- */

/* One sgemm-vs-reference comparison; returns the max abs difference. */
static double
gemm_compare(mg_rng *r, int ta, int tb, int M, int N, int K, float beta)
{
	int			lda = (ta ? M : K) + 1;
	int			ldb = (tb ? K : N) + 2;
	int			ldc = N + 1;
	size_t		na = (size_t) (ta ? K : M) * lda;
	size_t		nb = (size_t) (tb ? N : K) * ldb;
	size_t		nc = (size_t) M * ldc;
	float	   *A = fbuf(na);
	float	   *B = fbuf(nb);
	float	   *C1 = fbuf(nc);
	float	   *C2 = fbuf(nc);
	double		maxd = 0.0;
	size_t		i;

	fill_u(r, A, na, 1.0);
	fill_u(r, B, nb, 1.0);
	fill_u(r, C1, nc, 1.0);
	memcpy(C2, C1, nc * sizeof(float));
	mg_sgemm(ta, tb, M, N, K, 1.25f, A, lda, B, ldb, beta, C1, ldc);
	mg_sgemm_ref(ta, tb, M, N, K, 1.25f, A, lda, B, ldb, beta, C2, ldc);
	for (i = 0; i < nc; i++)
	{
		double		d = fabs((double) C1[i] - C2[i]);

		if (!(d <= maxd))
			maxd = (d == d) ? d : INFINITY;
	}
	mg_free(&mg_alloc_std, A);
	mg_free(&mg_alloc_std, B);
	mg_free(&mg_alloc_std, C1);
	mg_free(&mg_alloc_std, C2);
	return maxd;
}

/* Max relative error of f against ref over a dense grid of [-20, 20]. */
static double
act_grid_err(void (*f) (float *, const float *, size_t),
			 double (*ref) (double), double *worst_x)
{
	size_t		n = 400001;
	float	   *x = fbuf(n);
	float	   *y = fbuf(n);
	double		maxe = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
		x[i] = (float) (-20.0 + 40.0 * (double) i / (n - 1));
	f(y, x, n);
	for (i = 0; i < n; i++)
	{
		double		t = ref(x[i]);
		double		e = fabs(y[i] - t) / fabs(t);

		if (t == 0.0)
			e = fabs(y[i]);
		if (!(e <= maxe))
		{
			maxe = (e == e) ? e : INFINITY;
			*worst_x = x[i];
		}
	}
	mg_free(&mg_alloc_std, x);
	mg_free(&mg_alloc_std, y);
	return maxe;
}

/* double sigmoid for reference */
static double
ref_sigmoid(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

/* sgemm wrapper, reference, self-check and activation accuracy */
void
suite_blas(void)
{
	static const int shapes[][3] = {
		{1, 1, 1}, {2, 3, 4}, {7, 5, 3}, {13, 17, 19}, {64, 3, 65},
		{3, 70, 2}, {1, 33, 100}, {100, 1, 33}, {41, 43, 1}
	};
	float		A[4] = {1, 2, 3, 4};
	float		B[4] = {5, 6, 7, 8};
	float		C[4];
	mg_rng		r;
	double		maxd = 0.0,
				e,
				wx = 0.0;
	int			s,
				tr;
	const char *info;

	mg_rng_seed(&r, 7);

	/* the reference itself on a product known by hand */
	mg_sgemm_ref(0, 0, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2);
	CHECK(C[0] == 19 && C[1] == 22 && C[2] == 43 && C[3] == 50,
		  "ref NN %g %g %g %g", C[0], C[1], C[2], C[3]);
	mg_sgemm_ref(1, 1, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2);
	CHECK(C[0] == 23 && C[1] == 31 && C[2] == 34 && C[3] == 46,
		  "ref TT %g %g %g %g", C[0], C[1], C[2], C[3]);
	C[0] = NAN;
	mg_sgemm(0, 1, 1, 1, 2, 2.0f, A, 2, B, 2, 0.0f, C, 2);
	CHECK(C[0] == 34.0f, "beta 0 ignores C: %g", C[0]);

	for (s = 0; s < (int) (sizeof(shapes) / sizeof(shapes[0])); s++)
		for (tr = 0; tr < 8; tr++)
		{
			int			K = shapes[s][2];

			e = gemm_compare(&r, tr & 1, (tr >> 1) & 1, shapes[s][0],
							 shapes[s][1], K, (tr & 4) ? 0.5f : 0.0f);
			CHECK(e <= 2e-6 * (K + 2), "sgemm %dx%dx%d trans %d: diff %g",
				  shapes[s][0], shapes[s][1], K, tr & 3, e);
			if (e > maxd)
				maxd = e;
		}
	CHECK(mg_blas_selfcheck() == 0, "self-check");
	info = mg_blas_info();
	CHECK(info != NULL && strstr(info, "OpenBLAS") != NULL, "info %s",
		  info ? info : "(null)");
	printf("  %s\n", info);

	/* kernel choice: loaded once, the running core is the requested one */
	{
		mg_blas_status st;
		const char *canon;
		unsigned	skx = MG_CPU_SSE3 | MG_CPU_AVX | MG_CPU_AVX2 | MG_CPU_FMA |
			MG_CPU_AVX512F | MG_CPU_AVX512CD | MG_CPU_AVX512BW |
			MG_CPU_AVX512DQ | MG_CPU_AVX512VL;
		unsigned	hsw = MG_CPU_SSE3 | MG_CPU_AVX | MG_CPU_AVX2 | MG_CPU_FMA;
		char		fs[160];

		mg_blas_get_status(&st);
		CHECK(st.loaded == 1 && st.selfcheck == 0 && st.threads >= 1,
			  "status loaded %d selfcheck %d threads %d", st.loaded,
			  st.selfcheck, st.threads);
		CHECK(st.source != NULL && st.core[0] != '\0', "status core");
		if (getenv("OPENBLAS_CORETYPE") == NULL &&
			mg_blas_auto_coretype(mg_cpu_features()) != NULL)
			CHECK(strcasecmp(st.requested, st.core) == 0,
				  "auto asked for %s, OpenBLAS runs %s", st.requested, st.core);
		CHECK(mg_blas_load("Prescott") == 0, "second load keeps the first");
		mg_cpu_features_string(hsw | MG_CPU_AMD, fs, sizeof(fs));
		CHECK(strcmp(fs, "amd sse3 avx avx2 fma") == 0, "features %s", fs);
		mg_cpu_features_string(skx, fs, 8);
		CHECK(strcmp(fs, "sse3") == 0, "features truncated: %s", fs);

		CHECK(strcmp(mg_blas_auto_coretype(skx), "SkylakeX") == 0, "auto skx");
		CHECK(strcmp(mg_blas_auto_coretype(skx | MG_CPU_AMD), "SkylakeX") == 0,
			  "auto zen4");
		CHECK(strcmp(mg_blas_auto_coretype(skx & ~MG_CPU_AVX512VL), "Haswell") == 0,
			  "auto partial avx512");
		CHECK(strcmp(mg_blas_auto_coretype(hsw), "Haswell") == 0, "auto hsw");
		CHECK(strcmp(mg_blas_auto_coretype(hsw | MG_CPU_AMD), "Zen") == 0,
			  "auto zen");
		CHECK(strcmp(mg_blas_auto_coretype(MG_CPU_SSE3 | MG_CPU_AVX),
					 "Sandybridge") == 0, "auto snb");
		CHECK(mg_blas_auto_coretype(MG_CPU_SSE3) == NULL, "auto sse3");
		CHECK(mg_blas_auto_coretype(0) == NULL, "auto none");

		CHECK(mg_blas_coretype_valid("auto", 0, &canon) == 0 && canon == NULL,
			  "valid auto");
		CHECK(mg_blas_coretype_valid("NONE", 0, &canon) == 0 && canon == NULL,
			  "valid none");
		CHECK(mg_blas_coretype_valid(NULL, 0, &canon) == 0, "valid NULL");
		CHECK(mg_blas_coretype_valid("skylakex", skx, &canon) == 0 &&
			  strcmp(canon, "SkylakeX") == 0, "valid skx");
		CHECK(mg_blas_coretype_valid("SkylakeX", hsw, &canon) == -2,
			  "skx refused without avx512");
		CHECK(mg_blas_coretype_valid("Haswell", MG_CPU_SSE3 | MG_CPU_AVX2,
									 &canon) == -2, "haswell needs fma");
		CHECK(mg_blas_coretype_valid("Prescott", MG_CPU_SSE3, &canon) == 0,
			  "prescott");
		CHECK(mg_blas_coretype_valid("Pentium9", skx, &canon) == -1,
			  "unknown core type");
		CHECK(mg_blas_coretype_valid("", skx, &canon) == -1, "empty core type");
	}

	/* accuracy against libm */
	e = act_grid_err(mg_vsigmoid, ref_sigmoid, &wx);
	printf("  vsigmoid max rel err on [-20, 20]: %.3g (x = %g)\n", e, wx);
	CHECK(e < 1e-6, "sigmoid rel err %g at %g", e, wx);
	e = act_grid_err(mg_vtanh, tanh, &wx);
	printf("  vtanh    max rel err on [-20, 20]: %.3g (x = %g)\n", e, wx);
	CHECK(e < 1e-6, "tanh rel err %g at %g", e, wx);

	/* tiny, huge and non-finite inputs */
	{
		float		x[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-40f, 1e-6f,
							-3e-4f, 0.39999f, 0.4f, 0.40001f, 8.99f, 9.5f,
							30.0f, -30.0f, 87.5f, -87.5f, 88.7f, -88.7f,
							100.0f, -100.0f, 1e30f, -1e30f, FLT_MAX,
		-FLT_MAX, INFINITY, -INFINITY};
		int			n = (int) (sizeof(x) / sizeof(x[0]));
		float		ys[sizeof(x) / sizeof(x[0])];
		float		yt[sizeof(x) / sizeof(x[0])];
		int			i;

		mg_vsigmoid(ys, x, n);
		mg_vtanh(yt, x, n);
		for (i = 0; i < n; i++)
		{
			double		ts = ref_sigmoid(x[i]);
			double		tt = tanh(x[i]);

			CHECK(ys[i] >= 0.0f && ys[i] <= 1.0f, "sigmoid(%g) = %g", x[i], ys[i]);
			CHECK(yt[i] >= -1.0f && yt[i] <= 1.0f, "tanh(%g) = %g", x[i], yt[i]);
			CHECK(fabs(ys[i] - ts) <= 1e-7 * fabs(ts) + 2e-38,
				  "sigmoid(%g) = %.9g, libm %.9g", x[i], ys[i], ts);
			CHECK(fabs(yt[i] - tt) <= 1e-6 * fabs(tt) + 1e-45,
				  "tanh(%g) = %.9g, libm %.9g", x[i], yt[i], tt);
		}
		x[0] = NAN;
		mg_vsigmoid(ys, x, 1);
		mg_vtanh(yt, x, 1);
		CHECK(isnan(ys[0]) && isnan(yt[0]), "NaN propagates: %g %g", ys[0], yt[0]);
	}

	/* block tails and in-place use agree with single elements */
	{
		float		x[37],
					y[37],
					z[37],
					one;
		int			n,
					i,
					ok = 1;

		fill_u(&r, x, 37, 6.0);
		for (n = 1; n <= 37; n++)
		{
			memcpy(y, x, sizeof(x));
			mg_vtanh(y, y, n);
			mg_vsigmoid(z, x, n);
			for (i = 0; i < n; i++)
			{
				mg_vtanh(&one, &x[i], 1);
				ok &= (one == y[i]);
				mg_vsigmoid(&one, &x[i], 1);
				ok &= (one == z[i]);
			}
		}
		CHECK(ok, "tails / in place");
	}
	(void) maxd;
}

/* ---------------------------------------------------------------------
 * LSTM
 * --------------------------------------------------------------------- */

typedef struct lstm_case
{
	int			in,
				H,
				T,
				B;
	mg_lstm_ws *ws;
	float	   *p,
			   *X,
			   *h0,
			   *c0,
			   *r,
			   *Y;
} lstm_case;

/* L = sum r * Hout for the current parameters and inputs */
static double
lstm_loss(lstm_case *c)
{
	mg_lstm_forward(c->ws, c->p, c->T, c->B, c->X, c->h0, c->c0, c->Y);
	return dot_d(c->r, c->Y, (size_t) c->T * c->B * c->H);
}

/*
 * Central-difference check of the n entries of v (a block of the case's
 * parameters or inputs) against ana; every stride-th entry.  Returns the
 * max error.
 */
static double
lstm_gc_block(lstm_case *c, float *v, const float *ana, size_t n, size_t stride)
{
	double		maxe = 0.0;
	size_t		i;

	for (i = 0; i < n; i += stride)
	{
		float		v0 = v[i];
		float		vp = (float) (v0 + GC_EPS);
		float		vm = (float) (v0 - GC_EPS);
		double		lp,
					lm,
					num,
					e;

		v[i] = vp;
		lp = lstm_loss(c);
		v[i] = vm;
		lm = lstm_loss(c);
		v[i] = v0;
		num = (lp - lm) / ((double) vp - (double) vm);
		e = gc_err(ana[i], num);
		if (!(e <= maxe))
			maxe = (e == e) ? e : INFINITY;
	}
	return maxe;
}

/* Allocate a case's buffers and fill them from seed (the workspace is the
 * caller's). */
static void
lstm_case_init(lstm_case *c, int in, int H, int T, int B, uint64_t seed)
{
	size_t		np = mg_lstm_nparams(in, H);
	size_t		nh = (size_t) B * H;
	mg_rng		r;

	c->in = in;
	c->H = H;
	c->T = T;
	c->B = B;
	c->ws = NULL;
	mg_rng_seed(&r, seed);
	c->p = fbuf(np);
	c->X = fbuf((size_t) T * B * in);
	c->h0 = fbuf(nh);
	c->c0 = fbuf(nh);
	c->r = fbuf((size_t) T * nh);
	c->Y = fbuf((size_t) T * nh);
	fill_u(&r, c->p, np, 0.6);
	fill_u(&r, c->X, (size_t) T * B * in, 1.0);
	fill_u(&r, c->h0, nh, 0.5);
	fill_u(&r, c->c0, nh, 1.0);
	fill_u(&r, c->r, (size_t) T * nh, 1.0);
}

/* Free what lstm_case_init allocated. */
static void
lstm_case_free(lstm_case *c)
{
	mg_free(&mg_alloc_std, c->p);
	mg_free(&mg_alloc_std, c->X);
	mg_free(&mg_alloc_std, c->h0);
	mg_free(&mg_alloc_std, c->c0);
	mg_free(&mg_alloc_std, c->r);
	mg_free(&mg_alloc_std, c->Y);
}

/* Forward with hand-set weights, H = in = 1, T = 2, against Python values. */
static void
lstm_hand_forward(void)
{
	float		p[12] = {0.5f, -0.3f, 0.2f, 0.7f, 0.1f, 0.4f, -0.6f, 0.3f,
	0.05f, -0.1f, 0.2f, 0.0f};
	float		X[2] = {1.0f, -2.0f};
	float		Hout[2];
	float		Y[2];
	float		np[12 + 2];
	mg_lstm_ws *ws = NULL;
	mg_net_ws  *nws = NULL;
	mg_net_spec spec = {1, 1, 1, 1, MG_ACT_TANH};

	CHECK(mg_lstm_nparams(1, 1) == 12, "nparams %zu", mg_lstm_nparams(1, 1));
	CHECK(mg_lstm_ws_create(&mg_alloc_std, 1, 1, 2, 1, &ws) == MG_OK, "ws");
	mg_lstm_forward(ws, p, 2, 1, X, NULL, NULL, Hout);
	/* h_t = sigmoid(o) tanh(c_t) evaluated in double by hand (Python) */
	CHECK_CLOSE(Hout[0], -0.15794798205601066, 1e-6, 1e-6, "h1");
	CHECK_CLOSE(Hout[1], -0.010976813704967281, 1e-6, 1e-6, "h2");
	mg_lstm_ws_destroy(&mg_alloc_std, ws);

	/* the same layer with a dense tanh output Wo = 1.5, bo = -0.2 */
	memcpy(np, p, sizeof(p));
	np[12] = 1.5f;
	np[13] = -0.2f;
	CHECK(mg_net_nparams(&spec) == 14, "net nparams");
	CHECK(mg_net_ws_create(&mg_alloc_std, &spec, 2, 1, &nws) == MG_OK, "net ws");
	mg_net_forward(&spec, np, nws, 2, 1, X, Y);
	CHECK_CLOSE(Y[0], -0.4110898264933837, 1e-6, 1e-6, "y1");
	CHECK_CLOSE(Y[1], -0.21314642634466388, 1e-6, 1e-6, "y2");
	mg_net_ws_destroy(&mg_alloc_std, nws);
}

/*
 * The fused, vectorised step (one sigmoid kernel for all gates, blocks
 * straddling gate boundaries, padded row tails) against a plain double
 * LSTM written from the equations, for H not a multiple of the block
 * (H = 21: 4H = 84 = 5 blocks + 4) and several rows, T = 7.
 */
static void
lstm_vs_double(void)
{
	enum
	{
		IN = 5, H = 21, T = 7, B = 3, G = 4 * H
	};
	static float p[(IN + H) * G + G];
	static float X[T * B * IN],
				Y[T * B * H];
	double		h[B][H],
				c[B][H],
				maxe = 0.0;
	mg_lstm_ws *ws = NULL;
	mg_rng		r;
	int			t,
				b,
				k,
				q;

	mg_rng_seed(&r, 99);
	for (q = 0; q < (int) (sizeof(p) / sizeof(p[0])); q++)
		p[q] = (float) (mg_rng_normal(&r) * 0.7);
	for (q = 0; q < T * B * IN; q++)
		X[q] = (float) (mg_rng_normal(&r) * 2.0);
	CHECK(mg_lstm_ws_create(&mg_alloc_std, IN, H, T, B, &ws) == MG_OK, "ws");
	mg_lstm_forward(ws, p, T, B, X, NULL, NULL, Y);
	memset(h, 0, sizeof(h));
	memset(c, 0, sizeof(c));
	for (t = 0; t < T; t++)
	{
		double		hn[B][H];

		for (b = 0; b < B; b++)
		{
			for (k = 0; k < H; k++)
			{
				double		z[4];
				int			gi;

				for (gi = 0; gi < 4; gi++)
				{
					int			col = gi * H + k;
					double		v = p[(IN + H) * G + col];

					for (q = 0; q < IN; q++)
						v += (double) X[(t * B + b) * IN + q] * p[q * G + col];
					for (q = 0; q < H; q++)
						v += h[b][q] * p[(IN + q) * G + col];
					z[gi] = v;
				}
				c[b][k] = c[b][k] / (1.0 + exp(-(z[2] + MG_FORGET_BIAS))) +
					tanh(z[1]) / (1.0 + exp(-z[0]));
				hn[b][k] = tanh(c[b][k]) / (1.0 + exp(-z[3]));
			}
		}
		for (b = 0; b < B; b++)
			for (k = 0; k < H; k++)
			{
				double		e = fabs(hn[b][k] - Y[(t * B + b) * H + k]);

				if (!(e <= maxe))
					maxe = e;
				h[b][k] = hn[b][k];
			}
	}
	printf("  fused LSTM step vs double reference: max |h diff| %.2g\n", maxe);
	CHECK(maxe < 2e-5, "fused LSTM step differs from the double reference: %g",
		  maxe);
	mg_lstm_ws_destroy(&mg_alloc_std, ws);
}

/* LSTM: hand forward, gradient checks, accumulation, workspace reuse */
/*
 * The batch cut into pieces (mg_par_pieces: B = 150 gives two pieces, of
 * 64 and 86 rows) on two threads: gradients against central differences,
 * and forward, backward and all gradients bit-identical to one thread.
 */
static void
lstm_pieces_gradcheck(void)
{
	lstm_case	c;
	size_t		np,
				nx,
				nh,
				nWx,
				nWh;
	float	   *dp,
			   *dX,
			   *dh0,
			   *dc0,
			   *dp1,
			   *dX1,
			   *Y1;
	double		eWx,
				eWh,
				eb,
				eX,
				eh0;

	lstm_case_init(&c, 3, 4, 3, 150, 43);
	np = mg_lstm_nparams(c.in, c.H);
	nx = (size_t) c.T * c.B * c.in;
	nh = (size_t) c.B * c.H;
	nWx = (size_t) c.in * 4 * c.H;
	nWh = (size_t) c.H * 4 * c.H;
	CHECK(mg_par_pieces(c.B) == 2, "pieces of 150 rows: %d", mg_par_pieces(c.B));
	dp = fbuf(np);
	dX = fbuf(nx);
	dh0 = fbuf(nh);
	dc0 = fbuf(nh);
	dp1 = fbuf(np);
	dX1 = fbuf(nx);
	Y1 = fbuf((size_t) c.T * nh);
	CHECK(mg_lstm_ws_create(&mg_alloc_std, c.in, c.H, c.T, c.B, &c.ws) == MG_OK,
		  "ws create");

	/* one thread */
	mg_par_set_threads(1);
	lstm_loss(&c);
	memcpy(Y1, c.Y, (size_t) c.T * nh * sizeof(float));
	mg_lstm_backward(c.ws, c.p, c.T, c.B, c.X, c.r, dp1, dX1, NULL, NULL);

	/* two threads */
	mg_par_set_threads(2);
	lstm_loss(&c);
	CHECK(memcmp(Y1, c.Y, (size_t) c.T * nh * sizeof(float)) == 0,
		  "pieces: forward differs between 1 and 2 threads");
	mg_lstm_backward(c.ws, c.p, c.T, c.B, c.X, c.r, dp, dX, dh0, dc0);
	CHECK(memcmp(dp1, dp, np * sizeof(float)) == 0 &&
		  memcmp(dX1, dX, nx * sizeof(float)) == 0,
		  "pieces: gradients differ between 1 and 2 threads");
	CHECK(mg_par_release() == 1, "one worker joined");

	eWx = lstm_gc_block(&c, c.p, dp, nWx, 1);
	eWh = lstm_gc_block(&c, c.p + nWx, dp + nWx, nWh, 1);
	eb = lstm_gc_block(&c, c.p + nWx + nWh, dp + nWx + nWh, 4 * c.H, 1);
	eX = lstm_gc_block(&c, c.X, dX, nx, 7);
	eh0 = lstm_gc_block(&c, c.h0, dh0, nh, 3);
	mg_par_release();
	mg_par_set_threads(1);
	printf("  lstm B=%d in pieces, 2 threads, grad check max rel err: Wx %.2g "
		   "Wh %.2g b %.2g X %.2g h0 %.2g\n", c.B, eWx, eWh, eb, eX, eh0);
	CHECK(eWx < GC_TOL && eWh < GC_TOL && eb < GC_TOL && eX < GC_TOL &&
		  eh0 < GC_TOL, "pieces grad check: Wx %g Wh %g b %g X %g h0 %g",
		  eWx, eWh, eb, eX, eh0);

	mg_lstm_ws_destroy(&mg_alloc_std, c.ws);
	lstm_case_free(&c);
	mg_free(&mg_alloc_std, dp);
	mg_free(&mg_alloc_std, dX);
	mg_free(&mg_alloc_std, dh0);
	mg_free(&mg_alloc_std, dc0);
	mg_free(&mg_alloc_std, dp1);
	mg_free(&mg_alloc_std, dX1);
	mg_free(&mg_alloc_std, Y1);
}

void
suite_lstm(void)
{
	lstm_case	c;
	size_t		np,
				nx,
				nh;
	float	   *dp,
			   *dp2,
			   *dX,
			   *dh0,
			   *dc0;
	double		eWx,
				eWh,
				eb,
				eX,
				eh0,
				ec0;
	int			i;

	lstm_hand_forward();
	lstm_vs_double();
	lstm_pieces_gradcheck();

	lstm_case_init(&c, 3, 4, 24, 2, 42);
	np = mg_lstm_nparams(c.in, c.H);
	nx = (size_t) c.T * c.B * c.in;
	nh = (size_t) c.B * c.H;
	dp = fbuf(np);
	dp2 = fbuf(np);
	dX = fbuf(nx);
	dh0 = fbuf(nh);
	dc0 = fbuf(nh);
	/* a larger workspace than needed: reuse for T < Tmax, B < Bmax */
	CHECK(mg_lstm_ws_create(&mg_alloc_std, c.in, c.H, c.T + 5, c.B + 3,
							&c.ws) == MG_OK, "ws create");

	lstm_loss(&c);
	mg_lstm_backward(c.ws, c.p, c.T, c.B, c.X, c.r, dp, dX, dh0, dc0);
	{
		size_t		nWx = (size_t) c.in * 4 * c.H;
		size_t		nWh = (size_t) c.H * 4 * c.H;

		eWx = lstm_gc_block(&c, c.p, dp, nWx, 1);
		eWh = lstm_gc_block(&c, c.p + nWx, dp + nWx, nWh, 1);
		eb = lstm_gc_block(&c, c.p + nWx + nWh, dp + nWx + nWh, 4 * c.H, 1);
	}
	eX = lstm_gc_block(&c, c.X, dX, nx, 1);
	eh0 = lstm_gc_block(&c, c.h0, dh0, nh, 1);
	ec0 = lstm_gc_block(&c, c.c0, dc0, nh, 1);
	printf("  lstm T=%d grad check max rel err: Wx %.2g Wh %.2g b %.2g "
		   "X %.2g h0 %.2g c0 %.2g\n", c.T, eWx, eWh, eb, eX, eh0, ec0);
	CHECK(eWx < GC_TOL, "dWx err %g", eWx);
	CHECK(eWh < GC_TOL, "dWh err %g", eWh);
	CHECK(eb < GC_TOL, "db err %g", eb);
	CHECK(eX < GC_TOL, "dX err %g", eX);
	CHECK(eh0 < GC_TOL, "dh0 err %g", eh0);
	CHECK(ec0 < GC_TOL, "dc0 err %g", ec0);

	/* the gradient reaches the first step through all 24 */
	CHECK(fabs(dX[0]) + fabs(dX[1]) + fabs(dX[2]) > 1e-3, "dX at t=0 %g",
		  dX[0]);

	/* parameter gradients accumulate; dX is overwritten */
	memcpy(dp2, dp, np * sizeof(float));
	lstm_loss(&c);
	mg_lstm_backward(c.ws, c.p, c.T, c.B, c.X, c.r, dp2, NULL, NULL, NULL);
	{
		int			ok = 1;

		for (i = 0; i < (int) np; i++)
			ok &= fabsf(dp2[i] - 2.0f * dp[i]) <= 1e-6f * (1.0f + fabsf(dp[i]));
		CHECK(ok, "dparams accumulate");
	}

	/* NULL initial state equals an explicit zero state */
	{
		float	   *Y0 = fbuf((size_t) c.T * nh);
		int			ok = 1;

		mg_lstm_forward(c.ws, c.p, c.T, c.B, c.X, NULL, NULL, Y0);
		memset(c.h0, 0, nh * sizeof(float));
		memset(c.c0, 0, nh * sizeof(float));
		lstm_loss(&c);
		for (i = 0; i < c.T * (int) nh; i++)
			ok &= fabsf(Y0[i] - c.Y[i]) <= 1e-6f;
		CHECK(ok, "NULL h0/c0 == zeros");

		/* an exactly-sized workspace gives the same output */
		{
			mg_lstm_ws *ws2 = NULL;

			CHECK(mg_lstm_ws_create(&mg_alloc_std, c.in, c.H, c.T, c.B, &ws2)
				  == MG_OK, "ws2");
			mg_lstm_forward(ws2, c.p, c.T, c.B, c.X, NULL, NULL, c.Y);
			ok = 1;
			for (i = 0; i < c.T * (int) nh; i++)
				ok &= fabsf(Y0[i] - c.Y[i]) <= 1e-6f;
			CHECK(ok, "workspace reuse");
			mg_lstm_ws_destroy(&mg_alloc_std, ws2);
		}
		/* sizes beyond the workspace: NaN, no overrun */
		{
			float	   *big = fbuf((size_t) (c.T + 6) * nh);

			mg_lstm_forward(c.ws, c.p, c.T + 6, c.B, c.X, NULL, NULL, big);
			CHECK(isnan(big[0]), "T > Tmax gives NaN");
			mg_free(&mg_alloc_std, big);
		}
		mg_free(&mg_alloc_std, Y0);
	}
	mg_lstm_ws_destroy(&mg_alloc_std, c.ws);
	CHECK(mg_lstm_ws_create(&mg_alloc_std, 0, 4, 3, 3, &c.ws) == MG_ERR_ARG &&
		  c.ws == NULL, "bad args");

	lstm_case_free(&c);
	mg_free(&mg_alloc_std, dp);
	mg_free(&mg_alloc_std, dp2);
	mg_free(&mg_alloc_std, dX);
	mg_free(&mg_alloc_std, dh0);
	mg_free(&mg_alloc_std, dc0);
}

/* ---------------------------------------------------------------------
 * Network
 * --------------------------------------------------------------------- */

typedef struct net_case
{
	mg_net_spec spec;
	int			T,
				B;
	mg_net_ws  *ws;
	float	   *p,
			   *X,
			   *r,
			   *Y;
} net_case;

/* L = sum r * Y */
static double
net_loss(net_case *c)
{
	mg_net_forward(&c->spec, c->p, c->ws, c->T, c->B, c->X, c->Y);
	return dot_d(c->r, c->Y, (size_t) c->T * c->B * c->spec.out);
}

/*
 * Central-difference check of v[0..n) against ana for the loss
 * scale * f(ctx); returns the max relative error.
 */
static double
fd_block(double (*f) (void *), void *ctx, double scale, float *v,
		 const float *ana, size_t n)
{
	double		maxe = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		float		v0 = v[i];
		float		vp = (float) (v0 + GC_EPS);
		float		vm = (float) (v0 - GC_EPS);
		double		lp,
					lm,
					e;

		v[i] = vp;
		lp = scale * f(ctx);
		v[i] = vm;
		lm = scale * f(ctx);
		v[i] = v0;
		e = gc_err(ana[i], (lp - lm) / ((double) vp - (double) vm));
		if (!(e <= maxe))
			maxe = (e == e) ? e : INFINITY;
	}
	return maxe;
}

static double
net_loss_cb(void *c)
{
	return net_loss((net_case *) c);
}

/* Central-difference check of v[0..n) against ana; returns the max error. */
static double
net_gc_block(net_case *c, float *v, const float *ana, size_t n)
{
	return fd_block(net_loss_cb, c, 1.0, v, ana, n);
}

/* Gradient check of a 2-layer net with the given output activation. */
static void
net_gradcheck(int act)
{
	net_case	c;
	mg_rng		r;
	size_t		np,
				nx,
				ny;
	float	   *dp,
			   *dX,
			   *dX2;
	double		ep,
				ex;
	int			i,
				ok = 1;

	c.spec.in = 3;
	c.spec.hidden = 4;
	c.spec.layers = 2;
	c.spec.out = 2;
	c.spec.out_act = act;
	c.T = 12;
	c.B = 2;
	np = mg_net_nparams(&c.spec);
	nx = (size_t) c.T * c.B * c.spec.in;
	ny = (size_t) c.T * c.B * c.spec.out;
	CHECK(np == (size_t) ((3 + 4) * 16 + 16 + (4 + 4) * 16 + 16 + 4 * 2 + 2),
		  "net nparams %zu", np);
	mg_rng_seed(&r, 100 + act);
	c.p = fbuf(np);
	c.X = fbuf(nx);
	c.r = fbuf(ny);
	c.Y = fbuf(ny);
	dp = fbuf(np);
	dX = fbuf(nx);
	dX2 = fbuf(nx);
	fill_u(&r, c.p, np, 0.6);
	fill_u(&r, c.X, nx, 1.0);
	fill_u(&r, c.r, ny, 1.0);
	CHECK(mg_net_ws_create(&mg_alloc_std, &c.spec, c.T, c.B + 1, &c.ws) == MG_OK,
		  "net ws");

	net_loss(&c);
	mg_net_backward(&c.spec, c.p, c.ws, c.T, c.B, c.X, c.r, dp, dX);
	ep = net_gc_block(&c, c.p, dp, np);
	ex = net_gc_block(&c, c.X, dX, nx);
	printf("  net %s grad check max rel err: params %.2g X %.2g\n",
		   act == MG_ACT_TANH ? "tanh" : "none", ep, ex);
	CHECK(ep < GC_TOL, "net act %d dparams err %g", act, ep);
	CHECK(ex < GC_TOL, "net act %d dX err %g", act, ex);

	/* input gradient without parameter gradient is the same */
	net_loss(&c);
	mg_net_backward(&c.spec, c.p, c.ws, c.T, c.B, c.X, c.r, NULL, dX2);
	for (i = 0; i < (int) nx; i++)
		ok &= (dX2[i] == dX[i]);
	CHECK(ok, "dX with dparams NULL");

	mg_net_ws_destroy(&mg_alloc_std, c.ws);
	mg_free(&mg_alloc_std, c.p);
	mg_free(&mg_alloc_std, c.X);
	mg_free(&mg_alloc_std, c.r);
	mg_free(&mg_alloc_std, c.Y);
	mg_free(&mg_alloc_std, dp);
	mg_free(&mg_alloc_std, dX);
	mg_free(&mg_alloc_std, dX2);
}

/*
 * The row-range passes (mg_net_forward_rows / mg_net_backward_rows, the
 * inversion's per-piece steps) against the whole-batch passes: every row's
 * output and input gradient agree, pieces cut anywhere.
 */
static void
net_rows_check(int act)
{
	mg_net_spec spec = {5, 7, 2, 3, MG_ACT_NONE};
	int			T = 6,
				B = 37;
	int			cuts[] = {0, 5, 21, 37};
	size_t		np,
				nx,
				ny,
				i;
	float	   *p,
			   *X,
			   *dY,
			   *Y1,
			   *Y2,
			   *dX1,
			   *dX2;
	mg_net_ws  *w1,
			   *w2;
	mg_rng		r;
	double		ey = 0.0,
				ex = 0.0;
	int			c;

	spec.out_act = act;
	np = mg_net_nparams(&spec);
	nx = (size_t) T * B * spec.in;
	ny = (size_t) T * B * spec.out;
	p = fbuf(np);
	X = fbuf(nx);
	dY = fbuf(ny);
	Y1 = fbuf(ny);
	Y2 = fbuf(ny);
	dX1 = fbuf(nx);
	dX2 = fbuf(nx);
	mg_rng_seed(&r, 300 + act);
	fill_u(&r, p, np, 0.6);
	fill_u(&r, X, nx, 1.0);
	fill_u(&r, dY, ny, 1.0);
	CHECK(mg_net_ws_create(&mg_alloc_std, &spec, T, B, &w1) == MG_OK &&
		  mg_net_ws_create(&mg_alloc_std, &spec, T, B, &w2) == MG_OK, "rows ws");
	mg_net_forward(&spec, p, w1, T, B, X, Y1);
	mg_net_backward(&spec, p, w1, T, B, X, dY, NULL, dX1);
	mg_net_prepare(&spec, p, w2);
	for (i = 0; i < ny; i++)
		Y2[i] = NAN;
	for (i = 0; i < nx; i++)
		dX2[i] = NAN;
	/* pieces in reverse order: no piece relies on another's rows */
	for (c = 2; c >= 0; c--)
		mg_net_forward_rows(&spec, p, w2, T, B, cuts[c], cuts[c + 1], X, Y2);
	for (c = 2; c >= 0; c--)
		mg_net_backward_rows(&spec, p, w2, T, B, cuts[c], cuts[c + 1], dY, dX2);
	for (i = 0; i < ny; i++)
	{
		double		e = fabs((double) Y1[i] - Y2[i]);

		if (!(e <= ey))
			ey = (e == e) ? e : INFINITY;
	}
	for (i = 0; i < nx; i++)
	{
		double		e = fabs((double) dX1[i] - dX2[i]) / (1e-3 + fabs((double) dX1[i]));

		if (!(e <= ex))
			ex = (e == e) ? e : INFINITY;
	}
	printf("  net %s rows in pieces vs whole batch: max |dY| %.2g, dX rel %.2g\n",
		   act == MG_ACT_TANH ? "tanh" : "none", ey, ex);
	CHECK(ey <= 1e-6, "rows forward differs by %g", ey);
	CHECK(ex <= 1e-5, "rows backward differs by %g", ex);

	/* a range outside the batch is refused: nothing is written */
	Y2[0] = -7.0f;
	mg_net_forward_rows(&spec, p, w2, T, B, 30, B + 1, X, Y2);
	mg_net_forward_rows(&spec, p, w2, T, B, 5, 5, X, Y2);
	CHECK(Y2[0] == -7.0f, "bad row range wrote output");

	mg_net_ws_destroy(&mg_alloc_std, w1);
	mg_net_ws_destroy(&mg_alloc_std, w2);
	mg_free(&mg_alloc_std, p);
	mg_free(&mg_alloc_std, X);
	mg_free(&mg_alloc_std, dY);
	mg_free(&mg_alloc_std, Y1);
	mg_free(&mg_alloc_std, Y2);
	mg_free(&mg_alloc_std, dX1);
	mg_free(&mg_alloc_std, dX2);
}

/* Initialisation: determinism, ranges and layout. */
static void
net_init_checks(void)
{
	mg_net_spec spec = {5, 6, 2, 3, MG_ACT_TANH};
	size_t		np = mg_net_nparams(&spec);
	size_t		n0 = mg_lstm_nparams(5, 6);
	size_t		n1 = mg_lstm_nparams(6, 6);
	float	   *a = fbuf(np);
	float	   *b = fbuf(np);
	mg_rng		r;
	double		lim0 = sqrt(6.0 / (5 + 6 + 24));
	double		lim1 = sqrt(6.0 / (6 + 6 + 24));
	double		limo = sqrt(6.0 / (6 + 3));
	size_t		i;
	int			ok;

	mg_rng_seed(&r, 2024);
	mg_net_init(&spec, a, &r, MG_INIT_REF, 1.0f);
	mg_rng_seed(&r, 2024);
	mg_net_init(&spec, b, &r, MG_INIT_REF, 1.0f);
	CHECK(memcmp(a, b, np * sizeof(float)) == 0, "same seed, same params");
	mg_rng_seed(&r, 2025);
	mg_net_init(&spec, b, &r, MG_INIT_REF, 1.0f);
	CHECK(memcmp(a, b, np * sizeof(float)) != 0, "other seed, other params");

	/* REF: Glorot LSTM weights, constant bias, truncated normal dense */
	ok = 1;
	for (i = 0; i < n0 - 24; i++)
		ok &= fabs(a[i]) <= lim0 && a[i] != 0.0f;
	for (i = n0 - 24; i < n0; i++)
		ok &= a[i] == 1.0f;
	for (i = n0; i < n0 + n1 - 24; i++)
		ok &= fabs(a[i]) <= lim1;
	for (i = n0 + n1 - 24; i < n0 + n1; i++)
		ok &= a[i] == 1.0f;
	for (i = n0 + n1; i < np; i++)
		ok &= fabs(a[i]) <= 2.0 && a[i] != 0.0f;
	CHECK(ok, "REF init ranges");
	{
		/* spread of the truncated normal (sd of N(0,1) cut at 2: 0.88) and
		 * of the Glorot uniform (limit / sqrt 3) over a bigger layer */
		mg_net_spec big = {40, 50, 1, 60, MG_ACT_TANH};
		size_t		nb = mg_net_nparams(&big);
		size_t		nl = mg_lstm_nparams(40, 50);
		float	   *p = fbuf(nb);
		double		s2 = 0.0,
					w2 = 0.0,
					gl = sqrt(6.0 / (40 + 50 + 200));

		mg_rng_seed(&r, 3);
		mg_net_init(&big, p, &r, MG_INIT_REF, 0.0f);
		for (i = nl; i < nb; i++)
			s2 += (double) p[i] * p[i];
		for (i = 0; i < nl - 200; i++)
			w2 += (double) p[i] * p[i];
		s2 = sqrt(s2 / (nb - nl));
		w2 = sqrt(w2 / (nl - 200));
		CHECK(fabs(s2 - 0.8796) < 0.03, "truncated normal sd %g", s2);
		CHECK(fabs(w2 - gl / sqrt(3.0)) < 0.02 * gl, "glorot sd %g", w2);
		mg_free(&mg_alloc_std, p);
	}

	/* GLOROT: Glorot dense weights, zero dense bias, given LSTM bias */
	mg_rng_seed(&r, 2024);
	mg_net_init(&spec, b, &r, MG_INIT_GLOROT, 0.0f);
	ok = 1;
	for (i = n0 - 24; i < n0; i++)
		ok &= b[i] == 0.0f;
	for (i = n0 + n1; i < np - 3; i++)
		ok &= fabs(b[i]) <= limo && b[i] != 0.0f;
	for (i = np - 3; i < np; i++)
		ok &= b[i] == 0.0f;
	CHECK(ok, "GLOROT init ranges");
	/* the LSTM part draws the same numbers under both kinds */
	CHECK(memcmp(a, b, (n0 - 24) * sizeof(float)) == 0, "LSTM init shared");

	mg_free(&mg_alloc_std, a);
	mg_free(&mg_alloc_std, b);
}

/* Network: init, gradient checks for both output activations */
/* Reconstruction through an encoder: loss, data and gradients. */
typedef struct recon_case
{
	mg_net_spec es,
				gs;
	int			T,
				B;
	mg_net_ws  *ews,
			   *gws;
	float	   *ep,
			   *gp,
			   *X,
			   *Z,
			   *Y,
			   *dY,
			   *dZ;
} recon_case;

static double
recon_loss(recon_case *c)
{
	return mg_recon_loss(&c->es, c->ep, c->ews, &c->gs, c->gp, c->gws, c->T,
						 c->B, c->X, c->Z, c->Y, NULL, NULL, 1.0f, NULL, NULL);
}

static double
recon_loss_cb(void *c)
{
	return recon_loss((recon_case *) c);
}

/* Central differences of 3 * recon_loss against ana (weight 3). */
static double
recon_gc_block(recon_case *c, float *v, const float *ana, size_t n)
{
	return fd_block(recon_loss_cb, c, 3.0, v, ana, n);
}

static void
recon_gradcheck(void)
{
	recon_case	c;
	mg_rng		r;
	size_t		ne,
				ng,
				nx,
				nz,
				i;
	float	   *de,
			   *dg,
			   *dg2;
	double		l,
				sum = 0.0,
				e1,
				e2;
	int			ok = 1;

	c.es.in = 3;
	c.es.hidden = 5;
	c.es.layers = 1;
	c.es.out = 2;
	c.es.out_act = MG_ACT_NONE;
	c.gs.in = 2;
	c.gs.hidden = 4;
	c.gs.layers = 2;
	c.gs.out = 3;
	c.gs.out_act = MG_ACT_TANH;
	c.T = 9;
	c.B = 3;
	ne = mg_net_nparams(&c.es);
	ng = mg_net_nparams(&c.gs);
	nx = (size_t) c.T * c.B * 3;
	nz = (size_t) c.T * c.B * 2;
	mg_rng_seed(&r, 77);
	c.ep = fbuf(ne);
	c.gp = fbuf(ng);
	c.X = fbuf(nx);
	c.Y = fbuf(nx);
	c.dY = fbuf(nx);
	c.Z = fbuf(nz);
	c.dZ = fbuf(nz);
	de = fbuf(ne);
	dg = fbuf(ng);
	dg2 = fbuf(ng);
	fill_u(&r, c.ep, ne, 0.6);
	fill_u(&r, c.gp, ng, 0.6);
	fill_u(&r, c.X, nx, 0.9);
	CHECK(mg_net_ws_create(&mg_alloc_std, &c.es, c.T, c.B, &c.ews) == MG_OK &&
		  mg_net_ws_create(&mg_alloc_std, &c.gs, c.T, c.B, &c.gws) == MG_OK,
		  "recon ws");

	/* the loss is the mean squared error of G(E(X)) */
	l = recon_loss(&c);
	for (i = 0; i < nx; i++)
		sum += ((double) c.Y[i] - c.X[i]) * ((double) c.Y[i] - c.X[i]);
	CHECK(fabs(l - sum / nx) < 1e-12 && l > 0, "recon loss is the MSE (%g)", l);

	/* gradients are added (not assigned), scaled by the weight */
	for (i = 0; i < ne; i++)
		de[i] = 0.0f;
	for (i = 0; i < ng; i++)
		dg[i] = 0.0f;
	mg_recon_loss(&c.es, c.ep, c.ews, &c.gs, c.gp, c.gws, c.T, c.B, c.X, c.Z,
				  c.Y, c.dY, c.dZ, 3.0f, de, dg);
	e1 = recon_gc_block(&c, c.ep, de, ne);
	e2 = recon_gc_block(&c, c.gp, dg, ng);
	printf("  recon grad check max rel err: encoder %.2g generator %.2g\n", e1, e2);
	CHECK(e1 < GC_TOL, "recon encoder grad err %g", e1);
	CHECK(e2 < GC_TOL, "recon generator grad err %g", e2);
	for (i = 0; i < ng; i++)
		dg2[i] = 1.0f;
	mg_recon_loss(&c.es, c.ep, c.ews, &c.gs, c.gp, c.gws, c.T, c.B, c.X, c.Z,
				  c.Y, c.dY, c.dZ, 3.0f, NULL, dg2);
	for (i = 0; i < ng; i++)
		ok &= fabsf(dg2[i] - 1.0f - dg[i]) <= 1e-6f * (1.0f + fabsf(dg[i]));
	CHECK(ok, "recon gradient accumulates into grad_g; grad_e may be NULL");

	mg_net_ws_destroy(&mg_alloc_std, c.ews);
	mg_net_ws_destroy(&mg_alloc_std, c.gws);
	mg_free(&mg_alloc_std, c.ep);
	mg_free(&mg_alloc_std, c.gp);
	mg_free(&mg_alloc_std, c.X);
	mg_free(&mg_alloc_std, c.Y);
	mg_free(&mg_alloc_std, c.dY);
	mg_free(&mg_alloc_std, c.Z);
	mg_free(&mg_alloc_std, c.dZ);
	mg_free(&mg_alloc_std, de);
	mg_free(&mg_alloc_std, dg);
	mg_free(&mg_alloc_std, dg2);
}

void
suite_net(void)
{
	mg_net_spec bad = {3, 4, 0, 1, MG_ACT_NONE};
	mg_net_ws  *ws = (mg_net_ws *) &bad;

	net_init_checks();
	net_gradcheck(MG_ACT_TANH);
	net_gradcheck(MG_ACT_NONE);
	net_rows_check(MG_ACT_TANH);
	net_rows_check(MG_ACT_NONE);
	recon_gradcheck();
	CHECK(mg_net_ws_create(&mg_alloc_std, &bad, 3, 3, &ws) == MG_ERR_ARG &&
		  ws == NULL, "bad spec");
}
