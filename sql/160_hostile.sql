--
-- Hostile input: names that need quoting, SQL injection attempts in every
-- name argument, the widest table PostgreSQL allows, huge and odd option
-- values, odd model specs.  Each case is a clean ERROR with its SQLSTATE or
-- a documented result; the last query checks the database is intact.
--
SET extra_float_digits = 0;
\set VERBOSITY terse
\set o '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":1,"threshold_windows":8}'

CREATE TABLE "Odd Table; --" ("Time ""t""" int, "a;b" float8, "C d" float8, "x') --" float8);
INSERT INTO "Odd Table; --"
SELECT g, sin(g / 5.0), cos(g / 7.0), (g % 5) / 5.0 FROM generate_series(1, 60) g;
CREATE TABLE victim (x int);
INSERT INTO victim VALUES (1);

-- quoted identifiers everywhere work, by name, never spliced into SQL
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b', 'C d', 'x'') --'], 8,
                    order_by => 'Time "t"', model_name => 'odd "model"; --', options => :'o');
SELECT name, cols, order_by FROM mimgan_models WHERE name = 'odd "model"; --';
SELECT count(*) AS scored FROM mimgan_score('odd "model"; --', NULL::"Odd Table; --");
SELECT metric, value IS NOT NULL AS has_value
FROM mimgan_evaluate('odd "model"; --', NULL::"Odd Table; --", 'a;b') WHERE metric = 'n';

-- injection attempts in column, order, series, label and model names
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b); DROP TABLE victim; --'], 8, options => :'o');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 't; DROP TABLE victim', options => :'o');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    series_by => '1) OR (1=1', options => :'o');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    model_name => 'x''; DROP TABLE victim; --', options => :'o');
SELECT mimgan_drop('x''; DROP TABLE victim; --');
SELECT mimgan_score('nope''; DROP TABLE victim; --', NULL::victim);
SELECT * FROM mimgan_evaluate('odd "model"; --', NULL::"Odd Table; --", 'label; DROP TABLE victim');
SELECT mimgan_export('odd "model"; --@1; DROP TABLE victim');
SELECT mimgan_train('victim; DROP TABLE victim', ARRAY['x'], 8);

-- model specs
SELECT mimgan_export('odd "model"; --@999');
SELECT mimgan_export('odd "model"; --@0');
SELECT mimgan_export('odd "model"; --@-1');
SELECT mimgan_export('odd "model"; --@abc');
SELECT mimgan_export('odd "model"; --@99999999999999999999');
SELECT mimgan_export('');
SELECT mimgan_export(NULL);
SELECT mimgan_drop('@1');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    model_name => 'has@at', options => :'o');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    model_name => '', options => :'o');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    model_name => repeat('n', 1000), options => :'o');

-- one row, seq_len 1, wrong types
CREATE TABLE one_row (t int, x float8);
INSERT INTO one_row VALUES (1, 0.5);
SELECT mimgan_train('one_row', ARRAY['x'], 2, options => :'o');
SELECT mimgan_train('one_row', ARRAY['x'], 1, options => :'o');
CREATE TABLE typed (t int, s text, b bool, j jsonb, n numeric, i2 int2, r real);
INSERT INTO typed SELECT g, 'x', true, '{}', g, g, g FROM generate_series(1, 30) g;
SELECT mimgan_train('typed', ARRAY['s'], 5, options => :'o');
SELECT mimgan_train('typed', ARRAY['b'], 5, options => :'o');
SELECT mimgan_train('typed', ARRAY['j'], 5, options => :'o');
-- numeric, int2 and real are numbers: accepted
SELECT mimgan_train('typed', ARRAY['n', 'i2', 'r'], 5, order_by => 't', model_name => 'typed_ok',
                    options => :'o');

-- huge option values
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    options => '{"hidden_g": 4096, "hidden_d": 4096, "batch_size": 65536, "epochs": 1}');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    options => '{"latent_dim": 1e300}');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    options => '{"lr_d": "NaN"}');
SELECT mimgan_train('"Odd Table; --"', ARRAY['a;b'], 8, order_by => 'Time "t"',
                    options => '{"epochs": 99999999999999999999999}');
SELECT count(*) FROM mimgan_score('odd "model"; --', NULL::"Odd Table; --",
                                  '{"invert_iters": 1e12}');
SELECT count(*) FROM mimgan_score('odd "model"; --', NULL::"Odd Table; --",
                                  '{"batch": 100000000}');

-- the widest source: 1600 columns (PostgreSQL's limit for a table; a view,
-- since 1600 float8 do not fit in one heap row), 20 rows
DO $$
BEGIN
  EXECUTE (SELECT format('CREATE VIEW wide AS SELECT g AS t, %s FROM generate_series(1, 20) g',
                         string_agg(format('sin(g * %s / 100.0)::float8 AS c%s', i, i), ', '))
           FROM generate_series(1, 1599) i);
END
$$;
SELECT mimgan_train('wide', (SELECT array_agg('c' || i ORDER BY i) FROM generate_series(1, 1599) i),
                    4, order_by => 't', model_name => 'wide_m', options => :'o');
SELECT cardinality(cols) AS ncols FROM mimgan_models WHERE name = 'wide_m';
SELECT count(score) AS scored FROM mimgan_score('wide_m', NULL::wide);

-- numbers beyond float8 in options: the option's own error, the value cut short
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"lr_d": 1e999}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"epochs": 1e999}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => '{"threshold": -1e400}');
SELECT count(*) FROM mimgan_score('typed_ok', NULL::typed, '{"invert_lr": 1e999}');
SELECT count(*) FROM mimgan_score('typed_ok', NULL::typed, '{"threshold": 1e999}');
SELECT count(*) FROM mimgan_score('typed_ok', NULL::typed, '{"lambda": 1e-999}');
-- training in a read-only transaction is refused before any work
BEGIN READ ONLY;
SELECT mimgan_train('metrics1', ARRAY['x'], 10, options => :'o');
ROLLBACK;
-- a scoring options value that is not an object: the hint shows a scoring option
\set VERBOSITY default
SELECT count(*) FROM mimgan_score('typed_ok', NULL::typed, '[1]');
\set VERBOSITY terse

-- nothing above touched other objects
SELECT count(*) AS victim_rows FROM victim;
SELECT mimgan_drop(n) FROM unnest(ARRAY['odd "model"; --', 'typed_ok', 'wide_m']) n;
DROP VIEW wide;
DROP TABLE "Odd Table; --", victim, one_row, typed;
