// Package evidence is what a spokesperson sees on an incident page: the
// incident's topics with the names and figures they carry, the posts that
// matter (首发, 官方媒体, 认证账号, 传播最广, 负面代表), the claims circulating
// and which of them conflict, the questions the public asks (the skeleton of
// a press conference's Q&A), and volume and sentiment by hour. Once a
// statement is out, Effect measures what it did and Secondary watches for
// the opinion it caused (次生舆情).
//
// Gather and Effect read the analytics store; everything else is a pure
// function of the mentions passed in and of now. Every item names the
// mention IDs it stands on, so the console can show the posts themselves.
//
// The analytics store does not keep everything ingested: author
// verification, follower, repost and comment counts and repost parents are
// in mention.Mention (and the log) but not in analytics.Mention. Gather
// takes them from Input.Engagement when the caller has them; otherwise
// 认证账号 is left empty and 传播最广 counts the stored mentions that copy or
// quote a post's own words. Evidence.Notes says, in Chinese, which applies.
// Of a long mention only the title and the first 2,000 characters are read.
package evidence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
)

// MaxListed bounds the mentions one Gather reads for its per-mention
// analyses (entities, key posts, claims, questions, sentiment by hour),
// shared evenly among the topics but at least analytics.MaxMentions per
// topic. When a topic has more, the newest are read and Evidence.Sampled is
// set; volumes come from the store's rollups and are always complete.
const MaxListed = 5000

// maxIDs is how many mention IDs an entity or a claim lists.
const maxIDs = 5

// maxEntities is how many entities a topic lists, most mentioned first.
const maxEntities = 20

// Engagement is what the source said of a post and its author. The analytics
// store keeps none of it; a caller that has it (from the mention.ingested.v1
// events) passes it in Input.Engagement.
type Engagement struct {
	Verified  bool  `json:"verified,omitempty"`
	Followers int64 `json:"followers,omitempty"`
	Reposts   int64 `json:"reposts,omitempty"`
	Comments  int64 `json:"comments,omitempty"`
}

// Input names an incident for Gather.
type Input struct {
	Topics []string // the incident's topic IDs (incident.State.Topics); at least one
	// Headlines are the headlines its alerts carried, by topic ID; a topic
	// without one gets a headline derived from its posts.
	Headlines map[string]string
	Reasons   []string  // the alerts' reasons, shown as given
	From      time.Time // start of the period, usually DetectedAt − 24h; rounded down to the hour
	Now       time.Time // end of the period (exclusive)
	// Engagement is optional, by mention ID: verification and repost
	// counts the store does not keep. Nil or empty: unknown, and Evidence
	// says so. Given, it is taken as complete: a mention it does not list
	// is by an unverified author and has no reposts.
	Engagement map[string]Engagement
}

// Evidence is an incident's evidence over [From, To).
type Evidence struct {
	From      time.Time         `json:"from"`
	To        time.Time         `json:"to"`
	Topics    []Topic           `json:"topics"`
	Reasons   []string          `json:"reasons"`
	KeyPosts  KeyPosts          `json:"key_posts"`
	Claims    []Claim           `json:"claims"`
	Questions []QuestionCluster `json:"questions"`
	Series    []Hour            `json:"series"` // one per hour from From to To
	Total     int64             `json:"total"`  // mentions of the topics stored for the period (hourly rollup)
	Listed    int               `json:"listed"` // mentions read for the per-mention analyses
	// Sampled is set when Listed < Total because a topic had more mentions
	// than its share of MaxListed: key posts, claims, questions, entities,
	// platforms and sentiment by hour then cover the newest mentions only.
	Sampled bool     `json:"sampled"`
	Notes   []string `json:"notes,omitempty"` // what could not be determined and how it was handled, in Chinese
}

