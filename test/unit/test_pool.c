/*-------------------------------------------------------------------------
 *
 * test_pool.c
 *	  OpenBLAS's worker threads: created with every signal blocked, joined
 *	  by mg_blas_release_threads, started again by mg_blas_set_threads.
 *
 * Threads are counted in /proc/self/task; each worker's blocked-signal
 * mask is read from /proc/self/task/<tid>/status (SigBlk).
 *
 * test/unit/test_pool.c
 *
 *-------------------------------------------------------------------------
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mimgan_core.h"
#include "unit.h"

/* Threads of this process; *unmasked counts those (other than the main
 * thread) that do not block SIGINT, SIGTERM, SIGQUIT and SIGUSR1. */
static int
count_threads(int *unmasked)
{
	DIR		   *d = opendir("/proc/self/task");
	struct dirent *e;
	int			n = 0;
	unsigned long long need = (1ULL << (SIGINT - 1)) | (1ULL << (SIGTERM - 1)) |
		(1ULL << (SIGQUIT - 1)) | (1ULL << (SIGUSR1 - 1));

	*unmasked = 0;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
	{
		char		path[320],
					line[256];
		FILE	   *f;

		if (e->d_name[0] == '.')
			continue;
		n++;
		if (atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "SigBlk:", 7) == 0 &&
				(strtoull(line + 7, NULL, 16) & need) != need)
				(*unmasked)++;
		fclose(f);
	}
	closedir(d);
	return n;
}

/*
 * count_threads, polled for up to 2 s until it equals want: a joined
 * thread can stay listed in /proc for a moment after pthread_join returns
 * (the kernel reaps it just after waking the joiner).
 */
static int
settled_threads(int want, int *unmasked)
{
	int			t = count_threads(unmasked),
				i;

	for (i = 0; i < 200 && t != want; i++)
	{
		usleep(10000);
		t = count_threads(unmasked);
	}
	return t;
}

/* C = A B on n x n matrices, big enough for OpenBLAS to use its threads. */
static void
product(const float *A, const float *B, float *C, int n)
{
	mg_sgemm(0, 0, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
}

/* Pool lifecycle and signal masks. */
void
suite_pool(void)
{
	int			n = 768,
				i,
				base,
				t,
				unmasked;
	float	   *A = malloc(sizeof(float) * n * n),
			   *B = malloc(sizeof(float) * n * n),
			   *C1 = malloc(sizeof(float) * n * n),
			   *C2 = malloc(sizeof(float) * n * n);
	mg_blas_status st;

	unit_suite = "pool";
	if (getenv("MIMGAN_UNIT_QUICK"))
	{
		printf("  skipped under MIMGAN_UNIT_QUICK\n");
		free(A), free(B), free(C1), free(C2);
		return;
	}
	for (i = 0; i < n * n; i++)
	{
		A[i] = (float) (((long) i * 7919) % 1000) / 1000.0f - 0.5f;
		B[i] = (float) (((long) i * 104729) % 997) / 997.0f - 0.5f;
	}
	mg_blas_set_threads(1);
	product(A, B, C1, n);
	mg_blas_get_status(&st);
	if (st.library[0] == '\0')
	{
		printf("  no OpenBLAS here: skipped\n");
		free(A), free(B), free(C1), free(C2);
		return;
	}
	/* join whatever earlier suites left (e.g. threads), then count */
	mg_blas_release_threads();
	base = settled_threads(1, &unmasked);	/* main thread only, once settled */
	CHECK(base >= 1, "threads at start: %d", base);

	mg_blas_set_threads(2);
	product(A, B, C2, n);
	t = count_threads(&unmasked);
	CHECK(t == base + 1, "2 threads: %d threads (base %d)", t, base);
	CHECK(unmasked == 0, "%d worker threads accept SIGINT/SIGTERM/SIGQUIT/SIGUSR1", unmasked);
	CHECK(memcmp(C1, C2, sizeof(float) * n * n) == 0 ||
		  fabs(C1[0] - C2[0]) < 1e-3, "2-thread product differs");

	if (mg_blas_release_threads() == 0)
	{
		printf("  this OpenBLAS cannot join its pool: rest skipped\n");
		mg_blas_set_threads(1);
		free(A), free(B), free(C1), free(C2);
		return;
	}
	t = settled_threads(base, &unmasked);
	CHECK(t == base, "after release: %d threads (base %d)", t, base);

	/* again: the pool starts with the blocked mask and the same result */
	mg_blas_set_threads(2);
	product(A, B, C1, n);
	t = count_threads(&unmasked);
	CHECK(t == base + 1 && unmasked == 0, "restarted pool: %d threads, %d unmasked", t, unmasked);
	CHECK(memcmp(C1, C2, sizeof(float) * n * n) == 0, "restarted pool: same product bit for bit");
	mg_blas_release_threads();
	CHECK(settled_threads(base, &unmasked) == base, "joined again");

	/* one thread after a release: OpenBLAS keeps its grown pool size, so
	 * set_threads starts it (masked) and release joins it again */
	mg_blas_set_threads(1);
	product(A, B, C2, n);
	t = count_threads(&unmasked);
	CHECK(unmasked == 0, "1 thread after 2: %d unmasked workers", unmasked);
	mg_blas_release_threads();
	CHECK(settled_threads(base, &unmasked) == base, "1 thread after 2: joined (%d threads before)", t);
	printf("  pool: %d thread(s) idle, %d with 2 BLAS threads, joined on release\n", base, base + 1);
	free(A), free(B), free(C1), free(C2);
}
