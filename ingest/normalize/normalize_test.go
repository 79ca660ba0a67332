package normalize

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"yuqing/internal/clock"
	"yuqing/internal/mention"
)

func TestHTMLToText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"weibo", `<div class="weibo-text">今天<a href="/n/人民日报">@人民日报</a> 发布消息<br/>第二行<img alt="[哈哈]" src="x.png"><span class="url-icon"><img alt="[doge]" src="y"></span></div>`,
			"今天@人民日报 发布消息\n第二行[哈哈][doge]"},
		{"script and style", `<p>a</p><script>var s="<p>no</p>";</script><style>p{}</style><noscript><img src=pixel></noscript>b`, "a\nb"},
		{"entities", `<p>段落&amp;实体&nbsp;&lt;b&gt; &#128512; &copy;</p>`, "段落&实体 <b> 😀 ©"},
		{"blocks", `<p>a<b>b</b> c</p><ul><li>one</li><li>two</li></ul><h2>t</h2>x`, "ab c\none\ntwo\nt\nx"},
		{"hidden", `<div style="DISPLAY: none">hidden</div><span hidden>h2</span><span aria-hidden="true">h3</span>after`, "after"},
		{"hidden nested", `<div style="display:none"><div>in</div>still</div>out`, "out"},
		{"hidden never closed", `<div hidden>never closed <p>text`, "never closed\ntext"},
		{"unclosed", `<p>unclosed <b>bold <i>it`, "unclosed bold it"},
		{"link icon and pixel", `<a href="http://t.cn/xyz"><i class="W_ficon ficon_cd_link">O</i>网页链接</a> <img src="p.gif" width=1 height=1>`, "网页链接"},
		{"img title", `看<img class="face" title="[赞]" src="f.png">`, "看[赞]"},
		{"img plain alt dropped", `<img alt="图片" src="a.jpg">文字`, "文字"},
		{"table", `<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>`, "a b\nc"},
		{"pre", "<pre>line1\nline2</pre>x", "line1\nline2\nx"},
		{"garbage", `<<<>>>&&&;<p`, "<<<>>>&&&;"},
		{"plain", `1 < 2 and 3 > 2`, "1 < 2 and 3 > 2"},
		{"page", `<html><head><title>T</title><meta charset=utf-8></head><body><p>Body</p></body></html>`, "Body"},
		{"whitespace", "  <p>  a \n\t b </p>\n\n<p></p><p>c</p>  ", "a b\nc"},
		{"empty", "", ""},
		{"svg", `<svg><text>icon</text></svg>正文`, "正文"},
	}
	for _, c := range cases {
		if got := HTMLToText(c.in); got != c.want {
			t.Errorf("%s: HTMLToText(%q) = %q, want %q", c.name, c.in, got, c.want)
		}
	}
}

