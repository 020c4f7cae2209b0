package normalize

import (
	"testing"
	"time"
)

func TestEmbeddedLine(t *testing.T) {
	received := time.Date(2026, 11, 23, 10, 0, 5, 0, time.UTC)
	n := New(Options{})
	norm := func(raw string) map[string]any {
		ev := n.Normalize(Input{OrgID: "o", Input: "http", Raw: []byte(raw), Format: FormatJSON, Received: received})
		f := map[string]any{}
		for k, v := range ev.Fields {
			f[k] = v
		}
		f["@ts"] = ev.Timestamp.UTC().Format(time.RFC3339)
		return f
	}

	t.Run("Filebeat sends an auth.log line", func(t *testing.T) {
		f := norm(`{"@timestamp":"2026-11-23T10:00:04.500Z","message":"Nov 23 10:00:00 web-1 sshd[811]: Failed password for invalid user admin from 198.51.100.7 port 4242 ssh2","host":{"name":"shipper-1"},"agent":{"type":"filebeat"},"log":{"file":{"path":"/var/log/auth.log"}}}`)
		want := map[string]any{
			"process.name": "sshd", "source.ip": "198.51.100.7", "event.outcome": "failure", "user.name": "admin",
			"host.name": "shipper-1", "host.hostname": "web-1", "event.dataset": "linux.auth",
			"message":        "Failed password for invalid user admin from 198.51.100.7 port 4242 ssh2",
			"event.original": "Nov 23 10:00:00 web-1 sshd[811]: Failed password for invalid user admin from 198.51.100.7 port 4242 ssh2",
			"event.created":  "2026-11-23T10:00:04.5Z", "@ts": "2026-11-23T10:00:00Z", "agent.type": "filebeat",
		}
		for k, v := range want {
			if f[k] != v {
				t.Errorf("%s = %#v, want %#v", k, f[k], v)
			}
		}
		if _, ok := f["tags"]; ok {
			t.Errorf("tags %v", f["tags"])
		}
	})
	t.Run("Fluent Bit's tail sends an access-log line as log", func(t *testing.T) {
		f := norm(`{"log":"203.0.113.9 - - [23/Nov/2026:10:00:00 +0000] \"GET /../../etc/passwd HTTP/1.1\" 404 153 \"-\" \"curl/8.0\""}`)
		if f["source.ip"] != "203.0.113.9" || f["url.original"] == nil || f["http.response.status_code"] != int64(404) {
			t.Errorf("access line not parsed: %v", f)
		}
	})
	untouched := map[string]string{
		"application message led by a time":   `{"message":"2026-11-23T10:00:00Z user bob logged in"}`,
		"key=value application message":       `{"message":"user=bob action=login result=ok"}`,
		"sender classified it":                `{"message":"Nov 23 10:00:00 web-1 sshd[811]: Failed password for root from 198.51.100.7 port 4242 ssh2","event":{"dataset":"custom.app"}}`,
		"plain sentence":                      `{"message":"the backup finished in 42 seconds"}`,
		"a message that is JSON is not lines": `{"message":"{\"a\":1}"}`,
	}
	for name, raw := range untouched {
		t.Run(name, func(t *testing.T) {
			f := norm(raw)
			if _, ok := f["event.original"]; ok {
				t.Errorf("parsed as a line: %v", f)
			}
			if f["source.ip"] != nil || f["process.name"] != nil {
				t.Errorf("fields added: %v", f)
			}
		})
	}
}
