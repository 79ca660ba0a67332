package api

import (
	"time"

	"yuqing/internal/analytics"
	"yuqing/respond/workorder"
)

// The API's JSON is snake_case. These views write the types of other
// packages that carry no JSON names (the store's rows, the calendar's
// pauses) as the API names them.

// topicView is a stored topic summary (analytics.Topic).
type topicView struct {
	ID        string    `json:"id"`
	Label     []string  `json:"label"`
	Mentions  int64     `json:"mentions"`
	FirstID   string    `json:"first_id"` // 首发: the first mention
	FirstTime time.Time `json:"first_time"`
	LastTime  time.Time `json:"last_time"`
	Platforms []string  `json:"platforms"` // most mentions first
	Neg       int64     `json:"neg"`
	Neu       int64     `json:"neu"`
	Pos       int64     `json:"pos"`
	Reach     int64     `json:"reach"`
	Heat      float64   `json:"heat"`
	Lifecycle string    `json:"lifecycle"`
	Grade     int       `json:"grade"` // suggested grade 1 (I) .. 4 (IV), 0 none
	Schemes   []string  `json:"schemes"`
	Retired   bool      `json:"retired"`
	Drill     bool      `json:"drill"`
	UpdatedAt time.Time `json:"updated_at"`
}

func topicViews(ts []analytics.Topic) []topicView {
	out := make([]topicView, 0, len(ts))
	for _, t := range ts {
		out = append(out, topicView{ID: t.ID, Label: list(t.Label), Mentions: t.Mentions, FirstID: t.FirstID, FirstTime: t.FirstTime, LastTime: t.LastTime,
			Platforms: list(t.Platforms), Neg: t.Neg, Neu: t.Neu, Pos: t.Pos, Reach: t.Reach, Heat: t.Heat, Lifecycle: t.Lifecycle, Grade: t.Grade,
			Schemes: list(t.Schemes), Retired: t.Retired, Drill: t.Drill, UpdatedAt: t.Updated})
	}
	return out
}

// volumeView is a topic's mentions in one bucket (analytics.KeyBucket).
type volumeView struct {
	Topic string    `json:"topic"`
	Start time.Time `json:"start"`
	Count int64     `json:"count"`
}

func volumeViews(bs []analytics.KeyBucket) []volumeView {
	out := make([]volumeView, 0, len(bs))
	for _, b := range bs {
		out = append(out, volumeView{Topic: b.Key, Start: b.Start, Count: b.Count})
	}
	return out
}

// mentionDetail is a stored mention in full (GET /api/v1/mentions/{id}):
// the stream's view and what only the detail shows.
type mentionDetail struct {
	mentionView
	Source     string    `json:"source,omitempty"`
	AuthorID   string    `json:"author_id,omitempty"`
	IngestedAt time.Time `json:"ingested_at"`
	Tokens     []string  `json:"tokens,omitempty"` // segmented words, stop words removed
}

func mentionDetailOf(m analytics.Mention) mentionDetail {
	return mentionDetail{mentionView: mentionViewOf(m), Source: m.Source, AuthorID: m.AuthorID, IngestedAt: m.IngestedAt, Tokens: m.Tokens}
}

// workOrderView is a work order with its pauses named (calendar.Pause has
// no JSON names); Pauses hides the embedded state's.
type workOrderView struct {
	workorder.State
	Pauses []pauseView `json:"pauses,omitempty"`
}

type pauseView struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func workOrderViewOf(s workorder.State) workOrderView {
	v := workOrderView{State: s}
	for _, p := range s.Pauses {
		v.Pauses = append(v.Pauses, pauseView(p))
	}
	return v
}
