package analyze

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"yuqing/analyze/alert"
	"yuqing/analyze/segment"
	"yuqing/analyze/topic"
	"yuqing/internal/mention"
)

var (
	testSegOnce sync.Once
	testSeg     *segment.Segmenter
	testSegErr  error
)

func sharedSegmenter(t *testing.T) *segment.Segmenter {
	t.Helper()
	testSegOnce.Do(func() { testSeg, testSegErr = segment.New(segment.Config{}, nil) })
	if testSegErr != nil {
		t.Fatal(testSegErr)
	}
	return testSeg
}

// story is a made-up incident: a first report, reports in other words and
// reactions that name something of it.
type story struct {
	name      string
	first     string
	reports   []string
	reactions []string
}

// Three incidents in one city on one evening, written for this test, and
// chatter that names no incident.
var concurrentStories = []story{{
	name:  "leak",
	first: "【临江区东港化工厂氯气泄漏】今晚8时许，临江区东港化工厂发生氯气泄漏，已致3人死亡、12人受伤，周边居民正在疏散。",
	reports: []string{
		"东港化工厂泄漏事故已造成3人死亡，临江区应急管理局正在组织处置，请周边居民关好门窗。",
		"临江区通报：东港化工厂氯气泄漏，环境监测持续进行，下风向居民暂勿返回。",
		"化工厂泄漏现场消防队员正在堵漏，东港一带封路。",
	},
	reactions: []string{
		"东港化工厂离我家就两公里，氯气味好重",
		"氯气泄漏太吓人了，东港那边的人快撤",
		"化工厂又出事，三个人没了",
		"临江区的化工厂早该搬走了",
		"东港的空气现在能出门吗？",
		"氯气中毒要去哪个医院？东港附近的",
		"化工厂泄漏死了三个人，心痛",
	},
}, {
	name:  "gas",
	first: "【西湖区阳光小区居民楼燃气爆炸】今晚西湖区阳光小区7幢发生燃气爆炸，多户窗户被震碎，伤者已送往市第一人民医院。",
	reports: []string{
		"阳光小区7幢燃气爆炸，西湖区消防救援大队已到场，楼内居民全部疏散。",
		"西湖区通报阳光小区燃气爆炸：初步判断为住户燃气泄漏引发，伤者无生命危险。",
		"燃气公司已关闭阳光小区总阀，爆炸原因正在调查。",
	},
	reactions: []string{
		"阳光小区就在我们单位旁边，爆炸声好大",
		"燃气爆炸把对面楼的玻璃都震碎了",
		"阳光小区7幢的邻居都还好吗",
		"家里的燃气灶赶紧检查一下，阳光小区太吓人",
		"西湖区阳光小区那边全是消防车",
		"燃气泄漏爆炸，希望伤者平安",
	},
}, {
	name:  "subway",
	first: "【地铁3号线信号故障全线停运】今晚高峰地铁3号线信号故障，全线停运，大量乘客滞留站台，请改乘公交。",
	reports: []string{
		"地铁3号线停运已超过一小时，运营公司称信号系统故障正在抢修。",
		"3号线故障期间，公交集团加开接驳公交，从城站发车。",
	},
	reactions: []string{
		"3号线又停运，站台挤满了人",
		"地铁信号故障，回家要迟到了",
		"3号线什么时候能恢复运营",
		"接驳公交排了好长的队，地铁3号线太坑",
		"地铁停运，打车都打不到",
	},
}}

var chatter = []string{
	"今天天气真好",
	"这家火锅太好吃了，毛肚一绝",
	"国足取胜，今晚喝一杯",
	"周末去西湖骑车，风景不错",
	"新买的耳机音质还行",
	"太可怕了",
	"转发微博",
	"哈哈哈哈笑死我了",
	"明天又要上班了",
	"求推荐一部好看的电影",
	"我家猫今天又拆家了",
	"早点睡吧各位",
	"这首歌单曲循环一整天",
	"奶茶第二杯半价",
	"好累啊",
}

