package intel

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Ref is what the matcher keeps of one indicator: enough to say which
// indicator matched and with what context, nothing more (memory counts at
// a million indicators).
type Ref struct {
	ID         string
	Type       Type
	Value      string // normalized
	Source     string
	Severity   string
	Confidence int
	// ExactOnly: a domain indicator that matches the host name itself,
	// not the names under it (MISP "hostname").
	ExactOnly bool
	// Expires is when the indicator stops matching (Unix ms; 0 = never).
	Expires int64
}

// MatchKind says how an indicator matched.
type MatchKind uint8

// Match kinds.
const (
	// MatchExact: equal normalized values.
	MatchExact MatchKind = iota
	// MatchCIDR: an address inside a CIDR block.
	MatchCIDR
	// MatchDomain: the name is the indicator's domain or a name under it.
	MatchDomain
	// MatchURLHost: a URL whose host is the host of a URL indicator, the
	// URL itself differing. A weaker match, flagged as such.
	MatchURLHost
)

func (k MatchKind) String() string {
	switch k {
	case MatchCIDR:
		return "cidr"
	case MatchDomain:
		return "domain"
	case MatchURLHost:
		return "url_host"
	}
	return "exact"
}

// Match is one indicator that matched an event field.
type Match struct {
	Ref    *Ref
	Field  string // the event field, e.g. "destination.ip"
	Atomic string // the event's value that matched
	Kind   MatchKind
}

// Keys of the exact-value map: one byte naming the key space, then the
// normalized value.
const (
	kDomain  = 'd'
	kURL     = 'u'
	kURLHost = 'h'
	kMD5     = 'm'
	kSHA1    = 's'
	kSHA256  = 'S'
	kEmail   = 'e'
	kFile    = 'f'
	kJA3     = 'j'
	kJA4     = '4'
	kUA      = 'a'
)

func keySpace(t Type) byte {
	switch t {
	case TypeDomain:
		return kDomain
	case TypeURL:
		return kURL
	case TypeMD5:
		return kMD5
	case TypeSHA1:
		return kSHA1
	case TypeSHA256:
		return kSHA256
	case TypeEmail:
		return kEmail
	case TypeFilename:
		return kFile
	case TypeJA3:
		return kJA3
	case TypeJA4:
		return kJA4
	case TypeUserAgent:
		return kUA
	}
	return 0
}

// table is one immutable layer of the matcher.
type table struct {
	exact  map[string][]*Ref
	ips    map[netip.Addr][]*Ref
	v4     ranges[uint32]
	v6     ranges[netip.Addr]
	spaces [256]bool // key spaces present in exact
	n      int
}

func (t *table) has(space byte) bool { return t != nil && t.spaces[space] }

func (t *table) hasIPs() bool {
	return t != nil && (len(t.ips) > 0 || len(t.v4.starts) > 0 || len(t.v6.starts) > 0)
}

// buildTable indexes refs.
func buildTable(refs []*Ref) *table {
	t := &table{exact: map[string][]*Ref{}, ips: map[netip.Addr][]*Ref{}, n: len(refs)}
	prefixes := map[netip.Prefix][]*Ref{}
	for _, r := range refs {
		switch r.Type {
		case TypeIPv4, TypeIPv6:
			a, err := netip.ParseAddr(r.Value)
			if err != nil {
				continue
			}
			t.ips[a] = append(t.ips[a], r)
		case TypeCIDR:
			p, err := netip.ParsePrefix(r.Value)
			if err != nil {
				continue
			}
			if p.IsSingleIP() {
				t.ips[p.Addr()] = append(t.ips[p.Addr()], r)
				continue
			}
			prefixes[p] = append(prefixes[p], r)
		case TypeURL:
			t.add(kURL, r.Value, r)
			if u, err := parseURL(r.Value); err == nil {
				t.add(kURLHost, u.host, r)
			}
		default:
			if sp := keySpace(r.Type); sp != 0 {
				t.add(sp, r.Value, r)
			}
		}
	}
	var p4, p6 []prefixRefs
	for p, rs := range prefixes {
		if p.Addr().Is4() {
			p4 = append(p4, prefixRefs{p, rs})
		} else {
			p6 = append(p6, prefixRefs{p, rs})
		}
	}
	t.v4 = buildRanges(p4, v4Ops)
	t.v6 = buildRanges(p6, v6Ops)
	return t
}

