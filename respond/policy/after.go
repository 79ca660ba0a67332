package policy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"yuqing/analyze/grade"
	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/hanzi"
	"yuqing/respond/evidence"
)

// After is what happened once the policy was published (发布后): the
// mentions its release scheme matched in the window so far, their volume
// and sentiment by day, the topics they formed, and the questions the
// public actually asked against those the assessment predicted.
//
// The volume is every mention the scheme matched (the store's rollup by
// scheme). The store keeps no sentiment per scheme, and lists mentions by
// topic only: sentiment, topics and questions are read from the topics
// whose schemes include the release scheme, keeping their mentions that
// matched it. Read says how many that is; a mention that joined no topic
// is counted in the volume but not in the sentiment.
type After struct {
	SchemeID  string       `json:"scheme_id"`
	From      time.Time    `json:"from"`
	To        time.Time    `json:"to"`   // now, or the end of the window
	Open      bool         `json:"open"` // the window is still running
	Mentions  int64        `json:"mentions"`
	Read      int          `json:"read"` // mentions read back through their topics
	Neg       int64        `json:"neg"`
	Neu       int64        `json:"neu"`
	Pos       int64        `json:"pos"`
	NegShare  float64      `json:"neg_share"` // of the mentions read with a sentiment
	Days      []DayCount   `json:"days"`
	Peak      DayCount     `json:"peak"`
	Topics    []AfterTopic `json:"topics"`
	Questions Compared     `json:"questions"`
	Notes     []string     `json:"notes"`
}

// DayCount is one Beijing day of the window.
type DayCount struct {
	Day      string    `json:"day"` // 2006-01-02
	Start    time.Time `json:"start"`
	Mentions int64     `json:"mentions"` // every mention the scheme matched
	Neg      int64     `json:"neg"`      // of those read
	Neu      int64     `json:"neu"`
	Pos      int64     `json:"pos"`
}

// AfterTopic is a topic the release scheme's mentions formed.
type AfterTopic struct {
	ID        string   `json:"id"`
	Label     []string `json:"label"`
	Matched   int      `json:"matched"`  // its mentions that matched the scheme, read
	Mentions  int64    `json:"mentions"` // all its mentions
	NegShare  float64  `json:"neg_share"`
	Grade     int      `json:"grade"`
	GradeName string   `json:"grade_name,omitempty"`
}

// AskedQuestion is a question the public asked, as evidence.Questions
// clusters them.
type AskedQuestion struct {
	Question   string    `json:"question"`
	Count      int       `json:"count"`
	MentionIDs []string  `json:"mention_ids"`
	FirstSeen  time.Time `json:"first_seen"`
}

// QuestionPair is a predicted question the public did ask.
type QuestionPair struct {
	Predicted string          `json:"predicted"`
	Source    string          `json:"source"`
	Asked     []AskedQuestion `json:"asked"` // the asked questions it matched, most asked first
	Count     int             `json:"count"` // mentions asking them
	Shared    []string        `json:"shared"`
}

// Compared sets the questions asked against those predicted: a pair
// shares salient words (segment.Salience; the draft's place names do not
// count, the subject's terms count half, a word inside another counts).
type Compared struct {
	Compared    bool            `json:"compared"`    // false: no segmenter to compare with
	Matched     []QuestionPair  `json:"matched"`     // predicted and asked
	Unpredicted []AskedQuestion `json:"unpredicted"` // asked but not predicted
	Unasked     []Question      `json:"unasked"`     // predicted but not asked
}

// Limits of Outcome.
const (
	afterTopics     = 5   // topics listed
	afterTopicsSeen = 500 // topics of the window looked at
	pairScore       = 0.6 // shared salience that makes a pair
	pairWord        = 0.3 // a word weighing less is not compared
	topicWordWeight = 0.5 // a scheme 话题 term shared counts half
	askedListed     = 20  // asked-but-not-predicted questions listed
	precedentsKept  = 3   // precedents of a new assessment
	precedentAsked  = 3   // asked questions a precedent passes on
)

