package kql

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// fnSpec is a scalar function or operator: how many arguments, how they
// are checked and converted, the result type, and optionally how to
// compute it at compile time when all arguments are constants.
type fnSpec struct {
	min, max int // max < 0: any number
	check    func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error)
	fold     func(c *compiler, vals []any, args []texpr) (any, bool)
	win      bool // a window function over ordered rows
}

// pk is a parameter kind: what an argument must be, and what it is
// converted to.
type pk uint8

const (
	kAny       pk = iota
	kStr          // string (dynamic, guid and scalars convert)
	kNum          // int, long or real (dynamic converts to real)
	kLong         // int or long (dynamic and real convert to long)
	kReal         // any number, as real
	kBool         // bool
	kDt           // datetime (dynamic and string convert)
	kTs           // timespan
	kDyn          // dynamic (scalars convert)
	kConstStr     // a constant string
	kType         // typeof(T)
	kOrderable    // anything comparable
)

var kindNames = map[pk]string{kStr: "a string", kNum: "a number", kLong: "an integer", kReal: "a number", kBool: "a bool",
	kDt: "a datetime", kTs: "a timespan", kDyn: "a dynamic value", kConstStr: "a constant string", kType: "typeof(...)", kOrderable: "an orderable value"}

// coerce converts argument i of fname to kind k.
func (c *compiler) coerce(n Node, fname string, i int, a texpr, k pk) (texpr, error) {
	bad := func() (texpr, error) {
		return texpr{}, c.errf(n, "argument %d of %s must be %s, not %s", i+1, displayName(fname), kindNames[k], argTypeName(a))
	}
	if _, isType := a.val.(typeArg); isType != (k == kType) {
		if isType {
			return texpr{}, c.errf(n, "argument %d of %s cannot be a type", i+1, displayName(fname))
		}
		return bad()
	}
	switch k {
	case kAny, kType:
		return a, nil
	case kStr:
		if a.t == TypeString {
			return a, nil
		}
		return c.toStringExpr(n, a)
	case kConstStr:
		if a.t != TypeString || !a.konst {
			return texpr{}, c.errf(n, "argument %d of %s must be a constant string", i+1, displayName(fname))
		}
		return a, nil
	case kNum:
		if a.t.numeric() {
			return a, nil
		}
		if a.t == TypeDynamic || a.t == TypeUnknown {
			return c.convert(n, a, TypeReal)
		}
	case kLong:
		if a.t.integer() {
			return a, nil
		}
		if a.t == TypeDynamic || a.t == TypeUnknown || a.t == TypeReal || a.t == TypeDecimal {
			return c.convert(n, a, TypeLong)
		}
	case kReal:
		if a.t.numeric() || a.t == TypeDynamic || a.t == TypeUnknown {
			return c.convert(n, a, TypeReal)
		}
	case kBool:
		if a.t == TypeBool {
			return a, nil
		}
		if a.t == TypeDynamic || a.t == TypeUnknown {
			return c.convert(n, a, TypeBool)
		}
	case kDt:
		if a.t == TypeDatetime {
			return a, nil
		}
		if a.t == TypeDynamic || a.t == TypeUnknown {
			return c.convert(n, a, TypeDatetime)
		}
		if a.t == TypeString {
			return c.apply(n, "todatetime", []texpr{a})
		}
	case kTs:
		if a.t == TypeTimespan {
			return a, nil
		}
		if a.t == TypeDynamic || a.t == TypeUnknown {
			return c.convert(n, a, TypeTimespan)
		}
	case kDyn:
		if a.t == TypeDynamic {
			return a, nil
		}
		return c.convert(n, a, TypeDynamic)
	case kOrderable:
		if a.t.orderable() || a.t == TypeDynamic || a.t == TypeUnknown {
			return a, nil
		}
	}
	return bad()
}

func argTypeName(a texpr) string {
	if _, ok := a.val.(typeArg); ok {
		return "a type"
	}
	return a.t.String()
}

// toStringExpr is tostring(a).
func (c *compiler) toStringExpr(n Node, a texpr) (texpr, error) {
	if a.t == TypeString {
		return a, nil
	}
	return c.apply(n, "tostring", []texpr{a})
}

// sig makes a spec from parameter kinds and a result type; with
// variadic, the last kind repeats.
func sig(ret Type, kinds ...pk) fnSpec {
	return sigN(len(kinds), len(kinds), ret, kinds...)
}

func sigN(lo, hi int, ret Type, kinds ...pk) fnSpec {
	return fnSpec{min: lo, max: hi, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		out := make([]texpr, len(args))
		for i, a := range args {
			k := kinds[min(i, len(kinds)-1)]
			v, err := c.coerce(n, name, i, a, k)
			if err != nil {
				return nil, 0, err
			}
			out[i] = v
		}
		r := ret
		if r == TypeUnknown && len(out) > 0 {
			r = out[0].t
		}
		return out, r, nil
	}}
}

func (s fnSpec) withFold(f func(c *compiler, vals []any, args []texpr) (any, bool)) fnSpec {
	s.fold = f
	return s
}

