package kql

import (
	"fmt"
	"strconv"
	"strings"
)

// DuckDB is the SQL dialect of DuckDB (1.5, with the bundled json
// extension). KQL types map to BOOLEAN, INTEGER, BIGINT, DOUBLE (real and
// decimal), VARCHAR (string, guid), TIMESTAMP (datetime, UTC, in
// microseconds), BIGINT (timespan, in 100 ns ticks, as in Kusto) and JSON
// (dynamic).
type DuckDB struct{}

var _ Dialect = DuckDB{}

// Name implements Dialect.
func (DuckDB) Name() string { return "duckdb" }

// QuoteIdent implements Dialect.
func (DuckDB) QuoteIdent(name string) string { return quoteStd(name) }

// Placeholder implements Dialect.
func (DuckDB) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

func duckType(t Type) string {
	switch t {
	case TypeBool:
		return "BOOLEAN"
	case TypeInt:
		return "INTEGER"
	case TypeLong, TypeTimespan:
		return "BIGINT"
	case TypeReal, TypeDecimal:
		return "DOUBLE"
	case TypeDatetime:
		return "TIMESTAMP"
	case TypeDynamic:
		return "JSON"
	}
	return "VARCHAR"
}

// Typed implements Dialect.
func (DuckDB) Typed(param string, t Type) string { return "CAST(" + param + " AS " + duckType(t) + ")" }

// Null implements Dialect.
func (DuckDB) Null(t Type) string { return "CAST(NULL AS " + duckType(t) + ")" }

// Output implements Dialect: dynamic values travel as JSON text.
func (DuckDB) Output(sql string, t Type) string {
	if t == TypeDynamic {
		return "CAST(" + sql + " AS VARCHAR)"
	}
	return sql
}

// Field implements Dialect.
func (DuckDB) Field(record string, i int) string {
	return "struct_extract(" + record + ", 'f" + strconv.Itoa(i) + "')"
}

// KeysQuery implements Dialect.
func (DuckDB) KeysQuery(from, column string) string {
	return "SELECT _kk, string_agg(DISTINCT json_type(json_extract(_kj, '$.' || CAST(to_json(_kk) AS VARCHAR))), ',') FROM " +
		"(SELECT _kj, unnest(json_keys(_kj)) AS _kk FROM (SELECT " + column + " AS _kj FROM " + from + ") AS _kb " +
		"WHERE json_type(_kj) = 'OBJECT') AS _ku GROUP BY _kk ORDER BY _kk LIMIT 1000"
}

// expansion is the list mv-expand unnests: an array's elements, a bag's
// properties (as {key: value} bags, or [key, value] arrays), or the value
// itself.
func expansion(x Arg, bag, limit string) string {
	pair := "json_object(_kv, json_extract(" + x.SQL + ", '$.' || CAST(to_json(_kv) AS VARCHAR)))"
	if bag == "array" {
		pair = "json_array(_kv, json_extract(" + x.SQL + ", '$.' || CAST(to_json(_kv) AS VARCHAR)))"
	}
	list := "(CASE json_type(" + x.SQL + ") WHEN 'ARRAY' THEN CAST(" + x.SQL + " AS JSON[]) " +
		"WHEN 'OBJECT' THEN list_transform(json_keys(" + x.SQL + "), lambda _kv: " + pair + ") " +
		"ELSE [" + x.SQL + "] END)"
	if limit != "" {
		list = "list_slice(" + list + ", 1, " + limit + ")"
	}
	return list
}

// Unnest implements Dialect.
func (DuckDB) Unnest(b Binder, x Arg, bag, limit string) string {
	return "unnest(" + expansion(x, bag, limit) + ")"
}

// UnnestIndex implements Dialect.
func (DuckDB) UnnestIndex(b Binder, x Arg, bag, limit string) string {
	return "unnest(range(len(" + expansion(x, bag, limit) + ")))"
}

