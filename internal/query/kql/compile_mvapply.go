package kql

import (
	"strings"
)

// mvApplyID names the hidden column that numbers the input rows of
// mv-apply: it carries a NUL, which no KQL name can.
const mvApplyID = "\x00mv-apply row"

// mvApply compiles mv-apply: each input row is numbered, its arrays are
// expanded as mv-expand does (same items, with_itemindex, limit), and the
// sub-query runs on the rows of each input row separately: operators that
// work row by row (where, extend, project, parse, mv-expand...) run as
// they are, and the ones that look at several rows are partitioned by the
// row number (summarize groups by it; top, take and distinct keep N per
// input row; sort orders within it). The result is, for each row the
// sub-query returns, its columns, and the input row's columns it does not
// have (in the input's order; the sub-query's new columns follow).
//
// A summarize without by gives every input row its row, even when the
// row's sub-table is empty (an empty array): its aggregates of no rows.
func (c *compiler) mvApply(in *rel, op *MvApplyOp, sc *scope) (*rel, error) {
	in = c.settle(in)
	cols := c.passthrough(in)
	cols = append(cols, pcol{name: mvApplyID, t: TypeLong, sql: "row_number() OVER ()"})
	numbered := c.emit(in, cols, selectSpec{}, false)
	cur, err := c.mvExpand(numbered, &MvExpandOp{Pos: op.Pos, Keyword: "mv-expand", Params: op.Params, Items: op.Items, Limit: op.Limit}, sc)
	if err != nil {
		return nil, err
	}
	var ops []Operator
	switch sub := op.On.(type) {
	case *PipeExpr:
		if sub.Source != nil {
			return nil, c.errf(op.On, "the sub-query of mv-apply starts with an operator, not a table")
		}
		ops = sub.Ops
	case *ParenExpr:
		if pe, ok := sub.X.(*PipeExpr); ok && pe.Source == nil {
			ops = pe.Ops
			break
		}
		return nil, c.errf(op.On, "the sub-query of mv-apply starts with an operator, not a table")
	default:
		return nil, c.errf(op.On, "the sub-query of mv-apply starts with an operator, not a table")
	}
	for _, o := range ops {
		if cur, err = c.partitioned(cur, o, sc, numbered); err != nil {
			return nil, err
		}
	}
	cur = c.settle(cur)
	idSub, ok := cur.find(mvApplyID)
	if !ok {
		return nil, c.errf(op, "cannot apply the sub-query of mv-apply")
	}
	idIn, _ := numbered.find(mvApplyID)
	// Input columns (the sub-query's version when it has one), then the
	// sub-query's own.
	var out []pcol
	for _, cl := range in.cols {
		if s, ok := cur.find(cl.name); ok {
			out = append(out, pcol{name: cl.name, t: s.t, sql: "s." + c.qi(s.alias)})
			continue
		}
		o, _ := numbered.find(cl.name)
		out = append(out, pcol{name: cl.name, t: o.t, sql: "o." + c.qi(o.alias)})
	}
	for _, s := range cur.cols {
		if s.name == mvApplyID {
			continue
		}
		if _, ok := in.find(s.name); ok {
			continue
		}
		out = append(out, pcol{name: s.name, t: s.t, sql: "s." + c.qi(s.alias)})
	}
	a := &aliaser{}
	res := &rel{}
	var items []string
	for _, p := range out {
		alias := a.make(p.name)
		items = append(items, p.sql+" AS "+c.qi(alias))
		res.cols = append(res.cols, col{name: p.name, t: p.t, alias: alias})
	}
	res.n = c.newNode("SELECT " + strings.Join(items, ", ") + " FROM " + numbered.n.name() + " AS o JOIN " + cur.n.name() +
		" AS s ON o." + c.qi(idIn.alias) + " = s." + c.qi(idSub.alias))
	return res, nil
}

// hiddenID is a reference to the mv-apply row number.
func hiddenID(p Pos) *NamedExpr {
	id := &Ident{Pos: p, Name: mvApplyID}
	return &NamedExpr{Pos: p, Names: []*Ident{id}, Value: id}
}

