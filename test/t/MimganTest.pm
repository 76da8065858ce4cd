# MimganTest: shared setup of the TAP tests in test/t/ (found through
# prove -I test/t, see test/run_all.sh).
package MimganTest;
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use Exporter 'import';
our @EXPORT = qw(metrics_node);

# A started node with the extension and a 4000-row table
# metrics(t int, a, b, c, d float8) of smooth signals.
sub metrics_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', "log_min_messages = warning\n");
	$node->start;
	$node->safe_psql('postgres', q{
CREATE EXTENSION mimgan;
CREATE TABLE metrics (t int, a float8, b float8, c float8, d float8);
INSERT INTO metrics
SELECT i, sin(i / 7.0), cos(i / 11.0), (i % 13) / 13.0, sin(i / 3.0) * cos(i / 17.0)
FROM generate_series(1, 4000) i;
});
	return $node;
}

1;
