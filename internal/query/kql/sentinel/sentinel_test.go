package sentinel

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/query/kql"
)

// storeDDL creates a table with the event store's partition columns.
func storeDDL() string {
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
	return "CREATE TABLE ev (" + strings.Join(cols, ", ") + ")"
}

func testDB(t *testing.T) (*sql.DB, kql.Tables, *[]kql.Hint) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := kql.RegisterDuckDB(conn); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if _, err := db.Exec(storeDDL()); err != nil {
		t.Fatal(err)
	}
	ins := `INSERT INTO ev (seq, id, org_id, ts, ingested, input, event_kind, event_category, event_action, event_severity, event_code,
		event_provider, message, host_name, user_name, user_domain, source_ip, process_name, process_command_line, fields, raw) VALUES
	(1, 'e1', 'o1', '2024-03-15 11:00:00', '2024-03-15 11:00:01', 'agent', 'event', chr(31) || 'authentication' || chr(31), 'logon-failed', 80, '4625',
	 'Microsoft-Windows-Security-Auditing', 'An account failed to log on: phishing suspected', 'web01', 'bob', 'CORP', '203.0.113.9', NULL, NULL,
	 '{"winlog.event_data.TargetUserName":"bob","winlog.event_data.LogonType":"3","winlog.channel":"Security"}', '<Event/>'),
	(2, 'e2', 'o1', '2024-03-15 11:30:00', '2024-03-15 11:30:01', 'agent', 'event', chr(31) || 'process' || chr(31), 'process-created', 30, '4688',
	 'Microsoft-Windows-Security-Auditing', 'A new process has been created', 'web01', 'alice', 'CORP', NULL, 'powershell.exe', 'powershell -enc AAAA',
	 '{"winlog.channel":"Security","process.parent.executable":"C:\\Windows\\cmd.exe"}', '<Event/>'),
	(3, 'e3', 'o1', '2024-03-14 09:00:00', '2024-03-14 09:00:01', 'syslog', 'event', NULL, NULL, 10, NULL,
	 NULL, 'sshd[42]: Accepted password for root', 'lin01', 'root', NULL, '10.0.0.8', 'sshd', NULL,
	 '{"log.syslog.facility.name":"auth","log.syslog.appname":"sshd","log.syslog.procid":"42"}', '<34>...')`
	if _, err := db.Exec(ins); err != nil {
		t.Fatal(err)
	}
	var hints []kql.Hint
	cat, err := Catalog(func(h kql.Hint) (kql.SQL, error) {
		hints = append(hints, h)
		return kql.SQL{Text: "(SELECT * FROM ev WHERE org_id = ?)", Args: []any{"o1"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db, cat, &hints
}

func TestViews(t *testing.T) {
	db, cat, hints := testDB(t)
	now := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	for q, want := range map[string]string{
		`SecurityEvent | where severity == "high" and message contains "phish" | limit 50 | project Computer, Account, EventID, TargetUserName, LogonType`:      `[["web01","CORP\\bob",4625,"bob",3]]`,
		`SecurityEvent | where TimeGenerated > ago(2h) | summarize count() by EventID | sort by EventID asc`:                                                    `[[4625,1],[4688,1]]`,
		`Syslog | project Computer, Facility, ProcessName, ProcessID`:                                                                                           `[["lin01","auth","sshd",42]]`,
		`DeviceProcessEvents | project DeviceName, FileName, ProcessCommandLine, InitiatingProcessFolderPath`:                                                   `[["web01","powershell.exe","powershell -enc AAAA","C:\\Windows\\cmd.exe"]]`,
		`SigninLogs | project UserPrincipalName, IPAddress, ResultType`:                                                                                         `[["bob","203.0.113.9",""]]`,
		`events | where TimeGenerated between (datetime(2024-03-14) .. datetime(2024-03-14 23:59)) | project host_name, tostring(Fields["log.syslog.appname"])`: `[["lin01","sshd"]]`,
	} {
		p, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		c, err := kql.Compile(p, cat, kql.Options{Now: now})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		res, err := kql.Run(context.Background(), db, c, kql.RunOptions{})
		if err != nil {
			t.Fatalf("%s: %v\n%s", q, err, c.SQL)
		}
		if got := jsonRows(res.Rows); got != want {
			t.Errorf("%s:\n got %s\nwant %s", q, got, want)
		}
	}
	if len(*hints) == 0 {
		t.Fatal("no hints recorded")
	}
}
