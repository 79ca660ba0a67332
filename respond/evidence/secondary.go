package evidence

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/hanzi"
)

// Statement is an authoritative statement as Secondary needs it: an
// incident.Release's time and text.
type Statement struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// Kinds of SecondaryAlert.
const (
	SecondaryQuestioning = "questioning" // 质疑回应: posts doubting the statement
	SecondaryRebound     = "rebound"     // 声量反弹: volume above the pre-statement peak
	SecondarySecondPeak  = "second_peak" // 二次峰值: volume fell after the statement, then rose again
)

// SecondaryAlert is a sign of 次生舆情: opinion the statement itself caused.
type SecondaryAlert struct {
	Kind   string `json:"kind"`
	Reason string `json:"reason"` // in Chinese, with the figures behind it
	// Topic and NewTopic: the topic the questioning posts are in, when it is
	// not one of the incident's (a new topic); "" and false otherwise.
	Topic      string    `json:"topic,omitempty"`
	NewTopic   bool      `json:"new_topic,omitempty"`
	At         time.Time `json:"at"`          // the first questioning post, or the start of the hour
	Count      int       `json:"count"`       // questioning posts, or the hour's mentions
	MentionIDs []string  `json:"mention_ids"` // up to 20: earliest first, or for volume the hour's most negative first
}

// The rule of Secondary.
const (
	MinQuestioning   = 3              // questioning posts of one topic that make an alert
	ReboundFactor    = 1.2            // an hour above the pre-statement peak × this is a rebound
	ReboundWithin    = 6 * time.Hour  // … when it starts within this of the statement
	SecondPeakWithin = 24 * time.Hour // a second peak is looked for this long
	MinReboundVolume = 10             // mentions an hour needs for either volume alert
	troughShare      = 0.5            // a second peak follows an hour at most this share of the pre-statement peak
	secondPeakShare  = 0.8            // and reaches at least this share of it
	quoteRunes       = 6              // a run of the statement this long, found in no earlier post, is a quote of it
	maxSecondaryIDs  = 20
)

// Words that tie a post to a statement, that doubt one, and that doubt the
// handling by themselves.
var (
	refWords    = []string{"通报", "回应", "官方说法", "官方称", "官方说", "声明", "情况说明", "发布会", "公告", "官方"}
	doubtWords  = []string{"质疑", "不信", "谁信", "骗", "糊弄", "敷衍", "甩锅", "推卸", "洗白", "隐瞒", "掩盖", "撒谎", "说谎", "造假", "矛盾", "对不上", "不一致", "站不住脚", "打脸", "漏洞", "说不通", "官话", "套话", "轻描淡写", "冷冰冰", "只字不提", "没提", "没说清", "含糊", "模糊"}
	strongWords = []string{"避重就轻", "不透明", "删帖", "控评", "捂盖子", "封口", "瞒报", "禁言", "避而不谈", "答非所问"}
)

// Secondary looks for 次生舆情 after a statement, in the mentions passed in
// (those of the incident's topics and of candidate new topics, such as
// Effect's NewTopics) and in the incident's hourly volume (Evidence.Series).
// It is pure. The rule:
//
//   - 质疑回应 (SecondaryQuestioning): a post published after the statement
//     and by now, not by an official account, that questions it: it names
//     the response (通报, 回应, 官方称, 声明, 发布会 …) or quotes the
//     statement (six characters of it in a row that no earlier post passed
//     in has), and doubts it (质疑, 谁信, 敷衍, 隐瞒, 对不上, 避而不谈 …); or
//     it says 避重就轻, 不透明, 删帖, 控评, 捂盖子, 瞒报 … which doubt the
//     handling by themselves. MinQuestioning such posts in the incident's
//     topics make one alert; as many in a topic that is not the incident's
//     make one alert for that topic, marked NewTopic.
//   - 声量反弹 (SecondaryRebound): an hour starting after the statement's
//     own hour and within ReboundWithin of it whose mentions reach
//     ReboundFactor × the highest hour of the 24 hours up to and including
//     the statement's hour (the pre-statement peak), and MinReboundVolume.
//   - 二次峰值 (SecondarySecondPeak): within SecondPeakWithin, after an hour
//     at most half the pre-statement peak, a later hour at 80% of it or
//     more, twice the low or more, and MinReboundVolume; not the hour of a
//     rebound.
//
// The hour of now counts what it holds so far. Alerts come questioning
// first (most posts first), then volume in time order.
func Secondary(st Statement, incidentTopics []string, mentions []analytics.Mention, hours []Hour, now time.Time) []SecondaryAlert {
	out := []SecondaryAlert{}
	if st.At.IsZero() || st.At.After(now) {
		return out
	}
	ms := append([]analytics.Mention(nil), mentions...)
	sortByTime(ms)
	out = append(out, questioning(st, incidentTopics, ms, now)...)
	out = append(out, volume(st, ms, hours, now)...)
	return out
}

