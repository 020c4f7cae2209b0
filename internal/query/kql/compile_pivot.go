package kql

import "sort"

// maxPivotColumns bounds the columns evaluate pivot makes.
const maxPivotColumns = 1000

// pivot compiles evaluate pivot(column [, aggregation [, by columns...]]):
// one row per distinct by-columns (default: every column but the pivot
// column and the aggregation's), and one column per distinct value of
// the pivot column holding the aggregation (default count()) over the
// rows with that value. The values depend on the data: like bag_unpack,
// Run first queries them and compiles again. Empty values make no
// column.
func (c *compiler) pivot(in *rel, op *EvaluateOp, sc *scope) (*rel, error) {
	in = c.settle(in)
	args := op.Call.Args
	if len(args) == 0 {
		return nil, c.errf(op.Call, "pivot takes a column, and optionally an aggregation and the columns to group by")
	}
	pc, ok := args[0].(*Ident)
	if !ok {
		return nil, c.errf(args[0], "the first argument of pivot must be a column")
	}
	agg := &CallExpr{Pos: op.Call.Pos, Name: &Ident{Pos: op.Call.Pos, Name: "count"}}
	if len(args) >= 2 {
		a, ok := args[1].(*CallExpr)
		if !ok {
			return nil, c.errf(args[1], "the second argument of pivot must be an aggregation (count(), any(x), sum(x), ...)")
		}
		agg = a
	}
	ifName := agg.Name.Name + "if"
	switch agg.Name.Name {
	case "count":
		ifName = "countif"
	case "take_any":
		ifName = "take_anyif"
	}
	spec, ok := aggFuncs[ifName]
	if !ok || spec.pred < 0 {
		return nil, c.unsupported(agg, "pivot with the %s aggregation is not supported", agg.Name.Name)
	}
	aggArgs := agg.Args
	if agg.Name.Name == "count" {
		aggArgs = nil
	}
	// The group columns.
	var by []*NamedExpr
	if len(args) > 2 {
		for _, a := range args[2:] {
			id, ok := a.(*Ident)
			if !ok {
				return nil, c.errf(a, "pivot groups by columns")
			}
			by = append(by, &NamedExpr{Pos: id.Pos, Value: id})
		}
	} else {
		used := map[string]bool{pc.Name: true}
		for _, a := range aggArgs {
			walkIdents(a, func(id *Ident) { used[id.Name] = true })
		}
		for _, cl := range in.cols {
			if !used[cl.name] {
				by = append(by, &NamedExpr{Pos: op.Pos, Value: &Ident{Pos: op.Pos, Name: cl.name}})
			}
		}
	}
	if in.open {
		// An earlier bag_unpack's columns are not known yet: neither are
		// ours (the next compilation, with them, asks for the values).
		// The group columns named are.
		if len(args) <= 2 {
			return &rel{n: in.n, open: true}, nil
		}
		out, err := c.summarize(in, &SummarizeOp{Pos: op.Pos, By: by}, sc)
		if err != nil {
			return nil, err
		}
		out.open = true
		return out, nil
	}
	pcol, ok := in.find(pc.Name)
	if !ok {
		return nil, c.unknownColumn(pc, c.ctxOf(in, sc))
	}
	var values []string
	if found, ok := c.opts.unpacked[op.Pos.Offset]; ok {
		for _, f := range found {
			values = append(values, f.Name)
		}
	} else {
		key, err := c.toStringExpr(pc, texpr{sql: c.qi(pcol.alias), t: pcol.t})
		if err != nil {
			return nil, err
		}
		c.discoveries = append(c.discoveries, discovery{
			offset: op.Pos.Offset,
			sql: "SELECT DISTINCT " + key.sql + " AS _pk, NULL FROM " + in.n.name() + " WHERE " + key.sql + " <> '' ORDER BY 1 LIMIT " +
				c.Bind(int64(maxPivotColumns), TypeLong),
		})
		// Until then: the group columns, and any other name allowed.
		if len(by) == 0 {
			return &rel{n: in.n, open: true}, nil
		}
		out, err := c.summarize(in, &SummarizeOp{Pos: op.Pos, By: by}, sc)
		if err != nil {
			return nil, err
		}
		out.open = true
		return out, nil
	}
	sort.Strings(values)
	aggs := make([]*NamedExpr, 0, len(values))
	for _, v := range values {
		pred := &BinaryExpr{Pos: op.Pos, Op: "==", Left: &CallExpr{Pos: op.Pos, Name: &Ident{Pos: op.Pos, Name: "tostring"}, Args: []Expr{pc}},
			Right: &Literal{Pos: op.Pos, Kind: LitString, Str: v, Raw: "''"}}
		a := append([]Expr{}, aggArgs...)
		p := min(spec.pred, len(a))
		a = append(a[:p], append([]Expr{pred}, a[p:]...)...)
		aggs = append(aggs, &NamedExpr{Pos: op.Pos, Names: []*Ident{{Pos: op.Pos, Name: v}},
			Value: &CallExpr{Pos: agg.Pos, Name: &Ident{Pos: agg.Name.Pos, Name: ifName}, Args: a}})
	}
	if len(aggs) == 0 && len(by) == 0 {
		// No values and nothing to group by: no columns, no rows.
		return c.emit(in, nil, selectSpec{limit: c.Bind(int64(0), TypeLong)}, false), nil
	}
	return c.summarize(in, &SummarizeOp{Pos: op.Pos, Aggs: aggs, By: by}, sc)
}

// walkIdents calls f on every name an expression uses.
func walkIdents(e Node, f func(*Ident)) {
	var walk func(n any)
	walk = func(n any) {
		switch n := n.(type) {
		case nil:
		case *Ident:
			if n != nil {
				f(n)
			}
		case *CallExpr:
			for _, a := range n.Args {
				walk(a)
			}
		default:
			walkChildren(n, walk)
		}
	}
	walk(e)
}
