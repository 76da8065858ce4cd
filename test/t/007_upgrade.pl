# ALTER EXTENSION mimgan UPDATE from the first release (0.1.0) to the
# current version: models trained under 0.1.0 keep their blobs, catalog rows
# and scores, and the upgraded extension has exactly the objects (and the
# same definitions) as a fresh install of the current version.  The upgrade
# is also checked across pg_dump / pg_restore of a 0.1.0 database.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', "log_min_messages = warning\n");
$node->start;

my $current = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'mimgan'});
isnt($current, '0.1.0', "the current version ($current) is not the first release");
my $versions = $node->safe_psql('postgres',
	q{SELECT string_agg(version, ',' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'mimgan'});
like($versions, qr/^0\.1\.0,/, "0.1.0 is installable ($versions)");
my $path = $node->safe_psql('postgres',
	qq{SELECT path FROM pg_extension_update_paths('mimgan') WHERE source = '0.1.0' AND target = '$current'});
isnt($path, '', "an update path 0.1.0 -> $current exists ($path)");

my $opts = '{"epochs":2,"hidden_g":4,"hidden_d":4,"batch_size":8,'
  . '"latent_dim":2,"invert_iters":5,"seed":1,"threshold_windows":8}';
my $setup = qq{
CREATE TABLE m (t int, host text, a float8, b float8, c float8);
INSERT INTO m
SELECT i, 'h' || (i % 2), sin(i / 5.0), cos(i / 9.0) + (i % 4) / 8.0,
       CASE WHEN i = 150 THEN 5 ELSE (i % 11) / 11.0 END
FROM generate_series(1, 240) i;
SELECT mimgan_train('m', ARRAY['a','b','c'], 6, 't', 'host', 'up_m', '$opts');
SELECT mimgan_train('m', ARRAY['a','b'], 4, 't', NULL, 'up_m', '$opts');
};

# Everything a model is made of, and what scoring it gives.
my %q = (
	versions => q{SELECT string_agg(name || '@' || version || ':' || seq_len || ':' || array_to_string(cols, '/') || ':' || threshold, ',' ORDER BY name, version) FROM mimgan_models},
	blobs => q{SELECT string_agg(md5(mimgan_export('up_m@' || v)), ',' ORDER BY v) FROM generate_series(1, 2) v},
	log => q{SELECT count(*) FROM mimgan_training_log},
	score1 => q{SELECT md5(string_agg(format('%s|%s|%s|%s|%s|%s|%s', (s.r).t, (s.r).host, s.score, s.dis_score, s.rec_score, s.is_anomaly, s.top_cols), E'\n' ORDER BY (s.r).host, (s.r).t)) FROM mimgan_score('up_m@1', NULL::m, '{"seed":7}') s},
	score2 => q{SELECT md5(string_agg(format('%s|%s|%s', (s.r).t, s.score, s.is_anomaly), E'\n' ORDER BY (s.r).t)) FROM mimgan_score('up_m', NULL::m, '{"seed":7}') s},
	window => q{SELECT md5(string_agg(coalesce(w::text, 'null'), ',' ORDER BY t)) FROM (SELECT t, mimgan_window_score('up_m@2', VARIADIC ARRAY[a, b]) OVER (ORDER BY t ROWS 3 PRECEDING) w FROM m) x},
);

# The extension's member objects and their definitions: functions by their
# full definition, views by their query, tables by their columns, plus
# policies, triggers and configuration-dump settings.
my $members = q{
SELECT string_agg(d, E'\n' ORDER BY d) FROM (
  SELECT pg_describe_object(classid, objid, 0) || ' = ' || coalesce(
           CASE classid
             WHEN 'pg_proc'::regclass THEN
               (SELECT CASE WHEN prokind = 'a' THEN pg_get_function_arguments(objid) || ' -> ' || pg_get_function_result(objid)
                            ELSE pg_get_functiondef(objid) END
                  || coalesce(obj_description(objid, 'pg_proc'), '')
                  || coalesce(array_to_string(proacl, ','), '')
                FROM pg_proc WHERE oid = objid)
             WHEN 'pg_class'::regclass THEN
               (SELECT c.relkind::text || coalesce(pg_get_viewdef(objid), '') || coalesce(array_to_string(c.reloptions, ','), '')
                  || c.relrowsecurity || coalesce(array_to_string(c.relacl, ','), '')
                  || coalesce(obj_description(objid, 'pg_class'), '')
                  || (SELECT coalesce(string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''), ', ' ORDER BY a.attnum), '')
                        FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                       WHERE a.attrelid = objid AND a.attnum > 0 AND NOT a.attisdropped)
                  || (SELECT coalesce(string_agg(pg_get_indexdef(i.indexrelid), ', ' ORDER BY 1), '') FROM pg_index i WHERE i.indrelid = objid)
                  || (SELECT coalesce(string_agg(pg_get_constraintdef(co.oid), ', ' ORDER BY 1), '') FROM pg_constraint co WHERE co.conrelid = objid)
                FROM pg_class c WHERE c.oid = objid)
             WHEN 'pg_type'::regclass THEN format_type(objid, NULL)
             ELSE ''
           END, '') AS d
  FROM pg_depend
  WHERE refclassid = 'pg_extension'::regclass
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mimgan')
    AND deptype = 'e'
  UNION ALL
  SELECT 'policy ' || polname || ' on ' || polrelid::regclass || ' = ' || polcmd::text || coalesce(pg_get_expr(polqual, polrelid), '') || coalesce(pg_get_expr(polwithcheck, polrelid), '')
  FROM pg_policy WHERE polrelid::regclass::text LIKE 'mimgan.%'
  UNION ALL
  SELECT 'trigger ' || tgname || ' = ' || pg_get_triggerdef(t.oid)
  FROM pg_trigger t WHERE tgrelid::regclass::text LIKE 'mimgan.%' AND NOT tgisinternal
  UNION ALL
  SELECT 'config ' || array_to_string(extconfig::regclass[], ',') || ' ' || coalesce(array_to_string(extcondition, ','), '')
  FROM pg_extension WHERE extname = 'mimgan'
) s};

