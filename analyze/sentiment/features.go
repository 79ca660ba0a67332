package sentiment

import (
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
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
	runes []rune
	idx   []uint32
	hits  []Hit
}

var featPool = sync.Pool{New: func() any {
	return &featBuf{runes: make([]rune, 0, 256), idx: make([]uint32, 0, 1024)}
}}

// modelRunes turns text into the rune sequence the n-grams are taken from:
// normalized, URLs and whitespace dropped, digits folded to '0'.
func modelRunes(dst []rune, text string) []rune {
	s := normalize(text)
	for i := 0; i < len(s); {
		if s[i] == 'h' && (strings.HasPrefix(s[i:], "http://") || strings.HasPrefix(s[i:], "https://")) {
			for i < len(s) && s[i] < 0x80 && s[i] > ' ' {
				i++
			}
			continue
		}
		r := rune(s[i])
		w := 1
		if r >= 0x80 {
			r, w = utf8.DecodeRuneInString(s[i:])
		}
		i += w
		switch {
		case unicode.IsSpace(r):
			continue
		case r >= '0' && r <= '9':
			r = '0'
		}
		dst = append(dst, r)
	}
	return dst
}

// features appends the sorted, de-duplicated feature indices of a text.
func (f *featureSpec) features(b *featBuf, lex *Lexicon, text string, tokens []string) []uint32 {
	shift := uint(64 - f.Bits)
	idx := b.idx[:0]
	b.runes = modelRunes(b.runes[:0], text)
	rs := b.runes
	for n := max(f.CharNMin, 1); n <= f.CharNMax; n++ {
		seed := uint64(fnvOffset64) ^ saltChar ^ uint64(n)*0x9e3779b97f4a7c15
		for i := 0; i+n <= len(rs); i++ {
			h := seed
			for _, r := range rs[i : i+n] {
				h ^= uint64(r)
				h *= fnvPrime64
			}
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
	if f.Lexicon && lex != nil {
		b.hits = b.hits[:0]
		s := lex.scan(text, &b.hits)
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
	slices.Sort(idx)
	idx = slices.Compact(idx)
	b.idx = idx
	return idx
}
