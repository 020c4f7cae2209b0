package vulnsvc

import (
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/vuln"
)

// maxSoftware bounds the packages read for one endpoint; the endpoint
// service accepts at most 50,000 per inventory.
const maxSoftware = 50_000

// hostEntry is the cached match of one endpoint's latest inventory.
type hostEntry struct {
	id, name, hostname, platform, platformVersion string
	// updatedAt is the agent record's update time: an inventory changes
	// it, heartbeats do not, so an unchanged one spares reading the
	// software list.
	updatedAt time.Time
	hash      [sha256.Size]byte // of the platform and the software list
	gen       uint64            // database generation of findings
	packages  int
	findings  []vuln.Finding
	keys      []string // keys[i] is findings[i]'s vulnerability key
	cves      []string // cves[i] is findings[i]'s CVE, "" if none
}

// orgCache is one organisation's cached matches and their aggregate.
type orgCache struct {
	hosts map[string]*hostEntry // by agent ID
	view  *fleetView            // nil when a host changed since it was built
}

// fleetView is an organisation's findings, aggregated.
type fleetView struct {
	computedAt time.Time
	hosts      []*hostEntry    // by name
	rows       []Vulnerability // sorted, most severe first
	search     []string        // search[i] is rows[i]'s searchable text, lower case
	byKey      map[string]int  // row index by key and by advisory id
}

// Vulnerability is one vulnerability affecting the organisation's
// endpoints: a CVE, or an advisory that names no single CVE (a DSA that
// fixes several, a GHSA without one). Advisories of several databases
// about the same CVE (DEBIAN-CVE-x, DSA-y) are one row.
type Vulnerability struct {
	ID         string // the CVE, else the advisory id
	CVE        string // "" when the advisory names no single CVE
	Advisories []string
	Aliases    []string
	Summary    string
	// Severity and Score are the highest among the findings.
	Severity      vuln.Severity
	Score         float64
	Packages      []string // installed packages affected
	FixedVersions []string
	Ecosystems    []string
	Endpoints     int // endpoints affected
	Findings      int // (endpoint, package) pairs
}

// Filter narrows List.
type Filter struct {
	Severities []vuln.Severity // any of these; none: all
	// Query is a case-insensitive substring of the id, CVE, advisory ids,
	// aliases, summary or package names.
	Query string
	// Package keeps findings of this installed package (exact,
	// case-insensitive); Endpoint those of this endpoint (its ID, name
	// or hostname). Counts are then of the kept findings only.
	Package  string
	Endpoint string
	Limit    int // default 50
	Offset   int
}

// Page is one page of List.
type Page struct {
	Items      []Vulnerability
	Total      int
	ComputedAt time.Time
}

// Affected is one finding on one endpoint, with why it matched.
type Affected struct {
	EndpointID, EndpointName, Hostname string
	Platform, PlatformVersion          string
	AdvisoryID                         string
	Package, InstalledVersion          string
	FixedVersion, Ecosystem            string
	Severity                           vuln.Severity
	Score                              float64
	SeveritySource                     string
	Reason                             string
}

// Detail is one vulnerability with its advisories and every affected
// endpoint.
type Detail struct {
	Vulnerability
	Records  []vuln.Advisory
	Affected []Affected
}

// Count is one entry of a top list.
type Count struct {
	ID, Name        string // package: Name only; endpoint: ID, Name
	Hostname        string
	Vulnerabilities int
	Findings        int
	Endpoints       int
	Severity        vuln.Severity // the worst
}

// Summary is an organisation's vulnerability posture.
type Summary struct {
	ComputedAt time.Time
	// Endpoints are the active endpoints; WithSoftware those with an
	// inventory listing software; Affected those with a finding.
	Endpoints, WithSoftware, Affected int
	Vulnerabilities                   int // distinct vulnerabilities
	Findings                          int
	BySeverity                        map[vuln.Severity]int // vulnerabilities by their severity
	FindingsBySeverity                map[vuln.Severity]int
	TopPackages                       []Count // by vulnerabilities, at most 10
	TopEndpoints                      []Count // by findings, at most 10
}

