package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"yuqing/internal/hanzi"
)

// Draft is a policy document before publication.
type Draft struct {
	Title     string
	Text      string
	Unit      string    // the issuing unit (第一解读部门)
	ReleaseAt time.Time // planned release; zero: not known
}

// Sentence is one sentence of a draft's text.
type Sentence struct {
	Index   int    `json:"index"`             // 1-based, in text order
	Article string `json:"article,omitempty"` // the 第…条 or 一、 it belongs to
	Text    string `json:"text"`
}

// articleHead starts an article: 第三条, 第十二条, 三、, （一） is left to
// its article.
var articleHead = regexp.MustCompile(`^(第[零一二三四五六七八九十百0-9]+条|[一二三四五六七八九十]+、)`)

// Sentences splits a draft's text into sentences (after 。！？；, line
// breaks), each with the article it belongs to.
func Sentences(text string) []Sentence {
	var out []Sentence
	article := ""
	for _, para := range strings.Split(text, "\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		if m := articleHead.FindString(para); m != "" {
			article = strings.TrimSuffix(m, "、")
		}
		for _, s := range hanzi.Sentences(para) {
			out = append(out, Sentence{Index: len(out) + 1, Article: article, Text: s})
		}
	}
	return out
}

// Input errors, for callers that tell them apart.
var (
	ErrEmpty       = errors.New("草案没有正文（the draft is empty）")
	ErrUnsupported = errors.New("不支持的草案格式，请提供 .txt 或 .docx（unsupported draft format）")
)

// maxDraft bounds a draft file: policy documents are a few pages.
const maxDraft = 20 << 20

// ReadDraft reads a draft from a .txt (UTF-8, or GB18030 as saved by
// Chinese Windows) or .docx file. When the first paragraph looks like a
// title (short, not ending a sentence) it becomes the Title.
func ReadDraft(path string) (Draft, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".txt" && ext != ".docx" {
		return Draft{}, fmt.Errorf("%s: %w", path, ErrUnsupported)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Draft{}, fmt.Errorf("草案文件不存在（no such file）: %s", path)
		}
		return Draft{}, fmt.Errorf("读取草案失败（reading the draft）: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Draft{}, err
	}
	if st.IsDir() {
		return Draft{}, fmt.Errorf("%s 是目录，不是草案文件（is a directory）", path)
	}
	if st.Size() > maxDraft {
		return Draft{}, fmt.Errorf("%s: 文件超过 %d MB（too large）", path, maxDraft>>20)
	}
	var text string
	if ext == ".docx" {
		if text, err = docxText(f, st.Size()); err != nil {
			return Draft{}, fmt.Errorf("%s: %w", path, err)
		}
	} else {
		b, err := io.ReadAll(f)
		if err != nil {
			return Draft{}, fmt.Errorf("读取草案失败（reading the draft）: %w", err)
		}
		if text, err = decodeText(b); err != nil {
			return Draft{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	d := SplitTitle(text)
	if strings.TrimSpace(d.Text) == "" && d.Title == "" {
		return Draft{}, fmt.Errorf("%s: %w", path, ErrEmpty)
	}
	return d, nil
}

// decodeText reads UTF-8 (with or without a byte-order mark) or GB18030.
func decodeText(b []byte) (string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if utf8.Valid(b) {
		return string(b), nil
	}
	u, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(u) {
		return "", errors.New("文本既不是 UTF-8 也不是 GB18030 编码（unknown text encoding）")
	}
	return string(u), nil
}

// SplitTitle takes the first paragraph as the title when it looks like
// one: at most 60 characters, not ending in a sentence mark and not an
// article. The rest is the text; line breaks are normalised to \n.
func SplitTitle(text string) Draft {
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	text = strings.TrimSpace(strings.TrimPrefix(text, "\ufeff"))
	first, rest, _ := strings.Cut(text, "\n")
	first = strings.TrimSpace(first)
	if n := utf8.RuneCountInString(first); n == 0 || n > 60 || strings.ContainsAny(first, "。！？；：:") ||
		articleHead.MatchString(first) || strings.TrimSpace(rest) == "" {
		return Draft{Text: text}
	}
	return Draft{Title: first, Text: strings.TrimSpace(rest)}
}
