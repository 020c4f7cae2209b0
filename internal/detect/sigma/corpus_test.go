package sigma

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/normalize/evtx"
)

// The shared test data sits beside the repository: /work/main/../shared.
const (
	sigmaData      = "../../../../shared/data/sigma"
	regressionData = sigmaData + "/regression_data"
	evtxSamples    = "../../../../shared/data/evtx/attack-samples"
)

// testConfig defines the placeholders the SigmaHQ corpus uses, so that
// every rule compiles; the values are only for the tests.
var testConfig = Config{Placeholders: map[string][]string{
	"known_cdcs": {"dc01.corp.example", "10.0.0.10"},
}}

// corpus is the parsed SigmaHQ rule set, read once per test binary.
type corpus struct {
	files     int
	rules     []*Rule
	byID      map[string]*Rule
	correlate int
	filters   []*Filter
	errs      []error
}

var (
	corpusOnce sync.Once
	corpusData *corpus
)

func loadCorpus(t testing.TB) *corpus {
	t.Helper()
	if _, err := os.Stat(sigmaData); err != nil {
		t.Skipf("Sigma test data %s is absent (it lives in shared/ beside the repository): %v", sigmaData, err)
	}
	corpusOnce.Do(func() {
		c := &corpus{byID: map[string]*Rule{}}
		dirs, _ := filepath.Glob(filepath.Join(sigmaData, "rules*"))
		for _, dir := range dirs {
			_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
					return err
				}
				src, err := os.ReadFile(p)
				if err != nil {
					c.errs = append(c.errs, err)
					return nil
				}
				c.files++
				docs, errs := ParseDocuments(src, p)
				c.errs = append(c.errs, errs...)
				for _, d := range docs {
					switch d.Kind {
					case KindRule:
						c.rules = append(c.rules, d.Rule)
						if d.Rule.ID != "" {
							c.byID[d.Rule.ID] = d.Rule
						}
					case KindCorrelation:
						c.correlate++
					case KindFilter:
						c.filters = append(c.filters, d.Filter)
					}
				}
				return nil
			})
		}
		corpusData = c
	})
	if corpusData.files == 0 {
		t.Skipf("no Sigma rules under %s", sigmaData)
	}
	return corpusData
}

// TestCorpusLoads parses and compiles every SigmaHQ rule: none may fail.
func TestCorpusLoads(t *testing.T) {
	c := loadCorpus(t)
	for _, err := range c.errs {
		t.Errorf("parse: %v", err)
	}
	rs := NewRuleset(testConfig)
	start := time.Now()
	err := rs.AddAll(c.rules)
	took := time.Since(start)
	if err != nil {
		for _, e := range strings.Split(err.Error(), "\n") {
			t.Errorf("compile: %s", e)
		}
	}
	t.Logf("%d files: %d detection rules parsed, %d compiled in %v; %d correlation and %d filter documents; %d parse errors",
		c.files, len(c.rules), rs.Len(), took, c.correlate, len(c.filters), len(c.errs))
	if rs.Len() < 3000 {
		t.Errorf("only %d rules loaded", rs.Len())
	}
	// Without the placeholder the rules using it are refused, as the
	// specification asks.
	strict := NewRuleset(Config{})
	if err := strict.AddAll(c.rules); !errors.Is(err, ErrPlaceholder) {
		t.Errorf("rules with undefined placeholders: got %v, want ErrPlaceholder", err)
	}
}

// regressionCase is one folder of SigmaHQ's regression data.
type regressionCase struct {
	dir, ruleID, evtx, json string
	count                   int
}

func regressionCases(t testing.TB) []regressionCase {
	t.Helper()
	var cases []regressionCase
	folders := 0
	err := filepath.WalkDir(regressionData, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "info.yml" {
			return err
		}
		folders++
		rc, ok := readInfo(t, p)
		if ok {
			cases = append(cases, rc)
		} else if tt, isT := t.(*testing.T); isT && tt.Name() == "TestRegression" {
			t.Logf("%s: no evtx test in info.yml (skipped)", filepath.Dir(p))
		}
		return nil
	})
	if err != nil {
		t.Skipf("regression data unreadable: %v", err)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].dir < cases[j].dir })
	return cases
}

