-- attribution: what top_cols ranks ('deviation', the default: each
-- column's deviation from its window mean in units of its training median;
-- 'residual': the reconstruction residual), a training option stored in
-- the model and a scoring option; models of format 3 have no deviation
-- scales
\set VERBOSITY terse
SET extra_float_digits = 0;

-- three smooth columns; the test copy has a planted jump in b only
CREATE TABLE attr_train (t int, a float8, b float8, c float8);
INSERT INTO attr_train
SELECT i, sin(i / 6.0), cos(i / 9.0), 0.5 * sin(i / 4.0) + 0.3 * cos(i / 7.0)
FROM generate_series(1, 300) AS i;
CREATE TABLE attr_test AS SELECT * FROM attr_train WHERE t <= 200;
UPDATE attr_test SET b = b + 0.8 WHERE t BETWEEN 120 AND 125;

\set o '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":11,"threshold_windows":64}'
SELECT mimgan_train('attr_train', ARRAY['a','b','c'], 10, 't', NULL, 'at_dev', :'o');
SELECT mimgan_train('attr_train', ARRAY['a','b','c'], 10, 't', NULL, 'at_res',
                    (:'o')::jsonb || '{"attribution": "residual", "resid_norm": "train", "resid_agg": "mean"}');
SELECT name, options->>'attribution' AS attribution
FROM mimgan_models WHERE name LIKE 'at\_%' ORDER BY name;

-- the deviation does not depend on the networks: on every planted row b
-- comes first, with either model when scored with 'deviation'
SELECT m, count(*) AS planted, count(*) FILTER (WHERE top_cols[1] = 'b') AS b_first
FROM (VALUES ('at_dev', '{}'::jsonb), ('at_res', '{"attribution": "deviation"}')) v(m, o),
     LATERAL mimgan_score(m, NULL::attr_test, o) s
WHERE (s.r).t BETWEEN 120 AND 125
GROUP BY m ORDER BY m;
SELECT count(*) AS rows_differ
FROM mimgan_score('at_dev', NULL::attr_test, '{"top_k": 3}') d
JOIN mimgan_score('at_res', NULL::attr_test, '{"top_k": 3, "attribution": "deviation"}') r
  ON (d.r).t = (r.r).t
WHERE d.top_cols IS DISTINCT FROM r.top_cols;

-- the scores never depend on the attribution, only top_cols does
SELECT count(*) AS n,
       count(*) FILTER (WHERE d.score IS DISTINCT FROM r.score
                           OR d.rec_score IS DISTINCT FROM r.rec_score
                           OR d.is_anomaly IS DISTINCT FROM r.is_anomaly) AS scores_differ,
       count(*) FILTER (WHERE d.top_cols IS DISTINCT FROM r.top_cols) > 0 AS top_cols_differ
FROM mimgan_score('at_dev', NULL::attr_test, '{"top_k": 3}') d
JOIN mimgan_score('at_dev', NULL::attr_test, '{"top_k": 3, "attribution": "residual"}') r
  ON (d.r).t = (r.r).t;

-- with 'residual' on the model trained with it, top_cols is the order of
-- the residuals mimgan_explain reports, and their mean is rec_score
-- (resid_agg mean, no PCA)
SELECT count(*) AS n,
       count(*) FILTER (WHERE e.top_cols <> ARRAY(
           SELECT key FROM jsonb_each(e.contrib) ORDER BY (value->>'rank')::int)) AS order_differs,
       count(*) FILTER (WHERE abs(e.rec_score - (
           SELECT avg((value->>'residual')::float8) FROM jsonb_each(e.contrib))) > 1e-5) AS mean_differs
FROM mimgan_explain('at_res', NULL::attr_test, 110, 130, '{"top_k": 3}') e;
-- explain with 'deviation': contrib holds the deviations top_cols ranks;
-- the planted column has rank 1 and the largest share
SELECT (e.r).t, e.top_cols[1] AS first, e.contrib->'b'->>'rank' AS b_rank,
       (e.contrib->'b'->>'share')::float8 > greatest((e.contrib->'a'->>'share')::float8,
                                                     (e.contrib->'c'->>'share')::float8) AS b_largest_share
