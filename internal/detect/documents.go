package detect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/eventsec/eventsec/internal/detect/correlate"
	"github.com/eventsec/eventsec/internal/detect/sigma"
	"github.com/eventsec/eventsec/internal/store"
)

// A stored rule is a file; a Sigma file holds documents (base rules,
// correlations, filters), each with its own id, title, level and tags.
// This file answers questions about documents: which rule holds one, and
// which correlations count a document's matches, silencing its own
// alerts (Sigma: a rule a correlation refers to raises no alert of its
// own unless a correlation that refers to it sets generate: true;
// correlate.Engine.StandAlone).

// Feed is a correlation that counts the matches (or results) of a
// document.
type Feed struct {
	// Document is the counted document, of the rule the feed is listed
	// under.
	Document      string `json:"document"`
	DocumentTitle string `json:"document_title"`
	// RuleID and RuleTitle are the rule (file) that holds the
	// correlation.
	RuleID    string `json:"rule_id"`
	RuleTitle string `json:"rule_title"`
	// CorrelationID and CorrelationTitle are the correlation document.
	CorrelationID    string `json:"correlation_id"`
	CorrelationTitle string `json:"correlation_title"`
	// Generate is the correlation's generate flag.
	Generate bool `json:"generate"`
	// Silenced is true when the counted document raises no alert of its
	// own: no correlation that counts it sets generate: true.
	Silenced bool `json:"silenced"`
}

// DocumentView is one document of a rule's file.
type DocumentView struct {
	ID    string   `json:"id"`
	Name  string   `json:"name,omitempty"`
	Title string   `json:"title"`
	Kind  string   `json:"kind"` // detection, correlation or filter
	Level string   `json:"level"`
	Tags  []string `json:"tags"`
	// Alerting says whether the document's own matches (a correlation's
	// results) raise alerts: false when correlations count it and none
	// sets generate: true.
	Alerting bool `json:"alerting"`
	// Feeds are the correlations that count it, of this rule and of the
	// org's other enabled rules.
	Feeds []Feed `json:"feeds"`
}

// docRef is a document as correlations refer to it.
type docRef struct {
	id, name, title string
}

// refsOf lists the documents of a unit that correlations may refer to.
func refsOf(u *Unit) []docRef {
	var out []docRef
	for _, r := range u.Sigma {
		out = append(out, docRef{r.Key(), r.Name, r.Title})
	}
	for _, c := range u.Correlations {
		out = append(out, docRef{c.Key(), c.Name, c.Title})
	}
	if u.JSON != nil {
		out = append(out, docRef{u.ID, "", u.Title})
	}
	return out
}

// refersTo reports whether a correlation counts the document.
func refersTo(c *correlate.Rule, d docRef) bool {
	for _, r := range c.Correlation.Rules {
		if r == d.id || (d.name != "" && r == d.name) {
			return true
		}
	}
	return false
}

// feedsOf lists the correlations that count the documents of u: those of
// u itself (selfID is its rule's ID) and those of the org's other
// enabled rules, as the live engine loads them. The caller holds e.mu
// (read) when e is not nil.
func feedsOf(e *orgEngine, selfID string, self store.Rule, u *Unit) []Feed {
	type src struct {
		rule store.Rule
		unit *Unit
	}
	srcs := []src{{self, u}}
	if e != nil {
		ids := make([]string, 0, len(e.units))
		for id := range e.units {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			l := e.units[id]
			if id == selfID || !l.rule.Enabled || len(l.unit.Correlations) == 0 {
				continue
			}
			srcs = append(srcs, src{l.rule, l.unit})
		}
	}
	var out []Feed
	for _, d := range refsOf(u) {
		first := len(out)
		generated := false
		for _, s := range srcs {
			for _, c := range s.unit.Correlations {
				if c.Key() == d.id || !refersTo(c, d) {
					continue
				}
				out = append(out, Feed{Document: d.id, DocumentTitle: d.title, RuleID: s.rule.ID, RuleTitle: s.rule.Title,
					CorrelationID: c.Key(), CorrelationTitle: c.Title, Generate: c.Generate})
				generated = generated || c.Generate
			}
		}
		for i := first; i < len(out); i++ {
			out[i].Silenced = !generated
		}
	}
	return out
}

// Documents lists the documents of a rule's file, each with the
// correlations that count it and whether it raises alerts of its own.
func (s *Service) Documents(orgID string, r store.Rule) []DocumentView {
	u, problems := Compile(r.Format, r.Source, r.ID)
	if len(problems) > 0 {
		return []DocumentView{}
	}
	e := s.engine(orgID, false)
	if e != nil {
		e.mu.RLock()
		defer e.mu.RUnlock()
	}
	feeds := feedsOf(e, r.ID, r, u)
	view := func(id, name, title, kind, level string, tags []string) DocumentView {
		v := DocumentView{ID: id, Name: name, Title: title, Kind: kind, Level: docLevel(level), Tags: orEmpty(tags), Feeds: []Feed{}}
		silenced := false
		for _, f := range feeds {
			if f.Document == id {
				v.Feeds = append(v.Feeds, f)
				silenced = f.Silenced
			}
		}
		v.Alerting = u.Alerting[id] && !silenced
		return v
	}
	out := []DocumentView{}
	for _, r := range u.Sigma {
		out = append(out, view(r.Key(), r.Name, r.Title, KindDetection, r.Level, r.Tags))
	}
	for _, c := range u.Correlations {
		out = append(out, view(c.Key(), c.Name, c.Title, KindCorrelation, c.Level, u.correlationTags(c)))
	}
	for _, f := range u.Filters {
		out = append(out, DocumentView{ID: filterKey(f), Title: f.Title, Kind: KindFilter, Level: docLevel(""), Tags: []string{}, Feeds: []Feed{}})
	}
	if u.JSON != nil {
		out = append(out, view(u.ID, "", u.Title, u.Kind, u.Level, u.Tags))
	}
	return out
}