// unify converts two values to a common type for comparison or
// combination, or fails.
func (c *compiler) unify(n Node, a, b texpr) (texpr, texpr, Type, error) {
	switch {
	case a.t == b.t:
		return a, b, a.t, nil
	case a.t == TypeUnknown:
		a, err := c.convert(n, a, b.t)
		return a, b, b.t, err
	case b.t == TypeUnknown:
		b, err := c.convert(n, b, a.t)
		return a, b, a.t, err
	case a.t.numeric() && b.t.numeric():
		t := promote(a.t, b.t)
		a, err1 := c.convert(n, a, t)
		b, err2 := c.convert(n, b, t)
		if err1 != nil {
			return a, b, t, err1
		}
		return a, b, t, err2
	case a.t == TypeDynamic:
		a, err := c.convert(n, a, b.t)
		return a, b, b.t, err
	case b.t == TypeDynamic:
		b, err := c.convert(n, b, a.t)
		return a, b, a.t, err
	case a.t == TypeGuid && b.t == TypeString || a.t == TypeString && b.t == TypeGuid:
		a, _ = c.convert(n, a, TypeString)
		b, _ = c.convert(n, b, TypeString)
		return a, b, TypeString, nil
	case a.t == TypeDatetime && b.t == TypeString && b.konst:
		b, err := c.apply(n, "todatetime", []texpr{b})
		return a, b, TypeDatetime, err
	case b.t == TypeDatetime && a.t == TypeString && a.konst:
		a, err := c.apply(n, "todatetime", []texpr{a})
		return a, b, TypeDatetime, err
	case a.t == TypeString && (b.t.numeric() || b.t == TypeTimespan || b.t == TypeBool),
		b.t == TypeString && (a.t.numeric() || a.t == TypeTimespan || a.t == TypeBool):
		// Kusto compares a string with a number (EventID == "4624",
		// ResultType == 0): a constant takes the other side's type,
		// otherwise the string converts.
		str, other, swap := a, b, false
		if b.t == TypeString {
			str, other, swap = b, a, true
		}
		var err error
		switch {
		case other.konst && other.t.numeric() && !str.konst:
			v, ok := foldCast(other.val, other.t, TypeString)
			if !ok {
				other, err = c.toStringExpr(n, other)
			} else {
				other = c.konst(v, TypeString)
			}
		default:
			if v, ok := foldCast(str.val, TypeString, other.t); ok && str.konst {
				str = c.konst(v, other.t)
			} else {
				str, err = c.apply(n, map[Type]string{TypeInt: "toint", TypeLong: "tolong", TypeReal: "toreal", TypeDecimal: "toreal",
					TypeTimespan: "totimespan", TypeBool: "tobool"}[other.t], []texpr{str})
			}
		}
		if err != nil {
			return a, b, 0, err
		}
		if swap {
			return other, str, str.t, nil
		}
		return str, other, str.t, nil
	case a.t == TypeBool && b.t.numeric() || b.t == TypeBool && a.t.numeric():
		// result == 0 on a bool.
		if a.t == TypeBool {
			b, err := c.apply(n, "tobool", []texpr{b})
			return a, b, TypeBool, err
		}
		a, err := c.apply(n, "tobool", []texpr{a})
		return a, b, TypeBool, err
	}
	return a, b, 0, c.errf(n, "cannot compare or combine %s with %s", a.t, b.t)
}

func compareSpec(op string, orderedOnly bool) fnSpec {
	return fnSpec{min: 2, max: 2, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		a, b, t, err := c.unify(n, args[0], args[1])
		if err != nil {
			return nil, 0, err
		}
		if orderedOnly && !t.orderable() && t != TypeUnknown {
			return nil, 0, c.errf(n, "%s values cannot be compared with %s", t, name)
		}
		return []texpr{a, b}, TypeBool, nil
	}, fold: func(c *compiler, v []any, args []texpr) (any, bool) {
		if v[0] == nil || v[1] == nil {
			return nil, false
		}
		cmp, ok := compareValues(v[0], v[1])
		if !ok {
			return nil, false
		}
		return map[string]bool{"==": cmp == 0, "!=": cmp != 0, "<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0}[op], true
	}}
}

func compareValues(a, b any) (int, bool) {
	switch a := a.(type) {
	case int64:
		if b, ok := b.(int64); ok {
			return cmpOrdered(a, b), true
		}
	case float64:
		if b, ok := b.(float64); ok {
			return cmpOrdered(a, b), true
		}
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b), true
		}
	case time.Time:
		if b, ok := b.(time.Time); ok {
			return a.Compare(b), true
		}
	case time.Duration:
		if b, ok := b.(time.Duration); ok {
			return cmpOrdered(a, b), true
		}
	}
	return 0, false
}

func cmpOrdered[T int64 | float64 | time.Duration](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// arith is the type rule of + - * / %.
func arith(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
	a, b := args[0], args[1]
	if a.t == TypeDynamic && b.t != TypeDynamic {
		t := b.t
		if t == TypeDatetime || t == TypeTimespan {
			t = TypeReal
		}
		a, _ = c.convert(n, a, t)
	}
	if b.t == TypeDynamic && a.t != TypeDynamic {
		t := a.t
		if t == TypeDatetime || t == TypeTimespan {
			t = TypeReal
		}
		b, _ = c.convert(n, b, t)
	}
	if a.t == TypeDynamic && b.t == TypeDynamic {
		a, _ = c.convert(n, a, TypeReal)
		b, _ = c.convert(n, b, TypeReal)
	}
	ta, tb := a.t, b.t
	switch {
	case ta.numeric() && tb.numeric() || ta == TypeUnknown && tb.numeric() || tb == TypeUnknown && ta.numeric():
		t := promote(ta, tb)
		a, _ = c.convert(n, a, t)
		b, _ = c.convert(n, b, t)
		return []texpr{a, b}, t, nil
	case name == "+" && ta == TypeDatetime && tb == TypeTimespan, name == "-" && ta == TypeDatetime && tb == TypeTimespan:
		return []texpr{a, b}, TypeDatetime, nil
	case name == "+" && ta == TypeTimespan && tb == TypeDatetime:
		return []texpr{b, a}, TypeDatetime, nil
	case name == "-" && ta == TypeDatetime && tb == TypeDatetime:
		return []texpr{a, b}, TypeTimespan, nil
	case (name == "+" || name == "-" || name == "%") && ta == TypeTimespan && tb == TypeTimespan:
		return []texpr{a, b}, TypeTimespan, nil
	case name == "/" && ta == TypeTimespan && tb == TypeTimespan:
		return []texpr{a, b}, TypeReal, nil
	case (name == "*" || name == "/") && ta == TypeTimespan && tb.numeric():
		return []texpr{a, b}, TypeTimespan, nil
	case name == "*" && ta.numeric() && tb == TypeTimespan:
		return []texpr{b, a}, TypeTimespan, nil
	}
	return nil, 0, c.errf(n, "operator %s does not apply to %s and %s", name, ta, tb)
}

// stringOpSpec is a string operator: both sides strings, a bool result.
var stringOpSpec = sig(TypeBool, kStr, kStr)

// listSpec is in / !in / in~ / !in~ / has_any / has_all: x and a list
// whose constant dynamic arrays are spread into their elements.
func listSpec(stringsOnly bool) fnSpec {
	return fnSpec{min: 1, max: -1, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		x := args[0]
		if stringsOnly || strings.HasSuffix(name, "~") {
			var err error
			if x, err = c.toStringExpr(n, x); err != nil {
				return nil, 0, err
			}
		}
		out := []texpr{x}
		for _, a := range args[1:] {
			if a.tab != nil {
				if stringsOnly {
					return nil, 0, c.unsupported(n, "%s with a sub-query is not supported: use toscalar(... | summarize make_set(...))", name)
				}
				out = append(out, a)
				continue
			}
			if a.konst && a.t == TypeDynamic {
				if arr, ok := a.val.([]any); ok {
					for _, v := range arr {
						e, err := c.listElem(n, x, constOf(c, v))
						if err != nil {
							return nil, 0, err
						}
						out = append(out, e)
					}
					continue
				}
			}
			if a.t == TypeDynamic {
				// A list known only when the query runs.
				out = append(out, a)
				continue
			}
			e, err := c.listElem(n, x, a)
			if err != nil {
				return nil, 0, err
			}
			out = append(out, e)
		}
		if out[0].t == TypeDynamic && !stringsOnly {
			var err error
			if out[0], err = c.toStringExpr(n, out[0]); err != nil {
				return nil, 0, err
			}
		}
		return out, TypeBool, nil
	}}
}

