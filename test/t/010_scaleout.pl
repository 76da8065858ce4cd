# Beyond one machine (doc/scale-out.md).
#
# 1. PL/Proxy: a coordinator and two shards on loopback, metrics sharded by
#    series (hashtext(series) & 1).  doc/scale-out/shard.sql and
#    coordinator.sql run as written.  Per-series models are trained and
#    scored on the shard holding the series, a RUN ON ALL report is merged
#    on the coordinator, mimgan_distribute() copies a model everywhere in
#    one call, and every result equals the single-node result (the
#    coordinator also holds all rows and trains the same models with the
#    same seeds: training is deterministic).
# 2. A streaming hot standby scores exactly as its primary (scoring is
#    read-only) and refuses training cleanly.
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tdir = dirname(__FILE__);
my $docdir = -d "$tdir/../doc/scale-out" ? "$tdir/../doc/scale-out" : "$tdir/../../doc/scale-out";
ok(-f "$docdir/shard.sql" && -f "$docdir/coordinator.sql", "recipes found in $docdir");

my $opts = '{"epochs":2,"hidden_g":6,"hidden_d":6,"batch_size":16,"latent_dim":3,"seed":5,"threshold_windows":64}';
my $series = q{ARRAY['web-1','web-2','web-3','db-1','app-1','app-2']};
my $data = qq{
CREATE TABLE metrics (t int, host text, cpu float8, mem float8, io float8);
INSERT INTO metrics
SELECT i, h, 50 + 20 * sin(i / 8.0 + k), 30 + 10 * cos(i / 11.0 + k),
       CASE WHEN i BETWEEN 200 AND 204 AND k = 2 THEN 900 ELSE 100 + 40 * sin(i / 5.0 + k) END
FROM generate_series(1, 300) i, unnest($series) WITH ORDINALITY s(h, k);
};

sub new_node
{
	my ($name, %args) = @_;
	my $n = PostgreSQL::Test::Cluster->new($name);
	$n->init(%args);
	$n->append_conf('postgresql.conf', "log_min_messages = warning\n");
	$n->start;
	return $n;
}

my $coord = new_node('coord', allows_streaming => 1);
my @shard = (new_node('shard0'), new_node('shard1'));

# data: everything on the coordinator (the single-node reference), each
# series on the shard hashtext picks
$coord->safe_psql('postgres', "CREATE EXTENSION mimgan; $data");
for my $p (0, 1)
{
	$shard[$p]->safe_psql('postgres', "CREATE EXTENSION mimgan; $data DELETE FROM metrics WHERE (hashtext(host) & 1) <> $p;");
	$shard[$p]->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $shard[$p]->connstr('postgres'),
		'-f', "$docdir/shard.sql" ], "shard.sql on shard $p");
}
# hashtext & 1: web-3 and app-2 on shard 0, the others on shard 1
my $n0 = $shard[0]->safe_psql('postgres', 'SELECT count(DISTINCT host) FROM metrics');
my $n1 = $shard[1]->safe_psql('postgres', 'SELECT count(DISTINCT host) FROM metrics');
is($n0 + $n1, 6, "the six series are split between the shards ($n0 + $n1)");
ok($n0 > 0 && $n1 > 0, 'both shards hold series');

my @conn = map { 'host=' . $_->host . ' port=' . $_->port . ' dbname=postgres' } @shard;
$coord->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $coord->connstr('postgres'),
	'-v', "shard0=$conn[0]", '-v', "shard1=$conn[1]", '-f', "$docdir/coordinator.sql" ],
	'coordinator.sql on the coordinator');

# per-series training where the series lives
my $trained = $coord->safe_psql('postgres', qq{
SELECT string_agg(h || '=' || mimgan_px_train(h, 'metrics', ARRAY['cpu','mem','io'], 8, 'host', 'm', '$opts'), ',' ORDER BY h)
FROM unnest($series) h});
is($trained, 'app-1=m.app-1@1,app-2=m.app-2@1,db-1=m.db-1@1,web-1=m.web-1@1,web-2=m.web-2@1,web-3=m.web-3@1',
	'six per-series models trained, each on its shard');
