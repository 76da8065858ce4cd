-- ---------------------------------------------------------------------------
-- Per-series models: mimgan_train(..., series_by => 'host', options =>
-- '{"per_series": true}') trains the shared model over all series (the
-- version's row in mimgan.model, used for series without a model of their
-- own) and then one model per series, stored here with the version they
-- belong to.  Scoring 'name' or 'name@N' picks each series' model by its
-- key (src/pg/series.c); they go with their version (ON DELETE CASCADE),
-- so pins, drops and versions work on the whole set.
-- ---------------------------------------------------------------------------

CREATE TABLE mimgan.model_series (
    name      text COLLATE "C" NOT NULL,
    version   int NOT NULL,
    series    text COLLATE "C" NOT NULL CHECK (octet_length(series) <= 1024),
    threshold float8 NOT NULL,
    training  jsonb NOT NULL,
    weights   bytea NOT NULL,
    PRIMARY KEY (name, version, series),
    FOREIGN KEY (name, version) REFERENCES mimgan.model (name, version)
        ON DELETE CASCADE
);

COMMENT ON TABLE mimgan.model_series IS
'The per-series models of a model version trained with the per_series '
'option: one row per series key (the series_by value as text). Scoring '
'uses the row of a row''s series, and the version''s shared model for '
'series without one. Rows are immutable and go with their version; '
'row-level security makes them visible with the version (mimgan.model '
'policies).';
COMMENT ON COLUMN mimgan.model_series.series IS 'The series key: the series_by value cast to text.';
COMMENT ON COLUMN mimgan.model_series.threshold IS 'The threshold of this series'' model (its own training scores).';
COMMENT ON COLUMN mimgan.model_series.training IS 'Training figures of this series'' model (rows, windows, losses, seed, seconds).';
COMMENT ON COLUMN mimgan.model_series.weights IS 'The model blob (mimgan_export format).';

CREATE TRIGGER model_series_immutable BEFORE UPDATE ON mimgan.model_series
    FOR EACH ROW EXECUTE FUNCTION mimgan.refuse_update();

ALTER TABLE mimgan.model_series ENABLE ROW LEVEL SECURITY;
CREATE POLICY model_series_select ON mimgan.model_series FOR SELECT
    USING (EXISTS (SELECT 1 FROM mimgan.model m
                   WHERE m.name = model_series.name AND m.version = model_series.version));
CREATE POLICY model_series_insert ON mimgan.model_series FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM mimgan.model m
                        WHERE m.name = model_series.name AND m.version = model_series.version
                          AND m.owner = current_user));
CREATE POLICY model_series_delete ON mimgan.model_series FOR DELETE
    USING (EXISTS (SELECT 1 FROM mimgan.model m
                   WHERE m.name = model_series.name AND m.version = model_series.version));
COMMENT ON POLICY model_series_select ON mimgan.model_series IS
'Per-series models are visible with their model version.';
COMMENT ON POLICY model_series_insert ON mimgan.model_series IS
'Per-series models are added only to versions the role owns.';
COMMENT ON POLICY model_series_delete ON mimgan.model_series IS
'Per-series models are deleted with their model version.';

GRANT SELECT, INSERT, DELETE ON mimgan.model_series TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('mimgan.model_series', '');

CREATE VIEW @extschema@.mimgan_series_models WITH (security_invoker = true) AS
SELECT s.name,
       s.version,
       s.name || '@' || s.version AS spec,
       s.series,
       s.threshold,
       (s.training ->> 'epochs')::int AS epochs,
       (s.training ->> 'rows')::bigint AS rows,
       (s.training ->> 'windows')::bigint AS windows,
       (s.training ->> 'loss_d')::float8 AS loss_d,
       (s.training ->> 'loss_g')::float8 AS loss_g,
       (s.training ->> 'train_seconds')::float8 AS train_seconds,
       s.training,
       pg_catalog.octet_length(s.weights) AS size
FROM mimgan.model_series s;

COMMENT ON VIEW @extschema@.mimgan_series_models IS
'The per-series models of the model versions the current role can use '
'(trained with the per_series option): name, version, spec, series key, '
'threshold, training figures and blob size in bytes.';

GRANT SELECT ON @extschema@.mimgan_series_models TO PUBLIC;

-- the window function with the series key: picks the series' model
CREATE FUNCTION @extschema@.mimgan_window_score_series_sfunc(internal, text, text, float8[])
RETURNS internal
AS 'MODULE_PATHNAME', 'mimgan_window_score_series_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mimgan_window_score_series_sfunc(internal, text, text, float8[]) IS
'Transition function of mimgan_window_score_series: appends one row of values.';

-- a name of its own: an overload of mimgan_window_score would capture
-- calls such as mimgan_window_score('m', '-Infinity', y) of 0.1.0
CREATE AGGREGATE @extschema@.mimgan_window_score_series(model text, series text, VARIADIC vals float8[]) (
    SFUNC = @extschema@.mimgan_window_score_series_sfunc,
    STYPE = internal,
    FINALFUNC = @extschema@.mimgan_window_score_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.mimgan_window_score_series(text, text, VARIADIC float8[]) IS
'mimgan_window_score with the series key (the series_by value as text): '
'for a model trained with the per_series option the window is scored by '
'that series'' model, or by the shared model when the series has none; '
'for other models the key is not used. Otherwise as '
'mimgan_window_score(model, VARIADIC vals): the DIRE score of the last '
'time step of a frame of exactly seq_len rows.';
