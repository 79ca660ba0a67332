#!/bin/sh
# Creates yuqing's Kafka topics with the partitions, replication, retention
# and sizes of deploy/kafka/topics.yaml (which says why each is as it is),
# or checks that they exist.
#
#   create-topics.sh           create what is missing; set retention and sizes of all
#   create-topics.sh --check   exit 0 only if every topic exists with its partitions
#
# Environment: BOOTSTRAP (host:port,… of the brokers), REPLICATION (default 3),
# KAFKA_BIN (default /opt/kafka/bin, as in the apache/kafka image).
# Safe to run again (after a change of retention, say); it never deletes a
# topic and never adds partitions (that would move keys to other partitions
# and break their order): it says what to do instead.
#
# The table below and topics.yaml must agree; cmd/yuqing/deploy_test.go
# checks it (and that deploy/k8s/topics-job.yaml carries this very file).
set -eu

BOOTSTRAP=${BOOTSTRAP:-kafka-1:9092,kafka-2:9092,kafka-3:9092}
REPLICATION=${REPLICATION:-3}
KAFKA_BIN=${KAFKA_BIN:-/opt/kafka/bin}
MIN_INSYNC_REPLICAS=2
MAX_MESSAGE_BYTES=1048588

# name partitions retention.ms cleanup.policy
TOPICS='
mentions 6 -1 delete
enriched 1 604800000 delete
analyzed 1 -1 delete
deadletters 6 7776000000 delete
topics 6 -1 delete
alerts 6 -1 delete
schemes 6 -1 delete
feedback 6 -1 delete
sources 6 -1 delete
workorder-intake 6 -1 delete
workorders 6 -1 delete
incidents 6 -1 delete
notifications 6 -1 delete
users 6 -1 delete
sessions 6 604800000 delete
audit 6 -1 delete
policies 6 -1 delete
reports 6 -1 delete
wording 6 -1 delete
handovers 6 -1 delete
'

kt() { "$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" "$@"; }

# Wait for the brokers (they may still be starting).
tries=0
until kt --list >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ "$tries" -ge 60 ]; then
		echo "create-topics: brokers $BOOTSTRAP not reachable" >&2
		exit 1
	fi
	sleep 5
done

ALL=$(kt --describe --exclude-internal 2>/dev/null || true)

# state NAME prints "PARTITIONS REPLICATION" of an existing topic, nothing otherwise.
state() {
	printf '%s\n' "$ALL" | sed -n "s/^Topic: *$1[[:space:]].*PartitionCount: *\([0-9]*\).*ReplicationFactor: *\([0-9]*\).*/\1 \2/p" | head -n 1
}

status=0
while read -r name parts retention cleanup; do
	[ -n "$name" ] || continue
	got=$(state "$name")
	if [ "${1:-}" = "--check" ]; then
		if [ -z "$got" ]; then
			echo "create-topics: $name does not exist yet" >&2
			status=1
		elif [ "${got%% *}" != "$parts" ] && [ "$parts" = 1 ]; then
			echo "create-topics: $name has ${got%% *} partitions, needs 1" >&2
			status=1
		fi
		continue
	fi
	configs="retention.ms=$retention,cleanup.policy=$cleanup,max.message.bytes=$MAX_MESSAGE_BYTES,min.insync.replicas=$MIN_INSYNC_REPLICAS"
	if [ -z "$got" ]; then
		kt --create --if-not-exists --topic "$name" --partitions "$parts" --replication-factor "$REPLICATION" \
			--config "retention.ms=$retention" --config "cleanup.policy=$cleanup" \
			--config "max.message.bytes=$MAX_MESSAGE_BYTES" --config "min.insync.replicas=$MIN_INSYNC_REPLICAS"
		echo "create-topics: created $name ($parts partitions, replication $REPLICATION, retention.ms $retention)"
		continue
	fi
	have_parts=${got%% *}
	have_repl=${got##* }
	if [ "$have_repl" -lt "$REPLICATION" ]; then
		# Most likely yuqing created it (with replication 1) before this job ran.
		echo "create-topics: $name exists with replication factor $have_repl < $REPLICATION: raise it with kafka-reassign-partitions.sh, then run this again" >&2
		status=1
		continue
	fi
	if [ "$have_parts" != "$parts" ]; then
		if [ "$parts" = 1 ]; then
			echo "create-topics: $name has $have_parts partitions; the tracker needs 1 (its order): recreate it with one (deploy/README.md, Scaling analysis out)" >&2
			status=1
			continue
		fi
		echo "create-topics: note: $name has $have_parts partitions, topics.yaml says $parts (left as is)" >&2
	fi
	"$KAFKA_BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics --entity-name "$name" --add-config "$configs" >/dev/null
	echo "create-topics: $name exists; configs set"
done <<EOF
$TOPICS
EOF
exit "$status"