func TestText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ＡＢＣ１２３，你好！１０：３０　＃话题＃＠某人［哈哈］", "ABC123，你好！10:30 #话题#@某人[哈哈]"},
		{"共１，０００人：很多", "共1,000人：很多"},
		{"臺灣發佈消息", "台湾发布消息"},
		{"a\r\nb\rc\u2028d", "a\nb\nc\nd"},
		{"第一段\n\n\n\n第二段", "第一段\n\n第二段"},
		{"零\u200b宽\ufeff字\u200e符\u202e", "零宽字符"},
		{"家庭👨\u200d👩\u200d👧好", "家庭👨\u200d👩\u200d👧好"},
		{"x\u200dy", "xy"},
		{"❤️[心][哈哈]🔥", "❤️[心][哈哈]🔥"},
		{"  a \t b  \n  c  ", "a b\nc"},
		{"ctl\x00\x07\x1b ok", "ctl ok"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"HTTPS://Example.COM:443/a/./b/../c?utm_source=x&b=2&a=1&spm=3#frag", "https://example.com/a/c?a=1&b=2"},
		{"http://example.com:80", "http://example.com/"},
		{"http://example.com:8080/x", "http://example.com:8080/x"},
		{"https://user:pw@Example.com./x", "https://example.com/x"},
		{"https://news.example.cn/a.html?from=timeline&isappinstalled=0&wfr=spider&id=7&srcid=1&fbclid=z", "https://news.example.cn/a.html?id=7"},
		{"https://x.cn/p?b=2&a=2&a=1", "https://x.cn/p?a=2&a=1&b=2"},
		{"https://x.cn/p?q=%E4%B8%AD%E6%96%87&z", "https://x.cn/p?q=%E4%B8%AD%E6%96%87&z"},
		{"https://mp.weixin.qq.com/s?__biz=MzA5MTA==&mid=2650&idx=1&sn=abc&chksm=zz&scene=21&key=k&ascene=1#wechat_redirect",
			"https://mp.weixin.qq.com/s?__biz=MzA5MTA%3D%3D&idx=1&mid=2650&sn=abc"},
		{"http://mp.weixin.qq.com/s/AbCdEf?scene=1", "https://mp.weixin.qq.com/s/AbCdEf"},
		{"https://weibo.com/1234567890/z0JH2lOMb?type=comment#_rnd123", "https://m.weibo.cn/detail/3501756485200075"},
		{"https://www.weibo.com/1234567890/3501756485200075", "https://m.weibo.cn/detail/3501756485200075"},
		{"https://m.weibo.cn/status/3501756485200075?luicode=1&lfid=2", "https://m.weibo.cn/detail/3501756485200075"},
		{"https://m.weibo.cn/detail/z0JH2lOMb", "https://m.weibo.cn/detail/3501756485200075"},
		{"https://weibo.com/u/123456?luicode=1", "https://weibo.com/u/123456"},
		{"https://weibo.com/1234567/settings", "https://weibo.com/1234567/settings"},
		{"https://www.bilibili.com/video/BV1xx?spm_id_from=333&vd_source=abc&p=2", "https://www.bilibili.com/video/BV1xx?p=2"},
		{"//news.qq.com/a/1.htm", "https://news.qq.com/a/1.htm"},
		{"news.sina.com.cn/x?from=a", "https://news.sina.com.cn/x"},
		{"http://[::1]:80/", "http://[::1]/"},
		{"http://example.com/#/route?a=1", "http://example.com/#/route?a=1"},
		{"http://a.com/x;jsessionid=ABC?x=1", "http://a.com/x?x=1"},
	}
	for _, c := range cases {
		got, err := URL(c.in)
		if err != nil || got != c.want {
			t.Errorf("URL(%q) = %q, %v; want %q", c.in, got, err, c.want)
			continue
		}
		if again, err := URL(got); err != nil || again != got {
			t.Errorf("URL not idempotent on %q: %q, %v", got, again, err)
		}
	}
	for _, bad := range []string{"", "  ", "ftp://x.com/a", "javascript:alert(1)", "mailto:a@b.cn", "/relative/path", "http://", "not a url", "http://a b.com/"} {
		if got, err := URL(bad); err == nil || !errors.Is(err, ErrURL) {
			t.Errorf("URL(%q) = %q, %v; want an ErrURL", bad, got, err)
		}
	}
}

func TestID(t *testing.T) {
	cases := []struct{ platform, native, want string }{
		{"weibo", "3501756485200075", "weibo:3501756485200075"},
		{"weibo", "z0JH2lOMb", "weibo:3501756485200075"},
		{"Weibo ", " weibo:z0JH2lOMb", "weibo:3501756485200075"},
		{"wechat", "MzA5MTA==_2650_1", "wechat:MzA5MTA==_2650_1"},
		{"news", "https://X.com/a?utm_source=1", "news:https://x.com/a"},
		{"forum", "", ""},
		{"forum", "forum:", ""},
	}
	for _, c := range cases {
		if got := ID(c.platform, c.native); got != c.want {
			t.Errorf("ID(%q, %q) = %q, want %q", c.platform, c.native, got, c.want)
		}
	}
	long := ID("web", "https://example.com/"+strings.Repeat("a", 400))
	if len(long) > 256 || !strings.HasPrefix(long, "web:h") {
		t.Errorf("long URL id = %q", long)
	}
}

