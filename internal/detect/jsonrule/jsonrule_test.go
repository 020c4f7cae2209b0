package jsonrule

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
)

// The seed's two examples, verbatim.
const bruteForce = `{
  "name": "Brute Force Detection",
  "conditions": [{
    "field": "eventType",
    "operator": "equals",
    "value": "LOGIN_FAILURE",
    "aggregation": {
      "window": 5,
      "threshold": 5
    }
  }],
  "actions": [{
    "type": "email",
    "config": {
      "recipients": ["security@example.com"]
    }
  }]
}`

const dataExport = `{
  "name": "Suspicious Data Export",
  "conditions": [{
    "field": "eventType",
    "operator": "in",
    "value": ["DATA_EXPORT", "BULK_OPERATION"],
    "aggregation": {
      "window": 10,
      "threshold": 10
    }
  }],
  "actions": [{
    "type": "pagerduty",
    "config": {
      "severity": "high"
    }
  }]
}`

func ev(f event.Fields) *event.Event { return &event.Event{Fields: f, Timestamp: time.Now()} }

func TestSeedExamples(t *testing.T) {
	r, err := Parse([]byte(bruteForce))
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "Brute Force Detection" || r.Level != "medium" || r.Aggregation == nil ||
		r.Aggregation.Window != 5*time.Minute || r.Aggregation.Threshold != 5 || len(r.Actions) != 1 || r.Actions[0].Type != "email" {
		t.Fatalf("parsed: %+v %+v", r, r.Aggregation)
	}
	if !r.Match(ev(event.Fields{"eventType": "LOGIN_FAILURE"})) || !r.Match(ev(event.Fields{"eventType": "login_failure"})) {
		t.Fatal("LOGIN_FAILURE must match (case-insensitive)")
	}
	if r.Match(ev(event.Fields{"eventType": "LOGIN_SUCCESS"})) || r.Match(ev(event.Fields{})) {
		t.Fatal("other events must not match")
	}
	// An event sent with ECS names matches through the alias.
	if !r.Match(ev(event.Fields{"event.action": "LOGIN_FAILURE"})) {
		t.Fatal("event.action alias")
	}
	r, err = Parse([]byte(dataExport))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Match(ev(event.Fields{"eventType": "BULK_OPERATION"})) || r.Match(ev(event.Fields{"eventType": "EXPORT"})) {
		t.Fatal("in operator")
	}
	if r.Aggregation.Window != 10*time.Minute || r.Aggregation.Threshold != 10 {
		t.Fatalf("aggregation %+v", r.Aggregation)
	}
}

func TestOperators(t *testing.T) {
	e := ev(event.Fields{"user.name": "Alice", "bytes": int64(5000), "source.ip": "10.1.2.3", "tags": []string{"a", "vpn"},
		"process.command_line": `powershell -enc AAAA`})
	cases := []struct {
		cond string
		want bool
	}{
		{`{"field":"user.name","operator":"equals","value":"alice"}`, true},
		{`{"field":"user.name","operator":"not_equals","value":"alice"}`, false},
		{`{"field":"user.name","operator":"not_equals","value":"bob"}`, true},
		{`{"field":"missing","operator":"not_equals","value":"bob"}`, true},
		{`{"field":"user.name","operator":"in","value":["bob","ALICE"]}`, true},
		{`{"field":"user.name","operator":"not_in","value":["bob","carol"]}`, true},
		{`{"field":"process.command_line","operator":"contains","value":"-ENC"}`, true},
		{`{"field":"process.command_line","operator":"not_contains","value":"-enc"}`, false},
		{`{"field":"process.command_line","operator":"startswith","value":"PowerShell"}`, true},
		{`{"field":"process.command_line","operator":"endswith","value":"aaaa"}`, true},
		{`{"field":"process.command_line","operator":"regex","value":"-e(nc|ncodedcommand) [A-Z]+$"}`, true},
		{`{"field":"process.command_line","operator":"regex","value":"^POWERSHELL"}`, false},
		{`{"field":"bytes","operator":"gt","value":4999}`, true},
		{`{"field":"bytes","operator":"gte","value":"5000"}`, true},
		{`{"field":"bytes","operator":"lt","value":5000}`, false},
		{`{"field":"bytes","operator":"lte","value":5000}`, true},
		{`{"field":"bytes","operator":"equals","value":5000.0}`, true},
		{`{"field":"user.name","operator":"gt","value":1}`, false},
		{`{"field":"user.name","operator":"exists"}`, true},
		{`{"field":"nope","operator":"exists"}`, false},
		{`{"field":"nope","operator":"not_exists"}`, true},
		{`{"field":"source.ip","operator":"cidr","value":["10.0.0.0/8"]}`, true},
		{`{"field":"source.ip","operator":"cidr","value":"192.168.0.0/16"}`, false},
		{`{"field":"tags","operator":"equals","value":"VPN"}`, true},
		{`{"field":"tags","operator":"not_equals","value":"vpn"}`, false},
	}
	for _, c := range cases {
		r, err := Parse([]byte(`{"name":"t","conditions":[` + c.cond + `]}`))
		if err != nil {
			t.Fatalf("%s: %v", c.cond, err)
		}
		if got := r.Match(e); got != c.want {
			t.Errorf("%s: got %v, want %v", c.cond, got, c.want)
		}
	}
}

