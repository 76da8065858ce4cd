--
-- Model catalog: specs, export/import, drop, immutability, row-level
-- security between roles
--
SET extra_float_digits = 0;
\set o '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"invert_iters":10,"seed":1,"threshold_windows":16}'

-- both tables are dumped with the extension
SELECT extconfig::regclass[] FROM pg_extension WHERE extname = 'mimgan';

-- export: the blob starts with the magic "MIMGANv\0" and format version 1
SELECT substring(mimgan_export('metrics_mimgan') FROM 1 FOR 8) AS magic,
       get_byte(mimgan_export('metrics_mimgan'), 8) AS format,
       mimgan_export('metrics_mimgan') = mimgan_export('metrics_mimgan@1') AS latest_is_v1,
       mimgan_export('m1') = (SELECT weights FROM mimgan.model WHERE name = 'm1') AS stored;

-- import makes new versions owned by the caller, carrying the metadata
SELECT mimgan_import('copy', mimgan_export('metrics_mimgan'));
SELECT mimgan_import('copy', mimgan_export('metrics_mimgan@1'));
SELECT spec, source, cols, order_by, series_by, seq_len, threshold = (
           SELECT threshold FROM mimgan.model WHERE name = 'metrics_mimgan') AS same_threshold,
       options = (SELECT options - 'on_missing' - 'verbose' - 'per_series' FROM mimgan.model
                  WHERE name = 'metrics_mimgan') AS same_options,
       (training ->> 'imported')::boolean AS imported, epochs, windows,
       owner = current_user AS mine
FROM mimgan_models WHERE name = 'copy' ORDER BY version;
SELECT mimgan_export('copy@2') = mimgan_export('metrics_mimgan') AS round_trip;

-- drop one version, then the rest
SELECT mimgan_drop('copy@1');
SELECT spec FROM mimgan_models WHERE name = 'copy';
SELECT mimgan_import('copy', mimgan_export('m1'));
SELECT mimgan_drop('copy');
SELECT count(*) FROM mimgan_models WHERE name = 'copy';

-- the log goes with its version
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'tmp', options => :'o');
SELECT count(*) FROM mimgan.training_log WHERE name = 'tmp';
SELECT mimgan_drop('tmp');
SELECT count(*) FROM mimgan.training_log WHERE name = 'tmp';

-- versions are immutable
UPDATE mimgan.model SET threshold = 0 WHERE name = 'm1';
UPDATE mimgan.training_log SET loss_d = 0 WHERE name = 'm1';

-- model specs
SELECT mimgan_export('m1@1') IS NOT NULL AS ok;
SELECT mimgan_export('m1@');
SELECT mimgan_export('m1@0');
SELECT mimgan_export('m1@x');
SELECT mimgan_export('m1@-1');
SELECT mimgan_export('@1');
SELECT mimgan_export('');
SELECT mimgan_export('m1@99999999999');
SELECT mimgan_export('m1@2');
SELECT mimgan_export('nope');
SELECT mimgan_drop('nope');
SELECT mimgan_drop('m1@7');
SELECT mimgan_import('bad@name', mimgan_export('m1'));
SELECT mimgan_import('', mimgan_export('m1'));
SELECT mimgan_import(repeat('x', 64), mimgan_export('m1'));

-- row-level security: a role sees, uses and drops only the models of the
-- roles it has the privileges of
SELECT mimgan_export('m1') AS m1_blob \gset
CREATE ROLE regress_mimgan_alice;
CREATE ROLE regress_mimgan_bob;
GRANT SELECT ON metrics1 TO regress_mimgan_alice, regress_mimgan_bob;

SET ROLE regress_mimgan_alice;
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'alice_model', options => :'o');
SELECT spec, owner FROM mimgan_models;
SELECT count(*) FROM mimgan_training_log;
RESET ROLE;

SET ROLE regress_mimgan_bob;
SELECT count(*) FROM mimgan_models;
SELECT count(*) FROM mimgan_training_log;
SELECT count(*) FROM mimgan.model;
SELECT mimgan_export('alice_model');
SELECT mimgan_drop('alice_model');
-- the name is taken: bob cannot add a version to it
SELECT mimgan_train('metrics1', ARRAY['x', 'y'], 10, model_name => 'alice_model', options => :'o');
SELECT mimgan_import('alice_model', :'m1_blob'::bytea);
-- the name is checked before any data is read (bob cannot read metrics)
SELECT mimgan_train('metrics', ARRAY['cpu'], 10, series_by => 'host',
                    model_name => 'alice_model', options => :'o');
-- training reads with the caller's privileges
SELECT mimgan_train('metrics', ARRAY['cpu'], 10, series_by => 'host',
                    model_name => 'bob_model', options => :'o');
-- nor insert a row in another role's name, nor update or delete one
INSERT INTO mimgan.model (name, version, owner, source, cols, order_by, seq_len,
                          options, preprocessing, threshold, training, weights)
VALUES ('forged', 1, 'regress_mimgan_alice', 'x', '{x}', 't', 2, '{}', '{}', 0, '{}', '\x00');
DELETE FROM mimgan.model WHERE name = 'alice_model';
UPDATE mimgan.model SET threshold = 0;
RESET ROLE;
SELECT count(*) FROM mimgan.model WHERE name = 'alice_model';

-- once granted alice's role, bob sees and may drop her model
GRANT regress_mimgan_alice TO regress_mimgan_bob;
SET ROLE regress_mimgan_bob;
SELECT spec, owner FROM mimgan_models;
SELECT mimgan_import('alice_model', mimgan_export('alice_model'));
SELECT spec, owner FROM mimgan_models ORDER BY version;
SELECT mimgan_drop('alice_model');
RESET ROLE;

REVOKE SELECT ON metrics1 FROM regress_mimgan_alice, regress_mimgan_bob;
DROP ROLE regress_mimgan_bob;
DROP ROLE regress_mimgan_alice;
SELECT spec FROM mimgan_models ORDER BY 1;
