#!/usr/bin/env bash
# deploy/chaos/run.sh — the fault run: "nothing acknowledged is lost or
# counted twice", measured again by anyone.
#
# Builds yuqing, starts `yuqing serve` on a fresh data directory and a free
# loopback port, drives it with `yuqing bench load` (which records every id
# the server acknowledged), and meanwhile kills the server with SIGKILL
# every few seconds (random within a range) and restarts it, timing
# restart → /readyz 200. Once during the run the backend has its own fault
# (below). At the end the load finishes its retries, `yuqing check` waits
# for the analyser to catch up and verifies every acknowledged id, and the
# script prints
#
#   acknowledged=N lost=N doubled=N kills=N restart_to_ready_ms p50=… max=…
#
# and exits non-zero on any loss or doubling (or when the run itself failed).
#
# Options (environment):
#   BACKEND=sqlite|clickhouse|kafka   default sqlite
#       sqlite      the embedded log and store
#       clickhouse  store on a throwaway clickhouse-server
#                   (deploy/clickhouse/start-test-server.sh; needs
#                   clickhouse-server installed), stopped once for OUTAGE s
#       kafka       log on a loopback kfake broker (deploy/chaos/kfake, all
#                   in memory), paused once with SIGSTOP for PAUSE s
#   KILLS=20  RATE=2000 (mentions/s)  DURATION=10m  OUTAGE=60  PAUSE=20
#   SHORT=1   the CI form: KILLS=3 RATE=500 DURATION=60s OUTAGE=20 (each
#             still overridable)
#   KILL_MIN, KILL_MAX   seconds between kills (default: spread the kills
#             over DURATION, minus the backend fault)
#   GRACE=2m  how long the load keeps retrying after DURATION
#   WAIT=30m  how long `yuqing check` waits for the analyser to catch up
#             (it stops waiting as soon as it has)
#   BATCH=100 CONCURRENCY=4   the load's batch size and requests in flight
#   WORK=DIR  where to keep everything (default: a new /tmp/yuqing-chaos.*;
#             removed after a clean run unless KEEP=1)
#   YUQING_BIN=PATH   use this binary instead of building one
#
# Needs: go (unless YUQING_BIN), curl.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ "${SHORT:-0}" = 1 ]; then
	: "${KILLS:=3}" "${RATE:=500}" "${DURATION:=60s}" "${OUTAGE:=20}"
fi
KILLS=${KILLS:-20}
RATE=${RATE:-2000}
DURATION=${DURATION:-10m}
OUTAGE=${OUTAGE:-60}
PAUSE=${PAUSE:-20}
BACKEND=${BACKEND:-sqlite}
GRACE=${GRACE:-2m}
WAIT=${WAIT:-30m}
BATCH=${BATCH:-100}
CONCURRENCY=${CONCURRENCY:-4}

case "$BACKEND" in
sqlite | clickhouse | kafka) ;;
*)
	echo "$0: BACKEND=$BACKEND is not sqlite, clickhouse or kafka" >&2
	exit 2
	;;
esac
command -v curl >/dev/null || {
	echo "$0: curl is needed" >&2
	exit 2
}

say() { printf 'chaos %s: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
now_ms() { date +%s%3N; }

# secs D: a Go-style duration (90s, 10m, 1h, 1m30s) or plain seconds, in whole seconds.
secs() {
	local d=$1 total=0 n u
	if [[ $d =~ ^[0-9]+$ ]]; then
		echo "$d"
		return
	fi
	while [[ $d =~ ^([0-9]+)(h|m|s)(.*)$ ]]; do
		n=${BASH_REMATCH[1]} u=${BASH_REMATCH[2]} d=${BASH_REMATCH[3]}
		case $u in
		h) total=$((total + n * 3600)) ;;
		m) total=$((total + n * 60)) ;;
		s) total=$((total + n)) ;;
		esac
	done
	if [ -n "$d" ]; then
		echo "$0: cannot read duration '$1' (use e.g. 90s, 10m, 1h)" >&2
		exit 2
	fi
	echo "$total"
}
dur_s=$(secs "$DURATION")
[[ $DURATION =~ ^[0-9]+$ ]] && DURATION=${DURATION}s
[[ $GRACE =~ ^[0-9]+$ ]] && GRACE=${GRACE}s
[[ $WAIT =~ ^[0-9]+$ ]] && WAIT=${WAIT}s

