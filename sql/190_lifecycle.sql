--
-- Model lifecycle: progress of running trainings (mimgan_progress), the
-- verbose NOTICEs and the per-epoch log, and the warm start of a training
-- from an existing model ("warm_start": "name@N").
--
SET extra_float_digits = 0;
\set o '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":1,"threshold_windows":16}'

-- no training runs in this session: no row (other sessions' are tested in
-- test/t/008_progress.pl)
SELECT count(*) FROM mimgan_progress();
SELECT count(*) FROM mimgan_progress;
SELECT proname, provolatile, proparallel FROM pg_proc WHERE proname = 'mimgan_progress';

-- verbose: one NOTICE per epoch and one for the saved version; the figures
-- (losses, seconds, time left) are in the DETAIL, hidden by terse verbosity
\set VERBOSITY terse
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_verbose',
                    options => (:'o')::jsonb || '{"epochs": 3, "verbose": true}');
\set VERBOSITY default

-- the per-epoch log is complete: every epoch, losses, seconds, and the
-- reconstruction loss of models with an encoder (NULL without)
SELECT count(*) AS epochs, min(epoch), max(epoch),
       bool_and(loss_d IS NOT NULL AND loss_g IS NOT NULL AND d_real IS NOT NULL
                AND d_fake IS NOT NULL AND grad_norm_d IS NOT NULL
                AND grad_norm_g IS NOT NULL) AS losses,
       bool_and(seconds >= 0) AS seconds,
       bool_and(loss_rec >= 0) AS loss_rec
FROM mimgan_training_log WHERE name = 'lc_verbose';
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_noenc',
                    options => (:'o')::jsonb || '{"encoder": false, "invert_iters": 5}');
SELECT count(*), count(loss_rec) FROM mimgan_training_log WHERE name = 'lc_noenc';
-- the last epoch's losses are the model's final figures
SELECT l.loss_d = m.loss_d AND l.loss_g = m.loss_g
       AND l.loss_rec = (m.training ->> 'loss_rec')::float8 AS same
FROM mimgan_training_log l JOIN mimgan_models m USING (name, version)
WHERE name = 'lc_verbose' AND l.epoch = 3;

--
-- warm start
--
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_src',
                    options => (:'o')::jsonb || '{"epochs": 4, "lr_g": 0.002}');

-- one more epoch at a tiny learning rate, on the same data: the options
-- not given are the source's, the preprocessing is the source's
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_warm',
                    options => '{"warm_start": "lc_src", "epochs": 1, "lr_d": 1e-9,
                                 "lr_g": 1e-9, "seed": 7}');
SELECT training ->> 'warm_start_from' AS warm_start_from,
       options ->> 'hidden_g' AS hidden_g, options ->> 'lr_g' AS lr_g,
       options ->> 'epochs' AS epochs, options ->> 'seed' AS seed,
       options ->> 'warm_start' AS warm_start
FROM mimgan_models WHERE name = 'lc_warm';
SELECT w.preprocessing = s.preprocessing AS same_preprocessing
FROM mimgan.model w, mimgan.model s WHERE w.name = 'lc_warm' AND s.name = 'lc_src';
-- its scores are next to the source's; a cold start's are not
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_cold',
                    options => (:'o')::jsonb || '{"epochs": 1, "lr_d": 1e-9, "lr_g": 1e-9, "seed": 7}');
WITH s AS (SELECT (r).t, score FROM mimgan_score('lc_src', NULL::metrics1)),
     w AS (SELECT (r).t, score FROM mimgan_score('lc_warm', NULL::metrics1)),
     c AS (SELECT (r).t, score FROM mimgan_score('lc_cold', NULL::metrics1))
SELECT max(abs(w.score - s.score)) < 1e-4 * max(abs(s.score)) AS warm_close,
       max(abs(c.score - s.score)) > 1e-2 * max(abs(s.score)) AS cold_far
FROM s JOIN w USING (t) JOIN c USING (t);

-- a seeded warm start is reproducible bit for bit; an explicit version,
-- and a new version of the source's own name
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_src',
                    options => '{"warm_start": "lc_src@1", "epochs": 2, "seed": 11}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_src',
                    options => '{"warm_start": "lc_src@1", "epochs": 2, "seed": 11}');
SELECT version, training ->> 'warm_start_from' AS warm_start_from
FROM mimgan_models WHERE name = 'lc_src' ORDER BY version;
SELECT count(DISTINCT md5(weights)) AS distinct_blobs,
       count(DISTINCT threshold) AS distinct_thresholds
FROM mimgan.model WHERE name = 'lc_src' AND version IN (2, 3);
SELECT (SELECT md5(weights) FROM mimgan.model WHERE name = 'lc_src' AND version = 1) <>
       (SELECT md5(weights) FROM mimgan.model WHERE name = 'lc_src' AND version = 2) AS trained_on;
-- 'name' is the latest version
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_latest',
                    options => '{"warm_start": "lc_src", "epochs": 1, "seed": 1}');
SELECT training ->> 'warm_start_from' AS warm_start_from FROM mimgan_models WHERE name = 'lc_latest';

-- other data with the same number of columns (another table, other names)
SELECT mimgan_train('metrics', ARRAY['cpu', 'mem'], 10, series_by => 'host',
                    model_name => 'lc_other_data',
                    options => '{"warm_start": "lc_src@1", "epochs": 1, "seed": 1}');
SELECT training ->> 'warm_start_from' AS warm_start_from, cols
FROM mimgan_models WHERE name = 'lc_other_data';

-- a boolean keeps its 0.1.0 meaning: warm start of the latent search
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_bool',
                    options => (:'o')::jsonb || '{"warm_start": false}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_bool',
                    options => (:'o')::jsonb || '{"warm_start": 1}');
SELECT version, options -> 'warm_start' AS warm_start, training ? 'warm_start_from' AS from_model
FROM mimgan_models WHERE name = 'lc_bool' ORDER BY version;
-- and a model's own warm_start is inherited by a warm start from it
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_bool',
                    options => '{"warm_start": "lc_bool@1", "epochs": 1}');
SELECT options -> 'warm_start' AS warm_start FROM mimgan_models WHERE spec = 'lc_bool@3';

-- errors
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_nope"}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src@99"}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src@x"}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": ""}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": 2}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": ["lc_src"]}');
SELECT mimgan_train('metrics1', ARRAY['x'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src"}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 12, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src"}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "hidden_g": 16}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "hidden_d": 16}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "latent_dim": 4}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "layers_g": 2}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "layers_d": 2}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "encoder": false}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_noenc", "encoder": true}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "normalize": "zscore"}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "pca_components": 1}');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_err',
                    options => '{"warm_start": "lc_src", "preset": "paper"}');
SELECT count(*) FROM mimgan_models WHERE name = 'lc_err';

-- row security: another role's model cannot be a warm start's source
CREATE ROLE regress_mimgan_lc;
GRANT SELECT ON metrics1 TO regress_mimgan_lc;
SET ROLE regress_mimgan_lc;
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'lc_theirs',
                    options => '{"warm_start": "lc_src"}');
SELECT count(*) FROM mimgan_progress;
RESET ROLE;
REVOKE SELECT ON metrics1 FROM regress_mimgan_lc;
DROP ROLE regress_mimgan_lc;

SELECT mimgan_drop(n) FROM unnest(ARRAY['lc_verbose', 'lc_noenc', 'lc_src', 'lc_warm',
    'lc_cold', 'lc_latest', 'lc_other_data', 'lc_bool']) AS n;