// concurrentStream interleaves the stories and the chatter over one hour:
// every post of every story lands in the same minutes as the others'.
func concurrentStream(seed uint64, start time.Time, drill bool) ([]mention.Mention, map[string]string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	truth := map[string]string{} // mention ID -> story name, "" for chatter
	var ms []mention.Mention
	add := func(id, text, who string, at time.Duration) {
		m := mention.Mention{ID: id, Platform: "weibo", Text: text, PublishedAt: start.Add(at), Drill: drill,
			Author: mention.Author{Name: "用户" + id}}
		ms = append(ms, m)
		truth[id] = who
	}
	prefix := "m"
	if drill {
		prefix = "d"
	}
	for si, s := range concurrentStories {
		base := fmt.Sprintf("%s%d-", prefix, si)
		add(base+"0", s.first, s.name, time.Duration(si)*time.Minute)
		n := 1
		for k := 0; k < 40; k++ {
			at := time.Duration(2+rng.IntN(55))*time.Minute + time.Duration(rng.IntN(60))*time.Second
			var text string
			switch r := rng.Float64(); {
			case r < 0.15:
				text = s.reports[rng.IntN(len(s.reports))]
			case r < 0.85:
				text = s.reactions[rng.IntN(len(s.reactions))]
				if rng.IntN(2) == 0 {
					text += []string{"！", "。。。", "[怒]", "，大家注意安全", "？"}[rng.IntN(5)]
				}
			default:
				// A repost of the first report, with a comment.
				id := fmt.Sprintf("%s%d", base, n)
				n++
				ms = append(ms, mention.Mention{ID: id, Platform: "weibo", Text: "转发微博", RootID: base + "0",
					PublishedAt: start.Add(at), Drill: drill, Author: mention.Author{Name: "转发者" + id}})
				truth[id] = s.name
				continue
			}
			add(fmt.Sprintf("%s%d", base, n), text, s.name, at)
			n++
		}
	}
	for i, c := range chatter {
		add(fmt.Sprintf("%sc%d", prefix, i), c, "", time.Duration(3+4*i)*time.Minute)
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].PublishedAt.Before(ms[j].PublishedAt) })
	return ms, truth
}

// analyseStream runs mentions through both stages, as the analyser does.
func analyseStream(t *testing.T, ms []mention.Mention) (map[string]string, []AlertOut, *Tracker) {
	t.Helper()
	seg := sharedSegmenter(t)
	enr := NewEnricher(seg, nil)
	tr := NewTracker(Tracking(seg))
	got := map[string]string{}
	var alerts []AlertOut
	for _, m := range ms {
		a := enr.Enrich(m)
		out := tr.Track(&a)
		got[m.ID] = a.Topic
		alerts = append(alerts, out.Alerts...)
	}
	for id, tp := range got {
		got[id] = tr.Resolve(tp)
	}
	return got, alerts, tr
}

// TestConcurrentIncidentsStayApart posts three made-up incidents in the
// same hour, with chatter between them: no topic mixes two stories or a
// story and chatter, each story raises one alert, chatter is unassigned.
func TestConcurrentIncidentsStayApart(t *testing.T) {
	start := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	for seed := uint64(1); seed <= 3; seed++ {
		ms, truth := concurrentStream(seed, start, false)
		got, alerts, tr := analyseStream(t, ms)
		members := map[string]map[string]int{} // topic -> story -> mentions
		for id, tp := range got {
			if tp == "" {
				continue
			}
			if members[tp] == nil {
				members[tp] = map[string]int{}
			}
			members[tp][truth[id]]++
		}
		for tp, by := range members {
			if len(by) > 1 {
				t.Errorf("seed %d: topic %s mixes stories: %v", seed, tp, by)
			}
		}
		for id, who := range truth {
			if who == "" && got[id] != "" {
				t.Errorf("seed %d: chatter %s joined topic %s", seed, id, got[id])
			}
		}
		// The first report of each story heads a topic that holds most of
		// the story.
		for si, s := range concurrentStories {
			tp := got[fmt.Sprintf("m%d-0", si)]
			total := 0
			for _, who := range truth {
				if who == s.name {
					total++
				}
			}
			if tp == "" || members[tp][s.name] < total*6/10 {
				t.Errorf("seed %d: story %s: its first report's topic %q holds %d of its %d mentions", seed, s.name, tp, members[tp][s.name], total)
			}
		}
		// One alert per story: every raised alert, by the story its topic
		// (followed through merges) holds.
		perStory := map[string]int{}
		for _, a := range alerts {
			if a.Type != alert.TypeRaised {
				continue
			}
			for who := range members[tr.Resolve(a.Alert.TopicID)] {
				perStory[who]++
			}
		}
		for _, s := range concurrentStories {
			if perStory[s.name] != 1 {
				t.Errorf("seed %d: story %s raised %d alerts, want 1 (all: %v)", seed, s.name, perStory[s.name], perStory)
			}
		}
		if perStory[""] != 0 {
			t.Errorf("seed %d: chatter raised %d alerts", seed, perStory[""])
		}
	}
}