func TestTime(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, clock.Beijing) // 04:00 UTC
	utc := func(s string) time.Time {
		x, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	cases := []struct {
		in      string
		layouts []string
		want    string
	}{
		{"2026-11-23 10:00", nil, "2026-11-23T02:00:00Z"},
		{"2026-11-23 10:00:05", nil, "2026-11-23T02:00:05Z"},
		{"2026/11/23 10:00", nil, "2026-11-23T02:00:00Z"},
		{"2026-11-23", nil, "2026-11-22T16:00:00Z"},
		{"20261123", nil, "2026-11-22T16:00:00Z"},
		{"202611231000", nil, "2026-11-23T02:00:00Z"},
		{"11月23日 10:00", nil, "2026-11-23T02:00:00Z"},
		{"11-23 10:00", nil, "2026-11-23T02:00:00Z"},
		{"12月31日 10:00", nil, "2025-12-31T02:00:00Z"}, // no year, would be in the future: last year
		{"2026年11月23日 下午3点05分", nil, "2026-11-23T07:05:00Z"},
		{"２０２６年１１月２３日 １０：００", nil, "2026-11-23T02:00:00Z"},
		{"发布于 2026/11/23 10:00:05", nil, "2026-11-23T02:00:05Z"},
		{"刚刚", nil, "2026-11-23T04:00:00Z"},
		{"5分钟前", nil, "2026-11-23T03:55:00Z"},
		{"半小时前", nil, "2026-11-23T03:30:00Z"},
		{"3小时前", nil, "2026-11-23T01:00:00Z"},
		{"2天前", nil, "2026-11-21T04:00:00Z"},
		{"5 minutes ago", nil, "2026-11-23T03:55:00Z"},
		{"今天 10:00", nil, "2026-11-23T02:00:00Z"},
		{"昨天 23:10", nil, "2026-11-22T15:10:00Z"},
		{"前天 08:00", nil, "2026-11-21T00:00:00Z"},
		{"10:00", nil, "2026-11-23T02:00:00Z"},
		{"23:00", nil, "2026-11-22T15:00:00Z"}, // later than now today: yesterday
		{"10:00 来自 iPhone客户端", nil, "2026-11-23T02:00:00Z"},
		{"Mon, 23 Nov 2026 10:00:00 +0800", nil, "2026-11-23T02:00:00Z"},
		{"Mon, 23 Nov 2026 02:00:00 GMT", nil, "2026-11-23T02:00:00Z"},
		{"Mon, 3 Nov 2026 10:00:00 +0800", nil, "2026-11-03T02:00:00Z"},
		{"Mon Nov 23 10:00:00 +0800 2026", nil, "2026-11-23T02:00:00Z"},
		{"2026-11-23T10:00:00+08:00", nil, "2026-11-23T02:00:00Z"},
		{"2026-11-23T02:00:00.5Z", nil, "2026-11-23T02:00:00.5Z"},
		{"2026-11-23T10:00:00", nil, "2026-11-23T02:00:00Z"},
		{"1795400000", nil, "2026-11-23T02:13:20Z"},
		{"1795400000.25", nil, "2026-11-23T02:13:20.25Z"},
		{"1795400000123", nil, "2026-11-23T02:13:20.123Z"},
		{"23/11/2026 10h00", []string{"02/01/2006 15h04"}, "2026-11-23T02:00:00Z"},
	}
	for _, c := range cases {
		got, err := TimeAt(c.in, c.layouts, nil, now)
		if err != nil || !got.Equal(utc(c.want)) || got.Location() != time.UTC {
			t.Errorf("TimeAt(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	// Another zone.
	got, err := TimeAt("2026-11-23 10:00", nil, time.UTC, now)
	if err != nil || !got.Equal(utc("2026-11-23T10:00:00Z")) {
		t.Errorf("in UTC: %v, %v", got, err)
	}
	for _, bad := range []string{"", "2026-02-30", "2026-13-01", "25:00", "3个月前", "去年", "hello", "99999999999999999999999", "2026-11-23 10:61", strings.Repeat("1", 200)} {
		if got, err := TimeAt(bad, nil, nil, now); err == nil || !errors.Is(err, ErrTime) {
			t.Errorf("TimeAt(%q) = %v, %v; want an ErrTime", bad, got, err)
		}
	}
}

func TestMention(t *testing.T) {
	m := mention.Mention{
		ID:       "z0JH2lOMb",
		Platform: " Weibo",
		URL:      "https://weibo.com/1234567890/z0JH2lOMb?type=comment",
		Text:     "<p>臺灣 ＡＢＣ</p><p>第二段&amp;<img alt=\"[哈哈]\"></p>",
		Title:    " 標題 ",
		Author:   mention.Author{Name: " 某\n人 "},
		ParentID: "3501756485200076",
		RootID:   "wechat:abc",
		Raw:      json.RawMessage(`{"created_at":"Mon Nov 23 10:00:00 +0800 2026"}`),
	}
	Mention(&m, nil, time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC))
	want := mention.Mention{
		ID: "weibo:3501756485200075", Platform: "weibo", URL: "https://m.weibo.cn/detail/3501756485200075",
		Text: "台湾 ABC\n第二段&[哈哈]", Title: "标题", Author: mention.Author{Name: "某 人"},
		ParentID: "weibo:3501756485200076", RootID: "wechat:abc", Lang: "zh",
		PublishedAt: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC), Raw: m.Raw,
	}
	gb, _ := json.Marshal(m)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("Mention:\n got %s\nwant %s", gb, wb)
	}
	if err := m.Validate(time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC)); err != nil {
		t.Error(err)
	}
	// Plain text with "<" is not taken for HTML.
	p := mention.Mention{ID: "1", Platform: "forum", Text: "房价<5000元 a<b"}
	Mention(&p, nil, time.Date(2026, 11, 23, 4, 0, 0, 0, time.UTC))
	if p.Text != "房价<5000元 a<b" {
		t.Errorf("plain text mangled: %q", p.Text)
	}
}

