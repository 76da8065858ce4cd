/*-------------------------------------------------------------------------
 *
 * vmath.h
 *	  Branch-free block kernels for exp, sigmoid and tanh, shared by the
 *	  elementwise functions of blas.c and the fused LSTM steps of lstm.c.
 *
 * Each kernel works on a fixed block of MG_VBLK floats with loops of known
 * trip count, so gcc vectorises them even at -O2; callers pad tails.
 * Functions marked MG_VEC_CLONES are compiled twice on x86-64 with gcc, for
 * x86-64-v3 (AVX2 + FMA) and for the baseline, and the loader picks the
 * one this CPU runs (an ifunc); elsewhere they are plain functions.
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
#define MG_VEC_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define MG_VEC_CLONES
#endif

#define MG_VBLK 16

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
static inline void
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
static inline void
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

/* tanh of one block; in and out may not alias. */
static inline void
tanh_block(float *restrict y, const float *restrict x)
{
	float		a[MG_VBLK];
	float		z[MG_VBLK];
	float		e[MG_VBLK];
	float		sm[MG_VBLK];
	float		bg[MG_VBLK];
	int			k;

	for (k = 0; k < MG_VBLK; k++)
	{
		float		v = fabsf(x[k]);

		a[k] = v > 9.0f ? 9.0f : v;
	}
	for (k = 0; k < MG_VBLK; k++)
		z[k] = -2.0f * a[k];
	exp_block(e, z);

	/*
	 * Both branches are computed into arrays and then selected, so every
	 * loop is straight-line code gcc can vectorise.
	 */
	for (k = 0; k < MG_VBLK; k++)
	{
		float		v = a[k];
		float		v2 = v * v;
		float		q;

		/* Taylor series of tanh to x^13; next term < 4e-9 relative at 0.4 */
		q = 21844.0f / 6081075.0f;
		q = q * v2 - 1382.0f / 155925.0f;
		q = q * v2 + 62.0f / 2835.0f;
		q = q * v2 - 17.0f / 315.0f;
		q = q * v2 + 2.0f / 15.0f;
		q = q * v2 - 1.0f / 3.0f;
		sm[k] = v + v * v2 * q;
	}
	/* tanh(a) = (1 - e) / (1 + e), e = exp(-2a) <= 0.45 for a >= 0.4 */
	for (k = 0; k < MG_VBLK; k++)
		bg[k] = (1.0f - e[k]) / (1.0f + e[k]);
	for (k = 0; k < MG_VBLK; k++)
	{
		float		r = a[k] < 0.4f ? sm[k] : bg[k];
		float		sg = x[k] < 0.0f ? -1.0f : 1.0f;

		y[k] = sg * r;
	}
}

#endif
