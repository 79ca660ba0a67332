package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"yuqing/respond/chart"
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"lines": func(s string) []string { return strings.Split(s, "\n") },
}).Parse(pageTemplate))

// htmlBlock is a block as the template sees it.
type htmlBlock struct {
	Kind    string
	Text    string
	Lead    string
	Head    []string
	Rows    [][]string
	ChartID string
	Option  string
	Height  int
	URL     string
	Caption string
}

var kindNames = map[blockKind]string{bTitle: "title", bSubtitle: "subtitle", bBanner: "banner", bH1: "h1", bH2: "h2", bPara: "para",
	bLead: "lead", bTable: "table", bChart: "chart", bPost: "post", bNote: "note"}

// HTML renders the report as one self-contained page: styles, the
// ECharts script and every chart's data inline, nothing loaded from
// anywhere (a Content-Security-Policy forbids it). The page prints on A4
// with the margins of official documents and sets
// document.body.dataset.ready = "1" once its charts are drawn.
func (r *Report) HTML(st Stamp) ([]byte, error) {
	var blocks []htmlBlock
	for _, b := range r.layout(st) {
		hb := htmlBlock{Kind: kindNames[b.kind], Text: b.text, Lead: b.lead, Head: b.head, Rows: b.rows, URL: b.url, Caption: b.caption}
		if b.chart != nil {
			js, err := b.chart.Option.JSON()
			if err != nil {
				return nil, err
			}
			hb.ChartID, hb.Option, hb.Height = b.chart.ID, string(js), b.chart.Height
		}
		blocks = append(blocks, hb)
	}
	var buf bytes.Buffer
	err := page.Execute(&buf, map[string]any{
		"Title":    r.Title,
		"Blocks":   blocks,
		"Drill":    r.Drill,
		"Script":   template.JS(chart.Script()),
		"Licenses": "Apache ECharts " + chart.Version + " — Apache License 2.0 (https://www.apache.org/licenses/LICENSE-2.0); includes d3 parts under the BSD 3-Clause licence. Copyright 2017-2026 The Apache Software Foundation.",
		"Fonts":    template.CSS(cssFonts),
	})
	if err != nil {
		return nil, fmt.Errorf("rendering the report page: %w", err)
	}
	return buf.Bytes(), nil
}

// cssFonts are the font stacks of the page: the official fonts first, then
// what Windows, macOS and Linux have.
const cssFonts = `
  --title: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "FZXBSJW--GB1-0", "方正小标宋_GBK", "SimHei", "黑体", "Heiti SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
  --body: "Times New Roman", "仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "STFangsong", "Noto Serif CJK SC", "WenQuanYi Micro Hei", serif;
  --h1: "黑体", "SimHei", "Heiti SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
  --h2: "楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "STKaiti", "AR PL UKai CN", "WenQuanYi Micro Hei", serif;
`
