package sigma

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// mop is what a matcher does with a field value.
type mop uint8

const (
	mExact    mop = iota // value == s
	mPrefix              // value starts with s
	mSuffix              // value ends with s
	mContains            // value contains s
	mPreSuf              // starts with s, ends with s2, long enough for both
	mGlob                // general wildcard pattern
	mAny                 // any value ("*")
	mEmpty               // "" : absent or empty
	mRegex
	mCIDR
	mCmp
	mExists
	mNull
	mRef
	mTime
)

// globSeg is a run of a wildcard pattern between two stars: literal text
// and single-character wildcards.
type globSeg []Part

// glob is a compiled wildcard pattern.
type glob struct {
	segs             []globSeg
	anchorStart, end bool
}

// matcher is one compiled value.
type matcher struct {
	op      mop
	cased   bool
	group   int32
	s, s2   string
	g       *glob
	re      *regexp.Regexp
	reMin   int // no shorter text can match re
	reRun   *reRun
	pfx     netip.Prefix
	cmp     CompareOp
	num     float64
	unit    TimeUnit
	ref     int32
	refMode RefMode
	exists  bool
}

// pred is one compiled item: a field (or the keywords) and its values.
// Identical items of different rules share one pred, evaluated once per
// event.
type pred struct {
	id    int32
	slot  int32 // -1: keywords
	neg   bool
	all   bool
	ms    []matcher
	cost  float64
	anch  anchorSet
	field string
}

// cexpr is a compiled condition.
type cexpr struct {
	op    uint8
	kids  []cexpr
	ref   int32   // cRef: search index
	refs  []int32 // cOf: search indexes
	count int     // cOf: how many (0: all)
}

const (
	cAnd uint8 = iota
	cOr
	cNot
	cRef
	cOf
)

// csearch is a compiled search: alternatives (OR) of preds (AND).
type csearch struct {
	alts [][]int32
}

// crule is a compiled rule.
type crule struct {
	rule     *Rule
	key      string
	searches []csearch
	cond     cexpr
	anch     anchorSet
	match    Match
	keywords bool
}

// compiler turns rules into crules, interning fields and preds in the
// Ruleset's tables. It runs under the Ruleset's lock.
type compiler struct {
	rs  *Ruleset
	cfg *Config
}

func (c *compiler) slot(name string) int32 {
	rs := c.rs
	if id, ok := rs.slotIdx[name]; ok {
		return id
	}
	id := int32(len(rs.slots))
	rs.slots = append(rs.slots, &slot{name: name, keys: fieldKeys(name)})
	rs.slotIdx[name] = id
	return id
}

func (c *compiler) compile(r *Rule) (*crule, error) {
	if r.Detection == nil {
		return nil, &Error{File: r.File, Line: r.Line, Msg: "rule has no detection"}
	}
	cr := &crule{rule: r, key: r.Key()}
	cr.match = Match{RuleID: cr.key, Title: r.Title, Level: r.Level, Rule: r}
	index := make(map[string]int32, len(r.Detection.Searches))
	for i, s := range r.Detection.Searches {
		index[s.Name] = int32(i)
		var cs csearch
		for _, alt := range s.Alternatives {
			ids := make([]int32, 0, len(alt.Items))
			for _, it := range alt.Items {
				p, err := c.pred(r, it)
				if err != nil {
					return nil, err
				}
				ids = append(ids, p.id)
				if p.slot < 0 {
					cr.keywords = true
				}
			}
			// Cheap, selective items first: an AND stops at the first
			// false one.
			sortByCost(ids, c.rs.preds)
			cs.alts = append(cs.alts, ids)
		}
		cr.searches = append(cr.searches, cs)
	}
	if len(r.Detection.Conditions) == 0 {
		return nil, &Error{File: r.File, Line: r.Line, Msg: "rule has no condition"}
	}
	var conds []cexpr
	for _, e := range r.Detection.Conditions {
		ce, err := compileExpr(e, index)
		if err != nil {
			return nil, &Error{File: r.File, Line: r.Line, Msg: err.Error()}
		}
		conds = append(conds, ce)
	}
	if len(conds) == 1 {
		cr.cond = conds[0]
	} else {
		cr.cond = cexpr{op: cOr, kids: conds}
	}
	cr.anch = c.exprAnchors(cr, &cr.cond)
	return cr, nil
}

func sortByCost(ids []int32, preds []*pred) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && preds[ids[j]].cost < preds[ids[j-1]].cost; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

