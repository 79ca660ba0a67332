// Package topic groups a stream of mentions into hot topics (stories) as they
// arrive, in event time.
//
// Content carries membership; recency only breaks ties. Each active topic
// has a bag of words and an intensity λ_k: a decaying count of its recent
// items. An item scores, against each active topic that shares a word with
// it,
//
//	Σ_w log( Background + (1−Background)·P(w|k)/P(w) )
//
// where P(w|k) is the word's share of the topic's words and P(w) its share of
// the stream's (Jelinek–Mercer smoothing), each word weighted by its
// salience (names above ordinary words, everyday words at nothing). A word
// the topic lacks costs log(Background), at most LongPost times. The topics
// that reach JoinScore are candidates; among them the item goes to the one
// that maximises score + TimeWeight · log λ_k.
//
// Intensity decays with the stream's volume, not the clock: by a factor e
// every Decay items of any topic. Recency is how much the stream has said
// since a topic's last item, so a busier stream (more stories at once) does
// not blur topics together the way a time window would.
//
// A short post with no chain (fewer than MinOpenTokens of content) is a
// reaction ("这种人也能当代表"): it cannot open a topic, it needs only
// ReactionScore, and it joins only a live topic, one whose intensity is at
// least LiveIntensity — a story people are reacting to now. Otherwise it
// stays unassigned (未归类). On a platform whose items have carried no chain
// (RootID, ParentID), a reaction may be a comment on any story: the words it
// has that a topic lacks cost nothing (its other words are its opinion, not
// another story) and it needs CommentScore. Where the platform gives chains,
// a comment comes with its chain, so a post without one is an original post.
// An item that could open a story of its own joins another only on two shared
// words or more. A new topic starts with OpenBoost extra intensity: a story's
// first post sets off a burst.
//
// Every MergeEvery items, active topics whose word profiles (TF-IDF cosine)
// reach MergeSim merge; the older absorbs the younger, and the younger's ID
// redirects to it (Resolve) while the older is active, and is listed in
// Topic.Merged when it retires.
//
// A repost or reply whose RootID or ParentID is an item of an active topic
// follows that topic. A topic with no item for IdleRetire of event time
// retires: its state is dropped and it is handed to Config.OnRetire. Topic
// IDs derive from the first item's ID, so replaying the same stream rebuilds
// the same state. Memory is bounded: at most MaxActive active topics (the
// quietest retires early when a new one would exceed it), per topic at most
// MaxTopicWords words, MaxTopicItems remembered item IDs and MaxMerged merged
// IDs (the Resolve redirects), and at most MaxVocabulary background words.
//
// Snapshot writes the whole state and Restore rebuilds it, so a process can
// restart from a snapshot and the rest of the stream instead of replaying
// the stream from the start; the result is the same as an uninterrupted run.
//
// A Clusterer is not safe for concurrent use.
package topic

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Item is one mention as the clusterer sees it.
type Item struct {
	ID       string
	Platform string
	Time     time.Time // event time (published at)
	// Tokens are the segmented words, stop words removed. Repeats count once.
	Tokens []string
	// Entities are names the text gives (places, organisations, #话题#):
	// evidence that weighs EntityWeight, for a topic or against it.
	Entities []string
	// Text is the normalised text, read for source cues; may be empty.
	Text string
	// RootID and ParentID name the original post of a repost chain and the
	// post this one reposts or replies to. Either may be empty.
	RootID, ParentID string
	// DupOf names the first copy of a near-duplicate (a copied text, 洗稿):
	// content evidence as strong as a chain.
	DupOf string
	// Space partitions the stream: items of different spaces never share a
	// topic (drill mentions and real ones).
	Space string
	// Optional author facts (not used by the model yet).
	AuthorFollowers int64
	Verified        bool
}

// Assignment says where an item went.
type Assignment struct {
	// Topic is the topic's ID (already resolved through merges); empty when
	// the item is unassigned: too little content to open a story, and no
	// chain or content evidence for any topic (未归类).
	Topic string
	New   bool // the item opened the topic
	// ByChain is true when the item followed its root or parent.
	ByChain bool
	// Score is the winning score (diagnostic).
	Score float64
	// Merges are topic merges that happened while adding this item.
	Merges []Merge
	// Splits are topics that divided while adding this item.
	Splits []Split
}

// Merge says that topic From joined topic Into: items of From belong to
// Into from now on.
type Merge struct{ From, Into string }

