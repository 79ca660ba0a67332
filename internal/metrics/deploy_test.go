package metrics

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"
)

// registered lists the metric names this process exports (histograms also
// as _bucket, _sum and _count), with the gauges the wiring adds.
func registered(t *testing.T) map[string]bool {
	m := New()
	for _, g := range []string{"ready", "console_clients", "clocks_running", "clocks_overdue"} {
		m.GaugeFunc(g, g, func() float64 { return 0 })
	}
	descs := make(chan *prometheus.Desc, 1000)
	m.reg.Describe(descs)
	close(descs)
	names := map[string]bool{}
	re := regexp.MustCompile(`fqName: "([a-z_:]+)"`)
	for d := range descs {
		if x := re.FindStringSubmatch(d.String()); x != nil {
			for _, suffix := range []string{"", "_bucket", "_sum", "_count"} {
				names[x[1]+suffix] = true
			}
		}
	}
	if len(names) < 40 {
		t.Fatalf("only %d metric names found", len(names))
	}
	return names
}

var metricName = regexp.MustCompile(`\byuqing_[a-z_]+`)

func checkExpr(t *testing.T, where, expr string, names map[string]bool) {
	found := metricName.FindAllString(expr, -1)
	if len(found) == 0 {
		t.Errorf("%s: %q names no yuqing metric", where, expr)
	}
	for _, n := range found {
		if !names[n] {
			t.Errorf("%s: %s is not exported (expr %q)", where, n, expr)
		}
	}
}

// The alert rules and the dashboard in deploy/monitoring use only metrics
// the binary exports.
func TestDeployMonitoringUsesExportedMetrics(t *testing.T) {
	names := registered(t)
	b, err := os.ReadFile("../../deploy/monitoring/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(b, &rules); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			n++
			if r.Alert == "" || strings.TrimSpace(r.Expr) == "" {
				t.Errorf("rule without a name or expression: %+v", r)
			}
			checkExpr(t, "alert "+r.Alert, r.Expr, names)
		}
	}
	if n < 5 {
		t.Fatalf("%d alert rules", n)
	}
	b, err = os.ReadFile("../../deploy/monitoring/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	if len(dash.Panels) < 10 {
		t.Fatalf("%d panels", len(dash.Panels))
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			checkExpr(t, "panel "+p.Title, tg.Expr, names)
		}
	}
}
