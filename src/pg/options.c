/*-------------------------------------------------------------------------
 *
 * options.c
 *	  The "options" jsonb of mimgan_train and of the scoring functions:
 *	  parsing into mg_config / mg_score_opts, and the effective
 *	  configuration back as jsonb.
 *
 * Every key is looked up in a table giving its JSON type and, for
 * enumerations, its words.  Unknown keys are an error whose hint lists the
 * valid keys; a wrong JSON type is an error naming the key and the value;
 * ranges are checked by mg_config_validate (training) or here (scoring),
 * again naming the key and the value.  The "preset" key is applied first,
 * whatever its position, and the other keys then override it.
 *
 * A training run without "seed" gets one from pg_strong_random(), stored
 * in the effective options, so that every model can be reproduced.
 *
 * src/pg/options.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "mimgan_pg.h"

typedef enum MgOptKind
{
	MG_OPT_INT,					/* integral number */
	MG_OPT_UINT64,				/* seed */
	MG_OPT_FLOAT,				/* number */
	MG_OPT_BOOL,				/* true/false (or 0/1) */
	MG_OPT_ENUM,				/* one of words[] */
	MG_OPT_THRESHOLD,			/* 'auto' or a number */
	MG_OPT_BOOL_OR_SPEC			/* a boolean, or a model spec string */
} MgOptKind;

typedef struct MgOptDef
{
	const char *name;
	MgOptKind	kind;
	const char *words;			/* MG_OPT_ENUM: "a|b|c" in enum order */
	const char *range;			/* for the hint */
} MgOptDef;

/*
 * Training options, in documentation order.  The words of an enumeration
 * are listed in the order of its mg_* enum values.
 */
static const MgOptDef train_opts[] = {
	{"preset", MG_OPT_ENUM, "paper|paper_l30|paper_l60", "'paper', 'paper_l30' or 'paper_l60'"},
	{"epochs", MG_OPT_INT, NULL, "an integer from 1 to 100000"},
	{"batch_size", MG_OPT_INT, NULL, "an integer from 1 to 65536"},
	{"hidden_g", MG_OPT_INT, NULL, "an integer from 1 to 4096"},
	{"hidden_d", MG_OPT_INT, NULL, "an integer from 1 to 4096"},
	{"latent_dim", MG_OPT_INT, NULL, "an integer from 1 to 1024"},
	{"step", MG_OPT_INT, NULL, "an integer from 1 to 1000000"},
	{"lr_d", MG_OPT_FLOAT, NULL, "a number in (0, 10]"},
	{"lr_g", MG_OPT_FLOAT, NULL, "a number in (0, 10]"},
	{"weight_decay", MG_OPT_FLOAT, NULL, "a number in [0, 1] with lr * weight_decay < 1"},
	{"d_rounds", MG_OPT_INT, NULL, "an integer from 1 to 100"},
	{"g_rounds", MG_OPT_INT, NULL, "an integer from 1 to 100"},
	{"loss", MG_OPT_ENUM, "mim|mim_ns|bce", "'mim', 'mim_ns' or 'bce'"},
	{"seed", MG_OPT_UINT64, NULL, "an integer from 0 to 18446744073709551615"},
	{"lambda", MG_OPT_FLOAT, NULL, "a number in [0, 1]"},
	{"invert_iters", MG_OPT_INT, NULL, "an integer from 0 to 100000"},
	{"invert_lr", MG_OPT_FLOAT, NULL, "a number in (0, 10]"},
	{"threshold", MG_OPT_THRESHOLD, NULL, "'auto' (quantile), 'pot' (peaks over threshold) or a finite number"},
	{"normalize", MG_OPT_ENUM, "minmax|zscore|none", "'minmax', 'zscore' or 'none'"},
	{"max_train_windows", MG_OPT_INT, NULL, "an integer >= 0 (0: all windows)"},
	{"verbose", MG_OPT_BOOL, NULL, "true or false"},
	{"layers_g", MG_OPT_INT, NULL, "an integer from 1 to 8"},
	{"layers_d", MG_OPT_INT, NULL, "an integer from 1 to 8"},
	{"init", MG_OPT_ENUM, "ref|glorot", "'ref' or 'glorot'"},
	{"clip_norm", MG_OPT_FLOAT, NULL, "a finite number (<= 0: off)"},
	{"wd_mode", MG_OPT_ENUM, "none|adamw|tf", "'adamw', 'tf' or 'none'"},
	{"reference_batching", MG_OPT_BOOL, NULL, "true or false"},
	{"pca_components", MG_OPT_INT, NULL, "an integer from 0 to 1600, at most the number of columns"},
	{"score_step", MG_OPT_INT, NULL, "an integer from 1 to 1000000"},
	{"invert_tol", MG_OPT_FLOAT, NULL, "a number in [0, 1]"},
	{"invert_optim", MG_OPT_ENUM, "adam|rmsprop", "'rmsprop' or 'adam'"},
	{"warm_start", MG_OPT_BOOL_OR_SPEC, NULL, "true or false (warm start of the latent search), or a model spec 'name' or 'name@N' to start training from"},
	{"threshold_quantile", MG_OPT_FLOAT, NULL, "a number in (0, 1)"},
	{"pot_risk", MG_OPT_FLOAT, NULL, "a number in (0, 1 - threshold_quantile)"},
	{"threshold_windows", MG_OPT_INT, NULL, "an integer >= 0 (0: all windows)"},
	{"on_missing", MG_OPT_ENUM, "error|skip", "'error' or 'skip'"},
	{"encoder", MG_OPT_BOOL, NULL, "true or false"},
	{"rec_weight", MG_OPT_FLOAT, NULL, "a number from 0 to 1000000"},
	{"resid_norm", MG_OPT_ENUM, "none|train|zscore", "'none', 'train' or 'zscore'"},
	{"resid_agg", MG_OPT_ENUM, "mean|rms|max", "'mean', 'rms' or 'max'"},
	{"smooth", MG_OPT_INT, NULL, "an integer from 1 to 10000 (1: off)"},
	{"per_series", MG_OPT_BOOL, NULL, "true or false"},
	{"attribution", MG_OPT_ENUM, "residual|deviation", "'residual' or 'deviation'"},
	{NULL, 0, NULL, NULL}
};

