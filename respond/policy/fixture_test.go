package policy

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/analytics/sqlitestore"
)

// schoolDraft is a city's adjustment of school catchment areas: it
// touches education, household registration, housing and social
// insurance, narrows eligibility and forbids, and says nothing of a
// transition for families who already bought or are already enrolled.
var schoolDraft = Draft{
	Title: "临江市教育局关于调整中心城区义务教育学校招生划片范围的通知（征求意见稿）",
	Unit:  "临江市教育局",
	Text: `各区教育局，各义务教育学校：
为进一步促进义务教育优质均衡发展，合理配置教育资源，根据《中华人民共和国义务教育法》和省教育厅有关规定，结合我市实际，现就调整中心城区义务教育学校招生划片范围有关事项通知如下。
第一条 本通知适用于临江市鼓楼区、江滨区、新城区范围内的公办小学和初中。
第二条 自2026年9月1日起，中心城区实行“多校划片”招生办法，原“单校划片”对口学校不再保留。实验小学、江滨路小学、鼓楼中学等12所学校的招生范围重新划定，具体片区详见附件。
第三条 适龄儿童须同时满足本人及父母一方具有本市户籍、在片区内拥有唯一住房且实际居住满三年的条件，方可在片区内登记入学。
第四条 同一套住房六年内只能提供一个入学学位。不符合登记条件的，由区教育局统筹安排到片区内有空余学位的学校就读。
第五条 各学校不得以任何形式举行入学考试，一律不得跨片区招生，严禁收取与招生入学挂钩的任何费用。
第六条 随迁子女凭居住证、连续缴纳社会保险满一年的证明申请入学，按积分排序后统筹安置。
第七条 各区教育局应于每年5月31日前向社会公布片区划分结果，接受群众监督。
第八条 本通知由临江市教育局负责解释，自2026年9月1日起施行。`,
	ReleaseAt: time.Date(2026, 6, 15, 9, 0, 0, 0, cst),
}

// parkingDraft raises parking fees by 60% and keeps monthly passes
// already bought: a transition is there.
var parkingDraft = Draft{
	Title: "临江市中心城区机动车停放服务收费调整方案",
	Unit:  "临江市发展和改革委员会",
	Text: `为缓解中心城区停车难问题，发挥价格杠杆调节作用，根据《临江市机动车停放服务收费管理办法》，制定本方案。
一、本方案适用于鼓楼区、江滨区范围内的道路临时停车泊位和政府投资建设的公共停车场。
二、一类区域道路停车泊位由每小时5元调整为8元，上调60%；二类区域由每小时3元调整为5元。夜间停车收费标准提高至每小时2元。
三、首30分钟免费的规定调整为首15分钟免费。
四、居民包月停车由每月150元提高至每月300元，仅限在本片区登记的居民车辆办理。
五、本方案自2026年7月1日起施行，原已办理的包月停车在有效期内继续有效。`,
}

var (
	segOnce sync.Once
	testSeg *segment.Segmenter
	segErr  error
)

// segmenter is the process's segmenter, loaded once: loading takes seconds.
func segmenter(t testing.TB) *segment.Segmenter {
	t.Helper()
	segOnce.Do(func() { testSeg, segErr = segment.New(segment.Config{}, nil) })
	if segErr != nil {
		t.Fatal(segErr)
	}
	return testSeg
}

// pastPost is a mention of a seeded past topic.
type pastPost struct {
	text, sentiment string
	hour            int // hours after the topic's start
}

// pastTopic seeds one topic and its mentions.
type pastTopic struct {
	id    string
	label []string
	start time.Time
	grade int
	posts []pastPost
}

// history is the seeded store's past: a catchment-area row with angry
// questions, a parking-fee rise, and a concert in the same district that
// has nothing to do with either draft.
var history = []pastTopic{
	{id: "t-school", label: []string{"学区房", "划片", "入学"}, start: time.Date(2025, 7, 3, 8, 0, 0, 0, time.UTC), grade: 3, posts: []pastPost{
		{"鼓楼区学区划片又改了，刚买的学区房怎么办？", "neg", 0},
		{"已经买了学区房，划片一改怎么办？谁来负责", "neg", 0},
		{"多校划片以后孩子到底能上哪所学校？", "neg", 1},
		{"多校划片之后孩子能上哪个学校？家长都很焦虑", "neg", 1},
		{"为什么不提前公布划片方案？家长根本来不及准备", "neg", 1},
		{"为什么划片方案不提前公布", "neg", 1},
		{"学区房还值得买吗？临江的学区政策一年一变", "neg", 2},
		{"教育局回应：划片调整将充分听取家长意见", "neu", 2},
		{"鼓楼区教育局召开学区划片听证会", "neu", 3},
		{"支持多校划片，促进教育公平", "pos", 3},
	}},
	{id: "t-parking", label: []string{"停车费", "上涨", "停车"}, start: time.Date(2025, 3, 10, 1, 0, 0, 0, time.UTC), grade: 4, posts: []pastPost{
		{"江滨区停车费涨了一倍，老百姓停得起吗？", "neg", 0},
		{"停车费上涨以后小区门口更难停车了", "neg", 0},
		{"临江停车收费太贵了，每小时8块", "neg", 1},
		{"停车费上涨的钱用到哪里去了？", "neu", 1},
		{"停车位紧张，提高停车费可以理解", "pos", 2},
		{"商场停车收费标准公示了", "neu", 2},
	}},
	{id: "t-concert", label: []string{"鼓楼区", "演唱会", "门票"}, start: time.Date(2025, 10, 1, 10, 0, 0, 0, time.UTC), grade: 0, posts: []pastPost{
		{"鼓楼区体育馆演唱会门票秒光，黄牛加价三倍", "neg", 0},
		{"演唱会散场后鼓楼区地铁站人山人海", "neu", 0},
		{"抢到演唱会门票了，开心", "pos", 1},
		{"鼓楼区演唱会现场气氛太好了", "pos", 1},
	}},
}

// seedStore opens a store in dir and writes history into it, with the
// analyser's tokens and keywords.
func seedStore(t testing.TB, dir string) analytics.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlitestore.Open(ctx, filepath.Join(dir, "analytics.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	sg := segmenter(t)
	for _, pt := range history {
		var ms []analytics.Mention
		var neg, neu, pos int64
		last := pt.start
		for i, p := range pt.posts {
			at := pt.start.Add(time.Duration(p.hour)*time.Hour + time.Duration(i)*time.Minute)
			last = at
			tok := sg.Tokens(p.text)
			ms = append(ms, analytics.Mention{ID: fmt.Sprintf("weibo:%s-%d", pt.id, i), Platform: "weibo", Text: p.text,
				PublishedAt: at, IngestedAt: at, Tokens: tok, Keywords: sg.Keywords(tok, 8), Sentiment: p.sentiment, Topic: pt.id})
			switch p.sentiment {
			case "neg":
				neg++
			case "neu":
				neu++
			case "pos":
				pos++
			}
		}
		if err := s.PutMentions(ctx, ms); err != nil {
			t.Fatal(err)
		}
		err := s.PutTopics(ctx, []analytics.Topic{{ID: pt.id, Label: pt.label, Mentions: int64(len(ms)), FirstID: ms[0].ID,
			FirstTime: ms[0].PublishedAt, LastTime: last, Neg: neg, Neu: neu, Pos: pos, Grade: pt.grade, Updated: last}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// assessedAt is when the tests assess: after every seeded topic.
var assessedAt = time.Date(2026, 5, 20, 10, 0, 0, 0, cst)

func fixedNow() time.Time { return assessedAt }
