/*-------------------------------------------------------------------------
 *
 * invert.c
 *	  Latent inversion of the generator and per-window scoring.
 *
 * For each window x (L x k) we look for Z* = argmin_Z ||G(Z) - x||_F^2
 * (ALGORITHM.md section 9, row 12: the same minimiser as the reference
 * code's RBF loss, without its underflow).  Windows are inverted together
 * in batches: one G forward and one G backward (w.r.t. Z only) per
 * iteration for the whole batch.  A window stops moving once
 * E = 1 - exp(-d / (2 sigma_x^2)) < tol, where sigma_x is the median
 * distance between the window's rows (mmd.py of the reference code),
 * floored at MG_SIGMA_FLOOR.
 *
 * Warm start (section 11): window w starts from the latent of window w-1
 * shifted by the row offset when the two overlap.  To keep batches large,
 * windows are dealt round-robin: round r holds windows r, r + R, r + 2R ...
 * so each window's predecessor was solved in the previous round.
 *
 * With an encoder (cfg.encoder, score option use_encoder) the initial Z is
 * E(x), one forward pass, and warm start is not used.
 *
 * Every window draws its initial Z from its own stream seeded by
 * (seed, window index), so a window's score does not depend on which
 * other windows share its batch.
 *
 * src/core/invert.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "core_internal.h"

#define MG_SIGMA_FLOOR 1e-2
#define MG_SCORE_BATCH_DEFAULT 256

/* Buffers of one scoring call. */
typedef struct inv_state
{
	const mg_alloc *a;
	int			L;
	int			k;
	int			dz;
	int			Bt;
	int			prevB;			/* batch size of the round in Zprev */
	mg_net_ws  *gws;
	mg_net_ws  *dws;
	mg_net_ws  *ews;			/* encoder, when used */
	float	   *rowbuf;			/* [m] one step's column residuals */
	float	   *X;				/* [L][Bt][k] */
	float	   *Y;				/* [L][Bt][k] */
	float	   *dY;				/* [L][Bt][k] */
	float	   *Z;				/* [L][Bt][dz] */
	float	   *Zprev;			/* [L][Bt][dz] */
	float	   *dZ;				/* [L][Bt][dz] */
	float	   *s1;				/* optimiser state [L][Bt][dz] */
	float	   *s2;
	float	   *logit;			/* [L][Bt] */
	double	   *sigma2;			/* [Bt] */
	double	   *dist;			/* [Bt] */
	int		   *done;			/* [Bt] */
	int64_t    *prev_w;			/* [Bt] */
	int64_t    *win;			/* [Bt] */
	double	   *rowd;			/* [L(L-1)/2]: distances between rows */
} inv_state;

/* Defaults for scoring from the model's configuration. */
void
mg_score_opts_from_model(const mg_model *model, mg_score_opts *o)
{
	const mg_config *c = &model->cfg;

	/* a stride beyond the window would leave rows without a window */
	o->step = c->score_step < c->seq_len ? c->score_step : c->seq_len;
	o->invert_iters = c->invert_iters;
	o->invert_lr = c->invert_lr;
	o->invert_tol = c->invert_tol;
	o->invert_optim = c->invert_optim;
	o->warm_start = c->warm_start;
	o->lambda = c->lambda;
	o->batch = MG_SCORE_BATCH_DEFAULT;
	o->seed = c->seed ^ UINT64_C(0x5C0BE5C0BE5C0BE5);
	o->use_encoder = model->e_params != NULL;
	o->smooth = c->smooth;
	o->attribution = c->attribution;
}

/*
 * The k-th smallest of v[0..n) (0-based), by Wirth's selection: on return
 * v is partitioned around position k (v[i] <= v[k] for i < k, v[i] >=
 * v[k] for i > k).  No NaN in v.
 */
static double
select_kth(double *v, long n, long k)
{
	long		l = 0,
				m = n - 1;

	while (l < m)
	{
		double		x = v[k];
		long		i = l,
					j = m;

		do
		{
			while (v[i] < x)
				i++;
			while (x < v[j])
				j--;
			if (i <= j)
			{
				double		tmp = v[i];

				v[i] = v[j];
				v[j] = tmp;
				i++;
				j--;
			}
		} while (i <= j);
		if (j < k)
			l = i;
		if (k < i)
			m = j;
	}
	return v[k];
}

