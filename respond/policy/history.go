package policy

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"yuqing/analyze/grade"
	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/hanzi"
)

// History is what the store holds of similar past topics.
type History struct {
	Searched bool        `json:"searched"`       // false: no store was given
	Note     string      `json:"note,omitempty"` // why not, or what was searched
	Topics   []PastTopic `json:"topics"`
}

// PastTopic is a past topic similar to the draft.
type PastTopic struct {
	ID         string    `json:"id"`
	Label      []string  `json:"label"`
	Similarity float64   `json:"similarity"` // 0..1
	Matched    []string  `json:"matched"`    // its label words and keywords the draft shares
	Mentions   int64     `json:"mentions"`
	FirstTime  time.Time `json:"first_time"`
	LastTime   time.Time `json:"last_time"`
	PeakHourly int64     `json:"peak_hourly"` // most mentions in one hour
	PeakAt     time.Time `json:"peak_at,omitzero"`
	NegShare   float64   `json:"neg_share"` // 0..1
	Grade      int       `json:"grade"`     // 1 (I, most severe) .. 4 (IV), 0 none
	GradeName  string    `json:"grade_name,omitempty"`
	Answer     string    `json:"answer,omitempty"` // how it was answered (Deps.Answers)

	mentions []analytics.Mention // read for its questions
}

// Limits of the history search.
const (
	MinSimilarity   = 0.2 // a past topic at least this similar is listed
	maxTopicsSeen   = 500 // topics of the lookback period compared
	scanMentions    = 100 // mentions read per topic for its keywords
	topicKeywords   = 20  // a topic's keywords compared, most frequent first
	nameWeight      = 0.5 // a shared place name counts half
	labelShare      = 0.6 // of the similarity; the rest is the keywords'
	defaultLookback = 3 * 365 * 24 * time.Hour
)

