// Package storetest is the conformance suite every store.Store backend must
// pass. Backends call Run from their own tests with a constructor that
// returns a fresh, migrated, empty store.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/audit"
	"github.com/eventsec/eventsec/internal/store"
)

// Backend is what the suite needs from a backend under test.
type Backend struct {
	// New returns a fresh, empty, migrated store. The suite closes it.
	New func(t *testing.T) store.Store
	// Tamper rewrites one audit row's summary behind the store's back, to
	// prove that verification notices.
	Tamper func(t *testing.T, s store.Store, orgID string, seq int64)
}

// Run runs the whole suite.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store, b Backend)
	}{
		{"Orgs", testOrgs},
		{"Users", testUsers},
		{"UsersListFilter", testUsersList},
		{"TenantScoping", testTenantScoping},
		{"Groups", testGroups},
		{"APIKeys", testAPIKeys},
		{"Sessions", testSessions},
		{"TxRollback", testTxRollback},
		{"TxLazy", testTxLazy},
		{"AuditChain", testAuditChain},
		{"AuditConcurrentAppends", testAuditConcurrent},
		{"AuditFilters", testAuditFilters},
		{"Rules", testRules},
		{"RuleExceptionsAndStats", testRuleExceptions},
		{"Placeholders", testPlaceholders},
		{"Alerts", testAlerts},
		{"AlertRuleDocument", testAlertRuleDocument},
		{"AlertsTx", testAlertsTx},
		{"AlertReadModifyWrite", testAlertReadModifyWrite},
		{"AlertFold", testAlertFold},
		{"AlertTimes", testAlertTimes},
		{"TxBusy", testTxBusy},
		{"Checkpoints", testCheckpoints},
		{"Hunting", testHunting},
		{"Endpoints", testEndpoints},
		{"Intel", testIntel},
		{"AlertTriage", testAlertTriage},
		{"Incidents", testIncidents},
		{"TasksAndWorkplans", testTasksAndWorkplans},
		{"NotesAndAttachments", testNotesAndAttachments},
		{"ResponseMisc", testResponseMisc},
		{"Notify", testNotify},
		{"Email", testEmail},
		{"Sandbox", testSandbox},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := b.New(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s, b)
		})
	}
}

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func mustOrg(t *testing.T, s store.Store, id string) store.Org {
	t.Helper()
	o := store.Org{ID: id, Name: "Org " + id, CreatedAt: t0}
	if err := s.Orgs().Create(context.Background(), o); err != nil {
		t.Fatalf("create org: %v", err)
	}
	return o
}

func newUser(org, id, email, role string) store.User {
	return store.User{ID: id, OrgID: org, Email: email, Name: "Name " + id, Role: role, PasswordHash: "h-" + id,
		PasswordChangedAt: t0, CreatedAt: t0, UpdatedAt: t0}
}

