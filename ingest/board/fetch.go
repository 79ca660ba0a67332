package board

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/simplifiedchinese"

	"yuqing/ingest/source"
)

// errDisallowed is wrapped by the error for a URL robots.txt disallows.
var errDisallowed = errors.New("robots.txt disallows it")

// page is a fetched and parsed HTML page.
type page struct {
	url *url.URL // after redirects
	doc *html.Node
}

// get fetches an HTML page politely: robots.txt first, then the host's
// pace. Errors are classified for the Runner: source.Auth for 401, 403 and
// login redirects, retryable for 408, 429, 5xx and transport failures
// (with Retry-After), errDisallowed for what robots.txt forbids, plain for
// the rest (404, not HTML, too large).
func (s *Source) get(ctx context.Context, raw, what string) (*page, error) {
	u, err := parseAbs(raw)
	if err != nil {
		return nil, s.errorf("%s: %w", what, err)
	}
	rb, err := s.robots(ctx, u)
	if err != nil {
		return nil, err
	}
	if !rb.Allowed(s.agent, u.EscapedPath()+query(u)) {
		return nil, s.errorf("%s %s: %w", what, source.Redact(raw), errDisallowed)
	}
	gap := max(s.delay, rb.CrawlDelay(s.agent))
	if err := s.pace(ctx, u.Host, gap); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, s.errorf("%s: %w", what, err)
	}
	s.setHeaders(req, acceptHeader)
	defer func() { s.hosts.done(u.Host, s.now(), gap) }()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, s.transportError(what, err)
	}
	defer resp.Body.Close()
	if err := s.status(resp, what); err != nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, err
	}
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && !strings.Contains(mt, "html") && !strings.Contains(mt, "xml") && mt != "text/plain" {
		return nil, s.errorf("%s %s is %s, not an HTML page", what, source.Redact(resp.Request.URL.String()), mt)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return nil, s.errorf("%s %s: %w", what, source.Redact(raw), source.Retryable(fmt.Errorf("reading the body: %w", err)))
	}
	if len(body) > MaxBody {
		return nil, s.errorf("%s %s is larger than %d MiB", what, source.Redact(raw), MaxBody>>20)
	}
	doc, err := html.Parse(bytes.NewReader(Decode(body, ct)))
	if err != nil {
		return nil, s.errorf("%s %s: %w", what, source.Redact(raw), err)
	}
	return &page{url: resp.Request.URL, doc: doc}, nil
}

// detail fetches and reads an item's detail page. A page without the text
// sought that looks like a login form is an auth failure.
func (s *Source) detail(ctx context.Context, link string) (Detail, error) {
	pg, err := s.get(ctx, link, "detail page")
	if err != nil {
		return Detail{}, err
	}
	d := s.sel.ParseDetail(pg.doc)
	if s.sel.DetailText != nil && d.Text == "" && LooksLikeLogin(pg.doc) {
		return Detail{}, s.errorf("%w", source.Auth(fmt.Errorf("got a login page instead of the detail page %s", source.Redact(link))))
	}
	return d, nil
}

func (s *Source) setHeaders(req *http.Request, accept string) {
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5")
	for k, v := range s.headers {
		req.Header.Set(k, v.Reveal())
	}
	req.Header.Set("User-Agent", s.agent)
}

// pace waits for the host's turn, then holds it for gap.
func (s *Source) pace(ctx context.Context, host string, gap time.Duration) error {
	if err := s.sleep(ctx, s.hosts.claim(host, s.now(), gap)); err != nil {
		return s.errorf("waiting for %s: %w", host, err)
	}
	return nil
}

// haveTime reports whether ctx's deadline leaves time to wait for the host
// of link and make one request.
func (s *Source) haveTime(ctx context.Context, link string) bool {
	dl, ok := ctx.Deadline()
	if !ok {
		return true
	}
	u, err := url.Parse(link)
	if err != nil {
		return true // get reports it
	}
	return time.Until(dl) > s.hosts.wait(u.Host, s.now())+deadlineReserve
}

