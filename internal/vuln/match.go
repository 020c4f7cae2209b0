package vuln

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/eventsec/eventsec/internal/vuln/osv"
	"github.com/eventsec/eventsec/internal/vuln/version"
)

// MatchResult is the outcome of matching one endpoint's packages.
type MatchResult struct {
	Findings []Finding
	Packages int // packages examined
	// Unmapped counts packages with no OSV ecosystem, by reason (e.g.
	// "source windows has no OSV ecosystem"); they can have no findings.
	Unmapped map[string]int
	// InvalidVersions counts packages whose version does not parse under
	// their ecosystem's rules; only exact entries of versions lists can
	// match them.
	InvalidVersions int
	Candidates      int // (package, advisory entry) pairs evaluated
}

// Match returns the vulnerabilities affecting pkgs, most severe first.
func (db *DB) Match(pkgs []Package) []Finding {
	return db.MatchReport(pkgs).Findings
}

// MatchReport is Match with the counts that explain what was not matched.
func (db *DB) MatchReport(pkgs []Package) MatchResult {
	m := matcher{s: db.snap.Load(), seen: map[string]bool{}}
	m.res = MatchResult{Packages: len(pkgs), Unmapped: map[string]int{}}
	for i := range pkgs {
		m.matchPackage(&pkgs[i])
	}
	slices.SortFunc(m.res.Findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			cmp.Compare(b.Score, a.Score),
			strings.Compare(a.Package, b.Package),
			strings.Compare(a.InstalledVersion, b.InstalledVersion),
			strings.Compare(a.VulnID, b.VulnID),
		)
	})
	return m.res
}

type matcher struct {
	s    *snapshot
	res  MatchResult
	seen map[string]bool // advisory ids already reported for the current package
}

func (m *matcher) matchPackage(p *Package) {
	t, ok, why := targetFor(*p)
	if !ok {
		m.res.Unmapped[why]++
		return
	}
	scheme, known := schemeFor(t.family)
	if !scheme.Valid(installedVersion(t.family, *p, false)) {
		m.res.InvalidVersions++
	}
	clear(m.seen)
	names := hostNames(t.family, *p)
	// Records of the package itself or of its source package first; those
	// that only list it as a binary come after, so that the reason names
	// the most direct link.
	for _, binary := range []bool{false, true} {
		for ni, name := range names {
			for _, rel := range t.releases {
				for _, r := range m.s.index[indexKey(t.family, rel, name)] {
					if r.binary != binary {
						continue
					}
					adv := &m.s.advisories[r.adv]
					if m.seen[adv.ID] {
						continue
					}
					m.res.Candidates++
					ap := &adv.Affected[r.aff]
					viaSource := ni > 0
					installed := installedVersion(t.family, *p, viaSource)
					if h, ok := evaluate(scheme, installed, ap); ok {
						m.seen[adv.ID] = true
						m.res.Findings = append(m.res.Findings, finding(p, adv, ap, r, installed, viaSource, scheme, known, h))
					}
				}
			}
		}
	}
}

// hit describes why an installed version is affected.
type hit struct {
	listed   bool // found in the versions list
	rangeTyp osv.RangeType
	from     osv.Event // the introduced event that opened the interval
	to       osv.Event // the fixed or last_affected event closing it; zero if open
	limit    string    // a limit event that bounds the range, if any
}

