/*-------------------------------------------------------------------------
 *
 * prep.c
 *	  Column normalisation and optional PCA, fitted on training rows only.
 *
 * Per raw column j the model stores shift[j] and scale[j]; a value x maps to
 *	  minmax  y = (x - min) * scale - 1, scale = 2 / (max - min), then y is
 *	          clipped to [-1, 1] (shift = min)
 *	  zscore  y = (x - mean) * scale, scale = 1 / sd (population sd, shift =
 *	          mean)
 *	  none    y = x (shift = 0, scale = 1; no constant-column detection)
 * A column is constant when max - min <= 1e-12 * max(|max|, |min|) (for
 * zscore also when sd <= 1e-12 * max(|max|, |min|)); it gets scale = 0 and
 * maps to y = 0 whatever x is.  Column statistics are computed in double
 * (two-pass mean / variance).  The reference code divided each split by its
 * own maximum (ALGORITHM.md section 1.1); we fit on the training rows only
 * and clip later values (section 9 row 6).
 *
 * PCA (section 9 row 5): on the normalised training rows y, the mean
 * pca_mean and the covariance C = sum (y - mean)(y - mean)^T / (n - 1)
 * (divisor 1 when n == 1) are accumulated in double; LAPACK dsyev gives its
 * eigenvectors, the pca_k with the largest eigenvalues become the rows of
 * pca_comp (in decreasing eigenvalue order), each with its sign fixed so
 * that its largest-magnitude entry is positive (ties, within a relative
 * 1e-9: the lowest index).
 * Features are then out_c = sum_j (y_j - pca_mean_j) pca_comp[c][j].
 *
 * src/core/prep.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "mimgan_core.h"
#include "core_internal.h"

#define MG_PREP_MAX_COLS 1600
#define MG_CONST_REL 1e-12
#define MG_SIGN_TIE_REL 1e-9

/* Normalised value of column j for raw value x (see the file header). */
static inline double
norm_value(const mg_prep *p, int j, double x)
{
	double		y;

	if (p->scale[j] == 0.0)
		return 0.0;
	y = (x - p->shift[j]) * p->scale[j];
	if (p->norm == MG_NORM_MINMAX)
	{
		y -= 1.0;
		if (y < -1.0)
			y = -1.0;
		else if (y > 1.0)
			y = 1.0;
	}
	return y;
}

/* Free a preprocessing model and its arrays (NULL is fine). */
void
mg_prep_free(const mg_alloc *a, mg_prep *p)
{
	if (p == NULL)
		return;
	mg_free(a, p->shift);
	mg_free(a, p->scale);
	mg_free(a, p->pca_mean);
	mg_free(a, p->pca_comp);
	mg_free(a, p);
}

/* Per-column shift and scale of the chosen normalisation, in double. */
static mg_status
fit_columns(mg_prep *p, const double *X, int64_t n, int m)
{
	int			j;
	int64_t		i;

	for (j = 0; j < m; j++)
	{
		double		lo = X[j],
					hi = X[j],
					sum = 0.0,
					ss = 0.0,
					mean,
					sd,
					range,
					mag;

		for (i = 0; i < n; i++)
		{
			double		x = X[i * m + j];

			if (!isfinite(x))
				return MG_ERR_NONFINITE;
			if (x < lo)
				lo = x;
			if (x > hi)
				hi = x;
			sum += x;
		}
		mean = sum / (double) n;
		for (i = 0; i < n; i++)
		{
			double		d = X[i * m + j] - mean;

			ss += d * d;
		}
		sd = sqrt(ss / (double) n);
		range = hi - lo;
		mag = fmax(fabs(hi), fabs(lo));
		if (!isfinite(range) || !isfinite(mean) || !isfinite(sd))
			return MG_ERR_NONFINITE;

		switch (p->norm)
		{
			case MG_NORM_MINMAX:
				p->shift[j] = lo;
				p->scale[j] = range <= MG_CONST_REL * mag ? 0.0 : 2.0 / range;
				break;
			case MG_NORM_ZSCORE:
				p->shift[j] = mean;
				p->scale[j] = (range <= MG_CONST_REL * mag ||
							   sd <= MG_CONST_REL * mag) ? 0.0 : 1.0 / sd;
				break;
			default:
				p->shift[j] = 0.0;
				p->scale[j] = 1.0;
				break;
		}
	}
	return MG_OK;
}

