package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// TestRulesListSort: GET /api/v1/rules?sort= orders the list by level or
// by what the rules did (matches from real detections), most first, ties
// by title; an unknown sort is a 400 naming the parameter.
func TestRulesListSort(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	rule := func(n int, title, level, marker string) string {
		return fmt.Sprintf(`title: %s
id: 6b0c2f4e-1a2b-4c3d-8e9f-00000000000%d
status: test
level: %s
logsource:
  definition: any event
detection:
  sel:
    message|contains: %s
  condition: sel
`, title, n, level, marker)
	}
	for i, r := range []string{
		rule(1, "Sort Alpha", "low", "sort-marker-alpha"),
		rule(2, "Sort Bravo", "critical", "sort-marker-bravo"),
		rule(3, "Sort Charlie", "medium", "sort-marker-charlie"),
	} {
		if r := f.send(t, "POST", "/api/v1/rules", admin, map[string]any{"source": r}); r.Status != http.StatusCreated {
			t.Fatalf("rule %d: %s", i, r)
		}
	}
	// Charlie matches three events, Alpha one, Bravo none.
	var evs []map[string]any
	for i, m := range []string{"charlie", "alpha", "charlie", "charlie"} {
		evs = append(evs, map[string]any{"message": fmt.Sprintf("sort-marker-%s %d", m, i), "host": map[string]any{"name": fmt.Sprintf("h%d", i)}})
	}
	wantStatus(t, f.send(t, "POST", "/api/v1/events", admin, evs), http.StatusAccepted)
	type listed struct {
		Rules []struct {
			Title string
			Stats struct{ Matches int }
		}
	}
	titles := func(sort string) []string {
		t.Helper()
		r := f.get(t, "/api/v1/rules?q=Sort+&sort="+sort, admin)
		wantStatus(t, r, http.StatusOK)
		var out []string
		for _, x := range decode[listed](t, r).Rules {
			out = append(out, x.Title)
		}
		return out
	}
	waitUntil(t, "the matches to be counted", func() bool {
		var l listed
		_ = json.Unmarshal(f.get(t, "/api/v1/rules?q=Sort+Charlie", admin).Body, &l)
		return len(l.Rules) == 1 && l.Rules[0].Stats.Matches == 3
	})
	// Bravo never ran on a sampled event: after Alpha's measured time.
	ctx := f.ctx
	now := time.Now()
	if err := f.st.Rules().AddStats(ctx, f.org.ID, store.RuleStats{RuleID: "6b0c2f4e-1a2b-4c3d-8e9f-000000000001", EvalNanos: 9000, EvalSamples: 3, LastMatchAt: &now}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.Rules().AddStats(ctx, f.org.ID, store.RuleStats{RuleID: "6b0c2f4e-1a2b-4c3d-8e9f-000000000003", EvalNanos: 1000, EvalSamples: 4}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sort string
		want []string
	}{
		{"", []string{"Sort Alpha", "Sort Bravo", "Sort Charlie"}},
		{"title", []string{"Sort Alpha", "Sort Bravo", "Sort Charlie"}},
		{"level", []string{"Sort Bravo", "Sort Charlie", "Sort Alpha"}},
		{"matches", []string{"Sort Charlie", "Sort Alpha", "Sort Bravo"}},
		{"alerts", []string{"Sort Charlie", "Sort Alpha", "Sort Bravo"}},
		{"eval_time", []string{"Sort Alpha", "Sort Charlie", "Sort Bravo"}},
		{"last_match", []string{"Sort Alpha", "Sort Charlie", "Sort Bravo"}},
	} {
		if got := titles(c.sort); !slices.Equal(got, c.want) {
			t.Errorf("sort=%s: %q, want %q", c.sort, got, c.want)
		}
	}
	wantError(t, f.get(t, "/api/v1/rules?sort=noise", admin), http.StatusBadRequest, "validation_failed", "sort")
}
