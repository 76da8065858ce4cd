/*-------------------------------------------------------------------------
 *
 * mimgan_pg.h
 *	  Declarations shared by the PostgreSQL glue files (src/pg/).  Only
 *	  glue files include this; the numerical core never does.
 *
 * A model is identified by a spec: 'name' (latest version) or 'name@N'.
 * Models live in mimgan.model, one row per (name, version); a version is
 * immutable once committed.
 *
 * include/mimgan_pg.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIMGAN_PG_H
#define MIMGAN_PG_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "storage/itemptr.h"
#include "utils/jsonb.h"

#include "mimgan_core.h"

/* ---- GUCs (mimgan.c) ---- */
extern int	mimgan_blas_threads;		/* mimgan.blas_threads, default 1 */
extern int	mimgan_threads;		/* mimgan.threads, default 1 */
extern char *mimgan_blas_coretype;		/* mimgan.blas_coretype, default auto */
extern int	mimgan_max_train_memory;	/* mimgan.max_train_memory, kB */
extern int	mimgan_score_batch;			/* mimgan.score_batch, windows */
extern int	mimgan_model_cache_size;	/* mimgan.model_cache_size, kB */

/* Apply mimgan.blas_threads and run the BLAS self-check once (mimgan.c). */
extern void MgEnsureBlas(void);
/* Join OpenBLAS's worker threads after a core call (and at abort). */
extern void MgBlasRelease(void);

/* ---- allocator (alloc.c) ----
 * Core allocator on CurrentMemoryContext at the time of each call
 * (palloc_extended with MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM, so the core
 * sees NULL instead of a longjmp). */
extern const mg_alloc MgPgAlloc;

/* The same allocator within a byte budget (chunk space of live blocks);
 * an allocation past limit returns NULL and sets exceeded. */
typedef struct MgBudget
{
	int64		limit;
	int64		used;
	int64		peak;
	bool		exceeded;
} MgBudget;
extern void MgBudgetAlloc(mg_alloc *a, MgBudget *b, int64 limit);

/* ---- errors (errors.c) ----
 * ereport(ERROR) for a core status with the right SQLSTATE and a hint;
 * "what" names the operation and object, e.g. "cannot train model \"m\"".
 * MG_ERR_CANCELLED first runs CHECK_FOR_INTERRUPTS(). */
extern void MgThrow(mg_status st, const char *what) pg_attribute_noreturn();
/* Same for a blob the caller gave: damaged is 22P03, not XX001. */
extern void MgThrowUserBlob(mg_status st, const char *what) pg_attribute_noreturn();

/* Core cancel callback: nonzero when an interrupt is pending. */
extern int	MgCancelPending(void *arg);

/* ---- options (options.c) ---- */
/* Training options: jsonb object -> cfg (starting from defaults).  Unknown
 * keys and out-of-range values are errors.  *verbose set from "verbose";
 * *missing_skip from "on_missing" ('error' default, 'skip'). */
extern void MgParseTrainOptions(Jsonb *opts, mg_config *cfg, bool *verbose,
								bool *missing_skip);
/* Same, starting from base instead of the defaults (base may be NULL). */
extern void MgParseTrainOptionsFrom(Jsonb *opts, const mg_config *base,
									mg_config *cfg, bool *verbose,
									bool *missing_skip);
/* The model spec of a string "warm_start" training option (initialise
 * training from that model), else NULL (absent, or the boolean meaning:
 * warm start of the latent search). */
extern char *MgTrainWarmStartSpec(Jsonb *opts);
/* Scoring options (threshold, step, invert_iters, invert_lr, invert_tol,
 * warm_start, lambda, batch, seed): start from the model's values.
 * ERROR for the batch threshold rule 'mad' (mimgan_explain, mimgan_plot). */
extern void MgParseScoreOptions(Jsonb *opts, const mg_model *model,
								mg_score_opts *o, double *threshold);
/* Same, for bulk scoring: *mad_k > 0 when "threshold" is 'mad' or
 * 'both' (the thresholds then come from MgBatchThresholds), else 0;
 * *mad_floor is true for 'both' (the model's threshold as a floor). */
