/*-------------------------------------------------------------------------
 *
 * trigger.c
 *	  mimgan_flag: a statement-level AFTER INSERT trigger that scores the
 *	  inserted rows and appends the anomalous ones to an anomaly table.
 *
 *		CREATE TRIGGER t AFTER INSERT ON src
 *			REFERENCING NEW TABLE AS new_rows
 *			FOR EACH STATEMENT
 *			EXECUTE FUNCTION mimgan_flag('model', 'anomaly_table'
 *										 [, 'warn' | 'raise']);
 *
 * For each series present in the new rows, the seq_len - 1 rows of src
 * that precede the series' earliest new row (by the model's order column,
 * skipping rows with a missing value) are read back, the new rows of the
 * series are appended in order, and the window ending at each new row is
 * scored; all windows of all series go to one mg_score_windows call.  A
 * row is flagged when the DIRE score of its window's last time step
 * exceeds the model's threshold; flagged rows are appended to the anomaly
 * table as (the columns of src, score), further columns taking their
 * defaults; copies of source columns that are generated in the anomaly
 * table compute themselves, and identity copies take the source's value.
 * The row-number alias of the generated queries is chosen so that no
 * column of the table has that name.
 *
 * Rows not scored: rows with a NULL, NaN or infinite model column, or a
 * NULL order value, and rows with fewer than seq_len - 1 usable earlier
 * rows in their series.  New rows are assumed to come after the existing
 * rows of their series: existing rows later than a series' earliest new
 * row are not looked at.
 *
 * Errors.  Wrong usage, a malformed model spec or anomaly table name, and
 * a missing or mis-shaped anomaly table are always errors (they are set-up
 * mistakes, reported with the statement to run).  A failure to score (unknown or dropped model, changed columns,
 * numerical failure, ...) must not lose the inserted rows: by default
 * ('warn') the scoring runs in a subtransaction, as a PL/pgSQL exception
 * block does, and an error there is rolled back and reported as a
 * WARNING; the insert commits.  A query cancel is never swallowed.  With
 * 'raise' the error aborts the insert.
 *
 * src/pg/trigger.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/regproc.h"
#include "utils/resowner.h"
#include "utils/varlena.h"

#include "mimgan_pg.h"

PG_FUNCTION_INFO_V1(mimgan_flag);

/* What one firing works on. */
typedef struct FlagCtx
{
	TriggerData *trigdata;
	Relation	rel;			/* the table the rows went into */
	char	   *relname;		/* its qualified, quoted name */
	const char *model_spec;
	const char *anomaly_arg;	/* the anomaly table as the user gave it */
	char	   *anomaly_name;	/* its qualified, quoted name */
	int			nsrc;			/* live columns of rel */
	char	  **src_cols;		/* their names */
	char	  **anom_cols;		/* names of the first nsrc + 1 anomaly columns */
	bool	   *anom_generated; /* [nsrc]: that anomaly column is generated */
	char	   *rn;				/* quoted row-number alias, not a column of rel */
} FlagCtx;

/* The CREATE TRIGGER a user should write, for hints. */
static char *
UsageHint(const char *trigname, const char *relname, const char *model,
		  const char *anomaly)
{
	return psprintf("Create the trigger as: CREATE TRIGGER %s AFTER INSERT ON %s "
					"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
					"EXECUTE FUNCTION mimgan_flag(%s, %s);",
					quote_identifier(trigname), relname,
					quote_literal_cstr(model), quote_literal_cstr(anomaly));
}

/* The CREATE TABLE to run for the anomaly table, for hints. */
static char *
CreateTableHint(const FlagCtx *fc)
{
	return psprintf("Create it with: CREATE TABLE %s (LIKE %s, score float8, flagged_at timestamptz DEFAULT now());",
					fc->anomaly_arg, fc->relname);
}

/*
 * The anomaly table argument as a qualified name list; ERROR naming the
 * argument when it is not one (stringToQualifiedNameList would say only
 * "invalid name syntax").
 */