// Config tunes the clusterer. DefaultConfig gives values tuned on real Weibo
// data; a zero field in a Config passed to New means "the default".
type Config struct {
	// Decay is how many stream items (of every topic) it takes a topic's
	// intensity to fall by a factor e.
	Decay float64
	// LiveIntensity: a reaction (a short post with no chain) joins only a
	// topic at least this intense now (a topic opens at 1+OpenBoost).
	LiveIntensity float64
	// JoinScore is the content evidence an item needs to join a topic: the
	// log-likelihood ratio of its words under the topic's word model against
	// the stream's. Time never creates membership; it only orders the
	// candidates that reach JoinScore. Higher: purer, smaller topics.
	JoinScore float64
	// ReactionScore is the evidence a reaction (a short post with no chain,
	// fewer than MinOpenTokens of content) needs to join a live topic: it
	// has few words to contradict one, so less than JoinScore.
	ReactionScore float64
	// CommentScore replaces ReactionScore on a platform whose items have
	// carried no chain, where a reaction may be a comment on any story: the
	// words it shares, with no cost for the ones the topic lacks.
	CommentScore float64
	// Distinctive: a word counts fully as evidence for a topic when at least
	// this share of the stream's items that use it are in the topic; a
	// word spread over many stories (微博, 原来, 真的) counts in proportion.
	Distinctive float64
	// OpenBoost is extra intensity credited to a topic when it opens.
	OpenBoost float64
	// TimeWeight scales the time prior (log intensities) that breaks ties
	// among the topics an item has content evidence for.
	TimeWeight float64
	// Background is the weight of the stream's word frequencies in a topic's
	// word model, in (0,1). Each word a topic lacks costs log(Background).
	Background float64
	// MinOpenTokens: an item with no chain and fewer distinct tokens does
	// not open a topic (a short reaction is rarely a new story): without
	// evidence for a topic it stays unassigned. A source cue (a 【headline】,
	// a link) halves the count needed.
	MinOpenTokens int
	// MinIntensity is a floor on a topic's intensity, so that a topic quiet
	// for a while can still take an item that matches its words.
	MinIntensity float64
	// MergeSim: two active topics whose word profiles have at least this
	// cosine similarity merge; negative disables merging. Checked every
	// MergeEvery items among topics of at least MergeMinItems items.
	MergeSim      float64
	MergeEvery    int
	MergeMinItems int
	// SplitMin: a topic whose sources (posts that joined by content) fall
	// into groups that share less than SplitLink of telling words splits,
	// every MergeEvery items, when two groups have SplitMin sources each;
	// negative disables splitting. Two topics merge only when some of
	// their sources are so linked. MaxSources caps the sources a topic
	// remembers (the oldest go and can no longer move).
	SplitMin   int
	SplitLink  float64
	MaxSources int
	// IdleRetire: a topic with no item for this long (event time) retires.
	IdleRetire time.Duration
	// MaxTopicWords caps the words a topic remembers (the least used go).
	MaxTopicWords int
	// MaxTopicItems caps the item IDs a topic remembers for reposts and
	// replies to follow (the oldest go).
	MaxTopicItems int
	// MaxVocabulary caps the background word counts; when it is exceeded
	// all counts are halved and words at zero dropped.
	MaxVocabulary int
	// MaxActive caps the active topics: when a new topic would exceed it,
	// the quietest other topic (lowest intensity now) retires early.
	MaxActive int
	// MaxMerged caps the merged topic IDs a topic remembers (Topic.Merged
	// and the Resolve redirects to it); the oldest go. Every merge is still
	// reported once in Assignment.Merges.
	MaxMerged int
	// Salience, if set, says how well a word can tell one story from
	// another, in [0,1] (segment.Segmenter.Salience): a word's evidence for
	// or against a topic, and its part in the content an item needs to open
	// one, are scaled by it. Nil: every word counts fully.
	Salience func(word string) float64
	// LongPost: the words a topic lacks cost at most as much as LongPost
	// words would (an article in other words still joins its story by the
	// names and telling words it shares). Negative: no cap.
	LongPost int
	// EntityWeight is the salience of an entity (a name) against 1 for the
	// most telling ordinary word.
	EntityWeight float64
	// OnRetire, if set, receives each topic as it retires.
	OnRetire func(Topic)
}

// DefaultConfig returns the tuned defaults.
func DefaultConfig() Config {
	return Config{
		Decay:         20,
		LiveIntensity: 0.3,
		JoinScore:     3,
		EntityWeight:  2,
		LongPost:      25,
		ReactionScore: 1.5,
		CommentScore:  0.25,
		Distinctive:   0.2,
		OpenBoost:     30,
		TimeWeight:    1,
		Background:    0.7,
		MinOpenTokens: 10,
		MinIntensity:  1e-4,
		MergeSim:      0.2,
		MergeEvery:    100,
		MergeMinItems: 5,
		SplitMin:      5,
		SplitLink:     2,
		MaxSources:    32,
		IdleRetire:    7 * 24 * time.Hour,
		MaxTopicWords: 2000,
		MaxTopicItems: 20000,
		MaxVocabulary: 200000,
		MaxActive:     1000,
		MaxMerged:     1000,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	set := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	seti := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	setd := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	set(&c.Decay, d.Decay)
	set(&c.LiveIntensity, d.LiveIntensity)
	set(&c.JoinScore, d.JoinScore)
	set(&c.EntityWeight, d.EntityWeight)
	set(&c.ReactionScore, d.ReactionScore)
	set(&c.CommentScore, d.CommentScore)
	set(&c.Distinctive, d.Distinctive)
	set(&c.OpenBoost, d.OpenBoost)
	set(&c.TimeWeight, d.TimeWeight)
	set(&c.Background, d.Background)
	seti(&c.MinOpenTokens, d.MinOpenTokens)
	set(&c.MinIntensity, d.MinIntensity)
	set(&c.MergeSim, d.MergeSim)
	seti(&c.MergeEvery, d.MergeEvery)
	seti(&c.MergeMinItems, d.MergeMinItems)
	seti(&c.SplitMin, d.SplitMin)
	set(&c.SplitLink, d.SplitLink)
	seti(&c.MaxSources, d.MaxSources)
	seti(&c.LongPost, d.LongPost)
	setd(&c.IdleRetire, d.IdleRetire)
	seti(&c.MaxTopicWords, d.MaxTopicWords)
	seti(&c.MaxTopicItems, d.MaxTopicItems)
	seti(&c.MaxVocabulary, d.MaxVocabulary)
	seti(&c.MaxActive, d.MaxActive)
	seti(&c.MaxMerged, d.MaxMerged)
	return c
}

// Validate reports a Config that cannot work (after defaults are applied).
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	if !(c.Decay > 0) || bad(c.Decay) {
		errs = append(errs, errors.New("topic: Decay must be positive and finite"))
	}
	if c.LiveIntensity < 0 || bad(c.LiveIntensity) {
		errs = append(errs, errors.New("topic: LiveIntensity must be positive and finite"))
	}
	if !(c.Distinctive > 0 && c.Distinctive <= 1) {
		errs = append(errs, errors.New("topic: Distinctive must be in (0,1]"))
	}
	if c.JoinScore < 0 || bad(c.JoinScore) || c.ReactionScore < 0 || bad(c.ReactionScore) || c.CommentScore < 0 || bad(c.CommentScore) {
		errs = append(errs, errors.New("topic: JoinScore, ReactionScore and CommentScore must be positive and finite"))
	}
	if c.OpenBoost < 0 || bad(c.OpenBoost) {
		errs = append(errs, errors.New("topic: OpenBoost must be positive and finite"))
	}
	if c.TimeWeight < 0 || bad(c.TimeWeight) {
		errs = append(errs, errors.New("topic: TimeWeight must be positive and finite"))
	}
	if !(c.Background > 0 && c.Background < 1) {
		errs = append(errs, errors.New("topic: Background must be in (0,1)"))
	}
	if c.MinIntensity < 0 || bad(c.MinIntensity) {
		errs = append(errs, errors.New("topic: MinIntensity must be positive and finite"))
	}
	if bad(c.MergeSim) || c.MergeSim > 1 {
		errs = append(errs, errors.New("topic: MergeSim must be at most 1 (negative disables merging)"))
	}
	if c.IdleRetire < 0 {
		errs = append(errs, errors.New("topic: IdleRetire must be positive"))
	}
	if c.MinOpenTokens < 0 || c.MergeEvery < 0 || c.MergeMinItems < 0 ||
		c.MaxTopicWords < 2 || c.MaxTopicItems < 0 || c.MaxVocabulary < 0 ||
		c.MaxActive < 0 || c.MaxMerged < 0 {
		errs = append(errs, errors.New("topic: counts and caps must be positive (MaxTopicWords at least 2)"))
	}
	return errors.Join(errs...)
}

