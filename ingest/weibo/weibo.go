// Package weibo pulls statuses from the Weibo open API (新浪微博开放平台,
// api.weibo.com/2) as a source.Source: the home timeline of the account the
// token belongs to, one user's timeline, or a keyword search. It reads the
// API itself where the feed package reads RSSHub's rendering of it, so it
// gets exact ids, counts, verification and the original of every repost.
//
// Each Read asks for what is newer than the cursor's since_id and pages
// back with max_id until it meets that id or a page limit; when the limit
// cuts it short the cursor remembers the gap and the next Read (More=true)
// fills it before looking at the top again, so a burst larger than the page
// limit is delayed, never skipped. Statuses that cannot become a valid
// mention are returned as rejected with the reason and their JSON.
//
// The access token travels as the access_token query parameter, Weibo's
// OAuth2 convention. It is redacted from every error, and expired or
// invalid tokens (21314–21332, HTTP 401/403) are reported as source.ErrAuth
// so the board shows the source as blind rather than merely quiet.
package weibo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"yuqing/ingest/source"
	"yuqing/internal/hanzi"
	"yuqing/internal/secret"
)

// Defaults and limits.
const (
	Type            = "weibo"                   // the registry name
	DefaultBase     = "https://api.weibo.com/2" // the open API
	DefaultEndpoint = "home_timeline"
	DefaultCount    = 100
	MaxCount        = 200
	DefaultMaxPages = 5
	MaxPages        = 100
	MaxBody         = 16 << 20 // a response larger than this is refused
	maxErrorBody    = 64 << 10
	DefaultAgent    = "yuqing-weibo/1.0"
	cursorVersion   = 1
)

// Endpoints maps the endpoint option to the API path it reads.
var Endpoints = map[string]string{
	"home_timeline": "statuses/home_timeline.json",
	"user_timeline": "statuses/user_timeline.json",
	"search":        "search/topics.json",
}

// options are the keys of SourceConfig.Options this type reads; any other
// key is refused, so a misspelt option never silently does nothing.
var options = []string{"endpoint", "uid", "screen_name", "q", "count", "max_pages", "access_token", "access_token_env"}

// Register adds the weibo type to reg, reading through client (nil: a
// client with a 30s timeout), on the clock now (nil: time.Now).
func Register(reg source.Registry, client *http.Client, now func() time.Time) {
	reg[Type] = func(sc source.SourceConfig) (source.Source, error) {
		s, err := New(sc, client)
		if err != nil {
			return nil, err
		}
		if now != nil {
			s.now = now
		}
		return s, nil
	}
}

// Cursor is the position, stored as JSON in source.cursor.v1 events. Ids
// are decimal strings: they pass 2^53 and must survive JSON readers that
// use doubles.
//
// Without a gap, everything up to SinceID has been read. With one (MaxID
// set), everything above MaxID up to Head has been read too, and the next
// Read continues downwards from MaxID (for search, from result page Page)
// until it meets SinceID; then SinceID becomes Head.
type Cursor struct {
	V       int    `json:"v"`
	SinceID string `json:"since_id,omitempty"`
	MaxID   string `json:"max_id,omitempty"` // top of the gap still to read
	Head    string `json:"head,omitempty"`   // the newest id read while a gap is open
	Page    int    `json:"page,omitempty"`   // search only: the result page where the gap continues
}

// Source reads one Weibo endpoint.
type Source struct {
	name, mentionSource string
	base, endpoint      string
	path                string
	params              url.Values // uid, screen_name or q
	count, maxPages     int
	token               secret.Secret
	headers             map[string]secret.Secret
	loc                 *time.Location
	client              *http.Client
	now                 func() time.Time

	cur Cursor
}

var _ source.Resumer = (*Source)(nil)

