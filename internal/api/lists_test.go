package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// The retro-hunt list takes limit, as every list does.
func TestRetroHuntListLimit(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	list := decode[struct {
		RetroHunts []map[string]any `json:"retrohunts"`
	}](t, f.get(t, "/api/v1/retrohunts?limit=5", admin))
	if list.RetroHunts == nil {
		t.Fatal("no retrohunts list")
	}
	wantError(t, f.get(t, "/api/v1/retrohunts?limit=0", admin), http.StatusBadRequest, "validation_failed", "limit")
}

// The queue sorted by severity: most severe first, newest first within a
// severity, paged with its own cursor.
func TestAlertsBySeverity(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	base := f.clock.Now()
	for i, sev := range []string{"low", "critical", "high", "low", "critical", "medium"} {
		a := store.Alert{ID: fmt.Sprintf("sev-%d", i), OrgID: f.org.ID, RuleID: "r", RuleTitle: "R", RuleKind: "detection",
			Severity: sev, Status: store.AlertNew, Title: "Sorted " + sev, Count: 1, DedupKey: fmt.Sprintf("sev-k%d", i),
			FirstSeen: base.Add(time.Duration(i) * time.Minute), LastSeen: base.Add(time.Duration(i) * time.Minute),
			CreatedAt: base, UpdatedAt: base}
		if err := f.st.Alerts().Create(f.ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	type page struct {
		Alerts []struct {
			ID string `json:"id"`
		} `json:"alerts"`
		Total      int    `json:"total"`
		NextCursor string `json:"next_cursor"`
	}
	var got []string
	cursor := ""
	for range 5 {
		p := decode[page](t, f.get(t, "/api/v1/alerts?sort=severity&limit=4&cursor="+url.QueryEscape(cursor), admin))
		if p.Total != 6 {
			t.Fatalf("total %d", p.Total)
		}
		for _, a := range p.Alerts {
			got = append(got, a.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if want := []string{"sev-4", "sev-1", "sev-2", "sev-5", "sev-3", "sev-0"}; !slices.Equal(got, want) {
		t.Fatalf("sorted by severity: %v, want %v", got, want)
	}
	p := decode[page](t, f.get(t, "/api/v1/alerts?sort=severity&severity=low,high", admin))
	if len(p.Alerts) != 3 || p.Alerts[0].ID != "sev-2" {
		t.Fatalf("severity filter and sort: %+v", p)
	}
	// The counts describe the list as filtered.
	type stats struct {
		Total int64 `json:"total"`
		Open  int64 `json:"open"`
	}
	if st := decode[stats](t, f.get(t, "/api/v1/alerts/stats?severity=low", admin)); st.Total != 2 || st.Open != 2 {
		t.Fatalf("stats of the low alerts: %+v", st)
	}
	if st := decode[stats](t, f.get(t, "/api/v1/alerts/stats?q=sorted+critical&status=new", admin)); st.Total != 2 {
		t.Fatalf("stats of a search: %+v", st)
	}
	wantError(t, f.get(t, "/api/v1/alerts/stats?severity=dire", admin), http.StatusBadRequest, "validation_failed", "severity")
	wantError(t, f.get(t, "/api/v1/alerts?sort=severity&cursor=bogus:1_x", admin), http.StatusBadRequest, "validation_failed", "cursor")
	wantError(t, f.get(t, "/api/v1/alerts?sort=worst", admin), http.StatusBadRequest, "validation_failed", "sort")
}
