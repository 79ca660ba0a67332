// Package scheme evaluates monitoring schemes (监测方案): named rules over
// terms, with groups, proximity, exclusions and platform and region scope.
//
// Every term of every scheme goes into one Aho-Corasick automaton, so a
// mention is scanned once whatever the number of schemes; only schemes with
// at least one hit are then evaluated. A Matcher is immutable and safe for
// concurrent use; a Registry (schemes as events) builds a new one on change.
package scheme

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Scheme is one monitoring scheme, as configured.
type Scheme struct {
	ID        string              `json:"id" yaml:"id"`
	Name      string              `json:"name" yaml:"name"`
	Version   int                 `json:"version" yaml:"version"` // set by the registry
	Rule      string              `json:"rule" yaml:"rule"`
	Groups    map[string][]string `json:"groups,omitempty" yaml:"groups"`
	Exclude   []string            `json:"exclude,omitempty" yaml:"exclude"`     // any of these → no match
	Platforms []string            `json:"platforms,omitempty" yaml:"platforms"` // empty: every platform
	Regions   []string            `json:"regions,omitempty" yaml:"regions"`     // empty: everywhere
	Sensitive bool                `json:"sensitive,omitempty" yaml:"sensitive"` // a hit weighs more in grading
	// ActiveFrom and ActiveTo bound when the scheme watches: a mention
	// published at or after ActiveFrom and before ActiveTo (a zero bound
	// is open). A policy's release scheme watches its release window.
	ActiveFrom time.Time `json:"active_from,omitzero" yaml:"active_from,omitempty"`
	ActiveTo   time.Time `json:"active_to,omitzero" yaml:"active_to,omitempty"`
}

// ActiveAt reports whether the scheme watches mentions published at t: its
// window holds t, or it has none. A zero t (a caller that does not know
// when the text was published) counts as inside every window.
func (s Scheme) ActiveAt(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	return (s.ActiveFrom.IsZero() || !t.Before(s.ActiveFrom)) && (s.ActiveTo.IsZero() || t.Before(s.ActiveTo))
}

// Input is what a scheme looks at.
type Input struct {
	Text     string // title and text
	Platform string
	Region   string
	At       time.Time // when the text was published; zero: every scheme counts as active
}

// Match is one scheme that matched, with the terms that hit.
type Match struct {
	SchemeID string   `json:"scheme_id"`
	Name     string   `json:"name"`
	Version  int      `json:"version"`
	Terms    []string `json:"terms"`
}

type compiled struct {
	s       Scheme
	rule    node
	exclude []int32 // term indexes
	regions []int32 // term indexes of region names, also looked for in the text
	terms   []int32 // every positive term index of the rule
}

// Matcher evaluates a fixed set of schemes.
type Matcher struct {
	ac       *automaton
	index    map[string]int32
	schemes  []compiled
	byTerm   [][]int32 // term index → schemes whose rule uses it
	nTerms   int
	termText []string
}

