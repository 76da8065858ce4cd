-- mimgan_window_score: one window per frame, as a window function
\set VERBOSITY terse
SET extra_float_digits = 0;

SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_win',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16}');

CREATE TEMP TABLE win AS
SELECT ts, host,
       mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io]) OVER w AS s
FROM metrics
WINDOW w AS (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW);

-- the first seq_len - 1 rows of each partition have a short frame: NULL
SELECT host, count(*) AS n, count(s) AS scored,
       min(ts) FILTER (WHERE s IS NOT NULL) - min(ts) AS first_scored_offset,
       bool_and(s >= 0 AND s < 'Infinity') AS finite_nonneg
FROM win GROUP BY host ORDER BY host;

-- deterministic: the same frames give the same scores
SELECT count(*) AS differences FROM (
  SELECT ts, host, s FROM win
  EXCEPT
  SELECT ts, host,
         mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io]) OVER w
  FROM metrics
  WINDOW w AS (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)) d;

-- a window's score depends on its own rows only: the same ten rows scored
-- as a plain ordered aggregate give the score of the window's last row
SELECT round(abs(
         (SELECT mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io] ORDER BY ts)
          FROM metrics WHERE host = 'a' AND ts BETWEEN 41 AND 50)
         - (SELECT s FROM win WHERE host = 'a' AND ts = 50))::numeric, 9) AS diff;
-- fewer rows than seq_len: NULL
SELECT mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io] ORDER BY ts) IS NULL AS short_is_null
FROM metrics WHERE host = 'a' AND ts BETWEEN 41 AND 45;
-- no rows at all: NULL
SELECT mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io]) IS NULL AS empty_is_null
FROM metrics WHERE false;

-- a frame that ends later: the score is that of the frame's last row
SELECT count(*) AS differences FROM (
  SELECT ts, host, s FROM win
  EXCEPT
  SELECT ts - 1, host,
         mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io]) OVER w
  FROM metrics
  WINDOW w AS (PARTITION BY host ORDER BY ts ROWS BETWEEN 10 PRECEDING AND 1 PRECEDING)) d
WHERE ts > 10 AND ts < 200;

-- a NULL or NaN value makes every frame holding it NULL
CREATE TEMP TABLE holey AS SELECT * FROM metrics WHERE host = 'a';
UPDATE holey SET cpu = NULL WHERE ts = 50;
UPDATE holey SET mem = 'NaN' WHERE ts = 100;
SELECT count(*) AS n, count(s) AS scored,
       count(*) FILTER (WHERE s IS NULL AND ts BETWEEN 50 AND 59) AS null_after_null,
       count(*) FILTER (WHERE s IS NULL AND ts BETWEEN 100 AND 109) AS null_after_nan
FROM (SELECT ts, mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io]) OVER w AS s
      FROM holey
      WINDOW w AS (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)) q;
-- a NULL array: NULL
SELECT count(s) AS scored
FROM (SELECT mimgan_window_score('m_win', VARIADIC NULL::float8[]) OVER
             (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS s
      FROM metrics WHERE host = 'a') q;

-- used in a view over the latest rows
CREATE VIEW latest_window_scores AS
SELECT ts, host,
       mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io]) OVER w AS s
FROM metrics
WINDOW w AS (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW);
SELECT count(*) AS n, count(s) AS scored FROM latest_window_scores WHERE ts > 190;

-- errors
\set VERBOSITY default
-- a frame longer than seq_len (the default frame grows with the partition)
SELECT ts, mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem, io]) OVER (ORDER BY ts)
FROM metrics WHERE host = 'a';
-- wrong number of values
SELECT mimgan_window_score('m_win', VARIADIC ARRAY[cpu, mem]) OVER
       (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM metrics WHERE host = 'a';
SELECT mimgan_window_score('m_win', cpu, mem, io, io) OVER
       (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM metrics WHERE host = 'a';
-- a two-dimensional array
SELECT mimgan_window_score('m_win', VARIADIC ARRAY[[cpu, mem, io]]) OVER
       (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM metrics WHERE host = 'a';
-- NULL or varying model
SELECT mimgan_window_score(NULL, VARIADIC ARRAY[cpu, mem, io]) OVER
       (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM metrics WHERE host = 'a';
SELECT mimgan_window_score(CASE WHEN ts < 5 THEN 'm_win' ELSE 'm_win@1' END,
                           VARIADIC ARRAY[cpu, mem, io]) OVER
       (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM metrics WHERE host = 'a';
-- unknown model
SELECT mimgan_window_score('no_such_model', VARIADIC ARRAY[cpu, mem, io]) OVER
       (ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW)
FROM metrics WHERE host = 'a';
