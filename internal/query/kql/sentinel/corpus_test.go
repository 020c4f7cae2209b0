package sentinel

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/query/kql"
)

// corpusDir is the Azure-Sentinel sample (five levels up is the directory
// holding the repository and the shared data).
const corpusDir = "../../../../../shared/data/kql"

type corpusQuery struct {
	Path  string `json:"path"`
	Query string `json:"query"`
}

type corpusVerdict struct {
	Path   string `json:"path"`
	Errors int    `json:"errors"`
}

func readJSONL[T any](t *testing.T, name string) []T {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, name))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("KQL corpus not found at %s (shared test data); skipping", corpusDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

var reasonRe = regexp.MustCompile(`"[^"]*"|\d+`)

// TestCorpusCompile compiles every query of the sample that Microsoft's
// parser accepts against the Sentinel views, and runs what compiles on a
// small DuckDB event table: the compile rate, with queries that need
// tables or columns EventSec does not have counted apart, and why the
// others fail, grouped.
func TestCorpusCompile(t *testing.T) {
	qs := readJSONL[corpusQuery](t, "sentinel_queries.jsonl")
	vs := readJSONL[corpusVerdict](t, "sentinel_parsed.jsonl")
	db, cat, _ := testDB(t)
	now := time.Date(2024, 3, 15, 12, 0, 0, 0, time.UTC)
	var accepted, parsed, compiled, ran, missingTable, missingColumn, external int
	reasons := map[string][]string{}
	runFailures := map[string][]string{}
	tableCount := map[string]int{}
	for i, q := range qs {
		if vs[i].Errors > 0 {
			continue
		}
		accepted++
		p, err := kql.Parse(q.Query)
		if err != nil {
			continue
		}
		parsed++
		c, err := kql.Compile(p, cat, kql.Options{Now: now})
		if err != nil {
			e, ok := kql.AsError(err)
			if !ok {
				t.Errorf("%s: not a kql.Error: %v", q.Path, err)
				continue
			}
			if e.Code != kql.CodeSemantic {
				t.Errorf("%s: code %s", q.Path, e.Code)
			}
			switch {
			case strings.HasPrefix(e.Message, "unknown table"):
				missingTable++
				name := strings.Split(e.Message, `"`)[1]
				tableCount[name]++
				continue
			case strings.HasPrefix(e.Message, "unknown function \"_") || strings.HasPrefix(e.Message, "unknown function \"im") ||
				strings.HasPrefix(e.Message, "union has no tables"):
				// ASIM parsers and watchlists are workspace functions;
				// a fuzzy union of absent tables has no tables.
				missingTable++
				if strings.HasPrefix(e.Message, "unknown function") {
					tableCount[strings.Split(e.Message, `"`)[1]+"()"]++
				}
				continue
			case strings.HasPrefix(e.Message, "externaldata is not allowed"):
				external++
				continue
			case strings.HasPrefix(e.Message, "unknown column") || strings.HasPrefix(e.Message, "join key") && strings.Contains(e.Message, "is not a column"):
				missingColumn++
				continue
			}
			r := e.Message
			if !strings.HasPrefix(r, "unknown function") {
				r = reasonRe.ReplaceAllString(r, "…")
			}
			reasons[r] = append(reasons[r], fmt.Sprintf("%s:%d:%d", q.Path, e.Line, e.Column))
			continue
		}
		compiled++
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = kql.Run(ctx, db, c, kql.RunOptions{MaxRows: 100})
		cancel()
		if e, ok := kql.AsError(err); ok && strings.HasPrefix(e.Message, "unknown column") {
			// Columns that depend on the data (bag_unpack, pivot) are
			// checked once Run has found them: a query naming a column
			// EventSec does not have fails then, not at compile time.
			compiled--
			missingColumn++
			continue
		}
		if err != nil {
			msg := err.Error()
			if len(msg) > 160 {
				msg = msg[:160]
			}
			runFailures[msg] = append(runFailures[msg], q.Path)
			continue
		}
		ran++
	}
	schemaOK := parsed - missingTable - missingColumn - external
	t.Logf("corpus: %d queries Microsoft accepts; %d parse", accepted, parsed)
	t.Logf("compile: %d/%d parsed queries compile against the Sentinel views (%.1f%%)", compiled, parsed, pct(compiled, parsed))
	t.Logf("  %d need a table (or ASIM parser / watchlist function) EventSec does not have, %d a column it does not have", missingTable, missingColumn)
	t.Logf("  %d use externaldata, refused by design (queries never fetch URLs)", external)
	t.Logf("  of the other %d, %d compile (%.1f%%)", schemaOK, compiled, pct(compiled, schemaOK))
	t.Logf("run: %d/%d compiled queries run on DuckDB", ran, compiled)
	logGroups(t, "compile failures", reasons)
	logGroups(t, "run failures", runFailures)
	var tables []string
	for n, k := range tableCount {
		tables = append(tables, fmt.Sprintf("%s:%d", n, k))
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i] < tables[j] })
	t.Logf("missing tables: %s", strings.Join(tables, " "))
	if r := pct(compiled, schemaOK); r < 90 {
		t.Errorf("compile rate %.1f%% of the queries whose tables and columns exist; want >= 90%%", r)
	}
	if ran != compiled {
		t.Errorf("%d compiled queries failed to run", compiled-ran)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b) * 100
}

func logGroups(t *testing.T, title string, groups map[string][]string) {
	type g struct {
		r string
		w []string
	}
	var gs []g
	for r, w := range groups {
		gs = append(gs, g{r, w})
	}
	sort.Slice(gs, func(i, j int) bool {
		if len(gs[i].w) != len(gs[j].w) {
			return len(gs[i].w) > len(gs[j].w)
		}
		return gs[i].r < gs[j].r
	})
	if len(gs) > 0 {
		t.Logf("%s:", title)
	}
	for _, x := range gs {
		t.Logf("  %3d  %s  (e.g. %s)", len(x.w), x.r, strings.Join(x.w[:min(2, len(x.w))], ", "))
	}
}
