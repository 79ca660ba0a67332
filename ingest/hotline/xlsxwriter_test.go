package hotline

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// A tiny XLSX writer for tests: enough of SpreadsheetML to exercise the
// reader the way Excel, WPS and export libraries write workbooks.

// Cell kinds beyond plain values.
type (
	inline  string // t="inlineStr"
	formula string // t="str", a formula's cached text
	boolean bool   // t="b"
	rawNum  string // a number written verbatim ("2.0261123000123E+13")
	rich    []string
	ruby    struct{ text, phonetic string } // <rPh>: phonetic run, not text
	skip    struct{}                        // no <c> at all: a sparse row
)

type xsheet struct {
	name, state string
	dim         string  // <dimension ref>; "" to leave it out
	rows        [][]any // nil row: not written (a gap in row numbers)
	noRefs      bool    // write <c> without r="A1" references
}

func buildXLSX(t testing.TB, date1904 bool, sheets ...xsheet) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(xml.Header + body)); err != nil {
			t.Fatal(err)
		}
	}
	esc := func(s string) string {
		var b strings.Builder
		_ = xml.EscapeText(&b, []byte(s))
		return strings.ReplaceAll(b.String(), "&#xA;", "\n")
	}
	var shared []string
	index := map[string]int{}
	sst := func(s string) int {
		if i, ok := index[s]; ok {
			return i
		}
		index[s] = len(shared)
		shared = append(shared, "<si><t xml:space=\"preserve\">"+esc(s)+"</t></si>")
		return index[s]
	}
	put("[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`)
	put("_rels/.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	var wb, rels strings.Builder
	wb.WriteString(`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">`)
	if date1904 {
		wb.WriteString(`<workbookPr date1904="1"/>`)
	}
	wb.WriteString(`<sheets>`)
	rels.WriteString(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i, sh := range sheets {
		state := ""
		if sh.state != "" {
			state = ` state="` + sh.state + `"`
		}
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, esc(sh.name), i+1, state, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		var s strings.Builder
		s.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		if sh.dim != "" {
			fmt.Fprintf(&s, `<dimension ref="%s"/>`, sh.dim)
		}
		s.WriteString(`<sheetData>`)
		for r, row := range sh.rows {
			if row == nil {
				continue
			}
			fmt.Fprintf(&s, `<row r="%d">`, r+1)
			for c, v := range row {
				ref := ""
				if !sh.noRefs {
					ref = fmt.Sprintf(` r="%s%d"`, colName(c), r+1)
				}
				switch v := v.(type) {
				case skip:
				case nil:
				case string:
					fmt.Fprintf(&s, `<c%s t="s"><v>%d</v></c>`, ref, sst(v))
				case inline:
					fmt.Fprintf(&s, `<c%s t="inlineStr"><is><t>%s</t></is></c>`, ref, esc(string(v)))
				case formula:
					fmt.Fprintf(&s, `<c%s t="str"><f>CONCAT("x")</f><v>%s</v></c>`, ref, esc(string(v)))
				case boolean:
					b := 0
					if v {
						b = 1
					}
					fmt.Fprintf(&s, `<c%s t="b"><v>%d</v></c>`, ref, b)
				case rawNum:
					fmt.Fprintf(&s, `<c%s><v>%s</v></c>`, ref, v)
				case rich:
					var runs strings.Builder
					for _, p := range v {
						fmt.Fprintf(&runs, `<r><rPr><b/></rPr><t xml:space="preserve">%s</t></r>`, esc(p))
					}
					fmt.Fprintf(&s, `<c%s t="inlineStr"><is>%s</is></c>`, ref, runs.String())
				case ruby:
					i := len(shared)
					shared = append(shared, fmt.Sprintf(`<si><t>%s</t><rPh sb="0" eb="1"><t>%s</t></rPh><phoneticPr fontId="1"/></si>`, esc(v.text), esc(v.phonetic)))
					fmt.Fprintf(&s, `<c%s t="s" s="2"><v>%d</v></c>`, ref, i)
				case int:
					fmt.Fprintf(&s, `<c%s><v>%d</v></c>`, ref, v)
				case float64:
					fmt.Fprintf(&s, `<c%s s="1"><v>%v</v></c>`, ref, v)
				default:
					t.Fatalf("cell type %T", v)
				}
			}
			s.WriteString(`</row>`)
		}
		s.WriteString(`</sheetData></worksheet>`)
		put(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), s.String())
	}
	wb.WriteString(`</sheets></workbook>`)
	rels.WriteString(fmt.Sprintf(`<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`, len(sheets)+1))
	rels.WriteString(`</Relationships>`)
	put("xl/workbook.xml", wb.String())
	put("xl/_rels/workbook.xml.rels", rels.String())
	put("xl/sharedStrings.xml", fmt.Sprintf(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>`, len(shared), len(shared), strings.Join(shared, "")))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func colName(c int) string {
	s := ""
	for c++; c > 0; c = (c - 1) / 26 {
		s = string(rune('A'+(c-1)%26)) + s
	}
	return s
}
