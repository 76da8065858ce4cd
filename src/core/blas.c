/*-------------------------------------------------------------------------
 *
 * blas.c
 *	  The single BLAS entry point of the numerical core (row-major sgemm
 *	  over OpenBLAS with a plain-C fallback) and the vectorisable
 *	  elementwise sigmoid / tanh.
 *
 * mg_sgemm forwards to OpenBLAS's cblas_sgemm (loaded by blasload.c)
 * unless no OpenBLAS could be loaded or mg_blas_selfcheck found it
 * disagreeing with the reference, in which case the reference is used from
 * then on (written only by the self-check).
 * The reference accumulates every dot product in double.
 *
 * mg_vsigmoid and mg_vtanh work on fixed blocks of MG_VBLK floats with
 * branch-free loops of known trip count, so gcc vectorises them even at
 * -O2 (whose "very cheap" cost model refuses loops needing an epilogue);
 * the tail is padded into a local block.  No libm call is made per element.
 *
 * Error bounds (measured against double libm on a dense grid over
 * [-20, 20] by test/unit/test_nn.c, suite blas):
 *	  exp:      Cephes expf polynomial after Cody-Waite reduction,
 *	            relative error <= 2e-7.
 *	  sigmoid:  relative error < 5e-7 wherever the result is a normal float
 *	            (x >= -87); below, 1.6e-38 is returned instead of a tinier
 *	            value.  Results lie in [0, 1]; NaN only for NaN input.
 *	  tanh:     relative error < 5e-7 everywhere (x itself for |x| < 4e-4,
 *	            above that Eigen's rational minimax x P(x^2) / Q(x^2) with
 *	            |x| clamped at 7.905 where tanh rounds to 1; no exp).
 *	            Results lie in [-1, 1].  The LSTM step uses the same kernel
 *	            for its gates, sigmoid(x) = tanh(x / 2) / 2 + 1 / 2.
 *
 * src/core/blas.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mimgan_core.h"
#include "core_internal.h"
#include "vmath.h"

/* set by mg_blas_selfcheck when OpenBLAS disagrees with the reference */
static int	mg_blas_use_ref = 0;
/* -1: self-check not run; 0: passed; 1: failed */
static int	mg_blas_checked = -1;

/* Row-major C = alpha op(A) op(B) + beta C, through OpenBLAS. */
void
mg_sgemm(int transA, int transB, int M, int N, int K,
		 float alpha, const float *A, int lda,
		 const float *B, int ldb,
		 float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	if (!mg_blas_use_ref && K > 0)
	{
		/*
		 * OpenBLAS clears C for beta = 0 with a scalar loop before its
		 * kernel adds alpha op(A) op(B) to C; a memset and beta = 1 give
		 * the same bits in a fraction of the time.
		 */
		if (beta == 0.0f)
		{
			int			r;

			if (ldc == N)
				memset(C, 0, (size_t) M * N * sizeof(float));
			else
				for (r = 0; r < M; r++)
					memset(C + (size_t) r * ldc, 0, (size_t) N * sizeof(float));
			beta = 1.0f;
		}
		if (mg_blas_lib_sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb,
							  beta, C, ldc))
			return;
	}
	mg_sgemm_ref(transA, transB, M, N, K, alpha, A, lda, B, ldb,
				 beta, C, ldc);
}

#define MG_REF_CHUNK 256

/*
 * Plain-C reference sgemm, accumulating in double.  As in BLAS, C is not
 * read when beta == 0.  Works on chunks of up to MG_REF_CHUNK columns of C
 * with a double accumulator row so the inner loop runs along rows of B.
 */
void
mg_sgemm_ref(int transA, int transB, int M, int N, int K,
			 float alpha, const float *A, int lda,
			 const float *B, int ldb,
			 float beta, float *C, int ldc)
{
	double		acc[MG_REF_CHUNK];
	int			i,
				j0,
				j,
				p;

	if (M <= 0 || N <= 0)
		return;
	for (i = 0; i < M; i++)
	{
		float	   *crow = C + (size_t) i * ldc;

		for (j0 = 0; j0 < N; j0 += MG_REF_CHUNK)
		{
			int			nj = (N - j0 < MG_REF_CHUNK) ? N - j0 : MG_REF_CHUNK;

			for (j = 0; j < nj; j++)
				acc[j] = 0.0;
			for (p = 0; p < K; p++)
			{
				double		a = transA ? A[(size_t) p * lda + i]
					: A[(size_t) i * lda + p];

				if (!transB)
				{
					const float *brow = B + (size_t) p * ldb + j0;

					for (j = 0; j < nj; j++)
						acc[j] += a * brow[j];
				}
				else
				{
					for (j = 0; j < nj; j++)
						acc[j] += a * B[(size_t) (j0 + j) * ldb + p];
				}
			}
			for (j = 0; j < nj; j++)
			{
				double		v = alpha * acc[j];

				if (beta != 0.0f)
					v += (double) beta * crow[j0 + j];
				crow[j0 + j] = (float) v;
			}
		}
	}
}