/* Mean, covariance and top-k eigenvectors of the normalised rows. */
static mg_status
fit_pca(const mg_alloc *a, mg_prep *p, const double *X, int64_t n, int m)
{
	double	   *cov = mg_calloc(a, (size_t) m * m, sizeof(double));
	double	   *w = mg_malloc(a, (size_t) m, sizeof(double));
	double	   *d = mg_malloc(a, (size_t) m, sizeof(double));
	double	   *work = NULL;
	double		wq;
	int			lwork = -1,
				info = 0,
				c,
				j,
				b;
	int64_t		i;
	mg_status	rc = MG_OK;

	if (cov == NULL || w == NULL || d == NULL)
	{
		rc = MG_ERR_NOMEM;
		goto done;
	}
	for (j = 0; j < m; j++)
		p->pca_mean[j] = 0.0;
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			p->pca_mean[j] += norm_value(p, j, X[i * m + j]);
	for (j = 0; j < m; j++)
		p->pca_mean[j] /= (double) n;

	/* upper triangle of the scatter matrix, then mirror and scale */
	for (i = 0; i < n; i++)
	{
		for (j = 0; j < m; j++)
			d[j] = norm_value(p, j, X[i * m + j]) - p->pca_mean[j];
		for (j = 0; j < m; j++)
		{
			double		dj = d[j];
			double	   *row = cov + (size_t) j * m;

			for (b = j; b < m; b++)
				row[b] += dj * d[b];
		}
	}
	for (j = 0; j < m; j++)
		for (b = j; b < m; b++)
		{
			double		v = cov[(size_t) j * m + b] / (double) (n > 1 ? n - 1 : 1);

			cov[(size_t) j * m + b] = v;
			cov[(size_t) b * m + j] = v;
		}

	/* workspace query, then the decomposition (eigenvalues ascending) */
	mg_dsyev("V", "U", &m, cov, &m, w, &wq, &lwork, &info);
	if (info != 0)
	{
		rc = MG_ERR_LAPACK;
		goto done;
	}
	lwork = (int) wq;
	if (lwork < 3 * m)
		lwork = 3 * m;
	work = mg_malloc(a, (size_t) lwork, sizeof(double));
	if (work == NULL)
	{
		rc = MG_ERR_NOMEM;
		goto done;
	}
	mg_dsyev("V", "U", &m, cov, &m, w, work, &lwork, &info);
	if (info != 0)
	{
		rc = MG_ERR_LAPACK;
		goto done;
	}

	/* column e of the Fortran result (= row e in C) is eigenvector e */
	for (c = 0; c < p->pca_k; c++)
	{
		const double *v = cov + (size_t) (m - 1 - c) * m;
		double	   *dst = p->pca_comp + (size_t) c * m;
		int			big = 0;
		double		vmax = 0.0,
					sgn;

		/*
		 * Entries within a relative 1e-9 of the largest magnitude count as
		 * tied, so round-off cannot decide exact ties such as the
		 * (1, -1) / sqrt 2 of two z-scored columns; the lowest index wins.
		 */
		for (j = 0; j < m; j++)
			vmax = fmax(vmax, fabs(v[j]));
		for (j = 0; j < m; j++)
			if (fabs(v[j]) >= vmax * (1.0 - MG_SIGN_TIE_REL))
			{
				big = j;
				break;
			}
		sgn = v[big] < 0.0 ? -1.0 : 1.0;
		for (j = 0; j < m; j++)
		{
			dst[j] = sgn * v[j];
			if (!isfinite(dst[j]))
				rc = MG_ERR_LAPACK;
		}
	}

done:
	mg_free(a, cov);
	mg_free(a, w);
	mg_free(a, d);
	mg_free(a, work);
	return rc;
}

