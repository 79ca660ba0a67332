package policy

import (
	"strings"
	"testing"
	"time"

	"yuqing/analyze/scheme"
)

// matcher registers the scheme as `yuqing scheme apply` would and returns
// the live matcher the analyser uses.
func matcher(t *testing.T, s scheme.Scheme) *scheme.Matcher {
	t.Helper()
	r := scheme.NewRegistry()
	e, err := r.Define(s, "test", time.Now())
	if err != nil {
		t.Fatalf("scheme %+v does not compile: %v", s, err)
	}
	if err := r.Apply(e); err != nil {
		t.Fatal(err)
	}
	return r.Matcher()
}

func TestSchemeMatchesReactionsNotChatter(t *testing.T) {
	cases := []struct {
		d          Draft
		reactions  []string
		chatter    []string
		windowFrom time.Time
	}{
		{schoolDraft, []string{
			"临江学区划片又要改了，刚买的学区房怎么办？",
			"鼓楼区多校划片方案出来了，孩子入学要看三年居住证明",
			"江滨区家长：唯一住房六年只能用一个学位，太严了",
			"《临江市教育局关于调整中心城区义务教育学校招生划片范围的通知》家长们怎么看",
		}, []string{
			"周末去临江古城玩，风景真好",
			"全国多地学区房价格下跌",
			"鼓楼区体育馆演唱会门票开售",
			"临江学区房急售，加微信了解", // generic noise is excluded
		}, time.Date(2026, 6, 15, 0, 0, 0, 0, cst)},
		{parkingDraft, []string{
			"临江停车费要涨到8元一小时了，上班族伤不起",
			"鼓楼区路边停车泊位涨价60%，包月也翻倍",
			"江滨区居民包月停放300元一个月，凭什么",
		}, []string{
			"临江今天下大雨，注意出行安全",
			"江滨区新开了一家火锅店",
			"北京停车费又涨了",
		}, time.Date(2026, 5, 20, 0, 0, 0, 0, cst)}, // no release date: from the day assessed
	}
	for _, c := range cases {
		a, err := Assess(t.Context(), c.d, Deps{Seg: segmenter(t), Now: fixedNow})
		if err != nil {
			t.Fatal(err)
		}
		s := a.Scheme
		if !strings.HasPrefix(s.ID, "policy-") || s.Name != "政策发布监测："+c.d.Title || len(s.Exclude) == 0 {
			t.Errorf("scheme %+v", s)
		}
		if _, err := scheme.Compile([]scheme.Scheme{s}); err != nil {
			t.Fatalf("%s: %v", s.Rule, err)
		}
		m := matcher(t, s)
		for _, p := range c.reactions {
			if got := m.Match(scheme.Input{Text: p, Platform: "weibo"}); len(got) != 1 || got[0].SchemeID != s.ID {
				t.Errorf("%s: reaction %q not matched by %s %v", s.ID, p, s.Rule, s.Groups)
			}
		}
		for _, p := range c.chatter {
			if got := m.Match(scheme.Input{Text: p, Platform: "weibo"}); len(got) != 0 {
				t.Errorf("%s: chatter %q matched (terms %v)", s.ID, p, got[0].Terms)
			}
		}
		if !a.WindowFrom.Equal(c.windowFrom) || !a.WindowTo.Equal(c.windowFrom.AddDate(0, 0, DefaultWindowDays)) {
			t.Errorf("window %s .. %s, want from %s for %d days", a.WindowFrom, a.WindowTo, c.windowFrom, DefaultWindowDays)
		}
	}
}

// The same draft gets the same scheme ID; another draft another; the
// window length follows WindowDays.
func TestSchemeIdentityAndWindow(t *testing.T) {
	a1, err := Assess(t.Context(), schoolDraft, Deps{Seg: segmenter(t), Now: fixedNow, WindowDays: 7})
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := Assess(t.Context(), schoolDraft, Deps{Seg: segmenter(t), Now: time.Now})
	a3, _ := Assess(t.Context(), parkingDraft, Deps{Seg: segmenter(t), Now: fixedNow})
	if a1.Scheme.ID != a2.Scheme.ID || a1.Scheme.ID == a3.Scheme.ID {
		t.Errorf("IDs %s %s %s", a1.Scheme.ID, a2.Scheme.ID, a3.Scheme.ID)
	}
	if d := a1.WindowTo.Sub(a1.WindowFrom); d != 7*24*time.Hour {
		t.Errorf("window of %s", d)
	}
	// A draft without a place still gets a scheme that compiles: its
	// subject and distinctive words, or its title.
	d := Draft{Title: "关于调整住房公积金缴存基数的通知", Text: "自2026年7月1日起，住房公积金月缴存基数上限调整为上年度职工月平均工资的3倍。\n住房公积金缴存比例不变。"}
	a, err := Assess(t.Context(), d, Deps{Seg: segmenter(t), Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	m := matcher(t, a.Scheme)
	if len(m.Match(scheme.Input{Text: "公积金缴存基数又调整了，住房公积金到手少了"})) != 1 || len(m.Match(scheme.Input{Text: "今天天气不错"})) != 0 {
		t.Errorf("placeless scheme %s %v", a.Scheme.Rule, a.Scheme.Groups)
	}
}