# 1. a database at 0.1.0 with two model versions, then ALTER EXTENSION UPDATE
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', q{CREATE EXTENSION mimgan VERSION '0.1.0'});
$node->safe_psql('old', $setup);
is($node->safe_psql('old', q{SELECT extversion FROM pg_extension WHERE extname = 'mimgan'}),
	'0.1.0', 'installed at 0.1.0');
my %before;
$before{$_} = $node->safe_psql('old', $q{$_}) for sort keys %q;
like($before{versions}, qr/^up_m\@1:6:a\/b\/c:[-0-9.e]+,up_m\@2:4:a\/b:/, 'two versions trained under 0.1.0');

# per-series models need the 0.2.0 objects: refused until the update
{
	my ($r, $o, $e) = $node->psql('old',
		qq{SELECT mimgan_train('m', ARRAY['a','b'], 4, 't', 'host', 'up_ps', '{"per_series":true}')});
	like($e, qr/option "per_series" needs version 0.2.0.*\n.*ALTER EXTENSION mimgan UPDATE/s,
		'per_series on a 0.1.0 schema is refused with a hint to update');
}

# pg_dump of the 0.1.0 database, for step 3
my $dump = $node->basedir . '/old.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('old') ],
	'pg_dump -Fc of the 0.1.0 database');

$node->safe_psql('old', 'ALTER EXTENSION mimgan UPDATE');
is($node->safe_psql('old', q{SELECT extversion FROM pg_extension WHERE extname = 'mimgan'}),
	$current, "ALTER EXTENSION mimgan UPDATE reaches $current");
for my $k (sort keys %q)
{
	is($node->safe_psql('old', $q{$k}), $before{$k}, "after the update: $k unchanged");
}
is($node->safe_psql('old',
		qq{SELECT mimgan_train('m', ARRAY['a','b'], 4, 't', 'host', 'up_ps', '{"per_series":true,"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":3,"threshold_windows":8}');
		   SELECT count(*) FROM mimgan_series_models WHERE name = 'up_ps'}),
	"up_ps\n2", 'after the update: per-series models train');
$node->safe_psql('old', q{SELECT mimgan_drop('up_ps')});

# training and scoring work on the upgraded extension
$node->safe_psql('old', qq{SELECT mimgan_train('m', ARRAY['a','c'], 5, 't', NULL, 'up_new', '$opts')});
is($node->safe_psql('old', q{SELECT count(*) FROM mimgan_score('up_new', NULL::m) WHERE score IS NOT NULL}),
	'240', 'a model trained after the update scores every row');

# 2. a fresh install of the current version has the same objects
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION mimgan');
my $m_fresh = $node->safe_psql('fresh', $members);
my $m_upgraded = $node->safe_psql('old', $members);
like($m_fresh, qr/function mimgan_train\(/, 'the member listing sees the functions');
is($m_upgraded, $m_fresh, 'upgraded and freshly installed extensions have identical objects');
if ($m_upgraded ne $m_fresh)
{
	my %a = map { $_ => 1 } split /\n/, $m_upgraded;
	my %b = map { $_ => 1 } split /\n/, $m_fresh;
	diag("only after the upgrade: $_") for grep { !$b{$_} } sort keys %a;
	diag("only in a fresh install: $_") for grep { !$a{$_} } sort keys %b;
}

# 3. pg_restore of the 0.1.0 dump (CREATE EXTENSION takes the current
# version), then the models are the same
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'), $dump ],
	'pg_restore of the 0.1.0 dump into a database with the current version');
is($node->safe_psql('restored', q{SELECT extversion FROM pg_extension WHERE extname = 'mimgan'}),
	$current, "the restored database runs $current");
for my $k (sort keys %q)
{
	is($node->safe_psql('restored', $q{$k}), $before{$k}, "restored from the 0.1.0 dump: $k unchanged");
}

# 4. downgrading is not offered
my ($ret, $out, $err) = $node->psql('old', q{ALTER EXTENSION mimgan UPDATE TO '0.1.0'});
isnt($ret, 0, 'no downgrade path to 0.1.0');
like($err, qr/no update path|version "0.1.0"/, 'the downgrade error names the missing path');

$node->stop;
done_testing();
