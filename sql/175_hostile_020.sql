--
-- Hostile input to the functions added in 0.2.0: mimgan_explain,
-- mimgan_plot, mimgan_score_window, mimgan_pin / mimgan_unpin,
-- mimgan_threshold, mimgan_progress (function and view) and the training
-- options warm_start (a model spec), "threshold": "pot" and pot_risk.
--
-- As in 170_hostile_scoring, each bad input runs through regress_util.try, which
-- returns the SQLSTATE ('ok' when the statement succeeds: a documented
-- result), a style verdict and the primary message.  The verdict is 'ok'
-- unless the message starts with a capital, ends with a period, does not
-- name the offending value (the needle), or the SQLSTATE is of class XX.
--
SET extra_float_digits = 0;
\set o '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":1,"threshold_windows":8}'
SELECT format('CREATE FUNCTION pg_temp.o() RETURNS jsonb LANGUAGE sql AS %L', format('SELECT %L::jsonb', :'o')) \gexec

-- regress_util.try (sql/001_setup.sql) runs a statement and reports its
-- SQLSTATE, a message-style verdict and the message

-- a victim table that no injection may touch
CREATE TABLE victim AS SELECT i FROM generate_series(1, 10) i;

-- fixtures: a model without series (seq_len 6) and one with series
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2', :'o');
SELECT mimgan_train('metrics', ARRAY['cpu', 'mem', 'io'], 5, 'ts', 'host', 'h2s', :'o');
-- relations of every kind holding the model's columns
CREATE TABLE h2_empty (LIKE metrics1);
CREATE TABLE h2_one AS SELECT * FROM metrics1 WHERE t = 1;
CREATE VIEW h2_view AS SELECT * FROM metrics1;
CREATE MATERIALIZED VIEW h2_mat AS SELECT * FROM metrics1;
CREATE TEMP TABLE h2_temp AS SELECT * FROM metrics1;
CREATE TABLE h2_part (t int, x float8, y float8) PARTITION BY RANGE (t);
CREATE TABLE h2_part1 PARTITION OF h2_part FOR VALUES FROM (1) TO (101);
CREATE TABLE h2_part2 PARTITION OF h2_part FOR VALUES FROM (101) TO (1000);
INSERT INTO h2_part SELECT * FROM metrics1;
CREATE TABLE h2_ts AS SELECT timestamptz '2024-01-01 00:00+00' + t * interval '1 minute' AS t, x, y FROM metrics1;
CREATE TABLE h2_txt AS SELECT t::text AS t, x, y FROM metrics1;
CREATE TABLE h2_nan AS SELECT t, CASE WHEN t % 7 = 0 THEN 'NaN'::float8 ELSE x END AS x,
                              CASE WHEN t % 11 = 0 THEN 'Infinity'::float8 ELSE y END AS y
                       FROM metrics1;
CREATE TABLE h2_dup AS SELECT * FROM metrics1 UNION ALL SELECT * FROM metrics1 WHERE t BETWEEN 50 AND 60;
CREATE TABLE h2_nullt AS SELECT CASE WHEN t % 10 = 0 THEN NULL ELSE t END AS t, x, y FROM metrics1;
CREATE TABLE h2_lab AS SELECT *, (t BETWEEN 100 AND 110) AS lab, 'x'::text AS txt, '{}'::jsonb AS j,
                              NULL::int AS nolab, (t % 3)::int AS n3 FROM metrics1;
CREATE TABLE h2_const AS SELECT t, 1.0::float8 AS x, -2.0::float8 AS y FROM metrics1;
CREATE TABLE h2_xtext AS SELECT t, x::text AS x, y FROM metrics1;
CREATE TABLE h2_xint AS SELECT t, (10 * x)::int AS x, (10 * y)::int AS y FROM metrics1;
CREATE TABLE h2_dropped (a int, t int, x float8, y float8);
INSERT INTO h2_dropped SELECT 0, * FROM metrics1;
ALTER TABLE h2_dropped DROP COLUMN a;
CREATE TABLE h2_nullts AS SELECT NULL::int AS t, x, y FROM metrics1;
CREATE TABLE h2_huge AS SELECT t, CASE WHEN t % 2 = 0 THEN 1e308 ELSE -1e308 END::float8 AS x,
                               CASE WHEN t % 3 = 0 THEN 1.7e308 ELSE 5e-324 END::float8 AS y FROM metrics1;
CREATE TABLE h2_tiny AS SELECT t, 1 + t * 1e-15::float8 AS x, 1e-300 * t AS y FROM metrics1;
CREATE TABLE h2_long AS SELECT i AS t, sin(i / 6.0) AS x, cos(i / 9.0) AS y FROM generate_series(1, 20000) i;
CREATE TYPE h2_comp AS (t int, x float8, y float8);

