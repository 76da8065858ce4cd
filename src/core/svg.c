/*-------------------------------------------------------------------------
 *
 * svg.c
 *	  A standalone SVG plot of one stretch of a series: stacked panels of
 *	  the variables (each normalised to its own [min, max]), the DIRE score
 *	  panel with the threshold dashed, flagged spans shaded and labelled,
 *	  and a legend.  Used by mimgan_plot; plain C, no PostgreSQL.
 *
 * Element inventory (test/unit/test_svg.c counts on it):
 *	  <rect>  the background; one per flagged span; one frame per variable
 *	          panel; one frame for the score panel and one legend swatch
 *	          (when there is a score);
 *	  <path>  one line per variable with at least one finite value, and one
 *	          for the score when it has one;
 *	  <line>  the threshold (when finite) and two legend samples.
 * With n = 0 only the background, the title and a note are written.
 *
 * Span labels are stacked in up to three rows so they never overlap; a
 * label that fits in none is left out.
 *
 * Numbers are written with "%.2f" (coordinates) or "%.4g" (labels) and
 * only when finite; a NaN value breaks the line instead.  Text is escaped
 * for XML: & < > " ' as entities, control characters XML 1.0 forbids as
 * '?'.
 *
 * src/core/svg.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mimgan_core.h"

#define SVG_WIDTH 960
#define SVG_LEFT 150
#define SVG_RIGHT 20
#define SVG_HEAD 52
#define SVG_PANEL 60
#define SVG_SCORE 120
#define SVG_GAP 8
#define SVG_XLAB 18
#define SVG_LEGEND 30
#define SVG_LABEL_ROWS 3		/* rows of span labels in the score panel */
#define SVG_CHAR_W 6.2			/* rough width of a label character, px */

/* A growing output buffer; failed is set once an allocation fails. */
typedef struct svgbuf
{
	const mg_alloc *a;
	char	   *p;
	size_t		len;
	size_t		cap;
	int			failed;
} svgbuf;

/* Make room for need more bytes plus the NUL. */
static int
sb_reserve(svgbuf *b, size_t need)
{
	size_t		cap;
	char	   *np;

	if (b->failed)
		return 0;
	if (b->len + need + 1 <= b->cap)
		return 1;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + need + 1)
		cap *= 2;
	np = mg_malloc(b->a, cap, 1);
	if (np == NULL)
	{
		b->failed = 1;
		return 0;
	}
	if (b->p)
	{
		memcpy(np, b->p, b->len + 1);
		mg_free(b->a, b->p);
	}
	else
		np[0] = '\0';
	b->p = np;
	b->cap = cap;
	return 1;
}

