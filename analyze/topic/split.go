package topic

import (
	"slices"
	"strings"
	"time"
)

// Split says that Items left topic From for the new topic Into: the topic
// proved to hold two stories. Decided with the items seen so far only.
type Split struct {
	From, Into string
	// Items are the moved items: the new topic's sources (posts that
	// joined by their content). Reposts that followed them stay counted
	// where they were; later ones follow the new topic.
	Items []string
	// Platforms counts the moved items by platform.
	Platforms map[string]int
}

// source is an item that joined its topic by content (or opened it): what
// a split divides. Its words are kept so that they can move.
type source struct {
	id       string
	t        time.Time
	platform string
	words    []string
	sal      []float64 // the words' weights as scored (salience, names ×EntityWeight)
}

// addSource remembers a content-bearing item of tp (the oldest go past
// MaxSources; they can no longer move).
func (c *Clusterer) addSource(tp *topicState, it Item, t time.Time, words []string, sal []float64) {
	if c.cfg.MaxSources <= 0 || it.ID == "" {
		return
	}
	s := source{id: it.ID, t: t, platform: it.Platform, words: make([]string, len(words)), sal: slices.Clone(sal)}
	var b strings.Builder
	for _, w := range words {
		b.WriteString(w)
	}
	all := b.String() // one allocation for the words
	for i, w := range words {
		s.words[i], all = all[:len(w)], all[len(w):]
	}
	tp.sources = append(tp.sources, s)
	if len(tp.sources) > c.cfg.MaxSources {
		tp.sources = slices.Delete(tp.sources, 0, len(tp.sources)-c.cfg.MaxSources)
	}
}

// splitTopics splits each active topic whose sources fall into two groups
// that share no telling words (less than SplitLink of weight between any
// two of them), each of at least SplitMin sources. The group of the
// topic's oldest kept source stays; the largest other group leaves.
func (c *Clusterer) splitTopics() []Split {
	if c.cfg.SplitMin <= 0 {
		return nil
	}
	var out []Split
	n := len(c.active)
	for i := 0; i < n; i++ {
		tp := c.active[i]
		if len(tp.sources) < 2*c.cfg.SplitMin || len(tp.sources) == tp.splitChecked {
			continue
		}
		tp.splitChecked = len(tp.sources)
		comp := c.components(tp.sources)
		// The largest group without the oldest source.
		size := map[int]int{}
		for _, g := range comp {
			size[g]++
		}
		best, bestN := -1, 0
		for g, k := range size {
			if g != comp[0] && (k > bestN || k == bestN && g < best) {
				best, bestN = g, k
			}
		}
		if best < 0 || bestN < c.cfg.SplitMin || len(tp.sources)-bestN < c.cfg.SplitMin {
			continue
		}
		var moved []source
		kept := tp.sources[:0:0]
		for k, s := range tp.sources {
			if comp[k] == best {
				moved = append(moved, s)
			} else {
				kept = append(kept, s)
			}
		}
		out = append(out, c.split(tp, kept, moved))
	}
	return out
}

// components labels the sources by connected group: two sources are linked
// when the words they share weigh SplitLink or more.
func (c *Clusterer) components(ss []source) []int {
	parent := make([]int, len(ss))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	// Word -> the sources that have it, in source order.
	type hit struct {
		src int
		sal float64
	}
	byWord := map[string][]hit{}
	for i, s := range ss {
		for k, w := range s.words {
			byWord[w] = append(byWord[w], hit{i, s.sal[k]})
		}
	}
	for i, s := range ss {
		shared := map[int]float64{}
		for k, w := range s.words {
			for _, h := range byWord[w] {
				if h.src > i {
					shared[h.src] += min(s.sal[k], h.sal)
				}
			}
		}
		for j, x := range shared {
			if x >= c.cfg.SplitLink {
				if a, b := find(i), find(j); a != b {
					parent[max(a, b)] = min(a, b)
				}
			}
		}
	}
	out := make([]int, len(ss))
	for i := range ss {
		out[i] = find(i)
	}
	return out
}

