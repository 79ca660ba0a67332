package backfill

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/ingest/source"
	"yuqing/internal/eventlog"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/internal/mention"
)

var now = time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)

func clockNow() time.Time { return now }

func writeFile(t testing.TB, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func config(path string, opts map[string]string) source.SourceConfig {
	o := map[string]string{"path": path}
	for k, v := range opts {
		o[k] = v
	}
	return source.SourceConfig{Name: "history", Type: Type, Platform: "weibo", Options: o}
}

func open(t testing.TB, sc source.SourceConfig, opt Options) *Source {
	t.Helper()
	if opt.Now == nil {
		opt.Now = clockNow
	}
	s, err := New(sc, opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// drain reads to the end: the batches in order.
func drain(t testing.TB, s *Source) []source.Batch {
	t.Helper()
	var out []source.Batch
	for {
		b, err := s.Read(context.Background())
		if errors.Is(err, source.ErrEndOfInput) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if !b.More || b.Cursor == "" {
			t.Fatalf("batch without more or cursor: %+v", b)
		}
		out = append(out, b)
	}
}

func flatten(bs []source.Batch) (good []mention.Mention, bad []mention.Rejected) {
	for _, b := range bs {
		good = append(good, b.Mentions...)
		bad = append(bad, b.Rejected...)
	}
	return good, bad
}

func ids(ms []mention.Mention) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// jsonl is n mentions, one a line; the lines in bad (1-based) are broken.
func jsonl(n int, bad map[int]string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if s, ok := bad[i]; ok {
			b.WriteString(s + "\n")
			continue
		}
		fmt.Fprintf(&b, `{"id":"%d","text":"第%d条：市区出现异味，网友称气味刺鼻","published_at":"2026-11-2%dT%02d:%02d:00+08:00","author":{"name":"网友%d"}}`+"\n",
			i, i, 1+i%2, i%24, i%60, i)
	}
	return b.String()
}

func TestJSONLReadsAll(t *testing.T) {
	bad := map[int]string{
		7:    `{"id":"7","text":"缺时间"}`,
		100:  `{"id":`,
		1500: "",
		2001: `{"id":"2001","platform":"myspace","text":"x","published_at":"2026-11-23T00:00:00Z"}`,
	}
	p := writeFile(t, "history.jsonl", "\uFEFF"+strings.ReplaceAll(jsonl(2500, bad), "\n", "\r\n"))
	s := open(t, config(p, nil), Options{})
	bs := drain(t, s)
	if len(bs) != 3 || bs[0].Len() != 1000 || bs[1].Len() != 1000 || bs[2].Len() != 499 {
		t.Fatalf("batches %d: %d %d …", len(bs), bs[0].Len(), bs[1].Len())
	}
	good, rej := flatten(bs)
	if len(good) != 2496 || len(rej) != 3 {
		t.Fatalf("%d good, %d rejected", len(good), len(rej))
	}
	if good[0].ID != "weibo:1" || good[0].Platform != "weibo" || good[0].Source != "history" || good[0].Author.Name != "网友1" {
		t.Fatalf("first mention %+v", good[0])
	}
	for i, want := range []struct {
		line   int
		reason string
	}{{7, "published_at is missing"}, {100, "not a JSON mention"}, {2001, "myspace"}} {
		r := rej[i]
		if r.Index != want.line || !strings.HasPrefix(r.Reason, fmt.Sprintf("line %d: ", want.line)) || !strings.Contains(r.Reason, want.reason) || r.Raw != bad[want.line] {
			t.Errorf("rejected %d: %+v, want line %d %q", i, r, want.line, want.reason)
		}
	}
	var c Cursor
	json.Unmarshal([]byte(bs[2].Cursor), &c)
	st, _ := os.Stat(p)
	if c.Offset != st.Size() || c.Line != 2500 {
		t.Fatalf("final cursor %+v, file %d bytes", c, st.Size())
	}
	// Read after the end stays at the end.
	if _, err := s.Read(context.Background()); !errors.Is(err, source.ErrEndOfInput) {
		t.Fatalf("read after the end: %v", err)
	}
}

const csvFile = "\uFEFFid,platform,published_at,text,author_name,author.followers,url,reposts,metrics_likes,unknown\r\n" +
	`1,weibo,2026-11-23T10:00:00+08:00,市区出现异味,网友甲,"1,234",https://weibo.com/1/1,3,5,x` + "\r\n" +
	`2,,2026-11-23 10:05:00,"多行文本，含逗号,` + "\r\n" + `和 ""引号""",网友乙,12,,,,` + "\r\n" +
	"\r\n" +
	`3,wechat,1795400000,公众号文章,某公众号,,,,,` + "\r\n" +
	`4,weibo,5分钟前,相对时间,网友丙,,,,,` + "\r\n" +
	`5,weibo,2026-11-23 10:06,多出的字段,网友丁,,,,,,extra` + "\r\n" +
	`6,weibo,2026-11-23 10:07,坏"引号,网友戊,,,,,` + "\r\n" +
	`7,weibo,2026-11-23 10:08,粉丝数,网友己,很多,,,,` + "\r\n" +
	`,,,,,,,,,` + "\r\n" +
	`8,news,2026/11/23 10:09:30,最后一行没有换行,新闻,,,,,`

func TestCSVReadsAll(t *testing.T) {
	p := writeFile(t, "history.csv", csvFile)
	s := open(t, config(p, map[string]string{"batch": "3"}), Options{})
	bs := drain(t, s)
	good, rej := flatten(bs)
	if got, want := ids(good), []string{"weibo:1", "weibo:2", "wechat:3", "news:8"}; !slices.Equal(got, want) {
		t.Fatalf("ids %v, want %v; rejected %+v", got, want, rej)
	}
	m := good[0]
	if m.Author.Name != "网友甲" || m.Author.Followers != 1234 || m.URL != "https://weibo.com/1/1" || m.Metrics.Reposts != 3 || m.Metrics.Likes != 5 ||
		!m.PublishedAt.Equal(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)) {
		t.Fatalf("mention 1 %+v", m)
	}
	if m := good[1]; m.Text != "多行文本，含逗号,\n和 \"引号\"" || !m.PublishedAt.Equal(time.Date(2026, 11, 23, 2, 5, 0, 0, time.UTC)) || m.Author.Followers != 12 {
		t.Fatalf("mention 2 %+v", m)
	}
	if m := good[2]; !m.PublishedAt.Equal(time.Unix(1795400000, 0)) {
		t.Fatalf("unix time: %v", m.PublishedAt)
	}
	wantRej := []struct {
		line   int
		reason string
	}{{7, "not a dated time"}, {8, "the row has 11 fields but the header 10"}, {9, `column 29: bare " in non-quoted-field`}, {10, `"author.followers": "很多"`}}
	if len(rej) != len(wantRej) {
		t.Fatalf("rejected %+v", rej)
	}
	for i, w := range wantRej {
		if rej[i].Index != w.line || !strings.HasPrefix(rej[i].Reason, fmt.Sprintf("line %d: ", w.line)) || !strings.Contains(rej[i].Reason, w.reason) || rej[i].Raw == "" {
			t.Errorf("rejected %d: %+v, want line %d %q", i, rej[i], w.line, w.reason)
		}
	}
	if !strings.HasPrefix(rej[0].Raw, "4,weibo,5分钟前") {
		t.Errorf("raw %q", rej[0].Raw)
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	for name, data := range map[string]string{
		"no id":   "platform,published_at,text\nweibo,2026-11-23T00:00:00Z,x\n",
		"no time": "id,text\n1,x\n",
		"no text": "id,time,author_name\n1,2026-11-23T00:00:00Z,x\n",
		"empty":   "\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			s, err := New(config(writeFile(t, "x.csv", data), nil), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Connect(context.Background()); err == nil {
				t.Fatal("connected")
			}
		})
	}
	// TSV by extension, time and content as synonyms, the platform from config.
	s := open(t, config(writeFile(t, "x.tsv", "ID\tTime\tContent\n9\t2026-11-23 09:00\t制表符分隔\n"), nil), Options{})
	good, rej := flatten(drain(t, s))
	if len(good) != 1 || len(rej) != 0 || good[0].ID != "weibo:9" || good[0].Text != "制表符分隔" {
		t.Fatalf("tsv: %+v %+v", good, rej)
	}
}