func compileExpr(e Expr, index map[string]int32) (cexpr, error) {
	switch x := e.(type) {
	case *AndExpr, *OrExpr:
		op, terms := cAnd, []Expr(nil)
		if a, ok := x.(*AndExpr); ok {
			terms = a.Terms
		} else {
			op, terms = cOr, x.(*OrExpr).Terms
		}
		out := cexpr{op: op}
		for _, t := range terms {
			k, err := compileExpr(t, index)
			if err != nil {
				return out, err
			}
			out.kids = append(out.kids, k)
		}
		return out, nil
	case *NotExpr:
		k, err := compileExpr(x.X, index)
		return cexpr{op: cNot, kids: []cexpr{k}}, err
	case *RefExpr:
		i, ok := index[x.Name]
		if !ok {
			return cexpr{}, fmt.Errorf("condition: unknown search identifier %q", x.Name)
		}
		return cexpr{op: cRef, ref: i}, nil
	case *OfExpr:
		out := cexpr{op: cOf, count: x.Count}
		for _, n := range x.Names {
			i, ok := index[n]
			if !ok {
				return out, fmt.Errorf("condition: unknown search identifier %q", n)
			}
			out.refs = append(out.refs, i)
		}
		if len(out.refs) == 0 {
			return out, fmt.Errorf("condition: %q matches no search identifier", x.String())
		}
		if out.count > len(out.refs) {
			// "3 of x*" with two searches can never be true.
			out.count = len(out.refs) + 1
		}
		return out, nil
	}
	return cexpr{}, fmt.Errorf("condition: unsupported expression %T", e)
}

// pred compiles one item and interns it.
func (c *compiler) pred(r *Rule, it *Item) (*pred, error) {
	p := &pred{slot: -1, neg: it.Negate, all: it.All, field: it.Field}
	if it.Field != "" {
		p.slot = c.slot(it.Field)
	}
	for _, v := range it.Values {
		ms, err := c.matchers(r, it, v)
		if err != nil {
			return nil, err
		}
		p.ms = append(p.ms, ms...)
	}
	if len(p.ms) == 0 {
		return nil, &Error{File: r.File, Line: it.Line, Column: it.Column, Msg: fmt.Sprintf("%q has no value", it.Field)}
	}
	key := p.key()
	if id, ok := c.rs.predIdx[key]; ok {
		return c.rs.preds[id], nil
	}
	p.id = int32(len(c.rs.preds))
	p.anch = predAnchors(p)
	p.cost = predCost(p)
	c.rs.preds = append(c.rs.preds, p)
	c.rs.predIdx[key] = p.id
	return p, nil
}

// key is the identity of a pred: two items with the same key match the
// same events.
func (p *pred) key() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d|%t|%t", p.slot, p.neg, p.all)
	for _, m := range p.ms {
		fmt.Fprintf(&b, "|%d,%t,%d,%q,%q", m.op, m.cased, m.group, m.s, m.s2)
		switch m.op {
		case mGlob:
			for _, s := range m.g.segs {
				for _, part := range s {
					fmt.Fprintf(&b, ",%d:%q", part.Kind, part.Text)
				}
				b.WriteByte(';')
			}
			fmt.Fprintf(&b, ",%t,%t", m.g.anchorStart, m.g.end)
		case mRegex:
			b.WriteString(m.re.String())
		case mCIDR:
			b.WriteString(m.pfx.String())
		case mCmp, mTime:
			fmt.Fprintf(&b, ",%d,%g,%d", m.cmp, m.num, m.unit)
		case mRef:
			fmt.Fprintf(&b, ",%d,%d", m.ref, m.refMode)
		case mExists:
			fmt.Fprintf(&b, ",%t", m.exists)
		}
	}
	return b.String()
}

// matchers compiles one value; placeholders may expand it into several.
func (c *compiler) matchers(r *Rule, it *Item, v Value) ([]matcher, error) {
	m := matcher{cased: it.Cased, group: int32(v.Group)}
	switch v.Kind {
	case KindString:
		pats, err := c.expand(r, it, v)
		if err != nil {
			return nil, err
		}
		out := make([]matcher, 0, len(pats))
		for _, pt := range pats {
			if it.Field != "" {
				out = append(out, stringMatcher(pt, m))
				continue
			}
			// Keywords are searched for anywhere in the event's raw text,
			// as written there: plain, JSON-escaped or XML-escaped.
			pt = pt.withStars(true, true).normalize()
			seen := map[string]bool{}
			for _, esc := range rawEscapes {
				v := pt.mapLits(esc)
				if k := v.String(); !seen[k] {
					seen[k] = true
					out = append(out, stringMatcher(v, m))
				}
			}
		}
		return out, nil
	case KindRegex:
		m.op, m.re, m.reMin = mRegex, v.Regex, regexMinLen(v.Regex)
		if run, ok := regexRun(v.Regex); ok {
			m.reRun = &run
		}
	case KindCIDR:
		m.op, m.pfx = mCIDR, v.Prefix
	case KindCompare:
		m.op, m.cmp, m.num = mCmp, v.Op, v.Num
	case KindTimePart:
		m.op, m.cmp, m.num, m.unit = mTime, v.Op, v.Num, v.Unit
	case KindExists:
		m.op, m.exists = mExists, v.Exists
	case KindNull:
		m.op = mNull
	case KindFieldRef:
		m.op, m.ref, m.refMode = mRef, c.slot(v.Ref), v.RefMode
	default:
		return nil, &Error{File: r.File, Line: v.Line, Column: v.Column, Msg: "unsupported value"}
	}
	if it.Field == "" && m.op != mRegex {
		return nil, &Error{File: r.File, Line: v.Line, Column: v.Column, Msg: "keywords take strings or regular expressions only"}
	}
	return []matcher{m}, nil
}

