// Package drill runs 舆情演练: scripted incidents played as streams of
// realistic synthetic mentions, so that monitoring, grading, alerting and the
// response desk can be exercised end to end without real data.
//
// A Scenario is a timeline of phases. Each phase has a rate (mentions per
// simulated minute), message templates with slots, and a share of reposts;
// beats are the scripted moments of the story (the first post, the verified
// local V, the official media pick-up, the government statement). Generate
// turns a scenario into a deterministic stream for a seed; a Player plays a
// stream into a server at a chosen speed, through a Poster or any other post
// function.
//
// Every generated mention has Drill set, Source "drill:<scenario>", a native
// id "drill-<scenario>-<run>-<n>" that cannot collide with a real one, and a
// URL under the reserved .invalid domain. The text itself reads like real
// posts: only the Drill flag marks it synthetic. Every place, company,
// person and account in the scenarios is invented, except the names of the
// national media outlets whose pick-up the grader looks for.
package drill

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yuqing/internal/mention"
)

// Role is the kind of account that writes a post.
type Role int

// Roles, with the follower counts Validate expects of a persona.
const (
	Resident      Role = iota // an ordinary user: 10–5,000 followers, not verified
	Influencer                // a verified local V: 50k–2M followers
	LocalMedia                // a verified local newspaper or broadcaster: 100k–5M
	OfficialMedia             // a verified national outlet: millions
	Government                // a verified government account: 10k–5M
)

var roleNames = [...]string{"resident", "influencer", "local-media", "official-media", "government"}

