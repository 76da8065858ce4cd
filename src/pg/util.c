/*-------------------------------------------------------------------------
 *
 * util.c
 *	  Small helpers shared by the scoring glue files (score.c, evaluate.c,
 *	  window_agg.c, trigger.c).
 *
 * src/pg/util.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "mimgan_pg.h"

/*
 * Append d as a JSON number in its shortest exact text (whatever
 * extra_float_digits says), or null when it is not finite.
 */
void
MgAppendJsonNumber(StringInfo buf, double d)
{
	char		tmp[DOUBLE_SHORTEST_DECIMAL_LEN];

	if (!isfinite(d))
	{
		appendStringInfoString(buf, "null");
		return;
	}
	double_to_shortest_decimal_buf(d, tmp);
	appendStringInfoString(buf, tmp);
}

/*
 * A user-supplied string (name, spec, option value) as shown in an error
 * message: whole up to MG_MAX_SHOWN_LEN bytes, else its first characters
 * followed by "...", so a kilobyte of garbage does not fill the log.
 */
const char *
MgShownText(const char *s)
{
	int			len = (int) strlen(s);

	if (len <= MG_MAX_SHOWN_LEN)
		return s;
	return psprintf("%s...", pnstrdup(s, pg_mbcliplen(s, len, MG_MAX_SHOWN_LEN)));
}

/*
 * "a, b, c" from names, each quoted as an identifier when needed; palloc'd
 * in CurrentMemoryContext.  For hints and generated SQL.
 */
char *
MgJoinIdentifiers(char **names, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, quote_identifier(names[i]));
	}
	return buf.data;
}

/* The model spec argument argno as a C string; ERROR when it is NULL. */
char *
MgModelSpecArg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model name must not be NULL"),
				 errhint("Pass the model as 'name' or 'name@version'.")));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/*
 * The boolean option key of opts, dflt when absent; the option parser
 * (options.c) has checked that it is true, false, 0 or 1.
 */
bool
MgOptionBool(Jsonb *opts, const char *key, bool dflt)
{
	JsonbValue	v;

	if (opts == NULL || !JB_ROOT_IS_OBJECT(opts) || JB_ROOT_IS_SCALAR(opts) ||
		getKeyJsonValueFromContainer(&opts->root, key, strlen(key), &v) == NULL)
		return dflt;
	if (v.type == jbvBool)
		return v.val.boolean;
	if (v.type == jbvNumeric)	/* 0 or 1 */
		return !DatumGetBool(DirectFunctionCall2(numeric_eq,
												 NumericGetDatum(v.val.numeric),
												 DirectFunctionCall1(int4_numeric,
																	 Int32GetDatum(0))));
	return dflt;
}
