package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/twmb/franz-go/pkg/kfake"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/scheme"
	"yuqing/ingest/hotline"
	"yuqing/ingest/source"
	"yuqing/ingest/webhook"
	"yuqing/internal/analytics"
	"yuqing/internal/event"
	"yuqing/internal/eventlog"
	"yuqing/respond/auth"
	"yuqing/respond/console"
	"yuqing/respond/incident"
	"yuqing/respond/statement"
)

// startApp runs every role in-process on the embedded default.
func startApp(t testing.TB, cfg Config) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, cfg, Options{Logger: slog.New(slog.DiscardHandler), Ready: func(a string) { ready <- a }})
	}()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("app stopped before it was ready: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("app not ready after 60 s")
	}
	var once sync.Once
	var err error
	return addr, func() error { once.Do(func() { cancel(); err = <-done }); return err }
}

func TestPostedMentionReachesFeedAndStore(t *testing.T) {
	cfg := Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	postAndWatch(t, cfg)
}

// The same flow with the log on Kafka (kfake in-process on loopback).
func TestPostedMentionOnKafka(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.Log = "kafka"
	cfg.Brokers = c.ListenAddrs()
	cfg.Partitions = 3
	postAndWatch(t, cfg)
}

// And with the analytics on a real ClickHouse (CLICKHOUSE_ADDR, started by .ci/run).
func TestPostedMentionOnKafkaAndClickHouse(t *testing.T) {
	addr := os.Getenv("CLICKHOUSE_ADDR")
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must run the ClickHouse half: CLICKHOUSE_ADDR is not set")
		}
		t.Skip("CLICKHOUSE_ADDR not set (deploy/clickhouse/start-test-server.sh starts one)")
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.Log, cfg.Brokers = "kafka", c.ListenAddrs()
	cfg.Store, cfg.ClickHouse = "clickhouse", addr
	cfg.CHDatabase = fmt.Sprintf("yuqing_app_%d", time.Now().UnixNano())
	postAndWatch(t, cfg)
}

const testPassword = "值班-test-密码-2026"

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// addUser creates a console account in cfg's log, as `yuqing user add` does.
func addUser(t testing.TB, cfg Config, username string, roles ...string) {
	t.Helper()
	log, err := OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, err := auth.CreateUser(t.Context(), log, username, username, testPassword, roles, "test"); err != nil {
		t.Fatal(err)
	}
}

// signIn logs in and returns the session cookie header.
func signIn(t testing.TB, addr, username, password string) string {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/api/v1/login", "application/json", strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Cookies()) == 0 {
		t.Fatalf("login %s: %d %s", username, resp.StatusCode, body)
	}
	return resp.Cookies()[0].Name + "=" + resp.Cookies()[0].Value
}

