/*-------------------------------------------------------------------------
 *
 * mimgan_core.h
 *	  Public API of the mimgan numerical core: LSTM layers, GAN training
 *	  with the MIM / BCE losses, latent inversion, DIRE scoring, metrics and
 *	  the model blob.
 *
 * The core is plain C99 over OpenBLAS.  It includes no PostgreSQL header,
 * never prints, never aborts and never longjmps: every fallible function
 * returns an mg_status, and every allocation goes through an mg_alloc
 * callback so the PostgreSQL glue can use memory contexts.
 *
 * Vocabulary.
 *	  row      one time step of the source: m raw numeric columns.
 *	  feature  one of the k model inputs after preprocessing (k == m unless
 *	           PCA is on).
 *	  series   a maximal run of consecutive rows that windows may span.
 *	  window   L = seq_len consecutive rows of one series.
 *	  epoch    one pass over every training window (shuffled).
 *	  score    DIRE: lambda * dis + (1 - lambda) * rec, per time step.
 *
 * Layout conventions.  Matrices are row-major.  Sequence buffers are
 * time-major: element (t, b, j) of a [T][B][n] buffer is at
 * (t * B + b) * n + j.  Window/step buffers produced by scoring are
 * window-major: (w, t) at w * L + t.
 *
 * Math: ../doc/algorithm.md (and ALGORITHM.md in the design folder).
 *
 * include/mimgan_core.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIMGAN_CORE_H
#define MIMGAN_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------
 * Status codes
 * --------------------------------------------------------------------- */
typedef enum mg_status
{
	MG_OK = 0,
	MG_ERR_NOMEM,				/* allocator returned NULL or size overflow */
	MG_ERR_ARG,					/* invalid argument / configuration */
	MG_ERR_CANCELLED,			/* cancel callback asked to stop */
	MG_ERR_DIVERGED,			/* NaN/Inf in a loss or in weights */
	MG_ERR_NODATA,				/* no window can be cut from the data */
	MG_ERR_NONFINITE,			/* NaN/Inf in input data */
	MG_ERR_LAPACK,				/* eigen-decomposition failed */
	MG_ERR_BLOB_SHORT,			/* blob truncated / length mismatch */
	MG_ERR_BLOB_MAGIC,			/* not a mimgan model blob */
	MG_ERR_BLOB_VERSION,		/* unsupported format version */
	MG_ERR_BLOB_CHECKSUM,		/* checksum mismatch */
	MG_ERR_BLOB_INVALID			/* fields out of range / inconsistent */
} mg_status;

/* Short lower-case description of a status, never NULL. */
const char *mg_status_string(mg_status st);

/* ---------------------------------------------------------------------
 * Allocation (src/core/alloc.c)
 * --------------------------------------------------------------------- */
typedef struct mg_alloc
{
	/* returns NULL on failure; memory need not be zeroed */
	void	   *(*alloc) (void *ctx, size_t size);
	void		(*release) (void *ctx, void *ptr);
	void	   *ctx;
} mg_alloc;

/* malloc/free based allocator (unit tests, tools) */
extern const mg_alloc mg_alloc_std;

/* Allocate n * size bytes (overflow-checked), zeroed.  NULL on failure. */
void	   *mg_calloc(const mg_alloc *a, size_t n, size_t size);
/* Allocate n * size bytes (overflow-checked), not zeroed. */
void	   *mg_malloc(const mg_alloc *a, size_t n, size_t size);
/* Free (NULL is fine). */
void		mg_free(const mg_alloc *a, void *p);

/* ---------------------------------------------------------------------
 * Random numbers (src/core/rng.c): xoshiro256** seeded by splitmix64.
 * Explicit state, no globals; bit-for-bit reproducible across platforms.
 * --------------------------------------------------------------------- */
typedef struct mg_rng
{
	uint64_t	s[4];
	int			has_spare;
	double		spare;
} mg_rng;

void		mg_rng_seed(mg_rng *r, uint64_t seed);
uint64_t	mg_rng_next(mg_rng *r);
double		mg_rng_uniform(mg_rng *r);	/* [0, 1) with 53 bits */
double		mg_rng_normal(mg_rng *r);	/* N(0,1), polar Box-Muller */
void		mg_rng_fill_normal(mg_rng *r, float *x, size_t n, float stddev);
/* Fisher-Yates shuffle of idx[0..n) */
void		mg_rng_shuffle(mg_rng *r, int64_t *idx, int64_t n);

/* ---------------------------------------------------------------------
 * BLAS wrapper (src/core/blas.c).  Every BLAS call of the core goes
 * through these.  Row-major.  C = alpha * op(A) * op(B) + beta * C where
 * op(A) is M x K and op(B) is K x N.
 * --------------------------------------------------------------------- */
void		mg_sgemm(int transA, int transB, int M, int N, int K,
					 float alpha, const float *A, int lda,
					 const float *B, int ldb,
					 float beta, float *C, int ldc);
/* plain-C reference with the same contract (self-check, tests) */
void		mg_sgemm_ref(int transA, int transB, int M, int N, int K,
						 float alpha, const float *A, int lda,
						 const float *B, int ldb,
						 float beta, float *C, int ldc);
