#!/usr/bin/env bash
# test/bench/ensemble_sweep.sh: does an ensemble of several seeds of the same
# configuration detect better than one model?  An experiment on the kept
# cluster of an accuracy run, not part of any test suite.
#
# For every entity and seed it trains (through SQL, mimgan_train) the model
# <entity>_mim_seed<N> with the bench's training options plus "seed": N,
# unless it is there already; seed 1 reuses the bench's own model
# <entity>_mim when its stored options contain the same options.  It scores
# each model's test rows and training rows with mimgan_score into the table
# ens_score, runs mimgan_evaluate on the test rows into ens_eval (to check
# the SQL metrics below against the extension's), and records the training
# time in ens_model.  Jobs already recorded in ens_model are skipped, so a
# stopped run can be restarted and seeds added later.
#
# Then, from SQL alone (window functions over ens_score), for each single
# model and for each set of seeds, best F1 (the best point-wise F1 over every
# threshold: an oracle upper bound, since the threshold is picked on the
# test labels, as mimgan_evaluate's best_f1), PR-AUC (average precision) and
# ROC-AUC of these label-free combinations of the models' scores, with
# l = ln(max(score, 1e-12)) of each model:
#   mean log       mean of l over the models
#   mean score     mean of the raw scores
#   mean z(train)  mean of (l - mu) / sd, mu and sd of the model's own
#                  log scores on the training rows
#   mean z(test)   the same with mu and sd of its log scores on the rows
#                  being scored (depends on the batch, like "threshold": "mad")
#   median z(train), max z(train), median log, max log
# Labels are read only to compute the metrics; nothing is tuned here.
#
# Needs the cluster of a kept accuracy run, e.g.
#   MIMGAN_BENCH_DATASETS="asd smd" MIMGAN_BENCH_CONFIGS=mim MIMGAN_BENCH_BASELINES=0 \
#     MIMGAN_BENCH_KEEP=1 MIMGAN_BENCH_PORT=54350 bash test/bench/accuracy.sh
# then
#   MIMGAN_BENCH_PORT=54350 MIMGAN_ENS_SEEDS="1 2 3 4 5" bash test/bench/ensemble_sweep.sh
#
# Environment:
#   MIMGAN_BENCH_PORT     the kept cluster's port (default 54340)
#   MIMGAN_ENS_SEEDS      seeds (default "1 2 3")
#   MIMGAN_ENS_SETS       seed sets to combine, comma-separated, space between
#                         sets (default: the first three seeds, and all seeds
#                         when there are more than three)
#   MIMGAN_ENS_ENTITIES   tables prefixes (default the six SMD and ASD
#                         development entities of the accuracy bench)
#   MIMGAN_ENS_OPTIONS    training options without the seed (default the
#                         bench's `mim` row: {"loss": "mim", "max_train_windows": 2000})
#   MIMGAN_ENS_SEQ        seq_len (default 30, as the bench)
#   MIMGAN_ENS_JOBS       sessions training/scoring at a time (default 2)
#   MIMGAN_ENS_LOCK       a lock file: every batch of training/scoring jobs runs
#                         under `flock -o -s FILE nice -n MIMGAN_ENS_NICE`
#                         (default /tmp/mimgan-cpu.lock; empty: no lock)
#   MIMGAN_ENS_NICE       niceness of those batches (default 10)
#   MIMGAN_ENS_PAUSE      seconds to sleep between batches (default 30)
#   MIMGAN_ENS_REPORT_ONLY=1  skip training and scoring, print the tables
set -u
set -o pipefail
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd -P)
PORT=${MIMGAN_BENCH_PORT:-54340}
SEEDS=${MIMGAN_ENS_SEEDS:-1 2 3}
ENTS=${MIMGAN_ENS_ENTITIES:-asd_omi_1 asd_omi_5 asd_omi_9 smd_machine_1_7 smd_machine_2_1 smd_machine_3_2}
DEF_OPTS='{"loss": "mim", "max_train_windows": 2000}'
OPTS=${MIMGAN_ENS_OPTIONS:-$DEF_OPTS}
SEQ=${MIMGAN_ENS_SEQ:-30}
JOBS=${MIMGAN_ENS_JOBS:-2}
LOCK=${MIMGAN_ENS_LOCK-/tmp/mimgan-cpu.lock}
NICE=${MIMGAN_ENS_NICE:-10}
PAUSE=${MIMGAN_ENS_PAUSE:-30}
if [ -z "${MIMGAN_ENS_SETS:-}" ]; then
	set -- $SEEDS
	SETS=$(echo "$1,${2:-},${3:-}" | sed 's/,*$//')
	[ $# -gt 3 ] && SETS="$SETS $(echo $SEEDS | tr ' ' ',')"
else
	SETS=$MIMGAN_ENS_SETS
fi
PSQL="/usr/lib/postgresql/15/bin/psql -h $TOP/.bench/sock -p $PORT -U postgres -d bench -X -v ON_ERROR_STOP=1 -P pager=off -q"
export PSQL
T_START=$(date +%s)
say() { printf '\n== %s   [%ds]\n' "$*" $(( $(date +%s) - T_START )); }
die() { echo "ensemble_sweep: $*" >&2; exit 1; }

$PSQL -c "SELECT 1" >/dev/null || die "no kept bench cluster on port $PORT (see the header)"
$PSQL <<'EOF' || die "cannot create the tables"
SET client_min_messages = warning;
CREATE TABLE IF NOT EXISTS ens_model (entity text, seed int, model text, train_s float8,
    score_s float8, so_md5 text, at timestamptz DEFAULT now(), PRIMARY KEY (entity, seed));
CREATE TABLE IF NOT EXISTS ens_score (entity text, seed int, part text, t int, score float8, label int);
CREATE TABLE IF NOT EXISTS ens_eval (entity text, seed int, metric text, value float8);
EOF

# ---------------------------------------------------------------------------
# training and scoring jobs
# ---------------------------------------------------------------------------
if [ "${MIMGAN_ENS_REPORT_ONLY:-0}" != 1 ]; then
	JOBDIR=$(mktemp -d /tmp/ens_jobs.XXXXXX) || die "mktemp"
	: >"$JOBDIR/list"
	for s in $SEEDS; do
		for e in $ENTS; do
			done_=$($PSQL -At -c "SELECT count(*) FROM ens_model WHERE entity = '$e' AND seed = $s")
			[ "$done_" = 0 ] || continue
			m=${e}_mim_seed$s
			train=1
			if [ "$s" = 1 ] && [ "$($PSQL -At -c "SELECT count(*) FROM mimgan_models WHERE name = '${e}_mim'
			      AND options @> ('$OPTS'::jsonb || '{\"seed\": 1}')")" = 1 ]; then
				m=${e}_mim; train=0
			elif [ "$($PSQL -At -c "SELECT count(*) FROM mimgan_models WHERE name = '$m'")" = 1 ]; then
				train=0
			fi
			nc=$($PSQL -At -c "SELECT count(*) FROM information_schema.columns
			      WHERE table_name = '${e}_train' AND column_name ~ '^f[0-9]+$'")
			carr="ARRAY[$(for i in $(seq 0 $((nc - 1))); do printf "'f%d'," $i; done | sed 's/,$//')]"
			f=$JOBDIR/${e}_$s.sql
			{
				# the library file as the job starts (its session loads it next)
				echo "SELECT clock_timestamp() AS t0, md5(pg_read_binary_file('$(/usr/lib/postgresql/15/bin/pg_config --pkglibdir)/mimgan.so')) AS so_md5 \\gset"
				if [ $train = 1 ]; then
					echo "SELECT mimgan_train('${e}_train', $carr, $SEQ, 't', NULL, '$m', '$OPTS'::jsonb || '{\"seed\": $s}') \\gset"
					echo "SELECT extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) AS train_s \\gset"
				else
					echo "SELECT coalesce((SELECT max(train_s) FROM bench_result WHERE entity = replace(substr('$e', 5), '_', '-')
					        AND model = 'mim' AND '$m' = '${e}_mim'), 'NaN') AS train_s \\gset"
				fi
				echo "SELECT clock_timestamp() AS t1 \\gset"
				echo "BEGIN;"
				echo "DELETE FROM ens_score WHERE entity = '$e' AND seed = $s; DELETE FROM ens_eval WHERE entity = '$e' AND seed = $s;"
				echo "INSERT INTO ens_score SELECT '$e', $s, 'test', (x.r).t, x.score, (x.r).label
				        FROM mimgan_score('$m', NULL::${e}_test, '{\"top_k\": 0}') x;"
				echo "SELECT extract(epoch FROM clock_timestamp() - :'t1'::timestamptz) AS score_s \\gset"
				echo "INSERT INTO ens_score SELECT '$e', $s, 'train', (x.r).t, x.score, NULL
				        FROM mimgan_score('$m', NULL::${e}_train, '{\"top_k\": 0}') x;"
				echo "INSERT INTO ens_eval SELECT '$e', $s, metric, value FROM mimgan_evaluate('$m', NULL::${e}_test, 'label');"
				echo "INSERT INTO ens_model (entity, seed, model, train_s, score_s, so_md5) VALUES ('$e', $s, '$m', :'train_s', :'score_s', :'so_md5');"
				echo "COMMIT;"
				echo "SELECT '  $e seed $s ($m): ' || CASE WHEN $train = 1 THEN 'train ' || round(:'train_s'::numeric, 1) || ' s, ' ELSE '' END
				        || 'score ' || round(:'score_s'::numeric, 1) || ' s, best F1 ' || round(value::numeric, 3)
				        FROM ens_eval WHERE entity = '$e' AND seed = $s AND metric = 'best_f1';"
			} >"$f"
			echo "$f" >>"$JOBDIR/list"
		done
	done
	n=$(wc -l <"$JOBDIR/list")
	say "$n training/scoring jobs, $JOBS at a time, ${PAUSE} s pause between batches"
	split -l "$JOBS" "$JOBDIR/list" "$JOBDIR/batch."
	first=1
	for b in "$JOBDIR"/batch.*; do
		[ -s "$b" ] || continue
		[ $first = 1 ] || sleep "$PAUSE"
		first=0
		run=(xargs -P "$JOBS" -I{} sh -c '$PSQL -At -f "$1"' _ {})
		if [ -n "$LOCK" ]; then
			flock -o -s "$LOCK" nice -n "$NICE" "${run[@]}" <"$b" || die "a job of $b failed"
		else
			"${run[@]}" <"$b" || die "a job of $b failed"
		fi
	done
	rm -rf "$JOBDIR"
