-- Thresholds: the peaks-over-threshold rule ('pot') at training, best_cut
-- in mimgan_evaluate, and mimgan_threshold's label-based suggestion
\set VERBOSITY terse
SET extra_float_digits = 0;

CREATE TABLE thr_src AS SELECT * FROM metrics;
CREATE TABLE thr_lab AS SELECT m.*, (host = 'b' AND ts BETWEEN 150 AND 156) AS anomaly FROM metrics m;
UPDATE thr_lab SET cpu = cpu + 60, io = io - 50 WHERE anomaly;

\set o '"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":4,"threshold_windows":0'
-- the same model (same seed) with three threshold rules
SELECT mimgan_train('thr_src', ARRAY['cpu','mem','io'], 8, 'ts', 'host', 'thr_q90', ('{' || :'o' || ', "threshold_quantile": 0.9}')::jsonb);
SELECT mimgan_train('thr_src', ARRAY['cpu','mem','io'], 8, 'ts', 'host', 'thr_q99', ('{' || :'o' || ', "threshold_quantile": 0.99}')::jsonb);
SELECT mimgan_train('thr_src', ARRAY['cpu','mem','io'], 8, 'ts', 'host', 'thr_pot', ('{' || :'o' || ', "threshold": "pot", "threshold_quantile": 0.9, "pot_risk": 0.005}')::jsonb);
SELECT name, options->>'threshold' AS rule, options->'threshold_quantile' AS level, options->'pot_risk' AS risk
FROM mimgan_models WHERE name LIKE 'thr_%' ORDER BY name;
-- the same training scores: the tail fit above the 0.9 quantile lands
-- beyond it (risk 0.005 < 0.1); the blobs differ (rule, threshold)
SELECT p.threshold > q.threshold AS pot_above_level,
       p.threshold > 0 AND p.threshold < 'infinity' AS finite,
       (SELECT count(DISTINCT md5(mimgan_export(name))) FROM mimgan_models WHERE name LIKE 'thr_%') = 3 AS distinct_blobs,
       (SELECT count(*) FROM mimgan_score('thr_pot', NULL::thr_src) s WHERE s.score > p.threshold)
         < (SELECT count(*) FROM mimgan_score('thr_q90', NULL::thr_src) s WHERE s.score > q.threshold) AS flags_fewer_rows
FROM mimgan_models p, mimgan_models q
WHERE p.name = 'thr_pot' AND q.name = 'thr_q90';
-- scores are the rule's business only through is_anomaly
SELECT count(*) AS differing_scores
FROM mimgan_score('thr_pot', NULL::thr_src) a
JOIN mimgan_score('thr_q90', NULL::thr_src) b ON (a.r).ts = (b.r).ts AND (a.r).host = (b.r).host
WHERE a.score IS DISTINCT FROM b.score;
-- the rule survives export / import (blob format 3)
SELECT mimgan_import('thr_pot_copy', mimgan_export('thr_pot'));
SELECT c.options->>'threshold' AS rule, c.options->'pot_risk' AS risk, c.threshold = p.threshold AS same_threshold
FROM mimgan_models c, mimgan_models p WHERE c.name = 'thr_pot_copy' AND p.name = 'thr_pot';

-- bad rule options
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"threshold": "POT"}');
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"threshold": "pot", "pot_risk": 0}');
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"threshold": "pot", "pot_risk": 0.02}');
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"threshold": "pot", "threshold_quantile": 0.9, "pot_risk": 0.1}');
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"pot_risk": "high"}');
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"pot_risk": 0.7}');
SELECT count(*) FROM mimgan_score('thr_pot', NULL::thr_src, '{"threshold": "pot"}');
SELECT count(*) FROM mimgan_score('thr_pot', NULL::thr_src, '{"pot_risk": 0.01}');
SELECT count(*) FROM mimgan_models WHERE name = 'thr_bad';

-- mimgan_evaluate: best_cut is a threshold for score > t that gives best_f1
SELECT metric FROM mimgan_evaluate('thr_q90', NULL::thr_lab, 'anomaly') WITH ORDINALITY e(metric, value, o)
WHERE o >= 13 ORDER BY o;
SELECT e.f1 = b.best_f1 AS cut_reproduces_best_f1, b.best_cut < b.best_threshold AS below_tau
FROM (SELECT max(value) FILTER (WHERE metric = 'best_f1') AS best_f1,
             max(value) FILTER (WHERE metric = 'best_cut') AS best_cut,
             max(value) FILTER (WHERE metric = 'best_threshold') AS best_threshold
      FROM mimgan_evaluate('thr_q90', NULL::thr_lab, 'anomaly')) b,
     LATERAL (SELECT value AS f1 FROM mimgan_evaluate('thr_q90', NULL::thr_lab, 'anomaly',
                                                      jsonb_build_object('threshold', b.best_cut))
              WHERE metric = 'f1') e;

