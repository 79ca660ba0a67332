package weibo

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"yuqing/ingest/source"
	"yuqing/internal/mention"
)

// now is 12:00 in China on the day of the recorded timeline.
var now = time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC)

const token = "2.00AbCdEfGhIjKlMnOp_secretTOKEN0123"

func testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorder is an API stand-in that logs every request's path and query.
type recorder struct {
	mu      sync.Mutex
	reqs    []*url.URL
	handler func(w http.ResponseWriter, r *http.Request)
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	u := *r.URL
	rc.reqs = append(rc.reqs, &u)
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	rc.handler(w, r)
}

func (rc *recorder) requests() []*url.URL {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

func serve(t testing.TB, h func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *recorder) {
	rc := &recorder{handler: h}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return srv, rc
}

func newSource(t testing.TB, sc source.SourceConfig) *Source {
	t.Helper()
	if sc.Name == "" {
		sc.Name = "weibo-home"
	}
	if sc.Type == "" {
		sc.Type = Type
	}
	if sc.Options == nil {
		sc.Options = map[string]string{}
	}
	if sc.Options["access_token"] == "" && sc.Options["access_token_env"] == "" {
		sc.Options["access_token"] = token
	}
	s, err := New(sc, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.SetClock(func() time.Time { return now })
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
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
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

// recordedTimeline serves the recorded home timeline: page 1 without
// max_id, page 2 for the max_id below page 1, then an empty page.
func recordedTimeline(t *testing.T) (*httptest.Server, *recorder) {
	p1, p2, empty := testdata(t, "home_timeline_page1.json"), testdata(t, "home_timeline_page2.json"), testdata(t, "home_timeline_empty.json")
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/2/statuses/home_timeline.json" {
			http.NotFound(w, r)
			return
		}
		switch r.URL.Query().Get("max_id") {
		case "":
			w.Write(p1)
		case "5230000888776654":
			w.Write(p2)
		default:
			w.Write(empty)
		}
	})
}