fi

# ---------------------------------------------------------------------------
# report: metrics from SQL, checked against mimgan_evaluate
# ---------------------------------------------------------------------------
say "metrics (seeds: $SEEDS; sets: $SETS)"
SETS_SQL="ARRAY[$(for x in $SETS; do printf "'%s'," "$x"; done | sed 's/,$//')]"
SEEDS_SQL="ARRAY[$(echo $SEEDS | tr ' ' ',')]"
nice -n "$NICE" $PSQL -At <<EOF || die "report failed"
\pset footer off
CREATE TEMP TABLE ll AS
  SELECT entity, seed, part, t, score, ln(greatest(score, 1e-12)) AS l, label
  FROM ens_score WHERE score IS NOT NULL AND seed = ANY ($SEEDS_SQL);
CREATE TEMP TABLE st AS
  SELECT entity, seed,
         avg(l) FILTER (WHERE part = 'train') AS mu_tr, stddev_pop(l) FILTER (WHERE part = 'train') AS sd_tr,
         avg(l) FILTER (WHERE part = 'test') AS mu_te, stddev_pop(l) FILTER (WHERE part = 'test') AS sd_te
  FROM ll GROUP BY entity, seed;
CREATE TEMP TABLE z AS
  SELECT ll.entity, ll.seed, ll.t, ll.score, ll.l, ll.label,
         (ll.l - st.mu_tr) / nullif(st.sd_tr, 0) AS z_tr, (ll.l - st.mu_te) / nullif(st.sd_te, 0) AS z_te
  FROM ll JOIN st USING (entity, seed) WHERE ll.part = 'test';