/* Compare mg_sgemm with the reference on a few shapes: 0 ok, -1 mismatch
 * (after which mg_sgemm uses the reference). */
int			mg_blas_selfcheck(void);
/* -1: self-check not run yet; 0: passed; 1: failed */
int			mg_blas_selfcheck_state(void);

/*
 * Loading OpenBLAS (src/core/blasload.c): at first use, dlopen with a
 * kernel (OPENBLAS_CORETYPE) chosen from the CPU's features.
 */
#define MG_CPU_SSE3		(1u << 0)
#define MG_CPU_AVX		(1u << 1)
#define MG_CPU_AVX2		(1u << 2)
#define MG_CPU_FMA		(1u << 3)
#define MG_CPU_AVX512F	(1u << 4)
#define MG_CPU_AVX512CD (1u << 5)
#define MG_CPU_AVX512BW (1u << 6)
#define MG_CPU_AVX512DQ (1u << 7)
#define MG_CPU_AVX512VL (1u << 8)
#define MG_CPU_AMD		(1u << 9)

typedef struct mg_blas_status
{
	int			loaded;			/* 1: OpenBLAS loaded; 0: reference sgemm */
	int			selfcheck;		/* -1 not run, 0 passed, 1 failed */
	int			threads;		/* OpenBLAS threads now */
	const char *source;			/* how the core type was chosen */
	char		library[256];	/* path of the loaded library */
	char		config[160];	/* openblas_get_config() */
	char		core[32];		/* kernel running (openblas_get_corename) */
	char		requested[32];	/* OPENBLAS_CORETYPE asked for, "" none */
	char		cpu[160];		/* CPU feature names */
} mg_blas_status;

unsigned	mg_cpu_features(void);
void		mg_cpu_features_string(unsigned f, char *buf, size_t len);
const char *mg_blas_auto_coretype(unsigned f);
/* 0 valid (*canon: canonical name, NULL for auto/none), -1 unknown,
 * -2 the CPU (features f) lacks the kernels' instructions */
int			mg_blas_coretype_valid(const char *name, unsigned f,
								   const char **canon);
const char *mg_blas_coretype_names(void);
/* 0 loaded, -1 none loadable (reference in use), -2 invalid core type;
 * only the first successful or failed-to-find call has an effect */
int			mg_blas_load(const char *coretype);
void		mg_blas_get_status(mg_blas_status *st);
void		mg_blas_set_threads(int n);
/* 0 sequential OpenBLAS build, 1 pthreads, 2 OpenMP, -1 none loaded or unknown */
int			mg_blas_parallel(void);
/* Join OpenBLAS's worker threads (restarted by the next mg_blas_set_threads);
 * 1 if it joined, 0 if the pool never had workers or cannot be joined. */
int			mg_blas_release_threads(void);
/* Static description: library, version/config, core name, threads. */
const char *mg_blas_info(void);

/*
 * mimgan's worker threads (src/core/par.c): data parallelism over the rows
 * of a batch.  Work is cut into pieces by shape alone, so results do not
 * depend on the thread count.
 */
#define MG_PAR_MAX_THREADS	4	/* = MG_PAR_MAX_PIECES: more could not help */
#define MG_PAR_MAX_PIECES	4
#define MG_PAR_MIN_ROWS		64
typedef void (*mg_par_fn) (void *arg, int piece);
void		mg_par_set_threads(int n);
int			mg_par_threads(void);
void		mg_par_run(int npieces, mg_par_fn fn, void *arg);
int			mg_par_release(void);
int			mg_par_pieces(int64_t n);
void		mg_par_bounds(int64_t n, int npieces, int p, int64_t *r0, int64_t *r1);
/* mg_sgemm in np pieces: rows of C (op(A) = A) or columns (op(A) = A^T) */
void		mg_par_sgemm(int np, int transA, int transB, int M, int N, int K,
						 float alpha, const float *A, int lda,
						 const float *B, int ldb,
						 float beta, float *C, int ldc);

/* Elementwise, vectorisable: y[i] = sigmoid(x[i]) / tanh(x[i]); in place ok */
void		mg_vsigmoid(float *y, const float *x, size_t n);
void		mg_vtanh(float *y, const float *x, size_t n);

/* ---------------------------------------------------------------------
 * LSTM layer (src/core/lstm.c)
 *
 * Parameters of one layer, stored contiguously in this order:
 *	  Wx [in][4H], Wh [H][4H], b [4H]
 * Gate column blocks in the order (i, j, f, o) as in the reference code.
 *	  c_t = sigmoid(f + MG_FORGET_BIAS) * c_{t-1} + sigmoid(i) * tanh(j)
 *	  h_t = sigmoid(o) * tanh(c_t)
 * Each step is one sgemm [x_t, h_{t-1}] [Wx; Wh] for all four gates (the
 * workspace keeps x_t and h_{t-1} side by side); backward, one sgemm per
 * step gives [dx_t, dh_{t-1}] and the weight gradients are one sgemm after
 * the BPTT loop.  A batch's rows run in pieces (mg_par_pieces).
 * --------------------------------------------------------------------- */