func filterKey(f *sigma.Filter) string {
	if f.ID != "" {
		return f.ID
	}
	return f.Name
}

// CrossFeeds lists, by rule ID, the correlations of the org's other
// enabled rules that count one of the rule's documents: the rules list
// shows them, since such a correlation silences the rule's own alerts
// unless it sets generate: true.
func (s *Service) CrossFeeds(orgID string) map[string][]Feed {
	out := map[string][]Feed{}
	e := s.engine(orgID, false)
	if e == nil {
		return out
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	var corrs []*loaded
	for _, l := range e.units {
		if l.rule.Enabled && len(l.unit.Correlations) > 0 {
			corrs = append(corrs, l)
		}
	}
	if len(corrs) == 0 {
		return out
	}
	for id, l := range e.units {
		// Cheap first: is any document of the rule referenced by another
		// rule's correlation at all?
		hit := false
		for _, d := range refsOf(l.unit) {
			for _, c := range corrs {
				if c.rule.ID == id {
					continue
				}
				for _, cr := range c.unit.Correlations {
					if refersTo(cr, d) {
						hit = true
					}
				}
			}
		}
		if !hit {
			continue
		}
		var cross []Feed
		for _, f := range feedsOf(e, id, l.rule, l.unit) {
			if f.RuleID != id {
				cross = append(cross, f)
			}
		}
		if len(cross) > 0 {
			out[id] = cross
		}
	}
	return out
}

// silenceWarnings tells the author of a rule that correlations of the
// org's other enabled rules count its documents without generate: true,
// so that those documents raise no alert of their own (Sigma's
// semantics, which detection follows). Each is at the document's id.
func (s *Service) silenceWarnings(orgID string, u *Unit) []RuleError {
	e := s.engine(orgID, false)
	if e == nil {
		return nil
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	selfID := u.ID
	var out []RuleError
	byDoc := map[string][]Feed{}
	var order []string
	for _, f := range feedsOf(e, selfID, store.Rule{ID: selfID, Title: u.Title}, u) {
		if f.RuleID == selfID || !f.Silenced {
			continue
		}
		if _, seen := byDoc[f.Document]; !seen {
			order = append(order, f.Document)
		}
		byDoc[f.Document] = append(byDoc[f.Document], f)
	}
	for _, doc := range order {
		fs := byDoc[doc]
		names := make([]string, 0, len(fs))
		for _, f := range fs {
			names = append(names, fmt.Sprintf("%q (rule %q)", f.CorrelationTitle, f.RuleTitle))
		}
		slices.Sort(names)
		msg := fmt.Sprintf("%q feeds correlation %s, which does not set generate: true: its own matches raise no alert (Sigma correlation semantics); add generate: true to the correlation to keep them",
			fs[0].DocumentTitle, names[0])
		if len(names) > 1 {
			msg = fmt.Sprintf("%q feeds correlations %s, none of which sets generate: true: its own matches raise no alert (Sigma correlation semantics); add generate: true to one of them to keep them",
				fs[0].DocumentTitle, joinAnd(names))
		}
		e := u.refError("", doc, msg)
		out = append(out, e)
	}
	return out
}

func joinAnd(l []string) string {
	switch len(l) {
	case 0:
		return ""
	case 1:
		return l[0]
	}
	out := ""
	for i, s := range l {
		switch {
		case i == 0:
		case i == len(l)-1:
			out += " and "
		default:
			out += ", "
		}
		out += s
	}
	return out
}

// FindRule gets a rule by its ID or, failing that, by the id or Sigma
// name of one of its documents (an alert's rule_document_id names the
// correlation of a file whose rule ID is its first document's); doc is
// the document's key when found that way, "" otherwise.
func (s *Service) FindRule(ctx context.Context, orgID, id string) (r store.Rule, doc string, err error) {
	r, err = s.o.Store.Rules().Get(ctx, orgID, id)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return r, "", err
	}
	notFound := err
	ruleID := ""
	if e := s.engine(orgID, false); e != nil {
		e.mu.RLock()
		ids := make([]string, 0, len(e.units))
		for rid := range e.units {
			ids = append(ids, rid)
		}
		sort.Strings(ids)
		for _, rid := range ids {
			for _, d := range refsOf(e.units[rid].unit) {
				if d.id == id || (d.name != "" && d.name == id) {
					ruleID, doc = rid, d.id
					break
				}
			}
			if ruleID != "" {
				break
			}
		}
		e.mu.RUnlock()
	}
	if ruleID == "" {
		return r, "", notFound
	}
	r, err = s.o.Store.Rules().Get(ctx, orgID, ruleID)
	if err != nil {
		return r, "", fmt.Errorf("cannot get the rule of document %s: %w", id, err)
	}
	return r, doc, nil
}
