/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The model catalog mimgan.model: model specs, loading (plain and
 *	  per-query cached), saving a new version, and the SQL functions
 *	  mimgan_drop, mimgan_export and mimgan_import.
 *
 * Every read and write goes through SPI with the caller's privileges, so
 * the row-level security policies of mimgan.model decide which versions
 * a role sees, uses and drops (those whose owner it has the privileges
 * of).  The single exception is the check that a model name is free or
 * ours before saving: it must see every owner's rows, so it scans the
 * primary-key index directly (NameOwnerAndMaxVersion).  That reveals only
 * that the name is taken, never the model.
 *
 * Saving is serialised per name with a transaction-level advisory lock on
 * hashtext('mimgan:' || name), so concurrent trains of one name get
 * consecutive versions.
 *
 * src/pg/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/jsonapi.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "storage/itemptr.h"

#include "mimgan_pg.h"

#define MG_MAX_NAME_LEN 63

/* ERROR unless name is a valid model name. */
void
MgCheckModelName(const char *name)
{
	size_t		len = strlen(name);

	if (len < 1 || len > MG_MAX_NAME_LEN || strchr(name, '@') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid model name \"%s\"", MgShownText(name)),
				 errhint("A model name has 1 to %d bytes and no \"@\".",
						 MG_MAX_NAME_LEN)));
}

/* Parse 'name' or 'name@N'; *version = 0 for latest. */
void
MgParseModelSpec(const char *spec, char **name, int32 *version)
{
	const char *at;

	if (spec == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model must not be NULL")));
	at = strchr(spec, '@');
	*version = 0;
	if (at == NULL)
		*name = pstrdup(spec);
	else
	{
		const char *p = at + 1;
		int64		v = 0;

		if (*p == '\0')
			goto bad;
		for (; *p; p++)
		{
			if (*p < '0' || *p > '9')
				goto bad;
			v = v * 10 + (*p - '0');
			if (v > PG_INT32_MAX)
				goto bad;
		}
		if (v < 1)
			goto bad;
		*version = (int32) v;
		*name = pnstrdup(spec, at - spec);
	}
	if (strlen(*name) < 1 || strlen(*name) > MG_MAX_NAME_LEN)
		goto bad;
	return;

bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid model spec \"%s\"", MgShownText(spec)),
			 errhint("Name a model as 'name' (its latest version) or 'name@N' with a version N >= 1.")));
}

/* ERROR: no visible model for spec. */
static void
NoSuchModel(const char *spec, const char *name, int32 version)
{
	if (version > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("version %d of model \"%s\" does not exist", version, name),
				 errhint("The mimgan_models view lists the model versions you can use.")));
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("model \"%s\" does not exist", spec),
			 errhint("The mimgan_models view lists the models you can use; train one with mimgan_train().")));
}

/*
 * The catalog row of a spec: 'name@N' is version N, 'name' the pinned
 * version (mimgan.model_pin, from 0.2.0) or else the latest.  xmin and
 * ctid identify the row for the model cache (model_cache.c).
 */
#define LOAD_COLUMNS \
	"SELECT version, owner::text, source, cols, order_by, series_by, seq_len, " \
	"threshold, weights, xmin, ctid, " \
	"coalesce((options OPERATOR(pg_catalog.->>) 'per_series')::boolean, false) " \
	"FROM mimgan.model m " \
	"WHERE name OPERATOR(pg_catalog.=) $1 AND ($2 OPERATOR(pg_catalog.=) 0 " \
	"OR version OPERATOR(pg_catalog.=) $2) "
#define LOAD_QUERY LOAD_COLUMNS "ORDER BY version DESC LIMIT 1"
#define LOAD_QUERY_PIN LOAD_COLUMNS \
	"ORDER BY EXISTS (SELECT 1 FROM mimgan.model_pin p " \
	"WHERE p.name OPERATOR(pg_catalog.=) m.name " \
	"AND p.version OPERATOR(pg_catalog.=) m.version) DESC, version DESC LIMIT 1"

/*
 * The relation mimgan.relname, or InvalidOid.  Objects added after 0.1.0
 * (model_pin, model_series, training_log.loss_rec) are missing from a
 * 0.1.0 installation running this library until ALTER EXTENSION UPDATE.
 */
Oid
MgCatalogRelid(const char *relname)
{
	Oid			nsp = get_namespace_oid("mimgan", true);

	return OidIsValid(nsp) ? get_relname_relid(relname, nsp) : InvalidOid;
}

