// Package docx writes Word documents laid out as Chinese government
// offices expect of official documents (公文, GB/T 9704 as the guide), with
// github.com/gomutex/godocx (MIT licence):
//
//   - A4; margins 37 mm top (天头), 28 mm left (订口), 26 mm right and
//     35 mm bottom, so the text block is 156 × 225 mm;
//   - the title in 方正小标宋简体 二号 (22 pt), centred;
//   - body text in 仿宋_GB2312 三号 (16 pt), justified, first line indented
//     two characters, lines at 28.95 pt (22 lines a page);
//   - first-level headings (一、) in 黑体 三号, second-level headings (（一）)
//     in 楷体_GB2312 三号, both marked as outline levels 1 and 2 so Word's
//     and WPS's navigation pane lists them;
//   - the page number in the footer as "— 1 —" (4号 宋体), centred;
//   - tables with ruled borders and a bold header row repeated on every
//     page; images (charts) centred.
//
// Fonts a machine lacks are substituted: the font table names each GB2312
// font's common alternative (仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体,
// 方正小标宋简体 → 黑体) and its GB2312 character set, which Word, WPS and
// LibreOffice use to pick a Chinese font instead of a Latin one. Digits
// and Latin letters are set in Times New Roman.
//
// godocx v0.1.5 writes the body, its paragraphs, runs, images and styles.
// What it lacks is done with encoding/xml, small and named: the footer
// part (a PAGE field; godocx's w:pgNum is not shown by LibreOffice), three
// font-table entries, the package properties (the template's say
// "gomutex", 2013), and tables, which are built from godocx's own types
// (its table wrappers cannot set column widths or row properties) and
// passed through godocx's encoder and decoder into the body.
//
// A Writer is not safe for concurrent use.
package docx

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/png" // chart images
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomutex/godocx"
	"github.com/gomutex/godocx/common/units"
	gdocx "github.com/gomutex/godocx/docx"
	"github.com/gomutex/godocx/wml/ctypes"
	"github.com/gomutex/godocx/wml/stypes"
)

// Fonts names the typefaces of a document.
type Fonts struct {
	Title    string // 标题
	Body     string // 正文
	Heading1 string // 一级标题
	Heading2 string // 二级标题
	Footer   string // 页码
	Latin    string // digits and Latin letters
}

// Official is the typefaces GB/T 9704 names.
func Official() Fonts {
	return Fonts{Title: "方正小标宋简体", Body: "仿宋_GB2312", Heading1: "黑体", Heading2: "楷体_GB2312", Footer: "宋体", Latin: "Times New Roman"}
}

// alternatives are the fonts substituted for the GB2312-era names.
var alternatives = map[string]string{
	"方正小标宋简体":   "黑体",
	"仿宋_GB2312": "仿宋",
	"楷体_GB2312": "楷体",
}

// Sizes in half-points (Word's unit for w:sz).
const (
	size2  = 44 // 二号 22 pt
	size3  = 32 // 三号 16 pt
	size4  = 28 // 四号 14 pt
	sizeS4 = 24 // 小四 12 pt
	size5  = 21 // 五号 10.5 pt
)

// Page geometry in twips (1/1440 inch).
const (
	pageW, pageH = 11906, 16838 // A4
	marginTop    = 2098         // 37 mm
	marginLeft   = 1587         // 28 mm
	marginRight  = 1474         // 26 mm
	marginBottom = 1984         // 35 mm
	headerDist   = 851          // 15 mm
	footerDist   = 1304         // 23 mm: the number sits about 7 mm under the text block
	linePitch    = 579          // 28.95 pt: 22 lines in 225 mm
	textWidthCM  = 15.6
)

// Writer builds one document.
type Writer struct {
	rd     *gdocx.RootDoc
	fonts  Fonts
	tmp    string // directory of image files handed to godocx
	images int
	err    error
}

