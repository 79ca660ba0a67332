package statement

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"yuqing/respond/privacy"
)

// Checker checks a draft before it is approved and signed: every number,
// date, time, place and organisation a sentence states must be in a fact
// that sentence cites; cited facts must be verified (a circulating claim
// only as "网传……经核实……"); no template placeholder may remain; and no
// personal data may stay unless an approver allowed it.
//
// Citations are marks in the text: [F1] cites fact F1 ([F1,F2] or [F1][F2]
// cite two), [口径:ID@2] cites version 2 of an approved 口径 entry. A mark
// belongs to the sentence it ends (before or right after its 。).
type Checker struct {
	// Names lists the places and organisations text names (the
	// segmenter's entities); nil checks numbers, dates and times only.
	Names func(text string) []string
	// Wording returns the text of an approved 口径 entry by its mark
	// (ID@version); nil: 口径 marks cite nothing.
	Wording func(ref string) (string, bool)
	// Privacy scans text for personal data; nil: privacy.Scan.
	Privacy func(text string) []privacy.Finding
}

func (c Checker) privacy(text string) []privacy.Finding {
	if c.Privacy != nil {
		return c.Privacy(text)
	}
	return privacy.Scan(text)
}

// Issue is one problem the citation check found.
type Issue struct {
	Line     int    `json:"line"` // 1-based line of the draft
	Sentence string `json:"sentence"`
	Kind     string `json:"kind"` // uncited, unverified, claim_form, false_fact, unknown_ref
	Text     string `json:"text"` // the figure, name or mark at fault
	Message  string `json:"message"`
}

// Report is the outcome of a check. OK is what approval and signing need.
type Report struct {
	OK           bool              `json:"ok"`
	Issues       []Issue           `json:"issues"`
	Privacy      []privacy.Finding `json:"privacy"` // personal data not allowed to stay
	Allowed      []Allowance       `json:"allowed"` // personal data an approver allowed
	Placeholders []string          `json:"placeholders"`
}

// Summary words the report's problems in one Chinese line.
func (r Report) Summary() string {
	var parts []string
	if n := len(r.Issues); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" 处引用问题（如「"+r.Issues[0].Text+"」："+r.Issues[0].Message+"）")
	}
	if n := len(r.Privacy); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" 处个人信息（如「"+r.Privacy[0].Text+"」）")
	}
	if n := len(r.Placeholders); n > 0 {
		parts = append(parts, strconv.Itoa(n)+" 处待填写的「"+r.Placeholders[0]+"」")
	}
	if len(parts) == 0 {
		return "无问题"
	}
	return strings.Join(parts, "，")
}

// Check checks the current version of d.
func (c Checker) Check(s *State, d *Draft) Report {
	return c.CheckText(s, d.Current().Text, d.Allowed)
}

var (
	markRe        = regexp.MustCompile(`[\[［]((?:F\d+|口径:[^\]］]+)(?:\s*[,，、]\s*(?:F\d+|口径:[^\]］]+))*)[\]］]`)
	placeholderRe = regexp.MustCompile(`【[^】]*】`)
)

// CheckText checks text against the facts of s; allowed are the privacy
// findings an approver let stay (by their text).
func (c Checker) CheckText(s *State, text string, allowed []Allowance) Report {
	r := Report{Issues: []Issue{}, Privacy: []privacy.Finding{}, Allowed: []Allowance{}, Placeholders: []string{}}
	lines := strings.Split(text, "\n")
	title := -1
	for i, l := range lines {
		if strings.TrimSpace(l) != "" {
			title = i
			break
		}
	}
	for i, line := range lines {
		r.Placeholders = append(r.Placeholders, placeholderRe.FindAllString(line, -1)...)
		if i == title || c.signOff(line) {
			continue // the title and the sign-off (unit, date) state nothing to cite
		}
		for _, sen := range sentences(line) {
			r.Issues = append(r.Issues, c.checkSentence(s, i+1, sen)...)
		}
	}
	for _, f := range c.privacy(text) {
		if i := slices.IndexFunc(allowed, func(a Allowance) bool { return a.Text == f.Text }); i >= 0 {
			r.Allowed = append(r.Allowed, allowed[i])
			continue
		}
		r.Privacy = append(r.Privacy, f)
	}
	r.OK = len(r.Issues) == 0 && len(r.Privacy) == 0 && len(r.Placeholders) == 0
	return r
}