for my $p (0, 1)
{
	is($shard[$p]->safe_psql('postgres', q{
		SELECT count(*) FROM mimgan_models m
		WHERE NOT EXISTS (SELECT 1 FROM metrics x WHERE m.name = 'm.' || x.host)}),
		'0', "shard $p holds models only for its own series");
}

# the single-node reference: the same models trained on the coordinator
$coord->safe_psql('postgres', qq{
CREATE FUNCTION train_ref(h text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
    EXECUTE format('CREATE OR REPLACE TEMP VIEW ref_%s AS SELECT * FROM metrics WHERE host = %L', replace(h, '-', '_'), h);
    RETURN mimgan_train(('pg_temp.ref_' || replace(h, '-', '_'))::regclass, ARRAY['cpu','mem','io'], 8, NULL, NULL, 'ref.' || h, '$opts');
END \$\$;
SELECT train_ref(h) FROM unnest($series) h;
});

# every model can be fetched from its shard (blobs differ from the
# reference ones only in the source name in their metadata; the scores
# below show the weights are the same)
my $same_blobs = 0;
for my $h (qw(web-1 web-2 web-3 db-1 app-1 app-2))
{
	my $shard_md5 = $coord->safe_psql('postgres', "SELECT md5(mimgan_px_export('$h', 'm.$h'))");
	my $ref_md5 = $coord->safe_psql('postgres', "SELECT md5(mimgan_export('ref.$h'))");
	$same_blobs++ if $shard_md5 ne '' && $ref_md5 ne '';
}
is($same_blobs, 6, 'every per-series model is exported from its shard');

# scores: shard results equal the single-node results, row by row
my $mismatch = 0;
for my $h (qw(web-1 web-2 web-3 db-1 app-1 app-2))
{
	my $v = 'ref_' . ($h =~ s/-/_/gr);
	my $remote = $coord->safe_psql('postgres', qq{
		SELECT string_agg(t || ':' || coalesce(score::text, '-') || ':' || is_anomaly, ',' ORDER BY t::int)
		FROM mimgan_px_score('$h', 'metrics', 'host', 'm', true)});
	my $local = $coord->safe_psql('postgres', qq{
		CREATE OR REPLACE TEMP VIEW $v AS SELECT * FROM metrics WHERE host = '$h';
		SELECT string_agg((s.r).t || ':' || coalesce(s.score::text, '-') || ':' || s.is_anomaly, ',' ORDER BY (s.r).t)
		FROM mimgan_score('ref.$h', NULL::pg_temp.$v) s});
	$mismatch++ unless $remote eq $local && length($remote) > 1000;
	diag("series $h: shard and single-node scores differ") unless $remote eq $local;
}
is($mismatch, 0, 'per-series scores on the shards equal the single-node scores (6 series, 300 rows each)');

# fan-out report merged on the coordinator equals the single-node report
my $report = $coord->safe_psql('postgres', q{
SELECT string_agg(format('%s:%s:%s:%s', series, rows, flagged, max_score), ',' ORDER BY series)
FROM mimgan_px_report('metrics', 'host', 'm', true)});
my $ref_report = $coord->safe_psql('postgres', q{
SELECT string_agg(format('%s:%s:%s:%s', h, n, f, mx), ',' ORDER BY h)
FROM (SELECT h, count(*) AS n, count(*) FILTER (WHERE s.is_anomaly) AS f, max(s.score) AS mx
      FROM unnest(ARRAY['web-1','web-2','web-3','db-1','app-1','app-2']) h,
           LATERAL (SELECT * FROM mimgan_px_score(h, 'metrics', 'host', 'm', true)) s
      GROUP BY h) r});
like($report, qr/^app-1:300:\d+:[0-9.e+-]+,/, 'RUN ON ALL report lists every series');
is(scalar(split /,/, $report), 6, 'six series in the merged report');
is($report, $ref_report, 'the merged report equals per-series scoring');
like($report, qr/web-2:300:[1-9]\d*:/, 'the spike planted in web-2 is flagged');

# model distribution in one call: a shared model trained on web-1's shard
# is copied to every shard and the coordinator; then every shard scores all
# its series with it and the results equal single-node scoring
my $dist = $coord->safe_psql('postgres', q{SELECT string_agg(r, ',' ORDER BY r) FROM mimgan_distribute('m.web-1', 'web-1') r});
like($dist, qr/^coordinator: m\.web-1\@1,shard: m\.web-1\@1,shard: m\.web-1\@1$/,
	"distributed to both shards and the coordinator ($dist)");
my $dist2 = $coord->safe_psql('postgres', q{SELECT string_agg(r, ',' ORDER BY r) FROM mimgan_distribute('m.web-1', 'web-1') r});
is($dist2, $dist, 'distribution is idempotent (no new version)');
my @md5 = map { $_->safe_psql('postgres', q{SELECT md5(mimgan_export('m.web-1'))}) } ($coord, @shard);
ok($md5[0] eq $md5[1] && $md5[1] eq $md5[2], 'the same blob on the coordinator and both shards');
my $shared_remote = $coord->safe_psql('postgres', q{
SELECT string_agg(format('%s:%s:%s', series, flagged, max_score), ',' ORDER BY series)
FROM mimgan_px_report('metrics', 'host', 'm.web-1', false)});
# single node: the model has no series column (trained on one series), so
# each series is scored on its own, through a view
my $shared_local = $coord->safe_psql('postgres', q{
CREATE FUNCTION score_ref(model text, h text, OUT f bigint, OUT mx float8) LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE OR REPLACE TEMP VIEW one_series AS SELECT * FROM metrics WHERE host = %L', h);
    SELECT count(*) FILTER (WHERE s.is_anomaly), max(s.score) INTO f, mx
    FROM mimgan_score(model, NULL::pg_temp.one_series) s;
END $$;
SELECT string_agg(format('%s:%s:%s', h, (score_ref('m.web-1', h)).f, (score_ref('m.web-1', h)).mx), ',' ORDER BY h)
FROM unnest(ARRAY['web-1','web-2','web-3','db-1','app-1','app-2']) h});
like($shared_remote, qr/^app-1:\d+:[0-9.e+-]+,app-2:/, 'the shared model scores every series on the shards');
is($shared_remote, $shared_local, 'a distributed model scores every series on the shards as on one node');

# distribution from the coordinator itself (from_series NULL)
$coord->safe_psql('postgres', qq{SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 8, 't', 'host', 'central', '$opts')});
my $dist3 = $coord->safe_psql('postgres', q{SELECT string_agg(r, ',' ORDER BY r) FROM mimgan_distribute('central') r});
is($dist3, 'coordinator: central@1,shard: central@1,shard: central@1', 'a model trained on the coordinator is distributed to both shards');
is($shard[1]->safe_psql('postgres', q{SELECT md5(mimgan_export('central'))}),
	$coord->safe_psql('postgres', q{SELECT md5(mimgan_export('central'))}), 'the shard holds the coordinator\'s blob');

