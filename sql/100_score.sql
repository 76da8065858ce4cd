-- mimgan_score: bulk scoring of a relation by its row type
\set VERBOSITY terse
SET extra_float_digits = 0;

SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_score',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16}');

-- one output row per source row, every row scored (both series are long)
SELECT count(*) AS n, count(score) AS scored, count(dis_score) AS dis,
       count(rec_score) AS rec, count(is_anomaly) AS flagged_known,
       count(top_cols) AS top
FROM mimgan_score('m_score', NULL::metrics);

-- r is the source row, with its original columns and types
SELECT pg_typeof(r) AS r_type, pg_typeof((r).io) AS io_type
FROM mimgan_score('m_score', NULL::metrics) LIMIT 1;
SELECT count(*) AS same_rows
FROM mimgan_score('m_score', NULL::metrics) s JOIN metrics m
  ON m.ts = (s.r).ts AND m.host = (s.r).host AND m.cpu = (s.r).cpu
 AND m.mem = (s.r).mem AND m.io = (s.r).io;

-- rows come back in (series, order) order
SELECT bool_and(rn = expected) AS in_order
FROM (SELECT row_number() OVER () AS rn,
             row_number() OVER (ORDER BY (r).host, (r).ts) AS expected
      FROM mimgan_score('m_score', NULL::metrics)) o;

-- value ranges: dis in [0, 1], rec and score non-negative and finite;
-- score lies between its two parts (a convex combination)
SELECT bool_and(dis_score >= 0 AND dis_score <= 1) AS dis_ok,
       bool_and(rec_score >= 0 AND rec_score < 'Infinity') AS rec_ok,
       bool_and(score >= least(dis_score, rec_score) - 1e-9
                AND score <= greatest(dis_score, rec_score) + 1e-9) AS score_ok
FROM mimgan_score('m_score', NULL::metrics);

-- top_cols: 3 distinct model columns by default; top_k 1; top_k 0 gives NULL
SELECT bool_and(cardinality(top_cols) = 3
                AND top_cols @> ARRAY['cpu','mem','io']) AS top3
FROM mimgan_score('m_score', NULL::metrics);
SELECT DISTINCT cardinality(top_cols) AS k1
FROM mimgan_score('m_score', NULL::metrics, '{"top_k": 1}');
SELECT count(*) AS n, count(top_cols) AS top
FROM mimgan_score('m_score', NULL::metrics, '{"top_k": 0}');
-- top_k above the number of columns gives every column
SELECT DISTINCT cardinality(top_cols) AS k10
FROM mimgan_score('m_score', NULL::metrics, '{"top_k": 10}');
-- the first of top_cols is the same with top_k 1 and 3
SELECT count(*) AS first_col_differs
FROM (SELECT (r).host, (r).ts, top_cols[1] AS c FROM mimgan_score('m_score', NULL::metrics)) a
JOIN (SELECT (r).host, (r).ts, top_cols[1] AS c FROM mimgan_score('m_score', NULL::metrics, '{"top_k":1}')) b
  USING (host, ts)
WHERE a.c <> b.c;

-- is_anomaly = score > threshold (the "threshold" option overrides the model's)
SELECT bool_and(is_anomaly) AS all_flagged
FROM mimgan_score('m_score', NULL::metrics, '{"threshold": -1}');
SELECT bool_or(is_anomaly) AS any_flagged
FROM mimgan_score('m_score', NULL::metrics, '{"threshold": 1000000}');
SELECT bool_and(is_anomaly = (score > 0.05)) AS consistent
FROM mimgan_score('m_score', NULL::metrics, '{"threshold": 0.05}');
SELECT bool_and(s.is_anomaly = (s.score > mm.threshold)) AS model_threshold
FROM mimgan_score('m_score', NULL::metrics) s,
     (SELECT threshold FROM mimgan_models WHERE name = 'm_score') mm;

-- determinism: scoring twice gives identical results
SELECT count(*) AS differences FROM (
  (SELECT (r).host, (r).ts, score, dis_score, rec_score, is_anomaly, top_cols
   FROM mimgan_score('m_score', NULL::metrics)
   EXCEPT
   SELECT (r).host, (r).ts, score, dis_score, rec_score, is_anomaly, top_cols
   FROM mimgan_score('m_score', NULL::metrics))
  UNION ALL
  (SELECT (r).host, (r).ts, score, dis_score, rec_score, is_anomaly, top_cols
   FROM mimgan_score('m_score', NULL::metrics)
   EXCEPT
   SELECT (r).host, (r).ts, score, dis_score, rec_score, is_anomaly, top_cols
   FROM mimgan_score('m_score', NULL::metrics))) d;
-- the version spec 'name@1' is the same model
SELECT count(*) AS differences FROM (
  SELECT (r).host, (r).ts, score FROM mimgan_score('m_score', NULL::metrics)
  EXCEPT
  SELECT (r).host, (r).ts, score FROM mimgan_score('m_score@1', NULL::metrics)) d;
-- scoring options change the scores
SELECT count(*) > 0 AS step_changes_scores FROM (
  SELECT (r).host, (r).ts, score FROM mimgan_score('m_score', NULL::metrics)
  EXCEPT
  SELECT (r).host, (r).ts, score FROM mimgan_score('m_score', NULL::metrics, '{"invert_iters": 2}')) d;

-- a view built on mimgan_score (INTERFACE.md)
CREATE VIEW metrics_anomalies AS
SELECT (s.r).ts, (s.r).host, s.score, s.top_cols
FROM mimgan_score('m_score', NULL::metrics, '{"threshold": 0.05}') s
WHERE s.is_anomaly;
SELECT count(*) = (SELECT count(*) FROM mimgan_score('m_score', NULL::metrics, '{"threshold": 0.05}')
                   WHERE is_anomaly) AS view_matches,
       bool_and(score > 0.05) AS above_threshold
FROM metrics_anomalies;

-- another relation with the model's columns scores too (numeric, int8 ok;
-- extra columns are carried through in r)
CREATE TEMP TABLE other_metrics AS
SELECT host, ts::int8 AS ts, cpu::numeric AS cpu, mem::float4 AS mem, io::int8 AS io,
       'x'::text AS note
