-- pgTAP: the catalog objects of the extension, their types, volatility,
-- strictness, parallel safety, owners and comments.
-- Run by test/run_all.sh with pg_prove, in a fresh database with pgtap.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
CREATE EXTENSION IF NOT EXISTS mimgan;

SELECT plan(85);

-- the extension itself
SELECT has_extension('mimgan', 'extension mimgan is installed');
SELECT has_schema('mimgan', 'schema mimgan exists');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'mimgan'),
          '0.2.0', 'extension version is 0.2.0');
SELECT is((SELECT e.extrelocatable FROM pg_extension e WHERE extname = 'mimgan'),
          false, 'extension is not relocatable');

-- functions: exist with the contract's argument types
SELECT has_function('public', 'mimgan_train',
       ARRAY['regclass', 'text[]', 'integer', 'text', 'text', 'text', 'jsonb'],
       'mimgan_train(regclass, text[], int, text, text, text, jsonb) exists');
SELECT has_function('public', 'mimgan_score', ARRAY['text', 'anyelement', 'jsonb'],
       'mimgan_score(text, anyelement, jsonb) exists');
SELECT has_function('public', 'mimgan_evaluate', ARRAY['text', 'anyelement', 'text', 'jsonb'],
       'mimgan_evaluate(text, anyelement, text, jsonb) exists');
SELECT has_function('public', 'mimgan_window_score', ARRAY['text', 'double precision[]'],
       'mimgan_window_score(text, VARIADIC float8[]) exists');
SELECT has_function('public', 'mimgan_flag', ARRAY[]::text[], 'mimgan_flag() exists');
SELECT has_function('public', 'mimgan_drop', ARRAY['text'], 'mimgan_drop(text) exists');
SELECT has_function('public', 'mimgan_export', ARRAY['text'], 'mimgan_export(text) exists');
SELECT has_function('public', 'mimgan_import', ARRAY['text', 'bytea'], 'mimgan_import(text, bytea) exists');
SELECT has_function('public', 'mimgan_info', ARRAY[]::text[], 'mimgan_info() exists');

-- return types
SELECT function_returns('public', 'mimgan_train',
       ARRAY['regclass', 'text[]', 'integer', 'text', 'text', 'text', 'jsonb'], 'text');
SELECT function_returns('public', 'mimgan_score', ARRAY['text', 'anyelement', 'jsonb'], 'setof record');
SELECT function_returns('public', 'mimgan_evaluate', ARRAY['text', 'anyelement', 'text', 'jsonb'], 'setof record');
SELECT function_returns('public', 'mimgan_window_score', ARRAY['text', 'double precision[]'], 'double precision');
SELECT function_returns('public', 'mimgan_flag', ARRAY[]::text[], 'trigger');
SELECT function_returns('public', 'mimgan_drop', ARRAY['text'], 'integer');
SELECT function_returns('public', 'mimgan_export', ARRAY['text'], 'bytea');
SELECT function_returns('public', 'mimgan_import', ARRAY['text', 'bytea'], 'text');
SELECT function_returns('public', 'mimgan_info', ARRAY[]::text[], 'jsonb');

-- the output columns of the set-returning functions (fixed by the contract)
SELECT is((SELECT proargnames[4:] FROM pg_proc
           WHERE oid = 'public.mimgan_score(text, anyelement, jsonb)'::regprocedure),
          ARRAY['r', 'score', 'dis_score', 'rec_score', 'is_anomaly', 'top_cols'],
          'mimgan_score returns (r, score, dis_score, rec_score, is_anomaly, top_cols)');
SELECT is((SELECT proallargtypes[4:]::regtype[]::text FROM pg_proc
           WHERE oid = 'public.mimgan_score(text, anyelement, jsonb)'::regprocedure),
          '{anyelement,"double precision","double precision","double precision",boolean,text[]}',
          'mimgan_score output column types');
SELECT is((SELECT proargnames[5:] FROM pg_proc
           WHERE oid = 'public.mimgan_evaluate(text, anyelement, text, jsonb)'::regprocedure),
          ARRAY['metric', 'value'], 'mimgan_evaluate returns (metric, value)');
SELECT is((SELECT proargnames[1:7] FROM pg_proc
           WHERE oid = 'public.mimgan_train(regclass, text[], int, text, text, text, jsonb)'::regprocedure),
          ARRAY['source', 'cols', 'seq_len', 'order_by', 'series_by', 'model_name', 'options'],
          'mimgan_train argument names as in the contract');
SELECT is((SELECT pronargdefaults FROM pg_proc
           WHERE oid = 'public.mimgan_train(regclass, text[], int, text, text, text, jsonb)'::regprocedure),
          4::int2, 'mimgan_train: order_by, series_by, model_name, options have defaults');

