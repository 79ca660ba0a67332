package sentiment

// Measurement harness, skipped unless YUQING_LAB=1. It reads the dev sets
// from YUQING_LAB_DATA (default ../shared/data/eval-dev beside the
// repository) and writes
// prediction files and models under YUQING_LAB_OUT (default
// /tmp/senti-lab), which must be under /tmp. Score the predictions with
// python3 /work/shared/tools/score_sentiment.py GOLD PRED.
//
//	YUQING_LAB=1 go test -p 1 -run TestLab -v ./analyze/sentiment/
//	YUQING_LAB=1 YUQING_LAB_GRID=1 ...   also a small option grid (4-fold CV
//	                                     inside the training split only)
//	YUQING_LAB_GRIDALL=1                 the grid by 5-fold CV on the whole
//	                                     weibo2018 file instead
//	YUQING_LAB_GRIDJSON='[{...},...]'    the grid's TrainOptions
//	YUQING_LAB_EXTRA="a.jsonl b.jsonl"   dev files added to each grid fold's
//	                                     training set
//	YUQING_LAB_OPTS='{...}'              TrainOptions of the models trained
//	                                     (default BuiltinOptions)
//
// It reports the lexicon, the recipe of the built-in model on a hash split
// of weibo2018 (train on 80%, test on 20%) and by 5-fold CV, and the
// embedded model itself on every dev file.

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yuqing/analyze/segment"
)

func labEnv(t *testing.T) (data, out string) {
	if os.Getenv("YUQING_LAB") != "1" {
		t.Skip("set YUQING_LAB=1 to run the measurement harness")
	}
	data = os.Getenv("YUQING_LAB_DATA")
	if data == "" {
		data = filepath.Join("..", "..", "..", "shared", "data", "eval-dev")
	}
	out = os.Getenv("YUQING_LAB_OUT")
	if out == "" {
		out = "/tmp/senti-lab"
	}
	out = filepath.Clean(out)
	if !strings.HasPrefix(out, "/tmp/") {
		t.Fatalf("YUQING_LAB_OUT %s must be under /tmp", out)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return data, out
}

// fold is the deterministic split: fnv32a(id) mod 5; fold 0 is the test split.
func fold(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % 5)
}

func labRead(t *testing.T, seg *segment.Segmenter, path string) []Example {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	start := time.Now()
	for i := range ex {
		ex[i].Tokens = seg.Tokens(ex[i].Text)
	}
	t.Logf("%s: %d examples, segmented in %v", filepath.Base(path), len(ex), time.Since(start).Round(time.Millisecond))
	return ex
}

type pred struct {
	ID    string `json:"id"`
	Label Label  `json:"label"`
}

