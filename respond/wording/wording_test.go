package wording

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
)

var t0 = time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC) // 10:00 in Beijing

// h is a test harness: a library, the log it was built from, and a clock
// the test moves.
type h struct {
	t   *testing.T
	lib *Library
	log []event.Envelope
	now time.Time
}

func newH(t *testing.T) *h { return &h{t: t, lib: NewLibrary(), now: t0} }

func (x *h) entry(id string) Entry {
	e, ok := x.lib.Get(id)
	if !ok {
		e = Entry{ID: id}
	}
	return e
}

func (x *h) do(id, actor string, cmd any) []Event {
	x.t.Helper()
	e := x.entry(id)
	evs, err := Decide(&e, cmd, actor, x.now)
	if err != nil {
		x.t.Fatalf("%T by %s: %v", cmd, actor, err)
	}
	envs, err := event.Wrap(id, actor, x.now, evs)
	if err != nil {
		x.t.Fatal(err)
	}
	for _, env := range envs {
		if err := x.lib.Apply(env); err != nil {
			x.t.Fatal(err)
		}
	}
	x.log = append(x.log, envs...)
	return evs
}

func (x *h) refused(id, actor string, cmd any, want string) {
	x.t.Helper()
	e := x.entry(id)
	_, err := Decide(&e, cmd, actor, x.now)
	if !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), want) {
		x.t.Fatalf("%T by %s: error %v, want a refusal containing %q", cmd, actor, err, want)
	}
}

func fire() Propose {
	return Propose{
		Category: "安全生产", Unit: "市应急管理局", Title: "化工厂火灾事故处置情况",
		Text: "事故发生后，市委、市政府高度重视，第一时间组织应急、消防、卫健等部门赶赴现场处置。[F1]",
		Citations: []Citation{
			{Kind: CiteFact, Ref: "F1", Label: "12月3日9时现场处置情况"},
			{Kind: CiteDocument, Ref: "安委办〔2026〕3号", Label: "安全生产事故信息发布办法"},
		},
	}
}

