#!/usr/bin/env bash
# test/bench/accuracy.sh: what `make bench-accuracy` runs (never part of `make test`).
#
# Accuracy benchmark of mimgan against the classic detectors on the developer
# datasets in ../shared/datasets (SMD machine-1-7, 2-1, 3-2; ASD omi-1, 5, 9;
# KDD99).  Everything about mimgan goes through SQL: a private cluster in
# .bench/ (port $MIMGAN_BENCH_PORT, default 54340, Unix socket only), the CSVs
# loaded with \copy, one model per entity and configuration trained with
# mimgan_train, detection metrics from mimgan_evaluate, per-variable
# attribution (HitRate@100 %/150 %) from mimgan_score's top_cols (the row
# mim also with the scoring option attribution 'residual').  The classic
# detectors come from ../shared/bench/run_baselines.py (Debian python3-sklearn),
# run in the same invocation; their CSV is loaded into the cluster and the
# tables are printed from SQL.
#
# Environment:
#   MIMGAN_BENCH_DATASETS   default "asd smd kdd99"
#   MIMGAN_BENCH_CONFIGS    default "mim mim_s5 bce paper"
#   MIMGAN_BENCH_JOBS       parallel training/scoring sessions (default 2 = cores)
#   MIMGAN_BENCH_KDD_TEST_ROWS  score only test rows t < N of KDD99 (0 = all)
#   MIMGAN_BENCH_BASELINES  1 (default) runs run_baselines.py, 0 skips it
#   MIMGAN_BENCH_KEEP=1     leave the cluster running
#   MIMGAN_BENCH_OPT_<DS>_<CFG>   override the training options (jsonb) of a row
#   MIMGAN_BENCH_SEQ_<DS>         override seq_len of a dataset
set -u
set -o pipefail

cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd -P)
BENCH_DIR=$TOP/test/bench
DATA=${MIMGAN_BENCH_DATA:-$TOP/../shared/datasets}
[ -d "$DATA" ] || DATA=/work/shared/datasets
DATA=$(cd "$DATA" && pwd -P)
BASELINES_PY=${MIMGAN_BENCH_BASELINES_PY:-$DATA/../bench/run_baselines.py}
PORT=${MIMGAN_BENCH_PORT:-54340}
DATASETS=${MIMGAN_BENCH_DATASETS:-asd smd kdd99}
CONFIGS=${MIMGAN_BENCH_CONFIGS:-mim mim_s5 bce paper}
JOBS=${MIMGAN_BENCH_JOBS:-2}
KDD_TEST_ROWS=${MIMGAN_BENCH_KDD_TEST_ROWS:-0}
RUN_BASELINES=${MIMGAN_BENCH_BASELINES:-1}
BENCH=$TOP/.bench
IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1
T_START=$(date +%s)

say() { printf '\n== %s   [%ds]\n' "$*" $(( $(date +%s) - T_START )); }
die() { echo "bench-accuracy: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# configurations (the budget: 45 min on 2 cores for everything)
# ---------------------------------------------------------------------------
SEQ_smd=${MIMGAN_BENCH_SEQ_SMD:-30}
SEQ_asd=${MIMGAN_BENCH_SEQ_ASD:-30}
SEQ_kdd99=${MIMGAN_BENCH_SEQ_KDD99:-30}
# Budget: every row trains on at most 2000 windows (evenly thinned), seed 1.
# mim and bce use mimgan's defaults otherwise (doc/benchmarks.md, "How the
# defaults were chosen"); mim_s5 is mim with score smoothing over 5 rows
# (the smooth option, off by default); paper is the paper's settings (preset 'paper') with
# fewer epochs and 50 inversion steps so that it fits the time budget.
COMMON='"max_train_windows": 2000, "seed": 1'
P_SMD='"epochs": 8, "step": 5, "invert_iters": 50, "score_step": 10, "threshold_windows": 256'
P_ASD='"epochs": 10, "step": 5, "invert_iters": 50, "score_step": 10, "threshold_windows": 256'
P_KDD='"epochs": 5, "step": 10, "invert_iters": 20, "score_step": 30, "threshold_windows": 256'
D_KDD='"epochs": 10, "step": 10, "score_step": 10'
opts_for() # dataset cfg
{
	local ds=$1 cfg=$2 p d="" var
	case $ds in smd) p=$P_SMD ;; asd) p=$P_ASD ;; kdd99) p=$P_KDD; d=", $D_KDD" ;; esac
	var=MIMGAN_BENCH_OPT_$(echo "${ds}_$cfg" | tr a-z A-Z)
	if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
	case $cfg in
	mim)   echo "{\"loss\": \"mim\", $COMMON$d}" ;;
	mim_s5) echo "{\"loss\": \"mim\", \"smooth\": 5, $COMMON$d}" ;;
	bce)   echo "{\"loss\": \"bce\", $COMMON$d}" ;;
	paper) echo "{\"preset\": \"paper\", $COMMON, $p}" ;;
	esac
}

