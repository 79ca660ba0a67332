package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/internal/analytics"
	"yuqing/internal/clock"
	"yuqing/internal/event"
	"yuqing/internal/httpjson"
	"yuqing/respond/policy"
)

// registerPolicies adds the policy assessments (政策舆情风险研判): assess a
// draft (pasted or uploaded), list and read assessments with what
// happened after release, export them, and mark a policy published, which
// applies its monitoring scheme for the release window.
func (a *API) registerPolicies(route routeFunc) {
	assessors := []string{DutyOfficer, Spokesperson, Leader, Admin}
	releasers := []string{Spokesperson, Leader, Admin}
	route("GET /api/v1/policies", Anyone, a.policyList)
	route("POST /api/v1/policies/assess", assessors, a.assessPolicy, formBody{Fields: assessBody{}, File: "file"})
	route("GET /api/v1/policies/{id}", Anyone, a.policyByID)
	route("GET /api/v1/policies/{id}/export", Anyone, a.policyExport)
	route("POST /api/v1/policies/{id}/release", releasers, a.releasePolicy, releaseBody{})
}

// maxDraftUpload bounds an uploaded or pasted draft.
const maxDraftUpload = 5 << 20

func (a *API) policiesReady(w http.ResponseWriter) bool {
	if a.Policies == nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(errors.New("政策研判未启用")))
		return false
	}
	return true
}

// policyRow is an assessment in the list.
type policyRow struct {
	ID         string       `json:"id"`
	Title      string       `json:"title"`
	Unit       string       `json:"unit"`
	Level      policy.Level `json:"level"`
	Score      int          `json:"score"`
	AssessedAt time.Time    `json:"assessed_at"`
	AssessedBy string       `json:"assessed_by"`
	ReleaseAt  time.Time    `json:"release_at,omitzero"` // planned
	ReleasedAt time.Time    `json:"released_at,omitzero"`
	SchemeID   string       `json:"scheme_id,omitempty"`
	ActiveFrom time.Time    `json:"active_from,omitzero"`
	ActiveTo   time.Time    `json:"active_to,omitzero"`
}

func (a *API) policyList(w http.ResponseWriter, r *http.Request) {
	if !a.policiesReady(w) {
		return
	}
	out := []policyRow{}
	for _, s := range a.Policies.Board().List() {
		out = append(out, policyRow{ID: s.ID, Title: s.Assessment.Title, Unit: s.Assessment.Unit, Level: s.Assessment.Level, Score: s.Assessment.Score,
			AssessedAt: s.Assessment.AssessedAt, AssessedBy: s.AssessedBy, ReleaseAt: s.Assessment.ReleaseAt, ReleasedAt: s.ReleasedAt,
			SchemeID: s.SchemeID, ActiveFrom: s.ActiveFrom, ActiveTo: s.ActiveTo})
	}
	httpjson.Write(w, http.StatusOK, out)
}

// policyView is an assessment as the console shows it: its state, what
// happened after release, the scheme in the registry and the export links.
type policyView struct {
	Policy policy.State      `json:"policy"`
	After  *policy.After     `json:"after"`
	Scheme *scheme.Scheme    `json:"scheme"` // the release scheme as defined now; nil before release
	Names  map[string]string `json:"names"`  // actor → name
	Links  map[string]string `json:"links"`
}

func (a *API) viewPolicy(ctx context.Context, s policy.State) (policyView, error) {
	v := policyView{Policy: s, Names: map[string]string{}, Links: map[string]string{}}
	for _, f := range []string{"docx", "md", "json"} {
		v.Links[f] = "/api/v1/policies/" + url.PathEscape(s.ID) + "/export?format=" + f
	}
	for _, who := range []string{s.AssessedBy, s.ReleasedBy} {
		if who != "" {
			v.Names[who] = a.who(who)
		}
	}
	if !s.Released() {
		return v, nil
	}
	if a.Schemes != nil {
		for _, sc := range a.Schemes.List() {
			if sc.ID == s.SchemeID {
				v.Scheme = &sc
			}
		}
	}
	var store analytics.Store
	if a.Store != nil {
		store = a.Store
	}
	after, err := policy.Outcome(ctx, store, a.segmenter(), s, a.Now())
	if err != nil {
		return v, err
	}
	v.After = &after
	return v, nil
}