// Topic describes a topic (a snapshot; it does not change afterwards).
type Topic struct {
	ID        string
	Label     []string // top keywords, most telling first
	Items     int
	FirstID   string // the first item (首发)
	FirstTime time.Time
	LastTime  time.Time
	Platforms map[string]int // items per platform
	// Merged lists the topics merged into this one (their IDs resolve to
	// this topic while it is active).
	Merged []string
}

// Clusterer assigns items to topics. Create it with New.
type Clusterer struct {
	pbgBuf    []float64 // scratch: background probabilities of the item's words
	salBuf    []float64 // scratch: salience of the item's words
	entMark   []bool    // scratch: which of the item's words are entities
	wordsBuf  []string  // scratch: the item's distinct words
	dedupeTab []int32   // scratch: dedupe's hash set
	cellBuf   []*wcell  // scratch: pruneWords
	vecBuf    []*wcell  // scratch: mergeSimilar's profiles
	cfg       Config
	logBg     float64 // log(Background)
	boostMul  float64 // (1-Background)/Background
	invDecay  float64 // 1/Decay
	logMinInt float64

	now    time.Time // the latest event time seen
	active []*topicState
	byID   map[string]*topicState // active topics
	items  map[string]*topicState // item ID -> topic, for items of active topics
	// refs maps the roots and parents that chain items named but that were
	// never seen (a repost of a post outside the stream) to the topic their
	// chain went to, so the rest of the chain follows.
	refs map[string]*topicState

	// Background statistics: how many items used each word, and the total.
	// Words with a count are in bg; a word's entry is the same in bg and
	// in index.
	bg      map[string]*wentry
	bgTotal float64

	seq int // items added, for merge cadence and IDs of items without one
	// volume counts the items added per space: the clock of intensities.
	// Each topic points at its space's counter.
	volume map[string]*int

	// chained lists the platforms (per space) whose items have carried a
	// chain: there a post without one is an original post, not a comment.
	chained map[spacePlatform]bool

	redirect map[string]string // merged topic -> active topic it merged into

	// index lists, for each word, the cells of the active topics that hold
	// it (in no particular order): scoring an item visits only the topics
	// that share a word with it.
	index   map[string]*wentry
	entBuf  []*wentry     // scratch: index entries of the item's words
	candBuf []*topicState // scratch: the topics sharing a word with the item
	dotBuf  []float64     // scratch: mergeSimilar's dot products
}

// spacePlatform is a platform within a space (drill or real).
type spacePlatform struct{ space, platform string }

// wentry is a word's background count (0 when not counted) and its
// cells, one per active topic that has it.
type wentry struct {
	bg    float64
	cells []*wcell
	sal   float64 // Config.Salience of the word, once salOK
	salOK bool
}

// salience is the word's Config.Salience (1 without one), remembered in
// its entry.
func (c *Clusterer) salience(e *wentry, w string) float64 {
	if c.cfg.Salience == nil {
		return 1
	}
	if !e.salOK {
		e.sal, e.salOK = c.cfg.Salience(w), true
	}
	return e.sal
}

// wcell is a word's count in one topic. It is the value in the topic's
// words map and is listed in the Clusterer's index under the word.
type wcell struct {
	w  string
	c  float64     // the count, > 0
	tp *topicState // the topic; nil once the word left it
	e  *wentry     // index[w]
	ix int32       // position in e.cells
	// During mergeSimilar: pi is 1 + the index of the topic's profile when
	// the word is in it (else 0), x the word's weight there.
	pi int32
	x  float64
}

type topicState struct {
	id        string
	space     string
	firstID   string
	firstTime time.Time
	lastTime  time.Time
	n         int
	intensity float64 // decayed count when its space's volume was lastVol
	lastVol   int
	vol       *int // its space's volume (Clusterer.volume)
	words     map[string]*wcell
	wordTotal float64
	platforms map[string]int
	itemIDs   []string // remembered for chains, oldest first
	sources   []source // items that joined by content, oldest first (split.go)
	// splitChecked is len(sources) at the last split check; splitFrom the
	// topic this one split from (they do not merge again).
	splitChecked int
	splitFrom    string
	refIDs       []string // chain references never seen as items (c.refs), oldest first
	merged       []string // topics merged into this one

	// Scratch for scoring an item: the text score, valid when mark is the
	// Clusterer's seq.
	text   float64
	mark   int
	shared int // how many of the item's words the topic has

	// The words with count at least 2 (mergeSimilar's profile): prof sorted
	// by word, profNew the ones that reached 2 since prof was sorted. Both
	// hold live cells only, and no cell twice.
	prof    []*wcell
	profNew []*wcell
}

// wordCounts returns the topic's word counts as a plain map.
func (tp *topicState) wordCounts() map[string]float64 {
	m := make(map[string]float64, len(tp.words))
	for w, cell := range tp.words {
		m[w] = cell.c
	}
	return m
}

// New returns a Clusterer. It panics if cfg does not Validate; check first
// when cfg comes from outside.
func New(cfg Config) *Clusterer {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.withDefaults()
	return &Clusterer{
		cfg:       cfg,
		logBg:     math.Log(cfg.Background),
		boostMul:  (1 - cfg.Background) / cfg.Background,
		invDecay:  1 / cfg.Decay,
		volume:    map[string]*int{},
		chained:   map[spacePlatform]bool{},
		logMinInt: math.Log(cfg.MinIntensity),
		byID:      map[string]*topicState{},
		items:     map[string]*topicState{},
		refs:      map[string]*topicState{},
		bg:        map[string]*wentry{},
		redirect:  map[string]string{},
		index:     map[string]*wentry{},
	}
}

// intensity is the topic's intensity now: decayed by the items its space
// has seen since it was set (a drill's mentions do not age real stories).
func (c *Clusterer) intensity(tp *topicState) float64 {
	dn := *tp.vol - tp.lastVol
	if dn <= 0 {
		return tp.intensity
	}
	return tp.intensity * math.Exp(-float64(dn)*c.invDecay)
}

