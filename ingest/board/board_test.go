package board

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/mention"
)

var now = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// clock is a fake clock whose sleep advances it and records the wait.
type clock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newClock() *clock { return &clock{t: now} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.t = c.t.Add(d)
	}
	return ctx.Err()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// waits are the recorded sleeps that actually waited.
func (c *clock) waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for _, d := range c.sleeps {
		if d > 0 {
			out = append(out, d)
		}
	}
	return out
}

// govSite serves the government message board in testdata/gov: three list
// pages, detail pages by id, robots.txt. Hooks change its answers.
type govSite struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	hits    []string // request URIs, in order
	newItem bool     // page 1 shows a new message on top
	detail  func(w http.ResponseWriter, r *http.Request) bool
	list    func(w http.ResponseWriter, r *http.Request) bool
	agents  []string
}

const newRow = `
      <tr>
        <td class="title"><span class="type">[咨询]</span> <a href="detail.html?id=2026112301&amp;from=list" target="_blank" title="咨询公租房申请条件和轮候时间">咨询公租房申请条件和轮候时间</a></td>
        <td class="author">周**</td>
        <td class="time">2026-11-23 07:50</td>
        <td class="status"><span class="wait">未回复</span></td>
      </tr>`

func newSite(t *testing.T) *govSite {
	s := &govSite{t: t}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *govSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits = append(s.hits, r.URL.RequestURI())
	s.agents = append(s.agents, r.UserAgent())
	newItem, detail, list := s.newItem, s.detail, s.list
	s.mu.Unlock()
	html := func(b []byte) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b)
	}
	switch p := r.URL.Path; {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		w.Write(testdata(s.t, "gov/robots.txt"))
	case p == "/hudong/liuyan/index.html":
		if list != nil && list(w, r) {
			return
		}
		b := testdata(s.t, "gov/list_1.html")
		if newItem {
			b = []byte(strings.Replace(string(b), "<tbody>", "<tbody>"+newRow, 1))
		}
		html(b)
	case p == "/hudong/liuyan/index_1.html":
		html(testdata(s.t, "gov/list_2.html"))
	case p == "/hudong/liuyan/index_2.html":
		html(testdata(s.t, "gov/list_3.html"))
	case p == "/hudong/liuyan/detail.html":
		if detail != nil && detail(w, r) {
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", "gov", "detail_"+filepath.Base(r.URL.Query().Get("id"))+".html"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		html(b)
	case p == "/passport/login":
		html(testdata(s.t, "login.html"))
	default:
		http.NotFound(w, r)
	}
}

func (s *govSite) takeHits() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hits
	s.hits = nil
	return h
}

