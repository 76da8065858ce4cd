--
-- Error paths of mimgan_train, the options and the catalog functions.
-- Each error is shown with its message and hint; a table of SQLSTATEs
-- at the end checks the error codes.
--
SET extra_float_digits = 0;
\set o '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16}'

-- the SQLSTATE of a statement, or 'ok'
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text LANGUAGE plpgsql AS
$$
BEGIN
    EXECUTE q;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;

-- relation and columns
SELECT mimgan_train('no_such_table', ARRAY['x'], 10);
SELECT mimgan_train(NULL, ARRAY['x'], 10);
SELECT mimgan_train('metrics1', NULL, 10);
SELECT mimgan_train('metrics1', ARRAY['x'], NULL);
SELECT mimgan_train('metrics1', ARRAY[]::text[], 10);
SELECT mimgan_train('metrics1', ARRAY['x', NULL], 10);
SELECT mimgan_train('metrics1', ARRAY['x', 'y', 'x'], 10);
SELECT mimgan_train('metrics1', ARRAY['x', 'z'], 10);
SELECT mimgan_train('metrics1', ARRAY['X'], 10);
SELECT mimgan_train('metrics', ARRAY['cpu', 'host'], 10);
SELECT mimgan_train('metrics1', ARRAY['ctid'], 10);
CREATE SEQUENCE not_a_table;
SELECT mimgan_train('not_a_table', ARRAY['last_value'], 10);

-- seq_len
SELECT mimgan_train('metrics1', ARRAY['x'], 1);
SELECT mimgan_train('metrics1', ARRAY['x'], 0);
SELECT mimgan_train('metrics1', ARRAY['x'], -5);
SELECT mimgan_train('metrics1', ARRAY['x'], 20000);
-- longer than every series
SELECT mimgan_train('metrics1', ARRAY['x'], 201, options => :'o');
SELECT mimgan_train('metrics', ARRAY['cpu'], 300, series_by => 'host', options => :'o');
-- exactly as long as the data is fine
SELECT mimgan_train('metrics1', ARRAY['x'], 200, model_name => 'just_enough', options => :'o');
SELECT windows, series FROM mimgan_models WHERE name = 'just_enough';
SELECT mimgan_drop('just_enough');

-- order and series columns
CREATE TABLE no_time (k int, v float8);
INSERT INTO no_time SELECT i, i FROM generate_series(1, 50) i;
SELECT mimgan_train('no_time', ARRAY['v'], 10);
SELECT mimgan_train('no_time', ARRAY['v'], 10, order_by => 'nope');
SELECT mimgan_train('no_time', ARRAY['v'], 10, order_by => 'k', series_by => 'nope');
CREATE TABLE two_times (t int, ts timestamptz, v float8);
SELECT mimgan_train('two_times', ARRAY['v'], 10);
CREATE TABLE text_time (ts text, v float8);
SELECT mimgan_train('text_time', ARRAY['v'], 10);

-- empty and all-NULL sources
CREATE TABLE empty_src (t int, x float8);
SELECT mimgan_train('empty_src', ARRAY['x'], 10, options => :'o');
CREATE TABLE null_src (t int, x float8);
INSERT INTO null_src SELECT i, NULL FROM generate_series(1, 50) i;
SELECT mimgan_train('null_src', ARRAY['x'], 10, options => :'o');
SELECT mimgan_train('null_src', ARRAY['x'], 10,
                    options => (:'o')::jsonb || '{"on_missing": "skip"}');

-- NULL, NaN and Infinity: refused by default, skipped on request
CREATE TABLE gaps (t int, x float8, y numeric);
INSERT INTO gaps SELECT i, sin(i / 5.0), cos(i / 7.0) FROM generate_series(1, 100) i;
UPDATE gaps SET x = NULL WHERE t = 20;
SELECT mimgan_train('gaps', ARRAY['x', 'y'], 10, options => :'o');
UPDATE gaps SET x = 0 WHERE t = 20;
UPDATE gaps SET y = 'NaN' WHERE t = 30;
SELECT mimgan_train('gaps', ARRAY['x', 'y'], 10, options => :'o');
UPDATE gaps SET y = 0 WHERE t = 30;
UPDATE gaps SET x = '-Infinity' WHERE t = 40;
SELECT mimgan_train('gaps', ARRAY['x', 'y'], 10, options => :'o');
INSERT INTO gaps VALUES (NULL, 1, 1);
UPDATE gaps SET x = NULL WHERE t = 20;
UPDATE gaps SET y = 'NaN' WHERE t = 30;
SELECT mimgan_train('gaps', ARRAY['x', 'y'], 10,
                    options => (:'o')::jsonb || '{"on_missing": "skip"}');
SELECT (training ->> 'rows')::int AS rows,
       (training ->> 'rows_used')::int AS rows_used,
       (training ->> 'rows_skipped')::int AS rows_skipped,
       options ->> 'on_missing' AS on_missing
FROM mimgan_models WHERE name = 'gaps_mimgan';
SELECT mimgan_drop('gaps_mimgan');