// volumeOf is the volume counter of a space.
func (c *Clusterer) volumeOf(space string) *int {
	v := c.volume[space]
	if v == nil {
		v = new(int)
		c.volume[space] = v
	}
	return v
}

// setIntensity sets the topic's intensity now.
func (c *Clusterer) setIntensity(tp *topicState, v float64) {
	tp.intensity, tp.lastVol = v, *tp.vol
}

// Add assigns one item to a topic and returns the assignment. Items should
// come in event-time order; an item older than the newest seen is treated as
// if it arrived now. An ID seen before (while its topic is active) returns
// that topic again without counting the item twice.
func (c *Clusterer) Add(it Item) Assignment {
	a := c.add(it)
	if c.cfg.MergeEvery > 0 && c.seq%c.cfg.MergeEvery == 0 {
		a.Splits = c.splitTopics()
		if c.cfg.MergeSim > 0 {
			a.Merges = c.mergeSimilar()
		}
		if a.Topic != "" {
			a.Topic = c.Resolve(a.Topic)
			if tp := c.items[it.ID]; tp != nil && it.ID != "" {
				a.Topic = tp.id // it may have left in a split
			}
		}
	}
	return a
}

func (c *Clusterer) add(it Item) Assignment {
	t := it.Time.Round(0) // no monotonic reading: a restored state has none
	if t.Before(c.now) || t.IsZero() {
		t = c.now
	}
	c.retire(t)
	c.now = t
	c.seq++
	*c.volumeOf(it.Space)++

	if tp, ok := c.items[it.ID]; ok && it.ID != "" {
		return Assignment{Topic: tp.id}
	}

	words := dropEmoticons(c.dedupe(it.Tokens), it.Text)
	isEnt := c.entMark[:0]
	for range words {
		isEnt = append(isEnt, false)
	}
	for _, name := range it.Entities {
		if i := slices.Index(words, name); i >= 0 {
			isEnt[i] = true
		} else if name != "" {
			words = append(words, name)
			isEnt = append(isEnt, true)
		}
	}
	c.entMark = isEnt
	ents := c.entBuf[:0]
	for _, w := range words {
		ents = append(ents, c.entry(w))
	}
	c.entBuf = ents
	defer c.learn(words, ents)

	chained := it.RootID != "" || it.ParentID != ""
	where := spacePlatform{it.Space, it.Platform}
	if chained && !c.chained[where] {
		c.chained[where] = true
	}
	// Reposts, replies and copies follow their chain; a root seen only
	// through its reposts so far takes the topic its chain went to.
	for _, ref := range [4]string{it.RootID, it.ParentID, it.DupOf, it.ID} {
		if tp := c.chainTopic(ref, it.Space); tp != nil {
			c.join(tp, it, t, words, ents)
			c.link(tp, it)
			return Assignment{Topic: tp.id, ByChain: true}
		}
	}

	// Score the active topics. The background probability of each word is
	// the same for every topic: look it up once.
	// The background probability of a word no topic has is not needed.
	sal := c.salBuf[:0]
	var content float64 // the item's salient words
	for i, w := range words {
		x := 1.0
		switch {
		case c.cfg.Salience == nil:
		case ents[i] != nil:
			x = c.salience(ents[i], w)
		default:
			x = c.cfg.Salience(w)
		}
		if isEnt[i] {
			x *= c.cfg.EntityWeight
		}
		sal = append(sal, x)
		content += x
	}
	c.salBuf = sal
	// A long post (an article) says much besides its story: what a topic
	// lacks of it costs as much as LongPost words would, spread over all.
	logBgCost := content * c.logBg
	if lp := float64(c.cfg.LongPost); lp > 0 && content > lp {
		logBgCost = lp * c.logBg
	}
	// A source cue (a 【headline】, a link) or a name (a place, an
	// organisation) marks a post that may start a story with fewer words.
	open := float64(c.cfg.MinOpenTokens)
	cue := sourceCue(it.Text)
	if cue > 0 || len(it.Entities) > 0 {
		open /= 2
	}
	// A post that could open a story of its own joins another only on two
	// words or more: one shared name (a district, a city) is where two
	// stories happen, not that they are one.
	canOpen := !chained && cue >= 0 && content >= open
	// A reaction: a short post with no chain. One that could not open a
	// story of its own, where the platform gives no chains, may be a
	// comment on any story: its other words are its opinion, and what a
	// topic lacks of them costs nothing.
	reaction := !chained && content < float64(c.cfg.MinOpenTokens)
	comment := reaction && !canOpen && !c.chained[where]
	if comment {
		logBgCost = 0
	}
	pbg := c.pbgBuf[:0]
	for _, e := range ents {
		p := 0.0
		if e != nil && len(e.cells) > 0 {
			p = c.pBg(e)
		}
		pbg = append(pbg, p)
	}
	c.pbgBuf = pbg
	// Each topic's text score sums the terms of the item's words it has,
	// in the item's word order, from logBgCost: the index visits only the
	// topics that have a word.
	cands := c.candBuf[:0]
	for i, e := range ents {
		if e == nil || sal[i] == 0 {
			continue
		}
		for _, cell := range e.cells {
			tp := cell.tp
			if ck := cell.c; ck > 0 && tp.wordTotal > 0 {
				if tp.mark != c.seq {
					tp.mark, tp.text, tp.shared = c.seq, logBgCost, 0
					cands = append(cands, tp)
				}
				tp.shared++

				term := math.Log1p(c.boostMul * (ck / tp.wordTotal) / pbg[i])
				if conc := ck / math.Max(e.bg, ck); conc < c.cfg.Distinctive {
					term *= conc / c.cfg.Distinctive
				}
				tp.text += term * sal[i]
			}
		}
	}
	// Only content evidence makes a candidate; among candidates, the time
	// prior (a topic's recent activity) breaks ties. A short reaction with
	// no chain needs less evidence than a post that could open a story (or
	// a repost that would take its whole chain along).
	need := c.cfg.JoinScore
	if comment {
		need = c.cfg.CommentScore
	} else if reaction {
		need = c.cfg.ReactionScore
	}
	var best *topicState
	bestScore := math.Inf(-1)
	for _, tp := range cands {
		if tp.space != it.Space {
			continue
		}
		if tp.text < need || canOpen && tp.shared < minSharedToJoin {
			continue
		}
		li := c.intensity(tp)
		if reaction && li < c.cfg.LiveIntensity {
			continue // a story no one is reacting to now
		}
		lli := c.logMinInt
		if li > c.cfg.MinIntensity {
			lli = math.Log(li)
		}
		if s := c.cfg.TimeWeight*lli + tp.text; s > bestScore || (s == bestScore && tp.id < best.id) {
			best, bestScore = tp, s
		}
	}
	clear(cands)
	c.candBuf = cands[:0]
	if best != nil {
		c.join(best, it, t, words, ents)
		c.link(best, it)
		if content >= float64(c.cfg.MinOpenTokens)/2 {
			c.addSource(best, it, t, words, sal)
		}
		return Assignment{Topic: best.id, Score: bestScore}
	}
	if !chained && !canOpen {
		return Assignment{} // unassigned: too little to be a story of its own
	}
	tp := c.open(it, t)
	c.join(tp, it, t, words, ents)
	c.link(tp, it)
	if content >= float64(c.cfg.MinOpenTokens)/2 {
		c.addSource(tp, it, t, words, sal)
	}
	c.setIntensity(tp, c.intensity(tp)+c.cfg.OpenBoost)
	c.evict(tp)
	return Assignment{Topic: tp.id, New: true}
}

