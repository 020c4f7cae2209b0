package kql

import (
	"strings"
)

// hyphenated lists the operator names written with dashes.
var hyphenated = map[string]bool{
	"mv-expand": true, "mv-apply": true, "project-away": true, "project-keep": true, "project-rename": true,
	"project-reorder": true, "project-smart": true, "parse-where": true, "parse-kv": true, "make-series": true,
	"top-nested": true, "top-hitters": true, "sample-distinct": true, "assert-schema": true, "macro-expand": true,
	"make-graph": true, "graph-match": true, "graph-to-table": true, "graph-shortest-paths": true, "graph-mark-components": true,
}

// operatorName reads an operator keyword, joining dashed names
// (mv-expand) written without spaces.
func (p *parser) operatorName() (string, token) {
	t := p.tok()
	if t.kind != tIdent {
		p.unexpected("a query operator after '|'")
	}
	name := t.text
	n := 0
	for p.isPunctAt(n+1, "-") && p.adjacent(n) && p.peek(n+2).kind == tIdent && p.adjacent(n+1) {
		cand := name + "-" + p.peek(n+2).text
		if !hyphenated[cand] && !hyphenated[cand+"-"] && !strings.HasPrefix(cand, "graph-") {
			break
		}
		name = cand
		n += 2
	}
	for range n + 1 {
		p.advance()
	}
	return name, t
}

// strictParams are the parameter names operators accept before their
// arguments when a name = value there could also be an expression.
func isStrictParam(name string) bool {
	switch name {
	case "bagexpansion", "bin_legacy", "decodeblocks", "expandoutput", "isfuzzy", "kind", "with_itemindex",
		"with_match_id", "with_step_name", "withsource", "with_source", "__isFuzzy", "__id", "__crossCluster",
		"__crossDB", "__packedColumn", "__sourceColumnIndex", "__noWithSource":
		return true
	}
	return strings.HasPrefix(name, "hint.")
}

// paramNameAt returns the parameter name starting at the current token
// (hint.strategy spans three tokens) and its token count, if followed by
// '='.
func (p *parser) paramNameAt() (string, int) {
	if p.tok().kind != tIdent {
		return "", 0
	}
	if p.isKw("hint") && p.isPunctAt(1, ".") && p.peek(2).kind == tIdent && p.isPunctAt(3, "=") {
		return "hint." + p.peek(2).text, 3
	}
	if p.isPunctAt(1, "=") {
		return p.tok().text, 1
	}
	return "", 0
}

// parseParams reads operator parameters: any name = value when relaxed,
// only the known names otherwise.
func (p *parser) parseParams(relaxed bool) []*OpParam {
	var params []*OpParam
	for {
		name, n := p.paramNameAt()
		if n == 0 || !relaxed && !isStrictParam(name) {
			return params
		}
		start := p.pos()
		for range n + 1 {
			p.advance()
		}
		params = append(params, &OpParam{Pos: start, Name: name, Value: p.parseParamValue()})
	}
}

func (p *parser) parseParamValue() Expr {
	t := p.tok()
	if t.kind == tIdent {
		switch t.text {
		case "true", "false", "True", "False", "TRUE", "FALSE":
			return p.parsePrimary()
		}
		p.advance()
		return &Ident{Pos: tokPos(t), Name: t.text}
	}
	if (p.isPunct("-") || p.isPunct("+")) && (p.peek(1).kind == tLong || p.peek(1).kind == tReal) {
		sign := p.advance()
		return &UnaryExpr{Pos: tokPos(sign), Op: sign.text, X: p.parsePrimary()}
	}
	switch t.kind {
	case tString, tLong, tReal, tTimespan, tGoo:
		return p.parsePrimary()
	}
	p.unexpected("a parameter value")
	return nil
}

