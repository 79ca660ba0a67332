package sentiment

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"unicode"
)

// TrainOptions tunes Train. The zero value gives the defaults.
type TrainOptions struct {
	Bits         int     // hash buckets 2^Bits; default 20
	CharNMax     int     // longest character n-gram; default 2, -1 for none
	NoWords      bool    // skip token features even when examples have tokens
	WordBigrams  bool    // add adjacent token pairs
	NoLexicon    bool    // skip the lexicon-hit features
	Epochs       int     // passes over the data; default 8
	LearningRate float64 // AdaGrad step; default 0.1
	L2           float64 // L2 penalty per update; default 1e-6 (negative: none)
	Seed         uint64  // shuffling seed; default 1
	// NB is the smoothing of the naive-Bayes log-count ratios that scale
	// the features (as in NBSVM, Wang & Manning 2012), computed from the
	// pos and neg examples; default 1, negative turns the scaling off.
	NB float64
	// MaxFeatures keeps only the hash buckets whose weights differ most
	// between the classes, to make the model file smaller; 0 keeps all.
	MaxFeatures int
	// Runs is how many trainings, on differently shuffled orders (seeds
	// Seed, Seed+1, …), are averaged into the model; default 1.
	Runs int
}

func (o TrainOptions) withDefaults() TrainOptions {
	if o.Bits == 0 {
		o.Bits = 20
	}
	if o.CharNMax == 0 {
		o.CharNMax = 2
	}
	if o.Epochs == 0 {
		o.Epochs = 8
	}
	if o.LearningRate == 0 {
		o.LearningRate = 0.1
	}
	switch {
	case o.L2 == 0:
		o.L2 = 1e-6
	case o.L2 < 0:
		o.L2 = 0
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.NB == 0 {
		o.NB = 1
	}
	if o.Runs <= 0 {
		o.Runs = 1
	}
	return o
}

// Model is a linear classifier (multinomial logistic regression) over hashed
// character n-grams, segmenter tokens and lexicon hits. Safe for concurrent
// use.
type Model struct {
	// NeutralBand: a model trained without neutral examples labels a text
	// neutral when |score| < NeutralBand. Default 0 (never neutral).
	NeutralBand float64

	hdr  modelHeader
	cls  []Label   // class order of the weights
	w    []float32 // 2^Bits rows of len(cls) weights
	bias []float32
	lex  *Lexicon
	pos  int // index of Pos in cls, -1 if absent
	neg  int
	// diff is, for a model of two classes, the second class's weight minus
	// the first's in each bucket: scoring then reads one number a feature.
	diff []float32
}

type modelHeader struct {
	Features  featureSpec `json:"features"`
	Classes   []Label     `json:"classes"`
	LexDigest string      `json:"lexicon_digest,omitempty"`
	Examples  int         `json:"examples"`
	Options   struct {
		Epochs       int     `json:"epochs"`
		LearningRate float64 `json:"learning_rate"`
		L2           float64 `json:"l2"`
		NB           float64 `json:"nb"`
		Seed         uint64  `json:"seed"`
	} `json:"options"`
}

// Train fits a model. Classes are the labels present (2 or 3); examples
// are visited in a shuffled order fixed by Seed, so the same input and
// options give the same model. Examples without tokens get no word
// features; score with the same kind of tokens as in training.
func Train(examples []Example, opts TrainOptions) (*Model, error) {
	o := opts.withDefaults()
	if o.Bits < 10 || o.Bits > 26 {
		return nil, fmt.Errorf("train: bits %d outside 10..26", o.Bits)
	}
	if o.CharNMax < -1 || o.CharNMax > 6 {
		return nil, fmt.Errorf("train: char n-gram length %d outside -1..6", o.CharNMax)
	}
	present := map[Label]int{}
	for i, e := range examples {
		l, err := ParseLabel(string(e.Label))
		if err != nil {
			return nil, fmt.Errorf("train: example %d (id %s): %w", i, e.ID, err)
		}
		present[l]++
	}
	var cls []Label
	for _, l := range []Label{Neg, Neu, Pos} {
		if present[l] > 0 {
			cls = append(cls, l)
		}
	}
	if len(cls) < 2 {
		return nil, fmt.Errorf("train: need examples of at least two labels, have %v", present)
	}
	words := false
	for _, e := range examples {
		if len(e.Tokens) > 0 {
			words = true
			break
		}
	}
	m := &Model{cls: cls}
	m.hdr.Features = featureSpec{
		HashVersion: hashVersion, Bits: o.Bits, CharNMin: 1, CharNMax: o.CharNMax,
		Words: words && !o.NoWords, WordBigrams: words && !o.NoWords && o.WordBigrams,
		Lexicon: !o.NoLexicon,
	}
	if o.CharNMax < 0 { // no character n-grams
		m.hdr.Features.CharNMin, m.hdr.Features.CharNMax = 0, 0
	}
	if m.hdr.Features.Lexicon {
		m.lex = Default()
		m.hdr.LexDigest = m.lex.Digest()
	}
	m.hdr.Classes = cls
	m.hdr.Examples = len(examples)
	m.hdr.Options.Epochs, m.hdr.Options.LearningRate, m.hdr.Options.L2, m.hdr.Options.Seed, m.hdr.Options.NB = o.Epochs, o.LearningRate, o.L2, o.Seed, o.NB
	m.index()

	// Features once.
	K := len(cls)
	feats := make([][]uint32, len(examples))
	ys := make([]int, len(examples))
	b := &featBuf{}
	for i, e := range examples {
		feats[i] = slices.Clone(m.hdr.Features.features(b, m.lex, e.Text, e.Tokens))
		l, _ := ParseLabel(string(e.Label))
		ys[i] = slices.Index(cls, l)
	}

	D := 1 << o.Bits
	var nb []float64
	if o.NB > 0 && slices.Contains(cls, Pos) && slices.Contains(cls, Neg) {
		pc := make([]float64, D)
		nc := make([]float64, D)
		var ps, ns float64
		for i, x := range feats {
			for _, f := range x {
				switch cls[ys[i]] {
				case Pos:
					pc[f]++
					ps++
				case Neg:
					nc[f]++
					ns++
				}
			}
		}
		nb = make([]float64, D)
		for f := range nb {
			if pc[f]+nc[f] > 0 {
				nb[f] = math.Log((pc[f] + o.NB) / (ps + o.NB) * (ns + o.NB) / (nc[f] + o.NB))
			}
		}
	}
	xv := func(f uint32) float64 {
		if nb == nil {
			return 1
		}
		return nb[f]
	}
	// Runs trainings from different shuffles, weights averaged.
	W := make([]float64, D*K)
	bias := make([]float64, K)
	for run := 0; run < o.Runs; run++ {
		w, b := sgd(feats, ys, xv, D, K, o, o.Seed+uint64(run))
		for i, x := range w {
			W[i] += x / float64(o.Runs)
		}
		for k, x := range b {
			bias[k] += x / float64(o.Runs)
		}
	}
	m.w = make([]float32, D*K)
	for i, x := range W {
		m.w[i] = float32(x * xv(uint32(i/K)))
	}
	if o.MaxFeatures > 0 {
		m.prune(o.MaxFeatures)
	}
	m.bias = make([]float32, K)
	for k, x := range bias {
		m.bias[k] = float32(x)
	}
	m.prepare()
	return m, nil
}

// sgd is one training by AdaGrad over the examples in an order shuffled
// by seed; it returns the weights and the biases.
func sgd(feats [][]uint32, ys []int, xv func(uint32) float64, D, K int, o TrainOptions, seed uint64) ([]float64, []float64) {
	W := make([]float64, D*K)
	G := make([]float64, D*K)
	bias := make([]float64, K)
	gb := make([]float64, K)
	z := make([]float64, K)
	g := make([]float64, K)
	order := make([]int, len(feats))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5e47))
	const eps = 1e-8
	for ep := 0; ep < o.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x := feats[i]
			v := 1.0
			if len(x) > 0 {
				v = 1 / math.Sqrt(float64(len(x)))
			}
			copy(z, bias)
			for _, f := range x {
				row := W[int(f)*K : int(f)*K+K]
				xf := v * xv(f)
				for k := range z {
					z[k] += xf * row[k]
				}
			}
			softmax(z)
			for k := range g {
				g[k] = z[k]
				if k == ys[i] {
					g[k]--
				}
			}
			for _, f := range x {
				row := W[int(f)*K : int(f)*K+K]
				grow := G[int(f)*K : int(f)*K+K]
				xf := v * xv(f)
				for k := range row {
					gr := g[k]*xf + o.L2*row[k]
					grow[k] += gr * gr
					row[k] -= o.LearningRate * gr / (math.Sqrt(grow[k]) + eps)
				}
			}
			for k := range bias {
				gb[k] += g[k] * g[k]
				bias[k] -= o.LearningRate * g[k] / (math.Sqrt(gb[k]) + eps)
			}
		}
	}
	return W, bias
}

