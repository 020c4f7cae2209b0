package event

import (
	"strconv"
	"time"
)

// An event looks like this in the API, exports and live feeds: the
// identity and times, the severity band, the nested ECS document, and the
// original text (see AppendJSON; jsonEvent in the tests is the same shape
// for encoding/json).

// MarshalJSON implements json.Marshaler.
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 512+len(e.Raw)+48*len(e.Fields))), nil
}

// AppendJSON appends the event's JSON (jsonEvent's shape) to b, written
// by hand rather than through encoding/json's reflection: every event of
// the live feed and of the API's pages is encoded, and the hand-written
// encoder takes less than half the time (BenchmarkEventJSON: 4.1-4.8 µs
// against 9.1-10.2 µs for an event of 13 fields).
func (e Event) AppendJSON(b []byte) []byte {
	sev, _ := e.Fields.Int("event.severity")
	b = append(b, `{"id":`...)
	b = AppendJSONString(b, e.ID)
	if e.Seq != 0 {
		b = strconv.AppendInt(append(b, `,"seq":`...), e.Seq, 10)
	}
	b = appendJSONTime(append(b, `,"@timestamp":`...), e.Timestamp)
	b = appendJSONTime(append(b, `,"ingested":`...), e.Ingested)
	b = AppendJSONString(append(b, `,"input":`...), e.Input)
	b = strconv.AppendInt(append(b, `,"severity":`...), sev, 10)
	b = AppendJSONString(append(b, `,"severity_label":`...), SeverityLabel(sev))
	if msg := e.Fields.Str("message"); msg != "" {
		b = AppendJSONString(append(b, `,"message":`...), msg)
	}
	b = AppendJSONValue(append(b, `,"fields":`...), e.Fields.Nested())
	b = AppendJSONString(append(b, `,"raw":`...), e.Raw)
	return append(b, '}')
}

// appendJSONTime writes t in UTC as time.Time's JSON does (RFC 3339 with
// nanoseconds as needed).
func appendJSONTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}
