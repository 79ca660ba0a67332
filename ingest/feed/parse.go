package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Document is a parsed feed of any format, before mapping to mentions.
type Document struct {
	Format string // "rss", "rdf" (RSS 1.0), "atom" or "jsonfeed"
	Title  string
	Link   string
	Author string // the feed's author, for items without one (Atom, JSON Feed)
	Items  []Item
}

// Item is one entry as the feed wrote it.
type Item struct {
	ID        string // RSS guid, Atom id, JSON Feed id
	Link      string
	Title     string
	HTML      string // content:encoded, description, Atom content or summary, content_html
	Text      string // JSON Feed content_text (plain)
	Author    string
	Published string // as written
	Updated   string
	Raw       []byte // the item's XML element or JSON object, verbatim
	Err       error  // the item could not be decoded (JSON Feed only)
}

// maxItems bounds one document: a feed with more is cut, not refused.
const maxItems = 10000

// Parse detects the format (RSS 2.0, RSS 1.0, Atom, JSON Feed) and decodes
// the document. It never panics; a document it cannot read is an error.
func Parse(body []byte) (*Document, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errors.New("empty document")
	}
	if trimmed[0] == '{' {
		return parseJSON(trimmed)
	}
	return parseXML(body)
}

// --- XML: RSS 2.0, RSS 1.0 (RDF), Atom ---

const (
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsAtom    = "http://www.w3.org/2005/Atom"
)

type xmlText struct {
	Type  string `xml:"type,attr"`
	Inner string `xml:",innerxml"`
	Text  string `xml:",chardata"`
}

type xmlLink struct {
	XMLName xml.Name
	Href    string `xml:"href,attr"`
	Rel     string `xml:"rel,attr"`
	Value   string `xml:",chardata"`
}

type xmlPerson struct {
	Name  string `xml:"name"`
	Email string `xml:"email"`
}

type xmlItem struct {
	// RSS
	Title       xmlText     `xml:"title"`
	Links       []xmlLink   `xml:"link"`
	Description string      `xml:"description"`
	Encoded     string      `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
	GUID        string      `xml:"guid"`
	PubDate     string      `xml:"pubDate"`
	DCDate      string      `xml:"http://purl.org/dc/elements/1.1/ date"`
	Authors     []xmlPerson `xml:"http://www.w3.org/2005/Atom author"` // before RSS's author: the first matching field wins
	RSSAuthor   string      `xml:"author"`
	Creator     string      `xml:"http://purl.org/dc/elements/1.1/ creator"`
	About       string      `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# about,attr"`
	// Atom
	ID        string  `xml:"id"`
	Published string  `xml:"published"`
	Updated   string  `xml:"updated"`
	Content   xmlText `xml:"content"`
	Summary   xmlText `xml:"summary"`
}

