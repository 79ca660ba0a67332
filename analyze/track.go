package analyze

import (
	"math"
	"slices"
	"sort"
	"time"

	"yuqing/analyze/alert"
	"yuqing/analyze/dedupe"
	"yuqing/analyze/grade"
	"yuqing/analyze/segment"
	"yuqing/analyze/sentiment"
	"yuqing/analyze/spike"
	"yuqing/analyze/topic"
	"yuqing/internal/eventlog"
	"yuqing/internal/hanzi"
)

// Topic event types.
const (
	TypeTopicUpdated = "topic.updated.v1" // payload: TopicSummary
	TypeTopicRetired = "topic.retired.v1" // payload: TopicSummary, final
	TypeTopicMerged  = "topic.merged.v1"  // payload: TopicMerged
	TypeTopicSplit   = "topic.split.v1"   // payload: TopicSplit
)

// TopicMerged says topic From joined topic Into at event time At: its
// mentions belong to Into from then on.
type TopicMerged struct {
	From string    `json:"from"`
	Into string    `json:"into"`
	At   time.Time `json:"at"`
}

// TopicSplit says the Mentions left topic From for the new topic Into at
// event time At: From proved to hold two stories.
type TopicSplit struct {
	From     string    `json:"from"`
	Into     string    `json:"into"`
	Mentions []string  `json:"mentions"`
	At       time.Time `json:"at"`
}

// Lifecycle stages of a topic.
const (
	Emerging  = "emerging"
	Rising    = "rising"
	Peak      = "peak"
	Declining = "declining"
	Dormant   = "dormant"
)

// Sample is a mention kept as a topic's evidence.
type Sample struct {
	ID        string    `json:"id"`
	Platform  string    `json:"platform"`
	Author    string    `json:"author,omitempty"`
	Followers int64     `json:"followers,omitempty"`
	Verified  bool      `json:"verified,omitempty"`
	Text      string    `json:"text"`
	URL       string    `json:"url,omitempty"`
	Time      time.Time `json:"time"`
	Sentiment string    `json:"sentiment"`
	Weight    float64   `json:"weight"`
	facts     grade.Facts
	// The sample's headline and its quality (headline), once hlSet.
	hl    string
	hq    int
	hlSet bool
}

// bare is the sample without its cached headline, as summaries carry it.
func (x Sample) bare() Sample {
	x.hl, x.hq, x.hlSet = "", 0, false
	return x
}

// title returns the sample's headline and its quality, computed once.
func (x *Sample) title() (string, int) {
	if !x.hlSet {
		x.hl, x.hq = headline(x.Text)
		x.hlSet = true
	}
	return x.hl, x.hq
}

// SentimentMix counts a topic's mentions by label.
type SentimentMix struct {
	Neg int `json:"neg"`
	Neu int `json:"neu"`
	Pos int `json:"pos"`
}

// TopicSummary is what the console and reports show of a topic.
type TopicSummary struct {
	ID string `json:"id"`
	// Headline is a readable title: the clearest early sentence of the
	// first source or of a representative post.
	Headline string   `json:"headline,omitempty"`
	Label    []string `json:"label"` // keywords, most telling first
	// Entities are the places, organisations, casualty figures and #话题#
	// its mentions name most, most named first.
	Entities       []segment.Entity `json:"entities,omitempty"`
	Mentions       int              `json:"mentions"`
	First          Sample           `json:"first"` // 首发: the first mention seen
	FirstTime      time.Time        `json:"first_time"`
	LastTime       time.Time        `json:"last_time"`
	Platforms      map[string]int   `json:"platforms"`
	Sentiment      SentimentMix     `json:"sentiment"`
	Reach          int64            `json:"reach"`
	Heat           float64          `json:"heat"`
	Velocity       float64          `json:"velocity"`     // mentions per hour, last 30 min
	Acceleration   float64          `json:"acceleration"` // change of velocity per hour
	PeakVelocity   float64          `json:"peak_velocity"`
	Lifecycle      string           `json:"lifecycle"`
	Representative []Sample         `json:"representative"` // heaviest mentions
	Schemes        []string         `json:"schemes,omitempty"`
	Suggested      grade.Suggestion `json:"suggested"`
	Merged         []string         `json:"merged,omitempty"`
	Drill          bool             `json:"drill,omitempty"`
}

// AlertOut is an alert event to emit.
type AlertOut struct {
	Type  string
	Alert alert.Alert
}