#define MG_FORGET_BIAS 1.0f

size_t		mg_lstm_nparams(int in, int hidden);

/* Per-layer workspace holding the forward activations for backprop. */
typedef struct mg_lstm_ws mg_lstm_ws;

mg_status	mg_lstm_ws_create(const mg_alloc *a, int in, int hidden,
							  int T, int Bmax, mg_lstm_ws **out);
void		mg_lstm_ws_destroy(const mg_alloc *a, mg_lstm_ws *ws);

/*
 * Forward over a batch: X [T][B][in] -> Hout [T][B][H].
 * h0, c0: [B][H] initial state, NULL for zeros.  B <= Bmax, T <= ws T.
 */
void		mg_lstm_forward(mg_lstm_ws *ws, const float *params,
							int T, int B, const float *X,
							const float *h0, const float *c0, float *Hout);

/*
 * Backward through time; must follow mg_lstm_forward on the same ws with
 * the same X.  dH [T][B][H] is dLoss/dHout.  Accumulates (+=) parameter
 * gradients into dparams when non-NULL; overwrites dX [T][B][in], dh0 and
 * dc0 [B][H] when non-NULL.
 */
void		mg_lstm_backward(mg_lstm_ws *ws, const float *params,
							 int T, int B, const float *X, const float *dH,
							 float *dparams, float *dX, float *dh0, float *dc0);

/*
 * Row-range variants for callers that cut a batch into pieces themselves
 * (the inversion runs each piece's whole step in one worker): rows
 * [r0, r1) of the same [T][B] layout, zero initial state, no parameter
 * gradients, no threads of their own.  Pieces touch disjoint rows of ws,
 * so they may run concurrently; mg_lstm_set_bias (once per params) must
 * come first.
 */
void		mg_lstm_set_bias(mg_lstm_ws *ws, const float *params);
void		mg_lstm_forward_rows(mg_lstm_ws *ws, const float *params,
								 int T, int B, int r0, int r1,
								 const float *X, float *Hout);
void		mg_lstm_backward_rows(mg_lstm_ws *ws, const float *params,
								  int T, int B, int r0, int r1,
								  const float *dH, float *dX);

/* ---------------------------------------------------------------------
 * Network = stacked LSTM layers + per-step dense output (src/core/net.c)
 *
 * Generator:     in = latent_dim, out = k, out_act = MG_ACT_TANH
 * Discriminator: in = k,          out = 1, out_act = MG_ACT_NONE (logit)
 * Parameters: layer 0 .. layers-1 (mg_lstm layout), then Wo [H][out],
 * bo [out].
 * --------------------------------------------------------------------- */
typedef enum mg_act
{
	MG_ACT_NONE = 0,
	MG_ACT_TANH = 1
} mg_act;

typedef enum mg_init
{
	MG_INIT_REF = 0,			/* reference code: Glorot LSTM, truncated
								 * normal (sd 1, cut at 2) dense layer */
	MG_INIT_GLOROT = 1			/* Glorot uniform everywhere */
} mg_init;

typedef struct mg_net_spec
{
	int			in;
	int			hidden;
	int			layers;
	int			out;
	int			out_act;		/* mg_act */
} mg_net_spec;

size_t		mg_net_nparams(const mg_net_spec *spec);

/*
 * Initialise parameters.  LSTM weights Glorot uniform over the stacked
 * [in+H][4H] matrix; LSTM biases = lstm_bias (1.0 for the reference
 * generator, 0.0 for the discriminator); dense per init kind.
 */
void		mg_net_init(const mg_net_spec *spec, float *params, mg_rng *rng,
						int init, float lstm_bias);

typedef struct mg_net_ws mg_net_ws;

mg_status	mg_net_ws_create(const mg_alloc *a, const mg_net_spec *spec,
							 int T, int Bmax, mg_net_ws **out);
void		mg_net_ws_destroy(const mg_alloc *a, mg_net_ws *ws);

/* X [T][B][in] -> Y [T][B][out] (after the output activation) */
void		mg_net_forward(const mg_net_spec *spec, const float *params,
						   mg_net_ws *ws, int T, int B, const float *X,
						   float *Y);

/*
 * dY [T][B][out] = dLoss/dY (Y as returned by forward).  Accumulates (+=)
 * into dparams when non-NULL; overwrites dX [T][B][in] when non-NULL.
 * Must follow mg_net_forward on the same ws and X.
 */
void		mg_net_backward(const mg_net_spec *spec, const float *params,
							mg_net_ws *ws, int T, int B, const float *X,
							const float *dY, float *dparams, float *dX);

/*
 * Row-range variants (see mg_lstm_forward_rows): rows [r0, r1) of X and Y,
 * in the calling thread, no parameter gradients.  mg_net_prepare (once
 * per params and ws) must come first.
 */
void		mg_net_prepare(const mg_net_spec *spec, const float *params,
						   mg_net_ws *ws);
