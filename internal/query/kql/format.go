package kql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format prints a query as KQL text: one statement per line ending in
// ';' (but the last), and each piped operator on a line of its own.
// Parsing the result gives the same tree as the input (Dump-equal).
func Format(q *Query) string {
	var f formatter
	for i, st := range q.Statements {
		if i > 0 {
			f.w(";\n")
		}
		f.stmt(st)
	}
	return f.b.String()
}

// FormatExpr prints one expression.
func FormatExpr(x Expr) string {
	var f formatter
	f.expr(x, 0)
	return f.b.String()
}

type formatter struct {
	b      strings.Builder
	indent int
}

func (f *formatter) w(s ...string) {
	for _, x := range s {
		f.b.WriteString(x)
	}
}

func (f *formatter) nl() {
	f.w("\n", strings.Repeat("    ", f.indent))
}

// isPlainName reports whether s can be written as a bare identifier.
func isPlainName(s string) bool {
	if s == "" || reservedTypeNames[s] || nameNeedsQuotes[s] {
		return false
	}
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || !isIdentChar(r) && !(i == 0 && r == '$') {
			return false
		}
	}
	return true
}

// nameNeedsQuotes are words that, written bare, would parse as something
// other than a name.
var nameNeedsQuotes = func() map[string]bool {
	m := map[string]bool{
		"true": true, "false": true, "True": true, "False": true, "TRUE": true, "FALSE": true,
		"and": true, "or": true, "in": true, "between": true, "has_any": true, "has_all": true, "matches": true,
		"dynamic": true, "typeof": true, "toscalar": true, "materialize": true, "datatable": true, "externaldata": true,
		"external_data": true, "let": true, "set": true, "print": true, "union": true, "range": true, "search": true,
		"find": true, "evaluate": true, "declare": true, "alias": true, "restrict": true, "view": true,
		"by": true, "on": true, "with": true, "asc": true, "desc": true, "nulls": true, "of": true, "to": true,
		"from": true, "step": true, "kind": true, "default": true, "limit": true, "where": true, "project": true,
		"as": true, "null": true, "hint": true,
	}
	for k := range stringOps {
		m[k] = true
	}
	return m
}()

func (f *formatter) name(s string) {
	if isPlainName(s) {
		f.w(s)
		return
	}
	f.w("[", quoteKQL(s), "]")
}

