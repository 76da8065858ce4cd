-- pgTAP: mimgan_import refuses damaged model blobs.  300 damaged copies of
-- a real blob (150 truncations at random lengths, 150 single-bit flips at
-- random positions, fixed random seed) are each imported inside their own
-- subtransaction; every one must fail with a clean ERROR of the expected
-- SQLSTATE class, none may create a model, and the undamaged blob must
-- still import.  (The blob loader is also fuzzed by make fuzz.)
-- Run by test/run_all.sh with pg_prove, in a fresh database with pgtap.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS mimgan;

SELECT plan(7);

CREATE TEMP TABLE src AS
  SELECT g AS t, sin(g / 5.0) AS a, cos(g / 7.0) AS b, (g % 11) / 10.0 AS c
  FROM generate_series(1, 120) g;
SELECT lives_ok(
  $$SELECT mimgan_train('src', ARRAY['a', 'b', 'c'], 8, order_by => 't',
                        model_name => 'blob_src',
                        options => '{"epochs": 1, "hidden_g": 4, "hidden_d": 4,
                                     "latent_dim": 2, "batch_size": 8, "seed": 3}')$$,
  'a small model trains');

CREATE TEMP TABLE damaged (i int, kind text, blob bytea, sqlstate text, created bool);

DO $$
DECLARE
  orig bytea := mimgan_export('blob_src');
  n int := octet_length(orig);
  b bytea;
  pos int;
  st text;
  made bool;
BEGIN
  PERFORM setseed(0.42);
  FOR i IN 1..300 LOOP
    IF i <= 150 THEN
      b := substring(orig FROM 1 FOR floor(random() * n)::int);   -- 0 .. n-1 bytes
    ELSE
      pos := floor(random() * n * 8)::int;                        -- any bit
      b := set_bit(orig, pos, 1 - get_bit(orig, pos));
    END IF;
    st := NULL;
    BEGIN
      PERFORM mimgan_import('dmg_' || i, b);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
    END;
    SELECT count(*) > 0 INTO made FROM mimgan.model WHERE name = 'dmg_' || i;
    INSERT INTO damaged VALUES (i, CASE WHEN i <= 150 THEN 'truncated' ELSE 'bit flip' END,
                                b, st, made);
  END LOOP;
END
$$;

SELECT diag('SQLSTATEs: ' || string_agg(kind || ' ' || coalesce(sqlstate, 'none') || ' x' || n, ', '))
FROM (SELECT kind, sqlstate, count(*) AS n FROM damaged GROUP BY 1, 2 ORDER BY 1, 2) q;
SELECT is((SELECT count(*) FROM damaged), 300::bigint, '300 damaged blobs tried');
SELECT is((SELECT count(*) FROM damaged WHERE blob = mimgan_export('blob_src')), 0::bigint,
          'every damaged blob differs from the original');
SELECT is((SELECT count(*) FROM damaged WHERE sqlstate IS NULL), 0::bigint,
          'every damaged blob is refused with an error');
SELECT is((SELECT count(*) FROM damaged
           WHERE sqlstate <> '22P03'), 0::bigint,
          'each refusal is invalid_binary_representation (22P03)');
SELECT is((SELECT count(*) FROM damaged WHERE created), 0::bigint,
          'no damaged blob created a model');
SELECT lives_ok($$SELECT mimgan_import('blob_copy', mimgan_export('blob_src'))$$,
                'the undamaged blob still imports');

SELECT * FROM finish();
ROLLBACK;
