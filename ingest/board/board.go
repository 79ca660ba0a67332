// Package board reads forums and government message boards (留言板) as a
// source.Source, scraping list and detail pages with CSS selectors set in
// the source's options.
//
// A poll walks the list pages newest first, following the next-page link,
// and stops at a page that holds only items it has seen, or at max_pages.
// Only new items have their detail page fetched; they become mentions
// oldest first. The cursor keeps the most recently seen item IDs and the
// newest published time.
//
// The crawler is polite: it reads each site's robots.txt (kept an hour),
// skips what it disallows, waits delay (or the site's larger Crawl-delay)
// between requests to a host, and names itself in the User-Agent. Items it
// cannot map (no link, no title, a detail page that is gone or disallowed)
// are returned as rejected with the reason and the item's HTML; a login
// wall or 401/403 makes the source blind (source.ErrAuth); 429, 5xx and
// timeouts are retryable, with the server's Retry-After.
package board

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"yuqing/internal/secret"

	"yuqing/ingest/normalize"
	"yuqing/ingest/source"
	"yuqing/internal/mention"
)

// Defaults and limits.
const (
	DefaultAgent    = "yuqing-board/1.0"
	DefaultPlatform = "forum"
	DefaultDelay    = 2 * time.Second
	DefaultMaxPages = 3
	MaxSeen         = 500     // item IDs the cursor remembers
	MaxBody         = 8 << 20 // a page larger than this is refused
	maxMaxPages     = 100
	maxAttempts     = 3  // a detail page failing transiently this often is rejected
	maxKey          = 96 // longer seen keys (long URLs) are kept as a hash
	cursorVersion   = 1
	acceptHeader    = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
	deadlineReserve = 5 * time.Second // time kept for one request when the Read's deadline nears
)

// Types are the registry names the package answers to. Both read the same
// options; "board" reads better for a government message board.
var Types = []string{"board", "forum"}

// DefaultLayouts are the time layouts tried first when time_layouts is
// not set; normalize.TimeAt's own forms follow.
var DefaultLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02",
	"2006年01月02日 15:04:05", "2006年01月02日 15:04", "2006年01月02日", "2006年1月2日 15:04", "2006年1月2日",
	"2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02", "2006.01.02 15:04", "2006.01.02",
}

// OptionNames are the options a board source reads; any other is refused,
// so that a typo never silently changes what is scraped.
var OptionNames = []string{
	"list", "link", "title", "author", "time", "replies", "views", "next", "max_pages",
	"detail_text", "detail_time", "detail_author", "time_layouts", "id_pattern", "delay",
	"user_agent", "login_marks",
}

