package app

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strings"

	ingestdrill "yuqing/ingest/drill"
	"yuqing/ingest/source"
	"yuqing/ingest/webhook"
	"yuqing/internal/secret"
	"yuqing/respond/handover"
)

// The sections of Config that no one package owns: each chooses between
// packages (the log, the store) or feeds several roles. Each registers its
// own flags and validates its own values; what needs two sections (the
// embedded backends need --data) Config checks.

// LogConfig is the event log: embedded, or Kafka.
type LogConfig struct {
	Log        string   `yaml:"log"`        // "sqlite" (embedded) or "kafka"
	Brokers    []string `yaml:"brokers"`    // Kafka bootstrap brokers
	Partitions int      `yaml:"partitions"` // partitions of auto-created Kafka topics
	// Replication is the replication factor of the Kafka topics yuqing
	// creates (default 1; 3 on a three-broker cluster).
	Replication int `yaml:"replication"`
}

// RegisterFlags binds the section to fs; current values are the defaults.
func (c *LogConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Log, "log", c.Log, `event log: "sqlite" (embedded) or "kafka"`)
	fs.Var(listFlag{&c.Brokers}, "brokers", "Kafka brokers, comma-separated (with --log kafka)")
	fs.IntVar(&c.Partitions, "partitions", c.Partitions, "partitions of Kafka topics yuqing creates")
	fs.IntVar(&c.Replication, "replication", c.Replication, "replication factor of Kafka topics yuqing creates (3 on a three-broker cluster)")
}

// Validate reports a log that cannot be opened.
func (c LogConfig) Validate() error {
	var errs []error
	switch c.Log {
	case "sqlite":
	case "kafka":
		if len(c.Brokers) == 0 {
			errs = append(errs, errors.New("--log kafka needs --brokers host:port[,…]"))
		}
		if c.Replication < 1 {
			errs = append(errs, fmt.Errorf("replication %d must be at least 1", c.Replication))
		}
		if c.Partitions < 1 {
			errs = append(errs, fmt.Errorf("partitions %d must be at least 1", c.Partitions))
		}
	default:
		errs = append(errs, fmt.Errorf(`log %q is not "sqlite" or "kafka"`, c.Log))
	}
	return errors.Join(errs...)
}

// StoreConfig is the analytics store: embedded, or ClickHouse.
type StoreConfig struct {
	Store      string        `yaml:"store"`       // "sqlite" (embedded) or "clickhouse"
	ClickHouse string        `yaml:"clickhouse"`  // ClickHouse native address host:port
	CHDatabase string        `yaml:"ch_database"` // ClickHouse database
	CHUser     string        `yaml:"ch_user"`
	CHPassword secret.Secret `yaml:"ch_password"`
}

// RegisterFlags binds the section to fs; current values are the defaults
// (a secret's shows as <secret>).
func (c *StoreConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Store, "store", c.Store, `analytics store: "sqlite" (embedded) or "clickhouse"`)
	fs.StringVar(&c.ClickHouse, "clickhouse", c.ClickHouse, "ClickHouse native address host:port (with --store clickhouse)")
	fs.StringVar(&c.CHDatabase, "ch-database", c.CHDatabase, "ClickHouse database")
	fs.StringVar(&c.CHUser, "ch-user", c.CHUser, "ClickHouse user")
	fs.Var(&c.CHPassword, "ch-password", "ClickHouse `password` (prefer YUQING_CH_PASSWORD)")
}

// Validate reports a store that cannot be opened.
func (c StoreConfig) Validate() error {
	switch c.Store {
	case "sqlite":
	case "clickhouse":
		if c.ClickHouse == "" {
			return errors.New("--store clickhouse needs --clickhouse host:port")
		}
	default:
		return fmt.Errorf(`store %q is not "sqlite" or "clickhouse"`, c.Store)
	}
	return nil
}

