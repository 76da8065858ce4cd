/*-------------------------------------------------------------------------
 *
 * mimgan.c
 *	  Module entry point of the mimgan extension: PG_MODULE_MAGIC, the GUCs
 *	  (mimgan.*), loading OpenBLAS with the kernel for this CPU, BLAS thread
 *	  pinning and mimgan_info().
 *
 * Vocabulary used throughout the glue (src/pg/) and the core (src/core/).
 *	  source   the table, view or materialized view a model is trained on.
 *	  row      one time step of the source: the m model columns, cast to
 *	           float8, plus the order column and the optional series column.
 *	  series   the rows sharing one series_by value, in order_by order;
 *	           windows never cross a series boundary.
 *	  window   seq_len consecutive valid rows of one series.
 *	  epoch    one pass of GAN training over every training window.
 *	  model    one trained generator/discriminator pair with its
 *	           preprocessing and threshold, stored as a blob in mimgan.model
 *	           under (name, version); a version is immutable.
 *	  spec     how users name a model: 'name' (latest version) or 'name@N'.
 *	  score    DIRE: lambda * (1 - D) + (1 - lambda) * reconstruction
 *	           residual, per time step.
 *
 * The extension needs no shared_preload_libraries: everything is
 * initialised per backend on first use.
 *
 * src/pg/mimgan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/xact.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "mimgan_pg.h"

static void MgBlasXactCallback(XactEvent event, void *arg);

PG_MODULE_MAGIC;

#define MIMGAN_VERSION "0.2.0"

#define MIMGAN_DEFAULT_BLAS_THREADS 1
#define MIMGAN_MIN_BLAS_THREADS 1
#define MIMGAN_MAX_BLAS_THREADS 64

#define MIMGAN_DEFAULT_MAX_TRAIN_MEMORY (1024 * 1024)	/* kB = 1GB */
#define MIMGAN_MIN_MAX_TRAIN_MEMORY 1024				/* kB = 1MB */
#define MIMGAN_MAX_MAX_TRAIN_MEMORY MAX_KILOBYTES	/* kB, as maintenance_work_mem */

#define MIMGAN_DEFAULT_SCORE_BATCH 512
#define MIMGAN_MIN_SCORE_BATCH 1
#define MIMGAN_MAX_SCORE_BATCH 65536
#define MIMGAN_DEFAULT_MODEL_CACHE_SIZE (64 * 1024)	/* kB */
#define MIMGAN_MIN_MODEL_CACHE_SIZE 0
#define MIMGAN_MAX_MODEL_CACHE_SIZE (MAX_KILOBYTES / 4)

int			mimgan_blas_threads = MIMGAN_DEFAULT_BLAS_THREADS;
int			mimgan_threads = 1;
char	   *mimgan_blas_coretype = NULL;
int			mimgan_max_train_memory = MIMGAN_DEFAULT_MAX_TRAIN_MEMORY;
int			mimgan_score_batch = MIMGAN_DEFAULT_SCORE_BATCH;
int			mimgan_model_cache_size = MIMGAN_DEFAULT_MODEL_CACHE_SIZE;

/* thread count last given to OpenBLAS (0: none yet) */
static int	blas_threads_applied = 0;
/* MgBlasRelease joined the pool: the next core call restarts it */
static bool blas_pool_joined = false;

/* -1: self-check not yet run; 0: passed; 1: failed (reference sgemm used) */
static int	blas_selfcheck_state = -1;

void		_PG_init(void);

/*
 * mimgan.blas_coretype: a known OpenBLAS core type whose instructions this
 * CPU has, or auto / none.  Refusing the others here means no setting can
 * make OpenBLAS run kernels the CPU cannot execute.
 */
