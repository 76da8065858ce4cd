--
-- mimgan_train: training, versions, effective options, the views
--
SET extra_float_digits = 0;
\set o '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16}'

-- two series split by host; default order column ts; default name
SELECT mimgan_train('metrics', ARRAY['cpu', 'mem', 'io'], 10,
                    series_by => 'host', options => :'o');

-- one series; default order column t; explicit name
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10,
                    model_name => 'm1', options => :'o');

-- explicit order_by, positional arguments
SELECT mimgan_train('metrics1'::regclass, ARRAY['x'], 5, 't', NULL, 'm1x', :'o');

SELECT name, version, spec, source, cols, order_by, series_by, seq_len,
       epochs, rows, windows, series, size > 0 AS has_blob,
       owner = current_user AS mine, threshold > 0 AS positive_threshold,
       created_at <= now() AS created
FROM mimgan_models ORDER BY name, version;

-- the effective options hold every key, the seed included
SELECT key, value FROM mimgan_models, jsonb_each(options)
WHERE name = 'metrics_mimgan' ORDER BY key;

-- training figures
SELECT (training ->> 'rows')::int AS rows,
       (training ->> 'rows_used')::int AS rows_used,
       (training ->> 'rows_skipped')::int AS rows_skipped,
       (training ->> 'series')::int AS series,
       (training ->> 'epochs')::int AS epochs,
       training ? 'loss_d' AND training ? 'loss_g' AS has_losses,
       (training ->> 'loss_rec')::float8 >= 0 AS rec_loss_ok,
       (training ->> 'd_real')::float8 BETWEEN 0 AND 1 AS d_real_ok,
       (training ->> 'd_fake')::float8 BETWEEN 0 AND 1 AS d_fake_ok,
       (training ->> 'train_seconds')::float8 >= 0 AS timed,
       (training ->> 'memory_kb')::int BETWEEN 1 AND
         (SELECT setting::int FROM pg_settings
                      WHERE name = 'mimgan.max_train_memory') AS memory_kb_ok,
       length(training ->> 'data_md5') AS md5_len
FROM mimgan.model WHERE name = 'metrics_mimgan';

-- preprocessing: min-max per column
SELECT preprocessing ->> 'normalize' AS normalize,
       (preprocessing ->> 'm')::int AS m,
       (preprocessing ->> 'pca_k')::int AS pca_k,
       jsonb_array_length(preprocessing -> 'shift') AS nshift,
       jsonb_array_length(preprocessing -> 'scale') AS nscale
FROM mimgan.model WHERE name = 'metrics_mimgan';

-- one log row per epoch
SELECT name, version, epoch, loss_d IS NOT NULL AS has_loss_d,
       loss_g IS NOT NULL AS has_loss_g, d_real BETWEEN 0 AND 1 AS d_real_ok,
       d_fake BETWEEN 0 AND 1 AS d_fake_ok, seconds >= 0 AS timed
FROM mimgan_training_log ORDER BY name, version, epoch;

-- a second training of the same name is version 2; with the same seed it
-- is bit for bit the same model
SELECT mimgan_train('metrics', ARRAY['cpu', 'mem', 'io'], 10,
                    series_by => 'host', options => :'o');
SELECT a.weights = b.weights AS same_weights,
       a.threshold = b.threshold AS same_threshold,
       a.training ->> 'data_md5' = b.training ->> 'data_md5' AS same_data
FROM mimgan.model a, mimgan.model b
WHERE a.name = 'metrics_mimgan' AND a.version = 1
  AND b.name = 'metrics_mimgan' AND b.version = 2;

-- another seed gives other weights
SELECT mimgan_train('metrics', ARRAY['cpu', 'mem', 'io'], 10,
                    series_by => 'host', model_name => 'seed2',
                    options => (:'o')::jsonb || '{"seed": 2}');
