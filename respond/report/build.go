package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/eventlog"
	"yuqing/internal/hanzi"
	"yuqing/respond/incident"
	"yuqing/respond/workorder"
)

// Limits of what a report lists.
const (
	topTopics     = 10 // hot topics ranked
	detailTopics  = 5  // of which described with posts
	postsPerTopic = 3
	postRunes     = 140
	listRows      = 20 // overdue lists, watch lists
	risingMin     = 10 // a scheme needs this many mentions to be called rising
	risingRatio   = 1.5
)

// SentimentCounter is a store that counts mentions by sentiment label per
// Step bucket and platform (neither store does yet). With one, sentiment
// figures cover every mention, not only the hot topics'.
type SentimentCounter interface {
	SentimentCounts(ctx context.Context, q analytics.Query) ([]SentimentBucket, error)
}

// SentimentBucket is the mentions of one label in one bucket.
type SentimentBucket struct {
	Start     time.Time
	Sentiment string // neg, neu, pos
	Count     int64
}

// RegionCounter is a store that counts mentions by region (neither store
// keeps the mention's region yet). With one, the report has a region
// breakdown.
type RegionCounter interface {
	RegionCounts(ctx context.Context, q analytics.Query, drill bool) ([]analytics.KeywordCount, error)
}

// Errors of Build: parameters no report can be made of, and a 专报 of an
// incident the log does not have (by AsOf).
var (
	ErrInvalid    = errors.New("报表参数无效")
	ErrNoIncident = errors.New("没有这个事件")
)

// Build computes the report p asks for from the log and the store. It reads
// only: the same log, store and p give the same Report. Errors are the
// log's or the store's, a refused p, or ErrNoIncident. logger (nil:
// discard) is warned of events Build cannot read and leaves out.
func Build(ctx context.Context, log eventlog.Log, store analytics.Store, p Params, logger *slog.Logger) (*Report, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	p = p.Normalize()
	if p.Kind == Incident && (p.From.IsZero() || p.To.IsZero()) && p.AsOf.IsZero() {
		return nil, fmt.Errorf("%w：专报未给出统计时段时需要截止时间（as_of）", ErrInvalid)
	}
	f, err := loadFacts(ctx, log, p.AsOf, logger)
	if err != nil {
		return nil, err
	}
	if p.Kind == Incident {
		if st, ok := f.board.State(p.Incident); !ok || st.Status == "" {
			return nil, fmt.Errorf("%w：%s（截至 %s）", ErrNoIncident, p.Incident, p.AsOf.In(p.Location()).Format("2006-01-02 15:04"))
		}
		if p.From.IsZero() || p.To.IsZero() {
			p = casePeriod(p, f)
		}
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("%w：%w", ErrInvalid, err)
	}
	b := &builder{store: store, p: p, loc: p.Location(), f: f}
	r := &Report{ID: p.ID(), Kind: p.Kind, From: p.From, To: p.To, AsOf: p.AsOf, Timezone: p.Timezone, Drill: p.Drill}
	r.Period = periodText(p.From, p.To, b.loc)
	r.Title = title(p, b.loc)
	if p.Kind == Incident {
		if err := b.incidentCase(ctx, r); err != nil {
			return nil, err
		}
		return r, nil
	}
	for _, step := range []func(context.Context, *Report) error{b.volume, b.topics, b.sentiment, b.keywords, b.incidents, b.workOrders, b.disclosure, b.regions, b.watch, b.headline} {
		if err := step(ctx, r); err != nil {
			return nil, err
		}
	}
	if p.Drill {
		r.Notes = append(r.Notes, "本报告包含演练（舆情演练）数据，演练话题和事件均标注【演练】；演练事件不计入按时完成率。")
	}
	return r, nil
}

type builder struct {
	store analytics.Store
	p     Params
	loc   *time.Location
	f     *facts
	// drillTopics are the drill topics active in the period, when drill
	// data is left out: their mentions are taken out of the volume.
	drillTopics []string
	// hourly counts of the top topics, by topic, for peaks and the watch list.
	hourly map[string]map[time.Time]int64
	// mixes are the top topics' sentiment by bucket index.
	mixes []Mix
	// activeTopics is how many topics had mentions in the period.
	activeTopics int
}

// buckets are the report's time buckets: days in its zone, or hours for a
// period of two days or less (five for a 专报, whose deadlines are hours).
func (b *builder) hourlyBuckets() bool {
	span := b.p.To.Sub(b.p.From)
	return span <= 48*time.Hour || b.p.Kind == Incident && span <= 120*time.Hour
}

