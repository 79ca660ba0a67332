package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/httpjson"
	"yuqing/respond/evidence"
	"yuqing/respond/incident"
)

// registerEvidence adds what a spokesperson reads on an incident: its
// evidence (topics, key posts, claims, questions, volume and sentiment by
// hour) and the effect of its first statement.
func (a *API) registerEvidence(route routeFunc) {
	route("GET /api/v1/incidents/{id}/evidence", Anyone, a.evidence)
	route("GET /api/v1/incidents/{id}/effect", Anyone, a.effect)
}

// errNotReady is a part the server is still loading.
var errNotReady = errors.New("分词器仍在加载，请稍后再试")

// evidencePeriod is how far before detection the evidence looks.
const evidencePeriod = 24 * time.Hour

func (a *API) gather(ctx context.Context, inc incident.State) (evidence.Evidence, error) {
	var seg *segment.Segmenter
	if a.Segmenter != nil {
		seg = a.Segmenter()
	}
	if seg == nil {
		return evidence.Evidence{}, errNotReady
	}
	now := a.Now()
	from := inc.DetectedAt.Add(-evidencePeriod)
	if inc.DetectedAt.IsZero() || !from.Before(now) {
		from = now.Add(-evidencePeriod)
	}
	in := evidence.Input{Topics: inc.Topics, From: from, Now: now, Headlines: map[string]string{}}
	// The alerts' headlines and reasons, as the analyser gave them.
	for _, id := range inc.Alerts {
		al, ok := a.Desk.Stories().Alert(id)
		if !ok {
			continue
		}
		if al.Headline != "" && al.TopicID != "" {
			in.Headlines[al.TopicID] = al.Headline
		}
		in.Reasons = append(in.Reasons, al.Reasons...)
	}
	return evidence.Gather(ctx, a.Store, seg, in)
}

func (a *API) evidence(w http.ResponseWriter, r *http.Request) {
	inc, ok := a.incidentOf(w, r)
	if !ok {
		return
	}
	if len(inc.Topics) == 0 {
		httpjson.Write(w, http.StatusOK, map[string]any{"empty": "该事件没有关联话题：手工建立的事件没有可展示的舆情证据"})
		return
	}
	ev, err := a.gather(r.Context(), inc)
	switch {
	case errors.Is(err, errNotReady):
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
	case err != nil:
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("读取舆情证据失败：%w", err)))
	default:
		httpjson.Write(w, http.StatusOK, ev)
	}
}

// incidentOf is the incident the path names ({id}), or a 404 answered.
func (a *API) incidentOf(w http.ResponseWriter, r *http.Request) (incident.State, bool) {
	st, ok := a.Desk.Board().State(r.PathValue("id"))
	if !ok {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("没有事件 %s", r.PathValue("id"))))
	}
	return st, ok
}

// effect measures the incident's first authoritative release on its topics.
func (a *API) effect(w http.ResponseWriter, r *http.Request) {
	inc, ok := a.incidentOf(w, r)
	if !ok {
		return
	}
	if len(inc.Releases) == 0 {
		httpjson.Write(w, http.StatusOK, map[string]any{"empty": "尚未发布权威信息"})
		return
	}
	if len(inc.Topics) == 0 {
		httpjson.Write(w, http.StatusOK, map[string]any{"empty": "该事件没有关联话题，无法比较发布前后的声量"})
		return
	}
	at := inc.Releases[0].At
	now := a.Now()
	if at.After(now) {
		at = now
	}
	rep, err := evidence.Effect(r.Context(), a.Store, inc.Topics, at, now)
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("计算回应效果失败：%w", err)))
		return
	}
	httpjson.Write(w, http.StatusOK, rep)
}

// questionsOf lists the questions people ask in the incident's topics,
// most asked first: the Q&A skeleton of a press-conference draft.
func (a *API) questionsOf(ctx context.Context, inc incident.State) []string {
	var ms []analytics.Mention
	now := a.Now()
	for _, t := range inc.Topics {
		got, err := a.Store.Mentions(ctx, analytics.MentionQuery{Topic: t, From: now.Add(-30 * evidencePeriod), To: now.Add(time.Minute), Limit: analytics.MaxMentions})
		if err != nil {
			continue // a draft without questions is still a draft
		}
		ms = append(ms, got...)
	}
	var out []string
	for _, q := range evidence.Questions(ms) {
		out = append(out, fmt.Sprintf("%s（%d 条信息问及）", q.Question, q.Count))
	}
	return out
}
