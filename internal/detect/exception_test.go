package detect

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/detect/sigma"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/store"
)

func cond(field, op, value string, values ...string) store.ExceptionCondition {
	return store.ExceptionCondition{Field: field, Operator: op, Value: value, Values: values}
}

// TestExceptionOperators: every operator against one value, several
// values and a missing field, with the cases that must not match.
func TestExceptionOperators(t *testing.T) {
	none := []string(nil)
	one := func(v string) []string { return []string{v} }
	for _, tc := range []struct {
		c    store.ExceptionCondition
		vals []string
		want bool
	}{
		{cond("f", "equals", "svc_Backup"), one("SVC_backup"), true},
		{cond("f", "equals", "svc_backup"), one("svc_backup2"), false},
		{cond("f", "equals", "svc"), []string{"a", "svc"}, true},
		{cond("f", "equals", "svc"), none, false},
		// A list as an alert's group shows it (values joined by commas).
		{cond("f", "equals", "Admins,ops"), []string{"admins", "ops"}, true},
		{cond("f", "equals", "admins,ops"), []string{"ops", "admins"}, false},
		{cond("f", "in", "", "x", "admins,ops"), []string{"admins", "ops"}, true},
		{cond("f", "not_equals", "admins,ops"), []string{"admins", "ops"}, false},
		{cond("f", "contains", "s,o"), []string{"admins", "ops"}, false}, // only equals and in read the joined form

		{cond("f", "not_equals", "svc"), one("alice"), true},
		{cond("f", "not_equals", "svc"), one("SVC"), false},
		{cond("f", "not_equals", "svc"), []string{"alice", "svc"}, false},
		{cond("f", "not_equals", "svc"), none, true}, // a missing field is not svc

		{cond("f", "in", "", "a", "B"), one("b"), true},
		{cond("f", "in", "", "a", "B"), one("c"), false},
		{cond("f", "in", "", "a", "B"), []string{"x", "A"}, true},
		{cond("f", "in", "", "a"), none, false},

		{cond("f", "not_in", "", "a", "B"), one("c"), true},
		{cond("f", "not_in", "", "a", "B"), one("b"), false},
		{cond("f", "not_in", "", "a", "B"), []string{"c", "a"}, false},
		{cond("f", "not_in", "", "a"), none, true},

		{cond("f", "contains", "Backup"), one("c:\\tools\\BACKUP.exe"), true},
		{cond("f", "contains", "backup"), one("restore.exe"), false},
		{cond("f", "startswith", "C:\\Tools\\"), one("c:\\tools\\x.exe"), true},
		{cond("f", "startswith", "C:\\Tools\\"), one("d:\\c:\\tools\\x.exe"), false},
		{cond("f", "endswith", ".EXE"), one("x.exe"), true},
		{cond("f", "endswith", ".exe"), one("x.exe.txt"), false},

		{cond("f", "wildcard", `C:\Tools\\*.exe`), one(`c:\tools\backup.EXE`), true},
		{cond("f", "wildcard", `C:\Tools\\*.exe`), one(`c:\tools\backup.exe.bak`), false}, // the whole value
		{cond("f", "wildcard", `C:\Tools\*.exe`), one(`c:\tools\backup.exe`), false},      // as in Sigma, \* is a literal star
		{cond("f", "wildcard", `C:\Tools\*.exe`), one(`C:\Tools*.exe`), true},
		{cond("f", "wildcard", `C:\Windows\System32`), one(`c:\windows\system32`), true}, // a backslash before a letter is itself
		{cond("f", "wildcard", `backup-??.log`), one("backup-01.log"), true},
		{cond("f", "wildcard", `backup-??.log`), one("backup-1.log"), false},
		{cond("f", "wildcard", `report\*.txt`), one("report*.txt"), true}, // \* is a literal star
		{cond("f", "wildcard", `report\*.txt`), one("report1.txt"), false},
		{cond("f", "wildcard", `what\?`), one("what?"), true},
		{cond("f", "wildcard", `what\?`), one("whatx"), false},
		{cond("f", "wildcard", `a\\*`), one(`a\anything`), true}, // \\ is one backslash, then *
		{cond("f", "wildcard", `a.c`), one("abc"), false},        // . is literal
		{cond("f", "wildcard", `*`), none, false},

		{cond("f", "regex", `^svc_\d+$`), one("svc_42"), true},
		{cond("f", "regex", `^svc_\d+$`), one("SVC_42"), false}, // case-sensitive unless (?i)
		{cond("f", "regex", `(?i)^svc_\d+$`), one("SVC_42"), true},

		{cond("f", "cidr", "10.0.0.0/8"), one("10.1.2.3"), true},
		{cond("f", "cidr", "10.0.0.0/8"), one("11.1.2.3"), false},
		{cond("f", "cidr", "10.0.0.0/8"), one("::ffff:10.1.2.3"), true},
		{cond("f", "cidr", "10.0.0.0/8"), one("not an ip"), false},

		{cond("f", "exists", ""), one("x"), true},
		{cond("f", "exists", ""), one(""), false},
		{cond("f", "exists", ""), none, false},
		{cond("f", "not_exists", ""), none, true},
		{cond("f", "not_exists", ""), one(""), true},
		{cond("f", "not_exists", ""), one("x"), false},
	} {
		c, err := compileCondition(tc.c)
		if err != nil {
			t.Fatalf("%+v: %v", tc.c, err)
		}
		if got := c.holds(tc.vals); got != tc.want {
			t.Errorf("%s %s %q%q on %q: %v, want %v", tc.c.Field, tc.c.Operator, tc.c.Value, tc.c.Values, tc.vals, got, tc.want)
		}
	}
}

