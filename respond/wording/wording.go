// Package wording is the 口径 library: the approved wording a spokesperson
// (新闻发言人) may use, with the facts and documents it rests on.
//
// An entry is event-sourced. Decide(entry, command, actor, now) returns the
// events a command causes or an error wrapping ErrRule that says, in
// Chinese, which rule it breaks; Apply folds an event into the entry. Both
// are pure. Library is the projection the console searches: it applies the
// events of the topic and answers Get and Search.
//
// Versions: the first proposal is version 1. A proposal that changes the
// text or the citations opens a new version and keeps the old ones; one
// that changes only the title, category, unit, owner or validity amends
// the latest version while it is still a draft (an approved version never
// changes: the proposal opens a new version). Approving a version retires
// the version approved before it, so an entry has at most one approved
// version, the one in effect, and at most one draft, the latest version.
//
// Role checks (who may propose, who may approve) are the caller's; Decide
// enforces that nobody approves a version they proposed or amended.
package wording

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"yuqing/internal/event"
	"yuqing/respond/privacy"
)

// Topic is the log topic of wording events; an entry's events share its
// ID as their key.
const Topic = "wording"

// Event types.
const (
	TypeProposed = "wording.proposed.v1"
	TypeApproved = "wording.approved.v1"
	TypeRetired  = "wording.retired.v1"
)

// Statuses of a version.
const (
	StatusDraft    = "草稿"
	StatusApproved = "已批准"
	StatusRetired  = "已停用"
)

// Citation kinds.
const (
	CiteFact     = "fact"     // a verified fact of an incident; Ref is its ID
	CiteDocument = "document" // a policy or official document; Ref is its number (国办发〔2016〕61号)
	CiteURL      = "url"      // a published page; Ref is its http(s) URL
	CiteWording  = "wording"  // an entry of this library; Ref is ID@version (Insert adds it)
)

// Categories returns the categories an entry may have.
func Categories() []string {
	return []string{"安全生产", "生态环境", "教育", "医疗卫生", "交通", "住房", "社会保障", "其他"}
}

// Citation is what a piece of wording rests on.
type Citation struct {
	Kind  string `json:"kind"` // fact, document, url (wording only in Insert's output)
	Ref   string `json:"ref"`
	Label string `json:"label,omitempty"`
}

// Version is one version of an entry.
type Version struct {
	Number          int        `json:"number"`
	Category        string     `json:"category"`
	Unit            string     `json:"unit"` // responsible unit
	Title           string     `json:"title"`
	Text            string     `json:"text"`
	Citations       []Citation `json:"citations,omitempty"`
	Owner           string     `json:"owner"`
	ValidFrom       time.Time  `json:"valid_from,omitzero"`  // in effect from this instant; zero: from approval
	ValidUntil      time.Time  `json:"valid_until,omitzero"` // no longer in effect from this instant; zero: until retired
	Status          string     `json:"status"`
	Authors         []string   `json:"authors"` // who proposed or amended it: none of them may approve it
	ProposedAt      time.Time  `json:"proposed_at"`
	ApprovedBy      string     `json:"approved_by,omitempty"`
	ApprovedAt      time.Time  `json:"approved_at,omitzero"`
	ApprovalNote    string     `json:"approval_note,omitempty"`
	RetiredAt       time.Time  `json:"retired_at,omitzero"`
	RetiredReason   string     `json:"retired_reason,omitempty"`
	PrivacyOverride string     `json:"privacy_override,omitempty"` // why personal data the guard found may stay
	PrivacyKinds    []string   `json:"privacy_kinds,omitempty"`    // the kinds it found
}

// ValidAt reports whether the version's validity window holds at t.
func (v Version) ValidAt(t time.Time) bool {
	return (v.ValidFrom.IsZero() || !t.Before(v.ValidFrom)) && (v.ValidUntil.IsZero() || t.Before(v.ValidUntil))
}

// Entry is one 口径 with its history.
type Entry struct {
	ID       string    `json:"id"`
	Versions []Version `json:"versions"` // Versions[i].Number == i+1
}

// Latest is the latest version, or nil before the first proposal.
func (e *Entry) Latest() *Version {
	if len(e.Versions) == 0 {
		return nil
	}
	return &e.Versions[len(e.Versions)-1]
}

