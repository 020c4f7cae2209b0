package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1
// lane). They are stored in each hash, so they can rise later without
// invalidating existing passwords.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// Password limits. The maximum bounds the work an attacker can make
// argon2 do per request.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// HashPassword returns an argon2id hash in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("cannot read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC-format hash.
func CheckPassword(hash, pw string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when a login names no known user, so that
// the answer takes as long as for a real account.
var dummyHash = func() string {
	h, err := HashPassword("eventsec-dummy-password-for-timing")
	if err != nil {
		panic(err) // crypto/rand failing at start-up is unrecoverable
	}
	return h
}()

// commonPasswords are refused outright (lower-cased, compared whole).
var commonPasswords = map[string]bool{
	"password1234": true, "password12345": true, "password123456": true, "passwordpassword": true,
	"123456789012": true, "1234567890123": true, "qwertyuiop123": true, "qwerty123456": true,
	"letmein12345": true, "welcome12345": true, "administrator": true, "administrator1": true,
	"changeme1234": true, "iloveyou1234": true, "admin1234567": true, "admin123456!": true,
	"eventsec1234": true, "eventsec12345": true, "p@ssw0rd1234": true, "p@ssword1234": true,
}

// CheckPasswordPolicy returns a human sentence saying why pw is refused, or
// "" when it is acceptable. email, when given, must not appear in it.
func CheckPasswordPolicy(pw, email string) string {
	n := len([]rune(pw))
	if n < MinPasswordLen {
		return fmt.Sprintf("password must be at least %d characters long", MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return fmt.Sprintf("password must be at most %d bytes long", MaxPasswordLen)
	}
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsControl(r):
			return "password must not contain control characters"
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	// Long passphrases are strong without mixing classes.
	if classes < 3 && n < 20 {
		return "password must mix at least three of: lower-case letters, upper-case letters, digits, symbols (or be 20 characters or longer)"
	}
	lowerPw := strings.ToLower(pw)
	if commonPasswords[lowerPw] {
		return "password is too common"
	}
	if local, _, ok := strings.Cut(strings.ToLower(email), "@"); ok && len(local) >= 3 && strings.Contains(lowerPw, local) {
		return "password must not contain the e-mail address's name"
	}
	if strings.Count(pw, string([]rune(pw)[0])) == n {
		return "password must not repeat a single character"
	}
	return ""
}

// GeneratePassword returns a random password that meets the policy: four
// groups of six characters from a 57-letter alphabet (about 140 bits), joined
// by "-", with one digit, one upper- and one lower-case letter guaranteed.
func GeneratePassword() (string, error) {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	for {
		s, err := randomString(alphabet, 24)
		if err != nil {
			return "", err
		}
		pw := s[:6] + "-" + s[6:12] + "-" + s[12:18] + "-" + s[18:]
		if CheckPasswordPolicy(pw, "") == "" && strings.ContainsAny(pw, "23456789") &&
			strings.IndexFunc(pw, unicode.IsUpper) >= 0 && strings.IndexFunc(pw, unicode.IsLower) >= 0 {
			return pw, nil
		}
	}
}

// randomString draws n characters uniformly from alphabet (rejection
// sampling, so no modulo bias).
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("cannot read random bytes: %w", err)
		}
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
