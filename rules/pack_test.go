package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/eventsec/eventsec/internal/detect/attack"
	"github.com/eventsec/eventsec/internal/detect/correlate"
	"github.com/eventsec/eventsec/internal/detect/sigma"
	"github.com/eventsec/eventsec/internal/normalize"
)

// ruleDoc is the metadata every document of the pack must carry.
type ruleDoc struct {
	ID             string         `yaml:"id"`
	Name           string         `yaml:"name"`
	Title          string         `yaml:"title"`
	Status         string         `yaml:"status"`
	Description    string         `yaml:"description"`
	References     []string       `yaml:"references"`
	Author         string         `yaml:"author"`
	Date           string         `yaml:"date"`
	Tags           []string       `yaml:"tags"`
	FalsePositives []string       `yaml:"falsepositives"`
	Level          string         `yaml:"level"`
	Logsource      map[string]any `yaml:"logsource"`
	Detection      map[string]any `yaml:"detection"`
	Correlation    *struct {
		Type    string   `yaml:"type"`
		Rules   []string `yaml:"rules"`
		GroupBy []string `yaml:"group-by"`
	} `yaml:"correlation"`
}

// testFile is one file of eventsec/tests (format: eventsec/README.md).
type testFile struct {
	Rule  string     `yaml:"rule"`
	Cases []testCase `yaml:"cases"`
}

type testCase struct {
	Name   string   `yaml:"name"`
	Rule   string   `yaml:"rule"`
	Input  string   `yaml:"input"`
	Expect *int     `yaml:"expect"`
	Events []string `yaml:"events"`
}

// packFile is one rule file with its documents.
type packFile struct {
	path string
	docs []ruleDoc
	src  []byte
}

var (
	reUUID   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	reName   = regexp.MustCompile(`^(lnx|win|web|app)_[a-z0-9_]+$`)
	reTag    = regexp.MustCompile(`^(attack\.[a-z]+(-[a-z]+)*|attack\.t\d{4}(\.\d{3})?|cve\.\d{4}-\d{4,})$`)
	reTech   = regexp.MustCompile(`^attack\.t\d{4}(\.\d{3})?$`)
	levels   = map[string]bool{"informational": true, "low": true, "medium": true, "high": true, "critical": true}
	statuses = map[string]bool{"stable": true, "test": true}
	inputs   = map[string]bool{"syslog": true, "json": true, "line": true}
)

// loadPack reads every rule file of FS.
func loadPack(t *testing.T) []packFile {
	t.Helper()
	var files []packFile
	err := fs.WalkDir(FS, "eventsec", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || path.Ext(p) != ".yml" || strings.HasPrefix(p, "eventsec/tests/") {
			return nil
		}
		src, err := FS.ReadFile(p)
		if err != nil {
			return err
		}
		pf := packFile{path: p, src: src}
		dec := yaml.NewDecoder(strings.NewReader(string(src)))
		for i := 0; ; i++ {
			var doc ruleDoc
			if err := dec.Decode(&doc); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return fmt.Errorf("%s: document %d: %w", p, i+1, err)
			}
			pf.docs = append(pf.docs, doc)
		}
		files = append(files, pf)
		return nil
	})
	if err != nil {
		t.Fatalf("cannot read the pack: %v", err)
	}
	if len(files) == 0 {
		t.Fatal("the pack is empty")
	}
	return files
}

