/*-------------------------------------------------------------------------
 *
 * train.c
 *	  mimgan_train(source, cols, seq_len, order_by, series_by, model_name,
 *	  options): validate, read the source, run mg_fit, save the model and
 *	  its per-epoch training log as a new version.
 *
 * Everything is checked before any row is read: the arguments, the
 * columns against the catalog, the options.  The source is then read
 * with the caller's privileges (reader.c), training runs inside a
 * dedicated memory context deleted at the end, and the model and its log
 * are inserted in the same transaction, so a failed or cancelled training
 * leaves nothing behind.  Cancel and statement_timeout reach the core
 * through MgCancelPending, checked at least once per mini-batch.
 *
 * Progress is visible from other sessions through mimgan_progress()
 * (progress.c), fed by the core's step and epoch callbacks; the verbose
 * option adds one NOTICE per epoch.  A string "warm_start" option names a
 * model version to start from: its preprocessing and weights, and its
 * options as the defaults (the network sizes must match).
 *
 * src/pg/train.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/md5.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "mimgan_pg.h"

/* Per-epoch log collected by the progress callback. */
typedef struct MgTrainLog
{
	bool		verbose;
	bool		encoder;		/* loss_rec is meaningful */
	const char *name;
	int			n;
	int			cap;
	mg_epoch_info *info;
	double	   *seconds;
	TimestampTz train_start;	/* first epoch began */
	TimestampTz last;
} MgTrainLog;

/* Core progress callback: keep the epoch's figures, NOTICE when verbose. */
static int
TrainProgress(void *arg, const mg_epoch_info *info)
{
	MgTrainLog *log = (MgTrainLog *) arg;
	TimestampTz now = GetCurrentTimestamp();
	double		secs = (double) (now - log->last) / USECS_PER_SEC;

	if (log->n >= log->cap)
	{
		log->cap = Max(16, log->cap * 2);
		log->info = repalloc(log->info, sizeof(mg_epoch_info) * log->cap);
		log->seconds = repalloc(log->seconds, sizeof(double) * log->cap);
	}
	log->info[log->n] = *info;
	log->seconds[log->n] = secs;
	log->last = now;
	log->n++;
	MgProgressEpoch(info, log->encoder);

	/* the figures go to the detail: regression tests show only the message */
	if (log->verbose)
	{
		char		rec[64] = "";
		double		left = MgProgressRemaining();

		if (log->encoder)
			snprintf(rec, sizeof(rec), ", loss_rec %.4f", info->loss_rec);
		ereport(NOTICE,
				(errmsg("model \"%s\" epoch %d/%d", log->name, info->epoch,
						info->epochs),
				 errdetail("loss_d %.4f, loss_g %.4f%s, D(x) %.3f, D(G(z)) %.3f; epoch %.2f s, %.1f s in all, %s.",
						   info->loss_d, info->loss_g, rec, info->d_real,
						   info->d_fake, secs,
						   (double) (now - log->train_start) / USECS_PER_SEC,
						   info->epoch >= info->epochs ? "training done" :
						   left >= 0 ? psprintf("about %.1f s left", left) :
						   "time left unknown")));
	}
	return 0;
}

/* Core step callback: progress file; the epoch clock starts with training. */
static int
TrainStep(void *arg, const mg_step_info *s)
{
	MgTrainLog *log = (MgTrainLog *) arg;

	if (s->phase == MG_PHASE_TRAIN && s->windows_seen == 0)
		log->train_start = log->last = GetCurrentTimestamp();
	MgProgressStep(s);
	return 0;
}

/* Append ", \"key\": value" with a finite double or null. */
static void
AppendNum(StringInfo buf, const char *key, double d)
{
	appendStringInfo(buf, ", \"%s\": ", key);
	MgAppendJsonNumber(buf, d);
}

/*
 * True if mimgan.training_log has the loss_rec column (0.2.0): the library
 * also runs on a 0.1.0 schema until ALTER EXTENSION mimgan UPDATE.
 */