func TestResumeGivesExactlyTheRest(t *testing.T) {
	for _, c := range []struct{ name, data string }{
		{"history.jsonl", jsonl(50, map[int]string{3: "junk", 20: ""})},
		{"history.csv", csvFile},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, c.name, c.data)
			sc := config(p, map[string]string{"batch": "2"})
			all := drain(t, open(t, sc, Options{}))
			for k := range all {
				s, err := New(sc, Options{Now: clockNow})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Resume(all[k].Cursor); err != nil {
					t.Fatal(err)
				}
				if err := s.Connect(context.Background()); err != nil {
					t.Fatal(err)
				}
				rest := drain(t, s)
				s.Close(context.Background())
				wantGood, wantBad := flatten(all[k+1:])
				gotGood, gotBad := flatten(rest)
				if !slices.Equal(ids(gotGood), ids(wantGood)) || len(gotBad) != len(wantBad) {
					t.Fatalf("resumed after batch %d: %v, want %v", k, ids(gotGood), ids(wantGood))
				}
				for i := range gotBad {
					if gotBad[i] != wantBad[i] {
						t.Fatalf("resumed rejection %+v, want %+v", gotBad[i], wantBad[i])
					}
				}
			}
		})
	}
}

func TestCursorPastTheEndIsRefused(t *testing.T) {
	p := writeFile(t, "x.jsonl", jsonl(3, nil))
	s, _ := New(config(p, nil), Options{})
	if err := s.Resume(`{"v":1,"offset":999999,"line":9}`); err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "replaced") {
		t.Fatalf("connect: %v", err)
	}
	if err := s.Resume(`{"v":2,"offset":0}`); err == nil {
		t.Fatal("cursor version 2 accepted")
	}
}