func TestHomeTimelineMapping(t *testing.T) {
	srv, rc := recordedTimeline(t)
	s := newSource(t, source.SourceConfig{URL: srv.URL + "/2", Source: "市网信办-微博"})
	b := read(t, s)

	want := []string{
		"weibo:5229960000777888", // Sun 20:30, its original rejected
		"weibo:5229980000333444", // Sun 22:10, its original deleted
		"weibo:5229990000111222", // 08:30
		"weibo:5229998765432101", // 09:02, the original of two reposts, once
		"weibo:5230000888776655", // 09:50
		"weibo:5230001122334455", // 10:05
		"weibo:5230001234567894", // 10:15
	}
	if got := ids(b.Mentions); !slices.Equal(got, want) {
		t.Fatalf("mentions (oldest first)\n got %v\nwant %v", got, want)
	}
	if b.More || b.Cursor != `{"v":1,"since_id":"5230001234567894"}` {
		t.Errorf("more %v, cursor %s", b.More, b.Cursor)
	}
	for _, m := range b.Mentions {
		if err := m.Validate(now); err != nil {
			t.Errorf("invalid mention: %v", err)
		}
		if m.Platform != "weibo" || m.Source != "市网信办-微博" || m.Lang != "zh" || m.PublishedAt.Location() != time.UTC {
			t.Errorf("%s: platform %q source %q lang %q zone %v", m.ID, m.Platform, m.Source, m.Lang, m.PublishedAt.Location())
		}
		if len(m.Raw) == 0 || len(m.Raw) > MaxRawBytes || !json.Valid(m.Raw) {
			t.Errorf("%s: raw of %d bytes, valid %v", m.ID, len(m.Raw), json.Valid(m.Raw))
		}
	}

	// The repost: Chinese text with emoji codes, its original as root and parent.
	repost := byID(t, b.Mentions, "weibo:5230001234567894")
	wantRepost := mention.Mention{
		ID: "weibo:5230001234567894", Platform: "weibo", Source: "市网信办-微博",
		URL:         "https://weibo.com/6543210987/5230001234567894",
		Author:      mention.Author{ID: "6543210987", Name: "城东居民小李", Followers: 320},
		Text:        "转发这条通知，大家注意安全[心][加油] //@城东社区网格员:已核实，请勿恐慌[赞]",
		PublishedAt: time.Date(2026, 11, 23, 2, 15, 30, 0, time.UTC),
		Metrics:     mention.Metrics{Reposts: 2, Comments: 5, Likes: 17},
		ParentID:    "weibo:5229998765432101", RootID: "weibo:5229998765432101",
		Region: "江苏 南京", Lang: "zh", Raw: repost.Raw,
	}
	if g, w := fmt.Sprintf("%+v", repost), fmt.Sprintf("%+v", wantRepost); g != w {
		t.Errorf("repost\n got %s\nwant %s", g, w)
	}
	raw := string(repost.Raw)
	for _, sub := range []string{`"idstr":"5230001234567894"`, `"source":"<a href=\"http://app.weibo.com`, `"retweeted_status":{"id":5229998765432101,"idstr":"5229998765432101","mid":"5229998765432101"}`, `"screen_name":"城东居民小李"`} {
		if !strings.Contains(raw, sub) {
			t.Errorf("raw lacks %s: %s", sub, raw)
		}
	}
	for _, sub := range []string{"avatar_hd", "darwin_tags", "comment_manage_info", "情况通报"} {
		if strings.Contains(raw, sub) {
			t.Errorf("raw keeps %s: %s", sub, raw)
		}
	}

	// The original, emitted once though two reposts carry it.
	orig := byID(t, b.Mentions, "weibo:5229998765432101")
	wantOrig := mention.Mention{
		ID: "weibo:5229998765432101", Platform: "weibo", Source: "市网信办-微博",
		URL:         "https://weibo.com/5612345678/5229998765432101",
		Author:      mention.Author{ID: "5612345678", Name: "南京市生态环境局", Followers: 1203456, Verified: true},
		Text:        "【情况通报】11月23日上午，有网友反映城东化工园区周边有刺鼻气味。我局已第一时间派员赶赴现场开展监测，目前各项指标未见异常，后续情况将及时通报。#城东异味# http://t.cn/A6Mx9Zp2",
		PublishedAt: time.Date(2026, 11, 23, 1, 2, 11, 0, time.UTC),
		Metrics:     mention.Metrics{Reposts: 356, Comments: 128, Likes: 2045},
		Region:      "江苏 南京", Lang: "zh", Raw: orig.Raw,
	}
	if g, w := fmt.Sprintf("%+v", orig), fmt.Sprintf("%+v", wantOrig); g != w {
		t.Errorf("original\n got %s\nwant %s", g, w)
	}
	if !strings.Contains(string(orig.Raw), "006qWbXzly1hx2k3m4n5oj30u01hc7wh") {
		t.Errorf("original's raw lost its pictures: %s", orig.Raw)
	}

	// An original post: newline kept, trailing zero-width spaces gone, orange V.
	post := byID(t, b.Mentions, "weibo:5230001122334455")
	if post.Text != "#城东异味# 今天早上在城东路口闻到一股很冲的味道[吃惊][吃惊]，\n有没有人知道怎么回事？@南京市生态环境局 [doge]" ||
		post.Author != (mention.Author{ID: "3187654321", Name: "南京吃货日记", Followers: 45678, Verified: true}) ||
		post.Metrics != (mention.Metrics{Reposts: 58, Comments: 233, Likes: 1024}) ||
		post.ParentID != "" || post.RootID != "" || post.URL != "https://weibo.com/3187654321/5230001122334455" {
		t.Errorf("post %+v", post)
	}

	// A repost that replies: parent is the reply, root the original;
	// Traditional text folded; user id from id (no idstr); location 其他 dropped.
	reply := byID(t, b.Mentions, "weibo:5230000888776655")
	if reply.ParentID != "weibo:5229999000111222" || reply.RootID != "weibo:5229998765432101" || reply.Text != "转发微博" ||
		reply.Author.ID != "1987654321" || reply.Region != "" || !reply.PublishedAt.Equal(time.Date(2026, 11, 23, 1, 50, 0, 0, time.UTC)) {
		t.Errorf("reply %+v", reply)
	}

	// A long text from page 2: lines kept.
	long := byID(t, b.Mentions, "weibo:5229990000111222")
	if !strings.HasPrefix(long.Text, "关于城东化工园区的几点疑问：\n1. 园区去年的环评报告在哪里公示？\n2.") ||
		!strings.HasSuffix(long.Text, "全文： http://m.weibo.cn/2876543210/5229990000111222") || long.Region != "北京" {
		t.Errorf("long text %q region %q", long.Text, long.Region)
	}
	// A repost of a deleted original keeps the link, the placeholder is no mention.
	if m := byID(t, b.Mentions, "weibo:5229980000333444"); m.RootID != "weibo:5229970000999000" || m.ParentID != m.RootID {
		t.Errorf("repost of deleted %+v", m)
	}

	// Rejected: no time, no text, no id, and an original with a broken time.
	if len(b.Rejected) != 4 {
		t.Fatalf("%d rejected, want 4: %+v", len(b.Rejected), b.Rejected)
	}
	wantRejects := []struct {
		index int
		why   []string
		raw   string
	}{
		{2, []string{"status 3", "no created_at"}, "这条微博的时间丢了"},
		{6, []string{"status 7", "text and title are both empty"}, `"idstr":"5229970000555666"`},
		{7, []string{"status 8", "no id"}, "没有编号的微博"},
		{8, []string{"status 9", "original reposted by weibo:5229960000777888", "created_at"}, "时间错乱的原微博"},
	}
	for i, w := range wantRejects {
		r := b.Rejected[i]
		if r.Index != w.index || r.Source != "市网信办-微博" || !strings.Contains(r.Raw, w.raw) || !json.Valid([]byte(r.Raw)) {
			t.Errorf("rejected %d: index %d source %q raw %.80s", i, r.Index, r.Source, r.Raw)
		}
		for _, why := range w.why {
			if !strings.Contains(r.Reason, why) {
				t.Errorf("rejected %d: reason %q lacks %q", i, r.Reason, why)
			}
		}
	}
	for _, m := range b.Mentions {
		if m.ID == "weibo:5229970000999000" || m.ID == "weibo:5229950000000001" {
			t.Errorf("placeholder or broken original became a mention: %+v", m)
		}
	}

	// The requests: token as a query parameter, count, paging with max_id.
	reqs := rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	wantMax := []string{"", "5230000888776654", "5229960000777887"}
	for i, u := range reqs {
		q := u.Query()
		if q.Get("access_token") != token || q.Get("count") != "100" || q.Get("max_id") != wantMax[i] || q.Has("since_id") {
			t.Errorf("request %d: %s", i, u)
		}
	}
}

