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
		tagEv    = "Events"
		tagLive  = "Live"
		tagSet   = "Settings"
	)
	eventQuery := []queryParam{
		{"query", "string", "search syntax: field:value, \"phrases\", AND/OR/NOT, wildcards, ranges field:[a TO b], free text"},
		{"severity", "string", "comma-separated bands: info, low, medium, high, critical"},
		{"from", "string", "RFC 3339 time or relative (now-24h), inclusive"},
		{"to", "string", "RFC 3339 time or relative (now), exclusive"},
	}
	searchQuery := append(append([]queryParam{}, eventQuery...), queryParam{"size", "integer", "1 to 1000, default 50"},
		queryParam{"cursor", "string", "next_cursor of the previous page"})
	statsQuery := append(append([]queryParam{}, eventQuery...), queryParam{"interval", "string", "bucket size such as 1m or 1h; automatic when empty"})
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

		{Method: "POST", Path: "/api/v1/events", Perm: auth.PermEventsWrite, Tag: tagEv, Summary: "Send events: a JSON object, an array, or NDJSON; 202 once durable",
			Body: "EventsBody", Response: "IngestResult", Status: 202, Handle: s.intake},
		{Method: "POST", Path: "/api/security-events", Perm: auth.PermEventsWrite, Tag: tagEv, Summary: "Alias of POST /api/v1/events (the seed's path)",
			Body: "EventsBody", Response: "IngestResult", Status: 202, Handle: s.intake},
		{Method: "POST", Path: "/ingest", Perm: auth.PermEventsWrite, Tag: tagEv, Summary: "Alias of POST /api/v1/events (the seed's threat-map telemetry path)",
			Body: "EventsBody", Response: "IngestResult", Status: 202, Handle: s.intake},
		{Method: "POST", Path: "/api/v1/events/import", Perm: auth.PermEventsWrite, Tag: tagEv,
			Summary: "Import one file (NDJSON, log lines, .evtx; gzip too) sent as the raw body; answers with the summary once durable",
			Body:    "ImportFile", Response: "ImportSummary", Status: 200, Handle: s.importFile, Query: []queryParam{
				{"name", "string", "the file's name, for the summary"}, {"format", "string", "auto (default), json, ndjson, syslog, cef, leef, kv or plain"}}},
		{Method: "GET", Path: "/api/v1/events", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Search events, newest first",
			Response: "EventPage", Status: 200, Handle: s.searchEvents, Query: searchQuery},
		{Method: "GET", Path: "/api/security-events", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Alias of GET /api/v1/events",
			Response: "EventPage", Status: 200, Handle: s.searchEvents, Query: searchQuery},
		{Method: "GET", Path: "/api/v1/events/{id}", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Get one event",
			Response: "Event", Status: 200, Handle: s.getEvent},
		{Method: "GET", Path: "/api/security-events/{id}", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Alias of GET /api/v1/events/{id}",
			Response: "Event", Status: 200, Handle: s.getEvent},
		{Method: "GET", Path: "/api/v1/events/stats/summary", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Counts over time and by severity, category, dataset, input, host, user, source",
			Response: "EventStats", Status: 200, Handle: s.eventStats, Query: statsQuery},
		{Method: "GET", Path: "/api/security-events/stats/summary", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Alias of GET /api/v1/events/stats/summary",
			Response: "EventStats", Status: 200, Handle: s.eventStats, Query: statsQuery},
		{Method: "POST", Path: "/api/v1/events/export", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Export a search as NDJSON, CSV or Parquet, streamed",
			Request: "ExportRequest", Status: 200, Handle: s.exportEvents},
		{Method: "POST", Path: "/api/security-events/export", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Alias of POST /api/v1/events/export",
			Request: "ExportRequest", Status: 200, Handle: s.exportEvents},
		{Method: "GET", Path: "/api/v1/threatmap/summary", Perm: auth.PermEventsRead, Tag: tagLive, Summary: "The latest located attacks and their source countries",
			Response: "ThreatMapSummary", Status: 200, Handle: s.threatmapSummary, Query: eventQuery[2:]},
		{Method: "GET", Path: "/api/v1/ws", Perm: auth.PermEventsRead, Tag: tagLive, TokenInQuery: true,
			Summary: "WebSocket: subscribe to security:events, alerts, incidents, threats, metrics, threatmap", Status: 101, Handle: s.websocket,
			Query: []queryParam{{"token", "string", "access token or API key, for clients that cannot send headers"}}},
		{Method: "GET", Path: "/ws/threatmap", Perm: auth.PermEventsRead, Tag: tagLive, TokenInQuery: true,
			Summary: "WebSocket: the threatmap channel only (the seed's path)", Status: 101, Handle: s.threatmapSocket,
			Query: []queryParam{{"token", "string", "access token or API key"}}},

		{Method: "GET", Path: "/api/v1/settings", Perm: auth.PermSettingsRead, Tag: tagSet, Summary: "The organisation's settings",
			Response: "Settings", Status: 200, Handle: s.getSettings},
		{Method: "PATCH", Path: "/api/v1/settings", Perm: auth.PermSettingsWrite, Tag: tagSet, Summary: "Change the organisation's settings (event retention)",
			Request: "SettingsPatch", Response: "Settings", Status: 200, Handle: s.updateSettings},

		{Method: "GET", Path: "/api/v1/orgs", Perm: auth.PermPlatform, Tag: tagOrgs, Summary: "List organisations (platform super-admin)",
			Response: "OrgList", Status: 200, Handle: s.listOrgs},
		{Method: "POST", Path: "/api/v1/orgs", Perm: auth.PermPlatform, Tag: tagOrgs, Summary: "Create an organisation and its admin (platform super-admin)",
			Request: "OrgCreate", Response: "OrgCreated", Status: 201, Handle: s.createOrg},
	}
}