// chainTopic is the active topic of the item or chain reference id in the
// given space, or nil.
func (c *Clusterer) chainTopic(id, space string) *topicState {
	if id == "" {
		return nil
	}
	tp := c.items[id]
	if tp == nil {
		tp = c.refs[id]
	}
	if tp == nil || tp.space != space {
		return nil
	}
	return tp
}

// link records the chain references of an item that joined tp and that
// are not known yet, so later items of the same chain follow it.
func (c *Clusterer) link(tp *topicState, it Item) {
	for _, ref := range [2]string{it.RootID, it.ParentID} {
		if ref == "" || ref == it.ID || c.items[ref] != nil || c.refs[ref] != nil {
			continue
		}
		c.refs[ref] = tp
		tp.refIDs = append(tp.refIDs, ref)
		if len(tp.refIDs) > c.cfg.MaxTopicItems {
			drop := len(tp.refIDs) / 2
			for _, id := range tp.refIDs[:drop] {
				if c.refs[id] == tp {
					delete(c.refs, id)
				}
			}
			tp.refIDs = append([]string(nil), tp.refIDs[drop:]...)
		}
	}
}

// pBg is the background probability of a word, smoothed, given its entry
// (nil for a word neither counted nor in a topic).
func (c *Clusterer) pBg(e *wentry) float64 {
	var n float64
	if e != nil {
		n = e.bg
	}
	return (n + 0.5) / (c.bgTotal + priorWords)
}

// minSharedToJoin is how many of its words a post that could open a story
// of its own must share with a topic to join it.
const minSharedToJoin = 2

// priorWords is the size of an imagined background the stream's own is
// added to, in which every word is rare: a young stream (a new install, a
// test) already tells a story's words from nothing, and the stream's own
// counts soon outweigh it.
const priorWords = 1000

// entry returns a word's entry, nil if it is neither counted nor in a
// topic.
func (c *Clusterer) entry(w string) *wentry {
	if e := c.bg[w]; e != nil {
		return e
	}
	return c.index[w]
}

// learn counts the item's words in the background. ents holds their
// entries as far as known (nil: look it up).
func (c *Clusterer) learn(words []string, ents []*wentry) {
	for i, w := range words {
		e := ents[i]
		if e == nil {
			if e = c.entry(w); e == nil {
				e = &wentry{}
			}
		}
		if e.bg == 0 {
			c.bg[w] = e
		}
		e.bg++
	}
	c.bgTotal += float64(len(words))
	if len(c.bg) > c.cfg.MaxVocabulary {
		c.bgTotal = 0
		for w, e := range c.bg {
			v := math.Floor(e.bg / 2)
			if v == 0 {
				delete(c.bg, w)
				e.bg = 0
				continue
			}
			e.bg = v
			c.bgTotal += v
		}
	}
}

func (c *Clusterer) open(it Item, t time.Time) *topicState {
	id := "t-" + it.ID
	if it.ID == "" {
		id = fmt.Sprintf("t-#%d", c.seq)
	}
	for c.byID[id] != nil || c.redirect[id] != "" { // an ID reused while active
		id += "'"
	}
	tp := &topicState{
		id:        id,
		space:     it.Space,
		vol:       c.volumeOf(it.Space),
		firstID:   it.ID,
		firstTime: t,
		lastTime:  t,
		words:     map[string]*wcell{},
		platforms: map[string]int{},
	}
	c.active = append(c.active, tp)
	c.byID[id] = tp
	return tp
}

// join adds an item to a topic. ents, if not nil, holds the index entries
// of words (nil for a word not indexed).
func (c *Clusterer) join(tp *topicState, it Item, t time.Time, words []string, ents []*wentry) {
	c.setIntensity(tp, c.intensity(tp)+1)
	if t.After(tp.lastTime) {
		tp.lastTime = t
	}
	tp.n++
	for i, w := range words {
		cell := tp.words[w]
		if cell == nil {
			var e *wentry
			if ents != nil {
				e = ents[i]
			}
			cell = c.newCell(tp, w, e)
			if ents != nil {
				ents[i] = cell.e
			}
		}
		old := cell.c
		cell.c = old + 1
		if old < 2 && cell.c >= 2 {
			tp.profNew = append(tp.profNew, cell)
		}
	}
	tp.wordTotal += float64(len(words))
	if len(tp.words) > c.cfg.MaxTopicWords {
		c.pruneWords(tp, c.cfg.MaxTopicWords/2)
	}
	tp.platforms[it.Platform]++
	if it.ID != "" {
		c.items[it.ID] = tp
		tp.itemIDs = append(tp.itemIDs, it.ID)
		c.trimItems(tp)
	}
}

// trimItems forgets the oldest half of a topic's item IDs when it holds more
// than MaxTopicItems.
func (c *Clusterer) trimItems(tp *topicState) {
	if len(tp.itemIDs) <= c.cfg.MaxTopicItems {
		return
	}
	drop := len(tp.itemIDs) / 2
	for _, id := range tp.itemIDs[:drop] {
		if c.items[id] == tp {
			delete(c.items, id)
		}
	}
	tp.itemIDs = append([]string(nil), tp.itemIDs[drop:]...)
}