func (b *builder) bucketLabels() []string {
	var out []string
	if b.hourlyBuckets() {
		for t := b.p.From.Truncate(time.Hour); t.Before(b.p.To); t = t.Add(time.Hour) {
			out = append(out, t.In(b.loc).Format("01-02 15:00"))
		}
		return out
	}
	for d := dayStart(b.p.From, b.loc); d.Before(b.p.To); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format("2006-01-02"))
	}
	return out
}

// bucketOf is the index of t's bucket.
func (b *builder) bucketOf(t time.Time) int {
	if b.hourlyBuckets() {
		return int(t.Truncate(time.Hour).Sub(b.p.From.Truncate(time.Hour)) / time.Hour)
	}
	first := dayStart(b.p.From, b.loc)
	d := dayStart(t, b.loc)
	n := 0
	for x := first; x.Before(d); x = x.AddDate(0, 0, 1) {
		n++
	}
	return n
}

func dayStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

// count is the store's hourly counts in [from, to) by hour and platform,
// without the drill topics' mentions unless drill data is in.
func (b *builder) count(ctx context.Context, from, to time.Time) (map[time.Time]map[string]int64, error) {
	bs, err := b.store.Counts(ctx, analytics.Query{From: from, To: to, Step: analytics.Hour})
	if err != nil {
		return nil, fmt.Errorf("counting mentions: %w", err)
	}
	out := map[time.Time]map[string]int64{}
	plats := map[string]bool{}
	for _, x := range bs {
		if out[x.Start] == nil {
			out[x.Start] = map[string]int64{}
		}
		out[x.Start][x.Platform] += x.Count
		plats[x.Platform] = true
	}
	if len(b.drillTopics) == 0 {
		return out, nil
	}
	for _, pl := range sortedKeys(plats) {
		rs, err := b.store.Rollup(ctx, analytics.ByTopic, b.drillTopics, analytics.Query{From: from, To: to, Step: analytics.Hour, Platform: pl})
		if err != nil {
			return nil, fmt.Errorf("counting drill mentions: %w", err)
		}
		for _, x := range rs {
			if m := out[x.Start]; m != nil {
				m[pl] = max(0, m[pl]-x.Count)
			}
		}
	}
	return out, nil
}

func (b *builder) volume(ctx context.Context, r *Report) error {
	if !b.p.Drill {
		ts, err := b.store.Topics(ctx, analytics.TopicQuery{From: b.p.From, To: b.p.To, Limit: 1000, Drill: true})
		if err != nil {
			return fmt.Errorf("listing topics: %w", err)
		}
		for _, t := range ts {
			if t.Drill {
				b.drillTopics = append(b.drillTopics, t.ID)
			}
		}
		slices.Sort(b.drillTopics)
	}
	hours, err := b.count(ctx, b.p.From, b.p.To)
	if err != nil {
		return err
	}
	labels := b.bucketLabels()
	byPlat := map[string][]int64{}
	for start, m := range hours {
		i := b.bucketOf(start)
		if i < 0 || i >= len(labels) {
			continue
		}
		for pl, n := range m {
			if byPlat[pl] == nil {
				byPlat[pl] = make([]int64, len(labels))
			}
			byPlat[pl][i] += n
		}
	}
	v := &Volume{Days: labels, Totals: make([]int64, len(labels)), Step: "day"}
	if b.hourlyBuckets() {
		v.Step = "hour"
	}
	type plat struct {
		name string
		n    int64
		c    []int64
	}
	var ps []plat
	for pl, c := range byPlat {
		var n int64
		for i, x := range c {
			n += x
			v.Totals[i] += x
		}
		if n > 0 {
			ps = append(ps, plat{PlatformName(pl), n, c})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].n > ps[j].n || ps[i].n == ps[j].n && ps[i].name < ps[j].name })
	for _, x := range ps {
		v.Total += x.n
	}
	if v.Total == 0 {
		return nil
	}
	for _, x := range ps {
		v.Platforms = append(v.Platforms, x.name)
		v.Counts = append(v.Counts, x.c)
		v.Share = append(v.Share, Count{Name: x.name, Count: x.n, Share: float64(x.n) / float64(v.Total)})
	}
	r.Volume = v
	if len(b.drillTopics) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("统计时段内有 %d 个演练话题，其信息已从信息量中剔除（未归入话题的演练信息无法区分）。", len(b.drillTopics)))
	}
	return nil
}

