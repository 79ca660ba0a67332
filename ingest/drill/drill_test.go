package drill

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"yuqing/internal/mention"
)

var testStart = time.Date(2026, 5, 1, 22, 30, 0, 0, time.FixedZone("CST", 8*3600))

// National outlets the grader counts as official media pick-up.
var officialNames = []string{"人民日报", "新华社", "央视新闻", "澎湃新闻", "新京报"}

// Words each scenario must carry, for the grader's sensitive categories.
var wantWords = map[string][]string{
	"chemical-smell": {"刺鼻异味", "异味", "泄漏", "死亡", "中毒", "不作为", "12345", "谣言"},
	"school-food":    {"发霉", "呕吐", "食品安全", "食物中毒", "不作为", "踢皮球", "教育局"},
	"flood-response": {"积水", "没人管", "救援", "12345", "打不通", "不作为", "遇难", "失踪", "【视频】"},
}

func TestScenarios(t *testing.T) {
	ss := Scenarios()
	if len(ss) < 3 {
		t.Fatalf("%d scenarios, want at least 3", len(ss))
	}
	seen := map[string]bool{}
	for _, s := range ss {
		if err := s.Validate(); err != nil {
			t.Errorf("%v", err)
		}
		if seen[s.Name] {
			t.Errorf("scenario %s defined twice", s.Name)
		}
		seen[s.Name] = true
		if got, ok := Lookup(s.Name); !ok || got.Name != s.Name {
			t.Errorf("Lookup(%q) = %v, %v", s.Name, got.Name, ok)
		}
		if d := s.Duration(); d < 2*time.Hour || d > 6*time.Hour {
			t.Errorf("%s lasts %s, want 2–6h", s.Name, d)
		}
		if _, ok := wantWords[s.Name]; !ok {
			t.Errorf("no test words for %s", s.Name)
		}
	}
	for name := range wantWords {
		if !seen[name] {
			t.Errorf("scenario %s is missing", name)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup(nope) found something")
	}
	if _, err := Stream("nope", testStart, 1); err == nil || !strings.Contains(err.Error(), "chemical-smell") {
		t.Errorf("Stream(nope) = %v, want an error listing the scenarios", err)
	}
}

func TestValidateCatchesMistakes(t *testing.T) {
	s, _ := Lookup("chemical-smell")
	s.Phases = slices.Clone(s.Phases)
	s.Phases[1].Start++
	s.Phases[2].Posts = append(slices.Clone(s.Phases[2].Posts), Template{Platform: "myspace", Text: "{nosuchslot}"}, Template{Author: "nobody", Text: "x"})
	s.Personas = append(slices.Clone(s.Personas), Persona{Name: "小号", Role: Influencer, Followers: 12})
	err := s.Validate()
	for _, want := range []string{"start at 30", `platform "myspace"`, "{nosuchslot}", `author "nobody"`, "小号"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %s", err, want)
		}
	}
}

func TestGenerate(t *testing.T) {
	for _, s := range Scenarios() {
		for _, seed := range []uint64{1, 42, 20260501} {
			ms := Generate(s, testStart, seed)
			checkStream(t, s, seed, ms)
		}
	}
}

