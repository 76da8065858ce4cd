/*-------------------------------------------------------------------------
 *
 * gan.c
 *	  MIM-GAN training: preprocessing fit, window cutting, the adversarial
 *	  loop (d_rounds discriminator steps then g_rounds generator steps per
 *	  mini-batch) and the label-free threshold.
 *
 * Follows ALGORITHM.md sections 2-5 and 9: every window is used once per
 * epoch in shuffled mini-batches (reference_batching = 1 restores the
 * reference code's 1/r batches); the D rounds of one batch share X and Z,
 * each G round draws a fresh Z.  Real and generated windows go through D
 * as one batch of 2B sequences, so each D step is one forward and one
 * backward pass.
 *
 * src/core/gan.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "mimgan_core.h"
#include "core_internal.h"

/* Everything one training run allocates, freed in one place. */
typedef struct mg_train_state
{
	const mg_alloc *a;
	const mg_config *cfg;
	mg_model   *model;
	const float *P;				/* prepared rows [n][k] */
	int64_t    *starts;			/* training window starts */
	int64_t		nwin;
	int64_t    *order;			/* shuffled window order */
	int			T;
	int			B;
	int			k;
	mg_net_ws  *gws;
	mg_net_ws  *dws;
	mg_adam		optg;
	mg_adam		optd;
	float	   *gradg;
	float	   *gradd;
	float	   *xreal;			/* [T][B][k] */
	float	   *z;				/* [T][B][latent] */
	float	   *fake;			/* [T][B][k] */
	float	   *xd;				/* [T][2B][k] real then fake per step */
	float	   *logit;			/* [T][2B] */
	float	   *ar;				/* [T*B] logits of real */
	float	   *af;				/* [T*B] logits of fake */
	float	   *gr;				/* [T*B] */
	float	   *gf;				/* [T*B] */
	float	   *dlogit;			/* [T][2B] */
	float	   *dfake;			/* [T][B][k] */
	/* encoder (cfg->encoder) */
	mg_net_ws  *ews;
	mg_adam		opte;
	float	   *grade;
	float	   *ze;				/* [T][B][latent] E(x) */
	float	   *dze;			/* [T][B][latent] */
	float	   *xrec;			/* [T][B][k] G(E(x)) */
	float	   *drec;			/* [T][B][k] */
	mg_rng		rng;
} mg_train_state;

/* Mean of sigmoid over n logits, in double. */
static double
mean_prob(const float *a, size_t n)
{
	double		s = 0.0;
	size_t		i;

	for (i = 0; i < n; i++)
		s += 1.0 / (1.0 + exp(-(double) a[i]));
	return n > 0 ? s / (double) n : 0.0;
}

/*
 * Window starts over prepared rows: stride step in every series long
 * enough, plus the end-aligned last window when the stride misses it.
 * With starts == NULL only counts.
 */
int64_t
mg_cut_windows(const mg_data *data, int L, int step, int64_t *starts)
{
	int64_t		nw = 0;
	int			s;

	for (s = 0; s < data->nseries; s++)
	{
		int64_t		b = data->series_start[s];
		int64_t		e = data->series_start[s + 1];
		int64_t		j;
		int64_t		last = -1;

		if (e - b < L)
			continue;
		for (j = b; j + L <= e; j += step)
		{
			if (starts)
				starts[nw] = j;
			nw++;
			last = j;
		}
		if (last != e - L)
		{
			if (starts)
				starts[nw] = e - L;
			nw++;
		}
	}
	return nw;
}

/* 1 if an epoch's figures and the model's weights are all finite. */
int
mg_epoch_finite(const mg_epoch_info *info, const mg_model *mdl)
{
	return isfinite(info->loss_d) && isfinite(info->loss_g) &&
		isfinite(info->grad_norm_d) && isfinite(info->grad_norm_g) &&
		mg_all_finite(mdl->g_params, mg_net_nparams(&mdl->gspec)) &&
		mg_all_finite(mdl->d_params, mg_net_nparams(&mdl->dspec));
}

