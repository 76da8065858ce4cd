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

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "mimgan_pg.h"

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
