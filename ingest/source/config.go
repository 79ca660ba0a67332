package source

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"yuqing/internal/secret"

	"gopkg.in/yaml.v3"

	"yuqing/internal/clock"
)

// SourceConfig is one entry of sources.yaml.
type SourceConfig struct {
	Name     string   `yaml:"name"`     // unique; the key of its cursor and health events
	Type     string   `yaml:"type"`     // a key of the Registry: rss, atom, jsonfeed, feed, …
	URL      string   `yaml:"url"`      // absolute http(s) URL, when the type has one
	Interval Duration `yaml:"interval"` // poll interval; 0: the Runner's default (5m)
	Rate     Rate     `yaml:"rate"`     // most reads per time, e.g. "10/m"; empty: unlimited
	Burst    int      `yaml:"burst"`    // reads allowed at once under Rate (default 1)
	Timeout  Duration `yaml:"timeout"`  // one Read's limit; 0: the Runner's default (60s)
	Disabled bool     `yaml:"disabled"`

	// Mapping to mentions, used by feed-like types.
	Platform string                   `yaml:"platform"` // weibo, wechat, forum, news, … (mention.Platforms)
	Source   string                   `yaml:"source"`   // Mention.Source; default: Name
	TimeZone string                   `yaml:"timezone"` // for times without a zone; default Asia/Shanghai
	Headers  map[string]secret.Secret `yaml:"headers"`  // extra request headers (User-Agent, Cookie); never printed or logged
	Options  map[string]string        `yaml:"options"`  // anything else a type needs
}

// Config is a whole sources.yaml: either a bare list of sources, or a
// mapping with sources and per-host rate limits:
//
//	host_rates: {rsshub.example.gov.cn: 2/s}
//	sources:
//	  - {name: weibo-pingan, type: rss, url: "https://rsshub.example.gov.cn/weibo/user/1234", platform: weibo, interval: 5m}
type Config struct {
	Sources         []SourceConfig  `yaml:"sources"`
	HostRates       map[string]Rate `yaml:"host_rates"`        // host (as in the URL) → most requests per time, over all its sources
	DefaultHostRate Rate            `yaml:"default_host_rate"` // for hosts not in HostRates; empty: unlimited
}