// New builds a Weibo source from its settings:
//
//   - url: the API base (default https://api.weibo.com/2), without a query;
//   - options.endpoint: home_timeline (default), user_timeline (with
//     options.uid or options.screen_name) or search (with options.q);
//   - options.count: statuses per page, 1–200 (default 100);
//   - options.max_pages: pages per Read, 1–100 (default 5);
//   - options.access_token, or options.access_token_env naming the
//     environment variable that holds it (read once, here);
//   - platform, if set, must be weibo; source (default the name), timezone,
//     timeout and headers as for every source.
func New(sc source.SourceConfig, client *http.Client) (*Source, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) (*Source, error) {
		return nil, fmt.Errorf("weibo %q: "+format, append([]any{sc.Name}, args...)...)
	}
	if sc.Platform != "" && sc.Platform != "weibo" {
		return fail("platform %q: this type only reads weibo", sc.Platform)
	}
	for k := range sc.Options {
		if !slices.Contains(options, k) {
			return fail("unknown option %q, want one of %s", k, strings.Join(options, ", "))
		}
	}
	opt := func(k string) string { return strings.TrimSpace(sc.Options[k]) }
	base := strings.TrimRight(first(strings.TrimSpace(sc.URL), DefaultBase), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fail("url %s is not an http(s) API base", source.Redact(base))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fail("url %s: give the API base without a query; the token goes in options.access_token", source.Redact(base))
	}
	s := &Source{
		name: sc.Name, mentionSource: first(sc.Source, sc.Name), base: base,
		endpoint: first(opt("endpoint"), DefaultEndpoint), params: url.Values{},
		count: DefaultCount, maxPages: DefaultMaxPages, headers: sc.Headers,
		now: time.Now, cur: Cursor{V: cursorVersion},
	}
	var ok bool
	if s.path, ok = Endpoints[s.endpoint]; !ok {
		return fail("endpoint %q, want home_timeline, user_timeline or search", s.endpoint)
	}
	switch s.endpoint {
	case "user_timeline":
		uid, name := opt("uid"), opt("screen_name")
		switch {
		case uid != "" && !isDigits(uid):
			return fail("uid %q is not a numeric Weibo user id", uid)
		case uid != "":
			s.params.Set("uid", uid)
		case name != "":
			s.params.Set("screen_name", name)
		default:
			return fail("user_timeline needs options.uid or options.screen_name")
		}
	case "search":
		if opt("q") == "" {
			return fail("search needs options.q, the keywords")
		}
		s.params.Set("q", opt("q"))
	}
	if s.count, err = intOption(opt("count"), DefaultCount, 1, MaxCount); err != nil {
		return fail("count: %v", err)
	}
	if s.maxPages, err = intOption(opt("max_pages"), DefaultMaxPages, 1, MaxPages); err != nil {
		return fail("max_pages: %v", err)
	}
	s.token = secret.Secret(opt("access_token"))
	if env := opt("access_token_env"); s.token == "" && env != "" {
		if s.token = secret.Secret(strings.TrimSpace(os.Getenv(env))); s.token == "" {
			return fail("environment variable %s (options.access_token_env) is empty or unset", env)
		}
	}
	if s.token == "" {
		return fail("no access token: set options.access_token or options.access_token_env")
	}
	if s.loc, err = sc.Location(); err != nil {
		return fail("%v", err)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	c := *client
	if sc.Timeout > 0 {
		c.Timeout = sc.Timeout.D()
	}
	c.CheckRedirect = source.CheckRedirect(source.DefaultLoginMarks)
	s.client = &c
	return s, nil
}

func intOption(v string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a number from %d to %d", v, lo, hi)
	}
	return n, nil
}

// String names the source without its token, should it ever be printed.
func (s *Source) String() string { return fmt.Sprintf("weibo %q (%s)", s.name, s.endpoint) }

// GoString is String, so that %#v does not print the token either.
func (s *Source) GoString() string { return s.String() }

// SetClock replaces time.Now (for tests).
func (s *Source) SetClock(now func() time.Time) { s.now = now }

// Connect does nothing: every page is its own request.
func (s *Source) Connect(context.Context) error { return nil }

// Close does nothing: the HTTP client is shared.
func (s *Source) Close(context.Context) error { return nil }

// Resume continues from a cursor Read returned earlier.
func (s *Source) Resume(cursor string) error {
	var c Cursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil {
		return s.errorf("cursor: %w", err)
	}
	if c.V != cursorVersion {
		return s.errorf("cursor version %d, want %d", c.V, cursorVersion)
	}
	for _, id := range []string{c.SinceID, c.MaxID, c.Head} {
		if _, ok := parseID(id); id != "" && !ok {
			return s.errorf("cursor id %q is not a Weibo status id", hanzi.ClipBytes(id, 40))
		}
	}
	if c.Page < 0 || c.Page > MaxPages*MaxPages {
		return s.errorf("cursor page %d out of range", c.Page)
	}
	s.cur = c
	return nil
}

