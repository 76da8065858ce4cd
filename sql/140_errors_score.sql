-- mimgan_score: errors
\set VERBOSITY default
SET extra_float_digits = 0;

SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_err',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"invert_iters":2,"seed":1,"threshold_windows":16}');

-- the encoder scoring option: a model trained without one cannot use it
SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_err_noenc',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"invert_iters":2,"seed":1,"threshold_windows":16,"encoder":false}');
SELECT count(*) FROM mimgan_score('m_err_noenc', NULL::metrics, '{"encoder": true}');
SELECT count(*) FROM mimgan_score('m_err', NULL::metrics, '{"encoder": "on"}');
SELECT count(*) FROM mimgan_score('m_err', NULL::metrics, '{"encoder": false, "invert_iters": 0}');
-- without its encoder, a model is scored by the latent search from noise
SELECT count(score) AS scored,
       bool_and(score IS DISTINCT FROM NULL) AS all_scored
FROM mimgan_score('m_err', NULL::metrics, '{"encoder": false, "invert_iters": 3}');
SELECT count(*) FROM mimgan_score('m_err_noenc', NULL::metrics, '{"encoder": false}');
SELECT mimgan_drop('m_err_noenc');

-- the second argument must name a relation by its row type
SELECT * FROM mimgan_score('m_err', 42);
SELECT * FROM mimgan_score('m_err', NULL::text);
CREATE TYPE err_pair AS (cpu float8, mem float8);
SELECT * FROM mimgan_score('m_err', NULL::err_pair);
SELECT * FROM mimgan_score('m_err', NULL);
-- NULL or unknown model
SELECT * FROM mimgan_score(NULL, NULL::metrics);
SELECT * FROM mimgan_score('no_such_model', NULL::metrics);
SELECT * FROM mimgan_score('m_err@99', NULL::metrics);

-- the relation lacks a model column, the order column or the series column
CREATE TABLE err_no_io AS SELECT ts, host, cpu, mem FROM metrics;
SELECT * FROM mimgan_score('m_err', NULL::err_no_io);
CREATE TABLE err_no_ts AS SELECT host, cpu, mem, io FROM metrics;
SELECT * FROM mimgan_score('m_err', NULL::err_no_ts);
CREATE TABLE err_no_host AS SELECT ts, cpu, mem, io FROM metrics;
SELECT * FROM mimgan_score('m_err', NULL::err_no_host);
-- a model column that is not numeric
CREATE TABLE err_text_io AS SELECT ts, host, cpu, mem, io::text AS io FROM metrics;
SELECT * FROM mimgan_score('m_err', NULL::err_text_io);

-- options
SELECT * FROM mimgan_score('m_err', NULL::metrics, '{"no_such_option": 1}');
SELECT * FROM mimgan_score('m_err', NULL::metrics, '{"top_k": -1}');
SELECT * FROM mimgan_score('m_err', NULL::metrics, '{"top_k": 1.5}');
SELECT * FROM mimgan_score('m_err', NULL::metrics, '{"top_k": "three"}');
SELECT * FROM mimgan_score('m_err', NULL::metrics, '{"step": 0}');
-- a stride longer than seq_len would leave rows unscored
SELECT * FROM mimgan_score('m_err', NULL::metrics, '{"step": 11}');
-- NULL options are the defaults
SELECT count(score) AS scored FROM mimgan_score('m_err', NULL::metrics, NULL);

\set VERBOSITY terse
-- privileges: the relation is read with the caller's rights, and a model
-- is visible only to roles with the privileges of its owner
CREATE ROLE mimgan_score_nobody;
GRANT SELECT ON metrics TO mimgan_score_nobody;
CREATE TABLE err_secret AS SELECT * FROM metrics;
SET ROLE mimgan_score_nobody;
SELECT count(*) FROM mimgan_score('m_err', NULL::metrics);
SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 10, 'ts', 'host', 'm_err_nobody',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":16,"latent_dim":2,"invert_iters":2,"seed":1,"threshold_windows":16}');
SELECT count(score) AS scored FROM mimgan_score('m_err_nobody', NULL::metrics);
SELECT count(*) FROM mimgan_score('m_err_nobody', NULL::err_secret);
RESET ROLE;
SELECT mimgan_drop('m_err_nobody');
DROP TABLE err_secret;
REVOKE SELECT ON metrics FROM mimgan_score_nobody;
DROP ROLE mimgan_score_nobody;
