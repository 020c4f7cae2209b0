// Package syslog receives syslog over UDP, TCP and TLS: RFC 3164 and RFC
// 5424 messages, with RFC 6587 octet-counting or non-transparent (LF)
// framing detected per frame. Syslog has no authentication, so a listener
// is bound to one org, or routes senders to orgs by their address. TCP and TLS listeners stop reading while the
// pipeline is full (the sender's TCP window closes); UDP cannot push back,
// so it counts what it drops.
package syslog

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// Defaults.
const (
	DefaultMaxMessageSize = 64 << 10
	DefaultIdleTimeout    = 5 * time.Minute
	DefaultMaxConnections = 1000
)

// Options configure a syslog listener.
type Options struct {
	Pipeline *ingest.Pipeline // required
	// Network is "udp" or "tcp"; a "tcp" listener with TLSConfig set
	// speaks TLS (RFC 5425).
	Network   string
	Addr      string // e.g. ":514", "127.0.0.1:0"
	TLSConfig *tls.Config
	// OrgID receives the events of this listener (required), but for
	// the senders an OrgRoutes entry names.
	OrgID string
	// OrgRoutes send the events of some senders to other organisations
	// (a managed service's customers behind one listener): the first
	// route whose block holds the sender's address applies.
	OrgRoutes []OrgRoute
	// ResolveOrg finds the ID of the organisation a route names (OrgRoute.Org)
	// when it was not known at start; it is asked again at most every
	// OrgRetry (default 2 s) while the organisation does not exist.
	ResolveOrg func(name string) (id string, ok bool)
	OrgRetry   time.Duration
	// Listener is the metrics label (default "syslog_udp", "syslog_tcp"
	// or "syslog_tls").
	Listener string
	// Format tells the normalizer what to expect (default "syslog", which
	// also recognises CEF and LEEF payloads; "auto" guesses per message).
	Format normalize.Format
	// MaxMessageSize cuts longer messages (default 64 KiB): the event
	// keeps the beginning and is tagged _raw_truncated.
	MaxMessageSize int
	// IdleTimeout closes a TCP connection silent for that long (default
	// 5 minutes).
	IdleTimeout time.Duration
	// MaxConnections bounds open TCP connections (default 1000); more are
	// closed at once and counted.
	MaxConnections int
	// Batch tunes batching (Listener is filled in).
	Batch ingest.BatcherOptions
	// ShutdownTimeout bounds the final flush when Run's context ends
	// (default 10s).
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

// OrgRoute sends what arrives from the addresses in Net, or, when Cert
// is set, over TLS connections whose client certificate has a subject
// common name or DNS name matching Cert (lower case; * matches any run of
// characters), to OrgID; when OrgID is empty, to the organisation named
// Org, looked up with Options.ResolveOrg until it exists. Until then its
// senders are refused: TCP and TLS connections are closed (a sender with
// a queue keeps its messages and retries), UDP datagrams are dropped; both
// counted with reason unknown_org and logged.
type OrgRoute struct {
	Net   netip.Prefix
	Cert  string
	OrgID string
	Org   string
}

// orgOf is the organisation of a message from peer, sent over a TLS
// connection whose verified client certificate names certNames (none
// otherwise). A certificate route wins over an address route: the
// certificate names the sender even behind a relay or NAT.
// It is false when the route that applies names an organisation that does
// not exist (yet).
func (s *Server) orgOf(peer string, certNames []string) (string, bool) {
	if len(s.o.OrgRoutes) == 0 {
		return s.o.OrgID, true
	}
	if len(certNames) > 0 {
		for _, r := range s.o.OrgRoutes {
			if r.Cert == "" {
				continue
			}
			for _, n := range certNames {
				if ok, _ := path.Match(r.Cert, strings.ToLower(n)); ok {
					return s.routeOrg(r)
				}
			}
		}
	}
	a, err := netip.ParseAddr(peer)
	if err != nil {
		return s.o.OrgID, true
	}
	a = a.Unmap()
	for _, r := range s.o.OrgRoutes {
		if r.Cert == "" && r.Net.Contains(a) {
			return s.routeOrg(r)
		}
	}
	return s.o.OrgID, true
}

// routeOrg is the organisation of route r: its OrgID, or the ID of the
// organisation it names once that exists.
func (s *Server) routeOrg(r OrgRoute) (string, bool) {
	if r.OrgID != "" {
		return r.OrgID, true
	}
	s.orgMu.Lock()
	defer s.orgMu.Unlock()
	if id, ok := s.orgIDs[r.Org]; ok {
		return id, true
	}
	if s.o.ResolveOrg == nil {
		return "", false
	}
	now := time.Now()
	retry := s.o.OrgRetry
	if retry <= 0 {
		retry = 2 * time.Second
	}
	if t, ok := s.orgTried[r.Org]; ok && now.Sub(t) < retry {
		return "", false
	}
	if s.orgIDs == nil {
		s.orgIDs, s.orgTried, s.orgWarned = map[string]string{}, map[string]time.Time{}, map[string]time.Time{}
	}
	s.orgTried[r.Org] = now
	id, ok := s.o.ResolveOrg(r.Org)
	if !ok {
		// Looked up every few seconds, logged once a minute.
		if now.Sub(s.orgWarned[r.Org]) >= time.Minute {
			s.orgWarned[r.Org] = now
			s.log.Warn("syslog sender routed to an organisation that does not exist: its messages are refused until it is created",
				"route", r.source(), "org", r.Org)
		}
		return "", false
	}
	s.orgIDs[r.Org] = id
	s.log.Info("syslog route's organisation found: its senders are accepted", "route", r.source(), "org", r.Org, "org_id", id)
	return id, true
}

func (r OrgRoute) source() string {
	if r.Cert != "" {
		return "cert:" + r.Cert
	}
	return r.Net.String()
}

// certNames are the names a verified client certificate gives its
// holder: the subject's common name and the DNS names.
func certNames(cs tls.ConnectionState) []string {
	if len(cs.VerifiedChains) == 0 || len(cs.PeerCertificates) == 0 {
		return nil
	}
	c := cs.PeerCertificates[0]
	names := slices.Clone(c.DNSNames)
	if c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	return names
}

// Server is one syslog listener.
type Server struct {
	o   Options
	log *slog.Logger
	c   *ingest.Counters
	udp net.PacketConn
	ln  net.Listener

	mu    sync.Mutex // guards conns
	conns map[net.Conn]struct{}

	orgMu     sync.Mutex           // guards orgIDs, orgTried, orgWarned
	orgIDs    map[string]string    // routes' organisations found after start
	orgTried  map[string]time.Time // when one not found was last looked up
	orgWarned map[string]time.Time // and when that was last logged
}

// New binds the listener's socket (so that a port in use fails at start-up
// and Addr is known at once); Run serves it.
func New(o Options) (*Server, error) {
	if o.Pipeline == nil {
		return nil, errors.New("cannot create syslog listener: no pipeline")
	}
	if o.OrgID == "" {
		return nil, errors.New("cannot create syslog listener: no org")
	}
	if o.Format == "" {
		o.Format = "syslog"
	}
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = o.Pipeline.Logger()
	}
	s := &Server{o: o, conns: map[net.Conn]struct{}{}}
	switch o.Network {
	case "udp", "udp4", "udp6":
		if o.TLSConfig != nil {
			return nil, errors.New("cannot create syslog listener: TLS needs network tcp")
		}
		if s.o.Listener == "" {
			s.o.Listener = "syslog_udp"
		}
		pc, err := net.ListenPacket(o.Network, o.Addr)
		if err != nil {
			return nil, fmt.Errorf("cannot listen for syslog on udp %s: %w", o.Addr, err)
		}
		if uc, ok := pc.(*net.UDPConn); ok {
			// A large socket buffer absorbs bursts while a batch commits
			// (the kernel caps it at net.core.rmem_max).
			_ = uc.SetReadBuffer(8 << 20)
		}
		s.udp = pc
	case "tcp", "tcp4", "tcp6":
		if s.o.Listener == "" {
			s.o.Listener = "syslog_tcp"
			if o.TLSConfig != nil {
				s.o.Listener = "syslog_tls"
			}
		}
		ln, err := net.Listen(o.Network, o.Addr)
		if err != nil {
			return nil, fmt.Errorf("cannot listen for syslog on tcp %s: %w", o.Addr, err)
		}
		s.ln = ln
	default:
		return nil, fmt.Errorf("cannot create syslog listener: network %q is not udp or tcp", o.Network)
	}
	s.log = o.Logger.With("component", "ingest.syslog", "listener", s.o.Listener)
	s.c = o.Pipeline.Counters(s.o.Listener)
	s.o.Batch.Listener = s.o.Listener
	return s, nil
}

