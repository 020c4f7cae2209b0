package kql

import (
	"fmt"
	"strconv"
	"strings"
)

// The compiler builds SQL as a chain of common table expressions, one per
// relation (r1, r2, ...). Values from the query are never written into the
// text: bind appends them to the argument list and writes a marker
// (\x00 index \x00) that render turns into the dialect's numbered
// placeholder. Identifiers in the text are aliases the compiler made from
// names (sanitized to [A-Za-z0-9_] and quoted), or SQL the catalog owner
// wrote.

// node is one relation: a CTE.
type node struct {
	id           int
	text         string    // SELECT ...; empty for scans until render
	scan         *scanNode // a table read, rendered last (hints are known then)
	materialized bool
}

func (n *node) name() string { return "r" + strconv.Itoa(n.id) }

// scanNode reads a catalog table.
type scanNode struct {
	table *TableDef
	hint  Hint
	// narrowed records whether any predicate narrowed the hint.
	narrowed bool
	rows     int64    // what the source said it scans
	aliases  []string // per table column
}

// col is a column of a relation: its KQL name and type, and the alias
// that holds it in the relation's SQL.
type col struct {
	name  string
	t     Type
	alias string
	// time marks the unmodified time column of the relation's hint
	// targets: predicates on it may narrow their hints.
	time bool
	// src is the column of the hint targets' tables that this column is,
	// unmodified ("" when computed): text predicates on it become term
	// hints.
	src string
}

// rel is a compiled tabular expression.
type rel struct {
	n    *node
	cols []col
	// ord is the alias of a hidden row-order column (row_number of a
	// sort) carried through order-keeping operators; "" when unordered.
	ord string
	// sort is a sort on columns not yet applied: kept while operators
	// keep those columns, fused by take (a top-N), applied by the final
	// SELECT, or made into ord by settle.
	sort []sortTerm
	// targets are the scans whose hints predicates on time columns may
	// narrow: set while only filter-transparent operators were applied.
	targets []*scanNode
	// open is set after bag_unpack without discovered columns: unknown
	// names are allowed (as dynamic), for checking only.
	open bool
}

func (r *rel) find(name string) (col, bool) {
	for _, c := range r.cols {
		if c.name == name {
			return c, true
		}
	}
	return col{}, false
}

// aliaser names the columns of one relation c0, c1, ...: SQL never
// carries a name from the query (and SQL engines fold identifier case,
// which KQL names do not).
type aliaser struct{ n int }

func (a *aliaser) make(string) string {
	a.n++
	if a.n <= len(colAliases) {
		return colAliases[a.n-1]
	}
	return "c" + strconv.Itoa(a.n-1)
}

// colAliases are the first column aliases, made once (read-only).
var colAliases = func() []string {
	out := make([]string, 256)
	for i := range out {
		out[i] = "c" + strconv.Itoa(i)
	}
	return out
}()

// bind records a value and returns its marker.
func (c *compiler) bind(v any) string {
	c.args = append(c.args, v)
	return "\x00" + strconv.Itoa(len(c.args)-1) + "\x00"
}

// Bind implements Binder: a value of type t, as typed SQL.
func (c *compiler) Bind(v any, t Type) string {
	return c.d.Typed(c.bind(v), t)
}

func (c *compiler) newNode(text string) *node {
	c.nextID++
	n := &node{id: c.nextID, text: text}
	c.nodes = append(c.nodes, n)
	return n
}

// qi quotes an alias.
func (c *compiler) qi(alias string) string {
	// c<n>: cached.
	if len(alias) >= 2 && len(alias) <= 4 && alias[0] == 'c' {
		n := 0
		for i := 1; i < len(alias); i++ {
			d := alias[i]
			if d < '0' || d > '9' || i == 1 && d == '0' && len(alias) > 2 {
				return c.d.QuoteIdent(alias)
			}
			n = n*10 + int(d-'0')
		}
		for len(c.quoted) <= n {
			c.quoted = append(c.quoted, "")
		}
		if c.quoted[n] == "" {
			c.quoted[n] = c.d.QuoteIdent(alias)
		}
		return c.quoted[n]
	}
	return c.d.QuoteIdent(alias)
}

