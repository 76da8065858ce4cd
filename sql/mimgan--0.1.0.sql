-- mimgan: MIM-GAN anomaly detection for multivariate time series
--
-- The install script of release 0.1.0, frozen: never edit it.  Later
-- releases change the schema in upgrade parts (sql/0.2.0/NN_*.sql), from
-- which the Makefile builds sql/mimgan--0.1.0--0.2.0.sql and the full
-- sql/mimgan--0.2.0.sql (this file followed by the upgrade).

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION mimgan" to load this file. \quit
-- ---------------------------------------------------------------------------
-- Model catalog: schema mimgan, tables mimgan.model and mimgan.training_log,
-- the views mimgan_models and mimgan_training_log, and the functions
-- mimgan_train, mimgan_drop, mimgan_export, mimgan_import and mimgan_info
-- (src/pg/train.c, catalog.c, mimgan.c).
-- ---------------------------------------------------------------------------

CREATE SCHEMA mimgan;

COMMENT ON SCHEMA mimgan IS
'Tables of the mimgan extension: trained models and their training logs.';

-- One row per model version.  Versions are immutable: there is no UPDATE
-- privilege and a trigger refuses UPDATE even for the table owner.
CREATE TABLE mimgan.model (
    name          text COLLATE "C" NOT NULL
                  CHECK (octet_length(name) BETWEEN 1 AND 63 AND strpos(name, '@') = 0),
    version       int NOT NULL CHECK (version >= 1),
    owner         name NOT NULL DEFAULT current_user,
    source        text NOT NULL,
    cols          text[] NOT NULL,
    order_by      text NOT NULL,
    series_by     text,
    seq_len       int NOT NULL CHECK (seq_len >= 2),
    options       jsonb NOT NULL,
    preprocessing jsonb NOT NULL,
    threshold     float8 NOT NULL,
    training      jsonb NOT NULL,
    weights       bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);

COMMENT ON TABLE mimgan.model IS
'Trained mimgan models, one row per (name, version); a version is immutable. '
'Row-level security: every role may SELECT, INSERT and DELETE, but sees, '
'uses and drops only the versions whose owner it has the privileges of '
'(pg_has_role(current_user, owner, ''USAGE'')), and inserts only versions '
'it owns. Models are thereby private to their owner and the roles granted '
'the owner''s role, without any SECURITY DEFINER function. mimgan_train '
'and mimgan_import refuse to add a version to a name owned by a role the '
'caller has no privileges of.';

COMMENT ON COLUMN mimgan.model.name IS 'Model name: 1 to 63 bytes, no "@".';
COMMENT ON COLUMN mimgan.model.version IS 'Version, from 1; ''name@N'' names it.';
COMMENT ON COLUMN mimgan.model.owner IS 'Role that trained or imported this version.';
COMMENT ON COLUMN mimgan.model.source IS 'Schema-qualified relation the model was trained on.';
COMMENT ON COLUMN mimgan.model.cols IS 'Model columns, in order.';
COMMENT ON COLUMN mimgan.model.order_by IS 'Time-order column.';
COMMENT ON COLUMN mimgan.model.series_by IS 'Series column, or NULL for one series.';
COMMENT ON COLUMN mimgan.model.seq_len IS 'Window length.';
COMMENT ON COLUMN mimgan.model.options IS 'Effective training options (every key, seed included).';
COMMENT ON COLUMN mimgan.model.preprocessing IS 'Normalisation kind, per-column shift and scale, PCA size.';
COMMENT ON COLUMN mimgan.model.threshold IS 'Anomaly threshold on the DIRE score.';
COMMENT ON COLUMN mimgan.model.training IS 'Training figures: epochs, rows, windows, series, final losses, D(x), D(G(z)), seconds, data fingerprint.';
COMMENT ON COLUMN mimgan.model.weights IS 'The model blob (format in doc/model-format.md), as mimgan_export returns it.';
COMMENT ON COLUMN mimgan.model.created_at IS 'When the version was created.';

CREATE TABLE mimgan.training_log (
    name        text COLLATE "C" NOT NULL,
    version     int NOT NULL,
    epoch       int NOT NULL,
    loss_d      float8,
    loss_g      float8,
    d_real      float8,
    d_fake      float8,
    grad_norm_d float8,
    grad_norm_g float8,
    seconds     float8,
    PRIMARY KEY (name, version, epoch),
    FOREIGN KEY (name, version) REFERENCES mimgan.model (name, version)
        ON DELETE CASCADE
);