// Register adds the board types to reg, fetching through client (nil: a
// client with a 30s timeout). The sources it builds share one robots.txt
// cache and one pace per host. They read the clock now (nil: time.Now).
func Register(reg source.Registry, client *http.Client, now func() time.Time) {
	shared := newRobotsCache()
	f := func(sc source.SourceConfig) (source.Source, error) {
		s, err := newSource(sc, client, shared)
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

// Cursor is the board's position, stored as JSON in source.cursor.v1 events.
type Cursor struct {
	V      int       `json:"v"`
	Seen   []string  `json:"seen,omitempty"`  // native IDs (or content keys of link-less items), least recently seen first, at most MaxSeen
	Newest time.Time `json:"newest,omitzero"` // published time of the newest mention taken
}

// Source polls one board.
type Source struct {
	name, url, platform, mentionSource string
	agent                              string
	sel                                Selectors
	layouts                            []string
	idPattern                          *regexp.Regexp
	maxPages                           int
	delay                              time.Duration
	loc                                *time.Location
	headers                            map[string]secret.Secret
	loginMarks                         []string
	client                             *http.Client // pages: a login redirect is an auth failure
	robotsClient                       *http.Client // robots.txt: redirects followed quietly
	hosts                              *robotsCache
	now                                func() time.Time
	sleep                              func(ctx context.Context, d time.Duration) error

	cur     Cursor
	pending []*pending // new items found by the last walk and not yet returned, oldest first
}

// pending is a new item waiting for its detail page.
type pending struct {
	Item
	key, native, canon, page string
	attempts                 int // transient failures of its detail page
}

var _ source.Resumer = (*Source)(nil)

// New builds a board source from its settings. url is the first list page.
// Options (selectors are CSS, relative to the list item unless noted; any
// may end in @attr to take an attribute instead of the text):
//
//   - list (required): one item on a list page;
//   - link (required): the <a> to the item's detail page (its href);
//   - title: the title (default: the link's text, or its title attribute
//     when the text is cut short);
//   - author, time, replies, views: optional fields; replies may be a reply
//     status (已回复 counts as one reply);
//   - next: the next-page link, on the list page (a link to another host
//     ends the walk); max_pages (default 3);
//   - detail_text, detail_time, detail_author: on the detail page, which
//     is fetched only when one of them is set; without detail_text the list
//     item's text is the mention's text;
//   - time_layouts: comma-separated Go layouts tried before
//     normalize.TimeAt's own (default DefaultLayouts); time or detail_time
//     is required;
//   - id_pattern: a regexp whose first group is the native id in the
//     detail URL (default: the canonical URL is the id);
//   - delay: the wait between requests to the host (default 2s; a larger
//     robots.txt Crawl-delay wins);
//   - user_agent (default DefaultAgent, or the User-Agent header); its
//     product token picks the robots.txt group;
//   - login_marks: comma-separated URL fragments that, as a redirect
//     target, mean a login page (login, signin, passport, … are built in).
//
// platform defaults to "forum" ("messageboard" suits a 留言板); source,
// timezone (default Asia/Shanghai) and headers as for every source.
func New(sc source.SourceConfig, client *http.Client) (*Source, error) {
	return newSource(sc, client, newRobotsCache())
}

func newSource(sc source.SourceConfig, client *http.Client, hosts *robotsCache) (*Source, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	fail := func(err error) (*Source, error) { return nil, fmt.Errorf("board %q: %w", sc.Name, err) }
	if sc.URL == "" {
		return fail(errors.New("url (the first list page) is missing"))
	}
	platform := sc.Platform
	if platform == "" {
		platform = DefaultPlatform
	}
	if !slices.Contains(mention.Platforms, platform) {
		return fail(fmt.Errorf("platform %q is not one of %s", platform, strings.Join(mention.Platforms, ", ")))
	}
	loc, err := sc.Location()
	if err != nil {
		return fail(err)
	}
	s := &Source{
		name: sc.Name, url: sc.URL, platform: platform, mentionSource: first(sc.Source, sc.Name),
		loc: loc, headers: sc.Headers, hosts: hosts, now: time.Now, sleep: source.Sleep,
		maxPages: DefaultMaxPages, delay: DefaultDelay, layouts: DefaultLayouts, agent: DefaultAgent,
		cur: Cursor{V: cursorVersion},
	}
	if err := s.options(sc); err != nil {
		return fail(err)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	c := *client
	c.CheckRedirect = source.CheckRedirect(s.loginMarks)
	s.client = &c
	rc := *client
	rc.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return nil
	}
	if rc.Timeout == 0 {
		rc.Timeout = robotsTimeout
	}
	s.robotsClient = &rc
	return s, nil
}

// options reads and checks sc.Options, naming the option at fault.
func (s *Source) options(sc source.SourceConfig) error {
	o := sc.Options
	var errs []error
	for k := range o {
		if !slices.Contains(OptionNames, k) {
			errs = append(errs, fmt.Errorf("unknown option %q, want one of %s", k, strings.Join(OptionNames, ", ")))
		}
	}
	field := func(name string, required bool) *Field {
		v := strings.TrimSpace(o[name])
		if v == "" {
			if required {
				errs = append(errs, fmt.Errorf("option %s (a CSS selector) is required", name))
			}
			return nil
		}
		f, err := ParseField(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("option %s: selector %q: %w", name, v, err))
		}
		return f
	}
	s.sel = Selectors{
		List: field("list", true), Link: field("link", true), Title: field("title", false),
		Author: field("author", false), Time: field("time", false), Replies: field("replies", false),
		Views: field("views", false), Next: field("next", false),
		DetailText: field("detail_text", false), DetailTime: field("detail_time", false), DetailAuthor: field("detail_author", false),
	}
	if s.sel.List != nil && s.sel.List.attr != "" {
		errs = append(errs, fmt.Errorf("option list: %q selects elements, not an attribute", s.sel.List))
	}
	if strings.TrimSpace(o["time"]) == "" && strings.TrimSpace(o["detail_time"]) == "" {
		errs = append(errs, errors.New("option time or detail_time is required: a mention needs its published time"))
	}
	if v := strings.TrimSpace(o["max_pages"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMaxPages {
			errs = append(errs, fmt.Errorf("option max_pages: %q is not a whole number from 1 to %d", v, maxMaxPages))
		} else {
			s.maxPages = n
		}
	}
	if v := strings.TrimSpace(o["delay"]); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Hour {
			errs = append(errs, fmt.Errorf("option delay: %q is not a duration like 2s or 500ms, from 0 to 1h", v))
		} else {
			s.delay = d
		}
	}
	if v := strings.TrimSpace(o["time_layouts"]); v != "" {
		s.layouts = nil
		ref := time.Date(2026, 11, 23, 15, 4, 5, 0, time.UTC)
		for _, l := range strings.Split(v, ",") {
			if l = strings.TrimSpace(l); l == "" {
				continue
			}
			if out := ref.Format(l); out == l {
				errs = append(errs, fmt.Errorf("option time_layouts: %q has no date or time fields (write them as Go does: 2006-01-02 15:04)", l))
				continue
			} else if _, err := time.Parse(l, out); err != nil {
				errs = append(errs, fmt.Errorf("option time_layouts: %q: %w", l, err))
				continue
			}
			s.layouts = append(s.layouts, l)
		}
	}
	if v := strings.TrimSpace(o["id_pattern"]); v != "" {
		re, err := regexp.Compile(v)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("option id_pattern: %w", err))
		case re.NumSubexp() < 1:
			errs = append(errs, fmt.Errorf("option id_pattern: %q needs a group, e.g. id=(\\d+), around the id", v))
		default:
			s.idPattern = re
		}
	}
	if v := strings.TrimSpace(o["user_agent"]); v != "" {
		s.agent = v
	} else {
		for k, v := range s.headers {
			if strings.EqualFold(k, "User-Agent") && strings.TrimSpace(v.Reveal()) != "" {
				s.agent = strings.TrimSpace(v.Reveal())
			}
		}
	}
	if strings.ContainsAny(s.agent, "\r\n") {
		errs = append(errs, errors.New("option user_agent: must be one line"))
	}
	s.loginMarks = source.LoginMarks(o["login_marks"])
	return errors.Join(errs...)
}

