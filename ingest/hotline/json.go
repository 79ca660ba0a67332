package hotline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"yuqing/internal/hanzi"
)

// MaxJSONItems bounds the items of one webhook body.
const MaxJSONItems = 10000

// ParseJSON parses a webhook body: one work order object or an array of
// them, with the snake_case names of Record's fields (order_id,
// received_at, channel, category, locality, unit, status, title, text,
// phone, answered_at, answer); a key that is a column name of
// DefaultColumns (工单编号 …) is understood too, and unknown keys are
// ignored. Values may be strings or numbers; times are strings as ParseTime
// reads them, or numbers of Unix seconds (milliseconds from 1e11 up).
//
// Each item that does not make a Record is Rejected with its index (0-based)
// and its JSON, phones masked. err is non-nil only when the body is not a
// JSON object or array at all.
func ParseJSON(body []byte) (records []Record, rejected []Rejected, err error) {
	return ParseJSONWith(body, Options{})
}

// ParseJSONWith is ParseJSON with options: Channel, DefaultCategory,
// Categories, Columns, Location and Now apply.
func ParseJSONWith(body []byte, opts Options) (records []Record, rejected []Rejected, err error) {
	o := opts.withDefaults()
	body = bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\uFEFF")))
	if len(body) == 0 {
		return nil, nil, errors.New("empty body: want one JSON work order or an array of them")
	}
	var items []json.RawMessage
	switch body[0] {
	case '[':
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, nil, fmt.Errorf("body is not a JSON array of work orders: %w", err)
		}
	case '{':
		items = []json.RawMessage{body}
	default:
		return nil, nil, errors.New("body is not a JSON object or array")
	}
	if len(items) > MaxJSONItems {
		return nil, nil, fmt.Errorf("body has %d work orders, more than %d", len(items), MaxJSONItems)
	}
	m := newMapper(o)
	keys := map[string]int{}
	for f := numFields - 1; f >= 0; f-- { // earlier fields win a clash
		for _, n := range m.names[f] {
			keys[n] = f
		}
	}
	now := o.Now()
	for i, raw := range items {
		rec, reasons, phone := decodeItem(raw, keys, o, now)
		if len(reasons) == 0 {
			if first, dup := m.seen[rec.OrderID]; dup {
				reasons = append(reasons, fmt.Sprintf("duplicate order id %q (first at index %d)", rec.OrderID, first))
			}
		}
		if len(reasons) > 0 {
			rejected = append(rejected, Rejected{Row: i, Reason: strings.Join(reasons, "; "), Raw: hanzi.ClipBytes(maskRawJSON(string(raw), phone), MaxRawBytes)})
			continue
		}
		m.seen[rec.OrderID] = i
		records = append(records, rec)
	}
	return records, rejected, nil
}

// decodeItem returns the record, why it is refused, and the phone as sent
// (to mask it in the raw item).
func decodeItem(raw []byte, keys map[string]int, o Options, now time.Time) (Record, []string, string) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return Record{}, []string{"not a JSON object: " + err.Error()}, ""
	}
	var vals [numFields]string
	var reasons []string
	// Keys in a stable order, so the same body gives the same reasons.
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	slices.Sort(names)
	rank := [numFields]int{}
	for _, k := range names {
		f, ok := keys[normHeader(k)]
		if !ok {
			continue
		}
		// A snake_case name beats a synonym for the same field.
		r := 1
		if normHeader(k) == strings.ToLower(k) && strings.IndexFunc(k, func(r rune) bool { return r > 0x7f }) < 0 {
			r = 2
		}
		if r < rank[f] {
			continue
		}
		s, err := jsonString(obj[k], f == fReceivedAt || f == fAnsweredAt)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("field %q: %v", k, err))
			continue
		}
		vals[f], rank[f] = s, r
	}
	rec, more := build(vals, o, now, false, func(f int) string { return jsonName[f] })
	return rec, append(reasons, more...), vals[fPhone]
}

var jsonName = [numFields]string{"order_id", "received_at", "channel", "category", "locality", "unit", "status", "title", "text", "phone", "answered_at", "answer"}

// jsonString reads a JSON value as a string; for a time, a number is Unix
// seconds or milliseconds and comes back in RFC 3339.
func jsonString(raw json.RawMessage, isTime bool) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case '{', '[':
		return "", errors.New("want a string or a number")
	case 't', 'f':
		return "", errors.New("want a string or a number, not a boolean")
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", err
	}
	if !isTime {
		return n.String(), nil
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil || math.IsInf(f, 0) || f <= 0 || f > 1e14 {
		return "", fmt.Errorf("%s is not a Unix time", n)
	}
	if f >= 1e11 {
		f /= 1000
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC().Format(time.RFC3339Nano), nil
}

// maskRawJSON masks phones in a raw item: the phone as sent, wherever it
// appears, and phone-like numbers.
func maskRawJSON(raw, phone string) string {
	if p := strings.TrimSpace(phone); len(p) >= 5 {
		if q, err := json.Marshal(p); err == nil {
			raw = strings.ReplaceAll(raw, string(q[1:len(q)-1]), MaskPhone(p))
		}
		raw = strings.ReplaceAll(raw, p, MaskPhone(p))
	}
	return MaskText(raw)
}
