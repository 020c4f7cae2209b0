package duckdb_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
)

// A receipt is kept across a restart and is per org; the first
// delivery's time is what every later call returns.
func TestReceipts(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	first := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.UTC)
	got, err := s.Receipt(t.Context(), "org-a", "k1", first)
	if err != nil || !got.Equal(first.Truncate(time.Microsecond)) {
		t.Fatalf("first receipt: %v %v", got, err)
	}
	if got, err = s.Receipt(t.Context(), "org-a", "k1", first.Add(time.Hour)); err != nil || !got.Equal(first.Truncate(time.Microsecond)) {
		t.Fatalf("second receipt: %v %v", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	defer s.Close()
	later := first.Add(2 * time.Hour).Truncate(time.Microsecond)
	if got, err = s.Receipt(t.Context(), "org-a", "k1", later); err != nil || !got.Equal(first.Truncate(time.Microsecond)) {
		t.Fatalf("after restart: %v %v", got, err)
	}
	if got, err = s.Receipt(t.Context(), "org-b", "k1", later); err != nil || !got.Equal(later) {
		t.Fatalf("other org: %v %v", got, err)
	}
	if _, err := s.Receipt(t.Context(), "org-a", "", later); err == nil {
		t.Fatal("an empty key was accepted")
	}
}

func TestClientIDs(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	ids := []eventstore.ClientID{
		{OrgID: "org-a", ID: "e1", First: t0, Sum: 1},
		{OrgID: "org-a", ID: "e2", First: t0.Add(time.Second), Sum: ^uint64(0)}, // the top bit survives BIGINT
		{OrgID: "org-b", ID: "e1", First: t0.Add(2 * time.Second), Sum: 3},
	}
	if err := s.RememberClientIDs(t.Context(), ids); err != nil {
		t.Fatal(err)
	}
	// A later record of the same org and ID replaces the earlier one.
	if err := s.RememberClientIDs(t.Context(), []eventstore.ClientID{{OrgID: "org-a", ID: "e1", First: t0.Add(3 * time.Second), Sum: 4}}); err != nil {
		t.Fatal(err)
	}
	if err := s.RememberClientIDs(t.Context(), []eventstore.ClientID{{OrgID: "", ID: "x", First: t0}}); err == nil {
		t.Fatal("a record without an org was accepted")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir)
	defer s.Close()
	got, err := s.RecentClientIDs(t.Context(), t0.Add(-time.Hour), 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []eventstore.ClientID{ids[1], ids[2], {OrgID: "org-a", ID: "e1", First: t0.Add(3 * time.Second), Sum: 4}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after a restart:\n got %+v\nwant %+v", got, want)
	}
	// The newest within the limit, oldest first; nothing before since.
	if got, _ = s.RecentClientIDs(t.Context(), t0.Add(-time.Hour), 2); len(got) != 2 || got[0].ID != "e1" || got[0].OrgID != "org-b" {
		t.Fatalf("limit 2: %+v", got)
	}
	if got, _ = s.RecentClientIDs(t.Context(), t0.Add(2500*time.Millisecond), 10); len(got) != 1 || got[0].Sum != 4 {
		t.Fatalf("since: %+v", got)
	}
}