port_open() { timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! port_open "$p"; then
			echo "$p"
			return
		fi
	done
	echo "$0: no free port found" >&2
	exit 1
}

work=${WORK:-$(mktemp -d /tmp/yuqing-chaos.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
data=$work/data
say "backend=$BACKEND kills=$KILLS rate=$RATE/s duration=$DURATION work=$work"

serve_pid= load_pid= kfake_pid= ch_dir=
cleanup() {
	local rc=$?
	set +e
	for p in $load_pid $serve_pid $kfake_pid; do
		if kill -0 "$p" 2>/dev/null; then
			kill -CONT "$p" 2>/dev/null
			kill "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	if [ -n "$ch_dir" ] && [ -f "$ch_dir/pid" ]; then
		local chpid
		chpid=$(cat "$ch_dir/pid")
		kill "$chpid" 2>/dev/null
		for _ in $(seq 1 300); do
			kill -0 "$chpid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	if [ "$rc" = 0 ] && [ "${KEEP:-0}" != 1 ] && [ -z "${WORK:-}" ]; then
		rm -rf "$work"
	else
		say "kept $work (serve.log, load.out, check.out, acked.txt)"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build
if [ -n "${YUQING_BIN:-}" ]; then
	bin=$YUQING_BIN
else
	say "building yuqing"
	(cd "$repo" && go build -o "$work/yuqing" ./cmd/yuqing)
	bin=$work/yuqing
fi

# ---- backend
port=$(free_port)
addr=127.0.0.1:$port
serve_args=(serve --data "$data" --addr "$addr" --report-kinds none)
store_args=(--data "$data")
fault_s=0
case "$BACKEND" in
clickhouse)
	ch_dir=$work/clickhouse
	ch_tcp=$(free_port)
	ch_http=$(free_port)
	start_ch() { "$repo/deploy/clickhouse/start-test-server.sh" "$ch_dir" "$ch_tcp" "$ch_http" >/dev/null; }
	say "starting clickhouse-server on 127.0.0.1:$ch_tcp"
	start_ch
	db=chaos_$(date +%s)
	store_args+=(--store clickhouse --clickhouse "127.0.0.1:$ch_tcp" --ch-database "$db")
	fault_s=$OUTAGE
	;;
kafka)
	kport=$(free_port)
	if [ -n "${YUQING_BIN:-}" ] && [ -n "${KFAKE_BIN:-}" ]; then
		kbin=$KFAKE_BIN
	else
		(cd "$repo" && go build -o "$work/kfake" ./deploy/chaos/kfake)
		kbin=$work/kfake
	fi
	"$kbin" --port "$kport" >"$work/kfake.log" 2>&1 &
	kfake_pid=$!
	for _ in $(seq 1 100); do port_open "$kport" && break || sleep 0.1; done
	port_open "$kport" || {
		say "kfake did not start"
		cat "$work/kfake.log" >&2
		exit 1
	}
	say "kfake broker on 127.0.0.1:$kport (pid $kfake_pid)"
	store_args+=(--log kafka --brokers "127.0.0.1:$kport")
	fault_s=$PAUSE
	;;
esac
serve_args+=("${store_args[@]:2}")

# The ingest token: no user, only the bearer token, handed over in the
# environment (never on a command line).
YUQING_INGEST_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export YUQING_INGEST_TOKEN

# ---- serve
start_serve() {
	echo "---- start $(date -Is)" >>"$work/serve.log"
	"$bin" "${serve_args[@]}" >>"$work/serve.log" 2>&1 &
	serve_pid=$!
}
# wait_ready prints the ms from $1 until /readyz answered 200.
wait_ready() {
	local t0=$1 deadline=$((SECONDS + 180))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if ! kill -0 "$serve_pid" 2>/dev/null; then
			say "yuqing serve exited; tail of serve.log:"
			tail -n 30 "$work/serve.log" >&2
			return 1
		fi
		if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$addr/readyz")" = 200 ]; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		sleep 0.05
	done
	say "yuqing serve not ready after 180 s; tail of serve.log:"
	tail -n 30 "$work/serve.log" >&2
	return 1
}

t0=$(now_ms)
start_serve
first_ready=$(wait_ready "$t0")
say "serve ready in ${first_ready} ms (pid $serve_pid)"

# ---- load
"$bin" bench load --to "http://$addr" --rate "$RATE" --duration "$DURATION" --grace "$GRACE" \
	--batch "$BATCH" --concurrency "$CONCURRENCY" --acked "$work/acked.txt" --prefix "chaos-$(date +%s)" \
	>"$work/load.out" &
