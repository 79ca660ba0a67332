package api

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"yuqing/internal/hanzi"
	"yuqing/internal/httpjson"
	"yuqing/respond/llm"
	"yuqing/respond/statement"
)

// registerStatements adds the spokesperson's workbench: facts, drafts,
// the three-step review and publication of an incident's statements.
func (a *API) registerStatements(route routeFunc) {
	writers := []string{Spokesperson, Admin}
	facts := []string{Spokesperson, DutyOfficer, Approver, Admin}
	approvers := []string{Approver, Admin}
	returners := []string{Approver, Leader, Admin}
	signers := []string{Leader, Admin}
	base := "/api/v1/incidents/{id}"
	// cmd adds a statement command: body gives the value the request body
	// is decoded into, its path fields filled.
	cmd := func(pattern string, roles []string, body func(r *http.Request) any) {
		route(pattern, roles, statementCmd(a, body), body(&http.Request{}))
	}
	route("GET "+base+"/statements", Anyone, a.statements)
	cmd("POST "+base+"/facts", facts, func(r *http.Request) any { return &statement.RecordFact{} })
	cmd("POST "+base+"/facts/{fact}/verify", facts, func(r *http.Request) any { return &statement.VerifyFact{Fact: r.PathValue("fact")} })
	route("POST "+base+"/drafts", writers, a.newDraft, statement.NewDraft{})
	cmd("PUT "+base+"/drafts/{draft}", writers, func(r *http.Request) any { return &statement.Edit{Draft: r.PathValue("draft")} })
	route("POST "+base+"/drafts/{draft}/check", Anyone, a.checkDraft, checkBody{})
	route("POST "+base+"/drafts/{draft}/assist", writers, a.assist)
	route("GET /api/v1/assistant", Anyone, func(w http.ResponseWriter, r *http.Request) {
		httpjson.Write(w, http.StatusOK, map[string]any{"enabled": a.Assistant != nil})
	})
	cmd("POST "+base+"/drafts/{draft}/submit", writers, func(r *http.Request) any { return &submitBody{Draft: r.PathValue("draft")} })
	cmd("POST "+base+"/drafts/{draft}/approve", approvers, func(r *http.Request) any { return &statement.Approve{Draft: r.PathValue("draft")} })
	cmd("POST "+base+"/drafts/{draft}/return", returners, func(r *http.Request) any { return &statement.Return{Draft: r.PathValue("draft")} })
	cmd("POST "+base+"/drafts/{draft}/sign", signers, func(r *http.Request) any { return &statement.Sign{Draft: r.PathValue("draft")} })
	cmd("POST "+base+"/drafts/{draft}/comment", Anyone, func(r *http.Request) any { return &statement.Comment{Draft: r.PathValue("draft")} })
	cmd("POST "+base+"/drafts/{draft}/allow", approvers, func(r *http.Request) any { return &statement.Allow{Draft: r.PathValue("draft")} })
	cmd("POST "+base+"/drafts/{draft}/publish", writers, func(r *http.Request) any { return &statement.Publish{Draft: r.PathValue("draft")} })
}

// submitBody is a submission: no body, the draft from the path
// (statement.Submit names no JSON fields, so a body could name another
// draft than the path).
type submitBody struct {
	Draft string `json:"-"`
}

// statementCmd decodes a statement command into the value body returns
// (its path fields filled) and hands it to the desk.
func statementCmd(a *API, body func(r *http.Request) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b := body(r)
		if !decode(w, r, b) {
			return
		}
		envs, err := a.Desk.HandleStatement(r.Context(), r.PathValue("id"), a.Actor(r), deref(b))
		a.answerCommand(w, r.PathValue("id"), envs, err)
	}
}

// deref turns a decoded *command into the command value Decide expects.
func deref(v any) any {
	switch c := v.(type) {
	case *statement.RecordFact:
		return *c
	case *statement.VerifyFact:
		return *c
	case *statement.NewDraft:
		return *c
	case *statement.Edit:
		return *c
	case *submitBody:
		return statement.Submit{Draft: c.Draft}
	case *statement.Approve:
		return *c
	case *statement.Return:
		return *c
	case *statement.Sign:
		return *c
	case *statement.Comment:
		return *c
	case *statement.Allow:
		return *c
	case *statement.Publish:
		return *c
	}
	return v
}

