package segment

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-ego/gse"

	"yuqing/internal/hanzi"
)

var writeIndex = flag.Bool("write-index", false, "rewrite dict_zh_s.idx from gse's dictionary (go generate)")

// encodeIndex writes gse's dictionary in the format indexDAG reads.
func encodeIndex(d *gse.Dictionary) ([]byte, error) {
	words := make(map[string]bool, d.NumTokens())
	posIdx := map[string]int{}
	var posNames []string
	for i := range d.Tokens {
		w := d.Tokens[i].Text()
		if words[w] {
			return nil, fmt.Errorf("token %q twice", w)
		}
		words[w] = true
		if p := d.Tokens[i].Pos(); !known(posIdx, p) {
			posIdx[p] = len(posNames)
			posNames = append(posNames, p)
		}
	}
	if len(posNames) > 256 {
		return nil, fmt.Errorf("%d parts of speech, the index has room for 256", len(posNames))
	}
	prefixes := map[string]bool{}
	var recs []byte
	for i := range d.Tokens {
		w := d.Tokens[i].Text()
		recs = binary.AppendUvarint(recs, uint64(len(w)))
		recs = append(recs, w...)
		if f := d.Tokens[i].Freq(); f >= 0 && f < 1<<52 && f == math.Trunc(f) {
			recs = binary.AppendUvarint(recs, uint64(f)<<1)
		} else {
			recs = binary.AppendUvarint(recs, 1)
			recs = binary.LittleEndian.AppendUint64(recs, math.Float64bits(f))
		}
		recs = append(recs, byte(posIdx[d.Tokens[i].Pos()]))
		var fresh []int
		for j := range w {
			if p := w[:j]; j > 0 && !words[p] && !prefixes[p] {
				prefixes[p] = true
				fresh = append(fresh, j)
			}
		}
		recs = binary.AppendUvarint(recs, uint64(len(fresh)))
		for _, j := range fresh {
			recs = binary.AppendUvarint(recs, uint64(j))
		}
	}
	out := []byte(indexMagic)
	out = binary.AppendUvarint(out, uint64(d.NumTokens()))
	out = binary.AppendUvarint(out, uint64(len(words)+len(prefixes)))
	out = binary.LittleEndian.AppendUint64(out, math.Float64bits(d.TotalFreq()))
	out = binary.AppendUvarint(out, uint64(len(posNames)))
	for _, p := range posNames {
		out = binary.AppendUvarint(out, uint64(len(p)))
		out = append(out, p...)
	}
	return append(out, recs...), nil
}

