package workorder

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"yuqing/internal/event"
	"yuqing/respond/calendar"
)

// disclosure starts a harness with a disclosure request received at when.
func disclosure(t *testing.T, id, unit string, when time.Time) *h {
	t.Helper()
	x := newH(t, when.Add(time.Minute))
	x.s.ID = id
	x.do(Receive{Received{ReceivedAt: when, Channel: "网络", Category: CategoryDisclosure, Locality: "城东区", Unit: unit,
		Title: "申请公开某地块征收补偿方案", Text: "请公开2025年某地块征收补偿安置方案"}})
	return x
}

// refused asserts that cmd is refused with a message containing want and
// changes nothing.
func refused(x *h, cmd any, want string) {
	x.t.Helper()
	before := x.s
	evs, err := Decide(&x.s, x.p, x.cal, cmd, x.now)
	if !errors.Is(err, ErrRule) || !strings.Contains(err.Error(), want) {
		x.t.Errorf("%T %+v: events %+v, error %v; want refusal containing %q", cmd, cmd, evs, err, want)
	}
	if !reflect.DeepEqual(before, x.s) {
		x.t.Errorf("%T: Decide changed the state", cmd)
	}
}

func answerDue(x *h) time.Time { x.t.Helper(); return x.s.Clocks[ClockAnswer].Due }

func wantDue(x *h, want time.Time) {
	x.t.Helper()
	if got := answerDue(x); !got.Equal(want) {
		x.t.Fatalf("answer due %s, want %s", got.In(cst), want)
	}
}

func TestDisclosureDueAcrossSpringFestival(t *testing.T) {
	cal := calendar.Default()
	// The data the counts below rely on.
	for _, d := range []struct {
		day  time.Time
		kind calendar.DayKind
	}{
		{at(2025, 1, 26, 12, 0), calendar.MakeupWorkday}, // Sunday
		{at(2025, 1, 28, 12, 0), calendar.Holiday},
		{at(2025, 2, 4, 12, 0), calendar.Holiday},
		{at(2025, 2, 8, 12, 0), calendar.MakeupWorkday},  // Saturday
		{at(2026, 2, 14, 12, 0), calendar.MakeupWorkday}, // Saturday
		{at(2026, 2, 15, 12, 0), calendar.Holiday},
		{at(2026, 2, 23, 12, 0), calendar.Holiday},       // Monday
		{at(2026, 2, 28, 12, 0), calendar.MakeupWorkday}, // Saturday
	} {
		if k, _ := cal.Kind(d.day); k != d.kind {
			t.Fatalf("%s is a %s, want %s", d.day.Format(time.DateOnly), k, d.kind)
		}
	}
	cases := []struct {
		name         string
		received     time.Time
		sign, answer time.Time
	}{
		// Received Tuesday 10 Feb 2026; 春节 15–23 Feb off, Sat 14 and Sat 28 Feb work.
		//  1 Wed 11 Feb   2 Thu 12   3 Fri 13   4 Sat 14 (调休)
		//  — Sun 15 … Mon 23 off —
		//  5 Tue 24   6 Wed 25   7 Thu 26   8 Fri 27   9 Sat 28 (调休)
		// 10 Mon 2 Mar 11 Tue 3  12 Wed 4   13 Thu 5  14 Fri 6
		// 15 Mon 9    16 Tue 10  17 Wed 11  18 Thu 12  19 Fri 13
		// 20 Mon 16 Mar → due at 24:00 that day.
		{"Spring Festival 2026", at(2026, 2, 10, 10, 0), at(2026, 2, 12, 0, 0), at(2026, 3, 17, 0, 0)},
		// Received Wednesday 22 Jan 2025; 春节 28 Jan–4 Feb off, Sun 26 Jan and Sat 8 Feb work.
		//  1 Thu 23 Jan   2 Fri 24   3 Sun 26 (调休)   4 Mon 27
		//  — Tue 28 Jan … Tue 4 Feb off —
		//  5 Wed 5 Feb    6 Thu 6    7 Fri 7   8 Sat 8 (调休)
		//  9 Mon 10 … 13 Fri 14   14 Mon 17 … 18 Fri 21   19 Mon 24
		// 20 Tue 25 Feb → due at 24:00 that day.
		{"Spring Festival 2025", at(2025, 1, 22, 10, 0), at(2025, 1, 24, 0, 0), at(2025, 2, 26, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := disclosure(t, "GK-1", "市自然资源局", c.received)
			if got := x.s.Clocks[ClockSign].Due; !got.Equal(c.sign) {
				t.Errorf("sign due %s, want %s", got.In(cst), c.sign)
			}
			wantDue(x, c.answer)
			if w := x.s.Clocks[ClockAnswer].Workdays; w != 20 {
				t.Errorf("workdays %d", w)
			}
			if d := x.log[len(x.log)-1]; !strings.Contains(string(d.Payload), "第三十三条") {
				t.Errorf("due reason does not cite the article: %s", d.Payload)
			}
		})
	}
}

