package feed

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yuqing/ingest/source"
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

// serveFile serves a recorded response with its content type.
func serveFile(t testing.TB, name, contentType string) *httptest.Server {
	body := testdata(t, name)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newFeed(t testing.TB, sc source.SourceConfig) *Source {
	t.Helper()
	if sc.Name == "" {
		sc.Name = "test-feed"
	}
	if sc.Type == "" {
		sc.Type = "feed"
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

func TestRSSHubWeiboUser(t *testing.T) {
	srv := serveFile(t, "rsshub_weibo_user.xml", "application/xml; charset=utf-8")
	s := newFeed(t, source.SourceConfig{Name: "weibo-pingan-binjiang", URL: srv.URL + "/weibo/user/3217654890", Platform: "weibo"})
	b := read(t, s)
	if len(b.Mentions) != 3 || len(b.Rejected) != 0 {
		t.Fatalf("%d mentions, %d rejected, want 3 and 0: %+v", len(b.Mentions), len(b.Rejected), b.Rejected)
	}
	m := b.Mentions[2] // oldest first: the newest is last
	if m.ID != "weibo:https://weibo.com/3217654890/PdQwErTyU" || m.Platform != "weibo" || m.Source != "weibo-pingan-binjiang" ||
		m.URL != "https://weibo.com/3217654890/PdQwErTyU" || m.Author.Name != "平安滨江" ||
		!m.PublishedAt.Equal(time.Date(2026, 11, 22, 2, 31, 5, 0, time.UTC)) || m.PublishedAt.Location() != time.UTC {
		t.Errorf("mention %+v", m)
	}
	wantText := "【警情通报】11月22日10时许，滨江区望江路与沿河街交叉口发生一起两车相撞事故，造成1人轻伤。目前伤者已送医，无生命危险，事故原因正在进一步调查中。请广大驾驶员文明驾驶、谨慎通行[心]\n#滨江警情#"
	if m.Text != wantText {
		t.Errorf("text\n%q\nwant\n%q", m.Text, wantText)
	}
	if !strings.HasPrefix(m.Title, "【警情通报】") {
		t.Errorf("title %q", m.Title)
	}
	var raw string
	if err := json.Unmarshal(m.Raw, &raw); err != nil || !strings.HasPrefix(raw, "<item>") || !strings.HasSuffix(raw, "</item>") {
		t.Errorf("raw %s (%v), want the item's XML", m.Raw, err)
	}
	quoted := b.Mentions[1].Text
	for _, want := range []string{"[怒][doge] 转给身边的长辈看看！", "转发 @滨江发布: 【预警】", "“安全账户”", "请立即拨打 110 或 96110 咨询。"} {
		if !strings.Contains(quoted, want) {
			t.Errorf("repost text %q lacks %q", quoted, want)
		}
	}
	if strings.ContainsAny(b.Mentions[0].Text, "<>") || !strings.Contains(b.Mentions[0].Text, "[加油]") {
		t.Errorf("video post text %q", b.Mentions[0].Text)
	}
	for _, m := range b.Mentions {
		if err := m.Validate(now); err != nil {
			t.Error(err)
		}
	}
}

func TestRSSHubWeiboKeyword(t *testing.T) {
	srv := serveFile(t, "rsshub_weibo_keyword.xml", "application/rss+xml")
	s := newFeed(t, source.SourceConfig{Name: "weibo-kw-tingshui", URL: srv.URL + "/weibo/keyword/停水", Platform: "weibo", Source: "rsshub:weibo-keyword"})
	b := read(t, s)
	if len(b.Mentions) != 3 {
		t.Fatalf("%d mentions", len(b.Mentions))
	}
	authors := []string{}
	for _, m := range b.Mentions {
		authors = append(authors, m.Author.Name)
		if m.Source != "rsshub:weibo-keyword" {
			t.Errorf("source %q", m.Source)
		}
	}
	if strings.Join(authors, ",") != "滨江发布,望江路居民老陈,江边的小鱼干" {
		t.Errorf("authors oldest first: %v", authors)
	}
	m := b.Mentions[1]
	if m.Title != "第三天了还是没水…" || m.Text != "第三天了还是没水…打12345说已经转给水务集团了，等消息吧 <无奈>\n#滨江停水#" {
		t.Errorf("title %q text %q", m.Title, m.Text)
	}
	if !strings.Contains(b.Mentions[2].Text, "[抓狂]#滨江停水# @滨江水务") {
		t.Errorf("text %q", b.Mentions[2].Text)
	}
}

func TestWeChatBridges(t *testing.T) {
	t.Run("wechat2rss", func(t *testing.T) {
		srv := serveFile(t, "wechat2rss.xml", "application/rss+xml")
		s := newFeed(t, source.SourceConfig{Name: "wx-binjiangfabu", URL: srv.URL + "/feed/MzA5NzEyMzQ1Ng==.xml", Platform: "wechat"})
		b := read(t, s)
		if len(b.Mentions) != 2 {
			t.Fatalf("%d mentions", len(b.Mentions))
		}
		m := b.Mentions[1]
		if m.ID != "wechat:MzA5NzEyMzQ1Ng==_2651234567_1" || !m.PublishedAt.Equal(time.Date(2026, 11, 22, 4, 0, 0, 0, time.UTC)) || m.Author.Name != "滨江发布" {
			t.Errorf("mention %+v", m)
		}
		want := "各位市民：\n根据《滨江区供热管理办法》，今年冬季供暖将于11月25日正式开始，至次年3月15日结束。\n供暖期间如遇问题，请拨打供热服务热线 0571-8888 1234。\n[玫瑰]感谢大家的理解与支持！"
		if m.Text != want {
			t.Errorf("text (content:encoded, script dropped)\n%q\nwant\n%q", m.Text, want)
		}
	})
	t.Run("we-mp-rss atom", func(t *testing.T) {
		srv := serveFile(t, "we-mp-rss.atom", "application/atom+xml")
		s := newFeed(t, source.SourceConfig{Name: "wx-binjiangshuiwu", URL: srv.URL + "/feed/MP_WXS_3012345678.atom", Platform: "wechat"})
		b := read(t, s)
		if len(b.Mentions) != 2 {
			t.Fatalf("%d mentions %+v", len(b.Mentions), b.Rejected)
		}
		tip, notice := b.Mentions[0], b.Mentions[1]
		if notice.ID != "wechat:https://mp.weixin.qq.com/s/Xk3pQ9vL2mNb7cR1tY5wZa" || notice.Author.Name != "滨江水务" ||
			!notice.PublishedAt.Equal(time.Date(2026, 11, 22, 3, 20, 0, 0, time.UTC)) || notice.Title != "关于望江路片区临时停水的说明" {
			t.Errorf("notice %+v", notice)
		}
		if !strings.Contains(notice.Text, "预计11月22日18时前恢复供水") || !strings.HasSuffix(notice.Text, "深表歉意[抱拳]") {
			t.Errorf("notice text %q", notice.Text)
		}
		if tip.Text != "气温骤降，水表和户外水管要做好保温，用旧棉絮包裹即可 <简单有效>。" || tip.URL != "https://mp.weixin.qq.com/s/Ab1Cd2Ef3Gh4Ij5Kl6Mn7o" {
			t.Errorf("tip (type=text summary) %+v", tip)
		}
	})
}

func TestForumTimeZoneLinkHashAndRejects(t *testing.T) {
	srv := serveFile(t, "forum_discuz.xml", "text/xml")
	feedURL := srv.URL + "/forum.php?mod=rss&fid=12"
	s := newFeed(t, source.SourceConfig{Name: "bbs-binjiang-msz", URL: feedURL, Platform: "forum"})
	b := read(t, s)
	if len(b.Mentions) != 2 || len(b.Rejected) != 2 {
		t.Fatalf("%d mentions %d rejected, want 2 and 2", len(b.Mentions), len(b.Rejected))
	}
	water := b.Mentions[1]
	link := "https://bbs.binjiang.example.cn/forum.php?mod=viewthread&tid=884512&utm_source=rss"
	if water.ID != "forum:"+hash([]byte(Canonical(link))) || water.URL != link || water.Author.Name != "老街坊2019" {
		t.Errorf("mention %+v", water)
	}
	if Canonical(link) != "https://bbs.binjiang.example.cn/forum.php?mod=viewthread&tid=884512" {
		t.Errorf("canonical %s", Canonical(link))
	}
	// "2026-11-22 18:45" has no zone: Asia/Shanghai, 10:45 UTC.
	if !water.PublishedAt.Equal(time.Date(2026, 11, 22, 10, 45, 0, 0, time.UTC)) {
		t.Errorf("published %s, want 10:45 UTC", water.PublishedAt)
	}
	if !strings.Contains(water.Text, "三天了。\n打了物业电话") || !strings.HasSuffix(water.Text, "实在是太难了！\n希望有关部门能给个准话。") {
		t.Errorf("text %q", water.Text)
	}
	if got := b.Mentions[0].URL; got != srv.URL+"/thread-884377-1-1.html" {
		t.Errorf("relative link resolved to %s", got)
	}
	if !strings.Contains(b.Rejected[0].Reason, "no published or updated date") || !strings.HasPrefix(b.Rejected[0].Raw, "<item>") ||
		!strings.Contains(b.Rejected[0].Raw, "论坛版规") || !strings.Contains(b.Rejected[0].Reason, `feed "bbs-binjiang-msz" item 3`) {
		t.Errorf("rejected %+v", b.Rejected[0])
	}
	if !strings.Contains(b.Rejected[1].Reason, "not an http(s) link") || !strings.Contains(b.Rejected[1].Raw, "javascript:void(0)") {
		t.Errorf("rejected %+v", b.Rejected[1])
	}
	// Polled again (this server sends no validators): nothing new, and the
	// same bad items are not dead-lettered twice.
	b = read(t, s)
	if b.Len() != 0 {
		t.Errorf("second poll: %d mentions %d rejected, want none", len(b.Mentions), len(b.Rejected))
	}

	utc := newFeed(t, source.SourceConfig{Name: "bbs-utc", URL: feedURL, Platform: "forum", TimeZone: "UTC"})
	if b := read(t, utc); !b.Mentions[1].PublishedAt.Equal(time.Date(2026, 11, 22, 18, 45, 0, 0, time.UTC)) {
		t.Errorf("timezone UTC: %s", b.Mentions[1].PublishedAt)
	}
}

func TestJSONFeedNews(t *testing.T) {
	srv := serveFile(t, "news_jsonfeed.json", "application/feed+json")
	s := newFeed(t, source.SourceConfig{Name: "news-binjiang-daily", URL: srv.URL + "/binjiangnews/local?format=json", Platform: "news"})
	b := read(t, s)
	if len(b.Mentions) != 2 || len(b.Rejected) != 2 {
		t.Fatalf("%d mentions %d rejected %+v", len(b.Mentions), len(b.Rejected), b.Rejected)
	}
	games, water := b.Mentions[0], b.Mentions[1]
	if water.Author.Name != "李明" || !water.PublishedAt.Equal(time.Date(2026, 11, 22, 8, 5, 0, 0, time.UTC)) ||
		water.Text != "本报讯（记者 李明）记者从滨江水务集团获悉，望江路主供水管道抢修工作已于今日下午完成，预计今晚8时前全面恢复供水。\n据了解，此次爆管影响周边约3000户居民用水。" {
		t.Errorf("water %+v", water)
	}
	if !json.Valid(water.Raw) || !strings.Contains(string(water.Raw), `"tags"`) {
		t.Errorf("raw %s, want the item's JSON", water.Raw)
	}
	if !games.PublishedAt.Equal(time.Date(2026, 11, 21, 2, 30, 0, 0, time.UTC)) || !strings.HasPrefix(games.Text, "21日上午") {
		t.Errorf("games (content_text, zoneless date) %+v", games)
	}
	if !strings.Contains(b.Rejected[0].Reason, "text and title are both empty") || !strings.Contains(b.Rejected[0].Raw, "photo/1.jpg") {
		t.Errorf("rejected %+v", b.Rejected[0])
	}
	if b.Rejected[1].Raw != `"broken item"` || b.Rejected[1].Index != 3 {
		t.Errorf("rejected %+v", b.Rejected[1])
	}
}

// conditional is a feed server that honours If-None-Match and
// If-Modified-Since and counts what it answered.
type conditional struct {
	mu       sync.Mutex
	body     []byte
	etag     string
	modified string
	full     atomic.Int64
	notMod   atomic.Int64
}

func (c *conditional) set(body []byte, etag, modified string) {
	c.mu.Lock()
	c.body, c.etag, c.modified = body, etag, modified
	c.mu.Unlock()
}

func (c *conditional) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	body, etag, modified := c.body, c.etag, c.modified
	c.mu.Unlock()
	if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == modified {
		c.notMod.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	c.full.Add(1)
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", modified)
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write(body)
}

const newItem = `<item>
            <title><![CDATA[【续报】望江路事故伤者已出院]]></title>
            <description><![CDATA[【续报】11月22日望江路交通事故伤者经治疗已于今日出院。<span class="url-icon"><img alt="[赞]" src="x.png"></span>]]></description>
            <pubDate>Sun, 22 Nov 2026 09:00:00 GMT</pubDate>
            <guid isPermaLink="false">https://weibo.com/3217654890/PdZzYyXxW</guid>
            <link>https://weibo.com/3217654890/PdZzYyXxW</link>
            <author><![CDATA[平安滨江]]></author>
        </item>
        <item>`

func TestConditionalGetAndCursor(t *testing.T) {
	orig := testdata(t, "rsshub_weibo_user.xml")
	c := &conditional{}
	c.set(orig, `W/"1a2b"`, "Sun, 22 Nov 2026 04:10:12 GMT")
	srv := httptest.NewServer(c)
	defer srv.Close()
	sc := source.SourceConfig{Name: "weibo-pingan-binjiang", URL: srv.URL + "/weibo/user/3217654890", Platform: "weibo"}
	s := newFeed(t, sc)

	b := read(t, s)
	if len(b.Mentions) != 3 {
		t.Fatalf("first poll: %d mentions", len(b.Mentions))
	}
	var cur Cursor
	if err := json.Unmarshal([]byte(b.Cursor), &cur); err != nil {
		t.Fatal(err)
	}
	if cur.V != 1 || cur.ETag != `W/"1a2b"` || cur.LastModified != "Sun, 22 Nov 2026 04:10:12 GMT" ||
		cur.NewestID != "weibo:https://weibo.com/3217654890/PdQwErTyU" || !cur.Newest.Equal(time.Date(2026, 11, 22, 2, 31, 5, 0, time.UTC)) {
		t.Fatalf("cursor %s", b.Cursor)
	}

	b2 := read(t, s)
	if b2.Len() != 0 || b2.Cursor != b.Cursor || c.notMod.Load() != 1 {
		t.Fatalf("second poll: %d items, cursor %s, %d 304s", b2.Len(), b2.Cursor, c.notMod.Load())
	}

	// A restarted process resumes from the cursor the log holds: still 304.
	s2 := newFeed(t, sc)
	if err := s2.Resume(b.Cursor); err != nil {
		t.Fatal(err)
	}
	if b3 := read(t, s2); b3.Len() != 0 || c.notMod.Load() != 2 {
		t.Fatalf("resumed poll: %d items, %d 304s", b3.Len(), c.notMod.Load())
	}

	// One new post: only it comes back.
	c.set([]byte(strings.Replace(string(orig), "<item>", newItem, 1)), `W/"3c4d"`, "Sun, 22 Nov 2026 09:01:00 GMT")
	b4 := read(t, s2)
	if len(b4.Mentions) != 1 || b4.Mentions[0].ID != "weibo:https://weibo.com/3217654890/PdZzYyXxW" || !strings.HasSuffix(b4.Mentions[0].Text, "[赞]") {
		t.Fatalf("after a new post: %+v", b4.Mentions)
	}
	json.Unmarshal([]byte(b4.Cursor), &cur)
	if cur.ETag != `W/"3c4d"` || cur.NewestID != b4.Mentions[0].ID {
		t.Errorf("cursor %s", b4.Cursor)
	}

	// A bad cursor is refused (the runner then starts afresh).
	if err := s2.Resume(`{"v":99}`); err == nil {
		t.Error("accepted a cursor of another version")
	}
	if err := s2.Resume(`not json`); err == nil {
		t.Error("accepted a cursor that is not JSON")
	}
}

func TestTiesAtTheNewestTime(t *testing.T) {
	item := func(id string) string {
		return `<item><title>同一秒的帖子` + id + `</title><guid>` + id + `</guid><pubDate>Sun, 22 Nov 2026 09:00:00 +0800</pubDate></item>`
	}
	doc := func(ids ...string) []byte {
		var b strings.Builder
		b.WriteString(`<rss version="2.0"><channel><title>t</title>`)
		for _, id := range ids {
			b.WriteString(item(id))
		}
		b.WriteString(`</channel></rss>`)
		return []byte(b.String())
	}
	c := &conditional{}
	c.set(doc("a", "b"), `"1"`, "")
	srv := httptest.NewServer(c)
	defer srv.Close()
	s := newFeed(t, source.SourceConfig{Name: "ties", URL: srv.URL, Platform: "forum"})
	if b := read(t, s); len(b.Mentions) != 2 {
		t.Fatalf("%d", len(b.Mentions))
	}
	c.set(doc("a", "b", "c"), `"2"`, "")
	b := read(t, s)
	if len(b.Mentions) != 1 || b.Mentions[0].ID != "forum:c" {
		t.Fatalf("a third post in the same second: %+v", b.Mentions)
	}
}

func TestAuthFailures(t *testing.T) {
	login := testdata(t, "login.html")
	mux := http.NewServeMux()
	mux.HandleFunc("/401", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "token expired", http.StatusUnauthorized) })
	mux.HandleFunc("/403", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "forbidden", http.StatusForbidden) })
	mux.HandleFunc("/redirect-login", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/signin/login?r=%2Fweibo%2Fuser%2F1", http.StatusFound)
	})
	mux.HandleFunc("/redirect-visitor", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/visitor/visitor?entry=miniblog&a=enter", http.StatusFound)
	})
	mux.HandleFunc("/login-page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(login)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, path := range []string{"/401", "/403", "/redirect-login", "/redirect-visitor", "/login-page"} {
		s := newFeed(t, source.SourceConfig{Name: "wx-bridge", URL: srv.URL + path + "?key=s3cr3t", Platform: "wechat"})
		_, err := s.Read(t.Context())
		if !errors.Is(err, source.ErrAuth) {
			t.Errorf("%s: %v, want ErrAuth", path, err)
			continue
		}
		if !strings.Contains(err.Error(), `feed "wx-bridge"`) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%s: error %q should name the feed and hide the key", path, err)
		}
	}
}

