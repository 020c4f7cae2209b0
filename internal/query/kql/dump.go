package kql

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Dump renders a syntax tree as an S-expression without positions: the
// form golden tests compare, and the round-trip test's notion of "the
// same tree".
func Dump(n Node) string {
	var d dumper
	d.node(n)
	return d.b.String()
}

type dumper struct{ b strings.Builder }

func (d *dumper) w(s ...string) {
	for _, x := range s {
		d.b.WriteString(x)
	}
}

func (d *dumper) list(head string, items ...func()) {
	d.w("(", head)
	for _, f := range items {
		d.w(" ")
		f()
	}
	d.w(")")
}

func (d *dumper) nodes(ns ...Node) []func() {
	fs := make([]func(), 0, len(ns))
	for _, n := range ns {
		fs = append(fs, func() { d.node(n) })
	}
	return fs
}

func exprNodes[T Node](xs []T) []Node {
	ns := make([]Node, len(xs))
	for i, x := range xs {
		ns[i] = x
	}
	return ns
}

func dumpName(s string) string {
	if isPlainName(s) {
		return s
	}
	return "[" + s + "]"
}

func (d *dumper) params(ps []*OpParam) []func() {
	var fs []func()
	for _, p := range ps {
		fs = append(fs, func() { d.w(p.Name, "="); d.node(p.Value) })
	}
	return fs
}

func (d *dumper) cols(cs []ColumnDecl) []func() {
	var fs []func()
	for _, c := range cs {
		fs = append(fs, func() {
			if c.Name != "" {
				d.w(dumpName(c.Name), ":")
			}
			d.w(c.Type)
		})
	}
	return fs
}

func (d *dumper) sub(head string, fs []func()) func() {
	return func() { d.list(head, fs...) }
}

func cat(fss ...[]func()) []func() {
	var out []func()
	for _, fs := range fss {
		out = append(out, fs...)
	}
	return out
}

func (d *dumper) lit(l *Literal) {
	kind := l.Kind.String()
	if l.Err != "" {
		d.w("(", kind, " bad ", strconv.Quote(l.Raw), ")")
		return
	}
	if l.Kind == LitNull {
		d.w("null")
		return
	}
	if l.Null {
		d.w("(", kind, " null)")
		return
	}
	var v string
	switch l.Kind {
	case LitString:
		v = strconv.Quote(l.Str)
		if l.Obfuscated {
			v = "h" + v
		}
	case LitGuid:
		v = l.Str
	case LitBool:
		v = strconv.FormatBool(l.Bool)
	case LitInt, LitLong:
		v = strconv.FormatInt(l.Int, 10)
	case LitReal, LitDecimal:
		switch {
		case math.IsNaN(l.Real):
			v = "nan"
		default:
			v = strconv.FormatFloat(l.Real, 'g', -1, 64)
		}
	case LitDatetime:
		v = l.Time.Format(time.RFC3339Nano)
	case LitTimespan:
		v = l.Span.String()
	}
	d.w("(", kind, " ", v, ")")
}