// ParseConfig decodes sources.yaml and validates it. Unknown fields are
// errors, so a typo never silently disables a limit.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return c, errors.New("sources config is empty")
	}
	var node yaml.Node
	if err := yaml.Unmarshal(b, &node); err != nil {
		return c, fmt.Errorf("sources config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var err error
	if len(node.Content) > 0 && node.Content[0].Kind == yaml.SequenceNode {
		err = dec.Decode(&c.Sources)
	} else {
		err = dec.Decode(&c)
	}
	if err != nil {
		return Config{}, fmt.Errorf("sources config: %w", err)
	}
	return c, c.Validate()
}

// LoadConfig reads and validates a sources.yaml file, and checks that every
// type is in reg (when reg is not nil).
func LoadConfig(path string, reg Registry) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	c, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	if reg != nil {
		if err := reg.Check(c); err != nil {
			return Config{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	return c, nil
}

// Validate reports everything wrong with the config, naming each source.
// Types are checked against a registry by Registry.Check.
func (c Config) Validate() error {
	var errs []error
	if len(c.Sources) == 0 {
		errs = append(errs, errors.New("no sources configured"))
	}
	seen := map[string]int{}
	for i, s := range c.Sources {
		what := fmt.Sprintf("source %d", i+1)
		if s.Name != "" {
			what = fmt.Sprintf("source %d (%q)", i+1, s.Name)
		}
		if j, dup := seen[s.Name]; dup && s.Name != "" {
			errs = append(errs, fmt.Errorf("%s: duplicate name, also source %d", what, j+1))
		} else {
			seen[s.Name] = i
		}
		if err := s.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}
	for h := range c.HostRates {
		if h == "" || strings.ContainsAny(h, "/ ") {
			errs = append(errs, fmt.Errorf("host_rates: %q is not a host name (write it as in the URL, e.g. rsshub.example.gov.cn)", h))
		}
	}
	return errors.Join(errs...)
}

// Validate reports what is wrong with one source's settings.
func (s SourceConfig) Validate() error {
	var errs []error
	switch {
	case s.Name == "":
		errs = append(errs, errors.New("name is missing"))
	case len(s.Name) > 128 || strings.ContainsAny(s.Name, " \t\r\n"):
		errs = append(errs, fmt.Errorf("name %q must be at most 128 bytes without spaces", s.Name))
	}
	if s.Type == "" {
		errs = append(errs, errors.New("type is missing"))
	}
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("url: %w", err))
		case u.Scheme != "http" && u.Scheme != "https":
			errs = append(errs, fmt.Errorf("url %q: scheme must be http or https", Redact(s.URL)))
		case u.Host == "":
			errs = append(errs, fmt.Errorf("url %q has no host", Redact(s.URL)))
		}
	}
	if s.Interval < 0 || s.Timeout < 0 {
		errs = append(errs, errors.New("interval and timeout must not be negative"))
	}
	if s.Burst < 0 {
		errs = append(errs, errors.New("burst must not be negative"))
	}
	if s.TimeZone != "" {
		if _, err := LoadLocation(s.TimeZone); err != nil {
			errs = append(errs, fmt.Errorf("timezone: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Host is the host of the source's URL, "" if it has none.
func (s SourceConfig) Host() string {
	u, err := url.Parse(s.URL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// Location is the source's time zone (default Asia/Shanghai).
func (s SourceConfig) Location() (*time.Location, error) {
	if s.TimeZone == "" {
		return clock.Shanghai(), nil
	}
	return LoadLocation(s.TimeZone)
}

// LoadLocation is time.LoadLocation, with China Standard Time built in for
// hosts without a zoneinfo database (China has had no DST since 1991).
func LoadLocation(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err == nil {
		return loc, nil
	}
	switch name {
	case "Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC", "CST", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei":
		return clock.Beijing, nil
	}
	return nil, err
}

// Factory builds a source from its settings.
type Factory func(SourceConfig) (Source, error)

// Registry maps a type name to its factory. The caller builds it (e.g.
// feed.Register(reg, client, now)); nothing registers itself at init.
type Registry map[string]Factory

// Check reports sources whose type is not registered.
func (r Registry) Check(c Config) error {
	var errs []error
	for i, s := range c.Sources {
		if s.Type == "" {
			continue
		}
		if _, ok := r[s.Type]; !ok {
			errs = append(errs, fmt.Errorf("source %d (%q): unknown type %q, want one of %s", i+1, s.Name, s.Type, strings.Join(r.Types(), ", ")))
		}
	}
	return errors.Join(errs...)
}

// Types lists the registered type names, sorted.
func (r Registry) Types() []string {
	out := make([]string, 0, len(r))
	for k := range r {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Duration is a time.Duration written as in Go ("90s", "5m", "1h30m").
type Duration time.Duration

// UnmarshalYAML accepts a Go duration string, or 0.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 90s, 5m or 1h", n.Line, s)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D is the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Rate is events per second; 0 means unlimited. Written "10/m", "2/s",
// "1/10s", "100/h", or a plain number per second.
type Rate float64

// ParseRate parses the written form of a Rate.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, per, found := strings.Cut(s, "/")
	v, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("rate %q: want N/s, N/m, N/h or N/<duration>", s)
	}
	if !found {
		return Rate(v), nil
	}
	per = strings.TrimSpace(per)
	var d time.Duration
	switch per {
	case "s":
		d = time.Second
	case "m", "min":
		d = time.Minute
	case "h":
		d = time.Hour
	case "d":
		d = 24 * time.Hour
	default:
		d, err = time.ParseDuration(per)
		if err != nil || d <= 0 {
			return 0, fmt.Errorf("rate %q: want N/s, N/m, N/h or N/<duration>", s)
		}
	}
	return Rate(v / d.Seconds()), nil
}

// UnmarshalYAML parses the written form.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := ParseRate(s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*r = v
	return nil
}

// Redact hides the values of query parameters and any user info in a URL:
// feed bridges put access keys there, and URLs end up in errors and health.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"xxxxx"}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