/* Validate the series layout of data. */
mg_status
mg_check_data(const mg_data *data)
{
	int			s;

	if (data == NULL || data->X == NULL || data->n < 1 || data->m < 1 ||
		data->nseries < 1 || data->series_start == NULL)
		return MG_ERR_ARG;
	if (data->series_start[0] != 0 ||
		data->series_start[data->nseries] != data->n)
		return MG_ERR_ARG;
	for (s = 0; s < data->nseries; s++)
		if (data->series_start[s + 1] < data->series_start[s])
			return MG_ERR_ARG;
	return MG_OK;
}

/* Copy windows order[from .. from+B) of P into a time-major batch. */
static void
gather(const mg_train_state *st, int64_t from, int B, float *dst, int ld,
	   int offset)
{
	int			b;
	int			t;
	int			k = st->k;

	for (b = 0; b < B; b++)
	{
		const float *src = st->P + (size_t) st->starts[st->order[from + b]] * k;

		for (t = 0; t < st->T; t++)
			memcpy(dst + ((size_t) t * ld + offset + b) * k,
				   src + (size_t) t * k, sizeof(float) * k);
	}
}

/* One discriminator step on the batch in st->xreal with latent st->z. */
static void
d_step(mg_train_state *st, int B, double *loss, double *dreal, double *dfake,
	   double *gnorm)
{
	const mg_config *cfg = st->cfg;
	mg_model   *mdl = st->model;
	int			T = st->T;
	int			k = st->k;
	int			t;
	size_t		n = (size_t) T * B;

	/* fake = G(z), then interleave real and fake rows per step */
	mg_net_forward(&mdl->gspec, mdl->g_params, st->gws, T, B, st->z, st->fake);
	for (t = 0; t < T; t++)
	{
		memcpy(st->xd + (size_t) t * 2 * B * k, st->xreal + (size_t) t * B * k,
			   sizeof(float) * B * k);
		memcpy(st->xd + ((size_t) t * 2 * B + B) * k,
			   st->fake + (size_t) t * B * k, sizeof(float) * B * k);
	}
	mg_net_forward(&mdl->dspec, mdl->d_params, st->dws, T, 2 * B, st->xd,
				   st->logit);
	for (t = 0; t < T; t++)
	{
		memcpy(st->ar + (size_t) t * B, st->logit + (size_t) t * 2 * B,
			   sizeof(float) * B);
		memcpy(st->af + (size_t) t * B, st->logit + (size_t) t * 2 * B + B,
			   sizeof(float) * B);
	}
	*loss = mg_loss_d(cfg->loss, st->ar, st->af, n, st->gr, st->gf);
	*dreal = mean_prob(st->ar, n);
	*dfake = mean_prob(st->af, n);
	for (t = 0; t < T; t++)
	{
		memcpy(st->dlogit + (size_t) t * 2 * B, st->gr + (size_t) t * B,
			   sizeof(float) * B);
		memcpy(st->dlogit + (size_t) t * 2 * B + B, st->gf + (size_t) t * B,
			   sizeof(float) * B);
	}
	memset(st->gradd, 0, sizeof(float) * mg_net_nparams(&mdl->dspec));
	mg_net_backward(&mdl->dspec, mdl->d_params, st->dws, T, 2 * B, st->xd,
					st->dlogit, st->gradd, NULL);
	*gnorm = mg_adam_step(&st->optd, mdl->d_params, st->gradd);
}

/*
 * One generator step with a fresh latent; with an encoder, G also takes
 * rec_weight times the reconstruction loss of G(E(x)) on the real batch,
 * and E one step on the same loss (*rloss).
 */