func isAlnum(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// termRegex is the RE2 pattern of a has-family term: the term with
// boundaries (no ASCII letter or digit) where it starts or ends with one.
func termRegex(term string, left, right bool) string {
	var b strings.Builder
	if left && term != "" && isAlnum(term[0]) {
		b.WriteString("(?:^|[^0-9A-Za-z])")
	}
	b.WriteString(regexpQuote(term))
	if right && term != "" && isAlnum(term[len(term)-1]) {
		b.WriteString("(?:$|[^0-9A-Za-z])")
	}
	return b.String()
}

const ticksPerMicro = 10

// datetimeString formats a TIMESTAMP as Kusto does (ISO 8601, Z, a
// 7-digit fraction only when there is one).
func datetimeString(x string) string {
	return "CASE WHEN " + x + " IS NULL THEN '' ELSE strftime(" + x + ", '%Y-%m-%dT%H:%M:%S') || " +
		"CASE WHEN microsecond(" + x + ") % 1000000 = 0 THEN '' ELSE '.' || lpad(CAST(microsecond(" + x + ") % 1000000 AS VARCHAR), 6, '0') || '0' END || 'Z' END"
}

// timespanString formats ticks as [-][d.]hh:mm:ss[.fffffff].
func timespanString(x string) string {
	a := "abs(" + x + ")"
	return "CASE WHEN " + x + " IS NULL THEN '' ELSE (CASE WHEN " + x + " < 0 THEN '-' ELSE '' END) || " +
		"(CASE WHEN " + a + " >= 864000000000 THEN CAST(" + a + " // 864000000000 AS VARCHAR) || '.' ELSE '' END) || " +
		"printf('%02d:%02d:%02d', (" + a + " // 36000000000) % 24, (" + a + " // 600000000) % 60, (" + a + " // 10000000) % 60) || " +
		"(CASE WHEN " + a + " % 10000000 = 0 THEN '' ELSE '.' || lpad(CAST(" + a + " % 10000000 AS VARCHAR), 7, '0') END) END"
}

// timespanParse parses [-][d.]hh:mm[:ss[.f]] text into ticks.
func timespanParse(x string) string {
	m := "regexp_extract(" + x + `, '^\s*(-?)(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*$', ['s','d','h','m','sec','f'])`
	return "(SELECT CASE WHEN _ts.h = '' THEN NULL ELSE (CASE WHEN _ts.s = '-' THEN -1 ELSE 1 END) * (" +
		"coalesce(TRY_CAST(NULLIF(_ts.d, '') AS BIGINT), 0) * 864000000000 + CAST(_ts.h AS BIGINT) * 36000000000 + " +
		"CAST(_ts.m AS BIGINT) * 600000000 + coalesce(TRY_CAST(NULLIF(_ts.sec, '') AS BIGINT), 0) * 10000000 + " +
		"coalesce(TRY_CAST(NULLIF(rpad(_ts.f, 7, '0'), '0000000') AS BIGINT), 0)) END FROM (SELECT " + m + " AS _t) AS _tt(_ts))"
}

// ipv4Num converts dotted-quad text to a number (NULL when malformed).
func ipv4Num(x string) string {
	p := func(i int) string { return "TRY_CAST(split_part(" + x + ", '.', " + strconv.Itoa(i) + ") AS BIGINT)" }
	return "(CASE WHEN regexp_full_match(" + x + `, '\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}') THEN ` +
		p(1) + " * 16777216 + " + p(2) + " * 65536 + " + p(3) + " * 256 + " + p(4) + " END)"
}

// ipv4Prefix is the prefix length of "a.b.c.d/n" (32 without /n).
func ipv4Prefix(x string) string {
	return "(CASE WHEN contains(" + x + ", '/') THEN TRY_CAST(split_part(" + x + ", '/', 2) AS BIGINT) ELSE 32 END)"
}

func ipv4Addr(x string) string { return ipv4Num("split_part(" + x + ", '/', 1)") }

// ipv4Masked is ip with its host bits cleared for prefix bits.
func ipv4Masked(ip, bits string) string {
	return "(" + ip + " // (1::BIGINT << (32 - " + bits + ")))"
}

func paren(s string) string { return "(" + s + ")" }

// Call implements Dialect.
func (d DuckDB) Call(b Binder, name string, args []Arg, result Type) (string, error) {
	a := func(i int) string { return args[i].SQL }
	cs := func(i int) (string, bool) {
		s, ok := args[i].Value.(string)
		return s, ok && args[i].Const
	}
	join := func(sep string, from int) string {
		parts := make([]string, 0, len(args))
		for _, x := range args[from:] {
			parts = append(parts, x.SQL)
		}
		return strings.Join(parts, sep)
	}
	not := func(s string, err error) (string, error) {
		if err != nil {
			return "", err
		}
		return "(NOT " + s + ")", nil
	}
	switch name {
	case "cast":
		return d.cast(b, args[0], result), nil
	case "tostring":
		return d.cast(b, args[0], TypeString), nil
	case "tolong", "toint", "toreal", "todouble", "todecimal", "tobool", "toboolean", "todatetime", "totimespan", "totime",
		"toguid":
		return d.cast(b, args[0], result), nil
	case "parse_json", "parsejson", "todynamic", "toobject":
		// todynamic is parse_json in Kusto: a string is parsed.
		if args[0].Type != TypeString {
			return d.cast(b, args[0], TypeDynamic), nil
		}
		return "(CASE WHEN json_valid(" + a(0) + ") THEN json(" + a(0) + ") ELSE to_json(" + a(0) + ") END)", nil

	// Comparison and arithmetic.
	case "==", "!=":
		// KQL: null == value is false, null != value is true, and either
		// is null when both sides are null.
		l, r := a(0), a(1)
		if args[0].Type == TypeDynamic {
			l, r = "CAST("+l+" AS VARCHAR)", "CAST("+r+" AS VARCHAR)"
		}
		nonNull := args[0].Const && args[0].Value != nil || args[1].Const && args[1].Value != nil
		switch {
		case args[0].Type == TypeString || args[0].Type == TypeGuid:
			op := " = "
			if name == "!=" {
				op = " <> "
			}
			return "(" + l + op + r + ")", nil
		case nonNull && name == "==":
			return "(" + l + " IS NOT DISTINCT FROM " + r + ")", nil
		case nonNull:
			return "(" + l + " IS DISTINCT FROM " + r + ")", nil
		case name == "==":
			return "(CASE WHEN " + l + " IS NULL AND " + r + " IS NULL THEN NULL ELSE " + l + " IS NOT DISTINCT FROM " + r + " END)", nil
		}
		return "(CASE WHEN " + l + " IS NULL AND " + r + " IS NULL THEN NULL ELSE " + l + " IS DISTINCT FROM " + r + " END)", nil
	case "<", "<=", ">", ">=":
		return "(" + a(0) + " " + name + " " + a(1) + ")", nil
	case "+", "-":
		switch {
		case args[0].Type == TypeDatetime && args[1].Type == TypeTimespan:
			return "(" + a(0) + " " + name + " to_microseconds(" + a(1) + " // 10))", nil
		case args[0].Type == TypeDatetime && args[1].Type == TypeDatetime:
			return "((epoch_us(" + a(0) + ") - epoch_us(" + a(1) + ")) * 10)", nil
		}
		return "(" + a(0) + " " + name + " " + a(1) + ")", nil
	case "*":
		if result == TypeTimespan && args[1].Type != TypeTimespan && !args[1].Type.integer() {
			return "CAST(round(" + a(0) + " * " + a(1) + ") AS BIGINT)", nil
		}
		return "(" + a(0) + " * " + a(1) + ")", nil
	case "/":
		switch {
		case args[0].Type == TypeTimespan && args[1].Type == TypeTimespan:
			return "(CAST(" + a(0) + " AS DOUBLE) / " + a(1) + ")", nil
		case result == TypeTimespan:
			return "CAST(round(" + a(0) + " / " + a(1) + ") AS BIGINT)", nil
		case result.integer():
			return "(" + a(0) + " // " + a(1) + ")", nil
		}
		return "(" + a(0) + " / " + a(1) + ")", nil
	case "%":
		if result == TypeReal {
			return "fmod(" + a(0) + ", " + a(1) + ")", nil
		}
		return "(" + a(0) + " % " + a(1) + ")", nil
	case "unary-":
		return "(-" + a(0) + ")", nil
	case "and":
		return "(" + a(0) + " AND " + a(1) + ")", nil
	case "or":
		return "(" + a(0) + " OR " + a(1) + ")", nil
	case "not":
		return "(NOT " + a(0) + ")", nil

	// String operators.
	case "=~", "!~":
		r := "(lower(" + a(0) + ") = lower(" + a(1) + "))"
		if s, ok := cs(1); ok {
			r = "(lower(" + a(0) + ") = " + b.Bind(strings.ToLower(s), TypeString) + ")"
		}
		if name == "!~" {
			return "(NOT " + r + ")", nil
		}
		return r, nil
	case "contains", "!contains", "contains_cs", "!contains_cs", "startswith", "!startswith", "startswith_cs", "!startswith_cs",
		"endswith", "!endswith", "endswith_cs", "!endswith_cs":
		r := d.substring(b, strings.TrimPrefix(name, "!"), args)
		if strings.HasPrefix(name, "!") {
			return "(NOT " + r + ")", nil
		}
		return r, nil
	case "has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs":
		return d.has(b, name, args[0], args[1]), nil
	case "!has", "!has_cs", "!hasprefix", "!hasprefix_cs", "!hassuffix", "!hassuffix_cs":
		return not(d.Call(b, name[1:], args, result))
	case "matches regex":
		return "regexp_matches(" + a(0) + ", " + a(1) + ")", nil
	case "like", "likecs":
		op := " ILIKE "
		if name == "likecs" {
			op = " LIKE "
		}
		return "(" + a(0) + op + a(1) + ")", nil
	case "notlike", "notlikecs":
		return not(d.Call(b, strings.TrimPrefix(name, "not"), args, result))
	case "in", "in~":
		return d.in(b, name == "in~", args), nil
	case "!in", "!in~":
		r := d.in(b, name == "!in~", args)
		return "(NOT coalesce(" + r + ", false))", nil
	case "has_any", "has_all":
		return d.hasList(b, name == "has_all", args), nil
	case "between":
		return "(" + a(0) + " BETWEEN " + a(1) + " AND " + a(2) + ")", nil
	case "!between":
		return "(NOT (" + a(0) + " BETWEEN " + a(1) + " AND " + a(2) + "))", nil

	// Emptiness and choice.
	case "isempty", "isnotempty":
		var r string
		switch args[0].Type {
		case TypeString, TypeGuid:
			r = "(coalesce(" + a(0) + ", '') = '')"
		case TypeDynamic:
			r = "(" + a(0) + " IS NULL OR json_type(" + a(0) + ") = 'NULL' OR CAST(" + a(0) + " AS VARCHAR) = '\"\"')"
		default:
			r = "(" + a(0) + " IS NULL)"
		}
		if name == "isnotempty" {
			return "(NOT " + r + ")", nil
		}
		return r, nil
	case "isnull", "isnotnull":
		r := "(" + a(0) + " IS NULL)"
		if args[0].Type == TypeString {
			r = "false"
		} else if args[0].Type == TypeDynamic {
			r = "(" + a(0) + " IS NULL OR json_type(" + a(0) + ") = 'NULL')"
		}
		if name == "isnotnull" {
			return "(NOT " + r + ")", nil
		}
		return r, nil
	case "iff", "iif":
		return "(CASE WHEN " + a(0) + " THEN " + a(1) + " ELSE " + a(2) + " END)", nil
	case "case":
		var s strings.Builder
		s.WriteString("(CASE")
		for i := 0; i+1 < len(args); i += 2 {
			s.WriteString(" WHEN " + a(i) + " THEN " + a(i+1))
		}
		s.WriteString(" ELSE " + a(len(args)-1) + " END)")
		return s.String(), nil
	case "coalesce":
		if result == TypeString {
			parts := make([]string, len(args))
			for i := range args {
				parts[i] = "NULLIF(" + a(i) + ", '')"
			}
			return "coalesce(" + strings.Join(parts, ", ") + ", '')", nil
		}
		return "coalesce(" + join(", ", 0) + ")", nil
	case "max_of":
		return "greatest(" + join(", ", 0) + ")", nil
	case "min_of":
		return "least(" + join(", ", 0) + ")", nil
	case "isnan":
		return "isnan(" + a(0) + ")", nil
	case "isinf":
		return "isinf(" + a(0) + ")", nil
	case "isfinite":
		return "isfinite(" + a(0) + ")", nil

	// Strings.
	case "strlen":
		return "length(" + a(0) + ")", nil
	case "string_size":
		return "strlen(" + a(0) + ")", nil
	case "tolower":
		return "lower(" + a(0) + ")", nil
	case "toupper":
		return "upper(" + a(0) + ")", nil
	case "strcat":
		return "concat(" + join(", ", 0) + ")", nil
	case "strcat_delim":
		return "concat_ws(" + join(", ", 0) + ")", nil
	case "strcat_array", "array_strcat":
		return "coalesce(array_to_string(from_json(" + a(0) + `, '["VARCHAR"]'), ` + a(1) + "), '')", nil
	case "substring":
		start := "greatest(" + a(1) + ", 0) + 1"
		if len(args) == 3 {
			return "substr(" + a(0) + ", " + start + ", greatest(" + a(2) + ", 0))", nil
		}
		return "substr(" + a(0) + ", " + start + ")", nil
	case "indexof":
		if len(args) == 2 {
			return "(strpos(" + a(0) + ", " + a(1) + ") - 1)", nil
		}
		// indexof(s, lookup, start[, length[, occurrence]]): from start.
		return "(CASE WHEN strpos(substr(" + a(0) + ", " + a(2) + " + 1), " + a(1) + ") = 0 THEN -1 ELSE strpos(substr(" + a(0) + ", " + a(2) + " + 1), " + a(1) + ") - 1 + " + a(2) + " END)", nil
	case "split":
		list := "string_split(" + a(0) + ", " + a(1) + ")"
		if len(args) == 3 {
			return "to_json([" + list + "[" + a(2) + " + 1]])", nil
		}
		return "to_json(" + list + ")", nil
	case "extract":
		r := "regexp_extract(" + a(2) + ", " + a(0) + ", CAST(" + a(1) + " AS INTEGER))"
		if result != TypeString {
			return d.cast(b, Arg{SQL: "NULLIF(" + r + ", '')", Type: TypeString}, result), nil
		}
		return r, nil
	case "extract_all":
		text, re := a(len(args)-1), a(0)
		if s, ok := cs(0); ok && groupCount(s) > 1 {
			if len(args) == 3 {
				return "", fmt.Errorf("extract_all with capture group numbers is not supported")
			}
			var fields []string
			for g := 1; g <= groupCount(s); g++ {
				fields = append(fields, "regexp_extract(_m, "+re+", "+strconv.Itoa(g)+")")
			}
			return "to_json(list_transform(regexp_extract_all(" + text + ", " + re + ", 0), lambda _m: [" + strings.Join(fields, ", ") + "]))", nil
		}
		group := "0"
		if s, ok := cs(0); ok && groupCount(s) == 1 {
			group = "1"
		}
		return "to_json(regexp_extract_all(" + text + ", " + re + ", " + group + "))", nil
	case "extractjson", "extract_json":
		r := "json_extract_string(" + a(1) + ", " + a(0) + ")"
		if result != TypeString {
			return d.cast(b, Arg{SQL: r, Type: TypeString}, result), nil
		}
		return "coalesce(" + r + ", '')", nil
	case "replace_string":
		return "replace(" + a(0) + ", " + a(1) + ", " + a(2) + ")", nil
	case "replace_regex":
		return "regexp_replace(" + a(0) + ", " + a(1) + ", " + a(2) + ", 'g')", nil
	case "replace":
		return "regexp_replace(" + a(2) + ", " + a(0) + ", " + a(1) + ", 'g')", nil
	case "trim", "trim_start", "trim_end":
		re, text := a(0), a(1)
		var pat string
		switch name {
		case "trim":
			pat = "'^(?:' || " + re + " || ')+|(?:' || " + re + " || ')+$'"
		case "trim_start":
			pat = "'^(?:' || " + re + " || ')+'"
		default:
			pat = "'(?:' || " + re + " || ')+$'"
		}
		return "regexp_replace(" + text + ", " + pat + ", '', 'g')", nil
	case "reverse":
		return "reverse(" + a(0) + ")", nil
	case "countof":
		if len(args) == 3 {
			if s, _ := cs(2); s == "regex" {
				return "len(regexp_extract_all(" + a(0) + ", " + a(1) + "))", nil
			}
		}
		return "CAST((length(" + a(0) + ") - length(replace(" + a(0) + ", " + a(1) + ", ''))) // greatest(length(" + a(1) + "), 1) AS BIGINT)", nil
	case "strrep":
		if len(args) == 3 {
			return "array_to_string(list_transform(range(" + a(1) + "), lambda _x: " + a(0) + "), " + a(2) + ")", nil
		}
		return "repeat(" + a(0) + ", CAST(" + a(1) + " AS BIGINT))", nil
	case "translate":
		return "translate(" + a(2) + ", " + a(0) + ", " + a(1) + ")", nil
	case "strcmp":
		return "(CASE WHEN " + a(0) + " < " + a(1) + " THEN -1 WHEN " + a(0) + " > " + a(1) + " THEN 1 ELSE 0 END)", nil
	case "url_decode":
		return "coalesce(TRY(url_decode(" + a(0) + ")), '')", nil
	case "url_encode", "url_encode_component":
		return "url_encode(" + a(0) + ")", nil
	case "base64_decode_tostring", "base64_decodestring":
		return "coalesce(TRY(decode(from_base64(" + a(0) + "))), '')", nil
	case "base64_encode_tostring", "base64_encodestring":
		return "to_base64(encode(" + a(0) + "))", nil
	case "hash_sha256":
		return "sha256(" + a(0) + ")", nil
	case "hash_sha1":
		return "sha1(" + a(0) + ")", nil
	case "hash_md5":
		return "md5(" + a(0) + ")", nil
	case "hash":
		if len(args) == 2 {
			return "CAST(hash(" + a(0) + ") % CAST(" + a(1) + " AS UBIGINT) AS BIGINT)", nil
		}
		return "CAST(hash(" + a(0) + ") >> 1 AS BIGINT)", nil
	case "indexof_regex":
		return "(CASE WHEN regexp_matches(" + a(0) + ", " + a(1) + ") THEN strpos(" + a(0) + ", regexp_extract(" + a(0) + ", " + a(1) + ", 0)) - 1 ELSE -1 END)", nil
	case "isascii":
		return "regexp_full_match(" + a(0) + `, '[\x00-\x7F]*')`, nil
	case "isutf8":
		return "true", nil
	case "new_guid":
		return "CAST(uuid() AS VARCHAR)", nil
	case "gettype":
		return d.gettype(args[0]), nil
	case "parse_url":
		return d.parseURL(a(0)), nil
	case "parse_urlquery":
		return "json_object('Query Parameters', " + d.queryParams(a(0)) + ")", nil

	// Dynamic values.
	case "jpath":
		return "json_extract(" + a(0) + ", " + a(1) + ")", nil
	case "jindex":
		if args[1].Type.integer() {
			return "json_extract(" + a(0) + ", CASE WHEN " + a(1) + " < 0 THEN '$[#' || " + a(1) + " || ']' ELSE '$[' || " + a(1) + " || ']' END)", nil
		}
		return "json_extract(" + a(0) + ", '$.' || CAST(to_json(" + a(1) + ") AS VARCHAR))", nil
	case "array_length", "arraylength":
		return "(CASE WHEN json_type(" + a(0) + ") = 'ARRAY' THEN CAST(json_array_length(" + a(0) + ") AS BIGINT) END)", nil
	case "array_concat":
		parts := make([]string, len(args))
		for i := range args {
			parts[i] = jsonList(a(i))
		}
		return "to_json(flatten([" + strings.Join(parts, ", ") + "]))", nil
	case "array_slice":
		l := jsonList(a(0))
		start := "(CASE WHEN " + a(1) + " < 0 THEN len(" + l + ") + " + a(1) + " ELSE " + a(1) + " END)"
		end := "(CASE WHEN " + a(2) + " < 0 THEN len(" + l + ") + " + a(2) + " ELSE " + a(2) + " END)"
		return "to_json(list_slice(" + l + ", " + start + " + 1, " + end + " + 1))", nil
	case "array_index_of":
		return "(list_position(from_json(" + a(0) + `, '["VARCHAR"]'), ` + d.cast(b, args[1], TypeString) + ") - 1)", nil
	case "array_sort_asc":
		return "to_json(list_sort(" + jsonList(a(0)) + "))", nil
	case "array_sort_desc":
		return "to_json(list_reverse_sort(" + jsonList(a(0)) + "))", nil
	case "array_reverse":
		return "to_json(list_reverse(" + jsonList(a(0)) + "))", nil
	case "array_sum":
		return "list_sum(from_json(" + a(0) + `, '["DOUBLE"]'))`, nil
	case "pack", "pack_dictionary", "bag_pack":
		if len(args) == 0 {
			return "json_object()", nil
		}
		parts := make([]string, 0, len(args))
		for i := 0; i < len(args); i += 2 {
			parts = append(parts, a(i), d.jsonValue(b, args[i+1]))
		}
		return "json_object(" + strings.Join(parts, ", ") + ")", nil
	case "pack_array":
		parts := make([]string, len(args))
		for i, x := range args {
			parts[i] = d.jsonValue(b, x)
		}
		return "json_array(" + strings.Join(parts, ", ") + ")", nil
	case "bag_keys":
		return "to_json(coalesce(json_keys(" + a(0) + "), []))", nil
	case "bag_has_key":
		return "coalesce(list_contains(json_keys(" + a(0) + "), " + a(1) + "), false)", nil
	case "bag_merge":
		r := a(0)
		for i := 1; i < len(args); i++ {
			r = "json_merge_patch(" + a(i) + ", " + r + ")"
		}
		return r, nil
	case "bag_remove_keys":
		return "(SELECT json_group_object(_k, json_extract(" + a(0) + ", '$.' || CAST(to_json(_k) AS VARCHAR))) FROM unnest(json_keys(" + a(0) + ")) AS _bk(_k) " +
			"WHERE NOT list_contains(from_json(" + a(1) + `, '["VARCHAR"]'), _k))`, nil
	case "set_has_element":
		return "list_contains(from_json(" + a(0) + `, '["VARCHAR"]'), ` + d.cast(b, args[1], TypeString) + ")", nil
	case "set_union":
		parts := make([]string, len(args))
		for i := range args {
			parts[i] = jsonList(a(i))
		}
		return "to_json(list_distinct(flatten([" + strings.Join(parts, ", ") + "])))", nil
	case "set_intersect", "set_difference":
		op := ""
		if name == "set_difference" {
			op = "NOT "
		}
		var conds []string
		for i := 1; i < len(args); i++ {
			conds = append(conds, op+"list_contains("+jsonList(a(i))+", _e)")
		}
		join := " AND "
		if name == "set_difference" {
			join = " AND "
		}
		return "to_json(list_distinct(list_filter(" + jsonList(a(0)) + ", lambda _e: " + strings.Join(conds, join) + ")))", nil
	case "zip":
		parts := make([]string, len(args))
		for i := range args {
			parts[i] = jsonList(a(i))
		}
		return "to_json(list_transform(list_zip(" + strings.Join(parts, ", ") + "), lambda _z: json_array(" + zipFields(len(args)) + ")))", nil

	// Date and time.
	case "startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek", "endofmonth", "endofyear":
		unit := strings.TrimPrefix(strings.TrimPrefix(name, "startof"), "endof")
		start := "date_trunc('" + unit + "', " + a(0) + ")"
		step := map[string]string{"day": "to_days", "week": "to_weeks", "month": "to_months", "year": "to_years"}[unit]
		if unit == "week" {
			// Kusto's weeks start on Sunday.
			start = "(date_trunc('day', " + a(0) + ") - to_days(CAST(dayofweek(" + a(0) + ") AS INTEGER)))"
		}
		if len(args) == 2 {
			start = "(" + start + " + " + step + "(CAST(" + a(1) + " AS INTEGER)))"
		}
		if strings.HasPrefix(name, "end") {
			return "(" + start + " + " + step + "(1) - INTERVAL 1 MICROSECOND)", nil
		}
		return "CAST(" + start + " AS TIMESTAMP)", nil
	case "bin", "floor", "bin_at":
		if len(args) == 1 {
			return "floor(" + a(0) + ")", nil
		}
		at := ""
		if len(args) == 3 {
			at = a(2)
		}
		return d.bin(a(0), a(1), at, result), nil
	case "datetime_diff":
		part, _ := cs(0)
		p := datetimeParts[strings.ToLower(part)]
		if p == "millisecond" || p == "microsecond" || p == "nanosecond" {
			// Boundaries crossed, like the other parts.
			switch p {
			case "millisecond":
				return "(CAST(floor(epoch_us(" + a(1) + ") / 1000) AS BIGINT) - CAST(floor(epoch_us(" + a(2) + ") / 1000) AS BIGINT))", nil
			case "microsecond":
				return "(epoch_us(" + a(1) + ") - epoch_us(" + a(2) + "))", nil
			}
			return "((epoch_us(" + a(1) + ") - epoch_us(" + a(2) + ")) * 1000)", nil
		}
		if p == "dayofyear" {
			p = "day"
		}
		if p == "week" {
			// Kusto's weeks start on Sunday.
			sow := func(x string) string {
				return "(date_trunc('day', " + x + ") - to_days(CAST(dayofweek(" + x + ") AS INTEGER)))"
			}
			return "(date_diff('day', " + sow(a(2)) + ", " + sow(a(1)) + ") // 7)", nil
		}
		return "date_diff('" + p + "', " + a(2) + ", " + a(1) + ")", nil
	case "datetime_add":
		part, _ := cs(0)
		p := datetimeParts[strings.ToLower(part)]
		fn := map[string]string{"year": "to_years", "quarter": "to_months", "month": "to_months", "week": "to_weeks", "day": "to_days",
			"dayofyear": "to_days", "hour": "to_hours", "minute": "to_minutes", "second": "to_seconds", "millisecond": "to_milliseconds",
			"microsecond": "to_microseconds", "nanosecond": "to_microseconds"}[p]
		n := "CAST(" + a(1) + " AS BIGINT)"
		switch p {
		case "quarter":
			n = "CAST(" + a(1) + " * 3 AS INTEGER)"
		case "year", "month", "week", "day", "dayofyear":
			n = "CAST(" + a(1) + " AS INTEGER)"
		case "nanosecond":
			n = "(" + a(1) + " // 1000)"
		}
		return "(" + a(2) + " + " + fn + "(" + n + "))", nil
	case "datetime_part":
		part, _ := cs(0)
		p := datetimeParts[strings.ToLower(part)]
		switch p {
		case "week":
			return "CAST(weekofyear(" + a(1) + ") AS INTEGER)", nil
		case "millisecond":
			return "CAST((microsecond(" + a(1) + ") // 1000) % 1000 AS INTEGER)", nil
		case "microsecond":
			return "CAST(microsecond(" + a(1) + ") % 1000000 AS INTEGER)", nil
		case "nanosecond":
			return "CAST((microsecond(" + a(1) + ") % 1000000) * 1000 AS INTEGER)", nil
		}
		return "CAST(date_part('" + p + "', " + a(1) + ") AS INTEGER)", nil
	case "format_datetime":
		f, _ := cs(1)
		sf, err := strftimeFormat(f)
		if err != nil {
			return "", err
		}
		return "coalesce(strftime(" + a(0) + ", " + b.Bind(sf, TypeString) + "), '')", nil
	case "format_timespan":
		return timespanString(a(0)), nil
	case "dayofweek":
		return "(CAST(dayofweek(" + a(0) + ") AS BIGINT) * 864000000000)", nil
	case "dayofmonth":
		return "CAST(day(" + a(0) + ") AS INTEGER)", nil
	case "dayofyear":
		return "CAST(dayofyear(" + a(0) + ") AS INTEGER)", nil
	case "hourofday":
		return "CAST(hour(" + a(0) + ") AS INTEGER)", nil
	case "getmonth", "monthofyear":
		return "CAST(month(" + a(0) + ") AS INTEGER)", nil
	case "getyear":
		return "CAST(year(" + a(0) + ") AS INTEGER)", nil
	case "week_of_year", "weekofyear":
		return "CAST(weekofyear(" + a(0) + ") AS INTEGER)", nil
	case "make_datetime":
		parts := []string{"CAST(" + a(0) + " AS BIGINT)", "CAST(" + a(1) + " AS BIGINT)", "CAST(" + a(2) + " AS BIGINT)", "0", "0", "0.0"}
		for i := 3; i < len(args) && i < 6; i++ {
			parts[i] = a(i)
		}
		if len(args) == 7 {
			parts[5] = "(" + a(5) + " + " + a(6) + ")"
		}
		return "make_timestamp(" + strings.Join(parts, ", ") + ")", nil
	case "make_timespan":
		// (hours, minutes[, seconds]) or (days, hours, minutes, seconds).
		switch len(args) {
		case 2:
			return "(" + a(0) + " * 36000000000 + " + a(1) + " * 600000000)", nil
		case 3:
			return "CAST(" + a(0) + " * 36000000000 + " + a(1) + " * 600000000 + " + a(2) + " * 10000000 AS BIGINT)", nil
		default:
			return "CAST(" + a(0) + " * 864000000000 + " + a(1) + " * 36000000000 + " + a(2) + " * 600000000 + " + a(3) + " * 10000000 AS BIGINT)", nil
		}
	case "unixtime_seconds_todatetime", "unixtime_milliseconds_todatetime", "unixtime_microseconds_todatetime", "unixtime_nanoseconds_todatetime":
		scale := map[string]string{"unixtime_seconds_todatetime": " * 1000000", "unixtime_milliseconds_todatetime": " * 1000",
			"unixtime_microseconds_todatetime": "", "unixtime_nanoseconds_todatetime": " / 1000"}[name]
		return "make_timestamp(CAST(" + a(0) + scale + " AS BIGINT))", nil
	case "range_table":
		// The rows of range x from a to b step c, streamed: a relation
		// with one column v.
		step := a(2)
		if args[0].Type == TypeDatetime {
			step = "to_microseconds(" + a(2) + " // 10)"
		}
		return "(SELECT generate_series AS v FROM generate_series(" + a(0) + ", " + a(1) + ", " + step + "))", nil
	case "range":
		if result == TypeDynamic {
			// range() the function: a dynamic array.
			switch args[0].Type {
			case TypeDatetime:
				return "to_json(list_transform(generate_series(" + a(0) + ", " + a(1) + ", to_microseconds(" + a(2) + " // 10)), lambda _d: " + datetimeString("_d") + "))", nil
			case TypeTimespan:
				return "to_json(list_transform(generate_series(" + a(0) + ", " + a(1) + ", " + a(2) + "), lambda _d: " + timespanString("_d") + "))", nil
			}
			return "to_json(generate_series(" + a(0) + ", " + a(1) + ", " + a(2) + "))", nil
		}
		if args[0].Type == TypeDatetime {
			step := "to_microseconds(" + a(2) + " // 10)"
			if len(args) == 4 {
				return "range(" + a(0) + ", " + a(1) + ", " + step + ")", nil
			}
			return "generate_series(" + a(0) + ", " + a(1) + ", " + step + ")", nil
		}
		if len(args) == 4 {
			return "range(" + a(0) + ", " + a(1) + ", " + a(2) + ")", nil
		}
		return "generate_series(" + a(0) + ", " + a(1) + ", " + a(2) + ")", nil

	// Numbers.
	case "abs":
		return "abs(" + a(0) + ")", nil
	case "round":
		if len(args) == 2 {
			return "round(" + a(0) + ", CAST(" + a(1) + " AS INTEGER))", nil
		}
		return "round(" + a(0) + ")", nil
	case "ceiling":
		return "ceiling(" + a(0) + ")", nil
	case "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "cot", "degrees", "radians":
		return name + "(" + join(", ", 0) + ")", nil
	case "pi":
		return "pi()", nil
	case "sqrt":
		return "sqrt(" + a(0) + ")", nil
	case "pow":
		return "pow(" + a(0) + ", " + a(1) + ")", nil
	case "log":
		return "ln(" + a(0) + ")", nil
	case "log10":
		return "log10(" + a(0) + ")", nil
	case "log2":
		return "log2(" + a(0) + ")", nil
	case "exp":
		return "exp(" + a(0) + ")", nil
	case "exp10":
		return "pow(10, " + a(0) + ")", nil
	case "exp2":
		return "pow(2, " + a(0) + ")", nil
	case "sign":
		return "sign(" + a(0) + ")", nil
	case "rand":
		if len(args) == 1 {
			return "CAST(floor(random() * " + a(0) + ") AS DOUBLE)", nil
		}
		return "random()", nil
	case "binary_and":
		return "(" + a(0) + " & " + a(1) + ")", nil
	case "binary_or":
		return "(" + a(0) + " | " + a(1) + ")", nil
	case "binary_xor":
		return "xor(" + a(0) + ", " + a(1) + ")", nil
	case "binary_not":
		return "(~" + a(0) + ")", nil
	case "binary_shift_left":
		return "(" + a(0) + " << " + a(1) + ")", nil
	case "binary_shift_right":
		return "(" + a(0) + " >> " + a(1) + ")", nil
	case "tohex":
		return "lower(hex(" + a(0) + "))", nil

	// IP addresses.
	case "ipv4_is_private":
		ip := ipv4Addr(a(0))
		return "(" + ip + " BETWEEN 167772160 AND 184549375 OR " + ip + " BETWEEN 2886729728 AND 2887778303 OR " + ip + " BETWEEN 3232235520 AND 3232301055)", nil
	case "parse_ipv4":
		return ipv4Addr(a(0)), nil
	case "ipv4_is_in_range":
		bits := ipv4Prefix(a(1))
		return "(" + ipv4Masked(ipv4Addr(a(0)), bits) + " = " + ipv4Masked(ipv4Addr(a(1)), bits) + ")", nil
	case "ipv4_is_match", "ipv4_compare":
		bits := "least(" + ipv4Prefix(a(0)) + ", " + ipv4Prefix(a(1)) + ")"
		if len(args) == 3 {
			bits = "least(" + bits + ", " + a(2) + ")"
		}
		l, r := ipv4Masked(ipv4Addr(a(0)), bits), ipv4Masked(ipv4Addr(a(1)), bits)
		if name == "ipv4_compare" {
			return "(CASE WHEN " + l + " < " + r + " THEN -1 WHEN " + l + " > " + r + " THEN 1 ELSE 0 END)", nil
		}
		return "(" + l + " = " + r + ")", nil
	case "ipv4_is_in_any_range":
		var ors []string
		for _, x := range args[1:] {
			if x.Type == TypeDynamic {
				ors = append(ors, "len(list_filter(from_json("+x.SQL+`, '["VARCHAR"]'), lambda _r: `+
					ipv4Masked(ipv4Addr(a(0)), ipv4Prefix("_r"))+" = "+ipv4Masked(ipv4Addr("_r"), ipv4Prefix("_r"))+")) > 0")
				continue
			}
			bits := ipv4Prefix(x.SQL)
			ors = append(ors, ipv4Masked(ipv4Addr(a(0)), bits)+" = "+ipv4Masked(ipv4Addr(x.SQL), bits))
		}
		return "coalesce(" + strings.Join(ors, " OR ") + ", false)", nil
	case "has_ipv4", "has_ipv4_prefix":
		end := "'(?:$|[^0-9.])'"
		if name == "has_ipv4_prefix" {
			end = "''"
		}
		return "regexp_matches(" + a(0) + ", '(?:^|[^0-9.])' || replace(" + a(1) + `, '.', '\.') || ` + end + ")", nil
	case "has_any_ipv4", "has_any_ipv4_prefix":
		end := "(?:$|[^0-9.])"
		if name == "has_any_ipv4_prefix" {
			end = ""
		}
		var ors []string
		for _, x := range args[1:] {
			elems := "[" + x.SQL + "]"
			if x.Type == TypeDynamic {
				elems = "from_json(" + x.SQL + `, '["VARCHAR"]')`
			}
			ors = append(ors, "len(list_filter("+elems+", lambda _ip: regexp_matches("+a(0)+", '(?:^|[^0-9.])' || replace(_ip, '.', '\\.') || '"+end+"'))) > 0")
		}
		return "coalesce(" + strings.Join(ors, " OR ") + ", false)", nil
	case "base64_decode_toarray":
		return "to_json(TRY(list_transform(range(octet_length(from_base64(" + a(0) + "))), lambda _i: get_byte(from_base64(" + a(0) + "), CAST(_i AS INTEGER)))))", nil
	case "parse_path":
		return parsePath(a(0)), nil
	case "format_ipv4":
		n := a(0)
		if args[0].Type == TypeString {
			n = ipv4Addr(a(0))
		}
		if len(args) == 2 {
			n = "(" + ipv4Masked(n, a(1)) + " * (1::BIGINT << (32 - " + a(1) + ")))"
		}
		return "concat_ws('.', " + n + " // 16777216 % 256, " + n + " // 65536 % 256, " + n + " // 256 % 256, " + n + " % 256)", nil

	// Window functions: the last argument is the row order.
	case "row_number":
		ord := a(len(args) - 1)
		start := "1"
		if len(args) >= 2 {
			start = a(0)
		}
		return "(row_number() OVER (ORDER BY " + ord + ") - 1 + " + start + ")", nil
	case "prev", "next":
		fn := "lag"
		if name == "next" {
			fn = "lead"
		}
		ord := a(len(args) - 1)
		off := "1"
		if len(args) >= 3 {
			off = a(1)
		}
		def := ""
		if len(args) == 4 {
			def = ", " + a(2)
		}
		return fn + "(" + a(0) + ", CAST(" + off + " AS BIGINT)" + def + ") OVER (ORDER BY " + ord + ")", nil
	case "row_cumsum":
		ord := a(len(args) - 1)
		if len(args) == 3 {
			return "", fmt.Errorf("row_cumsum with a restart condition is not supported")
		}
		return "sum(" + a(0) + ") OVER (ORDER BY " + ord + " ROWS UNBOUNDED PRECEDING)", nil
	case "row_rank_dense", "row_rank_min":
		fn := "dense_rank"
		if name == "row_rank_min" {
			fn = "rank"
		}
		return fn + "() OVER (ORDER BY " + a(0) + ")", nil

	// Internal.
	case "parse_extract":
		r := "regexp_extract(" + a(0) + ", " + a(1) + ", 1)"
		if result != TypeString {
			return d.cast(b, Arg{SQL: "NULLIF(" + r + ", '')", Type: TypeString}, result), nil
		}
		return r, nil
	}
	if _, ok := goFuncs[name]; ok {
		return d.goCall(b, name, args), nil
	}
	return "", fmt.Errorf("function %s is not supported by the DuckDB dialect", name)
}

// parsePath is parse_path: the parts of a file path or UNC path.
func parsePath(x string) string {
	m := "regexp_extract(" + x + `, '^(?:([A-Za-z][A-Za-z0-9+.-]*)://)?(.*?)([^\\/]*?)(?::([^\\/:]*))?$', ['scheme','dir','file','ads'])`
	dir := `regexp_replace(_p.dir, '[\\/]$', '')`
	return "(SELECT json_object('Scheme', _p.scheme, 'RootPath', regexp_extract(_p.dir, " + `'^(?:[A-Za-z]:|\\\\[^\\/]+\\[^\\/]+|/)?'` + "), " +
		"'DirectoryPath', " + dir + ", 'DirectoryName', regexp_extract(" + dir + `, '[^\\/]*$'), ` +
		"'Filename', _p.file, 'Extension', regexp_extract(_p.file, " + `'\.([^.]*)$'` + ", 1), 'AlternateDataStreamName', _p.ads) FROM (SELECT " + m + ") AS _pp(_p))"
}

// groupCount counts the capture groups of a regular expression.
func groupCount(re string) int {
	n := 0
	for i := 0; i < len(re); i++ {
		switch re[i] {
		case '\\':
			i++
		case '(':
			if i+1 < len(re) && re[i+1] == '?' {
				if i+2 < len(re) && (re[i+2] == 'P' || re[i+2] == '<') {
					n++
				}
				continue
			}
			n++
		}
	}
	return n
}

func zipFields(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = "_z[" + strconv.Itoa(i+1) + "]"
	}
	return strings.Join(parts, ", ")
}

