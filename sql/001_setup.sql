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
