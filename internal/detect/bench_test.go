package detect

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/store"
)

const sigmaCorpus = "../../../shared/data/sigma"

// benchEvents is a mix like bench/detect's: Sysmon process starts of
// ordinary programs, Windows logons and application events.
func benchEvents(n int) []event.Event {
	norm := normalize.New(normalize.Options{})
	procs := [][3]string{
		{`C:\Windows\System32\svchost.exe`, `C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule`, `C:\Windows\System32\services.exe`},
		{`C:\Windows\System32\conhost.exe`, `\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1`, `C:\Windows\System32\cmd.exe`},
		{`C:\Program Files\Google\Chrome\Application\chrome.exe`, `"C:\Program Files\Google\Chrome\Application\chrome.exe" --type=renderer --lang=en-US`, `C:\Program Files\Google\Chrome\Application\chrome.exe`},
		{`C:\Windows\System32\taskhostw.exe`, `taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly`, `C:\Windows\System32\svchost.exe`},
		{`C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE`, `"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE" `, `C:\Windows\explorer.exe`},
		{`C:\Windows\System32\RuntimeBroker.exe`, `C:\Windows\System32\RuntimeBroker.exe -Embedding`, `C:\Windows\System32\svchost.exe`},
		{`C:\Windows\System32\backgroundTaskHost.exe`, `"C:\Windows\system32\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca`, `C:\Windows\System32\svchost.exe`},
	}
	now := time.Now().UTC()
	evs := make([]event.Event, 0, n)
	for i := 0; i < n; i++ {
		host := "ws-" + strconv.Itoa(rand.IntN(500))
		var v any
		switch r := rand.IntN(10); {
		case r < 6:
			p := procs[rand.IntN(len(procs))]
			v = map[string]any{"@timestamp": now.Format(time.RFC3339Nano), "host": map[string]any{"name": host},
				"winlog": map[string]any{"event_id": 1, "channel": "Microsoft-Windows-Sysmon/Operational", "provider_name": "Microsoft-Windows-Sysmon",
					"event_data": map[string]any{"Image": p[0], "CommandLine": p[1], "ParentImage": p[2], "User": `CORP\alice`}}}
		case r < 8:
			v = map[string]any{"@timestamp": now.Format(time.RFC3339Nano), "host": map[string]any{"name": host},
				"winlog": map[string]any{"event_id": 4624, "channel": "Security", "provider_name": "Microsoft-Windows-Security-Auditing",
					"event_data": map[string]any{"TargetUserName": "user" + strconv.Itoa(rand.IntN(200)), "LogonType": "3", "IpAddress": "10.0.0." + strconv.Itoa(rand.IntN(255))}}}
		default:
			v = map[string]any{"timestamp": now.Format(time.RFC3339Nano), "eventType": "LOGIN_SUCCESS", "user": "user" + strconv.Itoa(rand.IntN(200)),
				"source_ip": "198.51.100." + strconv.Itoa(rand.IntN(255))}
		}
		b, _ := json.Marshal(v)
		ev := norm.Normalize(normalize.Input{OrgID: "org1", Input: "http", Received: now, Raw: b})
		ev.Seq = int64(i + 1)
		evs = append(evs, ev)
	}
	return evs
}

// BenchmarkEvaluate times the detection stage alone (every rule of the
// org on each event, correlations, exceptions), without the commit.
func BenchmarkEvaluate(b *testing.B) {
	if _, err := os.Stat(sigmaCorpus); err != nil {
		b.Skip("SigmaHQ corpus not found at " + sigmaCorpus)
	}
	f := newFixture(&testing.T{})
	files, _, err := ReadDir(filepath.Join(sigmaCorpus, "rules"))
	if err != nil {
		b.Fatal(err)
	}
	rep, err := f.svc.Import(context.Background(), actor, files, ImportOptions{Pack: "sigmahq"})
	if err != nil {
		b.Fatal(err)
	}
	evs := benchEvents(20000)
	b.ResetTimer()
	var hits int
	for i := 0; i < b.N; i++ {
		hits += len(f.svc.evaluate(evs[i%len(evs):i%len(evs)+1], true))
	}
	b.ReportMetric(float64(hits)/float64(b.N), "hits/event")
	b.ReportMetric(float64(rep.Loaded), "rules")
	fmt.Fprint(os.Stderr)
}

