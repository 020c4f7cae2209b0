package vulnsvc

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

// TestFleetCache checks what a refresh recomputes: nothing when nothing
// changed; nothing but the record when an inventory brings the same
// software; everything after an import.
func TestFleetCache(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := st.Orgs().Create(ctx, store.Org{ID: "o1", Name: "o1", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	a := store.Agent{ID: "a1", OrgID: "o1", Name: "web-01", Hostname: "web-01", Platform: "debian", PlatformVersion: "12",
		Facts: "{}", Health: "{}", TokenPrefix: "p", TokenHash: "h", EnrolledAt: t0, UpdatedAt: t0}
	if err := st.Endpoints().Agents().Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	sw := []store.Software{{Name: "openssl", Version: "3.0.11-1~deb12u1", Source: "dpkg"}}
	put := func(at time.Time) {
		a.UpdatedAt = at
		if err := st.Endpoints().Agents().Update(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := st.Endpoints().Inventory().Put(ctx, store.Inventory{OrgID: "o1", AgentID: "a1", CollectedAt: at, ReceivedAt: at,
			Snapshot: []byte("{}"), Software: sw}); err != nil {
			t.Fatal(err)
		}
	}
	put(t0)
	s, err := New(ctx, Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, []ImportFile{{Name: "d", Path: "testdata/osv/debian.json"}}); err != nil {
		t.Fatal(err)
	}
	v1, err := s.fleet(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	e1 := v1.hosts[0]
	if len(e1.findings) != 2 {
		t.Fatalf("findings: %+v", e1.findings)
	}
	v2, _ := s.fleet(ctx, "o1")
	if v2 != v1 {
		t.Fatal("nothing changed, yet the view was rebuilt")
	}
	// Same software, newer record: the entry is replaced (views are
	// immutable) but the findings are reused, not matched again.
	put(t0.Add(time.Minute))
	v3, _ := s.fleet(ctx, "o1")
	if v3 == v1 || v3.hosts[0] == e1 || &v3.hosts[0].findings[0] != &e1.findings[0] {
		t.Fatal("same software was matched again")
	}
	// Renamed in the UI: the name follows without matching again.
	a.Name = "web-01-renamed"
	if err := st.Endpoints().Agents().Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	v4, _ := s.fleet(ctx, "o1")
	if v4.hosts[0].name != "web-01-renamed" || &v4.hosts[0].findings[0] != &e1.findings[0] || v1.hosts[0].name != "web-01" {
		t.Fatal("rename")
	}
	// An import matches again.
	if _, err := s.Import(ctx, []ImportFile{{Name: "l", Path: "testdata/osv/GHSA-test-lodash.json"}}); err != nil {
		t.Fatal(err)
	}
	v5, _ := s.fleet(ctx, "o1")
	if v5.hosts[0].gen != s.Generation() || &v5.hosts[0].findings[0] == &e1.findings[0] {
		t.Fatal("an import did not invalidate the cache")
	}
}

func TestKeyOf(t *testing.T) {
	tests := []struct {
		id      string
		aliases []string
		key     string
		cve     string
	}{
		{"CVE-2024-1234", nil, "CVE-2024-1234", "CVE-2024-1234"},
		{"DSA-5532-1", []string{"CVE-2023-5363"}, "CVE-2023-5363", "CVE-2023-5363"},
		{"DSA-5532-1", []string{"CVE-2023-5363", "CVE-2023-5678"}, "DSA-5532-1", ""},
		{"DEBIAN-CVE-2023-45853", nil, "CVE-2023-45853", "CVE-2023-45853"},
		{"UBUNTU-CVE-2022-3786", []string{"USN-1"}, "CVE-2022-3786", "CVE-2022-3786"},
		{"GHSA-xxxx-yyyy-zzzz", []string{"GO-2023-1"}, "GHSA-xxxx-yyyy-zzzz", ""},
		{"GHSA-xxxx-yyyy-zzzz", []string{"CVE-2021-1", "CVE-2021-1"}, "CVE-2021-1", "CVE-2021-1"},
	}
	for _, tc := range tests {
		if k, c := keyOf(tc.id, tc.aliases); k != tc.key || c != tc.cve {
			t.Errorf("keyOf(%s, %v) = %s, %s; want %s, %s", tc.id, tc.aliases, k, c, tc.key, tc.cve)
		}
	}
}

// FuzzKeyOf: the key is never empty for an id, and the CVE is the key or
// nothing.
func FuzzKeyOf(f *testing.F) {
	f.Add("DSA-1-1", "CVE-2020-1234")
	f.Add("DEBIAN-CVE-2020-12345", "")
	f.Fuzz(func(t *testing.T, id, alias string) {
		if id == "" {
			return
		}
		k, c := keyOf(id, []string{alias})
		if k == "" || (c != "" && c != k) {
			t.Fatalf("keyOf(%q, %q) = %q, %q", id, alias, k, c)
		}
	})
}
