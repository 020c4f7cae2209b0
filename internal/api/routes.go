package api

import "github.com/eventsec/eventsec/internal/auth"

// routeTable is every API route: method, path, the permission it needs,
// its handler and its OpenAPI description. A route without a permission
// is public; api_test walks every route against every role.
func (s *Server) routeTable() []route {
	const (
		tagAuth  = "Authentication"
		tagMe    = "My account"
		tagUsers = "Users"
		tagGroup = "Work groups"
		tagKeys  = "API keys"
		tagAudit = "Audit log"
		tagOrgs  = "Organisations"
	)
	return []route{
		{Method: "POST", Path: "/api/v1/auth/login", Tag: tagAuth, Summary: "Sign in with e-mail and password",
			Request: "LoginRequest", Response: "Session", Status: 200, Handle: s.login},
		{Method: "POST", Path: "/api/v1/auth/refresh", Tag: tagAuth, Summary: "Exchange a refresh token (body or cookie) for a new session",
			Request: "RefreshRequest", Response: "Session", Status: 200, Handle: s.refresh},
		{Method: "POST", Path: "/api/v1/auth/logout", Tag: tagAuth, Summary: "Sign out: revoke the session and clear its cookies",
			Request: "RefreshRequest", Status: 204, Handle: s.logout},

		{Method: "GET", Path: "/api/v1/me", Perm: auth.PermAuthenticated, Tag: tagMe, Summary: "The caller's user record and permissions",
			Response: "Me", Status: 200, Handle: s.me},
		{Method: "PATCH", Path: "/api/v1/me", Perm: auth.PermAuthenticated, Tag: tagMe, Summary: "Edit one's own profile",
			Request: "ProfilePatch", Response: "User", Status: 200, Handle: s.updateMe},
		{Method: "POST", Path: "/api/v1/me/password", Perm: auth.PermAuthenticated, Tag: tagMe, Summary: "Change one's own password (revokes other sessions)",
			Request: "PasswordChange", Response: "Session", Status: 200, Handle: s.changePassword},
		{Method: "GET", Path: "/api/v1/roles", Perm: auth.PermRolesRead, Tag: tagMe, Summary: "Roles and their permissions",
			Response: "RoleList", Status: 200, Handle: s.listRoles},

		{Method: "GET", Path: "/api/v1/users", Perm: auth.PermUsersRead, Tag: tagUsers, Summary: "List users of the organisation",
			Response: "UserList", Status: 200, Handle: s.listUsers, Query: []queryParam{
				{"q", "string", "substring of e-mail or name"}, {"role", "string", "exact role"},
				{"disabled", "boolean", "true or false"}, {"limit", "integer", "1 to 500, default 50"}, {"offset", "integer", "default 0"}}},
		{Method: "POST", Path: "/api/v1/users", Perm: auth.PermUsersWrite, Tag: tagUsers, Summary: "Create a user",
			Request: "UserCreate", Response: "User", Status: 201, Handle: s.createUser},
		{Method: "GET", Path: "/api/v1/users/{id}", Perm: auth.PermUsersRead, Tag: tagUsers, Summary: "Get a user",
			Response: "User", Status: 200, Handle: s.getUser},
		{Method: "PATCH", Path: "/api/v1/users/{id}", Perm: auth.PermUsersWrite, Tag: tagUsers, Summary: "Edit a user: profile, role, e-mail, disabled, password",
			Request: "UserPatch", Response: "User", Status: 200, Handle: s.updateUser},
		{Method: "DELETE", Path: "/api/v1/users/{id}", Perm: auth.PermUsersWrite, Tag: tagUsers, Summary: "Delete a user",
			Status: 204, Handle: s.deleteUser},

		{Method: "GET", Path: "/api/v1/groups", Perm: auth.PermGroupsRead, Tag: tagGroup, Summary: "List work groups with their members",
			Response: "GroupList", Status: 200, Handle: s.listGroups},
		{Method: "POST", Path: "/api/v1/groups", Perm: auth.PermGroupsWrite, Tag: tagGroup, Summary: "Create a work group",
			Request: "GroupCreate", Response: "Group", Status: 201, Handle: s.createGroup},
		{Method: "GET", Path: "/api/v1/groups/{id}", Perm: auth.PermGroupsRead, Tag: tagGroup, Summary: "Get a work group",
			Response: "Group", Status: 200, Handle: s.getGroup},
		{Method: "PATCH", Path: "/api/v1/groups/{id}", Perm: auth.PermGroupsWrite, Tag: tagGroup, Summary: "Rename or re-describe a work group",
			Request: "GroupPatch", Response: "Group", Status: 200, Handle: s.updateGroup},
		{Method: "DELETE", Path: "/api/v1/groups/{id}", Perm: auth.PermGroupsWrite, Tag: tagGroup, Summary: "Delete a work group",
			Status: 204, Handle: s.deleteGroup},
		{Method: "PUT", Path: "/api/v1/groups/{id}/members/{user_id}", Perm: auth.PermGroupsWrite, Tag: tagGroup, Summary: "Add a user to a work group",
			Response: "Group", Status: 200, Handle: s.addMember},
		{Method: "DELETE", Path: "/api/v1/groups/{id}/members/{user_id}", Perm: auth.PermGroupsWrite, Tag: tagGroup, Summary: "Remove a user from a work group",
			Response: "Group", Status: 200, Handle: s.removeMember},

		{Method: "GET", Path: "/api/v1/api-keys", Perm: auth.PermAPIKeysRead, Tag: tagKeys, Summary: "List API keys (revoked ones too)",
			Response: "APIKeyList", Status: 200, Handle: s.listKeys},
		{Method: "POST", Path: "/api/v1/api-keys", Perm: auth.PermAPIKeysWrite, Tag: tagKeys, Summary: "Create an API key; the key is in this response only",
			Request: "APIKeyCreate", Response: "APIKeyCreated", Status: 201, Handle: s.createKey},
		{Method: "DELETE", Path: "/api/v1/api-keys/{id}", Perm: auth.PermAPIKeysWrite, Tag: tagKeys, Summary: "Revoke an API key",
			Status: 204, Handle: s.revokeKey},

		{Method: "GET", Path: "/api/v1/audit", Perm: auth.PermAuditRead, Tag: tagAudit, Summary: "Read the audit log, newest first",
			Response: "AuditList", Status: 200, Handle: s.listAudit, Query: []queryParam{
				{"actor", "string", "actor ID or e-mail"}, {"action", "string", "exact action, or a prefix ending in '.' such as user."},
				{"target_type", "string", ""}, {"target_id", "string", ""},
				{"since", "string", "RFC 3339 time, inclusive"}, {"until", "string", "RFC 3339 time, exclusive"},
				{"limit", "integer", "1 to 500, default 50"}, {"cursor", "string", "next_cursor of the previous page"}}},
		{Method: "GET", Path: "/api/v1/audit/verify", Perm: auth.PermAuditRead, Tag: tagAudit, Summary: "Verify the audit log's hash chain",
			Response: "AuditVerify", Status: 200, Handle: s.verifyAudit},

		{Method: "GET", Path: "/api/v1/orgs", Perm: auth.PermPlatform, Tag: tagOrgs, Summary: "List organisations (platform super-admin)",
			Response: "OrgList", Status: 200, Handle: s.listOrgs},
		{Method: "POST", Path: "/api/v1/orgs", Perm: auth.PermPlatform, Tag: tagOrgs, Summary: "Create an organisation and its admin (platform super-admin)",
			Request: "OrgCreate", Response: "OrgCreated", Status: 201, Handle: s.createOrg},
	}
}