func (s *govSite) set(f func(*govSite)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// govConfig is the message board's configuration, as sources.yaml has it.
func govConfig(url string) source.SourceConfig {
	return source.SourceConfig{
		Name: "gov-liuyan", Type: "board", URL: url + "/hudong/liuyan/index.html", Platform: "messageboard",
		Options: map[string]string{
			"list":          "table.liuyan-list tbody tr",
			"link":          "td.title a",
			"author":        "td.author",
			"time":          "td.time",
			"replies":       "td.status",
			"next":          "div.pager a.next",
			"detail_text":   "div.liuyan-content, div.reply-content",
			"detail_time":   "td.ly-time",
			"detail_author": "td.ly-author",
			"id_pattern":    `[?&]id=(\d+)`,
			"delay":         "1s",
		},
	}
}

func newBoard(t testing.TB, sc source.SourceConfig, c *clock) *Source {
	t.Helper()
	s, err := New(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetClock(c.Now)
	s.SetSleep(c.Sleep)
	return s
}

func read(t *testing.T, s *Source) source.Batch {
	t.Helper()
	b, err := s.Read(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ids(ms []mention.Mention) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func byID(t *testing.T, ms []mention.Mention, id string) mention.Mention {
	t.Helper()
	for _, m := range ms {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("no mention %s in %v", id, ids(ms))
	return mention.Mention{}
}

func cst(y, mo, d, h, mi, s int) time.Time {
	return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.FixedZone("CST", 8*3600)).UTC()
}

func TestGovBoard(t *testing.T) {
	site := newSite(t)
	c := newClock()
	s := newBoard(t, govConfig(site.srv.URL), c)
	b := read(t, s)

	want := []string{"messageboard:2026111908", "messageboard:2026112003", "messageboard:2026112007",
		"messageboard:2026112102", "messageboard:2026112201", "messageboard:2026112203"}
	if got := ids(b.Mentions); !slices.Equal(got, want) {
		t.Fatalf("mentions %v\nwant (oldest first) %v", got, want)
	}
	if b.More {
		t.Error("More after reading everything")
	}
	for _, m := range b.Mentions {
		if err := m.Validate(now); err != nil {
			t.Error(err)
		}
		if m.PublishedAt.Location() != time.UTC || m.Platform != "messageboard" || m.Source != "gov-liuyan" {
			t.Errorf("%s: zone %v, platform %q, source %q", m.ID, m.PublishedAt.Location(), m.Platform, m.Source)
		}
	}

	m := byID(t, b.Mentions, "messageboard:2026112201")
	if m.Title != "建议在望江小学门口增设人行横道和信号灯" || m.Author.Name != "李**" ||
		m.URL != site.srv.URL+"/hudong/liuyan/detail.html?id=2026112201" ||
		!m.PublishedAt.Equal(cst(2026, 11, 22, 8, 10, 42)) || m.Metrics.Comments != 1 {
		t.Errorf("mention %+v", m)
	}
	for _, w := range []string{"望江小学门口的望江路车流量很大", "上下学高峰安排交警或志愿者值守。", "计划于12月上旬在望江小学门口施划人行横道"} {
		if !strings.Contains(m.Text, w) {
			t.Errorf("text %q lacks %q", m.Text, w)
		}
	}
	if strings.Contains(m.Text, "分享") || strings.Contains(m.Text, "打印本页") || strings.Contains(m.Text, "<") {
		t.Errorf("text has page chrome: %q", m.Text)
	}
	if !strings.Contains(m.Text, "值守。\n\n李先生") {
		t.Errorf("message and reply are not separated by an empty line: %q", m.Text)
	}
	var raw map[string]string
	if err := json.Unmarshal(m.Raw, &raw); err != nil || raw["time"] != "2026-11-22 08:10" || raw["replies"] != "已回复" ||
		raw["list_page"] != site.srv.URL+"/hudong/liuyan/index.html" {
		t.Errorf("raw %s (%v)", m.Raw, err)
	}

	unanswered := byID(t, b.Mentions, "messageboard:2026112203")
	if unanswered.Metrics.Comments != 0 || strings.Contains(unanswered.Text, "暂无回复") || !strings.HasPrefix(unanswered.Text, "您好！滨江路") {
		t.Errorf("unanswered message %+v", unanswered)
	}
	if cut := byID(t, b.Mentions, "messageboard:2026112003"); cut.Title != "关于河西路段路灯长期不亮存在安全隐患的问题" {
		t.Errorf("a title cut short on the list should come whole from its title attribute: %q", cut.Title)
	}

	// The revoked message has no link; the internal one is disallowed.
	if len(b.Rejected) != 2 {
		t.Fatalf("rejected %+v, want 2", b.Rejected)
	}
	rej := map[string]mention.Rejected{}
	for _, r := range b.Rejected {
		switch {
		case strings.Contains(r.Reason, "no link"):
			rej["revoked"] = r
		case strings.Contains(r.Reason, "robots.txt"):
			rej["robots"] = r
		}
		if r.Source != "gov-liuyan" || len(r.Raw) > MaxItemHTML {
			t.Errorf("rejected %+v", r)
		}
	}
	if r := rej["revoked"]; !strings.HasPrefix(r.Raw, "<tr>") || !strings.Contains(r.Raw, "该留言已被留言人撤回") || !strings.HasSuffix(r.Raw, "</tr>") {
		t.Errorf("revoked item: %+v", r)
	}
	if r := rej["robots"]; !strings.Contains(r.Raw, "翠苑小区二期停水") || !strings.Contains(r.Reason, "neibu") {
		t.Errorf("disallowed item: %+v", r)
	}

	// Requests: robots.txt once, three list pages, the six detail pages;
	// never the disallowed one.
	hits := site.takeHits()
	if hits[0] != "/robots.txt" || hits[1] != "/hudong/liuyan/index.html" || hits[2] != "/hudong/liuyan/index_1.html" || hits[3] != "/hudong/liuyan/index_2.html" {
		t.Errorf("first requests %v", hits[:4])
	}
	if len(hits) != 10 {
		t.Errorf("%d requests, want 10: %v", len(hits), hits)
	}
	for _, h := range hits {
		if strings.Contains(h, "neibu") {
			t.Errorf("fetched %s, which robots.txt disallows", h)
		}
	}
	for _, ua := range site.agents {
		if ua != DefaultAgent {
			t.Errorf("User-Agent %q", ua)
		}
	}
	// Crawl-delay 5 beats delay 1s: every request after the first waited 5s.
	if w := c.waits(); len(w) != 9 || slices.ContainsFunc(w, func(d time.Duration) bool { return d != 5*time.Second }) {
		t.Errorf("waits %v, want 9 × 5s", w)
	}

	var cur Cursor
	if err := json.Unmarshal([]byte(b.Cursor), &cur); err != nil {
		t.Fatal(err)
	}
	if cur.V != 1 || len(cur.Seen) != 8 || !slices.Contains(cur.Seen, "2026112201") || !cur.Newest.Equal(cst(2026, 11, 22, 21, 35, 18)) {
		t.Errorf("cursor %s", b.Cursor)
	}

	// Second poll: one new message on page 1. Page 2 holds only seen
	// items, so the walk stops there: page 3 is not fetched.
	site.set(func(s *govSite) { s.newItem = true })
	b = read(t, s)
	if got := ids(b.Mentions); !slices.Equal(got, []string{"messageboard:2026112301"}) || len(b.Rejected) != 0 {
		t.Fatalf("second poll: mentions %v, rejected %+v", got, b.Rejected)
	}
	if m := b.Mentions[0]; m.Author.Name != "周**" || !m.PublishedAt.Equal(cst(2026, 11, 23, 7, 50, 26)) || !strings.Contains(m.Text, "公租房") {
		t.Errorf("new mention %+v", m)
	}
	if hits := site.takeHits(); !slices.Equal(hits, []string{"/hudong/liuyan/index.html", "/hudong/liuyan/index_1.html", "/hudong/liuyan/detail.html?id=2026112301&from=list"}) {
		t.Errorf("second poll requests %v", hits)
	}
	cursor := b.Cursor

	// Third poll: nothing new, page 1 only, the cursor stays.
	b = read(t, s)
	if b.Len() != 0 || b.Cursor != cursor {
		t.Errorf("third poll: %d items, cursor %s (was %s)", b.Len(), b.Cursor, cursor)
	}
	if hits := site.takeHits(); !slices.Equal(hits, []string{"/hudong/liuyan/index.html"}) {
		t.Errorf("third poll requests %v", hits)
	}

	// A restarted source resumes from the cursor: nothing is new.
	s2 := newBoard(t, govConfig(site.srv.URL), c)
	if err := s2.Resume(cursor); err != nil {
		t.Fatal(err)
	}
	b = read(t, s2)
	if b.Len() != 0 || b.Cursor != cursor {
		t.Errorf("resumed: %d items, cursor %s", b.Len(), b.Cursor)
	}
	if hits := site.takeHits(); !slices.Equal(hits, []string{"/robots.txt", "/hudong/liuyan/index.html"}) {
		t.Errorf("resumed requests %v (its own robots cache, then page 1)", hits)
	}
}

func TestMaxPages(t *testing.T) {
	site := newSite(t)
	sc := govConfig(site.srv.URL)
	sc.Options["max_pages"] = "1"
	delete(sc.Options, "detail_text")
	delete(sc.Options, "detail_time")
	delete(sc.Options, "detail_author")
	s := newBoard(t, sc, newClock())
	b := read(t, s)
	if got := ids(b.Mentions); !slices.Equal(got, []string{"messageboard:2026112102", "messageboard:2026112105", "messageboard:2026112201", "messageboard:2026112203"}) {
		t.Errorf("mentions %v", got)
	}
	// Without detail selectors no detail page is fetched (so robots.txt
	// never has a say on them) and the text is the list item's.
	if hits := site.takeHits(); !slices.Equal(hits, []string{"/robots.txt", "/hudong/liuyan/index.html"}) {
		t.Errorf("requests %v", hits)
	}
	m := b.Mentions[2]
	if !strings.Contains(m.Text, "[建议] 建议在望江小学门口增设人行横道和信号灯 李** 2026-11-22 08:10 已回复") || !m.PublishedAt.Equal(cst(2026, 11, 22, 8, 10, 0)) {
		t.Errorf("list-only mention %+v", m)
	}
}

func TestForumGBK(t *testing.T) {
	var srvURL string
	var pages []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		pages = append(pages, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/robots.txt":
			w.Write(testdata(t, "forum/robots.txt"))
		case "/forum-12-1.html":
			page := strings.ReplaceAll(string(testdata(t, "forum/list.html")), "http://bbs.example.com.cn/", srvURL+"/")
			gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(page))
			if err != nil {
				t.Error(err)
			}
			w.Header().Set("Content-Type", "text/html") // the charset is only in the page's <meta>
			w.Write(gbk)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	srvURL = srv.URL
	sc := source.SourceConfig{Name: "binjiang-bbs", Type: "forum", URL: srv.URL + "/forum-12-1.html",
		Options: map[string]string{
			"list":       "table#threadlisttableid tbody[id^=normalthread_]",
			"link":       "th a.xst",
			"author":     "tr > td.by:nth-child(3) cite",
			"time":       "tr > td.by:nth-child(3) em span",
			"replies":    "td.num a.xi2",
			"views":      "td.num > em",
			"next":       "#pgt a.nxt",
			"id_pattern": `thread-(\d+)-`,
			"delay":      "0s",
			"max_pages":  "2",
		}}
	c := newClock()
	s := newBoard(t, sc, c)
	b := read(t, s)
	want := []string{"forum:8123377", "forum:8123422", "forum:8123450", "forum:8123461"}
	if got := ids(b.Mentions); !slices.Equal(got, want) || len(b.Rejected) != 0 {
		t.Fatalf("mentions %v, rejected %+v; want %v", got, b.Rejected, want)
	}
	// Page 2 is gone (404): the walk ends there without failing the poll.
	if !slices.Equal(pages, []string{"/robots.txt", "/forum-12-1.html", "/forum-12-2.html"}) {
		t.Errorf("requests %v", pages)
	}
	m := b.Mentions[3]
	if m.Platform != "forum" || m.Title != "翠苑二期又停水了，物业说是自来水公司的事，自来水公司说是物业的事" || m.Author.Name != "翠苑住户" ||
		m.URL != srv.URL+"/thread-8123461-1-1.html" || m.Metrics.Comments != 56 || m.Metrics.Views != 12000 ||
		!m.PublishedAt.Equal(now.Add(-3*time.Hour)) {
		t.Errorf("newest thread %+v", m)
	}
	if !strings.Contains(m.Text, "水电燃气") || !strings.Contains(m.Text, "翠苑二期又停水了") {
		t.Errorf("text %q", m.Text)
	}
	times := map[string]time.Time{
		"forum:8123377": cst(2026, 11, 20, 9, 12, 0),
		"forum:8123422": cst(2026, 11, 21, 18, 5, 0),  // 前天 18:05
		"forum:8123450": cst(2026, 11, 22, 21, 10, 0), // 昨天 21:10
	}
	for id, w := range times {
		if got := byID(t, b.Mentions, id).PublishedAt; !got.Equal(w) {
			t.Errorf("%s published %v, want %v", id, got, w)
		}
	}
	if v := byID(t, b.Mentions, "forum:8123450").Metrics.Views; v != 2341 {
		t.Errorf("views %d, want 2341", v)
	}
}

func TestLoginWall(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter, r *http.Request) bool{
		"redirect": func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, "/passport/login?service=%2Fhudong%2Fliuyan%2Findex.html", http.StatusFound)
			return true
		},
		"login page": func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(testdata(t, "login.html"))
			return true
		},
		"403": func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return true
		},
		"401": func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return true
		},
	}
	for name, list := range cases {
		t.Run(name, func(t *testing.T) {
			site := newSite(t)
			site.set(func(s *govSite) { s.list = list })
			s := newBoard(t, govConfig(site.srv.URL), newClock())
			before := s.Cursor()
			b, err := s.Read(t.Context())
			if !errors.Is(err, source.ErrAuth) || b.Len() != 0 {
				t.Fatalf("err %v, batch %+v: want ErrAuth", err, b)
			}
			if strings.Contains(err.Error(), "service=%2F") {
				t.Errorf("error shows the query: %v", err)
			}
			if s.Cursor() != before {
				t.Errorf("cursor moved")
			}
		})
	}
}

