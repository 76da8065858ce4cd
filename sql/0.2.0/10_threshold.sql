-- ---------------------------------------------------------------------------
-- Thresholds: the peaks-over-threshold rule is a training option
-- ('threshold': 'pot', 'pot_risk'); mimgan_evaluate reports best_cut, and
-- mimgan_threshold suggests a threshold from labels.
-- ---------------------------------------------------------------------------

ALTER FUNCTION @extschema@.mimgan_evaluate(text, anyelement, text, jsonb) ROWS 14;

COMMENT ON FUNCTION @extschema@.mimgan_evaluate(text, anyelement, text, jsonb) IS
'Score the relation whose row type is given (NULL::your_table) as '
'mimgan_score does and compare with label_col (boolean, or numeric with '
'nonzero = anomaly). Returns, in this order: precision, recall, f1 (at the '
'threshold), best_f1, best_precision, best_recall, best_threshold (best '
'over all thresholds: best_f1 flags score >= best_threshold), f1_pa '
'(point-adjusted), roc_auc, pr_auc (average precision), n (rows '
'evaluated), n_anomalies, threshold and best_cut (a threshold for '
'is_anomaly, score > best_cut, that gives best_f1). Rows with a '
'NULL score (missing value, or series shorter than seq_len) or a NULL '
'label are left out; a metric undefined on the data (e.g. roc_auc without '
'anomalies) is NULL. Options as for mimgan_score (without top_k).';

CREATE FUNCTION @extschema@.mimgan_threshold(
    model     text,
    rows      anyelement,
    label_col text,
    options   jsonb DEFAULT '{}')
RETURNS TABLE(
    threshold       float8,
    f1              float8,
    "precision"     float8,
    recall          float8,
    model_threshold float8,
    model_f1        float8,
    n               bigint,
    n_anomalies     bigint,
    chosen_from     text)
LANGUAGE sql STABLE PARALLEL RESTRICTED ROWS 1
AS $$
SELECT max(e.value) FILTER (WHERE e.metric = 'best_cut'),
       max(e.value) FILTER (WHERE e.metric = 'best_f1'),
       max(e.value) FILTER (WHERE e.metric = 'best_precision'),
       max(e.value) FILTER (WHERE e.metric = 'best_recall'),
       max(e.value) FILTER (WHERE e.metric = 'threshold'),
       max(e.value) FILTER (WHERE e.metric = 'f1'),
       max(e.value) FILTER (WHERE e.metric = 'n')::bigint,
       max(e.value) FILTER (WHERE e.metric = 'n_anomalies')::bigint,
       pg_catalog.format('labels in column %I of %s: the F1-best threshold on '
                         'these rows, not a label-free one',
                         label_col, pg_catalog.pg_typeof(rows))
FROM @extschema@.mimgan_evaluate(model, rows, label_col, options) e
$$;

COMMENT ON FUNCTION @extschema@.mimgan_threshold(text, anyelement, text, jsonb) IS
'Suggest a threshold from labels: scores the relation whose row type is '
'given as mimgan_evaluate does and returns the threshold t for which '
'flagging score > t gives the best F1 on these rows, with that F1, its '
'precision and recall, the model''s own threshold and its F1 for '
'comparison, the row counts, and chosen_from saying that labels were '
'used. Nothing is changed: pass the threshold to scoring explicitly '
'(options => ''{"threshold": t}''), knowing it was fitted on labelled rows '
'and is optimistic on those rows.';