func postAndWatch(t *testing.T, cfg Config) {
	addUser(t, cfg, "duty", auth.RoleDutyOfficer)
	addr, stop := startApp(t, cfg)

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 {
		t.Fatalf("GET /healthz: %d %s", code, body)
	}
	// /readyz waits for the analysis to restore its topics, which goes on
	// after Run reports ready (on Kafka it can take a moment).
	var ready string
	waitFor(t, "/readyz", func() bool {
		code, body := get("/readyz")
		ready = body
		return code == 200
	})
	if ready != "ready\n" {
		t.Fatalf("GET /readyz: %q", ready)
	}
	// Nothing is served to a stranger.
	for _, path := range []string{"/", "/api/v1/incidents", "/api/v1/console"} {
		resp, err := noRedirect.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("GET %s without signing in: %d", path, resp.StatusCode)
		}
	}
	cookie := signIn(t, addr, "duty", testPassword)
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/api/v1/console", http.Header{"Origin": {"http://" + addr}, "Cookie": {cookie}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(60 * time.Second))
	var snap console.Message
	if err := ws.ReadJSON(&snap); err != nil || snap.Type != "snapshot" {
		t.Fatalf("snapshot: %+v %v", snap, err)
	}

	token, _ := os.ReadFile(filepath.Join(cfg.Data, "secrets", "ingest.token"))
	body := `{"id":"4900001","platform":"weibo","text":"城东化工厂附近传出刺鼻异味，居民担心泄漏","published_at":"2026-11-23T07:00:00Z","author":{"name":"城东居民","followers":320}}`
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/mentions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(answer), `"weibo:4900001"`) {
		t.Fatalf("POST: %d %s", resp.StatusCode, answer)
	}

	// The console shows the topic the analysed mention started, live.
	for found := false; !found; {
		var live console.Message
		if err := ws.ReadJSON(&live); err != nil {
			t.Fatalf("waiting for the mention's topic on the console: %v", err)
		}
		for _, d := range live.All() {
			if d.Event.Type != analyze.TypeTopicUpdated {
				continue
			}
			var ts analyze.TopicSummary
			if err := json.Unmarshal(d.Event.Payload, &ts); err != nil {
				t.Fatal(err)
			}
			if ts.Mentions != 1 || ts.First.ID != "weibo:4900001" {
				t.Fatalf("console gave topic %+v", ts)
			}
			found = true
		}
	}
	checkMetrics(t, addr, cfg)
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	store, err := OpenStore(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m, err := store.Get(t.Context(), "weibo:4900001")
	if err != nil {
		t.Fatalf("mention not in the store: %v", err)
	}
	if m.AuthorName != "城东居民" || len(m.Keywords) == 0 || m.Topic == "" || m.Sentiment == "" {
		t.Fatalf("stored %+v", m)
	}
	at := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	roll, err := store.Rollup(t.Context(), analytics.ByTopic, []string{m.Topic}, analytics.Query{From: at.Add(-time.Hour), To: at.Add(time.Hour), Step: analytics.Minute})
	if err != nil || len(roll) != 1 || roll[0].Count != 1 || !roll[0].Start.Equal(at) {
		t.Fatalf("topic rollup %+v %v", roll, err)
	}
	topics, err := store.Topics(t.Context(), analytics.TopicQuery{From: at.Add(-time.Hour), To: at.Add(time.Hour)})
	if err != nil || len(topics) != 1 || topics[0].ID != m.Topic || topics[0].FirstID != "weibo:4900001" || topics[0].Mentions != 1 {
		t.Fatalf("topics %+v %v", topics, err)
	}
	if _, err := store.Get(t.Context(), "weibo:other"); !errors.Is(err, analytics.ErrNotFound) {
		t.Fatal(err)
	}
}

// checkMetrics scrapes /metrics: refused without the token, and with it
// the mention posted, its analysis and the console watching are counted.
func checkMetrics(t *testing.T, addr string, cfg Config) {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d", resp.StatusCode)
	}
	token, err := os.ReadFile(filepath.Join(cfg.Data, "secrets", "metrics.token"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`yuqing_mentions_ingested_total{platform="weibo",source="ingest:http"} 1`,
		`yuqing_events_appended_total{topic="analyzed",type="mention.analyzed.v1"} 1`,
		`yuqing_consumed_records_total{group="analyze",topic="mentions"} 1`,
		`yuqing_consumer_behind_seconds{group="analyze",partition=`,
		`yuqing_store_write_seconds_count{op="put_mentions"} 1`,
		"yuqing_console_clients 1",
		"yuqing_ready 1",
	} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("/metrics (%d) lacks %q:\n%s", resp.StatusCode, want, grepLines(string(body), "yuqing_"))
		}
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "yuqing.yaml")
	os.WriteFile(file, []byte("addr: 0.0.0.0:9000\nlog: kafka\nbrokers: [a:9092]\nstore: clickhouse\nclickhouse: ch:9000\n"), 0o644)
	env := map[string]string{"YUQING_BROKERS": "b:9092,c:9092", "YUQING_INGEST_TOKEN": "zq-8f3k"}
	cfg, _, err := Load("serve", []string{"--config", file, "--store", "sqlite"}, func(k string) string { return env[k] }, AllSections, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "0.0.0.0:9000" || cfg.Log != "kafka" || strings.Join(cfg.Brokers, ",") != "b:9092,c:9092" || cfg.Store != "sqlite" || cfg.IngestToken != "zq-8f3k" {
		t.Fatalf("config %+v", cfg)
	}
	if strings.Contains(cfg.String(), "zq-8f3k") {
		t.Fatalf("String() leaks a secret: %s", cfg)
	}
	os.WriteFile(file, []byte("adr: typo\n"), 0o644)
	if _, _, err := Load("serve", []string{"--config=" + file}, func(string) string { return "" }, AllSections, nil); err == nil {
		t.Fatal("unknown YAML field accepted")
	}
	bad := Defaults()
	bad.Log = "kafka"
	bad.Store = "mysql"
	err = bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "--brokers") || !strings.Contains(err.Error(), "mysql") {
		t.Fatalf("Validate = %v", err)
	}
	kafka := Defaults()
	kafka.Log, kafka.Brokers, kafka.Replication = "kafka", []string{"k1:9092"}, 0
	if err := kafka.Validate(); err == nil || !strings.Contains(err.Error(), "replication") {
		t.Fatalf("replication 0 on Kafka: %v", err)
	}
	os.WriteFile(file, []byte("log: kafka\nbrokers: [a:9092]\nreplication: 3\n"), 0o644)
	if cfg, _, err := Load("serve", []string{"--config", file}, func(string) string { return "" }, AllSections, nil); err != nil || cfg.Replication != 3 {
		t.Fatalf("replication from the config file: %d %v", cfg.Replication, err)
	}
	proxied := Defaults()
	proxied.TrustedProxies = []string{"127.0.0.1", "10.0.0.0/8", "proxy.local"}
	if err := proxied.Validate(); err == nil || !strings.Contains(err.Error(), "proxy.local") {
		t.Fatalf("a trusted proxy that is no address: %v", err)
	}
	proxied.TrustedProxies = proxied.TrustedProxies[:2]
	if ps, err := proxied.proxies(); err != nil || len(ps) != 2 || ps[0].String() != "127.0.0.1/32" {
		t.Fatalf("proxies = %v, %v", ps, err)
	}
}