void		mg_net_forward_rows(const mg_net_spec *spec, const float *params,
								mg_net_ws *ws, int T, int B, int r0, int r1,
								const float *X, float *Y);
void		mg_net_backward_rows(const mg_net_spec *spec, const float *params,
								 mg_net_ws *ws, int T, int B, int r0, int r1,
								 const float *dY, float *dX);

/* ---------------------------------------------------------------------
 * Losses (src/core/loss.c).  Inputs are discriminator logits a; D = sigmoid(a).
 * Exponentials act on probabilities only.  Means accumulate in double.
 *
 *	 D loss, mim/mim_ns: mean e^{1-D(x)} + mean e^{D(G(z))}
 *	 D loss, bce:        mean softplus(-a_real) + mean softplus(a_fake)
 *	 G loss, mim:        -mean e^{D(G(z))}        (G maximises the game)
 *	 G loss, mim_ns:      mean e^{1-D(G(z))}
 *	 G loss, bce:         mean softplus(-a_fake)  (non-saturating)
 *
 * Gradients written are dLoss/da per element (already divided by n).
 * --------------------------------------------------------------------- */
typedef enum mg_loss_kind
{
	MG_LOSS_MIM = 0,
	MG_LOSS_MIM_NS = 1,
	MG_LOSS_BCE = 2
} mg_loss_kind;

double		mg_loss_d(int kind, const float *a_real, const float *a_fake,
					  size_t n, float *g_real, float *g_fake);
double		mg_loss_g(int kind, const float *a_fake, size_t n, float *g_fake);

/*
 * Reconstruction through an encoder (src/core/recon.c): Z = E(X),
 * Y = G(Z); returns mean (Y - X)^2 over T*B*k elements.  When grad_e or
 * grad_g is non-NULL, adds weight times the gradient to it (dY [T][B][k]
 * and dZ [T][B][latent] are then scratch).
 */
double		mg_recon_loss(const mg_net_spec *es, const float *ep,
						  mg_net_ws *ews, const mg_net_spec *gs,
						  const float *gp, mg_net_ws *gws, int T, int B,
						  const float *X, float *Z, float *Y, float *dY,
						  float *dZ, float weight, float *grad_e,
						  float *grad_g);

/* ---------------------------------------------------------------------
 * Optimisers (src/core/optim.c): Adam / AdamW with optional global-norm
 * clipping.  Decay modes:
 *	 MG_WD_NONE      plain Adam
 *	 MG_WD_ADAMW     theta <- theta * (1 - lr * wd), then the Adam step
 *	 MG_WD_TF        theta <- theta * (1 - wd) (TF-contrib, unscaled), then Adam
 * --------------------------------------------------------------------- */
typedef enum mg_wd_mode
{
	MG_WD_NONE = 0,
	MG_WD_ADAMW = 1,
	MG_WD_TF = 2
} mg_wd_mode;

typedef struct mg_adam
{
	size_t		n;
	float		lr;
	float		beta1;
	float		beta2;
	float		eps;
	float		wd;
	int			wd_mode;
	float		clip;			/* global-norm clip, <= 0: off */
	int64_t		t;
	float	   *m;
	float	   *v;
} mg_adam;

mg_status	mg_adam_init(mg_adam *opt, const mg_alloc *a, size_t n,
						 float lr, float beta1, float beta2, float eps,
						 float wd, int wd_mode, float clip);
void		mg_adam_free(mg_adam *opt, const mg_alloc *a);
/* One step; grad may be scaled in place by clipping.  Returns the
 * pre-clip global gradient norm. */
double		mg_adam_step(mg_adam *opt, float *params, float *grad);
double		mg_l2norm(const float *x, size_t n);
/* 1 if every element is finite */
int			mg_all_finite(const float *x, size_t n);

/* ---------------------------------------------------------------------
 * Preprocessing (src/core/prep.c), fitted on training rows only.
 *	 minmax: y = 2 (x - min) / (max - min) - 1, clipped to [-1, 1]
 *	 zscore: y = (x - mean) / sd
 *	 none:   y = x
 * A constant column (range or sd below 1e-12 relative) maps to 0.
 * Optional PCA after normalisation: centred on the training mean, the
 * top pca_k eigenvectors of the covariance (LAPACK dsyev, double), each
 * sign fixed so its largest-magnitude entry is positive.
 * --------------------------------------------------------------------- */
typedef enum mg_norm
{
	MG_NORM_MINMAX = 0,
	MG_NORM_ZSCORE = 1,
	MG_NORM_NONE = 2
} mg_norm;

typedef struct mg_prep
{
	int			m;				/* raw columns */
	int			k;				/* features out (m, or pca_k) */
	int			norm;			/* mg_norm */
	int			pca_k;			/* 0: no PCA */
	double	   *shift;			/* [m] y = (x - shift) * scale (+ -1 for minmax) */
	double	   *scale;			/* [m] 0 for constant columns */
	double	   *pca_mean;		/* [m] or NULL */
	double	   *pca_comp;		/* [pca_k][m] or NULL */
} mg_prep;