// parseOperator parses one operator after '|'.
func (p *parser) parseOperator() Operator {
	p.enter()
	defer p.leave()
	start := p.pos()
	if p.tok().kind == tIdent {
		switch p.tok().text {
		case "union":
			return p.parseUnion()
		case "search":
			return p.parseSearch()
		case "find":
			return p.parseFind()
		case "evaluate":
			return p.parseEvaluate()
		}
	}
	name, nameTok := p.operatorName()
	switch name {
	case "where", "filter":
		op := &WhereOp{Pos: start, Keyword: name, Params: p.parseParams(false)}
		// Kusto's grammar takes a named expression here (and semantic
		// analysis refuses the name); so do we.
		op.Pred = p.parseNamedOrPlain()
		return op
	case "extend":
		return &ExtendOp{Pos: start, Exprs: p.parseNamedList()}
	case "project", "project-rename":
		op := &ProjectOp{Pos: start, Keyword: name}
		if p.atOperatorEnd() {
			if name == "project-rename" {
				p.unexpected("new name = old name")
			}
			return op
		}
		for _, ne := range p.parseNamedList() {
			op.Items = append(op.Items, ne)
		}
		return op
	case "project-away", "project-keep":
		op := &ProjectOp{Pos: start, Keyword: name}
		if name == "project-keep" || !p.atOperatorEnd() {
			for {
				op.Items = append(op.Items, p.parseNamePattern())
				if !p.isPunct(",") {
					break
				}
				p.advance()
			}
		}
		return op
	case "project-reorder":
		op := &ProjectOp{Pos: start, Keyword: name}
		for {
			k := &SortKey{Pos: p.pos(), Expr: p.parseNamePattern()}
			switch {
			case p.isKw("asc") || p.isKw("desc"):
				k.Order = p.advance().text
			case p.isKw("granny") && p.isPunctAt(1, "-"):
				p.advance()
				p.advance()
				k.Order = "granny-" + p.advance().text
			}
			op.Items = append(op.Items, k)
			if !p.isPunct(",") {
				break
			}
			p.advance()
		}
		return op
	case "summarize":
		op := &SummarizeOp{Pos: start, Params: p.parseParams(false)}
		if !p.isKw("by") && !p.atOperatorEnd() {
			op.Aggs = p.parseNamedList()
		}
		if p.isKw("by") {
			p.advance()
			op.By = p.parseNamedList()
			if p.isKw("bin") && p.isPunctAt(1, "=") {
				p.fail(p.tok(), "the legacy 'bin=' clause of summarize is not supported: use bin() in by")
			}
		}
		return op
	case "sort", "order":
		op := &SortOp{Pos: start, Keyword: name, Params: p.parseParams(true)}
		p.expectKw("by")
		op.Keys = p.parseSortKeys()
		return op
	case "top":
		op := &TopOp{Pos: start, Params: p.parseParams(false)}
		op.N = p.parseUnnamed()
		p.expectKw("by")
		op.By = p.parseSortKey()
		return op
	case "take", "limit":
		op := &TakeOp{Pos: start, Keyword: name, Params: p.parseParams(false)}
		op.N = p.parseUnnamed()
		return op
	case "distinct":
		op := &DistinctOp{Pos: start, Params: p.parseParams(true)}
		if p.isPunct("*") {
			p.advance()
			op.Star = true
		} else {
			op.Exprs = p.parseNamedList()
		}
		return op
	case "count":
		op := &CountOp{Pos: start, Params: p.parseParams(true)}
		if p.isKw("as") {
			p.advance()
			op.As = p.parseName()
		}
		return op
	case "join":
		op := &JoinOp{Pos: start, Params: p.parseParams(true)}
		op.Right = p.parseUnnamed()
		switch {
		case p.isKw("on"):
			p.advance()
			op.On = p.parseExprList()
		case p.isKw("where"):
			p.advance()
			op.Where = p.parseUnnamed()
		}
		return op
	case "lookup":
		op := &LookupOp{Pos: start, Params: p.parseParams(true)}
		op.Right = p.parseUnnamed()
		p.expectKw("on")
		op.On = p.parseExprList()
		return op
	case "mv-expand", "mvexpand":
		op := &MvExpandOp{Pos: start, Keyword: name, Params: p.parseParams(false)}
		op.Items = p.parseMvItems()
		if p.isKw("limit") {
			p.advance()
			op.Limit = p.parseUnnamed()
		}
		return op
	case "mv-apply", "mvapply":
		op := &MvApplyOp{Pos: start, Keyword: name, Params: p.parseParams(false)}
		op.Items = p.parseMvItems()
		if p.isKw("limit") {
			p.advance()
			op.Limit = p.parseUnnamed()
		}
		if p.isKw("id") {
			p.fail(p.tok(), "mv-apply id= is not supported")
		}
		p.expectKw("on")
		op.On = p.parseSubPipe()
		return op
	case "parse", "parse-where":
		return p.parseParse(start, name)
	case "parse-kv":
		op := &ParseKvOp{Pos: start, X: p.parseUnnamed()}
		p.expectKw("as")
		p.expectPunct("(")
		op.Columns = p.parseColumnDecls()
		if p.isKw("with") {
			p.advance()
			op.With = p.parseParenParams()
		}
		return op
	case "make-series":
		return p.parseMakeSeries(start)
	case "invoke":
		if !p.startsName(0) {
			p.unexpected("a function call")
		}
		return &InvokeOp{Pos: start, Call: p.parseCallArgs(p.parseName())}
	case "as":
		op := &AsOp{Pos: start, Params: p.parseParams(true)}
		op.Name = p.parseName()
		return op
	case "getschema":
		return &GetSchemaOp{Pos: start}
	case "render":
		chart := p.tok()
		if chart.kind != tIdent {
			p.unexpected("a chart type")
		}
		p.advance()
		op := &RenderOp{Pos: start, Chart: chart.text}
		op.Rest = p.skipRest()
		return op
	case "serialize":
		op := &SerializeOp{Pos: start, Params: p.parseParams(false)}
		if !p.atOperatorEnd() {
			op.Exprs = p.parseNamedList()
		}
		return op
	case "sample":
		op := &SampleOp{Pos: start, Params: p.parseParams(false)}
		op.N = p.parseUnnamed()
		return op
	case "sample-distinct":
		op := &SampleDistinctOp{Pos: start, Params: p.parseParams(false)}
		op.N = p.parseUnnamed()
		p.expectKw("of")
		op.Of = p.parseUnnamed()
		return op
	case "top-nested":
		return p.parseTopNested(start)
	case "top-hitters":
		op := &TopHittersOp{Pos: start, N: p.parseUnnamed()}
		p.expectKw("of")
		op.Of = p.parseNamed()
		if p.isKw("by") {
			p.advance()
			op.By = p.parseUnnamed()
		}
		return op
	case "partition":
		op := &PartitionOp{Pos: start, Params: p.parseParams(true)}
		p.expectKw("by")
		op.By = p.parseName()
		for p.isPunct(".") {
			p.advance()
			op.By = &MemberExpr{Pos: op.By.Position(), X: op.By, Name: p.parseMemberName()}
		}
		if p.isKw("in") {
			p.fail(p.tok(), "partition ... in (...) is not supported")
		}
		if p.isPunct("{") {
			p.advance()
			op.Braces = true
			op.Sub = p.parseExpr()
			p.expectPunct("}")
		} else {
			op.Sub = p.parseSubPipe()
		}
		return op
	case "reduce":
		op := &ReduceOp{Pos: start, Params: p.parseParams(false)}
		p.expectKw("by")
		op.By = p.parseNamed()
		if p.isKw("with") {
			p.advance()
			op.With = p.parseNamedList()
		}
		return op
	case "consume":
		return &ConsumeOp{Pos: start, Params: p.parseParams(true)}
	case "fork":
		op := &ForkOp{Pos: start}
		for p.isPunct("(") || p.tok().kind == tIdent && p.isPunctAt(1, "=") {
			var name *Ident
			if !p.isPunct("(") {
				name = p.parseName()
				p.advance()
			}
			op.Names = append(op.Names, name)
			op.Branches = append(op.Branches, p.parseSubPipe())
		}
		if len(op.Branches) == 0 {
			p.unexpected("'(' and a sub-query")
		}
		return op
	case "print":
		p.fail(nameTok, "print starts a query; it cannot follow '|'")
	case "datatable", "range", "let":
		p.fail(nameTok, "%s cannot follow '|'", name)
	}
	p.fail(nameTok, "unknown query operator %q", name)
	return nil
}

