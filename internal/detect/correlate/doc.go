// Package correlate implements Sigma correlation rules (specification
// v2.1: event_count, value_count, temporal, temporal_ordered, value_sum,
// value_avg, value_percentile) as a streaming, stateful engine.
//
// # Parsing
//
// Parse reads one YAML document with a "correlation" key; errors are
// *Error values located by file, line and column. ParseDuration reads
// timespans ("30s", "5m", "1h", "7d"; "w" for weeks is accepted too).
// group-by may be omitted (pySigma allows it): the rule then has one
// group per org. For temporal and temporal_ordered an omitted condition
// means "gte: number of rules". condition.field may be a list for
// value_count: the specification links several fields with AND, read
// here as counting distinct combinations of their values. value_percentile
// accepts an EventSec extension, condition.percentile (see below).
//
// # Feeding the engine
//
// The caller reports every match of a referenced rule with Observe:
// org, the rule's id and name (a correlation may refer to either), the
// event's time and id, and a reader of the event's fields by Sigma name.
// group-by fields are read through the rule's aliases when one is
// defined for the matched rule. An observation lacking a group-by field
// (or the condition field of a value_* type) is ignored for that
// correlation and counted in Stats.MissingField; a value_sum, value_avg
// or numeric value_percentile field that is not a number is counted in
// Stats.BadValue. State is kept per org: the org is always part of the
// group key, so orgs never see each other's events.
//
// # Windows and when a correlation fires
//
// Windows are over event time, and both ends are inclusive: two events
// exactly one timespan apart are in the same window.
//
// Sliding mode — conditions with only lower bounds (gt, gte) on the
// monotone types (event_count, value_count, value_sum, temporal,
// temporal_ordered). The window is [newest-timespan, newest], where
// newest is the newest event time seen for the group. The condition is
// checked on every observation and the correlation fires as soon as it
// holds; the group then restarts empty. So "event_count gte 100" over a
// burst of 1,000 events fires 10 times, each result covering 100 events,
// not 900 times. Fired.Start is the earliest event of the window that
// counted, Fired.End the newest.
//
// Tumbling mode — every other condition (any lt, lte, eq or neq, and
// ranges) and the non-monotone value_avg and value_percentile. A window
// opens with the group's first observation and spans [first,
// first+timespan]; the condition is checked once, when the window
// closes: when an observation for the group arrives after its end, or
// when Advance is called with a time past its end. "Fewer than 3 in 1h"
// thus fires one hour after the group's first event if fewer than 3
// arrived. A group is only known once it has one observation: a group
// with no event at all never fires. Fired.Start and End are the window's
// bounds.
//
// Per type, the value compared with the condition is: event_count, the
// number of events; value_count, the number of distinct values of
// condition.field; temporal, the number of distinct referenced rules
// that matched; temporal_ordered, the length of the longest prefix of
// the rule list matched in order (matches in the same instant count as
// ordered) with the whole chain inside the timespan; value_sum and
// value_avg, the sum and mean of the numeric field; value_percentile,
// either the p-th percentile (nearest rank) of the numeric field when
// condition.percentile is p, or — the specification's example, "an image
// seen in less than 1% of the process creations" — each distinct value's
// share of the window's events in percent, one result per value whose
// share satisfies the condition, with that value in Fired.GroupKey under
// the field's name.
//
// # Out-of-order events
//
// In sliding mode an event older than the group's newest event by at
// most the timespan joins the window as if it had arrived in order; an
// older one is dropped and counted in Stats.Late. In tumbling mode an
// event before the window start moves the start back when everything
// held still fits in one timespan, and is counted in Stats.Late
// otherwise. Advance's argument is a watermark: the caller passes the
// newest event time minus the lateness it tolerates (or wall-clock time
// for live streams); windows that ended before it are closed for good.
//
// # Chaining and generate
//
// A correlation may refer to another correlation. When one fires and a
// loaded correlation refers to it, its result is fed back as a match of
// that rule, at the time of its newest event, with its group-by values
// as the fields (Fired.GroupKey), carrying its event ids; so the outer
// rule can only group by fields (or aliases of fields) the inner rule
// groups by, as in the specification's examples. Cycles are refused by
// Add. Fired.Standalone is false for results of a correlation
// that only serves as a step of another one (referenced, and no
// referencing rule sets generate: true): they are returned so that the
// caller can record them, but should not raise alerts. Engine.StandAlone
// answers the same question for base rules.
//
// # Memory
//
// The engine holds at most Options.MaxGroups groups across all rules and
// orgs; when full, the group closest to expiry is evicted (counted in
// Stats.Evicted). A group holds only what its type needs: a count
// (tumbling event_count), the timestamps of its window (sliding
// event_count: fewer than the threshold, since it restarts when it is
// reached), one timestamp per rule (temporal), distinct values with their
// newest time (value_count), and so on, each bounded by
// Options.MaxGroupEntries; a rule whose threshold needs more is refused
// by Add, and other overflows drop the oldest entries (Stats.Truncated).
// At most Options.MaxEventIDs event ids are kept per group (as given:
// the engine keeps the caller's strings; values it stores for value_count
// and value_percentile are copied). A group also keeps the distinct
// entities of its events (Observation.Entities: hosts, users... as the
// caller names them), time-stamped so that a sliding window forgets
// those of events that left it, within Options.MaxEntityBytes (256
// bytes by default; more are dropped and counted in
// Stats.EntitiesDropped); Fired.Entities lists them, and a chained
// result carries them on. One open event_count group holding one event
// costs about 260 bytes, event id included, and about 324 when the
// event names a host, a user and an address: 1,000,000 open groups take
// about 250 MiB of heap, 310 MiB with entities (TestGroupMemory,
// BenchmarkGroupMemory).
//
// The engine is safe for concurrent use; calls are serialised by one
// mutex, and Observation.Field is called with it held, so it should only
// read the event.
//
// # Persistence
//
// Snapshot writes every open group (versioned gob records after a magic
// line); Restore loads them into an engine whose rules are loaded,
// dropping the groups of rules that are missing or whose definition
// changed, so a restarted engine resumes mid-window.
package correlate
