package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"yuqing/ingest/source"
	"yuqing/ingest/webhook"
	"yuqing/respond/llm"
	"yuqing/respond/report"
)

// flatConfig is Config as it was before it had sections, frozen here: the
// YAML keys (and the Go names) every config file and caller relies on.
type flatConfig struct {
	Data            string                 `yaml:"data"`
	Addr            string                 `yaml:"addr"`
	Log             string                 `yaml:"log"`
	Brokers         []string               `yaml:"brokers"`
	Partitions      int                    `yaml:"partitions"`
	Replication     int                    `yaml:"replication"`
	Store           string                 `yaml:"store"`
	ClickHouse      string                 `yaml:"clickhouse"`
	CHDatabase      string                 `yaml:"ch_database"`
	CHUser          string                 `yaml:"ch_user"`
	CHPassword      string                 `yaml:"ch_password"`
	IngestToken     string                 `yaml:"ingest_token"`
	MetricsToken    string                 `yaml:"metrics_token"`
	MetricsAddr     string                 `yaml:"metrics_addr"`
	SecureCookie    bool                   `yaml:"secure_cookie"`
	AllowedOrigins  []string               `yaml:"allowed_origins"`
	TrustedProxies  []string               `yaml:"trusted_proxies"`
	UserDicts       []string               `yaml:"user_dicts"`
	SentimentModel  string                 `yaml:"sentiment_model"`
	RespondConfig   string                 `yaml:"respond_config"`
	ConsoleURL      string                 `yaml:"console_url"`
	Shifts          []string               `yaml:"shifts"`
	Sources         []source.SourceConfig  `yaml:"sources"`
	HostRates       map[string]source.Rate `yaml:"host_rates"`
	DefaultHostRate source.Rate            `yaml:"default_host_rate"`
	SourcesFile     string                 `yaml:"sources_file"`
	Webhooks        webhook.Config         `yaml:"webhooks"`
	Drill           bool                   `yaml:"drill"`
	DrillScenario   string                 `yaml:"drill_scenario"`
	DrillSpeed      float64                `yaml:"drill_speed"`
	Reports         report.Schedule        `yaml:"reports"`
	LLM             llm.Config             `yaml:"llm"`
}

// Config's YAML keys are exactly the flat config's, each on a field of the
// same name (promoted from its section).
func TestConfigKeysAreTheFlatConfigs(t *testing.T) {
	keys := func(t reflect.Type) []string {
		var out []string
		var walk func(reflect.Type)
		walk = func(t reflect.Type) {
			for f := range t.Fields() {
				name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				switch {
				case opts == "inline":
					walk(f.Type)
				case name != "" && name != "-":
					out = append(out, name+" "+f.Name)
				}
			}
		}
		walk(t)
		slices.Sort(out)
		return out
	}
	if got, want := keys(reflect.TypeFor[Config]()), keys(reflect.TypeFor[flatConfig]()); !slices.Equal(got, want) {
		t.Errorf("Config's YAML keys and fields:\n%v\nwant\n%v", got, want)
	}
}

// The deploy/ config files load into the sections as they loaded into the
// flat config: every field has the value it had there.
func TestDeployConfigsLoadIntoSections(t *testing.T) {
	deploy := filepath.Join("..", "..", "..", "deploy")
	for _, name := range []string{"yuqing.kafka-clickhouse.yaml", "compose/yuqing.yaml", "sources.example.yaml"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(deploy, name)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := Load("serve", []string{"--config", path}, func(string) string { return "" }, AllSections, nil)
			if err != nil {
				t.Fatal(err)
			}
			d := Defaults()
			flat := flatConfig{Data: d.Data, Addr: d.Addr, Log: d.Log, Partitions: d.Partitions, Replication: d.Replication, Store: d.Store,
				CHDatabase: d.CHDatabase, CHUser: d.CHUser, Shifts: d.Shifts, DrillScenario: d.DrillScenario, DrillSpeed: d.DrillSpeed, Reports: d.Reports}
			dec := yaml.NewDecoder(bytes.NewReader(b))
			dec.KnownFields(true)
			if err := dec.Decode(&flat); err != nil {
				t.Fatal(err)
			}
			fv, cv := reflect.ValueOf(flat), reflect.ValueOf(cfg)
			for f := range reflect.TypeFor[flatConfig]().Fields() {
				want, got := fv.FieldByName(f.Name), cv.FieldByName(f.Name)
				if want.Kind() == reflect.String && got.Kind() == reflect.String { // a secret is a string type now
					if want.String() != got.String() {
						t.Errorf("%s: %s = %q, want %q", name, f.Name, got.String(), want.String())
					}
				} else if !reflect.DeepEqual(got.Interface(), want.Interface()) {
					t.Errorf("%s: %s = %v, want %v", name, f.Name, got.Interface(), want.Interface())
				}
			}
		})
	}
	cfg, _, err := Load("serve", []string{"--config", filepath.Join(deploy, "yuqing.kafka-clickhouse.yaml")}, func(string) string { return "" }, AllSections, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LogConfig.Log != "kafka" || len(cfg.LogConfig.Brokers) != 3 || cfg.LogConfig.Partitions != 12 || cfg.LogConfig.Replication != 3 ||
		cfg.StoreConfig.Store != "clickhouse" || cfg.StoreConfig.ClickHouse != "clickhouse-1:9000" || cfg.StoreConfig.CHUser != "yuqing" ||
		cfg.ServerConfig.Addr != "0.0.0.0:8080" || len(cfg.ServerConfig.AllowedOrigins) != 1 ||
		len(cfg.AnalyzeConfig.UserDicts) != 2 || cfg.Data != "/var/lib/yuqing" {
		t.Errorf("sections: %+v %+v %+v %+v", cfg.LogConfig, cfg.StoreConfig, cfg.ServerConfig, cfg.AnalyzeConfig)
	}
}

