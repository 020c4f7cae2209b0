package sigma

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Filter is a Sigma filter (sigma-filters-specification): a detection
// that tunes the rules it names. ApplyFilter adds it to a rule as
// "(rule condition) and (filter condition)", as pySigma does; a filter
// that excludes events therefore says "condition: not selection".
type Filter struct {
	ID          string
	Name        string
	Title       string
	Description string
	Date        string
	Modified    string
	Logsource   Logsource
	// Rules are the ids or names of the rules the filter applies to.
	Rules []string
	// AnyRule is set when rules is "any", "all" or an empty list: the
	// filter applies to every rule of its logsource.
	AnyRule   bool
	Detection *Detection
	File      string
}

// filter reads a filter document.
func (p *docParser) filter(body *yaml.Node, pairs []pair) (*Filter, error) {
	f := &Filter{}
	var fnode, ls *yaml.Node
	var err error
	for _, kv := range pairs {
		switch kv.key.Value {
		case "id":
			f.ID, err = p.str(kv.val, "id")
		case "name":
			f.Name, err = p.str(kv.val, "name")
		case "title":
			f.Title, err = p.str(kv.val, "title")
		case "description":
			f.Description, err = p.str(kv.val, "description")
		case "date":
			f.Date, err = p.str(kv.val, "date")
		case "modified":
			f.Modified, err = p.str(kv.val, "modified")
		case "logsource":
			ls = kv.val
		case "filter":
			fnode = kv.val
		}
		if err != nil {
			return nil, err
		}
	}
	if f.Title == "" {
		return nil, p.errf(body, "filter has no title")
	}
	if ls == nil {
		return nil, p.errf(body, "filter has no logsource")
	}
	if f.Logsource, err = p.logsource(ls); err != nil {
		return nil, err
	}
	fpairs, err := p.mapping(fnode, "filter")
	if err != nil {
		return nil, err
	}
	var rules *yaml.Node
	for _, kv := range fpairs {
		if kv.key.Value == "rules" {
			rules = kv.val
		}
	}
	if rules == nil {
		return nil, p.errf(fnode, "filter has no rules (use \"any\" for every rule of the logsource)")
	}
	switch {
	case rules.Kind == yaml.ScalarNode && (strings.EqualFold(rules.Value, "any") || strings.EqualFold(rules.Value, "all")):
		f.AnyRule = true
	default:
		if f.Rules, err = p.strList(rules, "filter rules"); err != nil {
			return nil, err
		}
		f.AnyRule = len(f.Rules) == 0
	}
	det := withoutKey(fnode, "rules")
	if f.Detection, err = p.detection(det, true); err != nil {
		return nil, err
	}
	if len(f.Detection.Conditions) != 1 {
		return nil, p.errf(fnode, "filter must have exactly one condition")
	}
	return f, nil
}

// AppliesTo reports whether the filter tunes rule r: r is named in its
// rules (by id or name) or the filter applies to any rule, and r's
// logsource is within the filter's (every product, category and service
// the filter names, the rule names too).
func (f *Filter) AppliesTo(r *Rule) bool {
	ls := f.Logsource
	if (ls.Product != "" && ls.Product != r.Logsource.Product) ||
		(ls.Category != "" && ls.Category != r.Logsource.Category) ||
		(ls.Service != "" && ls.Service != r.Logsource.Service) {
		return false
	}
	if f.AnyRule {
		return true
	}
	for _, ref := range f.Rules {
		if ref != "" && (ref == r.ID || ref == r.Name) {
			return true
		}
	}
	return false
}

// ApplyFilter returns r with filter f added, or r itself when f does not
// apply to it. The filter's search identifiers are renamed with a
// "_filterN_" prefix, so they never clash with the rule's and are not
// counted by "1 of them".
func ApplyFilter(r *Rule, f *Filter) *Rule {
	if !f.AppliesTo(r) || r.Detection == nil || f.Detection == nil || len(f.Detection.Conditions) == 0 {
		return r
	}
	prefix := ""
	for n := 1; ; n++ {
		prefix = "_filter" + strconv.Itoa(n) + "_"
		clash := false
		for _, s := range r.Detection.Searches {
			if strings.HasPrefix(s.Name, prefix) {
				clash = true
				break
			}
		}
		if !clash {
			break
		}
	}
	out := *r
	d := &Detection{Timeframe: r.Detection.Timeframe}
	d.Searches = append(d.Searches, r.Detection.Searches...)
	for _, s := range f.Detection.Searches {
		c := *s
		c.Name = prefix + s.Name
		d.Searches = append(d.Searches, &c)
	}
	fexpr := renameExpr(f.Detection.Conditions[0], prefix)
	for _, c := range r.Detection.Conditions {
		e := &AndExpr{Terms: []Expr{c, fexpr}}
		d.Conditions = append(d.Conditions, e)
		d.ConditionText = append(d.ConditionText, e.String())
	}
	out.Detection = d
	return &out
}

// renameExpr copies e with every search identifier prefixed.
func renameExpr(e Expr, prefix string) Expr {
	switch x := e.(type) {
	case *AndExpr:
		terms := make([]Expr, len(x.Terms))
		for i, t := range x.Terms {
			terms[i] = renameExpr(t, prefix)
		}
		return &AndExpr{Terms: terms}
	case *OrExpr:
		terms := make([]Expr, len(x.Terms))
		for i, t := range x.Terms {
			terms[i] = renameExpr(t, prefix)
		}
		return &OrExpr{Terms: terms}
	case *NotExpr:
		return &NotExpr{X: renameExpr(x.X, prefix)}
	case *RefExpr:
		return &RefExpr{Name: prefix + x.Name, Pos: x.Pos}
	case *OfExpr:
		names := make([]string, len(x.Names))
		for i, n := range x.Names {
			names[i] = prefix + n
		}
		// The names are explicit now: "them" no longer needs to see
		// the rule's own searches.
		pat := prefix + x.Pattern
		if x.Them {
			pat = prefix + "*"
		}
		return &OfExpr{Count: x.Count, Pattern: pat, Names: names, Pos: x.Pos}
	}
	return e
}