// newCell adds word w to topic tp with count 0 and indexes it. e is
// index[w] if the caller knows it, else nil.
func (c *Clusterer) newCell(tp *topicState, w string, e *wentry) *wcell {
	if e == nil {
		if e = c.entry(w); e == nil {
			e = &wentry{}
		}
	}
	if len(e.cells) == 0 {
		c.index[w] = e
	}
	cell := &wcell{w: w, tp: tp, e: e, ix: int32(len(e.cells))}
	tp.words[w] = cell
	e.cells = append(e.cells, cell)
	return cell
}

// unindex removes a cell from the index and marks it dead. The caller
// removes it from its topic's words and profile.
func (c *Clusterer) unindex(cell *wcell) {
	e := cell.e
	s := e.cells
	last := int32(len(s) - 1)
	if cell.ix != last {
		m := s[last]
		s[cell.ix] = m
		m.ix = cell.ix
	}
	s[last] = nil
	e.cells = s[:last]
	if last == 0 {
		delete(c.index, cell.w)
	}
	cell.tp = nil
}

// better orders a topic's words for pruneWords: most used first, then by
// word.
func better(a, b *wcell) bool {
	return a.c > b.c || (a.c == b.c && a.w < b.w)
}

// pruneWords keeps the keep most used words of a topic (ties: the first
// words in byte order), 0 < keep < len(tp.words).
func (c *Clusterer) pruneWords(tp *topicState, keep int) {
	all := c.cellBuf[:0]
	for _, cell := range tp.words {
		all = append(all, cell)
	}
	selectBest(all, keep)
	gone := all[keep:]
	// wordTotal loses the counts of the words that go, least used last.
	// When the counts and the total are integers (as Add makes them) the
	// differences are exact in any order; otherwise subtract in that order.
	exact := tp.wordTotal == math.Trunc(tp.wordTotal) && math.Abs(tp.wordTotal) < 1<<52
	var sum float64
	for _, x := range gone {
		if !exact {
			break
		}
		sum += x.c
		exact = x.c == math.Trunc(x.c) && sum < 1<<52
	}
	if !exact {
		slices.SortFunc(gone, func(a, b *wcell) int {
			if better(a, b) {
				return -1
			}
			return 1
		})
	}
	for _, x := range gone {
		tp.wordTotal -= x.c
		delete(tp.words, x.w)
		c.unindex(x)
	}
	tp.prof = liveCells(tp, tp.prof)
	tp.profNew = liveCells(tp, tp.profNew)
	clear(all)
	c.cellBuf = all[:0]
}

// liveCells keeps the cells of xs that still belong to tp, in order.
func liveCells(tp *topicState, xs []*wcell) []*wcell {
	kept := xs[:0]
	for _, x := range xs {
		if x.tp == tp {
			kept = append(kept, x)
		}
	}
	clear(xs[len(kept):])
	return kept
}

// selectBest reorders a so that a[:k] holds its k best cells (by better),
// in no particular order. Cells are distinct words, so that set is unique.
func selectBest(a []*wcell, k int) {
	lo, hi := 0, len(a)
	for hi-lo > 12 {
		m := lo + (hi-lo)/2
		// Median of three at m.
		if better(a[m], a[lo]) {
			a[m], a[lo] = a[lo], a[m]
		}
		if better(a[hi-1], a[m]) {
			a[hi-1], a[m] = a[m], a[hi-1]
			if better(a[m], a[lo]) {
				a[m], a[lo] = a[lo], a[m]
			}
		}
		p := a[m]
		a[m], a[hi-1] = a[hi-1], a[m]
		store := lo
		for i := lo; i < hi-1; i++ {
			if better(a[i], p) {
				a[i], a[store] = a[store], a[i]
				store++
			}
		}
		a[store], a[hi-1] = a[hi-1], a[store]
		switch {
		case store == k:
			return
		case store > k:
			hi = store
		default:
			lo = store + 1
		}
	}
	for i := lo + 1; i < hi; i++ {
		for j := i; j > lo && better(a[j], a[j-1]); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// retire drops topics idle for IdleRetire at time t.
func (c *Clusterer) retire(t time.Time) {
	cut := t.Add(-c.cfg.IdleRetire)
	kept := c.active[:0]
	for _, tp := range c.active {
		if tp.lastTime.Before(cut) {
			c.drop(tp)
			continue
		}
		kept = append(kept, tp)
	}
	for i := len(kept); i < len(c.active); i++ {
		c.active[i] = nil
	}
	c.active = kept
}

func (c *Clusterer) drop(tp *topicState) {
	if c.cfg.OnRetire != nil {
		c.cfg.OnRetire(c.snapshot(tp))
	}
	delete(c.byID, tp.id)
	c.unindexTopic(tp)
	for _, id := range tp.merged {
		delete(c.redirect, id)
	}
	for _, id := range tp.itemIDs {
		if c.items[id] == tp {
			delete(c.items, id)
		}
	}
	for _, id := range tp.refIDs {
		if c.refs[id] == tp {
			delete(c.refs, id)
		}
	}
}

// unindexTopic removes a topic that leaves the active set from the index.
func (c *Clusterer) unindexTopic(tp *topicState) {
	for _, cell := range tp.words {
		c.unindex(cell)
	}
	tp.prof, tp.profNew = nil, nil
}

// evict retires the quietest topics other than keep while more than
// MaxActive are active.
func (c *Clusterer) evict(keep *topicState) {
	for len(c.active) > c.cfg.MaxActive {
		qi := -1
		var qv float64
		for i, tp := range c.active {
			if tp == keep {
				continue
			}
			v := c.intensity(tp)
			if qi < 0 || v < qv || (v == qv && tp.lastTime.Before(c.active[qi].lastTime)) {
				qi, qv = i, v
			}
		}
		if qi < 0 {
			return
		}
		c.drop(c.active[qi])
		c.active = slices.Delete(c.active, qi, qi+1)
	}
}

// Flush retires every active topic (end of stream), oldest first.
func (c *Clusterer) Flush() {
	for _, tp := range c.active {
		c.drop(tp)
	}
	c.active = c.active[:0]
}

// Active returns snapshots of the active topics, busiest (by intensity now)
// first.
func (c *Clusterer) Active() []Topic {
	type ti struct {
		t Topic
		i float64
	}
	all := make([]ti, 0, len(c.active))
	for _, tp := range c.active {
		all = append(all, ti{c.snapshot(tp), c.intensity(tp)})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].i > all[j].i })
	out := make([]Topic, len(all))
	for i, x := range all {
		out[i] = x.t
	}
	return out
}

