package intel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// stixIndicator is the part of a STIX 2.1 indicator object we read.
type stixIndicator struct {
	Type           string   `json:"type"`
	ID             string   `json:"id"`
	Name           string   `json:"name"`
	Description    string   `json:"description"`
	Pattern        string   `json:"pattern"`
	PatternType    string   `json:"pattern_type"`
	ValidFrom      string   `json:"valid_from"`
	ValidUntil     string   `json:"valid_until"`
	Confidence     *int     `json:"confidence"`
	Labels         []string `json:"labels"`
	IndicatorTypes []string `json:"indicator_types"`
	Revoked        bool     `json:"revoked"`
	Created        string   `json:"created"`
	Modified       string   `json:"modified"`
}

// lineAt is the 1-based line of byte offset off.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	// The decoder's offset is after the separator; skip blanks forward.
	for off < int64(len(data)) && (data[off] == ' ' || data[off] == '\n' || data[off] == '\r' || data[off] == '\t' || data[off] == ',') {
		off++
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// parseSTIX reads the indicator objects of a STIX 2.1 bundle (a lone
// indicator object or a JSON array of objects are accepted too).
func parseSTIX(name string, data []byte) (Parsed, error) {
	var p Parsed
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return p, fmt.Errorf("%w: %s is not JSON: %v", ErrInvalid, name, err)
	}
	record := 0
	each := func() error {
		record++
		line := lineAt(data, dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%w: %s: object %d (line %d): %v", ErrInvalid, name, record, line, err)
		}
		p.stixObject(name, record, line, raw)
		return nil
	}
	switch tok {
	case json.Delim('['):
		for dec.More() {
			if err := each(); err != nil {
				return p, err
			}
		}
		return p, nil
	case json.Delim('{'):
	default:
		return p, fmt.Errorf("%w: %s: a STIX document is a bundle object", ErrInvalid, name)
	}
	// A bundle, or one object: read its members, keeping "objects".
	var single map[string]json.RawMessage
	sawObjects := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return p, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
		}
		key, _ := kt.(string)
		if key != "objects" {
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return p, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
			}
			if single == nil {
				single = map[string]json.RawMessage{}
			}
			single[key] = v
			continue
		}
		sawObjects = true
		if t, err := dec.Token(); err != nil || t != json.Delim('[') {
			return p, fmt.Errorf("%w: %s: objects must be an array", ErrInvalid, name)
		}
		for dec.More() {
			if err := each(); err != nil {
				return p, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return p, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
		}
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return p, fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
	}
	if !sawObjects {
		var typ string
		_ = json.Unmarshal(single["type"], &typ)
		if typ == "bundle" {
			return p, nil // an empty bundle
		}
		if typ == "" {
			return p, fmt.Errorf("%w: %s: neither a STIX bundle nor a STIX object (no type)", ErrInvalid, name)
		}
		raw, _ := json.Marshal(single)
		p.stixObject(name, 1, 1, raw)
	}
	return p, nil
}

func parseSTIXTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t.UTC(), err == nil
}

