package sigma

import (
	"math"
	"strings"
)

// The prefilter: for every rule, a set of literals ("anchors") of which
// at least one must occur in the event for the rule to match is derived
// from its condition. An event is scanned once per routed field for all
// anchors of its class, and only the rules whose anchors were found (and
// the few rules without anchors) are evaluated.

// Anchor kinds.
const (
	aEq uint8 = iota
	aPrefix
	aSuffix
	aContains
)

// anchor is one literal that, lower-cased, occurs in the lower-cased
// value of a field of every event the owner matches: equal to it,
// starting or ending with it, or containing it.
type anchor struct {
	slot int32
	kind uint8
	lit  string
}

// anchorSet is a disjunction of anchors; ok is false when no such set is
// known (the rule must always be evaluated). cost estimates how often
// the set is hit.
type anchorSet struct {
	list []anchor
	cost float64
	ok   bool
}

func union(a, b anchorSet) anchorSet {
	if !a.ok || !b.ok {
		return anchorSet{}
	}
	list := make([]anchor, 0, len(a.list)+len(b.list))
	list = append(list, a.list...)
	list = append(list, b.list...)
	return anchorSet{list: list, cost: math.Min(1, a.cost+b.cost), ok: true}
}

func best(a, b anchorSet) anchorSet {
	switch {
	case !a.ok:
		return b
	case !b.ok:
		return a
	case b.cost < a.cost || (b.cost == a.cost && len(b.list) < len(a.list)):
		return b
	}
	return a
}

