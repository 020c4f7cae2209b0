package kql

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// texpr is a compiled scalar expression.
type texpr struct {
	sql   string
	t     Type
	konst bool // a compile-time constant, whose value is val
	val   any
	agg   bool // contains an aggregate
	win   bool // contains a window function
	name  string
	// col is the column a plain column reference names.
	col  string
	time bool // a reference to a hint-able time column
	// ranges are time ranges a boolean expression implies for the time
	// column (the conjuncts of a where).
	ranges []timeRange
	// src is the table column a plain column reference names (see
	// col.src); terms are the term hints a boolean expression implies.
	src   string
	terms []TermHint
	// JSON access path: root SQL and path elements, for x.a.b[0].
	jroot *texpr
	jpath []any // string keys and int64 indexes
	// tab is the relation of an in (sub-query) list element.
	tab *rel
	// multi is set on a call of a function that returns several columns
	// (multiOutputs): its name, and the prefix of its default names.
	multi, multiPrefix string
}

type timeRange struct{ from, to time.Time }

func (e texpr) arg() Arg { return Arg{SQL: e.sql, Type: e.t, Const: e.konst, Value: e.val} }

// rowCtx is what names mean where a scalar expression is compiled.
type rowCtx struct {
	sc    *scope
	cols  []pcol // visible columns, as SQL over the current FROM
	label string // where the columns come from, for messages
	open  bool
	// $left / $right in join conditions.
	left, right []pcol
	// aggOK: an aggregation (summarize); inAgg: inside an aggregate call.
	aggOK, inAgg bool
	// ord is the SQL of the row order, for window functions.
	ord string
	// tableCols lets column_ifexists look up names without failing.
	noCols bool
}

func (ctx *rowCtx) lookup(name string) (pcol, bool) {
	for i := len(ctx.cols) - 1; i >= 0; i-- {
		if ctx.cols[i].name == name {
			return ctx.cols[i], true
		}
	}
	return pcol{}, false
}

func (ctx *rowCtx) colNames() []string {
	out := make([]string, len(ctx.cols))
	for i, p := range ctx.cols {
		out[i] = p.name
	}
	return out
}

// konst makes a constant expression of type t.
func (c *compiler) konst(v any, t Type) texpr {
	if v == nil {
		return texpr{sql: c.d.Null(t), t: t, konst: true}
	}
	return texpr{sql: c.Bind(bindValue(v, t), t), t: t, konst: true, val: v}
}

// bindValue converts a constant to what the driver binds.
func bindValue(v any, t Type) any {
	switch t {
	case TypeTimespan:
		if d, ok := v.(time.Duration); ok {
			return int64(d / 100)
		}
	case TypeDynamic:
		b, err := json.Marshal(v)
		if err != nil {
			return "null"
		}
		return string(b)
	case TypeInt:
		if n, ok := v.(int64); ok {
			return int32(n)
		}
	}
	return v
}

func (c *compiler) literal(l *Literal) (texpr, error) {
	if l.Err != "" {
		return texpr{}, c.errf(l, "%s", l.Err)
	}
	var t Type
	var v any
	switch l.Kind {
	case LitString:
		t, v = TypeString, l.Str
	case LitBool:
		t, v = TypeBool, l.Bool
	case LitInt:
		t, v = TypeInt, l.Int
	case LitLong:
		t, v = TypeLong, l.Int
	case LitReal:
		t, v = TypeReal, l.Real
	case LitDecimal:
		t, v = TypeDecimal, l.Real
	case LitDatetime:
		t, v = TypeDatetime, l.Time
	case LitTimespan:
		t, v = TypeTimespan, l.Span
	case LitGuid:
		t, v = TypeGuid, l.Str
	case LitNull:
		return c.konst(nil, TypeDynamic), nil
	}
	if l.Null {
		v = nil
	}
	if t == TypeReal && v != nil && (math.IsNaN(l.Real) || math.IsInf(l.Real, 0)) {
		// Bound as text: not every driver binds NaN and infinities.
		e := c.konst(v, t)
		e.sql = c.d.Typed(c.bind(strconv.FormatFloat(l.Real, 'g', -1, 64)), TypeReal)
		return e, nil
	}
	return c.konst(v, t), nil
}

