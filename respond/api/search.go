package api

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"yuqing/internal/analytics"
	"yuqing/internal/clock"
	"yuqing/internal/httpjson"
	"yuqing/respond/report"
)

// Search across the stored mentions (信息检索):
//
//	GET /api/v1/mentions?q=&topic=&platform=&sentiment=&from=&to=&cursor=&limit=
//
// answers {"items": [mention...], "next": cursor}, newest first; "next" is
// empty on the last page, else the opaque cursor of the next page. from
// and to are RFC 3339 (default: the 7 days before now); without a topic
// the period is at most analytics.MaxSearchRange. q is a substring of the
// title or text (Latin letters in either case).
//
//	GET /api/v1/mentions/export?format=csv|xlsx&<the same filters>
//
// writes every match, newest first, up to ExportCap rows; when the cap
// cuts the result, the last row says so (and an XLSX answer, written
// whole, also carries X-Truncated: 1). The pattern is more specific than
// GET /api/v1/mentions/{id}, so it wins; no mention ID is "export"
// (IDs are "platform:id").

// Bounds of a search.
const (
	searchDefaultLimit = 50
	searchMaxLimit     = 200
	searchMaxText      = 100 // characters of q
	searchDefaultRange = 7 * 24 * time.Hour
	// ExportCap bounds one export.
	ExportCap = 50000
)

// exportCap is ExportCap; tests lower it.
var exportCap = ExportCap

func (a *API) registerSearch(route routeFunc) {
	route("GET /api/v1/mentions", Anyone, a.searchMentions)
	route("GET /api/v1/mentions/export", Anyone, a.exportMentions)
}

// searchQuery reads the filters a search and its export share; it answers
// 400 and false when one is invalid.
func (a *API) searchQuery(w http.ResponseWriter, r *http.Request) (analytics.MentionQuery, bool) {
	from, to, ok := rangeOf(w, r, a.Now(), searchDefaultRange)
	if !ok {
		return analytics.MentionQuery{}, false
	}
	v := r.URL.Query()
	q := analytics.MentionQuery{From: from, To: to, Topic: strings.TrimSpace(v.Get("topic")), Platform: strings.TrimSpace(v.Get("platform")),
		Sentiment: v.Get("sentiment"), Text: strings.TrimSpace(v.Get("q"))}
	bad := func(format string, args ...any) (analytics.MentionQuery, bool) {
		httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf(format, args...)))
		return analytics.MentionQuery{}, false
	}
	switch {
	case !from.Before(to):
		return bad("起始时间须早于结束时间（from %s，to %s）", from.Format(time.RFC3339), to.Format(time.RFC3339))
	case q.Topic == "" && to.Sub(from) > analytics.MaxSearchRange:
		return bad("不限话题的检索，时间范围最长 %d 天（当前约 %d 天）：请缩短时间范围，或指定话题",
			analytics.MaxSearchRange/analytics.Day, (to.Sub(from)+analytics.Day-1)/analytics.Day)
	case q.Sentiment != "" && q.Sentiment != "neg" && q.Sentiment != "neu" && q.Sentiment != "pos":
		return bad("sentiment 须为 neg、neu 或 pos，不是 %q", q.Sentiment)
	case utf8.RuneCountInString(q.Text) > searchMaxText:
		return bad("关键词最长 %d 个字", searchMaxText)
	}
	if c := v.Get("cursor"); c != "" {
		after, err := decodeCursor(c)
		if err != nil {
			return bad("cursor 无效，请从第一页重新检索：%v", err)
		}
		q.After = after
	}
	return q, true
}

// encodeCursor makes the opaque cursor of a page that ends at c.
func encodeCursor(c analytics.Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.PublishedAt.UnixNano(), 10) + "/" + c.ID))
}

func decodeCursor(s string) (analytics.Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return analytics.Cursor{}, errors.New("不是本接口给出的游标")
	}
	ns, id, ok := strings.Cut(string(b), "/")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" || !utf8.ValidString(id) {
		return analytics.Cursor{}, errors.New("不是本接口给出的游标")
	}
	return analytics.Cursor{PublishedAt: time.Unix(0, n).UTC(), ID: id}, nil
}

