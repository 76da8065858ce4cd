/*-------------------------------------------------------------------------
 *
 * errors.c
 *	  Map core status codes (mg_status) to ereport(ERROR) with the right
 *	  SQLSTATE, and the core's cancel callback.
 *
 * The core never longjmps; it returns a status.  The glue calls MgThrow
 * with a primary message naming the operation and the object ("cannot
 * train model \"m\""); MgThrow adds the core's description as detail and
 * a hint where one helps.  A cancelled core call first runs
 * CHECK_FOR_INTERRUPTS(), so a pending cancel or statement_timeout gets
 * its usual message and SQLSTATE.
 *
 * src/pg/errors.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "mimgan_pg.h"

/*
 * ERROR for a blob given by the caller (mimgan_import, mimgan_score_window)
 * that does not load.  The blob is input, so a damaged one is
 * invalid_binary_representation (22P03), like a foreign one;
 * data_corrupted (XX001, class "internal error") is kept for a stored blob
 * that no longer loads (MgThrow).
 */
void
MgThrowUserBlob(mg_status st, const char *what)
{
	if (st == MG_ERR_BLOB_SHORT || st == MG_ERR_BLOB_CHECKSUM ||
		st == MG_ERR_BLOB_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("%s: model blob is damaged", what),
				 errdetail("The core reported: %s.", mg_status_string(st)),
				 errhint("Export the model again from its source database.")));
	MgThrow(st, what);
}

/* ereport(ERROR) for core status st; what is the primary message. */
void
MgThrow(mg_status st, const char *what)
{
	const char *desc = mg_status_string(st);

	switch (st)
	{
		case MG_OK:
			elog(ERROR, "MgThrow called with MG_OK for \"%s\"", what);
			break;
		case MG_ERR_NOMEM:
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("%s: out of memory", what),
					 errdetail("The numerical core could not allocate memory (%s).", desc),
					 errhint("Use smaller networks, fewer windows (max_train_windows) or a smaller batch_size.")));
			break;
		case MG_ERR_ARG:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: invalid argument", what),
					 errdetail("The numerical core refused its arguments (%s).", desc)));
			break;
		case MG_ERR_CANCELLED:
			CHECK_FOR_INTERRUPTS();
			ereport(ERROR,
					(errcode(ERRCODE_QUERY_CANCELED),
					 errmsg("%s: canceling statement due to user request", what)));
			break;
		case MG_ERR_DIVERGED:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s: training diverged", what),
					 errdetail("A loss or a weight became NaN or infinite (%s).", desc),
					 errhint("Lower lr_d / lr_g or set clip_norm.")));
			break;
		case MG_ERR_NODATA:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s: not enough rows", what),
					 errdetail("No window of seq_len rows can be cut from the data (%s).", desc),
					 errhint("Use a smaller seq_len or provide longer series.")));
			break;
		case MG_ERR_NONFINITE:
			/*
			 * The glue hands the core finite values only (reader.c), so a
			 * non-finite value here comes from an overflow in preprocessing:
			 * a magnitude beyond float32, or a variance beyond float64.
			 */
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s: values overflow after preprocessing", what),
					 errdetail("The core reported: %s. A value beyond the float32 range (about 3.4e38) after normalisation, or a variance beyond the float64 range, cannot be used.", desc),
					 errhint("Rescale such columns in a view (e.g. divide by a constant), or filter the rows.")));
			break;
		case MG_ERR_LAPACK:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s: PCA failed", what),
					 errdetail("The eigen-decomposition did not converge (%s).", desc),
					 errhint("Use fewer pca_components or set pca_components to 0.")));
			break;
		case MG_ERR_BLOB_SHORT:
		case MG_ERR_BLOB_CHECKSUM:
		case MG_ERR_BLOB_INVALID:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("%s: model blob is damaged", what),
					 errdetail("The core reported: %s.", desc),
					 errhint("Export the model again from its source database.")));
			break;
		case MG_ERR_BLOB_MAGIC:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("%s: not a mimgan model", what),
					 errdetail("The core reported: %s.", desc),
					 errhint("Pass a value returned by mimgan_export().")));
			break;
		case MG_ERR_BLOB_VERSION:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("%s: unsupported model format version", what),
					 errdetail("The core reported: %s. This build reads format versions 1 to %d.", desc,
							   MG_BLOB_FORMAT_VERSION),
					 errhint("Install a mimgan version that reads this format.")));
			break;
	}
	elog(ERROR, "%s: unknown mimgan status %d", what, (int) st);
	pg_unreachable();
}

/*
 * Core cancel callback: nonzero when a query cancel (including
 * statement_timeout) or a termination is pending.  Other pending
 * interrupts (e.g. a procsignal barrier) do not stop the core: they are
 * serviced at the next CHECK_FOR_INTERRUPTS() of the glue, and stopping
 * for them would turn them into a spurious "canceling statement".
 */
int
MgCancelPending(void *arg)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}
