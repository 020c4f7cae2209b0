package kql

import (
	"path"
	"sort"
	"strconv"
	"strings"
)

// ctxOf is the row context of a relation's columns.
func (c *compiler) ctxOf(in *rel, sc *scope) *rowCtx {
	ctx := &rowCtx{sc: sc, cols: c.passthrough(in), open: in.open, label: in.label()}
	if in.ord != "" {
		ctx.ord = c.qi(in.ord)
	} else if len(in.sort) > 0 {
		ctx.ord = c.orderBy(in)
	}
	return ctx
}

func (r *rel) label() string {
	if len(r.targets) == 1 && r.n.scan != nil {
		return "table " + r.targets[0].table.Name
	}
	if len(r.targets) == 1 {
		return "the rows of " + r.targets[0].table.Name
	}
	return ""
}

// sortTerm is a pending sort on a column.
type sortTerm struct {
	name       string
	desc       bool
	nullsFirst bool
}

// orderBy renders r's pending sort over its aliases.
func (c *compiler) orderBy(r *rel) string {
	var terms []string
	for _, s := range r.sort {
		cl, _ := r.find(s.name)
		terms = append(terms, orderTerm(c.qi(cl.alias), s.desc, s.nullsFirst))
	}
	return strings.Join(terms, ", ")
}

func orderTerm(sql string, desc, nullsFirst bool) string {
	t := sql + " ASC"
	if desc {
		t = sql + " DESC"
	}
	if nullsFirst {
		return t + " NULLS FIRST"
	}
	return t + " NULLS LAST"
}