// listElem converts a list element to x's type.
func (c *compiler) listElem(n Node, x, e texpr) (texpr, error) {
	switch {
	case x.t == TypeString || x.t == TypeDynamic:
		return c.toStringExpr(n, e)
	case x.t == e.t:
		return e, nil
	case x.t.numeric() && e.t.numeric(), e.t == TypeUnknown:
		return c.convert(n, e, x.t)
	case x.t == TypeDatetime && e.t == TypeString && e.konst:
		return c.apply(n, "todatetime", []texpr{e})
	case (x.t.numeric() || x.t == TypeTimespan || x.t == TypeBool) && e.t == TypeString:
		_, e, _, err := c.unify(n, x, e)
		return e, err
	}
	return texpr{}, c.errf(n, "list element of type %s does not match %s", e.t, x.t)
}

// constOf makes a constant of a JSON-like value.
func constOf(c *compiler, v any) texpr {
	switch v := v.(type) {
	case nil:
		return c.konst(nil, TypeUnknown)
	case string:
		return c.konst(v, TypeString)
	case int64:
		return c.konst(v, TypeLong)
	case float64:
		return c.konst(v, TypeReal)
	case bool:
		return c.konst(v, TypeBool)
	}
	return c.konst(v, TypeDynamic)
}

func betweenSpec() fnSpec {
	return fnSpec{min: 3, max: 3, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		x, lo, hi := args[0], args[1], args[2]
		if (x.t == TypeDatetime || x.t == TypeDynamic && lo.t == TypeDatetime) && hi.t == TypeTimespan {
			var err error
			if hi, err = c.apply(n, "+", []texpr{lo, hi}); err != nil {
				return nil, 0, err
			}
		}
		x1, lo, t, err := c.unify(n, x, lo)
		if err != nil {
			return nil, 0, err
		}
		x2, hi, _, err := c.unify(n, x1, hi)
		if err != nil {
			return nil, 0, err
		}
		if !t.orderable() {
			return nil, 0, c.errf(n, "between does not apply to %s", t)
		}
		lo, _ = c.convert(n, lo, x2.t)
		return []texpr{x2, lo, hi}, TypeBool, nil
	}}
}

// iffSpec is iff(cond, then, else).
var iffSpec = fnSpec{min: 3, max: 3, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
	cond, err := c.coerce(n, name, 0, args[0], kBool)
	if err != nil {
		return nil, 0, err
	}
	a, b, t, err := c.unify(n, args[1], args[2])
	if err != nil {
		return nil, 0, c.errf(n, "the branches of %s have different types: %s and %s", name, args[1].t, args[2].t)
	}
	return []texpr{cond, a, b}, t, nil
}}

// caseSpec is case(c1, v1, c2, v2, ..., else).
var caseSpec = fnSpec{min: 3, max: -1, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
	if len(args)%2 == 0 {
		return nil, 0, c.errf(n, "case takes pairs of condition and value, then an else value")
	}
	out := make([]texpr, len(args))
	t := args[len(args)-1].t
	for i := 1; i < len(args); i += 2 {
		if t == TypeUnknown {
			t = args[i].t
		} else if args[i].t != t && args[i].t != TypeUnknown {
			if t.numeric() && args[i].t.numeric() {
				t = promote(t, args[i].t)
			} else if args[i].t == TypeDynamic || t == TypeDynamic {
				t = TypeDynamic
			} else {
				return nil, 0, c.errf(n, "the values of case have different types: %s and %s", t, args[i].t)
			}
		}
	}
	for i, a := range args {
		var err error
		if i%2 == 0 && i < len(args)-1 {
			out[i], err = c.coerce(n, name, i, a, kBool)
		} else {
			out[i], err = c.convert(n, a, t)
		}
		if err != nil {
			return nil, 0, err
		}
	}
	return out, t, nil
}}

// coalesceSpec takes values of one type.
var coalesceSpec = fnSpec{min: 1, max: -1, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
	t := TypeUnknown
	for _, a := range args {
		switch {
		case t == TypeUnknown:
			t = a.t
		case a.t == TypeUnknown || a.t == t:
		case t.numeric() && a.t.numeric():
			t = promote(t, a.t)
		case t == TypeDynamic || a.t == TypeDynamic:
			t = TypeDynamic
		default:
			return nil, 0, c.errf(n, "the arguments of %s have different types: %s and %s", name, t, a.t)
		}
	}
	out := make([]texpr, len(args))
	for i, a := range args {
		var err error
		if out[i], err = c.convert(n, a, t); err != nil {
			return nil, 0, err
		}
	}
	return out, t, nil
}}

// minMaxOfSpec is max_of / min_of.
var minMaxOfSpec = coalesceSpec

// typedConvSpec is a to<type>() conversion, or extract(..., typeof(T)).
func convSpec(t Type) fnSpec {
	s := sig(t, kAny)
	s.fold = func(c *compiler, v []any, args []texpr) (any, bool) { return foldCast(v[0], args[0].t, t) }
	return s
}