func TestLongLineIsRejectedAndSkipped(t *testing.T) {
	long := `{"id":"2","text":"` + strings.Repeat("长", MaxRecordBytes/3+10) + `","published_at":"2026-11-23T00:00:00Z"}`
	data := jsonl(1, nil) + long + "\n" + strings.Replace(jsonl(3, nil), `"id":"1"`, `"id":"x"`, 1)
	s := open(t, config(writeFile(t, "x.jsonl", data), nil), Options{})
	good, rej := flatten(drain(t, s))
	if got := ids(good); !slices.Equal(got, []string{"weibo:1", "weibo:x", "weibo:2", "weibo:3"}) {
		t.Fatalf("ids %v", got)
	}
	if len(rej) != 1 || rej[0].Index != 2 || !strings.Contains(rej[0].Reason, "more than") || len(rej[0].Raw) > MaxRawBytes || !strings.HasPrefix(rej[0].Raw, `{"id":"2","text":"长长`) {
		t.Fatalf("rejected %d: index %d %q (%d bytes)", len(rej), rej[0].Index, rej[0].Reason, len(rej[0].Raw))
	}
}

func TestConfig(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		sc   source.SourceConfig
		path string
		err  string
	}{
		{source.SourceConfig{Name: "a", URL: "file:///data/x.jsonl"}, "/data/x.jsonl", ""},
		{source.SourceConfig{Name: "a", URL: "file://localhost/data/x.csv"}, "/data/x.csv", ""},
		{source.SourceConfig{Name: "a", URL: dir + "/x.jsonl"}, dir + "/x.jsonl", ""},
		{source.SourceConfig{Name: "a", URL: "https://example.com/x.jsonl"}, "", "local files"},
		{source.SourceConfig{Name: "a"}, "", "options.path"},
		{source.SourceConfig{Name: "a", Options: map[string]string{"path": "x.txt"}}, "", "format"},
		{source.SourceConfig{Name: "a", Options: map[string]string{"path": "x.txt", "format": "xml"}}, "", "format"},
		{source.SourceConfig{Name: "a", Options: map[string]string{"path": "x.csv", "batch": "0"}}, "", "batch"},
		{source.SourceConfig{Name: "a", Options: map[string]string{"path": "x.csv", "comma": ",,"}}, "", "comma"},
		{source.SourceConfig{Name: "a", Options: map[string]string{"path": "x.csv", "pth": "y"}}, "", "unknown option"},
		{source.SourceConfig{Name: "a", Platform: "myspace", Options: map[string]string{"path": "x.csv"}}, "", "platform"},
	} {
		s, err := New(c.sc, Options{})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: %v, want %q", c.sc, err, c.err)
			}
			continue
		}
		if err != nil || s.path != filepath.FromSlash(c.path) {
			t.Errorf("%+v: %v, path %q", c.sc, err, s.path)
		}
	}
	reg := source.Registry{}
	Register(reg)
	if _, ok := reg[Type]; !ok {
		t.Fatal("not registered")
	}
}