func TestDisclosureExtension(t *testing.T) {
	x := disclosure(t, "GK-2", "市自然资源局", at(2026, 2, 10, 10, 0))
	wantDue(x, at(2026, 3, 17, 0, 0))
	x.now = at(2026, 3, 10, 9, 0)
	notice := at(2026, 3, 10, 8, 30)
	refused(x, Extend{Days: 21, Reason: "需协调多个部门", ApprovedBy: "user:gk-chief", NotifiedAt: notice}, "延长不得超过20个工作日")
	refused(x, Extend{Days: 0, Reason: "需协调多个部门", ApprovedBy: "user:gk-chief", NotifiedAt: notice}, "天数")
	refused(x, Extend{Days: 20, Reason: "需协调多个部门", NotifiedAt: notice}, "延长须经政府信息公开工作机构负责人同意并告知申请人")
	refused(x, Extend{Days: 20, Reason: "需协调多个部门", ApprovedBy: "user:gk-chief"}, "延长须经政府信息公开工作机构负责人同意并告知申请人")
	refused(x, Extend{Days: 20, ApprovedBy: "user:gk-chief", NotifiedAt: notice}, "理由")
	refused(x, Extend{Days: 20, Reason: "x", ApprovedBy: "user:gk-chief", NotifiedAt: at(2026, 3, 10, 12, 0)}, "未来")

	x.do(Extend{Days: 20, Reason: "需协调多个部门", ApprovedBy: "user:gk-chief", NotifiedAt: notice})
	// Day 20 was Mon 16 Mar; 20 more working days:
	//  1 Tue 17 … 4 Fri 20   5 Mon 23 … 9 Fri 27   10 Mon 30  11 Tue 31
	// 12 Wed 1 Apr  13 Thu 2  14 Fri 3   — 清明 Sat 4 … Mon 6 Apr off —
	// 15 Tue 7  16 Wed 8  17 Thu 9  18 Fri 10  19 Mon 13  20 Tue 14 Apr → due 24:00.
	wantDue(x, at(2026, 4, 15, 0, 0))
	if w := x.s.Clocks[ClockAnswer].Workdays; w != 40 {
		t.Errorf("workdays %d, want 40", w)
	}
	if d := x.log[len(x.log)-1]; d.Type != TypeDueSet || !strings.Contains(string(d.Payload), "已于 2026-03-10 告知申请人") {
		t.Errorf("extension due: %s %s", d.Type, d.Payload)
	}
	refused(x, Extend{Days: 1, Reason: "再延一天", ApprovedBy: "user:gk-chief", NotifiedAt: x.now}, "依申请公开只能延长一次（条例第三十三条）")

	// An extension decided after the period ran out is refused.
	y := disclosure(t, "GK-3", "市自然资源局", at(2026, 2, 10, 10, 0))
	y.now = at(2026, 3, 17, 9, 0)
	refused(y, Extend{Days: 5, Reason: "x", ApprovedBy: "user:gk-chief", NotifiedAt: y.now}, "答复期限已于")
	// Notifying at the due instant (24:00 of day 20) is still within it.
	y.do(Extend{Days: 5, Reason: "x", ApprovedBy: "user:gk-chief", NotifiedAt: at(2026, 3, 17, 0, 0)})

	// Other categories keep repeated and longer approved extensions.
	z := newH(t, at(2026, 11, 23, 9, 5))
	receive(z, "投诉", at(2026, 11, 23, 9, 0))
	z.do(Extend{Days: 25, Reason: "涉及多部门", ApprovedBy: "user:chief"})
	z.do(Extend{Days: 3, Reason: "仍需协调", ApprovedBy: "user:chief"})
	if w := z.s.Clocks[ClockAnswer].Workdays; w != 13+25+3 {
		t.Errorf("complaint workdays %d", w)
	}
}

