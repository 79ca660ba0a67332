package evidence

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"yuqing/analyze/grade"
	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/clock"
	"yuqing/internal/hanzi"
)

// Claim kinds.
const (
	ClaimCasualty = "casualty" // 3人死亡, 无人员伤亡
	ClaimHearsay  = "hearsay"  // 网传…, 据说…, 疑似…
	ClaimTime     = "time"     // 12月2日15时, 凌晨
	ClaimPlace    = "place"    // 东港化工厂
)

// Claim is one thing the posts say, in a normalised form, and the mentions
// that say it.
type Claim struct {
	Kind string `json:"kind"`
	// Subject is what a casualty figure counts: 死亡, 重伤, 受伤, 伤亡, 失联
	// (失踪 too) or 被困.
	Subject string `json:"subject,omitempty"`
	// Text is the claim normalised: casualty figures in Arabic digits
	// (三人遇难 → 3人死亡, 十余人受伤 → 10余人受伤, 暂无人员伤亡 → 无人员伤亡);
	// times resolved against the post's date in China Standard Time
	// (今天下午3点 in a post of 2 December → 12月2日15时); places as named;
	// hearsay as the most typical wording of what is said, without its
	// marker.
	Text       string    `json:"text"`
	Examples   []string  `json:"examples,omitempty"` // up to 3 wordings as written, other than Text
	Count      int       `json:"count"`              // mentions that carry it
	FirstSeen  time.Time `json:"first_seen"`
	MentionIDs []string  `json:"mention_ids"` // up to 5, earliest first
	// Official is set when an official media or government account
	// (officials.txt) carried it: the official version of a figure.
	Official bool `json:"official,omitempty"`
	// Conflicting is set on casualty figures that other figures contradict:
	// a different figure of the same subject (3人死亡 and 5人死亡, but not
	// 10余人受伤 and 12人受伤), or a figure and 无人员伤亡. ConflictsWith
	// lists those figures. A figure that rose over time (3, then 5) is
	// flagged too: FirstSeen tells which came first.
	Conflicting   bool     `json:"conflicting,omitempty"`
	ConflictsWith []string `json:"conflicts_with,omitempty"`
}

// How many claims of each kind are kept, most carried first.
var claimLimits = map[string]int{ClaimCasualty: 20, ClaimHearsay: 10, ClaimTime: 10, ClaimPlace: 10}

// claimOrder is the order of the kinds in Evidence.Claims.
var claimOrder = []string{ClaimCasualty, ClaimHearsay, ClaimTime, ClaimPlace}

// subjectOrder orders casualty figures.
var subjectOrder = []string{"死亡", "重伤", "受伤", "伤亡", "失联", "被困"}

// hit is one claim found in one mention.
type hit struct {
	kind, text, raw string
	figure          // of a casualty claim
}

// figure is a casualty figure: n of subject, or about n (approx: 10余人),
// or none (zero: 无人员伤亡).
type figure struct {
	subject      string
	n            int
	approx, zero bool
}

// claims finds the claims of mentions sorted by time; ents are each
// mention's entities, by ID.
func claims(ms []analytics.Mention, ents map[string][]segment.Entity) []Claim {
	type acc struct {
		Claim
		fig  figure
		seen map[string]bool // mention IDs counted
	}
	idx := map[string]*acc{}
	var order []*acc
	add := func(m analytics.Mention, h hit) {
		key := h.kind + "\x00" + h.subject + "\x00" + h.text
		a := idx[key]
		if a == nil {
			a = &acc{Claim: Claim{Kind: h.kind, Subject: h.subject, Text: h.text, FirstSeen: m.PublishedAt}, fig: h.figure, seen: map[string]bool{}}
			idx[key] = a
			order = append(order, a)
		}
		if a.seen[m.ID] {
			return
		}
		a.seen[m.ID] = true
		a.Count++
		if len(a.MentionIDs) < maxIDs {
			a.MentionIDs = append(a.MentionIDs, m.ID)
		}
		if _, _, ok := official(m.AuthorName); ok {
			a.Official = true
		}
		if h.raw != "" && h.raw != h.text && len(a.Examples) < 3 && !slices.Contains(a.Examples, h.raw) {
			a.Examples = append(a.Examples, h.raw)
		}
	}

	var rumours []rumour
	for _, m := range ms {
		text := fold(plain(fullText(m)))
		for _, h := range casualties(text) {
			add(m, h)
		}
		for _, h := range times(text, m.PublishedAt) {
			add(m, h)
		}
		for _, e := range ents[m.ID] {
			if e.Kind == segment.KindPlace {
				add(m, hit{kind: ClaimPlace, text: e.Text})
			}
		}
		if _, _, off := official(m.AuthorName); !off {
			for _, r := range hearsay(text) {
				rumours = append(rumours, rumour{m: m, raw: r.raw, content: r.content})
			}
		}
	}
	for _, g := range groupRumours(rumours) {
		for _, r := range g.members {
			add(r.m, hit{kind: ClaimHearsay, text: g.text, raw: r.raw})
		}
	}

	// Casualty conflicts.
	var cas []*acc
	for _, a := range order {
		if a.Kind == ClaimCasualty {
			cas = append(cas, a)
		}
	}
	for _, a := range cas {
		for _, b := range cas {
			if a != b && conflict(a.fig, b.fig) {
				a.Conflicting = true
				a.ConflictsWith = append(a.ConflictsWith, b.Text)
			}
		}
	}

	out := []Claim{}
	for _, kind := range claimOrder {
		var cs []Claim
		for _, a := range order {
			if a.Kind == kind {
				cs = append(cs, a.Claim)
			}
		}
		sort.SliceStable(cs, func(i, j int) bool {
			if kind == ClaimCasualty && cs[i].Subject != cs[j].Subject {
				return slices.Index(subjectOrder, cs[i].Subject) < slices.Index(subjectOrder, cs[j].Subject)
			}
			if cs[i].Count != cs[j].Count {
				return cs[i].Count > cs[j].Count
			}
			return cs[i].FirstSeen.Before(cs[j].FirstSeen)
		})
		out = append(out, cs[:min(len(cs), claimLimits[kind])]...)
	}
	return out
}