// scalar compiles a scalar expression.
func (c *compiler) scalar(e Expr, ctx *rowCtx) (texpr, error) {
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxExpansion*4 {
		return texpr{}, c.errf(e, "expression is nested too deeply")
	}
	switch e := e.(type) {
	case *Literal:
		return c.literal(e)
	case *DynamicLit:
		v, err := c.dynamicValue(e.Value)
		if err != nil {
			return texpr{}, err
		}
		return c.konst(v, TypeDynamic), nil
	case *ParenExpr:
		if c.isTabular(e.X, ctx.sc) {
			return texpr{}, c.errf(e, "expected a scalar, found a table (use toscalar() for a single value)")
		}
		x, err := c.scalar(e.X, ctx)
		x.name = ""
		if x.col != "" {
			x.name = x.col
		}
		return x, err
	case *Ident:
		return c.name(e, ctx)
	case *BinaryExpr:
		return c.binary(e, ctx)
	case *UnaryExpr:
		x, err := c.scalar(e.X, ctx)
		if err != nil {
			return texpr{}, err
		}
		if e.Op == "+" {
			if !x.t.numeric() && x.t != TypeTimespan {
				return texpr{}, c.errf(e, "unary + needs a number, not %s", x.t)
			}
			return x, nil
		}
		return c.apply(e, "unary-", []texpr{x})
	case *InExpr:
		return c.in(e, ctx)
	case *BetweenExpr:
		return c.between(e, ctx)
	case *CallExpr:
		return c.callExpr(e, ctx)
	case *MemberExpr:
		return c.member(e, ctx)
	case *IndexExpr:
		return c.index(e, ctx)
	case *ToScalarExpr:
		if !c.isTabular(e.X, ctx.sc) {
			// toscalar() of a scalar is the scalar.
			return c.scalar(e.X, &rowCtx{sc: ctx.sc})
		}
		r, err := c.tabular(e.X, ctx.sc)
		if err != nil {
			return texpr{}, err
		}
		if len(r.cols) == 0 {
			return texpr{}, c.errf(e, "toscalar() of a table with no columns")
		}
		r = c.settle(r)
		order := ""
		if r.ord != "" {
			order = " ORDER BY " + c.qi(r.ord)
		}
		sql := "(SELECT " + c.qi(r.cols[0].alias) + " FROM " + r.n.name() + order + " LIMIT 1)"
		return texpr{sql: sql, t: r.cols[0].t}, nil
	case *NamedExpr:
		return texpr{}, c.errf(e, "a name = value assignment is not allowed here")
	case *StarExpr:
		return texpr{}, c.errf(e, "'*' is not allowed here")
	case *TypeOfExpr:
		return texpr{}, c.errf(e, "typeof() is only allowed as a function argument that names a type")
	}
	if c.isTabular(e, ctx.sc) {
		return texpr{}, c.errf(e, "expected a scalar, found a table (use toscalar() for a single value)")
	}
	return texpr{}, c.errf(e, "expected a scalar expression")
}

