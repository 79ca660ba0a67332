package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"yuqing/internal/httpjson"
	"yuqing/respond/wording"
)

// registerWording adds the 口径 library: approved wording by category and
// unit, versioned, with validity dates and owner; search; proposals by
// spokespeople, approval by someone else.
func (a *API) registerWording(route routeFunc) {
	writers := []string{Spokesperson, Admin}
	approvers := []string{Approver, Leader, Admin}
	cmd := func(pattern string, roles []string, body func() any) {
		route(pattern, roles, a.wordingCmd(body), body())
	}
	route("GET /api/v1/wording", Anyone, a.wordingList)
	route("GET /api/v1/wording/{wid}", Anyone, a.wordingEntry)
	cmd("POST /api/v1/wording", writers, func() any { return &proposeBody{} })
	cmd("POST /api/v1/wording/{wid}", writers, func() any { return &proposeBody{} })
	cmd("POST /api/v1/wording/{wid}/approve", approvers, func() any { return &approveBody{} })
	cmd("POST /api/v1/wording/{wid}/retire", approvers, func() any { return &retireBody{} })
}

type (
	proposeBody struct {
		Category        string             `json:"category"`
		Unit            string             `json:"unit"`
		Title           string             `json:"title"`
		Text            string             `json:"text"`
		Citations       []wording.Citation `json:"citations"`
		Owner           string             `json:"owner"`
		ValidFrom       time.Time          `json:"valid_from"`
		ValidUntil      time.Time          `json:"valid_until"`
		PrivacyOverride string             `json:"privacy_override"`
	}
	approveBody struct {
		Version int    `json:"version"`
		Note    string `json:"note"`
	}
	retireBody struct {
		Reason string `json:"reason"`
	}
)

func (a *API) wordingReady(w http.ResponseWriter) bool {
	if a.Wording == nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(errors.New("口径库未启用")))
		return false
	}
	return true
}

// wordingList searches the library (q, category, unit: approved entries
// valid now, best first), or lists every entry with all=1.
func (a *API) wordingList(w http.ResponseWriter, r *http.Request) {
	if !a.wordingReady(w) {
		return
	}
	q := r.URL.Query()
	if q.Get("all") == "1" {
		entries := a.Wording.Library().Entries()
		names := map[string]string{}
		for _, e := range entries {
			for _, v := range e.Versions {
				for _, who := range append([]string{v.Owner, v.ApprovedBy}, v.Authors...) {
					if who != "" {
						names[who] = a.who(who)
					}
				}
			}
		}
		httpjson.Write(w, http.StatusOK, map[string]any{"entries": entries, "categories": wording.Categories(), "names": names})
		return
	}
	hits := a.Wording.Library().Search(q.Get("q"), q.Get("category"), q.Get("unit"), a.Now())
	out := make([]map[string]any, 0, len(hits))
	for _, h := range hits {
		text, cites := wording.Insert(h.Entry)
		out = append(out, map[string]any{"id": h.Entry.ID, "version": h.Version, "score": h.Score, "insert": text, "citations": cites})
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"hits": out, "categories": wording.Categories()})
}

func (a *API) wordingEntry(w http.ResponseWriter, r *http.Request) {
	if !a.wordingReady(w) {
		return
	}
	e, ok := a.Wording.Library().Get(r.PathValue("wid"))
	if !ok {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("没有口径 %s", r.PathValue("wid"))))
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"entry": e, "status": e.Status()})
}

func (a *API) wordingCmd(body func() any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !a.wordingReady(w) {
			return
		}
		b := body()
		if !decode(w, r, b) {
			return
		}
		var cmd any
		switch c := b.(type) {
		case *proposeBody:
			cmd = wording.Propose{Category: c.Category, Unit: c.Unit, Title: c.Title, Text: c.Text, Citations: c.Citations, Owner: c.Owner,
				ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil, PrivacyOverride: c.PrivacyOverride}
		case *approveBody:
			cmd = wording.Approve{Version: c.Version, Note: c.Note}
		case *retireBody:
			cmd = wording.Retire{Reason: c.Reason}
		}
		id, envs, err := a.Wording.Handle(r.Context(), r.PathValue("wid"), a.Actor(r), cmd)
		a.answerCommand(w, id, envs, err)
	}
}
