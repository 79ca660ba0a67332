package dedupe

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"yuqing/internal/mention"
)

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func mk(id, url, text string, at time.Time) mention.Mention {
	return mention.Mention{ID: id, Platform: "news", URL: url, Text: text, PublishedAt: at}
}

// A news report and stories on the same subject, written for these tests.
const (
	floodA = `11月22日晚至23日凌晨，受持续强降雨影响，我市城区多处路段出现严重积水，部分低洼小区进水，一度造成交通中断。` +
		`市防汛指挥部于22日21时启动防汛二级应急响应，组织消防救援、城市管理、住建等部门连夜排涝，共出动抢险人员一千二百余人次、排水车辆八十余台，转移受困群众三百余人。` +
		`截至23日上午8时，主城区积水路段已基本恢复通行，暂无人员伤亡报告。气象部门预计未来三天仍有较强降雨过程，` +
		`市防汛指挥部提醒广大市民关注天气预警信息，非必要不前往低洼地带和地下空间，发现险情及时拨打应急电话报告。` + floodTail
	// 洗稿: a few characters changed, punctuation moved and changed,
	// an emoji code, a link and an @name added.
	floodACopy = `11月22日晚至23日凌晨,受持续强降雨影响!我市城区多处路段出现严重积水、部分低洼小区进水。一度造成交通中断……` +
		`市防汛指挥部于22日21时启动防汛二级应急响应；组织消防救援、城市管理、住建等部门连夜排涝，共出动抢险人员一千二百余人次、排水车辆八十余辆，转移受困群众三百余人` +
		`截至23日上午8时，主城区积水路段已基本恢复通行，暂无人员伤亡报告 [泪] 气象部门预计未来三天仍有较强降雨过程——` +
		`市防汛指挥部提醒广大市民关注天气预警信息，非必要不前往低洼地带和地下空间，发现险情及时拨打应急电话报告！@本地新闻 https://t.cn/A6abcd` + floodTailCopy
	floodTail = `据了解，此次降雨过程具有持续时间长、累计雨量大、短时雨强大的特点，全市平均降雨量达到一百二十毫米，` +
		`城区最大小时雨强超过六十毫米，突破有气象记录以来同期极值。强降雨期间，全市共有四十余处道路和隧道出现积水，` +
		`十余个居民小区地下车库进水，部分公交线路临时调整运行。各级党员干部下沉一线，逐户排查独居老人和困难群众住房安全，` +
		`累计开放临时避险安置点二十六处，为转移群众提供饮用水、食品和药品等生活物资。市卫生健康部门组织医疗队进驻安置点，` +
		`开展巡诊和消毒防疫工作。下一步，我市将全面排查城市排水设施短板，加快推进老旧小区雨污分流改造和易涝点整治，` +
		`切实提升城市防洪排涝能力，保障人民群众生命财产安全。`
	floodTailCopy = `据了解：此次降雨过程具有持续时间长、累计雨量大、短时雨强大的特点，全市平均降雨量达到一百二十毫米，` +
		`城区最大小时雨强超过六十毫米，突破有气象记录以来同期极值!强降雨期间,全市共有四十余处道路和隧道出现积水，` +
		`十余个居民小区地下车库进水，部分公交线路临时调整运行。各级党员干部下沉一线，逐户排查独居老人和困难群众住房安全，` +
		`累计开放临时避险安置点二十六处，为转移群众提供饮用水、食物和药品等生活物资……市卫生健康部门组织医疗队进驻安置点，` +
		`开展巡诊和消毒防疫工作。下一步，我市将全面排查城市排水设施短板，加快推进老旧小区雨污分流改造和易涝点整治，` +
		`切实提升城市防洪排涝能力,保障人民群众生命财产安全`
	// Same subject, different story.
	floodB = `记者23日从市应急管理局获悉，受本轮强降雨影响，我市部分区县农田受淹，初步统计农作物受灾面积约二点三万亩，` +
		`倒塌房屋十二间，直接经济损失正在核算中。市应急管理局已会同农业农村、水利等部门组成工作组赶赴受灾乡镇，` +
		`指导开展灾情核查和生产自救，并下拨救灾资金五百万元。防汛期间市民如发现险情，可拨打应急电话报告。`
	floodC = `23日上午，市委书记赴城区积水较重的路段和低洼小区检查防汛排涝工作，看望慰问一线抢险人员。` +
		`他强调，要坚持人民至上、生命至上，压紧压实防汛责任，加强雨情水情监测预警，全力做好受困群众转移安置，` +
		`确保城市运行安全有序，坚决防范次生灾害发生。`
)