// parseNamedOrPlain parses [name =] expr, returning the bare expression
// when unnamed.
func (p *parser) parseNamedOrPlain() Expr {
	ne := p.parseNamed()
	if len(ne.Names) == 0 {
		return ne.Value
	}
	return ne
}

// atOperatorEnd reports whether the operator's arguments are over.
func (p *parser) atOperatorEnd() bool {
	t := p.tok()
	return t.kind == tEOF || t.kind == tPunct && (t.text == "|" || t.text == ";" || t.text == ")" || t.text == "}")
}

// skipRest returns the source text up to the end of the operator: the next
// '|', ';', or unbalanced ')' / '}' outside brackets.
func (p *parser) skipRest() string {
	startOff := p.tok().off
	depth := 0
	end := startOff
	for {
		t := p.tok()
		if t.kind == tEOF {
			break
		}
		if t.kind == tPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				if depth == 0 {
					return strings.TrimSpace(p.src[startOff:end])
				}
				depth--
			case "|", ";":
				if depth == 0 {
					return strings.TrimSpace(p.src[startOff:end])
				}
			}
		}
		end = t.end
		p.advance()
	}
	return strings.TrimSpace(p.src[startOff:end])
}

func (p *parser) parseExprList() []Expr {
	list := []Expr{p.parseUnnamed()}
	for p.isPunct(",") {
		p.advance()
		list = append(list, p.parseUnnamed())
	}
	return list
}

