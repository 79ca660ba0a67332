// Package notify delivers incident deadline messages (warnings before a
// clock is due, breaches at it, escalations up the chain duty officer →
// section chief → leader) to people, through chat bots, e-mail, SMS and
// signed webhooks.
//
// The shape follows prometheus/alertmanager's notify package: every channel
// is a Notifier whose Notify reports whether a failure is worth retrying;
// routing, quiet hours and retry timing are pure decisions that take now;
// a Dispatcher ties them together. Nothing here has package state: callers
// pass the *http.Client, the *slog.Logger and the clock.
//
// The adapters live in sub-packages (wecom, dingtalk, feishu, email,
// webhook, sms) and import this package for Message and Secret.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"yuqing/internal/secret"
)

// Kinds of message.
const (
	KindWarning    = "warning"    // a clock is about to be due
	KindBreach     = "breach"     // a clock is past due
	KindEscalation = "escalation" // nobody acknowledged; the next role is told
	KindInfo       = "info"       // anything else
)

// Target roles.
const (
	RoleDutyOfficer  = "duty_officer"
	RoleSectionChief = "section_chief"
	RoleLeader       = "leader"
	RoleSpokesperson = "spokesperson"
)

// Message is one notification. ID is the idempotency key: the same ID is
// delivered to a receiver at most once (see Dispatcher).
type Message struct {
	ID         string    `json:"id"`    // e.g. "breach:<incident>:<clock>"
	Kind       string    `json:"kind"`  // warning | breach | escalation | info
	Grade      int       `json:"grade"` // 1..4 = I..IV, 0 none
	IncidentID string    `json:"incident_id,omitempty"`
	Title      string    `json:"title"`         // Simplified Chinese
	Text       string    `json:"text"`          // Simplified Chinese
	URL        string    `json:"url,omitempty"` // link to the console
	Unit       string    `json:"unit,omitempty"`
	Role       string    `json:"role,omitempty"` // duty_officer, section_chief, leader, spokesperson
	At         time.Time `json:"at"`
	Drill      bool      `json:"drill,omitempty"` // 演练: rendered with a 【演练】 prefix everywhere
	// Attachments are files the channels that can carry them (e-mail)
	// attach, read when the message is sent; the others send the URL.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file on this machine a message carries: the log keeps
// its path, not its bytes.
type Attachment struct {
	Name string `json:"name"` // the file name the receiver sees: 舆情周报（2026年第47周）.pdf
	Path string `json:"path"`
	Type string `json:"type"` // MIME type
}

// Validate checks what every channel relies on.
func (m Message) Validate() error {
	var errs []error
	if m.ID == "" {
		errs = append(errs, errors.New("message: empty id"))
	}
	switch m.Kind {
	case KindWarning, KindBreach, KindEscalation, KindInfo:
	default:
		errs = append(errs, fmt.Errorf("message %s: unknown kind %q", m.ID, m.Kind))
	}
	if m.Grade < 0 || m.Grade > 4 {
		errs = append(errs, fmt.Errorf("message %s: grade %d out of 0..4", m.ID, m.Grade))
	}
	if m.Title == "" && m.Text == "" {
		errs = append(errs, fmt.Errorf("message %s: neither title nor text", m.ID))
	}
	return errors.Join(errs...)
}

// Urgent reports a message that must never wait: a grade I or II warning,
// breach or escalation. (An escalation of a grade I/II clock is a breach
// nobody picked up, so it is held to the same rule.)
func (m Message) Urgent() bool {
	if m.Grade != 1 && m.Grade != 2 {
		return false
	}
	switch m.Kind {
	case KindWarning, KindBreach, KindEscalation:
		return true
	}
	return false
}

// Notifier delivers a message on one channel. retry is true when the failure
// is transient (network error, 5xx, 429, a bot API's rate-limit code) and
// the same call may succeed later; false when it is permanent (4xx, bad
// configuration, an auth or signature error code). Errors never contain
// secrets: no webhook keys, tokens or passwords.
type Notifier interface {
	Notify(ctx context.Context, msg Message) (retry bool, err error)
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, msg Message) (bool, error)

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, msg Message) (bool, error) { return f(ctx, msg) }

// Secret is a string that never prints (fmt, slog, JSON, YAML show
// <secret>); Reveal returns the value. It is secret.Secret, kept under this
// name for the channel packages.
type Secret = secret.Secret