-- =====================================================================
-- mimgan_explain
-- =====================================================================
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  -- the model
  (1, 'NULL model', $$SELECT count(*) FROM mimgan_explain(NULL, NULL::metrics1, 1, 10)$$, NULL),
  (2, 'empty model', $$SELECT count(*) FROM mimgan_explain('', NULL::metrics1, 1, 10)$$, '""'),
  (3, 'only a version', $$SELECT count(*) FROM mimgan_explain('@1', NULL::metrics1, 1, 10)$$, '@1'),
  (4, 'version 0', $$SELECT count(*) FROM mimgan_explain('h2@0', NULL::metrics1, 1, 10)$$, 'h2@0'),
  (5, 'version -1', $$SELECT count(*) FROM mimgan_explain('h2@-1', NULL::metrics1, 1, 10)$$, 'h2@-1'),
  (6, 'version beyond int4', $$SELECT count(*) FROM mimgan_explain('h2@99999999999', NULL::metrics1, 1, 10)$$, 'h2@99999999999'),
  (7, 'two @', $$SELECT count(*) FROM mimgan_explain('h2@1@2', NULL::metrics1, 1, 10)$$, 'h2@1@2'),
  (8, 'name of 1 kB', $$SELECT count(*) FROM mimgan_explain(repeat('n', 1000), NULL::metrics1, 1, 10)$$, 'nnnn'),
  (9, 'injection in the name', $$SELECT count(*) FROM mimgan_explain('h2''; DROP TABLE victim; --', NULL::metrics1, 1, 10)$$, 'DROP TABLE victim'),
  (10, 'model of the wrong type', $$SELECT count(*) FROM mimgan_explain(42, NULL::metrics1, 1, 10)$$, 'mimgan_explain'),
  -- the rows
  (11, 'rows: untyped NULL', $$SELECT count(*) FROM mimgan_explain('h2', NULL, 1, 10)$$, NULL),
  (12, 'rows: an integer', $$SELECT count(*) FROM mimgan_explain('h2', NULL::int, 1, 10)$$, 'integer'),
  (13, 'rows: an anonymous record', $$SELECT count(*) FROM mimgan_explain('h2', ROW(1, 2.0, 3.0), 1, 10)$$, 'record'),
  (14, 'rows: a free-standing composite type', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_comp, 1, 10)$$, 'h2_comp'),
  (15, 'relation without the model columns', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics, 1, 10)$$, 'metrics'),
  (16, 'order column of another type (text)', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_txt, 1, 10)$$, NULL),
  -- the bounds
  (17, 'from > to', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 20, 10)$$, '20'),
  (18, 'NaN bound', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 'NaN'::float8, 10)$$, NULL),
  (19, 'infinite bound', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 'Infinity'::float8)$$, NULL),
  (20, 'bound beyond int4', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 99999999999)$$, NULL),
  (21, 'numeric bound beyond float8', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 1e400)$$, NULL),
  (22, 'timestamptz bounds on an integer order', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, now(), now())$$, NULL),
  (23, 'integer bounds on a timestamptz order', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_ts, 1, 10)$$, NULL),
  (24, 'boolean bounds', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, true, false)$$, NULL),
  (25, 'jsonb bounds', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, '1'::jsonb, '2'::jsonb)$$, NULL),
  (26, 'array bounds', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, ARRAY[1], ARRAY[2])$$, NULL),
  (27, 'text bounds that are not numbers', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 'abc'::text, 'def')$$, 'abc'),
  (28, 'injection in a text bound', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, '1; DROP TABLE victim'::text, '2')$$, 'DROP TABLE victim'),
  (29, 'bounds of two unrelated types', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 'x'::text)$$, NULL),
  -- the options
  (30, 'options: an array', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, '[]')$$, NULL),
  (31, 'options: a JSON null', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, 'null')$$, NULL),
  (32, 'options: unknown key', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, '{"serie": "a"}')$$, 'serie'),
  (33, 'options: series an object', $$SELECT count(*) FROM mimgan_explain('h2s', NULL::metrics, 1, 10, '{"series": {"a": 1}}')$$, 'series'),
  (34, 'options: series an array', $$SELECT count(*) FROM mimgan_explain('h2s', NULL::metrics, 1, 10, '{"series": ["a"]}')$$, 'series'),
  (35, 'options: series on a model without series', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, '{"series": "a"}')$$, 'series'),
  (36, 'options: series of 10 kB', $$SELECT count(*) FROM mimgan_explain('h2s', NULL::metrics, 1, 10, jsonb_build_object('series', repeat('s', 10000)))$$, NULL),
  (37, 'options: step 1e9', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, '{"step": 1e9}')$$, 'step'),
  (38, 'options: top_k 1e20', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, '{"top_k": 1e20}')$$, 'top_k'),
  (39, 'options: batch beyond float8', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, '{"batch": 1e999}')$$, 'batch'),
  (40, 'options: threshold "NaN"', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, '{"threshold": "NaN"}')$$, 'NaN'),
  (41, 'options: invert_iters 1e9', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, '{"invert_iters": 1e9, "encoder": false}')$$, 'invert_iters'),
  -- odd but documented: results below
  (42, 'SQL NULL options', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, NULL)$$, NULL),
  (43, 'both bounds NULL text', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, NULL::text, NULL::text)$$, NULL),
  (44, 'empty relation', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_empty, 1, 10)$$, NULL),
  (45, 'one-row relation', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_one, 1, 10)$$, NULL),
  (46, 'a view', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_view, 1, 10)$$, NULL),
  (47, 'a materialized view', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_mat, 1, 10)$$, NULL),
  (48, 'a temporary table', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_temp, 1, 10)$$, NULL),
  (49, 'a partitioned table', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_part, 1, 10)$$, NULL),
  (50, 'a partition', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_part2, 95, 110)$$, NULL),
  (51, 'smallint and bigint bounds', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1::int2, 10::int8)$$, NULL),
  (52, 'duplicate order values', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_dup, 50, 60)$$, NULL),
  (53, 'NULL order values', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_nullt, 1, 30)$$, NULL),
  (54, 'NaN and Infinity in the data', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_nan, 1, 30)$$, NULL),
  (55, 'unknown series', $$SELECT count(*) FROM mimgan_explain('h2s', NULL::metrics, 1, 10, '{"series": "zz"}')$$, NULL),
  (56, 'a model column of type text', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_xtext, 1, 10)$$, '"x"'),
  (57, 'model columns of type integer', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_xint, 1, 10)$$, NULL),
  (58, 'a dropped column before the model columns', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_dropped, 1, 10)$$, NULL),
  (59, 'every order value NULL', $$SELECT count(*) FROM mimgan_explain('h2', NULL::h2_nullts, 1, 10)$$, NULL),
  (60, 'bounds at the int4 limits', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, -2147483648, 2147483647)$$, NULL),
  (61, 'bounds of 1e15 (bigint)', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1e15::int8, 1e15::int8)$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
-- the documented results of the odd cases: rows of the range (with NULL
-- scores where no full window covers a row), none outside the data
SELECT 'empty' AS rel, count(*), count(score) FROM mimgan_explain('h2', NULL::h2_empty, 1, 10)
UNION ALL SELECT 'one row', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_one, 1, 10)
UNION ALL SELECT 'view', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_view, 1, 10)
UNION ALL SELECT 'matview', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_mat, 1, 10)
UNION ALL SELECT 'temp', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_temp, 1, 10)
UNION ALL SELECT 'partitioned', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_part, 95, 110)
UNION ALL SELECT 'partition', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_part2, 95, 110)
UNION ALL SELECT 'int2/int8 bounds', count(*), count(score) FROM mimgan_explain('h2', NULL::metrics1, 1::int2, 10::int8)
UNION ALL SELECT 'duplicates', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_dup, 50, 60)
UNION ALL SELECT 'null order', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_nullt, 1, 30)
UNION ALL SELECT 'nan data', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_nan, 1, 30)
UNION ALL SELECT 'unknown series', count(*), count(score) FROM mimgan_explain('h2s', NULL::metrics, 1, 10, '{"series": "zz"}')
UNION ALL SELECT 'null options', count(*), count(score) FROM mimgan_explain('h2', NULL::metrics1, 1, 10, NULL)
UNION ALL SELECT 'integer columns', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_xint, 1, 10)
UNION ALL SELECT 'dropped column', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_dropped, 1, 10)
UNION ALL SELECT 'null order everywhere', count(*), count(score) FROM mimgan_explain('h2', NULL::h2_nullts, NULL::int, NULL);
-- a dropped column changes nothing
SELECT count(*) AS differences
FROM mimgan_explain('h2', NULL::h2_dropped, 1, 40) d
JOIN mimgan_explain('h2', NULL::metrics1, 1, 40) m ON (d.r).t = (m.r).t
WHERE d.score IS DISTINCT FROM m.score OR d.contrib IS DISTINCT FROM m.contrib;
-- the partitioned table gives the plain table's scores
SELECT count(*) AS differences
FROM mimgan_explain('h2', NULL::h2_part, 90, 120) p
JOIN mimgan_explain('h2', NULL::metrics1, 90, 120) m ON (p.r).t = (m.r).t
WHERE p.score IS DISTINCT FROM m.score;

