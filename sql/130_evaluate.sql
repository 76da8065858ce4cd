-- mimgan_evaluate: detection metrics on a labelled relation
\set VERBOSITY terse
SET extra_float_digits = 0;

SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_eval',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16}');

-- a labelled copy of metrics with an injected spike
CREATE TABLE labelled AS SELECT m.*, false AS anomaly, 0 AS label_int FROM metrics m;
UPDATE labelled SET cpu = cpu + 500, mem = mem - 300, io = io + 40, anomaly = true, label_int = 2
WHERE host = 'a' AND ts BETWEEN 100 AND 104;

-- every metric, in a fixed order; figures in range
SELECT ord, metric,
       CASE WHEN metric IN ('n', 'n_anomalies') THEN value::text
            WHEN metric IN ('best_threshold', 'threshold', 'best_cut') THEN (value >= 0)::text
            ELSE (value BETWEEN 0 AND 1)::text END AS value_or_in_range
FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly') WITH ORDINALITY AS e(metric, value, ord)
ORDER BY ord;
-- f1 is the harmonic mean of precision and recall; best_f1 >= f1; f1_pa >= best_f1
SELECT round((2 * p * r / nullif(p + r, 0))::numeric, 6) = round(f1::numeric, 6) OR (p + r = 0 AND f1 = 0) AS f1_ok,
       best_f1 >= f1 - 1e-12 AS best_ok,
       f1_pa >= best_f1 - 1e-12 AS pa_ok
FROM (SELECT max(value) FILTER (WHERE metric = 'precision') AS p,
             max(value) FILTER (WHERE metric = 'recall') AS r,
             max(value) FILTER (WHERE metric = 'f1') AS f1,
             max(value) FILTER (WHERE metric = 'best_f1') AS best_f1,
             max(value) FILTER (WHERE metric = 'f1_pa') AS f1_pa
      FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly')) q;
-- the threshold row is the model's, or the option's
SELECT round(e.value::numeric, 9) = round(mm.threshold::numeric, 9) AS model_threshold
FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly') e,
     (SELECT threshold FROM mimgan_models WHERE name = 'm_eval') mm
WHERE e.metric = 'threshold';
SELECT value FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly', '{"threshold": 0.25}')
WHERE metric = 'threshold';
-- threshold below every score: recall 1, precision = share of anomalies
SELECT metric, round(value::numeric, 3) AS value
FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly', '{"threshold": -1}')
WHERE metric IN ('precision', 'recall', 'n', 'n_anomalies');

-- a numeric label (nonzero = anomaly) gives the same figures
SELECT count(*) AS differences FROM (
  SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly')
  EXCEPT
  SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, 'label_int')) d;
-- deterministic
SELECT count(*) AS differences FROM (
  SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly')
  EXCEPT
  SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly')) d;

-- a perfect detector: labels are the top tenth of the scores themselves
CREATE TABLE perfect AS
SELECT (s.r).*, s.score > q.cut AS anomaly
FROM mimgan_score('m_eval', NULL::metrics) s,
     (SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY score) AS cut
      FROM mimgan_score('m_eval', NULL::metrics)) q;
SELECT metric, round(value::numeric, 3) AS value
FROM mimgan_evaluate('m_eval', NULL::perfect, 'anomaly')
WHERE metric IN ('best_f1', 'best_precision', 'best_recall', 'f1_pa', 'roc_auc', 'pr_auc', 'n', 'n_anomalies');
-- and the inverse labelling is the worst detector
CREATE TABLE inverse AS SELECT p.*, NOT anomaly AS normal FROM perfect p;
SELECT metric, round(value::numeric, 3) AS value
FROM mimgan_evaluate('m_eval', NULL::inverse, 'normal')
WHERE metric IN ('roc_auc', 'n_anomalies');

-- rows with a NULL label or a NULL score are left out
CREATE TABLE partly AS SELECT * FROM labelled;
UPDATE partly SET anomaly = NULL WHERE ts <= 10;
UPDATE partly SET cpu = NULL WHERE ts BETWEEN 11 AND 15;
SELECT value AS n FROM mimgan_evaluate('m_eval', NULL::partly, 'anomaly') WHERE metric = 'n';
SELECT count(*) AS expected_n FROM partly WHERE anomaly IS NOT NULL AND cpu IS NOT NULL;

-- no anomaly at all: figures that need one are NULL
CREATE TABLE all_normal AS SELECT m.*, false AS anomaly FROM metrics m;
SELECT metric, value IS NULL AS is_null
FROM mimgan_evaluate('m_eval', NULL::all_normal, 'anomaly')
WHERE metric IN ('roc_auc', 'pr_auc', 'best_threshold', 'n_anomalies');

-- errors
\set VERBOSITY default
SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, 'no_such_col');
SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, 'host');
SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, 'ctid');
SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, NULL);
SELECT * FROM mimgan_evaluate(NULL, NULL::labelled, 'anomaly');
SELECT * FROM mimgan_evaluate('no_such_model', NULL::labelled, 'anomaly');
SELECT * FROM mimgan_evaluate('m_eval', 42, 'anomaly');
SELECT * FROM mimgan_evaluate('m_eval', NULL::labelled, 'anomaly', '{"top_k": 3}');
-- every label NULL: nothing to evaluate
UPDATE partly SET anomaly = NULL;
SELECT * FROM mimgan_evaluate('m_eval', NULL::partly, 'anomaly');