func (a *API) segmenter() *segment.Segmenter {
	if a.Segmenter == nil {
		return nil
	}
	return a.Segmenter()
}

func (a *API) policyOf(w http.ResponseWriter, r *http.Request) (policy.State, bool) {
	if !a.policiesReady(w) {
		return policy.State{}, false
	}
	s, ok := a.Policies.Board().Get(r.PathValue("id"))
	if !ok {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("没有政策研判 %s", r.PathValue("id"))))
	}
	return s, ok
}

func (a *API) policyByID(w http.ResponseWriter, r *http.Request) {
	s, ok := a.policyOf(w, r)
	if !ok {
		return
	}
	v, err := a.viewPolicy(r.Context(), s)
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
		return
	}
	httpjson.Write(w, http.StatusOK, v)
}

// policyExport downloads the assessment as Markdown (the report, its
// release and what happened after) or JSON (the same as GET).
func (a *API) policyExport(w http.ResponseWriter, r *http.Request) {
	s, ok := a.policyOf(w, r)
	if !ok {
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "md"
	}
	if format != "md" && format != "json" && format != "docx" {
		httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("格式 %q 须为 md、json 或 docx", format)))
		return
	}
	v, err := a.viewPolicy(r.Context(), s)
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
		return
	}
	var b bytes.Buffer
	ctype := "text/markdown; charset=utf-8"
	switch format {
	case "md":
		err = policy.WriteRecordMarkdown(&b, s, v.After)
	case "docx":
		ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		var md bytes.Buffer
		if err = policy.WriteRecordMarkdown(&md, s, v.After); err == nil {
			var doc []byte
			doc, err = policy.WordFromMarkdown(md.String(), s.Assessment)
			b.Write(doc)
		}
	default:
		ctype = "application/json; charset=utf-8"
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	}
	if err != nil {
		httpjson.Write(w, http.StatusInternalServerError, errBody(err))
		return
	}
	name := "政策舆情风险研判-" + fileSafe(s.Assessment.Title, s.ID) + "." + format
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disposition == "" {
		disposition = `attachment; filename="policy-` + s.ID + "." + format + `"`
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", disposition)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b.Bytes())
}

// fileSafe is a title usable in a file name: no path or control
// characters, at most 40 characters; the ID when nothing is left.
func fileSafe(title, id string) string {
	t := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return -1
		}
		return r
	}, strings.TrimSpace(title))
	if rs := []rune(t); len(rs) > 40 {
		t = string(rs[:40])
	}
	if t == "" {
		return id
	}
	return t
}

// assessBody is POST /api/v1/policies/assess as JSON; a multipart form
// has the same fields, and the draft as file (.txt or .docx) instead of
// text.
type assessBody struct {
	Title     string `json:"title"`
	Unit      string `json:"unit"`
	ReleaseAt string `json:"release_at"`              // 2026-07-01 (Beijing) or RFC 3339
	Text      string `json:"text" openapi:"required"` // as JSON; a form may send the file instead
}

// watchedStore tells a failure of the store from a problem of the draft.
type watchedStore struct {
	analytics.Store
	failed atomic.Bool
}

func (s *watchedStore) note(err error) error {
	if err != nil {
		s.failed.Store(true)
	}
	return err
}

func (s *watchedStore) Topics(ctx context.Context, q analytics.TopicQuery) ([]analytics.Topic, error) {
	ts, err := s.Store.Topics(ctx, q)
	return ts, s.note(err)
}

func (s *watchedStore) Mentions(ctx context.Context, q analytics.MentionQuery) ([]analytics.Mention, error) {
	ms, err := s.Store.Mentions(ctx, q)
	return ms, s.note(err)
}

func (s *watchedStore) Breakdown(ctx context.Context, q analytics.MentionQuery) ([]analytics.Cell, error) {
	cs, err := s.Store.Breakdown(ctx, q)
	return cs, s.note(err)
}

func (s *watchedStore) Rollup(ctx context.Context, dim analytics.Dimension, keys []string, q analytics.Query) ([]analytics.KeyBucket, error) {
	bs, err := s.Store.Rollup(ctx, dim, keys, q)
	return bs, s.note(err)
}

