package backfill

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"yuqing/ingest/normalize"
	"yuqing/internal/hanzi"
	"yuqing/internal/mention"
)

// Fields a CSV column can fill.
const (
	colID = iota
	colPlatform
	colSource
	colURL
	colTitle
	colText
	colPublished
	colAuthorID
	colAuthorName
	colFollowers
	colVerified
	colReposts
	colComments
	colLikes
	colViews
	colParent
	colRoot
	colRegion
	colLang
	colDrill
	colRaw
	numCols
)

// columnNames maps a header name (lower case, "." and "-" and spaces made
// "_") to its field; the rank breaks ties between two columns of a field:
// lower wins.
var columnNames = map[string]struct{ col, rank int }{
	"id": {colID, 0}, "platform": {colPlatform, 0}, "source": {colSource, 0}, "url": {colURL, 0},
	"title": {colTitle, 0}, "text": {colText, 0}, "content": {colText, 1},
	"published_at": {colPublished, 0}, "time": {colPublished, 1},
	"author_id": {colAuthorID, 0}, "author_name": {colAuthorName, 0}, "author": {colAuthorName, 1},
	"author_followers": {colFollowers, 0}, "followers": {colFollowers, 1},
	"author_verified": {colVerified, 0}, "verified": {colVerified, 1},
	"metrics_reposts": {colReposts, 0}, "reposts": {colReposts, 1},
	"metrics_comments": {colComments, 0}, "comments": {colComments, 1},
	"metrics_likes": {colLikes, 0}, "likes": {colLikes, 1},
	"metrics_views": {colViews, 0}, "views": {colViews, 1},
	"parent_id": {colParent, 0}, "root_id": {colRoot, 0}, "region": {colRegion, 0},
	"lang": {colLang, 0}, "drill": {colDrill, 0}, "raw": {colRaw, 0},
}

// header is a CSV file's header row mapped to fields.
type header struct {
	names []string     // as written
	col   [numCols]int // index of each field's column, -1 if none
}

// errBlankRow: a row whose every field is empty; skipped like a blank line.
var errBlankRow = errors.New("blank row")

// parseHeader maps a CSV header row to mention fields. It fails when the
// row has no id column, no published_at (or time) column, or neither text
// nor title.
func parseHeader(names []string) (*header, error) {
	h := &header{names: names}
	rank := [numCols]int{}
	for i := range h.col {
		h.col[i], rank[i] = -1, 1<<30
	}
	for j, n := range names {
		key := strings.Map(func(r rune) rune {
			switch {
			case r == '.' || r == '-' || unicode.IsSpace(r):
				return '_'
			case r == '\uFEFF':
				return -1
			}
			return unicode.ToLower(r)
		}, strings.TrimSpace(n))
		c, ok := columnNames[key]
		if ok && c.rank < rank[c.col] {
			h.col[c.col], rank[c.col] = j, c.rank
		}
	}
	var missing []string
	if h.col[colID] < 0 {
		missing = append(missing, "id")
	}
	if h.col[colPublished] < 0 {
		missing = append(missing, "published_at (or time)")
	}
	if h.col[colText] < 0 && h.col[colTitle] < 0 {
		missing = append(missing, "text or title")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the header row %q has no %s column: the first line must name the columns after mention fields (id,platform,published_at,text,author_name,url,…)",
			hanzi.ClipBytes(strings.Join(names, string(',')), 200), strings.Join(missing, ", "))
	}
	return h, nil
}

// readHeader reads the first record of the file as the header and leaves
// the cursor after it if it was before.
func (s *Source) readHeader() error {
	want := s.cur
	if err := s.seek(Cursor{V: cursorVersion}); err != nil {
		return err
	}
	for {
		rec, err := s.next()
		if err == io.EOF {
			return errors.New("no header row: the file is empty")
		}
		if err != nil {
			return err
		}
		if rec.blank {
			continue
		}
		if rec.long {
			return fmt.Errorf("the header row is more than %d bytes", MaxRecordBytes)
		}
		fields, err := parseRecord(rec, s.comma)
		if err != nil {
			return fmt.Errorf("header row: %w", err)
		}
		h, err := parseHeader(fields)
		if err != nil {
			return err
		}
		s.header = h
		break
	}
	if want.Offset > s.cur.Offset {
		s.cur = want
	}
	return nil
}

// parseRecord splits one CSV record.
func parseRecord(rec record, comma byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(rec.data))
	r.Comma = rune(comma)
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err == io.EOF {
		return nil, errBlankRow
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if pe.Line <= 1 {
			return nil, fmt.Errorf("column %d: %w", pe.Column, pe.Err)
		}
		return nil, fmt.Errorf("line %d, column %d: %w", rec.line+pe.Line-1, pe.Column, pe.Err)
	}
	if err != nil {
		return nil, err
	}
	if _, err := r.Read(); err != io.EOF {
		return nil, errors.New("more than one record on the line")
	}
	return fields, nil
}