// Resolve follows merge redirects from a topic ID to the topic that holds
// its items now.
func (c *Clusterer) Resolve(id string) string {
	for i := 0; i < 64; i++ {
		to, ok := c.redirect[id]
		if !ok {
			return id
		}
		id = to
	}
	return id
}

// TopicOf is the topic that holds an item, while its topic is active and
// the item among those it keeps.
func (c *Clusterer) TopicOf(itemID string) (string, bool) {
	tp, ok := c.items[itemID]
	if !ok {
		return "", false
	}
	return tp.id, true
}

// Lookup returns a snapshot of an active topic.
func (c *Clusterer) Lookup(id string) (Topic, bool) {
	tp, ok := c.byID[id]
	if !ok {
		return Topic{}, false
	}
	return c.snapshot(tp), true
}

// LabelWords is how many keywords a Topic's Label holds.
const LabelWords = 5

func (c *Clusterer) snapshot(tp *topicState) Topic {
	pl := make(map[string]int, len(tp.platforms))
	for k, v := range tp.platforms {
		pl[k] = v
	}
	return Topic{
		ID:        tp.id,
		Label:     c.label(tp, LabelWords),
		Items:     tp.n,
		FirstID:   tp.firstID,
		FirstTime: tp.firstTime,
		LastTime:  tp.lastTime,
		Platforms: pl,
		Merged:    append([]string(nil), tp.merged...),
	}
}

// label picks the words most typical of the topic: count × IDF in the
// stream, among words of two characters or more used by at least two of its
// items (by one, if no word is).
// weakLabel are words frequent in any story's comments that say nothing
// about which story it is: kept for clustering, left out of labels.
var weakLabel = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`不要 不会 不是 不能 不行 没有 有没有 是不是 会不会 能不能 什么 怎么 怎么办 为什么 这个 那个 这样 那样 这么 那么
		一般 一直 一定 一下 一点 已经 还是 就是 可以 可能 应该 需要 希望 知道 觉得 感觉 真的 其实 现在 今天 昨天 明天 时候 大家 我们 你们 他们
		东西 问题 情况 事情 因为 所以 但是 如果 还有 而且 或者 然后 到底 终于 突然 继续 开始 出来 起来 看看 一起 这里 那里 哪里 这边 那边`) {
		m[w] = true
	}
	return m
}()

func (c *Clusterer) label(tp *topicState, n int) []string {
	type ws struct {
		w string
		s float64
	}
	var all []ws
	for minCount := 2.0; minCount >= 1 && len(all) == 0; minCount-- {
		for w, cell := range tp.words {
			ck := cell.c
			if ck < minCount || utf8.RuneCountInString(w) < 2 || weakLabel[w] {
				continue
			}
			s := ck * -math.Log(c.pBg(cell.e)) * c.salience(cell.e, w)
			if s <= 0 {
				continue
			}
			all = append(all, ws{w, s})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].s != all[j].s {
			return all[i].s > all[j].s
		}
		return all[i].w < all[j].w
	})
	if len(all) > n {
		all = all[:n]
	}
	out := make([]string, len(all))
	for i, x := range all {
		out[i] = x.w
	}
	return out
}

// sourceCue is -1 for a reply or repost (it cannot start a story), else the
// number of cues that the item is a story's first post: a 【headline】, a link.
func sourceCue(text string) int {
	text = strings.TrimSpace(text)
	if strings.HasPrefix(text, "回复@") || strings.HasPrefix(text, "@") {
		return -1
	}
	n := 0
	if i := strings.Index(text, "【"); i >= 0 && strings.Contains(text[i:], "】") {
		n++
	}
	if strings.Contains(text, "http://") || strings.Contains(text, "https://") {
		n++
	}
	return n
}

// dedupe returns the distinct tokens in order, in c.wordsBuf (valid until
// the next call).
func (c *Clusterer) dedupe(tokens []string) []string {
	if len(tokens) < 2 {
		return tokens
	}
	out := c.wordsBuf[:0]
	if len(tokens) <= 8 {
		for i, w := range tokens {
			dup := false
			for _, v := range tokens[:i] {
				if v == w {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, w)
			}
		}
		c.wordsBuf = out
		return out
	}
	// An open-addressing set of positions in out, at most half full.
	size := 32
	for size < 2*len(tokens) {
		size *= 2
	}
	if cap(c.dedupeTab) < size {
		c.dedupeTab = make([]int32, size)
	}
	tab := c.dedupeTab[:size]
	clear(tab)
	mask := uint64(size - 1)
	for _, w := range tokens {
		h := maphash.String(dedupeSeed, w) & mask
		for {
			k := tab[h]
			if k == 0 {
				out = append(out, w)
				tab[h] = int32(len(out))
				break
			}
			if out[k-1] == w {
				break
			}
			h = (h + 1) & mask
		}
	}
	c.wordsBuf = out
	return out
}

var dedupeSeed = maphash.MakeSeed()

