package policy

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
)

// ParseDraft reads a draft sent as a file named name (.txt in UTF-8 or
// GB18030, or .docx), as ReadDraft reads one from disk: a short first
// paragraph is taken as the title.
func ParseDraft(name string, b []byte) (Draft, error) {
	ext := strings.ToLower(filepath.Ext(name))
	if ext != ".txt" && ext != ".docx" {
		return Draft{}, fmt.Errorf("%s: %w", name, ErrUnsupported)
	}
	if len(b) > maxDraft {
		return Draft{}, fmt.Errorf("%s: 文件超过 %d MB（too large）", name, maxDraft>>20)
	}
	var text string
	var err error
	if ext == ".docx" {
		text, err = docxText(bytes.NewReader(b), int64(len(b)))
	} else {
		text, err = decodeText(b)
	}
	if err != nil {
		return Draft{}, fmt.Errorf("%s: %w", name, err)
	}
	d := SplitTitle(text)
	if strings.TrimSpace(d.Text) == "" && d.Title == "" {
		return Draft{}, fmt.Errorf("%s: %w", name, ErrEmpty)
	}
	return d, nil
}