// conflict reports whether two different casualty figures contradict each
// other: two figures of one subject, unless one is about the other (10余人
// and 12人 agree; 10余人 and 20余人 do not), or "none" and a figure it covers
// (无人员伤亡 covers every subject but 失联 and 被困; 无人员死亡 covers 死亡).
func conflict(a, b figure) bool {
	switch {
	case a.zero && b.zero:
		return false
	case a.zero:
		return covers(a.subject, b.subject)
	case b.zero:
		return covers(b.subject, a.subject)
	case a.subject != b.subject:
		return false
	case a.approx && !b.approx:
		return !about(a.n, b.n)
	case b.approx && !a.approx:
		return !about(b.n, a.n)
	}
	return a.n != b.n
}

// about reports whether m is within "n余": above n, below n plus its
// leading unit (10余 is 11–19, 100余 101–199).
func about(n, m int) bool {
	unit := 1
	for unit*10 <= n {
		unit *= 10
	}
	return m > n && m < n+unit
}

func covers(none, subject string) bool {
	if none == "死亡" {
		return subject == "死亡"
	}
	return subject != "失联" && subject != "被困"
}

// Casualty figures as posts write them.
const numeral = `([0-9]+|[零〇一二两三四五六七八九十百千]+)`

var (
	// 3人死亡, 三名工人当场遇难, 十余人受伤
	casNumFirst = regexp.MustCompile(numeral + `(余|多)?(?:名|人|位|个)?(?:工作人员|救援人员|工人|员工|职工|村民|居民|群众|学生|游客|乘客|人员|消防员|儿童|孩子)?(?:当场|已经|已|不幸|先后|均)?(死亡|遇难|身亡|罹难|丧生|受伤|重伤|轻伤|失联|失踪|被困|伤亡)`)
	// 死亡人数升至5人, 受伤12人, 死了五个人
	casWordFirst = regexp.MustCompile(`(死亡|遇难|受伤|重伤|轻伤|失联|失踪|被困|伤亡|死了)(?:人数)?(?:已上升至|上升至|已升至|已达到|升至|增至|达到|已达|达|为)?` + numeral + `(余|多)?(?:名|个人|人|位|个)`)
	// 3死12伤
	casShort = regexp.MustCompile(numeral + `人?死` + numeral + `人?伤`)
	// 暂无人员伤亡, 未造成人员死亡
	casNone = regexp.MustCompile(`(?:无|没有|未造成|未发现|未有)(?:人员)?(伤亡|死亡)`)
)

var casSubject = map[string]string{
	"死亡": "死亡", "遇难": "死亡", "身亡": "死亡", "罹难": "死亡", "丧生": "死亡", "死": "死亡",
	"受伤": "受伤", "轻伤": "受伤", "伤": "受伤", "重伤": "重伤", "伤亡": "伤亡",
	"失联": "失联", "失踪": "失联", "被困": "被困", "死了": "死亡",
}