// Output is what tracking one mention produced besides its assignment.
type Output struct {
	Alerts  []AlertOut
	Updated []TopicSummary // topics to publish as topic.updated.v1
	Retired []TopicSummary // topics that left the active window
	Merged  []TopicMerged  // topic.merged.v1
	Split   []TopicSplit   // topic.split.v1
}

// TrackerConfig configures the stateful stage.
type TrackerConfig struct {
	Topic       topic.Config
	Spike       spike.Config
	Alert       alert.Policy
	Dedupe      dedupe.Config
	Sensitive   func(schemeID string) bool // schemes whose hits weigh more; may be nil
	MaxSamples  int                        // evidence kept per topic (default 40)
	DormantIdle time.Duration              // lifecycle "dormant" after this quiet time (default 6h)
	// AlertLink: a topic about to raise an alert joins the open alert of a
	// topic whose sources share this much weight of telling words with its
	// own, and a third of a source's own (a thread of the same story),
	// instead (default 4: two names, or four telling words).
	AlertLink float64
}

// Tracking is the default configuration of a tracker that follows mentions
// enriched with seg: topics weigh words by seg's Salience.
func Tracking(seg *segment.Segmenter) TrackerConfig {
	tc := topic.DefaultConfig()
	if seg != nil {
		tc.Salience = seg.Salience
	}
	return TrackerConfig{Topic: tc}
}

// Tracker is the stateful half of analysis: topics, spikes, grades, alerts.
// It runs in event time and is deterministic: the same analysed stream gives
// the same topics and alerts, which is how its state is rebuilt on start.
// Not safe for concurrent use.
type Tracker struct {
	cfg     TrackerConfig
	clus    *topic.Clusterer
	dups    *dedupe.Detector // exact and near duplicates, in log order
	topics  *spike.Detector
	schemes *spike.Detector
	alerts  *alert.Alerter
	stats   map[string]*topicState
	retired []topic.Topic
	now     time.Time // event time of the latest mention
	// processed counts the analysed mentions folded in (for snapshots).
	processed int64
	positions eventlog.Positions // where a restored snapshot ends, in the analysed topic
}

type topicState struct {
	sum       TopicSummary
	recent    []recentMention        // the last recentKept mentions, oldest first
	names     map[segment.Entity]int // entities named, with counts
	heat      spike.Heat
	samples   []Sample // first few, then the heaviest
	schemes   map[string]bool
	nextGrade int
	spike     bool
}

// NewTracker returns a tracker with empty state.
func NewTracker(cfg TrackerConfig) *Tracker {
	if cfg.MaxSamples == 0 {
		cfg.MaxSamples = 40
	}
	if cfg.DormantIdle == 0 {
		cfg.DormantIdle = 6 * time.Hour
	}
	if cfg.AlertLink == 0 {
		cfg.AlertLink = 4
	}
	t := &Tracker{cfg: cfg, dups: dedupe.New(cfg.Dedupe), topics: spike.New(cfg.Spike), schemes: spike.New(cfg.Spike), alerts: alert.New(cfg.Alert), stats: map[string]*topicState{}}
	tc := cfg.Topic
	tc.OnRetire = func(tp topic.Topic) { t.retired = append(t.retired, tp) }
	t.clus = topic.New(tc)
	return t
}

// Active is the number of topics in the active window.
func (t *Tracker) Active() int { return len(t.stats) }