// quoteKQL writes a string as a double-quoted KQL literal.
func quoteKQL(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == utf8.RuneError {
				b.WriteString(`\u`)
				h := strconv.FormatInt(int64(r), 16)
				b.WriteString(strings.Repeat("0", 4-len(h)) + h)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

func (f *formatter) stmt(st Stmt) {
	switch st := st.(type) {
	case *LetStmt:
		f.w("let ")
		f.name(st.Name.Name)
		f.w(" = ")
		f.expr(st.Value, 0)
	case *SetStmt:
		f.w("set ", st.Name)
		if st.Value != nil {
			f.w(" = ")
			f.expr(st.Value, 0)
		}
	case *ExprStmt:
		f.expr(st.Expr, 0)
	case *DeclareStmt:
		f.w("declare query_parameters(")
		for i, p := range st.Params {
			if i > 0 {
				f.w(", ")
			}
			f.name(p.Name.Name)
			f.w(":", p.Type)
			if p.Default != nil {
				f.w(" = ")
				f.expr(p.Default, 0)
			}
		}
		f.w(")")
	}
}

// Precedence levels, loosest first.
const (
	precOr = iota + 1
	precAnd
	precEquality
	precRelational
	precAdditive
	precMultiplicative
	precString
	precUnary
	precPostfix
)

func binaryPrec(op string) int {
	switch op {
	case "or":
		return precOr
	case "and":
		return precAnd
	case "==", "!=":
		return precEquality
	case "<", "<=", ">", ">=":
		return precRelational
	case "+", "-":
		return precAdditive
	case "*", "/", "%":
		return precMultiplicative
	}
	return precString
}

func exprPrec(x Expr) int {
	switch x := x.(type) {
	case *BinaryExpr:
		return binaryPrec(x.Op)
	case *InExpr, *BetweenExpr:
		return precEquality
	case *UnaryExpr:
		return precUnary
	case *PipeExpr, *UnionOp, *SearchOp, *FindOp, *EvaluateOp, *PrintOp, *RangeExpr:
		return 0
	}
	return precPostfix
}

// expr prints x; min is the loosest precedence allowed without parentheses.
func (f *formatter) expr(x Expr, min int) {
	if p := exprPrec(x); p < min {
		f.w("(")
		f.expr(x, 0)
		f.w(")")
		return
	}
	switch x := x.(type) {
	case nil:
	case *Literal:
		f.literal(x)
	case *Ident:
		f.name(x.Name)
	case *Wildcard:
		f.w(x.Pattern)
	case *StarExpr:
		f.w("*")
	case *BinaryExpr:
		p := binaryPrec(x.Op)
		// Left-associative levels take the same level on the left; the
		// comparison levels take none.
		left, right := p, p+1
		if p == precEquality || p == precRelational || p == precString {
			left = p + 1
		}
		f.expr(x.Left, left)
		f.w(" ", x.Op, " ")
		f.expr(x.Right, right)
	case *UnaryExpr:
		f.w(x.Op)
		if _, ok := x.X.(*UnaryExpr); ok {
			f.w(" ")
		}
		f.expr(x.X, precUnary)
	case *InExpr:
		f.expr(x.X, precRelational)
		f.w(" ", x.Op, " (")
		for i, it := range x.List {
			if i > 0 {
				f.w(", ")
			}
			f.expr(it, 0)
		}
		f.w(")")
	case *BetweenExpr:
		f.expr(x.X, precRelational)
		if x.Not {
			f.w(" !between (")
		} else {
			f.w(" between (")
		}
		f.expr(x.Lo, precOr)
		f.w(" .. ")
		f.expr(x.Hi, precOr)
		f.w(")")
	case *CallExpr:
		if isIdentWord(x.Name.Name) && !reservedTypeNames[x.Name.Name] && !specialCallNames[x.Name.Name] {
			f.w(x.Name.Name)
		} else {
			f.name(x.Name.Name)
		}
		if gooTypes[x.Name.Name] {
			f.w(" ") // guid(...) would lex as a literal
		}
		f.w("(")
		f.exprList(x.Args)
		f.w(")")
	case *MemberExpr:
		f.expr(x.X, precPostfix)
		if l, ok := x.X.(*Literal); ok && (l.Kind == LitLong || l.Kind == LitReal) {
			f.w(" ") // 0.a would lex as a real
		}
		f.w(".")
		if isPlainName(x.Name.Name) || isIdentWord(x.Name.Name) {
			f.w(x.Name.Name)
		} else {
			f.w("[", quoteKQL(x.Name.Name), "]")
		}
	case *IndexExpr:
		f.expr(x.X, precPostfix)
		f.w("[")
		f.expr(x.Index, 0)
		f.w("]")
	case *ParenExpr:
		f.w("(")
		f.expr(x.X, 0)
		f.w(")")
	case *NamedExpr:
		f.named(x)
	case *DynamicLit:
		f.w("dynamic(")
		if x.Value == nil {
			f.w("null")
		} else {
			f.expr(x.Value, 0)
		}
		f.w(")")
	case *DynArray:
		f.w("[")
		f.exprList(x.Items)
		f.w("]")
	case *DynObject:
		f.w("{")
		for i, k := range x.Keys {
			if i > 0 {
				f.w(", ")
			}
			f.w(quoteKQL(k), ": ")
			f.expr(x.Values[i], 0)
		}
		f.w("}")
	case *TypeOfExpr:
		f.w("typeof(")
		f.cols(x.Columns)
		f.w(")")
	case *ToScalarExpr:
		f.w("toscalar(")
		f.expr(x.X, 0)
		f.w(")")
	case *MaterializeExpr:
		f.w("materialize(")
		f.expr(x.X, 0)
		f.w(")")
	case *FuncDecl:
		if x.View {
			f.w("view ")
		}
		f.w("(")
		for i, p := range x.Params {
			if i > 0 {
				f.w(", ")
			}
			f.name(p.Name.Name)
			f.w(":")
			switch {
			case p.Tabular && len(p.Columns) == 0:
				f.w("(*)")
			case p.Tabular:
				f.w("(")
				f.cols(p.Columns)
				f.w(")")
			default:
				f.w(p.Type)
			}
			if p.Default != nil {
				f.w(" = ")
				f.expr(p.Default, 0)
			}
		}
		f.w(") {")
		f.indent++
		for _, l := range x.Body.Lets {
			f.nl()
			f.stmt(l)
			f.w(";")
		}
		f.nl()
		f.expr(x.Body.Expr, 0)
		f.indent--
		f.nl()
		f.w("}")
	case *PipeExpr:
		if x.Source != nil {
			f.expr(x.Source, 0)
		}
		for i, op := range x.Ops {
			if x.Source != nil || i > 0 {
				f.nl()
				f.w("| ")
			}
			f.op(op)
		}
	case *DatatableExpr:
		f.w("datatable")
		f.params(x.Params)
		f.w("(")
		f.cols(x.Columns)
		f.w(") [")
		f.exprList(x.Values)
		f.w("]")
	case *ExternalDataExpr:
		f.w("externaldata")
		f.params(x.Params)
		f.w("(")
		f.cols(x.Columns)
		f.w(") [")
		f.exprList(x.URIs)
		f.w("]")
		if x.With != nil {
			f.w(" with (")
			for i, p := range x.With {
				if i > 0 {
					f.w(", ")
				}
				f.name(p.Name)
				f.w("=")
				f.expr(p.Value, 0)
			}
			f.w(")")
		}
	case *RangeExpr:
		f.w("range ")
		f.name(x.Name.Name)
		f.w(" from ")
		f.expr(x.From, precOr)
		f.w(" to ")
		f.expr(x.To, precOr)
		f.w(" step ")
		f.expr(x.Step, precOr)
	case Operator:
		f.op(x)
	}
}

// specialCallNames are names that, followed by '(', are not function
// calls.
var specialCallNames = map[string]bool{
	"dynamic": true, "typeof": true, "toscalar": true, "materialize": true, "datatable": true,
	"externaldata": true, "external_data": true,
}

// isIdentWord reports whether s lexes as one identifier token (keywords
// included): allowed bare after '.'.
func isIdentWord(s string) bool {
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || !isIdentChar(r) && !(i == 0 && r == '$') {
			return false
		}
	}
	return s != "" && s[0] != '$'
}

func (f *formatter) exprList(xs []Expr) {
	for i, x := range xs {
		if i > 0 {
			f.w(", ")
		}
		f.expr(x, 0)
	}
}

func (f *formatter) named(n *NamedExpr) {
	switch len(n.Names) {
	case 0:
	case 1:
		f.name(n.Names[0].Name)
		f.w(" = ")
	default:
		f.w("(")
		for i, nm := range n.Names {
			if i > 0 {
				f.w(", ")
			}
			f.name(nm.Name)
		}
		f.w(") = ")
	}
	f.expr(n.Value, 0)
}

func (f *formatter) namedList(ns []*NamedExpr) {
	for i, n := range ns {
		if i > 0 {
			f.w(", ")
		}
		f.named(n)
	}
}

func (f *formatter) cols(cs []ColumnDecl) {
	for i, c := range cs {
		if i > 0 {
			f.w(", ")
		}
		if c.Name != "" {
			f.name(c.Name)
			f.w(":")
		}
		f.w(c.Type)
	}
}

func (f *formatter) params(ps []*OpParam) {
	for _, p := range ps {
		f.w(" ", p.Name, "=")
		if id, ok := p.Value.(*Ident); ok {
			f.w(id.Name) // a parameter value is one token, printed as written
			continue
		}
		f.expr(p.Value, 0)
	}
}

func (f *formatter) literal(l *Literal) {
	switch l.Kind {
	case LitString:
		if l.Obfuscated {
			f.w("h")
		}
		f.w(quoteKQL(l.Str))
	case LitNull:
		f.w("null")
	default:
		f.w(l.Raw)
	}
}

func (f *formatter) sortKey(k *SortKey) {
	if n, ok := k.Expr.(*NamedExpr); ok {
		f.named(n)
	} else if x, ok := k.Expr.(Expr); ok {
		f.expr(x, precOr)
	}
	if k.Order != "" {
		f.w(" ", k.Order)
	}
	if k.Nulls != "" {
		f.w(" nulls ", k.Nulls)
	}
}

func (f *formatter) mvItems(items []*MvExpandItem) {
	for i, it := range items {
		if i > 0 {
			f.w(", ")
		}
		f.named(it.Expr)
		if it.To != "" {
			f.w(" to typeof(", it.To, ")")
		}
	}
}

// sub prints a sub-query in parentheses.
func (f *formatter) sub(x Expr) {
	f.w("(")
	f.indent++
	f.expr(x, 0)
	f.indent--
	f.w(")")
}

func (f *formatter) op(op Operator) {
	switch op := op.(type) {
	case *WhereOp:
		f.w(op.Keyword)
		f.params(op.Params)
		f.w(" ")
		f.expr(op.Pred, 0)
	case *ExtendOp:
		f.w("extend ")
		f.namedList(op.Exprs)
	case *ProjectOp:
		f.w(op.Keyword)
		for i, it := range op.Items {
			if i > 0 {
				f.w(",")
			}
			f.w(" ")
			switch it := it.(type) {
			case *NamedExpr:
				f.named(it)
			case *SortKey:
				f.sortKey(it)
			case Expr:
				f.expr(it, 0)
			}
		}
	case *SummarizeOp:
		f.w("summarize")
		f.params(op.Params)
		if len(op.Aggs) > 0 {
			f.w(" ")
			f.namedList(op.Aggs)
		}
		if len(op.By) > 0 {
			f.w(" by ")
			f.namedList(op.By)
		}
	case *SortOp:
		f.w(op.Keyword)
		f.params(op.Params)
		f.w(" by ")
		for i, k := range op.Keys {
			if i > 0 {
				f.w(", ")
			}
			f.sortKey(k)
		}
	case *TopOp:
		f.w("top")
		f.params(op.Params)
		f.w(" ")
		f.expr(op.N, precOr)
		f.w(" by ")
		f.sortKey(op.By)
	case *TakeOp:
		f.w(op.Keyword)
		f.params(op.Params)
		f.w(" ")
		f.expr(op.N, 0)
	case *DistinctOp:
		f.w("distinct")
		f.params(op.Params)
		if op.Star {
			f.w(" *")
		} else {
			f.w(" ")
			f.namedList(op.Exprs)
		}
	case *CountOp:
		f.w("count")
		f.params(op.Params)
		if op.As != nil {
			f.w(" as ")
			f.name(op.As.Name)
		}
	case *JoinOp:
		f.w("join")
		f.params(op.Params)
		f.w(" ")
		f.joinRight(op.Right)
		if op.On != nil {
			f.w(" on ")
			f.exprList(op.On)
		}
		if op.Where != nil {
			f.w(" where ")
			f.expr(op.Where, 0)
		}
	case *LookupOp:
		f.w("lookup")
		f.params(op.Params)
		f.w(" ")
		f.joinRight(op.Right)
		f.w(" on ")
		f.exprList(op.On)
	case *UnionOp:
		f.w("union")
		f.params(op.Params)
		for i, t := range op.Tables {
			if i > 0 {
				f.w(",")
			}
			f.w(" ")
			f.expr(t, precPostfix)
		}
	case *MvExpandOp:
		f.w(op.Keyword)
		f.params(op.Params)
		f.w(" ")
		f.mvItems(op.Items)
		if op.Limit != nil {
			f.w(" limit ")
			f.expr(op.Limit, 0)
		}
	case *MvApplyOp:
		f.w(op.Keyword)
		f.params(op.Params)
		f.w(" ")
		f.mvItems(op.Items)
		if op.Limit != nil {
			f.w(" limit ")
			f.expr(op.Limit, 0)
		}
		f.w(" on ")
		f.sub(op.On)
	case *ParseOp:
		f.w(op.Keyword)
		if op.Kind != "" {
			f.w(" kind=", op.Kind)
			if op.Flags != "" {
				f.w(" flags=", op.Flags)
			}
		}
		f.w(" ")
		f.expr(op.X, precOr)
		f.w(" with")
		for _, el := range op.Pattern {
			f.w(" ")
			switch el.Kind {
			case PatStar:
				f.w("*")
			case PatText:
				f.w(quoteKQL(el.Text))
			default:
				f.name(el.Name.Name)
				if el.Type != "" {
					f.w(":", el.Type)
				}
			}
		}
	case *ParseKvOp:
		f.w("parse-kv ")
		f.expr(op.X, precOr)
		f.w(" as (")
		f.cols(op.Columns)
		f.w(")")
		if op.With != nil {
			f.w(" with (")
			for i, p := range op.With {
				if i > 0 {
					f.w(", ")
				}
				f.name(p.Name)
				f.w("=")
				f.expr(p.Value, 0)
			}
			f.w(")")
		}
	case *MakeSeriesOp:
		f.w("make-series")
		f.params(op.Params)
		for i, a := range op.Aggs {
			if i > 0 {
				f.w(",")
			}
			f.w(" ")
			f.named(a.Expr)
			if a.Default != nil {
				f.w(" default = ")
				f.expr(a.Default, precOr)
			}
		}
		f.w(" on ")
		f.named(op.On)
		if op.InRange {
			f.w(" in range(")
			f.expr(op.From, 0)
			f.w(", ")
			f.expr(op.To, 0)
			f.w(", ")
			f.expr(op.Step, 0)
			f.w(")")
		} else {
			if op.From != nil {
				f.w(" from ")
				f.expr(op.From, precOr)
			}
			if op.To != nil {
				f.w(" to ")
				f.expr(op.To, precOr)
			}
			f.w(" step ")
			f.expr(op.Step, precOr)
		}
		if len(op.By) > 0 {
			f.w(" by ")
			f.namedList(op.By)
		}
	case *EvaluateOp:
		f.w("evaluate")
		f.params(op.Params)
		f.w(" ")
		f.expr(op.Call, 0)
		if op.Schema != nil {
			f.w(" : (")
			f.cols(op.Schema)
			f.w(")")
		}
	case *InvokeOp:
		f.w("invoke ")
		f.expr(op.Call, 0)
	case *AsOp:
		f.w("as")
		f.params(op.Params)
		f.w(" ")
		f.name(op.Name.Name)
	case *GetSchemaOp:
		f.w("getschema")
	case *RenderOp:
		f.w("render ", op.Chart)
		if op.Rest != "" {
			f.w(" ", op.Rest)
		}
	case *SerializeOp:
		f.w("serialize")
		f.params(op.Params)
		if len(op.Exprs) > 0 {
			f.w(" ")
			f.namedList(op.Exprs)
		}
	case *SampleOp:
		f.w("sample")
		f.params(op.Params)
		f.w(" ")
		f.expr(op.N, 0)
	case *SampleDistinctOp:
		f.w("sample-distinct")
		f.params(op.Params)
		f.w(" ")
		f.expr(op.N, precOr)
		f.w(" of ")
		f.expr(op.Of, 0)
	case *TopNestedOp:
		for i, l := range op.Levels {
			if i > 0 {
				f.w(", ")
			}
			f.w("top-nested ")
			if l.N != nil {
				f.expr(l.N, precOr)
				f.w(" ")
			}
			f.w("of ")
			f.named(l.Of)
			if l.Others != nil {
				f.w(" with others = ")
				f.expr(l.Others, precOr)
			}
			f.w(" by ")
			f.sortKey(l.By)
		}
	case *TopHittersOp:
		f.w("top-hitters ")
		f.expr(op.N, precOr)
		f.w(" of ")
		f.named(op.Of)
		if op.By != nil {
			f.w(" by ")
			f.expr(op.By, 0)
		}
	case *PartitionOp:
		f.w("partition")
		f.params(op.Params)
		f.w(" by ")
		f.expr(op.By, precPostfix)
		f.w(" ")
		if op.Braces {
			f.w("{")
			f.expr(op.Sub, 0)
			f.w("}")
		} else {
			f.sub(op.Sub)
		}
	case *ReduceOp:
		f.w("reduce")
		f.params(op.Params)
		f.w(" by ")
		f.named(op.By)
		if len(op.With) > 0 {
			f.w(" with ")
			f.namedList(op.With)
		}
	case *SearchOp:
		f.w("search")
		f.params(op.Params)
		if op.In != nil {
			f.w(" in (")
			f.exprList(op.In)
			f.w(")")
		}
		f.w(" ")
		f.expr(op.Pred, 0)
	case *FindOp:
		f.w("find")
		f.params(op.Params)
		if op.In != nil {
			f.w(" in (")
			f.exprList(op.In)
			f.w(")")
		}
		f.w(" where ")
		f.expr(op.Pred, 0)
		if op.Project != nil {
			f.w(" project ")
			f.exprList(op.Project)
		}
		if op.AwayStar {
			f.w(" project-away *")
		} else if op.ProjectAway != nil {
			f.w(" project-away ")
			f.exprList(op.ProjectAway)
		}
		if op.Smart {
			f.w(" project-smart")
		}
	case *PrintOp:
		f.w("print ")
		f.namedList(op.Exprs)
	case *ConsumeOp:
		f.w("consume")
		f.params(op.Params)
	case *ForkOp:
		f.w("fork")
		for i, b := range op.Branches {
			f.w(" ")
			if op.Names[i] != nil {
				f.name(op.Names[i].Name)
				f.w(" = ")
			}
			f.sub(b)
		}
	}
}

// joinRight prints a join's right side: a name as is, anything else in
// parentheses (which the parser keeps as a ParenExpr).
func (f *formatter) joinRight(x Expr) {
	f.expr(x, precOr)
}
