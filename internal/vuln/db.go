// Package vuln matches the software installed on endpoints against
// vulnerability records imported in OSV format. Records are kept in an
// in-memory index keyed by ecosystem, release and package name, so that an
// endpoint's packages are matched with a few map lookups each; versions
// are compared by each ecosystem's own rules (package version), and every
// finding says which package, installed version, range and event matched.
//
// A DB answers Match from an immutable snapshot: imports and loads build a
// new snapshot aside and swap it in atomically, so matching never waits
// for an import and never sees half of one.
package vuln

import (
	"cmp"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/vuln/osv"
	"github.com/eventsec/eventsec/internal/vuln/version"
)

// Package is one installed package as an agent reports it.
type Package struct {
	Name    string
	Version string
	// Source is the package database: dpkg, rpm, apk, or a language
	// ecosystem (npm, pypi, go, maven, cargo, nuget, gem, composer).
	// Windows and macOS software has no OSV ecosystem and never matches.
	Source string
	// Distro and DistroRelease are the host's os-release ID and VERSION_ID
	// ("debian" "12", "ubuntu" "22.04", "alpine" "3.19.1", "rocky" "9.3",
	// "rhel" "9.3", "sles" "15.5", "opensuse-leap" "15.5"); codenames such
	// as "bookworm" and "jammy" are accepted too. Ignored for language
	// ecosystems.
	Distro        string
	DistroRelease string
	// SourceName is the source package (Debian, Ubuntu, Alpine origin, RPM
	// SOURCERPM); distribution records are keyed by it.
	SourceName string
	// SourceVersion is the source package's version when it differs from
	// Version (Debian binNMUs); optional.
	SourceVersion string
}

// Finding is one vulnerability affecting one installed package.
type Finding struct {
	VulnID  string
	Aliases []string // other ids of the same flaw: CVE, GHSA, ...
	Summary string
	// Severity rates the matching package: from its CVSS v3 vector if the
	// record has one, else a CVSS v4 vector (approximate score, the
	// database's own word if given), else the database's word (Debian
	// urgency, Ubuntu priority, GitHub or Red Hat severity), else a CVSS
	// v2 vector. Score is the CVSS base score, 0 without a vector;
	// SeveritySource says which of these decided, e.g. "CVSS 3.1 base
	// score 9.8 (CVSS:3.1/AV:N/...)" or "Debian urgency low".
	Severity       Severity
	Score          float64
	SeveritySource string

	Package          string // the installed package's name
	InstalledVersion string
	FixedVersion     string // "" when no fix is known
	Ecosystem        string // the matching record's ecosystem, e.g. "Debian:12"
	// MatchedName is the record's package name: the installed name, its
	// source package, or (Ubuntu, SUSE) the source whose binary it is.
	MatchedName string
	// Reason explains the match, e.g. "openssl 3.0.11-1~deb12u1 is in
	// [introduced 0, fixed 3.0.11-1~deb12u2) of Debian:12".
	Reason string
	// Comparator is the version order used; Approximate is true when the
	// ecosystem had no known order and the generic one was used.
	Comparator  version.Scheme
	Approximate bool
}

// Advisory is one imported OSV record as the database keeps it.
type Advisory struct {
	ID         string
	Aliases    []string // aliases and upstream ids
	Related    []string
	Summary    string
	Details    string
	Modified   time.Time
	Published  time.Time
	Severity   []osv.Severity // the record's own vectors, for display
	References []osv.Reference
	Affected   []AffectedPackage
	// Origin is the file (and archive member) the record came from.
	Origin string
}

// AffectedPackage is one affected entry of an advisory.
type AffectedPackage struct {
	Ecosystem string // as written in the record, e.g. "Ubuntu:Pro:18.04:LTS"
	Name      string
	PURL      string
	// Binaries are the binary packages built from Name, from Ubuntu's and
	// SUSE's ecosystem_specific; installed binaries match through them.
	Binaries []string
	// Ranges have their events sorted by the ecosystem's version order.
	Ranges   []osv.Range
	Versions []string
	// Severity, Score and SeveritySource rate this package (see Finding).
	Severity       Severity
	Score          float64
	SeveritySource string
}

// Stats describe the loaded data.
type Stats struct {
	Advisories       int
	AffectedPackages int
	// Ecosystems counts affected packages per ecosystem name ("Debian",
	// "npm", ...).
	Ecosystems map[string]int
	// Unmatchable counts affected packages no endpoint can ever match:
	// GIT-only ranges, or a distribution record without a release.
	Unmatchable  int
	LastModified time.Time // newest record modification
	UpdatedAt    time.Time // when this data was imported or loaded
}

// Options configure a DB.
type Options struct {
	Logger *slog.Logger // default slog.Default()
	Limits Limits
}