static List *
AnomalyTableNames(const char *arg)
{
	char	   *copy = pstrdup(arg);
	List	   *parts = NIL;

	if (!SplitIdentifierString(copy, '.', &parts) || parts == NIL ||
		list_length(parts) > 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_NAME),
				 errmsg("invalid anomaly table name \"%s\"", arg),
				 errhint("Pass the table as in SQL: anomalies, my_schema.anomalies or \"My Anomalies\" (double quotes keep spaces and capitals).")));
	return stringToQualifiedNameList(arg);
}

/* A quoted alias for the row number that no column of rel is named. */
static char *
RowNumberAlias(Relation rel)
{
	char	   *alias = "mimgan rn";
	int			i = 0;

	while (get_attnum(RelationGetRelid(rel), alias) != InvalidAttrNumber)
		alias = psprintf("mimgan rn %d", ++i);
	return pstrdup(quote_identifier(alias));
}

/*
 * Check the anomaly table: the columns of the source first (same names and
 * types, in order), then a float8 score, then columns that can be left out
 * of an INSERT (default, identity, generated, or nullable).
 */
static void
CheckAnomalyTable(FlagCtx *fc)
{
	List	   *names;
	RangeVar   *rv;
	Oid			relid;
	Relation	arel;
	TupleDesc	adesc;
	TupleDesc	sdesc = RelationGetDescr(fc->rel);
	int			i;
	int			k;

	names = AnomalyTableNames(fc->anomaly_arg);
	rv = makeRangeVarFromNameList(names);
	relid = RangeVarGetRelid(rv, AccessShareLock, true);
	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("anomaly table \"%s\" does not exist", fc->anomaly_arg),
				 errhint("%s", CreateTableHint(fc))));
	if (relid == RelationGetRelid(fc->rel))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("anomaly table \"%s\" cannot be the table the trigger is on",
						fc->anomaly_arg),
				 errhint("Use a separate table, e.g. CREATE TABLE %s (LIKE %s, score float8, flagged_at timestamptz DEFAULT now());",
						 quote_identifier(psprintf("%s_anomalies",
												   RelationGetRelationName(fc->rel))),
						 fc->relname)));

	arel = table_open(relid, AccessShareLock);
	if (arel->rd_rel->relkind != RELKIND_RELATION &&
		arel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("anomaly table \"%s\" is not a table", fc->anomaly_arg),
				 errhint("%s", CreateTableHint(fc))));
	fc->anomaly_name =
		quote_qualified_identifier(get_namespace_name(RelationGetNamespace(arel)),
								   RelationGetRelationName(arel));

	/* source columns */
	fc->src_cols = palloc(sizeof(char *) * (sdesc->natts + 1));
	fc->nsrc = 0;
	for (i = 0; i < sdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(sdesc, i);

		if (!att->attisdropped)
			fc->src_cols[fc->nsrc++] = pstrdup(NameStr(att->attname));
	}

	/* live anomaly columns in order */
	adesc = RelationGetDescr(arel);
	fc->anom_cols = palloc(sizeof(char *) * (fc->nsrc + 1));
	fc->anom_generated = palloc0(sizeof(bool) * (fc->nsrc + 1));
	k = 0;
	{
		int			sk = 0;

		for (i = 0; i < adesc->natts; i++)
		{
			Form_pg_attribute aa = TupleDescAttr(adesc, i);

			if (aa->attisdropped)
				continue;
			if (k < fc->nsrc)
			{
				Form_pg_attribute sa;

				/* k-th live source column */
				while (TupleDescAttr(sdesc, sk)->attisdropped)
					sk++;
				sa = TupleDescAttr(sdesc, sk);
				sk++;
				if (strcmp(NameStr(aa->attname), NameStr(sa->attname)) != 0 ||
					aa->atttypid != sa->atttypid)
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column %d of anomaly table \"%s\" is \"%s\" of type %s, not \"%s\" of type %s",
									k + 1, fc->anomaly_arg,
									NameStr(aa->attname),
									format_type_be(aa->atttypid),
									NameStr(sa->attname),
									format_type_be(sa->atttypid)),
							 errdetail("The anomaly table must start with the columns of \"%s\", in order, followed by score float8.",
									   RelationGetRelationName(fc->rel)),
							 errhint("%s", CreateTableHint(fc))));
				fc->anom_cols[k] = pstrdup(NameStr(aa->attname));
				/* a generated copy of a source column computes itself */
				fc->anom_generated[k] = (aa->attgenerated != '\0');
			}
			else if (k == fc->nsrc)
			{
				/* float8, or a domain over it */
				if (getBaseType(aa->atttypid) != FLOAT8OID)
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("column %d of anomaly table \"%s\" is \"%s\" of type %s, not the score of type double precision",
									k + 1, fc->anomaly_arg,
									NameStr(aa->attname),
									format_type_be(aa->atttypid)),
							 errdetail("The anomaly table must start with the columns of \"%s\", in order, followed by score float8.",
									   RelationGetRelationName(fc->rel)),
							 errhint("%s", CreateTableHint(fc))));
				if (aa->attgenerated != '\0')
					ereport(ERROR,
							(errcode(ERRCODE_DATATYPE_MISMATCH),
							 errmsg("score column \"%s\" of anomaly table \"%s\" is a generated column",
									NameStr(aa->attname), fc->anomaly_arg),
							 errdetail("The column after the columns of \"%s\" receives the score.",
									   RelationGetRelationName(fc->rel)),
							 errhint("%s", CreateTableHint(fc))));
				fc->anom_cols[k] = pstrdup(NameStr(aa->attname));
			}
			else if (aa->attnotnull && !aa->atthasdef &&
					 aa->attidentity == '\0' && aa->attgenerated == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" of anomaly table \"%s\" is NOT NULL without a default",
								NameStr(aa->attname), fc->anomaly_arg),
						 errdetail("Columns after the score are left to their defaults."),
						 errhint("%s", CreateTableHint(fc))));
			k++;
		}
	}
	if (k < fc->nsrc)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("anomaly table \"%s\" has %d columns, fewer than the %d columns of \"%s\"",
						fc->anomaly_arg, k, fc->nsrc,
						RelationGetRelationName(fc->rel)),
				 errdetail("The anomaly table must start with the columns of \"%s\", in order, followed by score float8.",
						   RelationGetRelationName(fc->rel)),
				 errhint("%s", CreateTableHint(fc))));
	if (k == fc->nsrc)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("anomaly table \"%s\" has no score column after the columns of \"%s\"",
						fc->anomaly_arg, RelationGetRelationName(fc->rel)),
				 errdetail("The anomaly table must start with the columns of \"%s\", in order, followed by score float8.",
						   RelationGetRelationName(fc->rel)),
				 errhint("%s", CreateTableHint(fc))));

	table_close(arel, AccessShareLock);
}

