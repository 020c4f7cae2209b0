package sigma

import (
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/eventsec/eventsec/internal/event"
)

// fval is one field's value in one event, read once and cached.
type fval struct {
	present bool
	// vals are the values as stored (one, or the elements of a list);
	// lows the same folded to lower case, made on first need (lowered).
	vals, lows []string
	one, low   [1]string
	lowered    bool
	num        float64
	isNum      bool
}

// scratch is the per-goroutine state of one Match call: caches stamped
// with an epoch, so that nothing is cleared between events.
type scratch struct {
	epoch  uint32
	ev     *event.Event
	schema schema
	snap   *snapshot

	fstamp []uint32
	fvals  []fval
	pstamp []uint32
	pval   []bool
	rstamp []uint32
	lstamp []uint32
	cands  []int32
	srch   []int8

	arena []byte
	strs  []string

	// spaced lists the event's EventData names that hold spaces, with
	// the spaces removed, built on first need (spacedOK).
	spaced      []spacedName
	spacedOK    bool
	spacedBuilt bool
	// userData is 0 (not checked), 1 (no UserData) or 2.
	userData uint8
}

type spacedName struct{ sigma, key string }

func (sc *scratch) begin(ev *event.Event, ls *Logsources, snap *snapshot, cp *classProg) {
	sch := ls.schema
	sc.spacedOK, sc.spacedBuilt = ls.spaced, false
	sc.userData = 0
	sc.epoch++
	if sc.epoch == 0 {
		// Wrapped: old stamps could collide with new epochs.
		clear(sc.fstamp)
		clear(sc.pstamp)
		clear(sc.rstamp)
		clear(sc.lstamp)
		sc.epoch = 1
	}
	sc.ev, sc.schema, sc.snap = ev, sch, snap
	if n := len(snap.slots); len(sc.fstamp) < n {
		sc.fstamp = make([]uint32, n+n/4)
		sc.fvals = make([]fval, n+n/4)
	}
	if n := len(snap.preds); len(sc.pstamp) < n {
		sc.pstamp = make([]uint32, n+n/4)
		sc.pval = make([]bool, n+n/4)
	}
	if n := len(cp.rules); len(sc.rstamp) < n {
		sc.rstamp = make([]uint32, n+n/4)
	}
	if n := len(cp.litRules); len(sc.lstamp) < n {
		sc.lstamp = make([]uint32, n+n/4)
	}
	sc.cands = sc.cands[:0]
	sc.arena = sc.arena[:0]
	sc.strs = sc.strs[:0]
}

// end drops references to the event so that the pool does not keep it
// alive.
func (sc *scratch) end() {
	sc.ev, sc.snap = nil, nil
	clear(sc.spaced)
}

// lower folds s into the arena (or returns s when already lower case).
func (sc *scratch) lower(s string) string {
	if !needsLower(s) {
		return s
	}
	start := len(sc.arena)
	sc.arena = appendLower(sc.arena, s)
	return unsafe.String(&sc.arena[start], len(sc.arena)-start)
}

// text stores b in the arena and returns it as a string.
func (sc *scratch) text(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	start := len(sc.arena)
	sc.arena = append(sc.arena, b...)
	return unsafe.String(&sc.arena[start], len(b))
}

// field returns the value of a field slot in the current event.
func (sc *scratch) field(slot int32) *fval {
	fv := &sc.fvals[slot]
	if sc.fstamp[slot] == sc.epoch {
		return fv
	}
	sc.fstamp[slot] = sc.epoch
	fv.present, fv.vals, fv.lows, fv.isNum, fv.lowered = false, nil, nil, false, false
	for _, ks := range sc.snap.slots[slot].keys[sc.schema] {
		switch ks.kind {
		case keyUserData:
			if sc.userData == 0 {
				sc.userData = 1
				if _, ok := sc.ev.Fields["winlog.user_data.xml_name"]; ok {
					sc.userData = 2
				}
			}
			if sc.userData != 2 {
				continue
			}
			fallthrough
		case keyField:
			v, ok := sc.ev.Fields[ks.key]
			if ok && sc.setValue(fv, v) {
				return fv
			}
		case keyTimestamp:
			if !sc.ev.Timestamp.IsZero() {
				var buf [40]byte
				sc.setOne(fv, sc.text(sc.ev.Timestamp.UTC().AppendFormat(buf[:0], time.RFC3339Nano)))
				return fv
			}
		case keyParams:
			start := len(sc.strs)
			var key [32]byte
			for i := 1; i < 100; i++ {
				k := strconv.AppendInt(append(key[:0], "winlog.event_data.param"...), int64(i), 10)
				v, ok := sc.ev.Fields[string(k)]
				if !ok {
					break
				}
				switch x := v.(type) {
				case string:
					sc.strs = append(sc.strs, x)
				case []string:
					sc.strs = append(sc.strs, x...)
				}
			}
			if n := len(sc.strs) - start; n > 0 {
				fv.present = true
				fv.vals = sc.strs[start : start+n : start+n]
				return fv
			}
		}
	}
	if sc.spacedOK {
		sc.spacedField(fv, sc.snap.slots[slot].name)
	}
	return fv
}

