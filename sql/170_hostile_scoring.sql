--
-- Hostile input to the scoring and catalog functions: mimgan_window_score,
-- mimgan_flag, mimgan_import, mimgan_export, mimgan_drop, mimgan_evaluate
-- and mimgan_info.  030_errors_train, 140_errors_score and 160_hostile
-- cover mimgan_train and mimgan_score; the cases here are new ones.
--
-- Each bad input is run through regress_util.try, which returns the SQLSTATE
-- ('ok' when the statement succeeds: a documented result), a style verdict
-- and the primary message.  The verdict is 'ok' unless the message starts
-- with a capital, ends with a period, does not name the offending value
-- (the needle), or the SQLSTATE is of class XX (internal error); messages
-- longer than 160 characters are shown shortened.  Cases whose result is
-- a value rather than an error are shown as queries.
--
SET extra_float_digits = 0;
\set o '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":1,"threshold_windows":8}'

-- regress_util.try (sql/001_setup.sql) runs a statement and reports its
-- SQLSTATE, a message-style verdict and the message

-- fixtures: a two-column model without series (seq_len 6) and a
-- three-column model with series that flags every scored row
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, model_name => 'h_win', options => :'o');
SELECT mimgan_train('metrics1', ARRAY['y', 'x'], 4, model_name => 'h_win4', options => :'o');
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 6, model_name => 'h_z',
                    options => (:'o')::jsonb || '{"normalize": "zscore"}');
SELECT mimgan_train('metrics', ARRAY['cpu', 'mem', 'io'], 5, 'ts', 'host', 'h_ser',
                    (:'o')::jsonb || '{"threshold": 0}');

