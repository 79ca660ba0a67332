package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"yuqing/analyze"
	"yuqing/analyze/alert"
	"yuqing/analyze/segment"
	"yuqing/ingest/source"
	"yuqing/internal/event"
	"yuqing/internal/eventlog/sqlitelog"
	"yuqing/respond/incident"
)

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

func alertDelta(t *testing.T, off int64) Delta {
	t.Helper()
	a := alert.Alert{ID: fmt.Sprintf("a-%d", off%3), TopicID: "t", Version: int(off), Reason: "信息量突增", Updated: t0.Add(time.Duration(off) * time.Minute)}
	e, err := event.New(alert.TypeRaised, a.ID, "analyze", a.Updated, t0.Add(time.Duration(off)*time.Second), a)
	if err != nil {
		t.Fatal(err)
	}
	return Delta{Topic: "alerts", Partition: 0, Offset: off, Event: e}
}

func newServer(t *testing.T, keep int) (*Hub, *httptest.Server) {
	h := NewHub(Config{Topics: map[string]int{"alerts": keep}, ClientBuffer: 64}, NewBoard(), nil)
	srv := httptest.NewServer(&Server{Hub: h, AllowedOrigins: []string{"https://console.example.gov.cn"}, Authorize: func(r *http.Request) (string, error) {
		switch r.Header.Get("X-Test-User") {
		case "duty":
			return "duty", nil
		case "nobody":
			return "", ErrForbidden
		}
		return "", errors.New("请先登录")
	}})
	t.Cleanup(func() { h.Close(); srv.Close() })
	return h, srv
}

func dial(srv *httptest.Server, user, origin, cursor string) (*websocket.Conn, *http.Response, error) {
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/console"
	if cursor != "" {
		u += "?cursor=" + cursor
	}
	hdr := http.Header{"X-Test-User": {user}}
	if origin != "" {
		hdr.Set("Origin", origin)
	}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	return d.Dial(u, hdr)
}