static bool
LogHasLossRec(void)
{
	Oid			rel = MgCatalogRelid("training_log");

	return OidIsValid(rel) && get_attnum(rel, "loss_rec") != InvalidAttrNumber;
}

/* Insert the per-epoch rows of the log for name@version. */
static void
SaveTrainingLog(const char *name, int32 version, const MgTrainLog *log)
{
	bool		with_rec = LogHasLossRec();
	Oid			argtypes[11] = {TEXTOID, INT4OID, INT4OID, FLOAT8OID, FLOAT8OID,
		FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID};
	Datum		args[11];
	char		nulls[11];
	SPIPlanPtr	plan;
	int			i;

	if (log->n == 0)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(with_rec ?
					   "INSERT INTO mimgan.training_log (name, version, epoch, loss_d, "
					   "loss_g, d_real, d_fake, grad_norm_d, grad_norm_g, seconds, "
					   "loss_rec) "
					   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)" :
					   "INSERT INTO mimgan.training_log (name, version, epoch, loss_d, "
					   "loss_g, d_real, d_fake, grad_norm_d, grad_norm_g, seconds) "
					   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
					   with_rec ? 11 : 10, argtypes);
	if (plan == NULL)
		elog(ERROR, "cannot prepare the training log insert");
	memset(nulls, ' ', sizeof(nulls));
	nulls[10] = log->encoder ? ' ' : 'n';
	args[0] = CStringGetTextDatum(name);
	args[1] = Int32GetDatum(version);
	for (i = 0; i < log->n; i++)
	{
		const mg_epoch_info *e = &log->info[i];

		args[2] = Int32GetDatum(e->epoch);
		args[3] = Float8GetDatum(e->loss_d);
		args[4] = Float8GetDatum(e->loss_g);
		args[5] = Float8GetDatum(e->d_real);
		args[6] = Float8GetDatum(e->d_fake);
		args[7] = Float8GetDatum(e->grad_norm_d);
		args[8] = Float8GetDatum(e->grad_norm_g);
		args[9] = Float8GetDatum(log->seconds[i]);
		args[10] = Float8GetDatum(e->loss_rec);
		if (SPI_execute_plan(plan, args, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "cannot insert into mimgan.training_log");
	}
	SPI_finish();
}

/* The text[] argument as C strings; ERROR if empty, NULL or duplicate. */
static char **
ColumnList(ArrayType *arr, int *ncols)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i,
				j;
	char	  **cols;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("cols must be a one-dimensional array")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cols must name at least one column"),
				 errhint("Pass the numeric columns to model, e.g. ARRAY['cpu', 'mem'].")));
	cols = palloc(sizeof(char *) * n);
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("cols must not contain NULL (element %d)", i + 1)));
		cols[i] = TextDatumGetCString(elems[i]);
		for (j = 0; j < i; j++)
			if (strcmp(cols[i], cols[j]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column \"%s\" is listed more than once in cols", cols[i])));
	}
	*ncols = n;
	return cols;
}

/* ERROR: a warm start's source model does not fit; what names the field. */
static void
WarmMismatch(const MgModelEntry *w, const char *what, int have, int want,
			 const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot warm-start from model \"%s@%d\": its %s is %d, not %d",
					w->name, w->version, what, have, want),
			 errhint("%s", hint)));
}

/*
 * Check that the warm start's source w fits the training asked for: the
 * same number of columns, seq_len and networks.
 */
