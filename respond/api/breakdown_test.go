package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"yuqing/internal/analytics"
)

// A topic's breakdown: its mentions in the range counted by hour, platform
// and sentiment, other topics' and those outside the range left out; any
// role may read it; a bad or too long range is refused in Chinese.
func TestTopicBreakdown(t *testing.T) {
	srv, _, _, st := newAPIWithLog(t)
	h0 := t0.Add(-3 * time.Hour) // 23:00 UTC, on the hour
	ms := []analytics.Mention{
		{ID: "weibo:1", Platform: "weibo", Topic: "t1", Sentiment: "neg", PublishedAt: h0.Add(5 * time.Minute)},
		{ID: "weibo:2", Platform: "weibo", Topic: "t1", Sentiment: "neg", PublishedAt: h0.Add(50 * time.Minute)},
		{ID: "weibo:3", Platform: "weibo", Topic: "t1", Sentiment: "pos", PublishedAt: h0.Add(59 * time.Minute)},
		{ID: "forum:1", Platform: "forum", Topic: "t1", Sentiment: "neu", PublishedAt: h0.Add(10 * time.Minute)},
		{ID: "forum:2", Platform: "forum", Topic: "t1", Sentiment: "", PublishedAt: h0.Add(2*time.Hour + time.Minute)},
		{ID: "weibo:4", Platform: "weibo", Topic: "t2", Sentiment: "neg", PublishedAt: h0.Add(time.Minute)},       // another topic
		{ID: "weibo:5", Platform: "weibo", Topic: "t1", Sentiment: "neg", PublishedAt: h0.Add(-2 * time.Hour)},    // before the range
		{ID: "weibo:6", Platform: "weibo", Topic: "t1", Sentiment: "neg", PublishedAt: h0.Add(3*time.Hour + 1e9)}, // after it
	}
	for i := range ms {
		ms[i].Text, ms[i].AuthorName, ms[i].IngestedAt = "化工厂异味", "网友", t0
	}
	if err := st.PutMentions(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	get := func(roles, query string) (int, Breakdown, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/topics/t1/breakdown?"+query, nil)
		if roles != "" {
			req.Header.Set("X-Roles", roles)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var raw json.RawMessage
		json.NewDecoder(resp.Body).Decode(&raw)
		var b Breakdown
		var m map[string]any
		json.Unmarshal(raw, &b)
		json.Unmarshal(raw, &m)
		return resp.StatusCode, b, m
	}
	q := url.Values{"from": {h0.Format(time.RFC3339)}, "to": {h0.Add(3 * time.Hour).Format(time.RFC3339)}}.Encode()
	code, b, raw := get("leader", q)
	if code != 200 {
		t.Fatalf("breakdown: %d %v", code, raw)
	}
	want := []BreakdownCell{
		{Start: h0, Platform: "forum", Sentiment: "neu", Count: 1},
		{Start: h0, Platform: "weibo", Sentiment: "neg", Count: 2},
		{Start: h0, Platform: "weibo", Sentiment: "pos", Count: 1},
		{Start: h0.Add(2 * time.Hour), Platform: "forum", Sentiment: "", Count: 1},
	}
	for i := range b.Cells {
		b.Cells[i].Start = b.Cells[i].Start.UTC()
	}
	if !reflect.DeepEqual(b.Cells, want) || b.Total != 5 || b.Topic != "t1" || !b.From.Equal(h0) || !b.To.Equal(h0.Add(3*time.Hour)) {
		t.Fatalf("breakdown = %+v, want cells %+v and total 5", b, want)
	}
	// The JSON the console reads: lower-case fields, times in UTC.
	cell := raw["cells"].([]any)[0].(map[string]any)
	if cell["start"] != "2026-11-22T23:00:00Z" || cell["platform"] != "forum" || cell["sentiment"] != "neu" || cell["count"] != 1.0 {
		t.Fatalf("cell JSON: %v", cell)
	}
	// Every role reads it; nobody signed out does.
	for _, r := range Anyone {
		if code, _, raw := get(r, q); code != 200 {
			t.Fatalf("%s: %d %v", r, code, raw)
		}
	}
	if code, _, _ := get("", q); code != http.StatusUnauthorized {
		t.Fatalf("signed out: %d", code)
	}
	// A topic without mentions: no cells, as an empty list.
	if code, _, raw := get("duty_officer", "from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z"); code != 200 || raw["cells"] == nil || len(raw["cells"].([]any)) != 0 || raw["total"] != 0.0 {
		t.Fatalf("empty range: %d %v", code, raw)
	}
	// Refusals.
	for query, msg := range map[string]string{
		"from=yesterday": "from 不是 RFC 3339 时间：\"yesterday\"",
		"from=2026-11-23T00:00:00Z&to=2026-11-22T00:00:00Z": "from 应早于 to",
		"from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z": "时间范围不能超过 31 天",
	} {
		if code, _, raw := get("duty_officer", query); code != http.StatusBadRequest || raw["error"] != msg {
			t.Errorf("%s: %d %v, want 400 %q", query, code, raw, msg)
		}
	}
	// The default is the last 24 hours up to now (t0): the earlier one too, not the later.
	if code, b, _ := get("duty_officer", ""); code != 200 || b.Total != 6 || !b.To.Equal(t0) || !b.From.Equal(t0.Add(-24*time.Hour)) {
		t.Fatalf("default range: %d %+v", code, b)
	}
}
