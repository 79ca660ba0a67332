package sentiment

import (
	"math"
	"sync"
	"unicode"

	"yuqing/internal/hanzi"
)

// featureSpec says which hashed features a model uses. It is saved in the
// model header; changing how any feature is hashed needs a new HashVersion.
type featureSpec struct {
	HashVersion int  `json:"hash_version"`
	Bits        int  `json:"bits"`         // 2^Bits hash buckets
	CharNMin    int  `json:"char_n_min"`   // character n-grams from CharNMin..CharNMax
	CharNMax    int  `json:"char_n_max"`   //
	Words       bool `json:"words"`        // segmenter tokens
	WordBigrams bool `json:"word_bigrams"` // adjacent token pairs
	Lexicon     bool `json:"lexicon"`      // lexicon hits and score bucket
}

const hashVersion = 1

const (
	saltChar    = 0x51a7c3e9d2b4f607
	saltWord    = 0x2f8b1d4c6e9a0357
	saltBigram  = 0x7c3e5a1b9d2f4068
	saltLexHit  = 0x4d9f2b6a8c1e3570
	saltLexBin  = 0x1b6e8d3f5a7c9042
	fnvPrime64  = 0x100000001b3
	fnvOffset64 = 0xcbf29ce484222325
)

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func hashString(salt uint64, s string) uint64 {
	h := uint64(fnvOffset64) ^ salt
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

type featBuf struct {
	text  []rune // folded text (foldText)
	runes []rune // what the n-grams are taken from (modelRunes)
	idx   []uint32
	set   []uint32 // de-duplication table
	hits  []Hit
	bin   int64 // the lexicon score bucket's index, -1 if none
}

var featPool = sync.Pool{New: func() any {
	return &featBuf{text: make([]rune, 0, 256), runes: make([]rune, 0, 256), idx: make([]uint32, 0, 1024)}
}}

// modelRunes appends what the n-grams are taken from: the folded text with
// URLs and whitespace dropped and digits folded to '0'.
func modelRunes(dst, text []rune) []rune {
	for i := 0; i < len(text); i++ {
		r := text[i]
		switch {
		case r == 'h' && (hanzi.HasPrefix(text[i:], "http://") || hanzi.HasPrefix(text[i:], "https://")):
			for i+1 < len(text) && text[i+1] < 0x80 && text[i+1] > ' ' {
				i++
			}
			continue
		case r >= '0' && r <= '9':
			r = '0'
		case unicode.IsSpace(r):
			continue
		}
		dst = append(dst, r)
	}
	return dst
}

// features returns the distinct feature indices of a text in order of
// first occurrence; b.text holds the folded text afterwards and, when the
// spec has lexicon features, b.hits the lexicon hits.
// charGramHash is the hash of a character n-gram feature (n = len(g)).
func charGramHash(g []rune) uint64 {
	h := uint64(fnvOffset64) ^ saltChar ^ uint64(len(g))*0x9e3779b97f4a7c15
	for _, r := range g {
		h ^= uint64(r)
		h *= fnvPrime64
	}
	return h
}

func (f *featureSpec) features(b *featBuf, lex *Lexicon, text string, tokens []string) []uint32 {
	shift := uint(64 - f.Bits)
	idx := b.idx[:0]
	b.text = foldText(b.text[:0], text)
	b.runes = modelRunes(b.runes[:0], b.text)
	rs := b.runes
	for n := max(f.CharNMin, 1); n <= f.CharNMax; n++ {
		for i := 0; i+n <= len(rs); i++ {
			h := charGramHash(rs[i : i+n])
			idx = append(idx, uint32(mix(h)>>shift))
		}
	}
	if f.Words || f.WordBigrams {
		var prev uint64
		for i, t := range tokens {
			h := hashString(saltWord, t)
			if f.Words {
				idx = append(idx, uint32(mix(h)>>shift))
			}
			if f.WordBigrams && i > 0 {
				idx = append(idx, uint32(mix(prev*31^h^saltBigram)>>shift))
			}
			prev = h
		}
	}
	b.hits = b.hits[:0]
	if f.Lexicon && lex != nil {
		s := lex.scanRunes(b.text, &b.hits)
		for _, h := range b.hits {
			k := hashString(saltLexHit, h.Word)
			if h.Weight < 0 {
				k = ^k
			}
			idx = append(idx, uint32(mix(k)>>shift))
		}
		bin := int(math.Round(s * 4)) // -4..4
		idx = append(idx, uint32(mix(saltLexBin+uint64(bin+8))>>shift))
	}
	b.idx, b.set = dedupe(idx, b.set)
	// The score bucket is last unless it repeats an earlier index; it is
	// there for every text, so it is no evidence by itself.
	b.bin = -1
	if f.Lexicon && lex != nil && len(idx) > 0 {
		b.bin = int64(idx[len(idx)-1])
	}
	return b.idx
}

// dedupe drops repeated indices in place, keeping the first of each, with
// set as scratch space (returned for reuse).
func dedupe(idx, set []uint32) ([]uint32, []uint32) {
	size := 64
	for size < 2*len(idx) {
		size <<= 1
	}
	if cap(set) < size {
		set = make([]uint32, size)
	} else {
		set = set[:size]
		clear(set)
	}
	mask := uint32(size - 1)
	out := idx[:0]
	for _, x := range idx {
		k := x + 1 // 0 marks an empty slot; x < 2^26
		for h := (x * 0x9e3779b1) & mask; ; h = (h + 1) & mask {
			if set[h] == 0 {
				set[h] = k
				out = append(out, x)
				break
			}
			if set[h] == k {
				break
			}
		}
	}
	return out, set
}
