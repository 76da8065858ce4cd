# statement_timeout during a long mimgan_train: the training stops with
# ERROR 57014 soon after the timeout, leaves no model row and no training
# log behind, and the same session keeps working afterwards (a query and a
# small training succeed in it).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use MimganTest;

my $node = metrics_node('timeout');

# Without a timeout this would run for hours: many epochs of a wide net.
my $long_opts = '{"epochs":100000,"hidden_g":64,"hidden_d":64,"batch_size":16,'
  . '"latent_dim":8,"seed":1}';
my $tiny_opts = '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,'
  . '"latent_dim":2,"invert_iters":5,"seed":1,"threshold_windows":8}';

# One psql session: the timed-out training, then more statements in the
# same session (no ON_ERROR_STOP, so psql carries on after the error).
my $script = qq{
\\set VERBOSITY verbose
SET statement_timeout = '3s';
SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'long_m', '$long_opts');
RESET statement_timeout;
SELECT 'after:' || 42;
SELECT 'models:' || count(*) FROM mimgan.model;
SELECT 'log:' || count(*) FROM mimgan.training_log;
SELECT 'small:' || mimgan_train('metrics', ARRAY['a','b'], 5, 't', NULL, 'small_m', '$tiny_opts');
SELECT 'pid:' || pg_backend_pid();
};

# If the timeout were ignored, training would run for hours: give up on
# the client after 180 s (and fail) instead of hanging the suite.
my $timed_out = 0;
my $t0 = time();
my ($ret, $stdout, $stderr) = $node->psql('postgres', $script,
	on_error_stop => 0, timeout => 180, timed_out => \$timed_out);
my $elapsed = time() - $t0;
$stdout //= '';
$stderr //= '';
note("psql returned " . ($ret // 'undef') . " after ${elapsed}s\nstdout:\n$stdout\nstderr:\n$stderr");
ok(!$timed_out, 'the psql session finished (training did not ignore the timeout)');

like($stderr, qr/ERROR:\s+57014: canceling statement due to statement timeout/,
	'training is cancelled by statement_timeout with SQLSTATE 57014');
cmp_ok($elapsed, '<', 60, 'the cancellation takes effect promptly (between mini-batches)');
unlike($stdout, qr/long_m/, 'the timed-out training returned no model name');
like($stdout, qr/^after:42$/m, 'the same session runs a query after the timeout');
like($stdout, qr/^models:0$/m, 'no model row exists after the timeout (seen in the same session)');
like($stdout, qr/^log:0$/m, 'no training log row exists after the timeout');
like($stdout, qr/^small:small_m$/m, 'the same session can train again afterwards');
my ($pid) = $stdout =~ /^pid:(\d+)$/m;
ok(defined $pid, 'the session survived to the end (no backend crash)');

# From a fresh session too: nothing of long_m, exactly one small_m.
is($node->safe_psql('postgres',
		"SELECT count(*) FROM mimgan.model WHERE name = 'long_m'"),
	'0', 'no long_m row is visible from another session');
is($node->safe_psql('postgres',
		"SELECT string_agg(name || '\@' || version, ',') FROM mimgan.model"),
	'small_m@1', 'only small_m@1 is in the catalog');

# The server did not restart (a crash would reset all sessions).
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated|PANIC/,
	'no backend crashed');

# fast shutdown waits for backends; a training deaf to interrupts would hang it
$node->stop($timed_out ? 'immediate' : 'fast');
done_testing();