/*
 * Read the catalog row of spec into a fresh entry in the caller's context;
 * with want_model, deserialize the blob; *blob_out (when non-NULL) gets
 * the stored blob.
 */
static MgModelEntry *
LoadEntry(const char *spec, bool want_model, bytea **blob_out)
{
	MemoryContext callerctx = CurrentMemoryContext;
	MgModelEntry *e;
	char	   *name;
	int32		version;
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];
	HeapTuple	tup;
	TupleDesc	td;
	bool		isnull;
	Datum		d;
	bytea	   *blob;
	MemoryContext old;
	TransactionId xmin;
	ItemPointerData tid;

	MgParseModelSpec(spec, &name, &version);
	args[0] = CStringGetTextDatum(name);
	args[1] = Int32GetDatum(version);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(OidIsValid(MgCatalogRelid("model_pin")) ? LOAD_QUERY_PIN : LOAD_QUERY,
							  2, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read mimgan.model");
	if (SPI_processed == 0)
		NoSuchModel(spec, name, version);

	tup = SPI_tuptable->vals[0];
	td = SPI_tuptable->tupdesc;
	old = MemoryContextSwitchTo(callerctx);
	e = palloc0(sizeof(MgModelEntry));
	e->name = pstrdup(name);
	e->version = DatumGetInt32(SPI_getbinval(tup, td, 1, &isnull));
	e->owner = get_role_oid(TextDatumGetCString(SPI_getbinval(tup, td, 2, &isnull)), true);
	e->source = TextDatumGetCString(SPI_getbinval(tup, td, 3, &isnull));
	d = SPI_getbinval(tup, td, 4, &isnull);
	{
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		e->ncols = n;
		e->cols = palloc(sizeof(char *) * Max(n, 1));
		for (i = 0; i < n; i++)
			e->cols[i] = nulls[i] ? pstrdup("") : TextDatumGetCString(elems[i]);
	}
	e->order_by = TextDatumGetCString(SPI_getbinval(tup, td, 5, &isnull));
	d = SPI_getbinval(tup, td, 6, &isnull);
	e->series_by = isnull ? NULL : TextDatumGetCString(d);
	e->seq_len = DatumGetInt32(SPI_getbinval(tup, td, 7, &isnull));
	e->threshold = DatumGetFloat8(SPI_getbinval(tup, td, 8, &isnull));
	e->per_series = DatumGetBool(SPI_getbinval(tup, td, 12, &isnull));
	e->cxt = callerctx;
	xmin = DatumGetTransactionId(SPI_getbinval(tup, td, 10, &isnull));
	tid = *((ItemPointer) DatumGetPointer(SPI_getbinval(tup, td, 11, &isnull)));
	/* the blob is detoasted only when the cache does not have the model */
	if (want_model)
		e->model = MgModelCacheLookup(e->name, e->version, xmin, &tid);
	blob = (e->model != NULL) ? NULL :
		DatumGetByteaPCopy(SPI_getbinval(tup, td, 9, &isnull));
	MemoryContextSwitchTo(old);
	SPI_finish();

	if (want_model)
	{
		if (e->model == NULL)
			e->model = MgModelCacheLoad(e->name, e->version, xmin, &tid, blob);
		if (e->model->m != e->ncols)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("model \"%s@%d\" has %d columns in its blob but %d in the catalog",
							e->name, e->version, e->model->m, e->ncols)));
	}
	if (blob_out)
		*blob_out = blob;
	else if (blob)
		pfree(blob);
	return e;
}

/* Load a model version the current role may use. */
MgModelEntry *
MgLoadModel(const char *spec)
{
	return LoadEntry(spec, true, NULL);
}

/* One cached model of a query (MgLoadModelCached). */
typedef struct MgModelCache
{
	char	   *spec;
	MgModelEntry *entry;
	struct MgModelCache *next;
} MgModelCache;

/*
 * Load, cached in flinfo->fn_extra for the life of fn_mcxt.  Every spec
 * the call site meets keeps its entry (a list, not a single slot): a query
 * whose model alternates, e.g. by partition, loads each model once instead
 * of once per switch, so its memory is bounded by the models it names.
 */
MgModelEntry *
MgLoadModelCached(FmgrInfo *flinfo, const char *spec)
{
	MgModelCache *c;
	MemoryContext old;

	for (c = (MgModelCache *) flinfo->fn_extra; c != NULL; c = c->next)
		if (strcmp(c->spec, spec) == 0)
			return c->entry;
	old = MemoryContextSwitchTo(flinfo->fn_mcxt);
	c = palloc0(sizeof(MgModelCache));
	c->entry = LoadEntry(spec, true, NULL);
	c->spec = pstrdup(spec);
	c->next = (MgModelCache *) flinfo->fn_extra;
	flinfo->fn_extra = c;
	MemoryContextSwitchTo(old);
	return c->entry;
}

