package report

import (
	"fmt"

	"yuqing/respond/report/docx"
)

// NoChartsNote is what the Word file says where a chart would be when no
// chart images could be made.
const NoChartsNote = "（此处图表需安装 Chromium 后生成图片，本节数据见下表。安装方法：apt-get install chromium）"

// Word renders the report as a .docx laid out as an official document.
// images holds the PNG of each chart by its id (Charts); a chart without
// one is replaced by a visible note and its data as a table.
func (r *Report) Word(st Stamp, images map[string][]byte) ([]byte, error) {
	w, err := docx.New(docx.Official())
	if err != nil {
		return nil, err
	}
	for _, b := range r.layout(st) {
		switch b.kind {
		case bTitle:
			w.Title(b.text)
		case bSubtitle:
			w.Subtitle(b.text)
		case bBanner:
			w.Note(b.text, true)
		case bH1:
			w.Heading1(b.text)
		case bH2:
			w.Heading2(b.text)
		case bPara:
			w.Para(b.text)
		case bLead:
			w.Lead(b.lead, b.text)
		case bNote:
			w.Note(b.text, false)
		case bPost:
			w.Quote(b.lead, "“"+b.text+"”", b.url)
		case bTable:
			if b.caption != "" {
				w.Caption(b.caption)
			}
			w.Table(b.head, b.rows)
		case bChart:
			if png, ok := images[b.chart.ID]; ok {
				w.Image(png, 0) // the chart draws its own title
				continue
			}
			w.Note(fmt.Sprintf("【图表：%s】%s", b.caption, NoChartsNote), true)
			if f := b.fallback; f != nil {
				w.Caption(f.caption)
				w.Table(f.head, f.rows)
			}
		}
	}
	return w.Bytes(docx.Meta{Title: r.Title, Subject: r.Period, Creator: "yuqing 舆情监测与回应系统", Created: st.Generated})
}
