package weibo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"yuqing/ingest/normalize"
	"yuqing/ingest/source"
	"yuqing/internal/hanzi"
	"yuqing/internal/mention"
)

// Size limits for what a mention keeps of its status.
const (
	MaxRawBytes     = 8 << 10  // Mention.Raw, at most
	maxRejectedJSON = 64 << 10 // Rejected.Raw, at most
)

// errDeleted marks a status Weibo no longer shows: deleted by its author or
// hidden from the token's account. Its text is a placeholder, not a post.
var errDeleted = errors.New("the status was deleted or hidden; Weibo sent a placeholder")

// Map turns the statuses one Read fetched, in the API's order, into a batch
// sorted oldest first. A repost brings its original (retweeted_status) as a
// mention of its own, once per batch however many reposts carry it; an
// original that is deleted or hidden is left out, its reposts still point
// at it by RootID. A status, or an original, that cannot become a valid
// mention is rejected with the reason and its JSON; Index is its position
// among the statuses.
func (s *Source) Map(statuses []json.RawMessage) source.Batch {
	now := s.now()
	var b source.Batch
	seen := map[string]bool{}
	rejectedRoots := map[string]bool{}
	reject := func(i int, raw []byte, err error) {
		b.Rejected = append(b.Rejected, mention.Rejected{Index: i, Source: s.mentionSource,
			Reason: fmt.Sprintf("weibo %q status %d: %v", s.name, i+1, err), Raw: rejectedRaw(raw)})
	}
	for i, raw := range statuses {
		st, err := ParseStatus(raw)
		var m mention.Mention
		if err == nil {
			m, err = s.Mention(st, now)
		}
		if err != nil {
			reject(i, raw, err)
			continue
		}
		if !seen[m.ID] {
			seen[m.ID] = true
			b.Mentions = append(b.Mentions, m)
		}
		if len(st.Retweeted) == 0 {
			continue
		}
		rs, err := ParseStatus(st.Retweeted)
		if err == nil && rs.Deleted {
			continue
		}
		if rid, ok := parseID(rs.ID); err == nil && ok && seen[fmt.Sprintf("weibo:%d", rid)] {
			continue
		}
		var rm mention.Mention
		if err == nil {
			rm, err = s.Mention(rs, now)
		}
		if err != nil {
			key := m.RootID
			if key == "" {
				key = string(st.Retweeted)
			}
			if !rejectedRoots[key] {
				rejectedRoots[key] = true
				reject(i, st.Retweeted, fmt.Errorf("the original reposted by %s: %w", m.ID, err))
			}
			continue
		}
		if !seen[rm.ID] {
			seen[rm.ID] = true
			b.Mentions = append(b.Mentions, rm)
		}
	}
	sort.SliceStable(b.Mentions, func(i, j int) bool {
		a, c := b.Mentions[i], b.Mentions[j]
		if !a.PublishedAt.Equal(c.PublishedAt) {
			return a.PublishedAt.Before(c.PublishedAt)
		}
		return idLess(a.NativeID(), c.NativeID())
	})
	return b
}

// idLess orders numeric ids as numbers.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// Mention maps one status:
//
//   - ID "weibo:" + idstr (id if idstr is missing);
//   - URL https://weibo.com/{uid}/{mid}, or /{idstr} without a mid, or
//     https://m.weibo.cn/detail/{idstr} when the author is unknown;
//   - Author from user: idstr, screen_name, followers_count, verified;
//   - Text with HTML (if any) stripped and folded by normalize, emoji codes
//     like [哈哈] kept, Weibo's trailing zero-width spaces dropped;
//   - PublishedAt from created_at ("Mon Nov 23 10:15:30 +0800 2026"), UTC;
//   - Metrics from reposts_count, comments_count, attitudes_count;
//   - RootID the original of a repost, ParentID in_reply_to_status_id if
//     set, else the original;
//   - Region from user.location ("江苏 南京"), unless it is "其他";
//   - Raw the status JSON, compacted to at most MaxRawBytes.
//
// The mention is normalised and validated; a status without an id, a
// parseable time or any text is an error.
func (s *Source) Mention(st Status, now time.Time) (mention.Mention, error) {
	if st.Deleted {
		return mention.Mention{}, errDeleted
	}
	if st.ID == "" {
		return mention.Mention{}, errors.New("status has no id or idstr")
	}
	nid, ok := parseID(st.ID)
	if !ok {
		return mention.Mention{}, fmt.Errorf("id %q is not a numeric Weibo status id", hanzi.ClipBytes(st.ID, 40))
	}
	id := strconv.FormatUint(nid, 10)
	if st.CreatedAt == "" {
		return mention.Mention{}, errors.New("status has no created_at")
	}
	pub, err := normalize.TimeAt(st.CreatedAt, []string{time.RubyDate}, s.loc, now)
	if err != nil {
		return mention.Mention{}, fmt.Errorf("created_at: %w", err)
	}
	m := mention.Mention{
		ID: "weibo:" + id, Platform: "weibo", Source: s.mentionSource,
		Text: cleanText(st.Text), PublishedAt: pub,
		Metrics: mention.Metrics{Reposts: max(st.Reposts, 0), Comments: max(st.Comments, 0), Likes: max(st.Likes, 0)},
		Raw:     CompactRaw(st.Raw),
	}
	uid := ""
	if n, ok := parseID(st.User.ID); ok {
		uid = strconv.FormatUint(n, 10)
	}
	m.Author = mention.Author{ID: uid, Name: oneLine(st.User.Name), Followers: max(st.User.Followers, 0), Verified: st.User.Verified}
	if loc := oneLine(st.User.Location); loc != "其他" && loc != "未知" {
		m.Region = loc
	}
	seg := id
	if midRe.MatchString(st.MID) && st.MID != "0" {
		seg = st.MID
	}
	if uid != "" {
		m.URL = "https://weibo.com/" + uid + "/" + seg
	} else {
		m.URL = "https://m.weibo.cn/detail/" + id
	}
	if len(st.Retweeted) > 0 {
		if rid, ok := peekID(st.Retweeted); ok {
			m.RootID = fmt.Sprintf("weibo:%d", rid)
			m.ParentID = m.RootID
		}
	}
	if pid, ok := parseID(st.InReplyToID); ok {
		m.ParentID = fmt.Sprintf("weibo:%d", pid)
	}
	m.Normalize()
	if err := m.Validate(now); err != nil {
		return mention.Mention{}, err
	}
	return m, nil
}