// TestExceptionConditionsAreANDed: an exception suppresses a match only
// when every condition holds, and not once it has expired.
func TestExceptionConditionsAreANDed(t *testing.T) {
	ev := &event.Event{Fields: event.Fields{"process.executable": `C:\Tools\backup.exe`, "user.name": "svc_backup", "host.name": "ws1"}}
	now := time.Now()
	mk := func(cs ...store.ExceptionCondition) *exception {
		x, err := compileException(store.RuleException{ID: "x", Conditions: cs})
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	exe := cond("process.executable", "equals", `c:\tools\backup.exe`)
	for _, tc := range []struct {
		name string
		x    *exception
		want bool
	}{
		{"both hold", mk(exe, cond("user.name", "equals", "svc_backup")), true},
		{"the second fails", mk(exe, cond("user.name", "equals", "alice")), false},
		{"the first fails", mk(cond("process.executable", "endswith", "\\restore.exe"), cond("user.name", "equals", "svc_backup")), false},
		{"three with negations", mk(exe, cond("host.name", "not_in", "", "dc1", "dc2"), cond("process.parent.name", "not_exists", "")), true},
		{"a negation fails", mk(exe, cond("host.name", "not_equals", "WS1")), false},
		// A Sigma name reads the key it stands for.
		{"Sigma name", mk(cond("Image", "wildcard", `*\backup.exe`), cond("User", "equals", "svc_backup")), true},
	} {
		if got := tc.x.matches(ev, &doc{sigma: &sigma.Rule{}}, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	past := now.Add(-time.Minute)
	x := mk(exe)
	x.ExpiresAt = &past
	if x.matches(ev, &doc{}, now) {
		t.Error("an expired exception still suppresses")
	}
}

// TestExceptionValidation: each problem names the exact input field.
func TestExceptionValidation(t *testing.T) {
	ok := cond("user.name", "equals", "svc")
	for _, tc := range []struct {
		name      string
		in        ExceptionInput
		field     string
		msgSubstr string
	}{
		{"nothing", ExceptionInput{}, "conditions", "required"},
		{"both forms", ExceptionInput{Field: "user.name", Value: "x", Conditions: []store.ExceptionCondition{ok}}, "conditions", "not both"},
		{"too many", ExceptionInput{Conditions: make([]store.ExceptionCondition, 21)}, "conditions", "at most 20"},
		{"unknown operator", ExceptionInput{Conditions: []store.ExceptionCondition{ok, cond("host.name", "foo", "x")}}, "conditions[1].operator", `"foo" is not one of equals, not_equals, in, not_in`},
		{"in without values", ExceptionInput{Conditions: []store.ExceptionCondition{cond("host.name", "in", "")}}, "conditions[0].values", "required for in"},
		{"in with value", ExceptionInput{Conditions: []store.ExceptionCondition{cond("host.name", "not_in", "a")}}, "conditions[0].value", "give values"},
		{"empty list item", ExceptionInput{Conditions: []store.ExceptionCondition{cond("host.name", "in", "", "a", "")}}, "conditions[0].values[1]", "empty"},
		{"equals with values", ExceptionInput{Conditions: []store.ExceptionCondition{cond("host.name", "equals", "", "a")}}, "conditions[0].values", "only in and not_in"},
		{"equals without value", ExceptionInput{Conditions: []store.ExceptionCondition{cond("host.name", "equals", "")}}, "conditions[0].value", "required for equals"},
		{"exists with value", ExceptionInput{Conditions: []store.ExceptionCondition{cond("host.name", "exists", "x")}}, "conditions[0].value", "exists takes no value"},
		{"bad regex", ExceptionInput{Conditions: []store.ExceptionCondition{ok, ok, cond("host.name", "regex", "(")}}, "conditions[2].value", `"(" is not a regular expression`},
		{"bad cidr", ExceptionInput{Conditions: []store.ExceptionCondition{cond("source.ip", "cidr", "10.0.0.0/33")}}, "conditions[0].value", "not a CIDR range"},
		{"no field", ExceptionInput{Conditions: []store.ExceptionCondition{cond(" ", "equals", "x")}}, "conditions[0].field", "required"},
		{"space in field", ExceptionInput{Conditions: []store.ExceptionCondition{cond("user name", "equals", "x")}}, "conditions[0].field", `"user name" has ' '`},
		{"quote in field", ExceptionInput{Conditions: []store.ExceptionCondition{cond(`user"`, "equals", "x")}}, "conditions[0].field", "letters, digits and _ . @ -"},
		// The single-condition form names its own fields.
		{"single: operator", ExceptionInput{Field: "host.name", Operator: "is", Value: "x"}, "operator", `"is" is not one of`},
		{"single: value", ExceptionInput{Field: "host.name"}, "value", "required for equals"},
		{"single: values", ExceptionInput{Field: "host.name", Operator: "in"}, "values", "required for in"},
	} {
		_, err := tc.in.CheckConditions()
		var xe *ExceptionError
		if !errors.As(err, &xe) || !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want an ExceptionError", tc.name, err)
			continue
		}
		if xe.Field != tc.field || !strings.Contains(xe.Msg, tc.msgSubstr) {
			t.Errorf("%s: %s: %s, want %s: …%s…", tc.name, xe.Field, xe.Msg, tc.field, tc.msgSubstr)
		}
		if !strings.HasPrefix(err.Error(), "invalid: "+tc.field+": ") {
			t.Errorf("%s: %q does not start with the field", tc.name, err.Error())
		}
	}
	got, err := ExceptionInput{Conditions: []store.ExceptionCondition{
		{Field: " user.name ", Operator: "", Value: "svc"},
		{Field: "host.name", Operator: "NOT_IN", Values: []string{"a"}},
		{Field: "@timestamp", Operator: "exists", Values: []string{}},
	}}.CheckConditions()
	want := []store.ExceptionCondition{cond("user.name", "equals", "svc"), cond("host.name", "not_in", "", "a"), {Field: "@timestamp", Operator: "exists"}}
	if err != nil || len(got) != 3 || got[0].Field != want[0].Field || got[0].Operator != "equals" || got[1].Operator != "not_in" || got[2].Values != nil {
		t.Fatalf("normalized: %v %+v", err, got)
	}
}

func TestDescribeConditions(t *testing.T) {
	got := DescribeConditions([]store.ExceptionCondition{
		cond("process.executable", "equals", `C:\Tools\backup.exe`),
		cond("user.name", "in", "", "svc_backup", "svc_sync"),
		cond("process.parent.name", "not_exists", ""),
	})
	want := `process.executable equals "C:\\Tools\\backup.exe" AND user.name in ["svc_backup", "svc_sync"] AND process.parent.name not_exists`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestTwoConditionExceptionInTests: a rule's exception applies to its
// tests (and so to backtests and alert event lists); an event for which
// both conditions hold is suppressed, a near miss still matches, and the
// exception is audited with both conditions.
func TestTwoConditionExceptionInTests(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := Compile(FormatSigma, encodedPS, r.ID)
	now := time.Now()
	samples := []json.RawMessage{
		json.RawMessage(sysmonPS("BUILD1", "powershell -enc AAAA", now)),
		json.RawMessage(sysmonPS("BUILD2", "powershell -enc AAAA", now)),
		json.RawMessage(sysmonPS("WS1", "powershell -enc AAAA", now)),
	}
	run := func() []string {
		res, err := f.svc.Test(f.ctx, f.org, u, TestInput{Events: samples, Rule: &r})
		if err != nil {
			t.Fatal(err)
		}
		var hosts []string
		for _, m := range res.Matches {
			hosts = append(hosts, m.Fields.Str("host.name"))
		}
		return hosts
	}
	if got := run(); len(got) != 3 {
		t.Fatalf("before the exception: %v", got)
	}
	x, warnings, err := f.svc.AddException(f.ctx, actor, r.ID, ExceptionInput{Reason: "build servers", Conditions: []store.ExceptionCondition{
		cond("host.name", "wildcard", "build?"),
		cond("process.command_line", "not_in", "", "powershell -enc BBBB"),
		cond("user.name", "equals", "alice"),
	}})
	if err != nil || len(warnings) != 0 || len(x.Conditions) != 3 {
		t.Fatalf("add: %v %v %+v", err, warnings, x)
	}
	if got := run(); len(got) != 1 || got[0] != "WS1" {
		t.Fatalf("with both conditions on BUILD1 and BUILD2: matches %v, want WS1 only", got)
	}
	// The same exception with one condition that fails suppresses nothing.
	if _, _, err := f.svc.AddException(f.ctx, actor, r.ID, ExceptionInput{Reason: "near miss", Conditions: []store.ExceptionCondition{
		cond("host.name", "equals", "ws1"), cond("user.name", "equals", "bob"),
	}}); err != nil {
		t.Fatal(err)
	}
	if got := run(); len(got) != 1 || got[0] != "WS1" {
		t.Fatalf("a near-miss exception: matches %v, want WS1", got)
	}
	// A restarted service reads the exceptions back from the store.
	f.svc = f.open(t)
	if got := run(); len(got) != 1 || got[0] != "WS1" {
		t.Fatalf("after a restart: matches %v, want WS1", got)
	}
	entries, err := f.st.Audit().List(f.ctx, f.org, store.AuditFilter{Action: "rule.exception.create", Limit: 5})
	if err != nil || len(entries) != 2 {
		t.Fatalf("audit: %v %+v", err, entries)
	}
	if s := entries[1].Summary; !strings.Contains(s, `host.name wildcard "build?" AND process.command_line not_in ["powershell -enc BBBB"] AND user.name equals "alice"`) {
		t.Fatalf("the audit entry does not show every condition: %s", s)
	}
}

// TestExceptionFieldWarnings: a field EventSec's events are not known to
// have is accepted with a warning that suggests the near name; known
// fields, names the org's rules read and fields of the latest alert's
// event are not warned about.
func TestExceptionFieldWarnings(t *testing.T) {
	f := newFixture(t)
	r, err := f.svc.Create(f.ctx, actor, RuleInput{Source: encodedPS})
	if err != nil {
		t.Fatal(err)
	}
	add := func(cs ...store.ExceptionCondition) []string {
		t.Helper()
		_, w, err := f.svc.AddException(f.ctx, actor, r.ID, ExceptionInput{Reason: "r", Conditions: cs})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	w := add(cond("user.name", "equals", "a"), cond("usr.name", "equals", "a"), cond("CommandLine", "contains", "x"), cond("zzqqxx", "exists", ""))
	if len(w) != 2 || w[0] != `conditions[1].field: "usr.name" is not a field EventSec's events have; did you mean user.name?` ||
		!strings.HasPrefix(w[1], `conditions[3].field: "zzqqxx" is not a field EventSec's events have (nor`) {
		t.Fatalf("warnings: %q", w)
	}
	if _, w, _ := f.svc.AddException(f.ctx, actor, r.ID, ExceptionInput{Reason: "r", Field: "Host.Name", Value: "a"}); len(w) != 1 ||
		w[0] != `field: "Host.Name" is not a field EventSec's events have; did you mean host.name?` {
		t.Fatalf("single-condition warning: %q", w)
	}
	// A field of the rule's latest alert's event is one its events have.
	f.start(t)
	defer f.stop(t)
	raw := `{"@timestamp":%q,"host":{"name":"WS9"},"custom_tag":"x","winlog":{"event_id":1,"channel":"Microsoft-Windows-Sysmon/Operational","provider_name":"Microsoft-Windows-Sysmon","event_data":{"Image":"C:\\Windows\\powershell.exe","CommandLine":"powershell -enc A","Ticket":"T-1"}}}`
	f.ingest(t, true, strings.Replace(raw, "%q", `"`+time.Now().UTC().Format(time.RFC3339Nano)+`"`, 1))
	waitFor(t, "the alert", func() bool { return len(f.alerts(t)) == 1 })
	if w := add(cond("custom_tag", "equals", "x"), cond("Ticket", "equals", "T-1"), cond("winlog.event_data.Ticket", "exists", "")); len(w) != 0 {
		t.Fatalf("fields of the latest alert's event: %q", w)
	}
}
