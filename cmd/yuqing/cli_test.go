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

	"yuqing/cmd/yuqing/app"
	"yuqing/internal/analytics"
	"yuqing/internal/eventlog"
)

func runCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), args, &out, &errb, func(string) string { return "" }); code != 0 {
		t.Fatalf("yuqing %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	}
	return out.String()
}

// Schemes are versioned events: apply twice, list shows version 2; delete removes.
func TestSchemeCommands(t *testing.T) {
	data := t.TempDir()
	file := filepath.Join(t.TempDir(), "schemes.yaml")
	os.WriteFile(file, []byte("- id: chem\n  name: 化工厂异味\n  rule: 化工厂 & (异味 | 泄漏)\n  sensitive: true\n- id: school\n  name: 校园食安\n  rule: NEAR/8(学校, 中毒)\n"), 0o644)
	runCLI(t, "scheme", "apply", "--file", file, "--data", data, "--actor", "tester")
	runCLI(t, "scheme", "apply", "--file", file, "--data", data, "--actor", "tester")
	list := runCLI(t, "scheme", "list", "--data", data)
	if !strings.Contains(list, "chem") || !strings.Contains(list, "v2") || !strings.Contains(list, "school") {
		t.Fatalf("list after two applies:\n%s", list)
	}
	runCLI(t, "scheme", "delete", "--id", "school", "--data", data)
	if list := runCLI(t, "scheme", "list", "--data", data); strings.Contains(list, "school") {
		t.Fatalf("deleted scheme still listed:\n%s", list)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("- id: broken\n  rule: \"((\"\n"), 0o644)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"scheme", "apply", "--file", bad, "--data", data}, &out, &errb, func(string) string { return "" }); code == 0 || !strings.Contains(errb.String(), "scheme broken") {
		t.Fatalf("a broken scheme was accepted: %d %s", code, errb.String())
	}
}

// Offline analysis and sentiment write one line per input line, and a
// correction recorded as an event is used by `train sentiment --feedback`.
func TestOfflineCommandsAndRetraining(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	var lines []string
	for i, text := range []string{"城东化工厂传出刺鼻异味，居民担心泄漏", "化工厂异味太可怕了", "小区路灯坏了没人修", "不是合法的一行"} {
		if i == 3 {
			lines = append(lines, `{"id":"x","platform":"weibo"}`)
			continue
		}
		lines = append(lines, `{"id":"`+string(rune('a'+i))+`","platform":"weibo","time":"2026-11-23T08:0`+string(rune('0'+i))+`:00+08:00","text":"`+text+`"}`)
	}
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	out := filepath.Join(dir, "out.jsonl")
	runCLI(t, "analyze", "--in", in, "--out", out)
	b, _ := os.ReadFile(out)
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(got) != 4 || !strings.Contains(got[0], `"id":"a"`) || !strings.Contains(got[3], `"error"`) {
		t.Fatalf("assignments:\n%s", b)
	}
	labels := filepath.Join(dir, "labels.jsonl")
	runCLI(t, "sentiment", "--in", in, "--out", labels)
	b, _ = os.ReadFile(labels)
	if n := strings.Count(string(b), `"label"`); n != 4 {
		t.Fatalf("sentiment wrote %d labels:\n%s", n, b)
	}

	labelled := filepath.Join(dir, "labelled.jsonl")
	var ex []string
	for i := 0; i < 40; i++ {
		ex = append(ex, `{"id":"p`+string(rune('a'+i%26))+string(rune('a'+i/26))+`","text":"服务很好，处理及时，非常满意`+string(rune('一'+i))+`","label":"pos"}`)
		ex = append(ex, `{"id":"n`+string(rune('a'+i%26))+string(rune('a'+i/26))+`","text":"推诿扯皮，没人管，太失望了`+string(rune('一'+i))+`","label":"neg"}`)
	}
	os.WriteFile(labelled, []byte(strings.Join(ex, "\n")+"\n"), 0o644)
	model := filepath.Join(dir, "model.bin")
	res := runCLI(t, "train", "sentiment", "--in", labelled, "--out", model, "--data", filepath.Join(dir, "data"))
	if !strings.Contains(res, "trained on 80 examples") {
		t.Fatalf("train: %s", res)
	}
	runCLI(t, "sentiment", "--in", in, "--out", labels, "--model", model)
}