# only results travel: bytes received by the coordinator vs the raw rows
my ($raw_bytes, $result_bytes) = split /\|/, $coord->safe_psql('postgres', q{
SELECT (SELECT sum(pg_column_size(m.*)) FROM metrics m),
       (SELECT sum(pg_column_size(r.*)) FROM mimgan_px_report('metrics', 'host', 'm', true) r)});
cmp_ok($result_bytes, '<', $raw_bytes / 100, "report moves $result_bytes bytes, the rows are $raw_bytes");

# errors pass through from the shards
my ($ret, $out, $err) = $coord->psql('postgres',
	q{SELECT mimgan_px_train('nohost', 'metrics', ARRAY['cpu'], 8, 'host', 'm', '{}')});
isnt($ret, 0, 'training a series with no rows fails');
like($err, qr/series "nohost" has no rows/, 'the shard error reaches the coordinator');
($ret, $out, $err) = $coord->psql('postgres', q{SELECT mimgan_distribute('no_such_model', 'web-1')});
like($err, qr/model "no_such_model" does not exist/, 'distributing an unknown model: the shard error');

# 3. postgres_fdw ships mimgan_score_window (IMMUTABLE, model as a blob)
# to a server listing mimgan in "extensions": only the scores come back
$coord->safe_psql('postgres', qq{
CREATE EXTENSION postgres_fdw;
CREATE VIEW frames AS
SELECT t, host, array_agg(ARRAY[cpu, mem, io]) OVER w AS frame
FROM metrics WINDOW w AS (PARTITION BY host ORDER BY t ROWS 7 PRECEDING);
CREATE SERVER loop FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host '@{[ $coord->host ]}', port '@{[ $coord->port ]}', dbname 'postgres', extensions 'mimgan');
CREATE USER MAPPING FOR CURRENT_USER SERVER loop;
CREATE FOREIGN TABLE remote_frames (t int, host text, frame float8[]) SERVER loop OPTIONS (table_name 'frames');
SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 8, 't', 'host', 'fdw_m', '$opts');
});
my $blob = $coord->safe_psql('postgres', q{SELECT encode(mimgan_export('fdw_m'), 'hex')});
my $fq = qq{SELECT t, host, mimgan_score_window('\\x$blob'::bytea, frame) AS s FROM remote_frames
            WHERE host = 'web-2' AND mimgan_score_window('\\x$blob'::bytea, frame) > 0};