func (r Role) String() string {
	if r >= 0 && int(r) < len(roleNames) {
		return roleNames[r]
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

// followerRange is what a persona of a role may have.
func (r Role) followerRange() (lo, hi int64) {
	switch r {
	case Resident:
		return 10, 5_000
	case Influencer:
		return 50_000, 2_000_000
	case LocalMedia:
		return 100_000, 5_000_000
	case OfficialMedia:
		return 1_000_000, 500_000_000
	case Government:
		return 10_000, 5_000_000
	}
	return 0, 0
}

// Persona is a named account of a scenario. Personas other than residents
// are verified.
type Persona struct {
	Name      string
	Role      Role
	Followers int64
}

// Template is a post of a phase. Text and Title may hold slots, "{name}",
// filled from the scenario's Slots or the shared ones (emo, good, surname).
type Template struct {
	Platform string // weibo when empty; else wechat, forum, news, douyin …
	Role     Role   // who writes it when Author is empty
	Author   string // a persona of the scenario by name; empty: any account of Role (for residents, a new or returning user)
	Title    string // articles and forum threads
	Text     string
	Weight   int // relative weight among the phase's posts; 0 counts as 1
}

// Beat is a scripted post at a fixed minute of the scenario.
type Beat struct {
	At int // minutes from the start of the scenario
	Template
}

// Phase is a stretch of the timeline. Its volume is a Poisson process whose
// rate moves linearly from Rate at Start to RateEnd at End; a share of it is
// reposts (weibo) and replies (forum) of earlier posts, the rest originals
// drawn from Posts. Beats come on top.
type Phase struct {
	Name        string
	Start, End  int     // minutes from the start of the scenario; End exclusive
	Rate        float64 // mentions per simulated minute at Start
	RateEnd     float64 // … and at End; 0 means the same as Rate
	RepostShare float64 // 0–1
	Beats       []Beat
	Posts       []Template
	Reposts     []string // repost comments; "" is a bare repost ("转发微博")
}

func (p Phase) rateAt(minute int) float64 {
	end := p.RateEnd
	if end == 0 {
		end = p.Rate
	}
	if p.End <= p.Start+1 {
		return p.Rate
	}
	f := (float64(minute-p.Start) + 0.5) / float64(p.End-p.Start)
	return p.Rate + (end-p.Rate)*f
}

// Scenario is a scripted incident.
type Scenario struct {
	Name        string // chemical-smell: the id in mention ids and Source
	Title       string // 化工厂异味传言
	Description string
	Region      string // set on every mention
	Personas    []Persona
	Nicknames   []string            // templates of residents' nicknames, e.g. "{estate}业主"
	Slots       map[string][]string // slot values; the shared ones are used when a name is missing here
	Replies     []string            // forum replies, on top of the phase's repost comments
	Phases      []Phase
}

// Duration is the simulated length of the scenario.
func (s Scenario) Duration() time.Duration {
	if len(s.Phases) == 0 {
		return 0
	}
	return time.Duration(s.Phases[len(s.Phases)-1].End) * time.Minute
}

// Expected is the mean number of mentions a stream of the scenario has.
func (s Scenario) Expected() float64 {
	var n float64
	for _, p := range s.Phases {
		for m := p.Start; m < p.End; m++ {
			n += p.rateAt(m)
		}
		n += float64(len(p.Beats))
	}
	return n
}

// shared slots, used by every scenario unless it defines its own.
var sharedSlots = map[string][]string{
	"emo":     {"[怒]", "[泪]", "[衰]", "[抓狂]", "[吃惊]", "[生病]", "[费解]", "[允悲]", "[哼]", "[可怜]", "[思考]", "[晕]", "[汗]", "", ""},
	"good":    {"[赞]", "[心]", "[鼓掌]", "[给力]", "[good]", "[加油]"},
	"surname": {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高"},
}

// Validate reports everything wrong with the scenario, as one error.
func (s Scenario) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if s.Name == "" || strings.ContainsAny(s.Name, " :/") {
		bad("name %q must be non-empty without spaces, colons or slashes", s.Name)
	}
	personas := map[string]Persona{}
	for _, p := range s.Personas {
		if _, dup := personas[p.Name]; dup || p.Name == "" {
			bad("persona %q is empty or defined twice", p.Name)
		}
		personas[p.Name] = p
		if lo, hi := p.Role.followerRange(); p.Followers < lo || p.Followers > hi {
			bad("persona %s (%s) has %d followers, want %d–%d", p.Name, p.Role, p.Followers, lo, hi)
		}
	}
	checkText := func(where, t string) {
		for _, name := range slotNames(t) {
			if len(s.Slots[name]) == 0 && len(sharedSlots[name]) == 0 {
				bad("%s: slot {%s} has no values", where, name)
			}
		}
	}
	checkTemplate := func(where string, t Template) {
		if t.Platform != "" && !slices.Contains(mention.Platforms, t.Platform) {
			bad("%s: platform %q is unknown", where, t.Platform)
		}
		if strings.TrimSpace(t.Text) == "" {
			bad("%s: text is empty", where)
		}
		if t.Author != "" {
			if _, ok := personas[t.Author]; !ok {
				bad("%s: author %q is not a persona of the scenario", where, t.Author)
			}
		} else if t.Role != Resident && !slices.ContainsFunc(s.Personas, func(p Persona) bool { return p.Role == t.Role }) {
			bad("%s: no persona has role %s", where, t.Role)
		}
		checkText(where, t.Title)
		checkText(where, t.Text)
	}
	if len(s.Phases) == 0 {
		bad("no phases")
	}
	next := 0
	for i, p := range s.Phases {
		where := fmt.Sprintf("phase %d (%s)", i, p.Name)
		if p.Start != next || p.End <= p.Start {
			bad("%s: runs %d–%d, want it to start at %d and end after it starts", where, p.Start, p.End, next)
		}
		next = p.End
		if p.Rate < 0 || p.RateEnd < 0 || p.RepostShare < 0 || p.RepostShare > 1 {
			bad("%s: rates must not be negative and the repost share must be 0–1", where)
		}
		if (p.Rate > 0 || p.RateEnd > 0) && len(p.Posts) == 0 {
			bad("%s: has a rate but no posts", where)
		}
		if p.RepostShare > 0 && len(p.Reposts) == 0 {
			bad("%s: has reposts but no repost comments", where)
		}
		for j, b := range p.Beats {
			if b.At < p.Start || b.At >= p.End {
				bad("%s beat %d: minute %d is outside the phase", where, j, b.At)
			}
			checkTemplate(fmt.Sprintf("%s beat %d", where, j), b.Template)
		}
		for j, t := range p.Posts {
			checkTemplate(fmt.Sprintf("%s post %d", where, j), t)
		}
		for j, c := range p.Reposts {
			checkText(fmt.Sprintf("%s repost %d", where, j), c)
		}
	}
	for j, t := range s.Nicknames {
		checkText(fmt.Sprintf("nickname %d", j), t)
	}
	for j, t := range s.Replies {
		checkText(fmt.Sprintf("reply %d", j), t)
	}
	if len(errs) > 0 {
		return fmt.Errorf("scenario %q: %w", s.Name, errors.Join(errs...))
	}
	return nil
}

// slotNames lists the {name} slots of a template.
func slotNames(t string) []string {
	var out []string
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, t[i+1:i+j])
		t = t[i+j+1:]
	}
}

