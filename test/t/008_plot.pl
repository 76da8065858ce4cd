# mimgan_plot writes SVG documents that an XML tool accepts: xmllint
# --noout (libxml2-utils) on plots written to files through psql, with a
# timestamptz order column and text bounds, a series model, a planted
# anomaly, hostile column and series names, and an empty range.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Temp qw(tempdir);

my ($xmllint) = grep { -x $_ }
  map { "$_/xmllint" } (split(/:/, $ENV{PATH} // ''), '/usr/bin', '/usr/local/bin');
plan skip_all => 'xmllint not found (install libxml2-utils)' unless $xmllint;

my $node = PostgreSQL::Test::Cluster->new('plot');
$node->init;
$node->start;
my $dir = tempdir(CLEANUP => 1);

my $opts = '{"epochs":2,"hidden_g":8,"hidden_d":8,"batch_size":32,'
  . '"latent_dim":3,"seed":11,"threshold_windows":64}';
$node->safe_psql('postgres', qq{
CREATE EXTENSION mimgan;
CREATE TABLE m (ts timestamptz, "h<o&s't" text, "c""p<u>" float8, mem float8, io float8);
INSERT INTO m
SELECT '2024-01-01 00:00+00'::timestamptz + i * interval '1 minute', h,
       sin(i / 9.0 + k), cos(i / 13.0 + k), (i % 7) / 7.0
FROM generate_series(1, 1500) i, (VALUES ('web<1>', 0.0), ('db&"2"', 1.0)) v(h, k);
SELECT mimgan_train('m', ARRAY['c"p<u>', 'mem', 'io'], 20, 'ts', 'h<o&s''t', 'pm', '$opts');
-- a planted anomaly in one series, after training
UPDATE m SET "c""p<u>" = 5, io = -2
WHERE "h<o&s't" = 'web<1>' AND ts BETWEEN '2024-01-01 17:00+00' AND '2024-01-01 17:08+00';
});

# Write the plot of the query's single value to a file; return its path.
sub plot_file
{
	my ($name, $sql) = @_;
	my $file = "$dir/$name.svg";
	my $svg = $node->safe_psql('postgres', $sql);
	open(my $fh, '>', $file) or die "cannot write $file: $!";
	print $fh $svg;
	close($fh);
	return ($file, $svg);
}

# xmllint --noout: exit status 0 and nothing on stderr
sub lint_ok
{
	my ($file, $what) = @_;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ $xmllint, '--noout', $file ], '>', \$stdout, '2>', \$stderr);
	ok($ok && $stderr eq '', "xmllint accepts $what") or diag($stderr);
}

my ($f1, $svg1) = plot_file('anomaly', q{
SELECT mimgan_plot('pm', NULL::m, '2024-01-01 16:00+00', '2024-01-01 18:30+00',
                   options => '{"series": "web<1>"}')});
lint_ok($f1, 'the plot of a flagged span');
like($svg1, qr/<title>pm on m, series web&lt;1&gt;<\/title>/, 'title escaped');
like($svg1, qr/c&quot;p&lt;u&gt;/, 'column name escaped');
unlike($svg1, qr/(?i)\b(nan|inf|infinity)\b/, 'no NaN or Inf written');
my $spans = () = $svg1 =~ /class="flagged"/g;
cmp_ok($spans, '>=', 1, 'the planted anomaly is a flagged span');
like($svg1, qr/text-anchor="middle">[^<]*c&quot;p&lt;u&gt;/, 'the span is labelled with its top column');

# the flagged span matches mimgan_explain's is_anomaly runs
my $runs = $node->safe_psql('postgres', q{
SELECT count(*) FILTER (WHERE a AND NOT coalesce(p, false))
FROM (SELECT coalesce(is_anomaly, false) AS a,
             lag(coalesce(is_anomaly, false)) OVER (ORDER BY (r).ts) AS p
      FROM mimgan_explain('pm', NULL::m, '2024-01-01 16:00+00'::text, '2024-01-01 18:30+00',
                          '{"series": "web<1>"}')) x});
is($spans, $runs, 'one shaded span per run of flagged rows');

my ($f2, $svg2) = plot_file('cols', q{
SELECT mimgan_plot('pm', NULL::m, '2024-01-01 02:00+00'::timestamptz, '2024-01-01 03:00+00'::timestamptz,
                   ARRAY['io'], '{"series": "db&\"2\""}')});
lint_ok($f2, 'a one-column plot of the other series');
my $paths = () = $svg2 =~ /<path/g;
is($paths, 2, 'one line for the column, one for the score');

my ($f3, $svg3) = plot_file('empty', q{
SELECT mimgan_plot('pm', NULL::m, '2030-01-01'::date, '2030-01-02'::date)});
lint_ok($f3, 'the plot of an empty range');
like($svg3, qr/no rows in the range/, 'which says so');

# a model with more than six columns: the six largest residuals are drawn
$node->safe_psql('postgres', qq{
CREATE TABLE w (t int, c1 float8, c2 float8, c3 float8, c4 float8, c5 float8, c6 float8, c7 float8, c8 float8);
INSERT INTO w SELECT i, sin(i/3.0), sin(i/4.0), sin(i/5.0), sin(i/6.0), sin(i/7.0), sin(i/8.0), sin(i/9.0), sin(i/10.0)
FROM generate_series(1, 400) i;
SELECT mimgan_train('w', ARRAY['c1','c2','c3','c4','c5','c6','c7','c8'], 10, 't', NULL, 'wm', '$opts');
});
my ($f4, $svg4) = plot_file('wide', q{SELECT mimgan_plot('wm', NULL::w, 100, 200)});
lint_ok($f4, 'the plot of a wide model');
$paths = () = $svg4 =~ /<path/g;
is($paths, 7, 'six columns and the score');

$node->stop;
done_testing();