SELECT a.weights <> b.weights AS other_weights
FROM mimgan.model a, mimgan.model b
WHERE a.name = 'metrics_mimgan' AND a.version = 1 AND b.name = 'seed2';

-- without a seed one is chosen and stored
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'noseed',
                    options => (:'o')::jsonb - 'seed');
SELECT options ? 'seed' AS has_seed,
       jsonb_typeof(options -> 'seed') AS seed_type
FROM mimgan_models WHERE name = 'noseed';

-- a preset first, then explicit keys
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'preset',
                    options => (:'o')::jsonb || '{"preset": "paper_l30", "batch_size": 32}');
SELECT options ->> 'batch_size' AS batch_size, options ->> 'lr_d' AS lr_d,
       options ->> 'lr_g' AS lr_g, options ->> 'epochs' AS epochs,
       seq_len
FROM mimgan_models WHERE name = 'preset';

-- enumerations and numbers round-trip into the effective options
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 8, model_name => 'opts',
                    options => (:'o')::jsonb || '{"loss": "bce", "normalize": "zscore",
                        "init": "glorot", "wd_mode": "tf", "invert_optim": "adam",
                        "threshold": 0.75, "step": 4, "clip_norm": 1.5,
                        "warm_start": false, "max_train_windows": 20,
                        "threshold_quantile": 0.95, "lambda": 0.5}');
SELECT options ->> 'loss' AS loss, options ->> 'normalize' AS normalize,
       options ->> 'init' AS init, options ->> 'wd_mode' AS wd_mode,
       options ->> 'invert_optim' AS invert_optim,
       options ->> 'threshold' AS threshold_opt, threshold,
       options ->> 'step' AS step, options ->> 'clip_norm' AS clip_norm,
       options ->> 'warm_start' AS warm_start,
       options ->> 'max_train_windows' AS max_train_windows,
       options ->> 'lambda' AS lambda, windows <= 20 AS thinned
FROM mimgan_models WHERE name = 'opts';

-- verbose reports each epoch as a NOTICE (silenced here: losses vary by build)
SET client_min_messages = warning;
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'verbose',
                    options => (:'o')::jsonb || '{"verbose": true}');
RESET client_min_messages;
SELECT options ->> 'verbose' AS verbose FROM mimgan_models WHERE name = 'verbose';

-- the training is one transaction: rolled back, nothing is left
BEGIN;
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'rolled_back',
                    options => :'o');
SELECT count(*) FROM mimgan_models WHERE name = 'rolled_back';
ROLLBACK;
SELECT count(*) FROM mimgan_models WHERE name = 'rolled_back';
SELECT count(*) FROM mimgan_training_log WHERE name = 'rolled_back';

-- a view and a materialized view are sources too
CREATE VIEW metrics_a AS SELECT ts, cpu, mem FROM metrics WHERE host = 'a';
CREATE MATERIALIZED VIEW metrics_b AS SELECT ts, cpu, mem FROM metrics WHERE host = 'b';
SELECT mimgan_train('metrics_a', ARRAY['cpu', 'mem'], 10, options => :'o');
SELECT mimgan_train('metrics_b', ARRAY['cpu', 'mem'], 10, options => :'o');
SELECT name, source, rows, series FROM mimgan_models
WHERE name IN ('metrics_a_mimgan', 'metrics_b_mimgan') ORDER BY name;

-- BLAS settings
SET mimgan.blas_threads = 2;
SELECT (mimgan_info() ->> 'blas_threads')::int AS threads;
RESET mimgan.blas_threads;
SET mimgan.blas_threads = 0;

-- clean up what later files do not use
SELECT mimgan_drop(n) FROM unnest(ARRAY['seed2', 'noseed', 'preset', 'opts',
    'verbose', 'metrics_a_mimgan', 'metrics_b_mimgan', 'm1x']) AS n;
SELECT mimgan_drop('metrics_mimgan@2');
SELECT spec FROM mimgan_models ORDER BY 1;
