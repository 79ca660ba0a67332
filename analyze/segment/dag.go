package segment

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/go-ego/gse"
)

// dagIndex cuts text exactly as gse's Cut(text, false) (cutDAGNoHMM) does —
// the same dictionary, the same maximum-probability route, the same ties —
// in a fraction of the time: gse builds the word graph in maps and looks up
// every candidate word twice from the trie's root; this walks each start
// position once against a prefix table and runs the route in slices.
// Equality with gse is a test (TestFastCutEqualsGse).
type dagIndex struct {
	m    map[string]dagEntry // every word and every prefix of one (at rune boundaries)
	logT float64             // log of the dictionary's total frequency
}

type dagEntry struct {
	logf float64 // log(frequency) of a word; log(0) for a prefix that is no word
	word bool
}

var negInf = math.Inf(-1)

func newDAGIndex(d *gse.Dictionary) *dagIndex {
	m := make(map[string]dagEntry, 2*d.NumTokens())
	for i := range d.Tokens {
		w := d.Tokens[i].Text()
		if w == "" {
			continue
		}
		if e, ok := m[w]; ok && e.word {
			continue // the trie keeps the first token of a text
		}
		for j := range w {
			if j > 0 {
				if _, ok := m[w[:j]]; !ok {
					m[w[:j]] = dagEntry{logf: negInf}
				}
			}
		}
		m[w] = dagEntry{logf: math.Log(d.Tokens[i].Freq()), word: true}
	}
	return &dagIndex{m: m, logT: math.Log(d.TotalFreq())}
}

// dagBuf is reusable scratch space for one cut.
type dagBuf struct {
	words []string
	offs  []int
	score []float64
	end   []int
}

// cut appends the words of str to out. ok is false for text that is not
// valid UTF-8, which the caller hands to gse itself (gse replaces invalid
// bytes, which substrings cannot).
func (x *dagIndex) cut(str string, b *dagBuf, out []string) ([]string, bool) {
	if gse.ToLower {
		str = strings.ToLower(str)
	}
	if !utf8.ValidString(str) {
		return out, false
	}
	offs := b.offs[:0]
	for i := range str {
		offs = append(offs, i)
	}
	n := len(offs)
	offs = append(offs, len(str))
	score := append(b.score[:0], make([]float64, n+1)...)
	end := append(b.end[:0], make([]int, n+1)...)
	b.offs, b.score, b.end = offs, score, end

	// Right to left, as gse's calc: the best route from idx is a word
	// idx..i plus the best route from i+1; among equals the longer word.
	for idx := n - 1; idx >= 0; idx-- {
		have := false
		var best float64
		bestI := idx
		for i := idx; i < n; i++ {
			e, ok := x.m[str[offs[idx]:offs[i+1]]]
			if !ok {
				break
			}
			if !e.word || !(e.logf > negInf) { // gse's DAG takes words with a frequency above 0
				continue
			}
			f := e.logf - x.logT + score[i+1]
			if !have || best < f || (best == f && bestI < i) {
				best, bestI, have = f, i, true
			}
		}
		if !have {
			// No word starts here: the single character, scored as gse does
			// (log 1 when it is in no word, log 0 when it only begins some).
			f := math.Log(1.0) - x.logT + score[idx+1]
			if e, ok := x.m[str[offs[idx]:offs[idx+1]]]; ok {
				f = e.logf - x.logT + score[idx+1]
			}
			best, bestI = f, idx
		}
		score[idx], end[idx] = best, bestI
	}

	// Left to right along the route; runs of single ASCII letters and digits
	// are joined, as gse's cutDAGNoHMM does.
	bufStart := -1
	for at := 0; at < n; {
		y := end[at] + 1
		if y-at == 1 && isASCIIAlnum(str[offs[at]]) {
			if bufStart < 0 {
				bufStart = offs[at]
			}
			at = y
			continue
		}
		if bufStart >= 0 {
			out = append(out, str[bufStart:offs[at]])
			bufStart = -1
		}
		out = append(out, str[offs[at]:offs[y]])
		at = y
	}
	if bufStart >= 0 {
		out = append(out, str[bufStart:])
	}
	return out, true
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