// The example respond config in deploy/ stays valid.
func TestRespondExampleLoads(t *testing.T) {
	f, err := LoadRespondFile(filepath.Join("..", "..", "..", "deploy", "respond.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Receivers) != 4 || len(f.Routes) != 4 || f.Incidents == nil || f.Incidents.Grades[2][0].Within != 5*time.Hour {
		t.Fatalf("parsed %+v", f)
	}
	cfg := Defaults()
	cfg.Data = t.TempDir()
	log, err := OpenLog(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if _, err := newDesk(f, "https://yuqing.example.gov.cn", log, time.Now, slog.New(slog.DiscardHandler), statement.Checker{}); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("receivers:\n  - name: x\n    wecom: {webhook_url: 'https://a'}\n    sms: {url: 'https://b', token: t, phones: ['13800000000']}\n"), 0o644)
	f, err = LoadRespondFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newDesk(f, "", log, time.Now, slog.New(slog.DiscardHandler), statement.Checker{}); err == nil || !strings.Contains(err.Error(), "exactly one channel") {
		t.Fatalf("two channels in one receiver: %v", err)
	}
}

// serve --drill: the scenario's alerts open a graded drill incident, so a
// newcomer sees clocks run. One story, one incident: the run is one story,
// so its alerts, raised for topics that merge only later or not at all,
// all join that one incident.
func TestDrillOpensGradedIncident(t *testing.T) {
	cfg := Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.Drill, cfg.DrillSpeed = true, 0 // everything at once
	_, stop := startApp(t, cfg)
	defer stop()
	log, err := OpenLog(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		board := incident.NewBoard()
		graded, opened := false, 0
		log.Replay(t.Context(), "incidents", func(_ context.Context, b []eventlog.Record) error {
			for _, r := range b {
				board.Apply(r.Event)
				switch {
				case r.Event.Type == incident.TypeGraded && r.Event.Actor == "system:drill":
					graded = true
				case r.Event.Type == incident.TypeOpened:
					opened++
				}
			}
			return nil
		})
		var raised, loose []string
		log.Replay(t.Context(), analyze.TopicAlerts, func(_ context.Context, b []eventlog.Record) error {
			for _, r := range b {
				if r.Event.Type == alert.TypeRaised {
					raised = append(raised, r.Event.Key)
					if len(board.WithAlert(r.Event.Key)) == 0 {
						loose = append(loose, r.Event.Key)
					}
				}
			}
			return nil
		})
		if opened > 1 {
			t.Fatalf("%d drill incidents for one drill story", opened)
		}
		if graded && len(raised) >= 2 && len(loose) == 0 {
			return // several alerts, one incident holding them all
		}
		if time.Now().After(deadline) {
			if !graded || len(loose) > 0 {
				t.Fatalf("after 60 s: graded %v, alerts %v not held by the drill incident", graded, loose)
			}
			t.Logf("the drill raised only %d alert(s): one story, one incident holds", len(raised))
			return
		}
		time.Sleep(100 * time.Millisecond) // polling for the pipeline
	}
}

// Sources sit in the main config, in a sources file, or make up a config
// file of their own (a bare list); a bad one is refused with its name.
func TestSourcesConfig(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "yuqing.yaml")
	os.WriteFile(main, []byte("addr: 127.0.0.1:9999\nsources:\n  - {name: gov-news, type: rss, url: 'https://news.example.gov.cn/rss.xml', platform: news}\nhost_rates: {news.example.gov.cn: 2/s}\n"), 0o644)
	extra := filepath.Join(dir, "sources.yaml")
	os.WriteFile(extra, []byte("- {name: weibo-kw, type: rss, url: 'https://rsshub.example.gov.cn/weibo/keyword/化工厂', platform: weibo, interval: 2m}\n"), 0o644)
	cfg, _, err := Load("serve", []string{"--config", main, "--sources", extra}, func(string) string { return "" }, AllSections, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := cfg.SourceConfig()
	if err != nil || len(sc.Sources) != 2 || sc.Sources[1].Name != "weibo-kw" || sc.HostRates["news.example.gov.cn"] != 2 || cfg.Addr != "127.0.0.1:9999" {
		t.Fatalf("%+v %v", sc, err)
	}
	if err := Sources(nil, nil).Check(sc); err != nil {
		t.Fatal(err)
	}
	cfg, _, err = Load("ingest", []string{"--config", extra}, func(string) string { return "" }, AllSections, nil)
	if err != nil || len(cfg.Sources) != 1 {
		t.Fatalf("bare list as config: %+v %v", cfg.Sources, err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("- {name: broken, type: rss, url: 'ftp://x'}\n"), 0o644)
	cfg, _, _ = Load("ingest", []string{"--config", bad}, func(string) string { return "" }, AllSections, nil)
	if _, err := cfg.SourceConfig(); err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("bad source: %v", err)
	}
}

// A 12345 export submitted by the ingest side opens work orders with
// working-day clocks at the desk; an order the export says was answered is
// closed at once; the caller's phone never reaches the log.
func TestHotlineExportOpensWorkOrders(t *testing.T) {
	cfg := Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	addUser(t, cfg, "duty", auth.RoleDutyOfficer)
	f, err := os.Open(filepath.Join("..", "..", "..", "ingest", "hotline", "testdata", "12345_utf8_bom.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, bad, err := hotline.ReadCSV(f, hotline.Options{})
	f.Close()
	if err != nil || len(recs) < 2 {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	log, err := OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	// The export's dates are fixed: move them to yesterday so none is in the future.
	shift := time.Now().Add(-24 * time.Hour).Sub(recs[len(recs)-1].ReceivedAt)
	for i := range recs {
		recs[i].ReceivedAt = recs[i].ReceivedAt.Add(shift)
		if !recs[i].AnsweredAt.IsZero() {
			recs[i].AnsweredAt = recs[i].AnsweredAt.Add(shift)
		}
	}
	future := recs[0]
	future.OrderID, future.ReceivedAt = "GD-FUTURE", time.Now().Add(48*time.Hour)
	recs = append(recs, future)
	ids, err := hotline.Submit(t.Context(), log, recs, bad, "hotline:test", "ingest:hotline", time.Now().Add(72*time.Hour))
	log.Close()
	if err != nil || len(ids) != len(recs) {
		t.Fatalf("submitted %v: %v", ids, err)
	}
	addr, stop := startApp(t, cfg)
	defer stop()
	cookie := signIn(t, addr, "duty", testPassword)
	get := func(id string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/workorders/"+id, nil)
		req.Header.Set("Cookie", cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	refused := ids[len(ids)-1]
	ids, recs = ids[:len(ids)-1], recs[:len(recs)-1]
	for i, id := range ids {
		var v map[string]any
		for deadline := time.Now().Add(30 * time.Second); ; {
			code, body := get(id)
			if code == http.StatusOK {
				v = body
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("work order %s never opened (%d %v)", id, code, body)
			}
			time.Sleep(100 * time.Millisecond) // polling the desk's consumer
		}
		raw, _ := json.Marshal(v)
		if strings.Contains(string(raw), "13812345678") {
			t.Fatalf("phone number in clear: %s", raw)
		}
		if recs[i].Answered() && v["status"] == "open" {
			t.Errorf("answered order %s still open: %s", id, raw)
		}
		if !recs[i].Answered() && !strings.Contains(string(raw), "due") {
			t.Errorf("open order %s without clocks: %s", id, raw)
		}
	}
	if code, _ := get(refused); code != http.StatusNotFound {
		t.Fatalf("an order received in the future was opened: %d", code)
	}
	stop()
	found := false
	l2, _ := OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
	defer l2.Close()
	l2.Replay(t.Context(), eventlog.TopicDeadLetter, func(_ context.Context, b []eventlog.Record) error {
		for _, r := range b {
			found = found || strings.Contains(string(r.Event.Payload), "GD-FUTURE")
		}
		return nil
	})
	if !found {
		t.Fatal("the refused work order is not in the dead letters")
	}
}

// Push endpoints configured under webhooks: a signed mention is accepted
// only with its signature, and a pushed work order opens at the desk.
func TestWebhooksInServe(t *testing.T) {
	cfg := Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.Webhooks.Endpoints = []webhook.EndpointConfig{{Name: "city-12345", Platform: "hotline", Token: "tok-0123456789abcdef", Secret: "sec-0123456789abcdef"}}
	addUser(t, cfg, "duty", auth.RoleDutyOfficer)
	addr, stop := startApp(t, cfg)
	defer stop()
	post := func(path string, body string, sign bool) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok-0123456789abcdef")
		if sign {
			ts := time.Now().Unix()
			req.Header.Set(webhook.HeaderTimestamp, fmt.Sprint(ts))
			req.Header.Set(webhook.HeaderSignature, webhook.Sign("sec-0123456789abcdef", ts, []byte(body)))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	m := `{"id":"7001","text":"市民反映城东路口红绿灯损坏","published_at":"` + time.Now().UTC().Format(time.RFC3339) + `"}`
	if code, _ := post("/api/v1/hooks/city-12345", m, false); code != http.StatusUnauthorized {
		t.Fatalf("unsigned push: %d", code)
	}
	if code, body := post("/api/v1/hooks/city-12345", m, true); code != http.StatusOK || !strings.Contains(body, "hotline:7001") {
		t.Fatalf("signed push: %d %s", code, body)
	}
	order := `{"order_id":"GD-HOOK-1","received_at":"` + time.Now().Add(-time.Hour).Format(time.RFC3339) + `","category":"投诉","title":"噪音扰民","content":"夜间施工噪音","phone":"13812345678"}`
	if code, body := post("/api/v1/hooks/city-12345/workorders", order, true); code != http.StatusOK || !strings.Contains(body, "GD-HOOK-1") {
		t.Fatalf("pushed work order: %d %s", code, body)
	}
	cookie := signIn(t, addr, "duty", testPassword)
	for deadline := time.Now().Add(30 * time.Second); ; {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/workorders/hotline:GD-HOOK-1", nil)
		req.Header.Set("Cookie", cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			if strings.Contains(string(b), "13812345678") {
				t.Fatalf("phone in clear: %s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pushed work order never opened: %d %s", resp.StatusCode, b)
		}
		time.Sleep(100 * time.Millisecond) // polling the desk's consumer
	}
}

// The deployment example is valid: every source type exists and the
// webhook endpoints resolve once their secrets are in the environment.
func TestSourcesExampleLoads(t *testing.T) {
	cfg, _, err := Load("ingest", []string{"--config", filepath.Join("..", "..", "..", "deploy", "sources.example.yaml")}, func(string) string { return "" }, AllSections, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := cfg.SourceConfig()
	if err != nil {
		t.Fatal(err)
	}
	if err := Sources(nil, nil).Check(sc); err != nil {
		t.Fatal(err)
	}
	types := map[string]bool{}
	for _, s := range sc.Sources {
		types[s.Type] = true
	}
	for _, want := range []string{"rss", "feed", "weibo", "board", "file"} {
		if !types[want] {
			t.Errorf("example lacks a %s source", want)
		}
	}
	env := map[string]string{"HOOK_12345_TOKEN": "0123456789abcdef0123", "HOOK_12345_SECRET": "fedcba9876543210fedc", "HOOK_PARTNER_TOKEN": "abcdefabcdefabcdefab"}
	if eps, err := cfg.Webhooks.Resolve(func(k string) string { return env[k] }); err != nil || len(eps) != 2 {
		t.Fatalf("webhooks: %v %v", eps, err)
	}
	t.Setenv("WEIBO_ACCESS_TOKEN", "2.00abcdefTOKEN")
	reg := Sources(nil, nil)
	for _, s := range sc.Sources {
		if _, err := reg[s.Type](s); err != nil {
			t.Errorf("source %s: %v", s.Name, err)
		}
	}
}

// A source that goes blind is announced to the duty officers once, through
// the notification outbox, and not again after a restart while still blind.
func TestBlindSourceIsAnnouncedOnce(t *testing.T) {
	hookURL, got := notifications(t)
	expired := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "token expired", http.StatusForbidden)
	}))
	defer expired.Close()
	dir := t.TempDir()
	cfg := notifyingConfig(t, dir, hookURL)
	cfg.Sources = []source.SourceConfig{{Name: "wechat-bridge", Type: "feed", URL: expired.URL + "/feed.atom", Platform: "wechat"}}
	count := func() (blind int) {
		for _, s := range got() {
			if strings.Contains(s, "信源失明") && strings.Contains(s, "wechat-bridge") {
				blind++
			}
		}
		return
	}
	_, stop := startApp(t, cfg)
	for deadline := time.Now().Add(30 * time.Second); count() == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no blind-source notification; got %q", got())
		}
		time.Sleep(100 * time.Millisecond) // polling the receiver
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, stop = startApp(t, cfg)
	defer stop()
	// The restarted runner reports the source blind again at once. When that
	// report is in the log, a probe report follows it; the probe's
	// announcement arriving means the desk has read past the repeat.
	for deadline := time.Now().Add(30 * time.Second); ; {
		healths := 0
		l, _ := OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
		l.Replay(t.Context(), source.Topic, func(_ context.Context, b []eventlog.Record) error { healths += len(b); return nil })
		if healths >= 2 {
			h := source.Health{Source: "probe", AuthFailed: true, At: time.Now().UTC(), Error: "HTTP 401"}
			e, _ := event.New(source.TypeHealth, "probe", "test", h.At, h.At, h)
			if err := l.Append(t.Context(), source.Topic, e); err != nil {
				t.Fatal(err)
			}
			l.Close()
			break
		}
		l.Close()
		if time.Now().After(deadline) {
			t.Fatal("the restarted source reported no health")
		}
		time.Sleep(100 * time.Millisecond) // polling the runner
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if slices.ContainsFunc(got(), func(s string) bool { return strings.Contains(s, "probe") }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("probe never announced: %q", got())
		}
		time.Sleep(100 * time.Millisecond) // polling the receiver
	}
	if n := count(); n != 1 {
		t.Fatalf("blind source announced %d times: %q", n, got())
	}
}

// notifications is a signed-webhook receiver; got lists the titles of the
// messages it received.
func notifications(t *testing.T) (url string, got func() []string) {
	var mu sync.Mutex
	var titles []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Title string `json:"title"`
		}
		json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		titles = append(titles, m.Title)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	return hook.URL, func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(titles) }
}

// notifyingConfig is the embedded default in dir with one webhook receiver.
func notifyingConfig(t *testing.T, dir, hookURL string) Config {
	respond := filepath.Join(dir, "respond.yaml")
	os.WriteFile(respond, []byte(fmt.Sprintf("receivers:\n  - name: duty-hook\n    webhook: {url: %q, secret: %q}\n", hookURL, "0123456789abcdef0123456789abcdef")), 0o644)
	cfg := Defaults()
	cfg.Data, cfg.Addr, cfg.RespondConfig = filepath.Join(dir, "data"), "127.0.0.1:0", respond
	return cfg
}

// waitFor polls cond (another process or goroutine's progress) for 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond) // polling
	}
}