// questioning applies the first rule.
func questioning(st Statement, incident []string, ms []analytics.Mention, now time.Time) []SecondaryAlert {
	runs := statementRuns(st, ms)
	type group struct {
		topic   string
		ms      []analytics.Mention
		markers map[string]int
		best    int // index in ms of the most telling post
		score   int
	}
	groups := map[string]*group{}
	var order []string
	for _, m := range ms {
		if !m.PublishedAt.After(st.At) || m.PublishedAt.After(now) {
			continue
		}
		if _, _, off := official(m.AuthorName); off {
			continue
		}
		text := hanzi.Fold(plain(fullText(m)))
		strong, doubts := found(text, strongWords), found(text, doubtWords)
		quotes := quoted(compact(text), runs)
		refers := quotes || len(found(text, refWords)) > 0
		if len(strong) == 0 && !(refers && len(doubts) > 0) {
			continue
		}
		markers := strong
		if quotes {
			markers = append(markers, "引用回应原文")
		}
		if refers {
			markers = append(markers, doubts...)
		}
		key := ""
		if m.Topic != "" && !slices.Contains(incident, m.Topic) {
			key = m.Topic
		}
		g := groups[key]
		if g == nil {
			g = &group{topic: key, markers: map[string]int{}}
			groups[key] = g
			order = append(order, key)
		}
		for _, w := range markers {
			g.markers[w]++
		}
		score := len(markers)*10 - int(m.SentimentScore*5)
		if len(g.ms) == 0 || score > g.score {
			g.best, g.score = len(g.ms), score
		}
		g.ms = append(g.ms, m)
	}
	var out []SecondaryAlert
	for _, key := range order {
		g := groups[key]
		if len(g.ms) < MinQuestioning {
			continue
		}
		a := SecondaryAlert{Kind: SecondaryQuestioning, Topic: g.topic, NewTopic: g.topic != "", At: g.ms[0].PublishedAt, Count: len(g.ms), MentionIDs: []string{}}
		for _, m := range g.ms[:min(len(g.ms), maxSecondaryIDs)] {
			a.MentionIDs = append(a.MentionIDs, m.ID)
		}
		example := hanzi.Clip(plain(own(fullText(g.ms[g.best]))), 60)
		if g.topic != "" {
			a.Reason = fmt.Sprintf("回应发布后出现新话题（%s），%d 条信息质疑回应（%s），如：“%s”", g.topic, len(g.ms), tally(g.markers), example)
		} else {
			a.Reason = fmt.Sprintf("回应发布后，%d 条信息质疑回应（%s），如：“%s”", len(g.ms), tally(g.markers), example)
		}
		out = append(out, a)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// statementRuns are the statement's runs of quoteRunes letters and digits
// that no mention published before it has: what a post quoting it copies.
func statementRuns(st Statement, ms []analytics.Mention) map[string]bool {
	rs := compact(plain(st.Text))
	runs := map[string]bool{}
	for i := 0; i+quoteRunes <= len(rs); i++ {
		runs[string(rs[i:i+quoteRunes])] = true
	}
	for _, m := range ms {
		if len(runs) == 0 || !m.PublishedAt.Before(st.At) {
			break
		}
		c := compact(plain(fullText(m)))
		for i := 0; i+quoteRunes <= len(c); i++ {
			delete(runs, string(c[i:i+quoteRunes]))
		}
	}
	return runs
}

func quoted(text []rune, runs map[string]bool) bool {
	for i := 0; len(runs) > 0 && i+quoteRunes <= len(text); i++ {
		if runs[string(text[i:i+quoteRunes])] {
			return true
		}
	}
	return false
}

// found lists the words of list that text holds.
func found(text string, list []string) []string {
	var out []string
	for _, w := range list {
		if strings.Contains(text, w) {
			out = append(out, w)
		}
	}
	return out
}

// tally writes marker counts, most first: 删帖 3、避重就轻 2.
func tally(n map[string]int) string {
	ws := make([]string, 0, len(n))
	for w := range n {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool {
		if n[ws[i]] != n[ws[j]] {
			return n[ws[i]] > n[ws[j]]
		}
		return ws[i] < ws[j]
	})
	parts := make([]string, 0, len(ws))
	for _, w := range ws[:min(len(ws), 5)] {
		parts = append(parts, fmt.Sprintf("%s %d", w, n[w]))
	}
	return strings.Join(parts, "、")
}

// volume applies the second and third rules.
func volume(st Statement, ms []analytics.Mention, hours []Hour, now time.Time) []SecondaryAlert {
	stHour := st.At.Truncate(time.Hour)
	peak := int64(0)
	for _, h := range hours {
		if !h.Start.Before(stHour.Add(-24*time.Hour)) && !h.Start.After(stHour) {
			peak = max(peak, h.Mentions)
		}
	}
	var post []Hour
	for _, h := range hours {
		if h.Start.After(stHour) && !h.Start.After(now) && h.Start.Before(st.At.Add(SecondPeakWithin)) {
			post = append(post, h)
		}
	}
	sort.Slice(post, func(i, j int) bool { return post[i].Start.Before(post[j].Start) })

	var out []SecondaryAlert
	reboundAt := time.Time{}
	bar := max(float64(MinReboundVolume), ReboundFactor*float64(peak))
	for _, h := range post {
		if h.Start.Before(st.At.Add(ReboundWithin)) && float64(h.Mentions) >= bar {
			a := hourAlert(SecondaryRebound, h, ms, now)
			a.Reason = fmt.Sprintf("回应后声量反弹：%s 起一小时 %d 条，达到回应前峰值（每小时 %d 条）的 %.1f 倍以上%s",
				beijingTime(h.Start), h.Mentions, peak, ReboundFactor, unfinished(h, now))
			out = append(out, a)
			reboundAt = h.Start
			break
		}
	}
	low := int64(-1)
	for _, h := range post {
		if low >= 0 && float64(low) <= troughShare*float64(peak) && !h.Start.Equal(reboundAt) &&
			float64(h.Mentions) >= max(secondPeakShare*float64(peak), float64(MinReboundVolume), 2*float64(low)) {
			a := hourAlert(SecondarySecondPeak, h, ms, now)
			a.Reason = fmt.Sprintf("回应后出现二次峰值：声量一度降至每小时 %d 条，%s 起一小时又升至 %d 条（回应前峰值每小时 %d 条）%s",
				low, beijingTime(h.Start), h.Mentions, peak, unfinished(h, now))
			out = append(out, a)
			break
		}
		if low < 0 || h.Mentions < low {
			low = h.Mentions
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// hourAlert is a volume alert for hour h, naming the hour's posts among ms,
// most negative first.
func hourAlert(kind string, h Hour, ms []analytics.Mention, now time.Time) SecondaryAlert {
	a := SecondaryAlert{Kind: kind, At: h.Start, Count: int(h.Mentions), MentionIDs: []string{}}
	var in []analytics.Mention
	for _, m := range ms {
		if !m.PublishedAt.Before(h.Start) && m.PublishedAt.Before(h.Start.Add(time.Hour)) && !m.PublishedAt.After(now) {
			in = append(in, m)
		}
	}
	sort.SliceStable(in, func(i, j int) bool { return in[i].SentimentScore < in[j].SentimentScore })
	for _, m := range in[:min(len(in), maxSecondaryIDs)] {
		a.MentionIDs = append(a.MentionIDs, m.ID)
	}
	return a
}

func unfinished(h Hour, now time.Time) string {
	if h.Start.Add(time.Hour).After(now) {
		return "（该小时未过完）"
	}
	return ""
}
