package evidence

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEffect(t *testing.T) {
	store := leakStore(t)
	// Before the statement: the 20 first posts and 90 reactions, from
	// t0+5m; after it, 6 posts in the incident's topic and 8 reactions an
	// hour (t-doubt and t-metro are other topics).
	for _, c := range []struct {
		name          string
		now           time.Time
		partial       []bool // 6 h, 24 h
		after6        int64
		verdictPrefix string
		volume        string
		negative      string
	}{
		{"three hours after", statementAt.Add(3 * time.Hour), []bool{true, true}, 6 + 24, "6小时：", "下降", "下降"},
		{"a day after", statementAt.Add(25 * time.Hour), []bool{false, false}, 6 + 48, "24小时：", "下降", "下降"},
		{"just published", statementAt.Add(10 * time.Minute), []bool{true, true}, 1, "6小时：", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Effect(t.Context(), store, []string{"t-leak"}, statementAt, c.now)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Windows) != 2 || r.Windows[0].Hours != 6 || r.Windows[1].Hours != 24 {
				t.Fatalf("windows %+v", r.Windows)
			}
			w6 := r.Windows[0]
			for i, w := range r.Windows {
				if w.Partial != c.partial[i] {
					t.Errorf("%d h window partial %v, want %v", w.Hours, w.Partial, c.partial[i])
				}
				if w.Before.Mentions != 110 {
					t.Errorf("%d h window: %d mentions before, want 110", w.Hours, w.Before.Mentions)
				}
			}
			if w6.After.Mentions != c.after6 || !w6.After.To.Equal(minTime(c.now, statementAt.Add(6*time.Hour))) {
				t.Errorf("6 h after: %d mentions to %s, want %d", w6.After.Mentions, w6.After.To, c.after6)
			}
			pick := w6
			if !r.Windows[1].Partial {
				pick = r.Windows[1]
			}
			if pick.Volume != c.volume || pick.Negative != c.negative || !strings.HasPrefix(r.Verdict, c.verdictPrefix) {
				t.Errorf("volume %q, negative %q, verdict %q; want %q, %q, %s…", pick.Volume, pick.Negative, r.Verdict, c.volume, c.negative, c.verdictPrefix)
			}
			if c.volume != "" && !strings.Contains(r.Verdict, "回应后声量"+c.volume) || c.negative != "" && !strings.Contains(r.Verdict, "负面占比"+c.negative) {
				t.Errorf("verdict %q", r.Verdict)
			}
			if c.partial[0] && c.volume != "" && !strings.Contains(r.Verdict, "窗口未满") {
				t.Errorf("a partial window's verdict should say so: %q", r.Verdict)
			}
			if c.now.Sub(statementAt) > time.Hour {
				if len(r.NewTopics) != 1 || r.NewTopics[0].ID != "t-doubt" || !slices.Contains(r.NewTopics[0].MatchedBy, "东港化工厂") {
					t.Errorf("new topics %+v, want t-doubt matched by 东港化工厂 (not t-metro, not t-leak)", r.NewTopics)
				}
			}
			if r.Matching == "" {
				t.Error("the report should say how new topics were matched")
			}
		})
	}
}

func TestEffectRejects(t *testing.T) {
	store := openStore(t)
	for name, c := range map[string]struct {
		topics   []string
		pub, now time.Time
	}{
		"no topic":        {nil, t0, t0.Add(time.Hour)},
		"statement later": {[]string{"t"}, t0.Add(time.Hour), t0},
		"no statement":    {[]string{"t"}, time.Time{}, t0},
	} {
		if _, err := Effect(t.Context(), store, c.topics, c.pub, c.now); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// A rising story does not read as calmed by a statement: more per hour
// after it is a rebound.
func TestVerdict(t *testing.T) {
	pub := t0
	side := func(n int64, hours float64, neg, scored int) Side {
		return Side{From: pub, To: pub.Add(time.Duration(hours * float64(time.Hour))), Mentions: n, PerHour: float64(n) / hours,
			Neg: neg, Scored: scored, NegShare: float64(neg) / float64(max(scored, 1))}
	}
	for _, c := range []struct {
		name             string
		before, after    Side
		partial          bool
		volume, negative string
		says             string
	}{
		{"calmer", side(120, 6, 60, 100), side(30, 6, 10, 30), false, "下降", "下降", "回应后声量下降（每小时 20.0 → 5.0 条），负面占比下降（60% → 33%）"},
		{"rebound", side(60, 6, 30, 60), side(120, 6, 80, 120), false, "反弹", "上升", "回应后声量反弹"},
		{"flat", side(60, 6, 30, 60), side(62, 6, 31, 62), false, "持平", "持平", "负面占比持平"},
		{"few scored", side(60, 6, 2, 3), side(20, 6, 1, 2), false, "下降", "", "负面占比样本不足"},
		{"partial", side(60, 6, 30, 60), side(20, 2, 10, 20), true, "持平", "持平", "6小时窗口未满，回应后已过 2.0 小时"},
		{"too soon", side(60, 6, 30, 60), side(1, 0.2, 0, 1), true, "", "", "不足半小时"},
		{"silence", side(0, 6, 0, 0), side(0, 6, 0, 0), false, "", "", "回应前后均无信息"},
	} {
		t.Run(c.name, func(t *testing.T) {
			volume, negative, text := verdict(Window{Hours: 6, Before: c.before, After: c.after, Partial: c.partial})
			if volume != c.volume || negative != c.negative || !strings.Contains(text, c.says) {
				t.Errorf("got %q, %q, %q; want %q, %q, containing %q", volume, negative, text, c.volume, c.negative, c.says)
			}
		})
	}
}