FROM metrics;
SELECT count(*) AS n, count(score) AS scored, min((r).note) AS note
FROM mimgan_score('m_score', NULL::other_metrics);

-- views and materialized views are scored through their row type too
CREATE VIEW score_view_a AS SELECT * FROM metrics WHERE host = 'a';
CREATE MATERIALIZED VIEW score_matview_b AS SELECT * FROM metrics WHERE host = 'b';
SELECT count(*) AS n, count(score) AS scored, min((r).host) AS host
FROM mimgan_score('m_score', NULL::score_view_a);
SELECT count(*) AS n, count(score) AS scored, min((r).host) AS host
FROM mimgan_score('m_score', NULL::score_matview_b);
-- a series scores the same whatever else the relation holds (up to float
-- rounding: BLAS sums in an order that depends on the batch shape)
SELECT count(*) AS n, count(*) FILTER (WHERE abs(a.score - b.score) > 1e-5) AS differences
FROM (SELECT (r).ts, score FROM mimgan_score('m_score', NULL::metrics) WHERE (r).host = 'a') a
JOIN (SELECT (r).ts, score FROM mimgan_score('m_score', NULL::score_view_a)) b USING (ts);

-- a series shorter than seq_len (10 rows) gets NULL scores, never an error
CREATE TEMP TABLE short_metrics AS
SELECT * FROM metrics WHERE host = 'a'
UNION ALL
(SELECT * FROM metrics WHERE host = 'b' ORDER BY ts LIMIT 9);
SELECT (r).host, count(*) AS n, count(score) AS scored, count(is_anomaly) AS flagged_known,
       count(top_cols) AS top
FROM mimgan_score('m_score', NULL::short_metrics) GROUP BY 1 ORDER BY 1;
-- exactly seq_len rows is enough
CREATE TEMP TABLE ten_metrics AS
SELECT * FROM metrics WHERE host = 'b' ORDER BY ts LIMIT 10;
SELECT count(*) AS n, count(score) AS scored FROM mimgan_score('m_score', NULL::ten_metrics);
-- an empty relation gives no rows
CREATE TEMP TABLE no_metrics AS SELECT * FROM metrics WHERE false;
SELECT count(*) AS n FROM mimgan_score('m_score', NULL::no_metrics);

-- NULL and NaN values: those rows are skipped (NULL scores), the others
-- are scored, windows spanning the skipped rows
CREATE TEMP TABLE holey_metrics AS SELECT * FROM metrics;
UPDATE holey_metrics SET cpu = NULL WHERE host = 'a' AND ts = 50;
UPDATE holey_metrics SET mem = 'NaN' WHERE host = 'a' AND ts = 60;
UPDATE holey_metrics SET mem = 'Infinity' WHERE host = 'b' AND ts = 70;
UPDATE holey_metrics SET io = NULL WHERE host = 'b' AND ts = 80;
SELECT (r).host, (r).ts, score IS NULL AS score_null, dis_score IS NULL AS dis_null,
       rec_score IS NULL AS rec_null, is_anomaly IS NULL AS flag_null,
       top_cols IS NULL AS top_null
FROM mimgan_score('m_score', NULL::holey_metrics)
WHERE (r).ts IN (49, 50, 51, 60, 70, 80) ORDER BY 1, 2;
SELECT count(*) AS n, count(score) AS scored FROM mimgan_score('m_score', NULL::holey_metrics);
-- rows of host a far before the holes score as before
SELECT count(*) AS n, count(*) FILTER (WHERE abs(a.score - b.score) > 1e-5) AS differences
FROM (SELECT (r).ts, score FROM mimgan_score('m_score', NULL::metrics)
      WHERE (r).host = 'a' AND (r).ts < 30) a
JOIN (SELECT (r).ts, score FROM mimgan_score('m_score', NULL::holey_metrics)
      WHERE (r).host = 'a' AND (r).ts < 30) b USING (ts);

-- a model without series_by scores the single series
SELECT mimgan_train('metrics1', ARRAY['x','y'], 8, NULL, NULL, 'm_score1',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16}');
SELECT count(*) = (SELECT count(*) FROM metrics1) AS all_rows, count(score) = count(*) AS all_scored,
       bool_and(top_cols <@ ARRAY['x','y'] AND cardinality(top_cols) = 2) AS top2
FROM mimgan_score('m_score1', NULL::metrics1);

-- volatility and parallel markings of the scoring functions
SELECT p.oid::regprocedure AS function, p.provolatile AS volatility,
       p.proparallel AS parallel, p.proisstrict AS strict
FROM pg_proc p
WHERE p.proname IN ('mimgan_score', 'mimgan_evaluate', 'mimgan_window_score',
                    'mimgan_window_score_sfunc', 'mimgan_window_score_final', 'mimgan_flag')
ORDER BY p.oid::regprocedure::text COLLATE "C";
SELECT aggfnoid::regprocedure AS aggregate, aggfinalmodify, aggcombinefn = 0 AS no_combine
FROM pg_aggregate WHERE aggfnoid = 'mimgan_window_score'::regproc;
