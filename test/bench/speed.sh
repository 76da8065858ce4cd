#!/usr/bin/env bash
# test/bench/speed.sh: what `make bench-speed` runs (never part of `make test`).
#
# Speed of mimgan on the shapes of ../shared/bench/torch_reference.py (38
# features, batch 512, hidden 100, latent 15; seq_len 30, 60, 90), in one run:
#   1. the machine: CPU model, cores, AVX2 / AVX-512, OpenBLAS packages;
#   2. the numerical core (test/bench/bench_core): sgemm rate on the LSTM
#      shapes and the GEMM-only bound of an epoch, training windows/s (1 and
#      2 BLAS threads, 2 mimgan threads), scoring windows/s (plain
#      100-step inversion, timed as the whole call and by
#      torch_reference.py's protocol, the median step x 100 + the final
#      pass; warm start, encoder), peak memory, training time on
#      10k/100k/1M rows;
#   3. torch_reference.py (Debian's python3-torch) in train and score mode at
#      1 and 2 threads; OPENBLAS_CORETYPE=SkylakeX only on a CPU with
#      AVX-512 (its kernels die with SIGILL elsewhere);
#   4. mimgan through SQL: a private cluster in .bench-speed/ (port
#      $MIMGAN_SPEED_PORT, default 54341, Unix socket only), the data of
#      `bench_core gendata` loaded with \copy, mimgan_train and mimgan_score
#      timed against `bench_core sqlmatch` on the same data and options;
#   3b. further rounds (MIMGAN_SPEED_REPS) of mimgan's training and plain
#      scoring and torch's train and score, interleaved;
#   5. one summary table of the ratios against the targets of issue 5, each
#      side at its best round.
# Run from anywhere; works in the repository root.  Tests never assert on time.
#
# Environment:
#   MIMGAN_SPEED_T          seq_lens (default "30 60 90")
#   MIMGAN_SPEED_THREADS    thread counts for torch and mimgan training (default "1 2")
#   MIMGAN_SPEED_SQL_ROWS   rows of the SQL comparison (default 50000)
#   MIMGAN_SPEED_SQL_REPS   core and SQL runs of it, alternating (default 2; the best counts)
#   MIMGAN_SPEED_SQL        1 (default) runs the SQL part, 0 skips it
#   MIMGAN_SPEED_TORCH      1 (default) runs torch_reference.py, 0 skips it
#   MIMGAN_SPEED_CORE       1 (default) runs the core part (2.), 0 skips it
#   MIMGAN_SPEED_CORE_ARGS  extra bench_core options (e.g. "--windows=1024")
#   MIMGAN_SPEED_REPS       rounds of the compared measurements (default 2): round 1
#                           is sections 2 and 3, each further round reruns mimgan's
#                           training and plain scoring (1 thread and mimgan.threads;
#                           not 2 OpenBLAS threads) and torch's train and score,
#                           interleaved; the summary takes each side's best round
#   MIMGAN_SPEED_QUICK=1    small sizes everywhere (a smoke run of a minute or two)
#   MIMGAN_SPEED_PORT       default 54341
#   MIMGAN_SPEED_KEEP=1     leave the cluster running
set -euo pipefail

