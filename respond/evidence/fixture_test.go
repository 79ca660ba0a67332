package evidence

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
)

// The segmenter takes seconds to load: one per test binary.
var (
	segOnce sync.Once
	testSeg *segment.Segmenter
	segErr  error
)

func sharedSegmenter(t testing.TB) *segment.Segmenter {
	t.Helper()
	segOnce.Do(func() { testSeg, segErr = segment.New(segment.Config{}, nil) })
	if segErr != nil {
		t.Fatal(segErr)
	}
	return testSeg
}

func openStore(t *testing.T) analytics.Store {
	t.Helper()
	s, err := sqlitestore.Open(t.Context(), filepath.Join(t.TempDir(), "analytics.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The made-up incident: a chlorine leak at 东港化工厂 in 临江区, on
// 2 December 2026 at 15:00 China time (t0). 临江发布 publishes a statement
// three hours later (statementAt); a topic questioning it begins after.
var (
	t0          = time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)
	statementAt = t0.Add(3 * time.Hour)
	detectedAt  = t0.Add(30 * time.Minute)
)

const statementText = "【情况通报】12月2日15时许，临江区东港化工厂发生氯气泄漏事故。目前泄漏已得到有效控制，事故造成3人死亡、12人受伤，伤者已送医救治，周边群众已疏散。事故原因正在调查中。"

// fpost is one fixture mention.
type fpost struct {
	id     int
	topic  string
	at     time.Duration // after t0
	author string
	text   string
	sent   string // neg, neu, pos
	score  float64
	plat   string
}

var leakPosts = []fpost{
	{1, "t-leak", 5 * time.Minute, "路人甲", "临江区东港化工厂附近传出刺鼻气味，好多人在往外跑，是不是泄漏了？#东港化工厂泄漏#", "neg", -0.6, ""},
	{2, "t-leak", 8 * time.Minute, "住在东港", "今天下午3点左右东港化工厂那边砰的一声，然后一股黄烟，家里老人咳嗽不止", "neg", -0.7, ""},
	{3, "t-leak", 12 * time.Minute, "吃瓜群众", "转发微博//@路人甲:临江区东港化工厂附近传出刺鼻气味，好多人在往外跑，是不是泄漏了？", "neu", 0, ""},
	{4, "t-leak", 15 * time.Minute, "临江生活圈", "扩散！临江区东港化工厂附近传出刺鼻气味，好多人在往外跑，附近的关好窗[哭]", "neg", -0.4, ""},
	{5, "t-leak", 20 * time.Minute, "夜猫子", "网传已经有5人死亡，救护车一直在响", "neg", -0.8, ""},
	{6, "t-leak", 21 * time.Minute, "临江消防", "15时12分接到报警，东港化工厂发生泄漏，已调派8车40人赶赴现场处置。", "neu", 0.1, ""},
	{7, "t-leak", 25 * time.Minute, "小区业主", "听说有三人死亡，十多人受伤，真的假的？", "neg", -0.5, ""},
	{8, "t-leak", 30 * time.Minute, "阿强", "为什么泄漏一个多小时了还没有疏散通知？", "neg", -0.6, ""},
	{9, "t-leak", 32 * time.Minute, "东港居民", "为什么都一个小时了还不通知周边居民疏散？[怒]", "neg", -0.7, ""},
	{10, "t-leak", 35 * time.Minute, "宝妈小林", "周边居民什么时候能回家？", "neu", -0.1, ""},
	{11, "t-leak", 40 * time.Minute, "宝妈小林", "空气和水源到底有没有受影响？孩子能不能去上学？", "neg", -0.3, ""},
	{12, "t-leak", 45 * time.Minute, "老周", "化工厂是否存在违规生产？之前就被投诉过", "neg", -0.5, ""},
	{13, "t-leak", 60 * time.Minute, "临江论坛网友", "疑似氯气泄漏，附近学校已经停课", "neg", -0.3, "forum"},
	{14, "t-leak", 70 * time.Minute, "知情者", "据网友称化工厂负责人已经被控制", "neu", 0, ""},
	{15, "t-leak", 80 * time.Minute, "愤怒的小鸟", "有网友说死了五个人，官方还在捂着", "neg", -0.9, ""},
	{16, "t-leak", 90 * time.Minute, "路过", "还没疏散，为什么不通知居民？？？", "neg", -0.6, ""},
	{17, "t-leak", 100 * time.Minute, "宝爸", "周边小区的居民啥时候能回家啊？", "neu", -0.1, ""},
	{18, "t-leak", 110 * time.Minute, "家长群", "孩子明天能不能正常上学？", "neu", 0, ""},
	{19, "t-leak", 115 * time.Minute, "吐槽君", "？？？[怒][怒]", "neg", -0.5, ""},
	{20, "t-leak", 120 * time.Minute, "吐槽君", "为什么？", "neg", -0.4, ""},
	// The statement, and what followed.
	{21, "t-leak", 180 * time.Minute, "临江发布", statementText, "neu", 0, ""},
	{22, "t-leak", 190 * time.Minute, "人民日报", "【临江一化工厂发生氯气泄漏 致3人死亡12人受伤】12月2日15时许，临江区东港化工厂发生氯气泄漏事故，目前泄漏已得到控制。", "neu", -0.1, "news"},
	{23, "t-leak", 200 * time.Minute, "热心市民", "通报说3人死亡，太惨了，愿逝者安息", "neg", -0.6, ""},
	{24, "t-leak", 205 * time.Minute, "较真的人", "通报避重就轻，伤亡人数到底是多少？明明有人看到五个人被抬出来", "neg", -0.8, ""},
	{25, "t-leak", 210 * time.Minute, "围观者", "“泄漏已得到有效控制”？谁信啊，现在小区里还是一股味", "neg", -0.7, ""},
	{26, "t-leak", 215 * time.Minute, "老周", "质疑通报：说3人死亡，可现场视频里明显不止", "neg", -0.8, ""},
	{27, "t-doubt", 220 * time.Minute, "追问者", "官方回应根本不透明，还在删帖 #东港化工厂通报#", "neg", -0.9, ""},
	{28, "t-doubt", 230 * time.Minute, "临江老李", "删帖删得比发通报还快，东港化工厂到底死了几个人", "neg", -0.8, ""},
	{29, "t-doubt", 240 * time.Minute, "不信邪", "东港化工厂的通报和现场对不上，官方说法谁信", "neg", -0.7, ""},
	// Another story on the same day, not the incident's.
	{30, "t-metro", 250 * time.Minute, "通勤族", "临江地铁2号线票价调整听证会今天召开，起步价要涨到3元？", "neu", 0, ""},
}

// filler is the bulk of the incident: short reactions, too short to copy
// one another, perHour of them in the last 50 minutes of each hour in
// [from, to) after t0.
func filler(firstID int, from, to time.Duration, perHour int, negShare float64) []fpost {
	texts := []string{"关注，希望大家平安", "求真相", "附近的朋友关好窗", "太吓人了", "味道好大，头晕", "在现场，全是警车",
		"希望没有人受伤", "又是化工厂", "关注后续", "东港这边还能闻到味"}
	var out []fpost
	id := firstID
	for h := from; h < to; h += time.Hour {
		for i := range perHour {
			p := fpost{id: id, topic: "t-leak", at: h + 10*time.Minute + time.Duration(i)*50*time.Minute/time.Duration(perHour),
				author: fmt.Sprintf("网友%d", id), text: texts[id%len(texts)], sent: "neu"}
			if float64(i) < negShare*float64(perHour) {
				p.sent, p.score = "neg", -0.2
			}
			out = append(out, p)
			id++
		}
	}
	return out
}

// leakIncident is the fixture: the posts above, 30 an hour before the
// statement (60% negative) and 8 an hour after it (25% negative).
func leakIncident() []fpost {
	ps := append([]fpost(nil), leakPosts...)
	ps = append(ps, filler(1000, 0, 3*time.Hour, 30, 0.6)...)
	ps = append(ps, filler(2000, 3*time.Hour, 9*time.Hour, 8, 0.25)...)
	return ps
}

// rows turns fixture posts into stored mentions, segmented like the
// analyser does.
func rows(t testing.TB, ps []fpost) []analytics.Mention {
	seg := sharedSegmenter(t)
	out := make([]analytics.Mention, 0, len(ps))
	for _, p := range ps {
		plat := p.plat
		if plat == "" {
			plat = "weibo"
		}
		m := analytics.Mention{
			ID: fmt.Sprintf("%s:%d", plat, p.id), Platform: plat, AuthorID: "u-" + p.author, AuthorName: p.author,
			Text: p.text, PublishedAt: t0.Add(p.at), IngestedAt: t0.Add(p.at + time.Minute),
			Sentiment: p.sent, SentimentScore: p.score, Topic: p.topic,
		}
		m.Tokens = seg.Tokens(m.Text)
		m.Keywords = seg.Keywords(m.Tokens, 8)
		out = append(out, m)
	}
	return out
}

// leakTopics are the topic summaries the analyser would have written.
func leakTopics() []analytics.Topic {
	return []analytics.Topic{
		{ID: "t-leak", Label: []string{"东港化工厂", "泄漏", "氯气", "疏散"}, Mentions: 100, FirstID: "weibo:1", FirstTime: t0.Add(5 * time.Minute),
			LastTime: t0.Add(9 * time.Hour), Platforms: []string{"weibo", "forum", "news"}, Updated: t0.Add(9 * time.Hour)},
		{ID: "t-doubt", Label: []string{"通报", "删帖", "东港化工厂"}, Mentions: 3, FirstID: "weibo:27", FirstTime: t0.Add(220 * time.Minute),
			LastTime: t0.Add(240 * time.Minute), Platforms: []string{"weibo"}, Updated: t0.Add(240 * time.Minute)},
		{ID: "t-metro", Label: []string{"地铁", "票价", "听证会"}, Mentions: 1, FirstID: "weibo:30", FirstTime: t0.Add(250 * time.Minute),
			LastTime: t0.Add(250 * time.Minute), Platforms: []string{"weibo"}, Updated: t0.Add(250 * time.Minute)},
	}
}

// leakStore is a store holding the fixture.
func leakStore(t *testing.T) analytics.Store {
	t.Helper()
	s := openStore(t)
	if err := s.PutMentions(t.Context(), rows(t, leakIncident())); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTopics(t.Context(), leakTopics()); err != nil {
		t.Fatal(err)
	}
	return s
}

// byID finds fixture rows.
func byID(ms []analytics.Mention) map[string]analytics.Mention {
	out := map[string]analytics.Mention{}
	for _, m := range ms {
		out[m.ID] = m
	}
	return out
}