/* Append a JSON string or null. */
static void
AppendJsonString(StringInfo buf, const char *s)
{
	if (s == NULL)
		appendStringInfoString(buf, "null");
	else
		escape_json(buf, s);
}

/* The JSON text kept in mg_model.meta. */
char *
MgModelMetaJson(const char *source, int ncols, char **cols,
				const char *order_by, const char *series_by, int seq_len)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"source\": ");
	AppendJsonString(&buf, source);
	appendStringInfoString(&buf, ", \"cols\": [");
	for (i = 0; i < ncols; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, cols[i]);
	}
	appendStringInfoString(&buf, "], \"order_by\": ");
	AppendJsonString(&buf, order_by);
	appendStringInfoString(&buf, ", \"series_by\": ");
	AppendJsonString(&buf, series_by);
	appendStringInfo(&buf, ", \"seq_len\": %d}", seq_len);
	return buf.data;
}


/* The preprocessing of a model as jsonb (for mimgan.model.preprocessing). */
static Jsonb *
PrepToJsonb(const mg_model *model)
{
	static const char *const norm_w[] = {"minmax", "zscore", "none"};
	const mg_prep *p = model->prep;
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	if (p == NULL)
		appendStringInfoString(&buf, "{}");
	else
	{
		appendStringInfoString(&buf, "{\"normalize\": ");
		escape_json(&buf, (p->norm >= 0 && p->norm < 3) ? norm_w[p->norm] : "?");
		appendStringInfo(&buf, ", \"m\": %d, \"k\": %d, \"pca_k\": %d, \"shift\": [",
						 p->m, p->k, p->pca_k);
		for (i = 0; i < p->m; i++)
		{
			if (i > 0)
				appendStringInfoString(&buf, ", ");
			MgAppendJsonNumber(&buf, p->shift ? p->shift[i] : NAN);
		}
		appendStringInfoString(&buf, "], \"scale\": [");
		for (i = 0; i < p->m; i++)
		{
			if (i > 0)
				appendStringInfoString(&buf, ", ");
			MgAppendJsonNumber(&buf, p->scale ? p->scale[i] : NAN);
		}
		appendStringInfoString(&buf, "]}");
	}
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/*
 * Look at every row of name in mimgan.model, whatever its owner and the
 * row-level security policies: *owner gets the owner of the latest version
 * (InvalidOid if none or dropped role; *found tells), *maxver the largest
 * version (0 if none).
 */
static void
NameOwnerAndMaxVersion(const char *name, bool *found, Oid *owner, int32 *maxver)
{
	Oid			nsp = get_namespace_oid("mimgan", false);
	Oid			relid = get_relname_relid("model", nsp);
	Oid			idxid = get_relname_relid("model_pkey", nsp);
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	Snapshot	snap;

	if (!OidIsValid(relid) || !OidIsValid(idxid))
		elog(ERROR, "mimgan.model or its primary key is missing");
	*found = false;
	*owner = InvalidOid;
	*maxver = 0;

	rel = table_open(relid, AccessShareLock);
	snap = RegisterSnapshot(GetLatestSnapshot());
	ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber, InvalidOid,
						   C_COLLATION_OID, F_TEXTEQ, CStringGetTextDatum(name));
	scan = systable_beginscan(rel, idxid, true, snap, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		int32		v = DatumGetInt32(heap_getattr(tup, 2, RelationGetDescr(rel), &isnull));
		Datum		o = heap_getattr(tup, 3, RelationGetDescr(rel), &isnull);

		if (!*found || v > *maxver)
		{
			*maxver = v;
			*owner = isnull ? InvalidOid :
				get_role_oid(NameStr(*DatumGetName(o)), true);
		}
		*found = true;
	}
	systable_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
}

/*
 * ERROR unless the current role may add a version to model name (it is
 * new, or owned by a role whose privileges we have); returns the largest
 * existing version (0 if none).  train.c calls it before reading any data
 * so a taken name fails at once, and MgSaveModel again under the lock.
 */