// SetClock replaces time.Now (for tests).
func (s *Source) SetClock(now func() time.Time) { s.now = now }

// SetSleep replaces the wait between requests (for tests): sleep must
// return ctx.Err() if ctx ends first.
func (s *Source) SetSleep(sleep func(ctx context.Context, d time.Duration) error) { s.sleep = sleep }

// Connect does nothing: every page is its own request.
func (s *Source) Connect(context.Context) error { return nil }

// Close does nothing: the HTTP client is shared.
func (s *Source) Close(context.Context) error { return nil }

// Resume continues from a cursor Read returned earlier.
func (s *Source) Resume(cursor string) error {
	var c Cursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil {
		return fmt.Errorf("board %q: cursor: %w", s.name, err)
	}
	if c.V != cursorVersion {
		return fmt.Errorf("board %q: cursor version %d, want %d", s.name, c.V, cursorVersion)
	}
	if len(c.Seen) > MaxSeen {
		c.Seen = c.Seen[len(c.Seen)-MaxSeen:]
	}
	s.cur, s.pending = c, nil
	return nil
}

// Cursor is the current position, as Read would return it.
func (s *Source) Cursor() string {
	b, _ := json.Marshal(s.cur)
	return string(b)
}

// Read polls the board once: it walks the list pages for new items (unless
// items found earlier still wait), fetches their detail pages, and returns
// them oldest first. When the Read's deadline comes before every detail
// page is fetched, it returns what it has with More set.
func (s *Source) Read(ctx context.Context) (source.Batch, error) {
	seen := map[string]int{}
	for i, k := range s.cur.Seen {
		seen[k] = i
	}
	var touched []string // seen items met on the walk, to keep them from ageing out
	if len(s.pending) == 0 {
		found, t, err := s.walk(ctx, seen)
		if err != nil {
			return source.Batch{}, err
		}
		s.pending, touched = found, t
	}
	now := s.now()
	var (
		b          source.Batch
		taken      []string
		done       int
		stop       error // why detail fetching stopped early
		more       bool
		authFailed int
		noText     int // detail pages where detail_text matched nothing
		fetched    int
	)
	reject := func(p *pending, reason error) {
		b.Rejected = append(b.Rejected, mention.Rejected{Index: b.Len(), Source: s.mentionSource,
			Reason: fmt.Sprintf("board %q: item %s on %s: %s", s.name, quote(first(p.Title, p.Link, short(p.Text, 60), "(empty)")), source.Redact(p.page),
				strings.TrimPrefix(reason.Error(), fmt.Sprintf("board %q: ", s.name))),
			Raw: p.HTML})
		taken = append(taken, p.key)
	}
loop:
	for _, p := range s.pending {
		if p.Err != nil {
			reject(p, p.Err)
			done++
			continue
		}
		var d Detail
		if s.needDetail() {
			if !s.haveTime(ctx, p.Link) {
				more = true
				if b.Len() == 0 {
					stop = s.errorf("%w", source.Retryable(errors.New("the read's deadline leaves no time for the next detail page after the host's delay; give the source a longer timeout")))
				}
				break
			}
			var err error
			d, err = s.detail(ctx, p.Link)
			if !errors.Is(err, errDisallowed) {
				fetched++
			}
			switch {
			case err == nil && s.sel.DetailText != nil && d.Text == "":
				noText++
				reject(p, fmt.Errorf("detail_text %q matched nothing on %s", s.sel.DetailText, source.Redact(p.Link)))
				done++
				continue
			case err == nil:
			case errors.Is(err, errDisallowed):
				reject(p, err)
				done++
				continue
			case ctx.Err() != nil:
				more = true
				stop = err
				break loop
			case errors.Is(err, source.ErrAuth):
				authFailed++
				reject(p, err)
				done++
				continue
			case source.IsRetryable(err):
				p.attempts++
				if p.attempts < maxAttempts {
					stop = err
					break loop
				}
				reject(p, fmt.Errorf("detail page failed %d times: %w", p.attempts, err))
				done++
				continue
			default:
				reject(p, err)
				done++
				continue
			}
		}
		m, err := s.mention(p, d, now)
		if err != nil {
			reject(p, err)
		} else {
			b.Mentions = append(b.Mentions, m)
			taken = append(taken, p.key)
		}
		done++
	}
	if authFailed > 1 && authFailed == fetched && stop == nil {
		// Every detail page asked for a login: the session is gone, not
		// one private message. Nothing is consumed.
		return source.Batch{}, s.errorf("%w", source.Auth(fmt.Errorf("all %d detail pages asked for a login", authFailed)))
	}
	if noText > 1 && noText == fetched && stop == nil {
		// Not one detail page had the text: the template changed, or the
		// selector is wrong. Say so rather than dead-letter every item.
		return source.Batch{}, s.errorf("detail_text %q matched nothing on any of %d detail pages: has the page changed?", s.sel.DetailText, noText)
	}
	if b.Len() == 0 && stop != nil {
		return source.Batch{}, stop // named after the board already
	}
	s.pending = s.pending[done:]
	if len(s.pending) == 0 {
		s.pending = nil
	}
	sort.SliceStable(b.Mentions, func(i, j int) bool { return b.Mentions[i].PublishedAt.Before(b.Mentions[j].PublishedAt) })
	for _, m := range b.Mentions {
		if m.PublishedAt.After(s.cur.Newest) {
			s.cur.Newest = m.PublishedAt
		}
	}
	s.remember(seen, touched, taken)
	b.Cursor = s.Cursor()
	b.More = more && len(s.pending) > 0
	return b, nil
}