cd "$(dirname "$0")/../.."
TOP=$(pwd -P)
BC=$TOP/test/bench/bench_core
# Each side picks its OpenBLAS kernel without user action (mimgan's 'auto',
# OpenBLAS's own detection in torch; SkylakeX is set for torch below only
# on an AVX-512 CPU): an OPENBLAS_CORETYPE inherited from the caller would
# decide for both, so it is dropped and reported.
INHERITED_CORETYPE=${OPENBLAS_CORETYPE:-}
unset OPENBLAS_CORETYPE
TORCH_PY=${MIMGAN_SPEED_TORCH_PY:-$TOP/../shared/bench/torch_reference.py}
[ -f "$TORCH_PY" ] || TORCH_PY=/work/shared/bench/torch_reference.py
PORT=${MIMGAN_SPEED_PORT:-54341}
TS=${MIMGAN_SPEED_T:-30 60 90}
THREADS=${MIMGAN_SPEED_THREADS:-1 2}
SQL_ROWS=${MIMGAN_SPEED_SQL_ROWS:-50000}
SQL_REPS=${MIMGAN_SPEED_SQL_REPS:-2}
RUN_SQL=${MIMGAN_SPEED_SQL:-1}
RUN_TORCH=${MIMGAN_SPEED_TORCH:-1}
RUN_CORE=${MIMGAN_SPEED_CORE:-1}
CORE_ARGS=${MIMGAN_SPEED_CORE_ARGS:-}
# rounds of the measurements the targets compare (mimgan's training and
# plain scoring, torch's train and score), interleaved; the summary takes
# each side's best round
REPS=${MIMGAN_SPEED_REPS:-2}
TORCH_TRAIN_STEPS=4
TORCH_SCORE_ITERS=12
TORCH_TIMEOUT=${MIMGAN_SPEED_TORCH_TIMEOUT:-90}
if [ "${MIMGAN_SPEED_QUICK:-0}" = 1 ]; then
	CORE_ARGS="--windows=1024 --epochs=3 --score-windows=128 --warm-windows=256 --warm-batch=128 --enc-windows=512 --scale-rows=10000,30000 $CORE_ARGS"
	SQL_ROWS=${MIMGAN_SPEED_SQL_ROWS:-20000}
	TORCH_TRAIN_STEPS=2
	TORCH_SCORE_ITERS=3
	REPS=${MIMGAN_SPEED_REPS:-1}
fi
SQL_SEQ=30
BENCH=$TOP/.bench-speed
T_START=$(date +%s)
RESULTS=$(mktemp /tmp/mimgan_speed_results.XXXXXX)

say() { printf '\n== %s   [%ds, load %s]\n' "$*" $(( $(date +%s) - T_START )) "$(cut -d' ' -f1 /proc/loadavg)"; }
die() { echo "bench-speed: $*" >&2; exit 1; }
csv() { echo "$*" | tr ' ' ','; }
# bench_core with its RESULT lines kept aside
core() { "$BC" "$@" | awk -v f="$RESULTS" '/^RESULT / { print >>f; fflush(f); next } { print; fflush() }'; }
# training and plain scoring at $1 threads; $2 = --par for mimgan.threads
# (OpenBLAS at 1), empty for OpenBLAS threads
core_compared() { core train score --T="$(csv $TS)" --threads="$1" ${2:-} --score-modes=plain $CORE_ARGS; }
# CPU time other processes took while we ran (the benchmark wants an idle machine)
busy() { ps -eo pid=,pcpu=,etimes=,args= --sort=-pcpu | awk -v me=$$ '$1 != me && $2 >= 20 { printf "   busy: pid %s %s%% CPU: %s\n", $1, $2, substr($0, index($0, $4), 60) }' | head -5; }