// topics ranks the topics active in the period by their mentions in it
// and describes the first ones.
func (b *builder) topics(ctx context.Context, r *Report) error {
	ts, err := b.store.Topics(ctx, analytics.TopicQuery{From: b.p.From, To: b.p.To, Limit: 200, Drill: b.p.Drill})
	if err != nil {
		return fmt.Errorf("listing topics: %w", err)
	}
	if len(ts) == 0 {
		return nil
	}
	ids := make([]string, len(ts))
	byID := map[string]analytics.Topic{}
	for i, t := range ts {
		ids[i] = t.ID
		byID[t.ID] = t
	}
	b.hourly, err = b.rollup(ctx, ids, b.p.From, b.p.To)
	if err != nil {
		return err
	}
	type ranked struct {
		id string
		n  int64
	}
	var rs []ranked
	for id, hs := range b.hourly {
		var n int64
		for _, c := range hs {
			n += c
		}
		if n > 0 {
			rs = append(rs, ranked{id, n})
		}
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].n > rs[j].n || rs[i].n == rs[j].n && rs[i].id < rs[j].id })
	b.activeTopics = len(rs)
	b.mixes = make([]Mix, len(b.bucketLabels()))
	for i, x := range rs {
		if i == topTopics {
			break
		}
		t, err := b.topic(ctx, byID[x.id], b.p.From, b.p.To, i < detailTopics, b.mixes)
		if err != nil {
			return err
		}
		r.Topics = append(r.Topics, t)
	}
	return nil
}

// rollup is the hourly mentions of some topics in [from, to).
func (b *builder) rollup(ctx context.Context, ids []string, from, to time.Time) (map[string]map[time.Time]int64, error) {
	out := map[string]map[time.Time]int64{}
	for len(ids) > 0 {
		n := min(len(ids), 200) // keep the IN list short
		ks, err := b.store.Rollup(ctx, analytics.ByTopic, ids[:n], analytics.Query{From: from, To: to, Step: analytics.Hour})
		if err != nil {
			return nil, fmt.Errorf("reading topic volumes: %w", err)
		}
		for _, k := range ks {
			if out[k.Key] == nil {
				out[k.Key] = map[time.Time]int64{}
			}
			out[k.Key][k.Start] += k.Count
		}
		ids = ids[n:]
	}
	return out, nil
}

// topic describes one topic over [from, to): its mentions are read back
// from the store for sentiment, platforms and posts; mixes, when not nil,
// gets its sentiment by bucket.
func (b *builder) topic(ctx context.Context, t analytics.Topic, from, to time.Time, posts bool, mixes []Mix) (Topic, error) {
	out := Topic{ID: t.ID, First: t.FirstTime.UTC(), Grade: t.Grade, Lifecycle: t.Lifecycle, Drill: t.Drill}
	sum, hasSum := b.f.summaries[t.ID]
	out.Headline = strings.TrimSpace(sum.Headline)
	if out.Headline == "" {
		out.Headline = strings.Join(t.Label[:min(3, len(t.Label))], "、")
	}
	out.Headline = guard(out.Headline)
	out.Keywords = slices.Clone(t.Label[:min(5, len(t.Label))])
	for h, n := range b.hourly[t.ID] {
		if !h.Before(from) && h.Before(to) && (n > out.Peak || n == out.Peak && h.Before(out.PeakAt)) {
			out.Peak, out.PeakAt = n, h.UTC()
		}
	}
	// Representatives: the analyser's heaviest mentions in the period,
	// then the earliest and the most negative.
	want := map[string]int{}
	if hasSum {
		for i, s := range sum.Representative {
			want[s.ID] = i
		}
	}
	// Counts by hour, platform and sentiment come from the store in one
	// query; only the posts shown are read.
	cells, err := b.store.Breakdown(ctx, analytics.MentionQuery{Topic: t.ID, From: from, To: to})
	if err != nil {
		return out, fmt.Errorf("counting the mentions of topic %s: %w", t.ID, err)
	}
	plats := map[string]int64{}
	for _, c := range cells {
		out.Mentions += c.Count
		plats[c.Platform] += c.Count
		var mix *Mix
		if mixes != nil {
			if i := b.bucketOf(c.Start); i >= 0 && i < len(mixes) {
				mix = &mixes[i]
			}
		}
		switch c.Sentiment {
		case "neg":
			out.Sentiment.Neg += c.Count
			if mix != nil {
				mix.Neg += c.Count
			}
		case "pos":
			out.Sentiment.Pos += c.Count
			if mix != nil {
				mix.Pos += c.Count
			}
		default:
			out.Sentiment.Neu += c.Count
			if mix != nil {
				mix.Neu += c.Count
			}
		}
	}
	var (
		chosen            = map[int]analytics.Mention{}
		earliest, negMost analytics.Mention
	)
	if posts && out.Mentions > 0 {
		in := func(m analytics.Mention) bool {
			return !m.PublishedAt.Before(from) && m.PublishedAt.Before(to) && m.Topic == t.ID
		}
		for id, i := range want {
			if m, err := b.store.Get(ctx, id); err == nil && in(m) {
				chosen[i] = m
			}
		}
		if t.FirstID != "" {
			if m, err := b.store.Get(ctx, t.FirstID); err == nil && in(m) {
				earliest = m
			}
		}
		if earliest.ID == "" {
			// The topic began before the period: its earliest post in it.
			if ms, err := oldestOf(ctx, b.store, t.ID, from, to); err == nil && len(ms) > 0 {
				earliest = ms[0]
			}
		}
		negs, err := b.store.Mentions(ctx, analytics.MentionQuery{Topic: t.ID, From: from, To: to, Sentiment: "neg", Limit: analytics.MaxMentions})
		if err != nil {
			return out, fmt.Errorf("reading the negative mentions of topic %s: %w", t.ID, err)
		}
		for _, m := range negs {
			if negMost.ID == "" || m.SentimentScore < negMost.SentimentScore || m.SentimentScore == negMost.SentimentScore && m.ID < negMost.ID {
				negMost = m
			}
		}
	}
	out.Platforms = shares(plats, out.Mentions)
	if posts {
		var picked []analytics.Mention
		for _, i := range sortedKeys(chosen) {
			picked = append(picked, chosen[i])
		}
		for _, m := range []analytics.Mention{earliest, negMost} {
			if m.ID != "" && !slices.ContainsFunc(picked, func(x analytics.Mention) bool { return x.ID == m.ID }) {
				picked = append(picked, m)
			}
		}
		for _, m := range picked[:min(postsPerTopic, len(picked))] {
			out.Posts = append(out.Posts, post(m))
		}
	}
	out.Response = b.response(t.ID)
	return out, nil
}

