package ingest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"yuqing/internal/httpjson"
	"yuqing/internal/mention"
)

// Bounds on one request: the cost of a request is bounded whatever its
// body holds.
const (
	MaxBody     = 16 << 20 // the largest request body the endpoint reads
	MaxItems    = 10000    // mentions in one request; more is refused before any is parsed
	MaxRejected = 100      // dead letters, one per item, kept from one request; past it one summary
)

// Handler serves POST /api/v1/mentions: one JSON mention or an array, with
// "Authorization: Bearer <ingest token>". It answers only after the log holds
// the accepted mentions:
//
//	200 {"accepted":["weibo:1",…],"rejected":[{"index":1,"reason":"…"}]}
//
// 422 when every mention was rejected (the dead letters are still kept),
// 401 without the right token, 503 when the log refused the write (nothing
// was accepted: retry).
type Handler struct {
	Log    Appender
	Token  string // the ingest token; compared in constant time
	Now    func() time.Time
	Logger *slog.Logger
	// Timeout bounds the wait for the log (a hung broker); default 30 s.
	Timeout time.Duration
}

// Response is the body of an answer.
type Response struct {
	Accepted []string        `json:"accepted"`
	Rejected []RejectedReply `json:"rejected,omitempty"`
	// RejectedMore counts the rejected items past MaxRejected: they are
	// neither listed here nor kept one by one (a summary dead letter says
	// how many, and why the first of them was refused).
	RejectedMore int    `json:"rejected_more,omitempty"`
	Error        string `json:"error,omitempty"`
}

// RejectedReply says which item of the request was refused and why.
type RejectedReply struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpjson.Write(w, http.StatusMethodNotAllowed, Response{Error: "use POST"})
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="yuqing ingest"`)
		httpjson.Write(w, http.StatusUnauthorized, Response{Error: "missing or wrong ingest token"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpjson.Write(w, http.StatusRequestEntityTooLarge, Response{Error: "body larger than 16 MiB: send smaller batches"})
			return
		}
		httpjson.Write(w, http.StatusBadRequest, Response{Error: "reading body: " + err.Error()})
		return
	}
	if n := countItems(body); n > MaxItems {
		httpjson.Write(w, http.StatusRequestEntityTooLarge, Response{Error: fmt.Sprintf("%d items in one request: send batches of at most %d; nothing was accepted", n, MaxItems)})
		return
	}
	now := h.Now()
	good, at, bad, err := mention.ParseItems(body, now)
	if err != nil {
		// Not even JSON: keep the payload as one dead letter.
		bad = []mention.Rejected{{Index: 0, Reason: err.Error(), Raw: string(body)}}
	}
	good, bad = Clean(good, at, bad, now)
	bad, more := capRejected(bad)
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	if err := Write(ctx, h.Log, good, bad, "http", "ingest:http", now); err != nil {
		h.Logger.Error("ingest write failed", "err", err, "mentions", len(good), "rejected", len(bad))
		// A write the log did not confirm may still land (a slow broker
		// takes it later): say so, and how to be safe.
		msg := "the log did not confirm the batch: some of it may have been written; re-send it with the same ids (ids are idempotent, nothing is counted twice)"
		if errors.Is(err, context.DeadlineExceeded) {
			msg = fmt.Sprintf("the log did not answer within %s: the batch may have been written; re-send it with the same ids (ids are idempotent, nothing is counted twice)", timeout)
		}
		httpjson.Write(w, http.StatusServiceUnavailable, Response{Accepted: []string{}, Error: msg})
		return
	}
	resp := Response{Accepted: make([]string, 0, len(good))}
	for _, m := range good {
		resp.Accepted = append(resp.Accepted, m.ID)
	}
	for _, b := range bad[:min(len(bad), MaxRejected)] {
		resp.Rejected = append(resp.Rejected, RejectedReply{Index: b.Index, Reason: b.Reason})
	}
	resp.RejectedMore = more
	status := http.StatusOK
	if len(good) == 0 {
		status = http.StatusUnprocessableEntity
	}
	httpjson.Write(w, status, resp)
}

func (h *Handler) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || h.Token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(h.Token)) == 1
}

// countItems counts the elements of a JSON array body without keeping
// them (one for anything else); a body that is not an array of well-formed
// values counts as what was read before the error.
func countItems(body []byte) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return 1
	}
	n := 0
	for dec.More() {
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			break
		}
		n++
	}
	return n
}

// capRejected keeps the first MaxRejected dead letters and folds the rest
// into one summary dead letter; more is how many were folded.
func capRejected(bad []mention.Rejected) (kept []mention.Rejected, more int) {
	if len(bad) <= MaxRejected {
		return bad, 0
	}
	more = len(bad) - MaxRejected
	first := bad[MaxRejected]
	raw := first.Raw
	if len(raw) > 1024 {
		raw = raw[:1024]
	}
	sum := mention.Rejected{Index: first.Index, Source: first.Source, Raw: raw,
		Reason: fmt.Sprintf("%d more items of this request rejected and not kept one by one (the first, item %d: %s)", more, first.Index, first.Reason)}
	return append(bad[:MaxRejected:MaxRejected], sum), more
}
