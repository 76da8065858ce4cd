/*-------------------------------------------------------------------------
 *
 * recon.c
 *	  Reconstruction through an encoder: Z = E(X), Y = G(Z).
 *
 * Beyond the paper (ALGORITHM.md section 11, "encoder-based inversion"):
 * with the option encoder, an LSTM encoder E is trained together with G
 * so that G(E(x)) reconstructs x.  G then keeps its adversarial loss and
 * adds rec_weight times this reconstruction loss, which ties G to the
 * data (the paper's G collapses, ANCHOR_PYTORCH.md), and scoring starts
 * the latent inversion from E(x) instead of noise.
 *
 *	  loss = mean over the T * B * k elements of (G(E(X)) - X)^2
 *
 * summed in double.
 *
 * src/core/recon.c
 *
 *-------------------------------------------------------------------------
 */
#include "mimgan_core.h"

/*
 * Forward Z = E(X), Y = G(Z) and return the loss.  When grad_e or grad_g
 * is non-NULL, add weight times the loss gradient to it (dY and dZ are
 * scratch buffers of Y's and Z's size, needed only then).
 */
double
mg_recon_loss(const mg_net_spec *es, const float *ep, mg_net_ws *ews,
			  const mg_net_spec *gs, const float *gp, mg_net_ws *gws,
			  int T, int B, const float *X, float *Z, float *Y,
			  float *dY, float *dZ, float weight,
			  float *grad_e, float *grad_g)
{
	size_t		n = (size_t) T * B * gs->out;
	size_t		i;
	double		sum = 0.0;
	float		c;

	mg_net_forward(es, ep, ews, T, B, X, Z);
	mg_net_forward(gs, gp, gws, T, B, Z, Y);
	for (i = 0; i < n; i++)
	{
		double		r = (double) Y[i] - X[i];

		sum += r * r;
	}
	if (grad_e == NULL && grad_g == NULL)
		return sum / (double) n;

	c = (float) (2.0 * weight / (double) n);
	for (i = 0; i < n; i++)
		dY[i] = c * (Y[i] - X[i]);
	mg_net_backward(gs, gp, gws, T, B, Z, dY, grad_g, dZ);
	if (grad_e)
		mg_net_backward(es, ep, ews, T, B, X, dZ, grad_e, NULL);
	return sum / (double) n;
}
