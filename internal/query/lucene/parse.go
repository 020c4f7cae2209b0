// Package lucene is EventSec's simple query syntax, the one of the event
// search box: Lucene / Kibana query-string style.
//
//	failed password                 free text (implicit AND)
//	"failed password"               a phrase
//	user.name:root host.name:web-*  field:value, wildcards * and ?
//	process.command_line:"-enc"     field:"phrase"
//	NOT user.name:root, -user.name:root, !user.name:root
//	a AND b, a && b, a OR b, a || b, (a OR b) c; and, or, not too
//	source.port:[1 TO 1023]         inclusive range; {a TO b} exclusive, * open
//	event.severity:>=73             comparisons >= > < <=
//	source.ip:10.0.0.0/8            an IP field takes CIDR
//	user.name:*, _exists_:user.name the field exists
//	user.name:(root OR admin)       a field applied to a group
//	C\:\\Windows                    backslash escapes
//
// Parse turns text into an AST (Node); every Node prints back to text that
// parses to the same AST. Compile turns an AST into a parameterised SQL
// condition: user text only ever travels as arguments.
package lucene

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDepth caps nesting (parentheses and NOT), so that hostile input cannot
// exhaust the stack.
const MaxDepth = 100

// errNoTO marks a bracket that turned out not to open a range.
var errNoTO = errors.New("no TO")

// Parse parses a query. The empty query matches everything (All). Errors
// are *SyntaxError.
func Parse(q string) (Node, error) {
	p := &parser{s: q}
	p.skipSpace()
	if p.eof() {
		return All{}, nil
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		if p.peek() == ')' {
			return nil, p.errorf(p.pos, "unbalanced ')': no '(' to close")
		}
		return nil, p.errorf(p.pos, "unexpected %q", p.peekString())
	}
	return n, nil
}

type parser struct {
	s     string
	pos   int    // byte offset
	depth int    // current nesting
	field string // default field inside field:( ... )
}

func (p *parser) eof() bool { return p.pos >= len(p.s) }

func (p *parser) peek() rune {
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	return r
}

// peekAt returns the rune n bytes ahead (utf8.RuneError past the end).
func (p *parser) peekAt(n int) rune {
	if p.pos+n >= len(p.s) {
		return utf8.RuneError
	}
	r, _ := utf8.DecodeRuneInString(p.s[p.pos+n:])
	return r
}

func (p *parser) peekString() string {
	end := p.pos
	for end < len(p.s) && end-p.pos < 20 {
		r, size := utf8.DecodeRuneInString(p.s[end:])
		if isSpace(r) && end > p.pos {
			break
		}
		end += size
	}
	return p.s[p.pos:end]
}

func (p *parser) next() rune {
	r, size := utf8.DecodeRuneInString(p.s[p.pos:])
	p.pos += size
	return r
}