func TestExactID(t *testing.T) {
	d := New(Config{})
	if v := d.Check(mk("weibo:1", "", "第一条", t0)); v.Duplicate() {
		t.Fatalf("first copy is a duplicate: %+v", v)
	}
	v := d.Check(mk("weibo:1", "", "第一条，又抓到一次，文字变了", t0.Add(time.Minute)))
	if v != (Verdict{Kind: ExactID, FirstID: "weibo:1"}) {
		t.Fatalf("same ID: %+v", v)
	}
	if v := d.Check(mk("weibo:2", "", "第一条", t0)); v.Duplicate() {
		t.Fatalf("short text matched: %+v", v)
	}
}

func TestExactURLTrackingParams(t *testing.T) {
	d := New(Config{})
	a := mk("news:1", "https://news.example.cn/2026/11/23/a.html?utm_source=weibo&spm=1.2", "正文一", t0)
	b := mk("web:x9", "http://NEWS.example.cn:80/2026/11/23/a.html?from=timeline&isappinstalled=0#comments", "正文二", t0)
	c := mk("wechat:q", "https://mp.weixin.qq.com/s?__biz=MzA5MTA==&mid=2650&idx=1&sn=abc&chksm=1&scene=21#wechat_redirect", "x", t0)
	e := mk("wechat:r", "https://mp.weixin.qq.com/s?sn=abc&idx=1&mid=2650&__biz=MzA5MTA%3D%3D&sessionid=9", "y", t0)
	f := mk("weibo:3501756485200075", "https://weibo.com/1234567890/z0JH2lOMb?type=comment", "z", t0)
	g := mk("weibo:copy", "https://m.weibo.cn/status/3501756485200075", "w", t0)
	want := []Verdict{{}, {Kind: ExactURL, FirstID: "news:1"}, {}, {Kind: ExactURL, FirstID: "wechat:q"}, {}, {Kind: ExactURL, FirstID: "weibo:3501756485200075"}}
	for i, m := range []mention.Mention{a, b, c, e, f, g} {
		if v := d.Check(m); v != want[i] {
			t.Errorf("%d %s: %+v, want %+v", i, m.URL, v, want[i])
		}
	}
	// Different query parameters that matter: different pages.
	if v := d.Check(mk("news:2", "https://news.example.cn/2026/11/23/a.html?page=2", "正文三", t0)); v.Duplicate() {
		t.Errorf("page=2 matched: %+v", v)
	}
}

func TestNear(t *testing.T) {
	d := New(Config{})
	if v := d.Check(mk("news:a", "https://a.cn/1", floodA, t0)); v.Duplicate() {
		t.Fatalf("original: %+v", v)
	}
	v := d.Check(mk("weibo:copy", "https://weibo.com/1/2", floodACopy, t0.Add(time.Hour)))
	t.Logf("洗稿 copy: %+v", v)
	if v.Kind != Near || v.FirstID != "news:a" {
		t.Fatalf("洗稿 copy not found: %+v (distance to original %d)", v, Distance(fp(floodA), fp(floodACopy)))
	}
	// A repost that only adds a reaction and a repost marker.
	v = d.Check(mk("weibo:rt", "", "转发一下，太可怕了[泪]//@某地发布: "+floodA, t0.Add(2*time.Hour)))
	if v.Kind != Near || v.FirstID != "news:a" {
		t.Errorf("repost not found: %+v", v)
	}
	// Different stories on the same subject.
	for _, s := range []string{floodB, floodC} {
		if v := d.Check(mk("news:"+s[:9], "", s, t0.Add(3*time.Hour))); v.Duplicate() {
			t.Errorf("different story matched: %+v; distance to A %d", v, Distance(fp(floodA), fp(s)))
		}
	}
	t.Logf("distances: A-copy %d, A-B %d, A-C %d, B-C %d", Distance(fp(floodA), fp(floodACopy)),
		Distance(fp(floodA), fp(floodB)), Distance(fp(floodA), fp(floodC)), Distance(fp(floodB), fp(floodC)))
}

// A heavier copy (five characters changed in ~590) is beyond distance 3:
// missed by default, found when the operator allows distance 6.
func TestNearHeavierCopy(t *testing.T) {
	heavy := strings.NewReplacer("临时调整运行", "临时调整运营", "改造和易涝点", "改造与易涝点", "突破有气象记录", "打破有气象记录").Replace(floodACopy)
	dist := Distance(fp(floodA), fp(heavy))
	t.Logf("heavier copy: distance %d", dist)
	if dist <= GuaranteedDistance {
		t.Skip("heavier copy is within the default distance: nothing to show")
	}
	d := New(Config{})
	d.Check(mk("news:a", "", floodA, t0))
	if v := d.Check(mk("news:b", "", heavy, t0)); v.Duplicate() {
		t.Errorf("default config found distance %d: %+v", dist, v)
	}
	d = New(Config{MaxDistance: 6})
	d.Check(mk("news:a", "", floodA, t0))
	if v := d.Check(mk("news:b", "", heavy, t0)); v.Kind != Near || v.FirstID != "news:a" {
		t.Errorf("MaxDistance 6 missed distance %d: %+v", dist, v)
	}
	for _, s := range []string{floodB, floodC} {
		if v := d.Check(mk("news:"+s[:9], "", s, t0)); v.Duplicate() {
			t.Errorf("MaxDistance 6: different story matched: %+v", v)
		}
	}
}