// robots returns the robots.txt of u's origin, from the cache or fetched.
// A missing file (any 4xx) allows everything; 429, 5xx and transport
// errors are retryable (RFC 9309 has a crawler stop when it cannot know).
func (s *Source) robots(ctx context.Context, u *url.URL) (*Robots, error) {
	origin := u.Scheme + "://" + u.Host
	if r, ok := s.hosts.get(origin, s.now()); ok {
		return r, nil
	}
	if err := s.pace(ctx, u.Host, s.delay); err != nil {
		return nil, err
	}
	var r *Robots
	gap := s.delay
	defer func() { s.hosts.done(u.Host, s.now(), gap) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, origin+"/robots.txt", nil)
	if err != nil {
		return nil, s.errorf("robots.txt: %w", err)
	}
	s.setHeaders(req, "text/plain,*/*;q=0.5")
	resp, err := s.robotsClient.Do(req)
	if err != nil {
		return nil, s.transportError("robots.txt", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusOK:
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxRobotsBytes))
		if err != nil {
			return nil, s.errorf("robots.txt of %s: %w", u.Host, source.Retryable(err))
		}
		r = ParseRobots(body)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, s.errorf("robots.txt of %s: %w", u.Host, source.RetryAfter(fmt.Errorf("HTTP %s", resp.Status), source.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now())))
	default: // 4xx, or a 3xx not followed: no rules
		r = &Robots{}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	gap = max(s.delay, r.CrawlDelay(s.agent))
	s.hosts.put(origin, r, s.now())
	return r, nil
}

func query(u *url.URL) string {
	if u.RawQuery == "" {
		return ""
	}
	return "?" + u.RawQuery
}

// status classifies a response that is not 200.
func (s *Source) status(resp *http.Response, what string) error {
	code := resp.StatusCode
	where := source.Redact(resp.Request.URL.String())
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusUnauthorized || code == http.StatusForbidden || code == http.StatusProxyAuthRequired:
		return s.errorf("%s %s: %w", what, where, source.Auth(fmt.Errorf("HTTP %s", resp.Status)))
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		return s.errorf("%s %s: %w", what, where, source.RetryAfter(fmt.Errorf("HTTP %s", resp.Status), source.ParseRetryAfter(resp.Header.Get("Retry-After"), s.now())))
	default:
		return s.errorf("%s %s: HTTP %s", what, where, resp.Status)
	}
}

// transportError classifies a failed request: a login redirect is an auth
// failure, anything else (timeouts, refused or reset connections, DNS) is
// retryable. URLs in the error are redacted.
func (s *Source) transportError(what string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = source.Redact(ue.URL)
	}
	if errors.Is(err, source.ErrAuth) {
		return s.errorf("%s: %w", what, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return s.errorf("%s: %w", what, source.Retryable(fmt.Errorf("timed out: %w", err)))
	}
	return s.errorf("%s: %w", what, source.Retryable(err))
}

// Decode turns a page into UTF-8: the charset of a byte order mark, the
// Content-Type or a <meta> wins; an undeclared page is UTF-8 if it is
// valid UTF-8 and GB18030 (a superset of GBK and GB2312) otherwise, as
// Chinese sites without a declaration are.
func Decode(body []byte, contentType string) []byte {
	e, name, certain := charset.DetermineEncoding(body, contentType)
	if !certain && name == "windows-1252" {
		if utf8.Valid(body) {
			return body
		}
		e, name = simplifiedchinese.GB18030, "gb18030"
	}
	if name == "utf-8" {
		if !utf8.Valid(body) {
			return bytes.ToValidUTF8(body, []byte("\uFFFD"))
		}
		return body
	}
	out, err := e.NewDecoder().Bytes(body)
	if err != nil {
		return bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	return out
}
