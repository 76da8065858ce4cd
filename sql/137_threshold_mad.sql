-- The batch threshold rule 'mad' (scoring option "threshold": "mad",
-- "mad_k"): each scored series gets the threshold
-- exp(median(ln s) + mad_k * 1.4826 * MAD(ln s)) of its own scores, in
-- mimgan_score and mimgan_evaluate only.  Checked against the same formula
-- in SQL, on a planted anomaly, per series, and its errors.
\set VERBOSITY terse
SET extra_float_digits = 0;

-- the rule in SQL, per series, from the (series, score) rows of mad_scores
CREATE TABLE mad_scores (series text, score float8);
CREATE FUNCTION mad_sql_thr(k float8)
RETURNS TABLE(series text, thr float8) LANGUAGE sql AS $$
  WITH l AS (SELECT series, ln(greatest(score, 1e-12)) AS l FROM mad_scores),
       m AS (SELECT series, percentile_cont(0.5) WITHIN GROUP (ORDER BY l) AS med FROM l GROUP BY series)
  SELECT m.series, exp(m.med + k * 1.4826 * percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(l.l - m.med)))
  FROM l JOIN m USING (series) GROUP BY m.series, m.med
$$;

-- a single series with three planted anomalies (as in 150_detection)
CREATE FUNCTION mad_noise(t int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT (sin(t * 12.9898) * 43758.5453 - floor(sin(t * 12.9898) * 43758.5453)) - 0.5 $$;
CREATE TABLE mad_train (t int PRIMARY KEY, a float8, b float8, c float8);
INSERT INTO mad_train
SELECT t, sin(t / 10.0) + 0.1 * mad_noise(t), cos(t / 15.0) + 0.1 * mad_noise(t + 7),
       0.5 * sin(t / 10.0) + 0.5 * cos(t / 15.0) + 0.1 * mad_noise(t + 13)
FROM generate_series(1, 1200) AS t;
CREATE TABLE mad_test (t int PRIMARY KEY, a float8, b float8, c float8, label int);
INSERT INTO mad_test
SELECT t, sin(t / 10.0) + 0.1 * mad_noise(t), cos(t / 15.0) + 0.1 * mad_noise(t + 7),
       0.5 * sin(t / 10.0) + 0.5 * cos(t / 15.0) + 0.1 * mad_noise(t + 13), 0
FROM generate_series(1201, 1800) AS t;
UPDATE mad_test SET b = b + 3, label = 1 WHERE t BETWEEN 1300 AND 1309;
UPDATE mad_test SET c = -c, label = 1 WHERE t BETWEEN 1450 AND 1479;
UPDATE mad_test SET a = 0.9, label = 1 WHERE t BETWEEN 1600 AND 1619;
SELECT mimgan_train('mad_train', ARRAY['a', 'b', 'c'], 30, 't', NULL, 'mad_det',
                    '{"seed": 7, "epochs": 10}') IS NOT NULL AS trained;

INSERT INTO mad_scores
SELECT 'all', score FROM mimgan_score('mad_det', NULL::mad_test) WHERE score IS NOT NULL;
-- is_anomaly under 'mad' is score > the SQL rule's threshold (rows within
-- 1e-9 of it left out: rounding), for the default k and for k 1 and 4;
-- a larger k flags a subset of a smaller one
SELECT o.k, count(*) FILTER (WHERE s.is_anomaly) > 0 AS flags_some,
       count(*) FILTER (WHERE s.is_anomaly <> (s.score > t.thr)
                        AND abs(s.score - t.thr) > 1e-9 * t.thr) AS disagreements,
       count(*) FILTER (WHERE s.is_anomaly) < count(*) / 4 AS flags_few
FROM (VALUES (2.75, '{"threshold": "mad"}'::jsonb),
             (1, '{"threshold": "mad", "mad_k": 1}'),
             (4, '{"threshold": "mad", "mad_k": 4}')) o(k, opts),
     LATERAL mimgan_score('mad_det', NULL::mad_test, o.opts) s,
     mad_sql_thr(o.k) t
GROUP BY o.k ORDER BY o.k;
SELECT count(*) AS k4_not_k1
FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad", "mad_k": 4}') a
JOIN mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad", "mad_k": 1}') b USING (r)
WHERE a.is_anomaly AND NOT b.is_anomaly;
-- the scores themselves do not change, only is_anomaly
SELECT count(*) AS differing_scores
FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad"}') a
JOIN mimgan_score('mad_det', NULL::mad_test) b USING (r)
WHERE a.score IS DISTINCT FROM b.score;
-- the planted spike is flagged under 'mad'
SELECT bool_or(s.is_anomaly) AS spike_flagged
FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad"}') s
WHERE (s.r).t BETWEEN 1300 AND 1309;