func TestDisclosurePauses(t *testing.T) {
	x := disclosure(t, "GK-4", "市住建局", at(2026, 3, 2, 10, 0)) // Monday
	// 1 Tue 3 Mar … 4 Fri 6, 9 Fri 13, 14 Fri 20, 19 Fri 27, 20 Mon 30 → 24:00.
	wantDue(x, at(2026, 3, 31, 0, 0))
	x.now = at(2026, 3, 4, 9, 0)
	refused(x, Pause{Reason: "申请内容不明确"}, "依申请公开工单挂起须注明类型")
	refused(x, Pause{Reason: "申请内容不明确", Kind: "waiting"}, "未知的挂起类型")
	refused(x, Pause{Reason: "申请内容不明确", Kind: PauseSupplement}, "补正通知须载明合理的补正期限")
	refused(x, Pause{Reason: "申请内容不明确", Kind: PauseSupplement, Until: x.now.Add(-time.Hour)}, "挂起期限须晚于挂起时间")
	x.do(Pause{Reason: "请补充所需信息的名称、文号或特征描述", Kind: PauseSupplement, Until: at(2026, 3, 18, 18, 0)})
	if x.s.PauseKind != PauseSupplement || !x.s.SupplementAt.Equal(x.now) {
		t.Fatalf("pause state %+v", x.s)
	}
	x.now = at(2026, 3, 9, 9, 0)
	if evs := x.do(Tick{}); len(evs) != 0 {
		t.Fatalf("a paused order ticked: %+v", evs)
	}

	// The supplemented application arrives Tuesday 10 Mar 15:00; the period
	// is counted afresh from that day (第三十条):
	// 1 Wed 11 … 3 Fri 13, 8 Fri 20, 13 Fri 27, 18 Fri 3 Apr, — 清明 4–6 Apr —
	// 19 Tue 7, 20 Wed 8 Apr → 24:00.
	x.now = at(2026, 3, 10, 15, 0)
	x.do(Resume{})
	wantDue(x, at(2026, 4, 9, 0, 0))
	if !x.s.CountFrom.Equal(x.now) || x.s.PauseKind != "" || !x.s.PauseUntil.IsZero() {
		t.Fatalf("after 补正: %+v", x.s)
	}
	if d := x.log[len(x.log)-1]; !strings.Contains(string(d.Payload), "重新计算（条例第三十条）") {
		t.Errorf("due reason: %s", d.Payload)
	}
	x.now = at(2026, 3, 11, 9, 0)
	refused(x, Pause{Reason: "仍不明确", Kind: PauseSupplement, Until: at(2026, 3, 20, 18, 0)}, "补正应一次性告知")

	// A third party is consulted from Mon 16 Mar 09:00 to Mon 30 Mar 09:00:
	// counted before it Wed 11 – Fri 13 (3 days) plus 9h on the 16th and 15h
	// on the 30th (1 day); the 10 working days between are not counted.
	// 5 Tue 31 Mar … 8 Fri 3 Apr, 9 Tue 7 … 12 Fri 10, 17 Fri 17,
	// 18 Mon 20, 19 Tue 21, 20 Wed 22 Apr → 24:00 — ten working days after
	// the 9 Apr due.
	x.now = at(2026, 3, 16, 9, 0)
	x.do(Pause{Reason: "涉及第三方商业秘密，书面征求意见", Kind: PauseThirdParty})
	x.now = at(2026, 3, 30, 9, 0)
	evs := x.do(Resume{})
	wantDue(x, at(2026, 4, 23, 0, 0))
	if d, ok := evs[1].Data.(DueSet); !ok || !d.OldDue.Equal(at(2026, 4, 9, 0, 0)) || !strings.Contains(d.Reason, "征求第三方意见所需时间不计算在答复期限内") {
		t.Errorf("due set %+v", evs[1])
	}
	if !x.s.CountFrom.Equal(at(2026, 3, 10, 15, 0)) {
		t.Errorf("third-party pause moved the start: %s", x.s.CountFrom)
	}

	// 补正 must be asked within 7 working days of receipt.
	y := disclosure(t, "GK-5", "市住建局", at(2026, 3, 2, 10, 0))
	y.now = at(2026, 3, 12, 9, 0) // 8th working day
	refused(y, Pause{Reason: "x", Kind: PauseSupplement, Until: at(2026, 3, 26, 18, 0)}, "7个工作日内告知")
	y.now = at(2026, 3, 11, 17, 0) // 7th
	y.do(Pause{Reason: "x", Kind: PauseSupplement, Until: at(2026, 3, 26, 18, 0)})

	// Other orders keep free pauses; a kind is only a label there and a
	// "supplement" pause gives the time back instead of restarting.
	z := newH(t, at(2026, 11, 23, 9, 5))
	receive(z, "求助", at(2026, 11, 23, 9, 0))
	z.now = at(2026, 11, 25, 0, 0)
	z.do(Pause{Reason: "等待市民补充材料", Kind: PauseSupplement})
	z.now = at(2026, 11, 27, 0, 0)
	z.do(Resume{}) // Wed and Thu paused: due Mon 30 Nov → Wed 2 Dec
	if due := answerDue(z); !due.Equal(at(2026, 12, 3, 0, 0)) || !z.s.CountFrom.IsZero() {
		t.Errorf("help request due %s, count from %s", due.In(cst), z.s.CountFrom)
	}
}