// extractSpec is extract(regex, group, text [, typeof(T)]).
var extractSpec = fnSpec{min: 3, max: 4, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
	out := make([]texpr, len(args))
	kinds := []pk{kStr, kLong, kStr, kType}
	for i, a := range args {
		v, err := c.coerce(n, name, i, a, kinds[i])
		if err != nil {
			return nil, 0, err
		}
		out[i] = v
	}
	t := TypeString
	if len(args) == 4 {
		t = Type(out[3].val.(typeArg))
		out = out[:3]
	}
	return out, t, nil
}}

// bagSpec is pack(k1, v1, ...): constant string keys, any values.
var packSpec = fnSpec{min: 0, max: -1, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
	if len(args)%2 != 0 {
		return nil, 0, c.errf(n, "%s takes pairs of key and value", name)
	}
	out := make([]texpr, len(args))
	for i, a := range args {
		if i%2 == 0 {
			v, err := c.coerce(n, name, i, a, kStr)
			if err != nil {
				return nil, 0, err
			}
			out[i] = v
			continue
		}
		out[i] = a
	}
	return out, TypeDynamic, nil
}}

// datetimePartSpec takes a constant part name first.
func partSpec(ret Type, kinds ...pk) fnSpec {
	s := sig(ret, kinds...)
	inner := s.check
	s.check = func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		out, t, err := inner(c, n, name, args)
		if err != nil {
			return nil, 0, err
		}
		part, _ := out[0].val.(string)
		if _, ok := datetimeParts[strings.ToLower(part)]; !ok {
			return nil, 0, c.errf(n, "%s: unknown part %q (use year, quarter, month, week, day, hour, minute, second, millisecond, microsecond or nanosecond)", name, part)
		}
		return out, t, nil
	}
	return s
}

// datetimeParts are the parts datetime_diff, datetime_add and
// datetime_part accept, with their canonical names.
var datetimeParts = map[string]string{
	"year": "year", "quarter": "quarter", "month": "month", "week": "week", "weekofyear": "week", "day": "day", "dayofyear": "dayofyear",
	"hour": "hour", "minute": "minute", "second": "second", "millisecond": "millisecond", "microsecond": "microsecond",
	"nanosecond": "nanosecond",
}

// formatDatetimeSpec checks that the format is a constant.
var formatDatetimeSpec = sig(TypeString, kDt, kConstStr)

// scalarFuncs is every scalar function and operator the engine compiles.
var scalarFuncs = map[string]fnSpec{}

// init fills scalarFuncs, a constant table after start-up (a variable
// initializer cannot refer to the table its entries' checks use).
func init() {
	register(scalarFuncs)
}