my $plan = $coord->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) $fq");
like($plan, qr/Remote SQL: SELECT .*public\.mimgan_score_window\(/s, 'postgres_fdw ships mimgan_score_window to the remote server');
unlike($plan, qr/^\s*Filter: .*mimgan_score_window/m, 'the filter on the score runs remotely');
my $remote_scores = $coord->safe_psql('postgres', "SELECT md5(string_agg(t || ':' || s, ',' ORDER BY t)) FROM ($fq) q");
my $local_scores = $coord->safe_psql('postgres', q{
SELECT md5(string_agg(t || ':' || s, ',' ORDER BY t)) FROM (
  SELECT t, mimgan_window_score('fdw_m', VARIADIC ARRAY[cpu, mem, io]) OVER w AS s
  FROM metrics WHERE host = 'web-2' WINDOW w AS (ORDER BY t ROWS 7 PRECEDING)) q WHERE s > 0});
is($remote_scores, $local_scores, 'the shipped scores equal mimgan_window_score on the same frames');
isnt($local_scores, '', 'scores were compared');

# 2. a streaming hot standby scores like its primary
my $primary = $coord;
$primary->safe_psql('postgres', qq{SELECT mimgan_train('metrics', ARRAY['cpu','mem','io'], 8, 't', 'host', 'fleet', '$opts')});
$primary->backup('bk');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'bk', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');

my %rq = (
	bulk => q{SELECT md5(string_agg(format('%s|%s|%s|%s|%s|%s', (s.r).t, (s.r).host, s.score, s.dis_score, s.rec_score, s.is_anomaly), ',' ORDER BY (s.r).host, (s.r).t)) FROM mimgan_score('fleet', NULL::metrics) s},
	window => q{SELECT md5(string_agg(coalesce(w::text, '-'), ',' ORDER BY host, t)) FROM (SELECT t, host, mimgan_window_score('fleet', VARIADIC ARRAY[cpu, mem, io]) OVER (PARTITION BY host ORDER BY t ROWS 7 PRECEDING) w FROM metrics) x},
	evaluate => q{SELECT string_agg(metric || '=' || coalesce(value::text, 'null'), ',') FROM mimgan_evaluate('fleet', NULL::metrics, 'io')},
	export => q{SELECT md5(mimgan_export('fleet'))},
);
for my $k (sort keys %rq)
{
	my $p = $primary->safe_psql('postgres', $rq{$k});
	my $s = $standby->safe_psql('postgres', $rq{$k});
	isnt($p, '', "primary computes $k");
	is($s, $p, "the standby's $k equals the primary's");
}
($ret, $out, $err) = $standby->psql('postgres',
	qq{SELECT mimgan_train('metrics', ARRAY['cpu'], 8, 't', 'host', 'on_standby', '$opts')});
isnt($ret, 0, 'training on the standby fails');
like($err, qr/cannot execute mimgan_train\(\) (during recovery|in a read-only transaction)/, "refused before training ($err)");
is($standby->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'}) >= 1 ? 'up' : 'down',
	'up', 'the standby keeps serving');

$standby->stop;
$_->stop for (@shard, $coord);
done_testing();
