package kql

import (
	"strconv"
	"strings"
)

// topNested compiles top-nested: level by level over the input rows,
// each level groups the rows of each group the levels above kept by its
// expression, aggregates, and keeps the top N groups by the aggregate
// (all without N); with others = x, the rest of the rows form one more
// group whose value is x. The result has, for each level, its value and
// its aggregate (aggregated_<name> unless the aggregate is named), one
// row per kept group of the last level, in no particular order.
//
// Rows are labelled, not re-grouped: after level k every input row that
// survives carries the label of its group at each level, so that the
// aggregates of "others" groups are computed over their rows (a dcount
// of others is not the sum of dcounts).
func (c *compiler) topNested(in *rel, op *TopNestedOp, sc *scope) (*rel, error) {
	in = c.settle(in)
	ctx := c.ctxOf(in, sc)
	ctx.ord = ""
	actx := *ctx
	actx.aggOK = true
	lctx := &rowCtx{sc: sc}
	var names []string
	taken := func(n string) bool {
		for _, x := range names {
			if x == n {
				return true
			}
		}
		return false
	}
	type level struct {
		name, aggName string
		val, agg      texpr
		n             string // SQL of N; "" for all
		others        string // SQL of the others value; "" for none
		desc          bool
	}
	var levels []level
	for _, lv := range op.Levels {
		v, err := c.scalar(lv.Of.Value, ctx)
		if err != nil {
			return nil, err
		}
		if v.agg {
			return nil, c.errf(lv.Of, "top-nested groups by a value, not an aggregate")
		}
		name := exprName(v, taken)
		if len(lv.Of.Names) == 1 {
			name = lv.Of.Names[0].Name
		}
		name = uniqueName(name, taken)
		names = append(names, name)
		byExpr := lv.By.Expr
		aggName := "aggregated_" + name
		if ne, ok := byExpr.(*NamedExpr); ok {
			if len(ne.Names) == 1 {
				aggName = ne.Names[0].Name
			}
			byExpr = ne.Value
		}
		a, err := c.scalar(byExpr, &actx)
		if err != nil {
			return nil, err
		}
		if !a.agg {
			return nil, c.errf(lv.By, "top-nested ranks by an aggregation (count(), sum(x), ...)")
		}
		if a.t != TypeUnknown && !a.t.orderable() {
			return nil, c.errf(lv.By, "top-nested cannot rank by a %s aggregate", a.t)
		}
		aggName = uniqueName(aggName, taken)
		names = append(names, aggName)
		l := level{name: name, aggName: aggName, val: v, agg: a, desc: lv.By.Order != "asc"}
		if lv.N != nil {
			if l.n, err = c.count(lv.N, sc); err != nil {
				return nil, err
			}
		}
		if lv.Others != nil {
			o, err := c.scalar(lv.Others, lctx)
			if err != nil {
				return nil, err
			}
			if v.t != TypeUnknown {
				if o, err = c.convert(lv.Others, o, v.t); err != nil {
					return nil, err
				}
			}
			l.others = o.sql
		}
		levels = append(levels, l)
	}
	// Labelled rows: the input's columns plus each level's value (_tvK)
	// and, once ranked, its group label (_tlK).
	var items []string
	for i, l := range levels {
		items = append(items, l.val.sql+" AS _tv"+strconv.Itoa(i))
	}
	cur := c.newNode("SELECT *, " + strings.Join(items, ", ") + " FROM " + in.n.name())
	var labels []string
	aggNodes := make([]*node, len(levels))
	for i, l := range levels {
		k := strconv.Itoa(i)
		part := ""
		var sel []string
		var join []string
		for _, lb := range labels {
			sel = append(sel, lb)
			join = append(join, "g."+lb+" IS NOT DISTINCT FROM r."+lb)
		}
		if len(labels) > 0 {
			part = "PARTITION BY " + strings.Join(labels, ", ") + " "
		}
		group := append(append([]string{}, labels...), "_tv"+k)
		order := l.agg.sql + " DESC NULLS LAST"
		if !l.desc {
			order = l.agg.sql + " ASC NULLS LAST"
		}
		ranked := c.newNode("SELECT " + strings.Join(append(append([]string{}, sel...), "_tv"+k, l.agg.sql+" AS _ta"), ", ") +
			", row_number() OVER (" + part + "ORDER BY " + order + ") AS _tr FROM " + cur.name() +
			" GROUP BY " + strings.Join(group, ", "))
		join = append(join, "g._tv"+k+" IS NOT DISTINCT FROM r._tv"+k)
		label := "r._tv" + k
		where := ""
		if l.n != "" {
			if l.others != "" {
				label = "CASE WHEN g._tr <= " + l.n + " THEN r._tv" + k + " ELSE " + l.others + " END"
			} else {
				where = " WHERE g._tr <= " + l.n
			}
		}
		cur = c.newNode("SELECT r.*, " + label + " AS _tl" + k + " FROM " + cur.name() + " AS r JOIN " + ranked.name() +
			" AS g ON " + strings.Join(join, " AND ") + where)
		// The labelled rows are read by the next level, this level's
		// aggregate and the result: materialized once (inlined, DuckDB
		// 1.5 also lost every row of them under the result's LIMIT).
		cur.materialized = true
		labels = append(labels, "_tl"+k)
		// The level's aggregate over the rows of each of its groups.
		aggNodes[i] = c.newNode("SELECT " + strings.Join(labels, ", ") + ", " + l.agg.sql + " AS _ta FROM " + cur.name() +
			" GROUP BY " + strings.Join(labels, ", "))
	}
	// One row per group of the last level, with every level's aggregate.
	a := &aliaser{}
	out := &rel{}
	var final []string
	from := "(SELECT DISTINCT " + strings.Join(labels, ", ") + " FROM " + cur.name() + ") AS t"
	for i, l := range levels {
		k := strconv.Itoa(i)
		var on []string
		for _, lb := range labels[:i+1] {
			on = append(on, "t"+k+"."+lb+" IS NOT DISTINCT FROM t."+lb)
		}
		from += " JOIN " + aggNodes[i].name() + " AS t" + k + " ON " + strings.Join(on, " AND ")
		va := a.make(l.name)
		final = append(final, "t._tl"+k+" AS "+c.qi(va))
		out.cols = append(out.cols, col{name: l.name, t: l.val.t, alias: va})
		aa := a.make(l.aggName)
		final = append(final, "t"+k+"._ta AS "+c.qi(aa))
		out.cols = append(out.cols, col{name: l.aggName, t: l.agg.t, alias: aa})
	}
	out.n = c.newNode("SELECT " + strings.Join(final, ", ") + " FROM " + from)
	return out, nil
}
