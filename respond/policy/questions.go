package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"yuqing/analyze/segment"
	"yuqing/internal/hanzi"
	"yuqing/respond/evidence"
)

// Question is one line of the Q&A skeleton (问答口径): a question the public
// is likely to ask, with a placeholder for the answer.
type Question struct {
	Question string `json:"question"`
	Source   string `json:"source"`            // 历史舆情 or 模板
	Subject  string `json:"subject,omitempty"` // the subject or clause of a template
	TopicID  string `json:"topic_id,omitempty"`
	Asked    int    `json:"asked,omitempty"` // past mentions that asked it
	// Sentence is the draft sentence it relates to (0: none found).
	Sentence     int    `json:"sentence,omitempty"`
	SentenceText string `json:"sentence_text,omitempty"`
	Answer       string `json:"answer"`              // Placeholder, for the unit to fill in
	Reference    string `json:"reference,omitempty"` // how the past topic was answered
}

// Question sources and the answer placeholder.
const (
	FromHistory  = "历史舆情"
	FromTemplate = "模板"
	Placeholder  = "【待填写】"
)

// questionsPerTopic bounds the questions taken from one past topic.
const questionsPerTopic = 3

// likelyQuestions are the questions asked of similar past topics (the
// most asked first, by evidence.Questions) and the templates of the
// subjects and clauses the draft triggers, each once.
func likelyQuestions(seg *segment.Segmenter, p profile, past []PastTopic, subs []SubjectHit, cues []CueHit, list *Subjects, ss []Sentence) []Question {
	var out []Question
	seen := map[string]bool{}
	add := func(q Question) {
		k := questionKey(q.Question)
		if k == "" || seen[k] {
			return
		}
		seen[k] = true
		q.Answer = Placeholder
		out = append(out, q)
	}
	for _, pt := range past {
		cs := evidence.Questions(pt.mentions)
		for _, c := range cs[:min(len(cs), questionsPerTopic)] {
			q := Question{Question: c.Question, Source: FromHistory, TopicID: pt.ID, Asked: c.Count, Reference: pt.Answer}
			if s, ok := related(seg, p, c.Question, ss); ok {
				q.Sentence, q.SentenceText = s.Index, s.Text
			}
			add(q)
		}
	}
	templates := map[string][]string{}
	for _, s := range list.Subjects {
		templates["s:"+s.ID] = s.Questions
	}
	for _, c := range list.Cues {
		templates["c:"+c.ID] = c.Questions
	}
	for _, h := range subs {
		m := mainTrigger(h.Triggers)
		for _, t := range templates["s:"+h.ID] {
			add(Question{Question: t, Source: FromTemplate, Subject: h.Name, Sentence: m.Sentence, SentenceText: m.Text})
		}
	}
	for _, h := range cues {
		m := mainTrigger(h.Triggers)
		for _, t := range templates["c:"+h.ID] {
			add(Question{Question: t, Source: FromTemplate, Subject: h.Name, Sentence: m.Sentence, SentenceText: m.Text})
		}
	}
	return out
}

// questionKey is a question without punctuation, folded: the same
// question worded with other marks is asked once.
func questionKey(q string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, hanzi.Fold(q))
}

// related is the draft sentence sharing the most salient words with q (a
// place name counts half), an article's before a preamble's among equals.
func related(seg *segment.Segmenter, p profile, q string, ss []Sentence) (Sentence, bool) {
	var best Sentence
	bestScore := 0.0
	words := seg.Tokens(q)
	for _, s := range ss {
		f := hanzi.Fold(s.Text)
		score, used := 0.0, map[string]bool{}
		for _, w := range words {
			if utf8.RuneCountInString(w) >= 2 && !used[w] && strings.Contains(f, w) {
				used[w] = true
				if p.isName(w) {
					score += nameWeight * seg.Salience(w)
				} else {
					score += seg.Salience(w)
				}
			}
		}
		if score > bestScore || score == bestScore && score > 0 && best.Article == "" && s.Article != "" {
			best, bestScore = s, score
		}
	}
	return best, bestScore > 0
}