// sentence is one sentence of a line with the marks that end it.
type sentence struct {
	text  string // marks removed
	marks []string
}

// sentences splits a line after 。！？；!?; a mark right after the
// terminator belongs to the sentence before it.
func sentences(line string) []sentence {
	var out []sentence
	var cur strings.Builder
	flush := func() {
		raw := cur.String()
		cur.Reset()
		marks := marksIn(raw)
		plain := strings.TrimSpace(markRe.ReplaceAllString(raw, ""))
		if plain == "" || strings.Trim(plain, "。！？；!?;，, ") == "" {
			if len(out) > 0 {
				out[len(out)-1].marks = append(out[len(out)-1].marks, marks...)
			}
			return
		}
		out = append(out, sentence{text: plain, marks: marks})
	}
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		cur.WriteRune(rs[i])
		if strings.ContainsRune("。！？；!?;", rs[i]) {
			// Marks right after the terminator stay with this sentence.
			rest := string(rs[i+1:])
			if loc := markRe.FindStringIndex(rest); loc != nil && loc[0] == 0 {
				m := rest[:loc[1]]
				cur.WriteString(m)
				i += len([]rune(m))
			}
			flush()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		flush()
	}
	return out
}

func marksIn(s string) []string {
	var out []string
	for _, m := range markRe.FindAllStringSubmatch(s, -1) {
		for _, ref := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
			out = append(out, strings.TrimSpace(ref))
		}
	}
	return out
}

var (
	rumourWords  = []string{"网传", "网上流传", "网络流传", "网民反映", "有网民称", "有网友称", "网络传言"}
	checkedWords = []string{"经核实", "经查", "经调查核实"}
)

func (c Checker) checkSentence(s *State, line int, sen sentence) []Issue {
	var issues []Issue
	add := func(kind, text, msg string) {
		issues = append(issues, Issue{Line: line, Sentence: sen.text, Kind: kind, Text: text, Message: msg})
	}
	var cited []string
	for _, ref := range sen.marks {
		if w, ok := strings.CutPrefix(ref, "口径:"); ok {
			if c.Wording == nil {
				add("unknown_ref", ref, "引用的口径不存在或未批准")
				continue
			}
			t, ok := c.Wording(w)
			if !ok {
				add("unknown_ref", ref, "引用的口径不存在或未批准")
				continue
			}
			cited = append(cited, t)
			continue
		}
		f, ok := s.Fact(ref)
		if !ok {
			add("unknown_ref", ref, "引用的事实不存在")
			continue
		}
		switch {
		case f.Status == Pending:
			add("unverified", ref, "引用的事实尚未核实，只能引用已核实的事实")
		case f.Kind == KindClaim && !(containsAny(sen.text, rumourWords) && containsAny(sen.text, checkedWords)):
			add("claim_form", ref, "网传信息只能写作「网传……经核实……」")
		case f.Kind == KindUnit && f.Status == False:
			add("false_fact", ref, "该事实已核实为不实，不能作为事实陈述")
		}
		cited = append(cited, f.Text)
	}
	have := map[string]bool{}
	values := map[string]bool{}
	for _, t := range cited {
		for _, a := range atoms(t) {
			have[a.key] = true
			values[a.value] = true
		}
	}
	for _, a := range atoms(sen.text) {
		if have[a.key] || (a.unit == "" && values[a.value]) {
			continue
		}
		add("uncited", a.text, uncitedMessage(a.kind, len(sen.marks) > 0))
	}
	if c.Names != nil {
		for _, n := range c.Names(sen.text) {
			if !slices.ContainsFunc(cited, func(t string) bool { return strings.Contains(t, n) }) {
				add("uncited", n, uncitedMessage("name", len(sen.marks) > 0))
			}
		}
	}
	return issues
}

