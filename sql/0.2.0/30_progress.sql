-- ---------------------------------------------------------------------------
-- Progress and model lifecycle (src/pg/progress.c, train.c): the function
-- and view mimgan_progress, the reconstruction loss in the training log,
-- and mimgan_train's warm start from a model ("warm_start": "name@N").
-- ---------------------------------------------------------------------------

-- the per-epoch reconstruction loss of G(E(x)) (models with an encoder)
ALTER TABLE mimgan.training_log ADD COLUMN loss_rec float8;

COMMENT ON COLUMN mimgan.training_log.loss_rec IS
'Mean reconstruction loss of G(E(x)) over the epoch; NULL without encoder.';

CREATE OR REPLACE VIEW @extschema@.mimgan_training_log WITH (security_invoker = true) AS
SELECT l.name, l.version, l.epoch, l.loss_d, l.loss_g, l.d_real, l.d_fake,
       l.grad_norm_d, l.grad_norm_g, l.seconds, l.loss_rec
FROM mimgan.training_log l;

COMMENT ON VIEW @extschema@.mimgan_training_log IS
'Per-epoch losses, D(x), D(G(z)), gradient norms, seconds and (models with '
'an encoder) reconstruction loss of the model versions the current role '
'can use.';

CREATE FUNCTION @extschema@.mimgan_progress(
    OUT pid               int,
    OUT usename           text,
    OUT datname           text,
    OUT model             text,
    OUT source            text,
    OUT phase             text,
    OUT epoch             int,
    OUT epochs            int,
    OUT windows_seen      bigint,
    OUT windows_total     bigint,
    OUT percent           float8,
    OUT loss_d            float8,
    OUT loss_g            float8,
    OUT loss_rec          float8,
    OUT d_real            float8,
    OUT d_fake            float8,
    OUT started_at        timestamptz,
    OUT updated_at        timestamptz,
    OUT elapsed_seconds   float8,
    OUT remaining_seconds float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'mimgan_progress'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.mimgan_progress() IS
'One row per mimgan_train running in the cluster that the current role may '
'see (its own, or all for superusers and members of pg_read_all_stats): '
'backend pid, role, database, model, source, phase (reading, preparing, '
'training, threshold, saving), epochs done and planned, training windows '
'processed and planned, percent, the last epoch''s losses, start and last '
'update times, elapsed seconds and the estimated seconds of training left.';

CREATE VIEW @extschema@.mimgan_progress AS
SELECT * FROM @extschema@.mimgan_progress();

COMMENT ON VIEW @extschema@.mimgan_progress IS
'The running trainings the current role may see, as mimgan_progress() '
'returns them.';

GRANT SELECT ON @extschema@.mimgan_progress TO PUBLIC;

COMMENT ON FUNCTION @extschema@.mimgan_train(regclass, text[], int, text, text, text, jsonb) IS
'Train a MIM-GAN model on the numeric columns cols of source, with windows '
'of seq_len rows ordered by order_by (default: the single ts, time or t '
'column) and never crossing a series_by boundary, and save it as a new '
'version of model_name (default ''<relation>_mimgan''). Reads the source '
'with the caller''s privileges. Options (jsonb): epochs, batch_size, '
'hidden_g, hidden_d, latent_dim, step, lr_d, lr_g, weight_decay, d_rounds, '
'g_rounds, loss, seed, lambda, invert_iters, invert_lr, threshold, '
'normalize, max_train_windows, verbose, layers_g, layers_d, init, '
'clip_norm, wd_mode, reference_batching, pca_components, score_step, '
'invert_tol, invert_optim, warm_start (a boolean: warm start of the latent '
'search; a model spec ''name'' or ''name@N'': start training from that '
'model''s preprocessing, weights and options), threshold_quantile, '
'threshold_windows, on_missing (''error'' or ''skip''), encoder, '
'rec_weight, resid_norm, resid_agg and preset (''paper'', ''paper_l30'', '
'''paper_l60''). Progress shows in mimgan_progress. Returns the model name.';
