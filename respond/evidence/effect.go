package evidence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"yuqing/internal/analytics"
)

// effectWindows are the spans Effect compares before and after a
// statement, shortest first.
var effectWindows = []time.Duration{6 * time.Hour, 24 * time.Hour}

// What the verdicts call a change.
const (
	volumeDown    = 0.8  // after/before mentions per hour at most this: 声量下降
	volumeUp      = 1.2  // at least this: 声量反弹
	negShareDelta = 0.05 // negative share moved at least this much
	minScored     = 5    // scored mentions a side needs for a negative share
	minAfter      = 30 * time.Minute
)

// EffectReport is what a statement did to the incident's opinion.
type EffectReport struct {
	PublishedAt time.Time `json:"published_at"`
	Now         time.Time `json:"now"`
	Windows     []Window  `json:"windows"` // 6 hours, then 24
	// Verdict is the 24-hour window's verdict once that window is complete,
	// else the 6-hour one's, prefixed with the window.
	Verdict   string     `json:"verdict"`
	NewTopics []NewTopic `json:"new_topics"`
	Matching  string     `json:"matching"` // how NewTopics were matched, in Chinese
}

// Window compares the Hours before the statement with the Hours after it.
type Window struct {
	Hours  int  `json:"hours"`
	Before Side `json:"before"`
	After  Side `json:"after"`
	// Partial is set when fewer than Hours have passed since the statement:
	// After ends at now, and the sides are compared per hour.
	Partial  bool   `json:"partial"`
	Volume   string `json:"volume"`   // 下降, 持平, 反弹, or "" when it cannot be said
	Negative string `json:"negative"` // 下降, 持平, 上升, or "" when it cannot be said
	Verdict  string `json:"verdict"`  // in Chinese, e.g. 回应后声量下降（每小时 12.0 → 4.5 条），负面占比下降（62% → 40%）
}

// Side is one side of a window, [From, To).
type Side struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Mentions int64     `json:"mentions"` // every stored mention of the topics, to the minute (rollup)
	// PerHour is Mentions per hour of the side. Before the statement, the
	// hours count from the first mention in the window (at least one), so
	// a story that began three hours before the statement is not spread
	// over 24.
	PerHour  float64 `json:"per_hour"`
	Scored   int     `json:"scored"`    // mentions read that have a sentiment label
	Neg      int     `json:"neg"`       // of which negative
	NegShare float64 `json:"neg_share"` // Neg / Scored, 0 when nothing was scored
	// Sampled is set when that side of the statement, over the longest
	// window, had more mentions than Effect reads (MaxListed): Scored and
	// Neg then count the newest ones (before the statement, those nearest
	// to it).
	Sampled bool `json:"sampled"`
}

// NewTopic is a topic that began after the statement and seems to be about
// the incident: a candidate 次生舆情.
type NewTopic struct {
	ID        string    `json:"id"`
	Label     []string  `json:"label"`
	FirstTime time.Time `json:"first_time"`
	Mentions  int64     `json:"mentions"`
	MatchedBy []string  `json:"matched_by"` // the words it shares with the incident
}

// newTopicMatching describes how Effect matches new topics.
const newTopicMatching = "回应发布后首次出现、不属于本事件的话题中，话题关键词与本事件话题关键词或本事件信息的高频关键词（出现在两条以上信息中）" +
	"有两个以上相同，或有一个三字以上的相同词（多为地名、单位名）；“通报”“回应”等通用词不计。只比关键词，未做实体识别"

// genericWords are shared by every story with a statement: they do not tie
// a topic to an incident.
var genericWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`通报 回应 官方 声明 情况 说明 发布 网友 记者 视频 事件 事故 相关 部门 工作 目前 表示 进行 问题 真相 调查 处理 消息
		今天 昨天 现在 已经 没有 什么 怎么 为什么 知道 大家 我们 他们 政府 微博`) {
		m[w] = true
	}
	return m
}()

