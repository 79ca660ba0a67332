package hotline

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"yuqing/internal/hanzi"
)

// ReadCSV reads a CSV (or tab-, semicolon- or bar-separated) export. The
// encoding is detected (see Options.Encoding), the header row is found in the
// first Options.HeaderRows rows, and every data row becomes a Record or a
// Rejected. A row whose quoting is broken is re-read on its own with lenient
// quoting, and reading resumes on the next line, so one bad quote cannot eat
// the rest of the file.
//
// err is non-nil only when the file as a whole cannot be read: too big, no
// header row. Rejected.Row is the line the record starts on.
func ReadCSV(r io.Reader, opts Options) (records []Record, rejected []Rejected, err error) {
	o := opts.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, o.MaxBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("reading CSV: %w", err)
	}
	if int64(len(data)) > o.MaxBytes {
		return nil, nil, fmt.Errorf("CSV is larger than %d bytes", o.MaxBytes)
	}
	text, err := decodeText(data, o.Encoding)
	if err != nil {
		return nil, nil, err
	}
	comma := o.Comma
	if comma == 0 {
		comma = sniffComma(text, o)
	}
	if comma == 0 || !validComma(comma) {
		return nil, nil, fmt.Errorf("%w: none of the first %d rows has an order id and a received time column (%s)", errNoHeader, o.HeaderRows, firstLine(text))
	}
	m := newMapper(o)
	m.checkLen = true
	if err := m.readCSV(text, comma); err != nil {
		return nil, nil, err
	}
	m.progress(true)
	return m.records, m.rejected, nil
}

func (m *mapper) readCSV(text string, comma rune) error {
	all := 0
	if m.o.Progress != nil {
		all = countRecords(text, comma)
	}
	n := 0 // records read, for the progress total
	feed := func(row int, cells []string) error {
		n++
		found := m.found
		err := m.feed(row, cells, func() string { return m.rawRow(cells, comma) })
		if errors.Is(err, errNoHeader) {
			return fmt.Errorf("%w: none of the first %d rows has an order id and a received time column (%s)", errNoHeader, m.o.HeaderRows, firstLine(strings.Join(m.header, string(comma))))
		}
		if !found && m.found {
			m.total = max(all-n, 0)
		}
		return err
	}
	pos, line := 0, 1
	for pos < len(text) {
		cr := newCSVReader(text[pos:], comma, false)
		for restart := false; !restart; {
			start := int(cr.InputOffset())
			cells, err := cr.Read()
			var pe *csv.ParseError
			switch {
			case err == io.EOF:
				return nil
			case errors.As(err, &pe):
				// Broken quoting: take the line the record starts on by
				// itself, leniently, and go on from the next line.
				off, ln := skipBlankLines(text, pos+start, line+strings.Count(text[pos:pos+start], "\n"))
				end := strings.IndexByte(text[off:], '\n')
				if end < 0 {
					end = len(text) - off
				}
				physical := text[off : off+end]
				pos, line, restart = off+end+1, ln+1, true
				if cells, lerr := newCSVReader(physical, comma, true).Read(); lerr == nil {
					err = feed(ln, cells)
				} else if m.found {
					n++
					m.done++
					m.rejected = append(m.rejected, Rejected{Row: ln, Reason: "malformed CSV: " + pe.Err.Error(),
						Raw: hanzi.ClipBytes(MaskText(strings.TrimRight(physical, "\r")), MaxRawBytes)})
					m.progress(false)
					err = nil
				} else {
					err = feed(ln, []string{physical})
				}
			case err != nil:
				return fmt.Errorf("reading CSV: %w", err)
			default:
				l, _ := cr.FieldPos(0)
				err = feed(line+l-1, cells)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// rawRow renders a row for Rejected: the phone cell masked, phones in every
// other cell masked.
func (m *mapper) rawRow(cells []string, comma rune) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		if m.found && i == m.col[fPhone] {
			out[i] = MaskPhone(c)
		} else {
			out[i] = MaskText(c)
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	if !validComma(comma) {
		w.Comma = ','
	}
	_ = w.Write(out) // a bytes.Buffer does not fail
	w.Flush()
	return strings.TrimRight(b.String(), "\r\n")
}

func newCSVReader(s string, comma rune, lazy bool) *csv.Reader {
	cr := csv.NewReader(strings.NewReader(s))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = lazy
	return cr
}

func validComma(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && r != utf8.RuneError && utf8.ValidRune(r)
}

// skipBlankLines moves off past empty lines, as csv.Reader does.
func skipBlankLines(text string, off, line int) (int, int) {
	for off < len(text) {
		switch {
		case text[off] == '\n':
			off++
		case strings.HasPrefix(text[off:], "\r\n"):
			off += 2
		default:
			return off, line
		}
		line++
	}
	return off, line
}

// sniffComma is the first delimiter under which a header row turns up.
func sniffComma(text string, o Options) rune {
	for _, c := range []rune{',', '\t', ';', '|'} {
		m := newMapper(o)
		cr := newCSVReader(text, c, true)
		for i := 0; i < o.HeaderRows; i++ {
			cells, err := cr.Read()
			if err != nil {
				break
			}
			if _, ok := m.match(cells); ok {
				return c
			}
		}
	}
	return 0
}

func countRecords(text string, comma rune) int {
	n := 0
	cr := newCSVReader(text, comma, true)
	cr.ReuseRecord = true
	for {
		if _, err := cr.Read(); err != nil {
			if err == io.EOF {
				return n
			}
			continue
		}
		n++
	}
}

func firstLine(text string) string {
	text = strings.TrimLeft(text, "\r\n")
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		text = text[:i]
	}
	if text == "" {
		return "the file is empty"
	}
	return fmt.Sprintf("first row: %q", hanzi.ClipBytes(MaskText(text), 200))
}

// decodeText turns the file into UTF-8 text.
func decodeText(data []byte, enc string) (string, error) {
	var e encoding.Encoding
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(enc), "_", "-")) {
	case "":
		switch {
		case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
			return strings.ToValidUTF8(string(data[3:]), "\uFFFD"), nil
		case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
			e = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
		case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
			e = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
		case utf8.Valid(data):
			return string(data), nil
		default:
			e = simplifiedchinese.GB18030
		}
	case "utf-8", "utf8":
		return strings.ToValidUTF8(strings.TrimPrefix(string(data), "\uFEFF"), "\uFFFD"), nil
	case "gb18030", "gbk", "gb2312", "cp936":
		e = simplifiedchinese.GB18030
	case "utf-16le", "utf-16":
		e = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	case "utf-16be":
		e = unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	default:
		return "", fmt.Errorf("unknown encoding %q (want utf-8, gb18030, gbk, utf-16le or utf-16be)", enc)
	}
	out, err := e.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("decoding CSV: %w", err)
	}
	return strings.ToValidUTF8(strings.TrimPrefix(string(out), "\uFEFF"), "\uFFFD"), nil
}
