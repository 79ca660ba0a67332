// Package segment cuts Chinese text into words with gse and picks keywords.
//
// A Segmenter is safe for concurrent use. Reload builds a new word table
// (from the prebuilt index of gse's dictionary, see index.go) with the
// current user dictionaries and swaps it in atomically, because gse must not
// gain words while it cuts.
package segment

import (
	"bufio"
	"context"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-ego/gse"

	"yuqing/internal/hanzi"
)

//go:embed stopwords-zh.txt
var stopwordsZh string

//go:embed publicaffairs.txt
var publicAffairs string

// Config configures segmentation.
type Config struct {
	// UserDicts are files of extra words, one per line: "word [freq [pos]]".
	// Agency and place names, officials, projects, new slang.
	UserDicts []string
	// HMM finds words missing from the dictionary, at about a quarter of the speed.
	HMM bool
}

// Segmenter segments text and extracts keywords.
type Segmenter struct {
	cfg    Config
	logger *slog.Logger
	cur    atomic.Pointer[state]
	mu     sync.Mutex // serialises Reload
	stamps string     // sizes and modification times of the user dictionaries at the last load
	slow   bool       // build from gse's text dictionary as before the prebuilt index (for comparison)
}

type state struct {
	seg     func() *gse.Segmenter // gse itself: built on first use unless HMM, since the prefix table does gse's cut without HMM
	dag     *dagIndex             // gse's cut without HMM, faster
	pos     map[string]posClass
	stop    map[string]struct{}
	loaded  time.Time
	nwords  int
	sources []string
}

// baseStop is the stop word list, parsed once per process.
var baseStop = func() map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Split(stopwordsZh, "\n") {
		if w = strings.TrimSpace(w); w != "" {
			m[w] = struct{}{}
		}
	}
	return m
}()

// idfTable is gse's IDF table and its median (given to words the table
// lacks), parsed once per process on first use; New starts parsing it in
// the background, off the start path.
var idfTable = sync.OnceValues(loadIDF)

func loadIDF() (map[string]float64, float64) {
	baseIDF := make(map[string]float64, 280000)
	var vals []float64
	for _, line := range strings.Split(gse.ZhIdf, "\n") {
		w, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			continue
		}
		baseIDF[w] = f
		vals = append(vals, f)
	}
	sort.Float64s(vals)
	med := 0.0
	if len(vals) > 0 {
		med = vals[len(vals)/2]
	}
	return baseIDF, med
}

// New loads the embedded dictionary and the user dictionaries. Without HMM
// the dictionary comes from the prebuilt index (about 0.1 s); with HMM gse
// loads it from text (a few seconds).
func New(cfg Config, logger *slog.Logger) (*Segmenter, error) {
	return newSegmenter(cfg, logger, false)
}