static void
g_step(mg_train_state *st, int B, double *loss, double *gnorm, double *rloss)
{
	mg_model   *mdl = st->model;
	int			T = st->T;
	size_t		n = (size_t) T * B;

	mg_rng_fill_normal(&st->rng, st->z, n * st->cfg->latent_dim, 1.0f);
	mg_net_forward(&mdl->gspec, mdl->g_params, st->gws, T, B, st->z, st->fake);
	mg_net_forward(&mdl->dspec, mdl->d_params, st->dws, T, B, st->fake,
				   st->af);
	*loss = mg_loss_g(st->cfg->loss, st->af, n, st->gf);
	/* through D (no D gradient) into G's output, then into G */
	mg_net_backward(&mdl->dspec, mdl->d_params, st->dws, T, B, st->fake,
					st->gf, NULL, st->dfake);
	memset(st->gradg, 0, sizeof(float) * mg_net_nparams(&mdl->gspec));
	mg_net_backward(&mdl->gspec, mdl->g_params, st->gws, T, B, st->z,
					st->dfake, st->gradg, NULL);
	*rloss = 0.0;
	if (mdl->e_params)
	{
		memset(st->grade, 0, sizeof(float) * mg_net_nparams(&mdl->espec));
		*rloss = mg_recon_loss(&mdl->espec, mdl->e_params, st->ews,
							   &mdl->gspec, mdl->g_params, st->gws, T, B,
							   st->xreal, st->ze, st->xrec, st->drec, st->dze,
							   st->cfg->rec_weight, st->grade, st->gradg);
		mg_adam_step(&st->opte, mdl->e_params, st->grade);
	}
	*gnorm = mg_adam_step(&st->optg, mdl->g_params, st->gradg);
}

/* Free everything of a training state except the model. */
static void
train_state_free(mg_train_state *st)
{
	const mg_alloc *a = st->a;

	mg_net_ws_destroy(a, st->gws);
	mg_net_ws_destroy(a, st->dws);
	mg_net_ws_destroy(a, st->ews);
	mg_adam_free(&st->opte, a);
	mg_free(a, st->grade);
	mg_free(a, st->ze);
	mg_free(a, st->dze);
	mg_free(a, st->xrec);
	mg_free(a, st->drec);
	mg_adam_free(&st->optg, a);
	mg_adam_free(&st->optd, a);
	mg_free(a, st->gradg);
	mg_free(a, st->gradd);
	mg_free(a, st->xreal);
	mg_free(a, st->z);
	mg_free(a, st->fake);
	mg_free(a, st->xd);
	mg_free(a, st->logit);
	mg_free(a, st->ar);
	mg_free(a, st->af);
	mg_free(a, st->gr);
	mg_free(a, st->gf);
	mg_free(a, st->dlogit);
	mg_free(a, st->dfake);
	mg_free(a, st->order);
	mg_free(a, st->starts);
	mg_free(a, (void *) st->P);
}