func (s *Source) needDetail() bool {
	return s.sel.DetailText != nil || s.sel.DetailTime != nil || s.sel.DetailAuthor != nil
}

// remember adds the taken keys to the seen list and moves the touched ones
// that are near its old end (within MaxSeen/2 of ageing out) to the new
// end, so items still on the list (a pinned post) do not age out and come
// back as new. Items are moved rarely, so an idle board keeps its cursor.
func (s *Source) remember(seen map[string]int, touched, taken []string) {
	move := map[string]bool{}
	risk := len(s.cur.Seen) + len(taken) - MaxSeen/2
	for _, k := range touched {
		if i, ok := seen[k]; ok && i < risk {
			move[k] = true
		}
	}
	if len(move) == 0 && len(taken) == 0 {
		return
	}
	out := make([]string, 0, len(s.cur.Seen)+len(taken))
	var moved []string
	for _, k := range s.cur.Seen {
		if move[k] {
			moved = append(moved, k)
			continue
		}
		out = append(out, k)
	}
	out = append(out, moved...)
	have := map[string]bool{}
	for _, k := range out {
		have[k] = true
	}
	for _, k := range taken {
		if !have[k] {
			out = append(out, k)
			have[k] = true
		}
	}
	if len(out) > MaxSeen {
		out = out[len(out)-MaxSeen:]
	}
	s.cur.Seen = out
}

