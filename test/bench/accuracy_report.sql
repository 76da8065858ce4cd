-- test/bench/accuracy_report.sql: the tables of `make bench-accuracy`,
-- printed as Markdown from bench_result (mimgan_evaluate rows),
-- baseline (run_baselines.py CSV) and bench_hitrate.
\set ON_ERROR_STOP 1
\pset footer off
\pset tuples_only on
\pset format unaligned

CREATE TEMP VIEW mg AS
SELECT dataset, entity, model, seq_len, options, train_s, score_s, note,
       max(value) FILTER (WHERE metric = 'best_f1')        AS best_f1,
       max(value) FILTER (WHERE metric = 'best_precision') AS best_p,
       max(value) FILTER (WHERE metric = 'best_recall')    AS best_r,
       max(value) FILTER (WHERE metric = 'f1')             AS f1_thr,
       max(value) FILTER (WHERE metric = 'precision')      AS p_thr,
       max(value) FILTER (WHERE metric = 'recall')         AS r_thr,
       max(value) FILTER (WHERE metric = 'mad_f1')         AS f1_mad,
       max(value) FILTER (WHERE metric = 'mad_precision')  AS p_mad,
       max(value) FILTER (WHERE metric = 'mad_recall')     AS r_mad,
       max(value) FILTER (WHERE metric = 'both_f1')        AS f1_both,
       max(value) FILTER (WHERE metric = 'f1_pa')          AS f1_pa,
       max(value) FILTER (WHERE metric = 'roc_auc')        AS roc_auc,
       max(value) FILTER (WHERE metric = 'pr_auc')         AS pr_auc,
       max(value) FILTER (WHERE metric = 'n')              AS n
FROM bench_result
GROUP BY dataset, entity, model, seq_len, options, train_s, score_s, note;

CREATE TEMP VIEW ds AS
SELECT DISTINCT dataset, CASE dataset WHEN 'kdd99' THEN 3 WHEN 'smd' THEN 2 ELSE 1 END AS o FROM bench_result;

CREATE FUNCTION pg_temp.f3(x float8) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(to_char(x, 'FM0.000'), '–') $$;
CREATE FUNCTION pg_temp.f1d(x float8) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(to_char(x, 'FM999990.0'), '–') $$;

