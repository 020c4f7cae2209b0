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
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// Defaults.
const (
	DefaultMaxMessageSize = 64 << 10
	DefaultMaxConnections = 1000
	// DefaultMaxConnectionsPerSource leaves a tenth of the default total
	// to any one address: a relay or a NAT gateway opens a few, and one
	// misbehaving host cannot shut the others out.
	DefaultMaxConnectionsPerSource = 100
	// DefaultEvictAfter is how long a connection must have been silent
	// before it may be closed to admit a newcomer at a limit: a sender
	// that just connected and has not written yet is not taken for idle.
	DefaultEvictAfter = 10 * time.Second
)

// TCP keepalive probes find senders that vanished without closing
// (powered off, cable pulled, NAT state lost) within about 2.5 minutes,
// whether or not an idle timeout is set.
var keepAlive = net.KeepAliveConfig{Enable: true, Idle: 15 * time.Second, Interval: 15 * time.Second, Count: 9}

// Options configure a syslog listener.
type Options struct {
	Pipeline *ingest.Pipeline // required
	// Network is "udp" or "tcp"; a "tcp" listener with TLSConfig set
	// speaks TLS (RFC 5425), without session tickets (New turns them
	// off in its copy of the configuration).
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
	// keeps the beginning, is tagged _raw_truncated, and error.message
	// says how long the message was. A frame cut short by the end of its
	// connection is tagged _frame_incomplete too, and error.message says
	// how much was announced and how much came.
	MaxMessageSize int
	// IdleTimeout closes a TCP connection silent for that long; 0 (the
	// default) never does. rsyslog and syslog-ng keep a forwarding
	// connection open through quiet hours, and a timeout that closes it
	// costs them a reconnection (and, over plain TCP, possibly the message
	// that finds it closed); idle connections are reclaimed when slots run
	// out instead (see MaxConnections).
	IdleTimeout time.Duration
	// MaxConnections bounds open TCP connections (default 1000). At the
	// bound a new connection closes the one silent longest, if that one
	// has been silent for EvictAfter; otherwise the newcomer is refused.
	// Both are counted and logged (at most once every 10 s).
	MaxConnections int
	// MaxConnectionsPerSource bounds the open connections of one sender
	// address (default 100), with the same eviction among that sender's
	// own connections.
	MaxConnectionsPerSource int
	// EvictAfter is the silence after which a connection may be closed
	// to admit another at a limit (default 10 s).
	EvictAfter time.Duration
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

	mu        sync.Mutex // guards conns and perSource
	conns     map[*conn]struct{}
	perSource map[string]int // open connections by sender address

	// Refusals and evictions come in floods; a line per interval says
	// how many it stands for.
	refusedLog, evictedLog, idleLog, resetLog ingest.LogLimiter

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
	if o.IdleTimeout < 0 {
		o.IdleTimeout = 0
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxConnectionsPerSource <= 0 {
		o.MaxConnectionsPerSource = DefaultMaxConnectionsPerSource
	}
	if o.EvictAfter <= 0 {
		o.EvictAfter = DefaultEvictAfter
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = o.Pipeline.Logger()
	}
	if o.TLSConfig != nil {
		// A TLS 1.3 server sends session tickets after the handshake.
		// Syslog senders never read (RFC 5425 is one-way), so the
		// tickets sit unread in the sender's socket, and one that
		// writes a message and closes at once (a script, a cron job)
		// makes its kernel answer the close with a reset, which
		// throws away the message not yet sent (Nagle holds it back
		// until the handshake's last flight is acknowledged).
		// Resuming a session would save a sender little anyway.
		o.TLSConfig = o.TLSConfig.Clone()
		o.TLSConfig.SessionTicketsDisabled = true
	}
	s := &Server{o: o, conns: map[*conn]struct{}{}, perSource: map[string]int{}}
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
		lc := net.ListenConfig{KeepAliveConfig: keepAlive}
		ln, err := lc.Listen(context.Background(), o.Network, o.Addr)
		if err != nil {
			return nil, fmt.Errorf("cannot listen for syslog on tcp %s: %w", o.Addr, err)
		}
		s.ln = ln
	default:
		return nil, fmt.Errorf("cannot create syslog listener: network %q is not udp or tcp", o.Network)
	}
	s.log = o.Logger.With("component", "ingest.syslog", "listener", s.o.Listener)
	s.c = o.Pipeline.Counters(s.o.Listener)
	if s.udp != nil {
		s.c.Expect(ingest.Reasons{Dropped: []string{ingest.ReasonUnknownOrg, ingest.ReasonOverloaded, ingest.ReasonShutdown}})
	} else {
		r := ingest.Reasons{
			Dropped:  []string{ingest.ReasonShutdown},
			Refused:  []string{ingest.ReasonTooManyConns, ingest.ReasonSourceConns, ingest.ReasonUnknownOrg},
			Closed:   []string{ingest.ReasonIdleTimeout, ingest.ReasonEvictedIdle, ingest.ReasonConnReset},
			Repaired: []string{ingest.ReasonIncompleteFrame},
		}
		if o.TLSConfig != nil {
			r.Refused = append(r.Refused, ingest.ReasonTLSHandshake)
		}
		s.c.Expect(r)
	}
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
		var cut Cut
		if len(msg) > s.o.MaxMessageSize {
			cut = Cut{Received: len(msg), Kept: s.o.MaxMessageSize}
			msg = msg[:s.o.MaxMessageSize]
		}
		ip := peerIP(addr)
		org, ok := s.orgOf(ip, nil)
		if !ok {
			s.c.Dropped(ingest.ReasonUnknownOrg, 1)
			continue
		}
		if !b.TryAdd(s.item(msg, ip, org, cut)) {
			s.c.Dropped(ingest.ReasonOverloaded, 1)
		}
	}
}