// expand replaces placeholders with the configured values.
func (c *compiler) expand(r *Rule, it *Item, v Value) ([]Pattern, error) {
	out := []Pattern{nil}
	for _, part := range v.Pattern {
		if part.Kind != PartPlaceholder {
			for i := range out {
				out[i] = append(out[i], part)
			}
			continue
		}
		vals, ok := c.cfg.Placeholders[part.Text]
		if !ok {
			if !c.cfg.WildcardPlaceholders {
				return nil, &Error{File: r.File, Line: v.Line, Column: v.Column,
					Msg: fmt.Sprintf("%v: %%%s%% (set it in Config.Placeholders)", ErrPlaceholder, part.Text), Err: &PlaceholderError{Name: part.Text}}
			}
			vals = []string{"*"}
		}
		if len(vals) == 0 {
			// An empty list matches nothing: keep an impossible value.
			vals = []string{"\x00\x00no value\x00\x00"}
		}
		next := make([]Pattern, 0, len(out)*len(vals))
		for _, o := range out {
			for _, pv := range vals {
				next = append(next, append(append(Pattern(nil), o...), parsePattern(pv)...))
			}
		}
		if len(next) > maxExpansion {
			return nil, &Error{File: r.File, Line: v.Line, Column: v.Column, Msg: fmt.Sprintf("placeholders expand into more than %d values", maxExpansion)}
		}
		out = next
	}
	for i := range out {
		out[i] = out[i].normalize()
	}
	return out, nil
}

// rawEscapes are the forms a keyword may take in an event's raw text:
// as is, escaped in JSON (encoding/json also escapes <, > and &), and
// escaped in XML text or attributes.
var rawEscapes = []func(string) string{
	func(s string) string { return s },
	strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace,
	strings.NewReplacer(`\`, `\\`, `"`, `\"`, "<", `\u003c`, ">", `\u003e`, "&", `\u0026`).Replace,
	strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace,
	strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace,
}

// stringMatcher picks the cheapest matcher for a pattern.
func stringMatcher(pt Pattern, m matcher) matcher {
	if !m.cased {
		pt = pt.mapLits(lower)
	}
	n := len(pt)
	lit := func(i int) (string, bool) {
		if i < 0 || i >= n || pt[i].Kind != PartLit {
			return "", false
		}
		return pt[i].Text, true
	}
	star := func(i int) bool { return i >= 0 && i < n && pt[i].Kind == PartStar }
	switch {
	case n == 0:
		m.op = mEmpty
		return m
	case n == 1 && star(0):
		m.op = mAny
		return m
	case n == 1:
		if s, ok := lit(0); ok {
			m.op, m.s = mExact, s
			return m
		}
	case n == 2:
		if s, ok := lit(0); ok && star(1) {
			m.op, m.s = mPrefix, s
			return m
		}
		if s, ok := lit(1); ok && star(0) {
			m.op, m.s = mSuffix, s
			return m
		}
	case n == 3:
		if s, ok := lit(1); ok && star(0) && star(2) {
			m.op, m.s = mContains, s
			return m
		}
		if s, ok := lit(0); ok && star(1) {
			if s2, ok := lit(2); ok {
				m.op, m.s, m.s2 = mPreSuf, s, s2
				return m
			}
		}
	}
	g := &glob{anchorStart: !star(0), end: !star(n - 1)}
	var seg globSeg
	for _, part := range pt {
		if part.Kind == PartStar {
			if len(seg) > 0 {
				g.segs = append(g.segs, seg)
			}
			seg = nil
			continue
		}
		seg = append(seg, part)
	}
	if len(seg) > 0 {
		g.segs = append(g.segs, seg)
	}
	m.op, m.g = mGlob, g
	return m
}

// predCost estimates how likely a pred is true (lower: rarer), to order
// the items of a map.
func predCost(p *pred) float64 {
	if p.anch.ok && !p.neg {
		return p.anch.cost
	}
	if p.neg {
		return 0.9
	}
	return 0.5
}

// parseNumber reads a number from a field value.
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 0, 64); err == nil {
		return float64(n), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