// jsonList is a JSON array as a list of JSON values (empty otherwise).
func jsonList(x string) string {
	return "(CASE WHEN json_type(" + x + ") = 'ARRAY' THEN CAST(" + x + " AS JSON[]) ELSE CAST([] AS JSON[]) END)"
}

// jsonValue converts a value for a JSON container: datetimes and
// timespans as Kusto's strings, dynamic values as they are.
func (d DuckDB) jsonValue(b Binder, x Arg) string {
	switch x.Type {
	case TypeDatetime, TypeTimespan:
		return d.cast(b, x, TypeString)
	}
	return x.SQL
}

func (d DuckDB) gettype(x Arg) string {
	if x.Type != TypeDynamic {
		return "'" + x.Type.String() + "'"
	}
	return "(CASE json_type(" + x.SQL + ") WHEN 'OBJECT' THEN 'dictionary' WHEN 'ARRAY' THEN 'array' WHEN 'VARCHAR' THEN 'string' " +
		"WHEN 'BIGINT' THEN 'long' WHEN 'UBIGINT' THEN 'long' WHEN 'DOUBLE' THEN 'real' WHEN 'BOOLEAN' THEN 'bool' ELSE 'null' END)"
}

// parseURL is parse_url: a bag of the URL's parts.
func (d DuckDB) parseURL(x string) string {
	m := "regexp_extract(" + x + `, '^([A-Za-z][A-Za-z0-9+.-]*)://(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]*)(?::(\d+))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$', ['scheme','user','pass','host','port','path','query','frag'])`
	return "(SELECT CASE WHEN _u.scheme = '' THEN json_object() ELSE json_object('Scheme', _u.scheme, 'Host', _u.host, 'Port', _u.port, 'Path', _u.path, " +
		"'Username', _u.user, 'Password', _u.pass, 'Query Parameters', " + d.queryParams("_u.query") + ", 'Fragment', _u.frag) END " +
		"FROM (SELECT " + m + ") AS _pu(_u))"
}