// dynamicValue turns the inside of dynamic(...) into a JSON-like value.
func (c *compiler) dynamicValue(e Expr) (any, error) {
	switch e := e.(type) {
	case nil:
		return nil, nil
	case *DynArray:
		out := make([]any, 0, len(e.Items))
		for _, it := range e.Items {
			v, err := c.dynamicValue(it)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *DynObject:
		out := make(map[string]any, len(e.Keys))
		for i, k := range e.Keys {
			v, err := c.dynamicValue(e.Values[i])
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case *DynamicLit:
		return c.dynamicValue(e.Value)
	case *Literal:
		if e.Err != "" {
			return nil, c.errf(e, "%s", e.Err)
		}
		if e.Null || e.Kind == LitNull {
			return nil, nil
		}
		switch e.Kind {
		case LitString, LitGuid:
			return e.Str, nil
		case LitBool:
			return e.Bool, nil
		case LitInt, LitLong:
			return e.Int, nil
		case LitReal, LitDecimal:
			if math.IsNaN(e.Real) || math.IsInf(e.Real, 0) {
				return nil, nil
			}
			return e.Real, nil
		case LitDatetime:
			return formatDatetime(e.Time), nil
		case LitTimespan:
			return formatTimespan(int64(e.Span / 100)), nil
		}
	}
	return nil, c.errf(e, "not a constant dynamic value")
}

// name resolves a name in an expression: a column, then a let or
// parameter, then a function without parameters.
func (c *compiler) name(id *Ident, ctx *rowCtx) (texpr, error) {
	if p, ok := ctx.lookup(id.Name); ok {
		if ctx.aggOK && !ctx.inAgg {
			return texpr{}, c.errf(id, "column %s is neither in an aggregate nor in the by clause", id.Name)
		}
		return texpr{sql: p.sql, t: p.t, name: id.Name, col: id.Name, time: p.time, src: p.src}, nil
	}
	if b := ctx.sc.lookup(id.Name); b != nil {
		switch b.kind {
		case bScalar:
			e := b.scalar
			e.name, e.col, e.time, e.ranges, e.src, e.terms = id.Name, "", false, nil, "", nil
			return e, nil
		case bFunc:
			if len(b.fn.Params) == 0 || allDefaults(b.fn) {
				return c.callExpr(&CallExpr{Pos: id.Pos, Name: id}, ctx)
			}
			return texpr{}, c.errf(id, "%s is a function: call it with arguments", id.Name)
		case bTabular, bRel:
			return texpr{}, c.errf(id, "%s is a table, not a scalar (use toscalar(%s) for a single value)", id.Name, id.Name)
		}
	}
	switch id.Name {
	case "null":
		return c.konst(nil, TypeDynamic), nil
	}
	if ctx.open {
		// After bag_unpack (not yet run): any name may be a column.
		return texpr{sql: c.d.Null(TypeDynamic), t: TypeDynamic, name: id.Name, col: id.Name}, nil
	}
	if c.cat != nil {
		if _, ok := c.cat.Table(id.Name); ok && len(ctx.cols) > 0 {
			return texpr{}, c.errf(id, "%s is a table, not a column", id.Name)
		}
	}
	return texpr{}, c.unknownColumn(id, ctx)
}

func allDefaults(fn *FuncDecl) bool {
	for _, p := range fn.Params {
		if p.Default == nil {
			return false
		}
	}
	return true
}

func (c *compiler) unknownColumn(id *Ident, ctx *rowCtx) *Error {
	where := ""
	if ctx.label != "" {
		where = " in " + ctx.label
	}
	if len(ctx.cols) == 0 && ctx.label == "" {
		return c.errf(id, "unknown name %q: no columns are in scope here", id.Name)
	}
	msg := fmt.Sprintf("unknown column %q%s", id.Name, where)
	cands := append(ctx.colNames(), ctx.sc.names()...)
	if s := suggest(id.Name, cands); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return c.errf(id, "%s", msg)
}

// convert coerces e to type t where KQL converts implicitly (numbers
// widen; dynamic values take the type asked for).
func (c *compiler) convert(n Node, e texpr, t Type) (texpr, error) {
	if t == TypeUnknown || e.t == t {
		return e, nil
	}
	switch {
	case e.t == TypeUnknown,
		e.t.numeric() && t.numeric(),
		e.t == TypeDynamic,
		e.t == TypeGuid && t == TypeString,
		e.t == TypeString && t == TypeGuid,
		t == TypeDynamic:
		if e.konst && e.val == nil {
			return c.konst(nil, t), nil
		}
		out, err := c.d.Call(c, "cast", []Arg{e.arg()}, t)
		if err != nil {
			return texpr{}, c.errf(n, "%v", err)
		}
		r := texpr{sql: out, t: t, agg: e.agg, win: e.win, name: e.name}
		if e.konst {
			if v, ok := foldCast(e.val, e.t, t); ok {
				r.konst, r.val = true, v
			}
		}
		return r, nil
	}
	return texpr{}, c.errf(n, "expected %s, found %s", t, e.t)
}

// apply type-checks a function or operator call with compiled arguments
// and renders it.
func (c *compiler) apply(n Node, name string, args []texpr) (texpr, error) {
	spec, ok := scalarFuncs[name]
	if !ok {
		return texpr{}, c.unsupported(n, "function %s is not supported", name)
	}
	if len(args) < spec.min || spec.max >= 0 && len(args) > spec.max {
		return texpr{}, c.errf(n, "%s takes %s, not %d", displayName(name), arity(spec.min, spec.max), len(args))
	}
	conv, ret, err := spec.check(c, n, name, args)
	if err != nil {
		return texpr{}, err
	}
	out := texpr{t: ret}
	for _, a := range conv {
		out.agg = out.agg || a.agg
		out.win = out.win || a.win
	}
	if spec.fold != nil && allConst(conv) {
		vals := make([]any, len(conv))
		for i, a := range conv {
			vals[i] = a.val
		}
		if v, ok := spec.fold(c, vals, conv); ok {
			k := c.konst(v, ret)
			k.agg, k.win = out.agg, out.win
			return k, nil
		}
	}
	switch {
	case name == "ago":
		// now() is fixed for the query: ago(x) is a constant minus x.
		return c.apply(n, "-", []texpr{c.konst(c.now, TypeDatetime), conv[0]})
	case name == "now" && len(conv) == 1:
		return c.apply(n, "+", []texpr{c.konst(c.now, TypeDatetime), conv[0]})
	}
	as := make([]Arg, len(conv))
	for i, a := range conv {
		as[i] = a.arg()
	}
	sql, err := c.d.Call(c, name, as, ret)
	if err != nil {
		return texpr{}, c.errf(n, "%v", err)
	}
	out.sql = sql
	return out, nil
}

func allConst(args []texpr) bool {
	for _, a := range args {
		if !a.konst {
			return false
		}
	}
	return true
}

func displayName(name string) string {
	if strings.HasPrefix(name, "unary") {
		return "unary " + strings.TrimPrefix(name, "unary")
	}
	return name
}

func arity(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d arguments", lo)
	case lo == hi && lo == 1:
		return "1 argument"
	case lo == hi:
		return fmt.Sprintf("%d arguments", lo)
	}
	return fmt.Sprintf("%d to %d arguments", lo, hi)
}

// --- operators ---

var comparisonOps = map[string]bool{"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (c *compiler) binary(e *BinaryExpr, ctx *rowCtx) (texpr, error) {
	if _, ok := e.Left.(*StarExpr); ok {
		return c.starPredicate(e, ctx)
	}
	l, err := c.scalar(e.Left, ctx)
	if err != nil {
		return texpr{}, err
	}
	r, err := c.scalar(e.Right, ctx)
	if err != nil {
		return texpr{}, err
	}
	op := e.Op
	if op == ":" {
		op = "has"
	}
	res, err := c.apply(e, op, []texpr{l, r})
	if err != nil {
		if ke, ok := err.(*Error); ok && ke.Line == e.Pos.Line && ke.Column == e.Pos.Column && !ke.Unsupported {
			ke.Line, ke.Column, ke.Offset = e.OpPos.Line, e.OpPos.Column, e.OpPos.Offset
		}
		return texpr{}, err
	}
	// Time ranges for hints.
	switch {
	case op == "and":
		res.ranges = append(append([]timeRange{}, l.ranges...), r.ranges...)
	case comparisonOps[op] && op != "!=":
		if l.time && r.konst && r.t == TypeDatetime {
			res.ranges = rangeOf(op, r.val, false)
		} else if r.time && l.konst && l.t == TypeDatetime {
			res.ranges = rangeOf(op, l.val, true)
		}
	}
	// Term hints.
	switch {
	case op == "and":
		res.terms = append(append([]TermHint{}, l.terms...), r.terms...)
	case op == "or":
		res.terms = orTerms(l.terms, r.terms)
	case substringOps[op]:
		res.terms = termHints(l, []texpr{r}, false)
	}
	return res, nil
}

// substringOps are the string operators that hold only where the left
// side, lowercased, contains the right side, lowercased (see TermHint).
var substringOps = map[string]bool{
	"has": true, "has_cs": true, "hasprefix": true, "hasprefix_cs": true, "hassuffix": true, "hassuffix_cs": true,
	"contains": true, "contains_cs": true, "startswith": true, "startswith_cs": true, "endswith": true, "endswith_cs": true,
}

// termHints returns the term hints of x OP terms for a plain string
// column x and constant string terms: one hint with every term (any
// of them), or one per term when all must hold (has_all). An empty term
// or a term that is not a constant string gives none: it says nothing.
func termHints(x texpr, terms []texpr, all bool) []TermHint {
	if x.src == "" || x.t != TypeString || len(terms) == 0 {
		return nil
	}
	var any []string
	for _, t := range terms {
		s, ok := t.val.(string)
		if !t.konst || t.t != TypeString || !ok || s == "" {
			return nil
		}
		any = append(any, strings.ToLower(s))
	}
	if !all {
		return []TermHint{{Column: x.src, Any: any}}
	}
	out := make([]TermHint, len(any))
	for i, s := range any {
		out[i] = TermHint{Column: x.src, Any: []string{s}}
	}
	return out
}

// orTerms is the hint a or b implies: when each side has one term hint
// on the same column, either side's terms.
func orTerms(a, b []TermHint) []TermHint {
	if len(a) != 1 || len(b) != 1 || a[0].Column != b[0].Column {
		return nil
	}
	any := append(append([]string{}, a[0].Any...), b[0].Any...)
	return []TermHint{{Column: a[0].Column, Any: any}}
}

// rangeOf turns time OP v (or v OP time when flipped) into a range.
func rangeOf(op string, v any, flipped bool) []timeRange {
	t, ok := v.(time.Time)
	if !ok {
		return nil
	}
	if flipped {
		op = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}[op]
	}
	switch op {
	case ">", ">=":
		return []timeRange{{from: t}}
	case "<", "<=":
		return []timeRange{{to: t}}
	case "==":
		return []timeRange{{from: t, to: t}}
	}
	return nil
}

