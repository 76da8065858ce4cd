/*-------------------------------------------------------------------------
 *
 * test_svg.c
 *	  Unit tests of the SVG plot builder (src/core/svg.c): escaping,
 *	  element counts, numbers (never NaN or Inf), empty input, bad input.
 *
 * test/unit/test_svg.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mimgan_core.h"
#include "unit.h"

/* Occurrences of pat in s. */
static int
count_of(const char *s, const char *pat)
{
	int			n = 0;
	size_t		len = strlen(pat);

	while ((s = strstr(s, pat)) != NULL)
	{
		n++;
		s += len;
	}
	return n;
}

/* 1 if every '<' opens a tag or entity-free text, and tags balance. */
static int
tags_balanced(const char *s)
{
	int			depth = 0;

	for (; *s; s++)
	{
		if (*s != '<')
			continue;
		if (s[1] == '/')
			depth--;
		else
		{
			const char *end = strchr(s, '>');

			if (end == NULL)
				return 0;
			if (end[-1] != '/')
				depth++;
		}
		if (depth < 0)
			return 0;
	}
	return depth == 0;
}

/* 1 if a nan or inf (any case) appears as a number in s. */
static int
has_bad_number(const char *s)
{
	const char *p;

	for (p = s; *p; p++)
	{
		char		c0 = (char) (p[0] | 0x20),
					c1,
					c2;

		if (!p[1] || !p[2])
			break;
		c1 = (char) (p[1] | 0x20);
		c2 = (char) (p[2] | 0x20);
		if ((c0 == 'n' && c1 == 'a' && c2 == 'n') ||
			(c0 == 'i' && c1 == 'n' && c2 == 'f'))
			return 1;
	}
	return 0;
}

/* A normal plot: three variables, a score, two spans, hostile names. */
static void
svg_normal(void)
{
	enum
	{
		N = 50, V = 3
	};
	double		vals[V * N];
	double		score[N];
	const char *names[V] = {"cpu", "a<b&\"c'd", "ctl\001x"};
	int64_t		first[2] = {10, 30};
	int64_t		last[2] = {12, 30};
	const char *labels[2] = {"cpu, a<b", NULL};
	mg_svg_input in;
	char	   *svg = NULL;
	size_t		len = 0;
	int			i;

	for (i = 0; i < N; i++)
	{
		vals[i] = sin(i / 5.0);
		vals[N + i] = (i == 7) ? NAN : i;	/* a gap */
		vals[2 * N + i] = 3.0;	/* constant */
		score[i] = (i < 2) ? NAN : 0.1 + 0.01 * i;
	}
	memset(&in, 0, sizeof(in));
	in.title = "m on <t> & \"u\"";
	in.subtitle = "sub";
	in.n = N;
	in.x_first = "2024-01-01";
	in.x_last = "2024-02-19";
	in.nvars = V;
	in.var_names = names;
	in.values = vals;
	in.score = score;
	in.threshold = 0.5;
	in.nspans = 2;
	in.span_first = first;
	in.span_last = last;
	in.span_label = labels;

	CHECK(mg_svg_render(&mg_alloc_std, &in, &svg, &len) == MG_OK && svg, "render");
	if (svg == NULL)
		return;
	CHECK(strlen(svg) == len, "length %zu vs %zu", strlen(svg), len);
	CHECK(strncmp(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"", 39) == 0, "root");
	CHECK(strstr(svg, "viewBox=\"0 0 960 ") != NULL, "viewBox");
	CHECK(strstr(svg, "<title>m on &lt;t&gt; &amp; &quot;u&quot;</title>") != NULL, "title escaped");
	CHECK(strstr(svg, "a&lt;b&amp;&quot;c&apos;d") != NULL, "name escaped");
	CHECK(strstr(svg, "a<b") == NULL && strstr(svg, "\001") == NULL, "raw text leaked");
	CHECK(strstr(svg, "ctl?x") != NULL, "control character replaced");
	CHECK(strstr(svg, ">cpu, a&lt;b</text>") != NULL, "span label escaped");
	/* background, 2 spans, 3 panels, score panel, legend swatch */
	CHECK(count_of(svg, "<rect") == 1 + 2 + 3 + 1 + 1, "rects %d", count_of(svg, "<rect"));
	CHECK(count_of(svg, "class=\"flagged\"") == 2, "spans");
	/* 3 variables and the score */
	CHECK(count_of(svg, "<path") == 4, "paths %d", count_of(svg, "<path"));
	/* threshold and two legend samples */
	CHECK(count_of(svg, "<line") == 3, "lines %d", count_of(svg, "<line"));
	CHECK(count_of(svg, "stroke-dasharray") == 2, "dashed");
	/* the gap at step 7 restarts the line: two M in that path */
	CHECK(count_of(svg, " M") == 3 + 1 + 1, "moves %d", count_of(svg, " M"));
	CHECK(!has_bad_number(svg), "NaN or Inf written");
	CHECK(tags_balanced(svg), "tags do not balance");
	CHECK(strstr(svg, "</svg>\n") != NULL, "end");
	mg_free(&mg_alloc_std, svg);

	/* no threshold, no labels, all-NaN variable: no line for it */
	for (i = 0; i < N; i++)
		vals[i] = NAN;
	in.threshold = NAN;
	in.span_label = NULL;
	CHECK(mg_svg_render(&mg_alloc_std, &in, &svg, &len) == MG_OK, "render 2");
	CHECK(count_of(svg, "<path") == 3, "paths without data %d", count_of(svg, "<path"));
	CHECK(count_of(svg, "<line") == 2, "no threshold line");
	CHECK(strstr(svg, "no values") != NULL, "empty variable noted");
	CHECK(!has_bad_number(svg), "NaN written 2");
	CHECK(tags_balanced(svg), "balance 2");
	mg_free(&mg_alloc_std, svg);

	/* huge and infinite values never reach the output */
	for (i = 0; i < N; i++)
	{
		vals[i] = (i % 2) ? INFINITY : -1e308;
		score[i] = (i % 3) ? -INFINITY : 1e300;
	}
	in.threshold = INFINITY;
	CHECK(mg_svg_render(&mg_alloc_std, &in, &svg, &len) == MG_OK, "render 3");
	CHECK(!has_bad_number(svg), "Inf written");
	CHECK(tags_balanced(svg), "balance 3");
	mg_free(&mg_alloc_std, svg);
}

