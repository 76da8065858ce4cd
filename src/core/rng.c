/*-------------------------------------------------------------------------
 *
 * rng.c
 *	  Seeded pseudo-random numbers with explicit state.
 *
 * Generator: xoshiro256** 1.0 (Blackman and Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021), its 256-bit state filled
 * from the 64-bit seed by splitmix64 (Steele, Lea and Flood, OOPSLA 2014),
 * as the xoshiro authors recommend.  Uniform doubles take the top 53 bits;
 * normals use the polar Box-Muller method (Marsaglia and Bray 1964) keeping
 * the second value as a spare; bounded integers use rejection sampling so
 * the Fisher-Yates shuffle (Knuth TAOCP vol. 2, Algorithm 3.4.2P) is
 * unbiased.  Only integer arithmetic and IEEE basic operations plus sqrt
 * and log are used, so a seed reproduces the same stream on every
 * platform with a correctly rounded libm.
 *
 * src/core/rng.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "mimgan_core.h"

/* 64-bit left rotation */
static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* splitmix64 step: advances *state and returns the next output */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Seed the generator: state words are four splitmix64 outputs. */
void
mg_rng_seed(mg_rng *r, uint64_t seed)
{
	uint64_t	sm = seed;
	int			i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&sm);
	r->has_spare = 0;
	r->spare = 0.0;
}

/* Next 64-bit output of xoshiro256** */
uint64_t
mg_rng_next(mg_rng *r)
{
	uint64_t   *s = r->s;
	uint64_t	result = rotl(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform double in [0, 1) from the top 53 bits of one output. */
double
mg_rng_uniform(mg_rng *r)
{
	return (double) (mg_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Standard normal by the polar Box-Muller method; the pair's second value is kept. */
double
mg_rng_normal(mg_rng *r)
{
	double		u,
				v,
				s,
				f;

	if (r->has_spare)
	{
		r->has_spare = 0;
		return r->spare;
	}
	do
	{
		u = 2.0 * mg_rng_uniform(r) - 1.0;
		v = 2.0 * mg_rng_uniform(r) - 1.0;
		s = u * u + v * v;
	} while (s >= 1.0 || s == 0.0);
	f = sqrt(-2.0 * log(s) / s);
	r->spare = v * f;
	r->has_spare = 1;
	return u * f;
}

/* Fill x[0..n) with N(0, stddev^2) samples. */
void
mg_rng_fill_normal(mg_rng *r, float *x, size_t n, float stddev)
{
	size_t		i;

	for (i = 0; i < n; i++)
		x[i] = (float) (stddev * mg_rng_normal(r));
}

/* Unbiased integer in [0, n), n >= 1, by rejecting the short last bucket. */
static uint64_t
rng_bounded(mg_rng *r, uint64_t n)
{
	uint64_t	threshold = (0 - n) % n;	/* 2^64 mod n */
	uint64_t	x;

	do
	{
		x = mg_rng_next(r);
	} while (x < threshold);
	return x % n;
}

/* Fisher-Yates shuffle of idx[0..n). */
void
mg_rng_shuffle(mg_rng *r, int64_t *idx, int64_t n)
{
	int64_t		i;

	for (i = n - 1; i > 0; i--)
	{
		int64_t		j = (int64_t) rng_bounded(r, (uint64_t) i + 1);
		int64_t		tmp = idx[i];

		idx[i] = idx[j];
		idx[j] = tmp;
	}
}
