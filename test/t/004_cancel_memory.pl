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
# session, after calling $during (if given) while it runs; returns the
# seconds from the cancel request until the backend is idle again.
sub cancel_running
{
	my ($bg, $like, $sql, $what, $during) = @_;
	$bg->query_until(qr/started/, "\\echo started\n$sql\n");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '$like%'")
	  or die "$what did not start";
	sleep 2;    # well into the work
	$during->() if $during;
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

# mimgan.threads = 2: training runs on a worker thread besides the main
# one, the worker blocks every signal, the cancel request reaches the main
# thread between steps, and the worker is joined when the statement ends
{
	my $pid = $bg->query('SELECT pg_backend_pid()');
	$bg->query('SET mimgan.threads = 2');
	my $long2 = q{SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'long_m2', '{"epochs":100000,"hidden_g":64,"hidden_d":64,"batch_size":256,"latent_dim":8,"seed":1}');};
	my $tasks = sub { my @t = glob("/proc/$pid/task/*"); return scalar(@t); };
	my $during = sub {
		my @tids = map { m{/(\d+)$} ? $1 : () } glob("/proc/$pid/task/*");
		is(scalar(@tids), 2, 'training on mimgan.threads = 2 runs one worker thread');
		my $masks_ok = 1;
		for my $tid (grep { $_ != $pid } @tids)
		{
			my $st = slurp_file("/proc/$pid/task/$tid/status");
			my ($blk) = $st =~ /^SigBlk:\s*([0-9a-f]+)/m;
			my $m = hex(substr($blk, -8));
			# SIGINT 2, SIGQUIT 3, SIGUSR1 10, SIGUSR2 12, SIGALRM 14, SIGTERM 15
			$masks_ok &&= ($m & (1 << 1)) && ($m & (1 << 2)) && ($m & (1 << 9)) &&
			  ($m & (1 << 11)) && ($m & (1 << 13)) && ($m & (1 << 14));
		}
		ok($masks_ok, 'the worker blocks the signals a backend handles');
	};
	my $lat = cancel_running($bg, 'SELECT mimgan_train(', $long2, 'training on 2 threads', $during);
	diag(sprintf("cancel latency during mimgan_train on 2 threads: %.2f s (batch 256)", $lat));
	is($bg->query('SELECT 40 + 2'), '42', 'the session works after the cancelled training on 2 threads');
	like($bg->{stderr}, qr/canceling statement due to user request/,
		'training on 2 threads is cancelled by pg_cancel_backend (57014)');
	$bg->{stderr} = '';
	my $n = $tasks->();
	for (1 .. 200)
	{
		last if $n == 1;
		select(undef, undef, undef, 0.01);
		$n = $tasks->();
	}
	is($n, 1, 'the worker is joined after the cancelled training');
	is($bg->query("SELECT count(*) FROM mimgan.model WHERE name = 'long_m2'"), '0',
		'no model version of the cancelled training on 2 threads');
	$bg->query('RESET mimgan.threads');
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
