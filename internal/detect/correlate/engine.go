package correlate

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults for Options fields left zero.
const (
	DefaultMaxGroups       = 1_000_000
	DefaultMaxGroupEntries = 10_000
	DefaultMaxEventIDs     = 100
)

// maxChainDepth bounds how deep results feed into further correlations;
// Add already rejects cycles, this is a second guard.
const maxChainDepth = 32

// Options configure an Engine.
type Options struct {
	// MaxGroups bounds the open groups across all rules and orgs. When a
	// new group would exceed it, the group closest to expiry is dropped
	// (counted in Stats.Evicted). Zero means DefaultMaxGroups.
	MaxGroups int
	// MaxGroupEntries bounds what one group holds: timestamps of a
	// sliding window, distinct values of value_count, values of
	// value_percentile. Past it the oldest entries are dropped (counted
	// in Stats.Truncated). Rules whose threshold needs more are refused
	// by Add. Zero means DefaultMaxGroupEntries.
	MaxGroupEntries int
	// MaxEventIDs bounds the event ids kept per group for Fired.EventIDs
	// (the first ones of the window). Zero means DefaultMaxEventIDs.
	MaxEventIDs int
	// Now gives the time of observations that carry none. Nil means
	// time.Now.
	Now func() time.Time
	// MaxEntityBytes bounds the entities (Observation.Entities) one
	// group keeps for Fired.Entities; past it new ones are dropped
	// (Stats.EntitiesDropped). Zero means DefaultMaxEntityBytes;
	// negative, none are kept.
	MaxEntityBytes int
}

// Observation says that a rule matched an event: a base Sigma rule, or a
// correlation rule for chaining.
type Observation struct {
	OrgID string
	// RuleID and RuleName identify the matched rule; correlations refer
	// to rules by either.
	RuleID, RuleName string
	// Time is the event's time; zero means Options.Now().
	Time    time.Time
	EventID string
	// Field reads a field of the event by its Sigma name. It may be nil
	// when the correlations need no field.
	Field func(name string) (string, bool)
	// Entities are what the event is about (hosts, users...): a group
	// keeps those of its events (Options.MaxEntityBytes) and a result
	// names them, so that an alert sums up the events that made it.
	Entities []Entity
}

// Fired is one match of a correlation rule.
type Fired struct {
	Rule  *Rule
	OrgID string
	// GroupKey holds the group-by values, keyed by the group-by names
	// (aliases included). For value_percentile in share mode it also
	// holds the rare (or frequent) value under the condition field.
	GroupKey map[string]string
	// Start and End delimit the window that matched (see doc.go).
	Start, End time.Time
	// Value is what the condition was compared with: the event count,
	// distinct count, number of rules matched (temporal), length of the
	// in-order prefix (temporal_ordered), sum, average, percentile or
	// share in percent.
	Value float64
	// EventIDs are the first events of the window (at most
	// Options.MaxEventIDs), including those behind chained correlations.
	EventIDs []string
	// RuleIDs are the referenced rules that contributed, by id when
	// known, else as written in the rule.
	RuleIDs []string
	// Entities are the distinct entities of the window's events (those
	// of chained results' events included), first seen first, within
	// Options.MaxEntityBytes per group.
	Entities []Entity
	// Standalone is false when the rule is only a step of another loaded
	// correlation (referenced by it, and no referencing rule sets
	// generate): such results feed the outer correlation but should not
	// become alerts of their own.
	Standalone bool
}

