// Package report writes the reports leaders read: the daily report the duty
// officer hands over each morning (日报), the weekly and monthly trend
// reports (周报, 月报) and the report on one incident (专报).
//
// # Contents
//
// Build is a pure function of the event log, the analytics store and the
// Params: the Report it returns holds figures only (no rendering, no
// clock), so the same log and store give the same Report and the same
// Hash, the SHA-256 of its canonical JSON. Facts the log recorded after
// Params.AsOf are left out (Build's default is the period's end; the
// Service's is the moment it generates), so generating again with the
// recorded parameters gives the same figures even after the log grew.
// Each section is present only when it has data: headline figures
// (mentions, change against the previous period of equal length, negative
// share), volume by day and
// platform, sentiment over time, hot topics (readable headline, peak,
// platforms, representative posts, whether an incident was opened and a
// statement published), incidents by grade with their deadlines (5 h
// statement, 24 h press conference, 48 h response) met or missed and the
// on-time rates per responsible unit (incident.Board.OnTimeRates on the
// board rebuilt from the incidents topic: the figures GET
// /api/v1/reports/ontime gives for the same period at time AsOf), 12345 work
// orders (received, answered on time per unit in working days, overdue),
// a region breakdown when the store can count by region, and a watch list
// for the next period. A report of kind incident covers one incident:
// timeline, evidence, statements, clocks and the effect of the first
// publication on the volume.
//
// Drill data (演练) is left out unless Params.Drill; then drill topics and
// incidents are included and marked 【演练】 everywhere.
//
// The analytics store has no count by sentiment: sentiment figures count
// the mentions of the hot topics shown, read back from the store (a store
// that implements SentimentCounter gives them for every mention), and the
// report says which. The store keeps no region either: the region section
// appears only with a store that implements RegionCounter.
//
// # Formats
//
// HTML (self-contained, printable, charts drawn by Apache ECharts inlined
// from respond/chart), Word .docx (respond/report/docx: A4, GB/T 9704
// layout, tables, charts as PNG images) and PDF (the HTML printed on A4 by
// headless Chromium, respond/report/browser). Chart images for Word are
// screenshots of the page's charts in the same Chromium. Without Chromium
// the PDF fails with an error that says to install it, and the Word file
// is still made, with its tables and a visible note where the charts
// would be. Chromium draws Chinese with the fonts fontconfig has; without a
// CJK font (fc-list :lang=zh is empty) Chinese prints as boxes, and the
// Service warns.
//
// # Service, schedule, delivery
//
// Service generates a report, keeps its files under DATA/reports/ID/ (mode
// 0600) and records report.generated.v1 in the "reports" topic with its
// parameters and hash. Scheduler generates the daily, weekly and monthly
// reports at their times (08:00 Beijing time by default), catches up once
// on start after downtime, and hands a message with a link to the console
// to a Sender. Text from posts, work orders and releases goes through the
// privacy guard before it is rendered or sent.
package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai on hosts without zoneinfo
	"yuqing/internal/clock"
	"yuqing/respond/workorder"
)

// Kind is what a report covers.
type Kind string

// Kinds.
const (
	Daily    Kind = "daily"    // 日报
	Weekly   Kind = "weekly"   // 周报
	Monthly  Kind = "monthly"  // 月报
	Incident Kind = "incident" // 专报: one incident
)

// Kinds lists the kinds, in order.
var Kinds = []Kind{Daily, Weekly, Monthly, Incident}

// Name is the kind's Chinese name.
func (k Kind) Name() string {
	switch k {
	case Daily:
		return "舆情日报"
	case Weekly:
		return "舆情周报"
	case Monthly:
		return "舆情月报"
	case Incident:
		return "舆情专报"
	}
	return string(k)
}

// Formats a report can be rendered in.
const (
	HTML = "html"
	DOCX = "docx"
	PDF  = "pdf"
)

// AllFormats lists the formats.
var AllFormats = []string{HTML, DOCX, PDF}

// DefaultZone is the zone days and times are counted in.
const DefaultZone = "Asia/Shanghai"

// Params are what a report is of. With the log and the store they decide
// its figures; they are recorded with the report.
type Params struct {
	Kind     Kind      `json:"kind"`
	From     time.Time `json:"from"`  // inclusive
	To       time.Time `json:"to"`    // exclusive
	AsOf     time.Time `json:"as_of"` // facts recorded later are left out; zero: To
	Timezone string    `json:"timezone"`
	Incident string    `json:"incident,omitempty"` // kind incident: its ID
	Drill    bool      `json:"drill,omitempty"`    // include drill data, marked
	Formats  []string  `json:"formats"`
}