-- =====================================================================
-- mimgan_plot
-- =====================================================================
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  (1, 'NULL model', $$SELECT mimgan_plot(NULL, NULL::metrics1, 1, 10)$$, NULL),
  (2, 'empty model', $$SELECT mimgan_plot('', NULL::metrics1, 1, 10)$$, '""'),
  (3, 'version 0', $$SELECT mimgan_plot('h2@0', NULL::metrics1, 1, 10)$$, 'h2@0'),
  (4, 'two @', $$SELECT mimgan_plot('h2@1@2', NULL::metrics1, 1, 10)$$, 'h2@1@2'),
  (5, 'unknown model', $$SELECT mimgan_plot('h2_nope', NULL::metrics1, 1, 10)$$, 'h2_nope'),
  (6, 'rows: untyped NULL', $$SELECT mimgan_plot('h2', NULL, 1, 10)$$, NULL),
  (7, 'rows: an integer', $$SELECT mimgan_plot('h2', NULL::int, 1, 10)$$, 'integer'),
  (8, 'relation without the model columns', $$SELECT mimgan_plot('h2', NULL::metrics, 1, 10)$$, 'metrics'),
  (9, 'from > to', $$SELECT mimgan_plot('h2', NULL::metrics1, 20, 10)$$, '20'),
  (10, 'NaN bound', $$SELECT mimgan_plot('h2', NULL::metrics1, 'NaN'::float8, 10)$$, NULL),
  (11, 'timestamptz bounds on an integer order', $$SELECT mimgan_plot('h2', NULL::metrics1, now(), now())$$, NULL),
  (12, 'text bounds that are not numbers', $$SELECT mimgan_plot('h2', NULL::metrics1, 'abc'::text, 'def')$$, 'abc'),
  -- cols
  (13, 'unknown column', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['x', 'nope'])$$, 'nope'),
  (14, 'duplicated column', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['y', 'y'])$$, 'y'),
  (15, 'empty array', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY[]::text[])$$, NULL),
  (16, 'NULL element', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY[NULL, 'x'])$$, NULL),
  (17, 'only NULL elements', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY[NULL]::text[])$$, NULL),
  (18, 'an empty name', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY[''])$$, '""'),
  (19, '1,600 entries', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, array_fill('x'::text, ARRAY[1600]))$$, NULL),
  (20, '1,600 distinct unknown entries', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY(SELECT 'c' || i FROM generate_series(1, 1600) i))$$, 'c1'),
  (21, 'upper-case name', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['X'])$$, 'X'),
  (22, 'quoted name', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['"x"'])$$, '"x"'),
  (23, 'name with a space', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['x y'])$$, 'x y'),
  (24, 'injection string', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['x"; DROP TABLE victim; --'])$$, 'DROP TABLE victim'),
  (25, 'markup in a name', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['<script>'])$$, '<script>'),
  (26, 'name of 1 kB', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY[repeat('c', 1000)])$$, 'cccc'),
  (27, 'two-dimensional cols', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY[['x'], ['y']])$$, NULL),
  (28, 'the order column', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['t'])$$, 't'),
  (29, 'a system column', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['ctid'])$$, 'ctid'),
  -- series and options
  (30, 'series model without series', $$SELECT mimgan_plot('h2s', NULL::metrics, 1, 50)$$, NULL),
  (31, 'series: a JSON null', $$SELECT mimgan_plot('h2s', NULL::metrics, 1, 50, options => '{"series": null}')$$, NULL),
  (32, 'series: an object', $$SELECT mimgan_plot('h2s', NULL::metrics, 1, 50, options => '{"series": {}}')$$, 'series'),
  (33, 'series on a model without series', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 50, options => '{"series": "a"}')$$, 'series'),
  (34, 'options: unknown key', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, options => '{"width": 100}')$$, 'width'),
  (35, 'options: an array', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, options => '[1]')$$, NULL),
  (36, 'options: threshold beyond float8', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, options => '{"threshold": 1e999}')$$, 'threshold'),
  (37, 'options: step 0', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, options => '{"step": 0}')$$, 'step'),
  -- odd but documented: results below
  (38, 'unknown series', $$SELECT mimgan_plot('h2s', NULL::metrics, 1, 50, options => '{"series": "zz"}')$$, NULL),
  (39, 'a range outside the data', $$SELECT mimgan_plot('h2', NULL::metrics1, 1000, 2000)$$, NULL),
  (40, 'one-row relation', $$SELECT mimgan_plot('h2', NULL::h2_one, 1, 10)$$, NULL),
  (41, 'NaN and Infinity in the data', $$SELECT mimgan_plot('h2', NULL::h2_nan, 1, 40)$$, NULL),
  (42, 'threshold option 0 (every row flagged)', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 40, options => '{"threshold": 0}')$$, NULL),
  (43, 'threshold option 1e300', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 40, options => '{"threshold": 1e300}')$$, NULL),
  (44, 'a range of one row', $$SELECT mimgan_plot('h2', NULL::metrics1, 30, 30)$$, NULL),
  (45, 'a partitioned table', $$SELECT mimgan_plot('h2', NULL::h2_part, 90, 120)$$, NULL),
  (46, 'constant data', $$SELECT mimgan_plot('h2', NULL::h2_const, 1, 50)$$, NULL),
  (47, 'a model column of type text', $$SELECT mimgan_plot('h2', NULL::h2_xtext, 1, 10)$$, '"x"'),
  (48, 'cols naming a column of another relation', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10, ARRAY['cpu'])$$, 'cpu'),
  (49, 'every order value NULL', $$SELECT mimgan_plot('h2', NULL::h2_nullts, NULL::int, NULL)$$, NULL),
  (50, 'values of -1e308 and 1.7e308', $$SELECT mimgan_plot('h2', NULL::h2_huge, 1, 60)$$, NULL),
  (51, 'values differing by 1e-15 and 1e-300', $$SELECT mimgan_plot('h2', NULL::h2_tiny, 1, 60)$$, NULL),
  (52, 'a range of 20,000 rows', $$SELECT mimgan_plot('h2', NULL::h2_long, NULL::int, NULL)$$, NULL),
  (53, 'text bounds on a timestamptz order', $$SELECT mimgan_plot('h2', NULL::h2_ts, '2024-01-01 00:10+00'::text, '2024-01-01 01:00+00')$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
-- the documented results: a well-formed SVG without NaN or Infinity
SELECT what, xml_is_well_formed_document(svg) AS well_formed,
       replace(svg, 'h2_nan', '') ~* '(nan|inf)[^o]' AS bad_number,
       length(svg) < 2000000 AS under_2mb,
       svg LIKE '%no rows in the range%' AS says_empty
FROM (VALUES
  ('unknown series', mimgan_plot('h2s', NULL::metrics, 1, 50, options => '{"series": "zz"}')),
  ('outside the data', mimgan_plot('h2', NULL::metrics1, 1000, 2000)),
  ('one row', mimgan_plot('h2', NULL::h2_one, 1, 10)),
  ('nan data', mimgan_plot('h2', NULL::h2_nan, 1, 40)),
  ('threshold 0', mimgan_plot('h2', NULL::metrics1, 1, 40, options => '{"threshold": 0}')),
  ('threshold 1e300', mimgan_plot('h2', NULL::metrics1, 1, 40, options => '{"threshold": 1e300}')),
  ('one step', mimgan_plot('h2', NULL::metrics1, 30, 30)),
  ('constant', mimgan_plot('h2', NULL::h2_const, 1, 50)),
  ('nulls in cols', mimgan_plot('h2', NULL::metrics1, 1, 10, NULL::text[])),
  ('huge values', mimgan_plot('h2', NULL::h2_huge, 1, 60)),
  ('tiny differences', mimgan_plot('h2', NULL::h2_tiny, 1, 60)),
  ('20,000 rows', mimgan_plot('h2', NULL::h2_long, NULL::int, NULL)),
  ('timestamptz order', mimgan_plot('h2', NULL::h2_ts, '2024-01-01 00:10+00'::text, '2024-01-01 01:00+00'))
) AS p(what, svg)
ORDER BY what;

-- =====================================================================
-- mimgan_score_window
-- =====================================================================
SELECT mimgan_export('h2') AS blob \gset
SELECT mimgan_export('h2s') AS blob3 \gset
CREATE TEMP TABLE h2_blob AS SELECT :'blob'::bytea AS b, :'blob3'::bytea AS b3,
       array_fill(0.5::float8, ARRAY[6, 2]) AS f;
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  -- the blob
  (1, 'empty blob', $$SELECT mimgan_score_window(''::bytea, f) FROM h2_blob$$, NULL),
  (2, 'one byte', $$SELECT mimgan_score_window('\x00'::bytea, f) FROM h2_blob$$, NULL),
  (3, 'the first 8 bytes', $$SELECT mimgan_score_window(substr(b, 1, 8), f) FROM h2_blob$$, NULL),
  (4, 'the first 64 bytes', $$SELECT mimgan_score_window(substr(b, 1, 64), f) FROM h2_blob$$, NULL),
  (5, 'one byte short', $$SELECT mimgan_score_window(substr(b, 1, length(b) - 1), f) FROM h2_blob$$, NULL),
  (6, 'one byte too many', $$SELECT mimgan_score_window(b || '\x00'::bytea, f) FROM h2_blob$$, NULL),
  (7, 'twice the blob', $$SELECT mimgan_score_window(b || b, f) FROM h2_blob$$, NULL),
  (8, 'bit flipped in the magic', $$SELECT mimgan_score_window(set_bit(b, 3, 1 - get_bit(b, 3)), f) FROM h2_blob$$, NULL),
  (9, 'bit flipped in the header', $$SELECT mimgan_score_window(set_bit(b, 100, 1 - get_bit(b, 100)), f) FROM h2_blob$$, NULL),
  (10, 'bit flipped in the weights', $$SELECT mimgan_score_window(set_bit(b, 8 * (length(b) / 2), 1 - get_bit(b, 8 * (length(b) / 2))), f) FROM h2_blob$$, NULL),
  (11, 'bit flipped in the checksum', $$SELECT mimgan_score_window(set_bit(b, 8 * length(b) - 1, 1 - get_bit(b, 8 * length(b) - 1)), f) FROM h2_blob$$, NULL),
  (12, 'every byte zero', $$SELECT mimgan_score_window(decode(repeat('00', length(b)), 'hex'), f) FROM h2_blob$$, NULL),
  (13, 'every byte 0xff', $$SELECT mimgan_score_window(decode(repeat('ff', length(b)), 'hex'), f) FROM h2_blob$$, NULL),
  (14, 'a PNG header', $$SELECT mimgan_score_window('\x89504e470d0a1a0a0000000d49484452'::bytea, f) FROM h2_blob$$, NULL),
  (15, 'a gzip header', $$SELECT mimgan_score_window('\x1f8b0800000000000003'::bytea, f) FROM h2_blob$$, NULL),
  (16, 'text of an SVG', $$SELECT mimgan_score_window(convert_to('<svg xmlns="http://www.w3.org/2000/svg"/>', 'UTF8'), f) FROM h2_blob$$, NULL),
  (17, 'the magic then garbage', $$SELECT mimgan_score_window(substr(b, 1, 4) || decode(repeat('41', 5000), 'hex'), f) FROM h2_blob$$, NULL),
  (18, 'a blob of 4 MB', $$SELECT mimgan_score_window(decode(repeat('5a', 4000000), 'hex'), f) FROM h2_blob$$, NULL),
  (19, 'the blob reversed', $$SELECT mimgan_score_window((SELECT string_agg(substr(b, i, 1), ''::bytea ORDER BY i DESC) FROM generate_series(1, length(b)) i), f) FROM h2_blob$$, NULL),
  -- the frame
  (20, 'a frame for another model', $$SELECT mimgan_score_window(b3, f) FROM h2_blob$$, NULL),
  (21, 'one column too many', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[6, 3])) FROM h2_blob$$, NULL),
  (22, 'one row too many', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[7, 2])) FROM h2_blob$$, NULL),
  (23, 'transposed', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[2, 6])) FROM h2_blob$$, NULL),
  (24, 'flat, one value too many', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[13])) FROM h2_blob$$, NULL),
  (25, 'flat, odd length', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[11])) FROM h2_blob$$, NULL),
  (26, 'three-dimensional', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[6, 2, 1])) FROM h2_blob$$, NULL),
  (27, 'six-dimensional', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[1, 1, 6, 1, 2, 1])) FROM h2_blob$$, NULL),
  (28, 'empty', $$SELECT mimgan_score_window(b, '{}') FROM h2_blob$$, NULL),
  (29, '1,000,000 values', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[1000000])) FROM h2_blob$$, NULL),
  (30, '500,000 rows', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[500000, 2])) FROM h2_blob$$, NULL),
  (31, 'frame of text', $$SELECT mimgan_score_window(b, ARRAY['a', 'b']) FROM h2_blob$$, NULL),
  (32, 'frame of numeric beyond float8', $$SELECT mimgan_score_window(b, ARRAY[1e400]) FROM h2_blob$$, NULL),
  (33, 'a text blob', $$SELECT mimgan_score_window('abc', f) FROM h2_blob$$, NULL),
  -- odd but documented: results below
  (34, 'lower bounds 5 and 0', $$SELECT mimgan_score_window(b, '[5:10][0:1]={{1,1},{1,1},{1,1},{1,1},{1,1},{1,1}}'::float8[]) FROM h2_blob$$, NULL),
  (35, 'one NULL element', $$SELECT mimgan_score_window(b, array_fill(0.5::float8, ARRAY[5, 2]) || ARRAY[[NULL, 1]]::float8[]) FROM h2_blob$$, NULL),
  (36, 'integers (cast)', $$SELECT mimgan_score_window(b, array_fill(1, ARRAY[6, 2])::float8[]) FROM h2_blob$$, NULL),
  (37, 'values of 1e308', $$SELECT mimgan_score_window(b, array_fill(1e308::float8, ARRAY[6, 2])) FROM h2_blob$$, NULL),
  (38, 'a short frame, 2-D', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[1, 2])) FROM h2_blob$$, NULL),
  (39, 'lower bounds near the int4 limits', $$SELECT mimgan_score_window(b, array_fill(1::float8, ARRAY[6, 2], ARRAY[2147483000, -2147483648])) FROM h2_blob$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
SELECT mimgan_score_window(b, '[5:10][0:1]={{1,1},{1,1},{1,1},{1,1},{1,1},{1,1}}'::float8[])
         = mimgan_score_window(b, array_fill(1::float8, ARRAY[6, 2])) AS bounds_ignored,
       mimgan_score_window(b, array_fill(1, ARRAY[6, 2])::float8[])
         = mimgan_score_window(b, array_fill(1::float8, ARRAY[6, 2])) AS ints_cast,
       mimgan_score_window(b, array_fill(0.5::float8, ARRAY[5, 2]) || ARRAY[[NULL, 1]]::float8[]) IS NULL AS null_gives_null,
       mimgan_score_window(b, array_fill(1e308::float8, ARRAY[6, 2])) >= 0 AS huge_scored,
       mimgan_score_window(b, array_fill(1::float8, ARRAY[1, 2])) IS NULL AS short_null,
       mimgan_score_window(b, array_fill(1::float8, ARRAY[6, 2], ARRAY[2147483000, -2147483648]))
         = mimgan_score_window(b, array_fill(1::float8, ARRAY[6, 2])) AS extreme_bounds_ignored
FROM h2_blob;
SELECT count(*) AS n, min((r).t), max((r).t)
FROM mimgan_explain('h2', NULL::metrics1, -2147483648, 2147483647);

-- =====================================================================
-- mimgan_pin and mimgan_unpin
-- =====================================================================
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  (1, 'pin: empty spec', $$SELECT mimgan_pin('')$$, '""'),
  (2, 'pin: only a version', $$SELECT mimgan_pin('@1')$$, '@1'),
  (3, 'pin: no version', $$SELECT mimgan_pin('h2')$$, 'h2'),
  (4, 'pin: version 0', $$SELECT mimgan_pin('h2@0')$$, 'h2@0'),
  (5, 'pin: version -1', $$SELECT mimgan_pin('h2@-1')$$, 'h2@-1'),
  (6, 'pin: version beyond int4', $$SELECT mimgan_pin('h2@99999999999')$$, 'h2@99999999999'),
  (7, 'pin: version 2147483648', $$SELECT mimgan_pin('h2@2147483648')$$, 'h2@2147483648'),
  (8, 'pin: two @', $$SELECT mimgan_pin('h2@1@2')$$, 'h2@1@2'),
  (9, 'pin: trailing @', $$SELECT mimgan_pin('h2@')$$, 'h2@'),
  (10, 'pin: leading zero', $$SELECT mimgan_pin('h2@01')$$, 'h2@01'),
  (11, 'pin: version with a space', $$SELECT mimgan_pin('h2@ 1')$$, 'h2@ 1'),
  (12, 'pin: version 1.0', $$SELECT mimgan_pin('h2@1.0')$$, 'h2@1.0'),
  (13, 'pin: version +1', $$SELECT mimgan_pin('h2@+1')$$, 'h2@+1'),
  (14, 'pin: unknown version', $$SELECT mimgan_pin('h2@2')$$, 'h2'),
  (15, 'pin: unknown model', $$SELECT mimgan_pin('h2_nope@1')$$, 'h2_nope'),
  (16, 'pin: name of 1 kB', $$SELECT mimgan_pin(repeat('p', 1000) || '@1')$$, 'pppp'),
  (17, 'pin: name of 64 bytes', $$SELECT mimgan_pin(repeat('p', 64) || '@1')$$, 'pppp'),
  (18, 'pin: quoted name', $$SELECT mimgan_pin('"h2"@1')$$, '"h2"'),
  (19, 'pin: upper-case name', $$SELECT mimgan_pin('H2@1')$$, 'H2'),
  (20, 'pin: injection in the name', $$SELECT mimgan_pin('h2''; DROP TABLE victim; --@1')$$, 'DROP TABLE victim'),
  (21, 'pin: injection in the version', $$SELECT mimgan_pin('h2@1; DROP TABLE victim')$$, 'DROP TABLE victim'),
  (22, 'pin: injection in the hint', $$SELECT mimgan_pin('x''); DROP TABLE victim; --')$$, 'DROP TABLE victim'),
  (23, 'pin: a NUL-free control character', $$SELECT mimgan_pin(E'h2\n@1')$$, NULL),
  (24, 'pin: only @', $$SELECT mimgan_pin('@')$$, '"@"'),
  (25, 'pin: of the wrong type', $$SELECT mimgan_pin(1)$$, 'mimgan_pin'),
  (26, 'pin: two arguments', $$SELECT mimgan_pin('h2', 1)$$, 'mimgan_pin'),
  (27, 'pin: version 1e3', $$SELECT mimgan_pin('h2@1e3')$$, 'h2@1e3'),
  (28, 'unpin: empty name', $$SELECT mimgan_unpin('')$$, '""'),
  (29, 'unpin: unknown model', $$SELECT mimgan_unpin('h2_nope')$$, 'h2_nope'),
  (30, 'unpin: a spec instead of a name', $$SELECT mimgan_unpin('h2@1')$$, 'h2@1'),
  (31, 'unpin: name of 1 kB', $$SELECT mimgan_unpin(repeat('u', 1000))$$, 'uuuu'),
  (32, 'unpin: injection', $$SELECT mimgan_unpin('h2''; DROP TABLE victim; --')$$, 'DROP TABLE victim'),
  (33, 'unpin: of the wrong type', $$SELECT mimgan_unpin(1)$$, 'mimgan_unpin'),
  (34, 'unpin: upper-case name', $$SELECT mimgan_unpin('H2')$$, 'H2'),
  (35, 'unpin: name with a version and spaces', $$SELECT mimgan_unpin(' h2 ')$$, ' h2 '),
  -- documented results
  (36, 'pin: NULL (STRICT)', $$SELECT mimgan_pin(NULL)$$, NULL),
  (37, 'unpin: NULL (STRICT)', $$SELECT mimgan_unpin(NULL)$$, NULL),
  (38, 'unpin: nothing pinned', $$SELECT mimgan_unpin('h2')$$, NULL),
  (39, 'pin twice, then unpin twice', $$SELECT mimgan_pin('h2@1'), mimgan_pin('h2@1'), mimgan_unpin('h2'), mimgan_unpin('h2')$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
SELECT mimgan_pin(NULL) IS NULL AS pin_null, mimgan_unpin(NULL) IS NULL AS unpin_null,
       mimgan_unpin('h2') AS unpinned;
SELECT count(*) AS pins FROM mimgan.model_pin WHERE name LIKE 'h2%';
-- the hint of unpinning a spec names the model
SELECT mimgan_unpin('h2@1');
-- in a read-only transaction
\set VERBOSITY sqlstate
BEGIN READ ONLY;
SELECT mimgan_pin('h2@1');
ROLLBACK;
BEGIN READ ONLY;
SELECT mimgan_unpin('h2');
ROLLBACK;
\set VERBOSITY default

-- a pinned version dropped in a transaction: 'name' is the latest again,
-- and the pin goes with it; rolled back, the pin is back
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2', :'o');
SELECT mimgan_pin('h2@1');
BEGIN;
SELECT mimgan_drop('h2@1');
SELECT count(*) AS pins FROM mimgan.model_pin WHERE name = 'h2';
SELECT spec FROM mimgan_models WHERE name = 'h2' AND active;
SELECT mimgan_pin('h2@1');
ROLLBACK;
\set VERBOSITY terse
BEGIN;
SELECT mimgan_drop('h2');
SAVEPOINT s;
SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10);
ROLLBACK TO s;
SELECT mimgan_plot('h2', NULL::metrics1, 1, 10);
ROLLBACK TO s;
SELECT mimgan_unpin('h2');
ROLLBACK;
\set VERBOSITY default
SELECT spec, active, pinned FROM mimgan_models WHERE name = 'h2' ORDER BY version;
SELECT mimgan_unpin('h2');
SELECT mimgan_drop('h2@2');

-- another role's models: invisible, so neither pinned nor unpinned nor
-- explained, plotted or used as a warm start
CREATE ROLE h2_nobody;
GRANT SELECT ON metrics1 TO h2_nobody;
SET ROLE h2_nobody;
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  (1, 'pin another role''s model', $$SELECT mimgan_pin('h2@1')$$, 'h2'),
  (2, 'unpin another role''s model', $$SELECT mimgan_unpin('h2')$$, 'h2'),
  (3, 'pin by writing the pin table', $$INSERT INTO mimgan.model_pin (name, version) VALUES ('h2', 1)$$, NULL),
  (4, 'explain with another role''s model', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics1, 1, 10)$$, 'h2'),
  (5, 'plot with another role''s model', $$SELECT mimgan_plot('h2', NULL::metrics1, 1, 10)$$, 'h2'),
  (6, 'threshold with another role''s model', $$SELECT * FROM mimgan_threshold('h2', NULL::metrics1, 'x')$$, 'h2'),
  (7, 'warm start from another role''s model', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_mine', pg_temp.o() || '{"warm_start": "h2@1"}')$$, 'h2'),
  (8, 'explain a table without privileges', $$SELECT count(*) FROM mimgan_explain('h2', NULL::metrics, 1, 10)$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
SELECT count(*) AS progress_rows FROM mimgan_progress;
SELECT count(*) AS progress_rows FROM mimgan_progress();
RESET ROLE;
SELECT count(*) AS pins FROM mimgan.model_pin WHERE name = 'h2';

-- =====================================================================
-- mimgan_threshold
-- =====================================================================
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  (1, 'NULL model', $$SELECT * FROM mimgan_threshold(NULL, NULL::h2_lab, 'lab')$$, NULL),
  (2, 'empty model', $$SELECT * FROM mimgan_threshold('', NULL::h2_lab, 'lab')$$, '""'),
  (3, 'only a version', $$SELECT * FROM mimgan_threshold('@1', NULL::h2_lab, 'lab')$$, '@1'),
  (4, 'version 0', $$SELECT * FROM mimgan_threshold('h2@0', NULL::h2_lab, 'lab')$$, 'h2@0'),
  (5, 'version beyond int4', $$SELECT * FROM mimgan_threshold('h2@99999999999', NULL::h2_lab, 'lab')$$, 'h2@99999999999'),
  (6, 'two @', $$SELECT * FROM mimgan_threshold('h2@1@2', NULL::h2_lab, 'lab')$$, 'h2@1@2'),
  (7, 'unknown model', $$SELECT * FROM mimgan_threshold('h2_nope', NULL::h2_lab, 'lab')$$, 'h2_nope'),
  (8, 'injection in the model', $$SELECT * FROM mimgan_threshold('h2''; DROP TABLE victim; --', NULL::h2_lab, 'lab')$$, 'DROP TABLE victim'),
  (9, 'rows: untyped NULL', $$SELECT * FROM mimgan_threshold('h2', NULL, 'lab')$$, NULL),
  (10, 'rows: an integer', $$SELECT * FROM mimgan_threshold('h2', NULL::int, 'lab')$$, 'integer'),
  (11, 'rows: an anonymous record', $$SELECT * FROM mimgan_threshold('h2', ROW(1, 2), 'lab')$$, 'record'),
  (12, 'rows: a free-standing composite type', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_comp, 'x')$$, 'h2_comp'),
  (13, 'relation without the model columns', $$SELECT * FROM mimgan_threshold('h2', NULL::metrics, 'io')$$, 'metrics'),
  (14, 'NULL label column', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, NULL)$$, NULL),
  (15, 'empty label column', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, '')$$, 'label'),
  (16, 'unknown label column', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'nope')$$, 'nope'),
  (17, 'quoted label column', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, '"lab"')$$, '"lab"'),
  (18, 'injection in the label column', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab; DROP TABLE victim')$$, 'DROP TABLE victim'),
  (19, 'label column of 1 kB', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, repeat('l', 1000))$$, 'llll'),
  (20, 'label of type text', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'txt')$$, '"txt"'),
  (21, 'label of type jsonb', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'j')$$, '"j"'),
  (22, 'system column as label', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'ctid')$$, 'ctid'),
  (23, 'every label NULL', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'nolab')$$, 'h2_lab'),
  (24, 'empty relation', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_empty, 'x')$$, 'h2_empty'),
  (25, 'one-row relation', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_one, 'x')$$, 'h2_one'),
  (26, 'options: an array', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', '[]')$$, NULL),
  (27, 'options: unknown key', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', '{"label": "lab"}')$$, 'label'),
  (28, 'options: threshold "NaN"', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', '{"threshold": "NaN"}')$$, 'NaN'),
  (29, 'options: top_k (not for evaluation)', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', '{"top_k": 3}')$$, 'top_k'),
  (30, 'options: step beyond seq_len', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', '{"step": 1000}')$$, '1000'),
  (31, 'options: series (an explain option)', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', '{"series": "a"}')$$, 'series'),
  (32, 'options: batch beyond float8', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', '{"batch": 1e999}')$$, 'batch'),
  -- documented results
  (33, 'NULL options', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', NULL)$$, NULL),
  (34, 'a view', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_view, 'x')$$, NULL),
  (35, 'labels 0, 1, 2 (nonzero = anomaly)', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_lab, 'n3')$$, NULL),
  (36, 'NaN and Infinity in the data', $$SELECT * FROM mimgan_threshold('h2', NULL::h2_nan, 'x')$$, NULL),
  (37, 'in a WHERE clause', $$SELECT count(*) FROM metrics1 WHERE x > (SELECT threshold FROM mimgan_threshold('h2', NULL::h2_lab, 'lab'))$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
SELECT 'null options' AS what, n, n_anomalies, threshold IS NOT NULL AS has_threshold, chosen_from
FROM mimgan_threshold('h2', NULL::h2_lab, 'lab', NULL)
UNION ALL SELECT 'three-valued label', n, n_anomalies, threshold IS NOT NULL, chosen_from
FROM mimgan_threshold('h2', NULL::h2_lab, 'n3')
UNION ALL SELECT 'nan data', n, n_anomalies, threshold IS NOT NULL, chosen_from
FROM mimgan_threshold('h2', NULL::h2_nan, 'x');
SELECT count(*) FILTER (WHERE n3 <> 0) AS expected_n3_anomalies FROM h2_lab WHERE t >= 6;

-- =====================================================================
-- mimgan_progress() and the view mimgan_progress
-- =====================================================================
-- Files in pg_stat_tmp named like a progress file: written with lo_export
-- (superuser), named after this backend ({me} = <pid>.<backend start>) or
-- another; the record layout is that of src/pg/progress.c on a 64-bit
-- little-endian server (344 bytes).  Files of a dead backend are removed by
-- the next reader; the three whose names mimgan_progress ignores (cases 25 to
-- 27: empty files) stay in pg_stat_tmp of the test cluster.
CREATE FUNCTION pg_temp.le(b bytea) RETURNS bytea LANGUAGE sql AS
$$ SELECT string_agg(substr(b, i, 1), ''::bytea ORDER BY i DESC) FROM generate_series(1, length(b)) i $$;
CREATE FUNCTION pg_temp.me() RETURNS text LANGUAGE sql AS
$$ SELECT pg_backend_pid() || '.' || ((extract(epoch FROM backend_start) - 946684800) * 1000000)::bigint
   FROM pg_stat_activity WHERE pid = pg_backend_pid() $$;
CREATE FUNCTION pg_temp.pad(s bytea, n int) RETURNS bytea LANGUAGE sql AS
$$ SELECT substr(s || decode(repeat('00', n), 'hex'), 1, n) $$;
-- a record: the fields that the cases vary are arguments
CREATE FUNCTION pg_temp.rec(phase int DEFAULT 2, model bytea DEFAULT 'forged', source bytea DEFAULT 'src',
                            stamp bigint DEFAULT NULL, magic int DEFAULT 1296519250, size int DEFAULT 344,
                            pid int DEFAULT pg_backend_pid(), userid bigint DEFAULT 10, dbid bigint DEFAULT NULL,
                            seen bigint DEFAULT 5, total bigint DEFAULT 10, loss float8 DEFAULT 0.5)
RETURNS bytea LANGUAGE sql AS
$$
SELECT pg_temp.le(int4send(magic)) || pg_temp.le(int4send(1)) || pg_temp.le(int4send(size))
    || pg_temp.le(int4send(pid))
    || pg_temp.le(int8send(split_part(pg_temp.me(), '.', 2)::bigint))
    || pg_temp.le(substr(int8send(userid), 5, 4))
    || pg_temp.le(substr(int8send(coalesce(dbid, (SELECT oid FROM pg_database WHERE datname = current_database())::bigint)), 5, 4))
    || pg_temp.le(int4send(phase)) || pg_temp.le(int4send(1)) || pg_temp.le(int4send(3))
    || pg_temp.le(int4send(1)) || pg_temp.le(int4send(0)) || pg_temp.le(int4send(0))
    || pg_temp.le(int8send(seen)) || pg_temp.le(int8send(total))
    || pg_temp.le(float8send(loss)) || pg_temp.le(float8send(loss)) || pg_temp.le(float8send(loss))
    || pg_temp.le(float8send(loss)) || pg_temp.le(float8send(loss)) || pg_temp.le(float8send(10))
    || pg_temp.le(int8send(coalesce(stamp, 0))) || pg_temp.le(int8send(coalesce(stamp, 0)))
    || pg_temp.le(int8send(coalesce(stamp, 0)))
    || pg_temp.pad(model, 64) || pg_temp.pad(source, 136)
$$;
-- write the file, call mimgan_progress, report what shows and whether the
-- file is still there
CREATE FUNCTION pg_temp.pcase(fname text, data bytea,
                              OUT code text, OUT shown bigint, OUT model text, OUT kept boolean)
LANGUAGE plpgsql AS
$$
DECLARE
    f text := replace(fname, '{me}', pg_temp.me());
    lo oid := lo_from_bytea(0, '');
BEGIN
    -- no record of an earlier case left under this backend's name
    PERFORM lo_export(lo, 'pg_stat_tmp/mimgan_progress.' || pg_temp.me());
    PERFORM lo_unlink(lo);
    lo := lo_from_bytea(0, data);
    PERFORM lo_export(lo, 'pg_stat_tmp/' || f);
    PERFORM lo_unlink(lo);
    BEGIN
        SELECT count(*), string_agg(coalesce(p.model, '-') || '/' || coalesce(p.source, '-') || '/' || p.phase || '/'
                                    || coalesce(p.usename, '-') || '/' || coalesce(p.datname, '-')
                                    || '/' || coalesce(p.started_at::text, '-')
                                    || '/' || coalesce(p.percent::text, '-'), ', ')
        INTO shown, model FROM mimgan_progress() p;
        code := 'ok';
    EXCEPTION WHEN OTHERS THEN
        code := SQLSTATE || ': ' || SQLERRM;
    END;
    kept := f IN (SELECT pg_ls_dir('pg_stat_tmp'));
END
$$;
SELECT c.n, c.label, r.*
FROM (VALUES
  (1, 'zero-length file', 'mimgan_progress.{me}', ''::bytea),
  (2, 'text garbage', 'mimgan_progress.{me}', 'hello, world'::bytea),
  (3, 'a truncated record', 'mimgan_progress.{me}', substr(pg_temp.rec(), 1, 100)),
  (4, 'one byte short', 'mimgan_progress.{me}', substr(pg_temp.rec(), 1, 343)),
  (5, 'wrong magic', 'mimgan_progress.{me}', pg_temp.rec(magic => 1)),
  (6, 'wrong size field', 'mimgan_progress.{me}', pg_temp.rec(size => 345)),
  (7, 'phase -1', 'mimgan_progress.{me}', pg_temp.rec(phase => -1)),
  (8, 'phase 99', 'mimgan_progress.{me}', pg_temp.rec(phase => 99)),
  (9, 'pid field of another process', 'mimgan_progress.{me}', pg_temp.rec(pid => 1)),
  (10, 'unterminated model and source', 'mimgan_progress.{me}', pg_temp.rec(model => decode(repeat('41', 64), 'hex'), source => decode(repeat('42', 136), 'hex'))),
  (11, 'invalid UTF-8 in the model and source', 'mimgan_progress.{me}', pg_temp.rec(model => '\xc328ff'::bytea, source => '\xe282'::bytea)),
  (12, 'timestamps out of range', 'mimgan_progress.{me}', pg_temp.rec(stamp => 9000000000000000000)),
  (13, 'timestamps at the int64 minimum', 'mimgan_progress.{me}', pg_temp.rec(stamp => -9223372036854775808)),
  (14, 'NaN losses, seen beyond total', 'mimgan_progress.{me}', pg_temp.rec(loss => 'NaN', seen => 99, total => 10)),
  (15, 'negative window counts', 'mimgan_progress.{me}', pg_temp.rec(seen => -5, total => -1)),
  (16, 'unknown role and database', 'mimgan_progress.{me}', pg_temp.rec(userid => 4294967295, dbid => 4294967294)),
  (17, 'a valid record, one byte too many', 'mimgan_progress.{me}', pg_temp.rec() || '\x00'::bytea),
  (18, 'a valid record of a training', 'mimgan_progress.{me}', pg_temp.rec(model => 'h2<&>''"', stamp => 0)),
  (19, 'a temporary file of this backend', 'mimgan_progress.{me}.tmp', pg_temp.rec()),
  (20, 'another suffix after the name', 'mimgan_progress.{me}x', pg_temp.rec()),
  (21, 'pid 0', 'mimgan_progress.0.0', pg_temp.rec()),
  (22, 'pid beyond int4', 'mimgan_progress.99999999999.1', pg_temp.rec()),
  (23, 'negative pid', 'mimgan_progress.-1.-1', pg_temp.rec()),
  (24, 'this pid, another backend start', 'mimgan_progress.' || pg_backend_pid() || '.12345', pg_temp.rec()),
  (25, 'no numbers', 'mimgan_progress.abc', ''::bytea),
  (26, 'only the prefix', 'mimgan_progress.', ''::bytea),
  (27, 'the prefix in upper case', 'MIMGAN_PROGRESS.{me}', ''::bytea)
) AS c(n, label, fname, data),
LATERAL pg_temp.pcase(c.fname, c.data) AS r
ORDER BY c.n;
-- leave no valid record behind (the file goes as stale when this backend ends)
SELECT code, shown FROM pg_temp.pcase('mimgan_progress.{me}', ''::bytea);
SELECT kept FROM pg_temp.pcase('mimgan_progress.abc', ''::bytea);

-- odd contexts
CREATE TEMP TABLE h2_ids AS SELECT pg_backend_pid() AS pid;
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  (1, 'an argument', $$SELECT * FROM mimgan_progress(1)$$, 'mimgan_progress'),
  (2, 'insert into the view', $$INSERT INTO mimgan_progress (pid) VALUES (1)$$, 'mimgan_progress'),
  (3, 'delete from the view', $$DELETE FROM mimgan_progress$$, 'mimgan_progress'),
  (4, 'update the view', $$UPDATE mimgan_progress SET phase = 'x'$$, 'mimgan_progress'),
  -- documented results: no row, as no training runs
  (5, 'in a WHERE clause', $$SELECT count(*) FROM metrics1 WHERE t IN (SELECT pid FROM mimgan_progress())$$, NULL),
  (6, 'in a join', $$SELECT count(*) FROM pg_stat_activity a JOIN mimgan_progress p USING (pid)$$, NULL),
  (7, 'twice in a cross join', $$SELECT count(*) FROM mimgan_progress() a, mimgan_progress() b$$, NULL),
  (8, 'in the select list', $$SELECT mimgan_progress()$$, NULL),
  (9, 'lateral, per row', $$SELECT count(*) FROM h2_ids i, LATERAL (SELECT * FROM mimgan_progress() p WHERE p.pid = i.pid) q$$, NULL),
  (10, 'under EXPLAIN ANALYZE', $$EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM mimgan_progress$$, NULL),
  (11, 'in a parallel query', $$SET LOCAL force_parallel_mode = on; SELECT count(*) FROM mimgan_progress$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
-- in a read-only transaction, a rolled-back subtransaction, a cursor
BEGIN READ ONLY;
SELECT count(*) FROM mimgan_progress;
SAVEPOINT s;
SELECT count(*) FROM mimgan_progress();
ROLLBACK TO s;
DECLARE cur CURSOR FOR SELECT pid FROM mimgan_progress;
FETCH ALL FROM cur;
COMMIT;
-- after a cancelled training and a failed one: no row left behind
\set VERBOSITY sqlstate
SET statement_timeout = '300ms';
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_cancel',
                    (:'o')::jsonb || '{"epochs": 100000}');
RESET statement_timeout;
SELECT mimgan_train('h2_nan', ARRAY['x', 'y'], 6, 't', NULL, 'h2_fail', :'o');
\set VERBOSITY default
SELECT count(*) AS after_cancel FROM mimgan_progress;
SELECT count(*) AS files_left FROM pg_ls_dir('pg_stat_tmp') f
WHERE f LIKE 'mimgan_progress.' || pg_backend_pid() || '.%' AND f <> 'mimgan_progress.' || pg_temp.me();
-- called while this session trains (the source is a view that calls it):
-- the training's own row, phase reading
CREATE FUNCTION h2_peek() RETURNS boolean LANGUAGE plpgsql VOLATILE AS
$$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT model, phase FROM mimgan_progress() WHERE pid = pg_backend_pid() LOOP
        RAISE NOTICE 'seen: % %', p.model, p.phase;
    END LOOP;
    RETURN true;
END
$$;
CREATE VIEW h2_peeking AS SELECT t, x, y FROM metrics1 WHERE (SELECT h2_peek()) IS NOT FALSE;
SELECT mimgan_train('h2_peeking', ARRAY['x', 'y'], 6, 't', NULL, 'h2_peek', :'o');
SELECT count(*) AS after_training FROM mimgan_progress;

-- =====================================================================
-- mimgan_train: warm_start as a model spec, "threshold": "pot", pot_risk
-- =====================================================================
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  (1, 'warm_start: empty spec', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": ""}')$$, NULL),
  (2, 'warm_start: only a version', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "@1"}')$$, '@1'),
  (3, 'warm_start: version 0', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "h2@0"}')$$, 'h2@0'),
  (4, 'warm_start: version -1', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "h2@-1"}')$$, 'h2@-1'),
  (5, 'warm_start: version beyond int4', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "h2@99999999999"}')$$, 'h2@99999999999'),
  (6, 'warm_start: two @', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "h2@1@2"}')$$, 'h2@1@2'),
  (7, 'warm_start: name of 1 kB', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || jsonb_build_object('warm_start', repeat('w', 1000)))$$, 'wwww'),
  (8, 'warm_start: quoted name', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "\"h2\""}')$$, '"h2"'),
  (9, 'warm_start: injection', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "h2''; DROP TABLE victim; --"}')$$, 'DROP TABLE victim'),
  (10, 'warm_start: unknown model', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "h2_nope"}')$$, 'h2_nope'),
  (11, 'warm_start: other columns', $$SELECT mimgan_train('metrics', ARRAY['cpu', 'mem', 'io'], 6, 'ts', 'host', 'h2_w', pg_temp.o() || '{"warm_start": "h2"}')$$, 'h2'),
  (12, 'warm_start: another seq_len', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 9, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "h2"}')$$, 'h2'),
  (13, 'warm_start: an array', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": ["h2"]}')$$, 'warm_start'),
  (14, 'warm_start: an object', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": {"model": "h2"}}')$$, 'warm_start'),
  (15, 'warm_start: the number 2', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": 2}')$$, 'warm_start'),
  (16, 'warm_start: the model being trained, no version yet', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_new', pg_temp.o() || '{"warm_start": "h2_new"}')$$, 'h2_new'),
  (17, 'warm_start: other hidden sizes', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": "h2", "hidden_g": 16}')$$, NULL),
  (18, 'threshold: "POT"', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "POT"}')$$, 'POT'),
  (19, 'threshold: "potato"', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "potato"}')$$, 'potato'),
  (20, 'threshold: "pot " (trailing space)', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot "}')$$, 'pot '),
  (21, 'threshold: ""', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": ""}')$$, 'threshold'),
  (22, 'pot_risk 0', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": 0}')$$, 'pot_risk'),
  (23, 'pot_risk 1', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": 1}')$$, 'pot_risk'),
  (24, 'pot_risk -0.01', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": -0.01}')$$, 'pot_risk'),
  (25, 'pot_risk "NaN"', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": "NaN"}')$$, 'pot_risk'),
  (26, 'pot_risk a string', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": "low"}')$$, 'pot_risk'),
  (27, 'pot_risk beyond float8', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": 1e999}')$$, 'pot_risk'),
  (28, 'pot_risk null', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": null}')$$, 'pot_risk'),
  (29, 'pot_risk an array', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": [0.01]}')$$, 'pot_risk'),
  (30, 'pot_risk at 1 - threshold_quantile', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "threshold_quantile": 0.98, "pot_risk": 0.02}')$$, 'pot_risk'),
  (31, 'pot_risk 1e-400 (underflows to 0)', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": 1e-400}')$$, 'pot_risk'),
  -- documented results
  (32, 'pot_risk without pot', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"pot_risk": 0.001}')$$, NULL),
  (33, 'pot_risk 1e-300', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot", "pot_risk": 1e-300}')$$, NULL),
  (34, 'pot on constant data', $$SELECT mimgan_train('h2_const', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"threshold": "pot"}')$$, NULL),
  (35, 'warm_start JSON null', $$SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, 't', NULL, 'h2_w', pg_temp.o() || '{"warm_start": null}')$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
SELECT version, options ->> 'threshold' AS threshold, options ->> 'pot_risk' AS pot_risk,
       threshold > 0 AND threshold < 'Infinity' AS finite_threshold
FROM mimgan_models WHERE name = 'h2_w' ORDER BY version;

-- the database is intact
SELECT count(*) AS victim_rows FROM victim;
SELECT count(*) AS metrics1_rows FROM metrics1;
SELECT u.n, mimgan_drop(u.n) AS dropped
FROM unnest(ARRAY['h2', 'h2s', 'h2_w', 'h2_peek']) WITH ORDINALITY u(n, o)
WHERE EXISTS (SELECT 1 FROM mimgan_models m WHERE m.name = u.n)
ORDER BY u.o;
DROP VIEW h2_peeking, h2_view;
DROP FUNCTION h2_peek();
DROP MATERIALIZED VIEW h2_mat;
DROP TABLE victim, h2_huge, h2_tiny, h2_long, h2_xtext, h2_xint, h2_dropped, h2_nullts, h2_empty, h2_one, h2_part, h2_ts, h2_txt, h2_nan, h2_dup, h2_nullt, h2_lab, h2_const;
DROP TYPE h2_comp;
REVOKE SELECT ON metrics1 FROM h2_nobody;
DROP ROLE h2_nobody;
