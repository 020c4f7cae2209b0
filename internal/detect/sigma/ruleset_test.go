package sigma

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

func sysmonProc(image, cmd string) *event.Event {
	return &event.Event{Raw: "x", Fields: event.Fields{
		"winlog.channel": "Microsoft-Windows-Sysmon/Operational", "winlog.provider_name": "Microsoft-Windows-Sysmon",
		"winlog.event_id": int64(1), "winlog.event_data.Image": image, "winlog.event_data.CommandLine": cmd,
	}}
}

const procRule = `title: Whoami
id: r1
level: high
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\whoami.exe'
    condition: selection
`

func TestRulesetAddRemove(t *testing.T) {
	rs := NewRuleset(Config{})
	r, err := Parse([]byte(procRule), "r1.yml")
	if err != nil {
		t.Fatal(err)
	}
	ev := sysmonProc(`C:\Windows\System32\whoami.exe`, "whoami")
	if got := rs.Match(ev, nil); len(got) != 0 {
		t.Fatalf("empty ruleset matched %v", got)
	}
	if err := rs.Add(r); err != nil {
		t.Fatal(err)
	}
	got := rs.Match(ev, nil)
	if len(got) != 1 || got[0].RuleID != "r1" || got[0].Level != "high" || got[0].Rule != r {
		t.Fatalf("got %+v", got)
	}
	// Routing: the same fields in a Security event are not process
	// creation.
	sec := sysmonProc(`C:\Windows\System32\whoami.exe`, "")
	sec.Fields["winlog.channel"], sec.Fields["winlog.provider_name"] = "Security", "Microsoft-Windows-Security-Auditing"
	if got := rs.Match(sec, nil); len(got) != 0 {
		t.Errorf("security event matched %v", got)
	}
	// Security 4688 is process creation, with its own field names.
	sec.Fields["winlog.event_id"] = int64(4688)
	delete(sec.Fields, "winlog.event_data.Image")
	sec.Fields["winlog.event_data.NewProcessName"] = `C:\Windows\System32\whoami.exe`
	if got := rs.Match(sec, nil); len(got) != 1 {
		t.Errorf("4688 event: got %v, want the rule", got)
	}
	// Replacing a rule (same id) takes effect for events of a class
	// already cached.
	r2, _ := Parse([]byte(procRule[:len(procRule)-len("    condition: selection\n")]+"    condition: not selection\n"), "r1.yml")
	if err := rs.Add(r2); err != nil {
		t.Fatal(err)
	}
	if rs.Len() != 1 {
		t.Errorf("Len %d after replacing", rs.Len())
	}
	if got := rs.Match(ev, nil); len(got) != 0 {
		t.Errorf("replaced rule still matches: %v", got)
	}
	if err := rs.Remove("r1"); err != nil {
		t.Fatal(err)
	}
	if err := rs.Remove("r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if rs.Len() != 0 {
		t.Errorf("Len %d after remove", rs.Len())
	}
}