// New starts an empty document.
func New(fonts Fonts) (*Writer, error) {
	rd, err := godocx.NewDocument()
	if err != nil {
		return nil, fmt.Errorf("starting a Word document: %w", err)
	}
	w := &Writer{rd: rd, fonts: fonts}
	w.page()
	w.styles()
	return w, nil
}

func ptr[T any](v T) *T { return &v }

func (w *Writer) page() {
	sp := w.rd.Document.Body.SectPr
	if sp == nil {
		sp = ctypes.NewSectionProper()
		w.rd.Document.Body.SectPr = sp
	}
	sp.PageSize = &ctypes.PageSize{Width: ptr(uint64(pageW)), Height: ptr(uint64(pageH))}
	sp.PageMargin = &ctypes.PageMargin{Top: ptr(marginTop), Bottom: ptr(marginBottom), Left: ptr(marginLeft), Right: ptr(marginRight),
		Header: ptr(headerDist), Footer: ptr(footerDist), Gutter: ptr(0)}
	sp.DocGrid = &ctypes.DocGrid{Type: stypes.DocGridLines, LinePitch: ptr(linePitch)}
	sp.PageNum = &ctypes.PageNumbering{Format: stypes.NumFmtDecimal}
}

// tableStyle is the style every table uses.
const tableStyle = "YuqingTable"

func (w *Writer) styles() {
	st := w.rd.DocStyles
	if st.DocDefaults == nil {
		st.DocDefaults = &ctypes.DocDefault{}
	}
	st.DocDefaults.RunProp = &ctypes.RunPropDefault{RunProp: w.runProp(w.fonts.Body, size3, false)}
	cellMargin := func(v int) *ctypes.TableWidth { return ctypes.NewTableWidth(v, stypes.TableWidthDxa) }
	st.StyleList = append(st.StyleList, ctypes.Style{
		Type:    ptr(stypes.StyleTypeTable),
		ID:      ptr(tableStyle),
		Name:    ctypes.NewCTString("舆情报告表格"),
		BasedOn: ctypes.NewCTString("TableGrid"), // its ruled borders (godocx has no border width)
		ParaProp: &ctypes.ParagraphProp{
			Spacing:       &ctypes.Spacing{Before: ptr(uint64(0)), After: ptr(uint64(0)), Line: ptr(300), LineRule: ptr(stypes.LineSpacingRuleAuto)},
			Justification: ctypes.NewGenSingleStrVal(stypes.JustificationCenter),
		},
		RunProp: w.runProp(w.fonts.Body, sizeS4, false),
		TableProp: &ctypes.TableProp{
			Width:      ctypes.NewTableWidth(5000, stypes.TableWidthPct),
			Layout:     ctypes.NewTableLayout(stypes.TableLayoutAutoFit),
			CellMargin: &ctypes.CellMargins{Top: cellMargin(40), Bottom: cellMargin(40), Left: cellMargin(80), Right: cellMargin(80)},
		},
		TableStylePr: []ctypes.TableStyleProp{{
			Type:     stypes.TblStyleOverrideFirstRow,
			RunProp:  &ctypes.RunProperty{Bold: ctypes.OnOffFromBool(true), BoldCS: ctypes.OnOffFromBool(true)},
			CellProp: &ctypes.CellProperty{Shading: &ctypes.Shading{Val: stypes.ShdClear, Color: ptr("auto"), Fill: ptr("EDEDED")}},
		}},
	})
}

// runProp is direct run formatting: an East Asian font, Latin in the Latin
// font, a size in half-points.
func (w *Writer) runProp(eastAsia string, size uint64, bold bool) *ctypes.RunProperty {
	rp := &ctypes.RunProperty{
		Fonts:  &ctypes.RunFonts{EastAsia: eastAsia, Ascii: w.fonts.Latin, HAnsi: w.fonts.Latin, CS: w.fonts.Latin, Hint: stypes.FontTypeHintEastAsia},
		Size:   ctypes.NewFontSize(size),
		SizeCs: ctypes.NewFontSizeCS(size),
		Color:  ctypes.NewColor("000000"),
	}
	if bold {
		rp.Bold, rp.BoldCS = ctypes.OnOffFromBool(true), ctypes.OnOffFromBool(true)
	}
	return rp
}