// Compile checks and compiles schemes. Every problem is reported, each
// naming its scheme.
func Compile(schemes []Scheme) (*Matcher, error) {
	m := &Matcher{index: map[string]int32{}}
	intern := func(t string) int32 {
		if i, ok := m.index[t]; ok {
			return i
		}
		i := int32(len(m.termText))
		m.index[t] = i
		m.termText = append(m.termText, t)
		return i
	}
	var errs []error
	seen := map[string]bool{}
	for _, s := range schemes {
		if s.ID == "" {
			errs = append(errs, fmt.Errorf("scheme %q: id is empty", s.Name))
			continue
		}
		if seen[s.ID] {
			errs = append(errs, fmt.Errorf("scheme %s: defined twice", s.ID))
			continue
		}
		seen[s.ID] = true
		if !s.ActiveFrom.IsZero() && !s.ActiveTo.IsZero() && !s.ActiveFrom.Before(s.ActiveTo) {
			errs = append(errs, fmt.Errorf("scheme %s: active_to %s is not after active_from %s", s.ID,
				s.ActiveTo.Format(time.RFC3339), s.ActiveFrom.Format(time.RFC3339)))
			continue
		}
		rule, err := parseRule(s.Rule, s.Groups)
		if err != nil {
			errs = append(errs, fmt.Errorf("scheme %s: %w", s.ID, err))
			continue
		}
		if !positive(rule) {
			errs = append(errs, fmt.Errorf("scheme %s: rule %q would match mentions with none of its terms; add a term that must appear", s.ID, s.Rule))
			continue
		}
		c := compiled{s: s, rule: rule}
		walkTerms(rule, func(tn *termNode, neg bool) {
			tn.ids = tn.ids[:0]
			for _, t := range tn.terms {
				i := intern(t)
				tn.ids = append(tn.ids, i)
				if !neg {
					c.terms = append(c.terms, i)
				}
			}
		})
		for _, t := range s.Exclude {
			if t = fold(strings.TrimSpace(t)); t != "" {
				c.exclude = append(c.exclude, intern(t))
			}
		}
		for _, t := range s.Regions {
			if t = fold(strings.TrimSpace(t)); t != "" {
				c.regions = append(c.regions, intern(t))
			}
		}
		m.schemes = append(m.schemes, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	m.nTerms = len(m.termText)
	m.byTerm = make([][]int32, m.nTerms)
	for si, c := range m.schemes {
		for _, t := range c.terms {
			if l := m.byTerm[t]; len(l) == 0 || l[len(l)-1] != int32(si) {
				m.byTerm[t] = append(m.byTerm[t], int32(si))
			}
		}
	}
	m.ac = newAutomaton(m.termText)
	return m, nil
}

func walkTerms(n node, fn func(*termNode, bool)) {
	var walk func(n node, neg bool)
	walk = func(n node, neg bool) {
		switch n := n.(type) {
		case *termNode:
			fn(n, neg)
		case nearNode:
			fn(n.a, neg)
			fn(n.b, neg)
		case andNode:
			for _, k := range n.kids {
				walk(k, neg)
			}
		case orNode:
			for _, k := range n.kids {
				walk(k, neg)
			}
		case notNode:
			walk(n.kid, !neg)
		}
	}
	walk(n, false)
}

// Len is the number of schemes.
func (m *Matcher) Len() int { return len(m.schemes) }

// hits are the occurrences found in one text; texts hit few terms, so a
// slice scanned linearly beats a map.
type hits []hit

func (hs hits) has(term int32) bool {
	for _, h := range hs {
		if h.term == term {
			return true
		}
	}
	return false
}

// Match returns the schemes in matches of in, ordered by scheme ID.
func (m *Matcher) Match(in Input) []Match {
	if m == nil || len(m.schemes) == 0 {
		return nil
	}
	var buf [16]hit
	hs := hits(buf[:0])
	m.ac.scan(fold(in.Text), func(h hit) { hs = append(hs, h) })
	if len(hs) == 0 {
		return nil
	}
	var cbuf [8]int32
	candidates := cbuf[:0]
	for _, h := range hs {
		candidates = append(candidates, m.byTerm[h.term]...)
	}
	slices.Sort(candidates)
	candidates = slices.Compact(candidates)
	region := ""
	if in.Region != "" {
		region = fold(in.Region)
	}
	var out []Match
	for _, si := range candidates {
		c := &m.schemes[si]
		if !c.s.ActiveAt(in.At) {
			continue
		}
		if len(c.s.Platforms) > 0 && !slices.Contains(c.s.Platforms, in.Platform) {
			continue
		}
		if !inRegion(c, region, hs, m.termText) {
			continue
		}
		if excluded(c, hs) {
			continue
		}
		if !eval(c.rule, hs) {
			continue
		}
		var terms []string
		for _, t := range c.terms {
			if hs.has(t) {
				terms = append(terms, m.termText[t])
			}
		}
		sort.Strings(terms)
		out = append(out, Match{SchemeID: c.s.ID, Name: c.s.Name, Version: c.s.Version, Terms: slices.Compact(terms)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SchemeID < out[j].SchemeID })
	return out
}

// inRegion: no scope, or the mention's region names one of the scheme's
// regions, or (when the mention has no region) its text does.
func inRegion(c *compiled, region string, hs hits, terms []string) bool {
	if len(c.regions) == 0 {
		return true
	}
	for _, r := range c.regions {
		if region != "" && strings.Contains(region, terms[r]) {
			return true
		}
		if region == "" && hs.has(r) {
			return true
		}
	}
	return false
}

func excluded(c *compiled, hs hits) bool {
	for _, t := range c.exclude {
		if hs.has(t) {
			return true
		}
	}
	return false
}

func eval(n node, hs hits) bool {
	switch n := n.(type) {
	case *termNode:
		for _, t := range n.ids {
			if hs.has(t) {
				return true
			}
		}
		return false
	case andNode:
		for _, k := range n.kids {
			if !eval(k, hs) {
				return false
			}
		}
		return true
	case orNode:
		for _, k := range n.kids {
			if eval(k, hs) {
				return true
			}
		}
		return false
	case notNode:
		return !eval(n.kid, hs)
	case nearNode:
		for _, ha := range hs {
			if !slices.Contains(n.a.ids, ha.term) {
				continue
			}
			for _, hb := range hs {
				if slices.Contains(n.b.ids, hb.term) && gap(ha, hb) <= n.dist {
					return true
				}
			}
		}
		return false
	}
	return false
}

// gap is the number of characters between two occurrences (0 if they touch
// or overlap).
func gap(a, b hit) int {
	if a.end <= b.start {
		return b.start - a.end
	}
	if b.end <= a.start {
		return a.start - b.end
	}
	return 0
}
