/*-------------------------------------------------------------------------
 *
 * blasload.c
 *	  Load OpenBLAS at first use with the best kernel for this CPU.
 *
 * OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels once, in
 * the library constructor, from its own CPU table or from the environment
 * variable OPENBLAS_CORETYPE.  Version 0.3.21 does not know several recent
 * CPUs and then silently runs its SSE3 "Prescott" kernels, 5-6x slower.
 * The variable is read only while the library loads, so mimgan does not
 * link against OpenBLAS: mg_blas_load chooses a core type from the CPU's
 * features (cpuid and the OS's xgetbv state, through gcc's
 * __builtin_cpu_supports), puts it in the environment, dlopen()s
 * libopenblas.so.0, looks up the few symbols the core uses, and restores
 * the environment.
 *
 * Choice ("auto"):
 *	  AVX-512 F+CD+BW+DQ+VL       SkylakeX
 *	  AVX2+FMA, AMD              Zen
 *	  AVX2+FMA, other            Haswell
 *	  AVX                         Sandybridge
 *	  otherwise / not x86-64      nothing set (OpenBLAS decides)
 * An OPENBLAS_CORETYPE already in the environment is respected; an
 * explicit core type (mimgan.blas_coretype) is accepted only when the CPU
 * has the instructions its kernels use, so a setting can never make the
 * backend die of SIGILL.  Whatever was asked, the kernel actually running
 * is read back from openblas_get_corename(); mg_blas_selfcheck (blas.c)
 * then compares the library with the plain-C reference.
 *
 * Threads: OpenBLAS (pthread build) starts its worker pool in the
 * constructor and grows it in openblas_set_num_threads.  Both happen here
 * with every signal blocked, so the workers inherit a full signal mask and
 * a signal meant for the process (a PostgreSQL backend's SIGINT, SIGTERM,
 * SIGUSR1) is always handled by the main thread.  Unless the environment
 * says otherwise OPENBLAS_NUM_THREADS=1 is set for the load, so no worker
 * exists until more threads are asked for.  After a call that used more
 * than one thread, mg_blas_release_threads joins the workers
 * (blas_thread_shutdown_, exported by OpenBLAS's pthread build for its
 * fork handlers), so no OpenBLAS thread outlives the SQL function that
 * asked for it; the next mg_blas_set_threads (n > 1) starts the pool again
 * (blas_thread_init) with every signal blocked, before any BLAS call could
 * start it with the backend's mask.  A library without these symbols keeps
 * its pool parked between calls.
 *
 * When no OpenBLAS can be loaded, the core runs on the reference sgemm
 * (blas.c) and PCA whitening fails with MG_ERR_LAPACK; mg_blas_get_status
 * tells which.
 *
 * src/core/blasload.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* dladdr */
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mimgan_core.h"
#include "core_internal.h"

/* cblas enums, fixed by the CBLAS standard */
#define CBLAS_ROW_MAJOR 101
#define CBLAS_NO_TRANS 111
#define CBLAS_TRANS 112

typedef void (*cblas_sgemm_fn) (int order, int ta, int tb, int M, int N,
								int K, float alpha, const float *A, int lda,
								const float *B, int ldb, float beta,
								float *C, int ldc);
typedef void (*dsyev_fn) (const char *jobz, const char *uplo, const int *n,
						  double *a, const int *lda, double *w, double *work,
						  const int *lwork, int *info);
typedef void (*set_threads_fn) (int n);
typedef int (*get_threads_fn) (void);
typedef int (*pool_fn) (void);
typedef char *(*get_str_fn) (void);

static const char *const lib_names[] = {"libopenblas.so.0", "libopenblas.so"};

/* The loaded library; written only by mg_blas_load. */
static struct
{
	int			tried;			/* mg_blas_load has run */
	void	   *handle;
	cblas_sgemm_fn sgemm;
	dsyev_fn	dsyev;
	set_threads_fn set_threads;
	get_threads_fn get_threads;
	pool_fn		pool_init;		/* blas_thread_init, or NULL */
	pool_fn		pool_shutdown;	/* blas_thread_shutdown_, or NULL */
	int			pool_max;		/* most threads the pool has had (1: no worker) */
	get_str_fn	get_config;
	get_str_fn	get_corename;
	get_threads_fn get_parallel;	/* openblas_get_parallel, or NULL */
	mg_blas_status st;
}			blas;

/* ---------------------------------------------------------------------
 * CPU features
 * --------------------------------------------------------------------- */

