package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"

	"yuqing/analyze/segment"
	"yuqing/internal/eventlog"
	"yuqing/respond/calendar"
	"yuqing/respond/desk"
	"yuqing/respond/incident"
	"yuqing/respond/notify"
	"yuqing/respond/notify/dingtalk"
	"yuqing/respond/notify/email"
	"yuqing/respond/notify/feishu"
	"yuqing/respond/notify/sms"
	"yuqing/respond/notify/webhook"
	"yuqing/respond/notify/wecom"
	"yuqing/respond/statement"
	"yuqing/respond/workorder"
)

// RespondFile is the YAML file (--respond-config) with the deadline
// policy, the work-order rules, the holiday calendar and who is told what.
// Every part is optional: without it the national defaults apply and
// messages are only recorded on the incident timeline.
type RespondFile struct {
	Incidents     *incident.Policy           `yaml:"incidents"`
	Jurisdictions map[string]incident.Policy `yaml:"jurisdictions"` // per-jurisdiction tables over the defaults
	WorkOrders    *workorder.Policy          `yaml:"work_orders"`
	Calendar      string                     `yaml:"calendar"` // a holiday file whose years replace the built-in ones
	Receivers     []ReceiverConfig           `yaml:"receivers"`
	Routes        []notify.Route             `yaml:"routes"`
}

// ReceiverConfig is one notification receiver: exactly one channel.
type ReceiverConfig struct {
	Name       string           `yaml:"name"`
	QuietHours string           `yaml:"quiet_hours"` // e.g. "22:00-07:00" (Beijing time); grade I/II never waits
	WeCom      *wecom.Config    `yaml:"wecom"`
	DingTalk   *dingtalk.Config `yaml:"dingtalk"`
	Feishu     *feishu.Config   `yaml:"feishu"`
	Email      *email.Config    `yaml:"email"`
	Webhook    *webhook.Config  `yaml:"webhook"`
	SMS        *sms.Config      `yaml:"sms"`
}

// LoadRespondFile reads and checks a respond file; path "" gives defaults.
func LoadRespondFile(path string) (RespondFile, error) {
	var f RespondFile
	if path == "" {
		return f, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("reading respond config: %w", err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("respond config %s: %w", path, err)
	}
	return f, nil
}

// newDesk builds the duty desk with its deadline tables, calendar,
// notifiers and routes, on the clock now.
func newDesk(f RespondFile, consoleURL string, log eventlog.Log, now func() time.Time, logger *slog.Logger, checker statement.Checker) (*desk.Desk, error) {
	pol := incident.Default()
	if f.Incidents != nil {
		pol = pol.Merge(*f.Incidents)
	}
	cfg := desk.Config{Policy: pol, ConsoleURL: consoleURL, Jurisdictions: map[string]incident.Policy{}, Checker: checker}
	for name, p := range f.Jurisdictions {
		jp := pol.Merge(p)
		jp.Jurisdiction = name
		cfg.Jurisdictions[name] = jp
	}
	if f.WorkOrders != nil {
		cfg.WorkOrders = *f.WorkOrders
	}
	cal := calendar.Default()
	if f.Calendar != "" {
		over, err := calendar.LoadFile(f.Calendar)
		if err != nil {
			return nil, err
		}
		if cal, err = cal.Merge(over); err != nil {
			return nil, err
		}
	}
	cfg.Calendar = cal
	for _, y := range []int{now().Year(), now().Year() + 1} {
		if !cal.Covered(y) {
			logger.Warn("the holiday calendar does not cover a year that deadlines may reach: its working days assume Monday to Friday; add that year's State Council notice to the calendar file", "year", y)
		}
	}
	disp, err := f.dispatcher(logger)
	if err != nil {
		return nil, err
	}
	return desk.New(cfg, log, disp, now, logger)
}

// dispatcher sends the desk's messages to the configured receivers along
// the routes; nil when no receiver is configured.
func (f RespondFile) dispatcher(logger *slog.Logger) (*notify.Dispatcher, error) {
	if len(f.Receivers) == 0 {
		if len(f.Routes) > 0 {
			return nil, errors.New("respond config: routes name receivers, but none is configured")
		}
		logger.Warn("no notification receivers configured: warnings and breaches are only recorded on the incident timeline")
		return nil, nil
	}
	client := &http.Client{Timeout: 30 * time.Second}
	var rcs []notify.Receiver
	for _, rc := range f.Receivers {
		n, err := rc.notifier(client)
		if err != nil {
			return nil, fmt.Errorf("receiver %q: %w", rc.Name, err)
		}
		r := notify.Receiver{Name: rc.Name, Notifier: n}
		if rc.QuietHours != "" {
			if r.Quiet, err = notify.ParseQuietHours(rc.QuietHours, nil); err != nil {
				return nil, fmt.Errorf("receiver %q: %w", rc.Name, err)
			}
		}
		rcs = append(rcs, r)
	}
	routes := f.Routes
	if len(routes) == 0 { // everyone hears everything
		var all []string
		for _, r := range rcs {
			all = append(all, r.Name)
		}
		routes = []notify.Route{{Receivers: all}}
	}
	router, err := notify.NewRouter(routes, rcs)
	if err != nil {
		return nil, err
	}
	return &notify.Dispatcher{Router: router, Logger: logger}, nil
}

func (rc ReceiverConfig) notifier(client *http.Client) (notify.Notifier, error) {
	var ns []notify.Notifier
	var errs []error
	add := func(n notify.Notifier, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		ns = append(ns, n)
	}
	if rc.WeCom != nil {
		add(wecom.New(*rc.WeCom, client))
	}
	if rc.DingTalk != nil {
		add(dingtalk.New(*rc.DingTalk, client))
	}
	if rc.Feishu != nil {
		add(feishu.New(*rc.Feishu, client))
	}
	if rc.Email != nil {
		add(email.New(*rc.Email))
	}
	if rc.Webhook != nil {
		add(webhook.New(*rc.Webhook, client))
	}
	if rc.SMS != nil {
		add(sms.New(*rc.SMS, client))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(ns) != 1 {
		return nil, fmt.Errorf("give exactly one channel (wecom, dingtalk, feishu, email, webhook or sms), not %d", len(ns))
	}
	return ns[0], nil
}

// entityNames names the places and organisations of a text for the
// citation check, once a segmenter is set; before that it names none.
type entityNames struct {
	seg atomic.Pointer[segment.Segmenter]
}

// Set makes seg the segmenter names come from.
func (e *entityNames) Set(seg *segment.Segmenter) { e.seg.Store(seg) }

// Segmenter is the segmenter set, nil before.
func (e *entityNames) Segmenter() *segment.Segmenter { return e.seg.Load() }

// Names lists the places and organisations text names.
func (e *entityNames) Names(text string) []string {
	seg := e.seg.Load()
	if seg == nil {
		return nil
	}
	_, ents := seg.TokensEntities(text)
	var out []string
	for _, en := range ents {
		if en.Kind == segment.KindPlace || en.Kind == segment.KindOrg {
			out = append(out, en.Text)
		}
	}
	return out
}
