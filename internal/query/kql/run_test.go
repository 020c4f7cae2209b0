package kql

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRunTruncates(t *testing.T) {
	db := openDuck(t)
	q, _ := Parse("range x from 1 to 20 step 1")
	c, err := Compile(q, nil, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), db, c, RunOptions{MaxRows: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 5 || !res.Truncated || res.Rows[4][0] != int64(5) {
		t.Errorf("rows %v truncated %v", res.Rows, res.Truncated)
	}
	res, err = Run(context.Background(), db, c, RunOptions{MaxRows: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 20 || res.Truncated {
		t.Errorf("exactly the cap: %d rows, truncated %v", len(res.Rows), res.Truncated)
	}
}

func TestRunCancel(t *testing.T) {
	db := openDuck(t)
	q, _ := Parse("range x from 1 to 2000000000 step 1 | summarize dcount(x % 1000000007)")
	c, err := Compile(q, nil, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Run(ctx, db, c, RunOptions{})
	if err == nil {
		t.Fatal("query was not cancelled")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancellation took %v", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "interrupt") && !strings.Contains(err.Error(), "context") {
		t.Logf("cancel error: %v", err)
	}
}

// TestNoQueryTextInSQL: names and values from the query never reach the
// SQL text; values are bound, names become sanitized aliases.
func TestNoQueryTextInSQL(t *testing.T) {
	cat, _ := testCatalogWithLog(t)
	marker := "Zq9'\"; DROP TABLE x; --"
	queries := []string{
		`Events | where Computer == "` + strings.ReplaceAll(marker, `"`, `\"`) + `" | extend ['` + strings.ReplaceAll(marker, `'`, `\'`) + `'] = 1`,
		`Events | where Computer has "Zq9evil" or Account contains "Zq9x" or Activity matches regex "Zq9.*" | project-rename Zq9Name = Computer`,
		`datatable(Zq9col:string) ["Zq9value"] | summarize Zq9n = count() by Zq9col | where Zq9col in ("Zq9a", "Zq9b")`,
		`Events | extend d = AdditionalFields.Zq9Prop["Zq9key"] | mv-expand Zq9e = d | parse Activity with "Zq9" Zq9p`,
		`Events | union withsource=Zq9Src Events | where datetime_diff('day', TimeGenerated, now()) > 1 | top 3 by Zq9Src`,
		`Events | top-nested 2 of Zq9c = Computer with others = "Zq9others" by Zq9n = count() | extend (Zq9a, Zq9b) = series_fit_line(dynamic([1, 2]))`,
		`Events | mv-apply Zq9e = AdditionalFields on (where tostring(Zq9e) == "Zq9" | summarize Zq9s = make_set(Zq9e)) | extend x = parse_xml("<Zq9/>")`,
		`datatable(Zq9k: string, Zq9v: long) ["Zq9'; DROP", 1] | evaluate pivot(Zq9k, sum(Zq9v))`,
	}
	for _, src := range queries {
		q, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		c, err := Compile(q, cat, Options{Now: testNow})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if strings.Contains(c.SQL, "Zq9") || strings.Contains(c.SQL, "DROP") {
			t.Errorf("query text in SQL:\n%s\n%s", src, c.SQL)
		}
	}
}

// FuzzCompile compiles whatever parses against the test catalog: errors
// are *Error with a position, never a panic.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"Events | where TimeGenerated > ago(1h) | summarize count() by Computer",
		"Events | extend x = AdditionalFields.a | mv-expand x | project x",
		"let f = (a:long) { a + 1 }; print f(1)",
		"datatable(a:string) ['x'] | join kind=leftouter (datatable(a:string)['x']) on a",
		"Events | parse Activity with * 'a' b:long | top 1 by b",
		"union Events, Events | evaluate bag_unpack(AdditionalFields)",
		"Events | top-nested 2 of Computer with others = 'x' by count(), top-nested of Account by dcount(Activity)",
		"Events | mv-apply e = AdditionalFields to typeof(string) on (top 1 by e | extend f = strlen(e))",
		"print x = dynamic([1, 2, 3]) | extend (a, b) = series_fit_line(x), series_stats(x), p = parse_xml('<a/>')",
		"datatable(k: string, v: long) ['a', 1] | evaluate pivot(k, sum(v))",
	} {
		f.Add(s)
	}
	cat, _ := testCatalogWithLog(f)
	f.Fuzz(func(t *testing.T, src string) {
		q, err := Parse(src)
		if err != nil {
			return
		}
		_, err = Compile(q, cat, Options{Now: testNow})
		if err != nil {
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("not an *Error: %T %v", err, err)
			}
			if e.Line < 1 || e.Column < 1 {
				t.Fatalf("bad position: %+v", e)
			}
		}
	})
}

func TestUnsupportedIsMarked(t *testing.T) {
	cat, _ := testCatalogWithLog(t)
	for _, src := range []string{
		"Events | mv-apply x = AdditionalFields on (sample 1)",
		"Events | evaluate autocluster()",
		"Events | partition by Computer (take 1)",
		"Events | sample-distinct 2 of Computer",
	} {
		q, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Compile(q, cat, Options{Now: testNow})
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v is not ErrUnsupported", src, err)
		}
	}
	q, _ := Parse("Events | where Nope == 1")
	if _, err := Compile(q, cat, Options{}); errors.Is(err, ErrUnsupported) {
		t.Errorf("a mistake is not unsupported: %v", err)
	}
}
