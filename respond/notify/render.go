package notify

import (
	"strings"
	"unicode/utf8"
	"yuqing/internal/clock"
)

// ChinaTime is Asia/Shanghai. China has had no daylight saving time since
// 1991, so a fixed +08:00 zone is exact and needs no tzdata on the host.
var ChinaTime = clock.Beijing

// GradeLabel is "I级" … "IV级", or "" for no grade.
func GradeLabel(g int) string {
	switch g {
	case 1:
		return "I级"
	case 2:
		return "II级"
	case 3:
		return "III级"
	case 4:
		return "IV级"
	}
	return ""
}

// KindLabel is the Chinese name of a kind.
func KindLabel(kind string) string {
	switch kind {
	case KindWarning:
		return "临期预警"
	case KindBreach:
		return "超时告警"
	case KindEscalation:
		return "升级督办"
	case KindInfo:
		return "通知"
	}
	return kind
}

// RoleLabel is the Chinese name of a role.
func RoleLabel(role string) string {
	switch role {
	case RoleDutyOfficer:
		return "值班员"
	case RoleSectionChief:
		return "科室负责人"
	case RoleLeader:
		return "分管领导"
	case RoleSpokesperson:
		return "新闻发言人"
	}
	return role
}

// Subject is the one-line headline: 【演练】【II级·超时告警】<title>.
func Subject(m Message) string {
	var b strings.Builder
	if m.Drill {
		b.WriteString("【演练】")
	}
	b.WriteString("【")
	if g := GradeLabel(m.Grade); g != "" {
		b.WriteString(g)
		b.WriteString("·")
	}
	b.WriteString(KindLabel(m.Kind))
	b.WriteString("】")
	b.WriteString(oneLine(m.Title))
	return b.String()
}

// Details are the labelled lines (单位, 对象, 事件, 时间) every rendering shows.
func Details(m Message) [][2]string {
	var d [][2]string
	if m.Unit != "" {
		d = append(d, [2]string{"单位", oneLine(m.Unit)})
	}
	if m.Role != "" {
		d = append(d, [2]string{"对象", RoleLabel(m.Role)})
	}
	if m.IncidentID != "" {
		d = append(d, [2]string{"事件", oneLine(m.IncidentID)})
	}
	if !m.At.IsZero() {
		d = append(d, [2]string{"时间", m.At.In(ChinaTime).Format("2006-01-02 15:04")})
	}
	return d
}

// Markdown renders for the bots' markdown subsets (headings, quotes, links).
func Markdown(m Message) string {
	return render(m, "### ", "> ", func(url string) string { return "[打开处置台](" + url + ")" })
}

// PlainText renders for e-mail bodies and text messages.
func PlainText(m Message) string {
	return render(m, "", "", func(url string) string { return "处置台：" + url })
}

// render lays a message out: the subject after head, one quoted line per
// detail, the text, then the console link.
func render(m Message, head, quote string, link func(url string) string) string {
	var b strings.Builder
	b.WriteString(head)
	b.WriteString(Subject(m))
	b.WriteString("\n")
	for _, kv := range Details(m) {
		b.WriteString(quote)
		b.WriteString(kv[0])
		b.WriteString("：")
		b.WriteString(kv[1])
		b.WriteString("\n")
	}
	if m.Text != "" {
		b.WriteString("\n")
		b.WriteString(m.Text)
		b.WriteString("\n")
	}
	if m.URL != "" {
		b.WriteString("\n")
		b.WriteString(link(m.URL))
		b.WriteString("\n")
	}
	return b.String()
}

// Truncate cuts s to at most max bytes on a rune boundary, ending with "…"
// when it cut.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	const ell = "…"
	cut := max - len(ell)
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

// TruncateRunes cuts s to at most max characters, ending with "…" when it cut.
func TruncateRunes(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