// Listener is the listener's metrics label: syslog_udp, syslog_tcp or
// syslog_tls unless Options.Listener named it.
func (s *Server) Listener() string { return s.o.Listener }

// Addr is the bound address.
func (s *Server) Addr() net.Addr {
	if s.udp != nil {
		return s.udp.LocalAddr()
	}
	return s.ln.Addr()
}

// Run serves until ctx ends, then flushes what it received (within
// ShutdownTimeout) and returns.
func (s *Server) Run(ctx context.Context) error {
	b := s.o.Pipeline.NewBatcher(ctx, s.o.Batch)
	defer func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.o.ShutdownTimeout)
		defer cancel()
		b.Close(fctx)
	}()
	s.log.Info("syslog listener ready", "addr", s.Addr().String(), "org", s.o.OrgID)
	if s.udp != nil {
		return s.runUDP(ctx, b)
	}
	return s.runTCP(ctx, b)
}

func (s *Server) runUDP(ctx context.Context, b *ingest.Batcher) error {
	stop := context.AfterFunc(ctx, func() { s.udp.Close() })
	defer stop()
	buf := make([]byte, 65536)
	for {
		n, addr, err := s.udp.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return fmt.Errorf("cannot read syslog datagram: %w", err)
		}
		msg := bytes.TrimRight(buf[:n], "\r\n\x00")
		if len(msg) == 0 {
			continue
		}
		s.c.Received(1)
		truncated := false
		if len(msg) > s.o.MaxMessageSize {
			msg, truncated = msg[:s.o.MaxMessageSize], true
		}
		ip := peerIP(addr)
		org, ok := s.orgOf(ip, nil)
		if !ok {
			s.c.Dropped(ingest.ReasonUnknownOrg, 1)
			continue
		}
		if !b.TryAdd(s.item(msg, ip, org, truncated)) {
			s.c.Dropped(ingest.ReasonOverloaded, 1)
		}
	}
}