func TestFeedbackFeedsRetraining(t *testing.T) {
	data := t.TempDir()
	cfg := app.Defaults()
	cfg.Data = data
	store, err := app.OpenStore(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = store.PutMentions(context.Background(), []analytics.Mention{{ID: "weibo:9", Platform: "weibo", Text: "这次回应还算及时", Sentiment: "neg", PublishedAt: time.Now()}})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, "feedback", "sentiment", "--mention", "weibo:9", "--label", "pos", "--actor", "zhang", "--data", data)
	if !strings.Contains(res, "weibo:9 is pos (was neg)") {
		t.Fatalf("feedback: %s", res)
	}
	labelled := filepath.Join(t.TempDir(), "labelled.jsonl")
	os.WriteFile(labelled, []byte(`{"id":"a","text":"处理及时，很满意","label":"pos"}`+"\n"+`{"id":"b","text":"推诿扯皮，太失望","label":"neg"}`+"\n"), 0o644)
	model := filepath.Join(t.TempDir(), "m.bin")
	res = runCLI(t, "train", "sentiment", "--in", labelled, "--feedback", "--out", model, "--data", data)
	if !strings.Contains(res, "1 corrections from the log") || !strings.Contains(res, "trained on 3 examples") {
		t.Fatalf("train --feedback: %s", res)
	}
}

// `yuqing user add` creates the first admin from a password on stdin; a
// weak password, a flag password and an unknown role are refused.
func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	old := stdin
	defer func() { stdin = old }()
	stdin = strings.NewReader("值班室-长密码-2026\n")
	if out := runCLI(t, "user", "add", "--username", "admin", "--role", "admin", "--name", "管理员", "--password-stdin", "--data", data); !strings.Contains(out, "user admin created") {
		t.Fatalf("add: %s", out)
	}
	stdin = strings.NewReader("另一个-长密码-2026\n")
	runCLI(t, "user", "add", "--username", "zhang", "--role", "duty_officer,spokesperson", "--password-stdin", "--data", data)
	list := runCLI(t, "user", "list", "--data", data)
	if !strings.Contains(list, "admin") || !strings.Contains(list, "duty_officer,spokesperson") {
		t.Fatalf("list:\n%s", list)
	}
	for _, c := range []struct {
		in   string
		args []string
	}{
		{"123\n", []string{"user", "add", "--username", "weak", "--role", "leader", "--password-stdin"}},
		{"", []string{"user", "add", "--username", "noflag", "--role", "leader"}},
		{"另一个-长密码-2026\n", []string{"user", "add", "--username", "odd", "--role", "king", "--password-stdin"}},
		{"", []string{"user", "disable", "--username", "admin"}}, // the last admin
	} {
		stdin = strings.NewReader(c.in)
		var out, errb bytes.Buffer
		if code := run(context.Background(), append(c.args, "--data", data), &out, &errb, func(string) string { return "" }); code == 0 {
			t.Errorf("%v accepted: %s", c.args, out.String())
		}
	}
	runCLI(t, "user", "disable", "--username", "zhang", "--data", data)
	if list := runCLI(t, "user", "list", "--data", data); !strings.Contains(list, "disabled") {
		t.Fatalf("after disable:\n%s", list)
	}
}

