package vuln

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"

	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/vuln/osv"
)

// FileError locates one problem in one input.
type FileError struct {
	File   string // the file; "archive.zip!member.json" for a ZIP member
	Path   string // JSON path of the offending value, e.g. "$[3].affected[0]"; "" for the whole file
	Offset int64  // byte offset in the document; -1 when unknown
	Reason string
}

// String formats the problem as "file path (byte n): reason".
func (e FileError) String() string {
	s := e.File
	if e.Path != "" {
		s += " " + e.Path
	}
	if e.Offset >= 0 {
		s += fmt.Sprintf(" (byte %d)", e.Offset)
	}
	return s + ": " + e.Reason
}

// Report summarises an import.
type Report struct {
	Files     int // JSON documents read: files and archive members
	Records   int // valid records read, withdrawn ones included
	Added     int // records new to the database
	Updated   int // records that replaced an older copy
	Unchanged int // records with the same modification time as the stored copy (replaced)
	Older     int // records older than the stored copy, which was kept
	Withdrawn int // withdrawn records, not imported
	Removed   int // stored records removed because the import withdrew them
	Skipped   int // files and archive members that are not JSON
	// Errors are inputs or records that could not be imported; Warnings
	// are records imported with a part ignored (an unreadable CVSS vector,
	// an affected package that can never match).
	Errors   []FileError
	Warnings []FileError
	// ErrorsDropped and WarningsDropped count what exceeded Limits.MaxErrors.
	ErrorsDropped   int
	WarningsDropped int
	Duration        time.Duration
}

// Import reads OSV records from files, directories (recursively: every
// .json and .zip inside) and ZIP archives (every .json member, as
// published by osv.dev), and merges them into the database: a record
// replaces a stored one with the same id unless it is older, and a
// withdrawn record removes the stored one. Problems with single files or
// records are listed in the Report while the rest imports; the returned
// error is for a cancelled context (nothing is applied then), no paths,
// or an import that read no record at all.
func (db *DB) Import(ctx context.Context, paths ...string) (Report, error) {
	if len(paths) == 0 {
		return Report{}, ErrNoInput
	}
	im := db.newImporter(ctx)
	for _, p := range paths {
		if err := im.importPath(p); err != nil {
			return im.finish(), err
		}
	}
	return db.commit(im)
}

// ImportData imports one uploaded document: a ZIP archive (recognised by
// its signature) or a JSON record or array of records. name labels it in
// the Report.
func (db *DB) ImportData(ctx context.Context, name string, data []byte) (Report, error) {
	im := db.newImporter(ctx)
	if err := im.importBytes(name, data); err != nil {
		return im.finish(), err
	}
	return db.commit(im)
}

type importer struct {
	ctx       context.Context
	limits    Limits
	start     time.Time
	report    Report
	staged    map[string]*Advisory
	withdrawn map[string]time.Time
	intern    map[string]string
	ecos      ecoCache
}

func (db *DB) newImporter(ctx context.Context) *importer {
	return &importer{
		ctx:       ctx,
		limits:    db.limits,
		start:     time.Now(),
		staged:    map[string]*Advisory{},
		withdrawn: map[string]time.Time{},
		intern:    map[string]string{},
		ecos:      ecoCache{},
	}
}

func (im *importer) finish() Report {
	im.report.Duration = time.Since(im.start)
	return im.report
}

func (im *importer) fail(file, jsonPath string, off int64, format string, args ...any) {
	if len(im.report.Errors) >= im.limits.MaxErrors {
		im.report.ErrorsDropped++
		return
	}
	im.report.Errors = append(im.report.Errors, FileError{File: file, Path: jsonPath, Offset: off, Reason: fmt.Sprintf(format, args...)})
}

func (im *importer) warn(file, jsonPath, reason string) {
	if len(im.report.Warnings) >= im.limits.MaxErrors {
		im.report.WarningsDropped++
		return
	}
	im.report.Warnings = append(im.report.Warnings, FileError{File: file, Path: jsonPath, Offset: -1, Reason: reason})
}