func TestResumeSendsSinceID(t *testing.T) {
	srv, rc := recordedTimeline(t)
	s := newSource(t, source.SourceConfig{URL: srv.URL + "/2/"})
	cursor := `{"v":1,"since_id":"5230001234567894"}`
	if err := s.Resume(cursor); err != nil {
		t.Fatal(err)
	}
	// The stand-in ignores since_id and serves page 1 again: all of it is
	// at or below since_id, so nothing is new and no second page is asked.
	b := read(t, s)
	if b.Len() != 0 || b.More || b.Cursor != cursor {
		t.Fatalf("batch %v, more %v, cursor %s", ids(b.Mentions), b.More, b.Cursor)
	}
	reqs := rc.requests()
	if len(reqs) != 1 || reqs[0].Query().Get("since_id") != "5230001234567894" || reqs[0].Query().Has("max_id") {
		t.Fatalf("requests %v", reqs)
	}
	for _, bad := range []string{`{"v":2,"since_id":"1"}`, `{"v":1,"since_id":"12ab"}`, `not json`, `{"v":1,"page":-1}`} {
		if err := s.Resume(bad); err == nil {
			t.Errorf("Resume(%s) accepted", bad)
		}
	}
}

// simulated is a timeline that honours since_id, max_id (inclusive) and
// count over the recorded statuses that have an id.
func simulated(t *testing.T) (*httptest.Server, *recorder) {
	var all []json.RawMessage
	for _, name := range []string{"home_timeline_page1.json", "home_timeline_page2.json"} {
		p, err := Parse(testdata(t, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range p.Statuses {
			if _, ok := peekID(raw); ok {
				all = append(all, raw)
			}
		}
	}
	return serve(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		since, _ := strconv.ParseUint(q.Get("since_id"), 10, 64)
		maxID, _ := strconv.ParseUint(q.Get("max_id"), 10, 64)
		count, _ := strconv.Atoi(q.Get("count"))
		var page []json.RawMessage
		for _, raw := range all { // newest first already
			id, _ := peekID(raw)
			if id > since && (maxID == 0 || id <= maxID) && len(page) < count {
				page = append(page, raw)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"statuses": page, "total_number": len(all)})
	})
}

func TestPagingGapAndResume(t *testing.T) {
	srv, rc := simulated(t)
	sc := source.SourceConfig{URL: srv.URL + "/2", Options: map[string]string{"count": "2", "max_pages": "2"}}
	s := newSource(t, sc)
	if err := s.Resume(`{"v":1,"since_id":"5229980000333444"}`); err != nil {
		t.Fatal(err)
	}
	// Five statuses are newer than since_id; two pages of two stop short.
	b1 := read(t, s)
	if got := ids(b1.Mentions); !slices.Equal(got, []string{"weibo:5229998765432101", "weibo:5230000888776655", "weibo:5230001122334455", "weibo:5230001234567894"}) {
		t.Fatalf("first read %v", got)
	}
	if len(b1.Rejected) != 1 || !b1.More {
		t.Fatalf("first read: %d rejected, more %v", len(b1.Rejected), b1.More)
	}
	var c Cursor
	if err := json.Unmarshal([]byte(b1.Cursor), &c); err != nil {
		t.Fatal(err)
	}
	if c != (Cursor{V: 1, SinceID: "5229980000333444", MaxID: "5230000888776654", Head: "5230001234567894"}) {
		t.Fatalf("gap cursor %+v", c)
	}

	// A restarted source fills the gap from the cursor, then closes it.
	s2 := newSource(t, sc)
	if err := s2.Resume(b1.Cursor); err != nil {
		t.Fatal(err)
	}
	b2 := read(t, s2)
	if got := ids(b2.Mentions); !slices.Equal(got, []string{"weibo:5229990000111222"}) || b2.More || b2.Cursor != `{"v":1,"since_id":"5230001234567894"}` {
		t.Fatalf("second read %v, more %v, cursor %s", got, b2.More, b2.Cursor)
	}
	b3 := read(t, s2)
	if b3.Len() != 0 || b3.Cursor != b2.Cursor {
		t.Fatalf("third read %v %s", ids(b3.Mentions), b3.Cursor)
	}

	reqs := rc.requests()
	want := []struct{ since, max string }{
		{"5229980000333444", ""}, {"5229980000333444", "5230001122334454"}, // first read
		{"5229980000333444", "5230000888776654"}, {"5229980000333444", "5229990000111221"}, // the gap
		{"5230001234567894", ""}, // from the top again
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d: %v", len(reqs), len(want), reqs)
	}
	for i, w := range want {
		if q := reqs[i].Query(); q.Get("since_id") != w.since || q.Get("max_id") != w.max || q.Get("count") != "2" {
			t.Errorf("request %d: %s, want since_id %s max_id %s", i, reqs[i].RawQuery, w.since, w.max)
		}
	}
}

func TestFreshStartTakesOnlyThePageLimit(t *testing.T) {
	srv, rc := simulated(t)
	s := newSource(t, source.SourceConfig{URL: srv.URL + "/2", Options: map[string]string{"count": "2", "max_pages": "1"}})
	b := read(t, s)
	if got := ids(b.Mentions); !slices.Equal(got, []string{"weibo:5229998765432101", "weibo:5230001122334455", "weibo:5230001234567894"}) {
		t.Fatalf("mentions %v", got)
	}
	if b.More || b.Cursor != `{"v":1,"since_id":"5230001234567894"}` || len(rc.requests()) != 1 {
		t.Fatalf("more %v cursor %s after %d requests", b.More, b.Cursor, len(rc.requests()))
	}
}

func TestPinnedStatusDoesNotEndTheRead(t *testing.T) {
	st := func(id int, hour int) string {
		return fmt.Sprintf(`{"id":%d,"idstr":"%d","created_at":"Mon Nov 23 %02d:00:00 +0800 2026","text":"第%d条","user":{"id":5612345678,"screen_name":"南京市生态环境局"}}`, id, id, hour, id)
	}
	pinned := st(100, 1) // 置顶: old, but listed first on every page-1
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("max_id") == "" {
			fmt.Fprintf(w, `{"statuses":[%s,%s,%s]}`, pinned, st(300, 11), st(250, 10))
		} else {
			fmt.Fprintf(w, `{"statuses":[%s,%s]}`, st(200, 9), st(150, 8))
		}
	})
	s := newSource(t, source.SourceConfig{URL: srv.URL + "/2", Options: map[string]string{"endpoint": "user_timeline", "uid": "5612345678", "count": "3"}})
	if err := s.Resume(`{"v":1,"since_id":"150"}`); err != nil {
		t.Fatal(err)
	}
	b := read(t, s)
	if got := ids(b.Mentions); !slices.Equal(got, []string{"weibo:200", "weibo:250", "weibo:300"}) || b.More || b.Cursor != `{"v":1,"since_id":"300"}` {
		t.Fatalf("mentions %v, more %v, cursor %s", got, b.More, b.Cursor)
	}
	if reqs := rc.requests(); len(reqs) != 2 || reqs[1].Query().Get("max_id") != "249" {
		t.Fatalf("requests %v", reqs)
	}
}