/* Scoring options. */
static const MgOptDef score_opts[] = {
	{"threshold", MG_OPT_THRESHOLD, NULL, "'auto' (the model's), 'mad' (from the scores of each scored series), 'both' (the larger of the two; 'mad' and 'both': mimgan_score and mimgan_evaluate only) or a finite number"},
	{"mad_k", MG_OPT_FLOAT, NULL, "a number in (0, 100], with \"threshold\": \"mad\" or \"both\""},
	{"step", MG_OPT_INT, NULL, "an integer from 1 to 1000000"},
	{"invert_iters", MG_OPT_INT, NULL, "an integer from 0 to 100000"},
	{"invert_lr", MG_OPT_FLOAT, NULL, "a number in (0, 10]"},
	{"invert_tol", MG_OPT_FLOAT, NULL, "a number in [0, 1]"},
	{"invert_optim", MG_OPT_ENUM, "adam|rmsprop", "'rmsprop' or 'adam'"},
	{"warm_start", MG_OPT_BOOL, NULL, "true or false"},
	{"lambda", MG_OPT_FLOAT, NULL, "a number in [0, 1]"},
	{"batch", MG_OPT_INT, NULL, "an integer from 1 to 65536"},
	{"seed", MG_OPT_UINT64, NULL, "an integer from 0 to 18446744073709551615"},
	{"encoder", MG_OPT_BOOL, NULL, "true or false"},
	{"smooth", MG_OPT_INT, NULL, "an integer from 1 to 10000 (1: off)"},
	{"per_series", MG_OPT_BOOL, NULL, "true or false (false: the shared model only)"},
	{"attribution", MG_OPT_ENUM, "residual|deviation", "'residual' or 'deviation'"},
	{NULL, 0, NULL, NULL}
};