/* Append raw text. */
static void
sb_puts(svgbuf *b, const char *s)
{
	size_t		n = strlen(s);

	if (!sb_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void sb_printf(svgbuf *b, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* Append formatted text (no user strings: those go through sb_escape). */
static void
sb_printf(svgbuf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(b, (size_t) n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* Append s escaped as XML character data or attribute value. */
static void
sb_escape(svgbuf *b, const char *s)
{
	for (; s && *s; s++)
	{
		unsigned char c = (unsigned char) *s;
		char		one[2] = {(char) c, '\0'};

		switch (c)
		{
			case '&':
				sb_puts(b, "&amp;");
				break;
			case '<':
				sb_puts(b, "&lt;");
				break;
			case '>':
				sb_puts(b, "&gt;");
				break;
			case '"':
				sb_puts(b, "&quot;");
				break;
			case '\'':
				sb_puts(b, "&apos;");
				break;
			default:
				if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
					one[0] = '?';
				sb_puts(b, one);
		}
	}
}

/* A coordinate: finite values with two decimals, anything else as 0. */
static void
sb_num(svgbuf *b, double v)
{
	sb_printf(b, "%.2f", isfinite(v) ? v : 0.0);
}

/* A <text> element with escaped content. */
static void
sb_text(svgbuf *b, double x, double y, const char *attrs, const char *s)
{
	sb_puts(b, "<text x=\"");
	sb_num(b, x);
	sb_puts(b, "\" y=\"");
	sb_num(b, y);
	sb_printf(b, "\"%s%s>", attrs ? " " : "", attrs ? attrs : "");
	sb_escape(b, s);
	sb_puts(b, "</text>\n");
}

/* A polyline path through the finite v[0..n), breaking at NaN; y maps
 * [lo, hi] onto [top + h, top].  Nothing is written without a finite v. */
static void
sb_line(svgbuf *b, const double *v, int64_t stride, int64_t n, double x0,
		double dx, double top, double h, double lo, double hi,
		const char *attrs)
{
	int64_t		i;
	int			pen = 0;
	int			any = 0;

	for (i = 0; i < n; i++)
		if (isfinite(v[i * stride]))
			any = 1;
	if (!any)
		return;
	sb_puts(b, "<path d=\"");
	for (i = 0; i < n; i++)
	{
		double		y = v[i * stride];

		if (!isfinite(y))
		{
			pen = 0;
			continue;
		}
		y = (hi > lo) ? (y - lo) / (hi - lo) : 0.5;
		sb_puts(b, pen ? " L" : " M");
		sb_num(b, x0 + (i + 0.5) * dx);
		sb_puts(b, " ");
		sb_num(b, top + (1.0 - y) * h);
		pen = 1;
	}
	sb_printf(b, "\" fill=\"none\" %s/>\n", attrs);
}

/* Range of the finite values of v (and extra when finite); 0 if none. */
static int
finite_range(const double *v, int64_t stride, int64_t n, double extra,
			 double *lo, double *hi)
{
	int64_t		i;
	int			any = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < n; i++)
	{
		double		x = v[i * stride];

		if (isfinite(x))
		{
			any = 1;
			*lo = x < *lo ? x : *lo;
			*hi = x > *hi ? x : *hi;
		}
	}
	if (isfinite(extra))
	{
		any = 1;
		*lo = extra < *lo ? extra : *lo;
		*hi = extra > *hi ? extra : *hi;
	}
	if (!any || !isfinite(*hi - *lo))
	{
		*lo = 0;
		*hi = 1;
		return 0;
	}
	return 1;
}

/*
 * Render the plot; see mimgan_core.h.
 */
mg_status
mg_svg_render(const mg_alloc *a, const mg_svg_input *in, char **out,
			  size_t *len)
{
	svgbuf		b;
	int			W;
	double		plotw;
	double		dx;
	double		H;
	double		y;
	double		panels_top;
	double		panels_bottom;
	double		slo = 0,
				shi = 1;
	int			v;
	int			s;
	char		num[64];

	if (a == NULL || in == NULL || out == NULL || in->n < 0 || in->nvars < 0 ||
		in->nspans < 0 || (in->nvars > 0 && in->n > 0 &&
						   (in->values == NULL || in->var_names == NULL)) ||
		(in->nspans > 0 && (in->span_first == NULL || in->span_last == NULL)))
		return MG_ERR_ARG;
	for (s = 0; s < in->nspans; s++)
		if (in->span_first[s] < 0 || in->span_last[s] < in->span_first[s] ||
			in->span_last[s] >= in->n)
			return MG_ERR_ARG;
	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.a = a;
	W = in->width > 0 ? in->width : SVG_WIDTH;
	if (W < SVG_LEFT + SVG_RIGHT + 100)
		W = SVG_LEFT + SVG_RIGHT + 100;
	plotw = W - SVG_LEFT - SVG_RIGHT;
	dx = in->n > 0 ? plotw / (double) in->n : plotw;
	H = SVG_HEAD + SVG_XLAB + SVG_LEGEND + SVG_GAP;
	if (in->n > 0)
		H += (double) in->nvars * (SVG_PANEL + SVG_GAP) +
			(in->score ? SVG_SCORE + SVG_GAP : 0);
	else
		H += 40;

	sb_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
			  "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
			  "font-family=\"sans-serif\" font-size=\"12\">\n",
			  W, (int) H, W, (int) H);
	sb_puts(&b, "<title>");
	sb_escape(&b, in->title ? in->title : "mimgan");
	sb_puts(&b, "</title>\n");
	sb_printf(&b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n",
			  W, (int) H);
	sb_text(&b, 10, 22, "font-size=\"16\" font-weight=\"bold\"",
			in->title ? in->title : "mimgan");
	if (in->subtitle)
		sb_text(&b, 10, 40, "fill=\"#555\"", in->subtitle);

	if (in->n == 0)
	{
		sb_text(&b, 10, SVG_HEAD + 20, "fill=\"#555\"", "no rows in the range");
		goto finish;
	}

	panels_top = SVG_HEAD;
	panels_bottom = SVG_HEAD + (double) in->nvars * (SVG_PANEL + SVG_GAP) +
		(in->score ? SVG_SCORE : -SVG_GAP);

	/* flagged spans, shaded across every panel */
	for (s = 0; s < in->nspans; s++)
	{
		double		x0 = SVG_LEFT + in->span_first[s] * dx;
		double		x1 = SVG_LEFT + (in->span_last[s] + 1) * dx;

		sb_puts(&b, "<rect class=\"flagged\" x=\"");
		sb_num(&b, x0);
		sb_puts(&b, "\" y=\"");
		sb_num(&b, panels_top);
		sb_puts(&b, "\" width=\"");
		sb_num(&b, x1 - x0);
		sb_puts(&b, "\" height=\"");
		sb_num(&b, panels_bottom - panels_top);
		sb_puts(&b, "\" fill=\"#d62728\" fill-opacity=\"0.15\"/>\n");
	}

	/* one panel per variable, normalised to its own range */
	y = panels_top;
	for (v = 0; v < in->nvars; v++)
	{
		const double *vals = in->values + (size_t) v * in->n;
		double		lo,
					hi;

		sb_printf(&b, "<rect x=\"%d\" y=\"", SVG_LEFT);
		sb_num(&b, y);
		sb_printf(&b, "\" width=\"%.2f\" height=\"%d\" fill=\"none\" stroke=\"#bbb\"/>\n",
				  plotw, SVG_PANEL);
		sb_text(&b, 8, y + 18, "font-weight=\"bold\"", in->var_names[v]);
		if (finite_range(vals, 1, in->n, NAN, &lo, &hi))
			snprintf(num, sizeof(num), "%.4g .. %.4g", lo, hi);
		else
			snprintf(num, sizeof(num), "no values");
		sb_text(&b, 8, y + 34, "font-size=\"10\" fill=\"#555\"", num);
		sb_line(&b, vals, 1, in->n, SVG_LEFT, dx, y + 3, SVG_PANEL - 6, lo, hi,
				"stroke=\"#1f77b4\" stroke-width=\"1.2\"");
		y += SVG_PANEL + SVG_GAP;
	}

	/* the score panel */
	if (in->score)
	{
		double		top = y + 4;
		double		h = SVG_SCORE - 8;

		finite_range(in->score, 1, in->n, in->threshold, &slo, &shi);
		if (shi - slo < 1e-12)
		{
			slo -= 0.5;
			shi += 0.5;
		}
		else
		{
			double		pad = 0.05 * (shi - slo);

			slo -= pad;
			shi += pad;
		}
		sb_printf(&b, "<rect x=\"%d\" y=\"", SVG_LEFT);
		sb_num(&b, y);
		sb_printf(&b, "\" width=\"%.2f\" height=\"%d\" fill=\"none\" stroke=\"#bbb\"/>\n",
				  plotw, SVG_SCORE);
		sb_text(&b, 8, y + 18, "font-weight=\"bold\"", "DIRE score");
		snprintf(num, sizeof(num), "%.4g .. %.4g", slo, shi);
		sb_text(&b, 8, y + 34, "font-size=\"10\" fill=\"#555\"", num);
		sb_line(&b, in->score, 1, in->n, SVG_LEFT, dx, top, h, slo, shi,
				"stroke=\"#222\" stroke-width=\"1.4\"");
		if (isfinite(in->threshold))
		{
			double		ty = top + (1.0 - (in->threshold - slo) / (shi - slo)) * h;

			sb_printf(&b, "<line x1=\"%d\" y1=\"", SVG_LEFT);
			sb_num(&b, ty);
			sb_printf(&b, "\" x2=\"%.2f\" y2=\"", SVG_LEFT + plotw);
			sb_num(&b, ty);
			sb_puts(&b, "\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>\n");
			snprintf(num, sizeof(num), "threshold %.4g", in->threshold);
			sb_text(&b, 8, y + 50, "font-size=\"10\" fill=\"#d62728\"", num);
		}
		/* span labels in up to SVG_LABEL_ROWS rows, never overlapping */
		{
			double		right[SVG_LABEL_ROWS];
			int			row;

			for (row = 0; row < SVG_LABEL_ROWS; row++)
				right[row] = -1e300;
			for (s = 0; s < in->nspans; s++)
			{
				double		cx,
							half;

				if (!in->span_label || !in->span_label[s])
					continue;
				cx = SVG_LEFT + (in->span_first[s] + in->span_last[s] + 1) * dx / 2;
				half = SVG_CHAR_W * (double) strlen(in->span_label[s]) / 2;
				for (row = 0; row < SVG_LABEL_ROWS; row++)
					if (cx - half > right[row] + 4)
						break;
				if (row == SVG_LABEL_ROWS)
					continue;	/* no room: left out */
				right[row] = cx + half;
				sb_text(&b, cx, y + 14 + 13 * row,
						"font-size=\"11\" fill=\"#a11\" text-anchor=\"middle\"",
						in->span_label[s]);
			}
		}
		y += SVG_SCORE + SVG_GAP;
	}
	else
		y -= SVG_GAP;

	/* the first and last step */
	if (in->x_first)
		sb_text(&b, SVG_LEFT, y + 12, "font-size=\"10\" fill=\"#555\"", in->x_first);
	if (in->x_last)
		sb_text(&b, SVG_LEFT + plotw, y + 12,
				"font-size=\"10\" fill=\"#555\" text-anchor=\"end\"", in->x_last);
	y += SVG_XLAB;

	/* legend */
	if (in->score)
	{
		double		ly = y + 12;

		sb_printf(&b, "<line x1=\"%d\" y1=\"", SVG_LEFT);
		sb_num(&b, ly - 4);
		sb_printf(&b, "\" x2=\"%d\" y2=\"", SVG_LEFT + 24);
		sb_num(&b, ly - 4);
		sb_puts(&b, "\" stroke=\"#222\" stroke-width=\"1.4\"/>\n");
		sb_text(&b, SVG_LEFT + 30, ly, NULL, "score");
		sb_printf(&b, "<line x1=\"%d\" y1=\"", SVG_LEFT + 90);
		sb_num(&b, ly - 4);
		sb_printf(&b, "\" x2=\"%d\" y2=\"", SVG_LEFT + 114);
		sb_num(&b, ly - 4);
		sb_puts(&b, "\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>\n");
		sb_text(&b, SVG_LEFT + 120, ly, NULL, "threshold");
		sb_printf(&b, "<rect x=\"%d\" y=\"", SVG_LEFT + 200);
		sb_num(&b, ly - 10);
		sb_puts(&b, "\" width=\"24\" height=\"12\" fill=\"#d62728\" fill-opacity=\"0.15\"/>\n");
		sb_text(&b, SVG_LEFT + 230, ly, NULL, "flagged span (top variables above)");
	}

finish:
	sb_puts(&b, "</svg>\n");
	if (b.failed)
	{
		mg_free(a, b.p);
		return MG_ERR_NOMEM;
	}
	*out = b.p;
	if (len)
		*len = b.len;
	return MG_OK;
}
