-- mimgan_explain and mimgan_plot: a range of the order column, scored as
-- mimgan_score scores it, with per-column residuals; an SVG of it
\set VERBOSITY terse
SET extra_float_digits = 0;

-- metrics1 with a planted anomaly at t 120 .. 125 and a missing value at 60
CREATE TABLE expl AS SELECT * FROM metrics1;
UPDATE expl SET x = 4 + x, y = -3 WHERE t BETWEEN 120 AND 125;
UPDATE expl SET y = NULL WHERE t = 60;

SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, 't', NULL, 'ex1',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":7,"threshold_windows":32}');
-- (exs: the residuals scaled, their mean is rec_score; see contrib below)
SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'exs',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":3,"threshold_windows":16,
    "resid_norm":"train","resid_agg":"mean"}');
-- the paper's latent search from noise, with warm start
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 8, 't', NULL, 'exn',
  '{"epochs":1,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":5,"threshold_windows":16,
    "encoder":false,"invert_iters":15,"warm_start":true}');

-- explain gives mimgan_score's figures on the range (to float32 rounding:
-- sgemm rounds a row differently in a smaller batch), one row per source
-- row of the range
CREATE FUNCTION expl_compare(model text, lo int, hi int, opts jsonb DEFAULT '{}')
RETURNS TABLE(n bigint, in_range bigint, max_diff_ok boolean, flags_differ bigint,
              top_differ bigint, nulls_differ bigint)
LANGUAGE sql AS $$
  SELECT count(*), (SELECT count(*) FROM expl WHERE t BETWEEN lo AND hi),
         coalesce(max(greatest(abs(e.score - s.score), abs(e.dis_score - s.dis_score),
                               abs(e.rec_score - s.rec_score))) < 1e-6, true),
         count(*) FILTER (WHERE e.is_anomaly IS DISTINCT FROM s.is_anomaly),
         count(*) FILTER (WHERE e.top_cols IS DISTINCT FROM s.top_cols),
         count(*) FILTER (WHERE (e.score IS NULL) <> (s.score IS NULL))
  FROM mimgan_explain(model, NULL::expl, lo, hi, opts) e
  JOIN mimgan_score(model, NULL::expl, opts - 'series') s ON (e.r).t = (s.r).t