func TestDisclosureResults(t *testing.T) {
	x := disclosure(t, "GK-6", "市住建局", at(2026, 3, 2, 10, 0))
	x.now = at(2026, 3, 20, 10, 0)
	text := "经审查，所申请信息涉及第三方商业秘密，第三方不同意公开"
	refused(x, Answer{Text: text}, "依申请公开的答复须注明处理结果")
	refused(x, Answer{Text: text, Result: "rejected"}, "未知的处理结果")
	refused(x, Answer{Text: text, Result: ResultWithheld}, "“不予公开”须注明具体情形")
	refused(x, Answer{Text: text, Result: ResultWithheld, Basis: "repeat"}, "具体情形 \"repeat\" 无效")
	refused(x, Answer{Text: text, Result: ResultNotProcessed}, "须注明具体情形")
	refused(x, Answer{Text: text, Result: ResultUnavailable}, "须注明具体情形")
	refused(x, Answer{Text: text, Result: ResultWithdrawn, Basis: "x"}, "不需要具体情形")
	refused(x, Answer{Text: text, Result: ResultWithdrawn}, "只有等待补正的申请才能视为放弃申请")
	refused(x, Answer{Result: ResultPublic}, "内容")
	x.do(Answer{Text: text, Result: ResultWithheld, Basis: "third_party"})
	if x.s.Status != StatusAnswered || x.s.Result != ResultWithheld || x.s.Basis != "third_party" || !x.s.Clocks[ClockAnswer].Met {
		t.Fatalf("answered %+v", x.s)
	}
	refused(x, Answer{Text: "再次答复", Result: ResultPublic}, "工单已答复")

	// Every result with a required basis accepts each of its bases; the
	// others accept none.
	for _, r := range Results() {
		for _, b := range append(Bases(r.Code), Option{}) {
			if r.Code == ResultWithdrawn {
				continue
			}
			y := disclosure(t, "GK-7", "市住建局", at(2026, 3, 2, 10, 0))
			_, err := Decide(&y.s, y.p, y.cal, Answer{Text: "答复", Result: r.Code, Basis: b.Code}, y.now)
			if required := bases[r.Code].required; (err == nil) == (b.Code == "" && required) {
				t.Errorf("%s/%s: %v", r.Code, b.Code, err)
			}
		}
	}
	if ResultLabel(ResultWithheld) != "不予公开" || BasisLabel(ResultWithheld, "third_party") != "保护第三方合法权益" ||
		PauseLabel(PauseSupplement) != "补正" || PauseLabel("") != "挂起" || ResultLabel("x") != "x" {
		t.Error("labels")
	}

	// Other orders: a result is optional, but must be known if given.
	z := newH(t, at(2026, 11, 23, 9, 5))
	receive(z, "咨询", at(2026, 11, 23, 9, 0))
	refused(z, Answer{Text: "已答复", Result: "done"}, "未知的处理结果")
	refused(z, Answer{Text: "已答复", Basis: "repeat"}, "答复依据须与处理结果一并填写")
	refused(z, Answer{Text: "已答复", Result: ResultWithdrawn}, "仅适用于依申请公开")
	z.do(Answer{Text: "已答复"})
	if z.s.Result != "" || z.s.Status != StatusAnswered {
		t.Errorf("enquiry %+v", z.s)
	}
}

