package board

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"yuqing/ingest/normalize"
)

// MaxItemHTML bounds the outer HTML of a list item kept on a rejection.
const MaxItemHTML = 8 << 10

// Field is a CSS selector (cascadia: tags, .class, #id, [attr], [attr=v],
// descendant and child combinators, :nth-child(n), groups with ",", …)
// with an optional "@attr" suffix that takes an attribute instead of the
// text: "a@href", "span.date@title". A selector of just "@attr" is the
// context element itself (the list item, or the document root).
type Field struct {
	src  string
	sel  cascadia.SelectorGroup // nil: the context element itself
	attr string
}

var attrName = regexp.MustCompile(`^[A-Za-z_][-A-Za-z0-9_:.]*$`)

// ParseField compiles a selector with an optional @attr suffix. An empty
// string gives a nil Field.
func ParseField(s string) (*Field, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	f := &Field{src: s}
	sel := s
	if i := strings.LastIndexByte(s, '@'); i >= 0 && i > strings.LastIndexAny(s, "])'\"") && attrName.MatchString(s[i+1:]) {
		sel, f.attr = strings.TrimSpace(s[:i]), strings.ToLower(s[i+1:])
	}
	if sel == "" {
		if f.attr == "" {
			return nil, errors.New("empty selector")
		}
		return f, nil
	}
	g, err := cascadia.ParseGroup(sel)
	if err != nil {
		return nil, err
	}
	f.sel = g
	return f, nil
}

// String is the field as written.
func (f *Field) String() string {
	if f == nil {
		return ""
	}
	return f.src
}

// First is the first element the selector matches in n (n itself
// included), nil if none.
func (f *Field) First(n *html.Node) *html.Node {
	if f == nil || n == nil {
		return nil
	}
	if f.sel == nil || f.sel.Match(n) {
		return n
	}
	return cascadia.Query(n, f.sel)
}

// All is every element the selector matches in n, in document order,
// leaving out those inside another match (so nested matches are not
// counted twice).
func (f *Field) All(n *html.Node) []*html.Node {
	if f == nil || n == nil {
		return nil
	}
	if f.sel == nil {
		return []*html.Node{n}
	}
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(c *html.Node) {
		if c.Type == html.ElementNode && f.sel.Match(c) {
			out = append(out, c)
			return
		}
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			walk(k)
		}
	}
	walk(n)
	return out
}

// Value is the text (or the attribute) of the first match in n, on one
// line; ok is false when nothing matched or the attribute is absent.
func (f *Field) Value(n *html.Node) (v string, ok bool) {
	m := f.First(n)
	if m == nil {
		return "", false
	}
	if f.attr != "" {
		a, ok := attr(m, f.attr)
		return oneLine(normalize.Text(a)), ok
	}
	return oneLine(Text(m)), true
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return strings.TrimSpace(a.Val), true
		}
	}
	return "", false
}

// Text is the plain text of an element as a reader sees it:
// normalize.HTMLToText of its HTML, then normalize.Text.
func Text(n *html.Node) string {
	var b bytes.Buffer
	render(&b, n, 4*MaxBody)
	return normalize.Text(normalize.HTMLToText(b.String()))
}

// OuterHTML is the element's HTML, cut to at most limit bytes on a rune
// boundary.
func OuterHTML(n *html.Node, limit int) string {
	var b bytes.Buffer
	render(&b, n, limit)
	s := b.Bytes()
	if len(s) > limit {
		s = s[:limit]
	}
	for len(s) > 0 && !utf8.Valid(s) { // drop a rune cut in half
		s = s[:len(s)-1]
	}
	return strings.ToValidUTF8(string(s), "\uFFFD")
}

// render writes n's HTML to b, stopping soon after limit bytes.
func render(b *bytes.Buffer, n *html.Node, limit int) {
	if n == nil {
		return
	}
	_ = html.Render(&limitWriter{b: b, n: limit}, n) // errLimit or a malformed tree: keep what was written
}

type limitWriter struct {
	b *bytes.Buffer
	n int
}

var errLimit = errors.New("limit reached")

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.b.Len() >= w.n {
		return 0, errLimit
	}
	w.b.Write(p)
	return len(p), nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Selectors is what a list or detail page is read with; nil fields are