// para is one paragraph's layout.
type para struct {
	font     string
	size     uint64
	bold     bool
	align    stypes.Justification
	indent   bool // first line indented two characters
	outline  int  // 0 none; 1, 2 heading levels
	exact    bool // lines at the fixed pitch (not for images)
	before   uint64
	after    uint64
	keepNext bool
	color    string
}

func (w *Writer) pPr(p para) *ctypes.ParagraphProp {
	pp := &ctypes.ParagraphProp{Justification: ctypes.NewGenSingleStrVal(p.align)}
	sp := &ctypes.Spacing{Before: ptr(p.before), After: ptr(p.after)}
	if p.exact {
		sp.Line, sp.LineRule = ptr(linePitch), ptr(stypes.LineSpacingRuleExact)
	} else {
		sp.Line, sp.LineRule = ptr(240), ptr(stypes.LineSpacingRuleAuto)
		pp.SnapToGrid = ctypes.OnOffFromBool(false) // not stretched to the 28.95 pt grid
	}
	pp.Spacing = sp
	if p.indent {
		pp.Indent = &ctypes.Indent{FirstLineChars: ptr(200), FirstLine: ptr(uint64(2 * p.size * 10))}
	} else {
		pp.Indent = &ctypes.Indent{FirstLine: ptr(uint64(0)), FirstLineChars: ptr(0)}
	}
	if p.outline > 0 {
		pp.OutlineLvl = ctypes.NewDecimalNum(p.outline - 1)
	}
	if p.keepNext {
		pp.KeepNext = ctypes.OnOffFromBool(true)
	}
	return pp
}

func (w *Writer) add(text string, p para) {
	if w.err != nil {
		return
	}
	ct := w.rd.AddEmptyParagraph().GetCT()
	ct.Property = w.pPr(p)
	w.runs(ct, text, p)
}

// runs appends text to a paragraph, a line break for each "\n".
func (w *Writer) runs(ct *ctypes.Paragraph, text string, p para) {
	rp := w.runProp(p.font, p.size, p.bold)
	if p.color != "" {
		rp.Color = ctypes.NewColor(p.color)
	}
	if ct.Property != nil && ct.Property.RunProperty == nil {
		ct.Property.RunProperty = w.runProp(p.font, p.size, p.bold)
	}
	run := &ctypes.Run{Property: rp}
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			run.Children = append(run.Children, ctypes.RunChild{Break: &ctypes.Break{}})
		}
		run.Children = append(run.Children, ctypes.RunChild{Text: ctypes.TextFromString(line)})
	}
	ct.Children = append(ct.Children, ctypes.ParagraphChild{Run: run})
}

// Title is the document's title: 二号 小标宋, centred, a blank line after.
func (w *Writer) Title(text string) {
	w.add(text, para{font: w.fonts.Title, size: size2, align: stypes.JustificationCenter, exact: false, after: 200, before: 0})
}

// Subtitle is a centred line under the title (period, issuer): 三号 楷体.
func (w *Writer) Subtitle(text string) {
	w.add(text, para{font: w.fonts.Heading2, size: size3, align: stypes.JustificationCenter, exact: true, after: 240})
}

// Heading1 is a first-level heading ("一、…"): 黑体 三号.
func (w *Writer) Heading1(text string) {
	w.add(text, para{font: w.fonts.Heading1, size: size3, align: stypes.JustificationLeft, indent: true, outline: 1, exact: true, keepNext: true})
}

// Heading2 is a second-level heading ("（一）…"): 楷体 三号.
func (w *Writer) Heading2(text string) {
	w.add(text, para{font: w.fonts.Heading2, size: size3, align: stypes.JustificationLeft, indent: true, outline: 2, exact: true, keepNext: true})
}

// Para is body text: 仿宋 三号, justified, first line indented.
func (w *Writer) Para(text string) {
	w.add(text, para{font: w.fonts.Body, size: size3, align: stypes.JustificationBoth, indent: true, exact: true})
}

