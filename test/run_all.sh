#!/usr/bin/env bash
# test/run_all.sh: every mimgan test suite, as run by `make test` and CI.
#
#   unit      make unit             numerical-core unit tests, no server
#   valgrind  make unit-valgrind    the same under valgrind (quick mode)
#   fuzz      make fuzz             libFuzzer + ASan/UBSan on the blob loader (MIMGAN_FUZZ_SECONDS, 60)
#   regress   make installcheck     pg_regress sql/NNN_*.sql vs expected/
#   pgtap     pg_prove              test/pgtap/*.sql (catalog, privileges)
#   tap       prove                 test/t/*.pl (PostgreSQL::Test::Cluster)
#
# The extension is built and installed first (sudo when not root).  regress
# and pgtap run against a private throwaway cluster in tmp_check/ (port
# $MIMGAN_TEST_PORT, default 54329, Unix socket only); the TAP tests start
# their own clusters.  A failing suite does not stop the others.  The last
# line is "N passed, M failed"; the exit status is non-zero if any failed.
#
# Environment: PG_CONFIG (default pg_config), MIMGAN_TEST_PORT,
# MIMGAN_SUITE_TIMEOUT (seconds per suite, default 1800),
# MIMGAN_SUITES (e.g. "regress pgtap": run only these; default all),
# MIMGAN_TAP_TESTS (e.g. "t/007_upgrade.pl": these TAP scripts only),
# MIMGAN_NO_INSTALL=1 (test the installed extension; no make install).
#
# The private cluster is handled by test/lib/cluster.sh.

set -u
set -o pipefail

cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd -P)

PG_CONFIG=${PG_CONFIG:-pg_config}
if ! command -v "$PG_CONFIG" >/dev/null 2>&1; then
	echo "run_all: $PG_CONFIG not found; install postgresql-server-dev-15 (or bash .ci/run as root)" >&2
	exit 2
fi
PGBIN=$("$PG_CONFIG" --bindir)
PGXSDIR=$(dirname "$("$PG_CONFIG" --pgxs)")			# .../lib/pgxs/src/makefiles
PGXSSRC=$(dirname "$PGXSDIR")							# .../lib/pgxs/src
PORT=${MIMGAN_TEST_PORT:-54329}
SUITE_TIMEOUT=${MIMGAN_SUITE_TIMEOUT:-1800}
SUITES=${MIMGAN_SUITES:-"unit valgrind fuzz regress pgtap tap"}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
# The suites check mimgan's own kernel choice (mimgan.blas_coretype 'auto'
# and explicit settings); an OPENBLAS_CORETYPE inherited from the caller's
# environment would win over both (doc/architecture.md, "BLAS"), so the
# tests and their servers run without it.
unset OPENBLAS_CORETYPE

TMPCHECK=$TOP/tmp_check

. "$TOP/test/lib/cluster.sh"

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

declare -a RESULT_NAMES=() RESULT_STATES=()
PASSED=0
FAILED=0
SCRATCH=()				# temp dirs removed on exit

hr() { printf '\n==== %s ====\n' "$*"; }

record()				# record NAME STATUS(0=pass)
{
	RESULT_NAMES+=("$1")
	if [ "$2" -eq 0 ]; then
		RESULT_STATES+=("ok")
		PASSED=$((PASSED + 1))
	else
		RESULT_STATES+=("FAILED")
		FAILED=$((FAILED + 1))
	fi
}

wanted() { case " $SUITES " in *" $1 "*) return 0 ;; esac; return 1; }

# Run a command with a time limit (a hung suite must not hang CI).
limited() { timeout -k 30 "$SUITE_TIMEOUT" "$@"; }

cleanup()
{
	cluster_stop
	local d
	for d in "${SCRATCH[@]+"${SCRATCH[@]}"}"; do
		rm -rf "$d"
	done
}
trap cleanup EXIT
trap 'echo "run_all: interrupted" >&2; exit 130' INT TERM

# ---------------------------------------------------------------------------
# 1. unit tests and valgrind
# ---------------------------------------------------------------------------

# make unit / make unit-valgrind must exit 0 and the summary must say
# "0 failed".
run_unit()
{
	local out st
	out=$(mktemp)
	SCRATCH+=("$out")
	limited make "$1" 2>&1 | tee "$out"
	st=$?
	# the total is the last "N passed, M failed" line (suites print their own)
	if [ $st -eq 0 ] && ! grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1 |
		grep -Eq '^[0-9]+ passed, 0 failed$'; then
		echo "run_all: make $1 did not end with \"N passed, 0 failed\"" >&2
		st=1
	fi
	return $st
}