// similar finds the past topics most like the draft: those whose label
// words and mention keywords occur in the draft, weighted by how well each
// word tells stories apart (segment.Salience). A place name shared with
// the draft counts half, and a topic sharing nothing but place names is
// not similar: another story in the same district is not a precedent.
func similar(ctx context.Context, store analytics.Store, seg *segment.Segmenter, p profile, from, to time.Time, topN int) ([]PastTopic, error) {
	ts, err := store.Topics(ctx, analytics.TopicQuery{From: from, To: to, Limit: maxTopicsSeen})
	if err != nil {
		return nil, fmt.Errorf("读取历史话题失败（reading past topics）: %w", err)
	}
	var out []PastTopic
	for _, t := range ts {
		mf, mt := mentionRange(t, from, to)
		ms, err := store.Mentions(ctx, analytics.MentionQuery{Topic: t.ID, From: mf, To: mt, Limit: scanMentions})
		if err != nil {
			return nil, fmt.Errorf("读取话题 %s 的信息失败: %w", t.ID, err)
		}
		sim, matched := similarity(seg, p, t.Label, topKeywords(ms))
		if sim < MinSimilarity {
			continue
		}
		out = append(out, PastTopic{ID: t.ID, Label: t.Label, Similarity: sim, Matched: matched, Mentions: t.Mentions,
			FirstTime: t.FirstTime, LastTime: t.LastTime, Grade: t.Grade, mentions: ms})
		if t.Grade >= 1 && t.Grade <= 4 {
			out[len(out)-1].GradeName = grade.Grade(t.Grade).String()
		}
		out[len(out)-1].NegShare = share(t.Neg, t.Neg+t.Neu+t.Pos)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Similarity != out[j].Similarity {
			return out[i].Similarity > out[j].Similarity
		}
		if out[i].Mentions != out[j].Mentions {
			return out[i].Mentions > out[j].Mentions
		}
		return out[i].ID < out[j].ID
	})
	out = out[:min(len(out), topN)]
	for i := range out {
		if err := fill(ctx, store, &out[i], ts, from, to); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fill adds a listed topic's hourly peak and, when its summary has no
// sentiment counts, its negative share from the breakdown; it rereads
// its mentions in full for their questions when the scan was cut short.
func fill(ctx context.Context, store analytics.Store, pt *PastTopic, ts []analytics.Topic, from, to time.Time) error {
	var t analytics.Topic
	for _, x := range ts {
		if x.ID == pt.ID {
			t = x
		}
	}
	mf, mt := mentionRange(t, from, to)
	cells, err := store.Breakdown(ctx, analytics.MentionQuery{Topic: t.ID, From: mf, To: mt})
	if err != nil {
		return fmt.Errorf("统计话题 %s 失败: %w", t.ID, err)
	}
	hours := map[time.Time]int64{}
	var neg, scored int64
	for _, c := range cells {
		hours[c.Start] += c.Count
		if c.Sentiment != "" {
			scored += c.Count
		}
		if c.Sentiment == "neg" {
			neg += c.Count
		}
	}
	for h, n := range hours {
		if n > pt.PeakHourly || n == pt.PeakHourly && h.Before(pt.PeakAt) {
			pt.PeakHourly, pt.PeakAt = n, h
		}
	}
	if t.Neg+t.Neu+t.Pos == 0 {
		pt.NegShare = share(neg, scored)
	}
	if len(pt.mentions) == scanMentions {
		ms, err := store.Mentions(ctx, analytics.MentionQuery{Topic: t.ID, From: mf, To: mt, Limit: analytics.MaxMentions})
		if err != nil {
			return fmt.Errorf("读取话题 %s 的信息失败: %w", t.ID, err)
		}
		pt.mentions = ms
	}
	return nil
}

// mentionRange is the span a topic's mentions were published in, or the
// search period when the topic does not say.
func mentionRange(t analytics.Topic, from, to time.Time) (time.Time, time.Time) {
	if t.FirstTime.IsZero() || t.LastTime.Before(t.FirstTime) {
		return from, to
	}
	return t.FirstTime, t.LastTime.Add(time.Hour)
}

// topKeywords are the keywords most of a topic's mentions carry.
func topKeywords(ms []analytics.Mention) map[string]int {
	df := map[string]int{}
	for _, m := range ms {
		seen := map[string]bool{}
		for _, k := range m.Keywords {
			if k = hanzi.Fold(k); !seen[k] && utf8.RuneCountInString(k) >= 2 {
				seen[k] = true
				df[k]++
			}
		}
	}
	type kc struct {
		k string
		n int
	}
	var all []kc
	for k, n := range df {
		all = append(all, kc{k, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n || all[i].n == all[j].n && all[i].k < all[j].k })
	out := map[string]int{}
	for _, x := range all[:min(len(all), topicKeywords)] {
		out[x.k] = x.n
	}
	return out
}

// similarity is 0.6 × the weighted share of the label's words found in
// the draft plus 0.4 × that of its keywords (weighted by salience and by
// how many mentions carry them); either alone when the other is not
// known. Zero when only place names are shared.
func similarity(seg *segment.Segmenter, p profile, label []string, kws map[string]int) (float64, []string) {
	var matched []string
	substantive := false
	cover := func(words map[string]int) float64 {
		var got, all float64
		keys := make([]string, 0, len(words))
		for w := range words {
			keys = append(keys, w)
		}
		sort.Strings(keys) // the same sums every run
		for _, w := range keys {
			wt := seg.Salience(w) * float64(words[w])
			all += wt
			if !strings.Contains(p.folded, w) {
				continue
			}
			if p.isName(w) {
				wt *= nameWeight
			} else if wt > 0 {
				substantive = true
			}
			got += wt
			matched = appendNew(matched, w)
		}
		if all == 0 {
			return 0
		}
		return got / all
	}
	lw := map[string]int{}
	for _, l := range label {
		if l = hanzi.Fold(strings.TrimSpace(l)); utf8.RuneCountInString(l) >= 2 {
			lw[l] = 1
		}
	}
	var sim float64
	switch {
	case len(lw) == 0:
		sim = cover(kws)
	case len(kws) == 0:
		sim = cover(lw)
	default:
		sim = labelShare*cover(lw) + (1-labelShare)*cover(kws)
	}
	if !substantive {
		return 0, nil
	}
	sort.Strings(matched)
	return math.Round(sim*100) / 100, matched
}

func share(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(of)*100) / 100
}