/*
 * The median of the L*L entries of a symmetric matrix with a zero
 * diagonal, given its L(L-1)/2 entries above the diagonal in d (reordered
 * in place; entries >= 0).  Sorted, the L*L entries are the L zeros of
 * the diagonal followed by each d twice (an off-diagonal zero equals a
 * diagonal one), so entry p >= L of the sorted matrix is the
 * ((p - L) / 2)-th smallest of d: the same value a full sort of the L*L
 * entries gives, from a selection over half as many.
 */
double
mg_sym_median(double *d, int L)
{
	long		n = (long) L * L;
	long		m = (long) L * (L - 1) / 2;
	long		p1 = (n % 2) ? n / 2 : n / 2 - 1;
	long		p2 = n / 2;
	double		a,
				b;
	long		i;

	if (p2 < L)
		return 0.0;				/* both middle entries on the diagonal */
	b = select_kth(d, m, (p2 - L) / 2);
	if (p1 == p2)
		return b;
	if (p1 < L)
		a = 0.0;
	else if ((p1 - L) / 2 == (p2 - L) / 2)
		a = b;
	else
	{
		/* the next smaller: the largest left of the selected position */
		long		q = (p2 - L) / 2;

		a = d[0];
		for (i = 1; i < q; i++)
			if (d[i] > a)
				a = d[i];
	}
	return 0.5 * (a + b);
}

/*
 * sigma_x^2 of window slot i: squared median of the L*L distances between
 * rows, zero diagonal included (mmd.py:203-233), floored.
 */
static double
window_sigma2(inv_state *s, int B, int i)
{
	int			L = s->L;
	int			k = s->k;
	int			t,
				u,
				j;
	long		q = 0;
	double		med;

	for (t = 0; t < L; t++)
		for (u = t + 1; u < L; u++)
		{
			const float *a = s->X + ((size_t) t * B + i) * k;
			const float *b = s->X + ((size_t) u * B + i) * k;
			double		d = 0.0;

			for (j = 0; j < k; j++)
				d += ((double) a[j] - b[j]) * ((double) a[j] - b[j]);
			s->rowd[q++] = sqrt(d);
		}
	med = mg_sym_median(s->rowd, L);
	if (med < MG_SIGMA_FLOOR)
		med = MG_SIGMA_FLOOR;
	return med * med;
}

/* Release all buffers. */
static void
inv_free(inv_state *s)
{
	const mg_alloc *a = s->a;

	mg_net_ws_destroy(a, s->gws);
	mg_net_ws_destroy(a, s->dws);
	mg_net_ws_destroy(a, s->ews);
	mg_free(a, s->rowbuf);
	mg_free(a, s->X);
	mg_free(a, s->Y);
	mg_free(a, s->dY);
	mg_free(a, s->Z);
	mg_free(a, s->Zprev);
	mg_free(a, s->dZ);
	mg_free(a, s->s1);
	mg_free(a, s->s2);
	mg_free(a, s->logit);
	mg_free(a, s->sigma2);
	mg_free(a, s->dist);
	mg_free(a, s->done);
	mg_free(a, s->prev_w);
	mg_free(a, s->win);
	mg_free(a, s->rowd);
}

