package sentiment

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// Project-written posts with an obvious sentiment.
var clearPosts = []struct {
	text string
	want Label
}{
	{"感谢环保局及时回应，问题两天就解决了", Pos},
	{"今天去政务大厅办社保，工作人员很耐心，十分钟就办好了，点赞！", Pos},
	{"暴雨过后志愿者在地铁站疏导乘客，辛苦了，为你们骄傲", Pos},
	{"新修的公园真漂亮，周末带孩子去玩，开心", Pos},
	{"派出所民警帮我找回了丢失的钱包，太感动了，谢谢你们[心]", Pos},
	{"终于考上了，这一年的努力没有白费，好开心哈哈哈", Pos},
	{"社区医院的医生态度特别好，讲解很仔细", Pos},
	{"老旧小区改造完成了，电梯装上了，老人上下楼方便多了，满意", Pos},
	{"小区门口的垃圾站异味严重，多次向街道办反映一直没有人处理[怒]", Neg},
	{"路灯坏了半个月没人修，打12345也没用，太失望了", Neg},
	{"物业电话一直打不通，收了钱不干活，气死了", Neg},
	{"深夜施工吵得睡不着，投诉了三次都没人管，烦死了", Neg},
	{"排了三个小时的队，到窗口说材料不全又让回去，真是无语", Neg},
	{"化工厂又在偷偷排污，河水都发臭了，太可怕了", Neg},
	{"孩子在学校被欺负，老师却不闻不问，心疼又愤怒", Neg},
	{"说好的补贴到现在都没发，部门之间互相推诿，难过", Neg},
}

func TestBuiltinLabelsClearPosts(t *testing.T) {
	m := Builtin()
	for _, c := range clearPosts {
		r := m.Score(c.text, nil)
		if r.Label != c.want {
			_, ev := m.Explain(c.text, nil)
			t.Errorf("%q: %+v, want %s; evidence %+v", c.text, r, c.want, ev)
		}
		if (r.Label == Pos) != (r.Score > 0) || r.Score < -1 || r.Score > 1 {
			t.Errorf("%q: label and score disagree: %+v", c.text, r)
		}
	}
	// Traditional characters and full-width forms are folded first.
	if r := m.Score("政府部門推諉不作為，太讓人失望了！", nil); r.Label != Neg {
		t.Errorf("Traditional complaint: %+v", r)
	}
}

// Neutral means no evidence either way: nothing the model knows in the text.
func TestBuiltinNeutralOnlyWithoutEvidence(t *testing.T) {
	m := Builtin()
	for _, s := range []string{"", "   \n\t", "\u200b\u200b", "http://t.cn/A6abcdef https://example.org/x?y=1"} {
		if r := m.Score(s, nil); r != (Result{Label: Neu}) {
			t.Errorf("%q: %+v, want neu with score 0", s, r)
		}
	}
	for _, c := range clearPosts {
		if r := m.Score(c.text, nil); r.Label == Neu {
			t.Errorf("%q: neu although it has evidence", c.text)
		}
	}
	// A plain notice has some evidence (characters seen in training): the
	// model commits to a side, as the issue asks, with a small score.
	if r := m.Score("市图书馆发布通知", nil); r.Label == Neu {
		t.Errorf("notice: %+v", r)
	}
}

func TestBuiltinExplain(t *testing.T) {
	m := Builtin()
	r, ev := m.Explain("窗口工作人员态度很好，非常满意", nil)
	if r != m.Score("窗口工作人员态度很好，非常满意", nil) || r.Label != Pos {
		t.Fatalf("Explain result %+v differs from Score or is not pos", r)
	}
	var lex, model int
	for _, h := range ev {
		switch h.From {
		case "":
			lex++
			if h.Word == "非常满意" && h.Weight <= 0 {
				t.Errorf("lexicon hit %+v", h)
			}
		case "model":
			model++
			if h.Weight <= 0 || strings.ContainsAny(h.Word, "，,") {
				t.Errorf("model evidence %+v for a pos result", h)
			}
		}
	}
	if lex == 0 || model == 0 || model > 5 {
		t.Errorf("evidence %+v: want lexicon words and 1-5 model features", ev)
	}
	r, ev = m.Explain("投诉了三次都没人管，太失望了", nil)
	for _, h := range ev {
		if h.From == "model" && h.Weight >= 0 {
			t.Errorf("model evidence %+v for %+v", h, r)
		}
	}
	if r, ev := m.Explain("", nil); r.Label != Neu || len(ev) != 0 {
		t.Errorf("empty text: %+v %+v", r, ev)
	}
}

