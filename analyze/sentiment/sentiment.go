// Package sentiment labels text negative, neutral or positive with a score
// in [-1, 1] (negative below zero).
//
// Two scorers share the Scorer interface: the hand-written lexicon
// (Default) and a hashed-feature logistic regression (Train, Load) trained
// on labelled posts and duty officers' corrections. Builtin is such a model,
// embedded in the binary: the default of the analyser.
//
// Scoring with the built-in model, and with the lexicon alone:
//
//	r := sentiment.Builtin().Score(text, nil) // r.Label "neg"/"neu"/"pos", r.Score in [-1, 1]
//	r, evidence := sentiment.Builtin().Explain(text, nil)
//	r = sentiment.Default().Score(text, nil)
//
// Training and scoring with a model (tokens from yuqing/analyze/segment;
// pass the same kind of tokens when scoring as when training, see
// Model.UsesTokens):
//
//	ex, err := sentiment.ReadExamples(f)        // {"id","text","label"} lines
//	corr, err := sentiment.ReadCorrections(g)   // optional
//	m, err := sentiment.TrainCorrected(ex, corr, sentiment.TrainOptions{})
//	err = m.SaveFile("sentiment.model")
//	m, err = sentiment.LoadFile("sentiment.model")
//	r := m.Score(text, seg.Tokens(text))
//
// A model trained on pos/neg only never says neu unless Model.NeutralBand
// is set.
package sentiment

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Label is a sentiment class.
type Label string

// The three labels.
const (
	Neg Label = "neg"
	Neu Label = "neu"
	Pos Label = "pos"
)

// Result is a label with a score in [-1, 1]; the score is negative for Neg
// and positive for Pos.
type Result struct {
	Label Label   `json:"label"`
	Score float64 `json:"score"`
}

// Scorer labels a text. tokens are the words of text from the segmenter;
// a scorer may ignore them, and nil is allowed.
type Scorer interface {
	Score(text string, tokens []string) Result
}

// ParseLabel accepts pos/neg/neu and the spellings positive, negative,
// neutral, 正面, 负面, 中性 (case and surrounding space ignored).
func ParseLabel(s string) (Label, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "pos", "positive", "正面", "积极":
		return Pos, nil
	case "neg", "negative", "负面", "消极":
		return Neg, nil
	case "neu", "neutral", "中性", "中立":
		return Neu, nil
	}
	return "", fmt.Errorf("unknown sentiment label %q (want pos, neg or neu)", s)
}

// Example is one labelled text.
type Example struct {
	ID     string   `json:"id"`
	Text   string   `json:"text"`
	Label  Label    `json:"label"`
	Tokens []string `json:"tokens,omitempty"` // optional segmenter output
}

// maxLine bounds a JSONL line (a post with its metadata).
const maxLine = 16 << 20

// ReadExamples reads JSONL lines {"id","text","label"[,"tokens"]}. Blank
// lines are skipped. Errors name the line. A repeated id is an error: merge
// sources with Merge instead.
func ReadExamples(r io.Reader) ([]Example, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var out []Example
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var raw struct {
			ID     *string  `json:"id"`
			Text   *string  `json:"text"`
			Label  *string  `json:"label"`
			Tokens []string `json:"tokens"`
		}
		if err := json.Unmarshal([]byte(line), &raw); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch {
		case raw.ID == nil || *raw.ID == "":
			return nil, fmt.Errorf("line %d: missing \"id\"", n)
		case raw.Text == nil:
			return nil, fmt.Errorf("line %d (id %s): missing \"text\"", n, *raw.ID)
		case raw.Label == nil:
			return nil, fmt.Errorf("line %d (id %s): missing \"label\"", n, *raw.ID)
		}
		l, err := ParseLabel(*raw.Label)
		if err != nil {
			return nil, fmt.Errorf("line %d (id %s): %w", n, *raw.ID, err)
		}
		if prev, dup := seen[*raw.ID]; dup {
			return nil, fmt.Errorf("line %d: id %s repeats line %d", n, *raw.ID, prev)
		}
		seen[*raw.ID] = n
		out = append(out, Example{ID: *raw.ID, Text: *raw.Text, Label: l, Tokens: raw.Tokens})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading examples: %w", err)
	}
	return out, nil
}

