package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/httpjson"
)

// Breakdown is a topic's mentions by hour, platform and sentiment: what the
// topic page's charts draw (volume by platform, sentiment over time,
// platform share) from one request.
type Breakdown struct {
	Topic string          `json:"topic"`
	From  time.Time       `json:"from"`
	To    time.Time       `json:"to"`
	Cells []BreakdownCell `json:"cells"` // by start, platform, sentiment; empty cells omitted
	Total int64           `json:"total"` // mentions in the range
}

// BreakdownCell is the distinct mentions of one hour, platform and
// sentiment (neg, neu, pos; "" when not scored).
type BreakdownCell struct {
	Start     time.Time `json:"start"` // UTC, on the hour
	Platform  string    `json:"platform"`
	Sentiment string    `json:"sentiment"`
	Count     int64     `json:"count"`
}

// maxBreakdown bounds one request: a month of hours.
const maxBreakdown = 31 * 24 * time.Hour

// topicBreakdown answers GET /api/v1/topics/{id}/breakdown?from=&to=
// (RFC 3339; the last 24 hours by default).
func (a *API) topicBreakdown(w http.ResponseWriter, r *http.Request) {
	from, to, ok := rangeOf(w, r, a.Now(), 24*time.Hour)
	if !ok {
		return
	}
	if !from.Before(to) {
		httpjson.Write(w, http.StatusBadRequest, errBody(errors.New("from 应早于 to")))
		return
	}
	if to.Sub(from) > maxBreakdown {
		httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("时间范围不能超过 %d 天", maxBreakdown/(24*time.Hour))))
		return
	}
	id := r.PathValue("id")
	cells, err := a.Store.Breakdown(r.Context(), analytics.MentionQuery{Topic: id, From: from, To: to})
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("读取话题统计失败：%w", err)))
		return
	}
	out := Breakdown{Topic: id, From: from.UTC(), To: to.UTC(), Cells: make([]BreakdownCell, 0, len(cells))}
	for _, c := range cells {
		out.Cells = append(out.Cells, BreakdownCell{Start: c.Start.UTC(), Platform: c.Platform, Sentiment: c.Sentiment, Count: c.Count})
		out.Total += c.Count
	}
	httpjson.Write(w, http.StatusOK, out)
}
