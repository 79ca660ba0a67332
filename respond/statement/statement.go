// Package statement is the spokesperson's work on an incident: the facts
// staff record and verify, the drafts written from them (情况通报, 答记者问,
// 发布会口径, 政策解读), their three-step review (起草 → 审核 → 签发) and
// their publication.
//
// It is event-sourced like package incident and shares its log topic and
// key (the incident ID), so an incident's statements keep their order with
// its clocks and a publication is appended together with the incident event
// that stops the 5-hour clock. Decide(state, command, actor, now, checker)
// returns the events a command causes or why it is refused (an error
// wrapping ErrRule, worded in Chinese for the console); Apply folds an event
// into the state. Both are pure: rebuilding from the log gives the same
// facts, drafts, versions and review history.
package statement

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"yuqing/internal/event"
)

// Event types, in the incidents topic, keyed by the incident ID.
const (
	TypeFactRecorded = "statement.fact_recorded.v1"
	TypeFactVerified = "statement.fact_verified.v1"
	TypeDraftSaved   = "statement.draft_saved.v1"
	TypeSubmitted    = "statement.draft_submitted.v1"
	TypeReturned     = "statement.draft_returned.v1"
	TypeApproved     = "statement.draft_approved.v1"
	TypeSigned       = "statement.draft_signed.v1"
	TypeCommented    = "statement.draft_commented.v1"
	TypeAllowed      = "statement.privacy_allowed.v1"
	TypePublished    = "statement.published.v1"
)

// Fact kinds and statuses.
const (
	KindClaim = "claim" // 网传: a claim circulating in the posts
	KindUnit  = "unit"  // a fact from the responsible unit (属地/主管)

	Pending  = "待核实"
	Verified = "已核实"
	False    = "不实"
)

// Draft kinds.
const (
	Notice     = "情况通报" // 权威信息发布 / 情况通报
	Interview  = "答记者问"
	Conference = "发布会口径"
	Policy     = "政策解读"
)

// Kinds lists the draft kinds in the order the console offers them.
var Kinds = []string{Notice, Interview, Conference, Policy}

// Draft statuses: the step a draft is at.
const (
	Drafting  = "草稿"
	InReview  = "待审核"
	ToSign    = "待签发"
	Signed    = "已签发"
	Published = "已发布"
)

// Channels a statement may be published on.
var Channels = []string{"门户网站", "政务微博", "微信公众号", "发布会"}

