--
-- Per-series models: options => '{"per_series": true}' trains the shared
-- model and one model per series; every scoring path picks the series'
-- model by its key, and the shared one for series without a model.
--
SET extra_float_digits = 0;

-- series a and b (200 rows each), c (5 rows: shorter than seq_len) and
-- 40 rows whose series is NULL
CREATE TABLE ps_src AS SELECT * FROM metrics;
INSERT INTO ps_src SELECT ts, 'c', cpu, mem, io FROM metrics WHERE host = 'a' AND ts <= 5;
INSERT INTO ps_src SELECT ts, NULL, cpu + 1, mem, io FROM metrics WHERE host = 'b' AND ts <= 40;

SELECT mimgan_train('ps_src', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'ps',
  '{"per_series":true,"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":7,"threshold_windows":32}');

-- the version records it; one model per series long enough, with a key
SELECT version, options -> 'per_series' AS per_series,
       training -> 'series_models' AS series_models, series
FROM mimgan_models WHERE name = 'ps';
SELECT series, spec, windows, rows, size > 0 AS has_blob,
       (training ->> 'seed') IS NOT NULL AS has_seed
FROM mimgan_series_models WHERE name = 'ps' ORDER BY series;
-- a model without the option says so
SELECT options -> 'per_series' AS per_series FROM mimgan_models WHERE name = 'm_score' AND version = 1;

-- series a's model is exactly a model trained on series a alone with the
-- seed the per-series training derived for it
SELECT training ->> 'seed' AS seed_a FROM mimgan.model_series
WHERE name = 'ps' AND series = 'a' \gset
CREATE VIEW ps_only_a AS SELECT * FROM ps_src WHERE host = 'a';
SELECT mimgan_train('ps_only_a', ARRAY['cpu','mem','io'], 10, 'ts', NULL, 'ps_alone_a',
  format('{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":%s,"threshold_windows":32}',
         :'seed_a')::jsonb);
SELECT (SELECT threshold FROM mimgan.model_series WHERE name = 'ps' AND series = 'a') =
       (SELECT threshold FROM mimgan.model WHERE name = 'ps_alone_a') AS same_threshold,
       (SELECT threshold FROM mimgan.model_series WHERE name = 'ps' AND series = 'a') <>
       (SELECT threshold FROM mimgan.model_series WHERE name = 'ps' AND series = 'b') AS own_thresholds;

-- bulk scoring: series a scored by its model, row for row
CREATE TEMP TABLE ps_scores AS
SELECT (s.r).ts, (s.r).host, s.score, s.dis_score, s.rec_score, s.is_anomaly, s.top_cols
FROM mimgan_score('ps', NULL::ps_src) s;
CREATE TEMP TABLE ps_shared AS
SELECT (s.r).ts, (s.r).host, s.score, s.is_anomaly
FROM mimgan_score('ps', NULL::ps_src, '{"per_series": false}') s;
SELECT count(*) AS rows_a,
       count(*) FILTER (WHERE p.score = q.score AND p.dis_score = q.dis_score
                        AND p.rec_score = q.rec_score AND p.is_anomaly = q.is_anomaly
                        AND p.top_cols = q.top_cols) AS equal
FROM ps_scores p
JOIN (SELECT (s.r).ts, s.score, s.dis_score, s.rec_score, s.is_anomaly, s.top_cols
      FROM mimgan_score('ps_alone_a', NULL::ps_only_a) s) q ON p.ts = q.ts
WHERE p.host = 'a';
-- series b is not scored by the shared model, c and NULL are (c is too
-- short: NULL); the shared model scores all series in one batch, so
-- float32 rounding may differ slightly
SELECT p.host,
       count(*) AS rows,
       count(p.score) AS scored,
       count(*) FILTER (WHERE p.score IS NOT DISTINCT FROM q.score OR
                        abs(p.score - q.score) < 1e-6) AS as_shared
FROM ps_scores p JOIN ps_shared q ON p.ts = q.ts AND p.host IS NOT DISTINCT FROM q.host
GROUP BY p.host ORDER BY p.host;
-- with the model cache full, series models are used once and freed: the
-- same scores
SET mimgan.model_cache_size = 1;
SELECT count(*) FILTER (WHERE s.score IS NOT DISTINCT FROM p.score
                        AND s.is_anomaly IS NOT DISTINCT FROM p.is_anomaly) AS same,
       count(*) AS rows