func (t *table) add(space byte, v string, r *Ref) {
	k := string(space) + v
	t.exact[k] = append(t.exact[k], r)
	t.spaces[space] = true
}

// lookup returns the refs under a key without allocating.
func (t *table) lookup(space byte, v string) []*Ref {
	var buf [128]byte
	k := append(buf[:0], space)
	k = append(k, v...)
	return t.exact[string(k)]
}

// snapshot is what ingest reads: a base table, a small delta of recent
// changes, and the base entries those changes replaced or removed. It is
// never modified once published.
type snapshot struct {
	base, delta *table
	dead        map[string]struct{}
}

// Matcher matches events against one org's indicators. Lookups read an
// immutable snapshot through an atomic pointer, so updates never pause
// ingest: a change builds a new delta layer (cheap) and, once the delta
// has grown, a new base (copy-on-write), then swaps the pointer.
type Matcher struct {
	cur atomic.Pointer[snapshot]

	mu        sync.Mutex // guards baseRefs, deltaRefs and dead; serialises writers
	baseRefs  map[string]*Ref
	deltaRefs map[string]*Ref
	dead      map[string]struct{}
}

// NewMatcher returns a matcher over refs.
func NewMatcher(refs []*Ref) *Matcher {
	m := &Matcher{baseRefs: make(map[string]*Ref, len(refs)), deltaRefs: map[string]*Ref{}, dead: map[string]struct{}{}}
	for _, r := range refs {
		m.baseRefs[r.ID] = r
	}
	m.cur.Store(&snapshot{base: buildTable(refs)})
	return m
}

// Len is the number of indicators in the matcher.
func (m *Matcher) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Every dead ID is in base; a replaced one is in the delta again.
	return len(m.baseRefs) - len(m.dead) + len(m.deltaRefs)
}

// Apply adds or replaces (by ID) the upserts and removes the deletes, then
// publishes a new snapshot.
func (m *Matcher) Apply(upserts []*Ref, deletes []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range deletes {
		delete(m.deltaRefs, id)
		if m.baseRefs[id] != nil {
			m.dead[id] = struct{}{}
		}
	}
	for _, r := range upserts {
		if m.baseRefs[r.ID] != nil {
			m.dead[r.ID] = struct{}{}
		}
		m.deltaRefs[r.ID] = r
	}
	// Rebuild the base once the delta is a sizeable share of it: the
	// delta is rebuilt on every change, so it must stay small.
	if len(m.deltaRefs)+len(m.dead) > max(2048, len(m.baseRefs)/16) {
		m.compact()
		return
	}
	delta := make([]*Ref, 0, len(m.deltaRefs))
	for _, r := range m.deltaRefs {
		delta = append(delta, r)
	}
	dead := make(map[string]struct{}, len(m.dead))
	for id := range m.dead {
		dead[id] = struct{}{}
	}
	old := m.cur.Load()
	m.cur.Store(&snapshot{base: old.base, delta: buildTable(delta), dead: dead})
}

// compact merges the delta into a new base. The caller holds mu.
func (m *Matcher) compact() {
	all := make(map[string]*Ref, len(m.baseRefs)+len(m.deltaRefs))
	for id, r := range m.baseRefs {
		if _, gone := m.dead[id]; !gone {
			all[id] = r
		}
	}
	for id, r := range m.deltaRefs {
		all[id] = r
	}
	refs := make([]*Ref, 0, len(all))
	for _, r := range all {
		refs = append(refs, r)
	}
	m.baseRefs, m.deltaRefs, m.dead = all, map[string]*Ref{}, map[string]struct{}{}
	m.cur.Store(&snapshot{base: buildTable(refs)})
}

// Replace swaps the whole indicator set (a reload).
func (m *Matcher) Replace(refs []*Ref) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.baseRefs = make(map[string]*Ref, len(refs))
	for _, r := range refs {
		m.baseRefs[r.ID] = r
	}
	m.deltaRefs, m.dead = map[string]*Ref{}, map[string]struct{}{}
	m.cur.Store(&snapshot{base: buildTable(refs)})
}

// fieldKind is how an event field is looked up.
type fieldKind uint8