// newDraft starts a draft; without a text it is written from the template
// of its kind with the incident's verified facts already cited.
func (a *API) newDraft(w http.ResponseWriter, r *http.Request) {
	var b statement.NewDraft
	if !decode(w, r, &b) {
		return
	}
	id := r.PathValue("id")
	inc, ok := a.incidentOf(w, r)
	if !ok {
		return
	}
	if strings.TrimSpace(b.Title) == "" {
		b.Title = inc.Title
	}
	if strings.TrimSpace(b.Text) == "" {
		var questions []string
		if b.Kind == statement.Interview || b.Kind == statement.Conference {
			questions = a.questionsOf(r.Context(), inc)
		}
		b.Text = statement.Template(b.Kind, b.Title, a.Desk.Statements().State(id).Facts, questions)
	}
	envs, err := a.Desk.HandleStatement(r.Context(), id, a.Actor(r), b)
	a.answerCommand(w, id, envs, err)
}

// DraftView is a draft as the workbench shows it: its check, the changes
// of its latest version, and names instead of accounts.
type DraftView struct {
	statement.Draft
	Check      statement.Report   `json:"check"`
	Changes    []statement.Change `json:"changes"` // latest version against the one before
	AuthorName string             `json:"author_name"`
	Waiting    int64              `json:"waiting_s"` // seconds at the current step
	Names      map[string]string  `json:"names"`     // actor → display name, for every actor the draft names
}

// statements answers the workbench of an incident.
func (a *API) statements(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, ok := a.incidentOf(w, r); !ok {
		return
	}
	st := a.Desk.Statements().State(id)
	chk := a.Desk.Checker()
	now := a.Now()
	names := map[string]string{}
	name := func(actor string) string {
		if _, ok := names[actor]; !ok {
			names[actor] = a.who(actor)
		}
		return names[actor]
	}
	drafts := make([]DraftView, 0, len(st.Drafts))
	for i := range st.Drafts {
		d := &st.Drafts[i]
		v := DraftView{Draft: *d, Check: chk.Check(&st, d), Changes: []statement.Change{}, AuthorName: name(d.Author),
			Waiting: int64(now.Sub(d.Since) / time.Second)}
		if n := len(d.Versions); n > 1 {
			v.Changes = statement.Diff(d.Versions[n-2].Text, d.Versions[n-1].Text)
		}
		v.Names = map[string]string{}
		for _, s := range d.Steps {
			v.Names[s.By] = name(s.By)
		}
		for _, al := range d.Allowed {
			v.Names[al.By] = name(al.By)
		}
		drafts = append(drafts, v)
	}
	facts := make([]map[string]any, 0, len(st.Facts))
	for _, f := range st.Facts {
		facts = append(facts, map[string]any{"fact": f, "recorded_by_name": name(f.RecordedBy), "verified_by_name": name(f.VerifiedBy)})
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"facts": facts, "drafts": drafts, "kinds": statement.Kinds, "channels": statement.Channels})
}

// checkBody is POST /api/v1/incidents/{id}/drafts/{draft}/check.
type checkBody struct {
	Text string `json:"text"`
}

// checkDraft checks a text not yet saved (the editor asks while typing).
func (a *API) checkDraft(w http.ResponseWriter, r *http.Request) {
	var b checkBody
	if !decode(w, r, &b) {
		return
	}
	id := r.PathValue("id")
	st := a.Desk.Statements().State(id)
	d, ok := st.Draft(r.PathValue("draft"))
	if !ok {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("没有稿件 %s", r.PathValue("draft"))))
		return
	}
	httpjson.Write(w, http.StatusOK, a.Desk.Checker().CheckText(&st, b.Text, d.Allowed))
}