// register fills the function table.
func register(m map[string]fnSpec) {
	registerGoFuncs(m)
	for _, op := range []string{"==", "!="} {
		m[op] = compareSpec(op, false)
	}
	for _, op := range []string{"<", "<=", ">", ">="} {
		m[op] = compareSpec(op, true)
	}
	for _, op := range []string{"+", "-", "*", "/", "%"} {
		m[op] = fnSpec{min: 2, max: 2, check: arith, fold: foldArithmetic(op)}
	}
	m["unary-"] = fnSpec{min: 1, max: 1, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		a := args[0]
		if a.t == TypeDynamic {
			a, _ = c.convert(n, a, TypeReal)
		}
		if !a.t.numeric() && a.t != TypeTimespan {
			return nil, 0, c.errf(n, "unary - needs a number or timespan, not %s", a.t)
		}
		return []texpr{a}, a.t, nil
	}, fold: func(c *compiler, v []any, args []texpr) (any, bool) {
		switch x := v[0].(type) {
		case int64:
			return -x, true
		case float64:
			return -x, true
		case time.Duration:
			return -x, true
		}
		return nil, false
	}}
	m["and"] = sig(TypeBool, kBool, kBool).withFold(func(c *compiler, v []any, _ []texpr) (any, bool) {
		a, ok1 := v[0].(bool)
		b, ok2 := v[1].(bool)
		return a && b, ok1 && ok2
	})
	m["or"] = sig(TypeBool, kBool, kBool).withFold(func(c *compiler, v []any, _ []texpr) (any, bool) {
		a, ok1 := v[0].(bool)
		b, ok2 := v[1].(bool)
		return a || b, ok1 && ok2
	})
	for _, op := range []string{"=~", "!~", "has", "!has", "has_cs", "!has_cs", "hasprefix", "!hasprefix", "hasprefix_cs",
		"!hasprefix_cs", "hassuffix", "!hassuffix", "hassuffix_cs", "!hassuffix_cs", "contains", "!contains", "contains_cs",
		"!contains_cs", "startswith", "!startswith", "startswith_cs", "!startswith_cs", "endswith", "!endswith", "endswith_cs",
		"!endswith_cs", "matches regex", "like", "notlike", "likecs", "notlikecs"} {
		m[op] = stringOpSpec
	}
	for _, op := range []string{"in", "!in", "in~", "!in~"} {
		m[op] = listSpec(false)
	}
	m["has_any"] = listSpec(true)
	m["has_all"] = listSpec(true)
	m["between"] = betweenSpec()
	m["!between"] = betweenSpec()
	m["cast"] = sig(TypeUnknown, kAny)

	// Conversions.
	m["tostring"] = sig(TypeString, kAny).withFold(func(c *compiler, v []any, args []texpr) (any, bool) {
		return foldCast(v[0], args[0].t, TypeString)
	})
	for _, n := range []string{"tolong", "toint", "toreal", "todouble", "todecimal", "tobool", "toboolean", "todatetime", "totimespan", "totime", "toguid"} {
		t := map[string]Type{"tolong": TypeLong, "toint": TypeInt, "toreal": TypeReal, "todouble": TypeReal, "todecimal": TypeReal,
			"tobool": TypeBool, "toboolean": TypeBool, "todatetime": TypeDatetime, "totimespan": TypeTimespan, "totime": TypeTimespan, "toguid": TypeGuid}[n]
		m[n] = convSpec(t)
	}
	for _, n := range []string{"todynamic", "toobject", "parse_json", "parsejson"} {
		m[n] = sig(TypeDynamic, kAny).withFold(func(c *compiler, v []any, args []texpr) (any, bool) {
			s, ok := v[0].(string)
			if !ok || args[0].t != TypeString {
				return nil, false
			}
			return parseJSONValue(s), true
		})
	}
	m["tohex"] = sigN(1, 2, TypeString, kLong, kLong)

	// Null and emptiness.
	m["isempty"] = sig(TypeBool, kAny)
	m["isnotempty"] = sig(TypeBool, kAny)
	m["isnull"] = sig(TypeBool, kAny)
	m["isnotnull"] = sig(TypeBool, kAny)
	m["not"] = sig(TypeBool, kBool)
	m["iff"] = iffSpec
	m["iif"] = iffSpec
	m["case"] = caseSpec
	m["coalesce"] = coalesceSpec
	m["max_of"] = minMaxOfSpec
	m["min_of"] = minMaxOfSpec
	m["isnan"] = sig(TypeBool, kReal)
	m["isinf"] = sig(TypeBool, kReal)
	m["isfinite"] = sig(TypeBool, kReal)

	// Strings.
	m["strlen"] = sig(TypeLong, kStr)
	m["string_size"] = sig(TypeLong, kStr)
	m["tolower"] = sig(TypeString, kStr).withFold(foldString(strings.ToLower))
	m["toupper"] = sig(TypeString, kStr).withFold(foldString(strings.ToUpper))
	m["strcat"] = sigN(1, 64, TypeString, kStr).withFold(func(c *compiler, v []any, _ []texpr) (any, bool) {
		var b strings.Builder
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			b.WriteString(s)
		}
		return b.String(), true
	})
	m["strcat_delim"] = sigN(2, 64, TypeString, kStr)
	m["strcat_array"] = sig(TypeString, kDyn, kStr)
	m["substring"] = sigN(2, 3, TypeString, kStr, kLong, kLong)
	m["indexof"] = sigN(2, 5, TypeLong, kStr, kStr, kLong, kLong, kLong)
	m["split"] = sigN(2, 3, TypeDynamic, kStr, kStr, kLong)
	m["extract"] = extractSpec
	m["extract_all"] = sigN(2, 3, TypeDynamic, kStr, kAny, kStr)
	m["extractjson"] = sigN(2, 3, TypeString, kStr, kStr, kType)
	m["extract_json"] = m["extractjson"]
	m["replace_string"] = sig(TypeString, kStr, kStr, kStr)
	m["replace_strings"] = sig(TypeString, kStr, kDyn, kDyn)
	m["replace_regex"] = sig(TypeString, kStr, kStr, kStr)
	m["replace"] = sig(TypeString, kStr, kStr, kStr)
	m["trim"] = sig(TypeString, kStr, kStr)
	m["trim_start"] = sig(TypeString, kStr, kStr)
	m["trim_end"] = sig(TypeString, kStr, kStr)
	m["reverse"] = sig(TypeString, kStr)
	m["countof"] = sigN(2, 3, TypeLong, kStr, kStr, kConstStr)
	m["strrep"] = sigN(2, 3, TypeString, kStr, kLong, kStr)
	m["translate"] = sig(TypeString, kStr, kStr, kStr)
	m["strcmp"] = sig(TypeInt, kStr, kStr)
	m["url_decode"] = sig(TypeString, kStr)
	m["url_encode"] = sig(TypeString, kStr)
	m["url_encode_component"] = sig(TypeString, kStr)
	m["base64_decode_tostring"] = sig(TypeString, kStr)
	m["base64_decodestring"] = sig(TypeString, kStr)
	m["base64_encode_tostring"] = sig(TypeString, kStr)
	m["base64_encodestring"] = sig(TypeString, kStr)
	m["hash_sha256"] = sig(TypeString, kStr)
	m["hash_sha1"] = sig(TypeString, kStr)
	m["hash_md5"] = sig(TypeString, kStr)
	m["hash"] = sigN(1, 2, TypeLong, kAny, kLong)
	m["isascii"] = sig(TypeBool, kStr)
	m["isutf8"] = sig(TypeBool, kStr)
	m["parse_url"] = sig(TypeDynamic, kStr)
	m["parse_urlquery"] = sig(TypeDynamic, kStr)
	m["parse_path"] = sig(TypeDynamic, kStr)
	m["parse_csv"] = sig(TypeDynamic, kStr)
	m["parse_command_line"] = sig(TypeDynamic, kStr, kConstStr)
	m["new_guid"] = sig(TypeGuid)
	m["gettype"] = sig(TypeString, kAny)

	// Dynamic values.
	m["array_length"] = sig(TypeLong, kDyn)
	m["arraylength"] = m["array_length"]
	m["array_concat"] = sigN(1, 16, TypeDynamic, kDyn)
	m["array_slice"] = sig(TypeDynamic, kDyn, kLong, kLong)
	m["array_index_of"] = sig(TypeLong, kDyn, kAny)
	m["array_sort_asc"] = sig(TypeDynamic, kDyn)
	m["array_sort_desc"] = sig(TypeDynamic, kDyn)
	m["array_reverse"] = sig(TypeDynamic, kDyn)
	m["array_sum"] = sig(TypeReal, kDyn)
	m["array_strcat"] = sig(TypeString, kDyn, kStr)
	m["pack"] = packSpec
	m["pack_dictionary"] = packSpec
	m["bag_pack"] = packSpec
	m["pack_array"] = sigN(0, -1, TypeDynamic, kAny)
	m["bag_keys"] = sig(TypeDynamic, kDyn)
	m["bag_has_key"] = sig(TypeBool, kDyn, kStr)
	m["bag_merge"] = sigN(2, 16, TypeDynamic, kDyn)
	m["bag_remove_keys"] = sig(TypeDynamic, kDyn, kDyn)
	m["set_has_element"] = sig(TypeBool, kDyn, kAny)
	m["set_union"] = sigN(2, 16, TypeDynamic, kDyn)
	m["set_intersect"] = sigN(2, 16, TypeDynamic, kDyn)
	m["set_difference"] = sigN(2, 16, TypeDynamic, kDyn)
	m["jpath"] = sig(TypeDynamic, kDyn, kStr)
	m["jindex"] = sig(TypeDynamic, kDyn, kAny)
	m["zip"] = sigN(2, 16, TypeDynamic, kDyn)
	m["range"] = fnSpec{min: 2, max: 3, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		from, to, t, err := c.unify(n, args[0], args[1])
		if err != nil {
			return nil, 0, err
		}
		step := c.konst(int64(1), TypeLong)
		if t == TypeDatetime || t == TypeTimespan {
			step = c.konst(time.Hour, TypeTimespan)
		}
		if len(args) == 3 {
			step = args[2]
		}
		if t.numeric() {
			if step, err = c.convert(n, step, t); err != nil {
				return nil, 0, err
			}
		} else if step.t != TypeTimespan {
			return nil, 0, c.errf(n, "the step of a %s range must be a timespan", t)
		}
		return []texpr{from, to, step}, TypeDynamic, nil
	}}
	m["indexof_regex"] = sigN(2, 2, TypeLong, kStr, kStr)
	m["base64_decode_toarray"] = sig(TypeDynamic, kStr)
	m["has_any_ipv4_prefix"] = sigN(2, -1, TypeBool, kStr, kAny)
	m["has_ipv4_prefix"] = sig(TypeBool, kStr, kStr)

	// Date and time.
	m["now"] = sigN(0, 1, TypeDatetime, kTs).withFold(func(c *compiler, v []any, _ []texpr) (any, bool) {
		if len(v) == 1 {
			d, ok := v[0].(time.Duration)
			return c.now.Add(d), ok
		}
		return c.now, true
	})
	m["ago"] = sig(TypeDatetime, kTs).withFold(func(c *compiler, v []any, _ []texpr) (any, bool) {
		d, ok := v[0].(time.Duration)
		return c.now.Add(-d), ok
	})
	for _, n := range []string{"startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek", "endofmonth", "endofyear"} {
		m[n] = sigN(1, 2, TypeDatetime, kDt, kLong).withFold(foldPeriod(n))
	}
	m["bin"] = fnSpec{min: 2, max: 2, check: binCheck, fold: foldBin}
	m["floor"] = fnSpec{min: 1, max: 2, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		if len(args) == 1 {
			a, err := c.coerce(n, name, 0, args[0], kNum)
			return []texpr{a}, a.t, err
		}
		return binCheck(c, n, name, args)
	}}
	m["bin_at"] = fnSpec{min: 3, max: 3, check: func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		out, t, err := binCheck(c, n, name, args[:2])
		if err != nil {
			return nil, 0, err
		}
		at, err := c.convert(n, args[2], t)
		return append(out, at), t, err
	}}
	m["datetime_diff"] = partSpec(TypeLong, kConstStr, kDt, kDt)
	m["datetime_add"] = partSpec(TypeDatetime, kConstStr, kLong, kDt)
	m["datetime_part"] = partSpec(TypeInt, kConstStr, kDt)
	m["format_datetime"] = formatDatetimeSpec
	m["format_timespan"] = sig(TypeString, kTs, kConstStr)
	m["dayofweek"] = sig(TypeTimespan, kDt)
	m["dayofmonth"] = sig(TypeInt, kDt)
	m["dayofyear"] = sig(TypeInt, kDt)
	m["hourofday"] = sig(TypeInt, kDt)
	m["getmonth"] = sig(TypeInt, kDt)
	m["monthofyear"] = sig(TypeInt, kDt)
	m["getyear"] = sig(TypeInt, kDt)
	m["week_of_year"] = sig(TypeInt, kDt)
	m["weekofyear"] = sig(TypeInt, kDt)
	m["make_datetime"] = sigN(3, 7, TypeDatetime, kLong, kLong, kLong, kLong, kLong, kReal)
	m["make_timespan"] = sigN(2, 5, TypeTimespan, kLong, kLong, kLong, kReal)
	m["unixtime_seconds_todatetime"] = sig(TypeDatetime, kReal)
	m["unixtime_milliseconds_todatetime"] = sig(TypeDatetime, kReal)
	m["unixtime_microseconds_todatetime"] = sig(TypeDatetime, kReal)
	m["unixtime_nanoseconds_todatetime"] = sig(TypeDatetime, kReal)
	m["datetime_utc_to_local"] = sig(TypeDatetime, kDt, kConstStr)

	// Numbers.
	m["abs"] = sig(TypeUnknown, kNum)
	m["round"] = sigN(1, 2, TypeUnknown, kNum, kLong)
	m["ceiling"] = sig(TypeUnknown, kNum)
	m["sqrt"] = sig(TypeReal, kReal)
	m["pow"] = sig(TypeReal, kReal, kReal)
	m["log"] = sig(TypeReal, kReal)
	m["log10"] = sig(TypeReal, kReal)
	m["log2"] = sig(TypeReal, kReal)
	m["exp"] = sig(TypeReal, kReal)
	m["exp10"] = sig(TypeReal, kReal)
	m["exp2"] = sig(TypeReal, kReal)
	m["sign"] = sig(TypeUnknown, kNum)
	m["rand"] = sigN(0, 1, TypeReal, kLong)
	m["binary_and"] = sig(TypeLong, kLong, kLong)
	m["binary_or"] = sig(TypeLong, kLong, kLong)
	m["binary_xor"] = sig(TypeLong, kLong, kLong)
	m["binary_not"] = sig(TypeLong, kLong)
	m["binary_shift_left"] = sig(TypeLong, kLong, kLong)
	m["binary_shift_right"] = sig(TypeLong, kLong, kLong)

	// IP addresses.
	m["ipv4_is_private"] = sig(TypeBool, kStr)
	m["ipv4_is_match"] = sigN(2, 3, TypeBool, kStr, kStr, kLong)
	m["ipv4_compare"] = sigN(2, 3, TypeLong, kStr, kStr, kLong)
	m["ipv4_is_in_range"] = sig(TypeBool, kStr, kStr)
	m["ipv4_is_in_any_range"] = sigN(2, -1, TypeBool, kStr, kAny)
	m["parse_ipv4"] = sig(TypeLong, kStr)
	m["format_ipv4"] = sigN(1, 2, TypeString, kAny, kLong)
	m["has_ipv4"] = sig(TypeBool, kStr, kStr)
	m["has_any_ipv4"] = sigN(2, -1, TypeBool, kStr, kAny)

	// Window functions over ordered rows (the compiler appends the order).
	m["row_number"] = fnSpec{min: 1, max: 3, win: true, check: windowCheck(TypeLong)}
	m["prev"] = fnSpec{min: 2, max: 4, win: true, check: windowCheck(TypeUnknown)}
	m["next"] = fnSpec{min: 2, max: 4, win: true, check: windowCheck(TypeUnknown)}
	m["row_cumsum"] = fnSpec{min: 2, max: 3, win: true, check: windowCheck(TypeUnknown)}
	m["row_rank_dense"] = fnSpec{min: 2, max: 2, win: true, check: windowCheck(TypeLong)}
	m["row_rank_min"] = fnSpec{min: 2, max: 2, win: true, check: windowCheck(TypeLong)}
}