extern void MgParseScoreOptionsBatch(Jsonb *opts, const mg_model *model,
									 mg_score_opts *o, double *threshold,
									 double *mad_k, bool *mad_floor);
/* The effective training configuration as a jsonb object (all keys). */
extern Jsonb *MgConfigToJsonb(const mg_config *cfg);

/* ---- catalog (catalog.c) ---- */
typedef struct MgModelEntry
{
	char	   *name;
	int32		version;
	Oid			owner;
	char	   *source;			/* qualified relation name at training */
	int			ncols;
	char	  **cols;			/* model columns, in order */
	char	   *order_by;
	char	   *series_by;		/* NULL: one series */
	int32		seq_len;
	double		threshold;
	mg_model   *model;			/* deserialized in CurrentMemoryContext */
	bool		per_series;		/* trained with per_series: series models */
	MemoryContext cxt;			/* the entry's context */
	struct HTAB *series;		/* series key -> model looked up (series.c) */
} MgModelEntry;

/* ---- per-series models (series.c) ---- */
/* longest series key that can have a model of its own, in bytes */
#define MG_MAX_SERIES_KEY 1024
/* The model scoring series key (NULL: the NULL key) of e and its
 * threshold: the series' own model when e has per-series models and one
 * for key, else e's shared model. */
extern const mg_model *MgSeriesModel(MgModelEntry *e, const char *key,
									 double *threshold);
/* The same for one use in the current memory context (reset between
 * series): not remembered, and not cached when the model cache is full. */
extern const mg_model *MgSeriesModelOnce(MgModelEntry *e, const char *key,
										 double *threshold);
/* Seed of the model of series key, from the training seed. */
extern uint64 MgSeriesSeed(uint64 seed, const char *key);
/* Insert the model of series key into version name@version. */
extern void MgSaveSeriesModel(const char *name, int32 version,
							  const char *key, double threshold,
							  Jsonb *training, bytea *blob);

/* ---- one window (window_agg.c) ---- */
/* DIRE score of the last step of X [L][m] scored as one window; false
 * when the score is NaN (no score). */
extern bool MgScoreFrame(const mg_model *model, int L, const double *X,
						 const char *spec, double *score);

/* ---- per-backend model cache (model_cache.c) ---- */
/* The cached model of catalog row (name, version, xmin, tid), or NULL. */
extern mg_model *MgModelCacheLookup(const char *name, int32 version,
									TransactionId xmin, ItemPointer tid);
/* Deserialize blob (ERROR if it does not load) and cache it. */
extern mg_model *MgModelCacheLoad(const char *name, int32 version,
								  TransactionId xmin, ItemPointer tid,
								  const bytea *blob);
/* Entries, bytes, hits, misses (mimgan_info). */
extern void MgModelCacheStats(int *entries, int64 *bytes, int64 *hits,
							  int64 *misses);

/* The relation mimgan.relname, or InvalidOid (a 0.1.0 schema lacks the
 * tables added since). */
extern Oid	MgCatalogRelid(const char *relname);
/* Parse 'name' or 'name@N'; *version = 0 for latest.  ERROR on bad spec. */
extern void MgParseModelSpec(const char *spec, char **name, int32 *version);
/* Load a model version the current role may use; ERROR (undefined_object)
 * if there is none, naming the spec. */
extern MgModelEntry *MgLoadModel(const char *spec);
/* Same, cached for the life of flinfo->fn_mcxt (one query) by spec. */
extern MgModelEntry *MgLoadModelCached(FmgrInfo *flinfo, const char *spec);
/* ERROR unless name is a valid model name (1..63 bytes, no '@'). */
extern void MgCheckModelName(const char *name);
/* ERROR unless the current role may add a version to name; returns the
 * largest existing version (0 if none). */
extern int32 MgCheckNameWritable(const char *name);
/* The JSON text kept in mg_model.meta: source, cols, order_by, series_by,
 * seq_len. */
extern char *MgModelMetaJson(const char *source, int ncols, char **cols,
							 const char *order_by, const char *series_by,
							 int seq_len);
/* Insert model as the next version of name, owned by the current role,
 * serialised under an advisory lock on the name.  ERROR
 * (insufficient_privilege) if name belongs to a role the current role has
 * no privileges of.  blob is mg_model_serialize(model).  Returns the
 * version. */
