/*-------------------------------------------------------------------------
 *
 * vmath.h
 *	  Branch-free block kernels for exp, sigmoid and tanh, shared by the
 *	  elementwise functions of blas.c and the fused LSTM steps of lstm.c.
 *
 * Each kernel works on a fixed block of MG_VBLK floats with loops of known
 * trip count, so gcc vectorises them even at -O2; callers pad tails.
 * Functions marked MG_VEC_CLONES are compiled three times on x86-64 with
 * gcc, for x86-64-v4 (AVX-512: one block is one register), x86-64-v3
 * (AVX2 + FMA) and the baseline, and the loader picks the best one this
 * CPU runs (an ifunc); elsewhere they are plain functions.  The clones do
 * the same IEEE operations in the same order (bench_core sqlmatch gives
 * the same bits with the v3 and v4 clones on an AVX-512 CPU).
 * The error bounds are stated in blas.c.
 *
 * src/core/vmath.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIMGAN_VMATH_H
#define MIMGAN_VMATH_H

#include <math.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
	defined(__linux__)
#define MG_VEC_CLONES \
	__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define MG_VEC_CLONES
#endif

#define MG_VBLK 16

/*
 * The block kernels must be inlined into their (cloned) callers: an
 * outlined copy would be compiled for the baseline ISA only.
 */
#if defined(__GNUC__)
#define MG_VINLINE static inline __attribute__((always_inline))
#else
#define MG_VINLINE static inline
#endif

typedef union vblk
{
	float		f[MG_VBLK];
	int32_t		i[MG_VBLK];
} vblk;

/*
 * e[k] = exp(x[k]) for one block, x[k] in [-87, 0] (callers clamp).
 * Cephes expf: n = round(x / ln 2) by the 1.5 * 2^23 trick, Cody-Waite
 * reduction r = x - n ln 2, |r| <= ln 2 / 2, degree-5 polynomial for
 * (exp(r) - 1 - r) / r^2, then scaling by 2^n built in the exponent bits.
 * NaN input gives NaN.
 */
MG_VINLINE void
exp_block(float *restrict e, const float *restrict x)
{
	vblk		n;
	float		p[MG_VBLK];
	int			k;

	for (k = 0; k < MG_VBLK; k++)
	{
		float		t = x[k] * 1.44269504088896341f + 12582912.0f;

		n.f[k] = t - 12582912.0f;
	}
	for (k = 0; k < MG_VBLK; k++)
	{
		float		r = x[k] - n.f[k] * 0.693359375f;
		float		q;

		r = r + n.f[k] * 2.12194440e-4f;
		q = 1.9875691500e-4f;
		q = q * r + 1.3981999507e-3f;
		q = q * r + 8.3334519073e-3f;
		q = q * r + 4.1665795894e-2f;
		q = q * r + 1.6666665459e-1f;
		q = q * r + 5.0000001201e-1f;
		p[k] = q * (r * r) + r + 1.0f;
	}
	for (k = 0; k < MG_VBLK; k++)
		n.i[k] = ((int32_t) n.f[k] + 127) << 23;
	for (k = 0; k < MG_VBLK; k++)
		e[k] = p[k] * n.f[k];
}

/* Sigmoid of one block; in and out may not alias. */
MG_VINLINE void
sigmoid_block(float *restrict y, const float *restrict x)
{
	float		z[MG_VBLK];
	float		e[MG_VBLK];
	int			k;

	/* z = -min(|x|, 87); NaN stays NaN */
	for (k = 0; k < MG_VBLK; k++)
	{
		float		a = fabsf(x[k]);

		z[k] = -(a > 87.0f ? 87.0f : a);
	}
	exp_block(e, z);
	/*
	 * e = exp(-|x|) in (0, 1]: 1 / (1 + e) for x >= 0, e / (1 + e) below.
	 * Selecting between a constant and e keeps the loop free of
	 * conditional arithmetic, which gcc would not if-convert.
	 */
	for (k = 0; k < MG_VBLK; k++)
	{
		float		num = x[k] >= 0.0f ? 1.0f : e[k];

		y[k] = num / (1.0f + e[k]);
	}
}

/*
 * tanh of one block by a rational function: x clamped to +-7.90531110763549805
 * (where tanh rounds to +-1), then x P(x^2) / Q(x^2) with the degree-13/6
 * minimax coefficients of Eigen's fast tanh, and x itself below 4e-4
 * (where tanh(x) rounds to x).  One division and ten multiply-adds per
 * element, no exp; in and out may not alias.
 */
MG_VINLINE void
tanh_rat_block(float *restrict y, const float *restrict x)
{
	float		a[MG_VBLK];
	float		v[MG_VBLK];
	int			k;

	/* two clamps in separate loops: straight-line code gcc vectorises */
	for (k = 0; k < MG_VBLK; k++)
		a[k] = x[k] > 7.90531110763549805f ? 7.90531110763549805f : x[k];
	for (k = 0; k < MG_VBLK; k++)
		v[k] = a[k] < -7.90531110763549805f ? -7.90531110763549805f : a[k];
	for (k = 0; k < MG_VBLK; k++)
	{
		float		v2 = v[k] * v[k];
		float		p,
					q;

		p = -2.76076847742355e-16f;
		p = p * v2 + 2.00018790482477e-13f;
		p = p * v2 - 8.60467152213735e-11f;
		p = p * v2 + 5.12229709037114e-08f;
		p = p * v2 + 1.48572235717979e-05f;
		p = p * v2 + 6.37261928875436e-04f;
		p = p * v2 + 4.89352455891786e-03f;
		q = 1.19825839466702e-06f;
		q = q * v2 + 1.18534705686654e-04f;
		q = q * v2 + 2.26843463243900e-03f;
		q = q * v2 + 4.89352518554385e-03f;
		a[k] = (p * v[k]) / q;
	}
	/* tanh(x) = x in float below 4e-4 (also keeps subnormals exact) */
	for (k = 0; k < MG_VBLK; k++)
		y[k] = fabsf(v[k]) < 4e-4f ? v[k] : a[k];
}

#endif
