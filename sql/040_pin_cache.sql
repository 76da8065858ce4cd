-- Active versions (mimgan_pin / mimgan_unpin) and the per-backend model cache
\set VERBOSITY terse
SET extra_float_digits = 0;

\set o '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"threshold_windows":16,"seed":'
SELECT mimgan_train('metrics1', ARRAY['x','y'], 6, 't', NULL, 'pin_m', (:'o' || '1}')::jsonb);
SELECT mimgan_train('metrics1', ARRAY['x','y'], 6, 't', NULL, 'pin_m', (:'o' || '2}')::jsonb);
CREATE FUNCTION pg_temp.fp(spec text) RETURNS text LANGUAGE sql AS
$$ SELECT md5(string_agg(coalesce(s.score::text, '-'), ',' ORDER BY (s.r).t))
   FROM mimgan_score(spec, NULL::metrics1) s $$;
-- which versions give the same blob and the same scores as a spec
CREATE FUNCTION pg_temp.resolves_to(text) RETURNS text LANGUAGE sql AS
$$ SELECT string_agg(v.spec, ',' ORDER BY v.version)
   FROM (SELECT m.spec, m.version FROM mimgan_models m
         WHERE m.name = split_part($1, '@', 1) OFFSET 0) v
   WHERE md5(mimgan_export(v.spec)) = md5(mimgan_export($1))
     AND pg_temp.fp(v.spec) = pg_temp.fp($1) $$;

-- by default 'name' is the latest version
SELECT version, active, pinned FROM mimgan_models WHERE name = 'pin_m' ORDER BY version;
SELECT pg_temp.resolves_to('pin_m');
SELECT pg_temp.fp('pin_m@1') <> pg_temp.fp('pin_m@2') AS versions_differ;

-- pin version 1: scoring, export, the window function and triggers use it
SELECT mimgan_pin('pin_m@1');
SELECT version, active, pinned FROM mimgan_models WHERE name = 'pin_m' ORDER BY version;
SELECT pg_temp.resolves_to('pin_m');
SELECT count(*) FILTER (WHERE a.w IS DISTINCT FROM b.w) AS window_differs, count(a.w) AS scored
FROM (SELECT t, mimgan_window_score('pin_m', VARIADIC ARRAY[x, y]) OVER w AS w FROM metrics1
      WINDOW w AS (ORDER BY t ROWS 5 PRECEDING)) a
JOIN (SELECT t, mimgan_window_score('pin_m@1', VARIADIC ARRAY[x, y]) OVER w AS w FROM metrics1
      WINDOW w AS (ORDER BY t ROWS 5 PRECEDING)) b USING (t);
-- a new version does not move the pin
SELECT mimgan_train('metrics1', ARRAY['x','y'], 6, 't', NULL, 'pin_m', (:'o' || '3}')::jsonb);
SELECT pg_temp.resolves_to('pin_m');
-- re-pinning replaces the pin; unpinning returns to the latest
SELECT mimgan_pin('pin_m@2');
SELECT pg_temp.resolves_to('pin_m');
SELECT mimgan_unpin('pin_m');
SELECT pg_temp.resolves_to('pin_m');
SELECT mimgan_unpin('pin_m');
-- dropping the pinned version drops the pin
SELECT mimgan_pin('pin_m@2');
SELECT mimgan_drop('pin_m@2');
SELECT count(*) AS pins FROM mimgan.model_pin WHERE name = 'pin_m';
SELECT pg_temp.resolves_to('pin_m');
-- a pin is dumped with the models (configuration table)
SELECT extconfig::regclass[] @> ARRAY['mimgan.model_pin'::regclass] AS dumped
FROM pg_extension WHERE extname = 'mimgan';

