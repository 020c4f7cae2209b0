package kql

import (
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// goUDF is the name of the DuckDB function through which SQL calls the
// functions that run in Go (goFuncs): kql_go('name', arg JSON text, ...)
// returns the result as JSON text.
const goUDF = "kql_go"

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
		return nil, fmt.Errorf("%s: %w", name, err)
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
