# pg_dump -Fc / pg_restore keeps trained models: the mimgan tables are
# extension configuration tables, so their rows are dumped.  After a
# restore into a new database the exported blobs are byte-identical and
# mimgan_score gives identical results.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;

my $opts = '{"epochs":2,"hidden_g":4,"hidden_d":4,"batch_size":8,'
  . '"latent_dim":2,"invert_iters":5,"seed":1,"threshold_windows":8}';

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', qq{
CREATE EXTENSION mimgan;
CREATE TABLE m (t int, host text, a float8, b float8, c float8);
INSERT INTO m
SELECT i, 'h' || (i % 2), sin(i / 5.0), cos(i / 9.0) + (i % 4) / 8.0,
       CASE WHEN i = 150 THEN 5 ELSE (i % 11) / 11.0 END
FROM generate_series(1, 240) i;
SELECT mimgan_train('m', ARRAY['a','b','c'], 6, 't', 'host', 'dr_m', '$opts');
SELECT mimgan_train('m', ARRAY['a','b'], 4, 't', NULL, 'dr_m', '$opts');
SELECT mimgan_pin('dr_m\@2');
SELECT mimgan_train('m', ARRAY['a','b','c'], 6, 't', 'host', 'dr_ps',
                    '{"per_series":true,"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":2,"threshold_windows":8}');
});

# What must survive: the blobs, the catalog rows, the training log and the
# scores (with a fixed scoring seed).
my %q = (
	versions => q{SELECT string_agg(name || '@' || version || ':' || owner || ':' || seq_len || ':' || array_to_string(cols, '/') || ':' || threshold, ',' ORDER BY name, version) FROM mimgan_models},
	export1 => q{SELECT encode(mimgan_export('dr_m@1'), 'hex')},
	export2 => q{SELECT encode(mimgan_export('dr_m'), 'hex')},
	weights => q{SELECT string_agg(md5(weights), ',' ORDER BY version) FROM mimgan.model},
	pins => q{SELECT string_agg(name || '@' || version || ':' || pinned_by, ',' ORDER BY name) FROM mimgan.model_pin},
	log => q{SELECT count(*) || ':' || md5(string_agg(l::text, ',' ORDER BY version, epoch)) FROM mimgan.training_log l},
	score1 => q{SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', (s.r).t, (s.r).host, s.score, s.dis_score, s.rec_score, s.is_anomaly, s.top_cols), E'\n' ORDER BY (s.r).host, (s.r).t) FROM mimgan_score('dr_m@1', NULL::m, '{"seed":7}') s},
	score2 => q{SELECT string_agg(format('%s|%s|%s', (s.r).t, s.score, s.is_anomaly), E'\n' ORDER BY (s.r).t) FROM mimgan_score('dr_m', NULL::m, '{"seed":7}') s},
	series_models => q{SELECT string_agg(s.series || ':' || s.threshold || ':' || md5(s.weights) || ':' || (s.training ->> 'seed'), ',' ORDER BY s.series) FROM mimgan.model_series s},
	score_ps => q{SELECT string_agg(format('%s|%s|%s|%s', (s.r).t, (s.r).host, s.score, s.is_anomaly), E'\n' ORDER BY (s.r).host, (s.r).t) FROM mimgan_score('dr_ps', NULL::m) s},
);
my %before;
$before{$_} = $node->safe_psql('src', $q{$_}) for sort keys %q;

ok(length($before{export1}) > 200, 'dr_m@1 exports a non-trivial blob');
like($before{pins}, qr/^dr_m\@2:/, 'dr_m@2 is pinned before the dump');
isnt($before{export1}, $before{export2}, 'the two versions have different blobs');
like($before{score1}, qr/^\d+\|h\d\|[-0-9.e+]+\|/m, 'dr_m@1 scores the rows');
like($before{series_models}, qr/^h0:[^,]+,h1:[^,]+$/, 'dr_ps has a model per series before the dump');
my $rescored = $node->safe_psql('src', $q{score1});
is($rescored, $before{score1}, 'scoring is repeatable in the source database');

my $dump = $node->basedir . '/src.dump';
$node->command_ok(
	[ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ],
	'pg_dump -Fc of the source database');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst'), $dump ],
	'pg_restore into a new database');

for my $k (sort keys %q)
{
	my $after = $node->safe_psql('dst', $q{$k});
	is($after, $before{$k}, "after restore: $k identical");
}

# The restored models are usable for new work, too.
is($node->safe_psql('dst',
		q{SELECT mimgan_import('dr_copy', mimgan_export('dr_m@1'))}),
	'dr_copy@1', 'a restored blob re-imports');
is($node->safe_psql('dst',
		q{SELECT md5(mimgan_export('dr_copy')) = md5(mimgan_export('dr_m@1'))}),
	't', 'and exports byte-identically again');
is($node->safe_psql('dst',
		qq{SELECT mimgan_train('m', ARRAY['a','b'], 4, 't', NULL, 'dr_m', '$opts')}),
	'dr_m', 'training after the restore adds a version');
is($node->safe_psql('dst', q{SELECT max(version) FROM mimgan.model WHERE name = 'dr_m'}),
	'3', 'the restored versions are kept, the new one is 3');

$node->stop;
done_testing();