-- kinds: aggregate, trigger
SELECT is_aggregate('public', 'mimgan_window_score', ARRAY['text', 'double precision[]'],
       'mimgan_window_score is an aggregate');
SELECT is((SELECT provariadic::regtype::text FROM pg_proc
           WHERE proname = 'mimgan_window_score' AND prokind = 'a'),
          'double precision', 'mimgan_window_score is VARIADIC float8[]');
SELECT isnt_aggregate('public', 'mimgan_score', ARRAY['text', 'anyelement', 'jsonb'],
       'mimgan_score is not an aggregate');

-- volatility: writers VOLATILE, readers of the model table STABLE
SELECT volatility_is('public', 'mimgan_train',
       ARRAY['regclass', 'text[]', 'integer', 'text', 'text', 'text', 'jsonb'], 'volatile');
SELECT volatility_is('public', 'mimgan_score', ARRAY['text', 'anyelement', 'jsonb'], 'stable');
SELECT volatility_is('public', 'mimgan_evaluate', ARRAY['text', 'anyelement', 'text', 'jsonb'], 'stable');
SELECT volatility_is('public', 'mimgan_flag', ARRAY[]::text[], 'volatile');
SELECT volatility_is('public', 'mimgan_drop', ARRAY['text'], 'volatile');
SELECT volatility_is('public', 'mimgan_export', ARRAY['text'], 'stable');
SELECT volatility_is('public', 'mimgan_import', ARRAY['text', 'bytea'], 'volatile');
SELECT volatility_is('public', 'mimgan_info', ARRAY[]::text[], 'stable');
SELECT is((SELECT string_agg(DISTINCT p.provolatile::text, ',')
           FROM pg_aggregate a JOIN pg_proc p ON p.oid IN (a.aggtransfn, a.aggfinalfn)
           WHERE a.aggfnoid = 'public.mimgan_window_score(text, float8[])'::regprocedure),
          's', 'mimgan_window_score: transition and final functions are STABLE');

-- strictness: NULL::some_table is an argument by design, so score and
-- evaluate must not be STRICT; train has NULL defaults.
SELECT isnt_strict('public', 'mimgan_train',
       ARRAY['regclass', 'text[]', 'integer', 'text', 'text', 'text', 'jsonb']);
SELECT isnt_strict('public', 'mimgan_score', ARRAY['text', 'anyelement', 'jsonb']);
SELECT isnt_strict('public', 'mimgan_evaluate', ARRAY['text', 'anyelement', 'text', 'jsonb']);
SELECT is_strict('public', 'mimgan_drop', ARRAY['text']);
SELECT is_strict('public', 'mimgan_export', ARRAY['text']);
SELECT is_strict('public', 'mimgan_import', ARRAY['text', 'bytea']);

-- parallel safety: writers are PARALLEL UNSAFE
SELECT is((SELECT proparallel FROM pg_proc
           WHERE oid = 'public.mimgan_train(regclass, text[], int, text, text, text, jsonb)'::regprocedure),
          'u', 'mimgan_train is PARALLEL UNSAFE');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'public.mimgan_drop(text)'::regprocedure),
          'u', 'mimgan_drop is PARALLEL UNSAFE');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'public.mimgan_import(text, bytea)'::regprocedure),
          'u', 'mimgan_import is PARALLEL UNSAFE');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'public.mimgan_flag()'::regprocedure),
          'u', 'mimgan_flag is PARALLEL UNSAFE');
SELECT isnt((SELECT proparallel FROM pg_proc
             WHERE oid = 'public.mimgan_score(text, anyelement, jsonb)'::regprocedure),
            'u', 'mimgan_score is not PARALLEL UNSAFE');

-- language C, and the same library for all
SELECT function_lang_is('public', 'mimgan_train',
       ARRAY['regclass', 'text[]', 'integer', 'text', 'text', 'text', 'jsonb'], 'c');