// Normalize fills the defaults (zone, AsOf, formats), puts times in UTC
// and sorts the formats.
func (p Params) Normalize() Params {
	if p.Timezone == "" {
		p.Timezone = DefaultZone
	}
	if p.AsOf.IsZero() {
		p.AsOf = p.To
	}
	p.From, p.To, p.AsOf = p.From.UTC(), p.To.UTC(), p.AsOf.UTC()
	if len(p.Formats) == 0 {
		p.Formats = []string{HTML, DOCX}
	}
	var fs []string
	for _, f := range p.Formats {
		f = strings.ToLower(strings.TrimSpace(f))
		if f != "" && !slices.Contains(fs, f) {
			fs = append(fs, f)
		}
	}
	slices.SortFunc(fs, func(a, b string) int { return slices.Index(AllFormats, a) - slices.Index(AllFormats, b) })
	p.Formats = fs
	return p
}

// Validate reports parameters no report can be made of.
func (p Params) Validate() error {
	var errs []error
	if !slices.Contains(Kinds, p.Kind) {
		errs = append(errs, fmt.Errorf("报表类型 %q 不是 daily、weekly、monthly 或 incident", p.Kind))
	}
	if p.From.IsZero() || p.To.IsZero() || !p.From.Before(p.To) {
		errs = append(errs, fmt.Errorf("统计时段 [%s, %s) 为空", p.From.Format(time.RFC3339), p.To.Format(time.RFC3339)))
	}
	if p.To.Sub(p.From) > 400*24*time.Hour {
		errs = append(errs, errors.New("统计时段不能超过 400 天"))
	}
	if !p.AsOf.IsZero() && p.AsOf.Before(p.From) {
		errs = append(errs, errors.New("截止时间（as_of）早于统计时段开始"))
	}
	if _, err := time.LoadLocation(p.Timezone); p.Timezone != "" && err != nil {
		errs = append(errs, fmt.Errorf("时区 %q 无效", p.Timezone))
	}
	if p.Kind == Incident && strings.TrimSpace(p.Incident) == "" {
		errs = append(errs, errors.New("专报需要事件编号（incident）"))
	}
	if p.Kind != Incident && p.Incident != "" {
		errs = append(errs, errors.New("只有专报（kind incident）针对单个事件"))
	}
	for _, f := range p.Formats {
		if !slices.Contains(AllFormats, strings.ToLower(f)) {
			errs = append(errs, fmt.Errorf("格式 %q 不是 html、docx 或 pdf", f))
		}
	}
	return errors.Join(errs...)
}

// Location is the zone of the report's days.
func (p Params) Location() *time.Location {
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil || p.Timezone == "" {
		loc = clock.Shanghai()
	}
	return loc
}

// ID is the report's deterministic ID: the kind, the period's first and
// last day in its zone, the incident and the drill flag. Generating the
// same report again gives the same ID (the schedule relies on it to make
// each report once).
func (p Params) ID() string {
	loc := p.Location()
	last := p.To.Add(-time.Nanosecond)
	id := fmt.Sprintf("%s-%s-%s", p.Kind, p.From.In(loc).Format("20060102"), last.In(loc).Format("20060102"))
	if p.Kind == Incident {
		id += "-" + sanitizeID(p.Incident)
	}
	if p.Drill {
		id += "-drill"
	}
	return id
}

// sanitizeID keeps what is safe in a file name and a URL path.
func sanitizeID(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return strings.Trim(b.String(), ".")
}

// ValidID reports an ID a report could have (it names a directory).
func ValidID(id string) bool {
	return id != "" && len(id) <= 200 && sanitizeID(id) == id
}

// Period is the natural period of a kind that ends at end's day start in
// loc: the day before (daily), the 7 days before a Monday (weekly: the
// last full week when end is a Monday), the month before (monthly: end
// should be a 1st). The times are midnights in loc.
func Period(kind Kind, end time.Time, loc *time.Location) (from, to time.Time) {
	e := end.In(loc)
	to = time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, loc)
	switch kind {
	case Weekly:
		from = to.AddDate(0, 0, -7)
	case Monthly:
		from = to.AddDate(0, -1, 0)
	default:
		from = to.AddDate(0, 0, -1)
	}
	return from, to
}

