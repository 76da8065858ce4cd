-- mimgan_flag: flag inserted rows into an anomaly table
\set VERBOSITY terse
SET extra_float_digits = 0;

-- a model flagging every scored row (threshold 0) and one flagging none
SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_flag_all',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16,"threshold":0.0}');
SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_flag_none',
  '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16,"threshold":1000000}');

-- a live table with 20 rows of history per host
CREATE TABLE live (LIKE metrics);
INSERT INTO live SELECT * FROM metrics WHERE ts <= 20;
CREATE TABLE live_anomalies (LIKE live, score float8, flagged_at timestamptz DEFAULT now());

CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'live_anomalies');

-- ten new rows per host, one statement: all twenty are scored and flagged
INSERT INTO live SELECT * FROM metrics WHERE ts BETWEEN 21 AND 30;
SELECT host, count(*) AS flagged, min(ts), max(ts), bool_and(score > 0) AS positive,
       bool_and(flagged_at IS NOT NULL) AS stamped
FROM live_anomalies GROUP BY host ORDER BY host;
-- the anomaly rows are the source rows
SELECT count(*) AS same_rows
FROM live_anomalies a JOIN live l USING (ts, host, cpu, mem, io);

-- a new series: the first seq_len - 1 rows lack history, later rows of
-- the same statement use the earlier ones
TRUNCATE live_anomalies;
INSERT INTO live SELECT ts, 'c', cpu, mem, io FROM metrics WHERE host = 'a' AND ts <= 5;
SELECT count(*) AS flagged FROM live_anomalies;
INSERT INTO live SELECT ts, 'c', cpu, mem, io FROM metrics WHERE host = 'a' AND ts BETWEEN 6 AND 12;
SELECT host, ts FROM live_anomalies ORDER BY host, ts;

-- rows with a missing value are kept in the table but neither scored nor
-- used as history
TRUNCATE live_anomalies;
INSERT INTO live VALUES (31, 'a', NULL, 1, 1), (31, 'b', 'NaN', 1, 1), (32, 'a', 50, 30, 3);
SELECT host, ts FROM live_anomalies ORDER BY host, ts;
SELECT count(*) AS kept FROM live WHERE ts IN (31, 32);

-- order in the statement does not matter: rows are sorted by series and time
TRUNCATE live_anomalies;
INSERT INTO live SELECT * FROM metrics WHERE ts BETWEEN 33 AND 35 ORDER BY ts DESC, host DESC;
SELECT host, ts FROM live_anomalies ORDER BY host, ts;

-- a NULL series value is a series of its own, with its own history
TRUNCATE live_anomalies;
INSERT INTO live SELECT ts, NULL, cpu, mem, io FROM metrics WHERE host = 'b' AND ts <= 10;
INSERT INTO live SELECT ts, NULL, cpu, mem, io FROM metrics WHERE host = 'b' AND ts = 11;
SELECT host IS NULL AS null_host, ts FROM live_anomalies ORDER BY ts;

-- an insert of no rows does nothing
INSERT INTO live SELECT * FROM metrics WHERE false;

-- a model with a huge threshold flags nothing
DROP TRIGGER live_flag ON live;
TRUNCATE live_anomalies;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_none', 'live_anomalies', 'raise');
INSERT INTO live SELECT * FROM metrics WHERE ts BETWEEN 36 AND 40;
SELECT count(*) AS flagged FROM live_anomalies;
SELECT count(*) AS inserted FROM live WHERE ts BETWEEN 36 AND 40;

-- a scoring failure (the model is gone) keeps the rows with a WARNING ...
\set VERBOSITY default
DROP TRIGGER live_flag ON live;
SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_flag_tmp',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"invert_iters":2,"seed":1,"threshold_windows":16,"threshold":0.0}');
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_tmp', 'live_anomalies');
SELECT mimgan_drop('m_flag_tmp');
INSERT INTO live SELECT * FROM metrics WHERE ts BETWEEN 41 AND 42;
SELECT count(*) AS inserted FROM live WHERE ts BETWEEN 41 AND 42;
SELECT count(*) AS flagged FROM live_anomalies;
-- ... the same with an explicit 'warn'
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_tmp', 'live_anomalies', 'warn');
INSERT INTO live SELECT * FROM metrics WHERE ts = 43;
SELECT count(*) AS inserted FROM live WHERE ts = 43;
-- ... and raises with 'raise': the insert is rolled back
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_tmp', 'live_anomalies', 'raise');
INSERT INTO live SELECT * FROM metrics WHERE ts = 44;
SELECT count(*) AS inserted FROM live WHERE ts = 44;
-- the model lacks a column of the table: a scoring failure, kept with 'warn'
DROP TRIGGER live_flag ON live;
CREATE TABLE live1 (t int, x float8, z float8);
CREATE TABLE live1_anomalies (LIKE live1, score float8);
SELECT mimgan_train('metrics1', ARRAY['x','y'], 8, NULL, NULL, 'm_flag1',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"invert_iters":2,"seed":1,"threshold_windows":16}');
CREATE TRIGGER live1_flag AFTER INSERT ON live1
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag1', 'live1_anomalies');
INSERT INTO live1 VALUES (1, 1, 1);
SELECT count(*) AS kept FROM live1;