func TestMatchAnyAndTopLevelAggregation(t *testing.T) {
	r, err := Parse([]byte(`{"name":"x","severity":"HIGH","match":"any","conditions":[
		{"field":"a","operator":"equals","value":"1"},{"field":"b","operator":"equals","value":"2"}],
		"aggregation":{"window":1.5,"threshold":3,"group_by":["source.ip","user.name"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Level != "high" || !r.Match(ev(event.Fields{"b": "2"})) || r.Match(ev(event.Fields{"a": "2"})) {
		t.Fatalf("any: %+v", r)
	}
	if r.Aggregation.Window != 90*time.Second || len(r.Aggregation.GroupBy) != 2 {
		t.Fatalf("aggregation %+v", r.Aggregation)
	}
}

func TestBadRules(t *testing.T) {
	cases := []struct {
		src        string
		line, col  int
		msgContain string
	}{
		{`{"name":"x","conditions":[{"field":"a","operator":"equal","value":"1"}]}`, 1, 51, `unknown operator "equal"`},
		{"{\n  \"name\": \"x\",\n  \"conditions\": [\n    {\"field\": \"a\", \"operator\": \"regex\", \"value\": \"(\"}\n  ]\n}", 4, 50, "invalid regular expression"},
		{`{"name":"x","conditions":[]}`, 1, 26, "at least one condition"},
		{`{"conditions":[{"field":"a","value":"1"}]}`, 1, 1, `"name" is required`},
		{`{"name":"x","conditions":[{"field":"a","value":"1"}],"colour":1}`, 1, 54, `unknown field "colour"`},
		{`{"name":"x","conditions":[{"field":"a","operator":"gt","value":"many"}]}`, 1, 64, "needs a number"},
		{`{"name":"x","conditions":[{"field":"a","operator":"equals","value":["a","b"]}]}`, 1, 68, "one value"},
		{`{"name":"x","conditions":[{"field":"a","value":"1","aggregation":{"window":5}}]}`, 1, 66, `"threshold" is required`},
		{`{"name":"x","conditions":[{"field":"a","value":"1","aggregation":{"window":-1,"threshold":2}}]}`, 1, 76, `"window" must be`},
		{`{"name":"x","conditions":[{"field":"","value":"1"}]}`, 1, 36, `"field" is required`},
		{`{"name":"x","level":"urgent","conditions":[{"field":"a","value":"1"}]}`, 1, 21, "unknown level"},
		{`{"name":"x","conditions":[{"field":"a","value":{"k":1}}]}`, 1, 48, "strings, numbers or booleans"},
		{`{"name":"x","conditions":[{"field":"a","operator":"cidr","value":"10.0.0.0/33"}]}`, 1, 66, "invalid CIDR"},
		{`{"name":"x","conditions":"all"}`, 1, 26, "must be a list"},
		{"{\"name\":\"x\",\n\"conditions\":[", 2, 15, "unexpected end"},
		{`{"name":"x","conditions":[{"field":"a","value":"1"}]} {}`, 1, 55, "after the rule"},
		{`{"name":"x","conditions":[{"field":"a","value":"1"}],"actions":[{"config":{}}]}`, 1, 65, `"type" is required`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.src))
		var re *Error
		if !errors.As(err, &re) {
			t.Errorf("%s: want *Error, got %v", c.src, err)
			continue
		}
		if !strings.Contains(re.Msg, c.msgContain) || re.Line != c.line || re.Column != c.col {
			t.Errorf("%s:\n got %d:%d %q\nwant %d:%d ...%q...", c.src, re.Line, re.Column, re.Msg, c.line, c.col, c.msgContain)
		}
	}
}

// TestBadRulePaths: every error names the place in the rule object as a
// client writes it, and actions are checked as the notification pipeline
// will read them.
func TestBadRulePaths(t *testing.T) {
	rule := func(extra string) string {
		return `{"name":"x","conditions":[{"field":"a","value":"1"}]` + extra + `}`
	}
	cases := []struct {
		src, path, msg string
	}{
		{`{"name":"x","conditions":[{"field":"a","operator":"equal","value":"1"}]}`, "conditions[0].operator", `unknown operator "equal"`},
		{`{"name":"x","conditions":[{"field":"a","value":"1","aggregation":{"window":5}}]}`, "conditions[0].aggregation.threshold", `"threshold" is required`},
		{`{"name":"x","severity":"urgent","conditions":[{"field":"a","value":"1"}]}`, "severity", "unknown level"},
		{rule(`,"colour":1`), "colour", `unknown field "colour"`},
		{rule(`,"actions":[{"type":"carrier_pigeon"}]`), "actions[0].type", `unknown action type "carrier_pigeon"`},
		{rule(`,"actions":[{"type":"email","config":{"recipients":["soc@example.com"]}},{"type":"email","config":{"recipients":["not-an-email"]}}]`),
			"actions[1].config.recipients[0]", `"not-an-email" is not an e-mail address`},
		{rule(`,"actions":[{"type":"email","config":{"recipients":"soc@example.com"}}]`), "actions[0].config.recipients", "list of e-mail addresses"},
		{rule(`,"actions":[{"type":"slack","config":{"severity":"urgent"}}]`), "actions[0].config.severity", "must be one of"},
		{rule(`,"actions":[{"type":"slack","config":{"channel":""}}]`), "actions[0].config.channel", "notification channel"},
		{rule(`,"actions":[{"type":"slack","config":{"recipients":["a@example.com"]}}]`), "actions[0].config.recipients", "only e-mail"},
		{rule(`,"actions":[{"type":"webhook","config":{"url":"ftp://example.com/hook"}}]`), "actions[0].config.url", "http"},
		{rule(`,"actions":[{"type":"webhook","config":{"colour":"red"}}]`), "actions[0].config.colour", "not a setting"},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.src))
		var re *Error
		if !errors.As(err, &re) {
			t.Errorf("%s: want *Error, got %v", c.src, err)
			continue
		}
		if re.Path != c.path || !strings.Contains(re.Msg, c.msg) || re.Line == 0 {
			t.Errorf("%s:\n got %s %d:%d %q\nwant %s ...%q...", c.src, re.Path, re.Line, re.Column, re.Msg, c.path, c.msg)
		}
	}
	// The seed's actions, a stored channel and a severity override are
	// all valid.
	for _, a := range []string{
		`{"type":"email","config":{"recipients":["security@example.com"]}}`,
		`{"type":"Slack","config":{"channel":"soc","severity":"high"}}`,
		`{"type":"pagerduty"}`,
		`{"type":"webhook","config":{"url":"https://example.com/hook"}}`,
	} {
		if _, err := Parse([]byte(rule(`,"actions":[` + a + `]`))); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(bruteForce))
	f.Add([]byte(dataExport))
	f.Add([]byte(`{"name":"x","conditions":[{"field":"a","operator":"regex","value":"a+"}]}`))
	f.Add([]byte(`{"Name":"x","severity":"hgh","conditions":[{"field":"servce","opertor":"equals","aggregation":{"window":"5","group_by":[1]}}],"actions":[{"type":"emial"}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		r, err := Parse(src)
		var all Errors
		if errors.As(err, &all) {
			// Every problem of a rule that is JSON has a place in it.
			for _, e := range all {
				if e.Line < 1 || e.Column < 1 {
					t.Fatalf("%q: %v has no position", src, e)
				}
			}
		}
		if err != nil {
			return
		}
		r.Match(ev(event.Fields{"a": "x", "eventType": "LOGIN_FAILURE"}))
	})
}

// TestEveryProblem: a rule with several problems reports each of them,
// with its path and position, in the order of the rule object.
func TestEveryProblem(t *testing.T) {
	cases := []struct {
		src   string
		paths []string
	}{
		{`{"name":"x","severity":"hgh","conditions":[{"field":"eventType","operator":"equalz","value":"x"}],"actions":[{"type":"emial"}]}`,
			[]string{"severity", "conditions[0].operator", "actions[0].type"}},
		{`{"name":"x","conditions":[{"field":"a","operator":"equal","value":"1"},{"field":"","value":"1"},{"field":"b","operator":"regex","value":"("}]}`,
			[]string{"conditions[0].operator", "conditions[1].field", "conditions[2].value"}},
		// A condition without field and with a bad operator: both.
		{`{"conditions":[{"operator":"nope","value":"1"}],"match":"some"}`,
			[]string{"", "match", "conditions[0].field", "conditions[0].operator"}},
		{`{"name":"x","conditions":[{"field":"a","value":"1","aggregation":{"window":5}}],"aggregation":{"threshold":2},
		  "actions":[{"type":"slack","config":{"severity":"urgent"}},{"type":"email","config":{"recipients":["nope"]}}]}`,
			[]string{"conditions[0].aggregation", "aggregation.window", "actions[0].config.severity", "actions[1].config.recipients[0]"}},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.src))
		var all Errors
		if !errors.As(err, &all) {
			t.Errorf("%s: want Errors, got %v", c.src, err)
			continue
		}
		var got []string
		for _, e := range all {
			got = append(got, e.Path)
			if e.Line == 0 || e.Column == 0 {
				t.Errorf("%s: %q has no position", c.src, e.Msg)
			}
		}
		if strings.Join(got, " ") != strings.Join(c.paths, " ") {
			t.Errorf("%s:\n got %q\nwant %q", c.src, got, c.paths)
		}
		var first *Error
		if !errors.As(err, &first) || first != all[0] {
			t.Errorf("%s: errors.As does not find the first problem", c.src)
		}
	}
}

