// Package hotline reads work orders (工单) exported by the 12345 hotline and
// by online message boards (留言板): CSV files (UTF-8 with or without BOM,
// GB18030/GBK, UTF-16 with BOM), XLSX workbooks, and JSON webhook bodies.
//
// Exports name their columns differently from one system to the next
// (工单编号/工单号/编号, 受理时间/来电时间/登记时间 …). The header row is found
// by matching cells against synonyms (Columns, configurable) in the first
// rows of the file, so a title line above the header is fine. Times without
// a zone are civil times in Asia/Shanghai; Excel serial dates are accepted.
// Categories are normalised to the canonical set (see NormalizeCategory).
//
// Caller phone numbers are masked as soon as they are read (138****0000) and
// are never kept in clear: not in Record.Phone, not in Rejected.Raw, and
// mobile numbers written into the title, content or answer are masked too.
//
// A bad row never fails a file: it goes to Rejected with its row number, the
// reason and the (masked) raw row. Only a file that cannot be read at all
// (not a workbook, no header row, too big) returns an error.
package hotline

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"yuqing/internal/clock"
	"yuqing/internal/hanzi"
	"yuqing/internal/mention"
)

// Channels.
const (
	Channel12345        = "12345"
	ChannelMessageBoard = "留言板"
)

// Limits.
const (
	// MaxOrderIDBytes bounds an order id (mention ids are at most 256 bytes
	// with their platform prefix).
	MaxOrderIDBytes = 128
	// MaxRawBytes bounds Rejected.Raw.
	MaxRawBytes = 4 << 10
	// DefaultMaxBytes bounds a CSV file and the decompressed size of an
	// XLSX workbook (all its parts) unless Options.MaxBytes says otherwise.
	DefaultMaxBytes = 256 << 20
)

// Record is one work order as the export had it, cleaned: trimmed, the
// category normalised, times in Asia/Shanghai, the phone masked.
type Record struct {
	OrderID    string    `json:"order_id"`
	ReceivedAt time.Time `json:"received_at"`
	Channel    string    `json:"channel"` // 12345 or 留言板 (or what a webhook said)
	Category   string    `json:"category"`
	Locality   string    `json:"locality,omitempty"`
	Unit       string    `json:"unit,omitempty"`
	Status     string    `json:"status,omitempty"`
	Title      string    `json:"title,omitempty"`
	Text       string    `json:"text,omitempty"`
	Phone      string    `json:"phone,omitempty"` // masked: 138****0000
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	Answer     string    `json:"answer,omitempty"`
}

// Rejected is a row that did not make a Record.
type Rejected struct {
	// Row is where it was: the 1-based line a CSV record starts on, the
	// sheet row number of an XLSX row (as Excel shows it), or the 0-based
	// index of an item in a JSON array (0 for a single object).
	Row    int    `json:"row"`
	Reason string `json:"reason"`
	Raw    string `json:"raw"` // the row as read, phones masked, at most MaxRawBytes
}

// Platform is the mention platform of a channel: "messageboard" for 留言板,
// "hotline" for anything else.
func Platform(channel string) string {
	if normalizeChannel(channel, "") == ChannelMessageBoard {
		return "messageboard"
	}
	return "hotline"
}

// Mention is the record as a mention: ID platform:order id, published when
// received, the text title + content. The phone is never part of it.
func (r Record) Mention() mention.Mention {
	audit := struct {
		OrderID    string    `json:"order_id"`
		Channel    string    `json:"channel"`
		Category   string    `json:"category"`
		Locality   string    `json:"locality,omitempty"`
		Unit       string    `json:"unit,omitempty"`
		Status     string    `json:"status,omitempty"`
		ReceivedAt time.Time `json:"received_at"`
		AnsweredAt time.Time `json:"answered_at,omitzero"`
		Answer     string    `json:"answer,omitempty"`
	}{r.OrderID, r.Channel, r.Category, r.Locality, r.Unit, r.Status, r.ReceivedAt, r.AnsweredAt, r.Answer}
	raw, _ := json.Marshal(audit) // plain strings and times: cannot fail
	m := mention.Mention{
		ID:          r.OrderID,
		Platform:    Platform(r.Channel),
		Source:      r.Channel,
		Text:        joinText(r.Title, r.Text),
		PublishedAt: r.ReceivedAt,
		Region:      r.Locality,
		Lang:        "zh",
		Raw:         raw,
	}
	m.Normalize()
	return m
}

