// Package backfill loads history: mentions exported to files, read as a
// finite source (type "file") by the source Runner, and replayed in event
// time.
//
// A file source reads JSON Lines (one mention per line, as POST
// /api/v1/mentions takes them) or CSV whose header names mention fields
// (id, platform, published_at, text, author_name, url, …; New lists the
// columns). It hands the Runner batches with a cursor, the byte
// offset and line number after the batch, so a backfill that stops (a
// crash, a deploy, Ctrl-C) continues on restart where the log has it: the
// Runner resumes the source from its last cursor event. Lines that are not
// valid mentions become dead letters with their line number and the
// reason; the file goes on. At the end the source returns
// source.ErrEndOfInput and the Runner stops it.
//
// Progress reports how far a file is (bytes, lines, accepted, rejected,
// rate, ETA) and Bar draws it on a terminal. Replay sends mentions spaced as
// they were published, sped up or not.
package backfill

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"yuqing/ingest/source"
	"yuqing/internal/hanzi"
	"yuqing/internal/mention"
)

// Type is the source type of files in sources.yaml.
const Type = "file"

// Formats.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
	FormatTSV   = "tsv" // CSV with tabs
)

// Limits and defaults.
const (
	DefaultBatch = 1000
	MaxBatch     = 100000
	// MaxRecordBytes bounds a line (a CSV record: its lines); a longer one
	// is rejected and skipped.
	MaxRecordBytes = 4 * mention.MaxTextBytes
	// MaxRawBytes bounds the raw line kept in a dead letter.
	MaxRawBytes = 128 << 10
)

const cursorVersion = 1

// Cursor is a file source's position, stored as JSON in source.cursor.v1
// events: {"v":1,"offset":52011,"line":412}.
type Cursor struct {
	V      int   `json:"v"`
	Offset int64 `json:"offset"` // bytes from the start of the file to the next record
	Line   int   `json:"line"`   // lines before Offset
}

// Options are what a sources.yaml entry cannot say.
type Options struct {
	// Progress, when set, is called before every Read with the progress up
	// to the last batch returned (which the Runner has written by then),
	// and once more with Done set at the end of the file.
	Progress func(Progress)
	// Now is the clock (default time.Now): it bounds published_at (a day
	// ahead at most) and times progress.
	Now func() time.Time
}

// Register adds the "file" type to reg.
func Register(reg source.Registry) { RegisterWith(reg, Options{}) }

// RegisterWith adds the "file" type to reg with options (a progress bar for
// the backfill command).
func RegisterWith(reg source.Registry, opt Options) {
	reg[Type] = func(sc source.SourceConfig) (source.Source, error) { return New(sc, opt) }
}

// Source reads one file. It is used by one goroutine at a time.
type Source struct {
	name, path, format     string
	comma                  byte
	batch                  int
	platform, mentionSrc   string
	loc                    *time.Location
	now                    func() time.Time
	progress               func(Progress)
	f                      *os.File
	r                      *bufio.Reader
	size                   int64
	cur                    Cursor
	header                 *header
	eof                    bool
	start                  time.Time
	startOffset            int64
	accepted, rejected     int
	reported, reportedDone bool
}

var _ source.Resumer = (*Source)(nil)