// Topic is one topic of the incident.
type Topic struct {
	ID       string `json:"id"`
	Headline string `json:"headline"`
	// HeadlineFrom says where the headline came from: "alert" (Input.Headlines),
	// "post" (the 【title】 or first sentence of its earliest post that has
	// one) or "label" (its keywords).
	HeadlineFrom string     `json:"headline_from"`
	Label        []string   `json:"label,omitempty"`    // its keywords as the analyser last reported them
	Entities     []Entity   `json:"entities"`           // places, organisations, casualty figures and #话题#, most mentioned first
	Mentions     int64      `json:"mentions"`           // in the period, from the hourly rollup
	Listed       int        `json:"listed"`             // of which read
	Platforms    []Platform `json:"platforms"`          // of the mentions read, most first
	FirstID      string     `json:"first_id,omitempty"` // its first mention, as the analyser recorded it (may predate the period)
	FirstTime    time.Time  `json:"first_time,omitzero"`
}

// Entity is a name or figure and the mentions that carry it.
type Entity struct {
	Text       string   `json:"text"`
	Kind       string   `json:"kind"` // segment.KindPlace, KindOrg, KindCasualty or KindTag
	Count      int      `json:"count"`
	MentionIDs []string `json:"mention_ids"` // up to 5, earliest first
}

// Platform is how many of the mentions read came from one platform.
type Platform struct {
	Platform string `json:"platform"`
	Count    int    `json:"count"`
}

// Hour is the volume and sentiment of one hour.
type Hour struct {
	Start    time.Time `json:"start"`
	Mentions int64     `json:"mentions"` // every stored mention of the topics (rollup)
	// Neg, Neu, Pos and Unscored count the mentions read by their sentiment
	// label: all of them, unless Evidence.Sampled.
	Neg      int  `json:"neg"`
	Neu      int  `json:"neu"`
	Pos      int  `json:"pos"`
	Unscored int  `json:"unscored"`
	Partial  bool `json:"partial,omitempty"` // the hour is not over
}

// Gather reads an incident's mentions from the store and builds its
// evidence: the topics' hourly rollup and summaries, their mentions in the
// period (newest first, up to MaxListed, paging past the store's listing
// limit) and the topics' first mentions. seg extracts the entities
// (places, organisations, casualty figures, #话题#); it is loaded once per
// process and shared. An error is an invalid input or a failed store read.
func Gather(ctx context.Context, store analytics.Store, seg *segment.Segmenter, in Input) (Evidence, error) {
	topics := dedupe(in.Topics)
	switch {
	case len(topics) == 0:
		return Evidence{}, errors.New("evidence: an incident needs at least one topic")
	case in.From.IsZero() || in.Now.IsZero() || !in.From.Before(in.Now):
		return Evidence{}, fmt.Errorf("evidence: period [%s, %s) is empty", in.From.Format(time.RFC3339), in.Now.Format(time.RFC3339))
	case seg == nil:
		return Evidence{}, errors.New("evidence: a segmenter is needed for the entities")
	}
	from, to := in.From.UTC().Truncate(time.Hour), in.Now.UTC()
	ev := Evidence{From: from, To: to, Reasons: nonNil(in.Reasons)}

	roll, err := store.Rollup(ctx, analytics.ByTopic, topics, analytics.Query{From: from, To: to, Step: analytics.Hour})
	if err != nil {
		return Evidence{}, fmt.Errorf("reading the hourly volume of %s: %w", strings.Join(topics, ", "), err)
	}
	sums, err := store.Topics(ctx, analytics.TopicQuery{From: from, To: to, Limit: 1000, Drill: true})
	if err != nil {
		return Evidence{}, fmt.Errorf("reading topic summaries: %w", err)
	}
	summary := map[string]analytics.Topic{}
	for _, t := range sums {
		summary[t.ID] = t
	}

	all, sampled, err := Read(ctx, store, topics, from, to)
	if err != nil {
		return Evidence{}, err
	}
	ev.Sampled, ev.Listed = sampled, len(all)
	byTopic := map[string][]analytics.Mention{}
	for _, m := range all {
		byTopic[m.Topic] = append(byTopic[m.Topic], m)
	}

	// One cut per mention: entities for the topics and the place claims.
	ents := make(map[string][]segment.Entity, len(all))
	for _, m := range all {
		_, es := seg.TokensEntities(fullText(m))
		ents[m.ID] = slices.DeleteFunc(es, func(e segment.Entity) bool { return !named(e) })
	}

	counts := map[string]int64{}
	for _, b := range roll {
		counts[b.Key] += b.Count
		ev.Total += b.Count
	}
	for _, id := range topics {
		ms := byTopic[id]
		t := Topic{ID: id, Mentions: counts[id], Listed: len(ms), Entities: topicEntities(ms, ents), Platforms: platforms(ms)}
		if s, ok := summary[id]; ok {
			t.Label, t.FirstID, t.FirstTime = s.Label, s.FirstID, s.FirstTime
		}
		t.Headline, t.HeadlineFrom = headlineFor(in.Headlines[id], ms, t.Label)
		ev.Topics = append(ev.Topics, t)
		if counts[id] == 0 {
			ev.Notes = append(ev.Notes, fmt.Sprintf("话题 %s 在此期间没有信息", id))
		}
	}

	first, err := recordedFirst(ctx, store, ev.Topics, all)
	if err != nil {
		return Evidence{}, err
	}
	ev.KeyPosts = keyPosts(all, first, in.Engagement)
	ev.Claims = claims(all, ents)
	ev.Questions = Questions(all)
	ev.Series = series(from, to, roll, all)

	if !ev.KeyPosts.VerifiedKnown {
		ev.Notes = append(ev.Notes, "分析库未保存作者认证信息，暂无法列出认证账号")
	}
	if ev.KeyPosts.SpreadBy == SpreadByCopies {
		ev.Notes = append(ev.Notes, "分析库未保存转发数和评论数，“传播最广”按库中转载或引用其原文（连续12字以上相同）的信息条数计")
	}
	if ev.Sampled {
		ev.Notes = append(ev.Notes, fmt.Sprintf("信息量大：本期共 %d 条，逐条分析（关键帖、说法、提问、实体、平台、每小时情感）只读取了各话题最新的共 %d 条；每小时声量为全量",
			ev.Total, ev.Listed))
	}
	return ev, nil
}

