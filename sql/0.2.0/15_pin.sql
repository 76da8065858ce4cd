-- ---------------------------------------------------------------------------
-- Active version: 'name' means the pinned version of name when one is
-- pinned, else the latest.  mimgan_pin / mimgan_unpin choose it (pin to
-- roll back or hold a version while newer ones are trained); a pin goes
-- with its version (ON DELETE CASCADE), and then 'name' is the latest
-- again.  Resolution happens in src/pg/catalog.c (LoadEntry).
-- ---------------------------------------------------------------------------

CREATE TABLE mimgan.model_pin (
    name      text COLLATE "C" PRIMARY KEY,
    version   int NOT NULL,
    pinned_by name NOT NULL DEFAULT current_user,
    pinned_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (name, version) REFERENCES mimgan.model (name, version)
        ON DELETE CASCADE
);

COMMENT ON TABLE mimgan.model_pin IS
'The pinned (active) version of a model name: ''name'' resolves to it '
'instead of the latest version. Row-level security: a role sees and '
'changes the pin of the model versions it can use (mimgan.model policies).';
COMMENT ON COLUMN mimgan.model_pin.name IS 'Model name.';
COMMENT ON COLUMN mimgan.model_pin.version IS 'The version ''name'' resolves to.';
COMMENT ON COLUMN mimgan.model_pin.pinned_by IS 'Role that pinned it.';
COMMENT ON COLUMN mimgan.model_pin.pinned_at IS 'When it was pinned.';

ALTER TABLE mimgan.model_pin ENABLE ROW LEVEL SECURITY;
CREATE POLICY model_pin_all ON mimgan.model_pin FOR ALL
    USING (EXISTS (SELECT 1 FROM mimgan.model m
                   WHERE m.name = model_pin.name AND m.version = model_pin.version))
    WITH CHECK (EXISTS (SELECT 1 FROM mimgan.model m
                        WHERE m.name = model_pin.name AND m.version = model_pin.version));
COMMENT ON POLICY model_pin_all ON mimgan.model_pin IS
'A pin is visible and changeable with the model version it names.';

GRANT SELECT, INSERT, UPDATE, DELETE ON mimgan.model_pin TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('mimgan.model_pin', '');

-- mimgan_models gains "active": the version 'name' resolves to
CREATE OR REPLACE VIEW @extschema@.mimgan_models WITH (security_invoker = true) AS
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
       m.created_at,
       m.version = coalesce((SELECT p.version FROM mimgan.model_pin p WHERE p.name = m.name),
                            (SELECT max(v.version) FROM mimgan.model v WHERE v.name = m.name)) AS active,
       EXISTS (SELECT 1 FROM mimgan.model_pin p WHERE p.name = m.name AND p.version = m.version) AS pinned
FROM mimgan.model m;

COMMENT ON VIEW @extschema@.mimgan_models IS
'The model versions the current role can use: name, version, spec '
'(''name@version''), source, columns, seq_len, effective options, '
'threshold, training figures, blob size in bytes, owner, creation time, '
'active (the version ''name'' resolves to: the pinned one, else the '
'latest) and pinned.';

CREATE FUNCTION @extschema@.mimgan_pin(model text)
RETURNS text
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n text := split_part(model, '@', 1);
    v int;
BEGIN
    IF strpos(model, '@') = 0 THEN
        RAISE EXCEPTION 'model spec "%" names no version', model
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pin a version explicitly, e.g. mimgan_pin(''' || model || '@2'').';
    END IF;
    IF split_part(model, '@', 2) !~ '^[1-9][0-9]{0,8}$' OR split_part(model, '@', 3) <> ''
       OR n = '' OR octet_length(n) > 63 THEN
        RAISE EXCEPTION 'invalid model spec "%"', model
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name a model version as ''name@N'' with a version N >= 1.';
    END IF;
    v := split_part(model, '@', 2)::int;
    PERFORM 1 FROM mimgan.model m WHERE m.name = n AND m.version = v;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'version % of model "%" does not exist', v, n
            USING ERRCODE = 'undefined_object',
                  HINT = 'The mimgan_models view lists the model versions you can use.';
    END IF;
    INSERT INTO mimgan.model_pin AS p (name, version) VALUES (n, v)
    ON CONFLICT (name) DO UPDATE
        SET version = excluded.version, pinned_by = current_user, pinned_at = now();
    RETURN n || '@' || v;
END
$$;

COMMENT ON FUNCTION @extschema@.mimgan_pin(text) IS
'Make ''name@N'' the active version of name: ''name'' resolves to it '
'(scoring, triggers, export) until mimgan_unpin(name), another pin, or '
'version N being dropped. Returns ''name@N''. Use it to roll back to an '
'earlier version or to keep a version active while newer ones are '
'trained and checked.';

CREATE FUNCTION @extschema@.mimgan_unpin(name text)
RETURNS text
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v int;
BEGIN
    SELECT max(m.version) INTO v FROM mimgan.model m WHERE m.name = mimgan_unpin.name;
    IF v IS NULL AND strpos(mimgan_unpin.name, '@') > 0 THEN
        RAISE EXCEPTION 'model "%" does not exist', mimgan_unpin.name
            USING ERRCODE = 'undefined_object',
                  HINT = 'Unpin by the model name without a version, e.g. mimgan_unpin('''
                         || split_part(mimgan_unpin.name, '@', 1) || ''').';
    ELSIF v IS NULL THEN
        RAISE EXCEPTION 'model "%" does not exist', mimgan_unpin.name
            USING ERRCODE = 'undefined_object',
                  HINT = 'The mimgan_models view lists the models you can use.';
    END IF;
    DELETE FROM mimgan.model_pin p WHERE p.name = mimgan_unpin.name;
    RETURN mimgan_unpin.name || '@' || v;
END
$$;

COMMENT ON FUNCTION @extschema@.mimgan_unpin(text) IS
'Remove the pin of model name: ''name'' resolves to its latest version '
'again, which is returned as ''name@N''. No error when nothing was pinned.';
