#!/usr/bin/env bash
# test/demo.sh: what `make demo` runs.  From a fresh clone to flagged
# anomalies in one command:
#
#   1. install missing Debian packages (apt-get as root; otherwise prints
#      the sudo command to run),
#   2. build and install the extension (sudo when not root),
#   3. start a private throwaway PostgreSQL cluster in .demo/ (Unix socket
#      only, port $MIMGAN_DEMO_PORT, default 54330),
#   4. load the bundled slice of SMD machine-1-7 (test/data/, 2,000 train and
#      2,000 labelled test rows of 38 server metrics),
#   5. train a model, score the test rows, print the flagged spans and the
#      evaluation against the labels (at the model's threshold and with the
#      label-free rules 'mad' and 'both'),
#   6. explain the highest-scoring span flagged under 'both' (mimgan_explain,
#      given that threshold as a number) and draw it (mimgan_plot) into
#      .demo-out/anomaly.svg, which outlives the cluster,
#   7. stop and remove the cluster (MIMGAN_DEMO_KEEP=1 leaves it running).
#
# Takes well under a minute on 2 cores once the packages are installed.  Options can be tuned with
# MIMGAN_DEMO_OPTIONS (jsonb) and MIMGAN_DEMO_SEQ_LEN.

set -u
set -o pipefail

cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd -P)

