
-- ---------------------------------------------------------------------------
-- Explanations and plots: mimgan_explain, mimgan_plot
-- (src/pg/explain.c, plot.c, range.c, src/core/svg.c)
-- ---------------------------------------------------------------------------

-- "from" and "to" are anycompatible, a polymorphic family separate from
-- the anyelement of "rows": the bounds may be of any type castable to the
-- order column's type (timestamptz, date, an integer, or a text literal),
-- and are cast to it inside.  STABLE and PARALLEL RESTRICTED as
-- mimgan_score; not STRICT (NULL::some_table, and a NULL bound is open).
CREATE FUNCTION @extschema@.mimgan_explain(
    model   text,
    rows    anyelement,
    "from"  anycompatible,
    "to"    anycompatible,
    options jsonb DEFAULT '{}')
RETURNS TABLE(
    r          anyelement,
    score      float8,
    dis_score  float8,
    rec_score  float8,
    is_anomaly boolean,
    top_cols   text[],
    contrib    jsonb)
AS 'MODULE_PATHNAME', 'mimgan_explain'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 100;

COMMENT ON FUNCTION @extschema@.mimgan_explain(text, anyelement, anycompatible, anycompatible, jsonb) IS
'Explain the scores of the rows whose order value lies in [from, to] (a '
'NULL bound is open; the bounds are cast to the order column''s type): one '
'row per source row of the range, in (series, order) order, with the '
'score, dis_score, rec_score, is_anomaly and top_cols mimgan_score gives '
'it (to float32 rounding), and contrib, a jsonb object mapping each model '
'column to {"residual", "share", "rank"}: its reconstruction residual at '
'the step, its share of the summed residuals, and its rank (1 = largest). '
'Only the windows covering the range are scored. Options: those of '
'mimgan_score, plus "series" (one series key as text). STABLE and '
'PARALLEL RESTRICTED: it reads the model and the relation through SPI.';

CREATE FUNCTION @extschema@.mimgan_plot(
    model   text,
    rows    anyelement,
    "from"  anycompatible,
    "to"    anycompatible,
    cols    text[] DEFAULT NULL,
    options jsonb DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'mimgan_plot'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.mimgan_plot(text, anyelement, anycompatible, anycompatible, text[], jsonb) IS
'An SVG document of the rows of one series whose order value lies in '
'[from, to], scored as mimgan_explain scores them: the model columns cols '
'(NULL: all of them, or the 6 with the largest residuals) normalised in '
'stacked panels, the DIRE score with the threshold dashed, flagged spans '
'shaded and labelled with their top columns, and a legend. A model with '
'series_by needs the "series" option unless the range holds one series. '
'Options: those of mimgan_explain. STABLE and PARALLEL RESTRICTED.';