-- mimgan_threshold: the suggestion, reported as label-based
SELECT t.n, t.n_anomalies, t.f1 > 0.5 AS finds_the_spike, t.f1 >= t.model_f1 AS at_least_model,
       t.model_threshold = m.threshold AS model_threshold_ok, t.chosen_from
FROM mimgan_threshold('thr_q90', NULL::thr_lab, 'anomaly') t, mimgan_models m
WHERE m.name = 'thr_q90';
-- applying it reproduces its F1, precision and recall through is_anomaly
SELECT round(t.f1::numeric, 12) = round((2.0 * tp / (2 * tp + fp + fn))::numeric, 12) AS f1_ok,
       round(t.precision::numeric, 12) = round((1.0 * tp / (tp + fp))::numeric, 12) AS precision_ok,
       round(t.recall::numeric, 12) = round((1.0 * tp / (tp + fn))::numeric, 12) AS recall_ok
FROM mimgan_threshold('thr_q90', NULL::thr_lab, 'anomaly') t,
     LATERAL (SELECT count(*) FILTER (WHERE s.is_anomaly AND (s.r).anomaly) AS tp,
                     count(*) FILTER (WHERE s.is_anomaly AND NOT (s.r).anomaly) AS fp,
                     count(*) FILTER (WHERE NOT s.is_anomaly AND (s.r).anomaly) AS fn
              FROM mimgan_score('thr_q90', NULL::thr_lab, jsonb_build_object('threshold', t.threshold)) s
              WHERE s.score IS NOT NULL) c;
-- nothing was changed: the model keeps its threshold
SELECT count(DISTINCT threshold) AS thresholds FROM mimgan_models WHERE name = 'thr_q90';
-- labels without anomalies: no suggestion (NULL), and errors pass through
CREATE TABLE thr_none AS SELECT m.*, false AS anomaly FROM metrics m;
SELECT threshold IS NULL AS no_suggestion, f1, n, n_anomalies
FROM mimgan_threshold('thr_q90', NULL::thr_none, 'anomaly');
SELECT * FROM mimgan_threshold('thr_q90', NULL::thr_lab, 'no_such_col');
SELECT * FROM mimgan_threshold('no_such_model', NULL::thr_lab, 'anomaly');
SELECT * FROM mimgan_threshold('thr_q90', NULL::thr_lab, NULL);

-- score smoothing: the trailing mean over the last `smooth` scored rows of
-- a series, at training (the threshold sees smoothed training scores) or
-- per query
SELECT mimgan_train('thr_src', ARRAY['cpu','mem','io'], 8, 'ts', 'host', 'thr_sm', ('{' || :'o' || ', "smooth": 5}')::jsonb);
SELECT options->'smooth' AS smooth FROM mimgan_models WHERE name = 'thr_sm';
SELECT count(*) FILTER (WHERE abs(s5.score - sm.mean5) > 1e-9 * abs(sm.mean5)) AS differing,
       count(*) FILTER (WHERE s5.score <> sm.score) AS changed_by_smoothing,
       count(*) AS scored
FROM (SELECT (s.r).ts, (s.r).host, s.score,
             avg(s.score) OVER (PARTITION BY (s.r).host ORDER BY (s.r).ts ROWS 4 PRECEDING) AS mean5
      FROM mimgan_score('thr_sm', NULL::thr_src, '{"smooth": 1}') s WHERE s.score IS NOT NULL) sm
JOIN mimgan_score('thr_sm', NULL::thr_src) s5 ON (s5.r).ts = sm.ts AND (s5.r).host = sm.host;
-- dis_score and rec_score are smoothed alike, so score = lambda dis + (1 - lambda) rec still holds
SELECT count(*) FILTER (WHERE abs(s.score - (0.2 * s.dis_score + 0.8 * s.rec_score)) > 1e-9) AS inconsistent
FROM mimgan_score('thr_sm', NULL::thr_src, '{"smooth": 9}') s WHERE s.score IS NOT NULL;
-- explain and plot score single ranges and refuse smoothing; smooth 1 works
SELECT count(*) FROM mimgan_explain('thr_sm', NULL::thr_src, 100, 120, '{"series": "a"}');
SELECT count(*) FROM mimgan_plot('thr_sm', NULL::thr_src, 100, 120, options => '{"series": "a"}');
SELECT count(*) AS explained FROM mimgan_explain('thr_sm', NULL::thr_src, 100, 120, '{"series": "a", "smooth": 1}');
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"smooth": 0}');
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"smooth": 10001}');
SELECT mimgan_train('thr_src', ARRAY['cpu'], 8, 'ts', 'host', 'thr_bad', '{"smooth": 2.5}');
SELECT count(*) FROM mimgan_score('thr_sm', NULL::thr_src, '{"smooth": 0}');
SELECT count(*) FROM mimgan_score('thr_sm', NULL::thr_src, '{"smooth": "5"}');

DROP TABLE thr_src, thr_lab, thr_none;
SELECT mimgan_drop(name) FROM (SELECT DISTINCT name FROM mimgan_models WHERE name LIKE 'thr_%' ORDER BY name) n;
