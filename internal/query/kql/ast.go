package kql

import "time"

// Pos is where a node starts in the query text.
type Pos struct {
	Offset int // byte offset
	Line   int // 1-based
	Column int // 1-based, in runes
}

// Position returns p; embedding Pos gives every node its Position method.
func (p Pos) Position() Pos { return p }

// Node is any syntax tree node.
type Node interface {
	Position() Pos
}

// Query is a parsed query: let statements and the query expressions they
// lead to, in order.
type Query struct {
	Pos
	Statements []Stmt
}

// Stmt is a statement: *LetStmt, *SetStmt, *ExprStmt.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is a scalar or tabular expression. Which one it is, is decided by
// semantic analysis: a name may be a column, a let variable or a table.
type Expr interface {
	Node
	exprNode()
}

// Operator is a tabular operator after a pipe: *WhereOp, *ExtendOp, ...
type Operator interface {
	Node
	OpName() string
}

// LetStmt binds a name: let x = 1; let T = SecurityEvent | where ...;
// let f = (a:string) { ... }; let m = materialize(...).
type LetStmt struct {
	Pos
	Name  *Ident
	Value Expr // *FuncDecl for functions and views
}

// SetStmt is a request option: set querytrace; set x = 10. It is parsed
// and ignored.
type SetStmt struct {
	Pos
	Name  string
	Value Expr // nil when absent
}

// DeclareStmt is declare query_parameters(name:type [= default], ...):
// the parameters take their defaults (a query run here has no others).
type DeclareStmt struct {
	Pos
	Params []*Param
}

// ExprStmt is a query expression statement: the tabular result.
type ExprStmt struct {
	Pos
	Expr Expr
}

func (*LetStmt) stmtNode()     {}
func (*SetStmt) stmtNode()     {}
func (*ExprStmt) stmtNode()    {}
func (*DeclareStmt) stmtNode() {}

// LitKind is the type of a literal.
type LitKind uint8

// Literal kinds.
const (
	LitString LitKind = iota
	LitBool
	LitInt
	LitLong
	LitReal
	LitDecimal
	LitDatetime
	LitTimespan
	LitGuid
	LitNull // the bare null inside dynamic(...)
)

var litKindNames = [...]string{"string", "bool", "int", "long", "real", "decimal", "datetime", "timespan", "guid", "null"}

func (k LitKind) String() string { return litKindNames[k] }

// Literal is a constant. Raw is its source text (for printing numbers
// and typed literals as written); the value is in the field of its kind.
// Null is set for typed nulls: long(null), datetime(null).
type Literal struct {
	Pos
	Kind       LitKind
	Raw        string
	Str        string // LitString, LitGuid (canonical lower-case)
	Bool       bool
	Int        int64 // LitInt, LitLong
	Real       float64
	Time       time.Time     // LitDatetime, UTC
	Span       time.Duration // LitTimespan
	Null       bool
	Obfuscated bool // h'...' string
	// Err is set for a typed literal whose content is malformed
	// (datetime(now)): Kusto parses those and rejects them in semantic
	// analysis, and so do we.
	Err string
}

// Ident is a name: a column, a table, a variable or a function. Quoted is
// set for ['bracketed names'].
type Ident struct {
	Pos
	Name   string
	Quoted bool
}

// Wildcard is a name pattern with '*': project-away Account*.
type Wildcard struct {
	Pos
	Pattern string
}

// StarExpr is '*': count(*), search *, * has "x".
type StarExpr struct {
	Pos
}

// BinaryExpr is a binary operation. Op is the operator as written in
// canonical form: "and", "or", "==", "!=", "<", "<=", ">", ">=", "+", "-",
// "*", "/", "%", "=~", "!~", "has", "!has", "contains", "matches regex", ...
// (the <> operator becomes "!=", notcontains "!contains").
type BinaryExpr struct {
	Pos
	Op    string
	OpPos Pos
	Left  Expr
	Right Expr
}

// UnaryExpr is -x or +x.
type UnaryExpr struct {
	Pos
	Op string
	X  Expr
}

// InExpr is x in (...), !in, in~, !in~, has_any, has_all. A list holding
// one tabular expression is a subquery.
type InExpr struct {
	Pos
	Op   string
	X    Expr
	List []Expr
}

// BetweenExpr is x between (lo .. hi), or !between.
type BetweenExpr struct {
	Pos
	Not    bool
	X      Expr
	Lo, Hi Expr
}

// CallExpr is a function call: f(a, b), count(), dcount(x, 2).
type CallExpr struct {
	Pos
	Name *Ident
	Args []Expr // may hold *NamedExpr (name = value) and *StarExpr
}

