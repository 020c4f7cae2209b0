package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/eventsec/eventsec/internal/eventstore"
)

// Options configure a Store.
type Options struct {
	// Dir holds the database file (events.duckdb and its WAL). Required.
	Dir string
	// Logger gets the store's few messages; default slog.Default().
	Logger *slog.Logger
	// MemoryLimit caps DuckDB's memory ("2GB"); default DuckDB's own
	// (80% of RAM).
	MemoryLimit string
	// Threads for DuckDB queries; default GOMAXPROCS.
	Threads int
	// MaxBatch caps the events merged into one commit (default 50,000).
	MaxBatch int
	// BlockRows is the number of rows per token-index block (default
	// 1024: half a DuckDB vector, so that a block found by a needle
	// search costs one or two vectors of decompression; measured 8192
	// rows at ~10 ms of zstd per block and partition).
	BlockRows int
	// CheckpointThreshold is the WAL size at which the store checkpoints
	// (default "256MB": each row group is then compressed about once, where
	// DuckDB's default of 16MB rewrote it ten times at bulk rates). The
	// checkpoint runs on a connection of its own, beside the writer: run
	// inside the writer's COMMIT (DuckDB's automatic checkpoint) it held
	// every acknowledgement for its whole length, about a second at bulk
	// rates. DuckDB's own threshold is kept at four times this value, as a
	// backstop should the background checkpoint fail.
	CheckpointThreshold string
	// Readers is the size of the reader connection pool (default 8).
	Readers int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// SearchWithoutIndex makes searches scan instead of using the token
	// index: for benchmarks that measure what the index saves.
	SearchWithoutIndex bool
}

// Store is the embedded event store. It is safe for concurrent use.
type Store struct {
	ctx   context.Context // for the writer's work: Open's, without its cancellation
	opts  Options
	log   *slog.Logger
	db    *sql.DB   // readers, and the writer's connection
	wconn *sql.Conn // the writer's connection; only the writer goroutine uses it
	cols  []column
	reqs  chan *request
	quit  chan struct{}
	// The background checkpointer: its end, the WAL it watches, the size
	// that triggers it, and how many checkpoints it ran.
	ckDone      chan struct{}
	ckConn      *sql.Conn // the checkpointer's connection
	walPath     string
	ckBytes     int64
	checkpoints atomic.Int64
	ckFailures  atomic.Int64
	// ckBusy counts checkpoints put off because a commit was running.
	ckBusy atomic.Int64
	// ckNanos is the time the background checkpoints took, in all: the
	// time commits may have waited for them.
	ckNanos atomic.Int64
	done    chan struct{}
	closed  atomic.Bool

	lastSeq atomic.Int64
	nextSeq int64 // writer only
	// Writer only: time spent in dedupe, appender, COMMIT, all; commits.
	phase   [4]time.Duration
	commits int

	// mu guards parts (the map and each partition's published fields:
	// stats, sealed blocks, readers) and retired. Lock order: writer
	// work, then mu.
	mu    sync.RWMutex
	parts map[string]*partition
	// retired are the partitions retention took out of parts whose
	// tables are still there because reads hold them (see retire).
	retired []*partition
	// dropReady tells the writer that the last read of a retired
	// partition finished: it can drop the table.
	dropReady chan struct{}
	// retireWarn is how long a retired partition may wait for its
	// readers before the writer logs that it waits (and again every
	// retireWarn): retireWarnAfter, read under mu (tests shorten it).
	retireWarn time.Duration

	// metaMu guards the partitions' metas. Taken alone, never with mu.
	metaMu sync.Mutex

	tmpDir string
}

var _ eventstore.Store = (*Store)(nil)

// partition is one day table, as the store knows it.
type partition struct {
	key, table string
	// Published under Store.mu.
	rows           int64
	minTS, maxTS   int64 // µs
	minSeq, maxSeq int64
	sealed         []*block // sorted by seq; nil until loaded
	sealedHi       int64    // highest seq in a sealed block
	sealedLoaded   bool
	// Under Store.mu: the reads under way that may name the table
	// (acquire), and, once retention took the partition out of parts,
	// since when (retiredAt) and when the writer last said it waits.
	readers   int
	retired   bool
	retiredAt time.Time
	warnedAt  time.Time
	// Under Store.metaMu: the time spans and row counts of the sealed
	// blocks as first read (Relation's row counts); nil until read.
	// They go with the partition: a day made again after retention
	// starts with none.
	metas       []blockMeta
	metasLoaded bool
	// Writer only.
	open       *openBlock
	openLoaded bool
	lastAppend time.Time
}

