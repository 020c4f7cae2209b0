package endpoint

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/store"
)

// Secret prefixes: they tell a reader (and a secret scanner) what a
// leaked string is.
const (
	// EnrollmentKeyPrefix starts every enrollment key.
	EnrollmentKeyPrefix = "ese_"
	// AgentTokenPrefix starts every agent credential.
	AgentTokenPrefix = "esa_"
	// tokenLookup is how much of a token is stored in clear to find its
	// record: the prefix and 72 random bits.
	tokenLookup = 16
)

func randomSecret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cannot generate secret: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// CreateKey creates an enrollment key and returns it with its secret,
// which is not kept. expiresInDays 0 never expires.
func (s *Service) CreateKey(ctx context.Context, a Actor, name string, expiresInDays int) (store.EnrollmentKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return store.EnrollmentKey{}, "", invalid("name", "name is required (at most 100 characters)")
	}
	if expiresInDays < 0 || expiresInDays > 3650 {
		return store.EnrollmentKey{}, "", invalid("expires_in_days", "expires_in_days must be between 0 (never) and 3650")
	}
	secret, err := randomSecret(EnrollmentKeyPrefix)
	if err != nil {
		return store.EnrollmentKey{}, "", err
	}
	now := s.o.Now()
	k := store.EnrollmentKey{ID: newID(), OrgID: a.OrgID, Name: name, Prefix: secret[:12], Hash: hashSecret(secret), CreatedBy: a.UserID, CreatedAt: now}
	if expiresInDays > 0 {
		exp := now.Add(time.Duration(expiresInDays) * 24 * time.Hour)
		k.ExpiresAt = &exp
	}
	err = s.st.Tx(ctx, func(r store.Repos) error {
		if err := r.Endpoints().Keys().Create(ctx, k); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "endpoint.enrollment_key.create", "enrollment_key", k.ID, fmt.Sprintf("created enrollment key %q (%s…)", name, k.Prefix))
	})
	if err != nil {
		return store.EnrollmentKey{}, "", err
	}
	return k, secret, nil
}

// ListKeys lists the org's enrollment keys, revoked ones too.
func (s *Service) ListKeys(ctx context.Context, orgID string) ([]store.EnrollmentKey, error) {
	return s.st.Endpoints().Keys().List(ctx, orgID)
}

// RevokeKey revokes an enrollment key: agents enrolled with it keep
// working; no new agent can use it.
func (s *Service) RevokeKey(ctx context.Context, a Actor, id string) error {
	return s.st.Tx(ctx, func(r store.Repos) error {
		k, err := r.Endpoints().Keys().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Endpoints().Keys().Revoke(ctx, a.OrgID, id, s.o.Now()); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "endpoint.enrollment_key.revoke", "enrollment_key", id, fmt.Sprintf("revoked enrollment key %q (%s…)", k.Name, k.Prefix))
	})
}