func TestSearch(t *testing.T) {
	results, empty := testdata(t, "search_topics.json"), testdata(t, "search_topics_empty.json")
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/2/search/topics.json" {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("page") == "1" {
			w.Write(results)
		} else {
			w.Write(empty)
		}
	})
	sc := source.SourceConfig{Name: "weibo-search-chengdong", URL: srv.URL + "/2", Platform: "weibo",
		Options: map[string]string{"endpoint": "search", "q": "城东 异味", "count": "50"}}
	s := newSource(t, sc)
	b := read(t, s)
	if got := ids(b.Mentions); !slices.Equal(got, []string{"weibo:5230001500000002", "weibo:5230002000000001"}) || len(b.Rejected) != 0 {
		t.Fatalf("mentions %v, rejected %+v", got, b.Rejected)
	}
	m := b.Mentions[1]
	if m.Author != (mention.Author{ID: "1644948230", Name: "江苏新闻", Followers: 8876543, Verified: true}) ||
		m.Metrics != (mention.Metrics{Reposts: 88, Comments: 301, Likes: 1520}) || m.Source != "weibo-search-chengdong" ||
		!strings.HasPrefix(m.Text, "【南京城东异味？官方：已派员监测，指标未见异常】") || m.URL != "https://weibo.com/1644948230/5230002000000001" ||
		!m.PublishedAt.Equal(time.Date(2026, 11, 23, 2, 40, 12, 0, time.UTC)) {
		t.Errorf("search result %+v", m)
	}
	if b.Mentions[0].Text != "城东这味儿到底哪来的[允悲] 窗户都不敢开" {
		t.Errorf("text %q", b.Mentions[0].Text)
	}
	if b.More || b.Cursor != `{"v":1,"since_id":"5230002000000001"}` {
		t.Errorf("more %v cursor %s", b.More, b.Cursor)
	}
	reqs := rc.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	for i, u := range reqs {
		q := u.Query()
		if q.Get("q") != "城东 异味" || q.Get("page") != strconv.Itoa(i+1) || q.Get("count") != "50" || q.Get("access_token") != token || q.Has("since_id") || q.Has("max_id") {
			t.Errorf("request %d: %s", i, u)
		}
	}
	// Polled again, the same results are not new; one request suffices.
	if b := read(t, s); b.Len() != 0 || len(rc.requests()) != 3 {
		t.Fatalf("second poll %v after %d requests", ids(b.Mentions), len(rc.requests()))
	}

	// A page limit in a search keeps the result page where the gap goes on.
	s = newSource(t, source.SourceConfig{Name: "weibo-search-gap", URL: srv.URL + "/2",
		Options: map[string]string{"endpoint": "search", "q": "城东 异味", "max_pages": "1"}})
	if err := s.Resume(`{"v":1,"since_id":"5230001000000000"}`); err != nil {
		t.Fatal(err)
	}
	b = read(t, s)
	if len(b.Mentions) != 2 || !b.More || b.Cursor != `{"v":1,"since_id":"5230001000000000","max_id":"5230001500000001","head":"5230002000000001","page":2}` {
		t.Fatalf("gap: %v more %v cursor %s", ids(b.Mentions), b.More, b.Cursor)
	}
	b = read(t, s)
	if b.Len() != 0 || b.More || b.Cursor != `{"v":1,"since_id":"5230002000000001"}` {
		t.Fatalf("gap filled: %v more %v cursor %s", ids(b.Mentions), b.More, b.Cursor)
	}
	if last := rc.requests()[len(rc.requests())-1]; last.Query().Get("page") != "2" {
		t.Errorf("gap read asked %s", last.RawQuery)
	}
}

