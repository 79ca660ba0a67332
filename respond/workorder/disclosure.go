package workorder

import (
	"fmt"
	"strings"
	"time"

	"yuqing/respond/calendar"
)

// CategoryDisclosure is the category of a request for government information
// (依申请公开) under the 政府信息公开条例 (2019). Orders of this category run
// the statutory clocks described in the package doc.
const CategoryDisclosure = "依申请公开"

// Statutory limits of 条例第三十条、第三十三条.
const (
	DisclosureAnswerDays     = 20 // 自收到申请之日起20个工作日内予以答复
	DisclosureMaxExtension   = 20 // 延长的期限最长不得超过20个工作日
	DisclosureSupplementDays = 7  // 自收到申请之日起7个工作日内一次性告知补正
)

// Pause kinds (Pause.Kind). A disclosure order must name one; for other
// orders a kind is an optional label with no effect on the clocks.
const (
	// PauseSupplement: the applicant was asked to supplement an unclear
	// application (补正, 第三十条). The answer period is counted afresh from
	// the receipt of the supplemented application (Resume.At).
	PauseSupplement = "supplement"
	// PauseThirdParty: a third party's opinion is sought (征求第三方意见,
	// 第三十二条); the time is not counted (第三十三条第二款).
	PauseThirdParty = "third_party"
	// PauseOtherAgency: another agency's opinion is sought (征求其他机关意见);
	// the time is not counted (第三十三条第二款).
	PauseOtherAgency = "other_agency"
)

// Results of answering a disclosure request (Answer.Result), after 第三十六条
// to 第三十九条 and the categories of the annual report on government
// information disclosure (政府信息公开工作年度报告).
const (
	ResultPublic       = "public"        // 予以公开 (第三十六条第一项、第二项)
	ResultPartial      = "partial"       // 部分公开 (第三十七条)
	ResultWithheld     = "withheld"      // 不予公开 (第三十六条第三项), needs a Basis
	ResultUnavailable  = "unavailable"   // 无法提供, needs a Basis
	ResultNotProcessed = "not_processed" // 不予处理, needs a Basis
	ResultOther        = "other"         // 其他处理 (e.g. 告知依照有关法律、行政法规的规定办理)
	// ResultWithdrawn closes an application whose applicant did not
	// supplement it within the period given (视为放弃申请, 第三十条). It is
	// only possible while the order is paused for 补正 and the period has
	// passed; the order's status becomes "withdrawn".
	ResultWithdrawn = "withdrawn"
)

// Option is one allowed value (pause kind, result, basis) with its Chinese
// label and legal basis, for forms and reports.
type Option struct {
	Code    string `json:"code"`
	Label   string `json:"label"`
	Article string `json:"article,omitempty"` // 条例 article, "" if none applies
}

var pauseKinds = []Option{
	{PauseSupplement, "补正", "第三十条"},
	{PauseThirdParty, "征求第三方意见", "第三十二条、第三十三条第二款"},
	{PauseOtherAgency, "征求其他机关意见", "第三十三条第二款"},
}

var results = []Option{
	{ResultPublic, "予以公开", "第三十六条第一项、第二项"},
	{ResultPartial, "部分公开", "第三十七条"},
	{ResultWithheld, "不予公开", "第三十六条第三项"},
	{ResultUnavailable, "无法提供", "第三十六条第四项、第五项，第三十八条"},
	{ResultNotProcessed, "不予处理", "第三十五条、第三十六条第六项、第三十九条"},
	{ResultOther, "其他处理", ""},
	{ResultWithdrawn, "视为放弃申请（逾期未补正）", "第三十条"},
}

var withheldBases = []Option{
	{"state_secret", "属于国家秘密", "第十四条"},
	{"law_prohibited", "其他法律行政法规禁止公开", "第十四条"},
	{"security_stability", "危及“三安全一稳定”", "第十四条"},
	{"third_party", "保护第三方合法权益", "第十五条"},
	{"internal_affairs", "属于三类内部事务信息", "第十六条第一款"},
	{"process_info", "属于四类过程性信息", "第十六条第二款"},
	{"enforcement_file", "属于行政执法案卷", "第十六条第二款"},
	{"inquiry", "属于行政查询事项", ""},
}