static void
CheckWarmStart(const MgModelEntry *w, int ncols, int seq_len,
			   const mg_config *cfg)
{
	const mg_config *wc = &w->model->cfg;
	const char *keep = "A warm start keeps the source model's network sizes and preprocessing: leave this option out (it defaults to the source's value), or train from scratch.";

	if (w->ncols != ncols)
		WarmMismatch(w, "number of columns", w->ncols, ncols,
					 "Warm-start from a model trained on as many columns as cols lists.");
	if (w->seq_len != seq_len)
		WarmMismatch(w, "seq_len", w->seq_len, seq_len,
					 "Pass the source model's seq_len, or train from scratch.");
	if (wc->hidden_g != cfg->hidden_g)
		WarmMismatch(w, "hidden_g", wc->hidden_g, cfg->hidden_g, keep);
	if (wc->hidden_d != cfg->hidden_d)
		WarmMismatch(w, "hidden_d", wc->hidden_d, cfg->hidden_d, keep);
	if (wc->latent_dim != cfg->latent_dim)
		WarmMismatch(w, "latent_dim", wc->latent_dim, cfg->latent_dim, keep);
	if (wc->layers_g != cfg->layers_g)
		WarmMismatch(w, "layers_g", wc->layers_g, cfg->layers_g, keep);
	if (wc->layers_d != cfg->layers_d)
		WarmMismatch(w, "layers_d", wc->layers_d, cfg->layers_d, keep);
	if ((w->model->e_params != NULL) != (cfg->encoder != 0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 w->model->e_params ?
				 errmsg("cannot warm-start from model \"%s@%d\": it has an encoder",
						w->name, w->version) :
				 errmsg("cannot warm-start from model \"%s@%d\": it has no encoder",
						w->name, w->version),
				 errhint("%s", keep)));
	if (wc->normalize != cfg->normalize)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot warm-start from model \"%s@%d\": its normalize differs",
						w->name, w->version),
				 errhint("%s", keep)));
	if (w->model->prep->pca_k != cfg->pca_components)
		WarmMismatch(w, "pca_components", w->model->prep->pca_k,
					 cfg->pca_components, keep);
}

/*
 * Append the figures of a fit to the training JSON tr: losses, training
 * scores, seconds and the memory used.
 */
static void
AppendFitFigures(StringInfo tr, const mg_model *model, double seconds,
				 int64 memory_bytes)
{
	AppendNum(tr, "loss_d", model->stats.loss_d);
	AppendNum(tr, "loss_g", model->stats.loss_g);
	if (model->cfg.encoder)
		AppendNum(tr, "loss_rec", model->stats.loss_rec);
	AppendNum(tr, "d_real", model->stats.d_real);
	AppendNum(tr, "d_fake", model->stats.d_fake);
	AppendNum(tr, "train_score_mean", model->stats.train_score_mean);
	AppendNum(tr, "train_score_sd", model->stats.train_score_sd);
	AppendNum(tr, "train_seconds", seconds);
	appendStringInfo(tr, ", \"memory_kb\": " INT64_FORMAT, memory_bytes / 1024);
}

/* The model serialised as a bytea; what names it in errors. */
static bytea *
ModelBlob(const mg_model *model, const char *what)
{
	uint8_t    *buf;
	size_t		len;
	bytea	   *blob;
	mg_status	st = mg_model_serialize(model, &MgPgAlloc, &buf, &len);

	if (st != MG_OK)
		MgThrow(st, what);
	blob = palloc_extended(len + VARHDRSZ, MCXT_ALLOC_HUGE);
	SET_VARSIZE(blob, len + VARHDRSZ);
	memcpy(VARDATA(blob), buf, len);
	return blob;
}

/* Set up the per-epoch log and the core callbacks of one training. */
static void
InitTrainLog(MgTrainLog *log, mg_callbacks *cb, const char *name,
			 bool encoder, bool verbose)
{
	memset(log, 0, sizeof(*log));
	log->verbose = verbose;
	log->encoder = encoder;
	log->name = name;
	log->cap = 16;
	log->info = palloc(sizeof(mg_epoch_info) * log->cap);
	log->seconds = palloc(sizeof(double) * log->cap);
	memset(cb, 0, sizeof(*cb));
	cb->cancel = MgCancelPending;
	cb->progress = TrainProgress;
	cb->step = TrainStep;
	cb->arg = log;
}

/*
 * Train cfg on data (from a warm start's model, or NULL) within what
 * mimgan.max_train_memory leaves after data_bytes; *seconds gets the
 * training time and *peak the work space's peak.  what names the model
 * in errors.
 */