func newSegmenter(cfg Config, logger *slog.Logger, slow bool) (*Segmenter, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	go idfTable() // needed by the first Keywords, not to cut
	s := &Segmenter{cfg: cfg, logger: logger, slow: slow}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload rebuilds the segmenter from the embedded dictionary and the user
// dictionaries as they are on disk now, then swaps it in. Cuts in progress
// finish on the old one. On error the old segmenter stays.
func (s *Segmenter) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	words, err := parseWords("publicaffairs.txt", strings.NewReader(publicAffairs))
	if err != nil {
		return err
	}
	var sources []string
	for _, path := range s.cfg.UserDicts {
		w, err := readUserDict(path)
		if err != nil {
			return err
		}
		words = append(words, w...)
		sources = append(sources, path)
	}
	var st *state
	if s.slow || s.cfg.HMM {
		st, err = gseState(words, s.cfg.HMM)
	} else {
		st, err = indexState(words)
	}
	if err != nil {
		return err
	}
	st.stop, st.loaded, st.sources = baseStop, time.Now(), sources
	s.stamps = s.stampDicts()
	s.cur.Store(st)
	s.logger.Info("segmenter loaded", "words", st.nwords, "user_words", len(words), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// gseState loads gse's dictionary from its text and adds the words, as
// before the prebuilt index: a few seconds. HMM needs gse itself.
func gseState(words []dictWord, hmm bool) (*state, error) {
	seg, err := gseWith(words)
	if err != nil {
		return nil, err
	}
	st := &state{seg: func() *gse.Segmenter { return seg }, nwords: seg.Dict.NumTokens(), pos: buildPOS(seg.Dict)}
	if !hmm {
		st.dag = newDAGIndex(seg.Dict)
	}
	return st, nil
}

// indexState builds the prefix table and the names' parts of speech from
// the prebuilt index and adds the words as gse would; gse itself is loaded
// only if a text needs it.
func indexState(words []dictWord) (*state, error) {
	dag, pos, n, err := indexDAG(baseIndex, words)
	if err != nil {
		return nil, err
	}
	seg := sync.OnceValue(func() *gse.Segmenter {
		seg, err := gseWith(words)
		if err != nil { // not expected: NewEmbed does not fail, nor AddToken below 2^63 words
			panic(fmt.Sprintf("segment: loading gse: %v", err))
		}
		return seg
	})
	return &state{seg: seg, dag: dag, pos: pos, nwords: n}, nil
}

// gseWith loads gse's embedded dictionary and adds the words.
func gseWith(words []dictWord) (*gse.Segmenter, error) {
	seg, err := gse.NewEmbed("zh_s")
	if err != nil {
		return nil, fmt.Errorf("loading gse's embedded dictionary: %w", err)
	}
	for _, w := range words {
		if err := seg.AddToken(w.text, w.freq, w.pos); err != nil { // CalcToken runs once, after every dictionary
			return nil, fmt.Errorf("%s:%d: adding %q: %w", w.path, w.line, w.text, err)
		}
	}
	if len(words) > 0 {
		seg.CalcToken()
	}
	return &seg, nil
}

// dictWord is a line of a word list: "word [freq [pos]]".
type dictWord struct {
	text string
	freq float64
	pos  string
	path string
	line int
}

func readUserDict(path string) ([]dictWord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening user dictionary: %w", err)
	}
	defer f.Close()
	return parseWords(path, f)
}

// parseWords reads "word [freq [pos]]" lines; # starts a comment.
func parseWords(path string, r io.Reader) ([]dictWord, error) {
	var out []dictWord
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		w := dictWord{text: fields[0], freq: 1000, pos: "n", path: path, line: line}
		if len(fields) > 1 {
			f, err := strconv.ParseFloat(fields[1], 64)
			if err != nil || f <= 0 {
				return nil, fmt.Errorf("%s:%d: frequency %q is not a positive number", path, line, fields[1])
			}
			w.freq = f
		}
		if len(fields) > 2 {
			w.pos = fields[2]
		}
		out = append(out, w)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return out, nil
}

// Tokens cuts text into words, folded to Simplified, half-width and lower case, without stop words, punctuation,
// whitespace or bare numbers. The result is in text order.
func (s *Segmenter) Tokens(text string) []string {
	var out []string
	s.cut(text, func(st *state, _ string, words []string) { out = st.tokens(words) })
	return out
}

// cut folds text and cuts it (gse's route without HMM through the prefix
// table, else gse itself) and hands the words to use, which must not keep
// them: their buffer is reused.
func (s *Segmenter) cut(text string, use func(st *state, folded string, words []string)) {
	st := s.cur.Load()
	folded := dropMentions(hanzi.Fold(text))
	if st.dag != nil {
		b := dagBufs.Get().(*dagBuf)
		cut, ok := st.dag.cut(folded, b, b.words[:0])
		defer func() { b.words = cut[:0]; dagBufs.Put(b) }()
		if ok {
			use(st, folded, cut)
			return
		}
	}
	use(st, folded, st.seg().Cut(folded, s.cfg.HMM))
}

// tokens keeps the meaningful words of a cut, lower-cased, without stop
// words, in one fresh buffer.
func (st *state) tokens(words []string) []string {
	size := 0
	out := make([]string, 0, len(words)/2+1)
	for _, w := range words {
		w = strings.TrimSpace(w)
		if w == "" || !meaningful(w) {
			continue
		}
		w = strings.ToLower(w)
		if _, stop := st.stop[w]; stop {
			continue
		}
		out = append(out, w)
		size += len(w)
	}
	// The kept words share one fresh buffer: they outlive the text (topics
	// keep words) and must not pin it, nor the scratch space.
	var sb strings.Builder
	sb.Grow(size)
	for _, w := range out {
		sb.WriteString(w)
	}
	all := sb.String()
	for i, w := range out {
		out[i], all = all[:len(w)], all[len(w):]
	}
	return out
}

var dagBufs = sync.Pool{New: func() any { return new(dagBuf) }}

// meaningful is false for punctuation, symbols and bare numbers.
func meaningful(w string) bool {
	letters := false
	for _, r := range w {
		if unicode.IsLetter(r) {
			letters = true
			break
		}
	}
	return letters
}

// Keywords returns up to n keywords of a token list by TF-IDF: words of two
// or more characters (or Latin words of three letters or more), most
// important first, ties in first-seen order.
func (s *Segmenter) Keywords(tokens []string, n int) []string {
	idf, med := idfTable()
	type kw struct {
		w     string
		score float64
		first int
	}
	idx := map[string]int{}
	var ks []kw
	for i, t := range tokens {
		if !keywordish(t) {
			continue
		}
		if j, ok := idx[t]; ok {
			ks[j].score += idfOf(idf, med, t)
			continue
		}
		idx[t] = len(ks)
		ks = append(ks, kw{w: t, score: idfOf(idf, med, t), first: i})
	}
	sort.SliceStable(ks, func(i, j int) bool {
		if ks[i].score != ks[j].score {
			return ks[i].score > ks[j].score
		}
		return ks[i].first < ks[j].first
	})
	if len(ks) > n {
		ks = ks[:n]
	}
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.w
	}
	return out
}

