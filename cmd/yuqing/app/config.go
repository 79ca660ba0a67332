package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"yuqing/respond/handover"
	"yuqing/respond/llm"
	"yuqing/respond/report"
)

// Config is everything a yuqing process needs, in sections (config.go's
// section types, report.Schedule, llm.Config), each with its own flags and
// Validate. Values come, each overriding the one before: defaults, the
// YAML file (--config), YUQING_* environment variables (the flag name
// upper-cased, "-" as "_"), command-line flags. The sections are inlined
// in the YAML: a config file is one flat mapping, as it always was.
type Config struct {
	Data string `yaml:"data"` // directory for the embedded log, store and secrets

	LogConfig     `yaml:",inline"`
	StoreConfig   `yaml:",inline"`
	ServerConfig  `yaml:",inline"`
	AnalyzeConfig `yaml:",inline"`
	DeskConfig    `yaml:",inline"`
	SourcesConfig `yaml:",inline"`
	DrillConfig   `yaml:",inline"`

	// Reports made on schedule (日报, 周报, 月报) and sent to the leaders.
	Reports report.Schedule `yaml:"reports"`
	// LLM is the optional writing assistant (an OpenAI-compatible API);
	// its key comes from YUQING_LLM_KEY only.
	LLM llm.Config `yaml:"llm"`
}

// Sections says which sections of Config a subcommand reads: Load
// registers their flags (and always --config and --data) and validates
// them. A config file may hold keys of the other sections too.
type Sections struct {
	Log, Store, Server, Analyze, Desk, Sources, Drill, Reports, LLM bool
}

// AllSections is what the server roles read (and yuqing serve -h lists).
var AllSections = Sections{Log: true, Store: true, Server: true, Analyze: true, Desk: true, Sources: true, Drill: true, Reports: true, LLM: true}

// section is one part of Config.
type section interface {
	RegisterFlags(fs *flag.FlagSet)
	Validate() error
}

// sections returns the parts of c that s selects.
func (c *Config) sections(s Sections) []section {
	var out []section
	for _, p := range []struct {
		on bool
		s  section
	}{
		{s.Log, &c.LogConfig}, {s.Store, &c.StoreConfig}, {s.Server, &c.ServerConfig},
		{s.Analyze, &c.AnalyzeConfig}, {s.Desk, &c.DeskConfig}, {s.Sources, &c.SourcesConfig},
		{s.Drill, &c.DrillConfig}, {s.Reports, &c.Reports}, {s.LLM, &c.LLM},
	} {
		if p.on {
			out = append(out, p.s)
		}
	}
	return out
}

// Defaults is the embedded configuration: nothing to install.
func Defaults() Config {
	return Config{
		Data:         "./data",
		LogConfig:    LogConfig{Log: "sqlite", Partitions: 6, Replication: 1},
		StoreConfig:  StoreConfig{Store: "sqlite", CHDatabase: "yuqing", CHUser: "default"},
		ServerConfig: ServerConfig{Addr: "127.0.0.1:8080"},
		DeskConfig:   DeskConfig{Shifts: slices.Clone(handover.DefaultBoundaries)},
		DrillConfig:  DrillConfig{DrillScenario: "chemical-smell", DrillSpeed: 120},
		Reports:      report.DefaultSchedule(),
	}
}

// RegisterFlags binds --data and the flags of the sections in s to fs;
// the current values are the defaults.
func (c *Config) RegisterFlags(fs *flag.FlagSet, s Sections) {
	fs.StringVar(&c.Data, "data", c.Data, "data directory of the embedded log, store and secrets")
	for _, sec := range c.sections(s) {
		sec.RegisterFlags(fs)
	}
}

// Validate reports a config that cannot run, over every section.
func (c Config) Validate() error { return c.validate(AllSections) }

// validate checks the sections in s, and what they need of one another.
func (c Config) validate(s Sections) error {
	var errs []error
	for _, sec := range c.sections(s) {
		if err := sec.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Data == "" {
		if s.Log && c.Log == "sqlite" {
			errs = append(errs, errors.New("the embedded log needs a data directory (--data)"))
		}
		if s.Store && c.Store == "sqlite" {
			errs = append(errs, errors.New("the embedded store needs a data directory (--data)"))
		}
		if s.Server && c.IngestToken == "" {
			errs = append(errs, errors.New("without a data directory the ingest token must be given"))
		}
	}
	return errors.Join(errs...)
}

// Load builds the config for one subcommand from args and the environment:
// the YAML file is read whole, the flags of the sections in s are
// registered (with --config and --data), extra registers the subcommand's
// own flags on the same flag set, and the sections in s are validated.
func Load(name string, args []string, getenv func(string) string, s Sections, extra func(*flag.FlagSet)) (Config, *flag.FlagSet, error) {
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
	cfg.RegisterFlags(fs, s)
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
	if s.LLM {
		cfg.LLM.ReadEnv(getenv)
	}
	// No subcommand that loads its config here takes positional arguments.
	if err := ParseFlags(fs, args); err != nil {
		return cfg, fs, err
	}
	if err := cfg.validate(s); err != nil {
		return cfg, fs, fmt.Errorf("invalid configuration: %w", err)
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

// String prints the config for logs; secrets show as <secret>.
func (c Config) String() string {
	return fmt.Sprintf("data=%s addr=%s log=%s brokers=%v partitions=%d store=%s clickhouse=%s ch_database=%s ch_user=%s ch_password=%s ingest_token=%s metrics_token=%s metrics_addr=%s secure_cookie=%v allowed_origins=%v user_dicts=%v sentiment_model=%s",
		c.Data, c.Addr, c.Log, c.Brokers, c.Partitions, c.Store, c.ClickHouse, c.CHDatabase, c.CHUser, c.CHPassword, c.IngestToken, c.MetricsToken, c.MetricsAddr, c.SecureCookie, c.AllowedOrigins, c.UserDicts, c.SentimentModel) + " llm=" + c.LLM.String()
}

// GoString is String: %#v would print the pull sources' options and
// headers, which may hold credentials.
func (c Config) GoString() string { return "app.Config{" + c.String() + "}" }

// LogValue is String, for log/slog (its JSON handler would otherwise
// encode every field).
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

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
