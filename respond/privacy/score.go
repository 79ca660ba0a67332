package privacy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Case is one line of a case table (testdata/cases.jsonl): a text and the
// personal data it holds. A case wanting nothing is a negative case.
type Case struct {
	Text string `json:"text"`
	Want []Want `json:"want"`
}

// Want is one piece of personal data a case expects Scan to find.
type Want struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// ReadCases reads a JSONL case table; blank lines and lines starting with
// // are skipped. Errors name the line.
func ReadCases(r io.Reader) ([]Case, error) {
	var cases []Case
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var c Case
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("case line %d: %w", n, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading cases: %w", err)
	}
	return cases, nil
}

// Item is a missed or spurious finding of one case.
type Item struct {
	Case int    // index of the case in the table, from 0
	Kind string // kind of the finding
	Text string // text of the finding
}

// KindScore counts one kind over a table.
type KindScore struct {
	Wanted      int // personal data the cases hold
	Found       int // of those, how many Scan found
	FalseAlarms int // findings of this kind no case wanted
}

// Recall is Found/Wanted, or 1 when nothing was wanted.
func (k KindScore) Recall() float64 {
	if k.Wanted == 0 {
		return 1
	}
	return float64(k.Found) / float64(k.Wanted)
}

// Score is how Scan did on a case table.
type Score struct {
	Cases     int
	Negatives int                   // cases wanting nothing
	Kinds     map[string]*KindScore // by kind; every kind of Kinds() is present
	Missed    []Item                // wanted and not found
	Spurious  []Item                // found and not wanted: false alarms
}

// FalseAlarms is the number of spurious findings over the table.
func (s Score) FalseAlarms() int { return len(s.Spurious) }

// Evaluate runs Scan over every case. A wanted item is found by a finding
// of the same kind whose text equals it or contains it, or lies inside it
// (an address wanted as 西湖区文一西路969号 and found as 文一西路969号);
// each finding serves one wanted item at most.
func Evaluate(cases []Case) Score {
	s := Score{Cases: len(cases), Kinds: map[string]*KindScore{}}
	for _, k := range Kinds() {
		s.Kinds[k] = &KindScore{}
	}
	kind := func(k string) *KindScore {
		if s.Kinds[k] == nil {
			s.Kinds[k] = &KindScore{}
		}
		return s.Kinds[k]
	}
	for i, c := range cases {
		if len(c.Want) == 0 {
			s.Negatives++
		}
		fs := Scan(c.Text)
		used := make([]bool, len(fs))
		for _, w := range c.Want {
			kind(w.Kind).Wanted++
			hit := false
			for j, f := range fs {
				if !used[j] && f.Kind == w.Kind && (strings.Contains(f.Text, w.Text) || strings.Contains(w.Text, f.Text)) {
					used[j], hit = true, true
					break
				}
			}
			if hit {
				kind(w.Kind).Found++
			} else {
				s.Missed = append(s.Missed, Item{Case: i, Kind: w.Kind, Text: w.Text})
			}
		}
		for j, f := range fs {
			if !used[j] {
				kind(f.Kind).FalseAlarms++
				s.Spurious = append(s.Spurious, Item{Case: i, Kind: f.Kind, Text: f.Text})
			}
		}
	}
	return s
}

// Write prints the score one line each: recall per kind, false alarms per
// kind, then every missed and spurious item with its case number (from 1,
// the line of a table without blank lines).
func (s Score) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cases\t%d\t(negative %d)\n", s.Cases, s.Negatives)
	kinds := Kinds()
	var extra []string
	for k := range s.Kinds {
		if !slices.Contains(kinds, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	kinds = append(kinds, extra...)
	for _, k := range kinds {
		ks := s.Kinds[k]
		fmt.Fprintf(&b, "recall\t%s\t%d/%d\t%.3f\n", k, ks.Found, ks.Wanted, ks.Recall())
	}
	for _, k := range kinds {
		fmt.Fprintf(&b, "false_alarms\t%s\t%d\n", k, s.Kinds[k].FalseAlarms)
	}
	fmt.Fprintf(&b, "false_alarms\ttotal\t%d\n", s.FalseAlarms())
	for _, it := range s.Missed {
		fmt.Fprintf(&b, "missed\tcase %d\t%s\t%s\n", it.Case+1, it.Kind, it.Text)
	}
	for _, it := range s.Spurious {
		fmt.Fprintf(&b, "spurious\tcase %d\t%s\t%s\n", it.Case+1, it.Kind, it.Text)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