FROM mimgan_score('ps', NULL::ps_src) s
JOIN ps_scores p ON p.ts = (s.r).ts AND p.host IS NOT DISTINCT FROM (s.r).host;
RESET mimgan.model_cache_size;
-- is_anomaly: score above the threshold of the row's series' model
SELECT p.host, count(*) FILTER (WHERE p.is_anomaly IS DISTINCT FROM
                               (p.score > coalesce(s.threshold, m.threshold))) AS wrong_flags
FROM ps_scores p
CROSS JOIN (SELECT threshold FROM mimgan.model WHERE name = 'ps') m
LEFT JOIN mimgan.model_series s ON s.name = 'ps' AND s.series = p.host
WHERE p.score IS NOT NULL
GROUP BY p.host ORDER BY p.host;
-- a given threshold applies to every series
SELECT count(*) FILTER (WHERE s.is_anomaly IS DISTINCT FROM (s.score > 1.5)) AS wrong_flags
FROM mimgan_score('ps', NULL::ps_src, '{"threshold": 1.5}') s;

-- the batch rule 'mad' takes each series' threshold from its own scores
-- (computed here in SQL as in 137_threshold_mad); the scores are unchanged
WITH s AS (SELECT coalesce((x.r).host, '(null)') AS series, (x.r).ts, x.score, x.is_anomaly
           FROM mimgan_score('ps', NULL::ps_src, '{"threshold": "mad"}') x WHERE x.score IS NOT NULL),
     l AS (SELECT series, ln(greatest(score, 1e-12)) AS l FROM s),
     m AS (SELECT series, percentile_cont(0.5) WITHIN GROUP (ORDER BY l) AS med FROM l GROUP BY series),
     t AS (SELECT m.series, exp(m.med + 2.75 * 1.4826 * percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(l.l - m.med))) AS thr
           FROM l JOIN m USING (series) GROUP BY m.series, m.med)
SELECT s.series, count(*) AS rows,
       count(*) FILTER (WHERE s.is_anomaly IS DISTINCT FROM (s.score > t.thr)
                        AND abs(s.score - t.thr) > 1e-9) AS wrong_flags,
       count(*) FILTER (WHERE s.score = p.score) AS same_scores
FROM s JOIN t USING (series)
JOIN ps_scores p ON p.ts = s.ts AND coalesce(p.host, '(null)') = s.series
GROUP BY 1 ORDER BY 1;

-- evaluate: the flags at each series' threshold
CREATE TEMP TABLE ps_lab AS SELECT *, (ts % 37 = 0) AS lab FROM ps_src;
WITH e AS (SELECT metric, value FROM mimgan_evaluate('ps', NULL::ps_lab, 'lab')),
     f AS (SELECT count(*) FILTER (WHERE p.is_anomaly AND l.lab) AS tp,
                  count(*) FILTER (WHERE p.is_anomaly) AS flagged,
                  count(*) FILTER (WHERE l.lab) AS pos
           FROM ps_scores p JOIN ps_lab l ON p.ts = l.ts AND p.host IS NOT DISTINCT FROM l.host
           WHERE p.score IS NOT NULL)
SELECT (SELECT value FROM e WHERE metric = 'threshold') AS threshold,
       abs((SELECT value FROM e WHERE metric = 'recall') - tp::float8 / pos) < 1e-12 AS recall_ok,
       abs((SELECT value FROM e WHERE metric = 'precision') -
           CASE WHEN flagged = 0 THEN 0 ELSE tp::float8 / flagged END) < 1e-12 AS precision_ok
FROM f;
SELECT value AS threshold FROM mimgan_evaluate('ps', NULL::ps_lab, 'lab', '{"threshold": 2}')
WHERE metric = 'threshold';

-- the window function with the series key: each series' model
SELECT count(*) AS windows,
       count(*) FILTER (WHERE w.s = v.s) AS equal_to_alone
FROM (SELECT ts, mimgan_window_score_series('ps', host, VARIADIC ARRAY[cpu, mem, io])
          OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM ps_src WHERE host = 'a') w
