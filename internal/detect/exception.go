package detect

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/detect/jsonrule"
	"github.com/eventsec/eventsec/internal/detect/sigma"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/store"
)

// Rule exceptions (tuning): a rule's match is suppressed when every
// condition of one of its exceptions holds for the event, as in Elastic
// Security's exception items. A condition reads its field as exceptions
// always have (fieldValues): the ECS key, else the Sigma name through the
// rule's mapping, else the JSON rules' aliases; a field with several
// values satisfies a positive operator when one value does, a negated
// one (not_equals, not_in, not_exists) when none does the positive, so a
// missing field satisfies every negated operator.

// ExceptionOperators are the operators an exception condition may use.
var ExceptionOperators = []string{"equals", "not_equals", "in", "not_in", "contains", "startswith", "endswith",
	"wildcard", "regex", "cidr", "exists", "not_exists"}

// Bounds of one exception.
const (
	MaxExceptionConditions = 20
	maxExceptionValues     = 1000 // of one in / not_in condition
	maxExceptionFieldLen   = 256
	maxExceptionValueLen   = 4096
)

// negated maps an operator to the positive one it denies.
var negated = map[string]string{"not_equals": "equals", "not_in": "in", "not_exists": "exists"}

// ExceptionError is an exception the caller must correct. Field names
// the input field as the API has it: conditions[1].operator, or field,
// operator, value and values for the single-condition form.
type ExceptionError struct{ Field, Msg string }

func (e *ExceptionError) Error() string { return ErrInvalid.Error() + ": " + e.Field + ": " + e.Msg }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *ExceptionError) Unwrap() error { return ErrInvalid }

// ExceptionInput is a new exception: Conditions, or the one condition of
// Field, Operator and Value (Values for in and not_in) that the API took
// before exceptions had several.
type ExceptionInput struct {
	Field, Operator, Value string
	Values                 []string
	Conditions             []store.ExceptionCondition
	Reason                 string
	ExpiresAt              *time.Time
}

// single reports whether the input uses the single-condition form.
func (in ExceptionInput) single() bool {
	return in.Field != "" || in.Operator != "" || in.Value != "" || in.Values != nil
}