/* Allocate buffers, networks and optimisers. */
static mg_status
train_state_init(mg_train_state *st)
{
	const mg_alloc *a = st->a;
	const mg_config *cfg = st->cfg;
	mg_model   *mdl = st->model;
	size_t		TB = (size_t) st->T * st->B;
	size_t		ng = mg_net_nparams(&mdl->gspec);
	size_t		nd = mg_net_nparams(&mdl->dspec);
	mg_status	rc;

	mdl->g_params = mg_malloc(a, ng, sizeof(float));
	mdl->d_params = mg_malloc(a, nd, sizeof(float));
	st->gradg = mg_malloc(a, ng, sizeof(float));
	st->gradd = mg_malloc(a, nd, sizeof(float));
	st->xreal = mg_malloc(a, TB * st->k, sizeof(float));
	st->z = mg_malloc(a, TB * cfg->latent_dim, sizeof(float));
	st->fake = mg_malloc(a, TB * st->k, sizeof(float));
	st->xd = mg_malloc(a, 2 * TB * st->k, sizeof(float));
	st->logit = mg_malloc(a, 2 * TB, sizeof(float));
	st->ar = mg_malloc(a, TB, sizeof(float));
	st->af = mg_malloc(a, TB, sizeof(float));
	st->gr = mg_malloc(a, TB, sizeof(float));
	st->gf = mg_malloc(a, TB, sizeof(float));
	st->dlogit = mg_malloc(a, 2 * TB, sizeof(float));
	st->dfake = mg_malloc(a, TB * st->k, sizeof(float));
	st->order = mg_malloc(a, (size_t) st->nwin, sizeof(int64_t));
	if (!mdl->g_params || !mdl->d_params || !st->gradg || !st->gradd ||
		!st->xreal || !st->z || !st->fake || !st->xd || !st->logit ||
		!st->ar || !st->af || !st->gr || !st->gf || !st->dlogit ||
		!st->dfake || !st->order)
		return MG_ERR_NOMEM;

	rc = mg_net_ws_create(a, &mdl->gspec, st->T, st->B, &st->gws);
	if (rc == MG_OK)
		rc = mg_net_ws_create(a, &mdl->dspec, st->T, 2 * st->B, &st->dws);
	if (rc == MG_OK)
		rc = mg_adam_init(&st->optg, a, ng, cfg->lr_g, cfg->beta1, cfg->beta2,
						  cfg->adam_eps, cfg->weight_decay, cfg->wd_mode,
						  cfg->clip_norm);
	if (rc == MG_OK)
		rc = mg_adam_init(&st->optd, a, nd, cfg->lr_d, cfg->beta1, cfg->beta2,
						  cfg->adam_eps, cfg->weight_decay, cfg->wd_mode,
						  cfg->clip_norm);
	if (rc != MG_OK)
		return rc;

	/* reference initialisation: G biases 1.0, D biases 0.0 (ALGORITHM 2-3) */
	mg_net_init(&mdl->gspec, mdl->g_params, &st->rng, cfg->init, 1.0f);
	mg_net_init(&mdl->dspec, mdl->d_params, &st->rng, cfg->init, 0.0f);

	if (cfg->encoder)
	{
		size_t		ne = mg_net_nparams(&mdl->espec);

		mdl->e_params = mg_malloc(a, ne, sizeof(float));
		st->grade = mg_malloc(a, ne, sizeof(float));
		st->ze = mg_malloc(a, TB * cfg->latent_dim, sizeof(float));
		st->dze = mg_malloc(a, TB * cfg->latent_dim, sizeof(float));
		st->xrec = mg_malloc(a, TB * st->k, sizeof(float));
		st->drec = mg_malloc(a, TB * st->k, sizeof(float));
		if (!mdl->e_params || !st->grade || !st->ze || !st->dze ||
			!st->xrec || !st->drec)
			return MG_ERR_NOMEM;
		rc = mg_net_ws_create(a, &mdl->espec, st->T, st->B, &st->ews);
		if (rc == MG_OK)
			rc = mg_adam_init(&st->opte, a, ne, cfg->lr_g, cfg->beta1,
							  cfg->beta2, cfg->adam_eps, cfg->weight_decay,
							  cfg->wd_mode, cfg->clip_norm);
		if (rc != MG_OK)
			return rc;
		mg_net_init(&mdl->espec, mdl->e_params, &st->rng, cfg->init, 0.0f);
	}
	return MG_OK;
}

/* Mini-batch bounds of an epoch: windows from 0 while <= *limit, by *stride. */
static void
epoch_bounds(const mg_train_state *st, int64_t *stride, int64_t *limit)
{
	int			r = st->cfg->d_rounds + st->cfg->g_rounds;

	if (st->cfg->reference_batching)
	{
		/* batch indices 0, r, 2r, ... up to floor(N/B) - r, in order */
		*stride = (int64_t) st->B * r;
		*limit = (st->nwin / st->B - r) * (int64_t) st->B;
		if (*limit < 0)
			*limit = 0;
	}
	else
	{
		*stride = st->B;
		*limit = st->nwin - 1;
	}
}