// Text changes open new versions and keep the old; metadata changes amend
// a draft; approving a version retires the one before it.
func TestVersioning(t *testing.T) {
	x := newH(t)
	x.do("w1", "zhang", fire())
	e := x.entry("w1")
	if len(e.Versions) != 1 || e.Versions[0].Number != 1 || e.Status() != StatusDraft || e.Versions[0].Owner != "zhang" {
		t.Fatalf("after proposing: %+v", e)
	}
	x.refused("w1", "zhang", fire(), "没有改动")

	p := fire()
	p.Title = "化工厂火灾事故处置进展"
	p.Owner = "市应急管理局新闻科"
	x.now = x.now.Add(time.Minute)
	evs := x.do("w1", "li", p)
	if d := evs[0].Data.(Proposed); !d.Amend || d.Version != 1 {
		t.Fatalf("a metadata change of a draft: %+v", d)
	}
	e = x.entry("w1")
	if len(e.Versions) != 1 || e.Versions[0].Title != p.Title || !slices.Equal(e.Versions[0].Authors, []string{"zhang", "li"}) {
		t.Fatalf("after amending: %+v", e.Versions)
	}

	x.now = x.now.Add(time.Minute)
	x.do("w1", "wang", Approve{Version: 1, Note: "同意"})
	e = x.entry("w1")
	if cur, ok := e.Current(); !ok || cur.Number != 1 || cur.ApprovedBy != "wang" || !cur.ApprovedAt.Equal(x.now) {
		t.Fatalf("after approving: %+v", e.Versions)
	}

	// A text change opens version 2; version 1 stays in effect until 2 is approved.
	p.Text = "事故发生后，市委、市政府高度重视，立即启动应急预案。目前明火已扑灭。[F1][F2]"
	p.Citations = append(p.Citations, Citation{Kind: CiteFact, Ref: "F2", Label: "明火扑灭"})
	x.now = x.now.Add(time.Hour)
	x.do("w1", "zhang", p)
	e = x.entry("w1")
	if len(e.Versions) != 2 || e.Versions[1].Status != StatusDraft || e.Status() != StatusApproved {
		t.Fatalf("after a new text: %+v", e.Versions)
	}
	if cur, _ := e.Current(); cur.Number != 1 {
		t.Fatalf("version in effect while 2 is a draft: %d", cur.Number)
	}
	x.refused("w1", "wang", Approve{Version: 1}, "只能批准最新的第2版")
	x.refused("w1", "wang", Approve{}, "请指明要批准的版本号")
	x.do("w1", "wang", Approve{Version: 2})
	e = x.entry("w1")
	if e.Versions[0].Status != StatusRetired || e.Versions[1].Status != StatusApproved || e.Versions[0].Text == e.Versions[1].Text {
		t.Fatalf("after approving version 2: %+v", e.Versions)
	}
	x.refused("w1", "li", Approve{Version: 2}, "不是待批准的草稿")

	// A metadata change of an approved version opens a new version too.
	p.ValidUntil = t0.AddDate(0, 1, 0)
	x.do("w1", "zhang", p)
	if e = x.entry("w1"); len(e.Versions) != 3 || e.Versions[2].Text != e.Versions[1].Text {
		t.Fatalf("a metadata change of an approved version: %+v", e.Versions)
	}
	// A new text over a draft retires the draft.
	p.Text += "伤员均已送医救治。"
	x.do("w1", "zhang", p)
	if e = x.entry("w1"); len(e.Versions) != 4 || e.Versions[2].Status != StatusRetired || e.Versions[3].Status != StatusDraft {
		t.Fatalf("a new text over a draft: %+v", e.Versions)
	}

	x.refused("w1", "wang", Retire{}, "理由")
	x.do("w1", "wang", Retire{Reason: "事件已处置完毕"})
	e = x.entry("w1")
	if e.Status() != StatusRetired || slices.ContainsFunc(e.Versions, func(v Version) bool { return v.Status != StatusRetired }) {
		t.Fatalf("after retiring: %+v", e.Versions)
	}
	x.refused("w1", "wang", Retire{Reason: "again"}, "已停用")
	// Proposing again revives it as a new draft, even unchanged.
	x.do("w1", "zhang", p)
	if e = x.entry("w1"); len(e.Versions) != 5 || e.Status() != StatusDraft {
		t.Fatalf("after proposing a retired entry: %+v", e.Versions)
	}
}

// Nobody approves a version they proposed or amended.
func TestNoSelfApproval(t *testing.T) {
	x := newH(t)
	x.do("w1", "zhang", fire())
	x.refused("w1", "zhang", Approve{Version: 1}, "不能批准自己")
	p := fire()
	p.Unit = "市消防救援支队"
	x.do("w1", "li", p)
	x.refused("w1", "li", Approve{Version: 1}, "不能批准自己")
	x.refused("w1", "zhang", Approve{Version: 1}, "不能批准自己")
	x.do("w1", "wang", Approve{Version: 1})
}

func TestProposeRules(t *testing.T) {
	x := newH(t)
	for _, tc := range []struct {
		edit func(*Propose)
		want string
	}{
		{func(p *Propose) { p.Text = " " }, "标题和正文"},
		{func(p *Propose) { p.Category = "体育" }, "类别"},
		{func(p *Propose) { p.Unit = "" }, "责任单位"},
		{func(p *Propose) { p.Citations = []Citation{{Kind: "rumour", Ref: "x"}} }, "引用类型"},
		{func(p *Propose) { p.Citations = []Citation{{Kind: CiteURL, Ref: "javascript:alert(1)"}} }, "不是 http(s) 链接"},
		{func(p *Propose) { p.Citations = []Citation{{Kind: CiteFact}} }, "缺少出处"},
		{func(p *Propose) { p.ValidFrom, p.ValidUntil = t0.Add(time.Hour), t0 }, "晚于开始时间"},
		{func(p *Propose) { p.ValidUntil = t0 }, "有效期已于"},
	} {
		p := fire()
		tc.edit(&p)
		x.refused("w1", "zhang", p, tc.want)
	}
	x.refused("", "zhang", fire(), "编号")
	x.refused("w1", "", fire(), "操作人")
	x.refused("w1", "zhang", Approve{Version: 1}, "尚未起草")
	x.refused("w1", "zhang", Retire{Reason: "x"}, "尚未起草")
	x.refused("w1", "zhang", "drop table", "未知的口径操作")
}

