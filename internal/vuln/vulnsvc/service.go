// Package vulnsvc is the server side of vulnerability management: it owns
// the vulnerability database (package vuln) kept under <data_dir>/vulndb,
// imports OSV files into it and saves it, matches one endpoint's software
// for the endpoint service (it implements endpoint.VulnMatcher), and gives
// the organisation-wide view: every endpoint's latest software inventory
// matched against the database, aggregated per CVE, package, endpoint and
// severity. Per-endpoint results are cached by inventory hash and database
// generation, so a page view after nothing changed costs one agent listing.
package vulnsvc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/vuln"
)

// lastImportFile records the latest import beside the database, so that
// the server and the CLI agree on "last import" across restarts.
const lastImportFile = "last-import.json"

// Options configure a Service.
type Options struct {
	// Store is the state store the fleet views read (agents and their
	// software); nil limits the service to import, Info and Match.
	Store store.Store
	// Dir keeps the database (vuln.FileName) and the last import's
	// summary; "" keeps everything in memory.
	Dir string
	// DB is the database to use; default a new empty one.
	DB *vuln.DB
	// ReloadInterval: Run checks Dir this often for a database saved by
	// someone else (the CLI's direct import) and loads it (default 1 min).
	ReloadInterval time.Duration
	Logger         *slog.Logger
	Now            func() time.Time
}

// Service is the vulnerability service. It is safe for concurrent use.
type Service struct {
	o   Options
	db  *vuln.DB
	log *slog.Logger
	// gen counts the database's generations: every import or load
	// bumps it, which invalidates every cached match.
	gen atomic.Uint64

	importMu sync.Mutex // serialises imports, saves and loads

	mu       sync.Mutex // guards last, fileMod, orgs
	last     *ImportSummary
	fileMod  time.Time            // modification time of the file as we last wrote or read it
	orgs     map[string]*orgCache // by org ID
	orgLocks map[string]*sync.Mutex
}

var _ endpoint.VulnMatcher = (*Service)(nil)

// New builds the service and loads the saved database from Dir, if any.
// A missing database is not an error (the service starts empty); an
// unreadable one is logged and skipped so that the server still starts.
func New(ctx context.Context, o Options) (*Service, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ReloadInterval <= 0 {
		o.ReloadInterval = time.Minute
	}
	log := o.Logger.With("component", "vuln")
	if o.DB == nil {
		o.DB = vuln.New(vuln.Options{Logger: log})
	}
	s := &Service{o: o, db: o.DB, log: log, orgs: map[string]*orgCache{}, orgLocks: map[string]*sync.Mutex{}}
	if o.Dir == "" {
		return s, nil
	}
	if err := s.load(ctx); err != nil {
		switch {
		case errors.Is(err, vuln.ErrNoDatabase):
		case errors.Is(err, vuln.ErrIncompatibleFile):
			s.log.Warn("the saved vulnerability database cannot be read; starting empty (import the data again)", "dir", o.Dir, "err", err)
		default:
			return nil, fmt.Errorf("cannot start vulnerability service: %w", err)
		}
	}
	s.last = readLastImport(o.Dir)
	return s, nil
}

// DB is the database the service matches against.
func (s *Service) DB() *vuln.DB { return s.db }

// Generation is the database's generation: it changes with every import
// or load.
func (s *Service) Generation() uint64 { return s.gen.Load() }

func (s *Service) load(ctx context.Context) error {
	s.importMu.Lock()
	defer s.importMu.Unlock()
	mod := fileModTime(s.o.Dir)
	if err := s.db.Load(ctx, s.o.Dir); err != nil {
		return err
	}
	s.gen.Add(1)
	s.mu.Lock()
	s.fileMod = mod
	s.mu.Unlock()
	return nil
}

func fileModTime(dir string) time.Time {
	fi, err := os.Stat(filepath.Join(dir, vuln.FileName))
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// Run reloads the database when another process (eventsec vulns import
// without --url) saved a newer one in Dir, until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if s.o.Dir == "" {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(s.o.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := s.ReloadIfChanged(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("cannot reload the vulnerability database", "err", err)
			}
		}
	}
}

// ReloadIfChanged loads the database file when it changed on disk since
// this service last wrote or read it; it says whether it did.
func (s *Service) ReloadIfChanged(ctx context.Context) (bool, error) {
	if s.o.Dir == "" {
		return false, nil
	}
	mod := fileModTime(s.o.Dir)
	s.mu.Lock()
	known := s.fileMod
	s.mu.Unlock()
	if mod.IsZero() || mod.Equal(known) {
		return false, nil
	}
	if err := s.load(ctx); err != nil {
		return false, err
	}
	last := readLastImport(s.o.Dir)
	s.mu.Lock()
	if last != nil {
		s.last = last
	}
	s.mu.Unlock()
	return true, nil
}

// ImportFile is one file to import: Path on disk, Name as the user knows
// it (an upload's file name), used in the report.
type ImportFile struct {
	Name string
	Path string
}

// FileReport is the outcome of importing one file.
type FileReport struct {
	Name string
	vuln.Report
	// Error says why nothing of the file was imported ("" when records
	// were read).
	Error string
}

// ImportResult is the outcome of an import of one or more files.
type ImportResult struct {
	Files []FileReport
	// Records counts the valid records read over all files.
	Records int
	Stats   vuln.Stats // the database after the import
}

// ImportSummary is what is remembered of the latest import.
type ImportSummary struct {
	At       time.Time     `json:"at"`
	Files    []FileSummary `json:"files"`
	Records  int           `json:"records"`
	Added    int           `json:"added"`
	Updated  int           `json:"updated"`
	Removed  int           `json:"removed"`
	Errors   int           `json:"errors"`
	Duration time.Duration `json:"duration_ns"`
}