// item is one received message from the sender at ip for organisation
// org, cut as cut says.
func (s *Server) item(msg []byte, ip, org string, cut Cut) ingest.Item {
	it := ingest.Item{Input: normalize.Input{
		OrgID: org, Input: "syslog", Received: s.o.Pipeline.Now(),
		Raw: bytes.Clone(msg), Format: s.o.Format, Peer: ip,
	}}
	if cut.Truncated() {
		it.Tags = []string{normalize.TagRawTruncated}
		if cut.Incomplete() {
			it.Tags = append(it.Tags, normalize.TagFrameIncomplete)
		}
		it.Problem = cut.Reason()
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
			c.c.Close()
		}
		s.mu.Unlock()
	})
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	var tempDelay time.Duration
	for {
		nc, err := s.ln.Accept()
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
		c := s.admit(nc)
		if c == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.untrack(c)
			s.serveConn(ctx, c, b)
		}()
	}
}

// conn is one open stream connection.
type conn struct {
	c      net.Conn
	source string // the sender's address: the per-source limit's key
	// active is when the connection last delivered bytes, or last had a
	// message taken by the pipeline (Unix nanoseconds); waiting is set
	// while it waits for room in the pipeline. A connection held back by
	// back-pressure is not idle and is never evicted.
	active  atomic.Int64
	waiting atomic.Bool
	// closed says why the server closed it on its own ("" when it did
	// not), for the count and the log.
	closed atomic.Pointer[string]
}

// idleFor is how long c has been silent at now; 0 while it waits for the
// pipeline.
func (c *conn) idleFor(now time.Time) time.Duration {
	if c.waiting.Load() {
		return 0
	}
	return now.Sub(time.Unix(0, c.active.Load()))
}

// admit registers a new connection, making room at a limit by closing
// the connection silent longest (of the same sender, at its limit; of
// all, at the total) when it has been silent for EvictAfter. A newcomer
// that finds no such connection is refused. It returns nil when nc was
// refused (and closed).
func (s *Server) admit(nc net.Conn) *conn {
	source := peerIP(nc.RemoteAddr())
	now := time.Now()
	s.mu.Lock()
	var victim *conn
	refused := ""
	switch {
	case s.perSource[source] >= s.o.MaxConnectionsPerSource:
		if victim = s.idlest(now, source); victim == nil {
			refused = ingest.ReasonSourceConns
		}
	case len(s.conns) >= s.o.MaxConnections:
		if victim = s.idlest(now, ""); victim == nil {
			refused = ingest.ReasonTooManyConns
		}
	}
	var c *conn
	if refused == "" {
		if victim != nil {
			s.forget(victim)
		}
		c = &conn{c: nc, source: source}
		c.active.Store(now.UnixNano())
		s.conns[c] = struct{}{}
		s.perSource[source]++
		s.c.Connections(1)
	}
	open, fromSource := len(s.conns), s.perSource[source]
	s.mu.Unlock()

	if victim != nil {
		idle := victim.idleFor(now)
		why := ingest.ReasonEvictedIdle
		victim.closed.Store(&why)
		reset(victim.c)
		s.c.Closed(ingest.ReasonEvictedIdle)
		if ok, more := s.evictedLog.Allow(now); ok {
			s.log.Warn("syslog connection limit reached: closed the connection silent longest to admit a new sender",
				"closed_peer", victim.source, "closed_idle_for", idle.Round(time.Second).String(), "new_peer", source,
				"connections", open, "max_connections", s.o.MaxConnections, "max_connections_per_source", s.o.MaxConnectionsPerSource,
				"more_closed_since_last_log", more)
		}
	}
	if refused != "" {
		reset(nc)
		s.c.Refused(refused)
		if ok, more := s.refusedLog.Allow(now); ok {
			msg := "syslog connection refused: too many open connections, none silent for long enough to close"
			if refused == ingest.ReasonSourceConns {
				msg = "syslog connection refused: too many open connections from this sender, none silent for long enough to close"
			}
			s.log.Warn(msg, "peer", source, "connections", open, "from_peer", fromSource,
				"max_connections", s.o.MaxConnections, "max_connections_per_source", s.o.MaxConnectionsPerSource,
				"evict_after", s.o.EvictAfter.String(), "more_refused_since_last_log", more)
		}
	}
	return c
}

