package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWT issuer and audience of EventSec access tokens.
const (
	tokenIssuer   = "eventsec"
	tokenAudience = "eventsec"
)

// accessClaims are the claims of an access token. PasswordVersion is the
// user's password-change time in milliseconds: a token minted before the
// latest password change no longer matches and is refused.
type accessClaims struct {
	jwt.RegisteredClaims
	OrgID           string `json:"org"`
	PasswordVersion int64  `json:"pwv"`
}

// Signer mints and checks HS256 access tokens.
type Signer struct {
	key []byte
	ttl time.Duration
}

// NewSigner returns a signer with the given key (at least 32 bytes).
func NewSigner(key []byte, ttl time.Duration) (*Signer, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("cannot use JWT key: it has %d bytes, at least 32 are needed", len(key))
	}
	return &Signer{key: key, ttl: ttl}, nil
}

// LoadOrCreateKey reads the signing key from path, creating a random one
// (mode 0600) when the file does not exist.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key := []byte(strings.TrimSpace(string(b)))
		if len(key) < 32 {
			return nil, fmt.Errorf("cannot use JWT key file %s: it holds %d bytes, at least 32 are needed", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read JWT key file: %w", err)
	}
	raw := make([]byte, 48)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("cannot generate JWT key: %w", err)
	}
	key := []byte(base64.RawURLEncoding.EncodeToString(raw))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create directory for JWT key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create JWT key file: %w", err)
	}
	if _, err := f.Write(append(key, '\n')); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot write JWT key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot write JWT key file: %w", err)
	}
	return key, f.Close()
}

// TTL is the lifetime of the tokens this signer mints.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Mint returns a signed access token for the user.
func (s *Signer) Mint(userID, orgID string, pwVersion int64, now time.Time) (string, error) {
	jti, err := randomToken(16)
	if err != nil {
		return "", err
	}
	c := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Subject:   userID,
			Audience:  jwt.ClaimStrings{tokenAudience},
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now.Add(-30 * time.Second)),
			ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
			ID:        jti,
		},
		OrgID:           orgID,
		PasswordVersion: pwVersion,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("cannot sign access token: %w", err)
	}
	return tok, nil
}

// verify checks signature, algorithm, issuer, audience and lifetime.
func (s *Signer) verify(tok string, now time.Time) (accessClaims, error) {
	var c accessClaims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(tokenIssuer),
		jwt.WithAudience(tokenAudience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	if err != nil || c.Subject == "" || c.OrgID == "" {
		return c, ErrInvalidToken
	}
	return c, nil
}

// randomToken returns n random bytes, base64url-encoded.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cannot read random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashSecret is how refresh tokens and API keys are stored: SHA-256 is
// enough because they are 256-bit random values, not passwords.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// APIKeyPrefix starts every API key, so scanners and people recognise one.
const APIKeyPrefix = "esk_"

// IsAPIKey reports whether a bearer credential is an API key (not a JWT).
func IsAPIKey(cred string) bool { return strings.HasPrefix(cred, APIKeyPrefix) }
