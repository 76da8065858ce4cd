-- doc/scale-out/shard.sql: the shard side of mimgan on PL/Proxy.
--
-- Run on every shard (psql -f), after CREATE EXTENSION mimgan.  Each
-- function has the name and arguments of its PL/Proxy twin on the
-- coordinator (doc/scale-out/coordinator.sql), which routes a call to the
-- shard holding the series (RUN ON hashtext(series)) or to every shard
-- (RUN ON ALL).  Everything runs with the calling role's rights: no
-- SECURITY DEFINER.  test/t/010_scaleout.pl runs this file as written.
--
-- A per-series model is named  <model>.<series>  (mimgan_px_model_name);
-- series values must keep that within 63 bytes and free of '@'.

-- The name of the per-series model of a series.
CREATE FUNCTION mimgan_px_model_name(model text, series text)
RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT model || '.' || series $$;

-- A temporary view of one series of source, for training and scoring.
CREATE FUNCTION mimgan_px_series_view(source regclass, series_col text, series text)
RETURNS regclass LANGUAGE plpgsql VOLATILE STRICT
AS $$
BEGIN
    IF to_regclass('pg_temp.mimgan_px_series') IS NOT NULL THEN
        DROP VIEW pg_temp.mimgan_px_series;
    END IF;
    EXECUTE format('CREATE TEMP VIEW mimgan_px_series AS SELECT * FROM %s WHERE %I = %L',
                   source, series_col, series);
    RETURN 'pg_temp.mimgan_px_series'::regclass;
END
$$;

-- Train the per-series model of one series held here; returns 'name@N'.
CREATE FUNCTION mimgan_px_train(series text, source text, cols text[], seq_len int,
                                series_col text, model text, options jsonb)
RETURNS text LANGUAGE plpgsql VOLATILE STRICT
AS $$
DECLARE
    mname text := mimgan_px_model_name(model, series);
    n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s WHERE %I = %L', source::regclass, series_col, series) INTO n;
    IF n = 0 THEN
        RAISE EXCEPTION 'series "%" has no rows in "%" on this shard', series, source
            USING ERRCODE = 'no_data_found',
                  HINT = 'Rows must be placed on the shard that hashtext(series) selects.';
    END IF;
    PERFORM mimgan_train(mimgan_px_series_view(source::regclass, series_col, series),
                         cols, seq_len, NULL, NULL, mname, options);
    RETURN (SELECT m.spec FROM mimgan_models m WHERE m.name = mname AND m.active);
END
$$;

-- Score one series held here with its per-series model (per_series true)
-- or with a model of that exact name; returns results only, never the rows.
CREATE FUNCTION mimgan_px_score(series text, source text, series_col text, model text,
                                per_series boolean)
RETURNS TABLE(t text, score float8, is_anomaly boolean, top_cols text[])
LANGUAGE plpgsql VOLATILE STRICT
AS $$
DECLARE
    v regclass := mimgan_px_series_view(source::regclass, series_col, series);
    m text := CASE WHEN per_series THEN mimgan_px_model_name(model, series) ELSE model END;
    ord text := (SELECT order_by FROM mimgan_models mm WHERE mm.name = split_part(m, '@', 1) LIMIT 1);
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT ((s.r).%I)::text, s.score, s.is_anomaly, s.top_cols FROM mimgan_score(%L, NULL::%s) s ORDER BY (s.r).%I',
        ord, m, v, ord);
END
$$;

-- Report per series held here: rows scored, flagged, highest score.
CREATE FUNCTION mimgan_px_report(source text, series_col text, model text, per_series boolean)
RETURNS TABLE(series text, rows bigint, flagged bigint, max_score float8)
LANGUAGE plpgsql VOLATILE STRICT
AS $$
DECLARE
    s text;
BEGIN
    FOR s IN EXECUTE format('SELECT DISTINCT %I::text FROM %s ORDER BY 1', series_col, source::regclass)
    LOOP
        IF per_series AND NOT EXISTS (SELECT 1 FROM mimgan_models mm
                                      WHERE mm.name = mimgan_px_model_name(model, s)) THEN
            CONTINUE;			-- no model for this series here
        END IF;
        RETURN QUERY
            SELECT s, count(*), count(*) FILTER (WHERE x.is_anomaly), max(x.score)
            FROM mimgan_px_score(s, source, series_col, model, per_series) x;
    END LOOP;
END
$$;

-- The blob of a model held here.
CREATE FUNCTION mimgan_px_export(series text, model text)
RETURNS bytea LANGUAGE sql STABLE STRICT
AS $$ SELECT mimgan_export(model) $$;

-- Import a blob unless this shard already holds it under that name;
-- returns the version holding it.
CREATE FUNCTION mimgan_px_import(name text, blob bytea)
RETURNS text LANGUAGE plpgsql VOLATILE STRICT
AS $$
DECLARE
    have text;
BEGIN
    SELECT m.spec INTO have FROM mimgan_models m
    WHERE m.name = mimgan_px_import.name AND mimgan_export(m.spec) = blob
    ORDER BY m.version DESC LIMIT 1;
    IF have IS NOT NULL THEN
        RETURN have;
    END IF;
    RETURN mimgan_import(name, blob);
END
$$;
