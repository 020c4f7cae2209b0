package duckdb

import (
	"fmt"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// schemaVersion is the layout this code writes; Open refuses newer files.
const schemaVersion = 1

// The metadata tables.
const (
	createMeta = `CREATE TABLE IF NOT EXISTS es_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)`
	// es_blocks holds the sealed blocks of the token index (index.go).
	createBlocks = `CREATE TABLE IF NOT EXISTS es_blocks (
	part VARCHAR NOT NULL, seq_lo BIGINT NOT NULL, seq_hi BIGINT NOT NULL,
	ts_lo TIMESTAMP NOT NULL, ts_hi TIMESTAMP NOT NULL, rows INTEGER NOT NULL, bloom BLOB NOT NULL)`
	// es_receipts remembers when a request with an idempotency key was
	// first received (receipts.go).
	createReceipts = `CREATE TABLE IF NOT EXISTS es_receipts (
	org_id VARCHAR NOT NULL, key VARCHAR NOT NULL, received TIMESTAMP NOT NULL, PRIMARY KEY (org_id, key))`
	// es_client_ids remembers the first arrival of events that their
	// sender identified but did not date (receipts.go).
	// es_import_files remembers how imported files were dated
	// (ledger.go).
	createImportFiles = `CREATE TABLE IF NOT EXISTS es_import_files (
	org_id VARCHAR NOT NULL, name VARCHAR NOT NULL, record VARCHAR NOT NULL, updated TIMESTAMP NOT NULL, PRIMARY KEY (org_id, name))`
	createClientIDs = `CREATE TABLE IF NOT EXISTS es_client_ids (
	org_id VARCHAR NOT NULL, id VARCHAR NOT NULL, received TIMESTAMP NOT NULL, sum BIGINT NOT NULL, PRIMARY KEY (org_id, id))`
)

// A partition is a table of the events whose @timestamp falls on one UTC
// day: ev_20261120. Timestamps before 2000 or from 2100 on (broken clocks,
// zero values) share ev_other, so that they cannot create thousands of
// tables. Retention drops whole tables; searches only read the tables
// whose time span meets the query's.
const (
	partPrefix = "ev_"
	otherPart  = "other"
)

var (
	partMin = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	partMax = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// partKey returns the partition of a timestamp.
func partKey(ts time.Time) string {
	if ts.Before(partMin) || !ts.Before(partMax) {
		return otherPart
	}
	return ts.UTC().Format("20060102")
}

// column is one column of a partition table.
type column struct {
	name, sqlType string
	typ           event.Type // typed columns only
	field         string     // ECS field of a typed column
	compression   string
}

// Fixed columns, before the typed ones.
var fixedColumns = []column{
	{name: "seq", sqlType: "BIGINT NOT NULL"},
	{name: "id", sqlType: "VARCHAR NOT NULL"},
	{name: "org_id", sqlType: "VARCHAR NOT NULL"},
	{name: "ts", sqlType: "TIMESTAMP NOT NULL"},
	{name: "ingested", sqlType: "TIMESTAMP NOT NULL"},
	{name: "input", sqlType: "VARCHAR NOT NULL"},
}

// Trailing columns, after the typed ones. ZSTD for the two big free-form
// strings: measured on the bench data set, 178 bytes/event in all instead
// of 404 with DuckDB's default FSST/dictionary choice; FSST keeps fast
// scans for message and the typed columns.
var trailingColumns = []column{
	// The distinct lowercased words of message (lucene.Words) but the
	// numbers, joined like a list ("\x1ffailed\x1fpassword\x1f"): a word
	// is found by one contains() instead of a case-folding scan with a
	// regular expression (see lucene.Column.Words).
	{name: "message_words", sqlType: "VARCHAR"},
	// Every field, as a JSON object with the flattened keys: reads of
	// whole events (a page, Get, Since, exports) take it and raw, 8
	// columns, not 50 (a needle search fetching 5 rows from 5 days
	// spent 25 ms opening vectors of the typed columns). The typed
	// columns repeat what queries filter and group on.
	{name: "fields", sqlType: "VARCHAR", compression: "zstd"},
	{name: "raw", sqlType: "VARCHAR", compression: "zstd"},
}

// textCompression is what the short text columns are stored with.
// Named, not left to DuckDB, which otherwise tries every method it has on
// every text column of every segment at each checkpoint before it
// compresses with the best (DICT_FSST on these columns, whatever it
// tried). A checkpoint of 240,000 generated rows is bimodal on two
// threads: 0.9 s and about 5.5 µs of CPU a row, or 1.5 s and 11.5 µs when
// DuckDB's second thread only spins. With every text column named it was
// fast in 5 runs of 6, with none named in 0 of 5 (docs/performance.md).
const textCompression = "dict_fsst"

// freeText are the text columns whose values can be long (a script block
// in a message, a command line): DuckDB picks ZSTD for their long
// segments, which stored 1 MB messages in a third of DICT_FSST's size, so
// their method is left to it.
var freeText = map[string]bool{
	"message": true, "message_words": true, "process_command_line": true,
	"url_full": true, "file_path": true, "error_message": true,
}

func sqlTypeOf(t event.Type) string {
	switch t {
	case event.TypeInt:
		return "BIGINT"
	case event.TypeFloat:
		return "DOUBLE"
	}
	// TypeIP: canonical text (queries use es_ip_key for ranges);
	// TypeStrings: elements joined by lucene.ListSep, see rows.go.
	return "VARCHAR"
}

// partColumns is the full column list of a partition table, in order.
func partColumns() []column {
	cols := append([]column{}, fixedColumns...)
	for _, c := range event.Columns {
		cols = append(cols, column{name: c.Name, sqlType: sqlTypeOf(c.Type), typ: c.Type, field: c.Field})
	}
	cols = append(cols, trailingColumns...)
	for i := range cols {
		if cols[i].compression == "" && strings.HasPrefix(cols[i].sqlType, "VARCHAR") && !freeText[cols[i].name] {
			cols[i].compression = textCompression
		}
	}
	return cols
}

func createPartitionSQL(table string, cols []column) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (", table)
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name + " " + c.sqlType)
		if c.compression != "" {
			b.WriteString(" USING COMPRESSION " + c.compression)
		}
	}
	b.WriteString(")")
	return b.String()
}

// templateTable is an empty table with a partition's columns: the
// source of an export that matches no partition.
const templateTable = "es_template"

// isPartTable reports whether a table name is a partition's, and which.
func isPartTable(name string) (string, bool) {
	key, ok := strings.CutPrefix(name, partPrefix)
	if !ok {
		return "", false
	}
	if key == otherPart {
		return key, true
	}
	if _, err := time.Parse("20060102", key); err != nil {
		return "", false
	}
	return key, true
}