// split moves the moved sources of tp, with their words, to a new topic.
func (c *Clusterer) split(tp *topicState, kept, moved []source) Split {
	first := moved[0]
	id := "t-" + first.id
	for c.byID[id] != nil || c.redirect[id] != "" {
		id += "'"
	}
	nt := &topicState{
		id:        id,
		space:     tp.space,
		vol:       tp.vol,
		firstID:   first.id,
		firstTime: first.t,
		lastTime:  moved[len(moved)-1].t,
		words:     map[string]*wcell{},
		platforms: map[string]int{},
		splitFrom: tp.id,
	}
	sp := Split{From: tp.id, Into: id, Platforms: map[string]int{}}
	share := float64(len(moved)) / float64(len(moved)+len(kept))
	now := c.intensity(tp)
	nt.lastTime = c.now
	c.setIntensity(nt, now*share)
	c.setIntensity(tp, now*(1-share))
	if c.now.After(tp.lastTime) {
		tp.lastTime = c.now
	}
	movedIDs := map[string]bool{}
	for _, s := range moved {
		movedIDs[s.id] = true
		sp.Items = append(sp.Items, s.id)
		sp.Platforms[s.platform]++
		nt.platforms[s.platform]++
		if tp.platforms[s.platform]--; tp.platforms[s.platform] <= 0 {
			delete(tp.platforms, s.platform)
		}
		for _, w := range s.words {
			if cell := tp.words[w]; cell != nil {
				cell.c--
				tp.wordTotal--
				if cell.c <= 0 {
					tp.wordTotal -= cell.c // never below what it held
					delete(tp.words, w)
					c.unindex(cell)
				}
			}
			cell := nt.words[w]
			if cell == nil {
				cell = c.newCell(nt, w, nil)
			}
			cell.c++
			nt.wordTotal++
		}
	}
	nt.n = len(moved)
	tp.n = max(0, tp.n-len(moved))
	tp.sources, nt.sources = kept, moved
	tp.splitChecked, nt.splitChecked = len(kept), len(moved)
	ids := tp.itemIDs[:0]
	for _, x := range tp.itemIDs {
		if movedIDs[x] {
			c.items[x] = nt
			nt.itemIDs = append(nt.itemIDs, x)
		} else {
			ids = append(ids, x)
		}
	}
	clear(tp.itemIDs[len(ids):])
	tp.itemIDs = ids
	c.resetProfile(tp)
	c.resetProfile(nt)
	c.active = append(c.active, nt)
	c.byID[id] = nt
	return sp
}

// Related reports whether two active topics of one space are threads of one
// story: some source of one shares at least link of telling words with the
// other's sources, and at least a third of its own. Two articles that both
// begin 据新华社报道 share a name and some words but are not one story.
func (c *Clusterer) Related(a, b string, link float64) bool {
	x, y := c.byID[a], c.byID[b]
	if x == nil || y == nil || x == y || x.space != y.space || len(x.sources) == 0 || len(y.sources) == 0 {
		return false
	}
	return c.sourcesShare(x, y, link, relatedShare) || c.sourcesShare(y, x, link, relatedShare)
}

// relatedShare is the part of a source's telling words that Related needs
// shared.
const relatedShare = 1.0 / 3

// linked reports whether two topics may merge as far as their sources go:
// some source of b shares SplitLink of telling words with a's sources, or
// either has no sources (a topic of reposts only).
func (c *Clusterer) linked(a, b *topicState) bool {
	if len(a.sources) == 0 || len(b.sources) == 0 || c.cfg.SplitMin <= 0 {
		return true
	}
	return c.sourcesShare(a, b, c.cfg.SplitLink, 0)
}

// sourcesShare: some source of b shares link of telling words with a's
// sources, and at least share of its own.
func (c *Clusterer) sourcesShare(a, b *topicState, link, share float64) bool {
	weight := map[string]float64{}
	for _, s := range a.sources {
		for k, w := range s.words {
			weight[w] = max(weight[w], s.sal[k])
		}
	}
	for _, s := range b.sources {
		var x, own float64
		for k, w := range s.words {
			own += s.sal[k]
			if v, ok := weight[w]; ok {
				x += min(v, s.sal[k])
			}
		}
		if x >= link && x >= share*own {
			return true
		}
	}
	return false
}

// resetProfile rebuilds a topic's merge profile from its words: those used
// at least twice, sorted by word.
func (c *Clusterer) resetProfile(tp *topicState) {
	tp.prof, tp.profNew = tp.prof[:0], nil
	for _, cell := range tp.words {
		if cell.c >= 2 {
			tp.prof = append(tp.prof, cell)
		}
	}
	slices.SortFunc(tp.prof, func(a, b *wcell) int { return strings.Compare(a.w, b.w) })
}