// Cursor is the current position, as Read would return it.
func (s *Source) Cursor() string {
	b, _ := json.Marshal(s.cur)
	return string(b)
}

// Read fetches what is new since the cursor: up to max_pages pages, newest
// first, each page asking for ids below the last one seen, until a page is
// empty or reaches the cursor's since_id. The batch is oldest first. If
// the page limit stopped it before since_id, More is set and the cursor
// keeps the gap for the next Read. The first Read of a fresh source takes
// at most max_pages pages and starts from the newest: there is no since_id
// to reach, so nothing older is fetched later.
//
// A failed request fails the Read and leaves the position where it was;
// the pages already fetched are read again next time.
func (s *Source) Read(ctx context.Context) (source.Batch, error) {
	lower, _ := parseID(s.cur.SinceID)
	upper, _ := parseID(s.cur.MaxID)
	head, _ := parseID(s.cur.Head)
	next := 1 // search result page
	if upper > 0 && s.cur.Page > 0 {
		next = s.cur.Page
	}
	var (
		all            []json.RawMessage
		newest, oldest uint64
		reached        bool
	)
	for pages := 0; pages < s.maxPages && !reached; pages++ {
		p, err := s.fetch(ctx, lower, upper, next)
		if err != nil {
			return source.Batch{}, err
		}
		progress := false
		for _, raw := range p.Statuses {
			id, ok := peekID(raw)
			if ok {
				if lower > 0 && id <= lower {
					// Past the cursor's since_id: all older has been read. One
					// before any newer status is a pinned (置顶) post, not the end.
					reached = reached || progress
					continue
				}
				if upper > 0 && id > upper {
					continue // already read: a result page shifted, or max_id was ignored
				}
				newest = max(newest, id)
				if oldest == 0 || id < oldest {
					oldest = id
				}
				progress = true
			}
			all = append(all, raw) // one without an id is rejected by Map
		}
		if !progress {
			reached = true // an empty page: the end of the timeline or of the gap
			break
		}
		upper, next = oldest-1, next+1
		if upper == 0 {
			reached = true
		}
	}
	b := s.Map(all)
	if !reached && lower > 0 {
		s.cur = Cursor{V: cursorVersion, SinceID: s.cur.SinceID, MaxID: strconv.FormatUint(oldest-1, 10),
			Head: strconv.FormatUint(max(head, newest), 10)}
		if s.endpoint == "search" {
			s.cur.Page = next
		}
		b.More = true
	} else if top := max(head, newest, lower); top > 0 {
		s.cur = Cursor{V: cursorVersion, SinceID: strconv.FormatUint(top, 10)}
	}
	b.Cursor = s.Cursor()
	return b, nil
}

// fetch asks for one page. Timelines get since_id and max_id (Weibo's
// max_id is inclusive, so callers pass one below the last id seen); the
// search endpoint has neither and pages with page=, and Read filters its
// results by id instead.
func (s *Source) fetch(ctx context.Context, since, maxID uint64, page int) (*Page, error) {
	q := url.Values{}
	for k, v := range s.params {
		q[k] = v
	}
	q.Set("access_token", s.token.Reveal())
	q.Set("count", strconv.Itoa(s.count))
	if s.endpoint == "search" {
		q.Set("page", strconv.Itoa(page))
	} else {
		if since > 0 {
			q.Set("since_id", strconv.FormatUint(since, 10))
		}
		if maxID > 0 {
			q.Set("max_id", strconv.FormatUint(maxID, 10))
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/"+s.path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, s.errorf("%s: %w", s.path, s.scrub(err))
	}
	req.Header.Set("User-Agent", DefaultAgent)
	req.Header.Set("Accept", "application/json")
	for k, v := range s.headers {
		req.Header.Set(k, v.Reveal())
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.transportError(err)
	}
	defer resp.Body.Close()
	limit := int64(MaxBody)
	if resp.StatusCode != http.StatusOK {
		limit = maxErrorBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, s.errorf("%s: %w", s.path, source.Retryable(fmt.Errorf("reading the response: %w", s.scrub(err))))
	}
	if int64(len(body)) > limit && resp.StatusCode == http.StatusOK {
		return nil, s.errorf("%s: the response is larger than %d MiB", s.path, MaxBody>>20)
	}
	p, perr := Parse(body)
	if ae, ok := errors.AsType[*APIError](perr); ok {
		ae.HTTPStatus = resp.StatusCode
		return nil, s.classify(ae, resp)
	}
	status := fmt.Errorf("HTTP %s", resp.Status)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusProxyAuthRequired:
		return nil, s.errorf("%s: %w", s.path, source.Auth(status))
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout:
		return nil, s.errorf("%s: %w", s.path, source.RetryAfter(status, source.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now())))
	case resp.StatusCode != http.StatusOK:
		return nil, s.errorf("%s: %w", s.path, status)
	case perr != nil && looksLikeLogin(body):
		return nil, s.errorf("%s: %w", s.path, source.Auth(errors.New("got a login page instead of JSON")))
	case perr != nil:
		return nil, s.errorf("%s: %w", s.path, s.scrub(perr))
	}
	return p, nil
}