SELECT is((SELECT count(DISTINCT probin) FROM pg_proc
           WHERE proname LIKE 'mimgan\_%' AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')),
          1::bigint, 'every C function comes from one library');
SELECT is((SELECT count(*) FROM pg_proc
           WHERE proname LIKE 'mimgan\_%' AND prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
             AND probin <> '$libdir/mimgan'),
          0::bigint, 'every C function uses $libdir/mimgan (MODULE_PATHNAME)');

-- owners: the role that ran CREATE EXTENSION
SELECT function_owner_is('public', 'mimgan_train',
       ARRAY['regclass', 'text[]', 'integer', 'text', 'text', 'text', 'jsonb'], current_user::name);
SELECT function_owner_is('public', 'mimgan_score', ARRAY['text', 'anyelement', 'jsonb'], current_user::name);
SELECT function_owner_is('public', 'mimgan_flag', ARRAY[]::text[], current_user::name);
SELECT is((SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
                  AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
           WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mimgan')
             AND p.proowner <> (SELECT extowner FROM pg_extension WHERE extname = 'mimgan')),
          0::bigint, 'every function of the extension is owned by the extension owner');
SELECT table_owner_is('mimgan', 'model', current_user::name);
SELECT table_owner_is('mimgan', 'training_log', current_user::name);
SELECT view_owner_is('public', 'mimgan_models', current_user::name);
SELECT view_owner_is('public', 'mimgan_training_log', current_user::name);

-- no SECURITY DEFINER anywhere (privileges are enforced by RLS and by the
-- caller's own rights)
SELECT is((SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
                  AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
           WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mimgan')
             AND p.prosecdef),
          0::bigint, 'no SECURITY DEFINER function');

-- tables
SELECT has_table('mimgan', 'model', 'table mimgan.model exists');
SELECT has_table('mimgan', 'training_log', 'table mimgan.training_log exists');
SELECT has_pk('mimgan', 'model', 'mimgan.model has a primary key');
SELECT col_type_is('mimgan', 'model', 'name', 'text', 'mimgan.model.name is text');
SELECT col_type_is('mimgan', 'model', 'version', 'integer', 'mimgan.model.version is int');
SELECT col_type_is('mimgan', 'model', 'cols', 'text[]', 'mimgan.model.cols is text[]');
SELECT col_type_is('mimgan', 'model', 'seq_len', 'integer', 'mimgan.model.seq_len is int');
SELECT col_type_is('mimgan', 'model', 'options', 'jsonb', 'mimgan.model.options is jsonb');
SELECT col_type_is('mimgan', 'model', 'threshold', 'double precision', 'mimgan.model.threshold is float8');
SELECT col_type_is('mimgan', 'model', 'weights', 'bytea', 'mimgan.model.weights is bytea');
SELECT col_type_is('mimgan', 'model', 'created_at', 'timestamp with time zone',
       'mimgan.model.created_at is timestamptz');
SELECT has_column('mimgan', 'training_log', 'epoch', 'mimgan.training_log has epoch');
SELECT is((SELECT count(*) FROM pg_extension e, unnest(e.extconfig) c
           WHERE e.extname = 'mimgan' AND c IN ('mimgan.model'::regclass, 'mimgan.training_log'::regclass)),
          2::bigint, 'both tables are registered with pg_extension_config_dump');

-- views
SELECT has_view('public', 'mimgan_models', 'view mimgan_models exists');
SELECT has_view('public', 'mimgan_training_log', 'view mimgan_training_log exists');
SELECT ok((SELECT array_agg(attname::text) FROM pg_attribute
           WHERE attrelid = 'public.mimgan_models'::regclass AND attnum > 0)
          @> ARRAY['name', 'version', 'source', 'cols', 'seq_len', 'options', 'threshold',
                   'size', 'owner', 'created_at'],
          'mimgan_models has name, version, source, cols, seq_len, options, threshold, size, owner, created_at');
SELECT col_type_is('public', 'mimgan_models', 'version', 'integer', 'mimgan_models.version is int');
SELECT ok((SELECT array_agg(attname::text) FROM pg_attribute
           WHERE attrelid = 'public.mimgan_training_log'::regclass AND attnum > 0)
          @> ARRAY['name', 'version', 'epoch'],
          'mimgan_training_log has name, version, epoch');

-- every object of the extension has a comment
SELECT is((SELECT string_agg(p.oid::regprocedure::text, ', ')
           FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
                AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
           WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mimgan')
             AND obj_description(p.oid, 'pg_proc') IS NULL),
          NULL, 'every function has a COMMENT');
SELECT is((SELECT string_agg(c.oid::regclass::text, ', ')
           FROM pg_class c JOIN pg_depend d ON d.objid = c.oid
                AND d.classid = 'pg_class'::regclass AND d.deptype = 'e'
           WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mimgan')
             AND c.relkind IN ('r', 'v', 'm')
             AND obj_description(c.oid, 'pg_class') IS NULL),
          NULL, 'every table and view has a COMMENT');

-- everyone may read the views; nobody but the owner may UPDATE the catalog
SELECT ok(has_table_privilege('public', 'public.mimgan_models', 'SELECT'),
          'PUBLIC may SELECT mimgan_models');
SELECT ok(NOT has_table_privilege('public', 'mimgan.model', 'UPDATE'),
          'PUBLIC may not UPDATE mimgan.model');
SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'mimgan.model'::regclass),
          'mimgan.model has row-level security enabled');

SELECT * FROM finish();
ROLLBACK;
