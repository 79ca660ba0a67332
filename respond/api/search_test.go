package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yuqing/internal/analytics"
)

// searchFixture stores 120 mentions of 化工厂 (ids c000..c119, one a
// minute back from t0, on weibo/wechat/forum in turn, every fourth
// positive, the others negative, topic ta for the even ones) and 10 others.
func searchFixture(t *testing.T) *httptest.Server {
	t.Helper()
	srv, _, _, st := newAPIWithLog(t)
	var ms []analytics.Mention
	for i := range 120 {
		m := analytics.Mention{ID: fmt.Sprintf("c%03d", i), Platform: []string{"weibo", "wechat", "forum"}[i%3], AuthorName: fmt.Sprintf("网友%d", i),
			Title: "", Text: fmt.Sprintf("城东化工厂异味第%d条", i), URL: fmt.Sprintf("https://example.org/%d", i),
			PublishedAt: t0.Add(-time.Duration(i+1) * time.Minute), IngestedAt: t0, Sentiment: "neg", Topic: "tb"}
		if i%4 == 0 {
			m.Sentiment = "pos"
		}
		if i%2 == 0 {
			m.Topic = "ta"
		}
		ms = append(ms, m)
	}
	for i := range 10 {
		ms = append(ms, analytics.Mention{ID: fmt.Sprintf("o%d", i), Platform: "weibo", Text: "今天天气不错", PublishedAt: t0.Add(-time.Duration(i+1) * time.Minute), IngestedAt: t0, Topic: "ta"})
	}
	// Cells a spreadsheet would run as formulas.
	for i, text := range []string{"=HYPERLINK(\"http://evil\",\"化工厂\")", "+化工厂", "-化工厂", "@化工厂"} {
		ms = append(ms, analytics.Mention{ID: fmt.Sprintf("x%d", i), Platform: "news", AuthorName: "=cmd", Text: text,
			PublishedAt: t0.Add(-30 * 24 * time.Hour).Add(time.Duration(i) * time.Minute), IngestedAt: t0, Sentiment: "neu"})
	}
	if err := st.PutMentions(t.Context(), ms); err != nil {
		t.Fatal(err)
	}
	if err := st.PutTopics(t.Context(), []analytics.Topic{{ID: "ta", Label: []string{"化工厂", "异味"}, Mentions: 70, FirstTime: t0.Add(-3 * time.Hour), LastTime: t0, Updated: t0}}); err != nil {
		t.Fatal(err)
	}
	return srv
}

// fetch GETs path as roles ("" unauthenticated).
func fetch(t *testing.T, srv *httptest.Server, path, roles string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+path, nil)
	if roles != "" {
		req.Header.Set("X-Roles", roles)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

type searchPage struct {
	Items []mentionView `json:"items"`
	Next  string        `json:"next"`
	Error string        `json:"error"`
}

func search(t *testing.T, srv *httptest.Server, params url.Values) (int, searchPage) {
	t.Helper()
	resp, b := fetch(t, srv, "/api/v1/mentions?"+params.Encode(), "leader")
	var p searchPage
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("search %v: %d %s", params, resp.StatusCode, b)
	}
	return resp.StatusCode, p
}