// casualties finds the casualty figures of a text.
func casualties(f folded) []hit {
	text := f.text
	if !strings.ContainsAny(text, "死亡难伤联踪困") {
		return nil
	}
	var out []hit
	var taken [][2]int
	free := func(s, e int) bool {
		for _, t := range taken {
			if s < t[1] && t[0] < e {
				return false
			}
		}
		taken = append(taken, [2]int{s, e})
		return true
	}
	add := func(num, approx, word, raw string) {
		n := grade.ParseNumber(strings.ReplaceAll(num, "〇", "零"))
		subject := casSubject[word]
		if n == 0 && strings.Trim(num, "0零〇") != "" {
			return // not a number ParseNumber reads
		}
		if approx != "" {
			approx = "余"
		}
		h := hit{kind: ClaimCasualty, raw: raw, figure: figure{subject: subject, n: n, approx: approx != ""}}
		if n == 0 {
			h.text, h.zero, h.approx = "无人员"+subject, true, false
		} else {
			h.text = fmt.Sprintf("%d%s人%s", n, approx, subject)
		}
		out = append(out, h)
	}
	for _, m := range casShort.FindAllStringSubmatchIndex(text, -1) {
		if free(m[0], m[1]) {
			add(text[m[2]:m[3]], "", "死", f.original(m[0], m[1]))
			add(text[m[4]:m[5]], "", "伤", f.original(m[0], m[1]))
		}
	}
	for _, m := range casNumFirst.FindAllStringSubmatchIndex(text, -1) {
		if free(m[0], m[1]) {
			add(text[m[2]:m[3]], sub(text, m, 2), text[m[6]:m[7]], f.original(m[0], m[1]))
		}
	}
	for _, m := range casWordFirst.FindAllStringSubmatchIndex(text, -1) {
		if free(m[0], m[1]) {
			add(text[m[4]:m[5]], sub(text, m, 3), text[m[2]:m[3]], f.original(m[0], m[1]))
		}
	}
	for _, m := range casNone.FindAllStringSubmatchIndex(text, -1) {
		if strings.HasSuffix(text[:m[0]], "有") { // 有没有人员伤亡, 有无人员伤亡: a question
			continue
		}
		if free(m[0], m[1]) {
			subject := text[m[2]:m[3]]
			out = append(out, hit{kind: ClaimCasualty, text: "无人员" + subject, raw: f.original(m[0], m[1]), figure: figure{subject: subject, zero: true}})
		}
	}
	return out
}

// sub is submatch i of m in text, "" when it did not take part.
func sub(text string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return text[m[2*i]:m[2*i+1]]
}

// Times as posts write them: a day (12月2日, 今天, 昨晚), a part of the day
// (凌晨, 下午) and a clock time (3点, 15时许, 15:30), any of them missing.
var timeRe = regexp.MustCompile(
	`(?:([0-9]{1,2}|[一二三四五六七八九十]{1,3})月([0-9]{1,2}|[一二三四五六七八九十]{1,3})[日号]|(今天|今日|今早|今晨|今晚|今夜|昨天|昨日|昨晚|昨夜|前天|前晚|当天|当晚|当日))?` +
		`(凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|晚间|夜里|夜间|深夜|半夜)?` +
		`(?:([0-9]{1,2}|[零一二两三四五六七八九十]{1,3})(点|时)(?:(半)|([0-9]{1,2}|[零一二三四五六七八九十]{1,3})分)?(许|左右|多)?|([0-9]{1,2})[:：]([0-9]{2}))?`)

// dayOffset resolves relative days; the ones that name a part of the day
// too give it.
var dayOffset = map[string]struct {
	days int
	part string
}{
	"今天": {0, ""}, "今日": {0, ""}, "今早": {0, "早上"}, "今晨": {0, "早上"}, "今晚": {0, "晚上"}, "今夜": {0, "夜里"},
	"昨天": {-1, ""}, "昨日": {-1, ""}, "昨晚": {-1, "晚上"}, "昨夜": {-1, "夜里"},
	"前天": {-2, ""}, "前晚": {-2, "晚上"},
}

var partSynonym = map[string]string{"清晨": "早上", "早晨": "早上", "晚间": "晚上", "夜间": "夜里", "半夜": "深夜"}