// orgLock serialises refreshes of one organisation: after an import many
// page loads arrive at once, and one of them should do the work.
func (s *Service) orgLock(orgID string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.orgLocks[orgID]
	if !ok {
		l = &sync.Mutex{}
		s.orgLocks[orgID] = l
	}
	return l
}

// fleet returns the organisation's view, matching what changed since the
// last call: endpoints whose agent record changed and whose software hash
// differs, or every endpoint after the database changed.
func (s *Service) fleet(ctx context.Context, orgID string) (*fleetView, error) {
	if s.o.Store == nil {
		return nil, ErrNoStore
	}
	l := s.orgLock(orgID)
	l.Lock()
	defer l.Unlock()
	s.mu.Lock()
	oc := s.orgs[orgID]
	if oc == nil {
		oc = &orgCache{hosts: map[string]*hostEntry{}}
		s.orgs[orgID] = oc
	}
	s.mu.Unlock()

	agents, err := s.activeAgents(ctx, orgID)
	if err != nil {
		return nil, err
	}
	gen := s.gen.Load()
	changed := len(agents) != len(oc.hosts)
	seen := make(map[string]bool, len(agents))
	var stale []store.Agent
	for _, a := range agents {
		seen[a.ID] = true
		e := oc.hosts[a.ID]
		// Entries are replaced, never changed: views built earlier share
		// them with readers that hold no lock.
		if e != nil && e.gen == gen && e.updatedAt.Equal(a.UpdatedAt) {
			if e.name != a.Name || e.hostname != a.Hostname {
				ne := *e
				ne.name, ne.hostname = a.Name, a.Hostname
				oc.hosts[a.ID] = &ne
				changed = true
			}
			continue
		}
		stale = append(stale, a)
	}
	if len(stale) > 0 {
		fresh, err := s.refreshHosts(ctx, orgID, stale, oc.hosts, gen)
		if err != nil {
			return nil, err
		}
		for _, e := range fresh {
			oc.hosts[e.id] = e
		}
		changed = true
	}
	for id := range oc.hosts {
		if !seen[id] {
			delete(oc.hosts, id)
			changed = true
		}
	}
	if oc.view == nil || changed {
		oc.view = buildView(oc.hosts, s.o.Now())
	}
	return oc.view, nil
}