// who names an actor for people: 发言人李四, not user:li.
func (a *API) who(actor string) string {
	if actor == "" {
		return ""
	}
	if a.Who != nil {
		if n := a.Who(actor); n != "" {
			return n
		}
	}
	switch {
	case strings.HasPrefix(actor, "system:"):
		return "系统"
	case strings.HasPrefix(actor, "user:"):
		return strings.TrimPrefix(actor, "user:")
	}
	return actor
}

// timeline merges the incident's timeline with its statements' steps,
// every entry naming its actor for people.
func (a *API) timeline(id string) []map[string]any {
	var out []map[string]any
	for _, e := range a.Desk.Board().Timeline(id) {
		out = append(out, map[string]any{"at": e.At, "actor": e.Actor, "actor_name": a.who(e.Actor), "type": e.Type, "summary": e.Summary})
	}
	st := a.Desk.Statements().State(id)
	for _, f := range st.Facts {
		out = append(out, map[string]any{"at": f.RecordedAt, "actor": f.RecordedBy, "actor_name": a.who(f.RecordedBy), "type": statement.TypeFactRecorded,
			"summary": "记录事实 " + f.ID + "：" + hanzi.Clip(f.Text, 40)})
		if !f.VerifiedAt.IsZero() {
			out = append(out, map[string]any{"at": f.VerifiedAt, "actor": f.VerifiedBy, "actor_name": a.who(f.VerifiedBy), "type": statement.TypeFactVerified,
				"summary": "事实 " + f.ID + " " + f.Status})
		}
	}
	for _, d := range st.Drafts {
		for _, s := range d.Steps {
			out = append(out, map[string]any{"at": s.At, "actor": s.By, "actor_name": a.who(s.By), "type": "statement." + s.Type,
				"summary": stepSummary(d, s)})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i]["at"].(time.Time).Before(out[j]["at"].(time.Time)) })
	return out
}

var stepNames = map[string]string{"saved": "保存", "submitted": "提交审核", "returned": "退回", "approved": "审核通过", "signed": "签发",
	"commented": "意见", "allowed": "放行个人信息", "published": "发布"}

func stepSummary(d statement.Draft, s statement.Step) string {
	out := d.Kind + "「" + hanzi.Clip(d.Title, 20) + "」第 " + strconv.Itoa(s.Version) + " 稿" + stepNames[s.Type]
	if s.Text != "" {
		out += "：" + hanzi.Clip(s.Text, 60)
	}
	return out
}

// draftLine is the clock line of an incident's draft in work ("草稿 · 待审核").
func (a *API) draftLine(id string) map[string]any {
	d, ok := a.Desk.Statements().Active(id)
	if !ok {
		return nil
	}
	return map[string]any{"id": d.ID, "kind": d.Kind, "status": d.Status, "since": d.Since, "version": d.Current().N}
}

// assist asks the writing assistant for wording of a draft from the
// incident's verified facts only. Nothing is saved: the proposal comes back
// with the same citation and privacy check as any text, for the
// spokesperson to edit and save.
func (a *API) assist(w http.ResponseWriter, r *http.Request) {
	if a.Assistant == nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(errors.New("写作助手未启用（--llm-url）")))
		return
	}
	id := r.PathValue("id")
	inc, ok := a.incidentOf(w, r)
	if !ok {
		return
	}
	st := a.Desk.Statements().State(id)
	d, ok := st.Draft(r.PathValue("draft"))
	if !ok {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("没有稿件 %s", r.PathValue("draft"))))
		return
	}
	req := llm.Request{Kind: d.Kind, Title: inc.Title}
	for _, f := range st.Facts {
		if f.Kind == statement.KindUnit && f.Status == statement.Verified {
			req.Facts = append(req.Facts, llm.Fact{ID: f.ID, Text: f.Text})
		}
	}
	if len(req.Facts) == 0 {
		httpjson.Write(w, http.StatusConflict, errBody(errors.New("没有已核实的事实，写作助手无从起草")))
		return
	}
	text, err := a.Assistant.Propose(r.Context(), req)
	if err != nil {
		httpjson.Write(w, http.StatusBadGateway, errBody(fmt.Errorf("写作助手未能起草：%w", err)))
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"text": text, "check": a.Desk.Checker().CheckText(&st, text, d.Allowed)})
}