// Limits bound what an import reads, against oversized files and ZIP bombs.
type Limits struct {
	MaxFileBytes      int64 // one JSON file or archive member; default 64 MiB
	MaxArchiveBytes   int64 // all members of one ZIP together, uncompressed; default 8 GiB
	MaxArchiveEntries int   // members of one ZIP; default 2,000,000
	MaxRatio          int64 // uncompressed/compressed size of one member; default 1000
	MaxErrors         int   // errors and warnings kept in a Report, each; default 1000
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 64 << 20
	}
	if l.MaxArchiveBytes <= 0 {
		l.MaxArchiveBytes = 8 << 30
	}
	if l.MaxArchiveEntries <= 0 {
		l.MaxArchiveEntries = 2_000_000
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = 1000
	}
	if l.MaxErrors <= 0 {
		l.MaxErrors = 1000
	}
	return l
}

// DB is the vulnerability database. It is safe for concurrent use.
type DB struct {
	log    *slog.Logger
	limits Limits
	// writeMu serialises Import, Load and Clear; readers never take it.
	writeMu sync.Mutex
	snap    atomic.Pointer[snapshot]
}

// New returns an empty database.
func New(opts Options) *DB {
	db := &DB{log: opts.Logger, limits: opts.Limits.withDefaults()}
	if db.log == nil {
		db.log = slog.Default()
	}
	db.snap.Store(buildSnapshot(nil, time.Time{}))
	return db
}

// Stats describes the current data.
func (db *DB) Stats() Stats {
	s := db.snap.Load().stats
	s.Ecosystems = cloneMap(s.Ecosystems)
	return s
}

// Get returns the advisory with the given id.
func (db *DB) Get(id string) (Advisory, error) {
	s := db.snap.Load()
	i, ok := s.byID[id]
	if !ok {
		return Advisory{}, ErrNotFound
	}
	return s.advisories[i], nil
}

// Clear drops all data.
func (db *DB) Clear() {
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	db.snap.Store(buildSnapshot(nil, time.Now()))
}

// snapshot is an immutable generation of the database.
type snapshot struct {
	advisories []Advisory // sorted by ID
	byID       map[string]int
	// index maps family \x00 release \x00 name to the entries to check.
	index map[string][]ref
	stats Stats
}

// ref points at one affected package of one advisory.
type ref struct {
	adv, aff int32
	binary   bool // reached through a binary name rather than the package name
}

func indexKey(family, release, name string) string {
	return family + "\x00" + release + "\x00" + name
}

// buildSnapshot indexes advisories, which must be sorted by ID and have
// their range events sorted already.
func buildSnapshot(advs []Advisory, at time.Time) *snapshot {
	s := &snapshot{
		advisories: advs,
		byID:       make(map[string]int, len(advs)),
		index:      make(map[string][]ref, len(advs)),
		stats:      Stats{Advisories: len(advs), Ecosystems: map[string]int{}, UpdatedAt: at},
	}
	ecos := ecoCache{}
	for i := range advs {
		a := &advs[i]
		s.byID[a.ID] = i
		if a.Modified.After(s.stats.LastModified) {
			s.stats.LastModified = a.Modified
		}
		for j := range a.Affected {
			ap := &a.Affected[j]
			s.stats.AffectedPackages++
			info := ecos.get(ap.Ecosystem)
			family, release := info.family, info.release
			s.stats.Ecosystems[info.name]++
			if release == unplaceable || !matchable(ap) {
				s.stats.Unmatchable++
				continue
			}
			r := ref{adv: int32(i), aff: int32(j)}
			k := indexKey(family, release, normName(family, ap.Name))
			s.index[k] = append(s.index[k], r)
			for _, b := range ap.Binaries {
				if bn := normName(family, b); bn != normName(family, ap.Name) {
					kb := indexKey(family, release, bn)
					s.index[kb] = append(s.index[kb], ref{adv: int32(i), aff: int32(j), binary: true})
				}
			}
		}
	}
	return s
}

// matchable: an entry with only GIT ranges and no versions list cannot be
// evaluated against an installed version.
func matchable(ap *AffectedPackage) bool {
	if len(ap.Versions) > 0 {
		return true
	}
	for _, r := range ap.Ranges {
		if r.Type != osv.RangeGit {
			return true
		}
	}
	return false
}

func familyName(eco string) string { return osv.ParseEcosystem(eco).Name }

// sortEvents orders each range's events by the ecosystem's version order,
// as the OSV evaluation requires; "introduced 0" first, and on equal
// versions introduced before fixed so that an empty range stays empty.
func sortEvents(ap *AffectedPackage, eco version.Scheme) {
	for k := range ap.Ranges {
		rg := &ap.Ranges[k]
		scheme := eco
		switch rg.Type {
		case osv.RangeSemVer:
			scheme = version.SemVer
		case osv.RangeGit:
			continue // commit order needs the repository
		}
		slices.SortStableFunc(rg.Events, func(a, b osv.Event) int {
			az, bz := a.Kind == osv.Introduced && a.Version == "0", b.Kind == osv.Introduced && b.Version == "0"
			switch {
			case az && bz:
				return 0
			case az:
				return -1
			case bz:
				return 1
			}
			if c := scheme.Compare(a.Version, b.Version); c != 0 {
				return c
			}
			return cmp.Compare(eventOrder(a.Kind), eventOrder(b.Kind))
		})
	}
}

func eventOrder(k osv.EventKind) int {
	if k == osv.Introduced {
		return 0
	}
	return 1
}

func cloneMap(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