/* One parsed option value. */
typedef struct MgOptValue
{
	const MgOptDef *def;
	char	   *text;			/* the JSON value as text, for messages */
	int64		i;				/* MG_OPT_INT, MG_OPT_BOOL, MG_OPT_ENUM */
	uint64		u;				/* MG_OPT_UINT64 */
	double		d;				/* MG_OPT_FLOAT, MG_OPT_THRESHOLD */
	bool		is_auto;		/* MG_OPT_THRESHOLD: 'auto', 'pot', 'mad' or
								 * 'both' */
	bool		is_pot;			/* MG_OPT_THRESHOLD: 'pot' */
	bool		is_mad;			/* MG_OPT_THRESHOLD: 'mad' or 'both' */
	bool		is_both;		/* MG_OPT_THRESHOLD: 'both' */
	char	   *spec;			/* MG_OPT_BOOL_OR_SPEC given a string */
} MgOptValue;

/* "a, b, c" of the option names of defs. */
static char *
OptionNames(const MgOptDef *defs)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; defs[i].name != NULL; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", defs[i].name);
	return buf.data;
}

/* The JSON text of a scalar value. */
static char *
JsonbScalarText(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return pstrdup("null");
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		case jbvNumeric:
			return DatumGetCString(DirectFunctionCall1(numeric_out,
													   NumericGetDatum(v->val.numeric)));
		case jbvString:
			{
				StringInfoData buf;
				char	   *s = pnstrdup(v->val.string.val, v->val.string.len);

				initStringInfo(&buf);
				escape_json(&buf, s);
				return buf.data;
			}
		default:
			return pstrdup("(array or object)");
	}
}

/* ERROR: option key has the wrong JSON type or form. */
static void
BadOptionType(const MgOptDef *def, const char *text)
{
	const char *shown = MgShownText(text);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"%s\": %s%s", def->name, shown,
					shown == text ? "" : psprintf(" (%d bytes)", (int) strlen(text))),
			 errhint("The value of \"%s\" must be %s.", def->name, def->range)));
}

/*
 * The float8 value of a JSON number given as text; ERROR (the option's
 * message) when it is beyond float8's range, instead of the raw overflow
 * error of numeric_float8 quoting a thousand digits.
 */
static double
OptionDouble(const MgOptDef *def, const char *text)
{
	char	   *end;
	double		d;

	errno = 0;
	d = strtod(text, &end);
	if (end == text || *end != '\0' || !isfinite(d) ||
		(errno == ERANGE && fabs(d) > 1.0))
		BadOptionType(def, text);
	return d;
}

/* Parse one JSON value v according to def into out. */
static void
ParseOptionValue(const MgOptDef *def, JsonbValue *v, MgOptValue *out)
{
	out->def = def;
	out->text = JsonbScalarText(v);
	switch (def->kind)
	{
		case MG_OPT_INT:
			{
				double		d;

				if (v->type != jbvNumeric)
					BadOptionType(def, out->text);
				d = OptionDouble(def, out->text);
				if (!isfinite(d) || d != floor(d) || d < -1e15 || d > 1e15)
					BadOptionType(def, out->text);
				out->i = (int64) d;
				/* values beyond int range cannot be stored in int fields */
				if (strcmp(def->name, "max_train_windows") != 0 &&
					strcmp(def->name, "threshold_windows") != 0 &&
					(out->i < PG_INT32_MIN || out->i > PG_INT32_MAX))
					BadOptionType(def, out->text);
				break;
			}
		case MG_OPT_UINT64:
			{
				char	   *end;

				if (v->type != jbvNumeric || out->text[0] == '-')
					BadOptionType(def, out->text);
				errno = 0;
				out->u = strtoull(out->text, &end, 10);
				if (errno != 0 || end == out->text || *end != '\0')
					BadOptionType(def, out->text);
				break;
			}
		case MG_OPT_FLOAT:
			if (v->type != jbvNumeric)
				BadOptionType(def, out->text);
			out->d = OptionDouble(def, out->text);
			break;
		case MG_OPT_BOOL_OR_SPEC:
			if (v->type == jbvString)
			{
				out->spec = pnstrdup(v->val.string.val, v->val.string.len);
				break;
			}
			/* FALLTHROUGH */
		case MG_OPT_BOOL:
			if (v->type == jbvBool)
				out->i = v->val.boolean ? 1 : 0;
			else if (v->type == jbvNumeric &&
					 (strcmp(out->text, "0") == 0 || strcmp(out->text, "1") == 0))
				out->i = out->text[0] - '0';
			else
				BadOptionType(def, out->text);
			break;
		case MG_OPT_ENUM:
			{
				const char *w = def->words;
				int			idx = 0;
				char	   *s;

				if (v->type != jbvString)
					BadOptionType(def, out->text);
				s = pnstrdup(v->val.string.val, v->val.string.len);
				for (;;)
				{
					const char *bar = strchr(w, '|');
					size_t		len = bar ? (size_t) (bar - w) : strlen(w);

					if (strlen(s) == len && strncmp(s, w, len) == 0)
						break;
					if (bar == NULL)
						BadOptionType(def, out->text);
					w = bar + 1;
					idx++;
				}
				out->i = idx;
				break;
			}
		case MG_OPT_THRESHOLD:
			if (v->type == jbvString && v->val.string.len == 4 &&
				strncmp(v->val.string.val, "auto", 4) == 0)
				out->is_auto = true;
			else if (v->type == jbvString && v->val.string.len == 3 &&
					 strncmp(v->val.string.val, "pot", 3) == 0)
				out->is_auto = out->is_pot = true;
			else if (v->type == jbvString && v->val.string.len == 3 &&
					 strncmp(v->val.string.val, "mad", 3) == 0)
				out->is_auto = out->is_mad = true;
			else if (v->type == jbvString && v->val.string.len == 4 &&
					 strncmp(v->val.string.val, "both", 4) == 0)
				out->is_auto = out->is_mad = out->is_both = true;
			else if (v->type == jbvNumeric)
			{
				out->is_auto = false;
				out->d = OptionDouble(def, out->text);
			}
			else
				BadOptionType(def, out->text);
			break;
	}
}