// Scenarios lists the built-in scenarios.
func Scenarios() []Scenario {
	return []Scenario{chemicalSmell(), schoolFood(), floodResponse()}
}

// Names lists the names of the built-in scenarios.
func Names() []string {
	var out []string
	for _, s := range Scenarios() {
		out = append(out, s.Name)
	}
	return out
}

// Lookup finds a built-in scenario by name.
func Lookup(name string) (Scenario, bool) {
	for _, s := range Scenarios() {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// Stream generates the stream of the named built-in scenario.
func Stream(name string, start time.Time, seed uint64) ([]mention.Mention, error) {
	s, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("drill: no scenario %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return Generate(s, start, seed), nil
}

// RunID is the run part of the mention ids Generate gives for a seed. A
// server keeps one mention per id, so a drill replayed with the same seed is
// taken as the same mentions again: use a new seed for a new run.
func RunID(seed uint64) string { return strconv.FormatUint(seed, 36) }

// Generate is the whole stream of a scenario, in event-time order, with
// published_at = start + the offset in the scenario. The same scenario, start
// and seed give the same stream. s should pass Validate; Generate does not
// fail on a scenario that does not, it does what it can.
func Generate(s Scenario, start time.Time, seed uint64) []mention.Mention {
	h := fnv.New64a()
	h.Write([]byte(s.Name))
	g := &generator{
		s:     s,
		r:     rand.New(rand.NewPCG(seed, h.Sum64())),
		run:   RunID(seed),
		start: start,
		names: map[string]bool{},
	}
	for _, p := range s.Phases {
		for m := p.Start; m < p.End; m++ {
			g.maxRate = math.Max(g.maxRate, p.rateAt(m))
		}
	}
	for _, ev := range g.schedule() {
		g.emit(ev)
	}
	g.metrics()
	return g.out
}

type arrival struct {
	sec   int // seconds from start
	phase int
	beat  int // index into the phase's beats, or -1
}

type item struct {
	sec      int
	parent   int // index of the post reposted or replied to, or -1
	root     int
	role     Role
	children int // reposts and replies seen so far (for choosing what to repost)
	heat     float64
}

type generator struct {
	s       Scenario
	r       *rand.Rand
	run     string
	start   time.Time
	maxRate float64

	out   []mention.Mention
	items []item

	users []mention.Author // residents who posted so far
	names map[string]bool
	used  map[usedKey]bool // templates the personas have posted
}

// schedule draws the times of every mention: Poisson arrivals per minute,
// uniform within the minute, and the beats; sorted, beats first on a tie.
func (g *generator) schedule() []arrival {
	var evs []arrival
	for pi, p := range g.s.Phases {
		for m := p.Start; m < p.End; m++ {
			for range poisson(g.r, p.rateAt(m)) {
				evs = append(evs, arrival{sec: m*60 + g.r.IntN(60), phase: pi, beat: -1})
			}
		}
		for bi, b := range p.Beats {
			evs = append(evs, arrival{sec: b.At * 60, phase: pi, beat: bi})
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].sec != evs[j].sec {
			return evs[i].sec < evs[j].sec
		}
		return evs[i].beat >= 0 && evs[j].beat < 0
	})
	return evs
}

func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func (g *generator) emit(ev arrival) {
	p := g.s.Phases[ev.phase]
	heat := 0.0
	if g.maxRate > 0 {
		heat = p.rateAt(ev.sec/60) / g.maxRate
	}
	if ev.beat >= 0 {
		g.original(ev.sec, heat, p.Beats[ev.beat].Template)
		return
	}
	if g.r.Float64() < p.RepostShare {
		if t := g.target(ev.sec); t >= 0 {
			g.repost(ev.sec, heat, p, t)
			return
		}
	}
	// An account posts a template once: a named or verified account whose
	// turn is used up leaves the draw to other templates.
	for range 10 {
		if len(p.Posts) == 0 {
			return
		}
		if t := g.pick(p.Posts); g.resident(t) || len(g.accounts(t)) > 0 {
			g.original(ev.sec, heat, t)
			return
		}
	}
	for _, t := range p.Posts {
		if g.resident(t) {
			g.original(ev.sec, heat, t)
			return
		}
	}
}

// resident: the template is written by any ordinary user.
func (g *generator) resident(t Template) bool { return t.Author == "" && t.Role == Resident }

// accounts lists the personas that may still write the template.
func (g *generator) accounts(t Template) []int {
	var out []int
	for i, p := range g.s.Personas {
		if t.Author != "" && p.Name != t.Author || t.Author == "" && p.Role != t.Role {
			continue
		}
		if !g.used[usedKey{i, t.Title, t.Text}] {
			out = append(out, i)
		}
	}
	return out
}

type usedKey struct {
	persona     int
	title, text string
}

func (g *generator) pick(ts []Template) Template {
	total := 0
	for _, t := range ts {
		total += max(1, t.Weight)
	}
	n := g.r.IntN(total)
	for _, t := range ts {
		if n -= max(1, t.Weight); n < 0 {
			return t
		}
	}
	return ts[len(ts)-1]
}

func (g *generator) nativeID() string {
	return fmt.Sprintf("drill-%s-%s-%04d", g.s.Name, g.run, len(g.out)+1)
}

func (g *generator) add(m mention.Mention, it item) {
	m.Drill = true
	m.Source = "drill:" + g.s.Name
	m.Region = g.s.Region
	m.Lang = "zh"
	m.PublishedAt = g.start.Add(time.Duration(it.sec) * time.Second)
	m.URL = "https://drill.invalid/" + g.s.Name + "/" + m.Platform + "/" + strings.TrimPrefix(m.ID, m.Platform+":")
	g.out = append(g.out, m)
	g.items = append(g.items, it)
}

func (g *generator) original(sec int, heat float64, t Template) {
	platform := t.Platform
	if platform == "" {
		platform = "weibo"
	}
	author, role := g.author(t)
	g.add(mention.Mention{
		ID:       platform + ":" + g.nativeID(),
		Platform: platform,
		Author:   author,
		Title:    g.fill(t.Title),
		Text:     g.fill(t.Text),
	}, item{sec: sec, parent: -1, root: -1, role: role, heat: heat})
}

// target picks an earlier weibo post or forum thread to repost or reply to:
// those already reposted, by big accounts and recent are likelier.
func (g *generator) target(sec int) int {
	var cand []int
	var weights []float64
	total := 0.0
	for i, it := range g.items {
		pl := g.out[i].Platform
		if it.sec >= sec || !(pl == "weibo" || pl == "forum" && it.parent < 0) {
			continue
		}
		age := float64(sec-it.sec) / 60
		w := (1 + 0.6*float64(it.children)) * (1 + math.Min(40, float64(g.out[i].Author.Followers)/50_000)) * math.Exp(-age/90)
		if it.parent >= 0 {
			w *= 0.4
		}
		cand = append(cand, i)
		weights = append(weights, w)
		total += w
	}
	if len(cand) == 0 || total <= 0 {
		return -1
	}
	x := g.r.Float64() * total
	for k, w := range weights {
		if x -= w; x < 0 {
			return cand[k]
		}
	}
	return cand[len(cand)-1]
}

const maxRepostRunes = 300

func (g *generator) repost(sec int, heat float64, p Phase, t int) {
	parent := g.out[t]
	root := t
	if g.items[t].parent >= 0 {
		root = g.items[t].root
	}
	author, _ := g.author(Template{Role: Resident})
	comment := ""
	if len(p.Reposts) > 0 {
		comment = g.fill(p.Reposts[g.r.IntN(len(p.Reposts))])
	}
	m := mention.Mention{
		ID:       parent.Platform + ":" + g.nativeID(),
		Platform: parent.Platform,
		Author:   author,
		ParentID: parent.ID,
		RootID:   g.out[root].ID,
	}
	if parent.Platform == "forum" {
		if comment == "" || strings.Contains(comment, "转发") || g.r.IntN(2) == 0 && len(g.s.Replies) > 0 {
			if len(g.s.Replies) > 0 {
				comment = g.fill(g.s.Replies[g.r.IntN(len(g.s.Replies))])
			}
		}
		if comment == "" {
			comment = "顶"
		}
		m.Text = comment
	} else {
		// Weibo style: the comment, then the post it reposts as "//@author:text".
		quoted := parent.Text
		if g.items[t].parent < 0 {
			quoted = excerpt(quoted, 40)
		}
		if comment == "" {
			comment = "转发微博"
		}
		m.Text = trimChain(comment+"//@"+parent.Author.Name+":"+quoted, maxRepostRunes)
	}
	g.items[t].children++
	if root != t {
		g.items[root].children++
	}
	g.add(m, item{sec: sec, parent: t, root: root, role: Resident, heat: heat})
}

// excerpt is the start of a post, cut at a sentence end when one is near.
func excerpt(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	for i := n; i > n/2; i-- {
		if strings.ContainsRune("。！？!?，,", rs[i-1]) {
			return string(rs[:i]) + "…"
		}
	}
	return string(rs[:n]) + "…"
}

// trimChain keeps a repost chain under n runes by dropping the oldest links.
func trimChain(s string, n int) string {
	for utf8.RuneCountInString(s) > n {
		i := strings.LastIndex(s, "//@")
		if i <= 0 {
			return string([]rune(s)[:n])
		}
		s = s[:i]
	}
	return s
}

// author resolves who writes a template: a named persona, any persona of
// the role, or a resident (new, or one who posted before).
func (g *generator) author(t Template) (mention.Author, Role) {
	idx := -1
	if !g.resident(t) {
		of := g.accounts(t)
		if len(of) == 0 { // a beat repeats a template: let it
			for i, p := range g.s.Personas {
				if t.Author != "" && p.Name == t.Author || t.Author == "" && p.Role == t.Role {
					of = append(of, i)
				}
			}
		}
		if len(of) > 0 {
			idx = of[g.r.IntN(len(of))]
		}
	}
	if idx >= 0 {
		if g.used == nil {
			g.used = map[usedKey]bool{}
		}
		g.used[usedKey{idx, t.Title, t.Text}] = true
		p := g.s.Personas[idx]
		return mention.Author{
			ID:        fmt.Sprintf("drill-%s-%s-p%d", g.s.Name, g.run, idx+1),
			Name:      p.Name,
			Followers: p.Followers,
			Verified:  p.Role != Resident,
		}, p.Role
	}
	if len(g.users) > 0 && g.r.Float64() < 0.2 {
		return g.users[g.r.IntN(len(g.users))], Resident
	}
	// Ordinary users: 10–5,000 followers, log-uniform (most have few).
	followers := int64(math.Round(math.Exp(math.Log(10) + g.r.Float64()*(math.Log(5000)-math.Log(10)))))
	a := mention.Author{
		ID:        fmt.Sprintf("drill-%s-%s-u%d", g.s.Name, g.run, len(g.users)+1),
		Name:      g.nickname(),
		Followers: followers,
	}
	g.users = append(g.users, a)
	return a, Resident
}

var (
	nickAdj  = []string{"爱吃橘子的", "不吃香菜的", "熬夜的", "路过的", "认真生活的", "想睡觉的", "快乐的", "一只", "佛系", "碎碎念的", "住在湖边的", "早起的", "努力搬砖的", "今天也要加油的", "社恐", "吃饱了的"}
	nickNoun = []string{"小猫", "阿珍", "老王", "胖虎", "小鱼", "大叔", "宝妈", "打工人", "小张", "橙子", "猫爸", "土豆", "麻薯", "阿杰", "小雨", "老陈", "团子", "兔兔", "咸鱼", "小笼包"}
	nickLat  = []string{"Sunny", "momo", "Leo", "Coco", "Kiki", "Jerry", "Amber", "Ivan", "Yoyo", "Mia"}
)

func (g *generator) nickname() string {
	var n string
	switch x := g.r.IntN(100); {
	case x < 35 && len(g.s.Nicknames) > 0:
		n = g.fill(g.s.Nicknames[g.r.IntN(len(g.s.Nicknames))])
	case x < 65:
		n = nickAdj[g.r.IntN(len(nickAdj))] + nickNoun[g.r.IntN(len(nickNoun))]
	case x < 85:
		n = fmt.Sprintf("用户%d", 5_000_000_000+g.r.Int64N(2_900_000_000))
	default:
		n = fmt.Sprintf("%s_%d", nickLat[g.r.IntN(len(nickLat))], 1970+g.r.IntN(40))
	}
	for base := n; g.names[n]; {
		n = base + strconv.Itoa(10+g.r.IntN(9990))
	}
	g.names[n] = true
	return n
}

// fill replaces each {slot} with a value drawn for it.
func (g *generator) fill(t string) string {
	if !strings.Contains(t, "{") {
		return t
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(t, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(t[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(t[:i])
		name := t[i+1 : i+j]
		vals := g.s.Slots[name]
		if len(vals) == 0 {
			vals = sharedSlots[name]
		}
		if len(vals) == 0 {
			b.WriteString(t[i : i+j+1])
		} else {
			b.WriteString(vals[g.r.IntN(len(vals))])
		}
		t = t[i+j+1:]
	}
	b.WriteString(t)
	return b.String()
}

// metrics sets engagement as a crawler would see it an hour after each post:
// the reposts and replies the stream holds in that hour (the stream is a
// sample of them), the author's reach and how hot the incident was.
func (g *generator) metrics() {
	const window = 60 * 60
	seen := make([]int64, len(g.items))
	for _, it := range g.items {
		for a := it.parent; a >= 0; a = g.items[a].parent {
			if it.sec-g.items[a].sec <= window {
				seen[a]++
			}
		}
	}
	u := func(lo, hi float64) float64 { return lo + g.r.Float64()*(hi-lo) }
	for i := range g.out {
		m := &g.out[i]
		it := g.items[i]
		f := float64(m.Author.Followers)
		heat := 0.3 + 1.7*it.heat
		s := float64(seen[i])
		var x mention.Metrics
		switch m.Platform {
		case "weibo":
			reposts := s*u(6, 15) + f*u(0, 0.0008)*heat
			comments := reposts*u(0.3, 1.2) + f*u(0, 0.0005)*heat
			x.Reposts, x.Comments = int64(reposts), int64(comments)
			x.Likes = int64((reposts+comments)*u(0.8, 3) + f*u(0, 0.002)*heat)
			x.Views = int64(f*u(0.02, 0.2)*heat + reposts*u(80, 300) + u(20, 300))
		case "forum":
			comments := s*u(3, 8) + u(0, 20)*heat
			x.Comments = int64(comments)
			x.Views = int64(comments*u(20, 60) + u(200, 3000)*heat)
		case "wechat":
			views := f*u(0.05, 0.4)*heat + s*200 + u(100, 2000)
			x.Views = int64(min(views, 100_001)) // WeChat shows "10万+"
			x.Likes = int64(views * u(0.005, 0.03))
			x.Comments = int64(views * u(0.001, 0.005))
			x.Reposts = int64(views * u(0.01, 0.05))
		case "news":
			x.Views = int64(f*u(0.002, 0.02)*heat + u(500, 5000))
			x.Comments = int64(float64(x.Views) * u(0.001, 0.01))
			x.Reposts = int64(float64(x.Views) * u(0.002, 0.02))
		default: // short video
			views := f*u(0.5, 3)*heat + u(200, 20000)*heat
			x.Views = int64(views)
			x.Likes = int64(views * u(0.02, 0.08))
			x.Comments = int64(views * u(0.002, 0.01))
			x.Reposts = int64(views * u(0.002, 0.01))
		}
		m.Metrics = x
	}
}

// Stats summarises a stream, for a CLI to print before playing it.
type Stats struct {
	Total      int
	Reposts    int // reposts and replies
	ByPlatform map[string]int
	Verified   int
	First      time.Time
	Last       time.Time
}

// Summarize counts a stream.
func Summarize(ms []mention.Mention) Stats {
	st := Stats{Total: len(ms), ByPlatform: map[string]int{}}
	for i, m := range ms {
		st.ByPlatform[m.Platform]++
		if m.ParentID != "" {
			st.Reposts++
		}
		if m.Author.Verified {
			st.Verified++
		}
		if i == 0 || m.PublishedAt.Before(st.First) {
			st.First = m.PublishedAt
		}
		if m.PublishedAt.After(st.Last) {
			st.Last = m.PublishedAt
		}
	}
	return st
}

func (st Stats) String() string {
	var ps []string
	for p := range st.ByPlatform {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	var b strings.Builder
	fmt.Fprintf(&b, "%d mentions over %s (%d reposts/replies, %d by verified accounts):", st.Total, st.Last.Sub(st.First).Round(time.Minute), st.Reposts, st.Verified)
	for _, p := range ps {
		fmt.Fprintf(&b, " %s %d", p, st.ByPlatform[p])
	}
	return b.String()
}