// idlest is the open connection silent longest, of source when it is
// not empty, provided it has been silent for EvictAfter; nil when none
// has. s.mu held.
func (s *Server) idlest(now time.Time, source string) *conn {
	var best *conn
	var bestIdle time.Duration
	for c := range s.conns {
		if source != "" && c.source != source {
			continue
		}
		if idle := c.idleFor(now); idle >= s.o.EvictAfter && idle > bestIdle {
			best, bestIdle = c, idle
		}
	}
	return best
}

// forget removes c from the open connections (once). s.mu held.
func (s *Server) forget(c *conn) {
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	if s.perSource[c.source]--; s.perSource[c.source] <= 0 {
		delete(s.perSource, c.source)
	}
	s.c.Connections(-1)
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	s.forget(c)
	s.mu.Unlock()
	c.c.Close()
}

// reset closes a connection the server gives up on with a TCP reset
// rather than a FIN: the sender's next write then fails at once, so that
// rsyslog or syslog-ng reconnects and sends that message again, where
// after a FIN the write would succeed and the message be lost.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

func (s *Server) serveConn(ctx context.Context, c *conn, b *ingest.Batcher) {
	conn := c.c
	peer := conn.RemoteAddr()
	ip := c.source // once per connection, not per message
	org, known := s.orgOf(ip, nil)
	var r io.Reader = &idleReader{c: conn, conn: c, idle: s.o.IdleTimeout}
	if s.o.TLSConfig != nil {
		tc := tls.Server(conn, s.o.TLSConfig)
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.HandshakeContext(ctx); err != nil {
			if c.closed.Load() == nil {
				s.c.Refused(ingest.ReasonTLSHandshake)
				s.log.Debug("TLS handshake failed", "peer", peer.String(), "err", err)
			}
			return
		}
		_ = conn.SetDeadline(time.Time{})
		r = &idleReader{c: tc, conn: c, idle: s.o.IdleTimeout}
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
		msg, cut, err := f.Next()
		if err != nil {
			switch {
			case errors.Is(err, os.ErrDeadlineExceeded) && c.closed.Load() == nil:
				s.c.Closed(ingest.ReasonIdleTimeout)
				reset(conn)
				if ok, more := s.idleLog.Allow(time.Now()); ok {
					s.log.Info("closed a syslog connection silent for longer than the idle timeout",
						"peer", ip, "idle_timeout", s.o.IdleTimeout.String(), "more_closed_since_last_log", more)
				}
			case errors.Is(err, syscall.ECONNRESET) && c.closed.Load() == nil:
				// What the sender wrote last may never have arrived: a
				// kernel that resets a connection drops what it had not
				// sent yet. The server cannot tell how much, but can say
				// that it happened.
				s.c.Closed(ingest.ReasonConnReset)
				if ok, more := s.resetLog.Allow(time.Now()); ok {
					s.log.Warn("syslog connection reset by the sender: what it sent last may be lost",
						"peer", ip, "more_reset_since_last_log", more)
				}
			case !errors.Is(err, io.EOF) && ctx.Err() == nil && !errors.Is(err, net.ErrClosed) && c.closed.Load() == nil:
				s.log.Debug("syslog connection ended", "peer", peer.String(), "err", err)
			}
			return
		}
		s.c.Received(1)
		// Add blocks while the pipeline is full: this connection is then
		// not read, and the sender's TCP window closes.
		c.waiting.Store(true)
		err = b.Add(ctx, s.item(msg, ip, org, cut))
		c.active.Store(time.Now().UnixNano())
		c.waiting.Store(false)
		if err != nil {
			s.c.Dropped(ingest.ReasonShutdown, 1)
			return
		}
	}
}

// idleReader sets a read deadline before each read, when there is an
// idle timeout, and records when bytes arrive.
type idleReader struct {
	c    net.Conn
	conn *conn
	idle time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	if r.idle > 0 {
		_ = r.c.SetReadDeadline(time.Now().Add(r.idle))
	}
	n, err := r.c.Read(p)
	if n > 0 {
		r.conn.active.Store(time.Now().UnixNano())
	}
	return n, err
}