func shareBand(a, b uint64) bool {
	for i := 0; i < Bands; i++ {
		if band(a, i) == band(b, i) {
			return true
		}
	}
	return false
}

func fp(s string) uint64 { return SimHash(Features(s, nil)) }

func TestShortReactionsNotMatched(t *testing.T) {
	d := New(Config{})
	short := []string{"转发微博", "太可怕了", "太可怕了！！！", "转发微博 [泪][泪]", "//@人民日报: 转发微博", "太可怕了 https://t.cn/A6x1 @某某某",
		"希望大家都平安无事，注意安全。"} // 14 runes
	for round := 0; round < 3; round++ {
		for i, s := range short {
			if v := d.Check(mk(fmt.Sprintf("weibo:%d-%d", round, i), "", s, t0)); v.Duplicate() {
				t.Errorf("short %q matched: %+v", s, v)
			}
		}
	}
}

func TestFeatures(t *testing.T) {
	got := string(Features("回复@张三_01:臺灣 ＡＢＣ，好[哈哈]! http://t.cn/xYz?a=1 看www.x.cn/a 这个 [ 不是表情 ]//@李四: 2026年", nil))
	if want := "回复台湾abc好看这个不是表情2026年"; got != want {
		t.Errorf("Features = %q, want %q", got, want)
	}
}

func TestSeenBound(t *testing.T) {
	s := NewSeen(10, time.Hour)
	for i := 0; i < 100; i++ {
		if _, dup := s.Check(fmt.Sprint(i), fmt.Sprint(i), t0); dup {
			t.Fatal("new key reported seen")
		}
		if s.Len() > 10 {
			t.Fatalf("Len %d > 10", s.Len())
		}
		// The last Max/2 keys are always remembered.
		for j := max(0, i-4); j <= i; j++ {
			if _, dup := s.Check(fmt.Sprint(j), "x", t0); !dup {
				t.Fatalf("key %d forgotten at %d", j, i)
			}
		}
	}
	// Time: after a whole window everything is gone.
	s.Check("old", "old", t0)
	s.Check("tick", "tick", t0.Add(2*time.Hour))
	if _, dup := s.Check("old", "again", t0.Add(2*time.Hour)); dup {
		t.Error("key older than the window still remembered")
	}
	// Within half a window it is kept.
	s.Check("recent", "recent", t0.Add(2*time.Hour))
	if first, dup := s.Check("recent", "again", t0.Add(2*time.Hour+29*time.Minute)); !dup || first != "recent" {
		t.Errorf("recent key: %q %v", first, dup)
	}
}

// randText makes a text of n random common CJK characters.
func randText(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteRune(rune(0x4E00 + r.IntN(3500)))
	}
	return b.String()
}

func TestMemoryBound1M(t *testing.T) {
	n := 1_000_000
	if testing.Short() || raceEnabled {
		n = 150_000 // still several rotations of every generation
	}
	cfg := Config{MaxKeys: 100_000, MaxTexts: 50_000, Window: 72 * time.Hour}
	d := New(cfg)
	r := rand.New(rand.NewPCG(1, 2))
	var near int
	for i := 0; i < n; i++ {
		at := t0.Add(time.Duration(i) * time.Second / 4) // 1M items over ~2.9 days
		m := mk(fmt.Sprintf("web:%d", i), fmt.Sprintf("https://x.cn/%d?utm_source=a", i), randText(r, 24), at)
		if d.Check(m).Kind == Near {
			near++
		}
		if i%50_000 == 0 || i == n-1 {
			st := d.Stats()
			if st.IDs > cfg.MaxKeys || st.URLs > cfg.MaxKeys || st.Texts > cfg.MaxTexts || st.Postings > Bands*cfg.MaxTexts || st.BandKeys > 2*Bands*65536 {
				t.Fatalf("after %d: %+v over the bounds %+v", i, st, cfg)
			}
		}
	}
	st := d.Stats()
	t.Logf("after %d items: %+v; near matches among random texts: %d", n, st, near)
	if near > n/10000 {
		t.Errorf("%d random texts near-matched", near)
	}
}