// TestCheckChannels: actions are checked against the organisation's
// channels as the router resolves them (ID, else name in any case).
func TestCheckChannels(t *testing.T) {
	channels := []Channel{
		{ID: "c1", Name: "SOC Slack", Kind: "slack", Enabled: true},
		{ID: "c2", Name: "old-hook", Kind: "webhook", Enabled: false},
		{ID: "c3", Name: "Mail", Kind: "email", Enabled: true},
	}
	rule := func(actions string) string {
		return `{"name":"x","conditions":[{"field":"a","value":"1"}],"actions":[` + actions + `]}`
	}
	cases := []struct {
		actions      string
		errs, warns  []string // paths
		errorContain string
	}{
		{`{"type":"slack","config":{"channel":"c1"}}`, nil, nil, ""},
		{`{"type":"slack","config":{"channel":" soc slack "}}`, nil, nil, ""},
		{`{"type":"slack","config":{"channel":"nonexistent-chan"}}`, []string{"actions[0].config.channel"}, nil, `no notification channel "nonexistent-chan"`},
		{`{"type":"slack"},{"type":"teams","config":{"channel":"Mail"}}`, []string{"actions[1].config.channel"}, nil, "is of type email, not teams"},
		{`{"type":"webhook","config":{"channel":"old-hook"}}`, nil, []string{"actions[0].config.channel"}, ""},
		// Every enabled channel of the kind: none of pagerduty (a disabled
		// webhook does not count either); inline settings need none.
		{`{"type":"pagerduty"},{"type":"webhook"},{"type":"webhook","config":{"url":"https://example.com/h"}},{"type":"email","config":{"recipients":["a@example.com"]}}`,
			nil, []string{"actions[0]", "actions[1]"}, ""},
	}
	for _, c := range cases {
		src := []byte(rule(c.actions))
		r, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", c.actions, err)
		}
		errs, warns := CheckChannels(src, r, channels)
		paths := func(l Errors) (out []string) {
			for _, e := range l {
				out = append(out, e.Path)
				if e.Line == 0 {
					t.Errorf("%s: %q has no position", c.actions, e.Msg)
				}
			}
			return out
		}
		if g, w := paths(errs), c.errs; strings.Join(g, " ") != strings.Join(w, " ") {
			t.Errorf("%s: errors %q, want %q", c.actions, g, w)
		}
		if g, w := paths(warns), c.warns; strings.Join(g, " ") != strings.Join(w, " ") {
			t.Errorf("%s: warnings %q, want %q", c.actions, g, w)
		}
		if c.errorContain != "" && (len(errs) == 0 || !strings.Contains(errs[0].Msg, c.errorContain)) {
			t.Errorf("%s: errors %v, want ...%q...", c.actions, errs, c.errorContain)
		}
	}
}