// New builds a file source from its settings:
//
//   - the file: options.path, or url as a path or a file:// URL (note that
//     source.Config.Validate only accepts http(s) URLs, so in sources.yaml
//     write options.path);
//   - options.format: jsonl (also ndjson, json), csv or tsv; default from
//     the extension (.jsonl, .ndjson, .json, .csv, .tsv);
//   - options.batch: items per Read, 1–100000 (default 1000);
//   - options.comma: the CSV delimiter, one character (default "," or tab
//     for tsv);
//   - platform fills a mention's missing platform (unless its id carries
//     one, "weibo:123"); source (default the name) a missing Mention.Source;
//     timezone (default Asia/Shanghai) is the zone of CSV times without one.
//
// CSV columns are mention field names, case-insensitive, "." or "_" for
// nesting: id, platform, source, url, title, text (or content),
// published_at (or time), author_id, author_name, author_followers,
// author_verified, reposts, comments, likes, views (also metrics_…),
// parent_id, root_id, region, lang, drill, raw. Unknown columns are
// ignored; id, a time and text or title are required. Times are RFC 3339,
// "2026-11-23 10:00:05" and other dated forms, or Unix seconds or
// milliseconds; relative times ("5分钟前") are refused.
func New(sc source.SourceConfig, opt Options) (*Source, error) {
	fail := func(format string, args ...any) (*Source, error) {
		return nil, fmt.Errorf("file source %q: %s", sc.Name, fmt.Sprintf(format, args...))
	}
	for k := range sc.Options {
		if !slices.Contains([]string{"path", "format", "batch", "comma"}, k) {
			return fail("unknown option %q (have path, format, batch, comma)", k)
		}
	}
	path, err := Path(sc)
	if err != nil {
		return fail("%v", err)
	}
	format := strings.ToLower(strings.TrimSpace(sc.Options["format"]))
	if format == "" {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".jsonl", ".ndjson", ".json":
			format = FormatJSONL
		case ".csv":
			format = FormatCSV
		case ".tsv":
			format = FormatTSV
		default:
			return fail("cannot tell the format of %s: set options.format to jsonl, csv or tsv", path)
		}
	}
	comma := byte(',')
	switch format {
	case "ndjson", "json", FormatJSONL:
		format = FormatJSONL
	case FormatCSV:
	case FormatTSV:
		format, comma = FormatCSV, '\t'
	default:
		return fail("format %q: want jsonl, csv or tsv", format)
	}
	if c, ok := sc.Options["comma"]; ok {
		if c == `\t` || c == "tab" {
			c = "\t"
		}
		if len(c) != 1 || c[0] == '"' || c[0] == '\r' || c[0] == '\n' || c[0] >= 0x80 {
			return fail("comma %q: want one ASCII character other than a quote or a line end", c)
		}
		comma = c[0]
	}
	batch := DefaultBatch
	if b := strings.TrimSpace(sc.Options["batch"]); b != "" {
		n, err := strconv.Atoi(b)
		if err != nil || n < 1 || n > MaxBatch {
			return fail("batch %q: want a number from 1 to %d", b, MaxBatch)
		}
		batch = n
	}
	if sc.Platform != "" && !slices.Contains(mention.Platforms, sc.Platform) {
		return fail("platform %q is not one of %s", sc.Platform, strings.Join(mention.Platforms, ", "))
	}
	loc, err := sc.Location()
	if err != nil {
		return fail("%v", err)
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	src := sc.Source
	if src == "" {
		src = sc.Name
	}
	return &Source{name: sc.Name, path: path, format: format, comma: comma, batch: batch,
		platform: sc.Platform, mentionSrc: src, loc: loc, now: now, progress: opt.Progress,
		cur: Cursor{V: cursorVersion}}, nil
}

// Path is the file a source config names: options.path, else url as a
// file:// URL or a plain path.
func Path(sc source.SourceConfig) (string, error) {
	if p := strings.TrimSpace(sc.Options["path"]); p != "" {
		return p, nil
	}
	raw := strings.TrimSpace(sc.URL)
	if raw == "" {
		return "", errors.New("no file: set options.path")
	}
	if !strings.Contains(raw, "://") && !strings.HasPrefix(raw, "file:") {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url: %w", err)
	}
	if u.Scheme != "file" {
		return "", fmt.Errorf("url %q: a file source reads local files (a path or file:///path)", source.Redact(raw))
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("url %q: file URLs on another host are not supported", raw)
	}
	p := u.Path
	if p == "" {
		p = u.Opaque // file:relative/path
	}
	if p == "" {
		return "", fmt.Errorf("url %q has no path", raw)
	}
	return filepath.FromSlash(p), nil
}

// Resume continues from a cursor Read returned earlier.
func (s *Source) Resume(cursor string) error {
	var c Cursor
	if err := json.Unmarshal([]byte(cursor), &c); err != nil {
		return fmt.Errorf("file source %q: cursor: %w", s.name, err)
	}
	if c.V != cursorVersion {
		return fmt.Errorf("file source %q: cursor version %d, want %d", s.name, c.V, cursorVersion)
	}
	if c.Offset < 0 || c.Line < 0 {
		return fmt.Errorf("file source %q: cursor %s is negative", s.name, cursor)
	}
	s.cur = c
	return nil
}

