package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"yuqing/analyze/scheme"
	"yuqing/analyze/segment"
	"yuqing/internal/hanzi"
)

// Groups of a generated scheme's rule.
const (
	groupPlace = "地域" // the draft's places and issuing unit
	groupTopic = "话题" // subject terms and the draft's distinctive words
)

// minTopicSalience keeps everyday words (价格, 食品) out of a scheme's
// topic terms: with a place name alone they would match any chatter.
const minTopicSalience = 0.3

// draftMark is the part of a title that posts leave out: （征求意见稿）.
var draftMark = regexp.MustCompile(`[（(][^）)]*(?:稿|草案|试行)[^）)]*[）)]`)

// monitorScheme builds the monitoring scheme for the release window:
//
//	"<title>" | (@地域 & @话题)
//
// 地域 holds the draft's administrative places (临江市, and 临江) and its
// unit; 话题 holds the terms that matched, every term of the main subject
// (but everyday words like 价格) and the draft's distinctive words. A post must name the place and the subject, or quote
// the document. With no place, 话题 must meet one of the distinctive
// words; with neither, the title alone is watched. The scheme compiles.
func monitorScheme(seg *segment.Segmenter, d Draft, p profile, subs []SubjectHit, list *Subjects) (scheme.Scheme, error) {
	title := strings.TrimSpace(draftMark.ReplaceAllString(d.Title, ""))
	title = strings.Trim(strings.ReplaceAll(title, `"`, ""), "《》 ")
	s := scheme.Scheme{
		ID:      "policy-" + digest(d),
		Name:    "政策发布监测：" + nonEmpty(d.Title, hanzi.Clip(strings.TrimSpace(d.Text), 20)),
		Groups:  map[string][]string{},
		Exclude: clean(list.Exclude),
	}
	var topic []string
	if len(subs) > 0 { // the main subject's whole vocabulary: posts say 学区房 where the draft says 划片
		topic = clean(subjectTerms(list, subs[0].ID))
	}
	for _, h := range subs {
		topic = appendNew(topic, h.Terms...)
	}
	topic = slices.DeleteFunc(topic, func(t string) bool { return seg.Salience(t) < minTopicSalience })
	var distinct []string
	for _, k := range p.keywords {
		if !p.isName(k) && !slices.ContainsFunc(p.anchors, func(a string) bool { return strings.Contains(a, k) }) {
			distinct = appendNew(distinct, k)
		}
	}
	var rule string
	switch {
	case len(p.anchors) > 0 && len(topic)+len(distinct) > 0:
		s.Groups[groupPlace] = p.anchors
		s.Groups[groupTopic] = appendNew(topic, distinct...)
		rule = "@" + groupPlace + " & @" + groupTopic
	case len(topic) > 0 && len(distinct) > 0:
		s.Groups[groupTopic] = topic
		s.Groups["要点"] = distinct
		rule = "@" + groupTopic + " & @要点"
	}
	if utf8.RuneCountInString(title) >= 4 {
		if rule != "" {
			rule = `"` + title + `" | (` + rule + ")"
		} else {
			rule = `"` + title + `"`
		}
	}
	if rule == "" {
		return s, fmt.Errorf("草案没有可用于监测的地名、领域词或标题（nothing to monitor）")
	}
	s.Rule = rule
	if _, err := scheme.Compile([]scheme.Scheme{s}); err != nil {
		return s, fmt.Errorf("生成的监测方案无法编译: %w", err)
	}
	return s, nil
}

func subjectTerms(list *Subjects, id string) []string {
	for _, s := range list.Subjects {
		if s.ID == id {
			return s.Terms
		}
	}
	return nil
}

// digest names a draft stably: the same title and text give the same ID.
func digest(d Draft) string {
	h := sha256.Sum256([]byte(hanzi.Fold(d.Title) + "\x00" + hanzi.Fold(d.Text)))
	return hex.EncodeToString(h[:5])
}

func nonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}