entities_of()
{
	case $1 in
	smd) echo "machine-1-7 machine-2-1 machine-3-2" ;;
	asd) echo "omi-1 omi-5 omi-9" ;;
	kdd99) echo "kdd99" ;;
	esac
}
ncols_of() { case $1 in smd) echo 38 ;; asd) echo 19 ;; kdd99) echo 34 ;; esac; }
tab_of() { echo "$2" | tr -c 'a-z0-9\n' '_' | sed "s/^/$1_/; s/^kdd99_kdd99$/kdd99/"; }
path_of() { if [ "$1" = kdd99 ]; then echo "$DATA/kdd99"; else echo "$DATA/$1/$2"; fi; }

# ---------------------------------------------------------------------------
# build, install, cluster
# ---------------------------------------------------------------------------
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
[ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config) || die "pg_config not found"
PGBIN=$("$PG_CONFIG" --bindir)
PSQL="$PGBIN/psql"
. "$TOP/test/lib/cluster.sh"

say "building and installing mimgan"
build_install "$TOP" "$PG_CONFIG" || die "cannot build and install mimgan"

finish()
{
	if [ "${MIMGAN_BENCH_KEEP:-0}" = 1 ] && cluster_running; then
		echo "cluster left running: $PSQL -h $CLUSTER_SOCK -p $PORT -U postgres bench"
		return
	fi
	cluster_stop
	cluster_remove
}
trap finish EXIT
trap 'echo "bench-accuracy: interrupted" >&2; exit 130' INT TERM

say "starting a private cluster in .bench/ (port $PORT, socket only)"
cluster_init "$BENCH" "$PORT" C.UTF-8 || die "initdb failed"
WORK=$CLUSTER_WORK
cluster_conf <<EOF
shared_buffers = 256MB
work_mem = 64MB
max_wal_size = 4GB
EOF
cluster_start || die "the cluster did not start"
"$PSQL" -X -q -d postgres -c 'CREATE DATABASE bench' || die "cannot create the database"
export PGDATABASE=bench
run_sql() { "$PSQL" -X -v ON_ERROR_STOP=1 -P pager=off -q "$@"; }

run_sql <<'EOF' || die "setup failed"
CREATE EXTENSION mimgan;
CREATE TABLE interp (entity text, seg int, s int, e int, dims int[]);
CREATE TABLE bench_result (dataset text, entity text, model text, seq_len int, options jsonb,
    train_s float8, score_s float8, note text, metric text, value float8);
CREATE TABLE bench_hitrate (dataset text, entity text, ranking text, n_steps int,
    hr100 float8, hr150 float8);
CREATE TABLE baseline (dataset text, entity text, n_train int, n_test int, dim int, anomaly_ratio float8,
  detector text, mode text, fit_s float8, score_s float8, "F1" float8, "P" float8, "R" float8,
  "PA_F1" float8, "PA_P" float8, "PA_R" float8, "ROC_AUC" float8, "PR_AUC" float8);
