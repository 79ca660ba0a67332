package hotline

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// ReadXLSX reads an XLSX workbook: the sheet named by Options.Sheet, else
// the first visible sheet. Shared and inline strings, numbers, booleans and
// the 1900 and 1904 date systems are understood; numbers in a time column
// are Excel serial dates. Formulas count by their cached value. Rejected.Row
// is the sheet row number.
//
// err is non-nil only when the workbook as a whole cannot be read; records
// and rejected then hold what was read before.
func ReadXLSX(r io.ReaderAt, size int64, opts Options) (records []Record, rejected []Rejected, err error) {
	o := opts.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("not an XLSX workbook: %w", err)
	}
	wb := &workbook{files: map[string]*zip.File{}, max: o.MaxBytes}
	for _, f := range zr.File {
		wb.files[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}
	sheet, err := wb.open(o.Sheet)
	if err != nil {
		return nil, nil, err
	}
	m := newMapper(o)
	m.date1904 = wb.date1904
	err = wb.readSheet(sheet, m)
	if err == nil && !m.found {
		err = fmt.Errorf("%w: no row of sheet %s has an order id and a received time column", errNoHeader, sheet)
	}
	m.progress(true)
	return m.records, m.rejected, err
}

type workbook struct {
	files    map[string]*zip.File
	max      int64
	date1904 bool
	strings  []string
}

type xmlRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

// rels reads the relationships of part p: target paths by id and by type
// suffix ("/sharedStrings").
func (wb *workbook) rels(p string) (byID, byType map[string]string) {
	byID, byType = map[string]string{}, map[string]string{}
	var x xmlRels
	if wb.decode(path.Join(path.Dir(p), "_rels", path.Base(p)+".rels"), &x) != nil {
		return
	}
	for _, r := range x.Rels {
		t := strings.ReplaceAll(r.Target, `\`, "/")
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(path.Dir(p), t)
		}
		byID[r.ID] = t
		if i := strings.LastIndexByte(r.Type, '/'); i >= 0 {
			byType[r.Type[i:]] = t
		}
	}
	return
}

func (wb *workbook) part(name string) (io.ReadCloser, error) {
	f := wb.files[strings.ToLower(name)]
	if f == nil {
		return nil, fmt.Errorf("the workbook has no part %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", name, err)
	}
	return &limited{rc: rc, n: wb.max, name: name}, nil
}

func (wb *workbook) decode(name string, v any) error {
	rc, err := wb.part(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

var errTooBig = errors.New("part is too big")

// limited fails a zip part that decompresses to more than n bytes.
type limited struct {
	rc   io.ReadCloser
	n    int64
	name string
}

func (l *limited) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("%w: %s decompresses to more than the limit", errTooBig, l.name)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.rc.Read(p)
	l.n -= int64(n)
	return n, err
}

func (l *limited) Close() error { return l.rc.Close() }

// open finds the workbook, its sheets and shared strings, and returns the
// path of the sheet to read.
func (wb *workbook) open(want string) (string, error) {
	book := "xl/workbook.xml"
	var root xmlRels
	if wb.decode("_rels/.rels", &root) == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				book = strings.TrimPrefix(strings.ReplaceAll(r.Target, `\`, "/"), "/")
			}
		}
	}
	var x struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			State string     `xml:"state,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := wb.decode(book, &x); err != nil {
		return "", fmt.Errorf("not an XLSX workbook: %w", err)
	}
	wb.date1904 = x.Pr.Date1904 == "1" || strings.EqualFold(x.Pr.Date1904, "true")
	byID, byType := wb.rels(book)
	if ss := byType["/sharedStrings"]; ss != "" {
		if err := wb.readStrings(ss); err != nil {
			return "", err
		}
	} else if wb.files["xl/sharedstrings.xml"] != nil {
		if err := wb.readStrings("xl/sharedStrings.xml"); err != nil {
			return "", err
		}
	}
	var names []string
	firstHidden := ""
	for _, s := range x.Sheets {
		id := ""
		for _, a := range s.Attrs {
			if a.Name.Local == "id" {
				id = a.Value
			}
		}
		names = append(names, s.Name)
		target := byID[id]
		switch {
		case target == "":
		case want != "" && s.Name == want, want == "" && s.State != "hidden" && s.State != "veryHidden":
			return target, nil
		case want == "" && firstHidden == "":
			firstHidden = target
		}
	}
	if want == "" && firstHidden != "" {
		return firstHidden, nil
	}
	if want != "" {
		return "", fmt.Errorf("the workbook has no sheet %q (sheets: %s)", want, strings.Join(names, ", "))
	}
	if len(x.Sheets) == 0 && wb.files["xl/worksheets/sheet1.xml"] != nil {
		return "xl/worksheets/sheet1.xml", nil
	}
	return "", errors.New("the workbook has no visible sheet")
}

// readStrings reads the shared string table.
func (wb *workbook) readStrings(name string) error {
	rc, err := wb.part(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "si" {
			s, err := richText(d)
			if err != nil {
				return fmt.Errorf("reading %s: %w", name, err)
			}
			wb.strings = append(wb.strings, s)
		}
	}
}

// richText reads the text of an <si> or <is> whose start was just read:
// the <t> elements, leaving out phonetic runs (<rPh>).
func richText(d *xml.Decoder) (string, error) {
	var b strings.Builder
	depth, inT, inPh := 1, 0, 0
	for depth > 0 {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "t":
				inT++
			case "rPh":
				inPh++
			}
		case xml.EndElement:
			depth--
			switch t.Name.Local {
			case "t":
				inT--
			case "rPh":
				inPh--
			}
		case xml.CharData:
			if inT > 0 && inPh == 0 {
				b.Write(t)
			}
		}
	}
	return unescapeX(b.String()), nil
}

