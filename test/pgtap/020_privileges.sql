-- pgTAP: privileges.  Training reads the source with the caller's
-- privileges; a model belongs to the role that trained it, and other roles
-- can neither drop, export nor add versions to it unless they are granted
-- the owner's role.  Everything runs in one transaction that is rolled back
-- (roles included).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS mimgan;

SELECT plan(27);

CREATE ROLE mgtap_alice NOLOGIN;
CREATE ROLE mgtap_bob NOLOGIN;
CREATE ROLE mgtap_carol NOLOGIN;

CREATE TABLE mgtap_src (t int, a float8, b float8);
INSERT INTO mgtap_src
SELECT i, sin(i / 3.0), cos(i / 5.0) + (i % 7) / 10.0
FROM generate_series(1, 60) i;
GRANT SELECT ON mgtap_src TO mgtap_alice, mgtap_carol;	-- not to bob

-- Run sql as role, then return to the session role.  An error propagates
-- (the caller's savepoint, e.g. throws_ok's, also undoes the SET ROLE).
-- The pgTAP bookkeeping tables stay owned by, and written as, the session
-- role.
CREATE FUNCTION mgtap_as(role text, sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE format('SET ROLE %I', role);
    EXECUTE sql INTO r;
    RESET ROLE;
    RETURN r;
END
$$;

-- Train a tiny model on mgtap_src (fast: one epoch of a 4-unit net).
CREATE FUNCTION mgtap_train(model text) RETURNS text
LANGUAGE sql AS $$
SELECT mimgan_train('mgtap_src', ARRAY['a', 'b'], 5, 't', NULL, model,
    '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"invert_iters":5,"seed":1,"threshold_windows":8}');
$$;

-- Versions of a model as the superuser sees them (RLS bypassed).
CREATE FUNCTION mgtap_versions(p_name text) RETURNS text
LANGUAGE sql AS $$
SELECT coalesce(string_agg(version || ':' || owner, ',' ORDER BY version), '')
FROM mimgan.model m WHERE m.name = p_name;
$$;
GRANT EXECUTE ON FUNCTION mgtap_train(text) TO PUBLIC;

-- 1. no SELECT on the source: no training
SELECT throws_ok($$SELECT mgtap_as('mgtap_bob', 'SELECT mgtap_train(''bob_m'')')$$,
                 '42501', NULL,
                 'a role without SELECT on the source cannot train on it (42501)');
SELECT is(mgtap_versions('bob_m'), '', 'no model row is left by the refused training');
SELECT throws_ok($$SELECT mgtap_as('mgtap_bob',
                   'SELECT mimgan_train(''mgtap_src'', ''{a}'', 5, ''t'', NULL, ''bob_m2'', ''{"epochs":1}'')')$$,
                 '42501', NULL,
                 'also with a one-column model (42501)');

-- 2. the owner trains, exports, trains a new version and drops
SELECT is(mgtap_as('mgtap_alice', 'SELECT mgtap_train(''alice_m'')'), 'alice_m',
          'alice trains alice_m; mimgan_train returns the model name');
SELECT is(mgtap_versions('alice_m'), '1:mgtap_alice', 'alice_m@1 is owned by alice');
SELECT is(mgtap_as('mgtap_alice', 'SELECT count(*) FROM mimgan_models WHERE name = ''alice_m'''), '1',
          'alice sees alice_m in mimgan_models');
SELECT is(mgtap_as('mgtap_alice', 'SELECT octet_length(mimgan_export(''alice_m'')) > 0'), 'true',
          'alice exports alice_m');
SELECT is(mgtap_as('mgtap_alice', 'SELECT mgtap_train(''alice_m'')'), 'alice_m',
          'alice trains a second version of alice_m');
SELECT is(mgtap_versions('alice_m'), '1:mgtap_alice,2:mgtap_alice', 'alice_m has versions 1 and 2');
SELECT is(mgtap_as('mgtap_alice', 'SELECT mimgan_drop(''alice_m@2'')'), '1',
          'alice drops alice_m@2');
SELECT is(mgtap_versions('alice_m'), '1:mgtap_alice', 'only alice_m@1 is left');

-- 3. carol (SELECT on the source, no membership in alice) cannot touch it
SELECT is(mgtap_as('mgtap_carol', 'SELECT count(*) FROM mimgan_models WHERE name = ''alice_m'''), '0',
          'carol does not see alice_m in mimgan_models');
SELECT throws_matching($$SELECT mgtap_as('mgtap_carol', 'SELECT mimgan_export(''alice_m'')')$$,
                 '.', 'carol cannot export alice_m');
SELECT throws_matching($$SELECT mgtap_as('mgtap_carol',
                 'SELECT count(*) FROM mimgan_score(''alice_m'', NULL::mgtap_src)')$$,
                 '.', 'carol cannot score with alice_m');
SELECT is(mgtap_as('mgtap_carol', 'SELECT count(*) FROM mimgan_training_log WHERE name = ''alice_m'''), '0',
          'carol does not see the training log of alice_m');
SELECT throws_ok($$SELECT mgtap_as('mgtap_carol', 'SELECT mgtap_train(''alice_m'')')$$,
                 '42501', NULL,
                 'carol cannot train a new version of alice_m (42501)');
SELECT throws_ok($$SELECT mgtap_as('mgtap_carol',
                   format('SELECT mimgan_import(''alice_m'', %L::bytea)',
                          (SELECT weights FROM mimgan.model WHERE name = 'alice_m' AND version = 1)))$$,
                 '42501', NULL,
                 'carol cannot import a version into alice_m (42501)');
-- dropping: an error, or 0 versions dropped, but never alice's model
CREATE FUNCTION mgtap_try(role text, sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN 'ok:' || coalesce(mgtap_as(role, sql), '<null>');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
SELECT ok(mgtap_try('mgtap_carol', 'SELECT mimgan_drop(''alice_m'')') IN ('ok:0', '42501', '42704'),
          'carol''s mimgan_drop(''alice_m'') drops nothing (0, 42501 or 42704)');
SELECT ok(mgtap_try('mgtap_carol', 'SELECT mimgan_drop(''alice_m@1'')') IN ('ok:0', '42501', '42704'),
          'carol''s mimgan_drop(''alice_m@1'') drops nothing (0, 42501 or 42704)');
SELECT is(mgtap_versions('alice_m'), '1:mgtap_alice', 'alice_m@1 is still there, unchanged');
SELECT is(mgtap_try('mgtap_carol', 'DELETE FROM mimgan.model WHERE name = ''alice_m'' RETURNING 1'),
          'ok:<null>', 'carol cannot delete alice''s row from mimgan.model directly (RLS)');

-- 4. once granted alice's role, carol can
GRANT mgtap_alice TO mgtap_carol;
SELECT is(mgtap_as('mgtap_carol', 'SELECT octet_length(mimgan_export(''alice_m'')) > 0'), 'true',
          'a member of alice exports alice_m');
SELECT is(mgtap_as('mgtap_carol', 'SELECT mgtap_train(''alice_m'')'), 'alice_m',
          'a member of alice trains a new version of alice_m');
SELECT is(mgtap_versions('alice_m'), '1:mgtap_alice,2:mgtap_carol',
          'alice_m@2 exists, owned by carol');
SELECT is(mgtap_as('mgtap_carol', 'SELECT mimgan_drop(''alice_m'')'), '2',
          'a member of alice drops alice_m (both versions)');
SELECT is(mgtap_versions('alice_m'), '', 'alice_m is gone');
SELECT is((SELECT count(*) FROM mimgan.training_log WHERE name = 'alice_m'), 0::bigint,
          'its training log went with it');

SELECT * FROM finish();
ROLLBACK;