// Lead is body text with a bold lead-in, e.g. "总体情况。" followed by text.
func (w *Writer) Lead(lead, text string) {
	if w.err != nil {
		return
	}
	p := para{font: w.fonts.Body, size: size3, align: stypes.JustificationBoth, indent: true, exact: true}
	ct := w.rd.AddEmptyParagraph().GetCT()
	ct.Property = w.pPr(p)
	bold := p
	bold.bold = true
	w.runs(ct, lead, bold)
	w.runs(ct, text, p)
}

// Note is a visible remark in a smaller size (四号), e.g. why a chart is
// missing; warn sets it in red.
func (w *Writer) Note(text string, warn bool) {
	p := para{font: w.fonts.Body, size: size4, align: stypes.JustificationLeft, indent: true, exact: false, before: 60, after: 60}
	if warn {
		p.color = "C00000"
	}
	w.add(text, p)
}

// Caption is a centred title above a table (黑体 小四), kept on the
// table's page.
func (w *Writer) Caption(text string) {
	w.add(text, para{font: w.fonts.Heading1, size: sizeS4, align: stypes.JustificationCenter, before: 160, after: 60, keepNext: true})
}

// Table adds a table: a header row (bold, shaded, repeated on each page)
// and rows of text, 仿宋 小四, centred; long text is left-aligned. Columns
// get widths from their content; rows do not break across pages. Rows
// shorter than the header are padded.
func (w *Writer) Table(header []string, rows [][]string) {
	if w.err != nil || len(header) == 0 {
		return
	}
	size := uint64(sizeS4)
	if len(header) >= 7 {
		size = size5 // wide tables in 五号
	}
	widths := columnWidths(header, rows, size)
	tbl := ctypes.Table{
		TableProp: ctypes.TableProp{Style: ctypes.NewCTString(tableStyle), Width: ctypes.NewTableWidth(5000, stypes.TableWidthPct),
			Layout: ctypes.NewTableLayout(stypes.TableLayoutFixed)},
	}
	for _, wd := range widths {
		tbl.Grid.Col = append(tbl.Grid.Col, ctypes.Column{Width: ptr(uint64(wd))})
	}
	row := func(cells []string, head bool) {
		r := &ctypes.Row{Property: &ctypes.RowProperty{CantSplit: ctypes.OnOffFromBool(true)}}
		if head {
			r.Property.Header = ctypes.OnOffFromBool(true)
		}
		for i := range header {
			text := ""
			if i < len(cells) {
				text = cells[i]
			}
			align := stypes.JustificationCenter
			if !head && displayWidth(text) > 24 {
				align = stypes.JustificationLeft
			}
			p := para{font: w.fonts.Body, size: size, bold: head, align: align, before: 20, after: 20}
			ct := &ctypes.Paragraph{Property: w.pPr(p)}
			w.runs(ct, text, p)
			c := &ctypes.Cell{Property: &ctypes.CellProperty{Width: ctypes.NewTableWidth(widths[i], stypes.TableWidthDxa)},
				Contents: []ctypes.TCBlockContent{{Paragraph: ct}}}
			r.Contents = append(r.Contents, ctypes.TRCellContent{Cell: c})
		}
		tbl.RowContents = append(tbl.RowContents, ctypes.RowContent{Row: r})
	}
	row(header, true)
	for _, r := range rows {
		row(r, false)
	}
	if err := w.addTable(tbl); err != nil {
		w.err = err
		return
	}
	// A paragraph after the table keeps the next table or heading apart.
	w.add("", para{font: w.fonts.Body, size: size5, align: stypes.JustificationLeft})
}