// refreshHosts reads the software of the stale endpoints and matches
// those whose software (or the database) changed, on a few goroutines:
// after an import every endpoint is matched again.
func (s *Service) refreshHosts(ctx context.Context, orgID string, stale []store.Agent, cached map[string]*hostEntry, gen uint64) ([]*hostEntry, error) {
	out := make([]*hostEntry, len(stale))
	errs := make([]error, len(stale))
	workers := min(len(stale), max(1, runtime.GOMAXPROCS(0)), 4)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(stale) || ctx.Err() != nil {
					return
				}
				a := stale[i]
				sw, err := s.o.Store.Endpoints().Inventory().Software(ctx, orgID, store.SoftwareFilter{AgentID: a.ID, Limit: maxSoftware})
				if err != nil {
					errs[i] = fmt.Errorf("cannot read software of endpoint %s: %w", a.ID, err)
					return
				}
				h := softwareHash(a.Platform, a.PlatformVersion, sw)
				if e := cached[a.ID]; e != nil && e.gen == gen && e.hash == h {
					ne := *e
					ne.updatedAt, ne.name, ne.hostname = a.UpdatedAt, a.Name, a.Hostname
					out[i] = &ne
					continue
				}
				out[i] = s.matchHost(a, sw, h, gen)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) activeAgents(ctx context.Context, orgID string) ([]store.Agent, error) {
	active := false
	var out []store.Agent
	for offset := 0; ; offset += 500 {
		page, total, err := s.o.Store.Endpoints().Agents().List(ctx, orgID, store.AgentFilter{Revoked: &active, Limit: 500, Offset: offset})
		if err != nil {
			return nil, fmt.Errorf("cannot list endpoints: %w", err)
		}
		out = append(out, page...)
		if len(page) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

func softwareHash(platform, version string, sw []store.Software) [sha256.Size]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\n", platform, version)
	for _, p := range sw {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\n", p.Name, p.Version, p.Source, p.SourceName)
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

func (s *Service) matchHost(a store.Agent, sw []store.Software, h [sha256.Size]byte, gen uint64) *hostEntry {
	pkgs := make([]vuln.Package, len(sw))
	for i, p := range sw {
		pkgs[i] = hostPackage(p.Name, p.Version, p.Source, p.SourceName, a.Platform, a.PlatformVersion)
	}
	found := s.db.Match(pkgs)
	e := &hostEntry{id: a.ID, name: a.Name, hostname: a.Hostname, platform: a.Platform, platformVersion: a.PlatformVersion,
		updatedAt: a.UpdatedAt, hash: h, gen: gen, packages: len(sw), findings: found,
		keys: make([]string, len(found)), cves: make([]string, len(found))}
	for i := range found {
		e.keys[i], e.cves[i] = keyOf(found[i].VulnID, found[i].Aliases)
	}
	return e
}

var cvePattern = regexp.MustCompile(`CVE-\d{4}-\d{4,}$`)

// keyOf groups advisories by the flaw they describe: a CVE id is its own
// key; an advisory naming exactly one CVE (DSA-x with upstream CVE-y,
// GHSA with alias CVE-y) or embedding one in its id (DEBIAN-CVE-y,
// UBUNTU-CVE-y) is keyed by that CVE; anything else by its own id.
func keyOf(id string, aliases []string) (key, cve string) {
	if strings.HasPrefix(id, "CVE-") {
		return id, id
	}
	var one string
	n := 0
	for _, a := range aliases {
		if strings.HasPrefix(a, "CVE-") && a != one {
			one = a
			n++
		}
	}
	switch {
	case n == 1:
		return one, one
	case n == 0:
		if m := cvePattern.FindString(id); m != "" {
			return m, m
		}
	}
	return id, ""
}

// keep selects findings for an aggregate.
type keep func(h *hostEntry, i int) bool

// aggregate builds the vulnerability rows of the kept findings.
func aggregate(hosts []*hostEntry, k keep) []Vulnerability {
	type acc struct {
		v         Vulnerability
		endpoints map[string]bool
		pairs     map[string]bool    // endpoint \x00 package: two advisories of one CVE are one finding
		sets      [5]map[string]bool // advisories, aliases, packages, fixed, ecosystems
	}
	byKey := map[string]*acc{}
	var order []string
	for _, h := range hosts {
		for i := range h.findings {
			if k != nil && !k(h, i) {
				continue
			}
			f := &h.findings[i]
			a := byKey[h.keys[i]]
			if a == nil {
				a = &acc{v: Vulnerability{ID: h.keys[i], CVE: h.cves[i], Summary: f.Summary, Severity: f.Severity, Score: f.Score},
					endpoints: map[string]bool{}, pairs: map[string]bool{}}
				for j := range a.sets {
					a.sets[j] = map[string]bool{}
				}
				byKey[h.keys[i]] = a
				order = append(order, h.keys[i])
			}
			if f.Severity.Rank() > a.v.Severity.Rank() {
				a.v.Severity = f.Severity
			}
			a.v.Score = max(a.v.Score, f.Score)
			if a.v.Summary == "" {
				a.v.Summary = f.Summary
			}
			a.endpoints[h.id] = true
			if pair := h.id + "\x00" + f.Package; !a.pairs[pair] {
				a.pairs[pair] = true
				a.v.Findings++
			}
			a.sets[0][f.VulnID] = true
			for _, al := range f.Aliases {
				a.sets[1][al] = true
			}
			a.sets[2][f.Package] = true
			if f.FixedVersion != "" {
				a.sets[3][f.FixedVersion] = true
			}
			a.sets[4][f.Ecosystem] = true
		}
	}
	out := make([]Vulnerability, 0, len(order))
	for _, key := range order {
		a := byKey[key]
		a.v.Endpoints = len(a.endpoints)
		delete(a.sets[1], a.v.ID)
		for adv := range a.sets[0] {
			delete(a.sets[1], adv)
		}
		a.v.Advisories, a.v.Aliases, a.v.Packages = sortedKeys(a.sets[0]), sortedKeys(a.sets[1]), sortedKeys(a.sets[2])
		a.v.FixedVersions, a.v.Ecosystems = sortedKeys(a.sets[3]), sortedKeys(a.sets[4])
		out = append(out, a.v)
	}
	slices.SortFunc(out, func(a, b Vulnerability) int {
		return cmp.Or(cmp.Compare(b.Severity.Rank(), a.Severity.Rank()), cmp.Compare(b.Score, a.Score),
			cmp.Compare(b.Endpoints, a.Endpoints), strings.Compare(a.ID, b.ID))
	})
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func buildView(hosts map[string]*hostEntry, now time.Time) *fleetView {
	v := &fleetView{computedAt: now, byKey: map[string]int{}}
	for _, h := range hosts {
		v.hosts = append(v.hosts, h)
	}
	slices.SortFunc(v.hosts, func(a, b *hostEntry) int { return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(a.id, b.id)) })
	v.rows = aggregate(v.hosts, nil)
	v.search = make([]string, len(v.rows))
	for i, r := range v.rows {
		v.byKey[r.ID] = i
		v.search[i] = searchText(r)
	}
	for i, r := range v.rows {
		for _, adv := range r.Advisories {
			if _, ok := v.byKey[adv]; !ok {
				v.byKey[adv] = i
			}
		}
	}
	return v
}

// List returns the organisation's vulnerabilities, most severe first.
func (s *Service) List(ctx context.Context, orgID string, f Filter) (Page, error) {
	v, err := s.fleet(ctx, orgID)
	if err != nil {
		return Page{}, err
	}
	rows, search := v.rows, v.search
	if f.Package != "" || f.Endpoint != "" {
		rows = aggregate(v.hosts, func(h *hostEntry, i int) bool {
			return (f.Package == "" || strings.EqualFold(h.findings[i].Package, f.Package)) &&
				(f.Endpoint == "" || h.id == f.Endpoint || strings.EqualFold(h.name, f.Endpoint) || strings.EqualFold(h.hostname, f.Endpoint))
		})
		search = nil
	}
	q := strings.ToLower(strings.TrimSpace(f.Query))
	var out []Vulnerability
	for i, r := range rows {
		if len(f.Severities) > 0 && !slices.Contains(f.Severities, r.Severity) {
			continue
		}
		if q != "" {
			text := ""
			if search != nil {
				text = search[i]
			} else {
				text = searchText(r)
			}
			if !strings.Contains(text, q) {
				continue
			}
		}
		out = append(out, r)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	p := Page{Total: len(out), ComputedAt: v.computedAt, Items: []Vulnerability{}}
	if f.Offset < len(out) {
		p.Items = out[f.Offset:min(len(out), f.Offset+f.Limit)]
	}
	return p, nil
}

// searchText is what Filter.Query looks in, lower case; fields are
// separated by a byte no query contains after trimming.
func searchText(r Vulnerability) string {
	parts := append([]string{r.ID, r.Summary}, r.Advisories...)
	parts = append(parts, r.Aliases...)
	parts = append(parts, r.Packages...)
	return strings.ToLower(strings.Join(parts, "\x00"))
}

// Get returns one vulnerability of the organisation, by its id (CVE) or
// the id of one of its advisories, with every affected endpoint. It
// fails with ErrNotFound when it affects none of the organisation's
// endpoints, even if the database knows it: advisories are only shown
// with their effect on the fleet.
func (s *Service) Get(ctx context.Context, orgID, id string) (Detail, error) {
	v, err := s.fleet(ctx, orgID)
	if err != nil {
		return Detail{}, err
	}
	i, ok := v.byKey[id]
	if !ok {
		return Detail{}, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	d := Detail{Vulnerability: v.rows[i], Affected: []Affected{}}
	for _, adv := range d.Advisories {
		if a, err := s.db.Get(adv); err == nil {
			d.Records = append(d.Records, a)
		}
	}
	for _, h := range v.hosts {
		for j := range h.findings {
			if h.keys[j] != d.ID {
				continue
			}
			f := &h.findings[j]
			d.Affected = append(d.Affected, Affected{EndpointID: h.id, EndpointName: h.name, Hostname: h.hostname,
				Platform: h.platform, PlatformVersion: h.platformVersion, AdvisoryID: f.VulnID, Package: f.Package,
				InstalledVersion: f.InstalledVersion, FixedVersion: f.FixedVersion, Ecosystem: f.Ecosystem,
				Severity: f.Severity, Score: f.Score, SeveritySource: f.SeveritySource, Reason: f.Reason})
		}
	}
	return d, nil
}

// Summary counts the organisation's vulnerabilities by severity and
// names the most affected packages and endpoints.
func (s *Service) Summary(ctx context.Context, orgID string) (Summary, error) {
	v, err := s.fleet(ctx, orgID)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{ComputedAt: v.computedAt, Endpoints: len(v.hosts), Vulnerabilities: len(v.rows),
		BySeverity: map[vuln.Severity]int{}, FindingsBySeverity: map[vuln.Severity]int{},
		TopPackages: []Count{}, TopEndpoints: []Count{}}
	for _, sev := range []vuln.Severity{vuln.SeverityCritical, vuln.SeverityHigh, vuln.SeverityMedium, vuln.SeverityLow, vuln.SeverityUnknown} {
		sum.BySeverity[sev], sum.FindingsBySeverity[sev] = 0, 0
	}
	for _, r := range v.rows {
		sum.BySeverity[r.Severity]++
	}
	type pkgAcc struct {
		c         Count
		keys      map[string]bool
		endpoints map[string]bool
		pairs     map[string]bool // endpoint \x00 vulnerability
	}
	pkgs := map[string]*pkgAcc{}
	for _, h := range v.hosts {
		if h.packages > 0 {
			sum.WithSoftware++
		}
		if len(h.findings) == 0 {
			continue
		}
		sum.Affected++
		ec := Count{ID: h.id, Name: h.name, Hostname: h.hostname, Endpoints: 1, Severity: vuln.SeverityUnknown}
		keys := map[string]bool{}
		// A finding is (vulnerability, package) on the endpoint, rated
		// by the worst of the advisories that report it.
		worst := map[string]vuln.Severity{}
		for i := range h.findings {
			f := &h.findings[i]
			pair := h.keys[i] + "\x00" + f.Package
			if prev, ok := worst[pair]; !ok || f.Severity.Rank() > prev.Rank() {
				worst[pair] = f.Severity
			}
			keys[h.keys[i]] = true
			if f.Severity.Rank() > ec.Severity.Rank() {
				ec.Severity = f.Severity
			}
			p := pkgs[f.Package]
			if p == nil {
				p = &pkgAcc{c: Count{Name: f.Package, Severity: vuln.SeverityUnknown}, keys: map[string]bool{}, endpoints: map[string]bool{}, pairs: map[string]bool{}}
				pkgs[f.Package] = p
			}
			p.pairs[h.id+"\x00"+h.keys[i]] = true
			p.keys[h.keys[i]] = true
			p.endpoints[h.id] = true
			if f.Severity.Rank() > p.c.Severity.Rank() {
				p.c.Severity = f.Severity
			}
		}
		for _, sev := range worst {
			sum.FindingsBySeverity[sev]++
		}
		sum.Findings += len(worst)
		ec.Findings, ec.Vulnerabilities = len(worst), len(keys)
		sum.TopEndpoints = append(sum.TopEndpoints, ec)
	}
	for _, p := range pkgs {
		p.c.Vulnerabilities, p.c.Endpoints, p.c.Findings = len(p.keys), len(p.endpoints), len(p.pairs)
		sum.TopPackages = append(sum.TopPackages, p.c)
	}
	byWeight := func(a, b Count) int {
		return cmp.Or(cmp.Compare(b.Severity.Rank(), a.Severity.Rank()), cmp.Compare(b.Vulnerabilities, a.Vulnerabilities),
			cmp.Compare(b.Findings, a.Findings), strings.Compare(a.Name, b.Name))
	}
	slices.SortFunc(sum.TopPackages, byWeight)
	slices.SortFunc(sum.TopEndpoints, byWeight)
	sum.TopPackages = sum.TopPackages[:min(10, len(sum.TopPackages))]
	sum.TopEndpoints = sum.TopEndpoints[:min(10, len(sum.TopEndpoints))]
	return sum, nil
}
