package lucene

import (
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

func TestMatcher(t *testing.T) {
	ev := event.Event{ID: "e1", Timestamp: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		Raw: "<38>sshd[1]: Failed password for root from 81.2.69.142 port 4242 ssh2",
		Fields: event.Fields{
			"message": "Failed password for root from 81.2.69.142 port 4242 ssh2", "user.name": "Root",
			"source.ip": "81.2.69.142", "source.port": int64(4242), "event.severity": int64(47),
			"event.category": []string{"authentication", "network"}, "host.name": "web-01",
		}}
	for q, want := range map[string]bool{
		"user.name:root": true, "user.name:alice": false, "USER.NAME:root": false,
		"source.ip:81.2.0.0/16": true, "source.ip:10.0.0.0/8": false, "source.ip:81.2.69.142": true,
		"source.port:[1000 TO 5000]": true, "source.port:{4242 TO *]": false, "event.severity:>=47": true, "event.severity:>47": false,
		"event.category:network": true, "event.category:file": false,
		"host.name:web-*": true, "host.name:db-?1": false, "host.name:web-0?": true,
		"failed password": true, `"password for root"`: true, `"root for password"`: false, "kerberos": false,
		"message:root": true, `message:"for root from"`: true,
		// More than four words in one term: looked up in a set.
		"message:failed-password-for-root-from-port": true, "message:failed-password-for-root-from-kerberos": false,
		"process.name:*": false, "host.name:*": true,
		"user.name:root AND NOT host.name:db*": true, "user.name:alice OR host.name:web-01": true,
		"(user.name:alice OR user.name:bob) AND host.name:web-01":   false,
		`@timestamp:[2026-11-23T00:00:00Z TO 2026-11-24T00:00:00Z]`: true,
		"*": true,
	} {
		m, err := NewMatcher(q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if got := m.Match(ev); got != want {
			t.Errorf("%s: got %v, want %v", q, got, want)
		}
	}
	if _, err := NewMatcher("user.name:("); err == nil {
		t.Fatal("syntax errors must be reported")
	}
}