// bases lists the allowed Basis values per result, and whether one is
// required.
var bases = map[string]struct {
	required bool
	codes    []Option
}{
	ResultPublic: {false, []Option{
		{"proactive", "已主动公开，告知获取方式和途径", "第三十六条第一项"},
		{"provided", "提供信息或告知获取方式、途径和时间", "第三十六条第二项"},
	}},
	ResultPartial:  {false, withheldBases}, // the reason the rest is withheld
	ResultWithheld: {true, withheldBases},
	ResultUnavailable: {true, []Option{
		{"not_held", "本机关不掌握相关政府信息", "第三十六条第四项、第五项"},
		{"needs_production", "没有现成信息需要另行制作", "第三十八条"},
		{"unclear", "补正后申请内容仍不明确", "第三十条"},
	}},
	ResultNotProcessed: {true, []Option{
		{"petition", "信访举报投诉类申请", "第三十九条第一款"},
		{"repeat", "重复申请", "第三十六条第六项"},
		{"publication", "要求提供公开出版物", "第三十九条第二款"},
		{"excessive", "无正当理由大量反复申请", "第三十五条"},
		{"confirm", "要求行政机关确认或重新出具已获取信息", ""},
	}},
	ResultOther: {false, []Option{
		{"special_law", "告知依照有关法律、行政法规的规定办理", "第三十六条第七项"},
		{"fee_unpaid", "逾期未按收费通知缴纳费用", "第四十二条"},
		{"other", "其他", ""},
	}},
}

// PauseKinds returns the pause kinds, in display order.
func PauseKinds() []Option { return append([]Option(nil), pauseKinds...) }

// Results returns the answer results of a disclosure request, in display
// order.
func Results() []Option { return append([]Option(nil), results...) }

// Bases returns the allowed bases of a result (nil if it takes none).
func Bases(result string) []Option { return append([]Option(nil), bases[result].codes...) }

// PauseLabel returns the Chinese label of a pause kind ("挂起" for none, the
// code itself if unknown).
func PauseLabel(kind string) string {
	if kind == "" {
		return "挂起"
	}
	return label(pauseKinds, kind)
}

// ResultLabel returns the Chinese label of a result (the code if unknown).
func ResultLabel(result string) string { return label(results, result) }

// BasisLabel returns the Chinese label of a basis of a result (the code if
// unknown).
func BasisLabel(result, basis string) string { return label(bases[result].codes, basis) }

func label(cs []Option, code string) string {
	if c, ok := find(cs, code); ok {
		return c.Label
	}
	return code
}

func find(cs []Option, code string) (Option, bool) {
	for _, c := range cs {
		if c.Code == code {
			return c, true
		}
	}
	return Option{}, false
}

func labels(cs []Option) string {
	ls := make([]string, len(cs))
	for i, c := range cs {
		ls[i] = c.Label
	}
	return strings.Join(ls, "、")
}

// Disclosure reports whether s is a disclosure request (依申请公开).
func (s *State) Disclosure() bool { return s.Received.Category == CategoryDisclosure }

// countFrom is the instant the answer period counts from: the receipt, or
// for a disclosure order the receipt of the supplemented application.
func (s *State) countFrom() time.Time {
	if !s.CountFrom.IsZero() {
		return s.CountFrom
	}
	return s.Received.ReceivedAt
}

func (s *State) closed() bool { return s.Status == StatusAnswered || s.Status == StatusWithdrawn }

// expiredAt reports whether the answer period had run out at t: the clock
// is open, t is after its due time, and the order was not paused before it.
func (s *State) expiredAt(t time.Time) bool {
	cl := s.Clocks[ClockAnswer]
	if cl == nil || cl.Done || !t.After(cl.Due) {
		return false
	}
	return s.PausedAt.IsZero() || s.PausedAt.After(cl.Due)
}

// checkPause validates a pause of s; kind and until are the command's.
func checkPause(s *State, cal *calendar.Calendar, c Pause, at time.Time) error {
	if c.Kind != "" {
		if _, ok := find(pauseKinds, c.Kind); !ok {
			return refuse("未知的挂起类型 %q（可选：%s）", c.Kind, labels(pauseKinds))
		}
	}
	if !c.Until.IsZero() && !c.Until.After(at) {
		return refuse("挂起期限须晚于挂起时间")
	}
	if !s.Disclosure() {
		return nil
	}
	if c.Kind == "" {
		return refuse("依申请公开工单挂起须注明类型：%s（条例第三十条、第三十三条第二款）", labels(pauseKinds))
	}
	if c.Kind != PauseSupplement {
		return nil
	}
	if !s.SupplementAt.IsZero() {
		return refuse("补正应一次性告知（条例第三十条），本申请已于 %s 告知补正", s.SupplementAt.In(cal.Location()).Format("2006-01-02"))
	}
	if n := cal.WorkdaysBetween(s.Received.ReceivedAt, at); n > DisclosureSupplementDays {
		return refuse("补正须自收到申请之日起%d个工作日内告知（条例第三十条），已过 %d 个工作日", DisclosureSupplementDays, n)
	}
	if c.Until.IsZero() {
		return refuse("补正通知须载明合理的补正期限（条例第三十条）")
	}
	return nil
}

