#!/usr/bin/env bash
# test/bench/scaleout.sh: what `make bench-scaleout` runs (never part of
# make test).  Builds and installs mimgan, then runs test/bench/scaleout.pl
# (PostgreSQL::Test::Cluster: a coordinator and two PL/Proxy shards on
# loopback) as the postgres user when run as root.  Needs
# postgresql-15-plproxy.  See doc/scale-out.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
TOP=$(pwd -P)
PG_CONFIG=${PG_CONFIG:-pg_config}
. "$TOP/test/lib/cluster.sh"
build_install "$TOP" "$PG_CONFIG" || { echo "bench-scaleout: build/install failed" >&2; exit 1; }
PGBIN=$("$PG_CONFIG" --bindir)
PGXSSRC=$(dirname "$(dirname "$("$PG_CONFIG" --pgxs)")")
work=$(mktemp -d /tmp/mimgan_scaleout.XXXXXX)
trap 'rm -rf "$work"' EXIT
st=0
cp test/bench/scaleout.pl "$work/" && cp -R doc/scale-out "$work/doc"
who=()
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$work"; who=(runuser -u postgres --); fi
cd "$work"
"${who[@]+"${who[@]}"}" env PATH="$PGBIN:$PATH" TESTDIR="$work" PG_REGRESS="$PGXSSRC/test/regress/pg_regress" \
	OPENBLAS_NUM_THREADS=1 MIMGAN_SCALEOUT_DOC="$work/doc" \
	MIMGAN_SCALEOUT_SERIES="${MIMGAN_SCALEOUT_SERIES:-8}" MIMGAN_SCALEOUT_ROWS="${MIMGAN_SCALEOUT_ROWS:-20000}" \
	MIMGAN_SCALEOUT_REPEAT="${MIMGAN_SCALEOUT_REPEAT:-3}" \
	perl -I "$PGXSSRC/test/perl" scaleout.pl > out.txt 2>&1 || st=$?
grep -v '^ok \|^1\.\.\|^# Looks like\|^# Tests were' out.txt || true
if [ $st -ne 0 ]; then
	echo "bench-scaleout: failed (status $st); the end of the log:" >&2
	tail -n 40 out.txt tmp_check/log/* 2>/dev/null >&2
	exit $st
fi