// queryParams turns a=1&b=2 into {"a":"1","b":"2"}.
func (DuckDB) queryParams(q string) string {
	return "coalesce((SELECT json_group_object(split_part(_p, '=', 1), coalesce(TRY(url_decode(substr(_p, strpos(_p, '=') + 1))), '')) " +
		"FROM unnest(string_split(" + q + ", '&')) AS _qp(_p) WHERE _p <> '' AND strpos(_p, '=') > 0), json_object())"
}

// bin floors x to a multiple of size (datetimes aligned to 0001-01-01,
// or to at for bin_at).
func (DuckDB) bin(x, size, at string, t Type) string {
	switch t {
	case TypeDatetime:
		us := "(" + size + " // 10)"
		if at != "" {
			off := "epoch_us(" + at + ")"
			return "make_timestamp(CAST(floor((epoch_us(" + x + ") - " + off + ") / " + us + ") AS BIGINT) * " + us + " + " + off + ")"
		}
		const origin = "62135596800000000" // µs from 0001-01-01 to 1970-01-01
		return "make_timestamp(((epoch_us(" + x + ") + " + origin + ") // " + us + ") * " + us + " - " + origin + ")"
	case TypeReal, TypeDecimal:
		if at != "" {
			return "(floor((" + x + " - " + at + ") / " + size + ") * " + size + " + " + at + ")"
		}
		return "(floor(" + x + " / " + size + ") * " + size + ")"
	}
	if at != "" {
		return "(CAST(floor((" + x + " - " + at + ") / " + size + ") AS BIGINT) * " + size + " + " + at + ")"
	}
	return "(CAST(floor(" + x + " / " + size + ") AS BIGINT) * " + size + ")"
}

