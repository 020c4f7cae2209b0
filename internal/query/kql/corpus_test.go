package kql

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// corpusDir holds the Azure-Sentinel sample with Microsoft's parser's
// verdicts (see its SOURCE.md). Four levels up from this package is the
// directory that holds the repository and the shared data.
const corpusDir = "../../../../shared/data/kql"

type corpusQuery struct {
	Path  string `json:"path"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Query string `json:"query"`
	// From sentinel_parsed.jsonl.
	MSErrors int               `json:"-"`
	Sources  [][]string        `json:"-"`
	Ops      map[string]int    `json:"-"`
	Funcs    map[string]int    `json:"-"`
	Binops   map[string]int    `json:"-"`
	Extra    map[string]string `json:"-"`
}

type corpusVerdict struct {
	Path    string         `json:"path"`
	Errors  int            `json:"errors"`
	Sources [][]string     `json:"sources"`
	Ops     map[string]int `json:"ops"`
	Funcs   map[string]int `json:"funcs"`
	Binops  map[string]int `json:"binops"`
}

// loadCorpus reads the sample, or skips the test when it is absent.
func loadCorpus(t testing.TB) []*corpusQuery {
	t.Helper()
	qf, err := os.Open(filepath.Join(corpusDir, "sentinel_queries.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("KQL corpus not found at %s (shared test data); skipping", corpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer qf.Close()
	var qs []*corpusQuery
	sc := bufio.NewScanner(qf)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var q corpusQuery
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			t.Fatal(err)
		}
		qs = append(qs, &q)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	vf, err := os.Open(filepath.Join(corpusDir, "sentinel_parsed.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer vf.Close()
	sc = bufio.NewScanner(vf)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	i := 0
	for sc.Scan() {
		var v corpusVerdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		if i >= len(qs) || qs[i].Path != v.Path {
			t.Fatalf("line %d of sentinel_parsed.jsonl (%s) does not match the queries file", i+1, v.Path)
		}
		qs[i].MSErrors, qs[i].Sources, qs[i].Ops, qs[i].Funcs, qs[i].Binops = v.Errors, v.Sources, v.Ops, v.Funcs, v.Binops
		i++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(qs) {
		t.Fatalf("%d verdicts for %d queries", i, len(qs))
	}
	return qs
}

// placeholderRe finds template placeholders outside strings: {{StartTime}}
// and the like, which the Sentinel YAML files fill in before running.
var placeholderRe = regexp.MustCompile(`\{\{[^}]*\}\}`)

// reasonOf groups an error message: numbers, quoted names and positions
// are replaced so that similar failures count together.
var reasonRe = regexp.MustCompile(`"[^"]*"|'[^']*'|\d+`)

func reasonOf(msg string) string {
	return reasonRe.ReplaceAllStringFunc(msg, func(s string) string {
		if s[0] == '"' || s[0] == '\'' {
			if len(s) <= 24 {
				return s
			}
			return `"…"`
		}
		return "N"
	})
}

func TestCorpusParse(t *testing.T) {
	qs := loadCorpus(t)
	var accepted, agreeAccept, agreeReject, msReject, falseReject, falseAccept, placeholders int
	reasons := map[string][]string{}
	for _, q := range qs {
		_, err := Parse(q.Query)
		ms := q.MSErrors == 0
		if ms {
			accepted++
		} else {
			msReject++
		}
		switch {
		case ms && err == nil:
			agreeAccept++
		case !ms && err != nil:
			agreeReject++
		case ms && err != nil:
			falseReject++
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%s: error is not *Error: %v", q.Path, err)
				continue
			}
			if placeholderRe.MatchString(q.Query) {
				placeholders++
			}
			r := reasonOf(e.Message)
			reasons[r] = append(reasons[r], fmt.Sprintf("%s:%d:%d", q.Path, e.Line, e.Column))
		case !ms && err == nil:
			falseAccept++
			t.Logf("accepted what Microsoft rejects: %s", q.Path)
		}
	}
	rate := float64(agreeAccept) / float64(accepted) * 100
	t.Logf("corpus: %d queries; Microsoft accepts %d, rejects %d", len(qs), accepted, msReject)
	t.Logf("parse: %d/%d of the accepted parse (%.2f%%); %d/%d of the rejected are rejected; %d accepted that Microsoft rejects",
		agreeAccept, accepted, rate, agreeReject, msReject, falseAccept)
	if placeholders > 0 {
		t.Logf("%d of the %d failures contain {{placeholders}}", placeholders, falseReject)
	}
	type group struct {
		reason string
		where  []string
	}
	var groups []group
	for r, w := range reasons {
		groups = append(groups, group{r, w})
	}
	sort.Slice(groups, func(i, j int) bool {
		if len(groups[i].where) != len(groups[j].where) {
			return len(groups[i].where) > len(groups[j].where)
		}
		return groups[i].reason < groups[j].reason
	})
	for _, g := range groups {
		t.Logf("  %3d  %s  (e.g. %s)", len(g.where), g.reason, strings.Join(g.where[:min(3, len(g.where))], ", "))
	}
	if rate < 99 {
		t.Errorf("parse rate %.2f%% of what Microsoft accepts, want >= 99%%", rate)
	}
}