// unset. List and Link are required to read a list page.
type Selectors struct {
	List, Link, Title, Author, Time, Replies, Views, Next *Field // list page; all but List and Next relative to the item
	DetailText, DetailTime, DetailAuthor                  *Field // detail page
}

// Item is one entry of a list page, as found.
type Item struct {
	Link    string // absolute URL of the detail page, as written (resolved, not canonical)
	Title   string
	Author  string
	Time    string
	Replies string
	Views   string
	Text    string // the item's whole text
	HTML    string // its outer HTML, at most MaxItemHTML bytes
	Err     error  // why it cannot become a mention: no link, no title, a script link
}

// ListPage is what a list page holds.
type ListPage struct {
	Items []Item
	Next  string // absolute URL of the next page, "" if none
}

// ParseList reads the items of a list page at base (the page's URL after
// redirects; a <base href> in the page takes precedence). It never fails:
// an item without a usable link or title carries Err.
func (sel *Selectors) ParseList(doc *html.Node, base *url.URL) ListPage {
	base = docBase(doc, base)
	var page ListPage
	for _, n := range sel.List.All(doc) {
		page.Items = append(page.Items, sel.item(n, base))
	}
	if href, ok := sel.Next.hrefValue(doc); ok {
		if u, err := resolve(base, href); err == nil {
			page.Next = u
		}
	}
	return page
}

func (sel *Selectors) item(n *html.Node, base *url.URL) Item {
	it := Item{HTML: OuterHTML(n, MaxItemHTML), Text: Text(n)}
	linkNode := sel.Link.First(n)
	var href string
	var hasHref bool
	if linkNode != nil {
		key := sel.Link.attr
		if key == "" {
			key = "href"
		}
		href, hasHref = attr(linkNode, key)
	}
	switch {
	case linkNode == nil:
		it.Err = fmt.Errorf("no link: %q matched nothing in the item", sel.Link)
	case !hasHref || href == "" || href == "#":
		it.Err = fmt.Errorf("no link: the element %q matched has no address", sel.Link)
	default:
		u, err := resolve(base, href)
		if err != nil {
			it.Err = fmt.Errorf("link %s: %w", quote(href), err)
		} else {
			it.Link = u
		}
	}
	if sel.Title != nil {
		it.Title, _ = sel.Title.Value(n)
	} else if linkNode != nil {
		it.Title = oneLine(Text(linkNode))
	}
	if linkNode != nil && (it.Title == "" || strings.HasSuffix(it.Title, "...") || strings.HasSuffix(it.Title, "…")) {
		// Lists cut long titles and keep the whole one in the title attribute.
		if t, ok := attr(linkNode, "title"); ok {
			if t = oneLine(normalize.Text(t)); utf8.RuneCountInString(t) > utf8.RuneCountInString(strings.TrimRight(it.Title, ".…")) {
				it.Title = t
			}
		}
	}
	if it.Title == "" && it.Err == nil {
		it.Err = errors.New("no title")
	}
	it.Author, _ = sel.Author.Value(n)
	it.Time, _ = sel.Time.Value(n)
	it.Replies, _ = sel.Replies.Value(n)
	it.Views, _ = sel.Views.Value(n)
	return it
}

// hrefValue is the address of the first match: the chosen attribute, or
// href.
func (f *Field) hrefValue(n *html.Node) (string, bool) {
	m := f.First(n)
	if m == nil {
		return "", false
	}
	key := f.attr
	if key == "" {
		key = "href"
	}
	v, ok := attr(m, key)
	return v, ok && v != "" && v != "#"
}

// Detail is what a detail page gave; empty fields were not found.
type Detail struct {
	Text, Time, Author string
}

// ParseDetail reads a detail page: the text of every DetailText match
// (a question and its official reply, say) separated by an empty line.
func (sel *Selectors) ParseDetail(doc *html.Node) Detail {
	var d Detail
	var parts []string
	for _, n := range sel.DetailText.All(doc) {
		if sel.DetailText.attr != "" {
			v, _ := attr(n, sel.DetailText.attr)
			if v = normalize.Text(v); v != "" {
				parts = append(parts, v)
			}
			continue
		}
		if t := Text(n); t != "" {
			parts = append(parts, t)
		}
	}
	d.Text = strings.Join(parts, "\n\n")
	d.Time, _ = sel.DetailTime.Value(doc)
	d.Author, _ = sel.DetailAuthor.Value(doc)
	return d
}

