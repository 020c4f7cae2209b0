package kql

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// goUDF is the name of the DuckDB function through which SQL calls the
// functions that run in Go (goFuncs): kql_go('name', arg JSON text, ...)
// returns the result as JSON text.
const goUDF = "kql_go"

// funcErrorMarker starts the message of a Go function's error about its
// arguments (a series too long, an empty filter): Run finds it in the
// engine's error and answers a kql_semantic error at the call.
const funcErrorMarker = "kql function "

// RegisterDuckDB registers the functions compiled KQL calls on a DuckDB
// database (the registration is database-wide; conn is any connection of
// it). Run needs them for the series_* functions and parse_xml.
func RegisterDuckDB(conn *sql.Conn) error {
	if err := duckdb.RegisterScalarUDF(conn, goUDF, goUDFImpl{}); err != nil {
		return fmt.Errorf("cannot register %s: %w", goUDF, err)
	}
	return nil
}

type goUDFImpl struct{}

func (goUDFImpl) Config() duckdb.ScalarFuncConfig {
	str, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	return duckdb.ScalarFuncConfig{
		InputTypeInfos:   []duckdb.TypeInfo{str},
		VariadicTypeInfo: str,
		ResultTypeInfo:   str,
		// Nulls are arguments like any other (series_fill_const(x, null)).
		SpecialNullHandling: true,
	}
}

func (goUDFImpl) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: callGo}
}

// callGo runs one call: the function's name, then its arguments as JSON
// text (NULL for null).
func callGo(values []driver.Value) (res any, err error) {
	// A panic must not cross the cgo boundary (it would end the server):
	// it fails the query instead.
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%s: internal error: %v", goUDF, p)
		}
	}()
	name, _ := values[0].(string)
	fn, ok := goFuncs[name]
	if !ok {
		return nil, fmt.Errorf("%s: unknown function %q", goUDF, name)
	}
	args := make([]any, len(values)-1)
	for i, v := range values[1:] {
		var text []byte
		switch x := v.(type) {
		case nil:
			continue
		case string:
			text = []byte(x)
		case []byte:
			text = x
		default:
			return nil, fmt.Errorf("%s: argument %d of %s is %T, not JSON text", goUDF, i+1, name, v)
		}
		d, err := decodeJSON(text)
		if err != nil {
			// Not JSON: the text itself (parse_xml's argument, a string
			// passed without to_json).
			args[i] = string(text)
			continue
		}
		args[i] = d
	}
	out, err := fn(args)
	if err != nil {
		// The marker lets Run tell a bad argument (a query error) from a
		// failure of the engine.
		return nil, fmt.Errorf("%s%s: %w", funcErrorMarker, name, err)
	}
	if out == nil {
		return nil, nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot encode result: %w", name, err)
	}
	return string(b), nil
}

// goCall renders a call of a function that runs in Go: its name and
// arguments as JSON text through the kql_go UDF.
func (d DuckDB) goCall(b Binder, name string, args []Arg) string {
	parts := []string{b.Bind(name, TypeString)}
	for _, a := range args {
		if a.Type == TypeDynamic {
			parts = append(parts, "CAST("+a.SQL+" AS VARCHAR)")
		} else {
			parts = append(parts, "CAST(to_json("+a.SQL+") AS VARCHAR)")
		}
	}
	return "CAST(" + goUDF + "(" + strings.Join(parts, ", ") + ") AS JSON)"
}

var funcErrorRe = regexp.MustCompile(funcErrorMarker + `([a-z_0-9]+): ([^\n]*)`)

// funcError turns an engine error that carries a Go function's error into
// a kql_semantic *Error at the first call of that function in the query;
// nil when err is not one.
func funcError(q *Query, err error) error {
	m := funcErrorRe.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	name, msg := m[1], m[2]
	pos := Pos{Line: 1, Column: 1}
	found := false
	var walk func(n any)
	walk = func(n any) {
		if found {
			return
		}
		switch n := n.(type) {
		case nil:
		case *CallExpr:
			if n.Name.Name == name {
				pos, found = n.Pos, true
				return
			}
			for _, a := range n.Args {
				walk(a)
			}
		default:
			walkChildren(n, walk)
		}
	}
	if q != nil {
		for _, st := range q.Statements {
			walk(st)
		}
	}
	return &Error{Code: CodeSemantic, Message: fmt.Sprintf("%s cannot run on this data: %s", name, msg), Line: pos.Line, Column: pos.Column, Offset: pos.Offset}
}