// Effect measures a statement published at publishedAt on the incident's
// topics: for each window, the mentions before and after it, per hour (the
// after side cut at now and marked partial), the negative share of the
// scored mentions on each side, and a verdict; and the topics first seen
// after it that share keywords with the incident (see Matching). An error
// is an invalid input or a failed store read.
func Effect(ctx context.Context, store analytics.Store, topics []string, publishedAt, now time.Time) (EffectReport, error) {
	topics = dedupe(topics)
	switch {
	case len(topics) == 0:
		return EffectReport{}, errors.New("evidence: an incident needs at least one topic")
	case publishedAt.IsZero() || now.IsZero() || publishedAt.After(now):
		return EffectReport{}, fmt.Errorf("evidence: statement time %s is not before now %s", publishedAt.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	pub, now := publishedAt.UTC(), now.UTC()
	longest := slices.Max(effectWindows)
	r := EffectReport{PublishedAt: pub, Now: now, NewTopics: []NewTopic{}, Matching: newTopicMatching}

	start := pub.Add(-longest).Truncate(time.Minute)
	roll, err := store.Rollup(ctx, analytics.ByTopic, topics, analytics.Query{From: start, To: now.Add(time.Minute), Step: analytics.Minute})
	if err != nil {
		return EffectReport{}, fmt.Errorf("reading the volume around the statement: %w", err)
	}
	before, bSampled, err := Read(ctx, store, topics, pub.Add(-longest), pub)
	if err != nil {
		return EffectReport{}, err
	}
	after, aSampled, err := Read(ctx, store, topics, pub, minTime(pub.Add(longest), now))
	if err != nil {
		return EffectReport{}, err
	}

	for _, w := range effectWindows {
		win := Window{Hours: int(w / time.Hour)}
		end := pub.Add(w)
		if end.After(now) {
			end, win.Partial = now, true
		}
		win.Before = side(pub.Add(-w), pub, pub, roll, before, bSampled)
		win.After = side(pub, end, pub, roll, after, aSampled)
		win.Volume, win.Negative, win.Verdict = verdict(win)
		r.Windows = append(r.Windows, win)
	}
	pick := r.Windows[0]
	for _, w := range r.Windows {
		if !w.Partial {
			pick = w
		}
	}
	r.Verdict = fmt.Sprintf("%d小时：%s", pick.Hours, pick.Verdict)

	if pub.Before(now) {
		if r.NewTopics, err = newTopics(ctx, store, topics, append(before, after...), pub, now); err != nil {
			return EffectReport{}, err
		}
	}
	return r, nil
}

// side counts [from, to): volume from minute buckets, each in the side its
// start is in but the statement's own minute, which is after it; sentiment
// from the mentions read.
func side(from, to, pub time.Time, roll []analytics.KeyBucket, ms []analytics.Mention, sampled bool) Side {
	s := Side{From: from, To: to, Sampled: sampled}
	first := to
	for _, b := range roll {
		t := b.Start
		if t.Equal(pub.Truncate(time.Minute)) {
			t = pub
		}
		if !t.Before(from) && t.Before(to) && b.Count > 0 {
			s.Mentions += b.Count
			first = minTime(first, t)
		}
	}
	span := to.Sub(from)
	if to.Equal(pub) {
		span = max(time.Hour, to.Sub(first))
	}
	if span > 0 {
		s.PerHour = float64(s.Mentions) / span.Hours()
	}
	for _, m := range ms {
		if m.PublishedAt.Before(from) || !m.PublishedAt.Before(to) {
			continue
		}
		switch m.Sentiment {
		case "neg":
			s.Neg++
			s.Scored++
		case "neu", "pos":
			s.Scored++
		}
	}
	if s.Scored > 0 {
		s.NegShare = float64(s.Neg) / float64(s.Scored)
	}
	return s
}

// verdict compares the sides of a window per hour.
func verdict(w Window) (volume, negative, text string) {
	b, a := w.Before, w.After
	if a.To.Sub(a.From) < minAfter {
		return "", "", "回应发布不足半小时，暂无可比数据"
	}
	var parts []string
	switch {
	case b.Mentions == 0 && a.Mentions == 0:
		parts = append(parts, "回应前后均无信息")
	case b.Mentions == 0:
		volume = "反弹"
	case a.PerHour/b.PerHour <= volumeDown:
		volume = "下降"
	case a.PerHour/b.PerHour >= volumeUp:
		volume = "反弹"
	default:
		volume = "持平"
	}
	if volume != "" {
		parts = append(parts, fmt.Sprintf("回应后声量%s（每小时 %.1f → %.1f 条）", volume, b.PerHour, a.PerHour))
	}
	switch d := a.NegShare - b.NegShare; {
	case b.Scored < minScored || a.Scored < minScored:
		if volume != "" {
			parts = append(parts, "负面占比样本不足")
		}
	case d <= -negShareDelta:
		negative = "下降"
	case d >= negShareDelta:
		negative = "上升"
	default:
		negative = "持平"
	}
	if negative != "" {
		parts = append(parts, fmt.Sprintf("负面占比%s（%.0f%% → %.0f%%）", negative, b.NegShare*100, a.NegShare*100))
	}
	text = strings.Join(parts, "，")
	if w.Partial {
		text += fmt.Sprintf("；%d小时窗口未满，回应后已过 %.1f 小时，按每小时比较", w.Hours, a.To.Sub(a.From).Hours())
	}
	return volume, negative, text
}

// newTopics finds the topics first seen in [pub, now) that are not the
// incident's and share keywords with it; ms are the incident's mentions read.
func newTopics(ctx context.Context, store analytics.Store, incident []string, ms []analytics.Mention, pub, now time.Time) ([]NewTopic, error) {
	all, err := store.Topics(ctx, analytics.TopicQuery{From: pub.Add(-slices.Max(effectWindows)), To: now, Limit: 1000, Drill: true})
	if err != nil {
		return nil, fmt.Errorf("reading the topics around the statement: %w", err)
	}
	vocab := map[string]bool{}
	drills := map[bool]int{}
	for _, t := range all {
		if slices.Contains(incident, t.ID) {
			drills[t.Drill]++
			for _, w := range t.Label {
				vocab[w] = true
			}
		}
	}
	kw := map[string]int{}
	for _, m := range ms {
		for _, w := range m.Keywords {
			kw[w]++
		}
	}
	for w, n := range kw {
		if n >= 2 {
			vocab[w] = true
		}
	}
	out := []NewTopic{}
	for _, t := range all {
		if slices.Contains(incident, t.ID) || t.FirstTime.Before(pub) || !t.FirstTime.Before(now) {
			continue
		}
		if len(drills) == 1 && drills[t.Drill] == 0 {
			continue // a drill incident matches drill topics only, a real one real ones
		}
		var shared []string
		long := false
		for _, w := range t.Label {
			if vocab[w] && !genericWords[w] && !slices.Contains(shared, w) {
				shared = append(shared, w)
				long = long || utf8.RuneCountInString(w) >= 3
			}
		}
		if len(shared) >= 2 || long {
			out = append(out, NewTopic{ID: t.ID, Label: t.Label, FirstTime: t.FirstTime, Mentions: t.Mentions, MatchedBy: shared})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Mentions != out[j].Mentions {
			return out[i].Mentions > out[j].Mentions
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