extern int32 MgSaveModel(const char *name, const char *source, int ncols,
						 char **cols, const char *order_by,
						 const char *series_by, Jsonb *options,
						 Jsonb *training, const mg_model *model,
						 bytea *blob);

/* ---- source reader (reader.c) ---- */
typedef struct MgReadSpec
{
	Oid			relid;
	int			ncols;
	char	  **cols;			/* validated numeric columns */
	const char *order_by;		/* validated */
	const char *series_by;		/* validated, or NULL */
	bool		keep_rows;		/* keep each row as a composite Datum */
	const char *label_col;		/* extra column read as label, or NULL */
	bool		missing_skip;	/* false: NULL/NaN/Inf is an ERROR */
} MgReadSpec;

typedef struct MgSourceData
{
	int64		nrows;			/* rows read, in (series, order) order */
	int			m;
	int64		nvalid;			/* rows with every value present and finite */
	double	   *X;				/* [nvalid][m] */
	int64	   *valid_index;	/* [nrows]: row -> index in X, or -1 */
	int			nseries;
	int64	   *series_start;	/* [nseries + 1], over valid rows */
	char	  **series_key;		/* [nseries] key as text, NULL: NULL key */
	Datum	   *rows;			/* [nrows] composite Datums, if keep_rows */
	double	   *label;			/* [nrows], if label_col */
	bool	   *label_null;		/* [nrows], if label_col */
} MgSourceData;

/* Check that cols exist, are numeric (int2/int4/int8/float4/float8/numeric)
 * and not dropped/system; ERROR naming the column otherwise. */
extern void MgCheckColumns(Oid relid, int ncols, char **cols);
/* Resolve order_by (NULL: the single ts/time/t column of a timestamp,
 * timestamptz, date or integer type) and check series_by exists. */
extern char *MgResolveOrderBy(Oid relid, const char *order_by);
extern void MgCheckSeriesBy(Oid relid, const char *series_by);
/* Read the source through SPI with the caller's privileges. */
extern MgSourceData *MgReadSource(const MgReadSpec *spec);
/* View as core data (valid rows only). */
extern void MgSourceAsData(const MgSourceData *src, mg_data *out);

/* ---- scoring (score.c) ----
 * Shared by mimgan_score and mimgan_evaluate. */
typedef struct MgScored
{
	MgModelEntry *entry;		/* the model used */
	MgSourceData *src;			/* rows read, in (series, order) order */
	mg_score_opts opts;			/* effective scoring options */
	double		threshold;		/* the model's, or the "threshold" option;
								 * 'mad' or per-series models: the common
								 * threshold of the rows, NaN if they differ */
	double	   *row_threshold;	/* [src->nvalid] with 'mad' or per-series
								 * models, else NULL */
	int			top_k;			/* 0: no residuals kept */
	double	   *score;			/* [src->nvalid]; NaN: not scored */
	double	   *dis;			/* [src->nvalid] */
	double	   *rec;			/* [src->nvalid] */
	float	   *resid;			/* [src->nvalid][m], or NULL if top_k == 0 */
} MgScored;

/* Relation of the row type of argument argno (NULL::some_table); ERROR
 * with a hint otherwise.  fname is the SQL function, for the hint. */
extern Oid	MgRowArgRelation(FunctionCallInfo fcinfo, int argno,
							 const char *fname);
/* Load the model, check its columns exist in relid, read relid (skipping
 * rows with NULL/NaN/Infinity: missing_skip) and score every row. */
extern MgScored *MgScoreRelation(const char *model_spec, Oid relid,
								 Jsonb *options, bool keep_rows,
								 const char *label_col, int top_k);
/* Read "top_k" (default 3, 0 .. 1000) from scoring options; returns the
 * options without it. */
extern Jsonb *MgExtractTopK(Jsonb *opts, int *top_k);
/* text[] of the top_k columns by resid[0..m) (idx: top_k ints scratch). */
extern Datum MgTopColsArray(const float *resid, int m, char **cols,
							int top_k, int *idx);
/* Index into res->score of source row i, or -1 when the row has no score
 * (skipped for a missing value, or its series is shorter than seq_len). */
