package board

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"yuqing/ingest/source"
)

func TestRobotsGov(t *testing.T) {
	r := ParseRobots(testdata(t, "gov/robots.txt"))
	const us = "yuqing-board/1.0"
	for path, want := range map[string]bool{
		"/":                                      true,
		"/robots.txt":                            true,
		"/admin/login.jsp":                       false,
		"/hudong/liuyan/index.html":              true,
		"/hudong/liuyan/neibu/detail.html?id=1":  false, // Disallow /hudong/liuyan/neibu/ is longer than Allow /hudong/
		"/hudong/liuyan/neibu":                   true,  // not under the directory
		"/search.do":                             false, // /*.do$
		"/search.do?q=1":                         true,  // $ anchors the end
		"/hudong/liuyan/search.do":               true,  // Allow /hudong/ (8 bytes) beats /*.do$ (7)
		"/HUDONG/liuyan/neibu/detail.html?id=1":  true,  // paths are case-sensitive
		"/hudong/liuyan/neibu%2Fdetail.html?x=1": true,
	} {
		if got := r.Allowed(us, path); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", path, got, want)
		}
	}
	if d := r.CrawlDelay(us); d != 5*time.Second {
		t.Errorf("crawl-delay %v, want 5s from the * group", d)
	}
	if d := r.CrawlDelay("Baiduspider/2.0"); d != time.Second {
		t.Errorf("Baiduspider crawl-delay %v", d)
	}
	if !r.Allowed("Sogou web spider/4.0", "/admin/") || r.Allowed("Sogou web spider/4.0", "/hudong/liuyan/neibu/1.html") {
		t.Error("a named group replaces the * group")
	}
}

func TestRobotsRules(t *testing.T) {
	cases := []struct {
		name, file, agent, path string
		want                    bool
	}{
		{"no file", "", "a", "/x", true},
		{"empty disallow", "User-agent: *\nDisallow:\n", "a", "/x", true},
		{"disallow all", "User-agent: *\nDisallow: /\n", "a", "/x", false},
		{"robots.txt always", "User-agent: *\nDisallow: /\n", "a", "/robots.txt", true},
		{"rules before a group", "Disallow: /\nUser-agent: *\nAllow: /x\n", "a", "/y", true},
		{"tie goes to allow", "User-agent: *\nDisallow: /page\nAllow: /page\n", "a", "/page", true},
		{"longest wins", "User-agent: *\nAllow: /p\nDisallow: /page\n", "a", "/page1", false},
		{"wildcard", "User-agent: *\nDisallow: /*/private/\n", "a", "/a/b/private/c", false},
		{"wildcard query", "User-agent: *\nDisallow: /*?*sessionid=\n", "a", "/list?page=2&sessionid=9", false},
		{"wildcard no match", "User-agent: *\nDisallow: /*?*sessionid=\n", "a", "/list?page=2", true},
		{"anchored", "User-agent: *\nDisallow: /*.pdf$\n", "a", "/files/a.pdf", false},
		{"anchored prefix", "User-agent: *\nDisallow: /*.pdf$\n", "a", "/files/a.pdfx", true},
		{"utf-8 pattern", "User-agent: *\nDisallow: /留言/\n", "a", "/%E7%95%99%E8%A8%80/1.html", false},
		{"lower-case escape", "User-agent: *\nDisallow: /%e7%95%99\n", "a", "/%E7%95%99%E8%A8%80/", false},
		{"comments and case", "USER-AGENT: Yuqing-Board # us\nDISALLOW: /x # no\n", "yuqing-board/1.0", "/x/1", false},
		{"other agent", "User-agent: googlebot\nDisallow: /\n", "yuqing-board/1.0", "/x", true},
		{"merged groups", "User-agent: a\nDisallow: /1\n\nUser-agent: b\nDisallow: /2\n\nUser-agent: a\nDisallow: /3\n", "a", "/3", false},
		{"agent run", "User-agent: a\nUser-agent: b\nDisallow: /x\n", "b", "/x", false},
		{"crlf and bom", "\xef\xbb\xbfUser-agent: *\r\nDisallow: /x\r\n", "a", "/x", false},
		{"sitemap does not end a group", "User-agent: *\nSitemap: /s.xml\nDisallow: /x\n", "a", "/x", false},
	}
	for _, tc := range cases {
		if got := ParseRobots([]byte(tc.file)).Allowed(tc.agent, tc.path); got != tc.want {
			t.Errorf("%s: Allowed(%q, %q) = %v, want %v", tc.name, tc.agent, tc.path, got, tc.want)
		}
	}
	var nilRobots *Robots
	if !nilRobots.Allowed("a", "/x") || nilRobots.CrawlDelay("a") != 0 {
		t.Error("nil robots should allow everything")
	}
	for file, want := range map[string]time.Duration{
		"User-agent: *\nCrawl-delay: 2.5\n":               2500 * time.Millisecond,
		"User-agent: *\nCrawl-delay: -1\n":                0,
		"User-agent: *\nCrawl-delay: soon\n":              0,
		"User-agent: *\nCrawl-delay: 1e300\n":             maxCrawlDelay,
		"User-agent: *\nCrawl-delay: NaN\n":               0,
		"Crawl-delay: 9\nUser-agent: *\n":                 0,
		"User-agent: *\nCrawl-delay: 3\nCrawl-delay: 1\n": 3 * time.Second,
	} {
		if got := ParseRobots([]byte(file)).CrawlDelay("yuqing-board"); got != want {
			t.Errorf("%q: crawl-delay %v, want %v", file, got, want)
		}
	}
}

