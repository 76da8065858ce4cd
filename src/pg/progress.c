/*-------------------------------------------------------------------------
 *
 * progress.c
 *	  Progress of running trainings, visible from other sessions:
 *	  mimgan_progress() and the files it reads.
 *
 * A training backend keeps one small binary file,
 * pg_stat_tmp/mimgan_progress.<pid>.<backend start, µs since 2000>, and
 * replaces it whole at every phase change and at most every
 * MG_PROGRESS_INTERVAL_MS while training: the record is written to
 * "<name>.tmp", then rename()d over the name, so a reader sees the old or
 * the new record, never a partial one.  No shared memory is involved, so
 * the extension still needs no shared_preload_libraries; rows written
 * inside the training transaction would be invisible to other sessions,
 * and pgstat_progress_* only knows the built-in command types.
 *
 * The file goes when the training ends: MgProgressEnd() runs on success
 * and on error (PG_FINALLY in mimgan_train) and, for FATAL and backend
 * exit, from a before_shmem_exit callback.  A backend killed by a signal
 * leaves its file behind: a reader ignores and removes files whose pid is
 * not a live backend, or whose backend started at another time (the pid
 * was reused), so a stale file never shows.
 *
 * The rows a role sees follow pg_stat_activity's rule for the query text:
 * its own trainings (it has the privileges of the training role or of the
 * session user), or every training for members of pg_read_all_stats and
 * superusers.
 *
 * src/pg/progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "mimgan_pg.h"

#define MG_PROGRESS_MAGIC	0x4D475052	/* "MGPR" */
#define MG_PROGRESS_FORMAT	1
#define MG_PROGRESS_PREFIX	"mimgan_progress."
#define MG_PROGRESS_INTERVAL_MS 200

/* The record of one training, written as is (same server binary). */
typedef struct MgProgressRecord
{
	uint32		magic;
	uint32		format;
	uint32		size;			/* sizeof(MgProgressRecord) */
	int32		pid;
	TimestampTz backend_start;
	Oid			userid;			/* GetUserId() when training started */
	Oid			dbid;
	int32		phase;			/* MgTrainPhase */
	int32		epoch;			/* epoch under way, or last done */
	int32		epochs;
	int32		has_losses;		/* an epoch is done */
	int32		has_rec;		/* loss_rec is meaningful (encoder) */
	int64		windows_seen;
	int64		windows_total;
	double		loss_d;
	double		loss_g;
	double		loss_rec;
	double		d_real;
	double		d_fake;
	double		remaining;		/* seconds at "updated", < 0: unknown */
	TimestampTz started;		/* mimgan_train called */
	TimestampTz train_started;	/* first training mini-batch */
	TimestampTz updated;		/* this record */
	char		model[NAMEDATALEN];
	char		source[2 * NAMEDATALEN + 8];
} MgProgressRecord;

static const char *const phase_names[] = {
	"reading", "preparing", "training", "threshold", "saving"
};

/* This backend's training, if one runs. */
static bool progress_active = false;
static bool progress_exit_registered = false;
static MgProgressRecord progress_rec;
static char progress_path[MAXPGPATH];
static char progress_tmp[MAXPGPATH];
static TimestampTz progress_last_write;
static int64 progress_writes;
static int64 progress_write_us;

/* Write the record to the temp file and rename it over the real one. */
static void
ProgressWrite(void)
{
	TimestampTz t0 = GetCurrentTimestamp();
	int			fd;
	bool		ok;

	progress_rec.updated = t0;
	fd = open(progress_tmp, O_WRONLY | O_CREAT | O_TRUNC | PG_BINARY,
			  S_IRUSR | S_IWUSR);
	if (fd < 0)
		return;
	ok = write(fd, &progress_rec, sizeof(progress_rec)) == sizeof(progress_rec);
	ok = (close(fd) == 0) && ok;
	if (!ok || rename(progress_tmp, progress_path) != 0)
		unlink(progress_tmp);
	progress_last_write = t0;
	progress_writes++;
	progress_write_us += GetCurrentTimestamp() - t0;
}

/* Remove this backend's progress file at exit (FATAL, backend end). */
static void
ProgressAtExit(int code, Datum arg)
{
	MgProgressEnd();
}

/* Start reporting a training of model on source: phase "reading". */
void
MgProgressBegin(const char *model, const char *source)
{
	MgProgressEnd();
	if (!progress_exit_registered)
	{
		before_shmem_exit(ProgressAtExit, (Datum) 0);
		progress_exit_registered = true;
	}
	memset(&progress_rec, 0, sizeof(progress_rec));
	progress_rec.magic = MG_PROGRESS_MAGIC;
	progress_rec.format = MG_PROGRESS_FORMAT;
	progress_rec.size = sizeof(progress_rec);
	progress_rec.pid = MyProcPid;
	progress_rec.backend_start = MyStartTimestamp;
	progress_rec.userid = GetUserId();
	progress_rec.dbid = MyDatabaseId;
	progress_rec.phase = MG_PROGRESS_READING;
	progress_rec.remaining = -1;
	progress_rec.started = GetCurrentTimestamp();
	strlcpy(progress_rec.model, model, sizeof(progress_rec.model));
	strlcpy(progress_rec.source, source, sizeof(progress_rec.source));
	snprintf(progress_path, sizeof(progress_path), "%s/%s%d." INT64_FORMAT,
			 PG_STAT_TMP_DIR, MG_PROGRESS_PREFIX, MyProcPid,
			 (int64) MyStartTimestamp);
	snprintf(progress_tmp, sizeof(progress_tmp), "%s.tmp", progress_path);
	progress_writes = 0;
	progress_write_us = 0;
	progress_active = true;
	ProgressWrite();
}

