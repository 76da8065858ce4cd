# test/lib/cluster.sh: a private throwaway PostgreSQL cluster (Unix socket
# only), shared by test/run_all.sh, test/demo.sh and test/bench/accuracy.sh.
# Sourced, not run:
#
#   PGBIN=$("$PG_CONFIG" --bindir)
#   . "$TOP/test/lib/cluster.sh"
#   cluster_init "$TOP/.demo" 54330 C.UTF-8 || die "initdb failed"
#   cluster_conf <<EOF             (optional: more postgresql.conf settings)
#   shared_buffers = 64MB
#   EOF
#   cluster_start || die "the cluster did not start"
#   ...                            (PGHOST, PGPORT and PGUSER are exported)
#   cluster_stop; cluster_remove
#
# cluster_init DIR PORT [LOCALE]  stops and removes a cluster left in DIR by
#	an interrupted run, then runs initdb in DIR/data (locale default C,
#	UTF8, trust, superuser postgres) and sets the port, the socket directory
#	DIR/sock and fsync = off.  The server log is DIR/postmaster.log.
# cluster_conf                    appends its standard input to postgresql.conf.
# cluster_start                   starts the server and exports PGHOST,
#	PGPORT and PGUSER for it.
# cluster_running                 true if the server's postmaster.pid exists.
# cluster_stop                    stops the server (fast, else immediate).
# cluster_remove [DIR]            removes DIR (default: the cluster's), and
#	its /tmp target when it is a symlink.
# as_owner CMD...                 runs CMD as the cluster owner: postgres when
#	we are root (runuser), else ourselves.
# build_install TOP PG_CONFIG     builds the extension in TOP and installs it
#	(as root, into a writable pkglibdir, or through sudo); returns non-zero
#	with a message on stderr when that fails.
# cluster_stop and cluster_remove do nothing before cluster_init, so they can
# sit in an EXIT trap.
#
# When root, the cluster belongs to postgres.  If postgres cannot write DIR
# (a clone under /root) or the socket path would be too long (108 bytes at
# most), the cluster goes to a fresh /tmp/mimgan_<name>.XXXXXX and DIR
# becomes a symlink to it.  After cluster_init:
#	CLUSTER_DIR   DIR as given          CLUSTER_WORK  the real directory
#	CLUSTER_DATA  the data directory    CLUSTER_SOCK  the socket directory
#	CLUSTER_LOG   the server log        CLUSTER_PORT  the port
# PGBIN (the server's bindir) must be set before any function is called.

CLUSTER_ROOT=0
if [ "$(id -u)" -eq 0 ]; then
	CLUSTER_ROOT=1
fi

as_owner()
{
	if [ $CLUSTER_ROOT -eq 1 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

build_install()
{
	local top=$1 pgc=$2 libdir
	make -s -C "$top" PG_CONFIG="$pgc" >/dev/null ||
		{ echo "build failed (run 'make' to see why)" >&2; return 1; }
	libdir=$("$pgc" --pkglibdir)
	if [ "$(id -u)" -eq 0 ] || [ -w "$libdir" ]; then
		make -s -C "$top" install PG_CONFIG="$pgc" >/dev/null ||
			{ echo "make install failed" >&2; return 1; }
	elif command -v sudo >/dev/null 2>&1; then
		echo "make install writes to $libdir: using sudo"
		sudo make -s -C "$top" install PG_CONFIG="$pgc" >/dev/null ||
			{ echo "sudo make install failed" >&2; return 1; }
	else
		echo "make install needs root: run 'sudo make install' first" >&2
		return 1
	fi
}

cluster_running()
{
	[ -n "${CLUSTER_DATA:-}" ] && [ -f "$CLUSTER_DATA/postmaster.pid" ]
}

cluster_stop()
{
	cluster_running || return 0
	as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 ||
		as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DATA" -m immediate -w stop >/dev/null 2>&1
}

cluster_remove()
{
	local dir=${1:-${CLUSTER_DIR:-}}

	[ -n "$dir" ] || return 0
	if [ -L "$dir" ]; then
		rm -rf "$(readlink -f "$dir")"
		rm -f "$dir"
	else
		rm -rf "$dir"
	fi
}

cluster_init()
{
	local dir=$1 port=$2 locale=${3:-C} alt name

	CLUSTER_DIR=$dir CLUSTER_WORK=$dir CLUSTER_PORT=$port
	CLUSTER_DATA=$dir/data CLUSTER_SOCK=$dir/sock CLUSTER_LOG=$dir/postmaster.log
	cluster_stop			# left over from an interrupted run
	cluster_remove "$dir"
	mkdir -p "$dir" || return 1

	[ $CLUSTER_ROOT -eq 1 ] && chown postgres: "$dir"
	if [ ${#CLUSTER_SOCK} -gt 80 ] ||
		{ [ $CLUSTER_ROOT -eq 1 ] && ! runuser -u postgres -- test -w "$dir"; }; then
		name=$(basename "$dir")
		alt=$(mktemp -d "/tmp/mimgan_${name#.}.XXXXXX") || return 1
		[ $CLUSTER_ROOT -eq 1 ] && chown postgres: "$alt"
		rmdir "$dir"
		ln -s "$alt" "$dir"
		CLUSTER_WORK=$alt
		CLUSTER_DATA=$alt/data CLUSTER_SOCK=$alt/sock CLUSTER_LOG=$alt/postmaster.log
		echo "$(basename "$0" .sh): $dir is not usable by postgres (or too long a path); cluster in $alt"
	fi
	as_owner mkdir -p "$CLUSTER_SOCK" || return 1

	if ! as_owner "$PGBIN/initdb" -D "$CLUSTER_DATA" -U postgres -A trust -E UTF8 \
		--locale="$locale" --no-sync >"$CLUSTER_WORK/initdb.log" 2>&1; then
		cat "$CLUSTER_WORK/initdb.log" >&2
		return 1
	fi
	cluster_conf <<EOF

# $(basename "$0"): private throwaway cluster (test/lib/cluster.sh)
port = $CLUSTER_PORT
listen_addresses = ''
unix_socket_directories = '$CLUSTER_SOCK'
fsync = off
synchronous_commit = off
EOF
}

cluster_conf()
{
	as_owner tee -a "$CLUSTER_DATA/postgresql.conf" >/dev/null
}

cluster_start()
{
	if ! as_owner "$PGBIN/pg_ctl" -D "$CLUSTER_DATA" -l "$CLUSTER_LOG" -w -t 60 start >/dev/null; then
		echo "the cluster did not start; $CLUSTER_LOG:" >&2
		cat "$CLUSTER_LOG" >&2
		return 1
	fi
	export PGHOST=$CLUSTER_SOCK PGPORT=$CLUSTER_PORT PGUSER=postgres
}