/*
 * Parse the top-level keys of opts against defs; returns an array of
 * values (terminated by def == NULL).  ERROR for a non-object, an unknown
 * key or a bad value.
 */
static MgOptValue *
ParseOptions(Jsonb *opts, const MgOptDef *defs, const char *what)
{
	MgOptValue *vals;
	int			nvals = 0;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			ndefs;

	for (ndefs = 0; defs[ndefs].name != NULL; ndefs++)
		;
	vals = palloc0(sizeof(MgOptValue) * (ndefs + 1));
	if (opts == NULL)
		return vals;
	if (!JB_ROOT_IS_OBJECT(opts) || JB_ROOT_IS_SCALAR(opts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s options must be a JSON object", what),
				 errhint(strcmp(what, "scoring") == 0 ?
						 "Pass options such as '{\"threshold\": 0.5}'." :
						 "Pass options such as '{\"epochs\": 10}'.")));

	it = JsonbIteratorInit(&opts->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;
		int			i;

		if (tok != WJB_KEY)
			continue;
		key = pnstrdup(v.val.string.val, v.val.string.len);
		for (i = 0; defs[i].name != NULL; i++)
			if (strcmp(defs[i].name, key) == 0)
				break;
		if (defs[i].name == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown %s option \"%s\"", what, key),
					 errhint("Valid options are: %s%s.", OptionNames(defs), defs == score_opts ? ", top_k (mimgan_score only)" : "")));
		tok = JsonbIteratorNext(&it, &v, true);
		if (tok != WJB_VALUE)
			elog(ERROR, "unexpected jsonb token %d for option \"%s\"", (int) tok, key);
		if (nvals >= ndefs)
			elog(ERROR, "too many options");
		ParseOptionValue(&defs[i], &v, &vals[nvals++]);
	}
	return vals;
}

/* The value of option name in vals, or NULL. */
static MgOptValue *
FindValue(MgOptValue *vals, const char *name)
{
	int			i;

	for (i = 0; vals[i].def != NULL; i++)
		if (strcmp(vals[i].def->name, name) == 0)
			return &vals[i];
	return NULL;
}

/* A random seed (53 bits, so that it survives JSON readers using doubles). */
static uint64
RandomSeed(void)
{
	uint64		s = 0;

	if (!pg_strong_random(&s, sizeof(s)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random seed"),
				 errhint("Pass a \"seed\" in the options.")));
	return s & ((UINT64CONST(1) << 53) - 1);
}

/*
 * The model spec of a string "warm_start" training option (start training
 * from that model), or NULL when the option is absent or a boolean (the
 * warm start of the latent search).  Every option is checked.
 */
