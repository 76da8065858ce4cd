# Crashes.  (1) SIGKILL of a backend in the middle of mimgan_train: the
# server goes through crash recovery, no partial model or training log of
# the killed training exists, and a model committed before is intact
# (byte-identical blob, same scores).  (2) An immediate shutdown (as a
# power loss) in the middle of a stream of single-row inserts into a table
# with the mimgan_flag trigger: after restart every insert the client saw
# commit is there, and the anomaly table holds exactly one row per
# committed insert (threshold 0 flags every scored row).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use MimganTest;

my $node = metrics_node('crash');
# the test framework turns automatic restart off; a production server has it on
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->reload;
$node->safe_psql('postgres', q{
SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 20, 't', NULL, 'kept_m',
  '{"epochs":1,"hidden_g":8,"hidden_d":8,"batch_size":16,"latent_dim":3,"seed":1,
    "threshold_windows":16}');
});
my $blob_before = $node->safe_psql('postgres', q{SELECT md5(mimgan_export('kept_m'))});
my $score_sql = q{SELECT round(sum(score)::numeric, 9) FROM mimgan_score('kept_m', NULL::metrics, '{"step": 20}')};
my $score_before = $node->safe_psql('postgres', $score_sql);

# (1) kill -9 a training backend
my $bg = $node->background_psql('postgres', on_error_stop => 0);
$bg->query_until(qr/started/, qq{\\echo started
SELECT mimgan_train('metrics', ARRAY['a','b','c','d'], 30, 't', NULL, 'killed_m', '{"epochs":100000,"hidden_g":64,"hidden_d":64,"batch_size":16,"latent_dim":8,"seed":1}');
});
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT mimgan_train(%'")
  or die 'training did not start';
sleep 2;
my $pid = $node->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT mimgan_train(%'");
ok(kill('KILL', $pid), "SIGKILL sent to the training backend $pid");
eval { $bg->quit; };    # its connection is gone

# the postmaster reinitialises after a backend crash; wait for it
$node->poll_query_until('postgres', 'SELECT 1', '1')
  or die 'the server did not come back';
my $log = slurp_file($node->logfile);
like($log, qr/terminated by signal 9/, 'the postmaster saw the backend die');
like($log, qr/all server processes terminated; reinitializing/,
	'the server went through crash recovery');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mimgan.model WHERE name = 'killed_m'}),
	'0', 'no partial model of the killed training');
is($node->safe_psql('postgres', q{SELECT count(*) FROM mimgan.training_log WHERE name = 'killed_m'}),
	'0', 'no training log of the killed training');
is($node->safe_psql('postgres', q{SELECT md5(mimgan_export('kept_m'))}), $blob_before,
	'the model committed before is byte-identical');
is($node->safe_psql('postgres', $score_sql), $score_before,
	'and scores identically');

# (2) immediate shutdown during a trigger-driven insert stream
$node->safe_psql('postgres', q{
SELECT mimgan_train('metrics', ARRAY['a','b'], 5, 't', NULL, 'flag_m',
  '{"epochs":1,"hidden_g":4,"hidden_d":4,"batch_size":8,"latent_dim":2,"seed":1,"threshold":0,
    "threshold_windows":8}');
CREATE TABLE live (t int, a float8, b float8);
INSERT INTO live SELECT t, a, b FROM metrics WHERE t <= 10;
CREATE TABLE live_anomalies (LIKE live, score float8, flagged_at timestamptz DEFAULT now());
CREATE TRIGGER flag AFTER INSERT ON live REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('flag_m', 'live_anomalies');
});
my $stream = $node->background_psql('postgres', on_error_stop => 0);
# each INSERT is its own transaction; the client echoes after each commit
my $acked = 0;
for my $i (11 .. 400)
{
	my $out = eval {
		$stream->query(qq{INSERT INTO live VALUES ($i, sin($i / 7.0), cos($i / 11.0)); SELECT 'ack:$i'});
	};
	last unless defined $out && $out =~ /ack:$i/;
	$acked = $i;
	if ($i == 200)
	{
		# the server stops hard while the stream goes on
		$node->stop('immediate');
	}
}
eval { $stream->quit; };
is($acked, 200, 'every insert through the trigger was acknowledged until the server stopped');
$node->start;
my $rows = $node->safe_psql('postgres', 'SELECT count(*), max(t) FROM live WHERE t > 10');
my ($n, $max) = split /\|/, $rows;
is($max, $acked, 'the last acknowledged insert survived the crash');
is($n, $acked - 10, 'every acknowledged insert is there, none twice');
is($node->safe_psql('postgres', 'SELECT count(*), count(DISTINCT t) FROM live_anomalies'),
	($acked - 10) . '|' . ($acked - 10),
	'the anomaly table has exactly one row per committed insert (threshold 0)');

$log = slurp_file($node->logfile);
unlike($log, qr/PANIC/, 'no PANIC');
$node->stop('fast');
done_testing();