// evaluate applies the OSV evaluation algorithm (schema section
// "Evaluation") to one affected package: the installed version is
// affected if it lies in a range, or is listed in versions. In a range it
// must be at or after an introduced event with no fixed event at or below
// it and no last_affected event below it since, and below a limit if the
// range has any. Events are sorted at import. GIT ranges need the
// repository and are skipped.
func evaluate(scheme version.Scheme, v string, ap *AffectedPackage) (hit, bool) {
	for ri := range ap.Ranges {
		rg := &ap.Ranges[ri]
		rs := scheme
		switch rg.Type {
		case osv.RangeGit:
			continue
		case osv.RangeSemVer:
			rs = version.SemVer
		}
		if !rs.Valid(v) {
			continue // an unparsable version is in no range
		}
		var limits []string
		for _, e := range rg.Events {
			if e.Kind == osv.Limit {
				limits = append(limits, e.Version)
			}
		}
		belowLimit := len(limits) == 0
		var lim string
		for _, l := range limits {
			if l == "*" || rs.Compare(v, l) < 0 {
				belowLimit, lim = true, l
				break
			}
		}
		if !belowLimit {
			continue
		}
		vulnerable := false
		var from osv.Event
		open := -1
		for i, e := range rg.Events {
			switch e.Kind {
			case osv.Introduced:
				if e.Version == "0" || rs.Compare(v, e.Version) >= 0 {
					vulnerable, from, open = true, e, i
				}
			case osv.Fixed:
				if rs.Compare(v, e.Version) >= 0 {
					vulnerable = false
				}
			case osv.LastAffected:
				if rs.Compare(v, e.Version) > 0 {
					vulnerable = false
				}
			}
		}
		if !vulnerable {
			continue
		}
		h := hit{rangeTyp: rg.Type, from: from}
		if lim != "*" {
			h.limit = lim
		}
		for _, e := range rg.Events[open+1:] {
			if e.Kind == osv.Fixed || e.Kind == osv.LastAffected {
				h.to = e
				break
			}
		}
		return h, true
	}
	// Ranges come first because they explain more; the versions list
	// catches what they miss (and is all some records have).
	valid := scheme.Valid(v)
	for _, lv := range ap.Versions {
		if lv == v || (valid && scheme.Compare(lv, v) == 0) {
			return hit{listed: true}, true
		}
	}
	return hit{}, false
}

func finding(p *Package, adv *Advisory, ap *AffectedPackage, r ref, installed string, viaSource bool,
	scheme version.Scheme, known bool, h hit) Finding {
	f := Finding{
		VulnID:           adv.ID,
		Aliases:          slices.Clone(adv.Aliases), // the advisory's own slice is shared by every match
		Summary:          adv.Summary,
		Severity:         ap.Severity,
		Score:            ap.Score,
		SeveritySource:   ap.SeveritySource,
		Package:          p.Name,
		InstalledVersion: installed,
		Ecosystem:        ap.Ecosystem,
		MatchedName:      ap.Name,
		Comparator:       scheme,
		Approximate:      !known,
	}
	if f.Summary == "" {
		f.Summary = firstLine(adv.Details)
	}
	if h.to.Kind == osv.Fixed {
		f.FixedVersion = h.to.Version
	}
	if h.listed {
		f.FixedVersion = nextFix(scheme, installed, ap)
	}
	if h.rangeTyp == osv.RangeSemVer {
		f.Comparator = version.SemVer
		f.Approximate = false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", p.Name, installed)
	switch {
	case r.binary:
		fmt.Fprintf(&b, " (a binary of %s)", ap.Name)
	case viaSource:
		fmt.Fprintf(&b, " (source package %s)", ap.Name)
	}
	if h.listed {
		fmt.Fprintf(&b, " is listed among the affected versions of %s in %s", ap.Name, ap.Ecosystem)
	} else {
		fmt.Fprintf(&b, " is in [introduced %s, ", h.from.Version)
		switch h.to.Kind {
		case osv.Fixed:
			fmt.Fprintf(&b, "fixed %s)", h.to.Version)
		case osv.LastAffected:
			fmt.Fprintf(&b, "last_affected %s]", h.to.Version)
		default:
			b.WriteString("no fix)")
		}
		if h.limit != "" {
			fmt.Fprintf(&b, " below limit %s", h.limit)
		}
		if h.rangeTyp == osv.RangeSemVer {
			b.WriteString(" (SEMVER)")
		}
		fmt.Fprintf(&b, " of %s", ap.Ecosystem)
	}
	if f.Approximate {
		fmt.Fprintf(&b, "; compared with the generic version order because %s has no known one", familyName(ap.Ecosystem))
	}
	f.Reason = b.String()
	return f
}

// nextFix finds, for a version matched through the versions list, the
// lowest fixed event above it, if the record has one.
func nextFix(scheme version.Scheme, v string, ap *AffectedPackage) string {
	best := ""
	for _, rg := range ap.Ranges {
		rs := scheme
		switch rg.Type {
		case osv.RangeGit:
			continue
		case osv.RangeSemVer:
			rs = version.SemVer
		}
		for _, e := range rg.Events {
			if e.Kind == osv.Fixed && rs.Compare(e.Version, v) > 0 && (best == "" || rs.Compare(e.Version, best) < 0) {
				best = e.Version
			}
		}
	}
	return best
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	n := 0
	for i := range s { // i steps over runes, so the cut is never inside one
		if n == 200 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
