package vuln_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/eventsec/eventsec/internal/vuln"
)

var hostPackages = []vuln.Package{
	deb("libssl3", "3.0.11-1~deb12u1", "openssl"),
	deb("zlib1g", "1:1.2.13.dfsg-1", "zlib"),
	deb("libxml2", "2.9.14+dfsg-1.3~deb12u1", ""),
	{Name: "semver", Version: "6.3.0", Source: "npm"},
	{Name: "Django", Version: "4.2rc1", Source: "pypi"},
	{Name: "org.apache.logging.log4j:log4j-core", Version: "2.14.1", Source: "maven"},
	{Name: "stdlib", Version: "go1.21.1", Source: "go"},
}

func TestSaveLoad(t *testing.T) {
	ctx := context.Background()
	db, _ := fixtureDB(t)
	dir := t.TempDir()
	if err := db.Save(ctx, dir); err != nil {
		t.Fatal(err)
	}
	loaded := quietDB()
	if err := loaded.Load(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if got, want := loaded.Match(hostPackages), db.Match(hostPackages); !reflect.DeepEqual(got, want) || len(got) < 7 {
		t.Errorf("after Load: %s\nwant %s", describe(got), describe(want))
	}
	a, _ := db.Get("USN-6450-1")
	b, err := loaded.Get("USN-6450-1")
	if err != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("Get after Load = %+v, %v\nwant %+v", b, err, a)
	}
	s1, s2 := db.Stats(), loaded.Stats()
	s1.UpdatedAt, s2.UpdatedAt = s2.UpdatedAt, s1.UpdatedAt
	if s1.Advisories != s2.Advisories || s1.AffectedPackages != s2.AffectedPackages || !reflect.DeepEqual(s1.Ecosystems, s2.Ecosystems) || !s1.LastModified.Equal(s2.LastModified) {
		t.Errorf("stats after Load %+v, want %+v", s2, s1)
	}
	// Saving again replaces the file atomically and leaves no temporary.
	if err := loaded.Save(ctx, dir); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != vuln.FileName {
		t.Errorf("directory holds %v", entries)
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	db, _ := fixtureDB(t)
	before := db.Stats().Advisories

	if err := db.Load(ctx, t.TempDir()); !errors.Is(err, vuln.ErrNoDatabase) {
		t.Errorf("Load(empty dir) = %v, want ErrNoDatabase", err)
	}
	dir := t.TempDir()
	if err := db.Save(ctx, dir); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, vuln.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("not gob"))
	zw.Close()
	for name, data := range map[string][]byte{
		"not a database":   []byte("hello world, this is no database"),
		"future version":   append([]byte("EVSVULNDB\n\x00\x00\x00\x02"), good[14:]...),
		"truncated":        good[:len(good)/2],
		"garbage payload":  append([]byte("EVSVULNDB\n\x00\x00\x00\x01"), gz.Bytes()...),
		"empty":            nil,
		"header only":      good[:14],
		"corrupted middle": corrupt(good),
	} {
		if err := os.WriteFile(filepath.Join(dir, vuln.FileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := db.Load(ctx, dir); !errors.Is(err, vuln.ErrIncompatibleFile) {
			t.Errorf("%s: Load = %v, want ErrIncompatibleFile", name, err)
		}
		if got := db.Stats().Advisories; got != before {
			t.Errorf("%s: a failed Load changed the data (%d advisories, want %d)", name, got, before)
		}
	}
}

func corrupt(b []byte) []byte {
	c := bytes.Clone(b)
	for i := len(c) / 3; i < len(c)/3+64 && i < len(c); i++ {
		c[i] ^= 0x5a
	}
	return c
}

// TestConcurrentMatchDuringImport matches continuously while imports
// replace the data: every match must see either the old or the new data,
// never a mix (run with -race to check the memory model too).
func TestConcurrentMatchDuringImport(t *testing.T) {
	ctx := context.Background()
	db := quietDB()
	if _, err := db.Import(ctx, "testdata/osv/debian"); err != nil {
		t.Fatal(err)
	}
	before := len(db.Match(hostPackages))
	full, _ := fixtureDB(t)
	after := len(full.Match(hostPackages))
	if before == after {
		t.Fatal("the two states must differ")
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int64
	var runs atomic.Int64
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if n := len(db.Match(hostPackages)); n != before && n != after {
					bad.Add(1)
				}
				runs.Add(1)
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if _, err := db.Import(ctx, "testdata/osv/lang", "testdata/osv/bad/GHSA-wdrn-withdrawn.json"); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d of %d matches saw a partial import", bad.Load(), runs.Load())
	}
	if got := len(db.Match(hostPackages)); got != after {
		t.Errorf("after the imports: %d findings, want %d", got, after)
	}
}