// LastPeriod is the last whole period of a kind before now in loc: the day
// before (daily), the Monday-to-Sunday week before the current one
// (weekly), the month before (monthly).
func LastPeriod(kind Kind, now time.Time, loc *time.Location) (from, to time.Time) {
	to = dayStart(now, loc)
	switch kind {
	case Weekly:
		for to.Weekday() != time.Monday {
			to = to.AddDate(0, 0, -1)
		}
	case Monthly:
		to = time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, loc)
	}
	return Period(kind, to, loc)
}

// ParseTime reads a period bound: a date "2006-01-02" in loc (its
// midnight; with end, the midnight after it, so --to names the last day
// included) or an RFC 3339 instant (exclusive when it ends a period).
func ParseTime(s string, loc *time.Location, end bool) (time.Time, error) {
	if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q 不是日期（2006-01-02）或 RFC 3339 时间", s)
	}
	return t, nil
}

// Report is a report's figures. Every time is UTC; days are dates in the
// report's zone ("2006-01-02"). Sections without data are nil.
type Report struct {
	ID       string    `json:"id"`
	Kind     Kind      `json:"kind"`
	Title    string    `json:"title"`
	Period   string    `json:"period"` // 统计时段, in words
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	AsOf     time.Time `json:"as_of"`
	Timezone string    `json:"timezone"`
	Drill    bool      `json:"drill,omitempty"`

	Headline   *Headline     `json:"headline,omitempty"`
	Volume     *Volume       `json:"volume,omitempty"`
	Sentiment  *Sentiment    `json:"sentiment,omitempty"`
	Keywords   []Count       `json:"keywords,omitempty"`
	Topics     []Topic       `json:"topics,omitempty"`
	Incidents  *Incidents    `json:"incidents,omitempty"`
	WorkOrders *WorkOrders   `json:"work_orders,omitempty"`
	Disclosure *Disclosure   `json:"disclosure,omitempty"`
	Regions    []Count       `json:"regions,omitempty"`
	Watch      *Watch        `json:"watch,omitempty"`
	Case       *IncidentCase `json:"case,omitempty"` // kind incident
	Notes      []string      `json:"notes,omitempty"`
}

// Count is a named count.
type Count struct {
	Name  string  `json:"name"`
	Count int64   `json:"count"`
	Share float64 `json:"share,omitempty"` // of the section's total, 0..1
}

// Headline is the figures a leader reads first.
type Headline struct {
	Mentions  int64    `json:"mentions"`
	Previous  int64    `json:"previous"`         // the previous period of equal length
	Change    *float64 `json:"change,omitempty"` // (Mentions-Previous)/Previous; nil when Previous is 0
	NegShare  *float64 `json:"neg_share,omitempty"`
	NegBase   int64    `json:"neg_base"` // mentions the share is of
	Topics    int      `json:"topics"`   // hot topics active in the period
	Incidents int      `json:"incidents"`
	Orders    int      `json:"orders"` // 12345 work orders received
}

// Volume is mentions per day and platform.
type Volume struct {
	Days      []string  `json:"days"`
	Platforms []string  `json:"platforms"` // Chinese names, most mentions first
	Counts    [][]int64 `json:"counts"`    // [platform][day]
	Totals    []int64   `json:"totals"`    // per day
	Total     int64     `json:"total"`
	Share     []Count   `json:"share"` // per platform
	// Step is "day", or "hour" when the period is two days or less (then
	// Days are hours, "01-02 15:00").
	Step string `json:"step"`
}

// Sentiment is mentions per day and label.
type Sentiment struct {
	Days  []string `json:"days"`
	Neg   []int64  `json:"neg"`
	Neu   []int64  `json:"neu"`
	Pos   []int64  `json:"pos"`
	Total Mix      `json:"total"`
	Scope string   `json:"scope"` // what was counted, in Chinese
}

// Mix is mentions by sentiment label.
type Mix struct {
	Neg int64 `json:"neg"`
	Neu int64 `json:"neu"`
	Pos int64 `json:"pos"`
}

// Sum is every labelled and unlabelled mention counted.
func (m Mix) Sum() int64 { return m.Neg + m.Neu + m.Pos }

// Topic is a hot topic in the period.
type Topic struct {
	ID        string    `json:"id"`
	Headline  string    `json:"headline"`
	Keywords  []string  `json:"keywords,omitempty"`
	Mentions  int64     `json:"mentions"` // in the period
	First     time.Time `json:"first"`    // first mention ever
	PeakAt    time.Time `json:"peak_at"`  // the busiest hour's start
	Peak      int64     `json:"peak"`     // mentions in that hour
	Platforms []Count   `json:"platforms"`
	Sentiment Mix       `json:"sentiment"`
	Grade     int       `json:"grade,omitempty"` // the analyser's suggestion 1..4
	Lifecycle string    `json:"lifecycle,omitempty"`
	Posts     []Post    `json:"posts,omitempty"`
	Response  Response  `json:"response"`
	Drill     bool      `json:"drill,omitempty"`
}

