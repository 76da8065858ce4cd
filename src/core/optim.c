/*-------------------------------------------------------------------------
 *
 * optim.c
 *	  Adam / AdamW with optional global-norm gradient clipping.
 *
 * Adam: Kingma and Ba, "Adam: a method for stochastic optimization"
 * (ICLR 2015), Algorithm 1 with bias-corrected moments:
 *	  m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
 *	  theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * Decoupled weight decay is applied to theta before the Adam update:
 *	  MG_WD_ADAMW  theta <- theta (1 - lr wd)   (Loshchilov and Hutter,
 *	               ICLR 2019, as in PyTorch's AdamW)
 *	  MG_WD_TF     theta <- theta (1 - wd)      (tf.contrib.opt AdamW of the
 *	               reference code: the decay is not multiplied by lr)
 * Clipping (Pascanu et al., ICML 2013): when clip > 0 and the global L2
 * norm of the gradient exceeds clip, the gradient is scaled in place by
 * clip / norm.  The norm is accumulated in double.
 *
 * src/core/optim.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "mimgan_core.h"

/* Set up an optimiser over n parameters with zeroed moment estimates. */
mg_status
mg_adam_init(mg_adam *opt, const mg_alloc *a, size_t n,
			 float lr, float beta1, float beta2, float eps,
			 float wd, int wd_mode, float clip)
{
	opt->n = n;
	opt->lr = lr;
	opt->beta1 = beta1;
	opt->beta2 = beta2;
	opt->eps = eps;
	opt->wd = wd;
	opt->wd_mode = wd_mode;
	opt->clip = clip;
	opt->t = 0;
	opt->m = mg_calloc(a, n, sizeof(float));
	opt->v = mg_calloc(a, n, sizeof(float));
	if (opt->m == NULL || opt->v == NULL)
	{
		mg_adam_free(opt, a);
		return MG_ERR_NOMEM;
	}
	return MG_OK;
}

/* Release the moment buffers (safe to call twice). */
void
mg_adam_free(mg_adam *opt, const mg_alloc *a)
{
	mg_free(a, opt->m);
	mg_free(a, opt->v);
	opt->m = NULL;
	opt->v = NULL;
}

/* L2 norm of x, accumulated in double. */
double
mg_l2norm(const float *x, size_t n)
{
	double		s = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
		s += (double) x[i] * x[i];
	return sqrt(s);
}

/* 1 if every element of x is finite, else 0. */
int
mg_all_finite(const float *x, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

/* One Adam step (decay, clipping, update); returns the pre-clip gradient norm. */
double
mg_adam_step(mg_adam *opt, float *params, float *grad)
{
	size_t		n = opt->n;
	size_t		i;
	double		norm = mg_l2norm(grad, n);
	float		b1 = opt->beta1,
				b2 = opt->beta2;
	float		lr = opt->lr,
				eps = opt->eps;
	float		inv_bc1,
				inv_bc2,
				decay = 1.0f;
	float	   *m = opt->m,
			   *v = opt->v;

	if (opt->clip > 0.0f && isfinite(norm) && norm > opt->clip)
	{
		float		s = (float) (opt->clip / norm);

		for (i = 0; i < n; i++)
			grad[i] *= s;
	}

	opt->t++;
	inv_bc1 = (float) (1.0 / (1.0 - pow((double) b1, (double) opt->t)));
	inv_bc2 = (float) (1.0 / (1.0 - pow((double) b2, (double) opt->t)));
	if (opt->wd_mode == MG_WD_ADAMW)
		decay = (float) (1.0 - (double) lr * opt->wd);
	else if (opt->wd_mode == MG_WD_TF)
		decay = (float) (1.0 - (double) opt->wd);

	for (i = 0; i < n; i++)
	{
		float		g = grad[i];
		float		p = params[i];
		float		mh,
					vh;

		if (decay != 1.0f)
			p *= decay;
		m[i] = b1 * m[i] + (1.0f - b1) * g;
		v[i] = b2 * v[i] + (1.0f - b2) * g * g;
		mh = m[i] * inv_bc1;
		vh = v[i] * inv_bc2;
		params[i] = p - lr * mh / (sqrtf(vh) + eps);
	}
	return norm;
}
