package kql

import (
	"fmt"
	suggestpkg "github.com/eventsec/eventsec/internal/suggest"
	"time"
)

// Options control compilation.
type Options struct {
	// Dialect renders SQL; default DuckDB.
	Dialect Dialect
	// Now is the instant now() and ago() refer to, fixed for the whole
	// query; default the current time.
	Now time.Time
	// MaxRows, when positive, adds LIMIT MaxRows to the result (Run sets
	// it to its row cap plus one, to tell truncation).
	MaxRows int
	// unpacked holds the columns of bag_unpack operators discovered by a
	// previous run, by the operator's byte offset.
	unpacked map[int][]Column
}

// ResultColumn is a column of a query's result.
type ResultColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Scan is a table a compiled query reads, with the hint its source got
// and the rows its source said it scans (0 when it did not say).
type Scan struct {
	Table string
	Hint  Hint
	Rows  int64
}

// Compiled is a query compiled to SQL.
type Compiled struct {
	SQL     string
	Args    []any
	Columns []ResultColumn
	Scans   []Scan

	types []Type
	// discover lists bag_unpack operators whose columns depend on the
	// data: Run finds them first and compiles again.
	discover []discovery
	query    *Query
	catalog  Catalog
	opts     Options
}

// discovery is a query for the keys of the bags bag_unpack expands.
type discovery struct {
	offset int
	sql    string
	args   []any
}