COMMENT ON TABLE mimgan.training_log IS
'Per-epoch training figures of each model version; rows go with their '
'version (ON DELETE CASCADE) and are visible to the roles that see the '
'version (row-level security through mimgan.model).';

-- Immutable versions.
CREATE FUNCTION mimgan.refuse_update() RETURNS trigger
LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'cannot update %.%: model versions are immutable',
        TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'feature_not_supported',
              HINT = 'Train or import a new version, and drop the old one with mimgan_drop().';
END
$$;

COMMENT ON FUNCTION mimgan.refuse_update() IS
'Trigger function refusing UPDATE on the mimgan tables: model versions are immutable.';

CREATE TRIGGER model_immutable BEFORE UPDATE ON mimgan.model
    FOR EACH ROW EXECUTE FUNCTION mimgan.refuse_update();
CREATE TRIGGER training_log_immutable BEFORE UPDATE ON mimgan.training_log
    FOR EACH ROW EXECUTE FUNCTION mimgan.refuse_update();

-- Row-level security.
ALTER TABLE mimgan.model ENABLE ROW LEVEL SECURITY;
ALTER TABLE mimgan.training_log ENABLE ROW LEVEL SECURITY;

CREATE POLICY model_select ON mimgan.model FOR SELECT
    USING (pg_catalog.pg_has_role(current_user, owner, 'USAGE'));
CREATE POLICY model_insert ON mimgan.model FOR INSERT
    WITH CHECK (owner = current_user);
CREATE POLICY model_delete ON mimgan.model FOR DELETE
    USING (pg_catalog.pg_has_role(current_user, owner, 'USAGE'));

CREATE POLICY training_log_select ON mimgan.training_log FOR SELECT
    USING (EXISTS (SELECT 1 FROM mimgan.model m
                   WHERE m.name = training_log.name AND m.version = training_log.version));
CREATE POLICY training_log_insert ON mimgan.training_log FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM mimgan.model m
                        WHERE m.name = training_log.name AND m.version = training_log.version
                          AND m.owner = current_user));
CREATE POLICY training_log_delete ON mimgan.training_log FOR DELETE
    USING (EXISTS (SELECT 1 FROM mimgan.model m
                   WHERE m.name = training_log.name AND m.version = training_log.version));

COMMENT ON POLICY model_select ON mimgan.model IS
'A role sees the model versions whose owner it has the privileges of.';
COMMENT ON POLICY model_insert ON mimgan.model IS
'A role inserts only versions it owns.';
COMMENT ON POLICY model_delete ON mimgan.model IS
'A role drops the model versions whose owner it has the privileges of.';
COMMENT ON POLICY training_log_select ON mimgan.training_log IS
'Log rows are visible with their model version.';
COMMENT ON POLICY training_log_insert ON mimgan.training_log IS
'Log rows are added only to versions the role owns.';
COMMENT ON POLICY training_log_delete ON mimgan.training_log IS
'Log rows are deleted with their model version.';

GRANT USAGE ON SCHEMA mimgan TO PUBLIC;
GRANT SELECT, INSERT, DELETE ON mimgan.model TO PUBLIC;
GRANT SELECT, INSERT, DELETE ON mimgan.training_log TO PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('mimgan.model', '');
SELECT pg_catalog.pg_extension_config_dump('mimgan.training_log', '');

-- Views, with the caller's privileges (security_invoker), so that the
-- row-level security of mimgan.model applies to them.
CREATE VIEW @extschema@.mimgan_models WITH (security_invoker = true) AS
SELECT m.name,
       m.version,
       m.name || '@' || m.version AS spec,
       m.source,
       m.cols,
       m.order_by,
       m.series_by,
       m.seq_len,
       m.options,
       m.threshold,
       (m.training ->> 'epochs')::int AS epochs,
       (m.training ->> 'rows')::bigint AS rows,
       (m.training ->> 'windows')::bigint AS windows,
       (m.training ->> 'series')::int AS series,
       (m.training ->> 'loss_d')::float8 AS loss_d,
       (m.training ->> 'loss_g')::float8 AS loss_g,
       (m.training ->> 'd_real')::float8 AS d_real,
       (m.training ->> 'd_fake')::float8 AS d_fake,
       (m.training ->> 'train_seconds')::float8 AS train_seconds,
       m.training,
       pg_catalog.octet_length(m.weights) AS size,
       m.owner,
       m.created_at
