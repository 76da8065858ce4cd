/*-------------------------------------------------------------------------
 *
 * reader.c
 *	  Read a source relation, in (series, order) order, into the core's
 *	  row-major double buffer: column checks against the system catalog,
 *	  the SPI query, the missing-value policy and the memory budget.
 *
 * The query is built from catalog-validated names only, each quoted with
 * quote_identifier, and a schema-qualified relation name:
 *
 *	  SELECT s::text, o, c1::float8, ..., [r], [label::float8]
 *	  FROM nsp.rel r ORDER BY s, o
 *
 * It runs through plain SPI with the caller's privileges (no function of
 * the extension is SECURITY DEFINER), via a cursor fetched in batches with
 * CHECK_FOR_INTERRUPTS between them.
 *
 * Missing values.  A row whose order value or any model column is NULL,
 * NaN or +-Infinity is "missing".  With missing_skip = false (training's
 * default, on_missing = 'error') it is an ERROR naming the column and the
 * row's order value; with missing_skip = true the row is left out of X
 * (valid_index = -1) and its series continues with the next valid row.
 * Nothing is interpolated: a model should not learn values nobody
 * measured.
 *
 * Memory.  The reader estimates rows * (m * 8 + m * 4 + 24) bytes (the
 * raw values, the core's prepared float32 copy and bookkeeping), plus
 * each kept row's tuple, while it reads, and stops with
 * PROGRAM_LIMIT_EXCEEDED when the estimate passes mimgan.max_train_memory.
 *
 * src/pg/reader.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "mimgan_pg.h"

#define MG_FETCH_ROWS 10000
/* per-row bookkeeping besides the values: valid_index, label, slack */
#define MG_ROW_OVERHEAD 24
/* alias of the relation in the generated query */
#define MG_ALIAS "mimgan_src_row"

/* "nsp.rel", both parts quoted as needed. */
static char *
QualifiedRelName(Oid relid)
{
	char	   *rel = get_rel_name(relid);
	char	   *nsp;

	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	nsp = get_namespace_name(get_rel_namespace(relid));
	return quote_qualified_identifier(nsp, rel);
}

/* Attribute number of a user column of relid; ERROR if there is none. */
static AttrNumber
UserColumn(Oid relid, const char *col, const char *role)
{
	AttrNumber	attnum;

	if (col == NULL || col[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s column name must not be empty or NULL", role)));
	attnum = get_attnum(relid, col);
	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						col, get_rel_name(relid)),
				 errhint("Column names are case sensitive; pass them as they appear in \\d.")));
	if (attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot use system column \"%s\" as %s column", col, role)));
	return attnum;
}

/* True for int2, int4, int8, float4, float8 and numeric (and domains). */
static bool
IsNumericType(Oid typid)
{
	typid = getBaseType(typid);
	return typid == INT2OID || typid == INT4OID || typid == INT8OID ||
		typid == FLOAT4OID || typid == FLOAT8OID || typid == NUMERICOID;
}

/* Check that cols exist, are numeric and are user columns. */
void
MgCheckColumns(Oid relid, int ncols, char **cols)
{
	int			i;

	for (i = 0; i < ncols; i++)
	{
		AttrNumber	attnum = UserColumn(relid, cols[i], "model");
		Oid			typid = get_atttype(relid, attnum);

		if (!IsNumericType(typid))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column \"%s\" of relation \"%s\" is not numeric",
							cols[i], get_rel_name(relid)),
					 errdetail("Its type is %s.", format_type_be(typid)),
					 errhint("Model columns must be int2, int4, int8, float4, float8 or numeric; cast other types in a view.")));
	}
}

/* True for the types a default order column may have. */
static bool
IsDefaultOrderType(Oid typid)
{
	typid = getBaseType(typid);
	return typid == TIMESTAMPOID || typid == TIMESTAMPTZOID ||
		typid == DATEOID || typid == INT2OID || typid == INT4OID ||
		typid == INT8OID;
}

/*
 * Resolve the order column: order_by when given (it must exist), else the
 * single column named ts, time or t of a timestamp, timestamptz, date or
 * integer type.
 */
