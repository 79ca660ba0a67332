package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"yuqing/ingest"
	"yuqing/ingest/hotline"
	"yuqing/internal/hanzi"
	"yuqing/internal/httpjson"
	"yuqing/internal/mention"
)

// Orders opens work orders. The server implements it with
// hotline.Submitter: the order is appended to hotline.TopicIntake and the
// duty desk's intake (respond/workorder.Intake) opens it with its
// working-day clocks; this package does not depend on respond.
//
// Receive must be idempotent: an order already received returns nil, so a
// sender retrying after a 503 does no harm. An error wrapping ErrRefused is
// a refusal of that order (reported to the sender, not retried); any other
// error is taken as transient and answered 503.
type Orders interface {
	Receive(ctx context.Context, rec hotline.Record, actor string) error
}

// ErrRefused is wrapped by an Orders error that refuses one order for good
// (the app wraps workorder.ErrRule with it).
var ErrRefused = errors.New("work order refused")

// HotlineHandler serves HotlinePattern: 12345 hotline and message-board
// (留言板) work orders as hotline.ParseJSON reads them (one object or an
// array, snake_case or Chinese keys), under the same endpoints and
// authentication as Handler; JSON only, not JSON Lines.
//
// Each order becomes (a) a mention, Record.Mention: platform
// hotline.Platform(channel), ID platform:order_id, text title + content,
// published when received, no phone; written with ingest.Write before
// anything else; and (b) a received work order through Orders, which starts
// its clocks. The caller's phone is masked by the parser and never stored
// in clear. The answer lists accepted order ids:
//
//	200 {"accepted":["LY2026112300101",…],"rejected":[{"index":2,"reason":"…"}]}
//
// Items the parser refuses become dead letters. The endpoint's platform
// "messageboard" makes 留言板 the channel of orders that do not name one
// (12345 otherwise). When Orders is nil the orders only become mentions.
type HotlineHandler struct {
	Log       ingest.Appender
	Orders    Orders
	Endpoints []Endpoint
	MaxBody   int64
	Now       func() time.Time
	Logger    *slog.Logger
	// Parse tunes the parser (Columns, Categories, DefaultCategory,
	// Location); its Channel and Now are set per request.
	Parse hotline.Options
}

func (h *HotlineHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := gate{endpoints: h.Endpoints, maxBody: h.MaxBody, now: h.Now, logger: h.Logger}.defaults()
	ep, body, _, ok := g.admit(w, r)
	if !ok {
		return
	}
	now := g.now()
	opts := h.Parse
	opts.Now = func() time.Time { return now }
	if opts.Channel == "" && ep.Platform == "messageboard" {
		opts.Channel = hotline.ChannelMessageBoard
	}
	recs, rejs, err := hotline.ParseJSONWith(body, opts)
	var bad []mention.Rejected
	if err != nil {
		bad = []mention.Rejected{{Index: 0, Reason: err.Error(), Raw: hanzi.ClipBytes(hotline.MaskText(string(body)), MaxRawBytes)}}
	}
	refused := map[int]bool{}
	for _, rj := range rejs {
		refused[rj.Row] = true
		bad = append(bad, mention.Rejected{Index: rj.Row, Reason: rj.Reason, Raw: rj.Raw})
	}
	// The parser keeps the order of the items and drops none: the records
	// are the items it did not refuse.
	type order struct {
		index int
		rec   hotline.Record
	}
	var orders []order
	var good []mention.Mention
	next := 0
	for _, rec := range recs {
		for refused[next] {
			next++
		}
		idx := next
		next++
		m := rec.Mention()
		if err := m.Validate(now); err != nil {
			bad = append(bad, mention.Rejected{Index: idx, Reason: err.Error(), Raw: hanzi.ClipBytes(hotline.MaskText(string(m.Raw)), MaxRawBytes)})
			continue
		}
		good = append(good, m)
		orders = append(orders, order{idx, rec})
	}
	actor := ep.Actor()
	unavailable := func(msg string) {
		w.Header().Set("Retry-After", "5")
		httpjson.Write(w, http.StatusServiceUnavailable, ingest.Response{Accepted: []string{}, Error: msg})
	}
	if err := ingest.Write(r.Context(), h.Log, good, bad, actor, actor, now); err != nil {
		g.logger.Error("webhook work orders: write failed", "endpoint", ep.Name, "err", err, "orders", len(good), "rejected", len(bad))
		unavailable("日志未确认写入，本批可能已部分写入：请用相同 id 重发（id 幂等，不会重复计数） / the log did not confirm the batch: some of it may have been written; re-send it with the same ids (ids are idempotent)")
		return
	}
	resp := ingest.Response{Accepted: make([]string, 0, len(orders))}
	for _, b := range bad {
		resp.Rejected = append(resp.Rejected, ingest.RejectedReply{Index: b.Index, Reason: b.Reason})
	}
	for _, o := range orders {
		if h.Orders != nil {
			err := h.Orders.Receive(r.Context(), o.rec, actor)
			if errors.Is(err, ErrRefused) {
				resp.Rejected = append(resp.Rejected, ingest.RejectedReply{Index: o.index, Reason: err.Error()})
				continue
			}
			if err != nil {
				g.logger.Error("webhook work orders: receiving failed", "endpoint", ep.Name, "order", o.rec.OrderID, "err", err)
				unavailable("工单未能登记，请重试 / the work orders were not all received; retry the batch (orders already received are not received twice)")
				return
			}
		}
		resp.Accepted = append(resp.Accepted, o.rec.OrderID)
	}
	slices.SortStableFunc(resp.Rejected, func(a, b ingest.RejectedReply) int { return a.Index - b.Index })
	status := http.StatusOK
	if len(resp.Accepted) == 0 {
		status = http.StatusUnprocessableEntity
	}
	httpjson.Write(w, status, resp)
}
