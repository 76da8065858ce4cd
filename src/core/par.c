/*-------------------------------------------------------------------------
 *
 * par.c
 *	  mimgan's own worker threads: data parallelism over the rows of a
 *	  batch (mimgan.threads).
 *
 * The work is cut into pieces that depend only on its shape, never on the
 * number of threads (mg_par_pieces, mg_par_bounds), and each piece does
 * exactly the same arithmetic whichever thread runs it.  So a run with 1,
 * 2 or 4 threads gives bit-identical results: the threads only decide how
 * many pieces run at once.  Pieces are handed out dynamically from a
 * counter; the calling thread takes pieces too.
 *
 * The workers run core code and OpenBLAS only: they never call
 * PostgreSQL, allocate nothing through mg_alloc, and are created with
 * every signal blocked, so a backend's signals always reach its main
 * thread.  mg_par_run returns only when every piece is done: no piece is
 * running while the caller checks for interrupts between steps.  The pool
 * starts at the first mg_par_run that wants more than one thread and
 * mg_par_release joins it (the PostgreSQL glue calls it after each core
 * call and at the end of each transaction), so no worker outlives the SQL
 * function that used it.  While more than one thread is wanted, the
 * caller keeps OpenBLAS at one thread (one level of parallelism).
 *
 * src/core/par.c
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <signal.h>

#include "mimgan_core.h"

static struct
{
	int			want;			/* threads wanted, caller included */
	int			nworkers;		/* workers running */
	pthread_t	tid[MG_PAR_MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t work;		/* a new task, or stop */
	pthread_cond_t done;		/* the task's last piece finished */
	unsigned long gen;			/* task generation */
	int			stop;
	mg_par_fn	fn;
	void	   *arg;
	int			npieces;
	int			next;			/* next piece to hand out */
	int			left;			/* pieces not finished */
}			pool = {
	1, 0, {0}, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
	PTHREAD_COND_INITIALIZER, 0, 0, NULL, NULL, 0, 0, 0
};

/* Threads mg_par_run may use (1..MG_PAR_MAX_THREADS); the pool adapts at
 * the next run. */
void
mg_par_set_threads(int n)
{
	if (n < 1)
		n = 1;
	if (n > MG_PAR_MAX_THREADS)
		n = MG_PAR_MAX_THREADS;
	pool.want = n;
}

int
mg_par_threads(void)
{
	return pool.want;
}

/* Run pieces of the current task until none is left; mutex held. */
static void
take_pieces(void)
{
	while (pool.next < pool.npieces)
	{
		int			p = pool.next++;
		mg_par_fn	fn = pool.fn;
		void	   *arg = pool.arg;

		pthread_mutex_unlock(&pool.mu);
		fn(arg, p);
		pthread_mutex_lock(&pool.mu);
		if (--pool.left == 0)
			pthread_cond_signal(&pool.done);
	}
}

static void *
worker_main(void *unused)
{
	unsigned long seen;

	(void) unused;
	pthread_mutex_lock(&pool.mu);
	seen = pool.gen;
	for (;;)
	{
		while (!pool.stop && pool.gen == seen)
			pthread_cond_wait(&pool.work, &pool.mu);
		if (pool.stop)
			break;
		seen = pool.gen;
		take_pieces();
	}
	pthread_mutex_unlock(&pool.mu);
	return NULL;
}