static mg_model *
Fit(const mg_config *cfg, const mg_data *data, const mg_model *from,
	MgTrainLog *log, mg_callbacks *cb, int64 data_bytes, const char *what,
	double *seconds, int64 *peak)
{
	mg_alloc	budget_alloc;
	MgBudget	budget;
	mg_model   *model;
	mg_status	st;
	TimestampTz t0;

	MgEnsureBlas();
	MgBudgetAlloc(&budget_alloc, &budget,
				  (int64) mimgan_max_train_memory * 1024 - data_bytes);
	t0 = GetCurrentTimestamp();
	log->last = log->train_start = t0;
	st = mg_fit_warm(&budget_alloc, cfg, data, (mg_model *) from, cb, &model);
	MgBlasRelease();
	if (st == MG_ERR_NOMEM && budget.exceeded)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: training needs more than mimgan.max_train_memory (%d kB)",
						what, mimgan_max_train_memory),
				 errdetail("The rows read take " INT64_FORMAT " kB; the networks' work space did not fit in the remaining " INT64_FORMAT " kB.",
						   data_bytes / 1024, Max(budget.limit, 0) / 1024),
				 errhint("Lower batch_size, seq_len, hidden_g or hidden_d, or raise mimgan.max_train_memory.")));
	if (st != MG_OK)
		MgThrow(st, what);
	*seconds = (double) (GetCurrentTimestamp() - t0) / USECS_PER_SEC;
	*peak = budget.peak;
	return model;
}

/*
 * Whether series i of src gets a model of its own: a non-NULL key of at
 * most MG_MAX_SERIES_KEY bytes and at least seq_len usable rows.
 */
static bool
SeriesTrainable(const MgSourceData *src, int i, int seq_len)
{
	return src->series_key[i] != NULL &&
		strlen(src->series_key[i]) <= MG_MAX_SERIES_KEY &&
		src->series_start[i + 1] - src->series_start[i] >= seq_len;
}

/*
 * Train and save the model of every trainable series of src as part of
 * name@version (per_series): the same configuration as the shared model,
 * a seed mixed from the training seed and the key, the series' own
 * preprocessing and threshold.  A warm start's source with per-series
 * models warm-starts each series from its model of the same key (series
 * it has no model for train from scratch).  meta is the shared model's
 * metadata, so that an exported series model is self-contained.  Each series trains in its own
 * memory context, deleted once its model is saved.
 */