extern int64 MgScoredIndex(const MgScored *res, int64 i);

/* ---- the batch threshold rule 'mad' (evaluate.c) ---- */
/* Fill res->row_threshold: mg_mad_threshold of each series' scores; with
 * model_floor ('both'), never below the row's threshold before (the
 * model's). */
extern void MgBatchThresholds(MgScored *res, double mad_k, bool model_floor);
/* The threshold is_anomaly compares valid row vi's score with. */
extern double MgRowThreshold(const MgScored *res, int64 vi);

/* ---- progress of running trainings (progress.c) ---- */
typedef enum MgTrainPhase
{
	MG_PROGRESS_READING = 0,
	MG_PROGRESS_PREPARING,
	MG_PROGRESS_TRAINING,
	MG_PROGRESS_THRESHOLD,
	MG_PROGRESS_SAVING
} MgTrainPhase;

/* Start reporting a training (phase "reading"); replaces any earlier. */
extern void MgProgressBegin(const char *model, const char *source);
/* Enter a phase. */
extern void MgProgressPhase(MgTrainPhase phase);
/* Core step callback data; returns the estimated seconds left (< 0:
 * unknown).  Never throws. */
extern double MgProgressStep(const mg_step_info *s);
/* An epoch is done. */
extern void MgProgressEpoch(const mg_epoch_info *e, bool has_rec);
/* The last estimate of the seconds left (< 0: unknown). */
extern double MgProgressRemaining(void);
/* Stop reporting and remove the progress file; safe at any time. */
extern void MgProgressEnd(void);

/* ---- utilities (util.c) ---- */
/* The model spec argument argno; ERROR (22004) when it is NULL. */
extern char *MgModelSpecArg(FunctionCallInfo fcinfo, int argno);
/* d as a JSON number (shortest exact text), null when not finite. */
extern void MgAppendJsonNumber(StringInfo buf, double d);
/* longest user string quoted whole in an error message, in bytes */
#define MG_MAX_SHOWN_LEN 64
/* s, or its first MG_MAX_SHOWN_LEN bytes and "..." (error messages). */
extern const char *MgShownText(const char *s);
/* Boolean option key of opts (already checked by the option parser),
 * dflt when absent. */
extern bool MgOptionBool(Jsonb *opts, const char *key, bool dflt);
/* "a, b, c": names quoted as identifiers when needed, comma-separated. */
extern char *MgJoinIdentifiers(char **names, int n);

/* ---- scoring a range of the order column (range.c) ----
 * Shared by mimgan_explain and mimgan_plot.  Only the windows covering
 * the rows of [from, to] are scored (see range.c for how the window
 * set, seeds and warm-start chains of mimgan_score are reproduced). */
typedef struct MgRangeScored
{
	MgModelEntry *entry;		/* the model used */
	Oid			relid;
	char	   *order_by;		/* resolved order column */
	mg_score_opts opts;			/* effective scoring options */
	double		threshold;
	int64		nrows;			/* rows of [from, to], (series, order) order */
	Datum	   *rows;			/* [nrows] composite source rows */
	char	  **key;			/* [nrows] series key as text (NULL: none) */
	double	   *thr;			/* [nrows] threshold of the row's series */
	bool	   *scored;			/* [nrows] */
	double	   *score;			/* [nrows] (valid when scored) */
	double	   *dis;
	double	   *rec;
	float	   *resid;			/* [nrows][m] */
	double	   *values;			/* [nrows][m] model columns, NaN if missing */
	int64		windows;		/* windows scored */
} MgRangeScored;

/* Score the rows of relid whose order value lies in [lo, hi] (NULL bound:
 * open) with the model; lo/hi are Datums of type bound_type.  series: only
 * that series key (as text), or NULL for all. */
extern MgRangeScored *MgScoreRange(const char *model_spec, Oid relid,
								   Jsonb *options, Datum lo, bool lo_null,
								   Datum hi, bool hi_null, Oid bound_type,
								   const char *series, bool series_given);
/* Read and remove "series" (a JSON string or null) from the options. */
extern Jsonb *MgExtractSeries(Jsonb *opts, char **series, bool *given);

#endif							/* MIMGAN_PG_H */