// unescapeX decodes Excel's _xHHHH_ escapes (_x000D_ is a carriage return).
func unescapeX(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "_x")
		if i < 0 || len(s) < i+7 {
			break
		}
		v, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil || s[i+6] != '_' {
			b.WriteString(s[:i+2])
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteRune(rune(v))
		s = s[i+7:]
	}
	b.WriteString(s)
	return b.String()
}

// readSheet streams the rows of a sheet into m.
func (wb *workbook) readSheet(name string, m *mapper) error {
	rc, err := wb.part(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var (
		cells       []string
		row, last   int
		col         int
		typ, val    string
		inV, inCell bool
		rowStarted  bool
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "dimension":
				if _, r2 := dimension(attr(t, "ref")); r2 > 0 {
					m.lastRow = r2
				}
			case "row":
				row, rowStarted = last+1, true
				if n, err := strconv.Atoi(attr(t, "r")); err == nil && n > 0 && n <= 1<<24 {
					row = n
				}
				cells, col = cells[:0], -1
			case "c":
				inCell, typ, val = true, attr(t, "t"), ""
				col++
				if c := cellCol(attr(t, "r")); c >= 0 {
					col = c
				}
			case "v":
				inV = inCell
			case "is":
				if inCell {
					s, err := richText(d)
					if err != nil {
						return fmt.Errorf("reading %s: %w", name, err)
					}
					val = s
				}
			}
		case xml.CharData:
			if inV {
				val += string(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "c":
				inCell = false
				if col >= maxColumns {
					continue
				}
				for len(cells) <= col {
					cells = append(cells, "")
				}
				cells[col] = wb.cellValue(typ, val)
			case "row":
				if !rowStarted {
					continue
				}
				rowStarted, last = false, row
				if err := m.feedXLSX(row, cells); err != nil {
					return err
				}
			case "sheetData":
				return nil
			}
		}
	}
}

func (m *mapper) feedXLSX(row int, cells []string) error {
	found := m.found
	if found {
		m.done = max(m.done, row-m.headerRow-1) // count sheet rows, so done matches the total from <dimension>
	}
	err := m.feed(row, cells, func() string { return m.rawRow(cells, ',') })
	if errors.Is(err, errNoHeader) {
		return fmt.Errorf("%w: none of the first %d rows has an order id and a received time column (first row: %q)", errNoHeader, m.o.HeaderRows, clip(MaskText(strings.Join(m.header, ",")), 200))
	}
	if !found && m.found && m.lastRow > row {
		m.total = m.lastRow - row
	}
	return err
}

func (wb *workbook) cellValue(typ, v string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(wb.strings) {
			return ""
		}
		return wb.strings[i]
	case "inlineStr", "str", "e", "d":
		return unescapeX(v)
	case "b":
		if strings.TrimSpace(v) == "1" {
			return "TRUE"
		}
		return "FALSE"
	}
	// A number: 2.0261123000123E+13 is the id 20261123000123.
	v = strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(v, 64); err == nil && strings.ContainsAny(v, "eE") && f == float64(int64(f)) && f < 1e15 && f > -1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return v
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// cellCol is the 0-based column of a cell reference ("AB12" → 27), or -1.
func cellCol(ref string) int {
	c := 0
	n := 0
	for _, r := range ref {
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		if r < 'A' || r > 'Z' {
			break
		}
		c = c*26 + int(r-'A'+1)
		if n++; n > 3 {
			return -1
		}
	}
	if n == 0 {
		return -1
	}
	return c - 1
}

// dimension returns the first and last rows of a range "A1:K5000".
func dimension(ref string) (first, last int) {
	rowOf := func(s string) int {
		i := strings.IndexAny(s, "0123456789")
		if i < 0 {
			return 0
		}
		n, _ := strconv.Atoi(s[i:])
		return n
	}
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		return rowOf(a), rowOf(a)
	}
	return rowOf(a), rowOf(b)
}