func joinText(title, text string) string {
	switch {
	case title == "":
		return text
	case text == "":
		return title
	}
	return title + "\n" + text
}

// Columns lists, for each field, the header names that mean it, best first:
// when two columns match one field, the one matching the earlier name wins.
// Names are compared after dropping spaces, '*', a trailing colon and
// parenthesised notes, ignoring case: "受理时间（必填）" matches "受理时间".
// A nil list means the default list for that field; to add a name, append
// to DefaultColumns().
type Columns struct {
	OrderID    []string `yaml:"order_id" json:"order_id"`
	ReceivedAt []string `yaml:"received_at" json:"received_at"`
	Channel    []string `yaml:"channel" json:"channel"`
	Category   []string `yaml:"category" json:"category"`
	Locality   []string `yaml:"locality" json:"locality"`
	Unit       []string `yaml:"unit" json:"unit"`
	Status     []string `yaml:"status" json:"status"`
	Title      []string `yaml:"title" json:"title"`
	Text       []string `yaml:"text" json:"text"`
	Phone      []string `yaml:"phone" json:"phone"`
	AnsweredAt []string `yaml:"answered_at" json:"answered_at"`
	Answer     []string `yaml:"answer" json:"answer"`
}

// DefaultColumns are the names seen in 12345 and message-board exports, and
// the snake_case JSON names. Channel has no Chinese default: a 来源/渠道
// column usually says 电话/网站/微信, not which system the order is in.
func DefaultColumns() Columns {
	return Columns{
		OrderID:    []string{"工单编号", "工单号", "工单编码", "留言编号", "受理编号", "编号", "order_id"},
		ReceivedAt: []string{"受理时间", "来电时间", "登记时间", "留言时间", "创建时间", "提交时间", "received_at"},
		Channel:    []string{"channel"},
		Category:   []string{"诉求类型", "工单类型", "诉求类别", "类别", "类型", "留言类型", "category"},
		Locality:   []string{"区县", "所属区县", "所属区域", "区域", "所属地区", "属地", "街道", "所属街道", "locality"},
		Unit:       []string{"承办单位", "办理单位", "主办单位", "处理单位", "责任单位", "unit"},
		Status:     []string{"状态", "办理状态", "工单状态", "处理状态", "status"},
		Title:      []string{"标题", "诉求标题", "工单标题", "留言标题", "主题", "title"},
		Text:       []string{"诉求内容", "来电内容", "留言内容", "工单内容", "反映内容", "内容", "text", "content"},
		Phone:      []string{"来电号码", "联系电话", "联系方式", "手机号码", "电话", "phone"},
		AnsweredAt: []string{"回复时间", "答复时间", "办结时间", "answered_at"},
		Answer:     []string{"回复内容", "答复内容", "办理结果", "处理结果", "answer"},
	}
}

// Fields, in the order of Columns.
const (
	fOrderID = iota
	fReceivedAt
	fChannel
	fCategory
	fLocality
	fUnit
	fStatus
	fTitle
	fText
	fPhone
	fAnsweredAt
	fAnswer
	numFields
)

var fieldNames = [numFields]string{"order id", "received time", "channel", "category", "locality", "unit", "status", "title", "content", "phone", "answer time", "answer"}