// TestPackMetadata checks what every document must say, that ids and
// names are unique, and that correlations refer to rules of their file.
func TestPackMetadata(t *testing.T) {
	files := loadPack(t)
	ids, names := map[string]string{}, map[string]string{}
	var rules, correlations int
	for _, f := range files {
		local := map[string]bool{}
		for _, d := range f.docs {
			local[d.Name] = true
			local[d.ID] = true
		}
		for i, d := range f.docs {
			where := fmt.Sprintf("%s: document %d (%s)", f.path, i+1, d.Name)
			if !reUUID.MatchString(d.ID) {
				t.Errorf("%s: id %q is not a lower-case UUID v4", where, d.ID)
			}
			if prev, dup := ids[d.ID]; dup {
				t.Errorf("%s: id %s already used in %s", where, d.ID, prev)
			}
			ids[d.ID] = f.path
			if !reName.MatchString(d.Name) {
				t.Errorf("%s: name %q is not <platform>_snake_case", where, d.Name)
			}
			if prev, dup := names[d.Name]; dup {
				t.Errorf("%s: name %s already used in %s", where, d.Name, prev)
			}
			names[d.Name] = f.path
			if d.Title == "" || len(d.Title) > 256 {
				t.Errorf("%s: title must have 1 to 256 characters", where)
			}
			if !statuses[d.Status] {
				t.Errorf("%s: status %q is not stable or test", where, d.Status)
			}
			if !levels[d.Level] {
				t.Errorf("%s: level %q is not a Sigma level", where, d.Level)
			}
			if strings.TrimSpace(d.Description) == "" {
				t.Errorf("%s: no description", where)
			}
			if d.Author != "EventSec" {
				t.Errorf("%s: author %q, want EventSec", where, d.Author)
			}
			if _, err := time.Parse("2006-01-02", d.Date); err != nil {
				t.Errorf("%s: date %q is not YYYY-MM-DD", where, d.Date)
			}
			if len(d.References) == 0 {
				t.Errorf("%s: no references", where)
			}
			for _, r := range d.References {
				if !strings.HasPrefix(r, "https://") && !strings.HasPrefix(r, "http://") {
					t.Errorf("%s: reference %q is not a URL", where, r)
				}
			}
			tactic, technique := false, false
			for _, tag := range d.Tags {
				if !reTag.MatchString(tag) {
					t.Errorf("%s: tag %q is not attack.<tactic>, attack.tNNNN[.NNN] or cve.YYYY-N", where, tag)
				}
				// The pack speaks the current matrix: coverage maps a
				// retired tag to its replacement, but the pack's own rules
				// name it.
				name := strings.TrimPrefix(tag, "attack.")
				if reTech.MatchString(tag) {
					technique = true
					if te, ok := attack.TechniqueByID(name); !ok || te.Status != attack.Active {
						t.Errorf("%s: tag %q is not an active ATT&CK v%s technique (%s, replaced by %q)", where, tag, attack.Version, te.Status, te.ReplacedBy)
					}
				} else if strings.HasPrefix(tag, "attack.") {
					tactic = true
					if ta, ok := attack.TacticByShortname(name); !ok || ta.Shortname != name {
						t.Errorf("%s: tag %q is not an ATT&CK v%s tactic", where, tag, attack.Version)
					}
				}
			}
			if !tactic || !technique {
				t.Errorf("%s: tags need an ATT&CK tactic and technique", where)
			}
			if len(d.FalsePositives) == 0 {
				t.Errorf("%s: no falsepositives", where)
			}
			switch {
			case d.Correlation != nil:
				correlations++
				if d.Logsource != nil || d.Detection != nil {
					t.Errorf("%s: a correlation has no logsource or detection", where)
				}
				if len(d.Correlation.Rules) == 0 || len(d.Correlation.GroupBy) == 0 {
					t.Errorf("%s: correlation needs rules and group-by", where)
				}
				for _, r := range d.Correlation.Rules {
					if !local[r] {
						t.Errorf("%s: correlation refers to %q, which is not in the same file", where, r)
					}
				}
			default:
				rules++
				if len(d.Logsource) == 0 || len(d.Detection) == 0 {
					t.Errorf("%s: a detection rule needs logsource and detection", where)
				}
			}
		}
	}
	t.Logf("%d files: %d detection rules, %d correlation rules", len(files), rules, correlations)
	if rules+correlations < 70 || correlations < 10 {
		t.Errorf("the pack has %d rules and %d correlations; at least 70 and 10 are expected", rules+correlations, correlations)
	}
}