static void
TrainSeriesModels(const char *name, int32 version, const char *relname,
				  const char *meta, const MgSourceData *src,
				  const mg_config *cfg, MgModelEntry *warm, bool verbose,
				  int ntrain)
{
	MemoryContext outer = CurrentMemoryContext;
	int			done = 0;
	int			i;

	for (i = 0; i < src->nseries; i++)
	{
		const char *key = src->series_key[i];
		int64		a = src->series_start[i];
		int64		n = src->series_start[i + 1] - a;
		MemoryContext sctx;
		int64		local_start[2];
		mg_data		data;
		mg_config	scfg = *cfg;
		mg_model   *model;
		const mg_model *from = NULL;
		mg_callbacks cb;
		MgTrainLog	log;
		int64		data_bytes;
		int64		peak;
		double		secs;
		bytea	   *blob;
		StringInfoData tr;
		char	   *what;

		CHECK_FOR_INTERRUPTS();
		if (!SeriesTrainable(src, i, cfg->seq_len))
			continue;
		done++;
		sctx = AllocSetContextCreate(outer, "mimgan series train",
									 ALLOCSET_DEFAULT_SIZES);
		MemoryContextSwitchTo(sctx);
		what = psprintf("cannot train the model of series \"%s\" of model \"%s\"",
						MgShownText(key), name);
		MgProgressBegin(name, psprintf("%s, series %d of %d", relname, done, ntrain));
		MgProgressPhase(MG_PROGRESS_PREPARING);

		/* the series alone */
		local_start[0] = 0;
		local_start[1] = n;
		data.X = src->X + a * src->m;
		data.n = n;
		data.m = src->m;
		data.series_start = local_start;
		data.nseries = 1;
		scfg.seed = MgSeriesSeed(cfg->seed, key);
		if (warm != NULL && warm->per_series)
		{
			double		unused;
			const mg_model *wm = MgSeriesModelOnce(warm, key, &unused);

			if (wm != warm->model)
				from = wm;
		}

		InitTrainLog(&log, &cb, name, cfg->encoder != 0, false);

		data_bytes = (int64) MemoryContextMemAllocated(outer, true);
		model = Fit(&scfg, &data, from, &log, &cb, data_bytes, what, &secs, &peak);
		MgProgressPhase(MG_PROGRESS_SAVING);

		model->meta = (char *) meta;
		model->meta_len = (uint32_t) strlen(meta);
		blob = ModelBlob(model, what);

		initStringInfo(&tr);
		appendStringInfo(&tr, "{\"epochs\": %d, \"rows\": " INT64_FORMAT
						 ", \"windows\": " INT64_FORMAT ", \"seed\": " UINT64_FORMAT,
						 model->stats.epochs_run, n,
						 (int64) model->stats.n_windows, scfg.seed);
		AppendFitFigures(&tr, model, secs, data_bytes + peak);
		if (from != NULL)
			appendStringInfo(&tr, ", \"warm_start_from\": \"%s@%d\"",
							 warm->name, warm->version);
		appendStringInfoChar(&tr, '}');

		MgSaveSeriesModel(name, version, key, model->threshold,
						  DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
															 CStringGetDatum(tr.data))),
						  blob);
		if (verbose)
			ereport(NOTICE,
					(errmsg("model \"%s\" version %d: series %d of %d saved",
							name, version, done, ntrain),
					 errdetail("Series \"%s\": %d epochs on " INT64_FORMAT " windows in %.1f s; threshold %.4f.",
							   MgShownText(key), model->stats.epochs_run,
							   (int64) model->stats.n_windows, secs,
							   model->threshold)));
		MemoryContextSwitchTo(outer);
		MemoryContextDelete(sctx);
	}
}