func TestDetailLoginWall(t *testing.T) {
	site := newSite(t)
	site.set(func(s *govSite) {
		s.detail = func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, "/passport/login", http.StatusFound)
			return true
		}
	})
	s := newBoard(t, govConfig(site.srv.URL), newClock())
	before := s.Cursor()
	if _, err := s.Read(t.Context()); !errors.Is(err, source.ErrAuth) {
		t.Fatalf("err %v, want ErrAuth when every detail page asks for a login", err)
	}
	if s.Cursor() != before {
		t.Error("cursor moved")
	}
	// One private message among public ones is only that item.
	site.set(func(s *govSite) {
		s.detail = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Query().Get("id") != "2026112007" {
				return false
			}
			w.Write(testdata(t, "login.html"))
			return true
		}
	})
	b := read(t, s)
	if len(b.Mentions) != 5 || len(b.Rejected) != 3 {
		t.Fatalf("%d mentions, %d rejected", len(b.Mentions), len(b.Rejected))
	}
	if !slices.ContainsFunc(b.Rejected, func(r mention.Rejected) bool {
		return strings.Contains(r.Reason, "login page") && strings.Contains(r.Raw, "新生儿医保")
	}) {
		t.Errorf("rejected %+v", b.Rejected)
	}
}

func TestRetryable(t *testing.T) {
	site := newSite(t)
	site.set(func(s *govSite) {
		s.list = func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Retry-After", "120")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return true
		}
	})
	s := newBoard(t, govConfig(site.srv.URL), newClock())
	_, err := s.Read(t.Context())
	if !source.IsRetryable(err) || errors.Is(err, source.ErrAuth) || !strings.Contains(err.Error(), "429") {
		t.Fatalf("err %v, want retryable 429", err)
	}
	r, rerr := source.NewRunner(stubLog{}, source.Config{Sources: []source.SourceConfig{govConfig(site.srv.URL)}}, source.Registry{"board": nil}, source.Options{Seed: 1})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if d := r.Backoff(1, err); d != 120*time.Second {
		t.Errorf("backoff %v, want the server's Retry-After of 120s", d)
	}
	site.set(func(s *govSite) {
		s.list = func(w http.ResponseWriter, r *http.Request) bool {
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return true
		}
	})
	if _, err := s.Read(t.Context()); !source.IsRetryable(err) {
		t.Fatalf("502: err %v", err)
	}
	site.set(func(s *govSite) { s.list = nil })
	if got := len(read(t, s).Mentions); got != 6 {
		t.Errorf("after recovering: %d mentions", got)
	}
}

