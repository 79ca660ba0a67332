package evidence

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/analytics"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares v, as indented JSON, with testdata/name.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what Gather gives now; run go test -update and review the diff", path)
	}
}

func gatherLeak(t *testing.T, now time.Time) Evidence {
	t.Helper()
	ev, err := Gather(t.Context(), leakStore(t), sharedSegmenter(t), Input{
		Topics:    []string{"t-leak", "t-doubt"},
		Headlines: map[string]string{"t-leak": "临江区东港化工厂附近传出刺鼻气味"},
		Reasons:   []string{"信息量突增", "涉及敏感类别：人员伤亡"},
		From:      detectedAt.Add(-24 * time.Hour),
		Now:       now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestGatherGolden(t *testing.T) {
	golden(t, "leak.evidence.golden.json", gatherLeak(t, t0.Add(6*time.Hour)))
}

func TestGather(t *testing.T) {
	now := t0.Add(6 * time.Hour)
	ev := gatherLeak(t, now)

	t.Run("period and volume", func(t *testing.T) {
		if want := detectedAt.Add(-24 * time.Hour).Truncate(time.Hour); !ev.From.Equal(want) || !ev.To.Equal(now) {
			t.Errorf("period [%s, %s), want [%s, %s)", ev.From, ev.To, want, now)
		}
		// 29 incident posts (t-metro is not the incident's), 90 before the
		// statement, 24 in the three hours after it.
		if want := int64(29 + 90 + 24); ev.Total != want || ev.Listed != int(want) || ev.Sampled {
			t.Errorf("total %d, listed %d, sampled %v; want %d, all read", ev.Total, ev.Listed, ev.Sampled, want)
		}
		var sum int64
		for _, h := range ev.Series {
			sum += h.Mentions
			if n := h.Neg + h.Neu + h.Pos + h.Unscored; int64(n) != h.Mentions {
				t.Errorf("hour %s: %d mentions but %d by sentiment", h.Start, h.Mentions, n)
			}
		}
		if sum != ev.Total || len(ev.Series) != 30 || ev.Series[len(ev.Series)-1].Partial {
			t.Errorf("series: %d hours summing to %d (want 30 summing to %d, the last one complete at %s)", len(ev.Series), sum, ev.Total, now)
		}
	})

	t.Run("topics", func(t *testing.T) {
		if len(ev.Topics) != 2 {
			t.Fatalf("topics %+v", ev.Topics)
		}
		leak, doubt := ev.Topics[0], ev.Topics[1]
		if leak.Headline != "临江区东港化工厂附近传出刺鼻气味" || leak.HeadlineFrom != "alert" {
			t.Errorf("leak headline %q from %s", leak.Headline, leak.HeadlineFrom)
		}
		if doubt.HeadlineFrom != "post" || !strings.Contains(doubt.Headline, "不透明") {
			t.Errorf("doubt headline %q from %s, want one derived from its first post", doubt.Headline, doubt.HeadlineFrom)
		}
		if leak.FirstID != "weibo:1" || leak.Mentions != 26+90+24 || doubt.Mentions != 3 {
			t.Errorf("leak first %s, %d mentions; doubt %d", leak.FirstID, leak.Mentions, doubt.Mentions)
		}
		ents := map[string]Entity{}
		for _, e := range leak.Entities {
			ents[e.Text] = e
		}
		for _, want := range []string{"东港化工厂", "临江区", "3人死亡", "#东港化工厂泄漏#"} {
			if e, ok := ents[want]; !ok || len(e.MentionIDs) == 0 {
				t.Errorf("leak entities lack %s: %+v", want, leak.Entities)
			}
		}
		if p := leak.Platforms; len(p) != 3 || p[0].Platform != "weibo" {
			t.Errorf("platforms %+v", p)
		}
	})

	t.Run("reasons", func(t *testing.T) {
		if !slices.Equal(ev.Reasons, []string{"信息量突增", "涉及敏感类别：人员伤亡"}) {
			t.Errorf("reasons %v", ev.Reasons)
		}
	})

	t.Run("key posts", func(t *testing.T) {
		kp := ev.KeyPosts
		if kp.First == nil || kp.First.ID != "weibo:1" {
			t.Errorf("first %+v, want weibo:1", kp.First)
		}
		var official []string
		for _, p := range kp.Official {
			official = append(official, p.Author)
		}
		if !slices.Equal(official, []string{"临江消防", "临江发布", "人民日报"}) {
			t.Errorf("official %v", official)
		}
		if kp.VerifiedKnown || len(kp.Verified) != 0 {
			t.Errorf("verification is not in the store, yet %+v", kp.Verified)
		}
		if kp.SpreadBy != SpreadByCopies || len(kp.MostSpread) == 0 || kp.MostSpread[0].ID != "weibo:1" || kp.MostSpread[0].Spread != 2 {
			t.Errorf("most spread by %s: %+v, want weibo:1 copied twice", kp.SpreadBy, kp.MostSpread)
		}
		if len(kp.MostNegative) != 3 || kp.MostNegative[0].SentimentScore != -0.9 {
			t.Errorf("most negative %+v", kp.MostNegative)
		}
	})

	t.Run("claims", func(t *testing.T) {
		got := map[string]Claim{}
		for _, c := range ev.Claims {
			got[c.Kind+" "+c.Text] = c
		}
		for _, want := range []struct {
			key         string
			count       int
			official    bool
			conflicting bool
		}{
			{"casualty 3人死亡", 5, true, true},
			{"casualty 5人死亡", 2, false, true},
			{"casualty 12人受伤", 2, true, false}, // 十多人受伤 does not contradict it
			{"casualty 10余人受伤", 1, false, false},
			{"time 12月2日15时", 3, true, false},
			{"time 15时12分", 1, true, false},
			{"place 东港化工厂", 0, true, false},
			{"hearsay 已经有5人死亡，救护车一直在响", 1, false, false},
			{"hearsay 氯气泄漏，附近学校已经停课", 1, false, false},
		} {
			c, ok := got[want.key]
			if !ok {
				t.Errorf("no claim %s", want.key)
				continue
			}
			if want.count > 0 && c.Count != want.count || c.Official != want.official || c.Conflicting != want.conflicting || len(c.MentionIDs) == 0 {
				t.Errorf("%s: %+v; want count %d, official %v, conflicting %v", want.key, c, want.count, want.official, want.conflicting)
			}
		}
		if c := got["casualty 5人死亡"]; !slices.Contains(c.ConflictsWith, "3人死亡") {
			t.Errorf("5人死亡 conflicts with %v", c.ConflictsWith)
		}
	})

	t.Run("questions", func(t *testing.T) {
		if len(ev.Questions) == 0 || ev.Questions[0].Count != 3 || !strings.Contains(ev.Questions[0].Question, "疏散") {
			t.Errorf("the most asked question should be about the evacuation, asked 3 times: %+v", ev.Questions)
		}
	})

	t.Run("notes", func(t *testing.T) {
		joined := strings.Join(ev.Notes, "\n")
		if !strings.Contains(joined, "认证") || !strings.Contains(joined, "转发数") {
			t.Errorf("notes should say what is unavailable: %v", ev.Notes)
		}
	})
}

func TestGatherRejects(t *testing.T) {
	store, seg := openStore(t), sharedSegmenter(t)
	for name, in := range map[string]Input{
		"no topic":     {From: t0, Now: t0.Add(time.Hour)},
		"empty period": {Topics: []string{"t"}, From: t0, Now: t0},
		"no start":     {Topics: []string{"t"}, Now: t0},
	} {
		if _, err := Gather(t.Context(), store, seg, in); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Gather(t.Context(), store, nil, Input{Topics: []string{"t"}, From: t0, Now: t0.Add(time.Hour)}); err == nil {
		t.Error("no segmenter: no error")
	}
}

// Engagement, when the caller has it, names verified accounts and ranks
// by reposts.
func TestGatherWithEngagement(t *testing.T) {
	ev, err := Gather(t.Context(), leakStore(t), sharedSegmenter(t), Input{
		Topics: []string{"t-leak"}, From: t0, Now: t0.Add(6 * time.Hour),
		Engagement: map[string]Engagement{
			"weibo:2":  {Verified: true, Followers: 5000, Reposts: 40},
			"weibo:15": {Verified: true, Followers: 90000, Reposts: 900, Comments: 300},
			"weibo:21": {Verified: true, Followers: 800000, Reposts: 5000}, // official: listed there, not here
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	kp := ev.KeyPosts
	var verified []string
	for _, p := range kp.Verified {
		verified = append(verified, p.ID)
	}
	if !kp.VerifiedKnown || !slices.Equal(verified, []string{"weibo:15", "weibo:2"}) {
		t.Errorf("verified %v (known %v), want weibo:15 then weibo:2", verified, kp.VerifiedKnown)
	}
	if kp.SpreadBy != SpreadByReposts || kp.MostSpread[0].ID != "weibo:21" || kp.MostSpread[0].Spread != 5000 {
		t.Errorf("most spread by %s: %+v", kp.SpreadBy, kp.MostSpread)
	}
	for _, n := range ev.Notes {
		if strings.Contains(n, "认证") || strings.Contains(n, "转发数") {
			t.Errorf("note %q, though engagement was given", n)
		}
	}
}

// list pages back past the store's listing limit, across mentions that
// share an instant, and stops at its budget.
func TestListPagesPastTheLimit(t *testing.T) {
	store := openStore(t)
	var ms []analytics.Mention
	for i := range 2300 {
		// Pairs share an instant, so a page boundary falls inside one.
		at := t0.Add(time.Duration(i/2) * time.Second)
		ms = append(ms, analytics.Mention{ID: fmt.Sprintf("weibo:%d", i), Platform: "weibo", Text: "x", PublishedAt: at, Topic: "t"})
	}
	if err := store.PutMentions(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		budget    int
		want      int
		truncated bool
	}{
		{5000, 2300, false},
		{2300, 2300, false},
		{2000, 2000, true},
		{1000, 1000, true},
	} {
		got, truncated, err := list(t.Context(), store, "t", t0, t0.Add(time.Hour), c.budget)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, m := range got {
			ids[m.ID] = true
		}
		if len(got) != c.want || len(ids) != c.want || truncated != c.truncated {
			t.Errorf("budget %d: %d mentions (%d distinct), truncated %v; want %d, %v", c.budget, len(got), len(ids), truncated, c.want, c.truncated)
		}
	}
}
