package api

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"

	"yuqing/internal/httpjson"
	"yuqing/respond/report"
	"yuqing/respond/report/browser"
)

// registerReports adds the report routes: the list of reports generated,
// generating one on demand, its figures and its files.
func (a *API) registerReports(route routeFunc) {
	makers := []string{DutyOfficer, Spokesperson, Leader, Admin}
	route("GET /api/v1/reports", Anyone, a.reports)
	route("POST /api/v1/reports", makers, a.generateReport, generateBody{})
	route("GET /api/v1/reports/{id}", Anyone, a.reportByID)
	route("GET /api/v1/reports/{id}/{format}", Anyone, a.reportFile)
}

// reportView is a generated report with the console's links to its files.
type reportView struct {
	report.Generated
	Links map[string]string `json:"links"`
}

func viewOf(g report.Generated) reportView {
	v := reportView{Generated: g, Links: map[string]string{}}
	for _, f := range g.Files {
		v.Links[f.Format] = "/api/v1/reports/" + url.PathEscape(g.ID) + "/" + f.Format
	}
	return v
}

func (a *API) reportService(w http.ResponseWriter) bool {
	if a.Reports == nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(errors.New("报表服务未启用")))
		return false
	}
	return true
}

func (a *API) reports(w http.ResponseWriter, r *http.Request) {
	if !a.reportService(w) {
		return
	}
	list, err := a.Reports.List(r.Context())
	if err != nil {
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
		return
	}
	out := make([]reportView, 0, len(list))
	for _, g := range list {
		out = append(out, viewOf(g))
	}
	httpjson.Write(w, http.StatusOK, out)
}

// generateBody is POST /api/v1/reports. from and to are dates
// (2026-11-16; to is the last day included) or RFC 3339 instants (to
// exclusive); without them a daily, weekly or monthly report covers the
// last whole day, week or month, and a 专报 its incident's days.
type generateBody struct {
	Kind     report.Kind `json:"kind"`
	From     string      `json:"from"`
	To       string      `json:"to"`
	Incident string      `json:"incident"`
	Formats  []string    `json:"formats"`
	Drill    bool        `json:"drill"`
}

func (a *API) generateReport(w http.ResponseWriter, r *http.Request) {
	if !a.reportService(w) {
		return
	}
	var b generateBody
	if !decode(w, r, &b) {
		return
	}
	p := report.Params{Kind: b.Kind, Incident: b.Incident, Formats: b.Formats, Drill: b.Drill, Timezone: report.DefaultZone}
	loc := p.Location()
	var err error
	if b.From != "" {
		if p.From, err = report.ParseTime(b.From, loc, false); err != nil {
			httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("from：%w", err)))
			return
		}
	}
	if b.To != "" {
		if p.To, err = report.ParseTime(b.To, loc, true); err != nil {
			httpjson.Write(w, http.StatusBadRequest, errBody(fmt.Errorf("to：%w", err)))
			return
		}
	}
	if b.Kind != report.Incident && b.From == "" && b.To == "" {
		p.From, p.To = report.LastPeriod(b.Kind, a.Now(), loc)
	}
	g, err := a.Reports.Generate(r.Context(), p, a.Actor(r))
	switch {
	case errors.Is(err, report.ErrInvalid):
		httpjson.Write(w, http.StatusBadRequest, errBody(err))
	case errors.Is(err, report.ErrNoIncident):
		httpjson.Write(w, http.StatusNotFound, errBody(err))
	case err != nil && len(g.Files) > 0:
		// Some formats were made (HTML, Word without charts), the PDF
		// not: the answer lists what was made, its warnings say why.
		httpjson.Write(w, http.StatusOK, viewOf(g))
	case errors.Is(err, browser.ErrMissing):
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
	case err != nil:
		httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
	default:
		httpjson.Write(w, http.StatusOK, viewOf(g))
	}
}

func (a *API) reportByID(w http.ResponseWriter, r *http.Request) {
	if !a.reportService(w) {
		return
	}
	g, fig, err := a.Reports.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		a.reportError(w, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"report": viewOf(g), "figures": fig})
}

var reportTypes = map[string]string{
	report.HTML: "text/html; charset=utf-8",
	report.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	report.PDF:  "application/pdf",
}

func (a *API) reportFile(w http.ResponseWriter, r *http.Request) {
	if !a.reportService(w) {
		return
	}
	format := strings.ToLower(r.PathValue("format"))
	ctype, ok := reportTypes[format]
	if !ok {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("格式 %q 不是 html、docx 或 pdf", format)))
		return
	}
	path, g, err := a.Reports.Path(r.Context(), r.PathValue("id"), format)
	if err != nil {
		a.reportError(w, err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		a.reportError(w, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		a.reportError(w, err)
		return
	}
	name := g.ID + "." + format
	for _, x := range g.Files {
		if x.Format == format {
			name = x.Name
		}
	}
	w.Header().Set("Content-Type", ctype)
	disposition := "attachment"
	if format == report.HTML && r.URL.Query().Get("inline") == "1" {
		disposition = "inline" // the console's preview
	}
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if format == report.HTML {
		// The page draws its charts with its own inline script and loads
		// nothing; the same policy the page declares, sent as a header.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:")
	}
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func (a *API) reportError(w http.ResponseWriter, err error) {
	if errors.Is(err, report.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		httpjson.Write(w, http.StatusNotFound, errBody(fmt.Errorf("没有这份报表：%w", err)))
		return
	}
	httpjson.Write(w, http.StatusServiceUnavailable, errBody(err))
}