// Cursor is the current position, as Read would return it.
func (s *Source) Cursor() string {
	b, _ := json.Marshal(s.cur)
	return string(b)
}

// Connect opens the file, reads a CSV header and goes to the cursor.
func (s *Source) Connect(ctx context.Context) error {
	if s.f != nil {
		s.f.Close()
		s.f, s.r = nil, nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("file source %q: %w", s.name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("file source %q: %w", s.name, err)
	}
	if st.IsDir() {
		f.Close()
		return fmt.Errorf("file source %q: %s is a directory", s.name, s.path)
	}
	s.f, s.size = f, st.Size()
	if s.cur.Offset > s.size {
		s.Close(ctx)
		return fmt.Errorf("file source %q: %s is %d bytes, shorter than the cursor's offset %d: the file was replaced; give the source a new name to read it from the start",
			s.name, s.path, s.size, s.cur.Offset)
	}
	s.r = bufio.NewReaderSize(f, 256<<10)
	if s.format == FormatCSV {
		if err := s.readHeader(); err != nil {
			s.Close(ctx)
			return fmt.Errorf("file source %q: %s: %w", s.name, s.path, err)
		}
	}
	if err := s.seek(s.cur); err != nil {
		s.Close(ctx)
		return fmt.Errorf("file source %q: %w", s.name, err)
	}
	s.eof = s.cur.Offset == s.size
	if !s.reported {
		s.start, s.startOffset = s.now(), s.cur.Offset
	}
	return nil
}

func (s *Source) seek(c Cursor) error {
	if _, err := s.f.Seek(c.Offset, io.SeekStart); err != nil {
		return err
	}
	s.r.Reset(s.f)
	s.cur = c
	return nil
}

// Close closes the file.
func (s *Source) Close(context.Context) error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f, s.r = nil, nil
	return err
}

// Read returns the next batch of up to options.batch items, with its
// cursor, or source.ErrEndOfInput after the last one.
func (s *Source) Read(ctx context.Context) (source.Batch, error) {
	if s.r == nil {
		return source.Batch{}, fmt.Errorf("file source %q: %w", s.name, source.ErrNotConnected)
	}
	if err := ctx.Err(); err != nil {
		return source.Batch{}, err
	}
	if s.eof {
		s.report(true)
		return source.Batch{}, source.ErrEndOfInput
	}
	s.report(false)
	from := s.cur
	now := s.now()
	var b source.Batch
	for b.Len() < s.batch {
		rec, err := s.next()
		if err == io.EOF {
			s.eof = true
			break
		}
		if err != nil {
			// Put the batch back: nothing of it was handed out.
			if serr := s.seek(from); serr != nil {
				return source.Batch{}, fmt.Errorf("file source %q: %w (and going back: %v)", s.name, err, serr)
			}
			return source.Batch{}, source.Retryable(fmt.Errorf("file source %q: reading line %d: %w", s.name, s.cur.Line+1, err))
		}
		if rec.blank {
			continue
		}
		m, err := s.decode(rec, now)
		if errors.Is(err, errBlankRow) {
			continue
		}
		if err != nil {
			raw := strings.ToValidUTF8(hanzi.ClipBytes(string(rec.data), MaxRawBytes), "\uFFFD")
			b.Rejected = append(b.Rejected, mention.Rejected{Index: rec.line, Reason: fmt.Sprintf("line %d: %v", rec.line, err), Raw: raw})
			continue
		}
		b.Mentions = append(b.Mentions, m)
	}
	if b.Len() == 0 && s.eof {
		s.report(true)
		return source.Batch{}, source.ErrEndOfInput
	}
	s.accepted += len(b.Mentions)
	s.rejected += len(b.Rejected)
	b.Cursor = s.Cursor()
	b.More = true // read again at once: the end is said by ErrEndOfInput
	return b, nil
}

// record is one line (one CSV record: its lines) as read.
type record struct {
	data  []byte // without the line end; the BOM of the file dropped
	line  int    // its first line, from 1
	long  bool   // longer than MaxRecordBytes: data is its beginning
	blank bool
}

