package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/internal/event"
	"yuqing/internal/mention"
)

// analyzedDelta is an analysed mention whose source payload (raw) is large.
func analyzedDelta(t *testing.T, off int64, raw []byte) Delta {
	t.Helper()
	a := analyze.Analyzed{
		Mention:  mention.Mention{ID: fmt.Sprintf("weibo:%d", off), Platform: "weibo", Text: "化工厂附近有异味", PublishedAt: t0, Raw: raw},
		Keywords: []string{"化工厂"},
		Topic:    "t",
	}
	e, err := event.New(event.MentionAnalyzed, a.Mention.ID, "analyze", t0, t0.Add(time.Duration(off)*time.Second), a)
	if err != nil {
		t.Fatal(err)
	}
	return Delta{Topic: "analyzed", Partition: 0, Offset: off, Event: e}
}

// A mention's raw payload (the source's original, up to megabytes) stays in
// the log: a hub told to follow analysed mentions (the console's does not,
// see Topics) gives it to no console, neither in a snapshot, nor live, nor
// when it resumes from the hub's ring.
func TestConsoleNeverGetsRaw(t *testing.T) {
	const marker = "RAW-PAYLOAD-MARKER"
	raw, _ := json.Marshal(map[string]string{"marker": marker, "html": strings.Repeat("<p>原文</p>", 100_000)})
	h := NewHub(Config{Topics: map[string]int{"analyzed": 100}, ClientBuffer: 64}, NewBoard(), nil)
	srv := httptest.NewServer(&Server{Hub: h, Authorize: func(r *http.Request) (string, error) { return "duty", nil }})
	t.Cleanup(func() { h.Close(); srv.Close() })

	h.Publish(analyzedDelta(t, 0, raw))
	clean := func(what string, b []byte) {
		t.Helper()
		if bytes.Contains(b, []byte(marker)) || bytes.Contains(b, []byte(`"raw"`)) {
			t.Fatalf("%s carries the mention's raw payload (%d bytes)", what, len(b))
		}
		if len(b) > 64<<10 {
			t.Fatalf("%s is %d bytes", what, len(b))
		}
		if what != "the snapshot" && !bytes.Contains(b, []byte("化工厂附近有异味")) {
			t.Fatalf("%s lost the mention itself: %.300s", what, b)
		}
	}
	read := func(c interface {
		SetReadDeadline(time.Time) error
		ReadMessage() (int, []byte, error)
	}) []byte {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	c, _, err := dial(srv, "duty", "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	snap := read(c)
	if m, _ := decode(snap); m.Type != "snapshot" {
		t.Fatalf("first message %s, want a snapshot", m.Type)
	}
	clean("the snapshot", snap)

	h.Publish(analyzedDelta(t, 1, raw))
	live := read(c)
	if m, _ := decode(live); m.Type != "delta" {
		t.Fatalf("second message %s, want a delta", m.Type)
	}
	clean("the live delta", live)

	// Resuming from offset 0 replays offset 1 from the ring.
	r, _, err := dial(srv, "duty", "", Cursor{"analyzed/0": 0}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	missed := read(r)
	if m, _ := decode(missed); m.Type != "delta" {
		t.Fatalf("resume sent %s, want the missed delta", m.Type)
	}
	clean("the resumed delta", missed)
}