// addTable puts a table built from godocx's types into the body. godocx
// v0.1.5 builds tables only through wrappers that cannot set column
// widths, row or cell properties, so the table goes through the
// library's own encoder and decoder, which make its body element.
func (w *Writer) addTable(tbl ctypes.Table) error {
	b, err := xml.Marshal(tbl)
	if err != nil {
		return fmt.Errorf("writing a table: %w", err)
	}
	d := xml.NewDecoder(bytes.NewReader(append(append([]byte("<w:body>"), b...), "</w:body>"...)))
	tok, err := d.Token()
	if err != nil {
		return fmt.Errorf("writing a table: %w", err)
	}
	start, _ := tok.(xml.StartElement)
	body := gdocx.NewBody(w.rd)
	if err := body.UnmarshalXML(d, start); err != nil {
		return fmt.Errorf("writing a table: %w", err)
	}
	if len(body.Children) != 1 || body.Children[0].Table == nil {
		return errors.New("writing a table: godocx did not read it back")
	}
	w.rd.Document.Body.Children = append(w.rd.Document.Body.Children, body.Children[0])
	return nil
}

// displayWidth counts a CJK character as two, anything else as one.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r > 0x2e80 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// columnWidths shares the text block's width (in twips) among the
// columns for text of size (half-points): a column of short entries
// (headers, numbers, times, names) gets what it needs not to wrap, the
// columns of long text share the rest by how much they hold.
func columnWidths(header []string, rows [][]string, size uint64) []int {
	const total = 8845    // 15.6 cm
	unit := int(size) * 5 // twips per half-width character
	const pad = 260       // cell margins and a little air
	need := make([]int, len(header))
	short := make([]bool, len(header))
	for i, h := range header {
		widest := displayWidth(h)
		for _, r := range rows {
			if i >= len(r) {
				continue
			}
			for _, line := range strings.Split(r[i], "\n") {
				widest = max(widest, displayWidth(line))
			}
		}
		short[i] = widest <= 16
		need[i] = min(widest, 40)*unit + pad
	}
	sum, fixed, flex := 0, 0, 0
	for i, n := range need {
		sum += n
		if short[i] {
			fixed += n
		} else {
			flex += n
		}
	}
	out := make([]int, len(need))
	switch {
	case sum <= total || flex == 0 || fixed >= total*3/4:
		// Everything fits (the rest is shared out), or nothing is long,
		// or the short columns alone fill the page: share in proportion.
		for i, n := range need {
			out[i] = total * n / sum
		}
	default:
		for i, n := range need {
			if short[i] {
				out[i] = n
			} else {
				out[i] = (total - fixed) * n / flex
			}
		}
	}
	return out
}

// Quote is a quoted post: a line saying where and when (楷体), the text
// (仿宋 四号, left-aligned, indented), and its link in small print.
func (w *Writer) Quote(meta, text, url string) {
	if w.err != nil {
		return
	}
	ct := w.rd.AddEmptyParagraph().GetCT()
	p := para{font: w.fonts.Body, size: size4, align: stypes.JustificationLeft, before: 60, after: 60}
	ct.Property = w.pPr(p)
	ct.Property.Indent = &ctypes.Indent{LeftChars: ptr(200), Left: ptr(640), FirstLine: ptr(uint64(0)), FirstLineChars: ptr(0)}
	w.runs(ct, meta+"\n", para{font: w.fonts.Heading2, size: size4})
	w.runs(ct, text, p)
	if url != "" {
		w.runs(ct, "\n"+url, para{font: w.fonts.Body, size: size5, color: "666666"})
	}
}

// Image adds a PNG, centred, widthCM wide (0: the text block's width),
// keeping its aspect ratio.
func (w *Writer) Image(png []byte, widthCM float64) {
	if w.err != nil {
		return
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(png))
	if err != nil {
		w.err = fmt.Errorf("reading a chart image: %w", err)
		return
	}
	if widthCM <= 0 || widthCM > textWidthCM {
		widthCM = textWidthCM
	}
	if w.tmp == "" {
		if w.tmp, err = os.MkdirTemp("", "yuqing-docx-*"); err != nil {
			w.err = fmt.Errorf("storing a chart image: %w", err)
			return
		}
	}
	w.images++
	path := filepath.Join(w.tmp, fmt.Sprintf("chart%d.png", w.images))
	if err := os.WriteFile(path, png, 0o600); err != nil {
		w.err = fmt.Errorf("storing a chart image: %w", err)
		return
	}
	wi := units.Inch(widthCM / 2.54)
	hi := units.Inch(float64(wi) * float64(cfg.Height) / float64(cfg.Width))
	pic, err := w.rd.AddPicture(path, wi, hi)
	if err != nil {
		w.err = fmt.Errorf("adding a chart image: %w", err)
		return
	}
	pic.Para.GetCT().Property = w.pPr(para{size: size3, align: stypes.JustificationCenter, before: 120, keepNext: true})
}