// windowCheck accepts the arguments as they are (the last is the order).
func windowCheck(ret Type) func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
	return func(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
		t := ret
		if t == TypeUnknown {
			t = args[0].t
		}
		if (name == "prev" || name == "next") && len(args) >= 3 {
			off, err := c.coerce(n, name, 1, args[1], kLong)
			if err != nil {
				return nil, 0, err
			}
			args[1] = off
		}
		if (name == "prev" || name == "next") && len(args) == 4 {
			d, err := c.convert(n, args[2], t)
			if err != nil {
				return nil, 0, err
			}
			args[2] = d
		}
		return args, t, nil
	}
}

// unsupportedFuncs are known KQL functions this engine does not compile,
// with why.
var unsupportedFuncs = map[string]string{
	"ingestion_time":           "events have no ingestion time column here; use the view's own time columns",
	"row_window_session":       "session windows are not implemented",
	"ipv4_lookup":              "lookup plugins are not implemented",
	"geo_info_from_ip_address": "use the GeoIP fields the pipeline adds to events",
	"cluster":                  "cross-cluster queries are not possible",
	"database":                 "cross-database queries are not possible",
	"_GetWatchlist":            "watchlists are not implemented",
}

func binCheck(c *compiler, n Node, name string, args []texpr) ([]texpr, Type, error) {
	v, size := args[0], args[1]
	switch {
	case v.t == TypeDatetime || v.t == TypeDynamic && size.t == TypeTimespan:
		v, err := c.coerce(n, name, 0, v, kDt)
		if err != nil {
			return nil, 0, err
		}
		size, err := c.coerce(n, name, 1, size, kTs)
		return []texpr{v, size}, TypeDatetime, err
	case v.t == TypeTimespan:
		size, err := c.coerce(n, name, 1, size, kTs)
		return []texpr{v, size}, TypeTimespan, err
	case v.t.numeric() || v.t == TypeDynamic || v.t == TypeUnknown:
		v, err := c.coerce(n, name, 0, v, kNum)
		if err != nil {
			return nil, 0, err
		}
		size, err := c.coerce(n, name, 1, size, kNum)
		if err != nil {
			return nil, 0, err
		}
		t := promote(v.t, size.t)
		v, _ = c.convert(n, v, t)
		size, _ = c.convert(n, size, t)
		return []texpr{v, size}, t, nil
	}
	return nil, 0, c.errf(n, "%s does not apply to %s", name, v.t)
}