// TestSendersKeys: a condition on a key as the sender sent it holds for
// the event normalization made of it, for every key normalization does
// not keep (the single value of an ECS object: service, url, agent...),
// alone, in an application's event and beside another value of the
// object's field.
func TestSendersKeys(t *testing.T) {
	n := normalize.New(normalize.Options{})
	norm := func(raw string) *event.Event {
		e := n.Normalize(normalize.Input{OrgID: "o", Input: "http", Received: time.Now(), Raw: []byte(raw)})
		return &e
	}
	rule := func(field, op, value string) *Rule {
		src := fmt.Sprintf(`{"name":"t","conditions":[{"field":%q,"operator":%q,"value":%q}]}`, field, op, value)
		if value == "" {
			src = fmt.Sprintf(`{"name":"t","conditions":[{"field":%q,"operator":%q}]}`, field, op)
		}
		r, err := Parse([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		return r
	}
	dropped := 0
	for _, k := range normalize.KeyAliases() {
		if !k.Dropped {
			continue
		}
		dropped++
		value := "Sent-" + k.Key
		raws := []string{
			fmt.Sprintf(`{"message":"m",%q:%q}`, k.Key, value),
			fmt.Sprintf(`{"eventType":"DATA_EXPORT","userId":"u-7",%q:%q}`, k.Key, value),
		}
		if !strings.HasPrefix(k.Fields[0], "labels.") {
			raws = append(raws, fmt.Sprintf(`{"eventType":"DATA_EXPORT",%q:%q,%q:"another"}`, k.Key, value, k.Fields[0]))
		}
		for _, raw := range raws {
			e := norm(raw)
			if !rule(k.Key, "equals", value).Match(e) || !rule(k.Key, "exists", "").Match(e) {
				t.Errorf("%s: a rule on %q does not match %v", raw, k.Key, e.Fields)
			}
			if rule(k.Key, "not_equals", value).Match(e) || rule(k.Key, "equals", "other").Match(e) {
				t.Errorf("%s: a rule on %q matches another value", raw, k.Key)
			}
		}
	}
	if dropped < 40 {
		t.Fatalf("only %d keys: the table changed?", dropped)
	}

	// The walk-through's application event, every key as sent.
	e := norm(`{"eventType":"DATA_EXPORT","user":"ivy","host":"app01","service":"billing","url":"https://x.example/a","agent":"curl/8.1",` +
		`"process":"java","status":"failure","group":"admins","file":"/etc/passwd","error":"bad password","user_agent":"curl/8.1",` +
		`"source_ip":"10.3.3.3","client_ip":"10.3.3.4","userId":"u-7","record_count":10}`)
	for field, value := range map[string]string{
		"eventType": "DATA_EXPORT", "user": "ivy", "host": "app01", "service": "billing", "url": "https://x.example/a", "agent": "curl/8.1",
		"process": "java", "status": "failure", "group": "admins", "file": "/etc/passwd", "error": "bad password", "user_agent": "curl/8.1",
		"source_ip": "10.3.3.3", "client_ip": "10.3.3.4", "userId": "u-7", "record_count": "10",
		// ECS names and the original API's.
		"service.name": "billing", "user_agent.original": "curl/8.1", "event.action": "DATA_EXPORT", "source.ip": "10.3.3.3",
	} {
		if !rule(field, "equals", value).Match(e) {
			t.Errorf("%s equals %q does not match %v", field, value, e.Fields)
		}
	}
	// In an application's event, agent is the client's user agent.
	if rule("agent.name", "exists", "").Match(e) {
		t.Errorf("agent.name is set: %v", e.Fields)
	}

	// The seed's data export with the service it came from.
	r, err := Parse([]byte(`{"name":"Walk Billing Export","severity":"high","conditions":[
  {"field":"eventType","operator":"equals","value":"DATA_EXPORT"},
  {"field":"service","operator":"equals","value":"billing"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings: %v", r.Warnings)
	}
	seed := norm(`{"timestamp":"2024-02-29T10:00:00Z","eventType":"DATA_EXPORT","user":"ivy","source_ip":"10.3.3.3","service":"billing","record_count":10}`)
	other := norm(`{"timestamp":"2024-02-29T10:00:00Z","eventType":"DATA_EXPORT","user":"ivy","source_ip":"10.3.3.3","service":"portal","record_count":10}`)
	if !r.Match(seed) || r.Match(other) {
		t.Fatalf("billing %v, portal %v", r.Match(seed), r.Match(other))
	}
	// Sigma's names and a Windows event's own data.
	win := &event.Event{Fields: event.Fields{"process.executable": `C:\x\powershell.exe`, "winlog.event_data.TargetUserName": "adm"}}
	if !rule("Image", "endswith", `\powershell.exe`).Match(win) || !rule("TargetUserName", "equals", "adm").Match(win) {
		t.Error("Image or TargetUserName")
	}
}

// TestFieldWarnings: a field name EventSec does not know that is a near
// miss of one it does is a warning at the field's value, with the
// suggestion; keys of one's own close to none are not.
func TestFieldWarnings(t *testing.T) {
	src := `{"name":"x","conditions":[{"field":"servce","value":"billing"},{"field":"record_count","operator":"gt","value":5},` +
		`{"field":"usr.name","value":"ivy"},{"field":"service","value":"billing"},{"field":"host.id","value":"h"},` +
		`{"field":"user.nmae","value":"ivy"}],"aggregation":{"window":5,"threshold":2,"group_by":["source.ip","evenType"]}}`
	r, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ path, guess string }{
		{"conditions[0].field", `did you mean "service"?`},
		{"conditions[2].field", `did you mean "user.name"?`},
		{"conditions[5].field", `did you mean "user.name"?`},
		{"aggregation.group_by[1]", `did you mean "eventType"?`},
	}
	if len(r.Warnings) != len(want) {
		t.Fatalf("warnings %v", r.Warnings)
	}
	for i, w := range want {
		got := r.Warnings[i]
		if got.Path != w.path || !strings.Contains(got.Msg, w.guess) || got.Line != 1 {
			t.Errorf("warning %d: %s %d:%d %q, want %s ...%s...", i, got.Path, got.Line, got.Column, got.Msg, w.path, w.guess)
		}
		// At the field's value.
		if off := strings.Index(src, `"servce"`) + 1; i == 0 && got.Column != off {
			t.Errorf("column %d, want %d", got.Column, off)
		}
	}
	for _, name := range []string{"eventType", "service", "agent", "sourceIP", "user_agent", "service.name", "Image", "TargetUserName",
		"record_count", "users", "resource", "host.id", "event.id", "labels.team", "my.own.key", "@timestamp"} {
		if s := suggestField(name); s != "" {
			t.Errorf("%q: suggested %q", name, s)
		}
	}
}

// TestPositionsAsSent: problems are located in the text as sent, one
// line or many, at the offending value; paths index every list.
func TestPositionsAsSent(t *testing.T) {
	oneLine := `{"name":"Bad JSON rule","severity":"hgh","conditions":[{"field":"eventType","operator":"equalz","value":"x"}],"actions":[{"type":"emial"}]}`
	_, err := Parse([]byte(oneLine))
	var all Errors
	if !errors.As(err, &all) || len(all) != 3 {
		t.Fatalf("%v", err)
	}
	for _, e := range all {
		if e.Line != 1 {
			t.Errorf("%s at line %d of a one-line rule", e.Path, e.Line)
		}
	}
	if want := strings.Index(oneLine, `"hgh"`) + 1; all[0].Column != want {
		t.Errorf("severity at column %d, want %d", all[0].Column, want)
	}
	if want := strings.Index(oneLine, `"equalz"`) + 1; all[1].Column != want {
		t.Errorf("operator at column %d, want %d", all[1].Column, want)
	}
	// Wrong types and unknown fields: every one, with its full path.
	src := "{\n  \"name\": \"x\",\n  \"conditions\": [{\"field\": \"a\", \"value\": \"1\", \"opertor\": \"equals\",\n" +
		"    \"aggregation\": {\"window\": \"5\", \"threshold\": 5, \"group_by\": [\"ok\", 7]}}],\n  \"tags\": \"t\"\n}"
	_, err = Parse([]byte(src))
	if !errors.As(err, &all) {
		t.Fatalf("%v", err)
	}
	want := []struct {
		path      string
		line, col int
		msg       string
	}{
		{"conditions[0].opertor", 3, 47, `unknown field "conditions[0].opertor"`},
		{"conditions[0].aggregation.window", 4, 31, "must be a number, not a string"},
		{"conditions[0].aggregation.group_by[1]", 4, 71, "must be a string, not a number"},
		{"tags", 5, 11, "must be a list, not a string"},
	}
	if len(all) != len(want) {
		t.Fatalf("%v", all)
	}
	for i, w := range want {
		if e := all[i]; e.Path != w.path || e.Line != w.line || e.Column != w.col || !strings.Contains(e.Msg, w.msg) {
			t.Errorf("got %s %d:%d %q\nwant %s %d:%d ...%q...", e.Path, e.Line, e.Column, e.Msg, w.path, w.line, w.col, w.msg)
		}
	}
	// Keys match as encoding/json matches them: in any case, the last
	// of a repeated key winning.
	r, err := Parse([]byte(`{"Name":"x","conditions":[{"field":"a","value":"1"}],"severity":"low","severity":"bad"}`))
	if !errors.As(err, &all) || r != nil || all[0].Path != "severity" || all[0].Column != 82 {
		t.Fatalf("%v", err)
	}
	// An empty group-by name is at its place in the list.
	_, err = Parse([]byte(`{"name":"x","conditions":[{"field":"a","value":"1","aggregation":{"window":5,"threshold":2,"group_by":["a"," "]}}]}`))
	if !errors.As(err, &all) || all[0].Path != "conditions[0].aggregation.group_by[1]" || all[0].Column != 108 {
		t.Fatalf("%v", err)
	}
	// Too deep to be a rule.
	_, err = Parse([]byte(strings.Repeat("[", 100) + strings.Repeat("]", 100)))
	var one *Error
	if !errors.As(err, &one) || !strings.Contains(one.Msg, "nested") {
		t.Fatalf("%v", err)
	}
}
