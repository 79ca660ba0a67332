package scheme

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestRules(t *testing.T) {
	groups := map[string][]string{"地名": {"城东", "东湖区"}, "空": {}}
	cases := []struct {
		rule, text string
		want       bool
	}{
		{"化工厂", "城东化工厂今天很安静", true},
		{"化工厂 & 异味", "化工厂附近有异味", true},
		{"化工厂 异味", "化工厂附近有异味", true}, // juxtaposition is and
		{"化工厂 & 异味", "化工厂附近很安静", false},
		{"化工厂 | 化工园区", "化工园区扩建", true},
		{"化工厂 & !演习", "化工厂应急演习", false},
		{"化工厂 & !演习", "化工厂泄漏", true},
		{"(化工厂 | 化工园区) & (异味 | 臭味)", "化工园区附近臭味", true},
		{"NEAR/5(学校, 中毒)", "学校食堂发生中毒", true},
		{"NEAR/5(学校, 中毒)", "学校今天开运动会，另外一个区的饭店发生了中毒", false},
		{"NEAR/0(学校, 食堂)", "学校食堂", true},
		{"@地名 & 停水", "东湖区明天停水", true},
		{"@地名 & 停水", "西湖区明天停水", false},
		{`"PX 项目"`, "反对px 项目", true},
		{"px", "ＰＸ项目", true}, // full-width and case folded
		{"NEAR/3(@地名, 积水)", "城东大面积积水", true},
	}
	for _, c := range cases {
		m, err := Compile([]Scheme{{ID: "s", Rule: c.rule, Groups: groups}})
		if err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		got := len(m.Match(Input{Text: c.text})) == 1
		if got != c.want {
			t.Errorf("rule %q on %q = %v, want %v", c.rule, c.text, got, c.want)
		}
	}
}

func TestRuleErrors(t *testing.T) {
	cases := map[string]string{
		"":             "expected a term",
		"化工厂 &":        "expected a term",
		"(化工厂 | 异味":    "missing )",
		"!演习":          "would match mentions with none of its terms",
		"!演习 | 化工厂":    "would match",
		"@不存在":         "unknown group",
		"@空":           "is empty",
		"NEAR/x(a, b)": "distance",
		"NEAR/3(a b)":  "comma",
		`"未结束`:         "unterminated",
		"化工厂 )":        "unexpected",
	}
	for rule, want := range cases {
		_, err := Compile([]Scheme{{ID: "bad", Rule: rule, Groups: map[string][]string{"空": nil}}})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "scheme bad") {
			t.Errorf("rule %q: error %v, want one naming the scheme and containing %q", rule, err, want)
		}
	}
	if _, err := Compile([]Scheme{{ID: "a", Rule: "x"}, {ID: "a", Rule: "y"}}); err == nil {
		t.Error("duplicate scheme id accepted")
	}
}