const (
	fIP fieldKind = iota
	fURL
	fDomain
	fHash // space says which
	fEmail
	fFile
	fJA3
	fJA4
	fUA
)

// MatchFields are the event fields the matcher reads, with how. Free text
// (message) is not scanned: pulling addresses and names out of every
// message would cost more than every other lookup together; retro-hunts
// and /threats/check search messages in the event store instead.
var MatchFields = []struct {
	Field string
	kind  fieldKind
	space byte
}{
	{"source.ip", fIP, 0}, {"destination.ip", fIP, 0}, {"client.ip", fIP, 0}, {"server.ip", fIP, 0},
	{"url.full", fURL, 0}, {"url.original", fURL, 0},
	{"url.domain", fDomain, 0}, {"dns.question.name", fDomain, 0}, {"destination.domain", fDomain, 0},
	{"source.domain", fDomain, 0}, {"client.domain", fDomain, 0}, {"server.domain", fDomain, 0},
	{"file.hash.md5", fHash, kMD5}, {"file.hash.sha1", fHash, kSHA1}, {"file.hash.sha256", fHash, kSHA256},
	{"process.hash.md5", fHash, kMD5}, {"process.hash.sha1", fHash, kSHA1}, {"process.hash.sha256", fHash, kSHA256},
	{"email.from.address", fEmail, 0}, {"email.sender.address", fEmail, 0}, {"email.sender", fEmail, 0},
	{"file.name", fFile, 0},
	{"tls.client.ja3", fJA3, 0}, {"tls.client.ja4", fJA4, 0},
	{"user_agent.original", fUA, 0},
}

// maxMatches bounds the matches recorded on one event.
const maxMatches = 16

// matchState collects one event's matches.
type matchState struct {
	snap *snapshot
	now  int64
	out  []Match
}

func (st *matchState) add(refs []*Ref, base bool, field, atomic string, kind MatchKind, exactHit bool) {
	for _, r := range refs {
		if len(st.out) >= maxMatches {
			return
		}
		if base && st.snap.dead != nil {
			if _, gone := st.snap.dead[r.ID]; gone {
				continue
			}
		}
		if r.Expires != 0 && st.now >= r.Expires {
			continue
		}
		if kind == MatchDomain && !exactHit && r.ExactOnly {
			continue
		}
		dup := false
		for _, m := range st.out {
			if m.Ref == r {
				dup = true
				break
			}
		}
		if !dup {
			st.out = append(st.out, Match{Ref: r, Field: field, Atomic: atomic, Kind: kind})
		}
	}
}

// Match appends to dst the indicators matching ev at time now.
func (m *Matcher) Match(ev *event.Event, now time.Time, dst []Match) []Match {
	snap := m.cur.Load()
	if snap == nil || snap.base.n == 0 && (snap.delta == nil || snap.delta.n == 0) {
		return dst
	}
	st := matchState{snap: snap, now: now.UnixMilli(), out: dst}
	for _, mf := range MatchFields {
		v, ok := ev.Fields[mf.Field]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case string:
			st.value(mf.Field, mf.kind, mf.space, x)
		case []string:
			for _, s := range x {
				st.value(mf.Field, mf.kind, mf.space, s)
			}
		}
	}
	return st.out
}

// MatchValue appends the indicators a bare value matches, read as a
// value of field (for /threats/check).
func (m *Matcher) MatchValue(field, value string, now time.Time, dst []Match) []Match {
	snap := m.cur.Load()
	if snap == nil {
		return dst
	}
	st := matchState{snap: snap, now: now.UnixMilli(), out: dst}
	for _, mf := range MatchFields {
		if mf.Field == field {
			st.value(field, mf.kind, mf.space, value)
			break
		}
	}
	return st.out
}

func (st *matchState) tables(fn func(t *table, base bool)) {
	fn(st.snap.base, true)
	if st.snap.delta != nil && st.snap.delta.n > 0 {
		fn(st.snap.delta, false)
	}
}