-- finite values too large for the float32 networks
CREATE TABLE huge AS SELECT i AS t, 1e300 * sin(i) AS x FROM generate_series(1, 100) i;
SELECT mimgan_train('huge', ARRAY['x'], 10,
                    options => (:'o')::jsonb || '{"normalize": "none"}');

-- options
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"epochz": 2}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '[1, 2]');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '"epochs"');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"epochs": "ten"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"epochs": 2.5}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"epochs": 0}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"epochs": 1e20}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"batch_size": -1}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"lr_d": 0}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"lr_g": "fast"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"lambda": 1.5}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"loss": "hinge"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"normalize": null}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"verbose": "yes"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"threshold": "high"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"seed": -1}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"seed": 1.5}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"preset": "fast"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"on_missing": "interpolate"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"encoder": "yes"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"rec_weight": -1}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"rec_weight": 1e7}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"resid_norm": "test"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"resid_agg": "median"}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"threshold_quantile": 1}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"pca_components": 5000}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"pca_components": 2}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"layers_g": 9}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"max_train_windows": -3}');

-- model names
SELECT mimgan_train('metrics1', ARRAY['x'], 10, model_name => 'a@b');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, model_name => '');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, model_name => repeat('n', 64));

-- the memory budget
CREATE VIEW big AS
SELECT i AS t, sin(i / 10.0) AS a, cos(i / 10.0) AS b, sin(i / 3.0) AS c
FROM generate_series(1, 30000) i;
SET mimgan.max_train_memory = '1MB';
SELECT mimgan_train('big', ARRAY['a', 'b', 'c'], 10, options => :'o');
-- the networks' work space counts against the same budget: few rows, a
-- big batch of long windows (work space about 30 x 512 x 400 floats per
-- gate buffer) do not fit in 2MB
-- (terse: the detail gives sizes that depend on the allocator)
SET mimgan.max_train_memory = '2MB';
\set VERBOSITY terse
SELECT mimgan_train('big', ARRAY['a', 'b', 'c'], 30,
                    options => '{"batch_size": 512, "hidden_g": 100, "hidden_d": 100,
                                 "max_train_windows": 600, "epochs": 1}');
\set VERBOSITY default
-- nothing was saved
SELECT count(*) FROM mimgan.model WHERE name = 'big_mimgan';
RESET mimgan.max_train_memory;
-- budgets above 2GB are accepted (the limit is maintenance_work_mem's)
SET mimgan.max_train_memory = '8GB';
SHOW mimgan.max_train_memory;
RESET mimgan.max_train_memory;

-- damaged and foreign blobs
SELECT mimgan_export('m1') AS blob \gset
-- a flipped byte in the weights
SELECT mimgan_import('bad', overlay(:'blob'::bytea PLACING '\xff'::bytea
                                   FROM octet_length(:'blob'::bytea) / 2 FOR 1));
-- truncated
SELECT mimgan_import('bad', substring(:'blob'::bytea FROM 1 FOR 100));
-- not a model
SELECT mimgan_import('bad', '\x0102030405060708090a0b0c0d0e0f10111213141516171819'::bytea);
SELECT mimgan_import('bad', ''::bytea);
-- a future format version
SELECT mimgan_import('bad', overlay(:'blob'::bytea PLACING '\x63'::bytea FROM 9 FOR 1));
SELECT count(*) FROM mimgan_models WHERE name = 'bad';

-- cancel: statement_timeout stops a long training, leaving nothing behind
SET statement_timeout = '300ms';
SELECT mimgan_train('metrics', ARRAY['cpu', 'mem', 'io'], 20, series_by => 'host',
                    model_name => 'too_long',
                    options => '{"epochs": 100000, "hidden_g": 32, "hidden_d": 32,
                                 "batch_size": 8, "seed": 1}');
RESET statement_timeout;
SELECT count(*) FROM mimgan_models WHERE name = 'too_long';

-- SQLSTATEs
SELECT q, pg_temp.sqlstate_of(q) AS sqlstate FROM (VALUES
    ($$SELECT mimgan_train('metrics1', ARRAY['z'], 10)$$),
    ($$SELECT mimgan_train('metrics', ARRAY['host'], 10)$$),
    ($$SELECT mimgan_train(NULL, ARRAY['x'], 10)$$),
    ($$SELECT mimgan_train('metrics1', ARRAY['x'], 1)$$),
    ($$SELECT mimgan_train('metrics1', ARRAY['x'], 201)$$),
    ($$SELECT mimgan_train('empty_src', ARRAY['x'], 10)$$),
    ($$SELECT mimgan_train('no_time', ARRAY['v'], 10)$$),
    ($$SELECT mimgan_train('gaps', ARRAY['x'], 10)$$),
    ($$SELECT mimgan_train('gaps', ARRAY['y'], 10)$$),
    ($$SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"x": 1}')$$),
    ($$SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"epochs": 0}')$$),
    ($$SELECT mimgan_export('m1@x')$$),
    ($$SELECT mimgan_export('nope')$$),
    ($$SELECT mimgan_drop('m1@9')$$),
    ($$SELECT mimgan_import('bad', substring(mimgan_export('m1') FROM 1 FOR 100))$$),
    ($$SELECT mimgan_import('bad', '\x0102030405060708090a0b0c0d0e0f10111213141516171819')$$)
) AS t(q);