func (p *parser) parseSortKey() *SortKey {
	k := &SortKey{Pos: p.pos(), Expr: p.parseUnnamed()}
	if p.isKw("asc") || p.isKw("desc") {
		k.Order = p.advance().text
	}
	if p.isKw("nulls") {
		p.advance()
		if !p.isKw("first") && !p.isKw("last") {
			p.unexpected("'first' or 'last'")
		}
		k.Nulls = p.advance().text
	}
	return k
}

func (p *parser) parseSortKeys() []*SortKey {
	keys := []*SortKey{p.parseSortKey()}
	for p.isPunct(",") {
		p.advance()
		keys = append(keys, p.parseSortKey())
	}
	return keys
}

// parseNamePattern reads a column name or a wildcard pattern (Account*,
// *Id, Initiating*Name) whose parts are written without spaces.
func (p *parser) parseNamePattern() Expr {
	start := p.pos()
	if p.isPunct("[") {
		return p.parseName()
	}
	var b strings.Builder
	star := false
	for n := 0; ; n++ {
		t := p.tok()
		ok := t.kind == tIdent || t.kind == tLong || t.kind == tPunct && t.text == "*"
		if !ok || n > 0 && p.toks[p.i-1].end != t.off {
			break
		}
		if t.kind == tPunct {
			star = true
		}
		b.WriteString(t.text)
		p.advance()
	}
	if b.Len() == 0 {
		p.unexpected("a column name")
	}
	if star {
		return &Wildcard{Pos: start, Pattern: b.String()}
	}
	return &Ident{Pos: start, Name: b.String()}
}

func (p *parser) parseMvItems() []*MvExpandItem {
	var items []*MvExpandItem
	for {
		it := &MvExpandItem{Pos: p.pos(), Expr: p.parseNamed()}
		if p.isKw("to") && p.isKwAt(1, "typeof") {
			p.advance()
			p.advance()
			p.expectPunct("(")
			it.To = p.parseTypeName()
			p.expectPunct(")")
		}
		items = append(items, it)
		if !p.isPunct(",") {
			return items
		}
		p.advance()
	}
}

// parseSubPipe parses ( operator | operator ... ), the sub-query of
// mv-apply, partition and fork, or ( query ).
func (p *parser) parseSubPipe() Expr {
	start := p.pos()
	p.expectPunct("(")
	p.enter()
	defer p.leave()
	var x Expr
	if p.startsOperator() {
		pe := &PipeExpr{Pos: start}
		pe.Ops = append(pe.Ops, p.parseOperator())
		for p.isPunct("|") {
			p.advance()
			pe.Ops = append(pe.Ops, p.parseOperator())
		}
		x = pe
	} else {
		x = p.parseExpr()
	}
	p.expectPunct(")")
	return x
}

