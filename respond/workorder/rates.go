package workorder

import (
	"sort"
	"time"
)

// UnitRate is the answer record of one unit over a period.
type UnitRate struct {
	Unit      string  `json:"unit"`      // Received.Unit, "未指定" if empty
	Received  int     `json:"received"`  // orders received in the period
	Answered  int     `json:"answered"`  // answered (OnTime + Late)
	OnTime    int     `json:"on_time"`   // answered by the answer clock's due time
	Late      int     `json:"late"`      // answered after it
	Open      int     `json:"open"`      // not answered yet
	Overdue   int     `json:"overdue"`   // of Open, past the answer due time at asOf
	Withdrawn int     `json:"withdrawn"` // 视为放弃申请: neither answered nor open
	Rate      float64 `json:"rate"`      // OnTime / Answered, 0 if none answered
}

// OnTime returns the answer record per unit, sorted by unit, of the orders
// of category ("" for all) received in [from, to), judged by the answer
// clock (the statutory one for disclosure requests; the sign clock is not
// counted). An open order is overdue if its answer clock had run out at
// asOf, unless it was paused before its due time (a pause stops the clock;
// the due time moves when it ends). Orders not yet received are skipped.
func OnTime(orders []*State, category string, from, to, asOf time.Time) []UnitRate {
	units := map[string]*UnitRate{}
	for _, s := range orders {
		if s == nil || s.Status == "" || (category != "" && s.Received.Category != category) {
			continue
		}
		if at := s.Received.ReceivedAt; at.Before(from) || !at.Before(to) {
			continue
		}
		name := s.Received.Unit
		if name == "" {
			name = "未指定"
		}
		u := units[name]
		if u == nil {
			u = &UnitRate{Unit: name}
			units[name] = u
		}
		u.Received++
		cl := s.Clocks[ClockAnswer]
		switch {
		case s.Status == StatusWithdrawn:
			u.Withdrawn++
		case cl != nil && cl.Done && cl.Met:
			u.Answered++
			u.OnTime++
		case cl != nil && cl.Done:
			u.Answered++
			u.Late++
		default:
			u.Open++
			if s.overdueAt(asOf) {
				u.Overdue++
			}
		}
	}
	out := make([]UnitRate, 0, len(units))
	for _, u := range units {
		if u.Answered > 0 {
			u.Rate = float64(u.OnTime) / float64(u.Answered)
		}
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}

// overdueAt reports whether the answer clock of s is open and had run out at
// t (t at or after its due time, as Tick sees a breach), and the order was
// not paused before the due time.
func (s *State) overdueAt(t time.Time) bool {
	cl := s.Clocks[ClockAnswer]
	if cl == nil || cl.Done || t.Before(cl.Due) {
		return false
	}
	return s.PausedAt.IsZero() || !s.PausedAt.Before(cl.Due)
}
