package vulnsvc

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
	"github.com/eventsec/eventsec/internal/vuln/vulntest"
)

// BenchmarkFleet lists the vulnerabilities of 200 endpoints of 1,000
// packages each against 20,000 generated records, in SQLite:
//
//	go test -run=^$ -bench=Fleet -benchmem ./internal/vuln/vulnsvc/
//
// cold: after an import, every endpoint's software is read and matched
// again; warm: nothing changed, the cached view answers.
func BenchmarkFleet(b *testing.B) {
	ctx := b.Context()
	corpus, err := vulntest.Generate(20_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	t0 := time.Now()
	if err := st.Orgs().Create(ctx, store.Org{ID: "o1", Name: "o1", CreatedAt: t0}); err != nil {
		b.Fatal(err)
	}
	hosts := corpus.Hosts(200, 1000)
	for i, h := range hosts {
		id := fmt.Sprintf("a%03d", i)
		p0 := h.Packages[0]
		if err := st.Endpoints().Agents().Create(ctx, store.Agent{ID: id, OrgID: "o1", Name: h.Name + id, Hostname: h.Name + id,
			Platform: p0.Distro, PlatformVersion: p0.DistroRelease, Facts: "{}", Health: "{}", TokenPrefix: id, TokenHash: id,
			EnrolledAt: t0, UpdatedAt: t0}); err != nil {
			b.Fatal(err)
		}
		sw := make([]store.Software, len(h.Packages))
		for j, p := range h.Packages {
			sw[j] = store.Software{Name: p.Name, Version: p.Version, Source: p.Source, SourceName: p.SourceName}
		}
		if err := st.Endpoints().Inventory().Put(ctx, store.Inventory{OrgID: "o1", AgentID: id, CollectedAt: t0, ReceivedAt: t0,
			Snapshot: []byte("{}"), Software: sw}); err != nil {
			b.Fatal(err)
		}
	}
	s, err := New(ctx, Options{Store: st})
	if err != nil {
		b.Fatal(err)
	}
	for name, data := range corpus.Archives {
		if _, err := s.db.ImportData(ctx, name, data); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.gen.Add(1)
			p, err := s.List(ctx, "o1", Filter{})
			if err != nil || p.Total == 0 {
				b.Fatal(err, p.Total)
			}
		}
		b.ReportMetric(200, "endpoints/op")
	})
	b.Run("warm", func(b *testing.B) {
		if _, err := s.List(ctx, "o1", Filter{}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := s.List(ctx, "o1", Filter{Severities: nil, Query: "a"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
