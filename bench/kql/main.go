// Command kql measures the KQL engine: parse + compile time of typical
// hunting queries and of the Sentinel corpus sample, then the run time of
// the workbench's reference queries on a synthetic event table in an
// in-memory DuckDB (the engine's SQL alone, without the event store's
// partitions and token index).
//
//	go run ./bench/kql [-events 1000000] [-runs 5] [-corpus ../shared/data/kql/sentinel_queries.jsonl]
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/query/kql"
	"github.com/eventsec/eventsec/internal/query/kql/sentinel"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/kql:", err)
		os.Exit(1)
	}
}

// typical are hunting queries of the shapes the corpus uses most.
var typical = []string{
	`SecurityEvent | where severity == "high" and message contains "phish" | limit 50`,
	`SecurityEvent | where TimeGenerated > ago(1h) | summarize count() by bin(TimeGenerated, 1m)`,
	`SecurityEvent | where TimeGenerated > ago(1d) and EventID == 4625 | summarize FailedLogons = count(), Accounts = make_set(TargetUserName, 100) by Computer, IpAddress | where FailedLogons > 10`,
	`let threshold = 5; let window = 1d;
SigninLogs | where TimeGenerated > ago(window) | where ResultType != "0"
| extend City = tostring(LocationDetails.city)
| summarize Failures = count(), Apps = make_set(AppDisplayName) by UserPrincipalName, IPAddress
| where Failures > threshold | sort by Failures desc`,
	`DeviceProcessEvents | where TimeGenerated > ago(7d)
| where FileName in~ ("powershell.exe", "pwsh.exe") and ProcessCommandLine has_any ("-enc", "-encodedcommand", "frombase64string")
| project TimeGenerated, DeviceName, AccountName, ProcessCommandLine, InitiatingProcessFileName
| top 100 by TimeGenerated desc`,
	`let suspicious = DeviceNetworkEvents | where TimeGenerated > ago(1d) and RemotePort in (4444, 1337) | distinct DeviceName;
DeviceProcessEvents | where TimeGenerated > ago(1d) | where DeviceName in (suspicious)
| join kind=inner (DeviceNetworkEvents | where TimeGenerated > ago(1d)) on DeviceName
| summarize arg_max(TimeGenerated, *) by DeviceName`,
	`CommonSecurityLog | where TimeGenerated > ago(1d) | where DeviceVendor =~ "Palo Alto Networks" and DeviceAction != "allow"
| parse AdditionalExtensions with * "PanOSThreatCategory=" Category ";" *
| summarize count() by Category, SourceIP | top 10 by count_`,
	`Syslog | where TimeGenerated between (ago(2d) .. ago(1d)) | where SyslogMessage has "Failed password"
| extend User = extract(@"for (\S+) from", 1, SyslogMessage)
| summarize Attempts = count() by User, HostIP, bin(TimeGenerated, 1h)`,
}