// Compile checks a parsed query against the catalog and compiles it to
// SQL. Errors are *Error with code CodeSemantic and the position of the
// offending node.
func Compile(q *Query, cat Catalog, opts Options) (*Compiled, error) {
	if opts.Dialect == nil {
		opts.Dialect = DuckDB{}
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.UTC()
	c := &compiler{d: opts.Dialect, cat: cat, opts: opts, now: opts.Now}
	if opts.MaxRows > 0 {
		c.limitMarker = c.d.Typed(c.bind(int64(opts.MaxRows)), TypeLong)
	}
	r, err := c.compileQuery(q)
	if err != nil {
		return nil, err
	}
	sqlText, args, err := c.render(r)
	if err != nil {
		return nil, err
	}
	// Queries for bag_unpack's keys read the relations built so far.
	for i := range c.discoveries {
		d := &c.discoveries[i]
		if d.sql, d.args, err = c.renderWith(d.sql); err != nil {
			return nil, err
		}
	}
	out := &Compiled{SQL: sqlText, Args: args, query: q, catalog: cat, opts: opts, discover: c.discoveries}
	for _, cl := range r.cols {
		out.Columns = append(out.Columns, ResultColumn{Name: cl.name, Type: cl.t.String()})
		out.types = append(out.types, cl.t)
	}
	for _, n := range c.nodes {
		if n.scan != nil {
			out.Scans = append(out.Scans, Scan{Table: n.scan.table.Name, Hint: n.scan.hint, Rows: n.scan.rows})
		}
	}
	return out, nil
}

// Check parses and semantically checks a query without keeping the SQL.
func Check(src string, cat Catalog) error {
	q, err := Parse(src)
	if err != nil {
		return err
	}
	_, err = Compile(q, cat, Options{})
	return err
}

type compiler struct {
	d           Dialect
	cat         Catalog
	opts        Options
	now         time.Time
	args        []any
	nodes       []*node
	nextID      int
	ordSeq      int
	keySeq      int
	limitMarker string
	// depth counts nested function expansions and sub-queries.
	depth       int
	discoveries []discovery
	// recursive names a function isTabular found calling itself.
	recursive string
	// used holds every name the query refers to.
	used map[string]bool
	// quoted caches the quoted column aliases c0, c1, ... (qi): every
	// relation selects every column, and quoting each anew was a third
	// of a compile's allocations.
	quoted []string
}

// usedNames collects the names a query refers to (outside the names let
// statements define).
func usedNames(q *Query) map[string]bool {
	used := map[string]bool{}
	var walk func(n any)
	walk = func(n any) {
		switch n := n.(type) {
		case nil:
		case *Ident:
			if n != nil {
				used[n.Name] = true
			}
		case *CallExpr:
			used[n.Name.Name] = true
			for _, a := range n.Args {
				walk(a)
			}
		case *LetStmt:
			walk(n.Value)
		default:
			walkChildren(n, walk)
		}
	}
	for _, st := range q.Statements {
		walk(st)
	}
	return used
}

// recursion reports a self-call isTabular found.
func (c *compiler) recursion(n Node) error {
	if c.recursive == "" {
		return nil
	}
	name := c.recursive
	c.recursive = ""
	return c.errf(n, "function %s calls itself (recursion is not allowed)", name)
}

// maxExpansion bounds nested function calls and sub-queries at compile
// time (the parser bounds syntactic nesting).
const maxExpansion = 64

func (c *compiler) errf(n Node, format string, args ...any) *Error {
	p := Pos{Line: 1, Column: 1}
	if n != nil {
		p = n.Position()
	}
	return &Error{Code: CodeSemantic, Message: fmt.Sprintf(format, args...), Line: p.Line, Column: p.Column, Offset: p.Offset}
}

func (c *compiler) unsupported(n Node, format string, args ...any) *Error {
	e := c.errf(n, format, args...)
	e.Unsupported = true
	return e
}

// --- scopes ---

type bindKind uint8

const (
	bScalar bindKind = iota
	bTabular
	bFunc
	bRel // a materialized result or a tabular parameter: shared
)

type binding struct {
	kind   bindKind
	scalar texpr
	expr   Expr   // bTabular: compiled again at each use
	env    *scope // where expr / fn was defined
	fn     *FuncDecl
	rel    *rel
	active bool // being expanded: a use now is recursion
	name   string
}

type scope struct {
	parent *scope
	m      map[string]*binding
}

func (s *scope) child() *scope { return &scope{parent: s, m: map[string]*binding{}} }

func (s *scope) lookup(name string) *binding {
	for ; s != nil; s = s.parent {
		if b, ok := s.m[name]; ok {
			return b
		}
	}
	return nil
}

func (s *scope) names() []string {
	var out []string
	for ; s != nil; s = s.parent {
		for n := range s.m {
			out = append(out, n)
		}
	}
	return out
}

// --- statements ---

func (c *compiler) compileQuery(q *Query) (*rel, error) {
	c.used = usedNames(q)
	sc := (&scope{}).child()
	var result *rel
	var resultStmt Stmt
	for _, st := range q.Statements {
		switch st := st.(type) {
		case *LetStmt:
			if err := c.let(sc, st); err != nil {
				return nil, err
			}
		case *SetStmt:
			// Request options do not change results here.
		case *DeclareStmt:
			for _, p := range st.Params {
				t, _ := ParseType(p.Type)
				if p.Default == nil {
					return nil, c.errf(p, "query parameter %s has no default value, and this engine takes no parameters", p.Name.Name)
				}
				v, err := c.scalar(p.Default, &rowCtx{sc: sc})
				if err != nil {
					return nil, err
				}
				v, err = c.convert(p.Default, v, t)
				if err != nil {
					return nil, err
				}
				sc.m[p.Name.Name] = &binding{kind: bScalar, scalar: v, name: p.Name.Name}
			}
		case *ExprStmt:
			if result != nil {
				return nil, c.unsupported(st, "a query may have only one result; this one has another at line %d", resultStmt.Position().Line)
			}
			r, err := c.tabular(st.Expr, sc)
			if err != nil {
				return nil, err
			}
			result, resultStmt = r, st
		}
	}
	if result == nil {
		return nil, c.errf(q.Statements[len(q.Statements)-1], "the query has only let statements: it needs a query expression at the end")
	}
	return result, nil
}

func (c *compiler) let(sc *scope, st *LetStmt) error {
	name := st.Name.Name
	b := &binding{name: name, env: sc}
	switch v := st.Value.(type) {
	case *FuncDecl:
		b.kind, b.fn = bFunc, v
	case *MaterializeExpr:
		r, err := c.tabular(v.X, sc)
		if err != nil {
			return err
		}
		r = c.settle(r)
		r.targets = nil
		r.n.materialized = true
		b.kind, b.rel = bRel, r
	default:
		if c.isTabular(st.Value, sc) {
			// Compiled afresh at each use, so that each use gets its own
			// hints; checked here only when no use will check it.
			if !c.used[name] {
				mark := c.mark()
				if _, err := c.tabular(st.Value, sc); err != nil {
					return err
				}
				c.reset(mark)
			}
			b.kind, b.expr = bTabular, st.Value
		} else {
			e, err := c.scalar(st.Value, &rowCtx{sc: sc})
			if err != nil {
				return err
			}
			b.kind, b.scalar = bScalar, e
		}
	}
	sc.m[name] = b
	return nil
}

type compileMark struct{ nodes, args, id, disc int }

func (c *compiler) mark() compileMark {
	return compileMark{len(c.nodes), len(c.args), c.nextID, len(c.discoveries)}
}

// reset forgets relations compiled since m (a check-only compile).
func (c *compiler) reset(m compileMark) {
	c.nodes, c.args, c.nextID, c.discoveries = c.nodes[:m.nodes], c.args[:m.args], m.id, c.discoveries[:m.disc]
}

// isTabular tells whether an expression denotes a table.
func (c *compiler) isTabular(e Expr, sc *scope) bool {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxExpansion*4 {
		return false
	}
	switch e := e.(type) {
	case *PipeExpr, *DatatableExpr, *UnionOp, *PrintOp, *SearchOp, *FindOp, *EvaluateOp, *RangeExpr,
		*ExternalDataExpr, *MaterializeExpr:
		return true
	case *ParenExpr:
		return c.isTabular(e.X, sc)
	case *Ident:
		if b := sc.lookup(e.Name); b != nil {
			if b.kind == bFunc && len(b.fn.Params) == 0 {
				if b.active {
					c.recursive = b.name
					return false
				}
				b.active = true
				defer func() { b.active = false }()
				return c.isTabular(b.fn.Body.Expr, b.env.child())
			}
			return b.kind == bTabular || b.kind == bRel
		}
		if c.cat != nil {
			_, ok := c.cat.Table(e.Name)
			return ok
		}
	case *CallExpr:
		if b := sc.lookup(e.Name.Name); b != nil && b.kind == bFunc {
			inner := b.env.child()
			for _, p := range b.fn.Params {
				if p.Tabular {
					inner.m[p.Name.Name] = &binding{kind: bRel}
				} else {
					inner.m[p.Name.Name] = &binding{kind: bScalar}
				}
			}
			for _, l := range b.fn.Body.Lets {
				if c.isTabular(l.Value, inner) {
					inner.m[l.Name.Name] = &binding{kind: bTabular}
				} else {
					inner.m[l.Name.Name] = &binding{kind: bScalar}
				}
			}
			if b.active {
				c.recursive = b.name
				return false
			}
			b.active = true
			defer func() { b.active = false }()
			return c.isTabular(b.fn.Body.Expr, inner)
		}
		return e.Name.Name == "table" || e.Name.Name == "view"
	}
	return false
}

// --- tabular expressions ---

func (c *compiler) tabular(e Expr, sc *scope) (*rel, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxExpansion {
		return nil, c.errf(e, "query is nested too deeply (functions, lets and sub-queries more than %d levels)", maxExpansion)
	}
	switch e := e.(type) {
	case *PipeExpr:
		if e.Source == nil {
			return nil, c.errf(e, "a query must start with a table")
		}
		r, err := c.tabular(e.Source, sc)
		if err != nil {
			return nil, err
		}
		for _, op := range e.Ops {
			if r, err = c.operator(r, op, sc); err != nil {
				return nil, err
			}
		}
		return r, nil
	case *ParenExpr:
		return c.tabular(e.X, sc)
	case *Ident:
		return c.tableRef(e, sc)
	case *CallExpr:
		return c.tabularCall(e, sc, nil)
	case *DatatableExpr:
		return c.datatable(e, sc)
	case *PrintOp:
		return c.print(e, sc)
	case *RangeExpr:
		return c.rangeSource(e, sc)
	case *UnionOp:
		return c.union(nil, e, sc)
	case *SearchOp:
		return c.search(nil, e, sc)
	case *FindOp:
		return c.find(e, sc)
	case *EvaluateOp:
		return c.evaluate(nil, e, sc)
	case *ExternalDataExpr:
		return nil, c.errf(e, "externaldata is not allowed: queries cannot read from URLs")
	case *MaterializeExpr:
		r, err := c.tabular(e.X, sc)
		if err != nil {
			return nil, err
		}
		r = c.settle(r)
		r.n.materialized = true
		r.targets = nil
		return r, nil
	case *Literal, *BinaryExpr, *UnaryExpr, *InExpr, *BetweenExpr, *MemberExpr, *IndexExpr, *DynamicLit, *ToScalarExpr:
		return nil, c.errf(e, "expected a table, found a scalar expression: a query starts with a table (events, SecurityEvent, SigninLogs, ...) and pipes it on (events | where SourceIP == \"81.2.69.142\"); for field:value searches use the Events page")
	}
	return nil, c.errf(e, "expected a table")
}

// tableRef resolves a name used as a table: a let, a function without
// parameters, or a catalog table.
func (c *compiler) tableRef(id *Ident, sc *scope) (*rel, error) {
	if b := sc.lookup(id.Name); b != nil {
		switch b.kind {
		case bTabular:
			if b.active {
				return nil, c.errf(id, "%s refers to itself", id.Name)
			}
			b.active = true
			defer func() { b.active = false }()
			return c.tabular(b.expr, b.env)
		case bRel:
			return b.rel, nil
		case bFunc:
			return c.tabularCall(&CallExpr{Pos: id.Pos, Name: id}, sc, nil)
		case bScalar:
			return nil, c.errf(id, "%s is a scalar, not a table", id.Name)
		}
	}
	if c.cat == nil {
		return nil, c.errf(id, "unknown table %q", id.Name)
	}
	t, ok := c.cat.Table(id.Name)
	if !ok {
		msg := fmt.Sprintf("unknown table %q", id.Name)
		var cands []string
		if l, ok := c.cat.(TableLister); ok {
			cands = l.TableNames()
		}
		cands = append(cands, sc.names()...)
		if s := suggest(id.Name, cands); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return nil, c.errf(id, "%s", msg)
	}
	return c.scan(t), nil
}

func (c *compiler) scan(t *TableDef) *rel {
	s := &scanNode{table: t, aliases: make([]string, 0, len(t.Columns))}
	a := &aliaser{}
	r := &rel{cols: make([]col, 0, len(t.Columns))}
	for _, tc := range t.Columns {
		alias := a.make(tc.Name)
		s.aliases = append(s.aliases, alias)
		r.cols = append(r.cols, col{name: tc.Name, t: tc.Type, alias: alias, time: tc.Name == t.TimeColumn, src: tc.Name})
	}
	c.nextID++
	r.n = &node{id: c.nextID, scan: s}
	c.nodes = append(c.nodes, r.n)
	r.targets = []*scanNode{s}
	return r
}

// tabularCall expands a call to a function that returns a table. input is
// the piped table for invoke.
func (c *compiler) tabularCall(call *CallExpr, sc *scope, input *rel) (*rel, error) {
	name := call.Name.Name
	b := sc.lookup(name)
	if b == nil || b.kind != bFunc {
		switch name {
		case "table", "view":
			if len(call.Args) != 1 {
				return nil, c.errf(call, "table() takes a table name")
			}
			v, err := c.scalar(call.Args[0], &rowCtx{sc: sc})
			if err != nil {
				return nil, err
			}
			s, ok := v.val.(string)
			if !ok || !v.konst {
				return nil, c.errf(call, "table() takes a constant table name")
			}
			return c.tableRef(&Ident{Pos: call.Pos, Name: s}, sc)
		}
		if b != nil {
			return nil, c.errf(call, "%s is not a function", name)
		}
		if _, ok := scalarFuncs[name]; ok {
			return nil, c.errf(call, "%s returns a scalar, not a table", name)
		}
		return nil, c.errf(call, "unknown function %q", name)
	}
	fsc, err := c.bindParams(call, b, sc, input, &rowCtx{sc: sc})
	if err != nil {
		return nil, err
	}
	if b.active {
		return nil, c.errf(call, "function %s calls itself (recursion is not allowed)", name)
	}
	tab := c.isTabular(b.fn.Body.Expr, fsc)
	if err := c.recursion(call); err != nil {
		return nil, err
	}
	if !tab {
		return nil, c.errf(call, "function %s returns a scalar, not a table", name)
	}
	b.active = true
	defer func() { b.active = false }()
	return c.tabular(b.fn.Body.Expr, fsc)
}

// bindParams makes the scope a function body runs in: its parameters
// bound to the call's arguments (or defaults), then its own lets.
func (c *compiler) bindParams(call *CallExpr, b *binding, sc *scope, input *rel, ctx *rowCtx) (*scope, error) {
	fn := b.fn
	fsc := b.env.child()
	args := call.Args
	params := fn.Params
	if input != nil {
		if len(params) == 0 || !params[0].Tabular {
			return nil, c.errf(call, "invoke needs a function whose first parameter is a table")
		}
		fsc.m[params[0].Name.Name] = &binding{kind: bRel, rel: input, name: params[0].Name.Name}
		params = params[1:]
	}
	given := map[string]Expr{}
	pos := 0
	for _, a := range args {
		if ne, ok := a.(*NamedExpr); ok && len(ne.Names) == 1 {
			given[ne.Names[0].Name] = ne.Value
			continue
		}
		if pos >= len(params) {
			return nil, c.errf(a, "too many arguments to %s (it takes %d)", b.name, len(fn.Params))
		}
		given[params[pos].Name.Name] = a
		pos++
	}
	for _, p := range params {
		a, ok := given[p.Name.Name]
		if !ok {
			if p.Default == nil {
				return nil, c.errf(call, "missing argument %s of %s", p.Name.Name, b.name)
			}
			a = p.Default
		}
		delete(given, p.Name.Name)
		if p.Tabular {
			r, err := c.tabular(a, sc)
			if err != nil {
				return nil, err
			}
			for _, pc := range p.Columns {
				if _, ok := r.find(pc.Name); !ok {
					return nil, c.errf(a, "argument %s of %s has no column %s", p.Name.Name, b.name, pc.Name)
				}
			}
			fsc.m[p.Name.Name] = &binding{kind: bRel, rel: r, name: p.Name.Name}
			continue
		}
		if c.isTabular(a, sc) {
			return nil, c.errf(a, "argument %s of %s must be a scalar", p.Name.Name, b.name)
		}
		v, err := c.scalar(a, ctx)
		if err != nil {
			return nil, err
		}
		t, _ := ParseType(p.Type)
		if v, err = c.convert(a, v, t); err != nil {
			return nil, err
		}
		fsc.m[p.Name.Name] = &binding{kind: bScalar, scalar: v, name: p.Name.Name}
	}
	for n := range given {
		return nil, c.errf(call, "%s has no parameter %s", b.name, n)
	}
	for _, l := range fn.Body.Lets {
		if err := c.let(fsc, l); err != nil {
			return nil, err
		}
	}
	return fsc, nil
}

// suggest returns the candidate closest to name, if any is close.
func suggest(name string, cands []string) string { return suggestpkg.Closest(name, cands) }
