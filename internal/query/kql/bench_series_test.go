package kql

import (
	"context"
	"testing"
)

// benchSeries runs a multi-column series function over 1,000 series of
// 720 points (a month of hourly bins each).
func benchSeries(b *testing.B, extend, use string) {
	db := openDuck(b)
	cat := testCatalog(b, db)
	src := `let s = toscalar(range t from 1 to 720 step 1 | summarize make_list(sin(t * 0.2618) * 10 + t % 7 + iff(t == 500, 60, 0)));
range k from 1 to 1000 step 1
| extend y = s
| extend ` + extend + `
| summarize ` + use
	q, err := Parse(src)
	if err != nil {
		b.Fatal(err)
	}
	c, err := Compile(q, cat, Options{Now: testNow})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), db, c, RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSeriesDecomposeAnomalies1Column(b *testing.B) {
	benchSeries(b, "(flags) = series_decompose_anomalies(y, 1.5, -1, 'linefit')", "sum(array_length(flags))")
}

func BenchmarkSeriesDecomposeAnomalies3Columns(b *testing.B) {
	benchSeries(b, "(flags, score, baseline) = series_decompose_anomalies(y, 1.5, -1, 'linefit')",
		"sum(array_length(flags) + array_length(score) + array_length(baseline))")
}