// operatorKeywords start an operator inside a sub-query.
var operatorKeywords = map[string]bool{
	"where": true, "filter": true, "extend": true, "project": true, "summarize": true, "sort": true, "order": true,
	"top": true, "take": true, "limit": true, "distinct": true, "count": true, "join": true, "lookup": true,
	"mv-expand": true, "mvexpand": true, "mv-apply": true, "parse": true, "parse-where": true, "make-series": true,
	"project-away": true, "project-keep": true, "project-rename": true, "project-reorder": true, "serialize": true,
	"as": true, "invoke": true, "sample": true, "top-nested": true, "top-hitters": true, "extend-": true,
}

func (p *parser) startsOperator() bool {
	t := p.tok()
	if t.kind != tIdent {
		return false
	}
	name := t.text
	if p.isPunctAt(1, "-") && p.adjacent(0) && p.peek(2).kind == tIdent && p.adjacent(1) {
		name += "-" + p.peek(2).text
	}
	if !operatorKeywords[name] {
		return false
	}
	// "count" alone could be a column; an operator is followed by its
	// arguments or the end of the sub-query.
	next := p.peek(1)
	return !(next.kind == tPunct && (next.text == "(" || next.text == "==" || next.text == "!=" || next.text == "." || next.text == "["))
}

func (p *parser) parseParse(start Pos, name string) *ParseOp {
	op := &ParseOp{Pos: start, Keyword: name}
	if p.isKw("kind") && p.isPunctAt(1, "=") {
		p.advance()
		p.advance()
		k := p.tok()
		if k.kind != tIdent || (k.text != "simple" && k.text != "regex" && k.text != "relaxed") {
			p.unexpected("simple, regex or relaxed")
		}
		op.Kind = p.advance().text
		if p.isKw("flags") && p.isPunctAt(1, "=") {
			p.advance()
			p.advance()
			f := p.tok()
			if f.kind != tIdent {
				p.unexpected("regular expression flags")
			}
			op.Flags = p.advance().text
		}
	}
	op.X = p.parseUnnamed()
	p.expectKw("with")
	for !p.atOperatorEnd() {
		t := p.tok()
		switch {
		case t.kind == tPunct && t.text == "*":
			p.advance()
			op.Pattern = append(op.Pattern, &PatternElem{Pos: tokPos(t), Kind: PatStar})
		case t.kind == tString:
			lit := p.parseStringLit()
			op.Pattern = append(op.Pattern, &PatternElem{Pos: lit.Pos, Kind: PatText, Text: lit.Str})
		case t.kind == tIdent || t.kind == tPunct && t.text == "[":
			el := &PatternElem{Pos: tokPos(t), Kind: PatColumn, Name: p.parseName()}
			if p.isPunct(":") {
				p.advance()
				el.Type = p.parseTypeName()
			}
			op.Pattern = append(op.Pattern, el)
		default:
			p.unexpected("'*', a string or a column name in the parse pattern")
		}
	}
	if len(op.Pattern) == 0 {
		p.unexpected("a parse pattern")
	}
	return op
}

func (p *parser) parseParenParams() []*OpParam {
	p.expectPunct("(")
	var params []*OpParam
	for !p.isPunct(")") {
		start := p.pos()
		name := p.parseName()
		p.expectPunct("=")
		params = append(params, &OpParam{Pos: start, Name: name.Name, Value: p.parseParamValue()})
		if !p.isPunct(",") {
			break
		}
		p.advance()
	}
	p.expectPunct(")")
	return params
}

