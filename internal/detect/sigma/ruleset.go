package sigma

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Config configures a Ruleset.
type Config struct {
	// Placeholders are the values of %name% placeholders (expand
	// modifier), by name without the percent signs. Values may hold
	// wildcards. A rule using a placeholder that is not here is
	// rejected, unless WildcardPlaceholders is set.
	Placeholders map[string][]string
	// WildcardPlaceholders replaces undefined placeholders with "*"
	// (any value), pySigma's last-resort behaviour.
	WildcardPlaceholders bool
}

// Match is one rule that matched an event.
type Match struct {
	// RuleID is the rule's Key: its id, else its name, else its title.
	RuleID string
	Title  string
	Level  string
	Rule   *Rule
}

// slot is one Sigma field name with the event keys it is read from.
type slot struct {
	name string
	keys [numSchemas][]keySpec
}

// Ruleset is a set of compiled Sigma rules matched against events. It is
// safe for concurrent use: Match works on an immutable snapshot that
// Add and Remove replace atomically.
type Ruleset struct {
	cfg Config

	// mu serialises writers (Add, Remove) and guards the tables below,
	// which only grow: a snapshot sees a prefix of them.
	mu      sync.Mutex
	slots   []*slot
	slotIdx map[string]int32
	preds   []*pred
	predIdx map[string]int32

	snap atomic.Pointer[snapshot]
	pool sync.Pool
}

// snapshot is one immutable state of a Ruleset.
type snapshot struct {
	rules []*crule
	byKey map[string]int
	slots []*slot
	preds []*pred

	// classes caches the program of each class of events, built on
	// first use; copy-on-write under classMu.
	classes atomic.Pointer[map[Logsources]*classProg]
	// win caches the class of Windows events by channel, provider and
	// event ID, which decide it: classifying is then one map lookup.
	win     atomic.Pointer[map[winKey]*winClass]
	classMu sync.Mutex
}

type winKey struct {
	channel, provider string
	id                int64
}

type winClass struct {
	ls Logsources
	cp *classProg
}

// maxCached bounds the class caches: senders choose channels, providers
// and datasets, and must not make them grow without end.
const maxCached = 4096

// NewRuleset returns an empty Ruleset.
func NewRuleset(cfg Config) *Ruleset {
	rs := &Ruleset{cfg: cfg, slotIdx: map[string]int32{}, predIdx: map[string]int32{}}
	rs.pool.New = func() any { return &scratch{} }
	s := &snapshot{byKey: map[string]int{}}
	empty := map[Logsources]*classProg{}
	s.classes.Store(&empty)
	rs.snap.Store(s)
	return rs
}

// Add compiles a rule and adds it; a rule with the same Key replaces the
// one there.
func (rs *Ruleset) Add(r *Rule) error {
	return rs.AddAll([]*Rule{r})
}

// AddAll adds rules in one step (a bulk load rebuilds the matcher once).
// Rules that do not compile are skipped; their errors are returned
// joined.
func (rs *Ruleset) AddAll(rules []*Rule) error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	c := &compiler{rs: rs, cfg: &rs.cfg}
	var errs []error
	var added []*crule
	for _, r := range rules {
		if r == nil {
			continue
		}
		cr, err := c.compile(r)
		if err != nil {
			errs = append(errs, &CompileError{Key: r.Key(), Err: err})
			continue
		}
		added = append(added, cr)
	}
	if len(added) > 0 {
		rs.replace(added, nil)
	}
	return errors.Join(errs...)
}

// Remove removes the rule with the given Key.
func (rs *Ruleset) Remove(key string) error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	old := rs.snap.Load()
	i, ok := old.byKey[key]
	if !ok {
		return fmt.Errorf("cannot remove rule %q: %w", key, ErrNotFound)
	}
	rs.replace(nil, []*crule{old.rules[i]})
	return nil
}

// Len returns how many rules are loaded.
func (rs *Ruleset) Len() int {
	return len(rs.snap.Load().rules)
}

// Rules returns the loaded rules.
func (rs *Ruleset) Rules() []*Rule {
	s := rs.snap.Load()
	out := make([]*Rule, len(s.rules))
	for i, cr := range s.rules {
		out[i] = cr.rule
	}
	return out
}

