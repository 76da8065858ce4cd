# mimgan_flag does not lose inserted rows: when scoring fails (here: the
# model was dropped) the insert still commits with a WARNING and every row
# is present; with the 'raise' third argument the insert fails instead.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('trigger');
$node->init;
$node->start;

# threshold 0: every scored row is flagged, so the test knows exactly which
# rows the trigger must append.
my $opts = '{"epochs":3,"hidden_g":4,"hidden_d":4,"batch_size":8,'
  . '"latent_dim":2,"invert_iters":5,"seed":1,"threshold":0}';

sub count_rows
{
	return $node->safe_psql('postgres', 'SELECT count(*) FROM src');
}

$node->safe_psql('postgres', qq{
CREATE EXTENSION mimgan;
CREATE TABLE src (t int, a float8, b float8);
INSERT INTO src SELECT i, sin(i / 4.0), cos(i / 6.0) FROM generate_series(1, 120) i;
SELECT mimgan_train('src', ARRAY['a','b'], 5, 't', NULL, 'trg_m', '$opts');
CREATE TABLE src_anomalies (LIKE src, score float8, flagged_at timestamptz DEFAULT now());
CREATE TRIGGER flag AFTER INSERT ON src REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('trg_m', 'src_anomalies');
});
is(count_rows(), '120', 'training rows are there');

# 1. with a model: rows are inserted, scored and (threshold 0) all flagged
my ($ret, $out, $err) = $node->psql('postgres', q{
INSERT INTO src SELECT i, sin(i / 4.0), cos(i / 6.0) FROM generate_series(121, 140) i;
INSERT INTO src VALUES (141, 0.9, -0.9);
});
is($ret, 0, 'inserts with a working model succeed');
unlike($err, qr/WARNING|ERROR/, 'and report no problem');
is(count_rows(), '141', 'every inserted row is present');
is($node->safe_psql('postgres',
		'SELECT count(*) || \':\' || min(t) || \':\' || max(t) FROM src_anomalies'),
	'21:121:141', 'the trigger flagged each inserted row (threshold 0), and only those');
is($node->safe_psql('postgres',
		'SELECT count(*) FROM src_anomalies WHERE NOT (score > 0) OR flagged_at IS NULL'),
	'0', 'flagged rows carry a positive score and the default column');
is($node->safe_psql('postgres',
		'SELECT count(*) FROM src_anomalies f JOIN src s USING (t) WHERE (f.a, f.b) IS DISTINCT FROM (s.a, s.b)'),
	'0', 'flagged rows copy the source columns');

# 2. drop the model: inserts still commit, with a WARNING
$node->safe_psql('postgres', q{SELECT mimgan_drop('trg_m')});
($ret, $out, $err) = $node->psql('postgres', q{
INSERT INTO src SELECT i, sin(i / 4.0), cos(i / 6.0) FROM generate_series(142, 151) i;
});
is($ret, 0, 'insert after the model was dropped succeeds (default: warn)');
like($err, qr/WARNING/, 'and reports a WARNING');
like($err, qr/trg_m/, 'which names the model');
is(count_rows(), '151', 'all 10 rows were kept');
is($node->safe_psql('postgres', 'SELECT count(*) FROM src WHERE t BETWEEN 142 AND 151'),
	'10', 'each of them is present');

($ret, $out, $err) = $node->psql('postgres', q{
BEGIN;
INSERT INTO src VALUES (152, 0.1, 0.2);
INSERT INTO src VALUES (153, 0.2, 0.3), (154, 9999, 9999);
COMMIT;
});
is($ret, 0, 'a multi-statement transaction commits without the model');
is(count_rows(), '154', 'with all its rows');

# 3. the explicit 'warn' argument behaves the same
$node->safe_psql('postgres', q{
DROP TRIGGER flag ON src;
CREATE TRIGGER flag AFTER INSERT ON src REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('trg_m', 'src_anomalies', 'warn');
});
($ret, $out, $err) = $node->psql('postgres', q{INSERT INTO src VALUES (155, 0.1, 0.1)});
is($ret, 0, "with 'warn' the insert succeeds");
like($err, qr/WARNING/, "with 'warn' a WARNING is reported");
is(count_rows(), '155', "with 'warn' the row is kept");

# 4. 'raise': the insert fails and nothing is added
$node->safe_psql('postgres', q{
DROP TRIGGER flag ON src;
CREATE TRIGGER flag AFTER INSERT ON src REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('trg_m', 'src_anomalies', 'raise');
});
($ret, $out, $err) = $node->psql('postgres',
	q{INSERT INTO src SELECT i, 0.5, 0.5 FROM generate_series(156, 160) i});
isnt($ret, 0, "with 'raise' the insert fails");
like($err, qr/ERROR/, "with 'raise' an ERROR is reported");
is(count_rows(), '155', "with 'raise' none of the rows was inserted");

# 5. 'raise' with a model again: inserts succeed (raise only fires on failure)
$node->safe_psql('postgres', qq{
SELECT mimgan_train('src', ARRAY['a','b'], 5, 't', NULL, 'trg_m', '$opts');
});
($ret, $out, $err) = $node->psql('postgres',
	q{INSERT INTO src SELECT i, sin(i / 4.0), cos(i / 6.0) FROM generate_series(156, 160) i});
is($ret, 0, "with 'raise' and a model the insert succeeds");
is(count_rows(), '160', 'and its rows are present');

# 6. with a model's own ('auto') threshold, a gross outlier is flagged
my $auto_opts = '{"epochs":3,"hidden_g":4,"hidden_d":4,"batch_size":8,'
  . '"latent_dim":2,"invert_iters":5,"seed":1,"threshold_windows":8}';
# (src holds the 9999s inserted above: train on a view without them)
$node->safe_psql('postgres', qq{
CREATE VIEW src_clean AS SELECT * FROM src WHERE abs(a) <= 1 AND abs(b) <= 1;
SELECT mimgan_train('src_clean', ARRAY['a','b'], 5, 't', NULL, 'auto_m', '$auto_opts');
DROP TRIGGER flag ON src;
TRUNCATE src_anomalies;
CREATE TRIGGER flag AFTER INSERT ON src REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mimgan_flag('auto_m', 'src_anomalies', 'raise');
});
($ret, $out, $err) = $node->psql('postgres', q{INSERT INTO src VALUES (161, 1000, -1000)});
is($ret, 0, 'inserting an outlier succeeds');
is($node->safe_psql('postgres', 'SELECT count(*) FROM src_anomalies WHERE t = 161'),
	'1', 'the outlier (far outside the training range) is flagged');

$node->stop;
done_testing();
