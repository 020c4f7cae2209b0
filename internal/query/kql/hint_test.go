package kql

import (
	"fmt"
	"testing"
	"time"
)

// TestTimeHints checks which time predicates reach the table's source as
// a Hint (so that the event store reads only the partitions it needs),
// and that only filter-transparent paths carry them.
func TestTimeHints(t *testing.T) {
	cat, _ := testCatalogWithLog(t)
	d := func(s string) time.Time {
		tm, err := parseDatetimeText(s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	var zero time.Time
	cases := []struct {
		query    string
		from, to time.Time
	}{
		{"Events | where TimeGenerated > ago(1h)", testNow.Add(-time.Hour), zero},
		{"Events | where TimeGenerated between (datetime(2024-03-14) .. datetime(2024-03-15))", d("2024-03-14"), d("2024-03-15")},
		{"let start = ago(2d); Events | where TimeGenerated >= start and EventID == 4625", testNow.Add(-48 * time.Hour), zero},
		{"Events | where EventID == 1 | where TimeGenerated < now()", zero, testNow},
		{"Events | where ago(1d) < TimeGenerated", testNow.Add(-24 * time.Hour), zero},
		{"Events | where TimeGenerated > startofday(ago(1d)) and TimeGenerated <= now(-1h)", d("2024-03-14"), testNow.Add(-time.Hour)},
		{"Events | extend x = 1 | project-rename T = TimeGenerated | where T > datetime(2024-03-01)", d("2024-03-01"), zero},
		{"Events | where TimeGenerated > ago(7d) | summarize count() by Computer", testNow.Add(-7 * 24 * time.Hour), zero},
		{"Events | where TimeGenerated between (ago(1d) .. 1h)", testNow.Add(-24 * time.Hour), testNow.Add(-23 * time.Hour)},
		{"Events | where TimeGenerated == datetime(2024-03-15 11:30)", d("2024-03-15 11:30"), d("2024-03-15 11:30")},
		// Not narrowed: an or, a take before the predicate, a recomputed
		// column, a summarize in between.
		{"Events | where TimeGenerated > ago(1h) or EventID == 1", zero, zero},
		{"Events | take 5 | where TimeGenerated > ago(1h)", zero, zero},
		{"Events | extend TimeGenerated = now() | where TimeGenerated > ago(1h)", zero, zero},
		{"Events | summarize count() by bin(TimeGenerated, 1h) | where TimeGenerated > ago(1d)", zero, zero},
		{"Events | where not(TimeGenerated > ago(1h))", zero, zero},
	}
	for _, c := range cases {
		q, err := Parse(c.query)
		if err != nil {
			t.Fatal(err)
		}
		comp, err := Compile(q, cat, Options{Now: testNow})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if len(comp.Scans) != 1 {
			t.Fatalf("%s: %d scans", c.query, len(comp.Scans))
		}
		h := comp.Scans[0].Hint
		if !h.From.Equal(c.from) || !h.To.Equal(c.to) {
			t.Errorf("%s:\n got hint %v .. %v\nwant      %v .. %v", c.query, h.From, h.To, c.from, c.to)
		}
	}
}

// TestTimeHintsPerScan: each use of a let-bound table gets its own hint;
// a union passes the hint to every table.
func TestTimeHintsPerScan(t *testing.T) {
	cat, _ := testCatalogWithLog(t)
	src := `let E = Events | where EventID == 4625;
E | where TimeGenerated > ago(1h) | join kind=leftouter (E | where TimeGenerated > ago(1d)) on Computer`
	q, _ := Parse(src)
	comp, err := Compile(q, cat, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(comp.Scans) != 2 || !comp.Scans[0].Hint.From.Equal(testNow.Add(-time.Hour)) || !comp.Scans[1].Hint.From.Equal(testNow.Add(-24*time.Hour)) {
		t.Errorf("scans: %+v", comp.Scans)
	}
	q, _ = Parse("union Events, (Events | where EventID == 1) | where TimeGenerated > ago(2h)")
	comp, err = Compile(q, cat, Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range comp.Scans {
		if !s.Hint.From.Equal(testNow.Add(-2 * time.Hour)) {
			t.Errorf("union scan not narrowed: %+v", s)
		}
	}
}

// TestTimeHintResults runs narrowed queries: the hint never changes the
// result (the predicate still applies).
func TestTimeHintResults(t *testing.T) {
	db := openDuck(t)
	cat := testCatalog(t, db)
	for q, want := range map[string]string{
		"Events | where TimeGenerated > ago(1h) | project Account | sort by Account asc":                                 `[["alice"],["bob"]]`,
		"Events | where TimeGenerated between (datetime(2024-03-13) .. datetime(2024-03-14 23:00)) | count":              `[[2]]`,
		"Events | where TimeGenerated > ago(7d) | summarize n = count() by Computer | sort by Computer asc":              `[["db01",2],["web01",3]]`,
		"Events | where AdditionalFields.LogonType == 3 | project Computer, D = tostring(AdditionalFields.Props.Domain)": `[["web01","CORP"],["db01",""]]`,
		"Events | where Account == '' | project EventID":                                                                 `[[4688]]`,
	} {
		res, comp, err := runKQL(t, db, cat, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := rowsJSON(res); got != want {
			t.Errorf("%s:\n got %s\nwant %s\nSQL %s", q, got, want, comp.SQL)
		}
	}
}

// TestTermHints checks which text predicates reach the table's source as
// term hints: conjuncts of has-family, contains-family and has_any /
// has_all predicates on an unmodified string column with constant terms,
// through filter-transparent operators only.
func TestTermHints(t *testing.T) {
	cat, _ := testCatalogWithLog(t)
	cases := []struct {
		query string
		want  string // fmt of the hint's Terms
	}{
		{`Events | where Activity has "Failed"`, `[{Activity [failed]}]`},
		{`Events | where Activity has_cs "Failed" and CommandLine contains "CMD.exe"`, `[{Activity [failed]} {CommandLine [cmd.exe]}]`},
		{`Events | where Activity !has "x" and Activity hasprefix "Acc"`, `[{Activity [acc]}]`},
		{`Events | where Activity has "a" or Activity has "b"`, `[{Activity [a b]}]`},
		{`Events | where Activity has_any ("log", "Process")`, `[{Activity [log process]}]`},
		{`Events | where Activity has_all ("log", "Process")`, `[{Activity [log]} {Activity [process]}]`},
		{`Events | where Activity startswith "An" | where Activity endswith_cs "on"`, `[{Activity [an]} {Activity [on]}]`},
		{`Events | project-rename A = Activity | where A has "x"`, `[{Activity [x]}]`},
		{`Events | project A = Activity, Computer | where A has "x"`, `[{Activity [x]}]`},
		{`Events | where (Activity has "x")`, `[{Activity [x]}]`},
		{`Events | extend n = 1 | sort by Computer | where Activity has "x"`, `[{Activity [x]}]`},
		// None: a negation, an or with an unrelated side, an empty or
		// non-constant term, a computed column, a take before, a
		// summarize in between, * has.
		{`Events | where Activity !has "x"`, `[]`},
		{`Events | where not(Activity has "x")`, `[]`},
		{`Events | where Activity has "x" or Computer has "y"`, `[]`},
		{`Events | where Activity has "x" or EventID == 1`, `[]`},
		{`Events | where Activity has ""`, `[]`},
		{`Events | where Activity has Computer`, `[]`},
		{`Events | where Activity has_any ("a", "")`, `[]`},
		{`Events | where strcat(Activity, "") has "x"`, `[]`},
		{`Events | where tolower(Activity) has "x"`, `[]`},
		{`Events | extend Activity = Computer | where Activity has "x"`, `[]`},
		{`Events | take 5 | where Activity has "x"`, `[]`},
		{`Events | summarize by Activity | where Activity has "x"`, `[]`},
		{`Events | where * has "x"`, `[]`},
		{`let t = "x"; Events | where Activity has t`, `[{Activity [x]}]`},
	}
	for _, c := range cases {
		q, err := Parse(c.query)
		if err != nil {
			t.Fatal(err)
		}
		comp, err := Compile(q, cat, Options{Now: testNow})
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if len(comp.Scans) != 1 {
			t.Fatalf("%s: %d scans", c.query, len(comp.Scans))
		}
		terms := comp.Scans[0].Hint.Terms
		if terms == nil {
			terms = []TermHint{}
		}
		if got := fmt.Sprint(terms); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.query, got, c.want)
		}
	}
}

// TestHasLowercases: has without _cs matches where lower(x) has the
// lowered term, not where RE2's case folding would (the long s is not s,
// the Kelvin sign lowercases to k), so that a term hint never contradicts
// the predicate.
func TestHasLowercases(t *testing.T) {
	db := openDuck(t)
	cat := testCatalog(t, db)
	for q, want := range map[string]string{
		`print a = "ſshd" has "sshd", b = "\u212Aelvin" has "kelvin", c = "SSHD[1]" has "sshd", d = "xſshd sshdx" has_any ("sshd", "k")`: `[[false,true,true,false]]`,
		`print a = "ſshd" contains "sshd", b = "\u212Aelvin" contains "KELVIN", c = "a_sshd" has "sshd", d = "ésshd" has "SSHD"`:         `[[false,true,true,true]]`,
	} {
		res, comp, err := runKQL(t, db, cat, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := rowsJSON(res); got != want {
			t.Errorf("%s:\n got %s\nwant %s\nSQL %s", q, got, want, comp.SQL)
		}
	}
}