func TestUserTimeline(t *testing.T) {
	empty := testdata(t, "home_timeline_empty.json")
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write(empty) })
	for _, opt := range []map[string]string{{"uid": "5612345678"}, {"screen_name": "南京市生态环境局"}} {
		opt["endpoint"] = "user_timeline"
		s := newSource(t, source.SourceConfig{URL: srv.URL + "/2", Options: opt})
		if b := read(t, s); b.Len() != 0 || b.Cursor != `{"v":1}` {
			t.Fatalf("empty timeline: %+v", b)
		}
	}
	reqs := rc.requests()
	if len(reqs) != 2 || reqs[0].Path != "/2/statuses/user_timeline.json" || reqs[0].Query().Get("uid") != "5612345678" ||
		reqs[1].Query().Get("screen_name") != "南京市生态环境局" || reqs[1].Query().Has("uid") {
		t.Fatalf("requests %v", reqs)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		header      map[string]string
		body        string
		auth, retry bool
		text        string
	}{
		{"expired token", 400, nil, string(testdata(t, "error_expired_token.json")), true, false, "21327 expired_token"},
		{"invalid token", 401, nil, string(testdata(t, "error_invalid_token.json")), true, false, "21332"},
		{"error code as a string", 403, nil, `{"error":"expired_token","error_code":"21327","request":"/2/statuses/home_timeline.json"}`, true, false, "访问令牌已过期"},
		{"401 without body", 401, nil, "", true, false, "HTTP 401"},
		{"403 html", 403, nil, "<html>Forbidden</html>", true, false, "HTTP 403"},
		{"rate limit answered with 403", 403, nil, string(testdata(t, "error_rate_limit.json")), false, true, "10023"},
		{"429 with retry-after", 429, map[string]string{"Retry-After": "120"}, "", false, true, "HTTP 429"},
		{"502 gateway page", 502, nil, "<html><body>502 Bad Gateway</body></html>", false, true, "HTTP 502"},
		{"system error", 200, nil, `{"error":"system error!","error_code":10001,"request":"/2/statuses/home_timeline.json"}`, false, true, "10001"},
		{"malformed JSON", 200, nil, string(testdata(t, "malformed.json")), false, false, "not valid JSON"},
		{"login page", 200, nil, string(testdata(t, "login.html")), true, false, "login page"},
		{"error echoing the token", 400, nil, `{"error":"invalid access_token ` + token + `","error_code":21332,"request":"/2/statuses/home_timeline.json?access_token=` + url.QueryEscape(token) + `"}`, true, false, "xxxxx"},
		{"not found", 404, nil, "not found", false, false, "HTTP 404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range c.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(c.status)
				w.Write([]byte(c.body))
			})
			s := newSource(t, source.SourceConfig{URL: srv.URL + "/2"})
			before := s.Cursor()
			_, err := s.Read(t.Context())
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if errors.Is(err, source.ErrAuth) != c.auth || source.IsRetryable(err) != c.retry {
				t.Errorf("%v: auth %v retryable %v, want %v %v", err, errors.Is(err, source.ErrAuth), source.IsRetryable(err), c.auth, c.retry)
			}
			if !strings.Contains(msg, c.text) || !strings.Contains(msg, `weibo "weibo-home"`) {
				t.Errorf("error %q lacks %q", msg, c.text)
			}
			if strings.Contains(msg, token) || strings.Contains(msg, url.QueryEscape(token)) || strings.Contains(msg, "secretTOKEN") {
				t.Errorf("token in error text: %s", msg)
			}
			if s.Cursor() != before {
				t.Errorf("a failed read moved the cursor to %s", s.Cursor())
			}
			if q := rc.requests()[0].Query(); q.Get("access_token") != token {
				t.Errorf("token not sent: %s", q)
			}
		})
	}
}