func (im *importer) importPath(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		im.fail(p, "", -1, "cannot read: %v", err)
		return nil
	}
	if !fi.IsDir() {
		return im.importFile(p, fi.Size(), true)
	}
	return filepath.WalkDir(p, func(fp string, d fs.DirEntry, err error) error {
		if err != nil {
			im.fail(fp, "", -1, "cannot read: %v", err)
			return nil
		}
		if cerr := im.ctx.Err(); cerr != nil {
			return cerr
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			im.fail(fp, "", -1, "cannot read: %v", err)
			return nil
		}
		return im.importFile(fp, info.Size(), false)
	})
}

// importFile reads one .json or .zip file; other files are skipped, or
// tried as JSON when named explicitly.
func (im *importer) importFile(p string, size int64, explicit bool) error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	lower := strings.ToLower(p)
	switch {
	case strings.HasSuffix(lower, ".zip"):
		zr, err := zip.OpenReader(p)
		if err != nil {
			im.fail(p, "", -1, "cannot open ZIP archive: %v", err)
			return nil
		}
		defer zr.Close()
		return im.importZip(p, &zr.Reader)
	case strings.HasSuffix(lower, ".json") || explicit:
		if size > im.limits.MaxFileBytes {
			im.fail(p, "", -1, "file is %d bytes, over the %d-byte limit", size, im.limits.MaxFileBytes)
			return nil
		}
		data, err := readLimited(p, im.limits.MaxFileBytes)
		if err != nil {
			im.fail(p, "", -1, "cannot read: %v", err)
			return nil
		}
		return im.importBytes(p, data)
	}
	im.report.Skipped++
	return nil
}

func readLimited(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("file grew over the %d-byte limit", limit)
	}
	return data, nil
}

func (im *importer) importBytes(name string, data []byte) error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			im.fail(name, "", -1, "cannot open ZIP archive: %v", err)
			return nil
		}
		return im.importZip(name, zr)
	}
	if int64(len(data)) > im.limits.MaxFileBytes {
		im.fail(name, "", -1, "document is %d bytes, over the %d-byte limit", len(data), im.limits.MaxFileBytes)
		return nil
	}
	im.importDocument(name, data)
	return nil
}

// importZip reads the JSON members of an archive. Nothing is extracted to
// disk; member names are still checked, and sizes are enforced while
// reading rather than trusted from the headers.
func (im *importer) importZip(name string, zr *zip.Reader) error {
	if n := len(zr.File); n > im.limits.MaxArchiveEntries {
		im.fail(name, "", -1, "archive has %d members, over the limit of %d", n, im.limits.MaxArchiveEntries)
		return nil
	}
	var total int64
	for _, f := range zr.File {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		member := name + "!" + f.Name
		if f.FileInfo().IsDir() {
			continue
		}
		if !safeMemberName(f.Name) {
			im.fail(member, "", -1, "unsafe member name (absolute or with ..), skipped")
			continue
		}
		if !strings.HasSuffix(strings.ToLower(f.Name), ".json") {
			// Nested archives are not opened either: no recursion, no bombs.
			im.report.Skipped++
			continue
		}
		if f.UncompressedSize64 > uint64(im.limits.MaxFileBytes) {
			im.fail(member, "", -1, "member is %d bytes uncompressed, over the %d-byte limit", f.UncompressedSize64, im.limits.MaxFileBytes)
			continue
		}
		if f.UncompressedSize64 > 0 && (f.CompressedSize64 == 0 || f.UncompressedSize64/f.CompressedSize64 > uint64(im.limits.MaxRatio)) {
			im.fail(member, "", -1, "compression ratio over %d:1, skipped as a possible ZIP bomb", im.limits.MaxRatio)
			continue
		}
		rc, err := f.Open()
		if err != nil {
			im.fail(member, "", -1, "cannot open member: %v", err)
			continue
		}
		// The header's size is only a hint for the buffer; the limit is
		// enforced on what actually inflates.
		var buf bytes.Buffer
		buf.Grow(int(f.UncompressedSize64) + bytes.MinRead)
		_, err = buf.ReadFrom(io.LimitReader(rc, im.limits.MaxFileBytes+1))
		rc.Close()
		data := buf.Bytes()
		switch {
		case err != nil:
			im.fail(member, "", -1, "cannot read member: %v", err)
			continue
		case int64(len(data)) > im.limits.MaxFileBytes:
			im.fail(member, "", -1, "member inflates past the %d-byte limit", im.limits.MaxFileBytes)
			continue
		}
		total += int64(len(data))
		if total > im.limits.MaxArchiveBytes {
			im.fail(name, "", -1, "archive inflates past the %d-byte limit; the rest of it is skipped", im.limits.MaxArchiveBytes)
			return nil
		}
		im.importDocument(member, data)
	}
	return nil
}