// Paging with the cursor lists every match once, newest first, and the
// last page has no next cursor.
func TestSearchPagesThroughEveryMatch(t *testing.T) {
	srv := searchFixture(t)
	params := url.Values{"q": {"化工厂"}, "from": {t0.Add(-24 * time.Hour).Format(time.RFC3339)}, "to": {t0.Format(time.RFC3339)}}
	var ids []string
	var sizes []int
	for page := 0; ; page++ {
		code, p := search(t, srv, params)
		if code != 200 {
			t.Fatalf("page %d: %d %s", page, code, p.Error)
		}
		sizes = append(sizes, len(p.Items))
		for _, m := range p.Items {
			if !strings.Contains(m.Text, "化工厂") {
				t.Fatalf("page %d holds a non-match %+v", page, m)
			}
			ids = append(ids, m.ID)
		}
		if p.Next == "" {
			break
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
		params.Set("cursor", p.Next)
	}
	var want []string
	for i := range 120 {
		want = append(want, fmt.Sprintf("c%03d", i))
	}
	if !slices.Equal(sizes, []int{50, 50, 20}) || !slices.Equal(ids, want) {
		t.Fatalf("pages of %v, ids %v", sizes, ids)
	}
	// A page that ends exactly at the last match says there is no more.
	params.Del("cursor")
	params.Set("limit", "120")
	if code, p := search(t, srv, params); code != 200 || len(p.Items) != 120 || p.Next != "" {
		t.Fatalf("one page of all 120: %d, %d items, next %q", code, len(p.Items), p.Next)
	}
}

func TestSearchFilters(t *testing.T) {
	srv := searchFixture(t)
	day := url.Values{"from": {t0.Add(-24 * time.Hour).Format(time.RFC3339)}, "to": {t0.Format(time.RFC3339)}, "limit": {"200"}}
	count := func(extra url.Values) int {
		t.Helper()
		params := url.Values{}
		for k, v := range day {
			params[k] = v
		}
		for k, v := range extra {
			params[k] = v
		}
		code, p := search(t, srv, params)
		if code != 200 {
			t.Fatalf("%v: %d %s", params, code, p.Error)
		}
		return len(p.Items)
	}
	for _, tc := range []struct {
		extra url.Values
		want  int
	}{
		{url.Values{}, 130},
		{url.Values{"q": {"化工厂"}}, 120},
		{url.Values{"q": {"天气"}}, 10},
		{url.Values{"q": {"化工厂"}, "platform": {"weibo"}}, 40},
		{url.Values{"q": {"化工厂"}, "sentiment": {"pos"}}, 30},
		{url.Values{"q": {"化工厂"}, "topic": {"ta"}}, 60},
		{url.Values{"q": {"化工厂"}, "topic": {"ta"}, "platform": {"weibo"}, "sentiment": {"pos"}}, 10}, // i%12 == 0
		{url.Values{"q": {"化工厂"}, "from": {t0.Add(-10 * time.Minute).Format(time.RFC3339)}}, 10},
		{url.Values{"q": {"第7条"}}, 1},
		{url.Values{"q": {"%"}}, 0},
	} {
		if got := count(tc.extra); got != tc.want {
			t.Errorf("search %v: %d matches, want %d", tc.extra, got, tc.want)
		}
	}
}

func TestSearchRefusesBadQueries(t *testing.T) {
	srv := searchFixture(t)
	long := url.Values{"from": {t0.Add(-100 * 24 * time.Hour).Format(time.RFC3339)}, "to": {t0.Format(time.RFC3339)}}
	for _, tc := range []struct {
		params url.Values
		want   string
	}{
		{url.Values{"cursor": {"not a cursor!"}}, "cursor 无效"},
		{url.Values{"cursor": {"bm90LWEtbnVtYmVy"}}, "cursor 无效"}, // "not-a-number"
		{url.Values{"sentiment": {"angry"}}, "sentiment"},
		{url.Values{"limit": {"0"}}, "limit"},
		{url.Values{"limit": {"5000"}}, "limit"},
		{url.Values{"from": {"yesterday"}}, "RFC 3339"},
		{url.Values{"from": {t0.Format(time.RFC3339)}, "to": {t0.Add(-time.Hour).Format(time.RFC3339)}}, "早于"},
		{long, "最长 92 天"},
	} {
		code, p := search(t, srv, tc.params)
		if code != 400 || !strings.Contains(p.Error, tc.want) {
			t.Errorf("search %v: %d %q, want 400 naming %q", tc.params, code, p.Error, tc.want)
		}
	}
	long.Set("topic", "ta") // one topic may look further back
	if code, p := search(t, srv, long); code != 200 || len(p.Items) != 50 {
		t.Errorf("a topic's 100 days: %d %q, %d items", code, p.Error, len(p.Items))
	}
	for _, path := range []string{"/api/v1/mentions?q=x", "/api/v1/mentions/export?format=csv"} {
		if resp, _ := fetch(t, srv, path, ""); resp.StatusCode != 401 {
			t.Errorf("%s unauthenticated: %d", path, resp.StatusCode)
		}
	}
	if resp, b := fetch(t, srv, "/api/v1/mentions/export?format=pdf", "leader"); resp.StatusCode != 400 || !strings.Contains(string(b), "format") {
		t.Errorf("export as pdf: %d %s", resp.StatusCode, b)
	}
	// The export route and a mention's own route live side by side.
	if resp, b := fetch(t, srv, "/api/v1/mentions/c007", "leader"); resp.StatusCode != 200 || !strings.Contains(string(b), "第7条") {
		t.Errorf("GET /api/v1/mentions/c007: %d %s", resp.StatusCode, b)
	}
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("CSV without a UTF-8 BOM: %q", b[:min(len(b), 20)])
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestExportCSV(t *testing.T) {
	srv := searchFixture(t)
	from, to := t0.Add(-40*24*time.Hour), t0
	path := "/api/v1/mentions/export?" + url.Values{"format": {"csv"}, "q": {"化工厂"}, "from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}}.Encode()
	resp, b := fetch(t, srv, path, "duty_officer")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("export: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	// 信息检索-20261014-20261123-化工厂.csv, RFC 5987-encoded
	disp := resp.Header.Get("Content-Disposition")
	if !strings.HasPrefix(disp, "attachment;") || !strings.Contains(disp, url.PathEscape("信息检索-20261014-20261123-化工厂")+".csv") {
		t.Fatalf("Content-Disposition %q", disp)
	}
	rows := readCSV(t, b)
	if !slices.Equal(rows[0], []string{"时间(北京时间)", "平台", "作者", "标题", "内容", "情感", "话题", "链接"}) {
		t.Fatalf("header %q", rows[0])
	}
	if len(rows) != 1+124 {
		t.Fatalf("%d rows, want the header and 124 matches", len(rows))
	}
	// The newest first: c000, a minute before t0 (02:00 UTC, 10:00 in Beijing).
	if want := []string{"2026-11-23 09:59:00", "微博", "网友0", "", "城东化工厂异味第0条", "正面", "化工厂 · 异味", "https://example.org/0"}; !slices.Equal(rows[1], want) {
		t.Fatalf("first row %q, want %q", rows[1], want)
	}
	if rows[2][6] != "tb" || rows[2][5] != "负面" || rows[2][1] != "微信" {
		t.Fatalf("second row %q: a topic without a stored name shows its ID", rows[2])
	}
	// Formula injection: each such cell starts with a '.
	var guarded []string
	for _, r := range rows[121:] {
		if r[2] != "'=cmd" {
			t.Errorf("author cell %q not guarded", r[2])
		}
		guarded = append(guarded, r[4])
	}
	if want := []string{"'@化工厂", "'-化工厂", "'+化工厂", "'=HYPERLINK(\"http://evil\",\"化工厂\")"}; !slices.Equal(guarded, want) {
		t.Fatalf("guarded cells %q, want %q", guarded, want)
	}
}

// An export the cap cuts says so in its last row (and, for XLSX, in
// X-Truncated); one the cap does not cut does not.
func TestExportCap(t *testing.T) {
	srv := searchFixture(t)
	old := exportCap
	exportCap = 7
	t.Cleanup(func() { exportCap = old })
	resp, b := fetch(t, srv, "/api/v1/mentions/export?format=csv&q=%E5%8C%96%E5%B7%A5%E5%8E%82", "leader")
	rows := readCSV(t, b)
	if resp.StatusCode != 200 || len(rows) != 1+7+1 || !strings.Contains(rows[8][0], "仅导出最新的 7 条") || rows[7][4] != "城东化工厂异味第6条" {
		t.Fatalf("capped CSV: %d %q", resp.StatusCode, rows)
	}
	resp, b = fetch(t, srv, "/api/v1/mentions/export?format=xlsx&q=%E5%8C%96%E5%B7%A5%E5%8E%82", "leader")
	if resp.StatusCode != 200 || resp.Header.Get("X-Truncated") != "1" {
		t.Fatalf("capped XLSX: %d %v", resp.StatusCode, resp.Header)
	}
	got := readXLSX(t, b)
	if len(got) != 1+7+1 || !strings.Contains(got[8][0], "仅导出最新的 7 条") {
		t.Fatalf("capped XLSX rows %q", got)
	}
	// Exactly at the cap: nothing is cut.
	resp, b = fetch(t, srv, "/api/v1/mentions/export?format=csv&q=%E7%AC%AC7%E6%9D%A1", "leader") // 第7条
	if rows := readCSV(t, b); resp.StatusCode != 200 || len(rows) != 2 {
		t.Fatalf("one match: %q", rows)
	}
	exportCap = 10
	resp, b = fetch(t, srv, "/api/v1/mentions/export?format=xlsx&q=%E5%A4%A9%E6%B0%94", "leader") // 天气: 10 matches
	if got := readXLSX(t, b); resp.StatusCode != 200 || resp.Header.Get("X-Truncated") != "" || len(got) != 11 {
		t.Fatalf("10 matches under a cap of 10: %d %v %q", resp.StatusCode, resp.Header, got)
	}
}

func readXLSX(t *testing.T, b []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not an XLSX file: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("信息检索")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestExportXLSX(t *testing.T) {
	srv := searchFixture(t)
	resp, b := fetch(t, srv, "/api/v1/mentions/export?format=xlsx&platform=news&"+url.Values{"from": {t0.Add(-40 * 24 * time.Hour).Format(time.RFC3339)}}.Encode(), "spokesperson")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("export: %d %v %s", resp.StatusCode, resp.Header, b[:min(len(b), 200)])
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("信息检索")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || !slices.Equal(rows[0], exportColumns) {
		t.Fatalf("rows %q", rows)
	}
	// Text cells hold the text as it is: an XLSX string is never a formula.
	if want := []string{"2026-10-24 10:03:00", "新闻网站", "=cmd", "", "@化工厂", "中性"}; !slices.Equal(rows[1][:6], want) {
		t.Fatalf("first row %q, want %q", rows[1], want)
	}
	if formula, _ := f.GetCellFormula("信息检索", "E2"); formula != "" {
		t.Fatalf("E2 has a formula %q", formula)
	}
	sid, err := f.GetCellStyle("信息检索", "A1")
	if err != nil {
		t.Fatal(err)
	}
	style, err := f.GetStyle(sid)
	if err != nil || style.Font == nil || !style.Font.Bold {
		t.Fatalf("header style %+v %v", style, err)
	}
	panes, err := f.GetPanes("信息检索")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Fatalf("panes %+v %v: the header row is not frozen", panes, err)
	}
	if w, _ := f.GetColWidth("信息检索", "E"); w < 40 {
		t.Fatalf("内容 column %v wide", w)
	}
}