// TestRobotsFetch: a missing robots.txt allows everything, a failing one
// is retryable, and the file is kept for an hour.
func TestRobotsFetch(t *testing.T) {
	var status atomic.Int32
	var robotsHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robotsHits.Add(1)
			if c := int(status.Load()); c != 200 {
				http.Error(w, "x", c)
				return
			}
			w.Write([]byte("User-agent: *\nDisallow: /hudong/\n"))
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write(testdata(t, "gov/list_3.html"))
	}))
	defer srv.Close()
	sc := govConfig(srv.URL)
	delete(sc.Options, "detail_text")
	delete(sc.Options, "detail_time")
	delete(sc.Options, "detail_author")
	c := newClock()
	s := newBoard(t, sc, c)

	status.Store(503)
	if _, err := s.Read(t.Context()); !source.IsRetryable(err) || !strings.Contains(err.Error(), "robots.txt") {
		t.Fatalf("robots.txt 503: %v", err)
	}
	status.Store(404)
	if b := read(t, s); len(b.Mentions) != 1 {
		t.Fatalf("robots.txt 404: %d mentions", len(b.Mentions))
	}
	// Cached: a changed file is not seen within the hour.
	status.Store(200)
	c.Advance(59 * time.Minute)
	read(t, s)
	if n := robotsHits.Load(); n != 2 {
		t.Errorf("robots.txt fetched %d times, want 2", n)
	}
	// After the hour the new file forbids the list: a plain error, not a
	// blind source.
	c.Advance(2 * time.Minute)
	_, err := s.Read(t.Context())
	if err == nil || !strings.Contains(err.Error(), "robots.txt disallows") || source.IsRetryable(err) {
		t.Fatalf("disallowed list: %v", err)
	}
	if n := robotsHits.Load(); n != 3 {
		t.Errorf("robots.txt fetched %d times, want 3", n)
	}
}

func TestPaceShared(t *testing.T) {
	c := newRobotsCache()
	t0 := now
	if w := c.claim("h", t0, time.Second); w != 0 {
		t.Errorf("first claim waits %v", w)
	}
	if w := c.claim("h", t0, time.Second); w != time.Second {
		t.Errorf("second claim waits %v, want 1s", w)
	}
	c.done("h", t0.Add(3*time.Second), time.Second) // a slow response
	if w := c.claim("h", t0.Add(3*time.Second), time.Second); w != time.Second {
		t.Errorf("claim after a slow response waits %v, want 1s", w)
	}
	if w := c.claim("other", t0, time.Second); w != 0 {
		t.Errorf("another host waits %v", w)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := source.Sleep(ctx, time.Hour); err == nil {
		t.Error("sleep ignored a cancelled context")
	}
}
