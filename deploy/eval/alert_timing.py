#!/usr/bin/env python3
"""Alert timing of `yuqing analyze --alerts` against a gold clustering stream.

usage: alert_timing.py GOLD.jsonl PRED.jsonl ALERTS.jsonl [STREAM.jsonl] [--min-posts 50]

GOLD: {"id","time","event"} (the eval set; read here only, never by yuqing);
STREAM: the file yuqing analysed, when its times differ from GOLD's
(compress_stream.py output): first-post times are read from it;
PRED: yuqing analyze --out ({"id","topic"}, topics resolved through merges);
ALERTS: yuqing analyze --alerts (one alert event a line, event time).

For each story (gold event) with at least --min-posts posts: the event-time
delay from its first post to the first alert raised for a topic whose posts
are mostly that story's, and how many alerts it raised (raised alerts that
later folded into another alert of the same story are counted apart).
Prints median and p90 delay (stories that never alerted are listed and
left out of the delay, counted in "alerted"), and alerts per alerted story.
"""
import json, sys, datetime
from collections import Counter, defaultdict

def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))

def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    min_posts = 50
    if "--min-posts" in argv:
        min_posts = int(argv[argv.index("--min-posts") + 1])
        args.remove(str(min_posts))
    gold_p, pred_p, alerts_p = args[:3]
    gold = [json.loads(l) for l in open(gold_p, encoding="utf-8") if l.strip()]
    event = {r["id"]: r["event"] for r in gold}
    if len(args) > 3:
        when = {}
        for l in open(args[3], encoding="utf-8"):
            r = json.loads(l)
            when[r["id"]] = r["time"]
        for r in gold:
            r["time"] = when.get(r["id"], r["time"])
    first = {}
    size = Counter()
    for r in gold:
        e = r["event"]
        size[e] += 1
        t = ts(r["time"])
        if e not in first or t < first[e]:
            first[e] = t
    topic_of = {}
    members = defaultdict(Counter)
    for l in open(pred_p, encoding="utf-8"):
        p = json.loads(l)
        if p.get("topic") is None or p["id"] not in event:
            continue
        topic_of[p["id"]] = p["topic"]
        members[p["topic"]][event[p["id"]]] += 1
    def story(topic_id):
        # An alert names the topic as it was; its first post's final topic
        # is where that topic ended (merges resolved).
        fid = topic_id[2:] if topic_id.startswith("t-") else topic_id
        fid = fid.split(":", 1)[-1]
        final = topic_of.get(fid, topic_id)
        m = members.get(final)
        return m.most_common(1)[0][0] if m else None
    raised = defaultdict(list)
    for l in open(alerts_p, encoding="utf-8"):
        a = json.loads(l)
        if a["type"] != "alert.raised.v1":
            continue
        e = story(a["topic"])
        if e is not None:
            raised[e].append(ts(a["time"]))
    big = [e for e in size if size[e] >= min_posts]
    delays, counts, silent = [], [], []
    for e in big:
        if not raised[e]:
            silent.append(e)
            continue
        delays.append((min(raised[e]) - first[e]).total_seconds() / 60)
        counts.append(len(raised[e]))
    delays.sort()
    def q(p):
        return delays[min(len(delays) - 1, int(p * len(delays)))] if delays else float("nan")
    print(f"stories with >= {min_posts} posts: {len(big)}; alerted: {len(delays)}; never alerted: {len(silent)}")
    print(f"delay first post -> first alert (event time, minutes): median {q(0.5):.0f}, p90 {q(0.9):.0f}")
    if counts:
        print(f"alerts per alerted story: mean {sum(counts)/len(counts):.2f}, max {max(counts)}")
    falses = sum(len(v) for e, v in raised.items() if size[e] < min_posts)
    print(f"alerts on smaller stories: {falses}")

if __name__ == "__main__":
    main(sys.argv)