func TestDisclosureWithdrawnWhilePaused(t *testing.T) {
	x := disclosure(t, "GK-8", "市住建局", at(2026, 3, 2, 10, 0))
	x.now = at(2026, 3, 4, 9, 0)
	x.do(Pause{Reason: "请补充所需信息的名称、文号或特征描述", Kind: PauseSupplement, Until: at(2026, 3, 18, 18, 0)})
	x.now = at(2026, 3, 18, 17, 0)
	withdraw := Answer{Text: "申请人逾期未补正，视为放弃申请，本机关不再处理", Result: ResultWithdrawn}
	refused(x, withdraw, "补正期限至 2026-03-18 18:00 CST，尚未届满")
	// Past the original due time (31 Mar) while waiting: the clock stopped
	// with the request, so nothing is late.
	x.now = at(2026, 4, 2, 10, 0)
	if evs := x.do(Tick{}); len(evs) != 0 {
		t.Fatalf("a paused order ticked: %+v", evs)
	}
	evs := x.do(withdraw)
	if len(evs) != 2 || evs[0].Type != TypeSigned || evs[1].Type != TypeAnswered {
		t.Fatalf("events %+v", evs)
	}
	cl := x.s.Clocks[ClockAnswer]
	if x.s.Status != StatusWithdrawn || x.s.Result != ResultWithdrawn || !cl.Done || !cl.Met || !cl.DoneAt.Equal(x.now) {
		t.Fatalf("withdrawn %+v %+v", x.s, cl)
	}
	if !x.s.PausedAt.IsZero() || x.s.PauseKind != "" || len(x.s.Pauses) != 1 || !x.s.Pauses[0].To.Equal(x.now) || !x.s.CountFrom.IsZero() {
		t.Fatalf("pause not closed: %+v", x.s)
	}
	refused(x, Answer{Text: "补充答复", Result: ResultPublic}, "视为放弃")
	refused(x, Pause{Reason: "x", Kind: PauseThirdParty}, "不能挂起")
	refused(x, Extend{Days: 5, Reason: "x", ApprovedBy: "y", NotifiedAt: x.now}, "不能延期")
	if evs := x.do(Tick{}); len(evs) != 0 {
		t.Fatalf("a withdrawn order ticked: %+v", evs)
	}
	// A third-party pause cannot end in withdrawal.
	y := disclosure(t, "GK-9", "市住建局", at(2026, 3, 2, 10, 0))
	y.now = at(2026, 3, 4, 9, 0)
	y.do(Pause{Reason: "征求第三方意见", Kind: PauseThirdParty, Until: at(2026, 3, 25, 18, 0)})
	y.now = at(2026, 3, 26, 9, 0)
	refused(y, withdraw, "只有等待补正的申请")
}