func known(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// TestIndexUpToDate regenerates the index from the gse in go.mod: it must
// give the same bytes as the embedded one (go generate rewrites it).
func TestIndexUpToDate(t *testing.T) {
	t.Parallel() // loads gse (seconds under -race): beside the other tests that do
	seg, err := gse.NewEmbed("zh_s")
	if err != nil {
		t.Fatal(err)
	}
	b, err := encodeIndex(seg.Dict)
	if err != nil {
		t.Fatal(err)
	}
	if *writeIndex {
		if err := os.WriteFile("dict_zh_s.idx", b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote dict_zh_s.idx: %d tokens, %d bytes", seg.Dict.NumTokens(), len(b))
		return
	}
	if !bytes.Equal(b, []byte(baseIndex)) {
		t.Fatalf("dict_zh_s.idx (%d bytes) is not what gse's dictionary gives (%d bytes): run go generate ./analyze/segment/", len(baseIndex), len(b))
	}
}

func TestIndexDamagedIsAnError(t *testing.T) {
	for _, idx := range []string{"", "not an index", baseIndex[:len(baseIndex)/2], baseIndex + "x"} {
		if _, _, _, err := indexDAG(idx, nil); err == nil {
			t.Errorf("index of %d bytes accepted", len(idx))
		}
	}
}

var (
	slowOnce sync.Once
	slowSeg  *Segmenter
	slowErr  error
)

// slow is the segmenter loaded from gse's text, as before the index.
func slow(t *testing.T) *Segmenter {
	t.Helper()
	slowOnce.Do(func() { slowSeg, slowErr = newSegmenter(Config{}, nil, true) })
	if slowErr != nil {
		t.Fatal(slowErr)
	}
	return slowSeg
}

// TestIndexEqualsGse loads the segmenter from the index and from gse's text,
// with and without a user dictionary, and wants the same prefix table,
// parts of speech and word count, and the same cut (words and their part of
// speech classes), tokens and entities on a corpus of some 200 sentences.
func TestIndexEqualsGse(t *testing.T) {
	t.Parallel() // loads gse (seconds under -race): beside the other tests that do
	b, err := os.ReadFile(filepath.Join("testdata", "equivalence.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			texts = append(texts, line)
		}
	}
	if len(texts) < 200 {
		t.Fatalf("corpus of %d sentences", len(texts))
	}
	user := filepath.Join("testdata", "userdict.txt")
	for _, tc := range []struct {
		name       string
		fast, slow func() (*Segmenter, error)
	}{
		{"embedded", func() (*Segmenter, error) { return New(Config{}, nil) }, func() (*Segmenter, error) { return slow(t), nil }},
		{"user dictionary", func() (*Segmenter, error) { return New(Config{UserDicts: []string{user}}, nil) },
			func() (*Segmenter, error) { return newSegmenter(Config{UserDicts: []string{user}}, nil, true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := tc.fast()
			if err != nil {
				t.Fatal(err)
			}
			ss, err := tc.slow()
			if err != nil {
				t.Fatal(err)
			}
			f, s := fs.cur.Load(), ss.cur.Load()
			if f.nwords != s.nwords || f.dag.logT != s.dag.logT {
				t.Errorf("words %d, log total %v; gse %d, %v", f.nwords, f.dag.logT, s.nwords, s.dag.logT)
			}
			if !maps.Equal(f.dag.m, s.dag.m) {
				t.Errorf("prefix table of %d entries, gse's %d, differ", len(f.dag.m), len(s.dag.m))
			}
			if !maps.Equal(f.pos, s.pos) {
				t.Errorf("parts of speech of %d words, gse's %d, differ", len(f.pos), len(s.pos))
			}
			var fb, sb dagBuf
			for _, text := range texts {
				folded := hanzi.Fold(text)
				fw, _ := f.dag.cut(folded, &fb, nil)
				sw, _ := s.dag.cut(folded, &sb, nil)
				if !slices.Equal(fw, sw) {
					t.Errorf("cut of %q:\nindex %q\ngse   %q", text, fw, sw)
				}
				for _, w := range fw {
					if f.pos[w] != s.pos[w] {
						t.Errorf("%q in %q: part of speech %v, gse %v", w, text, f.pos[w], s.pos[w])
					}
				}
				ft, fe := fs.TokensEntities(text)
				st, se := ss.TokensEntities(text)
				if !slices.Equal(ft, st) || !slices.Equal(fe, se) {
					t.Errorf("%q:\nindex %q %v\ngse   %q %v", text, ft, fe, st, se)
				}
			}
		})
	}
}

// TestUserDictionaryOnIndex: the user words are in the index-built table
// and cut as words, and reload as before (TestUserDictionaryReloadWithoutRestart).
func TestUserDictionaryOnIndex(t *testing.T) {
	s, err := New(Config{UserDicts: []string{filepath.Join("testdata", "userdict.txt")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	toks, ents := s.TokensEntities("翠湖新区管委会通报：ABC科技有限公司的雪糕刺客事件已处理")
	for _, w := range []string{"翠湖新区管委会", "abc科技有限公司", "雪糕刺客"} {
		if !slices.Contains(toks, w) {
			t.Errorf("tokens %q lack %s", toks, w)
		}
	}
	if !slices.Contains(ents, Entity{Text: "翠湖新区管委会", Kind: KindOrg}) {
		t.Errorf("entities %v lack the user dictionary's organisation", ents)
	}
	if st := s.cur.Load(); st.nwords <= slow(t).cur.Load().nwords {
		t.Errorf("%d words with the user dictionary, no more than without", st.nwords)
	}
}

// BenchmarkNew is the time to load a segmenter, from gse's text as before
// (gse-text) and from the prebuilt index (index), with no user dictionary.
func BenchmarkNew(b *testing.B) {
	idfTable() // once per process either way
	for _, bc := range []struct {
		name string
		slow bool
	}{{"gse-text", true}, {"index", false}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := newSegmenter(Config{}, nil, bc.slow); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
