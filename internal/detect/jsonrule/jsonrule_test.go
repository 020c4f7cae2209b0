package jsonrule

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
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
		{`{"name":"x","conditions":"all"}`, 1, 31, "must be a list"},
		{"{\"name\":\"x\",\n\"conditions\":[", 2, 15, "unexpected end"},
		{`{"name":"x","conditions":[{"field":"a","value":"1"}]} {}`, 1, 56, "after the rule"},
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
	f.Fuzz(func(t *testing.T, src []byte) {
		r, err := Parse(src)
		if err != nil {
			return
		}
		r.Match(ev(event.Fields{"a": "x", "eventType": "LOGIN_FAILURE"}))
	})
}