$$;
SELECT * FROM expl_compare('ex1', 50, 70);
SELECT * FROM expl_compare('ex1', 1, 200);
SELECT * FROM expl_compare('ex1', 1, 3);
SELECT * FROM expl_compare('ex1', 195, 200);
SELECT * FROM expl_compare('ex1', 100, 140, '{"step": 4, "top_k": 2}');
SELECT * FROM expl_compare('ex1', 100, 140, '{"lambda": 0.5, "threshold": 0.1}');
-- the search from noise: the same latents (seeded by the window's index)
-- and warm-start chains (small batches make several rounds per chunk)
SELECT * FROM expl_compare('exn', 90, 110, '{"batch": 8}');
SELECT * FROM expl_compare('exn', 90, 110, '{"batch": 8, "step": 3}');
SELECT * FROM expl_compare('exn', 150, 160, '{"batch": 8, "warm_start": false}');
SELECT * FROM expl_compare('ex1', 100, 140, '{"encoder": false, "invert_iters": 10, "batch": 4}');

-- a series model: every series' rows of the range, in (series, order) order
SELECT (e.r).host, count(*) AS n, min((e.r).ts), max((e.r).ts),
       bool_and(abs(e.score - s.score) < 1e-6) AS same_score,
       bool_and(e.top_cols = s.top_cols) AS same_top
FROM mimgan_explain('exs', NULL::metrics, 95, 105) e
JOIN mimgan_score('exs', NULL::metrics) s
  ON (e.r).host = (s.r).host AND (e.r).ts = (s.r).ts
GROUP BY 1 ORDER BY 1;
SELECT bool_and(rn = expected) AS in_order
FROM (SELECT row_number() OVER () AS rn,
             row_number() OVER (ORDER BY (r).host, (r).ts) AS expected
      FROM mimgan_explain('exs', NULL::metrics, 95, 105)) o;
-- one series
SELECT DISTINCT (r).host FROM mimgan_explain('exs', NULL::metrics, 95, 105, '{"series": "b"}');
SELECT count(*) FROM mimgan_explain('exs', NULL::metrics, 95, 105, '{"series": "zz"}');
SELECT count(*) FROM mimgan_explain('exs', NULL::metrics, 95, 105, '{"series": null}');
SELECT count(*) FROM mimgan_explain('exs', NULL::metrics, 95, 105, '{"series": 1}');

-- contrib: every model column with its residual, share and rank; the
-- shares sum to 1, rank 1 is top_cols[1], and (attribution 'residual',
-- mean aggregation, no PCA) rec_score is the mean of the residuals
-- (sql/185_attribution covers the default attribution 'deviation')
SELECT DISTINCT (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(contrib) k) AS keys
FROM mimgan_explain('exs', NULL::metrics, 95, 105);
SELECT bool_and(abs((SELECT sum((v->>'share')::float8) FROM jsonb_each(contrib) AS c(k, v)) - 1) < 1e-6) AS shares_sum_1,
       bool_and((SELECT k FROM jsonb_each(contrib) AS c(k, v) WHERE (v->>'rank')::int = 1) = top_cols[1]) AS rank1_is_top,
       bool_and(abs((SELECT avg((v->>'residual')::float8) FROM jsonb_each(contrib) AS c(k, v)) - rec_score) < 1e-5) AS mean_is_rec
FROM mimgan_explain('exs', NULL::metrics, 95, 105, '{"attribution": "residual"}');
-- the planted anomaly: flagged, and x (the larger residual) is the top column
SELECT (r).t, is_anomaly, top_cols[1] AS top, (contrib->'x'->>'share')::float8 > 0.5 AS x_dominates
FROM mimgan_explain('ex1', NULL::expl, 121, 123, '{"attribution": "residual"}');
-- the long format: one row per (step, column)
SELECT (e.r).t, c.key AS col, (c.value->>'rank')::int AS rank
FROM mimgan_explain('ex1', NULL::expl, 122, 122, '{"attribution": "residual"}') e, jsonb_each(e.contrib) c
ORDER BY 1, 3;

-- a missing value in the range: its row comes back with NULL scores
SELECT (r).t, score IS NULL AS no_score, contrib IS NULL AS no_contrib, top_cols
FROM mimgan_explain('ex1', NULL::expl, 59, 61);

-- bounds: NULL is open; outside the data gives no rows; a text literal is
-- cast to the order column's type
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, NULL, NULL);
SELECT count(*), min((r).t), max((r).t) FROM mimgan_explain('ex1', NULL::expl, NULL, 5);
SELECT count(*), min((r).t), max((r).t) FROM mimgan_explain('ex1', NULL::expl, 196, NULL);
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, 500, 600);
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, -10, 0);
SELECT count(*), min((r).t) FROM mimgan_explain('ex1', NULL::expl, '10'::text, '12');
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, 10.4, 12.6);
-- a table shorter than seq_len: rows, but no scores
CREATE TABLE expl_short AS SELECT * FROM metrics1 WHERE t <= 5;
SELECT count(*), count(score) FROM mimgan_explain('ex1', NULL::expl_short, 1, 5);

-- only the windows covering the range are read and scored: with a budget
-- too small for the whole table, mimgan_score fails and explain does not
CREATE TABLE expl_big AS
SELECT i AS t, sin(i / 6.0) AS x, cos(i / 9.0) + 0.1 * sin(i / 2.0) AS y
FROM generate_series(1, 40000) AS i;
SET mimgan.max_train_memory = '1MB';
SELECT count(*) FROM mimgan_score('ex1', NULL::expl_big);
SELECT count(*), count(score) FROM mimgan_explain('ex1', NULL::expl_big, 20000, 20010);
RESET mimgan.max_train_memory;

-- errors
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, 20, 10);
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, now(), now());
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, 1, now());
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, 'abc'::text, 'def');
SELECT count(*) FROM mimgan_explain('no_such_model', NULL::expl, 1, 10);
SELECT count(*) FROM mimgan_explain(NULL, NULL::expl, 1, 10);
SELECT count(*) FROM mimgan_explain('ex1', NULL::int, 1, 10);
SELECT count(*) FROM mimgan_explain('ex1', NULL::metrics, 1, 10);
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, 1, 10, '{"step": 11}');
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, 1, 10, '{"top_k": -1}');
SELECT count(*) FROM mimgan_explain('ex1', NULL::expl, 1, 10, '{"bogus": 1}');