// starPredicate compiles * has "x" (and other string operators on *): the
// operator applied to every string column, or-ed.
func (c *compiler) starPredicate(e *BinaryExpr, ctx *rowCtx) (texpr, error) {
	r, err := c.scalar(e.Right, ctx)
	if err != nil {
		return texpr{}, err
	}
	op := e.Op
	if op == "==" {
		op = "=="
	} else if op == ":" {
		op = "has"
	}
	var out *texpr
	for _, p := range ctx.cols {
		if p.t != TypeString && p.t != TypeDynamic {
			continue
		}
		term, err := c.apply(e, op, []texpr{{sql: p.sql, t: p.t}, r})
		if err != nil {
			return texpr{}, err
		}
		if out == nil {
			out = &term
			continue
		}
		or, err := c.apply(e, "or", []texpr{*out, term})
		if err != nil {
			return texpr{}, err
		}
		out = &or
	}
	if out == nil {
		return c.konst(false, TypeBool), nil
	}
	return *out, nil
}

func (c *compiler) in(e *InExpr, ctx *rowCtx) (texpr, error) {
	x, err := c.scalar(e.X, ctx)
	if err != nil {
		return texpr{}, err
	}
	args := []texpr{x}
	for _, it := range e.List {
		if c.isTabular(it, ctx.sc) {
			r, err := c.tabular(it, ctx.sc)
			if err != nil {
				return texpr{}, err
			}
			if len(r.cols) == 0 {
				return texpr{}, c.errf(it, "the sub-query of %s has no columns", e.Op)
			}
			r = c.settle(r)
			args = append(args, texpr{sql: "SELECT " + c.qi(r.cols[0].alias) + " FROM " + r.n.name(), t: r.cols[0].t, tab: r})
			continue
		}
		v, err := c.scalar(it, ctx)
		if err != nil {
			return texpr{}, err
		}
		args = append(args, v)
	}
	res, err := c.apply(e, e.Op, args)
	if err != nil {
		return texpr{}, err
	}
	if e.Op == "has_any" || e.Op == "has_all" {
		res.terms = termHints(x, args[1:], e.Op == "has_all")
	}
	return res, nil
}

