package evidence

import (
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/analytics"
)

// mk is a mention of the fixture's kind, minutes after t0.
func mk(id, topic string, minutes int, author, text, sentiment string, score float64) analytics.Mention {
	return analytics.Mention{ID: id, Platform: "weibo", Topic: topic, PublishedAt: t0.Add(time.Duration(minutes) * time.Minute),
		AuthorName: author, Text: text, Sentiment: sentiment, SentimentScore: score}
}

func TestSecondaryQuestioning(t *testing.T) {
	st := Statement{At: statementAt, Text: statementText}
	incident := []string{"t-leak"}
	before := []analytics.Mention{
		mk("b1", "t-leak", 30, "阿强", "为什么泄漏一个多小时了还没有疏散通知？", "neg", -0.6),
		mk("b2", "t-leak", 80, "愤怒的小鸟", "删帖了？刚才的视频没了", "neg", -0.7), // before the statement: not about it
	}
	doubting := []analytics.Mention{
		mk("q1", "t-leak", 205, "较真的人", "通报避重就轻，伤亡人数到底是多少？明明有人看到五个人被抬出来", "neg", -0.8),
		mk("q2", "t-leak", 210, "围观者", "“泄漏已得到有效控制”？谁信啊，现在小区里还是一股味", "neg", -0.7),
		mk("q3", "t-leak", 215, "老周", "质疑通报：说3人死亡，可现场视频里明显不止", "neg", -0.8),
	}
	newTopic := []analytics.Mention{
		mk("n1", "t-doubt", 220, "追问者", "官方回应根本不透明，还在删帖 #东港化工厂通报#", "neg", -0.9),
		mk("n2", "t-doubt", 230, "临江老李", "删帖删得比发通报还快，东港化工厂到底死了几个人", "neg", -0.8),
		mk("n3", "t-doubt", 240, "不信邪", "东港化工厂的通报和现场对不上，官方说法谁信", "neg", -0.7),
	}
	calm := []analytics.Mention{
		mk("c1", "t-leak", 200, "热心市民", "通报说3人死亡，太惨了，愿逝者安息", "neg", -0.6),             // names it, doubts nothing
		mk("c2", "t-leak", 201, "临江发布", "网传删帖系谣言，我们将持续发布权威信息，质疑请通过12345反映", "neu", 0), // official
		mk("c3", "t-leak", 202, "人民日报", "【临江一化工厂发生氯气泄漏】目前泄漏已得到有效控制", "neu", 0),        // quotes it, doubts nothing
	}
	for _, c := range []struct {
		name     string
		ms       []analytics.Mention
		now      time.Time
		want     []string // topic of each questioning alert, "" for the incident's
		ids      [][]string
		mentions []string // words each reason holds
	}{
		{"in the incident and in a new topic", concat(before, doubting, newTopic, calm), t0.Add(5 * time.Hour),
			[]string{"", "t-doubt"}, [][]string{{"q1", "q2", "q3"}, {"n1", "n2", "n3"}}, []string{"引用回应原文", "删帖 2"}},
		{"calm reactions are not questioning", concat(before, calm), t0.Add(5 * time.Hour), nil, nil, nil},
		{"too few", concat(before, doubting[:2]), t0.Add(5 * time.Hour), nil, nil, nil},
		{"not yet posted at now", concat(before, doubting, newTopic), t0.Add(212 * time.Minute), nil, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Secondary(st, incident, c.ms, nil, c.now)
			var topics []string
			var ids [][]string
			for _, a := range got {
				if a.Kind != SecondaryQuestioning {
					t.Errorf("unexpected %+v", a)
					continue
				}
				topics = append(topics, a.Topic)
				ids = append(ids, a.MentionIDs)
				if a.NewTopic != (a.Topic != "") || a.Count != len(a.MentionIDs) || !strings.Contains(a.Reason, "质疑回应") {
					t.Errorf("alert %+v", a)
				}
			}
			if !slices.Equal(topics, c.want) || !slices.EqualFunc(ids, c.ids, slices.Equal) {
				t.Fatalf("alerts for topics %q with %v, want %q with %v\n%+v", topics, ids, c.want, c.ids, got)
			}
			for i, w := range c.mentions {
				if !strings.Contains(got[i].Reason, w) {
					t.Errorf("reason %q lacks %s", got[i].Reason, w)
				}
			}
		})
	}
}