func uncitedMessage(kind string, marked bool) string {
	what := map[string]string{"date": "日期", "time": "时间", "number": "数字", "name": "地名或机构名"}[kind]
	if marked {
		return "本句引用的事实中没有这个" + what
	}
	return "本句陈述了" + what + "，但没有引用事实"
}

func containsAny(s string, words []string) bool {
	return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s, w) })
}

// signOff reports a line that names only a unit and/or a date (落款).
func (c Checker) signOff(line string) bool {
	t := strings.TrimSpace(line)
	if t == "" || strings.ContainsAny(t, "。！？；，,") || len([]rune(t)) > 40 {
		return false
	}
	for _, suf := range []string{"政府", "委员会", "指挥部", "办公室", "局", "委", "办", "厅", "中心"} {
		if strings.HasSuffix(t, suf) && !strings.ContainsFunc(t, unicode.IsDigit) {
			return true // 临江区人民政府, 市应急管理局
		}
	}
	t = dateRe.ReplaceAllString(normalizeNumerals(t), "")
	if c.Names != nil {
		for _, n := range c.Names(t) {
			t = strings.ReplaceAll(t, n, "")
		}
	}
	return strings.TrimFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) == ""
}

// atom is one figure a sentence states.
type atom struct {
	kind  string // date, time, number
	text  string // as written (numerals normalised)
	key   string // what must match: kind, value and unit
	value string
	unit  string
}

var (
	dateRe   = regexp.MustCompile(`(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?|(\d{1,2})月(\d{1,2})日|(\d{1,2})日`)
	timeRe   = regexp.MustCompile(`(凌晨|早上|上午|中午|下午|傍晚|晚上|夜间)?(\d{1,2})(?:时|点|:|：)(?:(\d{1,2})分?)?(许|左右)?`)
	numberRe = regexp.MustCompile(`\d+(?:[.,]\d+)*(?:%|％)?(?:万|亿)?(人次|人|名|位|户|辆|处|间|起|家|个|次|所|台|吨|公里|千米|平方米|米|小时|天|岁|元|公斤|千克|栋|层|套|条|项|批)?`)
)

// atoms lists the dates, times and numbers text states. Phone-like digit
// runs (five digits or more without a unit) are left to the privacy guard.
func atoms(text string) []atom {
	t := normalizeNumerals(text)
	var out []atom
	taken := make([]bool, len(t))
	mark := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			taken[i] = true
		}
	}
	free := func(lo, hi int) bool { return !slices.Contains(taken[lo:hi], true) }
	for _, m := range dateRe.FindAllStringSubmatchIndex(t, -1) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return strings.TrimLeft(t[m[2*i]:m[2*i+1]], "0")
		}
		var key string
		switch {
		case m[2] >= 0:
			key = "y" + g(1) + "m" + g(2) + "d" + g(3)
		case m[8] >= 0:
			key = "m" + g(4) + "d" + g(5)
		default:
			key = "d" + g(6)
		}
		out = append(out, atom{kind: "date", text: t[m[0]:m[1]], key: "date:" + key, value: key, unit: "date"})
		mark(m[0], m[1])
	}
	for _, m := range timeRe.FindAllStringSubmatchIndex(t, -1) {
		if !free(m[0], m[1]) {
			continue
		}
		h, _ := strconv.Atoi(t[m[4]:m[5]])
		if m[2] >= 0 && h < 12 && slices.Contains([]string{"下午", "傍晚", "晚上", "夜间"}, t[m[2]:m[3]]) {
			h += 12
		}
		mins := "0"
		if m[6] >= 0 {
			mins = strings.TrimLeft(t[m[6]:m[7]], "0")
		}
		key := strconv.Itoa(h) + ":" + mins
		out = append(out, atom{kind: "time", text: t[m[0]:m[1]], key: "time:" + key, value: key, unit: "time"})
		mark(m[0], m[1])
	}
	for _, m := range numberRe.FindAllStringSubmatchIndex(t, -1) {
		if !free(m[0], m[1]) {
			continue
		}
		// A digit run inside a word (a plate, a work-order number, an
		// ASCII name) is not a stated figure.
		if m[0] > 0 && isASCIIWord(t[m[0]-1]) {
			continue
		}
		unit := ""
		if m[2] >= 0 {
			unit = unitClass(t[m[2]:m[3]])
		}
		num := t[m[0]:m[1]]
		if m[2] >= 0 {
			num = t[m[0]:m[2]]
		}
		digits := strings.Trim(num, "%％万亿")
		if unit == "" && len(strings.ReplaceAll(digits, ",", "")) >= 5 && !strings.ContainsAny(num, ".%％万亿") {
			continue
		}
		value := strings.ReplaceAll(num, ",", "")
		out = append(out, atom{kind: "number", text: t[m[0]:m[1]], key: "number:" + value + "|" + unit, value: value, unit: unit})
	}
	return out
}

