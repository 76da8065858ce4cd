/*-------------------------------------------------------------------------
 *
 * loss.c
 *	  Adversarial losses of the discriminator and the generator.
 *
 * Inputs are discriminator logits a, D = sigmoid(a).  The MIM loss of Lu
 * et al. (arXiv 2310.18257; ALGORITHM.md section 4) is
 *	  L(D, G) = E_x e^{1 - D(x)} + E_z e^{D(G(z))},
 * minimised by D and maximised by G (kind MIM: G minimises
 * -mean e^{D(G(z))}; kind MIM_NS: G minimises mean e^{1 - D(G(z))}, the
 * swapped-label form with the same fixed point).  BCE is the standard GAN
 * objective of Goodfellow et al. (2014) with the non-saturating G term, as
 * in MAD-GAN, written with softplus(x) = log(1 + e^x).
 *
 * Numerics (ALGORITHM.md section 10): exponentials act on probabilities
 * only, so they stay within [1, e]; D (1 - D) is computed as
 * sigmoid(a) sigmoid(-a) with a stable sigmoid; softplus uses
 * max(x, 0) + log1p(e^{-|x|}); means accumulate in double.  Real and fake
 * terms are averaged separately (n each) and the D loss is their sum.
 * Gradients written are dL/da per element, already divided by n; the
 * gradient pointers may be NULL to evaluate the loss only.
 *
 * src/core/loss.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "mimgan_core.h"

/* Logistic function without overflow for any finite a. */
static inline double
sigmoid(double a)
{
	if (a >= 0.0)
		return 1.0 / (1.0 + exp(-a));
	else
	{
		double		e = exp(a);

		return e / (1.0 + e);
	}
}

/* softplus(x) = log(1 + e^x), stable for large |x| */
static inline double
softplus(double x)
{
	return (x > 0.0 ? x : 0.0) + log1p(exp(-fabs(x)));
}

/* Discriminator loss (see mimgan_core.h); writes dL/da when g_* non-NULL. */
double
mg_loss_d(int kind, const float *a_real, const float *a_fake, size_t n,
		  float *g_real, float *g_fake)
{
	double		sr = 0.0,
				sf = 0.0;
	double		inv;
	size_t		i;

	if (n == 0)
		return 0.0;
	inv = 1.0 / (double) n;
	for (i = 0; i < n; i++)
	{
		double		ar = a_real[i];
		double		af = a_fake[i];
		double		lr,
					lf,
					gr,
					gf;

		if (kind == MG_LOSS_MIM || kind == MG_LOSS_MIM_NS)
		{
			double		dr = sigmoid(ar),
						dr1 = sigmoid(-ar);
			double		df = sigmoid(af),
						df1 = sigmoid(-af);

			/* d/da e^{1-D} = -e^{1-D} D (1-D);  d/da e^{D} = e^{D} D (1-D) */
			lr = exp(dr1);		/* 1 - D(x) == sigmoid(-a) */
			lf = exp(df);
			gr = -lr * dr * dr1;
			gf = lf * df * df1;
		}
		else if (kind == MG_LOSS_BCE)
		{
			/* -log D(x) = softplus(-a), -log(1 - D(G(z))) = softplus(a) */
			lr = softplus(-ar);
			lf = softplus(af);
			gr = -sigmoid(-ar);
			gf = sigmoid(af);
		}
		else
			return NAN;
		sr += lr;
		sf += lf;
		if (g_real)
			g_real[i] = (float) (gr * inv);
		if (g_fake)
			g_fake[i] = (float) (gf * inv);
	}
	return sr * inv + sf * inv;
}

/* Generator loss (see mimgan_core.h); writes dL/da when g_fake non-NULL. */
double
mg_loss_g(int kind, const float *a_fake, size_t n, float *g_fake)
{
	double		s = 0.0;
	double		inv;
	size_t		i;

	if (n == 0)
		return 0.0;
	if (kind != MG_LOSS_MIM && kind != MG_LOSS_MIM_NS && kind != MG_LOSS_BCE)
		return NAN;
	inv = 1.0 / (double) n;
	for (i = 0; i < n; i++)
	{
		double		a = a_fake[i];
		double		l,
					g;

		if (kind == MG_LOSS_MIM)
		{
			double		d = sigmoid(a),
						d1 = sigmoid(-a);
			double		e = exp(d);

			l = -e;
			g = -e * d * d1;
		}
		else if (kind == MG_LOSS_MIM_NS)
		{
			double		d = sigmoid(a),
						d1 = sigmoid(-a);
			double		e = exp(d1);

			l = e;
			g = -e * d * d1;
		}
		else
		{
			l = softplus(-a);
			g = -sigmoid(-a);
		}
		s += l;
		if (g_fake)
			g_fake[i] = (float) (g * inv);
	}
	return s * inv;
}
