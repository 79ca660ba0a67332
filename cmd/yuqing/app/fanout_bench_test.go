package app

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"yuqing/analyze/alert"
	"yuqing/analyze/scheme"
	"yuqing/respond/auth"
	"yuqing/respond/console"
)

// BenchmarkAlertToConsoles measures, on the embedded default with 500
// signed-in console websockets, the time from the mention that completes
// a story being accepted (POST answered) to that story's alert reaching
// every client. One iteration is one story: four mentions, then the fifth
// that crosses the alert threshold of a sensitive monitoring scheme.
//
//	go test -run '^$' -bench AlertToConsoles -benchtime 40x ./cmd/yuqing/app
//
// Reported: p50/p99 over stories of the time until the last client has the
// alert (every-ms), and p50/p99 over all client deliveries (client-ms).
func BenchmarkAlertToConsoles(b *testing.B) {
	const clients = 500
	cfg := Defaults()
	cfg.Data = b.TempDir()
	cfg.Addr = "127.0.0.1:0"
	addUser(b, cfg, "duty", auth.RoleDutyOfficer)
	defineScheme(b, cfg, scheme.Scheme{ID: "accident", Name: "安全事故", Rule: "泄漏 | 爆炸 | 坍塌 | 中毒 | 起火", Sensitive: true})
	addr, stop := startApp(b, cfg)
	defer stop()
	cookie := signIn(b, addr, "duty", testPassword)
	token, err := ReadSecret(cfg.Data + "/secrets/ingest.token")
	if err != nil {
		b.Fatal(err)
	}

	type arrival struct {
		client int
		topic  string
		at     time.Time
	}
	arrivals := make(chan arrival, clients*4)
	var conns []*websocket.Conn
	var wg sync.WaitGroup
	for i := range clients {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/api/v1/console", http.Header{"Origin": {"http://" + addr}, "Cookie": {cookie}})
		if err != nil {
			b.Fatalf("client %d: %v", i, err)
		}
		conns = append(conns, ws)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var m console.Message
				if err := ws.ReadJSON(&m); err != nil {
					return
				}
				for _, d := range m.All() {
					if d.Event.Type == alert.TypeRaised {
						var a alert.Alert
						json.Unmarshal(d.Event.Payload, &a)
						arrivals <- arrival{client: i, topic: a.TopicID, at: time.Now()}
					}
				}
			}
		}()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}()

	places := []string{"城东", "河西", "南湖", "北岭", "青山", "白沙", "金桥", "石门", "柳林", "桃源", "枫港", "松岗", "梅溪", "竹园", "杏坛", "荷塘", "兰亭", "菊岭", "樟木", "榕城"}
	sites := []string{"化工厂", "加油站", "燃气站", "矿井", "体育馆", "学校食堂", "水库", "商场", "隧道", "码头"}
	harms := []string{"泄漏", "爆炸", "坍塌", "中毒", "起火"}
	post := func(body string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/mentions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("POST: %d", resp.StatusCode)
		}
	}
	var every, perClient []time.Duration
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		place, site, harm := places[n%len(places)], sites[(n/len(places))%len(sites)], harms[n%len(harms)]
		at := base.Add(time.Duration(n) * 8 * 24 * time.Hour) // stories a week apart: the last one has retired, so each is a new topic
		var batch []string
		for k := range 4 {
			batch = append(batch, fmt.Sprintf(`{"id":"s%d-%d","platform":"weibo","text":"%s%s%s了，%s附近的居民都很担心，第%d条","published_at":%q}`,
				n, k, place, site, harm, place, k, at.Add(time.Duration(k)*time.Minute).Format(time.RFC3339)))
		}
		post("[" + strings.Join(batch, ",") + "]")
		last := fmt.Sprintf(`{"id":"s%d-4","platform":"weibo","text":"%s%s%s，现场情况怎么样了？%s的朋友报个平安","published_at":%q}`,
			n, place, site, harm, place, at.Add(5*time.Minute).Format(time.RFC3339))
		post(last)
		accepted := time.Now()
		got := map[int]bool{}
		var topic string
		deadline := time.After(60 * time.Second)
		for len(got) < clients {
			select {
			case a := <-arrivals:
				if topic == "" {
					topic = a.topic
				}
				if a.topic != topic || got[a.client] {
					continue
				}
				got[a.client] = true
				d := a.at.Sub(accepted)
				perClient = append(perClient, d)
				if len(got) == clients {
					every = append(every, d)
				}
			case <-deadline:
				b.Fatalf("story %d: alert reached %d of %d clients in 60 s", n, len(got), clients)
			}
		}
	}
	b.StopTimer()
	if len(every) > 0 {
		b.ReportMetric(ms(pct(every, 50)), "every-p50-ms")
		b.ReportMetric(ms(pct(every, 99)), "every-p99-ms")
		b.ReportMetric(ms(pct(perClient, 50)), "client-p50-ms")
		b.ReportMetric(ms(pct(perClient, 99)), "client-p99-ms")
	}
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// defineScheme records a monitoring scheme in cfg's log, as `yuqing scheme apply` does.
func defineScheme(tb testing.TB, cfg Config, s scheme.Scheme) {
	tb.Helper()
	log, err := OpenLog(tb.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	defer log.Close()
	reg := scheme.NewRegistry()
	e, err := reg.Define(s, "test", time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	if err := log.Append(tb.Context(), scheme.Topic, e); err != nil {
		tb.Fatal(err)
	}
}