func (c *compiler) between(e *BetweenExpr, ctx *rowCtx) (texpr, error) {
	x, err := c.scalar(e.X, ctx)
	if err != nil {
		return texpr{}, err
	}
	lo, err := c.scalar(e.Lo, ctx)
	if err != nil {
		return texpr{}, err
	}
	hi, err := c.scalar(e.Hi, ctx)
	if err != nil {
		return texpr{}, err
	}
	op := "between"
	if e.Not {
		op = "!between"
	}
	res, err := c.apply(e, op, []texpr{x, lo, hi})
	if err != nil {
		return texpr{}, err
	}
	if !e.Not && x.time && lo.konst && hi.konst {
		// hi may be a timespan (x between (t .. 1h)): the end is t + 1h.
		from, ok1 := lo.val.(time.Time)
		to, ok2 := hi.val.(time.Time)
		if d, ok := hi.val.(time.Duration); ok && ok1 {
			to, ok2 = from.Add(d), true
		}
		if ok1 && ok2 {
			res.ranges = []timeRange{{from: from, to: to}}
		}
	}
	return res, nil
}

// member compiles x.name: a dynamic property, or $left.col / $right.col.
func (c *compiler) member(e *MemberExpr, ctx *rowCtx) (texpr, error) {
	if id, ok := e.X.(*Ident); ok && (id.Name == "$left" || id.Name == "$right") {
		side := ctx.left
		if id.Name == "$right" {
			side = ctx.right
		}
		if side == nil {
			return texpr{}, c.errf(e, "%s is only valid in a join's on clause", id.Name)
		}
		for _, p := range side {
			if p.name == e.Name.Name {
				return texpr{sql: p.sql, t: p.t, name: p.name, col: p.name}, nil
			}
		}
		names := make([]string, len(side))
		for i, p := range side {
			names[i] = p.name
		}
		msg := fmt.Sprintf("unknown column %q on the %s side of the join", e.Name.Name, strings.TrimPrefix(id.Name, "$"))
		if s := suggest(e.Name.Name, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return texpr{}, c.errf(e.Name, "%s", msg)
	}
	x, err := c.scalar(e.X, ctx)
	if err != nil {
		return texpr{}, err
	}
	return c.jsonAccess(e, x, e.Name.Name, joinName(x.name, e.Name.Name))
}

func joinName(left, right string) string {
	if left == "" {
		return right
	}
	return left + "_" + right
}

func (c *compiler) index(e *IndexExpr, ctx *rowCtx) (texpr, error) {
	x, err := c.scalar(e.X, ctx)
	if err != nil {
		return texpr{}, err
	}
	i, err := c.scalar(e.Index, ctx)
	if err != nil {
		return texpr{}, err
	}
	if i.konst {
		switch v := i.val.(type) {
		case string:
			return c.jsonAccess(e, x, v, joinName(x.name, v))
		case int64:
			return c.jsonAccess(e, x, v, joinName(x.name, strconv.FormatInt(v, 10)))
		}
	}
	if x.t != TypeDynamic {
		return texpr{}, c.errf(e, "cannot index a %s value; only dynamic values have elements", x.t)
	}
	// A computed index or key.
	if !i.t.integer() && i.t != TypeString {
		if i, err = c.convert(e.Index, i, TypeString); err != nil {
			return texpr{}, err
		}
	}
	sql, err := c.d.Call(c, "jindex", []Arg{x.arg(), i.arg()}, TypeDynamic)
	if err != nil {
		return texpr{}, c.errf(e, "%v", err)
	}
	return texpr{sql: sql, t: TypeDynamic, agg: x.agg || i.agg, win: x.win || i.win}, nil
}

// jsonAccess extends a constant JSON path: x.a.b[0] becomes one access.
func (c *compiler) jsonAccess(n Node, x texpr, step any, name string) (texpr, error) {
	if x.t != TypeDynamic {
		if x.t == TypeString && x.konst {
			return texpr{}, c.errf(n, "cannot take a property of a string; parse it first with parse_json()")
		}
		return texpr{}, c.errf(n, "cannot take a property of a %s value; only dynamic values have properties (use parse_json() on strings)", x.t)
	}
	root, path := x, []any{step}
	if x.jroot != nil {
		root = *x.jroot
		path = append(append([]any{}, x.jpath...), step)
	}
	if root.konst {
		v := jsonGet(root.val, path)
		k := c.konst(v, TypeDynamic)
		k.name = name
		return k, nil
	}
	sql, err := c.d.Call(c, "jpath", []Arg{root.arg(), {SQL: c.Bind(jsonPathString(path), TypeString), Type: TypeString, Const: true, Value: jsonPathString(path)}}, TypeDynamic)
	if err != nil {
		return texpr{}, c.errf(n, "%v", err)
	}
	r := root
	return texpr{sql: sql, t: TypeDynamic, name: name, jroot: &r, jpath: path, agg: root.agg, win: root.win}, nil
}

// jsonPathString renders path elements as a JSONPath: $."a"."b"[0].
func jsonPathString(path []any) string {
	var b strings.Builder
	b.WriteString("$")
	for _, p := range path {
		switch p := p.(type) {
		case string:
			q, _ := json.Marshal(p)
			b.WriteString(".")
			b.Write(q)
		case int64:
			if p < 0 {
				b.WriteString("[#" + strconv.FormatInt(p, 10) + "]")
			} else {
				b.WriteString("[" + strconv.FormatInt(p, 10) + "]")
			}
		}
	}
	return b.String()
}

// jsonGet evaluates a path on a constant value.
func jsonGet(v any, path []any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[p]
		case int64:
			a, ok := v.([]any)
			if !ok {
				return nil
			}
			if p < 0 {
				p += int64(len(a))
			}
			if p < 0 || p >= int64(len(a)) {
				return nil
			}
			v = a[p]
		}
	}
	return v
}

