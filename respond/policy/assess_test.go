package policy

import (
	"math"
	"slices"
	"strings"
	"testing"

	"yuqing/internal/hanzi"
)

func subjectHit(a Assessment, id string) (SubjectHit, bool) {
	for _, h := range a.Subjects {
		if h.ID == id {
			return h, true
		}
	}
	return SubjectHit{}, false
}

func cueHit(a Assessment, id string) (CueHit, bool) {
	for _, h := range a.Cues {
		if h.ID == id {
			return h, true
		}
	}
	return CueHit{}, false
}

func topicIDs(a Assessment) []string {
	var ids []string
	for _, t := range a.History.Topics {
		ids = append(ids, t.ID)
	}
	return ids
}

func point(a Assessment, name string) Point {
	for _, p := range a.Points {
		if p.Name == name {
			return p
		}
	}
	return Point{}
}

// checkTriggers: every trigger quotes its sentence exactly, and every term
// it names is in that sentence.
func checkTriggers(t *testing.T, d Draft, what string, ts []Trigger) {
	t.Helper()
	ss := Sentences(d.Text)
	for _, tr := range ts {
		if tr.Sentence < 1 || tr.Sentence > len(ss) || ss[tr.Sentence-1].Text != tr.Text {
			t.Errorf("%s: trigger %+v does not quote sentence %d", what, tr, tr.Sentence)
			continue
		}
		for _, term := range tr.Terms {
			if !strings.Contains(hanzi.Fold(tr.Text), term) && !strings.Contains(term, "→") {
				t.Errorf("%s: term %q is not in sentence %d %q", what, term, tr.Sentence, tr.Text)
			}
		}
	}
}

// hasTrigger reports whether a trigger quotes the sentence holding frag
// and names term.
func hasTrigger(ts []Trigger, frag, term string) bool {
	for _, tr := range ts {
		if strings.Contains(tr.Text, frag) && slices.Contains(tr.Terms, term) {
			return true
		}
	}
	return false
}

// checkEvidence: a level always comes with reasons, the points add up to
// the score, and every scoring reason names its sentence or topic.
func checkEvidence(t *testing.T, a Assessment) {
	t.Helper()
	if a.Level != High && a.Level != Medium && a.Level != Low {
		t.Fatalf("level %q", a.Level)
	}
	if len(a.Evidence) == 0 {
		t.Fatalf("level %s without evidence", a.Level)
	}
	sum := 0
	for _, r := range a.Evidence {
		sum += r.Points
		if r.Text == "" {
			t.Errorf("empty reason %+v", r)
		}
		if r.Points > 0 && r.Kind != KindMissing && r.Sentence == 0 && r.TopicID == "" {
			t.Errorf("reason %q scores without naming a sentence or topic", r.Text)
		}
		if r.Sentence > 0 && !strings.Contains(r.Text, "第") {
			t.Errorf("reason %q does not cite its sentence", r.Text)
		}
	}
	if sum != a.Score {
		t.Errorf("reasons add up to %d, score is %d", sum, a.Score)
	}
	want := Low
	switch {
	case a.Score >= highAtLeast:
		want = High
	case a.Score >= midAtLeast:
		want = Medium
	}
	if a.Level != want {
		t.Errorf("score %d gives level %s, want %s", a.Score, a.Level, want)
	}
}

