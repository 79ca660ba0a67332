package evidence

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"yuqing/internal/analytics"
	"yuqing/internal/clock"
	"yuqing/internal/hanzi"
)

// How 传播最广 was measured.
const (
	SpreadByReposts = "reposts" // the source's repost and comment counts (Input.Engagement)
	SpreadByCopies  = "copies"  // stored mentions that copy or quote the post's own words
)

// copyRunes is the shortest run of identical characters (letters and
// digits, punctuation ignored) that makes one post a copy or quote of
// another: long enough that two people do not write it independently.
const copyRunes = 12

// copyScan is how much of each mention copies looks for runs in: the
// beginning, which is what reposts and copies carry, and a bound on memory.
const copyScan = 200

// Post is one key post.
type Post struct {
	ID             string    `json:"id"`
	Topic          string    `json:"topic,omitempty"`
	Platform       string    `json:"platform"`
	Author         string    `json:"author,omitempty"`
	URL            string    `json:"url,omitempty"`
	PublishedAt    time.Time `json:"published_at"`
	Excerpt        string    `json:"excerpt"` // title and text, at most 140 characters
	Sentiment      string    `json:"sentiment,omitempty"`
	SentimentScore float64   `json:"sentiment_score"`
	Why            string    `json:"why"`              // why it is a key post, in Chinese
	Spread         int64     `json:"spread,omitempty"` // 传播最广: reposts + comments, or copies (KeyPosts.SpreadBy)
}

// KeyPosts are the posts a spokesperson reads first.
type KeyPosts struct {
	First    *Post  `json:"first,omitempty"` // 首发: the earliest published
	Official []Post `json:"official"`        // 官方媒体 and government accounts (officials.txt), earliest post of each, up to 5
	// Verified are posts of verified accounts that are not official, up to
	// 5, most followers first; only when Input.Engagement was given
	// (VerifiedKnown), the store keeping no verification.
	Verified      []Post `json:"verified"`
	VerifiedKnown bool   `json:"verified_known"`
	MostSpread    []Post `json:"most_spread"`   // 传播最广, up to 3
	SpreadBy      string `json:"spread_by"`     // SpreadByReposts or SpreadByCopies
	MostNegative  []Post `json:"most_negative"` // 负面代表: the lowest sentiment scores, up to 3
}

// keyPosts picks the key posts of mentions sorted by time. first, if not
// nil, is an earlier first mention the analyser recorded.
func keyPosts(ms []analytics.Mention, first *analytics.Mention, eng map[string]Engagement) KeyPosts {
	kp := KeyPosts{Official: []Post{}, Verified: []Post{}, MostSpread: []Post{}, MostNegative: []Post{}}
	switch {
	case first != nil:
		p := post(*first, fmt.Sprintf("首发：话题的第一条信息，%s发布", beijingTime(first.PublishedAt)))
		kp.First = &p
	case len(ms) > 0:
		p := post(ms[0], fmt.Sprintf("首发：最早发布，%s", beijingTime(ms[0].PublishedAt)))
		kp.First = &p
	}

	authors := map[string]bool{}
	for _, m := range ms {
		if len(kp.Official) == 5 {
			break
		}
		_, why, ok := official(m.AuthorName)
		if ok && !authors[authorKey(m)] {
			authors[authorKey(m)] = true
			kp.Official = append(kp.Official, post(m, why))
		}
	}

	if kp.VerifiedKnown = len(eng) > 0; kp.VerifiedKnown {
		var vs []analytics.Mention
		seen := map[string]bool{}
		for _, m := range ms {
			if _, _, off := official(m.AuthorName); off || !eng[m.ID].Verified || seen[authorKey(m)] {
				continue
			}
			seen[authorKey(m)] = true
			vs = append(vs, m)
		}
		sort.SliceStable(vs, func(i, j int) bool { return eng[vs[i].ID].Followers > eng[vs[j].ID].Followers })
		for _, m := range vs[:min(5, len(vs))] {
			kp.Verified = append(kp.Verified, post(m, fmt.Sprintf("认证账号，粉丝 %d", eng[m.ID].Followers)))
		}
	}

	kp.MostSpread, kp.SpreadBy = mostSpread(ms, eng)

	var neg []analytics.Mention
	for _, m := range ms {
		if m.Sentiment == "neg" || m.SentimentScore < 0 {
			neg = append(neg, m)
		}
	}
	sort.SliceStable(neg, func(i, j int) bool { return neg[i].SentimentScore < neg[j].SentimentScore })
	for _, m := range neg[:min(3, len(neg))] {
		kp.MostNegative = append(kp.MostNegative, post(m, fmt.Sprintf("负面代表：情感分 %.2f", m.SentimentScore)))
	}
	return kp
}