// Track assigns an analysed mention to a topic (setting a.Topic) and updates
// spikes, grades and alerts.
func (t *Tracker) Track(a *Analyzed) Output {
	var out Output
	t.processed++
	m := a.Mention
	var dupOf string
	if v := t.dups.Check(m); v.Duplicate() {
		a.Duplicate = &v
		if v.Kind == dedupe.Near {
			dupOf = v.FirstID
		}
		if v.Kind == dedupe.ExactID {
			// The same post again (a source re-read after a crash, a
			// webhook retried): recorded, never counted twice.
			a.Topic, _ = t.clus.TopicOf(m.ID)
			return out
		}
	}
	if m.PublishedAt.After(t.now) {
		t.now = m.PublishedAt
	}
	space := ""
	if m.Drill {
		space = "drill" // drill and real mentions never share a topic
	}
	var names []string
	for _, e := range a.Entities {
		if e.Kind != segment.KindCasualty { // figures recur across stories
			names = append(names, e.Text)
		}
	}
	asg := t.clus.Add(topic.Item{
		ID: m.ID, Platform: m.Platform, Time: m.PublishedAt, Tokens: a.Tokens, Entities: names, Text: m.Text,
		RootID: m.RootID, ParentID: m.ParentID, DupOf: dupOf, Space: space,
		AuthorFollowers: m.Author.Followers, Verified: m.Author.Verified,
	})
	a.Topic, a.NewTopic = asg.Topic, asg.New
	for _, sp := range asg.Splits {
		t.split(sp, &out)
	}
	for _, mg := range asg.Merges {
		t.merge(mg, &out)
	}
	if asg.Topic == "" {
		// Unassigned (未归类): too little content for a story of its own and
		// no evidence for any topic. Counted nowhere, never alerts.
		t.drainRetired(&out)
		return out
	}
	st := t.stats[asg.Topic]
	if st == nil {
		st = &topicState{schemes: map[string]bool{}, names: map[segment.Entity]int{}, nextGrade: 1}
		st.sum.ID = asg.Topic
		st.sum.Platforms = map[string]int{}
		st.sum.Drill = m.Drill
		t.stats[asg.Topic] = st
	}
	t.add(st, a)

	sig := t.topics.Observe(asg.Topic, m.PublishedAt, 1)
	st.sum.Velocity, st.sum.Acceleration = sig.Velocity, sig.Acceleration
	st.sum.PeakVelocity = math.Max(st.sum.PeakVelocity, sig.Velocity)
	st.spike = st.spike || sig.Spike
	newScheme, schemeSpike := false, false
	for _, sm := range a.Schemes {
		// A scheme bursting against its own weekly rhythm marks the topic
		// carrying the burst.
		if t.schemes.Observe(sm.SchemeID, m.PublishedAt, 1).Spike {
			st.spike = true
			schemeSpike = true
		}
		if !st.schemes[sm.SchemeID] {
			st.schemes[sm.SchemeID] = true
			newScheme = true
		}
	}
	rising := t.alerts.Rising(asg.Topic, sig.Velocity, m.PublishedAt.Sub(st.sum.FirstTime), st.sum.Mentions)
	if st.sum.Mentions >= st.nextGrade || sig.Spike || schemeSpike || newScheme || rising {
		st.nextGrade = max(st.sum.Mentions+1, int(math.Ceil(float64(st.sum.Mentions)*1.5)))
		t.regrade(st)
		s := t.summary(st)
		out.Updated = append(out.Updated, s)
		at := t.alertTopic(st)
		if t.alerts.Wants(at) {
			// Another thread of a story that has its alert joins that
			// alert instead of raising a second one.
			for _, other := range t.alerts.OpenTopics() {
				if t.clus.Related(at.ID, other, t.cfg.AlertLink) {
					if typ, al, ok := t.alerts.Attach(at, other, m.PublishedAt); ok {
						out.Alerts = append(out.Alerts, AlertOut{Type: typ, Alert: al})
					}
					break
				}
			}
		}
		if typ, al, ok := t.alerts.Consider(at, m.PublishedAt); ok {
			out.Alerts = append(out.Alerts, AlertOut{Type: typ, Alert: al})
		}
		st.spike = false
	}
	t.drainRetired(&out)
	return out
}

// Flush retires every topic (end of an offline stream).
func (t *Tracker) Flush() Output {
	t.clus.Flush()
	var out Output
	t.drainRetired(&out)
	return out
}

// drainRetired reports the topics the clusterer retired as dormant and
// forgets them: their stats, open alert and spike series.
func (t *Tracker) drainRetired(out *Output) {
	for _, tp := range t.retired {
		if rs, ok := t.stats[tp.ID]; ok {
			s := t.summary(rs)
			s.Lifecycle = Dormant
			out.Retired = append(out.Retired, s)
			delete(t.stats, tp.ID)
		}
		t.alerts.Retired(tp.ID)
		t.topics.Drop(tp.ID)
	}
	t.retired = t.retired[:0]
}

// Resolve maps a topic ID through merges.
func (t *Tracker) Resolve(id string) string { return t.clus.Resolve(id) }