func (c Columns) lists() [numFields][]string {
	d := DefaultColumns()
	pick := func(a, b []string) []string {
		if a != nil {
			return a
		}
		return b
	}
	return [numFields][]string{
		pick(c.OrderID, d.OrderID), pick(c.ReceivedAt, d.ReceivedAt), pick(c.Channel, d.Channel),
		pick(c.Category, d.Category), pick(c.Locality, d.Locality), pick(c.Unit, d.Unit),
		pick(c.Status, d.Status), pick(c.Title, d.Title), pick(c.Text, d.Text), pick(c.Phone, d.Phone),
		pick(c.AnsweredAt, d.AnsweredAt), pick(c.Answer, d.Answer),
	}
}

// Options tune the readers. The zero value reads a 12345 export.
type Options struct {
	Columns Columns
	// Channel of every record whose row does not say: 12345 (default) or 留言板.
	Channel string
	// DefaultCategory for rows without one; default 留言 for message
	// boards and 其他 otherwise.
	DefaultCategory string
	// Categories maps extra category names to canonical ones, consulted
	// before the built-in synonyms: {"城建类": "投诉"}.
	Categories map[string]string
	// Location of times without a zone; default Asia/Shanghai (clock.Shanghai).
	Location *time.Location
	// Now bounds received times (more than a day ahead is refused);
	// default time.Now.
	Now func() time.Time
	// HeaderRows is how many rows from the top may precede and include the
	// header; default 10.
	HeaderRows int
	// Sheet names the XLSX sheet to read; default the first visible one.
	Sheet string
	// Encoding forces the CSV encoding: "utf-8", "gb18030" (or "gbk"),
	// "utf-16le", "utf-16be". Default: a BOM decides, else UTF-8 if the
	// bytes are valid UTF-8, else GB18030.
	Encoding string
	// Comma forces the CSV delimiter; default the first of , \t ; | that
	// yields a header row.
	Comma rune
	// MaxBytes bounds a CSV file and the decompressed size of an XLSX
	// workbook (all its parts); default DefaultMaxBytes.
	MaxBytes int64
	// Progress, when set, is called every ProgressEvery data rows (default
	// 1000) and once at the end with the rows done so far and the expected
	// total (0 when unknown; it can be off by blank rows in XLSX).
	Progress      func(done, total int)
	ProgressEvery int
}

func (o Options) withDefaults() Options {
	o.Channel = normalizeChannel(o.Channel, Channel12345)
	if o.Location == nil {
		o.Location = clock.Shanghai()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HeaderRows <= 0 {
		o.HeaderRows = 10
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 1000
	}
	return o
}

func normalizeChannel(v, def string) string {
	v = clean(v)
	l := strings.ToLower(v)
	switch {
	case v == "":
		return def
	case l == "hotline" || strings.Contains(v, "12345") || strings.Contains(v, "热线"):
		return Channel12345
	case l == "messageboard" || l == "message_board" || strings.Contains(v, "留言"):
		return ChannelMessageBoard
	}
	return v
}

// clean trims spaces (including U+3000 and NBSP), BOMs and zero-width
// characters, makes line ends \n and drops other control characters.
func clean(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B' || r == '\u200C' || r == '\u200D' || r == '\u2060'
	})
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' || r == 0x7f || r == utf8.RuneError }) {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\t' || r == '\n':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// normHeader is the form header cells and names are compared in.
func normHeader(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '（' || r == '[' || r == '【':
			depth++
		case r == ')' || r == '）' || r == ']' || r == '】':
			if depth > 0 {
				depth--
			}
		case depth > 0, unicode.IsSpace(r), r == '*', r == '＊', r == '\uFEFF', r == '\u200B', unicode.IsControl(r):
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return strings.TrimRight(b.String(), ":：")
}