/* The training itself; mimgan_train wraps it to end the progress report. */
static text *
TrainModel(FunctionCallInfo fcinfo)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MemoryContext trainctx;
	Oid			relid;
	char		relkind;
	char	   *relname;
	char	   *source;
	char	  **cols;
	int			ncols;
	int32		seq_len;
	char	   *order_by;
	char	   *series_by = NULL;
	char	   *name;
	Jsonb	   *opts = NULL;
	mg_config	cfg;
	bool		verbose;
	bool		missing_skip;
	MgReadSpec rspec;
	MgSourceData *src;
	mg_data		data;
	mg_callbacks cb;
	MgTrainLog	log;
	mg_model   *model;
	int64		longest = 0;
	int			usable_series = 0;
	int			i;
	double		train_seconds;
	int64		data_bytes;
	int64		peak;
	bytea	   *blob;
	char		md5[33];
	const char *errstr = NULL;
	StringInfoData tr;
	Jsonb	   *options;
	Jsonb	   *extra;
	char	   *extra_text;
	int32		version;
	char	   *what;
	char	   *warm_spec;
	MgModelEntry *warm = NULL;
	bool		per_series;
	int			ntrain = 0;

	/* a model is saved at the end: refuse before reading anything */
	PreventCommandIfReadOnly("mimgan_train()");
	PreventCommandDuringRecovery("mimgan_train()");

	/* arguments */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source must not be NULL"),
				 errhint("Pass the table, view or materialized view to train on, e.g. 'metrics'::regclass.")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("cols must not be NULL"),
				 errhint("Pass the numeric columns to model, e.g. ARRAY['cpu', 'mem'].")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("seq_len must not be NULL"),
				 errhint("Pass the window length, an integer of at least 2.")));

	relid = PG_GETARG_OID(0);
	relkind = get_rel_relkind(relid);
	relname = get_rel_name(relid);
	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_VIEW &&
		relkind != RELKIND_MATVIEW && relkind != RELKIND_FOREIGN_TABLE &&
		relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view, materialized view or foreign table", relname)));
	source = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
										relname);

	cols = ColumnList(PG_GETARG_ARRAYTYPE_P(1), &ncols);
	seq_len = PG_GETARG_INT32(2);
	if (seq_len < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid seq_len: %d", seq_len),
				 errhint("seq_len is the window length and must be at least 2.")));

	MgCheckColumns(relid, ncols, cols);
	order_by = MgResolveOrderBy(relid, PG_ARGISNULL(3) ? NULL :
								text_to_cstring(PG_GETARG_TEXT_PP(3)));
	if (!PG_ARGISNULL(4))
	{
		series_by = text_to_cstring(PG_GETARG_TEXT_PP(4));
		MgCheckSeriesBy(relid, series_by);
	}
	if (PG_ARGISNULL(5))
		name = psprintf("%s_mimgan", relname);
	else
		name = text_to_cstring(PG_GETARG_TEXT_PP(5));
	MgCheckModelName(name);
	/* a name owned by another role fails before any data is read */
	MgCheckNameWritable(name);
	if (!PG_ARGISNULL(6))
		opts = PG_GETARG_JSONB_P(6);

	/* a warm start's source: its options are the defaults */
	warm_spec = MgTrainWarmStartSpec(opts);
	if (warm_spec != NULL)
		warm = MgLoadModel(warm_spec);
	memset(&cfg, 0, sizeof(cfg));
	cfg.seq_len = seq_len;
	MgParseTrainOptionsFrom(opts, warm ? &warm->model->cfg : NULL, &cfg,
							&verbose, &missing_skip);
	cfg.seq_len = seq_len;
	if (warm != NULL)
		CheckWarmStart(warm, ncols, seq_len, &cfg);
	per_series = MgOptionBool(opts, "per_series",
							  warm != NULL && warm->per_series);
	if (per_series && series_by == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"per_series\" needs a series_by column"),
				 errhint("Pass series_by => 'the column that names each series', or leave \"per_series\" out to train one model.")));
	if (per_series && !OidIsValid(MgCatalogRelid("model_series")))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("option \"per_series\" needs version 0.2.0 of the extension's SQL objects"),
				 errhint("Run ALTER EXTENSION mimgan UPDATE.")));
	if (cfg.pca_components > ncols)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"pca_components\": %d",
						cfg.pca_components),
				 errhint("pca_components must not exceed the number of columns (%d).",
						 ncols)));

	/* read */
	trainctx = AllocSetContextCreate(callerctx, "mimgan train",
									 ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(trainctx);

	memset(&rspec, 0, sizeof(rspec));
	rspec.relid = relid;
	rspec.ncols = ncols;
	rspec.cols = cols;
	rspec.order_by = order_by;
	rspec.series_by = series_by;
	rspec.missing_skip = missing_skip;
	MgProgressBegin(name, source);
	src = MgReadSource(&rspec);

	if (src->nrows == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" is empty", relname),
				 errhint("Train on a relation with at least seq_len rows per series.")));
	if (src->nvalid == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("relation \"%s\" has no usable rows", relname),
				 errdetail("All " INT64_FORMAT " rows have a NULL, NaN or infinite value in the model columns or the order column.",
						   src->nrows)));
	for (i = 0; i < src->nseries; i++)
	{
		int64		n = src->series_start[i + 1] - src->series_start[i];

		longest = Max(longest, n);
		if (n >= seq_len)
			usable_series++;
	}
	if (usable_series == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("not enough rows in relation \"%s\" for seq_len %d", relname, seq_len),
				 errdetail("The longest series has " INT64_FORMAT " usable rows (" INT64_FORMAT " usable of " INT64_FORMAT " rows in %d series).",
						   longest, src->nvalid, src->nrows, src->nseries),
				 errhint("Use a smaller seq_len, or train on more data.")));

	if (per_series)
		for (i = 0; i < src->nseries; i++)
			if (SeriesTrainable(src, i, seq_len))
				ntrain++;

	/* train */
	InitTrainLog(&log, &cb, name, cfg.encoder != 0, verbose);

	what = psprintf("cannot train model \"%s\"", name);
	MgSourceAsData(src, &data);
	MgEnsureBlas();

	/*
	 * The networks' work space gets what mimgan.max_train_memory leaves
	 * after the rows read (everything in trainctx so far).
	 */
	data_bytes = (int64) MemoryContextMemAllocated(trainctx, true);
	model = Fit(&cfg, &data, warm ? warm->model : NULL, &log, &cb, data_bytes,
				what, &train_seconds, &peak);
	MgProgressPhase(MG_PROGRESS_SAVING);

	/* the blob, self-contained through its metadata */
	model->meta = MgModelMetaJson(source, ncols, cols, order_by, series_by, seq_len);
	model->meta_len = (uint32_t) strlen(model->meta);
	blob = ModelBlob(model, what);

	/* fingerprint of the training data (valid rows, in order) */
	if (!pg_md5_hash(src->X, sizeof(double) * src->nvalid * ncols, md5, &errstr))
		elog(ERROR, "could not compute the data fingerprint: %s",
			 errstr ? errstr : "?");

	initStringInfo(&tr);
	appendStringInfo(&tr, "{\"epochs\": %d, \"rows\": " INT64_FORMAT
					 ", \"rows_used\": " INT64_FORMAT ", \"rows_skipped\": " INT64_FORMAT
					 ", \"windows\": " INT64_FORMAT ", \"series\": %d",
					 model->stats.epochs_run, src->nrows, src->nvalid,
					 src->nrows - src->nvalid, (int64) model->stats.n_windows,
					 src->nseries);
	AppendFitFigures(&tr, model, train_seconds, data_bytes + peak);
	if (warm != NULL)
	{
		appendStringInfoString(&tr, ", \"warm_start_from\": ");
		escape_json(&tr, psprintf("%s@%d", warm->name, warm->version));
	}
	if (per_series)
		appendStringInfo(&tr, ", \"series_models\": %d", ntrain);
	appendStringInfo(&tr, ", \"data_md5\": \"%s\"}", md5);

	/* effective options: the configuration plus the glue's own keys */
	options = MgConfigToJsonb(&cfg);
	extra_text = psprintf("{\"on_missing\": \"%s\", \"verbose\": %s, \"per_series\": %s}",
						  missing_skip ? "skip" : "error",
						  verbose ? "true" : "false",
						  per_series ? "true" : "false");
	extra = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(extra_text)));
	options = DatumGetJsonbP(DirectFunctionCall2(jsonb_concat,
												 JsonbPGetDatum(options),
												 JsonbPGetDatum(extra)));

	version = MgSaveModel(name, source, ncols, cols, order_by, series_by, options,
						  DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(tr.data))),
						  model, blob);
	SaveTrainingLog(name, version, &log);
	if (per_series)
		TrainSeriesModels(name, version, relname, model->meta, src, &cfg, warm,
						  verbose, ntrain);

	if (verbose)
		ereport(NOTICE,
				(errmsg("model \"%s\" version %d saved: %d epochs on " INT64_FORMAT " windows",
						name, version, model->stats.epochs_run,
						(int64) model->stats.n_windows),
				 errdetail("Trained in %.1f s; threshold %.4f.", train_seconds,
						   model->threshold)));

	MemoryContextSwitchTo(callerctx);
	{
		text	   *result = cstring_to_text(name);

		MemoryContextDelete(trainctx);
		return result;
	}
}

PG_FUNCTION_INFO_V1(mimgan_train);

/*
 * mimgan_train(source regclass, cols text[], seq_len int, order_by text,
 * series_by text, model_name text, options jsonb) -> text: the model name.
 * The progress file goes whatever happens (MgProgressEnd).
 */
Datum
mimgan_train(PG_FUNCTION_ARGS)
{
	text	   *volatile result = NULL;

	PG_TRY();
	{
		result = TrainModel(fcinfo);
	}
	PG_CATCH();
	{
		MgProgressEnd();
		PG_RE_THROW();
	}
	PG_END_TRY();
	MgProgressEnd();
	PG_RETURN_TEXT_P(result);
}
