package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"yuqing/internal/clock"

	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
)

// Answers tells how a past topic was answered (通报, 回应口径), when it was;
// the caller wires incidents to it.
type Answers func(topicID string) (answer string, ok bool)

// Deps is what an assessment reads besides the draft.
type Deps struct {
	Seg      *segment.Segmenter // required
	Store    analytics.Store    // past topics; nil: no history, and the assessment says so
	Answers  Answers            // nil: answers unknown
	Subjects *Subjects          // nil: the embedded list (subjects.yaml)

	WindowDays int              // monitoring window after release, days (default 14)
	TopN       int              // similar past topics listed (default 5)
	Lookback   time.Duration    // how far back past topics are searched (default 3 years)
	Now        func() time.Time // default time.Now
}

// Defaults of Deps.
const (
	DefaultWindowDays = 14
	DefaultTopN       = 5
)

// Assessment is the risk assessment (舆情风险研判) of a draft.
type Assessment struct {
	Title      string    `json:"title"`
	Unit       string    `json:"unit,omitempty"` // 第一解读部门
	ReleaseAt  time.Time `json:"release_at,omitzero"`
	AssessedAt time.Time `json:"assessed_at"`
	List       ListRef   `json:"list"` // the subject list used

	Level    Level    `json:"level"` // 高, 中 or 低
	Score    int      `json:"score"`
	Evidence []Reason `json:"evidence"` // never empty

	Sentences int          `json:"sentences"` // of the draft's text
	Subjects  []SubjectHit `json:"subjects"`
	Cues      []CueHit     `json:"cues"`
	History   History      `json:"history"`
	Questions []Question   `json:"questions"`
	Points    []Point      `json:"points"`

	Scheme     scheme.Scheme `json:"scheme"`
	WindowFrom time.Time     `json:"window_from"`
	WindowTo   time.Time     `json:"window_to"`
}

// ListRef identifies a subject list.
type ListRef struct {
	Version int    `json:"version"`
	Source  string `json:"source"`
}

// cst is China Standard Time: release days are counted on its calendar.
var cst = clock.Beijing

// Assess assesses the opinion risk of a draft before publication: the
// hot-button subjects and risk clauses it contains, similar past topics,
// a level with its evidence, likely questions, the points its
// interpretation must cover, and a monitoring scheme for the release.
func Assess(ctx context.Context, d Draft, deps Deps) (Assessment, error) {
	if deps.Seg == nil {
		return Assessment{}, errors.New("policy: a segmenter is required")
	}
	d.Title, d.Unit = strings.TrimSpace(d.Title), strings.TrimSpace(d.Unit)
	ss := Sentences(d.Text)
	if len(ss) == 0 {
		return Assessment{}, ErrEmpty
	}
	list := deps.Subjects
	if list == nil {
		list = DefaultSubjects()
	}
	now := time.Now
	if deps.Now != nil {
		now = deps.Now
	}
	a := Assessment{Title: d.Title, Unit: d.Unit, ReleaseAt: d.ReleaseAt, AssessedAt: now(),
		List: ListRef{Version: list.Version, Source: list.Source}, Sentences: len(ss)}
	a.Subjects = findSubjects(list.Subjects, ss)
	a.Cues = findCues(list.Cues, ss)
	a.Points = findPoints(ss)
	p := newProfile(deps.Seg, d)

	if deps.Store == nil {
		a.History.Note = "未接入分析库，未检索历史舆情"
	} else {
		lookback := deps.Lookback
		if lookback <= 0 {
			lookback = defaultLookback
		}
		to := a.AssessedAt
		past, err := similar(ctx, deps.Store, deps.Seg, p, to.Add(-lookback), to, positive(deps.TopN, DefaultTopN))
		if err != nil {
			return Assessment{}, err
		}
		if deps.Answers != nil {
			for i := range past {
				past[i].Answer, _ = deps.Answers(past[i].ID)
			}
		}
		a.History = History{Searched: true, Topics: past,
			Note: fmt.Sprintf("检索了%s至%s的历史话题", day(to.Add(-lookback)), day(to))}
	}
	a.Questions = likelyQuestions(deps.Seg, p, a.History.Topics, a.Subjects, a.Cues, list, ss)
	a.Level, a.Score, a.Evidence = rate(&a)

	s, err := monitorScheme(deps.Seg, d, p, a.Subjects, list)
	if err != nil {
		return Assessment{}, err
	}
	a.Scheme = s
	release := d.ReleaseAt
	if release.IsZero() {
		release = a.AssessedAt
	}
	r := release.In(cst)
	a.WindowFrom = time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, cst)
	a.WindowTo = a.WindowFrom.AddDate(0, 0, positive(deps.WindowDays, DefaultWindowDays))
	if a.Subjects == nil {
		a.Subjects = []SubjectHit{}
	}
	if a.Cues == nil {
		a.Cues = []CueHit{}
	}
	if a.History.Topics == nil {
		a.History.Topics = []PastTopic{}
	}
	if a.Questions == nil {
		a.Questions = []Question{}
	}
	return a, nil
}

func positive(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func day(t time.Time) string { return t.In(cst).Format("2006年1月2日") }