# the cluster functions (they do nothing before cluster_init) and the cleanup
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
[ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config) || PG_CONFIG=pg_config
PGBIN=$("$PG_CONFIG" --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
PSQL="$PGBIN/psql"
. "$TOP/test/lib/cluster.sh"
finish()
{
	rm -f "$RESULTS"
	if [ "${MIMGAN_SPEED_KEEP:-0}" = 1 ] && cluster_running; then
		echo "cluster left running: $PSQL -h $CLUSTER_SOCK -p $PORT -U postgres speed"
		return
	fi
	cluster_stop
	cluster_remove
}
trap finish EXIT
trap 'echo "bench-speed: interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------------------
# 1. machine
# ---------------------------------------------------------------------------
echo "mimgan speed benchmark (make bench-speed), $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "command: bash test/bench/speed.sh${MIMGAN_SPEED_QUICK:+ (MIMGAN_SPEED_QUICK=$MIMGAN_SPEED_QUICK)}"
echo "repository: $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$TOP" diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
CORES=$(nproc)
FLAGS=$(grep -m1 '^flags' /proc/cpuinfo || true)
HAS_AVX2=no; HAS_AVX512=no
case " $FLAGS " in *" avx2 "*) HAS_AVX2=yes ;; esac
case " $FLAGS " in *" avx512f "*) HAS_AVX512=yes ;; esac
echo "machine: $MODEL, $CORES cores ($(lscpu | sed -n 's/^Thread(s) per core: *//p') thread(s) per core), AVX2 $HAS_AVX2, AVX-512F $HAS_AVX512, $(free -g | awk '/^Mem:/ {print $2}') GB RAM"
echo "kernel: $(uname -r); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$INHERITED_CORETYPE" ] && echo "OPENBLAS_CORETYPE=$INHERITED_CORETYPE was in the environment: unset for this run (each side picks its own kernel)"
busy
echo "OpenBLAS packages installed: $(dpkg-query -W -f '${db:Status-Abbrev}|${Package} ${Version}\n' 'libopenblas0*' 2>/dev/null |
	awk -F'|' '$1 ~ /^ii/ { printf "%s%s", sep, $2; sep = "; " } END { print "" }')"
echo "libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo '?')"

# always through make: a bench_core older than the core sources would measure old code
make -s -C "$TOP" test/bench/bench_core || die "cannot build test/bench/bench_core"

# ---------------------------------------------------------------------------
# 2. the numerical core
# ---------------------------------------------------------------------------
if [ "$RUN_CORE" = 1 ]; then
	say "numerical core: sgemm, training, scoring, scaling (1 BLAS thread)"
	core all --T="$(csv $TS)" --threads=1 $CORE_ARGS
	for th in $THREADS; do
		[ "$th" = 1 ] && continue
		say "numerical core at $th BLAS threads: sgemm mix, training, plain scoring"
		core_compared "$th"
		say "numerical core at $th mimgan threads (mimgan.threads; OpenBLAS at 1): training, plain scoring"
		core_compared "$th" --par
	done
fi

# one round of torch_reference.py over every mode, T and thread configuration
# (CONFIGS, CORETYPE set in section 3; BASE and BAD carry over between rounds)
torch_round()
{
	printf '%-6s %-4s %-10s %10s %9s %12s %9s\n' mode T "omp/blas" "win/s" "GF/s" "epoch25k s" "RSS MiB"
	for mode in train score; do
		for T in $TS; do
			for cfg in $CONFIGS; do
				omp=${cfg%/*} blas=${cfg#*/}
				if [ -n "${BAD[$mode/$cfg]:-}" ]; then
					printf '%-6s %-4s %-10s skipped: %s\n' $mode "$T" "$cfg" "${BAD[$mode/$cfg]}"
					continue
				fi
				steps=$TORCH_TRAIN_STEPS; [ $mode = score ] && steps=$TORCH_SCORE_ITERS
				if ! out=$(env ${CORETYPE:+OPENBLAS_CORETYPE=$CORETYPE} OPENBLAS_NUM_THREADS=$blas OMP_NUM_THREADS=$omp \
					timeout "$TORCH_TIMEOUT" /usr/bin/python3 "$TORCH_PY" $mode "$T" 38 512 "$omp" "$steps" 2>&1 | tail -1) ||
					! ws=$(echo "$out" | /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["windows_per_s"])' 2>/dev/null); then
					printf '%-6s %-4s %-10s failed or over %s s: %s\n' $mode "$T" "$cfg" "$TORCH_TIMEOUT" "${out:0:100}"
					BAD[$mode/$cfg]="failed or over $TORCH_TIMEOUT s at T=$T"
					continue
				fi
				echo "$out" | /usr/bin/python3 -c '
import json, sys
d = json.loads(sys.stdin.read()); cfg = sys.argv[1]
e = d.get("epoch25k_s", 25000 / d["windows_per_s"])
print("%-6s %-4d %-10s %10.1f %9.1f %12.1f %9.0f" % (d["mode"], d["T"], cfg, d["windows_per_s"], d["achieved_gflops"], e, d["peak_rss_MiB"]))
print("RESULT part=torch mode=%s T=%d omp=%s blas=%s cfg=%s win_s=%.2f gflops=%.2f coretype=%s peak_rss_mib=%.1f" % (d["mode"], d["T"], cfg.split("/")[0], cfg.split("/")[1], cfg, d["windows_per_s"], d["achieved_gflops"], d["openblas_coretype"], d["peak_rss_MiB"]), file=sys.stderr)
' "$cfg" 2>>"$RESULTS"
				if [ "$cfg" = 1/1 ]; then
					BASE[$mode/$T]=$ws
				elif [ -n "${BASE[$mode/$T]:-}" ] && awk -v a="$ws" -v b="${BASE[$mode/$T]}" 'BEGIN { exit !(a < b / 3) }'; then
					BAD[$mode/$cfg]="under a third of 1/1 at T=$T (threads thrash)"
				fi
			done
		done
	done
}