-- bad pins
SELECT mimgan_pin('pin_m');
SELECT mimgan_pin('pin_m@0');
SELECT mimgan_pin('pin_m@x');
SELECT mimgan_pin('pin_m@1@2');
SELECT mimgan_pin('pin_m@99');
SELECT mimgan_pin('pin_m@2');
SELECT mimgan_pin('@1');
SELECT mimgan_pin('no_such_model@1');
SELECT mimgan_pin(repeat('x', 64) || '@1');
SELECT mimgan_pin('pin_m@99999999999');
SELECT mimgan_pin('pin_m''; DROP TABLE metrics1; --@1');
SELECT mimgan_pin(NULL) IS NULL AS strict_null;
SELECT mimgan_unpin('no_such_model');
SELECT mimgan_unpin(NULL) IS NULL AS strict_null;
INSERT INTO mimgan.model_pin (name, version) VALUES ('pin_m', 42);
SELECT count(*) AS metrics1_rows FROM metrics1;

-- another role neither sees nor moves the pin of a model it cannot use
SELECT mimgan_pin('pin_m@1');
CREATE ROLE regress_mimgan_pin_other;
SET ROLE regress_mimgan_pin_other;
SELECT mimgan_pin('pin_m@3');
SELECT mimgan_unpin('pin_m');
SELECT count(*) AS visible_pins FROM mimgan.model_pin;
DELETE FROM mimgan.model_pin;
UPDATE mimgan.model_pin SET version = 3;
RESET ROLE;
SELECT name, version FROM mimgan.model_pin;
DROP ROLE regress_mimgan_pin_other;

-- the model cache: a second load of a version is a hit
SELECT (mimgan_info() ->> 'model_cache_size_kb')::int AS cache_kb;
SELECT (mimgan_info() ->> 'model_cache_hits')::int AS h0 \gset
SELECT pg_temp.fp('pin_m@1') = pg_temp.fp('pin_m@1') AS same;
SELECT (mimgan_info() ->> 'model_cache_hits')::int - :h0 AS new_hits,
       (mimgan_info() ->> 'model_cache_entries')::int >= 1 AS has_entries;
-- a version dropped and re-created in one transaction (same xmin, same
-- name and version) is a different row: the cache must not serve the old one
BEGIN;
SELECT mimgan_train('metrics1', ARRAY['x','y'], 6, 't', NULL, 'cache_m', (:'o' || '1}')::jsonb);
SELECT pg_temp.fp('cache_m') AS fp_seed1 \gset
SELECT mimgan_drop('cache_m');
SELECT mimgan_train('metrics1', ARRAY['x','y'], 6, 't', NULL, 'cache_m', (:'o' || '2}')::jsonb);
SELECT pg_temp.fp('cache_m') <> :'fp_seed1' AS new_model_scored;
COMMIT;
SELECT pg_temp.fp('cache_m') AS fp_cached \gset
SET mimgan.model_cache_size = 0;
SELECT pg_temp.fp('cache_m') = :'fp_cached' AS uncached_agrees;
RESET mimgan.model_cache_size;
-- entries added by an aborted transaction do not survive it
SELECT (mimgan_info() ->> 'model_cache_entries')::int AS e0 \gset
BEGIN;
SELECT mimgan_train('metrics1', ARRAY['x','y'], 6, 't', NULL, 'cache_gone', (:'o' || '1}')::jsonb);
SELECT pg_temp.fp('cache_gone') IS NOT NULL AS scored;
SELECT (mimgan_info() ->> 'model_cache_entries')::int - :e0 AS entries_in_xact;
ROLLBACK;
SELECT (mimgan_info() ->> 'model_cache_entries')::int - :e0 AS entries_after_abort;
-- size 0: the cache is emptied at the end of the transaction and stays off
SET mimgan.model_cache_size = 0;
SELECT (mimgan_info() ->> 'model_cache_entries')::int AS entries_off;
SELECT pg_temp.fp('pin_m@1') IS NOT NULL AS scored_uncached;
SELECT (mimgan_info() ->> 'model_cache_entries')::int AS entries_still_off;
RESET mimgan.model_cache_size;
SET mimgan.model_cache_size = -1;

SELECT mimgan_drop('pin_m'), mimgan_drop('cache_m');