/* Fit normalisation (and PCA when pca_k > 0) on the training rows X. */
mg_status
mg_prep_fit(const mg_alloc *a, const double *X, int64_t n, int m,
			int norm, int pca_k, mg_prep **out)
{
	mg_prep    *p;
	mg_status	rc;

	*out = NULL;
	if (m < 1 || m > MG_PREP_MAX_COLS || pca_k < 0 || pca_k > m || n < 0 ||
		(norm != MG_NORM_MINMAX && norm != MG_NORM_ZSCORE && norm != MG_NORM_NONE))
		return MG_ERR_ARG;
	if (n < 1)
		return MG_ERR_NODATA;

	p = mg_calloc(a, 1, sizeof(mg_prep));
	if (p == NULL)
		return MG_ERR_NOMEM;
	p->m = m;
	p->k = pca_k > 0 ? pca_k : m;
	p->norm = norm;
	p->pca_k = pca_k;
	p->shift = mg_calloc(a, (size_t) m, sizeof(double));
	p->scale = mg_calloc(a, (size_t) m, sizeof(double));
	if (p->shift == NULL || p->scale == NULL)
	{
		rc = MG_ERR_NOMEM;
		goto fail;
	}
	rc = fit_columns(p, X, n, m);
	if (rc != MG_OK)
		goto fail;
	if (pca_k > 0)
	{
		p->pca_mean = mg_calloc(a, (size_t) m, sizeof(double));
		p->pca_comp = mg_calloc(a, (size_t) pca_k * m, sizeof(double));
		if (p->pca_mean == NULL || p->pca_comp == NULL)
		{
			rc = MG_ERR_NOMEM;
			goto fail;
		}
		rc = fit_pca(a, p, X, n, m);
		if (rc != MG_OK)
			goto fail;
	}
	*out = p;
	return MG_OK;

fail:
	mg_prep_free(a, p);
	return rc;
}

/* 1 if the m values of row x are all finite */
static int
row_finite(const double *x, int m)
{
	int			j;

	for (j = 0; j < m; j++)
		if (!isfinite(x[j]))
			return 0;
	return 1;
}

/* Normalise (and project when PCA is on) n rows into out [n][k]. */
mg_status
mg_prep_apply(const mg_prep *p, const double *X, int64_t n, float *out)
{
	int			m,
				k,
				j,
				c;
	int64_t		i;

	if (p == NULL || n < 0)
		return MG_ERR_ARG;
	m = p->m;
	k = p->k;
	for (i = 0; i < n; i++)
	{
		const double *x = X + i * m;
		float	   *o = out + i * k;

		if (!row_finite(x, m))
			return MG_ERR_NONFINITE;
		if (p->pca_k > 0)
		{
			for (c = 0; c < k; c++)
			{
				const double *v = p->pca_comp + (size_t) c * m;
				double		s = 0.0;

				for (j = 0; j < m; j++)
					s += (norm_value(p, j, x[j]) - p->pca_mean[j]) * v[j];
				o[c] = (float) s;
			}
		}
		else
			for (j = 0; j < m; j++)
				o[j] = (float) norm_value(p, j, x[j]);
	}
	return MG_OK;
}

/*
 * Part of each normalised value beyond [-1, 1] that min-max clipping
 * removed (signed; 0 inside the range, and always 0 for zscore and none).
 * Scoring adds it to the residual so an out-of-range value still counts
 * by how far it is out of range.  out is [n][m].
 */
mg_status
mg_prep_excess(const mg_prep *p, const double *X, int64_t n, float *out)
{
	int			m,
				j;
	int64_t		i;

	if (p == NULL || n < 0)
		return MG_ERR_ARG;
	m = p->m;
	for (i = 0; i < n; i++)
	{
		const double *x = X + i * m;

		if (!row_finite(x, m))
			return MG_ERR_NONFINITE;
		for (j = 0; j < m; j++)
		{
			double		y = 0.0;

			if (p->norm == MG_NORM_MINMAX && p->scale[j] != 0.0)
			{
				y = (x[j] - p->shift[j]) * p->scale[j] - 1.0;
				y = y > 1.0 ? y - 1.0 : (y < -1.0 ? y + 1.0 : 0.0);
			}
			out[i * m + j] = (float) y;
		}
	}
	return MG_OK;
}
