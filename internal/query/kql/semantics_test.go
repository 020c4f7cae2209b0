package kql

import (
	"database/sql"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestSemantics runs testdata/semantics/*.test on an in-memory DuckDB.
// Each case is a query (inputs as datatable) and its expected result,
// written from Microsoft's KQL documentation:
//
//	=== name
//	query
//	---
//	[unordered]
//	col:type, col:type
//	[row as JSON]
//	...
//
// or "error: text" for a query that must fail with that message.
func TestSemantics(t *testing.T) {
	files, _ := filepath.Glob("testdata/semantics/*.test")
	if len(files) == 0 {
		t.Fatal("no files under testdata/semantics")
	}
	db := openDuck(t)
	cat := testCatalog(t, db)
	n := 0
	for _, file := range files {
		for _, c := range readGolden(t, file) {
			n++
			t.Run(filepath.Base(file)+"/"+c.name, func(t *testing.T) {
				checkSemantics(t, db, cat, c)
			})
		}
	}
	t.Logf("%d semantics cases", n)
}

func checkSemantics(t *testing.T, db *sql.DB, cat Catalog, c goldenCase) {
	t.Helper()
	want := strings.TrimSpace(c.want)
	res, comp, err := runKQL(t, db, cat, c.query)
	if msg, ok := strings.CutPrefix(want, "error:"); ok {
		if err == nil {
			t.Fatalf("query succeeded; want error %q\nquery: %s", msg, c.query)
		}
		if !strings.Contains(err.Error(), strings.TrimSpace(msg)) {
			t.Fatalf("error %q; want it to contain %q", err, strings.TrimSpace(msg))
		}
		return
	}
	if err != nil {
		if comp != nil {
			t.Logf("SQL: %s", comp.SQL)
		}
		t.Fatalf("%v\nquery: %s", err, c.query)
	}
	lines := strings.Split(want, "\n")
	unordered := false
	if strings.TrimSpace(lines[0]) == "unordered" {
		unordered, lines = true, lines[1:]
	}
	var cols []string
	for _, col := range res.Columns {
		cols = append(cols, col.Name+":"+col.Type)
	}
	if got := strings.Join(cols, ", "); got != strings.TrimSpace(lines[0]) {
		t.Errorf("columns\n got: %s\nwant: %s", got, strings.TrimSpace(lines[0]))
	}
	var gotRows, wantRows []string
	for _, r := range res.Rows {
		b, _ := json.Marshal(r)
		gotRows = append(gotRows, string(b))
	}
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			// Normalize the expected JSON the same way.
			var v any
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("bad expected row %s: %v", l, err)
			}
			b, _ := json.Marshal(v)
			wantRows = append(wantRows, string(b))
		}
	}
	for i := range gotRows {
		var v any
		_ = json.Unmarshal([]byte(gotRows[i]), &v)
		b, _ := json.Marshal(v)
		gotRows[i] = string(b)
	}
	if unordered {
		sort.Strings(gotRows)
		sort.Strings(wantRows)
	}
	if strings.Join(gotRows, "\n") != strings.Join(wantRows, "\n") {
		t.Errorf("rows\n got:\n  %s\nwant:\n  %s\nSQL: %s", strings.Join(gotRows, "\n  "), strings.Join(wantRows, "\n  "), comp.SQL)
	}
}
