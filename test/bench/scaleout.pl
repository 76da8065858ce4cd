# test/bench/scaleout.pl: what `make bench-scaleout` runs (through
# test/bench/scaleout.sh, never part of make test).
#
# Scores the same data on one node and on two PL/Proxy shards (loopback,
# this machine's cores shared) and prints rows/s of each and the bytes that
# reach the coordinator: the shard results vs the raw rows a coordinator
# would otherwise pull.  The recipes are doc/scale-out/*.sql, as tested by
# test/t/010_scaleout.pl.
#
# Environment: MIMGAN_SCALEOUT_SERIES (default 8), MIMGAN_SCALEOUT_ROWS
# (rows per series, default 20000), MIMGAN_SCALEOUT_REPEAT (default 3).
use strict;
use warnings;
use Time::HiRes qw(time);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $docdir = $ENV{MIMGAN_SCALEOUT_DOC} or die "MIMGAN_SCALEOUT_DOC not set";
my $nser = $ENV{MIMGAN_SCALEOUT_SERIES} // 8;
my $nrows = $ENV{MIMGAN_SCALEOUT_ROWS} // 20000;
my $repeat = $ENV{MIMGAN_SCALEOUT_REPEAT} // 3;
my $m = 8;

my $cols = join(', ', map { "c$_ float8" } 1 .. $m);
my $vals = join(', ', map { "sin(i / (5.0 + $_) + k) + 0.1 * cos(i / 3.0 * k)" } 1 .. $m);
my $data = qq{
CREATE TABLE metrics (t int, host text, $cols);
INSERT INTO metrics
SELECT i, 'host-' || k, $vals
FROM generate_series(1, $nrows) i, generate_series(1, $nser) k;
ANALYZE metrics;
};
my $colarr = 'ARRAY[' . join(',', map { "'c$_'" } 1 .. $m) . ']';

# figures go to the terminal (Test::More's output), not only to the log
sub out
{
	my $fmt = shift;
	my $fh = Test::More->builder->output;
	print $fh sprintf($fmt, @_);
}

sub node
{
	my ($name, %a) = @_;
	my $n = PostgreSQL::Test::Cluster->new($name);
	$n->init(%a);
	$n->append_conf('postgresql.conf', "log_min_messages = warning\nmax_worker_processes = 8\n");
	$n->start;
	return $n;
}
my $coord = node('bench_coord');
my @shard = (node('bench_shard0'), node('bench_shard1'));
$coord->safe_psql('postgres', "CREATE EXTENSION mimgan; $data");
for my $p (0, 1)
{
	$shard[$p]->safe_psql('postgres', "CREATE EXTENSION mimgan; $data DELETE FROM metrics WHERE (hashtext(host) & 1) <> $p; VACUUM ANALYZE metrics;");
	$shard[$p]->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $shard[$p]->connstr('postgres'),
		'-f', "$docdir/shard.sql" ], "shard.sql on shard $p");
}
my @conn = map { 'host=' . $_->host . ' port=' . $_->port . ' dbname=postgres' } @shard;
$coord->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $coord->connstr('postgres'),
	'-v', "shard0=$conn[0]", '-v', "shard1=$conn[1]", '-f', "$docdir/coordinator.sql" ], 'coordinator.sql');
my @held = map { $_->safe_psql('postgres', 'SELECT count(*) || \' rows, \' || count(DISTINCT host) || \' series\' FROM metrics') } @shard;

# one model of the fleet (series_by host), trained on the coordinator and
# distributed to the shards
$coord->safe_psql('postgres', qq{
SELECT mimgan_train('metrics', $colarr, 30, 't', 'host', 'fleet',
                    '{"epochs": 2, "max_train_windows": 4000, "seed": 1}')});
my $dist = $coord->safe_psql('postgres', q{SELECT string_agg(r, ', ' ORDER BY r) FROM mimgan_distribute('fleet') r});

my $single_q = q{
SELECT string_agg(format('%s:%s:%s:%s', h, n, f, mx), ',' ORDER BY h)
FROM (SELECT (s.r).host AS h, count(*) AS n, count(*) FILTER (WHERE s.is_anomaly) AS f, max(s.score) AS mx
      FROM mimgan_score('fleet', NULL::metrics) s GROUP BY 1) q};
my $shard_q = q{
SELECT string_agg(format('%s:%s:%s:%s', series, rows, flagged, max_score), ',' ORDER BY series)
FROM mimgan_px_report('metrics', 'host', 'fleet', false)};

sub best_of
{
	my ($q) = @_;
	my ($best, $out);
	for (1 .. $repeat)
	{
		my $t0 = time;
		$out = $coord->safe_psql('postgres', $q);
		my $dt = time - $t0;
		$best = $dt if !defined $best || $dt < $best;
	}
	return ($best, $out);
}
$coord->safe_psql('postgres', $single_q);	# warm caches
my ($t1, $r1) = best_of($single_q);
my ($t2, $r2) = best_of($shard_q);
# the same rows and flags; max scores equal up to float32 rounding (the
# single node batches windows of several series together, which changes
# sgemm's rounding in the last bits)
{
	my %a = map { my @f = split /:/; ($f[0] => [@f]) } split /,/, $r1;
	my %b = map { my @f = split /:/; ($f[0] => [@f]) } split /,/, $r2;
	my $bad = 0;
	for my $k (keys %a)
	{
		my ($x, $y) = ($a{$k}, $b{$k});
		$bad++ unless $y && $x->[1] == $y->[1] && $x->[2] == $y->[2]
		  && abs($x->[3] - $y->[3]) <= 1e-6 * abs($x->[3]);
	}
	is($bad + abs(keys(%a) - keys(%b)), 0, 'two shards give the single-node report (max score within 1e-6)');
	out("   single node: %s\n   two shards:  %s\n", $r1, $r2);
}

my ($raw, $res, $nrow) = split /\|/, $coord->safe_psql('postgres', q{
SELECT (SELECT sum(pg_column_size(m.*)) FROM metrics m),
       (SELECT sum(pg_column_size(r.*)) FROM mimgan_px_report('metrics', 'host', 'fleet', false) r),
       (SELECT count(*) FROM metrics)});
my ($res_rows) = $coord->safe_psql('postgres', q{
SELECT sum(pg_column_size(s.*)) FROM mimgan_px_score('host-1', 'metrics', 'host', 'fleet', false) s});

my $cpus = `nproc`; chomp $cpus;
out("\n== scale-out: %d series x %d rows x %d columns (%d rows), seq_len 30, model 'fleet' (series_by host)\n",
	$nser, $nrows, $m, $nrow);
out("   machine: %s CPUs, loopback; shards hold %s and %s; distribution: %s\n", $cpus, @held, $dist);
out("   %-44s %10s %12s %8s\n", 'fleet report (rows scored, flagged, max)', 'seconds', 'rows/s', 'ratio');
out("   %-44s %10.2f %12.0f %8s\n", 'one node: mimgan_score, GROUP BY host', $t1, $nrow / $t1, '1.00');
out("   %-44s %10.2f %12.0f %8.2f\n", 'two shards: mimgan_px_report (RUN ON ALL)', $t2, $nrow / $t2, $t1 / $t2);
out("   bytes to the coordinator: report %d, vs the raw rows %d (%.0fx less)\n", $res, $raw, $raw / $res);
out("   per-row scores of one series (mimgan_px_score, %d rows): %d bytes, vs its raw rows %d\n",
	$nrows, $res_rows, $raw / $nser);
out("   best of %d runs each; rerun: make bench-scaleout\n", $repeat);

$_->stop for (@shard, $coord);
done_testing();
