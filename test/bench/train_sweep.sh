#!/usr/bin/env bash
# test/bench/train_sweep.sh: compare training options over several seeds on
# the development entities.  An experiment on the kept cluster of an accuracy
# run, not part of any test suite.
#
# For every configuration, seed and entity it trains (through SQL,
# mimgan_train) the model <entity>_sw_<tag>_<seed> with the configuration's
# options plus "seed": N, evaluates it on the test rows with mimgan_evaluate
# (unsmoothed, and with the scoring option "smooth": 5) and records best F1,
# PR-AUC and the training time in the table sweep_eval.  Jobs already recorded
# are skipped, so a stopped sweep can be restarted and configurations added.
# Then it prints, per configuration, the mean over seeds of the dataset means
# (best F1 / PR-AUC), the smallest and largest seed's dataset mean, and the
# per-entity means.  Labels are read only by mimgan_evaluate to report.
#
# Needs the cluster of a kept accuracy run, e.g.
#   MIMGAN_BENCH_DATASETS="asd smd" MIMGAN_BENCH_CONFIGS=" " MIMGAN_BENCH_BASELINES=0 \
#     MIMGAN_BENCH_KEEP=1 bash test/bench/accuracy.sh
# then
#   MIMGAN_SWEEP='base={} lat4={"latent_dim":4}' MIMGAN_SWEEP_SEEDS="1 2 3" \
#     bash test/bench/train_sweep.sh
#
# Environment:
#   MIMGAN_BENCH_PORT     the kept cluster's port (default 54340)
#   MIMGAN_SWEEP          space-separated tag=options pairs; each options object
#                         (no spaces inside) is merged over the bench's `mim` row
#                         {"loss": "mim", "max_train_windows": 2000}; tag=options@N
#                         trains with seq_len N instead of MIMGAN_SWEEP_SEQ
#   MIMGAN_SWEEP_SEEDS    seeds (default "1 2 3")
#   MIMGAN_SWEEP_ENTITIES table prefixes (default the six SMD and ASD entities)
#   MIMGAN_SWEEP_SEQ      seq_len (default 30)
#   MIMGAN_SWEEP_JOBS     sessions at a time (default 2)
#   MIMGAN_SWEEP_REPORT_ONLY=1  print the tables only
set -u
set -o pipefail
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd -P)
PORT=${MIMGAN_BENCH_PORT:-54340}
DEF_SWEEP="base={}"
SWEEP=${MIMGAN_SWEEP:-$DEF_SWEEP}
SEEDS=${MIMGAN_SWEEP_SEEDS:-1 2 3}
ENTS=${MIMGAN_SWEEP_ENTITIES:-asd_omi_1 asd_omi_5 asd_omi_9 smd_machine_1_7 smd_machine_2_1 smd_machine_3_2}
SEQ=${MIMGAN_SWEEP_SEQ:-30}
JOBS=${MIMGAN_SWEEP_JOBS:-2}
BASE='{"loss": "mim", "max_train_windows": 2000}'
PSQL="/usr/lib/postgresql/15/bin/psql -h $TOP/.bench/sock -p $PORT -U postgres -d bench -X -v ON_ERROR_STOP=1 -P pager=off -q"
export PSQL
die() { echo "train_sweep: $*" >&2; exit 1; }

$PSQL -c "SELECT 1" >/dev/null || die "no kept bench cluster on port $PORT (see the header)"
$PSQL -c "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS sweep_eval (tag text, options jsonb,
    entity text, seed int, train_s float8, f1 float8, prauc float8, f1_s5 float8, prauc_s5 float8,
    at timestamptz DEFAULT now(), PRIMARY KEY (tag, entity, seed))" || die "cannot create sweep_eval"