// CheckConditions validates the input's conditions and returns them as
// they are stored (fields trimmed, operators lower-cased, equals when
// none is given). A problem is an *ExceptionError naming the field.
func (in ExceptionInput) CheckConditions() ([]store.ExceptionCondition, error) {
	if in.single() {
		if len(in.Conditions) > 0 {
			return nil, &ExceptionError{"conditions", "give either conditions or field, operator and value, not both"}
		}
		c, err := checkCondition("", store.ExceptionCondition{Field: in.Field, Operator: in.Operator, Value: in.Value, Values: in.Values})
		if err != nil {
			return nil, err
		}
		return []store.ExceptionCondition{c}, nil
	}
	switch {
	case len(in.Conditions) == 0:
		return nil, &ExceptionError{"conditions", "required: at least one condition {field, operator, value}"}
	case len(in.Conditions) > MaxExceptionConditions:
		return nil, &ExceptionError{"conditions", fmt.Sprintf("at most %d conditions (got %d)", MaxExceptionConditions, len(in.Conditions))}
	}
	out := make([]store.ExceptionCondition, 0, len(in.Conditions))
	for i, c := range in.Conditions {
		c, err := checkCondition(fmt.Sprintf("conditions[%d].", i), c)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// checkCondition validates one condition; prefix is how the API names it.
func checkCondition(prefix string, c store.ExceptionCondition) (store.ExceptionCondition, error) {
	bad := func(field, format string, args ...any) (store.ExceptionCondition, error) {
		return c, &ExceptionError{prefix + field, fmt.Sprintf(format, args...)}
	}
	c.Field = strings.TrimSpace(c.Field)
	c.Operator = strings.ToLower(strings.TrimSpace(c.Operator))
	if c.Operator == "" {
		c.Operator = "equals"
	}
	switch {
	case c.Field == "":
		return bad("field", "required: the event field to test, such as user.name")
	case len(c.Field) > maxExceptionFieldLen:
		return bad("field", "at most %d characters", maxExceptionFieldLen)
	}
	if r, ok := badFieldRune(c.Field); ok {
		return bad("field", "%q has %q, which field names do not have: use letters, digits and _ . @ -", c.Field, r)
	}
	if !slices.Contains(ExceptionOperators, c.Operator) {
		return bad("operator", "%q is not one of %s", c.Operator, strings.Join(ExceptionOperators, ", "))
	}
	switch c.Operator {
	case "in", "not_in":
		if c.Value != "" {
			return bad("value", "%s compares with a list: give values, not value", c.Operator)
		}
		if len(c.Values) == 0 {
			return bad("values", "required for %s", c.Operator)
		}
		if len(c.Values) > maxExceptionValues {
			return bad("values", "at most %d values (got %d)", maxExceptionValues, len(c.Values))
		}
		for j, v := range c.Values {
			if v == "" {
				return bad(fmt.Sprintf("values[%d]", j), "empty: to test for a missing field use not_exists")
			}
			if len(v) > maxExceptionValueLen {
				return bad(fmt.Sprintf("values[%d]", j), "at most %d characters", maxExceptionValueLen)
			}
		}
	case "exists", "not_exists":
		if c.Value != "" || len(c.Values) > 0 {
			return bad("value", "%s takes no value", c.Operator)
		}
		c.Values = nil
	default:
		if len(c.Values) > 0 {
			return bad("values", "only in and not_in take a list of values; give value")
		}
		c.Values = nil
		if c.Value == "" {
			return bad("value", "required for %s", c.Operator)
		}
		if len(c.Value) > maxExceptionValueLen {
			return bad("value", "at most %d characters", maxExceptionValueLen)
		}
	}
	if _, err := compileCondition(c); err != nil {
		return bad("value", "%s", err.Error())
	}
	return c, nil
}

// badFieldRune returns the first character a field name may not have:
// names are letters, digits and _ . @ - (ECS keys, Sigma names, @timestamp).
func badFieldRune(s string) (rune, bool) {
	if !utf8.ValidString(s) {
		return utf8.RuneError, true
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("_.@-", r) {
			return r, true
		}
	}
	return 0, false
}

// condition is a compiled store.ExceptionCondition.
type condition struct {
	store.ExceptionCondition
	op    string // the positive operator: not_equals tests equals...
	neg   bool
	lower string
	set   map[string]bool // in: the lower-cased values
	re    *regexp.Regexp  // regex, wildcard
	net   netip.Prefix
}

func compileCondition(c store.ExceptionCondition) (condition, error) {
	x := condition{ExceptionCondition: c, op: c.Operator, lower: strings.ToLower(c.Value)}
	if pos, ok := negated[c.Operator]; ok {
		x.op, x.neg = pos, true
	}
	switch x.op {
	case "equals", "contains", "startswith", "endswith", "exists":
	case "in":
		x.set = make(map[string]bool, len(c.Values))
		for _, v := range c.Values {
			x.set[strings.ToLower(v)] = true
		}
	case "wildcard":
		x.re = wildcardRegexp(c.Value)
	case "regex":
		re, err := regexp.Compile(c.Value)
		if err != nil {
			return x, fmt.Errorf("%q is not a regular expression (RE2 syntax): %s", c.Value, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		x.re = re
	case "cidr":
		p, err := netip.ParsePrefix(c.Value)
		if err != nil {
			return x, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8 or 2001:db8::/32", c.Value)
		}
		x.net = p.Masked()
	default:
		return x, fmt.Errorf("unknown operator %q", c.Operator)
	}
	return x, nil
}

// wildcardRegexp compiles a wildcard as Sigma reads one: * is any run of
// characters, ? exactly one, a backslash escapes *, ? and itself (and is
// a plain backslash before anything else, so C:\Tools needs no
// doubling); the whole value must match, case-insensitively.
func wildcardRegexp(p string) *regexp.Regexp {
	var b, lit strings.Builder
	b.WriteString(`(?is)\A`)
	flush := func() {
		b.WriteString(regexp.QuoteMeta(lit.String()))
		lit.Reset()
	}
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '?' || p[i+1] == '\\'):
			lit.WriteByte(p[i+1])
			i++
		case c == '*':
			flush()
			b.WriteString(`.*`)
		case c == '?':
			flush()
			b.WriteString(`.`)
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// hit tests one value against the positive operator.
func (c *condition) hit(v string) bool {
	switch c.op {
	case "exists":
		return v != ""
	case "regex":
		return c.re.MatchString(v)
	case "wildcard":
		return c.re.MatchString(v)
	case "cidr":
		a, err := netip.ParseAddr(v)
		return err == nil && c.net.Contains(a.Unmap())
	}
	lv := strings.ToLower(v)
	switch c.op {
	case "equals":
		return lv == c.lower
	case "in":
		return c.set[lv]
	case "contains":
		return strings.Contains(lv, c.lower)
	case "startswith":
		return strings.HasPrefix(lv, c.lower)
	case "endswith":
		return strings.HasSuffix(lv, c.lower)
	}
	return false
}

// holds tests the field's values: a positive operator holds when one
// value satisfies it, a negated one when none satisfies the positive.
func (c *condition) holds(vals []string) bool {
	hit := false
	for _, v := range vals {
		if c.hit(v) {
			hit = true
			break
		}
	}
	// A list also reads as its values joined by commas: the form an
	// alert's group shows it in (fieldText), so that an exception made
	// from a grouped alert matches the events that raised it.
	if !hit && len(vals) > 1 && (c.op == "equals" || c.op == "in") {
		hit = c.hit(strings.Join(vals, ","))
	}
	return hit != c.neg
}

// exception is a compiled store.RuleException.
type exception struct {
	store.RuleException
	conds []condition
}

func compileException(e store.RuleException) (*exception, error) {
	if len(e.Conditions) == 0 {
		return nil, fmt.Errorf("exception %s has no condition", e.ID)
	}
	x := &exception{RuleException: e}
	for i, c := range e.Conditions {
		cc, err := compileCondition(c)
		if err != nil {
			return nil, fmt.Errorf("condition %d: %w", i, err)
		}
		x.conds = append(x.conds, cc)
	}
	return x, nil
}

// matches reports whether the exception, unexpired, suppresses d's match
// of ev: every condition holds.
func (x *exception) matches(ev *event.Event, d *doc, now time.Time) bool {
	if x.ExpiresAt != nil && !now.Before(*x.ExpiresAt) {
		return false
	}
	for i := range x.conds {
		if !x.conds[i].holds(fieldValues(ev, d, x.conds[i].Field)) {
			return false
		}
	}
	return true
}

// DescribeConditions renders conditions for audit entries and alert
// histories, every one in full: user.name equals "svc" AND host.name in
// ["a", "b"] AND process.parent.name exists.
func DescribeConditions(cs []store.ExceptionCondition) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		switch c.Operator {
		case "exists", "not_exists":
			parts = append(parts, c.Field+" "+c.Operator)
		case "in", "not_in":
			q := make([]string, len(c.Values))
			for i, v := range c.Values {
				q[i] = fmt.Sprintf("%q", v)
			}
			parts = append(parts, fmt.Sprintf("%s %s [%s]", c.Field, c.Operator, strings.Join(q, ", ")))
		default:
			parts = append(parts, fmt.Sprintf("%s %s %q", c.Field, c.Operator, c.Value))
		}
	}
	return strings.Join(parts, " AND ")
}

// knownFields are the field names EventSec's events have whatever sent
// them: the typed ECS columns, the Sigma taxonomy and Windows System
// names with the keys they stand for, related.*, the ECS objects written
// as one value, and the JSON rules' aliases.
var knownFields = func() map[string]bool {
	m := map[string]bool{"@timestamp": true, "timestamp": true, "message": true}
	for _, c := range event.Columns {
		m[c.Field] = true
	}
	for _, mp := range []map[string][]string{event.TaxonomyFields, event.WindowsSystemFields, event.RelatedFields} {
		for k, keys := range mp {
			m[k] = true
			for _, key := range keys {
				m[key] = true
			}
		}
	}
	for _, k := range jsonrule.AliasNames() {
		m[k] = true
	}
	return m
}()

// exceptionWarnings says which conditions name a field EventSec's
// events are not known to have: neither a known field (knownFields), nor
// one the org's rules read, nor one of the latest event of the rule's
// latest alert. Such a condition is accepted (a sender may use a field of
// its own) but likely a typo; a near name is suggested.
func (s *Service) exceptionWarnings(ctx context.Context, orgID, ruleID string, cs []store.ExceptionCondition, single bool) []string {
	var unknown []int
	for i, c := range cs {
		if !knownFields[c.Field] {
			unknown = append(unknown, i)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	names := s.ruleFieldNames(orgID)
	ev := s.latestAlertEvent(ctx, orgID, ruleID)
	var out []string
	for _, i := range unknown {
		f := cs[i].Field
		if names[f] || ev != nil && eventHasField(ev, f) {
			continue
		}
		name := fmt.Sprintf("conditions[%d].field", i)
		if single {
			name = "field"
		}
		msg := fmt.Sprintf("%s: %q is not a field EventSec's events have", name, f)
		if near := nearestField(f, names, ev); near != "" {
			msg += "; did you mean " + near + "?"
		} else {
			msg += " (nor does the event of this rule's latest alert): the condition reads it as missing"
		}
		out = append(out, msg)
	}
	return out
}

// ruleFieldNames are the fields the org's rules read (Sigma items, JSON
// conditions and group-bys, alert grouping).
func (s *Service) ruleFieldNames(orgID string) map[string]bool {
	names := map[string]bool{}
	e := s.engine(orgID, false)
	if e == nil {
		return names
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, l := range e.units {
		for _, f := range l.rule.AlertGroupBy {
			names[f] = true
		}
		u := l.unit
		for _, r := range u.Sigma {
			if r.Detection == nil {
				continue
			}
			for _, sr := range r.Detection.Searches {
				for _, alt := range sr.Alternatives {
					for _, it := range alt.Items {
						if it.Field != "" {
							names[it.Field] = true
						}
					}
				}
			}
		}
		if u.JSON != nil {
			for _, c := range u.JSON.Conditions {
				names[c.Field] = true
			}
			if u.JSON.Aggregation != nil {
				for _, f := range u.JSON.Aggregation.GroupBy {
					names[f] = true
				}
			}
		}
	}
	return names
}

// latestAlertEvent reads the newest event of the rule's latest alert, or
// returns nil (no alert, no event store, or it is gone): warnings are
// advice, and reading one event by its ID is cheap.
func (s *Service) latestAlertEvent(ctx context.Context, orgID, ruleID string) *event.Event {
	if s.o.Events == nil {
		return nil
	}
	as, _, err := s.o.Store.Alerts().List(ctx, orgID, store.AlertFilter{RuleID: ruleID, Limit: 1})
	if err != nil || len(as) == 0 || len(as[0].EventIDs) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ev, err := s.o.Events.Get(ctx, orgID, as[0].EventIDs[len(as[0].EventIDs)-1])
	if err != nil {
		s.o.Logger.Debug("detection: cannot read the latest alert's event for exception warnings", "org", orgID, "rule", ruleID, "err", err)
		return nil
	}
	return &ev
}

// eventHasField reports whether a condition on name reads a value of ev.
func eventHasField(ev *event.Event, name string) bool {
	if _, ok := ev.Fields[name]; ok {
		return true
	}
	if len(sigma.Resolve(ev, nil, name)) > 0 {
		return true
	}
	_, ok := jsonrule.Values(ev, name)
	return ok
}

// nearestField is the known name closest to f (case aside first), if
// one is near enough to be the field meant: a few edits for its length.
func nearestField(f string, names map[string]bool, ev *event.Event) string {
	lf := strings.ToLower(f)
	best, bestD := "", max(1, len(f)/4)+1
	try := func(c string) {
		d := editDistance(lf, strings.ToLower(c))
		if d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	for c := range knownFields {
		try(c)
	}
	for c := range names {
		try(c)
	}
	if ev != nil {
		for c := range ev.Fields {
			try(c)
		}
	}
	return best
}
