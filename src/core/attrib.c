/*-------------------------------------------------------------------------
 *
 * attrib.c
 *	  Per-column attribution of a scored step: which columns top_cols
 *	  ranks first (mg_config.attribution, scoring option "attribution").
 *
 * 'residual' (MG_ATTR_RESIDUAL) is the reconstruction residual
 * |x - G(Z*)| of each column (divided by its training scale with
 * resid_norm 'train'), the paper's per-variable figure (ALGORITHM.md
 * section 11).
 *
 * 'deviation' (MG_ATTR_DEVIATION) measures how far each column's value at
 * a step is from that column's mean over the window:
 *
 *	  dev_t,c = | v_t,c - mean_u v_u,c | / s_c
 *
 * where v is the model's normalised value with the part that min-max
 * clipping removed added back (so a value far outside the training range
 * counts by how far it is; with PCA, the value the model sees projected
 * back to the raw columns), and s_c is the median over the scored
 * training rows of the same figure, floored at a tenth of the median
 * column's (at least 1e-3).  A column counts by how unusual its move is
 * for that column.  As with the residual, a step's figure is the mean over
 * the windows that cover it.  Chosen by measurement (HitRate against the
 * interpretation labels of SMD and ASD, doc/benchmarks.md "Attribution
 * (session 5)"): the reconstruction G(E(x)) reproduces most of an
 * anomaly, so its residual ranked the labelled columns no better than a
 * random order.
 *
 * The DIRE score never depends on the attribution.
 *
 * src/core/attrib.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "mimgan_core.h"
#include "core_internal.h"

/* smallest deviation scale, in normalised units (min-max: range 2) */
#define MG_ATTR_MIN_SCALE 1e-3

/*
 * The m values of one row that the deviation is taken of: prow is the
 * row's k prepared features (mg_prep_apply), erow its m clipping excesses
 * (mg_prep_excess) or NULL.
 */
void
mg_attr_values(const mg_prep *p, const float *prow, const float *erow,
			   float *v)
{
	int			m = p->m;
	int			c,
				j;

	if (p->pca_k > 0)
	{
		for (c = 0; c < m; c++)
		{
			double		s = p->pca_mean[c];

			for (j = 0; j < p->pca_k; j++)
				s += (double) prow[j] * p->pca_comp[(size_t) j * m + c];
			v[c] = (float) s;
		}
	}
	else
		memcpy(v, prow, sizeof(float) * m);
	if (erow)
		for (c = 0; c < m; c++)
			v[c] += erow[c];
}

/*
 * In place, v [L][m] (one window's values) becomes |v - column mean over
 * the window|, divided by scale[c] when scale is non-NULL.
 */
void
mg_attr_deviation(float *v, int L, int m, const float *scale)
{
	int			t,
				c;

	for (c = 0; c < m; c++)
	{
		double		mean = 0.0;
		double		inv = scale ? 1.0 / scale[c] : 1.0;

		for (t = 0; t < L; t++)
			mean += v[(size_t) t * m + c];
		mean /= L;
		for (t = 0; t < L; t++)
		{
			float	   *x = v + (size_t) t * m + c;

			*x = (float) (fabs(*x - mean) * inv);
		}
	}
}

/*
 * The deviation scales of a trained model (mdl->attr_scale, [m]) from the
 * rows of data, windows cut at stride step as scoring cuts them: per
 * column, the median over the rows with a window of the mean deviation
 * over the windows covering the row, floored (see the file header).
 * cb->cancel (cb may be NULL) is polled every MG_SCORE_CHUNK windows.
 */
mg_status
mg_fit_attr_scale(const mg_alloc *a, mg_model *mdl, const mg_data *data,
				  int step, const mg_callbacks *cb)
{
	int			L = mdl->cfg.seq_len;
	int			m = mdl->m;
	int			k = mdl->k;
	int64_t		n = data->n;
	int64_t		nwin,
				w,
				i,
				nv;
	int64_t    *starts = NULL;
	float	   *P = NULL,
			   *E = NULL,
			   *buf = NULL,
			   *acc = NULL,
			   *cnt = NULL;
	double	   *col = NULL,
			   *med = NULL;
	int			t,
				c;
	mg_status	rc;

	if (data->m != m || step < 1)
		return MG_ERR_ARG;
	nwin = mg_cut_windows(data, L, step, NULL);
	if (nwin < 1)
		return MG_ERR_NODATA;
	starts = mg_malloc(a, (size_t) nwin, sizeof(int64_t));
	P = mg_malloc(a, (size_t) n, sizeof(float) * k);
	E = mg_malloc(a, (size_t) n, sizeof(float) * m);
	buf = mg_malloc(a, (size_t) L, sizeof(float) * m);
	acc = mg_calloc(a, (size_t) n, sizeof(float) * m);
	cnt = mg_calloc(a, (size_t) n, sizeof(float));
	col = mg_malloc(a, (size_t) n, sizeof(double));
	med = mg_malloc(a, (size_t) m, sizeof(double));
	mdl->attr_scale = mg_malloc(a, (size_t) m, sizeof(float));
	if (!starts || !P || !E || !buf || !acc || !cnt || !col || !med ||
		!mdl->attr_scale)
	{
		rc = MG_ERR_NOMEM;
		goto done;
	}
	rc = mg_prep_apply(mdl->prep, data->X, n, P);
	if (rc == MG_OK)
		rc = mg_prep_excess(mdl->prep, data->X, n, E);
	if (rc != MG_OK)
		goto done;
	mg_cut_windows(data, L, step, starts);

	for (w = 0; w < nwin; w++)
	{
		int64_t		s = starts[w];

		if (w % MG_SCORE_CHUNK == 0 && cb && cb->cancel && cb->cancel(cb->arg))
		{
			rc = MG_ERR_CANCELLED;
			goto done;
		}
		for (t = 0; t < L; t++)
			mg_attr_values(mdl->prep, P + (size_t) (s + t) * k,
						   E + (size_t) (s + t) * m, buf + (size_t) t * m);
		mg_attr_deviation(buf, L, m, NULL);
		for (t = 0; t < L; t++)
		{
			float	   *dst = acc + (size_t) (s + t) * m;

			for (c = 0; c < m; c++)
				dst[c] += buf[(size_t) t * m + c];
			cnt[s + t] += 1.0f;
		}
	}

	for (c = 0; c < m; c++)
	{
		nv = 0;
		for (i = 0; i < n; i++)
			if (cnt[i] > 0)
				col[nv++] = acc[(size_t) i * m + c] / cnt[i];
		med[c] = mg_quantile(a, col, nv, 0.5);
		if (!isfinite(med[c]))
		{
			rc = isnan(med[c]) && nv > 0 ? MG_ERR_NOMEM : MG_ERR_DIVERGED;
			goto done;
		}
	}
	rc = mg_floor_scales(a, med, m, MG_ATTR_MIN_SCALE, mdl->attr_scale);
done:
	if (rc != MG_OK)
	{
		mg_free(a, mdl->attr_scale);
		mdl->attr_scale = NULL;
	}
	mg_free(a, starts);
	mg_free(a, P);
	mg_free(a, E);
	mg_free(a, buf);
	mg_free(a, acc);
	mg_free(a, cnt);
	mg_free(a, col);
	mg_free(a, med);
	return rc;
}