func TestScopeAndExclusions(t *testing.T) {
	m, err := Compile([]Scheme{
		{ID: "weibo-only", Rule: "停水", Platforms: []string{"weibo"}},
		{ID: "east", Rule: "停水", Regions: []string{"城东"}},
		{ID: "no-ads", Rule: "停水", Exclude: []string{"广告", "净水器"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(in Input) []string {
		var out []string
		for _, x := range m.Match(in) {
			out = append(out, x.SchemeID)
		}
		return out
	}
	if got := ids(Input{Text: "明天停水", Platform: "forum", Region: "城东区"}); !reflect.DeepEqual(got, []string{"east", "no-ads"}) {
		t.Errorf("forum in 城东: %v", got)
	}
	if got := ids(Input{Text: "城东明天停水", Platform: "weibo"}); !reflect.DeepEqual(got, []string{"east", "no-ads", "weibo-only"}) {
		t.Errorf("region in text: %v", got)
	}
	if got := ids(Input{Text: "停水了？买净水器", Platform: "wechat", Region: "城西区"}); got != nil {
		t.Errorf("excluded and out of region: %v", got)
	}
}

func TestManySchemesOnePass(t *testing.T) {
	var schemes []Scheme
	for i := 0; i < 500; i++ {
		schemes = append(schemes, Scheme{ID: fmt.Sprintf("s%03d", i), Rule: fmt.Sprintf("地点%d & (事故 | 投诉%d)", i, i%7)})
	}
	m, err := Compile(schemes)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Match(Input{Text: "地点42发生事故，地点7有人投诉0"})
	var ids []string
	for _, x := range got {
		ids = append(ids, x.SchemeID)
	}
	// 地点42 & 事故; 地点7 & 投诉0 (7%7 == 0); and 地点4… prefixes: 地点4 & 事故 also hits.
	if !reflect.DeepEqual(ids, []string{"s004", "s007", "s042"}) {
		t.Fatalf("matched %v", ids)
	}
	if !reflect.DeepEqual(got[2].Terms, []string{"事故", "地点42", "投诉0"}) {
		t.Fatalf("terms of s042: %v", got[2].Terms)
	}
}

func TestRegistryVersionsAndReplay(t *testing.T) {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	r := NewRegistry()
	e1, err := r.Define(Scheme{ID: "chem", Name: "化工厂", Rule: "化工厂 & 异味"}, "user:admin", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(e1); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Define(Scheme{ID: "broken", Rule: "(("}, "user:admin", now); err == nil {
		t.Fatal("a scheme that does not compile was accepted")
	}
	e2, _ := r.Define(Scheme{ID: "chem", Name: "化工厂", Rule: "化工厂 & (异味 | 泄漏)"}, "user:admin", now)
	r.Apply(e2)
	got := r.Matcher().Match(Input{Text: "化工厂泄漏"})
	if len(got) != 1 || got[0].Version != 2 {
		t.Fatalf("after v2: %+v", got)
	}
	e3, err := r.Delete("chem", "user:admin", now)
	if err != nil {
		t.Fatal(err)
	}
	r.Apply(e3)
	if r.Matcher().Len() != 0 {
		t.Fatal("deleted scheme still matches")
	}
	// Replaying the history, even twice, gives the same state.
	re := NewRegistry()
	for _, e := range []event.Envelope{e1, e2, e3, e1, e2} {
		if err := re.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	if re.Matcher().Len() != 0 || len(re.List()) != 0 {
		t.Fatal("replay resurrected a deleted scheme")
	}
}

// TestGolden runs the schemes in testdata/schemes.json over the mentions in
// testdata/mentions.jsonl and compares with testdata/matches.golden.json.
func TestGolden(t *testing.T) {
	var schemes []Scheme
	b, err := os.ReadFile(filepath.Join("testdata", "schemes.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &schemes); err != nil {
		t.Fatal(err)
	}
	m, err := Compile(schemes)
	if err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(filepath.Join("testdata", "mentions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]Match{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var in struct {
			ID string `json:"id"`
			Input
		}
		if err := json.Unmarshal([]byte(line), &in); err != nil {
			t.Fatal(err)
		}
		got[in.ID] = m.Match(in.Input)
	}
	out, _ := json.MarshalIndent(got, "", "  ")
	golden := filepath.Join("testdata", "matches.golden.json")
	if *update {
		os.WriteFile(golden, append(out, '\n'), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(want)) != strings.TrimSpace(string(out)) {
		t.Fatalf("matches differ from %s (run with -update after checking):\n%s", golden, out)
	}
}

func BenchmarkMatch300Schemes(b *testing.B) {
	var schemes []Scheme
	for i := 0; i < 300; i++ {
		schemes = append(schemes, Scheme{ID: fmt.Sprintf("s%d", i), Rule: fmt.Sprintf("(单位%d | 项目%d) & (投诉 | 事故 | 污染) & !广告", i, i)})
	}
	m, _ := Compile(schemes)
	text := "今天单位42附近发生了事故，很多网友在微博上转发，希望有关部门尽快回应，不要再推诿了。项目7的污染问题也没有解决。"
	b.SetBytes(int64(len(text)))
	for i := 0; i < b.N; i++ {
		m.Match(Input{Text: text, Platform: "weibo"})
	}
}

// A scheme with a window watches mentions published inside it only; a
// zero bound is open, and an input without a time counts as inside.
func TestActiveWindow(t *testing.T) {
	from := time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC) // 2026-07-01 00:00 Beijing
	to := from.AddDate(0, 0, 14)
	m, err := Compile([]Scheme{
		{ID: "always", Rule: "停车费"},
		{ID: "release", Rule: "停车费", ActiveFrom: from, ActiveTo: to},
		{ID: "from-only", Rule: "停车费", ActiveFrom: from},
		{ID: "until-only", Rule: "停车费", ActiveTo: to},
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(at time.Time) []string {
		var out []string
		for _, x := range m.Match(Input{Text: "停车费又涨了", At: at}) {
			out = append(out, x.SchemeID)
		}
		return out
	}
	for _, c := range []struct {
		at   time.Time
		want []string
	}{
		{time.Time{}, []string{"always", "from-only", "release", "until-only"}},
		{from.Add(-time.Second), []string{"always", "until-only"}},
		{from, []string{"always", "from-only", "release", "until-only"}},
		{to.Add(-time.Second), []string{"always", "from-only", "release", "until-only"}},
		{to, []string{"always", "from-only"}},
	} {
		if got := ids(c.at); !reflect.DeepEqual(got, c.want) {
			t.Errorf("at %s: %v, want %v", c.at.Format(time.RFC3339), got, c.want)
		}
	}
	if _, err := Compile([]Scheme{{ID: "inverted", Rule: "x", ActiveFrom: to, ActiveTo: from}}); err == nil || !strings.Contains(err.Error(), "scheme inverted") {
		t.Errorf("a window ending before it starts: %v", err)
	}
}

// Scheme events recorded before windows existed decode as always active,
// and a scheme without a window writes no window fields: old and new
// events read the same.
func TestWindowBackwardCompatible(t *testing.T) {
	old := []byte(`{"id":"chem","name":"化工厂","version":3,"rule":"化工厂 & 异味"}`)
	var s Scheme
	if err := json.Unmarshal(old, &s); err != nil {
		t.Fatal(err)
	}
	if !s.ActiveFrom.IsZero() || !s.ActiveTo.IsZero() || !s.ActiveAt(time.Now()) {
		t.Fatalf("an old scheme has a window: %+v", s)
	}
	b, _ := json.Marshal(s)
	if strings.Contains(string(b), "active_") {
		t.Fatalf("a scheme without a window writes one: %s", b)
	}
	from := time.Date(2026, 7, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	s.ActiveFrom, s.ActiveTo = from, from.AddDate(0, 0, 14)
	r := NewRegistry()
	e, err := r.Define(s, "user:admin", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	re := NewRegistry()
	if err := re.Apply(e); err != nil {
		t.Fatal(err)
	}
	got := re.List()
	if len(got) != 1 || !got[0].ActiveFrom.Equal(s.ActiveFrom) || !got[0].ActiveTo.Equal(s.ActiveTo) {
		t.Fatalf("the window did not survive the event: %+v", got)
	}
	if n := len(re.Matcher().Match(Input{Text: "化工厂有异味", At: from.Add(-time.Hour)})); n != 0 {
		t.Fatal("matched before its window on replay")
	}
	if n := len(re.Matcher().Match(Input{Text: "化工厂有异味", At: from.Add(time.Hour)})); n != 1 {
		t.Fatal("did not match inside its window on replay")
	}
}