// PageBreak starts a new page.
func (w *Writer) PageBreak() {
	if w.err != nil {
		return
	}
	ct := w.rd.AddEmptyParagraph().GetCT()
	ct.Children = append(ct.Children, ctypes.ParagraphChild{Run: &ctypes.Run{Children: []ctypes.RunChild{{Break: ctypes.NewBreak(stypes.BreakTypePage)}}}})
}

// Meta is the document's properties (File → Properties).
type Meta struct {
	Title   string
	Subject string
	Creator string
	Created time.Time
}

// Bytes finishes the document and returns the .docx file. The Writer
// cannot be used after.
func (w *Writer) Bytes(meta Meta) ([]byte, error) {
	if w.tmp != "" {
		defer os.RemoveAll(w.tmp)
	}
	if w.err != nil {
		return nil, w.err
	}
	if err := w.footer(); err != nil {
		return nil, err
	}
	if err := w.fontTable(); err != nil {
		return nil, err
	}
	if err := w.properties(meta); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := w.rd.Write(&buf); err != nil {
		return nil, fmt.Errorf("writing the Word document: %w", err)
	}
	return buf.Bytes(), nil
}

// footerPart is word/footer1.xml: one centred paragraph, "— " PAGE " —".
// godocx has no footer part and no field type (its w:pgNum is not shown
// by LibreOffice), so the part is these few types; run properties are
// godocx's.
type footerPart struct {
	XMLName xml.Name `xml:"w:ftr"`
	W       string   `xml:"xmlns:w,attr"`
	R       string   `xml:"xmlns:r,attr"`
	P       footerPara
}

type footerPara struct {
	XMLName xml.Name `xml:"w:p"`
	PPr     struct {
		Jc val `xml:"w:jc"`
	} `xml:"w:pPr"`
	Items []any
}

type footerRun struct {
	XMLName xml.Name            `xml:"w:r"`
	RPr     *ctypes.RunProperty `xml:"w:rPr"`
	T       footerText          `xml:"w:t"`
}

type footerText struct {
	Space string `xml:"xml:space,attr"`
	Text  string `xml:",chardata"`
}

// footerField is a simple field: Word, WPS and LibreOffice put the page
// number in place of its result.
type footerField struct {
	XMLName xml.Name  `xml:"w:fldSimple"`
	Instr   string    `xml:"w:instr,attr"`
	R       footerRun `xml:"w:r"`
}

func (w *Writer) footer() error {
	rp := func() *ctypes.RunProperty { return w.runProp(w.fonts.Footer, size4, false) }
	run := func(s string) footerRun { return footerRun{RPr: rp(), T: footerText{Space: "preserve", Text: s}} }
	fp := footerPara{Items: []any{run("— "), footerField{Instr: " PAGE ", R: run("1")}, run(" —")}}
	fp.PPr.Jc = val{"center"}
	b, err := xml.Marshal(footerPart{W: "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
		R: "http://schemas.openxmlformats.org/officeDocument/2006/relationships", P: fp})
	if err != nil {
		return fmt.Errorf("writing the page-number footer: %w", err)
	}
	const part = "word/footer1.xml"
	w.rd.FileMap.Store(part, append([]byte(xml.Header), b...))
	if err := w.rd.ContentType.AddOverride("/"+part, "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"); err != nil {
		return err
	}
	id := fmt.Sprintf("rId%d", w.rd.Document.IncRelationID())
	w.rd.Document.DocRels.Relationships = append(w.rd.Document.DocRels.Relationships, &gdocx.Relationship{
		ID: id, Type: "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer", Target: "footer1.xml"})
	w.rd.Document.Body.SectPr.FooterReference = &ctypes.FooterReference{Type: stypes.HdrFtrDefault, ID: id}
	return nil
}