char *
MgTrainWarmStartSpec(Jsonb *opts)
{
	MgOptValue *vals = ParseOptions(opts, train_opts, "training");
	MgOptValue *v = FindValue(vals, "warm_start");

	return v ? v->spec : NULL;
}

/*
 * Training options: jsonb object -> cfg.  cfg is reset to the defaults
 * first, except cfg->seq_len, which the caller sets from the argument.
 */
void
MgParseTrainOptions(Jsonb *opts, mg_config *cfg, bool *verbose,
					bool *missing_skip)
{
	MgParseTrainOptionsFrom(opts, NULL, cfg, verbose, missing_skip);
}

/*
 * Same, starting from base (a warm start's source configuration) instead
 * of the defaults when base is not NULL; the seed is still drawn afresh
 * unless given.
 */
void
MgParseTrainOptionsFrom(Jsonb *opts, const mg_config *base, mg_config *cfg,
						bool *verbose, bool *missing_skip)
{
	MgOptValue *vals = ParseOptions(opts, train_opts, "training");
	MgOptValue *pv;
	int			seq_len = cfg->seq_len;
	bool		have_seed = false;
	const char *field;
	int			i;

	if (base != NULL)
		*cfg = *base;
	else
		mg_config_default(cfg);
	if (seq_len > 0)
		cfg->seq_len = seq_len;
	*verbose = false;
	*missing_skip = false;

	/*
	 * The preset first: the paper's settings (ALGORITHM.md 9), with Table 2
	 * rows * and ** for the shorter windows (ALGORITHM.md 5).
	 */
	pv = FindValue(vals, "preset");
	if (pv != NULL)
	{
		mg_config_paper(cfg);
		if (seq_len > 0)
			cfg->seq_len = seq_len;
	}
	if (pv != NULL && pv->i != 0)
	{
		cfg->batch_size = 256;
		cfg->lr_d = 1e-4f;
		cfg->lr_g = 1e-4f;
	}

	for (i = 0; vals[i].def != NULL; i++)
	{
		MgOptValue *o = &vals[i];
		const char *k = o->def->name;

#define SETI(key, field) else if (strcmp(k, key) == 0) cfg->field = (int) o->i
#define SETF(key, field) else if (strcmp(k, key) == 0) cfg->field = (float) o->d
		if (strcmp(k, "preset") == 0)
			continue;
		SETI("epochs", epochs);
		SETI("batch_size", batch_size);
		SETI("hidden_g", hidden_g);
		SETI("hidden_d", hidden_d);
		SETI("latent_dim", latent_dim);
		SETI("step", step);
		SETF("lr_d", lr_d);
		SETF("lr_g", lr_g);
		SETF("weight_decay", weight_decay);
		SETI("d_rounds", d_rounds);
		SETI("g_rounds", g_rounds);
		SETI("loss", loss);
		SETI("invert_iters", invert_iters);
		SETF("invert_lr", invert_lr);
		SETI("normalize", normalize);
		SETI("layers_g", layers_g);
		SETI("layers_d", layers_d);
		SETI("init", init);
		SETF("clip_norm", clip_norm);
		SETI("reference_batching", reference_batching);
		SETI("pca_components", pca_components);
		SETI("score_step", score_step);
		SETF("invert_tol", invert_tol);
		SETI("invert_optim", invert_optim);
		else if (strcmp(k, "warm_start") == 0)
		{
			/* a string names the model to start from (train.c) */
			if (o->spec == NULL)
				cfg->warm_start = (int) o->i;
		}
		SETI("wd_mode", wd_mode);
		SETI("encoder", encoder);
		SETF("rec_weight", rec_weight);
		SETI("resid_norm", resid_norm);
		SETI("resid_agg", resid_agg);
		SETI("smooth", smooth);
		SETI("attribution", attribution);
		else if (strcmp(k, "seed") == 0)
		{
			cfg->seed = o->u;
			have_seed = true;
		}
		else if (strcmp(k, "lambda") == 0)
			cfg->lambda = o->d;
		else if (strcmp(k, "threshold") == 0)
		{
			if (o->is_mad)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("training option \"threshold\" cannot be '%s'",
								o->is_both ? "both" : "mad"),
						 errhint("'mad' and 'both' take the threshold from the scores being scored: pass them when scoring, e.g. mimgan_score(..., options => '{\"threshold\": \"mad\"}'). At training, use 'auto', 'pot' or a number.")));
			cfg->threshold_auto = o->is_pot ? MG_THRESHOLD_POT :
				o->is_auto ? MG_THRESHOLD_QUANTILE : MG_THRESHOLD_FIXED;
			if (!o->is_auto)
				cfg->threshold = o->d;
		}
		else if (strcmp(k, "max_train_windows") == 0)
			cfg->max_train_windows = o->i;
		else if (strcmp(k, "threshold_windows") == 0)
			cfg->threshold_windows = o->i;
		else if (strcmp(k, "threshold_quantile") == 0)
			cfg->threshold_quantile = o->d;
		else if (strcmp(k, "pot_risk") == 0)
			cfg->pot_risk = o->d;
		else if (strcmp(k, "verbose") == 0)
			*verbose = (o->i != 0);
		else if (strcmp(k, "on_missing") == 0)
			*missing_skip = (o->i == 1);
		else if (strcmp(k, "per_series") == 0)
			 /* read by train.c */ ;
		else
			elog(ERROR, "option \"%s\" not handled", k);
