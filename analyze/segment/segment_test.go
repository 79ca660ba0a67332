package segment

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"yuqing/internal/hanzi"
)

var (
	sharedOnce sync.Once
	shared     *Segmenter
	sharedErr  error
)

func seg(t *testing.T) *Segmenter {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = New(Config{}, nil) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func TestTokensDropStopWordsAndPunctuation(t *testing.T) {
	got := seg(t).Tokens("市环保局：化工厂周边的异味已经得到控制，请市民放心！2026")
	for _, w := range got {
		switch w {
		case "的", "，", "！", "：", "2026":
			t.Errorf("token %q should have been dropped: %v", w, got)
		}
	}
	for _, want := range []string{"化工厂", "异味", "控制", "市民"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %q in %v", want, got)
		}
	}
}

func TestTraditionalFoldsToSimplified(t *testing.T) {
	got := seg(t).Tokens("化工廠附近傳出異味")
	if !slices.Contains(got, "化工厂") || !slices.Contains(got, "异味") {
		t.Fatalf("tokens %v", got)
	}
}

func TestKeywordsPreferRareWords(t *testing.T) {
	s := seg(t)
	kw := s.Keywords(s.Tokens("化工厂 异味 化工厂 今天 大家 化工厂 泄漏"), 2)
	if len(kw) != 2 || kw[0] != "化工厂" {
		t.Fatalf("Keywords = %v, want 化工厂 first", kw)
	}
}

func TestUserDictionaryReloadWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	dict := filepath.Join(dir, "user.txt")
	if err := os.WriteFile(dict, []byte("# agency names\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{UserDicts: []string{dict}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const text = "翠湖新区管委会回应了居民的关切"
	if slices.Contains(s.Tokens(text), "翠湖新区管委会") {
		t.Fatal("word known before it was added")
	}
	if err := os.WriteFile(dict, []byte("翠湖新区管委会 50000 nt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, err := s.ReloadIfChanged(); err != nil || !changed {
		t.Fatalf("ReloadIfChanged after an edit = %v, %v", changed, err)
	}
	if got := s.Tokens(text); !slices.Contains(got, "翠湖新区管委会") {
		t.Fatalf("after reload, tokens = %v", got)
	}
	if changed, _ := s.ReloadIfChanged(); changed {
		t.Fatal("reloaded an unchanged dictionary")
	}
	if err := os.WriteFile(dict, []byte("坏词 notanumber\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil {
		t.Fatal("bad dictionary line accepted")
	}
	if got := s.Tokens(text); !slices.Contains(got, "翠湖新区管委会") {
		t.Fatal("a failed reload replaced the working segmenter")
	}
}

func TestConcurrentCutDuringReload(t *testing.T) {
	s := seg(t)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if len(s.Tokens("学校食堂食品安全问题引发家长关注")) == 0 {
					t.Error("no tokens")
					return
				}
			}
		}()
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden pins the tokens and keywords of a small corpus the project
// wrote: a change of dictionary, stop words or folding shows up here.
func TestGolden(t *testing.T) {
	s := seg(t)
	b, err := os.ReadFile(filepath.Join("testdata", "corpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		toks := s.Tokens(line)
		fmt.Fprintf(&out, "%s\n  tokens:   %s\n  keywords: %s\n", line, strings.Join(toks, " | "), strings.Join(s.Keywords(toks, 5), " | "))
	}
	golden := filepath.Join("testdata", "corpus.golden")
	if *update {
		os.WriteFile(golden, []byte(out.String()), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != out.String() {
		t.Fatalf("segmentation differs from %s (run go test -update after checking):\n%s", golden, out.String())
	}
}

// The fast cut is gse's Cut(text, false), word for word: on the golden
// corpus, on awkward inputs the project writes, and — when the shared Weibo
// evaluation sets sit beside the repository — on every post in them.
func TestFastCutEqualsGse(t *testing.T) {
	t.Parallel() // loads gse (seconds under -race): beside the other tests that do
	s := seg(t)
	st := s.cur.Load()
	texts := []string{
		"", "a", "A1", "ＡＢＣ１２３全角", "iPhone15Pro发布会上海站2026年11月23日", "转发微博 //@城东居民: [怒][怒]太过分了！！！http://t.cn/A6abcXyZ",
		"化工厂化工厂化工厂", "的的的的", "😀😀表情😀", "長江大橋上車流", "一二三四五六七八九十百千万亿", "  空格  和\t制表\n换行  ",
		"abc中文def中文123", "COVID-19疫情防控", "#城东化工厂异味# 【权威发布】区生态环境局回应", "\u200b零宽\u200d字符",
	}
	if b, err := os.ReadFile(filepath.Join("testdata", "corpus.txt")); err == nil {
		texts = append(texts, strings.Split(string(b), "\n")...)
	}
	for _, name := range []string{"clustering.jsonl", "sentiment_weibo2018.jsonl"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "eval-dev", name))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			var x struct{ Text string }
			if json.Unmarshal([]byte(line), &x) == nil {
				texts = append(texts, x.Text)
			}
		}
	}
	var buf dagBuf
	differ := 0
	for _, text := range texts {
		folded := hanzi.Fold(text)
		fast, ok := st.dag.cut(folded, &buf, nil)
		if !ok {
			t.Errorf("valid text refused: %q", text)
			continue
		}
		slow := st.seg().Cut(folded, false)
		if !slices.Equal(fast, slow) {
			if differ++; differ <= 5 {
				t.Errorf("cut of %q:\nfast %q\ngse  %q", text, fast, slow)
			}
		}
	}
	if differ > 0 {
		t.Fatalf("%d of %d texts cut differently", differ, len(texts))
	}
	t.Logf("%d texts cut identically", len(texts))
	// Lower-casing first (as gse does) turns invalid bytes into U+FFFD.
	if fast, _ := st.dag.cut("bad \xff utf8", &buf, nil); !slices.Equal(fast, st.seg().Cut("bad \xff utf8", false)) {
		t.Errorf("invalid UTF-8: %q vs gse %q", fast, st.seg().Cut("bad \xff utf8", false))
	}
	if got := s.Tokens("bad \xff utf8 化工厂"); !slices.Contains(got, "化工厂") {
		t.Errorf("invalid UTF-8 text: %v", got)
	}
}

func TestEntities(t *testing.T) {
	s := seg(t)
	for text, want := range map[string][]string{
		"今晚8时许临江区东港化工厂发生氯气泄漏，3人死亡，12人受伤，市应急管理局通报": {"临江区", "东港化工厂", "市应急管理局", "3人死亡", "12人受伤"},
		"杭州市西湖区阳光小区燃气爆炸 #杭州燃气爆炸#":                 {"杭州市", "西湖区", "阳光小区", "#杭州燃气爆炸#"},
		"造成十二名工人受伤，两人失踪":                          {"十二人受伤", "两人失踪"},
		"今天天气真好，火锅太好吃了":                           nil,
		"多个小区和附近学校都闻到了":                           nil,
		"滨江御景已经有人在收拾东西去市区住了":                      {"滨江"},
		"这雨也太大了吧，沙洲路成河了，车都漂起来了":                   {"沙洲路"},
		"@用户5113051485 @平安北京 转发微博":                nil,
	} {
		_, ents := s.TokensEntities(text)
		var got []string
		for _, e := range ents {
			got = append(got, e.Text)
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: entities %v lack %s", text, got, w)
			}
		}
		for _, g := range got {
			if strings.Contains(text, "成河") && !slices.Contains(want, g) || slices.Contains([]string{"东西", "太大", "成河"}, g) {
				t.Errorf("%s: entities %v have %s, not a name", text, got, g)
			}
		}
		if want == nil && len(got) > 0 {
			t.Errorf("%s: entities %v, want none", text, got)
		}
	}
}

func TestSalience(t *testing.T) {
	s := seg(t)
	if a, b := s.Salience("化工厂"), s.Salience("真的"); a <= b || a < 0.8 || b > 0.3 {
		t.Errorf("化工厂 %.2f should be far more telling than 真的 %.2f", a, b)
	}
	if s.Salience("微博") != 0 || s.Salience("转发") != 0 {
		t.Error("the platforms' own words should weigh nothing")
	}
}