// Open opens (creating if needed) the store in opts.Dir.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("cannot open event store: no directory")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Threads <= 0 {
		opts.Threads = runtime.GOMAXPROCS(0)
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 50_000
	}
	if opts.BlockRows <= 0 {
		opts.BlockRows = 1024
	}
	if opts.CheckpointThreshold == "" {
		opts.CheckpointThreshold = "256MB"
	}
	if opts.Readers <= 0 {
		opts.Readers = 8
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create event store directory: %w", err)
	}
	tmp := filepath.Join(opts.Dir, "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create event store directory: %w", err)
	}
	ckBytes, err := parseBytes(opts.CheckpointThreshold)
	if err != nil {
		return nil, fmt.Errorf("cannot open event store: checkpoint threshold: %w", err)
	}
	path := filepath.Join(opts.Dir, "events.duckdb")
	// storage_compatibility_version v1.5.0 enables ZSTD and DICT_FSST
	// (the default stays readable by DuckDB 1.0 and lacks both).
	cfg := map[string]string{
		"storage_compatibility_version": "v1.5.0",
		"threads":                       strconv.Itoa(opts.Threads),
		"checkpoint_threshold":          strconv.FormatInt(4*ckBytes, 10) + "B",
		"temp_directory":                tmp,
		"autoinstall_known_extensions":  "false",
		"autoload_known_extensions":     "false",
	}
	if opts.MemoryLimit != "" {
		cfg["memory_limit"] = opts.MemoryLimit
	}
	dsn := path + "?"
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 {
			dsn += "&"
		}
		dsn += k + "=" + cfg[k]
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot open event store %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	// The readers, the writer and the checkpointer.
	db.SetMaxOpenConns(opts.Readers + 2)
	db.SetMaxIdleConns(opts.Readers + 2)
	s := &Store{
		ctx:     context.WithoutCancel(ctx),
		opts:    opts,
		log:     opts.Logger.With("component", "eventstore.duckdb"),
		db:      db,
		cols:    partColumns(),
		reqs:    make(chan *request, 64),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		ckDone:  make(chan struct{}),
		walPath: path + ".wal",
		ckBytes: ckBytes,
		parts:   map[string]*partition{},
		tmpDir:  tmp,

		dropReady:  make(chan struct{}, 1),
		retireWarn: retireWarnAfter,
	}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// The checkpointer's own connection, so that busy readers never keep
	// it waiting.
	if s.ckConn, err = db.Conn(ctx); err != nil {
		s.wconn.Close()
		db.Close()
		return nil, fmt.Errorf("cannot connect to event store: %w", err)
	}
	go s.checkpointer()
	go s.writer()
	return s, nil
}

// checkpointer checkpoints, on a connection of its own, once the WAL has
// grown past the threshold: the writer's commits go on meanwhile (as
// measured, DuckDB seldom holds them, where a checkpoint run inside the
// writer's COMMIT held every one for its whole length). It stops when the
// store closes; the writer's last checkpoint waits for it.
func (s *Store) checkpointer() {
	defer close(s.ckDone)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-tick.C:
		}
		fi, err := os.Stat(s.walPath)
		if err != nil || fi.Size() < s.ckBytes {
			continue
		}
		t0 := time.Now()
		if err = s.checkpointNarrow(); err != nil {
			if strings.Contains(err.Error(), "other write transactions active") {
				// A commit was in progress: DuckDB checkpoints only
				// between them. Not a failure; the next tick tries again.
				s.ckBusy.Add(1)
				continue
			}
			s.ckFailures.Add(1)
			s.log.Warn("background checkpoint failed; retrying", "wal_bytes", fi.Size(), "err", err)
			continue
		}
		took := time.Since(t0)
		s.ckNanos.Add(int64(took))
		s.checkpoints.Add(1)
		s.log.Debug("checkpointed", "wal_bytes", fi.Size(), "ms", took.Milliseconds())
	}
}