// walk reads list pages from the first, newest first, until a page holds
// only seen items, there is no next page, or max_pages. It returns the new
// items oldest first and the seen ones it met.
func (s *Source) walk(ctx context.Context, seen map[string]int) (found []*pending, touched []string, err error) {
	visited := map[string]bool{}
	inWalk := map[string]bool{}
	next := s.url
	for page := 1; page <= s.maxPages && next != "" && !visited[next]; page++ {
		visited[next] = true
		pg, err := s.get(ctx, next, "list page")
		if err != nil && page > 1 && !errors.Is(err, source.ErrAuth) && !source.IsRetryable(err) {
			break // disallowed or gone (404): the pages before it are still worth reading
		}
		if err != nil {
			return nil, nil, err
		}
		lp := s.sel.ParseList(pg.doc, pg.url)
		if len(lp.Items) == 0 {
			if page > 1 {
				break
			}
			if LooksLikeLogin(pg.doc) {
				return nil, nil, s.errorf("%w", source.Auth(fmt.Errorf("got a login page instead of the list at %s", source.Redact(pg.url.String()))))
			}
			return nil, nil, s.errorf("list selector %q matched nothing on %s: has the page changed?", s.sel.List, source.Redact(pg.url.String()))
		}
		allSeen := true
		for _, it := range lp.Items {
			p := s.identify(it, pg.url.String())
			if inWalk[p.key] {
				continue // moved to the next page while we walked, or listed twice
			}
			inWalk[p.key] = true
			if _, ok := seen[p.key]; ok {
				touched = append(touched, p.key)
				continue
			}
			allSeen = false
			found = append(found, p)
		}
		if allSeen {
			break
		}
		next = lp.Next
		if u, err := url.Parse(next); err != nil || !strings.EqualFold(u.Hostname(), pg.url.Hostname()) {
			break // a next page on another site is not this board's
		}
	}
	slices.Reverse(found) // lists are newest first
	s.sortOldestFirst(found)
	return found, touched, nil
}

