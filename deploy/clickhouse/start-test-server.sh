#!/usr/bin/env bash
# start-test-server.sh DIR PORT_TCP PORT_HTTP
#
# Starts a throwaway clickhouse-server for tests and local development:
# writes test-config.xml and test-users.xml (beside this script) into DIR
# with the ports and paths filled in, starts the server in the background
# (log in DIR/server.log, pid in DIR/pid), waits up to
# CLICKHOUSE_START_TIMEOUT seconds (default 30) for
# GET http://127.0.0.1:PORT_HTTP/ping to answer "Ok.", and prints
#
#   CLICKHOUSE_ADDR=127.0.0.1:PORT_TCP
#
# It installs nothing: install the server first (Debian: apt-get install -y
# clickhouse-server). Set CLICKHOUSE_SERVER_BIN to use another binary.
# If the server in DIR is already running and answering, it is reused.
# Stop it with: kill "$(cat DIR/pid)"
set -euo pipefail

if [ "$#" -ne 3 ]; then
	echo "usage: $0 DIR PORT_TCP PORT_HTTP" >&2
	exit 2
fi
for p in "$2" "$3"; do
	case "$p" in
	'' | *[!0-9]*)
		echo "$0: port '$p' is not a number" >&2
		exit 2
		;;
	esac
done

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# DIR is substituted with sed, '|' as delimiter: refuse what would break it.
case "$1" in
*'|'* | *'&'* | *\\*)
	printf '%s: DIR must not contain | & or a backslash\n' "$0" >&2
	exit 2
	;;
esac
mkdir -p "$1"
dir=$(cd "$1" && pwd)
tcp=$2
http=$3
timeout=${CLICKHOUSE_START_TIMEOUT:-30}

# ping prints the body of GET /ping, or nothing.
ping() {
	local url="http://127.0.0.1:$http/ping"
	if command -v curl >/dev/null 2>&1; then
		curl -fsS --max-time 2 "$url" 2>/dev/null || true
	elif command -v wget >/dev/null 2>&1; then
		wget -qO- --timeout=2 "$url" 2>/dev/null || true
	else
		# bash's /dev/tcp: no client needed.
		(
			exec 3<>"/dev/tcp/127.0.0.1/$http" || exit 0
			printf 'GET /ping HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
			timeout 2 cat <&3 | tail -n 1
		) 2>/dev/null || true
	fi
}

# tcp_open succeeds when something accepts connections on 127.0.0.1:$1.
tcp_open() {
	# shellcheck disable=SC2016 # $1 is expanded by the inner bash
	timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

show_logs() {
	for f in "$dir/server.err.log" "$dir/server.log" "$dir/stdout.log"; do
		if [ -s "$f" ]; then
			echo "---- tail of $f" >&2
			tail -n 40 "$f" >&2
		fi
	done
}

# Reuse a server this script already started in DIR.
if [ -f "$dir/pid" ]; then
	old=$(cat "$dir/pid" 2>/dev/null || true)
	if alive "$old"; then
		if [ "$(ping)" = "Ok." ] && tcp_open "$tcp"; then
			echo "CLICKHOUSE_ADDR=127.0.0.1:$tcp"
			exit 0
		fi
		echo "$0: a server (pid $old) from $dir/pid is running but does not answer on port $http; stop it first" >&2
		exit 1
	fi
	rm -f "$dir/pid"
fi

# Another server on our ports would answer in our server's stead (and ours
# would die): refuse instead.
for p in "$http" "$tcp"; do
	if tcp_open "$p"; then
		echo "$0: port $p on 127.0.0.1 is already in use; choose other ports" >&2
		exit 1
	fi
done

# Debian's 18.16 package ships /usr/sbin/clickhouse-server (not always on a
# non-root PATH); upstream packages ship one `clickhouse` binary whose
# `clickhouse server` runs the server (and usually a clickhouse-server link).
cmd=()
if [ -n "${CLICKHOUSE_SERVER_BIN:-}" ]; then
	cmd=("$CLICKHOUSE_SERVER_BIN")
elif command -v clickhouse-server >/dev/null 2>&1; then
	cmd=("$(command -v clickhouse-server)")
elif [ -x /usr/sbin/clickhouse-server ]; then
	cmd=(/usr/sbin/clickhouse-server)
elif [ -x /usr/bin/clickhouse-server ]; then
	cmd=(/usr/bin/clickhouse-server)
elif command -v clickhouse >/dev/null 2>&1; then
	cmd=("$(command -v clickhouse)" server)
else
	echo "$0: no clickhouse-server binary found; install it (apt-get install -y clickhouse-server)" >&2
	exit 1
fi

mkdir -p "$dir/data" "$dir/tmp" "$dir/user_files" "$dir/format_schemas"
subst() {
	sed -e "s|@DIR@|$dir|g" -e "s|@TCP_PORT@|$tcp|g" -e "s|@HTTP_PORT@|$http|g" "$1" >"$2"
}
subst "$here/test-config.xml" "$dir/config.xml"
subst "$here/test-users.xml" "$dir/users.xml"

# nohup + closed stdio: the server outlives this script and holds none of
# its caller's pipes (CI waits for those to close). exec keeps $! the
# server's own pid.
(cd "$dir" && exec nohup "${cmd[@]}" --config-file="$dir/config.xml" \
	</dev/null >>"$dir/stdout.log" 2>&1) &
pid=$!
echo "$pid" >"$dir/pid"

deadline=$((SECONDS + timeout))
while :; do
	if ! alive "$pid"; then
		echo "$0: clickhouse-server (pid $pid) exited during startup" >&2
		rm -f "$dir/pid"
		show_logs
		exit 1
	fi
	# The HTTP port opens before the native one: wait for both.
	if [ "$(ping)" = "Ok." ] && tcp_open "$tcp"; then
		break
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "$0: clickhouse-server (pid $pid) did not answer on 127.0.0.1:$http/ping within ${timeout}s" >&2
		show_logs
		kill "$pid" 2>/dev/null || true
		rm -f "$dir/pid"
		exit 1
	fi
	sleep 0.1
done

echo "CLICKHOUSE_ADDR=127.0.0.1:$tcp"