func post(m analytics.Mention) Post {
	text := strings.TrimSpace(m.Text)
	if m.Title != "" && !strings.Contains(text, m.Title) {
		text = "【" + m.Title + "】" + text
	}
	return Post{ID: m.ID, Platform: PlatformName(m.Platform), Author: guard(m.AuthorName), Time: m.PublishedAt.UTC(),
		Text: guard(hanzi.Clip(strings.Join(strings.Fields(text), " "), postRunes)), URL: m.URL, Sentiment: m.Sentiment}
}

// oldestOf returns the earliest stored mention of a topic in [from, to):
// the listing is newest first, so it narrows the window to the first
// hour that has one.
func oldestOf(ctx context.Context, store analytics.Store, topic string, from, to time.Time) ([]analytics.Mention, error) {
	cells, err := store.Breakdown(ctx, analytics.MentionQuery{Topic: topic, From: from, To: to})
	if err != nil || len(cells) == 0 {
		return nil, err
	}
	lo := cells[0].Start
	if lo.Before(from) {
		lo = from
	}
	hi := cells[0].Start.Add(time.Hour)
	if hi.After(to) {
		hi = to
	}
	ms, err := store.Mentions(ctx, analytics.MentionQuery{Topic: topic, From: lo, To: hi, Limit: analytics.MaxMentions})
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	oldest := ms[len(ms)-1]
	for _, m := range ms {
		if m.PublishedAt.Equal(oldest.PublishedAt) && m.ID < oldest.ID {
			oldest = m
		}
	}
	return []analytics.Mention{oldest}, nil
}

// eachMention calls fn with every stored mention of a topic in [from, to),
// newest first, paging through the store's listing.
func eachMention(ctx context.Context, store analytics.Store, topic string, from, to time.Time, fn func(analytics.Mention)) error {
	hi := to
	for from.Before(hi) {
		ms, err := store.Mentions(ctx, analytics.MentionQuery{From: from, To: hi, Topic: topic, Limit: analytics.MaxMentions})
		if err != nil {
			return fmt.Errorf("reading the mentions of topic %s: %w", topic, err)
		}
		if len(ms) < analytics.MaxMentions {
			for _, m := range ms {
				fn(m)
			}
			return nil
		}
		oldest := ms[len(ms)-1].PublishedAt
		if oldest.Equal(ms[0].PublishedAt) {
			// A full page at one instant: take it, go on before it.
			for _, m := range ms {
				fn(m)
			}
			hi = oldest
			continue
		}
		// Take what is newer than the page's oldest instant; that instant
		// is read again, whole, with the next page.
		for _, m := range ms {
			if m.PublishedAt.After(oldest) {
				fn(m)
			}
		}
		hi = oldest.Add(time.Nanosecond)
	}
	return nil
}

// response is what was done about a topic by AsOf.
func (b *builder) response(topicID string) Response {
	var res Response
	for _, id := range b.f.board.WithTopic(topicID) {
		st, _ := b.f.board.State(id)
		if st.Drill && !b.p.Drill {
			continue
		}
		res.Incidents = append(res.Incidents, id)
		if at := firstPublished(st); !at.IsZero() && (res.Published.IsZero() || at.Before(res.Published)) {
			res.Published = at.UTC()
		}
	}
	switch {
	case !res.Published.IsZero():
		res.Status = "已发布权威信息"
	case len(res.Incidents) > 0:
		res.Status = "已建事件，尚未发布"
	default:
		res.Status = "未建事件"
	}
	return res
}