// --- calls ---

func (c *compiler) callExpr(call *CallExpr, ctx *rowCtx) (texpr, error) {
	name := call.Name.Name
	if b := ctx.sc.lookup(name); b != nil && b.kind == bFunc {
		return c.userScalarCall(call, b, ctx)
	}
	if spec, ok := aggFuncs[name]; ok {
		return c.aggregate(call, spec, ctx)
	}
	switch name {
	case "column_ifexists", "columnifexists":
		return c.columnIfExists(call, ctx)
	case "toscalar":
		return texpr{}, c.errf(call, "toscalar takes a query")
	case "pack_all", "bag_pack_columns":
		return c.packAll(call, ctx)
	case "materialize":
		return texpr{}, c.errf(call, "materialize() returns a table")
	}
	if _, ok := scalarFuncs[name]; !ok {
		if _, ok := unsupportedFuncs[name]; ok {
			return texpr{}, c.unsupported(call, "function %s is not supported: %s", name, unsupportedFuncs[name])
		}
		if c.isTabular(call, ctx.sc) {
			return texpr{}, c.errf(call, "%s returns a table, not a scalar", name)
		}
		msg := fmt.Sprintf("unknown function %q", name)
		var names []string
		for n := range scalarFuncs {
			if !strings.ContainsAny(n, "=<>!~+-*/% ") {
				names = append(names, n)
			}
		}
		for n := range aggFuncs {
			names = append(names, n)
		}
		if s := suggest(name, names); s != "" {
			msg += fmt.Sprintf("; did you mean %s()?", s)
		}
		return texpr{}, c.errf(call.Name, "%s", msg)
	}
	args := make([]texpr, 0, len(call.Args))
	for i, a := range call.Args {
		switch a := a.(type) {
		case *TypeOfExpr:
			if len(a.Columns) != 1 || a.Columns[0].Name != "" {
				return texpr{}, c.errf(a, "typeof() here names one type")
			}
			t, _ := ParseType(a.Columns[0].Type)
			args = append(args, texpr{t: TypeUnknown, konst: true, val: typeArg(t)})
			continue
		case *NamedExpr:
			return texpr{}, c.errf(a, "argument %d of %s: named arguments are only for user functions", i+1, name)
		case *StarExpr:
			return texpr{}, c.errf(a, "argument %d of %s cannot be '*'", i+1, name)
		}
		v, err := c.scalar(a, ctx)
		if err != nil {
			return texpr{}, err
		}
		args = append(args, v)
	}
	if scalarFuncs[name].win {
		if ctx.ord == "" {
			return texpr{}, c.errf(call, "%s() needs ordered rows: sort or serialize before it", name)
		}
		args = append(args, texpr{sql: ctx.ord, t: TypeLong})
	}
	res, err := c.apply(call, name, args)
	if err != nil {
		return texpr{}, err
	}
	res.name = resultName(call, args)
	if _, ok := multiOutputs[name]; ok {
		res.multi, res.multiPrefix = name, name+"_"
		if len(args) > 0 && args[0].col != "" {
			res.multiPrefix += args[0].col + "_"
		}
	}
	if scalarFuncs[name].win {
		res.win = true
	}
	return res, nil
}