// The embedded model is current: trained with BuiltinOptions' features on
// the embedded word lists. After editing lexicon/*.txt, run go generate.
func TestBuiltinCurrent(t *testing.T) {
	m := Builtin()
	if m.StaleLexicon() {
		t.Error("built-in model trained on other lexicon files: run go generate ./analyze/sentiment/")
	}
	f := m.hdr.Features
	if f.Words || !f.Lexicon || f.CharNMax != 2 || m.UsesTokens() || len(m.Classes()) != 2 || m.hdr.Examples < 1000 {
		t.Errorf("built-in model header: %s", m.Info())
	}
	if len(builtinModel) > 4<<20 {
		t.Errorf("built-in model is %d bytes", len(builtinModel))
	}
}

// devFile is a file of the evaluation data in ../shared beside the
// repository; the test is skipped without it.
func devFile(t *testing.T, name string) []Example {
	t.Helper()
	if testing.Short() {
		t.Skip("trains on the evaluation data")
	}
	p := filepath.Join("..", "..", "..", "shared", "data", "eval-dev", name)
	f, err := os.Open(p)
	if os.IsNotExist(err) {
		t.Skipf("%s absent", p)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// The built-in recipe, measured fairly: 5-fold cross-validation on the
// hand-labelled weibo2018 dev posts (folds by a hash of the id), each fold
// scored by a model that never saw it.
func TestBuiltinRecipeHeldOut(t *testing.T) {
	t.Parallel() // CPU-bound: its last fold leaves a core to TestBuiltinReproducible
	ex := devFile(t, "sentiment_weibo2018.jsonl")
	var mu sync.Mutex
	var correct, total int
	sem := make(chan bool, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for k := 0; k < 5; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- true
			defer func() { <-sem }()
			train, test := splitFolds(ex, k)
			m, err := Train(train, BuiltinOptions)
			if err != nil {
				t.Error(err)
				return
			}
			c := 0
			for _, e := range test {
				if m.Score(e.Text, nil).Label == e.Label {
					c++
				}
			}
			t.Logf("fold %d: %d/%d = %.4f", k, c, len(test), float64(c)/float64(len(test)))
			mu.Lock()
			correct += c
			total += len(test)
			mu.Unlock()
		}()
	}
	wg.Wait()
	acc := float64(correct) / float64(total)
	t.Logf("weibo2018 dev, 5-fold CV: %.4f", acc)
	if acc < 0.85 {
		t.Errorf("held-out accuracy %.4f, want >= 0.85", acc)
	}
}

// go generate rebuilds the embedded model byte for byte from the dev data.
func TestBuiltinReproducible(t *testing.T) {
	t.Parallel() // CPU-bound, beside TestBuiltinRecipeHeldOut
	ex := devFile(t, "sentiment_weibo2018.jsonl")
	m, err := Train(ex, BuiltinOptions)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := m.Save(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), builtinModel) {
		t.Errorf("retrained model (%d bytes) differs from builtin.model (%d bytes): run go generate ./analyze/sentiment/ (the lexicon, the features or the data changed)", b.Len(), len(builtinModel))
	}
}

// benchTexts are project-written posts of typical lengths.
var benchTexts = []string{
	"小区门口的垃圾站异味严重，多次向街道办反映一直没有人处理，希望有关部门尽快解决[怒]",
	"感谢环保局及时回应，问题两天就解决了",
	"城东化工厂传出刺鼻异味，居民担心泄漏",
	"今天去政务大厅办社保，工作人员很耐心，十分钟就办好了，点赞！",
	"路灯坏了半个月没人修，晚上回家黑漆漆的，老人孩子摔了好几次，打12345也没用",
	"市图书馆周末延长开放时间到晚上九点",
	"#城管执法# 视频里城管推搡摊贩，太过分了吧，必须严肃处理 @城管局 http://t.cn/abc123",
	"暴雨过后地铁站积水，志愿者和工作人员在现场疏导乘客，辛苦了",
}

// The sentiment stage of the analysis with the default scorer; compare
// with BenchmarkLexiconScoreMixed (the previous default) on the same posts.
func BenchmarkBuiltinScore(b *testing.B) {
	m := Builtin()
	var n int
	for _, s := range benchTexts {
		n += len(s)
	}
	b.SetBytes(int64(n / len(benchTexts)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Score(benchTexts[i%len(benchTexts)], nil)
		i++
	}
}

func BenchmarkLexiconScoreMixed(b *testing.B) {
	l := Default()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.Score(benchTexts[i%len(benchTexts)], nil)
		i++
	}
}
