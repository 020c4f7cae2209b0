// Package auth is EventSec's account domain: users and their passwords,
// sessions (access and refresh tokens), API keys, work groups, orgs, the
// role/permission table, and the audit trail of every change to them.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/time/rate"

	"github.com/eventsec/eventsec/internal/store"
)

// Options configures a Service.
type Options struct {
	Store  store.Store
	Signer *Signer
	Logger *slog.Logger
	// RefreshTTL is how long a session lasts without use.
	RefreshTTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// LoginRatePerIP and LoginBurstPerIP bound login attempts per client IP.
	LoginRatePerIP  rate.Limit
	LoginBurstPerIP int
	// LockoutThreshold consecutive failures lock an account for LockoutDuration.
	LockoutThreshold int
	LockoutDuration  time.Duration
}

// Service implements the account domain over a store.
type Service struct {
	st     store.Store
	signer *Signer
	log    *slog.Logger
	now    func() time.Time
	opts   Options

	mu         sync.Mutex // guards ipLimiters
	ipLimiters map[netip.Addr]*ipLimiter
}

type ipLimiter struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

// NewService returns a service; zero options get safe defaults.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	// Stored times have millisecond precision; truncating here keeps what
	// the API returns at creation equal to what it returns later.
	clock := o.Now
	o.Now = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.RefreshTTL == 0 {
		o.RefreshTTL = 7 * 24 * time.Hour
	}
	if o.LoginRatePerIP == 0 {
		o.LoginRatePerIP = rate.Every(3 * time.Second)
	}
	if o.LoginBurstPerIP == 0 {
		o.LoginBurstPerIP = 10
	}
	if o.LockoutThreshold == 0 {
		o.LockoutThreshold = 5
	}
	if o.LockoutDuration == 0 {
		o.LockoutDuration = 15 * time.Minute
	}
	return &Service{st: o.Store, signer: o.Signer, log: o.Logger, now: o.Now, opts: o, ipLimiters: map[netip.Addr]*ipLimiter{}}
}

// Principal is an authenticated caller.
type Principal struct {
	OrgID         string
	UserID        string // the user, or "apikey:<id>" for an API key
	Email         string // the user's e-mail, or "apikey:<name>"
	Name          string
	Role          Role
	PlatformAdmin bool
	APIKeyID      string      // set when authenticated by API key
	User          *store.User // set when authenticated as a user
}

// Can reports whether the principal holds permission p.
func (p Principal) Can(perm Permission) bool { return Can(p.Role, p.PlatformAdmin, perm) }

// ClientMeta is what the API knows about the client of a request.
type ClientMeta struct {
	IP        string
	UserAgent string
	RequestID string
}

// Actor is who makes a change, for the audit log.
type Actor struct {
	Principal
	ClientMeta
}

// SystemActor is used for changes made by the server itself or its CLI.
func SystemActor(orgID, what string) Actor {
	return Actor{Principal: Principal{OrgID: orgID, UserID: "system", Email: what, Role: RoleAdmin}}
}

// Session is the result of a login or refresh.
type Session struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
	User         store.User
}

// audit records a change in the actor's org (or orgID when set).
func (s *Service) audit(ctx context.Context, r store.Repos, a Actor, action, targetType, targetID, summary string) error {
	_, err := r.Audit().Append(ctx, store.AuditEntry{
		OrgID: a.OrgID, Time: s.now(), ActorID: a.UserID, ActorEmail: a.Email, Action: action,
		TargetType: targetType, TargetID: targetID, Summary: truncate(summary, 1000), ClientIP: a.IP, RequestID: a.RequestID,
	})
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// allowIP applies the per-IP login rate limit.
func (s *Service) allowIP(ip string) error {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil // no usable address (tests, unix sockets): nothing to key on
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.ipLimiters[addr]
	if !ok {
		if len(s.ipLimiters) > 100_000 {
			// Bound memory under a spray of addresses: forget idle ones.
			for k, v := range s.ipLimiters {
				if now.Sub(v.lastSeen) > 10*time.Minute {
					delete(s.ipLimiters, k)
				}
			}
		}
		l = &ipLimiter{lim: rate.NewLimiter(s.opts.LoginRatePerIP, s.opts.LoginBurstPerIP)}
		s.ipLimiters[addr] = l
	}
	l.lastSeen = now
	r := l.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return &RateLimitedError{RetryAfter: d}
	}
	return nil
}