// The privacy guard refuses personal data unless an override says why it stays.
func TestPrivacyGuard(t *testing.T) {
	x := newH(t)
	p := fire()
	p.Text += "伤者张建国已送医，家属可拨打13812345678联系。"
	e := x.entry("w1")
	_, err := Decide(&e, p, "zhang", x.now)
	if !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), "个人信息") || !strings.Contains(err.Error(), "138****5678") {
		t.Fatalf("personal data accepted: %v", err)
	}
	if strings.Contains(err.Error(), "13812345678") || strings.Contains(err.Error(), "张建国") {
		t.Fatalf("the refusal repeats the personal data: %v", err)
	}
	p.Citations = append(p.Citations, Citation{Kind: CiteFact, Ref: "F9", Label: "患者李小红转院"})
	p.Text = fire().Text + "咨询电话：市第一人民医院总机0571-87236114。"
	x.refused("w1", "zhang", p, "姓名")
	p.Citations = fire().Citations
	x.refused("w1", "zhang", p, "电话号码")
	p.PrivacyOverride = "医院总机为公开的咨询电话"
	evs := x.do("w1", "zhang", p)
	d := evs[0].Data.(Proposed)
	if d.PrivacyOverride != p.PrivacyOverride || !slices.Equal(d.PrivacyKinds, []string{"phone"}) {
		t.Fatalf("override not recorded: %+v", d)
	}
	if v := x.entry("w1").Versions[0]; v.PrivacyOverride != p.PrivacyOverride {
		t.Fatalf("override not applied: %+v", v)
	}
	// An override without anything to override is not recorded.
	q := fire()
	q.PrivacyOverride = "不需要"
	if evs := x.do("w2", "zhang", q); evs[0].Data.(Proposed).PrivacyOverride != "" {
		t.Fatalf("empty override recorded: %+v", evs[0].Data)
	}
}

func TestValidityWindows(t *testing.T) {
	x := newH(t)
	from, until := t0.Add(24*time.Hour), t0.Add(72*time.Hour)
	p := fire()
	p.ValidFrom, p.ValidUntil = from, until
	x.do("w1", "zhang", p)
	x.do("w1", "wang", Approve{Version: 1})
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{t0, 0},
		{from.Add(-time.Nanosecond), 0},
		{from, 1},
		{until.Add(-time.Second), 1},
		{until, 0},
	} {
		if got := len(x.lib.Search("火灾", "", "", tc.at)); got != tc.want {
			t.Errorf("search at %s: %d hits, want %d", tc.at.Format(time.RFC3339), got, tc.want)
		}
	}
	// A draft is never found; an expired version cannot be approved.
	q := fire()
	q.Title = "另一起火灾"
	q.ValidUntil = t0.Add(time.Hour)
	x.do("w2", "zhang", q)
	if hits := x.lib.Search("火灾", "", "", t0); len(hits) != 0 {
		t.Fatalf("drafts found: %+v", hits)
	}
	x.now = t0.Add(2 * time.Hour)
	x.refused("w2", "wang", Approve{Version: 1}, "有效期已于")
}

