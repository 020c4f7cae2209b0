package lucene

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind is how a field is stored, which decides how values match it.
type Kind int

// Field kinds.
const (
	// Keyword is a string compared whole and without case:
	// user.name:ROOT finds "root".
	Keyword Kind = iota
	// Keywords is a list of keywords (event.category, tags) stored as one
	// string: every value followed by ListSep, after a leading ListSep
	// ("\x1fnetwork\x1fweb\x1f"). A value matches when one element does.
	Keywords
	// Text is full text (message, the raw original), matched word by word
	// (see Words): message:failed finds "Failed password", not "unfailed".
	Text
	// Int and Float compare as numbers.
	Int
	Float
	// IP holds an address in canonical text form; values may be CIDR
	// blocks and ranges compare as addresses.
	IP
	// Time is a timestamp; values are RFC 3339 times or dates
	// (2026-11-20 is the whole day, UTC).
	Time
	// Bool is true or false.
	Bool
	// Dynamic is a value inside a JSON document, of any JSON type:
	// compared as text without case, or as numbers in a numeric range.
	Dynamic
)

// ListSep separates the elements of a Keywords column.
const ListSep = "\x1f"

// Column says where a field's values are.
type Column struct {
	Kind Kind
	// SQL is an expression of the value. It is written by the store,
	// never from user text; Args are the values of its placeholders (a
	// JSON path, say).
	SQL  string
	Args []any
	// Words (Text only, optional) is an expression of the value's
	// distinct words, lowercased (see Words), except the numbers (see
	// IsNumber), joined like a Keywords list: "\x1ffailed\x1fpassword\x1f".
	// A word is then found by one contains(), with no case folding and no
	// regular expression. Numbers are left out because ports, PIDs and
	// address octets make every value distinct, where without them most
	// messages of a kind share one value (dictionary-compressed, several
	// times faster to scan); a query for a number scans the text. (One
	// string rather than a VARCHAR[]: as fast to search, and one value
	// instead of ten to append.)
	Words string
	// List (Dynamic only) is an expression of the value as a VARCHAR[]
	// when it is a JSON array, NULL otherwise; it takes Args as SQL does.
	List string
}

// Resolver tells Compile where fields are.
type Resolver interface {
	// Field returns the column of a field, or a *FieldError.
	Field(name string) (Column, error)
	// FreeText returns the columns free text (a value without a field)
	// is looked for in; it matches when any of them does.
	FreeText() []Column
}

// Fragment is a piece of SQL and the values of its ? placeholders, in
// order.
type Fragment struct {
	SQL  string
	Args []any
}

// Compile turns a query into a boolean SQL condition for DuckDB. User text
// only ever becomes an argument. A NULL (absent field) counts as no match,
// so NOT user.name:root keeps events without a user.
//
// IP comparisons call es_ip_key(VARCHAR) BLOB, which the store registers:
// the address as 16 bytes (IPv4 mapped into IPv6), NULL when not an
// address. Errors are *FieldError.
func Compile(n Node, r Resolver) (Fragment, error) {
	c := compiler{r: r}
	if err := c.node(n); err != nil {
		return Fragment{}, err
	}
	return Fragment{SQL: c.b.String(), Args: c.args}, nil
}

type compiler struct {
	r    Resolver
	b    strings.Builder
	args []any
}

func (c *compiler) sql(s string, args ...any) {
	c.b.WriteString(s)
	c.args = append(c.args, args...)
}

func (c *compiler) node(n Node) error {
	switch n := n.(type) {
	case All:
		c.sql("TRUE")
	case And:
		return c.list(n.Nodes, " AND ")
	case Or:
		return c.list(n.Nodes, " OR ")
	case Not:
		c.sql("NOT coalesce(")
		if err := c.node(n.Node); err != nil {
			return err
		}
		c.sql(", FALSE)")
	case Term:
		return c.value(n.Field, func(col Column) error { return c.term(n.Field, col, n.Value, false) })
	case Phrase:
		return c.value(n.Field, func(col Column) error { return c.term(n.Field, col, n.Value, true) })
	case Wildcard:
		return c.value(n.Field, func(col Column) error { return c.wildcard(n.Field, col, n.Pattern) })
	case Range:
		col, err := c.r.Field(n.Field)
		if err != nil {
			return err
		}
		return c.rangeOf(n.Field, col, n.Lo, n.Hi)
	case Exists:
		col, err := c.r.Field(n.Field)
		if err != nil {
			return err
		}
		c.sql("("+col.SQL+" IS NOT NULL)", col.Args...)
	case nil:
		c.sql("TRUE")
	default:
		return &FieldError{Msg: fmt.Sprintf("unsupported query node %T", n)}
	}
	return nil
}