func TestRetryableAndPermanentErrors(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "upstream weibo returned 418", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "RSSHub error", 500) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	})
	mux.HandleFunc("/404", http.NotFound)
	mux.HandleFunc("/malformed", func(w http.ResponseWriter, r *http.Request) { w.Write(testdata(t, "malformed.xml")) })
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<!DOCTYPE html><html><head><title>滨江论坛</title></head><body>首页</body></html>"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, tc := range []struct {
		path      string
		retryable bool
		want      string
	}{
		{"/503", true, "HTTP 503"},
		{"/500", true, "HTTP 500"},
		{"/slow", true, "timed out"},
		{"/404", false, "HTTP 404"},
		{"/malformed", false, "malformed XML"},
		{"/html", false, "not a feed: got an HTML page"},
	} {
		s := newFeed(t, source.SourceConfig{Name: "bbs-binjiang-msz", URL: srv.URL + tc.path, Platform: "forum", Timeout: source.Duration(100 * time.Millisecond)})
		_, err := s.Read(t.Context())
		if err == nil || source.IsRetryable(err) != tc.retryable || errors.Is(err, source.ErrAuth) ||
			!strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `feed "bbs-binjiang-msz"`) {
			t.Errorf("%s: %v (retryable %v), want retryable=%v containing %q and the feed name", tc.path, err, source.IsRetryable(err), tc.retryable, tc.want)
		}
	}
	if d := source.ParseRetryAfter("120", now); d != 2*time.Minute {
		t.Errorf("Retry-After 120 → %s", d)
	}
	if d := source.ParseRetryAfter(now.Add(time.Minute).Format(http.TimeFormat), now); d != time.Minute {
		t.Errorf("Retry-After date → %s", d)
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		sc   source.SourceConfig
		want string
	}{
		{source.SourceConfig{Name: "a", Type: "rss", Platform: "weibo"}, "url is missing"},
		{source.SourceConfig{Name: "a", Type: "rss", URL: "https://x.example/", Platform: "twitter"}, `platform "twitter"`},
		{source.SourceConfig{Name: "a", Type: "rss", URL: "https://x.example/"}, `platform ""`},
		{source.SourceConfig{Name: "a", Type: "rss", URL: "https://x.example/", Platform: "news", TimeZone: "Asia/Nowhere"}, "timezone"},
	} {
		if _, err := New(tc.sc, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.sc, err, tc.want)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`你好<br>世界`, "你好\n世界"},
		{`<p>第一段</p><p>第二段&nbsp;&amp;&nbsp;更多</p>`, "第一段\n第二段 & 更多"},
		{`太好了<img alt="[笑cry]" src="a.png">！`, "太好了[笑cry]！"},
		{`<img alt="一张风景照片，阳光明媚" src="b.png">配图`, "配图"},
		{`a<script>alert("<p>x</p>")</script>b<style>p{}</style>c`, "abc"},
		{`<!-- 注释 -->可见`, "可见"},
		{`1 < 2 且 3 > 2`, "1 < 2 且 3 > 2"},
		{`&lt;不是标签&gt;`, "<不是标签>"},
		{`<a href="x" title='a>b'>链接</a>`, "链接"},
		{`未闭合<span class="x`, "未闭合"},
		{"  多个   空格\t\t和\n\n\n空行  ", "多个 空格 和\n空行"},
		{`<td>甲</td><td>乙</td>`, "甲 乙"},
		{`&#x1F600;&#20320;`, "😀你"},
	} {
		if got := HTMLToText(tc.in); got != tc.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	sh, _ := source.LoadLocation("Asia/Shanghai")
	want := time.Date(2026, 11, 22, 10, 45, 0, 0, time.UTC)
	for _, s := range []string{
		"Sun, 22 Nov 2026 10:45:00 GMT",
		"Sun, 22 Nov 2026 18:45:00 +0800",
		"Sun, 22 Nov 2026 18:45:00 CST", // China Standard Time in a Shanghai feed
		"22 Nov 2026 18:45:00 +0800",
		"2026-11-22T18:45:00+08:00",
		"2026-11-22T10:45:00Z",
		"2026-11-22 18:45:00",
		"2026-11-22 18:45",
		"2026/11/22 18:45",
		"2026年11月22日 18:45",
		"Sun Nov 22 18:45:00 +0800 2026",
		" Sun,  22 Nov 2026 18:45:00 +0800 ",
	} {
		got, err := ParseTime(s, sh)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "昨天 18:45", "2026-13-45"} {
		if _, err := ParseTime(s, sh); err == nil {
			t.Errorf("ParseTime(%q) accepted", s)
		}
	}
}