func writePreds(t *testing.T, path string, ps []pred) {
	var b strings.Builder
	for _, p := range ps {
		j, _ := json.Marshal(p)
		b.Write(j)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeGold writes the ids and gold labels of a split (no text) for the
// scorer.
func writeGold(t *testing.T, path string, ex []Example) {
	ps := make([]pred, len(ex))
	for i, e := range ex {
		ps[i] = pred{e.ID, e.Label}
	}
	writePreds(t, path, ps)
}

type prf struct{ acc, f1 float64 }

func evaluate(gold, got []Label) prf {
	var correct int
	tp, fp, fn := map[Label]int{}, map[Label]int{}, map[Label]int{}
	for i := range gold {
		if gold[i] == got[i] {
			correct++
			tp[gold[i]]++
		} else {
			fn[gold[i]]++
			fp[got[i]]++
		}
	}
	var f1 float64
	for _, c := range []Label{Neg, Pos} {
		p, r := 0.0, 0.0
		if tp[c]+fp[c] > 0 {
			p = float64(tp[c]) / float64(tp[c]+fp[c])
		}
		if tp[c]+fn[c] > 0 {
			r = float64(tp[c]) / float64(tp[c]+fn[c])
		}
		if p+r > 0 {
			f1 += 2 * p * r / (p + r) / 2
		}
	}
	return prf{float64(correct) / float64(len(gold)), f1}
}

func signLabel(r Result) Label {
	if r.Label != Neu {
		return r.Label
	}
	if r.Score < 0 {
		return Neg
	}
	return Pos // score 0 (no lexicon hit) counts as pos
}

// lexiconReport scores ex with the lexicon and writes two prediction files.
func lexiconReport(t *testing.T, out, name string, ex []Example) {
	lex := Default()
	var strict, signed []pred
	var gold, gs, gg []Label
	zero := 0
	for _, e := range ex {
		r := lex.Score(e.Text, e.Tokens)
		if r.Score == 0 {
			zero++
		}
		strict = append(strict, pred{e.ID, r.Label})
		signed = append(signed, pred{e.ID, signLabel(r)})
		gold = append(gold, e.Label)
		gs = append(gs, r.Label)
		gg = append(gg, signLabel(r))
	}
	writePreds(t, filepath.Join(out, name+".lexicon-neuwrong.pred.jsonl"), strict)
	writePreds(t, filepath.Join(out, name+".lexicon-sign.pred.jsonl"), signed)
	a, b := evaluate(gold, gs), evaluate(gold, gg)
	t.Logf("LEXICON %-28s n=%d neu-wrong acc=%.4f F1=%.4f | neu->sign acc=%.4f F1=%.4f | no-hit %.1f%%",
		name, len(ex), a.acc, a.f1, b.acc, b.f1, 100*float64(zero)/float64(len(ex)))
}

func predictAll(m *Model, ex []Example) ([]pred, []Label, []Label) {
	var ps []pred
	var gold, got []Label
	for _, e := range ex {
		r := m.Score(e.Text, e.Tokens)
		ps = append(ps, pred{e.ID, r.Label})
		gold = append(gold, e.Label)
		got = append(got, r.Label)
	}
	return ps, gold, got
}

func splitFolds(ex []Example, k int) (train, test []Example) {
	for _, e := range ex {
		if fold(e.ID) == k {
			test = append(test, e)
		} else {
			train = append(train, e)
		}
	}
	return
}

// cv trains on all folds but one for each fold in folds; returns mean
// accuracy and macro-F1 and the out-of-fold predictions.
func cv(t *testing.T, ex []Example, folds []int, o TrainOptions, extra ...Example) (prf, []pred) {
	var sum prf
	var all []pred
	for _, k := range folds {
		var tr, te []Example
		for _, e := range ex {
			switch f := fold(e.ID); {
			case f == k:
				te = append(te, e)
			case containsInt(folds, f):
				tr = append(tr, e)
			}
		}
		m, err := Train(append(tr, extra...), o)
		if err != nil {
			t.Fatal(err)
		}
		ps, gold, got := predictAll(m, te)
		r := evaluate(gold, got)
		sum.acc += r.acc / float64(len(folds))
		sum.f1 += r.f1 / float64(len(folds))
		all = append(all, ps...)
	}
	return sum, all
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestLab(t *testing.T) {
	data, out := labEnv(t)
	seg, err := segment.New(segment.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wb := labRead(t, seg, filepath.Join(data, "sentiment_weibo2018.jsonl"))
	train, test := splitFolds(wb, 0)
	t.Logf("weibo2018 split: train %d test %d", len(train), len(test))
	writeGold(t, filepath.Join(out, "weibo2018-test.gold.jsonl"), test)

	opts := BuiltinOptions
	if s := os.Getenv("YUQING_LAB_OPTS"); s != "" {
		opts = TrainOptions{}
		if err := json.Unmarshal([]byte(s), &opts); err != nil {
			t.Fatal(err)
		}
	}

	if os.Getenv("YUQING_LAB_GRID") == "1" {
		var extra []Example
		for _, name := range strings.Fields(os.Getenv("YUQING_LAB_EXTRA")) {
			extra = append(extra, labRead(t, seg, filepath.Join(data, name))...)
		}
		if os.Getenv("YUQING_LAB_GRIDALL") == "1" {
			grid(t, wb, extra)
		} else {
			grid(t, train, extra)
		}
		if os.Getenv("YUQING_LAB_GRIDONLY") == "1" {
			return
		}
	}

	// (a) lexicon on the test split and on the whole file.
	lexiconReport(t, out, "weibo2018-test", test)
	lexiconReport(t, out, "weibo2018-all", wb)

	// (b) trained model: train split -> test split.
	start := time.Now()
	m, err := Train(train, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained on %d in %v: %s", len(train), time.Since(start).Round(time.Millisecond), m.Info())
	modelPath := filepath.Join(out, "weibo2018-train.model")
	if err := m.SaveFile(modelPath); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(modelPath); err == nil {
		t.Logf("model file %s: %d bytes", modelPath, st.Size())
	}
	ps, gold, got := predictAll(m, test)
	writePreds(t, filepath.Join(out, "weibo2018-test.model.pred.jsonl"), ps)
	r := evaluate(gold, got)
	t.Logf("MODEL   weibo2018-test n=%d acc=%.4f F1=%.4f", len(test), r.acc, r.f1)

	noTok := make([]Example, len(test))
	for i, e := range test {
		noTok[i] = Example{ID: e.ID, Text: e.Text, Label: e.Label}
	}
	_, gold, got = predictAll(m, noTok)
	r = evaluate(gold, got)
	t.Logf("MODEL   weibo2018-test scored WITHOUT tokens acc=%.4f F1=%.4f", r.acc, r.f1)

	// Scoring speed, features only (tokens precomputed), one goroutine.
	start = time.Now()
	n := 0
	for time.Since(start) < 2*time.Second {
		for _, e := range wb {
			m.Score(e.Text, e.Tokens)
		}
		n += len(wb)
	}
	t.Logf("SPEED model %.0f posts/s (GOMAXPROCS=%s)", float64(n)/time.Since(start).Seconds(), os.Getenv("GOMAXPROCS"))
	lex := Default()
	start = time.Now()
	n = 0
	for time.Since(start) < 2*time.Second {
		for _, e := range wb {
			lex.Score(e.Text, nil)
		}
		n += len(wb)
	}
	t.Logf("SPEED lexicon %.0f posts/s", float64(n)/time.Since(start).Seconds())

	// 5-fold CV on the whole file.
	cvr, oof := cv(t, wb, []int{0, 1, 2, 3, 4}, opts)
	writePreds(t, filepath.Join(out, "weibo2018-cv5.model.pred.jsonl"), oof)
	t.Logf("MODEL   weibo2018 5-fold CV mean acc=%.4f F1=%.4f", cvr.acc, cvr.f1)

	// The embedded model on the dev files (weibo2018 is its training set:
	// that figure is not a held-out measure).
	for _, name := range []string{"sentiment_weibo2018", "sentiment", "sentiment_no_emoticons"} {
		ex := labRead(t, seg, filepath.Join(data, name+".jsonl"))
		ps, gold, got := predictAll(Builtin(), ex)
		writePreds(t, filepath.Join(out, name+"-all.builtin.pred.jsonl"), ps)
		r := evaluate(gold, got)
		neu := 0
		for _, l := range got {
			if l == Neu {
				neu++
			}
		}
		t.Logf("BUILTIN %s all n=%d acc=%.4f F1=%.4f neu=%d", name, len(ex), r.acc, r.f1, neu)
	}

	// Other dev sets: lexicon; weibo2018 model (whole file) cross-domain;
	// in-domain model on their own 80/20 split.
	full, err := Train(wb, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"sentiment", "sentiment_no_emoticons"} {
		ex := labRead(t, seg, filepath.Join(data, name+".jsonl"))
		lexiconReport(t, out, name+"-all", ex)
		ps, gold, got := predictAll(full, ex)
		writePreds(t, filepath.Join(out, name+"-all.wb2018model.pred.jsonl"), ps)
		r := evaluate(gold, got)
		t.Logf("MODEL   %s all, trained on weibo2018: acc=%.4f F1=%.4f", name, r.acc, r.f1)
		tr, te := splitFolds(ex, 0)
		writeGold(t, filepath.Join(out, name+"-test.gold.jsonl"), te)
		lexiconReport(t, out, name+"-test", te)
		m, err := Train(tr, opts)
		if err != nil {
			t.Fatal(err)
		}
		ps, gold, got = predictAll(m, te)
		writePreds(t, filepath.Join(out, name+"-test.model.pred.jsonl"), ps)
		r = evaluate(gold, got)
		t.Logf("MODEL   %s test (n=%d), trained on its train split: acc=%.4f F1=%.4f", name, len(te), r.acc, r.f1)
	}
	fmt.Fprintln(os.Stderr, "predictions in", out)
}

// grid compares options by 4-fold CV inside the training split (folds 1-4);
// the test split is not looked at.
func grid(t *testing.T, train, extra []Example) {
	var grid []TrainOptions
	if s := os.Getenv("YUQING_LAB_GRIDJSON"); s != "" {
		if err := json.Unmarshal([]byte(s), &grid); err != nil {
			t.Fatal(err)
		}
	} else {
		grid = []TrainOptions{{}, {NoLexicon: true}, {NoWords: true}, {WordBigrams: true}}
	}
	for _, o := range grid {
		start := time.Now()
		folds := []int{1, 2, 3, 4}
		if os.Getenv("YUQING_LAB_GRIDALL") == "1" {
			folds = []int{0, 1, 2, 3, 4}
		}
		r, _ := cv(t, train, folds, o, extra...)
		j, _ := json.Marshal(o)
		t.Logf("GRID %s cv4 acc=%.4f F1=%.4f (%v)", j, r.acc, r.f1, time.Since(start).Round(time.Millisecond))
	}
}
