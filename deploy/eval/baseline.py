#!/usr/bin/env python3
"""Text-free reference clusterings of a stream, for comparison.

usage: baseline.py root|hour IN.jsonl OUT.jsonl

root: one cluster per repost cascade (root_id, or the post's own id);
hour: one cluster per clock hour of the post's time.
"""
import json, sys

mode, src, dst = sys.argv[1:4]
with open(dst, "w", encoding="utf-8") as f:
    for line in open(src, encoding="utf-8"):
        r = json.loads(line)
        topic = (r.get("root_id") or r["id"]) if mode == "root" else r["time"][:13]
        f.write(json.dumps({"id": r["id"], "topic": topic}) + "\n")
