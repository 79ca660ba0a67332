package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"yuqing/internal/httpjson"
	"yuqing/respond/handover"
)

// registerHandovers adds the shift handover (交接班): the note as it would
// be handed now, handing over (the outgoing duty officer signs), taking
// over (another duty officer signs), and the handovers recorded.
func (a *API) registerHandovers(route routeFunc) {
	duty := []string{DutyOfficer, Admin}
	route("GET /api/v1/handover/draft", Anyone, a.handoverDraft)
	route("GET /api/v1/handovers", Anyone, a.handoverList)
	route("POST /api/v1/handovers", duty, a.handOver, handBody{})
	route("GET /api/v1/handovers/{id}", Anyone, a.handoverByID)
	route("POST /api/v1/handovers/{id}/take", duty, a.takeOver, takeBody{})
}

// handoverView is a handover with its officers named for people.
type handoverView struct {
	handover.State
	HandedByName string `json:"handed_by_name"`
	TakenByName  string `json:"taken_by_name,omitempty"`
}

func (a *API) handoverView(s handover.State) handoverView {
	return handoverView{State: s, HandedByName: a.who(s.HandedBy), TakenByName: a.who(s.TakenBy)}
}

func (a *API) handoversReady(w http.ResponseWriter) bool {
	if a.Handovers == nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(errors.New("交接班未启用")))
		return false
	}
	return true
}

// untilOf reads ?until= (RFC 3339); absent is zero: the service picks the shift.
func untilOf(w http.ResponseWriter, v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("until 不是 RFC 3339 时间：%q", v)))
		return t, false
	}
	return t, true
}

// handoverDraft answers GET /api/v1/handover/draft[?until=]: the note as it
// would be handed now, and the handover of that shift if it was handed
// already (then it is not handed again).
func (a *API) handoverDraft(w http.ResponseWriter, r *http.Request) {
	if !a.handoversReady(w) {
		return
	}
	until, ok := untilOf(w, r.URL.Query().Get("until"))
	if !ok {
		return
	}
	note := a.Handovers.Draft(until)
	out := map[string]any{"note": note, "handed": nil}
	for _, s := range a.Handovers.Board().List() {
		if s.Note.Until.Equal(note.Until) {
			out["handed"] = a.handoverView(s)
			break
		}
	}
	httpjson.Write(w, http.StatusOK, out)
}

// handoverList answers GET /api/v1/handovers[?limit=]: the latest first.
func (a *API) handoverList(w http.ResponseWriter, r *http.Request) {
	if !a.handoversReady(w) {
		return
	}
	limit := 30
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			httpjson.Write(w, http.StatusBadRequest, errBody(errors.New("limit 应为 1 到 500 的整数")))
			return
		}
		limit = n
	}
	out := []handoverView{}
	for _, s := range a.Handovers.Board().List() {
		if len(out) == limit {
			break
		}
		out = append(out, a.handoverView(s))
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (a *API) handoverByID(w http.ResponseWriter, r *http.Request) {
	if !a.handoversReady(w) {
		return
	}
	s, ok := a.Handovers.Board().Get(r.PathValue("id"))
	if !ok {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("没有交接班 %s", r.PathValue("id"))))
		return
	}
	httpjson.Write(w, http.StatusOK, a.handoverView(s))
}

// handBody is POST /api/v1/handovers.
type handBody struct {
	Note  string    `json:"note"`           // 交班说明
	Until time.Time `json:"until,omitzero"` // the end of the shift handed; zero: the current one
}

// takeBody is POST /api/v1/handovers/{id}/take.
type takeBody struct {
	Remark string `json:"remark"`
}

// handOver answers POST /api/v1/handovers {note, until?}: the outgoing
// duty officer signs the note composed now, with their 交班说明.
func (a *API) handOver(w http.ResponseWriter, r *http.Request) {
	if !a.handoversReady(w) {
		return
	}
	var b handBody
	if !decode(w, r, &b) {
		return
	}
	s, err := a.Handovers.Hand(r.Context(), a.Actor(r), b.Note, b.Until)
	a.answerHandover(w, s, err)
}

// takeOver answers POST /api/v1/handovers/{id}/take {remark}: another duty
// officer signs as incoming.
func (a *API) takeOver(w http.ResponseWriter, r *http.Request) {
	if !a.handoversReady(w) {
		return
	}
	var b takeBody
	if !decode(w, r, &b) {
		return
	}
	s, err := a.Handovers.Take(r.Context(), r.PathValue("id"), a.Actor(r), b.Remark)
	a.answerHandover(w, s, err)
}

func (a *API) answerHandover(w http.ResponseWriter, s handover.State, err error) {
	switch {
	case errors.Is(err, handover.ErrNotFound):
		httpjson.Write(w, http.StatusNotFound, errBody(err))
	case errors.Is(err, handover.ErrRule):
		httpjson.Write(w, http.StatusConflict, errBody(err))
	case err != nil:
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("未能记录，请重试：%w", err)))
	default:
		httpjson.Write(w, http.StatusOK, a.handoverView(s))
	}
}