// spacedField finds an EventData value whose name, without its spaces,
// is the Sigma field name.
func (sc *scratch) spacedField(fv *fval, name string) {
	if !sc.spacedBuilt {
		sc.spacedBuilt = true
		sc.spaced = sc.spaced[:0]
		for k := range sc.ev.Fields {
			n, ok := strings.CutPrefix(k, "winlog.event_data.")
			if !ok || strings.IndexByte(n, ' ') < 0 {
				continue
			}
			start := len(sc.arena)
			for i := 0; i < len(n); i++ {
				if n[i] != ' ' {
					sc.arena = append(sc.arena, n[i])
				}
			}
			if len(sc.arena) > start {
				sc.spaced = append(sc.spaced, spacedName{sigma: unsafe.String(&sc.arena[start], len(sc.arena)-start), key: k})
			}
		}
	}
	for _, sp := range sc.spaced {
		if sp.sigma == name {
			sc.setValue(fv, sc.ev.Fields[sp.key])
			return
		}
	}
}

func (sc *scratch) setOne(fv *fval, s string) {
	fv.present = true
	fv.one[0] = s
	fv.vals = fv.one[:]
}

// lows returns the field's values folded to lower case.
func (sc *scratch) lows(fv *fval) []string {
	if fv.lowered {
		return fv.lows
	}
	fv.lowered = true
	if len(fv.vals) == 1 {
		fv.low[0] = sc.lower(fv.vals[0])
		fv.lows = fv.low[:]
		return fv.lows
	}
	start := len(sc.strs)
	for _, s := range fv.vals {
		sc.strs = append(sc.strs, sc.lower(s))
	}
	fv.lows = sc.strs[start:len(sc.strs):len(sc.strs)]
	return fv.lows
}

func (sc *scratch) setValue(fv *fval, v any) bool {
	switch x := v.(type) {
	case string:
		sc.setOne(fv, x)
	case int64:
		var buf [24]byte
		sc.setOne(fv, sc.text(strconv.AppendInt(buf[:0], x, 10)))
		fv.num, fv.isNum = float64(x), true
	case float64:
		var buf [32]byte
		sc.setOne(fv, sc.text(strconv.AppendFloat(buf[:0], x, 'f', -1, 64)))
		fv.num, fv.isNum = x, true
	case bool:
		if x {
			sc.setOne(fv, "true")
		} else {
			sc.setOne(fv, "false")
		}
	case int:
		var buf [24]byte
		sc.setOne(fv, sc.text(strconv.AppendInt(buf[:0], int64(x), 10)))
		fv.num, fv.isNum = float64(x), true
	case []string:
		if len(x) == 0 {
			return false
		}
		fv.present = true
		fv.vals = x
	default:
		return false
	}
	return true
}

// keywordValues calls f with the text keywords are searched in: the
// event's raw text, or, for an event without one, each string field
// value. It stops when f returns true.
func (sc *scratch) keywordValues(f func(string) bool) bool {
	if sc.ev.Raw != "" {
		return f(sc.ev.Raw)
	}
	for _, v := range sc.ev.Fields {
		switch x := v.(type) {
		case string:
			if f(x) {
				return true
			}
		case []string:
			for _, s := range x {
				if f(s) {
					return true
				}
			}
		}
	}
	return false
}

// pred evaluates a pred once per event.
func (sc *scratch) pred(id int32) bool {
	if sc.pstamp[id] == sc.epoch {
		return sc.pval[id]
	}
	p := sc.snap.preds[id]
	r := sc.evalPred(p)
	sc.pstamp[id] = sc.epoch
	sc.pval[id] = r
	return r
}