-- the candidates: one score per (entity, method, test row); k orders the rows
CREATE TEMP TABLE cand (entity text, k int, method text, t int, s float8, label int);
INSERT INTO cand SELECT entity, seed, 'seed ' || seed, t, l, label FROM z;
INSERT INTO cand
  SELECT z.entity, 100 * q.i + m.j, m.name || ' {' || q.set || '}', z.t, CASE m.j
           WHEN 1 THEN avg(z.l) WHEN 2 THEN avg(z.score) WHEN 3 THEN avg(z.z_tr) WHEN 4 THEN avg(z.z_te)
           WHEN 5 THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY z.z_tr) WHEN 6 THEN max(z.z_tr)
           WHEN 7 THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY z.l) ELSE max(z.l) END, max(z.label)
  FROM unnest($SETS_SQL) WITH ORDINALITY q(set, i)
  CROSS JOIN unnest(ARRAY['mean log', 'mean score', 'mean z(train)', 'mean z(test)', 'median z(train)',
                          'max z(train)', 'median log', 'max log']) WITH ORDINALITY m(name, j)
  JOIN z ON z.seed = ANY (string_to_array(q.set, ',')::int[])
  GROUP BY z.entity, q.i, q.set, m.j, m.name, z.t
  HAVING count(*) = cardinality(string_to_array(q.set, ','));
-- best F1 over every distinct threshold (flag s >= tau), average precision,
-- Mann-Whitney ROC-AUC with ties as one half: mimgan_evaluate's definitions
CREATE TEMP TABLE met AS
WITH g AS (
  SELECT entity, k, method, s, count(*) FILTER (WHERE label <> 0) AS np, count(*) FILTER (WHERE label = 0) AS nn
  FROM cand GROUP BY entity, k, method, s),