func (p *parser) skipSpace() {
	for !p.eof() {
		r, size := utf8.DecodeRuneInString(p.s[p.pos:])
		if !isSpace(r) {
			return
		}
		p.pos += size
	}
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

// atDelim reports whether a word ends at offset i.
func (p *parser) atDelim(i int) bool {
	if i >= len(p.s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(p.s[i:])
	return isSpace(r) || r == '(' || r == ')' || r == '"'
}

// atKeyword reports whether the operator word kw starts here.
// atKeyword reports whether the operator kw (AND, OR, NOT) is here, in
// any case as in Kibana's query language: "a and b" is an AND. The word
// itself is searched for quoted or escaped ("and", \and).
func (p *parser) atKeyword(kw string) bool {
	return len(p.s)-p.pos >= len(kw) && strings.EqualFold(p.s[p.pos:p.pos+len(kw)], kw) && p.atDelim(p.pos+len(kw))
}

func (p *parser) atOp(op string) bool { return strings.HasPrefix(p.s[p.pos:], op) }

// attached reports whether a one-byte prefix operator here is directly
// followed by what it applies to ("-foo", not "- foo").
func (p *parser) attached() bool {
	return p.pos+1 < len(p.s) && !isSpace(p.peekAt(1))
}

func (p *parser) enter(at int) error {
	p.depth++
	if p.depth > MaxDepth {
		return p.errorf(at, "query nests deeper than %d levels", MaxDepth)
	}
	return nil
}

func (p *parser) parseOr() (Node, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for {
		p.skipSpace()
		at := p.pos
		switch {
		case p.atKeyword("OR"):
			p.pos += 2
		case p.atOp("||"):
			p.pos += 2
		default:
			if len(nodes) == 1 {
				return first, nil
			}
			return Or{Nodes: nodes}, nil
		}
		if err := p.expectOperand(at, "OR"); err != nil {
			return nil, err
		}
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
}

// expectOperand fails when an operator at offset at has nothing after it.
func (p *parser) expectOperand(at int, op string) error {
	p.skipSpace()
	if p.eof() || p.peek() == ')' || p.atKeyword("AND") || p.atKeyword("OR") || p.atOp("&&") || p.atOp("||") {
		return p.errorf(at, "%s needs a condition after it%s", op, quoteHint(p.s[at:min(at+len(op), len(p.s))]))
	}
	return nil
}

// opName names an operator as the messages do: AND, OR, NOT (&& and ||
// are themselves).
func opName(op string) string {
	switch u := strings.ToUpper(op); u {
	case "AND", "OR", "NOT":
		return u
	}
	return op
}

// quoteHint tells how to search for an operator's word itself.
func quoteHint(word string) string {
	switch strings.ToUpper(word) {
	case "AND", "OR", "NOT":
		return fmt.Sprintf(`; to search for the word, quote it: "%s"`, word)
	}
	return ""
}

func (p *parser) parseAnd() (Node, error) {
	first, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	nodes := []Node{first}
	for {
		p.skipSpace()
		if p.eof() || p.peek() == ')' || p.atKeyword("OR") || p.atOp("||") {
			break
		}
		at := p.pos
		if p.atKeyword("AND") || p.atOp("&&") {
			p.pos += 3
			if p.s[at] == '&' {
				p.pos = at + 2
			}
			if err := p.expectOperand(at, "AND"); err != nil {
				return nil, err
			}
		}
		n, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	if len(nodes) == 1 {
		return first, nil
	}
	return And{Nodes: nodes}, nil
}

func (p *parser) parseUnary() (Node, error) {
	p.skipSpace()
	// A leading + means "required", which every clause is anyway.
	for p.atOp("+") && p.attached() {
		p.pos++
	}
	at := p.pos
	negate := false
	switch {
	case p.atKeyword("NOT"):
		p.pos += 3
		negate = true
	case p.atOp("!"):
		p.pos++
		negate = true
	case p.atOp("-") && p.attached():
		p.pos++
		negate = true
	}
	if !negate {
		return p.parseClause()
	}
	if err := p.enter(at); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.skipSpace()
	if p.eof() || p.peek() == ')' || p.atKeyword("AND") || p.atKeyword("OR") || p.atOp("&&") || p.atOp("||") {
		return nil, p.errorf(at, "NOT needs a condition after it")
	}
	n, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return Not{Node: n}, nil
}

func (p *parser) parseClause() (Node, error) {
	p.skipSpace()
	at := p.pos
	if p.eof() {
		return nil, p.errorf(at, "unexpected end of query")
	}
	switch r := p.peek(); r {
	case '(':
		return p.parseGroup()
	case ')':
		return nil, p.errorf(at, "unbalanced ')': no '(' to close")
	case '"':
		v, err := p.parsePhrase()
		if err != nil {
			return nil, err
		}
		return Phrase{Field: p.field, Value: v}, nil
	case ':', '[', ']', '{', '}':
		return nil, p.errorf(at, "unexpected %q: a field name or a value must come first", string(r))
	}
	if p.atOp("*:*") && p.atDelim(p.pos+3) {
		p.pos += 3
		return All{}, nil
	}
	if p.atOp("&&") || p.atOp("||") || p.atKeyword("AND") || p.atKeyword("OR") {
		op := strings.Trim(p.peekString(), "()")
		return nil, p.errorf(at, "%s needs a condition before it%s", opName(op), quoteHint(op))
	}
	// A field name is a bare word followed by ':' (directly, or with
	// spaces as Kibana's query language allows: "source.ip : 10.0.0.1"),
	// or by spaces and a comparison ("status_code >= 400").
	if name, ok := p.fieldName(); ok {
		p.pos += len(name) + 1
		return p.parseFieldValue(at, name)
	}
	if name, next, ok := p.spacedField(); ok {
		p.pos = next
		return p.parseFieldValue(at, name)
	}
	text, pattern, wild, err := p.parseWord(false)
	if err != nil {
		return nil, err
	}
	switch {
	case pattern == "*":
		if p.field != "" {
			return Exists{Field: p.field}, nil
		}
		return All{}, nil
	case wild:
		return Wildcard{Field: p.field, Pattern: pattern}, nil
	}
	return Term{Field: p.field, Value: text}, nil
}

// fieldName returns the field name that starts here, if a ':' follows it.
func (p *parser) fieldName() (string, bool) {
	end := p.pos
	for end < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[end:])
		if !isFieldRune(r) {
			break
		}
		end += size
	}
	if end == p.pos || end >= len(p.s) || p.s[end] != ':' || !isFieldStart(p.s[p.pos:end]) {
		return "", false
	}
	return p.s[p.pos:end], true
}

// spacedField recognises a field name followed by spaces and then ':' or
// a comparison operator (>, >=, <, <=) and a value. next is where the
// value part begins (after ':', or at the operator, which parseFieldValue
// reads).
func (p *parser) spacedField() (name string, next int, ok bool) {
	end := p.pos
	for end < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[end:])
		if !isFieldRune(r) {
			break
		}
		end += size
	}
	if end == p.pos || !isFieldStart(p.s[p.pos:end]) {
		return "", 0, false
	}
	i := end
	for i < len(p.s) && isSpace(rune(p.s[i])) {
		i++
	}
	if i == end || i >= len(p.s) {
		return "", 0, false
	}
	switch p.s[i] {
	case ':':
		return p.s[p.pos:end], i + 1, true
	case '>', '<':
		// Only an operator with a value after it: "a > b", not "a >".
		j := i + 1
		if j < len(p.s) && p.s[j] == '=' {
			j++
		}
		for j < len(p.s) && isSpace(rune(p.s[j])) {
			j++
		}
		if j < len(p.s) && p.s[j] != ')' {
			return p.s[p.pos:end], i, true
		}
	}
	return "", 0, false
}