func (p *Parsed) stixObject(file string, record, line int, raw json.RawMessage) {
	fail := func(field, format string, args ...any) {
		p.fail(RecordError{File: file, Record: record, Line: line, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	var o stixIndicator
	if err := json.Unmarshal(raw, &o); err != nil {
		fail("object", "not a STIX object: %v", err)
		return
	}
	if o.Type != "indicator" {
		if o.Type == "" {
			fail("type", "missing")
			return
		}
		p.skip("STIX " + o.Type + " objects (not indicators)")
		return
	}
	if o.Revoked {
		p.skip("revoked STIX indicators")
		return
	}
	if o.PatternType != "" && o.PatternType != "stix" {
		p.fail(RecordError{File: file, Record: record, Line: line, Field: "pattern_type", Unsupported: true,
			Reason: fmt.Sprintf("%q patterns cannot be represented as indicators (only stix patterns)", o.PatternType)})
		return
	}
	if strings.TrimSpace(o.Pattern) == "" {
		fail("pattern", "missing")
		return
	}
	alts, err := ParsePattern(o.Pattern)
	if err != nil {
		var pe *PatternError
		unsupported := errors.As(err, &pe) && pe.Unsupported
		p.fail(RecordError{File: file, Record: record, Line: line, Field: "pattern", Reason: err.Error(), Unsupported: unsupported})
		return
	}
	c := Candidate{Confidence: -1, Record: record, Description: strings.TrimSpace(strings.Join(nonEmpty(o.Name, o.Description), ": "))}
	if o.Confidence != nil {
		if *o.Confidence < 0 || *o.Confidence > 100 {
			fail("confidence", "%d is not from 0 to 100", *o.Confidence)
			return
		}
		c.Confidence = *o.Confidence
	}
	c.Tags = append(append(c.Tags, o.IndicatorTypes...), o.Labels...)
	if t, ok := parseSTIXTime(o.ValidFrom); ok {
		c.FirstSeen = t
	} else if o.ValidFrom != "" {
		fail("valid_from", "%q is not an RFC 3339 timestamp", o.ValidFrom)
		return
	}
	if t, ok := parseSTIXTime(o.Modified); ok {
		c.LastSeen = t
	}
	if t, ok := parseSTIXTime(o.ValidUntil); ok {
		c.ExpiresAt = &t
	} else if o.ValidUntil != "" {
		fail("valid_until", "%q is not an RFC 3339 timestamp", o.ValidUntil)
		return
	}
	for _, a := range alts {
		v, err := Normalize(a.Type, a.Value)
		if err != nil {
			fail("pattern", "%s value %q: %s", a.Path, a.Value, reason(err))
			continue
		}
		x := c
		x.Type, x.Value = a.Type, v
		p.Indicators = append(p.Indicators, x)
	}
}

func reason(err error) string {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe.Reason
	}
	return err.Error()
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Alternative is one value a STIX pattern matches.
type Alternative struct {
	Path  string // the object path, e.g. file:hashes.'SHA-256'
	Type  Type
	Value string
}

// PatternError is a STIX pattern that cannot be read (Unsupported false)
// or read but not represented as indicators (Unsupported true).
type PatternError struct {
	Offset      int
	Msg         string
	Unsupported bool
}

func (e *PatternError) Error() string {
	if e.Unsupported {
		return "cannot be represented: " + e.Msg
	}
	return fmt.Sprintf("syntax error at character %d: %s", e.Offset+1, e.Msg)
}

// ParsePattern reads a STIX 2.1 pattern and returns the values it matches,
// when it is a disjunction of equality comparisons on supported object
// paths: [ipv4-addr:value = '198.51.100.1'], [domain-name:value = 'x' OR
// url:value = 'y'], [a = 'x'] OR [b = 'y'], ISSUBSET on addresses (CIDR).
// Anything else (AND, FOLLOWEDBY, NOT, other operators, qualifiers,
// unknown paths) is reported precisely as unsupported.
func ParsePattern(s string) ([]Alternative, error) {
	toks, err := lexPattern(s)
	if err != nil {
		return nil, err
	}
	ps := &patternParser{toks: toks, src: s}
	n, err := ps.observationExpr()
	if err != nil {
		return nil, err
	}
	if ps.i < len(ps.toks) {
		t := ps.toks[ps.i]
		return nil, &PatternError{Offset: t.pos, Msg: fmt.Sprintf("unexpected %q", t.text)}
	}
	var out []Alternative
	if err := collect(n, &out); err != nil {
		return nil, err
	}
	return out, nil
}

type tokKind uint8

const (
	tLBrack tokKind = iota
	tRBrack
	tLParen
	tRParen
	tWord   // keywords, operators spelled in letters, numbers
	tOp     // = != <> < > <= >=
	tPath   // object-type:property.path
	tString // 'text'
	tOther  // t'..', b'..', h'..'
)

type token struct {
	kind tokKind
	text string // for tString: the unescaped text
	pos  int
}

func lexPattern(s string) ([]token, error) {
	var out []token
	i := 0
	isWord := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '[':
			out = append(out, token{tLBrack, "[", i})
			i++
		case c == ']':
			out = append(out, token{tRBrack, "]", i})
			i++
		case c == '(':
			out = append(out, token{tLParen, "(", i})
			i++
		case c == ')':
			out = append(out, token{tRParen, ")", i})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || c == '<' && s[j] == '>') {
				j++
			}
			op := s[i:j]
			if op == "!" {
				return nil, &PatternError{Offset: i, Msg: "'!' must be followed by '='"}
			}
			out = append(out, token{tOp, op, i})
			i = j
		case c == '\'':
			text, n, err := patternString(s, i)
			if err != nil {
				return nil, err
			}
			out = append(out, token{tString, text, i})
			i += n
		case isWord(c):
			j := i
			for j < len(s) && isWord(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '\'' && j-i == 1 && strings.ContainsRune("tbhTBH", rune(c)) {
				// t'2026-01-01T00:00:00Z', b'base64', h'hex'
				_, n, err := patternString(s, j)
				if err != nil {
					return nil, err
				}
				out = append(out, token{tOther, s[i : j+n], i})
				i = j + n
				continue
			}
			if j < len(s) && s[j] == ':' {
				// An object path: type ':' property path with dots,
				// quoted components and list indexes.
				k := j + 1
				for k < len(s) {
					d := s[k]
					if d == '\'' {
						_, n, err := patternString(s, k)
						if err != nil {
							return nil, err
						}
						k += n
						continue
					}
					if isWord(d) || d == '.' || d == '[' && k+1 < len(s) && (s[k+1] == '*' || s[k+1] >= '0' && s[k+1] <= '9') {
						if d == '[' {
							e := strings.IndexByte(s[k:], ']')
							if e < 0 {
								return nil, &PatternError{Offset: k, Msg: "list index without ']'"}
							}
							k += e + 1
							continue
						}
						k++
						continue
					}
					break
				}
				out = append(out, token{tPath, s[i:k], i})
				i = k
				continue
			}
			out = append(out, token{tWord, s[i:j], i})
			i = j
		default:
			return nil, &PatternError{Offset: i, Msg: fmt.Sprintf("unexpected character %q", c)}
		}
	}
	return out, nil
}

// patternString reads a quoted string at s[i] ('...' with \' and \\) and
// returns its text and length in s.
func patternString(s string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 < len(s) && (s[j+1] == '\'' || s[j+1] == '\\') {
				b.WriteByte(s[j+1])
				j++
				continue
			}
			return "", 0, &PatternError{Offset: j, Msg: "only \\' and \\\\ are escapes in a string"}
		case '\'':
			return b.String(), j - i + 1, nil
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, &PatternError{Offset: i, Msg: "unterminated string"}
}

// pattern AST.
type (
	pOr  struct{ kids []pNode }
	pAnd struct {
		kids       []pNode
		comparison bool
	}
	pFollow struct{ kids []pNode }
	pObs    struct {
		inner     pNode
		qualifier string
	}
	pComp struct {
		path, op, value string
		isString, not   bool
	}
	pNode interface{}
)

type patternParser struct {
	toks []token
	i    int
	src  string
}

func (p *patternParser) peek() *token {
	if p.i < len(p.toks) {
		return &p.toks[p.i]
	}
	return nil
}

func (p *patternParser) keyword(words ...string) bool {
	t := p.peek()
	if t == nil || t.kind != tWord {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(t.text, w) {
			return true
		}
	}
	return false
}

func (p *patternParser) errAt(msg string) error {
	if t := p.peek(); t != nil {
		return &PatternError{Offset: t.pos, Msg: msg + fmt.Sprintf(", found %q", t.text)}
	}
	return &PatternError{Offset: len(p.src), Msg: msg + ", found the end of the pattern"}
}

// observationExpr: FOLLOWEDBY binds loosest, then OR, then AND.
func (p *patternParser) observationExpr() (pNode, error) {
	return p.binary("FOLLOWEDBY", func() (pNode, error) {
		return p.binary("OR", func() (pNode, error) {
			return p.binary("AND", p.observation, false)
		}, false)
	}, false)
}

func (p *patternParser) binary(op string, next func() (pNode, error), comparison bool) (pNode, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	kids := []pNode{first}
	for p.keyword(op) {
		p.i++
		n, err := next()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	switch op {
	case "OR":
		return pOr{kids}, nil
	case "AND":
		return pAnd{kids, comparison}, nil
	}
	return pFollow{kids}, nil
}

func (p *patternParser) observation() (pNode, error) {
	t := p.peek()
	var n pNode
	switch {
	case t != nil && t.kind == tLBrack:
		p.i++
		inner, err := p.comparisonExpr()
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t == nil || t.kind != tRBrack {
			return nil, p.errAt("expected ']'")
		}
		p.i++
		n = pObs{inner: inner}
	case t != nil && t.kind == tLParen:
		p.i++
		inner, err := p.observationExpr()
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t == nil || t.kind != tRParen {
			return nil, p.errAt("expected ')'")
		}
		p.i++
		n = inner
	default:
		return nil, p.errAt("expected '[' or '('")
	}
	// Qualifiers: WITHIN n SECONDS, START t'..' STOP t'..', REPEATS n TIMES.
	for p.keyword("WITHIN", "START", "REPEATS") {
		q := strings.ToUpper(p.peek().text)
		p.i++
		var want []string
		switch q {
		case "WITHIN":
			want = []string{"number", "SECONDS"}
		case "START":
			want = []string{"timestamp", "STOP", "timestamp"}
		default:
			want = []string{"number", "TIMES"}
		}
		for _, w := range want {
			t := p.peek()
			ok := t != nil && (w == "number" && t.kind == tWord && t.text[0] >= '0' && t.text[0] <= '9' ||
				w == "timestamp" && t.kind == tOther || w != "number" && w != "timestamp" && p.keyword(w))
			if !ok {
				return nil, p.errAt(fmt.Sprintf("expected %s in the %s qualifier", w, q))
			}
			p.i++
		}
		n = pObs{inner: n, qualifier: q}
	}
	return n, nil
}

func (p *patternParser) comparisonExpr() (pNode, error) {
	return p.binary("OR", func() (pNode, error) {
		return p.binary("AND", p.comparison, true)
	}, false)
}

func (p *patternParser) comparison() (pNode, error) {
	t := p.peek()
	if t != nil && t.kind == tLParen {
		p.i++
		n, err := p.comparisonExpr()
		if err != nil {
			return nil, err
		}
		if t := p.peek(); t == nil || t.kind != tRParen {
			return nil, p.errAt("expected ')'")
		}
		p.i++
		return n, nil
	}
	if t == nil || t.kind != tPath {
		return nil, p.errAt("expected an object path such as ipv4-addr:value")
	}
	c := pComp{path: t.text}
	p.i++
	if p.keyword("NOT") {
		c.not = true
		p.i++
	}
	op := p.peek()
	switch {
	case op == nil:
		return nil, p.errAt("expected a comparison operator")
	case op.kind == tOp:
		c.op = op.text
	case op.kind == tWord && p.keyword("IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET", "EXISTS"):
		c.op = strings.ToUpper(op.text)
	default:
		return nil, p.errAt("expected a comparison operator")
	}
	p.i++
	if c.op == "EXISTS" {
		return c, nil
	}
	v := p.peek()
	switch {
	case v == nil:
		return nil, p.errAt("expected a value")
	case v.kind == tString:
		c.value, c.isString = v.text, true
		p.i++
	case v.kind == tLParen && c.op == "IN":
		// A list: skip to its end; IN is reported as unsupported.
		for p.i < len(p.toks) && p.toks[p.i].kind != tRParen {
			p.i++
		}
		p.i++
	case v.kind == tWord || v.kind == tOther:
		c.value = v.text
		p.i++
	default:
		return nil, p.errAt("expected a value")
	}
	return c, nil
}

// patternPaths maps object paths (quotes and case of hash names folded)
// to indicator types.
var patternPaths = map[string]Type{
	"ipv4-addr:value":                   TypeIPv4,
	"ipv6-addr:value":                   TypeIPv6,
	"domain-name:value":                 TypeDomain,
	"url:value":                         TypeURL,
	"email-addr:value":                  TypeEmail,
	"email-message:from_ref.value":      TypeEmail,
	"email-message:sender_ref.value":    TypeEmail,
	"file:name":                         TypeFilename,
	"file:hashes.md5":                   TypeMD5,
	"file:hashes.sha-1":                 TypeSHA1,
	"file:hashes.sha1":                  TypeSHA1,
	"file:hashes.sha-256":               TypeSHA256,
	"file:hashes.sha256":                TypeSHA256,
	"x-eventsec-fingerprint:ja3":        TypeJA3,
	"x-eventsec-fingerprint:ja4":        TypeJA4,
	"x-eventsec-fingerprint:user_agent": TypeUserAgent,
	"network-traffic:extensions.http-request-ext.request_header.user-agent": TypeUserAgent,
}

func foldPath(p string) string {
	return strings.ToLower(strings.ReplaceAll(p, "'", ""))
}

func collect(n pNode, out *[]Alternative) error {
	switch n := n.(type) {
	case pOr:
		for _, k := range n.kids {
			if err := collect(k, out); err != nil {
				return err
			}
		}
	case pObs:
		if n.qualifier != "" {
			return &PatternError{Unsupported: true, Msg: fmt.Sprintf("the qualifier %s constrains several observations in time; an indicator matches single events", n.qualifier)}
		}
		return collect(n.inner, out)
	case pAnd:
		if n.comparison {
			return &PatternError{Unsupported: true, Msg: "AND between comparisons requires several values to hold at once; an indicator matches one value (only OR-ed comparisons are supported)"}
		}
		return &PatternError{Unsupported: true, Msg: "AND between observations requires several events; an indicator matches one event (only OR is supported)"}
	case pFollow:
		return &PatternError{Unsupported: true, Msg: "FOLLOWEDBY describes a sequence of events; an indicator matches one event"}
	case pComp:
		typ, ok := patternPaths[foldPath(n.path)]
		switch {
		case n.not:
			return &PatternError{Unsupported: true, Msg: fmt.Sprintf("NOT on %s matches everything but a value", n.path)}
		case !ok:
			return &PatternError{Unsupported: true, Msg: fmt.Sprintf("the object path %s has no indicator type (supported: ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value, email-addr:value, file:name, file:hashes.MD5/'SHA-1'/'SHA-256')", n.path)}
		case n.op == "ISSUBSET" && (typ == TypeIPv4 || typ == TypeIPv6) && n.isString:
			*out = append(*out, Alternative{Path: n.path, Type: TypeCIDR, Value: n.value})
		case n.op != "=":
			return &PatternError{Unsupported: true, Msg: fmt.Sprintf("the operator %s on %s (only = is supported, and ISSUBSET on addresses)", n.op, n.path)}
		case !n.isString:
			return &PatternError{Unsupported: true, Msg: fmt.Sprintf("%s is compared with %s, not a string", n.path, n.value)}
		case (typ == TypeIPv4 || typ == TypeIPv6) && strings.Contains(n.value, "/"):
			*out = append(*out, Alternative{Path: n.path, Type: TypeCIDR, Value: n.value})
		default:
			*out = append(*out, Alternative{Path: n.path, Type: typ, Value: n.value})
		}
	}
	return nil
}
