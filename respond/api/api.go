// Package api is the REST/JSON API behind the console: everything the
// console does, each route guarded by a role, each command an event that
// names its actor. GET /api/v1/openapi.json describes it.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"yuqing/respond/handover"
	"yuqing/respond/llm"
	"yuqing/respond/policy"
	"yuqing/respond/wording"

	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/analyze/sentiment"
	"yuqing/internal/analytics"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/internal/httpjson"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
	"yuqing/respond/report"
	"yuqing/respond/statement"
	"yuqing/respond/workorder"
)

// Roles.
const (
	DutyOfficer  = "duty_officer"
	Spokesperson = "spokesperson"
	Approver     = "approver"
	Leader       = "leader"
	Admin        = "admin"
)

// Anyone is every console role.
var Anyone = []string{DutyOfficer, Spokesperson, Approver, Leader, Admin}

// API serves the routes. Guard wraps a handler so only users with one of
// the roles reach it (auth.Auth.Require); Actor names the signed-in user
// of a request for the events it causes ("user:alice").
type API struct {
	Desk    *desk.Desk
	Store   analytics.Store
	Schemes *scheme.Registry
	Log     eventlog.Log
	Guard   func(roles ...string) func(http.Handler) http.Handler
	Actor   func(r *http.Request) string
	Now     func() time.Time
	// Reports generates and keeps reports (日报/周报/月报/专报); nil: the
	// report routes answer 503.
	Reports *report.Service
	// Assistant proposes draft wording from verified facts (an
	// OpenAI-compatible model, --llm-url); nil: off.
	Assistant interface {
		Propose(ctx context.Context, req llm.Request) (string, error)
	}
	// Wording is the 口径 library; nil: its routes answer 503.
	Wording *wording.Service
	// Policies keeps the policy assessments (政策研判); nil: its routes answer 503.
	Policies *policy.Service
	// Handovers keeps the shift handovers (交接班); nil: its routes answer 503.
	Handovers *handover.Service
	// Who names an actor for people ("发言人李四"); nil shows the account.
	Who func(actor string) string
	// Segmenter is the loaded segmenter for the evidence's entities, nil
	// while it loads.
	Segmenter func() *segment.Segmenter

	spec openAPI
}

// routeFunc registers h for pattern, guarded by roles. body, for a route
// that reads a request body, is a value of the type h decodes it into:
// the OpenAPI document describes the body from that type.
type routeFunc func(pattern string, roles []string, h http.HandlerFunc, body ...any)