// stubLog lets a source.Runner be built for its Backoff.
type stubLog struct{}

func (stubLog) Append(context.Context, string, ...event.Envelope) error { return nil }
func (stubLog) Replay(context.Context, string, eventlog.Handler) error  { return nil }

func TestDetailFailures(t *testing.T) {
	site := newSite(t)
	site.set(func(s *govSite) {
		s.detail = func(w http.ResponseWriter, r *http.Request) bool {
			switch r.URL.Query().Get("id") {
			case "2026112007":
				http.NotFound(w, r)
				return true
			case "2026112102":
				http.Error(w, "upstream down", http.StatusServiceUnavailable)
				return true
			}
			return false
		}
	})
	s := newBoard(t, govConfig(site.srv.URL), newClock())
	// Oldest first: 1119 and 1120 (one of them gone), then the one that
	// fails transiently stops the read; what was done is returned.
	b := read(t, s)
	if got := ids(b.Mentions); !slices.Equal(got, []string{"messageboard:2026111908", "messageboard:2026112003"}) || len(b.Rejected) != 1 ||
		!strings.Contains(b.Rejected[0].Reason, "404") || !strings.Contains(b.Rejected[0].Raw, "2026112007") {
		t.Fatalf("first read: %v, rejected %+v", got, b.Rejected)
	}
	site.takeHits()
	// The next read continues with the waiting items, without walking the
	// list again; the page still fails, and nothing else is done.
	_, err := s.Read(t.Context())
	if !source.IsRetryable(err) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("second read: %v", err)
	}
	if hits := site.takeHits(); !slices.Equal(hits, []string{"/hudong/liuyan/detail.html?id=2026112102&from=list"}) {
		t.Errorf("second read requests %v", hits)
	}
	// On the third failure the item is rejected and the rest go on.
	b = read(t, s)
	if got := ids(b.Mentions); !slices.Equal(got, []string{"messageboard:2026112201", "messageboard:2026112203"}) || len(b.Rejected) != 3 {
		t.Fatalf("third read: %v, rejected %+v", got, b.Rejected)
	}
	if !strings.Contains(b.Rejected[0].Reason, "failed 3 times") {
		t.Errorf("rejected %+v", b.Rejected[0])
	}
	var cur Cursor
	json.Unmarshal([]byte(b.Cursor), &cur)
	if len(cur.Seen) != 8 {
		t.Errorf("seen %v", cur.Seen)
	}
	site.takeHits()
	if b := read(t, s); b.Len() != 0 {
		t.Errorf("fourth read %d items", b.Len())
	}
}