-- mimgan_plot: a well-formed SVG document; one <path> per variable and
-- one for the score; <rect>: background, one per flagged span, one frame
-- per panel, the legend swatch
CREATE FUNCTION svg_count(svg text, pat text) RETURNS int
LANGUAGE sql AS $$ SELECT (length(svg) - length(replace(svg, pat, ''))) / length(pat) $$;
CREATE TEMP TABLE plots AS
SELECT 'anomaly' AS what, mimgan_plot('ex1', NULL::expl, 100, 150) AS svg
UNION ALL SELECT 'clean', mimgan_plot('ex1', NULL::expl, 20, 50)
UNION ALL SELECT 'one col', mimgan_plot('ex1', NULL::expl, 100, 150, ARRAY['y'])
UNION ALL SELECT 'empty', mimgan_plot('ex1', NULL::expl, 500, 600)
UNION ALL SELECT 'series', mimgan_plot('exs', NULL::metrics, 50, 120, options => '{"series": "a"}');
-- flagged spans: the runs of is_anomaly that explain gives
CREATE FUNCTION expl_runs(lo int, hi int) RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FILTER (WHERE a AND NOT coalesce(p, false))
  FROM (SELECT coalesce(is_anomaly, false) AS a,
               lag(coalesce(is_anomaly, false)) OVER (ORDER BY (r).t) AS p
        FROM mimgan_explain('ex1', NULL::expl, lo, hi)) x
$$;
SELECT what, xml_is_well_formed_document(svg) AS well_formed,
       svg LIKE '<svg xmlns="http://www.w3.org/2000/svg"%' AS svg_root,
       svg LIKE '%viewBox="0 0 %' AS has_viewbox,
       svg LIKE '%<title>%</title>%' AS has_title,
       svg_count(svg, '<path') AS paths,
       svg_count(svg, '<rect') - svg_count(svg, 'class="flagged"') AS rects_besides_spans,
       svg ~* '(nan|inf)[^o]' AS bad_number
FROM plots ORDER BY what;
SELECT svg_count(svg, 'class="flagged"') = expl_runs(100, 150) AS spans_match,
       expl_runs(118, 127) >= 1 AS anomaly_flagged
FROM plots WHERE what = 'anomaly';
SELECT svg_count(svg, 'class="flagged"') = expl_runs(20, 50) AS spans_match
FROM plots WHERE what = 'clean';
-- the flagged span is labelled with its top column
SELECT svg LIKE '%text-anchor="middle">x, y</text>%' AS span_label
FROM plots WHERE what = 'anomaly';
SELECT svg LIKE '%no rows in the range%' AS says_empty FROM plots WHERE what = 'empty';
-- the title names the model, the relation and the series
SELECT substring(svg FROM '<title>([^<]*)</title>') AS title FROM plots ORDER BY what;

-- column names are escaped
CREATE TABLE "expl<&>" (t int, "a<b&""c'd" float8, y float8);
INSERT INTO "expl<&>" SELECT t, x, y FROM metrics1;
SELECT mimgan_train('"expl<&>"', ARRAY['a<b&"c''d', 'y'], 10, 't', NULL, 'ex<&>',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"seed":1,"threshold_windows":16}');
SELECT xml_is_well_formed_document(svg) AS well_formed,
       svg LIKE '%a&lt;b&amp;&quot;c&apos;d%' AS col_escaped,
       svg LIKE '%<title>ex&lt;&amp;&gt; on expl&lt;&amp;&gt;</title>%' AS title_escaped
FROM (SELECT mimgan_plot('ex<&>', NULL::"expl<&>", 1, 50, options => '{"threshold": 0}') AS svg) p;

-- plot errors: cols must be distinct model columns; one series at a time
SELECT mimgan_plot('ex1', NULL::expl, 1, 10, ARRAY['x', 'nope']);
SELECT mimgan_plot('ex1', NULL::expl, 1, 10, ARRAY['x', 'x']);
SELECT mimgan_plot('ex1', NULL::expl, 1, 10, ARRAY['t']);
SELECT mimgan_plot('ex1', NULL::expl, 1, 10, ARRAY['x', NULL]);
SELECT mimgan_plot('ex1', NULL::expl, 1, 10, ARRAY[]::text[]);
SELECT mimgan_plot('exs', NULL::metrics, 1, 50);
SELECT length(mimgan_plot('exs', NULL::metrics, 1, 50, options => '{"series": "b"}')) > 0 AS ok;
SELECT mimgan_plot('ex1', NULL::expl, 10, 1);
SELECT mimgan_plot('no_such_model', NULL::expl, 1, 10);

SELECT mimgan_drop('ex1'), mimgan_drop('exs'), mimgan_drop('exn'), mimgan_drop('ex<&>');
DROP TABLE expl, expl_short, expl_big, "expl<&>";
DROP FUNCTION expl_compare(text, int, int, jsonb);
DROP FUNCTION svg_count(text, text);
DROP FUNCTION expl_runs(int, int);
