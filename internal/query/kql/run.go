package kql

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Querier runs SQL: *sql.DB, *sql.Conn and *sql.Tx satisfy it.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

var (
	_ Querier = (*sql.DB)(nil)
	_ Querier = (*sql.Conn)(nil)
)

// DefaultMaxRows is the row cap of Run when RunOptions.MaxRows is zero.
const DefaultMaxRows = 10_000

// RunOptions control Run.
type RunOptions struct {
	// MaxRows caps the rows returned (default DefaultMaxRows); Result
	// says when there were more.
	MaxRows int
}

// Result is a query's result. Values are nil (null), bool, int64,
// float64, string (strings, guids, and timespans in Kusto's
// [-][d.]hh:mm:ss[.fffffff] form), time.Time (UTC) and, for dynamic
// columns, the decoded JSON (nil, bool, int64, float64, string, []any,
// map[string]any).
type Result struct {
	Columns   []ResultColumn `json:"columns"`
	Rows      [][]any        `json:"rows"`
	Truncated bool           `json:"truncated"`
}

// maxDiscoveryRounds bounds the queries that find bag_unpack's columns.
const maxDiscoveryRounds = 8

// Run executes a compiled query with the row cap, under ctx (cancel it to
// stop the query). Queries whose columns depend on the data (bag_unpack)
// first run a query for those columns and are compiled again.
func Run(ctx context.Context, db Querier, q *Compiled, opts RunOptions) (*Result, error) {
	if opts.MaxRows <= 0 {
		opts.MaxRows = DefaultMaxRows
	}
	copts := q.opts
	copts.MaxRows = opts.MaxRows + 1
	for round := 0; ; round++ {
		if len(q.discover) == 0 && q.opts.MaxRows == copts.MaxRows {
			break
		}
		if round > maxDiscoveryRounds {
			return nil, fmt.Errorf("cannot run query: bag_unpack columns still unknown after %d rounds", maxDiscoveryRounds)
		}
		for _, d := range q.discover {
			cols, err := discoverKeys(ctx, db, d)
			if err != nil {
				return nil, err
			}
			if copts.unpacked == nil {
				copts.unpacked = map[int][]Column{}
			} else if round == 0 {
				m := make(map[int][]Column, len(copts.unpacked))
				for k, v := range copts.unpacked {
					m[k] = v
				}
				copts.unpacked = m
			}
			copts.unpacked[d.offset] = cols
		}
		next, err := Compile(q.query, q.catalog, copts)
		if err != nil {
			return nil, err
		}
		q = next
	}
	rows, err := db.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		if fe := funcError(q.query, err); fe != nil {
			return nil, fe
		}
		return nil, fmt.Errorf("cannot run query: %w", err)
	}
	defer rows.Close()
	res := &Result{Columns: q.Columns, Rows: [][]any{}}
	n := len(q.Columns)
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if n == 0 {
		ptrs = []any{new(any)}
	}
	for rows.Next() {
		if len(res.Rows) == opts.MaxRows {
			res.Truncated = true
			break
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("cannot read result: %w", err)
		}
		row := make([]any, n)
		for i, v := range vals {
			row[i] = convertValue(v, q.types[i])
		}
		res.Rows = append(res.Rows, row)
	}
	if err := rows.Err(); err != nil {
		if fe := funcError(q.query, err); fe != nil {
			return nil, fe
		}
		return nil, fmt.Errorf("cannot read result: %w", err)
	}
	return res, nil
}

// discoverKeys runs a bag_unpack key query: the keys and their types.
func discoverKeys(ctx context.Context, db Querier, d discovery) ([]Column, error) {
	rows, err := db.QueryContext(ctx, d.sql, d.args...)
	if err != nil {
		return nil, fmt.Errorf("cannot find bag_unpack columns: %w", err)
	}
	defer rows.Close()
	var cols []Column
	for rows.Next() {
		var key string
		var types sql.NullString
		if err := rows.Scan(&key, &types); err != nil {
			return nil, fmt.Errorf("cannot find bag_unpack columns: %w", err)
		}
		cols = append(cols, Column{Name: key, Type: jsonTypeToKQL(types.String)})
	}
	return cols, rows.Err()
}

// jsonTypeToKQL picks a column type for the JSON types seen under a key:
// one scalar type gives that type, numbers mixed give real, anything else
// dynamic.
func jsonTypeToKQL(types string) Type {
	seen := map[string]bool{}
	for _, t := range strings.Split(types, ",") {
		if t != "" && t != "NULL" {
			seen[t] = true
		}
	}
	if len(seen) == 1 {
		for t := range seen {
			switch t {
			case "VARCHAR":
				return TypeString
			case "BIGINT", "UBIGINT":
				return TypeLong
			case "DOUBLE":
				return TypeReal
			case "BOOLEAN":
				return TypeBool
			}
		}
	}
	if len(seen) == 2 && seen["DOUBLE"] && (seen["BIGINT"] || seen["UBIGINT"]) {
		return TypeReal
	}
	return TypeDynamic
}

// convertValue turns a driver value into the Result form for its type.
func convertValue(v any, t Type) any {
	if v == nil {
		if t == TypeString {
			return ""
		}
		return nil
	}
	switch t {
	case TypeInt, TypeLong:
		switch x := v.(type) {
		case int32:
			return int64(x)
		case int64:
			return x
		case int16:
			return int64(x)
		case int8:
			return int64(x)
		case float64:
			return int64(x)
		}
	case TypeReal, TypeDecimal:
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil
			}
			return x
		case float32:
			return float64(x)
		case int64:
			return float64(x)
		}
	case TypeTimespan:
		if x, ok := v.(int64); ok {
			return formatTimespan(x)
		}
	case TypeDatetime:
		if x, ok := v.(time.Time); ok {
			return x.UTC()
		}
	case TypeDynamic:
		var text []byte
		switch x := v.(type) {
		case string:
			text = []byte(x)
		case []byte:
			text = x
		default:
			return x
		}
		d, err := decodeJSON(text)
		if err != nil {
			return string(text)
		}
		return d
	}
	return v
}

// decodeJSON decodes JSON keeping integers as int64.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data after JSON value")
	}
	return numbers(v), nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}