func (st *matchState) value(field string, kind fieldKind, space byte, v string) {
	if v == "" {
		return
	}
	switch kind {
	case fIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return
		}
		st.ip(field, v, a)
	case fDomain:
		if c := v[0]; c >= '0' && c <= '9' || c == '[' || c == ':' {
			if a, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
				st.ip(field, v, a)
				return
			}
		}
		st.domain(field, v, lowerDomain(v), MatchDomain)
	case fURL:
		if v[0] == '/' {
			return // a path, as web servers log url.original
		}
		u, err := parseURL(v)
		if err != nil {
			return
		}
		norm := u.String()
		st.tables(func(t *table, base bool) {
			if t.has(kURL) {
				st.add(t.lookup(kURL, norm), base, field, v, MatchExact, true)
			}
		})
		if u.hostIP.IsValid() {
			st.ip(field, v, u.hostIP)
		} else {
			st.domain(field, v, u.host, MatchDomain)
		}
		// The URL's host is the host of a URL indicator: flagged as a
		// weaker match (the add skips indicators matched exactly above).
		st.tables(func(t *table, base bool) {
			if t.has(kURLHost) {
				st.add(t.lookup(kURLHost, u.host), base, field, v, MatchURLHost, true)
			}
		})
	case fHash:
		st.exact(space, field, v, lowerASCII(v))
	case fEmail:
		st.exact(kEmail, field, v, lowerASCII(strings.TrimSpace(v)))
	case fFile:
		st.exact(kFile, field, v, lowerASCII(v))
	case fJA3:
		st.exact(kJA3, field, v, lowerASCII(v))
	case fJA4:
		st.exact(kJA4, field, v, lowerASCII(v))
	case fUA:
		st.exact(kUA, field, v, v)
	}
}

func (st *matchState) exact(space byte, field, atomic, key string) {
	st.tables(func(t *table, base bool) {
		if t.has(space) {
			st.add(t.lookup(space, key), base, field, atomic, MatchExact, true)
		}
	})
}

func (st *matchState) ip(field, atomic string, a netip.Addr) {
	a = a.WithZone("").Unmap()
	st.tables(func(t *table, base bool) {
		if !t.hasIPs() {
			return
		}
		st.add(t.ips[a], base, field, atomic, MatchExact, true)
		if a.Is4() {
			if len(t.v4.starts) > 0 {
				b := a.As4()
				st.add(t.v4.find(binary.BigEndian.Uint32(b[:]), cmpU32), base, field, atomic, MatchCIDR, true)
			}
		} else if len(t.v6.starts) > 0 {
			st.add(t.v6.find(a, netip.Addr.Compare), base, field, atomic, MatchCIDR, true)
		}
	})
}

// domain looks name and each of its parent domains up (not the bare TLD:
// indicators have at least two labels).
func (st *matchState) domain(field, atomic, name string, kind MatchKind) {
	st.tables(func(t *table, base bool) {
		if !t.has(kDomain) {
			return
		}
		st.add(t.lookup(kDomain, name), base, field, atomic, kind, true)
		for s := name; ; {
			i := strings.IndexByte(s, '.')
			if i < 0 {
				return
			}
			s = s[i+1:]
			if strings.IndexByte(s, '.') < 0 {
				return
			}
			st.add(t.lookup(kDomain, s), base, field, atomic, kind, false)
		}
	})
}

// lowerDomain is the domain form of an event's host name, allocating only
// when it must.
func lowerDomain(v string) string {
	v = strings.TrimSuffix(v, ".")
	for i := 0; i < len(v); i++ {
		if v[i] >= 0x80 {
			if d, err := idnaProfile.ToASCII(v); err == nil {
				return d
			}
			return strings.ToLower(v)
		}
	}
	return lowerASCII(v)
}

func lowerASCII(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(v)
		}
	}
	return v
}

// prefixRefs is a CIDR block and its indicators.
type prefixRefs struct {
	p    netip.Prefix
	refs []*Ref
}

// ranges is a sorted table of non-overlapping address ranges, each with
// the indicators whose CIDR blocks cover it: one binary search per lookup
// however many blocks nest.
type ranges[K any] struct {
	starts, ends []K
	refs         [][]*Ref
}

func (r *ranges[K]) find(x K, cmp func(a, b K) int) []*Ref {
	// The last range starting at or before x.
	lo, hi := 0, len(r.starts)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cmp(r.starts[mid], x) <= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == 0 || cmp(x, r.ends[lo-1]) > 0 {
		return nil
	}
	return r.refs[lo-1]
}

