package kql

import (
	"slices"
	"testing"
)

// TestCompletionNames keeps the schema endpoint's lists (the Hunting
// editor's completions) in step with what compiles.
func TestCompletionNames(t *testing.T) {
	fns := FunctionNames()
	for _, n := range []string{"parse_xml", "series_stats", "series_fit_line", "series_fill_linear", "series_fir", "series_iir",
		"series_outliers", "series_decompose", "series_decompose_anomalies", "series_periods_detect", "series_add"} {
		if !slices.Contains(fns, n) {
			t.Errorf("FunctionNames lacks %s", n)
		}
	}
	ops := OperatorNames()
	for _, n := range []string{"mv-apply", "top-nested", "make-series"} {
		if !slices.Contains(ops, n) {
			t.Errorf("OperatorNames lacks %s", n)
		}
	}
}