// times finds the times a text names, resolved against the day it
// was published. A relative day alone (今天) or a part of the day alone
// (下午) says nothing about the event and is skipped, but for 凌晨 and 深夜;
// a bare clock time must look like one (15时许, 3点半, 15:30), not like
// 第一时间.
func times(f folded, published time.Time) []hit {
	text := f.text
	var out []hit
	for _, m := range timeRe.FindAllStringSubmatchIndex(text, -1) {
		if m[0] == m[1] {
			continue
		}
		month, day, rel := sub(text, m, 1), sub(text, m, 2), sub(text, m, 3)
		part := sub(text, m, 4)
		hour, half, minute, about := sub(text, m, 5), sub(text, m, 7), sub(text, m, 8), sub(text, m, 9)
		hh, mm := sub(text, m, 10), sub(text, m, 11)
		if hh != "" {
			hour, minute = hh, mm
		}
		end := m[1]
		next, _ := utf8.DecodeRuneInString(text[m[1]:])
		hasClock := hour != ""
		if hasClock && strings.ContainsRune("间候期代刻段节", next) && half == "" && minute == "" && about == "" {
			// 第一时间, 一时间: not a clock time; keep what comes before it
			hasClock = false
			end = m[10] // before the hour
		}
		o, relKnown := dayOffset[rel]
		if part == "" {
			part = o.part
		}
		if part == "" && rel == "当晚" {
			part = "晚上"
		}
		if p, ok := partSynonym[part]; ok {
			part = p
		}
		switch {
		case month != "" || hasClock && (rel != "" || part != ""):
		case hasClock:
			if hh == "" && (!isDigits(hour) || half == "" && minute == "" && about == "") {
				continue
			}
		case relKnown && part != "":
		case rel != "" && sub(text, m, 4) != "":
		case rel == "" && (part == "凌晨" || part == "深夜"):
		default:
			continue
		}
		var b strings.Builder
		switch {
		case month != "":
			fmt.Fprintf(&b, "%d月%d日", grade.ParseNumber(month), grade.ParseNumber(day))
		case relKnown:
			d := published.In(clock.Beijing).AddDate(0, 0, o.days)
			fmt.Fprintf(&b, "%d月%d日", d.Month(), d.Day())
		case rel != "":
			b.WriteString(rel) // 当天, 当晚: the day of the event, not of the post
		}
		if hasClock {
			h, mi := number(hour), number(minute)
			if half != "" {
				mi = 30
			}
			if h > 24 || mi > 59 {
				continue
			}
			switch part {
			case "下午", "傍晚", "晚上":
				if h < 12 {
					h += 12
				}
			case "中午":
				if h < 3 {
					h += 12
				}
			}
			if mi > 0 {
				fmt.Fprintf(&b, "%d时%02d分", h, mi)
			} else {
				fmt.Fprintf(&b, "%d时", h)
			}
		} else {
			b.WriteString(part)
		}
		out = append(out, hit{kind: ClaimTime, text: b.String(), raw: f.original(m[0], end)})
	}
	return out
}

func number(s string) int { return grade.ParseNumber(s) }

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Hearsay: what is said to be so.
var (
	hearsayRe = regexp.MustCompile(`(网传|有网友爆料|网友爆料|有网友称|有网友说|据网友|网友称|有消息称|知情人士称|据知情人士|据知情人|爆料称|传言|传闻|据说|听说|有人说|疑似)`)
	// a hearsay that denies is a rebuttal, not a rumour
	rebuttal = regexp.MustCompile(`谣言|不实|辟谣|假消息|假的`)
)

// rumourHit is one hearsay: what is said (content) and the whole phrase
// with its marker (raw), as written.
type rumourHit struct{ raw, content string }

// hearsay finds what a text says is said: the rest of the sentence after
// 网传, 据说 …, at most 40 characters.
func hearsay(f folded) []rumourHit {
	text := f.text
	var out []rumourHit
	for _, m := range hearsayRe.FindAllStringIndex(text, -1) {
		rest := strings.TrimLeft(text[m[1]:], "称说:,、 是")
		start := len(text) - len(rest)
		end := strings.IndexAny(rest, "。!?;\n")
		if end < 0 {
			end = len(rest)
		}
		end += start
		content := strings.TrimSpace(f.original(start, end))
		if hanCount(content) < 4 || rebuttal.MatchString(text[start:end]) || strings.Contains(content, "//") {
			continue
		}
		out = append(out, rumourHit{raw: hanzi.Clip(f.original(m[0], end), 50), content: hanzi.Clip(content, 40)})
	}
	return out
}

type rumour struct {
	m            analytics.Mention
	raw, content string
}

type rumourGroup struct {
	text    string
	members []rumour
}

// groupRumours gathers hearsay that says the same thing in other words
// (shared character pairs, cosine ≥ 0.5) and names each group by its most
// typical wording.
func groupRumours(rs []rumour) []rumourGroup {
	fs := make([][]string, len(rs))
	for i, r := range rs {
		fs[i] = featuresOf(r.content, r.m.Tokens)
	}
	var out []rumourGroup
	for _, c := range cluster(fs, 0.5) {
		g := rumourGroup{text: rs[c.rep].content}
		for _, i := range c.members {
			g.members = append(g.members, rs[i])
		}
		out = append(out, g)
	}
	return out
}
