package hotline

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"yuqing/internal/hanzi"
)

// ReadXLSX reads an XLSX workbook (with excelize): the sheet named by
// Options.Sheet, else the first visible sheet, else the first. Cells count
// by what they hold, not by what their number format shows: shared, inline
// and rich strings (phonetic runs left out, _x000D_ escapes decoded),
// numbers (2.0261123000123E+13 is the id 20261123000123), booleans as TRUE
// and FALSE, formulas by their cached value, and dates as serial numbers,
// which a time column reads in the workbook's 1900 or 1904 date system
// (see ParseTime). Rows missing from the sheet count as empty. Rejected.Row
// is the sheet row number.
//
// Options.MaxBytes bounds the decompressed size of the whole workbook;
// a larger one is refused before anything is decompressed.
//
// err is non-nil only when the workbook as a whole cannot be read; records
// and rejected then hold what was read before.
func ReadXLSX(r io.ReaderAt, size int64, opts Options) (records []Record, rejected []Rejected, err error) {
	o := opts.withDefaults()
	if err := checkUnzipSize(r, size, o.MaxBytes); err != nil {
		return nil, nil, err
	}
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		UnzipSizeLimit: o.MaxBytes,
		// Parts larger than this are unzipped to a temporary file (removed
		// by Close) rather than held in memory.
		UnzipXMLSizeLimit: min(o.MaxBytes, excelize.StreamChunkSize),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("not an XLSX workbook: %w", err)
	}
	defer f.Close()
	// Read what cells hold, not what their number formats show: excelize
	// formats a value only through the workbook's cell formats. A date
	// stays a serial number that keeps its time of day whatever the format
	// displays ("yyyy年m月d日" or "m/d/yy"), and an id formatted "#,##0"
	// keeps its digits. (RawCellValue would do this too, but it also gives
	// booleans as 1/0 and leaves numbers in E notation, indistinguishable
	// from text then.)
	if f.Styles != nil {
		f.Styles.CellXfs = nil
	}
	sheet, err := pickSheet(f, o.Sheet)
	if err != nil {
		return nil, nil, err
	}
	m := newMapper(o)
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		m.date1904 = *p.Date1904
	}
	if ref, err := f.GetSheetDimension(sheet); err == nil && ref != "" {
		last := ref[strings.LastIndexByte(ref, ':')+1:]
		if _, row, err := excelize.CellNameToCoordinates(last); err == nil {
			m.lastRow = row
		}
	}
	err = m.readSheet(f, sheet)
	if err == nil && !m.found {
		err = fmt.Errorf("%w: no row of sheet %q has an order id and a received time column", errNoHeader, sheet)
	}
	m.progress(true)
	return m.records, m.rejected, err
}

var errTooBig = errors.New("workbook is too big")

// checkUnzipSize refuses a workbook whose parts decompress to more than max
// bytes in all, by their sizes in the zip directory (archive/zip fails a
// part that inflates to more than its recorded size).
func checkUnzipSize(r io.ReaderAt, size, max int64) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return fmt.Errorf("not an XLSX workbook: %w", err)
	}
	var n uint64
	for _, f := range zr.File {
		if n += f.UncompressedSize64; n > uint64(max) || n < f.UncompressedSize64 {
			return fmt.Errorf("%w: it decompresses to more than %d bytes", errTooBig, max)
		}
	}
	return nil
}

// pickSheet returns the sheet named want, or without a name the first
// visible sheet, else the first.
func pickSheet(f *excelize.File, want string) (string, error) {
	names := f.GetSheetList()
	if want != "" {
		for _, n := range names {
			if n == want {
				return n, nil
			}
		}
		return "", fmt.Errorf("the workbook has no sheet %q (sheets: %s)", want, strings.Join(names, ", "))
	}
	for _, n := range names {
		if visible, err := f.GetSheetVisible(n); err == nil && visible {
			return n, nil
		}
	}
	if len(names) > 0 {
		return names[0], nil
	}
	return "", errors.New("not an XLSX workbook: it has no sheet")
}

// readSheet streams the rows of sheet into m, every row number from the
// first on, those missing from the sheet as empty rows.
func (m *mapper) readSheet(f *excelize.File, sheet string) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return fmt.Errorf("reading sheet %q: %w", sheet, err)
	}
	defer rows.Close()
	for row := 1; rows.Next(); row++ {
		cells, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("reading sheet %q, row %d: %w", sheet, row, err)
		}
		if err := m.feedXLSX(row, cells); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return fmt.Errorf("reading sheet %q: %w", sheet, err)
	}
	return nil
}

func (m *mapper) feedXLSX(row int, cells []string) error {
	found := m.found
	err := m.feed(row, cells, func() string { return m.rawRow(cells, ',') })
	if errors.Is(err, errNoHeader) {
		return fmt.Errorf("%w: none of the first %d rows has an order id and a received time column (first row: %q)", errNoHeader, m.o.HeaderRows, hanzi.ClipBytes(MaskText(strings.Join(m.header, ",")), 200))
	}
	if !found && m.found && m.lastRow > row {
		m.total = m.lastRow - row
	}
	return err
}
