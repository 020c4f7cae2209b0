package detect

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/detect/correlate"
	"github.com/eventsec/eventsec/internal/detect/jsonrule"
	"github.com/eventsec/eventsec/internal/detect/sigma"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/store"
)

// loaded is a stored rule with its compiled unit and live counters.
type loaded struct {
	rule store.Rule
	unit *Unit
	// Counters since the last checkpoint (flushed into the state store
	// with it).
	matches atomic.Int64
	// evalNanos is the time its documents took on sampled events since
	// the last flush; sampleMark is the org's sampled-event count at the
	// last flush (the rule's samples are the difference). marked says the
	// mark was set (rebuild sets it for new units).
	evalNanos  atomic.Int64
	sampleMark atomic.Int64
	marked     bool
}

// doc is one rule document of a unit: a Sigma detection or correlation,
// or a JSON rule (or its threshold).
type doc struct {
	unit  *loaded
	id    string
	title string
	level string
	tags  []string
	sigma *sigma.Rule // for Sigma detections: resolves fields
	corr  *correlate.Rule
	// ref is the Sigma name correlations know the detection by: its name,
	// unless another rule of the org holds the same one (see bindNames).
	ref string
}

// orgEngine is one org's compiled rules. The stream reads it under
// RLock; changes build a new matcher and swap it under Lock.
type orgEngine struct {
	mu         sync.RWMutex
	orgID      string
	units      map[string]*loaded // by stored rule ID
	docs       map[string]*doc    // by document ID (enabled units only)
	ruleset    *sigma.Ruleset
	json       []*doc
	corr       *correlate.Engine
	corrRules  map[string]string // correlation ID -> source hash loaded
	exceptions map[string][]*exception
	// placeholders are the org's values of Sigma placeholders (%name%).
	placeholders map[string][]string
	// problems says why an enabled rule does not run, by stored rule ID.
	problems map[string]string
	// known holds the ids and names of the enabled rules' documents, as
	// correlations reference them.
	known map[string]bool
	// sampled counts the events whose rules were timed (sampling).
	sampled atomic.Int64
	// took adds a sampled evaluation time to its rule (read under mu).
	took func(key string, ns int64)
	// gen counts rebuilds (under mu): what was derived from the org's
	// rules, filters and placeholders is current while it is unchanged.
	gen uint64
}

func newOrgEngine(orgID string, maxGroups int) *orgEngine {
	return &orgEngine{orgID: orgID, units: map[string]*loaded{}, docs: map[string]*doc{},
		ruleset: sigma.NewRuleset(sigma.Config{}), corr: correlate.New(correlate.Options{MaxGroups: maxGroups}),
		corrRules: map[string]string{}, exceptions: map[string][]*exception{}, problems: map[string]string{}}
}

// placeholderProblem is how the rules list says a rule lacks a placeholder.
func placeholderProblem(name string) string {
	return fmt.Sprintf("not runnable: placeholder %%%s%% has no values in this org", name)
}

