package policy

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// wordNS is the WordprocessingML namespace of w:p, w:t and friends.
const wordNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

// maxDocumentXML bounds the unpacked main part, against zip bombs.
const maxDocumentXML = 64 << 20

// docxText extracts the paragraphs of a .docx, one per line: the text
// runs (w:t) of each w:p, tabs and breaks kept, tracked deletions
// (w:delText) and the fallback copies of drawing content left out.
func docxText(r io.ReaderAt, size int64) (string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", fmt.Errorf("不是有效的 .docx 文件（not a zip archive）: %w", err)
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", fmt.Errorf("无法打开 word/document.xml: %w", err)
		}
		defer rc.Close()
		return documentText(io.LimitReader(rc, maxDocumentXML))
	}
	return "", errors.New("不是有效的 .docx 文件：缺少 word/document.xml（not a Word document）")
}

func documentText(r io.Reader) (string, error) {
	dec := xml.NewDecoder(r)
	var (
		out      strings.Builder
		para     strings.Builder
		inText   bool
		fallback int // depth inside mc:Fallback
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("word/document.xml 无法解析（malformed XML）: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "Fallback" {
				fallback++
			}
			if fallback > 0 || t.Name.Space != wordNS {
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = true
			case "tab":
				para.WriteByte('\t')
			case "br", "cr":
				para.WriteByte('\n')
			}
		case xml.EndElement:
			switch {
			case t.Name.Local == "Fallback":
				fallback--
			case fallback > 0 || t.Name.Space != wordNS:
			case t.Name.Local == "t":
				inText = false
			case t.Name.Local == "p":
				out.WriteString(strings.TrimRight(para.String(), " \t"))
				out.WriteByte('\n')
				para.Reset()
			}
		case xml.CharData:
			if inText && fallback == 0 {
				para.Write(t)
			}
		}
	}
	out.WriteString(para.String())
	return strings.TrimSpace(out.String()), nil
}