func checkStream(t *testing.T, s Scenario, seed uint64, ms []mention.Mention) {
	t.Helper()
	name := s.Name
	if n := len(ms); n < 300 || n > 2100 {
		t.Errorf("%s/%d: %d mentions, want a few hundred to ~2,000", name, seed, n)
	}
	if len(ms) == 0 {
		return
	}
	if !ms[0].PublishedAt.Equal(testStart) {
		t.Errorf("%s/%d: first mention at %s, want the start %s", name, seed, ms[0].PublishedAt, testStart)
	}
	if span := ms[len(ms)-1].PublishedAt.Sub(testStart); span < 2*time.Hour || span > 6*time.Hour {
		t.Errorf("%s/%d: spans %s, want 2–6h", name, seed, span)
	}
	prefix := "drill-" + name + "-" + RunID(seed) + "-"
	at := map[string]time.Time{}
	isRoot := map[string]bool{}
	platforms := map[string]int{}
	var official, influencers, reposts int
	var text strings.Builder
	for i, m := range ms {
		c := m
		c.Normalize()
		if err := c.Validate(testStart); err != nil {
			t.Errorf("%s/%d #%d: %v", name, seed, i, err)
		}
		if c.ID != m.ID || c.ParentID != m.ParentID || c.RootID != m.RootID || c.Text != m.Text || c.Title != m.Title {
			t.Errorf("%s/%d #%d: Normalize changed %+v", name, seed, i, m)
		}
		if !m.Drill || m.Source != "drill:"+name || m.Region == "" {
			t.Errorf("%s/%d #%d: drill %v source %q region %q", name, seed, i, m.Drill, m.Source, m.Region)
		}
		if !strings.HasPrefix(m.NativeID(), prefix) || !strings.HasPrefix(m.URL, "https://drill.invalid/") {
			t.Errorf("%s/%d #%d: id %s url %s, want native id %s… and a .invalid url", name, seed, i, m.ID, m.URL, prefix)
		}
		if _, dup := at[m.ID]; dup {
			t.Errorf("%s/%d: id %s twice", name, seed, m.ID)
		}
		if i > 0 && m.PublishedAt.Before(ms[i-1].PublishedAt) {
			t.Errorf("%s/%d #%d: %s before the previous %s", name, seed, i, m.PublishedAt, ms[i-1].PublishedAt)
		}
		if strings.ContainsAny(m.Text+m.Title, "{}") {
			t.Errorf("%s/%d #%d: unfilled slot in %q %q", name, seed, i, m.Title, m.Text)
		}
		if m.Metrics.Reposts < 0 || m.Metrics.Comments < 0 || m.Metrics.Likes < 0 || m.Metrics.Views <= 0 {
			t.Errorf("%s/%d #%d: metrics %+v", name, seed, i, m.Metrics)
		}
		a := m.Author
		switch {
		case a.Name == "" || a.ID == "":
			t.Errorf("%s/%d #%d: author %+v", name, seed, i, a)
		case !a.Verified && (a.Followers < 10 || a.Followers > 5000):
			t.Errorf("%s/%d #%d: ordinary user %s has %d followers", name, seed, i, a.Name, a.Followers)
		case a.Verified && a.Followers < 10_000:
			t.Errorf("%s/%d #%d: verified %s has %d followers", name, seed, i, a.Name, a.Followers)
		}
		if slices.Contains(officialNames, a.Name) {
			official++
			if !a.Verified || a.Followers < 1_000_000 {
				t.Errorf("%s/%d: official media %+v", name, seed, a)
			}
		}
		if a.Verified && a.Followers >= 50_000 && a.Followers <= 2_000_000 {
			influencers++
		}
		if m.ParentID != "" || m.RootID != "" {
			reposts++
			pt, ok1 := at[m.ParentID]
			_, ok2 := at[m.RootID]
			if !ok1 || !ok2 || !pt.Before(m.PublishedAt) || !isRoot[m.RootID] {
				t.Errorf("%s/%d #%d: repost of %s (root %s) that is not an earlier post", name, seed, i, m.ParentID, m.RootID)
			}
			if m.Platform == "weibo" && !strings.Contains(m.Text, "//@") {
				t.Errorf("%s/%d #%d: weibo repost without //@: %q", name, seed, i, m.Text)
			}
		}
		at[m.ID] = m.PublishedAt
		isRoot[m.ID] = m.ParentID == ""
		platforms[m.Platform]++
		text.WriteString(m.Title + m.Text)
	}
	for _, p := range []string{"weibo", "wechat", "forum", "news"} {
		if platforms[p] == 0 {
			t.Errorf("%s/%d: no %s mentions (%v)", name, seed, p, platforms)
		}
	}
	if official < 2 || influencers < 2 {
		t.Errorf("%s/%d: %d by official media, %d by verified local accounts; want both", name, seed, official, influencers)
	}
	if share := float64(reposts) / float64(len(ms)); share < 0.3 || share > 0.8 {
		t.Errorf("%s/%d: reposts are %.0f%% of the stream", name, seed, share*100)
	}
	for _, w := range wantWords[name] {
		if !strings.Contains(text.String(), w) {
			t.Errorf("%s/%d: no mention says %s", name, seed, w)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, s := range Scenarios() {
		a, b := Generate(s, testStart, 7), Generate(s, testStart, 7)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two streams for seed 7 differ", s.Name)
		}
		c := Generate(s, testStart, 8)
		if reflect.DeepEqual(a, c) || len(c) > 0 && c[0].ID == a[0].ID {
			t.Errorf("%s: seeds 7 and 8 give the same stream or the same ids", s.Name)
		}
		d := Generate(s, testStart.Add(time.Hour), 7)
		if len(d) != len(a) || !d[len(d)-1].PublishedAt.Equal(a[len(a)-1].PublishedAt.Add(time.Hour)) {
			t.Errorf("%s: a later start does not shift the stream", s.Name)
		}
	}
}

// The volume per phase rises to a peak and falls; engagement grows with it.
func TestVolumeRisesThenFalls(t *testing.T) {
	for _, s := range Scenarios() {
		for _, seed := range []uint64{1, 2, 3} {
			ms := Generate(s, testStart, seed)
			rates := make([]float64, len(s.Phases))
			engage := make([]float64, len(s.Phases))
			counts := make([]int, len(s.Phases))
			for _, m := range ms {
				min := int(m.PublishedAt.Sub(testStart) / time.Minute)
				for i, p := range s.Phases {
					if min >= p.Start && min < p.End {
						counts[i]++
						engage[i] += float64(m.Metrics.Reposts + m.Metrics.Comments + m.Metrics.Likes)
					}
				}
			}
			peak := 0
			for i, p := range s.Phases {
				rates[i] = float64(counts[i]) / float64(p.End-p.Start)
				if rates[i] > rates[peak] {
					peak = i
				}
			}
			last := len(rates) - 1
			if peak == 0 || peak == last || rates[peak] < 5*rates[0] || rates[peak] < 3*rates[last] {
				t.Errorf("%s/%d: rates per phase %.2f: want a peak in the middle", s.Name, seed, rates)
			}
			for i := 1; i <= peak; i++ {
				if rates[i] <= rates[i-1] {
					t.Errorf("%s/%d: rate falls before the peak: %.2f", s.Name, seed, rates)
				}
			}
			for i := peak + 1; i <= last; i++ {
				if rates[i] >= rates[i-1] {
					t.Errorf("%s/%d: rate rises after the peak: %.2f", s.Name, seed, rates)
				}
			}
			if engage[peak]/float64(counts[peak]) <= engage[0]/float64(max(1, counts[0])) {
				t.Errorf("%s/%d: engagement per mention at the peak %.0f is not above the first phase %.0f", s.Name, seed,
					engage[peak]/float64(counts[peak]), engage[0]/float64(max(1, counts[0])))
			}
		}
	}
}

// The story's beats happen in order: first a resident, official media only
// after the local V, the government statement after the official media.
func TestStoryOrder(t *testing.T) {
	for _, s := range Scenarios() {
		ms := Generate(s, testStart, 99)
		first := map[Role]time.Duration{}
		roles := map[string]Role{}
		for _, p := range s.Personas {
			roles[p.Name] = p.Role
		}
		for _, m := range ms {
			r, ok := roles[m.Author.Name]
			if !ok {
				r = Resident
			}
			if _, seen := first[r]; !seen {
				first[r] = m.PublishedAt.Sub(testStart)
			}
		}
		if ms[0].Author.Verified || first[Resident] != 0 {
			t.Errorf("%s: first post by %+v", s.Name, ms[0].Author)
		}
		if !(first[Influencer] < first[OfficialMedia] && first[OfficialMedia] < first[Government]) {
			t.Errorf("%s: first local V at %s, official media at %s, government at %s", s.Name, first[Influencer], first[OfficialMedia], first[Government])
		}
	}
}

func TestSummarize(t *testing.T) {
	ms, err := Stream("school-food", testStart, 5)
	if err != nil {
		t.Fatal(err)
	}
	st := Summarize(ms)
	if st.Total != len(ms) || st.ByPlatform["weibo"] == 0 || st.Reposts == 0 || !st.First.Equal(testStart) {
		t.Errorf("Summarize = %+v", st)
	}
	if s := st.String(); !strings.Contains(s, "mentions over") || !strings.Contains(s, "weibo") {
		t.Errorf("Stats.String() = %q", s)
	}
}
