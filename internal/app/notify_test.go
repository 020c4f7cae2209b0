package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/notify"
)

// TestAlertNotificationsEndToEnd: a JSON rule with a webhook action and a
// stored Slack channel; one matching event is ingested through the API;
// the webhook receives a signed delivery and the Slack endpoint its
// message, and the delivery log shows both sent.
func TestAlertNotificationsEndToEnd(t *testing.T) {
	type hit struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	hits := map[string][]hit{}
	recv := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			hits[name] = append(hits[name], hit{r.Header.Clone(), b})
			mu.Unlock()
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("ok"))
		}))
	}
	hook, slack := recv("webhook"), recv("slack")
	defer hook.Close()
	defer slack.Close()

	const pass = "Correct-Horse-Battery-9"
	srv := startServer(t, map[string]string{"EVENTSEC_ADMIN_PASSWORD": pass, "EVENTSEC_DATA_DIR": t.TempDir()})
	tok := loginToken(t, srv.url, "admin@eventsec.local", pass)
	call := func(method, path string, body any) (int, []byte) {
		b, _ := json.Marshal(body)
		return apiCall(t, method, srv.url+path, tok, "application/json", b)
	}
	st, b := call("POST", "/api/v1/notifications/channels", map[string]any{"name": "SOC Slack", "kind": "slack", "enabled": true,
		"min_severity": "medium", "config": map[string]any{"webhook_url": slack.URL + "/services/T000/B000/XXX"}})
	if st != http.StatusCreated {
		t.Fatalf("create channel: %d %s", st, b)
	}
	if st, b := call("POST", "/api/v1/notifications/channels", map[string]any{"name": "bad", "kind": "slack", "config": map[string]any{"webhook_url": "ftp://x"}}); st != 400 || !strings.Contains(string(b), "config.webhook_url") {
		t.Fatalf("bad channel: %d %s", st, b)
	}
	rule := `{"name":"Payout account changed","severity":"high","conditions":[{"field":"eventType","operator":"equals","value":"PAYOUT_CHANGED"}],` +
		`"actions":[{"type":"webhook","config":{"url":"` + hook.URL + `/hook","secret":"s3cret"}}]}`
	if st, b := call("POST", "/api/v1/rules", map[string]any{"format": "json", "source": rule}); st != http.StatusCreated {
		t.Fatalf("create rule: %d %s", st, b)
	}
	if st, b := call("POST", "/api/v1/events", map[string]any{"eventType": "PAYOUT_CHANGED", "user": map[string]any{"name": "bob"},
		"message": "payout account changed for bob"}); st != http.StatusAccepted {
		t.Fatalf("ingest: %d %s", st, b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n, m := len(hits["webhook"]), len(hits["slack"])
		mu.Unlock()
		if n > 0 && m > 0 {
			break
		}
		if time.Now().After(deadline) {
			_, log := call("GET", "/api/v1/notifications/deliveries", nil)
			t.Fatalf("deliveries not received (webhook %d, slack %d); log: %s", n, m, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	mu.Lock()
	w := hits["webhook"][0]
	s := hits["slack"][0]
	mu.Unlock()
	if err := notify.VerifySignature("s3cret", w.header, w.body, time.Now(), 5*time.Minute); err != nil {
		t.Fatalf("webhook signature: %v", err)
	}
	if !strings.Contains(string(w.body), "Payout account changed") || !strings.Contains(string(s.body), "Payout account changed") {
		t.Fatalf("payloads:\n%s\n%s", w.body, s.body)
	}
	var log struct {
		Deliveries []struct{ Status, ChannelName string } `json:"deliveries"`
	}
	for time.Now().Before(deadline) {
		_, b := call("GET", "/api/v1/notifications/deliveries?status=sent", nil)
		_ = json.Unmarshal(b, &log)
		if len(log.Deliveries) == 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(log.Deliveries) != 2 {
		t.Fatalf("delivery log: %+v", log)
	}
}
