package notify

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Match selects messages. An empty list matches everything; MinGrade is the
// least severe grade that still matches (II means I and II; 0 matches any
// grade, including none). A message without a grade never matches a
// non-zero MinGrade.
type Match struct {
	Kinds    []string `yaml:"kinds" json:"kinds"`
	Roles    []string `yaml:"roles" json:"roles"`
	Units    []string `yaml:"units" json:"units"`
	MinGrade int      `yaml:"min_grade" json:"min_grade"`
}

// Matches reports whether m selects msg.
func (m Match) Matches(msg Message) bool {
	if len(m.Kinds) > 0 && !slices.Contains(m.Kinds, msg.Kind) {
		return false
	}
	if len(m.Roles) > 0 && !slices.Contains(m.Roles, msg.Role) {
		return false
	}
	if len(m.Units) > 0 && !slices.Contains(m.Units, msg.Unit) {
		return false
	}
	if m.MinGrade > 0 && (msg.Grade < 1 || msg.Grade > m.MinGrade) {
		return false
	}
	return true
}

// Route sends what Match selects to Receivers.
//
// Routes are evaluated in order and the FIRST matching route wins, as in
// alertmanager; a route with Continue set lets evaluation go on, so a
// message can also reach later matching routes (e.g. "grade I/II breaches
// also go to the leader's SMS, continue"). A receiver reached by several
// routes gets the message once.
type Route struct {
	Match     Match    `yaml:"match" json:"match"`
	Receivers []string `yaml:"receivers" json:"receivers"`
	Continue  bool     `yaml:"continue" json:"continue"`
}

// Receiver is a named Notifier with its quiet hours.
type Receiver struct {
	Name     string
	Notifier Notifier
	Quiet    *QuietHours // nil: never quiet
}

// TimeOfDay is minutes after midnight.
type TimeOfDay int

// ParseTimeOfDay reads "HH:MM" (00:00..24:00).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("time of day %q: want HH:MM", s)
	}
	return TimeOfDay(hh*60 + mm), nil
}

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// QuietHours is a daily window [From, To) in Loc during which non-urgent
// messages are held until the window ends. From > To wraps midnight
// (22:00–07:00). Urgent messages (Message.Urgent) are never held.
type QuietHours struct {
	From, To TimeOfDay
	Loc      *time.Location // nil: ChinaTime (Asia/Shanghai)
}

// ParseQuietHours reads "22:00-07:00" in loc (nil: Asia/Shanghai).
func ParseQuietHours(s string, loc *time.Location) (*QuietHours, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return nil, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM", s)
	}
	from, err := ParseTimeOfDay(a)
	if err != nil {
		return nil, err
	}
	to, err := ParseTimeOfDay(b)
	if err != nil {
		return nil, err
	}
	q := &QuietHours{From: from, To: to, Loc: loc}
	return q, q.Validate()
}

// Validate rejects an empty window.
func (q QuietHours) Validate() error {
	if q.From == q.To {
		return fmt.Errorf("quiet hours %s-%s: empty window", q.From, q.To)
	}
	if q.From < 0 || q.From > 24*60 || q.To < 0 || q.To > 24*60 {
		return errors.New("quiet hours: out of 00:00..24:00")
	}
	return nil
}

// Until reports whether t falls in the window and, if so, when the window
// ends.
func (q QuietHours) Until(t time.Time) (time.Time, bool) {
	loc := q.Loc
	if loc == nil {
		loc = ChinaTime
	}
	lt := t.In(loc)
	y, mo, d := lt.Date()
	m := TimeOfDay(lt.Hour()*60 + lt.Minute())
	at := func(dayOffset int, tod TimeOfDay) time.Time {
		return time.Date(y, mo, d+dayOffset, int(tod)/60, int(tod)%60, 0, 0, loc)
	}
	if q.From < q.To { // same-day window, e.g. 12:00-13:30
		if m >= q.From && m < q.To {
			return at(0, q.To), true
		}
		return time.Time{}, false
	}
	switch { // wraps midnight, e.g. 22:00-07:00
	case m >= q.From:
		return at(1, q.To), true
	case m < q.To:
		return at(0, q.To), true
	}
	return time.Time{}, false
}

// Router maps messages to receivers.
type Router struct {
	routes    []Route
	receivers map[string]Receiver
}

// NewRouter checks that every route names known receivers and every
// receiver has a notifier.
func NewRouter(routes []Route, receivers []Receiver) (*Router, error) {
	r := &Router{routes: slices.Clone(routes), receivers: make(map[string]Receiver, len(receivers))}
	var errs []error
	for _, rc := range receivers {
		switch {
		case rc.Name == "":
			errs = append(errs, errors.New("receiver without a name"))
		case rc.Notifier == nil:
			errs = append(errs, fmt.Errorf("receiver %q: no notifier", rc.Name))
		case r.receivers[rc.Name].Name != "":
			errs = append(errs, fmt.Errorf("receiver %q: defined twice", rc.Name))
		}
		if rc.Quiet != nil {
			if err := rc.Quiet.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("receiver %q: %w", rc.Name, err))
			}
		}
		r.receivers[rc.Name] = rc
	}
	for i, rt := range routes {
		if len(rt.Receivers) == 0 {
			errs = append(errs, fmt.Errorf("route %d: no receivers", i))
		}
		for _, name := range rt.Receivers {
			if _, ok := r.receivers[name]; !ok {
				errs = append(errs, fmt.Errorf("route %d: unknown receiver %q", i, name))
			}
		}
		if g := rt.Match.MinGrade; g < 0 || g > 4 {
			errs = append(errs, fmt.Errorf("route %d: min_grade %d out of 0..4", i, g))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// Receiver returns a receiver by name.
func (r *Router) Receiver(name string) (Receiver, bool) {
	rc, ok := r.receivers[name]
	return rc, ok
}

// Match returns the receivers for msg, in route order, each once.
func (r *Router) Match(msg Message) []string {
	var out []string
	for _, rt := range r.routes {
		if !rt.Match.Matches(msg) {
			continue
		}
		for _, name := range rt.Receivers {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
		if !rt.Continue {
			break
		}
	}
	return out
}

// Delivery is one planned send: msg to Receiver, not before NotBefore.
type Delivery struct {
	Receiver  string
	NotBefore time.Time
}

// Plan decides who gets msg and when. A receiver in its quiet hours gets a
// non-urgent message when the window ends; an urgent one (grade I/II
// warning, breach or escalation) goes now, whatever the hour.
func (r *Router) Plan(msg Message, now time.Time) []Delivery {
	names := r.Match(msg)
	out := make([]Delivery, 0, len(names))
	for _, name := range names {
		d := Delivery{Receiver: name, NotBefore: now}
		if q := r.receivers[name].Quiet; q != nil && !msg.Urgent() {
			if end, quiet := q.Until(now); quiet {
				d.NotBefore = end
			}
		}
		out = append(out, d)
	}
	return out
}