// MemberExpr is x.name: a dynamic property, or $left.Col in a join.
type MemberExpr struct {
	Pos
	X    Expr
	Name *Ident
}

// IndexExpr is x[i] or x["key"].
type IndexExpr struct {
	Pos
	X     Expr
	Index Expr
}

// ParenExpr is (x); kept so that printing preserves the grouping.
type ParenExpr struct {
	Pos
	X Expr
}

// NamedExpr is name = value, or (a, b) = value, in extend, project,
// summarize and argument lists.
type NamedExpr struct {
	Pos
	Names []*Ident
	Value Expr
}

// DynamicLit is dynamic(...): a JSON-like constant. Value is nil (for
// dynamic(null)), a *Literal, a *DynArray or a *DynObject.
type DynamicLit struct {
	Pos
	Value Expr
}

// DynArray is [a, b, ...] inside dynamic().
type DynArray struct {
	Pos
	Items []Expr
}

// DynObject is {"k": v, ...} inside dynamic().
type DynObject struct {
	Pos
	Keys   []string
	Values []Expr
}

// TypeOfExpr is typeof(string) or typeof(a:string, b:long).
type TypeOfExpr struct {
	Pos
	Columns []ColumnDecl
}

// ColumnDecl is name:type in a schema. Name is empty for typeof(string).
type ColumnDecl struct {
	Pos
	Name string
	Type string
}

// ToScalarExpr is toscalar(query).
type ToScalarExpr struct {
	Pos
	X Expr
}

// MaterializeExpr is materialize(query).
type MaterializeExpr struct {
	Pos
	X Expr
}

// FuncDecl is the value of a function let: (params) { body }, or
// view (params) { body }.
type FuncDecl struct {
	Pos
	View   bool
	Params []*Param
	Body   *FuncBody
}

// Param is a function parameter: name:type [= default]. A tabular
// parameter has Tabular set and its Columns (none for (*)).
type Param struct {
	Pos
	Name    *Ident
	Type    string // scalar type; empty for tabular
	Tabular bool
	Columns []ColumnDecl
	Default Expr
}

// FuncBody is { let ...; expr }.
type FuncBody struct {
	Pos
	Lets []*LetStmt
	Expr Expr
}

// PipeExpr is a tabular source followed by piped operators. Source is nil
// for a sub-pipeline that starts with an operator (mv-apply ... on (...)).
type PipeExpr struct {
	Pos
	Source Expr
	Ops    []Operator
}

// DatatableExpr is datatable(a:string, b:long) ["x", 1, ...].
type DatatableExpr struct {
	Pos
	Params  []*OpParam
	Columns []ColumnDecl
	Values  []Expr
}

// ExternalDataExpr is externaldata(schema) [uris] with (...): parsed, and
// refused by semantic analysis (queries never reach out to URLs).
type ExternalDataExpr struct {
	Pos
	Params  []*OpParam
	Columns []ColumnDecl
	URIs    []Expr
	With    []*OpParam
}

// RangeExpr is range x from a to b step c.
type RangeExpr struct {
	Pos
	Name           *Ident
	From, To, Step Expr
}

func (*Literal) exprNode()          {}
func (*Ident) exprNode()            {}
func (*Wildcard) exprNode()         {}
func (*StarExpr) exprNode()         {}
func (*BinaryExpr) exprNode()       {}
func (*UnaryExpr) exprNode()        {}
func (*InExpr) exprNode()           {}
func (*BetweenExpr) exprNode()      {}
func (*CallExpr) exprNode()         {}
func (*MemberExpr) exprNode()       {}
func (*IndexExpr) exprNode()        {}
func (*ParenExpr) exprNode()        {}
func (*NamedExpr) exprNode()        {}
func (*DynamicLit) exprNode()       {}
func (*DynArray) exprNode()         {}
func (*DynObject) exprNode()        {}
func (*TypeOfExpr) exprNode()       {}
func (*ToScalarExpr) exprNode()     {}
func (*MaterializeExpr) exprNode()  {}
func (*FuncDecl) exprNode()         {}
func (*PipeExpr) exprNode()         {}
func (*DatatableExpr) exprNode()    {}
func (*ExternalDataExpr) exprNode() {}
func (*RangeExpr) exprNode()        {}

// OpParam is an operator parameter: kind=inner, hint.strategy=shuffle,
// isfuzzy=true, withsource=TableName. Value is an *Ident or a *Literal.
type OpParam struct {
	Pos
	Name  string
	Value Expr
}

// SortKey is an ordering: expr [asc|desc] [nulls first|last].
type SortKey struct {
	Pos
	Expr  Expr   // may be a *NamedExpr in top-nested
	Order string // "", "asc", "desc"
	Nulls string // "", "first", "last"
}