/* Empty input and invalid arguments. */
static void
svg_edges(void)
{
	mg_svg_input in;
	char	   *svg = NULL;
	size_t		len;
	int64_t		first = 3,
				last = 9;

	memset(&in, 0, sizeof(in));
	CHECK(mg_svg_render(&mg_alloc_std, &in, &svg, &len) == MG_OK && svg, "empty");
	if (svg)
	{
		CHECK(strstr(svg, "<title>mimgan</title>") != NULL, "default title");
		CHECK(strstr(svg, "no rows in the range") != NULL, "empty note");
		CHECK(count_of(svg, "<rect") == 1 && count_of(svg, "<path") == 0, "empty counts");
		CHECK(tags_balanced(svg), "empty balance");
		mg_free(&mg_alloc_std, svg);
	}
	CHECK(mg_svg_render(&mg_alloc_std, NULL, &svg, &len) == MG_ERR_ARG, "NULL input");
	in.n = 5;
	in.nspans = 1;
	in.span_first = &first;
	in.span_last = &last;
	CHECK(mg_svg_render(&mg_alloc_std, &in, &svg, &len) == MG_ERR_ARG, "span past the end");
	in.nspans = 0;
	in.nvars = 2;
	CHECK(mg_svg_render(&mg_alloc_std, &in, &svg, &len) == MG_ERR_ARG, "variables without values");
	in.nvars = 0;
	in.width = 10;				/* raised to the minimum */
	CHECK(mg_svg_render(&mg_alloc_std, &in, &svg, &len) == MG_OK, "narrow");
	if (svg)
	{
		CHECK(strstr(svg, "viewBox=\"0 0 270 ") != NULL, "minimum width");
		mg_free(&mg_alloc_std, svg);
	}
}

/* Labels of many narrow spans are stacked, and left out when they cannot fit. */
static void
svg_labels(void)
{
	enum
	{
		N = 40, S = 10
	};
	double		score[N];
	int64_t		first[S],
				last[S];
	const char *labels[S];
	mg_svg_input in;
	char	   *svg = NULL;
	size_t		len;
	int			i,
				shown;

	for (i = 0; i < N; i++)
		score[i] = i % 4;
	for (i = 0; i < S; i++)
	{
		first[i] = last[i] = 2 * i;
		labels[i] = "a rather long label";
	}
	memset(&in, 0, sizeof(in));
	in.n = N;
	in.score = score;
	in.threshold = 1.5;
	in.nspans = S;
	in.span_first = first;
	in.span_last = last;
	in.span_label = labels;
	CHECK(mg_svg_render(&mg_alloc_std, &in, &svg, &len) == MG_OK && svg, "render labels");
	if (svg == NULL)
		return;
	shown = count_of(svg, ">a rather long label</text>");
	CHECK(shown >= 3 && shown < S, "labels shown %d of %d", shown, (int) S);
	CHECK(count_of(svg, "class=\"flagged\"") == S, "every span shaded");
	mg_free(&mg_alloc_std, svg);
}

/* The SVG plot builder. */
void
suite_svg(void)
{
	svg_normal();
	svg_edges();
	svg_labels();
}