// Read lists the mentions of topics published in [from, to), oldest first:
// all of them, or when a topic has more than its share of MaxListed (at
// least analytics.MaxMentions), its newest, and then it reports sampled.
// It pages back in time past the store's listing limit. Gather and Effect
// read with it; a caller reads with it what Secondary looks at.
func Read(ctx context.Context, store analytics.Store, topics []string, from, to time.Time) (ms []analytics.Mention, sampled bool, err error) {
	topics = dedupe(topics)
	if len(topics) == 0 || !from.Before(to) {
		return nil, false, nil
	}
	budget := max(analytics.MaxMentions, MaxListed/len(topics))
	for _, id := range topics {
		got, more, err := list(ctx, store, id, from, to, budget)
		if err != nil {
			return nil, false, err
		}
		ms, sampled = append(ms, got...), sampled || more
	}
	sortByTime(ms)
	return ms, sampled, nil
}

// list reads a topic's mentions in [from, to), newest first, at most budget
// of them, paging back in time past the store's listing limit. It reports
// whether it stopped with mentions left unread.
func list(ctx context.Context, store analytics.Store, topic string, from, to time.Time, budget int) ([]analytics.Mention, bool, error) {
	var out []analytics.Mention
	seen := map[string]bool{}
	for {
		page, err := store.Mentions(ctx, analytics.MentionQuery{Topic: topic, From: from, To: to, Limit: analytics.MaxMentions})
		if err != nil {
			return nil, false, fmt.Errorf("listing the mentions of topic %s: %w", topic, err)
		}
		fresh := 0
		for _, m := range page {
			if seen[m.ID] {
				continue
			}
			if len(out) == budget {
				return out, true, nil
			}
			seen[m.ID] = true
			out = append(out, m)
			fresh++
		}
		if len(page) < analytics.MaxMentions {
			return out, false, nil
		}
		if fresh == 0 { // a full page of one instant: cannot page past it
			return out, true, nil
		}
		// The next page ends at the oldest mention seen, which it repeats
		// with any others of the same instant.
		to = page[len(page)-1].PublishedAt.Add(time.Nanosecond)
		if !from.Before(to) {
			return out, false, nil
		}
	}
}