-- a failing insert into the anomaly table is a scoring failure too: the
-- source rows are kept, no anomaly row is left behind (terse: the detail
-- would show the score)
\set VERBOSITY terse
CREATE TABLE live_strict (LIKE live, score float8 CHECK (score < 0));
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'live_strict');
INSERT INTO live SELECT * FROM metrics WHERE ts = 46;
SELECT count(*) AS inserted FROM live WHERE ts = 46;
SELECT count(*) AS flagged FROM live_strict;
\set VERBOSITY terse

-- a partitioned table: the trigger sees the rows of every partition
CREATE TABLE plive (LIKE metrics) PARTITION BY LIST (host);
CREATE TABLE plive_a PARTITION OF plive FOR VALUES IN ('a');
CREATE TABLE plive_b PARTITION OF plive FOR VALUES IN ('b');
CREATE TABLE plive_anomalies (LIKE plive, score float8, flagged_at timestamptz DEFAULT now());
INSERT INTO plive SELECT * FROM metrics WHERE ts <= 20;
CREATE TRIGGER plive_flag AFTER INSERT ON plive
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'plive_anomalies', 'raise');
INSERT INTO plive SELECT * FROM metrics WHERE ts BETWEEN 21 AND 22;
SELECT host, ts FROM plive_anomalies ORDER BY host, ts;

-- a model without series_by, on a table in another schema with quoted names
CREATE SCHEMA "Flag Schema";
CREATE TABLE "Flag Schema"."Live 1" ("t" int, "x" float8, "y" float8);
CREATE TABLE "Flag Schema"."Anom 1" (LIKE "Flag Schema"."Live 1", "the score" float8, note text);
SELECT mimgan_train('metrics1', ARRAY['x','y'], 8, NULL, NULL, 'm_flag1_all',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"invert_iters":2,"seed":1,"threshold_windows":16,"threshold":0.0}');
CREATE TRIGGER "Flag 1" AFTER INSERT ON "Flag Schema"."Live 1"
  REFERENCING NEW TABLE AS "New Rows" FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag1_all', '"Flag Schema"."Anom 1"', 'raise');
INSERT INTO "Flag Schema"."Live 1" SELECT * FROM metrics1 WHERE t <= 10;
SELECT t, "the score" > 0 AS positive, note FROM "Flag Schema"."Anom 1" ORDER BY t;

-- errors: the anomaly table
\set VERBOSITY default
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'no_such_table');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TABLE bad_anom0 (ts int, host text, cpu float8);
CREATE TABLE bad_anom1 (ts int, host text, cpu float8, mem float8, io int);
CREATE TABLE bad_anom2 (ts int, host text, cpu float8, mem float8, io float8, score float8);
CREATE TABLE bad_anom3 (ts int, host text, cpu float8, io int, mem float8, score float8);
CREATE TABLE bad_anom4 (LIKE live, score float4);
CREATE TABLE bad_anom5 (LIKE live, score float8, reviewer text NOT NULL);
CREATE VIEW bad_anom6 AS SELECT *, 1.0::float8 AS score FROM live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'bad_anom0');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'bad_anom1');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'bad_anom2');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'bad_anom3');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'bad_anom4');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'bad_anom5');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'bad_anom6');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'live');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;

-- errors: how the trigger is declared
CREATE TRIGGER live_flag BEFORE INSERT ON live
  FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('m_flag_all', 'live_anomalies');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH ROW
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'live_anomalies');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('m_flag_all', 'live_anomalies');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER INSERT ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'live_anomalies', 'ignore');
INSERT INTO live SELECT * FROM metrics WHERE ts = 45;
DROP TRIGGER live_flag ON live;
CREATE TRIGGER live_flag AFTER UPDATE ON live
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
  EXECUTE FUNCTION mimgan_flag('m_flag_all', 'live_anomalies');
UPDATE live SET io = io WHERE ts = 1;
DROP TRIGGER live_flag ON live;
SELECT count(*) AS never_inserted FROM live WHERE ts = 45;
-- not callable directly
SELECT mimgan_flag();