func mentionViewOf(m analytics.Mention) mentionView {
	return mentionView{ID: m.ID, Platform: m.Platform, URL: m.URL, Author: m.AuthorName, Title: m.Title, Text: m.Text,
		PublishedAt: m.PublishedAt, Sentiment: m.Sentiment, Score: m.SentimentScore, Topic: m.Topic, Schemes: m.Schemes, Keywords: m.Keywords, Drill: m.Drill}
}

func (a *API) searchMentions(w http.ResponseWriter, r *http.Request) {
	q, ok := a.searchQuery(w, r)
	if !ok {
		return
	}
	limit := searchDefaultLimit
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > searchMaxLimit {
			httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("limit 须为 1 到 %d 的整数，不是 %q", searchMaxLimit, s)))
			return
		}
		limit = n
	}
	q.Limit = limit + 1 // one more tells whether a next page exists
	ms, err := a.Store.Mentions(r.Context(), q)
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("检索失败，请重试：%w", err)))
		return
	}
	next := ""
	if len(ms) > limit {
		ms = ms[:limit]
		next = encodeCursor(analytics.CursorOf(ms[limit-1]))
	}
	items := make([]mentionView, 0, len(ms))
	for _, m := range ms {
		items = append(items, mentionViewOf(m))
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"items": items, "next": next})
}

// exportColumns are the export's header row.
var exportColumns = []string{"时间(北京时间)", "平台", "作者", "标题", "内容", "情感", "话题", "链接"}

var sentimentNames = map[string]string{"neg": "负面", "neu": "中性", "pos": "正面"}

// exportRow is a mention as a row of the export.
func exportRow(m analytics.Mention, topics map[string]string) []string {
	topic := topics[m.Topic]
	if topic == "" {
		topic = m.Topic
	}
	return []string{m.PublishedAt.In(clock.Beijing).Format("2006-01-02 15:04:05"), report.PlatformName(m.Platform), m.AuthorName,
		m.Title, m.Text, sentimentNames[m.Sentiment], topic, m.URL}
}

// exportReader pages through every match of q, newest first, at most
// exportCap of them.
type exportReader struct {
	store analytics.Store
	q     analytics.MentionQuery
	read  int
	done  bool
}

// next returns the next page, nil at the end.
func (e *exportReader) next(ctx context.Context) ([]analytics.Mention, error) {
	if e.done {
		return nil, nil
	}
	q := e.q
	q.Limit = min(analytics.MaxMentions, exportCap-e.read)
	ms, err := e.store.Mentions(ctx, q)
	if err != nil {
		return nil, err
	}
	e.read += len(ms)
	if len(ms) < q.Limit || e.read >= exportCap {
		e.done = true
	}
	if len(ms) > 0 {
		e.q.After = analytics.CursorOf(ms[len(ms)-1])
	}
	return ms, nil
}

// truncated reports whether matches are left after exportCap rows.
func (e *exportReader) truncated(ctx context.Context) (bool, error) {
	if e.read < exportCap {
		return false, nil
	}
	q := e.q
	q.Limit = 1
	ms, err := e.store.Mentions(ctx, q)
	return len(ms) > 0, err
}

// truncationNote is the last row of an export the cap cut.
func truncationNote() string {
	return fmt.Sprintf("（结果超过 %d 条，仅导出最新的 %d 条；请缩短时间范围或增加筛选条件后分批导出）", exportCap, exportCap)
}

// topicNames names the topics active in the query's period by their
// keywords, for the export's 话题 column.
func (a *API) topicNames(ctx context.Context, q analytics.MentionQuery) map[string]string {
	names := map[string]string{}
	ts, err := a.Store.Topics(ctx, analytics.TopicQuery{From: q.From, To: q.To, Limit: 2000, Drill: true})
	if err != nil {
		return names // the column shows topic IDs
	}
	for _, t := range ts {
		if len(t.Label) > 0 {
			names[t.ID] = strings.Join(t.Label[:min(len(t.Label), 5)], " · ")
		}
	}
	return names
}

