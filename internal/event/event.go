// Package event defines the envelope every fact in yuqing travels in.
//
// An Envelope is immutable once appended to the log. Its Type is a stable,
// versioned string ("mention.ingested.v1"): renaming a Go type never changes
// stored history. Consumers are idempotent by Envelope.ID.
package event

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Stable event types. Never rename one; add a new version instead.
const (
	MentionIngested = "mention.ingested.v1"
	MentionAnalyzed = "mention.analyzed.v1"
	MentionRejected = "mention.rejected.v1" // dead letter: a payload that failed validation
)

// Envelope is one fact in the log.
type Envelope struct {
	ID       string          `json:"id"`       // UUIDv7: unique and sortable by creation time
	Type     string          `json:"type"`     // stable versioned type, e.g. mention.ingested.v1
	Key      string          `json:"key"`      // partition key: events with one key keep their order
	Time     time.Time       `json:"time"`     // event time: when it happened in the world
	Recorded time.Time       `json:"recorded"` // record time: when yuqing learned of it
	Actor    string          `json:"actor"`    // who or what caused it ("ingest:http", "user:alice")
	Payload  json.RawMessage `json:"payload"`
}

// NewID returns a new UUIDv7 string. IDs made later sort after earlier ones.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 fails only when crypto/rand fails, which the runtime treats as fatal.
		panic(fmt.Sprintf("event: generating UUIDv7: %v", err))
	}
	return id.String()
}

// New builds an envelope with a fresh ID, marshalling payload to JSON.
func New(typ, key, actor string, eventTime, recorded time.Time, payload any) (Envelope, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return Envelope{}, fmt.Errorf("marshalling %s payload: %w", typ, err)
	}
	e := Envelope{
		ID:       NewID(),
		Type:     typ,
		Key:      key,
		Time:     eventTime.UTC(),
		Recorded: recorded.UTC(),
		Actor:    actor,
		Payload:  raw,
	}
	return e, e.Validate()
}

// Decode unmarshals the payload into v.
func (e Envelope) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return fmt.Errorf("decoding %s payload of event %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// Validate reports the first thing wrong with the envelope.
func (e Envelope) Validate() error {
	var errs []error
	if _, err := uuid.Parse(e.ID); err != nil {
		errs = append(errs, fmt.Errorf("id %q is not a UUID", e.ID))
	}
	if !validType(e.Type) {
		errs = append(errs, fmt.Errorf("type %q is not a versioned type like mention.ingested.v1", e.Type))
	}
	if e.Time.IsZero() {
		errs = append(errs, errors.New("event time is missing"))
	}
	if e.Recorded.IsZero() {
		errs = append(errs, errors.New("record time is missing"))
	}
	if e.Actor == "" {
		errs = append(errs, errors.New("actor is missing"))
	}
	if len(e.Payload) == 0 || !json.Valid(e.Payload) {
		errs = append(errs, errors.New("payload is not valid JSON"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid event: %w", errors.Join(errs...))
	}
	return nil
}

// validType accepts dot-separated lower-case words ending in a version: a.b.v1.
func validType(t string) bool {
	parts := strings.Split(t, ".")
	if len(parts) < 2 {
		return false
	}
	last := parts[len(parts)-1]
	if len(last) < 2 || last[0] != 'v' {
		return false
	}
	for _, r := range last[1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	for _, p := range parts[:len(parts)-1] {
		if p == "" {
			return false
		}
		for _, r := range p {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return false
			}
		}
	}
	return true
}

// Decided is an event a pure decision produced, before it is wrapped:
// its versioned type and its payload.
type Decided struct {
	Type string
	Data any
}

// Refusal is a command a pure decision refused. Its message is the Chinese
// the console shows as it is; errors.Is(err, Rule) holds, Rule being the
// deciding package's sentinel (incident.ErrRule, workorder.ErrRule …).
type Refusal struct {
	Msg  string
	Rule error
}

func (r Refusal) Error() string        { return r.Msg }
func (r Refusal) Is(target error) bool { return target == r.Rule }

// Refuse words a refusal under rule.
func Refuse(rule error, format string, args ...any) error {
	return Refusal{Msg: fmt.Sprintf(format, args...), Rule: rule}
}

// Wrap turns decided events into envelopes of one aggregate (key), recorded
// at now and naming the actor.
func Wrap(key, actor string, now time.Time, evs []Decided) ([]Envelope, error) {
	out := make([]Envelope, 0, len(evs))
	for _, d := range evs {
		e, err := New(d.Type, key, actor, now, now, d.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}
