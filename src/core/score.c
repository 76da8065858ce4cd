/*-------------------------------------------------------------------------
 *
 * score.c
 *	  Scoring whole series: windows at a stride plus an end-aligned last
 *	  window, scored in chunks, mapped back to every time step by
 *	  averaging over the windows that cover it (paper eq. 23, with the true
 *	  stride instead of the reference code's hard-coded 10).
 *
 * src/core/score.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "mimgan_core.h"
#include "core_internal.h"


/*
 * Score windows of raw rows; see mimgan_core.h.
 */
mg_status
mg_score_raw_windows(const mg_model *model, const mg_alloc *a,
					 const double *X, int64_t n,
					 const int64_t *starts, int64_t nwin,
					 const mg_score_opts *o, const mg_callbacks *cb,
					 float *dis, float *rec, float *resid)
{
	float	   *P;
	float	   *E;
	mg_status	rc;

	if (model == NULL || X == NULL || n < 1)
		return MG_ERR_ARG;
	P = mg_malloc(a, (size_t) n, sizeof(float) * model->k);
	E = mg_malloc(a, (size_t) n, sizeof(float) * model->m);
	if (P == NULL || E == NULL)
		rc = MG_ERR_NOMEM;
	else
	{
		rc = mg_prep_apply(model->prep, X, n, P);
		if (rc == MG_OK)
			rc = mg_prep_excess(model->prep, X, n, E);
		if (rc == MG_OK)
			rc = mg_score_windows_ex(model, a, P, E, n, starts, nwin, o, cb,
									 dis, rec, resid);
	}
	mg_free(a, P);
	mg_free(a, E);
	return rc;
}

/*
 * Trailing mean over the last k scored rows of the same series, in place,
 * of the per-row discrimination and reconstruction parts (so the DIRE
 * score, linear in them, is smoothed the same way).  Rows without a score
 * (cnt 0) are skipped and stay without one.  Prefix sums in double over
 * each series' scored rows; O(n) whatever k.
 */
static mg_status
smooth_trailing(const mg_alloc *a, const mg_data *data, const float *cnt,
				double *sdis, double *srec, int k)
{
	int64_t		n = data->n;
	double	   *pd = mg_malloc(a, (size_t) n + 1, sizeof(double));
	double	   *pr = mg_malloc(a, (size_t) n + 1, sizeof(double));
	int64_t    *idx = mg_malloc(a, (size_t) n + 1, sizeof(int64_t));
	int			s;

	if (pd == NULL || pr == NULL || idx == NULL)
	{
		mg_free(a, pd);
		mg_free(a, pr);
		mg_free(a, idx);
		return MG_ERR_NOMEM;
	}
	for (s = 0; s < data->nseries; s++)
	{
		int64_t		q = 0,
					i,
					j;

		pd[0] = pr[0] = 0.0;
		for (i = data->series_start[s]; i < data->series_start[s + 1]; i++)
			if (cnt[i] > 0)
			{
				idx[q] = i;
				pd[q + 1] = pd[q] + sdis[i];
				pr[q + 1] = pr[q] + srec[i];
				q++;
			}
		for (j = 0; j < q; j++)
		{
			int64_t		lo = j + 1 > k ? j + 1 - k : 0;
			double		w = (double) (j + 1 - lo);

			sdis[idx[j]] = (pd[j + 1] - pd[lo]) / w;
			srec[idx[j]] = (pr[j + 1] - pr[lo]) / w;
		}
	}
	mg_free(a, pd);
	mg_free(a, pr);
	mg_free(a, idx);
	return MG_OK;
}

/*
 * Score every row of every series; see mimgan_core.h.
 */