// `yuqing ingest --file` backfills JSONL and CSV with bad lines dead-lettered;
// running it again imports nothing twice (its cursor is in the log); with
// --speed it replays in event time.
func TestIngestFileBackfillAndReplay(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	jl := filepath.Join(dir, "history.jsonl")
	os.WriteFile(jl, []byte(`{"id":"1","platform":"weibo","text":"城东化工厂异味","published_at":"2026-11-20T01:00:00Z"}
{"id":"2","platform":"weibo","text":"化工厂附近居民担心","published_at":"2026-11-20T01:01:00Z"}
not json
{"id":"3","platform":"forum","text":"环保局回应了吗","published_at":"2026-11-20T01:02:00Z"}
`), 0o644)
	csv := filepath.Join(dir, "news.csv")
	os.WriteFile(csv, []byte("id,platform,published_at,title,text,url\n"+
		"n1,news,2026-11-20 09:30:00,区政府通报,关于城东异味的情况通报,https://news.example.gov.cn/a/1.html\n"+
		"n2,news,not a time,坏行,,\n"), 0o644)
	out := runCLI(t, "ingest", "--file", jl, "--data", data)
	if !strings.Contains(out, "3 mentions accepted, 1 rejected") {
		t.Fatalf("first import: %s", out)
	}
	out = runCLI(t, "ingest", "--file", csv, "--data", data)
	if !strings.Contains(out, "1 mentions accepted, 1 rejected") {
		t.Fatalf("csv import: %s", out)
	}
	runCLI(t, "ingest", "--file", jl, "--data", data) // again: the cursor says done
	cfg := app.Defaults()
	cfg.Data = data
	count := func() (mentions, dead int) {
		log, err := app.OpenLog(t.Context(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer log.Close()
		for topic, n := range map[string]*int{eventlog.TopicMentions: &mentions, eventlog.TopicDeadLetter: &dead} {
			log.Replay(t.Context(), topic, func(_ context.Context, b []eventlog.Record) error { *n += len(b); return nil })
		}
		return
	}
	if m, d := count(); m != 4 || d != 2 {
		t.Fatalf("log holds %d mentions and %d dead letters, want 4 and 2 (nothing twice)", m, d)
	}
	out = runCLI(t, "ingest", "--file", jl, "--speed", "600", "--data", data)
	if !strings.Contains(out, "3 mentions replayed at speed 600 (2m0s of event time") {
		t.Fatalf("replay: %s", out)
	}
	if m, _ := count(); m != 7 {
		t.Fatalf("after the replay the log holds %d mentions, want 7", m)
	}
}

// `yuqing ingest --hotline` reads a message-board workbook into mentions and
// submitted work orders.
func TestIngestHotlineWorkbook(t *testing.T) {
	data := t.TempDir()
	out := runCLI(t, "ingest", "--hotline", filepath.Join("..", "..", "ingest", "hotline", "testdata", "messageboard.xlsx"), "--channel", "留言板", "--data", data)
	var n, bad int
	if _, err := fmt.Sscanf(out[strings.Index(out, ": ")+2:], "%d work orders submitted, %d rows rejected", &n, &bad); err != nil || n == 0 {
		t.Fatalf("output %q: %v", out, err)
	}
	cfg := app.Defaults()
	cfg.Data = data
	log, err := app.OpenLog(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	orders, mentions := 0, 0
	log.Replay(t.Context(), "workorder-intake", func(_ context.Context, b []eventlog.Record) error { orders += len(b); return nil })
	log.Replay(t.Context(), eventlog.TopicMentions, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			if !strings.Contains(string(r.Event.Payload), `"platform":"messageboard"`) {
				t.Errorf("not a message-board mention: %s", r.Event.Payload)
			}
		}
		mentions += len(b)
		return nil
	})
	if orders != n || mentions != n {
		t.Fatalf("%d orders and %d mentions in the log, want %d each", orders, mentions, n)
	}
}

// A change made from the command line always names someone.
func TestCLIActorNeverEmpty(t *testing.T) {
	t.Setenv("USER", "")
	if a := cliActor(""); a == "cli:" || !strings.HasPrefix(a, "cli:") {
		t.Fatalf("actor %q", a)
	}
	if a := cliActor("cli:zhang"); a != "cli:zhang" {
		t.Fatalf("actor %q", a)
	}
}

// Issue 13: a stray positional argument would make Go's flag package drop
// every flag after it; a subcommand that takes only flags refuses it and
// names it, and runs nothing.
func TestStrayPositionalArgRefused(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // should anything start anyway, it stops at once
	for _, args := range [][]string{
		{"serve", "foo", "--addr", "127.0.0.1:0"},
		{"respond", "foo", "--addr", "127.0.0.1:0"},
		{"analyze", "foo", "--addr", "127.0.0.1:0"},
		{"ingest", "foo", "--addr", "127.0.0.1:0"},
		{"drill", "foo", "--speed", "60"},
		{"scheme", "list", "foo", "--actor", "x"},
		{"user", "list", "foo", "--actor", "x"},
		{"feedback", "sentiment", "foo", "--mention", "weibo:1"},
		{"serve", "--addr", "127.0.0.1:0", "foo", "--drill"},
		{"serve", "--", "foo"},
		{"sentiment", "foo", "--in", "x"},
		{"bench", "analyze", "foo", "--in", "x"},
	} {
		t.Run(strings.Join(args, "_"), func(t *testing.T) {
			data := t.TempDir()
			getenv := func(k string) string {
				switch k {
				case "YUQING_DATA":
					return data
				case "YUQING_ADDR":
					return "127.0.0.1:0"
				}
				return ""
			}
			var out, errb bytes.Buffer
			code := run(ctx, args, &out, &errb, getenv)
			if code == 0 || !strings.Contains(errb.String(), `"foo"`) || !strings.Contains(errb.String(), "unexpected argument") {
				t.Fatalf("yuqing %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
			}
		})
	}
}