func TestTransportErrorsHideTheToken(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	base := srv.URL + "/2"
	srv.Close()
	s := newSource(t, source.SourceConfig{URL: base})
	_, err := s.Read(t.Context())
	if err == nil || !source.IsRetryable(err) || errors.Is(err, source.ErrAuth) {
		t.Fatalf("closed server: %v", err)
	}
	if strings.Contains(err.Error(), "secretTOKEN") || !strings.Contains(err.Error(), "access_token=xxxxx") {
		t.Fatalf("token not redacted: %v", err)
	}

	// A redirect to a login page means the token no longer opens the API.
	login, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/2/") {
			http.Redirect(w, r, "/signin/login?entry=openapi&r="+url.QueryEscape("https://api.weibo.com"+r.URL.String()), http.StatusFound)
			return
		}
		w.Write(testdata(t, "login.html"))
	})
	s = newSource(t, source.SourceConfig{URL: login.URL + "/2"})
	_, err = s.Read(t.Context())
	if !errors.Is(err, source.ErrAuth) || strings.Contains(err.Error(), "secretTOKEN") {
		t.Fatalf("login redirect: %v", err)
	}
	if out := fmt.Sprintf("%v %+v %#v %s", s, s, s, s); strings.Contains(out, "secretTOKEN") {
		t.Fatalf("printing the source shows the token: %s", out)
	}
}