// ticks0001 is the number of 100 ns ticks from 0001-01-01 to 1970-01-01:
// Kusto's bins are aligned to 0001-01-01.
const ticks0001 = 621355968000000000

func foldBin(c *compiler, v []any, args []texpr) (any, bool) {
	switch x := v[0].(type) {
	case time.Time:
		size, ok := v[1].(time.Duration)
		if !ok || size <= 0 {
			return nil, false
		}
		st := int64(size / 100)
		ticks := x.UnixNano()/100 + ticks0001
		ticks = ticks / st * st
		return time.Unix(0, (ticks-ticks0001)*100).UTC(), true
	case int64:
		size, ok := v[1].(int64)
		if !ok || size <= 0 {
			return nil, false
		}
		return int64(math.Floor(float64(x)/float64(size))) * size, true
	}
	return nil, false
}

func foldString(f func(string) string) func(c *compiler, v []any, _ []texpr) (any, bool) {
	return func(c *compiler, v []any, _ []texpr) (any, bool) {
		s, ok := v[0].(string)
		return f(s), ok
	}
}

// foldPeriod computes startofday(x) and the like on constants.
func foldPeriod(name string) func(c *compiler, v []any, _ []texpr) (any, bool) {
	return func(c *compiler, v []any, _ []texpr) (any, bool) {
		t, ok := v[0].(time.Time)
		if !ok {
			return nil, false
		}
		var off int64
		if len(v) == 2 {
			if off, ok = v[1].(int64); !ok {
				return nil, false
			}
		}
		t = t.UTC()
		y, mo, d := t.Date()
		var start time.Time
		var next func(time.Time) time.Time
		switch strings.TrimPrefix(strings.TrimPrefix(name, "startof"), "endof") {
		case "day":
			start = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(off))
			next = func(s time.Time) time.Time { return s.AddDate(0, 0, 1) }
		case "week":
			start = time.Date(y, mo, d-int(t.Weekday()), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*int(off))
			next = func(s time.Time) time.Time { return s.AddDate(0, 0, 7) }
		case "month":
			start = time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC).AddDate(0, int(off), 0)
			next = func(s time.Time) time.Time { return s.AddDate(0, 1, 0) }
		case "year":
			start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(int(off), 0, 0)
			next = func(s time.Time) time.Time { return s.AddDate(1, 0, 0) }
		}
		if strings.HasPrefix(name, "end") {
			return next(start).Add(-time.Microsecond), true
		}
		return start, true
	}
}

func foldArithmetic(op string) func(c *compiler, v []any, args []texpr) (any, bool) {
	return func(c *compiler, v []any, args []texpr) (any, bool) {
		switch a := v[0].(type) {
		case int64:
			b, ok := v[1].(int64)
			if !ok {
				return nil, false
			}
			switch op {
			case "+":
				return a + b, true
			case "-":
				return a - b, true
			case "*":
				return a * b, true
			case "/":
				if b == 0 {
					return nil, false
				}
				return a / b, true
			case "%":
				if b == 0 {
					return nil, false
				}
				return a % b, true
			}
		case float64:
			b, ok := v[1].(float64)
			if !ok {
				return nil, false
			}
			switch op {
			case "+":
				return a + b, true
			case "-":
				return a - b, true
			case "*":
				return a * b, true
			case "/":
				return a / b, true
			}
		case time.Time:
			switch b := v[1].(type) {
			case time.Duration:
				if op == "+" {
					return a.Add(b), true
				}
				if op == "-" {
					return a.Add(-b), true
				}
			case time.Time:
				if op == "-" {
					return a.Sub(b), true
				}
			}
		case time.Duration:
			switch b := v[1].(type) {
			case time.Duration:
				switch op {
				case "+":
					return a + b, true
				case "-":
					return a - b, true
				case "/":
					if b == 0 {
						return nil, false
					}
					return float64(a) / float64(b), true
				}
			case int64:
				switch op {
				case "*":
					return a * time.Duration(b), true
				case "/":
					if b == 0 {
						return nil, false
					}
					return a / time.Duration(b), true
				}
			case float64:
				switch op {
				case "*":
					return time.Duration(math.Round(float64(a) * b)), true
				case "/":
					if b == 0 {
						return nil, false
					}
					return time.Duration(math.Round(float64(a) / b)), true
				}
			}
		}
		return nil, false
	}
}