// sortOldestFirst orders the items by their list time when every one has a
// readable time (a pinned post breaks the list's order), keeping the
// reversed list order otherwise.
func (s *Source) sortOldestFirst(items []*pending) {
	now := s.now()
	times := make(map[*pending]time.Time, len(items))
	for _, p := range items {
		t, err := s.parseTime(p.Time, now)
		if err != nil {
			return
		}
		times[p] = t
	}
	sort.SliceStable(items, func(i, j int) bool { return times[items[i]].Before(times[items[j]]) })
}

// identify gives an item its native id and seen key.
func (s *Source) identify(it Item, page string) *pending {
	p := &pending{Item: it, page: page}
	if it.Link != "" {
		canon, err := normalize.URL(it.Link)
		if err != nil {
			p.Err = fmt.Errorf("link %s: %w", quote(it.Link), err)
		} else {
			p.canon, p.native = canon, canon
			if s.idPattern != nil {
				m := s.idPattern.FindStringSubmatch(canon)
				if m == nil || m[1] == "" {
					p.native = ""
					if p.Err == nil {
						p.Err = fmt.Errorf("link %s does not match id_pattern %q", quote(canon), s.idPattern)
					}
				} else {
					p.native = m[1]
				}
			}
		}
	}
	if p.native != "" {
		p.key = strings.TrimPrefix(normalize.ID(s.platform, p.native), s.platform+":")
		if len(p.key) > maxKey { // keeps the cursor small
			p.key = "h:" + hash(p.key)
		}
	} else {
		p.key = contentKey(it)
	}
	return p
}

// mention maps an item and its detail page.
func (s *Source) mention(p *pending, d Detail, now time.Time) (mention.Mention, error) {
	when := first(d.Time, p.Time)
	if when == "" {
		return mention.Mention{}, errors.New("no time: the time selector matched nothing")
	}
	pub, err := s.parseTime(when, now)
	if err != nil {
		return mention.Mention{}, err
	}
	text := p.Text
	if d.Text != "" {
		text = d.Text
	}
	m := mention.Mention{
		ID: normalize.ID(s.platform, p.native), Platform: s.platform, Source: s.mentionSource, URL: p.canon,
		Author: mention.Author{Name: stripLabel(first(d.Author, p.Author))},
		Title:  p.Title, Text: text, PublishedAt: pub,
	}
	if n, ok := ParseCount(p.Replies); ok {
		m.Metrics.Comments = n
	}
	if n, ok := ParseCount(p.Views); ok {
		m.Metrics.Views = n
	}
	raw := map[string]string{"list_page": p.page, "link": p.Link, "title": p.Title, "author": p.Author, "time": p.Time,
		"replies": p.Replies, "views": p.Views, "detail_time": d.Time, "detail_author": d.Author}
	for k, v := range raw {
		if v == "" {
			delete(raw, k)
		}
	}
	m.Raw, _ = json.Marshal(raw)
	normalize.Mention(&m, s.loc, now)
	if err := m.Validate(now); err != nil {
		return mention.Mention{}, err
	}
	return m, nil
}

// parseTime reads a time as the list or detail page wrote it, in the
// source's zone: the whole text, then each time-like part of it
// ("留言时间：2026-11-20 09:12").
func (s *Source) parseTime(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	t, err := normalize.TimeAt(v, s.layouts, s.loc, now)
	if err == nil {
		return t, nil
	}
	for _, c := range timeRe.FindAllString(v, 4) {
		if t, err2 := normalize.TimeAt(c, s.layouts, s.loc, now); err2 == nil {
			return t, nil
		}
	}
	if c := stripLabel(v); c != v {
		if t, err2 := normalize.TimeAt(c, s.layouts, s.loc, now); err2 == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

func (s *Source) errorf(format string, args ...any) error {
	return fmt.Errorf("board %q: "+format, append([]any{s.name}, args...)...)
}

// short is s cut to at most n runes, with an ellipsis if cut.
func short(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseAbs parses an absolute http(s) URL.
func parseAbs(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%s is not an http(s) URL", quote(raw))
	}
	return u, nil
}