// Login checks e-mail and password and opens a session.
func (s *Service) Login(ctx context.Context, email, password string, meta ClientMeta) (Session, error) {
	if err := s.allowIP(meta.IP); err != nil {
		return Session{}, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || password == "" || len(password) > MaxPasswordLen {
		CheckPassword(dummyHash, password)
		return Session{}, ErrInvalidCredentials
	}
	u, err := s.st.Users().GetByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		CheckPassword(dummyHash, password)
		return Session{}, ErrInvalidCredentials
	}
	if err != nil {
		return Session{}, err
	}
	now := s.now()
	if u.LockedUntil != nil && now.Before(*u.LockedUntil) {
		CheckPassword(dummyHash, password)
		return Session{}, &RateLimitedError{RetryAfter: u.LockedUntil.Sub(now)}
	}
	actor := Actor{Principal: principalOf(u), ClientMeta: meta}
	if !CheckPassword(u.PasswordHash, password) {
		return Session{}, s.recordFailure(ctx, u, actor)
	}
	if u.Disabled {
		return Session{}, ErrInvalidCredentials
	}
	var sess Session
	err = s.st.Tx(ctx, func(r store.Repos) error {
		// Re-read inside the transaction: an admin may have disabled the
		// user or reset the password while argon2 ran.
		cur, err := r.Users().Get(ctx, u.OrgID, u.ID)
		if err != nil {
			return err
		}
		if cur.Disabled || cur.PasswordHash != u.PasswordHash {
			return ErrInvalidCredentials
		}
		u = cur
		u.FailedLogins, u.LockedUntil, u.LastLoginAt = 0, nil, &now
		if err := r.Users().Update(ctx, u); err != nil {
			return err
		}
		if err := s.audit(ctx, r, actor, "auth.login", "user", u.ID, "signed in"); err != nil {
			return err
		}
		sess, err = s.openSession(ctx, r, u, newID(), meta)
		return err
	})
	return sess, err
}

// recordFailure counts a failed password and locks the account at the threshold.
func (s *Service) recordFailure(ctx context.Context, u store.User, actor Actor) error {
	now := s.now()
	err := s.st.Tx(ctx, func(r store.Repos) error {
		cur, err := r.Users().Get(ctx, u.OrgID, u.ID)
		if err != nil {
			return err
		}
		cur.FailedLogins++
		summary := fmt.Sprintf("wrong password (%d in a row)", cur.FailedLogins)
		if cur.FailedLogins >= s.opts.LockoutThreshold {
			until := now.Add(s.opts.LockoutDuration)
			cur.LockedUntil = &until
			cur.FailedLogins = 0
			summary += fmt.Sprintf("; account locked until %s", until.UTC().Format(time.RFC3339))
		}
		if err := r.Users().Update(ctx, cur); err != nil {
			return err
		}
		return s.audit(ctx, r, actor, "auth.login_failed", "user", u.ID, summary)
	})
	if err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// openSession mints an access token and a new refresh token in family.
func (s *Service) openSession(ctx context.Context, r store.Repos, u store.User, family string, meta ClientMeta) (Session, error) {
	now := s.now()
	access, err := s.signer.Mint(u.ID, u.OrgID, u.PasswordChangedAt.UnixMilli(), now)
	if err != nil {
		return Session{}, err
	}
	refresh, err := randomToken(32)
	if err != nil {
		return Session{}, err
	}
	err = r.Sessions().Create(ctx, store.RefreshToken{
		ID: newID(), OrgID: u.OrgID, UserID: u.ID, FamilyID: family, Hash: hashSecret(refresh),
		CreatedAt: now, ExpiresAt: now.Add(s.opts.RefreshTTL), UserAgent: truncate(meta.UserAgent, 300), ClientIP: meta.IP,
	})
	if err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, RefreshToken: refresh, ExpiresIn: s.signer.TTL(), User: u}, nil
}