if [ "${MIMGAN_SWEEP_REPORT_ONLY:-0}" != 1 ]; then
	JOBDIR=$(mktemp -d /tmp/sweep_jobs.XXXXXX) || die "mktemp"
	: >"$JOBDIR/list"
	# each entity's feature columns f0..fN-1, asked once
	declare -A CARR
	for e in $ENTS; do
		nc=$($PSQL -At -c "SELECT count(*) FROM information_schema.columns
		      WHERE table_name = '${e}_train' AND column_name ~ '^f[0-9]+$'") || die "no table ${e}_train"
		CARR[$e]="ARRAY[$(for i in $(seq 0 $((nc - 1))); do printf "'f%d'," $i; done | sed 's/,$//')]"
	done
	for pair in $SWEEP; do
		tag=${pair%%=*}
		opts=${pair#*=}
		seq=$SEQ
		case $opts in *@*) seq=${opts##*@}; opts=${opts%@*} ;; esac
		for s in $SEEDS; do
			for e in $ENTS; do
				[ "$($PSQL -At -c "SELECT count(*) FROM sweep_eval WHERE tag = '$tag' AND entity = '$e' AND seed = $s")" = 0 ] || continue
				m=${e}_sw_${tag}_$s
				carr=${CARR[$e]}
				o="'$BASE'::jsonb || '$opts'::jsonb || '{\"seed\": $s}'"
				f=$JOBDIR/${tag}_${e}_$s.sql
				cat >"$f" <<EOF
SELECT mimgan_drop('$m') FROM mimgan_models WHERE name = '$m';
SELECT clock_timestamp() AS t0 \gset
SELECT mimgan_train('${e}_train', $carr, $seq, 't', NULL, '$m', $o) \gset
SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS train_s \gset
INSERT INTO sweep_eval (tag, options, entity, seed, train_s, f1, prauc, f1_s5, prauc_s5)
SELECT '$tag', $o, '$e', $s, :'train_s', r.f1, r.prauc, s5.f1, s5.prauc
FROM (SELECT max(value) FILTER (WHERE metric = 'best_f1') f1, max(value) FILTER (WHERE metric = 'pr_auc') prauc
      FROM mimgan_evaluate('$m', NULL::${e}_test, 'label')) r,
     (SELECT max(value) FILTER (WHERE metric = 'best_f1') f1, max(value) FILTER (WHERE metric = 'pr_auc') prauc
      FROM mimgan_evaluate('$m', NULL::${e}_test, 'label', '{"smooth": 5}')) s5;
SELECT '  $tag $e seed $s: train ' || round(train_s::numeric, 1) || ' s, best F1 ' || round(f1::numeric, 3)
       || ' (smooth 5: ' || round(f1_s5::numeric, 3) || ')' FROM sweep_eval WHERE tag = '$tag' AND entity = '$e' AND seed = $s;
EOF
				echo "$f" >>"$JOBDIR/list"
			done
		done
	done
	echo "== $(wc -l <"$JOBDIR/list") jobs, $JOBS at a time"
	xargs -P "$JOBS" -I{} sh -c '$PSQL -At -f "$1"' _ {} <"$JOBDIR/list" || die "a job failed"
	rm -rf "$JOBDIR"
fi

TAGS_SQL="ARRAY[$(for pair in $SWEEP; do printf "'%s'," "${pair%%=*}"; done | sed 's/,$//')]"
$PSQL -At <<EOF || die "report failed"
\pset footer off
CREATE TEMP TABLE ds AS
  SELECT tag, seed, split_part(entity, '_', 1) AS ds, avg(f1) f1, avg(prauc) p, avg(f1_s5) f1s, avg(prauc_s5) ps,
         avg(train_s) tr
  FROM sweep_eval WHERE tag = ANY ($TAGS_SQL) GROUP BY tag, seed, split_part(entity, '_', 1);
SELECT E'\nDataset means over seeds: best F1 / PR-AUC [seed range of best F1], smooth 5 best F1 / PR-AUC, train s:\n';
SELECT '| tag | ds | seeds | best F1 / PR-AUC | F1 range | smooth 5 | train s |';
SELECT '|---|---|---|---|---|---|---|';
SELECT '| ' || tag || ' | ' || ds || ' | ' || string_agg(seed::text, ',' ORDER BY seed) || ' | '
       || to_char(avg(f1), 'FM0.000') || ' / ' || to_char(avg(p), 'FM0.000') || ' | '
       || to_char(min(f1), 'FM0.000') || '–' || to_char(max(f1), 'FM0.000') || ' | '
       || to_char(avg(f1s), 'FM0.000') || ' / ' || to_char(avg(ps), 'FM0.000') || ' | ' || round(avg(tr)::numeric, 1) || ' |'
FROM ds GROUP BY tag, ds ORDER BY ds, array_position($TAGS_SQL, tag);
SELECT E'\nPer entity, mean over seeds of best F1 (smooth 5):\n';
SELECT '| tag | ' || string_agg(entity, ' | ' ORDER BY entity) || ' |'
FROM (SELECT DISTINCT entity FROM sweep_eval WHERE tag = ANY ($TAGS_SQL)) q;
SELECT '| ' || tag || ' | ' || string_agg(to_char(f, 'FM0.000') || ' (' || to_char(fs, 'FM0.000') || ')', ' | ' ORDER BY entity) || ' |'
FROM (SELECT tag, entity, avg(f1) f, avg(f1_s5) fs FROM sweep_eval WHERE tag = ANY ($TAGS_SQL) GROUP BY tag, entity) q
GROUP BY tag ORDER BY array_position($TAGS_SQL, tag);
EOF