// firstPublished is the first authoritative release or press conference.
func firstPublished(st incident.State) time.Time {
	var first time.Time
	for _, r := range st.Releases {
		if first.IsZero() || r.At.Before(first) {
			first = r.At
		}
	}
	for _, c := range st.Conferences {
		if first.IsZero() || c.At.Before(first) {
			first = c.At
		}
	}
	return first
}

func (b *builder) sentiment(ctx context.Context, r *Report) error {
	labels := b.bucketLabels()
	s := &Sentiment{Days: labels, Neg: make([]int64, len(labels)), Neu: make([]int64, len(labels)), Pos: make([]int64, len(labels))}
	if sc, ok := b.store.(SentimentCounter); ok && len(b.drillTopics) == 0 {
		bs, err := sc.SentimentCounts(ctx, analytics.Query{From: b.p.From, To: b.p.To, Step: analytics.Hour})
		if err != nil {
			return fmt.Errorf("counting sentiment: %w", err)
		}
		for _, x := range bs {
			i := b.bucketOf(x.Start)
			if i < 0 || i >= len(labels) {
				continue
			}
			switch x.Sentiment {
			case "neg":
				s.Neg[i] += x.Count
			case "pos":
				s.Pos[i] += x.Count
			default:
				s.Neu[i] += x.Count
			}
		}
		s.Scope = "全部信息"
	} else {
		for i, m := range b.mixes {
			s.Neg[i], s.Neu[i], s.Pos[i] = m.Neg, m.Neu, m.Pos
		}
		s.Scope = fmt.Sprintf("信息量前 %d 位热点话题的全部信息", len(r.Topics))
	}
	for i := range labels {
		s.Total.Neg += s.Neg[i]
		s.Total.Neu += s.Neu[i]
		s.Total.Pos += s.Pos[i]
	}
	if s.Total.Sum() == 0 {
		return nil
	}
	r.Sentiment = s
	return nil
}

func (b *builder) keywords(ctx context.Context, r *Report) error {
	if len(b.drillTopics) > 0 {
		return nil // the keyword counts cannot leave the drill out
	}
	ks, err := b.store.TopKeywords(ctx, analytics.Query{From: b.p.From, To: b.p.To}, 20)
	if err != nil {
		return fmt.Errorf("counting keywords: %w", err)
	}
	for _, k := range ks {
		r.Keywords = append(r.Keywords, Count{Name: k.Keyword, Count: k.Count})
	}
	return nil
}

// clockOrder sorts an incident's clocks as the rules list them.
var clockOrder = []string{incident.ClockStatement, incident.ClockConference, incident.ClockResponse, incident.ClockFollowUp}

func clockNames(st incident.State) []string {
	var names []string
	for n := range st.Clocks {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := slices.Index(clockOrder, names[i]), slices.Index(clockOrder, names[j])
		if a != b {
			return uint(a) < uint(b) // unknown clocks (-1) last
		}
		return names[i] < names[j]
	})
	return names
}

// clockLabel names a clock with its length: 发布权威信息（5小时）.
func clockLabel(cl *incident.Clock) string {
	name := incident.ClockName(cl.Name)
	if cl.Name == incident.ClockFollowUp {
		return name
	}
	if d := cl.Due.Sub(cl.Start); d > 0 && d%time.Hour == 0 {
		return fmt.Sprintf("%s（%d小时）", name, int(d/time.Hour))
	}
	return name
}

// clockItem is how a clock stood at asOf, as OnTimeRates counts it: met
// (stopped in time), missed (stopped late, or running past due) or neither.
func clockItem(st incident.State, cl *incident.Clock, asOf time.Time) ClockItem {
	it := ClockItem{Incident: st.ID, Title: guard(st.Title), Clock: clockLabel(cl), Due: cl.Due.UTC()}
	switch {
	case cl.Stopped && cl.Met:
		it.State, it.Done = "按时完成", cl.StoppedAt.UTC()
	case cl.Stopped:
		it.State, it.Done, it.Missed = "超时完成", cl.StoppedAt.UTC(), true
	case cl.Cancelled:
		it.State = "已取消"
	case !asOf.Before(cl.Due):
		it.State, it.Missed = "超时未完成", true
	default:
		it.State = "计时中"
	}
	return it
}

func statusName(s string) string {
	switch s {
	case "open":
		return "处置中"
	case "closed":
		return "已关闭"
	}
	return s
}

