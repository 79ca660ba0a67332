package sentiment

import (
	"bytes"
	_ "embed"
	"sync"
)

// The built-in model: BuiltinOptions trained on the hand-labelled Weibo
// posts of the development half of weibo2018 (see README.md, "Sentiment
// model", for provenance, licence and accuracy). Rebuild it with
//
//	go generate ./analyze/sentiment/
//
// which needs the evaluation data in ../shared beside the repository (the
// package does not build without builtin.model: to start from nothing,
// create it empty first; Builtin then panics until it is generated).
//
//go:generate go run ../../cmd/yuqing train sentiment --builtin --in ../../../shared/data/eval-dev/sentiment_weibo2018.jsonl --out builtin.model
//go:embed builtin.model
var builtinModel []byte

// BuiltinOptions is the training recipe of the built-in model (`yuqing
// train sentiment --builtin`): character unigrams and bigrams and lexicon
// hits, no segmenter tokens (so it scores raw text), five trainings on
// different shuffles averaged.
var BuiltinOptions = TrainOptions{NoWords: true, Runs: 5}

var (
	builtinOnce sync.Once
	builtin     *Model
)

// Builtin returns the embedded model, the scorer a new installation uses
// when no trained model is given. It labels a text neu only when nothing
// in it is known to the model (see Model.Score).
func Builtin() *Model {
	builtinOnce.Do(func() {
		m, err := Load(bytes.NewReader(builtinModel))
		if err != nil {
			panic("sentiment: embedded model: " + err.Error()) // caught by tests
		}
		builtin = m
	})
	return builtin
}
