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
	"strings"
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

	Sentiment      string   // "neg", "neu", "pos" or "" when not scored
	SentimentScore float64  // in [-1, 1]
	Topic          string   // hot topic the analyser assigned, "" if none
	Schemes        []string // IDs of the monitoring schemes it matched
}

// Dimension is what Rollup groups by.
type Dimension string

// Dimensions.
const (
	ByTopic  Dimension = "topic"
	ByScheme Dimension = "scheme"
)

// KeyBucket is the number of distinct mentions of one topic or scheme in one bucket.
type KeyBucket struct {
	Key   string
	Start time.Time
	Count int64
}

// Topic is a hot topic's summary as last reported by the analyser; topics
// that left the active window keep their history here.
type Topic struct {
	ID        string
	Label     []string
	Mentions  int64
	FirstID   string // 首发: the first mention
	FirstTime time.Time
	LastTime  time.Time
	Platforms []string // platforms it spread on, most mentions first
	Neg       int64
	Neu       int64
	Pos       int64
	Reach     int64
	Heat      float64
	Lifecycle string
	Grade     int // suggested grade 1 (I) .. 4 (IV), 0 none
	Schemes   []string
	Retired   bool
	Drill     bool
	Updated   time.Time // event time of this version: a newer version replaces an older one
}

// TopicQuery selects topics that were active in [From, To).
type TopicQuery struct {
	From, To time.Time
	Limit    int  // most topics returned, by Mentions descending then ID (default 50)
	Drill    bool // include drill topics
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
	// Rollup returns distinct-mention counts per key of dim and per Step
	// bucket (q.Step), ordered by key then start. keys limits the result to
	// those topics or schemes (nil: all). q.Platform filters; q.Keyword is ignored.
	Rollup(ctx context.Context, dim Dimension, keys []string, q Query) ([]KeyBucket, error)
	// PutTopics stores topic summaries; for each ID the one with the latest
	// Updated is kept (an older or equal version arriving later is ignored).
	PutTopics(ctx context.Context, ts []Topic) error
	// Topics returns the latest version of the topics active in the range
	// (LastTime >= From and FirstTime < To).
	Topics(ctx context.Context, q TopicQuery) ([]Topic, error)
	// Mentions lists stored mentions, newest first (then by ID), each
	// once: those published in [From, To), of a topic (as the analyser
	// assigned it) or of every topic within MaxSearchRange, optionally of
	// one platform, one sentiment and holding a text, listed after a
	// cursor, at most Limit of them. See MentionQuery.
	Mentions(ctx context.Context, q MentionQuery) ([]Mention, error)
	// Breakdown counts the distinct mentions of one topic (q.Topic) in
	// [From, To) by hour, platform and sentiment label ("" when not
	// scored), ordered by Start, Platform, Sentiment; empty cells are
	// omitted; a query without a topic is refused. q.Platform,
	// q.Sentiment, q.Text, q.After and q.Limit are ignored. It is what a
	// report needs of a topic without reading its mentions back.
	Breakdown(ctx context.Context, q MentionQuery) ([]Cell, error)
	// Close releases the store.
	Close() error
}

// Cell is the distinct mentions of one hour, platform and sentiment.
type Cell struct {
	Start     time.Time // UTC, on the hour
	Platform  string
	Sentiment string
	Count     int64
}

// MentionQuery selects mentions for a listing or a search.
type MentionQuery struct {
	From, To  time.Time
	Topic     string // "" for all topics: then To-From is at most MaxSearchRange
	Platform  string // "" for all
	Sentiment string // "" for all; else neg, neu or pos
	// Text, when not "", keeps the mentions whose title or text holds it
	// as a substring: ASCII letters match either case, everything else
	// (Chinese included) exactly; % and _ are plain characters.
	Text string
	// After, when set, continues a listing: only mentions after it in the
	// listing's order (PublishedAt descending, then ID ascending) are
	// listed. Paging with the last mention of each page as the next
	// page's After lists every match once, however many mentions arrive
	// between the pages (those newer than the first page are not listed).
	After Cursor
	Limit int // default 100, at most MaxMentions
}

// Cursor is a place in a listing: the mention published at PublishedAt
// with ID. The zero Cursor (no ID) is the listing's start.
type Cursor struct {
	PublishedAt time.Time
	ID          string
}

// CursorOf is the cursor that continues a listing after m.
func CursorOf(m Mention) Cursor { return Cursor{PublishedAt: m.PublishedAt, ID: m.ID} }

// IsZero reports whether c is the start of a listing.
func (c Cursor) IsZero() bool { return c.ID == "" }

// MaxMentions bounds one listing.
const MaxMentions = 1000

// MaxSearchRange bounds the period of a listing across all topics (no
// Topic): it reads every mention of the period, so the period is kept to
// about a quarter.
const MaxSearchRange = 92 * Day

// Normalize checks the query and fills the default limit.
func (q MentionQuery) Normalize() (MentionQuery, error) {
	if err := (Query{From: q.From, To: q.To}).Validate(false); err != nil {
		return q, err
	}
	if q.Topic == "" && q.To.Sub(q.From) > MaxSearchRange {
		return q, fmt.Errorf("a listing across all topics covers at most %d days, not [%s, %s): choose a topic or a shorter period",
			MaxSearchRange/Day, q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	q.Limit = min(q.Limit, MaxMentions)
	return q, nil
}

// Needle is q.Text as the stores match it: ASCII letters folded to lower
// case, to compare with the title and text folded the same way.
func (q MentionQuery) Needle() string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, q.Text)
}

// NormalizeBreakdown checks a Breakdown query, which needs a topic.
func (q MentionQuery) NormalizeBreakdown() (MentionQuery, error) {
	if q.Topic == "" {
		return q, errors.New("a breakdown needs a topic")
	}
	return q.Normalize()
}
