package sentiment

import (
	"yuqing/internal/hanzi"

	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed lexicon/*.txt
var embeddedLexicon embed.FS

type kind uint8

const (
	kSentiment kind = iota + 1
	kEmoji          // sentiment, but never negated or scaled
	kNegator
	kDegree
	kContrast
	kNeutral
)

type entry struct {
	kind kind
	w    float64 // signed weight for sentiment, factor for degree
	word string  // the folded entry
}

// Lexicon scores text with hand-written word lists: sentiment words, emoji
// codes, negators that flip the next sentiment word, degree words that
// scale it, and contrast words (但是) after which earlier text counts half.
// It works on the raw text (the segmenter drops 不, 很, 无 as stop words)
// with a longest-match scan. Safe for concurrent use; do not change the
// fields while scoring.
type Lexicon struct {
	// Threshold: |score| below it is neutral. Default 0.2.
	Threshold float64
	// Window is how many runes may separate a negator or degree word from
	// the sentiment word it modifies ("没有任何污染": 2). Default 3.
	Window int

	entries map[uint64]entry  // runeHash of the folded entry -> entry
	lens    map[rune]uint64   // first rune -> bit set of entry lengths in runes
	starts  [1 << 10]uint64   // bit set of the first runes below 0x10000
	words   map[string]string // folded entry -> where it is listed
	digest  string
}

var lexiconFiles = []struct {
	name string
	kind kind
	sign float64
	arg  bool // second column required
}{
	{"positive.txt", kSentiment, +1, false},
	{"negative.txt", kSentiment, -1, false},
	{"emoji.txt", kEmoji, +1, true},
	{"negators.txt", kNegator, 0, false},
	{"degree.txt", kDegree, 0, true},
	{"contrast.txt", kContrast, 0, false},
	{"neutral.txt", kNeutral, 0, false},
}

var (
	defaultOnce sync.Once
	defaultLex  *Lexicon
)

// Default returns the lexicon scorer built from the embedded word lists.
func Default() *Lexicon {
	defaultOnce.Do(func() {
		sub, err := fs.Sub(embeddedLexicon, "lexicon")
		if err == nil {
			defaultLex, err = LoadLexicon(sub)
		}
		if err != nil {
			panic("sentiment: embedded lexicon: " + err.Error()) // caught by tests
		}
	})
	return defaultLex
}

// LoadLexicon reads the lexicon files (positive.txt, negative.txt,
// emoji.txt, negators.txt, degree.txt, contrast.txt, neutral.txt; see
// lexicon/README.txt) from fsys, e.g. os.DirFS(dir) for a local edit of the
// embedded lists. A word listed twice is an error.
func LoadLexicon(fsys fs.FS) (*Lexicon, error) {
	l := &Lexicon{Threshold: 0.2, Window: 3, entries: map[uint64]entry{}, lens: map[rune]uint64{}, words: map[string]string{}}
	where := l.words
	h := sha256.New()
	for _, f := range lexiconFiles {
		data, err := fs.ReadFile(fsys, f.name)
		if err != nil {
			return nil, err
		}
		h.Write([]byte(f.name))
		h.Write(data)
		for n, line := range strings.Split(string(data), "\n") {
			line, _, _ = strings.Cut(line, "#")
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			pos := fmt.Sprintf("%s:%d", f.name, n+1)
			w := string(foldText(nil, fields[0]))
			if w == "" || len(fields) > 2 || (f.arg && len(fields) != 2) {
				return nil, fmt.Errorf("%s: want \"word%s\"", pos, map[bool]string{true: " weight", false: " [weight]"}[f.arg])
			}
			if utf8.RuneCountInString(w) > 63 {
				return nil, fmt.Errorf("%s: entry longer than 63 characters", pos)
			}
			e := entry{kind: f.kind, w: 1, word: w}
			if len(fields) == 2 {
				v, err := strconv.ParseFloat(fields[1], 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("%s: bad weight %q", pos, fields[1])
				}
				e.w = v
			}
			if f.kind == kSentiment {
				if e.w <= 0 {
					return nil, fmt.Errorf("%s: weight must be positive (the file gives the sign)", pos)
				}
				e.w *= f.sign
			}
			if prev, dup := where[w]; dup {
				return nil, fmt.Errorf("%s: %q already listed at %s", pos, w, prev)
			}
			where[w] = pos
			k := runeHash([]rune(w))
			if other, ok := l.entries[k]; ok {
				return nil, fmt.Errorf("%s: %q has the hash of %q (%s); change one", pos, w, other.word, where[other.word])
			}
			l.entries[k] = e
			r, _ := utf8.DecodeRuneInString(w)
			l.lens[r] |= 1 << utf8.RuneCountInString(w)
			if r < 0x10000 {
				l.starts[r>>6] |= 1 << (r & 63)
			}
		}
	}
	l.digest = hex.EncodeToString(h.Sum(nil)[:8])
	return l, nil
}

// Len is the number of entries.
func (l *Lexicon) Len() int { return len(l.words) }

// Digest identifies the word lists (a short hash of the files).
func (l *Lexicon) Digest() string { return l.digest }

// Hit is one lexicon match that contributed to a score.
type Hit struct {
	Word    string  `json:"word"`
	Weight  float64 `json:"weight"` // contribution before clause weighting
	Negated bool    `json:"negated,omitempty"`
	// From is "model" for a feature of a trained model (Model.Explain),
	// whose Weight is its contribution to the log-odds; empty for a
	// lexicon word.
	From string `json:"from,omitempty"`
}

// Score implements Scorer; tokens are ignored.
func (l *Lexicon) Score(text string, _ []string) Result {
	s := l.scan(text, nil)
	return Result{Label: labelFor(s, l.Threshold), Score: s}
}

// Explain returns the score and the words behind it, for display.
func (l *Lexicon) Explain(text string) (Result, []Hit) {
	var hits []Hit
	s := l.scan(text, &hits)
	return Result{Label: labelFor(s, l.Threshold), Score: s}, hits
}

func isBoundary(r rune) bool {
	switch r {
	case ',', '.', '!', '?', ';', ':', '\n', '\r', '\t', ' ', '~',
		'，', '。', '、', '；', '：', '…', '　', '\u201c', '\u201d', '"':
		return true
	}
	return false
}

var runePool = sync.Pool{New: func() any { b := make([]rune, 0, 256); return &b }}

// scan returns the score in [-1, 1].
func (l *Lexicon) scan(text string, hits *[]Hit) float64 {
	bp := runePool.Get().(*[]rune)
	rs := foldText((*bp)[:0], text)
	s := l.scanRunes(rs, hits)
	*bp = rs
	runePool.Put(bp)
	return s
}

// runeHash is FNV-1a over runes, the key of the entries.
func runeHash(rs []rune) uint64 {
	h := uint64(fnvOffset64)
	for _, r := range rs {
		h ^= uint64(r)
		h *= fnvPrime64
	}
	return h
}

// match returns the longest entry starting at rs[i] (length 0 if none).
func (l *Lexicon) match(rs []rune, i int) (int, entry) {
	r := rs[i]
	if r < 0x10000 && l.starts[r>>6]&(1<<(r&63)) == 0 {
		return 0, entry{}
	}
	mask := l.lens[r]
	if mask == 0 {
		return 0, entry{}
	}
	n := len(rs)
	maxk := min(bits.Len64(mask)-1, n-i)
	var hs [64]uint64
	h := uint64(fnvOffset64)
	for k := 1; k <= maxk; k++ {
		h ^= uint64(rs[i+k-1])
		h *= fnvPrime64
		hs[k] = h
	}
	for k := maxk; k >= 1; k-- {
		if mask&(1<<k) == 0 {
			continue
		}
		e, ok := l.entries[hs[k]]
		if !ok || !sameRunes(e.word, rs[i:i+k]) {
			continue
		}
		// Latin entries match whole words only: sb is not in usb.
		if isAlnum(rs[i]) && i > 0 && isAlnum(rs[i-1]) ||
			isAlnum(rs[i+k-1]) && i+k < n && isAlnum(rs[i+k]) {
			continue
		}
		return k, e
	}
	return 0, entry{}
}

func sameRunes(s string, rs []rune) bool {
	i := 0
	for _, r := range s {
		if i == len(rs) || rs[i] != r {
			return false
		}
		i++
	}
	return i == len(rs)
}

// scanRunes scores folded text (see foldText).
func (l *Lexicon) scanRunes(rs []rune, hits *[]Hit) float64 {
	n := len(rs)
	window := l.Window
	var (
		total, clause float64
		active        bool // a negator or degree word is pending
		negs          int
		deg           float64
		degAfterNeg   bool
		modEnd        int // rune index after the last modifier
	)
	reset := func() { active, negs, deg, degAfterNeg = false, 0, 1, false }
	reset()
	endClause := func(r rune) {
		if r == '!' {
			clause *= 1.3
		}
		total += clause
		clause = 0
		reset()
	}
	for i := 0; i < n; {
		r := rs[i]
		if isBoundary(r) {
			endClause(r)
			i++
			continue
		}
		L, e := l.match(rs, i)
		if L == 0 {
			i++
			continue
		}
		if active && i-modEnd > window {
			reset()
		}
		switch e.kind {
		case kNegator:
			active = true
			negs++
			modEnd = i + L
		case kDegree:
			active = true
			if negs > 0 {
				degAfterNeg = true
			}
			deg *= e.w
			modEnd = i + L
		case kContrast:
			total *= 0.5
			clause *= 0.5
			reset()
		case kEmoji:
			clause += e.w
			if hits != nil {
				*hits = append(*hits, Hit{Word: e.word, Weight: e.w})
			}
		case kSentiment:
			v := e.w
			negated := active && negs%2 == 1
			switch {
			case !active:
			case !negated:
				v *= deg
			case degAfterNeg && deg > 1: // 不太满意, 不是很差: weak opposite
				v *= -0.5
			case v < 0: // 没有污染: not negative, only mildly positive
				v *= -0.5 * deg
			default: // 不满意, 太不负责
				v *= -deg
			}
			clause += v
			if hits != nil {
				*hits = append(*hits, Hit{Word: e.word, Weight: v, Negated: negated})
			}
			reset()
		}
		i += L
	}
	endClause(0)
	return math.Tanh(total / 2)
}

// foldText appends the runes of text folded for matching: Traditional
// characters to Simplified, full-width ASCII to half-width, the
// ideographic space to a space, letters to lower case; zero-width
// characters and emoji variation selectors are dropped.
func foldText(dst []rune, text string) []rune {
	for i := 0; i < len(text); {
		c := text[i]
		if c < 0x80 {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, rune(c))
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(text[i:])
		i += w
		if dropRune(r) {
			continue
		}
		dst = append(dst, hanzi.FoldRune(r))
	}
	return dst
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
}

func dropRune(r rune) bool {
	return r >= 0x200B && r <= 0x200F || r == 0x2060 || r == 0xFEFF || r == 0xFE0F || r == 0xFE0E
}