func TestRateLimitWait(t *testing.T) {
	at := time.Date(2026, 11, 23, 2, 40, 0, 0, time.UTC) // 10:40 in China
	if d := untilNextHour(at); d != 20*time.Minute+5*time.Second {
		t.Errorf("until next hour: %v", d)
	}
	if d := source.ParseRetryAfter("120", at); d != 2*time.Minute {
		t.Errorf("Retry-After 120: %v", d)
	}
	if d := source.ParseRetryAfter(at.Add(90*time.Second).Format(http.TimeFormat), at); d != 90*time.Second {
		t.Errorf("Retry-After date: %v", d)
	}
	if d := source.ParseRetryAfter("soon", at); d != 0 {
		t.Errorf("Retry-After junk: %v", d)
	}
	ae := &APIError{Code: 10023}
	if !ae.RateLimited() || ae.Auth() || (&APIError{Code: 21331}).Auth() || !(&APIError{Code: 21314}).Auth() {
		t.Error("classification")
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	t.Setenv("WEIBO_EMPTY_TOKEN", "")
	cases := []struct {
		sc   source.SourceConfig
		want string
	}{
		{source.SourceConfig{Options: map[string]string{"endpoint": "friends_timeline", "access_token": token}}, "endpoint"},
		{source.SourceConfig{Options: map[string]string{"endpoint": "user_timeline", "access_token": token}}, "uid or options.screen_name"},
		{source.SourceConfig{Options: map[string]string{"endpoint": "user_timeline", "uid": "abc", "access_token": token}}, "uid"},
		{source.SourceConfig{Options: map[string]string{"endpoint": "search", "access_token": token}}, "options.q"},
		{source.SourceConfig{Options: map[string]string{"count": "201", "access_token": token}}, "count"},
		{source.SourceConfig{Options: map[string]string{"count": "0", "access_token": token}}, "count"},
		{source.SourceConfig{Options: map[string]string{"max_pages": "x", "access_token": token}}, "max_pages"},
		{source.SourceConfig{Options: map[string]string{"acess_token": token}}, "unknown option"},
		{source.SourceConfig{Options: map[string]string{}}, "no access token"},
		{source.SourceConfig{Options: map[string]string{"access_token_env": "WEIBO_EMPTY_TOKEN"}}, "WEIBO_EMPTY_TOKEN"},
		{source.SourceConfig{Platform: "wechat", Options: map[string]string{"access_token": token}}, "platform"},
		{source.SourceConfig{URL: "https://api.weibo.com/2?access_token=" + token, Options: map[string]string{"access_token": token}}, "without a query"},
		{source.SourceConfig{URL: "ftp://api.weibo.com/2", Options: map[string]string{"access_token": token}}, "scheme"},
	}
	for _, c := range cases {
		c.sc.Name, c.sc.Type = "weibo-bad", Type
		_, err := New(c.sc, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.sc.Options, err, c.want)
			continue
		}
		if strings.Contains(err.Error(), "secretTOKEN") {
			t.Errorf("token in error: %v", err)
		}
	}
}

