package api_test

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/eventsec/eventsec/internal/api"
	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
)

// TestAdminSafety: an admin cannot act on themself, the org keeps an
// enabled admin, and disabling a user ends their sessions at once.
func TestAdminSafety(t *testing.T) {
	f := newFixture(t)
	pa := f.login(t, adminEmail, adminPass)
	me := pa.User.ID
	_, adminKey := f.newKey(t, auth.RoleAdmin, 0)

	unchanged := func(t *testing.T, id string, before store.User) {
		t.Helper()
		if after := f.user(t, f.org.ID, id); !reflect.DeepEqual(after, before) {
			t.Errorf("user changed:\nbefore %+v\nafter  %+v", before, after)
		}
	}

	t.Run("self change", func(t *testing.T) {
		before := f.user(t, f.org.ID, me)
		for _, c := range []struct {
			method string
			body   any
		}{
			{"PATCH", map[string]any{"disabled": true}},
			{"PATCH", map[string]any{"role": "analyst"}},
			{"PATCH", map[string]any{"name": "Renamed", "role": "viewer"}},
			{"DELETE", nil},
		} {
			wantError(t, f.send(t, c.method, "/api/v1/users/"+me, pa.AccessToken, c.body), http.StatusConflict, "self_change", "")
			unchanged(t, me, before)
		}
		// Setting one's own role to what it is already is no change.
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+me, pa.AccessToken, map[string]any{"role": "admin", "disabled": false}), http.StatusOK)
	})

	t.Run("last admin", func(t *testing.T) {
		// In org B, whose admin is not platform admin, an admin API key (no
		// user, so no self-change rule) acts on the only admin: the
		// last-admin rule alone stops it.
		b, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Org B", AdminEmail: "boss@b.test", AdminPassword: otherPass})
		if err != nil {
			t.Fatal(err)
		}
		_, keyB, err := f.svc.CreateAPIKey(f.ctx, f.system(b.Org.ID), "b-admin", "admin", 0)
		if err != nil {
			t.Fatal(err)
		}
		boss := b.Admin.ID
		before := f.user(t, b.Org.ID, boss)
		unchangedB := func(t *testing.T) {
			t.Helper()
			if after := f.user(t, b.Org.ID, boss); !reflect.DeepEqual(after, before) {
				t.Errorf("the last admin changed:\nbefore %+v\nafter  %+v", before, after)
			}
		}
		for _, c := range []struct {
			method string
			body   any
		}{
			{"PATCH", map[string]any{"disabled": true}},
			{"PATCH", map[string]any{"role": "team_lead"}},
			{"PATCH", map[string]any{"name": "Still here", "role": "viewer"}},
			{"DELETE", nil},
		} {
			wantError(t, f.send(t, c.method, "/api/v1/users/"+boss, keyB, c.body), http.StatusConflict, "last_admin", "")
			unchangedB(t)
		}

		// A disabled admin does not count.
		second := f.newUserIn(t, b.Org.ID, "second@b.test", auth.RoleAdmin)
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+second.ID, keyB, map[string]any{"disabled": true}), http.StatusOK)
		wantError(t, f.send(t, "PATCH", "/api/v1/users/"+boss, keyB, map[string]any{"role": "viewer"}), http.StatusConflict, "last_admin", "")
		wantError(t, f.send(t, "DELETE", "/api/v1/users/"+boss, keyB, nil), http.StatusConflict, "last_admin", "")
		unchangedB(t)
		// Re-enabled, the second admin can be demoted while the first stays.
		bs := f.login(t, "boss@b.test", otherPass)
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+second.ID, bs.AccessToken, map[string]any{"disabled": false}), http.StatusOK)
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+second.ID, bs.AccessToken, map[string]any{"role": "analyst"}), http.StatusOK)
		if n, err := f.st.Users().CountActiveAdmins(f.ctx, b.Org.ID); err != nil || n != 1 {
			t.Errorf("active admins = %d, %v", n, err)
		}
		// With two enabled admins, the key may demote either; then not the other.
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+second.ID, bs.AccessToken, map[string]any{"role": "admin"}), http.StatusOK)
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+boss, keyB, map[string]any{"role": "analyst"}), http.StatusOK)
		wantError(t, f.send(t, "DELETE", "/api/v1/users/"+second.ID, keyB, nil), http.StatusConflict, "last_admin", "")
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+boss, keyB, map[string]any{"role": "admin"}), http.StatusOK)
		wantStatus(t, f.send(t, "DELETE", "/api/v1/users/"+second.ID, keyB, nil), http.StatusNoContent)
		if _, err := f.st.Users().Get(f.ctx, b.Org.ID, second.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted admin still there: %v", err)
		}
		wantError(t, f.send(t, "DELETE", "/api/v1/users/"+second.ID, keyB, nil), http.StatusNotFound, "not_found", "")
		// None of this was visible to org A.
		wantError(t, f.send(t, "DELETE", "/api/v1/users/"+boss, adminKey, nil), http.StatusNotFound, "not_found", "")
	})

	t.Run("disabling ends the user's sessions at once", func(t *testing.T) {
		u := f.newUser(t, "dora@a.test", auth.RoleAnalyst)
		s := f.login(t, "dora@a.test", userPass)
		other := f.login(t, "dora@a.test", userPass)
		wantStatus(t, f.get(t, "/api/v1/me", s.AccessToken), http.StatusOK)

		r := f.send(t, "PATCH", "/api/v1/users/"+u.ID, pa.AccessToken, map[string]any{"disabled": true})
		wantStatus(t, r, http.StatusOK)
		if !decode[userJSON](t, r).Disabled {
			t.Errorf("PATCH answered %s", r)
		}
		wantError(t, f.get(t, "/api/v1/me", s.AccessToken), http.StatusUnauthorized, "invalid_token", "")
		wantError(t, f.refresh(t, s.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
		wantError(t, f.refresh(t, other.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
		// The right password does not let a disabled user in, and says no more
		// than a wrong one.
		wantError(t, f.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "dora@a.test", "password": userPass}),
			http.StatusUnauthorized, "invalid_credentials", "")

		// Re-enabled, the user signs in again; the old sessions stay dead.
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+u.ID, pa.AccessToken, map[string]any{"disabled": false}), http.StatusOK)
		wantError(t, f.refresh(t, other.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
		f.login(t, "dora@a.test", userPass)
		if all := decode[list[userJSON]](t, f.get(t, "/api/v1/users?size=1", pa.AccessToken)); len(all.Items) != 1 {
			t.Fatalf("size as the page size of a list: %d users", len(all.Items))
		}
		if byQuery := decode[list[userJSON]](t, f.get(t, "/api/v1/users?query=dora", pa.AccessToken)); len(byQuery.Items) != 1 {
			t.Fatalf("query as a list's search: %d users", len(byQuery.Items))
		}
		users := decode[list[userJSON]](t, f.get(t, "/api/v1/users?disabled=false&q=dora", pa.AccessToken))
		if users.Total != 1 || users.Items[0].ID != u.ID {
			t.Errorf("users?disabled=false&q=dora: %+v", users)
		}
	})

	t.Run("admin password reset ends the user's sessions", func(t *testing.T) {
		u := f.newUser(t, "reset@a.test", auth.RoleViewer)
		s := f.login(t, "reset@a.test", userPass)
		f.clock.Advance(time.Second)
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+u.ID, pa.AccessToken, map[string]any{"password": otherPass}), http.StatusOK)
		wantError(t, f.get(t, "/api/v1/me", s.AccessToken), http.StatusUnauthorized, "invalid_token", "")
		wantError(t, f.refresh(t, s.RefreshToken), http.StatusUnauthorized, "invalid_token", "")
		f.login(t, "reset@a.test", otherPass)
	})

	t.Run("a role change takes effect at once", func(t *testing.T) {
		u := f.newUser(t, "promo@a.test", auth.RoleTeamLead)
		s := f.login(t, "promo@a.test", userPass)
		wantStatus(t, f.send(t, "POST", "/api/v1/groups", s.AccessToken, map[string]any{"name": "leads"}), http.StatusCreated)
		wantStatus(t, f.send(t, "PATCH", "/api/v1/users/"+u.ID, pa.AccessToken, map[string]any{"role": "viewer"}), http.StatusOK)
		wantError(t, f.send(t, "POST", "/api/v1/groups", s.AccessToken, map[string]any{"name": "leads-2"}), http.StatusForbidden, "forbidden", "")
		me := decode[meJSON](t, f.get(t, "/api/v1/me", s.AccessToken))
		if me.Role != "viewer" || strings.Contains(strings.Join(me.Permissions, ","), "groups:write") {
			t.Errorf("after demotion: %+v", me)
		}
	})
}

