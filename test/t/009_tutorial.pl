# doc/tutorial.md runs as written: every ```sql block, in order, through
# psql with ON_ERROR_STOP, against the bundled SMD slice (test/data/).
# Then the state it leaves is checked, so a tutorial step that silently
# does nothing fails too.
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tdir = dirname(__FILE__);
my $doc = "$tdir/../doc/tutorial.md";
$doc = "$tdir/../../doc/tutorial.md" unless -f $doc;
my $data = $ENV{MIMGAN_TEST_DATA} // "$tdir/../data";
ok(-f $doc, "doc/tutorial.md found ($doc)");
ok(-f "$data/smd_machine-1-7_train.csv.gz", "bundled data found ($data)");

open(my $fh, '<', $doc) or die "cannot open $doc: $!";
my $text = do { local $/; <$fh> };
close $fh;
my @blocks = $text =~ /^```sql\n(.*?)^```$/msg;
cmp_ok(scalar(@blocks), '>=', 8, scalar(@blocks) . ' SQL blocks in the tutorial');
my $sql = join("\n", @blocks);
$sql =~ s{test/data/}{$data/}g;

my $node = PostgreSQL::Test::Cluster->new('tutorial');
$node->init;
$node->append_conf('postgresql.conf', "log_min_messages = warning\n");
$node->start;

my ($ret, $out, $err) = $node->psql('postgres', $sql,
	extra_params => [ '-v', 'ON_ERROR_STOP=1', '-P', 'pager=off' ]);
is($ret, 0, 'every tutorial block runs without error');
diag("psql stderr: $err") if $ret != 0;
note($out);

# psql -XAtq output: unaligned, tuples only
like($out, qr/^2000\|2000\|\d+$/m, 'section 1 loaded 2,000 + 2,000 rows');
like($out, qr/^smd\@1\|30\|[0-9.]+\|8\|\d+\|/m, 'section 2 trained smd@1 (seq_len 30, 8 epochs)');
like($out, qr/^\d+\|\d+\|\d+\|[0-9.]+\|f\d+, f\d+, f\d+$/m, 'section 3 lists spans with their top three variables');
like($out, qr/labels in column label of smd_test/, 'section 4 reports the suggestion as label-based');
like($out, qr/^2000$/m, 'section 6 inserted 2,000 rows through the trigger');
like($out, qr/^smd\@1\|t\|t$/m, 'section 7 pinned smd@1');

# the trigger flagged rows (flagged|first_t|last_t|inside_labelled_anomalies)
my ($flagged, $inside) = $out =~ /^(\d+)\|\d+\|\d+\|(\d+)$/m;
ok(defined $flagged && $flagged > 0, 'the trigger flagged rows (' . ($flagged // 'none') . ')');
ok(defined $inside && $inside > 0, 'some flagged rows lie in labelled anomalies (' . ($inside // 'none') . ')');

# what the tutorial leaves behind
is($node->safe_psql('postgres', q{SELECT string_agg(spec || ':' || active || ':' || pinned, ',' ORDER BY version) FROM mimgan_models}),
	'smd@1:false:false,smd@2:true:false', 'two versions of smd, the latest active, nothing pinned, the copy dropped');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_class WHERE relname IN ('live', 'live_anomalies', 'smd_anomalies')}),
	'0', 'the tutorial cleans up its trigger table and view');

$node->stop;
done_testing();