/* Allocate buffers for batches of up to Bt windows. */
static mg_status
inv_init(inv_state *s, const mg_model *model, int use_encoder)
{
	const mg_alloc *a = s->a;
	size_t		LB = (size_t) s->L * s->Bt;
	mg_status	rc;

	s->X = mg_malloc(a, LB * s->k, sizeof(float));
	s->Y = mg_malloc(a, LB * s->k, sizeof(float));
	s->dY = mg_malloc(a, LB * s->k, sizeof(float));
	s->Z = mg_malloc(a, LB * s->dz, sizeof(float));
	s->Zprev = mg_malloc(a, LB * s->dz, sizeof(float));
	s->dZ = mg_malloc(a, LB * s->dz, sizeof(float));
	s->s1 = mg_malloc(a, LB * s->dz, sizeof(float));
	s->s2 = mg_malloc(a, LB * s->dz, sizeof(float));
	s->logit = mg_malloc(a, LB, sizeof(float));
	s->sigma2 = mg_malloc(a, s->Bt, sizeof(double));
	s->dist = mg_malloc(a, s->Bt, sizeof(double));
	s->done = mg_malloc(a, s->Bt, sizeof(int));
	s->prev_w = mg_malloc(a, s->Bt, sizeof(int64_t));
	s->win = mg_malloc(a, s->Bt, sizeof(int64_t));
	s->rowd = mg_malloc(a, (size_t) s->L * s->L, sizeof(double));
	if (!s->X || !s->Y || !s->dY || !s->Z || !s->Zprev || !s->dZ || !s->s1 ||
		!s->s2 || !s->logit || !s->sigma2 || !s->dist || !s->done ||
		!s->prev_w || !s->win || !s->rowd)
		return MG_ERR_NOMEM;
	s->rowbuf = mg_malloc(a, (size_t) model->m, sizeof(float));
	if (!s->rowbuf)
		return MG_ERR_NOMEM;
	rc = mg_net_ws_create(a, &model->gspec, s->L, s->Bt, &s->gws);
	if (rc == MG_OK)
		rc = mg_net_ws_create(a, &model->dspec, s->L, s->Bt, &s->dws);
	if (rc == MG_OK && use_encoder)
		rc = mg_net_ws_create(a, &model->espec, s->L, s->Bt, &s->ews);
	return rc;
}

/* Initial latent of every slot: own stream per window, warm part shifted. */
static void
init_latent(inv_state *s, int B, const int64_t *starts, int warm,
			uint64_t seed)
{
	int			L = s->L;
	int			dz = s->dz;
	int			i,
				t,
				j;

	for (i = 0; i < B; i++)
	{
		int64_t		w = s->win[i];
		int64_t		d = 0;
		mg_rng		rng;

		mg_rng_seed(&rng, seed + MG_WINDOW_SEED_MIX * (uint64_t) (w + 1));
		if (warm && s->prev_w[i] == w - 1 && w > 0)
		{
			d = starts[w] - starts[w - 1];
			if (d <= 0 || d >= L)
				d = 0;
		}
		for (t = 0; t < L; t++)
		{
			float	   *z = s->Z + ((size_t) t * B + i) * dz;

			for (j = 0; j < dz; j++)
				z[j] = (float) mg_rng_normal(&rng);
			if (d > 0 && t + d < L)
				memcpy(z, s->Zprev + ((size_t) (t + d) * s->prevB + i) * dz,
					   sizeof(float) * dz);
		}
	}
}

#define INV_ADAM_B1 0.9
#define INV_ADAM_B2 0.999

/* One window-step's latent row of dz values: an Adam step. */
static inline void
adam_row(float *z, float *m1, float *m2, const float *g, int dz, float step)
{
	int			j;

	for (j = 0; j < dz; j++)
	{
		m1[j] = (float) (INV_ADAM_B1 * m1[j] + (1 - INV_ADAM_B1) * g[j]);
		m2[j] = (float) (INV_ADAM_B2 * m2[j] + (1 - INV_ADAM_B2) * g[j] * g[j]);
		z[j] -= step * m1[j] / (sqrtf(m2[j]) + 1e-8f);
	}
}

/* The same with TF1 RMSProp: ms = rho ms + (1 - rho) g^2;
 * z -= lr g / sqrt(ms + eps). */
static inline void
rmsprop_row(float *z, float *ms, const float *g, int dz, float lr)
{
	const double rho = 0.9;
	int			j;

	for (j = 0; j < dz; j++)
	{
		ms[j] = (float) (rho * ms[j] + (1 - rho) * g[j] * g[j]);
		z[j] -= lr * g[j] / sqrtf(ms[j] + 1e-10f);
	}
}

/*
 * One inversion step for the windows of piece p (mg_par_pieces(B) pieces
 * cut by mg_par_bounds), the whole step in one worker: G forward over the
 * piece's rows, the residual gradient dY = 2 (G(Z) - X) and each window's
 * squared distance, the tolerance check, G backward to Z and the
 * optimiser step on the windows not done.  Windows are independent, so a
 * window's arithmetic is the same whatever the pieces and threads; the
 * main thread checks for cancellation between steps.
 */
typedef struct inv_task
{
	inv_state  *s;
	const mg_model *model;
	const mg_score_opts *o;
	int			B;
	int			np;
	int			last;			/* forward only: Y for the final Z */
	float		step;			/* Adam: lr sqrt(1 - b2^t) / (1 - b1^t) */
	int			active[MG_PAR_MAX_PIECES];	/* windows not done, per piece */
} inv_task;