// substring renders contains / startswith / endswith (and _cs).
func (d DuckDB) substring(b Binder, op string, args []Arg) string {
	x, y := args[0].SQL, args[1].SQL
	s, isConst := args[1].Value.(string)
	isConst = isConst && args[1].Const
	cs := strings.HasSuffix(op, "_cs")
	op = strings.TrimSuffix(op, "_cs")
	if isConst && !cs {
		// lower() and a plain search beat ILIKE by 2x in DuckDB 1.5.
		y = b.Bind(strings.ToLower(s), TypeString)
		x = "lower(" + x + ")"
		cs = true
	}
	if !cs {
		x, y = "lower("+x+")", "lower("+y+")"
	}
	fn := map[string]string{"contains": "contains", "startswith": "starts_with", "endswith": "suffix"}[op]
	return afterScan(fn + "(" + x + ", " + y + ")")
}

// afterScan keeps a text predicate out of DuckDB's table scan. DuckDB
// pushes single-column predicates such as contains(lower(message), 'x')
// into the scan, where they run column by column in table order: before
// a condition on a later column (the event store's message_words
// prefilter, see TermHint), on every row, which made a has search with
// the prefilter 30x slower than the prefilter alone. A CASE is not
// pushed: it runs in a filter after the scan, on the rows the scan's
// own conditions kept. (Strings are never null in KQL; a null reads as
// no match.)
func afterScan(cond string) string {
	return "CASE WHEN " + cond + " THEN true ELSE false END"
}