// A config file shared by every command may hold any section's keys: a
// command that reads only the log takes it, and checks only the log.
func TestSharedConfigFileForOneSection(t *testing.T) {
	file := filepath.Join(t.TempDir(), "yuqing.yaml")
	os.WriteFile(file, []byte("log: kafka\nbrokers: [k1:9092]\naddr: ''\nshifts: ['25:00']\ndrill: true\nllm: {url: 'ftp://x'}\nreports: {kinds: [hourly]}\n"), 0o644)
	none := func(string) string { return "" }
	cfg, fs, err := Load("user add", []string{"--config", file}, none, Sections{Log: true}, nil)
	if err != nil {
		t.Fatalf("a shared file refused for sections the command does not read: %v", err)
	}
	if cfg.Log != "kafka" || cfg.Brokers[0] != "k1:9092" || !cfg.Drill {
		t.Fatalf("loaded %s", cfg)
	}
	if fs.Lookup("addr") != nil || fs.Lookup("llm-url") != nil || fs.Lookup("brokers") == nil || fs.Lookup("data") == nil || fs.Lookup("config") == nil {
		t.Error("user add registered flags of sections it does not read, or lacks its own")
	}
	_, _, err = Load("serve", []string{"--config", file}, none, AllSections, nil)
	for _, want := range []string{"addr is empty", "shifts", "llm-url", "hourly"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("serve with the same file: %v, want %q", err, want)
		}
	}
	// The log section itself is checked.
	os.WriteFile(file, []byte("log: kafka\naddr: 0.0.0.0:80\n"), 0o644)
	if _, _, err := Load("user add", []string{"--config", file}, none, Sections{Log: true}, nil); err == nil || !strings.Contains(err.Error(), "--brokers") {
		t.Errorf("kafka without brokers: %v", err)
	}
	// A key that is no section's is still refused.
	os.WriteFile(file, []byte("log: sqlite\nadr: 0.0.0.0:80\n"), 0o644)
	if _, _, err := Load("user add", []string{"--config", file}, none, Sections{Log: true}, nil); err == nil || !strings.Contains(err.Error(), "adr") {
		t.Errorf("unknown key: %v", err)
	}
}

// Secrets are set from the file, the environment and flags, and neither
// the config's String nor fmt nor log/slog shows them.
func TestConfigNeverPrintsSecrets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "yuqing.yaml")
	os.WriteFile(file, []byte(`ch_password: ch-pw-SECRET1
webhooks:
  endpoints:
    - {name: vendor, token: hook-token-SECRET2-0123456789, secret: hook-hmac-SECRET3-0123456789}
sources:
  - {name: weibo-home, type: weibo, options: {access_token: weibo-SECRET4}}
`), 0o600)
	env := map[string]string{"YUQING_INGEST_TOKEN": "ingest-SECRET5", "YUQING_LLM_KEY": "llm-SECRET6"}
	cfg, _, err := Load("serve", []string{"--config", file, "--metrics-token", "metrics-SECRET7"}, func(k string) string { return env[k] }, AllSections, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CHPassword.Reveal() != "ch-pw-SECRET1" || cfg.IngestToken.Reveal() != "ingest-SECRET5" || cfg.MetricsToken.Reveal() != "metrics-SECRET7" ||
		cfg.Webhooks.Endpoints[0].Token.Reveal() != "hook-token-SECRET2-0123456789" || cfg.LLM.Key.Reveal() != "llm-SECRET6" {
		t.Fatalf("secrets not set: %q %q %q %q", cfg.CHPassword.Reveal(), cfg.IngestToken.Reveal(), cfg.MetricsToken.Reveal(), cfg.Webhooks.Endpoints[0].Token.Reveal())
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "config", cfg, "store", cfg.StoreConfig, "server", cfg.ServerConfig)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg, "store", cfg.StoreConfig, "server", cfg.ServerConfig, "webhooks", cfg.Webhooks)
	js, err := json.Marshal(struct {
		S StoreConfig
		V ServerConfig
		W webhook.Config
	}{cfg.StoreConfig, cfg.ServerConfig, cfg.Webhooks})
	if err != nil {
		t.Fatal(err)
	}
	ym, err := yaml.Marshal(cfg.ServerConfig)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := cfg.Webhooks.Resolve(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{
		"String":       cfg.String(),
		"fmt":          fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg),
		"fmt sections": fmt.Sprintf("%v %+v %#v %v %+v", cfg.StoreConfig, cfg.ServerConfig, cfg.ServerConfig, cfg.Webhooks, eps),
		"slog":         buf.String(),
		"json":         string(js),
		"yaml":         string(ym),
	} {
		if strings.Contains(s, "SECRET") {
			t.Errorf("%s shows a secret: %s", name, s)
		}
	}
	if !strings.Contains(cfg.String(), "ch_password=<secret> ingest_token=<secret> metrics_token=<secret>") || !strings.Contains(cfg.String(), "key=<secret>") {
		t.Errorf("String: %s", cfg)
	}
}
