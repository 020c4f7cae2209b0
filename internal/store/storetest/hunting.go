package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

func testHunting(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	for i := 0; i < 7; i++ {
		r := store.QueryRun{ID: fmt.Sprintf("r%d", i), OrgID: "o1", UserID: "u1", Query: fmt.Sprintf("events | take %d", i),
			RanAt: t0.Add(time.Duration(i) * time.Minute), Rows: int64(i), ElapsedMs: 3}
		if i == 6 {
			r.Error = "kql_syntax: 1:9: unexpected end"
		}
		if err := s.Hunts().AddRun(ctx, r, 5); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Hunts().AddRun(ctx, store.QueryRun{ID: "x", OrgID: "o1", UserID: "u2", Query: "q", RanAt: t0}, 5); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Hunts().Runs(ctx, "o1", "u1", 100)
	if err != nil || len(runs) != 5 || runs[0].ID != "r6" || runs[0].Error == "" || runs[4].ID != "r2" {
		t.Fatalf("runs: %v %+v", err, runs)
	}
	if runs, _ := s.Hunts().Runs(ctx, "o2", "u1", 10); len(runs) != 0 {
		t.Fatalf("other org sees runs: %+v", runs)
	}
	q := store.SavedQuery{ID: "s1", OrgID: "o1", Name: "Failed logons", Language: store.LanguageKQL, Query: "SecurityEvent | where EventID == 4625",
		Settings: "{}", CreatedBy: "u1", CreatedAt: t0, UpdatedAt: t0}
	if err := s.Hunts().CreateSaved(ctx, q); err != nil {
		t.Fatal(err)
	}
	dup := q
	dup.ID = "s2"
	wantErr(t, s.Hunts().CreateSaved(ctx, dup), store.ErrConflict, "duplicate name")
	dup.OrgID = "o2"
	if err := s.Hunts().CreateSaved(ctx, dup); err != nil {
		t.Fatalf("same name in another org: %v", err)
	}
	got, err := s.Hunts().GetSaved(ctx, "o1", "s1")
	if err != nil || got != q {
		t.Fatalf("get: %v %+v", err, got)
	}
	_, err = s.Hunts().GetSaved(ctx, "o2", "s1")
	wantErr(t, err, store.ErrNotFound, "other org's saved query")
	q.Query, q.UpdatedAt = "SecurityEvent | take 1", t0.Add(time.Hour)
	if err := s.Hunts().UpdateSaved(ctx, q); err != nil {
		t.Fatal(err)
	}
	list, err := s.Hunts().ListSaved(ctx, "o1")
	if err != nil || len(list) != 1 || list[0].Query != q.Query {
		t.Fatalf("list: %v %+v", err, list)
	}
	// A saved search of the Events explorer, with its settings; a name is
	// unique across queries and searches.
	search := store.SavedQuery{ID: "s3", OrgID: "o1", Name: "Failed logons", Language: store.LanguageSearch, Query: "event.code:4625",
		Settings: `{"range":"24h"}`, CreatedBy: "u1", CreatedAt: t0, UpdatedAt: t0}
	wantErr(t, s.Hunts().CreateSaved(ctx, search), store.ErrConflict, "a search named like a query")
	search.Name = "Failed logons today"
	if err := s.Hunts().CreateSaved(ctx, search); err != nil {
		t.Fatal(err)
	}
	search.Settings, search.UpdatedAt = `{"range":"7d","severity":["high"]}`, t0.Add(time.Minute)
	if err := s.Hunts().UpdateSaved(ctx, search); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Hunts().GetSaved(ctx, "o1", "s3"); err != nil || got != search {
		t.Fatalf("saved search: %v %+v", err, got)
	}
	if err := s.Hunts().DeleteSaved(ctx, "o1", "s3"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Hunts().DeleteSaved(ctx, "o1", "s2"), store.ErrNotFound, "delete another org's")
	if err := s.Hunts().DeleteSaved(ctx, "o1", "s1"); err != nil {
		t.Fatal(err)
	}
}
