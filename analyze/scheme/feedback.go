package scheme

import "time"

// A duty officer's judgement that a mention a scheme matched is not about
// what the scheme watches (or that one it missed is). Kept in the feedback
// topic, so scheme owners can tighten rules and exclusions from real cases.
const TypeRelevance = "feedback.relevance.v1" // payload: Relevance; topic "feedback"

// Relevance is one such judgement.
type Relevance struct {
	MentionID string    `json:"mention_id"`
	SchemeID  string    `json:"scheme_id,omitempty"` // the scheme judged; empty: the mention as a whole
	Relevant  bool      `json:"relevant"`
	Reason    string    `json:"reason,omitempty"`
	Text      string    `json:"text,omitempty"` // the mention's text, so the case survives the store's retention
	Actor     string    `json:"actor"`
	Time      time.Time `json:"time"`
}