func mustUser(t *testing.T, s store.Store, org, id, email, role string) store.User {
	t.Helper()
	u := newUser(org, id, email, role)
	if err := s.Users().Create(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", id, err)
	}
	return u
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func testOrgs(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustOrg(t, s, "o2")
	wantErr(t, s.Orgs().Create(ctx, store.Org{ID: "o3", Name: "Org o1", CreatedAt: t0}), store.ErrConflict, "duplicate org name")
	got, err := s.Orgs().Get(ctx, "o2")
	if err != nil || got.Name != "Org o2" || !got.CreatedAt.Equal(t0) {
		t.Fatalf("get org: %+v %v", got, err)
	}
	_, err = s.Orgs().Get(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "missing org")
	all, err := s.Orgs().List(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("list orgs: %d %v", len(all), err)
	}
	if got.RetentionDays != store.DefaultRetentionDays {
		t.Fatalf("default retention = %d", got.RetentionDays)
	}
	got.RetentionDays = 90
	if err := s.Orgs().Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Orgs().Get(ctx, "o2"); again.RetentionDays != 90 {
		t.Fatalf("retention not updated: %+v", again)
	}
	wantErr(t, s.Orgs().Update(ctx, store.Org{ID: "nope", Name: "x", RetentionDays: 1}), store.ErrNotFound, "update missing org")
}

func testUsers(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	u := newUser("o1", "u1", "ana@example.com", "admin")
	locked := t0.Add(time.Minute)
	u.LockedUntil = &locked
	u.Team, u.Manager, u.Computer, u.MobilePhone = "SOC", "Luis", "LT-1", "+34 600"
	if err := s.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Users().Create(ctx, newUser("o1", "u2", "ana@example.com", "viewer")), store.ErrConflict, "duplicate e-mail")
	got, err := s.Users().Get(ctx, "o1", "u1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Team != "SOC" || got.Manager != "Luis" || got.Computer != "LT-1" || got.MobilePhone != "+34 600" ||
		got.LockedUntil == nil || !got.LockedUntil.Equal(locked) || got.LastLoginAt != nil || got.Disabled {
		t.Fatalf("round trip lost fields: %+v", got)
	}
	byEmail, err := s.Users().GetByEmail(ctx, "ANA@example.com")
	if err != nil || byEmail.ID != "u1" {
		t.Fatalf("get by e-mail: %+v %v", byEmail, err)
	}
	got.Disabled, got.Role, got.LockedUntil = true, "analyst", nil
	now := t0.Add(time.Hour)
	got.LastLoginAt = &now
	if err := s.Users().Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Users().Get(ctx, "o1", "u1")
	if !again.Disabled || again.Role != "analyst" || again.LockedUntil != nil || again.LastLoginAt == nil {
		t.Fatalf("update lost: %+v", again)
	}
	n, err := s.Users().CountActiveAdmins(ctx, "o1")
	if err != nil || n != 0 {
		t.Fatalf("active admins = %d %v, want 0", n, err)
	}
	mustUser(t, s, "o1", "u3", "bo@example.com", "admin")
	if n, _ := s.Users().CountActiveAdmins(ctx, "o1"); n != 1 {
		t.Fatalf("active admins = %d, want 1", n)
	}
	if err := s.Users().Delete(ctx, "o1", "u1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Users().Get(ctx, "o1", "u1")
	wantErr(t, err, store.ErrNotFound, "deleted user")
	wantErr(t, s.Users().Delete(ctx, "o1", "u1"), store.ErrNotFound, "delete twice")
	if n, _ := s.Users().CountAll(ctx); n != 1 {
		t.Fatalf("count all = %d, want 1", n)
	}
}

func testUsersList(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	for i := 0; i < 7; i++ {
		role := "analyst"
		if i%3 == 0 {
			role = "viewer"
		}
		mustUser(t, s, "o1", fmt.Sprintf("u%d", i), fmt.Sprintf("user%d@example.com", i), role)
	}
	mustUser(t, s, "o1", "odd", "per_cent%@example.com", "admin")
	list, total, err := s.Users().List(ctx, "o1", store.UserFilter{Limit: 3, Offset: 3})
	if err != nil || total != 8 || len(list) != 3 || list[0].Email != "user2@example.com" {
		t.Fatalf("page: total=%d len=%d first=%v err=%v", total, len(list), list, err)
	}
	_, total, _ = s.Users().List(ctx, "o1", store.UserFilter{Role: "viewer"})
	if total != 3 {
		t.Fatalf("role filter total = %d, want 3", total)
	}
	list, total, _ = s.Users().List(ctx, "o1", store.UserFilter{Query: "%"})
	if total != 1 || list[0].ID != "odd" {
		t.Fatalf("LIKE wildcards must be literal: total=%d", total)
	}
	list, _, _ = s.Users().List(ctx, "o1", store.UserFilter{Query: "USER4"})
	if len(list) != 1 || list[0].ID != "u4" {
		t.Fatalf("case-insensitive search: %v", list)
	}
	f := false
	_, total, _ = s.Users().List(ctx, "o1", store.UserFilter{Disabled: &f})
	if total != 8 {
		t.Fatalf("disabled=false total = %d", total)
	}
}

// testTenantScoping proves that no org-scoped method reaches another org's rows.
func testTenantScoping(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "a")
	mustOrg(t, s, "b")
	ub := mustUser(t, s, "b", "ub", "b@example.com", "admin")
	mustUser(t, s, "a", "ua", "a@example.com", "admin")
	_, err := s.Users().Get(ctx, "a", "ub")
	wantErr(t, err, store.ErrNotFound, "get other org's user")
	ub.OrgID = "a"
	ub.Name = "hijacked"
	wantErr(t, s.Users().Update(ctx, ub), store.ErrNotFound, "update other org's user")
	wantErr(t, s.Users().Delete(ctx, "a", "ub"), store.ErrNotFound, "delete other org's user")
	list, total, _ := s.Users().List(ctx, "a", store.UserFilter{})
	if total != 1 || list[0].ID != "ua" {
		t.Fatalf("list leaks across orgs: %v", list)
	}
	g := store.Group{ID: "gb", OrgID: "b", Name: "B team", CreatedAt: t0, UpdatedAt: t0}
	if err := s.Groups().Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	_, err = s.Groups().Get(ctx, "a", "gb")
	wantErr(t, err, store.ErrNotFound, "get other org's group")
	wantErr(t, s.Groups().AddMember(ctx, "a", "gb", "ua"), store.ErrNotFound, "add to other org's group")
	ga := store.Group{ID: "ga", OrgID: "a", Name: "A team", CreatedAt: t0, UpdatedAt: t0}
	if err := s.Groups().Create(ctx, ga); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Groups().AddMember(ctx, "a", "ga", "ub"), store.ErrNotFound, "add other org's user")
	wantErr(t, s.Groups().Delete(ctx, "a", "gb"), store.ErrNotFound, "delete other org's group")
	k := store.APIKey{ID: "kb", OrgID: "b", Name: "k", Role: "viewer", Prefix: "esk_x", Hash: "hb", CreatedBy: "ub", CreatedAt: t0}
	if err := s.APIKeys().Create(ctx, k); err != nil {
		t.Fatal(err)
	}
	_, err = s.APIKeys().Get(ctx, "a", "kb")
	wantErr(t, err, store.ErrNotFound, "get other org's key")
	wantErr(t, s.APIKeys().Revoke(ctx, "a", "kb", t0), store.ErrNotFound, "revoke other org's key")
	if keys, _ := s.APIKeys().List(ctx, "a"); len(keys) != 0 {
		t.Fatalf("key list leaks: %v", keys)
	}
	if _, err := s.Audit().Append(ctx, store.AuditEntry{OrgID: "b", Time: t0, Action: "x"}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := s.Audit().List(ctx, "a", store.AuditFilter{}); len(entries) != 0 {
		t.Fatalf("audit leaks: %v", entries)
	}
}

func testGroups(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustUser(t, s, "o1", "u1", "u1@example.com", "analyst")
	mustUser(t, s, "o1", "u2", "u2@example.com", "analyst")
	g := store.Group{ID: "g1", OrgID: "o1", Name: "Tier 1", Description: "first line", CreatedAt: t0, UpdatedAt: t0}
	if err := s.Groups().Create(ctx, g); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Groups().Create(ctx, store.Group{ID: "g2", OrgID: "o1", Name: "Tier 1", CreatedAt: t0, UpdatedAt: t0}), store.ErrConflict, "duplicate group name")
	for _, u := range []string{"u2", "u1"} {
		if err := s.Groups().AddMember(ctx, "o1", "g1", u); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, s.Groups().AddMember(ctx, "o1", "g1", "u1"), store.ErrConflict, "add member twice")
	got, err := s.Groups().Get(ctx, "o1", "g1")
	if err != nil || len(got.Members) != 2 || got.Members[0].Email != "u1@example.com" {
		t.Fatalf("members: %+v %v", got, err)
	}
	if err := s.Groups().RemoveMember(ctx, "o1", "g1", "u1"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Groups().RemoveMember(ctx, "o1", "g1", "u1"), store.ErrNotFound, "remove twice")
	got.Name, got.Description, got.UpdatedAt = "Tier 2", "second", t0.Add(time.Hour)
	if err := s.Groups().Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	// Deleting a user removes their memberships.
	if err := s.Users().Delete(ctx, "o1", "u2"); err != nil {
		t.Fatal(err)
	}
	list, err := s.Groups().List(ctx, "o1")
	if err != nil || len(list) != 1 || list[0].Name != "Tier 2" || len(list[0].Members) != 0 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := s.Groups().Delete(ctx, "o1", "g1"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Groups().Get(ctx, "o1", "g1")
	wantErr(t, err, store.ErrNotFound, "deleted group")
}

func testAPIKeys(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	exp := t0.Add(24 * time.Hour)
	k := store.APIKey{ID: "k1", OrgID: "o1", Name: "siem", Role: "analyst", Prefix: "esk_abcd", Hash: "h1", CreatedBy: "u1", CreatedAt: t0, ExpiresAt: &exp}
	if err := s.APIKeys().Create(ctx, k); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.APIKeys().Create(ctx, store.APIKey{ID: "k2", OrgID: "o1", Name: "x", Role: "viewer", Hash: "h1", CreatedAt: t0}), store.ErrConflict, "duplicate hash")
	got, err := s.APIKeys().GetByHash(ctx, "h1")
	if err != nil || got.ID != "k1" || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	if err := s.APIKeys().TouchLastUsed(ctx, "k1", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.APIKeys().Revoke(ctx, "o1", "k1", t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.APIKeys().Revoke(ctx, "o1", "k1", t0), store.ErrNotFound, "revoke twice")
	list, err := s.APIKeys().List(ctx, "o1")
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil || list[0].LastUsedAt == nil {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func testSessions(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	mustUser(t, s, "o1", "u1", "u1@example.com", "analyst")
	tok := store.RefreshToken{ID: "r1", OrgID: "o1", UserID: "u1", FamilyID: "f1", Hash: "rh1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), UserAgent: "ua", ClientIP: "127.0.0.1"}
	if err := s.Sessions().Create(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if err := s.Sessions().MarkRotated(ctx, "r1", t0); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.Sessions().MarkRotated(ctx, "r1", t0), store.ErrConflict, "rotate twice")
	tok2 := tok
	tok2.ID, tok2.Hash = "r2", "rh2"
	if err := s.Sessions().Create(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	if err := s.Sessions().RevokeFamily(ctx, "f1", t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.Sessions().GetByHash(ctx, "rh2")
	if err != nil || got.RevokedAt == nil || got.ClientIP != "127.0.0.1" {
		t.Fatalf("revoked family: %+v %v", got, err)
	}
	wantErr(t, s.Sessions().MarkRotated(ctx, "r2", t0), store.ErrConflict, "rotate revoked")
	tok3 := tok
	tok3.ID, tok3.Hash, tok3.FamilyID = "r3", "rh3", "f2"
	if err := s.Sessions().Create(ctx, tok3); err != nil {
		t.Fatal(err)
	}
	if err := s.Sessions().RevokeUser(ctx, "o1", "u1", t0); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Sessions().GetByHash(ctx, "rh3")
	if got.RevokedAt == nil {
		t.Fatal("RevokeUser left a session")
	}
	_, err = s.Sessions().GetByHash(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "missing token")
}

// testTxLazy: a lazy transaction commits and rolls back as Tx does, and
// the transactions after it work as before.
func testTxLazy(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	if err := s.TxLazy(ctx, func(r store.Repos) error {
		return r.Checkpoints().Set(ctx, "lazy", 7, t0)
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Checkpoints().Get(ctx, "lazy"); err != nil || n != 7 {
		t.Fatalf("after a lazy commit: %d, %v", n, err)
	}
	boom := errors.New("boom")
	if err := s.TxLazy(ctx, func(r store.Repos) error {
		if err := r.Checkpoints().Set(ctx, "lazy", 8, t0); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("want boom, got %v", err)
	}
	if n, err := s.Checkpoints().Get(ctx, "lazy"); err != nil || n != 7 {
		t.Fatalf("after a rolled back lazy transaction: %d, %v", n, err)
	}
	if err := s.Tx(ctx, func(r store.Repos) error {
		n, err := r.Checkpoints().Get(ctx, "lazy")
		if err != nil || n != 7 {
			return fmt.Errorf("inside Tx: %d, %v", n, err)
		}
		return r.Checkpoints().Set(ctx, "lazy", 9, t0)
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Checkpoints().Get(ctx, "lazy"); err != nil || n != 9 {
		t.Fatalf("after Tx: %d, %v", n, err)
	}
}

func testTxRollback(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	mustOrg(t, s, "o1")
	boom := errors.New("boom")
	err := s.Tx(ctx, func(r store.Repos) error {
		if err := r.Users().Create(ctx, newUser("o1", "u1", "u1@example.com", "admin")); err != nil {
			return err
		}
		if _, err := r.Audit().Append(ctx, store.AuditEntry{OrgID: "o1", Time: t0, Action: "user.create"}); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, err, boom, "tx error")
	_, err = s.Users().Get(ctx, "o1", "u1")
	wantErr(t, err, store.ErrNotFound, "rolled-back user")
	if seq, _, _ := s.Audit().Head(ctx, "o1"); seq != 0 {
		t.Fatalf("rolled-back audit head = %d", seq)
	}
	err = s.Tx(ctx, func(r store.Repos) error {
		return r.Users().Create(ctx, newUser("o1", "u1", "u1@example.com", "admin"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users().Get(ctx, "o1", "u1"); err != nil {
		t.Fatalf("committed user: %v", err)
	}
}

func testAuditChain(t *testing.T, s store.Store, b Backend) {
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		e, err := s.Audit().Append(ctx, store.AuditEntry{OrgID: "o1", Time: t0.Add(time.Duration(i) * time.Second),
			ActorID: "u1", ActorEmail: "a@example.com", Action: "user.update", TargetType: "user", TargetID: "u2",
			Summary: fmt.Sprintf("change %d", i), ClientIP: "10.0.0.1", RequestID: "r"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq != int64(i) || e.Hash == "" || (i == 1 && e.PrevHash != audit.Genesis) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	res, err := audit.Verify(ctx, s.Audit(), "o1")
	if err != nil || !res.OK || res.Entries != 5 {
		t.Fatalf("verify: %+v %v", res, err)
	}
	if b.Tamper == nil {
		t.Skip("backend has no Tamper hook")
	}
	b.Tamper(t, s, "o1", 3)
	res, err = audit.Verify(ctx, s.Audit(), "o1")
	if err != nil || res.OK || res.BrokenAtSeq != 3 {
		t.Fatalf("tampered chain verified: %+v %v", res, err)
	}
}

func testAuditConcurrent(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			org := []string{"o1", "o2"}[i%2]
			errs <- s.Tx(ctx, func(r store.Repos) error {
				_, err := r.Audit().Append(ctx, store.AuditEntry{OrgID: org, Time: t0, Action: "x", Summary: fmt.Sprint(i)})
				return err
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, org := range []string{"o1", "o2"} {
		res, err := audit.Verify(ctx, s.Audit(), org)
		if err != nil || !res.OK || res.Entries != 20 {
			t.Fatalf("%s after concurrent appends: %+v %v", org, res, err)
		}
	}
}

func testAuditFilters(t *testing.T, s store.Store, _ Backend) {
	ctx := context.Background()
	add := func(i int, actor, action string) {
		_, err := s.Audit().Append(ctx, store.AuditEntry{OrgID: "o1", Time: t0.Add(time.Duration(i) * time.Minute),
			ActorID: actor, ActorEmail: actor + "@example.com", Action: action, TargetType: "user", TargetID: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
	}
	add(1, "ana", "user.create")
	add(2, "bo", "user.update")
	add(3, "ana", "group.create")
	add(4, "ana", "user.delete")
	got, _ := s.Audit().List(ctx, "o1", store.AuditFilter{Action: "user."})
	if len(got) != 3 || got[0].Seq != 4 {
		t.Fatalf("prefix filter: %v", got)
	}
	got, _ = s.Audit().List(ctx, "o1", store.AuditFilter{Actor: "ana@example.com", Limit: 2})
	if len(got) != 2 || got[0].Seq != 4 || got[1].Seq != 3 {
		t.Fatalf("actor filter + limit: %v", got)
	}
	got, _ = s.Audit().List(ctx, "o1", store.AuditFilter{Actor: "ana", BeforeSeq: 3})
	if len(got) != 1 || got[0].Seq != 1 {
		t.Fatalf("cursor: %v", got)
	}
	since, until := t0.Add(2*time.Minute), t0.Add(4*time.Minute)
	got, _ = s.Audit().List(ctx, "o1", store.AuditFilter{Since: &since, Until: &until})
	if len(got) != 2 {
		t.Fatalf("time range: %v", got)
	}
	got, _ = s.Audit().List(ctx, "o1", store.AuditFilter{TargetType: "user", TargetID: "2"})
	if len(got) != 1 || got[0].ActorID != "bo" {
		t.Fatalf("target filter: %v", got)
	}
}
