package auth_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/auth"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	const pw = "Quiet-Harbor-71-Lamp"
	h1, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h1) {
		t.Errorf("hash format: %s", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if strings.Contains(h1, pw) {
		t.Error("the hash contains the password")
	}
	for _, h := range []string{h1, h2} {
		if !auth.CheckPassword(h, pw) {
			t.Errorf("CheckPassword(%s) = false for the right password", h)
		}
	}
	for _, wrong := range []string{"", "quiet-harbor-71-lamp", pw + " ", pw[:len(pw)-1], "Quiet-Harbor-71-Lamp\x00"} {
		if auth.CheckPassword(h1, wrong) {
			t.Errorf("CheckPassword accepts %q", wrong)
		}
	}
	// Unicode passwords are hashed as their UTF-8 bytes.
	uh, err := auth.HashPassword("Ñandú-contraseña-9")
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(uh, "Ñandú-contraseña-9") || auth.CheckPassword(uh, "Nandu-contrasena-9") {
		t.Error("unicode password round trip")
	}
}

// TestCheckPasswordRejectsTamperedHashes: a damaged or hostile hash is a
// mismatch, never a match, a panic or a huge computation.
func TestCheckPasswordRejectsTamperedHashes(t *testing.T) {
	const pw = "Quiet-Harbor-71-Lamp"
	h, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$") // "", argon2id, v=19, m=..,t=..,p=.., salt, key
	join := func(p ...string) string { return strings.Join(p, "$") }
	flip := func(s string) string {
		b := []byte(s)
		if b[3] == 'A' {
			b[3] = 'B'
		} else {
			b[3] = 'A'
		}
		return string(b)
	}
	for _, c := range []struct{ name, hash string }{
		{"empty", ""},
		{"not PHC", "plaintext"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", join("", "argon2i", parts[2], parts[3], parts[4], parts[5])},
		{"other version", join("", "argon2id", "v=16", parts[3], parts[4], parts[5])},
		{"bad version", join("", "argon2id", "v=x", parts[3], parts[4], parts[5])},
		{"key changed", join("", parts[1], parts[2], parts[3], parts[4], flip(parts[5]))},
		{"salt changed", join("", parts[1], parts[2], parts[3], flip(parts[4]), parts[5])},
		{"key truncated", join("", parts[1], parts[2], parts[3], parts[4], parts[5][:20])},
		{"memory changed", join("", parts[1], parts[2], "m=19455,t=2,p=1", parts[4], parts[5])},
		{"time changed", join("", parts[1], parts[2], "m=19456,t=3,p=1", parts[4], parts[5])},
		{"zero time", join("", parts[1], parts[2], "m=19456,t=0,p=1", parts[4], parts[5])},
		{"zero parallelism", join("", parts[1], parts[2], "m=19456,t=2,p=0", parts[4], parts[5])},
		{"huge memory", join("", parts[1], parts[2], "m=4294967295,t=2,p=1", parts[4], parts[5])},
		{"huge time", join("", parts[1], parts[2], "m=19456,t=4000000000,p=1", parts[4], parts[5])},
		{"parallelism overflow", join("", parts[1], parts[2], "m=19456,t=2,p=256", parts[4], parts[5])},
		{"negative memory", join("", parts[1], parts[2], "m=-1,t=2,p=1", parts[4], parts[5])},
		{"params missing", join("", parts[1], parts[2], "m=19456", parts[4], parts[5])},
		{"salt not base64", join("", parts[1], parts[2], parts[3], "!!!", parts[5])},
		{"key not base64", join("", parts[1], parts[2], parts[3], parts[4], "!!!")},
		{"empty key", join("", parts[1], parts[2], parts[3], parts[4], "")},
		{"extra part", h + "$x"},
		{"missing part", join("", parts[1], parts[2], parts[3], parts[5])},
	} {
		t.Run(c.name, func(t *testing.T) {
			ok := func() (ok bool) {
				defer func() {
					if p := recover(); p != nil {
						t.Errorf("CheckPassword panicked on %q: %v", c.hash, p)
					}
				}()
				return auth.CheckPassword(c.hash, pw)
			}()
			if ok {
				t.Errorf("CheckPassword accepted the tampered hash %q", c.hash)
			}
		})
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	for _, c := range []struct {
		name, pw, email string
		want            string // a substring of the refusal; "" for accepted
	}{
		{"strong", "Quiet-Harbor-71-Lamp", "", ""},
		{"exactly twelve, three classes", "Abcdefgh123x", "", ""},
		{"too short", "Sh0rt-pw!", "", "at least 12"},
		{"eleven characters", "Abcdefgh12x", "", "at least 12"},
		{"twelve runes of three bytes are long enough", "Añañañaña1-ñ", "", ""},
		{"too long", "Aa1-" + strings.Repeat("x", 125), "", "at most 128"},
		{"exactly 128 bytes", "Aa1-" + strings.Repeat("x", 124), "", ""},
		{"long in bytes, short in runes", strings.Repeat("€", 43), "", "at most 128"},
		{"one class", "onlylowercaseletters", "", ""}, // 20 characters: a passphrase
		{"one class, short", "onlylowercaselet", "", "mix at least three"},
		{"two classes", "lowercaseand1234", "", "mix at least three"},
		{"two classes, upper and lower", "LowerAndUpperOnly", "", "mix at least three"},
		{"long passphrase", "correct horse battery staple", "", ""},
		{"common password", "Password1234", "", "too common"},
		{"common password in other case", "pASSWORD1234", "", "too common"},
		{"common with symbols", "P@ssw0rd1234", "", "too common"},
		{"contains the e-mail name", "Analyst-Ana-2024!", "ana@example.com", "e-mail"},
		{"contains the e-mail name in capitals", "Secret-MARIA-99", "maria@example.com", "e-mail"},
		{"short e-mail names are not checked", "Jo-Bright-2024!", "jo@example.com", ""},
		{"e-mail of someone else", "Quiet-Harbor-71-Lamp", "ana@example.com", ""},
		{"repeated character", strings.Repeat("a", 24), "", "repeat a single character"},
		{"control character", "Good-Pass\x01word9", "", "control characters"},
		{"tab", "Good-Pass\tword9", "", "control characters"},
		{"newline", "Good-Password9\n", "", "control characters"},
		{"DEL", "Good-Pass\x7fword9", "", "control characters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := auth.CheckPasswordPolicy(c.pw, c.email)
			if c.want == "" && got != "" {
				t.Errorf("refused %q: %s", c.pw, got)
			}
			if c.want != "" && !strings.Contains(got, c.want) {
				t.Errorf("CheckPasswordPolicy(%q) = %q, want a refusal mentioning %q", c.pw, got, c.want)
			}
		})
	}
}

// FuzzCheckPasswordPolicy: no input panics, and what is accepted honours
// the limits the policy promises.
func FuzzCheckPasswordPolicy(f *testing.F) {
	f.Add("Quiet-Harbor-71-Lamp", "ana@example.com")
	f.Add("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4", "")
	f.Add(strings.Repeat("ñ", 12), "@")
	f.Fuzz(func(t *testing.T, pw, email string) {
		msg := auth.CheckPasswordPolicy(pw, email)
		if msg != "" {
			return
		}
		if utf8.RuneCountInString(pw) < auth.MinPasswordLen || len(pw) > auth.MaxPasswordLen {
			t.Fatalf("accepted %q of %d bytes", pw, len(pw))
		}
		for _, r := range pw {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("accepted the control character %U in %q", r, pw)
			}
		}
	})
}

func TestGeneratePassword(t *testing.T) {
	format := regexp.MustCompile(`^[A-HJ-NP-Za-km-z2-9]{6}(-[A-HJ-NP-Za-km-z2-9]{6}){3}$`)
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		pw, err := auth.GeneratePassword()
		if err != nil {
			t.Fatal(err)
		}
		if msg := auth.CheckPasswordPolicy(pw, "admin@example.com"); msg != "" {
			t.Fatalf("generated %q fails the policy: %s", pw, msg)
		}
		if !format.MatchString(pw) {
			t.Fatalf("generated %q: unexpected format", pw)
		}
		if !strings.ContainsAny(pw, "23456789") || strings.ToLower(pw) == pw || strings.ToUpper(pw) == pw {
			t.Fatalf("generated %q lacks a digit or a case", pw)
		}
		if seen[pw] {
			t.Fatalf("generated %q twice", pw)
		}
		seen[pw] = true
	}
}

func TestValidateEmail(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ana@example.com", "ana@example.com"},
		{"  Ana.Lopez+soc@Example.COM ", "ana.lopez+soc@example.com"},
		{"admin@localhost", "admin@localhost"},
		{"", ""},
		{"ana", ""},
		{"ana@", ""},
		{"@example.com", ""},
		{"ana@example", ""},
		{"Ana <ana@example.com>", ""},
		{"ana@example.com, eve@example.com", ""},
		{"ana@exa mple.com", ""},
		{strings.Repeat("a", 250) + "@b.io", ""},
	} {
		got, err := auth.ValidateEmail("email", c.in)
		if c.want == "" {
			var ve *auth.ValidationError
			if err == nil || !errorAs(err, &ve) || ve.Field != "email" || ve.Code != "validation_failed" {
				t.Errorf("ValidateEmail(%q) = %q, %v; want a validation error on email", c.in, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ValidateEmail(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