// item is one received message from the sender at ip for organisation org.
func (s *Server) item(msg []byte, ip, org string, truncated bool) ingest.Item {
	it := ingest.Item{Input: normalize.Input{
		OrgID: org, Input: "syslog", Received: s.o.Pipeline.Now(),
		Raw: bytes.Clone(msg), Format: s.o.Format, Peer: ip,
	}}
	if truncated {
		it.Tags = []string{normalize.TagRawTruncated}
	}
	return it
}

func peerIP(a net.Addr) string {
	switch x := a.(type) {
	case *net.UDPAddr:
		return x.IP.String()
	case *net.TCPAddr:
		return x.IP.String()
	case nil:
		return ""
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

func (s *Server) runTCP(ctx context.Context, b *ingest.Batcher) error {
	stop := context.AfterFunc(ctx, func() {
		s.ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
	})
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	var tempDelay time.Duration
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				// Out of file descriptors or similar: back off like net/http.
				tempDelay = min(max(2*tempDelay, 5*time.Millisecond), time.Second)
				s.log.Warn("cannot accept syslog connection; retrying", "err", err, "retry_in", tempDelay)
				time.Sleep(tempDelay)
				continue
			}
			return fmt.Errorf("cannot accept syslog connection: %w", err)
		}
		tempDelay = 0
		if !s.track(conn) {
			s.c.Refused(ingest.ReasonTooManyConns)
			conn.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.untrack(conn)
			s.serveConn(ctx, conn, b)
		}()
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.conns) >= s.o.MaxConnections {
		return false
	}
	s.conns[c] = struct{}{}
	s.c.Connections(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.c.Connections(-1)
	c.Close()
}

func (s *Server) serveConn(ctx context.Context, conn net.Conn, b *ingest.Batcher) {
	peer := conn.RemoteAddr()
	ip := peerIP(peer) // once per connection, not per message
	org, known := s.orgOf(ip, nil)
	var r io.Reader = &idleReader{c: conn, idle: s.o.IdleTimeout}
	if s.o.TLSConfig != nil {
		tc := tls.Server(conn, s.o.TLSConfig)
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.HandshakeContext(ctx); err != nil {
			s.c.Refused(ingest.ReasonTLSHandshake)
			s.log.Debug("TLS handshake failed", "peer", peer.String(), "err", err)
			return
		}
		_ = conn.SetDeadline(time.Time{})
		r = &idleReader{c: tc, idle: s.o.IdleTimeout}
		if names := certNames(tc.ConnectionState()); len(names) > 0 {
			org, known = s.orgOf(ip, names)
		}
	}
	if !known {
		// Closed before reading: a sender with a queue keeps what it
		// has and retries, until the organisation exists.
		s.c.Refused(ingest.ReasonUnknownOrg)
		return
	}
	f := NewFramer(r, s.o.MaxMessageSize)
	for {
		msg, truncated, err := f.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil && !errors.Is(err, net.ErrClosed) {
				s.log.Debug("syslog connection ended", "peer", peer.String(), "err", err)
			}
			return
		}
		s.c.Received(1)
		// Add blocks while the pipeline is full: this connection is then
		// not read, and the sender's TCP window closes.
		if err := b.Add(ctx, s.item(msg, ip, org, truncated)); err != nil {
			s.c.Dropped(ingest.ReasonShutdown, 1)
			return
		}
	}
}

// idleReader sets a read deadline before each read, closing connections
// that stay silent for too long.
type idleReader struct {
	c    net.Conn
	idle time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	_ = r.c.SetReadDeadline(time.Now().Add(r.idle))
	return r.c.Read(p)
}