func safeMemberName(n string) bool {
	if n == "" || strings.HasPrefix(n, "/") || strings.Contains(n, "\\") || strings.Contains(n, ":") {
		return false
	}
	for part := range strings.SplitSeq(n, "/") {
		if part == ".." {
			return false
		}
	}
	return path.Clean(n) != ".."
}

func (im *importer) importDocument(name string, data []byte) {
	im.report.Files++
	recs, errs := osv.Parse(data)
	for _, e := range errs {
		reason := e.Err.Error()
		if e.ID != "" {
			reason = e.ID + ": " + reason
		}
		im.fail(name, e.Path, e.Offset, "%s", reason)
	}
	for i := range recs {
		im.report.Records++
		im.stage(name, &recs[i])
	}
}

// stage keeps the newest copy of each record of this import.
func (im *importer) stage(origin string, r *osv.Record) {
	if !r.Withdrawn.IsZero() {
		im.report.Withdrawn++
		if t, ok := im.withdrawn[r.ID]; !ok || r.Modified.After(t) {
			im.withdrawn[r.ID] = r.Modified
		}
		if s, ok := im.staged[r.ID]; ok && !s.Modified.After(r.Modified) {
			delete(im.staged, r.ID)
		}
		return
	}
	if t, ok := im.withdrawn[r.ID]; ok && !r.Modified.After(t) {
		return
	}
	if s, ok := im.staged[r.ID]; ok && s.Modified.After(r.Modified) {
		return
	}
	a := im.advisory(origin, r)
	im.staged[r.ID] = &a
}

func (im *importer) str(s string) string {
	if v, ok := im.intern[s]; ok {
		return v
	}
	im.intern[s] = s
	return s
}