func FuzzHTMLToText(f *testing.F) {
	for _, s := range []string{`<p>a<br>b</p>`, `<img alt="[哈哈]">`, `<div hidden><p>x`, `<script>x</script>y`, `&#0;&#xD800;&amp`, "\xff<b\x00>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := HTMLToText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 %q", out)
		}
		if out != strings.TrimSpace(out) || strings.Contains(out, "\n\n") || strings.Contains(out, "  ") {
			t.Fatalf("white space not collapsed: %q", out)
		}
		_ = Text(in)
	})
}

func FuzzURL(f *testing.F) {
	for _, s := range []string{"https://a.com/x?utm_source=1&b=2#f", "//x.cn", "x.cn/a", "https://weibo.com/123456/z0JH2lOMb", "https://mp.weixin.qq.com/s?__biz=a==&sn=1", "http://[::1]:80/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := URL(in)
		if err != nil {
			return
		}
		again, err := URL(out)
		if err != nil || again != out {
			t.Fatalf("URL(%q) = %q, but URL(%q) = %q, %v", in, out, out, again, err)
		}
	})
}

func FuzzTime(f *testing.F) {
	for _, s := range []string{"2026-11-23 10:00", "11月23日 10:00", "刚刚", "5分钟前", "昨天 23:10", "1795400000123", "Mon, 23 Nov 2026 10:00:00 +0800"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, clock.Beijing)
	f.Fuzz(func(t *testing.T, in string) {
		got, err := TimeAt(in, []string{time.Kitchen}, nil, now)
		if err == nil && got.Location() != time.UTC {
			t.Fatalf("TimeAt(%q) = %v, not UTC", in, got)
		}
	})
}
