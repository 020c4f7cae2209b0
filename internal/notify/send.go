package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Result is what an endpoint answered to one attempt.
type Result struct {
	// Code is the HTTP status or the SMTP reply code to the message.
	Code int `json:"code"`
	// Detail is the start of the response body or the server's reply.
	Detail   string        `json:"detail,omitempty"`
	Duration time.Duration `json:"duration"`
}

// sender renders and sends one message to one channel.
type sender struct {
	client    *http.Client
	tlsConfig *tls.Config // base for SMTP; nil = system roots
	now       func() time.Time
	userAgent string
}

// send delivers msg to c; deliveryID identifies the delivery to webhook
// receivers (stable across retries, for their deduplication).
func (s *sender) send(ctx context.Context, c Channel, deliveryID string, msg Message) (Result, error) {
	start := time.Now()
	var res Result
	var err error
	switch cfg := c.Config.(type) {
	case *EmailConfig:
		res, err = s.sendEmail(ctx, cfg, msg)
	case *SlackConfig:
		res, err = s.postJSON(ctx, cfg.WebhookURL, renderSlack(msg), nil)
	case *TeamsConfig:
		res, err = s.postJSON(ctx, cfg.WebhookURL, renderTeams(msg), nil)
	case *PagerDutyConfig:
		res, err = s.postJSON(ctx, cfg.URL, renderPagerDuty(cfg.RoutingKey, msg), nil)
	case *WebhookConfig:
		res, err = s.sendWebhook(ctx, cfg, deliveryID, msg)
	default:
		err = permanent(0, fmt.Errorf("%w: %T", ErrUnknownKind, c.Config))
	}
	res.Duration = time.Since(start)
	return res, err
}

// maxDetail bounds the response text kept in the delivery log.
const maxDetail = 512

func (s *sender) postJSON(ctx context.Context, url string, body any, hdr http.Header) (Result, error) {
	b, err := marshal(body)
	if err != nil {
		return Result{}, permanent(0, fmt.Errorf("cannot encode payload: %w", err))
	}
	return s.post(ctx, url, b, hdr)
}

// post sends one JSON request and classifies the answer: 2xx is success;
// 408, 425, 429 and 5xx are worth retrying (honouring Retry-After); any
// other status (400 bad payload, 401/403 bad credentials, 404/410 endpoint
// removed, 3xx: redirects are not followed) is permanent.
func (s *sender) post(ctx context.Context, url string, body []byte, hdr http.Header) (Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{}, permanent(0, fmt.Errorf("cannot build request: %w", err))
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("cannot post: %w", err)
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, maxDetail))
	// Drain a little more so the connection can be reused.
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	res := Result{Code: resp.StatusCode, Detail: cleanDetail(text)}
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return res, nil
	case code == http.StatusRequestTimeout || code == http.StatusTooEarly || code == http.StatusTooManyRequests || code >= 500:
		return res, &SendError{Code: code, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), s.now()),
			Err: errors.New(statusText(code, res.Detail))}
	case code >= 300 && code < 400:
		return res, permanent(code, fmt.Errorf("redirected to %q: update the channel's URL", resp.Header.Get("Location")))
	default:
		return res, permanent(code, errors.New(statusText(code, res.Detail)))
	}
}

func statusText(code int, detail string) string {
	t := http.StatusText(code)
	if detail != "" {
		t += ": " + detail
	}
	return t
}

// cleanDetail keeps the start of a response as one printable line.
func cleanDetail(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Join(strings.Fields(s), " ")
	return truncate(s, 200)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date (RFC 9110 10.2.3). Unparseable or past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > 86400 {
			n = 86400
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, 24*time.Hour)
		}
	}
	return 0
}

// truncate cuts s to at most n runes, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	count := 0
	for i := range s {
		if count == n-1 {
			return s[:i] + "…"
		}
		count++
	}
	return s
}

// marshal encodes JSON without escaping <, > and & (payloads are not HTML).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// severityLabel is the display form of a severity.
func severityLabel(s string) string {
	switch s {
	case "informational":
		return "Informational"
	case "":
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// eventLabel is the display form of an event.
func eventLabel(e string) string {
	switch e {
	case EventAlertRaised:
		return "New alert"
	case EventAlertUpdated:
		return "Alert updated"
	case EventAlertResolved:
		return "Alert resolved"
	case EventIncidentCreated:
		return "New incident"
	case EventIncidentUpdated:
		return "Incident updated"
	case EventTest:
		return "Test notification"
	}
	return e
}