SELECT string_agg(block, E'\n' ORDER BY o) FROM (
SELECT d.o, concat_ws(E'\n',
  E'\n### ' || d.dataset || ': mean over ' || (SELECT count(DISTINCT entity) FROM mg WHERE mg.dataset = d.dataset)
     || ' entit' || CASE WHEN (SELECT count(DISTINCT entity) FROM mg WHERE mg.dataset = d.dataset) = 1 THEN 'y' ELSE 'ies' END
     || ' (' || (SELECT string_agg(DISTINCT entity, ', ') FROM mg WHERE mg.dataset = d.dataset) || ')'
     || coalesce(E'\n\nNote (mimgan rows): ' || (SELECT max(note) FROM mg WHERE mg.dataset = d.dataset AND note <> ''), '')
     || E'\n',
  '| detector | input | best F1 | P@best | R@best | F1@own thr (P/R) | F1@mad thr (P/R) | PA-F1 | ROC-AUC | PR-AUC | train s | score s |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  (SELECT string_agg(format('| mimgan (`%s`) | L=%s | %s | %s | %s | %s (%s/%s) | %s (%s/%s) | %s | %s | %s | %s | %s |',
            model, seq_len, pg_temp.f3(best_f1), pg_temp.f3(best_p), pg_temp.f3(best_r), pg_temp.f3(f1_thr),
            pg_temp.f3(p_thr), pg_temp.f3(r_thr), pg_temp.f3(f1_mad), pg_temp.f3(p_mad), pg_temp.f3(r_mad), pg_temp.f3(f1_pa), pg_temp.f3(roc_auc), pg_temp.f3(pr_auc),
            pg_temp.f1d(train_s), pg_temp.f1d(score_s)), E'\n' ORDER BY array_position(ARRAY['mim','mim_s5','bce','paper'], model))
     FROM (SELECT model, seq_len, avg(best_f1) best_f1, avg(best_p) best_p, avg(best_r) best_r,
                  avg(f1_thr) f1_thr, avg(p_thr) p_thr, avg(r_thr) r_thr,
                  avg(f1_mad) f1_mad, avg(p_mad) p_mad, avg(r_mad) r_mad, avg(f1_pa) f1_pa,
                  avg(roc_auc) roc_auc, avg(pr_auc) pr_auc, avg(train_s) train_s, avg(score_s) score_s
           FROM mg WHERE mg.dataset = d.dataset GROUP BY model, seq_len) a),
  (SELECT string_agg(format('| %s | %s | %s | %s | %s | – | – | %s | %s | %s | %s | %s |',
            detector, mode, pg_temp.f3(f1), pg_temp.f3(p), pg_temp.f3(r), pg_temp.f3(pa),
            pg_temp.f3(roc), pg_temp.f3(pr), pg_temp.f1d(fit_s), pg_temp.f1d(score_s)), E'\n' ORDER BY o, mode)
     FROM (SELECT b.detector, b.mode, min(b.ctid::text) AS o0,
                  array_position(ARRAY['Random(ref)','AllAnomalous(ref)','IsolationForest','LOF','OCSVM','PCA','KNN','ZScoreMax'], b.detector) AS o,
                  avg(b."F1") f1, avg(b."P") p, avg(b."R") r, avg(b."PA_F1") pa, avg(b."ROC_AUC") roc,
                  avg(b."PR_AUC") pr, avg(b.fit_s) fit_s, avg(b.score_s) score_s
           FROM baseline b WHERE b.dataset = d.dataset GROUP BY b.detector, b.mode) q),
  E'\nPer entity (best F1 / PA-F1 / ROC-AUC / PR-AUC):\n',
  (SELECT '| model | ' || string_agg(DISTINCT entity, ' | ') || ' |' FROM mg WHERE mg.dataset = d.dataset),
  (SELECT '|---|' || repeat('---|', count(DISTINCT entity)::int) FROM mg WHERE mg.dataset = d.dataset),
  (SELECT string_agg(line, E'\n' ORDER BY k) FROM (
     SELECT 'mimgan ' || coalesce(array_position(ARRAY['mim','mim_s5','bce','paper'], model), 9) || model AS k, '| mimgan `' || model || '` | ' || string_agg(
        pg_temp.f3(best_f1) || ' / ' || pg_temp.f3(f1_pa) || ' / ' || pg_temp.f3(roc_auc) || ' / ' || pg_temp.f3(pr_auc), ' | ' ORDER BY entity) || ' |' AS line
     FROM mg WHERE mg.dataset = d.dataset GROUP BY model
     UNION ALL
     SELECT 'z ' || detector || mode, '| ' || detector || ' ' || mode || ' | ' || string_agg(
        pg_temp.f3("F1") || ' / ' || pg_temp.f3("PA_F1") || ' / ' || pg_temp.f3("ROC_AUC") || ' / ' || pg_temp.f3("PR_AUC"), ' | ' ORDER BY entity) || ' |'
     FROM baseline b WHERE b.dataset = d.dataset AND b.detector NOT LIKE 'AllAnomalous%'
     GROUP BY detector, mode) q),
  E'\nDeployable F1 per entity (F1 at the model\'s threshold / F1 with "threshold": "mad" / with "both" / best F1; ratio to best: mean deployable F1 over mean best F1, at the model\'s threshold / with "mad" / with "both"):\n',
  (SELECT '| model | ' || string_agg(DISTINCT entity, ' | ') || ' | mean | ratio to best |' FROM mg WHERE mg.dataset = d.dataset),
  (SELECT '|---|' || repeat('---|', count(DISTINCT entity)::int + 2) FROM mg WHERE mg.dataset = d.dataset),
  (SELECT string_agg(line, E'\n' ORDER BY k) FROM (
     SELECT coalesce(array_position(ARRAY['mim','mim_s5','bce','paper'], model), 9) || model AS k,
            '| mimgan `' || model || '` | ' || string_agg(
              pg_temp.f3(f1_thr) || ' / ' || pg_temp.f3(f1_mad) || ' / ' || pg_temp.f3(f1_both) || ' / ' || pg_temp.f3(best_f1), ' | ' ORDER BY entity)
            || ' | ' || pg_temp.f3(avg(f1_thr)) || ' / ' || pg_temp.f3(avg(f1_mad)) || ' / ' || pg_temp.f3(avg(f1_both)) || ' / ' || pg_temp.f3(avg(best_f1))
            || ' | ' || coalesce(to_char(avg(f1_thr) / nullif(avg(best_f1), 0), 'FM0.00'), '–') || '× / '
            || coalesce(to_char(avg(f1_mad) / nullif(avg(best_f1), 0), 'FM0.00'), '–') || '× / '
            || coalesce(to_char(avg(f1_both) / nullif(avg(best_f1), 0), 'FM0.00'), '–') || '× |' AS line
     FROM mg WHERE mg.dataset = d.dataset GROUP BY model) q),
  CASE WHEN EXISTS (SELECT 1 FROM bench_hitrate h WHERE h.dataset = d.dataset) THEN concat_ws(E'\n',
    E'\nPer-variable attribution vs interpretation_label.txt (HitRate, mean over entities; steps = labelled anomalous steps inside an interpretation segment):\n',
    '| ranking | steps | HitRate@100% | HitRate@150% | per entity @100% / @150% |',
    '|---|---|---|---|---|',
    (SELECT string_agg(line, E'\n' ORDER BY k) FROM (
       SELECT CASE WHEN ranking LIKE 'mimgan mim %' THEN '0' WHEN ranking LIKE 'mimgan bce %' THEN '1' WHEN ranking LIKE 'mimgan%' THEN '2' ELSE '3' END || ranking AS k,
              format('| %s | %s | %s | %s | %s |', ranking, sum(n_steps), pg_temp.f3(avg(hr100)), pg_temp.f3(avg(hr150)),
                     string_agg(entity || ' ' || pg_temp.f3(hr100) || ' / ' || pg_temp.f3(hr150), ', ' ORDER BY entity)) AS line
       FROM bench_hitrate h WHERE h.dataset = d.dataset GROUP BY ranking) q))
  END,
  E'\nOptions (effective, as stored in mimgan.model.options; identical for every entity of the dataset except where noted):\n',
  (SELECT string_agg(format('* `%s`: seq_len %s, `%s`', model, seq_len,
        (SELECT o2.options - 'seq_len' FROM mg o2 WHERE o2.dataset = d.dataset AND o2.model = m.model ORDER BY entity LIMIT 1)),
        E'\n' ORDER BY array_position(ARRAY['mim','mim_s5','bce','paper'], model))
   FROM (SELECT DISTINCT model, seq_len FROM mg WHERE mg.dataset = d.dataset) m)
) AS block
FROM ds d) z;