// has renders has / has_cs / hasprefix / hassuffix (and _cs): a term
// match on ASCII alphanumeric boundaries, with a cheap substring
// prefilter. Without _cs the match is on lower(x) with the lowered term,
// not a (?i) expression on x: RE2 folds case by Unicode orbits (the long
// s matches s, the Kelvin sign k), which would make has true where
// lower(x) does not contain the term, and a term hint (TermHint) false.
func (d DuckDB) has(b Binder, op string, x, y Arg) string {
	cs := strings.HasSuffix(op, "_cs")
	base := strings.TrimSuffix(op, "_cs")
	left, right := base != "hassuffix", base != "hasprefix"
	flags := "(?i)"
	if cs {
		flags = ""
	}
	if s, ok := y.Value.(string); ok && y.Const {
		if s == "" {
			return "true"
		}
		// A plain search first: most rows fail it, and it is 8x cheaper
		// than the regular expression with its boundaries.
		// (A CASE, not AND: see afterScan.)
		if cs {
			re := "regexp_matches(" + x.SQL + ", " + b.Bind(termRegex(s, left, right), TypeString) + ")"
			return "(CASE WHEN contains(" + x.SQL + ", " + b.Bind(s, TypeString) + ") THEN " + re + " ELSE false END)"
		}
		low := strings.ToLower(s)
		re := "regexp_matches(lower(" + x.SQL + "), " + b.Bind(termRegex(low, left, right), TypeString) + ")"
		return "(CASE WHEN contains(lower(" + x.SQL + "), " + b.Bind(low, TypeString) + ") THEN " + re + " ELSE false END)"
	}
	lb, rb := "", ""
	if left {
		lb = "(?:^|[^0-9A-Za-z])"
	}
	if right {
		rb = "(?:$|[^0-9A-Za-z])"
	}
	return "regexp_matches(" + x.SQL + ", '" + flags + lb + "' || regexp_escape(" + y.SQL + ") || '" + rb + "')"
}