// mention makes one CSV record a mention.
func (h *header) mention(rec record, s *Source, now time.Time) (mention.Mention, error) {
	fields, err := parseRecord(rec, s.comma)
	if err != nil {
		return mention.Mention{}, err
	}
	blank := true
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			blank = false
			break
		}
	}
	if blank {
		return mention.Mention{}, errBlankRow
	}
	var errs []error
	if len(fields) > len(h.names) {
		for _, f := range fields[len(h.names):] {
			if strings.TrimSpace(f) != "" {
				errs = append(errs, fmt.Errorf("the row has %d fields but the header %d (an unquoted comma in the text?)", len(fields), len(h.names)))
				break
			}
		}
	}
	get := func(c int) string {
		if j := h.col[c]; j >= 0 && j < len(fields) {
			return strings.TrimSpace(fields[j])
		}
		return ""
	}
	num := func(c int) int64 {
		v := strings.ReplaceAll(get(c), ",", "")
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			if f, ferr := strconv.ParseFloat(v, 64); ferr == nil && f == float64(int64(f)) {
				return int64(f) // "12.0" from a spreadsheet
			}
			errs = append(errs, fmt.Errorf("column %q: %q is not a whole number", h.names[h.col[c]], hanzi.ClipBytes(v, 40)))
		}
		return n
	}
	flag := func(c int) bool {
		switch strings.ToLower(get(c)) {
		case "", "0", "false", "f", "no", "n", "否":
			return false
		case "1", "true", "t", "yes", "y", "是":
			return true
		}
		errs = append(errs, fmt.Errorf("column %q: %q is not true or false", h.names[h.col[c]], hanzi.ClipBytes(get(c), 40)))
		return false
	}
	m := mention.Mention{
		ID:       get(colID),
		Platform: get(colPlatform),
		Source:   get(colSource),
		URL:      get(colURL),
		Title:    fieldText(fields, h.col[colTitle]),
		Text:     fieldText(fields, h.col[colText]),
		Author: mention.Author{
			ID:        get(colAuthorID),
			Name:      get(colAuthorName),
			Followers: num(colFollowers),
			Verified:  flag(colVerified),
		},
		Metrics:  mention.Metrics{Reposts: num(colReposts), Comments: num(colComments), Likes: num(colLikes), Views: num(colViews)},
		ParentID: get(colParent),
		RootID:   get(colRoot),
		Region:   get(colRegion),
		Lang:     get(colLang),
		Drill:    flag(colDrill),
	}
	if v := get(colPublished); v != "" {
		t, err := parseTime(v, s.loc, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("column %q: %w", h.names[h.col[colPublished]], err))
		}
		m.PublishedAt = t
	}
	if v := get(colRaw); v != "" {
		if !json.Valid([]byte(v)) {
			errs = append(errs, fmt.Errorf("column %q is not JSON", h.names[h.col[colRaw]]))
		} else {
			m.Raw = json.RawMessage(v)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return mention.Mention{}, err
	}
	return complete(m, s.platform, s.mentionSrc, now)
}

// fieldText is a text field as written, line ends made \n.
func fieldText(fields []string, j int) string {
	if j < 0 || j >= len(fields) {
		return ""
	}
	return strings.ReplaceAll(fields[j], "\r\n", "\n")
}

// parseTime reads a CSV time: RFC 3339, a dated form normalize.TimeAt reads
// ("2026-11-23 10:00:05", "2026/11/23 10:00", "2026年11月23日 10:00"), or
// Unix seconds or milliseconds. A time that depends on when it is read
// (relative, or without a year) is refused: a backfill file is old.
func parseTime(v string, loc *time.Location, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	digits := strings.TrimLeft(v, "0123456789")
	if len(v)-len(digits) < 4 {
		return time.Time{}, fmt.Errorf("%q is not a dated time (want 2026-11-23 10:00:05, RFC 3339 or Unix seconds)", hanzi.ClipBytes(v, 40))
	}
	t, err := normalize.TimeAt(v, nil, loc, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a time: want 2026-11-23 10:00:05, RFC 3339 or Unix seconds", hanzi.ClipBytes(v, 40))
	}
	return t, nil
}

// quoteState follows CSV quoting across the lines of a record, to find
// where the record ends: a line end inside a quoted field is part of it.
type quoteState struct {
	quoted     bool // inside a quoted field
	fieldStart bool // at the first byte of a field
}

func (q *quoteState) reset() { *q = quoteState{fieldStart: true} }

// scan advances over one line, its line end included.
func (q *quoteState) scan(line []byte, comma byte) {
	for i := 0; i < len(line); i++ {
		c := line[i]
		if q.quoted {
			if c == '"' {
				if i+1 < len(line) && line[i+1] == '"' {
					i++ // an escaped quote
					continue
				}
				q.quoted = false
			}
			continue
		}
		switch {
		case c == '"' && q.fieldStart:
			q.quoted, q.fieldStart = true, false
		case c == comma || c == '\n':
			q.fieldStart = true
		default:
			q.fieldStart = false
		}
	}
}
