package sentiment

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func lexScore(t *testing.T, text string) Result {
	t.Helper()
	r := Default().Score(text, nil)
	if r.Score < -1 || r.Score > 1 {
		t.Fatalf("%q: score %v outside [-1, 1]", text, r.Score)
	}
	return r
}

func TestLexiconNegation(t *testing.T) {
	for _, c := range []struct {
		text string
		want Label
	}{
		{"对这次处理结果很满意", Pos},
		{"对这次处理结果不满意", Neg},
		{"满意", Pos},
		{"不满意", Neg},
		{"窗口工作人员不耐心，也不热情", Neg},
		{"部门之间互相推诿，没人负责", Neg},
		{"问题一直没有解决", Neg},
		{"经过检测，河水没有污染", Pos},
		{"并不是谣言", Pos},
		{"报警后民警迅速赶到，点赞", Pos},
		{"不能及时处理，群众意见很大", Neg},
		{"小区垃圾站异味严重，投诉多次无人理会", Neg},
		{"感谢环保局及时回应", Pos},
		{"官方已辟谣", Pos},
		{"厂区爆炸造成三人伤亡", Neg},
		{"这不是不好，是很好", Pos},
		{"服务态度还不错，但是办事效率太慢了", Neg},
		{"虽然排队很久，但是问题解决了，感谢", Pos},
	} {
		if got := lexScore(t, c.text); got.Label != c.want {
			_, hits := Default().Explain(c.text)
			t.Errorf("%q: %v, want %s; hits %+v", c.text, got, c.want, hits)
		}
	}
	// "not polluted" must not be negative, and weaker than a plain positive.
	if r := lexScore(t, "没有污染"); r.Score < 0 || r.Score >= lexScore(t, "干净").Score {
		t.Errorf("没有污染: %v", r)
	}
}

func TestLexiconDegree(t *testing.T) {
	order := func(texts ...string) {
		t.Helper()
		prev := math.Inf(-1)
		for _, s := range texts {
			r := lexScore(t, s)
			if !(r.Score > prev) {
				t.Errorf("scores not increasing at %q (%v <= %v) in %q", s, r.Score, prev, texts)
			}
			prev = r.Score
		}
	}
	order("非常失望", "失望", "有点失望")
	order("满意", "很满意", "极其满意")
	order("不满意", "不太满意", "满意") // 不太: weak
	if r := lexScore(t, "太不负责了"); r.Score >= lexScore(t, "不负责").Score {
		t.Errorf("太不负责 should be more negative than 不负责: %v", r)
	}
	order("满意", "满意！") // exclamation strengthens
}

func TestLexiconNeutral(t *testing.T) {
	for _, s := range []string{
		"",
		"市政府今天下午三点召开新闻发布会",
		"请问社保卡在哪个窗口办理？",
		"明天起地铁2号线调整运营时间",
		"无论如何都要在周五前提交材料", // 无 inside 无论 is not a negator
		"特别是老旧小区的加装电梯工作",
	} {
		if r := lexScore(t, s); r.Label != Neu {
			_, hits := Default().Explain(s)
			t.Errorf("%q: %v, want neu; hits %+v", s, r, hits)
		}
	}
}

func TestLexiconEmoji(t *testing.T) {
	for _, c := range []struct {
		text string
		want Label
	}{
		{"[泪]", Neg}, {"[怒]", Neg}, {"[哈哈]", Pos}, {"[赞]", Pos},
		{"又停电了[怒][怒]", Neg}, {"终于修好了[赞][赞]", Pos},
		{"终于修好了👍", Pos}, {"又堵了😡", Neg}, {"［哈哈］", Pos}, // full-width brackets
		{"[GOOD]", Pos},
		{"Good job", Pos}, {"usb接口", Neu}, {"nba比赛", Neu}, {"你是sb吗", Neg},
	} {
		if got := lexScore(t, c.text); got.Label != c.want {
			t.Errorf("%q: %v, want %s", c.text, got, c.want)
		}
	}
	// an emoji is not negated by a nearby negator
	if r := lexScore(t, "不[哈哈]"); r.Label != Pos {
		t.Errorf("不[哈哈]: %v", r)
	}
}