func isASCIIWord(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_'
}

// unitClass groups units that count the same thing.
func unitClass(u string) string {
	switch u {
	case "人", "名", "位":
		return "人"
	case "公里", "千米":
		return "公里"
	case "公斤", "千克":
		return "公斤"
	}
	return u
}

var numeralValue = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// normalizeNumerals writes Chinese numerals that count or date something
// (三人, 十二月三日, 下午三点) as digits; 一些, 进一步, 第一 stay.
func normalizeNumerals(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && isChineseNumeral(rs[j]) {
			j++
		}
		if j == i {
			b.WriteRune(rs[i])
			i++
			continue
		}
		next := ""
		if j < len(rs) {
			next = string(rs[j:min(j+2, len(rs))])
		}
		ordinal := i > 0 && rs[i-1] == '第'
		// A lone 一 is mostly not a count: 一起 (together), 一点 (a bit), 一时.
		if j == i+1 && rs[i] == '一' && (next == "" || !strings.ContainsRune("人名位户年月日万亿", []rune(next)[0])) {
			ordinal = true
		}
		if v, ok := numeralInt(rs[i:j]); ok && !ordinal && countsSomething(next) {
			b.WriteString(strconv.Itoa(v))
		} else {
			b.WriteString(string(rs[i:j]))
		}
		i = j
	}
	return b.String()
}

func isChineseNumeral(r rune) bool {
	_, ok := numeralValue[r]
	return ok || r == '十' || r == '百' || r == '千'
}

// numeralInt reads 三, 十二, 二十三, 一百零五, 二〇二六 (digit by digit).
func numeralInt(rs []rune) (int, bool) {
	if !slices.ContainsFunc(rs, func(r rune) bool { return r == '十' || r == '百' || r == '千' }) {
		v := 0
		for _, r := range rs {
			v = v*10 + numeralValue[r]
		}
		return v, true
	}
	total, cur := 0, 0
	for _, r := range rs {
		switch r {
		case '十', '百', '千':
			mult := map[rune]int{'十': 10, '百': 100, '千': 1000}[r]
			if cur == 0 {
				cur = 1
			}
			total += cur * mult
			cur = 0
		default:
			cur = numeralValue[r]
		}
	}
	return total + cur, true
}

func countsSomething(next string) bool {
	for _, u := range []string{"人", "名", "位", "户", "辆", "处", "间", "起", "家", "所", "台", "吨", "公里", "千米", "米", "小时", "天", "岁", "元", "年", "月", "日", "时", "点", "栋", "层", "套", "万", "亿"} {
		if strings.HasPrefix(next, u) {
			return true
		}
	}
	return false
}

// Clean is text as published: citation marks removed.
func Clean(text string) string {
	return markRe.ReplaceAllString(text, "")
}