// Register adds every route to mux.
func (a *API) Register(mux *http.ServeMux) {
	route := func(pattern string, roles []string, h http.HandlerFunc, body ...any) {
		var b any
		if len(body) > 0 {
			b = body[0]
		}
		a.spec.add(pattern, roles, b)
		mux.Handle(pattern, a.Guard(roles...)(h))
	}
	// The commands of an incident and of a work order: body gives the
	// value the request body is decoded into.
	incidentRoute := func(pattern string, roles []string, body func() any) {
		route(pattern, roles, incidentCmd(a, body), body())
	}
	orderRoute := func(pattern string, roles []string, body func() any) {
		route(pattern, roles, orderCmd(a, body), body())
	}
	duty := []string{DutyOfficer, Admin}
	spokes := []string{Spokesperson, DutyOfficer, Admin}
	grading := []string{DutyOfficer, Approver, Leader, Admin}
	closing := []string{Approver, Leader, Admin}

	route("GET /api/v1/topics", Anyone, a.topics)
	route("GET /api/v1/topics/{id}/volume", Anyone, a.topicVolume)
	route("GET /api/v1/topics/{id}/mentions", Anyone, a.topicMentions)
	route("GET /api/v1/topics/{id}/breakdown", Anyone, a.topicBreakdown)
	route("GET /api/v1/mentions/{id}", Anyone, a.mention)
	route("GET /api/v1/clocks", Anyone, a.clocks)
	route("GET /api/v1/reports/ontime", Anyone, a.onTime)
	route("GET /api/v1/overview", Anyone, a.overview)
	route("GET /api/v1/incidents", Anyone, a.incidents)
	route("GET /api/v1/incidents/{id}", Anyone, a.incidentByID)
	route("POST /api/v1/incidents", duty, a.openIncident, openBody{})
	incidentRoute("POST /api/v1/incidents/{id}/grade", grading, func() any { return &gradeBody{} })
	incidentRoute("POST /api/v1/incidents/{id}/assign", duty, func() any { return &assignBody{} })
	incidentRoute("POST /api/v1/incidents/{id}/acknowledge", Anyone, func() any { return &acknowledgeBody{} })
	incidentRoute("POST /api/v1/incidents/{id}/publish", spokes, func() any { return &incident.Release{} })
	incidentRoute("POST /api/v1/incidents/{id}/conference/schedule", spokes, func() any { return &scheduleBody{} })
	incidentRoute("POST /api/v1/incidents/{id}/conference/hold", spokes, func() any { return &holdBody{} })
	incidentRoute("POST /api/v1/incidents/{id}/followup", spokes, func() any { return &followBody{} })
	incidentRoute("POST /api/v1/incidents/{id}/snooze", duty, func() any { return &snoozeBody{} })
	incidentRoute("POST /api/v1/incidents/{id}/close", closing, func() any { return &closeBody{} })
	incidentRoute("POST /api/v1/incidents/{id}/reopen", closing, func() any { return &reopenBody{} })
	route("GET /api/v1/workorders/options", Anyone, a.workOrderOptions)
	route("GET /api/v1/workorders/{id}", Anyone, a.workOrder)
	route("POST /api/v1/workorders", duty, a.receiveWorkOrder, receiveBody{})
	orderRoute("POST /api/v1/workorders/{id}/sign", duty, func() any { return &workorder.Sign{} })
	orderRoute("POST /api/v1/workorders/{id}/answer", duty, func() any { return &workorder.Answer{} })
	orderRoute("POST /api/v1/workorders/{id}/pause", duty, func() any { return &workorder.Pause{} })
	orderRoute("POST /api/v1/workorders/{id}/resume", duty, func() any { return &workorder.Resume{} })
	orderRoute("POST /api/v1/workorders/{id}/extend", closing, func() any { return &workorder.Extend{} })
	route("GET /api/v1/schemes", Anyone, a.schemes)
	route("PUT /api/v1/schemes/{id}", duty, a.putScheme, scheme.Scheme{})
	route("DELETE /api/v1/schemes/{id}", duty, a.deleteScheme)
	route("POST /api/v1/feedback/sentiment", duty, a.sentimentFeedback, sentimentBody{})
	route("POST /api/v1/feedback/relevance", duty, a.relevanceFeedback, relevanceBody{})
	a.registerStatements(route)
	a.registerEvidence(route)
	a.registerWording(route)
	a.registerReports(route)
	a.registerPolicies(route)
	a.registerSearch(route)
	a.registerHandovers(route)
	route("GET /api/v1/openapi.json", Anyone, func(w http.ResponseWriter, r *http.Request) { httpjson.Write(w, http.StatusOK, a.spec.document()) })
}

// incidentView is an incident with the draft in work on it, if any.
type incidentView struct {
	incident.State
	Draft map[string]any `json:"draft,omitempty"`
}

// Bodies whose JSON differs from the command type. The incident commands
// name no JSON fields; their bodies name them, snake_case (the decoder
// matches names regardless of case, so Reason still reads as reason).
type (
	gradeBody struct {
		Grade  incident.Grade `json:"grade" openapi:"required"`
		Reason string         `json:"reason" openapi:"required"`
	}
	assignBody struct {
		Units []incident.Unit `json:"units"`
		Lead  string          `json:"lead"`
	}
	acknowledgeBody struct {
		Clock string `json:"clock"` // "" (or no body) acknowledges every running clock
	}
	scheduleBody struct{ incident.Conference }
	holdBody     struct{ incident.Conference }
	followBody   struct{ incident.Release }
	snoozeBody   struct {
		Clock  string    `json:"clock"`
		Until  time.Time `json:"until"`
		Reason string    `json:"reason"`
	}
	closeBody struct {
		Review string `json:"review"`
	}
	reopenBody struct {
		Reason string `json:"reason"`
	}
)

// command turns a decoded body into the command the desk decides.
func command(v any) any {
	switch b := v.(type) {
	case *gradeBody:
		return incident.SetGrade{Grade: b.Grade, Reason: b.Reason}
	case *assignBody:
		return incident.Assign{Units: b.Units, Lead: b.Lead}
	case *acknowledgeBody:
		return incident.Acknowledge{Clock: b.Clock}
	case *incident.Release:
		return incident.Publish{Release: *b}
	case *scheduleBody:
		return incident.Schedule{Conference: b.Conference}
	case *holdBody:
		return incident.Hold{Conference: b.Conference}
	case *followBody:
		return incident.FollowUp{Release: b.Release}
	case *snoozeBody:
		return incident.Snooze{Clock: b.Clock, Until: b.Until, Reason: b.Reason}
	case *closeBody:
		return incident.Close{Review: b.Review}
	case *reopenBody:
		return incident.Reopen{Reason: b.Reason}
	case *workorder.Sign:
		return *b
	case *workorder.Answer:
		return *b
	case *workorder.Pause:
		return *b
	case *workorder.Resume:
		return *b
	case *workorder.Extend:
		return *b
	}
	return v
}