// checkpointNarrow runs CHECKPOINT with DuckDB on one thread, then gives
// it back its threads. DuckDB 1.5 hands a checkpoint's row groups to its
// worker threads while the thread that asked waits for them in a loop
// that never sleeps (TaskExecutor::WorkOnTasks): measured in the server
// at 20,000 events/s (perf, DWARF stacks), the worker did the compression
// and the CHECKPOINT's own thread spun beside it for as long, a whole
// core for about a second per checkpoint. On one thread the same work runs
// on the asking thread alone, in about the same time here, and the other
// core stays with intake and detection. Queries that run meanwhile get
// one thread too, for the checkpoint's length.
func (s *Store) checkpointNarrow() error {
	if s.opts.Threads > 1 {
		if _, err := s.ckConn.ExecContext(s.ctx, `SET threads = 1`); err != nil {
			s.log.Warn("cannot narrow DuckDB to one thread for a checkpoint; checkpointing on all", "err", err)
		} else {
			defer func() {
				if _, err := s.ckConn.ExecContext(context.WithoutCancel(s.ctx), fmt.Sprintf(`SET threads = %d`, s.opts.Threads)); err != nil {
					s.log.Error("cannot give DuckDB its threads back after a checkpoint", "threads", s.opts.Threads, "err", err)
				}
			}()
		}
	}
	_, err := s.ckConn.ExecContext(s.ctx, `CHECKPOINT`)
	return err
}

// CheckpointsRun counts the background checkpoints since Open.
func (s *Store) CheckpointsRun() int64 { return s.checkpoints.Load() }

// CheckpointFailures counts the background checkpoints that failed (and
// were retried) since Open.
func (s *Store) CheckpointFailures() int64 { return s.ckFailures.Load() }

// CheckpointTime is how long the background checkpoints since Open took,
// in all. DuckDB lets no transaction commit while one runs, so its rate is
// the share of the time acknowledgements may have waited for them.
func (s *Store) CheckpointTime() time.Duration { return time.Duration(s.ckNanos.Load()) }

// CheckpointsDeferred counts the checkpoints put off because a commit was
// running at the time (DuckDB checkpoints only between write
// transactions); each is tried again at the next tick.
func (s *Store) CheckpointsDeferred() int64 { return s.ckBusy.Load() }

