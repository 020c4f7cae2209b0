package auth_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/auth"
)

func errorAs(err error, target any) bool { return errors.As(err, target) }

func TestRoleOrder(t *testing.T) {
	if !slices.Equal(auth.Roles, []auth.Role{auth.RoleAdmin, auth.RoleTeamLead, auth.RoleSeniorAnalyst, auth.RoleAnalyst, auth.RoleViewer}) {
		t.Fatalf("Roles = %v", auth.Roles)
	}
	for i, a := range auth.Roles {
		if !a.Valid() {
			t.Errorf("%s not valid", a)
		}
		if auth.RoleDescriptions[a] == "" {
			t.Errorf("%s has no description", a)
		}
		for j, b := range auth.Roles {
			if got, want := a.AtLeast(b), i <= j; got != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", a, b, got, want)
			}
		}
	}
	// The ingest role is for API keys only and ranks below every user role.
	if auth.RoleIngest.Valid() || !auth.RoleIngest.ValidForAPIKey() || auth.RoleDescriptions[auth.RoleIngest] == "" {
		t.Error("ingest must be an API-key-only role with a description")
	}
	for _, r := range auth.Roles {
		if !r.ValidForAPIKey() || !r.AtLeast(auth.RoleIngest) || auth.RoleIngest.AtLeast(r) {
			t.Errorf("%s and ingest are misordered", r)
		}
	}
	for _, bad := range []auth.Role{"", "root", "Admin", "admin "} {
		if bad.Valid() || bad.ValidForAPIKey() {
			t.Errorf("%q is valid", bad)
		}
		for _, r := range auth.Roles {
			if bad.AtLeast(r) || r.AtLeast(bad) {
				t.Errorf("AtLeast compares the unknown role %q with %s", bad, r)
			}
		}
	}
}

func TestCan(t *testing.T) {
	for _, c := range []struct {
		role     auth.Role
		platform bool
		perm     auth.Permission
		want     bool
	}{
		{auth.RoleAdmin, false, auth.PermUsersWrite, true},
		{auth.RoleAdmin, false, auth.PermAuditRead, true},
		{auth.RoleAdmin, false, auth.PermPlatform, false},
		{auth.RoleAdmin, true, auth.PermPlatform, true},
		{auth.RoleViewer, true, auth.PermPlatform, true},
		{auth.RoleViewer, true, auth.PermUsersRead, false}, // the platform flag grants only PermPlatform
		{auth.RoleTeamLead, false, auth.PermGroupsWrite, true},
		{auth.RoleTeamLead, false, auth.PermUsersRead, true}, // to staff groups
		{auth.RoleTeamLead, false, auth.PermUsersWrite, false},
		{auth.RoleTeamLead, false, auth.PermAPIKeysWrite, false},
		{auth.RoleSeniorAnalyst, false, auth.PermGroupsWrite, false},
		{auth.RoleAnalyst, false, auth.PermGroupsRead, true},
		{auth.RoleAnalyst, false, auth.PermAuditRead, false},
		{auth.RoleViewer, false, auth.PermAuthenticated, true},
		{auth.RoleViewer, false, auth.PermRolesRead, true},
		{auth.RoleViewer, false, auth.PermAPIKeysRead, false},
		{"root", false, auth.PermAuthenticated, false},
		{"", false, auth.PermGroupsRead, false},
		{auth.RoleAdmin, false, "made:up", false},
	} {
		if got := auth.Can(c.role, c.platform, c.perm); got != c.want {
			t.Errorf("Can(%q, %v, %s) = %v, want %v", c.role, c.platform, c.perm, got, c.want)
		}
		p := auth.Principal{Role: c.role, PlatformAdmin: c.platform}
		if p.Can(c.perm) != c.want {
			t.Errorf("Principal{%s}.Can(%s) disagrees with Can", c.role, c.perm)
		}
	}
}

// TestPermissionTable: admin holds every permission any role holds, a more
// powerful role holds everything a less powerful one does, every role can
// use its own account, and no role grants the platform permission.
func TestPermissionTable(t *testing.T) {
	for _, r := range auth.APIKeyRoles {
		perms := auth.RolePermissions(r)
		if len(perms) == 0 {
			t.Errorf("%s has no permissions", r)
		}
		if slices.Contains(perms, auth.PermPlatform) {
			t.Errorf("%s grants %s, which only the platform flag may", r, auth.PermPlatform)
		}
		seen := map[auth.Permission]bool{}
		for _, p := range perms {
			if seen[p] {
				t.Errorf("%s lists %s twice", r, p)
			}
			seen[p] = true
			if !auth.Can(auth.RoleAdmin, false, p) {
				t.Errorf("%s holds %s but admin does not", r, p)
			}
		}
	}
	// The ingest role reads nothing: a key copied into a shipper's
	// configuration must not expose data.
	for _, p := range auth.RolePermissions(auth.RoleIngest) {
		if strings.HasSuffix(string(p), ":read") || p == auth.PermAuthenticated {
			t.Errorf("ingest holds %s", p)
		}
	}
	for i, r := range auth.Roles {
		perms := auth.RolePermissions(r)
		if !slices.Contains(perms, auth.PermAuthenticated) {
			t.Errorf("%s cannot use its own account", r)
		}
		for _, p := range perms {
			for _, stronger := range auth.Roles[:i] {
				if !auth.Can(stronger, false, p) {
					t.Errorf("%s holds %s but the more powerful %s does not", r, p, stronger)
				}
			}
		}
	}
	// RolePermissions returns a copy: changing it changes nothing.
	p := auth.RolePermissions(auth.RoleViewer)
	p[0] = auth.PermUsersWrite
	if auth.Can(auth.RoleViewer, false, auth.PermUsersWrite) {
		t.Fatal("RolePermissions exposes the table")
	}
	if auth.RolePermissions("root") != nil {
		t.Error("an unknown role has permissions")
	}
}