func (p *parser) parseMakeSeries(start Pos) *MakeSeriesOp {
	op := &MakeSeriesOp{Pos: start, Params: p.parseParams(false)}
	for {
		agg := &MakeSeriesAgg{Pos: p.pos(), Expr: p.parseNamed()}
		if p.isKw("default") && p.isPunctAt(1, "=") {
			p.advance()
			p.advance()
			agg.Default = p.parseUnnamed()
		}
		op.Aggs = append(op.Aggs, agg)
		if !p.isPunct(",") {
			break
		}
		p.advance()
	}
	p.expectKw("on")
	op.On = p.parseNamed()
	if p.isKw("in") && p.isKwAt(1, "range") {
		p.advance()
		p.advance()
		p.expectPunct("(")
		op.InRange = true
		op.From = p.parseUnnamed()
		p.expectPunct(",")
		op.To = p.parseUnnamed()
		p.expectPunct(",")
		op.Step = p.parseUnnamed()
		p.expectPunct(")")
	} else {
		if p.isKw("from") {
			p.advance()
			op.From = p.parseUnnamed()
		}
		if p.isKw("to") {
			p.advance()
			op.To = p.parseUnnamed()
		}
		p.expectKw("step")
		op.Step = p.parseUnnamed()
	}
	if p.isKw("by") {
		p.advance()
		op.By = p.parseNamedList()
	}
	return op
}

func (p *parser) parseTopNested(start Pos) *TopNestedOp {
	op := &TopNestedOp{Pos: start}
	for {
		lv := &TopNestedLevel{Pos: p.pos()}
		if !p.isKw("of") {
			lv.N = p.parseUnnamed()
		}
		p.expectKw("of")
		lv.Of = p.parseNamed()
		if p.isKw("with") {
			p.advance()
			p.expectKw("others")
			p.expectPunct("=")
			lv.Others = p.parseUnnamed()
		}
		p.expectKw("by")
		lv.By = &SortKey{Pos: p.pos(), Expr: p.parseNamed()}
		if p.isKw("asc") || p.isKw("desc") {
			lv.By.Order = p.advance().text
		}
		op.Levels = append(op.Levels, lv)
		if !p.isPunct(",") {
			return op
		}
		p.advance()
		if p.isKw("top") && p.isPunctAt(1, "-") && p.isKwAt(2, "nested") {
			p.advance()
			p.advance()
			p.advance()
			continue
		}
		p.unexpected("top-nested")
	}
}

// parseTableList reads ( T1, T2, ... ) for search/find in (...).
func (p *parser) parseTableList() []Expr {
	p.expectPunct("(")
	var list []Expr
	for {
		list = append(list, p.parseUnionItem())
		if !p.isPunct(",") {
			break
		}
		p.advance()
	}
	p.expectPunct(")")
	return list
}

// parseUnionItem reads a union/search/find source: a name, a wildcard
// (Device*), a function call or a parenthesized query.
func (p *parser) parseUnionItem() Expr {
	t := p.tok()
	if t.kind == tIdent && p.isPunctAt(1, "*") && p.adjacent(0) || t.kind == tPunct && t.text == "*" {
		n := p.parseNamePattern()
		if w, ok := n.(*Wildcard); ok {
			return w
		}
		return n.(*Ident)
	}
	return p.parsePostfix()
}

func (p *parser) parseUnion() *UnionOp {
	start := p.pos()
	p.expectKw("union")
	op := &UnionOp{Pos: start, Params: p.parseParams(true)}
	for {
		op.Tables = append(op.Tables, p.parseUnionItem())
		if !p.isPunct(",") {
			return op
		}
		p.advance()
	}
}

func (p *parser) parseSearch() *SearchOp {
	start := p.pos()
	p.expectKw("search")
	op := &SearchOp{Pos: start, Params: p.parseParams(true)}
	if p.isKw("in") && p.isPunctAt(1, "(") {
		p.advance()
		op.In = p.parseTableList()
	}
	if p.isPunct("*") && (p.atOperatorEndAt(1) || p.isKwAt(1, "and") || p.isKwAt(1, "or")) {
		star := &StarExpr{Pos: p.pos()}
		p.advance()
		op.Pred = star
		if p.isKw("and") || p.isKw("or") {
			kw := p.advance()
			op.Pred = &BinaryExpr{Pos: star.Pos, Op: kw.text, OpPos: tokPos(kw), Left: star, Right: p.parseUnnamed()}
		}
		return op
	}
	op.Pred = p.parseUnnamed()
	return op
}