// TestPackCountsInDocs keeps docs/detection.md's counts of the pack
// honest: its rules as the Rules page and the API count them, a file
// being one rule, of kind correlation when it holds a correlation.
func TestPackCountsInDocs(t *testing.T) {
	var detections, correlations int
	for _, f := range loadPack(t) {
		kind := &detections
		for _, d := range f.docs {
			if d.Correlation != nil {
				kind = &correlations
			}
		}
		*kind++
	}
	doc, err := os.ReadFile("../docs/detection.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(\d+) rules \((\d+) detection rules and (\d+) correlation rules\)`).FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/detection.md does not say \"N rules (N detection rules and N correlation rules)\" of the pack")
	}
	want := fmt.Sprintf("%d rules (%d detection rules and %d correlation rules)", detections+correlations, detections, correlations)
	if string(m[0]) != want {
		t.Errorf("docs/detection.md says %q; the pack has %q", m[0], want)
	}
}

// TestPackParses loads every file with the Sigma engine: no document may be
// rejected, and every detection rule must compile into a ruleset.
func TestPackParses(t *testing.T) {
	for _, f := range loadPack(t) {
		docs, errs := sigma.ParseDocuments(f.src, f.path)
		for _, err := range errs {
			t.Errorf("%v", err)
		}
		if len(docs) != len(f.docs) {
			t.Errorf("%s: the engine read %d documents, YAML has %d", f.path, len(docs), len(f.docs))
		}
		rs := sigma.NewRuleset(sigma.Config{})
		for _, d := range docs {
			if d.Kind == sigma.KindRule {
				if err := rs.Add(d.Rule); err != nil {
					t.Errorf("%s: %s: %v", f.path, d.Rule.Name, err)
				}
			}
		}
	}
}

// readTests returns the test file of a rule file.
func readTests(t *testing.T, rulePath string) testFile {
	t.Helper()
	p := "eventsec/tests/" + path.Base(rulePath)
	src, err := FS.ReadFile(p)
	if err != nil {
		t.Fatalf("%s has no test file %s", rulePath, p)
	}
	var tf testFile
	if err := yaml.Unmarshal(src, &tf); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return tf
}

// TestPackTestFiles checks the test files themselves: every rule file has
// one, with a true positive and a near miss, valid inputs and known rule ids.
func TestPackTestFiles(t *testing.T) {
	files := loadPack(t)
	seen := map[string]bool{}
	for _, f := range files {
		seen[path.Base(f.path)] = true
		tf := readTests(t, f.path)
		ids := map[string]bool{}
		for _, d := range f.docs {
			ids[d.ID] = true
		}
		if !ids[tf.Rule] {
			t.Errorf("tests of %s: rule %q is not a document of the file", f.path, tf.Rule)
		}
		positive, nearMiss := false, false
		for _, c := range tf.Cases {
			where := fmt.Sprintf("tests of %s: case %q", f.path, c.Name)
			if c.Rule != "" && !ids[c.Rule] {
				t.Errorf("%s: rule %q is not a document of the file", where, c.Rule)
			}
			if !inputs[c.Input] {
				t.Errorf("%s: input %q is not syslog, json or line", where, c.Input)
			}
			if c.Expect == nil {
				t.Errorf("%s: no expect", where)
				continue
			}
			if c.Rule == "" || c.Rule == tf.Rule {
				if *c.Expect > 0 {
					positive = true
				} else {
					nearMiss = true
				}
			}
			if len(c.Events) == 0 {
				t.Errorf("%s: no events", where)
			}
			for i, e := range c.Events {
				if c.Input != "json" {
					continue
				}
				var obj map[string]any
				if err := json.Unmarshal([]byte(e), &obj); err != nil {
					t.Errorf("%s: event %d is not a JSON object: %v", where, i+1, err)
				}
			}
		}
		if !positive || !nearMiss {
			t.Errorf("tests of %s: need at least one true positive and one near miss for the file's rule", f.path)
		}
	}
	entries, err := FS.ReadDir("eventsec/tests")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("tests/%s belongs to no rule file", e.Name())
		}
	}
}

