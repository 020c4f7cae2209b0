package kql

import (
	"database/sql"
	"sync"
	"testing"
)

// hintLog records the hints the test tables' sources get.
type hintLog struct {
	mu    sync.Mutex
	hints []Hint
}

func (h *hintLog) add(x Hint) {
	h.mu.Lock()
	h.hints = append(h.hints, x)
	h.mu.Unlock()
}

// testEvents are the rows of the test event table: two hosts, logons
// and process starts over three days before testNow.
const testEventsDDL = `CREATE OR REPLACE TABLE test_events (ts TIMESTAMP, host VARCHAR, user_name VARCHAR, event_code VARCHAR,
	message VARCHAR, cmd VARCHAR, src_ip VARCHAR, fields JSON);
INSERT INTO test_events VALUES
 ('2024-03-15 11:30:00', 'web01', 'alice', '4624', 'An account was successfully logged on', NULL, '10.0.0.5', '{"LogonType": 3, "Props": {"Domain": "CORP"}}'),
 ('2024-03-15 11:45:00', 'web01', 'bob', '4625', 'An account failed to log on', NULL, '203.0.113.9', '{"LogonType": 10, "Props": {"Domain": "CORP"}}'),
 ('2024-03-15 10:00:00', 'db01', 'alice', '4688', 'A new process has been created', 'powershell.exe -enc ZQBjAGgAbwA=', NULL, '{"Parent": "cmd.exe"}'),
 ('2024-03-14 09:00:00', 'db01', 'carol', '4625', 'An account failed to log on', NULL, '203.0.113.9', '{"LogonType": 3}'),
 ('2024-03-13 08:00:00', 'web01', NULL, '4688', 'A new process has been created', 'cmd.exe /c whoami', NULL, NULL)`

// testCatalog makes the test event table and an Events view over it.
func testCatalog(t testing.TB, db *sql.DB) Tables {
	t.Helper()
	if db != nil {
		if _, err := db.Exec(testEventsDDL); err != nil {
			t.Fatal(err)
		}
	}
	cat, _ := testCatalogWithLog(t)
	return cat
}

func testCatalogWithLog(t testing.TB) (Tables, *hintLog) {
	t.Helper()
	log := &hintLog{}
	v := &View{
		Name: "Events",
		Base: func(h Hint) (SQL, error) {
			log.add(h)
			return SQL{Text: "test_events"}, nil
		},
		TimeColumn: "TimeGenerated",
		Columns: []ViewColumn{
			{Name: "TimeGenerated", Type: TypeDatetime, Expr: "ts"},
			{Name: "Computer", Type: TypeString, Expr: "host"},
			{Name: "Account", Type: TypeString, Expr: "user_name"},
			{Name: "EventID", Type: TypeInt, Expr: "TRY_CAST(event_code AS INTEGER)"},
			{Name: "Activity", Type: TypeString, Expr: "message"},
			{Name: "CommandLine", Type: TypeString, Expr: "cmd"},
			{Name: "IpAddress", Type: TypeString, Expr: "src_ip"},
			{Name: "AdditionalFields", Type: TypeDynamic, Expr: "fields"},
		},
	}
	tbl, err := v.Table()
	if err != nil {
		t.Fatal(err)
	}
	cat := Tables{}
	if err := cat.Add(tbl); err != nil {
		t.Fatal(err)
	}
	return cat, log
}