// TestDrillAndRealNeverShareATopic plays the same incident as a drill and
// for real in the same minutes: no topic and no alert holds both.
func TestDrillAndRealNeverShareATopic(t *testing.T) {
	start := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	real, _ := concurrentStream(4, start, false)
	drill, _ := concurrentStream(4, start, true)
	all := append(real, drill...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].PublishedAt.Before(all[j].PublishedAt) })
	got, alerts, _ := analyseStream(t, all)
	isDrill := map[string]bool{}
	for _, m := range all {
		isDrill[m.ID] = m.Drill
	}
	kind := map[string]bool{} // topic -> drill
	for id, tp := range got {
		if tp == "" {
			continue
		}
		if d, seen := kind[tp]; seen && d != isDrill[id] {
			t.Fatalf("topic %s holds drill and real mentions (%s)", tp, id)
		}
		kind[tp] = isDrill[id]
	}
	if len(kind) < 6 {
		t.Errorf("want the three stories twice, drill and real apart: %d topics", len(kind))
	}
	for _, a := range alerts {
		if d, ok := kind[a.Alert.TopicID]; ok && d != a.Alert.Drill {
			t.Errorf("alert %s drill=%v on a topic with drill=%v", a.Alert.ID, a.Alert.Drill, d)
		}
	}
}

// TestTrackerSplitMovesCounts: when the clusterer splits a topic, the
// tracker moves the mentions' counts, sentiment and samples to the new
// topic and says so in a topic.split.v1.
func TestTrackerSplitMovesCounts(t *testing.T) {
	ms, _ := concurrentStream(5, time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC), false)
	seg := sharedSegmenter(t)
	enr := NewEnricher(seg, nil)
	tr := NewTracker(Tracking(seg))
	var leak []string
	var topicID string
	for _, m := range ms {
		a := enr.Enrich(m)
		tr.Track(&a)
		if strings.HasPrefix(m.ID, "m0-") && a.Topic != "" {
			topicID = tr.Resolve(a.Topic)
			leak = append(leak, m.ID)
		}
	}
	before := tr.stats[topicID].sum
	weiboBefore := before.Platforms["weibo"]
	moved := leak[len(leak)-4:]
	var out Output
	tr.split(topic.Split{From: topicID, Into: "t-x", Items: moved, Platforms: map[string]int{"weibo": 4}}, &out)
	after, into := tr.stats[topicID].sum, tr.stats["t-x"].sum
	if len(out.Split) != 1 || out.Split[0].Into != "t-x" || len(out.Split[0].Mentions) != 4 {
		t.Fatalf("split events: %+v", out.Split)
	}
	if after.Mentions != before.Mentions-4 || into.Mentions != 4 || into.Platforms["weibo"] != 4 || after.Platforms["weibo"] != weiboBefore-4 {
		t.Errorf("counts: before %d, after %d + %d", before.Mentions, after.Mentions, into.Mentions)
	}
	mix := func(s TopicSummary) int { return s.Sentiment.Neg + s.Sentiment.Neu + s.Sentiment.Pos }
	if mix(after) != after.Mentions || mix(into) != 4 {
		t.Errorf("sentiment mixes %+v %+v do not add up", after.Sentiment, into.Sentiment)
	}
	if len(out.Updated) != 2 || into.FirstTime.IsZero() {
		t.Errorf("updates %d, new topic first time %v", len(out.Updated), into.FirstTime)
	}
}
