# Progress of running trainings seen from another session.
#
# Session 1 trains a model sized to run a few seconds; session 2 polls
# mimgan_progress() and must see the epoch increase, a non-negative
# estimate of the time left, and the row gone once the training is over.
# A cancelled and a terminated training leave no row and no file; a stale
# file of a dead backend is ignored and removed; a role without privileges
# does not see another role's training, a member of pg_read_all_stats does.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);
use MimganTest;

my $node = metrics_node('progress');
my $tmpdir = $node->data_dir . '/pg_stat_tmp';
$node->safe_psql('postgres', q{
CREATE ROLE alice LOGIN;
CREATE ROLE bob LOGIN;
CREATE ROLE carol LOGIN IN ROLE pg_read_all_stats;
GRANT SELECT ON metrics TO alice, bob, carol;
});

# progress files in pg_stat_tmp
sub progress_files
{
	opendir(my $dh, $tmpdir) or die "cannot open $tmpdir: $!";
	my @f = grep { /^mimgan_progress\./ } readdir($dh);
	closedir($dh);
	return @f;
}

my $opts = '"hidden_g":16,"hidden_d":16,"batch_size":32,"latent_dim":4,'
  . '"seed":3,"step":8,"threshold_windows":100';

# calibration: the seconds of one epoch on this machine
my $t0 = time();
$node->safe_psql('postgres', qq{
SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'calib',
  '{"epochs":2,$opts}');
});
my $t_two = time() - $t0;
$t0 = time();
$node->safe_psql('postgres', qq{
SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'calib',
  '{"epochs":1,$opts}');
});
my $per_epoch = $t_two - (time() - $t0);
$per_epoch = 0.05 if $per_epoch < 0.05;
my $epochs = int(4 / $per_epoch);
$epochs = 4 if $epochs < 4;
$epochs = 200 if $epochs > 200;
diag(sprintf("about %.2f s per epoch: training %d epochs", $per_epoch, $epochs));

my $train = $node->background_psql('postgres', on_error_stop => 0);
my $poll = $node->background_psql('postgres', on_error_stop => 0);
my $active = q{SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT mimgan_train(%'};

# start $sql in $bg and wait until it is in pg_stat_activity
sub start_training
{
	my ($bg, $sql) = @_;
	$bg->query_until(qr/started/, "\\echo started\n$sql\n");
	$node->poll_query_until('postgres', "SELECT ($active) = 1")
	  or die "training did not start";
}

# --- a complete training, watched -----------------------------------------
$train->query_safe('SET log_min_messages = debug1');
start_training($train, qq{SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'prog_m', '{"epochs":$epochs,$opts}');});
my (@epochs_seen, @remaining, %phases, $row);
my $deadline = time() + 300;
while (time() < $deadline)
{
	my $r = $poll->query(q{SELECT phase || '|' || epoch || '|' || epochs || '|' || coalesce(remaining_seconds::text, '') || '|' || windows_seen || '|' || windows_total || '|' || usename || '|' || model FROM mimgan_progress WHERE model = 'prog_m'});
	if ($r ne '')
	{
		my ($phase, $epoch, $total, $rem, $seen, $wtotal, $user, $model) = split /\|/, $r;
		$phases{$phase}++;
		$row = $r;
		if ($phase eq 'training')
		{
			push @epochs_seen, $epoch;
			push @remaining, $rem if $rem ne '';
			is($total, $epochs, 'epochs total') if @epochs_seen == 1;
			is($user, 'postgres', 'role of the training') if @epochs_seen == 1;
		}
	}
	last if $poll->query($active) eq '0';
	usleep(50_000);
}
is($train->query('SELECT 1'), "prog_m\n1", 'the watched training returned');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mimgan_models WHERE name = 'prog_m'}),
	'1', 'the watched training saved its model');
