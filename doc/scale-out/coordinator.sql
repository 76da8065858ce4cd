-- doc/scale-out/coordinator.sql: the coordinator side of mimgan on PL/Proxy.
--
--   psql -v shard0='host=... port=... dbname=...' -v shard1='...' -f coordinator.sql
--
-- Defines the PL/Proxy cluster mimgan_shards (two partitions; PL/Proxy
-- wants a power of two) and the functions users call on the coordinator.
-- A series lives on partition hashtext(series) & 1: load each series' rows
-- there.  test/t/010_scaleout.pl runs this file as written.

CREATE EXTENSION IF NOT EXISTS plproxy;

CREATE SERVER mimgan_shards FOREIGN DATA WRAPPER plproxy
    OPTIONS (connection_lifetime '1800', partition_0 :'shard0', partition_1 :'shard1');
CREATE USER MAPPING FOR PUBLIC SERVER mimgan_shards;

-- Train the per-series model <model>.<series> on the shard holding series.
CREATE FUNCTION mimgan_px_train(series text, source text, cols text[], seq_len int,
                                series_col text, model text, options jsonb)
RETURNS text AS $$
    CLUSTER 'mimgan_shards';
    RUN ON hashtext(series);
$$ LANGUAGE plproxy;

-- Score one series where it lives: (order value, score, flag, top columns).
CREATE FUNCTION mimgan_px_score(series text, source text, series_col text, model text,
                                per_series boolean)
RETURNS TABLE(t text, score float8, is_anomaly boolean, top_cols text[]) AS $$
    CLUSTER 'mimgan_shards';
    RUN ON hashtext(series);
$$ LANGUAGE plproxy;

-- Fan-out: every shard reports on the series it holds.
CREATE FUNCTION mimgan_px_report(source text, series_col text, model text, per_series boolean)
RETURNS TABLE(series text, rows bigint, flagged bigint, max_score float8) AS $$
    CLUSTER 'mimgan_shards';
    RUN ON ALL;
$$ LANGUAGE plproxy;

-- The blob of a model, from the shard holding series.
CREATE FUNCTION mimgan_px_export(series text, model text)
RETURNS bytea AS $$
    CLUSTER 'mimgan_shards';
    RUN ON hashtext(series);
$$ LANGUAGE plproxy;

-- Import a blob on every shard (idempotent per shard).
CREATE FUNCTION mimgan_px_import(name text, blob bytea)
RETURNS SETOF text AS $$
    CLUSTER 'mimgan_shards';
    RUN ON ALL;
$$ LANGUAGE plproxy;

-- Model distribution in one call: take model, as named on the shard
-- holding from_series (or, with from_series NULL, on this coordinator),
-- and make it available under the same name on every shard, and on the
-- coordinator too when mimgan is installed here.  Returns one line per
-- place: 'shard: name@N' or 'coordinator: name@N'.
CREATE FUNCTION mimgan_distribute(model text, from_series text DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
    blob bytea;
    mname text := split_part(model, '@', 1);
    r text;
BEGIN
    IF model IS NULL THEN
        RAISE EXCEPTION 'model must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF from_series IS NULL THEN
        blob := mimgan_export(model);       -- trained here
    ELSE
        blob := mimgan_px_export(from_series, model);
    END IF;
    IF blob IS NULL THEN
        RAISE EXCEPTION 'model "%" was not found on the shard of series "%"', model, from_series
            USING ERRCODE = 'undefined_object';
    END IF;
    FOR r IN SELECT mimgan_px_import(mname, blob) LOOP
        RETURN NEXT 'shard: ' || r;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'mimgan') THEN
        RETURN NEXT 'coordinator: ' || (
            SELECT coalesce((SELECT m.spec FROM mimgan_models m
                             WHERE m.name = mname AND mimgan_export(m.spec) = blob
                             ORDER BY m.version DESC LIMIT 1),
                            mimgan_import(mname, blob)));
    END IF;
END
$$;
