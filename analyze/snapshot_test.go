package analyze

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"yuqing/analyze/topic"
)

// A tracker restored from a snapshot taken midway and fed the rest ends in
// the same state, with the same outputs, as one fed the whole stream live.
func TestTrackerSnapshotThenReplayEqualsLive(t *testing.T) {
	items := stream()
	cfg := TrackerConfig{Topic: topic.DefaultConfig(), Sensitive: func(id string) bool { return id == "chem" }}
	for _, cut := range []int{0, 1, 7, len(items) / 2, len(items) - 1, len(items)} {
		live := NewTracker(cfg)
		var liveOut []Output
		var liveTopics []string
		for i := range items {
			a := items[i]
			liveOut = append(liveOut, live.Track(&a))
			liveTopics = append(liveTopics, a.Topic)
		}

		first := NewTracker(cfg)
		for i := range items[:cut] {
			a := items[i]
			first.Track(&a)
		}
		var snap bytes.Buffer
		if err := first.Snapshot(&snap); err != nil {
			t.Fatal(err)
		}
		restored, err := RestoreTracker(cfg, bytes.NewReader(snap.Bytes()))
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		if restored.Processed() != int64(cut) {
			t.Fatalf("cut %d: restored processed %d", cut, restored.Processed())
		}
		for i := cut; i < len(items); i++ {
			a := items[i]
			out := restored.Track(&a)
			if a.Topic != liveTopics[i] {
				t.Fatalf("cut %d, item %d: topic %s, live %s", cut, i, a.Topic, liveTopics[i])
			}
			if !reflect.DeepEqual(out, liveOut[i]) {
				t.Fatalf("cut %d, item %d: output differs\nrestored %+v\nlive     %+v", cut, i, out, liveOut[i])
			}
		}
		var a, b bytes.Buffer
		live.Snapshot(&a)
		restored.Snapshot(&b)
		if a.String() != b.String() {
			t.Fatalf("cut %d: final snapshots differ", cut)
		}
	}
}

func TestRestoreTrackerRejectsGarbage(t *testing.T) {
	cfg := TrackerConfig{Topic: topic.DefaultConfig()}
	for _, in := range []string{"", "{", `{"format":"other","version":1}`, `{"format":"yuqing/analyze.Tracker","version":9}`} {
		if _, err := RestoreTracker(cfg, strings.NewReader(in)); err == nil {
			t.Errorf("snapshot %q accepted", in)
		}
	}
}
