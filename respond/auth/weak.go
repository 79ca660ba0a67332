package auth

import (
	_ "embed"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lists are written for yuqing, not copied from a published list.
var (
	//go:embed common_passwords.txt
	commonPasswordsTxt string
	//go:embed common_words.txt
	commonWordsTxt string

	commonPasswords = readList(commonPasswordsTxt)
	commonWords     = readList(commonWordsTxt)
)

// readList reads one entry a line, lower-cased; blank lines and lines
// starting with "#" are skipped.
func readList(s string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out[strings.ToLower(line)] = true
	}
	return out
}

// sequences whose neighbours make a trivial run, forwards or backwards.
// The digits wrap ("890123"); the keyboard rows follow one another.
var sequences = []string{
	"abcdefghijklmnopqrstuvwxyz",
	"01234567890",
	"qwertyuiopasdfghjklzxcvbnm",
	"1234567890-=",
}

// checkTrivialPassword refuses passwords that are guessed first: all
// digits, one block repeated, a sequential run, a common password or a
// common word with digits and symbols around it. Errors never contain the
// password.
func checkTrivialPassword(password string) error {
	p := foldPassword(password)
	if strings.IndexFunc(p, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		return fmt.Errorf("%w：不能全是数字", ErrPasswordPolicy)
	}
	if repeatedBlock(p) {
		return fmt.Errorf("%w：不能是同一段字符的简单重复", ErrPasswordPolicy)
	}
	if sequential(p) {
		return fmt.Errorf("%w：不能只是连续的字母、数字或键盘顺序", ErrPasswordPolicy)
	}
	if commonPasswords[p] {
		return fmt.Errorf("%w：这是常见密码，很容易被猜中", ErrPasswordPolicy)
	}
	core := strings.TrimFunc(p, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
	if commonWords[core] {
		return fmt.Errorf("%w：不能只是常见单词或名字加上数字、符号", ErrPasswordPolicy)
	}
	return nil
}

// foldPassword lower-cases and turns full-width ASCII into half-width, so
// that "ＰＡＳＳＷＯＲＤ１２３４" is as common as "password1234".
func foldPassword(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFF01 - 0x21
		} else if r == 0x3000 {
			r = ' '
		}
		return unicode.ToLower(r)
	}, s)
}

// repeatedBlock: s is one shorter block repeated at least twice.
func repeatedBlock(s string) bool {
	r := []rune(s)
	for n := 1; n <= len(r)/2; n++ {
		if len(r)%n != 0 {
			continue
		}
		if strings.Repeat(string(r[:n]), len(r)/n) == s {
			return true
		}
	}
	return false
}

// sequential: every character is a neighbour, either way, of the one
// before it in one of the sequences.
func sequential(s string) bool {
	if utf8.RuneCountInString(s) < 2 {
		return false
	}
	var prev rune = -1
	for _, r := range s {
		if prev >= 0 && !neighbours(prev, r) {
			return false
		}
		prev = r
	}
	return true
}

func neighbours(a, b rune) bool {
	for _, seq := range sequences {
		if strings.Contains(seq, string([]rune{a, b})) || strings.Contains(seq, string([]rune{b, a})) {
			return true
		}
	}
	return false
}