// rebuild compiles the enabled units into a new matcher and updates the
// correlation engine, keeping the state of unchanged correlations. The
// caller holds e.mu.
func (e *orgEngine) rebuild() []RuleError {
	var problems []RuleError
	e.gen++
	e.problems = map[string]string{}
	for _, l := range e.units {
		// A new unit starts sampling now; a disabled one must not count
		// the samples it sat out.
		if !l.marked || !l.rule.Enabled {
			l.sampleMark.Store(e.sampled.Load())
			l.marked = true
		}
	}
	rs := sigma.NewRuleset(sigma.Config{Placeholders: e.placeholders})
	docs := map[string]*doc{}
	var jsonDocs []*doc
	var filters []*sigma.Filter
	for _, l := range e.units {
		if l.rule.Enabled {
			filters = append(filters, l.unit.Filters...)
		}
	}
	var pending []*sigma.Rule
	wantCorr := map[string]*correlate.Rule{}
	hashOf := map[string]string{}
	for _, l := range e.units {
		if !l.rule.Enabled {
			continue
		}
		u := l.unit
		for _, r := range u.Sigma {
			for _, f := range filters {
				if f.AppliesTo(r) {
					r = sigma.ApplyFilter(r, f)
				}
			}
			pending = append(pending, r)
			docs[r.Key()] = &doc{unit: l, id: r.Key(), title: r.Title, level: docLevel(r.Level), tags: r.Tags, sigma: r}
		}
		for _, c := range u.Correlations {
			docs[c.Key()] = &doc{unit: l, id: c.Key(), title: c.Title, level: docLevel(c.Level), tags: u.correlationTags(c), corr: c}
			wantCorr[c.Key()], hashOf[c.Key()] = c, u.Hash
		}
		if u.JSON != nil {
			d := &doc{unit: l, id: u.ID, title: u.Title, level: u.Level, tags: u.Tags}
			docs[u.ID] = d
			jsonDocs = append(jsonDocs, d)
			if c := u.JSONCorrelation; c != nil {
				docs[c.Key()] = &doc{unit: l, id: c.Key(), title: c.Title, level: c.Level, tags: c.Tags, corr: c}
				wantCorr[c.Key()], hashOf[c.Key()] = c, u.Hash
			}
		}
	}
	// One compilation for all rules (much faster than one at a time); a
	// rule that does not compile is reported and left out.
	if err := rs.AddAll(pending); err != nil {
		byKey := compileErrors(err)
		loadedKeys := map[string]bool{}
		for _, r := range rs.Rules() {
			loadedKeys[r.Key()] = true
		}
		for _, r := range pending {
			if !loadedKeys[r.Key()] {
				d := docs[r.Key()]
				msg := ruleProblem(err, r.Key())
				var pe *sigma.PlaceholderError
				if ce := byKey[r.Key()]; ce != nil && errors.As(ce, &pe) {
					msg = placeholderProblem(pe.Name)
				}
				problems = append(problems, RuleError{File: d.unit.rule.ID, Message: msg})
				if _, have := e.problems[d.unit.rule.ID]; !have {
					e.problems[d.unit.rule.ID] = msg
				}
				delete(docs, r.Key())
			}
		}
	}
	bindNames(docs)
	// A correlation that references a rule the org does not have is
	// loaded (it runs once the rule appears) but is not runnable now.
	known := map[string]bool{}
	for _, d := range docs {
		known[d.id] = true
		if d.ref != "" {
			known[d.ref] = true
		}
		if d.corr != nil && d.corr.Name != "" {
			known[d.corr.Name] = true
		}
	}
	e.known = known
	for _, l := range e.units {
		if !l.rule.Enabled || len(l.unit.Correlations) == 0 {
			continue
		}
		if miss := missingRefs(l.unit, func(r string) bool { return known[r] }); len(miss) > 0 {
			msg := "not runnable: " + miss[0].Message
			problems = append(problems, RuleError{File: l.rule.ID, Message: msg})
			if _, have := e.problems[l.rule.ID]; !have {
				e.problems[l.rule.ID] = msg
			}
		}
	}
	for id := range e.corrRules {
		if c, keep := wantCorr[id]; !keep || hashOf[id] != e.corrRules[id] {
			e.corr.Remove(id)
			delete(e.corrRules, id)
			_ = c
		}
	}
	for id, c := range wantCorr {
		if _, have := e.corrRules[id]; have {
			continue
		}
		if err := e.corr.Add(c); err != nil {
			problems = append(problems, RuleError{File: docs[id].unit.rule.ID, Message: err.Error()})
			if _, have := e.problems[docs[id].unit.rule.ID]; !have {
				e.problems[docs[id].unit.rule.ID] = err.Error()
			}
			delete(docs, id)
			continue
		}
		e.corrRules[id] = hashOf[id]
	}
	e.ruleset, e.docs, e.json = rs, docs, jsonDocs
	e.took = func(key string, ns int64) {
		if d := docs[key]; d != nil {
			d.unit.evalNanos.Add(ns)
		}
	}
	return problems
}

