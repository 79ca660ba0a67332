package statement

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
)

var t0 = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// names stands in for the segmenter's entities: the places and units the
// test texts use.
func names(text string) []string {
	var out []string
	for _, n := range []string{"临江区", "东港化工厂", "市应急管理局", "阳光小区"} {
		if strings.Contains(text, n) {
			out = append(out, n)
		}
	}
	return out
}

var chk = Checker{Names: names}

// run decides cmd for actor at t on s, applies the events and keeps the envelopes.
type run struct {
	t    *testing.T
	s    State
	now  time.Time
	envs []event.Envelope
}

func (r *run) do(actor string, cmd any) error {
	r.t.Helper()
	r.now = r.now.Add(time.Minute)
	evs, err := Decide(&r.s, cmd, actor, r.now, chk)
	if err != nil {
		return err
	}
	envs, err := Envelopes("inc-1", actor, r.now, evs)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, e := range envs {
		if err := Apply(&r.s, e); err != nil {
			r.t.Fatal(err)
		}
	}
	r.envs = append(r.envs, envs...)
	return nil
}

func (r *run) must(actor string, cmd any) {
	r.t.Helper()
	if err := r.do(actor, cmd); err != nil {
		r.t.Fatalf("%s %T: %v", actor, cmd, err)
	}
}

func (r *run) refused(actor string, cmd any, want string) {
	r.t.Helper()
	err := r.do(actor, cmd)
	if !errors.Is(err, ErrRule) {
		r.t.Fatalf("%s %T: want a refusal, got %v", actor, cmd, err)
	}
	if !strings.Contains(err.Error(), want) {
		r.t.Fatalf("%s %T: refusal %q does not say %q", actor, cmd, err, want)
	}
}