# ---------------------------------------------------------------------------
# 3. PyTorch reference
# ---------------------------------------------------------------------------
if [ "$RUN_TORCH" = 1 ] && [ ! -f "$TORCH_PY" ]; then
	echo; echo "torch_reference.py not found ($TORCH_PY): skipping the PyTorch comparison"
	RUN_TORCH=0
fi
if [ "$RUN_TORCH" = 1 ] && ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	echo; echo "python3-torch is not installed (apt-get install python3-torch): skipping the PyTorch comparison"
	RUN_TORCH=0
fi
if [ "$RUN_TORCH" = 1 ]; then
	CORETYPE=""
	[ "$HAS_AVX512" = yes ] && CORETYPE=SkylakeX
	say "PyTorch reference ($TORCH_PY), OPENBLAS_CORETYPE=${CORETYPE:-unset (OpenBLAS picks; no AVX-512 here, SkylakeX would die with SIGILL)}"
	# which BLAS torch runs, and the kernel OpenBLAS chose in that process
	env ${CORETYPE:+OPENBLAS_CORETYPE=$CORETYPE} OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 - <<'EOF' || true
import ctypes, torch
libs = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l.split()[-1]})
core = "?"
for p in libs:
    try:
        f = ctypes.CDLL(p).openblas_get_corename
        f.restype = ctypes.c_char_p
        core = f().decode()
        break
    except (OSError, AttributeError):
        pass
print("torch %s; BLAS libraries loaded: %s; OpenBLAS core: %s" % (torch.__version__, ", ".join(libs) or "?", core))
EOF
	# thread configurations OMP_NUM_THREADS/OPENBLAS_NUM_THREADS: n/n as issue 5
	# asks, and for n > 1 also n/1 and 1/n (Debian's torch uses the pthread
	# OpenBLAS: its n threads inside torch's n OpenMP threads can thrash)
	CONFIGS=""
	for th in $THREADS; do
		CONFIGS="$CONFIGS $th/$th"
		[ "$th" -gt 1 ] && CONFIGS="$CONFIGS $th/1 1/$th"
	done
	declare -A BASE=() BAD=()
	torch_round
	echo "(train: median of $TORCH_TRAIN_STEPS steps after a warm-up; score: median of $TORCH_SCORE_ITERS inversion steps, extrapolated to 100 steps + the final G and D pass)"
fi

