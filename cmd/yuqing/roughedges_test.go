package main

// The newcomer's rough edges (issue 15): each test here failed before its fix.

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

// runCode runs the CLI and returns its exit code, stdout and stderr.
func runCode(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb, func(string) string { return "" })
	return code, out.String(), errb.String()
}

// `yuqing ingest --file missing.jsonl` fails at once, naming the file,
// instead of retrying with backoff until interrupted.
func TestIngestMissingFileFailsAtOnce(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.jsonl")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	code, _, errs := runCode(t, ctx, "ingest", "--file", missing, "--data", filepath.Join(dir, "data"))
	if code == 0 || time.Since(start) > 3*time.Second || !strings.Contains(errs, missing) || !strings.Contains(errs, "no such file") {
		t.Fatalf("exit %d after %s:\n%s", code, time.Since(start), errs)
	}
	code, _, errs = runCode(t, ctx, "ingest", "--file", dir, "--data", filepath.Join(dir, "data"))
	if code == 0 || !strings.Contains(errs, "directory") {
		t.Fatalf("a directory: exit %d:\n%s", code, errs)
	}
}

// An interrupted drill says how much it sent and that it was interrupted,
// and exits non-zero; it does not claim to have sent everything.
func TestDrillInterruptedSaysHowMuchWasSent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"accepted":[]}`))
		if posts.Add(1) == 1 {
			// Ctrl-C while the player waits for the next batch.
			time.AfterFunc(100*time.Millisecond, cancel)
		}
	}))
	defer srv.Close()
	code, out, errs := runCode(t, ctx, "drill", "--to", srv.URL, "--token", "t", "--speed", "60", "--seed", "1", "--data", t.TempDir())
	if code == 0 || strings.Contains(out, "已全部发送") || !regexp.MustCompile(`演练已中断：已发送 [1-9]\d*/\d+ 条`).MatchString(out) || !strings.Contains(errs, "interrupted") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

// `yuqing sentiment --in` and `yuqing analyze --in` go on past a bad line,
// report it (line number and reason) on stderr with a count at the end, and
// fail only when no line could be processed.
func TestOfflineCommandsSkipBadLines(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines ...string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	posts := write("posts.jsonl", `{"id":"a","text":"服务很好，感谢"}`, `{"id":"b","text":`, `{"id":"c","text":"太差了，投诉"}`)
	mentions := write("mentions.jsonl",
		`{"id":"weibo:1","platform":"weibo","time":"2026-11-20T08:00:00Z","text":"城东化工厂附近有刺鼻气味"}`,
		`not json`,
		`{"id":"weibo:2","platform":"weibo","time":"2026-11-20T08:05:00Z","text":"化工厂异味越来越重"}`)
	for _, c := range []struct {
		cmd  string
		in   string
		want int // output lines
	}{{"sentiment", posts, 2}, {"analyze", mentions, 3}} { // analyze keeps a line per input, with its error
		out := filepath.Join(dir, c.cmd+".out")
		code, _, errs := runCode(t, context.Background(), c.cmd, "--in", c.in, "--out", out)
		if code != 0 || !regexp.MustCompile(`invalid line skipped.* line=2 reason=`).MatchString(errs) || !regexp.MustCompile(`invalid=1\b`).MatchString(errs) {
			t.Fatalf("%s: exit %d:\n%s", c.cmd, code, errs)
		}
		b, _ := os.ReadFile(out)
		if n := strings.Count(string(b), "\n"); n != c.want {
			t.Errorf("%s: %d output lines, want %d:\n%s", c.cmd, n, c.want, b)
		}
	}
	bad := write("bad.jsonl", `{"id":`, `[`)
	for _, cmd := range []string{"sentiment", "analyze"} {
		code, _, errs := runCode(t, context.Background(), cmd, "--in", bad, "--out", filepath.Join(dir, "bad.out"))
		if code == 0 || !strings.Contains(errs, "line=1") || !strings.Contains(errs, "line=2") || !strings.Contains(errs, "none of its 2 lines") {
			t.Errorf("%s of a file of bad lines: exit %d:\n%s", cmd, code, errs)
		}
	}
}

// `yuqing user set-roles` sets roles; `user roles` still does, saying it
// is deprecated.
func TestUserSetRoles(t *testing.T) {
	data := t.TempDir()
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader("值班室-长密码-2026\n")
	runCLI(t, "user", "add", "--username", "zhang", "--role", "duty_officer", "--password-stdin", "--data", data)
	code, out, errs := runCode(t, context.Background(), "user", "set-roles", "--username", "zhang", "--role", "leader,spokesperson", "--data", data)
	if code != 0 || !strings.Contains(out, "now has roles leader,spokesperson") || strings.Contains(errs, "deprecated") {
		t.Fatalf("set-roles: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCode(t, context.Background(), "user", "roles", "--username", "zhang", "--role", "approver", "--data", data)
	if code != 0 || !strings.Contains(out, "now has roles approver") || !strings.Contains(errs, `"roles" is deprecated`) || !strings.Contains(errs, "set-roles") {
		t.Fatalf("roles: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(usage, "set-roles") {
		t.Error("the usage text does not show set-roles")
	}
}

// `yuqing user list` aligns its columns by display width: a Chinese
// character takes two columns of a terminal.
func TestUserListAlignsChineseNames(t *testing.T) {
	data := t.TempDir()
	old := stdin
	defer func() { stdin = old }()
	for _, u := range []struct{ name, display string }{{"admin", "管理员"}, {"alice", "Alice"}, {"ouyang", "欧阳娜娜Nana"}, {"li", "李四"}} {
		stdin = strings.NewReader("值班室-长密码-2026\n")
		runCLI(t, "user", "add", "--username", u.name, "--name", u.display, "--role", "admin", "--password-stdin", "--data", data)
	}
	runCLI(t, "user", "disable", "--username", "li", "--data", data)
	list := runCLI(t, "user", "list", "--data", data)
	cols := func(s string) int { // terminal columns, counted independently of the code under test
		n := 0
		for _, r := range s {
			if unicode.Is(unicode.Han, r) {
				n += 2
			} else {
				n++
			}
		}
		return n
	}
	lines := strings.Split(strings.TrimRight(list, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("list:\n%s", list)
	}
	at := -1
	for _, l := range lines {
		i := strings.Index(l, "active")
		if i < 0 {
			i = strings.Index(l, "disabled")
		}
		if i < 0 {
			t.Fatalf("no state in %q", l)
		}
		if c := cols(l[:i]); at < 0 {
			at = c
		} else if c != at {
			t.Fatalf("the state column starts at column %d and %d:\n%s", at, c, list)
		}
	}
}

// Flag help shows a plain argument name after each flag: a back-quoted
// word in a usage string would become the argument name
// ("-sentiment-model yuqing train sentiment").
func TestFlagHelpArgumentNamesArePlain(t *testing.T) {
	flagLine := regexp.MustCompile(`^  -\S+( [a-z]+)?$`)
	for _, args := range [][]string{{"serve", "-h"}, {"sentiment", "-h"}, {"train", "sentiment", "-h"}, {"analyze", "-h"}, {"ingest", "-h"}} {
		help := captureStderr(t, func() {
			if code, _, errs := runCode(t, context.Background(), args...); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errs)
			}
		})
		n := 0
		for _, l := range strings.Split(help, "\n") {
			if !strings.HasPrefix(l, "  -") {
				continue
			}
			n++
			head, _, _ := strings.Cut(l, "\t") // a one-letter bool flag keeps its usage on the line
			if !flagLine.MatchString(head) {
				t.Errorf("%v: garbled flag line %q", args, l)
			}
		}
		if n == 0 {
			t.Errorf("%v: no flags in the help:\n%s", args, help)
		}
	}
}

// A subcommand's help lists --config, --data, the flags of the config
// sections it reads and its own flags: `yuqing user add -h` printed 83
// lines, most of them server flags it ignores. serve lists every flag.
func TestHelpShowsOnlyTheFlagsACommandReads(t *testing.T) {
	server := []string{"addr", "ingest-token", "metrics-token", "metrics-addr", "secure-cookie", "allowed-origins", "trusted-proxies", "console-url"}
	logFlags := []string{"log", "brokers", "partitions", "replication"}
	storeFlags := []string{"store", "clickhouse", "ch-database", "ch-user", "ch-password"}
	analyzeFlags := []string{"user-dicts", "sentiment-model"}
	desk := []string{"respond-config", "shifts"}
	sources := []string{"sources"}
	drillFlags := []string{"drill", "drill-scenario", "drill-speed"}
	reports := []string{"report-kinds", "report-daily", "report-weekly", "report-monthly", "report-zone", "report-working-days-only", "report-formats"}
	llmFlags := []string{"llm-url", "llm-model"}
	all := slices.Concat(server, logFlags, storeFlags, analyzeFlags, desk, sources, drillFlags, reports, llmFlags)
	cases := []struct {
		args []string
		want []string // besides --config and --data
	}{
		{[]string{"serve", "-h"}, all},
		{[]string{"respond", "-h"}, all},
		{[]string{"user", "add", "-h"}, slices.Concat(logFlags, []string{"username", "name", "role", "password-stdin", "actor"})},
		{[]string{"scheme", "list", "-h"}, slices.Concat(logFlags, []string{"file", "id", "actor"})},
		{[]string{"feedback", "sentiment", "-h"}, slices.Concat(logFlags, storeFlags, []string{"mention", "label", "actor"})},
		{[]string{"check", "-h"}, slices.Concat(logFlags, storeFlags, []string{"acked", "wait", "poll", "concurrency"})},
		{[]string{"train", "sentiment", "-h"}, slices.Concat(logFlags, []string{"in", "out", "builtin", "feedback"})},
		{[]string{"policy", "assess", "-h"}, slices.Concat(storeFlags, analyzeFlags, []string{"in", "title", "unit", "release", "subjects", "window-days", "top", "format"})},
		{[]string{"drill", "-h"}, []string{"scenario", "speed", "to", "token", "seed", "list"}},
		// report's --drill is its own: include the drill's data.
		{[]string{"report", "-h"}, slices.Concat(logFlags, storeFlags, []string{"kind", "incident", "from", "to", "format", "out", "as-of", "actor", "drill", "chromium"})},
	}
	flagName := regexp.MustCompile(`(?m)^  -(\S+)`)
	for _, c := range cases {
		t.Run(strings.Join(c.args[:len(c.args)-1], "_"), func(t *testing.T) {
			help := captureStderr(t, func() {
				if code, _, errs := runCode(t, context.Background(), c.args...); code != 0 {
					t.Fatalf("%v: exit %d: %s", c.args, code, errs)
				}
			})
			got := map[string]bool{}
			for _, m := range flagName.FindAllStringSubmatch(help, -1) {
				got[m[1]] = true
			}
			want := map[string]bool{"config": true, "data": true}
			for _, f := range c.want {
				want[f] = true
			}
			for f := range want {
				if !got[f] {
					t.Errorf("yuqing %s: -%s missing from the help", strings.Join(c.args, " "), f)
				}
			}
			for _, f := range all {
				if got[f] && !want[f] {
					t.Errorf("yuqing %s: the help lists -%s, which the command does not read", strings.Join(c.args, " "), f)
				}
			}
			if c.args[0] == "user" {
				if n := strings.Count(help, "\n"); n > 30 {
					t.Errorf("yuqing user add -h is %d lines:\n%s", n, help)
				}
			}
		})
	}
}

// captureStderr returns what fn writes to os.Stderr, where the flag
// package prints help.
func captureStderr(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	func() {
		defer func() { os.Stderr = old; w.Close() }()
		fn()
	}()
	return string(<-done)
}