-- mimgan_evaluate: the threshold is the SQL rule's, and precision, recall
-- and f1 are those of is_anomaly under the same options; best_f1 and the
-- AUCs do not depend on the threshold
SELECT abs(e.thr - t.thr) <= 1e-9 * t.thr AS threshold_ok,
       round(e.f1::numeric, 12) = round((2.0 * c.tp / (2 * c.tp + c.fp + c.fn))::numeric, 12) AS f1_ok,
       round(e.p::numeric, 12) = round((1.0 * c.tp / nullif(c.tp + c.fp, 0))::numeric, 12) AS precision_ok,
       round(e.r::numeric, 12) = round((1.0 * c.tp / (c.tp + c.fn))::numeric, 12) AS recall_ok,
       e.best_f1 = d.best_f1 AND e.roc = d.roc AS rest_unchanged
FROM (SELECT max(value) FILTER (WHERE metric = 'threshold') AS thr,
             max(value) FILTER (WHERE metric = 'f1') AS f1,
             max(value) FILTER (WHERE metric = 'precision') AS p,
             max(value) FILTER (WHERE metric = 'recall') AS r,
             max(value) FILTER (WHERE metric = 'best_f1') AS best_f1,
             max(value) FILTER (WHERE metric = 'roc_auc') AS roc
      FROM mimgan_evaluate('mad_det', NULL::mad_test, 'label', '{"threshold": "mad"}')) e,
     (SELECT max(value) FILTER (WHERE metric = 'best_f1') AS best_f1,
             max(value) FILTER (WHERE metric = 'roc_auc') AS roc
      FROM mimgan_evaluate('mad_det', NULL::mad_test, 'label')) d,
     (SELECT count(*) FILTER (WHERE s.is_anomaly AND (s.r).label = 1) AS tp,
             count(*) FILTER (WHERE s.is_anomaly AND (s.r).label = 0) AS fp,
             count(*) FILTER (WHERE NOT s.is_anomaly AND (s.r).label = 1) AS fn
      FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad"}') s
      WHERE s.score IS NOT NULL) c,
     mad_sql_thr(2.75) t;
-- the model's stored threshold is untouched
SELECT m.threshold = e.value AS model_threshold_kept
FROM mimgan_models m, mimgan_evaluate('mad_det', NULL::mad_test, 'label') e
WHERE m.name = 'mad_det' AND e.metric = 'threshold';

-- 'both': each series' threshold is the larger of its 'mad' threshold and
-- the model's, so a row is flagged only when both rules flag it; k 1 puts
-- the 'mad' threshold of mad_det below its model threshold, k 4 above
SELECT o.k, (t.thr < m.threshold) AS mad_below_model,
       abs(e.value - greatest(t.thr, m.threshold)) <= 1e-9 * greatest(t.thr, m.threshold) AS threshold_is_larger
FROM (VALUES (1, '{"threshold": "both", "mad_k": 1}'::jsonb),
             (4, '{"threshold": "both", "mad_k": 4}')) o(k, opts)
CROSS JOIN LATERAL mimgan_evaluate('mad_det', NULL::mad_test, 'label', o.opts) e
CROSS JOIN LATERAL (SELECT thr FROM mad_sql_thr(o.k)) t
CROSS JOIN mimgan_models m
WHERE m.name = 'mad_det' AND e.metric = 'threshold'
ORDER BY o.k;
SELECT count(*) FILTER (WHERE b.is_anomaly <> (a.is_anomaly AND m.is_anomaly)) AS not_both,
       count(*) FILTER (WHERE b.is_anomaly) > 0 AS flags_some
FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "both"}') b
JOIN mimgan_score('mad_det', NULL::mad_test) a USING (r)
JOIN mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad"}') m USING (r);
-- per series: each host gets its own threshold; with several series the
-- "threshold" row of mimgan_evaluate is NULL
CREATE TABLE mad_lab AS SELECT m.*, (host = 'b' AND ts BETWEEN 150 AND 156) AS anomaly FROM metrics m;
UPDATE mad_lab SET cpu = cpu + 60, io = io - 50 WHERE anomaly;
SELECT mimgan_train('mad_lab', ARRAY['cpu', 'mem', 'io'], 8, 'ts', 'host', 'mad_hosts',
                    '{"epochs": 2, "hidden_g": 8, "hidden_d": 8, "batch_size": 16, "latent_dim": 3, "seed": 4}') IS NOT NULL AS trained;