# ---------------------------------------------------------------------------
# 3b. further rounds of what the targets compare, interleaved (this VM's
# speed moves by 10-30 % between minutes; the summary takes each side's
# best round, the same rule for both)
# ---------------------------------------------------------------------------
for rep in $(seq 2 "$REPS"); do
	if [ "$RUN_CORE" = 1 ]; then
		say "round $rep of $REPS: numerical core, training and plain scoring (1 BLAS thread)"
		core_compared 1
		for th in $THREADS; do
			[ "$th" = 1 ] && continue
			say "round $rep of $REPS: numerical core at $th mimgan threads: training, plain scoring"
			core_compared "$th" --par
		done
	fi
	if [ "$RUN_TORCH" = 1 ]; then
		say "round $rep of $REPS: PyTorch reference"
		torch_round
	fi
done

# ---------------------------------------------------------------------------
# 4. through SQL
# ---------------------------------------------------------------------------
if [ "$RUN_SQL" = 1 ]; then
	say "mimgan through SQL: private cluster in .bench-speed/ (port $PORT), $SQL_ROWS rows x 38 columns, seq_len $SQL_SEQ"
	[ -x "$PSQL" ] || die "psql not found (PG_CONFIG=$PG_CONFIG)"
	build_install "$TOP" "$PG_CONFIG" || die "cannot build and install mimgan"

	cluster_init "$BENCH" "$PORT" C.UTF-8 || die "initdb failed"
	cluster_conf <<EOF || die "cannot configure the cluster"
shared_buffers = 256MB
work_mem = 64MB
max_wal_size = 4GB
EOF
	cluster_start || die "the cluster did not start"
	"$PSQL" -X -q -d postgres -c 'CREATE DATABASE speed' || die "cannot create the database"
	export PGDATABASE=speed
	run_sql() { "$PSQL" -X -v ON_ERROR_STOP=1 -P pager=off -q "$@"; }

	COLS=$(printf 'f%d float8, ' $(seq 0 37)); COLS=${COLS%, }
	NAMES=$(printf "'f%d', " $(seq 0 37)); NAMES=${NAMES%, }
	run_sql -c "CREATE EXTENSION mimgan" -c "CREATE TABLE speed_data (t int PRIMARY KEY, $COLS)" ||
		die "setup failed"
	run_sql -At -c "SELECT 'mimgan ' || extversion || ': ' || mimgan_info()::text FROM pg_extension WHERE extname = 'mimgan'"
	t0=$(date +%s.%N)
	"$BC" gendata "$SQL_ROWS" | run_sql -c '\copy speed_data FROM STDIN WITH (FORMAT csv)' || die "loading failed"
	run_sql -c 'ANALYZE speed_data'
	echo "loaded $SQL_ROWS rows (bench_core gendata | \\copy) in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"

	# one SQL training and scoring at mimgan.threads = $1, printed as RESULT part=$2
	sql_run()
	{
		run_sql -At <<EOF
SELECT mimgan_info() IS NOT NULL AS loaded \gset
SET mimgan.blas_threads = 1;
SET mimgan.threads = $1;
SELECT clock_timestamp() AS t0 \gset
SELECT mimgan_train('speed_data', ARRAY[$NAMES], $SQL_SEQ, order_by => 't',
                    model_name => 'speed', options => '$TOPTS') AS model \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 3) AS train_s \gset
