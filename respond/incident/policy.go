package incident

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Grade is I (特别重大) to IV (一般); 0 is not yet graded.
type Grade int

// Grades.
const (
	Ungraded Grade = iota
	GradeI
	GradeII
	GradeIII
	GradeIV
)

func (g Grade) String() string {
	return [...]string{"未定级", "I 特别重大", "II 重大", "III 较大", "IV 一般"}[g]
}

// Valid reports a grade I..IV.
func (g Grade) Valid() bool { return g >= GradeI && g <= GradeIV }

// Clock names.
const (
	ClockStatement  = "statement"        // 权威信息发布
	ClockConference = "press_conference" // 新闻发布会
	ClockResponse   = "response"         // 回应 (other opinion)
	ClockFollowUp   = "follow_up"        // 持续发布
)

// ClockName is the Chinese name of a clock, for the console.
func ClockName(c string) string {
	switch c {
	case ClockStatement:
		return "发布权威信息"
	case ClockConference:
		return "召开新闻发布会"
	case ClockResponse:
		return "回应"
	case ClockFollowUp:
		return "持续发布"
	}
	return c
}

// Start says when clocks start.
type Start string

// Starts.
const (
	FromDetection Start = "detection" // the first detection of the story (the alert, or the first mention)
	FromOpening   Start = "opening"   // the moment the incident was opened
)

// Rule is one clock of a grade: due Within after the start.
type Rule struct {
	Clock  string        `yaml:"clock" json:"clock"`
	Within time.Duration `yaml:"within" json:"within"`
}

// Policy is the deadline table of one jurisdiction. Every number is
// configuration; Default has the national rules as defaults.
type Policy struct {
	Jurisdiction string             `yaml:"jurisdiction" json:"jurisdiction"`
	StartAt      Start              `yaml:"start_at" json:"start_at"`
	Grades       map[Grade][]Rule   `yaml:"grades" json:"grades"`
	Ungraded     []Rule             `yaml:"ungraded" json:"ungraded"`       // clocks before anyone grades it
	FollowUp     time.Duration      `yaml:"follow_up" json:"follow_up"`     // grades I/II: after the statement, the next release is due within this
	Warnings     []time.Duration    `yaml:"warnings" json:"warnings"`       // before each due time, e.g. 60m, 30m, 10m
	AckTimeout   time.Duration      `yaml:"ack_timeout" json:"ack_timeout"` // an unacknowledged warning or breach escalates after this
	ReAlert      time.Duration      `yaml:"re_alert" json:"re_alert"`       // a breached clock alerts again this often until it stops
	Escalation   []string           `yaml:"escalation" json:"escalation"`   // roles, in order
	SnoozeMax    time.Duration      `yaml:"snooze_max" json:"snooze_max"`   // longest snooze
	Extra        map[string]float64 `yaml:"-" json:"-"`                     // reserved
}

// Default is the national rule (国办发〔2016〕61号, 〔2016〕80号): for especially
// major and major incidents authoritative information within 5 hours and a
// press conference within 24 hours, then continued releases; other
// government-related opinion answered within 48 hours.
func Default() Policy {
	return Policy{
		Jurisdiction: "default",
		StartAt:      FromDetection,
		Grades: map[Grade][]Rule{
			GradeI:   {{ClockStatement, 5 * time.Hour}, {ClockConference, 24 * time.Hour}},
			GradeII:  {{ClockStatement, 5 * time.Hour}, {ClockConference, 24 * time.Hour}},
			GradeIII: {{ClockResponse, 48 * time.Hour}},
			GradeIV:  {{ClockResponse, 48 * time.Hour}},
		},
		Ungraded:   []Rule{{ClockResponse, 48 * time.Hour}},
		FollowUp:   24 * time.Hour,
		Warnings:   []time.Duration{60 * time.Minute, 30 * time.Minute, 10 * time.Minute},
		AckTimeout: 15 * time.Minute,
		ReAlert:    30 * time.Minute,
		Escalation: []string{"duty_officer", "section_chief", "leader"},
		SnoozeMax:  2 * time.Hour,
	}
}

// Merge lays the fields over sets on p (a configured table over the
// defaults): a grade over names replaces that grade's rules, and every
// other field replaces p's when over sets it. p is not changed.
func (p Policy) Merge(over Policy) Policy {
	if over.Jurisdiction != "" {
		p.Jurisdiction = over.Jurisdiction
	}
	if over.StartAt != "" {
		p.StartAt = over.StartAt
	}
	grades := make(map[Grade][]Rule, len(p.Grades))
	for g, rules := range p.Grades {
		grades[g] = rules
	}
	for g, rules := range over.Grades {
		grades[g] = rules
	}
	p.Grades = grades
	if len(over.Ungraded) > 0 {
		p.Ungraded = over.Ungraded
	}
	if over.FollowUp > 0 {
		p.FollowUp = over.FollowUp
	}
	if len(over.Warnings) > 0 {
		p.Warnings = over.Warnings
	}
	if over.AckTimeout > 0 {
		p.AckTimeout = over.AckTimeout
	}
	if over.ReAlert > 0 {
		p.ReAlert = over.ReAlert
	}
	if len(over.Escalation) > 0 {
		p.Escalation = over.Escalation
	}
	if over.SnoozeMax > 0 {
		p.SnoozeMax = over.SnoozeMax
	}
	return p
}

// Validate reports a policy that cannot run.
func (p Policy) Validate() error {
	var errs []error
	if p.StartAt != FromDetection && p.StartAt != FromOpening {
		errs = append(errs, fmt.Errorf("start_at %q is not detection or opening", p.StartAt))
	}
	for g, rules := range p.Grades {
		if !g.Valid() {
			errs = append(errs, fmt.Errorf("grade %d is not I..IV", g))
		}
		for _, r := range rules {
			if r.Within <= 0 {
				errs = append(errs, fmt.Errorf("grade %s clock %s: within must be positive", g, r.Clock))
			}
		}
	}
	for _, w := range p.Warnings {
		if w <= 0 {
			errs = append(errs, errors.New("warnings must be positive durations before the due time"))
		}
	}
	if p.AckTimeout <= 0 || p.ReAlert <= 0 {
		errs = append(errs, errors.New("ack_timeout and re_alert must be positive"))
	}
	if len(p.Escalation) == 0 {
		errs = append(errs, errors.New("escalation needs at least one role"))
	}
	return errors.Join(errs...)
}

func (p Policy) rules(g Grade) []Rule {
	if g == Ungraded {
		return p.Ungraded
	}
	return p.Grades[g]
}

// warnings returns the warning offsets, largest first.
func (p Policy) warnings() []time.Duration {
	w := append([]time.Duration(nil), p.Warnings...)
	sort.Slice(w, func(i, j int) bool { return w[i] > w[j] })
	return w
}