func TestTokenFromEnvironmentAndRegister(t *testing.T) {
	t.Setenv("YUQING_WEIBO_TOKEN", token)
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"statuses":[],"total_number":0}`))
	})
	reg := source.Registry{}
	Register(reg, nil, nil)
	if !slices.Equal(reg.Types(), []string{"weibo"}) {
		t.Fatalf("types %v", reg.Types())
	}
	src, err := reg["weibo"](source.SourceConfig{Name: "weibo-env", Type: "weibo", URL: srv.URL + "/2",
		Options: map[string]string{"access_token_env": "YUQING_WEIBO_TOKEN"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := src.(source.Resumer); !ok {
		t.Fatal("not a Resumer")
	}
	if err := src.Connect(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Read(t.Context()); err != nil || rc.requests()[0].Query().Get("access_token") != token {
		t.Fatalf("read: %v, requests %v", err, rc.requests())
	}
	if err := src.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	s, err := New(source.SourceConfig{Name: "weibo-default", Type: "weibo", Options: map[string]string{"access_token": token}}, nil)
	if err != nil || s.base != DefaultBase || s.path != "statuses/home_timeline.json" || s.count != 100 || s.maxPages != 5 {
		t.Fatalf("defaults: %v %+v", err, s)
	}
}

func TestRawIsBounded(t *testing.T) {
	long := strings.Repeat("城东化工园区的气味到底从哪里来？", 1000) // 48 KB
	st := map[string]any{
		"created_at": "Mon Nov 23 10:00:00 +0800 2026", "id": int64(5230000000000001), "idstr": "5230000000000001",
		"text": long, "reposts_count": 1, "pic_urls": []any{map[string]string{"thumbnail_pic": strings.Repeat("x", 9000)}},
		"user": map[string]any{"id": 1, "idstr": "1001", "screen_name": "长文作者", "description": strings.Repeat("简介", 5000)},
	}
	raw, _ := json.Marshal(st)
	s := newSource(t, source.SourceConfig{})
	b := s.Map([]json.RawMessage{raw})
	if len(b.Mentions) != 1 {
		t.Fatalf("%+v", b.Rejected)
	}
	m := b.Mentions[0]
	if m.Text != long || len(m.Raw) > MaxRawBytes || !json.Valid(m.Raw) || !strings.Contains(string(m.Raw), `"truncated_by_yuqing":true`) ||
		strings.Contains(string(m.Raw), "简介") || !strings.Contains(string(m.Raw), `"idstr":"5230000000000001"`) {
		t.Fatalf("text %d bytes, raw %d bytes: %.300s", len(m.Text), len(m.Raw), m.Raw)
	}
	if CompactRaw([]byte(`[1,2]`)) != nil || CompactRaw([]byte(`{"id":1`)) != nil {
		t.Error("CompactRaw of a non-object")
	}
}

func TestParse(t *testing.T) {
	p, err := Parse(testdata(t, "home_timeline_page1.json"))
	if err != nil || len(p.Statuses) != 4 || p.SinceID != "5230001234567894" || p.MaxID != "5230000888776654" || p.TotalNumber != 1532 {
		t.Fatalf("page %+v, %v", p, err)
	}
	if p, err := Parse([]byte("\xef\xbb\xbf {\"statuses\":null}")); err != nil || len(p.Statuses) != 0 {
		t.Errorf("null statuses: %+v %v", p, err)
	}
	for _, bad := range []string{"", "[]", `{"total_number":3}`, `{"statuses":{}}`, `{"statuses":[`, "<html>"} {
		if p, err := Parse([]byte(bad)); err == nil || p != nil {
			t.Errorf("Parse(%q) = %+v, %v", bad, p, err)
		}
	}
	_, err = Parse(testdata(t, "error_rate_limit.json"))
	if ae, ok := errors.AsType[*APIError](err); !ok || ae.Code != 10023 || ae.Request != "/2/statuses/home_timeline.json" {
		t.Errorf("rate limit: %v", err)
	}

	st, err := ParseStatus([]byte(`{"id":5230000000000001,"mid":"P3xYzAbCd","created_at":"Mon Nov 23 10:00:00 +0800 2026","text":"x",` +
		`"reposts_count":"1.2万","comments_count":"100万+","attitudes_count":null,"user":6543210987}`))
	if err != nil || st.ID != "5230000000000001" || st.Reposts != 12000 || st.Comments != 1000000 || st.Likes != 0 || st.User.ID != "6543210987" || st.Deleted {
		t.Errorf("lenient status %+v, %v", st, err)
	}
	m, err := newSource(t, source.SourceConfig{}).Mention(st, now)
	if err != nil || m.URL != "https://weibo.com/6543210987/P3xYzAbCd" || m.Author.Name != "" {
		t.Errorf("mention %+v, %v", m, err)
	}
	for _, bad := range []string{`"x"`, `{"id":1.5}`, `{"text":5}`, `{"user":[1]}`, `{"reposts_count":"many"}`, `{"user":{"verified":"maybe"}}`} {
		if _, err := ParseStatus([]byte(bad)); err == nil {
			t.Errorf("ParseStatus(%s) accepted", bad)
		}
	}
	// HTML in text (some proxies of the API send it) is stripped, emoji images kept as codes.
	st = Status{ID: "5230000000000002", CreatedAt: "Mon Nov 23 10:00:00 +0800 2026", User: User{ID: "1001"},
		Text: `看<a href="https://m.weibo.cn/search?containerid=231522">#城东异味#</a>&amp;担心<img alt="[哈哈]" src="h.png">`}
	if m, err := newSource(t, source.SourceConfig{}).Mention(st, now); err != nil || m.Text != "看#城东异味#&担心[哈哈]" {
		t.Errorf("html text %q, %v", m.Text, err)
	}
}