// mergeSimilar merges active topics with similar word profiles, most similar
// pairs first. The older topic (by first item) absorbs the younger.
func (c *Clusterer) mergeSimilar() []Merge {
	// A profile is a vector sorted by word, so that sums run in the same
	// order whatever the maps' layout (a restored state merges as the live
	// one would).
	// The vector of profile i is the cells in ps[i].vec, each with its
	// weight x and pi = i+1.
	type prof struct {
		tp   *topicState
		vec  []*wcell
		norm float64
	}
	var ps []prof
	buf := c.vecBuf[:0]
	for _, tp := range c.active {
		if tp.n < c.cfg.MergeMinItems {
			continue
		}
		start := len(buf)
		for _, cell := range c.profile(tp) {
			sl := c.salience(cell.e, cell.w)
			idf := math.Log(1/c.pBg(cell.e)) * sl
			if idf <= 0 {
				continue
			}
			cell.x = cell.c / tp.wordTotal * idf
			buf = append(buf, cell)
		}
		vec := buf[start:len(buf):len(buf)]
		if len(vec) == 0 {
			continue
		}
		var norm float64
		for _, v := range vec {
			v.pi = int32(len(ps) + 1)
			norm += v.x * v.x
		}
		ps = append(ps, prof{tp, vec, math.Sqrt(norm)})
	}
	type pair struct {
		i, j int
		sim  float64
	}
	var pairs []pair
	dot := c.dotBuf
	for i := range ps {
		// The dot products of profile i with the later ones: the terms of
		// the words both have, in word order (the order of ps[i].vec), found
		// through the index; 0 for a pair without a common word.
		dot = slices.Grow(dot[:0], len(ps))[:len(ps)]
		clear(dot)
		for _, a := range ps[i].vec {
			for _, b := range a.e.cells {
				if int(b.pi) > i+1 {
					dot[b.pi-1] += a.x * b.x
				}
			}
		}
		for j := i + 1; j < len(ps); j++ {
			sim := dot[j] / (ps[i].norm * ps[j].norm)
			if sim >= c.cfg.MergeSim {
				pairs = append(pairs, pair{i, j, sim})
			}
		}
	}
	c.dotBuf = dot[:0]
	for _, v := range buf {
		v.pi = 0
	}
	clear(buf)
	c.vecBuf = buf[:0]
	if len(pairs) == 0 {
		return nil
	}
	sort.Slice(pairs, func(x, y int) bool {
		if pairs[x].sim != pairs[y].sim {
			return pairs[x].sim > pairs[y].sim
		}
		if pairs[x].i != pairs[y].i {
			return pairs[x].i < pairs[y].i
		}
		return pairs[x].j < pairs[y].j
	})
	gone := map[*topicState]bool{}
	var out []Merge
	for _, p := range pairs {
		a, b := ps[p.i].tp, ps[p.j].tp
		if gone[a] || gone[b] || a.space != b.space || a.splitFrom == b.id || b.splitFrom == a.id || !c.linked(a, b) {
			continue
		}
		if b.firstTime.Before(a.firstTime) || (b.firstTime.Equal(a.firstTime) && b.id < a.id) {
			a, b = b, a
		}
		c.mergeInto(a, b)
		gone[b] = true
		out = append(out, Merge{From: b.id, Into: a.id})
	}
	kept := c.active[:0]
	for _, tp := range c.active {
		if !gone[tp] {
			kept = append(kept, tp)
		}
	}
	for i := len(kept); i < len(c.active); i++ {
		c.active[i] = nil
	}
	c.active = kept
	return out
}

// profile returns the topic's cells of count at least 2, sorted by word.
func (c *Clusterer) profile(tp *topicState) []*wcell {
	if len(tp.profNew) == 0 {
		return tp.prof
	}
	byWord := func(a, b *wcell) int { return strings.Compare(a.w, b.w) }
	nw := tp.profNew
	slices.SortFunc(nw, byWord)
	old := tp.prof
	out := make([]*wcell, 0, len(old)+len(nw))
	i, j := 0, 0
	for i < len(old) && j < len(nw) {
		if old[i].w < nw[j].w {
			out = append(out, old[i])
			i++
		} else {
			out = append(out, nw[j])
			j++
		}
	}
	out = append(out, old[i:]...)
	out = append(out, nw[j:]...)
	tp.prof = out
	clear(nw)
	tp.profNew = nw[:0]
	return out
}

// mergeInto moves src's state into dst. The caller removes src from active.
func (c *Clusterer) mergeInto(dst, src *topicState) {
	now := c.now
	c.setIntensity(dst, c.intensity(dst)+c.intensity(src))
	if src.lastTime.After(dst.lastTime) {
		dst.lastTime = src.lastTime
	}
	if now.After(dst.lastTime) {
		dst.lastTime = now
	}
	dst.n += src.n
	for w, sc := range src.words {
		dc := dst.words[w]
		if dc == nil {
			dc = c.newCell(dst, w, sc.e)
		}
		old := dc.c
		dc.c = old + sc.c
		if old < 2 && dc.c >= 2 {
			dst.profNew = append(dst.profNew, dc)
		}
	}
	c.unindexTopic(src)
	dst.wordTotal += src.wordTotal
	if len(dst.words) > c.cfg.MaxTopicWords {
		c.pruneWords(dst, c.cfg.MaxTopicWords/2)
	}
	for p, n := range src.platforms {
		dst.platforms[p] += n
	}
	for _, id := range src.itemIDs {
		c.items[id] = dst
	}
	dst.itemIDs = append(dst.itemIDs, src.itemIDs...)
	c.trimItems(dst)
	for _, id := range src.refIDs {
		if c.refs[id] == src {
			c.refs[id] = dst
			dst.refIDs = append(dst.refIDs, id)
		}
	}
	dst.sources = append(dst.sources, src.sources...)
	if over := len(dst.sources) - c.cfg.MaxSources; over > 0 {
		dst.sources = slices.Delete(dst.sources, 0, over)
	}
	dst.merged = append(dst.merged, src.id)
	dst.merged = append(dst.merged, src.merged...)
	c.redirect[src.id] = dst.id
	for _, id := range src.merged {
		c.redirect[id] = dst.id
	}
	if len(dst.merged) > c.cfg.MaxMerged {
		drop := len(dst.merged) - c.cfg.MaxMerged/2
		for _, id := range dst.merged[:drop] {
			if c.redirect[id] == dst.id {
				delete(c.redirect, id)
			}
		}
		dst.merged = append([]string(nil), dst.merged[drop:]...)
	}
	delete(c.byID, src.id)
}

// dropEmoticons removes from words (in place) those that the text has only
// inside emoticon codes ([挖鼻屎], [爱你]): they say how someone feels,
// not which story it is, and every story's comments have them.
func dropEmoticons(words []string, text string) []string {
	if strings.IndexByte(text, '[') < 0 {
		return words
	}
	var codes, rest strings.Builder
	for {
		i := strings.IndexByte(text, '[')
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i:], ']')
		if j < 0 || utf8.RuneCountInString(text[i+1:i+j]) > 8 {
			rest.WriteString(text[:i+1])
			text = text[i+1:]
			continue
		}
		rest.WriteString(text[:i])
		rest.WriteByte(' ')
		codes.WriteString(text[i : i+j+1])
		text = text[i+j+1:]
	}
	rest.WriteString(text)
	cs, rs := strings.ToLower(codes.String()), strings.ToLower(rest.String())
	if cs == "" {
		return words
	}
	kept := words[:0]
	for _, w := range words {
		if strings.Contains(cs, w) && !strings.Contains(rs, w) {
			continue
		}
		kept = append(kept, w)
	}
	return kept
}
