package event

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// jsonEvent is the shape of an event's JSON for encoding/json: what
// AppendJSON wrote by hand is held equal to it.
type jsonEvent struct {
	ID            string         `json:"id"`
	Seq           int64          `json:"seq,omitempty"`
	Timestamp     time.Time      `json:"@timestamp"`
	Ingested      time.Time      `json:"ingested"`
	Input         string         `json:"input"`
	Severity      int64          `json:"severity"`
	SeverityLabel string         `json:"severity_label"`
	Message       string         `json:"message,omitempty"`
	Fields        map[string]any `json:"fields"`
	Raw           string         `json:"raw"`
}

func marshalReflect(e Event) []byte {
	sev, _ := e.Fields.Int("event.severity")
	b, err := json.Marshal(jsonEvent{
		ID: e.ID, Seq: e.Seq, Timestamp: e.Timestamp.UTC(), Ingested: e.Ingested.UTC(), Input: e.Input,
		Severity: sev, SeverityLabel: SeverityLabel(sev), Message: e.Fields.Str("message"),
		Fields: e.Fields.Nested(), Raw: e.Raw,
	})
	if err != nil {
		panic(err)
	}
	return b
}

func sampleEvents() []Event {
	at := time.Date(2026, 11, 24, 5, 6, 7, 890123000, time.FixedZone("X", 3600))
	return []Event{
		{ID: "a", OrgID: "o", Seq: 42, Timestamp: at, Ingested: at.Add(time.Second), Input: "syslog", Raw: "<13>raw <b>&amp; \"q\" \x01 é",
			Fields: Fields{"message": "Failed <password> & more\u2028", "event.severity": int64(73), "source.port": int64(22), "score": 3.0, "ratio": 0.25,
				"big": 1e21, "tiny": 1e-7, "process.args": []string{"sh", "-c", "id"}, "user.name": "root", "user": "clash", "ok": true, "none": nil,
				"winlog.event_data": map[string]any{"b": []any{int64(1), "x", nil, 2.5}, "a": "é"}}},
		{ID: "b", OrgID: "o", Timestamp: at, Ingested: at, Input: "http"},
		{ID: "c\x00\xff", OrgID: "o", Seq: 1, Timestamp: at, Ingested: at, Input: "http", Raw: "\xff\xfe", Fields: Fields{"message": ""}},
	}
}

// The hand-written JSON of an event holds what encoding/json would write
// (the text may differ: floats keep a fraction; <, > and & are not
// escaped).
func TestEventJSONValues(t *testing.T) {
	for _, e := range sampleEvents() {
		mine, err := json.Marshal(e) // through MarshalJSON
		if err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
		var got, want any
		if err := json.Unmarshal(mine, &got); err != nil {
			t.Fatalf("%s: %s: %v", e.ID, mine, err)
		}
		json.Unmarshal(marshalReflect(e), &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n hand    %s\n reflect %s", e.ID, mine, marshalReflect(e))
		}
	}
}

func BenchmarkEventJSON(b *testing.B) {
	e := sampleEvents()[0]
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = e.AppendJSON(buf[:0])
		}
	})
	b.Run("reflect", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			marshalReflect(e)
		}
	})
}
