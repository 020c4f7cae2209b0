package kql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxDepth bounds the nesting of the syntax tree (parentheses, calls,
// operator chains, sub-queries): deeper input is a syntax error, not a
// stack overflow here or in the SQL engine that runs the result.
const maxDepth = 200

// Parse parses a KQL query. Errors are *Error with code CodeSyntax and the
// line and column of the offending token.
func Parse(src string) (*Query, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks}
	q, err := p.parseQuery()
	if err != nil {
		return nil, err
	}
	return q, nil
}

type parser struct {
	src   string
	toks  []token
	i     int
	depth int
}

// bail carries a syntax error up through the recursive descent; Parse
// recovers it. Only *Error values are thrown.
type bail struct{ err *Error }

func (p *parser) parseQuery() (q *Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			q, err = nil, b.err
		}
	}()
	q = &Query{Pos: p.pos()}
	if p.tok().kind == tEOF {
		p.fail(p.tok(), "empty query")
	}
	for {
		for p.isPunct(";") {
			p.i++
		}
		if p.tok().kind == tEOF {
			break
		}
		q.Statements = append(q.Statements, p.parseStatement(false))
		if p.tok().kind == tEOF {
			break
		}
		if !p.isPunct(";") {
			p.unexpected("';' or the end of the query")
		}
	}
	if len(q.Statements) == 0 {
		p.fail(p.tok(), "empty query")
	}
	return q, nil
}

// --- token helpers ---

func (p *parser) tok() token       { return p.toks[p.i] }
func (p *parser) peek(n int) token { return p.toks[min(p.i+n, len(p.toks)-1)] }
func (p *parser) pos() Pos         { t := p.tok(); return Pos{Offset: t.off, Line: t.line, Column: t.col} }
func tokPos(t token) Pos           { return Pos{Offset: t.off, Line: t.line, Column: t.col} }

func (p *parser) advance() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) isPunct(s string) bool { t := p.tok(); return t.kind == tPunct && t.text == s }
func (p *parser) isPunctAt(n int, s string) bool {
	t := p.peek(n)
	return t.kind == tPunct && t.text == s
}
func (p *parser) isKw(s string) bool { t := p.tok(); return t.kind == tIdent && t.text == s }
func (p *parser) isKwAt(n int, s string) bool {
	t := p.peek(n)
	return t.kind == tIdent && t.text == s
}

// adjacent reports whether token n+1 follows token n with no space.
func (p *parser) adjacent(n int) bool { return p.peek(n).end == p.peek(n+1).off }

func (p *parser) fail(t token, format string, args ...any) {
	panic(bail{&Error{Code: CodeSyntax, Message: fmt.Sprintf(format, args...), Line: t.line, Column: t.col, Offset: t.off}})
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tIdent, tPunct:
		return strconv.Quote(t.text)
	case tString:
		return "string literal"
	}
	return t.kind.String() + " " + strconv.Quote(t.text)
}

func (p *parser) unexpected(want string) {
	t := p.tok()
	p.fail(t, "unexpected %s, expected %s", describe(t), want)
}

func (p *parser) expectPunct(s string) token {
	if !p.isPunct(s) {
		p.unexpected(strconv.Quote(s))
	}
	return p.advance()
}

func (p *parser) expectKw(s string) token {
	if !p.isKw(s) {
		p.unexpected(strconv.Quote(s))
	}
	return p.advance()
}

