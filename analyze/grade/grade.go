// Package grade suggests an incident grade (I 特别重大 … IV 一般) for a topic,
// always with the evidence behind it. The grade itself is a human decision:
// this is advice for the duty officer, who records the grade and the reason.
//
// There is no national 舆情 grade scale; the suggestion follows the legal
// incident scale (突发事件应对法 Art. 3) and, for casualties, the thresholds of
// 国务院令第493号 Art. 3.
package grade

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"yuqing/analyze/scheme"
)

// Grade is I (most severe) to IV; 0 means none suggested.
type Grade int

// Grades.
const (
	None Grade = iota
	I
	II
	III
	IV
)

func (g Grade) String() string {
	switch g {
	case I:
		return "I 特别重大"
	case II:
		return "II 重大"
	case III:
		return "III 较大"
	case IV:
		return "IV 一般"
	}
	return "未分级"
}

// Sample is one mention as grading sees it.
type Sample struct {
	ID        string
	Author    string
	Followers int64
	Verified  bool
	Text      string
	Negative  bool
	Facts     *Facts // from Inspect; nil: Suggest inspects Text itself
}

// Facts are what one text says that grading weighs: casualty figures and
// sensitive categories. Inspect once per mention, on any core, and carry them.
type Facts struct {
	Deaths     int      `json:"deaths,omitempty"`
	Injuries   int      `json:"injuries,omitempty"` // serious injuries
	Categories []string `json:"categories,omitempty"`
}

// Inspect reads the facts of one text.
func Inspect(text string) Facts {
	var f Facts
	f.Deaths = figure(text, deathRe)
	f.Injuries = figure(text, injuryRe)
	for _, m := range categoryMatcher.Match(scheme.Input{Text: text}) {
		f.Categories = append(f.Categories, m.SchemeID)
	}
	return f
}

func (x Sample) facts() Facts {
	if x.Facts != nil {
		return *x.Facts
	}
	return Inspect(x.Text)
}

// Input is what is known of a topic.
type Input struct {
	Mentions      int
	Reach         int64   // followers of authors plus views, summed
	Velocity      float64 // mentions per hour, recently
	NegativeShare float64 // 0..1
	Samples       []Sample
}

// Reason is one factor of a suggestion and its evidence.
type Reason struct {
	Factor     string   `json:"factor"` // casualties, reach, velocity, negativity, category:<name>, official_media, verified
	Detail     string   `json:"detail"` // in Chinese, for the console
	Points     int      `json:"points"`
	MentionIDs []string `json:"mention_ids,omitempty"`
}

// Suggestion is a suggested grade with every reason.
type Suggestion struct {
	Grade   Grade    `json:"grade"`
	Points  int      `json:"points"`
	Reasons []Reason `json:"reasons"`
}

// Categories of sensitive content, as scheme rules.
var categories = []scheme.Scheme{
	{ID: "casualties", Name: "人员伤亡", Rule: "死亡 | 遇难 | 身亡 | 丧生 | 伤亡 | 受伤 | 重伤 | 失踪 | 罹难"},
	{ID: "safety", Name: "安全事故", Rule: "爆炸 | 泄漏 | 坍塌 | 塌方 | 火灾 | 起火 | 事故 | 中毒 | 溃坝 | 决堤 | 踩踏"},
	{ID: "corruption", Name: "腐败问题", Rule: "贪污 | 受贿 | 腐败 | 行贿 | 索贿 | 挪用 | 吃拿卡要 | 权色交易"},
	{ID: "environment", Name: "生态环境", Rule: "污染 | 异味 | 偷排 | 排污 | 臭味 | 水质 | 雾霾 | 死鱼 | 超标排放"},
	{ID: "conduct", Name: "干部作风", Rule: "不作为 | 乱作为 | 推诿 | 打人 | 辱骂 | 暴力执法 | 官僚 | 踢皮球 | 冷漠"},
	{ID: "health", Name: "公共卫生", Rule: "疫情 | 传染 | 疫苗 | 食物中毒 | 食品安全 | 过期食品 | 病死猪"},
	{ID: "mass", Name: "群体性事件", Rule: "聚集 | 围堵 | 堵路 | 讨薪 | 上访 | 群体性 | 静坐"},
}