func TestDetailTemplateChanged(t *testing.T) {
	site := newSite(t)
	site.set(func(s *govSite) {
		s.detail = func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<html><body><div class="new-template">新版页面</div></body></html>`))
			return true
		}
	})
	s := newBoard(t, govConfig(site.srv.URL), newClock())
	before := s.Cursor()
	_, err := s.Read(t.Context())
	if err == nil || !strings.Contains(err.Error(), "has the page changed?") || errors.Is(err, source.ErrAuth) {
		t.Fatalf("err %v", err)
	}
	if s.Cursor() != before {
		t.Error("cursor moved")
	}
	// One odd page among good ones is only that item.
	site.set(func(s *govSite) {
		s.detail = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Query().Get("id") != "2026112201" {
				return false
			}
			w.Write([]byte(`<html><body>页面不存在</body></html>`))
			return true
		}
	})
	b := read(t, s)
	if len(b.Mentions) != 5 || len(b.Rejected) != 3 {
		t.Fatalf("%d mentions, %d rejected", len(b.Mentions), len(b.Rejected))
	}
	for _, r := range b.Rejected {
		if strings.Count(r.Reason, "board ") != 1 {
			t.Errorf("reason %q names the board more than once", r.Reason)
		}
	}
}

func TestDeadline(t *testing.T) {
	site := newSite(t)
	sc := govConfig(site.srv.URL)
	sc.Options["delay"] = "30s"
	c := newClock()
	s := newBoard(t, sc, c)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	_, err := s.Read(ctx)
	if !source.IsRetryable(err) || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("err %v: want a retryable error about the deadline", err)
	}
	site.takeHits()
	b := read(t, s)
	if len(b.Mentions) != 6 {
		t.Errorf("%d mentions", len(b.Mentions))
	}
	for _, h := range site.takeHits() {
		if strings.Contains(h, "index") {
			t.Errorf("walked the list again: %s", h)
		}
	}
	for _, w := range c.waits() {
		if w != 30*time.Second {
			t.Errorf("wait %v, want the 30s delay (larger than Crawl-delay)", w)
		}
	}
}

func TestRegister(t *testing.T) {
	reg := source.Registry{}
	Register(reg, nil, nil)
	for _, typ := range []string{"board", "forum"} {
		f, ok := reg[typ]
		if !ok {
			t.Fatalf("type %s not registered", typ)
		}
		sc := govConfig("https://www.example.gov.cn")
		sc.Type = typ
		sc.Platform = ""
		src, err := f(sc)
		if err != nil {
			t.Fatal(err)
		}
		if src.(*Source).platform != "forum" {
			t.Errorf("default platform %q", src.(*Source).platform)
		}
	}
	a, _ := reg["board"](govConfig("https://www.example.gov.cn"))
	b, _ := reg["forum"](govConfig("https://www.example.gov.cn"))
	if a.(*Source).hosts != b.(*Source).hosts {
		t.Error("sources of one registry should share robots.txt and pacing")
	}
}

func TestSourcesYAML(t *testing.T) {
	reg := source.Registry{}
	Register(reg, nil, nil)
	cfg, err := source.LoadConfig(filepath.Join("testdata", "sources.yaml"), reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range cfg.Sources {
		src, err := reg[sc.Type](sc)
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if _, ok := src.(source.Resumer); !ok {
			t.Errorf("%s is not a Resumer", sc.Name)
		}
	}
}

func TestOptions(t *testing.T) {
	cases := []struct {
		set  map[string]string
		drop []string
		want string
	}{
		{drop: []string{"list"}, want: "option list (a CSS selector) is required"},
		{drop: []string{"link"}, want: "option link"},
		{set: map[string]string{"link": "td.title["}, want: "option link: selector"},
		{set: map[string]string{"max_pages": "0"}, want: "option max_pages"},
		{set: map[string]string{"max_pages": "many"}, want: "option max_pages"},
		{set: map[string]string{"delay": "fast"}, want: "option delay"},
		{set: map[string]string{"delay": "-1s"}, want: "option delay"},
		{set: map[string]string{"id_pattern": `id=\d+`}, want: "option id_pattern"},
		{set: map[string]string{"id_pattern": `id=(\d+`}, want: "option id_pattern"},
		{set: map[string]string{"time_layouts": "2006-01-02,发布时间"}, want: "option time_layouts"},
		{set: map[string]string{"detail-text": "div"}, want: `unknown option "detail-text"`},
		{drop: []string{"time", "detail_time"}, want: "option time or detail_time is required"},
		{set: map[string]string{"list": "tr@class"}, want: "option list"},
	}
	for _, tc := range cases {
		sc := govConfig("https://www.example.gov.cn")
		for k, v := range tc.set {
			sc.Options[k] = v
		}
		for _, k := range tc.drop {
			delete(sc.Options, k)
		}
		_, err := New(sc, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `board "gov-liuyan"`) {
			t.Errorf("%v %v: err %v, want %q", tc.set, tc.drop, err, tc.want)
		}
	}
	sc := govConfig("https://www.example.gov.cn")
	sc.Platform = "tieba"
	if _, err := New(sc, nil); err == nil || !strings.Contains(err.Error(), "platform") {
		t.Errorf("unknown platform: %v", err)
	}
	sc = govConfig("")
	sc.URL = ""
	if _, err := New(sc, nil); err == nil || !strings.Contains(err.Error(), "url") {
		t.Errorf("no url: %v", err)
	}
	sc = govConfig("https://www.example.gov.cn")
	sc.Options["time_layouts"] = "2006年1月2日 15时04分, 01/02/2006"
	sc.Options["user_agent"] = "Mozilla/5.0 (compatible; yuqing-board/1.0)"
	s, err := New(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.layouts, []string{"2006年1月2日 15时04分", "01/02/2006"}) || s.agent != sc.Options["user_agent"] {
		t.Errorf("layouts %q, agent %q", s.layouts, s.agent)
	}
	if tm, err := s.parseTime("留言时间：2026年11月5日 9时07分", now); err != nil || !tm.Equal(cst(2026, 11, 5, 9, 7, 0)) {
		t.Errorf("custom layout: %v %v", tm, err)
	}
}

func TestResume(t *testing.T) {
	s, err := New(govConfig("https://www.example.gov.cn"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "{", `{"v":2}`, `[]`} {
		if err := s.Resume(bad); err == nil {
			t.Errorf("Resume(%q) accepted", bad)
		}
	}
	long := Cursor{V: 1}
	for i := range MaxSeen + 20 {
		long.Seen = append(long.Seen, string(rune('a'+i%26))+strings.Repeat("x", i%7)+time.Duration(i).String())
	}
	raw, _ := json.Marshal(long)
	if err := s.Resume(string(raw)); err != nil {
		t.Fatal(err)
	}
	var c Cursor
	json.Unmarshal([]byte(s.Cursor()), &c)
	if len(c.Seen) != MaxSeen || c.Seen[MaxSeen-1] != long.Seen[len(long.Seen)-1] {
		t.Errorf("seen kept %d", len(c.Seen))
	}
}

// TestPinnedStaysSeen: an item still on the list does not age out of the
// seen list however many new items follow it.
func TestPinnedStaysSeen(t *testing.T) {
	s, err := New(govConfig("https://www.example.gov.cn"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.cur.Seen = []string{"pinned"}
	for round := range 20 {
		seen := map[string]int{}
		for i, k := range s.cur.Seen {
			seen[k] = i
		}
		var taken []string
		for i := range 60 {
			taken = append(taken, time.Duration(round*100+i).String())
		}
		s.remember(seen, []string{"pinned"}, taken)
		if !slices.Contains(s.cur.Seen, "pinned") {
			t.Fatalf("round %d: the pinned item aged out", round)
		}
		if len(s.cur.Seen) > MaxSeen {
			t.Fatalf("seen grew to %d", len(s.cur.Seen))
		}
	}
	// And an idle board's cursor settles: the pinned item moves at most
	// once.
	var cursors []string
	for range 3 {
		seen := map[string]int{}
		for i, k := range s.cur.Seen {
			seen[k] = i
		}
		s.remember(seen, []string{"pinned"}, nil)
		cursors = append(cursors, s.Cursor())
	}
	if cursors[1] != cursors[0] || cursors[2] != cursors[0] {
		t.Error("the cursor keeps changing without anything new")
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int64{"123": 123, "1,234": 1234, "1.2万": 12000, "3.5k": 3500, "回复 12": 12, "已回复": 1,
		"已办结": 1, "未回复": 0, "办理中": 0, "１２": 12} {
		if got, ok := ParseCount(in); !ok || got != want {
			t.Errorf("ParseCount(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "—", "暂无", "99999999999999999999"} {
		if _, ok := ParseCount(in); ok {
			t.Errorf("ParseCount(%q) ok", in)
		}
	}
}

func TestDecode(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("<p>留言板</p>"))
	for _, tc := range []struct {
		body []byte
		ct   string
	}{
		{gbk, "text/html; charset=gb2312"},
		{gbk, "text/html"}, // undeclared and not UTF-8: GB18030
		{append([]byte(`<meta charset="gbk">`), gbk...), ""},
		{[]byte("<p>留言板</p>"), ""},
		{[]byte("<p>留言板</p>"), "text/html; charset=UTF-8"},
	} {
		if got := string(Decode(tc.body, tc.ct)); !strings.Contains(got, "<p>留言板</p>") {
			t.Errorf("Decode(%q, %q) = %q", tc.body, tc.ct, got)
		}
	}
}

func TestField(t *testing.T) {
	for _, tc := range []struct{ in, sel, attr string }{
		{"a@href", "a", "href"},
		{"span.date@title", "span.date", "title"},
		{"@data-url", "", "data-url"},
		{`a[href*="@"]`, `a[href*="@"]`, ""},
		{"td:nth-child(2) > a", "td:nth-child(2) > a", ""},
	} {
		f, err := ParseField(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if f.attr != tc.attr || (f.sel == nil) != (tc.sel == "") {
			t.Errorf("%q: attr %q, selector %v", tc.in, f.attr, f.sel)
		}
	}
	if _, err := ParseField("@"); err == nil {
		t.Error(`"@" accepted`)
	}
}