#undef SETI
#undef SETF
	}

	if (!have_seed)
		cfg->seed = RandomSeed();

	if (mg_config_validate(cfg, &field) != MG_OK)
	{
		const MgOptDef *def = NULL;
		MgOptValue *given;

		if (field == NULL)
			field = "?";
		if (strcmp(field, "seq_len") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid seq_len: %d", cfg->seq_len),
					 errhint("seq_len must be an integer from 2 to 10000.")));
		for (i = 0; train_opts[i].name != NULL; i++)
			if (strcmp(train_opts[i].name, field) == 0)
				def = &train_opts[i];
		given = FindValue(vals, field);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": %s", field,
						given ? given->text : "(default)"),
				 def ? errhint("The value of \"%s\" must be %s.", field, def->range) : 0));
	}
}

/*
 * Scoring options of the functions that score a range or a window
 * (mimgan_explain, mimgan_plot): as MgParseScoreOptionsBatch, but the
 * batch rule 'mad' is refused, since its threshold would change with the
 * range asked for.
 */
void
MgParseScoreOptions(Jsonb *opts, const mg_model *model, mg_score_opts *o,
					double *threshold)
{
	double		mad_k;
	bool		mad_floor;

	MgParseScoreOptionsBatch(opts, model, o, threshold, &mad_k, &mad_floor);
	if (mad_k > 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("scoring option \"threshold\" '%s' is only available in mimgan_score and mimgan_evaluate",
						mad_floor ? "both" : "mad"),
				 errdetail("'mad' and 'both' take the threshold from the scores of all the rows scored, which here would depend on the range asked for."),
				 errhint("Pass the threshold as a number, e.g. the \"threshold\" that mimgan_evaluate(..., options => '{\"threshold\": \"mad\"}') reports.")));
}

/*
 * Scoring options: start from the model's values (and mimgan.score_batch),
 * then apply the keys of opts.  *mad_k is the k of the batch threshold
 * rule 'mad' (src/core/threshold.c) when "threshold" is 'mad' or 'both',
 * else 0; *mad_floor is true for 'both'.
 */