SELECT clock_timestamp() AS t1 \gset
SELECT count(score) AS scored, sum(score) AS score_sum
FROM mimgan_score('speed', NULL::speed_data, '$SOPTS') \gset
SELECT round(extract(epoch FROM clock_timestamp() - :'t1'::timestamptz), 3) AS score_s \gset
SELECT round(train_seconds::numeric, 3) AS fit_s, loss_d, threshold, windows
FROM mimgan_models WHERE name = 'speed' ORDER BY version DESC LIMIT 1 \gset
\echo RESULT part=$2 rows=$SQL_ROWS seq=$SQL_SEQ train_s=:train_s fit_s=:fit_s score_s=:score_s windows=:windows loss_d=:loss_d threshold=:threshold score_sum=:score_sum scored=:scored
EOF
	}

	# the core on the same data and options, then SQL, twice (alternating;
	# the summary takes the faster of the two on each side)
	for rep in $(seq 1 "$SQL_REPS"); do
		MATCH=$("$BC" sqlmatch "$SQL_ROWS" --sql-seq=$SQL_SEQ)
		echo "$MATCH" | grep '^RESULT ' >>"$RESULTS"
		if [ "$rep" = 1 ]; then
			echo "$MATCH" | grep -v '^RESULT ' | grep -v '^ *train [0-9]'
			TOPTS=$(echo "$MATCH" | sed -n 's/^RESULT part=sqlmatch key=train_options json=//p')
			SOPTS=$(echo "$MATCH" | sed -n 's/^RESULT part=sqlmatch key=score_options json=//p')
			[ -n "$TOPTS" ] && [ -n "$SOPTS" ] || die "bench_core sqlmatch printed no options"
			echo "   SQL:  mimgan_train('speed_data', ARRAY['f0', .., 'f37'], $SQL_SEQ, order_by => 't', model_name => 'speed', options => (the same))"
			echo "         SELECT count(score), sum(score) FROM mimgan_score('speed', NULL::speed_data, '$SOPTS')"
		fi
		echo "$MATCH" | sed -n "s/^ *train \([0-9]\)/   core: run $rep: train \1/p"
		sql_run 1 sql | tee -a "$RESULTS" | sed "s/^RESULT part=sql /   SQL:  run $rep: /"
	done
	echo "   (train_s: the mimgan_train statement; fit_s: mg_fit inside it, from mimgan_models.train_seconds)"
	# the same at mimgan.threads = 2 (models and scores must not change)
	for th in $THREADS; do
		[ "$th" = 1 ] && continue
		sql_run "$th" sqlpar | sed "s/ rows=/ threads=$th rows=/" | tee -a "$RESULTS" | sed "s/^RESULT part=sqlpar /   SQL at mimgan.threads = $th: /"
	done
	if [ "${MIMGAN_SPEED_KEEP:-0}" != 1 ]; then
		cluster_stop
		cluster_remove
	fi
fi

# ---------------------------------------------------------------------------
# 5. summary
# ---------------------------------------------------------------------------
say "summary (ratios measured in this run; mimgan's training and plain scoring and torch's train and score: the best of $REPS round(s) each)"
/usr/bin/python3 - "$RESULTS" "$TS" "$THREADS" <<'EOF'
import re, sys
path, Ts, threads = sys.argv[1], [int(x) for x in sys.argv[2].split()], [int(x) for x in sys.argv[3].split()]
rows = []
for line in open(path):
    if not line.startswith("RESULT "):
        continue
    d = {}
    for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', line[7:]):
        try:
            d[k] = float(v) if k not in ("part", "mode", "shape", "key", "coretype", "selfcheck", "blas", "json", "cfg", "tkind") else v
        except ValueError:
            d[k] = v
    rows.append(d)
def get(**kw):
    """the matching row; of several rounds, the fastest (win_s)"""
    m = [d for d in rows if all(d.get(k) == v for k, v in kw.items())]
    if not m:
        return None
    return max(m, key=lambda d: d.get("win_s", 0) if isinstance(d.get("win_s"), float) else 0)
def best_torch(mode, T):
    """fastest torch configuration: (win/s, 'omp/blas') or None"""
    c = [(d["win_s"], d["cfg"]) for d in rows if d.get("part") == "torch" and d.get("mode") == mode and d.get("T") == T]
    return max(c) if c else None
def torch_at(mode, T, cfg):
    d = get(part="torch", mode=mode, T=T, cfg=cfg)
    return d["win_s"] if d else None
def fmt(x, f="%.2f"):
    return "-" if x is None else f % x
out = []
def row(what, target, vals, ok=None):
    out.append((what, target, vals, ok))