var categoryMatcher = func() *scheme.Matcher {
	m, err := scheme.Compile(categories)
	if err != nil {
		panic(err)
	}
	return m
}()

// Official media whose pick-up makes a story national.
var officialMedia = []string{"人民日报", "新华社", "新华网", "央视新闻", "中央广播电视总台", "央视", "人民网", "光明日报", "中国新闻网", "中新网", "经济日报", "中国青年报", "环球时报", "新京报", "澎湃新闻", "法治日报"}

// Numbers of deaths and injuries as news reports them: "3人死亡", "造成十二人遇难".
var (
	deathRe  = regexp.MustCompile(`([0-9]+|[零一二两三四五六七八九十百千]+)\s*(?:名|人|位|个人)?(?:[^0-9，。,]{0,4}?)(?:死亡|遇难|身亡|丧生|罹难)`)
	injuryRe = regexp.MustCompile(`([0-9]+|[零一二两三四五六七八九十百千]+)\s*(?:名|人|位|个人)?(?:[^0-9，。,]{0,4}?)(?:重伤)`)
)

// Suggest grades a topic from what is known of it.
func Suggest(in Input) Suggestion {
	var s Suggestion
	add := func(r Reason) {
		s.Reasons = append(s.Reasons, r)
		s.Points += r.Points
	}
	floor := None // a grade the casualties alone demand

	// Casualties: the highest figure any mention reports (rumours inflate; the
	// evidence lets a human check).
	facts := make([]Facts, len(in.Samples))
	for i, x := range in.Samples {
		facts[i] = x.facts()
	}
	deaths, dIDs := maxFigure(in.Samples, facts, func(f Facts) int { return f.Deaths })
	injuries, iIDs := maxFigure(in.Samples, facts, func(f Facts) int { return f.Injuries })
	switch {
	case deaths >= 30 || injuries >= 100:
		floor = I
	case deaths >= 10 || injuries >= 50:
		floor = II
	case deaths >= 3 || injuries >= 10:
		floor = III
	}
	if deaths > 0 {
		add(Reason{Factor: "casualties", Detail: fmt.Sprintf("有帖子称 %d 人死亡（国务院令第493号：≥30 特别重大，10–29 重大，3–9 较大）", deaths), Points: 0, MentionIDs: dIDs})
	}
	if injuries > 0 {
		add(Reason{Factor: "casualties", Detail: fmt.Sprintf("有帖子称 %d 人重伤", injuries), MentionIDs: iIDs})
	}

	// Reach and volume.
	switch {
	case in.Reach >= 100_000_000 || in.Mentions >= 10000:
		add(Reason{Factor: "reach", Detail: fmt.Sprintf("传播面极广：%d 条信息，覆盖约 %s 人", in.Mentions, people(in.Reach)), Points: 3})
	case in.Reach >= 10_000_000 || in.Mentions >= 2000:
		add(Reason{Factor: "reach", Detail: fmt.Sprintf("传播面广：%d 条信息，覆盖约 %s 人", in.Mentions, people(in.Reach)), Points: 2})
	case in.Reach >= 1_000_000 || in.Mentions >= 300:
		add(Reason{Factor: "reach", Detail: fmt.Sprintf("已有一定传播：%d 条信息，覆盖约 %s 人", in.Mentions, people(in.Reach)), Points: 1})
	}
	switch {
	case in.Velocity >= 500:
		add(Reason{Factor: "velocity", Detail: fmt.Sprintf("发酵极快：每小时约 %.0f 条", in.Velocity), Points: 2})
	case in.Velocity >= 100:
		add(Reason{Factor: "velocity", Detail: fmt.Sprintf("发酵较快：每小时约 %.0f 条", in.Velocity), Points: 1})
	}
	if in.NegativeShare >= 0.6 && in.Mentions >= 50 {
		var ids []string
		for _, x := range in.Samples {
			if x.Negative && len(ids) < 5 {
				ids = append(ids, x.ID)
			}
		}
		add(Reason{Factor: "negativity", Detail: fmt.Sprintf("负面情绪占 %.0f%%", in.NegativeShare*100), Points: 1, MentionIDs: ids})
	}

	// Sensitive categories.
	hits := map[string][]string{}
	for i, x := range in.Samples {
		for _, c := range facts[i].Categories {
			if len(hits[c]) < 5 {
				hits[c] = append(hits[c], x.ID)
			}
		}
	}
	catPoints := 0
	for _, c := range categories {
		ids, ok := hits[c.ID]
		if !ok {
			continue
		}
		p := 1
		if c.ID == "casualties" || c.ID == "safety" {
			p = 2
		}
		p = min(p, 3-catPoints)
		catPoints += p
		add(Reason{Factor: "category:" + c.ID, Detail: "涉及敏感类别：" + c.Name, Points: p, MentionIDs: ids})
	}

	// Pick-up by official media and verified accounts.
	var official, verified []string
	for _, x := range in.Samples {
		if isOfficialMedia(x.Author) {
			official = append(official, x.ID)
		} else if x.Verified {
			verified = append(verified, x.ID)
		}
	}
	if len(official) > 0 {
		add(Reason{Factor: "official_media", Detail: fmt.Sprintf("%d 家中央或主流媒体已跟进", len(official)), Points: 2, MentionIDs: first(official, 5)})
	}
	if len(verified) >= 5 {
		add(Reason{Factor: "verified", Detail: fmt.Sprintf("%d 个认证账号参与传播", len(verified)), Points: 1, MentionIDs: first(verified, 5)})
	}

	switch {
	case s.Points >= 8:
		s.Grade = I
	case s.Points >= 6:
		s.Grade = II
	case s.Points >= 4:
		s.Grade = III
	default:
		s.Grade = IV
	}
	if floor != None && floor < s.Grade {
		s.Grade = floor
	}
	sort.SliceStable(s.Reasons, func(i, j int) bool { return s.Reasons[i].Points > s.Reasons[j].Points })
	return s
}

