package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/eventsec/eventsec/internal/auth"
)

// TestForgedTokensAreRefused sends every kind of bad credential and expects
// 401 invalid_token, never a 403, a 500 or a way in.
func TestForgedTokensAreRefused(t *testing.T) {
	f := newFixture(t)
	u := f.newUser(t, "ana@a.test", auth.RoleAnalyst)
	s := f.login(t, "ana@a.test", userPass)
	wantStatus(t, f.get(t, "/api/v1/me", s.AccessToken), http.StatusOK)

	b, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Org B", AdminEmail: "boss@b.test", AdminPassword: otherPass})
	if err != nil {
		t.Fatal(err)
	}

	now := f.clock.Now()
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": "eventsec", "sub": u.ID, "aud": []string{"eventsec"},
			"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(10 * time.Minute).Unix(),
			"org": u.OrgID, "pwv": u.PasswordChangedAt.UnixMilli(), "jti": "test",
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	sign := func(m jwt.SigningMethod, key any, c jwt.MapClaims) string {
		t.Helper()
		tok, err := jwt.NewWithClaims(m, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	// The hand-made claims are right: signed with the right key they pass.
	// So each case below fails for the one thing it changes.
	control := sign(jwt.SigningMethodHS256, f.key, claims(nil))
	if me := decode[meJSON](t, f.get(t, "/api/v1/me", control)); me.ID != u.ID {
		t.Fatalf("the control token does not authenticate: %+v", me)
	}

	expired, err := f.signer.Mint(u.ID, u.OrgID, u.PasswordChangedAt.UnixMilli(), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	future, err := f.signer.Mint(u.ID, u.OrgID, u.PasswordChangedAt.UnixMilli(), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	otherSigner, err := auth.NewSigner([]byte("another-key-another-key-another-key!"), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := otherSigner.Mint(u.ID, u.OrgID, u.PasswordChangedAt.UnixMilli(), now)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct{ name, token string }{
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(nil))},
		{"HS256 with another key", otherKey},
		{"HS512 with the right key", sign(jwt.SigningMethodHS512, f.key, claims(nil))},
		{"expired", expired},
		{"issued in the future", future},
		{"wrong audience", sign(jwt.SigningMethodHS256, f.key, claims(func(c jwt.MapClaims) { c["aud"] = "other" }))},
		{"no audience", sign(jwt.SigningMethodHS256, f.key, claims(func(c jwt.MapClaims) { delete(c, "aud") }))},
		{"wrong issuer", sign(jwt.SigningMethodHS256, f.key, claims(func(c jwt.MapClaims) { c["iss"] = "other" }))},
		{"no expiry", sign(jwt.SigningMethodHS256, f.key, claims(func(c jwt.MapClaims) { delete(c, "exp") }))},
		{"no org", sign(jwt.SigningMethodHS256, f.key, claims(func(c jwt.MapClaims) { delete(c, "org") }))},
		{"stale password version", sign(jwt.SigningMethodHS256, f.key, claims(func(c jwt.MapClaims) { c["pwv"] = 1 }))},
		{"user of org B claiming org A", sign(jwt.SigningMethodHS256, f.key, claims(func(c jwt.MapClaims) { c["sub"] = b.Admin.ID }))},
		{"unknown user", sign(jwt.SigningMethodHS256, f.key, claims(func(c jwt.MapClaims) { c["sub"] = "no-such-user" }))},
		{"signature stripped", control[:strings.LastIndexByte(control, '.')+1]},
		{"signature of another token", control[:strings.LastIndexByte(control, '.')] + expired[strings.LastIndexByte(expired, '.'):]},
		{"garbage", "not-a-token"},
		{"three garbage parts", "a.b.c"},
		{"refresh token as access token", s.RefreshToken},
		{"unknown API key", auth.APIKeyPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"over-long API key", auth.APIKeyPrefix + strings.Repeat("A", 300)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.get(t, "/api/v1/me", c.token)
			wantError(t, r, http.StatusUnauthorized, "invalid_token", "")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
			}
		})
	}

	t.Run("malformed Authorization header", func(t *testing.T) {
		for _, h := range []string{"Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", "Bearer    ", s.AccessToken, "Token " + s.AccessToken} {
			r := f.do(t, request{Method: "GET", Path: "/api/v1/me", Header: map[string]string{"Authorization": h}})
			wantError(t, r, http.StatusUnauthorized, "invalid_token", "")
		}
		// The scheme is case-insensitive (RFC 7235).
		r := f.do(t, request{Method: "GET", Path: "/api/v1/me", Header: map[string]string{"Authorization": "bearer " + s.AccessToken}})
		wantStatus(t, r, http.StatusOK)
	})

	t.Run("token of a deleted user", func(t *testing.T) {
		f.newUser(t, "gone@a.test", auth.RoleViewer)
		g := f.login(t, "gone@a.test", userPass)
		admin := f.login(t, adminEmail, adminPass)
		wantStatus(t, f.send(t, "DELETE", "/api/v1/users/"+g.User.ID, admin.AccessToken, nil), http.StatusNoContent)
		wantError(t, f.get(t, "/api/v1/me", g.AccessToken), http.StatusUnauthorized, "invalid_token", "")
		wantError(t, f.refresh(t, g.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
	})

	t.Run("token minted before a password change", func(t *testing.T) {
		old := f.login(t, "ana@a.test", userPass)
		f.clock.Advance(time.Second)
		r := f.send(t, "POST", "/api/v1/me/password", old.AccessToken, map[string]string{"current_password": userPass, "new_password": otherPass})
		wantStatus(t, r, http.StatusOK)
		wantError(t, f.get(t, "/api/v1/me", old.AccessToken), http.StatusUnauthorized, "invalid_token", "")
		wantError(t, f.get(t, "/api/v1/me", s.AccessToken), http.StatusUnauthorized, "invalid_token", "")
	})

	t.Run("revoked and expired API keys", func(t *testing.T) {
		admin := f.login(t, adminEmail, adminPass)
		r := f.send(t, "POST", "/api/v1/api-keys", admin.AccessToken, map[string]any{"name": "soon revoked", "role": "analyst"})
		wantStatus(t, r, http.StatusCreated)
		revoked := decode[keyJSON](t, r)
		wantStatus(t, f.get(t, "/api/v1/me", revoked.Key), http.StatusOK)
		wantStatus(t, f.send(t, "DELETE", "/api/v1/api-keys/"+revoked.ID, admin.AccessToken, nil), http.StatusNoContent)
		wantError(t, f.get(t, "/api/v1/me", revoked.Key), http.StatusUnauthorized, "invalid_token", "")
		// Revoking twice finds no live key.
		wantError(t, f.send(t, "DELETE", "/api/v1/api-keys/"+revoked.ID, admin.AccessToken, nil), http.StatusNotFound, "not_found", "")

		r = f.send(t, "POST", "/api/v1/api-keys", admin.AccessToken, map[string]any{"name": "one day", "role": "viewer", "expires_in_days": 1})
		wantStatus(t, r, http.StatusCreated)
		daily := decode[keyJSON](t, r)
		if daily.ExpiresAt == nil || daily.ExpiresAt.Sub(f.clock.Now()) > 24*time.Hour || daily.ExpiresAt.Sub(f.clock.Now()) < 23*time.Hour {
			t.Errorf("expires_at = %v", daily.ExpiresAt)
		}
		wantStatus(t, f.get(t, "/api/v1/me", daily.Key), http.StatusOK)
		f.clock.Advance(25 * time.Hour)
		wantError(t, f.get(t, "/api/v1/me", daily.Key), http.StatusUnauthorized, "invalid_token", "")
		// The access tokens minted a day ago have expired too.
		wantError(t, f.get(t, "/api/v1/me", admin.AccessToken), http.StatusUnauthorized, "invalid_token", "")
	})
}

// TestSessions covers refresh rotation and reuse detection, logout, and
// the password change that replaces every session.
func TestSessions(t *testing.T) {
	f := newFixture(t)
	f.newUser(t, "sam@a.test", auth.RoleAnalyst)

	t.Run("refresh rotates and reuse revokes the session", func(t *testing.T) {
		s1 := f.login(t, "sam@a.test", userPass)
		r := f.refresh(t, s1.RefreshToken)
		wantStatus(t, r, http.StatusOK)
		s2 := decode[session](t, r)
		if s2.RefreshToken == s1.RefreshToken || s2.AccessToken == s1.AccessToken || s2.User.Email != "sam@a.test" {
			t.Fatalf("refresh did not rotate: %+v", s2)
		}
		wantStatus(t, f.get(t, "/api/v1/me", s2.AccessToken), http.StatusOK)
		// The old token again: refused, and the whole family with it.
		wantError(t, f.refresh(t, s1.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
		wantError(t, f.refresh(t, s2.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
		if es := f.auditEntries(t, f.org.ID, auditFilter("auth.refresh_reuse", s1.User.ID)); len(es) != 1 {
			t.Errorf("refresh reuse audited %d times", len(es))
		}
		// Another session of the same user is not affected.
		other := f.login(t, "sam@a.test", userPass)
		wantStatus(t, f.refresh(t, other.RefreshToken), http.StatusOK)
	})

	t.Run("bad refresh tokens", func(t *testing.T) {
		// An empty token means "none in the body": the cookie is looked for.
		wantError(t, f.refresh(t, ""), http.StatusUnauthorized, "invalid_token", "refresh_token")
		for _, tok := range []string{"nope", strings.Repeat("x", 500)} {
			wantError(t, f.refresh(t, tok), http.StatusUnauthorized, "invalid_token", "")
		}
		// No body and no cookie.
		r := f.do(t, request{Method: "POST", Path: "/api/v1/auth/refresh"})
		wantError(t, r, http.StatusUnauthorized, "invalid_token", "refresh_token")
	})

	t.Run("refresh token expires", func(t *testing.T) {
		s := f.login(t, "sam@a.test", userPass)
		f.clock.Advance(7*24*time.Hour + time.Minute)
		wantError(t, f.refresh(t, s.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
	})

	t.Run("logout revokes", func(t *testing.T) {
		s := f.login(t, "sam@a.test", userPass)
		r := f.send(t, "POST", "/api/v1/auth/logout", s.AccessToken, map[string]string{"refresh_token": s.RefreshToken})
		wantStatus(t, r, http.StatusNoContent)
		cleared := 0
		for _, c := range r.Cookies {
			if c.MaxAge < 0 && c.Value == "" {
				cleared++
			}
		}
		if cleared != 3 {
			t.Errorf("logout cleared %d cookies, want 3: %v", cleared, r.Cookies)
		}
		wantError(t, f.refresh(t, s.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
		if es := f.auditEntries(t, f.org.ID, auditFilter("auth.logout", s.User.ID)); len(es) == 0 {
			t.Error("logout not audited")
		}
	})

	t.Run("logout cannot revoke someone else's session", func(t *testing.T) {
		victim := f.login(t, "sam@a.test", userPass)
		admin := f.login(t, adminEmail, adminPass)
		wantStatus(t, f.send(t, "POST", "/api/v1/auth/logout", admin.AccessToken, map[string]string{"refresh_token": victim.RefreshToken}), http.StatusNoContent)
		wantStatus(t, f.refresh(t, victim.RefreshToken), http.StatusOK)
	})

	t.Run("logout with an expired access token still ends the session", func(t *testing.T) {
		// The web UI's access cookie lives 15 minutes; signing out later
		// sends only the refresh cookie. The session must end all the same.
		s := f.login(t, "sam@a.test", userPass)
		r := f.do(t, request{Method: "POST", Path: "/api/v1/auth/logout",
			Cookies: []*http.Cookie{cookie(t, s.cookies, "es_refresh"), cookie(t, s.cookies, "es_csrf")},
			Header:  map[string]string{"X-CSRF-Token": s.CSRFToken}})
		wantStatus(t, r, http.StatusNoContent)
		wantError(t, f.refresh(t, s.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
	})

	t.Run("password change opens a new session and ends the others", func(t *testing.T) {
		f.clock.Advance(time.Second)
		bystander := f.login(t, "sam@a.test", userPass)
		s := f.login(t, "sam@a.test", userPass)
		f.clock.Advance(time.Second)

		r := f.send(t, "POST", "/api/v1/me/password", s.AccessToken, map[string]string{"current_password": "Wrong-Passw0rd-123", "new_password": otherPass})
		wantError(t, r, http.StatusBadRequest, "wrong_password", "current_password")
		wantStatus(t, f.get(t, "/api/v1/me", s.AccessToken), http.StatusOK)

		r = f.send(t, "POST", "/api/v1/me/password", s.AccessToken, map[string]string{"current_password": userPass, "new_password": otherPass})
		wantStatus(t, r, http.StatusOK)
		fresh := decode[session](t, r)
		if fresh.AccessToken == "" || fresh.RefreshToken == "" || fresh.CSRFToken == "" {
			t.Fatalf("password change answered no session: %s", r)
		}
		for name, old := range map[string]session{"this": s, "other": bystander} {
			if r := f.get(t, "/api/v1/me", old.AccessToken); r.Status != http.StatusUnauthorized {
				t.Errorf("%s session's access token still works: %s", name, r)
			}
			if r := f.refresh(t, old.RefreshToken); r.Status != http.StatusUnauthorized {
				t.Errorf("%s session's refresh token still works: %s", name, r)
			}
		}
		wantStatus(t, f.get(t, "/api/v1/me", fresh.AccessToken), http.StatusOK)
		wantStatus(t, f.refresh(t, fresh.RefreshToken), http.StatusOK)
		wantError(t, f.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "sam@a.test", "password": userPass}),
			http.StatusUnauthorized, "invalid_credentials", "")
		f.login(t, "sam@a.test", otherPass)
		if es := f.auditEntries(t, f.org.ID, auditFilter("user.password_change", s.User.ID)); len(es) != 1 {
			t.Errorf("password change audited %d times", len(es))
		}
	})
}

// cookie finds a cookie by name.
func cookie(t *testing.T, cs []*http.Cookie, name string) *http.Cookie {
	t.Helper()
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no cookie %s in %v", name, cs)
	return nil
}

// TestCookiesAndCSRF covers the web UI's session: cookie attributes and
// the double-submit CSRF check on every state-changing cookie request.
func TestCookiesAndCSRF(t *testing.T) {
	f := newFixture(t)
	f.newUser(t, "web@a.test", auth.RoleAnalyst)
	s := f.login(t, "web@a.test", userPass)

	access, refresh, csrf := cookie(t, s.cookies, "es_access"), cookie(t, s.cookies, "es_refresh"), cookie(t, s.cookies, "es_csrf")
	for _, c := range []struct {
		ck       *http.Cookie
		httpOnly bool
		path     string
		value    string
	}{
		{access, true, "/", s.AccessToken},
		{refresh, true, "/api/v1/auth", s.RefreshToken},
		{csrf, false, "/", s.CSRFToken},
	} {
		if c.ck.HttpOnly != c.httpOnly || c.ck.Path != c.path || c.ck.SameSite != http.SameSiteStrictMode || c.ck.Value != c.value {
			t.Errorf("cookie %s: HttpOnly %v, Path %q, SameSite %v, value matches body %v", c.ck.Name, c.ck.HttpOnly, c.ck.Path, c.ck.SameSite, c.ck.Value == c.value)
		}
		if c.ck.MaxAge <= 0 {
			t.Errorf("cookie %s: Max-Age %d", c.ck.Name, c.ck.MaxAge)
		}
	}
	if access.MaxAge != s.ExpiresIn {
		t.Errorf("es_access Max-Age %d, expires_in %d", access.MaxAge, s.ExpiresIn)
	}
	if len(s.CSRFToken) < 32 {
		t.Errorf("CSRF token too short: %q", s.CSRFToken)
	}

	jar := []*http.Cookie{access, csrf}
	patch := func(t *testing.T, hdr map[string]string, name string) response {
		t.Helper()
		return f.do(t, request{Method: "PATCH", Path: "/api/v1/me", Body: map[string]string{"name": name}, Cookies: jar, Header: hdr})
	}

	me := decode[meJSON](t, f.do(t, request{Method: "GET", Path: "/api/v1/me", Cookies: jar}))
	if me.Email != "web@a.test" || me.AuthMethod != "cookie" {
		t.Errorf("cookie GET /me: %+v", me)
	}
	wantError(t, patch(t, nil, "No CSRF"), http.StatusForbidden, "csrf_failed", "")
	wantError(t, patch(t, map[string]string{"X-CSRF-Token": "wrong"}, "Wrong CSRF"), http.StatusForbidden, "csrf_failed", "")
	wantError(t, patch(t, map[string]string{"X-CSRF-Token": s.CSRFToken + "x"}, "Longer CSRF"), http.StatusForbidden, "csrf_failed", "")
	// The header alone is not enough: the cookie must match it.
	r := f.do(t, request{Method: "PATCH", Path: "/api/v1/me", Body: map[string]string{"name": "Header only"}, Cookies: []*http.Cookie{access},
		Header: map[string]string{"X-CSRF-Token": s.CSRFToken}})
	wantError(t, r, http.StatusForbidden, "csrf_failed", "")
	if got := f.user(t, f.org.ID, s.User.ID).Name; got != s.User.Name {
		t.Fatalf("a refused request changed the name to %q", got)
	}
	r = patch(t, map[string]string{"X-CSRF-Token": s.CSRFToken}, "Right CSRF")
	wantStatus(t, r, http.StatusOK)
	if got := f.user(t, f.org.ID, s.User.ID).Name; got != "Right CSRF" {
		t.Errorf("name = %q after the accepted PATCH", got)
	}

	// Bearer requests need no CSRF header.
	r = f.send(t, "PATCH", "/api/v1/me", s.AccessToken, map[string]string{"name": "Bearer"})
	wantStatus(t, r, http.StatusOK)

	t.Run("refresh by cookie needs the CSRF header", func(t *testing.T) {
		cks := []*http.Cookie{refresh, csrf}
		r := f.do(t, request{Method: "POST", Path: "/api/v1/auth/refresh", Cookies: cks})
		wantError(t, r, http.StatusForbidden, "csrf_failed", "")
		r = f.do(t, request{Method: "POST", Path: "/api/v1/auth/refresh", Cookies: cks, Header: map[string]string{"X-CSRF-Token": "wrong"}})
		wantError(t, r, http.StatusForbidden, "csrf_failed", "")
		// The refused attempts did not use up the token.
		r = f.do(t, request{Method: "POST", Path: "/api/v1/auth/refresh", Cookies: cks, Header: map[string]string{"X-CSRF-Token": s.CSRFToken}})
		wantStatus(t, r, http.StatusOK)
		next := decode[session](t, r)
		if cookie(t, r.Cookies, "es_refresh").Value != next.RefreshToken || cookie(t, r.Cookies, "es_csrf").Value != next.CSRFToken {
			t.Error("refresh did not set the new session's cookies")
		}
		// A failed cookie refresh clears the cookies.
		r = f.do(t, request{Method: "POST", Path: "/api/v1/auth/refresh", Cookies: cks, Header: map[string]string{"X-CSRF-Token": s.CSRFToken}})
		wantError(t, r, http.StatusUnauthorized, "invalid_token", "")
		if c := cookie(t, r.Cookies, "es_access"); c.MaxAge >= 0 {
			t.Errorf("es_access not cleared after a failed refresh: %v", c)
		}
	})

	t.Run("cookie logout without CSRF revokes nothing", func(t *testing.T) {
		s := f.login(t, "web@a.test", userPass)
		cks := []*http.Cookie{cookie(t, s.cookies, "es_access"), cookie(t, s.cookies, "es_refresh"), cookie(t, s.cookies, "es_csrf")}
		wantStatus(t, f.do(t, request{Method: "POST", Path: "/api/v1/auth/logout", Cookies: cks}), http.StatusNoContent)
		wantStatus(t, f.get(t, "/api/v1/me", s.AccessToken), http.StatusOK)
		wantStatus(t, f.do(t, request{Method: "POST", Path: "/api/v1/auth/logout", Cookies: cks, Header: map[string]string{"X-CSRF-Token": s.CSRFToken}}),
			http.StatusNoContent)
		wantError(t, f.refresh(t, s.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
	})
}