FROM mimgan.model m;

COMMENT ON VIEW @extschema@.mimgan_models IS
'The model versions the current role can use: name, version, spec '
'(''name@version''), source, columns, seq_len, effective options, '
'threshold, training figures, blob size in bytes, owner and creation time.';

CREATE VIEW @extschema@.mimgan_training_log WITH (security_invoker = true) AS
SELECT l.name, l.version, l.epoch, l.loss_d, l.loss_g, l.d_real, l.d_fake,
       l.grad_norm_d, l.grad_norm_g, l.seconds
FROM mimgan.training_log l;

COMMENT ON VIEW @extschema@.mimgan_training_log IS
'Per-epoch losses, D(x), D(G(z)), gradient norms and seconds of the model '
'versions the current role can use.';

GRANT SELECT ON @extschema@.mimgan_models TO PUBLIC;
GRANT SELECT ON @extschema@.mimgan_training_log TO PUBLIC;

-- Functions.
CREATE FUNCTION @extschema@.mimgan_train(
    source     regclass,
    cols       text[],
    seq_len    int,
    order_by   text  DEFAULT NULL,
    series_by  text  DEFAULT NULL,
    model_name text  DEFAULT NULL,
    options    jsonb DEFAULT '{}')
RETURNS text
AS 'MODULE_PATHNAME', 'mimgan_train'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

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
'invert_tol, invert_optim, warm_start, threshold_quantile, '
'threshold_windows, on_missing (''error'' or ''skip'') and preset '
'(''paper'', ''paper_l30'', ''paper_l60''). Returns the model name.';

CREATE FUNCTION @extschema@.mimgan_drop(model text)
RETURNS int
AS 'MODULE_PATHNAME', 'mimgan_drop'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.mimgan_drop(text) IS
'Drop every version of a model (''name'') or one version (''name@N'') that '
'the current role can use, with its training log; returns the number of '
'versions dropped.';