// TestLogin covers wrong passwords, unknown accounts, lockout and the
// per-IP rate limit.
func TestLogin(t *testing.T) {
	f := newFixture(t)
	u := f.newUser(t, "lock@a.test", auth.RoleAnalyst)
	login := func(t *testing.T, email, pw string) response {
		t.Helper()
		return f.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": pw})
	}

	t.Run("wrong password and unknown user look alike", func(t *testing.T) {
		wrong := login(t, "lock@a.test", "Wrong-Passw0rd-1")
		unknown := login(t, "nobody@a.test", "Wrong-Passw0rd-1")
		wantError(t, wrong, http.StatusUnauthorized, "invalid_credentials", "")
		wantError(t, unknown, http.StatusUnauthorized, "invalid_credentials", "")
		if string(wrong.Body) != string(unknown.Body) {
			t.Errorf("bodies differ:\n%s\n%s", wrong.Body, unknown.Body)
		}
		// Upper case and spaces in the e-mail do not matter.
		s := decode[session](t, login(t, "  LOCK@A.test ", userPass))
		if s.User.ID != u.ID {
			t.Errorf("login with a differently written e-mail: %+v", s.User)
		}
		wantError(t, login(t, "", userPass), http.StatusBadRequest, "validation_failed", "email")
		wantError(t, login(t, "lock@a.test", ""), http.StatusBadRequest, "validation_failed", "password")
		wantError(t, login(t, "lock@a.test", strings.Repeat("x", 129)), http.StatusUnauthorized, "invalid_credentials", "")
	})

	t.Run("five failures lock the account", func(t *testing.T) {
		for i := 1; i <= 5; i++ {
			wantError(t, login(t, "lock@a.test", "Wrong-Passw0rd-"+strconv.Itoa(i)), http.StatusUnauthorized, "invalid_credentials", "")
		}
		stored := f.user(t, f.org.ID, u.ID)
		if stored.LockedUntil == nil {
			t.Fatal("five failures did not lock the account")
		}
		r := login(t, "lock@a.test", userPass)
		wantError(t, r, http.StatusTooManyRequests, "rate_limited", "")
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 15*60 {
			t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
		}
		if got := f.user(t, f.org.ID, u.ID).LastLoginAt; !reflect.DeepEqual(got, stored.LastLoginAt) {
			t.Error("a locked account's login was recorded")
		}
		admin := f.login(t, adminEmail, adminPass)
		if !decode[userJSON](t, f.get(t, "/api/v1/users/"+u.ID, admin.AccessToken)).Locked {
			t.Error("the user record does not say locked")
		}
		failed := f.auditEntries(t, f.org.ID, auditFilter("auth.login_failed", u.ID))
		if len(failed) < 5 || !strings.Contains(failed[0].Summary, "locked until") {
			t.Errorf("login failures audited: %d, newest %q", len(failed), failed[0].Summary)
		}
		// After the lockout the right password works again.
		f.clock.Advance(15*time.Minute + time.Second)
		f.login(t, "lock@a.test", userPass)
		if got := f.user(t, f.org.ID, u.ID); got.LockedUntil != nil || got.FailedLogins != 0 {
			t.Errorf("lock not cleared: %+v", got)
		}
	})

	t.Run("a success resets the failure count", func(t *testing.T) {
		for i := 0; i < 4; i++ {
			login(t, "lock@a.test", "Wrong-Passw0rd-x")
		}
		f.login(t, "lock@a.test", userPass)
		for i := 0; i < 4; i++ {
			login(t, "lock@a.test", "Wrong-Passw0rd-y")
		}
		f.login(t, "lock@a.test", userPass)
	})

	t.Run("per-IP rate limit", func(t *testing.T) {
		g := newFixture(t, fixtureConfig{
			auth: func(o *auth.Options) { o.LoginRatePerIP, o.LoginBurstPerIP = rate.Every(time.Hour), 3 },
			api:  func(o *api.Options) { o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} },
		})
		login := func(t *testing.T, ip, pw string) response {
			t.Helper()
			return g.do(t, request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"email": adminEmail, "password": pw},
				Header: map[string]string{"X-Forwarded-For": ip}})
		}
		for i := 0; i < 3; i++ {
			wantError(t, login(t, "203.0.113.7", "Wrong-Passw0rd-1"), http.StatusUnauthorized, "invalid_credentials", "")
		}
		r := login(t, "203.0.113.7", adminPass)
		wantError(t, r, http.StatusTooManyRequests, "rate_limited", "")
		if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 1 {
			t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
		}
		// Another client behind the trusted proxy has its own budget.
		wantStatus(t, login(t, "203.0.113.8", adminPass), http.StatusOK)
		// An address the proxy did not add is not believed: the left-most hop
		// is spoofable, the right-most untrusted one is the client.
		wantError(t, login(t, "198.51.100.1, 203.0.113.7", adminPass), http.StatusTooManyRequests, "rate_limited", "")
		// The refused attempts never reached the account: it is not locked.
		if u, err := g.st.Users().GetByEmail(g.ctx, adminEmail); err != nil || u.LockedUntil != nil {
			t.Errorf("admin after IP limiting: locked %v, err %v", u.LockedUntil, err)
		}
	})
}

