// Package feed polls RSS 2.0, RSS 1.0, Atom and JSON Feed documents as a
// source.Source: RSSHub routes (Weibo users and keyword searches), WeChat
// official-account bridges (we-mp-rss, wechat2rss), forums and news sites.
//
// Each poll is a conditional GET (If-None-Match, If-Modified-Since). The
// cursor keeps the validators and the newest item seen; only items newer
// than it become mentions. Items that cannot become a valid mention are
// returned as rejected, with the reason and the item's raw XML or JSON.
package feed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
	"yuqing/internal/secret"

	"yuqing/ingest/source"
	"yuqing/internal/mention"
)

// Defaults.
const (
	MaxBody       = 16 << 20 // a feed larger than this is refused
	maxRawBytes   = 64 << 10 // an item's raw XML/JSON kept on its mention, at most
	maxRejects    = 1000     // rejected-item hashes kept in the cursor
	maxTies       = 1000     // IDs kept that share the newest published time
	DefaultAgent  = "yuqing-feed/1.0"
	acceptHeader  = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
	cursorVersion = 1
)

// Types are the registry names a feed answers to; every one detects the
// format itself.
var Types = []string{"feed", "rss", "atom", "jsonfeed"}

// Register adds the feed types to reg, polling through client (nil: a
// client with a 30s timeout), on the clock now (nil: time.Now).
func Register(reg source.Registry, client *http.Client, now func() time.Time) {
	f := func(sc source.SourceConfig) (source.Source, error) {
		s, err := New(sc, client)
		if err != nil {
			return nil, err
		}
		if now != nil {
			s.now = now
		}
		return s, nil
	}
	for _, t := range Types {
		reg[t] = f
	}
}

