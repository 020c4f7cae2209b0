package sca

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

const minimalPolicy = `
id: demo
name: Demo policy
description: A small policy.
platforms: [debian]
references: [https://example.org/guide]
checks:
  - id: demo.one
    title: One
    rationale: Why.
    remediation: How.
    references: https://example.org/one
    compliance: {cis_debian12: 5.1.20, pci_dss: "2.2"}
    severity: high
    requires: &etc {all: [{file: /etc}]}
    all:
      - file: /etc/passwd
        mode_max: 0644
        owner: [root, 0]
      - any:
          - {sysctl: net.ipv4.ip_forward, compare: "== 0"}
          - {package: telnet, installed: false, not: true}
  - id: demo.two
    title: Two
    requires: *etc
    none:
      - command: [true]
        timeout: 5s
        exit_code: 0
`

func TestLoad(t *testing.T) {
	p, err := Load([]byte(minimalPolicy))
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "demo" || p.Name != "Demo policy" || len(p.Checks) != 2 || p.Platforms[0] != "debian" || len(p.Digest) != 64 {
		t.Fatalf("unexpected policy %+v", p)
	}
	c := p.Checks[0]
	if c.Severity != SeverityHigh || c.Compliance["cis_debian12"] != "5.1.20" || c.Compliance["pci_dss"] != "2.2" || c.References[0] != "https://example.org/one" {
		t.Errorf("unexpected check %+v", c)
	}
	if c.cond.op != opAll || len(c.cond.rules) != 2 || c.cond.rules[1].kind != kindCond || !c.cond.rules[1].cond.rules[1].not {
		t.Errorf("rules not compiled as written: %+v", c.cond)
	}
	if r := c.cond.rules[0]; *r.modeMax != 0o644 || len(r.owners) != 2 {
		t.Errorf("file rule: mode %v owners %v", r.modeMax, r.owners)
	}
	if p.Checks[1].Severity != SeverityMedium || p.Checks[1].requires == nil {
		t.Errorf("second check: severity %q, requires %v", p.Checks[1].Severity, p.Checks[1].requires)
	}
}

func TestLoadErrors(t *testing.T) {
	// head is a valid policy start; cases append their checks.
	const head = "id: p\nname: P\nchecks:\n"
	tests := []struct {
		name, doc     string
		line, column  int
		check, reason string
	}{
		{"yaml syntax", "id: p\nname: P\n  bad: indent\n", 3, 0, "", "mapping values are not allowed"},
		{"unclosed quote", "id: p\nchecks:\n  - id: x\n    title: 'abc\n", 4, 0, "", "unexpected end of stream"},
		{"empty", "", 1, 0, "", "empty policy"},
		{"not a mapping", "- a\n", 1, 1, "", "the policy must be a mapping"},
		{"unknown policy field", "idd: p\n", 1, 1, "", `unknown field "idd"`},
		{"bad policy id", "id: Bad Id\nname: P\nchecks: []\n", 1, 5, "", "lower case"},
		{"no checks", "id: p\nname: P\n", 1, 1, "", "no checks"},
		{"empty checks", "id: p\nname: P\nchecks: []\n", 3, 9, "", "non-empty list"},
		{"no id", head + "  - title: T\n    all: [{file: /x}]\n", 4, 5, "", "no id"},
		{"unknown check field", head + "  - id: c1\n    titel: T\n    all: [{file: /x}]\n", 5, 5, "c1", `unknown field "titel"`},
		{"no title", head + "  - id: c1\n    all: [{file: /x}]\n", 4, 5, "c1", "no title"},
		{"no rules", head + "  - id: c1\n    title: T\n", 4, 5, "c1", "no rules"},
		{"two conditions", head + "  - id: c1\n    title: T\n    all: [{file: /x}]\n    any: [{file: /y}]\n", 7, 5, "c1", "exactly one of all, any or none"},
		{"bad severity", head + "  - id: c1\n    title: T\n    severity: urgent\n    all: [{file: /x}]\n", 6, 15, "c1", `severity "urgent"`},
		{"duplicate id", head + "  - id: c1\n    title: T\n    all: [{file: /x}]\n  - id: c1\n    title: U\n    all: [{file: /x}]\n", 7, 5, "c1", "already used at line 4"},
		{"duplicate field", head + "  - id: c1\n    title: T\n    title: U\n    all: [{file: /x}]\n", 6, 5, "c1", `duplicate field "title"`},
		{"bad regex", head + "  - id: c1\n    title: T\n    all:\n      - file: /etc/x\n        line: '(['\n", 8, 15, "c1", "not a valid regular expression"},
		{"two kinds", head + "  - id: c1\n    title: T\n    all:\n      - file: /etc/x\n        dir: /etc\n", 8, 9, "c1", `"dir" comes after "file"`},
		{"field of another kind", head + "  - id: c1\n    title: T\n    all:\n      - file: /etc/x\n        enabled: true\n", 8, 9, "c1", `field "enabled" does not apply to a file rule`},
		{"nothing to test", head + "  - id: c1\n    title: T\n    all:\n      - not: true\n", 7, 9, "c1", "says nothing to test"},
		{"relative path", head + "  - id: c1\n    title: T\n    all: [{file: etc/x}]\n", 6, 18, "c1", "absolute path"},
		{"bad compare", head + "  - id: c1\n    title: T\n    all: [{sysctl: a.b, compare: about 3}]\n", 6, 34, "c1", "compare"},
		{"bad mode", head + "  - id: c1\n    title: T\n    all: [{file: /x, mode_max: 0999}]\n", 6, 32, "c1", "octal mode"},
		{"value without line", head + "  - id: c1\n    title: T\n    all: [{file: /x, value: a}]\n", 6, 29, "c1", "give line too"},
		{"first_match without line", head + "  - id: c1\n    title: T\n    all: [{file: /x, first_match: true}]\n", 6, 11, "c1", "give line too"},
		{"sysctl without test", head + "  - id: c1\n    title: T\n    all: [{sysctl: kernel.x}]\n", 6, 11, "c1", "needs value"},
		{"sysctl path", head + "  - id: c1\n    title: T\n    all: [{sysctl: ../etc/passwd, value: x}]\n", 6, 20, "c1", "dotted key"},
		{"service without state", head + "  - id: c1\n    title: T\n    all: [{service: cron}]\n", 6, 11, "c1", "enabled or active"},
		{"module without state", head + "  - id: c1\n    title: T\n    all: [{kernel_module: udf}]\n", 6, 11, "c1", "loaded, disabled or blacklisted"},
		{"command as string", head + "  - id: c1\n    title: T\n    all: [{command: 'ls -l'}]\n", 6, 21, "c1", "must be a list"},
		{"bad timeout", head + "  - id: c1\n    title: T\n    all: [{command: [ls], timeout: forever}]\n", 6, 36, "c1", "timeout"},
		{"exists false with content", head + "  - id: c1\n    title: T\n    all: [{file: /x, exists: false, line: a}]\n", 6, 11, "c1", "exists: false"},
		{"bool expected", head + "  - id: c1\n    title: T\n    all: [{package: x, installed: maybe}]\n", 6, 35, "c1", "true or false"},
		{"rule not a mapping", head + "  - id: c1\n    title: T\n    all: [/etc/passwd]\n", 6, 11, "c1", "must be a mapping"},
		{"empty rule list", head + "  - id: c1\n    title: T\n    none: []\n", 6, 11, "c1", "non-empty list"},
		{"requires unknown", head + "  - id: c1\n    title: T\n    requires: {every: [{file: /x}]}\n    all: [{file: /x}]\n", 6, 16, "c1", `unknown field "every"`},
		{"too deep", head + "  - id: c1\n    title: T\n    all: [{all: [{all: [{all: [{all: [{all: [{all: [{all: [{all: [{all: [{file: /x}]}]}]}]}]}]}]}]}]}]\n", 6, 68, "c1", "nested more than 8 deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.doc))
			if err == nil {
				t.Fatal("Load accepted the policy")
			}
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Errorf("error %v does not wrap ErrInvalidPolicy", err)
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %T is not a *LoadError", err)
			}
			if le.Line != tt.line || le.Column != tt.column || le.Check != tt.check || !strings.Contains(le.Msg, tt.reason) {
				t.Errorf("got line %d column %d check %q: %s\nwant line %d column %d check %q: ...%s...",
					le.Line, le.Column, le.Check, le.Msg, tt.line, tt.column, tt.check, tt.reason)
			}
		})
	}
}