func (t *Tracker) add(st *topicState, a *Analyzed) {
	m := a.Mention
	s := &st.sum
	s.Mentions++
	s.Platforms[m.Platform]++
	switch a.Sentiment.Label {
	case sentiment.Neg:
		s.Sentiment.Neg++
	case sentiment.Pos:
		s.Sentiment.Pos++
	default:
		s.Sentiment.Neu++
	}
	s.Reach += m.Author.Followers + m.Metrics.Views
	st.recent = append(st.recent, recentMention{ID: m.ID, Label: string(a.Sentiment.Label)})
	if len(st.recent) > recentKept {
		st.recent = slices.Delete(st.recent, 0, len(st.recent)-recentKept/2)
	}
	for _, e := range a.Entities {
		if _, ok := st.names[e]; ok || len(st.names) < maxNames {
			st.names[e]++
		}
	}
	w := spike.Weight(m.Metrics.Reposts, m.Metrics.Comments, m.Metrics.Likes, m.Author.Followers, m.Author.Verified)
	st.heat.Add(m.PublishedAt, w)
	smp := Sample{ID: m.ID, Platform: m.Platform, Author: m.Author.Name, Followers: m.Author.Followers, Verified: m.Author.Verified,
		Text: hanzi.Clip(textOf(m.Title, m.Text), 280), URL: m.URL, Time: m.PublishedAt, Sentiment: string(a.Sentiment.Label), Weight: w, facts: a.Facts}
	if s.FirstTime.IsZero() || m.PublishedAt.Before(s.FirstTime) {
		s.FirstTime = m.PublishedAt
		s.First = smp
		s.First.facts = grade.Facts{} // the summary shows the post; its facts live in samples
	}
	if m.PublishedAt.After(s.LastTime) {
		s.LastTime = m.PublishedAt
	}
	keepFirst := st.samplesFirst()
	if len(st.samples) < t.cfg.MaxSamples {
		st.samples = append(st.samples, smp)
		return
	}
	// Replace the lightest of the heavy part if this one is heavier.
	low := -1
	for i := keepFirst; i < len(st.samples); i++ {
		if low < 0 || st.samples[i].Weight < st.samples[low].Weight {
			low = i
		}
	}
	if low >= 0 && w > st.samples[low].Weight {
		st.samples[low] = smp
	}
}

// recentKept bounds the mentions a topic remembers by ID and sentiment, for
// a split to move their counts exactly.
const recentKept = 512

type recentMention struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// maxNames bounds the distinct entities counted per topic.
const maxNames = 200

// headline picks the best title among the first mention (首发) and the
// samples: a 【title】 over a plain sentence over a fragment (a news
// report's 【title】 over a first post that asks 是不是又在偷排？), then the
// first mention's over a later post's, a verified author's over others';
// among equals, the earliest.
func (st *topicState) headline() string {
	best, bq := "", -1
	var bt time.Time
	for i := -1; i < len(st.samples); i++ {
		x := &st.sum.First
		if i >= 0 {
			x = &st.samples[i]
		}
		h, q := x.title()
		if h == "" {
			continue
		}
		q *= 2
		if x.Verified {
			q++
		}
		if i < 0 {
			q++
		}
		if q > bq || (q == bq && x.Time.Before(bt)) {
			best, bq, bt = h, q, x.Time
		}
	}
	return best
}

// topNames returns the n entities named most (ties: by text).
func (st *topicState) topNames(n int) []segment.Entity {
	out := make([]segment.Entity, 0, len(st.names))
	for e, c := range st.names {
		if c >= 2 || len(st.names) <= n {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ci, cj := st.names[out[i]], st.names[out[j]]
		if ci != cj {
			return ci > cj
		}
		return out[i].Text < out[j].Text
	})
	return out[:min(n, len(out))]
}

// samplesFirst is how many of the samples are the earliest ones, kept whatever their weight.
func (st *topicState) samplesFirst() int { return 10 }

func (t *Tracker) regrade(st *topicState) {
	s := &st.sum
	in := grade.Input{Mentions: s.Mentions, Reach: s.Reach, Velocity: s.Velocity}
	if s.Mentions > 0 {
		in.NegativeShare = float64(s.Sentiment.Neg) / float64(s.Mentions)
	}
	for i := range st.samples {
		x := &st.samples[i]
		in.Samples = append(in.Samples, grade.Sample{ID: x.ID, Author: x.Author, Followers: x.Followers, Verified: x.Verified, Text: x.Text, Negative: x.Sentiment == string(sentiment.Neg), Facts: &x.facts})
	}
	s.Suggested = grade.Suggest(in)
}