// prune zeroes all but the n buckets whose weights differ most between
// the classes.
func (m *Model) prune(n int) {
	K := len(m.cls)
	type row struct {
		b int
		v float32
	}
	var rows []row
	for b := 0; b < len(m.w)/K; b++ {
		ws := m.w[b*K : b*K+K]
		lo, hi := ws[0], ws[0]
		for _, x := range ws[1:] {
			lo, hi = min(lo, x), max(hi, x)
		}
		if hi > lo {
			rows = append(rows, row{b, hi - lo})
		}
	}
	if len(rows) <= n {
		return
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := cmp.Compare(b.v, a.v); c != 0 {
			return c
		}
		return cmp.Compare(a.b, b.b)
	})
	for _, r := range rows[n:] {
		clear(m.w[r.b*K : r.b*K+K])
	}
}

// TrainCorrected merges examples (e.g. from ReadExamples) with duty
// officers' corrections (see Merge) and trains on the result.
func TrainCorrected(examples []Example, corrections []Correction, opts TrainOptions) (*Model, error) {
	merged, _, err := Merge(examples, corrections)
	if err != nil {
		return nil, err
	}
	return Train(merged, opts)
}

func softmax(z []float64) {
	mx := z[0]
	for _, x := range z[1:] {
		mx = max(mx, x)
	}
	var sum float64
	for k, x := range z {
		z[k] = math.Exp(x - mx)
		sum += z[k]
	}
	for k := range z {
		z[k] /= sum
	}
}