/* Features of this CPU as MG_CPU_* bits (0 off x86-64). */
unsigned
mg_cpu_features(void)
{
	unsigned	f = 0;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse3"))
		f |= MG_CPU_SSE3;
	if (__builtin_cpu_supports("avx"))
		f |= MG_CPU_AVX;
	if (__builtin_cpu_supports("avx2"))
		f |= MG_CPU_AVX2;
	if (__builtin_cpu_supports("fma"))
		f |= MG_CPU_FMA;
	if (__builtin_cpu_supports("avx512f"))
		f |= MG_CPU_AVX512F;
	if (__builtin_cpu_supports("avx512cd"))
		f |= MG_CPU_AVX512CD;
	if (__builtin_cpu_supports("avx512bw"))
		f |= MG_CPU_AVX512BW;
	if (__builtin_cpu_supports("avx512dq"))
		f |= MG_CPU_AVX512DQ;
	if (__builtin_cpu_supports("avx512vl"))
		f |= MG_CPU_AVX512VL;
	if (__builtin_cpu_is("amd"))
		f |= MG_CPU_AMD;
#endif
	return f;
}

/* Space-separated names of the feature bits, into buf. */
void
mg_cpu_features_string(unsigned f, char *buf, size_t len)
{
	static const struct
	{
		unsigned	bit;
		const char *name;
	}			names[] = {
		{MG_CPU_AMD, "amd"}, {MG_CPU_SSE3, "sse3"}, {MG_CPU_AVX, "avx"},
		{MG_CPU_AVX2, "avx2"}, {MG_CPU_FMA, "fma"},
		{MG_CPU_AVX512F, "avx512f"}, {MG_CPU_AVX512CD, "avx512cd"},
		{MG_CPU_AVX512BW, "avx512bw"}, {MG_CPU_AVX512DQ, "avx512dq"},
		{MG_CPU_AVX512VL, "avx512vl"}
	};
	size_t		i,
				used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (f & names[i].bit)
		{
			int			n = snprintf(buf + used, len - used, "%s%s",
									 used ? " " : "", names[i].name);

			if (n < 0 || (size_t) n >= len - used)
			{
				buf[used] = '\0';	/* whole names only */
				break;
			}
			used += n;
		}
}

#define MG_CPU_AVX512_SKX (MG_CPU_AVX512F | MG_CPU_AVX512CD | \
						   MG_CPU_AVX512BW | MG_CPU_AVX512DQ | MG_CPU_AVX512VL)

/* Core types a user may ask for, with the features their kernels need. */
static const struct
{
	const char *name;
	unsigned	needs;
}			coretypes[] = {
	{"Prescott", MG_CPU_SSE3},
	{"Core2", MG_CPU_SSE3},
	{"Nehalem", MG_CPU_SSE3},
	{"Sandybridge", MG_CPU_AVX},
	{"Haswell", MG_CPU_AVX2 | MG_CPU_FMA},
	{"Zen", MG_CPU_AVX2 | MG_CPU_FMA},
	{"SkylakeX", MG_CPU_AVX512_SKX | MG_CPU_AVX2 | MG_CPU_FMA},
};

/* The core type "auto" picks for feature bits f; NULL: leave it to OpenBLAS. */
const char *
mg_blas_auto_coretype(unsigned f)
{
	if ((f & MG_CPU_AVX512_SKX) == MG_CPU_AVX512_SKX &&
		(f & (MG_CPU_AVX2 | MG_CPU_FMA)) == (MG_CPU_AVX2 | MG_CPU_FMA))
		return "SkylakeX";
	if ((f & (MG_CPU_AVX2 | MG_CPU_FMA)) == (MG_CPU_AVX2 | MG_CPU_FMA))
		return (f & MG_CPU_AMD) ? "Zen" : "Haswell";
	if (f & MG_CPU_AVX)
		return "Sandybridge";
	return NULL;
}

/*
 * Is name a valid setting for a CPU with features f?  "auto" and "none"
 * always are.  Returns 0 when valid (*canon set to the canonical
 * spelling, NULL for auto/none), -1 for an unknown name, -2 when the CPU
 * lacks instructions the kernels use.
 */
int
mg_blas_coretype_valid(const char *name, unsigned f, const char **canon)
{
	size_t		i;

	*canon = NULL;
	if (name == NULL || strcasecmp(name, "auto") == 0 ||
		strcasecmp(name, "none") == 0)
		return 0;
	for (i = 0; i < sizeof(coretypes) / sizeof(coretypes[0]); i++)
		if (strcasecmp(name, coretypes[i].name) == 0)
		{
			*canon = coretypes[i].name;
			return (f & coretypes[i].needs) == coretypes[i].needs ? 0 : -2;
		}
	return -1;
}

/* Comma-separated list of the accepted names (for error hints). */
const char *
mg_blas_coretype_names(void)
{
	static char buf[160];
	size_t		i;

	if (buf[0] == '\0')
	{
		snprintf(buf, sizeof(buf), "auto, none");
		for (i = 0; i < sizeof(coretypes) / sizeof(coretypes[0]); i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ", %s",
					 coretypes[i].name);
	}
	return buf;
}

