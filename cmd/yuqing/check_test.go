package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/cmd/yuqing/app"
	"yuqing/ingest"
	"yuqing/internal/analytics"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

// seedAnalysed writes n generated mentions into the embedded log of a new
// data directory (the first `resent` of them twice, as a re-sent batch
// is), runs the real analyser until it has processed them all, and returns
// the data directory and the mention IDs.
func seedAnalysed(t *testing.T, n, resent int, backend ...string) (string, []string) {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	cfg, _, err := app.Load("test", append([]string{"--data", data, "--addr", "127.0.0.1:0"}, backend...), func(string) string { return "" }, app.AllSections, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	log, err := app.OpenLog(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	gen := newMentionGen("check", 0)
	var ms []mention.Mention
	var ids []string
	for seq := range int64(n) {
		it := gen.next(seq, now)
		m, err := mention.Decode(it.raw, now)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
		ids = append(ids, m.ID)
	}
	for _, batch := range [][]mention.Mention{ms[:n/2], ms[n/2:], ms[:resent]} {
		if err := ingest.Write(ctx, log, batch, nil, "http", "ingest:http", now); err != nil {
			t.Fatal(err)
		}
	}
	log.Close()

	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- app.Run(rctx, cfg, app.Options{Roles: []string{app.RoleAnalyze}, Logger: slog.New(slog.DiscardHandler)})
	}()
	want := n + resent
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if got := countTopic(t, data, eventlog.TopicAnalyzed, nil); got >= want {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("the analyser did not process %d mention events", want)
		}
		time.Sleep(100 * time.Millisecond) // polling the analyser's progress
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return data, ids
}

func writeAcked(t *testing.T, ids []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "acked.txt")
	if err := os.WriteFile(path, []byte(strings.Join(ids, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runCheckCLI runs `yuqing check` and returns its exit code, stdout and last line.
func runCheckCLI(t *testing.T, data, acked string, backend ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"check", "--data", data, "--acked", acked, "--wait", "1s", "--poll", "50ms"}, backend...)
	code := run(t.Context(), args, &out, &errb, func(string) string { return "" })
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	t.Logf("yuqing check: exit %d\n%s", code, out.String())
	return code, out.String(), lines[len(lines)-1]
}

// The verdict of a fault run, on a data directory the real ingest and
// analysis path filled: clean, then with an acknowledged id that never
// reached the server, then with the store counting more than it holds.
func TestCheckFindsLostAndDoubled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the analyser")
	}
	const n, resent = 60, 5
	data, ids := seedAnalysed(t, n, resent)

	// 1. Clean: every id analysed (5 of them twice, recognised as repeats)
	// and stored once.
	code, _, last := runCheckCLI(t, data, writeAcked(t, ids))
	if code != 0 || last != "acked=60 lost=0 doubled=0 analysed_twice=5" {
		t.Fatalf("clean run: exit %d, last line %q", code, last)
	}

	// 2. One acknowledged id the system never saw: lost, named.
	code, out, last := runCheckCLI(t, data, writeAcked(t, append(append([]string{}, ids...), "weibo:never-sent-1")))
	if code == 0 || last != "acked=61 lost=1 doubled=0 analysed_twice=5" || !strings.Contains(out, "weibo:never-sent-1") {
		t.Fatalf("one id lost: exit %d, last line %q", code, last)
	}

	// 3. The topic rollup counts a mention twice.
	cfg := app.Defaults()
	cfg.Data = data
	store, err := app.OpenStore(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	withTopic := 0
	for _, id := range ids {
		if m, err := store.Get(t.Context(), id); err == nil && m.Topic != "" {
			withTopic++
		}
	}
	store.Close()
	if withTopic == 0 {
		t.Fatal("no generated mention joined a topic: the rollup comparison is not exercised")
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "analytics.db"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`UPDATE rollup_minute SET n = n + 1 WHERE (dim, key, start_ns, platform) IN (SELECT dim, key, start_ns, platform FROM rollup_minute WHERE dim = 'topic' LIMIT 1)`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := res.RowsAffected(); k != 1 {
		t.Fatalf("tampered with %d rollup rows", k)
	}
	code, out, last = runCheckCLI(t, data, writeAcked(t, ids))
	if code == 0 || last != "acked=60 lost=0 doubled=1 analysed_twice=5" || !strings.Contains(out, "topic rollup: store counts 1 more") {
		t.Fatalf("rollup counting twice: exit %d, last line %q", code, last)
	}

	// 4. The store holds (and counts) a mention the analysed stream never
	// had, in the load's range: Counts exceed what the check can account for.
	store, err = app.OpenStore(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := store.Get(t.Context(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	err = store.PutMentions(t.Context(), []analytics.Mention{{ID: "weibo:stray-1", Platform: "weibo", Text: "多出来的一条", PublishedAt: first.PublishedAt, IngestedAt: first.PublishedAt}})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, last = runCheckCLI(t, data, writeAcked(t, ids))
	if code == 0 || !strings.Contains(last, "doubled=1 ") || !strings.Contains(out, "counts: store counts 1 more") {
		t.Fatalf("stray mention counted: exit %d, last line %q", code, last)
	}
}

// On ClickHouse the store is read in bulk, checked against Get on a sample.
func TestCheckOnClickHouse(t *testing.T) {
	addr := os.Getenv("CLICKHOUSE_ADDR")
	if addr == "" {
		t.Skip("CLICKHOUSE_ADDR not set (deploy/clickhouse/start-test-server.sh starts one)")
	}
	backend := []string{"--store", "clickhouse", "--clickhouse", addr, "--ch-database", fmt.Sprintf("yuqing_check_%d", time.Now().UnixNano())}
	const n, resent = 40, 3
	data, ids := seedAnalysed(t, n, resent, backend...)
	code, out, last := runCheckCLI(t, data, writeAcked(t, ids), backend...)
	if code != 0 || last != "acked=40 lost=0 doubled=0 analysed_twice=3" || !strings.Contains(out, "40 of them compared with Get: 0 differ") {
		t.Fatalf("clean run: exit %d, last line %q", code, last)
	}
	code, out, last = runCheckCLI(t, data, writeAcked(t, append(append([]string{}, ids...), "news:never-sent-2")), backend...)
	if code == 0 || last != "acked=41 lost=1 doubled=0 analysed_twice=3" || !strings.Contains(out, "news:never-sent-2") {
		t.Fatalf("one id lost: exit %d, last line %q", code, last)
	}
}
