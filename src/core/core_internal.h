/*-------------------------------------------------------------------------
 *
 * core_internal.h
 *	  Helpers shared between numerical-core files; not part of the API.
 *
 * src/core/core_internal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIMGAN_CORE_INTERNAL_H
#define MIMGAN_CORE_INTERNAL_H

#include "mimgan_core.h"

/* Window starts at stride step per series plus an end-aligned last window;
 * returns the count, fills starts when non-NULL (gan.c). */
extern int64_t mg_cut_windows(const mg_data *data, int L, int step,
							  int64_t *starts);
/* 1 if an epoch's losses, gradient norms and the model's weights are all
 * finite; training stops with MG_ERR_DIVERGED otherwise (gan.c). */
extern int	mg_epoch_finite(const mg_epoch_info *info, const mg_model *mdl);
/* Validate the series layout of data (gan.c). */
extern mg_status mg_check_data(const mg_data *data);

/* sgemm through the loaded OpenBLAS; 0 when none is loaded (blasload.c) */
extern int	mg_blas_lib_sgemm(int transA, int transB, int M, int N, int K,
							  float alpha, const float *A, int lda,
							  const float *B, int ldb,
							  float beta, float *C, int ldc);
/* LAPACK dsyev through the loaded OpenBLAS; *info = -1000 when absent */
extern void mg_dsyev(const char *jobz, const char *uplo, const int *n,
					 double *a, const int *lda, double *w, double *work,
					 const int *lwork, int *info);

/* The median of the L*L entries of a symmetric, zero-diagonal matrix of
 * entries >= 0 from its L(L-1)/2 entries above the diagonal, d (reordered
 * in place); the value a full sort gives (invert.c). */
extern double mg_sym_median(double *d, int L);

/* Precision, recall and F1 of tp true and fp false positives among npos
 * positives (0 for an empty denominator, as sklearn's zero_division). */
static inline void
mg_prf(int64_t tp, int64_t fp, int64_t npos, double *precision,
	   double *recall, double *f1)
{
	*precision = tp + fp > 0 ? (double) tp / (double) (tp + fp) : 0.0;
	*recall = npos > 0 ? (double) tp / (double) npos : 0.0;
	*f1 = 2 * tp + fp + (npos - tp) > 0 ?
		2.0 * (double) tp / (double) (2 * tp + fp + (npos - tp)) : 0.0;
}

/* Per-column scales: v[c], floored at a tenth of the median of v[0..m)
 * (at least min_scale); MG_ERR_NOMEM when the median cannot be taken
 * (threshold.c: residual scales; attrib.c: deviation scales). */
extern mg_status mg_floor_scales(const mg_alloc *a, const double *v, int m,
								 double min_scale, float *out);

/* The label-free threshold of a freshly trained model and, with
 * resid_norm, its residual scales (threshold.c; called by mg_fit). */
extern mg_status mg_pick_threshold(const mg_alloc *a, const mg_config *cfg,
								   mg_model *mdl, const mg_data *data,
								   const mg_callbacks *cb);

/* Attribution 'deviation' (attrib.c): the m values of one row whose
 * deviation is taken (prow: k prepared features, erow: m clipping excesses
 * or NULL); in place, a window's values v [L][m] become their absolute
 * deviation from the window's column means, divided by scale when
 * non-NULL; the model's deviation scales from training rows (cb may be
 * NULL; its cancel is polled). */
extern void mg_attr_values(const mg_prep *p, const float *prow,
						   const float *erow, float *v);
extern void mg_attr_deviation(float *v, int L, int m, const float *scale);
extern mg_status mg_fit_attr_scale(const mg_alloc *a, mg_model *mdl,
								   const mg_data *data, int step,
								   const mg_callbacks *cb);

#endif