// Current is the approved version, the one in effect, if any.
func (e Entry) Current() (Version, bool) {
	for _, v := range slices.Backward(e.Versions) {
		if v.Status == StatusApproved {
			return v, true
		}
	}
	return Version{}, false
}

// Status is the entry's status: 已批准 while a version is in effect, else
// 草稿 while a draft waits, else 已停用.
func (e Entry) Status() string {
	if _, ok := e.Current(); ok {
		return StatusApproved
	}
	if l := e.Latest(); l != nil && l.Status == StatusDraft {
		return StatusDraft
	}
	return StatusRetired
}

func (e Entry) clone() Entry {
	c := Entry{ID: e.ID, Versions: slices.Clone(e.Versions)}
	for i := range c.Versions {
		c.Versions[i].Citations = slices.Clone(c.Versions[i].Citations)
		c.Versions[i].Authors = slices.Clone(c.Versions[i].Authors)
		c.Versions[i].PrivacyKinds = slices.Clone(c.Versions[i].PrivacyKinds)
	}
	return c
}

// Payloads.
type (
	Proposed struct {
		Version         int        `json:"version"`
		Amend           bool       `json:"amend,omitempty"` // the draft Version is amended, not a new version
		Category        string     `json:"category"`
		Unit            string     `json:"unit"`
		Title           string     `json:"title"`
		Text            string     `json:"text"`
		Citations       []Citation `json:"citations,omitempty"`
		Owner           string     `json:"owner"`
		ValidFrom       time.Time  `json:"valid_from,omitzero"`
		ValidUntil      time.Time  `json:"valid_until,omitzero"`
		PrivacyOverride string     `json:"privacy_override,omitempty"`
		PrivacyKinds    []string   `json:"privacy_kinds,omitempty"`
	}
	Approved struct {
		Version int    `json:"version"`
		Note    string `json:"note,omitempty"`
	}
	Retired struct {
		Reason string `json:"reason"`
	}
)

// Commands.
type (
	// Propose creates the entry, amends its draft, or opens a new version.
	Propose struct {
		Category   string
		Unit       string
		Title      string
		Text       string
		Citations  []Citation
		Owner      string    // "": the actor
		ValidFrom  time.Time // zero: from approval
		ValidUntil time.Time // zero: until retired
		// PrivacyOverride is why personal data the privacy guard finds in
		// the title, text or citations may stay (a hospital switchboard the
		// public must call). Without it such a proposal is refused.
		PrivacyOverride string
	}
	// Approve approves the latest version, which must be Version: the
	// approver names what they read.
	Approve struct {
		Version int
		Note    string
	}
	// Retire takes the entry out of use: its approved version and its
	// draft are retired. A later proposal opens a new version.
	Retire struct {
		Reason string
	}
)

// Event is a decided event before it is wrapped in an envelope.
type Event = event.Decided

// ErrRule is wrapped by every refusal of a command.
var ErrRule = errors.New("口径操作被拒绝")

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w：%s", ErrRule, fmt.Sprintf(format, args...))
}

// Decide returns the events cmd by actor causes on e at now, or why it is
// refused. e.ID must be set; for a new entry the caller picks it.
func Decide(e *Entry, cmd any, actor string, now time.Time) ([]Event, error) {
	if strings.TrimSpace(e.ID) == "" {
		return nil, refuse("口径缺少编号")
	}
	if strings.TrimSpace(actor) == "" {
		return nil, refuse("操作人不能为空")
	}
	switch c := cmd.(type) {
	case Propose:
		return decidePropose(e, c, actor, now)
	case Approve:
		l := e.Latest()
		if l == nil {
			return nil, refuse("口径 %s 尚未起草", e.ID)
		}
		if c.Version == 0 {
			return nil, refuse("请指明要批准的版本号")
		}
		if c.Version != l.Number {
			return nil, refuse("只能批准最新的第%d版，不能批准第%d版", l.Number, c.Version)
		}
		if l.Status != StatusDraft {
			return nil, refuse("第%d版状态为%s，不是待批准的草稿", l.Number, l.Status)
		}
		if slices.Contains(l.Authors, actor) {
			return nil, refuse("不能批准自己起草或修改的口径，请由他人审批")
		}
		if !l.ValidUntil.IsZero() && !now.Before(l.ValidUntil) {
			return nil, refuse("第%d版的有效期已于%s结束，请修改有效期后再报批", l.Number, l.ValidUntil.Format("2006-01-02 15:04"))
		}
		return []Event{{Type: TypeApproved, Data: Approved(c)}}, nil
	case Retire:
		if strings.TrimSpace(c.Reason) == "" {
			return nil, refuse("停用口径需要说明理由")
		}
		if e.Latest() == nil {
			return nil, refuse("口径 %s 尚未起草", e.ID)
		}
		if e.Status() == StatusRetired {
			return nil, refuse("口径 %s 已停用", e.ID)
		}
		return []Event{{Type: TypeRetired, Data: Retired(c)}}, nil
	}
	return nil, refuse("未知的口径操作 %T", cmd)
}

