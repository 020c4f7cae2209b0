package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"time"
)

// Temporary reports whether err is worth retrying: the network failed, the
// server is overloaded or restarting. Revocation, protocol mismatch and
// 4xx answers are permanent.
func Temporary(err error) bool {
	if err == nil || errors.Is(err, ErrRevoked) || errors.Is(err, ErrProtocol) {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status >= 500 || he.Status == http.StatusTooManyRequests || he.Status == http.StatusRequestTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	// Transport failures (connection refused/reset, TLS, EOF) arrive as
	// *url.Error wrapping assorted types; anything that is not an HTTP
	// answer is a transport problem.
	return true
}

// Backoff yields growing, jittered delays between Min and Max.
type Backoff struct {
	Min, Max time.Duration
	attempt  int
}

// Next returns the next delay ("full jitter": uniform in [d/2, d]).
func (b *Backoff) Next() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = time.Second
	}
	if hi < lo {
		hi = lo
	}
	d := lo << min(b.attempt, 30)
	if d > hi || d <= 0 {
		d = hi
	}
	b.attempt++
	return d/2 + rand.N(d/2+1)
}

// Reset starts over after a success.
func (b *Backoff) Reset() { b.attempt = 0 }

// Retry calls fn until it succeeds, fails permanently or ctx ends, sleeping
// b.Next() between temporary failures. onRetry (optional) sees each
// temporary failure before the sleep.
func Retry(ctx context.Context, b *Backoff, fn func(context.Context) error, onRetry func(err error, wait time.Duration)) error {
	for {
		err := fn(ctx)
		if err == nil {
			b.Reset()
			return nil
		}
		if !Temporary(err) || ctx.Err() != nil {
			return err
		}
		wait := b.Next()
		if onRetry != nil {
			onRetry(err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