func newLog(t testing.TB) *sqlitelog.Log {
	t.Helper()
	l, err := sqlitelog.Open(context.Background(), sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func count(t testing.TB, l eventlog.Log, topic string) int {
	t.Helper()
	n := 0
	if err := l.Replay(context.Background(), topic, func(_ context.Context, b []eventlog.Record) error {
		n += len(b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// The Runner runs the file to its end, keeping the cursor in the log; run
// again on the grown file it reads only the new lines.
func TestRunnerContinuesWhereTheLogHasIt(t *testing.T) {
	l := newLog(t)
	p := writeFile(t, "history.jsonl", jsonl(250, map[int]string{10: "junk"}))
	var lines []string
	reg := source.Registry{}
	RegisterWith(reg, Options{Now: clockNow, Progress: func(p Progress) { lines = append(lines, p.String()) }})
	cfg := source.Config{Sources: []source.SourceConfig{config(p, map[string]string{"batch": "100"})}}
	run := func() {
		r, err := source.NewRunner(l, cfg, reg, source.Options{Clock: clockNow, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if m, d := count(t, l, eventlog.TopicMentions), count(t, l, eventlog.TopicDeadLetter); m != 249 || d != 1 {
		t.Fatalf("%d mentions, %d dead letters", m, d)
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, "100%") || !strings.Contains(last, "done in") || !strings.Contains(last, "250 lines, 249 ok, 1 rejected") {
		t.Fatalf("progress %q", lines)
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.ReplaceAll(jsonl(30, nil), `"id":"`, `"id":"new`))
	f.Close()
	run()
	if m := count(t, l, eventlog.TopicMentions); m != 279 {
		t.Fatalf("%d mentions after the second run, want 249 + 30", m)
	}
	cursors, err := source.Cursors(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	var c Cursor
	json.Unmarshal([]byte(cursors["history"].Cursor), &c)
	if c.Line != 280 {
		t.Fatalf("cursor %+v", c)
	}
}

func TestReadAll(t *testing.T) {
	good, bad, err := ReadAll(context.Background(), config(writeFile(t, "x.ndjson", jsonl(20, map[int]string{2: "[]"})), nil), Options{Now: clockNow})
	if err != nil || len(good) != 19 || len(bad) != 1 || bad[0].Index != 2 {
		t.Fatalf("%d good, %+v, %v", len(good), bad, err)
	}
}
