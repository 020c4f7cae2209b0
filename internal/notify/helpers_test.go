package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

// newStore opens a real SQLite state store in a temp dir with one org.
func newStore(t testing.TB, orgs ...string) store.Store {
	t.Helper()
	return openStore(t, filepath.Join(t.TempDir(), "state.db"), orgs...)
}

func openStore(t testing.TB, path string, orgs ...string) store.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, o := range orgs {
		err := db.Orgs().Create(context.Background(), store.Org{ID: o, Name: "Org " + o, CreatedAt: time.Now()})
		if err != nil && !errors.Is(err, store.ErrConflict) {
			t.Fatal(err)
		}
	}
	return db
}

// testCert makes a self-signed certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "notify test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// received is one message an smtpServer accepted.
type received struct {
	AuthMech, User, Pass string
	TLS                  bool
	From                 string
	To                   []string
	Data                 []byte
}

// smtpServer is a real SMTP server (go-smtp) on loopback that keeps what
// it receives.
type smtpServer struct {
	Addr string
	Port int
	srv  *smtp.Server

	user, pass string
	mechs      []string // offered AUTH mechanisms
	rcptErr    *smtp.SMTPError

	mu   sync.Mutex
	msgs []received
}

type smtpMode int

const (
	smtpStartTLS smtpMode = iota // STARTTLS offered, AUTH only after it
	smtpImplicit                 // TLS from the first byte
	smtpPlain                    // no TLS at all
)

func startSMTP(t testing.TB, mode smtpMode, cert tls.Certificate, user, pass string, mechs ...string) *smtpServer {
	t.Helper()
	s := &smtpServer{user: user, pass: pass, mechs: mechs}
	if len(s.mechs) == 0 {
		s.mechs = []string{sasl.Plain, sasl.Login}
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &smtpSession{s: s, rec: received{TLS: isTLS}, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.ErrorLog = log.New(io.Discard, "", 0) // clients that hang up on purpose
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 1 << 20
	var l net.Listener
	var err error
	switch mode {
	case smtpStartTLS:
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		l, err = net.Listen("tcp", "127.0.0.1:0")
	case smtpImplicit:
		l, err = tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	case smtpPlain:
		s.srv.AllowInsecureAuth = true
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	s.Port = l.Addr().(*net.TCPAddr).Port
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

type smtpSession struct {
	s    *smtpServer
	conn *smtp.Conn
	rec  received
	auth bool
}

func (ss *smtpSession) AuthMechanisms() []string { return ss.s.mechs }

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		ss.auth = true
		ss.rec.AuthMech, ss.rec.User, ss.rec.Pass = mech, user, pass
		_, ss.rec.TLS = ss.conn.TLSConnectionState()
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.auth {
		return smtp.ErrAuthRequired
	}
	_, ss.rec.TLS = ss.conn.TLSConnectionState()
	ss.rec.From = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.rcptErr != nil {
		return ss.s.rcptErr
	}
	ss.rec.To = append(ss.rec.To, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.rec.Data = b
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.rec)
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset()        { ss.rec.From, ss.rec.To, ss.rec.Data = "", nil, nil }
func (ss *smtpSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl has only the
// client): it prompts "Username:" then "Password:".
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step = 1
		if response == nil {
			return []byte("Username:"), false, nil
		}
		fallthrough
	case 1:
		l.user = string(response)
		l.step = 2
		return []byte("Password:"), false, nil
	case 2:
		return nil, true, l.check(l.user, string(response))
	}
	return nil, false, errors.New("unexpected LOGIN response")
}

// hostPort splits an address for EmailConfig.
func hostPort(t testing.TB, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var port int
	for _, c := range p {
		port = port*10 + int(c-'0')
	}
	return h, port
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
