// Package external asks third-party reputation services what they know of
// a file hash, URL, domain or IP address: VirusTotal v3, AlienVault OTX,
// AbuseIPDB and abuse.ch URLhaus. Every client has a configurable base URL
// and timeout, a token-bucket rate limit sized for the service's free tier,
// and a TTL cache, and answers with one Verdict shape. "Not found" is a
// verdict (status unknown), not an error; unauthorized and quota answers
// are errors with their own sentinels.
package external

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Kind is what is looked up.
type Kind string

// Kinds of values. KindHash is an MD5, SHA-1 or SHA-256 of a file.
const (
	KindHash   Kind = "hash"
	KindURL    Kind = "url"
	KindDomain Kind = "domain"
	KindIP     Kind = "ip"
)

// Statuses of a verdict.
const (
	// StatusMalicious: the service considers the value malicious.
	StatusMalicious = "malicious"
	// StatusSuspicious: some signal, not a conviction.
	StatusSuspicious = "suspicious"
	// StatusHarmless: the service knows the value and has nothing against it.
	StatusHarmless = "harmless"
	// StatusUnknown: the service has never seen the value.
	StatusUnknown = "unknown"
)

// Verdict is what one service says of one value.
type Verdict struct {
	Source string `json:"source"`
	Kind   Kind   `json:"kind"`
	Value  string `json:"value"`
	// Status is malicious, suspicious, harmless or unknown.
	Status    string `json:"status"`
	Malicious bool   `json:"malicious"`
	// Score is 0-100 on the service's own scale mapped (detections ratio,
	// abuse confidence, pulse count).
	Score   int    `json:"score"`
	Summary string `json:"summary"`
	Link    string `json:"link,omitempty"`
	// Details are the service's figures that back the summary.
	Details   map[string]any `json:"details,omitempty"`
	CheckedAt time.Time      `json:"checked_at"`
	// Cached is set when the answer came from the cache.
	Cached bool `json:"cached,omitempty"`
}

// Errors of the clients; compare with errors.Is.
var (
	// ErrUnauthorized: the API key is missing, wrong or revoked.
	ErrUnauthorized = errors.New("the service refused the API key")
	// ErrQuota: the service's quota or rate limit is exhausted.
	ErrQuota = errors.New("the service's quota is exhausted")
	// ErrRateLimited: the local token bucket has no token before the
	// context's deadline; the request was not sent.
	ErrRateLimited = errors.New("local rate limit reached for the service")
	// ErrUnsupported: the service cannot look up this kind of value.
	ErrUnsupported = errors.New("the service does not look up this kind of value")
	// ErrInvalid: the service rejected the value as malformed.
	ErrInvalid = errors.New("the service rejected the value")
	// ErrUpstream: the service failed or answered something unreadable.
	ErrUpstream = errors.New("the service failed")
)

// Client looks values up in one service.
type Client interface {
	// Name is the service's stable name ("virustotal", "otx", "abuseipdb", "urlhaus").
	Name() string
	// Supports reports whether the service looks up the kind.
	Supports(k Kind) bool
	// Check looks one value up.
	Check(ctx context.Context, k Kind, value string) (Verdict, error)
}

// Config configures a client. Zero values take the service's defaults.
type Config struct {
	APIKey string
	// BaseURL replaces the service's address (tests, proxies, mirrors).
	BaseURL string
	// Timeout bounds one request (default 15 s).
	Timeout time.Duration
	// HTTPClient sends the requests (default: a client with Timeout).
	HTTPClient *http.Client
	// Rate and Burst size the token bucket (default: the free tier's).
	Rate  rate.Limit
	Burst int
	// CacheTTL is how long an answer is reused (default 1 hour; negative
	// disables the cache). CacheSize bounds it (default 10,000 entries).
	CacheTTL  time.Duration
	CacheSize int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// base is what every client shares: HTTP, rate limit and cache.
type base struct {
	name    string
	key     string
	baseURL string
	http    *http.Client
	limiter *rate.Limiter
	cache   *cache
	now     func() time.Time
}

func newBase(name, defURL string, defRate rate.Limit, defBurst int, c Config) base {
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.Timeout}
	}
	if c.Rate == 0 {
		c.Rate, c.Burst = defRate, defBurst
	}
	if c.Burst <= 0 {
		c.Burst = 1
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = time.Hour
	}
	if c.CacheSize <= 0 {
		c.CacheSize = 10_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	u := strings.TrimRight(c.BaseURL, "/")
	if u == "" {
		u = defURL
	}
	return base{name: name, key: c.APIKey, baseURL: u, http: c.HTTPClient, limiter: rate.NewLimiter(c.Rate, c.Burst),
		cache: newCache(c.CacheTTL, c.CacheSize, c.Now), now: c.Now}
}

// lookup serves from the cache or calls fetch under the rate limit.
func (b *base) lookup(ctx context.Context, k Kind, value string, fetch func(ctx context.Context) (Verdict, error)) (Verdict, error) {
	key := string(k) + "\x00" + value
	if v, ok := b.cache.get(key); ok {
		v.Cached = true
		return v, nil
	}
	if err := b.limiter.Wait(ctx); err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Verdict{}, ctx.Err()
		}
		return Verdict{}, fmt.Errorf("cannot query %s: %w", b.name, ErrRateLimited)
	}
	v, err := fetch(ctx)
	if err != nil {
		return Verdict{}, err
	}
	v.Source, v.Kind, v.Value, v.CheckedAt = b.name, k, value, b.now().UTC()
	if v.Status == StatusMalicious {
		v.Malicious = true
	}
	b.cache.put(key, v)
	return v, nil
}