// mapper turns rows into records: finds the header, maps columns, checks
// every row.
type mapper struct {
	o         Options
	now       time.Time
	names     [numFields][]string // normalised synonyms
	col       [numFields]int      // column of each field, -1 if none
	header    []string            // the header row as read
	headerRow int
	found     bool
	date1904  bool
	checkLen  bool // CSV: a row with more non-empty fields than the header is shifted
	seen      map[string]int
	records   []Record
	rejected  []Rejected
	done      int
	total     int
	lastRow   int // XLSX: the last row of <dimension>
	scanned   int
}

func newMapper(o Options) *mapper {
	m := &mapper{o: o, now: o.Now(), seen: map[string]int{}}
	for f, l := range o.Columns.lists() {
		for _, n := range l {
			if n = normHeader(n); n != "" {
				m.names[f] = append(m.names[f], n)
			}
		}
	}
	return m
}

// match maps header cells to fields; it reports whether the row has the
// order id and received time columns a header needs.
func (m *mapper) match(cells []string) (col [numFields]int, ok bool) {
	rank := [numFields]int{}
	for f := range col {
		col[f], rank[f] = -1, 1<<30
	}
	for j, c := range cells {
		h := normHeader(c)
		if h == "" {
			continue
		}
		for f, names := range m.names {
			for k, n := range names {
				if n == h && k < rank[f] {
					col[f], rank[f] = j, k
				}
			}
		}
	}
	return col, col[fOrderID] >= 0 && col[fReceivedAt] >= 0
}

var errNoHeader = errors.New("no header row")

// feed takes one row; raw renders it for Rejected. It returns errNoHeader
// when HeaderRows rows went by without a header.
func (m *mapper) feed(row int, cells []string, raw func() string) error {
	if !m.found {
		if allEmpty(cells) {
			return nil
		}
		if col, ok := m.match(cells); ok {
			m.col, m.found, m.headerRow = col, true, row
			m.header = append([]string(nil), cells...)
			return nil
		}
		if m.scanned++; m.scanned >= m.o.HeaderRows {
			return errNoHeader
		}
		if len(m.header) == 0 {
			m.header = append([]string(nil), cells...) // for the error message
		}
		return nil
	}
	m.done++
	defer m.progress(false)
	if allEmpty(cells) || m.isHeader(cells) {
		return nil
	}
	rec, reasons := m.record(cells)
	if len(reasons) == 0 {
		if first, dup := m.seen[rec.OrderID]; dup {
			reasons = append(reasons, fmt.Sprintf("duplicate order id %q (first at row %d)", rec.OrderID, first))
		}
	}
	if len(reasons) > 0 {
		m.rejected = append(m.rejected, Rejected{Row: row, Reason: strings.Join(reasons, "; "), Raw: hanzi.ClipBytes(raw(), MaxRawBytes)})
		return nil
	}
	m.seen[rec.OrderID] = row
	m.records = append(m.records, rec)
	return nil
}

func (m *mapper) progress(final bool) {
	if m.o.Progress == nil || (!final && m.done%m.o.ProgressEvery != 0) {
		return
	}
	total := m.total
	if final && total < m.done && total != 0 {
		total = m.done
	}
	m.o.Progress(m.done, total)
}