// WALBytes is the size of DuckDB's write-ahead log now (0 when there is
// none): what the next checkpoint will fold into the database file.
func (s *Store) WALBytes() int64 {
	fi, err := os.Stat(s.walPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// parseBytes reads a size such as "256MB", "1GB" or "1048576".
func parseBytes(v string) (int64, error) {
	v = strings.TrimSpace(strings.ToUpper(v))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a size such as 256MB, got %q", v)
	}
	return n * mult, nil
}

func (s *Store) init(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot connect to event store: %w", err)
	}
	s.wconn = conn
	if err := duckdb.RegisterScalarUDF(conn, "es_ip_key", ipKeyFunc{}); err != nil {
		return fmt.Errorf("cannot register es_ip_key: %w", err)
	}
	for _, q := range []string{createMeta, createBlocks, createReceipts, createClientIDs, createImportFiles, createPartitionSQL(templateTable, s.cols)} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("cannot create event store tables: %w", err)
		}
	}
	var version string
	err = conn.QueryRowContext(ctx, `SELECT value FROM es_meta WHERE key = 'schema_version'`).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := conn.ExecContext(ctx, `INSERT INTO es_meta VALUES ('schema_version', ?)`, strconv.Itoa(schemaVersion)); err != nil {
			return fmt.Errorf("cannot write schema version: %w", err)
		}
	case err != nil:
		return fmt.Errorf("cannot read schema version: %w", err)
	default:
		if v, _ := strconv.Atoi(version); v > schemaVersion {
			return fmt.Errorf("cannot open event store: its schema version %s is newer than this program's %d", version, schemaVersion)
		}
	}
	var last sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT value FROM es_meta WHERE key = 'last_seq'`).Scan(&last); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("cannot read last seq: %w", err)
	}
	if n, err := strconv.ParseInt(last.String, 10, 64); err == nil {
		s.lastSeq.Store(n)
	}
	if err := s.upgradePartition(ctx, templateTable); err != nil {
		return err
	}
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND starts_with(table_name, ?)`, partPrefix)
	if err != nil {
		return fmt.Errorf("cannot list partitions: %w", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("cannot list partitions: %w", err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot list partitions: %w", err)
	}
	for _, table := range tables {
		key, ok := isPartTable(table)
		if !ok {
			continue
		}
		if err := s.upgradePartition(ctx, table); err != nil {
			return err
		}
		p := &partition{key: key, table: table}
		var minTS, maxTS sql.NullTime
		var minSeq, maxSeq sql.NullInt64
		err := conn.QueryRowContext(ctx, `SELECT count(*), min(ts), max(ts), min(seq), max(seq) FROM `+table).Scan(&p.rows, &minTS, &maxTS, &minSeq, &maxSeq)
		if err != nil {
			return fmt.Errorf("cannot read partition %s: %w", table, err)
		}
		p.minTS, p.maxTS = minTS.Time.UnixMicro(), maxTS.Time.UnixMicro()
		p.minSeq, p.maxSeq = minSeq.Int64, maxSeq.Int64
		if p.maxSeq > s.lastSeq.Load() {
			s.lastSeq.Store(p.maxSeq)
		}
		s.parts[key] = p
	}
	return nil
}

// upgradePartition adds the typed columns appended to event.Columns since
// the table was made (appending is the only change allowed without a
// migration). Old rows have NULL there; their values stay in fields.
func (s *Store) upgradePartition(ctx context.Context, table string) error {
	rows, err := s.wconn.QueryContext(ctx, `SELECT column_name FROM duckdb_columns() WHERE table_name = ?`, table)
	if err != nil {
		return fmt.Errorf("cannot read columns of %s: %w", table, err)
	}
	have := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("cannot read columns of %s: %w", table, err)
		}
		have[n] = true
	}
	rows.Close()
	for _, c := range s.cols {
		if have[c.name] {
			continue
		}
		if _, err := s.wconn.ExecContext(ctx, `ALTER TABLE `+table+` ADD COLUMN `+c.name+` `+c.sqlType); err != nil {
			return fmt.Errorf("cannot add column %s to %s: %w", c.name, table, err)
		}
	}
	return nil
}

// Ping implements eventstore.Store.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return eventstore.ErrClosed
	}
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("cannot reach event store: %w", err)
	}
	return nil
}

// LastSeq implements eventstore.Store.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	if s.closed.Load() {
		return 0, eventstore.ErrClosed
	}
	return s.lastSeq.Load(), nil
}

// Close stops the writer (pending appends finish first), seals the
// token index and checkpoints.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	close(s.quit)
	<-s.done
	if s.commits > 0 {
		s.log.Debug("writer time", "commits", s.commits, "dedupe", s.phase[0], "append", s.phase[1], "commit", s.phase[2], "total", s.phase[3])
	}
	err := errors.Join(s.ckConn.Close(), s.wconn.Close())
	return errors.Join(err, s.db.Close())
}

// acquire returns the partitions that may hold events between from and
// to (zero: unbounded), oldest first, and holds them for the caller:
// retention takes a partition out of parts at once, so that no read that
// starts later sees it, but drops its table only once no read holds it
// (retire, dropRetired). Without that, a read that listed a partition
// just before retention dropped it named a table that was gone ("Table
// with name ev_... does not exist"). release (which may be called more
// than once) must run after the last query naming the partitions' tables
// has finished.
func (s *Store) acquire(from, to time.Time) (views []partView, release func()) {
	s.mu.Lock()
	views = s.viewsLocked(from, to)
	for _, v := range views {
		v.p.readers++
	}
	s.mu.Unlock()
	var once sync.Once
	return views, func() { once.Do(func() { s.release(views) }) }
}

func (s *Store) release(views []partView) {
	ready := false
	s.mu.Lock()
	for _, v := range views {
		v.p.readers--
		ready = ready || v.p.retired && v.p.readers == 0
	}
	s.mu.Unlock()
	if ready {
		select {
		case s.dropReady <- struct{}{}:
		default: // the writer has been told already
		}
	}
}

// partsIn returns the partitions that may hold events between from and
// to, oldest first, without holding them: for the writer, which alone
// retires partitions.
func (s *Store) partsIn(from, to time.Time) []partView {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.viewsLocked(from, to)
}