// foldCast converts a constant between types where the result is certain.
func foldCast(v any, from, to Type) (any, bool) {
	if v == nil {
		return nil, true
	}
	switch to {
	case TypeString:
		switch x := v.(type) {
		case string:
			return x, true
		case int64:
			return strconv.FormatInt(x, 10), true
		case bool:
			return strconv.FormatBool(x), true
		case time.Time:
			return formatDatetime(x), true
		case time.Duration:
			return formatTimespan(int64(x / 100)), true
		}
	case TypeLong, TypeInt:
		switch x := v.(type) {
		case int64:
			return x, true
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, false
			}
			return int64(x), true
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, true
			}
		}
	case TypeReal, TypeDecimal:
		switch x := v.(type) {
		case int64:
			return float64(x), true
		case float64:
			return x, true
		case string:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
				return f, true
			}
		}
	case TypeDatetime:
		switch x := v.(type) {
		case time.Time:
			return x, true
		case string:
			if t, err := parseDatetimeText(x); err == nil {
				return t, true
			}
		}
	case TypeTimespan:
		switch x := v.(type) {
		case time.Duration:
			return x, true
		case string:
			if d, err := parseTimespanText(x); err == nil {
				return d, true
			}
		}
	case TypeBool:
		if b, ok := v.(bool); ok {
			return b, true
		}
	case TypeDynamic:
		switch x := v.(type) {
		case string, int64, float64, bool, []any, map[string]any:
			if from == TypeString {
				return x, true
			}
			return x, from == TypeDynamic || from == TypeLong || from == TypeReal || from == TypeBool
		}
	case TypeGuid:
		if s, ok := v.(string); ok {
			if g, ok := parseGuidText(s); ok {
				return g, true
			}
		}
	}
	return nil, false
}

// formatDatetime writes a datetime as Kusto does:
// 2021-03-04T05:06:07.1234567Z, without a fraction when it is zero.
func formatDatetime(t time.Time) string {
	t = t.UTC()
	s := t.Format("2006-01-02T15:04:05")
	if ns := t.Nanosecond(); ns != 0 {
		s += fmt.Sprintf(".%07d", ns/100)
	}
	return s + "Z"
}

// formatTimespan writes ticks as Kusto does: [-][d.]hh:mm:ss[.fffffff].
func formatTimespan(ticks int64) string {
	var b strings.Builder
	if ticks < 0 {
		b.WriteByte('-')
		ticks = -ticks
	}
	const tps = 10_000_000
	days := ticks / (86400 * tps)
	rest := ticks % (86400 * tps)
	if days > 0 {
		fmt.Fprintf(&b, "%d.", days)
	}
	fmt.Fprintf(&b, "%02d:%02d:%02d", rest/(3600*tps), rest/(60*tps)%60, rest/tps%60)
	if f := rest % tps; f != 0 {
		fmt.Fprintf(&b, ".%07d", f)
	}
	return b.String()
}

// parseJSONValue is parse_json on a constant: the decoded JSON, or the
// string itself when it is not JSON.
func parseJSONValue(s string) any {
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return s
	}
	return v
}

// kqlFormatToken translates a format_datetime format into strftime.
var kqlFormatRe = regexp.MustCompile(`yyyy|yy|MM|M|dd|d|HH|H|hh|h|mm|m|ss|s|fffffff|ffffff|fffff|ffff|fff|ff|f|FFFFFFF|FFFFFF|FFFFF|FFFF|FFF|FF|F|tt`)

// strftimeFormat translates a Kusto datetime format to strftime.
func strftimeFormat(f string) (string, error) {
	var b strings.Builder
	last := 0
	for _, m := range kqlFormatRe.FindAllStringIndex(f, -1) {
		lit := f[last:m[0]]
		if err := checkFormatLiteral(lit); err != nil {
			return "", err
		}
		b.WriteString(strings.ReplaceAll(lit, "%", "%%"))
		tok := f[m[0]:m[1]]
		switch tok {
		case "yyyy":
			b.WriteString("%Y")
		case "yy":
			b.WriteString("%y")
		case "MM":
			b.WriteString("%m")
		case "M":
			b.WriteString("%-m")
		case "dd":
			b.WriteString("%d")
		case "d":
			b.WriteString("%-d")
		case "HH":
			b.WriteString("%H")
		case "H":
			b.WriteString("%-H")
		case "hh":
			b.WriteString("%I")
		case "h":
			b.WriteString("%-I")
		case "mm":
			b.WriteString("%M")
		case "m":
			b.WriteString("%-M")
		case "ss":
			b.WriteString("%S")
		case "s":
			b.WriteString("%-S")
		case "tt":
			b.WriteString("%p")
		case "fff", "FFF":
			b.WriteString("%g")
		case "ffffff", "FFFFFF", "fffffff", "FFFFFFF":
			b.WriteString("%f")
		default:
			return "", fmt.Errorf("format_datetime: fraction %q is not supported (use fff or ffffff)", tok)
		}
		last = m[1]
	}
	if err := checkFormatLiteral(f[last:]); err != nil {
		return "", err
	}
	b.WriteString(strings.ReplaceAll(f[last:], "%", "%%"))
	return b.String(), nil
}

func checkFormatLiteral(s string) error {
	for _, r := range s {
		if !strings.ContainsRune(" /-:,._[]T", r) {
			return fmt.Errorf("format_datetime: unexpected %q in the format", r)
		}
	}
	return nil
}