// Enroll checks an enrollment key and creates an agent with its own
// credential, returned once.
func (s *Service) Enroll(ctx context.Context, req wire.EnrollRequest, clientIP string) (wire.EnrollResponse, error) {
	key := strings.TrimSpace(req.EnrollmentKey)
	if !strings.HasPrefix(key, EnrollmentKeyPrefix) || len(key) > 200 {
		s.refused(ctx, "", "bad_enrollment_key", clientIP)
		return wire.EnrollResponse{}, fmt.Errorf("%w: not an enrollment key", ErrUnauthorized)
	}
	if err := checkFacts(req.Facts); err != nil {
		return wire.EnrollResponse{}, err
	}
	k, err := s.st.Endpoints().Keys().GetByHash(ctx, hashSecret(key))
	if errors.Is(err, store.ErrNotFound) {
		s.refused(ctx, "", "bad_enrollment_key", clientIP)
		return wire.EnrollResponse{}, fmt.Errorf("%w: unknown enrollment key", ErrUnauthorized)
	}
	if err != nil {
		return wire.EnrollResponse{}, err
	}
	now := s.o.Now()
	if k.RevokedAt != nil || (k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)) {
		s.refused(ctx, k.OrgID, "enrollment_key_revoked", clientIP)
		return wire.EnrollResponse{}, ErrKeyRevoked
	}
	token, err := randomSecret(AgentTokenPrefix)
	if err != nil {
		return wire.EnrollResponse{}, err
	}
	facts, _ := json.Marshal(req.Facts)
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = req.Facts.Hostname
	}
	if utf8.RuneCountInString(name) > 200 {
		return wire.EnrollResponse{}, invalid("name", "name is longer than 200 characters")
	}
	ag := store.Agent{ID: newID(), OrgID: k.OrgID, Name: name, Hostname: req.Facts.Hostname, OS: req.Facts.OS,
		Platform: req.Facts.Platform, PlatformVersion: req.Facts.PlatformVer, Arch: req.Facts.Arch, AgentVersion: req.Facts.AgentVersion,
		Facts: string(facts), TokenPrefix: token[:tokenLookup], TokenHash: hashSecret(token), EnrollmentKeyID: k.ID,
		LastIP: clientIP, EnrolledAt: now, UpdatedAt: now}
	actor := Actor{OrgID: k.OrgID, UserID: "enrollment_key:" + k.ID, Email: "enrollment key " + k.Name, ClientIP: clientIP}
	err = s.st.Tx(ctx, func(r store.Repos) error {
		if err := r.Endpoints().Agents().Create(ctx, ag); err != nil {
			return err
		}
		if err := r.Endpoints().Keys().Used(ctx, k.OrgID, k.ID, now); err != nil {
			return err
		}
		return s.audit(ctx, r, actor, "endpoint.enroll", "agent", ag.ID, fmt.Sprintf("enrolled %s (%s %s %s, agent %s) with key %q",
			ag.Name, req.Facts.Platform, req.Facts.PlatformVer, req.Facts.Arch, req.Facts.AgentVersion, k.Name))
	})
	if err != nil {
		return wire.EnrollResponse{}, err
	}
	s.m.enrollments.Inc()
	// The agent calls at once: its credential is cached from here.
	s.mu.Lock()
	s.creds[ag.TokenPrefix] = &credEntry{cred: Credential{AgentID: ag.ID, OrgID: ag.OrgID, Name: ag.Name, Facts: req.Facts},
		hash: []byte(ag.TokenHash), loadedAt: now}
	s.mu.Unlock()
	s.log.Info("agent enrolled", "org", k.OrgID, "agent", ag.ID, "host", ag.Hostname, "client_ip", clientIP)
	cfg, err := s.AgentConfig(ctx, k.OrgID)
	if err != nil {
		return wire.EnrollResponse{}, err
	}
	s.publish(k.OrgID, "agent", map[string]any{"id": ag.ID, "name": ag.Name, "status": StatusOffline, "event": "enrolled"})
	return wire.EnrollResponse{AgentID: ag.ID, OrgID: k.OrgID, Token: token, Config: cfg}, nil
}

// checkFacts bounds what an agent claims about itself.
func checkFacts(f wire.HostFacts) error {
	if strings.TrimSpace(f.Hostname) == "" {
		return invalid("facts.hostname", "hostname is required")
	}
	for field, v := range map[string]string{"facts.hostname": f.Hostname, "facts.fqdn": f.FQDN, "facts.os": f.OS,
		"facts.platform": f.Platform, "facts.platform_version": f.PlatformVer, "facts.family": f.Family,
		"facts.kernel_version": f.KernelVersion, "facts.arch": f.Arch, "facts.machine_id": f.MachineID,
		"facts.agent_version": f.AgentVersion} {
		if len(v) > 255 || !utf8.ValidString(v) {
			return invalid(field, "at most 255 bytes of UTF-8")
		}
	}
	if len(f.IPs) > 256 || len(f.MACs) > 256 {
		return invalid("facts.ips", "at most 256 addresses")
	}
	return nil
}