// docLevel is a document's level as its alerts carry it: its own, else
// the Sigma default (medium), as Compile reads a file's first document.
// Never the file's level: each document of a file has its own.
func docLevel(level string) string {
	if level == "" {
		return "medium"
	}
	return strings.ToLower(level)
}

// correlationTags are the ATT&CK (and other) tags of a correlation's
// alerts: its own, else those of the rules of its file that it counts
// (a burst of a technique's detections is that technique). Never the
// tags of another correlation of the file.
func (u *Unit) correlationTags(c *correlate.Rule) []string {
	if len(c.Tags) > 0 {
		return c.Tags
	}
	var tags []string
	for _, ref := range c.Correlation.Rules {
		for _, r := range u.Sigma {
			if r.ID == ref || (r.Name != "" && r.Name == ref) {
				for _, t := range r.Tags {
					if !slices.Contains(tags, t) {
						tags = append(tags, t)
					}
				}
			}
		}
	}
	return tags
}

// compileErrors indexes the rules of a joined Ruleset.AddAll error by key.
func compileErrors(err error) map[string]*sigma.CompileError {
	out := map[string]*sigma.CompileError{}
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var ce *sigma.CompileError
		if errors.As(err, &ce) {
			out[ce.Key] = ce
		}
	}
	walk(err)
	return out
}

// fieldValues reads a field for an exception or a group-by: the ECS key
// as named, else the Sigma name through the rule's mapping, else the JSON
// rules' aliases.
func fieldValues(ev *event.Event, d *doc, name string) []string {
	if v, ok := ev.Fields[name]; ok {
		if l, isList := v.([]string); isList {
			return l
		}
		return []string{ev.Fields.Str(name)}
	}
	if d != nil && d.sigma != nil {
		if vals := sigma.Resolve(ev, d.sigma, name); len(vals) > 0 {
			return vals
		}
	}
	vals, _ := jsonrule.Values(ev, name)
	return vals
}

// excepted reports whether an exception of the unit suppresses the match.
func (e *orgEngine) excepted(d *doc, ev *event.Event, now time.Time) bool {
	for _, x := range e.exceptions[d.unit.rule.ID] {
		if x.matches(ev, d, now) {
			return true
		}
	}
	return false
}

// sigmaName is the name correlations know the document by ("" for none).
func (d *doc) sigmaName() string { return d.ref }

// bindNames gives each Sigma name to exactly one detection, so that a
// correlation that references a name counts one rule's matches, and the
// rule's own alerts are held back only when a correlation really uses it.
// Create, update and import refuse a name another rule of the org holds;
// rules stored before that check may still share one: the name goes to
// the rule whose file has a correlation referencing it, else the oldest
// (then the lowest id); the others match under their ids only and raise
// their own alerts.
func bindNames(docs map[string]*doc) {
	byName := map[string][]*doc{}
	for _, d := range docs {
		if d.sigma != nil && d.sigma.Name != "" {
			byName[d.sigma.Name] = append(byName[d.sigma.Name], d)
		}
	}
	for name, ds := range byName {
		best := ds[0]
		for _, d := range ds[1:] {
			if better(d, best, name) {
				best = d
			}
		}
		best.ref = name
	}
}

// better reports whether d has a stronger claim to name than o.
func better(d, o *doc, name string) bool {
	dl, ol := referencesName(d.unit.unit, name), referencesName(o.unit.unit, name)
	if dl != ol {
		return dl
	}
	if !d.unit.rule.CreatedAt.Equal(o.unit.rule.CreatedAt) {
		return d.unit.rule.CreatedAt.Before(o.unit.rule.CreatedAt)
	}
	return d.unit.rule.ID < o.unit.rule.ID
}

func referencesName(u *Unit, name string) bool {
	for _, c := range u.Correlations {
		if slices.Contains(c.Correlation.Rules, name) {
			return true
		}
	}
	return false
}

// ruleProblem picks the part of a joined compilation error about one rule.
func ruleProblem(err error, key string) string {
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.Contains(line, key) {
			return line
		}
	}
	return err.Error()
}