func (t *Tracker) summary(st *topicState) TopicSummary {
	s := st.sum
	if tp, ok := t.clus.Lookup(s.ID); ok {
		s.Label = tp.Label
		s.Merged = tp.Merged
	}
	s.Heat = st.heat.At0(t.now)
	s.Headline = st.headline()
	s.Entities = st.topNames(8)
	s.Schemes = sortedKeys(st.schemes)
	s.Lifecycle = lifecycle(s, t.now, t.cfg.DormantIdle)
	rep := slices.Clone(st.samples)
	sort.SliceStable(rep, func(i, j int) bool { return rep[i].Weight > rep[j].Weight })
	s.Representative = rep[:min(5, len(rep))]
	for i := range s.Representative {
		s.Representative[i] = s.Representative[i].bare()
	}
	s.First = s.First.bare()
	plat := make(map[string]int, len(s.Platforms))
	for k, v := range s.Platforms {
		plat[k] = v
	}
	s.Platforms = plat
	return s
}

func lifecycle(s TopicSummary, now time.Time, dormant time.Duration) string {
	switch {
	case now.Sub(s.LastTime) > dormant:
		return Dormant
	case s.Mentions < 10 || now.Sub(s.FirstTime) < time.Hour:
		return Emerging
	case s.Velocity >= 0.8*s.PeakVelocity && s.Acceleration > 0:
		return Rising
	case s.Velocity >= 0.8*s.PeakVelocity:
		return Peak
	}
	return Declining
}

func (t *Tracker) alertTopic(st *topicState) alert.Topic {
	s := &st.sum
	at := alert.Topic{ID: s.ID, Headline: st.headline(), Mentions: s.Mentions, Velocity: s.Velocity, Age: t.now.Sub(s.FirstTime), Spike: st.spike, Suggested: s.Suggested, Drill: s.Drill, Schemes: sortedKeys(st.schemes)}
	if tp, ok := t.clus.Lookup(s.ID); ok {
		at.Label = tp.Label
	}
	for id := range st.schemes {
		if t.cfg.Sensitive != nil && t.cfg.Sensitive(id) {
			at.Sensitive = append(at.Sensitive, id)
		}
	}
	sort.Strings(at.Sensitive)
	seen := map[string]bool{}
	for _, r := range s.Suggested.Reasons {
		for _, id := range r.MentionIDs {
			if !seen[id] {
				seen[id] = true
				at.Evidence = append(at.Evidence, id)
			}
		}
	}
	rep := slices.Clone(st.samples)
	sort.SliceStable(rep, func(i, j int) bool { return rep[i].Weight > rep[j].Weight })
	for _, x := range append([]Sample{s.First}, rep...) {
		if len(at.Evidence) >= 10 {
			break
		}
		if x.ID != "" && !seen[x.ID] {
			seen[x.ID] = true
			at.Evidence = append(at.Evidence, x.ID)
		}
	}
	return at
}

// split moves the statistics of the mentions that left a topic to the new
// topic they make. Counts move exactly for the mentions the topic still
// remembers (its samples and its last recentKept); a moved mention it has
// forgotten is taken from the neutral count.
func (t *Tracker) split(sp topic.Split, out *Output) {
	out.Split = append(out.Split, TopicSplit{From: sp.From, Into: sp.Into, Mentions: sp.Items, At: t.now})
	into := &topicState{schemes: map[string]bool{}, names: map[segment.Entity]int{}, nextGrade: 1}
	into.sum.ID = sp.Into
	into.sum.Platforms = map[string]int{}
	t.stats[sp.Into] = into
	from := t.stats[sp.From]
	if from == nil {
		return
	}
	moved := map[string]bool{}
	for _, id := range sp.Items {
		moved[id] = true
	}
	into.sum.Drill = from.sum.Drill
	fs, is := &from.sum, &into.sum
	n := min(len(sp.Items), fs.Mentions)
	fs.Mentions -= n
	is.Mentions = n
	for p, k := range sp.Platforms {
		k = min(k, fs.Platforms[p])
		if fs.Platforms[p] -= k; fs.Platforms[p] <= 0 {
			delete(fs.Platforms, p)
		}
		is.Platforms[p] += k
	}
	var recent []recentMention
	from.recent, recent = partition(from.recent, func(r recentMention) bool { return moved[r.ID] })
	into.recent = append(into.recent, recent...)
	left := n
	for _, r := range recent[:min(n, len(recent))] {
		left--
		moveLabel(fs, is, r.Label)
	}
	for ; left > 0; left-- {
		moveLabel(fs, is, string(sentiment.Neu))
	}
	var samples []Sample
	from.samples, samples = partition(from.samples, func(x Sample) bool { return moved[x.ID] })
	into.samples = append(into.samples, samples...)
	for _, x := range samples {
		if is.FirstTime.IsZero() || x.Time.Before(is.FirstTime) {
			is.FirstTime, is.First = x.Time, x
			is.First.facts = grade.Facts{}
		}
		if x.Time.After(is.LastTime) {
			is.LastTime = x.Time
		}
	}
	if is.FirstTime.IsZero() {
		is.FirstTime, is.LastTime = t.now, t.now
	}
	share := float64(n) / float64(max(1, n+fs.Mentions))
	h := from.heat.At0(t.now)
	from.heat = spike.Heat{}
	from.heat.Add(t.now, h*(1-share))
	into.heat.Add(t.now, h*share)
	for _, st := range []*topicState{from, into} {
		t.regrade(st)
		out.Updated = append(out.Updated, t.summary(st))
	}
}