static bool
check_blas_coretype(char **newval, void **extra, GucSource source)
{
	const char *canon;
	int			rc = mg_blas_coretype_valid(*newval, mg_cpu_features(), &canon);

	if (rc == -1)
	{
		GUC_check_errdetail("Unknown OpenBLAS core type \"%s\".", *newval);
		GUC_check_errhint("Valid values are: %s.", mg_blas_coretype_names());
		return false;
	}
	if (rc == -2)
	{
		char		cpu[160];

		mg_cpu_features_string(mg_cpu_features(), cpu, sizeof(cpu));
		GUC_check_errdetail("This CPU lacks instructions the %s kernels use (CPU features: %s).",
							canon, cpu[0] ? cpu : "none detected");
		GUC_check_errhint("Use \"auto\" to choose from the CPU's features.");
		return false;
	}
	return true;
}

/* Define the GUCs. */
void
_PG_init(void)
{
	DefineCustomIntVariable("mimgan.blas_threads",
							"Sets the number of OpenBLAS threads a backend uses for mimgan.",
							"Valid range is 1..64. Parallel query, not BLAS threads, is the "
							"recommended source of parallelism.",
							&mimgan_blas_threads,
							MIMGAN_DEFAULT_BLAS_THREADS,
							MIMGAN_MIN_BLAS_THREADS, MIMGAN_MAX_BLAS_THREADS,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("mimgan.threads",
							"Sets the number of threads a backend uses for mimgan's training and scoring.",
							"Valid range is 1..4. The rows of each batch are split into pieces "
							"that do not depend on the thread count, so results are the same "
							"for every setting. Above 1, OpenBLAS runs one thread and "
							"mimgan.blas_threads is not used.",
							&mimgan_threads,
							1, 1, MG_PAR_MAX_THREADS,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomStringVariable("mimgan.blas_coretype",
							   "Sets the OpenBLAS kernel set (core type) mimgan loads.",
							   "\"auto\" chooses from the CPU's features, \"none\" leaves it to "
							   "OpenBLAS. OpenBLAS is loaded once per backend, at the first "
							   "mimgan call: a change applies to sessions started afterwards. "
							   "OPENBLAS_CORETYPE in the server's environment takes precedence.",
							   &mimgan_blas_coretype,
							   "auto",
							   PGC_SUSET, 0, check_blas_coretype, NULL, NULL);

	DefineCustomIntVariable("mimgan.max_train_memory",
							"Sets the maximum memory for the rows mimgan reads from a relation.",
							"Applies to training and to scoring a relation; the estimate counts "
							"the rows read, and reading stops with an error when it is exceeded.",
							&mimgan_max_train_memory,
							MIMGAN_DEFAULT_MAX_TRAIN_MEMORY,
							MIMGAN_MIN_MAX_TRAIN_MEMORY, MIMGAN_MAX_MAX_TRAIN_MEMORY,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);

	DefineCustomIntVariable("mimgan.score_batch",
							"Sets the number of windows inverted together when scoring.",
							"Valid range is 1..65536. The \"batch\" scoring option overrides it.",
							&mimgan_score_batch,
							MIMGAN_DEFAULT_SCORE_BATCH,
							MIMGAN_MIN_SCORE_BATCH, MIMGAN_MAX_SCORE_BATCH,
							PGC_USERSET, 0, NULL, NULL, NULL);

	DefineCustomIntVariable("mimgan.model_cache_size",
							"Sets the memory for models a backend keeps deserialized between queries.",
							"0 turns the cache off. The cache is trimmed to this size, least "
							"recently used first, at the end of each transaction.",
							&mimgan_model_cache_size,
							MIMGAN_DEFAULT_MODEL_CACHE_SIZE,
							MIMGAN_MIN_MODEL_CACHE_SIZE, MIMGAN_MAX_MODEL_CACHE_SIZE,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);

	MarkGUCPrefixReserved("mimgan");
	RegisterXactCallback(MgBlasXactCallback, NULL);
}

/*
 * Apply mimgan.threads / mimgan.blas_threads and run the BLAS self-check
 * once per backend.
 * Called before every core call that may reach BLAS.
 */
void
MgEnsureBlas(void)
{
	int			want;

	if (blas_selfcheck_state < 0)
	{
		/* the check hook accepted the setting, so -2 cannot happen */
		if (mg_blas_load(mimgan_blas_coretype) == -1)
			ereport(WARNING,
					(errmsg("could not load OpenBLAS, using the reference matrix product"),
					 errhint("Install the libopenblas0 package; results stay correct but training is much slower.")));

		blas_selfcheck_state = (mg_blas_selfcheck() == 0) ? 0 : 1;
		if (blas_selfcheck_state != 0)
			ereport(WARNING,
					(errmsg("BLAS self-check failed, using the reference matrix product"),
					 errdetail("BLAS: %s", mg_blas_info()),
					 errhint("Results stay correct but training is slower; check the OpenBLAS installation.")));
	}
	/*
	 * One level of parallelism: mimgan's threads or OpenBLAS's.  A
	 * sequential OpenBLAS build may not be reentrant: its pieces then run
	 * on one thread (the same results, see src/core/par.c).
	 */
	mg_par_set_threads(mg_blas_parallel() == 0 ? 1 : mimgan_threads);
	want = mimgan_threads > 1 ? 1 : mimgan_blas_threads;
	/* a changed setting, or restart (masked) a pool MgBlasRelease joined */
	if (blas_threads_applied != want || blas_pool_joined)
	{
		mg_blas_set_threads(want);
		blas_threads_applied = want;
		blas_pool_joined = false;
	}
}

/*
 * Join OpenBLAS's and mimgan's worker threads: called right after each
 * core call, so no worker outlives the SQL function that used it, and at
 * the end of every transaction in case an ERROR left a core call early.
 */
void
MgBlasRelease(void)
{
	if (mg_blas_release_threads())
		blas_pool_joined = true;
	mg_par_release();
}

/* Transaction end: no OpenBLAS worker survives a failed call. */
static void
MgBlasXactCallback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		MgBlasRelease();
}

PG_FUNCTION_INFO_V1(mimgan_info);

/* append  , "key": "value"  with JSON escaping */
static void
append_json_str(StringInfo buf, const char *key, const char *val)
{
	appendStringInfo(buf, ", \"%s\": ", key);
	escape_json(buf, val);
}

/*
 * mimgan_info() -> jsonb: extension version, the BLAS in use (library,
 * configuration, kernel asked for and running, how it was chosen, CPU
 * features, threads, self-check) and the settings.
 */
Datum
mimgan_info(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	mg_blas_status st;

	MgEnsureBlas();
	mg_blas_get_status(&st);
	MgBlasRelease();

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"version\": ");
	escape_json(&buf, MIMGAN_VERSION);
	append_json_str(&buf, "blas", mg_blas_info());
	append_json_str(&buf, "blas_library", st.library);
	append_json_str(&buf, "blas_config", st.config);
	append_json_str(&buf, "blas_core", st.core);
	append_json_str(&buf, "blas_core_requested", st.requested);
	append_json_str(&buf, "blas_core_source", st.source ? st.source : "");
	append_json_str(&buf, "blas_coretype_setting",
					mimgan_blas_coretype ? mimgan_blas_coretype : "auto");
	append_json_str(&buf, "cpu_features", st.cpu);
	appendStringInfo(&buf, ", \"blas_threads\": %d", st.threads);
	appendStringInfo(&buf, ", \"threads\": %d", mg_par_threads());
	appendStringInfo(&buf, ", \"blas_selfcheck\": \"%s\"",
					 blas_selfcheck_state == 0 ? "ok" : "failed");
	appendStringInfo(&buf, ", \"blob_format\": %d", MG_BLOB_FORMAT_VERSION);
	appendStringInfo(&buf, ", \"score_batch\": %d", mimgan_score_batch);
	appendStringInfo(&buf, ", \"max_train_memory_kb\": %d",
					 mimgan_max_train_memory);
	{
		int			entries;
		int64		bytes,
					hits,
					misses;

		MgModelCacheStats(&entries, &bytes, &hits, &misses);
		appendStringInfo(&buf, ", \"model_cache_size_kb\": %d"
						 ", \"model_cache_entries\": %d"
						 ", \"model_cache_kb\": " INT64_FORMAT
						 ", \"model_cache_hits\": " INT64_FORMAT
						 ", \"model_cache_misses\": " INT64_FORMAT "}",
						 mimgan_model_cache_size, entries, (bytes + 1023) / 1024,
						 hits, misses);
	}

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