func TestLexiconFiles(t *testing.T) {
	l := Default()
	if l.Len() < 800 {
		t.Errorf("lexicon has %d entries", l.Len())
	}
	good := fstest.MapFS{}
	for _, f := range lexiconFiles {
		good[f.name] = &fstest.MapFile{Data: []byte("# empty\n")}
	}
	good["positive.txt"] = &fstest.MapFile{Data: []byte("好 1\n点赞 2\n")}
	good["degree.txt"] = &fstest.MapFile{Data: []byte("很 1.5\n")}
	if _, err := LoadLexicon(good); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{
		"negative.txt": "差\n好\n",    // 好 also positive
		"degree.txt":   "很\n",       // factor required
		"emoji.txt":    "[泪] abc\n", // bad weight
		"positive.txt": "好 -1\n",    // sign comes from the file
		"neutral.txt":  "a b c\n",   // too many fields
	} {
		bad := fstest.MapFS{}
		for k, v := range good {
			bad[k] = v
		}
		bad[name] = &fstest.MapFile{Data: []byte(data)}
		_, err := LoadLexicon(bad)
		if err == nil || !strings.Contains(err.Error(), name+":") {
			t.Errorf("%s %q: error %v, want one naming the file and line", name, data, err)
		}
	}
}

func TestReadExamples(t *testing.T) {
	in := `{"id":"a","text":"很好","label":"pos"}

{"id":"b","text":"很差","label":"negative","tokens":["差"]}
{"id":"c","text":"通知","label":"neu"}
`
	ex, err := ReadExamples(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 3 || ex[1].Label != Neg || ex[1].Tokens[0] != "差" || ex[2].Label != Neu {
		t.Fatalf("got %+v", ex)
	}
	for _, c := range []struct{ in, want string }{
		{`{"id":"a","text":"x","label":"pos"}` + "\n" + `{"id":"b","text":`, "line 2"},
		{`{"id":"a","text":"x","label":"good"}`, `line 1 (id a): unknown sentiment label "good"`},
		{`{"text":"x","label":"pos"}`, `line 1: missing "id"`},
		{`{"id":"a","label":"pos"}`, `missing "text"`},
		{`{"id":"a","text":"x"}`, `missing "label"`},
		{`{"id":"a","text":"x","label":"pos"}` + "\n" + `{"id":"a","text":"y","label":"neg"}`, "line 2: id a repeats line 1"},
	} {
		_, err := ReadExamples(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestMergeCorrections(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	ex := []Example{
		{ID: "m1", Text: "处理得很及时", Label: Pos},
		{ID: "m2", Text: "又停水了", Label: Neg},
		{ID: "m3", Text: "今天开会", Label: Neu},
	}
	corr := []Correction{
		{MentionID: "m2", Label: Pos, Actor: "li", Time: t0.Add(2 * time.Hour)},
		{MentionID: "m2", Label: Neu, Actor: "wang", Time: t0.Add(time.Hour)}, // older: loses
		{MentionID: "m9", Text: "推诿扯皮", Label: Neg, Actor: "li", Time: t0},
		{MentionID: "m8", Label: Neg, Actor: "li", Time: t0}, // no text anywhere: skipped
		{MentionID: "m3", Label: Neg, Actor: "zhao", Time: t0},
		{MentionID: "m3", Label: Pos, Actor: "qian", Time: t0}, // same time, later in slice: wins
	}
	got, skipped, err := Merge(ex, corr)
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{
		{ID: "m1", Text: "处理得很及时", Label: Pos},
		{ID: "m2", Text: "又停水了", Label: Pos},
		{ID: "m3", Text: "今天开会", Label: Pos},
		{ID: "m9", Text: "推诿扯皮", Label: Neg},
	}
	if skipped != 1 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Merge = %v skipped %d, want %v skipped 1", got, skipped, want)
	}
	if _, _, err := Merge(ex, []Correction{{MentionID: "m1", Label: "??"}}); err == nil {
		t.Error("bad correction label accepted")
	}
	cs, err := ReadCorrections(strings.NewReader(`{"mention_id":"m1","label":"neg","actor":"li","time":"2026-05-01T09:00:00Z"}`))
	if err != nil || len(cs) != 1 || cs[0].Label != Neg || !cs[0].Time.Equal(t0) {
		t.Errorf("ReadCorrections = %+v, %v", cs, err)
	}
	if _, err := ReadCorrections(strings.NewReader("\n{\"label\":\"neg\"}")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ReadCorrections error %v, want line 2", err)
	}
}

// synthetic builds sentences from templates: subject + complaint/praise
// (+ neutral notices when neutral is set). Word lists here are deliberately
// partly outside the lexicon so the model must learn them.
func synthetic(n int, offset int, neutral bool) []Example {
	subjects := []string{"街道办", "环保局", "物业", "派出所", "社区医院", "12345热线", "公交公司", "城管", "供电所", "学校"}
	posP := []string{"上门服务周到", "回复很快", "办事麻利", "帮我们修好了路灯", "态度和蔼", "三天就办结了", "主动上门核实", "工作人员很用心"}
	negP := []string{"电话一直打不通", "让我们来回跑了五趟", "半年了还没修", "把责任推给别人", "收了钱不开票", "深夜施工吵得睡不着", "说好的补贴没发", "门口污水横流"}
	if offset >= 1000 { // held-out sets: subjects never seen in training
		subjects = []string{"区政府", "卫健委", "房管局", "居委会", "交警大队"}
	}
	neuP := []string{"发布了停水通知", "公布了办公时间", "召开了工作会议", "调整了公交线路", "更新了办事指南"}
	var out []Example
	for i := 0; len(out) < n; i++ {
		j := i + offset
		s := subjects[(j*7)%len(subjects)]
		var text string
		var l Label
		switch k := j % 3; {
		case k == 0:
			text, l = s+posP[(j/3)%len(posP)], Pos
		case k == 1:
			text, l = s+negP[(j/3)%len(negP)], Neg
		case neutral:
			text, l = s+neuP[(j/3)%len(neuP)], Neu
		default:
			continue
		}
		out = append(out, Example{ID: fmt.Sprintf("syn%d", j), Text: text, Label: l})
	}
	return out
}

var testOpts = TrainOptions{Bits: 16}

func TestModelLearnsSynthetic(t *testing.T) {
	for _, neutral := range []bool{false, true} {
		train := synthetic(200, 0, neutral)
		test := synthetic(100, 1000, neutral)
		m, err := Train(train, testOpts)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(m.Classes()); got != map[bool]int{false: 2, true: 3}[neutral] {
			t.Errorf("classes %v", m.Classes())
		}
		correct := 0
		for _, e := range test {
			r := m.Score(e.Text, nil)
			if r.Score < -1 || r.Score > 1 || (r.Label == Pos) != (r.Score > 0 && r.Label == Pos) || (r.Label == Neg && r.Score >= 0) {
				t.Errorf("%q: inconsistent result %v", e.Text, r)
			}
			if r.Label == e.Label {
				correct++
			}
		}
		if acc := float64(correct) / float64(len(test)); acc < 0.95 {
			t.Errorf("neutral=%v: accuracy %.3f on held-out synthetic sentences", neutral, acc)
		}
	}
}

func saveBytes(t *testing.T, m *Model) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestTrainDeterministic(t *testing.T) {
	ex := synthetic(150, 0, true)
	a, err := Train(ex, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Train(ex, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(saveBytes(t, a), saveBytes(t, b)) {
		t.Error("two trainings on the same data differ")
	}
	o := testOpts
	o.Seed = 2
	c, _ := Train(ex, o)
	if bytes.Equal(saveBytes(t, a), saveBytes(t, c)) {
		t.Error("the seed has no effect")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	ex := synthetic(200, 0, false)
	for i := range ex[:50] {
		ex[i].Tokens = []string{ex[i].Text[:6]} // exercise word features
	}
	o := testOpts
	o.WordBigrams = true
	m, err := Train(ex, o)
	if err != nil {
		t.Fatal(err)
	}
	data := saveBytes(t, m)
	m2, err := Load(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, saveBytes(t, m2)) {
		t.Error("save(load(save(m))) differs from save(m)")
	}
	for _, e := range append(synthetic(60, 500, true), Example{Text: "感谢街道办[赞]"}, Example{Text: ""}) {
		toks := []string{"街道办", "服务"}
		if a, b := m.Score(e.Text, toks), m2.Score(e.Text, toks); a != b {
			t.Errorf("%q: %v before save, %v after load", e.Text, a, b)
		}
	}
	if m2.StaleLexicon() || !m2.UsesTokens() {
		t.Errorf("header lost: %s", m2.Info())
	}
}

func TestLoadCorrupt(t *testing.T) {
	m, err := Train(synthetic(60, 0, false), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	data := saveBytes(t, m)
	flip := func(i int) []byte {
		d := bytes.Clone(data)
		d[i] ^= 0x40
		return d
	}
	v2 := bytes.Clone(data)
	v2[len(modelMagic)] = 2
	for _, c := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "not a yuqing sentiment model"},
		{"json", []byte(`{"id":"a","label":"pos"}` + "\n"), "not a yuqing sentiment model"},
		{"version", v2, "format version 2"},
		{"truncated header", data[:20], "truncated"},
		{"truncated weights", data[:len(data)/2], "truncated"},
		{"no checksum", data[:len(data)-2], "truncated"},
		{"weight byte flipped", flip(len(data) - 30), "corrupt"},
		{"checksum flipped", flip(len(data) - 1), "checksum"},
	} {
		_, err := Load(bytes.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Load(bytes.NewReader(nil)); !errors.Is(err, ErrNotModel) {
		t.Errorf("empty input: %v, want ErrNotModel", err)
	}
	if _, err := LoadFile(t.TempDir() + "/missing.model"); err == nil {
		t.Error("missing file loaded")
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train([]Example{{ID: "a", Text: "好", Label: Pos}}, testOpts); err == nil {
		t.Error("one class accepted")
	}
	if _, err := Train([]Example{{ID: "a", Text: "好", Label: "good"}}, testOpts); err == nil {
		t.Error("bad label accepted")
	}
	if _, err := Train(synthetic(10, 0, false), TrainOptions{Bits: 40}); err == nil {
		t.Error("bits 40 accepted")
	}
}

func TestTrainCorrected(t *testing.T) {
	ex := synthetic(200, 0, false)
	// An officer relabels every "打不通" complaint as neutral.
	var corr []Correction
	for _, e := range ex {
		if strings.Contains(e.Text, "打不通") {
			corr = append(corr, Correction{MentionID: e.ID, Label: Neu, Actor: "duty", Time: time.Unix(1, 0)})
		}
	}
	m, err := TrainCorrected(ex, corr, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Classes()) != 3 {
		t.Fatalf("classes %v", m.Classes())
	}
	if r := m.Score("物业电话一直打不通", nil); r.Label != Neu {
		t.Errorf("corrections not learned: %v", r)
	}
}

func BenchmarkModelScore(b *testing.B) {
	m, err := Train(synthetic(300, 0, false), TrainOptions{})
	if err != nil {
		b.Fatal(err)
	}
	text := "小区门口的垃圾站异味严重，多次向街道办反映一直没有人处理，希望有关部门尽快解决[怒]"
	b.ReportAllocs()
	for b.Loop() {
		m.Score(text, nil)
	}
}

func BenchmarkLexiconScore(b *testing.B) {
	l := Default()
	text := "小区门口的垃圾站异味严重，多次向街道办反映一直没有人处理，希望有关部门尽快解决[怒]"
	b.ReportAllocs()
	for b.Loop() {
		l.Score(text, nil)
	}
}

func TestConcurrentScoring(t *testing.T) {
	m, err := Train(synthetic(100, 0, false), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"物业电话一直打不通[怒]", "感谢街道办，处理得很及时！", "ＡＢＣ通知"}
	want := make([]Result, len(texts))
	for i, s := range texts {
		want[i] = m.Score(s, nil)
	}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- true }()
			for k := 0; k < 200; k++ {
				i := k % len(texts)
				if got := m.Score(texts[i], nil); got != want[i] {
					t.Errorf("%q: %v, want %v", texts[i], got, want[i])
					return
				}
				Default().Score(texts[i], nil)
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

func TestTraditionalMatchesLexicon(t *testing.T) {
	s := Default()
	if got := s.Score("政府部門推諉不作為，太讓人失望了", nil); got.Label != Neg {
		t.Fatalf("Traditional complaint scored %+v", got)
	}
}