func (sc *scratch) evalPred(p *pred) bool {
	var fv *fval
	if p.slot >= 0 {
		fv = sc.field(p.slot)
	}
	var r bool
	if !p.all {
		for i := range p.ms {
			if sc.matchOne(&p.ms[i], fv) {
				r = true
				break
			}
		}
	} else {
		r = true
		for i := 0; i < len(p.ms) && r; {
			j, any := i, false
			for ; j < len(p.ms) && p.ms[j].group == p.ms[i].group; j++ {
				if !any && sc.matchOne(&p.ms[j], fv) {
					any = true
				}
			}
			r = any
			i = j
		}
	}
	return r != p.neg
}

// matchOne matches one value against a field (nil fv: keywords).
func (sc *scratch) matchOne(m *matcher, fv *fval) bool {
	if fv == nil {
		return sc.keywordValues(func(v string) bool {
			if m.op == mRegex {
				return len(v) >= m.reMin && (m.reRun == nil || m.reRun.has(v)) && (m.reRun != nil && m.reRun.exact || m.re.MatchString(v))
			}
			if !m.cased {
				v = sc.lower(v)
			}
			return matchString(m, v)
		})
	}
	if !fv.present {
		switch m.op {
		case mNull, mEmpty:
			return true
		case mExists:
			return !m.exists
		}
		return false
	}
	switch m.op {
	case mExists:
		return m.exists
	case mNull:
		return false
	case mEmpty:
		for _, v := range fv.vals {
			if v == "" {
				return true
			}
		}
		return false
	case mAny:
		return true
	case mRegex:
		for _, v := range fv.vals {
			if len(v) >= m.reMin && (m.reRun == nil || m.reRun.has(v)) && (m.reRun != nil && m.reRun.exact || m.re.MatchString(v)) {
				return true
			}
		}
		return false
	case mCIDR:
		for _, v := range fv.vals {
			if a, err := netip.ParseAddr(v); err == nil && m.pfx.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	case mCmp:
		if fv.isNum && len(fv.vals) == 1 {
			return compare(fv.num, m.cmp, m.num)
		}
		for _, v := range fv.vals {
			if n, ok := parseNumber(v); ok && compare(n, m.cmp, m.num) {
				return true
			}
		}
		return false
	case mTime:
		for _, v := range fv.vals {
			if t, ok := parseTime(v); ok && compare(float64(timePart(t, m.unit)), m.cmp, m.num) {
				return true
			}
		}
		return false
	case mRef:
		other := sc.field(m.ref)
		if !other.present {
			return false
		}
		a, b := fv.vals, other.vals
		if !m.cased {
			a, b = sc.lows(fv), sc.lows(other)
		}
		for _, x := range a {
			for _, y := range b {
				if refMatch(x, y, m.refMode) {
					return true
				}
			}
		}
		return false
	}
	vals := fv.vals
	if !m.cased {
		vals = sc.lows(fv)
	}
	for _, v := range vals {
		if matchString(m, v) {
			return true
		}
	}
	return false
}

func refMatch(v, ref string, mode RefMode) bool {
	switch mode {
	case RefPrefix:
		return strings.HasPrefix(v, ref)
	case RefSuffix:
		return strings.HasSuffix(v, ref)
	case RefContains:
		return strings.Contains(v, ref)
	}
	return v == ref
}

func compare(a float64, op CompareOp, b float64) bool {
	switch op {
	case OpLT:
		return a < b
	case OpLTE:
		return a <= b
	case OpGT:
		return a > b
	case OpGTE:
		return a >= b
	}
	return a == b
}

// matchString applies a string matcher to one (folded) value.
func matchString(m *matcher, v string) bool {
	switch m.op {
	case mExact:
		return v == m.s
	case mPrefix:
		return strings.HasPrefix(v, m.s)
	case mSuffix:
		return strings.HasSuffix(v, m.s)
	case mContains:
		return strings.Contains(v, m.s)
	case mPreSuf:
		return len(v) >= len(m.s)+len(m.s2) && strings.HasPrefix(v, m.s) && strings.HasSuffix(v, m.s2)
	case mGlob:
		return m.g.match(v)
	case mAny:
		return true
	case mEmpty:
		return v == ""
	}
	return false
}

// matchSeg matches a segment at the start of s; it returns the length
// matched.
func matchSeg(s string, seg globSeg) (int, bool) {
	n := 0
	for _, part := range seg {
		if part.Kind == PartLit {
			if !strings.HasPrefix(s[n:], part.Text) {
				return 0, false
			}
			n += len(part.Text)
			continue
		}
		if n >= len(s) {
			return 0, false
		}
		// ? is one character.
		if s[n] < utf8.RuneSelf {
			n++
		} else {
			_, size := utf8.DecodeRuneInString(s[n:])
			n += size
		}
	}
	return n, true
}

// match reports whether v matches the whole pattern. Segments between
// stars have a fixed number of characters, so taking each at its
// leftmost position is enough.
func (g *glob) match(v string) bool {
	pos := 0
	segs := g.segs
	if len(segs) == 0 {
		return !g.anchorStart || v == ""
	}
	for i, seg := range segs {
		last := i == len(segs)-1
		if i == 0 && g.anchorStart {
			n, ok := matchSeg(v, seg)
			if !ok {
				return false
			}
			pos = n
			if last && g.end {
				return pos == len(v)
			}
			continue
		}
		if last && g.end {
			for p := len(v); p >= pos; p-- {
				if p < len(v) && p > 0 && v[p]&0xC0 == 0x80 {
					continue
				}
				if n, ok := matchSeg(v[p:], seg); ok && p+n == len(v) {
					return true
				}
			}
			return false
		}
		found := false
		for p := pos; p <= len(v); p++ {
			if p < len(v) && v[p]&0xC0 == 0x80 {
				continue
			}
			if seg[0].Kind == PartLit {
				j := strings.Index(v[p:], seg[0].Text)
				if j < 0 {
					return false
				}
				p += j
			}
			if n, ok := matchSeg(v[p:], seg); ok {
				pos = p + n
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// parseTime reads a date value: RFC 3339, Sysmon's "2006-01-02
// 15:04:05.000" (UTC) or Unix seconds / milliseconds.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1e11 {
			return time.UnixMilli(n).UTC(), true
		}
		return time.Unix(n, 0).UTC(), true
	}
	return time.Time{}, false
}

func timePart(t time.Time, u TimeUnit) int {
	switch u {
	case UnitMinute:
		return t.Minute()
	case UnitHour:
		return t.Hour()
	case UnitDay:
		return t.Day()
	case UnitWeek:
		_, w := t.ISOWeek()
		return w
	case UnitMonth:
		return int(t.Month())
	case UnitYear:
		return t.Year()
	}
	return math.MinInt
}

// prefilter scans the event's anchored fields and collects the rules
// whose anchors were found.
func (sc *scratch) prefilter(cp *classProg) {
	for _, fi := range cp.fields {
		fv := sc.field(fi.slot)
		if !fv.present {
			continue
		}
		for i, v := range fv.vals {
			if !isASCII(v) {
				// Non-ASCII text folds rune by rune (and may change
				// length): use the folded copy.
				v = sc.lows(fv)[i]
			}
			if fi.eq != nil && fi.eqLen(len(v)) {
				lv := v
				if needsLower(v) {
					lv = sc.lows(fv)[i]
				}
				if id, ok := fi.eq[lv]; ok {
					sc.hit(cp, id)
				}
			}
			if fi.pre != nil {
				sc.walk(cp, fi.pre, v, false)
			}
			if fi.suf != nil {
				sc.walk(cp, fi.suf, v, true)
			}
			if fi.gram != nil {
				if len(fi.gram.short) > 0 {
					// Short literals are searched for one by one, in
					// the folded text.
					lv := sc.lows(fv)[i]
					for k := range fi.gram.short {
						if strings.Contains(lv, fi.gram.short[k].text) {
							sc.hit(cp, fi.gram.short[k].id)
						}
					}
				}
				sc.scanGrams(cp, fi.gram, v)
			}
		}
	}
	if cp.kw != nil {
		sc.keywordValues(func(v string) bool {
			sc.scanFold(cp, cp.kw, v)
			return false
		})
	}
	for _, ri := range cp.always {
		if sc.rstamp[ri] != sc.epoch {
			sc.rstamp[ri] = sc.epoch
			sc.cands = append(sc.cands, ri)
		}
	}
	slices.Sort(sc.cands)
}

func (sc *scratch) hit(cp *classProg, lit int32) {
	if sc.lstamp[lit] == sc.epoch {
		return
	}
	sc.lstamp[lit] = sc.epoch
	for _, ri := range cp.litRules[lit] {
		if sc.rstamp[ri] != sc.epoch {
			sc.rstamp[ri] = sc.epoch
			sc.cands = append(sc.cands, ri)
		}
	}
}

func (sc *scratch) walk(cp *classProg, t *trie, v string, reverse bool) {
	n := int32(0)
	for i := 0; i < len(v); i++ {
		c := v[i]
		if reverse {
			c = v[len(v)-1-i]
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		node := &t.nodes[n]
		next := int32(-1)
		for j, k := range node.keys {
			if k == c {
				next = node.kids[j]
				break
			}
		}
		if next < 0 {
			return
		}
		n = next
		for _, lit := range t.nodes[n].lits {
			sc.hit(cp, lit)
		}
	}
}

// scanFold scans a value that is not folded to lower case.
func (sc *scratch) scanFold(cp *classProg, gi *gramIndex, v string) {
	if !isASCII(v) {
		// Non-ASCII text folds rune by rune: fold it all first.
		v = sc.lower(v)
	}
	for i := range gi.short {
		if containsFold(v, gi.short[i].text) {
			sc.hit(cp, gi.short[i].id)
		}
	}
	sc.scanGrams(cp, gi, v)
}

// scanGrams finds the literals of four bytes or more in ASCII text (or
// text folded already).
func (sc *scratch) scanGrams(cp *classProg, gi *gramIndex, v string) {
	bloom := gi.bloom
	for i := 0; i+4 <= len(v); i += gi.stride {
		g := gramAt(v, i) | foldMask
		h := gramHash(g)
		if bloom[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		for _, e := range gi.tab[g] {
			start := i - int(e.off)
			if start >= 0 && start+len(e.text) <= len(v) && equalFold(v[start:start+len(e.text)], e.text) {
				sc.hit(cp, e.id)
			}
		}
	}
}

// isASCII reports whether s has only ASCII bytes, eight at a time.
func isASCII(s string) bool {
	i := 0
	if len(s) >= 8 {
		p := unsafe.Pointer(unsafe.StringData(s))
		for ; i+8 <= len(s); i += 8 {
			if *(*uint64)(unsafe.Add(p, i))&0x8080808080808080 != 0 {
				return false
			}
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// equalFold compares ASCII text with a lower-case literal.
func equalFold(s, lowerLit string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lowerLit[i] {
			return false
		}
	}
	return true
}

// containsFold reports whether ASCII text s contains a lower-case
// literal: candidates are found by the first byte, in both cases.
func containsFold(s, lowerLit string) bool {
	n := len(lowerLit)
	if n == 0 {
		return true
	}
	c := lowerLit[0]
	upper := c
	if c >= 'a' && c <= 'z' {
		upper = c - ('a' - 'A')
	}
	for i := 0; i+n <= len(s); {
		j := strings.IndexByte(s[i:len(s)-n+1], c)
		if upper != c {
			if k := strings.IndexByte(s[i:len(s)-n+1], upper); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j < 0 {
			return false
		}
		i += j
		if equalFold(s[i:i+n], lowerLit) {
			return true
		}
		i++
	}
	return false
}

// eval evaluates a compiled rule's condition.
func (sc *scratch) eval(cr *crule) bool {
	if n := len(cr.searches); cap(sc.srch) < n {
		sc.srch = make([]int8, n)
	} else {
		sc.srch = sc.srch[:n]
		clear(sc.srch)
	}
	return sc.evalExpr(cr, &cr.cond)
}

func (sc *scratch) search(cr *crule, i int32) bool {
	switch sc.srch[i] {
	case 1:
		return false
	case 2:
		return true
	}
	r := false
	for _, alt := range cr.searches[i].alts {
		ok := true
		for _, id := range alt {
			if !sc.pred(id) {
				ok = false
				break
			}
		}
		if ok {
			r = true
			break
		}
	}
	if r {
		sc.srch[i] = 2
	} else {
		sc.srch[i] = 1
	}
	return r
}

func (sc *scratch) evalExpr(cr *crule, e *cexpr) bool {
	switch e.op {
	case cRef:
		return sc.search(cr, e.ref)
	case cAnd:
		for i := range e.kids {
			if !sc.evalExpr(cr, &e.kids[i]) {
				return false
			}
		}
		return true
	case cOr:
		for i := range e.kids {
			if sc.evalExpr(cr, &e.kids[i]) {
				return true
			}
		}
		return false
	case cNot:
		return !sc.evalExpr(cr, &e.kids[0])
	case cOf:
		need := e.count
		if need == 0 {
			need = len(e.refs)
		}
		got := 0
		for i, r := range e.refs {
			if sc.search(cr, r) {
				got++
				if got >= need {
					return true
				}
			}
			if got+len(e.refs)-i-1 < need {
				return false
			}
		}
		return got >= need
	}
	return false
}
