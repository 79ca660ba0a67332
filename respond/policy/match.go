package policy

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"yuqing/internal/hanzi"
)

// Trigger is a sentence of the draft and the terms that matched in it.
type Trigger struct {
	Sentence int      `json:"sentence"` // Sentence.Index
	Article  string   `json:"article,omitempty"`
	Text     string   `json:"text"`
	Terms    []string `json:"terms"`
}

// SubjectHit is a hot-button subject the draft touches.
type SubjectHit struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Weight   int       `json:"weight"`
	Groups   []string  `json:"groups"` // affected groups (受影响群体)
	Terms    []string  `json:"terms"`  // every term that matched, first seen first
	Triggers []Trigger `json:"triggers"`
}

// CueHit is a generic risk clause the draft contains.
type CueHit struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Weight   int       `json:"weight"`
	Triggers []Trigger `json:"triggers"`
	// MaxRise is the largest price rise found (由5元调整为8元: 60), in percent.
	MaxRise float64 `json:"max_rise,omitempty"`
}

// findSubjects lists the subjects with at least one term in a sentence,
// the heaviest first, then those triggered by more sentences.
func findSubjects(subs []Subject, ss []Sentence) []SubjectHit {
	var out []SubjectHit
	for _, sub := range subs {
		h := SubjectHit{ID: sub.ID, Name: sub.Name, Weight: sub.Weight, Groups: sub.Groups}
		for _, s := range ss {
			terms := matchTerms(hanzi.Fold(s.Text), clean(sub.Terms))
			if len(terms) == 0 {
				continue
			}
			h.Triggers = append(h.Triggers, Trigger{Sentence: s.Index, Article: s.Article, Text: s.Text, Terms: terms})
			h.Terms = appendNew(h.Terms, terms...)
		}
		if len(h.Triggers) > 0 {
			out = append(out, h)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Weight != out[j].Weight {
			return out[i].Weight > out[j].Weight
		}
		return len(out[i].Triggers) > len(out[j].Triggers)
	})
	return out
}

// mainTrigger is the trigger that best shows why: the one with the most terms,
// an article's sentence before a preamble's among equals.
func mainTrigger(ts []Trigger) Trigger {
	best := ts[0]
	for _, t := range ts[1:] {
		if len(t.Terms) > len(best.Terms) || len(t.Terms) == len(best.Terms) && best.Article == "" && t.Article != "" {
			best = t
		}
	}
	return best
}

// findCues lists the risk clauses found, in the list's order. The cost cue
// also fires on a price change worded 由X元调整为Y元 with Y > X.
func findCues(cues []Cue, ss []Sentence) []CueHit {
	var out []CueHit
	for _, c := range cues {
		h := CueHit{ID: c.ID, Name: c.Name, Weight: c.Weight}
		terms, ctx := clean(c.Terms), clean(c.Context)
		for _, s := range ss {
			f := hanzi.Fold(s.Text)
			var got []string
			if m := matchTerms(f, terms); len(m) > 0 && (len(ctx) == 0 || len(matchTerms(f, ctx)) > 0) && (!c.Number || hasDigit(f)) {
				got = m
			}
			if c.ID == CueCost {
				for _, r := range priceRises(f) {
					got = append(got, r.String())
					h.MaxRise = max(h.MaxRise, r.Percent())
				}
			}
			if len(got) > 0 {
				h.Triggers = append(h.Triggers, Trigger{Sentence: s.Index, Article: s.Article, Text: s.Text, Terms: got})
			}
		}
		if len(h.Triggers) > 0 {
			out = append(out, h)
		}
	}
	return out
}

// matchTerms returns the terms found in the folded text f, in the order
// given, without a term every occurrence of which lies inside a longer
// term found (收费 inside 收费标准).
func matchTerms(f string, terms []string) []string {
	var found []string
	for _, t := range terms {
		if strings.Contains(f, t) && !slices.Contains(found, t) {
			found = append(found, t)
		}
	}
	var out []string
	for _, t := range found {
		if !covered(f, t, found) {
			out = append(out, t)
		}
	}
	return out
}

// covered reports whether every occurrence of t in f is inside an
// occurrence of a longer term of others.
func covered(f, t string, others []string) bool {
	for i := 0; ; {
		k := strings.Index(f[i:], t)
		if k < 0 {
			return true
		}
		at := i + k
		inside := false
		for _, o := range others {
			if len(o) <= len(t) || !strings.Contains(o, t) {
				continue
			}
			for j := max(0, at+len(t)-len(o)); j <= at && j+len(o) <= len(f); j++ {
				if f[j:j+len(o)] == o {
					inside = true
					break
				}
			}
		}
		if !inside {
			return false
		}
		i = at + len(t)
	}
}

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// rise is a price change from one amount to a higher one.
type rise struct{ from, to float64 }

func (r rise) Percent() float64 { return math.Round((r.to-r.from)/r.from*1000) / 10 }

func (r rise) String() string {
	return fmt.Sprintf("%s元→%s元（+%s%%）", num(r.from), num(r.to), num(r.Percent()))
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// priceChange matches 由(每小时)5元调整为(每小时)8元 and its variants, in
// folded text.
var priceChange = regexp.MustCompile(`由(?:每[^0-9，。；]{0,4})?([0-9]+(?:\.[0-9]+)?)元[^。；]{0,12}?(?:调整为|调整到|提高至|提高到|提高为|上调至|上调为|上调到|涨至|涨到|增加至|增加到|增至)(?:每[^0-9，。；]{0,4})?([0-9]+(?:\.[0-9]+)?)元`)

// priceRises lists the price changes of a folded sentence that raise the
// price.
func priceRises(f string) []rise {
	var out []rise
	for _, m := range priceChange.FindAllStringSubmatch(f, -1) {
		a, err1 := strconv.ParseFloat(m[1], 64)
		b, err2 := strconv.ParseFloat(m[2], 64)
		if err1 == nil && err2 == nil && a > 0 && b > a {
			out = append(out, rise{a, b})
		}
	}
	return out
}

func appendNew(xs []string, ys ...string) []string {
	for _, y := range ys {
		if !slices.Contains(xs, y) {
			xs = append(xs, y)
		}
	}
	return xs
}
