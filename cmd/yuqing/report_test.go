package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/report"
)

// seedReportData writes a day of mentions of one topic into an embedded
// data directory.
func seedReportData(t *testing.T, data string) {
	t.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	store, err := sqlitestore.Open(ctx, filepath.Join(data, "analytics.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	day := time.Date(2026, 11, 17, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var ms []analytics.Mention
	for i := 0; i < 48; i++ {
		at := day.Add(time.Duration(i) * 30 * time.Minute).UTC()
		ms = append(ms, analytics.Mention{ID: fmt.Sprintf("weibo:%d", i), Platform: []string{"weibo", "news"}[i%2], Text: "城东化工厂异味", PublishedAt: at, IngestedAt: at,
			Topic: "t-1", Sentiment: []string{"neg", "neu", "pos"}[i%3]})
	}
	if err := store.PutMentions(ctx, ms); err != nil {
		t.Fatal(err)
	}
	err = store.PutTopics(ctx, []analytics.Topic{{ID: "t-1", Label: []string{"化工厂", "异味"}, Mentions: 48, FirstTime: ms[0].PublishedAt, LastTime: ms[47].PublishedAt, Updated: ms[47].PublishedAt}})
	if err != nil {
		t.Fatal(err)
	}
}

func TestReportCommand(t *testing.T) {
	data, out := filepath.Join(t.TempDir(), "data"), t.TempDir()
	seedReportData(t, data)
	got := runCLI(t, "report", "--data", data, "--kind", "daily", "--from", "2026-11-17", "--to", "2026-11-17", "--format", "html,docx", "--out", out)
	for _, name := range []string{"舆情日报（2026年11月17日）.html", "舆情日报（2026年11月17日）.docx"} {
		if fi, err := os.Stat(filepath.Join(out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(got, "report daily-20261117-20261117 sha256 ") {
		t.Errorf("stdout:\n%s", got)
	}
	// Recorded in the log, once per generation, with the same hash.
	runCLI(t, "report", "--data", data, "--kind", "daily", "--from", "2026-11-17", "--to", "2026-11-17", "--format", "html", "--out", out, "--as-of", "2026-11-20T00:00:00Z")
	again := runCLI(t, "report", "--data", data, "--kind", "daily", "--from", "2026-11-17", "--to", "2026-11-17", "--format", "html", "--out", out, "--as-of", "2026-11-20T00:00:00Z")
	l, err := sqlitelog.Open(context.Background(), sqlitelog.Config{Path: filepath.Join(data, "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var gens []report.Generated
	l.Replay(context.Background(), report.LogTopic, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			var g report.Generated
			r.Event.Decode(&g)
			gens = append(gens, g)
		}
		return nil
	})
	if len(gens) != 3 || gens[1].SHA256 != gens[2].SHA256 || !strings.Contains(again, gens[2].SHA256) || !strings.HasPrefix(gens[0].Actor, "cli:") {
		t.Errorf("recorded %+v", gens)
	}

	// PDF without Chromium: a clear error; the Word file is still written.
	var o, e bytes.Buffer
	code := run(context.Background(), []string{"report", "--data", data, "--kind", "daily", "--from", "2026-11-17", "--to", "2026-11-17",
		"--format", "pdf,docx", "--out", out, "--chromium", "/nonexistent/chromium"}, &o, &e, func(string) string { return "" })
	if code == 0 || !strings.Contains(e.String(), "apt-get install chromium") || !strings.Contains(o.String(), "docx\t") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, o.String(), e.String())
	}
	// Refusals say what is wrong.
	e.Reset()
	if code := run(context.Background(), []string{"report", "--data", data, "--kind", "incident", "--incident", "inc-none", "--out", out}, &o, &e, func(string) string { return "" }); code == 0 || !strings.Contains(e.String(), "inc-none") {
		t.Errorf("unknown incident: exit %d %s", code, e.String())
	}
	e.Reset()
	if code := run(context.Background(), []string{"report", "--data", data, "--kind", "yearly", "--out", out}, &o, &e, func(string) string { return "" }); code == 0 || !strings.Contains(e.String(), "报表类型") {
		t.Errorf("bad kind: exit %d %s", code, e.String())
	}
}