for T in Ts:
    # (threads, kind): kind "blas" = OpenBLAS threads, "par" = mimgan.threads
    kinds = [(th, k) for th in threads for k in (("blas",) if th == 1 else ("blas", "par"))]
    lab = lambda tk: "%d thr" % tk[0] if tk[0] == 1 else "%d %s thr" % (tk[0], "mimgan" if tk[1] == "par" else "BLAS")
    tr = {tk: get(part="train", T=T, threads=tk[0], tkind=tk[1]) for tk in kinds}
    mg = max((d["win_s"], tk) for tk, d in tr.items() if d) if any(tr.values()) else None
    tb = best_torch("train", T)
    r = mg[0] / tb[0] if mg and tb else None
    row("T=%d train: mimgan best / torch best win/s" % T, ">= 2",
        "%s (%s @%s / %s @omp/blas %s)" % (fmt(r), fmt(mg and mg[0], "%.0f"), lab(mg[1]) if mg else "-",
                                            fmt(tb and tb[0], "%.0f"), tb[1] if tb else "-"),
        None if r is None else r >= 2)
    t1 = torch_at("train", T, "1/1")
    if tr.get((1, "blas")) and t1:
        row("T=%d train: mimgan / torch, both 1 thread" % T, "", "%s (%.0f / %.0f win/s)" % (fmt(tr[(1, "blas")]["win_s"] / t1), tr[(1, "blas")]["win_s"], t1))
    for tk in kinds:
        if tr.get(tk):
            d = tr[tk]
            row("T=%d epoch time / GEMM bound, %s" % (T, lab(tk)), "<= 1.5",
                "%s (%.1f s vs %.1f s per 25k windows; %.0f GF/s = %.0f%% of the %.0f GF/s sgemm mix)" %
                (fmt(d["ratio_bound"]), d["epoch25k_s"], d["bound25k_s"], d["gflops"],
                 100 * d["gflops"] / d["mix_gflops"], d["mix_gflops"]),
                d["ratio_bound"] <= 1.5)
    sc = {tk: get(part="score", mode="plain", T=T, threads=tk[0], tkind=tk[1]) for tk in kinds}
    ms = max((d["win_s"], tk) for tk, d in sc.items() if d) if any(sc.values()) else None
    tsb = best_torch("score", T)
    r = ms[0] / tsb[0] if ms and tsb else None
    row("T=%d score 100 steps, mimgan whole call: mimgan best / torch best" % T, ">= 3",
        "%s (%s @%s / %s @omp/blas %s win/s)" % (fmt(r), fmt(ms and ms[0], "%.1f"), lab(ms[1]) if ms else "-",
                                                  fmt(tsb and tsb[0], "%.1f"), tsb[1] if tsb else "-"),
        None if r is None else r >= 3)
    # the same protocol on both sides: torch_reference.py times the median
    # inversion step after two warm-up steps, times 100, plus its final pass
    sm = {tk: get(part="score", mode="plain_med", T=T, threads=tk[0], tkind=tk[1]) for tk in kinds}
    mm = max((d["win_s"], tk) for tk, d in sm.items() if d) if any(sm.values()) else None
    r = mm[0] / tsb[0] if mm and tsb else None
    row("T=%d score, median step x 100 + final pass (torch's protocol): mimgan best / torch best" % T, ">= 3",
        "%s (%s @%s / %s win/s)" % (fmt(r), fmt(mm and mm[0], "%.1f"), lab(mm[1]) if mm else "-",
                                    fmt(tsb and tsb[0], "%.1f")),
        None if r is None else r >= 3)
    t1 = torch_at("score", T, "1/1")
    if sc.get((1, "blas")) and t1:
        row("T=%d score: mimgan / torch, both 1 thread" % T, "", "%s (%.1f / %.1f win/s)" % (fmt(sc[(1, "blas")]["win_s"] / t1), sc[(1, "blas")]["win_s"], t1))
    for mode, label in (("warm", "warm start, 100 steps"), ("warm10", "warm start, 10 steps"),
                        ("encoder", "encoder, 0 steps"), ("encoder5", "encoder + 5 steps")):
        d = get(part="score", mode=mode, T=T, threads=1)
        if d:
            row("T=%d score speed-up vs plain: %s" % (T, label), ">= 10 (one of them)",
                "%s (%.1f win/s)" % (fmt(d["speedup"]), d["win_s"]))
    d = tr.get((1, "blas"))
    if d:
        row("T=%d training peak memory, 1 thr" % T, "",
            "RSS %.0f MiB; core allocations %.0f MiB (data %.1f MiB)" % (d["peak_rss_mib"], d["core_peak_mib"], d["data_mib"]))