/* X: n rows x m columns (row-major double).  All values must be finite. */
mg_status	mg_prep_fit(const mg_alloc *a, const double *X, int64_t n, int m,
						int norm, int pca_k, mg_prep **out);
/* out: n x k floats.  Non-finite input gives MG_ERR_NONFINITE. */
mg_status	mg_prep_apply(const mg_prep *p, const double *X, int64_t n,
						  float *out);
/* Signed part of each min-max value that clipping removed: n x m floats
 * (all 0 for zscore / none).  Scoring adds |excess| to the residual. */
mg_status	mg_prep_excess(const mg_prep *p, const double *X, int64_t n,
						   float *out);
void		mg_prep_free(const mg_alloc *a, mg_prep *p);

/* ---------------------------------------------------------------------
 * Configuration (src/core/config.c)
 * --------------------------------------------------------------------- */
typedef enum mg_invert_optim
{
	MG_INV_ADAM = 0,
	MG_INV_RMSPROP = 1			/* TF1 RMSProp of the reference code */
} mg_invert_optim;

typedef struct mg_config
{
	/* windows */
	int			seq_len;
	int			step;			/* training window stride */
	int64_t		max_train_windows;	/* 0: all; else evenly thinned */
	/* networks */
	int			latent_dim;
	int			hidden_g;
	int			hidden_d;
	int			layers_g;
	int			layers_d;
	int			init;			/* mg_init */
	/* training */
	int			epochs;
	int			batch_size;
	int			d_rounds;
	int			g_rounds;
	int			loss;			/* mg_loss_kind */
	float		lr_d;
	float		lr_g;
	float		weight_decay;
	int			wd_mode;		/* mg_wd_mode */
	float		beta1;
	float		beta2;
	float		adam_eps;
	float		clip_norm;		/* <= 0: off */
	int			reference_batching; /* 1: the reference code's 1/r batches */
	uint64_t	seed;
	/* preprocessing */
	int			normalize;		/* mg_norm */
	int			pca_components; /* 0: off */
	/* scoring */
	double		lambda;			/* DIRE weight of dis = 1 - D */
	int			score_step;		/* default scoring stride */
	int			invert_iters;
	float		invert_lr;
	float		invert_tol;		/* stop when 1 - exp(-d / 2 sigma^2) < tol */
	int			invert_optim;	/* mg_invert_optim */
	int			warm_start;		/* warm-start inversion from previous window */
	/* threshold */
	int			threshold_auto; /* mg_threshold_rule (1: quantile) */
	double		threshold;		/* used when threshold_auto == 0 */
	double		threshold_quantile;
	int64_t		threshold_windows;	/* max training windows scored for auto */
	/* beyond the paper (ALGORITHM.md section 11) */
	int			encoder;		/* 1: train an encoder E with G (x ~ G(E(x))) */
	float		rec_weight;		/* weight of the reconstruction loss of G(E(x)) */
	int			resid_norm;		/* mg_resid_norm */
	int			resid_agg;		/* mg_resid_agg */
	/* format version 3 */
	double		pot_risk;		/* MG_THRESHOLD_POT: exceedance probability */
	int			smooth;			/* default score smoothing (mg_score_opts) */
	/* format version 4 */
	int			attribution;	/* mg_attribution: what top_cols ranks */
} mg_config;

/* how the label-free threshold is chosen (mg_config.threshold_auto) */
typedef enum mg_threshold_rule
{
	MG_THRESHOLD_FIXED = 0,		/* cfg.threshold as given */
	MG_THRESHOLD_QUANTILE = 1,	/* threshold_quantile of training scores */
	MG_THRESHOLD_POT = 2		/* peaks over threshold (src/core/threshold.c) */
} mg_threshold_rule;

typedef enum mg_resid_norm
{
	MG_RESID_NONE = 0,			/* residual as is (the paper) */
	MG_RESID_TRAIN = 1,			/* each column divided by its mean training residual */
	MG_RESID_ZSCORE = 2			/* then centred and divided by its training spread */
} mg_resid_norm;

/* floats in mg_model.resid_scale for resid_norm rn and m raw columns */
#define MG_RESID_NSCALES(rn, m) \
	((rn) == MG_RESID_ZSCORE ? 3 * (m) : (rn) == MG_RESID_TRAIN ? (m) : 0)

/*
 * What the per-column figure of scoring (resid outputs, top_cols) is
 * (src/core/attrib.c).  The DIRE score never depends on it.
 */
typedef enum mg_attribution
{
	MG_ATTR_RESIDUAL = 0,		/* reconstruction residual (resid_norm-scaled) */
	MG_ATTR_DEVIATION = 1		/* |value - window mean| / its training median */
} mg_attribution;

/* how the residual part of a step combines the columns */
typedef enum mg_resid_agg
{
	MG_AGG_MEAN = 0,			/* mean over columns (the paper) */
	MG_AGG_RMS = 1,				/* root mean square */
	MG_AGG_MAX = 2				/* the largest column */
} mg_resid_agg;

