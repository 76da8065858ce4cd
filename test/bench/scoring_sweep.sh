#!/usr/bin/env bash
# test/bench/scoring_sweep.sh: best F1 / PR-AUC of the kept bench models
# under scoring options (no retraining), mean per dataset.
#
# Needs the cluster of a kept accuracy run, e.g.
#   MIMGAN_BENCH_DATASETS="asd smd" MIMGAN_BENCH_CONFIGS=mim \
#     MIMGAN_BENCH_BASELINES=0 MIMGAN_BENCH_KEEP=1 bash test/bench/accuracy.sh
# then
#   bash test/bench/scoring_sweep.sh '{}' '{"lambda": 0}' '{"smooth": 5}'
# Labels are read only to report best F1 and PR-AUC (as mimgan_evaluate
# does in the benchmark); nothing is tuned here.
#
# Environment: MIMGAN_BENCH_PORT (default 54340), MIMGAN_SWEEP_CONFIG
# (model suffix, default mim), MIMGAN_SWEEP_ENTITIES (default the six SMD
# and ASD development entities).
set -u
cd "$(dirname "$0")/../.." || exit 2
PORT=${MIMGAN_BENCH_PORT:-54340}
CFG=${MIMGAN_SWEEP_CONFIG:-mim}
ENTS=${MIMGAN_SWEEP_ENTITIES:-asd_omi_1 asd_omi_5 asd_omi_9 smd_machine_1_7 smd_machine_2_1 smd_machine_3_2}
PSQL="/usr/lib/postgresql/15/bin/psql -h $(pwd -P)/.bench/sock -p $PORT -U postgres bench -XAtq -v ON_ERROR_STOP=1"
[ $# -gt 0 ] || set -- '{}'

printf '%-36s %-15s %-15s %s\n' "scoring options" "ASD F1/PR-AUC" "SMD F1/PR-AUC" "per entity"
for opt in "$@"; do
	per=""
	sums=""
	for e in $ENTS; do
		r=$($PSQL -c "SELECT round(max(value) FILTER (WHERE metric = 'best_f1')::numeric, 3) || '/' ||
		                     round(max(value) FILTER (WHERE metric = 'pr_auc')::numeric, 3)
		              FROM mimgan_evaluate('${e}_${CFG}', NULL::${e}_test, 'label', '$opt')") || exit 1
		per="$per ${e#*_}=$r"
		sums="$sums ${e%%_*}=$r"
	done
	echo "$sums" | awk -v opt="$opt" -v per="$per" '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "="); split(kv[2], fp, "/");
			f[kv[1]] += fp[1]; p[kv[1]] += fp[2]; n[kv[1]]++ }
		printf "%-36s %.3f/%.3f    %.3f/%.3f   %s\n", opt,
			f["asd"] / n["asd"], p["asd"] / n["asd"], f["smd"] / n["smd"], p["smd"] / n["smd"], per }'
done