/* Enter a phase (written at once). */
void
MgProgressPhase(MgTrainPhase phase)
{
	if (!progress_active)
		return;
	progress_rec.phase = phase;
	if (phase != MG_PROGRESS_TRAINING)
		progress_rec.remaining = -1;
	if (phase == MG_PROGRESS_THRESHOLD)
		progress_rec.windows_seen = progress_rec.windows_total;
	ProgressWrite();
}

/*
 * Core step callback data: phase changes are written at once, mini-batch
 * updates at most every MG_PROGRESS_INTERVAL_MS.  Returns the seconds
 * left, estimated from the rate so far (< 0: unknown).
 */
double
MgProgressStep(const mg_step_info *s)
{
	TimestampTz now;
	MgTrainPhase phase = s->phase == MG_PHASE_PREPARE ? MG_PROGRESS_PREPARING :
	s->phase == MG_PHASE_TRAIN ? MG_PROGRESS_TRAINING : MG_PROGRESS_THRESHOLD;

	if (!progress_active)
		return -1;
	if ((int32) phase != progress_rec.phase)
	{
		if (phase == MG_PROGRESS_TRAINING)
		{
			progress_rec.train_started = GetCurrentTimestamp();
			progress_rec.windows_total = s->windows_total;
			progress_rec.epochs = s->epochs;
		}
		MgProgressPhase(phase);
		return progress_rec.remaining;
	}
	if (phase != MG_PROGRESS_TRAINING)
		return -1;
	now = GetCurrentTimestamp();
	progress_rec.epoch = s->epoch;
	progress_rec.windows_seen = s->windows_seen;
	progress_rec.windows_total = s->windows_total;
	if (s->windows_seen > 0)
		progress_rec.remaining = (double) (now - progress_rec.train_started) /
			USECS_PER_SEC * (double) (s->windows_total - s->windows_seen) /
			(double) s->windows_seen;
	if (now - progress_last_write >= MG_PROGRESS_INTERVAL_MS * 1000)
		ProgressWrite();
	return progress_rec.remaining;
}

/* An epoch is done: keep its figures (written with the next update). */
void
MgProgressEpoch(const mg_epoch_info *e, bool has_rec)
{
	if (!progress_active)
		return;
	progress_rec.epoch = e->epoch;
	progress_rec.epochs = e->epochs;
	progress_rec.has_losses = 1;
	progress_rec.has_rec = has_rec ? 1 : 0;
	progress_rec.loss_d = e->loss_d;
	progress_rec.loss_g = e->loss_g;
	progress_rec.loss_rec = e->loss_rec;
	progress_rec.d_real = e->d_real;
	progress_rec.d_fake = e->d_fake;
	if (GetCurrentTimestamp() - progress_last_write >=
		MG_PROGRESS_INTERVAL_MS * 1000)
		ProgressWrite();
}

/* Seconds left as last estimated (< 0: unknown). */
double
MgProgressRemaining(void)
{
	return progress_active ? progress_rec.remaining : -1;
}

/* Stop reporting: remove the file.  Safe to call at any time. */
void
MgProgressEnd(void)
{
	if (!progress_active)
		return;
	progress_active = false;
	unlink(progress_tmp);
	unlink(progress_path);
	elog(DEBUG1, "mimgan progress: " INT64_FORMAT " writes, " INT64_FORMAT " us",
		 progress_writes, progress_write_us);
}

/* Read one progress file; false if it is not a complete record. */
static bool
ReadRecord(const char *path, MgProgressRecord *rec)
{
	int			fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	ssize_t		n;

	if (fd < 0)
		return false;
	n = read(fd, rec, sizeof(*rec));
	CloseTransientFile(fd);
	if (n != sizeof(*rec) || rec->magic != MG_PROGRESS_MAGIC ||
		rec->format != MG_PROGRESS_FORMAT || rec->size != sizeof(*rec) ||
		rec->phase < 0 || rec->phase >= (int32) lengthof(phase_names))
		return false;
	/* a damaged or forged file: names unterminated */
	if (memchr(rec->model, '\0', sizeof(rec->model)) == NULL ||
		memchr(rec->source, '\0', sizeof(rec->source)) == NULL)
		return false;
	/* and times a timestamptz can show */
	return IS_VALID_TIMESTAMP(rec->started) && IS_VALID_TIMESTAMP(rec->updated);
}