func next(t *testing.T, c *websocket.Conn) Message {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, b, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	m, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A client that reconnects with its cursor gets exactly what it missed.
func TestResumeAfterReconnect(t *testing.T) {
	h, srv := newServer(t, 100)
	for off := int64(0); off < 5; off++ {
		h.Publish(alertDelta(t, off))
	}
	c, _, err := dial(srv, "duty", "", "")
	if err != nil {
		t.Fatal(err)
	}
	snap := next(t, c)
	if snap.Type != "snapshot" || snap.Cursor["alerts/0"] != 4 {
		t.Fatalf("snapshot %+v", snap)
	}
	h.Publish(alertDelta(t, 5))
	d := next(t, c)
	if d.Type != "delta" || d.Delta.Offset != 5 {
		t.Fatalf("delta %+v", d)
	}
	cursor := Cursor{"alerts/0": d.Delta.Offset}
	c.Close()
	for off := int64(6); off < 12; off++ { // while it was away
		h.Publish(alertDelta(t, off))
	}
	h.Publish(alertDelta(t, 9)) // a redelivery from the log: dropped
	c, _, err = dial(srv, "duty", "", cursor.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for want := int64(6); want < 12; want++ {
		m := next(t, c)
		if m.Type != "delta" || m.Delta.Offset != want {
			t.Fatalf("resume: got %+v, want offset %d", m, want)
		}
	}
	if m := next(t, c); m.Type != "resumed" || m.Missed != 6 {
		t.Fatalf("resume marker %+v", m)
	}
	h.Publish(alertDelta(t, 12))
	if m := next(t, c); m.Type != "delta" || m.Delta.Offset != 12 {
		t.Fatalf("live after resume %+v", m)
	}
}

// A cursor older than the hub's memory gets a fresh snapshot, not a gap.
func TestResumeTooOldGetsSnapshot(t *testing.T) {
	h, srv := newServer(t, 3)
	for off := int64(0); off < 10; off++ {
		h.Publish(alertDelta(t, off))
	}
	c, _, err := dial(srv, "duty", "", Cursor{"alerts/0": 2}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m := next(t, c); m.Type != "snapshot" || m.Cursor["alerts/0"] != 9 {
		t.Fatalf("got %+v", m)
	}
	// A client ahead of the hub (another log) also starts over.
	c2, _, _ := dial(srv, "duty", "", Cursor{"alerts/0": 99}.Encode())
	defer c2.Close()
	if m := next(t, c2); m.Type != "snapshot" {
		t.Fatalf("got %+v", m)
	}
}

func TestSlowClientDroppedOthersServed(t *testing.T) {
	h := NewHub(Config{Topics: map[string]int{"alerts": 10}, ClientBuffer: 4}, NewBoard(), nil)
	slow, _ := h.Subscribe(nil)
	fast, _ := h.Subscribe(nil)
	<-fast.C // snapshot
	for off := int64(0); off < 20; off++ {
		h.Publish(alertDelta(t, off))
		select {
		case <-fast.C:
		default:
			t.Fatalf("fast client missed %d", off)
		}
	}
	select {
	case <-slow.Gone:
		if !strings.Contains(slow.Why, "too slow") {
			t.Fatalf("why %q", slow.Why)
		}
	default:
		t.Fatal("slow client not dropped")
	}
	if h.Clients() != 1 {
		t.Fatalf("%d clients", h.Clients())
	}
}

func TestRefusals(t *testing.T) {
	_, srv := newServer(t, 10)
	if _, resp, err := dial(srv, "", "", ""); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous: %v %v", err, resp)
	}
	if _, resp, err := dial(srv, "nobody", "", ""); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("no role: %v %v", err, resp)
	}
	if _, resp, err := dial(srv, "duty", "https://evil.example.com", ""); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign origin: %v %v", err, resp)
	}
	if _, resp, err := dial(srv, "duty", "", "bm90LWpzb24"); err == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad cursor: %v %v", err, resp)
	}
	c, _, err := dial(srv, "duty", "https://console.example.gov.cn", "")
	if err != nil {
		t.Fatalf("allowed origin: %v", err)
	}
	c.Close()
}

