package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"yuqing/analyze"
	"yuqing/cmd/yuqing/app"
	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// countTopic replays a topic of the embedded log in data.
func countTopic(t *testing.T, data, topic string, each func(event.Envelope)) int {
	t.Helper()
	cfg := app.Defaults()
	cfg.Data = data
	log, err := app.OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	n := 0
	err = log.Replay(t.Context(), topic, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			n++
			if each != nil {
				each(r.Event)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The ingest process is killed (SIGKILL, a real child process) after a
// feed's batch is in the log and before its cursor is. The restarted
// process reads the batch again — at-least-once from source to log — and
// the log's consumer, the analyser, keeps every item exactly once.
func TestIngestKilledBetweenWriteAndCursor(t *testing.T) {
	const items = 30
	var hits atomic.Int64
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>城东区新闻</title><link>https://news.example.gov.cn/</link>`)
		base := time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)
		for i := items - 1; i >= 0; i-- {
			fmt.Fprintf(&b, `<item><title>城东区第%d期民生快讯：道路维修与供水安排</title><link>https://news.example.gov.cn/a/%d.html</link><guid>news-%d</guid><pubDate>%s</pubDate><description>&lt;p&gt;第%d条：城东区住建局通报道路维修进度，供水将于夜间恢复。&lt;/p&gt;</description></item>`,
				i, i, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), i)
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Write([]byte(b.String()))
	}))
	defer feed.Close()

	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	sources := filepath.Join(dir, "sources.yaml")
	os.WriteFile(sources, []byte(fmt.Sprintf("- {name: city-news, type: rss, url: %q, platform: news, interval: 1s}\n", feed.URL+"/feed.xml")), 0o644)
	ingest := func(env ...string) *exec.Cmd {
		cmd := exec.Command(bin, "ingest", "--config", sources, "--data", data, "--addr", freeAddr(t))
		cmd.Env = append(os.Environ(), env...)
		logf, _ := os.Create(filepath.Join(dir, fmt.Sprintf("ingest-%d.log", time.Now().UnixNano())))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logf.Close() })
		return cmd
	}

	// 1. Killed in the window.
	first := ingest("YUQING_FAILPOINT=source-after-write")
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		t.Fatal("the ingest process was not killed at the failpoint")
	}
	if ws, ok := first.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("first run ended with %v, want SIGKILL", first.ProcessState)
	}
	if n := countTopic(t, data, eventlog.TopicMentions, nil); n != items {
		t.Fatalf("after the kill the log holds %d mentions, want the whole batch of %d", n, items)
	}
	cursors := 0
	countTopic(t, data, source.Topic, func(e event.Envelope) {
		if e.Type == source.TypeCursor {
			cursors++
		}
	})
	if cursors != 0 {
		t.Fatalf("a cursor was saved before the kill: the failpoint is in the wrong place")
	}

	// 2. Restarted: reads the batch again, then saves the cursor.
	second := ingest()
	deadline := time.Now().Add(90 * time.Second)
	for cursors == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the restarted ingest never saved its cursor")
		}
		time.Sleep(200 * time.Millisecond) // polling another process's progress
		countTopic(t, data, source.Topic, func(e event.Envelope) {
			if e.Type == source.TypeCursor {
				cursors++
			}
		})
	}
	second.Process.Signal(syscall.SIGTERM)
	second.Wait()
	ids := map[string]int{}
	total := countTopic(t, data, eventlog.TopicMentions, func(e event.Envelope) {
		var m mention.Mention
		json.Unmarshal(e.Payload, &m)
		ids[m.ID]++
	})
	if len(ids) != items || total != 2*items {
		t.Fatalf("log holds %d mention events with %d distinct IDs, want the batch twice (%d) with %d IDs", total, len(ids), 2*items, items)
	}

	// 3. The consumer keeps each item once.
	cfg := app.Defaults()
	cfg.Data, cfg.Addr = data, "127.0.0.1:0"
	ctx, cancel := context.WithCancel(t.Context())
	runDone := make(chan error, 1)
	go func() {
		runDone <- app.Run(ctx, cfg, app.Options{Roles: []string{app.RoleAnalyze}, Logger: slog.New(slog.DiscardHandler)})
	}()
	counted, dups := 0, 0
	for deadline := time.Now().Add(90 * time.Second); counted+dups < 2*items; {
		if time.Now().After(deadline) {
			t.Fatalf("analyser processed %d of %d mention events", counted+dups, 2*items)
		}
		time.Sleep(200 * time.Millisecond) // polling the analyser's progress
		counted, dups = 0, 0
		countTopic(t, data, eventlog.TopicAnalyzed, func(e event.Envelope) {
			var a analyze.Analyzed
			json.Unmarshal(e.Payload, &a)
			if a.Duplicate != nil && a.Duplicate.Kind == "exact_id" {
				dups++
			} else {
				counted++
			}
		})
	}
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	if counted != items || dups != items {
		t.Fatalf("analyser counted %d and marked %d as repeats, want %d and %d", counted, dups, items, items)
	}
	store, err := app.OpenStore(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for id := range ids {
		m, err := store.Get(t.Context(), id)
		if err != nil || m.Topic == "" {
			t.Fatalf("%s in the store: %+v %v", id, m, err)
		}
	}
	if hits.Load() < 2 {
		t.Fatalf("feed fetched %d times", hits.Load())
	}
}