// readInfo reads info.yml: the rule id and, per test, the expected
// match count (1 when not given, as SigmaHQ's runner assumes).
func readInfo(t testing.TB, path string) (regressionCase, bool) {
	var info struct {
		RuleMetadata []struct {
			ID string `json:"id"`
		} `json:"rule_metadata"`
		Tests []struct {
			Type       string `json:"type"`
			MatchCount *int   `json:"match_count"`
			Path       string `json:"path"`
		} `json:"regression_tests_info"`
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yamlToJSON(src, &info); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	dir := filepath.Dir(path)
	rc := regressionCase{dir: dir, count: 1}
	if len(info.RuleMetadata) > 0 {
		rc.ruleID = info.RuleMetadata[0].ID
	}
	for _, tc := range info.Tests {
		if tc.Type != "evtx" {
			continue
		}
		if tc.MatchCount != nil {
			rc.count = *tc.MatchCount
		}
		base := filepath.Base(tc.Path)
		rc.evtx = filepath.Join(dir, base)
		rc.json = strings.TrimSuffix(rc.evtx, filepath.Ext(base)) + ".json"
	}
	return rc, rc.evtx != ""
}

var clock = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

func newNormalizer() *normalize.Normalizer {
	return normalize.New(normalize.Options{Now: func() time.Time { return clock }})
}

// readEVTX normalizes every record of an .evtx file.
func readEVTX(t testing.TB, n *normalize.Normalizer, path string) []event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []event.Event
	_, err = evtx.Read(f, func(rec map[string]any) error {
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		evs = append(evs, n.NormalizeWindows(normalize.Input{
			OrgID: "org", Input: "import", Received: clock, Raw: raw, Format: normalize.FormatWindows,
		}, rec))
		return nil
	})
	if err != nil {
		t.Errorf("%s: %v", path, err)
	}
	return evs
}

// readJSON normalizes each JSON object of a file (objects one after
// another) as the HTTP JSON input does.
func readJSON(t testing.TB, n *normalize.Normalizer, path string) []event.Event {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	var evs []event.Event
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var obj map[string]any
		if err := d.Decode(&obj); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		evs = append(evs, n.NormalizeObject(normalize.Input{
			OrgID: "org", Input: "http", Received: clock, Raw: raw,
		}, obj))
	}
	return evs
}

// regressionRecount lists the folders whose info.yml gives fewer matches
// than the rule makes under the specification (SigmaHQ's runner only
// checks that the rule matches at least once), with the count verified
// by reading the events.
var regressionRecount = map[string]struct {
	count int
	why   string
}{
	"0b9ad457-2554-44c1-82c2-d56a99c42377": {3, `three files contain \AppData\Roaming\AnyDesk\user.conf: user.conf.new (twice) and user.conf~RF2d9c20d.TMP`},
	"8fbf3271-1ef6-4e94-8210-03c2317947f6": {3, `procdump.exe, procdump64.exe and procdump64a.exe are all in the endswith list (their :Zone.Identifier streams are not)`},
	"7124aebe-4cd7-4ccb-8df0-6d6b93c96795": {2, `both dtrace.exe command lines contain "syscall:::return" and "lkd(" (no match_count given)`},
	"5bac7a56-da88-4c27-922e-c81e113b20cb": {2, `one Runner.Listener.exe "configure" and one Runner.Worker.exe "spawnclient" event (no match_count given)`},
	"45e112d0-7759-4c2a-aa36-9f8fb79d3393": {3, `three values set under ZoneMap\Domains\bad-domain.com, all DWORD 2`},
	"c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e": {2, `AutoShareServer and AutoShareWks are both set to DWORD 0`},
}

// TestRegression runs every rule of SigmaHQ's regression data over its
// events, read from the .evtx and from the .json: the rule must match
// exactly match_count events of each, whatever else is loaded.
func TestRegression(t *testing.T) {
	c := loadCorpus(t)
	cases := regressionCases(t)
	if len(cases) == 0 {
		t.Skip("no regression data")
	}
	rs := NewRuleset(testConfig)
	if err := rs.AddAll(c.rules); err != nil {
		t.Logf("compile errors: %v", err)
	}
	n := newNormalizer()
	var pass, fail, missing int
	var dst []Match
	for _, rc := range cases {
		want, why := rc.count, ""
		if r, ok := regressionRecount[rc.ruleID]; ok {
			want, why = r.count, " ("+r.why+")"
		}
		rule := c.byID[rc.ruleID]
		if rule == nil {
			missing++
			t.Errorf("%s: rule %s is not in the corpus", rc.dir, rc.ruleID)
			continue
		}
		for _, src := range []struct {
			kind string
			evs  []event.Event
		}{{"evtx", readEVTX(t, n, rc.evtx)}, {"json", readJSON(t, n, rc.json)}} {
			got := 0
			for i := range src.evs {
				dst = rs.Match(&src.evs[i], dst[:0])
				for _, m := range dst {
					if m.RuleID == rc.ruleID {
						got++
					}
				}
			}
			if got != want {
				fail++
				t.Errorf("%s (%s, %s): %d of %d events match, want %d%s", rule.Title, rc.ruleID, src.kind, got, len(src.evs), want, why)
				continue
			}
			pass++
		}
	}
	t.Logf("regression: %d folders, %d passed, %d failed, %d rules missing", len(cases), pass, fail, missing)
}