// ServerConfig is the HTTP server every role runs: its address, the
// tokens of the intake and of /metrics, and what the console needs of it.
type ServerConfig struct {
	Addr           string        `yaml:"addr"`          // HTTP listen address
	IngestToken    secret.Secret `yaml:"ingest_token"`  // bearer token for POST /api/v1/mentions
	MetricsToken   secret.Secret `yaml:"metrics_token"` // bearer token for GET /metrics on the main address
	MetricsAddr    string        `yaml:"metrics_addr"`  // a second listener serving only /metrics, without a token (keep it private)
	SecureCookie   bool          `yaml:"secure_cookie"` // mark the session cookie Secure behind a TLS-terminating proxy
	AllowedOrigins []string      `yaml:"allowed_origins"`
	TrustedProxies []string      `yaml:"trusted_proxies"` // CIDRs of the reverse proxies whose X-Forwarded-For names the client
	ConsoleURL     string        `yaml:"console_url"`     // public URL of the console, for links in notifications
}

// RegisterFlags binds the section to fs; current values are the defaults.
func (c *ServerConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address")
	fs.Var(&c.IngestToken, "ingest-token", "bearer `token` for POST /api/v1/mentions (prefer YUQING_INGEST_TOKEN; generated into DATA/secrets when empty)")
	fs.Var(&c.MetricsToken, "metrics-token", "bearer `token` for GET /metrics on --addr (prefer YUQING_METRICS_TOKEN; generated into DATA/secrets when empty)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "also serve /metrics, without a token, on this address (e.g. a private 10.0.0.5:9464 for Prometheus)")
	fs.BoolVar(&c.SecureCookie, "secure-cookie", c.SecureCookie, "mark the session cookie Secure (when TLS ends at a proxy in front of yuqing)")
	fs.Var(listFlag{&c.AllowedOrigins}, "allowed-origins", "extra browser origins allowed to open the console websocket, comma-separated")
	fs.Var(listFlag{&c.TrustedProxies}, "trusted-proxies", "addresses or CIDRs of the reverse proxies in front (e.g. 127.0.0.1/32): their X-Forwarded-For names the client for login limits and the audit trail")
	fs.StringVar(&c.ConsoleURL, "console-url", c.ConsoleURL, "public URL of the console, used in notification links")
}

// Validate reports a server that cannot start.
func (c ServerConfig) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr is empty"))
	}
	if _, err := c.proxies(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// proxies parses TrustedProxies: CIDRs, or single addresses.
func (c ServerConfig) proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if pr, err := netip.ParsePrefix(p); err == nil {
			out = append(out, pr.Masked())
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies: %q is not an address or a CIDR", p)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// AnalyzeConfig is what the analyser (and the respond role's citation
// check) segments and scores text with.
type AnalyzeConfig struct {
	UserDicts      []string `yaml:"user_dicts"`      // segmentation user dictionaries
	SentimentModel string   `yaml:"sentiment_model"` // a model from yuqing train sentiment; empty: the built-in model
}

// RegisterFlags binds the section to fs; current values are the defaults.
func (c *AnalyzeConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.Var(listFlag{&c.UserDicts}, "user-dicts", "segmentation user dictionaries, comma-separated files")
	fs.StringVar(&c.SentimentModel, "sentiment-model", c.SentimentModel, "sentiment model from \"yuqing train sentiment\" (default: the built-in model)")
}

// Validate has nothing to check: the files are read, and reported, at
// start.
func (c AnalyzeConfig) Validate() error { return nil }

// DeskConfig is the duty desk's: its policy file and the shift changes of
// the handover note.
type DeskConfig struct {
	RespondConfig string `yaml:"respond_config"` // deadlines, work-order rules, calendar, notification receivers and routes
	// Shifts are the duty shift changes, "HH:MM" Beijing time, for the
	// handover note (交接班): by default 08:30 and 17:30, a day shift and a
	// night shift.
	Shifts []string `yaml:"shifts"`
}

// RegisterFlags binds the section to fs; current values are the defaults.
func (c *DeskConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.RespondConfig, "respond-config", c.RespondConfig, "YAML: deadline policy, work-order rules, holiday calendar, notification receivers and routes (see deploy/respond.example.yaml)")
	fs.Var(listFlag{&c.Shifts}, "shifts", "duty shift changes for the handover note (交接班), HH:MM Beijing time, comma-separated (default 08:30,17:30: a day and a night shift)")
}

// Validate checks the shifts; the respond config file is read, and
// checked, at start.
func (c DeskConfig) Validate() error {
	if _, err := handover.ParseShifts(c.Shifts); err != nil {
		return fmt.Errorf("shifts: %w", err)
	}
	return nil
}

// SourcesConfig is what the ingest role reads from: pull sources
// (connectors), inline here and/or in a sources file (--sources), and push
// endpoints with per-endpoint tokens and optional HMAC signatures. A
// config file that is a bare YAML list is read as the sources.
type SourcesConfig struct {
	Sources         []source.SourceConfig  `yaml:"sources"`
	HostRates       map[string]source.Rate `yaml:"host_rates"`
	DefaultHostRate source.Rate            `yaml:"default_host_rate"`
	SourcesFile     string                 `yaml:"sources_file"`
	Webhooks        webhook.Config         `yaml:"webhooks"`
}

// RegisterFlags binds the section to fs; current values are the defaults.
// Sources and webhooks are YAML only.
func (c *SourcesConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.SourcesFile, "sources", c.SourcesFile, "YAML file of pull sources (feeds, Weibo API, boards, files) the ingest role runs; they may also sit in --config")
}