// WhereOp is where / filter.
type WhereOp struct {
	Pos
	Keyword string
	Params  []*OpParam
	Pred    Expr
}

// ExtendOp is extend.
type ExtendOp struct {
	Pos
	Exprs []*NamedExpr
}

// ProjectOp is project, project-away, project-keep, project-rename or
// project-reorder (Keyword). Items are *NamedExpr for project and
// project-rename, *Ident/*Wildcard for away/keep, *SortKey for reorder.
type ProjectOp struct {
	Pos
	Keyword string
	Items   []Node
}

// SummarizeOp is summarize [aggs] [by keys].
type SummarizeOp struct {
	Pos
	Params []*OpParam
	Aggs   []*NamedExpr
	By     []*NamedExpr
}

// SortOp is sort by / order by.
type SortOp struct {
	Pos
	Keyword string
	Params  []*OpParam
	Keys    []*SortKey
}

// TopOp is top N by key.
type TopOp struct {
	Pos
	Params []*OpParam
	N      Expr
	By     *SortKey
}

// TakeOp is take N / limit N.
type TakeOp struct {
	Pos
	Keyword string
	Params  []*OpParam
	N       Expr
}

// DistinctOp is distinct * or distinct a, b.
type DistinctOp struct {
	Pos
	Params []*OpParam
	Star   bool
	Exprs  []*NamedExpr
}

// CountOp is count [as Name].
type CountOp struct {
	Pos
	Params []*OpParam
	As     *Ident
}

// JoinOp is join [kind=...] right on keys / where pred.
type JoinOp struct {
	Pos
	Params []*OpParam
	Right  Expr
	On     []Expr
	Where  Expr
}

// LookupOp is lookup [kind=...] right on keys.
type LookupOp struct {
	Pos
	Params []*OpParam
	Right  Expr
	On     []Expr
}

// UnionOp is union [params] tables; also a query source.
type UnionOp struct {
	Pos
	Params []*OpParam
	Tables []Expr
}

// MvExpandItem is one expanded column: expr [to typeof(t)].
type MvExpandItem struct {
	Pos
	Expr *NamedExpr
	To   string
}

// MvExpandOp is mv-expand / mvexpand.
type MvExpandOp struct {
	Pos
	Keyword string
	Params  []*OpParam
	Items   []*MvExpandItem
	Limit   Expr
}

// MvApplyOp is mv-apply items on (subquery).
type MvApplyOp struct {
	Pos
	Keyword string
	Params  []*OpParam
	Items   []*MvExpandItem
	Limit   Expr
	On      Expr
}

// PatternKind is the kind of a parse pattern element.
type PatternKind uint8

// Parse pattern element kinds.
const (
	PatStar   PatternKind = iota // *
	PatText                      // a string literal
	PatColumn                    // name[:type]
)

// PatternElem is one element of a parse pattern.
type PatternElem struct {
	Pos
	Kind PatternKind
	Text string
	Name *Ident
	Type string
}

// ParseOp is parse / parse-where [kind=simple|regex|relaxed [flags=...]]
// expr with pattern.
type ParseOp struct {
	Pos
	Keyword string // "parse" or "parse-where"
	Kind    string
	Flags   string
	X       Expr
	Pattern []*PatternElem
}

// ParseKvOp is parse-kv expr as (cols) with (props).
type ParseKvOp struct {
	Pos
	X       Expr
	Columns []ColumnDecl
	With    []*OpParam
}

// MakeSeriesAgg is one make-series aggregation: expr [default = value].
type MakeSeriesAgg struct {
	Pos
	Expr    *NamedExpr
	Default Expr
}

// MakeSeriesOp is make-series aggs on axis [from a] [to b] step c [by ...],
// or ... in range(a, b, c).
type MakeSeriesOp struct {
	Pos
	Params         []*OpParam
	Aggs           []*MakeSeriesAgg
	On             *NamedExpr
	From, To, Step Expr
	InRange        bool
	By             []*NamedExpr
}

// EvaluateOp is evaluate plugin(args) [: schema]; also a query source.
type EvaluateOp struct {
	Pos
	Params []*OpParam
	Call   *CallExpr
	Schema []ColumnDecl
}

// InvokeOp is invoke f(args).
type InvokeOp struct {
	Pos
	Call *CallExpr
}

// AsOp is as [hint.materialized=true] Name.
type AsOp struct {
	Pos
	Params []*OpParam
	Name   *Ident
}

// GetSchemaOp is getschema.
type GetSchemaOp struct {
	Pos
}

// RenderOp is render chart [with (...)]: parsed and ignored; Rest holds
// the source text of its properties.
type RenderOp struct {
	Pos
	Chart string
	Rest  string
}