char *
MgResolveOrderBy(Oid relid, const char *order_by)
{
	static const char *const names[] = {"ts", "time", "t"};
	char	   *found = NULL;
	int			nfound = 0;
	int			i;

	if (order_by != NULL)
	{
		AttrNumber	attnum = UserColumn(relid, order_by, "order");
		Oid			typid = get_atttype(relid, attnum);
		TypeCacheEntry *tce = lookup_type_cache(typid, TYPECACHE_LT_OPR);

		if (!OidIsValid(tce->lt_opr))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("order column \"%s\" of type %s cannot be sorted",
							order_by, format_type_be(typid)),
					 errhint("Pass a timestamp, date or numeric column as order_by.")));
		return pstrdup(order_by);
	}

	for (i = 0; i < (int) lengthof(names); i++)
	{
		AttrNumber	attnum = get_attnum(relid, names[i]);

		if (attnum > 0 && IsDefaultOrderType(get_atttype(relid, attnum)))
		{
			found = pstrdup(names[i]);
			nfound++;
		}
	}
	if (nfound == 1)
		return found;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot choose an order column for relation \"%s\"",
					get_rel_name(relid)),
			 errdetail(nfound == 0 ?
					   "The relation has no timestamp, date or integer column named ts, time or t." :
					   "The relation has more than one of the columns ts, time and t."),
			 errhint("Pass the time-order column as order_by => 'column'.")));
	return NULL;				/* keep compiler quiet */
}

/* Check that the series column exists (any type with a text cast). */
void
MgCheckSeriesBy(Oid relid, const char *series_by)
{
	if (series_by != NULL)
		(void) UserColumn(relid, series_by, "series");
}

/* Type of the label column: boolean or numeric; ERROR otherwise. */
static bool
LabelIsBool(Oid relid, const char *label_col)
{
	AttrNumber	attnum = UserColumn(relid, label_col, "label");
	Oid			typid = getBaseType(get_atttype(relid, attnum));

	if (typid == BOOLOID)
		return true;
	if (!IsNumericType(typid))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("label column \"%s\" is of type %s", label_col,
						format_type_be(typid)),
				 errhint("Use a boolean label column, or a numeric one with nonzero meaning anomaly.")));
	return false;
}

/* Grow a huge array to hold at least need elements of size sz. */
static void *
GrowArray(void *p, int64 *cap, int64 need, Size sz)
{
	int64		newcap;

	if (need <= *cap)
		return p;
	newcap = Max(*cap * 2, Max(need, 1024));
	if ((Size) newcap > MaxAllocHugeSize / sz)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many rows in the source: " INT64_FORMAT, need)));
	*cap = newcap;
	return repalloc_huge(p, newcap * sz);
}

/*
 * Read the relation described by spec.  Everything returned is allocated
 * in the caller's CurrentMemoryContext.
 */
