package sigma

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Expr is a parsed condition expression.
type Expr interface {
	// String renders the expression in condition syntax; parsing the
	// result gives the same expression.
	String() string
	isExpr()
}

// AndExpr is true when all its terms are.
type AndExpr struct{ Terms []Expr }

// OrExpr is true when one of its terms is.
type OrExpr struct{ Terms []Expr }

// NotExpr negates X.
type NotExpr struct{ X Expr }

// RefExpr names one search identifier.
type RefExpr struct {
	Name string
	// Pos is the byte offset of the name in the condition text.
	Pos int
}

// OfExpr is "1 of pattern", "all of pattern", "1 of them" or "all of
// them". Count is how many of the named searches must match (0: all).
// Names are filled when the condition is resolved against a detection.
type OfExpr struct {
	Count   int
	Pattern string // "" when Them
	Them    bool
	Names   []string
	Pos     int
}

func (*AndExpr) isExpr() {}
func (*OrExpr) isExpr()  {}
func (*NotExpr) isExpr() {}
func (*RefExpr) isExpr() {}
func (*OfExpr) isExpr()  {}

// String renders the expression in condition syntax.
func (e *AndExpr) String() string {
	parts := make([]string, len(e.Terms))
	for i, t := range e.Terms {
		parts[i] = t.String()
		if _, ok := t.(*OrExpr); ok {
			parts[i] = "(" + parts[i] + ")"
		}
		if _, ok := t.(*AndExpr); ok {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " and ")
}

// String renders the expression in condition syntax.
func (e *OrExpr) String() string {
	parts := make([]string, len(e.Terms))
	for i, t := range e.Terms {
		parts[i] = t.String()
		if _, ok := t.(*OrExpr); ok {
			parts[i] = "(" + parts[i] + ")"
		}
	}
	return strings.Join(parts, " or ")
}

// String renders the expression in condition syntax.
func (e *NotExpr) String() string {
	switch e.X.(type) {
	case *AndExpr, *OrExpr:
		return "not (" + e.X.String() + ")"
	}
	return "not " + e.X.String()
}

// String returns the search identifier.
func (e *RefExpr) String() string { return e.Name }

// String renders the expression in condition syntax.
func (e *OfExpr) String() string {
	n := "all"
	if e.Count > 0 {
		n = strconv.Itoa(e.Count)
	}
	if e.Them {
		return n + " of them"
	}
	return n + " of " + e.Pattern
}

// maxConditionDepth bounds nesting, so that a hostile condition cannot
// exhaust the stack.
const maxConditionDepth = 200

type condToken struct {
	text string
	pos  int
}

type condParser struct {
	src   string
	toks  []condToken
	i     int
	depth int
}

// ParseCondition parses a condition. Errors are *Error whose Column is
// the 1-based byte offset in the condition text (Line 0).
func ParseCondition(s string) (Expr, error) {
	p := &condParser{src: s}
	if err := p.lex(); err != nil {
		return nil, err
	}
	if len(p.toks) == 0 {
		return nil, p.errAt(0, "empty condition")
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		t := p.toks[p.i]
		return nil, p.errAt(t.pos, fmt.Sprintf("unexpected %q", t.text))
	}
	return e, nil
}

func (p *condParser) errAt(pos int, msg string) *Error {
	return &Error{Column: pos + 1, Msg: "condition: " + msg}
}

func (p *condParser) lex() error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			p.toks = append(p.toks, condToken{s[i : i+1], i})
			i++
		case c == '|':
			return p.errAt(i, "aggregation expressions (\"| count() ...\") are not part of Sigma v2: write a correlation rule")
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r()|", rune(s[j])) {
				j++
			}
			p.toks = append(p.toks, condToken{s[i:j], i})
			i = j
		}
	}
	return nil
}

func (p *condParser) peek() (condToken, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return condToken{}, false
}

func (p *condParser) keyword(t condToken, kw string) bool {
	return strings.EqualFold(t.text, kw)
}

