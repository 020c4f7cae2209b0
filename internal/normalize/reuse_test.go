package normalize

import (
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"
)

// TestReuseKeepsEvents checks what the pooled states and recycled maps
// must never do: change an event after it was returned. Events made
// concurrently, from inputs that use the recycled scratch (Windows JSON
// decoded to maps, nested JSON, syslog with JSON), must equal, once all
// are done, the events made one at a time by a fresh Normalizer.
func TestReuseKeepsEvents(t *testing.T) {
	winlogbeat, err := os.ReadFile("testdata/samples/winlogbeat_4624.json")
	if err != nil {
		t.Fatal(err)
	}
	inputs := []Input{
		{Raw: winlogbeat, Format: FormatAuto},
		{Raw: winlogbeat, Format: FormatJSON},
		{Raw: []byte(`{"System":{"EventID":4625,"Channel":"Security","Provider":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventData":{"TargetUserName":"bob","IpAddress":"192.0.2.9","LogonType":"3"}}`), Format: FormatWindows},
		{Raw: []byte(`{"event":{"category":["authentication"],"type":["start"]},"source":{"ip":"192.0.2.1","port":22},"user":{"name":"alice"},"message":"m"}`), Format: FormatJSON},
		{Raw: []byte(`<14>Nov 15 23:59:59 WS-1 winlogbeat: {"EventID":1,"Provider":{"Name":"Microsoft-Windows-Sysmon"},"Image":"C:\\x.exe","User":"CORP\\u","Tags":["a","b"]}`), Format: FormatAuto},
		{Raw: []byte(`{"@timestamp":"1990-01-01T00:00:00Z","msg":"old","source":{"port":"x"}}`), Format: FormatJSON},
		{Raw: []byte("{\"msg\":\"bad \xff utf8\",\"depth\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":1}}}}}}}}}}}"), Format: FormatJSON},
		{Raw: []byte(`<38>Nov 15 23:59:58 web-02 sshd[30804]: Failed password for oconnor from 62.229.246.194 port 40805 ssh2`), Format: FormatAuto, Peer: "10.0.0.1"},
	}
	received := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	for i := range inputs {
		inputs[i].OrgID, inputs[i].Input, inputs[i].Received = "o", "http", received
	}
	opts := Options{Now: func() time.Time { return received }}
	marshal := func(t *testing.T, v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := make([]string, len(inputs))
	for i, in := range inputs {
		ev := New(opts).Normalize(in)
		want[i] = marshal(t, []any{ev.ID, ev.Raw, ev.Timestamp, ev.Fields})
	}
	n := New(opts)
	const workers, rounds = 4, 300
	got := make([][]string, workers)
	kept := make([][]any, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				ev := n.Normalize(inputs[(w+r)%len(inputs)])
				kept[w] = append(kept[w], []any{ev.ID, ev.Raw, ev.Timestamp, ev.Fields})
			}
		})
	}
	wg.Wait()
	for w := range workers {
		for r, ev := range kept[w] {
			got[w] = append(got[w], marshal(t, ev))
			if i := (w + r) % len(inputs); got[w][r] != want[i] {
				t.Fatalf("worker %d round %d (input %d):\n got %s\nwant %s", w, r, i, got[w][r], want[i])
			}
		}
	}
}
