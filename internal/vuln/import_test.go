package vuln_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/vuln"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestImportReport checks what an import of the fixture tree reports,
// against testdata/import_report.golden: counts, then every error and
// warning with its file, JSON path and offset.
func TestImportReport(t *testing.T) {
	db, rep := fixtureDB(t)
	var b strings.Builder
	fmt.Fprintf(&b, "files=%d records=%d added=%d withdrawn=%d skipped=%d\n", rep.Files, rep.Records, rep.Added, rep.Withdrawn, rep.Skipped)
	for _, e := range rep.Errors {
		fmt.Fprintf(&b, "error   %s\n", e)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(&b, "warning %s\n", w)
	}
	st := db.Stats()
	var ecos []string
	for k, v := range st.Ecosystems {
		ecos = append(ecos, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(ecos)
	fmt.Fprintf(&b, "advisories=%d affected=%d unmatchable=%d last_modified=%s\n", st.Advisories, st.AffectedPackages, st.Unmatchable, st.LastModified.Format(time.RFC3339))
	fmt.Fprintf(&b, "ecosystems %s\n", strings.Join(ecos, " "))
	golden(t, "testdata/import_report.golden", b.String())

	if _, err := db.Get("GHSA-wdrn-with-drwn"); !errors.Is(err, vuln.ErrNotFound) {
		t.Errorf("withdrawn record stored: %v", err)
	}
	a, err := db.Get("USN-6450-1")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.Affected[0].Binaries, ","); got != "libssl-dev,libssl3,openssl" {
		t.Errorf("binaries = %s", got)
	}
	if !strings.HasSuffix(a.Origin, filepath.Join("ubuntu", "USN-6450-1.json")) {
		t.Errorf("origin = %s", a.Origin)
	}
}

func record(id, modified, fixed string, withdrawn bool) string {
	w := ""
	if withdrawn {
		w = `"withdrawn": "` + modified + `",`
	}
	return `{"id": "` + id + `", "modified": "` + modified + `", ` + w + `
		"affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
		"ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "` + fixed + `"}]}]}]}`
}

func TestImportMerge(t *testing.T) {
	ctx := context.Background()
	db := quietDB()
	fixedOf := func() string {
		fs := db.Match([]vuln.Package{{Name: "left-pad", Version: "0.0.1", Source: "npm"}})
		if len(fs) == 0 {
			return ""
		}
		return fs[0].FixedVersion
	}
	steps := []struct {
		doc   string
		check func(vuln.Report) bool
		fixed string
	}{
		{record("GHSA-1", "2023-01-01T00:00:00Z", "1.1.0", false), func(r vuln.Report) bool { return r.Added == 1 }, "1.1.0"},
		{record("GHSA-1", "2023-02-01T00:00:00Z", "1.2.0", false), func(r vuln.Report) bool { return r.Updated == 1 }, "1.2.0"},
		{record("GHSA-1", "2023-01-15T00:00:00Z", "1.0.5", false), func(r vuln.Report) bool { return r.Older == 1 }, "1.2.0"},
		{record("GHSA-1", "2023-02-01T00:00:00Z", "1.2.0", false), func(r vuln.Report) bool { return r.Unchanged == 1 }, "1.2.0"},
		// In one document the newest copy of a record wins, whatever the order.
		{"[" + record("GHSA-2", "2023-03-02T00:00:00Z", "2.0.0", false) + "," + record("GHSA-2", "2023-03-01T00:00:00Z", "0.1.0", false) + "]",
			func(r vuln.Report) bool { return r.Added == 1 && r.Records == 2 }, "1.2.0"},
		{record("GHSA-1", "2023-04-01T00:00:00Z", "1.2.0", true), func(r vuln.Report) bool { return r.Withdrawn == 1 && r.Removed == 1 }, "2.0.0"},
	}
	for i, st := range steps {
		rep, err := db.ImportData(ctx, fmt.Sprintf("step%d.json", i), []byte(st.doc))
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if !st.check(rep) {
			t.Errorf("step %d: report %+v", i, rep)
		}
		if got := fixedOf(); got != st.fixed {
			t.Errorf("step %d: fixed version %q, want %q", i, got, st.fixed)
		}
	}
	if _, err := db.Get("GHSA-1"); !errors.Is(err, vuln.ErrNotFound) {
		t.Errorf("Get(withdrawn) = %v, want ErrNotFound", err)
	}
	if got := db.Stats().Advisories; got != 1 {
		t.Errorf("advisories = %d, want 1", got)
	}
}

func TestImportErrors(t *testing.T) {
	ctx := context.Background()
	db := quietDB()
	if _, err := db.Import(ctx); !errors.Is(err, vuln.ErrNoInput) {
		t.Errorf("Import() = %v, want ErrNoInput", err)
	}
	rep, err := db.Import(ctx, "testdata/osv/does-not-exist.json")
	if !errors.Is(err, vuln.ErrNothingImported) || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Reason, "cannot read") {
		t.Errorf("missing file: %v, %+v", err, rep)
	}
	rep, err = db.Import(ctx, "testdata/osv/bad/syntax.json")
	if !errors.Is(err, vuln.ErrNothingImported) || len(rep.Errors) != 1 || rep.Errors[0].Offset != 212 {
		t.Errorf("syntax error: %v, %+v", err, rep)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.Import(cctx, "testdata/osv"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: %v", err)
	}
	if db.Stats().Advisories != 0 {
		t.Errorf("a failed or cancelled import changed the data")
	}
}

// buildZip writes an osv.dev-style archive: one record per member.
func buildZip(t *testing.T, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(members))
	for n := range members {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(members[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportZip packs the fixtures the way osv.dev's all.zip is packed and
// checks that importing the archive (from disk and as an upload) gives the
// same findings as importing the directory.
func TestImportZip(t *testing.T) {
	ctx := context.Background()
	members := map[string][]byte{}
	files, _ := filepath.Glob("testdata/osv/*/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		members[filepath.Base(f)] = data
	}
	members["README.md"] = []byte("not JSON")
	archive := buildZip(t, members)
	path := filepath.Join(t.TempDir(), "all.zip")
	if err := os.WriteFile(path, archive, 0o600); err != nil {
		t.Fatal(err)
	}

	dirDB, dirRep := fixtureDB(t)
	zipDB := quietDB()
	zipRep, err := zipDB.Import(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	upDB := quietDB()
	upRep, err := upDB.ImportData(ctx, "upload.zip", archive)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []vuln.Report{zipRep, upRep} {
		if r.Records != dirRep.Records || r.Added != dirRep.Added || r.Skipped != 1 || len(r.Errors) != len(dirRep.Errors) {
			t.Errorf("zip report %+v, directory report %+v", r, dirRep)
		}
	}
	if !strings.Contains(zipRep.Errors[0].File, "all.zip!") {
		t.Errorf("member errors should name the archive and member: %s", zipRep.Errors[0])
	}
	pkgs := []vuln.Package{
		deb("libssl3", "3.0.11-1~deb12u1", "openssl"),
		{Name: "semver", Version: "6.3.0", Source: "npm"},
		{Name: "django", Version: "4.2", Source: "pypi"},
	}
	want := describe(dirDB.Match(pkgs))
	if got := describe(zipDB.Match(pkgs)); got != want {
		t.Errorf("zip findings %s\nwant %s", got, want)
	}
	if got := describe(upDB.Match(pkgs)); got != want {
		t.Errorf("upload findings %s\nwant %s", got, want)
	}
}

// TestImportZipGuards feeds hostile archives: traversal names, a ZIP
// bomb, a header that lies about the size, too many members, a nested
// archive, and an archive that inflates past the total limit.
func TestImportZipGuards(t *testing.T) {
	ctx := context.Background()
	good := []byte(record("GHSA-ok", "2023-01-01T00:00:00Z", "1.0.0", false))
	limits := vuln.Limits{MaxFileBytes: 64 << 10, MaxArchiveBytes: 1 << 20, MaxArchiveEntries: 50, MaxRatio: 100}
	db := vuln.New(vuln.Options{Logger: quietLog, Limits: limits})

	t.Run("names", func(t *testing.T) {
		archive := buildZip(t, map[string][]byte{
			"../../etc/evil.json": good, "/abs.json": good, `dir\win.json`: good, "c:x.json": good, "ok/GHSA-ok.json": good,
			"nested.zip": buildZip(t, map[string][]byte{"inner.json": good}),
		})
		rep, err := db.ImportData(ctx, "names.zip", archive)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Records != 1 || len(rep.Errors) != 4 || rep.Skipped != 1 {
			t.Errorf("report %+v", rep)
		}
		for _, e := range rep.Errors {
			if !strings.Contains(e.Reason, "unsafe member name") {
				t.Errorf("error %s", e)
			}
		}
	})
	t.Run("bomb", func(t *testing.T) {
		// 600 KiB of spaces around a record deflate about 1000:1.
		bomb := append(bytes.Repeat([]byte(" "), 600<<10), good...)
		rep, _ := db.ImportData(ctx, "bomb.zip", buildZip(t, map[string][]byte{"bomb.json": bomb}))
		if rep.Records != 0 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Reason, "over the 65536-byte limit") {
			t.Errorf("report %+v", rep)
		}
		small := append(bytes.Repeat([]byte(" "), 30<<10), good...) // under the size limit, ratio far over 100:1
		rep, _ = db.ImportData(ctx, "ratio.zip", buildZip(t, map[string][]byte{"ratio.json": small}))
		if rep.Records != 0 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Reason, "compression ratio") {
			t.Errorf("report %+v", rep)
		}
	})
	t.Run("lying header", func(t *testing.T) {
		// The member claims 200 bytes but inflates to 1 MiB; the reader
		// must stop at the limit whatever the header says.
		payload := append(bytes.Repeat([]byte("\n"), 1<<20), good...)
		compressed := deflate(t, payload)
		var raw bytes.Buffer
		zw := zip.NewWriter(&raw)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: "liar.json", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(payload),
			CompressedSize64: uint64(len(compressed)), UncompressedSize64: 200})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(compressed); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		rep, _ := db.ImportData(ctx, "liar.zip", raw.Bytes())
		if rep.Records != 0 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Reason, "cannot read member: zip: not a valid zip file") {
			t.Errorf("report %+v", rep)
		}
	})
	t.Run("too many members", func(t *testing.T) {
		members := map[string][]byte{}
		for i := 0; i < 51; i++ {
			members[fmt.Sprintf("r%d.json", i)] = []byte(record(fmt.Sprintf("GHSA-%d", i), "2023-01-01T00:00:00Z", "1.0.0", false))
		}
		rep, _ := db.ImportData(ctx, "many.zip", buildZip(t, members))
		if rep.Records != 0 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Reason, "51 members") {
			t.Errorf("report %+v", rep)
		}
	})
	t.Run("total size", func(t *testing.T) {
		members := map[string][]byte{}
		for i := 0; i < 40; i++ {
			// ~40 KiB of varied text each, so the ratio stays low: 1.6 MiB in all.
			var b bytes.Buffer
			fmt.Fprintf(&b, `{"id": "GHSA-big-%d", "details": "`, i)
			for b.Len() < 40<<10 {
				fmt.Fprintf(&b, "%x", crc32.ChecksumIEEE([]byte(fmt.Sprint(i, b.Len()))))
			}
			b.WriteString(`"}`)
			members[fmt.Sprintf("big%02d.json", i)] = b.Bytes()
		}
		rep, _ := db.ImportData(ctx, "big.zip", buildZip(t, members))
		last := rep.Errors[len(rep.Errors)-1]
		if rep.Records == 0 || rep.Records >= 40 || !strings.Contains(last.Reason, "inflates past the 1048576-byte limit") {
			t.Errorf("report: %d records, errors %v", rep.Records, rep.Errors)
		}
	})
}

func deflate(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "x", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].OpenRaw()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// FuzzImportData feeds arbitrary uploads (JSON or ZIP) through the whole
// import: parsing, rating, event sorting and indexing must never panic, and
// whatever was imported must be matchable.
func FuzzImportData(f *testing.F) {
	files, _ := filepath.Glob("testdata/osv/*/*.json")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		db := vuln.New(vuln.Options{Logger: quietLog, Limits: vuln.Limits{MaxFileBytes: 1 << 20, MaxArchiveBytes: 4 << 20}})
		rep, _ := db.ImportData(context.Background(), "fuzz", data)
		if rep.Added > rep.Records {
			t.Fatalf("added %d of %d records", rep.Added, rep.Records)
		}
		db.Match([]vuln.Package{
			{Name: "x", Version: "1.0.0", Source: "npm"},
			{Name: "openssl", Version: "1:3.0.7-1", Source: "dpkg", Distro: "debian", DistroRelease: "12"},
			{Name: "left-pad", Version: "0.0.1", Source: "npm"},
		})
	})
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", path, got, want)
	}
}