func TestDisclosureAnsweredWhilePaused(t *testing.T) {
	x := disclosure(t, "GK-10", "市住建局", at(2026, 3, 2, 10, 0))
	wantDue(x, at(2026, 3, 31, 0, 0))
	x.now = at(2026, 3, 20, 9, 0)
	x.do(Pause{Reason: "征求第三方意见", Kind: PauseThirdParty})
	// The third party did not reply; the office answers on Thu 2 Apr 10:00,
	// after the original due time. The pause ends at the answer: counted
	// Tue 3 – Thu 19 Mar (13 days) + 9h on the 20th + 14h on 2 Apr;
	// 14 Fri 3 Apr (+23h), 15 Tue 7 … 18 Fri 10, 19 Mon 13 (+23h),
	// 20 Tue 14 Apr → due 24:00; the answer is on time.
	x.now = at(2026, 4, 2, 10, 0)
	evs := x.do(Answer{Text: "第三方逾期未提出意见，经审查决定予以公开", Result: ResultPublic, Basis: "provided"})
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if want := []string{TypeSigned, TypeResumed, TypeDueSet, TypeAnswered}; !reflect.DeepEqual(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	wantDue(x, at(2026, 4, 15, 0, 0))
	if cl := x.s.Clocks[ClockAnswer]; !cl.Met || !x.s.PausedAt.IsZero() || len(x.s.Pauses) != 1 {
		t.Fatalf("answered %+v %+v", x.s, cl)
	}
}

func TestOnTimeRates(t *testing.T) {
	const housing, land = "市住建局", "市自然资源局"
	var orders []*State
	add := func(x *h) { orders = append(orders, &x.s) }

	a1 := disclosure(t, "A1", land, at(2026, 3, 2, 10, 0)) // due 31 Mar
	a1.now = at(2026, 3, 20, 10, 0)
	a1.do(Answer{Text: "予以公开", Result: ResultPublic})
	add(a1)
	a2 := disclosure(t, "A2", land, at(2026, 3, 3, 10, 0)) // due 1 Apr 00:00
	a2.now = at(2026, 4, 8, 10, 0)
	a2.do(Answer{Text: "部分公开", Result: ResultPartial})
	add(a2)
	if a2.s.Clocks[ClockAnswer].Met {
		t.Fatal("A2 should be late")
	}
	b1 := disclosure(t, "B1", housing, at(2026, 3, 5, 10, 0)) // open, due 3 Apr
	add(b1)
	b2 := disclosure(t, "B2", housing, at(2026, 3, 30, 10, 0)) // open, due 29 Apr
	add(b2)
	b3 := disclosure(t, "B3", housing, at(2026, 3, 4, 10, 0)) // withdrawn
	b3.now = at(2026, 3, 5, 9, 0)
	b3.do(Pause{Reason: "请补正", Kind: PauseSupplement, Until: at(2026, 3, 12, 18, 0)})
	b3.now = at(2026, 3, 13, 9, 0)
	b3.do(Answer{Text: "视为放弃申请", Result: ResultWithdrawn})
	add(b3)
	b4 := disclosure(t, "B4", housing, at(2026, 3, 6, 10, 0)) // paused before due, still paused
	b4.now = at(2026, 3, 9, 9, 0)
	b4.do(Pause{Reason: "征求第三方意见", Kind: PauseThirdParty})
	add(b4)
	c1 := newH(t, at(2026, 3, 5, 10, 1)) // an enquiry, overdue
	c1.s.ID = "C1"
	c1.do(Receive{Received{ReceivedAt: at(2026, 3, 5, 10, 0), Category: "咨询", Unit: housing}})
	add(c1)
	add(disclosure(t, "D1", housing, at(2026, 4, 2, 10, 0))) // outside the period
	orders = append(orders, &State{ID: "nothing"}, nil)

	from, to, asOf := at(2026, 3, 1, 0, 0), at(2026, 4, 1, 0, 0), at(2026, 4, 20, 0, 0)
	got := OnTime(orders, CategoryDisclosure, from, to, asOf)
	want := []UnitRate{
		{Unit: housing, Received: 4, Open: 3, Overdue: 1, Withdrawn: 1},
		{Unit: land, Received: 2, Answered: 2, OnTime: 1, Late: 1, Rate: 0.5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("OnTime:\n got %+v\nwant %+v", got, want)
	}
	all := OnTime(orders, "", from, to, asOf)
	if len(all) != 2 || all[0].Received != 5 || all[0].Open != 4 || all[0].Overdue != 2 {
		t.Fatalf("all categories: %+v", all)
	}
	// Before B1's due time nothing is overdue.
	if r := OnTime(orders, CategoryDisclosure, from, to, at(2026, 4, 2, 23, 0)); r[0].Overdue != 0 {
		t.Fatalf("early: %+v", r)
	}
}

func TestDisclosureReplay(t *testing.T) {
	x := disclosure(t, "GK-11", "市自然资源局", at(2026, 2, 10, 10, 0))
	x.now = at(2026, 2, 11, 9, 0)
	x.do(Sign{})
	x.now = at(2026, 2, 12, 9, 0)
	x.do(Pause{Reason: "请补充地块位置", Kind: PauseSupplement, Until: at(2026, 2, 27, 18, 0)})
	x.now = at(2026, 2, 25, 14, 0)
	x.do(Resume{})
	x.now = at(2026, 3, 2, 9, 0)
	x.do(Pause{Reason: "征求区政府意见", Kind: PauseOtherAgency, Until: at(2026, 3, 9, 18, 0)})
	x.now = at(2026, 3, 3, 9, 0)
	x.do(Extend{Days: 15, Reason: "需调取档案", ApprovedBy: "user:gk-chief", NotifiedAt: x.now})
	x.now = at(2026, 3, 6, 16, 0)
	x.do(Resume{})
	x.now = at(2026, 3, 30, 10, 0)
	x.do(Tick{})
	x.do(Answer{Text: "部分公开，涉及个人信息部分不予公开", Result: ResultPartial, Basis: "third_party"})

	// Through JSON, as the log stores them.
	raw, err := json.Marshal(x.log)
	if err != nil {
		t.Fatal(err)
	}
	var stored []event.Envelope
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	var re State
	for _, e := range stored {
		if err := Apply(&re, e); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(re, x.s) {
		t.Fatalf("replay differs:\n%+v\n%+v", re, x.s)
	}
	if len(re.Pauses) != 2 || re.Extensions[0] != 15 || re.Result != ResultPartial || !re.CountFrom.Equal(at(2026, 2, 25, 14, 0)) {
		t.Fatalf("replayed %+v", re)
	}

	// Events written before these fields existed still decode.
	var old State
	for _, e := range []event.Envelope{
		{ID: "1", Type: TypeReceived, Key: "OLD", Payload: json.RawMessage(`{"received_at":"2026-11-23T09:00:00+08:00","category":"求助","unit":"u"}`)},
		{ID: "2", Type: TypeDueSet, Key: "OLD", Payload: json.RawMessage(`{"clock":"answer","due":"2026-12-01T00:00:00+08:00","workdays":5,"reason":"r"}`)},
		{ID: "3", Type: TypePaused, Key: "OLD", Payload: json.RawMessage(`{"at":"2026-11-25T09:00:00+08:00","reason":"等待"}`)},
		{ID: "4", Type: TypeResumed, Key: "OLD", Payload: json.RawMessage(`{"at":"2026-11-26T09:00:00+08:00"}`)},
		{ID: "5", Type: TypeExtended, Key: "OLD", Payload: json.RawMessage(`{"days":3,"reason":"x","approved_by":"y"}`)},
		{ID: "6", Type: TypeAnswered, Key: "OLD", Payload: json.RawMessage(`{"at":"2026-11-30T09:00:00+08:00","text":"ok"}`)},
	} {
		if err := Apply(&old, e); err != nil {
			t.Fatal(err)
		}
	}
	if old.Status != StatusAnswered || old.Extensions[0] != 3 || len(old.Pauses) != 1 || old.Result != "" || !old.Clocks[ClockAnswer].Met {
		t.Fatalf("old events: %+v", old)
	}
	// And a non-disclosure order's events carry none of the new fields.
	z := newH(t, at(2026, 11, 23, 9, 5))
	receive(z, "求助", at(2026, 11, 23, 9, 0))
	z.do(Pause{Reason: "等待市民"})
	z.do(Resume{})
	z.do(Extend{Days: 1, Reason: "x", ApprovedBy: "y"})
	z.do(Answer{Text: "ok"})
	for _, e := range z.log {
		for _, f := range []string{"kind", "until", "result", "basis", "notified_at"} {
			if strings.Contains(string(e.Payload), `"`+f+`"`) {
				t.Errorf("%s payload has %s: %s", e.Type, f, e.Payload)
			}
		}
	}
}