sc = [d for d in rows if d.get("part") == "scale"]
if sc:
    base = sc[0]["s_per_1k_win"]
    row("training cost vs rows (T=30, step %d, 1 epoch)" % sc[0]["step"], "linear",
        "; ".join("%dk rows %.1f s = %.3f s/1k win (x%.2f)" % (d["rows"] / 1000, d["train_s"], d["s_per_1k_win"], d["s_per_1k_win"] / base) for d in sc))
cs = [d for d in rows if d.get("part") == "sqlmatch" and "train_s" in d]
ss = [d for d in rows if d.get("part") == "sql" and isinstance(d.get("train_s"), float)]
if cs and ss:
    c, s = cs[0], ss[0]
    same = all(abs(x["loss_d"] - y["loss_d"]) <= 1e-9 * max(1, abs(x["loss_d"])) and
               abs(x["score_sum"] - y["score_sum"]) <= 1e-6 * max(1, abs(x["score_sum"])) for x in cs for y in ss)
    ct, st = min(d["train_s"] for d in cs), min(d["train_s"] for d in ss)
    cso, sso = min(d["score_s"] for d in cs), min(d["score_s"] for d in ss)
    fit = min(d["fit_s"] for d in ss)
    rt, rs = st / ct, sso / cso
    n = len(ss)
    row("SQL / core, mimgan_train (%d rows, best of %d)" % (c["rows"], n), "<= 1.10",
        "%s (%.2f s vs %.2f s; mg_fit inside mimgan_train %.2f s = %.2fx core)" % (fmt(rt), st, ct, fit, fit / ct), rt <= 1.10)
    row("SQL / core, mimgan_score (%d rows, best of %d)" % (c["rows"], n), "<= 1.10",
        "%s (%.2f s vs %.2f s)" % (fmt(rs), sso, cso), rs <= 1.10)
    row("SQL and core results identical", "yes",
        "%s (loss_d %.9g / %.9g, sum of scores %.9g / %.9g)" % ("yes" if same else "NO", c["loss_d"], s["loss_d"], c["score_sum"], s["score_sum"]), same)
ps = [d for d in rows if d.get("part") == "sqlpar" and isinstance(d.get("train_s"), float)]
if ss and ps:
    s1 = min(ss, key=lambda d: d["train_s"])
    for p in ps:
        same = (p["loss_d"] == s1["loss_d"] and p["score_sum"] == s1["score_sum"] and p["threshold"] == s1["threshold"])
        row("SQL at mimgan.threads = %d / 1 thread: train, score" % p["threads"], "",
            "%.2f, %.2f (train %.2f s vs %.2f s, score %.2f s vs %.2f s; results %s)" %
            (s1["train_s"] / p["train_s"], min(d["score_s"] for d in ss) / p["score_s"], p["train_s"], s1["train_s"],
             p["score_s"], min(d["score_s"] for d in ss), "identical" if same else "DIFFERENT"), same)
w = max(len(r[0]) for r in out)
print("%-*s  %-20s %-4s  %s" % (w, "measure", "target", "met", "value"))
print("-" * (w + 80))
for what, target, vals, ok in out:
    print("%-*s  %-20s %-4s  %s" % (w, what, target, "" if ok is None else ("yes" if ok else "no"), vals))
EOF
echo
echo "== raw results"
cat "$RESULTS"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
say "done"