// midRe is a mid fit for a status URL: the number, or its base62 form.
var midRe = regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)

// markup spots text that carries HTML tags or entities. The API sends plain
// text (newlines and all), which HTMLToText would fold into one line, so
// only text that looks like HTML goes through it.
var markup = regexp.MustCompile(`(?i)</?(?:a|br|p|div|span|img|i|b|em|strong|font)(?:\s[^<>]*)?/?>|&(?:[a-z]{2,8}|#[0-9]{1,7}|#x[0-9a-f]{1,6});`)

func cleanText(s string) string {
	if markup.MatchString(s) {
		s = normalize.HTMLToText(s)
	}
	return normalize.Text(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(normalize.Text(s)), " ") }

// rawKeep are the status fields a mention's Raw keeps: what an auditor
// needs to see the post as Weibo served it, without avatars, ad and
// experiment flags. rawOptional are dropped first when Raw is too large.
var (
	rawKeep = []string{"created_at", "id", "idstr", "mid", "text", "source", "reposts_count", "comments_count",
		"attitudes_count", "in_reply_to_status_id", "in_reply_to_user_id", "in_reply_to_screen_name", "isLongText",
		"deleted", "user", "retweeted_status", "pic_urls", "geo", "region_name", "edit_count"}
	rawOptional = []string{"pic_urls", "geo", "source", "in_reply_to_screen_name", "region_name", "edit_count"}
	userKeep    = []string{"id", "idstr", "screen_name", "name", "followers_count", "friends_count", "statuses_count",
		"verified", "verified_type", "verified_reason", "location", "province", "city", "gender", "created_at"}
)

// CompactRaw is the audit copy of a status kept on its mention: the fields
// in rawKeep, the user cut to userKeep, and a repost's original reduced to
// its ids (it is a mention of its own). If that is still more than
// MaxRawBytes, optional fields go, then the text is shortened. nil if raw
// is not a JSON object.
func CompactRaw(raw []byte) json.RawMessage {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || fields == nil {
		return nil
	}
	out := pick(fields, rawKeep)
	if u, ok := out["user"]; ok {
		var uf map[string]json.RawMessage
		if json.Unmarshal(u, &uf) == nil && uf != nil {
			out["user"] = marshal(pick(uf, userKeep))
		}
	}
	if rt, ok := out["retweeted_status"]; ok {
		var rf map[string]json.RawMessage
		if json.Unmarshal(rt, &rf) == nil && rf != nil {
			out["retweeted_status"] = marshal(pick(rf, []string{"id", "idstr", "mid"}))
		} else {
			delete(out, "retweeted_status")
		}
	}
	b := marshal(out)
	for _, k := range rawOptional {
		if len(b) <= MaxRawBytes {
			break
		}
		delete(out, k)
		b = marshal(out)
	}
	if len(b) > MaxRawBytes {
		var text string
		_ = json.Unmarshal(out["text"], &text)
		delete(out, "text")
		out["truncated_by_yuqing"] = json.RawMessage("true")
		rest := marshal(out)
		if len(rest) > MaxRawBytes/2 { // a huge user or id field: keep only the ids
			out = pick(fields, []string{"id", "idstr", "mid", "created_at"})
			out["truncated_by_yuqing"] = json.RawMessage("true")
			rest = marshal(out)
		}
		const textKey = len(`,"text":`)
		for n := MaxRawBytes - len(rest) - textKey; n > 0; n = n * 3 / 4 {
			if t := marshal(hanzi.ClipBytes(text, n)); len(rest)+textKey+len(t) <= MaxRawBytes {
				out["text"] = t
				break
			}
		}
		b = marshal(out)
	}
	b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	if len(b) > MaxRawBytes || !json.Valid(b) {
		return nil
	}
	return b
}

func pick(fields map[string]json.RawMessage, keys []string) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(keys))
	for _, k := range keys {
		if v, ok := fields[k]; ok {
			out[k] = v
		}
	}
	return out
}

// marshal writes v as compact JSON without escaping <, > and & (the
// source field is an HTML anchor).
func marshal(v any) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return json.RawMessage("null")
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// rejectedRaw is a rejected status's JSON for the dead letter, compacted
// when valid and cut to maxRejectedJSON bytes.
func rejectedRaw(raw []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		raw = buf.Bytes()
	}
	return strings.ToValidUTF8(hanzi.ClipBytes(string(raw), maxRejectedJSON), "\uFFFD")
}
