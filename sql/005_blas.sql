--
-- OpenBLAS kernel selection: mimgan.blas_coretype and mimgan_info().
-- OpenBLAS is loaded once per backend at the first mimgan call, so the
-- setting below, made before any call in this session, decides the kernel.
--
SET mimgan.blas_coretype = 'Prescott';	-- SSE3 kernels run on every x86-64
SHOW mimgan.blas_coretype;
SELECT mimgan_info() ->> 'blas_core' AS core,
       mimgan_info() ->> 'blas_core_requested' AS requested,
       mimgan_info() ->> 'blas_core_source' AS source,
       mimgan_info() ->> 'blas_selfcheck' AS selfcheck,
       mimgan_info() ->> 'blas_library' LIKE '%openblas%' AS library;
-- a product through the forced kernel agrees with the plain-C reference
-- (the self-check above) and training works on it
CREATE TEMP TABLE tiny AS
  SELECT g AS t, sin(g / 5.0) AS a, cos(g / 7.0) AS b
  FROM generate_series(1, 80) g;
SELECT mimgan_train('tiny', ARRAY['a', 'b'], 10, order_by => 't',
                    model_name => 'blas_tiny',
                    options => '{"epochs": 1, "hidden_g": 4, "hidden_d": 4,
                                 "latent_dim": 2, "batch_size": 8}');
SELECT mimgan_drop('blas_tiny');
-- the setting is read at load: changing it later is accepted for new
-- sessions and does not touch the kernel of this one
SET mimgan.blas_coretype = 'auto';
SELECT mimgan_info() ->> 'blas_core' AS core_unchanged,
       mimgan_info() ->> 'blas_coretype_setting' AS setting;
SET mimgan.blas_coretype = 'none';
RESET mimgan.blas_coretype;
-- case does not matter
SET mimgan.blas_coretype = 'prescott';
SHOW mimgan.blas_coretype;
-- unknown names are refused with the list of valid ones
SET mimgan.blas_coretype = 'Pentium9';
SET mimgan.blas_coretype = '';
-- a kernel set needing AVX-512 is accepted exactly when the CPU has it
DO $$
DECLARE
  has_avx512 bool := position('avx512f' in mimgan_info() ->> 'cpu_features') > 0;
  accepted bool;
BEGIN
  BEGIN
    SET LOCAL mimgan.blas_coretype = 'SkylakeX';
    accepted := true;
  EXCEPTION WHEN invalid_parameter_value THEN
    accepted := false;
  END;
  RAISE NOTICE 'SkylakeX accepted iff AVX-512: %', accepted = has_avx512;
END
$$;
-- only superusers choose the kernel
CREATE ROLE mimgan_blas_user;
SET ROLE mimgan_blas_user;
SET mimgan.blas_coretype = 'Prescott';
RESET ROLE;
DROP ROLE mimgan_blas_user;

-- OpenBLAS's worker threads are joined before a function returns: after
-- training and scoring with 2 BLAS threads this backend has one thread
-- again (its tasks in /proc), and the scores equal the 1-thread ones
-- A joined thread can stay listed in /proc for a moment after
-- pthread_join returns (the kernel reaps it just after waking the joiner),
-- so the count is polled for up to 2 s; a pool left parked never goes away.
CREATE FUNCTION pg_temp.backend_threads() RETURNS bigint LANGUAGE plpgsql AS
$$
DECLARE
    n bigint;
BEGIN
    FOR i IN 1..200 LOOP
        SELECT count(*) INTO n FROM pg_ls_dir('/proc/' || pg_backend_pid() || '/task');
        EXIT WHEN n = 1;
        PERFORM pg_sleep(0.01);
    END LOOP;
    RETURN n;
END
$$;
CREATE TEMP TABLE pool_src AS
SELECT i AS t, sin(i / 5.0) AS a, cos(i / 7.0) AS b FROM generate_series(1, 400) i;
SET mimgan.blas_threads = 2;
SELECT mimgan_train('pool_src', ARRAY['a', 'b'], 10, 't', NULL, 'pool_m',
                    '{"epochs": 1, "hidden_g": 64, "hidden_d": 64, "batch_size": 128, "seed": 3}');
SELECT pg_temp.backend_threads() AS backend_threads;
SELECT md5(string_agg(round(s.score::numeric, 4)::text, ',' ORDER BY (s.r).t)) AS fp2
FROM mimgan_score('pool_m', NULL::pool_src) s \gset
SELECT pg_temp.backend_threads() AS backend_threads;
SELECT (mimgan_info() ->> 'blas_threads')::int AS blas_threads,
       pg_temp.backend_threads() AS backend_threads;
SET mimgan.blas_threads = 1;
SELECT md5(string_agg(round(s.score::numeric, 4)::text, ',' ORDER BY (s.r).t)) = :'fp2' AS same_scores
FROM mimgan_score('pool_m', NULL::pool_src) s;
SELECT mimgan_drop('pool_m');

-- mimgan.threads: mimgan's own worker threads over pieces of each batch,
-- cut by shape alone.  Batch 128 (two pieces) and scoring batches of 512
-- windows (four): the model and every score are bit-identical to one
-- thread's, OpenBLAS runs one thread meanwhile, and the workers are joined
-- before each function returns.
SET mimgan.threads = 2;
SELECT (mimgan_info() ->> 'threads')::int AS threads,
       (mimgan_info() ->> 'blas_threads')::int AS blas_threads;
SELECT mimgan_train('pool_src', ARRAY['a', 'b'], 10, 't', NULL, 'par_m2',
                    '{"epochs": 1, "hidden_g": 64, "hidden_d": 64, "batch_size": 128, "seed": 3}');
SELECT pg_temp.backend_threads() AS backend_threads;
CREATE TEMP TABLE par_s2 AS
SELECT (s.r).t, s.score, s.is_anomaly FROM mimgan_score('par_m2', NULL::pool_src, '{"encoder": false, "invert_iters": 10}') s;
SELECT pg_temp.backend_threads() AS backend_threads;
SET mimgan.threads = 1;
SELECT mimgan_train('pool_src', ARRAY['a', 'b'], 10, 't', NULL, 'par_m1',
                    '{"epochs": 1, "hidden_g": 64, "hidden_d": 64, "batch_size": 128, "seed": 3}');
SELECT (SELECT weights FROM mimgan.model WHERE name = 'par_m1') =
       (SELECT weights FROM mimgan.model WHERE name = 'par_m2') AS same_model;
SELECT count(*) AS rows, count(*) FILTER (WHERE s.score = p.score AND s.is_anomaly = p.is_anomaly) AS same_scores
FROM mimgan_score('par_m2', NULL::pool_src, '{"encoder": false, "invert_iters": 10}') s JOIN par_s2 p ON p.t = (s.r).t;
-- out of range
SET mimgan.threads = 0;
SET mimgan.threads = 5;
SELECT mimgan_drop('par_m1'), mimgan_drop('par_m2');