// selectSpec is one SELECT.
type selectSpec struct {
	distinct bool
	items    []string // "expr AS alias"
	from     string
	where    []string
	groupBy  []string
	orderBy  []string
	limit    string
}

func (s *selectSpec) String() string {
	var b strings.Builder
	n := 64 + len(s.from)
	for _, it := range s.items {
		n += len(it) + 2
	}
	for _, w := range s.where {
		n += len(w) + 5
	}
	b.Grow(n)
	b.WriteString("SELECT ")
	if s.distinct {
		b.WriteString("DISTINCT ")
	}
	if len(s.items) == 0 {
		b.WriteString("NULL AS _empty")
	}
	b.WriteString(strings.Join(s.items, ", "))
	if s.from != "" {
		b.WriteString(" FROM " + s.from)
	}
	if len(s.where) > 0 {
		b.WriteString(" WHERE " + strings.Join(s.where, " AND "))
	}
	if len(s.groupBy) > 0 {
		b.WriteString(" GROUP BY " + strings.Join(s.groupBy, ", "))
	}
	if len(s.orderBy) > 0 {
		b.WriteString(" ORDER BY " + strings.Join(s.orderBy, ", "))
	}
	if s.limit != "" {
		b.WriteString(" LIMIT " + s.limit)
	}
	return b.String()
}

// pcol is a column being built: its SQL over the input relation.
type pcol struct {
	name string
	t    Type
	sql  string
	time bool
	src  string // see col.src
}

// passthrough returns in's columns as pcols referring to their aliases.
func (c *compiler) passthrough(in *rel) []pcol {
	out := make([]pcol, len(in.cols))
	for i, cl := range in.cols {
		out[i] = pcol{name: cl.name, t: cl.t, sql: c.qi(cl.alias), time: cl.time, src: cl.src}
	}
	return out
}

// emit builds a relation from pcols over in, carrying in's order column
// when keepOrder is set. spec supplies WHERE and the like; its items and
// from are filled here.
func (c *compiler) emit(in *rel, cols []pcol, spec selectSpec, keepOrder bool) *rel {
	a := &aliaser{}
	out := &rel{cols: make([]col, 0, len(cols))}
	if spec.items == nil {
		spec.items = make([]string, 0, len(cols)+1)
	}
	for _, p := range cols {
		alias := a.make(p.name)
		spec.items = append(spec.items, p.sql+" AS "+c.qi(alias))
		out.cols = append(out.cols, col{name: p.name, t: p.t, alias: alias, time: p.time, src: p.src})
	}
	if in != nil {
		spec.from = in.n.name()
		if keepOrder && in.ord != "" {
			spec.items = append(spec.items, c.qi(in.ord)+" AS "+c.qi(in.ord))
			out.ord = in.ord
		}
	}
	out.n = c.newNode(spec.String())
	return out
}

// settle applies a pending sort as an order column, so that in can be the
// input of an operator that does not fuse it.
func (c *compiler) settle(in *rel) *rel {
	if len(in.sort) == 0 {
		return in
	}
	cols := c.passthrough(in)
	a := &aliaser{}
	out := &rel{targets: in.targets}
	spec := selectSpec{from: in.n.name()}
	for _, p := range cols {
		alias := a.make(p.name)
		spec.items = append(spec.items, p.sql+" AS "+c.qi(alias))
		out.cols = append(out.cols, col{name: p.name, t: p.t, alias: alias, time: p.time, src: p.src})
	}
	c.ordSeq++
	out.ord = "_o" + strconv.Itoa(c.ordSeq)
	spec.items = append(spec.items, "row_number() OVER (ORDER BY "+c.orderBy(in)+") AS "+c.qi(out.ord))
	out.n = c.newNode(spec.String())
	return out
}

// render assembles the final statement: every relation as a CTE in
// creation order (a relation only uses earlier ones), then the result.
// Markers become numbered placeholders in order of first use.
func (c *compiler) render(final *rel) (string, []any, error) {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, cl := range final.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.d.Output(c.qi(cl.alias), cl.t) + " AS " + c.qi(cl.alias))
	}
	if len(final.cols) == 0 {
		b.WriteString("NULL AS _empty")
	}
	b.WriteString(" FROM " + final.n.name())
	switch {
	case len(final.sort) > 0:
		b.WriteString(" ORDER BY " + c.orderBy(final))
	case final.ord != "":
		b.WriteString(" ORDER BY " + c.qi(final.ord))
	}
	if c.limitMarker != "" {
		b.WriteString(" LIMIT " + c.limitMarker)
	}
	return c.renderWith(b.String())
}

