package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"yuqing/analyze"
	"yuqing/ingest"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/kafkalog"
	"yuqing/internal/mention"
)

// Analysis scaled out on Kafka: two enrich processes and two track
// processes (an owner and a warm standby) give the topics one analyser
// gives, and killing the owner with SIGKILL hands tracking to the standby
// with no mention lost and none counted twice.
func TestScaleOutOnKafka(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	ms, lines := scaleOutStream()
	in := filepath.Join(dir, "in.jsonl")
	os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644)

	// The reference: one process, the whole stream, in order.
	ref := filepath.Join(dir, "ref.jsonl")
	if out, err := exec.Command(bin, "analyze", "--in", in, "--out", ref).CombinedOutput(); err != nil {
		t.Fatalf("offline analysis: %v\n%s", err, out)
	}
	want := readGrouping(t, ref)

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := strings.Join(cluster.ListenAddrs(), ",")
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	l, err := kafkalog.New(ctx, kafkalog.Config{Brokers: cluster.ListenAddrs(), Partitions: 6, TopicPartitions: map[string]int{analyze.TopicEnriched: 1, eventlog.TopicAnalyzed: 1}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	type role struct {
		cmd  *exec.Cmd
		base string
		data string
	}
	startRole := func(name string, i int) *role {
		data := filepath.Join(dir, fmt.Sprintf("%s%d", name, i))
		addr := freeAddr(t)
		logf, err := os.Create(data + ".log")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, name, "--data", data, "--addr", addr, "--log", "kafka", "--brokers", brokers, "--partitions", "6")
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
			logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("%s %d log:\n%s", name, i, b)
			}
		})
		return &role{cmd: cmd, base: "http://" + addr, data: data}
	}
	enrich := []*role{startRole("enrich", 1), startRole("enrich", 2)}
	track := []*role{startRole("track", 1), startRole("track", 2)}
	_ = enrich

	half := len(ms) / 2
	if err := ingest.Write(ctx, l, ms[:half], nil, "test", "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitAnalysed(t, ctx, l, ms[:half])

	// The owner is the track process that consumed the enriched topic.
	owner := -1
	for i, r := range track {
		tok, err := os.ReadFile(filepath.Join(r.data, "secrets", "metrics.token"))
		if err != nil {
			t.Fatal(err)
		}
		n, err := scrapeCounter(r.base, strings.TrimSpace(string(tok)), `yuqing_consumed_records_total{group="track",topic="enriched"}`)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			if owner >= 0 {
				t.Fatalf("both track processes consumed the enriched topic")
			}
			owner = i
		}
	}
	if owner < 0 {
		t.Fatal("no track process consumed the enriched topic")
	}
	track[owner].cmd.Process.Signal(syscall.SIGKILL)
	killed := time.Now()
	if err := ingest.Write(ctx, l, ms[half:], nil, "test", "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitAnalysed(t, ctx, l, ms)
	t.Logf("owner killed; the standby had analysed the rest %v later (the group's session timeout is 10 s)", time.Since(killed).Round(100*time.Millisecond))

	// Nothing doubled: a mention analysed twice (a batch the owner appended
	// but did not commit before it died) is marked an exact duplicate, which
	// the standby knows only if it followed the owner's output.
	got := map[string]string{}
	err = l.Replay(ctx, eventlog.TopicAnalyzed, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			var a analyze.Analyzed
			if err := json.Unmarshal(r.Event.Payload, &a); err != nil {
				return err
			}
			id := strings.TrimPrefix(a.Mention.ID, "weibo:")
			if _, seen := got[id]; seen {
				if a.Duplicate == nil || a.Duplicate.Kind != "exact_id" {
					t.Errorf("%s analysed twice and counted twice (%+v)", id, a.Duplicate)
				}
				continue
			}
			got[id] = a.Topic
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := grouping(got); !slices.Equal(g, want) {
		t.Fatalf("scaled-out topics differ from one analyser's:\nscaled out: %v\none:        %v", g, want)
	}
	t.Logf("%d mentions in %d groups, as one analyser groups them", len(ms), len(want))
}

// scaleOutStream is three concurrent made-up incidents and chatter: the
// mentions to post and the same as offline input lines.
func scaleOutStream() ([]mention.Mention, []string) {
	stories := [][]string{
		{"城东化工厂", "泄漏", "刺鼻气味", "疏散", "环保部门"},
		{"河西大桥", "坍塌", "车辆落水", "救援", "交通管制"},
		{"南湖小学", "食物中毒", "学生送医", "食堂", "卫生部门"},
	}
	chatter := []string{"今天的火锅真好吃", "周末去爬山吧", "这部电影太好看了", "新买的耳机音质不错", "早上地铁好挤"}
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	var ms []mention.Mention
	var lines []string
	add := func(id, text string, when time.Time) {
		ms = append(ms, mention.Mention{ID: "weibo:" + id, Platform: "weibo", Text: text, PublishedAt: when})
		b, _ := json.Marshal(map[string]string{"id": id, "platform": "weibo", "time": when.Format(time.RFC3339), "text": text})
		lines = append(lines, string(b))
	}
	for k := range 40 {
		for s, w := range stories {
			text := fmt.Sprintf("%s%s了，%s，%s已到现场，%s正在处置，网友第%d次关注", w[0], w[1], w[2], w[3], w[4], k)
			if k%3 == 1 {
				text = fmt.Sprintf("听说%s出事了？%s的情况怎么样，%s说了吗（%d）", w[0], w[1], w[4], k)
			}
			add(fmt.Sprintf("s%d-%d", s, k), text, at.Add(time.Duration(k*3+s)*time.Minute))
		}
		if k%4 == 0 {
			add(fmt.Sprintf("c%d", k), chatter[k/4%len(chatter)], at.Add(time.Duration(k*3)*time.Minute+30*time.Second))
		}
	}
	return ms, lines
}

// waitAnalysed waits until every mention of ms is in the analysed topic.
func waitAnalysed(t *testing.T, ctx context.Context, l eventlog.Log, ms []mention.Mention) {
	t.Helper()
	for {
		seen := map[string]bool{}
		err := l.Replay(ctx, eventlog.TopicAnalyzed, func(_ context.Context, b []eventlog.Record) error {
			for _, r := range b {
				seen[r.Event.Key] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		missing := 0
		for _, m := range ms {
			if !seen[m.ID] {
				missing++
			}
		}
		if missing == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d of %d mentions never analysed", missing, len(ms))
		case <-time.After(300 * time.Millisecond): // polling the log for progress
		}
	}
}

// readGrouping reads offline {"id","topic"} lines as a grouping.
func readGrouping(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var x struct {
			ID    string  `json:"id"`
			Topic *string `json:"topic"`
		}
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatal(err)
		}
		got[x.ID] = ""
		if x.Topic != nil {
			got[x.ID] = *x.Topic
		}
	}
	return grouping(got)
}

// grouping turns id → topic ("" unassigned) into sorted groups, each a
// sorted, comma-joined list of ids; an unassigned id is a group of its own.
func grouping(topicOf map[string]string) []string {
	groups := map[string][]string{}
	for id, tp := range topicOf {
		if tp == "" {
			tp = "unassigned:" + id
		}
		groups[tp] = append(groups[tp], id)
	}
	var out []string
	for _, ids := range groups {
		sort.Strings(ids)
		out = append(out, strings.Join(ids, ","))
	}
	sort.Strings(out)
	return out
}
