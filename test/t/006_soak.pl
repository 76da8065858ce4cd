# Concurrent load: 8 pgbench clients for MIMGAN_SOAK_SECONDS (default 20 in
# make test; `make soak` runs 300) mix training of per-client models,
# bulk scoring, catalog reads and single-row inserts into a table with the
# mimgan_flag trigger.  No client may fail (pgbench exits non-zero when a
# client aborts on an error), every insert pgbench counted is in the table
# and flagged once (threshold 0), every training made exactly one version,
# no backend crashed, and each backend's memory contexts stay small.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MimganTest;
use IPC::Run;

my $seconds = $ENV{MIMGAN_SOAK_SECONDS} || 20;
my $node = metrics_node('soak');
$node->safe_psql('postgres', q{
SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 10, 't', NULL, 'base_m',
  '{"epochs":1,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":1,"threshold_windows":16}');
SELECT mimgan_train('metrics', ARRAY['a','b'], 5, 't', NULL, 'flag_m',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":1,"threshold":0,"threshold_windows":8}');
CREATE SEQUENCE live_t START 11;
CREATE TABLE live (t int, a float8, b float8);
INSERT INTO live SELECT t, a, b FROM metrics WHERE t <= 10;
CREATE TABLE live_anomalies (LIKE live, score float8, flagged_at timestamptz DEFAULT now());
CREATE TRIGGER flag AFTER INSERT ON live REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('flag_m', 'live_anomalies');
CREATE TABLE mem_peak (pid int, bytes bigint);
});

my $dir = PostgreSQL::Test::Utils::tempdir;
my %scripts = (
	'train.sql' => q{SELECT mimgan_train('metrics', ARRAY['a','b'], 10, 't', NULL, 'soak_' || :client_id, '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":1,"threshold_windows":8,"max_train_windows":100}');},
	'score.sql' => q{SELECT count(*) FROM mimgan_score('base_m', NULL::metrics, '{"step": 10}');
INSERT INTO mem_peak SELECT pg_backend_pid(), sum(total_bytes) FROM pg_backend_memory_contexts;},
	'insert.sql' => q{INSERT INTO live SELECT nextval('live_t'), random(), random();},
	'catalog.sql' => q{SELECT count(*) FROM mimgan_models;
SELECT count(*) FROM mimgan_training_log;
SELECT mimgan_info();},
);
for my $f (keys %scripts)
{
	open(my $fh, '>', "$dir/$f") or die;
	print $fh $scripts{$f}, "\n";
	close $fh;
}

my ($out, $err) = ('', '');
my $pgbench_ok = IPC::Run::run([
	$node->installed_command('pgbench'), '-n', '-c', '8', '-j', '8', '-T', $seconds,
	'-f', "$dir/train.sql\@1", '-f', "$dir/score.sql\@3", '-f', "$dir/insert.sql\@10",
	'-f', "$dir/catalog.sql\@3",
	'-h', $node->host, '-p', $node->port, 'postgres'], '>', \$out, '2>', \$err);
note($out);
note($err);
ok($pgbench_ok, 'pgbench exited 0 (no client aborted on an error)');
like($out, qr/number of failed transactions: 0/, 'no pgbench transaction failed');
unlike($err, qr/aborted|ERROR/, 'no client error');

my %n;
while ($out =~ /SQL script \d+: \S*\/(\w+)\.sql\n(?:.*\n)*?\s*- (\d+) transactions/g)
{
	$n{$1} = $2;
}
diag(sprintf("soak %d s, 8 clients: %s", $seconds,
		join(', ', map { "$_ $n{$_}" } sort keys %n)));
ok(($n{insert} // 0) > 0 && ($n{train} // 0) > 0 && ($n{score} // 0) > 0,
	'every kind of work ran');

# pgbench -T does not count the transactions still running when the time
# is up, though they commit: at most one per client more than counted.
my $live = $node->safe_psql('postgres', 'SELECT count(*) FROM live WHERE t > 10');
ok($live >= ($n{insert} // 1e9) && $live <= ($n{insert} // -1) + 8,
	"every insert pgbench counted is in the table ($live rows, $n{insert} counted)");
is($node->safe_psql('postgres', 'SELECT count(*), count(DISTINCT t) FROM live_anomalies'),
	"$live|$live", 'each inserted row was flagged exactly once (threshold 0)');
my $versions = $node->safe_psql('postgres',
	q{SELECT count(*) FROM mimgan.model WHERE name LIKE 'soak\_%'});
ok($versions >= ($n{train} // 1e9) && $versions <= ($n{train} // -1) + 8,
	"every counted training made a model version ($versions versions, $n{train} counted)");
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM (SELECT name FROM mimgan.model WHERE name LIKE 'soak\_%'
		  GROUP BY name HAVING max(version) <> count(*) OR min(version) <> 1) g}),
	'0', 'versions of each model are 1..n without gaps or duplicates');
my $mem = $node->safe_psql('postgres', 'SELECT max(bytes) FROM mem_peak');
diag("largest backend memory contexts after a scoring: $mem bytes");
cmp_ok($mem, '<', 64 * 1024 * 1024, 'backend memory after scoring stays under 64 MB');

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC|deadlock detected/, 'no crash, no deadlock');
$node->stop('fast');
done_testing();