// isFieldStart reports whether a field name starts as one must: not
// with '-' or '.' ("-:x" is NOT ":x", not a field "-").
func isFieldStart(name string) bool {
	r, _ := utf8.DecodeRuneInString(name)
	return r != '-' && r != '.'
}

// isFieldRune says which characters a field name may have: ECS names
// ("source.geo.country_iso_code", "@timestamp") and vendor ones
// ("winlog.event_data.TargetUserName", "cs1-label").
func isFieldRune(r rune) bool {
	return r == '.' || r == '_' || r == '@' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

func (p *parser) parseGroup() (Node, error) {
	at := p.pos
	if err := p.enter(at); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.pos++ // (
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf(at, "unbalanced '(': missing ')'")
	}
	if p.peek() == ')' {
		return nil, p.errorf(at, "empty parentheses")
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.eof() || p.peek() != ')' {
		return nil, p.errorf(at, "unbalanced '(': missing ')'")
	}
	p.pos++
	return n, nil
}

func (p *parser) parseFieldValue(at int, field string) (Node, error) {
	p.skipSpace()
	if p.eof() || p.peek() == ')' {
		return nil, p.errorf(at, "missing value after %q", field+":")
	}
	if field == "_exists_" {
		start := p.pos
		name, ok := p.bareFieldName()
		if !ok {
			return nil, p.errorf(start, "_exists_ takes a field name")
		}
		return Exists{Field: name}, nil
	}
	switch p.peek() {
	case '(':
		if p.field != "" {
			return nil, p.errorf(at, "a field group cannot be inside another one")
		}
		p.field = field
		n, err := p.parseGroup()
		p.field = ""
		return n, err
	case '"':
		v, err := p.parsePhrase()
		if err != nil {
			return nil, err
		}
		return Phrase{Field: field, Value: v}, nil
	case '[', '{':
		start := p.pos
		n, err := p.parseRange(field)
		if !errors.Is(err, errNoTO) || !p.bracketedWord(start) {
			return n, err
		}
		// Not a range after all: a value that starts with a bracket,
		// such as a GUID "{8B0A...}".
		p.pos = start
	case '>', '<':
		return p.parseComparison(field)
	}
	text, pattern, wild, err := p.parseWord(true)
	if err != nil {
		return nil, err
	}
	switch {
	case pattern == "*":
		return Exists{Field: field}, nil
	case wild:
		return Wildcard{Field: field, Pattern: pattern}, nil
	}
	return Term{Field: field, Value: text}, nil
}

// bracketedWord reports whether a bracket at offset start begins one word
// that ends with a closing bracket: "{8B0A-11}", not "[1 5]".
func (p *parser) bracketedWord(start int) bool {
	end := strings.IndexFunc(p.s[start:], isSpace)
	if end < 0 {
		end = len(p.s) - start
	}
	w := strings.TrimRight(p.s[start:start+end], ")")
	return len(w) > 1 && (w[len(w)-1] == '}' || w[len(w)-1] == ']')
}

// bareFieldName reads a field name up to a delimiter.
func (p *parser) bareFieldName() (string, bool) {
	start := p.pos
	for !p.eof() && isFieldRune(p.peek()) {
		p.next()
	}
	return p.s[start:p.pos], p.pos > start && p.atDelim(p.pos) && isFieldStart(p.s[start:p.pos])
}

// parseWord reads a bare value, handling escapes. It returns the
// unescaped text and the wildcard pattern (with \*, \? and \\ for
// literals); wild says whether an unescaped * or ? was seen. After a
// field, ':' belongs to the value (timestamps, IPv6, URLs).
func (p *parser) parseWord(afterField bool) (text, pattern string, wild bool, err error) {
	var t, w strings.Builder
	start := p.pos
	// op is where an unescaped ~ or ^ followed by nothing but a number
	// starts (Lucene's fuzzy and boost suffixes), or -1.
	op := -1
	for !p.eof() {
		r := p.peek()
		if isSpace(r) || r == '(' || r == ')' || r == '"' {
			break
		}
		switch {
		case r == '~' || r == '^':
			op = p.pos
		case op >= 0 && (r < '0' || r > '9') && r != '.':
			op = -1
		}
		if !afterField && (r == ':' || r == '[' || r == ']' || r == '{' || r == '}') {
			break
		}
		p.next()
		switch r {
		case '\\':
			if p.eof() {
				return "", "", false, p.errorf(p.pos-1, "a backslash at the end escapes nothing")
			}
			e := p.next()
			t.WriteRune(e)
			if e == '*' || e == '?' || e == '\\' {
				w.WriteByte('\\')
			}
			w.WriteRune(e)
		case '*', '?':
			wild = true
			t.WriteRune(r)
			w.WriteRune(r)
		default:
			t.WriteRune(r)
			w.WriteRune(r)
		}
	}
	if p.pos == start {
		return "", "", false, p.errorf(start, "unexpected %q", p.peekString())
	}
	if op >= 0 {
		return "", "", false, p.errorf(op, "fuzzy and boost (~, ^) are not supported: escape it with a backslash to search for the character itself")
	}
	if !afterField && !p.eof() && strings.ContainsRune(":[]{}", p.peek()) {
		return "", "", false, p.errorf(p.pos, "unexpected %q: escape it with a backslash or quote the value", string(p.peek()))
	}
	return t.String(), w.String(), wild, nil
}

func (p *parser) parsePhrase() (string, error) {
	at := p.pos
	p.pos++ // "
	var b strings.Builder
	for {
		if p.eof() {
			return "", p.errorf(at, "unterminated phrase: missing closing '\"'")
		}
		r := p.next()
		switch r {
		case '"':
			if !p.eof() && (p.peek() == '~' || p.peek() == '^') {
				return "", p.errorf(p.pos, "proximity and boost (~, ^) are not supported")
			}
			return b.String(), nil
		case '\\':
			if p.eof() {
				return "", p.errorf(at, "unterminated phrase: missing closing '\"'")
			}
			b.WriteRune(p.next())
		default:
			b.WriteRune(r)
		}
	}
}

func (p *parser) parseRange(field string) (Node, error) {
	at := p.pos
	open := p.next()
	p.skipSpace()
	lo, err := p.parseBound(open == '[')
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !strings.HasPrefix(p.s[p.pos:], "TO") || p.pos+2 < len(p.s) && !strings.ContainsRune("\"*]} \t\r\n", rune(p.s[p.pos+2])) {
		err := p.errorf(p.pos, "expected TO in range %s", field+":"+string(open)+"...")
		err.(*SyntaxError).err = errNoTO
		return nil, err
	}
	p.pos += 2
	p.skipSpace()
	if p.eof() || p.peek() == ']' || p.peek() == '}' {
		return nil, p.errorf(p.pos, "missing upper bound of range: use * for none")
	}
	hi, err := p.parseBound(true)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.eof() || (p.peek() != ']' && p.peek() != '}') {
		return nil, p.errorf(at, "unterminated range: missing ']' or '}'")
	}
	if p.next() == '}' && hi != nil {
		hi.Inclusive = false
	}
	return Range{Field: field, Lo: lo, Hi: hi}, nil
}

func (p *parser) parseBound(inclusive bool) (*Bound, error) {
	if p.eof() {
		return nil, p.errorf(p.pos, "unterminated range")
	}
	if p.peek() == '"' {
		v, err := p.parsePhrase()
		if err != nil {
			return nil, err
		}
		return &Bound{Value: v, Inclusive: inclusive}, nil
	}
	start := p.pos
	var b strings.Builder
	for !p.eof() {
		r := p.peek()
		if isSpace(r) || r == ']' || r == '}' {
			break
		}
		p.next()
		if r == '\\' {
			if p.eof() {
				return nil, p.errorf(p.pos-1, "a backslash at the end escapes nothing")
			}
			r = p.next()
		}
		b.WriteRune(r)
	}
	if p.pos == start {
		return nil, p.errorf(start, "missing range bound")
	}
	if p.s[start:p.pos] == "*" {
		return nil, nil
	}
	return &Bound{Value: b.String(), Inclusive: inclusive}, nil
}

func (p *parser) parseComparison(field string) (Node, error) {
	at := p.pos
	op := string(p.next())
	if !p.eof() && p.peek() == '=' {
		op += string(p.next())
	}
	p.skipSpace()
	if p.eof() || p.peek() == ')' {
		return nil, p.errorf(at, "missing value after %q", field+":"+op)
	}
	var v string
	if p.peek() == '"' {
		s, err := p.parsePhrase()
		if err != nil {
			return nil, err
		}
		v = s
	} else {
		text, _, _, err := p.parseWord(true)
		if err != nil {
			return nil, err
		}
		v = text
	}
	b := &Bound{Value: v, Inclusive: strings.HasSuffix(op, "=")}
	if op[0] == '>' {
		return Range{Field: field, Lo: b}, nil
	}
	return Range{Field: field, Hi: b}, nil
}