void
MgParseScoreOptionsBatch(Jsonb *opts, const mg_model *model,
						 mg_score_opts *o, double *threshold, double *mad_k,
						 bool *mad_floor)
{
	MgOptValue *vals = ParseOptions(opts, score_opts, "scoring");
	MgOptValue *kv = FindValue(vals, "mad_k");
	MgOptValue *tv = FindValue(vals, "threshold");
	int			i;

	mg_score_opts_from_model(model, o);
	o->batch = mimgan_score_batch;
	*threshold = model->threshold;
	*mad_k = (tv != NULL && tv->is_mad) ? MG_DEFAULT_MAD_K : 0.0;
	*mad_floor = tv != NULL && tv->is_both;
	if (kv != NULL && *mad_k == 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scoring option \"mad_k\" needs \"threshold\": \"mad\" or \"both\""),
				 errhint("Pass both keys, e.g. '{\"threshold\": \"mad\", \"mad_k\": 3}'.")));

	for (i = 0; vals[i].def != NULL; i++)
	{
		MgOptValue *v = &vals[i];
		const char *k = v->def->name;
		bool		ok = true;

		if (strcmp(k, "threshold") == 0)
		{
			if (v->is_pot)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("scoring option \"threshold\" cannot be 'pot'"),
						 errhint("The threshold rule is chosen at training: mimgan_train(..., options => '{\"threshold\": \"pot\"}'). When scoring, pass 'auto' (the model's threshold), 'mad' or a number.")));
			if (!v->is_auto)
				*threshold = v->d;
		}
		else if (strcmp(k, "mad_k") == 0)
		{
			ok = v->d > 0.0 && v->d <= MG_MAX_MAD_K;
			*mad_k = v->d;
		}
		else if (strcmp(k, "step") == 0)
		{
			ok = v->i >= 1 && v->i <= 1000000;
			o->step = (int) v->i;
		}
		else if (strcmp(k, "smooth") == 0)
		{
			ok = v->i >= 1 && v->i <= MG_MAX_SMOOTH;
			o->smooth = (int) v->i;
		}
		else if (strcmp(k, "invert_iters") == 0)
		{
			ok = v->i >= 0 && v->i <= 100000;
			o->invert_iters = (int) v->i;
		}
		else if (strcmp(k, "invert_lr") == 0)
		{
			ok = v->d > 0 && v->d <= 10;
			o->invert_lr = (float) v->d;
		}
		else if (strcmp(k, "invert_tol") == 0)
		{
			ok = v->d >= 0 && v->d <= 1;
			o->invert_tol = (float) v->d;
		}
		else if (strcmp(k, "invert_optim") == 0)
			o->invert_optim = (int) v->i;
		else if (strcmp(k, "warm_start") == 0)
			o->warm_start = (int) v->i;
		else if (strcmp(k, "lambda") == 0)
		{
			ok = v->d >= 0 && v->d <= 1;
			o->lambda = v->d;
		}
		else if (strcmp(k, "batch") == 0)
		{
			ok = v->i >= 1 && v->i <= 65536;
			o->batch = (int) v->i;
		}
		else if (strcmp(k, "seed") == 0)
			o->seed = v->u;
		else if (strcmp(k, "encoder") == 0)
		{
			if (v->i != 0 && model->e_params == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("this model has no encoder"),
						 errhint("Train with '{\"encoder\": true}' to score through an encoder.")));
			o->use_encoder = (int) v->i;
		}
		else if (strcmp(k, "attribution") == 0)
		{
			/* 'deviation' needs the deviation scales of a 0.2.0 model */
			if (v->i == MG_ATTR_DEVIATION && model->attr_scale == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("this model has no deviation scales"),
						 errhint("The model was trained by an earlier mimgan (model format 3 or older), which kept no deviation scales. Retrain it, or score with '{\"attribution\": \"residual\"}'.")));
			o->attribution = (int) v->i;
		}
		if (!ok)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"%s\": %s", k, v->text),
					 errhint("The value of \"%s\" must be %s.", k, v->def->range)));
	}

	/* without its encoder, a latent search must actually run */
	if (!o->use_encoder && model->e_params != NULL && o->invert_iters == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("scoring without the encoder needs \"invert_iters\" above 0"),
				 errdetail("The model's invert_iters is 0: it relies on its encoder for the latent."),
				 errhint("Add an \"invert_iters\" option, e.g. '{\"encoder\": false, \"invert_iters\": 100}'.")));
}

/* Append ", \"key\": " to buf (the first key without the comma). */
static void
AppendKey(StringInfo buf, const char *key)
{
	if (buf->len > 1)
		appendStringInfoString(buf, ", ");
	escape_json(buf, key);
	appendStringInfoString(buf, ": ");
}

/* Append a float4 field as a JSON number (shortest round-trip text). */
static void
AppendFloat(StringInfo buf, const char *key, float f)
{
	char		tmp[FLOAT_SHORTEST_DECIMAL_LEN];

	AppendKey(buf, key);
	float_to_shortest_decimal_buf(f, tmp);
	appendStringInfoString(buf, tmp);
}