/* mimgan's defaults (chosen by measurement, doc/benchmarks.md) */
void		mg_config_default(mg_config *cfg);
/* the paper's settings (ALGORITHM.md section 9; the 'paper' preset) */
void		mg_config_paper(mg_config *cfg);
/* MG_OK or MG_ERR_ARG; on error *field names the offending field */
mg_status	mg_config_validate(const mg_config *cfg, const char **field);

/* ---------------------------------------------------------------------
 * Model (src/core/model.c, blob.c)
 * --------------------------------------------------------------------- */
typedef struct mg_train_stats
{
	int32_t		epochs_run;
	int64_t		n_rows;
	int64_t		n_windows;
	int32_t		n_series;
	double		loss_d;			/* last epoch means */
	double		loss_g;
	double		d_real;			/* mean D(x) */
	double		d_fake;			/* mean D(G(z)) */
	double		train_score_mean;	/* DIRE on the threshold windows */
	double		train_score_sd;
	double		train_rec_mean;
	double		loss_rec;		/* last epoch's mean reconstruction loss
								 * of G(E(x)) (0 without encoder) */
} mg_train_stats;

typedef struct mg_model
{
	mg_config	cfg;
	int			m;				/* raw columns */
	int			k;				/* features */
	mg_prep    *prep;
	mg_net_spec gspec;
	mg_net_spec dspec;
	float	   *g_params;
	float	   *d_params;
	mg_net_spec espec;			/* encoder, when cfg.encoder */
	float	   *e_params;		/* NULL without encoder */
	/*
	 * MG_RESID_NSCALES floats: the column scales [m]; with zscore then the
	 * spreads [m] and the centres [m]; NULL with resid_norm none
	 */
	float	   *resid_scale;
	float	   *attr_scale;		/* [m] deviation scales (format 4), or NULL */
	double		threshold;
	mg_train_stats stats;
	/* opaque metadata stored verbatim in the blob (the glue keeps a JSON
	 * text with source, cols, order_by, series_by); may be NULL/0 */
	char	   *meta;
	uint32_t	meta_len;
} mg_model;

void		mg_model_free(const mg_alloc *a, mg_model *model);

#define MG_BLOB_MAGIC "MIMGANv\0"	/* 8 bytes */
#define MG_BLOB_FORMAT_VERSION 4	/* versions 1 to 3 are still read */

/* Serialize into a fresh buffer from a. */
mg_status	mg_model_serialize(const mg_model *model, const mg_alloc *a,
							   uint8_t **out, size_t *len);
/* Validate everything (magic, version, lengths, checksum, ranges) and load. */
mg_status	mg_model_deserialize(const uint8_t *buf, size_t len,
								 const mg_alloc *a, mg_model **out);
/* CRC-32C (Castagnoli) of buf */
uint32_t	mg_crc32c(uint32_t crc, const void *buf, size_t len);

/* ---------------------------------------------------------------------
 * Training and scoring (src/core/gan.c, invert.c, score.c)
 * --------------------------------------------------------------------- */
typedef struct mg_epoch_info
{
	int			epoch;			/* 1-based */
	int			epochs;
	double		loss_d;
	double		loss_g;
	double		d_real;
	double		d_fake;
	double		grad_norm_d;
	double		grad_norm_g;
	double		loss_rec;		/* mean reconstruction loss of G(E(x)); 0
								 * without encoder */
} mg_epoch_info;

/* Phases of mg_fit, as reported to mg_callbacks.step. */
typedef enum mg_phase
{
	MG_PHASE_PREPARE = 1,		/* normalisation, windows, initialisation */
	MG_PHASE_TRAIN = 2,			/* the epochs (G, D and the encoder) */
	MG_PHASE_THRESHOLD = 3		/* scoring training rows for the threshold */
} mg_phase;

typedef struct mg_step_info
{
	int			phase;			/* mg_phase */
	int			epoch;			/* epoch under way (1-based), 0 before */
	int			epochs;
	/* MG_PHASE_TRAIN only (0 otherwise): */
	int64_t		windows_seen;	/* training windows processed so far */
	int64_t		windows_total;	/* windows_seen once every epoch is done */
} mg_step_info;

typedef struct mg_callbacks
{
	/* called at least once per mini-batch; nonzero: stop (MG_ERR_CANCELLED) */
	int			(*cancel) (void *arg);
	/* called after each epoch; nonzero: stop (MG_ERR_CANCELLED) */
	int			(*progress) (void *arg, const mg_epoch_info *info);
	void	   *arg;
	/* optional (NULL): called by mg_fit when a phase starts and after every
	 * training mini-batch; nonzero: stop (MG_ERR_CANCELLED) */
	int			(*step) (void *arg, const mg_step_info *info);
} mg_callbacks;

/*
 * Raw data for training or scoring: n rows x m columns (row-major double),
 * split into nseries series: series i is rows [series_start[i],
 * series_start[i+1]); series_start has nseries + 1 entries, series_start[0]
 * = 0 and series_start[nseries] = n.
 */
typedef struct mg_data
{
	const double *X;
	int64_t		n;
	int			m;
	const int64_t *series_start;
	int			nseries;
} mg_data;