// Salience is how well a word can tell one story from another, in [0,1],
// from its IDF in the dictionary's corpus: everyday words (过去, 真的: IDF
// at most 5) weigh nothing, uncommon ones (两会, 化工厂: IDF 9 and more)
// fully, and a single Chinese character half as much as a word. Words
// the table lacks (new names, places, slang) weigh fully, except the
// platforms' own vocabulary (微博, 转发, 网友 …), which every story has.
func (s *Segmenter) Salience(w string) float64 {
	if platformWords[w] {
		return 0
	}
	idf, _ := idfTable()
	v, ok := idf[w]
	if !ok {
		v = 9
	}
	x := min(1, max(0, (v-5)/4))
	if r, n := utf8.DecodeRuneInString(w); n == len(w) && r >= 0x2E80 {
		x /= 2
	}
	return x
}

// platformWords are the words of posting itself, common to every story.
var platformWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`微博 转发 转发微博 转载 评论 回复 博主 楼主 网友 小编 围观 分享 链接 网页 图片 视频 原文 全文 原图 长微博
		哈哈 哈哈哈 呵呵 嘻嘻 嘿嘿 啊啊啊 赞 顶 沙发 关注 粉丝 私信 点赞 求转 扩散 帮转 网页链接 秒拍 来自`) {
		m[w] = true
	}
	return m
}()

func idfOf(idf map[string]float64, med float64, w string) float64 {
	if v, ok := idf[w]; ok {
		return v
	}
	return med
}

func keywordish(t string) bool {
	n := utf8.RuneCountInString(t)
	r, _ := utf8.DecodeRuneInString(t)
	if r < utf8.RuneSelf {
		return n >= 3
	}
	return n >= 2
}

func (s *Segmenter) stampDicts() string {
	var b strings.Builder
	for _, p := range s.cfg.UserDicts {
		if fi, err := os.Stat(p); err == nil {
			fmt.Fprintf(&b, "%s:%d:%d;", p, fi.Size(), fi.ModTime().UnixNano())
		} else {
			fmt.Fprintf(&b, "%s:missing;", p)
		}
	}
	return b.String()
}

// ReloadIfChanged reloads when a user dictionary changed on disk since the
// last load, and reports whether it did.
func (s *Segmenter) ReloadIfChanged() (bool, error) {
	s.mu.Lock()
	same := s.stampDicts() == s.stamps
	s.mu.Unlock()
	if same {
		return false, nil
	}
	return true, s.Reload()
}

// Watch checks the user dictionaries every interval until ctx is done and
// reloads when one changed; a dictionary that fails to load is logged and
// the working segmenter kept.
func (s *Segmenter) Watch(ctx context.Context, every time.Duration) {
	if len(s.cfg.UserDicts) == 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if changed, err := s.ReloadIfChanged(); err != nil {
				s.logger.Error("user dictionary not reloaded; keeping the previous one", "err", err)
			} else if changed {
				s.logger.Info("user dictionaries reloaded")
			}
		}
	}
}

// Info describes the loaded segmenter, for health pages.
type Info struct {
	Words     int
	Loaded    time.Time
	UserDicts []string
}

// Info returns what is loaded now.
func (s *Segmenter) Info() Info {
	st := s.cur.Load()
	return Info{Words: st.nwords, Loaded: st.loaded, UserDicts: st.sources}
}

// dropMentions blanks the @names of a text (@熬夜的阿珍, @用户5113051485):
// they name who is addressed, not what happened, and would otherwise cut
// into words that every story's comments share (用户) or none do.
func dropMentions(s string) string {
	if strings.IndexByte(s, '@') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '@' {
			j := strings.IndexByte(s[i:], '@')
			if j < 0 {
				j = len(s) - i
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		j := strings.IndexFunc(s[i+1:], func(r rune) bool {
			return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '_' && r != '-' || unicode.IsSymbol(r)
		})
		if j < 0 {
			j = len(s) - i - 1
		}
		b.WriteByte(' ')
		i += 1 + j
	}
	return b.String()
}