// TestAPIKeys: keys are shown once, stored hashed, scoped to a role no
// higher than their creator's, usable as Bearer tokens and revocable.
func TestAPIKeys(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)

	r := f.send(t, "POST", "/api/v1/api-keys", admin.AccessToken, map[string]any{"name": "siem-forwarder", "role": "analyst", "expires_in_days": 30})
	wantStatus(t, r, http.StatusCreated)
	if r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", r.Header.Get("Cache-Control"))
	}
	k := decode[keyJSON](t, r)
	if !strings.HasPrefix(k.Key, auth.APIKeyPrefix) || len(k.Key) < 40 || k.Prefix != k.Key[:len(k.Prefix)] || k.Role != "analyst" || k.CreatedBy != admin.User.ID {
		t.Fatalf("created key: %+v", k)
	}
	stored, err := f.st.APIKeys().Get(f.ctx, f.org.ID, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Hash == "" || strings.Contains(stored.Hash, k.Key) || strings.Contains(k.Key, stored.Hash) {
		t.Errorf("the key is not stored hashed: %q", stored.Hash)
	}

	// Listed without the secret, and not yet used.
	r = f.get(t, "/api/v1/api-keys", admin.AccessToken)
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(string(r.Body), k.Key) || strings.Contains(string(r.Body), `"key"`) || strings.Contains(string(r.Body), stored.Hash) {
		t.Errorf("the key list shows the secret or its hash: %s", r)
	}
	keys := decode[list[keyJSON]](t, r)
	if len(keys.Items) != 1 || keys.Items[0].ID != k.ID || keys.Items[0].LastUsedAt != nil {
		t.Fatalf("keys: %+v", keys.Items)
	}

	// Usable as a Bearer token, with the key's role.
	me := decode[meJSON](t, f.get(t, "/api/v1/me", k.Key))
	if me.AuthMethod != "api_key" || me.Role != "analyst" || me.OrgID != f.org.ID || me.Name != "siem-forwarder" {
		t.Errorf("GET /me with the key: %+v", me)
	}
	wantStatus(t, f.get(t, "/api/v1/groups", k.Key), http.StatusOK)
	for _, p := range []string{"/api/v1/users", "/api/v1/api-keys", "/api/v1/audit", "/api/v1/orgs"} {
		wantError(t, f.get(t, p, k.Key), http.StatusForbidden, "forbidden", "")
	}
	wantError(t, f.send(t, "POST", "/api/v1/api-keys", k.Key, map[string]any{"name": "escalate", "role": "admin"}), http.StatusForbidden, "forbidden", "")
	// A key has no profile or password of its own.
	wantError(t, f.send(t, "POST", "/api/v1/me/password", k.Key, map[string]any{"current_password": "x", "new_password": otherPass}),
		http.StatusForbidden, "forbidden", "")

	// An ingest key sends events and can read nothing, not even itself.
	r = f.send(t, "POST", "/api/v1/api-keys", admin.AccessToken, map[string]any{"name": "shipper", "role": string(auth.RoleIngest)})
	wantStatus(t, r, http.StatusCreated)
	ingest := decode[keyJSON](t, r)
	for _, p := range []string{"/api/v1/me", "/api/v1/groups", "/api/v1/roles", "/api/v1/users"} {
		wantError(t, f.get(t, p, ingest.Key), http.StatusForbidden, "forbidden", "")
	}
	wantStatus(t, f.send(t, "DELETE", "/api/v1/api-keys/"+ingest.ID, admin.AccessToken, nil), http.StatusNoContent)

	keys = decode[list[keyJSON]](t, f.get(t, "/api/v1/api-keys", admin.AccessToken))
	if keys.Items[len(keys.Items)-1].ID != k.ID || keys.Items[len(keys.Items)-1].LastUsedAt == nil {
		t.Error("last_used_at not set after use")
	}

	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct {
			body  map[string]any
			code  string
			field string
		}{
			{map[string]any{"role": "analyst"}, "validation_failed", "name"},
			{map[string]any{"name": "x", "role": "god"}, "validation_failed", "role"},
			{map[string]any{"name": "x", "role": "viewer", "expires_in_days": -1}, "validation_failed", "expires_in_days"},
			{map[string]any{"name": "x", "role": "viewer", "expires_in_days": 3651}, "validation_failed", "expires_in_days"},
			{map[string]any{"name": "x", "role": "viewer", "expires_in_days": "30"}, "invalid_type", "expires_in_days"},
			{map[string]any{"name": strings.Repeat("k", 101), "role": "viewer"}, "validation_failed", "name"},
		} {
			wantError(t, f.send(t, "POST", "/api/v1/api-keys", admin.AccessToken, c.body), http.StatusBadRequest, c.code, c.field)
		}
		if ks, _ := f.st.APIKeys().List(f.ctx, f.org.ID); len(ks) != 2 {
			t.Errorf("refused creations stored keys: %d", len(ks))
		}
	})

	t.Run("a key's role is never above its creator's", func(t *testing.T) {
		for _, c := range []struct {
			creator, asked auth.Role
			ok             bool
		}{
			{auth.RoleTeamLead, auth.RoleAdmin, false},
			{auth.RoleAnalyst, auth.RoleSeniorAnalyst, false},
			{auth.RoleViewer, auth.RoleAnalyst, false},
			{auth.RoleTeamLead, auth.RoleTeamLead, true},
			{auth.RoleTeamLead, auth.RoleViewer, true},
			{auth.RoleAdmin, auth.RoleAdmin, true},
		} {
			actor := auth.Actor{Principal: auth.Principal{OrgID: f.org.ID, UserID: "someone", Email: "someone@a.test", Role: c.creator}}
			_, secret, err := f.svc.CreateAPIKey(f.ctx, actor, "scoped-"+string(c.creator)+"-"+string(c.asked), string(c.asked), 0)
			var ve *auth.ValidationError
			switch {
			case c.ok && err != nil:
				t.Errorf("%s creating a %s key: %v", c.creator, c.asked, err)
			case !c.ok && (!errors.As(err, &ve) || ve.Field != "role"):
				t.Errorf("%s creating a %s key: err %v, want a ValidationError on role", c.creator, c.asked, err)
			case !c.ok && secret != "":
				t.Errorf("a refused key has a secret")
			}
		}
	})

	t.Run("revoke", func(t *testing.T) {
		before := f.auditHead(t, f.org.ID)
		wantStatus(t, f.send(t, "DELETE", "/api/v1/api-keys/"+k.ID, admin.AccessToken, nil), http.StatusNoContent)
		wantError(t, f.get(t, "/api/v1/me", k.Key), http.StatusUnauthorized, "invalid_token", "")
		keys := decode[list[keyJSON]](t, f.get(t, "/api/v1/api-keys", admin.AccessToken))
		for _, it := range keys.Items {
			if it.ID == k.ID && it.RevokedAt == nil {
				t.Error("the revoked key is listed without revoked_at")
			}
		}
		if f.auditHead(t, f.org.ID) != before+1 {
			t.Error("revocation not audited")
		}
		wantError(t, f.send(t, "DELETE", "/api/v1/api-keys/no-such-key", admin.AccessToken, nil), http.StatusNotFound, "not_found", "")
	})
}