// typeArg is the value of a typeof(T) argument.
type typeArg Type

func (c *compiler) userScalarCall(call *CallExpr, b *binding, ctx *rowCtx) (texpr, error) {
	if b.active {
		return texpr{}, c.errf(call, "function %s calls itself (recursion is not allowed)", b.name)
	}
	fsc, err := c.bindParams(call, b, ctx.sc, nil, ctx)
	if err != nil {
		return texpr{}, err
	}
	tab := c.isTabular(b.fn.Body.Expr, fsc)
	if err := c.recursion(call); err != nil {
		return texpr{}, err
	}
	if tab {
		return texpr{}, c.errf(call, "function %s returns a table, not a scalar (use toscalar())", b.name)
	}
	b.active = true
	defer func() { b.active = false }()
	inner := &rowCtx{sc: fsc, aggOK: ctx.aggOK, inAgg: ctx.inAgg, ord: ctx.ord}
	r, err := c.scalar(b.fn.Body.Expr, inner)
	if err != nil {
		return texpr{}, err
	}
	r.name = ""
	return r, nil
}

func (c *compiler) columnIfExists(call *CallExpr, ctx *rowCtx) (texpr, error) {
	if len(call.Args) != 2 {
		return texpr{}, c.errf(call, "column_ifexists takes a column name and a default value")
	}
	lit, ok := call.Args[0].(*Literal)
	if !ok || lit.Kind != LitString {
		return texpr{}, c.errf(call.Args[0], "column_ifexists takes a constant column name")
	}
	if p, ok := ctx.lookup(lit.Str); ok {
		return texpr{sql: p.sql, t: p.t, name: lit.Str, col: lit.Str, time: p.time, src: p.src}, nil
	}
	d, err := c.scalar(call.Args[1], ctx)
	if err != nil {
		return texpr{}, err
	}
	d.name = lit.Str
	return d, nil
}