#define SC_MAX 40

/* Deterministic pseudo-random fill in [-1, 1) for the self-check. */
static void
selfcheck_fill(float *x, int n, uint32_t *state)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		*state = *state * 1664525u + 1013904223u;
		x[i] = (float) ((*state >> 8) * (1.0 / 8388608.0)) - 1.0f;
	}
}

/*
 * Compare OpenBLAS with the reference on a few shapes, every transpose
 * combination, padded leading dimensions and beta 0 / non-zero.  Returns
 * 0 when they agree; otherwise switches mg_sgemm to the reference and
 * returns -1.
 */
int
mg_blas_selfcheck(void)
{
	static const int shapes[][3] = {
		{1, 1, 1}, {3, 5, 7}, {17, 9, 33}, {32, 32, 32}, {37, 1, 40},
		{1, 40, 23}, {40, 39, 5}
	};
	float		A[SC_MAX * (SC_MAX + 3)];
	float		Bm[SC_MAX * (SC_MAX + 3)];
	float		C1[SC_MAX * (SC_MAX + 3)];
	float		C2[SC_MAX * (SC_MAX + 3)];
	uint32_t	state = 12345u;
	int			s,
				tr,
				bi,
				i,
				j;
	int			bad = 0;

	if (mg_blas_use_ref)
		return -1;
	for (s = 0; s < (int) (sizeof(shapes) / sizeof(shapes[0])); s++)
	{
		int			M = shapes[s][0],
					N = shapes[s][1],
					K = shapes[s][2];

		for (tr = 0; tr < 4; tr++)
			for (bi = 0; bi < 2; bi++)
			{
				int			ta = tr & 1,
							tb = (tr >> 1) & 1;
				int			lda = (ta ? M : K) + 2;
				int			ldb = (tb ? K : N) + 1;
				int			ldc = N + 3;
				float		alpha = 0.75f;
				float		beta = bi ? -0.5f : 0.0f;

				selfcheck_fill(A, SC_MAX * (SC_MAX + 3), &state);
				selfcheck_fill(Bm, SC_MAX * (SC_MAX + 3), &state);
				selfcheck_fill(C1, SC_MAX * (SC_MAX + 3), &state);
				memcpy(C2, C1, sizeof(C1));
				mg_sgemm(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta, C1, ldc);
				mg_sgemm_ref(ta, tb, M, N, K, alpha, A, lda, Bm, ldb, beta,
							 C2, ldc);
				for (i = 0; i < M; i++)
					for (j = 0; j < ldc; j++)
					{
						float		x = C1[i * ldc + j],
									y = C2[i * ldc + j];

						/* |entries| <= 1, so |C| <= K + 1; float rounding
						 * of a K-term sum stays far below this */
						if (!(fabsf(x - y) <= 1e-5f * (K + 1)))
							bad = 1;
					}
			}
	}
	mg_blas_checked = bad;
	if (bad)
	{
		mg_blas_use_ref = 1;
		return -1;
	}
	return 0;
}

/* -1: mg_blas_selfcheck not run; 0: passed; 1: failed (reference in use) */
int
mg_blas_selfcheck_state(void)
{
	return mg_blas_checked;
}

/* ---------------------------------------------------------------------
 * Elementwise sigmoid and tanh (block kernels in vmath.h)
 * --------------------------------------------------------------------- */
/*
 * y[i] = block(x[i]) over whole blocks, the tail padded with zeros; in
 * place ok.  Inlined into each caller, so the block function is a constant.
 */
static inline void
map_blocks(float *y, const float *x, size_t n,
		   void (*block) (float *restrict, const float *restrict))
{
	float		xb[MG_VBLK];
	float		yb[MG_VBLK];
	size_t		i = 0;

	for (; i + MG_VBLK <= n; i += MG_VBLK)
	{
		memcpy(xb, x + i, sizeof(xb));
		block(yb, xb);
		memcpy(y + i, yb, sizeof(yb));
	}
	if (i < n)
	{
		memset(xb, 0, sizeof(xb));
		memcpy(xb, x + i, (n - i) * sizeof(float));
		block(yb, xb);
		memcpy(y + i, yb, (n - i) * sizeof(float));
	}
}

/* y[i] = sigmoid(x[i]); in place ok. */
MG_VEC_CLONES
void
mg_vsigmoid(float *y, const float *x, size_t n)
{
	map_blocks(y, x, n, sigmoid_block);
}

/* y[i] = tanh(x[i]); in place ok. */
MG_VEC_CLONES
void
mg_vtanh(float *y, const float *x, size_t n)
{
	map_blocks(y, x, n, tanh_rat_block);
}