/*
 * Fit preprocessing, cut windows (never across series), train the GAN,
 * pick the threshold and return a new model.
 */
mg_status	mg_fit(const mg_alloc *a, const mg_config *cfg, const mg_data *data,
				   const mg_callbacks *cb, mg_model **out);

/*
 * Same, starting from init (a warm start): its preprocessing is reused
 * instead of fitted on data, and G, D and the encoder start from its
 * weights instead of a random initialisation (the Adam moments start at
 * zero).  init must have data->m columns and the networks cfg describes
 * (hidden_g, hidden_d, latent_dim, layers_g, layers_d, encoder,
 * normalize, pca_components), else MG_ERR_ARG.  init NULL is mg_fit.
 */
mg_status	mg_fit_warm(const mg_alloc *a, const mg_config *cfg,
						const mg_data *data, const mg_model *init,
						const mg_callbacks *cb, mg_model **out);

typedef struct mg_score_opts
{
	int			step;			/* scoring stride (mg_score_series) */
	int			invert_iters;
	float		invert_lr;
	float		invert_tol;
	int			invert_optim;
	int			warm_start;
	double		lambda;
	int			batch;			/* windows per inversion batch */
	uint64_t	seed;			/* seed of the initial Z */
	int			use_encoder;	/* start from E(x) when the model has E */
	int			smooth;			/* mg_score_series: trailing mean over this
								 * many scored rows of a series (1: off) */
	int			attribution;	/* mg_attribution of the resid outputs;
								 * MG_ATTR_DEVIATION needs model->attr_scale */
} mg_score_opts;

/* Defaults taken from the model's configuration. */
void		mg_score_opts_from_model(const mg_model *model, mg_score_opts *o);

/*
 * Score windows of prepared rows P (n x k floats, from mg_prep_apply).
 * Window w covers rows starts[w] .. starts[w] + L - 1.  Outputs, each
 * optional (NULL): dis, rec [nwin][L]; resid [nwin][L][m] per raw column
 * (back-projected through PCA when on): the residual, or with
 * o->attribution MG_ATTR_DEVIATION the deviation (src/core/attrib.c).
 * Warm start uses window w-1's latent when starts[w] - starts[w-1] in
 * (0, L).
 */
mg_status	mg_score_windows(const mg_model *model, const mg_alloc *a,
							 const float *P, int64_t n,
							 const int64_t *starts, int64_t nwin,
							 const mg_score_opts *o, const mg_callbacks *cb,
							 float *dis, float *rec, float *resid);

/*
 * Same, with E [n][m] from mg_prep_excess (or NULL): the residual of raw
 * column i becomes |x_i - G(Z*)_i| + |E_i| and rec adds mean_i |E_i|, so a
 * value far outside the training range is not hidden by clipping.
 */
mg_status	mg_score_windows_ex(const mg_model *model, const mg_alloc *a,
								const float *P, const float *E, int64_t n,
								const int64_t *starts, int64_t nwin,
								const mg_score_opts *o, const mg_callbacks *cb,
								float *dis, float *rec, float *resid);

/*
 * Score windows of raw rows X [n][m] (row-major double): preprocessing,
 * clipping excess and mg_score_windows_ex in one call.
 */
mg_status	mg_score_raw_windows(const mg_model *model, const mg_alloc *a,
								 const double *X, int64_t n,
								 const int64_t *starts, int64_t nwin,
								 const mg_score_opts *o,
								 const mg_callbacks *cb,
								 float *dis, float *rec, float *resid);

/*
 * Score every row of every series: windows at stride o->step plus an
 * end-aligned last window; each row's score is the mean over the windows
 * covering it.  Outputs [n] (NaN for rows of series shorter than L):
 * score, dis, rec; resid [n][m] optional (NULL).
 */
mg_status	mg_score_series(const mg_model *model, const mg_alloc *a,
							const mg_data *data, const mg_score_opts *o,
							const mg_callbacks *cb,
							double *score, double *dis, double *rec,
							float *resid);

/* Windows per chunk of mg_score_series*: bounds the [chunk][L][m] residual
 * buffer; a window's noise seed depends on its index within its chunk. */
#define MG_SCORE_CHUNK 4096
/* The noise latent of window w (index within its chunk) is drawn from the
 * seed seed + MG_WINDOW_SEED_MIX * (w + 1) (invert.c). */
#define MG_WINDOW_SEED_MIX UINT64_C(0x9E3779B97F4A7C15)

/* Indices of the ntop largest of v[0..m) in decreasing order (ties: lower
 * index first).  Returns the number written (min(ntop, m)). */
int			mg_top_indices(const float *v, int m, int ntop, int *idx);

/* q-quantile (0..1) of x[0..n) ignoring NaN, linear interpolation; NaN if
 * empty.  Sorts a copy allocated from a. */
double		mg_quantile(const mg_alloc *a, const double *x, int64_t n, double q);

/* ---------------------------------------------------------------------
 * Peaks-over-threshold rule (src/core/threshold.c).
 * --------------------------------------------------------------------- */