func (m *Model) index() {
	m.pos, m.neg = slices.Index(m.cls, Pos), slices.Index(m.cls, Neg)
}

// Classes are the labels the model was trained on.
func (m *Model) Classes() []Label { return slices.Clone(m.cls) }

// UsesTokens reports whether the model has word features, i.e. wants the
// segmenter's tokens passed to Score.
func (m *Model) UsesTokens() bool { return m.hdr.Features.Words || m.hdr.Features.WordBigrams }

// prepare builds what scoring reads besides the weights.
func (m *Model) prepare() {
	m.diff = nil
	if len(m.cls) == 2 {
		m.diff = make([]float32, len(m.w)/2)
		for b := range m.diff {
			m.diff[b] = m.w[2*b+1] - m.w[2*b]
		}
	}
}

// Probs returns the class probabilities in Classes order.
func (m *Model) Probs(text string, tokens []string) []float64 {
	K := len(m.cls)
	z := make([]float64, K)
	m.probs(z, text, tokens)
	return z
}

// probs sets z to the class probabilities and reports whether any feature
// of the text has a weight in the model (is evidence either way).
func (m *Model) probs(z []float64, text string, tokens []string) bool {
	b := featPool.Get().(*featBuf)
	x := m.hdr.Features.features(b, m.lex, text, tokens)
	v := 1.0
	if len(x) > 0 {
		v = 1 / math.Sqrt(float64(len(x)))
	}
	// Evidence: a feature other than the lexicon score bucket with a
	// weight. The bucket, when present, is the last index.
	ev := x
	if n := len(x); n > 0 && b.bin == int64(x[n-1]) && b.bin >= 0 {
		ev = x[:n-1]
	}
	var nz uint32 // OR of the weights' bits: non-zero when one is
	if m.diff != nil {
		var a float64
		for _, f := range ev {
			d := m.diff[f]
			a += float64(d)
			nz |= math.Float32bits(d)
		}
		if len(ev) < len(x) {
			a += float64(m.diff[x[len(x)-1]])
		}
		t := float64(m.bias[1]) - float64(m.bias[0]) + v*a
		z[1] = 1 / (1 + math.Exp(-t))
		z[0] = 1 - z[1]
	} else {
		K := len(m.cls)
		var acc [3]float64
		for i, f := range x {
			row := m.w[int(f)*K : int(f)*K+K]
			lo, hi := row[0], row[0]
			for k := range row {
				acc[k] += float64(row[k])
				lo, hi = min(lo, row[k]), max(hi, row[k])
			}
			if hi > lo && i < len(ev) {
				nz = 1
			}
		}
		for k := range z {
			z[k] = float64(m.bias[k]) + v*acc[k]
		}
		softmax(z)
	}
	featPool.Put(b)
	return nz<<1 != 0 // -0 is no weight either
}