// Cursor is the feed's position, stored as JSON in source.cursor.v1 events.
type Cursor struct {
	V            int       `json:"v"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	NewestID     string    `json:"newest_id,omitempty"` // mention ID of the newest item taken
	Newest       time.Time `json:"newest,omitzero"`     // its published time
	Ties         []string  `json:"ties,omitempty"`      // every mention ID taken with exactly that time
	Rejects      []string  `json:"rejects,omitempty"`   // hashes of rejected items still in the document, so each is dead-lettered once
}

// Source polls one feed.
type Source struct {
	name, url, platform, mentionSource string
	loc                                *time.Location
	headers                            map[string]secret.Secret
	loginMarks                         []string
	client                             *http.Client
	now                                func() time.Time

	cur Cursor
}

var _ source.Resumer = (*Source)(nil)

// New builds a feed source from its settings: url and platform are
// required; source (Mention.Source, default the name), timezone (default
// Asia/Shanghai), timeout, headers; options.login_marks adds
// comma-separated URL fragments that mean "redirected to a login page".
func New(sc source.SourceConfig, client *http.Client) (*Source, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	if sc.URL == "" {
		return nil, fmt.Errorf("feed %q: url is missing", sc.Name)
	}
	if !slices.Contains(mention.Platforms, sc.Platform) {
		return nil, fmt.Errorf("feed %q: platform %q is not one of %s", sc.Name, sc.Platform, strings.Join(mention.Platforms, ", "))
	}
	loc, err := sc.Location()
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", sc.Name, err)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	s := &Source{
		name: sc.Name, url: sc.URL, platform: sc.Platform, mentionSource: first(sc.Source, sc.Name),
		loc: loc, headers: sc.Headers, now: time.Now, cur: Cursor{V: cursorVersion},
		loginMarks: source.LoginMarks(sc.Options["login_marks"]),
	}
	c := *client
	if sc.Timeout > 0 {
		c.Timeout = sc.Timeout.D()
	}
	c.CheckRedirect = source.CheckRedirect(s.loginMarks)
	s.client = &c
	return s, nil
}

// SetClock replaces time.Now (for tests).
func (s *Source) SetClock(now func() time.Time) { s.now = now }

// Connect does nothing: every poll is its own request.
func (s *Source) Connect(context.Context) error { return nil }

// Close does nothing: the HTTP client is shared.
func (s *Source) Close(context.Context) error { return nil }

// Resume continues from a cursor Read returned earlier.
func (s *Source) Resume(cursor string) error {
	var c Cursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil {
		return fmt.Errorf("feed %q: cursor: %w", s.name, err)
	}
	if c.V != cursorVersion {
		return fmt.Errorf("feed %q: cursor version %d, want %d", s.name, c.V, cursorVersion)
	}
	s.cur = c
	return nil
}

// Cursor is the current position, as Read would return it.
func (s *Source) Cursor() string {
	b, _ := json.Marshal(s.cur)
	return string(b)
}

// Read polls the feed once.
func (s *Source) Read(ctx context.Context) (source.Batch, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return source.Batch{}, s.errorf("%w", err)
	}
	req.Header.Set("User-Agent", DefaultAgent)
	req.Header.Set("Accept", acceptHeader)
	for k, v := range s.headers {
		req.Header.Set(k, v.Reveal())
	}
	if s.cur.ETag != "" {
		req.Header.Set("If-None-Match", s.cur.ETag)
	}
	if s.cur.LastModified != "" {
		req.Header.Set("If-Modified-Since", s.cur.LastModified)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return source.Batch{}, s.transportError(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return source.Batch{Cursor: s.Cursor()}, nil
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusProxyAuthRequired:
		return source.Batch{}, s.errorf("%w", source.Auth(fmt.Errorf("HTTP %s", resp.Status)))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return source.Batch{}, s.errorf("%w", source.RetryAfter(fmt.Errorf("HTTP %s", resp.Status), source.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now())))
	case resp.StatusCode != http.StatusOK:
		return source.Batch{}, s.errorf("HTTP %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return source.Batch{}, s.errorf("%w", source.Retryable(fmt.Errorf("reading the body: %w", err)))
	}
	if len(body) > MaxBody {
		return source.Batch{}, s.errorf("the feed is larger than %d MiB", MaxBody>>20)
	}
	doc, err := Parse(body)
	if errors.Is(err, errNotFeedHTML) && looksLikeLogin(body) {
		return source.Batch{}, s.errorf("%w", source.Auth(errors.New("got a login page instead of the feed")))
	}
	if err != nil {
		return source.Batch{}, s.errorf("%w", err)
	}
	b := s.Take(doc)
	s.cur.ETag = resp.Header.Get("ETag")
	s.cur.LastModified = resp.Header.Get("Last-Modified")
	b.Cursor = s.Cursor()
	return b, nil
}

// Take maps the document's items newer than the cursor to mentions (oldest
// first) and rejects, and moves the cursor past them.
func (s *Source) Take(doc *Document) source.Batch {
	now := s.now()
	var b source.Batch
	oldRejects := map[string]bool{}
	for _, h := range s.cur.Rejects {
		oldRejects[h] = true
	}
	var rejects []string
	seen := map[string]bool{}
	ties := map[string]bool{}
	for _, id := range s.cur.Ties {
		ties[id] = true
	}
	for i, it := range doc.Items {
		m, err := s.Mention(doc, it, now)
		if err == nil && seen[m.ID] {
			continue // the feed lists it twice
		}
		if err != nil {
			h := hash(it.Raw)
			rejects = append(rejects, h)
			if !oldRejects[h] {
				b.Rejected = append(b.Rejected, mention.Rejected{Index: i, Source: s.mentionSource,
					Reason: fmt.Sprintf("feed %q item %d: %v", s.name, i+1, err), Raw: string(it.Raw)})
				oldRejects[h] = true
			}
			continue
		}
		seen[m.ID] = true
		if m.PublishedAt.Before(s.cur.Newest) || m.PublishedAt.Equal(s.cur.Newest) && ties[m.ID] {
			continue // not newer than the cursor
		}
		b.Mentions = append(b.Mentions, m)
	}
	sort.SliceStable(b.Mentions, func(i, j int) bool { return b.Mentions[i].PublishedAt.Before(b.Mentions[j].PublishedAt) })
	for _, m := range b.Mentions {
		switch {
		case m.PublishedAt.After(s.cur.Newest):
			s.cur.Newest, s.cur.NewestID, s.cur.Ties = m.PublishedAt, m.ID, []string{m.ID}
		case m.PublishedAt.Equal(s.cur.Newest):
			s.cur.NewestID = m.ID
			s.cur.Ties = append(s.cur.Ties, m.ID)
		}
	}
	if len(s.cur.Ties) > maxTies { // a date-only feed: keep the latest
		s.cur.Ties = s.cur.Ties[len(s.cur.Ties)-maxTies:]
	}
	if len(rejects) > maxRejects {
		rejects = rejects[len(rejects)-maxRejects:]
	}
	s.cur.Rejects = rejects
	return b
}

// Mention maps one item: ID platform:GUID (or a hash of the canonical link),
// text from the HTML, published time in UTC, the raw item kept for audit.
func (s *Source) Mention(doc *Document, it Item, now time.Time) (mention.Mention, error) {
	if it.Err != nil {
		return mention.Mention{}, it.Err
	}
	link := ""
	if it.Link != "" {
		u, err := resolve(s.url, it.Link)
		if err != nil {
			return mention.Mention{}, fmt.Errorf("link %s: %w", quote(it.Link), err)
		}
		link = u
	}
	native := it.ID
	switch {
	case native == "" && link == "":
		return mention.Mention{}, errors.New("item has neither a guid/id nor a link")
	case native == "":
		native = hash([]byte(Canonical(link)))
	case len(native) > 200 || strings.ContainsAny(native, "\r\n\t"):
		native = hash([]byte(native))
	}
	date := first(it.Published, it.Updated)
	if date == "" {
		return mention.Mention{}, errors.New("item has no published or updated date")
	}
	pub, err := ParseTime(date, s.loc)
	if err != nil {
		return mention.Mention{}, err
	}
	title := it.Title
	if strings.ContainsAny(title, "<&") {
		title = HTMLToText(title)
	}
	text := strings.TrimSpace(it.Text)
	if it.HTML != "" {
		text = HTMLToText(it.HTML)
	}
	m := mention.Mention{
		ID: s.platform + ":" + native, Platform: s.platform, Source: s.mentionSource, URL: link,
		Author: mention.Author{Name: first(it.Author, doc.Author)}, Title: title, Text: text, PublishedAt: pub,
	}
	if len(it.Raw) <= maxRawBytes && utf8.Valid(it.Raw) {
		if doc.Format == "jsonfeed" {
			m.Raw = json.RawMessage(it.Raw)
		} else if raw, err := json.Marshal(string(it.Raw)); err == nil {
			m.Raw = raw // the item's XML as a JSON string
		}
	}
	m.Normalize()
	if err := m.Validate(now); err != nil {
		return mention.Mention{}, err
	}
	return m, nil
}

func resolve(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", err
	}
	u := b.ResolveReference(r)
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", errors.New("not an http(s) link")
	}
	return u.String(), nil
}

// tracking are query parameters that do not change what a link points to.
var tracking = map[string]bool{
	"spm": true, "from": true, "scene": true, "srcid": true, "chksm": true, "sharer_sharetime": true, "sharer_shareid": true,
	"clicktime": true, "enterid": true, "isappinstalled": true, "share_token": true, "wfr": true, "sessionid": true,
	"subscene": true, "ascene": true, "devicetype": true, "version": true, "lang": true, "pass_ticket": true, "exportkey": true,
	"nettype": true, "abtest_cookie": true, "mpshare": true, "sharer_shareinfo": true, "sharer_shareinfo_first": true,
}

// Canonical is a link with the fragment, tracking parameters (utm_*, WeChat
// share parameters, …) and default port dropped, the host lower-cased and
// the query sorted, so that one article shared twice hashes the same.
func Canonical(link string) string {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return link
	}
	u.Fragment, u.RawFragment = "", ""
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Host)
	host = strings.TrimSuffix(host, map[string]string{"http": ":80", "https": ":443"}[u.Scheme])
	u.Host = host
	q := u.Query()
	for k := range q {
		if tracking[strings.ToLower(k)] || strings.HasPrefix(strings.ToLower(k), "utm_") {
			delete(q, k)
		}
	}
	u.RawQuery = q.Encode() // sorted by key
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String()
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func (s *Source) errorf(format string, args ...any) error {
	return fmt.Errorf("feed %q: "+format, append([]any{s.name}, args...)...)
}

// transportError classifies a failed request: a login redirect is an auth
// failure, anything else (timeouts, refused or reset connections, DNS) is
// retryable. URLs in the error are redacted.
func (s *Source) transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = source.Redact(ue.URL)
	}
	if errors.Is(err, source.ErrAuth) {
		return s.errorf("%w", err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return s.errorf("%w", source.Retryable(fmt.Errorf("timed out: %w", err)))
	}
	return s.errorf("%w", source.Retryable(err))
}

func looksLikeLogin(body []byte) bool {
	head := strings.ToLower(string(body[:min(len(body), 8192)]))
	i := strings.Index(head, "<title")
	if i < 0 {
		return strings.Contains(head, "type=\"password\"")
	}
	title := head[i:min(len(head), i+200)]
	for _, w := range []string{"登录", "登陆", "login", "sign in", "验证", "passport"} {
		if strings.Contains(title, w) {
			return true
		}
	}
	return strings.Contains(head, "type=\"password\"")
}