// hasList renders has_any / has_all.
func (d DuckDB) hasList(b Binder, all bool, args []Arg) string {
	x := args[0]
	var consts []string
	var dyn []string
	for _, e := range args[1:] {
		if s, ok := e.Value.(string); ok && e.Const {
			consts = append(consts, s)
			continue
		}
		if e.Type == TypeDynamic {
			quant := "> 0"
			if all {
				quant = "= len(from_json(" + e.SQL + `, '["VARCHAR"]'))`
			}
			dyn = append(dyn, "(len(list_filter(from_json("+e.SQL+`, '["VARCHAR"]'), lambda _t: regexp_matches(`+x.SQL+
				`, '(?i)(?:^|[^0-9A-Za-z])' || regexp_escape(_t) || '(?:$|[^0-9A-Za-z])'))) `+quant+")")
			continue
		}
		dyn = append(dyn, d.has(b, "has", x, e))
	}
	var parts []string
	if all {
		for _, s := range consts {
			parts = append(parts, d.has(b, "has", x, Arg{SQL: b.Bind(s, TypeString), Type: TypeString, Const: true, Value: s}))
		}
		parts = append(parts, dyn...)
		if len(parts) == 0 {
			return "true"
		}
		return "(" + strings.Join(parts, " AND ") + ")"
	}
	if len(consts) > 0 {
		// One regular expression for every constant term.
		var alts []string
		empty := false
		for _, s := range consts {
			if s == "" {
				empty = true
			}
			alts = append(alts, termRegex(strings.ToLower(s), true, true))
		}
		if empty {
			parts = append(parts, "true")
		} else {
			// On lower(x), as in has.
			re := "regexp_matches(lower(" + x.SQL + "), " + b.Bind("(?:"+strings.Join(alts, "|")+")", TypeString) + ")"
			if len(consts) <= 32 {
				var pre []string
				for _, s := range consts {
					pre = append(pre, "contains(lower("+x.SQL+"), "+b.Bind(strings.ToLower(s), TypeString)+")")
				}
				re = "(CASE WHEN " + strings.Join(pre, " OR ") + " THEN " + re + " ELSE false END)"
			}
			parts = append(parts, re)
		}
	}
	parts = append(parts, dyn...)
	if len(parts) == 0 {
		return "false"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// in renders in / in~ over constants, sub-queries and dynamic arrays.
func (d DuckDB) in(b Binder, ci bool, args []Arg) string {
	x := args[0].SQL
	if ci {
		x = "lower(" + x + ")"
	}
	var items, ors []string
	for _, e := range args[1:] {
		switch {
		case strings.HasPrefix(e.SQL, "SELECT "):
			v := "_s._v"
			switch {
			case e.Type == TypeDynamic:
				// A set made by make_set: its elements.
				v = "unnest(from_json(_s._v, '[\"VARCHAR\"]'))"
			case e.Type != args[0].Type || ci:
				v = d.cast(b, Arg{SQL: v, Type: e.Type}, TypeString)
			}
			if ci {
				v = "lower(" + v + ")"
			}
			lhs := x
			if e.Type == TypeDynamic && args[0].Type != TypeString {
				lhs = d.cast(b, Arg{SQL: x, Type: args[0].Type}, TypeString)
			}
			ors = append(ors, lhs+" IN (SELECT "+v+" FROM ("+e.SQL+") AS _s(_v))")
		case e.Type == TypeDynamic && args[0].Type != TypeDynamic:
			elems := "from_json(" + e.SQL + `, '["VARCHAR"]')`
			if ci {
				elems = "list_transform(" + elems + ", lambda _e: lower(_e))"
			}
			ors = append(ors, "coalesce(list_contains("+elems+", "+d.cast(b, Arg{SQL: x, Type: args[0].Type}, TypeString)+"), false)")
		case ci:
			if s, ok := e.Value.(string); ok && e.Const {
				items = append(items, b.Bind(strings.ToLower(s), TypeString))
			} else {
				items = append(items, "lower("+e.SQL+")")
			}
		default:
			items = append(items, e.SQL)
		}
	}
	if len(items) > 0 {
		ors = append(ors, x+" IN ("+strings.Join(items, ", ")+")")
	}
	if len(ors) == 0 {
		return "false"
	}
	return "(" + strings.Join(ors, " OR ") + ")"
}

// cast converts between KQL types as the to*() functions do: failures
// give null (strings give "").
func (d DuckDB) cast(b Binder, x Arg, to Type) string {
	from := x.Type
	s := x.SQL
	if from == to {
		return s
	}
	if from == TypeUnknown {
		return "CAST(" + s + " AS " + duckType(to) + ")"
	}
	str := func() string {
		if from == TypeDynamic {
			return "json_extract_string(" + s + ", '$')"
		}
		return s
	}
	switch to {
	case TypeString:
		switch from {
		case TypeDynamic:
			return "coalesce(json_extract_string(" + s + ", '$'), '')"
		case TypeDatetime:
			return datetimeString(s)
		case TypeTimespan:
			return timespanString(s)
		case TypeBool:
			return "(CASE WHEN " + s + " THEN 'true' WHEN NOT " + s + " THEN 'false' ELSE '' END)"
		}
		return "coalesce(CAST(" + s + " AS VARCHAR), '')"
	case TypeLong, TypeInt:
		t := duckType(to)
		switch from {
		case TypeReal, TypeDecimal:
			return "TRY_CAST(trunc(" + s + ") AS " + t + ")"
		case TypeDatetime:
			return "CAST(epoch_us(" + s + ") * 10 + 621355968000000000 AS " + t + ")"
		case TypeString, TypeDynamic:
			v := str()
			return "coalesce(TRY_CAST(" + v + " AS " + t + "), TRY_CAST(trunc(TRY_CAST(" + v + " AS DOUBLE)) AS " + t + "))"
		}
		return "TRY_CAST(" + s + " AS " + t + ")"
	case TypeReal, TypeDecimal:
		if from == TypeString || from == TypeDynamic {
			return "TRY_CAST(" + str() + " AS DOUBLE)"
		}
		return "TRY_CAST(" + s + " AS DOUBLE)"
	case TypeBool:
		switch from {
		case TypeString, TypeDynamic:
			v := str()
			return "(CASE lower(" + v + ") WHEN 'true' THEN true WHEN 'false' THEN false ELSE TRY_CAST(TRY_CAST(" + v + " AS DOUBLE) <> 0 AS BOOLEAN) END)"
		}
		if from.numeric() {
			return "(" + s + " <> 0)"
		}
	case TypeDatetime:
		switch from {
		case TypeString, TypeDynamic:
			return "TRY_CAST(" + str() + " AS TIMESTAMP)"
		case TypeLong, TypeInt:
			return "make_timestamp((" + s + " - 621355968000000000) // 10)"
		}
	case TypeTimespan:
		switch from {
		case TypeString, TypeDynamic:
			return timespanParse(str())
		case TypeLong, TypeInt:
			return "CAST(" + s + " AS BIGINT)"
		case TypeReal:
			return "CAST(round(" + s + ") AS BIGINT)"
		}
	case TypeDynamic:
		switch from {
		case TypeDatetime:
			return "to_json(" + datetimeString(s) + ")"
		case TypeTimespan:
			return "to_json(" + timespanString(s) + ")"
		}
		return "to_json(" + s + ")"
	case TypeGuid:
		if from == TypeString || from == TypeDynamic {
			return "(CASE WHEN regexp_full_match(" + str() + ", '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}') THEN lower(" + str() + ") END)"
		}
	}
	return "CAST(NULL AS " + duckType(to) + ")"
}

// Aggregate implements Dialect.
func (d DuckDB) Aggregate(b Binder, name string, args []Arg, filter string, result Type) (string, error) {
	f := ""
	if filter != "" {
		f = " FILTER (WHERE " + filter + ")"
	}
	a := func(i int) string { return args[i].SQL }
	limited := func(list string, at int) string {
		if len(args) > at {
			return "list_slice(" + list + ", 1, " + a(at) + ")"
		}
		return list
	}
	switch name {
	case "count":
		if len(args) == 1 {
			return "count(" + a(0) + ")" + f, nil
		}
		return "count(*)" + f, nil
	case "dcount":
		return "count(DISTINCT " + a(0) + ")" + f, nil
	case "sum":
		if result == TypeLong || result == TypeInt {
			return "CAST(sum(" + a(0) + ")" + f + " AS BIGINT)", nil
		}
		return "sum(" + a(0) + ")" + f, nil
	case "avg":
		return "avg(" + a(0) + ")" + f, nil
	case "min", "max":
		return name + "(" + a(0) + ")" + f, nil
	case "any":
		return "any_value(" + a(0) + ")" + f, nil
	case "stdev":
		return "stddev_samp(" + a(0) + ")" + f, nil
	case "stdevp":
		return "stddev_pop(" + a(0) + ")" + f, nil
	case "variance":
		return "var_samp(" + a(0) + ")" + f, nil
	case "variancep":
		return "var_pop(" + a(0) + ")" + f, nil
	case "percentile":
		return "quantile_disc(" + a(0) + ", " + a(1) + " / 100.0)" + f, nil
	case "binary_all_or":
		return "bit_or(" + a(0) + ")" + f, nil
	case "binary_all_and":
		return "bit_and(" + a(0) + ")" + f, nil
	case "make_set":
		x := a(0)
		cond := x + " IS NOT NULL"
		if filter != "" {
			cond += " AND " + filter
		}
		if args[0].Type == TypeDynamic {
			// Arrays contribute their elements.
			l := "flatten(list(CASE WHEN json_type(" + x + ") = 'ARRAY' THEN CAST(" + x + " AS JSON[]) ELSE [" + x + "] END) FILTER (WHERE " + cond + "))"
			return "to_json(coalesce(" + limited("list_distinct("+l+")", 1) + ", CAST([] AS JSON[])))", nil
		}
		return "to_json(coalesce(" + limited("list_distinct(list("+d.jsonValue(b, args[0])+") FILTER (WHERE "+cond+"))", 1) + ", []))", nil
	case "make_list", "make_list_with_nulls":
		cond := a(0) + " IS NOT NULL"
		if name == "make_list_with_nulls" {
			cond = "true"
		}
		if filter != "" {
			cond += " AND " + filter
		}
		return "to_json(coalesce(" + limited("list("+d.jsonValue(b, args[0])+") FILTER (WHERE "+cond+")", 1) + ", []))", nil
	case "make_bag":
		cond := "json_type(" + a(0) + ") = 'OBJECT'"
		if filter != "" {
			cond += " AND " + filter
		}
		return "coalesce(list_reduce(list(" + a(0) + ") FILTER (WHERE " + cond + "), lambda _a, _b: json_merge_patch(_b, _a)), json_object())", nil
	case "arg_max", "arg_min", "take_any":
		var fields []string
		start := 1
		if name == "take_any" {
			start = 0
		}
		for i, x := range args[start:] {
			fields = append(fields, "'f"+strconv.Itoa(i)+"': "+x.SQL)
		}
		rec := "{" + strings.Join(fields, ", ") + "}"
		if name == "take_any" {
			return "any_value(" + rec + ")" + f, nil
		}
		return name + "(" + rec + ", " + a(0) + ")" + f, nil
	case "series_list":
		return "to_json(list(" + d.jsonValue(b, args[0]) + " ORDER BY " + a(1) + "))", nil
	}
	return "", fmt.Errorf("aggregate %s is not supported by the DuckDB dialect", name)
}