// partitioned applies one operator of an mv-apply sub-query to the rows
// of each input row separately; rows are the numbered input rows.
func (c *compiler) partitioned(in *rel, op Operator, sc *scope, rows *rel) (*rel, error) {
	idCol, ok := in.find(mvApplyID)
	if !ok {
		return nil, c.errf(op, "cannot apply the sub-query of mv-apply")
	}
	id := c.qi(idCol.alias)
	switch o := op.(type) {
	case *WhereOp, *ExtendOp, *ParseOp, *MvExpandOp, *SerializeOp, *AsOp, *RenderOp:
		return c.operator(in, op, sc)
	case *ProjectOp:
		switch o.Keyword {
		case "project", "project-keep":
			p := *o
			p.Items = append(append([]Node{}, o.Items...), hiddenID(o.Pos))
			if o.Keyword == "project-keep" {
				p.Items[len(p.Items)-1] = &Ident{Pos: o.Pos, Name: mvApplyID}
			}
			return c.operator(in, &p, sc)
		}
		return c.operator(in, op, sc)
	case *SummarizeOp:
		s := *o
		s.By = append(append([]*NamedExpr{}, o.By...), hiddenID(o.Pos))
		out, err := c.summarize(in, &s, sc)
		if err != nil || len(o.By) > 0 {
			return out, err
		}
		return c.summarizeEmpty(in, out, o, sc, rows)
	case *DistinctOp:
		if o.Star {
			return c.operator(in, op, sc)
		}
		d := *o
		d.Exprs = append(append([]*NamedExpr{}, o.Exprs...), hiddenID(o.Pos))
		return c.distinct(in, &d, sc)
	case *CountOp:
		name := "Count"
		if o.As != nil {
			name = o.As.Name
		}
		return c.partitioned(in, &SummarizeOp{Pos: o.Pos, Aggs: []*NamedExpr{{Pos: o.Pos, Names: []*Ident{{Pos: o.Pos, Name: name}},
			Value: &CallExpr{Pos: o.Pos, Name: &Ident{Pos: o.Pos, Name: "count"}}}}}, sc, rows)
	case *SortOp:
		// A sort within each row's group: kept pending, for a take
		// after it (the groups' order in the result is unspecified).
		return c.sortOp(in, o.Keys, sc)
	case *TopOp:
		s, err := c.sortOp(in, []*SortKey{o.By}, sc)
		if err != nil {
			return nil, err
		}
		return c.takePartitioned(s, o.N, id, sc)
	case *TakeOp:
		return c.takePartitioned(in, o.N, id, sc)
	}
	return nil, c.unsupported(op, "the %s operator is not supported inside mv-apply", op.OpName())
}

// takePartitioned keeps the first n rows of each mv-apply row's group,
// in the relation's pending sort or order.
func (c *compiler) takePartitioned(in *rel, n Expr, id string, sc *scope) (*rel, error) {
	count, err := c.count(n, sc)
	if err != nil {
		return nil, err
	}
	order := ""
	switch {
	case len(in.sort) > 0:
		order = " ORDER BY " + c.orderBy(in)
	case in.ord != "":
		order = " ORDER BY " + c.qi(in.ord)
	}
	ranked := c.newNode("SELECT *, row_number() OVER (PARTITION BY " + id + order + ") AS _mr FROM " + in.n.name())
	r := &rel{n: ranked, cols: in.cols}
	out := c.emit(r, c.passthrough(r), selectSpec{where: []string{"_mr <= " + count}}, false)
	return out, nil
}

// summarizeEmpty gives a summarize without by inside mv-apply its row for
// the input rows whose sub-table is empty (an empty array, or every row
// filtered out), as Kusto does: the aggregates of no rows (count() 0,
// make_bag() {}, sum() null), next to the rows summarize made.
func (c *compiler) summarizeEmpty(in, out *rel, op *SummarizeOp, sc *scope, rows *rel) (*rel, error) {
	none := c.emit(in, c.passthrough(in), selectSpec{where: []string{"false"}}, false)
	empty, err := c.summarize(none, &SummarizeOp{Pos: op.Pos, Params: op.Params, Aggs: op.Aggs}, sc)
	if err != nil {
		return nil, err
	}
	idOut, _ := out.find(mvApplyID)
	idRows, _ := rows.find(mvApplyID)
	var first, second []string
	for _, cl := range out.cols {
		first = append(first, c.qi(cl.alias))
		if cl.name == mvApplyID {
			second = append(second, "i."+c.qi(idRows.alias))
			continue
		}
		e, ok := empty.find(cl.name)
		if !ok {
			return nil, c.errf(op, "cannot apply the sub-query of mv-apply")
		}
		second = append(second, "e."+c.qi(e.alias))
	}
	res := &rel{cols: out.cols}
	res.n = c.newNode("SELECT " + strings.Join(first, ", ") + " FROM " + out.n.name() + " UNION ALL SELECT " +
		strings.Join(second, ", ") + " FROM " + rows.n.name() + " AS i CROSS JOIN " + empty.n.name() + " AS e WHERE i." +
		c.qi(idRows.alias) + " NOT IN (SELECT " + c.qi(idOut.alias) + " FROM " + out.n.name() + ")")
	return res, nil
}