func TestLoadAliasBomb(t *testing.T) {
	// Each level doubles the rules: 2^30 rules from 30 lines.
	var b strings.Builder
	b.WriteString("id: p\nname: P\nx0: &a0 [{file: /x}]\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [{all: *a%d}, {all: *a%d}]\n", i, i, i-1, i-1)
	}
	b.WriteString("checks:\n  - id: c\n    title: T\n    all: *a30\n")
	_, err := Load([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "unknown field \"x0\"") {
		t.Fatalf("got %v", err)
	}
	// Within the nesting limit, width does the damage: 10^7 rules.
	b.Reset()
	b.WriteString("id: p\nname: P\nchecks:\n  - id: c0\n    title: T\n    all: [&r0 {file: /x}]\n")
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&b, "  - id: c%d\n    title: T\n    all: [&r%d {any: [%s]}]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*r%d, ", i-1), 10), ", "))
	}
	_, err = Load([]byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "too large once its aliases are expanded") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadErrorText(t *testing.T) {
	err := &LoadError{Line: 12, Column: 5, Check: "ssh-root", Msg: `unknown field "fiel"`}
	want := `invalid policy: line 12, column 5: check "ssh-root": unknown field "fiel"`
	if err.Error() != want {
		t.Errorf("got %q, want %q", err.Error(), want)
	}
}

func TestLoadTooLarge(t *testing.T) {
	_, err := Load(make([]byte, maxPolicyBytes+1))
	if !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("got %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimalPolicy))
	data, err := builtinFS.ReadFile("policies/debian-baseline.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("id: p\nname: P\nchecks:\n  - id: c\n    title: T\n    all: [{all: [{file: /x, line: '^a(b)', compare: '> 1, <= 2'}]}]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load(data)
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) || !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("error of the wrong kind: %T %v", err, err)
			}
			return
		}
		if p.ID == "" || p.Name == "" || len(p.Checks) == 0 {
			t.Fatalf("Load accepted an incomplete policy: %+v", p)
		}
		for _, c := range p.Checks {
			if c.ID == "" || c.Title == "" || len(c.cond.rules) == 0 {
				t.Fatalf("incomplete check %+v", c)
			}
		}
	})
}