// BenchmarkCommitFolds times one alerts transaction of the stream in a
// burst: 400 repeats, each folding into an open alert of its own key
// (SQLite state store).
func BenchmarkCommitFolds(b *testing.B) {
	f := newFixture(&testing.T{})
	ctx := context.Background()
	if _, err := f.svc.Create(ctx, actor, RuleInput{Source: encodedPS}); err != nil {
		b.Fatal(err)
	}
	e := f.svc.engine(f.org, false)
	var d *doc
	for _, x := range e.docs {
		d = x
	}
	evs := benchEvents(400)
	hits := make([]hit, len(evs))
	for i := range evs {
		evs[i].Fields.Set("host.name", "host-"+strconv.Itoa(i))
		hits[i] = hit{orgID: f.org, doc: d, ev: &evs[i], at: evs[i].Timestamp}
	}
	if err := f.svc.commit(ctx, hits, -1, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i := range evs {
			evs[i].ID = fmt.Sprintf("e-%d-%d", n, i)
		}
		if err := f.svc.commit(ctx, hits, -1, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(hits)), "µs/fold")
}

// BenchmarkAlertEvents times finding all of an alert's events again
// (AlertEvents) over 200,000 stored events spread over an hour: "page" is
// one page of 100 of a host's alert (its 30-70 events: the whole alert),
// the store narrowing the reading to the host's events; "unnarrowed" reads every event of the hour (an alert
// whose key names no host, user or address), 200,000 events a call.
func BenchmarkAlertEvents(b *testing.B) {
	t := &testing.T{}
	f := newFixture(t)
	const conhost = `title: Console host started
id: 6f1e5f8a-3333-4333-8333-333333333333
logsource:
  product: windows
  category: process_creation
detection:
  sel:
    Image|endswith: '\conhost.exe'
  condition: sel
`
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: conhost}); err != nil {
		b.Fatal(err)
	}
	const n = 200_000
	evs := benchEvents(n)
	base := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	for i := range evs {
		evs[i].Timestamp = base.Add(time.Duration(i) * time.Hour / n)
		evs[i].Seq = 0
		evs[i].ID = "bench-" + strconv.Itoa(i) // the mix repeats raw texts
	}
	f.start(t)
	for i := 0; i < n; i += 10_000 {
		res, err := f.ev.Append(f.ctx, evs[i:i+10_000])
		if err != nil {
			b.Fatal(err)
		}
		f.svc.Publish(res.Stored)
	}
	var top store.Alert
	deadline := time.Now().Add(2 * time.Minute)
	for {
		al, _, err := f.st.Alerts().List(f.ctx, f.org, store.AlertFilter{Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		var sum int64
		for _, a := range al {
			sum += a.Count
			if a.Count > top.Count {
				top = a
			}
		}
		if cp, _ := f.st.Checkpoints().Get(f.ctx, CheckpointName); sum > 0 && cp >= int64(n) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	f.stop(t)
	if top.Count < 20 {
		b.Fatalf("the largest alert has %d events", top.Count)
	}
	b.Logf("the largest alert: %d events on %v", top.Count, top.Entities.Hosts)
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			p, err := f.svc.AlertEvents(f.ctx, f.org, top, "", 100)
			if err != nil || len(p.Events) == 0 {
				b.Fatal(err, len(p.Events))
			}
		}
	})
	open := top
	open.Entities, open.EventIDs = store.AlertEntities{}, nil
	b.Run("unnarrowed", func(b *testing.B) {
		var scanned int64
		for b.Loop() {
			p, err := f.svc.AlertEvents(f.ctx, f.org, open, "", 100)
			if err != nil {
				b.Fatal(err)
			}
			scanned += p.Scanned
		}
		b.ReportMetric(float64(scanned)/b.Elapsed().Seconds(), "events/s")
	})
}
