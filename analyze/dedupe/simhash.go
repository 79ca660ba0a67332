package dedupe

import (
	"math/bits"
	"time"
	"unicode"

	"yuqing/internal/hanzi"
)

// Shingle is the length, in runes, of the character n-grams SimHash sums.
const Shingle = 3

// Bands is how the 64-bit fingerprint is cut for lookup: 4 bands of 16 bits.
// Two fingerprints at Hamming distance ≤ 3 agree on at least one band
// (pigeonhole), so looking up the 4 bands finds every candidate within 3.
const Bands = 4

// GuaranteedDistance is the largest Hamming distance at which the band
// index finds every candidate.
const GuaranteedDistance = Bands - 1

// MaxDistance is the largest distance Config.MaxDistance may ask for.
// Beyond GuaranteedDistance only candidates that share a band with the
// query are seen, so recall there is partial (see the package tests).
const MaxDistance = 8

// Features returns the runes a fingerprint is computed over: the text
// folded (hanzi.Fold: Simplified, half-width, lower case) with URLs,
// @mentions (Weibo's "//@name:" repost markers included), emoji codes like
// [哈哈], punctuation, symbols, emoji and white space removed: letters and
// digits only, so punctuation edits and re-spacing change nothing.
// buf is reused if it has room.
func Features(text string, buf []rune) []rune {
	out := buf[:0]
	rs := make([]rune, 0, len(text)) // folded in one pass, no folded string
	for _, r := range text {
		rs = append(rs, hanzi.FoldRune(r))
	}
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case (r == 'h' && (hanzi.HasPrefix(rs[i:], "http://") || hanzi.HasPrefix(rs[i:], "https://"))) ||
			(r == 'w' && hanzi.HasPrefix(rs[i:], "www.")):
			for i < len(rs) && isURLRune(rs[i]) {
				i++
			}
			continue
		case r == '@':
			i++
			for n := 0; i < len(rs) && n < 20 && isNameRune(rs[i]); n++ {
				i++
			}
			continue
		case r == '[':
			if j := emojiEnd(rs, i); j > 0 {
				i = j
				continue
			}
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			out = append(out, r)
		}
		i++
	}
	return out
}

func isURLRune(r rune) bool { return r > ' ' && r < 0x7F && r != '"' && r != '<' && r != '>' }

func isNameRune(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// emojiEnd returns the index after an emoji code "[…]" starting at i (1 to
// 16 runes inside, no space or bracket), or 0.
func emojiEnd(rs []rune, i int) int {
	for j := i + 1; j < len(rs) && j <= i+17; j++ {
		switch r := rs[j]; {
		case r == ']':
			if j > i+1 {
				return j + 1
			}
			return 0
		case r == '[' || unicode.IsSpace(r):
			return 0
		}
	}
	return 0
}

// SimHash is Charikar's 64-bit SimHash over the Shingle-rune shingles of
// features, each shingle weighted once per occurrence and hashed with
// SplitMix64's finaliser. It returns 0 for fewer than Shingle runes.
func SimHash(features []rune) uint64 {
	n := len(features) - Shingle + 1
	if n <= 0 {
		return 0
	}
	var ones [64]int32
	for i := 0; i < n; i++ {
		// three runes of ≤ 21 bits each fit in 63 bits: no collisions before mixing
		x := uint64(features[i])<<42 | uint64(features[i+1])<<21 | uint64(features[i+2])
		f := mix(x)
		for b := 0; b < 64; b++ {
			ones[b] += int32(f >> b & 1)
		}
	}
	var h uint64
	for b := 0; b < 64; b++ {
		if 2*int(ones[b]) > n {
			h |= 1 << b
		}
	}
	return h
}

func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Distance is the Hamming distance between two fingerprints.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

func band(h uint64, b int) uint16 { return uint16(h >> (16 * b)) }

// nearGen is one generation of the near-duplicate index.
type nearGen struct {
	hash  []uint64
	first []string // ID of the first copy of each fingerprint's text
	bands [Bands]map[uint16][]int32
}

func newNearGen() *nearGen {
	g := &nearGen{}
	for b := range g.bands {
		g.bands[b] = make(map[uint16][]int32)
	}
	return g
}

func (g *nearGen) add(h uint64, first string) {
	i := int32(len(g.hash))
	g.hash = append(g.hash, h)
	g.first = append(g.first, first)
	for b := range g.bands {
		k := band(h, b)
		g.bands[b][k] = append(g.bands[b][k], i)
	}
}

// find returns the closest fingerprint within maxDist (the earliest added
// among equals) and its distance.
func (g *nearGen) find(h uint64, maxDist int) (idx, dist int) {
	idx, dist = -1, maxDist+1
	for b := range g.bands {
		for _, i := range g.bands[b][band(h, b)] {
			if d := Distance(h, g.hash[i]); d < dist || (d == dist && int(i) < idx) {
				idx, dist = int(i), d
			}
		}
	}
	return idx, dist
}

func (g *nearGen) size() int { return len(g.hash) }

func (g *nearGen) reset() {
	g.hash = g.hash[:0]
	g.first = g.first[:0]
	for b := range g.bands {
		clear(g.bands[b])
	}
}

// nearIndex holds fingerprints in two generations, rotated as Seen's keys
// are: at most Max fingerprints, each kept for at least Max/2 later
// additions and Window/2 of clock time.
type nearIndex struct {
	generations[*nearGen]
}

func newNearIndex(max int, window time.Duration) *nearIndex {
	return &nearIndex{newGenerations(max, window, newNearGen(), newNearGen())}
}

func (x *nearIndex) add(h uint64, first string) {
	x.makeRoom()
	x.cur.add(h, first)
}

// find looks in the previous generation, then the current one, and keeps
// the closest match (the older one among equals). A match found only in the
// previous generation is copied into the current one, so a story that keeps
// being copied stays findable.
func (x *nearIndex) find(h uint64, maxDist int) (first string, dist int, ok bool) {
	pi, pd := x.prev.find(h, maxDist)
	ci, cd := x.cur.find(h, maxDist)
	switch {
	case pi >= 0 && (ci < 0 || pd <= cd):
		first = x.prev.first[pi]
		if ci < 0 {
			x.add(x.prev.hash[pi], first)
		}
		return first, pd, true
	case ci >= 0:
		return x.cur.first[ci], cd, true
	}
	return "", 0, false
}

// postings counts band index entries (4 per fingerprint) and band keys.
func (x *nearIndex) postings() (entries, keys int) {
	for _, g := range []*nearGen{x.cur, x.prev} {
		for b := range g.bands {
			keys += len(g.bands[b])
			for _, l := range g.bands[b] {
				entries += len(l)
			}
		}
	}
	return entries, keys
}
