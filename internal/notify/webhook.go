package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WebhookPayload is the JSON body of a generic webhook: the delivery's ID
// (the same on every retry, for the receiver's deduplication) and the
// message.
type WebhookPayload struct {
	DeliveryID string `json:"delivery_id"`
	Message
}

// Webhook request headers.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256, keyed with the
	// channel's secret, of Timestamp + "." + body (see Sign).
	HeaderSignature = "X-EventSec-Signature"
	// HeaderTimestamp is the Unix time, in seconds, the request was signed;
	// receivers should refuse old ones (replays).
	HeaderTimestamp = "X-EventSec-Timestamp"
	// HeaderDelivery is the delivery's ID.
	HeaderDelivery = "X-EventSec-Delivery"
	// HeaderEvent is the message's event, e.g. "alert.raised".
	HeaderEvent = "X-EventSec-Event"
)

// Sign returns the X-EventSec-Signature value for a request body sent at
// timestamp (the X-EventSec-Timestamp value, decimal Unix seconds): exactly
// the bytes timestamp + "." + body are signed, with HMAC-SHA256 keyed by
// the secret's UTF-8 bytes, and written "sha256=<lower-case hex>".
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ErrBadSignature: VerifySignature refused a request.
var ErrBadSignature = errors.New("bad webhook signature")

// VerifySignature checks a received webhook: the signature must match
// (compared in constant time) and the timestamp be within tolerance of now.
func VerifySignature(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := h.Get(HeaderTimestamp)
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: no valid %s", ErrBadSignature, HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: timestamp outside the tolerance", ErrBadSignature)
	}
	got := h.Get(HeaderSignature)
	if !strings.HasPrefix(got, "sha256=") || !hmac.Equal([]byte(got), []byte(Sign(secret, ts, body))) {
		return fmt.Errorf("%w: signature does not match", ErrBadSignature)
	}
	return nil
}

func (s *sender) sendWebhook(ctx context.Context, cfg *WebhookConfig, deliveryID string, m Message) (Result, error) {
	body, err := marshal(WebhookPayload{DeliveryID: deliveryID, Message: m})
	if err != nil {
		return Result{}, permanent(0, fmt.Errorf("cannot encode payload: %w", err))
	}
	h := http.Header{}
	for k, v := range cfg.Headers {
		h.Set(k, v)
	}
	h.Set(HeaderDelivery, deliveryID)
	h.Set(HeaderEvent, m.Event)
	if cfg.Secret != "" {
		// Signed per attempt: a retry hours later carries a fresh timestamp.
		ts := strconv.FormatInt(s.now().Unix(), 10)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, Sign(cfg.Secret, ts, body))
	}
	return s.post(ctx, cfg.URL, body, h)
}