/* ---------------------------------------------------------------------
 * Loading
 * --------------------------------------------------------------------- */

/* Set or restore one environment variable (old NULL: unset). */
static void
env_restore(const char *var, const char *old)
{
	if (old)
		setenv(var, old, 1);
	else
		unsetenv(var);
}

/* strdup of getenv, NULL when unset or out of memory */
static char *
env_save(const char *var)
{
	const char *v = getenv(var);

	return v ? strdup(v) : NULL;
}

static void
copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/*
 * Load OpenBLAS once per process; later calls return the first result.
 * coretype: NULL or "auto" (choose from the CPU), "none" (let OpenBLAS
 * decide), or a name mg_blas_coretype_valid accepts.  Returns 0 when
 * OpenBLAS is loaded, -1 when no library could be loaded (the reference
 * sgemm is used), -2 for a core type that is unknown or needs
 * instructions this CPU lacks (nothing is loaded; call again with a
 * valid one).
 */
int
mg_blas_load(const char *coretype)
{
	unsigned	f;
	const char *want = NULL;
	const char *canon;
	char	   *old_core,
			   *old_threads;
	sigset_t	all,
				saved;
	size_t		i;
	Dl_info		info;

	if (blas.tried)
		return blas.handle ? 0 : -1;

	f = mg_cpu_features();
	if (mg_blas_coretype_valid(coretype, f, &canon) != 0)
		return -2;

	memset(&blas.st, 0, sizeof(blas.st));
	mg_cpu_features_string(f, blas.st.cpu, sizeof(blas.st.cpu));
	old_core = env_save("OPENBLAS_CORETYPE");
	old_threads = env_save("OPENBLAS_NUM_THREADS");

	if (old_core)
	{
		want = old_core;
		blas.st.source = "environment (OPENBLAS_CORETYPE)";
	}
	else if (canon)
	{
		want = canon;
		blas.st.source = "setting";
	}
	else if (coretype && strcasecmp(coretype, "none") == 0)
		blas.st.source = "OpenBLAS's own detection (none)";
	else if ((want = mg_blas_auto_coretype(f)) != NULL)
		blas.st.source = "auto (cpu features)";
	else
		blas.st.source = "OpenBLAS's own detection (cpu not classified)";
	copy_str(blas.st.requested, sizeof(blas.st.requested), want);

	if (want && !old_core)
		setenv("OPENBLAS_CORETYPE", want, 1);
	if (!old_threads && !getenv("OMP_NUM_THREADS") &&
		!getenv("GOTO_NUM_THREADS"))
		setenv("OPENBLAS_NUM_THREADS", "1", 1);

	/* worker threads created by the constructor inherit a full mask */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &saved);
	for (i = 0; i < sizeof(lib_names) / sizeof(lib_names[0]) && !blas.handle;
		 i++)
		blas.handle = dlopen(lib_names[i], RTLD_NOW | RTLD_LOCAL);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);

	env_restore("OPENBLAS_CORETYPE", old_core);
	env_restore("OPENBLAS_NUM_THREADS", old_threads);
	free(old_core);
	free(old_threads);
	blas.tried = 1;

	if (blas.handle)
	{
		blas.sgemm = (cblas_sgemm_fn) dlsym(blas.handle, "cblas_sgemm");
		blas.dsyev = (dsyev_fn) dlsym(blas.handle, "dsyev_");
		blas.set_threads = (set_threads_fn) dlsym(blas.handle,
												  "openblas_set_num_threads");
		blas.get_threads = (get_threads_fn) dlsym(blas.handle,
												  "openblas_get_num_threads");
		blas.pool_init = (pool_fn) dlsym(blas.handle, "blas_thread_init");
		blas.pool_shutdown = (pool_fn) dlsym(blas.handle, "blas_thread_shutdown_");
		if (blas.pool_init == NULL || blas.pool_shutdown == NULL)
			blas.pool_init = blas.pool_shutdown = NULL;		/* both or none */
		blas.get_config = (get_str_fn) dlsym(blas.handle, "openblas_get_config");
		blas.get_parallel = (get_threads_fn) dlsym(blas.handle,
												   "openblas_get_parallel");
		blas.get_corename = (get_str_fn) dlsym(blas.handle,
											   "openblas_get_corename");
		blas.pool_max = blas.get_threads ? blas.get_threads() : 1;
		if (blas.sgemm == NULL)
		{
			/* not an OpenBLAS we can use: forget every symbol of it */
			mg_blas_status keep = blas.st;

			dlclose(blas.handle);
			memset(&blas, 0, sizeof(blas));
			blas.st = keep;
			blas.tried = 1;
		}
	}
	if (blas.handle)
	{
		blas.st.loaded = 1;
		if (dladdr((void *) blas.sgemm, &info) && info.dli_fname)
			copy_str(blas.st.library, sizeof(blas.st.library), info.dli_fname);
		copy_str(blas.st.config, sizeof(blas.st.config),
				 blas.get_config ? blas.get_config() : "?");
		copy_str(blas.st.core, sizeof(blas.st.core),
				 blas.get_corename ? blas.get_corename() : "?");
	}
	else
	{
		copy_str(blas.st.library, sizeof(blas.st.library), "(none found)");
		copy_str(blas.st.core, sizeof(blas.st.core), "reference");
	}
	return blas.handle ? 0 : -1;
}

