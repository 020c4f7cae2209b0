package kql

// topHitters compiles top-hitters N of expr [by sum]: the N values of expr
// with the most rows (approximate_count_<name>), or the largest sums of
// the by expression (approximate_sum_<name>). Kusto approximates; the
// counts here are exact.
func (c *compiler) topHitters(in *rel, op *TopHittersOp, sc *scope) (*rel, error) {
	v, err := c.scalar(op.Of.Value, c.ctxOf(in, sc))
	if err != nil {
		return nil, err
	}
	name := exprName(v, func(string) bool { return false })
	if len(op.Of.Names) == 1 {
		name = op.Of.Names[0].Name
	}
	agg := "approximate_count_" + name
	var value Expr = &CallExpr{Pos: op.Pos, Name: &Ident{Pos: op.Pos, Name: "count"}}
	if op.By != nil {
		byName := "Column1"
		if id, ok := op.By.(*Ident); ok {
			byName = id.Name
		} else if bv, err := c.scalar(op.By, c.ctxOf(in, sc)); err == nil && bv.name != "" {
			byName = bv.name
		}
		agg = "approximate_sum_" + byName
		value = &CallExpr{Pos: op.Pos, Name: &Ident{Pos: op.Pos, Name: "sum"}, Args: []Expr{op.By}}
	}
	of := &NamedExpr{Pos: op.Of.Pos, Names: []*Ident{{Pos: op.Of.Pos, Name: name}}, Value: op.Of.Value}
	s, err := c.summarize(in, &SummarizeOp{Pos: op.Pos, Aggs: []*NamedExpr{{Pos: op.Pos, Names: []*Ident{{Pos: op.Pos, Name: agg}}, Value: value}},
		By: []*NamedExpr{of}}, sc)
	if err != nil {
		return nil, err
	}
	return c.top(s, &TopOp{Pos: op.Pos, N: op.N, By: &SortKey{Pos: op.Pos, Expr: &Ident{Pos: op.Pos, Name: agg}, Order: "desc"}}, sc)
}
