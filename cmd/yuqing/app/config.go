package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"yuqing/respond/handover"
	"yuqing/respond/llm"
	"yuqing/respond/report"

	"gopkg.in/yaml.v3"

	"yuqing/ingest/source"
	"yuqing/ingest/webhook"
)

// Config is everything a yuqing process needs. Values come, each overriding
// the one before: defaults, the YAML file (--config), YUQING_* environment
// variables (the flag name upper-cased, "-" as "_"), command-line flags.
type Config struct {
	Data string `yaml:"data"` // directory for the embedded log, store and secrets
	Addr string `yaml:"addr"` // HTTP listen address

	Log        string   `yaml:"log"`        // "sqlite" (embedded) or "kafka"
	Brokers    []string `yaml:"brokers"`    // Kafka bootstrap brokers
	Partitions int      `yaml:"partitions"` // partitions of auto-created Kafka topics
	// Replication is the replication factor of the Kafka topics yuqing
	// creates (default 1; 3 on a three-broker cluster).
	Replication int `yaml:"replication"`

	Store      string `yaml:"store"`       // "sqlite" (embedded) or "clickhouse"
	ClickHouse string `yaml:"clickhouse"`  // ClickHouse native address host:port
	CHDatabase string `yaml:"ch_database"` // ClickHouse database
	CHUser     string `yaml:"ch_user"`
	CHPassword string `yaml:"ch_password"` // secret

	IngestToken    string   `yaml:"ingest_token"`  // secret: bearer token for POST /api/v1/mentions
	MetricsToken   string   `yaml:"metrics_token"` // secret: bearer token for GET /metrics on the main address
	MetricsAddr    string   `yaml:"metrics_addr"`  // a second listener serving only /metrics, without a token (keep it private)
	SecureCookie   bool     `yaml:"secure_cookie"` // mark the session cookie Secure behind a TLS-terminating proxy
	AllowedOrigins []string `yaml:"allowed_origins"`
	TrustedProxies []string `yaml:"trusted_proxies"` // CIDRs of the reverse proxies whose X-Forwarded-For names the client
	UserDicts      []string `yaml:"user_dicts"`      // segmentation user dictionaries
	SentimentModel string   `yaml:"sentiment_model"` // a model from yuqing train sentiment; empty: the built-in model
	RespondConfig  string   `yaml:"respond_config"`  // deadlines, work-order rules, calendar, notification receivers and routes
	ConsoleURL     string   `yaml:"console_url"`     // public URL of the console, for links in notifications
	// Shifts are the duty shift changes, "HH:MM" Beijing time, for the
	// handover note (交接班): by default 08:30 and 17:30, a day shift and a
	// night shift.
	Shifts []string `yaml:"shifts"`

	// Pull sources (connectors) the ingest role runs: inline here, and/or
	// in a sources file (--sources). A config file that is a bare YAML
	// list is read as the sources.
	Sources         []source.SourceConfig  `yaml:"sources"`
	HostRates       map[string]source.Rate `yaml:"host_rates"`
	DefaultHostRate source.Rate            `yaml:"default_host_rate"`
	SourcesFile     string                 `yaml:"sources_file"`
	// Push endpoints with per-endpoint tokens and optional HMAC signatures.
	Webhooks webhook.Config `yaml:"webhooks"`

	Drill         bool    `yaml:"drill"`          // play a drill scenario into this server (demo and training)
	DrillScenario string  `yaml:"drill_scenario"` // which one
	DrillSpeed    float64 `yaml:"drill_speed"`    // simulated minutes per real second × 60

	// Reports made on schedule (日报, 周报, 月报) and sent to the leaders.
	Reports report.Schedule `yaml:"reports"`
	// LLM is the optional writing assistant (an OpenAI-compatible API);
	// its key comes from YUQING_LLM_KEY only.
	LLM llm.Config `yaml:"llm"`
}

// Defaults is the embedded configuration: nothing to install.
func Defaults() Config {
	return Config{
		Data:        "./data",
		Addr:        "127.0.0.1:8080",
		Log:         "sqlite",
		Partitions:  6,
		Replication: 1,
		Store:       "sqlite",
		CHDatabase:  "yuqing",
		CHUser:      "default",

		DrillScenario: "chemical-smell",
		DrillSpeed:    120,
		Reports:       report.DefaultSchedule(),
		Shifts:        slices.Clone(handover.DefaultBoundaries),
	}
}