// checkExtend validates an extension of a disclosure order (第三十三条).
func checkExtend(s *State, cal *calendar.Calendar, c Extend, now time.Time) error {
	if len(s.Extensions) > 0 {
		return refuse("依申请公开只能延长一次（条例第三十三条）")
	}
	if c.Days <= 0 {
		return refuse("延长需要填写天数")
	}
	if c.Days > DisclosureMaxExtension {
		return refuse("延长不得超过%d个工作日（条例第三十三条），申请延长 %d 个工作日", DisclosureMaxExtension, c.Days)
	}
	if strings.TrimSpace(c.ApprovedBy) == "" || c.NotifiedAt.IsZero() {
		return refuse("延长须经政府信息公开工作机构负责人同意并告知申请人（条例第三十三条）")
	}
	if c.NotifiedAt.After(now.Add(time.Hour)) {
		return refuse("告知申请人的时间在未来")
	}
	if s.expiredAt(c.NotifiedAt) {
		return refuse("答复期限已于 %s 届满，不能再延长", s.Clocks[ClockAnswer].Due.In(cal.Location()).Format("2006-01-02 15:04 MST"))
	}
	if strings.TrimSpace(c.Reason) == "" {
		return refuse("延期需要填写理由")
	}
	return nil
}

// checkResult validates the result and basis of an answer of s at instant at.
func checkResult(s *State, cal *calendar.Calendar, c Answer, at time.Time) error {
	if c.Result == "" {
		if s.Disclosure() {
			return refuse("依申请公开的答复须注明处理结果（条例第三十六条）：%s", labels(results))
		}
		if c.Basis != "" {
			return refuse("答复依据须与处理结果一并填写")
		}
		return nil
	}
	if _, ok := find(results, c.Result); !ok {
		return refuse("未知的处理结果 %q（可选：%s）", c.Result, labels(results))
	}
	b := bases[c.Result]
	switch {
	case c.Basis == "" && b.required:
		return refuse("“%s”须注明具体情形：%s", ResultLabel(c.Result), labels(b.codes))
	case c.Basis != "":
		if _, ok := find(b.codes, c.Basis); !ok {
			if len(b.codes) == 0 {
				return refuse("“%s”不需要具体情形，收到 %q", ResultLabel(c.Result), c.Basis)
			}
			return refuse("“%s”的具体情形 %q 无效（可选：%s）", ResultLabel(c.Result), c.Basis, labels(b.codes))
		}
	}
	if c.Result != ResultWithdrawn {
		return nil
	}
	if !s.Disclosure() {
		return refuse("视为放弃申请仅适用于依申请公开（条例第三十条）")
	}
	if s.PausedAt.IsZero() || s.PauseKind != PauseSupplement {
		return refuse("只有等待补正的申请才能视为放弃申请（条例第三十条）")
	}
	if at.Before(s.PauseUntil) {
		return refuse("补正期限至 %s，尚未届满，不能视为放弃申请", s.PauseUntil.In(cal.Location()).Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// resume closes the open pause of s at at: the Resumed event and the
// recomputed answer clock. For a disclosure order a 补正 pause restarts the
// answer period at at (第三十条); other pauses give the paused time back.
func resume(s *State, p Policy, cal *calendar.Calendar, at time.Time) []Event {
	pauses := append(append([]calendar.Pause(nil), s.Pauses...), calendar.Pause{From: s.PausedAt, To: at})
	evs := []Event{{Type: TypeResumed, Data: At{At: at, Kind: s.PauseKind}}}
	start, reason := s.countFrom(), "挂起后恢复"
	if s.Disclosure() {
		if s.PauseKind == PauseSupplement {
			start, reason = at, "收到补正申请，答复期限自收到之日起重新计算（条例第三十条）"
		} else {
			reason = fmt.Sprintf("%s所需时间不计算在答复期限内（条例第三十三条第二款）", PauseLabel(s.PauseKind))
		}
	}
	return append(evs, redue(s, p, cal, start, pauses, s.Extensions, reason)...)
}
