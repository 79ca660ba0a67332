package board

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Robots limits, after RFC 9309 and what the big crawlers do.
const (
	MaxRobotsBytes = 500 << 10        // a robots.txt is read up to this size; the rest is ignored
	robotsTTL      = time.Hour        // how long a fetched robots.txt is trusted
	maxCrawlDelay  = time.Hour        // a larger Crawl-delay is read as this
	maxPattern     = 2048             // longer Allow/Disallow patterns are ignored
	maxRobotsRules = 10000            // rules kept per file
	robotsTimeout  = 30 * time.Second // when the client has no timeout of its own
)

// Robots is a parsed robots.txt (RFC 9309, with the common Crawl-delay
// extension). The zero value and nil allow everything.
type Robots struct {
	groups []robotsGroup
}

type robotsGroup struct {
	agents []string // lower-case product tokens, "*" for any
	rules  []robotsRule
	delay  time.Duration // Crawl-delay, 0 if none
}

type robotsRule struct {
	allow   bool
	pattern string // percent-encoding normalised; may hold * and end in $
}

// ParseRobots reads a robots.txt. It never fails: lines it does not
// understand are ignored, as the RFC asks, and so is anything past
// MaxRobotsBytes.
//
// Groups start at a run of User-agent lines; Allow, Disallow and
// Crawl-delay lines belong to the group above them, and lines before the
// first User-agent are ignored. Comments (#) and a byte order mark are
// dropped; keys are case-insensitive.
func ParseRobots(b []byte) *Robots {
	if len(b) > MaxRobotsBytes {
		b = b[:MaxRobotsBytes]
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	r := &Robots{}
	var cur *robotsGroup
	inAgents := false // the previous meaningful line was a User-agent line
	rules := 0
	for len(b) > 0 {
		var line []byte
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			line, b = b, nil
		} else {
			line, b = b[:i], b[i+1:]
		}
		if j := bytes.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(string(k)))
		val := strings.TrimSpace(string(v))
		switch key {
		case "user-agent", "useragent", "user agent":
			if !inAgents || cur == nil {
				r.groups = append(r.groups, robotsGroup{})
				cur = &r.groups[len(r.groups)-1]
			}
			inAgents = true
			if tok := productToken(val); tok != "" {
				cur.agents = append(cur.agents, tok)
			}
		case "allow", "disallow":
			inAgents = false
			if cur == nil || val == "" || len(val) > maxPattern || rules >= maxRobotsRules {
				continue // an empty Disallow allows everything: no rule
			}
			rules++
			cur.rules = append(cur.rules, robotsRule{allow: key == "allow", pattern: normPattern(val)})
		case "crawl-delay", "crawldelay":
			inAgents = false
			if cur == nil {
				continue
			}
			f, err := strconv.ParseFloat(val, 64)
			if err != nil || math.IsNaN(f) || f <= 0 {
				continue
			}
			d := maxCrawlDelay
			if f < maxCrawlDelay.Seconds() {
				d = time.Duration(f * float64(time.Second))
			}
			cur.delay = max(cur.delay, d)
		default:
			// sitemap, host, clean-param and anything unknown end no group
		}
	}
	return r
}

// productToken is the lower-case name of a user agent: "Yuqing-Board/1.0
// (+https://…)" gives "yuqing-board".
func productToken(ua string) string {
	ua = strings.TrimSpace(ua)
	if i := strings.IndexAny(ua, "/ \t("); i >= 0 {
		ua = ua[:i]
	}
	return strings.ToLower(ua)
}

// group merges the groups that name agent (its product token), or, if none
// does, the groups for "*". ok is false when neither exists.
func (r *Robots) group(agent string) (g robotsGroup, ok bool) {
	if r == nil {
		return g, false
	}
	tok := productToken(agent)
	for _, pass := range []string{tok, "*"} {
		for _, gr := range r.groups {
			for _, a := range gr.agents {
				if a == pass && pass != "" {
					g.rules = append(g.rules, gr.rules...)
					g.delay = max(g.delay, gr.delay)
					ok = true
					break
				}
			}
		}
		if ok {
			return g, true
		}
	}
	return g, false
}