// partition splits xs, in order, into those out does not pick (kept in
// xs's array) and those it does (in a new slice).
func partition[T any](xs []T, out func(T) bool) (kept, taken []T) {
	kept = xs[:0]
	for _, x := range xs {
		if out(x) {
			taken = append(taken, x)
		} else {
			kept = append(kept, x)
		}
	}
	clear(xs[len(kept):])
	return kept, taken
}

// moveLabel moves one mention of the given sentiment from one topic's mix
// to another's (from the neutral count when the label is used up).
func moveLabel(from, into *TopicSummary, label string) {
	p := map[string]*int{string(sentiment.Neg): &from.Sentiment.Neg, string(sentiment.Pos): &from.Sentiment.Pos, string(sentiment.Neu): &from.Sentiment.Neu}
	q := map[string]*int{string(sentiment.Neg): &into.Sentiment.Neg, string(sentiment.Pos): &into.Sentiment.Pos, string(sentiment.Neu): &into.Sentiment.Neu}
	src, ok := p[label]
	if !ok || *src == 0 {
		label = string(sentiment.Neu)
		for _, l := range []string{string(sentiment.Neu), string(sentiment.Neg), string(sentiment.Pos)} {
			if *p[l] > 0 {
				label = l
				break
			}
		}
		src = p[label]
	}
	if *src > 0 {
		*src--
		*q[label]++
	}
}

// merge folds the statistics of a topic absorbed by another.
func (t *Tracker) merge(mg topic.Merge, out *Output) {
	out.Merged = append(out.Merged, TopicMerged{From: mg.From, Into: mg.Into, At: t.now})
	from, into := t.stats[mg.From], t.stats[mg.Into]
	if from != nil && into != nil {
		s, f := &into.sum, from.sum
		s.Mentions += f.Mentions
		for k, v := range f.Platforms {
			s.Platforms[k] += v
		}
		s.Sentiment.Neg += f.Sentiment.Neg
		s.Sentiment.Neu += f.Sentiment.Neu
		s.Sentiment.Pos += f.Sentiment.Pos
		s.Reach += f.Reach
		if f.FirstTime.Before(s.FirstTime) {
			s.FirstTime, s.First = f.FirstTime, f.First
		}
		if f.LastTime.After(s.LastTime) {
			s.LastTime = f.LastTime
		}
		into.heat.Add(t.now, from.heat.At0(t.now))
		into.samples = append(into.samples, from.samples...)
		sort.SliceStable(into.samples, func(i, j int) bool { return into.samples[i].Weight > into.samples[j].Weight })
		if len(into.samples) > t.cfg.MaxSamples {
			into.samples = into.samples[:t.cfg.MaxSamples]
		}
		for k := range from.schemes {
			into.schemes[k] = true
		}
		into.recent = append(into.recent, from.recent...)
		if len(into.recent) > recentKept {
			into.recent = slices.Delete(into.recent, 0, len(into.recent)-recentKept)
		}
		for e, c := range from.names {
			if _, ok := into.names[e]; ok || len(into.names) < maxNames {
				into.names[e] += c
			}
		}
		s.PeakVelocity = math.Max(s.PeakVelocity, f.PeakVelocity)
	}
	delete(t.stats, mg.From)
	t.topics.Drop(mg.From)
	if typ, al, ok := t.alerts.Merged(mg.From, mg.Into, t.now); ok {
		out.Alerts = append(out.Alerts, AlertOut{Type: typ, Alert: al})
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func textOf(title, text string) string {
	if title == "" {
		return text
	}
	if text == "" {
		return title
	}
	return title + "\n" + text
}
