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
