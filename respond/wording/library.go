package wording

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"yuqing/internal/event"
	"yuqing/internal/hanzi"
)

// Library is the projection of the wording topic: every entry with its
// versions. It is safe for concurrent use; Apply is idempotent by event ID,
// so a consumer may replay the log into it after a restart.
type Library struct {
	mu      sync.RWMutex
	entries map[string]*Entry
	seen    map[string]bool
}

// NewLibrary returns an empty library.
func NewLibrary() *Library {
	return &Library{entries: map[string]*Entry{}, seen: map[string]bool{}}
}

// Apply folds one event of the topic into the library. An event seen
// before is ignored; one that does not fit its entry is an error and
// changes nothing.
func (l *Library) Apply(env event.Envelope) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[env.ID] {
		return nil
	}
	e := l.entries[env.Key]
	if e == nil {
		e = &Entry{ID: env.Key}
	}
	next := e.clone()
	if err := Apply(&next, env); err != nil {
		return fmt.Errorf("wording entry %s: %w", env.Key, err)
	}
	l.entries[env.Key] = &next
	l.seen[env.ID] = true
	return nil
}

// Get returns a copy of the entry with all its versions.
func (l *Library) Get(id string) (Entry, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	e, ok := l.entries[id]
	if !ok {
		return Entry{}, false
	}
	return e.clone(), true
}

// Entries returns a copy of every entry, ordered by ID.
func (l *Library) Entries() []Entry {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]Entry, 0, len(l.entries))
	for _, e := range l.entries {
		out = append(out, e.clone())
	}
	slices.SortFunc(out, func(a, b Entry) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Hit is one search result: the entry and its version in effect.
type Hit struct {
	Entry   Entry
	Version Version // the approved version
	Score   int     // how well it matches the query; 0 for an empty query
}

// Search returns the entries with an approved version valid at at, of the
// category and unit when they are not empty, that match query: best first.
//
// Chinese has no spaces, so matching is by substring and by character
// bigrams: a query term found whole in the title counts most, whole in the
// text next, then each of its bigrams found in the title (twice) or the
// text (once). Terms are separated by spaces; text is folded (Traditional
// to Simplified, full-width to half-width, case). An empty query matches
// every entry the filters let through, latest approved first.
func (l *Library) Search(query, category, unit string, at time.Time) []Hit {
	terms := queryTerms(query)
	var hits []Hit
	for _, e := range l.Entries() {
		v, ok := e.Current()
		if !ok || !v.ValidAt(at) || category != "" && v.Category != category || unit != "" && v.Unit != unit {
			continue
		}
		score := match(terms, v)
		if len(terms) > 0 && score == 0 {
			continue
		}
		hits = append(hits, Hit{Entry: e, Version: v, Score: score})
	}
	slices.SortStableFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := b.Version.ApprovedAt.Compare(a.Version.ApprovedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Entry.ID, b.Entry.ID)
	})
	return hits
}

// fold keeps letters and digits, folded; punctuation and spaces go.
func fold(s string) []rune {
	var out []rune
	for _, r := range hanzi.Fold(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
	}
	return out
}

func queryTerms(q string) [][]rune {
	var terms [][]rune
	for _, f := range strings.Fields(q) {
		if t := fold(f); len(t) > 0 {
			terms = append(terms, t)
		}
	}
	return terms
}

// grams are the bigrams of r, or its one rune when it has one.
func grams(r []rune) []string {
	if len(r) == 1 {
		return []string{string(r)}
	}
	var out []string
	for i := 0; i+1 < len(r); i++ {
		out = append(out, string(r[i:i+2]))
	}
	return out
}

func match(terms [][]rune, v Version) int {
	title, text := string(fold(v.Title)), string(fold(v.Text))
	score := 0
	for _, t := range terms {
		ts := string(t)
		if strings.Contains(title, ts) {
			score += 10 * len(t)
		}
		if strings.Contains(text, ts) {
			score += 5 * len(t)
		}
		for _, g := range grams(t) {
			if strings.Contains(title, g) {
				score += 2
			}
			if strings.Contains(text, g) {
				score++
			}
		}
	}
	return score
}