// Correction is a duty officer's verdict on a mention's sentiment. Text may
// be empty when the mention is already among the examples.
type Correction struct {
	MentionID string    `json:"mention_id"`
	Text      string    `json:"text,omitempty"`
	Label     Label     `json:"label"`
	Actor     string    `json:"actor"`
	Time      time.Time `json:"time"`
}

// ReadCorrections reads JSONL corrections {"mention_id","text","label",
// "actor","time" (RFC 3339)}. Errors name the line.
func ReadCorrections(r io.Reader) ([]Correction, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var out []Correction
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var c Correction
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if c.MentionID == "" {
			return nil, fmt.Errorf("line %d: missing \"mention_id\"", n)
		}
		l, err := ParseLabel(string(c.Label))
		if err != nil {
			return nil, fmt.Errorf("line %d (mention %s): %w", n, c.MentionID, err)
		}
		c.Label = l
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading corrections: %w", err)
	}
	return out, nil
}

// Merge combines examples with corrections into one training set, one
// example per id. Among examples sharing an id the last wins. Corrections
// override examples; among corrections of one mention the latest Time wins
// (on equal times, the later in the slice). A correction without text takes
// the text (and tokens) of the example it corrects; one with neither is
// skipped and counted in skipped. Output order: examples in input order,
// then mentions known only from corrections in the order first seen.
func Merge(examples []Example, corrections []Correction) (merged []Example, skipped int, err error) {
	idx := map[string]int{}
	for _, e := range examples {
		if e.ID == "" {
			return nil, 0, errors.New("merge: example without id")
		}
		if _, err := ParseLabel(string(e.Label)); err != nil {
			return nil, 0, fmt.Errorf("merge: example %s: %w", e.ID, err)
		}
		if i, ok := idx[e.ID]; ok {
			merged[i] = e
			continue
		}
		idx[e.ID] = len(merged)
		merged = append(merged, e)
	}
	// Latest correction per mention, stable on ties.
	order := make([]int, len(corrections))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return corrections[a].Time.Compare(corrections[b].Time)
	})
	latest := map[string]Correction{}
	var firstSeen []string
	for _, i := range order {
		c := corrections[i]
		if c.MentionID == "" {
			return nil, 0, errors.New("merge: correction without mention_id")
		}
		l, err := ParseLabel(string(c.Label))
		if err != nil {
			return nil, 0, fmt.Errorf("merge: correction of %s by %s: %w", c.MentionID, c.Actor, err)
		}
		c.Label = l
		if _, ok := latest[c.MentionID]; !ok {
			firstSeen = append(firstSeen, c.MentionID)
		}
		prev, had := latest[c.MentionID]
		if c.Text == "" && had {
			c.Text = prev.Text // keep text given by an earlier correction
		}
		latest[c.MentionID] = c
	}
	// firstSeen follows time order; report new mentions in slice order.
	pos := map[string]int{}
	for i, c := range corrections {
		if _, ok := pos[c.MentionID]; !ok {
			pos[c.MentionID] = i
		}
	}
	slices.SortFunc(firstSeen, func(a, b string) int { return cmp.Compare(pos[a], pos[b]) })
	for _, id := range firstSeen {
		c := latest[id]
		if i, ok := idx[id]; ok {
			merged[i].Label = c.Label
			if c.Text != "" && c.Text != merged[i].Text {
				merged[i].Text = c.Text
				merged[i].Tokens = nil
			}
			continue
		}
		if c.Text == "" {
			skipped++
			continue
		}
		idx[id] = len(merged)
		merged = append(merged, Example{ID: id, Text: c.Text, Label: c.Label})
	}
	return merged, skipped, nil
}

// sign maps a score to a label with a neutral band |score| < threshold.
func labelFor(score, threshold float64) Label {
	switch {
	case score <= -threshold && score < 0:
		return Neg
	case score >= threshold && score > 0:
		return Pos
	}
	return Neu
}

// Feedback events: a duty officer marks a mention's sentiment wrong.
const (
	TypeCorrected = "feedback.sentiment.v1" // payload: Correction
	Topic         = "feedback"              // the log topic holding them
)