func TestAssessSchoolDraft(t *testing.T) {
	store := seedStore(t, t.TempDir())
	d := schoolDraft
	a, err := Assess(t.Context(), d, Deps{Seg: segmenter(t), Store: store, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}

	// Subjects and their sentences.
	edu, ok := subjectHit(a, "education")
	if !ok {
		t.Fatalf("education not found; subjects %+v", a.Subjects)
	}
	if !hasTrigger(edu.Triggers, "多校划片", "划片") || !hasTrigger(edu.Triggers, "同一套住房六年内", "学位") {
		t.Errorf("education triggers %+v", edu.Triggers)
	}
	if !slices.Contains(edu.Groups, "家长") {
		t.Errorf("education groups %v", edu.Groups)
	}
	hukou, ok := subjectHit(a, "hukou")
	if !ok || !hasTrigger(hukou.Triggers, "本市户籍", "户籍") {
		t.Errorf("hukou: %+v", hukou)
	}
	for _, h := range a.Subjects {
		checkTriggers(t, d, h.Name, h.Triggers)
	}
	for _, id := range []string{"traffic", "fees", "land", "food"} {
		if _, ok := subjectHit(a, id); ok {
			t.Errorf("subject %s found in a school draft", id)
		}
	}
	// Risk clauses.
	narrow, ok := cueHit(a, CueNarrowing)
	if !ok || !hasTrigger(narrow.Triggers, "方可在片区内登记入学", "方可") || !hasTrigger(narrow.Triggers, "对口学校不再保留", "不再") {
		t.Errorf("narrowing: %+v", narrow)
	}
	if ob, ok := cueHit(a, "obligation"); !ok || !hasTrigger(ob.Triggers, "跨片区招生", "不得") {
		t.Errorf("obligation: %+v", ob)
	}
	if dl, ok := cueHit(a, CueDeadline); !ok || !hasTrigger(dl.Triggers, "负责解释", "起施行") {
		t.Errorf("deadline: %+v", dl)
	}
	if _, ok := cueHit(a, CueCost); ok {
		t.Error("a cost rise found in a draft that raises no fee")
	}
	for _, c := range a.Cues {
		checkTriggers(t, d, c.Name, c.Triggers)
	}

	// History: the catchment-area row, not the parking fees nor the
	// concert in the same district.
	if ids := topicIDs(a); !slices.Equal(ids, []string{"t-school"}) {
		t.Fatalf("similar topics %v, want [t-school]", ids)
	}
	pt := a.History.Topics[0]
	peak, neg := map[int]int64{}, 0
	for _, p := range history[0].posts {
		peak[p.hour]++
		if p.sentiment == "neg" {
			neg++
		}
	}
	wantPeak := int64(0)
	for _, n := range peak {
		wantPeak = max(wantPeak, n)
	}
	wantNeg := math.Round(float64(neg)/float64(len(history[0].posts))*100) / 100
	if pt.PeakHourly != wantPeak || pt.NegShare != wantNeg || pt.Grade != history[0].grade || pt.Mentions != int64(len(history[0].posts)) ||
		!pt.FirstTime.Equal(history[0].start) || pt.Similarity < MinSimilarity || pt.GradeName == "" {
		t.Errorf("t-school: %+v; want peak %d, neg %.2f", pt, wantPeak, wantNeg)
	}
	if !slices.Contains(pt.Matched, "划片") {
		t.Errorf("t-school matched %v", pt.Matched)
	}

	// Level and evidence.
	checkEvidence(t, a)
	if a.Level != High {
		t.Errorf("level %s (%d), want 高: %+v", a.Level, a.Score, a.Evidence)
	}
	var fromHistory, missing bool
	for _, r := range a.Evidence {
		fromHistory = fromHistory || r.TopicID == "t-school" && r.Points > 0 && strings.Contains(r.Text, "负面占比")
		missing = missing || r.Kind == KindMissing && strings.Contains(r.Text, "过渡安排")
	}
	if !fromHistory || !missing {
		t.Errorf("evidence lacks the past topic or the missing transition: %+v", a.Evidence)
	}

	// Questions: asked before, and from the templates.
	asked := map[string]bool{}
	for _, p := range history[0].posts {
		for _, s := range hanzi.Sentences(p.text) {
			asked[strings.TrimSpace(s)] = true
		}
	}
	var past, template bool
	for _, q := range a.Questions {
		if q.Answer != Placeholder {
			t.Errorf("question %q answered %q", q.Question, q.Answer)
		}
		if q.Source == FromHistory {
			if q.TopicID != "t-school" || !asked[q.Question] || q.Asked < 1 {
				t.Errorf("history question %+v was not asked in t-school", q)
			}
			past = true
		}
		if q.Source == FromTemplate && q.Question == "已购学区房怎么办？" {
			template = q.Sentence > 0 && strings.Contains(q.SentenceText, "划片")
		}
	}
	if !past || !template {
		t.Errorf("questions (history %v, template %v): %+v", past, template, a.Questions)
	}

	// Interpretation points.
	if p := point(a, PointTransition); !p.Missing || p.Status != StatusMissing || p.Advice == "" {
		t.Errorf("transition: %+v", p)
	}
	if p := point(a, PointWhen); p.Missing || !slices.ContainsFunc(p.Sentences, func(s Sentence) bool { return strings.Contains(s.Text, "起施行") }) {
		t.Errorf("when: %+v", p)
	}
	if p := point(a, PointWhy); p.Missing || !strings.HasPrefix(p.Sentences[0].Text, "为进一步") {
		t.Errorf("why: %+v", p)
	}
	if p := point(a, PointWho); p.Missing || !strings.Contains(p.Sentences[0].Text, "适用于") {
		t.Errorf("who: %+v", p)
	}
}

func TestAssessParkingDraft(t *testing.T) {
	store := seedStore(t, t.TempDir())
	d := parkingDraft
	a, err := Assess(t.Context(), d, Deps{Seg: segmenter(t), Store: store, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := subjectHit(a, "traffic"); !ok {
		t.Errorf("traffic not found: %+v", a.Subjects)
	}
	if _, ok := subjectHit(a, "education"); ok {
		t.Error("education found in a parking draft (本片区 is not a school catchment)")
	}
	cost, ok := cueHit(a, CueCost)
	if !ok || !hasTrigger(cost.Triggers, "由每小时5元调整为8元", "5元→8元（+60%）") || cost.MaxRise != 100 {
		t.Fatalf("cost: %+v", cost)
	}
	checkTriggers(t, d, cost.Name, cost.Triggers)
	if ids := topicIDs(a); !slices.Equal(ids, []string{"t-parking"}) {
		t.Errorf("similar topics %v, want [t-parking]", ids)
	}
	checkEvidence(t, a)
	if p := point(a, PointTransition); p.Missing || !strings.Contains(p.Sentences[0].Text, "继续有效") {
		t.Errorf("transition: %+v", p)
	}
	for _, r := range a.Evidence {
		if r.Kind == KindMissing {
			t.Errorf("transition reported missing: %s", r.Text)
		}
		if r.Kind == KindCue && r.Sentence > 0 && strings.Contains(r.Text, "费用上升") && !strings.Contains(r.Text, "最大涨幅100%") {
			t.Errorf("cost reason does not give the largest rise: %s", r.Text)
		}
	}
}

// History raises the level's score, and without a store the assessment
// says it did not look.
func TestAssessWithoutStore(t *testing.T) {
	with, err := Assess(t.Context(), schoolDraft, Deps{Seg: segmenter(t), Store: seedStore(t, t.TempDir()), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	without, err := Assess(t.Context(), schoolDraft, Deps{Seg: segmenter(t), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	checkEvidence(t, without)
	if without.History.Searched || len(without.History.Topics) != 0 || without.History.Note == "" {
		t.Errorf("history without a store: %+v", without.History)
	}
	if !slices.ContainsFunc(without.Evidence, func(r Reason) bool { return r.Kind == KindNote && strings.Contains(r.Text, "未接入分析库") }) {
		t.Errorf("evidence does not say history was not consulted: %+v", without.Evidence)
	}
	if with.Score <= without.Score {
		t.Errorf("score with a similar negative past topic %d, without %d", with.Score, without.Score)
	}
	for _, q := range without.Questions {
		if q.Source == FromHistory {
			t.Errorf("history question without a store: %+v", q)
		}
	}
}

// A draft that touches nothing is 低, and the evidence says why.
func TestAssessQuietDraft(t *testing.T) {
	d := Draft{Title: "关于举办临江市第五届书法作品展览的通知", Text: "为丰富市民文化生活，市文化馆定于10月举办书法作品展览。\n展览在市文化馆一楼展厅举行，欢迎市民参观。"}
	a, err := Assess(t.Context(), d, Deps{Seg: segmenter(t), Store: seedStore(t, t.TempDir()), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	checkEvidence(t, a)
	if a.Level != Low || len(a.Subjects) != 0 || len(a.Cues) != 0 || len(a.History.Topics) != 0 {
		t.Errorf("quiet draft: level %s, subjects %+v, cues %+v, history %v", a.Level, a.Subjects, a.Cues, topicIDs(a))
	}
	if !strings.Contains(a.Evidence[0].Text, "未触及") {
		t.Errorf("evidence %+v", a.Evidence)
	}
	if _, err := Assess(t.Context(), Draft{Title: "空"}, Deps{Seg: segmenter(t)}); err == nil {
		t.Error("an empty draft was assessed")
	}
	if _, err := Assess(t.Context(), d, Deps{}); err == nil {
		t.Error("assessed without a segmenter")
	}
}

// Answers wires how past topics were answered into the history and the
// questions taken from them.
func TestAssessAnswers(t *testing.T) {
	answered := "2025年7月4日区教育局发布情况说明：已购房家庭按原片区入学。"
	a, err := Assess(t.Context(), schoolDraft, Deps{Seg: segmenter(t), Store: seedStore(t, t.TempDir()), Now: fixedNow,
		Answers: func(id string) (string, bool) {
			if id == "t-school" {
				return answered, true
			}
			return "", false
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.History.Topics) == 0 || a.History.Topics[0].Answer != answered {
		t.Fatalf("history %+v", a.History.Topics)
	}
	for _, q := range a.Questions {
		if q.Source == FromHistory && q.Reference != answered {
			t.Errorf("question %q has reference %q", q.Question, q.Reference)
		}
	}
}