// Stats are the engine's counters since it was created.
type Stats struct {
	Rules  int
	Groups int
	// Observed counts observations applied to a correlation group.
	Observed uint64
	// Fired counts results produced (chained ones included).
	Fired uint64
	// Evicted counts groups dropped to respect MaxGroups.
	Evicted uint64
	// Late counts observations older than their group's window allows.
	Late uint64
	// MissingField counts observations without a group-by or condition
	// field; BadValue those whose value_sum/avg/percentile field is not
	// a number, or whose time is out of range.
	MissingField, BadValue uint64
	// Truncated counts entries dropped to respect MaxGroupEntries.
	Truncated uint64
	// EntitiesDropped counts entities not kept to respect
	// MaxEntityBytes.
	EntitiesDropped uint64
	// Expired counts groups closed by Advance.
	Expired uint64
	// RestoreDropped counts snapshot groups not restored because their
	// rule is gone or changed.
	RestoreDropped uint64
}

// Engine evaluates correlation rules over a stream of rule matches. It is
// safe for concurrent use; calls are serialised.
type Engine struct {
	opts Options

	mu sync.Mutex // guards every field below
	// rules are the loaded rules by Rule.Key.
	rules map[string]*ruleState
	// byRef resolves a rule id or name to a loaded correlation rule.
	byRef map[string]*ruleState
	// refs maps a reference (id or name written in Correlation.Rules)
	// to the correlations and positions that wait for it.
	refs   map[string][]target
	heap   groupHeap
	stats  Stats
	keybuf []byte
}

// target is one place a reference appears: rule rs, position pos.
type target struct {
	rs  *ruleState
	pos int
}

// ruleState is a loaded rule, compiled for evaluation.
type ruleState struct {
	rule *Rule
	key  string
	fp   string
	cond Condition // effective condition (temporal default applied)
	// sliding is true for conditions decided as soon as they hold;
	// otherwise the window is tumbling and decided when it closes.
	sliding bool
	span    int64
	// fields[pos] are the event fields read for each group-by entry when
	// the match comes from the rule at position pos (aliases resolved).
	fields [][]string
	// posIDs[pos] is the id of the rule seen at position pos, once known.
	posIDs []string
	groups map[string]*group
	// referenced: another loaded correlation refers to this one, so its
	// results are fed back. standalone: see Fired.Standalone.
	referenced, standalone bool
}

// group is the state of one rule for one org and one set of group-by
// values.
type group struct {
	key  string // org and group-by values, encoded by appendKeyPart
	rs   *ruleState
	st   state
	maxT int64 // newest observation time
	// start is the start of a tumbling window.
	start int64
	dl    int64 // deadline: the heap orders groups by it
	mask  uint64
	// ids are the first event ids seen since the group last fired, with
	// the time of the match that brought them.
	ids []idAt
	// ents are the entities of the group's events, as records (see
	// entities.go), at most Options.MaxEntityBytes.
	ents []byte
	hidx int
}

// idAt is an event id and the time it was observed at.
type idAt struct {
	t  int64
	id string
}