JOIN (SELECT ts, mimgan_window_score('ps_alone_a', VARIADIC ARRAY[cpu, mem, io])
          OVER (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM ps_only_a) v ON w.ts = v.ts
WHERE w.s IS NOT NULL;
-- NULL key and a key without a model: the shared model; the key is unused
-- for a model without per-series models
SELECT bool_and(w1.s = w2.s) AS null_key_shared
FROM (SELECT ts, mimgan_window_score_series('ps', NULL::text, VARIADIC ARRAY[cpu, mem, io])
          OVER (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM ps_src WHERE host IS NULL) w1
JOIN (SELECT ts, mimgan_window_score_series('ps', 'zz', VARIADIC ARRAY[cpu, mem, io])
          OVER (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM ps_src WHERE host IS NULL) w2 ON w1.ts = w2.ts
WHERE w1.s IS NOT NULL;
SELECT bool_and(w1.s = w2.s) AS key_unused
FROM (SELECT ts, host, mimgan_window_score_series('m_score', host, VARIADIC ARRAY[cpu, mem, io])
          OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM metrics) w1
JOIN (SELECT ts, host, mimgan_window_score('m_score', VARIADIC ARRAY[cpu, mem, io])
          OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM metrics) w2 ON w1.ts = w2.ts AND w1.host = w2.host
WHERE w1.s IS NOT NULL;
-- the plain form cannot pick a series' model; a frame across series
SELECT mimgan_window_score('ps', VARIADIC ARRAY[cpu, mem, io])
  OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM ps_src LIMIT 1;
SELECT mimgan_window_score_series('ps', host, VARIADIC ARRAY[cpu, mem, io])
  OVER (ORDER BY ts, host ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM ps_src WHERE host IN ('a', 'b') OFFSET 20 LIMIT 1;

-- bad input to mimgan_window_score_series
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  (1, 'NULL model', $$SELECT mimgan_window_score_series(NULL, host, cpu, mem, io) OVER (PARTITION BY host ORDER BY ts ROWS 9 PRECEDING) FROM ps_src$$, NULL),
  (2, 'unknown model', $$SELECT mimgan_window_score_series('ps_nope', host, cpu, mem, io) OVER (PARTITION BY host ORDER BY ts ROWS 9 PRECEDING) FROM ps_src$$, 'ps_nope'),
  (3, 'two values for three columns', $$SELECT mimgan_window_score_series('ps', host, cpu, mem) OVER (PARTITION BY host ORDER BY ts ROWS 9 PRECEDING) FROM ps_src$$, 'ps'),
  (4, 'frame too long', $$SELECT mimgan_window_score_series('ps', host, cpu, mem, io) OVER (PARTITION BY host ORDER BY ts ROWS 10 PRECEDING) FROM ps_src$$, 'ps'),
  (5, 'key of 2 kB changing within a frame', $$SELECT mimgan_window_score_series('ps', repeat('k', 2000 + ts), cpu, mem, io) OVER (ORDER BY ts ROWS 9 PRECEDING) FROM ps_src WHERE host = 'a'$$, 'kkk'),
  (6, 'key of 2 kB: shared model', $$SELECT mimgan_window_score_series('ps', repeat('k', 2000), cpu, mem, io) OVER (ORDER BY ts ROWS 9 PRECEDING) FROM ps_src WHERE host = 'a'$$, NULL),
  (7, 'scoring option per_series as a string', $$SELECT * FROM mimgan_score('ps', NULL::ps_src, '{"per_series": "false"}')$$, 'per_series'),
  (8, 'explain with per_series 2', $$SELECT * FROM mimgan_explain('ps', NULL::ps_src, 1, 10, '{"per_series": 2}')$$, 'per_series')
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
-- a key too long to have a model is scored by the shared model
SELECT bool_and(w1.s = w2.s) AS long_key_shared, count(*) AS windows
FROM (SELECT ts, mimgan_window_score_series('ps', repeat('k', 2000), VARIADIC ARRAY[cpu, mem, io])
          OVER (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM ps_src WHERE host = 'a') w1
JOIN (SELECT ts, mimgan_window_score_series('ps', NULL::text, VARIADIC ARRAY[cpu, mem, io])
          OVER (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM ps_src WHERE host = 'a') w2 ON w1.ts = w2.ts
WHERE w1.s IS NOT NULL;

-- explain: the same scores and flags as mimgan_score, series by series
SELECT (e.r).host, count(*) AS rows,
       max(abs(e.score - p.score)) < 1e-6 AS same_scores,
       bool_and(e.is_anomaly = p.is_anomaly) AS same_flags
FROM mimgan_explain('ps', NULL::ps_src, 50, 120) e
JOIN ps_scores p ON p.ts = (e.r).ts AND p.host IS NOT DISTINCT FROM (e.r).host
WHERE e.score IS NOT NULL
GROUP BY 1 ORDER BY 1;
-- the plot of series b shows b's threshold
SELECT xml_is_well_formed_document(svg) AS well_formed,
       strpos(svg, 'threshold ' || (SELECT round(threshold::numeric, 3)::text
                                    FROM mimgan.model_series WHERE name = 'ps' AND series = 'b')) > 0 AS b_threshold
FROM mimgan_plot('ps', NULL::ps_src, 50, 120, NULL, '{"series": "b"}') AS svg;

-- the trigger scores new rows of each series with its model
SELECT mimgan_train('ps_src', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'ps0',
  '{"per_series":true,"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"seed":3,"threshold_windows":16,"threshold":-1000}');
CREATE TABLE ps_live (LIKE ps_src);
INSERT INTO ps_live SELECT * FROM ps_src WHERE ts <= 100;
CREATE TABLE ps_live_anomalies (LIKE ps_live, score float8);
CREATE TRIGGER ps_live_flag AFTER INSERT ON ps_live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('ps0', 'ps_live_anomalies', 'raise');
INSERT INTO ps_live SELECT * FROM ps_src WHERE ts BETWEEN 101 AND 110;
SELECT a.host, count(*) AS flagged,
       count(*) FILTER (WHERE abs(a.score - w.s) < 1e-9) AS as_window
FROM ps_live_anomalies a
JOIN (SELECT ts, host, mimgan_window_score_series('ps0', host, VARIADIC ARRAY[cpu, mem, io])
          OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM ps_live) w ON w.ts = a.ts AND w.host IS NOT DISTINCT FROM a.host
GROUP BY a.host ORDER BY a.host;
-- series a and b scored by their own models, not the shared one
SELECT count(*) FILTER (WHERE abs(a.score - w.s) < 1e-9) AS as_shared
FROM ps_live_anomalies a
JOIN (SELECT ts, host, mimgan_window_score_series('ps0', NULL::text, VARIADIC ARRAY[cpu, mem, io])
          OVER (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM ps_live) w ON w.ts = a.ts AND w.host = a.host;
DROP TABLE ps_live, ps_live_anomalies;

-- a warm start from a per-series version: each series from its model
SELECT mimgan_train('ps_src', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'ps',
  '{"warm_start":"ps@1","epochs":1,"seed":8}');
SELECT version, options -> 'per_series' AS per_series, training -> 'series_models' AS series_models
FROM mimgan_models WHERE name = 'ps' ORDER BY version;
SELECT series, training ->> 'warm_start_from' AS warm_start_from
FROM mimgan.model_series WHERE name = 'ps' AND version = 2 ORDER BY series;

-- pins and drops take the series models along
SELECT mimgan_pin('ps@1');
SELECT count(*) = (SELECT count(*) FROM ps_scores) AS same_rows,
       bool_and(s.score IS NOT DISTINCT FROM p.score) AS pinned_v1
FROM mimgan_score('ps', NULL::ps_src) s
JOIN ps_scores p ON p.ts = (s.r).ts AND p.host IS NOT DISTINCT FROM (s.r).host;
SELECT mimgan_unpin('ps');
SELECT mimgan_drop('ps@2');
SELECT version, count(*) FROM mimgan.model_series WHERE name = 'ps' GROUP BY 1 ORDER BY 1;

-- another role sees neither the version nor its series models
CREATE ROLE regress_mimgan_ps_other;
SET ROLE regress_mimgan_ps_other;
SELECT count(*) AS visible FROM mimgan_series_models;
SELECT count(*) AS visible FROM mimgan.model_series;
RESET ROLE;
DROP ROLE regress_mimgan_ps_other;

-- series models are immutable
UPDATE mimgan.model_series SET threshold = 0 WHERE name = 'ps';

-- errors
SELECT mimgan_train('metrics1', ARRAY['x','y'], 10, 't', NULL, 'ps_err', '{"per_series": true}');
SELECT mimgan_train('ps_src', ARRAY['cpu'], 10, 'ts', 'host', 'ps_err', '{"per_series": "yes"}');
SELECT count(*) FROM mimgan_score('ps', NULL::ps_src, '{"per_series": "no"}');
-- 0 and 1 are booleans too
SELECT count(*) FILTER (WHERE s.score IS NOT DISTINCT FROM q.score) AS as_shared,
       count(*) AS rows
FROM mimgan_score('ps', NULL::ps_src, '{"per_series": 0}') s
JOIN ps_shared q ON q.ts = (s.r).ts AND q.host IS NOT DISTINCT FROM (s.r).host;

SELECT mimgan_drop('ps'), mimgan_drop('ps0'), mimgan_drop('ps_alone_a');
SELECT count(*) AS left_over FROM mimgan.model_series;
DROP VIEW ps_only_a;
DROP TABLE ps_src;
