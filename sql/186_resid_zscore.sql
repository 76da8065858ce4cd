-- resid_norm 'zscore' (the default, with resid_agg 'rms'): each column's
-- scaled residual is centred and divided by its spread on the training
-- rows before the columns combine; the networks are those of resid_norm
-- 'train' with the same seed, only the residual part of the score differs
\set VERBOSITY terse
SET extra_float_digits = 0;

CREATE TABLE zs_train (t int, a float8, b float8, c float8);
INSERT INTO zs_train
SELECT i, sin(i / 6.0), cos(i / 9.0), 0.5 * sin(i / 4.0) + 0.3 * cos(i / 7.0)
FROM generate_series(1, 300) AS i;
CREATE TABLE zs_test AS SELECT * FROM zs_train WHERE t <= 200;
UPDATE zs_test SET b = b + 0.8 WHERE t BETWEEN 120 AND 125;

\set o '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":11,"threshold_windows":64,"attribution":"residual"}'
SELECT mimgan_train('zs_train', ARRAY['a','b','c'], 10, 't', NULL, 'zs_train_m',
                    (:'o')::jsonb || '{"resid_norm": "train", "resid_agg": "mean"}');
SELECT mimgan_train('zs_train', ARRAY['a','b','c'], 10, 't', NULL, 'zs_z',
                    (:'o')::jsonb || '{"resid_norm": "zscore", "resid_agg": "rms"}');
SELECT name, options->>'resid_norm' AS resid_norm, options->>'resid_agg' AS resid_agg
FROM mimgan_models WHERE name LIKE 'zs\_%' ORDER BY name;

-- the same networks: the per-column scaled residuals mimgan_explain
-- reports agree with the 'train' model's, the residual part does not;
-- the discrimination part is the same
SELECT count(*) AS n,
       count(*) FILTER (WHERE abs((z.contrib->'b'->>'residual')::float8
                                  - (m.contrib->'b'->>'residual')::float8) > 1e-5) AS resid_differ,
       count(*) FILTER (WHERE abs(z.dis_score - m.dis_score) > 1e-6) AS dis_differ,
       count(*) FILTER (WHERE abs(z.rec_score - m.rec_score) > 1e-3) > 0 AS rec_differs
FROM mimgan_explain('zs_z', NULL::zs_test, NULL::int, NULL::int) z
JOIN mimgan_explain('zs_train_m', NULL::zs_test, NULL::int, NULL::int) m ON (z.r).t = (m.r).t;

-- every scoring path gives the same scores as mimgan_score: explain, and
-- an exported and imported copy (its blob holds 3 scales per column)
SELECT count(*) AS n,
       count(*) FILTER (WHERE abs(e.score - s.score) > 1e-5 * (1 + abs(s.score))) AS explain_differs,
       count(*) FILTER (WHERE e.is_anomaly IS DISTINCT FROM s.is_anomaly) AS flag_differs
FROM mimgan_score('zs_z', NULL::zs_test) s
JOIN mimgan_explain('zs_z', NULL::zs_test, NULL::int, NULL::int) e ON (e.r).t = (s.r).t;
SELECT length(mimgan_export('zs_z')) - length(mimgan_export('zs_train_m')) AS extra_bytes;
SELECT mimgan_import('zs_copy', mimgan_export('zs_z'));
SELECT count(*) AS n, count(*) FILTER (WHERE c.score IS DISTINCT FROM s.score) AS differ
FROM mimgan_score('zs_z', NULL::zs_test) s
JOIN mimgan_score('zs_copy', NULL::zs_test) c ON (c.r).t = (s.r).t;
-- the threshold is a score of the training rows, so some test rows lie
-- above it; the planted rows score above the median
SELECT count(*) FILTER (WHERE is_anomaly) > 0 AS some_flagged,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY score)
         FILTER (WHERE (r).t BETWEEN 120 AND 125)
       > percentile_cont(0.5) WITHIN GROUP (ORDER BY score) AS planted_above_median
FROM mimgan_score('zs_z', NULL::zs_test);

-- a blob whose last centre is negative (its sign bit set, the checksum
-- recomputed) is refused on import: centres are means of residuals
CREATE FUNCTION pg_temp.neg_centre(b bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
    pna int := regress_util.na_pos(b, 3);
BEGIN
    -- before n_a: u32 n_s = 9 (3 per column), then scale, spread, centre
    IF regress_util.u32(b, pna - 40) <> 9 THEN
        RAISE EXCEPTION 'unexpected layout';
    END IF;
    RETURN regress_util.fix_crc(set_byte(b, pna - 1, get_byte(b, pna - 1) | 128));
END $$;
SELECT * FROM regress_util.try($$SELECT mimgan_import('zs_bad', pg_temp.neg_centre(mimgan_export('zs_z')))$$);
SELECT count(*) AS zs_bad_models FROM mimgan_models WHERE name = 'zs_bad';

-- errors
SELECT * FROM regress_util.try($$SELECT mimgan_train('zs_train', ARRAY['a','b','c'], 10, 't', NULL, 'zs_bad', '{"resid_norm": "z"}')$$, 'resid_norm');
SELECT * FROM regress_util.try($$SELECT mimgan_train('zs_train', ARRAY['a','b','c'], 10, 't', NULL, 'zs_bad', '{"resid_norm": 2}')$$, 'resid_norm');

SELECT mimgan_drop('zs_train_m'), mimgan_drop('zs_z'), mimgan_drop('zs_copy');
DROP TABLE zs_train, zs_test;
