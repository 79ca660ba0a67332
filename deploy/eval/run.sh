#!/bin/bash
# Topic quality and alert timing on a labelled stream, at three time
# squeezes, both forms: the figures of the clustering notes.
#
#   deploy/eval/run.sh [SHARED_DIR] [YUQING_BINARY]
#
# SHARED_DIR holds data/eval-dev and tools/ (default ../shared). The gold
# labels are read by the scorers only, never by yuqing.
set -euo pipefail
shared=${1:-../shared}
bin=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$bin" ]; then
	bin=$work/yuqing
	(cd "$here/../.." && go build -o "$bin" ./cmd/yuqing)
fi
score() { # gold pred -> "P R F1"
	python3 "$shared/tools/score_clusters.py" "$1" "$2" |
		awk -F: '/B-cubed precision/{p=$2} /B-cubed recall/{r=$2} /B-cubed F1/{f=$2} END{printf "%.3f %.3f %.3f", p, r, f}'
}
printf '%-9s %3s | %-17s | %-17s | %s\n' form K "yuqing P R F1" "baseline P R F1" "alert timing (stories >= 50 posts)"
for form in chains plain; do
	gold=$shared/data/eval-dev/clustering_chains.jsonl base=root
	if [ $form = plain ]; then gold=$shared/data/eval-dev/clustering.jsonl base=hour; fi
	for k in 1 5 20; do
		in=$work/$form$k.jsonl
		python3 "$shared/tools/compress_stream.py" "$gold" $k "$in"
		"$bin" analyze --in "$in" --out "$work/pred.jsonl" --alerts "$work/alerts.jsonl" 2>/dev/null
		python3 "$here/baseline.py" $base "$in" "$work/base.jsonl"
		timing=$(python3 "$here/alert_timing.py" "$gold" "$work/pred.jsonl" "$work/alerts.jsonl" "$in" |
			awk '/alerted:/{a=$0} /median/{m=$0} /per alerted/{s=$0} END{print a" | "m" | "s}' |
			sed -E 's/stories with >= 50 posts: ([0-9]+); alerted: ([0-9]+); never alerted: [0-9]+/\2 of \1 alerted/; s/delay first post -> first alert \(event time, minutes\): //; s/alerts per alerted story: //')
		printf '%-9s %3s | %-17s | %-17s (%s) | %s\n' $form $k "$(score "$gold" "$work/pred.jsonl")" "$(score "$gold" "$work/base.jsonl")" $base "$timing"
	done
done