// Validate checks the inline sources and the webhooks' limits; the sources
// file is read, and the webhook secrets looked up, at start.
func (c SourcesConfig) Validate() error {
	var errs []error
	if len(c.Sources) > 0 {
		if err := (source.Config{Sources: c.Sources, HostRates: c.HostRates, DefaultHostRate: c.DefaultHostRate}).Validate(); err != nil {
			errs = append(errs, fmt.Errorf("sources: %w", err))
		}
	}
	if c.Webhooks.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("webhooks: max_body_bytes must not be negative"))
	}
	return errors.Join(errs...)
}

// SourceConfig is every pull source: the inline ones, then the sources file's.
func (c SourcesConfig) SourceConfig() (source.Config, error) {
	sc := source.Config{Sources: c.Sources, HostRates: c.HostRates, DefaultHostRate: c.DefaultHostRate}
	if c.SourcesFile != "" {
		f, err := source.LoadConfig(c.SourcesFile, nil)
		if err != nil {
			return sc, err
		}
		sc.Sources = append(append([]source.SourceConfig(nil), sc.Sources...), f.Sources...)
		if len(f.HostRates) > 0 {
			hr := map[string]source.Rate{}
			for h, r := range sc.HostRates {
				hr[h] = r
			}
			for h, r := range f.HostRates {
				hr[h] = r
			}
			sc.HostRates = hr
		}
		if f.DefaultHostRate != 0 {
			sc.DefaultHostRate = f.DefaultHostRate
		}
	}
	if len(sc.Sources) == 0 {
		return sc, nil
	}
	return sc, sc.Validate()
}

// DrillConfig is a drill (舆情演练) played into the server itself.
type DrillConfig struct {
	Drill         bool    `yaml:"drill"`          // play a drill scenario into this server (demo and training)
	DrillScenario string  `yaml:"drill_scenario"` // which one
	DrillSpeed    float64 `yaml:"drill_speed"`    // simulated minutes per real second × 60
}

// RegisterFlags binds the section to fs; current values are the defaults.
func (c *DrillConfig) RegisterFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.Drill, "drill", c.Drill, "play a drill (舆情演练) into this server: synthetic mentions marked as drill, alerts open graded incidents so clocks run")
	fs.StringVar(&c.DrillScenario, "drill-scenario", c.DrillScenario, "drill scenario (yuqing drill --list)")
	fs.Float64Var(&c.DrillSpeed, "drill-speed", c.DrillSpeed, "drill speed: 60 = one simulated minute each second")
}

// Validate checks the scenario and the speed of a drill that is on.
func (c DrillConfig) Validate() error {
	if !c.Drill {
		return nil
	}
	var errs []error
	if _, ok := ingestdrill.Lookup(c.DrillScenario); !ok {
		errs = append(errs, fmt.Errorf("drill-scenario %q is not one of %s", c.DrillScenario, strings.Join(ingestdrill.Names(), ", ")))
	}
	if c.DrillSpeed < 0 {
		errs = append(errs, fmt.Errorf("drill-speed %g must not be negative", c.DrillSpeed))
	}
	return errors.Join(errs...)
}
