package event

import (
	"encoding/json"
	"time"
)

// jsonEvent is how an event looks in the API, exports and live feeds: the
// identity and times, the severity band, the nested ECS document, and the
// original text.
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

// MarshalJSON implements json.Marshaler.
func (e Event) MarshalJSON() ([]byte, error) {
	sev, _ := e.Fields.Int("event.severity")
	return json.Marshal(jsonEvent{
		ID: e.ID, Seq: e.Seq, Timestamp: e.Timestamp.UTC(), Ingested: e.Ingested.UTC(), Input: e.Input,
		Severity: sev, SeverityLabel: SeverityLabel(sev), Message: e.Fields.Str("message"),
		Fields: e.Fields.Nested(), Raw: e.Raw,
	})
}
