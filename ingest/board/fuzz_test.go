package board

import (
	"bytes"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpora under testdata/fuzz")

// TestWriteSeeds writes the committed seed corpora (go test -run
// TestWriteSeeds -update).
func TestWriteSeeds(t *testing.T) {
	if !*update {
		t.Skip("-update not set")
	}
	seed := func(fuzz, name string, args ...string) {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for i, a := range args {
			if i == 0 {
				b.WriteString("[]byte(" + strconv.Quote(a) + ")\n")
			} else {
				b.WriteString("string(" + strconv.Quote(a) + ")\n")
			}
		}
		p := filepath.Join("testdata", "fuzz", fuzz, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	list := string(testdata(t, "gov/list_1.html"))
	rows := list[strings.Index(list, "<table") : strings.Index(list, "</table>")+8]
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(`<meta charset="gbk"><table class="liuyan-list"><tbody><tr><td class="title"><a href="d?id=1">停水</a></td><td class="time">2026年11月20日 09:12</td><td class="status">已回复</td></tr></tbody></table>`)
	seed("FuzzListPage", "gov_table", rows)
	seed("FuzzListPage", "gbk", gbk)
	seed("FuzzListPage", "unclosed", `<table class="liuyan-list"><tbody><tr><td class="title"><a href="detail.html?id=7">未闭合<td class="author">张<td class="time">3小时前<tr><td class="title"><a href="javascript:void(0)">脚本</a>`)
	seed("FuzzListPage", "nested", `<table class="liuyan-list"><tbody><tr><td class="title"><table class="liuyan-list"><tbody><tr><td class="title"><a href="/x?id=2">里</a></td></tr></tbody></table><a href="/x?id=1" title="外层的完整标题">外层...</a></td><td class="time">2026-11-20</td></tr></tbody></table><div class="pager"><a class="next" href="//evil.example/p2">下一页</a></div>`)
	seed("FuzzListPage", "base_href", `<base href="https://www.example.gov.cn/sub/"><table class="liuyan-list"><tbody><tr><td class="title"><a href="../d.html?id=3&amp;from=list#top">   </a></td><td class="time">2099-01-01 00:00</td></tr></tbody></table>`)
	seed("FuzzListPage", "empty", "")
	seed("FuzzRobots", "gov", string(testdata(t, "gov/robots.txt")), "/hudong/liuyan/neibu/detail.html?id=1")
	seed("FuzzRobots", "forum", string(testdata(t, "forum/robots.txt")), "/forum.php?mod=redirect&tid=1")
	seed("FuzzRobots", "wildcards", "User-agent: *\nDisallow: /*a*b*c*d*e$\nAllow: /**\nCrawl-delay: 1e9\n", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcde")
	seed("FuzzRobots", "utf8", "\xef\xbb\xbfuser-agent: YUQING-BOARD\r\ndisallow: /留言/*.do$\r\n", "/%e7%95%99%e8%a8%80/a.do")
}

// fuzzSelectors are the government board's, as in govConfig.
func fuzzSelectors(t testing.TB) Selectors {
	must := func(s string) *Field {
		f, err := ParseField(s)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	return Selectors{
		List: must("table.liuyan-list tbody tr"), Link: must("td.title a"), Author: must("td.author"),
		Time: must("td.time"), Replies: must("td.status"), Views: must("td.views@data-n"), Next: must("div.pager a.next"),
		DetailText: must("div.liuyan-content, div.reply-content"), DetailTime: must("td.ly-time"), DetailAuthor: must("td.ly-author"),
	}
}

// FuzzListPage: reading a list page (and the same bytes as a detail page)
// never panics; every item either carries an error or has an absolute
// http(s) link and a title; kept HTML is bounded valid UTF-8; an item that
// maps to a mention maps to a valid one.
func FuzzListPage(f *testing.F) {
	f.Add(testdata(f, "gov/list_1.html"))
	f.Add(testdata(f, "gov/detail_2026112201.html"))
	f.Add(testdata(f, "forum/list.html"))
	f.Add(testdata(f, "login.html"))
	sel := fuzzSelectors(f)
	base, _ := url.Parse("https://www.example.gov.cn/hudong/liuyan/index.html")
	sc := govConfig("https://www.example.gov.cn")
	delete(sc.Options, "detail_text")
	delete(sc.Options, "detail_time")
	delete(sc.Options, "detail_author")
	s, err := New(sc, nil)
	if err != nil {
		f.Fatal(err)
	}
	s.SetClock(func() time.Time { return now })
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := html.Parse(bytes.NewReader(Decode(data, "")))
		if err != nil {
			return
		}
		page := sel.ParseList(doc, base)
		if page.Next != "" {
			if u, err := url.Parse(page.Next); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("next %q is not an absolute http(s) URL", page.Next)
			}
		}
		for _, it := range page.Items {
			if len(it.HTML) > MaxItemHTML || !utf8.ValidString(it.HTML) || !utf8.ValidString(it.Text) || !utf8.ValidString(it.Title) {
				t.Fatalf("item HTML %d bytes, or invalid UTF-8", len(it.HTML))
			}
			if it.Err == nil {
				u, err := url.Parse(it.Link)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || it.Title == "" {
					t.Fatalf("item without error: link %q, title %q", it.Link, it.Title)
				}
			}
			p := s.identify(it, base.String())
			if p.key == "" {
				t.Fatal("item without a seen key")
			}
			if p.Err != nil {
				continue
			}
			m, err := s.mention(p, Detail{}, now)
			if err != nil {
				continue
			}
			if err := m.Validate(now); err != nil {
				t.Fatalf("mapped an invalid mention: %v", err)
			}
		}
		d := sel.ParseDetail(doc)
		if !utf8.ValidString(d.Text) || !utf8.ValidString(d.Time) || !utf8.ValidString(d.Author) {
			t.Fatal("detail text is not valid UTF-8")
		}
		LooksLikeLogin(doc)
	})
}

// FuzzRobots: any robots.txt parses; Allowed never panics, always allows
// /robots.txt and is deterministic; a file without a Disallow line allows
// everything; Crawl-delay stays in range.
func FuzzRobots(f *testing.F) {
	f.Add(testdata(f, "gov/robots.txt"), "/hudong/liuyan/neibu/a.html")
	f.Add(testdata(f, "forum/robots.txt"), "/home.php?mod=spacecp&ac=1")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		r := ParseRobots(data)
		for _, agent := range []string{DefaultAgent, "Mozilla/5.0", "", "*"} {
			got := r.Allowed(agent, path)
			if got != r.Allowed(agent, path) {
				t.Fatal("Allowed is not deterministic")
			}
			if !got && !bytes.Contains(bytes.ToLower(data), []byte("disallow")) {
				t.Fatalf("disallowed %q without a Disallow line", path)
			}
			if !r.Allowed(agent, "/robots.txt") {
				t.Fatal("/robots.txt disallowed")
			}
			if d := r.CrawlDelay(agent); d < 0 || d > maxCrawlDelay {
				t.Fatalf("crawl-delay %v", d)
			}
		}
	})
}