func incidentCmd(a *API, body func() any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b := body()
		if !decode(w, r, b) {
			return
		}
		envs, err := a.Desk.Handle(r.Context(), r.PathValue("id"), a.Actor(r), command(b))
		a.answerCommand(w, r.PathValue("id"), envs, err)
	}
}

func orderCmd(a *API, body func() any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b := body()
		if !decode(w, r, b) {
			return
		}
		envs, err := a.Desk.HandleWorkOrder(r.Context(), r.PathValue("id"), a.Actor(r), command(b))
		a.answerCommand(w, r.PathValue("id"), envs, err)
	}
}

func (a *API) answerCommand(w http.ResponseWriter, id string, envs []event.Envelope, err error) {
	switch {
	case errors.Is(err, incident.ErrRule), errors.Is(err, workorder.ErrRule), errors.Is(err, statement.ErrRule), errors.Is(err, wording.ErrRule):
		httpjson.Write(w, http.StatusConflict, errBody(err))
	case err != nil:
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("未能记录，请重试：%w", err)))
	default:
		types := make([]string, len(envs))
		for i, e := range envs {
			types[i] = e.Type
		}
		httpjson.Write(w, http.StatusOK, map[string]any{"id": id, "events": types})
	}
}

type openBody struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	AlertID      string    `json:"alert_id"`
	Topics       []string  `json:"topics"`
	Mentions     []string  `json:"mentions"`
	DetectedAt   time.Time `json:"detected_at"`
	Jurisdiction string    `json:"jurisdiction"`
	Drill        bool      `json:"drill"`
}

func (a *API) openIncident(w http.ResponseWriter, r *http.Request) {
	var b openBody
	if !decode(w, r, &b) {
		return
	}
	// One story, one incident: when the alert's story already has an
	// incident, the alert is linked to it and the answer names it with
	// "existing": true (the console says 已有事件 and opens it).
	res, err := a.Desk.Open(r.Context(), b.ID, a.Actor(r), incident.Open{Title: b.Title, AlertID: b.AlertID, Topics: b.Topics,
		Mentions: b.Mentions, DetectedAt: b.DetectedAt, Jurisdiction: b.Jurisdiction, Drill: b.Drill})
	if err != nil {
		a.answerCommand(w, b.ID, nil, err)
		return
	}
	types := make([]string, len(res.Events))
	for i, e := range res.Events {
		types[i] = e.Type
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"id": res.ID, "existing": res.Existing, "events": types})
}

// receiveBody is POST /api/v1/workorders.
type receiveBody struct {
	ID string `json:"id" openapi:"required"`
	workorder.Received
}

func (a *API) receiveWorkOrder(w http.ResponseWriter, r *http.Request) {
	var b receiveBody
	if !decode(w, r, &b) {
		return
	}
	if b.ID == "" {
		httpjson.Write(w, http.StatusBadRequest, errBody(errors.New("工单编号 id 不能为空")))
		return
	}
	envs, err := a.Desk.HandleWorkOrder(r.Context(), b.ID, a.Actor(r), workorder.Receive{Received: b.Received})
	a.answerCommand(w, b.ID, envs, err)
}

func (a *API) incidents(w http.ResponseWriter, r *http.Request) {
	board := a.Desk.Board()
	out := []incidentView{}
	for _, id := range board.IDs() {
		st, _ := board.State(id)
		out = append(out, incidentView{st, a.draftLine(id)})
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (a *API) incidentByID(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	st, ok := a.incidentOf(w, r)
	if !ok {
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"incident": incidentView{st, a.draftLine(id)}, "timeline": a.timeline(id)})
}

func (a *API) workOrder(w http.ResponseWriter, r *http.Request) {
	st, ok := a.Desk.WorkOrder(r.PathValue("id"))
	if !ok {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("没有工单 %s", r.PathValue("id"))))
		return
	}
	httpjson.Write(w, http.StatusOK, workOrderViewOf(st))
}