// recordedFirst is the topics' first mention as the analyser recorded it
// (analytics.Topic.FirstID), when it is earlier than every mention read:
// it may predate the period, or be past a sampled listing. Nil when none is.
func recordedFirst(ctx context.Context, store analytics.Store, topics []Topic, read []analytics.Mention) (*analytics.Mention, error) {
	var best *analytics.Mention
	for _, t := range topics {
		if t.FirstID == "" || (len(read) > 0 && !t.FirstTime.Before(read[0].PublishedAt)) {
			continue
		}
		if best != nil && !t.FirstTime.Before(best.PublishedAt) {
			continue
		}
		m, err := store.Get(ctx, t.FirstID)
		if errors.Is(err, analytics.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the first mention of topic %s: %w", t.ID, err)
		}
		best = &m
	}
	return best, nil
}

// headlineFor is the alert's headline, else one derived from the topic's
// posts (earliest first), else its keywords.
func headlineFor(given string, ms []analytics.Mention, label []string) (string, string) {
	if h := strings.TrimSpace(given); h != "" {
		return h, "alert"
	}
	for _, m := range ms {
		if h := headlineOf(fullText(m)); h != "" {
			return h, "post"
		}
	}
	return strings.Join(label, " "), "label"
}

// topicEntities counts the entities of a topic's mentions (sorted by time),
// casualty figures normalised as in claims.
func topicEntities(ms []analytics.Mention, ents map[string][]segment.Entity) []Entity {
	idx := map[string]int{}
	out := []Entity{}
	for _, m := range ms {
		for _, e := range ents[m.ID] {
			if hs := casualties(fold(e.Text)); e.Kind == segment.KindCasualty && len(hs) == 1 {
				e.Text = hs[0].text // 三人死亡 → 3人死亡, as the claims write it
			}
			i, ok := idx[e.Text]
			if !ok {
				i = len(out)
				idx[e.Text] = i
				out = append(out, Entity{Text: e.Text, Kind: e.Kind})
			}
			out[i].Count++
			if len(out[i].MentionIDs) < maxIDs {
				out[i].MentionIDs = append(out[i].MentionIDs, m.ID)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	if len(out) > maxEntities {
		out = out[:maxEntities]
	}
	return out
}

func platforms(ms []analytics.Mention) []Platform {
	n := map[string]int{}
	for _, m := range ms {
		n[m.Platform]++
	}
	out := []Platform{}
	for p, c := range n {
		out = append(out, Platform{p, c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Platform < out[j].Platform
	})
	return out
}

// series is one Hour per hour of [from, to): volume from the rollup,
// sentiment from the mentions read.
func series(from, to time.Time, roll []analytics.KeyBucket, ms []analytics.Mention) []Hour {
	n := int((to.Sub(from) + time.Hour - 1) / time.Hour)
	out := make([]Hour, n)
	for i := range out {
		out[i].Start = from.Add(time.Duration(i) * time.Hour)
		out[i].Partial = out[i].Start.Add(time.Hour).After(to)
	}
	at := func(t time.Time) *Hour {
		i := int(t.Sub(from) / time.Hour)
		if t.Before(from) || i >= n {
			return nil
		}
		return &out[i]
	}
	for _, b := range roll {
		if h := at(b.Start); h != nil {
			h.Mentions += b.Count
		}
	}
	for _, m := range ms {
		h := at(m.PublishedAt)
		if h == nil {
			continue
		}
		switch m.Sentiment {
		case "neg":
			h.Neg++
		case "neu":
			h.Neu++
		case "pos":
			h.Pos++
		default:
			h.Unscored++
		}
	}
	return out
}

// sortByTime orders mentions by publication, then ID.
func sortByTime(ms []analytics.Mention) {
	sort.SliceStable(ms, func(i, j int) bool {
		if !ms[i].PublishedAt.Equal(ms[j].PublishedAt) {
			return ms[i].PublishedAt.Before(ms[j].PublishedAt)
		}
		return ms[i].ID < ms[j].ID
	})
}

func dedupe(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
