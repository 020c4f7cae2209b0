// Package client is the agent's single HTTP connection to the server: TLS
// trust, the protocol header, gzip bodies, timeouts, error mapping and a
// retry helper with jittered backoff for the times the server is away.
package client

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

// maxResponseBytes bounds what the agent reads from any answer.
const maxResponseBytes = 8 << 20

// Options configure a Client.
type Options struct {
	// BaseURL is the server, e.g. https://siem.example.com.
	BaseURL string
	// Token is the agent credential ("" before enrollment).
	Token string
	// CAFile adds a PEM bundle to the system roots.
	CAFile string
	// Insecure skips server certificate verification.
	Insecure bool
	// ServerName overrides the verified name.
	ServerName string
	// CertFile and KeyFile are the mTLS client certificate, if any.
	CertFile, KeyFile string
	// UserAgent is sent on every request.
	UserAgent string
	// Timeout bounds an ordinary request (default 30s). Long polls get
	// their wait on top.
	Timeout time.Duration
	// Logger receives debug lines about requests.
	Logger *slog.Logger
}

// Client talks the wire protocol. It is safe for concurrent use.
type Client struct {
	base    *url.URL
	token   string
	ua      string
	timeout time.Duration
	hc      *http.Client
	log     *slog.Logger
	// noGzip is set once the server refused a gzip body (415), so later
	// requests go uncompressed.
	noGzip atomic.Bool
}

// New builds a Client.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("cannot parse server URL %q: %v", opts.BaseURL, err)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: opts.ServerName, InsecureSkipVerify: opts.Insecure} //nolint:gosec // opt-in for labs
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("cannot load CA file %s: no PEM certificate in it", opts.CAFile)
		}
		tlsCfg.RootCAs = pool
	}
	if opts.CertFile != "" && opts.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("cannot load client certificate: %w", err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = "eventsec-agent"
	}
	return &Client{base: u, token: opts.Token, ua: ua, timeout: timeout, hc: &http.Client{Transport: tr}, log: log}, nil
}

// Close releases idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// BaseURL is the server's URL.
func (c *Client) BaseURL() *url.URL { u := *c.base; return &u }

// Enroll exchanges the enrollment key for an identity.
func (c *Client) Enroll(ctx context.Context, req wire.EnrollRequest) (*wire.EnrollResponse, error) {
	var resp wire.EnrollResponse
	if err := c.call(ctx, http.MethodPost, wire.PathEnroll, nil, req, false, &resp, c.timeout); err != nil {
		return nil, fmt.Errorf("cannot enroll: %w", err)
	}
	if resp.AgentID == "" || (resp.Token == "" && resp.ClientCertPEM == "") {
		return nil, errors.New("cannot enroll: server answer has no agent id or credential")
	}
	return &resp, nil
}

// Heartbeat sends hb and returns what changed on the server.
func (c *Client) Heartbeat(ctx context.Context, hb wire.Heartbeat) (*wire.HeartbeatResponse, error) {
	var resp wire.HeartbeatResponse
	if err := c.call(ctx, http.MethodPost, wire.PathHeartbeat, nil, hb, false, &resp, c.timeout); err != nil {
		return nil, fmt.Errorf("cannot send heartbeat: %w", err)
	}
	return &resp, nil
}

// Config fetches the agent's current configuration.
func (c *Client) Config(ctx context.Context) (*wire.Config, error) {
	var cfg wire.Config
	if err := c.call(ctx, http.MethodGet, wire.PathConfig, nil, nil, false, &cfg, c.timeout); err != nil {
		return nil, fmt.Errorf("cannot fetch config: %w", err)
	}
	return &cfg, nil
}

// Inventory uploads a full inventory snapshot (gzip).
func (c *Client) Inventory(ctx context.Context, inv *wire.Inventory) error {
	if err := c.call(ctx, http.MethodPost, wire.PathInventory, nil, inv, true, nil, 2*c.timeout); err != nil {
		return fmt.Errorf("cannot send inventory: %w", err)
	}
	return nil
}

// Events sends one batch (gzip). Re-sending the same BatchID is safe.
func (c *Client) Events(ctx context.Context, b *wire.EventBatch) (*wire.EventBatchResponse, error) {
	var resp wire.EventBatchResponse
	if err := c.call(ctx, http.MethodPost, wire.PathEvents, nil, b, true, &resp, c.timeout); err != nil {
		return nil, fmt.Errorf("cannot send events: %w", err)
	}
	return &resp, nil
}