// New returns an engine with no rules.
func New(opts Options) *Engine {
	if opts.MaxGroups <= 0 {
		opts.MaxGroups = DefaultMaxGroups
	}
	if opts.MaxGroupEntries <= 0 {
		opts.MaxGroupEntries = DefaultMaxGroupEntries
	}
	if opts.MaxEventIDs <= 0 {
		opts.MaxEventIDs = DefaultMaxEventIDs
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxEntityBytes == 0 {
		opts.MaxEntityBytes = DefaultMaxEntityBytes
	}
	return &Engine{
		opts:  opts,
		rules: map[string]*ruleState{},
		byRef: map[string]*ruleState{},
		refs:  map[string][]target{},
	}
}

// Add loads a rule. It validates the rule, refuses a rule whose id or
// name is already used by a loaded correlation (ErrDuplicateRule), one
// that would close a cycle of correlations (ErrCycle), and one whose
// threshold needs more than Options.MaxGroupEntries entries per group.
func (e *Engine) Add(r *Rule) error {
	if r == nil {
		return fmt.Errorf("cannot add correlation rule: %w: nil rule", ErrInvalidRule)
	}
	if err := r.Validate(); err != nil {
		return fmt.Errorf("cannot add correlation rule: %w", err)
	}
	key := r.Key()
	if key == "" {
		return fmt.Errorf("cannot add correlation rule %q: %w: it needs an id or a name", r.Title, ErrInvalidRule)
	}
	rs, err := e.compile(r)
	if err != nil {
		return fmt.Errorf("cannot add correlation rule %q: %w", key, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, ref := range []string{r.ID, r.Name} {
		if ref == "" {
			continue
		}
		if other := e.byRef[ref]; other != nil {
			return fmt.Errorf("cannot add correlation rule %q: %w: %q is used by %q", key, ErrDuplicateRule, ref, other.key)
		}
	}
	if e.cyclic(rs) {
		return fmt.Errorf("cannot add correlation rule %q: %w", key, ErrCycle)
	}
	e.rules[key] = rs
	for _, ref := range []string{r.ID, r.Name} {
		if ref != "" {
			e.byRef[ref] = rs
		}
	}
	for pos, ref := range r.Correlation.Rules {
		e.refs[ref] = append(e.refs[ref], target{rs, pos})
	}
	e.relink()
	return nil
}

// compile checks the engine-specific limits and precomputes what
// evaluation needs.
func (e *Engine) compile(r *Rule) (*ruleState, error) {
	c := &r.Correlation
	rs := &ruleState{
		rule:   r,
		key:    r.Key(),
		fp:     r.fingerprint(),
		cond:   c.Condition,
		span:   int64(c.Timespan),
		posIDs: make([]string, len(c.Rules)),
		groups: map[string]*group{},
	}
	if c.Type.temporal() && rs.cond.empty() {
		n := float64(len(c.Rules))
		rs.cond.GTE = &n
	}
	switch c.Type {
	case EventCount, ValueCount, ValueSum, Temporal, TemporalOrdered:
		rs.sliding = rs.cond.lowerOnly()
	default: // value_avg and value_percentile are not monotone
		rs.sliding = false
	}
	limit := float64(e.opts.MaxGroupEntries)
	switch c.Type {
	case EventCount:
		if rs.sliding && rs.cond.minSatisfying() > limit {
			return nil, fmt.Errorf("%w: condition needs %v events per group, more than MaxGroupEntries (%d)", ErrInvalidRule, rs.cond.minSatisfying(), e.opts.MaxGroupEntries)
		}
	case ValueCount:
		if rs.cond.maxBound() >= limit {
			return nil, fmt.Errorf("%w: condition counts up to %v distinct values, MaxGroupEntries (%d) must be larger", ErrInvalidRule, rs.cond.maxBound(), e.opts.MaxGroupEntries)
		}
	}
	rs.fields = make([][]string, len(c.Rules))
	for pos, ref := range c.Rules {
		fs := make([]string, len(c.GroupBy))
		for i, g := range c.GroupBy {
			fs[i] = g
			if m, ok := c.Aliases[g]; ok {
				if f, ok := m[ref]; ok {
					fs[i] = f
				}
			}
		}
		rs.fields[pos] = fs
	}
	return rs, nil
}

// cyclic reports whether adding rs would let a correlation depend on
// itself. Called with e.mu held.
func (e *Engine) cyclic(rs *ruleState) bool {
	resolve := func(ref string) *ruleState {
		if (rs.rule.ID != "" && ref == rs.rule.ID) || (rs.rule.Name != "" && ref == rs.rule.Name) {
			return rs
		}
		return e.byRef[ref]
	}
	seen := map[*ruleState]bool{}
	var visit func(x *ruleState) bool
	visit = func(x *ruleState) bool {
		for _, ref := range x.rule.Correlation.Rules {
			y := resolve(ref)
			if y == nil {
				continue
			}
			if y == rs {
				return true
			}
			if !seen[y] {
				seen[y] = true
				if visit(y) {
					return true
				}
			}
		}
		return false
	}
	return visit(rs)
}

// relink recomputes which rules are referenced and which are standalone.
// Called with e.mu held.
func (e *Engine) relink() {
	for _, rs := range e.rules {
		rs.referenced, rs.standalone = e.referencedBy(rs.rule.ID, rs.rule.Name)
	}
}

// referencedBy reports whether a loaded correlation refers to the rule
// with this id or name, and whether its matches should raise alerts of
// their own. Called with e.mu held.
func (e *Engine) referencedBy(id, name string) (referenced, standalone bool) {
	standalone = true
	seen := false
	for _, ref := range []string{id, name} {
		if ref == "" {
			continue
		}
		for _, t := range e.refs[ref] {
			if !seen {
				seen, standalone = true, false
			}
			if t.rs.rule.Generate {
				standalone = true
			}
		}
	}
	return seen, standalone
}

// StandAlone reports whether matches of the rule with this id or name
// should raise alerts of their own: true unless a loaded correlation
// refers to it and none of the correlations referring to it sets
// generate. Callers use it for base Sigma rules.
func (e *Engine) StandAlone(id, name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, s := e.referencedBy(id, name)
	return s
}

// Remove unloads the rule with this key (id, else name) and drops its
// state.
func (e *Engine) Remove(key string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	rs := e.rules[key]
	if rs == nil {
		return fmt.Errorf("cannot remove correlation rule %q: %w", key, ErrUnknownRule)
	}
	for _, g := range rs.groups {
		heap.Remove(&e.heap, g.hidx)
	}
	rs.groups = nil
	delete(e.rules, key)
	for _, ref := range []string{rs.rule.ID, rs.rule.Name} {
		if ref != "" && e.byRef[ref] == rs {
			delete(e.byRef, ref)
		}
	}
	for _, ref := range rs.rule.Correlation.Rules {
		ts := e.refs[ref][:0]
		for _, t := range e.refs[ref] {
			if t.rs != rs {
				ts = append(ts, t)
			}
		}
		if len(ts) == 0 {
			delete(e.refs, ref)
		} else {
			e.refs[ref] = ts
		}
	}
	e.relink()
	return nil
}

// Rules returns the loaded rules, sorted by key.
func (e *Engine) Rules() []*Rule {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*Rule, 0, len(e.rules))
	for _, rs := range e.rules {
		out = append(out, rs.rule)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Rules = len(e.rules)
	s.Groups = len(e.heap)
	return s
}

// Interested reports whether some loaded correlation refers to the rule
// with this id or name, so callers can skip building observations for
// the others.
func (e *Engine) Interested(id, name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.refs[id]) > 0 || (name != "" && len(e.refs[name]) > 0)
}

// Time limits: Unix nanoseconds cover 1678 to 2262; staying well inside
// keeps window arithmetic (time ± timespan) from overflowing.
var (
	minTime = time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Observe applies one match and returns the correlations it completed,
// including those completed through chaining.
func (e *Engine) Observe(o Observation) []Fired {
	t := o.Time
	if t.IsZero() {
		t = e.opts.Now()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if t.Before(minTime) || t.After(maxTime) {
		e.stats.BadValue++
		return nil
	}
	var ids []string
	if o.EventID != "" {
		ids = []string{o.EventID}
	}
	var out []Fired
	e.observe(o.OrgID, o.RuleID, o.RuleName, t.UnixNano(), ids, o.Entities, o.Field, &out, 0)
	return out
}

// observe dispatches a match to every correlation waiting for it.
func (e *Engine) observe(org, id, name string, t int64, ids []string, ents []Entity, field func(string) (string, bool), out *[]Fired, depth int) {
	if depth > maxChainDepth {
		return
	}
	byID := e.refs[id]
	var byName []target
	if name != "" && name != id {
		byName = e.refs[name]
	}
	for _, tg := range byID {
		e.observeRule(tg, org, id, t, ids, ents, field, out, depth)
	}
	for _, tg := range byName {
		dup := false
		for _, x := range byID {
			if x.rs == tg.rs {
				dup = true
				break
			}
		}
		if !dup {
			e.observeRule(tg, org, id, t, ids, ents, field, out, depth)
		}
	}
}

// appendKeyPart appends one length-prefixed part of a group key, so that
// no value can be confused with a separator.
func appendKeyPart(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// splitKey decodes a group key into its parts.
func splitKey(key string) ([]string, bool) {
	var parts []string
	for len(key) > 0 {
		n, k := binary.Uvarint([]byte(key[:min(len(key), binary.MaxVarintLen64)]))
		if k <= 0 || n > uint64(len(key)-k) {
			return nil, false
		}
		parts = append(parts, key[k:k+int(n)])
		key = key[k+int(n):]
	}
	return parts, true
}

// observeRule applies a match to one correlation rule.
func (e *Engine) observeRule(tg target, org, ruleID string, t int64, ids []string, ents []Entity, field func(string) (string, bool), out *[]Fired, depth int) {
	rs, pos := tg.rs, tg.pos
	c := &rs.rule.Correlation
	b := appendKeyPart(e.keybuf[:0], org)
	for _, f := range rs.fields[pos] {
		v, ok := lookup(field, f)
		if !ok {
			e.stats.MissingField++
			e.keybuf = b
			return
		}
		b = appendKeyPart(b, v)
	}
	e.keybuf = b

	var x float64
	var s string
	if c.Type.needsField() {
		var ok bool
		if s, ok = e.conditionValue(rs, field); !ok {
			e.stats.MissingField++
			return
		}
		if c.Type == ValueSum || c.Type == ValueAvg || (c.Type == ValuePercentile && rs.cond.Percentile != 0) {
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				e.stats.BadValue++
				return
			}
			x = f
		}
	}

	g := rs.groups[string(b)]
	if g == nil {
		g = e.newGroup(rs, string(b), t)
	} else if rs.sliding {
		if t < g.maxT-rs.span {
			e.stats.Late++
			return
		}
	} else {
		switch {
		case t > g.start+rs.span:
			// The match belongs after the current window: close it first.
			f, ok := e.evaluate(g)
			at := g.maxT
			e.resetGroup(g)
			g.start, g.maxT = t, t
			e.setDeadline(g, t+rs.span)
			e.emit(f, ok, g.rs, at, out, depth)
			if g.hidx < 0 {
				// Evicted while chaining. (e.keybuf, and so b, may have
				// been reused by the chained calls: use the group's key.)
				g = e.newGroup(rs, g.key, t)
			}
		case t < g.start:
			if g.maxT-t > rs.span {
				e.stats.Late++
				return
			}
			// A late match still fits with everything held: the window
			// starts earlier.
			g.start = t
			e.setDeadline(g, t+rs.span)
		}
	}
	e.stats.Observed++
	if d := g.st.add(t, pos, x, s); d > 0 {
		e.stats.Truncated += uint64(d)
	}
	if ps, ok := g.st.(*percentileState); ok && len(ids) > 0 {
		ps.noteID(s, ids[0])
	}
	g.mask |= 1 << uint(pos)
	if rs.posIDs[pos] == "" && ruleID != "" {
		rs.posIDs[pos] = strings.Clone(ruleID)
	}
	if t > g.maxT {
		g.maxT = t
	}
	if rs.sliding {
		// Forget ids and entities that slid out, so the caps keep room
		// for new ones.
		g.pruneIDs(g.maxT - rs.span)
		g.pruneEntities(g.maxT - rs.span)
	}
	if len(ents) > 0 && e.opts.MaxEntityBytes > 0 {
		e.addEntities(g, t, ents)
	}
	for _, id := range ids {
		if len(g.ids) >= e.opts.MaxEventIDs {
			break
		}
		g.ids = append(g.ids, idAt{t, id})
	}
	if !rs.sliding {
		return
	}
	g.st.prune(g.maxT - rs.span)
	e.setDeadline(g, g.maxT+rs.span)
	f, ok := e.evaluate(g)
	if ok {
		e.resetGroup(g)
	}
	e.emit(f, ok, rs, g.maxT, out, depth)
}

// pruneIDs drops the ids observed before lo.
func (g *group) pruneIDs(lo int64) {
	if len(g.ids) == 0 {
		return
	}
	j := 0
	for _, x := range g.ids {
		if x.t >= lo {
			g.ids[j] = x
			j++
		}
	}
	clear(g.ids[j:])
	g.ids = g.ids[:j]
}

// lookup reads a field, treating a nil reader as "no fields".
func lookup(field func(string) (string, bool), name string) (string, bool) {
	if field == nil {
		return "", false
	}
	return field(name)
}

// conditionValue reads condition.field; several fields (value_count)
// are combined into one tuple.
func (e *Engine) conditionValue(rs *ruleState, field func(string) (string, bool)) (string, bool) {
	fs := rs.cond.Fields
	if len(fs) == 1 {
		return lookup(field, fs[0])
	}
	var b []byte
	for _, f := range fs {
		v, ok := lookup(field, f)
		if !ok {
			return "", false
		}
		b = appendKeyPart(b, v)
	}
	return string(b), true
}

// newGroup creates a group, evicting the one closest to expiry when the
// engine is full.
func (e *Engine) newGroup(rs *ruleState, key string, t int64) *group {
	for len(e.heap) >= e.opts.MaxGroups && len(e.heap) > 0 {
		old := heap.Pop(&e.heap).(*group)
		delete(old.rs.groups, old.key)
		e.stats.Evicted++
	}
	g := &group{key: key, rs: rs, st: e.newState(rs), maxT: t, start: t, hidx: -1}
	rs.groups[key] = g
	g.dl = t + rs.span
	heap.Push(&e.heap, g)
	return g
}

func (e *Engine) newState(rs *ruleState) state {
	c := &rs.rule.Correlation
	limit := e.opts.MaxGroupEntries
	switch c.Type {
	case EventCount:
		return &countState{sliding: rs.sliding, limit: limit}
	case ValueCount:
		return &distinctState{sliding: rs.sliding, limit: limit}
	case ValueSum, ValueAvg:
		return &sumState{avg: c.Type == ValueAvg, sliding: rs.sliding, limit: limit}
	case ValuePercentile:
		return &percentileState{p: rs.cond.Percentile, limit: limit}
	case Temporal:
		return newTemporalState(len(c.Rules))
	default:
		return &orderedState{span: rs.span, nrules: len(c.Rules), sliding: rs.sliding, limit: limit}
	}
}

func (e *Engine) setDeadline(g *group, dl int64) {
	if g.dl != dl {
		g.dl = dl
		heap.Fix(&e.heap, g.hidx)
	}
}

func (e *Engine) resetGroup(g *group) {
	g.st.reset()
	g.ids = nil
	g.ents = nil
	g.mask = 0
}

// evaluate checks the group's condition: on every match in sliding mode,
// when the window ends in tumbling mode. It returns the results (several only for value_percentile
// in share mode) and whether the condition held.
func (e *Engine) evaluate(g *group) ([]Fired, bool) {
	rs := g.rs
	if g.st.empty() {
		return nil, false
	}
	base := Fired{
		Rule:       rs.rule,
		Standalone: rs.standalone,
	}
	var start, end int64
	if rs.sliding {
		end = g.maxT
	} else {
		start, end = g.start, g.start+rs.span
	}
	if ps, ok := g.st.(*percentileState); ok && ps.p == 0 {
		var out []Fired
		for _, sh := range ps.shares() {
			if !rs.cond.Match(sh.percent) {
				continue
			}
			f := e.fill(base, g, start, end)
			f.Value = sh.percent
			f.GroupKey[rs.cond.Field] = sh.value
			if sh.eventID != "" {
				f.EventIDs = []string{sh.eventID}
			} else {
				f.EventIDs = nil
			}
			out = append(out, f)
		}
		return out, len(out) > 0
	}
	v, first := g.st.value()
	if !rs.cond.Match(v) {
		return nil, false
	}
	if rs.sliding {
		start = first
		if start == unseen {
			start = end
		}
	}
	f := e.fill(base, g, start, end)
	f.Value = v
	return []Fired{f}, true
}

// fill completes a result with what the group knows.
func (e *Engine) fill(f Fired, g *group, start, end int64) Fired {
	rs := g.rs
	parts, _ := splitKey(g.key)
	if len(parts) > 0 {
		f.OrgID = parts[0]
		parts = parts[1:]
	}
	f.GroupKey = make(map[string]string, len(rs.rule.Correlation.GroupBy)+1)
	for i, name := range rs.rule.Correlation.GroupBy {
		if i < len(parts) {
			f.GroupKey[name] = parts[i]
		}
	}
	f.Start, f.End = time.Unix(0, start).UTC(), time.Unix(0, end).UTC()
	for _, x := range g.ids {
		if x.t >= start {
			f.EventIDs = append(f.EventIDs, x.id)
		}
	}
	f.Entities = g.entities(start)
	for pos, ref := range rs.rule.Correlation.Rules {
		if g.mask&(1<<uint(pos)) == 0 {
			continue
		}
		if id := rs.posIDs[pos]; id != "" {
			ref = id
		}
		f.RuleIDs = append(f.RuleIDs, ref)
	}
	return f
}

// emit appends results and feeds them to the correlations that refer to
// their rule, as matches at time at: the newest event of the window
// (for a tumbling window, its end may be later than any event).
func (e *Engine) emit(fs []Fired, ok bool, rs *ruleState, at int64, out *[]Fired, depth int) {
	if !ok {
		return
	}
	for _, f := range fs {
		e.stats.Fired++
		*out = append(*out, f)
		if !rs.referenced {
			continue
		}
		gk := f.GroupKey
		field := func(name string) (string, bool) {
			v, ok := gk[name]
			return v, ok
		}
		e.observe(f.OrgID, rs.rule.ID, rs.rule.Name, at, f.EventIDs, f.Entities, field, out, depth+1)
	}
}

// Advance closes the windows that ended before now (event time: the
// caller's watermark, e.g. the newest event time seen minus the lateness
// it tolerates) and returns the results decided at close: those of
// conditions with an upper bound (lt, lte, eq, neq, ranges), value_avg
// and value_percentile. It also frees expired sliding groups.
func (e *Engine) Advance(now time.Time) []Fired {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now.Before(minTime) {
		return nil
	}
	if now.After(maxTime) {
		now = maxTime
	}
	limit := now.UnixNano()
	var out []Fired
	for len(e.heap) > 0 && e.heap[0].dl < limit {
		g := heap.Pop(&e.heap).(*group)
		delete(g.rs.groups, g.key)
		e.stats.Expired++
		if g.rs.sliding {
			continue
		}
		f, ok := e.evaluate(g)
		e.emit(f, ok, g.rs, g.maxT, &out, 0)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].End.Equal(out[j].End) {
			return out[i].End.Before(out[j].End)
		}
		return out[i].Rule.Key() < out[j].Rule.Key()
	})
	return out
}

// groupHeap orders groups by deadline: the next to expire first, which
// is also the one evicted first.
type groupHeap []*group

func (h groupHeap) Len() int           { return len(h) }
func (h groupHeap) Less(i, j int) bool { return h[i].dl < h[j].dl }
func (h groupHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx = i
	h[j].hidx = j
}

func (h *groupHeap) Push(x any) {
	g := x.(*group)
	g.hidx = len(*h)
	*h = append(*h, g)
}

func (h *groupHeap) Pop() any {
	old := *h
	n := len(old)
	g := old[n-1]
	old[n-1] = nil
	g.hidx = -1
	*h = old[:n-1]
	return g
}