TRUNCATE mad_scores;
INSERT INTO mad_scores SELECT (r).host, score FROM mimgan_score('mad_hosts', NULL::mad_lab) WHERE score IS NOT NULL;
SELECT (s.r).host, count(*) FILTER (WHERE s.is_anomaly) > 0 AS flags_some,
       count(*) FILTER (WHERE s.is_anomaly <> (s.score > t.thr)
                        AND abs(s.score - t.thr) > 1e-9 * t.thr) AS disagreements
FROM mimgan_score('mad_hosts', NULL::mad_lab, '{"threshold": "mad", "mad_k": 1}') s
JOIN mad_sql_thr(1) t ON t.series = (s.r).host
GROUP BY 1 ORDER BY 1;
SELECT count(DISTINCT round(thr::numeric, 9)) AS distinct_thresholds FROM mad_sql_thr(1);
SELECT value IS NULL AS threshold_null
FROM mimgan_evaluate('mad_hosts', NULL::mad_lab, 'anomaly', '{"threshold": "mad"}')
WHERE metric = 'threshold';

-- per-series models: each series' floor is its own model's threshold
SELECT mimgan_train('mad_lab', ARRAY['cpu', 'mem', 'io'], 8, 'ts', 'host', 'mad_each',
                    '{"epochs": 1, "hidden_g": 4, "hidden_d": 4, "batch_size": 16, "latent_dim": 2, "seed": 4, "per_series": true}') IS NOT NULL AS trained;
SELECT count(*) FILTER (WHERE b.is_anomaly <> (a.is_anomaly AND m.is_anomaly)) AS not_both_per_series
FROM mimgan_score('mad_each', NULL::mad_lab, '{"threshold": "both"}') b
JOIN mimgan_score('mad_each', NULL::mad_lab) a USING (r)
JOIN mimgan_score('mad_each', NULL::mad_lab, '{"threshold": "mad"}') m USING (r);

-- errors: bad values, 'mad' at training, in explain / plot and in the trigger
SELECT count(*) FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "MAD"}');
SELECT count(*) FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad", "mad_k": 0}');
SELECT count(*) FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad", "mad_k": 101}');
SELECT count(*) FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "mad", "mad_k": "3"}');
SELECT count(*) FROM mimgan_score('mad_det', NULL::mad_test, '{"mad_k": 3}');
SELECT count(*) FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": 1.5, "mad_k": 3}');
SELECT * FROM mimgan_evaluate('mad_det', NULL::mad_test, 'label', '{"threshold": "mad", "mad_k": -1}');
SELECT mimgan_train('mad_train', ARRAY['a'], 30, 't', NULL, 'mad_bad', '{"threshold": "mad"}');
SELECT mimgan_train('mad_train', ARRAY['a'], 30, 't', NULL, 'mad_bad', '{"threshold": "both"}');
SELECT count(*) FROM mimgan_score('mad_det', NULL::mad_test, '{"threshold": "BOTH"}');
SELECT count(*) FROM mimgan_explain('mad_det', NULL::mad_test, 1300, 1310, '{"threshold": "both"}');
SELECT count(*) FROM mimgan_explain('mad_det', NULL::mad_test, 1300, 1310, '{"threshold": "mad"}');
SELECT length(mimgan_plot('mad_det', NULL::mad_test, 1300, 1310, options => '{"threshold": "mad"}'));
CREATE TABLE mad_live (t int, a float8, b float8, c float8);
CREATE TABLE mad_anom (t int, a float8, b float8, c float8, score float8);
CREATE TRIGGER mad_flag AFTER INSERT ON mad_live REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('mad_det', 'mad_anom', 'mad');
INSERT INTO mad_live SELECT t, a, b, c FROM mad_test WHERE t <= 1240;
SELECT count(*) AS live_rows FROM mad_live;
-- the trigger without it compares with the model's stored threshold
DROP TRIGGER mad_flag ON mad_live;
CREATE TRIGGER mad_flag AFTER INSERT ON mad_live REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('mad_det', 'mad_anom');
INSERT INTO mad_live SELECT t, a, b, c FROM mad_test WHERE t <= 1320;
SELECT count(*) FILTER (WHERE a.score <= m.threshold) AS below_model_threshold, count(*) > 0 AS flagged_some
FROM mad_anom a, mimgan_models m WHERE m.name = 'mad_det';
SELECT count(*) FROM mimgan_models WHERE name = 'mad_bad';

DROP TABLE mad_train, mad_test, mad_lab, mad_live, mad_anom, mad_scores;
DROP FUNCTION mad_sql_thr(float8), mad_noise(int);
SELECT mimgan_drop(name) FROM (SELECT DISTINCT name FROM mimgan_models WHERE name LIKE 'mad_%' ORDER BY name) n;