// EventsRaw sends an already encoded EventBatch, as stored in the spool.
func (c *Client) EventsRaw(ctx context.Context, body []byte) (*wire.EventBatchResponse, error) {
	var resp wire.EventBatchResponse
	if err := c.call(ctx, http.MethodPost, wire.PathEvents, nil, json.RawMessage(body), true, &resp, c.timeout); err != nil {
		return nil, fmt.Errorf("cannot send events: %w", err)
	}
	return &resp, nil
}

// SCA sends one assessment report.
func (c *Client) SCA(ctx context.Context, r *wire.SCAReport) error {
	if err := c.call(ctx, http.MethodPost, wire.PathSCA, nil, r, true, nil, c.timeout); err != nil {
		return fmt.Errorf("cannot send SCA report: %w", err)
	}
	return nil
}

// Actions long-polls for queued actions, waiting up to wait on the server.
func (c *Client) Actions(ctx context.Context, wait time.Duration) (*wire.ActionList, error) {
	q := url.Values{}
	if wait > 0 {
		q.Set("wait", strconv.Itoa(int(wait.Seconds()))+"s")
	}
	var list wire.ActionList
	if err := c.call(ctx, http.MethodGet, wire.PathActions, q, nil, false, &list, c.timeout+wait); err != nil {
		return nil, fmt.Errorf("cannot poll actions: %w", err)
	}
	return &list, nil
}

// ActionResult reports how action id ended.
func (c *Client) ActionResult(ctx context.Context, id string, r wire.ActionResult) error {
	p := strings.Replace(wire.PathActionResult, "{id}", url.PathEscape(id), 1)
	if err := c.call(ctx, http.MethodPost, p, nil, r, false, nil, c.timeout); err != nil {
		return fmt.Errorf("cannot report action result: %w", err)
	}
	return nil
}

// Upload streams a collected file for action id. body must yield exactly
// size bytes.
func (c *Client) Upload(ctx context.Context, id, name, sha256hex string, body io.Reader, size int64) error {
	p := strings.Replace(wire.PathUpload, "{id}", url.PathEscape(id), 1)
	ctx, cancel := context.WithTimeout(ctx, c.timeout+time.Duration(size/(256<<10))*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(p, nil), body)
	if err != nil {
		return fmt.Errorf("cannot upload file: %w", err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set(wire.HeaderFileName, name)
	req.Header.Set(wire.HeaderFileSHA256, sha256hex)
	if err := c.send(req, nil); err != nil {
		return fmt.Errorf("cannot upload file: %w", err)
	}
	return nil
}

// url joins the base URL and an already escaped path.
func (c *Client) url(p string, q url.Values) string {
	s := strings.TrimRight(c.base.String(), "/") + p
	if len(q) > 0 {
		s += "?" + q.Encode()
	}
	return s
}

func (c *Client) call(ctx context.Context, method, p string, q url.Values, in any, compress bool, out any, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("cannot encode request: %w", err)
		}
	}
	gz := compress && in != nil && !c.noGzip.Load()
	req, err := c.newRequest(ctx, method, p, q, body, gz)
	if err != nil {
		return err
	}
	err = c.send(req, out)
	var he *HTTPError
	if gz && errors.As(err, &he) && he.Status == http.StatusUnsupportedMediaType {
		c.log.Warn("server refused a gzip body; sending uncompressed from now on")
		c.noGzip.Store(true)
		if req, err = c.newRequest(ctx, method, p, q, body, false); err != nil {
			return err
		}
		err = c.send(req, out)
	}
	return err
}

func (c *Client) newRequest(ctx context.Context, method, p string, q url.Values, body []byte, gz bool) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		if gz {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
			zw.Write(body) //nolint:errcheck // bytes.Buffer writes cannot fail
			zw.Close()     //nolint:errcheck // idem
			body = buf.Bytes()
		}
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(p, q), rd)
	if err != nil {
		return nil, fmt.Errorf("cannot build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		if gz {
			req.Header.Set("Content-Encoding", "gzip")
		}
	}
	return req, nil
}

func (c *Client) send(req *http.Request, out any) error {
	req.Header.Set(wire.HeaderProtocol, wire.Version)
	req.Header.Set("User-Agent", c.ua)
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("cannot read answer: %w", err)
	}
	c.log.Debug("request", slog.String("method", req.Method), slog.String("path", req.URL.Path), slog.Int("status", resp.StatusCode))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		he := &HTTPError{Status: resp.StatusCode}
		var we wire.Error
		if json.Unmarshal(data, &we) == nil {
			he.Code, he.Message = we.Error.Code, we.Error.Message
		}
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w: %w", ErrRevoked, he)
		case http.StatusUpgradeRequired:
			return fmt.Errorf("%w: %w", ErrProtocol, he)
		}
		return he
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("cannot decode answer: %w", err)
		}
	}
	return nil
}