func (b *builder) incidents(ctx context.Context, r *Report) error {
	in := &Incidents{}
	grades := map[incident.Grade]int{}
	rows := map[string]*DeadlineRow{}
	var rowOrder []string
	for _, id := range b.f.board.IDs() {
		st, _ := b.f.board.State(id)
		if st.OpenedAt.Before(b.p.From) || !st.OpenedAt.Before(b.p.To) || st.Drill && !b.p.Drill {
			continue
		}
		in.Opened++
		grades[st.Grade]++
		item := IncidentItem{ID: st.ID, Title: guard(st.Title), Grade: st.Grade.String(), Status: statusName(st.Status), OpenedAt: st.OpenedAt.UTC(),
			Lead: st.Lead, Published: firstPublished(st).UTC(), Drill: st.Drill}
		for _, name := range clockNames(st) {
			cl := st.Clocks[name]
			ci := clockItem(st, cl, b.p.AsOf)
			ci.Incident, ci.Title = "", ""
			item.Clocks = append(item.Clocks, ci)
			if st.Drill {
				continue // drills are not counted (as OnTimeRates)
			}
			label := clockLabel(cl)
			row := rows[label]
			if row == nil {
				row = &DeadlineRow{Clock: label}
				rows[label] = row
				rowOrder = append(rowOrder, label)
			}
			switch ci.State {
			case "按时完成":
				row.Met++
			case "超时完成", "超时未完成":
				row.Missed++
			case "已取消":
				row.Cancelled++
			default:
				row.Running++
			}
		}
		in.Items = append(in.Items, item)
	}
	if in.Opened == 0 {
		return nil
	}
	sort.Slice(in.Items, func(i, j int) bool {
		a, c := in.Items[i], in.Items[j]
		if !a.OpenedAt.Equal(c.OpenedAt) {
			return a.OpenedAt.Before(c.OpenedAt)
		}
		return a.ID < c.ID
	})
	for _, g := range []incident.Grade{incident.GradeI, incident.GradeII, incident.GradeIII, incident.GradeIV, incident.Ungraded} {
		if n := grades[g]; n > 0 {
			in.ByGrade = append(in.ByGrade, Count{Name: g.String(), Count: int64(n), Share: float64(n) / float64(in.Opened)})
		}
	}
	sort.SliceStable(rowOrder, func(i, j int) bool { return clockRank(rowOrder[i]) < clockRank(rowOrder[j]) })
	for _, l := range rowOrder {
		in.Deadlines = append(in.Deadlines, *rows[l])
	}
	for _, u := range b.f.board.OnTimeRates(b.p.From, b.p.To, b.p.AsOf) {
		in.OnTime = append(in.OnTime, UnitRate(u))
	}
	for _, v := range b.f.board.Overdue(b.p.AsOf) {
		if v.Drill && !b.p.Drill {
			continue
		}
		st, _ := b.f.board.State(v.Incident)
		if cl := st.Clocks[v.Clock]; cl != nil && len(in.Overdue) < listRows {
			in.Overdue = append(in.Overdue, clockItem(st, cl, b.p.AsOf))
		}
	}
	// 次生舆情 raised in the period, whenever its incident was opened.
	for _, id := range b.f.board.IDs() {
		st, _ := b.f.board.State(id)
		if st.Drill && !b.p.Drill {
			continue
		}
		for _, x := range st.Secondary {
			if !x.At.Before(b.p.From) && x.At.Before(b.p.To) && !x.At.After(b.p.AsOf) {
				in.Secondary = append(in.Secondary, SecondaryItem{Title: guard(st.Title), At: x.At.UTC(), Reason: guard(x.Reason), Drill: st.Drill})
			}
		}
	}
	sort.SliceStable(in.Secondary, func(i, j int) bool { return in.Secondary[i].At.Before(in.Secondary[j].At) })
	r.Incidents = in
	return nil
}

func clockRank(label string) int {
	for i, c := range clockOrder {
		if strings.HasPrefix(label, incident.ClockName(c)) {
			return i
		}
	}
	return len(clockOrder)
}