MgSourceData *
MgReadSource(const MgReadSpec *spec)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MgSourceData *src;
	StringInfoData q;
	char	   *rel;
	bool		label_bool = false;
	int			m = spec->ncols;
	int			col_x = 3;		/* first model column (1-based) */
	int			col_row = 0;
	int			col_label = 0;
	int			i;
	int64		cap_rows = 0,
				cap_valid = 0,
				cap_series = 0,
				cap_keys = 0;
	int64		budget = (int64) mimgan_max_train_memory * 1024;
	int64		bytes = 0;
	int64		bytes_per_row;
	char	   *prev_series = NULL;
	bool		prev_series_null = false;
	bool		series_pending = true;
	MemoryContext keyctx;
	SPIPlanPtr	plan;
	Portal		portal;
	double	   *vals;
	Datum	   *dv = NULL;		/* one fetched row, deformed once */
	bool	   *dn = NULL;

	if (m < 1)
		elog(ERROR, "MgReadSource called without columns");
	rel = QualifiedRelName(spec->relid);
	if (spec->label_col != NULL)
		label_bool = LabelIsBool(spec->relid, spec->label_col);

	initStringInfo(&q);
	appendStringInfoString(&q, "SELECT ");
	if (spec->series_by != NULL)
		appendStringInfo(&q, "%s.%s::text", MG_ALIAS, quote_identifier(spec->series_by));
	else
		appendStringInfoString(&q, "NULL::text");
	appendStringInfo(&q, ", %s.%s", MG_ALIAS, quote_identifier(spec->order_by));
	for (i = 0; i < m; i++)
		appendStringInfo(&q, ", %s.%s::float8", MG_ALIAS, quote_identifier(spec->cols[i]));
	if (spec->keep_rows)
	{
		appendStringInfo(&q, ", %s", MG_ALIAS);
		col_row = col_x + m;
	}
	if (spec->label_col != NULL)
	{
		appendStringInfo(&q, ", %s.%s%s::float8", MG_ALIAS,
						 quote_identifier(spec->label_col),
						 label_bool ? "::int" : "");
		col_label = col_x + m + (spec->keep_rows ? 1 : 0);
	}
	appendStringInfo(&q, " FROM %s %s ORDER BY ", rel, MG_ALIAS);
	if (spec->series_by != NULL)
		appendStringInfo(&q, "1, ");
	appendStringInfoString(&q, "2");

	src = palloc0(sizeof(MgSourceData));
	src->m = m;
	src->X = palloc_extended(sizeof(double), MCXT_ALLOC_HUGE);
	src->valid_index = palloc_extended(sizeof(int64), MCXT_ALLOC_HUGE);
	src->series_start = palloc_extended(sizeof(int64), MCXT_ALLOC_HUGE);
	src->series_key = palloc_extended(sizeof(char *), MCXT_ALLOC_HUGE);
	if (spec->keep_rows)
		src->rows = palloc_extended(sizeof(Datum), MCXT_ALLOC_HUGE);
	if (spec->label_col != NULL)
	{
		src->label = palloc_extended(sizeof(double), MCXT_ALLOC_HUGE);
		src->label_null = palloc_extended(sizeof(bool), MCXT_ALLOC_HUGE);
	}
	vals = palloc(sizeof(double) * m);
	/* raw float64 values, the core's prepared float32 copy, bookkeeping */
	bytes_per_row = (int64) m * (sizeof(double) + sizeof(float)) + MG_ROW_OVERHEAD;
	keyctx = AllocSetContextCreate(callerctx, "mimgan series key",
								   ALLOCSET_SMALL_SIZES);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(q.data, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", q.data,
			 SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);

	for (;;)
	{
		SPITupleTable *tt;
		uint64		ntup;
		uint64		r;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, MG_FETCH_ROWS);
		ntup = SPI_processed;
		tt = SPI_tuptable;
		if (ntup == 0)
			break;
		if (dv == NULL)
		{
			/*
			 * The series key is often NULL, and a tuple with a NULL cannot
			 * use cached attribute offsets: reading its columns one at a
			 * time walks the tuple from the start for each.  Deform each
			 * row once instead.
			 */
			dv = MemoryContextAlloc(callerctx, sizeof(Datum) * tt->tupdesc->natts);
			dn = MemoryContextAlloc(callerctx, sizeof(bool) * tt->tupdesc->natts);
		}

		for (r = 0; r < ntup; r++)
		{
			HeapTuple	tup = tt->vals[r];
			TupleDesc	td = tt->tupdesc;
			bool		isnull;
			bool		missing = false;
			int			bad_col = -1;
			bool		bad_null = false;
			Datum		d;
			bool		new_series;
			int64		row = src->nrows;

			heap_deform_tuple(tup, td, dv, dn);

			/* series change? */
			d = dv[0];
			isnull = dn[0];
			if (row == 0)
				new_series = true;
			else if (isnull || prev_series_null)
				new_series = (isnull != prev_series_null);
			else
			{
				char	   *s = TextDatumGetCString(d);

				new_series = (strcmp(s, prev_series) != 0);
				pfree(s);
			}
			if (new_series)
			{
				MemoryContextReset(keyctx);
				prev_series_null = isnull;
				prev_series = isnull ? NULL :
					MemoryContextStrdup(keyctx, TextDatumGetCString(d));
				series_pending = true;
			}

			/* order value, then the model columns */
			if (dn[1])
			{
				missing = true;
				bad_null = true;
				bad_col = -2;
			}
			for (i = 0; i < m; i++)
			{
				d = dv[col_x + i - 1];
				if (dn[col_x + i - 1])
				{
					vals[i] = 0;
					if (!missing)
					{
						bad_col = i;
						bad_null = true;
					}
					missing = true;
				}
				else
				{
					vals[i] = DatumGetFloat8(d);
					if (!isfinite(vals[i]))
					{
						if (!missing)
						{
							bad_col = i;
							bad_null = false;
						}
						missing = true;
					}
				}
			}

			if (missing && !spec->missing_skip)
			{
				char	   *ov = SPI_getvalue(tup, td, 2);
				const char *hint = "Filter such rows with a view, or pass options => '{\"on_missing\": \"skip\"}'.";

				if (bad_col == -2)
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("order column \"%s\" contains a NULL value",
									spec->order_by),
							 errhint("%s", hint)));
				else if (bad_null)
					ereport(ERROR,
							(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							 errmsg("column \"%s\" contains a NULL value at %s = %s",
									spec->cols[bad_col], spec->order_by, ov),
							 errhint("%s", hint)));
				else
					ereport(ERROR,
							(errcode(ERRCODE_DATA_EXCEPTION),
							 errmsg("column \"%s\" contains %s at %s = %s",
									spec->cols[bad_col],
									isnan(vals[bad_col]) ? "NaN" : "Infinity",
									spec->order_by, ov),
							 errhint("%s", hint)));
			}

			/* the budget */
			bytes += bytes_per_row;
			if (spec->keep_rows)
				bytes += sizeof(Datum) + tup->t_len;
			if (bytes > budget)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("source \"%s\" needs more than mimgan.max_train_memory (%d kB) after " INT64_FORMAT " rows",
								get_rel_name(spec->relid), mimgan_max_train_memory, row + 1),
						 errhint("Raise mimgan.max_train_memory, or read fewer rows through a view; max_train_windows limits the windows trained on, not the rows read.")));

			/* store; rows[], label[] and label_null[] share cap_rows */
			{
				int64		oldcap = cap_rows;

				src->valid_index = GrowArray(src->valid_index, &cap_rows, row + 1,
											 sizeof(int64));
				if (cap_rows != oldcap)
				{
					if (spec->keep_rows)
						src->rows = repalloc_huge(src->rows, cap_rows * sizeof(Datum));
					if (spec->label_col != NULL)
					{
						src->label = repalloc_huge(src->label, cap_rows * sizeof(double));
						src->label_null = repalloc_huge(src->label_null,
														cap_rows * sizeof(bool));
					}
				}
			}
			if (missing)
				src->valid_index[row] = -1;
			else
			{
				int64		v = src->nvalid;

				if (series_pending)
				{
					src->series_start = GrowArray(src->series_start, &cap_series,
												  src->nseries + 2, sizeof(int64));
					src->series_key = GrowArray(src->series_key, &cap_keys,
												src->nseries + 1, sizeof(char *));
					src->series_key[src->nseries] = prev_series == NULL ? NULL :
						MemoryContextStrdup(callerctx, prev_series);
					src->series_start[src->nseries++] = v;
					series_pending = false;
				}
				src->X = GrowArray(src->X, &cap_valid, (v + 1) * m, sizeof(double));
				memcpy(src->X + v * m, vals, sizeof(double) * m);
				src->valid_index[row] = v;
				src->nvalid++;
			}
			if (spec->keep_rows)
			{
				MemoryContext old;

				old = MemoryContextSwitchTo(callerctx);
				src->rows[row] = dn[col_row - 1] ? (Datum) 0 :
					datumCopy(dv[col_row - 1], false, -1);
				MemoryContextSwitchTo(old);
			}
			if (spec->label_col != NULL)
			{
				src->label_null[row] = dn[col_label - 1];
				src->label[row] = dn[col_label - 1] ? 0 :
					DatumGetFloat8(dv[col_label - 1]);
			}
			src->nrows++;
		}
		SPI_freetuptable(tt);
	}
	SPI_cursor_close(portal);
	SPI_finish();

	/* close the series list */
	src->series_start = GrowArray(src->series_start, &cap_series,
								  src->nseries + 1, sizeof(int64));
	src->series_start[src->nseries] = src->nvalid;
	MemoryContextDelete(keyctx);
	pfree(vals);
	if (dv != NULL)
	{
		pfree(dv);
		pfree(dn);
	}
	return src;
}

/* View as core data (valid rows only). */
void
MgSourceAsData(const MgSourceData *src, mg_data *out)
{
	out->X = src->X;
	out->n = src->nvalid;
	out->m = src->m;
	out->series_start = src->series_start;
	out->nseries = src->nseries;
}