// addrOps are the operations the range builder needs on one family.
type addrOps[K any] struct {
	cmp    func(a, b K) int
	next   func(K) (K, bool) // false past the last address
	prev   func(K) K
	bounds func(netip.Prefix) (K, K)
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

var v4Ops = addrOps[uint32]{
	cmp:  cmpU32,
	next: func(x uint32) (uint32, bool) { return x + 1, x != ^uint32(0) },
	prev: func(x uint32) uint32 { return x - 1 },
	bounds: func(p netip.Prefix) (uint32, uint32) {
		b := p.Masked().Addr().As4()
		start := binary.BigEndian.Uint32(b[:])
		if p.Bits() == 0 {
			return start, ^uint32(0)
		}
		return start, start | (1<<(32-p.Bits()) - 1)
	},
}

var v6Ops = addrOps[netip.Addr]{
	cmp: netip.Addr.Compare,
	next: func(a netip.Addr) (netip.Addr, bool) {
		n := a.Next()
		return n, n.IsValid()
	},
	prev: func(a netip.Addr) netip.Addr { return a.Prev() },
	bounds: func(p netip.Prefix) (netip.Addr, netip.Addr) {
		start := p.Masked().Addr()
		b := start.As16()
		for i := p.Bits(); i < 128; i++ {
			b[i/8] |= 1 << (7 - i%8)
		}
		return start, netip.AddrFrom16(b)
	},
}

// buildRanges cuts CIDR blocks into non-overlapping ranges. Blocks either
// nest or are disjoint, so one sweep with a stack of the open blocks does
// it: sorted by start, wider first, a block closes before the next one
// that starts after its end.
func buildRanges[K any](ps []prefixRefs, ops addrOps[K]) ranges[K] {
	var out ranges[K]
	if len(ps) == 0 {
		return out
	}
	type item struct {
		start, end K
		refs       []*Ref
	}
	items := make([]item, len(ps))
	for i, p := range ps {
		s, e := ops.bounds(p.p)
		items[i] = item{s, e, p.refs}
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := ops.cmp(a.start, b.start); c != 0 {
			return c
		}
		return -ops.cmp(a.end, b.end) // wider first
	})
	var stack []item
	var cur K
	curValid := false
	emit := func(to K) {
		if !curValid || len(stack) == 0 || ops.cmp(cur, to) > 0 {
			return
		}
		var refs []*Ref
		for _, it := range stack {
			refs = append(refs, it.refs...)
		}
		out.starts = append(out.starts, cur)
		out.ends = append(out.ends, to)
		out.refs = append(out.refs, refs)
	}
	pop := func() {
		top := stack[len(stack)-1]
		emit(top.end)
		cur, curValid = ops.next(top.end)
		stack = stack[:len(stack)-1]
	}
	for _, it := range items {
		for len(stack) > 0 && ops.cmp(stack[len(stack)-1].end, it.start) < 0 {
			pop()
		}
		if len(stack) > 0 && curValid && ops.cmp(cur, it.start) < 0 {
			emit(ops.prev(it.start))
		}
		cur, curValid = it.start, true
		stack = append(stack, it)
	}
	for len(stack) > 0 {
		pop()
	}
	return out
}

// TypesForField lists the indicator types the matcher looks for in an
// event field (for the patterns listing).
func TypesForField(field string) []Type {
	for _, mf := range MatchFields {
		if mf.Field != field {
			continue
		}
		switch mf.kind {
		case fIP:
			return []Type{TypeIPv4, TypeIPv6, TypeCIDR}
		case fURL:
			return []Type{TypeURL, TypeDomain, TypeIPv4, TypeIPv6, TypeCIDR}
		case fDomain:
			return []Type{TypeDomain}
		case fHash:
			return []Type{map[byte]Type{kMD5: TypeMD5, kSHA1: TypeSHA1, kSHA256: TypeSHA256}[mf.space]}
		case fEmail:
			return []Type{TypeEmail}
		case fFile:
			return []Type{TypeFilename}
		case fJA3:
			return []Type{TypeJA3}
		case fJA4:
			return []Type{TypeJA4}
		case fUA:
			return []Type{TypeUserAgent}
		}
	}
	return nil
}