func (c *compiler) list(nodes []Node, op string) error {
	c.sql("(")
	for i, n := range nodes {
		if i > 0 {
			c.sql(op)
		}
		if err := c.node(n); err != nil {
			return err
		}
	}
	c.sql(")")
	return nil
}

// value compiles a value for its field, or for every free-text column.
func (c *compiler) value(field string, fn func(Column) error) error {
	if field != "" {
		col, err := c.r.Field(field)
		if err != nil {
			return err
		}
		return fn(col)
	}
	cols := c.r.FreeText()
	if len(cols) == 0 {
		return &FieldError{Msg: "free text is not searchable here: name a field"}
	}
	c.sql("(")
	for i, col := range cols {
		if i > 0 {
			c.sql(" OR ")
		}
		if err := fn(col); err != nil {
			return err
		}
	}
	c.sql(")")
	return nil
}

func (c *compiler) term(field string, col Column, v string, phrase bool) error {
	switch col.Kind {
	case Keyword:
		c.sql("(lower("+col.SQL+") = ?)", with(col.Args, strings.ToLower(v))...)
	case Keywords:
		c.sql("contains(lower("+col.SQL+"), ?)", with(col.Args, ListSep+strings.ToLower(v)+ListSep)...)
	case Text:
		c.text(col, v, phrase)
	case Int, Float:
		x, err := number(field, col.Kind, v)
		if err != nil {
			return err
		}
		c.sql("("+col.SQL+" = ?)", with(col.Args, x)...)
	case IP:
		return c.ip(field, col, v)
	case Time:
		lo, hi, err := timeValue(field, v)
		if err != nil {
			return err
		}
		if lo.Equal(hi) {
			c.sql("("+col.SQL+" = ?)", with(col.Args, lo)...)
			return nil
		}
		c.sql("("+col.SQL+" >= ? AND "+col.SQL+" < ?)", with(with(with(col.Args, lo), col.Args...), hi)...)
	case Bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return &FieldError{Field: field, Msg: fmt.Sprintf("takes true or false, not %q", v)}
		}
		c.sql("("+col.SQL+" = ?)", with(col.Args, b)...)
	case Dynamic:
		lv := strings.ToLower(v)
		c.sql("(lower("+col.SQL+") = ?", with(col.Args, lv)...)
		if col.List != "" {
			c.sql(" OR list_contains(list_transform("+col.List+", x -> lower(x)), ?)", with(col.Args, lv)...)
		}
		c.sql(")")
	default:
		return &FieldError{Field: field, Msg: "cannot be searched"}
	}
	return nil
}

// text matches a Text column word by word. A value that is one word is
// looked up in the column's word list when it has one; otherwise the text
// is scanned: a cheap substring test first, then a regular expression that
// checks word boundaries (and, in a phrase, lets any punctuation separate
// the words, as Lucene's analysed phrases do).
func (c *compiler) text(col Column, v string, phrase bool) {
	words := Words(v)
	if len(words) == 0 {
		// Only punctuation: a plain substring test.
		c.sql("contains(lower("+col.SQL+"), ?)", with(col.Args, strings.ToLower(v))...)
		return
	}
	var indexed []string
	for _, w := range words {
		if !IsNumber(w) && !slices.Contains(indexed, w) {
			indexed = append(indexed, w)
		}
	}
	if col.Words != "" && len(indexed) > 0 {
		c.sql("(")
		for i, w := range indexed {
			if i > 0 {
				c.sql(" AND ")
			}
			c.sql("contains("+col.Words+", ?)", ListSep+w+ListSep)
		}
		if len(words) > 1 || !strings.EqualFold(words[0], v) {
			// Several words, or punctuation around one: check the text.
			c.sql(" AND regexp_matches("+col.SQL+", ?)", with(col.Args, textRegexp(v, phrase))...)
		}
		c.sql(")")
		return
	}
	re := textRegexp(v, phrase)
	needle := strings.ToLower(v)
	if phrase {
		needle = longest(words)
	}
	c.sql("(contains(lower("+col.SQL+"), ?) AND regexp_matches("+col.SQL+", ?))", with(with(with(col.Args, needle), col.Args...), re)...)
}