// workOrderOptions lists what the work-order forms offer: the categories
// with their clocks, and for disclosure requests (依申请公开) the pause kinds,
// the results and the cases of each result, with their articles.
func (a *API) workOrderOptions(w http.ResponseWriter, r *http.Request) {
	bases := map[string][]workorder.Option{}
	for _, o := range workorder.Results() {
		if b := workorder.Bases(o.Code); len(b) > 0 {
			bases[o.Code] = b
		}
	}
	p := a.Desk.WorkOrderPolicy()
	httpjson.Write(w, http.StatusOK, map[string]any{
		"disclosure":  workorder.CategoryDisclosure,
		"categories":  p.Rules,
		"pause_kinds": workorder.PauseKinds(),
		"results":     workorder.Results(),
		"bases":       bases,
	})
}

func (a *API) clocks(w http.ResponseWriter, r *http.Request) {
	now := a.Now()
	httpjson.Write(w, http.StatusOK, map[string]any{"now": now, "running": list(a.Desk.Board().Running(now)), "overdue": list(a.Desk.Board().Overdue(now))})
}

func (a *API) onTime(w http.ResponseWriter, r *http.Request) {
	from, to, ok := rangeOf(w, r, a.Now(), 30*24*time.Hour)
	if !ok {
		return
	}
	httpjson.Write(w, http.StatusOK, a.Desk.Board().OnTimeRates(from, to, a.Now()))
}

func (a *API) topics(w http.ResponseWriter, r *http.Request) {
	from, to, ok := rangeOf(w, r, a.Now(), 24*time.Hour)
	if !ok {
		return
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	ts, err := a.Store.Topics(r.Context(), analytics.TopicQuery{From: from, To: to, Limit: limit, Drill: r.URL.Query().Get("drill") == "1"})
	if err != nil {
		httpjson.Write(w, http.StatusBadRequest, errBody(err))
		return
	}
	httpjson.Write(w, http.StatusOK, topicViews(ts))
}

func (a *API) topicVolume(w http.ResponseWriter, r *http.Request) {
	from, to, ok := rangeOf(w, r, a.Now(), 24*time.Hour)
	if !ok {
		return
	}
	step := analytics.Hour
	if r.URL.Query().Get("step") == "minute" {
		step = analytics.Minute
	}
	bs, err := a.Store.Rollup(r.Context(), analytics.ByTopic, []string{r.PathValue("id")},
		analytics.Query{From: from, To: to, Step: step, Platform: r.URL.Query().Get("platform")})
	if err != nil {
		httpjson.Write(w, http.StatusBadRequest, errBody(err))
		return
	}
	httpjson.Write(w, http.StatusOK, volumeViews(bs))
}

// mentionView is a stored mention as the console shows it.
type mentionView struct {
	ID          string    `json:"id"`
	Platform    string    `json:"platform"`
	URL         string    `json:"url,omitempty"`
	Author      string    `json:"author"`
	Title       string    `json:"title,omitempty"`
	Text        string    `json:"text"`
	PublishedAt time.Time `json:"published_at"`
	Sentiment   string    `json:"sentiment"`
	Score       float64   `json:"score"`
	Topic       string    `json:"topic"`
	Schemes     []string  `json:"schemes,omitempty"`
	Keywords    []string  `json:"keywords,omitempty"`
	Drill       bool      `json:"drill,omitempty"`
}

func (a *API) topicMentions(w http.ResponseWriter, r *http.Request) {
	from, to, ok := rangeOf(w, r, a.Now(), 7*24*time.Hour)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	ms, err := a.Store.Mentions(r.Context(), analytics.MentionQuery{Topic: r.PathValue("id"), From: from, To: to,
		Platform: q.Get("platform"), Sentiment: q.Get("sentiment"), Limit: limit})
	if err != nil {
		httpjson.Write(w, http.StatusBadRequest, errBody(err))
		return
	}
	out := make([]mentionView, 0, len(ms))
	for _, m := range ms {
		out = append(out, mentionView{ID: m.ID, Platform: m.Platform, URL: m.URL, Author: m.AuthorName, Title: m.Title, Text: m.Text,
			PublishedAt: m.PublishedAt, Sentiment: m.Sentiment, Score: m.SentimentScore, Topic: m.Topic, Schemes: m.Schemes, Keywords: m.Keywords, Drill: m.Drill})
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (a *API) mention(w http.ResponseWriter, r *http.Request) {
	m, err := a.Store.Get(r.Context(), r.PathValue("id"))
	if errors.Is(err, analytics.ErrNotFound) {
		httpjson.Write(w, http.StatusNotFound, errBody(err))
		return
	}
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
		return
	}
	httpjson.Write(w, http.StatusOK, mentionDetailOf(m))
}

func (a *API) schemes(w http.ResponseWriter, r *http.Request) {
	httpjson.Write(w, http.StatusOK, a.Schemes.List())
}

func (a *API) putScheme(w http.ResponseWriter, r *http.Request) {
	var s scheme.Scheme
	if !decode(w, r, &s) {
		return
	}
	s.ID = r.PathValue("id")
	e, err := a.Schemes.Define(s, a.Actor(r), a.Now())
	if err != nil {
		httpjson.Write(w, http.StatusUnprocessableEntity, errBody(err))
		return
	}
	a.appendApply(w, r, e)
}

func (a *API) deleteScheme(w http.ResponseWriter, r *http.Request) {
	e, err := a.Schemes.Delete(r.PathValue("id"), a.Actor(r), a.Now())
	if err != nil {
		httpjson.Write(w, http.StatusNotFound, errBody(err))
		return
	}
	a.appendApply(w, r, e)
}

func (a *API) appendApply(w http.ResponseWriter, r *http.Request, e event.Envelope) {
	if err := a.Log.Append(r.Context(), scheme.Topic, e); err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
		return
	}
	if err := a.Schemes.Apply(e); err != nil {
		httpjson.Write(w, http.StatusInternalServerError, errBody(err))
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"event": e.Type, "id": e.ID})
}