EOF
run_sql -At -c "SELECT 'mimgan ' || extversion || ', ' || (mimgan_info()->>'blas') FROM pg_extension WHERE extname = 'mimgan'"

# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
say "loading $DATASETS from $DATA"
for ds in $DATASETS; do
	nc=$(ncols_of "$ds")
	COLS=$(printf 'f%d float8, ' $(seq 0 $((nc - 1))))
	COLS=${COLS%, }
	for ent in $(entities_of "$ds"); do
		tb=$(tab_of "$ds" "$ent"); p=$(path_of "$ds" "$ent")
		if [ "$ds" = kdd99 ]; then trl=", label int"; else trl=""; fi
		run_sql <<EOF || die "loading $ds/$ent failed"
CREATE TABLE ${tb}_train (t int PRIMARY KEY, $COLS $trl);
CREATE TABLE ${tb}_test  (t int PRIMARY KEY, $COLS, label int NOT NULL);
\copy ${tb}_train FROM PROGRAM 'gzip -dc "$p/train.csv.gz"' WITH (FORMAT csv, HEADER true)
\copy ${tb}_test  FROM PROGRAM 'gzip -dc "$p/test.csv.gz"'  WITH (FORMAT csv, HEADER true)
ANALYZE ${tb}_train; ANALYZE ${tb}_test;
EOF
		if [ -f "$p/interpretation_label.txt" ]; then
			# SMD: end exclusive; ASD: end inclusive -> store inclusive ends
			adj=0; [ "$ds" = smd ] && adj=1
			awk -v ent="$ent" -v adj=$adj -F'[-:]' 'NF>=3 { printf "%s\t%d\t%d\t%d\t{%s}\n", ent, NR, $1, $2-adj, $3 }' \
				"$p/interpretation_label.txt" | run_sql -c "\\copy interp FROM STDIN" || die "interp $ent"
		fi
		run_sql -At -c "SELECT '  $ds/$ent: ' || (SELECT count(*) FROM ${tb}_train) || ' train rows, '
			|| count(*) || ' test rows, ' || sum(label) || ' anomalous' FROM ${tb}_test"
	done
done
if echo " $DATASETS " | grep -q ' kdd99 '; then
	# the baseline protocol's log1p on every KDD99 feature, through views;
	# optionally a contiguous slice of the test rows
	L=$(for i in $(seq 0 33); do printf 'ln(1 + f%d) AS f%d, ' $i $i; done)
	W="true"; [ "$KDD_TEST_ROWS" -gt 0 ] && W="t < $KDD_TEST_ROWS"
	run_sql <<EOF || die "kdd99 views"
CREATE VIEW kdd99_train_v AS SELECT t, ${L%, } FROM kdd99_train;
CREATE VIEW kdd99_test_v AS SELECT t, ${L} label FROM kdd99_test WHERE $W;
EOF
fi

# attribution references: per-variable z-score (train mean/sd) and a random
# ranking (fixed hash order), computed in SQL for SMD and ASD
hitrate_sql() # entity table rankingexpr-table
{
	cat <<EOF
WITH gt AS (
  SELECT x.t, (SELECT array_agg('f' || (d - 1)) FROM unnest(i.dims) d) AS g
  FROM interp i JOIN $2_test x ON x.t BETWEEN i.s AND i.e AND x.label = 1
  WHERE i.entity = '$1'),
h AS (
  SELECT gt.t,
    (SELECT count(*) FROM unnest(rk.cols[1:cardinality(gt.g)]) c WHERE c = ANY (gt.g))::float8
      / cardinality(gt.g) AS h100,
    (SELECT count(*) FROM unnest(rk.cols[1:floor(1.5 * cardinality(gt.g))::int]) c WHERE c = ANY (gt.g))::float8
      / cardinality(gt.g) AS h150
  FROM gt JOIN $3 rk ON rk.t = gt.t WHERE rk.cols IS NOT NULL)
SELECT count(*), avg(h100), avg(h150) FROM h
EOF
}
for ds in $DATASETS; do
	[ "$ds" = kdd99 ] && continue
	for ent in $(entities_of "$ds"); do
		tb=$(tab_of "$ds" "$ent")
		run_sql <<EOF || die "reference rankings $ent"