func (b *builder) workOrders(ctx context.Context, r *Report) error {
	w := &WorkOrders{}
	units := map[string]*UnitOrder{}
	for _, id := range sortedKeys(b.f.orders) {
		st := b.f.orders[id]
		if st.Status == "" || st.Disclosure() {
			continue // disclosure requests have their own section
		}
		unit := st.Received.Unit
		if unit == "" {
			unit = "未指定"
		}
		in := !st.Received.ReceivedAt.Before(b.p.From) && st.Received.ReceivedAt.Before(b.p.To)
		ans := st.Clocks[workorder.ClockAnswer]
		if in {
			u := units[unit]
			if u == nil {
				u = &UnitOrder{Unit: unit}
				units[unit] = u
			}
			w.Received++
			u.Received++
			switch {
			case ans != nil && ans.Done && ans.Met:
				w.Answered++
				w.OnTime++
				u.Answered++
				u.OnTime++
			case ans != nil && ans.Done:
				w.Answered++
				w.Late++
				u.Answered++
				u.Late++
			default:
				w.Open++
				u.Open++
				if overdueClock(st, b.p.AsOf) != "" {
					u.Overdue++
				}
			}
		}
		if st.Status == "open" {
			if name := overdueClock(st, b.p.AsOf); name != "" {
				cl := st.Clocks[name]
				w.Overdue = append(w.Overdue, OrderItem{ID: st.ID, Title: guard(st.Received.Title), Unit: unit, Category: st.Received.Category,
					Received: st.Received.ReceivedAt.UTC(), Clock: orderClockName(name), Due: cl.Due.UTC(), Workdays: cl.Workdays})
			}
		}
	}
	if w.Received == 0 && len(w.Overdue) == 0 {
		return nil
	}
	for _, u := range sortedKeys(units) {
		x := units[u]
		if x.Answered > 0 {
			x.Rate = float64(x.OnTime) / float64(x.Answered)
		}
		w.ByUnit = append(w.ByUnit, *x)
	}
	sort.Slice(w.Overdue, func(i, j int) bool {
		if !w.Overdue[i].Due.Equal(w.Overdue[j].Due) {
			return w.Overdue[i].Due.Before(w.Overdue[j].Due)
		}
		return w.Overdue[i].ID < w.Overdue[j].ID
	})
	w.Overdue = w.Overdue[:min(listRows, len(w.Overdue))]
	r.WorkOrders = w
	return nil
}

// disclosure counts the requests for government information received in
// the period by unit (statutory answer clock) and by result.
func (b *builder) disclosure(ctx context.Context, r *Report) error {
	var orders []*workorder.State
	for _, id := range sortedKeys(b.f.orders) {
		orders = append(orders, b.f.orders[id])
	}
	units := workorder.OnTime(orders, workorder.CategoryDisclosure, b.p.From, b.p.To, b.p.AsOf)
	if len(units) == 0 {
		return nil
	}
	d := &Disclosure{ByUnit: units}
	for _, u := range units {
		d.Received += u.Received
		d.Answered += u.Answered
		d.OnTime += u.OnTime
		d.Late += u.Late
		d.Open += u.Open
		d.Overdue += u.Overdue
		d.Withdrawn += u.Withdrawn
	}
	counts := map[string]int{}
	for _, st := range orders {
		if st.Disclosure() && st.Result != "" && !st.Received.ReceivedAt.Before(b.p.From) && st.Received.ReceivedAt.Before(b.p.To) {
			counts[st.Result]++
		}
	}
	for _, o := range workorder.Results() {
		if n := counts[o.Code]; n > 0 {
			d.Results = append(d.Results, ResultCount{Result: o.Code, Label: o.Label, Count: n})
		}
	}
	r.Disclosure = d
	return nil
}

// overdueClock is the first clock of an open order past due at asOf ("" none).
func overdueClock(st *workorder.State, asOf time.Time) string {
	for _, name := range []string{workorder.ClockSign, workorder.ClockAnswer} {
		if cl := st.Clocks[name]; cl != nil && !cl.Done && !asOf.Before(cl.Due) {
			return name
		}
	}
	return ""
}

func orderClockName(c string) string {
	if c == workorder.ClockSign {
		return "签收"
	}
	return "答复"
}

func (b *builder) regions(ctx context.Context, r *Report) error {
	rc, ok := b.store.(RegionCounter)
	if !ok {
		return nil
	}
	ks, err := rc.RegionCounts(ctx, analytics.Query{From: b.p.From, To: b.p.To}, b.p.Drill)
	if err != nil {
		return fmt.Errorf("counting regions: %w", err)
	}
	var total int64
	for _, k := range ks {
		total += k.Count
	}
	for _, k := range ks {
		if k.Keyword != "" && k.Count > 0 {
			r.Regions = append(r.Regions, Count{Name: k.Keyword, Count: k.Count, Share: float64(k.Count) / float64(total)})
		}
	}
	return nil
}