// listFlag is a comma-separated list flag.
type listFlag struct{ p *[]string }

func (l listFlag) String() string {
	if l.p == nil {
		return ""
	}
	return strings.Join(*l.p, ",")
}

func (l listFlag) Set(s string) error {
	*l.p = nil
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l.p = append(*l.p, v)
		}
	}
	return nil
}

// RegisterFlags binds the config to fs; current values are the defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Data, "data", c.Data, "data directory of the embedded log, store and secrets")
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address")
	fs.StringVar(&c.Log, "log", c.Log, `event log: "sqlite" (embedded) or "kafka"`)
	fs.Var(listFlag{&c.Brokers}, "brokers", "Kafka brokers, comma-separated (with --log kafka)")
	fs.IntVar(&c.Partitions, "partitions", c.Partitions, "partitions of Kafka topics yuqing creates")
	fs.IntVar(&c.Replication, "replication", c.Replication, "replication factor of Kafka topics yuqing creates (3 on a three-broker cluster)")
	fs.StringVar(&c.Store, "store", c.Store, `analytics store: "sqlite" (embedded) or "clickhouse"`)
	fs.StringVar(&c.ClickHouse, "clickhouse", c.ClickHouse, "ClickHouse native address host:port (with --store clickhouse)")
	fs.StringVar(&c.CHDatabase, "ch-database", c.CHDatabase, "ClickHouse database")
	fs.StringVar(&c.CHUser, "ch-user", c.CHUser, "ClickHouse user")
	fs.StringVar(&c.CHPassword, "ch-password", c.CHPassword, "ClickHouse password (prefer YUQING_CH_PASSWORD)")
	fs.StringVar(&c.IngestToken, "ingest-token", c.IngestToken, "bearer token for POST /api/v1/mentions (prefer YUQING_INGEST_TOKEN; generated into DATA/secrets when empty)")
	fs.StringVar(&c.MetricsToken, "metrics-token", c.MetricsToken, "bearer token for GET /metrics on --addr (prefer YUQING_METRICS_TOKEN; generated into DATA/secrets when empty)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "also serve /metrics, without a token, on this address (e.g. a private 10.0.0.5:9464 for Prometheus)")
	fs.BoolVar(&c.SecureCookie, "secure-cookie", c.SecureCookie, "mark the session cookie Secure (when TLS ends at a proxy in front of yuqing)")
	fs.Var(listFlag{&c.AllowedOrigins}, "allowed-origins", "extra browser origins allowed to open the console websocket, comma-separated")
	fs.Var(listFlag{&c.TrustedProxies}, "trusted-proxies", "addresses or CIDRs of the reverse proxies in front (e.g. 127.0.0.1/32): their X-Forwarded-For names the client for login limits and the audit trail")
	fs.Var(listFlag{&c.UserDicts}, "user-dicts", "segmentation user dictionaries, comma-separated files")
	fs.StringVar(&c.RespondConfig, "respond-config", c.RespondConfig, "YAML: deadline policy, work-order rules, holiday calendar, notification receivers and routes (see deploy/respond.example.yaml)")
	fs.StringVar(&c.ConsoleURL, "console-url", c.ConsoleURL, "public URL of the console, used in notification links")
	fs.Var(listFlag{&c.Shifts}, "shifts", "duty shift changes for the handover note (交接班), HH:MM Beijing time, comma-separated (default 08:30,17:30: a day and a night shift)")
	fs.StringVar(&c.SourcesFile, "sources", c.SourcesFile, "YAML file of pull sources (feeds, Weibo API, boards, files) the ingest role runs; they may also sit in --config")
	fs.BoolVar(&c.Drill, "drill", c.Drill, "play a drill (舆情演练) into this server: synthetic mentions marked as drill, alerts open graded incidents so clocks run")
	fs.StringVar(&c.DrillScenario, "drill-scenario", c.DrillScenario, "drill scenario (yuqing drill --list)")
	fs.Float64Var(&c.DrillSpeed, "drill-speed", c.DrillSpeed, "drill speed: 60 = one simulated minute each second")
	fs.StringVar(&c.SentimentModel, "sentiment-model", c.SentimentModel, "sentiment model from \"yuqing train sentiment\" (default: the built-in model)")
	c.Reports.RegisterFlags(fs)
	c.LLM.RegisterFlags(fs)
}