/* Run all epochs. */
static mg_status
train_loop(mg_train_state *st, const mg_callbacks *cb)
{
	const mg_config *cfg = st->cfg;
	mg_model   *mdl = st->model;
	int			epoch;
	mg_step_info sp;
	int64_t		from;
	int64_t		stride;
	int64_t		limit;

	/* windows per epoch, for the step callback */
	memset(&sp, 0, sizeof(sp));
	sp.phase = MG_PHASE_TRAIN;
	sp.epochs = cfg->epochs;
	epoch_bounds(st, &stride, &limit);
	for (from = 0; from <= limit && from < st->nwin; from += stride)
		sp.windows_total += (st->nwin - from < st->B) ? st->nwin - from : st->B;
	sp.windows_total *= cfg->epochs;
	if (cb && cb->step && cb->step(cb->arg, &sp))
		return MG_ERR_CANCELLED;

	for (epoch = 1; epoch <= cfg->epochs; epoch++)
	{
		double		sld = 0.0,
					slg = 0.0,
					sdr = 0.0,
					sdf = 0.0,
					sgd = 0.0,
					sgg = 0.0,
					slr = 0.0;
		int64_t		nd = 0,
					ng = 0;
		int64_t		i;
		mg_epoch_info info;

		for (i = 0; i < st->nwin; i++)
			st->order[i] = i;
		if (!cfg->reference_batching)
			mg_rng_shuffle(&st->rng, st->order, st->nwin);
		sp.epoch = epoch;

		for (from = 0; from <= limit && from < st->nwin; from += stride)
		{
			int			B = (int) ((st->nwin - from < st->B) ? st->nwin - from : st->B);
			int			rd;

			if (cb && cb->cancel && cb->cancel(cb->arg))
				return MG_ERR_CANCELLED;
			gather(st, from, B, st->xreal, B, 0);
			mg_rng_fill_normal(&st->rng, st->z,
							   (size_t) st->T * B * cfg->latent_dim, 1.0f);
			for (rd = 0; rd < cfg->d_rounds; rd++)
			{
				double		l,
							dr,
							df,
							gn;

				d_step(st, B, &l, &dr, &df, &gn);
				sld += l;
				sdr += dr;
				sdf += df;
				sgd += gn;
				nd++;
			}
			for (rd = 0; rd < cfg->g_rounds; rd++)
			{
				double		l,
							gn,
							rl;

				if (cb && cb->cancel && cb->cancel(cb->arg))
					return MG_ERR_CANCELLED;
				g_step(st, B, &l, &gn, &rl);
				slg += l;
				sgg += gn;
				slr += rl;
				ng++;
			}
			sp.windows_seen += B;
			if (cb && cb->step && cb->step(cb->arg, &sp))
				return MG_ERR_CANCELLED;
		}

		info.epoch = epoch;
		info.epochs = cfg->epochs;
		info.loss_d = nd ? sld / nd : 0.0;
		info.loss_g = ng ? slg / ng : 0.0;
		info.d_real = nd ? sdr / nd : 0.0;
		info.d_fake = nd ? sdf / nd : 0.0;
		info.grad_norm_d = nd ? sgd / nd : 0.0;
		info.grad_norm_g = ng ? sgg / ng : 0.0;
		info.loss_rec = ng ? slr / ng : 0.0;

		if (!mg_epoch_finite(&info, mdl))
			return MG_ERR_DIVERGED;

		mdl->stats.epochs_run = epoch;
		mdl->stats.loss_d = info.loss_d;
		mdl->stats.loss_g = info.loss_g;
		mdl->stats.d_real = info.d_real;
		mdl->stats.d_fake = info.d_fake;
		mdl->stats.loss_rec = info.loss_rec;
		if (cb && cb->progress && cb->progress(cb->arg, &info))
			return MG_ERR_CANCELLED;
	}
	return MG_OK;
}

/* Keep max windows evenly spaced (max_train_windows). */
static void
thin_windows(int64_t *starts, int64_t *nwin, int64_t max)
{
	int64_t		i;

	if (max <= 0 || *nwin <= max)
		return;
	for (i = 0; i < max; i++)
		starts[i] = starts[(int64_t) ((double) i * (*nwin) / max)];
	*nwin = max;
}

