package statement

import (
	"strings"
)

// Template returns the first text of a draft of kind about title: the
// structure 国办发〔2016〕61号 asks of authoritative information (概况:
// 时间·地点·经过; 成因; 处置措施与解决方案; 制约因素; 下一步与联系方式), with
// the verified facts already cited where they belong and 【…】 where the
// spokesperson must still write. Checking refuses a draft while any 【…】
// remains. questions seeds the Q&A of 答记者问 and 发布会口径 (the questions
// people ask in the topic, most asked first).
func Template(kind, title string, facts []Fact, questions []string) string {
	var verified []Fact
	for _, f := range facts {
		if f.Kind == KindUnit && f.Status == Verified {
			verified = append(verified, f)
		}
	}
	var debunk []Fact
	for _, f := range facts {
		if f.Kind == KindClaim && f.Status != Pending {
			debunk = append(debunk, f)
		}
	}
	var b strings.Builder
	line := func(s ...string) { b.WriteString(strings.Join(s, "")); b.WriteByte('\n') }
	factLines := func() {
		if len(verified) == 0 {
			line("【时间】，【地点】发生【事件经过】。")
			return
		}
		for _, f := range verified {
			line(sentenceOf(f.Text), "[", f.ID, "]")
		}
	}
	debunkLines := func() {
		for _, f := range debunk {
			verdict := "属实"
			if f.Status == False {
				verdict = "不实"
			}
			line("网传“", strings.TrimRight(f.Text, "。"), "”，经核实，该信息", verdict, "。[", f.ID, "]")
		}
	}
	switch kind {
	case Interview, Conference:
		if kind == Interview {
			line("关于", title, "的答记者问")
		} else {
			line("关于", title, "的新闻发布会口径")
		}
		line("一、基本情况")
		factLines()
		debunkLines()
		line("二、问答")
		if len(questions) == 0 {
			questions = []string{"【问题】"}
		}
		for i, q := range questions {
			if i == 8 {
				break
			}
			line("问：", q)
			line("答：【回答要点，引用已核实的事实】")
		}
		line("三、联系方式")
		line("【联系方式】")
	case Policy:
		line("关于", title, "的政策解读")
		line("一、出台背景")
		line("【为什么出台】")
		line("二、主要内容")
		factLines()
		line("三、适用对象与实施时间")
		line("【对谁适用，从何时起施行】")
		line("四、过渡安排")
		line("【已在办理的事项如何衔接】")
		line("五、咨询方式")
		line("【咨询电话与受理单位】")
	default:
		line("关于", title, "的情况通报")
		line("一、基本情况")
		factLines()
		debunkLines()
		line("二、原因")
		line("【初步查明的原因；正在调查的，说明调查进展】")
		line("三、处置措施与解决方案")
		line("【已采取的措施与对群众的安排】")
		line("四、制约因素")
		line("【尚不能确定或需要时间的事项】")
		line("五、下一步工作")
		line("【后续发布安排与联系方式】")
		line("【发布单位】")
		line("【日期】")
	}
	return b.String()
}

// sentenceOf ends a fact's text as a sentence.
func sentenceOf(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "。") || strings.HasSuffix(s, "！") || strings.HasSuffix(s, "？") {
		return s
	}
	return s + "。"
}