CREATE TEMP TABLE st AS
  SELECT kv.key, avg(kv.value::float8) AS mu, stddev_pop(kv.value::float8) AS sd
  FROM ${tb}_train x, jsonb_each_text(to_jsonb(x) - 't') kv GROUP BY kv.key;
CREATE TEMP TABLE rk_z AS
  SELECT x.t, array_agg(kv.key ORDER BY abs(kv.value::float8 - st.mu) / CASE WHEN st.sd < 1e-6 THEN 1 ELSE st.sd END DESC, kv.key) AS cols
  FROM ${tb}_test x, jsonb_each_text(to_jsonb(x) - 't' - 'label') kv JOIN st USING (key)
  WHERE x.label = 1 GROUP BY x.t;
CREATE TEMP TABLE rk_r AS
  SELECT x.t, array_agg(kv.key ORDER BY md5(x.t || ':' || kv.key)) AS cols
  FROM ${tb}_test x, jsonb_each_text(to_jsonb(x) - 't' - 'label') kv
  WHERE x.label = 1 GROUP BY x.t;
INSERT INTO bench_hitrate SELECT '$ds', '$ent', 'z-score: abs(x - train mean) / train sd', * FROM ($(hitrate_sql "$ent" "$tb" rk_z)) q;
INSERT INTO bench_hitrate SELECT '$ds', '$ent', 'random ranking', * FROM ($(hitrate_sql "$ent" "$tb" rk_r)) q;
EOF
	done
done

# ---------------------------------------------------------------------------
# classic detectors (same run, before the mimgan jobs so that the two do
# not compete for the cores)
# ---------------------------------------------------------------------------
if [ "$RUN_BASELINES" = 1 ]; then
	say "classic detectors: $BASELINES_PY"
	BDS=$(echo $DATASETS | tr ' ' ',')
	/usr/bin/python3 "$BASELINES_PY" --root "$DATA" --datasets "$BDS" --out "$WORK/baselines.md" \
		--csv "$WORK/baselines.csv" --scores '' >"$WORK/baselines.log" 2>&1 ||
		{ cat "$WORK/baselines.log"; die "run_baselines.py failed"; }
	tail -1 "$WORK/baselines.log"
	run_sql <<EOF || die "loading baselines.csv failed"
\copy baseline FROM '$WORK/baselines.csv' WITH (FORMAT csv, HEADER match)
EOF
fi