// advisory converts a record, rating each affected package and sorting
// its range events.
func (im *importer) advisory(origin string, r *osv.Record) Advisory {
	// Empty lists are stored as nil, as a saved and loaded copy has them.
	a := Advisory{
		ID:         r.ID,
		Related:    nilIfEmpty(r.Related),
		Summary:    r.Summary,
		Details:    r.Details,
		Modified:   r.Modified,
		Published:  r.Published,
		Severity:   nilIfEmpty(r.Severity),
		References: nilIfEmpty(r.References),
		Origin:     origin,
	}
	seen := map[string]bool{r.ID: true}
	for _, id := range slices.Concat(r.Aliases, r.Upstream) {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			a.Aliases = append(a.Aliases, id)
		}
	}
	prefix := "$"
	if r.Position >= 0 {
		prefix = fmt.Sprintf("$[%d]", r.Position)
	}
	for i := range r.Affected {
		ra := &r.Affected[i]
		jsonPath := fmt.Sprintf("%s.affected[%d]", prefix, i)
		if ra.Package.Name == "" {
			im.warn(origin, jsonPath, r.ID+": no package; only GIT ranges, which cannot be matched to installed versions")
			continue
		}
		rt := rate(r, ra, func(msg string) { im.warn(origin, jsonPath, r.ID+": "+msg) })
		ap := AffectedPackage{
			Ecosystem:      im.str(ra.Package.Ecosystem),
			Name:           im.str(ra.Package.Name),
			PURL:           ra.Package.PURL,
			Binaries:       binaries(ra.EcosystemSpecific),
			Ranges:         nilIfEmpty(ra.Ranges),
			Versions:       nilIfEmpty(ra.Versions),
			Severity:       rt.Level,
			Score:          rt.Score,
			SeveritySource: im.str(rt.Source),
		}
		for k, b := range ap.Binaries {
			ap.Binaries[k] = im.str(b)
		}
		for k := range ap.Ranges {
			for e := range ap.Ranges[k].Events {
				ev := &ap.Ranges[k].Events[e]
				ev.Version = im.str(ev.Version)
			}
		}
		info := im.ecos.get(ap.Ecosystem)
		sortEvents(&ap, info.scheme)
		if !matchable(&ap) {
			im.warn(origin, jsonPath, r.ID+": only GIT ranges and no versions list; cannot be matched to installed versions")
		} else if info.release == unplaceable {
			im.warn(origin, jsonPath, fmt.Sprintf("%s: ecosystem %q needs a release; this package can never match", r.ID, ap.Ecosystem))
		}
		a.Affected = append(a.Affected, ap)
	}
	return a
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// binaries reads ecosystem_specific.binaries in both shapes Ubuntu and
// SUSE publish: [{"binary_name": "libssl3", "binary_version": "..."}] and
// [{"libssl3": "3.0.2-0ubuntu1.12", "openssl": "..."}].
func binaries(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	var es struct {
		Binaries []json.RawMessage `json:"binaries"`
	}
	if json.Unmarshal(raw, &es) != nil {
		return nil
	}
	var out []string
	for _, b := range es.Binaries {
		var name string
		if json.Unmarshal(b, &name) == nil {
			out = append(out, name)
			continue
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if n, ok := m["binary_name"].(string); ok {
			out = append(out, n)
			continue
		}
		for k := range m {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// commit merges the staged records into a new snapshot and swaps it in.
func (db *DB) commit(im *importer) (Report, error) {
	if err := im.ctx.Err(); err != nil {
		return im.finish(), err
	}
	if len(im.staged) == 0 && len(im.withdrawn) == 0 {
		report := im.finish()
		if len(report.Errors) > 0 {
			return report, fmt.Errorf("%w: %s", ErrNothingImported, report.Errors[0])
		}
		return report, nil
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	old := db.snap.Load()
	merged := make(map[string]*Advisory, len(old.advisories)+len(im.staged))
	for i := range old.advisories {
		merged[old.advisories[i].ID] = &old.advisories[i]
	}
	rep := &im.report
	for id, a := range im.staged {
		prev, ok := merged[id]
		switch {
		case !ok:
			rep.Added++
		case a.Modified.Before(prev.Modified):
			rep.Older++
			continue
		case a.Modified.Equal(prev.Modified):
			rep.Unchanged++
		default:
			rep.Updated++
		}
		merged[id] = a
	}
	for id, t := range im.withdrawn {
		if prev, ok := merged[id]; ok && !prev.Modified.After(t) {
			delete(merged, id)
			rep.Removed++
		}
	}
	advs := make([]Advisory, 0, len(merged))
	for _, a := range merged {
		advs = append(advs, *a)
	}
	slices.SortFunc(advs, func(a, b Advisory) int { return strings.Compare(a.ID, b.ID) })
	db.snap.Store(buildSnapshot(advs, time.Now()))
	report := im.finish()
	db.log.Info("vulnerability records imported",
		slog.Int("files", report.Files), slog.Int("records", report.Records),
		slog.Int("added", report.Added), slog.Int("updated", report.Updated),
		slog.Int("withdrawn", report.Withdrawn), slog.Int("removed", report.Removed),
		slog.Int("errors", len(report.Errors)+report.ErrorsDropped), slog.Int("advisories", len(advs)),
		slog.Duration("took", report.Duration))
	if report.Records == 0 && len(report.Errors) > 0 {
		return report, fmt.Errorf("%w: %s", ErrNothingImported, report.Errors[0])
	}
	return report, nil
}