func (d *dumper) node(n Node) {
	switch n := n.(type) {
	case nil:
		d.w("nil")
	case *Query:
		d.list("query", d.nodes(exprNodes(n.Statements)...)...)
	case *LetStmt:
		d.list("let", func() { d.w(dumpName(n.Name.Name)) }, func() { d.node(n.Value) })
	case *SetStmt:
		d.list("set", func() { d.w(n.Name) }, func() { d.node(n.Value) })
	case *ExprStmt:
		d.node(n.Expr)
	case *DeclareStmt:
		var ps []func()
		for _, p := range n.Params {
			ps = append(ps, func() {
				d.w(dumpName(p.Name.Name), ":", p.Type)
				if p.Default != nil {
					d.w("=")
					d.node(p.Default)
				}
			})
		}
		d.list("declare", ps...)
	case *Literal:
		d.lit(n)
	case *Ident:
		d.w(dumpName(n.Name))
	case *Wildcard:
		d.w("(wildcard ", strconv.Quote(n.Pattern), ")")
	case *StarExpr:
		d.w("*")
	case *BinaryExpr:
		d.list(n.Op, d.nodes(n.Left, n.Right)...)
	case *UnaryExpr:
		d.list(n.Op, d.nodes(n.X)...)
	case *InExpr:
		d.list(n.Op, cat(d.nodes(n.X), d.nodes(exprNodes(n.List)...))...)
	case *BetweenExpr:
		op := "between"
		if n.Not {
			op = "!between"
		}
		d.list(op, d.nodes(n.X, n.Lo, n.Hi)...)
	case *CallExpr:
		d.list("call "+dumpName(n.Name.Name), d.nodes(exprNodes(n.Args)...)...)
	case *MemberExpr:
		d.list(".", d.node0(n.X), func() { d.w(dumpName(n.Name.Name)) })
	case *IndexExpr:
		d.list("[]", d.nodes(n.X, n.Index)...)
	case *ParenExpr:
		d.list("paren", d.nodes(n.X)...)
	case *NamedExpr:
		if len(n.Names) == 0 {
			d.node(n.Value)
			return
		}
		names := make([]string, len(n.Names))
		for i, nm := range n.Names {
			names[i] = dumpName(nm.Name)
		}
		label := names[0]
		if len(names) > 1 {
			label = "(" + strings.Join(names, " ") + ")"
		}
		d.list("=", func() { d.w(label) }, func() { d.node(n.Value) })
	case *DynamicLit:
		d.list("dynamic", d.nodes(n.Value)...)
	case *DynArray:
		d.w("[")
		for i, it := range n.Items {
			if i > 0 {
				d.w(" ")
			}
			d.node(it)
		}
		d.w("]")
	case *DynObject:
		d.w("{")
		for i, k := range n.Keys {
			if i > 0 {
				d.w(" ")
			}
			d.w(strconv.Quote(k), ":")
			d.node(n.Values[i])
		}
		d.w("}")
	case *TypeOfExpr:
		d.list("typeof", d.cols(n.Columns)...)
	case *ToScalarExpr:
		d.list("toscalar", d.nodes(n.X)...)
	case *MaterializeExpr:
		d.list("materialize", d.nodes(n.X)...)
	case *FuncDecl:
		head := "func"
		if n.View {
			head = "view"
		}
		var ps []func()
		for _, p := range n.Params {
			ps = append(ps, func() {
				d.w(dumpName(p.Name.Name), ":")
				switch {
				case p.Tabular && len(p.Columns) == 0:
					d.w("(*)")
				case p.Tabular:
					d.list("", d.cols(p.Columns)...)
				default:
					d.w(p.Type)
				}
				if p.Default != nil {
					d.w("=")
					d.node(p.Default)
				}
			})
		}
		d.list(head, d.sub("params", ps), func() {
			d.list("body", cat(d.nodes(exprNodes(n.Body.Lets)...), d.nodes(n.Body.Expr))...)
		})
	case *PipeExpr:
		d.list("pipe", cat(d.nodes(n.Source), d.nodes(exprNodes(n.Ops)...))...)
	case *DatatableExpr:
		d.list("datatable", cat(d.params(n.Params), []func(){d.sub("schema", d.cols(n.Columns))}, d.nodes(exprNodes(n.Values)...))...)
	case *ExternalDataExpr:
		d.list("externaldata", cat(d.params(n.Params), []func(){d.sub("schema", d.cols(n.Columns))}, d.nodes(exprNodes(n.URIs)...),
			[]func(){d.sub("with", d.params(n.With))})...)
	case *RangeExpr:
		d.list("range "+dumpName(n.Name.Name), d.nodes(n.From, n.To, n.Step)...)
	case *SortKey:
		fs := d.nodes(n.Expr)
		if n.Order != "" {
			fs = append(fs, func() { d.w(n.Order) })
		}
		if n.Nulls != "" {
			fs = append(fs, func() { d.w("nulls-" + n.Nulls) })
		}
		d.list("key", fs...)
	case *WhereOp:
		d.list(n.Keyword, cat(d.params(n.Params), d.nodes(n.Pred))...)
	case *ExtendOp:
		d.list("extend", d.nodes(exprNodes(n.Exprs)...)...)
	case *ProjectOp:
		d.list(n.Keyword, d.nodes(n.Items...)...)
	case *SummarizeOp:
		d.list("summarize", cat(d.params(n.Params), d.nodes(exprNodes(n.Aggs)...), []func(){d.sub("by", d.nodes(exprNodes(n.By)...))})...)
	case *SortOp:
		d.list(n.Keyword, cat(d.params(n.Params), d.nodes(exprNodes(n.Keys)...))...)
	case *TopOp:
		d.list("top", cat(d.params(n.Params), d.nodes(n.N, n.By))...)
	case *TakeOp:
		d.list(n.Keyword, cat(d.params(n.Params), d.nodes(n.N))...)
	case *DistinctOp:
		if n.Star {
			d.list("distinct", cat(d.params(n.Params), []func(){func() { d.w("*") }})...)
			return
		}
		d.list("distinct", cat(d.params(n.Params), d.nodes(exprNodes(n.Exprs)...))...)
	case *CountOp:
		fs := d.params(n.Params)
		if n.As != nil {
			fs = append(fs, func() { d.w("as ", dumpName(n.As.Name)) })
		}
		d.list("count", fs...)
	case *JoinOp:
		fs := cat(d.params(n.Params), d.nodes(n.Right))
		if n.On != nil {
			fs = append(fs, d.sub("on", d.nodes(exprNodes(n.On)...)))
		}
		if n.Where != nil {
			fs = append(fs, d.sub("where", d.nodes(n.Where)))
		}
		d.list("join", fs...)
	case *LookupOp:
		d.list("lookup", cat(d.params(n.Params), d.nodes(n.Right), []func(){d.sub("on", d.nodes(exprNodes(n.On)...))})...)
	case *UnionOp:
		d.list("union", cat(d.params(n.Params), d.nodes(exprNodes(n.Tables)...))...)
	case *MvExpandItem:
		if n.To != "" {
			d.list("to", d.node0(n.Expr), func() { d.w(n.To) })
			return
		}
		d.node(n.Expr)
	case *MvExpandOp:
		fs := cat(d.params(n.Params), d.nodes(exprNodes(n.Items)...))
		if n.Limit != nil {
			fs = append(fs, d.sub("limit", d.nodes(n.Limit)))
		}
		d.list(n.Keyword, fs...)
	case *MvApplyOp:
		fs := cat(d.params(n.Params), d.nodes(exprNodes(n.Items)...))
		if n.Limit != nil {
			fs = append(fs, d.sub("limit", d.nodes(n.Limit)))
		}
		fs = append(fs, d.sub("on", d.nodes(n.On)))
		d.list(n.Keyword, fs...)
	case *ParseOp:
		head := n.Keyword
		if n.Kind != "" {
			head += " kind=" + n.Kind
		}
		if n.Flags != "" {
			head += " flags=" + n.Flags
		}
		var pat []func()
		for _, el := range n.Pattern {
			pat = append(pat, func() {
				switch el.Kind {
				case PatStar:
					d.w("*")
				case PatText:
					d.w(strconv.Quote(el.Text))
				default:
					d.w(dumpName(el.Name.Name))
					if el.Type != "" {
						d.w(":", el.Type)
					}
				}
			})
		}
		d.list(head, d.node0(n.X), d.sub("with", pat))
	case *ParseKvOp:
		d.list("parse-kv", d.node0(n.X), d.sub("as", d.cols(n.Columns)), d.sub("with", d.params(n.With)))
	case *MakeSeriesOp:
		var aggs []func()
		for _, a := range n.Aggs {
			aggs = append(aggs, func() {
				if a.Default != nil {
					d.list("default", d.nodes(a.Expr, a.Default)...)
					return
				}
				d.node(a.Expr)
			})
		}
		rng := "range"
		if n.InRange {
			rng = "in-range"
		}
		d.list("make-series", cat(d.params(n.Params), aggs, []func(){d.sub("on", d.nodes(n.On)), d.sub(rng, d.nodes(n.From, n.To, n.Step)),
			d.sub("by", d.nodes(exprNodes(n.By)...))})...)
	case *EvaluateOp:
		fs := cat(d.params(n.Params), d.nodes(n.Call))
		if n.Schema != nil {
			fs = append(fs, d.sub("schema", d.cols(n.Schema)))
		}
		d.list("evaluate", fs...)
	case *InvokeOp:
		d.list("invoke", d.nodes(n.Call)...)
	case *AsOp:
		d.list("as", cat(d.params(n.Params), []func(){func() { d.w(dumpName(n.Name.Name)) }})...)
	case *GetSchemaOp:
		d.w("(getschema)")
	case *RenderOp:
		d.list("render", func() { d.w(n.Chart) }, func() { d.w(strconv.Quote(n.Rest)) })
	case *SerializeOp:
		d.list("serialize", cat(d.params(n.Params), d.nodes(exprNodes(n.Exprs)...))...)
	case *SampleOp:
		d.list("sample", cat(d.params(n.Params), d.nodes(n.N))...)
	case *SampleDistinctOp:
		d.list("sample-distinct", cat(d.params(n.Params), d.nodes(n.N, n.Of))...)
	case *TopNestedOp:
		var lv []func()
		for _, l := range n.Levels {
			lv = append(lv, func() { d.list("level", d.nodes(l.N, l.Of, l.Others, l.By)...) })
		}
		d.list("top-nested", lv...)
	case *TopHittersOp:
		d.list("top-hitters", d.nodes(n.N, n.Of, n.By)...)
	case *PartitionOp:
		d.list("partition", cat(d.params(n.Params), d.nodes(n.By, n.Sub))...)
	case *ReduceOp:
		d.list("reduce", cat(d.params(n.Params), d.nodes(n.By), []func(){d.sub("with", d.nodes(exprNodes(n.With)...))})...)
	case *SearchOp:
		d.list("search", cat(d.params(n.Params), []func(){d.sub("in", d.nodes(exprNodes(n.In)...))}, d.nodes(n.Pred))...)
	case *FindOp:
		fs := cat(d.params(n.Params), []func(){d.sub("in", d.nodes(exprNodes(n.In)...))}, d.nodes(n.Pred))
		if n.Project != nil {
			fs = append(fs, d.sub("project", d.nodes(exprNodes(n.Project)...)))
		}
		if n.ProjectAway != nil || n.AwayStar {
			fs = append(fs, d.sub("project-away", d.nodes(exprNodes(n.ProjectAway)...)))
		}
		if n.Smart {
			fs = append(fs, func() { d.w("project-smart") })
		}
		d.list("find", fs...)
	case *PrintOp:
		d.list("print", d.nodes(exprNodes(n.Exprs)...)...)
	case *ConsumeOp:
		d.list("consume", d.params(n.Params)...)
	case *ForkOp:
		var fs []func()
		for i, b := range n.Branches {
			name := "-"
			if n.Names[i] != nil {
				name = dumpName(n.Names[i].Name)
			}
			fs = append(fs, func() { d.list("branch "+name, d.nodes(b)...) })
		}
		d.list("fork", fs...)
	default:
		d.w("(?)")
	}
}

func (d *dumper) node0(n Node) func() { return func() { d.node(n) } }