// FromPolicy is the Question.Source of a question the public asked after
// the release of a similar past policy (Precedents).
const FromPolicy = "往期政策"

// Outcome reads what happened after the release of s from store, up to now.
// seg, when not nil, compares the questions asked with those predicted.
func Outcome(ctx context.Context, store analytics.Store, seg *segment.Segmenter, s State, now time.Time) (After, error) {
	if !s.Released() {
		return After{}, fmt.Errorf("policy %s is not released", s.ID)
	}
	to := s.ActiveTo
	if now.Before(to) {
		to = now
	}
	a := After{SchemeID: s.SchemeID, From: s.ActiveFrom, To: to, Open: now.Before(s.ActiveTo),
		Days: []DayCount{}, Topics: []AfterTopic{}, Notes: []string{}}
	a.Questions = Compared{Matched: []QuestionPair{}, Unpredicted: []AskedQuestion{}, Unasked: []Question{}}
	if !a.From.Before(a.To) {
		a.Notes = append(a.Notes, "监测时段尚未开始，暂无数据")
		a.Questions.Unasked = append(a.Questions.Unasked, s.Assessment.Questions...)
		return a, nil
	}
	if store == nil {
		a.Notes = append(a.Notes, "未接入分析库，无法统计发布后情况")
		return a, nil
	}
	// Volume: hourly, summed into Beijing days.
	days := map[string]*DayCount{}
	for d := a.From; d.Before(a.To); d = d.AddDate(0, 0, 1) {
		a.Days = append(a.Days, DayCount{Day: d.In(cst).Format("2006-01-02"), Start: d})
	}
	for i := range a.Days {
		days[a.Days[i].Day] = &a.Days[i]
	}
	roll, err := store.Rollup(ctx, analytics.ByScheme, []string{s.SchemeID}, analytics.Query{From: a.From, To: a.To, Step: analytics.Hour})
	if err != nil {
		return After{}, fmt.Errorf("统计监测方案 %s 的信息量失败: %w", s.SchemeID, err)
	}
	for _, b := range roll {
		a.Mentions += b.Count
		if d := days[b.Start.In(cst).Format("2006-01-02")]; d != nil {
			d.Mentions += b.Count
		}
	}
	// Sentiment, topics and questions: the scheme's mentions of its topics.
	ts, err := store.Topics(ctx, analytics.TopicQuery{From: a.From, To: a.To, Limit: afterTopicsSeen})
	if err != nil {
		return After{}, fmt.Errorf("读取发布后话题失败: %w", err)
	}
	byID := map[string]analytics.Topic{}
	var ids []string
	for _, t := range ts {
		if slices.Contains(t.Schemes, s.SchemeID) {
			byID[t.ID] = t
			ids = append(ids, t.ID)
		}
	}
	ms, sampled, err := evidence.Read(ctx, store, ids, a.From, a.To)
	if err != nil {
		return After{}, fmt.Errorf("读取发布后信息失败: %w", err)
	}
	ms = slices.DeleteFunc(ms, func(m analytics.Mention) bool { return !slices.Contains(m.Schemes, s.SchemeID) })
	a.Read = len(ms)
	per := map[string]*AfterTopic{}
	negOf := map[string]int64{}
	scoredOf := map[string]int64{}
	for _, m := range ms {
		d := days[m.PublishedAt.In(cst).Format("2006-01-02")]
		switch m.Sentiment {
		case "neg":
			a.Neg++
			negOf[m.Topic]++
		case "neu":
			a.Neu++
		case "pos":
			a.Pos++
		}
		if m.Sentiment != "" {
			scoredOf[m.Topic]++
		}
		if d != nil {
			switch m.Sentiment {
			case "neg":
				d.Neg++
			case "neu":
				d.Neu++
			case "pos":
				d.Pos++
			}
		}
		t := per[m.Topic]
		if t == nil {
			src := byID[m.Topic]
			t = &AfterTopic{ID: m.Topic, Label: src.Label, Mentions: src.Mentions, Grade: src.Grade}
			if src.Grade >= 1 && src.Grade <= 4 {
				t.GradeName = grade.Grade(src.Grade).String()
			}
			per[m.Topic] = t
		}
		t.Matched++
	}
	a.NegShare = share(a.Neg, a.Neg+a.Neu+a.Pos)
	for _, t := range per {
		t.NegShare = share(negOf[t.ID], scoredOf[t.ID])
		a.Topics = append(a.Topics, *t)
	}
	slices.SortFunc(a.Topics, func(x, y AfterTopic) int {
		if c := cmp.Compare(y.Matched, x.Matched); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	a.Topics = a.Topics[:min(len(a.Topics), afterTopics)]
	for _, d := range a.Days {
		if d.Mentions > a.Peak.Mentions {
			a.Peak = d
		}
	}
	if a.Mentions == 0 {
		a.Notes = append(a.Notes, "监测时段内暂无命中监测方案的信息")
	} else if int64(a.Read) < a.Mentions {
		a.Notes = append(a.Notes, fmt.Sprintf("命中监测方案的信息共 %d 条，其中 %d 条已归入话题：情感、话题和提问据这 %d 条统计", a.Mentions, a.Read, a.Read))
	}
	if sampled {
		a.Notes = append(a.Notes, "信息量大：各话题只读取了最新的一部分信息")
	}
	a.Questions = compare(seg, s.Assessment, evidence.Questions(ms))
	if !a.Questions.Compared && len(a.Questions.Unpredicted) > 0 {
		a.Notes = append(a.Notes, "分词器仍在加载，未比对实际提问与预测提问")
	}
	return a, nil
}

// compare pairs each asked question with the predicted one it shares the
// most salient words with, when that is enough.
func compare(seg *segment.Segmenter, as Assessment, asked []evidence.QuestionCluster) Compared {
	c := Compared{Matched: []QuestionPair{}, Unpredicted: []AskedQuestion{}, Unasked: []Question{}}
	toAsked := func(q evidence.QuestionCluster) AskedQuestion {
		return AskedQuestion{Question: q.Question, Count: q.Count, MentionIDs: q.MentionIDs, FirstSeen: q.FirstSeen}
	}
	if seg == nil {
		for _, q := range asked {
			c.Unpredicted = append(c.Unpredicted, toAsked(q))
		}
		c.Unpredicted = c.Unpredicted[:min(len(c.Unpredicted), askedListed)]
		c.Unasked = append(c.Unasked, as.Questions...)
		return c
	}
	c.Compared = true
	var places []string
	half := map[string]bool{}
	for _, w := range as.Scheme.Groups[groupPlace] {
		places = append(places, hanzi.Fold(w))
	}
	for _, w := range as.Scheme.Groups[groupTopic] {
		half[hanzi.Fold(w)] = true
	}
	place := func(w string) bool { // 江滨 of 江滨区 too
		return slices.ContainsFunc(places, func(p string) bool { return strings.Contains(p, w) })
	}
	words := func(q string) map[string]float64 {
		out := map[string]float64{}
		for _, w := range seg.Tokens(q) {
			if utf8.RuneCountInString(w) < 2 || place(w) || slices.Contains(askWords, w) {
				continue
			}
			if sal := seg.Salience(w); sal >= pairWord {
				if half[w] {
					sal *= topicWordWeight
				}
				out[w] = sal
			}
		}
		return out
	}
	predicted := make([]map[string]float64, len(as.Questions))
	for i, q := range as.Questions {
		predicted[i] = words(q.Question)
	}
	pairs := map[int]*QuestionPair{}
	for _, q := range asked {
		aw := words(q.Question)
		best, bestScore, bestShared := -1, 0.0, []string(nil)
		for i, pw := range predicted {
			score, shared := overlap(aw, pw)
			if score > bestScore {
				best, bestScore, bestShared = i, score, shared
			}
		}
		if best < 0 || bestScore < pairScore {
			c.Unpredicted = append(c.Unpredicted, toAsked(q))
			continue
		}
		p := pairs[best]
		if p == nil {
			p = &QuestionPair{Predicted: as.Questions[best].Question, Source: as.Questions[best].Source}
			pairs[best] = p
		}
		p.Asked = append(p.Asked, toAsked(q))
		p.Count += q.Count
		for _, w := range bestShared {
			if !slices.Contains(p.Shared, w) {
				p.Shared = append(p.Shared, w)
			}
		}
	}
	for i, q := range as.Questions {
		if p := pairs[i]; p != nil {
			sort.Strings(p.Shared)
			c.Matched = append(c.Matched, *p)
		} else {
			c.Unasked = append(c.Unasked, q)
		}
	}
	slices.SortStableFunc(c.Matched, func(x, y QuestionPair) int { return cmp.Compare(y.Count, x.Count) })
	c.Unpredicted = c.Unpredicted[:min(len(c.Unpredicted), askedListed)]
	return c
}

// askWords make a sentence a question and say nothing of its subject.
var askWords = []string{"为什么", "为啥", "为何", "凭什么", "怎么办", "怎么样", "怎么", "怎样", "如何", "何时", "什么时候", "啥时候",
	"是否", "有没有", "能不能", "能否", "会不会", "是不是", "要不要", "多少", "哪里", "哪些", "哪个", "请问", "到底", "究竟", "什么"}

// overlap is the weight of the words a and b share, a word counting as
// shared when it is inside a word of the other (停车 in 停车费) at the
// weight of the shorter.
func overlap(a, b map[string]float64) (float64, []string) {
	score, used := 0.0, map[string]bool{}
	var shared []string
	for wa, sa := range a {
		for wb, sb := range b {
			var w string
			var s float64
			switch {
			case wa == wb:
				w, s = wa, min(sa, sb)
			case strings.Contains(wa, wb):
				w, s = wb, sb
			case strings.Contains(wb, wa):
				w, s = wa, sa
			default:
				continue
			}
			if !used[w] {
				used[w] = true
				score += s
				shared = append(shared, w)
			}
		}
	}
	sort.Strings(shared)
	return score, shared
}

// Precedent is a past released policy like a new draft, with what
// happened after its release: it feeds the new assessment (its questions
// actually asked join the likely questions; a note joins the evidence,
// without points).
type Precedent struct {
	ID         string          `json:"id"`
	Title      string          `json:"title"`
	Unit       string          `json:"unit,omitempty"`
	Level      Level           `json:"level"`
	ReleasedAt time.Time       `json:"released_at"`
	Why        string          `json:"why"` // 监测方案命中本草案, 同涉…领域
	Open       bool            `json:"open"`
	Days       int             `json:"days"` // of the window observed
	Mentions   int64           `json:"mentions"`
	PeakDay    string          `json:"peak_day,omitempty"`
	PeakCount  int64           `json:"peak_count"`
	NegShare   float64         `json:"neg_share"`
	Asked      []AskedQuestion `json:"asked"`
}

// Precedents finds the released assessments among past like the draft d
// (assessed as a): those whose monitoring scheme matches the draft's
// title and text, then those touching the same subjects, the latest
// first; with what happened after each release (from deps.Store, up to
// now). It adds their asked questions to a's likely questions and a note
// to its evidence.
func Precedents(ctx context.Context, past []State, d Draft, a *Assessment, deps Deps, now time.Time) ([]Precedent, error) {
	type cand struct {
		s      State
		hit    bool
		shared []string
	}
	var cs []cand
	text := d.Title + "\n" + d.Text
	for _, s := range past {
		if !s.Released() || s.ID == IDOf(*a) {
			continue
		}
		c := cand{s: s}
		sc := s.Assessment.Scheme
		sc.ActiveFrom, sc.ActiveTo = time.Time{}, time.Time{}
		if m, err := scheme.Compile([]scheme.Scheme{sc}); err == nil && len(m.Match(scheme.Input{Text: text})) > 0 {
			c.hit = true
		}
		for _, h := range s.Assessment.Subjects {
			if slices.ContainsFunc(a.Subjects, func(x SubjectHit) bool { return x.ID == h.ID }) {
				c.shared = append(c.shared, h.Name)
			}
		}
		if c.hit || len(c.shared) > 0 {
			cs = append(cs, c)
		}
	}
	slices.SortStableFunc(cs, func(x, y cand) int {
		if x.hit != y.hit {
			if x.hit {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(len(y.shared), len(x.shared)); c != 0 {
			return c
		}
		return y.s.ReleasedAt.Compare(x.s.ReleasedAt)
	})
	out := []Precedent{}
	for _, c := range cs[:min(len(cs), precedentsKept)] {
		p := Precedent{ID: c.s.ID, Title: c.s.Assessment.Title, Unit: c.s.Assessment.Unit, Level: c.s.Assessment.Level,
			ReleasedAt: c.s.ReleasedAt, Asked: []AskedQuestion{}}
		switch {
		case c.hit && len(c.shared) > 0:
			p.Why = "其监测方案命中本草案，且同涉" + strings.Join(c.shared, "、") + "领域"
		case c.hit:
			p.Why = "其监测方案命中本草案"
		default:
			p.Why = "同涉" + strings.Join(c.shared, "、") + "领域"
		}
		if deps.Store != nil {
			o, err := Outcome(ctx, deps.Store, nil, c.s, now)
			if err != nil {
				return nil, err
			}
			p.Open, p.Days, p.Mentions, p.PeakDay, p.PeakCount, p.NegShare = o.Open, len(o.Days), o.Mentions, o.Peak.Day, o.Peak.Mentions, o.NegShare
			p.Asked = append(p.Asked, o.Questions.Unpredicted[:min(len(o.Questions.Unpredicted), precedentAsked)]...)
		}
		out = append(out, p)
	}
	feed(deps.Seg, d, a, out)
	return out, nil
}

// feed adds what precedents show to a new assessment: the questions asked
// after their release, after those of similar past topics, and a note to
// the evidence (no points: the level is the risk rule's).
func feed(seg *segment.Segmenter, d Draft, a *Assessment, ps []Precedent) {
	if len(ps) == 0 {
		return
	}
	seen := map[string]bool{}
	for _, q := range a.Questions {
		seen[questionKey(q.Question)] = true
	}
	var add []Question
	ss := Sentences(d.Text)
	var p profile
	if seg != nil {
		p = newProfile(seg, d)
	}
	for _, pr := range ps {
		for _, q := range pr.Asked {
			k := questionKey(q.Question)
			if k == "" || seen[k] {
				continue
			}
			seen[k] = true
			x := Question{Question: q.Question, Source: FromPolicy, Subject: pr.Title, Asked: q.Count, Answer: Placeholder}
			if seg != nil {
				if s, ok := related(seg, p, q.Question, ss); ok {
					x.Sentence, x.SentenceText = s.Index, s.Text
				}
			}
			add = append(add, x)
		}
		text := fmt.Sprintf("往期同类政策“%s”（%s发布，%s）", nonEmpty(pr.Title, pr.ID), day(pr.ReleasedAt), pr.Why)
		if pr.Days > 0 {
			text += fmt.Sprintf("：发布后%d天相关信息%d条", pr.Days, pr.Mentions)
			if pr.PeakCount > 0 {
				text += fmt.Sprintf("，单日最多%d条（%s）", pr.PeakCount, pr.PeakDay)
			}
			text += fmt.Sprintf("，负面占比%.0f%%", pr.NegShare*100)
		}
		a.Evidence = append(a.Evidence, Reason{Kind: KindHistory, Text: text + "（供参考，未计分）。"})
	}
	at := 0
	for at < len(a.Questions) && a.Questions[at].Source == FromHistory {
		at++
	}
	a.Questions = slices.Insert(a.Questions, at, add...)
}