// Refresh exchanges a refresh token for a new access and refresh token.
// Presenting a token that was already exchanged revokes its whole session:
// someone else holds a copy.
func (s *Service) Refresh(ctx context.Context, token string, meta ClientMeta) (Session, error) {
	if token == "" || len(token) > 200 {
		return Session{}, ErrInvalidToken
	}
	now := s.now()
	var sess Session
	var reuse bool
	err := s.st.Tx(ctx, func(r store.Repos) error {
		rt, err := r.Sessions().GetByHash(ctx, hashSecret(token))
		if errors.Is(err, store.ErrNotFound) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if rt.RevokedAt != nil || now.After(rt.ExpiresAt) {
			return ErrInvalidToken
		}
		u, err := r.Users().Get(ctx, rt.OrgID, rt.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if u.Disabled {
			return ErrInvalidToken
		}
		if rt.RotatedAt == nil {
			err := r.Sessions().MarkRotated(ctx, rt.ID, now)
			if err == nil {
				sess, err = s.openSession(ctx, r, u, rt.FamilyID, meta)
				return err
			}
			if !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		{
			reuse = true
			if err := r.Sessions().RevokeFamily(ctx, rt.FamilyID, now); err != nil {
				return err
			}
			return s.audit(ctx, r, Actor{Principal: principalOf(u), ClientMeta: meta}, "auth.refresh_reuse", "user", u.ID,
				"a used refresh token was presented again; the session was revoked")
		}
	})
	if err != nil {
		return Session{}, err
	}
	if reuse {
		s.log.Warn("refresh token reuse: session revoked", "ip", meta.IP, "request_id", meta.RequestID)
		return Session{}, ErrInvalidToken
	}
	return sess, nil
}

// Logout revokes the session of the given refresh token (when known) and
// records the logout.
func (s *Service) Logout(ctx context.Context, a Actor, refreshToken string) error {
	now := s.now()
	return s.st.Tx(ctx, func(r store.Repos) error {
		if refreshToken != "" {
			rt, err := r.Sessions().GetByHash(ctx, hashSecret(refreshToken))
			if err == nil && rt.OrgID == a.OrgID && rt.UserID == a.UserID {
				if err := r.Sessions().RevokeFamily(ctx, rt.FamilyID, now); err != nil {
					return err
				}
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return s.audit(ctx, r, a, "auth.logout", "user", a.UserID, "signed out")
	})
}

// Authenticate resolves a bearer credential (access token or API key) to
// a principal. The user record is read on every call so that disabling a
// user or changing their role takes effect at once.
func (s *Service) Authenticate(ctx context.Context, cred string) (Principal, error) {
	if IsAPIKey(cred) {
		return s.authenticateAPIKey(ctx, cred)
	}
	c, err := s.signer.verify(cred, s.now())
	if err != nil {
		return Principal{}, err
	}
	u, err := s.st.Users().Get(ctx, c.OrgID, c.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrInvalidToken
	}
	if err != nil {
		return Principal{}, err
	}
	if u.Disabled || u.PasswordChangedAt.UnixMilli() != c.PasswordVersion {
		return Principal{}, ErrInvalidToken
	}
	return principalOf(u), nil
}

func principalOf(u store.User) Principal {
	return Principal{OrgID: u.OrgID, UserID: u.ID, Email: u.Email, Name: u.Name, Role: Role(u.Role), PlatformAdmin: u.PlatformAdmin, User: &u}
}

func (s *Service) authenticateAPIKey(ctx context.Context, cred string) (Principal, error) {
	if len(cred) > 200 {
		return Principal{}, ErrInvalidToken
	}
	k, err := s.st.APIKeys().GetByHash(ctx, hashSecret(cred))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrInvalidToken
	}
	if err != nil {
		return Principal{}, err
	}
	now := s.now()
	if k.RevokedAt != nil || (k.ExpiresAt != nil && now.After(*k.ExpiresAt)) {
		return Principal{}, ErrInvalidToken
	}
	// Record use at most once a minute: a busy integration must not turn
	// every request into a write.
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		if err := s.st.APIKeys().TouchLastUsed(ctx, k.ID, now); err != nil {
			s.log.Warn("cannot record API key use", "key_id", k.ID, "err", err)
		}
	}
	return Principal{OrgID: k.OrgID, UserID: "apikey:" + k.ID, Email: "apikey:" + k.Name, Name: k.Name, Role: Role(k.Role), APIKeyID: k.ID}, nil
}

// LogoutByRefreshToken ends the session of a refresh token for a caller
// whose access token has expired: holding the token is the proof.
func (s *Service) LogoutByRefreshToken(ctx context.Context, refreshToken string, meta ClientMeta) error {
	if refreshToken == "" || len(refreshToken) > 200 {
		return nil
	}
	now := s.now()
	return s.st.Tx(ctx, func(r store.Repos) error {
		rt, err := r.Sessions().GetByHash(ctx, hashSecret(refreshToken))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if rt.RevokedAt != nil {
			return nil
		}
		if err := r.Sessions().RevokeFamily(ctx, rt.FamilyID, now); err != nil {
			return err
		}
		u, err := r.Users().Get(ctx, rt.OrgID, rt.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.audit(ctx, r, Actor{Principal: principalOf(u), ClientMeta: meta}, "auth.logout", "user", u.ID, "signed out")
	})
}