/* Load with "auto" when nothing has asked for a core type before use. */
static inline void
ensure_loaded(void)
{
	if (!blas.tried)
		mg_blas_load(NULL);
}

/* Status of the BLAS (loads it with "auto" when not yet loaded). */
void
mg_blas_get_status(mg_blas_status *st)
{
	ensure_loaded();
	*st = blas.st;
	st->threads = (blas.get_threads) ? blas.get_threads() : 1;
	st->selfcheck = mg_blas_selfcheck_state();
}

/*
 * How the loaded OpenBLAS was built: 0 sequential, 1 pthreads, 2 OpenMP
 * (openblas_get_parallel); -1 when no OpenBLAS is loaded (the reference
 * sgemm is reentrant) or the library does not say.  mimgan's own threads
 * call sgemm concurrently, which the threaded builds allow (their buffer
 * allocator takes a lock); a sequential build may lack that lock, so the
 * glue runs the pieces on one thread there (same results).
 */
int
mg_blas_parallel(void)
{
	ensure_loaded();
	if (blas.sgemm == NULL || blas.get_parallel == NULL)
		return -1;
	return blas.get_parallel();
}

/* Row-major sgemm through the loaded library; 0 if none (caller falls back). */
int
mg_blas_lib_sgemm(int transA, int transB, int M, int N, int K,
				  float alpha, const float *A, int lda,
				  const float *B, int ldb,
				  float beta, float *C, int ldc)
{
	ensure_loaded();
	if (blas.sgemm == NULL)
		return 0;
	blas.sgemm(CBLAS_ROW_MAJOR, transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
			   transB ? CBLAS_TRANS : CBLAS_NO_TRANS, M, N, K,
			   alpha, A, lda, B, ldb, beta, C, ldc);
	return 1;
}

/* LAPACK dsyev through the loaded library; *info = -1000 when absent. */
void
mg_dsyev(const char *jobz, const char *uplo, const int *n, double *a,
		 const int *lda, double *w, double *work, const int *lwork, int *info)
{
	ensure_loaded();
	if (blas.dsyev == NULL)
	{
		*info = -1000;
		return;
	}
	blas.dsyev(jobz, uplo, n, a, lda, w, work, lwork, info);
}

/*
 * Number of OpenBLAS threads (n >= 1).  New workers inherit the blocked
 * signal mask set around the call.
 */
void
mg_blas_set_threads(int n)
{
	sigset_t	all,
				saved;

	ensure_loaded();
	if (n < 1 || blas.set_threads == NULL)
		return;
	if (n > blas.pool_max)
		blas.pool_max = n;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &saved);
	/*
	 * A pool joined by mg_blas_release_threads starts again here, masked:
	 * OpenBLAS would otherwise start it inside the next BLAS call with the
	 * caller's signal mask (it does so even at one thread once the pool
	 * has grown).
	 */
	if (blas.pool_init != NULL && blas.pool_max > 1)
		blas.pool_init();
	blas.set_threads(n);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

/*
 * Join OpenBLAS's worker threads (see the file header); the next
 * mg_blas_set_threads starts them again.  Returns 1 when it joined a pool
 * that can have workers, 0 when there is nothing to join (the pool never
 * had more than one thread: the common case costs nothing) or the library
 * cannot do it (its pool stays parked).
 */
int
mg_blas_release_threads(void)
{
	if (!blas.tried || blas.pool_shutdown == NULL || blas.pool_max <= 1)
		return 0;
	blas.pool_shutdown();
	return 1;
}

/* Static one-line description of the BLAS in use. */
const char *
mg_blas_info(void)
{
	static char buf[640];
	mg_blas_status st;

	mg_blas_get_status(&st);
	if (!st.loaded)
		snprintf(buf, sizeof(buf), "no OpenBLAS found; reference sgemm in use");
	else
		snprintf(buf, sizeof(buf), "%s; core %s (requested %s, %s); threads %d%s",
				 st.config, st.core, st.requested[0] ? st.requested : "-",
				 st.source, st.threads,
				 st.selfcheck == 1 ? "; reference sgemm in use (self-check failed)"
				 : "");
	return buf;
}