// classify turns an API error into what the Runner needs: an auth failure,
// a rate limit (wait for the Retry-After, else for the next clock hour:
// Weibo counts requests per hour), a transient failure, or a plain error.
func (s *Source) classify(ae *APIError, resp *http.Response) error {
	var err error = ae
	switch {
	case ae.RateLimited():
		d := source.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now())
		if d == 0 {
			d = untilNextHour(s.now())
		}
		err = source.RetryAfter(ae, d)
	case ae.Auth():
		err = source.Auth(ae)
	case ae.Temporary() || ae.HTTPStatus >= 500 || ae.HTTPStatus == http.StatusTooManyRequests:
		err = source.RetryAfter(ae, source.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now()))
	case ae.HTTPStatus == http.StatusUnauthorized || ae.HTTPStatus == http.StatusForbidden:
		err = source.Auth(ae)
	}
	return s.errorf("%s: %w", s.path, s.scrub(err))
}

// untilNextHour is the wait until Weibo's hourly request counts reset,
// plus a few seconds for clock skew.
func untilNextHour(now time.Time) time.Duration {
	return now.Truncate(time.Hour).Add(time.Hour).Sub(now) + 5*time.Second
}

// transportError classifies a failed request: a login redirect is an auth
// failure, anything else (timeouts, refused or reset connections, DNS) is
// retryable. The URL in the error is redacted: it carries the token.
func (s *Source) transportError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		ue.URL = source.Redact(ue.URL)
	}
	err = s.scrub(err)
	if errors.Is(err, source.ErrAuth) {
		return s.errorf("%s: %w", s.path, err)
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		return s.errorf("%s: %w", s.path, source.Retryable(fmt.Errorf("timed out: %w", err)))
	}
	return s.errorf("%s: %w", s.path, source.Retryable(err))
}

// scrubbed is an error whose text had the token cut out; it still unwraps
// to the original, so errors.Is and source.IsRetryable see through it.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub replaces the token in err's text, in case something (a proxy's
// error page, a server echoing the query) put it there.
func (s *Source) scrub(err error) error {
	if err == nil || s.token == "" {
		return err
	}
	msg, tok := err.Error(), s.token.Reveal()
	enc := url.QueryEscape(tok)
	if !strings.Contains(msg, tok) && !strings.Contains(msg, enc) {
		return err
	}
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, tok, "xxxxx"), enc, "xxxxx")
	return &scrubbed{msg: msg, err: err}
}

func (s *Source) errorf(format string, args ...any) error {
	return s.scrub(fmt.Errorf("weibo %q: "+format, append([]any{s.name}, args...)...))
}

// looksLikeLogin spots an HTML login or captcha page served with 200
// instead of JSON (a proxy or gateway in front of the API).
func looksLikeLogin(body []byte) bool {
	head := strings.ToLower(string(body[:min(len(body), 8192)]))
	if strings.Contains(head, `type="password"`) {
		return true
	}
	i := strings.Index(head, "<title")
	if i < 0 {
		return false
	}
	title := head[i:min(len(head), i+200)]
	for _, w := range []string{"登录", "登陆", "login", "sign in", "验证", "passport"} {
		if strings.Contains(title, w) {
			return true
		}
	}
	return false
}