func (s *Store) viewsLocked(from, to time.Time) []partView {
	out := make([]partView, 0, len(s.parts))
	for _, p := range s.parts {
		if p.rows == 0 {
			continue
		}
		if !from.IsZero() && p.maxTS < from.UnixMicro() {
			continue
		}
		if !to.IsZero() && p.minTS >= to.UnixMicro() {
			continue
		}
		out = append(out, partView{p: p, table: p.table, rows: p.rows, minTS: p.minTS, maxTS: p.maxTS, minSeq: p.minSeq, maxSeq: p.maxSeq,
			sealed: p.sealed[:len(p.sealed):len(p.sealed)], sealedHi: p.sealedHi, sealedLoaded: p.sealedLoaded})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].minTS < out[j].minTS })
	return out
}

// partView is what a reader saw of a partition.
type partView struct {
	p              *partition
	table          string
	rows           int64
	minTS, maxTS   int64
	minSeq, maxSeq int64
	sealed         []*block
	sealedHi       int64
	sealedLoaded   bool
}

// loadSealed makes sure a partition's sealed blocks are in memory and
// returns them.
func (s *Store) loadSealed(ctx context.Context, v *partView) error {
	if v.sealedLoaded {
		return nil
	}
	blocks, err := s.readBlocks(ctx, s.db, v.p.key)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if !v.p.sealedLoaded {
		// Blocks sealed by the writer meanwhile are already published;
		// keep those after the loaded ones.
		var hi int64
		if n := len(blocks); n > 0 {
			hi = blocks[n-1].seqHi
		}
		for _, b := range v.p.sealed {
			if b.seqLo > hi {
				blocks = append(blocks, b)
			}
		}
		v.p.sealed = blocks
		if n := len(blocks); n > 0 {
			v.p.sealedHi = blocks[n-1].seqHi
		}
		v.p.sealedLoaded = true
	}
	v.sealed, v.sealedHi, v.sealedLoaded = v.p.sealed[:len(v.p.sealed):len(v.p.sealed)], v.p.sealedHi, true
	s.mu.Unlock()
	return nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) readBlocks(ctx context.Context, q querier, key string) ([]*block, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq_lo, seq_hi, ts_lo, ts_hi, rows, bloom FROM es_blocks WHERE part = ? ORDER BY seq_lo`, key)
	if err != nil {
		return nil, fmt.Errorf("cannot read token index of %s: %w", key, err)
	}
	defer rows.Close()
	var out []*block
	for rows.Next() {
		var b block
		var tsLo, tsHi time.Time
		var raw []byte
		if err := rows.Scan(&b.seqLo, &b.seqHi, &tsLo, &tsHi, &b.rows, &raw); err != nil {
			return nil, fmt.Errorf("cannot read token index of %s: %w", key, err)
		}
		b.tsLo, b.tsHi = tsLo.UnixMicro(), tsHi.UnixMicro()
		b.filter = bloomFromBytes(raw)
		out = append(out, &b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read token index of %s: %w", key, err)
	}
	return out, nil
}

// ipKeyFunc is es_ip_key(VARCHAR) BLOB: an address as 16 bytes (IPv4
// mapped), which compare in address order; NULL when not an address.
type ipKeyFunc struct{}

func (ipKeyFunc) Config() duckdb.ScalarFuncConfig {
	in, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	out, _ := duckdb.NewTypeInfo(duckdb.TYPE_BLOB)
	return duckdb.ScalarFuncConfig{InputTypeInfos: []duckdb.TypeInfo{in}, ResultTypeInfo: out}
}

func (ipKeyFunc) Executor() duckdb.ScalarFuncExecutor {
	return duckdb.ScalarFuncExecutor{RowExecutor: func(values []driver.Value) (any, error) {
		s, _ := values[0].(string)
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, nil
		}
		k := a.As16()
		return k[:], nil
	}}
}

// RegisterFunctions runs register on the store's writer connection,
// between commits: the SQL functions a query engine needs (KQL's Go
// functions, hunt.New) are registered there for the whole database, so
// every reader connection has them. The event store itself knows nothing
// of the query languages that read it.
func (s *Store) RegisterFunctions(ctx context.Context, register func(conn *sql.Conn) error) error {
	return s.exec(ctx, func(_ context.Context, conn *sql.Conn) error { return register(conn) })
}
