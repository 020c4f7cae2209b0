package hunt

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/query/kql"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

// trickyMessages are texts where the event store's words (runs of ASCII
// letters, digits, '_' and any non-ASCII byte, lowercased, numbers left
// out of the word column) differ from KQL's terms (runs of ASCII letters
// and digits).
var trickyMessages = []string{
	"sshd[123]: Failed password for root",
	"x_sshd started",      // '_' ends a KQL term, not a word
	"ésshd started",       // so does any non-ASCII character
	"東京sshd 東京",           // and CJK
	"SSHD in capitals",    // case
	"ſshd with a long s",  // RE2's (?i) would fold it to s
	"\u212Aelvin sign",    // the Kelvin sign lowercases to k
	"İstanbul dotted I",   // so does the dotted capital I, to i
	"port 22 open",        // numbers are not in the word column
	"a1b2 mixed",          // letters and digits
	"user=bob;host=web01", // punctuation
	`C:\Windows\System32\cmd.exe /c whoami`,
	"10.0.0.1 connected",
	"naïve approach",
	"a",
	"",
	"multi  space\ttab\nnewline sshd",
	"foo.bar.baz",
	"x.bar_y",
	"sshd",
	"unsshdx inside a word",
	"Sshd-2 and ssh-d",
}

// TestPrefilterKeepsTrueMatches runs the has and contains families over
// the tricky messages twice: on the message column, where the term hint
// reaches the event store (word column and token index, with blocks of
// two rows so that blocks are skipped), and on a computed copy of it,
// where nothing is prefiltered. Every query must find the same events.
func TestPrefilterKeepsTrueMatches(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Orgs().Create(ctx, store.Org{ID: "o", Name: "o", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ev, err := duckdb.Open(ctx, duckdb.Options{Dir: filepath.Join(dir, "events"), BlockRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Close()
	now := time.Now().UTC().Truncate(time.Second)
	var evs []event.Event
	for i, m := range trickyMessages {
		evs = append(evs, event.Event{ID: fmt.Sprintf("e%02d", i), OrgID: "o", Timestamp: now.Add(-time.Duration(i) * time.Minute),
			Ingested: now, Input: "http", Raw: "raw " + m, Fields: event.Fields{"message": m}})
	}
	// Filler events without the terms, so that blocks are skipped.
	for i := range 40 {
		evs = append(evs, event.Event{ID: fmt.Sprintf("f%02d", i), OrgID: "o", Timestamp: now.Add(-time.Duration(i) * time.Second),
			Ingested: now, Input: "http", Raw: "filler", Fields: event.Fields{"message": "nothing to see here"}})
	}
	if _, err := ev.Append(ctx, evs); err != nil {
		t.Fatal(err)
	}
	svc := New(Options{Store: st, Events: ev, Now: func() time.Time { return now }})
	run := func(q string) ([]string, Result) {
		t.Helper()
		res, err := svc.run(ctx, Request{OrgID: "o", Query: q, From: now.Add(-time.Hour), To: now, Limit: 1000})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var ids []string
		for _, r := range res.Rows {
			ids = append(ids, r[0].(string))
		}
		slices.Sort(ids)
		return ids, res
	}
	// Before any term query loads the token index: the block count is
	// summed in SQL (the same answer as from the loaded blocks, below).
	if ids, recent := run(`events | where TimeGenerated > ago(5m) | project EventSecId`); len(ids) != 45 || recent.Stats.Scanned != 46 {
		t.Errorf("scanned before the index is loaded: %d rows for the last 5 minutes, %d match", recent.Stats.Scanned, len(ids))
	}
	terms := []string{"sshd", "SSHD", "Sshd", "ssh", "kelvin", "KELVIN", "istanbul", "22", "bob", "web01", "host=web01",
		`system32\cmd.exe`, `windows\system32`, `\system32\`, "10.0.0.1", "0.0", "naïve", "na", "ve", "東京", "a", "bar",
		".bar.", "o.b", ".bar", "bar_y", "x_sshd", "_sshd", "d[1", "sshd[123]", "ſshd", "unsshdx", "sshd-2", "-2", "space\ttab"}
	ops := []string{"has", "has_cs", "!has", "hasprefix", "hassuffix", "contains", "contains_cs", "!contains", "startswith", "endswith"}
	hits := 0
	for _, term := range terms {
		lit := kqlString(term)
		var queries [][2]string
		for _, op := range ops {
			queries = append(queries, [2]string{
				fmt.Sprintf(`events | where message %s %s | project EventSecId`, op, lit),
				fmt.Sprintf(`events | extend m = strcat(message, "") | where m %s %s | project EventSecId`, op, lit)})
		}
		for _, other := range []string{"sshd", "bar", "22"} {
			for _, op := range []string{"has_any", "has_all"} {
				queries = append(queries, [2]string{
					fmt.Sprintf(`events | where message %s (%s, %s) | project EventSecId`, op, lit, kqlString(other)),
					fmt.Sprintf(`events | extend m = strcat(message, "") | where m %s (%s, %s) | project EventSecId`, op, lit, kqlString(other))})
			}
		}
		// RawEvent: the token index only (no word column).
		queries = append(queries, [2]string{
			fmt.Sprintf(`events | where RawEvent has %s | project EventSecId`, lit),
			fmt.Sprintf(`events | extend m = strcat(RawEvent, "") | where m has %s | project EventSecId`, lit)})
		queries = append(queries, [2]string{
			fmt.Sprintf(`events | where message has %s or message contains "bar" | project EventSecId`, lit),
			fmt.Sprintf(`events | extend m = strcat(message, "") | where m has %s or m contains "bar" | project EventSecId`, lit)})
		for _, q := range queries {
			got, _ := run(q[0])
			want, _ := run(q[1])
			if !slices.Equal(got, want) {
				t.Errorf("%s\n got %v\nwant %v (unfiltered)", q[0], got, want)
			}
			hits += len(want)
		}
	}
	if hits == 0 {
		t.Fatal("no query matched anything")
	}
	// The hint did reach the store: a word between separators skips the
	// blocks that lack it, a run at the needle's edge uses the word
	// column.
	cat, err := svc.catalog(ctx, "o", now.Add(-time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{
		`events | where message has "sshd"`:                    "message_words",
		`events | where message has_any ("bob", "kelvin")`:     "message_words",
		`events | where message has "windows\\system32\\cmd"`:  "seq BETWEEN",
		`events | where RawEvent has "windows\\system32\\cmd"`: "seq BETWEEN",
	} {
		pq, _ := kql.Parse(q)
		c, err := kql.Compile(pq, cat, kql.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(c.SQL, want) {
			t.Errorf("%s: no %s in the SQL:\n%s", q, want, c.SQL)
		}
	}
	_, all := run(`events | project EventSecId`)
	ids, few := run(`events | where message has "windows\\system32\\cmd" | project EventSecId`)
	if len(ids) != 1 || few.Stats.Scanned >= all.Stats.Scanned || all.Stats.Scanned != int64(len(evs)) {
		t.Errorf("scanned: %d rows for the needle (%v), %d for all (want %d)", few.Stats.Scanned, ids, all.Stats.Scanned, len(evs))
	}
	// A time range counts the blocks it overlaps (the last 5 minutes:
	// 5 of the tricky events and the 40 fillers, in 2-row blocks, some
	// of which straddle the bound).
	ids, recent := run(`events | where TimeGenerated > ago(5m) | project EventSecId`)
	if len(ids) != 45 || recent.Stats.Scanned < int64(len(ids)) || recent.Stats.Scanned > int64(len(ids))+4 {
		t.Errorf("scanned: %d rows for the last 5 minutes, %d match", recent.Stats.Scanned, len(ids))
	}
}

// kqlString quotes s as a KQL string literal.
func kqlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\t", `\t`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