func (c *compiler) packAll(call *CallExpr, ctx *rowCtx) (texpr, error) {
	var args []texpr
	for _, p := range ctx.cols {
		args = append(args, c.konst(p.name, TypeString), texpr{sql: p.sql, t: p.t})
	}
	if len(args) == 0 {
		return c.konst(map[string]any{}, TypeDynamic), nil
	}
	return c.apply(call, "pack", args)
}

// resultName is the column name Kusto gives an unnamed call.
func resultName(call *CallExpr, args []texpr) string {
	name := call.Name.Name
	first := ""
	if len(args) > 0 {
		first = args[0].name
	}
	switch name {
	case "strlen", "string_size":
		return name + "_" + first
	case "gettype", "repeat":
		if first == "" {
			return ""
		}
		return name + "_" + first
	case "column_ifexists", "columnifexists":
		return first
	}
	if firstArgNamed[name] {
		return first
	}
	return ""
}

// firstArgNamed are the functions whose result takes the name of their
// first argument (Kusto's ResultNameKind.FirstArgument).
var firstArgNamed = map[string]bool{
	"split": true, "tostring": true, "tohex": true, "todynamic": true, "toobject": true, "tolong": true, "toint": true,
	"toreal": true, "todouble": true, "todatetime": true, "totimespan": true, "totime": true, "tobool": true,
	"toboolean": true, "todecimal": true, "toguid": true, "parse_csv": true, "parsejson": true, "parse_json": true,
	"parse_xml": true, "format_datetime": true, "format_timespan": true, "startofday": true, "bin": true, "floor": true,
	"bin_at": true, "round": true, "ceiling": true, "pow": true, "sqrt": true, "log": true, "log2": true, "log10": true,
	"exp": true, "exp2": true, "exp10": true, "abs": true, "binary_and": true, "binary_or": true, "binary_xor": true,
	"binary_not": true, "binary_shift_left": true, "binary_shift_right": true,
}