static void
inv_piece(void *arg, int p)
{
	inv_task   *q = arg;
	inv_state  *s = q->s;
	const mg_model *model = q->model;
	const mg_score_opts *o = q->o;
	int			L = s->L;
	int			B = q->B;
	int			k = s->k;
	int			dz = s->dz;
	int64_t		i0,
				i1,
				i;
	int			t,
				j,
				active = 0;

	mg_par_bounds(B, q->np, p, &i0, &i1);
	q->active[p] = 0;
	if (i1 <= i0)
		return;
	mg_net_forward_rows(&model->gspec, model->g_params, s->gws, L, B,
						(int) i0, (int) i1, s->Z, s->Y);
	if (q->last)
		return;

	for (i = i0; i < i1; i++)
		s->dist[i] = 0.0;
	for (t = 0; t < L; t++)
		for (i = i0; i < i1; i++)
		{
			size_t		off = ((size_t) t * B + i) * k;
			double		d = 0.0;

			for (j = 0; j < k; j++)
			{
				float		r = s->Y[off + j] - s->X[off + j];

				s->dY[off + j] = 2.0f * r;
				d += (double) r * r;
			}
			s->dist[i] += d;
		}
	for (i = i0; i < i1; i++)
	{
		if (!s->done[i] && o->invert_tol > 0 &&
			1.0 - exp(-s->dist[i] / (2.0 * s->sigma2[i])) < o->invert_tol)
			s->done[i] = 1;
		if (!s->done[i])
			active++;
	}
	q->active[p] = active;
	if (active == 0)
		return;					/* no Z of this piece moves */

	mg_net_backward_rows(&model->gspec, model->g_params, s->gws, L, B,
						 (int) i0, (int) i1, s->dY, s->dZ);
	for (t = 0; t < L; t++)
		for (i = i0; i < i1; i++)
		{
			size_t		off = ((size_t) t * B + i) * dz;

			if (s->done[i])
				continue;
			if (o->invert_optim == MG_INV_ADAM)
				adam_row(s->Z + off, s->s1 + off, s->s2 + off, s->dZ + off,
						 dz, q->step);
			else
				rmsprop_row(s->Z + off, s->s1 + off, s->dZ + off, dz,
							(float) o->invert_lr);
		}
}

/*
 * Invert G for the B windows in s->X; on return s->Y = G(Z*).
 */
static mg_status
invert_batch(inv_state *s, const mg_model *model, int B,
			 const mg_score_opts *o, const mg_callbacks *cb)
{
	int			L = s->L;
	size_t		nz = (size_t) L * B * s->dz;
	int			it,
				i,
				p;
	size_t		e;
	inv_task	task;

	for (i = 0; i < B; i++)
	{
		s->done[i] = 0;
		/* the tolerance is checked only between steps */
		s->sigma2[i] = (o->invert_tol > 0 && o->invert_iters > 0) ?
			window_sigma2(s, B, i) : 1.0;
	}
	memset(&task, 0, sizeof(task));
	task.s = s;
	task.model = model;
	task.o = o;
	task.B = B;
	task.np = mg_par_pieces(B);
	/* TF1 RMSProp initialises its accumulator to 1; Adam to 0 */
	for (e = 0; e < nz; e++)
	{
		s->s1[e] = (o->invert_optim == MG_INV_RMSPROP) ? 1.0f : 0.0f;
		s->s2[e] = 0.0f;
	}
	mg_net_prepare(&model->gspec, model->g_params, s->gws);

	for (it = 0; it <= o->invert_iters; it++)
	{
		int			active = 0;

		if (cb && cb->cancel && cb->cancel(cb->arg))
			return MG_ERR_CANCELLED;
		task.last = it == o->invert_iters;
		task.step = (float) (o->invert_lr * sqrt(1.0 - pow(INV_ADAM_B2, it + 1)) /
							 (1.0 - pow(INV_ADAM_B1, it + 1)));
		mg_par_run(task.np, inv_piece, &task);
		if (task.last)
			break;				/* Y now matches the final Z */
		for (p = 0; p < task.np; p++)
			active += task.active[p];
		if (active == 0)
			break;				/* every window within tolerance */
	}
	return MG_OK;
}

