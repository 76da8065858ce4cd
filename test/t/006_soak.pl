# Concurrent load: 8 pgbench clients for MIMGAN_SOAK_SECONDS (default 20 in
# make test; `make soak` runs 300), two of each kind: training of
# per-client models, bulk scoring, catalog reads and single-row inserts
# into a table with the mimgan_flag trigger.  No client may fail (pgbench
# exits non-zero when a client aborts on an error), every insert is in the
# table and flagged once (threshold 0), every training made exactly one
# version, and no backend crashed.
#
# Memory under load: after each transaction every client records its own
# backend's memory (pg_backend_memory_contexts shows only the calling
# backend in PostgreSQL 15) with its pid, kind and time in mem_log.  The
# largest figure of any backend must stay under mimgan.max_train_memory
# (read from the server; the node runs with 64MB so that the bound means
# something) plus a baseline allowance of 16 MB for what every backend
# holds whatever it does (catalog, relation and plan caches, the
# pg_backend_memory_contexts query itself: about 1 to 3 MB measured).  For
# the scoring clients, the mean of the second half of the run must not
# exceed the mean of the first half by more than 256 kB.  Why 256 kB: a
# leak of L bytes per scoring raises that difference by about L * N / 2
# over N scorings, so with the ~300 scorings per backend of a 20 s run
# (fewer on a loaded machine; the figure is printed) any leak above a few
# kB per scoring fails, and one forgotten row buffer (4000 rows x 4 doubles
# = 125 kB) fails after a handful; while the caches warmed by the first
# transactions, which are the only legitimate growth, stay far below it
# (measured: under 1 kB).  Training also reports its own peak inside the
# call (training->'memory_kb', the budgeted allocator's high-water mark),
# which must stay within mimgan.max_train_memory.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MimganTest;
use IPC::Run;

my $seconds = $ENV{MIMGAN_SOAK_SECONDS} || 20;
my $baseline_allowance = 16 * 1024 * 1024;
my $growth_bound = 256 * 1024;

my $node = metrics_node('soak');
$node->append_conf('postgresql.conf', "mimgan.max_train_memory = '64MB'\n");
$node->reload;
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
CREATE TABLE mem_log (pid int, kind text, at timestamptz, bytes bigint);
});

# One script; pgbench's client_id (0..7) picks the kind, two clients each.
my $log = q{INSERT INTO mem_log SELECT pg_backend_pid(), '%s', clock_timestamp(), sum(total_bytes) FROM pg_backend_memory_contexts;};
my $script = join("\n",
	'\if :client_id < 2',
	q{SELECT mimgan_train('metrics', ARRAY['a','b'], 10, 't', NULL, 'soak_' || :client_id, '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":1,"threshold_windows":8,"max_train_windows":100}');},
	sprintf($log, 'train'),
	'\elif :client_id < 4',
	q{SELECT count(*) FROM mimgan_score('base_m', NULL::metrics, '{"step": 10}');},
	sprintf($log, 'score'),
	'\elif :client_id < 6',
	q{SELECT count(*) FROM mimgan_models;},
	q{SELECT count(*) FROM mimgan_training_log;},
	q{SELECT mimgan_info();},
	sprintf($log, 'catalog'),
	'\else',
	q{INSERT INTO live SELECT nextval('live_t'), random(), random();},
	sprintf($log, 'insert'),
	'\endif', '');
my $dir = PostgreSQL::Test::Utils::tempdir;
open(my $fh, '>', "$dir/soak.sql") or die;
print $fh $script;
close $fh;

my ($out, $err) = ('', '');
my $pgbench_ok = IPC::Run::run([
	$node->installed_command('pgbench'), '-n', '-c', '8', '-j', '8', '-T', $seconds,
	'-f', "$dir/soak.sql",
	'-h', $node->host, '-p', $node->port, 'postgres'], '>', \$out, '2>', \$err);
note($out);
note($err);
ok($pgbench_ok, 'pgbench exited 0 (no client aborted on an error)');
like($out, qr/number of failed transactions: 0/, 'no pgbench transaction failed');
unlike($err, qr/aborted|ERROR/, 'no client error');

# transactions per kind, from the log (each one logs once, at its end)
my %n = map { split /\|/ } split /\n/, $node->safe_psql('postgres',
	'SELECT kind, count(*) FROM mem_log GROUP BY kind');
diag(sprintf("soak %d s, 8 clients: %s", $seconds,
		join(', ', map { "$_ $n{$_}" } sort keys %n)));
