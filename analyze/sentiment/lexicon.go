package sentiment

import (
	"yuqing/internal/hanzi"

	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math"
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

	entries map[string]entry
	lens    map[rune]uint64 // first rune -> bit set of entry lengths in runes
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
	l := &Lexicon{Threshold: 0.2, Window: 3, entries: map[string]entry{}, lens: map[rune]uint64{}}
	where := map[string]string{}
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
			w := normalize(fields[0])
			if w == "" || len(fields) > 2 || (f.arg && len(fields) != 2) {
				return nil, fmt.Errorf("%s: want \"word%s\"", pos, map[bool]string{true: " weight", false: " [weight]"}[f.arg])
			}
			if utf8.RuneCountInString(w) > 63 {
				return nil, fmt.Errorf("%s: entry longer than 63 characters", pos)
			}
			e := entry{kind: f.kind, w: 1}
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
			l.entries[w] = e
			r, _ := utf8.DecodeRuneInString(w)
			l.lens[r] |= 1 << utf8.RuneCountInString(w)
		}
	}
	l.digest = hex.EncodeToString(h.Sum(nil)[:8])
	return l, nil
}

// Len is the number of entries.
func (l *Lexicon) Len() int { return len(l.entries) }

// Digest identifies the word lists (a short hash of the files).
func (l *Lexicon) Digest() string { return l.digest }

// Hit is one lexicon match that contributed to a score.
type Hit struct {
	Word    string  `json:"word"`
	Weight  float64 `json:"weight"` // contribution before clause weighting
	Negated bool    `json:"negated,omitempty"`
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

var offPool = sync.Pool{New: func() any { b := make([]int, 0, 256); return &b }}

// scan returns the score in [-1, 1].
func (l *Lexicon) scan(text string, hits *[]Hit) float64 {
	s := normalize(text)
	bp := offPool.Get().(*[]int)
	off := (*bp)[:0]
	for i := range s {
		off = append(off, i)
	}
	n := len(off)
	off = append(off, len(s))
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
		r, _ := utf8.DecodeRuneInString(s[off[i]:])
		if isBoundary(r) {
			endClause(r)
			i++
			continue
		}
		mask := l.lens[r]
		L := 0
		var e entry
		if mask != 0 {
			for k := min(63, n-i); k >= 1; k-- {
				if mask&(1<<k) == 0 {
					continue
				}
				got, ok := l.entries[s[off[i]:off[i+k]]]
				if !ok {
					continue
				}
				// Latin entries match whole words only: sb is not in usb.
				if isAlnum(s[off[i]]) && i > 0 && isAlnum(s[off[i-1]]) ||
					isAlnum(s[off[i+k]-1]) && i+k < n && isAlnum(s[off[i+k]]) {
					continue
				}
				L, e = k, got
				break
			}
		}
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
				*hits = append(*hits, Hit{Word: s[off[i]:off[i+L]], Weight: e.w})
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
				*hits = append(*hits, Hit{Word: s[off[i]:off[i+L]], Weight: v, Negated: negated})
			}
			reset()
		}
		i += L
	}
	endClause(0)
	*bp = off
	offPool.Put(bp)
	return math.Tanh(total / 2)
}

// normalize folds full-width ASCII to half-width, upper-case ASCII to lower
// case, the ideographic space to a space, and drops zero-width characters
// and emoji variation selectors.
func normalize(s string) string {
	s = hanzi.Simplify(s) // entries are Simplified; Traditional posts must match them too
	clean := true
	for _, r := range s {
		if r >= 'A' && r <= 'Z' || r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 || dropRune(r) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case dropRune(r):
			continue
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

func dropRune(r rune) bool {
	return r >= 0x200B && r <= 0x200F || r == 0x2060 || r == 0xFEFF || r == 0xFE0F || r == 0xFE0E
}