/*
 * The paper's residual of one step: mean |x - y| over the k features plus
 * the mean clipping excess over the m raw columns (ex may be NULL).
 */
static double
mean_resid(const float *x, const float *y, int k, const float *ex, int m)
{
	double		sr = 0.0;
	int			j;

	for (j = 0; j < k; j++)
		sr += fabs((double) x[j] - y[j]);
	sr /= k;
	if (ex)
	{
		double		se = 0.0;

		for (j = 0; j < m; j++)
			se += fabs((double) ex[j]);
		sr += se / m;
	}
	return sr;
}

/* Per-window outputs of one batch. */
static void
batch_outputs(inv_state *s, const mg_model *model, int B,
			  const float *E, const int64_t *starts, int attribution,
			  float *dis, float *rec, float *resid)
{
	/* resid gets the deviation instead of the residual (attrib.c) */
	float	   *rout = (attribution == MG_ATTR_DEVIATION) ? NULL : resid;

	int			L = s->L;
	int			k = s->k;
	int			m = model->m;
	int			i,
				t,
				j,
				c;
	const mg_prep *p = model->prep;
	const float *scale = model->resid_scale;
	int			agg = model->cfg.resid_agg;

	/* zscore: spread[m] and centre[m] follow the scales */
	const float *spread = (scale && model->cfg.resid_norm == MG_RESID_ZSCORE) ?
		scale + m : NULL;
	const float *centre = spread ? spread + m : NULL;

	if (dis)
	{
		mg_net_forward(&model->dspec, model->d_params, s->dws, L, B, s->X,
					   s->logit);
		for (t = 0; t < L; t++)
			for (i = 0; i < B; i++)
			{
				double		a = s->logit[(size_t) t * B + i];

				/* 1 - sigmoid(a) = sigmoid(-a) */
				dis[s->win[i] * L + t] = (float) (1.0 / (1.0 + exp(a)));
			}
	}
	for (t = 0; t < L; t++)
		for (i = 0; i < B; i++)
		{
			size_t		off = ((size_t) t * B + i) * k;
			double		sr = 0.0;
			const float *ex = E ? E + (size_t) (starts[s->win[i]] + t) * m : NULL;
			float	   *dst;

			if (rout == NULL && scale == NULL && agg == MG_AGG_MEAN)
			{
				if (rec)
					rec[s->win[i] * L + t] =
						(float) mean_resid(s->X + off, s->Y + off, k, ex, m);
				continue;
			}

			/* per raw column: |residual| (through PCA when on) + excess */
			dst = rout ? rout + ((size_t) s->win[i] * L + t) * m : s->rowbuf;
			if (p->pca_k > 0)
			{
				for (c = 0; c < m; c++)
				{
					double		v = 0.0;

					for (j = 0; j < k; j++)
						v += ((double) s->X[off + j] - s->Y[off + j]) *
							p->pca_comp[(size_t) j * m + c];
					dst[c] = (float) fabs(v);
				}
			}
			else
				for (j = 0; j < k; j++)
					dst[j] = fabsf(s->X[off + j] - s->Y[off + j]);
			if (ex)
				for (c = 0; c < m; c++)
					dst[c] += fabsf(ex[c]);

			if (scale || agg != MG_AGG_MEAN)
			{
				if (spread && agg == MG_AGG_MAX)
					sr = -HUGE_VAL;	/* centred columns may all be negative */
				/* rec combines the (scaled) columns: mean, rms or max */
				for (c = 0; c < m; c++)
				{
					double		v;

					if (scale)
						dst[c] /= scale[c];
					v = dst[c];
					if (spread)
						v = (v - centre[c]) / spread[c];
					if (agg == MG_AGG_RMS)
						sr += v * v;
					else if (agg == MG_AGG_MAX)
						sr = v > sr ? v : sr;
					else
						sr += v;
				}
				if (agg == MG_AGG_RMS)
					sr = sqrt(sr / m);
				else if (agg == MG_AGG_MEAN)
					sr /= m;
			}
			else
				sr = mean_resid(s->X + off, s->Y + off, k, ex, m);
			if (rec)
				rec[s->win[i] * L + t] = (float) sr;
		}
	if (resid && attribution == MG_ATTR_DEVIATION)
		for (i = 0; i < B; i++)
		{
			float	   *dst = resid + (size_t) s->win[i] * L * m;

			for (t = 0; t < L; t++)
				mg_attr_values(p, s->X + ((size_t) t * B + i) * k,
							   E ? E + (size_t) (starts[s->win[i]] + t) * m : NULL,
							   dst + (size_t) t * m);
			mg_attr_deviation(dst, L, m, model->attr_scale);
		}
}

