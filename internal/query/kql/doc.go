// Package kql is EventSec's Kusto Query Language engine: a hand-written
// lexer and recursive-descent parser, semantic analysis against a
// catalog of tables, and compilation to SQL for the event store's engine
// (DuckDB now; the SQL that differs between engines is behind Dialect).
//
// # Parsing
//
// Parse turns query text into a syntax tree (ast.go) whose nodes carry
// their line, column and byte offset. It accepts the tabular language of
// Sentinel's detections and hunting queries: let statements (scalars,
// tables, functions with typed and defaulted parameters, views,
// materialize), set and declare query_parameters, pipes of every common
// operator, all literal forms ('...', "...", @'verbatim', ```multi-line```,
// h'obfuscated', typed literals such as datetime(...), timespans like 1.5h,
// dynamic([...]), typeof(...)), ['bracketed names'], $left/$right, named
// arguments and Kusto's operator precedence (string operators bind
// tighter than * and /, comparisons are not associative). On the Azure
// Sentinel corpus sample it accepts every query Microsoft's parser accepts
// and rejects every one it rejects (corpus_test.go). Errors are *Error
// with code kql_syntax; input over MaxQueryBytes, nesting deeper than 200
// levels and invalid UTF-8 are errors, never panics or stack overflows.
// Format prints a tree back as KQL; parse → Format → parse gives the same
// tree (Dump), which the corpus, golden and fuzz tests check.
//
// # Compiling
//
// Compile checks a query against a Catalog and builds one SQL statement:
// a chain of common table expressions, one per operator, over the tables'
// sources. Names resolve as in Kusto (columns, then lets and parameters,
// then tables); types follow KQL (int, long, real, decimal, string, bool,
// datetime, timespan, dynamic, guid) with its implicit conversions.
// Semantic errors are *Error with code kql_semantic and the position of
// the offending node ("unknown column "Computr" in table SecurityEvent;
// did you mean "Computer"?"); errors about valid KQL this engine does not
// implement match ErrUnsupported.
//
// Nothing from the query is written into SQL text: every value is a bound
// parameter, and columns are named c0, c1, ... by the compiler. The SQL
// text comes from the compiler, the dialect, and the catalog's table
// definitions (View), which EventSec writes.
//
// Predicates on a table's time column (where TimeGenerated > ago(1h),
// between, startofday(...), let-bound constants) that reach the table
// through filter-transparent operators narrow the Hint its source gets,
// so the event store reads only the partitions it needs; each use of a
// let-bound table gets its own hint. now() and ago() are fixed for the
// query (Options.Now).
//
// Semantics follow Microsoft's documentation, checked by the examples in
// testdata/semantics run on DuckDB: == and != are case-sensitive; =~,
// contains, has, startswith, endswith and their negations are not
// (_cs variants are); has matches whole terms on ASCII alphanumeric
// boundaries; between is inclusive; strings are never null ("" instead);
// null == x is false and null != x true; bin() floors (datetimes aligned
// to 0001-01-01); sort defaults to descending with nulls last; join
// defaults to innerunique (one left row per key); summarize names its
// columns as Kusto does (count_, dcount_User, by bin(TimeGenerated, 1h)
// keeps TimeGenerated). Timespans are 100 ns ticks.
//
// # Running
//
// Run executes a compiled query on a *sql.DB (or any Querier) under a
// context, with a row cap (Result.Truncated says when it cut). evaluate
// bag_unpack and evaluate pivot, whose columns depend on the data, first
// run a query for the bags' keys (the pivot values) and compile again with
// them.
//
// The series_* functions and parse_xml run in Go (series.go, xml.go):
// the dialect calls them through one engine function (DuckDB: the kql_go
// UDF, which RegisterDuckDB registers and the event store registers at
// open) with the arguments as JSON text. Functions that return several
// columns (series_stats, series_fit_line, series_decompose,
// series_decompose_anomalies, series_periods_detect) expand in extend and
// project. mv-apply runs its sub-query partitioned by a hidden input row
// number; top-nested labels the rows level by level.
//
// Not implemented (ErrUnsupported): partition, reduce, fork,
// parse-kv, scan, sample-distinct, join ... where, plugins other than
// bag_unpack and pivot; externaldata is refused (queries never fetch URLs).
package kql