var encodingDecl = regexp.MustCompile(`(?i)^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

func parseXML(body []byte) (*Document, error) {
	if m := encodingDecl.FindSubmatch(body[:min(len(body), 200)]); m != nil {
		switch strings.ToLower(string(m[1])) {
		case "utf-8", "utf8", "us-ascii", "ascii":
		case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
			body = latin1ToUTF8(body)
		default:
			return nil, fmt.Errorf("unsupported character encoding %q (only UTF-8 and ISO-8859-1 are read; have the bridge or proxy serve UTF-8)", m[1])
		}
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Entity = xml.HTMLEntity                                                          // &nbsp; and friends appear in the wild
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // converted above
	doc := &Document{}
	depth := 0
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("malformed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := t.Name.Local
			if doc.Format == "" {
				switch {
				case name == "rss":
					doc.Format = "rss"
				case name == "RDF":
					doc.Format = "rdf"
				case name == "feed" && (t.Name.Space == nsAtom || t.Name.Space == ""):
					doc.Format = "atom"
				case strings.EqualFold(name, "html"):
					return nil, errNotFeedHTML
				default:
					return nil, fmt.Errorf("not a feed: the root element is <%s>", name)
				}
				continue
			}
			isItem := (doc.Format != "atom" && name == "item") || (doc.Format == "atom" && name == "entry")
			switch {
			case isItem:
				var it xmlItem
				if err := d.DecodeElement(&it, &t); err != nil {
					return nil, fmt.Errorf("malformed XML in item %d: %w", len(doc.Items)+1, err)
				}
				depth--
				if len(doc.Items) < maxItems {
					raw := bytes.TrimSpace(body[off:d.InputOffset()])
					doc.Items = append(doc.Items, it.item(doc.Format, raw))
				}
			case name == "channel" && doc.Format != "atom":
				// descend: the channel holds the items in RSS 2.0
			case name == "title" && doc.Title == "":
				var s xmlText
				if err := d.DecodeElement(&s, &t); err != nil {
					return nil, fmt.Errorf("malformed XML: %w", err)
				}
				depth--
				doc.Title = textOf(s)
			case name == "link" && doc.Link == "" && t.Name.Space == "":
				var l xmlLink
				if err := d.DecodeElement(&l, &t); err != nil {
					return nil, fmt.Errorf("malformed XML: %w", err)
				}
				depth--
				doc.Link = strings.TrimSpace(first(l.Href, l.Value))
			case name == "author" && doc.Format == "atom" && doc.Author == "":
				var p xmlPerson
				if err := d.DecodeElement(&p, &t); err != nil {
					return nil, fmt.Errorf("malformed XML: %w", err)
				}
				depth--
				doc.Author = strings.TrimSpace(p.Name)
			default:
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("malformed XML: %w", err)
				}
				depth--
			}
		case xml.EndElement:
			depth--
		}
	}
	if doc.Format == "" {
		return nil, errors.New("not a feed: no root element")
	}
	if depth != 0 {
		return nil, errors.New("malformed XML: unexpected end of document")
	}
	return doc, nil
}

var errNotFeedHTML = errors.New("not a feed: got an HTML page")

func (it xmlItem) item(format string, raw []byte) Item {
	out := Item{Raw: raw, Title: textOf(it.Title)}
	switch format {
	case "atom":
		out.ID = strings.TrimSpace(it.ID)
		for _, l := range it.Links {
			if l.Rel == "" || l.Rel == "alternate" {
				out.Link = strings.TrimSpace(l.Href)
				break
			}
		}
		out.HTML = first(atomHTML(it.Content), atomHTML(it.Summary))
		out.Published = strings.TrimSpace(it.Published)
		out.Updated = strings.TrimSpace(it.Updated)
		if len(it.Authors) > 0 {
			out.Author = strings.TrimSpace(it.Authors[0].Name)
		}
	default: // rss, rdf
		out.ID = strings.TrimSpace(first(it.GUID, it.About))
		for _, l := range it.Links {
			if l.XMLName.Space == "" && strings.TrimSpace(l.Value) != "" {
				out.Link = strings.TrimSpace(l.Value)
				break
			}
		}
		out.HTML = first(it.Encoded, it.Description)
		out.Published = strings.TrimSpace(first(it.PubDate, it.DCDate))
		out.Author = strings.TrimSpace(first(it.Creator, rssAuthor(it.RSSAuthor)))
	}
	return out
}

// atomHTML is an Atom text construct as HTML.
func atomHTML(t xmlText) string {
	switch t.Type {
	case "xhtml":
		return t.Inner
	case "html":
		return t.Text
	default: // text: escape so that HTMLToText keeps it verbatim
		return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(t.Text)
	}
}

func textOf(t xmlText) string {
	if t.Type == "xhtml" {
		return HTMLToText(t.Inner)
	}
	return strings.TrimSpace(t.Text)
}

// rssAuthor takes the name out of RSS 2.0's "email (Name)".
func rssAuthor(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "("); i > 0 && strings.HasSuffix(s, ")") && strings.Contains(s[:i], "@") {
		return strings.TrimSpace(s[i+1 : len(s)-1])
	}
	return s
}

func first(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func latin1ToUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for _, c := range b {
		out = utf8.AppendRune(out, rune(c))
	}
	return out
}

// --- JSON Feed 1.0 / 1.1 ---

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonFeed struct {
	Version string            `json:"version"`
	Title   string            `json:"title"`
	Home    string            `json:"home_page_url"`
	Author  *jsonAuthor       `json:"author"`
	Authors []jsonAuthor      `json:"authors"`
	Items   []json.RawMessage `json:"items"`
}

type jsonItem struct {
	ID          any          `json:"id"` // a string by the spec; numbers appear in the wild
	URL         string       `json:"url"`
	ExternalURL string       `json:"external_url"`
	Title       string       `json:"title"`
	ContentHTML string       `json:"content_html"`
	ContentText string       `json:"content_text"`
	Summary     string       `json:"summary"`
	Published   string       `json:"date_published"`
	Modified    string       `json:"date_modified"`
	Author      *jsonAuthor  `json:"author"`
	Authors     []jsonAuthor `json:"authors"`
}

func parseJSON(body []byte) (*Document, error) {
	var f jsonFeed
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, fmt.Errorf("malformed JSON Feed: %w", err)
	}
	if !strings.HasPrefix(f.Version, "https://jsonfeed.org/version/") {
		return nil, fmt.Errorf("not a JSON Feed: version %q", f.Version)
	}
	doc := &Document{Format: "jsonfeed", Title: strings.TrimSpace(f.Title), Link: f.Home, Author: authorName(f.Author, f.Authors)}
	for i, raw := range f.Items {
		if i >= maxItems {
			break
		}
		var it jsonItem
		if err := json.Unmarshal(raw, &it); err != nil {
			doc.Items = append(doc.Items, Item{Raw: raw, Err: fmt.Errorf("item is not a JSON Feed item: %w", err)})
			continue
		}
		var id string
		switch v := it.ID.(type) {
		case string:
			id = v
		case float64:
			id = strings.TrimSuffix(fmt.Sprintf("%.0f", v), ".0")
		case nil:
		default:
			doc.Items = append(doc.Items, Item{Raw: raw, Err: fmt.Errorf("item id is a %T, not a string", v)})
			continue
		}
		doc.Items = append(doc.Items, Item{
			ID: strings.TrimSpace(id), Link: strings.TrimSpace(first(it.URL, it.ExternalURL)), Title: strings.TrimSpace(it.Title),
			HTML: first(it.ContentHTML, it.Summary), Text: it.ContentText, Author: authorName(it.Author, it.Authors),
			Published: strings.TrimSpace(it.Published), Updated: strings.TrimSpace(it.Modified), Raw: raw,
		})
	}
	return doc, nil
}

func authorName(a *jsonAuthor, as []jsonAuthor) string {
	if len(as) > 0 {
		return strings.TrimSpace(as[0].Name)
	}
	if a != nil {
		return strings.TrimSpace(a.Name)
	}
	return ""
}