// Score implements Scorer: the score is P(pos) - P(neg), the label the most
// probable class (or neutral inside NeutralBand). A text with no feature
// the model has a weight for (an empty text, or one only of characters
// never seen in training) is neutral with score 0: there is no evidence
// either way.
func (m *Model) Score(text string, tokens []string) Result {
	var buf [3]float64
	z := buf[:len(m.cls)]
	if !m.probs(z, text, tokens) {
		return Result{Label: Neu}
	}
	var s float64
	if m.pos >= 0 {
		s += z[m.pos]
	}
	if m.neg >= 0 {
		s -= z[m.neg]
	}
	best := 0
	for k := range z {
		if z[k] > z[best] {
			best = k
		}
	}
	l := m.cls[best]
	if m.NeutralBand > 0 && math.Abs(s) < m.NeutralBand {
		l = Neu
	}
	return Result{Label: l, Score: s}
}

// Explain scores a text and says what drove the score: first the lexicon
// words found in it, as Lexicon.Explain gives them, then up to five of
// the model's own features (character n-grams and words) that pushed most
// toward the result, From "model", with Weight their contribution to the
// pos-minus-neg log-odds. A neutral result has no model features.
func (m *Model) Explain(text string, tokens []string) (Result, []Hit) {
	r := m.Score(text, tokens)
	lex := m.lex
	if lex == nil {
		lex = Default()
	}
	_, hits := lex.Explain(text)
	if r.Label == Neu && r.Score == 0 {
		return r, hits
	}
	b := featPool.Get().(*featBuf)
	defer featPool.Put(b)
	f := &m.hdr.Features
	x := f.features(b, m.lex, text, tokens)
	v := 1.0
	if len(x) > 0 {
		v = 1 / math.Sqrt(float64(len(x)))
	}
	sign := 1.0
	if r.Score < 0 {
		sign = -1
	}
	var cands []Hit
	seen := map[uint32]bool{}
	add := func(bucket uint32, word string) {
		if seen[bucket] {
			return
		}
		seen[bucket] = true
		if c := v * m.lean(bucket); c*sign > 0 {
			cands = append(cands, Hit{Word: word, Weight: c, From: "model"})
		}
	}
	shift := uint(64 - f.Bits)
	rs := b.runes
	for n := max(f.CharNMin, 1); n <= f.CharNMax; n++ {
		for i := 0; i+n <= len(rs); i++ {
			h := charGramHash(rs[i : i+n])
			if !slices.ContainsFunc(rs[i:i+n], notWordRune) {
				add(uint32(mix(h)>>shift), string(rs[i:i+n]))
			}
		}
	}
	if f.Words {
		for _, t := range tokens {
			add(uint32(mix(hashString(saltWord, t))>>shift), t)
		}
	}
	slices.SortStableFunc(cands, func(a, b Hit) int { return cmp.Compare(math.Abs(b.Weight), math.Abs(a.Weight)) })
	return r, append(hits, cands[:min(5, len(cands))]...)
}

