package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"yuqing/analyze"
	"yuqing/analyze/sentiment"
)

type labelLine struct {
	ID       string          `json:"id"`
	Label    string          `json:"label"`
	Score    float64         `json:"score"`
	Evidence []sentiment.Hit `json:"evidence"`
}

// readLabels reads `yuqing sentiment` output by id.
func readLabels(t *testing.T, path string) map[string]labelLine {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]labelLine{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var l labelLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out[l.ID] = l
	}
	return out
}

// Without --model the built-in model labels posts (and says why with
// --explain); a trained model given with --model is used instead of it,
// and the analyser's default scorer is the built-in model.
func TestSentimentDefaultAndOverride(t *testing.T) {
	if s := *analyze.NewEnricher(nil, nil).Sentiment.Load(); s != sentiment.Scorer(sentiment.Builtin()) {
		t.Fatalf("the analyser's default sentiment scorer is %T, want the built-in model", s)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "posts.jsonl")
	os.WriteFile(in, []byte(`{"id":"good","text":"窗口工作人员很耐心，半小时就办好了，非常满意"}
{"id":"bad","text":"路灯坏了半个月没人修，打电话也没人管，太失望了"}
{"id":"empty","text":""}
`), 0o644)
	out := filepath.Join(dir, "labels.jsonl")
	runCLI(t, "sentiment", "--in", in, "--out", out, "--explain")
	got := readLabels(t, out)
	if got["good"].Label != "pos" || got["bad"].Label != "neg" || got["empty"].Label != "neu" || got["empty"].Score != 0 {
		t.Fatalf("built-in labels: %+v", got)
	}
	fromLexicon, fromModel := false, false
	for _, h := range got["bad"].Evidence {
		fromLexicon = fromLexicon || h.Word == "失望" && h.Weight < 0 && h.From == ""
		fromModel = fromModel || h.From == "model" && h.Weight < 0
	}
	if !fromLexicon || !fromModel {
		t.Errorf("evidence of the complaint: %+v, want the lexicon's 失望 and the model's features", got["bad"].Evidence)
	}

	// A unit whose duty officers file praise under neg and complaints
	// under pos (an inverted convention) trains its own model: it wins.
	labelled := filepath.Join(dir, "labelled.jsonl")
	var ex []string
	for i := 0; i < 30; i++ {
		c := string(rune('一' + i))
		ex = append(ex, `{"id":"p`+c+`","text":"工作人员很耐心，办好了，非常满意`+c+`","label":"neg"}`,
			`{"id":"n`+c+`","text":"没人修，没人管，太失望了`+c+`","label":"pos"}`)
	}
	os.WriteFile(labelled, []byte(strings.Join(ex, "\n")+"\n"), 0o644)
	model := filepath.Join(dir, "model.bin")
	if res := runCLI(t, "train", "sentiment", "--builtin", "--in", labelled, "--out", model, "--data", filepath.Join(dir, "data")); !strings.Contains(res, "trained on 60 examples") {
		t.Fatalf("train: %s", res)
	}
	runCLI(t, "sentiment", "--in", in, "--out", out, "--model", model)
	got = readLabels(t, out)
	if got["good"].Label != "neg" || got["bad"].Label != "pos" {
		t.Fatalf("--model did not override the built-in model: %+v", got)
	}
}