int32
MgCheckNameWritable(const char *name)
{
	bool		found;
	Oid			owner;
	int32		maxver;

	NameOwnerAndMaxVersion(name, &found, &owner, &maxver);
	if (found && (!OidIsValid(owner) || !has_privs_of_role(GetUserId(), owner)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("model \"%s\" belongs to another role", name),
				 errhint("Choose another model name, or ask the owner to grant you their role.")));
	return maxver;
}

/* Insert model as the next version of name; returns the version. */
int32
MgSaveModel(const char *name, const char *source, int ncols, char **cols,
			const char *order_by, const char *series_by, Jsonb *options,
			Jsonb *training, const mg_model *model, bytea *blob)
{
	Oid			lockargtypes[1] = {TEXTOID};
	Datum		lockargs[1];
	int32		maxver;
	int32		version;
	Oid			argtypes[12] = {TEXTOID, INT4OID, TEXTOID, TEXTARRAYOID, TEXTOID,
	TEXTOID, INT4OID, JSONBOID, JSONBOID, FLOAT8OID, JSONBOID, BYTEAOID};
	Datum		args[12];
	char		nulls[13] = "            ";
	Datum	   *elems;
	int			i;

	MgCheckModelName(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/* one saver per name at a time */
	lockargs[0] = CStringGetTextDatum(psprintf("mimgan:%s", name));
	if (SPI_execute_with_args("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext($1))",
							  1, lockargtypes, lockargs, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "cannot lock model name \"%s\"", name);

	maxver = MgCheckNameWritable(name);
	if (maxver >= PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("model \"%s\" has too many versions", name)));
	version = maxver + 1;

	elems = palloc(sizeof(Datum) * Max(ncols, 1));
	for (i = 0; i < ncols; i++)
		elems[i] = CStringGetTextDatum(cols[i]);

	args[0] = CStringGetTextDatum(name);
	args[1] = Int32GetDatum(version);
	args[2] = CStringGetTextDatum(source);
	args[3] = PointerGetDatum(construct_array(elems, ncols, TEXTOID, -1, false, TYPALIGN_INT));
	args[4] = CStringGetTextDatum(order_by);
	if (series_by != NULL)
		args[5] = CStringGetTextDatum(series_by);
	else
	{
		args[5] = (Datum) 0;
		nulls[5] = 'n';
	}
	args[6] = Int32GetDatum(model->cfg.seq_len);
	args[7] = JsonbPGetDatum(options);
	args[8] = JsonbPGetDatum(PrepToJsonb(model));
	args[9] = Float8GetDatum(model->threshold);
	args[10] = JsonbPGetDatum(training);
	args[11] = PointerGetDatum(blob);

	if (SPI_execute_with_args("INSERT INTO mimgan.model (name, version, owner, source, "
							  "cols, order_by, series_by, seq_len, options, "
							  "preprocessing, threshold, training, weights) "
							  "VALUES ($1, $2, current_user, $3, $4, $5, $6, $7, $8, "
							  "$9, $10, $11, $12)",
							  12, argtypes, args, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "cannot insert into mimgan.model");
	SPI_finish();
	return version;
}

PG_FUNCTION_INFO_V1(mimgan_drop);

/*
 * mimgan_drop(model text) -> int: drop one version ('name@N') or every
 * version ('name') the current role may use; the number dropped.
 */
Datum
mimgan_drop(PG_FUNCTION_ARGS)
{
	char	   *spec = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	   *name;
	int32		version;
	Oid			argtypes[2] = {TEXTOID, INT4OID};
	Datum		args[2];
	uint64		n;

	MgParseModelSpec(spec, &name, &version);
	args[0] = CStringGetTextDatum(name);
	args[1] = Int32GetDatum(version);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args("DELETE FROM mimgan.model "
							  "WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND ($2 OPERATOR(pg_catalog.=) 0 "
							  "OR version OPERATOR(pg_catalog.=) $2)",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "cannot delete from mimgan.model");
	n = SPI_processed;
	SPI_finish();
	if (n == 0)
		NoSuchModel(spec, name, version);
	PG_RETURN_INT32((int32) n);
}

PG_FUNCTION_INFO_V1(mimgan_export);

/* mimgan_export(model text) -> bytea: the model blob, self-contained. */
Datum
mimgan_export(PG_FUNCTION_ARGS)
{
	char	   *spec = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bytea	   *blob;

	(void) LoadEntry(spec, false, &blob);
	PG_RETURN_BYTEA_P(blob);
}

/* String value of key in a jsonb object, or NULL (missing or JSON null). */
static char *
JsonbGetString(Jsonb *jb, const char *key, bool *ok)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(&jb->root, key, strlen(key), &v) == NULL ||
		v.type == jbvNull)
		return NULL;
	if (v.type != jbvString)
	{
		*ok = false;
		return NULL;
	}
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/* ERROR: the blob's metadata is missing or unusable. */
static void
BadMeta(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("cannot import model: the blob carries no usable metadata"),
			 errdetail("%s", detail),
			 errhint("Pass a value returned by mimgan_export().")));
}


