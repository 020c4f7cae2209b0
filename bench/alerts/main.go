// Command alerts measures the alerts queue at scale: it fills a state
// store with N alerts (default 1,000,000, spread over 30 days, five
// severities, six statuses, 40 rules, 20 analysts and 4 groups) and times
// the first page of the queue under the filters analysts use, rendering
// included (after one untimed warm-up run per query), then a bulk
// acknowledgement of 10,000 alerts.
//
//	go run ./bench/alerts                      # SQLite in a temp dir
//	go run ./bench/alerts -postgres postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/postgres"
	"github.com/eventsec/eventsec/internal/store/sqldb"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

func main() {
	n := flag.Int("n", 1_000_000, "alerts in the store")
	pg := flag.String("postgres", "", "PostgreSQL server URL (a scratch database is created and dropped); SQLite when empty")
	runs := flag.Int("runs", 15, "timed runs per query")
	keep := flag.String("keep", "", "SQLite only: build the store in this directory and keep it (for EXPLAIN)")
	flag.Parse()
	if err := run(*n, *pg, *runs, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "alerts bench:", err)
		os.Exit(1)
	}
}

func run(n int, pgURL string, runs int, keep string) error {
	ctx := context.Background()
	var st *sqldb.DB
	var err error
	backend := "sqlite"
	if pgURL != "" {
		backend = "postgres"
		admin, err := sql.Open("pgx", pgURL)
		if err != nil {
			return err
		}
		defer admin.Close()
		name := fmt.Sprintf("eventsec_bench_alerts_%d", os.Getpid())
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			return err
		}
		defer admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		u, err := url.Parse(pgURL)
		if err != nil {
			return err
		}
		u.Path = "/" + name
		if st, err = postgres.Open(ctx, u.String()); err != nil {
			return err
		}
	} else {
		dir := keep
		if dir == "" {
			if dir, err = os.MkdirTemp("", "eventsec-bench-alerts-"); err != nil {
				return err
			}
			defer os.RemoveAll(dir)
		}
		if st, err = sqlite.Open(ctx, filepath.Join(dir, "state.db")); err != nil {
			return err
		}
	}
	defer st.Close()
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := st.Orgs().Create(ctx, store.Org{ID: "org1", Name: "Bench", CreatedAt: now}); err != nil {
		return err
	}
	for i := 0; i < 20; i++ {
		u := store.User{ID: fmt.Sprintf("u%d", i), OrgID: "org1", Email: fmt.Sprintf("analyst%02d@bench.test", i), Role: "analyst",
			PasswordHash: "x", CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
		if err := st.Users().Create(ctx, u); err != nil {
			return err
		}
	}
	for i := 0; i < 4; i++ {
		if err := st.Groups().Create(ctx, store.Group{ID: fmt.Sprintf("g%d", i), OrgID: "org1", Name: fmt.Sprintf("Tier %d", i), CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
	}
	t0 := time.Now()
	if err := fill(ctx, st, backend, n, now); err != nil {
		return fmt.Errorf("cannot fill: %w", err)
	}
	fmt.Printf("backend %s: %d alerts inserted in %s\n", backend, n, time.Since(t0).Round(time.Millisecond))
	svc := incident.New(incident.Options{Store: st})
	me := "u3"
	cases := []struct {
		name string
		f    store.AlertFilter
	}{
		{"newest, no filter", store.AlertFilter{}},
		{"open (4 statuses)", store.AlertFilter{Statuses: []string{"new", "acknowledged", "in_progress", "escalated"}}},
		{"open + high/critical", store.AlertFilter{Statuses: []string{"new", "acknowledged", "in_progress", "escalated"}, Severities: []string{"high", "critical"}}},
		{"assigned to me", store.AlertFilter{Assignee: me}},
		{"group + escalated", store.AlertFilter{Group: "g2", Statuses: []string{"escalated"}}},
		{"one rule, last 24h", store.AlertFilter{RuleID: "rule-7", From: now.Add(-24 * time.Hour)}},
		{"title search", store.AlertFilter{Query: "powershell"}},
		{"false positives", store.AlertFilter{Verdicts: []string{"false_positive"}}},
		{"raised in last 24h", store.AlertFilter{TimeField: store.AlertTimeCreated, Sort: store.AlertTimeCreated, From: now.Add(-24 * time.Hour)}},
		{"open, raised order", store.AlertFilter{Statuses: []string{"new", "acknowledged", "in_progress", "escalated"}, Sort: store.AlertTimeCreated}},
		{"open, raised in 7d", store.AlertFilter{Statuses: []string{"new", "acknowledged", "in_progress", "escalated"}, Sort: store.AlertTimeCreated,
			TimeField: store.AlertTimeCreated, From: now.Add(-7 * 24 * time.Hour)}},
	}
	fmt.Printf("%-24s %10s %10s %10s %10s\n", "first page of 50", "p50", "p99", "max", "total")
	for _, c := range cases {
		var ds []time.Duration
		var total int64
		// One untimed run first: the query plan and the pages it reads are
		// then warm, as in a queue that analysts keep open.
		for i := -1; i < runs; i++ {
			f := c.f
			f.Limit = 50
			start := time.Now()
			alerts, tot, err := st.Alerts().List(ctx, "org1", f)
			if err != nil {
				return err
			}
			if _, err := svc.AlertViews(ctx, "org1", alerts); err != nil {
				return err
			}
			if i >= 0 {
				ds = append(ds, time.Since(start))
			}
			total = tot
		}
		if os.Getenv("BENCH_ALERTS_RAW") != "" {
			fmt.Println(c.name, ds)
		}
		slices.Sort(ds)
		fmt.Printf("%-24s %10s %10s %10s %10d\n", c.name, ms(ds[len(ds)/2]), ms(ds[len(ds)*99/100]), ms(ds[len(ds)-1]), total)
	}
	// Bulk acknowledge 10,000 new alerts.
	page, _, err := st.Alerts().List(ctx, "org1", store.AlertFilter{Statuses: []string{"new"}, Limit: 10000})
	if err != nil {
		return err
	}
	ids := make([]string, len(page))
	for i, a := range page {
		ids[i] = a.ID
	}
	start := time.Now()
	res, err := svc.Bulk(ctx, incident.Actor{OrgID: "org1", UserID: "u01", Email: "analyst01@bench.test"}, incident.BulkInput{IDs: ids, Action: "acknowledge"})
	if err != nil {
		return err
	}
	fmt.Printf("bulk acknowledge of %d alerts: %s (%d updated)\n", len(ids), ms(time.Since(start)), res.Updated)
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// fill inserts n alerts with set-based SQL (a recursive CTE on SQLite,
// generate_series on PostgreSQL): realistic distributions, seconds not hours.
func fill(ctx context.Context, st *sqldb.DB, backend string, n int, now time.Time) error {
	series := "WITH RECURSIVE s(i) AS (SELECT CAST(? AS BIGINT) UNION ALL SELECT i + 1 FROM s WHERE i < CAST(? AS BIGINT)) SELECT i FROM s"
	if backend == "postgres" {
		series = "SELECT i FROM generate_series(CAST(? AS BIGINT), CAST(? AS BIGINT)) AS s(i)"
	}
	text := func(x string) string { return "CAST(" + x + " AS TEXT)" }
	ago := "CAST(? AS BIGINT) - (i * 2593) % CAST(? AS BIGINT)"
	q := `INSERT INTO alerts (id, org_id, rule_id, rule_title, rule_kind, severity, status, title, description, tactics, techniques,
		entities, grp, event_ids, count, dedup_key, assignee, first_seen, last_seen, created_at, updated_at, assignee_group, verdict,
		escalation, incident_id, acknowledged_at, resolved_at, deleted_at, deleted_by)
	SELECT 'a' || ` + text("i") + `, 'org1', 'rule-' || ` + text("i % 40") + `, 'Rule', 'detection',
		(CASE (i * 7 + i / 13) % 10 WHEN 0 THEN 'critical' WHEN 1 THEN 'high' WHEN 2 THEN 'high' WHEN 3 THEN 'medium' WHEN 4 THEN 'medium'
			WHEN 5 THEN 'medium' WHEN 6 THEN 'low' WHEN 7 THEN 'low' WHEN 8 THEN 'low' ELSE 'informational' END),
		(CASE (i * 13 + i / 7) % 20 WHEN 0 THEN 'new' WHEN 1 THEN 'new' WHEN 2 THEN 'acknowledged' WHEN 3 THEN 'in_progress' WHEN 4 THEN 'escalated'
			ELSE (CASE WHEN i % 2 = 0 THEN 'resolved' ELSE 'closed' END) END),
		(CASE i % 7 WHEN 0 THEN 'Encoded PowerShell command on host-' WHEN 1 THEN 'Brute force against host-' WHEN 2 THEN 'Suspicious service install on host-'
			WHEN 3 THEN 'Outbound connection to rare domain from host-' WHEN 4 THEN 'LSASS access on host-' WHEN 5 THEN 'New admin account on host-'
			ELSE 'Web shell on host-' END) || ` + text("i % 5000") + `,
		'', '[]', '[]', '{"hosts":["host-' || ` + text("i % 5000") + ` || '"]}', '{}', '[]', 1, 'k' || ` + text("i") + `,
		(CASE WHEN i % 3 = 0 THEN '' ELSE 'u' || ` + text("i % 20") + ` END),
		` + ago + `, ` + ago + `, ` + ago + `, ` + ago + `,
		(CASE WHEN (i * 3 + i / 11) % 5 = 4 THEN 'g' || ` + text("(i / 5) % 4") + ` ELSE '' END),
		(CASE WHEN (i * 13 + i / 7) % 20 < 5 THEN '' WHEN i % 5 = 0 THEN 'false_positive' WHEN i % 5 = 1 THEN 'benign' ELSE 'true_positive' END),
		'', '', NULL, NULL, NULL, ''
	FROM (` + series + `) AS x`
	nowMs := now.UnixMilli()
	const span = int64(30 * 24 * time.Hour / time.Millisecond)
	const chunk = 100_000
	for off := 0; off < n; off += chunk {
		m := min(chunk, n-off)
		args := []any{nowMs, span, nowMs, span, nowMs, span, nowMs, span, off, off + m - 1}
		if err := st.ExecRaw(ctx, q, args...); err != nil {
			return err
		}
	}
	if backend == "postgres" {
		// A queue in use has been vacuumed and checkpointed by the server's
		// own background work; right after a million-row bulk load it has
		// not, and the first minutes measure that instead.
		if err := st.ExecRaw(ctx, "VACUUM ANALYZE alerts"); err != nil {
			return err
		}
		return st.ExecRaw(ctx, "CHECKPOINT")
	}
	return st.ExecRaw(ctx, "ANALYZE")
}