func TestDeterministic(t *testing.T) {
	run := func() []Verdict {
		d := New(Config{MaxKeys: 50, MaxTexts: 20})
		r := rand.New(rand.NewPCG(3, 4))
		var out []Verdict
		texts := []string{floodA, floodACopy, floodB, floodC}
		for i := 0; i < 500; i++ {
			s := texts[r.IntN(len(texts))]
			if r.IntN(2) == 0 {
				s = randText(r, 30)
			}
			out = append(out, d.Check(mk(fmt.Sprint("x:", r.IntN(300)), fmt.Sprint("https://u.cn/", r.IntN(300)), s, t0.Add(time.Duration(i)*time.Minute))))
		}
		return out
	}
	a, b := run(), run()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("verdict %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
}

// TestNearRates measures true positives (random edits of a text) and false
// positives (unrelated texts) of the SimHash parameters, for the report.
func TestNearRates(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{100, 300, 1000} {
		for _, th := range []int{GuaranteedDistance, 6} {
			var line []string
			for _, k := range []int{0, 1, 2, 3, 5, 10} {
				hit := 0
				const trials = 200
				for i := 0; i < trials; i++ {
					orig := []rune(randText(r, n))
					cp := append([]rune(nil), orig...)
					for j := 0; j < k; j++ {
						cp[r.IntN(n)] = rune(0x4E00 + r.IntN(3500))
					}
					a, b := fp(string(orig)), fp(string(cp))
					if Distance(a, b) <= th && shareBand(a, b) {
						hit++
					}
				}
				line = append(line, fmt.Sprintf("%d changed %3.0f%%", k, 100*float64(hit)/trials))
			}
			t.Logf("%4d runes, distance ≤ %d: %s", n, th, strings.Join(line, ", "))
		}
	}
	fpCount, pairs := 0, 0
	var hs []uint64
	for i := 0; i < 2000; i++ {
		hs = append(hs, fp(randText(r, 20+r.IntN(200))))
	}
	for i := range hs {
		for j := i + 1; j < len(hs); j++ {
			pairs++
			if Distance(hs[i], hs[j]) <= GuaranteedDistance {
				fpCount++
			}
		}
	}
	t.Logf("unrelated pairs within distance %d: %d of %d", GuaranteedDistance, fpCount, pairs)
	if fpCount > 0 {
		t.Errorf("%d false positives among unrelated texts", fpCount)
	}
}

func BenchmarkCheck(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	texts := make([]string, 4096)
	for i := range texts {
		if i > 0 && i%5 == 0 { // one in five is a light copy of an earlier text
			rs := []rune(texts[r.IntN(i)])
			rs[r.IntN(len(rs))] = '的'
			texts[i] = string(rs)
			continue
		}
		texts[i] = randText(r, 140) // a Weibo post's length
	}
	d := New(Config{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Check(mention.Mention{ID: "weibo:" + fmt.Sprint(i), Platform: "weibo", Text: texts[i%len(texts)], PublishedAt: t0.Add(time.Duration(i) * time.Millisecond)})
		i++
	}
}

// TestGenerations checks the rotation Seen and the near-duplicate index
// share, on a bare generations of keys.
func TestGenerations(t *testing.T) {
	type step struct {
		at      time.Duration // clock, from t0
		add     uint64        // 0: none
		cur     int           // then: entries in cur
		prev    int           // and in prev
		comment string
	}
	for _, c := range []struct {
		name   string
		max    int
		window time.Duration
		steps  []step
	}{
		{"by size", 4, time.Hour, []step{
			{0, 1, 1, 0, ""},
			{0, 2, 2, 0, "cur holds Max/2"},
			{0, 3, 1, 2, "full cur retired"},
			{0, 4, 2, 2, ""},
			{0, 5, 1, 2, "oldest generation dropped"},
		}},
		{"by clock", 100, time.Hour, []step{
			{0, 1, 1, 0, ""},
			{29 * time.Minute, 2, 2, 0, "under Window/2"},
			{30 * time.Minute, 3, 1, 2, "Window/2: retired"},
			{90 * time.Minute, 4, 1, 0, "a whole Window: both go"},
			{80 * time.Minute, 5, 2, 0, "the clock does not go back"},
		}},
		{"no window", 100, 0, []step{
			{0, 1, 1, 0, ""},
			{1000 * time.Hour, 2, 2, 0, "time never retires"},
		}},
		{"max below 2", 0, 0, []step{
			{0, 1, 1, 0, "Max counts as 2"},
			{0, 2, 1, 1, ""},
		}},
	} {
		g := newGenerations(c.max, c.window, keyGen{}, keyGen{})
		for i, s := range c.steps {
			g.advance(t0.Add(s.at))
			if s.add != 0 {
				g.makeRoom()
				g.cur[s.add] = "x"
			}
			if len(g.cur) != s.cur || len(g.prev) != s.prev || g.len() != s.cur+s.prev {
				t.Errorf("%s, step %d (%s): cur %d prev %d, want %d and %d", c.name, i, s.comment, len(g.cur), len(g.prev), s.cur, s.prev)
			}
		}
	}
}