func (p *parser) enter() {
	p.depth++
	if p.depth > maxDepth {
		p.fail(p.tok(), "query is nested too deeply (more than %d levels)", maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

// --- statements ---

func (p *parser) parseStatement(inBody bool) Stmt {
	start := p.pos()
	switch {
	case p.isKw("let") && p.startsName(1):
		return p.parseLet()
	case p.isKw("set") && !inBody && p.peek(1).kind == tIdent &&
		(p.isPunctAt(2, "=") || p.isPunctAt(2, ";") || p.isPunctAt(2, ".") || p.peek(2).kind == tEOF):
		p.advance()
		st := &SetStmt{Pos: start, Name: p.parseDottedName()}
		if p.isPunct("=") {
			p.advance()
			st.Value = p.parseUnary()
		}
		return st
	case p.isKw("declare") && p.isKwAt(1, "query_parameters") && p.isPunctAt(2, "("):
		p.advance()
		p.advance()
		p.advance()
		st := &DeclareStmt{Pos: start}
		for {
			prm := &Param{Pos: p.pos(), Name: p.parseName()}
			p.expectPunct(":")
			prm.Type = p.parseTypeName()
			if p.isPunct("=") {
				p.advance()
				prm.Default = p.parseUnnamed()
			}
			st.Params = append(st.Params, prm)
			if !p.isPunct(",") {
				break
			}
			p.advance()
		}
		p.expectPunct(")")
		return st
	case p.isKw("alias") || p.isKw("restrict") || p.isKw("declare") && p.isKwAt(1, "pattern"):
		p.fail(p.tok(), "the %s statement is not supported", p.tok().text)
	}
	return &ExprStmt{Pos: start, Expr: p.parseExpr()}
}

// parseDottedName reads name(.name)*: set options have dotted names.
func (p *parser) parseDottedName() string {
	name := p.parseName().Name
	for p.isPunct(".") && p.peek(1).kind == tIdent {
		p.advance()
		name += "." + p.advance().text
	}
	return name
}

// startsName reports whether token n starts a name: an identifier or a
// ['bracketed name'].
func (p *parser) startsName(n int) bool {
	t := p.peek(n)
	return t.kind == tIdent || t.kind == tPunct && t.text == "[" && p.peek(n+1).kind == tString
}

func (p *parser) parseLet() *LetStmt {
	start := p.pos()
	p.expectKw("let")
	st := &LetStmt{Pos: start, Name: p.parseName()}
	p.expectPunct("=")
	switch {
	case p.isKw("view") && p.isPunctAt(1, "("):
		vpos := p.pos()
		p.advance()
		fd := p.parseFuncDecl(vpos)
		fd.View = true
		st.Value = fd
	case p.isPunct("(") && p.looksLikeParams():
		st.Value = p.parseFuncDecl(p.pos())
	default:
		st.Value = p.parseExpr()
	}
	return st
}

// looksLikeParams reports whether the '(' at the current token opens a
// function's parameter list rather than a parenthesized expression.
func (p *parser) looksLikeParams() bool {
	if p.isPunctAt(1, ")") {
		return p.isPunctAt(2, "{")
	}
	n := 1
	if p.peek(n).kind == tIdent {
		n++
	} else if p.isPunctAt(n, "[") && p.peek(n+1).kind == tString && p.isPunctAt(n+2, "]") {
		n += 3
	} else {
		return false
	}
	return p.isPunctAt(n, ":")
}

func (p *parser) parseFuncDecl(start Pos) *FuncDecl {
	fd := &FuncDecl{Pos: start}
	p.expectPunct("(")
	for !p.isPunct(")") {
		prm := &Param{Pos: p.pos(), Name: p.parseName()}
		p.expectPunct(":")
		if p.isPunct("(") {
			prm.Tabular = true
			p.advance()
			if p.isPunct("*") {
				p.advance()
				p.expectPunct(")")
			} else {
				prm.Columns = p.parseColumnDecls()
			}
		} else {
			prm.Type = p.parseTypeName()
		}
		if p.isPunct("=") {
			p.advance()
			prm.Default = p.parseUnnamed()
		}
		fd.Params = append(fd.Params, prm)
		if !p.isPunct(",") {
			break
		}
		p.advance()
	}
	p.expectPunct(")")
	fd.Body = p.parseFuncBody()
	return fd
}

func (p *parser) parseFuncBody() *FuncBody {
	body := &FuncBody{Pos: p.pos()}
	p.expectPunct("{")
	p.enter()
	for {
		for p.isPunct(";") {
			p.advance()
		}
		if p.isPunct("}") {
			break
		}
		if p.isKw("let") && p.startsName(1) {
			body.Lets = append(body.Lets, p.parseLet())
			if !p.isPunct(";") {
				p.unexpected("';' after let")
			}
			continue
		}
		if body.Expr != nil {
			p.unexpected("'}'")
		}
		body.Expr = p.parseExpr()
		if !p.isPunct(";") && !p.isPunct("}") {
			p.unexpected("'}'")
		}
	}
	p.leave()
	p.expectPunct("}")
	if body.Expr == nil {
		p.fail(p.toks[p.i-1], "function body has no expression")
	}
	return body
}

// scalarTypes are the type names of schemas and parameters, with their
// canonical names.
var scalarTypes = map[string]string{
	"bool": "bool", "boolean": "bool",
	"int": "int", "int32": "int", "int8": "int", "int16": "int", "uint": "long", "uint8": "int", "uint16": "int", "uint32": "long", "byte": "int",
	"long": "long", "int64": "long", "uint64": "long", "ulong": "long",
	"real": "real", "double": "real", "float": "real",
	"decimal": "decimal",
	"string":  "string", "char": "string",
	"datetime": "datetime", "date": "datetime",
	"timespan": "timespan", "time": "timespan",
	"dynamic": "dynamic",
	"guid":    "guid", "uniqueid": "guid", "uuid": "guid",
}

func (p *parser) parseTypeName() string {
	t := p.tok()
	if t.kind == tIdent {
		if canon, ok := scalarTypes[t.text]; ok {
			p.advance()
			return canon
		}
	}
	p.fail(t, "unexpected %s, expected a type name (string, long, int, real, bool, datetime, timespan, dynamic, guid)", describe(t))
	return ""
}

// parseColumnDecls parses "a:string, b:long)" after an opening '('.
func (p *parser) parseColumnDecls() []ColumnDecl {
	var cols []ColumnDecl
	for !p.isPunct(")") {
		start := p.pos()
		name := p.parseName()
		p.expectPunct(":")
		cols = append(cols, ColumnDecl{Pos: start, Name: name.Name, Type: p.parseTypeName()})
		if !p.isPunct(",") {
			break
		}
		p.advance()
	}
	p.expectPunct(")")
	return cols
}

// parseName reads an identifier or a ['bracketed name'].
func (p *parser) parseName() *Ident {
	t := p.tok()
	if t.kind == tIdent {
		p.advance()
		return &Ident{Pos: tokPos(t), Name: t.text}
	}
	if p.isPunct("[") && p.peek(1).kind == tString {
		p.advance()
		s := p.parseStringLit()
		p.expectPunct("]")
		return &Ident{Pos: tokPos(t), Name: s.Str, Quoted: true}
	}
	p.unexpected("a name")
	return nil
}

// --- expressions ---

// sourceKeywords start a query: union T, print x, range ..., etc.
func (p *parser) atSourceKeyword() bool {
	t := p.tok()
	if t.kind != tIdent {
		return false
	}
	next := p.peek(1)
	// After these, the word is a name (a column called print), not the
	// operator.
	endsExpr := next.kind == tEOF || next.kind == tPunct && map[string]bool{
		"|": true, ")": true, ",": true, ";": true, "}": true, ".": true, "==": true, "!=": true, "=~": true,
		"!~": true, "<": true, ">": true, "<=": true, ">=": true, "=": true, "/": true, "%": true, "..": true, "]": true,
	}[next.text]
	switch t.text {
	case "union", "search", "find", "print":
		return !endsExpr
	case "evaluate":
		return next.kind == tIdent || p.startsName(1)
	case "range":
		return next.kind == tIdent && p.isKwAt(2, "from")
	}
	return false
}

// parseExpr parses a full expression: a scalar expression or a tabular
// source followed by piped operators.
func (p *parser) parseExpr() Expr {
	p.enter()
	defer p.leave()
	start := p.pos()
	var src Expr
	if p.atSourceKeyword() {
		src = p.parseSourceOp()
	} else {
		src = p.parseUnnamed()
	}
	if !p.isPunct("|") {
		return src
	}
	pe := &PipeExpr{Pos: start, Source: src}
	for p.isPunct("|") {
		p.advance()
		pe.Ops = append(pe.Ops, p.parseOperator())
	}
	return pe
}

func (p *parser) parseSourceOp() Expr {
	start := p.pos()
	switch p.tok().text {
	case "union":
		return p.parseUnion()
	case "search":
		return p.parseSearch()
	case "find":
		return p.parseFind()
	case "print":
		p.advance()
		return &PrintOp{Pos: start, Exprs: p.parseNamedList()}
	case "evaluate":
		return p.parseEvaluate()
	case "range":
		p.advance()
		r := &RangeExpr{Pos: start, Name: p.parseName()}
		p.expectKw("from")
		r.From = p.parseUnnamed()
		p.expectKw("to")
		r.To = p.parseUnnamed()
		p.expectKw("step")
		r.Step = p.parseUnnamed()
		return r
	}
	p.unexpected("a query")
	return nil
}

// parseNamed parses [name =] expr or [(a, b) =] expr.
func (p *parser) parseNamed() *NamedExpr {
	start := p.pos()
	ne := &NamedExpr{Pos: start}
	switch {
	case p.tok().kind == tIdent && p.isPunctAt(1, "="):
		ne.Names = []*Ident{p.parseName()}
		p.advance()
	case p.isPunct("[") && p.peek(1).kind == tString && p.isPunctAt(2, "]") && p.isPunctAt(3, "="):
		ne.Names = []*Ident{p.parseName()}
		p.advance()
	case p.isPunct("(") && p.looksLikeNameTuple():
		p.advance()
		for {
			ne.Names = append(ne.Names, p.parseName())
			if !p.isPunct(",") {
				break
			}
			p.advance()
		}
		p.expectPunct(")")
		p.expectPunct("=")
	}
	ne.Value = p.parseUnnamed()
	return ne
}

// looksLikeNameTuple reports whether '(' a, b ) = follows.
func (p *parser) looksLikeNameTuple() bool {
	n := 1
	for {
		if p.peek(n).kind == tIdent {
			n++
		} else if p.isPunctAt(n, "[") && p.peek(n+1).kind == tString && p.isPunctAt(n+2, "]") {
			n += 3
		} else {
			return false
		}
		if p.isPunctAt(n, ",") {
			n++
			continue
		}
		return p.isPunctAt(n, ")") && p.isPunctAt(n+1, "=")
	}
}

func (p *parser) parseNamedList() []*NamedExpr {
	list := []*NamedExpr{p.parseNamed()}
	for p.isPunct(",") {
		p.advance()
		list = append(list, p.parseNamed())
	}
	return list
}

// parseUnnamed parses an expression without pipes: or / and / comparisons
// / arithmetic / string operators / postfix.
func (p *parser) parseUnnamed() Expr {
	p.enter()
	defer p.leave()
	x := p.parseAnd()
	n := 0
	for p.isKw("or") {
		op := p.advance()
		n++
		p.chain(n)
		x = &BinaryExpr{Pos: x.Position(), Op: "or", OpPos: tokPos(op), Left: x, Right: p.parseAnd()}
	}
	return x
}

// chain bounds left-associative chains (a or b or c ...), which nest as
// deeply as parentheses once compiled.
func (p *parser) chain(n int) {
	if p.depth+n > maxDepth*4 {
		p.fail(p.tok(), "expression is too long: more than %d operators in a chain", maxDepth*4)
	}
}

func (p *parser) parseAnd() Expr {
	x := p.parseEquality()
	n := 0
	for p.isKw("and") {
		op := p.advance()
		n++
		p.chain(n)
		x = &BinaryExpr{Pos: x.Position(), Op: "and", OpPos: tokPos(op), Left: x, Right: p.parseEquality()}
	}
	return x
}

// listOp returns the in/has_any family operator at the current token and
// how many tokens it spans.
func (p *parser) listOp() (string, int) {
	switch {
	case p.isKw("in") && p.isPunctAt(1, "~") && p.adjacent(0):
		return "in~", 2
	case p.isKw("in") && !p.isKwAt(1, "range"):
		return "in", 1
	case p.isKw("has_any"):
		return "has_any", 1
	case p.isKw("has_all"):
		return "has_all", 1
	case p.isPunct("!") && p.isKwAt(1, "in") && p.adjacent(0):
		if p.isPunctAt(2, "~") && p.adjacent(1) {
			return "!in~", 3
		}
		return "!in", 2
	}
	return "", 0
}

func (p *parser) parseEquality() Expr {
	start := p.pos()
	var x Expr
	if p.isPunct("*") && p.isPunctAt(1, "==") {
		x = &StarExpr{Pos: start}
		p.advance()
	} else {
		x = p.parseRelational()
	}
	switch {
	case p.isPunct("==") || p.isPunct("!=") || p.isPunct("<>"):
		op := p.advance()
		name := op.text
		if name == "<>" {
			name = "!="
		}
		return &BinaryExpr{Pos: x.Position(), Op: name, OpPos: tokPos(op), Left: x, Right: p.parseRelational()}
	case p.isKw("between") || p.isPunct("!") && p.isKwAt(1, "between") && p.adjacent(0):
		not := p.isPunct("!")
		if not {
			p.advance()
		}
		p.advance()
		p.expectPunct("(")
		lo := p.parseUnnamed()
		p.expectPunct("..")
		hi := p.parseUnnamed()
		p.expectPunct(")")
		return &BetweenExpr{Pos: x.Position(), Not: not, X: x, Lo: lo, Hi: hi}
	}
	if op, n := p.listOp(); n > 0 {
		for range n {
			p.advance()
		}
		p.expectPunct("(")
		in := &InExpr{Pos: x.Position(), Op: op, X: x}
		for {
			in.List = append(in.List, p.parseExpr())
			if !p.isPunct(",") {
				break
			}
			p.advance()
		}
		p.expectPunct(")")
		return in
	}
	return x
}

func (p *parser) parseRelational() Expr {
	x := p.parseAdditive()
	if t := p.tok(); t.kind == tPunct && (t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">=") {
		p.advance()
		return &BinaryExpr{Pos: x.Position(), Op: t.text, OpPos: tokPos(t), Left: x, Right: p.parseAdditive()}
	}
	return x
}

func (p *parser) parseAdditive() Expr {
	x := p.parseMultiplicative()
	n := 0
	for p.isPunct("+") || p.isPunct("-") {
		t := p.advance()
		n++
		p.chain(n)
		x = &BinaryExpr{Pos: x.Position(), Op: t.text, OpPos: tokPos(t), Left: x, Right: p.parseMultiplicative()}
	}
	return x
}

func (p *parser) parseMultiplicative() Expr {
	x := p.parseStringOp()
	n := 0
	for p.isPunct("*") || p.isPunct("/") || p.isPunct("%") {
		t := p.advance()
		n++
		p.chain(n)
		x = &BinaryExpr{Pos: x.Position(), Op: t.text, OpPos: tokPos(t), Left: x, Right: p.parseStringOp()}
	}
	return x
}

// stringOps maps the string operator words to their canonical names.
var stringOps = map[string]string{
	"has": "has", "has_cs": "has_cs", "hasprefix": "hasprefix", "hasprefix_cs": "hasprefix_cs",
	"hassuffix": "hassuffix", "hassuffix_cs": "hassuffix_cs",
	"contains": "contains", "contains_cs": "contains_cs", "containscs": "contains_cs",
	"notcontains": "!contains", "notcontainscs": "!contains_cs",
	"startswith": "startswith", "startswith_cs": "startswith_cs",
	"endswith": "endswith", "endswith_cs": "endswith_cs",
	"like": "like", "likecs": "likecs", "notlike": "notlike", "notlikecs": "notlikecs",
}

// negatableStringOps may follow '!': !has, !contains, ...
var negatableStringOps = map[string]bool{
	"has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true, "hassuffix": true, "hassuffix_cs": true,
	"contains": true, "contains_cs": true, "startswith": true, "startswith_cs": true, "endswith": true, "endswith_cs": true,
}

// stringOpAt returns the string operator starting n tokens ahead, and how
// many tokens it spans.
func (p *parser) stringOpAt(n int) (string, int) {
	t := p.peek(n)
	switch {
	case t.kind == tPunct && (t.text == "=~" || t.text == "!~"):
		return t.text, 1
	case t.kind == tPunct && t.text == ":":
		return ":", 1
	case t.kind == tPunct && t.text == "!" && p.peek(n+1).kind == tIdent && negatableStringOps[p.peek(n+1).text] && p.adjacent(n):
		return "!" + p.peek(n+1).text, 2
	case t.kind == tIdent && t.text == "matches" && p.isKwAt(n+1, "regex"):
		return "matches regex", 2
	case t.kind == tIdent:
		if op, ok := stringOps[t.text]; ok {
			return op, 1
		}
	}
	return "", 0
}

func (p *parser) parseStringOp() Expr {
	start := p.pos()
	if p.isPunct("*") {
		if op, n := p.stringOpAt(1); n > 0 {
			p.advance()
			opTok := p.tok()
			for range n {
				p.advance()
			}
			return &BinaryExpr{Pos: start, Op: op, OpPos: tokPos(opTok), Left: &StarExpr{Pos: start}, Right: p.parseUnary()}
		}
	}
	x := p.parseUnary()
	if op, n := p.stringOpAt(0); n > 0 {
		opTok := p.tok()
		for range n {
			p.advance()
		}
		return &BinaryExpr{Pos: x.Position(), Op: op, OpPos: tokPos(opTok), Left: x, Right: p.parseUnary()}
	}
	return x
}

func (p *parser) parseUnary() Expr {
	if p.isPunct("-") || p.isPunct("+") {
		t := p.advance()
		p.enter()
		defer p.leave()
		return &UnaryExpr{Pos: tokPos(t), Op: t.text, X: p.parseUnary()}
	}
	return p.parsePostfix()
}

func (p *parser) parsePostfix() Expr {
	x := p.parsePrimary()
	for n := 1; ; n++ {
		p.chain(n)
		switch {
		case p.isPunct(".") && p.isPunctAt(1, "[") && !(p.peek(2).kind == tString && p.isPunctAt(3, "]")):
			// The legacy x.["key"] / x.[0] form of x["key"] / x[0].
			p.advance()
			p.advance()
			p.enter()
			idx := p.parseUnnamed()
			p.leave()
			p.expectPunct("]")
			x = &IndexExpr{Pos: x.Position(), X: x, Index: idx}
		case p.isPunct("."):
			p.advance()
			name := p.parseMemberName()
			if p.isPunct("(") {
				p.fail(p.tok(), "method calls (x.%s(...)) are not supported", name.Name)
			}
			x = &MemberExpr{Pos: x.Position(), X: x, Name: name}
		case p.isPunct("["):
			p.advance()
			p.enter()
			idx := p.parseUnnamed()
			p.leave()
			p.expectPunct("]")
			x = &IndexExpr{Pos: x.Position(), X: x, Index: idx}
		default:
			return x
		}
	}
}

// parseMemberName reads the name after '.': any identifier or keyword, or
// a ['bracketed name'].
func (p *parser) parseMemberName() *Ident {
	t := p.tok()
	switch {
	case t.kind == tIdent:
		p.advance()
		return &Ident{Pos: tokPos(t), Name: t.text}
	case t.kind == tLong:
		// x.0 is not valid KQL either; say so clearly.
		p.fail(t, "unexpected number after '.': use x[%s]", t.text)
	}
	return p.parseName()
}

// reservedTypeNames cannot be used as plain names in expressions.
var reservedTypeNames = map[string]bool{
	"string": true, "int": true, "long": true, "real": true, "double": true, "datetime": true, "timespan": true,
	"dynamic": true, "decimal": true, "date": true, "time": true, "boolean": true, "int64": true, "int32": true,
	"int8": true, "int16": true, "uniqueid": true, "float": true, "uint": true, "ulong": true,
}

func (p *parser) parsePrimary() Expr {
	t := p.tok()
	start := tokPos(t)
	switch t.kind {
	case tString:
		return p.parseStringLit()
	case tLong:
		p.advance()
		v, err := strconv.ParseInt(t.text, 0, 64)
		if err != nil {
			if u, uerr := strconv.ParseUint(t.text, 0, 64); uerr == nil && strings.HasPrefix(strings.ToLower(t.text), "0x") {
				v = int64(u)
			} else {
				p.fail(t, "integer literal %s is out of range", t.text)
			}
		}
		return &Literal{Pos: start, Kind: LitLong, Raw: t.text, Int: v}
	case tReal:
		p.advance()
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil && !math.IsInf(v, 0) {
			p.fail(t, "malformed real literal %s", t.text)
		}
		return &Literal{Pos: start, Kind: LitReal, Raw: t.text, Real: v}
	case tTimespan:
		p.advance()
		d, err := parseTimespanToken(t.text)
		if err != nil {
			p.fail(t, "timespan literal %s is out of range", t.text)
		}
		return &Literal{Pos: start, Kind: LitTimespan, Raw: t.text, Span: d}
	case tGoo:
		p.advance()
		return p.gooLiteral(t)
	case tPunct:
		switch t.text {
		case "(":
			p.advance()
			x := p.parseExpr()
			p.expectPunct(")")
			return &ParenExpr{Pos: start, X: x}
		case "[":
			if p.peek(1).kind == tString {
				name := p.parseName()
				if p.isPunct("(") {
					return p.parseCallArgs(name)
				}
				return name
			}
		case "*":
			p.fail(t, "unexpected '*': it is only allowed as a function argument, in search, or before a string operator")
		}
		p.unexpected("an expression")
	case tIdent:
		return p.parseIdentPrimary()
	}
	p.unexpected("an expression")
	return nil
}

func (p *parser) parseIdentPrimary() Expr {
	t := p.tok()
	start := tokPos(t)
	next := p.peek(1)
	call := next.kind == tPunct && next.text == "("
	switch t.text {
	case "true", "True", "TRUE":
		p.advance()
		return &Literal{Pos: start, Kind: LitBool, Raw: t.text, Bool: true}
	case "false", "False", "FALSE":
		p.advance()
		return &Literal{Pos: start, Kind: LitBool, Raw: t.text}
	case "dynamic":
		if call {
			p.advance()
			p.advance()
			p.enter()
			var v Expr
			if p.isKw("null") {
				p.advance()
			} else {
				v = p.parseJSON()
			}
			p.leave()
			p.expectPunct(")")
			return &DynamicLit{Pos: start, Value: v}
		}
	case "typeof":
		if call {
			p.advance()
			p.advance()
			if p.tok().kind == tIdent && !p.isPunctAt(1, ":") {
				ty := p.parseTypeName()
				p.expectPunct(")")
				return &TypeOfExpr{Pos: start, Columns: []ColumnDecl{{Pos: start, Type: ty}}}
			}
			return &TypeOfExpr{Pos: start, Columns: p.parseColumnDecls()}
		}
	case "toscalar":
		if call {
			p.advance()
			p.advance()
			if p.isKw("kind") && p.isPunctAt(1, "=") {
				p.advance()
				p.advance()
				p.expectKw("nooptimization")
			}
			x := p.parseExpr()
			p.expectPunct(")")
			return &ToScalarExpr{Pos: start, X: x}
		}
	case "materialize":
		if call {
			p.advance()
			p.advance()
			x := p.parseExpr()
			p.expectPunct(")")
			return &MaterializeExpr{Pos: start, X: x}
		}
	case "datatable":
		if call || next.kind == tIdent && p.isPunctAt(2, "=") {
			return p.parseDatatable()
		}
	case "externaldata", "external_data":
		if call || next.kind == tIdent && p.isPunctAt(2, "=") {
			return p.parseExternalData()
		}
	}
	if reservedTypeNames[t.text] {
		p.fail(t, "unexpected type name %q in an expression", t.text)
	}
	name := p.parseName()
	if !call {
		return name
	}
	return p.parseCallArgs(name)
}

func (p *parser) parseCallArgs(name *Ident) *CallExpr {
	p.expectPunct("(")
	p.enter()
	defer p.leave()
	c := &CallExpr{Pos: name.Pos, Name: name}
	for !p.isPunct(")") {
		if p.isPunct("*") && (p.isPunctAt(1, ")") || p.isPunctAt(1, ",")) {
			c.Args = append(c.Args, &StarExpr{Pos: p.pos()})
			p.advance()
		} else {
			ne := p.parseNamedArg()
			c.Args = append(c.Args, ne)
		}
		if !p.isPunct(",") {
			break
		}
		p.advance()
	}
	p.expectPunct(")")
	return c
}

// parseNamedArg parses a call argument: name = expr (a named argument) or
// an expression, which may be a query (f(T | where ...)).
func (p *parser) parseNamedArg() Expr {
	if p.tok().kind == tIdent && p.isPunctAt(1, "=") ||
		p.isPunct("[") && p.peek(1).kind == tString && p.isPunctAt(2, "]") && p.isPunctAt(3, "=") {
		start := p.pos()
		name := p.parseName()
		p.advance()
		return &NamedExpr{Pos: start, Names: []*Ident{name}, Value: p.parseExpr()}
	}
	return p.parseExpr()
}

func (p *parser) parseStringLit() *Literal {
	t := p.tok()
	lit := &Literal{Pos: tokPos(t), Kind: LitString}
	var b strings.Builder
	raw := []string{}
	for p.tok().kind == tString {
		s := p.advance()
		b.WriteString(s.val)
		raw = append(raw, s.text)
		lit.Obfuscated = lit.Obfuscated || s.obfuscated
	}
	lit.Str = b.String()
	lit.Raw = strings.Join(raw, " ")
	return lit
}

// gooLiteral turns datetime(...), timespan(...), guid(...), long(...), ...
// into a literal.
func (p *parser) gooLiteral(t token) *Literal {
	open := strings.IndexByte(t.text, '(')
	typ, content := t.text[:open], strings.TrimSpace(t.text[open+1:len(t.text)-1])
	lit := &Literal{Pos: tokPos(t), Raw: t.text}
	null := content == "null"
	// Malformed content is a semantic error, as in Kusto: the parser
	// takes any text up to ')'.
	bad := func(what string) { lit.Err = "malformed " + what + " literal " + t.text }
	switch scalarTypes[typ] {
	case "datetime":
		lit.Kind = LitDatetime
		if !null {
			tm, err := parseDatetimeText(unquoteGoo(content))
			if err != nil {
				bad("datetime")
			}
			lit.Time = tm
		}
	case "timespan":
		lit.Kind = LitTimespan
		if !null {
			d, err := parseTimespanText(unquoteGoo(content))
			if err != nil {
				bad("timespan")
			}
			lit.Span = d
		}
	case "guid":
		lit.Kind = LitGuid
		if !null {
			g, ok := parseGuidText(content)
			if !ok {
				bad("guid")
			}
			lit.Str = g
		}
	case "long", "int":
		lit.Kind = LitLong
		if scalarTypes[typ] == "int" {
			lit.Kind = LitInt
		}
		if !null {
			v, err := strconv.ParseInt(strings.ReplaceAll(content, " ", ""), 0, 64)
			if err != nil || lit.Kind == LitInt && (v > math.MaxInt32 || v < math.MinInt32) {
				bad(typ)
			}
			lit.Int = v
		}
	case "real", "decimal":
		lit.Kind = LitReal
		if scalarTypes[typ] == "decimal" {
			lit.Kind = LitDecimal
		}
		if !null {
			switch strings.ToLower(strings.ReplaceAll(content, " ", "")) {
			case "nan":
				lit.Real = math.NaN()
			case "inf", "+inf":
				lit.Real = math.Inf(1)
			case "-inf":
				lit.Real = math.Inf(-1)
			default:
				v, err := strconv.ParseFloat(strings.ReplaceAll(content, " ", ""), 64)
				if err != nil {
					bad(typ)
				}
				lit.Real = v
			}
		}
	case "bool":
		lit.Kind = LitBool
		if !null {
			switch strings.ToLower(content) {
			case "true", "1":
				lit.Bool = true
			case "false", "0":
			default:
				bad("bool")
			}
		}
	default:
		bad(typ)
	}
	lit.Null = null
	return lit
}

// parseJSON parses a value inside dynamic(...): arrays, objects, strings,
// numbers, booleans, null, typed literals and nested dynamic(...).
func (p *parser) parseJSON() Expr {
	p.enter()
	defer p.leave()
	t := p.tok()
	start := tokPos(t)
	switch {
	case p.isPunct("["):
		p.advance()
		arr := &DynArray{Pos: start}
		for !p.isPunct("]") {
			arr.Items = append(arr.Items, p.parseJSON())
			if !p.isPunct(",") {
				break
			}
			p.advance()
		}
		p.expectPunct("]")
		return arr
	case p.isPunct("{"):
		p.advance()
		obj := &DynObject{Pos: start}
		for !p.isPunct("}") {
			if p.tok().kind != tString {
				p.unexpected("a string key")
			}
			key := p.parseStringLit()
			p.expectPunct(":")
			obj.Keys = append(obj.Keys, key.Str)
			obj.Values = append(obj.Values, p.parseJSON())
			if !p.isPunct(",") {
				break
			}
			p.advance()
		}
		p.expectPunct("}")
		return obj
	case p.isKw("null"):
		p.advance()
		return &Literal{Pos: start, Kind: LitNull, Raw: "null", Null: true}
	case p.isKw("dynamic") && p.isPunctAt(1, "("):
		return p.parseIdentPrimary()
	case p.isPunct("-") || p.isPunct("+"):
		sign := p.advance()
		v := p.parsePrimary()
		lit, ok := v.(*Literal)
		if !ok || (lit.Kind != LitLong && lit.Kind != LitReal && lit.Kind != LitTimespan) {
			p.fail(sign, "unexpected sign in dynamic literal")
		}
		if sign.text == "-" {
			lit.Int, lit.Real, lit.Span = -lit.Int, -lit.Real, -lit.Span
			lit.Raw = "-" + lit.Raw
		}
		lit.Pos = tokPos(sign)
		return lit
	case t.kind == tString || t.kind == tLong || t.kind == tReal || t.kind == tTimespan || t.kind == tGoo ||
		t.kind == tIdent && (t.text == "true" || t.text == "false" || t.text == "True" || t.text == "False" || t.text == "TRUE" || t.text == "FALSE"):
		return p.parsePrimary()
	}
	p.unexpected("a dynamic value (array, object, string, number, bool or null)")
	return nil
}
