package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/eventlog/sqlitelog"
)

func newService(t *testing.T, now func() time.Time) (*Service, func() *Service) {
	t.Helper()
	l, err := sqlitelog.Open(t.Context(), sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	reopen := func() *Service {
		s := NewService(l, now)
		if err := s.Load(t.Context()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	return reopen(), reopen
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// An assessment is recorded under its draft's digest, may be assessed
// again until released, is released once (not in the future, within 90
// days), and replaying the log gives the same state.
func TestAssessReleaseReplay(t *testing.T) {
	now := assessedAt
	svc, reopen := newService(t, func() time.Time { return now })
	a, err := Assess(t.Context(), parkingDraft, Deps{Seg: segmenter(t), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	id := IDOf(a)
	if id == "" || a.Scheme.ID != "policy-"+id {
		t.Fatalf("id %q of scheme %q", id, a.Scheme.ID)
	}
	st, envs, err := svc.Handle(t.Context(), "", "user:duty", Record{Assessment: a}, nil)
	if err != nil || len(envs) != 1 || envs[0].Type != TypeAssessed || st.ID != id || st.AssessedBy != "user:duty" || st.Assessments != 1 {
		t.Fatalf("record: %v %+v %v", err, envs, st.ID)
	}
	if _, _, err := svc.Handle(t.Context(), "", "user:spokes", Record{Assessment: a}, nil); err != nil {
		t.Fatalf("assessing again before release: %v", err)
	}
	refused := func(cmd any, want string) {
		t.Helper()
		_, _, err := svc.Handle(t.Context(), id, "user:spokes", cmd, nil)
		if !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), want) {
			t.Fatalf("%+v: %v, want a refusal saying %q", cmd, err, want)
		}
	}
	refused(Release{ReleasedAt: now.Add(48 * time.Hour)}, "不能晚于现在")
	refused(Release{WindowDays: 100}, "1 到 90")
	refused(Release{ReleasedAt: now.AddDate(0, -2, 0), WindowDays: 14}, "监测时段已于")
	if _, _, err := svc.Handle(t.Context(), "nope", "user:spokes", Release{}, nil); !errors.Is(err, ErrRule) {
		t.Fatalf("releasing an unknown assessment: %v", err)
	}
	// The hook sees the state the events make, and its failure records nothing.
	boom := errors.New("scheme not defined")
	if _, _, err := svc.Handle(t.Context(), id, "user:spokes", Release{}, func(State) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("hook error: %v", err)
	}
	if st, _ := svc.Board().Get(id); st.Released() {
		t.Fatal("released although the hook failed")
	}
	released := now.Add(-2 * time.Hour) // 2026-05-20 08:00 Beijing
	var seen State
	st, _, err = svc.Handle(t.Context(), id, "user:spokes", Release{ReleasedAt: released, WindowDays: 7}, func(s State) error { seen = s; return nil })
	if err != nil {
		t.Fatal(err)
	}
	wantFrom := time.Date(2026, 5, 20, 0, 0, 0, 0, cst)
	if !st.Released() || st.ReleasedBy != "user:spokes" || st.SchemeID != "policy-"+id || !st.ActiveFrom.Equal(wantFrom) || !st.ActiveTo.Equal(wantFrom.AddDate(0, 0, 7)) || st.Assessments != 2 {
		t.Fatalf("released state %+v", st)
	}
	if !seen.Released() || seen.SchemeID != st.SchemeID {
		t.Fatalf("the hook saw %+v", seen)
	}
	sc := st.ReleaseScheme()
	if sc.ID != "policy-"+id || !sc.ActiveFrom.Equal(wantFrom) || !sc.ActiveTo.Equal(wantFrom.AddDate(0, 0, 7)) || sc.Rule != a.Scheme.Rule {
		t.Fatalf("release scheme %+v", sc)
	}
	refused(Release{}, "已于2026年5月20日标记发布")
	if _, _, err := svc.Handle(t.Context(), "", "user:duty", Record{Assessment: a}, nil); !errors.Is(err, ErrRule) {
		t.Fatalf("assessing a released policy again: %v", err)
	}
	if got, ok := FromScheme(st.SchemeID); !ok || got != id {
		t.Fatalf("FromScheme: %q %v", got, ok)
	}
	if list := svc.Board().List(); len(list) != 1 || list[0].ID != id {
		t.Fatalf("list %+v", list)
	}
	// Replay: the same state, twice over.
	re := reopen()
	got, ok := re.Board().Get(id)
	if !ok || jsonOf(t, got) != jsonOf(t, st) {
		t.Fatalf("replayed state differs:\n%s\n%s", jsonOf(t, got), jsonOf(t, st))
	}
	if err := re.Load(t.Context()); err != nil {
		t.Fatal(err)
	}
	if again, _ := re.Board().Get(id); again.Assessments != 2 {
		t.Fatalf("replaying twice counted the assessments twice: %d", again.Assessments)
	}
}

// afterPost is a mention published after release.
type afterPost struct {
	text, sentiment, topic string
	day                    int // days after the release day
	matched                bool
}

// seedAfter writes mentions of the release window into store: those
// matched carry the scheme, and their topics name it.
func seedAfter(t *testing.T, store analytics.Store, schemeID string, from time.Time, posts []afterPost) {
	t.Helper()
	sg := segmenter(t)
	var ms []analytics.Mention
	topics := map[string]*analytics.Topic{}
	for i, p := range posts {
		at := from.Add(time.Duration(p.day)*24*time.Hour + time.Duration(10+i)*time.Minute + 9*time.Hour)
		tok := sg.Tokens(p.text)
		m := analytics.Mention{ID: fmt.Sprintf("weibo:after-%d", i), Platform: "weibo", Text: p.text, PublishedAt: at, IngestedAt: at,
			Tokens: tok, Keywords: sg.Keywords(tok, 8), Sentiment: p.sentiment, Topic: p.topic}
		if p.matched {
			m.Schemes = []string{schemeID}
		}
		ms = append(ms, m)
		if p.topic == "" {
			continue
		}
		tp := topics[p.topic]
		if tp == nil {
			tp = &analytics.Topic{ID: p.topic, Label: []string{"停车费", "调整"}, FirstID: m.ID, FirstTime: at, Grade: 3}
			topics[p.topic] = tp
		}
		tp.Mentions++
		tp.LastTime, tp.Updated = at, at
		if p.matched && !slices.Contains(tp.Schemes, schemeID) {
			tp.Schemes = append(tp.Schemes, schemeID)
		}
	}
	if err := store.PutMentions(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	var ts []analytics.Topic
	for _, tp := range topics {
		ts = append(ts, *tp)
	}
	if err := store.PutTopics(t.Context(), ts); err != nil {
		t.Fatal(err)
	}
}

var parkingAfter = []afterPost{
	{"临江停车费调整后低收入群体有没有补贴？", "neg", "t-fee", 0, true},
	{"停车费涨了，低收入群体有没有减免？", "neg", "t-fee", 0, true},
	{"临江包月停车费翻倍，居民停车太难了", "neg", "t-fee", 0, true},
	{"江滨区停车费上调，新的收费标准什么时候开始执行？", "neu", "t-fee", 1, true},
	{"临江停车收费调整，原来的包月卡还能用吗？", "neu", "t-fee", 1, true},
	{"临江停车费调整有助于缓解拥堵", "pos", "t-fee", 2, true},
	{"临江停车费又要涨了", "neg", "", 2, true}, // joined no topic: volume only
	{"鼓楼区演唱会门票秒光", "pos", "t-fee", 1, false},
}

// After release: daily volume of everything the scheme matched, sentiment
// and questions of its topics' matched mentions, and the questions asked
// set against those predicted.
func TestOutcome(t *testing.T) {
	store := seedStore(t, t.TempDir())
	now := assessedAt
	a, err := Assess(t.Context(), parkingDraft, Deps{Seg: segmenter(t), Store: store, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	id := IDOf(a)
	st := State{ID: id, Assessment: a, Assessments: 1, ReleasedAt: now, WindowDays: 14, SchemeID: SchemeID(id)}
	st.ActiveFrom, st.ActiveTo = Window(now, 14)
	seedAfter(t, store, st.SchemeID, st.ActiveFrom, parkingAfter)
	later := st.ActiveFrom.AddDate(0, 0, 3)
	o, err := Outcome(t.Context(), store, segmenter(t), st, later)
	if err != nil {
		t.Fatal(err)
	}
	if o.Mentions != 7 || o.Read != 6 || len(o.Days) != 3 || !o.Open {
		t.Fatalf("volume %d, read %d, days %d, open %v", o.Mentions, o.Read, len(o.Days), o.Open)
	}
	if o.Days[0].Day != "2026-05-20" || o.Days[0].Mentions != 3 || o.Days[0].Neg != 3 || o.Days[2].Mentions != 2 || o.Days[2].Pos != 1 {
		t.Fatalf("days %+v", o.Days)
	}
	if o.Neg != 3 || o.Neu != 2 || o.Pos != 1 || o.NegShare != 0.5 || o.Peak.Day != "2026-05-20" {
		t.Fatalf("sentiment %d/%d/%d %.2f peak %+v", o.Neg, o.Neu, o.Pos, o.NegShare, o.Peak)
	}
	if len(o.Topics) != 1 || o.Topics[0].ID != "t-fee" || o.Topics[0].Matched != 6 || o.Topics[0].Mentions != 7 {
		t.Fatalf("topics %+v", o.Topics)
	}
	if len(o.Notes) == 0 || !strings.Contains(o.Notes[0], "其中 6 条已归入话题") {
		t.Fatalf("notes %v", o.Notes)
	}
	q := o.Questions
	if !q.Compared {
		t.Fatal("not compared")
	}
	var lowIncome *QuestionPair
	for i, p := range q.Matched {
		if strings.Contains(p.Predicted, "低收入") {
			lowIncome = &q.Matched[i]
		}
	}
	if lowIncome == nil || lowIncome.Count != 2 || !slices.Contains(lowIncome.Shared, "低收入") {
		t.Fatalf("the low-income question was predicted and asked: %+v", q.Matched)
	}
	if len(q.Unasked) == 0 || len(q.Matched)+len(q.Unasked) != len(a.Questions) {
		t.Fatalf("%d matched + %d unasked of %d predicted", len(q.Matched), len(q.Unasked), len(a.Questions))
	}
	for _, x := range q.Unasked {
		if strings.Contains(x.Question, "低收入") {
			t.Fatalf("a matched question is listed as not asked: %s", x.Question)
		}
	}
	// After the window: closed, every day of it.
	o, err = Outcome(t.Context(), store, nil, st, st.ActiveTo.AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	if o.Open || len(o.Days) != 14 || o.Mentions != 7 || o.Questions.Compared || len(o.Questions.Unpredicted) == 0 {
		t.Fatalf("closed window: open %v, %d days, %d mentions, compared %v", o.Open, len(o.Days), o.Mentions, o.Questions.Compared)
	}
	var md bytes.Buffer
	if err := WriteRecordMarkdown(&md, st, &o); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## 发布与监测", "## 发布后", "监测已结束", "| 2026-05-20 | 3 | 3 | 0 | 0 |", "被问到但未预测"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

// A new draft like a released one: the released policy is its precedent,
// its questions actually asked join the likely questions, and the
// evidence notes what happened, without points.
func TestPrecedentsFeedTheNextAssessment(t *testing.T) {
	store := seedStore(t, t.TempDir())
	now := assessedAt
	deps := Deps{Seg: segmenter(t), Store: store, Now: func() time.Time { return now }}
	a, err := Assess(t.Context(), parkingDraft, deps)
	if err != nil {
		t.Fatal(err)
	}
	id := IDOf(a)
	st := State{ID: id, Assessment: a, Assessments: 1, ReleasedAt: now, WindowDays: 14, SchemeID: SchemeID(id)}
	st.ActiveFrom, st.ActiveTo = Window(now, 14)
	seedAfter(t, store, st.SchemeID, st.ActiveFrom, parkingAfter)

	next := Draft{Title: "临江市居住区停车收费管理办法", Unit: "临江市发展和改革委员会",
		Text: "一、鼓楼区、江滨区居住区内公共停车泊位实行政府指导价。\n二、居民停车包月收费标准上限为每月200元，临时停车每小时不超过4元。\n三、本办法自2026年9月1日起施行。"}
	later := st.ActiveTo.AddDate(0, 0, 1)
	deps.Now = func() time.Time { return later }
	b, err := Assess(t.Context(), next, deps)
	if err != nil {
		t.Fatal(err)
	}
	score, evidence := b.Score, len(b.Evidence)
	ps, err := Precedents(t.Context(), []State{st}, next, &b, deps, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].ID != id || !strings.Contains(ps[0].Why, "监测方案命中本草案") || ps[0].Mentions != 7 || ps[0].Days != 14 || len(ps[0].Asked) == 0 {
		t.Fatalf("precedents %+v", ps)
	}
	var fed []Question
	for _, q := range b.Questions {
		if q.Source == FromPolicy {
			fed = append(fed, q)
		}
	}
	if len(fed) == 0 || fed[0].Subject != a.Title || fed[0].Answer != Placeholder {
		t.Fatalf("questions asked after the precedent's release: %+v", fed)
	}
	if b.Score != score || len(b.Evidence) != evidence+1 || b.Evidence[evidence].Points != 0 || !strings.Contains(b.Evidence[evidence].Text, "发布后14天相关信息7条") {
		t.Fatalf("evidence %+v", b.Evidence[evidence:])
	}
	// An unrelated draft has none; an unreleased assessment is no precedent.
	other := Draft{Title: "临江市全民健身中心开放时间调整公告", Text: "全民健身中心游泳馆自下月起每周一闭馆维护，其余时间照常开放。"}
	c, err := Assess(t.Context(), other, deps)
	if err != nil {
		t.Fatal(err)
	}
	unreleased := st
	unreleased.ReleasedAt = time.Time{}
	if ps, _ := Precedents(t.Context(), []State{st, unreleased}, other, &c, deps, later); len(ps) != 0 {
		t.Fatalf("unrelated draft: %+v", ps)
	}
}