/*
 * Score windows of prepared rows; see mimgan_core.h.
 */
mg_status
mg_score_windows(const mg_model *model, const mg_alloc *a,
				 const float *P, int64_t n,
				 const int64_t *starts, int64_t nwin,
				 const mg_score_opts *o, const mg_callbacks *cb,
				 float *dis, float *rec, float *resid)
{
	return mg_score_windows_ex(model, a, P, NULL, n, starts, nwin, o, cb,
							   dis, rec, resid);
}

/*
 * Score windows with clipping excess; see mimgan_core.h.
 */
mg_status
mg_score_windows_ex(const mg_model *model, const mg_alloc *a,
					const float *P, const float *E, int64_t n,
					const int64_t *starts, int64_t nwin,
					const mg_score_opts *o, const mg_callbacks *cb,
					float *dis, float *rec, float *resid)
{
	inv_state	s;
	int64_t		rounds;
	int64_t		r;
	int64_t		w;
	int			use_enc;
	mg_status	rc;

	if (model == NULL || P == NULL || o == NULL || nwin < 0 ||
		(nwin > 0 && starts == NULL) || o->invert_iters < 0 ||
		!(o->invert_lr > 0) || o->batch < 1)
		return MG_ERR_ARG;
	/* the deviation needs the model's training scales (format 4) */
	if (resid != NULL &&
		(o->attribution < MG_ATTR_RESIDUAL || o->attribution > MG_ATTR_DEVIATION ||
		 (o->attribution == MG_ATTR_DEVIATION && model->attr_scale == NULL)))
		return MG_ERR_ARG;
	if (nwin == 0)
		return MG_OK;
	for (w = 0; w < nwin; w++)
		if (starts[w] < 0 || starts[w] + model->cfg.seq_len > n)
			return MG_ERR_ARG;

	memset(&s, 0, sizeof(s));
	s.a = a;
	s.L = model->cfg.seq_len;
	s.k = model->k;
	s.dz = model->gspec.in;
	s.Bt = (int) (nwin < o->batch ? nwin : o->batch);
	use_enc = o->use_encoder && model->e_params != NULL;
	rc = inv_init(&s, model, use_enc);
	if (rc != MG_OK)
		goto done;

	rounds = (nwin + s.Bt - 1) / s.Bt;
	for (w = 0; w < s.Bt; w++)
		s.prev_w[w] = -1;

	for (r = 0; r < rounds; r++)
	{
		int			B = 0;
		int			i,
					t;

		/* deal windows: round-robin for warm start, blocks otherwise */
		for (i = 0; i < s.Bt; i++)
		{
			int64_t		wi = o->warm_start ? r + (int64_t) i * rounds
				: r * s.Bt + i;

			if (wi >= nwin)
				break;
			s.win[i] = wi;
			B++;
		}
		/* B only shrinks in later rounds, so slot i always existed before */
		for (t = 0; t < s.L; t++)
			for (i = 0; i < B; i++)
				memcpy(s.X + ((size_t) t * B + i) * s.k,
					   P + (size_t) (starts[s.win[i]] + t) * s.k,
					   sizeof(float) * s.k);
		if (use_enc)
			mg_net_forward(&model->espec, model->e_params, s.ews, s.L, B,
						   s.X, s.Z);
		else
			init_latent(&s, B, starts, o->warm_start, o->seed);
		rc = invert_batch(&s, model, B, o, cb);
		if (rc != MG_OK)
			goto done;
		batch_outputs(&s, model, B, E, starts, o->attribution, dis, rec,
					  resid);

		/* keep the solved latents for the next round's warm start */
		if (o->warm_start)
		{
			memcpy(s.Zprev, s.Z, sizeof(float) * (size_t) s.L * B * s.dz);
			s.prevB = B;
			for (i = 0; i < s.Bt; i++)
				s.prev_w[i] = (i < B) ? s.win[i] : -1;
		}
	}
	rc = MG_OK;
done:
	inv_free(&s);
	return rc;
}