// reference are the performance targets.
var reference = []struct{ name, query string }{
	{"count by minute, last hour", `events | where TimeGenerated > ago(1h) | summarize count() by bin(TimeGenerated, 1m)`},
	{"has term over everything", `events | where message has "needle4242"`},
	{"dcount(user) by host", `events | summarize dcount(user_name) by host_name`},
	{"join of two filtered sides", `events | where event_action == "logon-failed" | summarize Failed = count() by user_name
| join kind=inner (events | where event_action == "process-started" | summarize Procs = count() by user_name) on user_name`},
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("kql", flag.ContinueOnError)
	events := fs.Int("events", 1_000_000, "synthetic events for the run-time benchmark (0 to skip)")
	runs := fs.Int("runs", 5, "runs of each reference query")
	iters := fs.Int("iters", 200, "parse+compile iterations per typical query")
	corpus := fs.String("corpus", "../shared/data/kql/sentinel_queries.jsonl", "the Sentinel corpus sample (skipped when absent)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	now := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	cat, err := sentinel.Catalog(func(kql.Hint) (kql.SQL, error) { return kql.SQL{Text: "ev"}, nil })
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "KQL parse + compile (DuckDB SQL), per query:")
	var all []time.Duration
	for i, q := range typical {
		ds, err := compileTimes(q, cat, now, *iters)
		if err != nil {
			return fmt.Errorf("typical query %d: %w", i+1, err)
		}
		all = append(all, ds...)
		p50, p99 := percentiles(ds)
		fmt.Fprintf(out, "  typical %d: p50 %v  p99 %v  (%d bytes of KQL)\n", i+1, p50, p99, len(q))
	}
	p50, p99 := percentiles(all)
	fmt.Fprintf(out, "  all typical queries: p50 %v  p99 %v  (target < 1ms)\n", p50, p99)

	if qs, err := readCorpus(*corpus); err == nil {
		var ds []time.Duration
		compiled := 0
		for _, q := range qs {
			t, err := compileTimes(q, cat, now, 5)
			if err != nil {
				continue
			}
			compiled++
			ds = append(ds, t...)
		}
		p50, p99 := percentiles(ds)
		fmt.Fprintf(out, "  corpus: %d queries that compile against the Sentinel views: p50 %v  p99 %v\n", compiled, p50, p99)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}

	if *events <= 0 {
		return nil
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	// The series functions and parse_xml run in Go through a UDF.
	conn, err := db.Conn(context.Background())
	if err != nil {
		return err
	}
	if err := kql.RegisterDuckDB(conn); err != nil {
		conn.Close()
		return err
	}
	conn.Close()
	start := time.Now()
	if err := makeEvents(db, *events, now); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nreference queries on %d synthetic events in memory (loaded in %v), %d runs:\n", *events, time.Since(start).Round(time.Millisecond), *runs)
	for _, r := range reference {
		q, err := kql.Parse(r.query)
		if err != nil {
			return err
		}
		var ds []time.Duration
		rows := 0
		for i := 0; i < *runs; i++ {
			t0 := time.Now()
			c, err := kql.Compile(q, cat, kql.Options{Now: now})
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			res, err := kql.Run(context.Background(), db, c, kql.RunOptions{MaxRows: 100_000})
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			ds = append(ds, time.Since(t0))
			rows = len(res.Rows)
		}
		p50, p99 := percentiles(ds)
		fmt.Fprintf(out, "  %-28s p50 %8v  p99 %8v  (%d rows)\n", r.name, p50.Round(time.Millisecond), p99.Round(time.Millisecond), rows)
	}
	return nil
}

func compileTimes(src string, cat kql.Catalog, now time.Time, n int) ([]time.Duration, error) {
	ds := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		t0 := time.Now()
		q, err := kql.Parse(src)
		if err != nil {
			return nil, err
		}
		if _, err := kql.Compile(q, cat, kql.Options{Now: now}); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(t0))
	}
	return ds, nil
}

func percentiles(ds []time.Duration) (time.Duration, time.Duration) {
	if len(ds) == 0 {
		return 0, 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)]
}

func readCorpus(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			return nil, err
		}
		out = append(out, q.Query)
	}
	return out, sc.Err()
}

// makeEvents fills a table shaped like an event store partition: 50
// hosts, 500 users, four actions, a message vocabulary, one needle per
// million, spread over the last two days.
func makeEvents(db *sql.DB, n int, now time.Time) error {
	cols := []string{"seq BIGINT", "id VARCHAR", "org_id VARCHAR", "ts TIMESTAMP", "ingested TIMESTAMP", "input VARCHAR"}
	for _, c := range event.Columns {
		t := "VARCHAR"
		switch c.Type {
		case event.TypeInt:
			t = "BIGINT"
		case event.TypeFloat:
			t = "DOUBLE"
		}
		cols = append(cols, c.Name+" "+t)
	}
	cols = append(cols, "message_words VARCHAR", "fields VARCHAR", "raw VARCHAR")
	if _, err := db.Exec("CREATE TABLE ev (" + strings.Join(cols, ", ") + ")"); err != nil {
		return err
	}
	ins := `INSERT INTO ev (seq, id, org_id, ts, ingested, input, event_kind, event_action, event_severity, event_code, message,
		host_name, user_name, source_ip, process_name, fields, raw)
	SELECT i, 'e' || i, 'o1', CAST($1 AS TIMESTAMP) - to_microseconds(CAST(i * 172800000000 // $2 AS BIGINT)), CAST($1 AS TIMESTAMP), 'agent', 'event',
		['logon-failed', 'logon', 'process-started', 'network-connection'][1 + i % 4], i % 100, CAST(4624 + i % 4 AS VARCHAR),
		CASE WHEN i % 1000000 = 4242 THEN 'alert needle4242 seen' ELSE ['user logged on from workstation', 'failed password for user', 'process started by service', 'connection accepted'][1 + i % 4] || ' id ' || (i % 9973) END,
		'host' || (i % 50), 'user' || (i % 499), '10.0.' || (i % 256) || '.' || (i % 200), 'proc' || (i % 30), '{}', ''
	FROM range($2) r(i)`
	_, err := db.Exec(ins, now, int64(n))
	return err
}
