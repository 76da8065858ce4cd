--
-- Detection quality guard: a small fixed-seed case that must keep finding
-- its injected anomalies (issue 4).  Three channels, deterministic noise;
-- the test part holds a spike beyond the training range, a broken
-- correlation inside the range and a frozen channel.  The floors sit well
-- above chance (ROC-AUC 0.5, PR-AUC 0.1) and below what the defaults reach
-- (0.915, 0.706, best F1 0.673, F1 0.643 when written; with resid_norm
-- 'zscore', the default since 0.2.0's last changes, 0.829, 0.635, 0.686,
-- 0.612, where 'train' gives 0.863, 0.652, 0.660, 0.619), so a real
-- degradation fails here while BLAS rounding differences do not.
--
SET extra_float_digits = 0;

CREATE FUNCTION det_noise(t int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT (sin(t * 12.9898) * 43758.5453 - floor(sin(t * 12.9898) * 43758.5453)) - 0.5 $$;

CREATE TABLE det_train (t int PRIMARY KEY, a float8, b float8, c float8);
INSERT INTO det_train
SELECT t, sin(t / 10.0) + 0.1 * det_noise(t),
       cos(t / 15.0) + 0.1 * det_noise(t + 7),
       0.5 * sin(t / 10.0) + 0.5 * cos(t / 15.0) + 0.1 * det_noise(t + 13)
FROM generate_series(1, 1200) AS t;

CREATE TABLE det_test (t int PRIMARY KEY, a float8, b float8, c float8, label int);
INSERT INTO det_test
SELECT t, sin(t / 10.0) + 0.1 * det_noise(t),
       cos(t / 15.0) + 0.1 * det_noise(t + 7),
       0.5 * sin(t / 10.0) + 0.5 * cos(t / 15.0) + 0.1 * det_noise(t + 13), 0
FROM generate_series(1201, 1800) AS t;
UPDATE det_test SET b = b + 3, label = 1 WHERE t BETWEEN 1300 AND 1309;
UPDATE det_test SET c = -c, label = 1 WHERE t BETWEEN 1450 AND 1479;
UPDATE det_test SET a = 0.9, label = 1 WHERE t BETWEEN 1600 AND 1619;

-- the defaults (encoder, standardised residuals), fixed seed
SELECT mimgan_train('det_train', ARRAY['a', 'b', 'c'], 30, 't', NULL, 'det',
                    '{"seed": 7}');
SELECT metric, value >= floor AS above_floor
FROM mimgan_evaluate('det', NULL::det_test, 'label')
JOIN (VALUES ('roc_auc', 0.8), ('pr_auc', 0.5), ('best_f1', 0.5), ('f1', 0.4))
     AS f(metric, floor) USING (metric)
ORDER BY metric;

-- every injected segment is flagged at the model's own threshold
SELECT seg, bool_or(s.is_anomaly) AS flagged
FROM mimgan_score('det', NULL::det_test) s,
     LATERAL (SELECT CASE WHEN (s.r).t BETWEEN 1300 AND 1309 THEN 'spike'
                          WHEN (s.r).t BETWEEN 1450 AND 1479 THEN 'correlation'
                          WHEN (s.r).t BETWEEN 1600 AND 1619 THEN 'frozen' END AS seg) g
WHERE seg IS NOT NULL
GROUP BY seg ORDER BY seg;

-- the spike's top column is b
SELECT (s.r).t, s.top_cols[1] AS top
FROM mimgan_score('det', NULL::det_test, '{"top_k": 1}') s
WHERE (s.r).t IN (1303, 1305);

SELECT mimgan_drop('det');
DROP TABLE det_train, det_test;
DROP FUNCTION det_noise(int);