func decidePropose(e *Entry, c Propose, actor string, now time.Time) ([]Event, error) {
	c.Title, c.Text, c.Unit = strings.TrimSpace(c.Title), strings.TrimSpace(c.Text), strings.TrimSpace(c.Unit)
	c.Owner, c.PrivacyOverride = strings.TrimSpace(c.Owner), strings.TrimSpace(c.PrivacyOverride)
	if c.Title == "" || c.Text == "" {
		return nil, refuse("口径需要标题和正文")
	}
	if !slices.Contains(Categories(), c.Category) {
		return nil, refuse("类别“%s”不在%s之中", c.Category, strings.Join(Categories(), "、"))
	}
	if c.Unit == "" {
		return nil, refuse("请填写责任单位")
	}
	if c.Owner == "" {
		c.Owner = actor
	}
	for i, ct := range c.Citations {
		if err := checkCitation(ct); err != nil {
			return nil, refuse("第%d条引用：%v", i+1, err)
		}
	}
	if !c.ValidFrom.IsZero() && !c.ValidUntil.IsZero() && !c.ValidUntil.After(c.ValidFrom) {
		return nil, refuse("有效期的结束时间必须晚于开始时间")
	}
	if !c.ValidUntil.IsZero() && !now.Before(c.ValidUntil) {
		return nil, refuse("有效期已于%s结束", c.ValidUntil.Format("2006-01-02 15:04"))
	}
	kinds, hints := guard(c)
	if len(kinds) > 0 && c.PrivacyOverride == "" {
		return nil, refuse("口径含个人信息（%s），请先脱敏；确需保留的，请注明保留理由", strings.Join(hints, "；"))
	}
	if len(kinds) == 0 {
		c.PrivacyOverride = "" // nothing to override
	}
	p := Proposed{Version: 1, Category: c.Category, Unit: c.Unit, Title: c.Title, Text: c.Text,
		Citations: slices.Clone(c.Citations), Owner: c.Owner, ValidFrom: c.ValidFrom.UTC(), ValidUntil: c.ValidUntil.UTC(),
		PrivacyOverride: c.PrivacyOverride, PrivacyKinds: kinds}
	if c.ValidFrom.IsZero() {
		p.ValidFrom = time.Time{}
	}
	if c.ValidUntil.IsZero() {
		p.ValidUntil = time.Time{}
	}
	if l := e.Latest(); l != nil {
		p.Version = l.Number + 1
		sameContent := l.Text == p.Text && slices.Equal(l.Citations, p.Citations)
		sameMeta := l.Title == p.Title && l.Category == p.Category && l.Unit == p.Unit && l.Owner == p.Owner &&
			l.ValidFrom.Equal(p.ValidFrom) && l.ValidUntil.Equal(p.ValidUntil)
		switch {
		case l.Status != StatusRetired && sameContent && sameMeta && l.PrivacyOverride == p.PrivacyOverride:
			return nil, refuse("与第%d版相同，没有改动", l.Number)
		case l.Status == StatusDraft && sameContent:
			p.Version, p.Amend = l.Number, true
		}
	}
	return []Event{{Type: TypeProposed, Data: p}}, nil
}

func checkCitation(c Citation) error {
	if strings.TrimSpace(c.Ref) == "" {
		return errors.New("引用缺少出处")
	}
	switch c.Kind {
	case CiteFact, CiteDocument:
	case CiteURL:
		u, err := url.Parse(c.Ref)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q 不是 http(s) 链接", c.Ref)
		}
	default:
		return fmt.Errorf("引用类型“%s”应为 fact、document 或 url", c.Kind)
	}
	return nil
}