/* "(col)::float8 > '-Infinity' AND (col)::float8 < 'Infinity'" for every
 * model column: true when every value is present and finite. */
static char *
FiniteCondition(const MgModelEntry *entry)
{
	StringInfoData buf;
	int			j;

	initStringInfo(&buf);
	for (j = 0; j < entry->ncols; j++)
	{
		const char *q = quote_identifier(entry->cols[j]);

		appendStringInfo(&buf,
						 "%s(%s)::float8 > '-Infinity'::float8 AND (%s)::float8 < 'Infinity'::float8",
						 j > 0 ? " AND " : "", q, q);
	}
	return buf.data;
}

/* Type of column name of rel. */
static Oid
ColumnType(Relation rel, const char *name)
{
	AttrNumber	attnum = get_attnum(RelationGetRelid(rel), name);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" does not exist in relation \"%s\"",
						name, RelationGetRelationName(rel))));
	return get_atttype(RelationGetRelid(rel), attnum);
}

/*
 * Score the windows ending at the new rows and insert the flagged ones.
 * Runs inside SPI (connected, trigger data registered).
 */
static void
FlagRows(FlagCtx *fc)
{
	MgModelEntry *entry;
	Oid			relid = RelationGetRelid(fc->rel);
	const char *order_by;
	const char *series_by;
	const char *newtab;
	char	   *qorder;
	char	   *qseries = NULL;
	char	   *finite;
	StringInfoData sql;
	SPITupleTable *newrows;
	uint64		nnew;
	uint64		i;
	int			L;
	int			m;
	int			j;
	SPIPlanPtr	histplan;
	SPIPlanPtr	histnull = NULL;
	int64		ngroups;
	int64		cap;
	Oid			histtypes[2];
	double	   *X;
	int64	   *rowrn;			/* [total]: rn of a new row, 0 for history */
	int64		total = 0;
	int64	   *starts;
	int64	   *winrn;
	int64		nwin = 0;
	float	   *dis;
	float	   *rec;
	mg_score_opts opts;
	mg_callbacks cb;
	mg_status	st;
	Datum	   *flag_rn;
	Datum	   *flag_score;
	int			nflag = 0;
	int64		w;
	int64	   *blk_w0;			/* [series + 1]: first window of each series */
	const mg_model **blk_model;	/* [series]: the model scoring it */
	double	   *blk_thr;		/* [series]: its threshold */
	double	   *wthr;			/* [nwin]: threshold of each window */
	double	   *wscore;			/* [nwin]: score of each window's last row */
	int			nblk = 0;
	int			b,
				b_end;

	/* the model, and its columns in this table */
	entry = MgLoadModel(fc->model_spec);
	L = entry->seq_len;
	m = entry->ncols;
	MgCheckColumns(relid, m, entry->cols);
	order_by = MgResolveOrderBy(relid, entry->order_by);
	series_by = entry->series_by;
	if (series_by != NULL)
		MgCheckSeriesBy(relid, series_by);
	qorder = pstrdup(quote_identifier(order_by));
	if (series_by != NULL)
		qseries = pstrdup(quote_identifier(series_by));
	newtab = quote_identifier(fc->trigdata->tg_trigger->tgnewtable);

	/*
	 * The new rows, numbered in transition-table order (rn), sorted by
	 * series then order; grp numbers the series.
	 */
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT n.%s, %s, %s, n.%s",
					 fc->rn,
					 series_by ? psprintf("dense_rank() OVER (ORDER BY n.%s)", qseries) : "1::int8",
					 series_by ? psprintf("n.%s", qseries) : "NULL::int4",
					 qorder);
	for (j = 0; j < m; j++)
		appendStringInfo(&sql, ", (n.%s)::float8", quote_identifier(entry->cols[j]));
	/* the series key as text picks the series' model (per-series models) */
	appendStringInfo(&sql, ", %s", series_by ? psprintf("(n.%s)::text", qseries) : "NULL::text");
	appendStringInfo(&sql,
					 " FROM (SELECT row_number() OVER () AS %s, t.* FROM %s t) n"
					 " ORDER BY %s%s n.%s, n.%s",
					 fc->rn, newtab,
					 series_by ? psprintf("n.%s", qseries) : "",
					 series_by ? "," : "",
					 qorder, fc->rn);
	if (SPI_execute(sql.data, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read the transition table \"%s\"", newtab);
	newrows = SPI_tuptable;
	nnew = SPI_processed;
	if (nnew == 0)
		return;

	/*
	 * History: the L - 1 usable rows before a given order, latest first;
	 * histnull serves the series whose value is NULL.
	 */
	finite = FiniteCondition(entry);
	histtypes[0] = ColumnType(fc->rel, order_by);
	resetStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (j = 0; j < m; j++)
		appendStringInfo(&sql, "%s(%s)::float8", j > 0 ? ", " : "",
						 quote_identifier(entry->cols[j]));
	appendStringInfo(&sql, " FROM %s WHERE %s < $1 AND %s", fc->relname,
					 qorder, finite);
	if (series_by != NULL)
	{
		char	   *base = pstrdup(sql.data);

		appendStringInfo(&sql, " AND %s IS NULL ORDER BY %s DESC LIMIT %d",
						 qseries, qorder, L - 1);
		histnull = SPI_prepare(sql.data, 1, histtypes);
		if (histnull == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", sql.data,
				 SPI_result_code_string(SPI_result));
		resetStringInfo(&sql);
		appendStringInfo(&sql, "%s AND %s = $2", base, qseries);
		histtypes[1] = ColumnType(fc->rel, series_by);
	}
	appendStringInfo(&sql, " ORDER BY %s DESC LIMIT %d", qorder, L - 1);
	histplan = SPI_prepare(sql.data, series_by ? 2 : 1, histtypes);
	if (histplan == NULL)
		elog(ERROR, "could not prepare \"%s\": %s", sql.data,
			 SPI_result_code_string(SPI_result));

	/* at most L - 1 history rows per series (the last grp is the number
	 * of series), plus the new rows */
	{
		bool		isnull;

		ngroups = DatumGetInt64(SPI_getbinval(newrows->vals[nnew - 1],
											  newrows->tupdesc, 2, &isnull));
	}
	cap = ngroups * (L - 1) + (int64) nnew;
	X = palloc_extended(sizeof(double) * cap * m, MCXT_ALLOC_HUGE);
	rowrn = palloc_extended(sizeof(int64) * cap, MCXT_ALLOC_HUGE);
	starts = palloc_extended(sizeof(int64) * nnew, MCXT_ALLOC_HUGE);
	winrn = palloc_extended(sizeof(int64) * nnew, MCXT_ALLOC_HUGE);
	blk_w0 = palloc(sizeof(int64) * (ngroups + 1));
	blk_model = palloc(sizeof(const mg_model *) * (ngroups + 1));
	blk_thr = palloc(sizeof(double) * (ngroups + 1));

	i = 0;
	while (i < nnew)
	{
		HeapTuple	first = newrows->vals[i];
		TupleDesc	desc = newrows->tupdesc;
		bool		isnull;
		int64		grp = DatumGetInt64(SPI_getbinval(first, desc, 2, &isnull));
		Datum		series = SPI_getbinval(first, desc, 3, &isnull);
		bool		series_null = isnull;
		Datum		ord = SPI_getbinval(first, desc, 4, &isnull);
		bool		ord_null = isnull;
		int64		block = total;
		uint64		e;
		Datum		keyd = SPI_getbinval(first, desc, 5 + m, &isnull);

		CHECK_FOR_INTERRUPTS();
		/* the model of this series: its own (per-series models) or the model */
		blk_w0[nblk] = nwin;
		blk_model[nblk] = MgSeriesModel(entry, isnull ? NULL : TextDatumGetCString(keyd),
										&blk_thr[nblk]);
		nblk++;
		/* rows of this series: [i, e) */
		for (e = i + 1; e < nnew; e++)
			if (DatumGetInt64(SPI_getbinval(newrows->vals[e], desc, 2,
											&isnull)) != grp)
				break;

		/* NULL orders sort last: the first row has the smallest order */
		if (!ord_null)
		{
			/* history */
			{
				Datum		args[2];
				int			h;
				SPIPlanPtr	plan = (series_by != NULL && series_null) ?
				histnull : histplan;

				args[0] = ord;
				args[1] = series;
				if (SPI_execute_plan(plan, args, NULL, false, L - 1) !=
					SPI_OK_SELECT)
					elog(ERROR, "could not read the rows preceding the new rows");
				/* latest first: store reversed */
				for (h = (int) SPI_processed - 1; h >= 0; h--)
				{
					HeapTuple	ht = SPI_tuptable->vals[h];

					for (j = 0; j < m; j++)
						X[total * m + j] =
							DatumGetFloat8(SPI_getbinval(ht, SPI_tuptable->tupdesc,
														 j + 1, &isnull));
					rowrn[total++] = 0;
				}
				SPI_freetuptable(SPI_tuptable);
			}

			/* the new rows with every value present and finite */
			for (; i < e; i++)
			{
				HeapTuple	nt = newrows->vals[i];
				bool		usable = true;

				(void) SPI_getbinval(nt, desc, 4, &isnull);
				if (isnull)
					continue;
				for (j = 0; j < m; j++)
				{
					double		v = DatumGetFloat8(SPI_getbinval(nt, desc, j + 5,
																 &isnull));

					if (isnull || !isfinite(v))
					{
						usable = false;
						break;
					}
					X[total * m + j] = v;
				}
				if (!usable)
					continue;
				rowrn[total] = DatumGetInt64(SPI_getbinval(nt, desc, 1, &isnull));
				if (total - block >= L - 1)
				{
					starts[nwin] = total - (L - 1);
					winrn[nwin] = rowrn[total];
					nwin++;
				}
				total++;
			}
		}
		i = e;
	}
	SPI_freeplan(histplan);
	if (histnull != NULL)
		SPI_freeplan(histnull);

	if (nwin == 0)
		return;

	/*
	 * One batch for every window of the series sharing a model: all of
	 * them, unless the model has per-series models.
	 */
	MgEnsureBlas();
	dis = palloc_extended(sizeof(float) * nwin * L, MCXT_ALLOC_HUGE);
	rec = palloc_extended(sizeof(float) * nwin * L, MCXT_ALLOC_HUGE);
	wthr = palloc_extended(sizeof(double) * nwin, MCXT_ALLOC_HUGE);
	wscore = palloc_extended(sizeof(double) * nwin, MCXT_ALLOC_HUGE);
	memset(&cb, 0, sizeof(cb));
	cb.cancel = MgCancelPending;
	blk_w0[nblk] = nwin;
	st = MG_OK;
	for (b = 0; b < nblk && st == MG_OK; b = b_end)
	{
		int64		w0 = blk_w0[b];

		for (b_end = b + 1; b_end < nblk && blk_model[b_end] == blk_model[b] &&
			 blk_thr[b_end] == blk_thr[b]; b_end++)
			;
		if (blk_w0[b_end] == w0)
			continue;
		mg_score_opts_from_model(blk_model[b], &opts);
		opts.batch = mimgan_score_batch;
		st = mg_score_raw_windows(blk_model[b], &MgPgAlloc, X, total, starts + w0,
								  blk_w0[b_end] - w0, &opts, &cb,
								  dis + (size_t) w0 * L, rec + (size_t) w0 * L, NULL);
		for (w = w0; w < blk_w0[b_end]; w++)
		{
			size_t		last = (size_t) w * L + L - 1;

			wscore[w] = opts.lambda * dis[last] + (1.0 - opts.lambda) * rec[last];
			wthr[w] = blk_thr[b];
		}
	}
	MgBlasRelease();
	if (st != MG_OK)
		MgThrow(st, psprintf("cannot score the rows inserted into %s with model \"%s\"",
							 fc->relname, fc->model_spec));

	flag_rn = palloc(sizeof(Datum) * nwin);
	flag_score = palloc(sizeof(Datum) * nwin);
	for (w = 0; w < nwin; w++)
	{
		double		s = wscore[w];

		if (s > wthr[w])
		{
			flag_rn[nflag] = Int64GetDatum(winrn[w]);
			flag_score[nflag] = Float8GetDatum(s);
			nflag++;
		}
	}
	if (nflag == 0)
		return;

	/*
	 * Append the flagged rows, in transition-table order.  Generated
	 * anomaly columns are left to compute themselves; OVERRIDING SYSTEM
	 * VALUE lets an identity column copied with LIKE ... INCLUDING ALL take
	 * the source's value.
	 */
	resetStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s (", fc->anomaly_name);
	for (j = 0; j < fc->nsrc; j++)
		if (!fc->anom_generated[j])
			appendStringInfo(&sql, "%s, ", quote_identifier(fc->anom_cols[j]));
	appendStringInfo(&sql, "%s) OVERRIDING SYSTEM VALUE SELECT ",
					 quote_identifier(fc->anom_cols[fc->nsrc]));
	for (j = 0; j < fc->nsrc; j++)
		if (!fc->anom_generated[j])
			appendStringInfo(&sql, "n.%s, ", quote_identifier(fc->src_cols[j]));
	appendStringInfo(&sql,
					 "f.score FROM (SELECT row_number() OVER () AS %s, t.* FROM %s t) n"
					 " JOIN unnest($1::int8[], $2::float8[]) AS f(rn, score)"
					 " ON n.%s = f.rn ORDER BY f.rn",
					 fc->rn, newtab, fc->rn);
	{
		Oid			types[2] = {INT8ARRAYOID, FLOAT8ARRAYOID};
		Datum		args[2];

		args[0] = PointerGetDatum(construct_array(flag_rn, nflag, INT8OID,
												  sizeof(int64), FLOAT8PASSBYVAL,
												  TYPALIGN_DOUBLE));
		args[1] = PointerGetDatum(construct_array(flag_score, nflag, FLOAT8OID,
												  sizeof(float8), FLOAT8PASSBYVAL,
												  TYPALIGN_DOUBLE));
		if (SPI_execute_with_args(sql.data, 2, types, args, NULL, false, 0) !=
			SPI_OK_INSERT)
			elog(ERROR, "could not insert into anomaly table %s",
				 fc->anomaly_name);
	}
}

/*
 * mimgan_flag() RETURNS trigger
 */
Datum
mimgan_flag(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Trigger    *trigger;
	FlagCtx		fc;
	bool		raise = false;
	const char *hint_model;
	const char *hint_anomaly;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("mimgan_flag() can only be called as a trigger"),
				 errhint("%s", UsageHint("flag_anomalies", "your_table", "model", "anomaly_table"))));

	trigger = trigdata->tg_trigger;
	memset(&fc, 0, sizeof(fc));
	fc.trigdata = trigdata;
	fc.rel = trigdata->tg_relation;
	fc.relname =
		quote_qualified_identifier(get_namespace_name(RelationGetNamespace(fc.rel)),
								   RelationGetRelationName(fc.rel));
	hint_model = trigger->tgnargs >= 1 ? trigger->tgargs[0] : "model";
	hint_anomaly = trigger->tgnargs >= 2 ? trigger->tgargs[1] : "anomaly_table";

	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on \"%s\" must fire AFTER INSERT FOR EACH STATEMENT",
						trigger->tgname, RelationGetRelationName(fc.rel)),
				 errhint("%s", UsageHint(trigger->tgname, fc.relname, hint_model, hint_anomaly))));
	if (trigdata->tg_newtable == NULL || trigger->tgnewtable == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" on \"%s\" has no transition table for the new rows",
						trigger->tgname, RelationGetRelationName(fc.rel)),
				 errhint("%s", UsageHint(trigger->tgname, fc.relname, hint_model, hint_anomaly))));
	if (trigger->tgnargs < 2 || trigger->tgnargs > 3)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg_plural("trigger \"%s\" on \"%s\" has %d argument, not 2 or 3",
							   "trigger \"%s\" on \"%s\" has %d arguments, not 2 or 3",
							   trigger->tgnargs,
							   trigger->tgname, RelationGetRelationName(fc.rel),
							   trigger->tgnargs),
				 errhint("%s", UsageHint(trigger->tgname, fc.relname, hint_model, hint_anomaly))));
	if (trigger->tgnargs == 3)
	{
		if (pg_strcasecmp(trigger->tgargs[2], "raise") == 0)
			raise = true;
		else if (pg_strcasecmp(trigger->tgargs[2], "warn") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid on_error argument \"%s\" of trigger \"%s\"",
							trigger->tgargs[2], trigger->tgname),
					 errhint("Pass 'warn' (the default: keep the rows, report a WARNING) or 'raise' (abort the insert) as the third argument.")));
	}
	fc.model_spec = trigger->tgargs[0];
	fc.anomaly_arg = trigger->tgargs[1];
	fc.rn = RowNumberAlias(fc.rel);

	/* a malformed model spec is a set-up mistake, not a scoring failure */
	{
		char	   *name;
		int32		version;

		MgParseModelSpec(fc.model_spec, &name, &version);
	}

	CheckAnomalyTable(&fc);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "could not register the transition tables");

	if (raise)
		FlagRows(&fc);
	else
	{
		MemoryContext oldcontext = CurrentMemoryContext;
		ResourceOwner oldowner = CurrentResourceOwner;

		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(oldcontext);
		PG_TRY();
		{
			FlagRows(&fc);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(oldcontext);
			CurrentResourceOwner = oldowner;
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(oldcontext);
			edata = CopyErrorData();
			FlushErrorState();
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(oldcontext);
			CurrentResourceOwner = oldowner;

			/* a cancel or timeout must still stop the statement */
			if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
				ReThrowError(edata);

			ereport(WARNING,
					(errcode(edata->sqlerrcode),
					 errmsg("could not score the rows inserted into %s: %s",
							fc.relname, edata->message),
					 edata->detail ? errdetail("%s", edata->detail) : 0,
					 errhint("The inserted rows were kept. Add 'raise' as the third argument of mimgan_flag to abort the insert on such errors.")));
			FreeErrorData(edata);
		}
		PG_END_TRY();
	}

	SPI_finish();
	return PointerGetDatum(NULL);
}
