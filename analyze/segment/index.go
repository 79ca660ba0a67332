package segment

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/go-ego/gse"
)

// The base dictionary is gse's embedded Simplified Chinese dictionary
// (zh_s) as gse loads it, prebuilt into dict_zh_s.idx so that New need not
// parse 5 MB of text, build gse's double-array trie and pre-cut every word
// (CalcToken), which took 2.5–8 s at every start. indexDAG reads it straight
// into the prefix table of the cut.
//
// The index is generated from gse itself (TestIndexUpToDate fails when it
// differs from what the gse in go.mod loads; regenerate with go generate):
//
//go:generate go test -run ^TestIndexUpToDate$ -write-index
//go:embed dict_zh_s.idx
var baseIndex string

// Index format, all integers unsigned varints unless said otherwise:
//
//	magic      indexMagic
//	tokens     gse's Dictionary.NumTokens
//	entries    words and prefixes in the prefix table (to size the map)
//	total      gse's Dictionary.TotalFreq: 8 bytes, float64 bits, little endian
//	npos, npos × (length, bytes)   the parts of speech
//	tokens × record, in gse's order:
//	  length, bytes                the token's text (gse's key: ASCII lower-cased)
//	  freq<<1 when a whole number below 2^52, else 1 and 8 bytes of float64 bits
//	  1 byte                       part of speech, an index into the list above
//	  n, n × length                the text's prefixes (at rune boundaries) that
//	                               are no word and no earlier text's prefix
const indexMagic = "yuqing gse zh_s index 1\n"

// indexDAG builds what newDAGIndex and buildPOS build from gse's dictionary
// loaded from text with the words added by AddToken (the same table, parts
// of speech and word count), from the index and the words, without gse.
func indexDAG(idx string, words []dictWord) (*dagIndex, map[string]posClass, int, error) {
	r := indexReader{s: idx}
	if !strings.HasPrefix(idx, indexMagic) {
		return nil, nil, 0, errors.New("segment: the prebuilt dictionary index is not in a known format")
	}
	r.i = len(indexMagic)
	ntok := r.uvarint()
	nent := r.uvarint()
	total := math.Float64frombits(r.uint64())
	var posOf []posClass
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		switch r.str() {
		case "ns":
			posOf = append(posOf, posPlace)
		case "nt":
			posOf = append(posOf, posOrg)
		default:
			posOf = append(posOf, posOther)
		}
	}
	if r.err != nil || ntok > len(r.s) || nent > len(r.s) {
		return nil, nil, 0, fmt.Errorf("segment: the prebuilt dictionary index is damaged: header")
	}
	m := make(map[string]dagEntry, nent+2*len(words))
	pos := make(map[string]posClass, 32768)
	for range ntok {
		w := r.str()
		f := r.freq()
		p := r.byte()
		if int(p) >= len(posOf) {
			r.fail()
		}
		if r.err != nil {
			break
		}
		if cls := posOf[p]; cls != posOther && !(cls == posPlace && notPlace[w]) {
			pos[w] = cls
		}
		for n := r.uvarint(); n > 0 && r.err == nil; n-- {
			if j := r.uvarint(); j > 0 && j < len(w) {
				m[w[:j]] = dagEntry{logf: negInf}
			} else {
				r.fail()
			}
		}
		if w != "" {
			m[w] = dagEntry{logf: math.Log(f), word: true}
		}
	}
	if r.err != nil || r.i != len(r.s) {
		return nil, nil, 0, fmt.Errorf("segment: the prebuilt dictionary index is damaged at byte %d", r.i)
	}

	// The words, as gse's AddToken adds them: under gse's key, unless the
	// key is a word already; each adds to the total frequency.
	n := ntok
	var cut gse.Segmenter // as NewEmbed("zh_s") splits text
	for _, dw := range words {
		w := gse.Join(cut.SplitTextToWords([]byte(dw.text)))
		if e, ok := m[w]; ok && e.word {
			continue
		}
		for j := range w {
			if _, ok := m[w[:j]]; j > 0 && !ok {
				m[w[:j]] = dagEntry{logf: negInf}
			}
		}
		if w != "" {
			m[w] = dagEntry{logf: math.Log(dw.freq), word: true}
		}
		switch dw.pos {
		case "ns":
			pos[w] = posPlace
		case "nt":
			pos[w] = posOrg
		}
		total += dw.freq
		n++
	}
	for w := range placeSuffix {
		pos[w] |= sufPlace
	}
	for w := range orgSuffix {
		pos[w] |= sufOrg
	}
	return &dagIndex{m: m, logT: math.Log(total)}, pos, n, nil
}

// indexReader reads the index; after the first error it reads zeros.
type indexReader struct {
	s   string
	i   int
	err error
}

func (r *indexReader) fail() {
	if r.err == nil {
		r.err = errors.New("damaged")
	}
	r.i = len(r.s)
}

// uvarint reads a count or a length.
func (r *indexReader) uvarint() int {
	x := r.uvarint64()
	if x > math.MaxInt32 {
		r.fail()
		return 0
	}
	return int(x)
}

func (r *indexReader) uvarint64() uint64 {
	var x uint64
	for shift := 0; r.i < len(r.s) && shift < 64; shift += 7 {
		b := r.s[r.i]
		r.i++
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return x
		}
	}
	r.fail()
	return 0
}

func (r *indexReader) uint64() uint64 {
	if len(r.s)-r.i < 8 {
		r.fail()
		return 0
	}
	x := binary.LittleEndian.Uint64([]byte(r.s[r.i : r.i+8]))
	r.i += 8
	return x
}

func (r *indexReader) byte() byte {
	if r.i >= len(r.s) {
		r.fail()
		return 0
	}
	r.i++
	return r.s[r.i-1]
}

// str returns a string of the index itself, without a copy.
func (r *indexReader) str() string {
	n := r.uvarint()
	if len(r.s)-r.i < n {
		r.fail()
		return ""
	}
	r.i += n
	return r.s[r.i-n : r.i]
}

func (r *indexReader) freq() float64 {
	x := r.uvarint64()
	if x&1 == 0 {
		return float64(x >> 1)
	}
	return math.Float64frombits(r.uint64())
}