CREATE FUNCTION @extschema@.mimgan_export(model text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'mimgan_export'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mimgan_export(text) IS
'The model blob of ''name'' (latest version) or ''name@N'': versioned, '
'checksummed and self-contained (it carries source, columns, order and '
'series columns and seq_len), for mimgan_import.';

CREATE FUNCTION @extschema@.mimgan_import(name text, blob bytea)
RETURNS text
AS 'MODULE_PATHNAME', 'mimgan_import'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.mimgan_import(text, bytea) IS
'Validate a blob from mimgan_export (a damaged or foreign blob is an '
'error) and store it as a new version of model name, owned by the current '
'role; returns ''name@N''.';

CREATE FUNCTION @extschema@.mimgan_info()
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mimgan_info'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mimgan_info() IS
'Build information: extension version, BLAS library and configuration, '
'mimgan.blas_threads, the BLAS self-check result, blob format version and '
'the memory and batch settings.';

-- ---------------------------------------------------------------------------
-- Scoring: mimgan_score, mimgan_evaluate, mimgan_window_score, mimgan_flag
-- (src/pg/score.c, evaluate.c, window_agg.c, trigger.c)
-- ---------------------------------------------------------------------------

-- STABLE: reads the model catalog and the relation through SPI.
-- PARALLEL RESTRICTED: the relation may be a temporary table, which
-- parallel workers cannot read, so the function runs in the leader only.
-- Not STRICT: the second argument is NULL by design (NULL::some_table).
CREATE FUNCTION @extschema@.mimgan_score(
    model   text,
    rows    anyelement,
    options jsonb DEFAULT '{}')
RETURNS TABLE(
    r          anyelement,
    score      float8,
    dis_score  float8,
    rec_score  float8,
    is_anomaly boolean,
    top_cols   text[])
AS 'MODULE_PATHNAME', 'mimgan_score'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 1000;

COMMENT ON FUNCTION @extschema@.mimgan_score(text, anyelement, jsonb) IS
'Score every row of the relation whose row type is given (NULL::your_table) '
'with a model (''name'' or ''name@version''), in (series, order) order. '
'Each row gets the DIRE score of its time step, averaged over the windows '
'covering it, its discrimination and reconstruction parts, is_anomaly '
'(score > the model''s threshold, or the "threshold" option) and top_cols, '
'the model columns with the largest reconstruction residuals (option '
'"top_k", default 3, 0 for NULL). Rows with a NULL, NaN or infinite model '
'column are skipped when cutting windows and returned with NULL scores; so '
'are the rows of a series shorter than seq_len. Options: threshold, step, '
'invert_iters, invert_lr, invert_tol, warm_start, lambda, batch, seed, '
'top_k. STABLE and PARALLEL RESTRICTED: it reads the model and the '
'relation (possibly a temporary table) through SPI.';

CREATE FUNCTION @extschema@.mimgan_evaluate(
    model     text,
    rows      anyelement,
    label_col text,
    options   jsonb DEFAULT '{}')
RETURNS TABLE(metric text, value float8)
AS 'MODULE_PATHNAME', 'mimgan_evaluate'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 13;

COMMENT ON FUNCTION @extschema@.mimgan_evaluate(text, anyelement, text, jsonb) IS
'Score the relation whose row type is given (NULL::your_table) as '
'mimgan_score does and compare with label_col (boolean, or numeric with '
'nonzero = anomaly). Returns, in this order: precision, recall, f1 (at the '
'threshold), best_f1, best_precision, best_recall, best_threshold (best '
'over all thresholds), f1_pa (point-adjusted), roc_auc, pr_auc (average '
'precision), n (rows evaluated), n_anomalies and threshold. Rows with a '
'NULL score (missing value, or series shorter than seq_len) or a NULL '
'label are left out; a metric undefined on the data (e.g. roc_auc without '
'anomalies) is NULL. Options as for mimgan_score (without top_k).';

-- Window aggregate.  The transition function appends the frame's rows to
-- an internal state; the final function scores the frame as one window and
-- does not modify the state, so the aggregate can serve as a window
-- function whose final function runs once per row.  No COMBINEFUNC: a
-- window is a time-ordered sequence, and partial states gathered by
-- parallel workers have no order to be concatenated in.
CREATE FUNCTION @extschema@.mimgan_window_score_sfunc(internal, text, float8[])
RETURNS internal
AS 'MODULE_PATHNAME', 'mimgan_window_score_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mimgan_window_score_sfunc(internal, text, float8[]) IS
'Transition function of mimgan_window_score: appends one row of values.';

CREATE FUNCTION @extschema@.mimgan_window_score_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'mimgan_window_score_final'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mimgan_window_score_final(internal) IS
'Final function of mimgan_window_score: scores the collected rows as one '
'window, leaving the state unchanged.';

CREATE AGGREGATE @extschema@.mimgan_window_score(model text, VARIADIC vals float8[]) (
    SFUNC = @extschema@.mimgan_window_score_sfunc,
    STYPE = internal,
    FINALFUNC = @extschema@.mimgan_window_score_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.mimgan_window_score(text, VARIADIC float8[]) IS
'DIRE score of the LAST time step of one window (the current row with a '
'frame ROWS BETWEEN seq_len-1 PRECEDING AND CURRENT ROW), used as '
'mimgan_window_score(''model'', VARIADIC ARRAY[c1, c2, ...]) OVER w with the '
'model''s columns in the model''s order. The frame must hold exactly '
'seq_len rows: fewer give NULL, more are an error. A NULL, NaN or infinite '
'value anywhere in the frame gives NULL. The model''s preprocessing is '
'applied to the frame. STABLE (reads the model once per query) and '
'PARALLEL SAFE; there is no COMBINEFUNC because a window is an ordered '
'sequence that cannot be assembled from partial states.';

-- Trigger function: VOLATILE and PARALLEL UNSAFE (it writes).
CREATE FUNCTION @extschema@.mimgan_flag()
RETURNS trigger
AS 'MODULE_PATHNAME', 'mimgan_flag'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.mimgan_flag() IS
'Statement trigger: CREATE TRIGGER t AFTER INSERT ON src REFERENCING NEW '
'TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION '
'mimgan_flag(''model'', ''anomaly_table'' [, ''warn'' | ''raise'']). Scores, in '
'one batch, the window ending at each inserted row (the preceding seq_len-1 '
'rows of its series come from src) and appends each row whose last-step '
'DIRE score exceeds the model''s threshold to anomaly_table (the columns of '
'src, then score float8, then columns with defaults). Rows with fewer than '
'seq_len-1 earlier rows in their series, or with a missing value, are not '
'scored. With ''warn'' (the default) a scoring failure is reported as a '
'WARNING and the inserted rows are kept; with ''raise'' it aborts the insert.';