// The hub follows real log topics and its snapshot carries the projection.
func TestRunFollowsTheLog(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	l, err := sqlitelog.Open(ctx, sqlitelog.Config{Path: filepath.Join(t.TempDir(), "log.db")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for off := int64(0); off < 3; off++ {
		if err := l.Append(ctx, "alerts", alertDelta(t, off).Event); err != nil {
			t.Fatal(err)
		}
	}
	h := NewHub(Config{Topics: map[string]int{"alerts": 10}}, NewBoard(), nil)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- h.Run(runCtx, l) }()
	for !h.CaughtUp() {
		select {
		case <-ctx.Done():
			t.Fatal("hub never caught up")
		case <-time.After(10 * time.Millisecond): // polling for progress
		}
	}
	if p := h.Position()["alerts/0"]; p != 2 {
		t.Fatalf("caught up at alerts/0 = %d, want 2", p)
	}
	c, _ := h.Subscribe(nil)
	m, _ := decode(<-c.C)
	stop()
	<-done
	st, ok := m.State.(map[string]any)
	if m.Type != "snapshot" || !ok || len(st["alerts"].([]any)) != 3 {
		t.Fatalf("snapshot %+v", m)
	}
}

// A source whose credentials were refused shows in the snapshot as blind,
// and a later healthy report replaces it.
func TestBoardShowsBlindSource(t *testing.T) {
	b := NewBoard()
	put := func(off int64, h source.Health) {
		e, err := event.New(source.TypeHealth, h.Source, "ingest", h.At, h.At, h)
		if err != nil {
			t.Fatal(err)
		}
		b.Apply(Delta{Topic: source.Topic, Offset: off, Event: e})
	}
	put(0, source.Health{Source: "weibo-search", OK: true, At: t0})
	put(1, source.Health{Source: "weibo-search", OK: false, AuthFailed: true, Error: "HTTP 401", At: t0.Add(time.Minute)})
	put(2, source.Health{Source: "news", OK: true, At: t0})
	st := b.State().(State)
	if len(st.Sources) != 2 || st.Sources[1].Source != "weibo-search" || !st.Sources[1].AuthFailed || st.Sources[1].OK {
		t.Fatalf("sources %+v", st.Sources)
	}
	put(3, source.Health{Source: "weibo-search", OK: true, At: t0.Add(2 * time.Minute)})
	if st := b.State().(State); st.Sources[1].AuthFailed || !st.Sources[1].OK {
		t.Fatalf("recovered source still blind: %+v", st.Sources[1])
	}
}

// The snapshot tells each alert its story: a folded alert names its
// survivor by headline, and every alert of a story with an incident names
// that incident (已有事件), including through a topic merged without an
// alert of its own.
func TestBoardShowsTheStoryOfEachAlert(t *testing.T) {
	b := NewBoard()
	var off int64
	put := func(topic, typ, key string, payload any) {
		e, err := event.New(typ, key, "test", t0.Add(time.Duration(off)*time.Minute), t0, payload)
		if err != nil {
			t.Fatal(err)
		}
		b.Apply(Delta{Topic: topic, Offset: off, Event: e})
		off++
	}
	put("alerts", alert.TypeRaised, "a-S", alert.Alert{ID: "a-S", TopicID: "S", Version: 1, Label: []string{"化工厂", "异味"}, Updated: t0})
	put("alerts", alert.TypeRaised, "a-F", alert.Alert{ID: "a-F", TopicID: "F", Version: 1, Label: []string{"刺鼻"}, Updated: t0})
	put("alerts", alert.TypeRaised, "a-K", alert.Alert{ID: "a-K", TopicID: "K", Version: 1, Label: []string{"居民"}, Updated: t0})
	put("alerts", alert.TypeUpdated, "a-F", alert.Alert{ID: "a-F", TopicID: "S", Version: 2, Label: []string{"刺鼻"}, MergedInto: "a-S", Updated: t0.Add(time.Minute)})
	evs, err := incident.Decide(&incident.State{ID: "inc-a-S"}, incident.Default(), incident.Open{Title: "化工厂异味", AlertID: "a-S", Topics: []string{"S"}, DetectedAt: t0}, t0)
	if err != nil {
		t.Fatal(err)
	}
	envs, _ := incident.Envelopes("inc-a-S", "user:zhang", t0, evs)
	for _, e := range envs {
		b.Apply(Delta{Topic: incident.Topic, Offset: off, Event: e})
		off++
	}
	views := map[string]StoryView{}
	for _, a := range b.State().(State).Alerts {
		views[a.ID] = a.Story
	}
	if v := views["a-F"]; v.Survivor != "a-S" || strings.Join(v.SurvivorLabel, "") != "化工厂异味" || v.Incident != "inc-a-S" || v.IncidentTitle != "化工厂异味" {
		t.Fatalf("the folded alert: %+v", v)
	}
	if v := views["a-S"]; v.Survivor != "" || v.Incident != "inc-a-S" {
		t.Fatalf("the survivor: %+v", v)
	}
	if v := views["a-K"]; v.Incident != "" {
		t.Fatalf("another story: %+v", v)
	}
	put("topics", analyze.TypeTopicUpdated, "S", analyze.TopicSummary{ID: "S", Merged: []string{"K"}})
	for _, a := range b.State().(State).Alerts {
		if a.ID == "a-K" && a.Story.Incident != "inc-a-S" {
			t.Fatalf("an alert whose topic merged: %+v", a.Story)
		}
	}
}

// The console titles topics and alerts by headline and shows their names:
// the snapshot a browser receives carries headline and entities (under
// those JSON names) for topics and alerts, the headline of the alert a
// folded one lives on as, an alert's names after its topic retired, and
// an unassigned mention (未归类) without inventing a topic for it.
func TestSnapshotCarriesHeadlinesAndEntities(t *testing.T) {
	h := NewHub(Config{Topics: Topics()}, NewBoard(), nil)
	defer h.Close()
	var off int64
	put := func(topic, typ, key string, payload any) {
		t.Helper()
		e, err := event.New(typ, key, "test", t0.Add(time.Duration(off)*time.Minute), t0, payload)
		if err != nil {
			t.Fatal(err)
		}
		h.Publish(Delta{Topic: topic, Offset: off, Event: e})
		off++
	}
	names := []segment.Entity{{Text: "3人死亡", Kind: segment.KindCasualty}, {Text: "临江区", Kind: segment.KindPlace},
		{Text: "市应急管理局", Kind: segment.KindOrg}, {Text: "#东港化工厂泄漏#", Kind: segment.KindTag}}
	const title = "临江区东港化工厂氯气泄漏"
	put("topics", analyze.TypeTopicUpdated, "S", analyze.TopicSummary{ID: "S", Headline: title, Label: []string{"氯气", "泄漏"}, Entities: names, Mentions: 9})
	put("topics", analyze.TypeTopicUpdated, "F", analyze.TopicSummary{ID: "F", Label: []string{"刺鼻"}, Mentions: 2})
	put("alerts", alert.TypeRaised, "a-S", alert.Alert{ID: "a-S", TopicID: "S", Version: 1, Headline: title, Label: []string{"氯气", "泄漏"}, Updated: t0})
	put("alerts", alert.TypeUpdated, "a-F", alert.Alert{ID: "a-F", TopicID: "S", Version: 2, Label: []string{"刺鼻"}, MergedInto: "a-S", Updated: t0.Add(time.Minute)})
	put("analyzed", event.MentionAnalyzed, "weibo:1", analyze.Analyzed{Keywords: []string{"今晚"}, Topic: ""})

	snapshot := func() (st struct {
		Alerts []struct {
			ID       string           `json:"id"`
			Headline string           `json:"headline"`
			Entities []segment.Entity `json:"entities"`
			Story    struct {
				SurvivorHeadline string `json:"survivor_headline"`
			} `json:"story"`
		} `json:"alerts"`
		Topics []struct {
			ID       string           `json:"id"`
			Headline string           `json:"headline"`
			Label    []string         `json:"label"`
			Entities []segment.Entity `json:"entities"`
		} `json:"topics"`
	}) {
		t.Helper()
		c, _ := h.Subscribe(nil)
		defer h.Unsubscribe(c)
		var m struct {
			Type  string          `json:"type"`
			State json.RawMessage `json:"state"`
		}
		if err := json.Unmarshal(<-c.C, &m); err != nil || m.Type != "snapshot" {
			t.Fatalf("snapshot %s: %v", m.Type, err)
		}
		if err := json.Unmarshal(m.State, &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := snapshot()
	topics := map[string]int{}
	for i, x := range st.Topics {
		topics[x.ID] = i
	}
	if len(st.Topics) != 2 {
		t.Fatalf("topics %+v", st.Topics)
	}
	if x := st.Topics[topics["S"]]; x.Headline != title || !slices.Equal(x.Entities, names) || strings.Join(x.Label, "·") != "氯气·泄漏" {
		t.Fatalf("topic S %+v", x)
	}
	if x := st.Topics[topics["F"]]; x.Headline != "" || len(x.Entities) != 0 {
		t.Fatalf("topic F, without headline or names: %+v", x)
	}
	alerts := map[string]int{}
	for i, x := range st.Alerts {
		alerts[x.ID] = i
	}
	if x := st.Alerts[alerts["a-S"]]; x.Headline != title || !slices.Equal(x.Entities, names) {
		t.Fatalf("alert a-S %+v", x)
	}
	if x := st.Alerts[alerts["a-F"]]; x.Story.SurvivorHeadline != title || !slices.Equal(x.Entities, names) {
		t.Fatalf("folded alert a-F %+v", x)
	}

	// The topic retires: the board drops it, its alert keeps its names.
	put("topics", analyze.TypeTopicRetired, "S", analyze.TopicSummary{ID: "S", Headline: title, Label: []string{"氯气", "泄漏"}, Entities: names[:2]})
	put("topics", analyze.TypeTopicRetired, "F", analyze.TopicSummary{ID: "F", Label: []string{"刺鼻"}, Entities: names[2:]})
	st = snapshot()
	if len(st.Topics) != 0 {
		t.Fatalf("retired topics still shown: %+v", st.Topics)
	}
	for _, x := range st.Alerts {
		if !slices.Equal(x.Entities, names[:2]) {
			t.Fatalf("alert %s after its topic retired: %+v", x.ID, x.Entities)
		}
	}
}

// What the log hands over together goes out as one frame; a topic updated
// several times in it reaches the client once, as its latest state, and
// the client's cursor still ends at the hub's.
func TestBatchIsOneFrameWithSupersededUpdatesLeftOut(t *testing.T) {
	h := NewHub(Config{Topics: map[string]int{"alerts": 100, "topics": 100}, ClientBuffer: 64}, NewBoard(), nil)
	srv := httptest.NewServer(&Server{Hub: h, Authorize: func(r *http.Request) (string, error) { return "duty", nil }})
	t.Cleanup(func() { h.Close(); srv.Close() })
	c, _, err := dial(srv, "duty", "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if m := next(t, c); m.Type != "snapshot" {
		t.Fatalf("first %s", m.Type)
	}
	topic := func(off int64, id string, n int) Delta {
		e, err := event.New(analyze.TypeTopicUpdated, id, "analyze", t0, t0.Add(time.Duration(off)*time.Second), analyze.TopicSummary{ID: id, Mentions: n})
		if err != nil {
			t.Fatal(err)
		}
		return Delta{Topic: "topics", Partition: 0, Offset: off, Event: e}
	}
	h.Publish(topic(0, "A", 1), topic(1, "B", 1), topic(2, "A", 2), alertDelta(t, 0), topic(3, "A", 3), topic(4, "B", 2))
	m := next(t, c)
	if m.Type != "deltas" {
		t.Fatalf("got %s, want one deltas frame", m.Type)
	}
	var got []string
	for _, d := range m.Deltas {
		got = append(got, fmt.Sprintf("%s/%d", d.Topic, d.Offset))
	}
	// A's updates at 0 and 2 and B's at 1 are replaced by later ones.
	if want := "alerts/0 topics/3 topics/4"; strings.Join(got, " ") != want {
		t.Fatalf("frame holds %v, want %s", got, want)
	}
	var a analyze.TopicSummary
	json.Unmarshal(m.Deltas[1].Event.Payload, &a)
	if a.ID != "A" || a.Mentions != 3 {
		t.Fatalf("topic A as sent: %+v", a)
	}
	// The snapshot a new client gets holds the same latest state.
	snap := h.Position()
	if snap["topics/0"] != 4 || snap["alerts/0"] != 0 {
		t.Fatalf("hub cursor %v", snap)
	}
}

// Only the last update of a partition that was superseded by nothing later
// in it survives; the partition's last delta always stays (the cursor).
func TestCoalesceKeepsEachPartitionsLast(t *testing.T) {
	mk := func(part int, off int64, typ, key string) Delta {
		return Delta{Topic: "topics", Partition: part, Offset: off, Event: event.Envelope{Type: typ, Key: key}}
	}
	ds := []Delta{mk(0, 1, "topic.updated.v1", "A"), mk(1, 1, "topic.updated.v1", "A"), mk(0, 2, "topic.retired.v1", "A"), mk(0, 3, "topic.updated.v1", "A")}
	out := Coalesce(ds)
	var got []string
	for _, d := range out {
		got = append(got, fmt.Sprintf("%d/%d", d.Partition, d.Offset))
	}
	if want := "1/1 0/2 0/3"; strings.Join(got, " ") != want {
		t.Fatalf("coalesced to %v, want %s", got, want)
	}
	if len(ds) != 4 || ds[0].Offset != 1 {
		t.Fatal("Coalesce changed its input")
	}
}