// exportName is the download's name: the search's period (Beijing dates)
// and keyword.
func exportName(q analytics.MentionQuery, ext string) string {
	last := q.To.Add(-time.Nanosecond)
	name := "信息检索-" + q.From.In(clock.Beijing).Format("20060102") + "-" + last.In(clock.Beijing).Format("20060102")
	if t := fileSafe(q.Text, ""); t != "" {
		name += "-" + t
	}
	return name + "." + ext
}

func (a *API) exportMentions(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "xlsx" {
		httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("format 须为 csv 或 xlsx，不是 %q", format)))
		return
	}
	q, ok := a.searchQuery(w, r)
	if !ok {
		return
	}
	q.After = analytics.Cursor{} // an export holds every match
	ctx := r.Context()
	rd := &exportReader{store: a.Store, q: q}
	first, err := rd.next(ctx)
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("导出失败，请重试：%w", err)))
		return
	}
	topics := a.topicNames(ctx, q)
	name := exportName(q, format)
	if format == "xlsx" {
		a.writeXLSX(w, r, rd, first, topics, name)
		return
	}
	attach(w, name, "text/csv; charset=utf-8")
	// The BOM makes Excel read the file as UTF-8, not as the local code page.
	w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // as Excel writes CSV
	cw.Write(exportColumns)
	for page := first; len(page) > 0; {
		for _, m := range page {
			row := exportRow(m, topics)
			for i := range row {
				row[i] = csvSafe(row[i])
			}
			cw.Write(row)
		}
		cw.Flush()
		if page, err = rd.next(ctx); err != nil {
			// The status is sent: break the connection, so the download
			// fails instead of ending short without a word.
			panic(http.ErrAbortHandler)
		}
	}
	cut, err := rd.truncated(ctx)
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if cut {
		cw.Write([]string{truncationNote()})
	}
	cw.Flush()
}

// attach heads a download named name.
func attach(w http.ResponseWriter, name, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
}

// csvSafe guards a CSV cell against formula injection: a spreadsheet
// would run a cell that starts with = + - @ (or a tab or carriage return
// before one) as a formula; a leading ' makes it text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeXLSX writes the export as one sheet: a bold, frozen header row and
// the matches below, streamed into the workbook (excelize keeps large
// sheets in temporary files), which is sent whole at the end.
func (a *API) writeXLSX(w http.ResponseWriter, r *http.Request, rd *exportReader, first []analytics.Mention, topics map[string]string, name string) {
	fail := func(err error) {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(fmt.Errorf("导出失败，请重试：%w", err)))
	}
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "信息检索"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		fail(err)
		return
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEEEEE"}}})
	if err != nil {
		fail(err)
		return
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		fail(err)
		return
	}
	// 时间, 平台, 作者, 标题, 内容, 情感, 话题, 链接
	for i, width := range []float64{20, 10, 16, 36, 80, 8, 28, 40} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			fail(err)
			return
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		fail(err)
		return
	}
	header := make([]any, len(exportColumns))
	for i, c := range exportColumns {
		header[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", header); err != nil {
		fail(err)
		return
	}
	row := 1
	add := func(values []string) error {
		row++
		cells := make([]any, len(values))
		for i, v := range values {
			cells[i] = v // strings: text cells, never formulas
		}
		cell, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	}
	for page := first; len(page) > 0; {
		for _, m := range page {
			if err := add(exportRow(m, topics)); err != nil {
				fail(err)
				return
			}
		}
		if page, err = rd.next(r.Context()); err != nil {
			fail(err)
			return
		}
	}
	cut, err := rd.truncated(r.Context())
	if err != nil {
		fail(err)
		return
	}
	if cut {
		if err := add([]string{truncationNote()}); err != nil {
			fail(err)
			return
		}
		w.Header().Set("X-Truncated", "1")
	}
	if err := sw.Flush(); err != nil {
		fail(err)
		return
	}
	attach(w, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	if err := f.Write(w); err != nil {
		panic(http.ErrAbortHandler) // part of the file is sent
	}
}
