package detect

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// encodedPSBurst is a correlation over encodedPS's matches: five on one
// host within a minute.
const encodedPSBurst = `title: Encoded PowerShell Burst
id: 6f1e5f8a-2222-4222-8222-222222222222
status: test
level: high
description: Five encoded PowerShell commands on one host within a minute.
author: EventSec tests
tags: [attack.execution, attack.t1059.001]
correlation:
  type: event_count
  rules: [encoded_ps_step]
  group-by: [host.name]
  timespan: 1m
  condition:
    gte: 5
---
title: Encoded PowerShell (Step)
id: 6f1e5f8a-3333-4333-8333-333333333333
name: encoded_ps_step
status: test
level: informational
logsource:
  product: windows
  category: process_creation
detection:
  sel:
    Image|endswith: '\powershell.exe'
    CommandLine|contains: ' -enc '
  condition: sel
`

// TestBacktestAgreesWithLiveDetection: a backtest over stored events says
// what live detection raised over the same events: repeats within the
// fold window fold into one alert, later ones raise new alerts. The
// backtest once counted the distinct dedup keys (too few alerts for a
// detection whose repeats are days apart) and every correlation window
// that fired (too many: live, a correlation's repeats fold too).
func TestBacktestAgreesWithLiveDetection(t *testing.T) {
	base := time.Date(2019, 5, 11, 8, 47, 22, 0, time.UTC)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	var burst []string
	for i := range 10 {
		// Two windows of five, two minutes apart, and a third a day and
		// a half later: two alerts, the first folding a repeat.
		burst = append(burst, sysmonPS("C1", fmt.Sprintf("powershell -enc A%d", i), at(time.Duration(i/5)*2*time.Minute+time.Duration(i%5)*time.Second)))
	}
	for i := range 5 {
		burst = append(burst, sysmonPS("C1", fmt.Sprintf("powershell -enc B%d", i), at(36*time.Hour+time.Duration(i)*time.Second)))
	}
	for _, c := range []struct {
		name   string
		rule   string
		window time.Duration // the rule's fold window (0: the default)
		events []string
		// what live detection raises
		alerts, folded int64
	}{
		{name: "detection", rule: encodedPS, events: []string{
			sysmonPS("WS1", "powershell -enc AA", at(0)),
			sysmonPS("WS1", "powershell -enc AB", at(time.Hour)),                 // folds
			sysmonPS("WS1", "powershell -enc AC", at(30*time.Hour)),              // a new alert: 29 hours after the last
			sysmonPS("WS1", "powershell -enc AD", at(31*time.Hour)),              // folds into the second
			sysmonPS("WS2", "powershell -enc AE", at(0)),                         // another host
			sysmonPS("WS1", "cmd /c ver", at(2*time.Hour)),                       // no match
			sysmonPS("WS1", "powershell -enc AF", at(100*time.Hour)),             // a third on WS1
			sysmonPS("WS1", "powershell -enc AG", at(100*time.Hour+time.Second)), // folds
		}, alerts: 4, folded: 3},
		{name: "detection with its own fold window", rule: encodedPS, window: 10 * time.Minute, events: []string{
			sysmonPS("WS1", "powershell -enc AA", at(0)),
			sysmonPS("WS1", "powershell -enc AB", at(5*time.Minute)),  // folds
			sysmonPS("WS1", "powershell -enc AC", at(20*time.Minute)), // 15 minutes after: new
		}, alerts: 2, folded: 1},
		{name: "correlation", rule: encodedPSBurst, events: burst, alerts: 2, folded: 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: c.rule})
			if err != nil {
				t.Fatal(err)
			}
			if c.window > 0 {
				if r, err = f.svc.Patch(f.ctx, actor, r.ID, RulePatch{AlertWindow: &c.window}); err != nil {
					t.Fatal(err)
				}
			}
			f.start(t)
			stored := f.ingest(t, true, c.events...)
			last := stored[len(stored)-1].Seq
			waitFor(t, "detection to pass the events", func() bool {
				seq, err := f.st.Checkpoints().Get(f.ctx, CheckpointName)
				return err == nil && seq >= last
			})
			f.stop(t)
			live := f.alerts(t)
			var folded int64
			for _, a := range live {
				folded += a.Count - 1
			}
			if int64(len(live)) != c.alerts || folded != c.folded {
				t.Fatalf("live: %d alerts, %d repeats folded; want %d and %d", len(live), folded, c.alerts, c.folded)
			}
			u, problems := Compile(r.Format, r.Source, r.ID)
			if len(problems) > 0 {
				t.Fatal(problems)
			}
			res, err := f.svc.Test(f.ctx, f.org, u, TestInput{From: base.Add(-time.Hour), To: base.Add(200 * time.Hour), Rule: &r})
			if err != nil {
				t.Fatal(err)
			}
			if res.Alerts != int64(len(live)) || res.Folded != folded {
				t.Fatalf("backtest: %d alerts, %d folded; live raised %d alerts folding %d repeats", res.Alerts, res.Folded, len(live), folded)
			}
			// A retro-hunt over the same events raises nothing new: its
			// results fold into the live alerts.
			j, err := f.svc.StartRetroHunt(f.ctx, actor, r.ID, base.Add(-time.Hour), base.Add(200*time.Hour), true)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the retro-hunt", func() bool {
				j, _ = f.svc.RetroHunt(f.org, j.ID)
				return j.Status != HuntRunning
			})
			if j.Status != HuntDone || j.AlertsCreated != 0 || j.AlertsFolded != res.Alerts+res.Folded || j.Result.Alerts != res.Alerts {
				t.Fatalf("retro-hunt: %s, %d created, %d folded, result %d alerts; want 0 created, %d folded", j.Status, j.AlertsCreated, j.AlertsFolded, j.Result.Alerts, res.Alerts+res.Folded)
			}
			if n := len(f.alerts(t)); n != len(live) {
				t.Fatalf("%d alerts after the retro-hunt, want %d", n, len(live))
			}
		})
	}
}

