package kql

// Arg is a typed argument of a function or operator being compiled: its
// SQL, its KQL type, and its value when it is a compile-time constant.
type Arg struct {
	SQL   string
	Type  Type
	Const bool
	// Value is the constant's value: string, int64 (int, long), float64
	// (real, decimal), bool, time.Time (datetime), time.Duration
	// (timespan), string (guid), or for dynamic nil, bool, int64,
	// float64, string, []any or map[string]any. nil is null.
	Value any
}

// Binder binds a value as a query parameter and returns SQL of type t
// for it. Dialects use it for values they derive from constants (a
// regular expression built from a has term, a JSON path).
type Binder interface {
	Bind(v any, t Type) string
}

// Dialect is what differs between SQL engines. The compiler writes the
// relational skeleton (WITH ... SELECT ... FROM ... WHERE ... GROUP BY)
// itself; the dialect renders types, placeholders and every KQL scalar
// function, operator and aggregate. Implementations return SQL they
// write themselves plus the SQL of the arguments: never text from the
// query.
type Dialect interface {
	// Name is the engine's name: "duckdb".
	Name() string
	// QuoteIdent quotes an identifier.
	QuoteIdent(name string) string
	// Placeholder is the text of the n-th (1-based) bound parameter.
	Placeholder(n int) string
	// Typed returns a bound parameter (its placeholder SQL) as a value of
	// KQL type t.
	Typed(param string, t Type) string
	// Null is a typed null.
	Null(t Type) string
	// Output converts a column of type t for the final result set: the
	// form Run reads back (dynamic values as JSON text, for instance).
	Output(sql string, t Type) string
	// Call renders a scalar function or operator. Operators are named by
	// their KQL symbol ("==", "has", "+", "and", "unary-"); functions by
	// their KQL name. Arguments are already type-checked and converted
	// to the types the function declares.
	Call(b Binder, name string, args []Arg, result Type) (string, error)
	// Aggregate renders an aggregate function (count, dcount, make_set,
	// ...). filter, when not empty, is a predicate that selects the rows
	// (the *if variants).
	Aggregate(b Binder, name string, args []Arg, filter string, result Type) (string, error)
	// Field extracts field i of a record built by the arg_max, arg_min
	// and take_any aggregates (they return one row's values together).
	Field(record string, i int) string
	// KeysQuery is a query over relation from listing the keys of the
	// dynamic bags in column and the types of their values (rows of key,
	// KQL type name), for bag_unpack.
	KeysQuery(from, column string) string
	// Unnest renders the elements of a dynamic array (or the key/value
	// pairs of a bag, as bags or as arrays per bagExpansion) as a set
	// returned for each row in a select list: mv-expand.
	Unnest(b Binder, arr Arg, bagExpansion string, limit string) string
	// UnnestIndex renders the 0-based index that goes with Unnest.
	UnnestIndex(b Binder, arr Arg, bagExpansion string, limit string) string
}