-- =====================================================================
-- mimgan_window_score
-- =====================================================================
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  -- the values array
  (1, 'empty array', $$SELECT mimgan_window_score('h_win', VARIADIC ARRAY[]::float8[]) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win'),
  (2, 'one value for two columns', $$SELECT mimgan_window_score('h_win', x) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win'),
  (3, 'three values for two columns', $$SELECT mimgan_window_score('h_win', x, y, x) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win'),
  (4, 'array of arrays', $$SELECT mimgan_window_score('h_win', VARIADIC ARRAY[[x], [y]]) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, '2-dimensional'),
  (5, 'three-dimensional array', $$SELECT mimgan_window_score('h_win', VARIADIC ARRAY[[[x, y]]]) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, '3-dimensional'),
  (6, 'values of the wrong type', $$SELECT mimgan_window_score('h_win', 'abc', y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'abc'),
  (7, 'a value beyond float8', $$SELECT mimgan_window_score('h_win', x, 1e400) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, NULL),
  (8, 'no values at all', $$SELECT mimgan_window_score('h_win') OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'mimgan_window_score'),
  (9, 'model of the wrong type', $$SELECT mimgan_window_score(42, x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'mimgan_window_score'),
  -- the model argument
  (10, 'NULL model', $$SELECT mimgan_window_score(NULL, x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, NULL),
  (11, 'unknown model', $$SELECT mimgan_window_score('h_nope', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_nope'),
  (12, 'unknown version', $$SELECT mimgan_window_score('h_win@2', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win'),
  (13, 'version 0', $$SELECT mimgan_window_score('h_win@0', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win@0'),
  (14, 'version -1', $$SELECT mimgan_window_score('h_win@-1', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win@-1'),
  (15, 'version beyond int4', $$SELECT mimgan_window_score('h_win@99999999999', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win@99999999999'),
  (16, 'version with a sign', $$SELECT mimgan_window_score('h_win@+1', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win@+1'),
  (17, 'two @', $$SELECT mimgan_window_score('h_win@1@1', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win@1@1'),
  (18, 'empty name', $$SELECT mimgan_window_score('', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, '""'),
  (19, 'only a version', $$SELECT mimgan_window_score('@1', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, '@1'),
  (20, 'quoted name', $$SELECT mimgan_window_score('"h_win"', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, '"h_win"'),
  (21, 'upper-case name', $$SELECT mimgan_window_score('H_WIN', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'H_WIN'),
  (22, 'name of 64 bytes', $$SELECT mimgan_window_score(repeat('w', 64), x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, repeat('w', 64)),
  (23, 'name of 2 kB (shown shortened)', $$SELECT mimgan_window_score(repeat('w', 2000), x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, repeat('w', 64) || '...'),
  (24, 'injection in the name', $$SELECT mimgan_window_score('h_win''; DROP TABLE metrics1; --', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'DROP TABLE metrics1'),
  (25, 'injection in the version', $$SELECT mimgan_window_score('h_win@1; DROP TABLE metrics1', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'DROP TABLE metrics1'),
  (26, 'model changes within a frame', $$SELECT mimgan_window_score(CASE WHEN t % 2 = 0 THEN 'h_win' ELSE 'h_win4' END, x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, 'h_win4'),
  (27, 'model changes to a 2 kB name within a frame', $$SELECT mimgan_window_score(CASE WHEN t < 3 THEN 'h_win' ELSE repeat('w', 2000) END, x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, repeat('w', 64) || '...'),
  (28, 'a NULL model after a valid one', $$SELECT mimgan_window_score(CASE WHEN t < 3 THEN 'h_win' END, x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, NULL),
  -- frames
  (29, 'frame one row too long', $$SELECT mimgan_window_score('h_win', x, y) OVER (ORDER BY t ROWS 6 PRECEDING) FROM metrics1$$, 'h_win'),
  (30, 'default frame (whole partition so far)', $$SELECT mimgan_window_score('h_win', x, y) OVER (ORDER BY t) FROM metrics1$$, 'h_win'),
  (31, 'frame reaching into the future', $$SELECT mimgan_window_score('h_win', x, y) OVER (ORDER BY t ROWS BETWEEN 5 PRECEDING AND 5 FOLLOWING) FROM metrics1$$, 'h_win'),
  (32, 'no ORDER BY, whole table', $$SELECT mimgan_window_score('h_win', x, y) OVER () FROM metrics1$$, 'h_win'),
  (33, 'plain aggregate over too many rows', $$SELECT mimgan_window_score('h_win', x, y ORDER BY t) FROM metrics1$$, 'h_win'),
  (34, 'frame of seq_len for one model, longer for another', $$SELECT mimgan_window_score('h_win', x, y) OVER w, mimgan_window_score('h_win4', y, x) OVER w FROM metrics1 WINDOW w AS (ORDER BY t ROWS 5 PRECEDING)$$, 'h_win4'),
  (35, 'a model dropped by the same statement', $$SELECT mimgan_window_score('h_win', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1 WHERE mimgan_drop('h_win') > 0$$, 'h_win'),
  -- well-formed but odd: documented results (values below)
  (36, 'array with lower bound 0', $$SELECT mimgan_window_score('h_win', VARIADIC '[0:1]={1,2}'::float8[]) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, NULL),
  (37, 'integer array (cast to float8)', $$SELECT mimgan_window_score('h_win', VARIADIC ARRAY[t, t]) OVER (ORDER BY t ROWS 5 PRECEDING) FROM metrics1$$, NULL),
  (38, 'RANGE and GROUPS frames', $$SELECT mimgan_window_score('h_win', x, y) OVER (ORDER BY t RANGE 5 PRECEDING), mimgan_window_score('h_win', x, y) OVER (ORDER BY t GROUPS 5 PRECEDING) FROM metrics1$$, NULL)
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;

-- documented results: a frame of fewer than seq_len rows, or holding a
-- NULL, NaN or infinite value, or NULL elements, gives NULL
SELECT count(*) AS n,
       count(short) AS short_scored,
       count(nan) AS nan_scored,
       count(inf) AS inf_scored,
       count(nul) AS null_elem_scored,
       count(excl) AS exclude_current_scored,
       count(filt) AS filtered_scored,
       count(ok) AS ok_scored
FROM (SELECT mimgan_window_score('h_win', x, y) OVER (ORDER BY t ROWS 4 PRECEDING) AS short,
             mimgan_window_score('h_win', x, 'NaN') OVER w AS nan,
             mimgan_window_score('h_win', '-Infinity', y) OVER w AS inf,
             mimgan_window_score('h_win', VARIADIC ARRAY[NULL, NULL]::float8[]) OVER w AS nul,
             mimgan_window_score('h_win', x, y) OVER (ORDER BY t ROWS 5 PRECEDING EXCLUDE CURRENT ROW) AS excl,
             mimgan_window_score('h_win', x, y) FILTER (WHERE t % 10 <> 0) OVER w AS filt,
             mimgan_window_score('h_win', x, y) OVER w AS ok
      FROM metrics1 WINDOW w AS (ORDER BY t ROWS 5 PRECEDING)) q;
-- finite values far beyond the training range: never NaN; +Infinity when
-- only the residual overflows, NULL when the networks' arithmetic does
SELECT v, count(s) AS scored,
       count(*) FILTER (WHERE s = 'Infinity') AS infinite,
       count(*) FILTER (WHERE s = 'NaN') AS nan
FROM (VALUES (1e30::float8), (1e300), (-1e300)) AS b(v),
     LATERAL (SELECT mimgan_window_score('h_win', x, v) OVER (ORDER BY t ROWS 5 PRECEDING) AS s
              FROM metrics1 WHERE t <= 20) q
GROUP BY v ORDER BY v;
SELECT m, count(s) AS scored, count(*) FILTER (WHERE s = 'NaN') AS nan
FROM unnest(ARRAY['h_win', 'h_z']) AS m,
     LATERAL (SELECT mimgan_window_score(m, 1e300, 1e300) OVER (ORDER BY t ROWS 5 PRECEDING) AS s
              FROM metrics1 WHERE t <= 20) q
GROUP BY m ORDER BY m;
-- a lower bound of 0 and integer values are accepted; RANGE and GROUPS
-- frames over a unique integer order are the ROWS frame
SELECT count(*) AS differences
FROM (SELECT t, mimgan_window_score('h_win', x, y) OVER (ORDER BY t ROWS 5 PRECEDING) AS a,
             mimgan_window_score('h_win', x, y) OVER (ORDER BY t RANGE 5 PRECEDING) AS b,
             mimgan_window_score('h_win', x, y) OVER (ORDER BY t GROUPS 5 PRECEDING) AS c
      FROM metrics1) q
WHERE a IS DISTINCT FROM b OR a IS DISTINCT FROM c;
-- two models in one query, and a model chosen per partition (each
-- partition's frames use one model): each as when used alone
SELECT count(*) AS differences
FROM (SELECT host, ts,
             mimgan_window_score(CASE host WHEN 'a' THEN 'h_ser' ELSE 'h_ser@1' END,
                                 cpu, mem, io) OVER w AS per_partition,
             mimgan_window_score('h_ser', cpu, mem, io) OVER w AS alone,
             mimgan_window_score('h_win4', cpu, mem) OVER (PARTITION BY host ORDER BY ts ROWS 3 PRECEDING) AS other
      FROM metrics WINDOW w AS (PARTITION BY host ORDER BY ts ROWS 4 PRECEDING)) q
WHERE per_partition IS DISTINCT FROM alone OR (other IS NULL AND ts > 4);
-- a model dropped earlier in the transaction is gone; rolled back, back
BEGIN;
SELECT mimgan_drop('h_win4');
SELECT code, message FROM regress_util.try(
  $$SELECT mimgan_window_score('h_win4', y, x) OVER (ORDER BY t ROWS 3 PRECEDING) FROM metrics1$$);
ROLLBACK;
SELECT count(s) AS scored
FROM (SELECT mimgan_window_score('h_win4', y, x) OVER (ORDER BY t ROWS 3 PRECEDING) AS s FROM metrics1) q;
-- nothing above dropped anything
SELECT count(*) AS metrics1_rows FROM metrics1;
SELECT spec FROM mimgan_models WHERE name LIKE 'h\_%' ORDER BY spec;

-- =====================================================================
-- mimgan_flag
-- =====================================================================
-- hl holds 10 rows of history per host; hl_anom is its anomaly table.
-- Each case creates trigger ht, inserts and drops the trigger, all in one
-- statement string, so a failing case leaves nothing behind.
CREATE TABLE hl (LIKE metrics);
INSERT INTO hl SELECT * FROM metrics WHERE ts <= 10;
CREATE TABLE hl_anom (LIKE hl, score float8, flagged_at timestamptz DEFAULT now());
CREATE FUNCTION pg_temp.flag(args text, stmt text DEFAULT 'INSERT INTO hl SELECT * FROM metrics WHERE ts = 11',
                             how text DEFAULT 'AFTER INSERT ON hl REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT')
RETURNS text LANGUAGE sql AS
$$ SELECT format('CREATE TRIGGER ht %s EXECUTE FUNCTION mimgan_flag(%s); %s; DROP TRIGGER ht ON hl',
                 how, args, stmt) $$;
-- anomaly tables of the wrong shape
CREATE TABLE hl_bad_order (ts int, cpu float8, host text, mem float8, io int, score float8);
CREATE TABLE hl_bad_type (ts int8, host text, cpu float8, mem float8, io int, score float8);
CREATE TABLE hl_no_score (LIKE hl);
CREATE TABLE hl_text_score (LIKE hl, score text);
CREATE TABLE hl_extra_nn (LIKE hl, score float8, note text NOT NULL);
CREATE TABLE hl_fewer (ts int, host text);
CREATE TABLE hl_gen_score (LIKE hl, score float8 GENERATED ALWAYS AS (cpu * 2) STORED);
CREATE TABLE hl_renamed (ts int, host text, cpu float8, memory float8, io int, score float8);
CREATE MATERIALIZED VIEW hl_matview AS SELECT *, 0::float8 AS score FROM hl;
CREATE SEQUENCE hl_seq;
CREATE TABLE victim (x int);
INSERT INTO victim VALUES (1);

SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  -- trigger arguments
  (1, 'no arguments', pg_temp.flag(''), '0 arguments'),
  (2, 'one argument', pg_temp.flag($$'h_ser'$$), '1 argument,'),
  (3, 'four arguments', pg_temp.flag($$'h_ser', 'hl_anom', 'raise', 'x'$$), '4 arguments'),
  (4, 'empty on_error', pg_temp.flag($$'h_ser', 'hl_anom', ''$$), '""'),
  (5, 'unknown on_error', pg_temp.flag($$'h_ser', 'hl_anom', 'ignore; DROP TABLE victim'$$), 'ignore; DROP TABLE victim'),
  (6, 'empty model', pg_temp.flag($$'', 'hl_anom'$$), '""'),
  (7, 'model version 0', pg_temp.flag($$'h_ser@0', 'hl_anom'$$), 'h_ser@0'),
  (8, 'model version -1', pg_temp.flag($$'h_ser@-1', 'hl_anom'$$), 'h_ser@-1'),
  (9, 'model version beyond int4', pg_temp.flag($$'h_ser@99999999999', 'hl_anom'$$), 'h_ser@99999999999'),
  (10, 'model name of 2 kB', pg_temp.flag(format('%L, %L', repeat('m', 2000), 'hl_anom')), repeat('m', 64) || '...'),
  (11, 'unknown model, raise', pg_temp.flag($$'h_nope', 'hl_anom', 'raise'$$), 'h_nope'),
  (12, 'unknown version, raise', pg_temp.flag($$'h_ser@7', 'hl_anom', 'raise'$$), 'h_ser'),
  (13, 'injection in the model, raise', pg_temp.flag($$'x''; DROP TABLE victim; --', 'hl_anom', 'raise'$$), 'DROP TABLE victim'),
  -- the anomaly table argument
  (14, 'empty anomaly table', pg_temp.flag($$'h_ser', ''$$), '""'),
  (15, 'unterminated quote', pg_temp.flag($$'h_ser', '"hl_anom'$$), '"hl_anom'),
  (16, 'injection in the anomaly table', pg_temp.flag($$'h_ser', 'hl_anom; DROP TABLE victim'$$), 'hl_anom; DROP TABLE victim'),
  (17, 'four-part name', pg_temp.flag($$'h_ser', 'a.b.c.d'$$), 'a.b.c.d'),
  (18, 'missing schema', pg_temp.flag($$'h_ser', 'no_schema.hl_anom'$$), 'no_schema.hl_anom'),
  (19, 'missing table', pg_temp.flag($$'h_ser', 'hl_nope'$$), 'hl_nope'),
  (20, 'quoted upper-case name of a lower-case table', pg_temp.flag($$'h_ser', '"HL_ANOM"'$$), 'HL_ANOM'),
  (21, 'a sequence', pg_temp.flag($$'h_ser', 'hl_seq'$$), 'hl_seq'),
  (22, 'a materialized view', pg_temp.flag($$'h_ser', 'hl_matview'$$), 'hl_matview'),
  (23, 'the source table itself', pg_temp.flag($$'h_ser', 'public.hl'$$), 'public.hl'),
  (24, 'columns in another order', pg_temp.flag($$'h_ser', 'hl_bad_order'$$), 'hl_bad_order'),
  (25, 'a column of another type', pg_temp.flag($$'h_ser', 'hl_bad_type'$$), 'hl_bad_type'),
  (26, 'a column of another name', pg_temp.flag($$'h_ser', 'hl_renamed'$$), 'memory'),
  (27, 'no score column', pg_temp.flag($$'h_ser', 'hl_no_score'$$), 'hl_no_score'),
  (28, 'a text score', pg_temp.flag($$'h_ser', 'hl_text_score'$$), 'hl_text_score'),
  (29, 'a generated score', pg_temp.flag($$'h_ser', 'hl_gen_score'$$), 'hl_gen_score'),
  (30, 'an extra NOT NULL column without default', pg_temp.flag($$'h_ser', 'hl_extra_nn'$$), 'note'),
  (31, 'fewer columns than the source', pg_temp.flag($$'h_ser', 'hl_fewer'$$), 'hl_fewer'),
  -- how the trigger is declared
  (32, 'FOR EACH ROW', pg_temp.flag($$'h_ser', 'hl_anom'$$, how => 'AFTER INSERT ON hl REFERENCING NEW TABLE AS new_rows FOR EACH ROW'), 'ht'),
  (33, 'BEFORE INSERT', pg_temp.flag($$'h_ser', 'hl_anom'$$, how => 'BEFORE INSERT ON hl FOR EACH STATEMENT'), 'ht'),
  (34, 'no transition table', pg_temp.flag($$'h_ser', 'hl_anom'$$, how => 'AFTER INSERT ON hl FOR EACH STATEMENT'), 'ht'),
  (35, 'fired by UPDATE', pg_temp.flag($$'h_ser', 'hl_anom'$$, 'UPDATE hl SET io = io WHERE ts = 1',
        'AFTER UPDATE ON hl REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT'), 'ht'),
  (36, 'fired by DELETE', pg_temp.flag($$'h_ser', 'hl_anom'$$, 'DELETE FROM hl WHERE ts = 0',
        'AFTER DELETE ON hl REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT'), 'ht'),
  (37, 'fired by TRUNCATE', pg_temp.flag($$'h_ser', 'hl_anom'$$, 'TRUNCATE hl',
        'AFTER TRUNCATE ON hl FOR EACH STATEMENT'), 'ht'),
  (38, 'a constraint trigger', replace(pg_temp.flag($$'h_ser', 'hl_anom'$$,
        how => 'AFTER INSERT ON hl DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW'),
        'CREATE TRIGGER', 'CREATE CONSTRAINT TRIGGER'), 'ht'),
  (39, 'called as a function', 'SELECT mimgan_flag()', 'mimgan_flag'),
  -- the model does not fit the table: with 'raise' an error ...
  (40, 'model column missing from the table, raise', pg_temp.flag($$'h_win', 'hl_anom', 'raise'$$), '"x"')
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;
-- ... and with 'warn' (the default) a WARNING, the rows kept
SELECT code FROM regress_util.try(pg_temp.flag($$'h_win', 'hl_anom'$$));
SELECT code FROM regress_util.try(pg_temp.flag($$'h_nope', 'hl_anom'$$));
SELECT count(*) AS kept FROM hl WHERE ts = 11;
-- nothing was flagged, and victim is intact
SELECT count(*) AS flagged FROM hl_anom;
SELECT count(*) AS victim_rows FROM victim;

-- documented results, with the trigger in place
CREATE TRIGGER ht AFTER INSERT ON hl REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('h_ser', 'hl_anom', 'RAISE');
-- NULL, NaN and infinite values and a NULL order: the rows are kept, not
-- scored; a multi-row insert scores every usable row
INSERT INTO hl VALUES (12, 'a', 'NaN', 1, 1), (12, 'b', NULL, 1, 1), (NULL, 'a', 1, 1, 1),
                      (13, 'a', 'Infinity', 1, 1), (13, 'b', 50, 30, 100), (14, 'b', 51, 30, 100);
SELECT host, ts FROM hl_anom ORDER BY host, ts;
SELECT count(*) AS kept FROM hl WHERE ts IN (12, 13, 14) OR ts IS NULL;
-- finite values beyond float32 after normalisation: a min-max model
-- scores them +Infinity (flagged); see the window section for NULL
TRUNCATE hl_anom;
INSERT INTO hl VALUES (15, 'a', 1e300, 30, 100), (15, 'b', 1e300, 1e300, 1e9::int);
SELECT host, ts, score FROM hl_anom ORDER BY host, ts;
-- COPY fires the trigger like INSERT
TRUNCATE hl_anom;
COPY hl FROM stdin;
16	a	50	30	100
16	b	50	30	100
17	a	NaN	30	100
\.
SELECT host, ts FROM hl_anom ORDER BY host, ts;
-- duplicate times in one statement: each row is scored
TRUNCATE hl_anom;
INSERT INTO hl VALUES (18, 'a', 50, 30, 100), (18, 'a', 51, 30, 100);
SELECT host, ts, count(*) FROM hl_anom GROUP BY host, ts ORDER BY host, ts;
-- ON CONFLICT DO NOTHING: only inserted rows are flagged
TRUNCATE hl_anom;
CREATE UNIQUE INDEX hl_uniq ON hl (host, ts) WHERE ts >= 19;
INSERT INTO hl VALUES (19, 'a', 50, 30, 100);
INSERT INTO hl VALUES (19, 'a', 50, 30, 100) ON CONFLICT (host, ts) WHERE ts >= 19 DO NOTHING;
SELECT host, ts, count(*) FROM hl_anom GROUP BY host, ts ORDER BY host, ts;
-- a role that may only INSERT: the trigger runs with its privileges, so
-- it neither sees the model (row-level security) nor reads the history;
-- with 'raise' that aborts its insert, with 'warn' the rows are kept
CREATE ROLE regress_hostile_writer;
GRANT INSERT ON hl TO regress_hostile_writer;
SET ROLE regress_hostile_writer;
SELECT code, style, message FROM regress_util.try('INSERT INTO hl VALUES (20, ''a'', 50, 30, 100)', 'h_ser');
RESET ROLE;
DROP TRIGGER ht ON hl;
CREATE TRIGGER ht AFTER INSERT ON hl REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('h_ser', 'public.hl_anom');
SET ROLE regress_hostile_writer;
INSERT INTO hl VALUES (20, 'a', 50, 30, 100);
RESET ROLE;
SELECT count(*) AS kept FROM hl WHERE ts = 20;
REVOKE INSERT ON hl FROM regress_hostile_writer;
DROP ROLE regress_hostile_writer;
DROP TRIGGER ht ON hl;

-- hostile names: a source column named like the trigger's internal row
-- number, quoted identifiers everywhere, a transition table named like
-- the source table and an identity column copied with INCLUDING ALL
CREATE SCHEMA "Hostile ""Schema""";
CREATE TABLE "Hostile ""Schema""".";DROP TABLE victim" (
    "mimgan rn" int GENERATED ALWAYS AS IDENTITY, ts int, host text,
    cpu float8, mem float8, io int, "mimgan rn 1" int);
INSERT INTO "Hostile ""Schema""".";DROP TABLE victim" (ts, host, cpu, mem, io)
SELECT * FROM metrics WHERE ts <= 10;
CREATE TABLE "Hostile ""Schema""".";DROP TABLE victim anomalies" (
    LIKE "Hostile ""Schema""".";DROP TABLE victim" INCLUDING ALL, "the score" float8);
CREATE TRIGGER "T; --" AFTER INSERT ON "Hostile ""Schema""".";DROP TABLE victim"
  REFERENCING NEW TABLE AS ";DROP TABLE victim" FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('h_ser', '"Hostile ""Schema""".";DROP TABLE victim anomalies"', 'raise');
INSERT INTO "Hostile ""Schema""".";DROP TABLE victim" (ts, host, cpu, mem, io)
SELECT * FROM metrics WHERE ts = 11;
SELECT a."mimgan rn" = s."mimgan rn" AS same_identity, a.host, a.ts, a."the score" > 0 AS positive
FROM "Hostile ""Schema""".";DROP TABLE victim anomalies" a
JOIN "Hostile ""Schema""".";DROP TABLE victim" s USING (host, ts)
ORDER BY a.host;
-- a generated column in the anomaly table computes itself
CREATE TABLE hg (ts int, host text, cpu float8, mem float8, io int, cpu2 float8 GENERATED ALWAYS AS (cpu * 2) STORED);
INSERT INTO hg (ts, host, cpu, mem, io) SELECT * FROM metrics WHERE ts <= 10;
CREATE TABLE hg_anom (LIKE hg INCLUDING GENERATED, score float8);
CREATE TRIGGER ht AFTER INSERT ON hg REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('h_ser', 'hg_anom', 'raise');
INSERT INTO hg (ts, host, cpu, mem, io) SELECT * FROM metrics WHERE ts = 11;
SELECT host, cpu2 = 2 * cpu AS generated FROM hg_anom ORDER BY host;
SELECT count(*) AS victim_rows FROM victim;
DROP SCHEMA "Hostile ""Schema""" CASCADE;
DROP MATERIALIZED VIEW hl_matview;
DROP TABLE hl, hl_anom, hl_bad_order, hl_bad_type, hl_no_score, hl_text_score, hl_extra_nn,
           hl_fewer, hl_gen_score, hl_renamed, hg, hg_anom;
DROP SEQUENCE hl_seq;

-- =====================================================================
-- mimgan_import, mimgan_export, mimgan_drop
-- =====================================================================
SELECT mimgan_export('h_win') AS blob \gset
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  -- blobs
  (1, 'empty blob', $$SELECT mimgan_import('h_imp', ''::bytea)$$, 'h_imp'),
  (2, 'one byte', $$SELECT mimgan_import('h_imp', '\x00'::bytea)$$, 'h_imp'),
  (3, 'text, not a blob', $$SELECT mimgan_import('h_imp', convert_to('hello world, not a model', 'UTF8'))$$, 'h_imp'),
  (4, '1000 zero bytes', $$SELECT mimgan_import('h_imp', decode(repeat('00', 1000), 'hex'))$$, 'h_imp'),
  (5, '1000 0xff bytes', $$SELECT mimgan_import('h_imp', decode(repeat('ff', 1000), 'hex'))$$, 'h_imp'),
  (6, 'the magic alone', format($$SELECT mimgan_import('h_imp', substring(%L::bytea FROM 1 FOR 8))$$, :'blob'), 'h_imp'),
  (7, 'the header alone', format($$SELECT mimgan_import('h_imp', substring(%L::bytea FROM 1 FOR 32))$$, :'blob'), 'h_imp'),
  (8, 'one byte short', format($$SELECT mimgan_import('h_imp', substring(%L::bytea FROM 1 FOR octet_length(%L::bytea) - 1))$$, :'blob', :'blob'), 'h_imp'),
  (9, 'one byte more', format($$SELECT mimgan_import('h_imp', %L::bytea || '\x00'::bytea)$$, :'blob'), 'h_imp'),
  (10, 'the blob twice', format($$SELECT mimgan_import('h_imp', %L::bytea || %L::bytea)$$, :'blob', :'blob'), 'h_imp'),
  (11, '1 MB of garbage appended', format($$SELECT mimgan_import('h_imp', %L::bytea || decode(repeat('ab', 1048576), 'hex'))$$, :'blob'), 'h_imp'),
  (12, 'a flipped first byte', format($$SELECT mimgan_import('h_imp', overlay(%L::bytea PLACING '\x00'::bytea FROM 1 FOR 1))$$, :'blob'), 'h_imp'),
  (13, 'a flipped last byte', format($$SELECT mimgan_import('h_imp', overlay(%L::bytea PLACING '\x00'::bytea FROM octet_length(%L::bytea) FOR 1))$$, :'blob', :'blob'), 'h_imp'),
  (14, 'format version 0', format($$SELECT mimgan_import('h_imp', overlay(%L::bytea PLACING '\x00'::bytea FROM 9 FOR 1))$$, :'blob'), 'h_imp'),
  (15, 'a huge length field', format($$SELECT mimgan_import('h_imp', overlay(%L::bytea PLACING '\xffffffff'::bytea FROM 13 FOR 4))$$, :'blob'), 'h_imp'),
  -- names
  (16, 'name with @', format($$SELECT mimgan_import('h@imp', %L::bytea)$$, :'blob'), 'h@imp'),
  (17, 'name that is a spec', format($$SELECT mimgan_import('h_win@5', %L::bytea)$$, :'blob'), 'h_win@5'),
  (18, 'empty name', format($$SELECT mimgan_import('', %L::bytea)$$, :'blob'), '""'),
  (19, 'name of 64 bytes', format($$SELECT mimgan_import(repeat('i', 64), %L::bytea)$$, :'blob'), repeat('i', 64)),
  (20, 'name of 32 two-byte characters (64 bytes)', format($$SELECT mimgan_import(repeat('é', 32), %L::bytea)$$, :'blob'), repeat('é', 32)),
  (21, 'name of 5 kB (shown shortened)', format($$SELECT mimgan_import(repeat('i', 5000), %L::bytea)$$, :'blob'), repeat('i', 64) || '...'),
  -- export
  (22, 'export: empty spec', $$SELECT mimgan_export('')$$, '""'),
  (23, 'export: 2 kB spec (shown shortened)', $$SELECT mimgan_export(repeat('e', 2000) || '@1')$$, repeat('e', 64) || '...'),
  (24, 'export: version with a space', $$SELECT mimgan_export('h_win@ 1')$$, 'h_win@ 1'),
  (25, 'export: hexadecimal version', $$SELECT mimgan_export('h_win@0x1')$$, 'h_win@0x1'),
  (26, 'export: exponent version', $$SELECT mimgan_export('h_win@1e0')$$, 'h_win@1e0'),
  (27, 'export: non-ASCII digit', $$SELECT mimgan_export('h_win@٣')$$, 'h_win@٣'),
  (28, 'export: version 2147483648', $$SELECT mimgan_export('h_win@2147483648')$$, 'h_win@2147483648'),
  (29, 'export: version 2147483647', $$SELECT mimgan_export('h_win@2147483647')$$, 'h_win'),
  (30, 'export: LIKE pattern', $$SELECT mimgan_export('h_%')$$, 'h_%'),
  (31, 'export: leading space', $$SELECT mimgan_export(' h_win')$$, ' h_win'),
  (32, 'export: injection', $$SELECT mimgan_export('h_win'' OR ''1''=''1')$$, 'h_win'' OR ''1''=''1'),
  -- drop
  (33, 'drop: empty spec', $$SELECT mimgan_drop('')$$, '""'),
  (34, 'drop: only @', $$SELECT mimgan_drop('@')$$, '"@"'),
  (35, 'drop: trailing @', $$SELECT mimgan_drop('h_win@')$$, 'h_win@'),
  (36, 'drop: LIKE pattern', $$SELECT mimgan_drop('%')$$, '"%"'),
  (37, 'drop: 1 kB spec (shown shortened)', $$SELECT mimgan_drop(repeat('d', 1000))$$, repeat('d', 64) || '...'),
  (38, 'drop: injection', $$SELECT mimgan_drop('h_win''; DELETE FROM mimgan.model; --')$$, 'DELETE FROM mimgan.model'),
  (39, 'drop: the same version twice in one statement', $$SELECT mimgan_drop('h_win4@1'), mimgan_drop('h_win4@1')$$, 'h_win4'),
  (40, 'drop: every version, then again', $$SELECT mimgan_drop('h_win4'); SELECT mimgan_drop('h_win4')$$, 'h_win4'),
  -- more blobs and names
  (41, 'magic, format 2, then zeros', $$SELECT mimgan_import('h_imp', decode('4d494d47414e76000200' || repeat('00', 30), 'hex'))$$, 'h_imp'),
  (42, 'magic, format 99', $$SELECT mimgan_import('h_imp', decode('4d494d47414e76006300' || repeat('00', 30), 'hex'))$$, 'h_imp'),
  (43, 'magic, format 1, 10 kB of zeros', $$SELECT mimgan_import('h_imp', decode('4d494d47414e760001' || repeat('00', 10000), 'hex'))$$, 'h_imp'),
  (44, '10 MB of zeros', $$SELECT mimgan_import('h_imp', decode(repeat('00', 10485760), 'hex'))$$, 'h_imp'),
  (45, 'the first half', format($$SELECT mimgan_import('h_imp', substring(%L::bytea FROM 1 FOR octet_length(%L::bytea) / 2))$$, :'blob', :'blob'), 'h_imp'),
  (46, 'name "@"', format($$SELECT mimgan_import('@', %L::bytea)$$, :'blob'), '"@"'),
  (47, 'name ending in @', format($$SELECT mimgan_import('h_imp@', %L::bytea)$$, :'blob'), 'h_imp@'),
  (48, 'import in a read-only transaction', format($$SET LOCAL transaction_read_only = on; SELECT mimgan_import('h_imp', %L::bytea)$$, :'blob'), 'INSERT'),
  -- more specs
  (49, 'drop: version 0', $$SELECT mimgan_drop('h_win@0')$$, 'h_win@0'),
  (50, 'drop: version -1', $$SELECT mimgan_drop('h_win@-1')$$, 'h_win@-1'),
  (51, 'drop in a read-only transaction', $$SET LOCAL transaction_read_only = on; SELECT mimgan_drop('h_win')$$, 'DELETE'),
  (52, 'export: tab after the name', $$SELECT mimgan_export(E'h_win\t')$$, E'h_win\t')
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;

-- documented results: NULL arguments give NULL (the functions are
-- STRICT); a version with leading zeros is that version; a name that
-- exists gets a new version; names are any 1 to 63 bytes without "@"
SELECT mimgan_import(NULL, :'blob'::bytea) IS NULL AS import_null_name,
       mimgan_import('h_imp', NULL) IS NULL AS import_null_blob,
       mimgan_export(NULL) IS NULL AS export_null,
       mimgan_drop(NULL) IS NULL AS drop_null,
       mimgan_export('h_win@0001') = mimgan_export('h_win@1') AS leading_zeros;
SELECT mimgan_import('h_win', :'blob'::bytea) AS over_existing;
SELECT mimgan_import(repeat('é', 31), :'blob'::bytea) = repeat('é', 31) || '@1' AS name_62_bytes,
       mimgan_import(' ', :'blob'::bytea) AS blank,
       mimgan_import(E'line\nbreak', :'blob'::bytea) = E'line\nbreak@1' AS newline,
       mimgan_import('x''; DROP TABLE victim; --', :'blob'::bytea) AS injection;
SELECT mimgan_drop(n) FROM unnest(ARRAY[repeat('é', 31), ' ', E'line\nbreak',
                                        'x''; DROP TABLE victim; --', 'h_win@2']) n;
-- the refused imports left nothing behind; victim is intact
SELECT count(*) AS imported FROM mimgan.model WHERE name = 'h_imp';
SELECT count(*) AS victim_rows FROM victim;
-- a drop rolled back with its transaction leaves the model usable
BEGIN;
SELECT mimgan_drop('h_win');
ROLLBACK;
SELECT spec FROM mimgan_models WHERE name = 'h_win';

-- =====================================================================
-- mimgan_evaluate and mimgan_info
-- =====================================================================
CREATE TABLE hlab AS
SELECT m.*, true AS all_one, 0 AS all_zero, false AS all_false,
       ((m.ts % 7 = 0)::int * 2 - (m.ts % 11 = 0)::int) AS two_minus_one,
       CASE WHEN m.ts % 5 = 0 THEN 'NaN'::float8 ELSE 0 END AS nan_label,
       CASE WHEN m.ts % 5 = 0 THEN 'Infinity'::float8 ELSE 0 END AS inf_label,
       0.5::numeric AS half, NULL::int AS all_null,
       '{}'::jsonb AS j, now() AS stamp, ARRAY[1] AS arr, 'x'::text AS txt,
       (m.ts % 9 = 0)::int::bit AS bits, 0::money AS cash, interval '0' AS span,
       'NaN'::float8 AS all_nan
FROM metrics m;
CREATE TYPE hcomp AS (cpu float8, mem float8, io int);
CREATE TABLE hlab_empty (LIKE hlab);
CREATE TABLE hlab_short AS SELECT * FROM hlab WHERE ts <= 3;
SELECT c.n, c.label, r.code, r.style, r.message
FROM (VALUES
  (1, 'label of type jsonb', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'j')$$, '"j"'),
  (2, 'label of type timestamptz', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'stamp')$$, '"stamp"'),
  (3, 'label of type int[]', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'arr')$$, '"arr"'),
  (4, 'label of type bit', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'bits')$$, '"bits"'),
  (5, 'label of type text', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'txt')$$, '"txt"'),
  (6, 'empty label name', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, '')$$, 'label'),
  (7, 'quoted label name', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, '"all_one"')$$, '"all_one"'),
  (8, 'upper-case label name', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'ALL_ONE')$$, 'ALL_ONE'),
  (9, 'system column as label', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'xmin')$$, 'xmin'),
  (10, 'every label NULL', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_null')$$, 'hlab'),
  (11, 'empty relation', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab_empty, 'all_one')$$, 'hlab_empty'),
  (12, 'every series shorter than seq_len', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab_short, 'all_one')$$, 'hlab_short'),
  (13, 'relation without the model columns', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::metrics1, 'x')$$, 'metrics1'),
  (14, 'a scalar, not a row type', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::int, 'all_one')$$, 'integer'),
  (15, 'model spec version 0', $$SELECT * FROM mimgan_evaluate('h_ser@0', NULL::hlab, 'all_one')$$, 'h_ser@0'),
  (16, 'empty model', $$SELECT * FROM mimgan_evaluate('', NULL::hlab, 'all_one')$$, '""'),
  (17, 'options: an array', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '[]')$$, NULL),
  (18, 'options: threshold NaN', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '{"threshold": "NaN"}')$$, 'NaN'),
  (19, 'options: unknown key', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '{"label": 1}')$$, 'label'),
  (20, 'options: threshold beyond float8', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '{"threshold": 1e999}')$$, NULL),
  (21, 'options: step beyond seq_len', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '{"step": 1000}')$$, '1000'),
  (22, 'options: negative invert_iters', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '{"invert_iters": -1}')$$, '-1'),
  (23, 'options: batch 0', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '{"batch": 0}')$$, 'batch'),
  (24, 'options: lambda 2', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '{"lambda": 2}')$$, 'lambda'),
  (25, 'options: seed not a number', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_one', '{"seed": "x"}')$$, 'seed'),
  (26, 'rows: untyped NULL', $$SELECT * FROM mimgan_evaluate('h_ser', NULL, 'all_one')$$, NULL),
  (27, 'rows: an anonymous record', $$SELECT * FROM mimgan_evaluate('h_ser', ROW(1, 2), 'all_one')$$, 'record'),
  (28, 'rows: a free-standing composite type', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hcomp, 'all_one')$$, 'hcomp'),
  (29, 'rows: text', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::text, 'all_one')$$, 'text'),
  (30, 'label of type money', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'cash')$$, '"cash"'),
  (31, 'label of type interval', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'span')$$, '"span"'),
  (32, 'every label NaN', $$SELECT * FROM mimgan_evaluate('h_ser', NULL::hlab, 'all_nan')$$, 'hlab'),
  (33, 'info setting: score_batch above 65536', $$SET mimgan.score_batch = 65537$$, '65537'),
  (34, 'info setting: max_train_memory 3TB', $$SET mimgan.max_train_memory = '3TB'$$, '3TB'),
  (35, 'info setting: blas_threads not a number', $$SET mimgan.blas_threads = 'all'$$, 'all'),
  (36, 'info: an argument', $$SELECT mimgan_info(1)$$, 'mimgan_info'),
  (37, 'info setting: blas_threads 0', $$SET mimgan.blas_threads = 0$$, 'mimgan.blas_threads'),
  (38, 'info setting: score_batch not a number', $$SET mimgan.score_batch = 'many'$$, 'mimgan.score_batch'),
  (39, 'info setting: max_train_memory below 1MB', $$SET mimgan.max_train_memory = '1kB'$$, 'mimgan.max_train_memory'),
  (40, 'info setting: unknown blas_coretype', $$SET mimgan.blas_coretype = 'Haswell''; DROP TABLE victim'$$, 'mimgan.blas_coretype')
) AS c(n, label, q, needle),
LATERAL regress_util.try(c.q, c.needle) AS r
ORDER BY c.n;

-- documented results: a label is an anomaly when true or nonzero (2, -1,
-- 0.5 and Infinity count), NULL and NaN labels are left out; a metric
-- undefined on the data is NULL (all labels 1: no roc_auc; all 0: no
-- roc_auc, pr_auc or best_threshold)
SELECT label,
       max(value) FILTER (WHERE metric = 'n') AS n,
       max(value) FILTER (WHERE metric = 'n_anomalies') AS n_anomalies
FROM unnest(ARRAY['all_one', 'all_zero', 'all_false', 'two_minus_one', 'nan_label',
                  'inf_label', 'half', 'ts']) AS label,
     LATERAL mimgan_evaluate('h_ser', NULL::hlab, label)
GROUP BY label ORDER BY label;
SELECT count(*) AS expected_n,
       count(*) FILTER (WHERE ts % 5 <> 0) AS expected_nan_label_n,
       count(*) FILTER (WHERE ts % 5 = 0) AS expected_inf_label_anomalies,
       count(*) FILTER (WHERE ts % 7 = 0 OR ts % 11 = 0) AS expected_two_minus_one_anomalies
FROM hlab;
SELECT label, metric, value IS NULL AS is_null
FROM unnest(ARRAY['all_one', 'all_zero']) AS label,
     LATERAL mimgan_evaluate('h_ser', NULL::hlab, label)
WHERE metric IN ('precision', 'best_threshold', 'roc_auc', 'pr_auc')
ORDER BY label, metric;
-- mimgan_info works in a parallel worker and after failed settings
SET force_parallel_mode = on;
SELECT mimgan_info() ->> 'version' AS version, (mimgan_info() ->> 'blas_threads')::int AS threads;
RESET force_parallel_mode;
SHOW mimgan.blas_coretype;

SELECT count(*) AS victim_rows FROM victim;
DROP TABLE hlab, hlab_empty, hlab_short, victim;
DROP TYPE hcomp;
SELECT mimgan_drop(n) FROM unnest(ARRAY['h_win', 'h_win4', 'h_z', 'h_ser']) n;