// maxBody bounds a service's answer.
const maxBody = 4 << 20

// do sends req and decodes a JSON answer into dst. statusErr maps non-2xx
// statuses (nil result: fall back to the generic mapping); notFound
// reports whether a status means "never seen".
func (b *base) do(req *http.Request, dst any) (status int, err error) {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "EventSec-sandbox")
	res, err := b.http.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return 0, fmt.Errorf("cannot query %s: %w", b.name, ctxErr)
		}
		return 0, fmt.Errorf("cannot query %s: %w: %v", b.name, ErrUpstream, redactKey(err.Error(), b.key))
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return res.StatusCode, fmt.Errorf("cannot read %s answer: %w: %v", b.name, ErrUpstream, err)
	}
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return res.StatusCode, fmt.Errorf("cannot query %s: %w (HTTP %d)", b.name, ErrUnauthorized, res.StatusCode)
	case res.StatusCode == http.StatusTooManyRequests:
		return res.StatusCode, fmt.Errorf("cannot query %s: %w (HTTP 429)", b.name, ErrQuota)
	case res.StatusCode == http.StatusNotFound:
		return res.StatusCode, nil
	case res.StatusCode >= 300:
		return res.StatusCode, fmt.Errorf("cannot query %s: %w (HTTP %d)", b.name, ErrUpstream, res.StatusCode)
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return res.StatusCode, fmt.Errorf("cannot decode %s answer: %w: %v", b.name, ErrUpstream, err)
	}
	return res.StatusCode, nil
}

func redactKey(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}

// cache is a TTL cache with a size bound; when full, expired entries are
// dropped first, then an arbitrary one (map order) — good enough for a
// lookup cache whose misses cost one request.
type cache struct {
	ttl  time.Duration
	size int
	now  func() time.Time

	mu sync.Mutex // guards m
	m  map[string]cacheEntry
}

type cacheEntry struct {
	v       Verdict
	expires time.Time
}

func newCache(ttl time.Duration, size int, now func() time.Time) *cache {
	return &cache{ttl: ttl, size: size, now: now, m: map[string]cacheEntry{}}
}

func (c *cache) get(key string) (Verdict, bool) {
	if c.ttl < 0 {
		return Verdict{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return Verdict{}, false
	}
	if !c.now().Before(e.expires) {
		delete(c.m, key)
		return Verdict{}, false
	}
	return e.v, true
}

func (c *cache) put(key string, v Verdict) {
	if c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.size {
		now := c.now()
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.size {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = cacheEntry{v: v, expires: c.now().Add(c.ttl)}
}

// hashKind names a hex digest by its length ("" when it is none).
func hashKind(h string) string {
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return ""
		}
	}
	switch len(h) {
	case 32:
		return "md5"
	case 40:
		return "sha1"
	case 64:
		return "sha256"
	}
	return ""
}

func pct(n, of int) int {
	if of <= 0 {
		return 0
	}
	return min(100, (n*100+of-1)/of)
}

// ServiceInfo describes a supported service.
type ServiceInfo struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Kinds []Kind `json:"kinds"`
	// DefaultURL is the service's address.
	DefaultURL string `json:"default_url"`
	// TestValue is a harmless value the "test" button looks up.
	TestKind  Kind   `json:"-"`
	TestValue string `json:"-"`
}

// Services lists the supported services in display order.
func Services() []ServiceInfo {
	all := []Kind{KindHash, KindURL, KindDomain, KindIP}
	return []ServiceInfo{
		{Name: "virustotal", Title: "VirusTotal", Kinds: all, DefaultURL: "https://www.virustotal.com", TestKind: KindIP, TestValue: "8.8.8.8"},
		{Name: "otx", Title: "AlienVault OTX", Kinds: all, DefaultURL: "https://otx.alienvault.com", TestKind: KindIP, TestValue: "8.8.8.8"},
		{Name: "abuseipdb", Title: "AbuseIPDB", Kinds: []Kind{KindIP}, DefaultURL: "https://api.abuseipdb.com", TestKind: KindIP, TestValue: "8.8.8.8"},
		{Name: "urlhaus", Title: "abuse.ch URLhaus", Kinds: all, DefaultURL: "https://urlhaus-api.abuse.ch", TestKind: KindDomain, TestValue: "example.com"},
	}
}

// ErrUnknownService is returned by New for a name Services does not list.
var ErrUnknownService = errors.New("unknown external service")

// New returns the client of the named service.
func New(name string, c Config) (Client, error) {
	switch name {
	case "virustotal":
		return NewVirusTotal(c), nil
	case "otx":
		return NewOTX(c), nil
	case "abuseipdb":
		return NewAbuseIPDB(c), nil
	case "urlhaus":
		return NewURLhaus(c), nil
	}
	return nil, fmt.Errorf("cannot create client %q: %w", name, ErrUnknownService)
}
