package auth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
	"github.com/eventsec/eventsec/internal/store/sqldb"
	"github.com/eventsec/eventsec/internal/store/sqlite"
)

const (
	adminPass = "Bootstrap-Passw0rd!"
	userPass  = "Quiet-Harbor-71-Lamp"
	newPass   = "Velvet-Comet-38-Rain"
)

// env is the auth service over a real SQLite store. Its clock runs a hook
// once when one is armed: the tests use it to make a concurrent change at
// an exact point of a service call.
type env struct {
	ctx   context.Context
	st    *sqldb.DB
	svc   *auth.Service
	org   store.Org
	admin auth.Actor
	hook  atomic.Pointer[func()]
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{ctx: t.Context()}
	st, err := sqlite.Open(e.ctx, filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	signer, err := auth.NewSigner([]byte("0123456789abcdef0123456789abcdef"), 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	e.svc = auth.NewService(auth.Options{Store: st, Signer: signer, Now: func() time.Time {
		if h := e.hook.Swap(nil); h != nil {
			(*h)()
		}
		return time.Now()
	}})
	out, created, err := e.svc.Bootstrap(e.ctx, "Org A", "admin@a.test", adminPass)
	if err != nil || !created {
		t.Fatalf("bootstrap: %v %v", created, err)
	}
	e.org = out.Org
	e.admin = auth.Actor{Principal: auth.Principal{OrgID: out.Org.ID, UserID: out.Admin.ID, Email: out.Admin.Email, Role: auth.RoleAdmin, PlatformAdmin: true}}
	return e
}

// armOnce makes the next clock reading run fn first.
func (e *env) armOnce(fn func()) { e.hook.Store(&fn) }

func (e *env) newUser(t *testing.T, email string, role auth.Role) store.User {
	t.Helper()
	u, err := e.svc.CreateUser(e.ctx, e.admin, auth.UserInput{Email: email, Name: email, Role: string(role), Password: userPass})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }

func TestBootstrapRunsOnce(t *testing.T) {
	e := newEnv(t)
	out, created, err := e.svc.Bootstrap(e.ctx, "Org Again", "other@a.test", adminPass)
	if err != nil || created || out.Org.ID != "" {
		t.Fatalf("second bootstrap: %+v %v %v", out, created, err)
	}
	orgs, err := e.svc.ListOrgs(e.ctx)
	if err != nil || len(orgs) != 1 || orgs[0].Name != "Org A" {
		t.Fatalf("orgs: %+v %v", orgs, err)
	}
	admin, err := e.st.Users().GetByEmail(e.ctx, "admin@a.test")
	if err != nil || !admin.PlatformAdmin || admin.Role != "admin" {
		t.Fatalf("bootstrap admin: %+v %v", admin, err)
	}
}

func TestCreateOrgGeneratesAPassword(t *testing.T) {
	e := newEnv(t)
	out, err := e.svc.CreateOrg(e.ctx, &e.admin, auth.OrgInput{Name: "Org B", AdminEmail: "Boss@B.test"})
	if err != nil {
		t.Fatal(err)
	}
	if out.GeneratedPassword == "" || out.Admin.Email != "boss@b.test" || out.Admin.PlatformAdmin || out.Admin.OrgID != out.Org.ID {
		t.Fatalf("created: %+v", out)
	}
	if _, err := e.svc.Login(e.ctx, "boss@b.test", out.GeneratedPassword, auth.ClientMeta{}); err != nil {
		t.Fatalf("the generated password does not sign in: %v", err)
	}
	// Audited in both orgs: the new one, and the creator's.
	for _, org := range []string{out.Org.ID, e.org.ID} {
		es, err := e.st.Audit().List(e.ctx, org, store.AuditFilter{Action: "org.create", TargetID: out.Org.ID})
		if err != nil || len(es) != 1 || es[0].ActorEmail != "admin@a.test" {
			t.Errorf("org.create in %s: %+v %v", org, es, err)
		}
	}
	// Duplicates and bad input name the field.
	for _, c := range []struct {
		in    auth.OrgInput
		field string
	}{
		{auth.OrgInput{Name: "Org B", AdminEmail: "x@b.test"}, "name"},
		{auth.OrgInput{Name: "Org C", AdminEmail: "boss@b.test"}, "admin_email"},
		{auth.OrgInput{Name: "Org C", AdminEmail: "nope"}, "admin_email"},
		{auth.OrgInput{Name: "Org C", AdminEmail: "c@c.test", AdminPassword: "weak"}, "admin_password"},
		{auth.OrgInput{Name: "", AdminEmail: "c@c.test"}, "name"},
	} {
		_, err := e.svc.CreateOrg(e.ctx, &e.admin, c.in)
		var ve *auth.ValidationError
		var ce *auth.ConflictError
		switch {
		case errors.As(err, &ve) && ve.Field == c.field:
		case errors.As(err, &ce) && ce.Field == c.field:
		default:
			t.Errorf("CreateOrg(%+v) = %v, want an error on %s", c.in, err, c.field)
		}
	}
	if orgs, _ := e.svc.ListOrgs(e.ctx); len(orgs) != 2 {
		t.Errorf("refused creations left %d orgs", len(orgs))
	}
}

func TestCreateAPIKeyNeverAboveItsCreator(t *testing.T) {
	e := newEnv(t)
	lead := auth.Actor{Principal: auth.Principal{OrgID: e.org.ID, UserID: "lead", Email: "lead@a.test", Role: auth.RoleTeamLead}}
	_, secret, err := e.svc.CreateAPIKey(e.ctx, lead, "too strong", "admin", 0)
	var ve *auth.ValidationError
	if !errors.As(err, &ve) || ve.Field != "role" || secret != "" {
		t.Fatalf("team_lead creating an admin key: %v", err)
	}
	if ks, _ := e.st.APIKeys().List(e.ctx, e.org.ID); len(ks) != 0 {
		t.Fatalf("a refused key was stored: %+v", ks)
	}
	k, secret, err := e.svc.CreateAPIKey(e.ctx, lead, "fine", "team_lead", 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.svc.Authenticate(e.ctx, secret)
	if err != nil || p.Role != auth.RoleTeamLead || p.APIKeyID != k.ID || p.OrgID != e.org.ID || p.User != nil || p.PlatformAdmin {
		t.Fatalf("authenticate with the key: %+v %v", p, err)
	}
}

// TestConcurrentRefreshOnlyOneWins: two clients racing with one refresh
// token cannot both get a session.
func TestConcurrentRefreshOnlyOneWins(t *testing.T) {
	e := newEnv(t)
	e.newUser(t, "racer@a.test", auth.RoleAnalyst)
	s, err := e.svc.Login(e.ctx, "racer@a.test", userPass, auth.ClientMeta{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var wg sync.WaitGroup
	var wins atomic.Int32
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.svc.Refresh(e.ctx, s.RefreshToken, auth.ClientMeta{}); err == nil {
				wins.Add(1)
			} else if !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("refresh: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() > 1 {
		t.Fatalf("%d concurrent refreshes with one token succeeded", wins.Load())
	}
}

// TestLoginDoesNotUndoAConcurrentAdminChange: an admin disables a user, or
// resets their password, while the user's login is checking the password
// (argon2 takes tens of milliseconds). The login must not write its stale
// copy of the user back over the admin's change.
func TestLoginDoesNotUndoAConcurrentAdminChange(t *testing.T) {
	t.Run("disable", func(t *testing.T) {
		e := newEnv(t)
		u := e.newUser(t, "victim@a.test", auth.RoleAnalyst)
		e.armOnce(func() {
			if _, err := e.svc.UpdateUser(e.ctx, e.admin, u.ID, auth.UserPatch{Disabled: ptr(true)}); err != nil {
				t.Errorf("disable: %v", err)
			}
		})
		_, err := e.svc.Login(e.ctx, "victim@a.test", userPass, auth.ClientMeta{})
		got, gerr := e.st.Users().Get(e.ctx, e.org.ID, u.ID)
		if gerr != nil {
			t.Fatal(gerr)
		}
		if !got.Disabled {
			t.Error("the login re-enabled a user an admin had just disabled")
		}
		if err == nil {
			t.Error("a user disabled during their login got a session")
		}
	})
	t.Run("password reset", func(t *testing.T) {
		e := newEnv(t)
		u := e.newUser(t, "victim@a.test", auth.RoleAnalyst)
		e.armOnce(func() {
			if _, err := e.svc.UpdateUser(e.ctx, e.admin, u.ID, auth.UserPatch{Password: ptr(newPass)}); err != nil {
				t.Errorf("reset: %v", err)
			}
		})
		_, _ = e.svc.Login(e.ctx, "victim@a.test", userPass, auth.ClientMeta{})
		got, err := e.st.Users().Get(e.ctx, e.org.ID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !auth.CheckPassword(got.PasswordHash, newPass) {
			t.Error("the login put back the password an admin had just reset")
		}
	})
}

// TestChangePasswordDoesNotUndoAConcurrentDisable: the same race in
// ChangePassword, which reads the user before hashing the new password.
func TestChangePasswordDoesNotUndoAConcurrentDisable(t *testing.T) {
	e := newEnv(t)
	u := e.newUser(t, "victim@a.test", auth.RoleAnalyst)
	self := auth.Actor{Principal: auth.Principal{OrgID: e.org.ID, UserID: u.ID, Email: u.Email, Role: auth.RoleAnalyst, User: &u},
		ClientMeta: auth.ClientMeta{IP: "192.0.2.10"}}
	e.armOnce(func() { // runs at the rate-limit check, after the user was read
		if _, err := e.svc.UpdateUser(e.ctx, e.admin, u.ID, auth.UserPatch{Disabled: ptr(true), Role: ptr("viewer")}); err != nil {
			t.Errorf("disable: %v", err)
		}
	})
	_, err := e.svc.ChangePassword(e.ctx, self, userPass, newPass)
	got, gerr := e.st.Users().Get(e.ctx, e.org.ID, u.ID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if !got.Disabled || got.Role != "viewer" {
		t.Errorf("the password change undid the admin's change: disabled %v, role %s", got.Disabled, got.Role)
	}
	if err == nil {
		t.Error("a user disabled during their password change got a session")
	}
}

func TestSignerKeys(t *testing.T) {
	if _, err := auth.NewSigner([]byte("short"), time.Minute); err == nil {
		t.Error("NewSigner accepts a 5-byte key")
	}
	path := filepath.Join(t.TempDir(), "keys", "jwt.key")
	k1, err := auth.LoadOrCreateKey(path)
	if err != nil || len(k1) < 32 {
		t.Fatalf("create: %d bytes, %v", len(k1), err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", fi, err)
	}
	k2, err := auth.LoadOrCreateKey(path)
	if err != nil || string(k1) != string(k2) {
		t.Fatalf("reload gave another key: %v", err)
	}
	short := filepath.Join(t.TempDir(), "short.key")
	if err := os.WriteFile(short, []byte("too-short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.LoadOrCreateKey(short); err == nil {
		t.Error("a short key file is accepted")
	}
}