// sentimentBody is POST /api/v1/feedback/sentiment.
type sentimentBody struct {
	MentionID string `json:"mention_id" openapi:"required"`
	Label     string `json:"label" openapi:"required"` // neg, neu or pos
}

func (a *API) sentimentFeedback(w http.ResponseWriter, r *http.Request) {
	var b sentimentBody
	if !decode(w, r, &b) {
		return
	}
	lb, err := sentiment.ParseLabel(b.Label)
	if err != nil {
		httpjson.Write(w, http.StatusBadRequest, errBody(err))
		return
	}
	m, err := a.Store.Get(r.Context(), b.MentionID)
	if err != nil {
		httpjson.Write(w, http.StatusNotFound, errBody(err))
		return
	}
	now := a.Now()
	a.feedback(w, r, sentiment.TypeCorrected, b.MentionID, sentiment.Correction{MentionID: b.MentionID, Text: strings.TrimSpace(m.Title + "\n" + m.Text), Label: lb, Actor: a.Actor(r), Time: now})
}

// feedback records a duty officer's judgement of a mention in the feedback
// topic and answers with the event.
func (a *API) feedback(w http.ResponseWriter, r *http.Request, typ, mentionID string, payload any) {
	now := a.Now()
	e, err := event.New(typ, mentionID, a.Actor(r), now, now, payload)
	if err == nil {
		err = a.Log.Append(r.Context(), sentiment.Topic, e)
	}
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"event": e.Type, "id": e.ID})
}

// relevanceBody is POST /api/v1/feedback/relevance.
type relevanceBody struct {
	MentionID string `json:"mention_id" openapi:"required"`
	SchemeID  string `json:"scheme_id"`
	Relevant  bool   `json:"relevant"`
	Reason    string `json:"reason"`
}

func (a *API) relevanceFeedback(w http.ResponseWriter, r *http.Request) {
	var b relevanceBody
	if !decode(w, r, &b) {
		return
	}
	m, err := a.Store.Get(r.Context(), b.MentionID)
	if err != nil {
		httpjson.Write(w, http.StatusNotFound, errBody(err))
		return
	}
	if b.SchemeID != "" && !slices.Contains(m.Schemes, b.SchemeID) && !b.Relevant {
		httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("监测方案 %s 没有命中这条信息", b.SchemeID)))
		return
	}
	a.feedback(w, r, scheme.TypeRelevance, b.MentionID, scheme.Relevance{MentionID: b.MentionID, SchemeID: b.SchemeID, Relevant: b.Relevant,
		Reason: strings.TrimSpace(b.Reason), Text: strings.TrimSpace(m.Title + "\n" + m.Text), Actor: a.Actor(r), Time: a.Now()})
}

func rangeOf(w http.ResponseWriter, r *http.Request, now time.Time, def time.Duration) (time.Time, time.Time, bool) {
	to, from := now, now.Add(-def)
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := r.URL.Query().Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("%s 不是 RFC 3339 时间：%q", p.name, v)))
				return from, to, false
			}
			*p.t = t
		}
	}
	return from, to, true
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.Body == nil || r.ContentLength == 0 {
		return true // a command without a body, like acknowledge
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("请求内容不是有效的 JSON：%w", err)))
		return false
	}
	return true
}

// list is s, or an empty slice for nil: a list in the API's JSON is [] when
// empty, never null.
func list[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func errBody(err error) map[string]string { return map[string]string{"error": err.Error()} }