// renderWith puts every relation before a final SELECT.
func (c *compiler) renderWith(final string) (string, []any, error) {
	var b strings.Builder
	size := len(final) + 16
	for _, n := range c.nodes {
		size += len(n.text) + 32
	}
	b.Grow(size)
	b.WriteString("WITH ")
	for i, n := range c.nodes {
		if i > 0 {
			b.WriteString(", ")
		}
		text := n.text
		if n.scan != nil {
			t, err := c.renderScan(n.scan)
			if err != nil {
				return "", nil, err
			}
			text = t
		}
		b.WriteString(n.name() + " AS ")
		if n.materialized {
			b.WriteString("MATERIALIZED ")
		}
		b.WriteString("(" + text + ")")
	}
	b.WriteString(" " + final)
	return c.renumber(b.String())
}

// renumber turns markers into the dialect's placeholders, numbered in
// order of first appearance, and returns the arguments in that order.
func (c *compiler) renumber(text string) (string, []any, error) {
	var b strings.Builder
	b.Grow(len(text))
	var args []any
	seen := map[int]int{}
	for {
		i := strings.IndexByte(text, 0)
		if i < 0 {
			b.WriteString(text)
			break
		}
		j := strings.IndexByte(text[i+1:], 0)
		if j < 0 {
			return "", nil, fmt.Errorf("cannot render SQL: unterminated parameter marker")
		}
		idx, err := strconv.Atoi(text[i+1 : i+1+j])
		if err != nil || idx < 0 || idx >= len(c.args) {
			return "", nil, fmt.Errorf("cannot render SQL: bad parameter marker")
		}
		n, ok := seen[idx]
		if !ok {
			args = append(args, c.args[idx])
			n = len(args)
			seen[idx] = n
		}
		b.WriteString(text[:i])
		b.WriteString(c.d.Placeholder(n))
		text = text[i+2+j:]
	}
	return b.String(), args, nil
}

// renderScan asks the table for its rows under the hint and selects its
// columns under the scan's aliases.
func (c *compiler) renderScan(s *scanNode) (string, error) {
	src, err := s.table.Source(s.hint)
	if err != nil {
		return "", fmt.Errorf("cannot read table %s: %w", s.table.Name, err)
	}
	s.rows = src.Rows
	text, err := c.bindPositional(src)
	if err != nil {
		return "", fmt.Errorf("cannot read table %s: %w", s.table.Name, err)
	}
	var b strings.Builder
	b.Grow(len(text) + 24*len(s.table.Columns) + 32)
	b.WriteString("SELECT ")
	for i, cl := range s.table.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("_s.")
		if s.table.sqlNames != nil {
			b.WriteString(s.table.sqlNames[i])
		} else {
			b.WriteString(quoteStd(cl.Name))
		}
		b.WriteString(" AS ")
		b.WriteString(c.qi(s.aliases[i]))
	}
	b.WriteString(" FROM ")
	b.WriteString(text)
	b.WriteString(" AS _s")
	return b.String(), nil
}

// bindPositional replaces the '?' placeholders of catalog SQL, outside
// quoted strings and identifiers, with markers for its arguments.
func (c *compiler) bindPositional(s SQL) (string, error) {
	var b strings.Builder
	b.Grow(len(s.Text) + 4*len(s.Args))
	n := 0
	var quote byte
	done := 0 // s.Text[:done] is written
	for i := 0; i < len(s.Text); i++ {
		ch := s.Text[i]
		switch {
		case ch == 0:
			return "", fmt.Errorf("NUL byte in SQL")
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == '?':
			if n >= len(s.Args) {
				return "", fmt.Errorf("more placeholders than arguments")
			}
			b.WriteString(s.Text[done:i])
			b.WriteString(c.bind(s.Args[n]))
			done = i + 1
			n++
		}
	}
	b.WriteString(s.Text[done:])
	if n != len(s.Args) {
		return "", fmt.Errorf("%d arguments for %d placeholders", len(s.Args), n)
	}
	return b.String(), nil
}