load_pid=$!

# ---- faults
backend_fault() {
	case "$BACKEND" in
	clickhouse)
		say "stopping clickhouse-server for ${OUTAGE}s"
		local pid
		pid=$(cat "$ch_dir/pid")
		kill "$pid"
		while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
		sleep "$OUTAGE"
		start_ch
		say "clickhouse-server is back"
		;;
	kafka)
		say "pausing the kafka broker (SIGSTOP) for ${PAUSE}s"
		kill -STOP "$kfake_pid"
		sleep "$PAUSE"
		kill -CONT "$kfake_pid"
		say "kafka broker resumed"
		;;
	esac
}

# Kills are spread over the run: the mean gap leaves room for the
# restarts (about 4 s each) and the backend fault.
mean=$(((dur_s - fault_s) / (KILLS + 1) - 4))
[ "$mean" -lt 2 ] && mean=2
kmin=${KILL_MIN:-$((mean / 2))}
kmax=${KILL_MAX:-$((mean * 3 / 2))}
[ "$kmin" -lt 1 ] && kmin=1
[ "$kmax" -lt "$kmin" ] && kmax=$kmin
fault_after=$((KILLS / 2))
say "killing serve $KILLS times, every ${kmin}-${kmax}s"
kills=0
: >"$work/restart_ms.txt"
for i in $(seq 1 "$KILLS"); do
	gap_ms=$((kmin * 1000 + (RANDOM * 32768 + RANDOM) % ((kmax - kmin) * 1000 + 1)))
	sleep "$((gap_ms / 1000)).$(printf '%03d' $((gap_ms % 1000)))"
	if ! kill -0 "$load_pid" 2>/dev/null; then
		say "the load has ended: no more kills"
		break
	fi
	kill -KILL "$serve_pid"
	wait "$serve_pid" 2>/dev/null || true
	kills=$((kills + 1))
	t0=$(now_ms)
	start_serve
	ms=$(wait_ready "$t0")
	echo "$ms" >>"$work/restart_ms.txt"
	say "kill $kills: restarted, ready in ${ms} ms"
	if [ "$BACKEND" != sqlite ] && [ "$i" = "$fault_after" ]; then
		backend_fault
	fi
done
if [ "$BACKEND" != sqlite ] && [ "$fault_after" = 0 ]; then
	# KILLS 0 or 1: the backend fault comes after the kill, or a third into the run.
	if [ "$KILLS" = 0 ]; then sleep "$((dur_s / 3))"; fi
	backend_fault
fi

# ---- the verdict
say "waiting for the load to finish (it retries what is unacknowledged for up to $GRACE)"
load_rc=0
wait "$load_pid" || load_rc=$?
load_pid=
say "load: $(tail -n 1 "$work/load.out") (exit $load_rc)"

say "checking (waits up to $WAIT for the analyser to catch up)"
check_rc=0
"$bin" check "${store_args[@]}" --acked "$work/acked.txt" --wait "$WAIT" >"$work/check.out" 2>"$work/check.err" || check_rc=$?
cat "$work/check.out"
last=$(tail -n 1 "$work/check.out")
field() { sed -n "s/.*\<$1=\([0-9]*\).*/\1/p" <<<"$last"; }
acked=$(field acked) lost=$(field lost) doubled=$(field doubled)

kill "$serve_pid"
wait "$serve_pid" 2>/dev/null || true
serve_pid=

read -r p50 max < <(sort -n "$work/restart_ms.txt" | awk '{a[NR]=$1} END {if (NR == 0) {print "-", "-"} else {print a[int((NR + 1) / 2)], a[NR]}}')
echo "acknowledged=${acked:-?} lost=${lost:-?} doubled=${doubled:-?} kills=$kills restart_to_ready_ms p50=$p50 max=$max"

if [ -z "$acked" ]; then
	say "yuqing check did not finish (exit $check_rc):"
	tail -n 20 "$work/check.err" >&2
	exit 1
fi
if [ "$lost" != 0 ] || [ "$doubled" != 0 ]; then
	exit 1
fi
if [ "$check_rc" != 0 ] || [ "$load_rc" != 0 ]; then
	say "check exit $check_rc, load exit $load_rc"
	tail -n 20 "$work/check.err" >&2
	exit 1
fi
if [ "$acked" = 0 ]; then
	say "nothing was acknowledged: the run measured nothing"
	exit 1
fi