// sortSurvives reports whether out (pcols over in) keeps every column of
// in's pending sort unchanged.
func (c *compiler) sortSurvives(in *rel, out []pcol) bool {
	for _, s := range in.sort {
		cl, _ := in.find(s.name)
		ok := false
		for _, p := range out {
			if p.name == s.name && p.sql == c.qi(cl.alias) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// keep builds an order-keeping relation: a pending sort survives when its
// columns do, else it is settled first (and the columns compiled again).
func (c *compiler) keep(in *rel, build func(in *rel) ([]pcol, selectSpec, error)) (*rel, error) {
	m := c.mark()
	cols, spec, err := build(in)
	if err != nil {
		return nil, err
	}
	if len(in.sort) > 0 && !c.sortSurvives(in, cols) {
		c.reset(m)
		in = c.settle(in)
		if cols, spec, err = build(in); err != nil {
			return nil, err
		}
	}
	out := c.emit(in, cols, spec, true)
	out.sort = in.sort
	out.open = in.open
	return out, nil
}

// transparent copies the hint targets of in to out when the operator
// only filters or adds columns (so that later time predicates may still
// narrow the scans).
func transparent(in, out *rel) *rel {
	out.targets = in.targets
	return out
}

// narrow applies a predicate's time ranges to the hint targets.
func narrow(in *rel, ranges []timeRange) {
	if len(ranges) == 0 || len(in.targets) == 0 {
		return
	}
	for _, s := range in.targets {
		for _, r := range ranges {
			s.hint.narrow(r.from, r.to)
			s.narrowed = true
		}
	}
}

func (c *compiler) operator(in *rel, op Operator, sc *scope) (*rel, error) {
	switch op := op.(type) {
	case *WhereOp:
		return c.where(in, op, sc)
	case *ExtendOp:
		return c.extend(in, op.Exprs, sc)
	case *ProjectOp:
		return c.project(in, op, sc)
	case *SummarizeOp:
		return c.summarize(in, op, sc)
	case *SortOp:
		return c.sortOp(in, op.Keys, sc)
	case *TopOp:
		return c.top(in, op, sc)
	case *TakeOp:
		n, err := c.count(op.N, sc)
		if err != nil {
			return nil, err
		}
		return c.take(in, n), nil
	case *DistinctOp:
		return c.distinct(in, op, sc)
	case *CountOp:
		name := "Count"
		if op.As != nil {
			name = op.As.Name
		}
		return c.emit(in, []pcol{{name: name, t: TypeLong, sql: "count(*)"}}, selectSpec{}, false), nil
	case *JoinOp:
		return c.join(in, op, sc)
	case *LookupOp:
		return c.lookup(in, op, sc)
	case *UnionOp:
		return c.union(in, op, sc)
	case *MvExpandOp:
		return c.mvExpand(in, op, sc)
	case *ParseOp:
		return c.parse(in, op, sc)
	case *MakeSeriesOp:
		return c.makeSeries(in, op, sc)
	case *EvaluateOp:
		return c.evaluate(in, op, sc)
	case *InvokeOp:
		return c.tabularCall(op.Call, sc, c.settle(in))
	case *AsOp, *RenderOp:
		return in, nil
	case *GetSchemaOp:
		return c.getschema(in)
	case *SerializeOp:
		in = c.settle(in)
		if in.ord == "" {
			cols := c.passthrough(in)
			c.ordSeq++
			ord := "_o" + strconv.Itoa(c.ordSeq)
			out := c.emit(in, cols, selectSpec{}, false)
			// emit wrote the columns; add the order column to its text.
			out.n.text = strings.Replace(out.n.text, " FROM ", ", row_number() OVER () AS "+c.qi(ord)+" FROM ", 1)
			out.ord = ord
			in = transparent(in, out)
		}
		if len(op.Exprs) > 0 {
			return c.extend(in, op.Exprs, sc)
		}
		return in, nil
	case *SampleOp:
		n, err := c.count(op.N, sc)
		if err != nil {
			return nil, err
		}
		return c.emit(in, c.passthrough(in), selectSpec{orderBy: []string{"random()"}, limit: n}, false), nil
	case *SearchOp:
		return c.search(in, op, sc)
	case *ConsumeOp:
		return c.emit(in, nil, selectSpec{limit: c.Bind(int64(0), TypeLong)}, false), nil
	case *TopNestedOp:
		return c.topNested(in, op, sc)
	case *MvApplyOp:
		return c.mvApply(in, op, sc)
	case *TopHittersOp:
		return c.topHitters(in, op, sc)
	case *PartitionOp, *ReduceOp, *ForkOp, *ParseKvOp, *SampleDistinctOp, *FindOp:
		return nil, c.unsupported(op, "the %s operator is not supported", op.OpName())
	}
	return nil, c.unsupported(op, "the %s operator is not supported", op.OpName())
}

// count compiles a take/top/sample count: a non-negative constant.
func (c *compiler) count(e Expr, sc *scope) (string, error) {
	v, err := c.scalar(e, &rowCtx{sc: sc})
	if err != nil {
		return "", err
	}
	if !v.konst || !v.t.integer() {
		if v.t.integer() {
			return c.d.Call(c, "cast", []Arg{v.arg()}, TypeLong)
		}
		return "", c.errf(e, "the number of rows must be an integer constant, not %s", v.t)
	}
	n, _ := v.val.(int64)
	if n < 0 {
		return "", c.errf(e, "the number of rows must not be negative")
	}
	return c.Bind(n, TypeLong), nil
}

func (c *compiler) where(in *rel, op *WhereOp, sc *scope) (*rel, error) {
	if ne, ok := op.Pred.(*NamedExpr); ok {
		return nil, c.errf(ne, "where takes a condition, not an assignment (did you mean == ?)")
	}
	var ranges []timeRange
	var terms []TermHint
	out, err := c.keep(in, func(in *rel) ([]pcol, selectSpec, error) {
		ctx := c.ctxOf(in, sc)
		p, err := c.scalar(op.Pred, ctx)
		if err != nil {
			return nil, selectSpec{}, err
		}
		if p.agg {
			return nil, selectSpec{}, c.errf(op.Pred, "aggregates are only allowed in summarize")
		}
		if p.t != TypeBool {
			if p, err = c.coerce(op.Pred, "where", 0, p, kBool); err != nil {
				return nil, selectSpec{}, c.errf(op.Pred, "where needs a bool condition, not %s", p.t)
			}
		}
		ranges, terms = p.ranges, p.terms
		if p.win {
			// Window functions cannot be in WHERE: compute the condition
			// as a column, filter in the next select.
			return append(c.passthrough(in), pcol{name: windowCond, t: TypeBool, sql: p.sql}), selectSpec{}, nil
		}
		return c.passthrough(in), selectSpec{where: []string{p.sql}}, nil
	})
	if err != nil {
		return nil, err
	}
	if cond, ok := out.find(windowCond); ok {
		cols := c.passthrough(out)
		out2 := c.emit(out, cols[:len(cols)-1], selectSpec{where: []string{c.qi(cond.alias)}}, true)
		out2.sort = out.sort
		out = out2
	}
	narrow(in, ranges)
	for _, s := range in.targets {
		s.hint.Terms = append(s.hint.Terms, terms...)
	}
	return transparent(in, out), nil
}

// windowCond names the column a where with window functions computes.
const windowCond = "\x00where"

// exprName is the column name of an unnamed expression: Kusto's rules,
// or Column1, Column2, ...
func exprName(v texpr, taken func(string) bool) string {
	if v.name != "" {
		return v.name
	}
	for i := 1; ; i++ {
		n := "Column" + strconv.Itoa(i)
		if !taken(n) {
			return n
		}
	}
}

func (c *compiler) extend(in *rel, exprs []*NamedExpr, sc *scope) (*rel, error) {
	for i, ne := range exprs {
		if !c.isMultiCall(ne, sc) {
			continue
		}
		// A function that returns several columns runs once, in its own
		// step; the columns before and after it are extended around it.
		r := in
		var err error
		if i > 0 {
			if r, err = c.extend(r, exprs[:i], sc); err != nil {
				return nil, err
			}
		}
		if r, err = c.extendMulti(r, ne, sc); err != nil {
			return nil, err
		}
		if i+1 < len(exprs) {
			return c.extend(r, exprs[i+1:], sc)
		}
		return r, nil
	}
	out, err := c.keep(in, func(in *rel) ([]pcol, selectSpec, error) {
		ctx := c.ctxOf(in, sc)
		cols := c.passthrough(in)
		for _, ne := range exprs {
			v, err := c.scalar(ne.Value, ctx)
			if err != nil {
				return nil, selectSpec{}, err
			}
			if v.agg {
				return nil, selectSpec{}, c.errf(ne, "aggregates are only allowed in summarize")
			}
			if v.multi != "" && !(len(ne.Names) == 1 && ne.Names[0].Name == multiHidden) {
				mc, err := c.multiCols(ne, v)
				if err != nil {
					return nil, selectSpec{}, err
				}
				for _, p := range mc {
					cols = setCol(cols, p)
				}
				ctx.cols = cols
				continue
			}
			names, err := c.assignNames(ne, v, cols)
			if err != nil {
				return nil, selectSpec{}, err
			}
			if len(names) > 1 {
				return nil, selectSpec{}, c.unsupported(ne, "assigning one value to several columns is not supported")
			}
			cols = setCol(cols, pcol{name: names[0], t: v.t, sql: v.sql})
			ctx.cols = cols
		}
		return cols, selectSpec{}, nil
	})
	if err != nil {
		return nil, err
	}
	return transparent(in, out), nil
}

// assignNames returns the names an expression is assigned to.
func (c *compiler) assignNames(ne *NamedExpr, v texpr, cols []pcol) ([]string, error) {
	if len(ne.Names) > 0 {
		out := make([]string, len(ne.Names))
		for i, n := range ne.Names {
			out[i] = n.Name
		}
		return out, nil
	}
	taken := func(n string) bool {
		for _, p := range cols {
			if p.name == n {
				return true
			}
		}
		return false
	}
	return []string{exprName(v, taken)}, nil
}

// setCol replaces the named column in place, or appends it.
func setCol(cols []pcol, p pcol) []pcol {
	for i := range cols {
		if cols[i].name == p.name {
			out := append([]pcol{}, cols...)
			out[i] = p
			return out
		}
	}
	return append(append([]pcol{}, cols...), p)
}

func (c *compiler) project(in *rel, op *ProjectOp, sc *scope) (*rel, error) {
	switch op.Keyword {
	case "project":
		out, err := c.keep(in, func(in *rel) ([]pcol, selectSpec, error) {
			ctx := c.ctxOf(in, sc)
			var cols []pcol
			for _, it := range op.Items {
				ne := it.(*NamedExpr)
				v, err := c.scalar(ne.Value, ctx)
				if err != nil {
					return nil, selectSpec{}, err
				}
				if v.agg {
					return nil, selectSpec{}, c.errf(ne, "aggregates are only allowed in summarize")
				}
				if v.multi != "" {
					mc, err := c.multiCols(ne, v)
					if err != nil {
						return nil, selectSpec{}, err
					}
					for _, p := range mc {
						if _, dup := findP(cols, p.name); dup {
							return nil, selectSpec{}, c.errf(ne, "column %s is projected twice", p.name)
						}
						cols = append(cols, p)
					}
					continue
				}
				names, err := c.assignNames(ne, v, cols)
				if err != nil {
					return nil, selectSpec{}, err
				}
				if len(names) > 1 {
					return nil, selectSpec{}, c.unsupported(ne, "assigning one value to several columns is not supported")
				}
				name := names[0]
				for _, p := range cols {
					if p.name == name {
						return nil, selectSpec{}, c.errf(ne, "column %s is projected twice", name)
					}
				}
				cols = append(cols, pcol{name: name, t: v.t, sql: v.sql, time: v.time && v.col == name, src: v.src})
			}
			return cols, selectSpec{}, nil
		})
		if err != nil {
			return nil, err
		}
		return transparent(in, out), nil
	case "project-away", "project-keep":
		keep := op.Keyword == "project-keep"
		matched := make([]bool, len(in.cols))
		for _, item := range op.Items {
			it, _ := item.(Expr)
			found := false
			for i, cl := range in.cols {
				if nameMatches(it, cl.name) {
					matched[i], found = true, true
				}
			}
			if id, ok := it.(*Ident); ok && !found && !in.open {
				return nil, c.unknownColumn(id, c.ctxOf(in, sc))
			}
		}
		for _, st := range in.sort {
			for i, cl := range in.cols {
				if cl.name == st.name && matched[i] != keep {
					// The sort's column goes away: apply the sort first.
					in = c.settle(in)
				}
			}
		}
		out := *in
		out.cols = nil
		for i, cl := range in.cols {
			if matched[i] == keep {
				out.cols = append(out.cols, cl)
			}
		}
		return &out, nil
	case "project-rename":
		out := *in
		out.cols = append([]col{}, in.cols...)
		for _, it := range op.Items {
			ne := it.(*NamedExpr)
			id, ok := ne.Value.(*Ident)
			if !ok || len(ne.Names) != 1 {
				return nil, c.errf(ne, "project-rename takes new_name = existing_column")
			}
			idx := -1
			for i, cl := range out.cols {
				if cl.name == id.Name {
					idx = i
				}
			}
			if idx < 0 {
				return nil, c.unknownColumn(id, c.ctxOf(in, sc))
			}
			newName := ne.Names[0].Name
			for i, cl := range out.cols {
				if cl.name == newName && i != idx {
					return nil, c.errf(ne, "cannot rename %s to %s: a column %s already exists", id.Name, newName, newName)
				}
			}
			for i := range out.sort {
				if out.sort[i].name == id.Name {
					out.sort = append([]sortTerm{}, out.sort...)
					out.sort[i].name = newName
				}
			}
			out.cols[idx].name = newName
		}
		return &out, nil
	case "project-reorder":
		var first []col
		used := make([]bool, len(in.cols))
		for _, it := range op.Items {
			k := it.(*SortKey)
			var group []int
			for i, cl := range in.cols {
				if !used[i] && nameMatches(k.Expr, cl.name) {
					group = append(group, i)
				}
			}
			if id, ok := k.Expr.(*Ident); ok && len(group) == 0 {
				if _, exists := in.find(id.Name); !exists {
					return nil, c.unknownColumn(id, c.ctxOf(in, sc))
				}
			}
			switch k.Order {
			case "asc", "granny-asc":
				sort.SliceStable(group, func(a, b int) bool { return in.cols[group[a]].name < in.cols[group[b]].name })
			case "desc", "granny-desc":
				sort.SliceStable(group, func(a, b int) bool { return in.cols[group[a]].name > in.cols[group[b]].name })
			}
			for _, i := range group {
				used[i] = true
				first = append(first, in.cols[i])
			}
		}
		out := *in
		out.cols = first
		for i, cl := range in.cols {
			if !used[i] {
				out.cols = append(out.cols, cl)
			}
		}
		return &out, nil
	}
	return nil, c.unsupported(op, "the %s operator is not supported", op.Keyword)
}

// nameMatches reports whether a column name matches a name or wildcard.
func nameMatches(e Expr, name string) bool {
	switch e := e.(type) {
	case *Ident:
		return e.Name == name
	case *Wildcard:
		ok, _ := path.Match(strings.ReplaceAll(e.Pattern, "[", "\\["), name)
		return ok
	}
	return false
}

func (c *compiler) sortOp(in *rel, keys []*SortKey, sc *scope) (*rel, error) {
	var terms []sortTerm
	plain := true
	for _, k := range keys {
		desc := k.Order != "asc"
		nullsFirst := !desc
		if k.Nulls != "" {
			nullsFirst = k.Nulls == "first"
		}
		id, ok := k.Expr.(*Ident)
		if !ok {
			plain = false
			break
		}
		if _, exists := in.find(id.Name); !exists {
			plain = false
			break
		}
		terms = append(terms, sortTerm{name: id.Name, desc: desc, nullsFirst: nullsFirst})
	}
	if plain {
		out := *in
		out.sort, out.ord = terms, ""
		return &out, nil
	}
	// Expressions: order now.
	ctx := c.ctxOf(in, sc)
	ctx.ord = ""
	var order []string
	for _, k := range keys {
		v, err := c.scalar(k.Expr, ctx)
		if err != nil {
			return nil, err
		}
		if !v.t.orderable() && v.t != TypeDynamic {
			return nil, c.errf(k, "cannot sort by a %s value", v.t)
		}
		desc := k.Order != "asc"
		nullsFirst := !desc
		if k.Nulls != "" {
			nullsFirst = k.Nulls == "first"
		}
		order = append(order, orderTerm(v.sql, desc, nullsFirst))
	}
	cols := c.passthrough(in)
	out := c.emit(in, cols, selectSpec{}, false)
	c.ordSeq++
	ord := "_o" + strconv.Itoa(c.ordSeq)
	out.n.text = strings.Replace(out.n.text, " FROM ", ", row_number() OVER (ORDER BY "+strings.Join(order, ", ")+") AS "+c.qi(ord)+" FROM ", 1)
	out.ord = ord
	return transparentSort(in, out), nil
}

// transparentSort: sorting does not change which rows there are.
func transparentSort(in, out *rel) *rel { return transparent(in, out) }

// take keeps the first n rows, in order when the input is ordered.
func (c *compiler) take(in *rel, n string) *rel {
	spec := selectSpec{limit: n}
	switch {
	case len(in.sort) > 0:
		spec.orderBy = []string{c.orderBy(in)}
	case in.ord != "":
		spec.orderBy = []string{c.qi(in.ord)}
	}
	out := c.emit(in, c.passthrough(in), spec, true)
	out.sort = in.sort
	return out
}

func (c *compiler) top(in *rel, op *TopOp, sc *scope) (*rel, error) {
	n, err := c.count(op.N, sc)
	if err != nil {
		return nil, err
	}
	sorted, err := c.sortOp(in, []*SortKey{op.By}, sc)
	if err != nil {
		return nil, err
	}
	return c.take(sorted, n), nil
}

func (c *compiler) distinct(in *rel, op *DistinctOp, sc *scope) (*rel, error) {
	if op.Star {
		return c.emit(in, c.passthrough(in), selectSpec{distinct: true}, false), nil
	}
	ctx := c.ctxOf(in, sc)
	var cols []pcol
	for _, ne := range op.Exprs {
		v, err := c.scalar(ne.Value, ctx)
		if err != nil {
			return nil, err
		}
		names, err := c.assignNames(ne, v, cols)
		if err != nil {
			return nil, err
		}
		cols = append(cols, pcol{name: names[0], t: v.t, sql: v.sql})
	}
	return c.emit(in, cols, selectSpec{distinct: true}, false), nil
}

// uniqueName returns name, or name1, name2, ... if taken.
func uniqueName(name string, taken func(string) bool) string {
	if !taken(name) {
		return name
	}
	for i := 1; ; i++ {
		n := name + strconv.Itoa(i)
		if !taken(n) {
			return n
		}
	}
}

func (c *compiler) getschema(in *rel) (*rel, error) {
	var rows []string
	for i, cl := range in.cols {
		rows = append(rows, "("+strings.Join([]string{
			c.Bind(cl.name, TypeString), c.Bind(int64(i), TypeInt),
			c.Bind(getschemaType(cl.t), TypeString), c.Bind(cl.t.String(), TypeString)}, ", ")+")")
	}
	cols := []pcol{{name: "ColumnName", t: TypeString}, {name: "ColumnOrdinal", t: TypeInt}, {name: "DataType", t: TypeString}, {name: "ColumnType", t: TypeString}}
	return c.values(cols, rows), nil
}

func getschemaType(t Type) string {
	return map[Type]string{TypeBool: "System.SByte", TypeInt: "System.Int32", TypeLong: "System.Int64", TypeReal: "System.Double",
		TypeDecimal: "System.Data.SqlTypes.SqlDecimal", TypeString: "System.String", TypeDatetime: "System.DateTime",
		TypeTimespan: "System.TimeSpan", TypeDynamic: "System.Object", TypeGuid: "System.Guid"}[t]
}

// values makes a relation of literal rows (each "(v1, v2, ...)").
func (c *compiler) values(cols []pcol, rows []string) *rel {
	a := &aliaser{}
	out := &rel{}
	var names, items []string
	for _, p := range cols {
		alias := a.make(p.name)
		out.cols = append(out.cols, col{name: p.name, t: p.t, alias: alias})
		names = append(names, c.qi(alias))
		items = append(items, c.qi(alias)+" AS "+c.qi(alias))
	}
	var text string
	if len(rows) == 0 {
		var nulls []string
		for i, p := range cols {
			nulls = append(nulls, c.d.Null(p.t)+" AS "+names[i])
		}
		text = "SELECT " + strings.Join(nulls, ", ") + " WHERE false"
	} else {
		text = "SELECT " + strings.Join(items, ", ") + " FROM (VALUES " + strings.Join(rows, ", ") + ") AS _v(" + strings.Join(names, ", ") + ")"
	}
	c.ordSeq++
	out.ord = "_o" + strconv.Itoa(c.ordSeq)
	text = strings.Replace(text, "SELECT ", "SELECT row_number() OVER () AS "+c.qi(out.ord)+", ", 1)
	out.n = c.newNode(text)
	return out
}

func (c *compiler) datatable(e *DatatableExpr, sc *scope) (*rel, error) {
	if len(e.Columns) == 0 {
		return nil, c.errf(e, "datatable needs at least one column")
	}
	if len(e.Values)%len(e.Columns) != 0 {
		return nil, c.errf(e, "datatable has %d values for %d columns: the last row is incomplete", len(e.Values), len(e.Columns))
	}
	var cols []pcol
	for _, cd := range e.Columns {
		t, _ := ParseType(cd.Type)
		for _, p := range cols {
			if p.name == cd.Name {
				return nil, c.errf(cd, "duplicate column %s", cd.Name)
			}
		}
		cols = append(cols, pcol{name: cd.Name, t: t})
	}
	var rows []string
	ctx := &rowCtx{sc: sc}
	for i := 0; i < len(e.Values); i += len(cols) {
		var vals []string
		for j, p := range cols {
			x := e.Values[i+j]
			v, err := c.scalar(x, ctx)
			if err != nil {
				return nil, err
			}
			if !v.konst {
				return nil, c.errf(x, "datatable values must be constants")
			}
			if v.t != p.t {
				conv, ok := foldCast(v.val, v.t, p.t)
				if !ok && !(v.t.numeric() && p.t.numeric()) && v.t != TypeUnknown && !(v.t == TypeDynamic && v.val == nil) {
					return nil, c.errf(x, "value for column %s must be %s, not %s", p.name, p.t, v.t)
				}
				if ok {
					v = c.konst(conv, p.t)
				} else if v, err = c.convert(x, v, p.t); err != nil {
					return nil, err
				}
			}
			vals = append(vals, v.sql)
		}
		rows = append(rows, "("+strings.Join(vals, ", ")+")")
	}
	return c.values(cols, rows), nil
}

func (c *compiler) print(e *PrintOp, sc *scope) (*rel, error) {
	ctx := &rowCtx{sc: sc}
	var cols []pcol
	for i, ne := range e.Exprs {
		v, err := c.scalar(ne.Value, ctx)
		if err != nil {
			return nil, err
		}
		if v.agg {
			return nil, c.errf(ne, "aggregates are only allowed in summarize")
		}
		name := "print_" + strconv.Itoa(i)
		if len(ne.Names) == 1 {
			name = ne.Names[0].Name
		} else if v.name != "" {
			name = v.name
		}
		cols = append(cols, pcol{name: name, t: v.t, sql: v.sql})
	}
	return c.emit(nil, cols, selectSpec{}, false), nil
}

func (c *compiler) rangeSource(e *RangeExpr, sc *scope) (*rel, error) {
	ctx := &rowCtx{sc: sc}
	from, err := c.scalar(e.From, ctx)
	if err != nil {
		return nil, err
	}
	to, err := c.scalar(e.To, ctx)
	if err != nil {
		return nil, err
	}
	step, err := c.scalar(e.Step, ctx)
	if err != nil {
		return nil, err
	}
	from, to, t, err := c.unify(e, from, to)
	if err != nil {
		return nil, err
	}
	switch {
	case t.numeric():
		if step, err = c.convert(e.Step, step, t); err != nil {
			return nil, err
		}
	case t == TypeDatetime || t == TypeTimespan:
		if step.t != TypeTimespan {
			return nil, c.errf(e.Step, "the step of a %s range must be a timespan", t)
		}
	default:
		return nil, c.errf(e, "range needs numbers, datetimes or timespans, not %s", t)
	}
	series, err := c.d.Call(c, "range_table", []Arg{from.arg(), to.arg(), step.arg()}, t)
	if err != nil {
		return nil, c.errf(e, "%v", err)
	}
	a := &aliaser{}
	alias := a.make(e.Name.Name)
	out := &rel{cols: []col{{name: e.Name.Name, t: t, alias: alias}}}
	out.n = c.newNode("SELECT _g.v AS " + c.qi(alias) + " FROM " + series + " AS _g")
	out.sort = []sortTerm{{name: e.Name.Name, nullsFirst: true}}
	return out, nil
}

// --- summarize ---

// multiAggs produce several columns.
var multiAggs = map[string]bool{"arg_max": true, "arg_min": true, "argmax": true, "argmin": true, "take_any": true, "any": true,
	"percentiles": true, "percentiles_array": true}

func (c *compiler) summarize(in *rel, op *SummarizeOp, sc *scope) (*rel, error) {
	if len(op.Aggs) == 0 && len(op.By) == 0 {
		return nil, c.errf(op, "summarize needs aggregations or a by clause")
	}
	in.sort = nil
	ctx := c.ctxOf(in, sc)
	ctx.ord = ""
	var names []string
	taken := func(n string) bool {
		for _, x := range names {
			if x == n {
				return true
			}
		}
		return false
	}
	// Keys, computed in a first select when they are not plain columns.
	type key struct {
		name, sql string
		t         Type
		colName   string
	}
	var keys []key
	computed := false
	for _, ne := range op.By {
		v, err := c.scalar(ne.Value, ctx)
		if err != nil {
			return nil, err
		}
		if v.agg {
			return nil, c.errf(ne, "the by clause cannot contain aggregates")
		}
		if v.t == TypeDynamic {
			// Group by the JSON text.
			if v, err = c.convert(ne, v, TypeDynamic); err != nil {
				return nil, err
			}
		}
		name := ""
		if len(ne.Names) == 1 {
			name = ne.Names[0].Name
		} else if len(ne.Names) > 1 {
			return nil, c.unsupported(ne, "assigning one key to several columns is not supported")
		} else {
			name = exprName(v, taken)
		}
		name = uniqueName(name, taken)
		names = append(names, name)
		k := key{name: name, sql: v.sql, t: v.t}
		if v.col != "" && v.sql == c.qi(mustFind(in, v.col).alias) {
			k.colName = v.col
		} else {
			computed = true
		}
		keys = append(keys, k)
	}
	src := in
	if computed {
		// A select that adds the keys as columns _k1, _k2, ... (input
		// columns keep their aliases, so the aggregates' SQL stays valid).
		spec := selectSpec{from: in.n.name()}
		for _, cl := range in.cols {
			spec.items = append(spec.items, c.qi(cl.alias)+" AS "+c.qi(cl.alias))
		}
		for i := range keys {
			if keys[i].colName != "" {
				continue
			}
			c.keySeq++
			alias := "_k" + strconv.Itoa(c.keySeq)
			spec.items = append(spec.items, keys[i].sql+" AS "+c.qi(alias))
			keys[i].sql = c.qi(alias)
		}
		src = &rel{n: c.newNode(spec.String()), cols: in.cols}
	}

	// Aggregations.
	actx := *ctx
	actx.aggOK = true
	type outCol struct {
		name, sql string
		t         Type
		record    string // set for fields of a record aggregate: the record's alias
		field     int
	}
	var outs []outCol
	var group []string
	for _, k := range keys {
		outs = append(outs, outCol{name: k.name, sql: k.sql, t: k.t})
		group = append(group, k.sql)
	}
	keyCols := map[string]bool{}
	for _, k := range keys {
		if k.colName != "" {
			keyCols[k.colName] = true
		}
	}
	records := 0
	for _, ne := range op.Aggs {
		if call, ok := ne.Value.(*CallExpr); ok && multiAggs[call.Name.Name] && ctx.sc.lookup(call.Name.Name) == nil &&
			(call.Name.Name != "any" && call.Name.Name != "take_any" || len(call.Args) != 1 || isStar(call.Args[0])) &&
			!(strings.HasPrefix(call.Name.Name, "percentiles") && len(call.Args) == 2 && len(ne.Names) <= 1 && call.Name.Name == "percentiles_array") {
			cols, err := c.multiAgg(call, ne, &actx, in, keyCols)
			if err != nil {
				return nil, err
			}
			if len(ne.Names) > 0 && len(ne.Names) != len(cols) && !(len(ne.Names) == 1 && len(cols) >= 1) {
				return nil, c.errf(ne, "%d names for %d columns", len(ne.Names), len(cols))
			}
			rec := ""
			if cols[0].record {
				records++
				rec = "_r" + strconv.Itoa(records)
			}
			for i, mc := range cols {
				name := mc.name
				if i < len(ne.Names) {
					name = ne.Names[i].Name
				}
				name = uniqueName(name, taken)
				names = append(names, name)
				if mc.record {
					outs = append(outs, outCol{name: name, t: mc.t, record: rec, field: mc.field, sql: cols[0].sql})
				} else {
					outs = append(outs, outCol{name: name, t: mc.t, sql: mc.sql})
				}
			}
			continue
		}
		v, err := c.scalar(ne.Value, &actx)
		if err != nil {
			return nil, err
		}
		if !v.agg {
			return nil, c.errf(ne, "summarize needs an aggregate function here (count(), sum(), make_set(), ...)")
		}
		name := ""
		if len(ne.Names) == 1 {
			name = ne.Names[0].Name
		} else if len(ne.Names) > 1 {
			return nil, c.unsupported(ne, "assigning one aggregate to several columns is not supported")
		} else {
			name = exprName(v, taken)
		}
		name = uniqueName(name, taken)
		names = append(names, name)
		outs = append(outs, outCol{name: name, sql: v.sql, t: v.t})
	}

	// The aggregate select; records (arg_max and friends) get one more
	// select that takes their fields apart.
	a := &aliaser{}
	spec := selectSpec{from: src.n.name(), groupBy: group}
	result := &rel{}
	seenRec := map[string]bool{}
	for _, o := range outs {
		if o.record != "" {
			if !seenRec[o.record] {
				spec.items = append(spec.items, o.sql+" AS "+c.qi(o.record))
				seenRec[o.record] = true
			}
			continue
		}
		alias := a.make(o.name)
		spec.items = append(spec.items, o.sql+" AS "+c.qi(alias))
		result.cols = append(result.cols, col{name: o.name, t: o.t, alias: alias})
	}
	if len(group) == 0 {
		spec.groupBy = nil
	}
	result.n = c.newNode(spec.String())
	if records == 0 {
		return result, nil
	}
	var final []pcol
	for _, o := range outs {
		if o.record != "" {
			final = append(final, pcol{name: o.name, t: o.t, sql: c.d.Field(c.qi(o.record), o.field)})
			continue
		}
		cl, _ := result.find(o.name)
		final = append(final, pcol{name: o.name, t: o.t, sql: c.qi(cl.alias)})
	}
	return c.emit(result, final, selectSpec{}, false), nil
}

func mustFind(r *rel, name string) col {
	cl, _ := r.find(name)
	return cl
}

func isStar(e Expr) bool {
	_, ok := e.(*StarExpr)
	return ok
}

// mcol is one column of a multi-column aggregate.
type mcol struct {
	name   string
	t      Type
	sql    string
	record bool
	field  int
}

// multiAgg compiles arg_max / arg_min / take_any with several values, and
// percentiles.
func (c *compiler) multiAgg(call *CallExpr, ne *NamedExpr, ctx *rowCtx, in *rel, keyCols map[string]bool) ([]mcol, error) {
	name := call.Name.Name
	inner := *ctx
	inner.inAgg = true
	switch name {
	case "percentiles", "percentiles_array":
		if len(call.Args) < 2 {
			return nil, c.errf(call, "%s takes a value and percentiles", name)
		}
		x, err := c.scalar(call.Args[0], &inner)
		if err != nil {
			return nil, err
		}
		if x, err = c.coerce(call, name, 0, x, kOrderable); err != nil {
			return nil, err
		}
		var out []mcol
		var sqls []string
		for i, pa := range call.Args[1:] {
			p, err := c.scalar(pa, &inner)
			if err != nil {
				return nil, err
			}
			if !p.konst || !p.t.numeric() {
				return nil, c.errf(pa, "argument %d of %s must be a constant number", i+2, name)
			}
			pv, _ := foldCast(p.val, p.t, TypeReal)
			f := pv.(float64)
			sql, err := c.d.Aggregate(c, "percentile", []Arg{x.arg(), c.konst(f, TypeReal).arg()}, "", x.t)
			if err != nil {
				return nil, c.errf(call, "%v", err)
			}
			label := strings.ReplaceAll(strconv.FormatFloat(f, 'f', -1, 64), ".", "_")
			out = append(out, mcol{name: "percentile_" + joinName("", x.name) + "_" + label, t: x.t, sql: sql})
			sqls = append(sqls, sql)
		}
		if name == "percentiles_array" {
			arr, err := c.d.Call(c, "pack_array", argsOf(out), TypeDynamic)
			if err != nil {
				return nil, c.errf(call, "%v", err)
			}
			return []mcol{{name: "percentiles_" + x.name, t: TypeDynamic, sql: arr}}, nil
		}
		return out, nil
	}
	// arg_max(by, cols...) / arg_min / take_any(cols...): one record
	// per group, its fields the columns.
	kind := map[string]string{"arg_max": "arg_max", "argmax": "arg_max", "arg_min": "arg_min", "argmin": "arg_min", "take_any": "take_any", "any": "take_any"}[name]
	prefix := strings.TrimPrefix(kind, "arg_")
	var vals []texpr
	var cols []mcol
	start := 0
	var by texpr
	if kind != "take_any" {
		if len(call.Args) == 0 {
			return nil, c.errf(call, "%s takes the value to maximize or minimize first", name)
		}
		var err error
		if by, err = c.scalar(call.Args[0], &inner); err != nil {
			return nil, err
		}
		if !by.t.orderable() {
			return nil, c.errf(call.Args[0], "%s needs an orderable value, not %s", name, by.t)
		}
		start = 1
		n := by.name
		if n == "" {
			n = prefix + "_"
		}
		vals = append(vals, by)
		cols = append(cols, mcol{name: n, t: by.t})
	}
	seen := map[string]bool{}
	if by.col != "" {
		seen[by.col] = true
	}
	star := false
	for _, a := range call.Args[start:] {
		if isStar(a) {
			star = true
		}
	}
	for i, a := range call.Args[start:] {
		if isStar(a) {
			for _, cl := range in.cols {
				if seen[cl.name] || keyCols[cl.name] {
					continue
				}
				seen[cl.name] = true
				vals = append(vals, texpr{sql: c.qi(cl.alias), t: cl.t})
				cols = append(cols, mcol{name: cl.name, t: cl.t})
			}
			continue
		}
		var v texpr
		var err error
		n := ""
		if na, ok := a.(*NamedExpr); ok && len(na.Names) == 1 {
			v, err = c.scalar(na.Value, &inner)
			n = na.Names[0].Name
		} else {
			v, err = c.scalar(a, &inner)
			n = v.name
		}
		if err != nil {
			return nil, err
		}
		if star && v.col != "" && seen[v.col] {
			continue
		}
		if v.col != "" {
			seen[v.col] = true
		}
		if n == "" {
			if kind == "take_any" {
				n = "any_" + strconv.Itoa(i)
			} else {
				n = prefix + "_" + joinName("", by.name) + "_arg" + strconv.Itoa(i+1)
			}
		}
		vals = append(vals, v)
		cols = append(cols, mcol{name: n, t: v.t})
	}
	if len(vals) == 0 {
		return nil, c.errf(call, "%s needs at least one value", name)
	}
	args := []Arg{by.arg()}
	if kind == "take_any" {
		args = nil
	}
	for _, v := range vals {
		args = append(args, v.arg())
	}
	sql, err := c.d.Aggregate(c, kind, args, "", TypeUnknown)
	if err != nil {
		return nil, c.errf(call, "%v", err)
	}
	for i := range cols {
		cols[i].record, cols[i].field = true, i
	}
	cols[0].sql = sql
	return cols, nil
}

func argsOf(cols []mcol) []Arg {
	out := make([]Arg, len(cols))
	for i, m := range cols {
		out[i] = Arg{SQL: m.sql, Type: m.t}
	}
	return out
}

// aggregate compiles an aggregate function call inside summarize.
func (c *compiler) aggregate(call *CallExpr, spec aggSpec, ctx *rowCtx) (texpr, error) {
	name := call.Name.Name
	if !ctx.aggOK {
		return texpr{}, c.errf(call, "%s() is an aggregate: it is only allowed in summarize (or make-series)", name)
	}
	if ctx.inAgg {
		return texpr{}, c.errf(call, "aggregates cannot be nested (%s inside another aggregate)", name)
	}
	if len(call.Args) < spec.min || spec.max >= 0 && len(call.Args) > spec.max {
		return texpr{}, c.errf(call, "%s takes %s, not %d", name, arity(spec.min, spec.max), len(call.Args))
	}
	inner := *ctx
	inner.inAgg = true
	var args []texpr
	for i, a := range call.Args {
		if isStar(a) {
			if name == "count" {
				continue
			}
			return texpr{}, c.errf(a, "argument %d of %s cannot be '*'", i+1, name)
		}
		v, err := c.scalar(a, &inner)
		if err != nil {
			return texpr{}, err
		}
		k := spec.kinds[min(i, len(spec.kinds)-1)]
		if v, err = c.coerce(a, name, i, v, k); err != nil {
			return texpr{}, err
		}
		args = append(args, v)
	}
	filter := ""
	if spec.pred >= 0 && spec.pred < len(args) {
		filter = args[spec.pred].sql
		args = append(args[:spec.pred:spec.pred], args[spec.pred+1:]...)
	}
	ret := spec.ret
	if ret == TypeUnknown && len(args) > 0 {
		ret = args[0].t
		if spec.widen && ret == TypeInt {
			ret = TypeLong
		}
	}
	as := make([]Arg, len(args))
	for i, a := range args {
		as[i] = a.arg()
	}
	sql, err := c.d.Aggregate(c, spec.canon, as, filter, ret)
	if err != nil {
		return texpr{}, c.errf(call, "%v", err)
	}
	n := spec.prefix + "_"
	if len(args) > 0 {
		n += args[0].name
	}
	return texpr{sql: sql, t: ret, agg: true, name: n}, nil
}

// aggSpec is an aggregate function.
type aggSpec struct {
	canon    string // name passed to the dialect
	min, max int
	kinds    []pk
	ret      Type // TypeUnknown: the first argument's type
	widen    bool // int results widen to long (sum)
	pred     int  // index of the row predicate (the *if variants), or -1
	prefix   string
}

var aggFuncs = map[string]aggSpec{
	"count":                {canon: "count", min: 0, max: 1, kinds: []pk{kAny}, ret: TypeLong, pred: -1, prefix: "count"},
	"countif":              {canon: "count", min: 1, max: 1, kinds: []pk{kBool}, ret: TypeLong, pred: 0, prefix: "countif"},
	"dcount":               {canon: "dcount", min: 1, max: 2, kinds: []pk{kAny, kLong}, ret: TypeLong, pred: -1, prefix: "dcount"},
	"dcountif":             {canon: "dcount", min: 2, max: 3, kinds: []pk{kAny, kBool, kLong}, ret: TypeLong, pred: 1, prefix: "dcountif"},
	"count_distinct":       {canon: "dcount", min: 1, max: 1, kinds: []pk{kAny}, ret: TypeLong, pred: -1, prefix: "count_distinct"},
	"count_distinctif":     {canon: "dcount", min: 2, max: 2, kinds: []pk{kAny, kBool}, ret: TypeLong, pred: 1, prefix: "count_distinctif"},
	"sum":                  {canon: "sum", min: 1, max: 1, kinds: []pk{kNum}, widen: true, pred: -1, prefix: "sum"},
	"sumif":                {canon: "sum", min: 2, max: 2, kinds: []pk{kNum, kBool}, widen: true, pred: 1, prefix: "sumif"},
	"avg":                  {canon: "avg", min: 1, max: 1, kinds: []pk{kNum}, ret: TypeReal, pred: -1, prefix: "avg"},
	"avgif":                {canon: "avg", min: 2, max: 2, kinds: []pk{kNum, kBool}, ret: TypeReal, pred: 1, prefix: "avgif"},
	"min":                  {canon: "min", min: 1, max: 1, kinds: []pk{kOrderable}, pred: -1, prefix: "min"},
	"max":                  {canon: "max", min: 1, max: 1, kinds: []pk{kOrderable}, pred: -1, prefix: "max"},
	"minif":                {canon: "min", min: 2, max: 2, kinds: []pk{kOrderable, kBool}, pred: 1, prefix: "minif"},
	"maxif":                {canon: "max", min: 2, max: 2, kinds: []pk{kOrderable, kBool}, pred: 1, prefix: "maxif"},
	"make_set":             {canon: "make_set", min: 1, max: 2, kinds: []pk{kAny, kLong}, ret: TypeDynamic, pred: -1, prefix: "set"},
	"makeset":              {canon: "make_set", min: 1, max: 2, kinds: []pk{kAny, kLong}, ret: TypeDynamic, pred: -1, prefix: "set"},
	"make_set_if":          {canon: "make_set", min: 2, max: 3, kinds: []pk{kAny, kBool, kLong}, ret: TypeDynamic, pred: 1, prefix: "set"},
	"make_list":            {canon: "make_list", min: 1, max: 2, kinds: []pk{kAny, kLong}, ret: TypeDynamic, pred: -1, prefix: "list"},
	"makelist":             {canon: "make_list", min: 1, max: 2, kinds: []pk{kAny, kLong}, ret: TypeDynamic, pred: -1, prefix: "list"},
	"make_list_if":         {canon: "make_list", min: 2, max: 3, kinds: []pk{kAny, kBool, kLong}, ret: TypeDynamic, pred: 1, prefix: "list"},
	"make_list_with_nulls": {canon: "make_list_with_nulls", min: 1, max: 2, kinds: []pk{kAny, kLong}, ret: TypeDynamic, pred: -1, prefix: "list"},
	"make_bag":             {canon: "make_bag", min: 1, max: 2, kinds: []pk{kDyn, kLong}, ret: TypeDynamic, pred: -1, prefix: "bag"},
	"make_bag_if":          {canon: "make_bag", min: 2, max: 3, kinds: []pk{kDyn, kBool, kLong}, ret: TypeDynamic, pred: 1, prefix: "bag"},
	"take_any":             {canon: "any", min: 1, max: 1, kinds: []pk{kAny}, pred: -1, prefix: "any"},
	"any":                  {canon: "any", min: 1, max: 1, kinds: []pk{kAny}, pred: -1, prefix: "any"},
	"take_anyif":           {canon: "any", min: 2, max: 2, kinds: []pk{kAny, kBool}, pred: 1, prefix: "any"},
	"anyif":                {canon: "any", min: 2, max: 2, kinds: []pk{kAny, kBool}, pred: 1, prefix: "any"},
	"stdev":                {canon: "stdev", min: 1, max: 1, kinds: []pk{kReal}, ret: TypeReal, pred: -1, prefix: "stdev"},
	"stdevif":              {canon: "stdev", min: 2, max: 2, kinds: []pk{kReal, kBool}, ret: TypeReal, pred: 1, prefix: "stdevif"},
	"stdevp":               {canon: "stdevp", min: 1, max: 1, kinds: []pk{kReal}, ret: TypeReal, pred: -1, prefix: "stdevp"},
	"variance":             {canon: "variance", min: 1, max: 1, kinds: []pk{kReal}, ret: TypeReal, pred: -1, prefix: "variance"},
	"varianceif":           {canon: "variance", min: 2, max: 2, kinds: []pk{kReal, kBool}, ret: TypeReal, pred: 1, prefix: "varianceif"},
	"variancep":            {canon: "variancep", min: 1, max: 1, kinds: []pk{kReal}, ret: TypeReal, pred: -1, prefix: "variancep"},
	"percentile":           {canon: "percentile", min: 2, max: 2, kinds: []pk{kOrderable, kReal}, pred: -1, prefix: "percentile"},
	"binary_all_or":        {canon: "binary_all_or", min: 1, max: 1, kinds: []pk{kLong}, ret: TypeLong, pred: -1, prefix: "binary_all_or"},
	"binary_all_and":       {canon: "binary_all_and", min: 1, max: 1, kinds: []pk{kLong}, ret: TypeLong, pred: -1, prefix: "binary_all_and"},
}

// --- joins ---

var joinKinds = map[string]string{
	"": "innerunique", "innerunique": "innerunique", "inner": "inner", "leftouter": "leftouter", "rightouter": "rightouter",
	"fullouter": "fullouter", "leftanti": "leftanti", "anti": "leftanti", "leftantisemi": "leftanti", "rightanti": "rightanti",
	"rightantisemi": "rightanti", "leftsemi": "leftsemi", "rightsemi": "rightsemi",
}

func paramValue(ps []*OpParam, name string) (string, Node) {
	for _, p := range ps {
		if p.Name == name {
			switch v := p.Value.(type) {
			case *Ident:
				return v.Name, p
			case *Literal:
				switch v.Kind {
				case LitString:
					return v.Str, p
				case LitBool:
					return strconv.FormatBool(v.Bool), p
				}
				return v.Raw, p
			}
		}
	}
	return "", nil
}

func (c *compiler) join(in *rel, op *JoinOp, sc *scope) (*rel, error) {
	k, kn := paramValue(op.Params, "kind")
	kind, ok := joinKinds[k]
	if !ok {
		return nil, c.errf(kn, "unknown join kind %q", k)
	}
	right, err := c.tabular(op.Right, sc)
	if err != nil {
		return nil, err
	}
	if op.Where != nil {
		return nil, c.unsupported(op.Where, "join ... where is not supported: use join ... on")
	}
	return c.joinRels(op, in, right, op.On, kind, false, sc)
}

func (c *compiler) lookup(in *rel, op *LookupOp, sc *scope) (*rel, error) {
	k, kn := paramValue(op.Params, "kind")
	kind := "leftouter"
	switch k {
	case "", "leftouter":
	case "inner":
		kind = "inner"
	default:
		return nil, c.errf(kn, "lookup kind must be leftouter or inner, not %q", k)
	}
	right, err := c.tabular(op.Right, sc)
	if err != nil {
		return nil, err
	}
	return c.joinRels(op, in, right, op.On, kind, true, sc)
}

// joinRels joins two relations on equality conditions.
func (c *compiler) joinRels(n Node, left, right *rel, on []Expr, kind string, isLookup bool, sc *scope) (*rel, error) {
	left, right = c.settle(left), c.settle(right)
	if len(on) == 0 {
		return nil, c.errf(n, "join needs an on clause")
	}
	lp := c.qualified(left, "l")
	rp := c.qualified(right, "r")
	var conds []string
	sameNameKeys := map[string]bool{}
	var lkeys []string
	var conj []Expr
	for _, e := range on {
		conj = append(conj, splitAnd(e)...)
	}
	for _, e := range conj {
		if id, ok := e.(*Ident); ok {
			lc, ok1 := findP(lp, id.Name)
			rc, ok2 := findP(rp, id.Name)
			if !ok1 || !ok2 {
				side := "left"
				if ok1 {
					side = "right"
				}
				return nil, c.errf(id, "join key %s is not a column of the %s side", id.Name, side)
			}
			l, r, _, err := c.unify(id, texpr{sql: lc.sql, t: lc.t}, texpr{sql: rc.sql, t: rc.t})
			if err != nil {
				return nil, err
			}
			conds = append(conds, l.sql+" = "+r.sql)
			lkeys = append(lkeys, l.sql)
			sameNameKeys[id.Name] = true
			continue
		}
		be, ok := e.(*BinaryExpr)
		if !ok || be.Op != "==" {
			return nil, c.errf(e, "join conditions are column names or $left.a == $right.b")
		}
		ctx := &rowCtx{sc: sc, left: lp, right: rp}
		l, err := c.scalar(be.Left, ctx)
		if err != nil {
			return nil, err
		}
		r, err := c.scalar(be.Right, ctx)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(l.sql, "l.") && strings.HasPrefix(r.sql, "l.") {
			l, r = r, l
		}
		if !strings.HasPrefix(l.sql, "l.") || !strings.HasPrefix(r.sql, "r.") {
			return nil, c.errf(e, "a join condition compares $left.column with $right.column")
		}
		l, r, _, err = c.unify(e, l, r)
		if err != nil {
			return nil, err
		}
		conds = append(conds, l.sql+" = "+r.sql)
		lkeys = append(lkeys, l.sql)
		if isLookup && l.col == r.col {
			sameNameKeys[l.col] = true
		}
	}
	onSQL := strings.Join(conds, " AND ")
	leftFrom := left.n.name() + " AS l"
	if kind == "innerunique" {
		// Kusto removes duplicate left keys before joining: one left row
		// per key.
		leftFrom = "(SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY " +
			strings.Join(stripQual(lkeys), ", ") + ") AS _ju FROM " + left.n.name() + ") AS _u WHERE _ju = 1) AS l"
		kind = "inner"
	}
	var cols []pcol
	taken := func(name string) bool {
		for _, p := range cols {
			if p.name == name {
				return true
			}
		}
		return false
	}
	spec := selectSpec{}
	switch kind {
	case "leftsemi", "leftanti":
		cols = lp
		not := ""
		if kind == "leftanti" {
			not = "NOT "
		}
		spec.from = leftFrom
		spec.where = []string{not + "EXISTS (SELECT 1 FROM " + right.n.name() + " AS r WHERE " + onSQL + ")"}
	case "rightsemi", "rightanti":
		cols = rp
		not := ""
		if kind == "rightanti" {
			not = "NOT "
		}
		spec.from = right.n.name() + " AS r"
		spec.where = []string{not + "EXISTS (SELECT 1 FROM " + leftFrom + " WHERE " + onSQL + ")"}
	default:
		join := map[string]string{"inner": "JOIN", "leftouter": "LEFT JOIN", "rightouter": "RIGHT JOIN", "fullouter": "FULL JOIN"}[kind]
		spec.from = leftFrom + " " + join + " " + right.n.name() + " AS r ON " + onSQL
		cols = append(cols, lp...)
		for _, p := range rp {
			if isLookup && sameNameKeys[p.name] {
				continue
			}
			p.name = uniqueName(p.name, taken)
			cols = append(cols, p)
		}
	}
	for i := range cols {
		cols[i].time, cols[i].src = false, ""
	}
	out := c.emit(nil, cols, spec, false)
	return out, nil
}

// splitAnd splits a and b and c into its terms.
func splitAnd(e Expr) []Expr {
	if be, ok := e.(*BinaryExpr); ok && be.Op == "and" {
		return append(splitAnd(be.Left), splitAnd(be.Right)...)
	}
	if pe, ok := e.(*ParenExpr); ok {
		return splitAnd(pe.X)
	}
	return []Expr{e}
}

func stripQual(sqls []string) []string {
	out := make([]string, len(sqls))
	for i, s := range sqls {
		out[i] = strings.ReplaceAll(s, "l.", "")
	}
	return out
}

// qualified returns r's columns as SQL qualified by a table alias.
func (c *compiler) qualified(r *rel, q string) []pcol {
	out := c.passthrough(r)
	for i := range out {
		out[i].sql = q + "." + out[i].sql
	}
	return out
}

func findP(ps []pcol, name string) (pcol, bool) {
	for _, p := range ps {
		if p.name == name {
			return p, true
		}
	}
	return pcol{}, false
}

// --- union ---

func (c *compiler) union(in *rel, op *UnionOp, sc *scope) (*rel, error) {
	var inputs []*rel
	var sources []string
	if in != nil {
		inputs = append(inputs, c.settle(in))
		sources = append(sources, "union_arg0")
	}
	fuzzy, _ := paramValue(op.Params, "isfuzzy")
	kindV, kindN := paramValue(op.Params, "kind")
	if kindV != "" && kindV != "inner" && kindV != "outer" {
		return nil, c.errf(kindN, "union kind must be inner or outer")
	}
	withSource, _ := paramValue(op.Params, "withsource")
	if withSource == "" {
		withSource, _ = paramValue(op.Params, "with_source")
	}
	for _, t := range op.Tables {
		switch t := t.(type) {
		case *Wildcard:
			l, ok := c.cat.(TableLister)
			if !ok {
				return nil, c.unsupported(t, "table wildcards need a catalog that lists its tables")
			}
			found := false
			for _, name := range l.TableNames() {
				if nameMatches(t, name) {
					r, err := c.tableRef(&Ident{Pos: t.Pos, Name: name}, sc)
					if err != nil {
						return nil, err
					}
					inputs = append(inputs, c.settle(r))
					sources = append(sources, name)
					found = true
				}
			}
			if !found && fuzzy != "true" {
				return nil, c.errf(t, "no table matches %s", t.Pattern)
			}
			continue
		}
		r, err := c.tabular(t, sc)
		if err != nil {
			if fuzzy == "true" {
				if e, ok := AsError(err); ok && strings.HasPrefix(e.Message, "unknown table") {
					continue
				}
			}
			return nil, err
		}
		inputs = append(inputs, c.settle(r))
		src := "union_arg" + strconv.Itoa(len(sources))
		if id, ok := t.(*Ident); ok {
			src = id.Name
		}
		sources = append(sources, src)
	}
	if len(inputs) == 0 {
		return nil, c.errf(op, "union has no tables")
	}
	// Output columns: by name; a name with two types becomes name_type.
	type ucol struct {
		name string
		t    Type
	}
	var cols []ucol
	typesOf := map[string]map[Type]bool{}
	count := map[string]int{}
	for _, r := range inputs {
		for _, cl := range r.cols {
			if typesOf[cl.name] == nil {
				typesOf[cl.name] = map[Type]bool{}
			}
			if !typesOf[cl.name][cl.t] {
				typesOf[cl.name][cl.t] = true
			}
			count[cl.name]++
		}
	}
	colName := func(name string, t Type) string {
		if len(typesOf[name]) > 1 {
			return name + "_" + t.String()
		}
		return name
	}
	seen := map[string]bool{}
	for _, r := range inputs {
		for _, cl := range r.cols {
			n := colName(cl.name, cl.t)
			if seen[n] {
				continue
			}
			if kindV == "inner" && count[cl.name] < len(inputs) {
				continue
			}
			seen[n] = true
			cols = append(cols, ucol{n, cl.t})
		}
	}
	a := &aliaser{}
	out := &rel{}
	if withSource != "" {
		out.cols = append(out.cols, col{name: withSource, t: TypeString, alias: a.make(withSource)})
	}
	for _, u := range cols {
		out.cols = append(out.cols, col{name: u.name, t: u.t, alias: a.make(u.name)})
	}
	var parts []string
	allTime := true
	for i, r := range inputs {
		var items []string
		if withSource != "" {
			items = append(items, c.Bind(sources[i], TypeString)+" AS "+c.qi(out.cols[0].alias))
		}
		off := len(out.cols) - len(cols)
		for j, u := range cols {
			expr := c.d.Null(u.t)
			for _, cl := range r.cols {
				if colName(cl.name, cl.t) == u.name {
					expr = c.qi(cl.alias)
				}
			}
			items = append(items, expr+" AS "+c.qi(out.cols[off+j].alias))
		}
		parts = append(parts, "SELECT "+strings.Join(items, ", ")+" FROM "+r.n.name())
		if len(r.targets) == 0 {
			allTime = false
		}
	}
	out.n = c.newNode(strings.Join(parts, " UNION ALL "))
	// Time columns stay hint-able when every input's is.
	if allTime {
		for i := range out.cols {
			ok := true
			src := ""
			for j, r := range inputs {
				cl, found := r.find(out.cols[i].name)
				ok = ok && found && cl.time
				if j == 0 && found {
					src = cl.src
				}
				if !found || cl.src != src {
					src = ""
				}
			}
			out.cols[i].time, out.cols[i].src = ok, src
		}
		for _, r := range inputs {
			out.targets = append(out.targets, r.targets...)
		}
	}
	return out, nil
}

// --- mv-expand ---

func (c *compiler) mvExpand(in *rel, op *MvExpandOp, sc *scope) (*rel, error) {
	in = c.settle(in)
	bag, _ := paramValue(op.Params, "bagexpansion")
	if k, _ := paramValue(op.Params, "kind"); k != "" {
		bag = k
	}
	if bag == "" {
		bag = "bag"
	}
	if bag != "bag" && bag != "array" {
		return nil, c.errf(op, "bagexpansion must be bag or array")
	}
	index, _ := paramValue(op.Params, "with_itemindex")
	limit := ""
	if op.Limit != nil {
		var err error
		if limit, err = c.count(op.Limit, sc); err != nil {
			return nil, err
		}
	}
	ctx := c.ctxOf(in, sc)
	cols := c.passthrough(in)
	var first *Arg
	for _, it := range op.Items {
		v, err := c.scalar(it.Expr.Value, ctx)
		if err != nil {
			return nil, err
		}
		if v.t != TypeDynamic {
			if v, err = c.convert(it.Expr, v, TypeDynamic); err != nil {
				return nil, err
			}
		}
		names, err := c.assignNames(it.Expr, v, nil)
		if err != nil {
			return nil, err
		}
		arg := v.arg()
		if first == nil {
			first = &arg
		}
		sql := c.d.Unnest(c, arg, bag, limit)
		t := TypeDynamic
		if it.To != "" {
			t, _ = ParseType(it.To)
			cast, err := c.d.Call(c, "cast", []Arg{{SQL: sql, Type: TypeDynamic}}, t)
			if err != nil {
				return nil, c.errf(it, "%v", err)
			}
			sql = cast
		}
		cols = setCol(cols, pcol{name: names[0], t: t, sql: sql})
	}
	if index != "" {
		cols = setCol(cols, pcol{name: index, t: TypeLong, sql: c.d.UnnestIndex(c, *first, bag, limit)})
	}
	out := c.emit(in, cols, selectSpec{}, false)
	return out, nil
}

// --- parse ---

func (c *compiler) parse(in *rel, op *ParseOp, sc *scope) (*rel, error) {
	kind := op.Kind
	if kind == "" {
		kind = "simple"
	}
	var flags string
	for _, f := range op.Flags {
		switch f {
		case 'i', 'm', 's':
			flags += string(f)
		case 'U':
			flags += "U"
		default:
			return nil, c.errf(op, "unknown regex flag %q (use i, m, s or U)", f)
		}
	}
	// The regular expression, anchored at the start: text is literal
	// (a regex in kind=regex), * skips lazily, a column captures lazily
	// up to what follows, or everything when it comes last. Each column
	// gets its own copy of the expression in which only its group
	// captures (group 1), so that any number of columns works.
	type capture struct {
		name string
		t    Type
	}
	var caps []capture
	build := func(only int) string {
		var re strings.Builder
		re.WriteString("^")
		k := 0
		for i, el := range op.Pattern {
			last := i == len(op.Pattern)-1
			switch el.Kind {
			case PatStar:
				if last {
					re.WriteString(".*")
				} else {
					re.WriteString(".*?")
				}
			case PatText:
				if kind == "regex" {
					re.WriteString(el.Text)
				} else {
					re.WriteString(regexpQuote(el.Text))
				}
			case PatColumn:
				t := TypeString
				if el.Type != "" {
					t, _ = ParseType(el.Type)
				}
				open := "(?:"
				if k == only {
					open = "("
				}
				switch {
				case kind != "regex" && t.integer():
					re.WriteString(open + `-?\d+)`)
				case kind != "regex" && (t == TypeReal || t == TypeDecimal):
					re.WriteString(open + `-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)`)
				case last:
					re.WriteString(open + ".*)")
				default:
					re.WriteString(open + ".*?)")
				}
				if only < 0 {
					caps = append(caps, capture{el.Name.Name, t})
				}
				k++
			}
		}
		pattern := re.String()
		if flags != "" {
			pattern = "(?" + flags + ")" + pattern
		}
		return pattern
	}
	matchAll := build(-1)
	if len(caps) == 0 && op.Keyword == "parse" {
		return nil, c.errf(op, "the parse pattern extracts no columns")
	}
	out, err := c.keep(in, func(in *rel) ([]pcol, selectSpec, error) {
		ctx := c.ctxOf(in, sc)
		src, err := c.scalar(op.X, ctx)
		if err != nil {
			return nil, selectSpec{}, err
		}
		if src, err = c.toStringExpr(op.X, src); err != nil {
			return nil, selectSpec{}, err
		}
		cols := c.passthrough(in)
		for i, cp := range caps {
			pat := c.konst(build(i), TypeString)
			sql, err := c.d.Call(c, "parse_extract", []Arg{src.arg(), pat.arg()}, cp.t)
			if err != nil {
				return nil, selectSpec{}, c.errf(op, "%v", err)
			}
			cols = setCol(cols, pcol{name: cp.name, t: cp.t, sql: sql})
		}
		spec := selectSpec{}
		if op.Keyword == "parse-where" {
			m, err := c.d.Call(c, "matches regex", []Arg{src.arg(), c.konst(matchAll, TypeString).arg()}, TypeBool)
			if err != nil {
				return nil, selectSpec{}, c.errf(op, "%v", err)
			}
			spec.where = []string{m}
		}
		return cols, spec, nil
	})
	if err != nil {
		return nil, err
	}
	return transparent(in, out), nil
}

// regexpQuote escapes a literal for RE2.
func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// --- make-series ---

func (c *compiler) makeSeries(in *rel, op *MakeSeriesOp, sc *scope) (*rel, error) {
	ctx := c.ctxOf(in, sc)
	ctx.ord = ""
	axis, err := c.scalar(op.On.Value, ctx)
	if err != nil {
		return nil, err
	}
	if axis.t != TypeDatetime && !axis.t.numeric() {
		return nil, c.errf(op.On, "make-series needs a datetime or numeric axis, not %s", axis.t)
	}
	lctx := &rowCtx{sc: sc}
	step, err := c.scalar(op.Step, lctx)
	if err != nil {
		return nil, err
	}
	// Without from (to), the series start at the bin of the smallest
	// (end after the bin of the largest) axis value. Kusto takes them per
	// series; here they are taken over all the input rows, so that every
	// series has the same axis.
	var from, to texpr
	if op.From != nil {
		if from, err = c.scalar(op.From, lctx); err != nil {
			return nil, err
		}
	} else {
		first := texpr{sql: "(SELECT min(" + axis.sql + ") FROM " + in.n.name() + ")", t: axis.t}
		if from, err = c.apply(op, "bin", []texpr{first, step}); err != nil {
			return nil, err
		}
	}
	if op.To != nil {
		if to, err = c.scalar(op.To, lctx); err != nil {
			return nil, err
		}
	} else {
		last := texpr{sql: "(SELECT max(" + axis.sql + ") FROM " + in.n.name() + ")", t: axis.t}
		if last, err = c.apply(op, "bin", []texpr{last, step}); err != nil {
			return nil, err
		}
		if to, err = c.apply(op, "+", []texpr{last, step}); err != nil {
			return nil, err
		}
	}
	aname := axis.name
	if len(op.On.Names) == 1 {
		aname = op.On.Names[0].Name
	}
	if aname == "" {
		aname = "Column1"
	}
	if from, err = c.convert(op.From, from, axis.t); err != nil {
		return nil, err
	}
	if to, err = c.convert(op.To, to, axis.t); err != nil {
		return nil, err
	}
	// 1. Bin and aggregate per key and bin.
	var names []string
	taken := func(n string) bool {
		for _, x := range names {
			if x == n {
				return true
			}
		}
		return false
	}
	var keySQL, keyNames []string
	var keyTypes []Type
	for _, ne := range op.By {
		v, err := c.scalar(ne.Value, ctx)
		if err != nil {
			return nil, err
		}
		n := exprName(v, taken)
		if len(ne.Names) == 1 {
			n = ne.Names[0].Name
		}
		names = append(names, n)
		keySQL, keyNames, keyTypes = append(keySQL, v.sql), append(keyNames, n), append(keyTypes, v.t)
	}
	binned, err := c.d.Call(c, "bin_at", []Arg{axis.arg(), step.arg(), from.arg()}, axis.t)
	if err != nil {
		return nil, c.errf(op, "%v", err)
	}
	actx := *ctx
	actx.aggOK = true
	type agg struct {
		name, sql, def string
		t              Type
	}
	var aggs []agg
	for _, a := range op.Aggs {
		v, err := c.scalar(a.Expr.Value, &actx)
		if err != nil {
			return nil, err
		}
		if !v.agg {
			return nil, c.errf(a, "make-series needs an aggregate function")
		}
		n := exprName(v, taken)
		if len(a.Expr.Names) == 1 {
			n = a.Expr.Names[0].Name
		}
		n = uniqueName(n, taken)
		names = append(names, n)
		def := c.d.Null(v.t)
		if a.Default != nil {
			d, err := c.scalar(a.Default, lctx)
			if err != nil {
				return nil, err
			}
			if d, err = c.convert(a.Default, d, v.t); err != nil {
				return nil, err
			}
			def = d.sql
		} else if v.t.numeric() {
			def = c.konst(int64(0), TypeLong).sql
		}
		aggs = append(aggs, agg{name: n, sql: v.sql, def: def, t: v.t})
	}
	aname = uniqueName(aname, taken)
	// Aggregated rows: keys, bin, values.
	var items, group []string
	for i, k := range keySQL {
		items = append(items, k+" AS _mk"+strconv.Itoa(i))
		group = append(group, k)
	}
	items = append(items, binned+" AS _mb")
	group = append(group, binned)
	for i, a := range aggs {
		items = append(items, a.sql+" AS _mv"+strconv.Itoa(i))
	}
	axisSQL := axis.sql
	cond := []string{axisSQL + " >= " + from.sql, axisSQL + " < " + to.sql}
	aggNode := c.newNode("SELECT " + strings.Join(items, ", ") + " FROM " + in.n.name() + " WHERE " + strings.Join(cond, " AND ") +
		" GROUP BY " + strings.Join(group, ", "))
	// Every key with every bin, then arrays in bin order.
	series, err := c.d.Call(c, "range", []Arg{from.arg(), to.arg(), step.arg(), {SQL: "exclusive", Const: true, Value: "exclusive"}}, axis.t)
	if err != nil {
		return nil, c.errf(op, "%v", err)
	}
	var kcols []string
	for i := range keySQL {
		kcols = append(kcols, "_mk"+strconv.Itoa(i))
	}
	keysSel := "SELECT DISTINCT " + strings.Join(append(kcols, "1 AS _one"), ", ") + " FROM " + aggNode.name()
	grid := "SELECT k.*, unnest(" + series + ") AS _mb FROM (" + keysSel + ") AS k"
	var joinConds []string
	for _, k := range kcols {
		joinConds = append(joinConds, "g."+k+" IS NOT DISTINCT FROM a."+k)
	}
	joinConds = append(joinConds, "g._mb = a._mb")
	var finalItems []string
	a := &aliaser{}
	out := &rel{}
	for i, k := range kcols {
		alias := a.make(keyNames[i])
		finalItems = append(finalItems, "g."+k+" AS "+c.qi(alias))
		out.cols = append(out.cols, col{name: keyNames[i], t: keyTypes[i], alias: alias})
	}
	for i, ag := range aggs {
		alias := a.make(ag.name)
		v := "coalesce(a._mv" + strconv.Itoa(i) + ", " + ag.def + ")"
		list, err := c.d.Aggregate(c, "series_list", []Arg{{SQL: v, Type: ag.t}, {SQL: "g._mb", Type: axis.t}}, "", TypeDynamic)
		if err != nil {
			return nil, c.errf(op, "%v", err)
		}
		finalItems = append(finalItems, list+" AS "+c.qi(alias))
		out.cols = append(out.cols, col{name: ag.name, t: TypeDynamic, alias: alias})
	}
	alias := a.make(aname)
	list, err := c.d.Aggregate(c, "series_list", []Arg{{SQL: "g._mb", Type: axis.t}, {SQL: "g._mb", Type: axis.t}}, "", TypeDynamic)
	if err != nil {
		return nil, c.errf(op, "%v", err)
	}
	finalItems = append(finalItems, list+" AS "+c.qi(alias))
	out.cols = append(out.cols, col{name: aname, t: TypeDynamic, alias: alias})
	groupBy := ""
	if len(kcols) > 0 {
		var g []string
		for _, k := range kcols {
			g = append(g, "g."+k)
		}
		groupBy = " GROUP BY " + strings.Join(g, ", ")
	}
	out.n = c.newNode("SELECT " + strings.Join(finalItems, ", ") + " FROM (" + grid + ") AS g LEFT JOIN " + aggNode.name() +
		" AS a ON " + strings.Join(joinConds, " AND ") + groupBy)
	return out, nil
}

// --- evaluate ---

func (c *compiler) evaluate(in *rel, op *EvaluateOp, sc *scope) (*rel, error) {
	switch op.Call.Name.Name {
	case "bag_unpack":
		if in == nil {
			return nil, c.errf(op, "bag_unpack needs input rows")
		}
		return c.bagUnpack(in, op, sc)
	case "pivot":
		if in == nil {
			return nil, c.errf(op, "pivot needs input rows")
		}
		return c.pivot(in, op, sc)
	}
	return nil, c.unsupported(op.Call, "the %s plugin is not supported (evaluate supports bag_unpack and pivot)", op.Call.Name.Name)
}

func (c *compiler) bagUnpack(in *rel, op *EvaluateOp, sc *scope) (*rel, error) {
	in = c.settle(in)
	args := op.Call.Args
	if len(args) < 1 || len(args) > 3 {
		return nil, c.errf(op.Call, "bag_unpack takes a column, and optionally a prefix")
	}
	id, ok := args[0].(*Ident)
	if !ok {
		return nil, c.errf(args[0], "bag_unpack takes a dynamic column")
	}
	bagCol, ok := in.find(id.Name)
	if !ok {
		return nil, c.unknownColumn(id, c.ctxOf(in, sc))
	}
	if bagCol.t != TypeDynamic {
		return nil, c.errf(id, "bag_unpack needs a dynamic column; %s is %s", id.Name, bagCol.t)
	}
	prefix := ""
	if len(args) >= 2 {
		lit, ok := args[1].(*Literal)
		if !ok || lit.Kind != LitString {
			return nil, c.errf(args[1], "the prefix of bag_unpack must be a constant string")
		}
		prefix = lit.Str
	}
	var cols []Column
	if op.Schema != nil {
		for _, cd := range op.Schema {
			t, _ := ParseType(cd.Type)
			cols = append(cols, Column{Name: cd.Name, Type: t})
		}
	} else if found, ok := c.opts.unpacked[op.Pos.Offset]; ok {
		cols = found
	} else {
		// The columns depend on the data: Run asks for the keys first.
		c.discoveries = append(c.discoveries, discovery{
			offset: op.Pos.Offset,
			sql:    c.d.KeysQuery(in.n.name(), c.qi(bagCol.alias)),
		})
		out := &rel{n: in.n, open: true}
		for _, cl := range in.cols {
			if cl.name != id.Name {
				out.cols = append(out.cols, cl)
			}
		}
		return out, nil
	}
	var pcols []pcol
	for _, cl := range in.cols {
		if cl.name != id.Name {
			pcols = append(pcols, pcol{name: cl.name, t: cl.t, sql: c.qi(cl.alias)})
		}
	}
	for _, bc := range cols {
		name := prefix + bc.Name
		if _, exists := findP(pcols, name); exists {
			if op.Schema == nil {
				name = uniqueName(name, func(n string) bool { _, ok := findP(pcols, n); return ok })
			}
		}
		v, err := c.jsonAccess(op, texpr{sql: c.qi(bagCol.alias), t: TypeDynamic}, bc.Name, name)
		if err != nil {
			return nil, err
		}
		if bc.Type != TypeDynamic {
			if v, err = c.convert(op, v, bc.Type); err != nil {
				return nil, err
			}
		}
		pcols = setCol(pcols, pcol{name: name, t: bc.Type, sql: v.sql})
	}
	return c.emit(in, pcols, selectSpec{}, true), nil
}

// --- search ---

func (c *compiler) search(in *rel, op *SearchOp, sc *scope) (*rel, error) {
	if in == nil {
		if len(op.In) == 0 {
			return nil, c.unsupported(op, "search over every table is not supported: name the tables with search in (...) or pipe one in")
		}
		u, err := c.union(nil, &UnionOp{Pos: op.Pos, Tables: op.In, Params: []*OpParam{{Name: "withsource", Value: &Ident{Name: "$table"}}}}, sc)
		if err != nil {
			return nil, err
		}
		in = u
	}
	pred := op.Pred
	if lit, ok := pred.(*Literal); ok && lit.Kind == LitString {
		pred = &BinaryExpr{Pos: lit.Pos, Op: "has", OpPos: lit.Pos, Left: &StarExpr{Pos: lit.Pos}, Right: lit}
	}
	if _, ok := pred.(*StarExpr); ok {
		return in, nil
	}
	return c.where(in, &WhereOp{Pos: op.Pos, Keyword: "where", Pred: c.searchTerms(pred)}, sc)
}

// find is a union of the tables, each filtered by the predicate, with the
// table's name in source_ (or the withsource column).
func (c *compiler) find(op *FindOp, sc *scope) (*rel, error) {
	if len(op.In) == 0 {
		return nil, c.unsupported(op, "find over every table is not supported: name the tables with find in (...)")
	}
	src, _ := paramValue(op.Params, "withsource")
	if src == "" {
		src = "source_"
	}
	var tables []Expr
	for _, t := range op.In {
		id, ok := t.(*Ident)
		if !ok {
			return nil, c.unsupported(t, "find in (...) takes table names here")
		}
		tables = append(tables, id)
	}
	u, err := c.union(nil, &UnionOp{Pos: op.Pos, Tables: tables, Params: []*OpParam{{Name: "withsource", Value: &Ident{Name: src}},
		{Name: "isfuzzy", Value: &Literal{Kind: LitBool, Bool: true, Raw: "true"}}}}, sc)
	if err != nil {
		return nil, err
	}
	r, err := c.where(u, &WhereOp{Pos: op.Pos, Keyword: "where", Pred: c.searchTerms(op.Pred)}, sc)
	if err != nil {
		return nil, err
	}
	if op.Project == nil {
		return r, nil
	}
	items := []Node{&NamedExpr{Names: nil, Value: &Ident{Name: src}}}
	for _, p := range op.Project {
		switch p := p.(type) {
		case *CallExpr:
			items = append(items, &NamedExpr{Names: []*Ident{{Name: "pack_"}}, Value: &CallExpr{Pos: p.Pos, Name: &Ident{Name: "pack_all"}}})
		default:
			items = append(items, &NamedExpr{Value: &CallExpr{Pos: p.Position(), Name: &Ident{Name: "column_ifexists"},
				Args: []Expr{&Literal{Kind: LitString, Str: p.(*Ident).Name}, &DynamicLit{}}}, Names: []*Ident{p.(*Ident)}})
		}
	}
	return c.project(r, &ProjectOp{Pos: op.Pos, Keyword: "project", Items: items}, sc)
}

// searchTerms rewrites bare string terms of a search predicate as * has.
func (c *compiler) searchTerms(e Expr) Expr {
	switch e := e.(type) {
	case *Literal:
		if e.Kind == LitString {
			return &BinaryExpr{Pos: e.Pos, Op: "has", OpPos: e.Pos, Left: &StarExpr{Pos: e.Pos}, Right: e}
		}
	case *BinaryExpr:
		if e.Op == "and" || e.Op == "or" {
			return &BinaryExpr{Pos: e.Pos, Op: e.Op, OpPos: e.OpPos, Left: c.searchTerms(e.Left), Right: c.searchTerms(e.Right)}
		}
		if _, ok := e.Left.(*StarExpr); ok && e.Op == "and" {
			return c.searchTerms(e.Right)
		}
	case *ParenExpr:
		return &ParenExpr{Pos: e.Pos, X: c.searchTerms(e.X)}
	case *StarExpr:
		return &Literal{Pos: e.Pos, Kind: LitBool, Bool: true, Raw: "true"}
	}
	return e
}