func TestDraftLifecycle(t *testing.T) {
	r := &run{t: t, now: t0}
	spokes, approver, leader := "user:li", "user:wang", "user:zhao"
	r.must(spokes, RecordFact{Kind: KindUnit, Text: "12月3日凌晨3时许，临江区东港化工厂一储罐发生泄漏，造成3人受伤。", Source: "临江区政府"})
	r.must(spokes, RecordFact{Kind: KindClaim, Text: "有5人死亡", Source: "微博网友", Mentions: []string{"weibo:1"}})
	r.must(spokes, VerifyFact{Fact: "F1", Status: Verified, Note: "区政府书面材料"})
	if f, _ := r.s.Fact("F1"); f.Status != Verified || f.VerifiedBy != spokes {
		t.Fatalf("F1 after verifying: %+v", f)
	}
	text := Template(Notice, "临江区化工厂泄漏", r.s.Facts, nil)
	if !strings.Contains(text, "[F1]") || strings.Contains(text, "[F2]") {
		t.Fatalf("the template cites the verified fact only:\n%s", text)
	}
	r.must(spokes, NewDraft{Kind: Notice, Title: "临江区化工厂泄漏", Text: text})
	d, _ := r.s.Draft("D1")
	rep := chk.Check(&r.s, d)
	if rep.OK || len(rep.Placeholders) == 0 {
		t.Fatalf("a fresh template still has placeholders: %+v", rep)
	}

	// The spokesperson fills it in with an uncited figure and a phone number.
	bad := "关于临江区化工厂泄漏的情况通报\n" +
		"12月3日凌晨3时许，临江区东港化工厂一储罐发生泄漏，造成3人受伤。[F1]\n" +
		"目前已疏散周边群众200人，事故原因正在调查。\n" +
		"如有疑问请联系现场负责人，电话13812345678。\n" +
		"临江区人民政府\n2026年12月3日\n"
	r.must(spokes, Edit{Draft: "D1", Base: 1, Text: bad})
	d, _ = r.s.Draft("D1")
	rep = chk.Check(&r.s, d)
	if len(rep.Issues) != 1 || rep.Issues[0].Text != "200人" || rep.Issues[0].Kind != "uncited" {
		t.Fatalf("want one uncited figure 200人, got %+v", rep.Issues)
	}
	if len(rep.Privacy) != 1 || rep.Privacy[0].Kind != "phone" {
		t.Fatalf("want the mobile number found, got %+v", rep.Privacy)
	}
	r.must(spokes, Submit{Draft: "D1"})
	r.refused(spokes, Approve{Draft: "D1"}, "不能审核自己")
	r.refused(approver, Approve{Draft: "D1"}, "未通过检查")
	r.refused(spokes, Allow{Draft: "D1", Text: "13812345678", Reason: "现场电话"}, "起草人不能自行放行")
	r.refused(approver, Return{Draft: "D1"}, "理由")
	r.must(approver, Return{Draft: "D1", Reason: "疏散人数没有来源；删去个人手机号"})

	// Fixed: the figure gets a verified fact, the phone goes.
	r.must(spokes, RecordFact{Kind: KindUnit, Text: "已疏散周边群众200人。", Source: "市应急管理局"})
	r.must(spokes, VerifyFact{Fact: "F3", Status: Verified})
	good := strings.Replace(bad, "200人，事故原因正在调查。", "200人[F3]，事故原因正在调查。", 1)
	good = strings.Replace(good, "如有疑问请联系现场负责人，电话13812345678。\n", "", 1)
	r.refused(spokes, Edit{Draft: "D1", Base: 1, Text: good}, "第 2 稿")
	r.must(spokes, Edit{Draft: "D1", Base: 2, Text: good})
	d, _ = r.s.Draft("D1")
	if rep := chk.Check(&r.s, d); !rep.OK {
		t.Fatalf("fixed draft still fails: %+v", rep)
	}
	r.must(spokes, Submit{Draft: "D1"})
	r.must(approver, Approve{Draft: "D1", Comment: "同意"})
	r.refused(approver, Sign{Draft: "D1"}, "三个不同的人")
	r.refused(spokes, Publish{Draft: "D1", Channels: []string{"政务微博"}, URL: "https://weibo.com/x"}, "签发后")
	r.must(leader, Sign{Draft: "D1", Comment: "签发"})
	r.refused(spokes, Publish{Draft: "D1", Channels: []string{"抖音"}, URL: "https://weibo.com/x"}, "发布渠道")
	r.must(spokes, Publish{Draft: "D1", Channels: []string{"政务微博", "门户网站"}, URL: "https://www.linjiang.gov.cn/tb/1"})
	d, _ = r.s.Draft("D1")
	if d.Status != Published || d.Publication == nil || strings.Contains(d.Publication.Text, "[F") || d.Reviewer != approver || d.Signer != leader {
		t.Fatalf("published draft: %+v", d)
	}
	var steps []string
	for _, s := range d.Steps {
		steps = append(steps, s.Type)
	}
	want := "saved saved submitted returned saved submitted approved signed published"
	if got := strings.Join(steps, " "); got != want {
		t.Fatalf("steps:\n got %s\nwant %s", got, want)
	}

	// Every step is an event: replaying the log gives the same history.
	var again State
	for _, e := range r.envs {
		raw, _ := json.Marshal(e)
		var back event.Envelope
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if err := Apply(&again, back); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := json.Marshal(r.s)
	b, _ := json.Marshal(again)
	if string(a) != string(b) {
		t.Fatalf("replay differs:\n%s\n%s", a, b)
	}
}

func TestAllowPersonalData(t *testing.T) {
	r := &run{t: t, now: t0}
	r.must("user:li", RecordFact{Kind: KindUnit, Text: "咨询电话0571-87654321。", Source: "市应急管理局"})
	r.must("user:li", VerifyFact{Fact: "F1", Status: Verified})
	r.must("user:li", NewDraft{Kind: Notice, Title: "咨询", Text: "关于咨询的通知\n咨询电话0571-87654321。[F1]\n"})
	r.must("user:li", Submit{Draft: "D1"})
	r.refused("user:wang", Approve{Draft: "D1"}, "个人信息")
	r.refused("user:wang", Allow{Draft: "D1", Text: "0571-99999999", Reason: "x"}, "没有需要放行")
	r.must("user:wang", Allow{Draft: "D1", Text: "0571-87654321", Reason: "单位值班电话，公开号码"})
	r.must("user:wang", Approve{Draft: "D1"})
	d, _ := r.s.Draft("D1")
	if d.Status != ToSign || len(d.Allowed) != 1 || d.Allowed[0].By != "user:wang" {
		t.Fatalf("after allowing: %+v", d)
	}
}

func TestClaimsOnlyAsRumourChecked(t *testing.T) {
	s := State{Facts: []Fact{
		{ID: "F1", Kind: KindClaim, Text: "有5人死亡", Status: False},
		{ID: "F2", Kind: KindUnit, Text: "3人受伤", Status: Verified},
		{ID: "F3", Kind: KindUnit, Text: "储罐泄漏", Status: Pending},
		{ID: "F4", Kind: KindUnit, Text: "12月3日下午2时30分起火", Status: Verified},
	}}
	for _, tc := range []struct {
		text string
		want []string // issue kinds
	}{
		{"标题\n事故造成5人死亡。[F1]", []string{"claim_form"}},
		{"标题\n网传“有5人死亡”，经核实，该信息不实。[F1]", nil},
		{"标题\n事故造成3人受伤。[F2]", nil},
		{"标题\n事故造成三名群众受伤[F2]。", nil},
		{"标题\n事故造成4人受伤。[F2]", []string{"uncited"}},
		{"标题\n储罐发生泄漏。[F3]", []string{"unverified"}},
		{"标题\n事故造成3人受伤。[F9]", []string{"unknown_ref", "uncited"}},
		{"标题\n12月3日14时30分起火。[F4]", nil},
		{"标题\n十二月三日下午两点半起火。[F4]", []string{"uncited"}}, // 两点半 is not 2时30分 in writing: say it the way the fact does
		{"标题\n12月4日起火。[F4]", []string{"uncited"}},
		{"标题\n我们十分重视，一起努力，进一步做好工作。", nil},
		{"标题\n下一步将第一时间发布进展。", nil},
		{"标题\n咨询热线12345。", nil},
	} {
		var got []string
		for _, is := range chk.CheckText(&s, tc.text, nil).Issues {
			got = append(got, is.Kind)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: issues %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestNamesNeedCitation(t *testing.T) {
	s := State{Facts: []Fact{{ID: "F1", Kind: KindUnit, Text: "临江区东港化工厂发生泄漏", Status: Verified}}}
	rep := chk.CheckText(&s, "标题\n阳光小区附近的东港化工厂发生泄漏。[F1]\n市应急管理局\n2026年12月3日", nil)
	if len(rep.Issues) != 1 || rep.Issues[0].Text != "阳光小区" {
		t.Fatalf("want only 阳光小区 uncited (the sign-off names no fact), got %+v", rep.Issues)
	}
}

func TestDiff(t *testing.T) {
	got := Diff("造成3人受伤。", "造成4人受伤，无人死亡。")
	var b strings.Builder
	for _, c := range got {
		b.WriteString(c.Op + c.Text + "|")
	}
	if b.String() != "=造成|-3|+4|=人受伤|+，无人死亡|=。|" {
		t.Fatalf("diff: %s", b.String())
	}
}