// An alert pages the duty officers once; a routine update and a restart
// do not page again.
func TestAlertPagesDutyOfficerOnce(t *testing.T) {
	hookURL, got := notifications(t)
	cfg := notifyingConfig(t, t.TempDir(), hookURL)
	defineScheme(t, cfg, scheme.Scheme{ID: "accident", Name: "安全事故", Rule: "泄漏 | 爆炸", Sensitive: true})
	token := func() string {
		tok, err := ReadSecret(filepath.Join(cfg.Data, "secrets", "ingest.token"))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	post := func(addr string, from, to int) {
		var items []string
		for i := from; i < to; i++ {
			items = append(items, fmt.Sprintf(`{"id":"p%d","platform":"weibo","text":"城东化工厂泄漏了，附近居民很担心，第%d条","published_at":%q}`,
				i, i, time.Now().Add(-time.Hour+time.Duration(i)*time.Minute).UTC().Format(time.RFC3339)))
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/mentions", strings.NewReader("["+strings.Join(items, ",")+"]"))
		req.Header.Set("Authorization", "Bearer "+token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("POST: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	pages := func() (n int) {
		for _, s := range got() {
			if strings.Contains(s, "舆情预警") {
				n++
			}
		}
		return
	}
	addr, stop := startApp(t, cfg)
	post(addr, 0, 6)
	waitFor(t, "the alert page", func() bool { return pages() > 0 })
	stop()
	addr, stop = startApp(t, cfg)
	defer stop()
	post(addr, 6, 9) // more of the same story: at most a routine update
	waitFor(t, "the analyser", func() bool {
		l, _ := OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
		defer l.Close()
		n := 0
		l.Replay(t.Context(), eventlog.TopicAnalyzed, func(_ context.Context, b []eventlog.Record) error { n += len(b); return nil })
		return n >= 9
	})
	// A probe alert after those events: once it is paged, the desk has read past them.
	l, _ := OpenLog(t.Context(), cfg, slog.New(slog.DiscardHandler))
	a := alert.Alert{ID: "a-probe", TopicID: "probe", Version: 1, Label: []string{"探针"}, Reason: "测试", Mentions: 5, Raised: time.Now(), Updated: time.Now()}
	e, _ := event.New(alert.TypeRaised, a.ID, "test", a.Updated, a.Updated, a)
	if err := l.Append(t.Context(), analyze.TopicAlerts, e); err != nil {
		t.Fatal(err)
	}
	l.Close()
	waitFor(t, "the probe page", func() bool {
		return slices.ContainsFunc(got(), func(s string) bool { return strings.Contains(s, "探针") })
	})
	t.Logf("pages: %q", got())
	if n := pages(); n != 2 { // the story once, the probe once
		t.Fatalf("%d alert pages, want 2: %q", n, got())
	}
	if title := got()[0]; !strings.Contains(title, "化工厂") && !strings.Contains(title, "泄漏") {
		t.Errorf("page title %q does not name the story", title)
	}
}

// With ClickHouse down at start, serve still takes mentions into the log;
// /readyz says the store is what is missing.
func TestClickHouseDownAtStart(t *testing.T) {
	cfg := Defaults()
	cfg.Data = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.Store = "clickhouse"
	cfg.ClickHouse = "127.0.0.1:1" // nothing listens there
	cfg.IngestToken = "ingest-token-for-the-test"
	addr, stop := startApp(t, cfg)
	defer stop()
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/mentions", strings.NewReader(`{"id":"1","platform":"weibo","text":"城东化工厂附近有异味","published_at":"2026-11-23T07:00:00Z"}`))
	req.Header.Set("Authorization", "Bearer "+cfg.IngestToken.Reveal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "weibo:1") {
		t.Fatalf("ingest with the store down: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "analytics store") {
		t.Fatalf("readyz with the store down: %d %s", resp.StatusCode, body)
	}
}