/* Append a float8 field as a JSON number (shortest round-trip text). */
static void
AppendDouble(StringInfo buf, const char *key, double d)
{
	AppendKey(buf, key);
	MgAppendJsonNumber(buf, d);
}

/* The effective training configuration as a jsonb object (all keys). */
Jsonb *
MgConfigToJsonb(const mg_config *cfg)
{
	StringInfoData buf;
	static const char *const loss_w[] = {"mim", "mim_ns", "bce"};
	static const char *const norm_w[] = {"minmax", "zscore", "none"};
	static const char *const init_w[] = {"ref", "glorot"};
	static const char *const wd_w[] = {"none", "adamw", "tf"};
	static const char *const inv_w[] = {"adam", "rmsprop"};
	static const char *const rnorm_w[] = {"none", "train", "zscore"};
	static const char *const ragg_w[] = {"mean", "rms", "max"};
	static const char *const attr_w[] = {"residual", "deviation"};

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
#define INT(key, v) do { AppendKey(&buf, key); appendStringInfo(&buf, INT64_FORMAT, (int64) (v)); } while (0)
#define WORD(key, arr, v) do { AppendKey(&buf, key); \
		escape_json(&buf, ((v) >= 0 && (v) < (int) lengthof(arr)) ? arr[v] : "?"); } while (0)
#define BOOL(key, v) do { AppendKey(&buf, key); appendStringInfoString(&buf, (v) ? "true" : "false"); } while (0)
	INT("seq_len", cfg->seq_len);
	INT("epochs", cfg->epochs);
	INT("batch_size", cfg->batch_size);
	INT("hidden_g", cfg->hidden_g);
	INT("hidden_d", cfg->hidden_d);
	INT("latent_dim", cfg->latent_dim);
	INT("layers_g", cfg->layers_g);
	INT("layers_d", cfg->layers_d);
	WORD("init", init_w, cfg->init);
	INT("step", cfg->step);
	AppendFloat(&buf, "lr_d", cfg->lr_d);
	AppendFloat(&buf, "lr_g", cfg->lr_g);
	AppendFloat(&buf, "weight_decay", cfg->weight_decay);
	WORD("wd_mode", wd_w, cfg->wd_mode);
	AppendFloat(&buf, "clip_norm", cfg->clip_norm);
	INT("d_rounds", cfg->d_rounds);
	INT("g_rounds", cfg->g_rounds);
	WORD("loss", loss_w, cfg->loss);
	BOOL("reference_batching", cfg->reference_batching);
	AppendKey(&buf, "seed");
	appendStringInfo(&buf, UINT64_FORMAT, (uint64) cfg->seed);
	WORD("normalize", norm_w, cfg->normalize);
	INT("pca_components", cfg->pca_components);
	INT("max_train_windows", cfg->max_train_windows);
	AppendDouble(&buf, "lambda", cfg->lambda);
	INT("score_step", cfg->score_step);
	INT("invert_iters", cfg->invert_iters);
	AppendFloat(&buf, "invert_lr", cfg->invert_lr);
	AppendFloat(&buf, "invert_tol", cfg->invert_tol);
	WORD("invert_optim", inv_w, cfg->invert_optim);
	BOOL("warm_start", cfg->warm_start);
	if (cfg->threshold_auto != MG_THRESHOLD_FIXED)
	{
		AppendKey(&buf, "threshold");
		appendStringInfoString(&buf, cfg->threshold_auto == MG_THRESHOLD_POT ?
							   "\"pot\"" : "\"auto\"");
	}
	else
		AppendDouble(&buf, "threshold", cfg->threshold);
	AppendDouble(&buf, "threshold_quantile", cfg->threshold_quantile);
	AppendDouble(&buf, "pot_risk", cfg->pot_risk);
	INT("threshold_windows", cfg->threshold_windows);
	INT("smooth", cfg->smooth);
	BOOL("encoder", cfg->encoder);
	AppendFloat(&buf, "rec_weight", cfg->rec_weight);
	WORD("resid_norm", rnorm_w, cfg->resid_norm);
	WORD("resid_agg", ragg_w, cfg->resid_agg);
	WORD("attribution", attr_w, cfg->attribution);
#undef INT
#undef WORD
#undef BOOL
	appendStringInfoChar(&buf, '}');

	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