/* Start workers up to want - 1 (fewer if the system refuses); mutex not held. */
static void
grow_pool(int want)
{
	sigset_t	all,
				saved;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &saved);
	while (pool.nworkers < want - 1)
	{
		if (pthread_create(&pool.tid[pool.nworkers], NULL, worker_main, NULL) != 0)
			break;
		pool.nworkers++;
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

/*
 * Run fn(arg, p) for p in [0, npieces), on up to mg_par_threads() threads;
 * returns when all are done.  With one thread (or one piece) the pieces run
 * in order in the caller.
 */
void
mg_par_run(int npieces, mg_par_fn fn, void *arg)
{
	int			p;

	if (npieces <= 0)
		return;
	if (pool.want <= 1 || npieces == 1)
	{
		for (p = 0; p < npieces; p++)
			fn(arg, p);
		return;
	}
	if (pool.nworkers < pool.want - 1)
		grow_pool(pool.want);
	if (pool.nworkers == 0)
	{
		for (p = 0; p < npieces; p++)
			fn(arg, p);
		return;
	}
	pthread_mutex_lock(&pool.mu);
	pool.fn = fn;
	pool.arg = arg;
	pool.npieces = npieces;
	pool.next = 0;
	pool.left = npieces;
	pool.gen++;
	pthread_cond_broadcast(&pool.work);
	take_pieces();
	while (pool.left > 0)
		pthread_cond_wait(&pool.done, &pool.mu);
	pool.fn = NULL;
	pool.arg = NULL;
	pthread_mutex_unlock(&pool.mu);
}

/* Join every worker (the next mg_par_run starts them again); returns how
 * many were joined. */
int
mg_par_release(void)
{
	int			n = pool.nworkers;
	int			i;

	if (n == 0)
		return 0;
	pthread_mutex_lock(&pool.mu);
	pool.stop = 1;
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.mu);
	for (i = 0; i < n; i++)
		pthread_join(pool.tid[i], NULL);
	pthread_mutex_lock(&pool.mu);
	pool.stop = 0;
	pool.nworkers = 0;
	pthread_mutex_unlock(&pool.mu);
	return n;
}

/*
 * Number of pieces for n rows: one per MG_PAR_MIN_ROWS rows, at most
 * MG_PAR_MAX_PIECES; a function of n alone.
 */
int
mg_par_pieces(int64_t n)
{
	int64_t		p = n / MG_PAR_MIN_ROWS;

	if (p < 1)
		return 1;
	return p > MG_PAR_MAX_PIECES ? MG_PAR_MAX_PIECES : (int) p;
}

/* Rows [*r0, *r1) of piece p of npieces over n rows, cut at multiples of
 * 16 (whole micro-kernel blocks of the sgemm). */
void
mg_par_bounds(int64_t n, int npieces, int p, int64_t *r0, int64_t *r1)
{
	int64_t		a = (n * p / npieces) & ~(int64_t) 15;
	int64_t		b = (p + 1 == npieces) ? n : ((n * (p + 1) / npieces) & ~(int64_t) 15);

	*r0 = a;
	*r1 = b < a ? a : b;
}

typedef struct
{
	int			transA,
				transB,
				M,
				N,
				K,
				np;
	float		alpha,
				beta;
	const float *A,
			   *B;
	int			lda,
				ldb,
				ldc;
	float	   *C;
} sgemm_task;

static void
sgemm_piece(void *arg, int p)
{
	const sgemm_task *k = arg;
	int64_t		r0,
				r1;

	if (!k->transA)
	{
		/* rows of op(A) and C */
		mg_par_bounds(k->M, k->np, p, &r0, &r1);
		mg_sgemm(0, k->transB, (int) (r1 - r0), k->N, k->K, k->alpha,
				 k->A + r0 * k->lda, k->lda, k->B, k->ldb, k->beta,
				 k->C + r0 * k->ldc, k->ldc);
	}
	else
	{
		/* columns of op(B) and C */
		mg_par_bounds(k->N, k->np, p, &r0, &r1);
		mg_sgemm(1, k->transB, k->M, (int) (r1 - r0), k->K, k->alpha,
				 k->A, k->lda, k->transB ? k->B + r0 * k->ldb : k->B + r0,
				 k->ldb, k->beta, k->C + r0, k->ldc);
	}
}

/*
 * mg_sgemm cut into np pieces (np from the batch's shape, so the result
 * does not depend on the thread count): rows of C when op(A) = A, columns
 * of C when op(A) = A^T (weight gradients, whose M is small and whose K
 * runs over the whole batch).  np = 1 is exactly mg_sgemm.
 */
void
mg_par_sgemm(int np, int transA, int transB, int M, int N, int K,
			 float alpha, const float *A, int lda, const float *B, int ldb,
			 float beta, float *C, int ldc)
{
	sgemm_task	k;

	if (np <= 1)
	{
		mg_sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
		return;
	}
	k.transA = transA;
	k.transB = transB;
	k.M = M;
	k.N = N;
	k.K = K;
	k.np = np;
	k.alpha = alpha;
	k.beta = beta;
	k.A = A;
	k.B = B;
	k.lda = lda;
	k.ldb = ldb;
	k.ldc = ldc;
	k.C = C;
	mg_par_run(np, sgemm_piece, &k);
}