// Post is a representative mention, its text masked by the privacy guard.
type Post struct {
	ID        string    `json:"id"`
	Platform  string    `json:"platform"`
	Author    string    `json:"author,omitempty"`
	Time      time.Time `json:"time"`
	Text      string    `json:"text"`
	URL       string    `json:"url,omitempty"`
	Sentiment string    `json:"sentiment,omitempty"`
}

// Response is what was done about a topic by AsOf.
type Response struct {
	Incidents []string  `json:"incidents,omitempty"`
	Published time.Time `json:"published,omitzero"` // the first authoritative release or press conference
	Status    string    `json:"status"`             // 未建事件, 已建事件（未发布）, 已发布权威信息
}

// Incidents is the incidents opened in the period.
type Incidents struct {
	Opened    int            `json:"opened"`
	ByGrade   []Count        `json:"by_grade"`
	Deadlines []DeadlineRow  `json:"deadlines"`
	Items     []IncidentItem `json:"items"`
	OnTime    []UnitRate     `json:"on_time"` // = incident.Board.OnTimeRates(From, To, AsOf)
	Overdue   []ClockItem    `json:"overdue,omitempty"`
	// Secondary is the 次生舆情 raised after statements in the period.
	Secondary []SecondaryItem `json:"secondary,omitempty"`
}

// SecondaryItem is one sign of 次生舆情 an incident raised.
type SecondaryItem struct {
	Title  string    `json:"title"` // the incident's
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
	Drill  bool      `json:"drill,omitempty"`
}

// UnitRate is a unit's clocks met and missed (incident.UnitRate).
type UnitRate struct {
	Unit   string  `json:"unit"`
	Met    int     `json:"met"`
	Missed int     `json:"missed"`
	Rate   float64 `json:"rate"`
}

// DeadlineRow is how one kind of clock fared.
type DeadlineRow struct {
	Clock     string `json:"clock"` // 发布权威信息（5小时） …
	Met       int    `json:"met"`
	Missed    int    `json:"missed"`
	Running   int    `json:"running"`
	Cancelled int    `json:"cancelled"`
}

// IncidentItem is one incident in a list.
type IncidentItem struct {
	ID        string      `json:"id"`
	Title     string      `json:"title"`
	Grade     string      `json:"grade"`
	Status    string      `json:"status"` // 处置中, 已关闭
	OpenedAt  time.Time   `json:"opened_at"`
	Lead      string      `json:"lead,omitempty"`
	Clocks    []ClockItem `json:"clocks,omitempty"`
	Published time.Time   `json:"published,omitzero"`
	Drill     bool        `json:"drill,omitempty"`
}

// ClockItem is one deadline of an incident.
type ClockItem struct {
	Incident string    `json:"incident,omitempty"`
	Title    string    `json:"title,omitempty"`
	Clock    string    `json:"clock"` // Chinese name with its length: 发布权威信息（5小时）
	Due      time.Time `json:"due"`
	Done     time.Time `json:"done,omitzero"`
	State    string    `json:"state"` // 按时完成, 超时完成, 超时未完成, 计时中, 已取消
	Missed   bool      `json:"missed,omitempty"`
}

// WorkOrders is the 12345 work orders received in the period.
type WorkOrders struct {
	Received int         `json:"received"`
	Answered int         `json:"answered"`
	OnTime   int         `json:"on_time"`
	Late     int         `json:"late"`
	Open     int         `json:"open"`
	ByUnit   []UnitOrder `json:"by_unit"`
	Overdue  []OrderItem `json:"overdue,omitempty"` // open past a due time at AsOf, any receipt date
}

// Disclosure is the period's requests for government information
// (依申请公开): statutory answer clocks per unit and the results given.
type Disclosure struct {
	Received  int                  `json:"received"`
	Answered  int                  `json:"answered"`
	OnTime    int                  `json:"on_time"`
	Late      int                  `json:"late"`
	Open      int                  `json:"open"`
	Overdue   int                  `json:"overdue"`
	Withdrawn int                  `json:"withdrawn"`
	ByUnit    []workorder.UnitRate `json:"by_unit"`
	Results   []ResultCount        `json:"results,omitempty"` // in the order of workorder.Results
}