#define MG_POT_MIN_EXCESS 10	/* fewer excesses: the largest score */
#define MG_DEFAULT_POT_RISK 1e-3
#define MG_MAX_SMOOTH 10000		/* largest score smoothing span */

typedef struct mg_pot_fit
{
	double		threshold;		/* z_q: exceeded with probability risk */
	double		level_score;	/* t: the initial level's score */
	double		gamma;			/* GPD shape (NaN when not fitted) */
	double		sigma;			/* GPD scale */
	int64_t		n_excess;		/* scores above t */
} mg_pot_fit;

/* Threshold exceeded with probability risk by scores like s[0..n) (finite
 * values only), from a generalised Pareto tail fitted by probability-
 * weighted moments above the level quantile.  MG_ERR_ARG unless
 * 0 < level < 1 and 0 < risk < 1 - level; MG_ERR_NODATA when no score is
 * finite. */
mg_status	mg_pot_threshold(const mg_alloc *a, const double *s, int64_t n,
							 double level, double risk, mg_pot_fit *out);

/* ---------------------------------------------------------------------
 * Batch threshold 'mad' (src/core/threshold.c): a label-free threshold
 * computed at scoring from the scores of the series being scored.
 * --------------------------------------------------------------------- */
#define MG_DEFAULT_MAD_K 2.75	/* robust z of the log scores */
#define MG_MAX_MAD_K 100.0
#define MG_MAD_FLOOR 1e-12		/* scores below it count as it (log) */
#define MG_MAD_SCALE 1.4826		/* MAD to a normal's standard deviation */

/* exp(median(l) + k * MG_MAD_SCALE * median(|l - median(l)|)) with
 * l = ln(max(s, MG_MAD_FLOOR)) over the finite values of s[0..n); +Infinity
 * when that overflows.
 * MG_ERR_ARG unless 0 < k <= MG_MAX_MAD_K; MG_ERR_NODATA when no score is
 * finite. */
mg_status	mg_mad_threshold(const mg_alloc *a, const double *s, int64_t n,
							 double k, double *threshold);

/* Precision, recall and F1 of flagging score[i] > thr[i] against label
 * (a threshold per row), rows with a NaN score left out; the same
 * definitions as mg_evaluate's precision, recall and f1. */
void		mg_flag_prf(const double *score, const uint8_t *label,
						const double *thr, int64_t n, double *precision,
						double *recall, double *f1);

/* ---------------------------------------------------------------------
 * Evaluation metrics (src/core/metrics.c).  Rows with a NaN score are
 * skipped.  Point-wise unless noted.
 * --------------------------------------------------------------------- */
typedef struct mg_metrics
{
	int64_t		n;
	int64_t		n_pos;
	double		precision;		/* at the given threshold (score > thr) */
	double		recall;
	double		f1;
	double		best_f1;		/* best over all thresholds */
	double		best_precision;
	double		best_recall;
	double		best_threshold;	/* tau: best_f1 flags score >= tau */
	double		best_cut;		/* flagging score > best_cut gives best_f1 */
	double		f1_pa;			/* point-adjusted, best over thresholds */
	double		roc_auc;
	double		pr_auc;			/* average precision */
} mg_metrics;

mg_status	mg_evaluate(const mg_alloc *a, const double *score,
						const uint8_t *label, int64_t n, double threshold,
						mg_metrics *out);


/* ---------------------------------------------------------------------
 * SVG plots (src/core/svg.c)
 *
 * A standalone SVG document (xmlns, viewBox, <title>) of one stretch of a
 * series: each variable normalised to [0, 1] in its own stacked panel,
 * then the DIRE score panel with the threshold as a dashed line; flagged
 * spans are shaded across every panel and labelled with their top
 * variables in the score panel; a legend at the bottom.  Every text is
 * XML-escaped (characters XML 1.0 forbids become '?'); NaN marks a missing
 * value or score (the line breaks there); no NaN or Inf is ever written.
 * --------------------------------------------------------------------- */
typedef struct mg_svg_input
{
	const char *title;			/* <title> and heading; NULL: "mimgan" */
	const char *subtitle;		/* a second line, or NULL */
	int64_t		n;				/* time steps (0: an empty plot) */
	const char *x_first;		/* label of the first and last step, or NULL */
	const char *x_last;
	int			nvars;
	const char *const *var_names;	/* [nvars] */
	const double *values;		/* [nvars][n], NaN: missing */
	const double *score;		/* [n], NaN: not scored; NULL: no panel */
	double		threshold;		/* NaN: none */
	int			nspans;
	const int64_t *span_first;	/* [nspans] first and last step, inclusive */
	const int64_t *span_last;
	const char *const *span_label;	/* [nspans], entries may be NULL */
	int			width;			/* px; 0: 960 */
} mg_svg_input;

/* Render into a fresh NUL-terminated buffer from a (*len excludes the NUL).
 * MG_ERR_ARG for inconsistent input, MG_ERR_NOMEM. */
mg_status	mg_svg_render(const mg_alloc *a, const mg_svg_input *in,
						  char **out, size_t *len);

#ifdef __cplusplus
}
#endif

#endif							/* MIMGAN_CORE_H */