ok($phases{training}, 'phase training seen (' . join(', ', sort keys %phases) . ')');
my ($min, $max) = (sort { $a <=> $b } @epochs_seen)[0, -1];
ok(@epochs_seen >= 2 && $max > $min, "epoch increases while training ($min to $max)");
my $monotone = 1;
for my $i (1 .. $#epochs_seen)
{
	$monotone = 0 if $epochs_seen[$i] < $epochs_seen[$i - 1];
}
ok($monotone, 'epoch never goes back');
ok(@remaining > 0, 'an estimate of the time left is shown');
is(scalar(grep { $_ < 0 } @remaining), 0, 'the estimate of the time left is never negative');
diag('first estimates of the time left: ' . join(' ', map { sprintf('%.1f', $_) } @remaining[0 .. ($#remaining < 4 ? $#remaining : 4)]));
is($poll->query('SELECT count(*) FROM mimgan_progress'), '0', 'the row is gone after training');
is(scalar(progress_files()), 0, 'no progress file after training');
my $log = slurp_file($node->logfile);
if ($log =~ /mimgan progress: (\d+) writes, (\d+) us/)
{
	diag(sprintf("progress writes: %d in %d epochs, %.1f us each, %.3f ms per epoch",
			$1, $epochs, $2 / ($1 || 1), $2 / 1000 / $epochs));
}

# every epoch of the watched training is in the log, with its time
is($node->safe_psql('postgres', q{
SELECT count(*) = max(epoch) AND min(epoch) = 1 AND bool_and(seconds > 0)
   AND bool_and(loss_d IS NOT NULL AND loss_g IS NOT NULL AND loss_rec IS NOT NULL)
FROM mimgan_training_log WHERE name = 'prog_m'}), 't', 'the training log has every epoch with losses and seconds');

# --- a cancelled training ---------------------------------------------------
my $long = q{SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'long_m', '{"epochs":100000,"hidden_g":32,"hidden_d":32,"batch_size":32,"latent_dim":4,"seed":1}');};
start_training($train, $long);
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM mimgan_progress WHERE phase = 'training'})
  or die 'no progress row for the long training';
$node->safe_psql('postgres', qq{SELECT pg_cancel_backend(pid) FROM mimgan_progress WHERE model = 'long_m'});
$node->poll_query_until('postgres', "SELECT ($active) = 0") or die 'cancel ignored';
is($train->query('SELECT 2'), '2', 'session alive after the cancel');
like($train->{stderr}, qr/canceling statement/, 'the training was cancelled');
$train->{stderr} = '';
is($poll->query('SELECT count(*) FROM mimgan_progress'), '0', 'no row after a cancel');
is(scalar(progress_files()), 0, 'no progress file after a cancel');

# --- a training in a transaction that fails later --------------------------
$train->query(qq{BEGIN; SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'tx_m', '{"epochs":1,$opts}'); SELECT 1/0; ROLLBACK;});
is(scalar(progress_files()), 0, 'no progress file after a failed transaction');
$train->{stderr} = '';

# --- privileges -------------------------------------------------------------
my $alice = $node->background_psql('postgres', on_error_stop => 0,
	extra_params => [ '-U', 'alice' ]);
start_training($alice, $long =~ s/long_m/alice_m/r);
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM mimgan_progress WHERE phase = 'training'})
  or die 'no progress row for alice';
is($node->safe_psql('postgres', 'SELECT count(*) FROM mimgan_progress', extra_params => [ '-U', 'bob' ]),
	'0', 'bob does not see alice\'s training');
is($node->safe_psql('postgres', 'SELECT model FROM mimgan_progress()', extra_params => [ '-U', 'alice' ]),
	'alice_m', 'alice sees her own training from another session');
is($node->safe_psql('postgres', 'SELECT usename FROM mimgan_progress', extra_params => [ '-U', 'carol' ]),
	'alice', 'a member of pg_read_all_stats sees it');
is($node->safe_psql('postgres', 'SELECT count(*) FROM mimgan_progress'),
	'1', 'a superuser sees it');

# terminated (FATAL): the file goes with the backend
$node->safe_psql('postgres', q{SELECT pg_terminate_backend(pid) FROM mimgan_progress WHERE model = 'alice_m'});
$node->poll_query_until('postgres', "SELECT ($active) = 0") or die 'terminate ignored';
$node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity WHERE usename = 'alice'})
  or die 'alice still connected';
is(scalar(progress_files()), 0, 'no progress file after pg_terminate_backend');
eval { $alice->quit };

# --- a stale file of a dead backend ----------------------------------------
open(my $fh, '>', "$tmpdir/mimgan_progress.999999.12345") or die;
print $fh 'x' x 300;
close($fh);
is($poll->query('SELECT count(*) FROM mimgan_progress'), '0', 'a stale file shows no row');
is(scalar(progress_files()), 0, 'the stale file is removed');
# a live pid, but another backend start time: a reused pid
my $pid = $poll->query('SELECT pg_backend_pid()');
open($fh, '>', "$tmpdir/mimgan_progress.$pid.12345") or die;
print $fh 'x' x 300;
close($fh);
is($poll->query('SELECT count(*) FROM mimgan_progress'), '0', 'a file of a reused pid shows no row');
is(scalar(progress_files()), 0, 'the file of a reused pid is removed');

$train->quit;
$poll->quit;
$log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|PANIC/, 'no backend crashed');
$node->stop('fast');
done_testing();