// Load builds the config for one subcommand from args and the environment.
// extra registers the subcommand's own flags on the same flag set.
func Load(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (Config, *flag.FlagSet, error) {
	cfg := Defaults()
	// First find --config without failing on the other flags.
	if path := configPath(args, getenv); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, nil, fmt.Errorf("reading config: %w", err)
		}
		var node yaml.Node
		if err := yaml.Unmarshal(b, &node); err != nil {
			return cfg, nil, fmt.Errorf("config %s: %w", path, err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		var target any = &cfg
		if len(node.Content) > 0 && node.Content[0].Kind == yaml.SequenceNode {
			target = &cfg.Sources // sources.yaml as a bare list
		}
		if err := dec.Decode(target); err != nil && !errors.Is(err, io.EOF) { // an empty file is fine
			return cfg, nil, fmt.Errorf("config %s: %w", path, err)
		}
	}
	fs := flag.NewFlagSet("yuqing "+name, flag.ContinueOnError)
	var cfgFile string
	fs.StringVar(&cfgFile, "config", "", "YAML config file (YUQING_CONFIG)")
	cfg.RegisterFlags(fs)
	if extra != nil {
		extra(fs)
	}
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		env := "YUQING_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" && f.Name != "config" {
			if err := fs.Set(f.Name, v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s=%q: %w", env, v, err)
			}
		}
	})
	if envErr != nil {
		return cfg, fs, envErr
	}
	cfg.LLM.ReadEnv(getenv)
	// No subcommand that loads its config here takes positional arguments.
	if err := ParseFlags(fs, args); err != nil {
		return cfg, fs, err
	}
	return cfg, fs, nil
}

func configPath(args []string, getenv func(string) string) string {
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, "config="); ok {
			return v
		}
		if a == "config" && i+1 < len(args) && strings.HasPrefix(args[i], "-") {
			return args[i+1]
		}
	}
	return getenv("YUQING_CONFIG")
}

// SourceConfig is every pull source: the inline ones, then the sources file's.
func (c Config) SourceConfig() (source.Config, error) {
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

// Validate reports a config that cannot run.
func (c Config) Validate() error {
	var errs []error
	if err := c.Reports.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.LLM.Validate(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.proxies(); err != nil {
		errs = append(errs, err)
	}
	if _, err := handover.ParseShifts(c.Shifts); err != nil {
		errs = append(errs, fmt.Errorf("shifts: %w", err))
	}
	if c.Addr == "" {
		errs = append(errs, errors.New("addr is empty"))
	}
	switch c.Log {
	case "sqlite":
		if c.Data == "" {
			errs = append(errs, errors.New("the embedded log needs a data directory (--data)"))
		}
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
	switch c.Store {
	case "sqlite":
		if c.Data == "" {
			errs = append(errs, errors.New("the embedded store needs a data directory (--data)"))
		}
	case "clickhouse":
		if c.ClickHouse == "" {
			errs = append(errs, errors.New("--store clickhouse needs --clickhouse host:port"))
		}
	default:
		errs = append(errs, fmt.Errorf(`store %q is not "sqlite" or "clickhouse"`, c.Store))
	}
	if c.Data == "" && c.IngestToken == "" {
		errs = append(errs, errors.New("without a data directory the ingest token must be given"))
	}
	return errors.Join(errs...)
}

func secret(s string) string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// String prints the config with secrets hidden, for logs.
func (c Config) String() string {
	return fmt.Sprintf("data=%s addr=%s log=%s brokers=%v partitions=%d store=%s clickhouse=%s ch_database=%s ch_user=%s ch_password=%s ingest_token=%s metrics_token=%s metrics_addr=%s secure_cookie=%v allowed_origins=%v user_dicts=%v sentiment_model=%s",
		c.Data, c.Addr, c.Log, c.Brokers, c.Partitions, c.Store, c.ClickHouse, c.CHDatabase, c.CHUser, secret(c.CHPassword), secret(c.IngestToken), secret(c.MetricsToken), c.MetricsAddr, c.SecureCookie, c.AllowedOrigins, c.UserDicts, c.SentimentModel) + " llm=" + c.LLM.String()
}

// ParseFlags parses a subcommand's flags and refuses a stray argument: the
// flag package stops at the first non-flag, so every flag after it would be
// silently ignored.
func ParseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: %s takes flags only (and would have ignored every flag after it); run %q for them", fs.Arg(0), fs.Name(), fs.Name()+" -h")
	}
	return nil
}

// proxies parses TrustedProxies: CIDRs, or single addresses.
func (c Config) proxies() ([]netip.Prefix, error) {
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
