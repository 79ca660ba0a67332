package normalize

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// skipped elements are raw text to the tokenizer (it reads on to their end
// tag), and their content is never text a reader sees.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Iframe: true,
	atom.Title: true, atom.Textarea: true, atom.Noembed: true, atom.Noframes: true,
	atom.Xmp: true, atom.Plaintext: true,
}

// dropped elements hold markup but no text a reader wants; like hidden
// elements, their text is dropped when they close, kept if they never do.
var dropped = map[atom.Atom]bool{
	atom.Head: true, atom.Template: true, atom.Svg: true, atom.Math: true,
	atom.Canvas: true, atom.Object: true, atom.Select: true, atom.Button: true,
	atom.Audio: true, atom.Video: true,
}

// block elements start and end a line.
var block = map[atom.Atom]bool{
	atom.Br: true, atom.P: true, atom.Div: true, atom.Li: true, atom.Ul: true,
	atom.Ol: true, atom.Dl: true, atom.Dt: true, atom.Dd: true, atom.Tr: true,
	atom.Table: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Blockquote: true, atom.Pre: true,
	atom.Hr: true, atom.Section: true, atom.Article: true, atom.Header: true,
	atom.Footer: true, atom.Aside: true, atom.Nav: true, atom.Figure: true,
	atom.Figcaption: true, atom.Main: true, atom.Address: true, atom.Caption: true,
	atom.Form: true, atom.Fieldset: true, atom.Legend: true, atom.Details: true,
	atom.Summary: true, atom.Body: true, atom.Html: true,
}

// void elements have no end tag, so they never open a skipped region.
var void = map[atom.Atom]bool{
	atom.Br: true, atom.Img: true, atom.Hr: true, atom.Input: true, atom.Meta: true,
	atom.Link: true, atom.Wbr: true, atom.Source: true, atom.Track: true,
	atom.Area: true, atom.Base: true, atom.Col: true, atom.Embed: true, atom.Param: true,
}

// iconClasses mark icon-font glyphs (Weibo's link and location icons render
// as a letter such as "O" or "2" in a private font): junk as text.
var iconClasses = []string{"ficon", "wbicon", "icon-font", "iconfont"}

// emojiCode is a Weibo/WeChat emoji code, e.g. [哈哈], [doge], [赞].
var emojiCode = regexp.MustCompile(`^\[[^\[\]\s]{1,16}\]$`)

// HTMLToText turns an HTML fragment or page into plain text:
//
//   - tags go; the contents of script, style, noscript, template, iframe, svg,
//     head/title, form controls and media go with them;
//   - elements hidden with the hidden attribute, aria-hidden="true",
//     display:none or visibility:hidden go (tracking pixels, share widgets,
//     hidden anti-copy text), and so do icon-font glyphs (class *ficon*,
//     *wbicon*, *iconfont*);
//   - entities are decoded; br, p, div, li, headings, rows and other blocks
//     become line breaks; table cells are separated by a space;
//   - an <img> whose alt (or title) is an emoji code like [哈哈] becomes that
//     code; other images go;
//   - link text stays, hrefs go;
//   - white space collapses: no empty lines, no leading or trailing spaces.
//
// It uses x/net/html's tokenizer, so broken HTML (unclosed tags, stray "<",
// bad entities) still gives the text a browser would show, roughly. If a
// hidden element is never closed, its text is kept rather than losing the
// rest of the document.
func HTMLToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	w := &textWriter{}
	var (
		skip      atom.Atom // element being skipped, 0 if none
		skipName  string    // its name when it has no atom
		skipDepth int
		hideMark  = -1 // output length where a hidden element started
		hideTag   string
		hideDepth int
		pre       int
	)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		switch tt {
		case html.TextToken:
			if skipDepth > 0 {
				continue
			}
			w.text(string(z.Text()), pre > 0)
		case html.StartTagToken, html.SelfClosingTagToken:
			nameB, hasAttr := z.TagName()
			name := string(nameB)
			a := atom.Lookup(nameB)
			selfClosing := tt == html.SelfClosingTagToken || void[a]
			if skipDepth > 0 {
				if !selfClosing && sameTag(a, name, skip, skipName) {
					skipDepth++
				}
				continue
			}
			attrs := readAttrs(z, hasAttr)
			if skipped[a] && !selfClosing {
				skip, skipName, skipDepth = a, name, 1
				continue
			}
			if hideMark >= 0 && !selfClosing && name == hideTag {
				hideDepth++
			}
			if dropped[a] || isHidden(attrs) {
				if !selfClosing && hideMark < 0 {
					hideMark, hideTag, hideDepth = len(w.buf), name, 1
					w.mark()
				}
				continue
			}
			switch {
			case a == atom.Img:
				alt := attrs["alt"]
				if !emojiCode.MatchString(strings.TrimSpace(alt)) {
					alt = attrs["title"]
				}
				if alt = strings.TrimSpace(alt); emojiCode.MatchString(alt) {
					w.text(alt, false)
				}
			case a == atom.Td || a == atom.Th:
				w.space()
			case block[a]:
				w.newline()
			}
			if a == atom.Pre && !selfClosing {
				pre++
			}
		case html.EndTagToken:
			nameB, _ := z.TagName()
			name := string(nameB)
			a := atom.Lookup(nameB)
			if skipDepth > 0 {
				if sameTag(a, name, skip, skipName) {
					skipDepth--
				}
				continue
			}
			if hideMark >= 0 && name == hideTag {
				hideDepth--
				if hideDepth == 0 {
					w.rewind(hideMark)
					hideMark = -1
				}
				continue
			}
			switch {
			case a == atom.Td || a == atom.Th:
				w.space()
			case block[a]:
				w.newline()
			}
			if a == atom.Pre && pre > 0 {
				pre--
			}
		}
	}
	out := w.String()
	if !utf8.ValidString(out) {
		out = strings.ToValidUTF8(out, "\uFFFD")
	}
	return out
}