/* The backend status entry of pid in this transaction's snapshot, or NULL. */
static PgBackendStatus *
FindBackend(int pid)
{
	int			n = pgstat_fetch_stat_numbackends();
	int			i;

	for (i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *l = pgstat_fetch_stat_local_beentry(i);

		if (l != NULL && l->backendStatus.st_procpid == pid)
			return &l->backendStatus;
	}
	return NULL;
}

/* True if the current role may see a training of role (or session role). */
static bool
MaySee(Oid role, Oid session_role)
{
	Oid			me = GetUserId();

	return has_privs_of_role(me, ROLE_PG_READ_ALL_STATS) ||
		has_privs_of_role(me, role) ||
		(OidIsValid(session_role) && has_privs_of_role(me, session_role));
}

#define PROGRESS_COLS 20

PG_FUNCTION_INFO_V1(mimgan_progress);

/*
 * mimgan_progress() -> one row per running training the current role may
 * see; stale files of dead backends are removed on the way.
 */
Datum
mimgan_progress(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DIR		   *dir;
	struct dirent *de;
	TimestampTz now = GetCurrentTimestamp();

	InitMaterializedSRF(fcinfo, 0);
	dir = AllocateDir(PG_STAT_TMP_DIR);
	if (dir == NULL)
		return (Datum) 0;
	while ((de = ReadDir(dir, PG_STAT_TMP_DIR)) != NULL)
	{
		char		path[MAXPGPATH];
		int			pid;
		int64		start;
		int			len = 0;
		PgBackendStatus *be;
		MgProgressRecord rec;
		Datum		values[PROGRESS_COLS];
		bool		nulls[PROGRESS_COLS];
		char	   *s;
		double		elapsed;
		double		pct;

		if (strncmp(de->d_name, MG_PROGRESS_PREFIX, strlen(MG_PROGRESS_PREFIX)) != 0)
			continue;
		if (sscanf(de->d_name + strlen(MG_PROGRESS_PREFIX), "%d." INT64_FORMAT "%n",
				   &pid, &start, &len) != 2)
			continue;
		snprintf(path, sizeof(path), "%s/%s", PG_STAT_TMP_DIR, de->d_name);
		s = de->d_name + strlen(MG_PROGRESS_PREFIX) + len;

		/* liveness: the pid runs, and is the backend that wrote the file */
		be = FindBackend(pid);
		if ((be != NULL && be->st_proc_start_timestamp != start) ||
			(be == NULL && BackendPidGetProc(pid) == NULL))
		{
			/* stale: its backend is gone (the name is never reused) */
			unlink(path);
			continue;
		}
		if (*s != '\0')
			continue;			/* a live backend's temp file */
		if (!ReadRecord(path, &rec) || rec.pid != pid)
			continue;
		if (!MaySee(rec.userid, be ? be->st_userid : InvalidOid))
			continue;

		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(rec.pid);
		s = GetUserNameFromId(rec.userid, true);
		if (s)
			values[1] = CStringGetTextDatum(s);
		else
			nulls[1] = true;
		s = get_database_name(rec.dbid);
		if (s)
			values[2] = CStringGetTextDatum(s);
		else
			nulls[2] = true;
		/* names not valid here (another database's encoding): NULL */
		if (pg_verifymbstr(rec.model, strlen(rec.model), true))
			values[3] = CStringGetTextDatum(rec.model);
		else
			nulls[3] = true;
		if (pg_verifymbstr(rec.source, strlen(rec.source), true))
			values[4] = CStringGetTextDatum(rec.source);
		else
			nulls[4] = true;
		values[5] = CStringGetTextDatum(phase_names[rec.phase]);
		values[6] = Int32GetDatum(rec.epoch);
		values[7] = Int32GetDatum(rec.epochs);
		values[8] = Int64GetDatum(rec.windows_seen);
		values[9] = Int64GetDatum(rec.windows_total);
		pct = rec.phase < MG_PROGRESS_TRAINING ? 0.0 :
			rec.phase > MG_PROGRESS_TRAINING || rec.windows_total <= 0 ? 100.0 :
			100.0 * rec.windows_seen / rec.windows_total;
		values[10] = Float8GetDatum(pct);
		values[11] = Float8GetDatum(rec.loss_d);
		values[12] = Float8GetDatum(rec.loss_g);
		values[13] = Float8GetDatum(rec.loss_rec);
		values[14] = Float8GetDatum(rec.d_real);
		values[15] = Float8GetDatum(rec.d_fake);
		nulls[11] = nulls[12] = nulls[14] = nulls[15] = !rec.has_losses;
		nulls[13] = !rec.has_losses || !rec.has_rec;
		values[16] = TimestampTzGetDatum(rec.started);
		values[17] = TimestampTzGetDatum(rec.updated);
		elapsed = (double) (now - rec.started) / USECS_PER_SEC;
		values[18] = Float8GetDatum(Max(elapsed, 0.0));
		if (rec.remaining >= 0 && rec.phase == MG_PROGRESS_TRAINING)
			values[19] = Float8GetDatum(Max(0.0, rec.remaining -
											(double) (now - rec.updated) / USECS_PER_SEC));
		else
			nulls[19] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	FreeDir(dir);
	return (Datum) 0;
}