// guard runs the privacy guard over what the proposal would publish; it
// returns the kinds found and a masked hint of each finding for the
// refusal (the refusal must not repeat the personal data).
func guard(c Propose) (kinds, hints []string) {
	texts := []string{c.Title, c.Text}
	for _, ct := range c.Citations {
		texts = append(texts, ct.Label)
	}
	for _, t := range texts {
		fs := privacy.Scan(t)
		for _, f := range fs {
			if !slices.Contains(kinds, f.Kind) {
				kinds = append(kinds, f.Kind)
			}
			hints = append(hints, privacy.Label(f.Kind)+" "+privacy.Mask(f.Text, []privacy.Finding{{Kind: f.Kind, Start: 0, End: f.End - f.Start}}))
		}
	}
	return kinds, hints
}

// Apply folds one event into e. Events of other types are an error.
func Apply(e *Entry, env event.Envelope) error {
	decode := func(v any) error {
		if err := json.Unmarshal(env.Payload, v); err != nil {
			return fmt.Errorf("decoding %s %s: %w", env.Type, env.ID, err)
		}
		return nil
	}
	if e.ID == "" {
		e.ID = env.Key
	}
	switch env.Type {
	case TypeProposed:
		var d Proposed
		if err := decode(&d); err != nil {
			return err
		}
		v := Version{Number: d.Version, Category: d.Category, Unit: d.Unit, Title: d.Title, Text: d.Text,
			Citations: d.Citations, Owner: d.Owner, ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil,
			Status: StatusDraft, Authors: []string{env.Actor}, ProposedAt: env.Time,
			PrivacyOverride: d.PrivacyOverride, PrivacyKinds: d.PrivacyKinds}
		l := e.Latest()
		switch {
		case d.Amend && l != nil && l.Number == d.Version:
			if !slices.Contains(l.Authors, env.Actor) {
				v.Authors = append(slices.Clone(l.Authors), env.Actor)
			} else {
				v.Authors = l.Authors
			}
			*l = v
		case d.Version == len(e.Versions)+1:
			if l != nil && l.Status == StatusDraft {
				l.Status, l.RetiredAt, l.RetiredReason = StatusRetired, env.Time, fmt.Sprintf("被第%d版取代", d.Version)
			}
			e.Versions = append(e.Versions, v)
		default:
			return fmt.Errorf("%s %s: version %d does not follow version %d of %s", env.Type, env.ID, d.Version, len(e.Versions), e.ID)
		}
	case TypeApproved:
		var d Approved
		if err := decode(&d); err != nil {
			return err
		}
		if d.Version < 1 || d.Version > len(e.Versions) {
			return fmt.Errorf("%s %s: %s has no version %d", env.Type, env.ID, e.ID, d.Version)
		}
		for i := range e.Versions {
			if v := &e.Versions[i]; v.Status == StatusApproved && v.Number != d.Version {
				v.Status, v.RetiredAt, v.RetiredReason = StatusRetired, env.Time, fmt.Sprintf("被第%d版取代", d.Version)
			}
		}
		v := &e.Versions[d.Version-1]
		v.Status, v.ApprovedBy, v.ApprovedAt, v.ApprovalNote = StatusApproved, env.Actor, env.Time, d.Note
	case TypeRetired:
		var d Retired
		if err := decode(&d); err != nil {
			return err
		}
		for i := range e.Versions {
			if v := &e.Versions[i]; v.Status != StatusRetired {
				v.Status, v.RetiredAt, v.RetiredReason = StatusRetired, env.Time, d.Reason
			}
		}
	default:
		return fmt.Errorf("event %s: type %s is not a wording event", env.ID, env.Type)
	}
	return nil
}

// Insert is what a draft inserts when it uses the entry: the text of the
// version in effect, its citations, and a citation of the entry itself
// (kind wording, Ref ID@version). An entry without an approved version
// inserts nothing.
func Insert(e Entry) (text string, citations []Citation) {
	v, ok := e.Current()
	if !ok {
		return "", nil
	}
	citations = append(slices.Clone(v.Citations), Citation{Kind: CiteWording, Ref: fmt.Sprintf("%s@%d", e.ID, v.Number), Label: v.Title})
	return v.Text, citations
}
