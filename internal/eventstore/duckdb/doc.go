// Package duckdb is EventSec's embedded event store: eventstore.Store on
// one DuckDB file (github.com/duckdb/duckdb-go/v2, DuckDB 1.5, linked in;
// nothing is downloaded at run time).
//
// # Layout
//
// Dir/events.duckdb holds one table per UTC day of @timestamp
// (ev_20261120; timestamps before 2000 or from 2100 on share ev_other), with
// the same columns: seq, id, org_id, ts, ingested, input, one typed column
// per event.Columns entry (what queries filter and group on),
// message_words, fields (JSON of every field: what reads return) and raw. Day tables because retention is "drop what is older than N days":
// DROP TABLE is instant and frees whole blocks, where DELETE leaves holes
// until a vacuum; and a search only reads the tables whose [min, max]
// @timestamp meets its range (the store keeps those bounds in memory, so
// misdated events are still found). Queries are a generated UNION ALL over
// the tables that qualify, never a view.
//
// Column choices, measured on the 2M-event benchmark data (bench/events,
// raw text 429 bytes/event):
//   - raw and fields use ZSTD (storage_compatibility_version v1.5.0 allows
//     it): 178 bytes/event in all instead of 404 with DuckDB's default
//     FSST and dictionary choice. The short text columns name DICT_FSST,
//     which scans fast, so that checkpoints need not try every method
//     first (textCompression); the free-text ones (message, command
//     line...) are left to DuckDB, which takes ZSTD for long values.
//   - fields holds every field, the typed ones too (+46 bytes/event, 222
//     in all): reading an event takes 8 columns instead of 50, which
//     brought a needle search that returns 5 events from 5 days from 37
//     to 24 ms. It costs append throughput (bigger WAL and zstd work):
//     26-33k events/s instead of 33-38k on this 2-core machine.
//   - Lists (event.category, event.type, tags) are one string with a
//     separator before each element and after the last: matching is one
//     contains() and "count by event.type" a dictionary GROUP BY (11 ms).
//   - message_words is the distinct lowercased non-number words of message
//     in the same form. Without the numbers (ports, PIDs, octets) most
//     messages of a kind share one value, so it is dictionary-compressed:
//     message:failed counts 289,042 matches of 2M in 30 ms, where
//     contains(lower(message)) took ~95 ms and a VARCHAR[] of words ~85.
//
// # Writing
//
// One goroutine writes (writer.go). Append calls queue requests; the
// writer merges what is queued (group commit, up to Options.MaxBatch events)
// into one transaction appended with DuckDB's Appender, and releases the
// callers after COMMIT. DuckDB syncs its WAL on every commit
// (WriteAheadLog::Flush ends with writer->Sync()), so an acknowledged
// Append survives a process kill: TestCrashAfterAppend kills a child
// process right after Appends return and finds every acknowledged event
// once. Readers never wait for the writer (MVCC); retention runs in the
// writer goroutine between commits. A day retention removes leaves the
// partition list at once, but its table is dropped only when no read
// that listed it before is still running (retention.go): a read never
// names a table that is gone, and an export is never cut short.
//
// Checkpoints (folding the WAL into the file, compressed) run from a
// goroutine of their own once the WAL passes Options.CheckpointThreshold,
// with DuckDB narrowed to one thread for their length: on two, DuckDB's
// worker compressed while the asking thread spun waiting for it
// (checkpointNarrow).
//
// Seqs come from a counter the writer owns: strictly increasing in commit
// order across all tables. The highest one is saved in es_meta when
// retention deletes and at Close, so that seqs never go back even when the
// newest events are deleted.
//
// # Identity and dedupe
//
// An event's (org, id) is stored once: a retried batch reports duplicates.
// There is no PRIMARY KEY (an ART index on every append costs more than
// the append). Instead the token index (below) has every event's (org, id)
// key: for each new event, only the blocks of its day table whose filter
// may hold the key and whose time span covers its @timestamp are read
// (`seq BETWEEN` and `id IN`), which with ~0.1% false positives is rarely
// any. A retry of the same event has the same @timestamp, so this is exact
// across restarts; an ID reused with another timestamp is another event.
//
// # Token index
//
// Every table's rows are cut, in seq order, into blocks of
// Options.BlockRows rows (1,024: a block found costs one or two 2,048-row
// zstd vectors, where 8,192-row blocks cost four to five); each block gets
// a bloom filter (12-24 bits per key, ~0.1% false positives) of the words
// of its messages and raw texts and of its (org, id) keys, stored in
// es_blocks in the same transaction as its last rows, loaded into memory on
// first use (about 10 bytes per event; there is no eviction yet). A search whose words must all appear (free text, message:,
// event.original:, AND/OR of those) reads only the seq ranges of the blocks
// whose filter has them, plus the rows after the last sealed block; a
// needle search over 2M events reads 5 blocks instead of decompressing
// every raw text (24 ms instead of 1,055). When the index leaves at most
// 64k rows, one query lists every match with a window count. Blocks still filling are sealed after a
// minute without rows and at Close; after a crash the rows after the last
// sealed block are indexed again at Open.
//
// # Reading
//
// Search counts all matches (exact Total) while it reads the page:
// a top-N on (ts, seq) that DuckDB prunes by zone maps, then the full rows
// of those 50 events only, newest or oldest first (the same top-N, either
// way; the index's needle path too). Pages continue with a keyset cursor
// (ts, seq) that remembers its order.
// Stats runs three plain GROUP BYs at once (histogram by raw severity,
// low-cardinality breakdowns, top values). NDJSON and CSV exports stream in
// keyset chunks of 5,000 in @timestamp order (oldest first unless asked
// otherwise); Parquet is written by DuckDB
// (COPY ... TO) into Dir/tmp and then streamed.
package duckdb