FROM mimgan_explain('at_dev', NULL::attr_test, 119, 126) e ORDER BY 1;

-- with PCA (2 of 3 components) the deviation is taken of the values
-- projected back to the columns; the planted column still ranks first
SELECT mimgan_train('attr_train', ARRAY['a','b','c'], 10, 't', NULL, 'at_pca',
                    (:'o')::jsonb || '{"pca_components": 2}');
SELECT count(*) AS planted, count(*) FILTER (WHERE top_cols[1] = 'b') AS b_first,
       bool_and(cardinality(top_cols) = 3) AS all_ranked
FROM mimgan_score('at_pca', NULL::attr_test, '{"top_k": 3}') s
WHERE (s.r).t BETWEEN 120 AND 125;

-- a model of format 3 (written before this option): the blob of at_res
-- without the version-4 fields (i32 attribution at offset 224; the u32
-- count and the f32 deviation scales before the threshold), with its length
-- and checksum recomputed
CREATE FUNCTION pg_temp.to_v3(b bytea) RETURNS bytea LANGUAGE plpgsql AS $$
DECLARE
    pna int := regress_util.na_pos(b, 3);
    v bytea;
BEGIN
    -- drop attribution (bytes 224..227), n_a and attr_scale (16 bytes)
    v := substr(b, 1, 224) || substr(b, 229, pna - 228) || substr(b, pna + 17);
    v := overlay(v PLACING '\x03'::bytea FROM 9 FOR 1);
    v := overlay(v PLACING regress_util.le(length(v), 8) FROM 17 FOR 8);
    RETURN regress_util.fix_crc(v);
END $$;
SELECT mimgan_import('at_old', pg_temp.to_v3(mimgan_export('at_res')));
SELECT get_byte(mimgan_export('at_old'), 8) AS format, options->>'attribution' AS attribution
FROM mimgan_models WHERE name = 'at_old';
-- it scores as before: top_cols by residual, the scores of at_res
SELECT count(*) AS n,
       count(*) FILTER (WHERE o.score IS DISTINCT FROM r.score
                           OR o.top_cols IS DISTINCT FROM r.top_cols) AS differ
FROM mimgan_score('at_old', NULL::attr_test, '{"top_k": 3}') o
JOIN mimgan_score('at_res', NULL::attr_test, '{"top_k": 3}') r ON (o.r).t = (r.r).t;
SELECT count(*) AS n FROM mimgan_score('at_old', NULL::attr_test, '{"attribution": "residual"}');

-- errors
SELECT * FROM regress_util.try($$SELECT count(*) FROM mimgan_score('at_old', NULL::attr_test, '{"attribution": "deviation"}')$$, 'deviation scales');
SELECT * FROM regress_util.try($$SELECT count(*) FROM mimgan_explain('at_old', NULL::attr_test, 1, 20, '{"attribution": "deviation"}')$$, 'deviation scales');
SELECT * FROM regress_util.try($$SELECT count(*) FROM mimgan_score('at_dev', NULL::attr_test, '{"attribution": "bogus"}')$$, 'attribution');
SELECT * FROM regress_util.try($$SELECT count(*) FROM mimgan_score('at_dev', NULL::attr_test, '{"attribution": 1}')$$, 'attribution');
SELECT * FROM regress_util.try($$SELECT mimgan_train('attr_train', ARRAY['a','b','c'], 10, 't', NULL, 'at_bad', '{"attribution": "shap"}')$$, 'attribution');
SELECT * FROM regress_util.try($$SELECT mimgan_train('attr_train', ARRAY['a','b','c'], 10, 't', NULL, 'at_bad', '{"attribution": null}')$$, 'attribution');
SELECT count(*) AS at_bad_models FROM mimgan_models WHERE name = 'at_bad';

SELECT mimgan_drop('at_dev'), mimgan_drop('at_res'), mimgan_drop('at_old'), mimgan_drop('at_pca');
DROP TABLE attr_train, attr_test;