func (a *API) assessPolicy(w http.ResponseWriter, r *http.Request) {
	if !a.policiesReady(w) {
		return
	}
	d, status, err := readDraftRequest(w, r)
	if err != nil {
		httpjson.Write(w, status, errBody(err))
		return
	}
	seg := a.segmenter()
	if seg == nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(errors.New("分词器仍在加载，暂不能研判，请稍后再试")))
		return
	}
	deps := policy.Deps{Seg: seg, Answers: a.policyAnswers, Now: a.Now}
	var ws *watchedStore
	if a.Store != nil {
		ws = &watchedStore{Store: a.Store}
		deps.Store = ws
	}
	as, err := policy.Assess(r.Context(), d, deps)
	switch {
	case errors.Is(err, policy.ErrEmpty):
		httpjson.Write(w, http.StatusBadRequest, errBody(err))
		return
	case err != nil && (ws != nil && ws.failed.Load() || r.Context().Err() != nil):
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("读取历史舆情失败，请重试：%w", err)))
		return
	case err != nil:
		httpjson.Write(w, http.StatusUnprocessableEntity, errBody(err))
		return
	}
	ps, err := policy.Precedents(r.Context(), a.Policies.Board().List(), d, &as, deps, a.Now())
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("读取往期政策发布后情况失败，请重试：%w", err)))
		return
	}
	st, envs, err := a.Policies.Handle(r.Context(), "", a.Actor(r), policy.Record{Assessment: as, Precedents: ps}, nil)
	if errors.Is(err, policy.ErrRule) {
		httpjson.Write(w, http.StatusConflict, map[string]string{"error": err.Error(), "id": policy.IDOf(as)})
		return
	}
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("未能记录，请重试：%w", err)))
		return
	}
	v, err := a.viewPolicy(r.Context(), st)
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"id": st.ID, "events": eventTypes(envs), "policy": v.Policy, "after": v.After, "links": v.Links, "names": v.Names})
}

// readDraftRequest reads the draft of an assess request: JSON, or a
// multipart form with the draft as file. On error it gives the status.
func readDraftRequest(w http.ResponseWriter, r *http.Request) (policy.Draft, int, error) {
	tooLarge := fmt.Errorf("草案超过 %d MB", maxDraftUpload>>20)
	r.Body = http.MaxBytesReader(w, r.Body, maxDraftUpload+64<<10)
	var b assessBody
	var d policy.Draft
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "multipart/form-data" {
		if err := r.ParseMultipartForm(maxDraftUpload + 64<<10); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return d, http.StatusRequestEntityTooLarge, tooLarge
			}
			return d, http.StatusBadRequest, fmt.Errorf("上传内容无效：%w", err)
		}
		b = assessBody{Title: r.FormValue("title"), Unit: r.FormValue("unit"), ReleaseAt: r.FormValue("release_at"), Text: r.FormValue("text")}
		f, hdr, err := r.FormFile("file")
		switch {
		case errors.Is(err, http.ErrMissingFile):
			d = policy.SplitTitle(b.Text)
		case err != nil:
			return d, http.StatusBadRequest, fmt.Errorf("读取上传文件失败：%w", err)
		default:
			defer f.Close()
			if hdr.Size > maxDraftUpload {
				return d, http.StatusRequestEntityTooLarge, tooLarge
			}
			raw, err := io.ReadAll(io.LimitReader(f, maxDraftUpload+1))
			if err != nil {
				return d, http.StatusBadRequest, fmt.Errorf("读取上传文件失败：%w", err)
			}
			if len(raw) > maxDraftUpload {
				return d, http.StatusRequestEntityTooLarge, tooLarge
			}
			if d, err = policy.ParseDraft(hdr.Filename, raw); err != nil {
				return d, http.StatusBadRequest, err
			}
		}
	} else {
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return d, http.StatusRequestEntityTooLarge, tooLarge
			}
			return d, http.StatusBadRequest, fmt.Errorf("请求内容不是有效的 JSON：%w", err)
		}
		d = policy.Draft{Title: b.Title, Text: b.Text}
		if strings.TrimSpace(b.Title) == "" {
			d = policy.SplitTitle(b.Text)
		}
	}
	if t := strings.TrimSpace(b.Title); t != "" {
		d.Title = t
	}
	d.Unit = strings.TrimSpace(b.Unit)
	if b.ReleaseAt != "" {
		t, err := parseWhen(b.ReleaseAt)
		if err != nil {
			return d, http.StatusBadRequest, fmt.Errorf("release_at：%w", err)
		}
		d.ReleaseAt = t
	}
	if strings.TrimSpace(d.Text) == "" {
		return d, http.StatusBadRequest, policy.ErrEmpty
	}
	return d, 0, nil
}