// TestRulesetConcurrent matches from many goroutines while rules are
// added and removed (run with -race).
func TestRulesetConcurrent(t *testing.T) {
	rs := NewRuleset(Config{})
	base, _ := Parse([]byte(procRule), "r1.yml")
	if err := rs.Add(base); err != nil {
		t.Fatal(err)
	}
	ev := sysmonProc(`C:\Windows\System32\whoami.exe`, "whoami /all")
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []Match
			for i := 0; i < 2000; i++ {
				dst = rs.Match(ev, dst[:0])
				found := false
				for _, m := range dst {
					found = found || m.RuleID == "r1"
				}
				if !found {
					t.Error("r1 did not match")
					return
				}
			}
		}()
	}
	for i := 0; i < 50; i++ {
		src := fmt.Sprintf("title: extra %d\nid: x%d\nlogsource:\n    product: windows\ndetection:\n    s:\n        CommandLine|contains: 'all'\n    condition: s\n", i, i)
		r, err := Parse([]byte(src), "x.yml")
		if err != nil {
			t.Fatal(err)
		}
		if err := rs.Add(r); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := rs.Remove(r.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	if rs.Len() != 26 {
		t.Errorf("Len %d, want 26", rs.Len())
	}
}

const collection = `action: global
title: Collection
logsource:
    product: windows
detection:
    sel_common:
        Image|endswith: '\evil.exe'
    condition: sel_common and sel
level: high
---
id: c1
detection:
    sel:
        CommandLine|contains: 'one'
---
action: repeat
id: c2
detection:
    sel:
        CommandLine|contains: 'two'
---
action: reset
---
title: Plain
id: c3
logsource:
    product: windows
detection:
    sel:
        CommandLine|contains: 'three'
    condition: sel
---
title: Many failed logons
id: corr1
level: medium
correlation:
    type: event_count
    rules: [c1]
    group-by: [User]
    timespan: 5m
    condition:
        gte: 10
---
title: Admin tools are fine
id: f1
logsource:
    product: windows
filter:
    rules: [c3]
    selection:
        User|startswith: 'adm_'
    condition: not selection
`

func TestCollectionsFiltersCorrelations(t *testing.T) {
	docs, errs := ParseDocuments([]byte(collection), "c.yml")
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var kinds []DocKind
	for _, d := range docs {
		kinds = append(kinds, d.Kind)
	}
	want := []DocKind{KindRule, KindRule, KindRule, KindCorrelation, KindFilter}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	c1, c2, c3 := docs[0].Rule, docs[1].Rule, docs[2].Rule
	if c1.Title != "Collection" || c1.Level != "high" || c1.ID != "c1" || c2.ID != "c2" || c3.Level != "" {
		t.Errorf("merged metadata: %+v / %+v / %+v", c1, c2, c3)
	}
	if docs[3].Meta.ID != "corr1" || docs[3].Meta.Title != "Many failed logons" || docs[3].Node == nil {
		t.Errorf("correlation meta %+v", docs[3].Meta)
	}
	f := docs[4].Filter
	if f == nil || !f.AppliesTo(c3) || f.AppliesTo(c1) {
		t.Fatalf("filter %+v", f)
	}
	rs := NewRuleset(Config{})
	if err := rs.AddAll([]*Rule{c1, c2, ApplyFilter(c3, f), ApplyFilter(c1, f)}); err != nil {
		t.Fatal(err)
	}
	ev := sysmonProc(`C:\x\evil.exe`, "one two three")
	ids := map[string]bool{}
	for _, m := range rs.Match(ev, nil) {
		ids[m.RuleID] = true
	}
	if !ids["c1"] || !ids["c2"] || !ids["c3"] {
		t.Errorf("matched %v, want c1 c2 c3", ids)
	}
	ev.Fields["winlog.event_data.User"] = "CORP\\x"
	ev.Fields["winlog.event_data.User"] = "adm_bob"
	ids = map[string]bool{}
	for _, m := range rs.Match(ev, nil) {
		ids[m.RuleID] = true
	}
	if ids["c3"] || !ids["c1"] {
		t.Errorf("filter: matched %v, want c1 without c3", ids)
	}
}

func TestResolve(t *testing.T) {
	ev := sysmonProc(`C:\a.exe`, "a b")
	ev.Fields["winlog.event_data.Hashes"] = []string{"x", "y"}
	if got := Resolve(ev, nil, "Image"); len(got) != 1 || got[0] != `C:\a.exe` {
		t.Errorf("Image: %v", got)
	}
	if got := Resolve(ev, nil, "EventID"); len(got) != 1 || got[0] != "1" {
		t.Errorf("EventID: %v", got)
	}
	if got := Resolve(ev, nil, "Hashes"); len(got) != 2 {
		t.Errorf("Hashes: %v", got)
	}
	linux := &event.Event{Fields: event.Fields{"event.dataset": "linux.auth", "process.name": "sshd", "user.name": "root"}}
	ls := EventLogsources(linux)
	if !ls.Matches(Logsource{Product: "linux", Service: "sshd"}) || !ls.Matches(Logsource{Product: "linux", Service: "auth"}) {
		t.Errorf("linux logsources %+v", ls)
	}
	if got := Resolve(linux, nil, "User"); len(got) != 1 || got[0] != "root" {
		t.Errorf("User: %v", got)
	}
}

// TestAliasBomb: aliases that expand a small document enormously are
// refused quickly, in collections and in detections.
func TestAliasBomb(t *testing.T) {
	bomb := "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 9; i++ {
		bomb += fmt.Sprintf("a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	_, errs := ParseDocuments([]byte("action: global\n"+bomb+"---\ntitle: t\nlogsource: {}\ndetection:\n    s:\n        F: x\n    condition: s\n"), "bomb.yml")
	if len(errs) == 0 {
		t.Error("collection bomb accepted")
	}
	det := "title: t\nlogsource: {}\nx:\n" + indent(bomb) + "detection:\n    s:\n        F: *a8\n    condition: s\n"
	if _, err := Parse([]byte(det), "bomb.yml"); err == nil {
		t.Error("detection bomb accepted")
	}
}

func TestMatchTimed(t *testing.T) {
	rs := NewRuleset(Config{})
	whoami, err := Parse([]byte(procRule), "r1.yml")
	if err != nil {
		t.Fatal(err)
	}
	net, err := Parse([]byte(`title: Net
id: r2
logsource: {category: process_creation, product: windows}
detection:
    selection:
        Image|endswith: '\net.exe'
    condition: selection
`), "r2.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.AddAll([]*Rule{whoami, net}); err != nil {
		t.Fatal(err)
	}
	ev := sysmonProc(`C:\Windows\System32\whoami.exe`, "whoami")
	timed := map[string]int{}
	got := rs.MatchTimed(ev, nil, func(key string, ns int64) {
		if ns < 0 {
			t.Errorf("%s: negative time %d", key, ns)
		}
		timed[key]++
	})
	if len(got) != 1 || got[0].RuleID != "r1" {
		t.Fatalf("MatchTimed matched %+v, want r1 as Match does", got)
	}
	// The prefilter rules net.exe out: only the candidate is timed.
	if len(timed) != 1 || timed["r1"] != 1 {
		t.Fatalf("timed %v, want r1 once", timed)
	}
}

func TestPlaceholderErrorNamesThePlaceholder(t *testing.T) {
	r, err := Parse([]byte(`title: DC
id: p1
logsource: {product: windows, service: security}
detection:
    selection:
        Computer|expand: '%known_cdcs%'
    condition: selection
`), "p1.yml")
	if err != nil {
		t.Fatal(err)
	}
	err = NewRuleset(Config{}).AddAll([]*Rule{r})
	var ce *CompileError
	var pe *PlaceholderError
	if !errors.Is(err, ErrPlaceholder) || !errors.As(err, &ce) || ce.Key != "p1" || !errors.As(err, &pe) || pe.Name != "known_cdcs" {
		t.Fatalf("got %v (compile error %+v, placeholder %+v)", err, ce, pe)
	}
	rs := NewRuleset(Config{Placeholders: map[string][]string{"known_cdcs": {"dc01", "dc0?.corp"}}})
	if err := rs.AddAll([]*Rule{r}); err != nil {
		t.Fatal(err)
	}
	for comp, want := range map[string]bool{"dc01": true, "DC02.corp": true, "dc10.corp": false, "ws01": false} {
		ev := &event.Event{Raw: "x", Fields: event.Fields{"winlog.channel": "Security", "winlog.provider_name": "Microsoft-Windows-Security-Auditing",
			"winlog.event_id": int64(4624), "winlog.computer_name": comp, "host.name": comp}}
		if got := len(rs.Match(ev, nil)) == 1; got != want {
			t.Errorf("Computer %s: matched %v, want %v", comp, got, want)
		}
	}
}