func (m *mapper) isHeader(cells []string) bool {
	if len(cells) > len(m.header) {
		return false
	}
	for i, c := range cells {
		if normHeader(c) != normHeader(m.header[i]) {
			return false
		}
	}
	return true
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

func (m *mapper) cell(cells []string, f int) string {
	if j := m.col[f]; j >= 0 && j < len(cells) {
		return cells[j]
	}
	return ""
}

// colName is the header of field f as the file spelled it.
func (m *mapper) colName(f int) string {
	if j := m.col[f]; j >= 0 && j < len(m.header) {
		return clean(m.header[j])
	}
	return fieldNames[f]
}

func (m *mapper) record(cells []string) (Record, []string) {
	var vals [numFields]string
	for f := range vals {
		vals[f] = m.cell(cells, f)
	}
	var reasons []string
	if m.checkLen && len(cells) > len(m.header) {
		for _, c := range cells[len(m.header):] {
			if clean(c) != "" {
				reasons = append(reasons, fmt.Sprintf("row has %d fields but the header has %d (an unquoted delimiter or quote in the content?)", len(cells), len(m.header)))
				break
			}
		}
	}
	rec, more := build(vals, m.o, m.now, m.date1904, m.colName)
	return rec, append(reasons, more...)
}

// build checks and cleans one row's values. name gives a field's column
// name for reasons.
func build(v [numFields]string, o Options, now time.Time, date1904 bool, name func(int) string) (Record, []string) {
	var reasons []string
	for f := range v {
		v[f] = clean(v[f])
	}
	r := Record{
		OrderID:  v[fOrderID],
		Channel:  normalizeChannel(v[fChannel], o.Channel),
		Locality: v[fLocality],
		Unit:     v[fUnit],
		Status:   v[fStatus],
		Title:    MaskText(v[fTitle]),
		Text:     MaskText(v[fText]),
		Phone:    MaskPhone(v[fPhone]),
		Answer:   MaskText(v[fAnswer]),
	}
	switch id := r.OrderID; {
	case id == "":
		reasons = append(reasons, fmt.Sprintf("missing order id (column %q)", name(fOrderID)))
	case len(id) > MaxOrderIDBytes:
		reasons = append(reasons, fmt.Sprintf("order id is %d bytes, more than %d", len(id), MaxOrderIDBytes))
	case strings.ContainsFunc(id, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError }):
		reasons = append(reasons, fmt.Sprintf("order id %q contains spaces or control characters", id))
	case sciNotation.MatchString(id):
		reasons = append(reasons, fmt.Sprintf("order id %q is in scientific notation: Excel rounded a long number, the real id is lost (export the column as text)", id))
	}
	if v[fReceivedAt] == "" {
		reasons = append(reasons, fmt.Sprintf("missing received time (column %q)", name(fReceivedAt)))
	} else if t, err := ParseTime(v[fReceivedAt], o.Location, date1904); err != nil {
		reasons = append(reasons, fmt.Sprintf("column %q: %v", name(fReceivedAt), err))
	} else if t.After(now.Add(24 * time.Hour)) {
		reasons = append(reasons, fmt.Sprintf("column %q: %s is more than a day in the future", name(fReceivedAt), t.Format(time.DateTime)))
	} else {
		r.ReceivedAt = t
	}
	if v[fAnsweredAt] != "" {
		if t, err := ParseTime(v[fAnsweredAt], o.Location, date1904); err != nil {
			reasons = append(reasons, fmt.Sprintf("column %q: %v", name(fAnsweredAt), err))
		} else if !r.ReceivedAt.IsZero() && t.Before(r.ReceivedAt) {
			reasons = append(reasons, fmt.Sprintf("column %q: answered %s, before it was received %s", name(fAnsweredAt), t.Format(time.DateTime), r.ReceivedAt.Format(time.DateTime)))
		} else {
			r.AnsweredAt = t
		}
	}
	if r.Title == "" && r.Text == "" {
		reasons = append(reasons, fmt.Sprintf("title and content are both empty (columns %q, %q)", name(fTitle), name(fText)))
	} else if n := len(joinText(r.Title, r.Text)); n > mention.MaxTextBytes {
		reasons = append(reasons, fmt.Sprintf("title and content are %d bytes, more than %d", n, mention.MaxTextBytes))
	}
	r.Category = NormalizeCategory(v[fCategory], o.Categories)
	if r.Category == "" {
		switch {
		case o.DefaultCategory != "":
			r.Category = NormalizeCategory(o.DefaultCategory, o.Categories)
		case r.Channel == ChannelMessageBoard:
			r.Category = "留言"
		default:
			r.Category = "其他"
		}
	}
	return r, reasons
}