// parseWhen reads a day (2026-07-01, Beijing), a Beijing time as a
// datetime-local field sends it (2026-07-01T09:30) or an RFC 3339 instant.
func parseWhen(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, clock.Beijing); err == nil {
			return t, nil
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q 不是日期（2026-07-01）或时间", s)
	}
	return t, nil
}

// policyAnswers tells how a past topic was answered: the first
// authoritative release of an incident holding it.
func (a *API) policyAnswers(topicID string) (string, bool) {
	if a.Desk == nil {
		return "", false
	}
	board := a.Desk.Board()
	for _, id := range board.IDs() {
		st, ok := board.State(id)
		if !ok || !slices.Contains(st.Topics, topicID) || len(st.Releases) == 0 {
			continue
		}
		rel := st.Releases[0]
		text := strings.TrimSpace(rel.Text)
		if rs := []rune(text); len(rs) > 60 {
			text = string(rs[:60]) + "…"
		}
		return fmt.Sprintf("%s 经%s发布：%s", rel.At.In(clock.Beijing).Format("2006-01-02"), rel.Channel, text), true
	}
	return "", false
}

// releaseBody is POST /api/v1/policies/{id}/release.
type releaseBody struct {
	ReleasedAt string `json:"released_at"` // a day or a time (parseWhen); empty: now
	WindowDays int    `json:"window_days"` // empty: the assessment's (14)
}

// schemeRefused is a release scheme the registry would not take.
type schemeRefused struct{ err error }

func (e schemeRefused) Error() string { return "监测方案无法启用：" + e.err.Error() }
func (e schemeRefused) Unwrap() error { return e.err }

// releasePolicy marks a policy published: policy.released.v1, and its
// monitoring scheme defined for the release window (scheme.defined.v1,
// recorded first, so that a failure leaves the policy unreleased).
func (a *API) releasePolicy(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.policyOf(w, r); !ok {
		return
	}
	var b releaseBody
	if !decode(w, r, &b) {
		return
	}
	cmd := policy.Release{WindowDays: b.WindowDays}
	if b.ReleasedAt != "" {
		t, err := parseWhen(b.ReleasedAt)
		if err != nil {
			httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("released_at：%w", err)))
			return
		}
		cmd.ReleasedAt = t
	}
	actor, now := a.Actor(r), a.Now()
	var defined []string
	st, envs, err := a.Policies.Handle(r.Context(), r.PathValue("id"), actor, cmd, func(next policy.State) error {
		if a.Schemes == nil {
			return schemeRefused{errors.New("监测方案库未启用")}
		}
		e, err := a.Schemes.Define(next.ReleaseScheme(), actor, now)
		if err != nil {
			return schemeRefused{err}
		}
		if err := a.Log.Append(r.Context(), scheme.Topic, e); err != nil {
			return err
		}
		defined = append(defined, e.Type)
		return a.Schemes.Apply(e)
	})
	var refused schemeRefused
	switch {
	case errors.Is(err, policy.ErrRule):
		httpjson.Write(w, http.StatusConflict, errBody(err))
	case errors.As(err, &refused):
		httpjson.Write(w, http.StatusUnprocessableEntity, errBody(err))
	case err != nil:
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("未能记录，请重试：%w", err)))
	default:
		httpjson.Write(w, http.StatusOK, map[string]any{"id": st.ID, "events": append(defined, eventTypes(envs)...), "scheme_id": st.SchemeID,
			"active_from": st.ActiveFrom, "active_to": st.ActiveTo})
	}
}

func eventTypes(envs []event.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.Type
	}
	return out
}