// fontEntry is one w:font of the font table.
type fontEntry struct {
	XMLName xml.Name `xml:"w:font"`
	Name    string   `xml:"w:name,attr"`
	AltName val      `xml:"w:altName"`
	Charset val      `xml:"w:charset"`
	Family  val      `xml:"w:family"`
	Pitch   val      `xml:"w:pitch"`
}

type val struct {
	Val string `xml:"w:val,attr"`
}

// fontTable adds the GB2312-era fonts with their alternatives to the
// template's font table.
func (w *Writer) fontTable() error {
	const part = "word/fontTable.xml"
	v, ok := w.rd.FileMap.Load(part)
	if !ok {
		return nil
	}
	table := v.([]byte)
	end := bytes.LastIndex(table, []byte("</w:fonts>"))
	if end < 0 {
		return errors.New("the template's font table has no </w:fonts>")
	}
	var add bytes.Buffer
	for _, f := range []string{w.fonts.Title, w.fonts.Body, w.fonts.Heading2} {
		alt, ok := alternatives[f]
		if !ok {
			continue
		}
		b, err := xml.Marshal(fontEntry{Name: f, AltName: val{alt}, Charset: val{"86"}, Family: val{"modern"}, Pitch: val{"fixed"}})
		if err != nil {
			return fmt.Errorf("writing the font table: %w", err)
		}
		add.Write(b)
	}
	out := append(append(append([]byte(nil), table[:end]...), add.Bytes()...), table[end:]...)
	w.rd.FileMap.Store(part, out)
	return nil
}

// coreProps is docProps/core.xml.
type coreProps struct {
	XMLName  xml.Name `xml:"cp:coreProperties"`
	CP       string   `xml:"xmlns:cp,attr"`
	DC       string   `xml:"xmlns:dc,attr"`
	DCTerms  string   `xml:"xmlns:dcterms,attr"`
	XSI      string   `xml:"xmlns:xsi,attr"`
	Title    string   `xml:"dc:title"`
	Subject  string   `xml:"dc:subject"`
	Creator  string   `xml:"dc:creator"`
	Created  w3cdtf   `xml:"dcterms:created"`
	Modified w3cdtf   `xml:"dcterms:modified"`
}

type w3cdtf struct {
	Type string `xml:"xsi:type,attr"`
	At   string `xml:",chardata"`
}

// properties replaces the template's package properties (its author and
// 2013 dates) and drops its thumbnail.
func (w *Writer) properties(m Meta) error {
	at := w3cdtf{Type: "dcterms:W3CDTF", At: m.Created.UTC().Format(time.RFC3339)}
	b, err := xml.Marshal(coreProps{CP: "http://schemas.openxmlformats.org/package/2006/metadata/core-properties", DC: "http://purl.org/dc/elements/1.1/",
		DCTerms: "http://purl.org/dc/terms/", XSI: "http://www.w3.org/2001/XMLSchema-instance",
		Title: m.Title, Subject: m.Subject, Creator: m.Creator, Created: at, Modified: at})
	if err != nil {
		return fmt.Errorf("writing the document properties: %w", err)
	}
	w.rd.FileMap.Store("docProps/core.xml", append([]byte(xml.Header), b...))
	rels := w.rd.RootRels.Relationships[:0]
	for _, r := range w.rd.RootRels.Relationships {
		if strings.HasSuffix(r.Type, "/metadata/thumbnail") {
			w.rd.FileMap.Delete(strings.TrimPrefix(r.Target, "/"))
			continue
		}
		rels = append(rels, r)
	}
	w.rd.RootRels.Relationships = rels
	return nil
}
