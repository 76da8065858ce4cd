#!/usr/bin/env bash
# test/bench/scoring_modes.sh: speed and best F1 of the scoring modes on the
# SMD development entities (part of `make bench-speed`, never of `make test`).
#
# One model per entity (mimgan's defaults, the same budget as
# `make bench-accuracy`: at most 2000 training windows, seed 1, seq_len 30),
# trained through SQL; then the same test rows evaluated through
# mimgan_evaluate with four scoring modes:
#   plain      the paper's latent search: 100 Adam steps from noise per
#              window (encoder off, no warm start, no early stop)
#   warm10     10 steps per window, each window starting from its
#              predecessor's latent (warm start)
#   encoder    Z = E(x), no search (the default)
#   encoder5   Z = E(x) refined by 5 steps
# Printed: evaluate seconds, windows/s, speed-up over plain, best F1,
# PR-AUC and the best-F1 difference to plain.
#
# The cluster is the one of test/bench/accuracy.sh (loaded with SMD only),
# on port $MIMGAN_SCORING_PORT (default 54342), stopped at the end.
set -u
set -o pipefail
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd -P)
PORT=${MIMGAN_SCORING_PORT:-54342}
T0=$(date +%s)

MIMGAN_BENCH_KEEP=1 MIMGAN_BENCH_CONFIGS=" " MIMGAN_BENCH_BASELINES=0 \
	MIMGAN_BENCH_DATASETS=smd MIMGAN_BENCH_PORT=$PORT \
	bash test/bench/accuracy.sh >/tmp/mimgan_scoring_setup.$$ 2>&1 ||
	{ cat /tmp/mimgan_scoring_setup.$$; echo "scoring_modes: setup failed" >&2; exit 1; }
rm -f /tmp/mimgan_scoring_setup.$$

PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
[ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config)
PGBIN=$("$PG_CONFIG" --bindir)
SOCK=$TOP/.bench/sock
PSQL=("$PGBIN/psql" -X -q -At -P pager=off -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d bench)
stop_cluster()
{
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$TOP/.bench/data" -m fast -w stop >/dev/null 2>&1
	else
		"$PGBIN/pg_ctl" -D "$TOP/.bench/data" -m fast -w stop >/dev/null 2>&1
	fi
	rm -rf "$(readlink -f "$TOP/.bench")" "$TOP/.bench"
}
trap stop_cluster EXIT

CARR="ARRAY[$(for i in $(seq 0 37); do printf "'f%d'," "$i"; done | sed 's/,$//')]"
"${PSQL[@]}" <<'EOF'
CREATE TABLE scoring_mode (entity text, mode text, windows bigint, seconds float8,
                           best_f1 float8, pr_auc float8);
EOF

for ent in machine-1-7 machine-2-1 machine-3-2; do
	tb=smd_$(echo "$ent" | tr -c 'a-z0-9\n' '_')
	m=${tb}_modes
	"${PSQL[@]}" -c "SELECT mimgan_train('${tb}_train', $CARR, 30, 't', NULL, '$m',
	                  '{\"max_train_windows\": 2000, \"seed\": 1}')" >/dev/null ||
		{ echo "training $ent failed" >&2; exit 1; }
	for mode in plain warm10 encoder encoder5; do
		case $mode in
		plain)    o='{"encoder": false, "invert_iters": 100, "invert_tol": 0, "warm_start": false}' ;;
		warm10)   o='{"encoder": false, "invert_iters": 10, "invert_tol": 0, "warm_start": true}' ;;
		encoder)  o='{"encoder": true, "invert_iters": 0}' ;;
		encoder5) o='{"encoder": true, "invert_iters": 5, "invert_tol": 0}' ;;
		esac
		"${PSQL[@]}" <<EOF || { echo "evaluating $ent $mode failed" >&2; exit 1; }
SELECT clock_timestamp() AS t0 \gset
CREATE TEMP TABLE ev AS SELECT * FROM mimgan_evaluate('$m', NULL::${tb}_test, 'label', '$o');
INSERT INTO scoring_mode
SELECT '$ent', '$mode',
       (SELECT count(*) - 29 FROM ${tb}_test),
       extract(epoch FROM clock_timestamp() - :'t0'::timestamptz),
       (SELECT value FROM ev WHERE metric = 'best_f1'),
       (SELECT value FROM ev WHERE metric = 'pr_auc');
EOF
		echo "  $ent $mode done"
	done
done

echo
echo "Scoring modes on SMD (mimgan defaults, seq_len 30, 1 BLAS thread; windows = test rows - 29, stride 1)"
"${PSQL[@]}" -P format=aligned -P footer=off <<'EOF'
\pset tuples_only off
WITH p AS (SELECT entity, seconds AS ps, best_f1 AS pf FROM scoring_mode WHERE mode = 'plain')
SELECT s.entity, s.mode, s.windows,
       round(s.seconds::numeric, 1) AS seconds,
       round((s.windows / s.seconds)::numeric, 0) AS "win/s",
       round((p.ps / s.seconds)::numeric, 1) AS "x plain",
       round(s.best_f1::numeric, 3) AS best_f1,
       round(s.pr_auc::numeric, 3) AS pr_auc,
       round((s.best_f1 - p.pf)::numeric, 3) AS "F1 - plain"
FROM scoring_mode s JOIN p USING (entity)
ORDER BY s.entity, array_position(ARRAY['plain','warm10','encoder','encoder5'], s.mode);
WITH p AS (SELECT entity, seconds AS ps, best_f1 AS pf FROM scoring_mode WHERE mode = 'plain')
SELECT s.mode AS "mean over entities",
       round(avg(p.ps / s.seconds)::numeric, 1) AS "x plain",
       round(avg(s.best_f1)::numeric, 3) AS best_f1,
       round(avg(s.best_f1 - p.pf)::numeric, 3) AS "F1 - plain",
       round(avg(s.pr_auc)::numeric, 3) AS pr_auc
FROM scoring_mode s JOIN p USING (entity)
GROUP BY s.mode
ORDER BY array_position(ARRAY['plain','warm10','encoder','encoder5'], s.mode);
EOF
echo "RESULT part=scoring_modes wall_s=$(( $(date +%s) - T0 ))"