// Fact is one recorded fact or claim.
type Fact struct {
	ID         string    `json:"id"` // F1, F2 … in the order recorded
	Kind       string    `json:"kind"`
	Text       string    `json:"text"`
	Source     string    `json:"source"`             // the unit, the account, a link
	Mentions   []string  `json:"mentions,omitempty"` // the posts a claim was seen in
	Status     string    `json:"status"`
	RecordedBy string    `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
	VerifiedBy string    `json:"verified_by,omitempty"`
	VerifiedAt time.Time `json:"verified_at,omitzero"`
	Note       string    `json:"note,omitempty"`
}

// Version is one saved text of a draft.
type Version struct {
	N    int       `json:"n"`
	Text string    `json:"text"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// Step is one act in a draft's review history.
type Step struct {
	Type    string    `json:"type"` // saved, submitted, returned, approved, signed, commented, allowed, published
	Version int       `json:"version"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Text    string    `json:"text,omitempty"` // the comment or reason
}

// Allowance records why a privacy finding may stay in a draft.
type Allowance struct {
	Version int       `json:"version"`
	Kind    string    `json:"kind"`
	Text    string    `json:"text"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// Publication is what published a signed draft.
type Publication struct {
	Version  int       `json:"version"`
	Channels []string  `json:"channels"`
	URL      string    `json:"url"`
	At       time.Time `json:"at"`
	Text     string    `json:"text"` // the text as published: citation marks removed
}

// Draft is one statement in the making.
type Draft struct {
	ID          string       `json:"id"` // D1, D2 …
	Kind        string       `json:"kind"`
	Title       string       `json:"title"`
	Author      string       `json:"author"` // who started it
	Status      string       `json:"status"`
	Since       time.Time    `json:"since"` // when it reached Status
	Versions    []Version    `json:"versions"`
	Steps       []Step       `json:"steps"`
	Allowed     []Allowance  `json:"allowed,omitempty"`
	Reviewer    string       `json:"reviewer,omitempty"` // who approved (审核) the current round
	Signer      string       `json:"signer,omitempty"`
	Publication *Publication `json:"publication,omitempty"`
}

// Current is the latest version.
func (d *Draft) Current() Version {
	if len(d.Versions) == 0 {
		return Version{}
	}
	return d.Versions[len(d.Versions)-1]
}

// Authors lists everyone who wrote a version: none of them may review or sign.
func (d *Draft) Authors() []string {
	var out []string
	for _, v := range d.Versions {
		if !slices.Contains(out, v.By) {
			out = append(out, v.By)
		}
	}
	return out
}

// State is an incident's statements as the events made them.
type State struct {
	Facts  []Fact  `json:"facts"`
	Drafts []Draft `json:"drafts"`
}

// Fact returns the fact with id.
func (s *State) Fact(id string) (*Fact, bool) {
	for i := range s.Facts {
		if s.Facts[i].ID == id {
			return &s.Facts[i], true
		}
	}
	return nil, false
}

// Draft returns the draft with id.
func (s *State) Draft(id string) (*Draft, bool) {
	for i := range s.Drafts {
		if s.Drafts[i].ID == id {
			return &s.Drafts[i], true
		}
	}
	return nil, false
}

// Payloads.
type (
	FactRecorded struct {
		Fact     string   `json:"fact"`
		Kind     string   `json:"kind"`
		Text     string   `json:"text"`
		Source   string   `json:"source"`
		Mentions []string `json:"mentions,omitempty"`
	}
	FactVerified struct {
		Fact   string `json:"fact"`
		Status string `json:"status"`
		Note   string `json:"note,omitempty"`
	}
	DraftSaved struct {
		Draft   string `json:"draft"`
		Kind    string `json:"kind,omitempty"`  // first version only
		Title   string `json:"title,omitempty"` // first version only
		Version int    `json:"version"`
		Text    string `json:"text"`
	}
	// Reviewed is the payload of submitted, returned, approved, signed and
	// commented: the version acted on and the comment or reason.
	Reviewed struct {
		Draft   string `json:"draft"`
		Version int    `json:"version"`
		Text    string `json:"text,omitempty"`
	}
	Allowed struct {
		Draft   string `json:"draft"`
		Version int    `json:"version"`
		Kind    string `json:"kind"`
		Text    string `json:"text"`
		Reason  string `json:"reason"`
	}
	PublishedPayload struct {
		Draft string `json:"draft"`
		Publication
	}
)

// Commands. The actor comes with Decide.
type (
	RecordFact struct {
		Kind     string   `json:"kind"`
		Text     string   `json:"text"`
		Source   string   `json:"source"`
		Mentions []string `json:"mentions,omitempty"`
	}
	VerifyFact struct {
		Fact   string `json:"-"`
		Status string `json:"status"`
		Note   string `json:"note"`
	}
	NewDraft struct {
		Kind  string `json:"kind"`
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	// Edit saves a new version; Base is the version it was edited from, so
	// two people editing at once do not overwrite each other.
	Edit struct {
		Draft string `json:"-"`
		Base  int    `json:"base"`
		Text  string `json:"text"`
	}
	Submit  struct{ Draft string }
	Approve struct {
		Draft   string `json:"-"`
		Comment string `json:"comment"`
	}
	Return struct {
		Draft  string `json:"-"`
		Reason string `json:"reason"`
	}
	Sign struct {
		Draft   string `json:"-"`
		Comment string `json:"comment"`
	}
	Comment struct {
		Draft string `json:"-"`
		Text  string `json:"text"`
	}
	// Allow records why a privacy finding may stay (an approver's call).
	Allow struct {
		Draft  string `json:"-"`
		Text   string `json:"text"`
		Reason string `json:"reason"`
	}
	Publish struct {
		Draft    string    `json:"-"`
		Channels []string  `json:"channels"`
		URL      string    `json:"url"`
		At       time.Time `json:"at"`
	}
)

// ErrRule is wrapped by every refusal.
var ErrRule = errors.New("refused")

// refuse words a refusal in Chinese: the console shows it as it is, and
// errors.Is(err, ErrRule) holds.
func refuse(format string, args ...any) error { return event.Refuse(ErrRule, format, args...) }

// Event is a decided event before it is wrapped.
type Event = event.Decided

// Decide returns the events cmd by actor causes on s at now. chk checks a
// draft's citations and personal data before it is approved or signed.
func Decide(s *State, cmd any, actor string, now time.Time, chk Checker) ([]Event, error) {
	if actor == "" {
		return nil, refuse("每个操作都要记录操作人")
	}
	switch c := cmd.(type) {
	case RecordFact:
		if c.Kind != KindClaim && c.Kind != KindUnit {
			return nil, refuse("事实来源只能是「网传」或「责任单位」")
		}
		if strings.TrimSpace(c.Text) == "" {
			return nil, refuse("请填写事实内容")
		}
		if strings.TrimSpace(c.Source) == "" {
			return nil, refuse("请注明来源（责任单位、账号或链接）")
		}
		return []Event{{Type: TypeFactRecorded, Data: FactRecorded{Fact: "F" + strconv.Itoa(len(s.Facts)+1),
			Kind: c.Kind, Text: strings.TrimSpace(c.Text), Source: strings.TrimSpace(c.Source), Mentions: c.Mentions}}}, nil
	case VerifyFact:
		f, ok := s.Fact(c.Fact)
		if !ok {
			return nil, refuse("没有事实 %s", c.Fact)
		}
		if c.Status != Verified && c.Status != False && c.Status != Pending {
			return nil, refuse("核实结果只能是已核实、不实或待核实")
		}
		if c.Status == f.Status {
			return nil, refuse("事实 %s 已是「%s」", f.ID, f.Status)
		}
		return []Event{{Type: TypeFactVerified, Data: FactVerified{Fact: f.ID, Status: c.Status, Note: strings.TrimSpace(c.Note)}}}, nil
	case NewDraft:
		if !slices.Contains(Kinds, c.Kind) {
			return nil, refuse("稿件类型只能是%s", strings.Join(Kinds, "、"))
		}
		if strings.TrimSpace(c.Title) == "" {
			return nil, refuse("请填写稿件标题")
		}
		if strings.TrimSpace(c.Text) == "" {
			return nil, refuse("稿件正文为空")
		}
		id := "D" + strconv.Itoa(len(s.Drafts)+1)
		return []Event{{Type: TypeDraftSaved, Data: DraftSaved{Draft: id, Kind: c.Kind, Title: strings.TrimSpace(c.Title), Version: 1, Text: c.Text}}}, nil
	}
	id := draftOf(cmd)
	d, ok := s.Draft(id)
	if !ok {
		return nil, refuse("没有稿件 %s", id)
	}
	cur := d.Current()
	switch c := cmd.(type) {
	case Edit:
		if d.Status != Drafting {
			return nil, refuse("稿件%s，不能修改；退回后才能修改", d.Status)
		}
		if c.Base != cur.N {
			return nil, refuse("稿件已被他人修改为第 %d 稿，请在最新稿上修改", cur.N)
		}
		if strings.TrimSpace(c.Text) == "" {
			return nil, refuse("稿件正文为空")
		}
		if c.Text == cur.Text {
			return nil, refuse("正文没有变化")
		}
		return []Event{{Type: TypeDraftSaved, Data: DraftSaved{Draft: d.ID, Version: cur.N + 1, Text: c.Text}}}, nil
	case Submit:
		if d.Status != Drafting {
			return nil, refuse("稿件%s，不能再提交", d.Status)
		}
		return []Event{{Type: TypeSubmitted, Data: Reviewed{Draft: d.ID, Version: cur.N}}}, nil
	case Approve:
		if d.Status != InReview {
			return nil, refuse("稿件%s，不在审核环节", d.Status)
		}
		if slices.Contains(d.Authors(), actor) {
			return nil, refuse("不能审核自己起草或修改的稿件")
		}
		if r := chk.Check(s, d); !r.OK {
			return nil, refuse("稿件未通过检查：%s；请退回修改", r.Summary())
		}
		return []Event{{Type: TypeApproved, Data: Reviewed{Draft: d.ID, Version: cur.N, Text: strings.TrimSpace(c.Comment)}}}, nil
	case Return:
		if d.Status != InReview && d.Status != ToSign {
			return nil, refuse("稿件%s，不能退回", d.Status)
		}
		if slices.Contains(d.Authors(), actor) {
			return nil, refuse("起草人不能退回自己的稿件")
		}
		if strings.TrimSpace(c.Reason) == "" {
			return nil, refuse("退回需要说明理由")
		}
		return []Event{{Type: TypeReturned, Data: Reviewed{Draft: d.ID, Version: cur.N, Text: strings.TrimSpace(c.Reason)}}}, nil
	case Sign:
		if d.Status != ToSign {
			return nil, refuse("稿件%s，不在签发环节", d.Status)
		}
		if slices.Contains(d.Authors(), actor) || actor == d.Reviewer {
			return nil, refuse("签发人不能是起草人或审核人：三审需要三个不同的人")
		}
		if r := chk.Check(s, d); !r.OK {
			return nil, refuse("稿件未通过检查：%s；请退回修改", r.Summary())
		}
		return []Event{{Type: TypeSigned, Data: Reviewed{Draft: d.ID, Version: cur.N, Text: strings.TrimSpace(c.Comment)}}}, nil
	case Comment:
		if strings.TrimSpace(c.Text) == "" {
			return nil, refuse("意见为空")
		}
		return []Event{{Type: TypeCommented, Data: Reviewed{Draft: d.ID, Version: cur.N, Text: strings.TrimSpace(c.Text)}}}, nil
	case Allow:
		if slices.Contains(d.Authors(), actor) {
			return nil, refuse("个人信息是否保留由审核人决定，起草人不能自行放行")
		}
		if strings.TrimSpace(c.Reason) == "" {
			return nil, refuse("请说明保留该信息的理由")
		}
		for _, f := range chk.privacy(cur.Text) {
			if f.Text == c.Text {
				return []Event{{Type: TypeAllowed, Data: Allowed{Draft: d.ID, Version: cur.N, Kind: f.Kind, Text: f.Text, Reason: strings.TrimSpace(c.Reason)}}}, nil
			}
		}
		return nil, refuse("第 %d 稿中没有需要放行的「%s」", cur.N, c.Text)
	case Publish:
		if d.Status != Signed {
			return nil, refuse("稿件%s：签发后才能发布", d.Status)
		}
		if len(c.Channels) == 0 {
			return nil, refuse("请选择发布渠道")
		}
		for _, ch := range c.Channels {
			if !slices.Contains(Channels, ch) {
				return nil, refuse("发布渠道只能是%s", strings.Join(Channels, "、"))
			}
		}
		if u, err := url.Parse(strings.TrimSpace(c.URL)); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, refuse("请填写发布页面的链接（http 或 https）")
		}
		if c.At.IsZero() {
			c.At = now
		}
		if c.At.After(now.Add(5 * time.Minute)) {
			return nil, refuse("发布时间 %s 在未来", c.At.Format(time.RFC3339))
		}
		if c.At.Before(d.Since) {
			return nil, refuse("发布时间早于签发时间")
		}
		p := Publication{Version: cur.N, Channels: c.Channels, URL: strings.TrimSpace(c.URL), At: c.At, Text: Clean(cur.Text)}
		return []Event{{Type: TypePublished, Data: PublishedPayload{Draft: d.ID, Publication: p}}}, nil
	}
	return nil, refuse("未知操作 %T", cmd)
}

func draftOf(cmd any) string {
	switch c := cmd.(type) {
	case Edit:
		return c.Draft
	case Submit:
		return c.Draft
	case Approve:
		return c.Draft
	case Return:
		return c.Draft
	case Sign:
		return c.Draft
	case Comment:
		return c.Draft
	case Allow:
		return c.Draft
	case Publish:
		return c.Draft
	}
	return ""
}

// Apply folds e into s. Events of other types are ignored.
func Apply(s *State, e event.Envelope) error {
	if !strings.HasPrefix(e.Type, "statement.") {
		return nil
	}
	decode := func(v any) error {
		if err := json.Unmarshal(e.Payload, v); err != nil {
			return fmt.Errorf("decoding %s %s: %w", e.Type, e.ID, err)
		}
		return nil
	}
	switch e.Type {
	case TypeFactRecorded:
		var p FactRecorded
		if err := decode(&p); err != nil {
			return err
		}
		if _, ok := s.Fact(p.Fact); ok {
			return nil // applied already
		}
		s.Facts = append(s.Facts, Fact{ID: p.Fact, Kind: p.Kind, Text: p.Text, Source: p.Source, Mentions: p.Mentions,
			Status: Pending, RecordedBy: e.Actor, RecordedAt: e.Time})
		return nil
	case TypeFactVerified:
		var p FactVerified
		if err := decode(&p); err != nil {
			return err
		}
		if f, ok := s.Fact(p.Fact); ok {
			f.Status, f.Note, f.VerifiedBy, f.VerifiedAt = p.Status, p.Note, e.Actor, e.Time
		}
		return nil
	case TypeDraftSaved:
		var p DraftSaved
		if err := decode(&p); err != nil {
			return err
		}
		d, ok := s.Draft(p.Draft)
		if !ok {
			s.Drafts = append(s.Drafts, Draft{ID: p.Draft, Kind: p.Kind, Title: p.Title, Author: e.Actor, Status: Drafting, Since: e.Time})
			d = &s.Drafts[len(s.Drafts)-1]
		}
		if d.Current().N >= p.Version {
			return nil
		}
		d.Versions = append(d.Versions, Version{N: p.Version, Text: p.Text, By: e.Actor, At: e.Time})
		d.Steps = append(d.Steps, Step{Type: "saved", Version: p.Version, By: e.Actor, At: e.Time})
		return nil
	case TypeAllowed:
		var p Allowed
		if err := decode(&p); err != nil {
			return err
		}
		if d, ok := s.Draft(p.Draft); ok {
			d.Allowed = append(d.Allowed, Allowance{Version: p.Version, Kind: p.Kind, Text: p.Text, Reason: p.Reason, By: e.Actor, At: e.Time})
			d.Steps = append(d.Steps, Step{Type: "allowed", Version: p.Version, By: e.Actor, At: e.Time, Text: p.Text + "：" + p.Reason})
		}
		return nil
	case TypePublished:
		var p PublishedPayload
		if err := decode(&p); err != nil {
			return err
		}
		if d, ok := s.Draft(p.Draft); ok {
			pub := p.Publication
			d.Publication, d.Status, d.Since = &pub, Published, e.Time
			d.Steps = append(d.Steps, Step{Type: "published", Version: p.Version, By: e.Actor, At: e.Time, Text: strings.Join(p.Channels, "、")})
		}
		return nil
	}
	var p Reviewed
	if err := decode(&p); err != nil {
		return err
	}
	d, ok := s.Draft(p.Draft)
	if !ok {
		return nil
	}
	step := Step{Version: p.Version, By: e.Actor, At: e.Time, Text: p.Text}
	switch e.Type {
	case TypeSubmitted:
		step.Type, d.Status, d.Reviewer, d.Signer = "submitted", InReview, "", ""
	case TypeReturned:
		step.Type, d.Status = "returned", Drafting
	case TypeApproved:
		step.Type, d.Status, d.Reviewer = "approved", ToSign, e.Actor
	case TypeSigned:
		step.Type, d.Status, d.Signer = "signed", Signed, e.Actor
	case TypeCommented:
		step.Type = "commented"
	default:
		return nil
	}
	if step.Type != "commented" {
		d.Since = e.Time
	}
	d.Steps = append(d.Steps, step)
	return nil
}

// Envelopes wraps decided events for the log, keyed by the incident.
func Envelopes(incidentID, actor string, now time.Time, evs []Event) ([]event.Envelope, error) {
	return event.Wrap(incidentID, actor, now, evs)
}

// Book is the statements of every incident, folded from the log. It is
// safe for concurrent use.
type Book struct {
	mu     sync.RWMutex
	states map[string]*State
}

// NewBook returns an empty book.
func NewBook() *Book { return &Book{states: map[string]*State{}} }

// Apply folds e into the statements of incident e.Key; other types are ignored.
func (b *Book) Apply(e event.Envelope) error {
	if !strings.HasPrefix(e.Type, "statement.") {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.states[e.Key]
	if s == nil {
		s = &State{}
		b.states[e.Key] = s
	}
	return Apply(s, e)
}

// State returns a copy of incident id's statements (empty when none).
func (b *Book) State(id string) State {
	b.mu.RLock()
	defer b.mu.RUnlock()
	s := b.states[id]
	if s == nil {
		return State{Facts: []Fact{}, Drafts: []Draft{}}
	}
	// Deep enough: callers may append to the copy's slices without
	// touching the book's.
	out := State{Facts: slices.Clone(s.Facts), Drafts: make([]Draft, len(s.Drafts))}
	for i, d := range s.Drafts {
		d.Versions, d.Steps, d.Allowed = slices.Clone(d.Versions), slices.Clone(d.Steps), slices.Clone(d.Allowed)
		out.Drafts[i] = d
	}
	return out
}

// Active is the draft of incident id furthest from publication that is
// still in work (not published), for the clock line ("草稿 · 待审核 12 分钟").
func (b *Book) Active(id string) (Draft, bool) {
	s := b.State(id)
	for i := len(s.Drafts) - 1; i >= 0; i-- {
		if s.Drafts[i].Status != Published {
			return s.Drafts[i], true
		}
	}
	return Draft{}, false
}