func TestSearchRanking(t *testing.T) {
	x := newH(t)
	add := func(id, cat, unit, title, text string) {
		x.do(id, "zhang", Propose{Category: cat, Unit: unit, Title: title, Text: text})
		x.do(id, "wang", Approve{Version: 1})
		x.now = x.now.Add(time.Minute)
	}
	add("a", "生态环境", "市生态环境局", "化工厂异味处置口径", "接到群众反映后，执法人员第一时间赶赴现场开展监测，监测结果显示各项指标正常。")
	add("b", "安全生产", "市应急管理局", "化工企业安全生产检查", "全市开展化工企业安全生产大检查，发现问题立即整改。")
	add("c", "生态环境", "市生态环境局", "河道水质监测情况", "近期河道水质总体稳定，部分点位异味已查明原因。")
	add("d", "教育", "市教育局", "学校食堂食品安全", "全市学校食堂食品安全专项检查已完成。")
	ids := func(hs []Hit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Entry.ID)
		}
		return out
	}
	for _, tc := range []struct {
		q, cat, unit string
		want         []string
	}{
		{"化工厂异味", "", "", []string{"a", "b", "c"}}, // whole in a's title; bigram 化工 in b's title and text, 异味 in c's text
		{"化工", "", "", []string{"b", "a"}},         // b: title and text; a: title only
		{"异味", "生态环境", "", []string{"a", "c"}},
		{"异味", "", "市应急管理局", nil},
		{"食品安全", "", "", []string{"d", "b"}}, // b shares only the bigram 安全
		{"食 安", "", "", []string{"d", "b"}},  // single characters, space-separated terms
		{"學校食堂", "", "", []string{"d"}},      // Traditional folds to Simplified
		{"", "生态环境", "", []string{"c", "a"}}, // no query: latest approved first
		{"火箭发射", "", "", nil},
	} {
		if got := ids(x.lib.Search(tc.q, tc.cat, tc.unit, x.now)); !slices.Equal(got, tc.want) {
			t.Errorf("Search(%q, %q, %q) = %v, want %v", tc.q, tc.cat, tc.unit, got, tc.want)
		}
	}
}

// Replaying the log into a new library gives the same library; applying an
// event twice changes nothing; an event that does not fit is refused.
func TestReplay(t *testing.T) {
	x := newH(t)
	x.do("w1", "zhang", fire())
	x.do("w1", "wang", Approve{Version: 1})
	p := fire()
	p.Text += "后续情况将及时发布。"
	x.do("w1", "zhang", p)
	x.do("w2", "li", Propose{Category: "交通", Unit: "市交通运输局", Title: "地铁延误", Text: "受设备故障影响，地铁2号线部分列车延误。"})
	x.do("w2", "wang", Retire{Reason: "不再使用"})

	replayed := NewLibrary()
	for _, env := range x.log {
		if err := replayed.Apply(env); err != nil {
			t.Fatal(err)
		}
		if err := replayed.Apply(env); err != nil { // a redelivery
			t.Fatal(err)
		}
	}
	if got, want := replayed.Entries(), x.lib.Entries(); !reflect.DeepEqual(got, want) {
		t.Fatalf("replayed library differs:\n got %+v\nwant %+v", got, want)
	}
	if got, want := replayed.Search("化工", "", "", x.now), x.lib.Search("化工", "", "", x.now); !reflect.DeepEqual(got, want) {
		t.Fatalf("replayed search differs")
	}
	bad, _ := event.New(TypeApproved, "w9", "wang", t0, t0, Approved{Version: 3})
	if err := replayed.Apply(bad); err == nil {
		t.Fatal("approving a version that does not exist was applied")
	}
	other, _ := event.New("incident.opened.v1", "w1", "x", t0, t0, map[string]string{})
	if err := replayed.Apply(other); err == nil {
		t.Fatal("a foreign event was applied")
	}
	if got, want := replayed.Entries(), x.lib.Entries(); !reflect.DeepEqual(got, want) {
		t.Fatal("a refused event changed the library")
	}
}

func TestInsert(t *testing.T) {
	x := newH(t)
	x.do("w1", "zhang", fire())
	e, _ := x.lib.Get("w1")
	if text, cites := Insert(e); text != "" || cites != nil {
		t.Fatalf("a draft inserted %q %v", text, cites)
	}
	x.do("w1", "wang", Approve{Version: 1})
	e, _ = x.lib.Get("w1")
	text, cites := Insert(e)
	want := append(slices.Clone(fire().Citations), Citation{Kind: CiteWording, Ref: "w1@1", Label: fire().Title})
	if text != fire().Text || !slices.Equal(cites, want) {
		t.Fatalf("Insert = %q %+v", text, cites)
	}
	// Insert's citations are a copy.
	cites[0].Ref = "changed"
	if e2, _ := x.lib.Get("w1"); e2.Versions[0].Citations[0].Ref != "F1" {
		t.Fatal("Insert shares the library's citations")
	}
}