func sameTag(a atom.Atom, name string, skip atom.Atom, skipName string) bool {
	if skip != 0 {
		return a == skip
	}
	return name == skipName
}

func readAttrs(z *html.Tokenizer, more bool) map[string]string {
	if !more {
		return nil
	}
	m := make(map[string]string, 4)
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		m[string(k)] = string(v)
	}
	return m
}

func isHidden(attrs map[string]string) bool {
	if attrs == nil {
		return false
	}
	if _, ok := attrs["hidden"]; ok {
		return true
	}
	if strings.EqualFold(strings.TrimSpace(attrs["aria-hidden"]), "true") {
		return true
	}
	if st, ok := attrs["style"]; ok {
		st = strings.ToLower(strings.Join(strings.Fields(st), ""))
		if strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden") {
			return true
		}
	}
	if cl, ok := attrs["class"]; ok {
		cl = strings.ToLower(cl)
		for _, c := range iconClasses {
			if strings.Contains(cl, c) {
				return true
			}
		}
	}
	return false
}

// textWriter collects text, collapsing white space as it goes.
type textWriter struct {
	buf       []byte
	lineEmpty bool // nothing written on the current line yet
	pendSpace bool
	pendNL    bool
	// state saved by mark, restored by rewind
	saved [3]bool
}

func (w *textWriter) mark() { w.saved = [3]bool{w.lineEmpty, w.pendSpace, w.pendNL} }

func (w *textWriter) rewind(n int) {
	if n <= len(w.buf) {
		w.buf = w.buf[:n]
		w.lineEmpty, w.pendSpace, w.pendNL = w.saved[0], w.saved[1], w.saved[2]
	}
}

func (w *textWriter) newline() { w.pendNL, w.pendSpace = true, false }

func (w *textWriter) space() {
	if !w.pendNL {
		w.pendSpace = true
	}
}

func (w *textWriter) text(s string, pre bool) {
	for _, r := range s {
		if r == '\n' && pre {
			w.newline()
			continue
		}
		if unicode.IsSpace(r) || r == 0 {
			w.space()
			continue
		}
		if len(w.buf) > 0 {
			if w.pendNL {
				w.buf = append(w.buf, '\n')
				w.lineEmpty = true
			} else if w.pendSpace && !w.lineEmpty {
				w.buf = append(w.buf, ' ')
			}
		}
		w.pendNL, w.pendSpace = false, false
		w.buf = utf8.AppendRune(w.buf, r)
		w.lineEmpty = false
	}
}

func (w *textWriter) String() string { return string(w.buf) }