mg_status
mg_score_series(const mg_model *model, const mg_alloc *a,
				const mg_data *data, const mg_score_opts *o,
				const mg_callbacks *cb,
				double *score, double *dis, double *rec, float *resid)
{
	int			L;
	int			m;
	int			k;
	int64_t		n;
	int64_t		nwin;
	int64_t		c0;
	int64_t		i;
	int64_t    *starts = NULL;
	float	   *P = NULL;
	float	   *E = NULL;
	float	   *wdis = NULL;
	float	   *wrec = NULL;
	float	   *wres = NULL;
	double	   *sdis = NULL;
	double	   *srec = NULL;
	float	   *cnt = NULL;
	mg_status	rc;

	if (model == NULL || o == NULL || score == NULL)
		return MG_ERR_ARG;
	rc = mg_check_data(data);
	if (rc != MG_OK)
		return rc;
	if (data->m != model->m || o->step < 1)
		return MG_ERR_ARG;

	L = model->cfg.seq_len;
	m = model->m;
	k = model->k;
	n = data->n;

	nwin = mg_cut_windows(data, L, o->step, NULL);
	P = mg_malloc(a, (size_t) n, sizeof(float) * k);
	E = mg_malloc(a, (size_t) n, sizeof(float) * m);
	starts = mg_malloc(a, (size_t) (nwin > 0 ? nwin : 1), sizeof(int64_t));
	wdis = mg_malloc(a, (size_t) MG_SCORE_CHUNK * L, sizeof(float));
	wrec = mg_malloc(a, (size_t) MG_SCORE_CHUNK * L, sizeof(float));
	sdis = mg_calloc(a, (size_t) n, sizeof(double));
	srec = mg_calloc(a, (size_t) n, sizeof(double));
	cnt = mg_calloc(a, (size_t) n, sizeof(float));
	if (resid)
		wres = mg_malloc(a, (size_t) MG_SCORE_CHUNK * L, sizeof(float) * m);
	if (!P || !E || !starts || !wdis || !wrec || !sdis || !srec || !cnt ||
		(resid && !wres))
	{
		rc = MG_ERR_NOMEM;
		goto done;
	}
	rc = mg_prep_apply(model->prep, data->X, n, P);
	if (rc == MG_OK)
		rc = mg_prep_excess(model->prep, data->X, n, E);
	if (rc != MG_OK)
		goto done;
	mg_cut_windows(data, L, o->step, starts);
	if (resid)
		memset(resid, 0, sizeof(float) * (size_t) n * m);

	for (c0 = 0; c0 < nwin; c0 += MG_SCORE_CHUNK)
	{
		int64_t		nc = (nwin - c0 < MG_SCORE_CHUNK) ? nwin - c0 : MG_SCORE_CHUNK;
		int64_t		w;

		rc = mg_score_windows_ex(model, a, P, E, n, starts + c0, nc, o, cb,
								 wdis, wrec, wres);
		if (rc != MG_OK)
			goto done;
		for (w = 0; w < nc; w++)
		{
			int64_t		s = starts[c0 + w];
			int			t;

			for (t = 0; t < L; t++)
			{
				sdis[s + t] += wdis[w * L + t];
				srec[s + t] += wrec[w * L + t];
				cnt[s + t] += 1.0f;
				if (resid)
				{
					const float *src = wres + ((size_t) w * L + t) * m;
					float	   *dst = resid + (size_t) (s + t) * m;
					int			j;

					for (j = 0; j < m; j++)
						dst[j] += src[j];
				}
			}
		}
	}

	for (i = 0; i < n; i++)
		if (cnt[i] > 0)
		{
			sdis[i] /= cnt[i];
			srec[i] /= cnt[i];
		}
	if (o->smooth > 1)
	{
		rc = smooth_trailing(a, data, cnt, sdis, srec, o->smooth);
		if (rc != MG_OK)
			goto done;
	}
	for (i = 0; i < n; i++)
	{
		if (cnt[i] > 0)
		{
			double		d = sdis[i];
			double		r = srec[i];

			score[i] = o->lambda * d + (1.0 - o->lambda) * r;
			if (dis)
				dis[i] = d;
			if (rec)
				rec[i] = r;
			if (resid)
			{
				int			j;

				for (j = 0; j < m; j++)
					resid[(size_t) i * m + j] /= cnt[i];
			}
		}
		else
		{
			score[i] = NAN;
			if (dis)
				dis[i] = NAN;
			if (rec)
				rec[i] = NAN;
		}
	}
	rc = MG_OK;
done:
	mg_free(a, P);
	mg_free(a, E);
	mg_free(a, starts);
	mg_free(a, wdis);
	mg_free(a, wrec);
	mg_free(a, wres);
	mg_free(a, sdis);
	mg_free(a, srec);
	mg_free(a, cnt);
	return rc;
}