ok(($n{insert} // 0) > 0 && ($n{train} // 0) > 0 && ($n{score} // 0) > 0
	  && ($n{catalog} // 0) > 0, 'every kind of work ran');

# A client stopped at the deadline may have committed its work but not
# its log row: at most one per insert or train client more than logged.
my $live = $node->safe_psql('postgres', 'SELECT count(*) FROM live WHERE t > 10');
ok($live >= ($n{insert} // 1e9) && $live <= ($n{insert} // -1) + 2,
	"every logged insert is in the table ($live rows, $n{insert} logged)");
is($node->safe_psql('postgres', 'SELECT count(*), count(DISTINCT t) FROM live_anomalies'),
	"$live|$live", 'each inserted row was flagged exactly once (threshold 0)');
my $versions = $node->safe_psql('postgres',
	q{SELECT count(*) FROM mimgan.model WHERE name LIKE 'soak\_%'});
ok($versions >= ($n{train} // 1e9) && $versions <= ($n{train} // -1) + 2,
	"every logged training made a model version ($versions versions, $n{train} logged)");
is($node->safe_psql('postgres',
		q{SELECT count(*) FROM (SELECT name FROM mimgan.model WHERE name LIKE 'soak\_%'
		  GROUP BY name HAVING max(version) <> count(*) OR min(version) <> 1) g}),
	'0', 'versions of each model are 1..n without gaps or duplicates');

# memory: every backend under the training budget plus the baseline
my $budget = $node->safe_psql('postgres',
	q{SELECT pg_size_bytes(current_setting('mimgan.max_train_memory'))});
is($budget, 64 * 1024 * 1024, 'the node runs with mimgan.max_train_memory = 64MB');
is($node->safe_psql('postgres',
		'SELECT count(DISTINCT pid), count(DISTINCT kind) FROM mem_log'),
	'8|4', 'eight backends of four kinds logged their memory');
my $stats = $node->safe_psql('postgres', q{
WITH b AS (
    SELECT kind, pid, bytes,
           at < min(at) OVER () + (max(at) OVER () - min(at) OVER ()) / 2 AS first_half
    FROM mem_log)
SELECT kind, max(bytes), round(avg(bytes) FILTER (WHERE first_half)),
       round(avg(bytes) FILTER (WHERE NOT first_half)), count(*)
FROM b GROUP BY kind ORDER BY kind});
my $max_all = 0;
for my $line (split /\n/, $stats)
{
	my ($kind, $max, $m1, $m2, $cnt) = split /\|/, $line;
	$max_all = $max if $max > $max_all;
	diag(sprintf("memory %-7s %5d transactions: max %.2f MB, mean first half %.2f MB, second half %.2f MB",
			$kind, $cnt, $max / 1048576, ($m1 || 0) / 1048576, ($m2 || 0) / 1048576));
}
# the training work space inside each training, as the budgeted allocator
# measured it (training->'memory_kb', the peak of rows read + work space)
my $train_kb = $node->safe_psql('postgres',
	q{SELECT max((training ->> 'memory_kb')::bigint) FROM mimgan.model WHERE name LIKE 'soak\_%'});
diag(sprintf("memory train    peak inside mimgan_train (training->'memory_kb'): %.2f MB", $train_kb / 1024));
cmp_ok($train_kb * 1024, '<=', $budget, 'every training stayed within mimgan.max_train_memory');
cmp_ok($max_all, '<', $budget + $baseline_allowance,
	sprintf('largest backend memory %.2f MB < mimgan.max_train_memory %d MB + %d MB baseline',
		$max_all / 1048576, $budget / 1048576, $baseline_allowance / 1048576));

# scoring backends: second half against first half, per backend
my $growth = $node->safe_psql('postgres', q{
WITH b AS (
    SELECT pid, bytes,
           at < min(at) OVER () + (max(at) OVER () - min(at) OVER ()) / 2 AS first_half
    FROM mem_log WHERE kind = 'score')
SELECT pid, round(avg(bytes) FILTER (WHERE NOT first_half) - avg(bytes) FILTER (WHERE first_half)),
       count(*) FILTER (WHERE first_half), count(*) FILTER (WHERE NOT first_half)
FROM b GROUP BY pid ORDER BY pid});
my @growth = map { [ split /\|/ ] } split /\n/, $growth;
is(scalar(@growth), 2, 'two scoring backends');
for my $g (@growth)
{
	my ($pid, $delta, $c1, $c2) = @$g;
	diag(sprintf("scoring backend %d: second-half mean - first-half mean = %+.1f kB (%d and %d transactions; a leak above %.1f kB per scoring would fail)",
			$pid, ($delta // 0) / 1024, $c1, $c2,
			($c1 + $c2) > 0 ? 2 * $growth_bound / ($c1 + $c2) / 1024 : 0));
	ok(defined $delta && $delta ne '' && $c1 > 0 && $c2 > 0
		  && $delta < $growth_bound,
		"scoring backend $pid: memory grows by less than 256 kB from the first half to the second");
}

my $logfile = slurp_file($node->logfile);
unlike($logfile, qr/terminated by signal|PANIC|deadlock detected/, 'no crash, no deadlock');
$node->stop('fast');
done_testing();