func (p *parser) atOperatorEndAt(n int) bool {
	t := p.peek(n)
	return t.kind == tEOF || t.kind == tPunct && (t.text == "|" || t.text == ";" || t.text == ")" || t.text == "}")
}

func (p *parser) parseFind() *FindOp {
	start := p.pos()
	p.expectKw("find")
	op := &FindOp{Pos: start, Params: p.parseParams(true)}
	if p.isKw("in") && p.isPunctAt(1, "(") {
		p.advance()
		op.In = p.parseTableList()
		p.expectKw("where")
	} else if p.isKw("where") {
		p.advance()
	}
	op.Pred = p.parseUnnamed()
	for {
		name := ""
		if p.tok().kind == tIdent {
			name = p.tok().text
			if p.isPunctAt(1, "-") && p.adjacent(0) && p.peek(2).kind == tIdent {
				name += "-" + p.peek(2).text
			}
		}
		switch name {
		case "project":
			p.advance()
			for {
				if p.isKw("pack") && p.isPunctAt(1, "(") {
					op.Project = append(op.Project, p.parseCallArgs(p.parseName()))
				} else {
					op.Project = append(op.Project, p.parseName())
				}
				if !p.isPunct(",") {
					break
				}
				p.advance()
			}
		case "project-away":
			p.advance()
			p.advance()
			p.advance()
			if p.isPunct("*") {
				p.advance()
				op.AwayStar = true
			} else {
				for {
					op.ProjectAway = append(op.ProjectAway, p.parseName())
					if !p.isPunct(",") {
						break
					}
					p.advance()
				}
			}
		case "project-smart":
			p.advance()
			p.advance()
			p.advance()
			op.Smart = true
		default:
			return op
		}
	}
}

func (p *parser) parseEvaluate() *EvaluateOp {
	start := p.pos()
	p.expectKw("evaluate")
	op := &EvaluateOp{Pos: start, Params: p.parseParams(true)}
	if !p.startsName(0) {
		p.unexpected("a plugin call")
	}
	op.Call = p.parseCallArgs(p.parseName())
	if p.isPunct(":") {
		p.advance()
		p.expectPunct("(")
		op.Schema = p.parseColumnDecls()
	}
	return op
}

func (p *parser) parseDatatable() *DatatableExpr {
	start := p.pos()
	p.expectKw("datatable")
	dt := &DatatableExpr{Pos: start, Params: p.parseParams(true)}
	p.expectPunct("(")
	dt.Columns = p.parseColumnDecls()
	p.expectPunct("[")
	for !p.isPunct("]") {
		dt.Values = append(dt.Values, p.parseDatatableValue())
		if !p.isPunct(",") {
			break
		}
		p.advance()
	}
	p.expectPunct("]")
	return dt
}

// parseDatatableValue reads a literal, possibly signed, or dynamic(...).
func (p *parser) parseDatatableValue() Expr {
	t := p.tok()
	switch {
	case t.kind == tPunct && (t.text == "-" || t.text == "+"):
		return p.parseUnary()
	case t.kind == tString || t.kind == tLong || t.kind == tReal || t.kind == tTimespan || t.kind == tGoo:
		return p.parsePrimary()
	case t.kind == tIdent:
		switch t.text {
		case "true", "false", "True", "False", "TRUE", "FALSE":
			return p.parsePrimary()
		case "dynamic":
			if p.isPunctAt(1, "(") {
				return p.parsePrimary()
			}
		}
	}
	p.unexpected("a literal value")
	return nil
}

func (p *parser) parseExternalData() *ExternalDataExpr {
	start := p.pos()
	p.advance()
	ed := &ExternalDataExpr{Pos: start, Params: p.parseParams(true)}
	p.expectPunct("(")
	ed.Columns = p.parseColumnDecls()
	p.expectPunct("[")
	for !p.isPunct("]") {
		if p.tok().kind != tString {
			p.unexpected("a connection string")
		}
		ed.URIs = append(ed.URIs, p.parseStringLit())
		if !p.isPunct(",") {
			break
		}
		p.advance()
	}
	p.expectPunct("]")
	if p.isKw("with") {
		p.advance()
		ed.With = p.parseParenParams()
	}
	return ed
}