// ResultCount is how many requests got one result (予以公开 …).
type ResultCount struct {
	Result string `json:"result"`
	Label  string `json:"label"`
	Count  int    `json:"count"`
}

// UnitOrder is a unit's work orders.
type UnitOrder struct {
	Unit     string  `json:"unit"`
	Received int     `json:"received"`
	Answered int     `json:"answered"`
	OnTime   int     `json:"on_time"`
	Late     int     `json:"late"`
	Open     int     `json:"open"`
	Overdue  int     `json:"overdue"`
	Rate     float64 `json:"rate"` // on time / answered
}

// OrderItem is one overdue work order.
type OrderItem struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Unit     string    `json:"unit"`
	Category string    `json:"category"`
	Received time.Time `json:"received"`
	Clock    string    `json:"clock"` // 签收, 答复
	Due      time.Time `json:"due"`
	Workdays int       `json:"workdays"`
}

// Watch is what to watch in the next period.
type Watch struct {
	Incidents []WatchIncident `json:"incidents,omitempty"`
	Schemes   []SchemeTrend   `json:"schemes,omitempty"`
	Topics    []WatchTopic    `json:"topics,omitempty"`
}

// WatchIncident is an incident still open at AsOf.
type WatchIncident struct {
	ID      string    `json:"id"`
	Title   string    `json:"title"`
	Grade   string    `json:"grade"`
	Clock   string    `json:"clock,omitempty"` // its nearest running clock
	Due     time.Time `json:"due,omitzero"`
	Overdue bool      `json:"overdue,omitempty"`
	Drill   bool      `json:"drill,omitempty"`
}

// SchemeTrend is a monitoring scheme whose volume rose.
type SchemeTrend struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	Mentions int64   `json:"mentions"`
	Previous int64   `json:"previous"`
	Change   float64 `json:"change"` // (Mentions-Previous)/max(Previous,1)
}

// WatchTopic is a topic still growing at the end of the period.
type WatchTopic struct {
	ID        string `json:"id"`
	Headline  string `json:"headline"`
	Last24h   int64  `json:"last_24h"`
	Prior24h  int64  `json:"prior_24h"`
	Lifecycle string `json:"lifecycle,omitempty"`
	Drill     bool   `json:"drill,omitempty"`
}

// IncidentCase is the 专报 of one incident.
type IncidentCase struct {
	ID           string      `json:"id"`
	Title        string      `json:"title"`
	Grade        string      `json:"grade"`
	GradeReason  string      `json:"grade_reason,omitempty"`
	Status       string      `json:"status"`
	Jurisdiction string      `json:"jurisdiction,omitempty"`
	DetectedAt   time.Time   `json:"detected_at"`
	OpenedAt     time.Time   `json:"opened_at"`
	ClosedAt     time.Time   `json:"closed_at,omitzero"`
	Review       string      `json:"review,omitempty"`
	Units        []string    `json:"units,omitempty"` // 名称（属地/主管）
	Lead         string      `json:"lead,omitempty"`
	Drill        bool        `json:"drill,omitempty"`
	Timeline     []Entry     `json:"timeline"`
	Statements   []Statement `json:"statements,omitempty"`
	Clocks       []ClockItem `json:"clocks,omitempty"`
	Evidence     *Evidence   `json:"evidence,omitempty"`
	Effect       *Effect     `json:"effect,omitempty"`
}

// Entry is a line of the timeline.
type Entry struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Summary string    `json:"summary"`
}

// Statement is information published: an authoritative release, a
// follow-up or a press conference.
type Statement struct {
	Kind    string    `json:"kind"` // 权威发布, 持续发布, 新闻发布会
	At      time.Time `json:"at"`
	Channel string    `json:"channel"`
	URL     string    `json:"url,omitempty"`
	Text    string    `json:"text,omitempty"`
}

// Evidence is the volume and sentiment of the incident's topics.
type Evidence struct {
	Buckets   []string `json:"buckets"` // hours ("01-02 15:00") or days
	Counts    []int64  `json:"counts"`
	Total     int64    `json:"total"`
	Sentiment Mix      `json:"sentiment"`
	Platforms []Count  `json:"platforms"`
	Topics    []Topic  `json:"topics"`
}

// Effect is the volume around the first publication.
type Effect struct {
	Published time.Time `json:"published"`
	Window    string    `json:"window"` // e.g. 24小时
	Before    int64     `json:"before"`
	After     int64     `json:"after"`
	Change    *float64  `json:"change,omitempty"`
	NegBefore *float64  `json:"neg_before,omitempty"`
	NegAfter  *float64  `json:"neg_after,omitempty"`
}