func (b *builder) watch(ctx context.Context, r *Report) error {
	w := &Watch{}
	for _, id := range b.f.board.IDs() {
		st, _ := b.f.board.State(id)
		if st.Status != "open" || st.Drill && !b.p.Drill || st.OpenedAt.After(b.p.AsOf) {
			continue
		}
		wi := WatchIncident{ID: st.ID, Title: guard(st.Title), Grade: st.Grade.String(), Drill: st.Drill}
		for _, name := range clockNames(st) {
			cl := st.Clocks[name]
			if cl.Running() && (wi.Due.IsZero() || cl.Due.Before(wi.Due)) {
				wi.Clock, wi.Due, wi.Overdue = clockLabel(cl), cl.Due.UTC(), !b.p.AsOf.Before(cl.Due)
			}
		}
		w.Incidents = append(w.Incidents, wi)
	}
	sort.Slice(w.Incidents, func(i, j int) bool {
		a, c := w.Incidents[i], w.Incidents[j]
		if a.Due.IsZero() != c.Due.IsZero() {
			return !a.Due.IsZero()
		}
		if !a.Due.Equal(c.Due) {
			return a.Due.Before(c.Due)
		}
		return a.ID < c.ID
	})
	w.Incidents = w.Incidents[:min(listRows, len(w.Incidents))]

	// Schemes whose volume rose against the previous period.
	span := b.p.To.Sub(b.p.From)
	now, err := b.store.Rollup(ctx, analytics.ByScheme, nil, analytics.Query{From: b.p.From, To: b.p.To, Step: analytics.Hour})
	if err != nil {
		return fmt.Errorf("reading scheme volumes: %w", err)
	}
	before, err := b.store.Rollup(ctx, analytics.ByScheme, nil, analytics.Query{From: b.p.From.Add(-span), To: b.p.From, Step: analytics.Hour})
	if err != nil {
		return fmt.Errorf("reading scheme volumes: %w", err)
	}
	cur, prev := map[string]int64{}, map[string]int64{}
	for _, k := range now {
		cur[k.Key] += k.Count
	}
	for _, k := range before {
		prev[k.Key] += k.Count
	}
	for _, id := range sortedKeys(cur) {
		n, p := cur[id], prev[id]
		if n >= risingMin && float64(n) >= risingRatio*float64(p) {
			name := b.f.schemes[id]
			if name == "" {
				name = id
			}
			w.Schemes = append(w.Schemes, SchemeTrend{ID: id, Name: name, Mentions: n, Previous: p, Change: float64(n-p) / float64(max(p, 1))})
		}
	}
	sort.SliceStable(w.Schemes, func(i, j int) bool { return w.Schemes[i].Change > w.Schemes[j].Change })
	w.Schemes = w.Schemes[:min(listRows, len(w.Schemes))]

	// Topics busier in the period's last day than in the day before.
	end := b.p.To
	for _, t := range r.Topics {
		var last, prior int64
		for h, n := range b.hourly[t.ID] {
			switch {
			case !h.Before(end.Add(-24*time.Hour)) && h.Before(end):
				last += n
			case !h.Before(end.Add(-48*time.Hour)) && h.Before(end.Add(-24*time.Hour)):
				prior += n
			}
		}
		if last >= 5 && last > prior {
			w.Topics = append(w.Topics, WatchTopic{ID: t.ID, Headline: t.Headline, Last24h: last, Prior24h: prior, Lifecycle: t.Lifecycle, Drill: t.Drill})
		}
	}
	if len(w.Incidents)+len(w.Schemes)+len(w.Topics) == 0 {
		return nil
	}
	r.Watch = w
	return nil
}

func (b *builder) headline(ctx context.Context, r *Report) error {
	if r.Volume == nil && r.Incidents == nil && r.WorkOrders == nil && r.Disclosure == nil {
		return nil
	}
	h := &Headline{Topics: b.activeTopics}
	if r.Volume != nil {
		h.Mentions = r.Volume.Total
	}
	span := b.p.To.Sub(b.p.From)
	prev, err := b.count(ctx, b.p.From.Add(-span), b.p.From)
	if err != nil {
		return err
	}
	for _, m := range prev {
		for _, n := range m {
			h.Previous += n
		}
	}
	if h.Previous > 0 {
		c := float64(h.Mentions-h.Previous) / float64(h.Previous)
		h.Change = &c
	}
	if s := r.Sentiment; s != nil && s.Total.Sum() > 0 {
		share := float64(s.Total.Neg) / float64(s.Total.Sum())
		h.NegShare, h.NegBase = &share, s.Total.Sum()
	}
	if r.Incidents != nil {
		h.Incidents = r.Incidents.Opened
	}
	if r.WorkOrders != nil {
		h.Orders = r.WorkOrders.Received
	}
	r.Headline = h
	return nil
}

func shares(m map[string]int64, total int64) []Count {
	var out []Count
	for k, n := range m {
		c := Count{Name: PlatformName(k), Count: n}
		if total > 0 {
			c.Share = float64(n) / float64(total)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Count > out[j].Count || out[i].Count == out[j].Count && out[i].Name < out[j].Name
	})
	return out
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// PlatformName is a platform's Chinese name.
func PlatformName(p string) string {
	switch p {
	case "weibo":
		return "微博"
	case "wechat":
		return "微信"
	case "forum":
		return "论坛"
	case "news":
		return "新闻网站"
	case "hotline":
		return "12345热线"
	case "web":
		return "网页"
	case "douyin":
		return "抖音"
	case "video":
		return "视频"
	case "messageboard":
		return "留言板"
	case "other", "":
		return "其他"
	}
	return p
}