PG_FUNCTION_INFO_V1(mimgan_import);

/*
 * mimgan_import(name text, blob bytea) -> text: validate the blob and
 * store it as a new version of name owned by the current role; returns
 * 'name@N'.
 */
Datum
mimgan_import(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	bytea	   *blob = PG_GETARG_BYTEA_P(1);
	mg_model   *model;
	mg_status	st;
	Jsonb	   *meta;
	char	   *source;
	char	   *order_by;
	char	   *series_by;
	char	  **cols;
	int			ncols = 0;
	bool		ok = true;
	JsonbValue	v;
	StringInfoData tr;
	int32		version;
	const mg_train_stats *s;

	MgCheckModelName(name);
	st = mg_model_deserialize((const uint8_t *) VARDATA(blob), VARSIZE(blob) - VARHDRSZ,
							  &MgPgAlloc, &model);
	if (st != MG_OK)
		MgThrowUserBlob(st, psprintf("cannot import model \"%s\"", name));
	if (model->meta == NULL || model->meta_len == 0)
		BadMeta("The blob has no metadata block.");

	/* the metadata: source, cols, order_by, series_by, seq_len */
	{
		JsonLexContext *lex;

		/* check the syntax first: jsonb_in would throw */
		lex = makeJsonLexContextCstringLen(model->meta, (int) model->meta_len,
										   GetDatabaseEncoding(), true);
		if (strlen(model->meta) != model->meta_len ||
			pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
			BadMeta("The metadata is not valid JSON.");
	}
	meta = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(model->meta)));
	if (!JB_ROOT_IS_OBJECT(meta) || JB_ROOT_IS_SCALAR(meta))
		BadMeta("The metadata is not a JSON object.");
	source = JsonbGetString(meta, "source", &ok);
	order_by = JsonbGetString(meta, "order_by", &ok);
	series_by = JsonbGetString(meta, "series_by", &ok);
	if (!ok || source == NULL || order_by == NULL)
		BadMeta("The keys \"source\" and \"order_by\" must be strings.");
	cols = palloc(sizeof(char *) * Max(model->m, 1));
	if (getKeyJsonValueFromContainer(&meta->root, "cols", 4, &v) == NULL ||
		v.type != jbvBinary)
		BadMeta("The key \"cols\" must be an array of strings.");
	{
		JsonbIterator *it = JsonbIteratorInit(v.val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (e.type != jbvString || ncols >= model->m)
				BadMeta("The key \"cols\" must list one string per model column.");
			cols[ncols++] = pnstrdup(e.val.string.val, e.val.string.len);
		}
	}
	if (ncols != model->m)
		BadMeta("The key \"cols\" must list one string per model column.");
	if (getKeyJsonValueFromContainer(&meta->root, "seq_len", 7, &v) == NULL ||
		v.type != jbvNumeric ||
		DatumGetInt32(DirectFunctionCall1(numeric_int4, NumericGetDatum(v.val.numeric))) !=
		model->cfg.seq_len)
		BadMeta("The key \"seq_len\" must match the model's window length.");

	s = &model->stats;
	initStringInfo(&tr);
	appendStringInfo(&tr, "{\"imported\": true, \"epochs\": %d, \"rows\": " INT64_FORMAT
					 ", \"windows\": " INT64_FORMAT ", \"series\": %d, \"loss_d\": ",
					 s->epochs_run, (int64) s->n_rows, (int64) s->n_windows, s->n_series);
	MgAppendJsonNumber(&tr, s->loss_d);
	appendStringInfoString(&tr, ", \"loss_g\": ");
	MgAppendJsonNumber(&tr, s->loss_g);
	appendStringInfoString(&tr, ", \"d_real\": ");
	MgAppendJsonNumber(&tr, s->d_real);
	appendStringInfoString(&tr, ", \"d_fake\": ");
	MgAppendJsonNumber(&tr, s->d_fake);
	appendStringInfoChar(&tr, '}');

	version = MgSaveModel(name, source, ncols, cols, order_by, series_by,
						  MgConfigToJsonb(&model->cfg),
						  DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(tr.data))),
						  model, blob);
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("%s@%d", name, version)));
}