// TestAuditTrail checks that every change through the API is audited with
// who, what, from where and under which request ID, and that the audit
// endpoint's filters and paging work.
func TestAuditTrail(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)
	tok := admin.AccessToken
	type want struct {
		action, targetID, actor, requestID string
	}
	var wants []want
	expect := func(r response, action, targetID, actor string) {
		wants = append(wants, want{action, targetID, actor, r.Header.Get("X-Request-ID")})
	}

	r := f.send(t, "POST", "/api/v1/users", tok, map[string]any{"email": "aud@a.test", "name": "Aud", "role": "analyst", "password": userPass})
	wantStatus(t, r, http.StatusCreated)
	u := decode[userJSON](t, r)
	expect(r, "user.create", u.ID, adminEmail)
	r = f.send(t, "PATCH", "/api/v1/users/"+u.ID, tok, map[string]any{"team": "SOC"})
	wantStatus(t, r, http.StatusOK)
	expect(r, "user.update", u.ID, adminEmail)
	r = f.send(t, "POST", "/api/v1/groups", tok, map[string]any{"name": "Tier 1"})
	wantStatus(t, r, http.StatusCreated)
	g := decode[groupJSON](t, r)
	expect(r, "group.create", g.ID, adminEmail)
	r = f.send(t, "PUT", "/api/v1/groups/"+g.ID+"/members/"+u.ID, tok, nil)
	wantStatus(t, r, http.StatusOK)
	if gm := decode[groupJSON](t, r); len(gm.Members) != 1 || gm.Members[0].ID != u.ID {
		t.Errorf("group after adding a member: %+v", gm)
	}
	expect(r, "group.member_add", g.ID, adminEmail)
	wantError(t, f.send(t, "PUT", "/api/v1/groups/"+g.ID+"/members/"+u.ID, tok, nil), http.StatusConflict, "conflict", "user_id")
	r = f.send(t, "POST", "/api/v1/api-keys", tok, map[string]any{"name": "audited", "role": "viewer"})
	wantStatus(t, r, http.StatusCreated)
	k := decode[keyJSON](t, r)
	expect(r, "apikey.create", k.ID, adminEmail)
	r = f.send(t, "DELETE", "/api/v1/api-keys/"+k.ID, tok, nil)
	wantStatus(t, r, http.StatusNoContent)
	expect(r, "apikey.revoke", k.ID, adminEmail)

	// An hour later (the admin signs in again: the token has expired),
	// a second batch of changes on the other side of a boundary.
	f.clock.Advance(time.Hour)
	tok = f.login(t, adminEmail, adminPass).AccessToken
	f.clock.Advance(time.Second)
	boundary := f.clock.Now().UTC().Truncate(time.Second)
	f.clock.Advance(time.Second)

	r = f.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "aud@a.test", "password": "Wrong-Passw0rd-1"})
	wantStatus(t, r, http.StatusUnauthorized)
	expect(r, "auth.login_failed", u.ID, "aud@a.test")
	r = f.send(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "aud@a.test", "password": userPass})
	wantStatus(t, r, http.StatusOK)
	expect(r, "auth.login", u.ID, "aud@a.test")
	s := decode[session](t, r)
	r = f.send(t, "POST", "/api/v1/me/password", s.AccessToken, map[string]string{"current_password": userPass, "new_password": otherPass})
	wantStatus(t, r, http.StatusOK)
	expect(r, "user.password_change", u.ID, "aud@a.test")
	r = f.send(t, "DELETE", "/api/v1/users/"+u.ID, tok, nil)
	wantStatus(t, r, http.StatusNoContent)
	expect(r, "user.delete", u.ID, adminEmail)

	all := decode[auditPage](t, f.get(t, "/api/v1/audit?limit=500", tok))
	if all.NextCursor != nil {
		t.Errorf("a complete page has a next cursor: %v", *all.NextCursor)
	}
	for _, w := range wants {
		found := false
		for _, e := range all.Items {
			if e.Action == w.action && e.TargetID == w.targetID && e.RequestID == w.requestID {
				found = true
				if e.ActorEmail != w.actor || e.IP != "127.0.0.1" || e.Summary == "" || e.Time.IsZero() {
					t.Errorf("%s entry: %+v", w.action, e)
				}
			}
		}
		if !found {
			t.Errorf("no %s entry for %s under request %s", w.action, w.targetID, w.requestID)
		}
	}
	for i := 1; i < len(all.Items); i++ {
		if all.Items[i].Seq >= all.Items[i-1].Seq {
			t.Fatalf("not newest first at %d: %d then %d", i, all.Items[i-1].Seq, all.Items[i].Seq)
		}
	}

	query := func(t *testing.T, q url.Values) []auditJSON {
		t.Helper()
		r := f.get(t, "/api/v1/audit?"+q.Encode(), tok)
		wantStatus(t, r, http.StatusOK)
		return decode[auditPage](t, r).Items
	}
	t.Run("filters", func(t *testing.T) {
		users := query(t, url.Values{"action": {"user."}, "limit": {"500"}})
		if len(users) < 4 {
			t.Errorf("action=user.: %d entries", len(users))
		}
		for _, e := range users {
			if !strings.HasPrefix(e.Action, "user.") {
				t.Errorf("action=user. returned %s", e.Action)
			}
		}
		if got := query(t, url.Values{"action": {"user"}}); len(got) != 0 {
			t.Errorf("action=user (no dot) is exact and matches nothing, got %d", len(got))
		}
		if got := query(t, url.Values{"action": {"user_"}}); len(got) != 0 {
			t.Errorf("LIKE wildcards are not escaped: action=user_ matched %d", len(got))
		}
		for _, actor := range []string{"aud@a.test", "AUD@a.test", u.ID} {
			got := query(t, url.Values{"actor": {actor}})
			if len(got) != 3 {
				t.Errorf("actor=%s: %d entries, want 3", actor, len(got))
			}
			for _, e := range got {
				if e.ActorEmail != "aud@a.test" {
					t.Errorf("actor=%s returned %+v", actor, e)
				}
			}
		}
		if got := query(t, url.Values{"target_type": {"apikey"}, "target_id": {k.ID}}); len(got) != 2 {
			t.Errorf("target filter: %d entries", len(got))
		}
		since := query(t, url.Values{"since": {boundary.Format(time.RFC3339)}, "limit": {"500"}})
		until := query(t, url.Values{"until": {boundary.Format(time.RFC3339)}, "limit": {"500"}})
		if len(since) != 4 || len(since)+len(until) != len(all.Items) {
			t.Errorf("since %d + until %d entries, want 4 + %d", len(since), len(until), len(all.Items)-4)
		}
		for _, e := range since {
			if e.Time.Before(boundary) {
				t.Errorf("since returned %v", e.Time)
			}
		}
		for _, e := range until {
			if !e.Time.Before(boundary) {
				t.Errorf("until returned %v", e.Time)
			}
		}
	})

	t.Run("paging", func(t *testing.T) {
		seen := map[int64]bool{}
		cursor := ""
		pages := 0
		for {
			q := url.Values{"limit": {"3"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			r := f.get(t, "/api/v1/audit?"+q.Encode(), tok)
			wantStatus(t, r, http.StatusOK)
			p := decode[auditPage](t, r)
			pages++
			if len(p.Items) > 3 {
				t.Fatalf("page of %d", len(p.Items))
			}
			for _, e := range p.Items {
				if seen[e.Seq] {
					t.Errorf("entry %d on two pages", e.Seq)
				}
				seen[e.Seq] = true
			}
			if p.NextCursor == nil {
				break
			}
			if pages > 100 {
				t.Fatal("paging does not end")
			}
			cursor = *p.NextCursor
		}
		if len(seen) != len(all.Items) {
			t.Errorf("pages covered %d of %d entries", len(seen), len(all.Items))
		}
		if want := (len(all.Items) + 2) / 3; pages != want && pages != want+1 {
			t.Errorf("%d pages for %d entries", pages, len(all.Items))
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for _, c := range []struct{ query, field string }{
			{"since=yesterday", "since"},
			{"since=2026-01-02", "since"},
			{"until=12:00", "until"},
			{"cursor=abc", "cursor"},
			{"cursor=0", "cursor"},
			{"cursor=-5", "cursor"},
			{"limit=0", "limit"},
			{"limit=501", "limit"},
			{"limit=ten", "limit"},
			{"actor=" + strings.Repeat("a", 201), "actor"},
		} {
			wantError(t, f.get(t, "/api/v1/audit?"+c.query, tok), http.StatusBadRequest, "validation_failed", c.field)
		}
	})

	t.Run("verify", func(t *testing.T) {
		v := decode[map[string]any](t, f.get(t, "/api/v1/audit/verify", tok))
		if v["ok"] != true || int(v["entries"].(float64)) != len(all.Items) {
			t.Errorf("verify: %v (want %d entries)", v, len(all.Items))
		}
		// Editing a row behind the server's back is detected.
		seq := all.Items[len(all.Items)/2].Seq
		if err := f.st.ExecRaw(f.ctx, `UPDATE audit_log SET summary = 'nothing to see' WHERE org_id = ? AND seq = ?`, f.org.ID, seq); err != nil {
			t.Fatal(err)
		}
		v = decode[map[string]any](t, f.get(t, "/api/v1/audit/verify", tok))
		if v["ok"] != false || int64(v["broken_at_seq"].(float64)) != seq || v["reason"] == "" {
			t.Errorf("verify after tampering with %d: %v", seq, v)
		}
	})
}
