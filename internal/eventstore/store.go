// Package eventstore defines where events are kept: an append-only,
// time-partitioned store with search, statistics, export and retention.
// The embedded implementation is duckdb/; ClickHouse follows at scale. Both
// pass the conformance suite in storetest/.
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

// Store keeps events. Every method that reads takes the org explicitly.
type Store interface {
	// Append makes events durable, then returns. Events whose (OrgID, ID)
	// is already stored are skipped, so a retried delivery is stored once.
	// Stored events get increasing Seq numbers (commit order).
	Append(ctx context.Context, evs []event.Event) (AppendResult, error)
	// Get returns one event of the org.
	Get(ctx context.Context, orgID, id string) (event.Event, error)
	// Search returns one page of the org's events matching q, in q.Order
	// (newest first by default). Its cursor continues in that order only.
	Search(ctx context.Context, orgID string, q Query) (Page, error)
	// Stats summarises the org's events matching q over time and by field.
	Stats(ctx context.Context, orgID string, q Query, interval time.Duration) (Stats, error)
	// Histogram counts the org's events matching q per interval, by
	// severity band: Stats' OverTime alone, cheaper, for a chart redrawn
	// as the user zooms.
	Histogram(ctx context.Context, orgID string, q Query, interval time.Duration) (Histogram, error)
	// Terms counts the values of one field among the org's events
	// matching q, most frequent first, at most size (1-1000, default 10).
	// Ties are in value order. Each element of a list field counts; events
	// without the field do not. A field the store cannot read is
	// ErrBadField.
	Terms(ctx context.Context, orgID string, q Query, field string, size int) (Terms, error)
	// Export writes every event matching q (no size limit) in the format,
	// streaming, in q.Order (oldest first by default: a file reads as a
	// log); it returns how many it wrote.
	Export(ctx context.Context, orgID string, q Query, f Format, w io.Writer) (int64, error)
	// Scan calls fn with every event of the org matching q (Size and
	// Cursor are ignored), oldest first by @timestamp (then Seq), a chunk
	// at a time, until all are read or fn returns an error (which Scan
	// returns). Memory stays flat for any number of events: retro-hunts
	// read history with it.
	Scan(ctx context.Context, orgID string, q Query, fn func([]event.Event) error) error
	// Since returns up to limit committed events of every org with
	// Seq > after, in Seq order: consumers (detection, forwarders) resume
	// from their checkpoint with it after a restart.
	Since(ctx context.Context, after int64, limit int) ([]event.Event, error)
	// LastSeq is the highest committed Seq (0 when empty).
	LastSeq(ctx context.Context) (int64, error)
	// DeleteBefore removes the org's events older than t (retention) and
	// returns how many; whole partitions are dropped when no org keeps them.
	DeleteBefore(ctx context.Context, orgID string, t time.Time) (int64, error)
	Ping(ctx context.Context) error
	Close() error
}

// AppendResult says what Append did.
// Receipts is implemented by stores that remember idempotency keys: an
// ingest request carrying a key has its arrival time recorded on first
// delivery, and a retry of it (same org, same key) gets that same time
// back. Events without their own timestamp take the arrival time, so a
// retried request derives the same timestamps and IDs and the store
// finds its events already stored instead of storing them twice.
type Receipts interface {
	// Receipt returns when the request with this key was first received:
	// now, recorded durably, on the first call; the recorded time after.
	Receipt(ctx context.Context, orgID, key string, now time.Time) (time.Time, error)
}

// ReceiptTTL is how long a receipt is kept: a retry after that is a new
// request.
const ReceiptTTL = 24 * time.Hour

// ClientIDs is implemented by stores that remember, for ReceiptTTL, the
// first arrival of each event that its sender identified (an id) but did
// not date: such an event takes its arrival time, so a retry after a
// restart of the server would otherwise carry another time and be stored
// a second time under the same ID.
type ClientIDs interface {
	// RememberClientIDs records ids durably (a later record of the same
	// org and ID replaces an earlier one).
	RememberClientIDs(ctx context.Context, ids []ClientID) error
	// RecentClientIDs returns the records first received at or after
	// since, oldest first, at most limit of them (the newest).
	RecentClientIDs(ctx context.Context, since time.Time, limit int) ([]ClientID, error)
}

// ImportLedger is implemented by stores that remember how the files
// imported under each name were dated (eventsec import, POST
// /api/v1/events/import): a file's lines without a time of their own take
// its modification time, which moves when the file grows, so without the
// ledger importing a log again after lines were appended would store its
// earlier undated lines a second time, under new times. Several files
// may share a name (app.log of several hosts): a name has a record per
// file, told apart by their first bytes.
type ImportLedger interface {
	// ImportedFiles returns the records of the org and file name, oldest
	// first (none when nothing was recorded).
	ImportedFiles(ctx context.Context, orgID, name string) ([]ImportedFile, error)
	// RecordImportedFiles replaces the records of the org and file name.
	RecordImportedFiles(ctx context.Context, orgID, name string, files []ImportedFile) error
}

