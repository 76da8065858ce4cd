--
-- Shared fixtures for the regression tests (later files reuse them).
-- Deterministic data only: no random().
--
SET extra_float_digits = 0;
SELECT extname, extversion FROM pg_extension WHERE extname = 'mimgan';

-- two series ('a', 'b') of 200 rows each; io is an integer column
CREATE TABLE metrics (ts int, host text, cpu float8, mem float8, io int);
INSERT INTO metrics
SELECT i, h,
       50 + 20 * sin(i / 8.0 + k),
       30 + 10 * cos(i / 11.0 + k),
       (100 + 40 * sin(i / 5.0))::int
FROM generate_series(1, 200) AS i,
     (VALUES ('a', 0.0), ('b', 1.5)) AS s(h, k);

-- a single series of 200 rows
CREATE TABLE metrics1 (t int, x float8, y float8);
INSERT INTO metrics1
SELECT i, sin(i / 6.0), cos(i / 9.0) + 0.1 * sin(i / 2.0)
FROM generate_series(1, 200) AS i;

SELECT host, count(*), round(min(cpu)::numeric, 3) AS min_cpu,
       round(max(mem)::numeric, 3) AS max_mem, min(io), max(io)
FROM metrics GROUP BY host ORDER BY host;
SELECT count(*), round(avg(x)::numeric, 3) AS avg_x FROM metrics1;

-- the extension's objects
SELECT pg_describe_object(classid, objid, 0) AS object
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mimgan')
  AND deptype = 'e'
  AND pg_describe_object(classid, objid, 0) !~ 'mimgan_(score|evaluate|window|flag)'
ORDER BY 1;

-- every extension object has a comment
SELECT pg_describe_object(classid, objid, 0) AS uncommented
FROM pg_depend d
WHERE refclassid = 'pg_extension'::regclass
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mimgan')
  AND deptype = 'e'
  AND obj_description(objid, classid::regclass::name) IS NULL
ORDER BY 1;


-- build information (loads the library, and with it the GUCs)
SELECT (mimgan_info() ->> 'version') AS version,
       (mimgan_info() ->> 'blas_threads')::int AS threads,
       mimgan_info() ? 'blas' AS has_blas,
       (mimgan_info() ->> 'blas_selfcheck') AS selfcheck;

-- GUCs
SHOW mimgan.blas_threads;
SHOW mimgan.max_train_memory;
SHOW mimgan.score_batch;
SET mimgan.blas_threads = 65;
SET mimgan.nonexistent = 1;

-- regress_util.try(q, needle): run q; return its SQLSTATE ('ok' when it
-- succeeds), a style verdict ('ok' unless the message starts with a
-- capital, ends with a period, does not contain the needle, or the
-- SQLSTATE is of class XX) and the message, shortened past 160 characters.
-- Used by the hostile-input tests (170, 175).
CREATE SCHEMA regress_util;
CREATE FUNCTION regress_util.try(q text, needle text DEFAULT NULL,
                                 OUT code text, OUT style text, OUT message text)
LANGUAGE plpgsql AS
$$
BEGIN
    EXECUTE q;
    code := 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    style := concat_ws(', ',
        CASE WHEN message ~ '^[[:upper:]]' THEN 'upper-case' END,
        CASE WHEN message ~ '\.$' THEN 'ends with a period' END,
        CASE WHEN needle IS NOT NULL AND strpos(message, needle) = 0
             THEN 'does not name ' || needle END,
        CASE WHEN code ~ '^XX' THEN 'internal error' END);
    IF style = '' THEN
        style := 'ok';
    END IF;
    IF length(message) > 160 THEN
        message := left(message, 160) || format('... (%s characters)', length(message));
    END IF;
END
$$;

-- Blob surgery for the format tests (185, 186): CRC-32C of a bytea, a
-- little-endian u32 read at byte p, v as n little-endian bytes, the byte
-- offset of u32 n_a in a format-4 blob of a model with m columns (before
-- f32 attr_scale[m], the threshold (8 bytes), the statistics (88), u32
-- meta_len, the meta bytes (a JSON object) and the checksum), and b with
-- its checksum recomputed.
CREATE FUNCTION regress_util.crc32c(b bytea) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    c bigint := 4294967295;
    i int;
    k int;
BEGIN
    FOR i IN 0 .. length(b) - 1 LOOP
        c := c # get_byte(b, i);
        FOR k IN 1 .. 8 LOOP
            IF c & 1 = 1 THEN c := (c >> 1) # 2197175160; ELSE c := c >> 1; END IF;
        END LOOP;
    END LOOP;
    RETURN c # 4294967295;
END $$;
CREATE FUNCTION regress_util.u32(b bytea, p int) RETURNS bigint LANGUAGE sql AS $$
  SELECT get_byte(b, p)::bigint | (get_byte(b, p + 1)::bigint << 8)
       | (get_byte(b, p + 2)::bigint << 16) | (get_byte(b, p + 3)::bigint << 24) $$;
CREATE FUNCTION regress_util.le(v bigint, n int) RETURNS bytea LANGUAGE sql AS $$
  SELECT string_agg(set_byte('\x00'::bytea, 0, ((v >> (8 * i)) & 255)::int), ''::bytea ORDER BY i)
  FROM generate_series(0, n - 1) i $$;
CREATE FUNCTION regress_util.na_pos(b bytea, m int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    n int := length(b);
    ml int;
BEGIN
    SELECT min(k) INTO ml FROM generate_series(0, n - 32) k
    WHERE regress_util.u32(b, n - 8 - k) = k AND get_byte(b, n - 4 - k) = 123;
    IF ml IS NULL OR get_byte(b, 8) <> 4 OR
       regress_util.u32(b, n - (4 + ml + 4) - 88 - 8 - 4 * m - 4) <> m THEN
        RAISE EXCEPTION 'unexpected layout';
    END IF;
    RETURN n - (4 + ml + 4) - 88 - 8 - 4 * m - 4;
END $$;
CREATE FUNCTION regress_util.fix_crc(b bytea) RETURNS bytea LANGUAGE sql AS $$
  SELECT overlay(b PLACING regress_util.le(regress_util.crc32c(substr(b, 1, length(b) - 4)), 4)
                 FROM length(b) - 3 FOR 4) $$;
