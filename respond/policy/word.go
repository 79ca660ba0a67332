package policy

import (
	"bytes"

	"yuqing/respond/report/docx"
)

// Word renders the assessment as a Word document laid out like the
// reports (official fonts and sizes), from its Markdown.
func Word(a Assessment) ([]byte, error) {
	var md bytes.Buffer
	if err := WriteMarkdown(&md, a); err != nil {
		return nil, err
	}
	return WordFromMarkdown(md.String(), a)
}

// WordFromMarkdown lays out Markdown this package wrote about a as Word.
func WordFromMarkdown(md string, a Assessment) ([]byte, error) {
	return docx.FromMarkdown(md, docx.Official(), docx.Meta{
		Title:   "政策舆情风险研判：" + a.Title,
		Subject: a.Unit,
		Creator: "yuqing 舆情监测与回应系统",
		Created: a.AssessedAt,
	})
}