// SerializeOp is serialize [name = expr, ...].
type SerializeOp struct {
	Pos
	Params []*OpParam
	Exprs  []*NamedExpr
}

// SampleOp is sample N.
type SampleOp struct {
	Pos
	Params []*OpParam
	N      Expr
}

// SampleDistinctOp is sample-distinct N of col.
type SampleDistinctOp struct {
	Pos
	Params []*OpParam
	N      Expr
	Of     Expr
}

// TopNestedLevel is one level of top-nested: [N] of expr [with others =
// x] by agg [asc|desc].
type TopNestedLevel struct {
	Pos
	N      Expr
	Of     *NamedExpr
	Others Expr
	By     *SortKey
}

// TopNestedOp is top-nested, top-nested, ...
type TopNestedOp struct {
	Pos
	Levels []*TopNestedLevel
}

// TopHittersOp is top-hitters N of expr [by expr].
type TopHittersOp struct {
	Pos
	N  Expr
	Of *NamedExpr
	By Expr
}

// PartitionOp is partition [params] by col (subquery) or { query }.
type PartitionOp struct {
	Pos
	Params []*OpParam
	By     Expr
	Sub    Expr
	Braces bool
}

// ReduceOp is reduce [params] by expr [with ...].
type ReduceOp struct {
	Pos
	Params []*OpParam
	By     *NamedExpr
	With   []*NamedExpr
}

// SearchOp is search [params] [in (tables)] predicate; also a source.
type SearchOp struct {
	Pos
	Params []*OpParam
	In     []Expr
	Pred   Expr
}

// FindOp is find [params] [in (tables)] where predicate [project ...].
type FindOp struct {
	Pos
	Params      []*OpParam
	In          []Expr
	Pred        Expr
	Project     []Expr // *Ident, or *CallExpr pack(*)
	ProjectAway []Expr
	AwayStar    bool
	Smart       bool
}

// PrintOp is print exprs: a query source.
type PrintOp struct {
	Pos
	Exprs []*NamedExpr
}

// ConsumeOp is consume.
type ConsumeOp struct {
	Pos
	Params []*OpParam
}

// ForkOp is fork (ops) (ops) ...: parsed; not executed.
type ForkOp struct {
	Pos
	Names    []*Ident // nil where unnamed
	Branches []Expr
}

// OpName returns the operator's keyword.
func (o *WhereOp) OpName() string          { return o.Keyword }
func (o *ExtendOp) OpName() string         { return "extend" }
func (o *ProjectOp) OpName() string        { return o.Keyword }
func (o *SummarizeOp) OpName() string      { return "summarize" }
func (o *SortOp) OpName() string           { return o.Keyword }
func (o *TopOp) OpName() string            { return "top" }
func (o *TakeOp) OpName() string           { return o.Keyword }
func (o *DistinctOp) OpName() string       { return "distinct" }
func (o *CountOp) OpName() string          { return "count" }
func (o *JoinOp) OpName() string           { return "join" }
func (o *LookupOp) OpName() string         { return "lookup" }
func (o *UnionOp) OpName() string          { return "union" }
func (o *MvExpandOp) OpName() string       { return o.Keyword }
func (o *MvApplyOp) OpName() string        { return o.Keyword }
func (o *ParseOp) OpName() string          { return o.Keyword }
func (o *ParseKvOp) OpName() string        { return "parse-kv" }
func (o *MakeSeriesOp) OpName() string     { return "make-series" }
func (o *EvaluateOp) OpName() string       { return "evaluate" }
func (o *InvokeOp) OpName() string         { return "invoke" }
func (o *AsOp) OpName() string             { return "as" }
func (o *GetSchemaOp) OpName() string      { return "getschema" }
func (o *RenderOp) OpName() string         { return "render" }
func (o *SerializeOp) OpName() string      { return "serialize" }
func (o *SampleOp) OpName() string         { return "sample" }
func (o *SampleDistinctOp) OpName() string { return "sample-distinct" }
func (o *TopNestedOp) OpName() string      { return "top-nested" }
func (o *TopHittersOp) OpName() string     { return "top-hitters" }
func (o *PartitionOp) OpName() string      { return "partition" }
func (o *ReduceOp) OpName() string         { return "reduce" }
func (o *SearchOp) OpName() string         { return "search" }
func (o *FindOp) OpName() string           { return "find" }
func (o *PrintOp) OpName() string          { return "print" }
func (o *ConsumeOp) OpName() string        { return "consume" }
func (o *ForkOp) OpName() string           { return "fork" }

// Operators that may also start a query are expressions too.
func (*UnionOp) exprNode()    {}
func (*EvaluateOp) exprNode() {}
func (*SearchOp) exprNode()   {}
func (*FindOp) exprNode()     {}
func (*PrintOp) exprNode()    {}
