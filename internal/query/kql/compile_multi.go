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