// Credential is an authenticated agent.
type Credential struct {
	AgentID string
	OrgID   string
	Name    string
	Facts   wire.HostFacts
}

// credEntry caches an agent's credential record.
type credEntry struct {
	cred     Credential
	hash     []byte // hex SHA-256 of the token
	revoked  bool
	loadedAt time.Time
}

// Authenticate resolves an agent's bearer token. A wrong token fails with
// ErrUnauthorized, a revoked agent's with ErrRevoked.
func (s *Service) Authenticate(ctx context.Context, token, clientIP string) (Credential, error) {
	if !strings.HasPrefix(token, AgentTokenPrefix) || len(token) < tokenLookup+8 || len(token) > 200 {
		s.refused(ctx, "", "malformed_token", clientIP)
		return Credential{}, fmt.Errorf("%w: not an agent token", ErrUnauthorized)
	}
	prefix := token[:tokenLookup]
	now := s.o.Now()
	s.mu.Lock()
	e := s.creds[prefix]
	s.mu.Unlock()
	if e == nil || now.Sub(e.loadedAt) > s.o.CredentialTTL {
		ag, err := s.st.Endpoints().Agents().GetByTokenPrefix(ctx, prefix)
		if errors.Is(err, store.ErrNotFound) {
			s.refused(ctx, "", "unknown_token", clientIP)
			return Credential{}, fmt.Errorf("%w: unknown token", ErrUnauthorized)
		}
		if err != nil {
			return Credential{}, err
		}
		e = &credEntry{cred: Credential{AgentID: ag.ID, OrgID: ag.OrgID, Name: ag.Name}, hash: []byte(ag.TokenHash),
			revoked: ag.RevokedAt != nil, loadedAt: now}
		_ = json.Unmarshal([]byte(ag.Facts), &e.cred.Facts)
		s.mu.Lock()
		// A revocation made meanwhile by this server wins over the read.
		if old := s.creds[prefix]; old != nil && old.revoked {
			e.revoked = true
		}
		s.creds[prefix] = e
		s.mu.Unlock()
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(token)), e.hash) != 1 {
		s.refused(ctx, e.cred.OrgID, "wrong_token", clientIP, e.cred.AgentID)
		return Credential{}, fmt.Errorf("%w: wrong token", ErrUnauthorized)
	}
	if e.revoked {
		s.m.authFailures.WithLabelValues("revoked").Inc()
		return Credential{}, ErrRevoked
	}
	return e.cred, nil
}

// refused counts a refused credential and, within a rate limit, logs it
// and (when the org is known) audits it: a flood of forged tokens must not
// flood the log.
func (s *Service) refused(ctx context.Context, orgID, reason, clientIP string, agentID ...string) {
	s.m.authFailures.WithLabelValues(reason).Inc()
	if !s.badAuth.Allow() {
		return
	}
	target := ""
	if len(agentID) > 0 {
		target = agentID[0]
	}
	s.log.Warn("agent credential refused", "reason", reason, "org", orgID, "agent", target, "client_ip", clientIP)
	if orgID == "" {
		return
	}
	err := s.st.Tx(ctx, func(r store.Repos) error {
		return s.audit(ctx, r, Actor{OrgID: orgID, UserID: "anonymous", Email: "agent channel", ClientIP: clientIP},
			"endpoint.auth_failed", "agent", target, "agent credential refused: "+reason)
	})
	if err != nil {
		s.log.Warn("cannot audit a refused agent credential", "err", err)
	}
}

// revokeCached marks the cached credentials of an agent revoked, so that a revocation applies at once.
func (s *Service) revokeCached(agentID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.creds {
		if e.cred.AgentID == agentID {
			e.revoked = true
		}
	}
	delete(s.live, agentID)
}
