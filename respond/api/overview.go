package api

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/httpjson"
)

// Overview is 态势总览: what a wall screen shows, for the last Hours
// hours (volume by hour and platform, sentiment of the active topics,
// platform share, top topics) and the last 30 days of deadlines.
type Overview struct {
	From      time.Time            `json:"from"`
	To        time.Time            `json:"to"`
	Hours     []time.Time          `json:"hours"`     // bucket starts, every hour of the period
	Volume    map[string][]int64   `json:"volume"`    // platform → mentions per hour, aligned with Hours
	Total     int64                `json:"total"`     // mentions in the period
	Platforms map[string]int64     `json:"platforms"` // platform → mentions in the period
	Sentiment map[string]int64     `json:"sentiment"` // neg, neu, pos of the active topics' mentions
	Topics    []topicView          `json:"topics"`    // the most talked-about topics of the period
	OnTime    []OverviewUnitOnTime `json:"on_time"`   // per responsible unit, incidents of the last 30 days
	Running   int                  `json:"running"`   // deadline clocks running
	Overdue   int                  `json:"overdue"`   // of which past due
	Open      int                  `json:"open"`      // incidents open
}

// OverviewUnitOnTime is one unit's deadlines met and missed.
type OverviewUnitOnTime struct {
	Unit   string  `json:"unit"`
	Met    int     `json:"met"`
	Missed int     `json:"missed"`
	Rate   float64 `json:"rate"`
}

// overview answers GET /api/v1/overview?hours=24 (1 to 168).
func (a *API) overview(w http.ResponseWriter, r *http.Request) {
	hours := 24
	if v := r.URL.Query().Get("hours"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 168 {
			httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("hours 应为 1 到 168 的整数")))
			return
		}
		hours = n
	}
	now := a.Now()
	to := now.Truncate(time.Hour).Add(time.Hour)
	from := to.Add(-time.Duration(hours) * time.Hour)
	ov := Overview{From: from, To: to, Volume: map[string][]int64{}, Platforms: map[string]int64{}, Sentiment: map[string]int64{"neg": 0, "neu": 0, "pos": 0},
		OnTime: []OverviewUnitOnTime{}}
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		ov.Hours = append(ov.Hours, h.UTC())
	}
	buckets, err := a.Store.Counts(r.Context(), analytics.Query{From: from, To: to, Step: analytics.Hour})
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("读取声量失败：%w", err)))
		return
	}
	for _, b := range buckets {
		i := int(b.Start.Sub(from) / time.Hour)
		if i < 0 || i >= len(ov.Hours) {
			continue
		}
		if ov.Volume[b.Platform] == nil {
			ov.Volume[b.Platform] = make([]int64, len(ov.Hours))
		}
		ov.Volume[b.Platform][i] += b.Count
		ov.Platforms[b.Platform] += b.Count
		ov.Total += b.Count
	}
	// Drill topics are listed too, marked 演练: a drill is rehearsed on the wall screen as well.
	topics, err := a.Store.Topics(r.Context(), analytics.TopicQuery{From: from, To: to, Limit: 10, Drill: true})
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("读取话题失败：%w", err)))
		return
	}
	for _, t := range topics {
		ov.Sentiment["neg"] += t.Neg
		ov.Sentiment["neu"] += t.Neu
		ov.Sentiment["pos"] += t.Pos
	}
	ov.Topics = topicViews(topics)
	for _, u := range a.Desk.Board().OnTimeRates(now.Add(-30*24*time.Hour), now, now) {
		ov.OnTime = append(ov.OnTime, OverviewUnitOnTime(u))
	}
	sort.SliceStable(ov.OnTime, func(i, j int) bool { return ov.OnTime[i].Rate < ov.OnTime[j].Rate })
	board := a.Desk.Board()
	ov.Running, ov.Overdue = len(board.Running(now)), len(board.Overdue(now))
	for _, id := range board.IDs() {
		if st, _ := board.State(id); st.Status == "open" {
			ov.Open++
		}
	}
	httpjson.Write(w, http.StatusOK, ov)
}
