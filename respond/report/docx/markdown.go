package docx

import (
	"regexp"
	"strings"
)

// FromMarkdown lays out the project's own Markdown (headings, paragraphs,
// lists, pipe tables, fenced blocks; **bold** and `code` marks dropped) as
// an official-style Word document: "# " the title, "## " first-level
// headings, deeper ones second-level, list items and paragraphs as body
// text, a fenced block as notes line by line.
func FromMarkdown(md string, fonts Fonts, meta Meta) ([]byte, error) {
	w, err := New(fonts)
	if err != nil {
		return nil, err
	}
	var head []string
	var rows [][]string
	flush := func() {
		if head != nil {
			w.Table(head, rows)
		}
		head, rows = nil, nil
	}
	fenced := false
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") {
			flush()
			fenced = !fenced
			continue
		}
		if fenced {
			if t != "" {
				w.Note(line, false)
			}
			continue
		}
		if strings.HasPrefix(t, "|") {
			cells := tableCells(t)
			switch {
			case head == nil:
				head = cells
			case isRule(cells):
			default:
				rows = append(rows, cells)
			}
			continue
		}
		flush()
		switch {
		case t == "":
		case strings.HasPrefix(t, "# "):
			w.Title(plain(t[2:]))
		case strings.HasPrefix(t, "## "):
			w.Heading1(plain(t[3:]))
		case strings.HasPrefix(t, "#"):
			w.Heading2(plain(strings.TrimLeft(t, "# ")))
		case strings.HasPrefix(t, "- "), strings.HasPrefix(t, "* "):
			w.Para("· " + plain(t[2:]))
		default:
			w.Para(plain(t))
		}
	}
	flush()
	return w.Bytes(meta)
}

func tableCells(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	cells := strings.Split(line, "|")
	for i, c := range cells {
		cells[i] = plain(strings.TrimSpace(c))
	}
	return cells
}

var ruleCell = regexp.MustCompile(`^:?-{3,}:?$`)

func isRule(cells []string) bool {
	for _, c := range cells {
		if !ruleCell.MatchString(c) {
			return false
		}
	}
	return true
}

var marks = strings.NewReplacer("**", "", "`", "")

func plain(s string) string { return marks.Replace(strings.TrimSpace(s)) }