if wanted unit; then
	hr "unit: make unit"
	run_unit unit
	record unit $?
fi
if wanted valgrind; then
	hr "valgrind: make unit-valgrind"
	if command -v valgrind >/dev/null 2>&1; then
		run_unit unit-valgrind
		record valgrind $?
	else
		echo "run_all: valgrind is not installed (apt-get install valgrind)" >&2
		record valgrind 1
	fi
fi
if wanted fuzz; then
	hr "fuzz: make fuzz (libFuzzer on the blob loader, ${MIMGAN_FUZZ_SECONDS:-60} s)"
	if command -v "${FUZZ_CC:-clang-14}" >/dev/null 2>&1; then
		limited make fuzz FUZZ_SECONDS="${MIMGAN_FUZZ_SECONDS:-60}" 2>&1 | tail -n 25
		record fuzz "${PIPESTATUS[0]}"
	else
		echo "run_all: ${FUZZ_CC:-clang-14} is not installed (apt-get install clang-14 libclang-rt-14-dev)" >&2
		record fuzz 1
	fi
fi

# ---------------------------------------------------------------------------
# 2. build and install
# ---------------------------------------------------------------------------

NEED_SERVER=0
for s in regress pgtap tap; do wanted $s && NEED_SERVER=1; done

BUILD_OK=0
if [ $NEED_SERVER -eq 1 ]; then
	hr "build: make && make install"
	if make PG_CONFIG="$PG_CONFIG"; then
		if [ "${MIMGAN_NO_INSTALL:-0}" = 1 ]; then
			echo "run_all: MIMGAN_NO_INSTALL=1: testing the mimgan already installed in $("$PG_CONFIG" --pkglibdir)"
			BUILD_OK=1
		elif [ $IS_ROOT -eq 1 ] || [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
			make install PG_CONFIG="$PG_CONFIG" && BUILD_OK=1
		elif command -v sudo >/dev/null 2>&1; then
			echo "run_all: not root; installing with sudo (make install writes to $("$PG_CONFIG" --pkglibdir))"
			sudo make install PG_CONFIG="$PG_CONFIG" && BUILD_OK=1
		else
			echo "run_all: make install needs write access to $("$PG_CONFIG" --pkglibdir) and" >&2
			echo "  $("$PG_CONFIG" --sharedir)/extension; run as root, or install sudo," >&2
			echo "  or run 'sudo make install' yourself and re-run with MIMGAN_NO_INSTALL=1" >&2
		fi
	fi
	[ $BUILD_OK -eq 1 ] || echo "run_all: build/install FAILED; regress, pgtap and tap count as failed" >&2
fi

# ---------------------------------------------------------------------------
# 3. private cluster in tmp_check/
# ---------------------------------------------------------------------------

CLUSTER_OK=0
start_cluster()
{
	cluster_init "$TMPCHECK" "$PORT" C || return 1
	cluster_conf <<EOF
full_page_writes = off
max_connections = 30
shared_buffers = 64MB
log_min_messages = warning
log_line_prefix = '%m [%p] %d '
EOF
	cluster_start || return 1
	"$PGBIN/psql" -X -q -d postgres -c 'select 1' >/dev/null
}

if [ $BUILD_OK -eq 1 ] && { wanted regress || wanted pgtap; }; then
	hr "cluster: initdb + start in tmp_check (port $PORT)"
	if start_cluster; then
		CLUSTER_OK=1
		echo "cluster up: PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=postgres"
	fi
fi

# ---------------------------------------------------------------------------
# 4. pg_regress
# ---------------------------------------------------------------------------

if wanted regress; then
	hr "regress: make installcheck"
	if [ $CLUSTER_OK -eq 1 ]; then
		rm -f regression.diffs regression.out
		limited make installcheck PG_CONFIG="$PG_CONFIG" \
			PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER=postgres
		st=$?
		if [ $st -ne 0 ] && [ -s regression.diffs ]; then
			hr "regression.diffs"
			cat regression.diffs
		fi
		record regress $st
	else
		record regress 1
	fi
fi

# ---------------------------------------------------------------------------
# 5. pgTAP
# ---------------------------------------------------------------------------

if wanted pgtap; then
	hr "pgtap: pg_prove test/pgtap/*.sql"
	st=1
	if [ $CLUSTER_OK -eq 1 ]; then
		if ! command -v pg_prove >/dev/null 2>&1; then
			echo "run_all: pg_prove not found (apt-get install postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl)" >&2
		elif ! compgen -G "test/pgtap/*.sql" >/dev/null; then
			echo "run_all: no test/pgtap/*.sql" >&2
		else
			DB=mimgan_pgtap
			"$PGBIN/psql" -X -q -d postgres -v ON_ERROR_STOP=1 \
				-c "drop database if exists $DB" -c "create database $DB" &&
			"$PGBIN/psql" -X -q -d $DB -v ON_ERROR_STOP=1 \
				-c "create extension pgtap" &&
			limited pg_prove --ext .sql -d $DB --timer test/pgtap/*.sql
			st=$?
		fi
	fi
	record pgtap $st
fi

# Regress and pgTAP are done: free the cluster before the TAP tests start
# clusters of their own.
cluster_stop

# ---------------------------------------------------------------------------
# 6. Perl TAP tests (PostgreSQL::Test::Cluster)
# ---------------------------------------------------------------------------

run_tap()
{
	local perldir=$PGXSSRC/test/perl regress=$PGXSSRC/test/regress/pg_regress
	local work st
	if [ ! -f "$perldir/PostgreSQL/Test/Cluster.pm" ]; then
		echo "run_all: $perldir/PostgreSQL/Test/Cluster.pm not found (postgresql-server-dev-15)" >&2
		return 1
	fi
	if ! perl -MIPC::Run -e 1 2>/dev/null; then
		echo "run_all: the Perl module IPC::Run is missing (apt-get install libipc-run-perl)" >&2
		return 1
	fi
	if ! compgen -G "test/t/*.pl" >/dev/null; then
		echo "run_all: no test/t/*.pl" >&2
		return 1
	fi
	# PostgreSQL::Test::Cluster refuses to run as root: run prove as
	# postgres on a copy of test/t in a directory postgres can write.
	work=$(mktemp -d /tmp/mimgan_tap.XXXXXX)
	SCRATCH+=("$work")
	cp -R test/t "$work/t"
	[ -d test/data ] && cp -R test/data "$work/data"
	mkdir -p "$work/doc" && cp -R doc/tutorial.md doc/scale-out "$work/doc/"	# 009, 010
	[ $IS_ROOT -eq 1 ] && chown -R postgres: "$work"
	local -a who=()
	[ $IS_ROOT -eq 1 ] && who=(runuser -u postgres --)
	local tap_tests=${MIMGAN_TAP_TESTS:-t/*.pl}
	(
		cd "$work" &&
		limited "${who[@]+"${who[@]}"}" env PATH="$PGBIN:$PATH" \
			TESTDIR="$work" \
			PG_REGRESS="$regress" \
			PG_TEST_PORT_DIR="$work/portlock" \
			OPENBLAS_NUM_THREADS=1 \
			MIMGAN_TEST_DATA="$work/data" \
			MIMGAN_SOAK_SECONDS="${MIMGAN_SOAK_SECONDS:-20}" \
			prove -v -I "$perldir" -I "$work/t" $tap_tests
	)
	st=$?
	if [ $st -ne 0 ]; then
		hr "tap logs"
		for f in "$work"/tmp_check/log/*; do
			[ -f "$f" ] || continue
			echo "---- $(basename "$f") (last 60 lines) ----"
			tail -n 60 "$f"
		done
	fi
	# keep the logs in the build folder for inspection
	mkdir -p "$TMPCHECK/tap_log" 2>/dev/null &&
		cp -R "$work"/tmp_check/log/. "$TMPCHECK/tap_log/" 2>/dev/null
	return $st
}

if wanted tap; then
	hr "tap: prove test/t/*.pl"
	if [ $BUILD_OK -eq 1 ]; then
		run_tap
		record tap $?
	else
		record tap 1
	fi
fi

# ---------------------------------------------------------------------------
# 7. summary
# ---------------------------------------------------------------------------

hr "summary"
for i in "${!RESULT_NAMES[@]}"; do
	printf '  %-9s %s\n' "${RESULT_NAMES[$i]}" "${RESULT_STATES[$i]}"
done
# On success the cluster's data directory goes (logs stay); on failure it
# is kept for inspection until the next run.
if [ $FAILED -eq 0 ]; then
	cluster_stop
	if [ -L "$TMPCHECK" ]; then		# the cluster was in /tmp: remove it all
		cluster_remove "$TMPCHECK"
	else
		rm -rf "$TMPCHECK/data"
	fi
fi
echo "$PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ] && [ $PASSED -gt 0 ]