// docBase is the page's <base href> resolved against its URL, or its URL.
func docBase(doc *html.Node, page *url.URL) *url.URL {
	var found string
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.DataAtom == atom.Base {
			if h, ok := attr(n, "href"); ok && h != "" {
				found = h
				return true
			}
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Body {
			return true // <base> lives in <head>
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(doc)
	if found == "" {
		return page
	}
	r, err := url.Parse(found)
	if err != nil {
		return page
	}
	u := page.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return page
	}
	return u
}

func resolve(base *url.URL, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if low := strings.ToLower(ref); strings.HasPrefix(low, "javascript:") || strings.HasPrefix(low, "mailto:") || strings.HasPrefix(low, "tel:") {
		return "", errors.New("not a page address")
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	u := base.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", errors.New("not an http(s) link")
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}

// LooksLikeLogin reports a login wall: a password input, or a title that
// says log in. Callers ask only when the page lacked what they looked
// for: forums put a quick-login form on every page.
func LooksLikeLogin(doc *html.Node) bool {
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found {
			return
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Input:
				if t, _ := attr(n, "type"); strings.EqualFold(t, "password") {
					found = true
					return
				}
			case atom.Title:
				t := strings.ToLower(textContent(n))
				for _, w := range []string{"登录", "登陆", "login", "log in", "sign in", "signin", "passport", "统一身份认证"} {
					if strings.Contains(t, w) {
						found = true
						return
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

func textContent(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

var (
	countRe = regexp.MustCompile(`(\d+(?:\.\d+)?)\s*(万|w|W|千|k|K|亿)?`)
	// answered are the states a message board shows for a message with an
	// official reply; unanswered ones show 未回复, 待回复, 办理中, ….
	answered = []string{"已回复", "已答复", "已办结", "已办理", "已处理", "已反馈", "已解决"}
)

// ParseCount reads a count as lists show it: "123", "1,234", "1.2万",
// "3.5k", "回复 12". A reply status counts as one reply when it says the
// message was answered (已回复, 已办结, …) and none otherwise (未回复).
// ok is false when the text holds neither.
func ParseCount(s string) (n int64, ok bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == ',' || r == '，':
			return -1
		}
		return r
	}, s)
	if m := countRe.FindStringSubmatch(s); m != nil {
		f, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, false
		}
		switch m[2] {
		case "万", "w", "W":
			f *= 1e4
		case "千", "k", "K":
			f *= 1e3
		case "亿":
			f *= 1e8
		}
		if f > 1e15 {
			return 0, false
		}
		return int64(f + 0.5), true
	}
	for _, w := range answered {
		if strings.Contains(s, w) {
			return 1, true
		}
	}
	if strings.ContainsAny(s, "未待") || strings.Contains(s, "办理中") || strings.Contains(s, "处理中") {
		return 0, true
	}
	return 0, false
}

// timeRe finds a written time inside other text ("留言时间：2026-11-20
// 09:12", "发表于 3 小时前").
var timeRe = regexp.MustCompile(`\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?(?:\s*T?\s*\d{1,2}\s*[:：时点]\s*\d{1,2}(?:\s*[:：分]\s*\d{1,2}\s*秒?)?)?` +
	`|(?:今天|昨天|前天)\s*\d{1,2}\s*[:：]\s*\d{2}` +
	`|(?:\d{1,9}|半|一|两|几)\s*(?:秒钟|秒|分钟|分|小时|个小时|天|周|星期)\s*前` +
	`|\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?\s+\d{1,2}\s*[:：]\s*\d{2}` +
	`|刚刚|刚才`)

// labelRe is a short label before a colon: "留言人：", "作者:", "发布时间：".
var labelRe = regexp.MustCompile(`^\s*[\p{Han}]{1,8}\s*[:：]\s*`)

// stripLabel drops a short Chinese label ("留言人：") from a field.
func stripLabel(s string) string {
	if loc := labelRe.FindStringIndex(s); loc != nil && loc[1] < len(s) {
		return strings.TrimSpace(s[loc[1]:])
	}
	return s
}

func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:12])
}

// contentKey identifies an item that has no link, for the seen list: its
// text without digits (which hold changing counts) or spaces.
func contentKey(it Item) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, it.Text)
	if s == "" {
		s = it.HTML
	}
	return "x:" + hash(s)
}