func TestSecondaryVolume(t *testing.T) {
	// Hourly volume: the statement at 10:20, after a peak of 40 at 09:00.
	st := Statement{At: time.Date(2026, 12, 2, 10, 20, 0, 0, time.UTC), Text: statementText}
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	hours := func(counts ...int64) []Hour { // from 07:00
		out := make([]Hour, len(counts))
		for i, n := range counts {
			out[i] = Hour{Start: day.Add(time.Duration(7+i) * time.Hour), Mentions: n}
		}
		return out
	}
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	ms := []analytics.Mention{
		{ID: "r1", PublishedAt: at(12, 5), SentimentScore: -0.2},
		{ID: "r2", PublishedAt: at(12, 10), SentimentScore: -0.9},
		{ID: "r3", PublishedAt: at(11, 59), SentimentScore: -1},
	}
	for _, c := range []struct {
		name  string
		hours []Hour
		now   time.Time
		kinds []string
		at    []int // hour of each alert
		says  []string
	}{
		// hours(…) counts from 07:00; the statement's hour is the fourth.
		{"rebound", hours(10, 25, 40, 35, 30, 50), at(12, 30), []string{SecondaryRebound}, []int{12}, []string{"未过完"}},
		{"the statement's own hour is not after it", hours(10, 25, 40, 60, 30), at(12, 0), nil, nil, nil},
		{"calming down", hours(10, 25, 40, 35, 20, 12, 8, 5), at(15, 0), nil, nil, nil},
		{"second peak", hours(10, 25, 40, 35, 25, 15, 36, 20), at(15, 0), []string{SecondarySecondPeak}, []int{13}, []string{"降至每小时 15 条"}},
		{"both", hours(10, 25, 40, 35, 50, 18, 12, 40), at(15, 0), []string{SecondaryRebound, SecondarySecondPeak}, []int{11, 14}, []string{"1.2 倍", "二次峰值"}},
		{"a rise after six hours is not a rebound", hours(10, 25, 40, 35, 38, 35, 30, 36, 39, 40, 49), at(18, 0), nil, nil, nil},
		{"too small to matter", hours(1, 2, 3, 2, 0, 5), at(13, 0), nil, nil, nil},
		{"hours after now are ignored", hours(10, 25, 40, 35, 30, 30, 60), at(12, 30), nil, nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Secondary(st, nil, ms, c.hours, c.now)
			var kinds []string
			var hrs []int
			for _, a := range got {
				kinds = append(kinds, a.Kind)
				hrs = append(hrs, a.At.Hour())
			}
			if !slices.Equal(kinds, c.kinds) || !slices.Equal(hrs, c.at) {
				t.Fatalf("alerts %v at %v, want %v at %v\n%+v", kinds, hrs, c.kinds, c.at, got)
			}
			for i, w := range c.says {
				if !strings.Contains(got[i].Reason, w) {
					t.Errorf("reason %q lacks %s", got[i].Reason, w)
				}
			}
		})
	}
	// The alert names the hour's posts, most negative first.
	got := Secondary(st, nil, ms, hours(10, 25, 40, 35, 30, 50), at(12, 30))
	if len(got) != 1 || !slices.Equal(got[0].MentionIDs, []string{"r2", "r1"}) {
		t.Errorf("rebound alert %+v, want r2 and r1", got)
	}
}

func concat(mss ...[]analytics.Mention) []analytics.Mention {
	var out []analytics.Mention
	for _, ms := range mss {
		out = append(out, ms...)
	}
	return out
}

// The way the console wires it: Effect names the new topics, Read lists
// their mentions and the incident's, Gather gives the hourly volume.
func TestSecondaryFromTheStore(t *testing.T) {
	store, now := leakStore(t), statementAt.Add(3*time.Hour)
	incident := []string{"t-leak"}
	eff, err := Effect(t.Context(), store, incident, statementAt, now)
	if err != nil {
		t.Fatal(err)
	}
	topics := slices.Clone(incident)
	for _, nt := range eff.NewTopics {
		topics = append(topics, nt.ID)
	}
	ms, sampled, err := Read(t.Context(), store, topics, statementAt.Add(-24*time.Hour), now)
	if err != nil || sampled {
		t.Fatal(err, sampled)
	}
	ev, err := Gather(t.Context(), store, sharedSegmenter(t), Input{Topics: incident, From: detectedAt.Add(-24 * time.Hour), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	got := Secondary(Statement{At: statementAt, Text: statementText}, incident, ms, ev.Series, now)
	var ids [][]string
	for _, a := range got {
		ids = append(ids, a.MentionIDs)
	}
	want := [][]string{{"weibo:24", "weibo:25", "weibo:26"}, {"weibo:27", "weibo:28", "weibo:29"}}
	if !slices.EqualFunc(ids, want, slices.Equal) || got[1].Topic != "t-doubt" || !got[1].NewTopic {
		t.Errorf("alerts %+v, want the incident's three questioning posts, then t-doubt's, and no volume alert", got)
	}
}