c AS (
  SELECT g.*, sum(np) OVER w AS tp, sum(nn) OVER w AS fp,
         sum(np) OVER (PARTITION BY entity, k) AS p, sum(nn) OVER (PARTITION BY entity, k) AS n
  FROM g WINDOW w AS (PARTITION BY entity, k ORDER BY s DESC))
SELECT entity, k, method, split_part(entity, '_', 1) AS ds,
       max(2 * tp / (tp + fp + p))::float8 AS best_f1,
       (sum(np * tp / (tp + fp)) / max(p))::float8 AS pr_auc,
       (sum(np * (n - fp + 0.5 * nn)) / (max(p) * max(n)))::float8 AS roc_auc
FROM c GROUP BY entity, k, method;
-- the mean of the single seeds of each set
INSERT INTO met
  SELECT m.entity, 100 * q.i, 'mean of single seeds {' || q.set || '}', m.ds, avg(best_f1), avg(pr_auc), avg(roc_auc)
  FROM unnest($SETS_SQL) WITH ORDINALITY q(set, i)
  JOIN met m ON m.k = ANY (string_to_array(q.set, ',')::int[])
  GROUP BY m.entity, q.i, q.set, m.ds HAVING count(*) = cardinality(string_to_array(q.set, ','));

SELECT 'check against mimgan_evaluate (single models, ' || count(*) || ' entity-seed pairs): max |diff| best_f1 '
       || to_char(max(abs(m.best_f1 - e.best_f1)), '9.9EEEE') || ', pr_auc ' || to_char(max(abs(m.pr_auc - e.pr_auc)), '9.9EEEE')
       || ', roc_auc ' || to_char(max(abs(m.roc_auc - e.roc_auc)), '9.9EEEE')
FROM met m JOIN (SELECT entity, seed, max(value) FILTER (WHERE metric = 'best_f1') AS best_f1,
                        max(value) FILTER (WHERE metric = 'pr_auc') AS pr_auc, max(value) FILTER (WHERE metric = 'roc_auc') AS roc_auc
                 FROM ens_eval GROUP BY entity, seed) e ON e.entity = m.entity AND 'seed ' || e.seed = m.method;
SELECT 'library md5 (mimgan.so as each job started): ' || string_agg(DISTINCT so_md5, ', ') FROM ens_model WHERE seed = ANY ($SEEDS_SQL);

CREATE FUNCTION pg_temp.f3(x float8) RETURNS text LANGUAGE sql IMMUTABLE AS
\$\$ SELECT coalesce(to_char(x, 'FM0.000'), '–') \$\$;
SELECT E'\nMean over entities, best F1 (oracle threshold) / PR-AUC / ROC-AUC:\n';
SELECT '| scores | ' || string_agg(DISTINCT upper(ds) || ' (' || n || ')', ' | ') || ' |'
FROM (SELECT ds, count(DISTINCT entity) n FROM met GROUP BY ds) q;
SELECT '|---|' || repeat('---|', count(DISTINCT ds)::int) FROM met;
SELECT '| ' || method || ' | ' || string_agg(pg_temp.f3(f) || ' / ' || pg_temp.f3(p) || ' / ' || pg_temp.f3(r), ' | ' ORDER BY ds) || ' |'
FROM (SELECT k, method, ds, avg(best_f1) f, avg(pr_auc) p, avg(roc_auc) r FROM met GROUP BY k, method, ds) q
GROUP BY k, method ORDER BY k;
SELECT E'\nPer entity, best F1 / PR-AUC / ROC-AUC:\n';
SELECT '| scores | ' || string_agg(DISTINCT entity, ' | ') || ' |' FROM met;
SELECT '|---|' || repeat('---|', count(DISTINCT entity)::int) FROM met;
SELECT '| ' || method || ' | ' || string_agg(pg_temp.f3(best_f1) || ' / ' || pg_temp.f3(pr_auc) || ' / ' || pg_temp.f3(roc_auc), ' | ' ORDER BY entity) || ' |'
FROM met GROUP BY k, method ORDER BY k;
SELECT E'\nCost per model (mean over its seeds; an ensemble of k costs k times both):\n';
SELECT '| entity | models | train s | score s (test rows) |';
SELECT '|---|---|---|---|';
SELECT '| ' || e.entity || ' | ' || count(*) || ' | ' || round(avg(train_s) FILTER (WHERE train_s <> 'NaN')::numeric, 1) || ' | '
       || round(avg(score_s)::numeric, 1) || ' |'
FROM ens_model e WHERE seed = ANY ($SEEDS_SQL) GROUP BY e.entity ORDER BY e.entity;
EOF
say "done"
