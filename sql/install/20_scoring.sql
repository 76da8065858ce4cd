
-- ---------------------------------------------------------------------------
-- Scoring: mimgan_score, mimgan_evaluate, mimgan_window_score, mimgan_flag
-- (src/pg/score.c, evaluate.c, window_agg.c, trigger.c)
-- ---------------------------------------------------------------------------

-- STABLE: reads the model catalog and the relation through SPI.
-- PARALLEL RESTRICTED: the relation may be a temporary table, which
-- parallel workers cannot read, so the function runs in the leader only.
-- Not STRICT: the second argument is NULL by design (NULL::some_table).
CREATE FUNCTION @extschema@.mimgan_score(
    model   text,
    rows    anyelement,
    options jsonb DEFAULT '{}')
RETURNS TABLE(
    r          anyelement,
    score      float8,
    dis_score  float8,
    rec_score  float8,
    is_anomaly boolean,
    top_cols   text[])
AS 'MODULE_PATHNAME', 'mimgan_score'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 1000;

COMMENT ON FUNCTION @extschema@.mimgan_score(text, anyelement, jsonb) IS
'Score every row of the relation whose row type is given (NULL::your_table) '
'with a model (''name'' or ''name@version''), in (series, order) order. '
'Each row gets the DIRE score of its time step, averaged over the windows '
'covering it, its discrimination and reconstruction parts, is_anomaly '
'(score > the model''s threshold, or the "threshold" option) and top_cols, '
'the model columns with the largest reconstruction residuals (option '
'"top_k", default 3, 0 for NULL). Rows with a NULL, NaN or infinite model '
'column are skipped when cutting windows and returned with NULL scores; so '
'are the rows of a series shorter than seq_len. Options: threshold, step, '
'invert_iters, invert_lr, invert_tol, warm_start, lambda, batch, seed, '
'top_k. STABLE and PARALLEL RESTRICTED: it reads the model and the '
'relation (possibly a temporary table) through SPI.';

CREATE FUNCTION @extschema@.mimgan_evaluate(
    model     text,
    rows      anyelement,
    label_col text,
    options   jsonb DEFAULT '{}')
RETURNS TABLE(metric text, value float8)
AS 'MODULE_PATHNAME', 'mimgan_evaluate'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 13;

COMMENT ON FUNCTION @extschema@.mimgan_evaluate(text, anyelement, text, jsonb) IS
'Score the relation whose row type is given (NULL::your_table) as '
'mimgan_score does and compare with label_col (boolean, or numeric with '
'nonzero = anomaly). Returns, in this order: precision, recall, f1 (at the '
'threshold), best_f1, best_precision, best_recall, best_threshold (best '
'over all thresholds), f1_pa (point-adjusted), roc_auc, pr_auc (average '
'precision), n (rows evaluated), n_anomalies and threshold. Rows with a '
'NULL score (missing value, or series shorter than seq_len) or a NULL '
'label are left out; a metric undefined on the data (e.g. roc_auc without '
'anomalies) is NULL. Options as for mimgan_score (without top_k).';

-- Window aggregate.  The transition function appends the frame's rows to
-- an internal state; the final function scores the frame as one window and
-- does not modify the state, so the aggregate can serve as a window
-- function whose final function runs once per row.  No COMBINEFUNC: a
-- window is a time-ordered sequence, and partial states gathered by
-- parallel workers have no order to be concatenated in.
CREATE FUNCTION @extschema@.mimgan_window_score_sfunc(internal, text, float8[])
RETURNS internal
AS 'MODULE_PATHNAME', 'mimgan_window_score_sfunc'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mimgan_window_score_sfunc(internal, text, float8[]) IS
'Transition function of mimgan_window_score: appends one row of values.';

CREATE FUNCTION @extschema@.mimgan_window_score_final(internal)
RETURNS float8
AS 'MODULE_PATHNAME', 'mimgan_window_score_final'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.mimgan_window_score_final(internal) IS
'Final function of mimgan_window_score: scores the collected rows as one '
'window, leaving the state unchanged.';

CREATE AGGREGATE @extschema@.mimgan_window_score(model text, VARIADIC vals float8[]) (
    SFUNC = @extschema@.mimgan_window_score_sfunc,
    STYPE = internal,
    FINALFUNC = @extschema@.mimgan_window_score_final,
    FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.mimgan_window_score(text, VARIADIC float8[]) IS
'DIRE score of the LAST time step of one window (the current row with a '
'frame ROWS BETWEEN seq_len-1 PRECEDING AND CURRENT ROW), used as '
'mimgan_window_score(''model'', VARIADIC ARRAY[c1, c2, ...]) OVER w with the '
'model''s columns in the model''s order. The frame must hold exactly '
'seq_len rows: fewer give NULL, more are an error. A NULL, NaN or infinite '
'value anywhere in the frame gives NULL. The model''s preprocessing is '
'applied to the frame. STABLE (reads the model once per query) and '
'PARALLEL SAFE; there is no COMBINEFUNC because a window is an ordered '
'sequence that cannot be assembled from partial states.';

-- Trigger function: VOLATILE and PARALLEL UNSAFE (it writes).
CREATE FUNCTION @extschema@.mimgan_flag()
RETURNS trigger
AS 'MODULE_PATHNAME', 'mimgan_flag'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.mimgan_flag() IS
'Statement trigger: CREATE TRIGGER t AFTER INSERT ON src REFERENCING NEW '
'TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION '
'mimgan_flag(''model'', ''anomaly_table'' [, ''warn'' | ''raise'']). Scores, in '
'one batch, the window ending at each inserted row (the preceding seq_len-1 '
'rows of its series come from src) and appends each row whose last-step '
'DIRE score exceeds the model''s threshold to anomaly_table (the columns of '
'src, then score float8, then columns with defaults). Rows with fewer than '
'seq_len-1 earlier rows in their series, or with a missing value, are not '
'scored. With ''warn'' (the default) a scoring failure is reported as a '
'WARNING and the inserted rows are kept; with ''raise'' it aborts the insert.';
