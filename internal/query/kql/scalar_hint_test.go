package kql

import (
	"strings"
	"testing"
)

// A search written as Kibana's field:value, or any query that is no table,
// is told how a KQL query starts and where field:value searches go.
func TestScalarQueryHint(t *testing.T) {
	cat, _ := testCatalogWithLog(t)
	compiled := 0
	for _, src := range []string{`Computer == "web-1"`, `"81.2.69.142"`} {
		q, err := Parse(src)
		if err != nil {
			continue // refused by the parser: its own message
		}
		compiled++
		_, err = Compile(q, cat, Options{Now: testNow})
		if err == nil || !strings.Contains(err.Error(), "a query starts with a table") || !strings.Contains(err.Error(), "Events page") {
			t.Errorf("%s: %v, want the hint", src, err)
		}
	}
	if compiled == 0 {
		t.Fatal("no query reached the compiler")
	}
}