// notWordRune: n-grams with punctuation, symbols or digits are not shown
// as evidence (they still count in the score).
func notWordRune(r rune) bool {
	return r < 0x80 && !(r >= 'a' && r <= 'z') || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// lean is how far a bucket pushes toward pos rather than neg (for a
// model of two classes: toward the second, as cls is sorted neg, neu, pos).
func (m *Model) lean(bucket uint32) float64 {
	if m.diff != nil {
		return float64(m.diff[bucket])
	}
	K := len(m.cls)
	var l float64
	if m.pos >= 0 {
		l += float64(m.w[int(bucket)*K+m.pos])
	}
	if m.neg >= 0 {
		l -= float64(m.w[int(bucket)*K+m.neg])
	}
	return l
}

// File format, all integers little-endian:
//
//	magic "YQSENTI\n" | uint32 version (1) | uint32 n | n bytes JSON header |
//	uint32 rows | rows × (uint32 bucket, K × float32) | K × float32 bias |
//	uint32 CRC-32 (IEEE) of everything before it.
//
// Only buckets with a non-zero weight are stored.
const (
	modelMagic   = "YQSENTI\n"
	modelVersion = 1
)

// ErrNotModel is returned by Load when the input is not a sentiment model.
var ErrNotModel = errors.New("not a yuqing sentiment model (bad magic)")

// Save writes the model. The bytes depend only on the model.
func (m *Model) Save(w io.Writer) error {
	crc := crc32.NewIEEE()
	bw := bufio.NewWriter(io.MultiWriter(w, crc))
	hdr, err := json.Marshal(m.hdr)
	if err != nil {
		return err
	}
	K := len(m.cls)
	rows := 0
	for i := 0; i < len(m.w); i += K {
		if nonzero(m.w[i : i+K]) {
			rows++
		}
	}
	var u [4]byte
	put := func(x uint32) {
		binary.LittleEndian.PutUint32(u[:], x)
		bw.Write(u[:])
	}
	bw.WriteString(modelMagic)
	put(modelVersion)
	put(uint32(len(hdr)))
	bw.Write(hdr)
	put(uint32(rows))
	for i := 0; i < len(m.w); i += K {
		if !nonzero(m.w[i : i+K]) {
			continue
		}
		put(uint32(i / K))
		for _, x := range m.w[i : i+K] {
			put(math.Float32bits(x))
		}
	}
	for _, x := range m.bias {
		put(math.Float32bits(x))
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("saving sentiment model: %w", err)
	}
	binary.LittleEndian.PutUint32(u[:], crc.Sum32())
	if _, err := w.Write(u[:]); err != nil {
		return fmt.Errorf("saving sentiment model: %w", err)
	}
	return nil
}

func nonzero(xs []float32) bool {
	for _, x := range xs {
		if x != 0 {
			return true
		}
	}
	return false
}

// SaveFile writes the model to path (via a temporary file and rename).
func (m *Model) SaveFile(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := m.Save(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// LoadFile reads a model saved with Save or SaveFile.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Load reads a model written by Save. A file of another kind, another
// format version, or one truncated or damaged gives an error saying which.
func Load(r io.Reader) (*Model, error) {
	crc := crc32.NewIEEE()
	br := bufio.NewReader(r)
	tr := io.TeeReader(br, crc)
	fail := func(what string, err error) (*Model, error) {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("sentiment model truncated while reading %s", what)
		}
		return nil, fmt.Errorf("reading sentiment model %s: %w", what, err)
	}
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(tr, magic); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrNotModel
		}
		return fail("magic", err)
	}
	if string(magic) != modelMagic {
		return nil, ErrNotModel
	}
	var u [4]byte
	get := func() (uint32, error) {
		_, err := io.ReadFull(tr, u[:])
		return binary.LittleEndian.Uint32(u[:]), err
	}
	ver, err := get()
	if err != nil {
		return fail("version", err)
	}
	if ver != modelVersion {
		return nil, fmt.Errorf("sentiment model format version %d, this build reads version %d", ver, modelVersion)
	}
	n, err := get()
	if err != nil {
		return fail("header length", err)
	}
	if n > 1<<20 {
		return nil, fmt.Errorf("sentiment model corrupt: header length %d", n)
	}
	hb := make([]byte, n)
	if _, err := io.ReadFull(tr, hb); err != nil {
		return fail("header", err)
	}
	m := &Model{}
	if err := json.Unmarshal(hb, &m.hdr); err != nil {
		return nil, fmt.Errorf("sentiment model corrupt: header: %w", err)
	}
	f := m.hdr.Features
	switch {
	case f.HashVersion != hashVersion:
		return nil, fmt.Errorf("sentiment model uses feature hashing version %d, this build has %d", f.HashVersion, hashVersion)
	case f.Bits < 10 || f.Bits > 26 || f.CharNMax > 6 || f.CharNMin < 0 || f.CharNMin > f.CharNMax:
		return nil, fmt.Errorf("sentiment model corrupt: bad feature spec %+v", f)
	}
	for _, l := range m.hdr.Classes {
		if _, err := ParseLabel(string(l)); err != nil || slices.Contains(m.cls, l) {
			return nil, fmt.Errorf("sentiment model corrupt: classes %v", m.hdr.Classes)
		}
		m.cls = append(m.cls, l)
	}
	if len(m.cls) < 2 || len(m.cls) > 3 {
		return nil, fmt.Errorf("sentiment model corrupt: classes %v", m.hdr.Classes)
	}
	m.index()
	if f.Lexicon {
		m.lex = Default()
	}
	K := len(m.cls)
	D := 1 << f.Bits
	rows, err := get()
	if err != nil {
		return fail("weight count", err)
	}
	if int(rows) > D {
		return nil, fmt.Errorf("sentiment model corrupt: %d weight rows for %d buckets", rows, D)
	}
	m.w = make([]float32, D*K)
	rec := make([]byte, 4+4*K)
	last := -1
	for i := 0; i < int(rows); i++ {
		if _, err := io.ReadFull(tr, rec); err != nil {
			return fail("weights", err)
		}
		b := int(binary.LittleEndian.Uint32(rec))
		if b <= last || b >= D {
			return nil, fmt.Errorf("sentiment model corrupt: weight row %d has bucket %d", i, b)
		}
		last = b
		for k := 0; k < K; k++ {
			m.w[b*K+k] = math.Float32frombits(binary.LittleEndian.Uint32(rec[4+4*k:]))
		}
	}
	m.bias = make([]float32, K)
	for k := range m.bias {
		x, err := get()
		if err != nil {
			return fail("bias", err)
		}
		m.bias[k] = math.Float32frombits(x)
	}
	want := crc.Sum32()
	if _, err := io.ReadFull(br, u[:]); err != nil {
		return fail("checksum", err)
	}
	if got := binary.LittleEndian.Uint32(u[:]); got != want {
		return nil, fmt.Errorf("sentiment model corrupt: checksum %08x, content gives %08x", got, want)
	}
	for _, x := range m.w {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, errors.New("sentiment model corrupt: non-finite weight")
		}
	}
	m.prepare()
	return m, nil
}

// StaleLexicon reports whether the model was trained with lexicon features
// from word lists other than the embedded ones. It still works (hits are
// hashed by word), but retraining is advised.
func (m *Model) StaleLexicon() bool {
	return m.hdr.Features.Lexicon && m.hdr.LexDigest != Default().Digest()
}

// Info describes a model for logs and the CLI.
func (m *Model) Info() string {
	h, _ := json.Marshal(m.hdr)
	return string(h)
}