PORT=${MIMGAN_DEMO_PORT:-54330}
SEQ_LEN=${MIMGAN_DEMO_SEQ_LEN:-30}
OPTIONS=${MIMGAN_DEMO_OPTIONS:-'{"epochs": 8, "hidden_g": 32, "hidden_d": 32, "latent_dim": 8, "batch_size": 32, "step": 5, "invert_iters": 20, "seed": 42}'}
DEMO=$TOP/.demo
PLOT_DIR=$TOP/.demo-out
TRAIN_CSV=$TOP/test/data/smd_machine-1-7_train.csv.gz
TEST_CSV=$TOP/test/data/smd_machine-1-7_test.csv.gz
PACKAGES=(postgresql-15 postgresql-server-dev-15 libopenblas-dev make gcc gzip)

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
die() { echo "demo: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# 1. packages
# ---------------------------------------------------------------------------
say "checking packages"
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
fi
if [ ${#missing[@]} -gt 0 ]; then
	if [ $IS_ROOT -eq 1 ]; then
		echo "installing: ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				"${missing[@]}" </dev/null || die "apt-get install failed"
	else
		echo "These packages are missing: ${missing[*]}"
		echo "Install them, then run 'make demo' again:"
		echo
		echo "    sudo apt-get install ${missing[*]}"
		echo
		exit 1
	fi
else
	echo "all present: ${PACKAGES[*]}"
fi

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
[ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config) || die "pg_config not found"
PGBIN=$("$PG_CONFIG" --bindir)
PSQL="$PGBIN/psql"

. "$TOP/test/lib/cluster.sh"

# ---------------------------------------------------------------------------
# 2. build and install
# ---------------------------------------------------------------------------
say "building and installing mimgan"
build_install "$TOP" "$PG_CONFIG" || die "cannot build and install mimgan"
echo "installed into $("$PG_CONFIG" --pkglibdir)"

# ---------------------------------------------------------------------------
# 3. throwaway cluster in .demo/
# ---------------------------------------------------------------------------
finish()
{
	if [ "${MIMGAN_DEMO_KEEP:-0}" = 1 ] && cluster_running; then
		say "the demo cluster is still running"
		echo "    $PSQL -h $CLUSTER_SOCK -p $PORT -U postgres mimgan_demo"
		echo "stop it with:"
		local pre=""
		[ $IS_ROOT -eq 1 ] && pre="runuser -u postgres -- "
		echo "    $pre$PGBIN/pg_ctl -D $CLUSTER_DATA stop"
		return
	fi
	cluster_stop
	cluster_remove
}
trap finish EXIT
trap 'echo "demo: interrupted" >&2; exit 130' INT TERM

say "starting a throwaway cluster in .demo/ (port $PORT, socket only)"
cluster_init "$DEMO" "$PORT" C.UTF-8 || die "initdb failed"
cluster_start || die "the cluster did not start"
"$PSQL" -X -q -d postgres -c 'CREATE DATABASE mimgan_demo' || die "cannot create the demo database"
export PGDATABASE=mimgan_demo

run_sql() { "$PSQL" -X -v ON_ERROR_STOP=1 -P pager=off "$@"; }

# ---------------------------------------------------------------------------
# 4. data
# ---------------------------------------------------------------------------
say "loading SMD machine-1-7 (test/data/: 2,000 train rows, 2,000 labelled test rows, 38 metrics)"
[ -f "$TRAIN_CSV" ] && [ -f "$TEST_CSV" ] || die "test/data/*.csv.gz missing"
COLS=$(printf 'f%d float8, ' $(seq 0 37))
run_sql -q <<EOF || die "loading the data failed"
CREATE TABLE smd_train (t int PRIMARY KEY, ${COLS%, });
CREATE TABLE smd_test  (t int PRIMARY KEY, ${COLS} label int NOT NULL);
\copy smd_train FROM PROGRAM 'gzip -dc "$TRAIN_CSV"' WITH (FORMAT csv, HEADER true)
\copy smd_test  FROM PROGRAM 'gzip -dc "$TEST_CSV"'  WITH (FORMAT csv, HEADER true)
ANALYZE smd_train; ANALYZE smd_test;
EOF
run_sql -At -c "SELECT 'smd_train: ' || count(*) || ' rows' FROM smd_train
                UNION ALL SELECT 'smd_test:  ' || count(*) || ' rows, ' || sum(label) || ' labelled anomalous' FROM smd_test"

run_sql -q -c 'CREATE EXTENSION mimgan' ||
	die "the extension does not load (see the error above; 'make installcheck' has the details)"
run_sql -At -c "SELECT 'mimgan ' || extversion FROM pg_extension WHERE extname = 'mimgan'"

# ---------------------------------------------------------------------------
# 5. train, score, evaluate
# ---------------------------------------------------------------------------
FEATURES="ARRAY[$(printf "'f%d'," $(seq 0 37) | sed 's/,$//')]"

say "training: mimgan_train('smd_train', <f0..f37>, $SEQ_LEN, options => ...)"
echo "options: $OPTIONS"
run_sql <<EOF || die "training failed (server log: $CLUSTER_LOG)"
\timing on
SELECT mimgan_train('smd_train', $FEATURES, $SEQ_LEN,
                    model_name => 'smd', options => '$OPTIONS');
\timing off
SELECT name, version, seq_len, round(threshold::numeric, 4) AS threshold,
       epochs, windows, round(train_seconds::numeric, 1) AS seconds, size AS bytes
FROM mimgan_models;
EOF

say "scoring smd_test: flagged spans (consecutive flagged steps)"
run_sql <<'EOF' || die "scoring failed (server log: $CLUSTER_LOG)"
\timing on
CREATE TABLE scored AS
SELECT (s.r).t AS t, (s.r).label AS label, s.score, s.is_anomaly, s.top_cols
FROM mimgan_score('smd', NULL::smd_test) s;
\timing off
WITH flagged AS (
    SELECT t, score, top_cols, label,
           t - row_number() OVER (ORDER BY t) AS span
    FROM scored WHERE is_anomaly
), spans AS (
    SELECT min(t) AS start_t, max(t) AS end_t, count(*) AS steps,
           round(max(score)::numeric, 3) AS max_score,
           (array_agg(array_to_string(top_cols, ', ') ORDER BY score DESC))[1] AS top_cols,
           sum(label) AS labelled_steps
    FROM flagged GROUP BY span
)
SELECT start_t, end_t, steps, max_score,
       top_cols AS top_cols_at_peak,
       CASE WHEN labelled_steps > 0 THEN 'yes (' || labelled_steps || ' steps)' ELSE '' END AS in_labelled_segment
FROM spans ORDER BY max_score DESC, start_t LIMIT 15;

SELECT count(*) FILTER (WHERE is_anomaly) AS flagged_steps,
       count(*) AS scored_steps,
       (SELECT string_agg(s || '..' || e, ', ') FROM (
            SELECT min(t) s, max(t) e FROM (
                SELECT t, t - row_number() OVER (ORDER BY t) g FROM smd_test WHERE label = 1) x
            GROUP BY g ORDER BY 1) y) AS labelled_segments
FROM scored;
EOF

say "evaluation against the labels: mimgan_evaluate('smd', NULL::smd_test, 'label')"
run_sql <<'EOF' || die "evaluation failed (server log: $CLUSTER_LOG)"
SELECT metric, round(value::numeric, 4) AS value
FROM mimgan_evaluate('smd', NULL::smd_test, 'label');
EOF

say "the same rows flagged with the label-free batch thresholds 'mad' and 'both' (the larger of 'mad' and the model's)"
run_sql <<'EOF' || die "evaluation with 'mad' and 'both' failed (server log: $CLUSTER_LOG)"
SELECT o.rule AS threshold_rule,
       (SELECT count(*) FROM mimgan_score('smd', NULL::smd_test, o.opts) WHERE is_anomaly) AS flagged_steps,
       round(max(e.value) FILTER (WHERE e.metric = 'threshold')::numeric, 4) AS threshold,
       round(max(e.value) FILTER (WHERE e.metric = 'precision')::numeric, 4) AS precision,
       round(max(e.value) FILTER (WHERE e.metric = 'recall')::numeric, 4) AS recall,
       round(max(e.value) FILTER (WHERE e.metric = 'f1')::numeric, 4) AS f1
FROM (VALUES (1, 'mad', '{"threshold": "mad"}'::jsonb), (2, 'both', '{"threshold": "both"}')) o(k, rule, opts),
     LATERAL mimgan_evaluate('smd', NULL::smd_test, 'label', o.opts) e
GROUP BY o.k, o.rule, o.opts ORDER BY o.k;
EOF

# ---------------------------------------------------------------------------
# 6. explain and plot the strongest span flagged under 'both': explain and
# plot score a range, so they take that threshold as a number
# ---------------------------------------------------------------------------
THR=$(run_sql -At <<'EOF'
SELECT value FROM mimgan_evaluate('smd', NULL::smd_test, 'label', '{"threshold": "both"}') WHERE metric = 'threshold';
EOF
) || die "cannot compute the 'both' threshold"
[ -n "$THR" ] || die "no 'both' threshold"
XOPTS="{\"threshold\": $THR}"
SPAN=$(run_sql -At -F ' ' <<EOF
WITH flagged AS (
    SELECT t, score, t - row_number() OVER (ORDER BY t) AS span FROM scored WHERE score > $THR
)
SELECT min(t), max(t) FROM flagged GROUP BY span ORDER BY max(score) DESC, min(t) LIMIT 1;
EOF
) || die "cannot find a flagged span"
if [ -n "$SPAN" ]; then
	read -r SPAN_START SPAN_END <<<"$SPAN"
	LO=$((SPAN_START - 60))
	HI=$((SPAN_END + 60))
	say "explaining the strongest span flagged under 'both', t $SPAN_START..$SPAN_END: mimgan_explain('smd', NULL::smd_test, $SPAN_START, $SPAN_END, '$XOPTS')"
	run_sql <<EOF || die "explaining failed (server log: $CLUSTER_LOG)"
SELECT (e.r).t, round(e.score::numeric, 3) AS score, e.is_anomaly,
       (SELECT string_agg(c.key || ' ' || round((c.value->>'share')::numeric * 100) || '%', ', '
                          ORDER BY (c.value->>'rank')::int)
        FROM jsonb_each(e.contrib) c WHERE (c.value->>'rank')::int <= 4) AS top_columns_by_share
FROM mimgan_explain('smd', NULL::smd_test, $SPAN_START, $SPAN_END, '$XOPTS') e
ORDER BY e.score DESC LIMIT 5;
EOF
	say "plotting t $LO..$HI: mimgan_plot('smd', NULL::smd_test, $LO, $HI, options => '$XOPTS')"
	mkdir -p "$PLOT_DIR" || die "cannot create $PLOT_DIR"
	run_sql -At -o "$PLOT_DIR/anomaly.svg" \
		-c "SELECT mimgan_plot('smd', NULL::smd_test, $LO, $HI, options => '$XOPTS')" ||
		die "plotting failed (server log: $CLUSTER_LOG)"
	echo "plot written to $PLOT_DIR/anomaly.svg (open it in a browser)"
else
	echo "no flagged span to plot"
fi

say "done"
echo "Point-adjusted F1 (f1_pa) is generous; compare precision/recall/best_f1 and the AUCs."
echo "Next: README.md (Getting Started) and doc/reference.md."