// TestPackCases runs every test case through the real normalizer, the
// Sigma engine and the correlation engine, as the pipeline would: each
// case starts from empty state, events are fed in order at their own time,
// and windows still open after the last event are closed with Advance.
func TestPackCases(t *testing.T) {
	now := time.Date(2026, 11, 23, 23, 59, 59, 0, time.UTC)
	norm := normalize.New(normalize.Options{Now: func() time.Time { return now }})
	var detections, correlations int
	for _, f := range loadPack(t) {
		docs, errs := sigma.ParseDocuments(f.src, f.path)
		if len(errs) > 0 {
			t.Errorf("%s: %v", f.path, errs[0])
			continue
		}
		var rules []*sigma.Rule
		var corrs []*correlate.Rule
		for _, d := range docs {
			if d.Kind == sigma.KindRule {
				rules = append(rules, d.Rule)
				continue
			}
			r, err := correlate.Parse(d.Node, f.path)
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			corrs = append(corrs, r)
		}
		tf := readTests(t, f.path)
		for _, c := range tf.Cases {
			if c.Expect == nil {
				continue
			}
			target := tf.Rule
			if c.Rule != "" {
				target = c.Rule
			}
			rs := sigma.NewRuleset(sigma.Config{})
			if err := rs.AddAll(rules); err != nil {
				t.Fatalf("%s: %v", f.path, err)
			}
			eng := correlate.New(correlate.Options{Now: func() time.Time { return now }})
			isCorrelation := false
			for _, r := range corrs {
				if err := eng.Add(r); err != nil {
					t.Fatalf("%s: %s: %v", f.path, r.Name, err)
				}
				isCorrelation = isCorrelation || r.ID == target
			}
			if isCorrelation {
				correlations++
			} else {
				detections++
			}
			got := 0
			count := func(fired []correlate.Fired) {
				for _, x := range fired {
					if x.Rule.ID == target {
						got++
					}
				}
			}
			var last time.Time
			for i, raw := range c.Events {
				ev := norm.Normalize(caseInput(c.Input, raw, now))
				ev.ID = fmt.Sprintf("%s#%d", c.Name, i+1)
				if msg, bad := ev.Fields["error.message"]; bad {
					t.Errorf("tests of %s: case %q: event %d was not understood: %v", f.path, c.Name, i+1, msg)
				}
				if ev.Timestamp.After(last) {
					last = ev.Timestamp
				}
				for _, m := range rs.Match(&ev, nil) {
					if m.RuleID == target {
						got++
					}
					r, e := m.Rule, ev
					count(eng.Observe(correlate.Observation{
						OrgID: "test", RuleID: r.ID, RuleName: r.Name, Time: e.Timestamp, EventID: e.ID,
						Field: func(name string) (string, bool) {
							v := sigma.Resolve(&e, r, name)
							if len(v) == 0 {
								return "", false
							}
							return v[0], true
						},
					}))
				}
			}
			count(eng.Advance(last.Add(48 * time.Hour)))
			if got != *c.Expect {
				t.Errorf("tests of %s: case %q: rule %s produced %d, want %d", f.path, c.Name, target, got, *c.Expect)
			}
		}
	}
	t.Logf("%d detection cases and %d correlation cases run", detections, correlations)
}

// caseInput is what the listener named by a test case's input hands to
// the normalizer (see eventsec/README.md).
func caseInput(kind, raw string, now time.Time) normalize.Input {
	in := normalize.Input{OrgID: "test", Received: now, Raw: []byte(raw)}
	switch kind {
	case "syslog":
		in.Input, in.Format = "syslog", normalize.FormatSyslog
	case "json":
		in.Input, in.Format = "http", normalize.FormatJSON
	default:
		in.Input, in.Format = "import", normalize.FormatAuto
	}
	return in
}