// next reads the record at the cursor and moves past it.
func (s *Source) next() (record, error) {
	rec := record{line: s.cur.Line + 1}
	atStart := s.cur.Offset == 0
	var q quoteState
	q.reset()
	lines, n := 0, int64(0)
	for {
		line, m, long, err := s.readLine()
		if err == io.EOF && lines > 0 {
			break // a CSV record with an open quote at the end of the file
		}
		if err != nil {
			return record{}, err
		}
		lines++
		n += int64(m)
		if room := MaxRecordBytes - len(rec.data); len(line) > room {
			line, long = line[:max(room, 0)], true
		}
		rec.data = append(rec.data, line...) // a long record keeps its beginning, for the dead letter
		rec.long = rec.long || long
		if s.format != FormatCSV || long {
			break
		}
		q.scan(line, s.comma)
		if !q.quoted || rec.long {
			break
		}
	}
	s.cur.Offset += n
	s.cur.Line += lines
	if atStart {
		rec.data = bytes.TrimPrefix(rec.data, []byte("\uFEFF"))
	}
	rec.data = bytes.TrimRight(rec.data, "\r\n")
	rec.blank = !rec.long && len(bytes.TrimSpace(rec.data)) == 0
	return rec, nil
}

// readLine reads through the next '\n' (or to the end of the file). It
// returns at most MaxRecordBytes of it, the bytes consumed, whether it was
// longer, and io.EOF only when nothing was left.
func (s *Source) readLine() (line []byte, n int, long bool, err error) {
	for {
		frag, err := s.r.ReadSlice('\n')
		n += len(frag)
		if room := MaxRecordBytes - len(line); len(frag) <= room {
			line = append(line, frag...)
		} else {
			long = true
			line = append(line, frag[:max(room, 0)]...)
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && n > 0:
			return line, n, long, nil
		case err != nil:
			return nil, n, false, err
		}
		return line, n, long, nil
	}
}

func (s *Source) decode(rec record, now time.Time) (mention.Mention, error) {
	if rec.long {
		return mention.Mention{}, fmt.Errorf("more than %d bytes (a CSV quote that is never closed?)", MaxRecordBytes)
	}
	if s.format == FormatCSV {
		return s.header.mention(rec, s, now)
	}
	return decodeJSON(rec.data, s.platform, s.mentionSrc, now)
}

// decodeJSON is mention.Decode with the source's defaults filled in.
func decodeJSON(raw []byte, platform, src string, now time.Time) (mention.Mention, error) {
	m, err := mention.Unmarshal(raw)
	if err != nil {
		return m, err
	}
	return complete(m, platform, src, now)
}

// complete fills the defaults, normalises and validates.
func complete(m mention.Mention, platform, src string, now time.Time) (mention.Mention, error) {
	if strings.TrimSpace(m.Platform) == "" {
		m.Platform = platform
		if p, _, ok := strings.Cut(strings.TrimSpace(m.ID), ":"); ok && slices.Contains(mention.Platforms, strings.ToLower(p)) {
			m.Platform = p
		}
	}
	if strings.TrimSpace(m.Source) == "" {
		m.Source = src
	}
	m.Normalize()
	if err := m.Validate(now); err != nil {
		return mention.Mention{}, err
	}
	return m, nil
}

// ReadAll reads a whole file as its source would (without a cursor):
// every valid mention and every rejected line. For Replay, which wants the
// mentions in the order they were published, sort them.
func ReadAll(ctx context.Context, sc source.SourceConfig, opt Options) ([]mention.Mention, []mention.Rejected, error) {
	s, err := New(sc, opt)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Connect(ctx); err != nil {
		return nil, nil, err
	}
	defer s.Close(ctx)
	var good []mention.Mention
	var bad []mention.Rejected
	for {
		b, err := s.Read(ctx)
		if errors.Is(err, source.ErrEndOfInput) {
			return good, bad, nil
		}
		if err != nil {
			return good, bad, err
		}
		good = append(good, b.Mentions...)
		bad = append(bad, b.Rejected...)
	}
}