// commonLiterals are texts found in most events of their kind: anchors
// on them select nothing.
var commonLiterals = map[string]bool{
	".exe": true, "exe": true, ".dll": true, `\`: true, "/": true, "-": true, " ": true,
	`c:\`: true, `c:\windows\`: true, `\windows\`: true, `c:\windows\system32\`: true,
	`\system32\`: true, `c:\program files`: true, `c:\program files\`: true,
	`c:\program files (x86)\`: true, `\appdata\`: true, `c:\users\`: true, `\users\`: true,
	"http": true, "://": true, " -": true, " /": true, "\\appdata\\local\\": true,
	"\\appdata\\roaming\\": true, "\\temp\\": true, `\syswow64\`: true, `hklm\`: true,
	`hkcu\`: true, `hku\`: true, `\software\`: true, `\software\microsoft\`: true,
	`\software\microsoft\windows\currentversion\`: true, "true": true, "false": true,
	`\cmd.exe`: true, `\powershell.exe`: true, `\rundll32.exe`: true, `\svchost.exe`: true,
	"cmd.exe": true, "powershell.exe": true, "powershell": true,
}

// lowCardinality are fields with few distinct values: an anchor on them
// selects little.
var lowCardinality = map[string]bool{
	"EventID": true, "Channel": true, "Provider_Name": true, "EventType": true, "LogonType": true,
	"ObjectType": true, "Type": true, "Initiated": true, "Signed": true, "SignatureStatus": true,
	"Protocol": true, "IntegrityLevel": true, "Level": true, "Task": true, "Opcode": true,
	"Keywords": true, "Status": true, "Operation": true, "ServiceType": true, "StartType": true,
	"AccessMask": true, "State": true, "Result": true, "Action": true, "cs-method": true,
	"sc-status": true, "type": true, "eventSource": true, "Category": true,
}

func anchorCost(a anchor, field string) float64 {
	n := float64(len(a.lit))
	var bits float64
	switch a.kind {
	case aEq:
		bits = 3*n + 4
	case aPrefix, aSuffix:
		bits = 2.5 * n
	default:
		bits = 2 * n
	}
	p := math.Exp2(-math.Min(bits, 40))
	if commonLiterals[a.lit] {
		p = math.Max(p, 0.4)
	}
	if lowCardinality[field] {
		p = math.Max(p, 0.3)
	}
	return p
}

// matcherAnchors returns the anchors of one value. Keyword anchors
// (slot -1) are all contains-anchors, searched in every value.
func matcherAnchors(m *matcher, slot int32, field string) anchorSet {
	if slot < 0 && m.op != mContains && m.op != mGlob && m.op != mRegex {
		return anchorSet{}
	}
	one := func(kind uint8, lit string) anchorSet {
		a := anchor{slot: slot, kind: kind, lit: lower(lit)}
		return anchorSet{list: []anchor{a}, cost: anchorCost(a, field), ok: true}
	}
	switch m.op {
	case mExact:
		return one(aEq, m.s)
	case mPrefix:
		return one(aPrefix, m.s)
	case mSuffix:
		return one(aSuffix, m.s)
	case mContains:
		return one(aContains, m.s)
	case mPreSuf:
		return best(one(aPrefix, m.s), one(aSuffix, m.s2))
	case mGlob:
		var out anchorSet
		for i, seg := range m.g.segs {
			for j, part := range seg {
				if part.Kind != PartLit {
					continue
				}
				kind := aContains
				switch {
				case slot < 0:
				case i == 0 && j == 0 && m.g.anchorStart:
					kind = aPrefix
				case i == len(m.g.segs)-1 && j == len(seg)-1 && m.g.end:
					kind = aSuffix
				}
				out = best(out, one(kind, part.Text))
			}
		}
		return out
	case mRegex:
		lits, ok := regexLiterals(m.re)
		if !ok {
			return anchorSet{}
		}
		out := anchorSet{ok: true}
		for _, l := range lits {
			a := anchor{slot: slot, kind: aContains, lit: l}
			out.list = append(out.list, a)
			out.cost += anchorCost(a, field)
		}
		out.cost = math.Min(out.cost, 1)
		return out
	}
	return anchorSet{}
}

// predAnchors returns the anchors of an item.
func predAnchors(p *pred) anchorSet {
	if p.neg {
		return anchorSet{}
	}
	if !p.all {
		out := anchorSet{ok: true}
		for i := range p.ms {
			out = union(out, matcherAnchors(&p.ms[i], p.slot, p.field))
			if !out.ok {
				return out
			}
		}
		return out
	}
	// all: every group must match, so any one group's anchors will do.
	var out anchorSet
	for i := 0; i < len(p.ms); {
		j := i
		g := anchorSet{ok: true}
		for ; j < len(p.ms) && p.ms[j].group == p.ms[i].group; j++ {
			g = union(g, matcherAnchors(&p.ms[j], p.slot, p.field))
		}
		out = best(out, g)
		i = j
	}
	return out
}

func (c *compiler) searchAnchors(s *csearch) anchorSet {
	out := anchorSet{ok: true}
	for _, alt := range s.alts {
		var a anchorSet
		for _, id := range alt {
			a = best(a, c.rs.preds[id].anch)
		}
		out = union(out, a)
		if !out.ok {
			return out
		}
	}
	return out
}

func (c *compiler) exprAnchors(cr *crule, e *cexpr) anchorSet {
	switch e.op {
	case cRef:
		return c.searchAnchors(&cr.searches[e.ref])
	case cAnd:
		var out anchorSet
		for i := range e.kids {
			out = best(out, c.exprAnchors(cr, &e.kids[i]))
		}
		return out
	case cOr:
		out := anchorSet{ok: true}
		for i := range e.kids {
			out = union(out, c.exprAnchors(cr, &e.kids[i]))
		}
		return out
	case cOf:
		if e.count == 0 || e.count >= len(e.refs) {
			var out anchorSet
			for _, r := range e.refs {
				out = best(out, c.searchAnchors(&cr.searches[r]))
			}
			return out
		}
		out := anchorSet{ok: true}
		for _, r := range e.refs {
			out = union(out, c.searchAnchors(&cr.searches[r]))
		}
		return out
	}
	return anchorSet{}
}

// classProg is the matcher for one class of events (one set of
// logsources): the rules routed to it and their prefilter.
type classProg struct {
	rules    []*crule
	always   []int32
	litRules [][]int32
	fields   []*fieldIndex
	// kw finds keyword anchors in every value of the event.
	kw *gramIndex
}

// fieldIndex holds the anchors of one field.
type fieldIndex struct {
	slot int32
	eq   map[string]int32
	// eqLens has bit n set when an eq literal is n bytes long (n < 256);
	// eqLong when one is longer.
	eqLens [4]uint64
	eqLong bool
	pre    *trie
	suf    *trie
	gram   *gramIndex
}

func buildClass(rules []*crule) *classProg {
	cp := &classProg{rules: rules}
	type litKey struct {
		slot int32
		kind uint8
		lit  string
	}
	ids := map[litKey]int32{}
	bySlot := map[int32]*fieldIndex{}
	var contains = map[int32][]gramLit{}
	var kwLits []gramLit
	for ri, cr := range rules {
		if !cr.anch.ok {
			cp.always = append(cp.always, int32(ri))
			continue
		}
		for _, a := range cr.anch.list {
			k := litKey{a.slot, a.kind, a.lit}
			id, ok := ids[k]
			if !ok && a.slot < 0 {
				id = int32(len(cp.litRules))
				ids[k] = id
				cp.litRules = append(cp.litRules, nil)
				kwLits = append(kwLits, gramLit{id: id, text: a.lit})
			} else if !ok {
				id = int32(len(cp.litRules))
				ids[k] = id
				cp.litRules = append(cp.litRules, nil)
				fi := bySlot[a.slot]
				if fi == nil {
					fi = &fieldIndex{slot: a.slot}
					bySlot[a.slot] = fi
					cp.fields = append(cp.fields, fi)
				}
				switch a.kind {
				case aEq:
					if fi.eq == nil {
						fi.eq = map[string]int32{}
					}
					fi.eq[a.lit] = id
					if n := len(a.lit); n < 256 {
						fi.eqLens[n>>6] |= 1 << (n & 63)
					} else {
						fi.eqLong = true
					}
				case aPrefix:
					if fi.pre == nil {
						fi.pre = &trie{nodes: make([]tnode, 1)}
					}
					fi.pre.insert(a.lit, id, false)
				case aSuffix:
					if fi.suf == nil {
						fi.suf = &trie{nodes: make([]tnode, 1)}
					}
					fi.suf.insert(a.lit, id, true)
				default:
					contains[a.slot] = append(contains[a.slot], gramLit{id: id, text: a.lit})
				}
			}
			lr := cp.litRules[id]
			if len(lr) == 0 || lr[len(lr)-1] != int32(ri) {
				cp.litRules[id] = append(lr, int32(ri))
			}
		}
	}
	for slot, lits := range contains {
		bySlot[slot].gram = newGramIndex(lits, true)
	}
	if len(kwLits) > 0 {
		cp.kw = newGramIndex(kwLits, true)
	}
	return cp
}

// eqLen reports whether an eq literal may have n bytes.
func (fi *fieldIndex) eqLen(n int) bool {
	if n >= 256 {
		return fi.eqLong
	}
	return fi.eqLens[n>>6]&(1<<(n&63)) != 0
}

// trie is a byte trie of prefix (or, reversed, suffix) anchors.
type trie struct {
	nodes []tnode
}

type tnode struct {
	keys []byte
	kids []int32
	lits []int32
}

func (t *trie) insert(s string, lit int32, reverse bool) {
	n := int32(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if reverse {
			c = s[len(s)-1-i]
		}
		next := int32(-1)
		node := &t.nodes[n]
		for j, k := range node.keys {
			if k == c {
				next = node.kids[j]
				break
			}
		}
		if next < 0 {
			next = int32(len(t.nodes))
			node.keys = append(node.keys, c)
			node.kids = append(node.kids, next)
			t.nodes = append(t.nodes, tnode{})
		}
		n = next
	}
	t.nodes[n].lits = append(t.nodes[n].lits, lit)
}

// gramLit is one contains-anchor of a field.
type gramLit struct {
	id   int32
	text string
}

// gramIndex finds contains-anchors in a text: each literal of four bytes
// or more is indexed by one of its 4-byte substrings (the rarest among
// the field's literals), checked at every position through a bloom
// filter; a hit is verified in place. Shorter literals are searched for
// one by one.
type gramIndex struct {
	bloom []uint64
	tab   map[uint32][]gramEnt
	short []gramLit
	// stride > 1: every 4-byte substring of every literal is indexed, so
	// that looking at every stride-th position finds each literal (all
	// are at least stride+3 long).
	stride int
	// fold: values are scanned as they are, ASCII letters folded.
	fold bool
}

type gramEnt struct {
	id   int32
	off  int32
	text string
}

const bloomBits = 1 << 16

func gramHash(g uint32) uint32 { return (g * 0x9E3779B1) >> 16 }

func gramAt(s string, i int) uint32 {
	return uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
}

// commonGramChars are frequent in command lines and paths: a gram made
// of them is a poor index key.
const commonGramChars = "etaoinsrlcdmpuw \\.:/-_\"'01"

func gramPenalty(g uint32) float64 {
	p := 0.0
	for i := 0; i < 4; i++ {
		if strings.IndexByte(commonGramChars, byte(g>>(8*i))) >= 0 {
			p += 0.5
		}
	}
	return p
}

// foldMask folds ASCII letters to lower case in a gram (and maps a few
// other bytes together, which only costs a verification).
const foldMask = 0x20202020

func newGramIndex(lits []gramLit, fold bool) *gramIndex {
	gi := &gramIndex{bloom: make([]uint64, bloomBits/64), tab: map[uint32][]gramEnt{}, stride: 1, fold: fold}
	minLen := math.MaxInt
	for _, l := range lits {
		if len(l.text) >= 4 {
			minLen = min(minLen, len(l.text))
		}
	}
	if fold && minLen != math.MaxInt && minLen >= 8 {
		gi.stride = minLen - 3
		for _, l := range lits {
			if len(l.text) < 4 {
				gi.short = append(gi.short, l)
				continue
			}
			seen := map[uint32]bool{}
			for i := 0; i+4 <= len(l.text); i++ {
				g := gramAt(l.text, i) | foldMask
				key := uint32(i)<<16 ^ g
				if seen[key] {
					continue
				}
				seen[key] = true
				gi.tab[g] = append(gi.tab[g], gramEnt{id: l.id, off: int32(i), text: l.text})
				h := gramHash(g)
				gi.bloom[h>>6] |= 1 << (h & 63)
			}
		}
		return gi
	}
	count := map[uint32]int{}
	for _, l := range lits {
		if len(l.text) < 4 {
			continue
		}
		seen := map[uint32]bool{}
		for i := 0; i+4 <= len(l.text); i++ {
			g := gramAt(l.text, i)
			if !seen[g] {
				seen[g] = true
				count[g]++
			}
		}
	}
	for _, l := range lits {
		if len(l.text) < 4 {
			gi.short = append(gi.short, l)
			continue
		}
		bestOff, bestScore := 0, math.Inf(1)
		for i := 0; i+4 <= len(l.text); i++ {
			g := gramAt(l.text, i)
			score := float64(count[g]) + gramPenalty(g)
			if score < bestScore {
				bestOff, bestScore = i, score
			}
		}
		g := gramAt(l.text, bestOff)
		if fold {
			g |= foldMask
		}
		gi.tab[g] = append(gi.tab[g], gramEnt{id: l.id, off: int32(bestOff), text: l.text})
		h := gramHash(g)
		gi.bloom[h>>6] |= 1 << (h & 63)
	}
	return gi
}