func isOfficialMedia(author string) bool {
	for _, m := range officialMedia {
		if strings.Contains(author, m) {
			return true
		}
	}
	return false
}

func first(ids []string, n int) []string {
	if len(ids) > n {
		return ids[:n]
	}
	return ids
}

func people(n int64) string {
	switch {
	case n >= 100_000_000:
		return fmt.Sprintf("%.1f 亿", float64(n)/1e8)
	case n >= 10_000:
		return fmt.Sprintf("%.0f 万", float64(n)/1e4)
	}
	return fmt.Sprint(n)
}

func maxFigure(samples []Sample, facts []Facts, get func(Facts) int) (int, []string) {
	best := 0
	var ids []string
	for i, x := range samples {
		n := get(facts[i])
		if n > best {
			best, ids = n, []string{x.ID}
		} else if n == best && n > 0 && len(ids) < 5 {
			ids = append(ids, x.ID)
		}
	}
	return best, ids
}

// figure is the highest number re finds in text.
func figure(text string, re *regexp.Regexp) int {
	// The regular expression is costly; most texts name no casualty at all.
	if !strings.ContainsAny(text, "死遇身丧罹伤") {
		return 0
	}
	best := 0
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		best = max(best, ParseNumber(m[1]))
	}
	return best
}

// ParseNumber reads Arabic digits or a Chinese numeral below ten thousand
// ("十二", "两百零五"); it returns 0 for anything else.
func ParseNumber(s string) int {
	if s == "" {
		return 0
	}
	if s[0] >= '0' && s[0] <= '9' {
		n := 0
		for _, r := range s {
			if r < '0' || r > '9' || n > 1e8 {
				return n
			}
			n = n*10 + int(r-'0')
		}
		return n
	}
	digits := map[rune]int{'零': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	units := map[rune]int{'十': 10, '百': 100, '千': 1000}
	total, cur := 0, 0
	for _, r := range s {
		if d, ok := digits[r]; ok {
			cur = d
			continue
		}
		u, ok := units[r]
		if !ok {
			return 0
		}
		if cur == 0 {
			cur = 1 // "十二" = 12
		}
		total += cur * u
		cur = 0
	}
	return total + cur
}