// TestFoldedCorrelationSummary: a correlation alert that folded a repeat
// says what the whole alert holds, from its first window's start, and
// keeps the latest window's words; the summary once was the latest
// window's alone ("5 matching events between 08:49:28 and 08:49:37") on
// an alert of 10 events from 08:47:22.
func TestFoldedCorrelationSummary(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPSBurst}); err != nil {
		t.Fatal(err)
	}
	f.start(t)
	defer f.stop(t)
	base := time.Date(2019, 5, 11, 8, 47, 22, 0, time.UTC)
	var raws []string
	for i := range 5 {
		raws = append(raws, sysmonPS("C1", fmt.Sprintf("powershell -enc A%d", i), base.Add(time.Duration(i)*time.Second)))
	}
	f.ingest(t, true, raws...)
	waitFor(t, "the alert", func() bool { return len(f.alerts(t)) == 1 })
	first := f.alerts(t)[0]
	if want := "Five encoded PowerShell commands on one host within a minute.\n5 matching events between 08:47:22 and 08:47:26 UTC on 2019-05-11."; first.Description != want {
		t.Fatalf("description %q\nwant %q", first.Description, want)
	}
	// The repeat comes in a later commit: it folds in the store.
	raws = raws[:0]
	for i := range 5 {
		raws = append(raws, sysmonPS("C1", fmt.Sprintf("powershell -enc B%d", i), base.Add(2*time.Minute+time.Duration(6+i*2)*time.Second)))
	}
	f.ingest(t, true, raws...)
	var a store.Alert
	waitFor(t, "the fold", func() bool { a = f.alerts(t)[0]; return a.Count == 2 })
	want := "Five encoded PowerShell commands on one host within a minute.\n" +
		"Fired 2 times between 08:47:22 and 08:49:36 UTC on 2019-05-11, on 10 events; the latest: 5 matching events between 08:49:28 and 08:49:36 UTC on 2019-05-11."
	if a.Description != want || len(a.EventIDs) != 10 || !a.FirstSeen.Equal(base) {
		t.Fatalf("folded alert: %d events from %s, description %q\nwant %q", len(a.EventIDs), a.FirstSeen, a.Description, want)
	}
	// A third window folds: the totals are written again, not appended.
	raws = raws[:0]
	for i := range 5 {
		raws = append(raws, sysmonPS("C1", fmt.Sprintf("powershell -enc C%d", i), base.Add(4*time.Minute+time.Duration(i)*time.Second)))
	}
	f.ingest(t, true, raws...)
	waitFor(t, "the second fold", func() bool { a = f.alerts(t)[0]; return a.Count == 3 })
	if strings.Count(a.Description, "Fired") != 1 || !strings.Contains(a.Description, "Fired 3 times between 08:47:22 and 08:51:26 UTC on 2019-05-11, on 15 events; the latest: 5 matching events between 08:51:22 and 08:51:26") {
		t.Fatalf("twice folded: %q", a.Description)
	}
}