// replace builds the next snapshot with rules added and removed. Class
// programs that none of the changed rules routes to are kept.
func (rs *Ruleset) replace(add, remove []*crule) {
	old := rs.snap.Load()
	drop := map[string]bool{}
	changed := make([]Logsource, 0, len(add)+len(remove))
	for _, cr := range remove {
		drop[cr.key] = true
		changed = append(changed, cr.rule.Logsource)
	}
	for _, cr := range add {
		if i, ok := old.byKey[cr.key]; ok {
			drop[cr.key] = true
			changed = append(changed, old.rules[i].rule.Logsource)
		}
		changed = append(changed, cr.rule.Logsource)
	}
	next := &snapshot{byKey: make(map[string]int, len(old.rules)+len(add)), slots: rs.slots, preds: rs.preds}
	next.rules = make([]*crule, 0, len(old.rules)+len(add))
	for _, cr := range old.rules {
		if !drop[cr.key] {
			next.byKey[cr.key] = len(next.rules)
			next.rules = append(next.rules, cr)
		}
	}
	for _, cr := range add {
		if i, ok := next.byKey[cr.key]; ok {
			next.rules[i] = cr // the same key twice in one batch: the last wins
			continue
		}
		next.byKey[cr.key] = len(next.rules)
		next.rules = append(next.rules, cr)
	}
	classes := map[Logsources]*classProg{}
	if len(changed) < 64 {
	keep:
		for ls, cp := range *old.classes.Load() {
			for _, c := range changed {
				if ls.Matches(c) {
					continue keep
				}
			}
			classes[ls] = cp
		}
	}
	next.classes.Store(&classes)
	rs.snap.Store(next)
}

// class returns the program for events with logsources ls.
func (s *snapshot) class(ls Logsources) *classProg {
	if cp, ok := (*s.classes.Load())[ls]; ok {
		return cp
	}
	s.classMu.Lock()
	defer s.classMu.Unlock()
	cur := *s.classes.Load()
	if cp, ok := cur[ls]; ok {
		return cp
	}
	var rules []*crule
	for _, cr := range s.rules {
		if ls.Matches(cr.rule.Logsource) {
			rules = append(rules, cr)
		}
	}
	cp := buildClass(rules)
	next := make(map[Logsources]*classProg, len(cur)+1)
	if len(cur) < maxCached {
		for k, v := range cur {
			next[k] = v
		}
	}
	next[ls] = cp
	s.classes.Store(&next)
	return cp
}

// windowsClass returns the logsources and program of a Windows event.
func (s *snapshot) windowsClass(ev *event.Event, channel, provider string) (*Logsources, *classProg) {
	var id int64
	switch x := ev.Fields["winlog.event_id"].(type) {
	case int64:
		id = x
	default:
		id, _ = ev.Fields.Int("winlog.event_id")
	}
	k := winKey{channel, provider, id}
	if m := s.win.Load(); m != nil {
		if wc, ok := (*m)[k]; ok {
			return &wc.ls, wc.cp
		}
	}
	wc := &winClass{ls: EventLogsources(ev)}
	wc.cp = s.class(wc.ls)
	s.classMu.Lock()
	defer s.classMu.Unlock()
	var next map[winKey]*winClass
	if cur := s.win.Load(); cur != nil && len(*cur) < maxCached {
		next = make(map[winKey]*winClass, len(*cur)+1)
		for key, v := range *cur {
			next[key] = v
		}
	} else {
		next = map[winKey]*winClass{}
	}
	next[k] = wc
	s.win.Store(&next)
	return &wc.ls, wc.cp
}

// Match appends to dst the rules that match ev, in the order they were
// added, and returns it. It does not allocate once warmed up, except for
// growing dst.
func (rs *Ruleset) Match(ev *event.Event, dst []Match) []Match {
	return rs.match(ev, dst, nil)
}

// MatchTimed is Match that also times the evaluation of each candidate
// rule (one the prefilter did not rule out) and reports it to took with
// the rule's Key. It is meant for a sample of events: reading the clock
// around every candidate costs more than evaluating many of them.
//
// Values read from the event are cached for the event, so the first
// candidate that reads a field pays for reading it; the prefilter's own
// scan is not attributed to any rule.
func (rs *Ruleset) MatchTimed(ev *event.Event, dst []Match, took func(key string, ns int64)) []Match {
	return rs.match(ev, dst, took)
}

func (rs *Ruleset) match(ev *event.Event, dst []Match, took func(string, int64)) []Match {
	s := rs.snap.Load()
	if len(s.rules) == 0 || ev == nil {
		return dst
	}
	var ls *Logsources
	var cp *classProg
	channel, _ := ev.Fields["winlog.channel"].(string)
	provider, _ := ev.Fields["winlog.provider_name"].(string)
	if channel != "" || provider != "" {
		ls, cp = s.windowsClass(ev, channel, provider)
	} else {
		l := EventLogsources(ev)
		ls, cp = &l, s.class(l)
	}
	if len(cp.rules) == 0 {
		return dst
	}
	sc := rs.pool.Get().(*scratch)
	sc.begin(ev, ls, s, cp)
	sc.prefilter(cp)
	if took == nil {
		for _, ri := range sc.cands {
			cr := cp.rules[ri]
			if sc.eval(cr) {
				dst = append(dst, cr.match)
			}
		}
	} else {
		for _, ri := range sc.cands {
			cr := cp.rules[ri]
			start := time.Now()
			ok := sc.eval(cr)
			took(cr.match.RuleID, time.Since(start).Nanoseconds())
			if ok {
				dst = append(dst, cr.match)
			}
		}
	}
	sc.end()
	rs.pool.Put(sc)
	return dst
}
