package correlate

import (
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func parseText(t testing.TB, text string) (*Rule, error) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatalf("test YAML does not decode: %v", err)
	}
	return Parse(&doc, "test.yml")
}

func mustParse(t testing.TB, text string) *Rule {
	t.Helper()
	r, err := parseText(t, text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return r
}

func TestParseDuration(t *testing.T) {
	good := map[string]time.Duration{
		"1s": time.Second, "30s": 30 * time.Second, "5m": 5 * time.Minute, "90m": 90 * time.Minute,
		"1h": time.Hour, "24h": 24 * time.Hour, "1d": 24 * time.Hour, "2w": 14 * 24 * time.Hour,
		"007s": 7 * time.Second,
	}
	for in, want := range good {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, err := ParseDuration(formatDuration(got)); err != nil || back != got {
			t.Errorf("round trip of %q through %q failed: %v %v", in, formatDuration(got), back, err)
		}
	}
	for _, in := range []string{"", "s", "1", "0s", "-1s", "+1s", "1.5h", "1H", "1h30m", " 1h", "1h ", "1y", "1ms",
		"99999999999999999999s", "4000d", "9223372036854775807s"} {
		if d, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}

func TestParseSpecExamples(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		text string
		want Correlation
	}{
		{"event_count", `
title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
correlation:
    type: event_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
    timespan: 1h
    condition:
        gte: 100
`, Correlation{Type: EventCount, Rules: []string{"5638f7c0-ac70-491d-8465-2a65075e0d86"}, GroupBy: []string{"ComputerName"},
			Timespan: time.Hour, Condition: Condition{GTE: f(100)}}},
		{"value_count", `
title: Failed login
id: 0e95725d-7320-415d-80f7-004da920fc12
correlation:
    type: value_count
    rules:
        - 5638f7c0-ac70-491d-8465-2a65075e0d86
    group-by:
        - ComputerName
        - WorkstationName
    timespan: 1d
    condition:
        field: User
        gte: 100
`, Correlation{Type: ValueCount, Rules: []string{"5638f7c0-ac70-491d-8465-2a65075e0d86"}, GroupBy: []string{"ComputerName", "WorkstationName"},
			Timespan: 24 * time.Hour, Condition: Condition{GTE: f(100), Field: "User", Fields: []string{"User"}}}},
		{"temporal", `
title: Recon
correlation:
    type: temporal
    rules:
        - recon_cmd_a
        - recon_cmd_b
        - recon_cmd_c
    group-by:
        - ComputerName
        - User
    timespan: 5m
`, Correlation{Type: Temporal, Rules: []string{"recon_cmd_a", "recon_cmd_b", "recon_cmd_c"}, GroupBy: []string{"ComputerName", "User"},
			Timespan: 5 * time.Minute}},
		{"temporal_ordered", `
title: brute force then success
correlation:
    type: temporal_ordered
    rules:
        - many_failed_logins
        - successful_login
    group-by:
        - User
    timespan: 1h
`, Correlation{Type: TemporalOrdered, Rules: []string{"many_failed_logins", "successful_login"}, GroupBy: []string{"User"}, Timespan: time.Hour}},
		{"value_sum", `
title: Possible Exfiltration to Website
correlation:
    type: value_sum
    rules:
        - website_access
    group-by:
        - SourceIP
        - User
    timespan: 1h
    condition:
        field: bytes_sent
        gt: 1000000
`, Correlation{Type: ValueSum, Rules: []string{"website_access"}, GroupBy: []string{"SourceIP", "User"}, Timespan: time.Hour,
			Condition: Condition{GT: f(1000000), Field: "bytes_sent", Fields: []string{"bytes_sent"}}}},
		{"value_avg", `
title: Suspicious average network traffic
correlation:
    type: value_avg
    rules:
        - rule_a_id
    group-by:
        - SourceIP
        - User
    timespan: 24h
    condition:
        field: BytesOut
        gt: 500.5
`, Correlation{Type: ValueAvg, Rules: []string{"rule_a_id"}, GroupBy: []string{"SourceIP", "User"}, Timespan: 24 * time.Hour,
			Condition: Condition{GT: f(500.5), Field: "BytesOut", Fields: []string{"BytesOut"}}}},
		{"value_percentile", `
title: A computer spawned a processes name in the last 24h than 1% of all the processes.
correlation:
    type: value_percentile
    rules:
        - process_creation
    group-by:
        - ComputerName
    timespan: 24h
    condition:
        field: image
        lte: 1
`, Correlation{Type: ValuePercentile, Rules: []string{"process_creation"}, GroupBy: []string{"ComputerName"}, Timespan: 24 * time.Hour,
			Condition: Condition{LTE: f(1), Field: "image", Fields: []string{"image"}}}},
		{"range and aliases", `
title: aliases
correlation:
    type: temporal
    rules:
        - internal_error
        - new_network_connection
    group-by:
        - internal_ip
        - remote_ip
    timespan: 10s
    aliases:
        internal_ip:
            internal_error: destination.ip
            new_network_connection: source.ip
        remote_ip:
            internal_error: source.ip
            new_network_connection: destination.ip
`, Correlation{Type: Temporal, Rules: []string{"internal_error", "new_network_connection"}, GroupBy: []string{"internal_ip", "remote_ip"},
			Timespan: 10 * time.Second, Aliases: map[string]map[string]string{
				"internal_ip": {"internal_error": "destination.ip", "new_network_connection": "source.ip"},
				"remote_ip":   {"internal_error": "source.ip", "new_network_connection": "destination.ip"},
			}}},
		{"range", `
title: between
name: between
correlation:
    type: event_count
    rules: [a]
    timespan: 10m
    condition: {gt: 100, lte: 200}
`, Correlation{Type: EventCount, Rules: []string{"a"}, Timespan: 10 * time.Minute, Condition: Condition{GT: f(100), LTE: f(200)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustParse(t, tt.text)
			got := r.Correlation
			if got.Type != tt.want.Type || strings.Join(got.Rules, ",") != strings.Join(tt.want.Rules, ",") ||
				strings.Join(got.GroupBy, ",") != strings.Join(tt.want.GroupBy, ",") || got.Timespan != tt.want.Timespan ||
				got.Condition.String() != tt.want.Condition.String() || len(got.Aliases) != len(tt.want.Aliases) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
			for a, m := range tt.want.Aliases {
				for ref, f := range m {
					if got.Aliases[a][ref] != f {
						t.Errorf("alias %s.%s = %q, want %q", a, ref, got.Aliases[a][ref], f)
					}
				}
			}
			if r.Line != 2 || r.File != "test.yml" {
				t.Errorf("position = %s:%d, want test.yml:2", r.File, r.Line)
			}
		})
	}
}

const specChain = `title: Correlation - Multiple Failed Logins Followed by Successful Login
id: b180ead8-d58f-40b2-ae54-c8940995b9b6
status: experimental
description: Detects multiple failed logins by a single user followed by a successful login of that user
references:
    - https://reference.com
author: Florian Roth (Nextron Systems)
date: 2023-06-16
correlation:
    type: temporal_ordered
    rules:
        - multiple_failed_login
        - successful_login
    group-by:
        - User
    timespan: 10m
falsepositives:
    - Unlikely
level: high
---
title: Multiple failed logons
id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41
description: Detects multiple failed logins within a certain amount of time
name: multiple_failed_login
correlation:
    type: event_count
    rules:
        - failed_login
    group-by:
        - User
    timespan: 10m
    condition:
        gte: 10
---
title: Single failed login
id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
name: failed_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 529
            - 4625
    condition: selection
---
title: Successful login
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
description: Detects a successful login
name: successful_login
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID:
            - 528
            - 4624
    condition: selection
`

func TestParseAllSpecChain(t *testing.T) {
	rules, err := ParseAll([]byte(specChain), "chain.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("got %d correlation rules, want 2", len(rules))
	}
	outer, inner := rules[0], rules[1]
	if outer.ID != "b180ead8-d58f-40b2-ae54-c8940995b9b6" || outer.Level != "high" || outer.Status != "experimental" ||
		outer.Author != "Florian Roth (Nextron Systems)" || outer.Date != "2023-06-16" ||
		len(outer.FalsePositives) != 1 || len(outer.References) != 1 || outer.Line != 1 {
		t.Errorf("outer rule metadata wrong: %+v", outer)
	}
	if inner.Name != "multiple_failed_login" || inner.Correlation.Type != EventCount || inner.Line != 21 {
		t.Errorf("inner rule wrong: name %q type %v line %d", inner.Name, inner.Correlation.Type, inner.Line)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line, col  int
		msg        string
	}{
		{"not a mapping", "- a\n- b\n", 1, 1, "must be a mapping"},
		{"no title", "correlation:\n  type: temporal\n", 1, 1, "title is required"},
		{"no timespan", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  condition: {gte: 3}\n", 2, 1, "timespan is required"},
		{"bad timespan", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5 minutes\n  condition: {gte: 3}\n", 5, 13, "whole number"},
		{"bad type", "title: x\ncorrelation:\n  type: event_sum\n  rules: [a]\n  timespan: 5m\n", 3, 9, `correlation type "event_sum"`},
		{"no type", "title: x\ncorrelation:\n  rules: [a]\n  timespan: 5m\n", 2, 1, "correlation.type is required"},
		{"no rules", "title: x\ncorrelation:\n  type: temporal\n  timespan: 5m\n", 2, 1, "correlation.rules is required"},
		{"empty rules", "title: x\ncorrelation:\n  type: event_count\n  rules: []\n  timespan: 5m\n  condition: {gte: 1}\n", 4, 10, "at least one rule"},
		{"temporal one rule", "title: x\ncorrelation:\n  type: temporal\n  rules: [a]\n  timespan: 5m\n", 4, 10, "at least 2 rules"},
		{"temporal field", "title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n  condition: {gte: 2, field: User}\n", 6, 14, "does not take condition.field"},
		{"temporal too many", "title: x\ncorrelation:\n  type: temporal_ordered\n  rules: [a, b]\n  timespan: 5m\n  condition: {gte: 3}\n", 6, 14, "more than the 2 rules"},
		{"value_count no field", "title: x\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 3}\n", 6, 14, "needs condition.field"},
		{"value_sum two fields", "title: x\ncorrelation:\n  type: value_sum\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 3, field: [a, b]}\n", 6, 14, "aggregates one field"},
		{"event_count no condition", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n", 2, 1, "needs correlation.condition"},
		{"event_count field", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 3, field: x}\n", 6, 14, "does not take condition.field"},
		{"condition no bound", "title: x\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: 5m\n  condition: {field: x}\n", 6, 14, "needs a condition"},
		{"condition unknown op", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    ge: 3\n", 7, 5, `unknown condition key "ge"`},
		{"condition not number", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    gte: many\n", 7, 10, "must be a number"},
		{"condition fraction", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    gte: 2.5\n", 7, 5, "whole number"},
		{"condition negative", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    gte: -1\n", 7, 5, "must not be negative"},
		{"empty range", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    gt: 10\n    lt: 5\n", 7, 5, "range is empty"},
		{"gt and gte", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    gt: 10\n    gte: 5\n", 7, 5, "both gt and gte"},
		{"lt zero", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    lt: 0\n", 7, 5, "never hold"},
		{"eq combined", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n  condition:\n    eq: 3\n    neq: 4\n", 7, 5, "eq cannot be combined"},
		{"unknown corr key", "title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  groupby: [User]\n  timespan: 5m\n  condition: {gte: 1}\n", 5, 3, `unknown correlation key "groupby"`},
		{"duplicate key", "title: x\ntitle: y\ncorrelation: {}\n", 2, 1, `key "title" twice`},
		{"duplicate rule", "title: x\ncorrelation:\n  type: temporal\n  rules: [a, a]\n  timespan: 5m\n", 4, 10, `"a" is listed twice`},
		{"self reference", "title: x\nname: me\ncorrelation:\n  type: temporal\n  rules: [a, me]\n  timespan: 5m\n", 5, 10, "refers to the correlation itself"},
		{"group-by twice", "title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  group-by: [U, U]\n  timespan: 5m\n", 5, 13, "listed twice"},
		{"alias unknown rule", "title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  group-by: [ip]\n  timespan: 5m\n  aliases:\n    ip:\n      c: source.ip\n", 8, 5, `maps rule "c", which is not in rules`},
		{"alias not mapping", "title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n  aliases:\n    ip: source.ip\n", 7, 9, "must be a mapping"},
		{"bad level", "title: x\nlevel: urgent\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n", 2, 8, `level "urgent"`},
		{"bad generate", "title: x\ngenerate: maybe\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n", 2, 11, "true or false"},
		{"detection", "title: x\ndetection: {}\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n", 2, 1, "cannot have detection"},
		{"rules not list", "title: x\ncorrelation:\n  type: temporal\n  rules: {a: 1}\n  timespan: 5m\n", 4, 10, "list of strings"},
		{"title too long", "title: " + strings.Repeat("t", 257) + "\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n", 1, 8, "more than 256"},
		{"percentile elsewhere", "title: x\ncorrelation:\n  type: value_sum\n  rules: [a]\n  timespan: 5m\n  condition: {gte: 3, field: b, percentile: 90}\n", 6, 14, "only valid for value_percentile"},
		{"percentile range", "title: x\ncorrelation:\n  type: value_percentile\n  rules: [a]\n  timespan: 5m\n  condition:\n    gte: 3\n    field: b\n    percentile: 150\n", 9, 17, "at most 100"},
		{"share over 100", "title: x\ncorrelation:\n  type: value_percentile\n  rules: [a]\n  timespan: 5m\n  condition: {gt: 100, field: b}\n", 6, 14, "from 0 to 100"},
		{"no correlation", "title: x\n", 1, 1, "correlation is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseText(t, tt.text)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if !errors.Is(err, ErrInvalidRule) {
				t.Errorf("error %v does not wrap ErrInvalidRule", err)
			}
			if pe.Line != tt.line || pe.Column != tt.col || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %v\nwant test.yml:%d:%d: ...%s...", err, tt.line, tt.col, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "test.yml:") {
				t.Errorf("Error() = %q, want file:line:col prefix", err.Error())
			}
		})
	}
}

func TestParseGenerateInCorrelation(t *testing.T) {
	r := mustParse(t, "title: x\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n  generate: true\n")
	if !r.Generate {
		t.Error("generate inside correlation was not read")
	}
	r = mustParse(t, "title: x\ngenerate: true\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  timespan: 5m\n  condition: {gte: 1}\n")
	if !r.Generate || r.Correlation.Condition.GTE == nil {
		t.Error("top-level generate or temporal condition not read")
	}
}

func TestParseYAMLAnchors(t *testing.T) {
	r := mustParse(t, "title: x\nx-rules: &r [a, b]\ncorrelation:\n  type: temporal\n  rules: *r\n  timespan: 5m\n")
	if len(r.Correlation.Rules) != 2 {
		t.Errorf("rules through an alias = %v", r.Correlation.Rules)
	}
}

func TestIsCorrelation(t *testing.T) {
	var doc yaml.Node
	_ = yaml.Unmarshal([]byte("title: x\ndetection: {}\n"), &doc)
	if IsCorrelation(&doc) {
		t.Error("detection rule taken for a correlation")
	}
	_ = yaml.Unmarshal([]byte("title: x\ncorrelation: {}\n"), &doc)
	if !IsCorrelation(&doc) {
		t.Error("correlation rule not recognised")
	}
	if IsCorrelation(nil) {
		t.Error("nil taken for a correlation")
	}
}

func TestValidateBuiltRule(t *testing.T) {
	r := &Rule{Title: "x", ID: "x", Correlation: Correlation{Type: EventCount, Rules: []string{"a"}, Timespan: time.Minute}}
	if err := r.Validate(); err == nil || !errors.Is(err, ErrInvalidRule) {
		t.Errorf("Validate without condition = %v, want ErrInvalidRule", err)
	}
	n := 3.0
	r.Correlation.Condition.GTE = &n
	if err := r.Validate(); err != nil {
		t.Errorf("Validate = %v", err)
	}
	r.Correlation.Type = 99
	if err := r.Validate(); err == nil {
		t.Error("Validate accepted an unknown type")
	}
}