// Allowed reports whether agent may fetch the URL path (escaped, with its
// query if any): the longest matching Allow or Disallow wins, Allow on a
// tie; no match allows. /robots.txt is always allowed.
func (r *Robots) Allowed(agent, pathQuery string) bool {
	if pathQuery == "" {
		pathQuery = "/"
	}
	if pathQuery == "/robots.txt" {
		return true
	}
	g, ok := r.group(agent)
	if !ok {
		return true
	}
	p := normPath(pathQuery)
	best, allow := -1, true
	for _, rule := range g.rules {
		n := len(rule.pattern)
		if n < best || (n == best && allow) {
			continue
		}
		if matchPattern(rule.pattern, p) {
			best, allow = n, rule.allow
		}
	}
	return allow
}

// CrawlDelay is the Crawl-delay of the group that applies to agent, 0 if
// none.
func (r *Robots) CrawlDelay(agent string) time.Duration {
	g, _ := r.group(agent)
	return g.delay
}

// normPattern percent-encodes what a URL path would carry encoded (non-
// ASCII bytes, spaces) and upper-cases existing escapes, so that a pattern
// written in UTF-8 ("/留言/") matches the escaped path. Runs of * collapse.
func normPattern(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '*' && i > 0 && p[i-1] == '*' {
			continue
		}
		writeNorm(&b, p, &i)
	}
	return b.String()
}

// normPath is normPattern for a path: * and $ are ordinary characters there
// but never special in a path we compare, so the same encoding applies.
func normPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		writeNorm(&b, p, &i)
	}
	return b.String()
}

const hexDigits = "0123456789ABCDEF"

func writeNorm(b *strings.Builder, s string, i *int) {
	c := s[*i]
	switch {
	case c == '%' && *i+2 < len(s) && isHex(s[*i+1]) && isHex(s[*i+2]):
		b.WriteByte('%')
		b.WriteByte(upperHex(s[*i+1]))
		b.WriteByte(upperHex(s[*i+2]))
		*i += 2
	case c >= 0x80 || c <= ' ' || c == 0x7f:
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	default:
		b.WriteByte(c)
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func upperHex(c byte) byte {
	if c >= 'a' && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

// matchPattern reports whether pattern matches a prefix of path (the whole
// path if it ends in $); * matches any run of bytes. It is the classic
// greedy wildcard match with one backtrack point: linear for the patterns
// robots files hold, O(len(pattern)·len(path)) at worst.
func matchPattern(pattern, path string) bool {
	anchored := strings.HasSuffix(pattern, "$")
	if anchored {
		pattern = pattern[:len(pattern)-1]
	}
	if !strings.Contains(pattern, "*") {
		if anchored {
			return path == pattern
		}
		return strings.HasPrefix(path, pattern)
	}
	if !anchored {
		pattern += "*"
	}
	p, s := 0, 0
	star, mark := -1, 0
	for s < len(path) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, s
			p++
		case p < len(pattern) && pattern[p] == path[s]:
			p++
			s++
		case star >= 0:
			p = star + 1
			mark++
			s = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// robotsCache keeps each origin's robots.txt for robotsTTL and paces the
// requests to each host. One is shared by every source a Register call
// builds, so two boards on one site are polite together.
type robotsCache struct {
	mu    sync.Mutex
	files map[string]robotsEntry // origin (scheme://host:port) → file
	next  map[string]time.Time   // host → earliest start of its next request
}

type robotsEntry struct {
	r       *Robots
	fetched time.Time
}

func newRobotsCache() *robotsCache {
	return &robotsCache{files: map[string]robotsEntry{}, next: map[string]time.Time{}}
}

func (c *robotsCache) get(origin string, now time.Time) (*Robots, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.files[origin]
	if !ok || now.Sub(e.fetched) >= robotsTTL || now.Before(e.fetched.Add(-time.Minute)) {
		return nil, false
	}
	return e.r, true
}

func (c *robotsCache) put(origin string, r *Robots, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for o, e := range c.files { // drop stale files so the map stays small
		if now.Sub(e.fetched) >= robotsTTL {
			delete(c.files, o)
		}
	}
	c.files[origin] = robotsEntry{r: r, fetched: now}
}

// claim books the host's next slot: it returns how long to wait from now
// before the request may start, and holds the host until gap after that
// start (done extends it from the request's end), so that concurrent
// sources take turns.
func (c *robotsCache) claim(host string, now time.Time, gap time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := maxTime(c.next[host], now)
	c.next[host] = start.Add(gap)
	return start.Sub(now)
}

// wait is how long a request to host would wait now, without booking.
func (c *robotsCache) wait(host string, now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return max(c.next[host].Sub(now), 0)
}

// done records the end of a request to host: the next may start gap later.
func (c *robotsCache) done(host string, end time.Time, gap time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next[host] = maxTime(c.next[host], end.Add(gap))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