# ---------------------------------------------------------------------------
# mimgan: one job per (entity, configuration), $JOBS sessions at a time;
# mimgan_evaluate runs three times, at the model's threshold, with the
# scoring option "threshold": "mad" (the column "F1@mad thr") and with
# "threshold": "both" (the deployable table under each dataset)
# ---------------------------------------------------------------------------
JOBDIR=$WORK/jobs; mkdir -p "$JOBDIR"
: >"$JOBDIR/list"
for ds in $DATASETS; do
	nc=$(ncols_of "$ds")
	seqv=SEQ_$ds; seq=${!seqv}
	CARR="ARRAY[$(for i in $(seq 0 $((nc - 1))); do printf "'f%d'," $i; done | sed 's/,$//')]"
	for ent in $(entities_of "$ds"); do
		tb=$(tab_of "$ds" "$ent")
		src=${tb}_train; tst=${tb}_test; note=""
		if [ "$ds" = kdd99 ]; then
			src=kdd99_train_v; tst=kdd99_test_v
			note="log1p view"
			[ "$KDD_TEST_ROWS" -gt 0 ] && note="$note; test slice t < $KDD_TEST_ROWS only"
		fi
		for cfg in $CONFIGS; do
			o=$(opts_for "$ds" "$cfg")
			m="${tb}_$cfg"
			f="$JOBDIR/$m.sql"
			{
				echo "\\set ON_ERROR_STOP 1"
				echo "SELECT clock_timestamp() AS t0 \\gset"
				echo "SELECT mimgan_train('$src', $CARR, $seq, 't', NULL, '$m', '$o'::jsonb) \\gset"
				echo "SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS train_s, clock_timestamp() AS t1 \\gset"
				echo "CREATE TEMP TABLE ev AS SELECT * FROM mimgan_evaluate('$m', NULL::$tst, 'label');"
				echo "SELECT extract(epoch FROM clock_timestamp() - :'t1'::timestamptz) AS score_s \\gset"
				echo "INSERT INTO bench_result SELECT '$ds', '$ent', '$cfg', $seq, (SELECT options FROM mimgan_models WHERE name = '$m'),"
				echo "  :train_s, :score_s, '$note', metric, value FROM ev;"
				# deployable F1 with the batch threshold rules 'mad' and 'both'
				# (the larger of the model's and the 'mad' threshold); labels
				# only measure
				for rule in mad both; do
					echo "INSERT INTO bench_result SELECT '$ds', '$ent', '$cfg', $seq, (SELECT options FROM mimgan_models WHERE name = '$m'),"
					echo "  :train_s, :score_s, '$note', '${rule}_' || metric, value"
					echo "  FROM mimgan_evaluate('$m', NULL::$tst, 'label', '{\"threshold\": \"$rule\"}') WHERE metric IN ('f1', 'precision', 'recall', 'threshold');"
				done
				if [ "$ds" != kdd99 ]; then
					echo "CREATE TEMP TABLE rk AS SELECT (s.r).t AS t, s.top_cols AS cols FROM mimgan_score('$m', NULL::$tst, '{\"top_k\": $nc}') s WHERE (s.r).label = 1;"
					echo "INSERT INTO bench_hitrate SELECT '$ds', '$ent', 'mimgan $cfg (top_cols)', * FROM ($(hitrate_sql "$ent" "$tb" rk | tr '\n' ' ')) q;"
					if [ "$cfg" = mim ]; then
						# the same model ranked by reconstruction residual
						echo "CREATE TEMP TABLE rk_res AS SELECT (s.r).t AS t, s.top_cols AS cols FROM mimgan_score('$m', NULL::$tst, '{\"top_k\": $nc, \"attribution\": \"residual\"}') s WHERE (s.r).label = 1;"
						echo "INSERT INTO bench_hitrate SELECT '$ds', '$ent', 'mimgan $cfg (top_cols, attribution residual)', * FROM ($(hitrate_sql "$ent" "$tb" rk_res | tr '\n' ' ')) q;"
					fi
				fi
				echo "SELECT '  done $ds/$ent $cfg: train ' || round(:train_s::numeric, 1) || ' s, evaluate ' || round(:score_s::numeric, 1) || ' s, best F1 ' || round(value::numeric, 3) FROM ev WHERE metric = 'best_f1';"
			} >"$f"
			echo "$f" >>"$JOBDIR/list"
		done
	done
done
say "mimgan: $(wc -l <"$JOBDIR/list") jobs, $JOBS at a time"
export PSQL
# KDD99 jobs (the longest) first
{ grep kdd99 "$JOBDIR/list"; grep -v kdd99 "$JOBDIR/list"; } |
	xargs -P "$JOBS" -I{} sh -c '"$PSQL" -X -q -At -P pager=off -f "$1" >"$1.out" 2>&1; rc=$?; cat "$1.out"; exit $rc' _ {} ||
	echo "WARNING: some mimgan jobs failed (see the messages above)"

# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------
say "results"
run_sql -At -f "$BENCH_DIR/accuracy_report.sql" || die "report failed"
echo
echo "total wall time: $(( $(date +%s) - T_START )) s"
