package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The end-to-end bench runs a whole server in process, posts every mention
// and waits until the analyser has handled each one; its last line is the
// figure. A small run here checks that it counts what it posted and that
// one story posted fast enough reaches every console as an alert, posted at
// a paced rate.
func TestBenchE2ECountsEveryMention(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	var b strings.Builder
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	for i := range 120 {
		fmt.Fprintf(&b, `{"id":"e2e-%d","platform":"weibo","time":%q,"text":"城东化工厂附近传出刺鼻异味，第%d位居民说晚上关窗也能闻到，担心泄漏"}`+"\n", i, at.Add(time.Duration(i)*10*time.Second).Format(time.RFC3339), i)
	}
	for i := range 30 {
		fmt.Fprintf(&b, `{"id":"chat-%d","platform":"forum","time":%q,"text":"今天的火锅真好吃，推荐第%d家店"}`+"\n", i, at.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i)
	}
	os.WriteFile(in, []byte(b.String()), 0o600)
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"bench", "e2e", "--in", in, "--data", filepath.Join(dir, "data"), "--batch", "25", "--consoles", "3", "--rate", "1500"}, &out, &errb, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("bench e2e: %d\n%s\n%s", code, out.String(), errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !regexp.MustCompile(`^e2e_mentions_per_s=[1-9][0-9]*$`).MatchString(lines[len(lines)-1]) {
		t.Fatalf("last line %q", lines[len(lines)-1])
	}
	if !strings.Contains(out.String(), "mentions=150 rejected=0") || !strings.Contains(out.String(), "consoles=3") {
		t.Fatalf("counts: %s", out.String())
	}
	m := regexp.MustCompile(`alerts=(\d+)`).FindStringSubmatch(out.String())
	if m == nil || m[1] == "0" {
		t.Fatalf("no alert reached the console: %s\n%s", out.String(), errb.String())
	}
	if strings.Contains(errb.String(), "saw fewer alerts") {
		t.Fatalf("a console missed alerts: %s", errb.String())
	}
	// Paced at 1,500/s, 150 mentions take at least 0.1 s to post.
	p := regexp.MustCompile(`post_s=([0-9.]+)`).FindStringSubmatch(out.String())
	if p == nil || p[1] == "0.0" {
		t.Fatalf("posting was not paced: %s", out.String())
	}
}

// Copies of a set are shifted past one another in time, but never into the
// future, which the API refuses: many copies of a recent set wrap around
// (a 1M-mention run of the chains set, 109 copies, stopped at 405k before).
func TestBenchItemsNeverInTheFuture(t *testing.T) {
	in := filepath.Join(t.TempDir(), "in.jsonl")
	start := time.Now().Add(-30 * 24 * time.Hour).UTC().Truncate(time.Second)
	var b strings.Builder
	for i := range 5 {
		fmt.Fprintf(&b, `{"id":"m%d","platform":"weibo","time":%q,"text":"第%d条"}`+"\n", i, start.Add(time.Duration(i)*24*time.Hour).Format(time.RFC3339), i)
	}
	if err := os.WriteFile(in, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	items, err := benchItems(in, 40)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	latest := time.Time{}
	for _, raw := range items {
		var m struct {
			ID          string    `json:"id"`
			PublishedAt time.Time `json:"published_at"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		if ids[m.ID] {
			t.Fatalf("id %s twice", m.ID)
		}
		ids[m.ID] = true
		if m.PublishedAt.After(time.Now()) {
			t.Fatalf("%s published %s: in the future", m.ID, m.PublishedAt)
		}
		latest = later(latest, m.PublishedAt)
	}
	if len(ids) != 200 {
		t.Fatalf("%d distinct ids, want 200", len(ids))
	}
	// The set spans 4 days + 1 h: at least five copies fit before now.
	if latest.Sub(start) < 5*(4*24+1)*time.Hour {
		t.Errorf("copies did not move forward: latest %s", latest)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
