package kql

import "sort"

// FunctionNames lists the scalar functions the engine runs, sorted: for
// editors' completion.
func FunctionNames() []string {
	out := make([]string, 0, len(scalarFuncs))
	for n := range scalarFuncs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// AggregateNames lists the aggregate functions of summarize, sorted.
func AggregateNames() []string {
	out := make([]string, 0, len(aggFuncs))
	for n := range aggFuncs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// OperatorNames lists the tabular operators, as written after a pipe.
func OperatorNames() []string {
	return []string{"where", "filter", "extend", "project", "project-away", "project-keep", "project-rename", "project-reorder",
		"summarize", "count", "distinct", "sort", "order", "top", "take", "limit", "join", "lookup", "union", "mv-expand",
		"parse", "parse-where", "make-series", "as", "serialize", "sample", "evaluate", "getschema", "render", "invoke",
		"search", "find", "top-nested", "top-hitters", "mv-apply"}
}
