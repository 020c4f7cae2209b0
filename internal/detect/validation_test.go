package detect

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// TestDuplicatesInOneFile: two documents of one file with the same id or
// the same Sigma name are refused, at the second id: or name: key,
// naming the line of the first.
func TestDuplicatesInOneFile(t *testing.T) {
	doc := func(id, name, msg string) string {
		s := "title: " + msg + "\nid: " + id + "\n"
		if name != "" {
			s += "name: " + name + "\n"
		}
		return s + "logsource: {definition: any}\ndetection:\n  sel: {message: " + msg + "}\n  condition: sel\n"
	}
	cases := []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"same name", doc("5a0b6c1d-0000-4000-8000-00000000d001", "same_n", "a") + "---\n" + doc("5a0b6c1d-0000-4000-8000-00000000d002", "same_n", "b"),
			11, 1, `duplicate name "same_n" (first at line 3)`},
		{"same id", doc("5a0b6c1d-0000-4000-8000-00000000d001", "", "a") + "---\n" + doc("5a0b6c1d-0000-4000-8000-00000000d001", "", "b"),
			9, 1, "duplicate rule id 5a0b6c1d-0000-4000-8000-00000000d001 (first at line 2)"},
		// A name is one namespace with ids: correlations name either.
		{"name of another's id", doc("5a0b6c1d-0000-4000-8000-00000000d001", "", "a") + "---\n" + doc("5a0b6c1d-0000-4000-8000-00000000d002", "5a0b6c1d-0000-4000-8000-00000000d001", "b"),
			10, 1, `duplicate name "5a0b6c1d-0000-4000-8000-00000000d001" (first at line 2)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, problems := Compile(FormatSigma, c.src, "multi.yml")
			if len(problems) != 1 || problems[0].Line != c.line || problems[0].Column != c.col || !strings.Contains(problems[0].Message, c.msg) {
				t.Fatalf("got %+v\nwant %d:%d ...%s...", problems, c.line, c.col, c.msg)
			}
		})
	}
	// Different names compile.
	src := doc("5a0b6c1d-0000-4000-8000-00000000d001", "n1", "a") + "---\n" + doc("5a0b6c1d-0000-4000-8000-00000000d002", "n2", "b")
	if _, problems := Compile(FormatSigma, src, ""); len(problems) > 0 {
		t.Fatal(problems)
	}
}

// TestImportFailurePositions: an import's failure about an id or a name
// is at that id: or name: line of the document, and says whether the file
// was refused (a valid rule the org cannot take) or is no valid rule.
func TestImportFailurePositions(t *testing.T) {
	f := newFixture(t)
	if _, err := f.svc.Import(f.ctx, actor, []ImportFile{{Name: "windows/cleared.yml", Source: []byte(clearedLog)}}, ImportOptions{Pack: BuiltinPack}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Create(f.ctx, actor, RuleInput{Source: h2Base}); err != nil {
		t.Fatal(err)
	}
	// The second document reuses the built-in rule's id.
	multi := "title: First\nid: 5a0b6c1d-0000-4000-8000-00000000e001\nlogsource: {definition: any}\ndetection:\n  sel: {message: a}\n  condition: sel\n" +
		"---\n" + strings.Replace(clearedLog, "EventID: 1102", "EventID: 4624", 1)
	// The name is the stored correlation base's.
	named := "title: Named\nstatus: test\nid: 5a0b6c1d-0000-4000-8000-00000000e002\nname: failed_logon_h2\nlogsource: {definition: any}\ndetection:\n  sel: {message: b}\n  condition: sel\n"
	rep, err := f.svc.Import(f.ctx, actor, []ImportFile{
		{Name: "multi.yml", Source: []byte(multi)},
		{Name: "named.yml", Source: []byte(named)},
		{Name: "broken.yml", Source: []byte("title: broken\nid: 5a0b6c1d-0000-4000-8000-00000000e003\nlogsource: {product: windows}\ndetection:\n  condition: nothing\n")},
		{Name: "rule.json", Source: []byte(`{"id": "json-dup",
  "name": "Login failures", "conditions": [{"field": "eventType", "value": "LOGIN_FAILURE"}]}`)},
		{Name: "same.json", Source: []byte(`{"name": "Other", "id": "json-dup", "conditions": [{"field": "eventType", "value": "X"}]}`)},
	}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		line, col int
		status    string
		msg       string
	}{
		"multi.yml":  {9, 1, FailedRefused, "duplicate rule id 13ce3503-d40c-4f47-8342-a13ac312178a"},
		"named.yml":  {4, 1, FailedRefused, `duplicate name "failed_logon_h2"`},
		"broken.yml": {5, 3, FailedUnreadable, "no search identifier"},
		"same.json":  {1, 25, FailedRefused, "duplicate rule id json-dup: also in rule.json"},
	}
	if len(rep.Failed) != len(want) || rep.Loaded != 1 {
		t.Fatalf("report: %+v", rep)
	}
	for _, p := range rep.Failed {
		w, ok := want[p.File]
		if !ok || p.Line != w.line || p.Column != w.col || p.Status != w.status || !strings.Contains(p.Message, w.msg) {
			t.Errorf("%s: got %d:%d %s %q, want %d:%d %s ...%q...", p.File, p.Line, p.Column, p.Status, p.Message, w.line, w.col, w.status, w.msg)
		}
	}
}

// TestJSONRuleChannels: a JSON rule's action naming a notification
// channel the org lacks, or one of another type, is refused on create,
// update and import; an action that sends through every enabled channel
// of its type warns when the org has none.
func TestJSONRuleChannels(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	for _, c := range []store.NotifyChannel{
		{ID: "ch-slack", Name: "SOC Slack", Kind: "slack", Enabled: true},
		{ID: "ch-hook", Name: "Old hook", Kind: "webhook", Enabled: false},
	} {
		c.OrgID, c.Config, c.CreatedAt, c.UpdatedAt = f.org, []byte(`{}`), now, now
		if err := f.st.Notify().Create(f.ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	rule := func(id, actions string) string {
		return `{"id":"` + id + `","name":"Rule ` + id + `","conditions":[{"field":"eventType","value":"x"}],"actions":[` + actions + `]}`
	}
	cases := []struct {
		actions string
		errPath string // "" when the rule is saved
		warns   []string
	}{
		{`{"type":"slack","config":{"channel":"nonexistent-chan"}}`, "actions[0].config.channel", nil},
		{`{"type":"teams","config":{"channel":"soc slack"}}`, "actions[0].config.channel", nil},
		{`{"type":"slack","config":{"channel":"soc slack"}}`, "", nil},
		{`{"type":"slack","config":{"channel":"ch-slack"}},{"type":"webhook","config":{"channel":"old hook"}}`, "", []string{"actions[1].config.channel"}},
		{`{"type":"slack"},{"type":"pagerduty"},{"type":"webhook"}`, "", []string{"actions[1]", "actions[2]"}},
	}
	for i, c := range cases {
		id := "jr-" + string(rune('a'+i))
		src := rule(id, c.actions)
		_, err := f.svc.Create(f.ctx, actor, RuleInput{Format: FormatJSON, Source: src})
		var ire *InvalidRuleError
		if c.errPath != "" {
			if !errors.As(err, &ire) || len(ire.Problems) != 1 || ire.Problems[0].Path != c.errPath || ire.Problems[0].Line == 0 {
				t.Errorf("%s: create: %v", c.actions, err)
			}
			rep, err := f.svc.Import(f.ctx, actor, []ImportFile{{Name: id + ".json", Source: []byte(src)}}, ImportOptions{})
			if err != nil || len(rep.Failed) != 1 || rep.Failed[0].Path != c.errPath || rep.Failed[0].Status != FailedRefused {
				t.Errorf("%s: import: %v %+v", c.actions, err, rep)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: create: %v", c.actions, err)
			continue
		}
		u, _ := Compile(FormatJSON, src, "")
		w, err := f.svc.Warnings(f.ctx, f.org, u)
		var got []string
		for _, x := range w {
			got = append(got, x.Path)
		}
		if err != nil || strings.Join(got, " ") != strings.Join(c.warns, " ") {
			t.Errorf("%s: warnings %v %+v, want %q", c.actions, err, w, c.warns)
		}
	}
	// Update checks the same way.
	_, err := f.svc.Update(f.ctx, actor, "jr-c", RuleInput{Format: FormatJSON, Source: rule("jr-c", `{"type":"slack","config":{"channel":"gone"}}`)})
	var ire *InvalidRuleError
	if !errors.As(err, &ire) || ire.Problems[0].Path != "actions[0].config.channel" {
		t.Fatalf("update: %v", err)
	}
}

// TestTagWarnings: misspelt tactics get a suggestion (the retired names
// too), and tactic IDs are tags like the names.
func TestTagWarnings(t *testing.T) {
	cases := []struct {
		tag, want string // want "" for no warning
	}{
		{"attack.persistance", "did you mean attack.persistence?"},
		{"attack.defence-evasion", "did you mean attack.defense-evasion?"},
		{"attack.defense-evasion", ""},
		{"attack.ta0005", ""},
		{"attack.TA0112", ""},
		{"attack.ta0099", "TA0099 is not an ATT&CK tactic ID"},
		{"attack.t9999", "T9999 is not an ATT&CK technique"},
	}
	for _, c := range cases {
		src := "title: t\nid: 5a0b6c1d-0000-4000-8000-00000000f001\ntags:\n  - " + c.tag + "\nlogsource: {definition: any}\ndetection:\n  sel: {message: a}\n  condition: sel\n"
		u, problems := Compile(FormatSigma, src, "")
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		switch {
		case c.want == "" && len(u.Warnings) > 0:
			t.Errorf("%s: %+v", c.tag, u.Warnings)
		case c.want != "" && (len(u.Warnings) != 1 || !strings.Contains(u.Warnings[0].Message, c.want) || u.Warnings[0].Line != 4):
			t.Errorf("%s: %+v, want ...%q...", c.tag, u.Warnings, c.want)
		}
	}
}