// Word-boundary pieces of the regular expressions (RE2 syntax).
const (
	wordClass    = `[0-9A-Za-z_\x{80}-\x{10FFFF}]`
	nonWordClass = `[^0-9A-Za-z_\x{80}-\x{10FFFF}]`
)

func textRegexp(v string, phrase bool) string {
	var b strings.Builder
	b.WriteString("(?is)")
	if phrase {
		words := []string{}
		EachWord(v, func(w string) { words = append(words, regexp.QuoteMeta(w)) })
		b.WriteString("(?:^|" + nonWordClass + ")")
		b.WriteString(strings.Join(words, nonWordClass+"+"))
		b.WriteString("(?:$|" + nonWordClass + ")")
		return b.String()
	}
	first, _ := firstRune(v)
	last, _ := lastRune(v)
	if IsWordRune(first) {
		b.WriteString("(?:^|" + nonWordClass + ")")
	}
	b.WriteString(regexp.QuoteMeta(v))
	if IsWordRune(last) {
		b.WriteString("(?:$|" + nonWordClass + ")")
	}
	return b.String()
}

func (c *compiler) wildcard(field string, col Column, pattern string) error {
	switch col.Kind {
	case Keyword, Dynamic, IP:
		c.sql("("+col.SQL+" ILIKE ? ESCAPE '\\')", with(col.Args, likePattern(pattern))...)
	case Int, Float:
		c.sql("(CAST("+col.SQL+" AS VARCHAR) LIKE ? ESCAPE '\\')", with(col.Args, likePattern(pattern))...)
	case Keywords:
		re := "(?is)" + regexp.QuoteMeta(ListSep) + wildcardRegexp(pattern, `[^`+ListSep+`]`) + regexp.QuoteMeta(ListSep)
		c.sql("regexp_matches("+col.SQL+", ?)", with(col.Args, re)...)
	case Text:
		// Wildcards stay inside words: fail* finds "failed", not "fail-over".
		lit := longestLiteral(pattern)
		re := "(?is)(?:^|" + nonWordClass + ")" + wildcardRegexp(pattern, wordClass) + "(?:$|" + nonWordClass + ")"
		if col.Words != "" && singleWordPattern(pattern) {
			if prefix, ok := strings.CutSuffix(pattern, "*"); ok && !strings.ContainsAny(prefix, `*?\`) {
				c.sql("contains("+col.Words+", ?)", ListSep+strings.ToLower(prefix))
				return nil
			}
			c.sql("regexp_matches("+col.Words+", ?)", "(?s)"+regexp.QuoteMeta(ListSep)+wildcardRegexp(strings.ToLower(pattern), "[^"+ListSep+"]")+regexp.QuoteMeta(ListSep))
			return nil
		}
		if lit != "" {
			c.sql("(contains(lower("+col.SQL+"), ?) AND regexp_matches("+col.SQL+", ?))", with(with(with(col.Args, strings.ToLower(lit)), col.Args...), re)...)
			return nil
		}
		c.sql("regexp_matches("+col.SQL+", ?)", with(col.Args, re)...)
	default:
		return &FieldError{Field: field, Msg: "takes no wildcards"}
	}
	return nil
}

// likePattern turns a wildcard pattern into a LIKE pattern with \ escapes.
func likePattern(pattern string) string {
	var b strings.Builder
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			escaped = false
			if r == '%' || r == '_' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		case r == '\\':
			escaped = true
		case r == '*':
			b.WriteByte('%')
		case r == '?':
			b.WriteByte('_')
		case r == '%' || r == '_':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wildcardRegexp turns a wildcard pattern into a regular expression in
// which * and ? match characters of class.
func wildcardRegexp(pattern, class string) string {
	var b strings.Builder
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			escaped = false
			b.WriteString(regexp.QuoteMeta(string(r)))
		case r == '\\':
			escaped = true
		case r == '*':
			b.WriteString(class + "*")
		case r == '?':
			b.WriteString(class)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}

// singleWordPattern reports whether every literal character of a
// wildcard pattern is a word character, so that it can only match within
// one word.
func singleWordPattern(pattern string) bool {
	escaped := false
	for _, r := range pattern {
		switch {
		case escaped:
			escaped = false
			if !IsWordRune(r) {
				return false
			}
		case r == '\\':
			escaped = true
		case r == '*' || r == '?':
		case !IsWordRune(r):
			return false
		}
	}
	return true
}

// longestLiteral returns the longest run of literal characters of a
// wildcard pattern (for a cheap substring pre-test).
func longestLiteral(pattern string) string {
	var best, cur strings.Builder
	escaped := false
	flush := func() {
		if cur.Len() > best.Len() {
			best.Reset()
			best.WriteString(cur.String())
		}
		cur.Reset()
	}
	for _, r := range pattern {
		switch {
		case escaped:
			escaped = false
			cur.WriteRune(r)
		case r == '\\':
			escaped = true
		case r == '*' || r == '?':
			flush()
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return best.String()
}

func longest(words []string) string {
	best := ""
	for _, w := range words {
		if len(w) > len(best) {
			best = w
		}
	}
	return best
}

func (c *compiler) rangeOf(field string, col Column, lo, hi *Bound) error {
	if lo == nil && hi == nil {
		c.sql("("+col.SQL+" IS NOT NULL)", col.Args...)
		return nil
	}
	if col.Kind == Time {
		return c.timeRange(field, col, lo, hi)
	}
	expr := col.SQL
	conv := func(s string) (any, error) { return s, nil }
	switch col.Kind {
	case Keyword, Keywords, Text:
	case Int, Float:
		conv = func(s string) (any, error) { return number(field, col.Kind, s) }
	case IP:
		expr = "es_ip_key(" + col.SQL + ")"
		conv = func(s string) (any, error) {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, &FieldError{Field: field, Msg: fmt.Sprintf("takes IP addresses, not %q", s)}
			}
			k := a.As16()
			return k[:], nil
		}
	case Dynamic:
		if (lo == nil || isNumber(lo.Value)) && (hi == nil || isNumber(hi.Value)) {
			expr = "TRY_CAST(" + col.SQL + " AS DOUBLE)"
			conv = func(s string) (any, error) { return strconv.ParseFloat(s, 64) }
		}
	default:
		return &FieldError{Field: field, Msg: "takes no ranges"}
	}
	if col.Kind == Keywords {
		// Any element in range.
		expr = "x"
	}
	var conds []string
	var args []any
	for _, b := range []struct {
		b  *Bound
		op string
	}{{lo, ">"}, {hi, "<"}} {
		if b.b == nil {
			continue
		}
		v, err := conv(b.b.Value)
		if err != nil {
			return err
		}
		op := b.op
		if b.b.Inclusive {
			op += "="
		}
		conds = append(conds, expr+" "+op+" ?")
		if col.Kind != Keywords {
			args = append(args, col.Args...)
		}
		args = append(args, v)
	}
	if col.Kind == Keywords {
		c.sql("(len(list_filter(string_split(trim("+col.SQL+", chr(31)), chr(31)), x -> "+strings.Join(conds, " AND ")+")) > 0)", with(col.Args, args...)...)
		return nil
	}
	c.sql("("+strings.Join(conds, " AND ")+")", args...)
	return nil
}

// timeRange compiles a time range. A date bound covers its whole day:
// [2026-11-20 TO 2026-11-21] ends at the end of the 21st.
func (c *compiler) timeRange(field string, col Column, lo, hi *Bound) error {
	var conds []string
	var args []any
	if lo != nil {
		from, to, err := timeValue(field, lo.Value)
		if err != nil {
			return err
		}
		v, op := from, ">="
		switch {
		case !lo.Inclusive && from.Equal(to):
			op = ">"
		case !lo.Inclusive:
			v = to
		}
		conds = append(conds, col.SQL+" "+op+" ?")
		args = append(with(args, col.Args...), v)
	}
	if hi != nil {
		from, to, err := timeValue(field, hi.Value)
		if err != nil {
			return err
		}
		v, op := to, "<"
		switch {
		case !hi.Inclusive:
			v = from
		case from.Equal(to):
			op = "<="
		}
		conds = append(conds, col.SQL+" "+op+" ?")
		args = append(with(args, col.Args...), v)
	}
	c.sql("("+strings.Join(conds, " AND ")+")", args...)
	return nil
}

// with returns a new slice: args followed by more (never aliasing args,
// which may belong to a Column).
func with(args []any, more ...any) []any {
	out := make([]any, 0, len(args)+len(more))
	return append(append(out, args...), more...)
}

func (c *compiler) ip(field string, col Column, v string) error {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return &FieldError{Field: field, Msg: fmt.Sprintf("takes an IP address or CIDR block, not %q", v)}
		}
		p = p.Masked()
		first := p.Addr()
		last := lastAddr(p)
		lo, hi := first.As16(), last.As16()
		c.sql("(")
		if first.Is4() && p.Bits() >= 8 {
			// Whole leading octets are a cheap text pre-test.
			octets := strings.Split(first.String(), ".")[:p.Bits()/8]
			c.sql(col.SQL+" LIKE ? AND ", with(col.Args, strings.Join(octets, ".")+".%")...)
		}
		c.sql("es_ip_key("+col.SQL+") BETWEEN ? AND ?)", with(with(col.Args, lo[:]), hi[:])...)
		return nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return &FieldError{Field: field, Msg: fmt.Sprintf("takes an IP address or CIDR block, not %q", v)}
	}
	c.sql("("+col.SQL+" = ?)", with(col.Args, a.String())...)
	return nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As16()
	bits := p.Bits()
	if p.Addr().Is4() {
		bits += 96
	}
	for i := bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		return a.Unmap()
	}
	return a
}

func number(field string, k Kind, s string) (any, error) {
	if k == Int {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return nil, &FieldError{Field: field, Msg: fmt.Sprintf("takes numbers, not %q", s)}
	}
	return f, nil
}

func isNumber(s string) bool {
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && !math.IsNaN(f)
}

// timeValue reads a time: RFC 3339 (with or without zone; UTC if none), a
// date, which stands for the whole day, or date math relative to now
// ("now-1h"). lo == hi for an instant.
func timeValue(field, s string) (lo, hi time.Time, err error) {
	lo, hi, err = ParseTime(s, timeNow())
	if err != nil {
		return lo, hi, &FieldError{Field: field, Msg: err.Error()}
	}
	return lo, hi, nil
}

// ParseTime reads a time as the search syntax does: RFC 3339 (with or
// without zone; UTC if none), a date, which stands for the whole day
// (lo is its start, hi the next day's), or date math relative to now
// ("now-1h", "now-1M+2d"). lo == hi for an instant. The API's from and to
// parameters read times the same way.
func ParseTime(s string, now time.Time) (lo, hi time.Time, err error) {
	if t, ok, err := dateMath(s, now); ok {
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		return t, t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), t.UTC(), nil
		}
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, t.AddDate(0, 0, 1), nil
	}
	return time.Time{}, time.Time{}, fmt.Errorf("takes an RFC 3339 time, a date (2026-11-20) or a time relative to now (now-1h), not %q", s)
}

func firstRune(s string) (rune, bool) {
	for _, r := range s {
		return r, true
	}
	return 0, false
}

func lastRune(s string) (rune, bool) {
	var last rune
	ok := false
	for _, r := range s {
		last, ok = r, true
	}
	return last, ok
}