// FileSummary is one file of the latest import.
type FileSummary struct {
	Name    string `json:"name"`
	Records int    `json:"records"`
	Errors  int    `json:"errors"`
}

// Import imports OSV files (.json records or arrays, .zip archives as
// osv.dev publishes them, or directories of them) one after the other,
// then saves the database once. A file that cannot be imported is
// reported in its FileReport while the others import; the error is for a
// cancelled context or a failed save.
func (s *Service) Import(ctx context.Context, files []ImportFile) (ImportResult, error) {
	if len(files) == 0 {
		return ImportResult{}, vuln.ErrNoInput
	}
	s.importMu.Lock()
	defer s.importMu.Unlock()
	started := s.o.Now()
	res := ImportResult{Files: make([]FileReport, 0, len(files))}
	sum := ImportSummary{At: started}
	for _, f := range files {
		rep, err := s.db.Import(ctx, f.Path)
		if err != nil && ctx.Err() != nil {
			s.gen.Add(1) // earlier files may have been committed
			return res, ctx.Err()
		}
		fr := FileReport{Name: f.Name, Report: renameReport(rep, f.Path, f.Name)}
		if err != nil {
			fr.Error = strings.ReplaceAll(err.Error(), f.Path, f.Name)
		}
		res.Files = append(res.Files, fr)
		res.Records += rep.Records
		sum.Files = append(sum.Files, FileSummary{Name: f.Name, Records: rep.Records, Errors: len(rep.Errors) + rep.ErrorsDropped})
		sum.Records += rep.Records
		sum.Added += rep.Added
		sum.Updated += rep.Updated
		sum.Removed += rep.Removed
		sum.Errors += len(rep.Errors) + rep.ErrorsDropped
	}
	sum.Duration = s.o.Now().Sub(started)
	s.gen.Add(1)
	res.Stats = s.db.Stats()
	if res.Records > 0 {
		s.mu.Lock()
		s.last = &sum
		s.mu.Unlock()
	}
	if s.o.Dir == "" || res.Records == 0 {
		return res, nil
	}
	if err := s.db.Save(ctx, s.o.Dir); err != nil {
		return res, err
	}
	if err := writeLastImport(s.o.Dir, sum); err != nil {
		s.log.Warn("cannot record the import summary", "err", err)
	}
	s.mu.Lock()
	s.fileMod = fileModTime(s.o.Dir)
	s.mu.Unlock()
	s.log.Info("vulnerability data imported", "files", len(files), "records", res.Records, "advisories", res.Stats.Advisories)
	return res, nil
}

// renameReport replaces the on-disk path (a temporary upload) by the
// name the user knows in the report's locations.
func renameReport(rep vuln.Report, path, name string) vuln.Report {
	if path == name {
		return rep
	}
	fix := func(in []vuln.FileError) []vuln.FileError {
		out := make([]vuln.FileError, len(in))
		for i, e := range in {
			if rest, ok := strings.CutPrefix(e.File, path); ok {
				e.File = name + rest
			}
			out[i] = e
		}
		return out
	}
	rep.Errors, rep.Warnings = fix(rep.Errors), fix(rep.Warnings)
	return rep
}

func readLastImport(dir string) *ImportSummary {
	b, err := os.ReadFile(filepath.Join(dir, lastImportFile))
	if err != nil {
		return nil
	}
	var sum ImportSummary
	if json.Unmarshal(b, &sum) != nil || sum.At.IsZero() {
		return nil
	}
	return &sum
}

func writeLastImport(dir string, sum ImportSummary) error {
	b, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, lastImportFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, lastImportFile))
}

// Info describes the database.
type Info struct {
	vuln.Stats
	LastImport *ImportSummary
	// Saved says whether the database is kept on disk (Dir set).
	Saved bool
}

// Info returns the database's statistics and the latest import.
func (s *Service) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := Info{Stats: s.db.Stats(), Saved: s.o.Dir != ""}
	if s.last != nil {
		l := *s.last
		in.LastImport = &l
	}
	return in
}

// Match implements endpoint.VulnMatcher: the vulnerabilities of one
// host's packages, most severe first. An empty database is "not
// available" (endpoint.ErrUnavailable) rather than "no vulnerability",
// so that the UI says to import data instead of giving false comfort.
func (s *Service) Match(ctx context.Context, pkgs []wire.Package, facts wire.HostFacts) ([]endpoint.Vulnerability, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.db.Stats().Advisories == 0 {
		return nil, fmt.Errorf("the vulnerability database is empty: %w", endpoint.ErrUnavailable)
	}
	in := make([]vuln.Package, len(pkgs))
	for i, p := range pkgs {
		in[i] = hostPackage(p.Name, p.Version, p.Source, p.SourceName, facts.Platform, facts.PlatformVer)
	}
	found := s.db.Match(in)
	out := make([]endpoint.Vulnerability, len(found))
	for i, f := range found {
		out[i] = endpoint.Vulnerability{ID: f.VulnID, Aliases: f.Aliases, Summary: f.Summary, Severity: string(f.Severity),
			Score: f.Score, Package: f.Package, InstalledVersion: f.InstalledVersion, FixedVersion: f.FixedVersion,
			Ecosystem: f.Ecosystem, Reason: f.Reason}
	}
	return out, nil
}

// hostPackage maps what an agent reports to what the matcher needs: the
// distribution is the host's os-release ID and VERSION_ID.
func hostPackage(name, version, source, sourceName, platform, platformVersion string) vuln.Package {
	return vuln.Package{Name: name, Version: version, Source: source, SourceName: sourceName,
		Distro: platform, DistroRelease: platformVersion}
}