func (p *condParser) or() (Expr, error) {
	first, err := p.and()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for {
		t, ok := p.peek()
		if !ok || !p.keyword(t, "or") {
			break
		}
		p.i++
		next, err := p.and()
		if err != nil {
			return nil, err
		}
		terms = append(terms, next)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &OrExpr{Terms: terms}, nil
}

func (p *condParser) and() (Expr, error) {
	first, err := p.not()
	if err != nil {
		return nil, err
	}
	terms := []Expr{first}
	for {
		t, ok := p.peek()
		if !ok || !p.keyword(t, "and") {
			break
		}
		p.i++
		next, err := p.not()
		if err != nil {
			return nil, err
		}
		terms = append(terms, next)
	}
	if len(terms) == 1 {
		return first, nil
	}
	return &AndExpr{Terms: terms}, nil
}

func (p *condParser) not() (Expr, error) {
	t, ok := p.peek()
	if ok && p.keyword(t, "not") {
		p.i++
		p.depth++
		if p.depth > maxConditionDepth {
			return nil, p.errAt(t.pos, "nested too deeply")
		}
		x, err := p.not()
		p.depth--
		if err != nil {
			return nil, err
		}
		return &NotExpr{X: x}, nil
	}
	return p.primary()
}

func (p *condParser) primary() (Expr, error) {
	t, ok := p.peek()
	if !ok {
		return nil, p.errAt(len(p.src), "unexpected end of condition")
	}
	switch {
	case t.text == "(":
		p.i++
		p.depth++
		if p.depth > maxConditionDepth {
			return nil, p.errAt(t.pos, "nested too deeply")
		}
		e, err := p.or()
		p.depth--
		if err != nil {
			return nil, err
		}
		c, ok := p.peek()
		if !ok || c.text != ")" {
			pos := len(p.src)
			if ok {
				pos = c.pos
			}
			return nil, p.errAt(pos, fmt.Sprintf("missing ) for ( at column %d", t.pos+1))
		}
		p.i++
		return e, nil
	case t.text == ")":
		return nil, p.errAt(t.pos, "unexpected )")
	case p.keyword(t, "and"), p.keyword(t, "or"), p.keyword(t, "of"), p.keyword(t, "them"):
		return nil, p.errAt(t.pos, fmt.Sprintf("unexpected %q", t.text))
	}
	// "N of x" / "all of x"
	if p.i+1 < len(p.toks) && p.keyword(p.toks[p.i+1], "of") {
		count := 0
		if !p.keyword(t, "all") {
			n, err := strconv.Atoi(t.text)
			if err != nil || n < 1 {
				if p.keyword(t, "any") {
					n = 1
				} else {
					return nil, p.errAt(t.pos, fmt.Sprintf("%q before \"of\": want 1, a positive number or all", t.text))
				}
			}
			count = n
		}
		if p.i+2 >= len(p.toks) {
			return nil, p.errAt(len(p.src), "\"of\" needs a search identifier pattern or \"them\"")
		}
		target := p.toks[p.i+2]
		if target.text == "(" || target.text == ")" || p.keyword(target, "and") || p.keyword(target, "or") || p.keyword(target, "not") {
			return nil, p.errAt(target.pos, "\"of\" needs a search identifier pattern or \"them\"")
		}
		p.i += 3
		if p.keyword(target, "them") {
			return &OfExpr{Count: count, Them: true, Pos: t.pos}, nil
		}
		return &OfExpr{Count: count, Pattern: target.text, Pos: t.pos}, nil
	}
	if p.keyword(t, "all") || p.keyword(t, "not") {
		return nil, p.errAt(t.pos, fmt.Sprintf("unexpected %q", t.text))
	}
	p.i++
	return &RefExpr{Name: t.text, Pos: t.pos}, nil
}

// resolveCondition checks that every name a condition uses exists and
// fills the names of "of" expressions. names are the search identifiers
// in document order.
func resolveCondition(e Expr, names []string, has map[string]bool) *Error {
	switch x := e.(type) {
	case *AndExpr:
		for _, t := range x.Terms {
			if err := resolveCondition(t, names, has); err != nil {
				return err
			}
		}
	case *OrExpr:
		for _, t := range x.Terms {
			if err := resolveCondition(t, names, has); err != nil {
				return err
			}
		}
	case *NotExpr:
		return resolveCondition(x.X, names, has)
	case *RefExpr:
		if !has[x.Name] {
			return &Error{Column: x.Pos + 1, Msg: fmt.Sprintf("condition: unknown search identifier %q", x.Name)}
		}
	case *OfExpr:
		x.Names = x.Names[:0]
		for _, n := range names {
			if x.Them {
				if !strings.HasPrefix(n, "_") {
					x.Names = append(x.Names, n)
				}
				continue
			}
			if ok, _ := path.Match(x.Pattern, n); ok {
				x.Names = append(x.Names, n)
			}
		}
		if len(x.Names) == 0 {
			what := "pattern " + strconv.Quote(x.Pattern)
			if x.Them {
				what = "\"them\""
			}
			return &Error{Column: x.Pos + 1, Msg: "condition: " + what + " matches no search identifier"}
		}
	}
	return nil
}
