package scheme

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"yuqing/internal/hanzi"
)

// A rule is an expression over terms:
//
//	化工厂 & (异味 | 臭味 | 泄漏) & !演习
//	"PX项目" | @地名 NEAR/10(学校, 食物中毒)
//
// Operators: & (and; whitespace between operands also means and), | (or),
// ! (not), parentheses, NEAR/N(a, b) (a and b within N characters of each
// other), @name (any term of the scheme's group "name"). Terms are bare
// words or "quoted strings"; matching ignores case and full-/half-width.

type node interface{ isNode() }

type (
	termNode struct {
		terms []string // any of these terms (one term, or a group)
		ids   []int32  // their indexes in the matcher, set by Compile
	}
	andNode  struct{ kids []node }
	orNode   struct{ kids []node }
	notNode  struct{ kid node }
	nearNode struct {
		dist int
		a, b *termNode
	}
)

func (termNode) isNode() {}
func (andNode) isNode()  {}
func (orNode) isNode()   {}
func (notNode) isNode()  {}
func (nearNode) isNode() {}

type parser struct {
	src    []rune
	pos    int
	groups map[string][]string
}

func parseRule(src string, groups map[string][]string) (node, error) {
	p := &parser{src: []rune(src), groups: groups}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.pos < len(p.src) {
		return nil, p.errorf("unexpected %q", string(p.src[p.pos]))
	}
	return n, nil
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("rule %q at character %d: %s", string(p.src), p.pos+1, fmt.Sprintf(format, args...))
}

func (p *parser) space() {
	for p.pos < len(p.src) && unicode.IsSpace(p.src[p.pos]) {
		p.pos++
	}
}

func (p *parser) peek() rune {
	p.space()
	if p.pos >= len(p.src) {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) or() (node, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for p.peek() == '|' {
		p.pos++
		n, err := p.and()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return orNode{kids}, nil
}

func (p *parser) and() (node, error) {
	first, err := p.unary()
	if err != nil {
		return nil, err
	}
	kids := []node{first}
	for {
		c := p.peek()
		if c == '&' {
			p.pos++
		} else if c == 0 || c == '|' || c == ')' || c == ',' {
			break
		} // else: juxtaposition means and
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return andNode{kids}, nil
}

func (p *parser) unary() (node, error) {
	switch p.peek() {
	case '!':
		p.pos++
		kid, err := p.unary()
		if err != nil {
			return nil, err
		}
		return notNode{kid}, nil
	case '(':
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, p.errorf("missing )")
		}
		p.pos++
		return n, nil
	case 0:
		return nil, p.errorf("expected a term")
	}
	if p.hasPrefix("NEAR/") {
		return p.near()
	}
	return p.operand()
}

func (p *parser) hasPrefix(s string) bool {
	return strings.HasPrefix(string(p.src[p.pos:min(len(p.src), p.pos+len([]rune(s)))]), s)
}

func (p *parser) near() (node, error) {
	p.pos += len("NEAR/")
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	dist, err := strconv.Atoi(string(p.src[start:p.pos]))
	if err != nil || dist < 0 {
		return nil, p.errorf("NEAR needs a distance in characters, like NEAR/10(a, b)")
	}
	if p.peek() != '(' {
		return nil, p.errorf("NEAR/%d needs (a, b)", dist)
	}
	p.pos++
	a, err := p.operand()
	if err != nil {
		return nil, err
	}
	if p.peek() != ',' {
		return nil, p.errorf("NEAR/%d(a, b) needs a comma", dist)
	}
	p.pos++
	b, err := p.operand()
	if err != nil {
		return nil, err
	}
	if p.peek() != ')' {
		return nil, p.errorf("NEAR/%d(a, b) needs )", dist)
	}
	p.pos++
	return nearNode{dist: dist, a: a, b: b}, nil
}

const operators = "&|!(),\""

// operand is a term, a "quoted term" or an @group.
func (p *parser) operand() (*termNode, error) {
	c := p.peek()
	switch {
	case c == '"':
		p.pos++
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] != '"' {
			p.pos++
		}
		if p.pos >= len(p.src) {
			return nil, p.errorf("unterminated quote")
		}
		t := fold(string(p.src[start:p.pos]))
		p.pos++
		if t == "" {
			return nil, p.errorf("empty quoted term")
		}
		return &termNode{terms: []string{t}}, nil
	case c == '@':
		p.pos++
		name := p.word()
		g, ok := p.groups[name]
		if name == "" || !ok {
			return nil, p.errorf("unknown group @%s", name)
		}
		if len(g) == 0 {
			return nil, p.errorf("group @%s is empty", name)
		}
		terms := make([]string, 0, len(g))
		for _, t := range g {
			if t = fold(strings.TrimSpace(t)); t != "" {
				terms = append(terms, t)
			}
		}
		return &termNode{terms: terms}, nil
	case c == 0 || strings.ContainsRune(operators, c):
		return nil, p.errorf("expected a term")
	}
	return &termNode{terms: []string{fold(p.word())}}, nil
}

func (p *parser) word() string {
	start := p.pos
	for p.pos < len(p.src) && !unicode.IsSpace(p.src[p.pos]) && !strings.ContainsRune(operators, p.src[p.pos]) {
		p.pos++
	}
	return string(p.src[start:p.pos])
}

// positive reports whether n can only be true when some term hits; a rule
// made only of negations would match every mention.
func positive(n node) bool {
	switch n := n.(type) {
	case *termNode, nearNode:
		return true
	case andNode:
		for _, k := range n.kids {
			if positive(k) {
				return true
			}
		}
		return false
	case orNode:
		for _, k := range n.kids {
			if !positive(k) {
				return false
			}
		}
		return true
	}
	return false
}

// fold makes text and terms comparable: Traditional to Simplified,
// full-width to half-width, upper to lower case.
func fold(s string) string { return hanzi.Fold(s) }
