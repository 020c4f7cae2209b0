package vuln_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/eventsec/eventsec/internal/vuln"
	"github.com/eventsec/eventsec/internal/vuln/vulntest"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func quietDB() *vuln.DB { return vuln.New(vuln.Options{Logger: quietLog}) }

// BenchmarkMatch matches one endpoint of 2,000 packages against 20,000
// generated records (go run ./bench/vuln does 100,000):
//
//	go test -run=^$ -bench=Match -benchmem ./internal/vuln/
func BenchmarkMatch(b *testing.B) {
	corpus, err := vulntest.Generate(20_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	db := quietDB()
	for name, data := range corpus.Archives {
		if _, err := db.ImportData(context.Background(), name, data); err != nil {
			b.Fatal(err)
		}
	}
	hosts := corpus.Hosts(4, 2000)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		db.Match(hosts[i%len(hosts)].Packages)
		i++
	}
}

// BenchmarkImport imports 5,000 generated records from osv.dev-style ZIP
// archives.
func BenchmarkImport(b *testing.B) {
	corpus, err := vulntest.Generate(5_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		db := quietDB()
		for name, data := range corpus.Archives {
			if _, err := db.ImportData(context.Background(), name, data); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(corpus.Records), "records/op")
}