// ImportedFile is how an imported file was dated: its first HeadLen
// bytes hashed to HeadSum (the same file, grown, still starts so), and
// Segments, in order, give the time its undated lines took, by the byte
// offset where each earlier import's new part ended.
type ImportedFile struct {
	HeadLen  int64           `json:"head_len"`
	HeadSum  uint64          `json:"head_sum"`
	Segments []ImportSegment `json:"segments"`
}

// ImportSegment: the lines starting before End (and after the previous
// segment's End) were dated Modified.
type ImportSegment struct {
	End      int64     `json:"end"`
	Modified time.Time `json:"modified"`
}

// ClientID is the first arrival of a sender-identified, undated event:
// its org, its ID, when it first arrived and a hash of its content (see
// ingest's SettleClientID).
type ClientID struct {
	OrgID string
	ID    string
	First time.Time
	Sum   uint64
}

type AppendResult struct {
	Stored     []event.Event // with Seq set, in commit order
	Duplicates int           // skipped: already stored
}

// TextNeed is a prefilter a query compiler passes with a relation: the
// query needs only rows whose Field ("message" or "event.original"),
// lowercased, contains at least one of Any (lowercased, none empty) as
// a substring. A store may leave out rows it proves fail that, and only
// those; the query still applies its own, exact predicate.
type TextNeed struct {
	Field string
	Any   []string
}

// Relation is a SQL relation of events (usable after FROM) with the
// values of its '?' placeholders.
type Relation struct {
	SQL  string
	Args []any
	// Rows is how many rows the store expects the relation's scan to
	// consider: see the store's Relation.
	Rows int64
}

// Query selects events.
type Query struct {
	// Text is the simple query syntax: field:value, "quoted phrases",
	// AND/OR/NOT, wildcards (* ?), ranges field:[a TO b], free text.
	Text string
	From time.Time // inclusive; zero = unbounded
	To   time.Time // exclusive; zero = unbounded
	// Severities keeps events in any of these bands ("low", "high"...).
	Severities []string
	// Size is the page size (Search only): 1-1000, default 50.
	Size int
	// Cursor continues a previous Search (its Page.NextCursor), made
	// with the same Order.
	Cursor string
	// Order is the time order of Search and Export: by @timestamp, then
	// by Seq (commit order) among events of the same time. Empty is the
	// method's default: Search newest first, Export oldest first.
	Order Order
}

// Order is a time order of events.
type Order string

// The orders.
const (
	OldestFirst Order = "asc"
	NewestFirst Order = "desc"
)

// ParseOrder reads "asc" or "desc" (without case); "" is def.
func ParseOrder(s string, def Order) (Order, error) {
	switch strings.ToLower(s) {
	case "":
		return def, nil
	case "asc":
		return OldestFirst, nil
	case "desc":
		return NewestFirst, nil
	}
	return "", fmt.Errorf("%w: unknown order %q (want asc or desc)", ErrBadQuery, s)
}

// Page is one page of search results.
type Page struct {
	Events []event.Event
	// Total counts every matching event (exact).
	Total      int64
	NextCursor string // "" on the last page
}

// Stats summarises events.
type Stats struct {
	Total    int64
	Interval time.Duration
	// OverTime has one bucket per interval from From to To (the data's
	// span when unbounded), empty ones included; interval 0 picks a round
	// one for about 100 buckets.
	OverTime []Bucket
	// By severity band, event.category, event.dataset, input, and the top
	// 10 hosts, users, source IPs and source countries.
	BySeverity   []TermCount
	ByCategory   []TermCount
	ByDataset    []TermCount
	ByInput      []TermCount
	TopHosts     []TermCount
	TopUsers     []TermCount
	TopSources   []TermCount
	TopCountries []TermCount
}

// Histogram is events over time.
type Histogram struct {
	Total    int64
	Interval time.Duration
	Buckets  []Bucket // one per interval from From to To, empty ones included
}

// Bucket is one interval of a histogram.
type Bucket struct {
	Start      time.Time
	Count      int64
	BySeverity map[string]int64
}

// Terms is the most frequent values of one field.
type Terms struct {
	Top []TermCount
	// Events counts the matching events that have the field, whatever
	// its value: what a value's share is of. It is counted in the same
	// pass as Top, so a field list's "80% of events" never needs a
	// second scan.
	Events int64
}

// TermCount is a value and how many events have it.
type TermCount struct {
	Term  string
	Count int64
}

// Format is an export format.
type Format string

// Export formats.
const (
	FormatNDJSON  Format = "ndjson"
	FormatCSV     Format = "csv"
	FormatParquet Format = "parquet"
)

// Errors of every Store.
var (
	ErrNotFound = errors.New("event not found")
	// ErrBadQuery wraps a query syntax error; its message says where.
	ErrBadQuery = errors.New("bad query")
	// ErrBadField wraps the error of a field name the store cannot read
	// (Terms). It is an ErrBadQuery too; callers that take the field
	// apart from the query tell them apart with it.
	ErrBadField = fmt.Errorf("%w: bad field", ErrBadQuery)
	// ErrBadCursor: a page cursor the store did not hand out.
	ErrBadCursor = errors.New("invalid cursor")
	// ErrInvalidEvent: an event Append cannot store (no OrgID).
	ErrInvalidEvent = errors.New("invalid event")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("event store closed")
)
