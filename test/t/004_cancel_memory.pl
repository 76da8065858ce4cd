# pg_cancel_backend during a long mimgan_train and during a long bulk
# mimgan_score: each stops with SQLSTATE 57014, leaves no model version and
# no training log row, and the same session keeps working.  The time from
# the cancel request to the end of the statement is measured and printed
# (no assertion on it: tests do not assert on wall-clock time; a statement
# deaf to the cancel fails the poll's timeout instead).
# Then a long scoring loop in one backend: after a warm-up, 100 calls of
# mimgan_score must not grow the backend's memory contexts.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use MimganTest;

my $node = metrics_node('cancel');
$node->safe_psql('postgres', q{
SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 20, 't', NULL, 'small_m',
  '{"epochs":1,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":1,
    "threshold_windows":16}');
});

# Cancel the statement running in $bg (started with $sql) from another
# session; returns the seconds from the cancel request until the backend
# is idle again.
sub cancel_running
{
	my ($bg, $like, $sql, $what) = @_;
	$bg->query_until(qr/started/, "\\echo started\n$sql\n");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '$like%'")
	  or die "$what did not start";
	sleep 2;    # well into the work
	my $t0 = time();
	$node->safe_psql('postgres',
		"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '$like%'");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 0 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '$like%'")
	  or die "$what ignored the cancel request";
	return time() - $t0;
}

my $bg = $node->background_psql('postgres', on_error_stop => 0);

# training: days of work without the cancel
my $long = q{SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'long_m', '{"epochs":100000,"hidden_g":64,"hidden_d":64,"batch_size":16,"latent_dim":8,"seed":1}');};
my $lat_train = cancel_running($bg, 'SELECT mimgan_train(', $long, 'training');
diag(sprintf("cancel latency during mimgan_train: %.2f s (batch 16, hidden 64)", $lat_train));
# the next query pumps psql's output: the error arrives first, on stderr
is($bg->query('SELECT 40 + 2'), '42', 'the session works after the cancelled training');
like($bg->{stderr}, qr/canceling statement due to user request/,
	'training is cancelled by pg_cancel_backend (57014)');
$bg->{stderr} = '';
is($bg->query("SELECT count(*) FROM mimgan.model WHERE name = 'long_m'"), '0',
	'no model version of the cancelled training');
is($bg->query("SELECT count(*) FROM mimgan.training_log WHERE name = 'long_m'"), '0',
	'no training log rows of the cancelled training');

# bulk scoring: the paper's latent search with very many steps per window
my $score = q{SELECT count(*) FROM mimgan_score('small_m', NULL::metrics, '{"encoder": false, "invert_iters": 100000, "invert_tol": 0}');};
my $lat_score = cancel_running($bg, 'SELECT count(*) FROM mimgan_score(', $score, 'scoring');
diag(sprintf("cancel latency during mimgan_score: %.2f s (batch of 512 windows)", $lat_score));
is($bg->query("SELECT count(*) FROM mimgan_score('small_m', NULL::metrics, '{\"step\": 20}')"),
	'4000', 'the session scores again after the cancelled scoring');
like($bg->{stderr}, qr/canceling statement due to user request/,
	'bulk scoring is cancelled by pg_cancel_backend (57014)');
$bg->{stderr} = '';

# statement_timeout during the same bulk scoring: 57014, and scoring works
# again afterwards
{
	my ($ret, $out, $err) = $node->psql('postgres',
		"SET statement_timeout = '1s'; $score",
		timeout => 120);
	like($err, qr/canceling statement due to statement timeout/,
		'bulk scoring is stopped by statement_timeout (57014)');
	is($node->safe_psql('postgres', q{SET statement_timeout = '1s'; SELECT count(*) FROM mimgan_score('small_m', NULL::metrics, '{"step": 20}')}),
		'4000', 'a new session scores normally after the timed-out scoring');
}

# memory: a long scoring loop in one backend does not grow its contexts
my $mem_sql = q{SELECT sum(total_bytes) FROM pg_backend_memory_contexts};
$bg->query(q{SELECT count(*) FROM mimgan_score('small_m', NULL::metrics, '{"step": 20}')});
my $before = $bg->query($mem_sql);
$bg->query(q{DO $$ BEGIN FOR i IN 1..100 LOOP PERFORM count(*) FROM mimgan_score('small_m', NULL::metrics, '{"step": 20}'); END LOOP; END $$});
my $after = $bg->query($mem_sql);
diag("backend memory contexts: $before bytes before, $after bytes after 100 scorings of 4000 rows");
cmp_ok($after - $before, '<', 1024 * 1024,
	'100 scorings grow the backend memory by less than 1 MB');
$bg->quit;

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated|PANIC/,
	'no backend crashed');
$node->stop('fast');
done_testing();