/* Deep copy of a preprocessing into *out. */
static mg_status
prep_copy(const mg_alloc *a, const mg_prep *src, mg_prep **out)
{
	mg_prep    *p = mg_calloc(a, 1, sizeof(mg_prep));
	size_t		m = (size_t) src->m;

	*out = p;
	if (p == NULL)
		return MG_ERR_NOMEM;
	*p = *src;
	p->shift = mg_malloc(a, m, sizeof(double));
	p->scale = mg_malloc(a, m, sizeof(double));
	p->pca_mean = src->pca_mean ? mg_malloc(a, m, sizeof(double)) : NULL;
	p->pca_comp = src->pca_comp ?
		mg_malloc(a, (size_t) src->pca_k * m, sizeof(double)) : NULL;
	if (!p->shift || !p->scale || (src->pca_mean && !p->pca_mean) ||
		(src->pca_comp && !p->pca_comp))
		return MG_ERR_NOMEM;
	memcpy(p->shift, src->shift, sizeof(double) * m);
	memcpy(p->scale, src->scale, sizeof(double) * m);
	if (src->pca_mean)
		memcpy(p->pca_mean, src->pca_mean, sizeof(double) * m);
	if (src->pca_comp)
		memcpy(p->pca_comp, src->pca_comp, sizeof(double) * src->pca_k * m);
	return MG_OK;
}

/* 1 if two network specs are the same. */
static int
same_spec(const mg_net_spec *x, const mg_net_spec *y)
{
	return x->in == y->in && x->hidden == y->hidden &&
		x->layers == y->layers && x->out == y->out &&
		x->out_act == y->out_act;
}

/* Report a phase to the step callback; nonzero: stop. */
static int
report_phase(const mg_callbacks *cb, int phase, const mg_config *cfg)
{
	mg_step_info sp;

	if (cb == NULL || cb->step == NULL)
		return 0;
	memset(&sp, 0, sizeof(sp));
	sp.phase = phase;
	sp.epoch = phase == MG_PHASE_THRESHOLD ? cfg->epochs : 0;
	sp.epochs = cfg->epochs;
	return cb->step(cb->arg, &sp);
}

/*
 * Train a model on data; see mimgan_core.h.
 */
mg_status
mg_fit(const mg_alloc *a, const mg_config *cfg, const mg_data *data,
	   const mg_callbacks *cb, mg_model **out)
{
	return mg_fit_warm(a, cfg, data, NULL, cb, out);
}

/*
 * Train a model on data, from init's preprocessing and weights when init
 * is not NULL; see mimgan_core.h.
 */