// mostSpread ranks by the source's repost and comment counts when any is
// known, else by copies.
func mostSpread(ms []analytics.Mention, eng map[string]Engagement) ([]Post, string) {
	type ranked struct {
		m analytics.Mention
		n int64
	}
	var rs []ranked
	by := SpreadByCopies
	for _, m := range ms {
		if e := eng[m.ID]; e.Reposts+e.Comments > 0 {
			by = SpreadByReposts
			break
		}
	}
	if by == SpreadByReposts {
		for _, m := range ms {
			if e := eng[m.ID]; e.Reposts+e.Comments > 0 {
				rs = append(rs, ranked{m, e.Reposts + e.Comments})
			}
		}
	} else {
		for i, n := range copies(ms) {
			if n > 0 {
				rs = append(rs, ranked{ms[i], int64(n)})
			}
		}
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].n > rs[j].n })
	out := []Post{}
	for _, r := range rs[:min(3, len(rs))] {
		var p Post
		if by == SpreadByReposts {
			e := eng[r.m.ID]
			p = post(r.m, fmt.Sprintf("传播最广：转发 %d、评论 %d", e.Reposts, e.Comments))
		} else {
			p = post(r.m, fmt.Sprintf("传播最广：库中 %d 条信息转载或引用其原文", r.n))
		}
		p.Spread = r.n
		out = append(out, p)
	}
	return out, by
}

// copies counts, for each mention of ms (sorted by time), the later
// mentions that carry copyRunes or more identical characters of it: a run
// is credited to the earliest mention that has it, so an original gets the
// reposts, copies (洗稿) and quotes of it, and a repost only what it added.
// Links, @names, emoticon codes and #话题# are ignored; only the first
// copyScan letters and digits of each mention are compared.
func copies(ms []analytics.Mention) []int {
	owner := map[uint64]int{}
	out := make([]int, len(ms))
	h := fnv.New64a()
	for j, m := range ms {
		rs := compact(plain(fullText(m)))
		rs = rs[:min(len(rs), copyScan)]
		quoted := map[int]bool{}
		for i := 0; i+copyRunes <= len(rs); i++ {
			h.Reset()
			h.Write([]byte(string(rs[i : i+copyRunes])))
			g := h.Sum64()
			o, ok := owner[g]
			switch {
			case !ok:
				owner[g] = j
			case o != j:
				quoted[o] = true
			}
		}
		for o := range quoted {
			out[o]++
		}
	}
	return out
}

func post(m analytics.Mention, why string) Post {
	return Post{
		ID: m.ID, Topic: m.Topic, Platform: m.Platform, Author: m.AuthorName, URL: m.URL, PublishedAt: m.PublishedAt,
		Excerpt: hanzi.Clip(strings.TrimSpace(squeeze(fullText(m))), 140), Sentiment: m.Sentiment, SentimentScore: m.SentimentScore, Why: why,
	}
}

// squeeze squeezes white space only: an excerpt keeps what the author
// wrote.
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }

func authorKey(m analytics.Mention) string {
	if m.AuthorID != "" {
		return m.Platform + "/" + m.AuthorID
	}
	return m.Platform + "/" + m.AuthorName
}

// beijingTime formats a time for a Chinese reader, in Beijing time.
func beijingTime(t time.Time) string {
	return t.In(clock.Beijing).Format("1月2日 15:04")
}