func TestParseFormatsAndErrors(t *testing.T) {
	for name, format := range map[string]string{"rsshub_weibo_user.xml": "rss", "we-mp-rss.atom": "atom", "news_jsonfeed.json": "jsonfeed"} {
		doc, err := Parse(testdata(t, name))
		if err != nil || doc.Format != format {
			t.Errorf("%s: %v %v", name, doc, err)
		}
	}
	doc, err := Parse(testdata(t, "rsshub_weibo_user.xml"))
	if err != nil || doc.Title != "平安滨江的微博" || doc.Link != "https://weibo.com/3217654890/" {
		t.Errorf("channel: %+v %v", doc, err)
	}
	rdf := `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example.cn/"><title>RDF 新闻</title></channel>
<item rdf:about="https://news.example.cn/1.html"><title>标题</title><link>https://news.example.cn/1.html</link><description>正文</description><dc:date>2026-11-22T08:00:00+08:00</dc:date><dc:creator>记者</dc:creator></item></rdf:RDF>`
	doc, err = Parse([]byte(rdf))
	if err != nil || doc.Format != "rdf" || len(doc.Items) != 1 || doc.Items[0].ID != "https://news.example.cn/1.html" || doc.Items[0].Author != "记者" {
		t.Errorf("RSS 1.0: %+v %v", doc, err)
	}
	latin1 := append([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>Caf`), 0xe9, '<', '/', 't', 'i', 't', 'l', 'e', '>', '<', '/', 'c', 'h', 'a', 'n', 'n', 'e', 'l', '>', '<', '/', 'r', 's', 's', '>')
	if doc, err := Parse(latin1); err != nil || doc.Title != "Café" {
		t.Errorf("latin1: %+v %v", doc, err)
	}
	for in, want := range map[string]string{
		``: "empty",
		`<?xml version="1.0" encoding="GBK"?><rss/>`: `unsupported character encoding "GBK"`,
		`<opml><body/></opml>`:                       "root element is <opml>",
		`{"version":"1","items":[]}`:                 "not a JSON Feed",
		`{"version":`:                                "malformed JSON Feed",
		`<rss><channel><item><title>x</item>`:        "malformed XML",
		`<rss><channel>`:                             "malformed XML",
	} {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v, want %q", in, err, want)
		}
	}
}

func TestRegister(t *testing.T) {
	reg := source.Registry{}
	Register(reg, nil, nil)
	cfg, err := source.ParseConfig(testdata(t, "sources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Check(cfg); err != nil {
		t.Fatal(err)
	}
	for _, sc := range cfg.Sources {
		if _, err := reg[sc.Type](sc); err != nil {
			t.Errorf("%s: %v", sc.Name, err)
		}
	}
	if fmt.Sprint(reg.Types()) != "[atom feed jsonfeed rss]" {
		t.Errorf("types %v", reg.Types())
	}
}

func TestMentionIDs(t *testing.T) {
	s := newFeed(t, source.SourceConfig{Name: "n", URL: "https://news.example.cn/rss", Platform: "news"})
	doc := &Document{}
	long := "https://news.example.cn/" + strings.Repeat("a", 300)
	a, err1 := s.Mention(doc, Item{Link: "https://News.Example.cn:443/a.html?utm_source=wx&id=1#top", Title: "x", Published: "2026-11-22"}, now)
	b, err2 := s.Mention(doc, Item{Link: "https://news.example.cn/a.html?id=1", Title: "x", Published: "2026-11-22"}, now)
	c, err3 := s.Mention(doc, Item{ID: long, Title: "x", Published: "2026-11-22"}, now)
	if err1 != nil || err2 != nil || err3 != nil || a.ID != b.ID || !strings.HasPrefix(a.ID, "news:") || len(c.ID) != len("news:")+32 {
		t.Errorf("%q %q %q %v %v %v", a.ID, b.ID, c.ID, err1, err2, err3)
	}
	if _, err := s.Mention(doc, Item{Title: "x", Published: "2026-11-22"}, now); err == nil {
		t.Error("an item with neither id nor link was accepted")
	}
	if _, err := s.Mention(doc, Item{ID: "1", Title: "x", Published: "2027-01-01"}, now); err == nil || !strings.Contains(err.Error(), "future") {
		t.Errorf("future item: %v", err)
	}
	var _ = mention.Mention{}
}
