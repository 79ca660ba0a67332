// Package analytics is the queryable store of analysed mentions and their
// rollups. Two implementations pass the suite in analytics/storetest:
// sqlitestore (the embedded default) and chstore (ClickHouse).
//
// Writes are idempotent: the same mention written twice is counted once, so
// an at-least-once consumer can write without checking first.
package analytics

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Mention is one analysed mention as stored for querying.
type Mention struct {
	ID          string
	Platform    string
	Source      string
	URL         string
	AuthorID    string
	AuthorName  string
	Title       string
	Text        string
	PublishedAt time.Time // event time; buckets use it
	IngestedAt  time.Time
	Tokens      []string // segmented words, stop words removed
	Keywords    []string // top keywords, most important first
	Drill       bool
}

// Steps a Query may bucket by.
const (
	Minute = time.Minute
	Hour   = time.Hour
	Day    = 24 * time.Hour
)

// Query selects mentions published in [From, To).
type Query struct {
	From, To time.Time
	Step     time.Duration // bucket width: Minute, Hour or Day (Counts only)
	Platform string        // "" for all
	Keyword  string        // "" for all; else mentions having this keyword
}

// Validate reports a query the stores cannot answer.
func (q Query) Validate(needStep bool) error {
	if q.From.IsZero() || q.To.IsZero() || !q.From.Before(q.To) {
		return fmt.Errorf("query range [%s, %s) is empty", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	if needStep && q.Step != Minute && q.Step != Hour && q.Step != Day {
		return fmt.Errorf("query step %s is not a minute, an hour or a day", q.Step)
	}
	return nil
}

// Bucket is the number of distinct mentions of one platform in one bucket.
type Bucket struct {
	Start    time.Time // UTC
	Platform string
	Count    int64
}

// KeywordCount is how many distinct mentions carry a keyword.
type KeywordCount struct {
	Keyword string
	Count   int64
}

// ErrNotFound is returned by Get for an unknown mention.
var ErrNotFound = errors.New("analytics: mention not found")

// Store is the analytics store. All methods are safe for concurrent use.
type Store interface {
	// PutMentions inserts mentions; a mention already stored is left as is.
	PutMentions(ctx context.Context, ms []Mention) error
	// Get returns one mention by ID, or ErrNotFound.
	Get(ctx context.Context, id string) (Mention, error)
	// Counts returns distinct-mention counts per Step bucket and platform,
	// ordered by Start then Platform; empty buckets are omitted.
	Counts(ctx context.Context, q Query) ([]Bucket, error)
	// TopKeywords returns the limit most frequent keywords in the range,
	// by count descending then keyword ascending. q.Keyword is ignored.
	TopKeywords(ctx context.Context, q Query, limit int) ([]KeywordCount, error)
	// Close releases the store.
	Close() error
}
