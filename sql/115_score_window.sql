-- mimgan_score_window(blob, frame): one window scored with a model blob,
-- no catalog; IMMUTABLE so that postgres_fdw can ship it
\set VERBOSITY terse
SET extra_float_digits = 0;

SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_sw',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":2,"threshold_windows":16}');
SELECT mimgan_train('metrics1', ARRAY['x','y'], 6, 't', NULL, 'm_sw1',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"seed":3,"threshold_windows":16}');
SELECT provolatile, proisstrict, proparallel FROM pg_proc WHERE proname = 'mimgan_score_window';

-- frames as 2-D arrays (array_agg of row arrays) and as flat arrays
CREATE TEMP TABLE sw AS
SELECT ts, host,
       mimgan_window_score('m_sw', VARIADIC ARRAY[cpu, mem, io]) OVER w AS by_catalog,
       array_agg(ARRAY[cpu, mem, io::float8]) OVER w AS frame2,
       array_agg(cpu) OVER w AS cpus, array_agg(mem) OVER w AS mems, array_agg(io::float8) OVER w AS ios
FROM metrics
WINDOW w AS (PARTITION BY host ORDER BY ts ROWS BETWEEN 9 PRECEDING AND CURRENT ROW);
SELECT mimgan_export('m_sw') AS blob \gset
-- the same score as the window function, frame by frame
SELECT count(*) AS frames,
       count(*) FILTER (WHERE mimgan_score_window(:'blob', frame2) IS NOT DISTINCT FROM by_catalog) AS equal_2d,
       count(*) FILTER (WHERE array_length(frame2, 1) = 10) AS full_frames,
       count(*) FILTER (WHERE by_catalog IS NOT NULL) AS scored
FROM sw WHERE array_length(frame2, 1) = 10;
-- the flat form, row after row, is the same window
SELECT count(*) FILTER (WHERE mimgan_score_window(:'blob',
           (SELECT array_agg(v ORDER BY i, j) FROM unnest(cpus, mems, ios) WITH ORDINALITY u(c, m, o, i),
                   LATERAL unnest(ARRAY[c, m, o]) WITH ORDINALITY v(v, j))) = by_catalog) AS equal_flat
FROM sw WHERE array_length(frame2, 1) = 10 AND ts % 50 = 0;
-- two blobs alternating in one query (the per-call cache switches models)
SELECT count(*) FILTER (WHERE s IS NOT DISTINCT FROM expected) AS equal, count(*) AS n
FROM (SELECT CASE WHEN ts % 2 = 0 THEN mimgan_score_window(:'blob', frame2)
                  ELSE mimgan_score_window(mimgan_export('m_sw1'), frame2[1:6][1:2]) END AS s,
             CASE WHEN ts % 2 = 0 THEN by_catalog END AS expected, ts
      FROM sw WHERE array_length(frame2, 1) = 10 AND host = 'a' AND ts <= 40) q
WHERE ts % 2 = 0;

-- documented results: NULL, NaN and Infinity in the frame give NULL; STRICT
SELECT mimgan_score_window(:'blob', array_fill(NULL::float8, ARRAY[10, 3])) IS NULL AS nulls,
       mimgan_score_window(:'blob', array_fill('NaN'::float8, ARRAY[10, 3])) IS NULL AS nan,
       mimgan_score_window(:'blob', array_fill('Infinity'::float8, ARRAY[10, 3])) IS NULL AS inf,
       mimgan_score_window(NULL, array_fill(1::float8, ARRAY[10, 3])) IS NULL AS null_blob,
       mimgan_score_window(:'blob', NULL) IS NULL AS null_frame,
       mimgan_score_window(:'blob', array_fill(1e300::float8, ARRAY[10, 3])) AS huge,
       mimgan_score_window(:'blob', array_fill(1::float8, ARRAY[9, 3])) IS NULL AS short_2d,
       mimgan_score_window(:'blob', array_fill(1::float8, ARRAY[27])) IS NULL AS short_flat;
-- bad shapes and bad blobs (SQLSTATEs shown)
\set VERBOSITY sqlstate
SELECT mimgan_score_window(:'blob', array_fill(1::float8, ARRAY[11, 3]));
SELECT mimgan_score_window(:'blob', array_fill(1::float8, ARRAY[10, 2]));
SELECT mimgan_score_window(:'blob', array_fill(1::float8, ARRAY[3, 10]));
SELECT mimgan_score_window(:'blob', array_fill(1::float8, ARRAY[29]));
SELECT mimgan_score_window(:'blob', array_fill(1::float8, ARRAY[10, 3, 1]));
SELECT mimgan_score_window(:'blob', '{}'::float8[]);
SELECT mimgan_score_window(''::bytea, array_fill(1::float8, ARRAY[10, 3]));
SELECT mimgan_score_window('\x00'::bytea, array_fill(1::float8, ARRAY[10, 3]));
SELECT mimgan_score_window(substr(:'blob'::bytea, 1, 200), array_fill(1::float8, ARRAY[10, 3]));
SELECT mimgan_score_window(overlay(:'blob'::bytea placing '\xff'::bytea from 300), array_fill(1::float8, ARRAY[10, 3]));
SELECT mimgan_score_window(convert_to('MIMGANv', 'UTF8'), array_fill(1::float8, ARRAY[10, 3]));

\set VERBOSITY default
SELECT mimgan_score_window(:'blob', array_fill(1::float8, ARRAY[11, 3]));
\set VERBOSITY terse

SELECT mimgan_drop('m_sw'), mimgan_drop('m_sw1');
