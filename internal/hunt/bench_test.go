package hunt

import (
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/query/kql"
)

// benchQueries are bench/hunt's queries: parse + compile of each must stay
// well under a millisecond.
var benchQueries = []struct{ name, q string }{
	{"bin", `events | where TimeGenerated > ago(1h) | summarize count() by bin(TimeGenerated, 1m)`},
	{"has", `events | where message has "sshd" | count`},
	{"dcount", `events | summarize dcount(UserName) by HostName`},
	{"join", `events | where EventOutcome == "failure" | summarize failures = count() by UserName
| join kind=inner (events | where EventOutcome == "success" | summarize successes = count() by UserName) on UserName
| top 10 by failures desc`},
}

// BenchmarkParseCompile is parse + compile over the service's real
// catalog, on a store with a week of daily partitions (the relation each
// view reads names every one of them).
func BenchmarkParseCompile(b *testing.B) {
	f := newFixture(b)
	var raws []string
	for d := range 8 {
		raws = append(raws, winlogon(f.now.Add(-time.Duration(d)*24*time.Hour), 4624, "h1", "alice", "10.0.0.1", "logon"))
	}
	f.ingest(b, "org1", raws...)
	cat, err := f.svc.catalog(f.ctx, "org1", f.now.Add(-8*24*time.Hour), f.now)
	if err != nil {
		b.Fatal(err)
	}
	for _, bq := range benchQueries {
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				q, err := kql.Parse(bq.q)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := kql.Compile(q, cat, kql.Options{Now: f.now}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