mg_status
mg_fit_warm(const mg_alloc *a, const mg_config *cfg, const mg_data *data,
			const mg_model *init, const mg_callbacks *cb, mg_model **out)
{
	mg_train_state st;
	mg_model   *mdl;
	const char *field;
	mg_status	rc;
	float	   *P;

	*out = NULL;
	if (mg_config_validate(cfg, &field) != MG_OK)
		return MG_ERR_ARG;
	rc = mg_check_data(data);
	if (rc != MG_OK)
		return rc;
	if (init != NULL &&
		(init->m != data->m || init->prep == NULL ||
		 init->prep->norm != cfg->normalize ||
		 init->prep->pca_k != cfg->pca_components ||
		 (init->e_params != NULL) != (cfg->encoder != 0)))
		return MG_ERR_ARG;
	if (report_phase(cb, MG_PHASE_PREPARE, cfg))
		return MG_ERR_CANCELLED;

	memset(&st, 0, sizeof(st));
	st.a = a;
	st.cfg = cfg;
	st.T = cfg->seq_len;

	mdl = mg_calloc(a, 1, sizeof(mg_model));
	if (mdl == NULL)
		return MG_ERR_NOMEM;
	st.model = mdl;
	mdl->cfg = *cfg;
	mdl->m = data->m;
	mdl->threshold = cfg->threshold;
	mdl->stats.n_rows = data->n;
	mdl->stats.n_series = data->nseries;

	if (init != NULL)
		rc = prep_copy(a, init->prep, &mdl->prep);
	else
		rc = mg_prep_fit(a, data->X, data->n, data->m, cfg->normalize,
						 cfg->pca_components, &mdl->prep);
	if (rc != MG_OK)
		goto fail;
	mdl->k = st.k = mdl->prep->k;

	P = mg_malloc(a, (size_t) data->n * st.k, sizeof(float));
	st.P = P;
	if (P == NULL)
	{
		rc = MG_ERR_NOMEM;
		goto fail;
	}
	rc = mg_prep_apply(mdl->prep, data->X, data->n, P);
	if (rc != MG_OK)
		goto fail;

	st.nwin = mg_cut_windows(data, st.T, cfg->step, NULL);
	if (st.nwin == 0)
	{
		rc = MG_ERR_NODATA;
		goto fail;
	}
	st.starts = mg_malloc(a, (size_t) st.nwin, sizeof(int64_t));
	if (st.starts == NULL)
	{
		rc = MG_ERR_NOMEM;
		goto fail;
	}
	mg_cut_windows(data, st.T, cfg->step, st.starts);
	thin_windows(st.starts, &st.nwin, cfg->max_train_windows);
	mdl->stats.n_windows = st.nwin;
	st.B = (int) (st.nwin < cfg->batch_size ? st.nwin : cfg->batch_size);

	mdl->gspec.in = cfg->latent_dim;
	mdl->gspec.hidden = cfg->hidden_g;
	mdl->gspec.layers = cfg->layers_g;
	mdl->gspec.out = st.k;
	mdl->gspec.out_act = MG_ACT_TANH;
	mdl->dspec.in = st.k;
	mdl->dspec.hidden = cfg->hidden_d;
	mdl->dspec.layers = cfg->layers_d;
	mdl->dspec.out = 1;
	mdl->dspec.out_act = MG_ACT_NONE;
	if (cfg->encoder)
	{
		mdl->espec.in = st.k;
		mdl->espec.hidden = cfg->hidden_g;
		mdl->espec.layers = cfg->layers_g;
		mdl->espec.out = cfg->latent_dim;
		mdl->espec.out_act = MG_ACT_NONE;
	}

	if (init != NULL &&
		(!same_spec(&init->gspec, &mdl->gspec) ||
		 !same_spec(&init->dspec, &mdl->dspec) ||
		 (cfg->encoder && !same_spec(&init->espec, &mdl->espec))))
	{
		rc = MG_ERR_ARG;
		goto fail;
	}

	mg_rng_seed(&st.rng, cfg->seed);
	rc = train_state_init(&st);
	if (rc == MG_OK && init != NULL)
	{
		/* the random initialisation still ran: same draws as a cold start */
		memcpy(mdl->g_params, init->g_params,
			   sizeof(float) * mg_net_nparams(&mdl->gspec));
		memcpy(mdl->d_params, init->d_params,
			   sizeof(float) * mg_net_nparams(&mdl->dspec));
		if (cfg->encoder)
			memcpy(mdl->e_params, init->e_params,
				   sizeof(float) * mg_net_nparams(&mdl->espec));
	}
	if (rc == MG_OK)
		rc = train_loop(&st, cb);
	if (rc == MG_OK &&
		report_phase(cb, MG_PHASE_THRESHOLD, cfg))
		rc = MG_ERR_CANCELLED;
	if (rc == MG_OK)
		rc = mg_pick_threshold(st.a, st.cfg, st.model, data, cb);
	if (rc != MG_OK)
		goto fail;

	train_state_free(&st);
	*out = mdl;
	return MG_OK;

fail:
	train_state_free(&st);
	mg_model_free(a, mdl);
	return rc;
}
