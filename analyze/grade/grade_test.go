package grade

import (
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	cases := map[string]int{"3": 3, "12": 12, "十": 10, "十二": 12, "二十": 20, "三十五": 35, "两百零五": 205, "一千": 1000, "abc": 0}
	for in, want := range cases {
		if got := ParseNumber(in); got != want {
			t.Errorf("ParseNumber(%q) = %d, want %d", in, got, want)
		}
	}
}

func reason(s Suggestion, factor string) *Reason {
	for i := range s.Reasons {
		if strings.HasPrefix(s.Reasons[i].Factor, factor) {
			return &s.Reasons[i]
		}
	}
	return nil
}

func TestCasualtiesSetAFloor(t *testing.T) {
	cases := []struct {
		text string
		want Grade
	}{
		{"化工厂爆炸已造成32人死亡", I},
		{"事故造成十二人遇难", II},
		{"据通报，3名工人死亡", III},
		{"一人受伤，已送医", IV},
	}
	for _, c := range cases {
		s := Suggest(Input{Mentions: 5, Samples: []Sample{{ID: "weibo:1", Text: c.text}}})
		if s.Grade != c.want {
			t.Errorf("%q: grade %v, want %v (reasons %+v)", c.text, s.Grade, c.want, s.Reasons)
		}
	}
	s := Suggest(Input{Mentions: 5, Samples: []Sample{{ID: "weibo:1", Text: "据通报，3名工人死亡"}, {ID: "weibo:2", Text: "网传30人死亡"}}})
	r := reason(s, "casualties")
	if s.Grade != I || r == nil || len(r.MentionIDs) != 1 || r.MentionIDs[0] != "weibo:2" {
		t.Fatalf("evidence of the highest figure: %+v", s)
	}
}

func TestEveryFactorCitesEvidence(t *testing.T) {
	s := Suggest(Input{
		Mentions: 2500, Reach: 50_000_000, Velocity: 600, NegativeShare: 0.8,
		Samples: []Sample{
			{ID: "weibo:1", Author: "人民日报", Verified: true, Text: "化工园区发生泄漏，附近居民闻到刺鼻异味"},
			{ID: "weibo:2", Author: "网友", Text: "相关部门推诿不作为", Negative: true},
		},
	})
	if s.Grade != I {
		t.Fatalf("grade %v, points %d, reasons %+v", s.Grade, s.Points, s.Reasons)
	}
	for _, f := range []string{"reach", "velocity", "negativity", "category:safety", "category:environment", "category:conduct", "official_media"} {
		r := reason(s, f)
		if r == nil || r.Detail == "" {
			t.Errorf("no reason %s in %+v", f, s.Reasons)
		}
	}
	if r := reason(s, "official_media"); r == nil || r.MentionIDs[0] != "weibo:1" {
		t.Errorf("official media evidence %+v", r)
	}
	if r := reason(s, "category:conduct"); r == nil || r.MentionIDs[0] != "weibo:2" {
		t.Errorf("conduct evidence %+v", r)
	}
}

func TestQuietTopicIsGradeIV(t *testing.T) {
	s := Suggest(Input{Mentions: 12, Reach: 3000, Velocity: 2, Samples: []Sample{{ID: "forum:1", Text: "小区门口的路灯坏了"}}})
	if s.Grade != IV || s.Points != 0 {
		t.Fatalf("%+v", s)
	}
	if I.String() != "I 特别重大" || IV.String() != "IV 一般" {
		t.Fatal("grade names")
	}
}
