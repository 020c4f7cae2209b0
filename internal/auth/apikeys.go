package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// ListAPIKeys lists the org's API keys, revoked ones included.
func (s *Service) ListAPIKeys(ctx context.Context, orgID string) ([]store.APIKey, error) {
	return s.st.APIKeys().List(ctx, orgID)
}

// CreateAPIKey creates a key with the given role (never more powerful than
// the actor's) and returns it with its secret, which is not kept.
func (s *Service) CreateAPIKey(ctx context.Context, a Actor, name, role string, expiresInDays int) (store.APIKey, string, error) {
	name, err := validateText("name", name, true, maxNameLen)
	if err != nil {
		return store.APIKey{}, "", err
	}
	r := Role(role)
	if !r.ValidForAPIKey() {
		return store.APIKey{}, "", invalid("role", "role must be one of admin, team_lead, senior_analyst, analyst, viewer, ingest (got %q)", role)
	}
	if !a.Role.AtLeast(r) {
		return store.APIKey{}, "", invalid("role", "an API key cannot have more power than its creator (your role is %s)", a.Role)
	}
	if expiresInDays < 0 || expiresInDays > 3650 {
		return store.APIKey{}, "", invalid("expires_in_days", "expires_in_days must be between 0 (never) and 3650")
	}
	secret, err := randomToken(32)
	if err != nil {
		return store.APIKey{}, "", err
	}
	secret = APIKeyPrefix + secret
	now := s.now()
	k := store.APIKey{ID: newID(), OrgID: a.OrgID, Name: name, Role: string(r), Prefix: secret[:12], Hash: hashSecret(secret),
		CreatedBy: a.UserID, CreatedAt: now}
	if expiresInDays > 0 {
		exp := now.Add(time.Duration(expiresInDays) * 24 * time.Hour)
		k.ExpiresAt = &exp
	}
	err = s.st.Tx(ctx, func(rp store.Repos) error {
		if err := rp.APIKeys().Create(ctx, k); err != nil {
			return err
		}
		exp := "never expires"
		if k.ExpiresAt != nil {
			exp = "expires " + k.ExpiresAt.Format(time.DateOnly)
		}
		return s.audit(ctx, rp, a, "apikey.create", "apikey", k.ID, fmt.Sprintf("created API key %q (%s…) with role %s, %s", name, k.Prefix, r, exp))
	})
	if err != nil {
		return store.APIKey{}, "", err
	}
	return k, secret, nil
}

// RevokeAPIKey revokes a key at once; its record stays for the audit trail.
func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, id string) error {
	return s.st.Tx(ctx, func(r store.Repos) error {
		k, err := r.APIKeys().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.APIKeys().Revoke(ctx, a.OrgID, id, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "apikey.revoke", "apikey", id, fmt.Sprintf("revoked API key %q (%s…)", k.Name, k.Prefix))
	})
}
