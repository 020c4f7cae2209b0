package kql

// multiCols gives the columns of a function that returns several
// (series_stats, series_fit_line, series_decompose, ...): extend (a, b) =
// f(x) names them in order (fewer names keep only the first columns);
// without names they are f_x_key, as Kusto names them.
func (c *compiler) multiCols(ne *NamedExpr, v texpr) ([]pcol, error) {
	outs := multiOutputs[v.multi]
	if len(ne.Names) > len(outs) {
		return nil, c.errf(ne, "%s returns %d columns; %d names were given", v.multi, len(outs), len(ne.Names))
	}
	n := len(outs)
	if len(ne.Names) > 0 {
		n = len(ne.Names)
	}
	cols := make([]pcol, 0, n)
	for i := 0; i < n; i++ {
		o := outs[i]
		name := v.multiPrefix + o.key
		if len(ne.Names) > 0 {
			name = ne.Names[i].Name
		}
		f, err := c.jsonAccess(ne, texpr{sql: v.sql, t: TypeDynamic}, o.key, name)
		if err != nil {
			return nil, err
		}
		if o.t != TypeDynamic {
			if f, err = c.convert(ne, f, o.t); err != nil {
				return nil, err
			}
		}
		cols = append(cols, pcol{name: name, t: o.t, sql: f.sql})
	}
	return cols, nil
}

// multiHidden names the column that holds a multi-column function's
// result between the two steps of extendMulti (a NUL: no KQL name).
const multiHidden = "\x00multi"

// isMultiCall tells whether ne calls a built-in function that returns
// several columns.
func (c *compiler) isMultiCall(ne *NamedExpr, sc *scope) bool {
	if len(ne.Names) == 1 && ne.Names[0].Name == multiHidden {
		return false
	}
	call, ok := ne.Value.(*CallExpr)
	if !ok {
		return false
	}
	if _, ok := multiOutputs[call.Name.Name]; !ok {
		return false
	}
	b := sc.lookup(call.Name.Name)
	return b == nil || b.kind != bFunc
}

// extendMulti extends with a multi-column function in two steps: its
// result (one JSON object) as a hidden column, then its fields as the
// named columns; so the function runs once per row, not once per column.
func (c *compiler) extendMulti(in *rel, ne *NamedExpr, sc *scope) (*rel, error) {
	call := ne.Value.(*CallExpr)
	hidden := &Ident{Pos: ne.Pos, Name: multiHidden}
	r, err := c.extend(in, []*NamedExpr{{Pos: ne.Pos, Names: []*Ident{hidden}, Value: call}}, sc)
	if err != nil {
		return nil, err
	}
	hc, ok := r.find(multiHidden)
	if !ok {
		return nil, c.errf(ne, "cannot compute %s", call.Name.Name)
	}
	prefix := call.Name.Name + "_"
	if len(call.Args) > 0 {
		if id, ok := call.Args[0].(*Ident); ok {
			if _, isCol := r.find(id.Name); isCol {
				prefix += id.Name + "_"
			}
		}
	}
	cols, err := c.multiCols(ne, texpr{sql: c.qi(hc.alias), t: TypeDynamic, multi: call.Name.Name, multiPrefix: prefix})
	if err != nil {
		return nil, err
	}
	out, err := c.keep(r, func(in *rel) ([]pcol, selectSpec, error) {
		var ps []pcol
		for _, p := range c.passthrough(in) {
			if p.name != multiHidden {
				ps = append(ps, p)
			}
		}
		for _, p := range cols {
			ps = setCol(ps, p)
		}
		return ps, selectSpec{}, nil
	})
	if err != nil {
		return nil, err
	}
	return transparent(in, out), nil
}
