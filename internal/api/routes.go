package api

import (
	"slices"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
)

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
		tagRules = "Detection rules"
		tagAlert = "Alerts"
		tagHunt  = "Hunting (KQL)"
	)
	ruleQuery := []queryParam{{"q", "string", "substring of title, description, id or tags"}, {"status", "string", "stable, test, experimental, deprecated, unsupported"},
		{"level", "string", "informational, low, medium, high, critical"}, {"tactic", "string", "ATT&CK tactic id or shortname"},
		{"technique", "string", "ATT&CK technique id (includes its sub-techniques)"}, {"product", "string", "logsource product"},
		{"category", "string", "logsource category"}, {"service", "string", "logsource service"}, {"enabled", "boolean", "true or false"},
		{"pack", "string", "sigmahq, eventsec or custom"}, {"kind", "string", "detection, correlation, threshold, filter or scheduled"},
		{"runnable", "boolean", "false: only rules that cannot run as they are (e.g. a placeholder without values)"},
		{"sort", "string", "title (default, A to Z), or most first: level, matches, alerts, eval_time, last_match, updated"},
		{"limit", "integer", "1 to 500, default 100"}, {"offset", "integer", "default 0"}}
	alertQuery := []queryParam{{"status", "string", "comma-separated: new, acknowledged, in_progress, escalated, resolved, closed"},
		{"severity", "string", "comma-separated: informational, low, medium, high, critical"}, {"rule", "string", "rule id"},
		{"q", "string", "substring of the title, the rule's title or an entity (host, user, IP, process, file, domain)"}, {"from", "string", "time_field at or after (RFC 3339 or now-24h)"},
		{"to", "string", "time_field before"}, {"time_field", "string", "the time from and to bound: last_seen (default) or created (when the alert was raised)"}, {"limit", "integer", "1 to 500, default 50"},
		{"verdict", "string", "comma-separated triage verdicts"}, {"group", "string", "work group the alert is assigned to"},
		{"incident", "string", "incident id, or none: alerts in no incident"}, {"sort", "string", "newest first by last_seen (default), created (when raised) or first_seen; or severity (most severe first, then newest last_seen)"},
		{"deleted", "boolean", "true: the deleted alerts (admins)"}}
	activeQuery := slices.Clone(alertQuery)
	// The counts take the list's filters (not its page; an order is read and has no effect).
	alertStatsQuery := slices.DeleteFunc(slices.Clone(alertQuery), func(p queryParam) bool { return p.Name == "limit" })
	alertStatsQuery = append(alertStatsQuery, queryParam{"assignee", "string", "user id, me, or none: unassigned"})
	alertQuery = append(alertQuery, queryParam{"assignee", "string", "user id, me, or none: unassigned"},
		queryParam{"cursor", "string", "next_cursor of the previous page"})
	eventQuery := []queryParam{
		{"query", "string", "search syntax: field:value, \"phrases\", AND/OR/NOT, wildcards, ranges field:[a TO b], free text"},
		{"severity", "string", "comma-separated bands: info, low, medium, high, critical"},
		{"from", "string", "RFC 3339 time or relative (now-24h), inclusive"},
		{"to", "string", "RFC 3339 time or relative (now), exclusive"},
	}
	searchQuery := append(append([]queryParam{}, eventQuery...), queryParam{"size", "integer", "1 to 1000, default 50"},
		queryParam{"order", "string", "desc (default): newest first; asc: oldest first (by @timestamp)"},
		queryParam{"cursor", "string", "next_cursor of the previous page, asked for with the same order"})
	termsQuery := append(append([]queryParam{{"field", "string", "the field to count, such as host.name (required)"}}, eventQuery...),
		queryParam{"size", "integer", "values to return, 1 to 100, default 5"})
	statsQuery := append(append([]queryParam{}, eventQuery...), queryParam{"interval", "string", "bucket size such as 1m or 1h; automatic when empty"})
	routes := []route{
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

		{Method: "POST", Path: "/api/v1/events", Perm: auth.PermEventsWrite, Tag: tagEv, Summary: "Send events: a JSON object, an array, or NDJSON; 202 once durable (an Idempotency-Key header makes a retry safe for 24 h)",
			Body: "EventsBody", Response: "IngestResult", Status: 202, Handle: s.intake},
		{Method: "POST", Path: "/api/security-events", Perm: auth.PermEventsWrite, Tag: tagEv, Summary: "Alias of POST /api/v1/events (the seed's path)",
			Body: "EventsBody", Response: "IngestResult", Status: 202, Handle: s.intake},
		{Method: "POST", Path: "/ingest", Perm: auth.PermEventsWrite, Tag: tagEv, Summary: "Alias of POST /api/v1/events (the seed's threat-map telemetry path)",
			Body: "EventsBody", Response: "IngestResult", Status: 202, Handle: s.intake},
		{Method: "POST", Path: "/api/v1/events/import", Perm: auth.PermEventsWrite, Tag: tagEv,
			Summary: "Import one file (NDJSON, log lines, .evtx; gzip too) sent as the raw body; answers with the summary once durable",
			Body:    "ImportFile", Response: "ImportSummary", Status: 200, Handle: s.importFile, Query: []queryParam{
				{"name", "string", "the file's name, for the summary"}, {"format", "string", "auto (default), json, ndjson, syslog, cef, leef, kv or plain"},
				{"modified", "date-time", "the file's modification time (RFC 3339): the time of its records that have none of their own"}}},
		{Method: "GET", Path: "/api/v1/events", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Search events, newest first (or oldest first with order=asc)",
			Response: "EventPage", Status: 200, Handle: s.searchEvents, Query: searchQuery},
		{Method: "GET", Path: "/api/security-events", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Alias of GET /api/v1/events",
			Response: "EventPage", Status: 200, Handle: s.searchEvents, Query: searchQuery},
		{Method: "GET", Path: "/api/v1/events/{id}", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Get one event",
			Response: "Event", Status: 200, Handle: s.getEvent},
		{Method: "GET", Path: "/api/security-events/{id}", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Alias of GET /api/v1/events/{id}",
			Response: "Event", Status: 200, Handle: s.getEvent},
		{Method: "GET", Path: "/api/v1/events/terms", Perm: auth.PermEventsRead, Tag: tagEv,
			Summary:  "A field's most frequent values over a whole search, and how many of its events have the field (the Events explorer's field list)",
			Response: "EventTerms", Status: 200, Handle: s.eventTerms, Query: termsQuery},
		{Method: "GET", Path: "/api/v1/events/stats/summary", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Counts over time and by severity, category, dataset, input, host, user, source",
			Response: "EventStats", Status: 200, Handle: s.eventStats, Query: statsQuery},
		{Method: "GET", Path: "/api/security-events/stats/summary", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Alias of GET /api/v1/events/stats/summary",
			Response: "EventStats", Status: 200, Handle: s.eventStats, Query: statsQuery},
		{Method: "POST", Path: "/api/v1/events/export", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Export a search as NDJSON, CSV or Parquet, streamed",
			Request: "ExportRequest", Status: 200, Handle: s.exportEvents},
		{Method: "POST", Path: "/api/security-events/export", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "Alias of POST /api/v1/events/export",
			Request: "ExportRequest", Status: 200, Handle: s.exportEvents},
		{Method: "GET", Path: "/api/v1/events/saved", Perm: auth.PermEventsRead, Tag: tagEv, Summary: "The organisation's saved searches (Events explorer)",
			Response: "SavedSearchList", Status: 200, Handle: s.listSavedSearches},
		{Method: "POST", Path: "/api/v1/events/saved", Perm: auth.PermSearchesWrite, Tag: tagEv, Summary: "Save a search for the organisation",
			Request: "SavedSearchBody", Response: "SavedSearch", Status: 201, Handle: s.createSavedSearch},
		{Method: "PUT", Path: "/api/v1/events/saved/{id}", Perm: auth.PermSearchesWrite, Tag: tagEv, Summary: "Change a saved search",
			Request: "SavedSearchBody", Response: "SavedSearch", Status: 200, Handle: s.updateSavedSearch},
		{Method: "DELETE", Path: "/api/v1/events/saved/{id}", Perm: auth.PermSearchesWrite, Tag: tagEv, Summary: "Delete a saved search",
			Status: 204, Handle: s.deleteSaved(store.LanguageSearch)},
		{Method: "GET", Path: "/api/v1/threatmap/summary", Perm: auth.PermEventsRead, Tag: tagLive, Summary: "The latest located attacks and their source countries",
			Response: "ThreatMapSummary", Status: 200, Handle: s.threatmapSummary, Query: eventQuery[2:]},
		{Method: "GET", Path: "/api/v1/ws", Perm: auth.PermEventsRead, Tag: tagLive, TokenInQuery: true,
			Summary: "WebSocket: subscribe to security:events, alerts, incidents, threats, metrics, threatmap, endpoints", Status: 101, Handle: s.websocket,
			Messages: []string{"LiveMessage", "LiveMetrics"},
			Query:    []queryParam{{"token", "string", "access token or API key, for clients that cannot send headers"}}},
		{Method: "GET", Path: "/ws/threatmap", Perm: auth.PermEventsRead, Tag: tagLive, TokenInQuery: true,
			Summary: "WebSocket: the threatmap channel only (the seed's path)", Status: 101, Handle: s.threatmapSocket,
			Messages: []string{"LiveMessage"},
			Query:    []queryParam{{"token", "string", "access token or API key"}}},

		{Method: "GET", Path: "/api/v1/rules", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "List detection rules with facets",
			Response: "RuleList", Status: 200, Handle: s.listRules, Query: ruleQuery},
		{Method: "GET", Path: "/api/alerts/rules", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "Alias of GET /api/v1/rules (the seed's path)",
			Response: "RuleList", Status: 200, Handle: s.listRules, Query: ruleQuery},
		{Method: "POST", Path: "/api/v1/rules", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Create a rule from Sigma YAML or a JSON rule; it runs at once",
			Request: "RuleCreate", Response: "Rule", Status: 201, Handle: s.createRule},
		{Method: "POST", Path: "/api/alerts/rules", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Alias of POST /api/v1/rules; also takes the seed's JSON rule object as the body",
			Request: "RuleCreate", Response: "Rule", Status: 201, Handle: s.createRule},
		{Method: "POST", Path: "/api/v1/rules/validate", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "Check a rule's source; every problem with its line and column",
			Request: "RuleValidate", Response: "RuleValidation", Status: 200, Handle: s.validateRule},
		{Method: "POST", Path: "/api/v1/rules/test", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "Run an unsaved rule over sample events or stored events (backtest)",
			Request: "RuleTest", Response: "RuleTestResult", Status: 200, Handle: s.testRule},
		{Method: "POST", Path: "/api/v1/rules/import", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Import a rule pack: a ZIP of Sigma/JSON rules (multipart field file), or one rule file",
			Body: "RulePack", Response: "RuleImportReport", Status: 200, Handle: s.importRules,
			Query: []queryParam{{"pack", "string", "custom (default), sigmahq or eventsec"}, {"name", "string", "file name, for a raw body"},
				{"disabled", "boolean", "true: rules new to the organisation are imported disabled"},
				{"overwrite", "boolean", "true: replace rules written or edited in EventSec whose source differs from the file's (otherwise they are reported as conflicts and kept)"}}},
		{Method: "GET", Path: "/api/v1/rules/export", Perm: auth.PermRulesRead, Tag: tagRules,
			Summary:  "Export the rules the list's filters select: a ZIP of their sources by pack (eventsec/, sigmahq/, custom/) with manifest.json of their state; POST /api/v1/rules/import takes it back",
			Response: "RuleExport", Status: 200, Handle: s.exportRules, Query: ruleQuery[:len(ruleQuery)-3]},
		{Method: "POST", Path: "/api/v1/rules/bulk", Perm: auth.PermRulesWrite, Tag: tagRules,
			Summary: "Enable, disable or delete the rules given by ids or selected by the list's filters, in one change (audited once); delete by filter needs confirm",
			Request: "RuleBulk", Response: "RuleBulkResult", Status: 200, Handle: s.bulkRules},
		{Method: "GET", Path: "/api/v1/rules/coverage", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "ATT&CK Enterprise matrix with the number of rules per technique",
			Response: "Coverage", Status: 200, Handle: s.ruleCoverage},
		{Method: "GET", Path: "/api/v1/rules/{id}", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "Get a rule with its source, exceptions and documents; the id may also be the id or Sigma name of one of its documents (an alert's rule_document_id)",
			Response: "Rule", Status: 200, Handle: s.getRule},
		{Method: "PUT", Path: "/api/v1/rules/{id}", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Replace a rule's source (the id stays)",
			Request: "RuleCreate", Response: "Rule", Status: 200, Handle: s.updateRule},
		{Method: "PATCH", Path: "/api/v1/rules/{id}", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Enable, disable, or override a rule's severity",
			Request: "RulePatch", Response: "Rule", Status: 200, Handle: s.patchRule},
		{Method: "DELETE", Path: "/api/v1/rules/{id}", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Delete a rule, its exceptions and statistics",
			Status: 204, Handle: s.deleteRule},
		{Method: "POST", Path: "/api/v1/rules/{id}/test", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "Run a saved rule (or the source given) over sample or stored events",
			Request: "RuleTest", Response: "RuleTestResult", Status: 200, Handle: s.testRule},
		{Method: "POST", Path: "/api/alerts/rules/{id}/test", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "Alias of POST /api/v1/rules/{id}/test (the seed's path)",
			Request: "RuleTest", Response: "RuleTestResult", Status: 200, Handle: s.testRule},
		{Method: "POST", Path: "/api/v1/rules/{id}/retrohunt", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Run a rule over stored history in the background (optionally raising alerts); poll the job",
			Request: "RetroHuntStart", Response: "RetroHunt", Status: 202, Handle: s.startRetroHunt},
		{Method: "GET", Path: "/api/v1/retrohunts", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "Retro-hunt jobs of the organisation, newest first",
			Response: "RetroHuntList", Status: 200, Handle: s.listRetroHunts, Query: []queryParam{{"limit", "integer", "1 to 1000 (default all the server keeps)"}}},
		{Method: "GET", Path: "/api/v1/retrohunts/{id}", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "A retro-hunt's progress and, when done, its result",
			Response: "RetroHunt", Status: 200, Handle: s.getRetroHunt},
		{Method: "DELETE", Path: "/api/v1/retrohunts/{id}", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Cancel a running retro-hunt",
			Response: "RetroHunt", Status: 200, Handle: s.cancelRetroHunt},
		{Method: "GET", Path: "/api/v1/detection/placeholders", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "Sigma placeholder values (%name%, expand modifier) of the organisation, and placeholders rules use without values",
			Response: "Placeholders", Status: 200, Handle: s.getPlaceholders},
		{Method: "PUT", Path: "/api/v1/detection/placeholders", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Replace the organisation's placeholder values; rules using them are recompiled (audited)",
			Request: "PlaceholdersSet", Response: "Placeholders", Status: 200, Handle: s.putPlaceholders},
		{Method: "GET", Path: "/api/v1/rules/{id}/exceptions", Perm: auth.PermRulesRead, Tag: tagRules, Summary: "A rule's exceptions (tuning)",
			Response: "ExceptionList", Status: 200, Handle: s.listExceptions},
		{Method: "POST", Path: "/api/v1/rules/{id}/exceptions", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Suppress a rule's matches for which every condition holds, with a reason and an optional expiry (audited)",
			Request: "ExceptionCreate", Response: "ExceptionCreated", Status: 201, Handle: s.createException},
		{Method: "DELETE", Path: "/api/v1/rules/{id}/exceptions/{exception_id}", Perm: auth.PermRulesWrite, Tag: tagRules, Summary: "Delete an exception (audited)",
			Status: 204, Handle: s.deleteException},

		{Method: "GET", Path: "/api/v1/alerts", Perm: auth.PermAlertsRead, Tag: tagAlert, Summary: "List alerts, newest activity first",
			Response: "AlertList", Status: 200, Handle: s.listAlerts, Query: alertQuery},
		{Method: "GET", Path: "/api/alerts/active", Perm: auth.PermAlertsRead, Tag: tagAlert, Summary: "Open alerts (the seed's path)",
			Response: "AlertList", Status: 200, Handle: s.activeAlerts, Query: activeQuery},
		{Method: "GET", Path: "/api/v1/alerts/stats", Perm: auth.PermAlertsRead, Tag: tagAlert, Summary: "Alert counts by severity, status and rule",
			Response: "AlertStats", Status: 200, Handle: s.alertStats, Query: alertStatsQuery},
		{Method: "GET", Path: "/api/v1/alerts/{id}", Perm: auth.PermAlertsRead, Tag: tagAlert, Summary: "Get an alert with its matching events",
			Response: "AlertDetail", Status: 200, Handle: s.getAlert},
		{Method: "GET", Path: "/api/v1/alerts/{id}/events", Perm: auth.PermAlertsRead, Tag: tagAlert, Summary: "All of an alert's events, oldest first: the stored events of its span that its rule matches with its key (an alert keeps the IDs of its last 100)",
			Response: "AlertEvents", Status: 200, Handle: s.alertEvents, Query: []queryParam{{"size", "integer", "events per page, 1-1000 (default 100)"}, {"cursor", "string", "next_cursor of the previous page"}}},
		{Method: "PATCH", Path: "/api/v1/alerts/{id}", Perm: auth.PermAlertsWrite, Tag: tagAlert, Summary: "Change an alert's status or assignee (audited)",
			Request: "AlertPatch", Response: "Alert", Status: 200, Handle: s.patchAlert},

		{Method: "POST", Path: "/api/v1/search/kql", Perm: auth.PermEventsRead, Tag: tagHunt, Summary: "Run a KQL query over the organisation's events (Sentinel-style tables) and alerts",
			Request: "KQLRequest", Response: "KQLResult", Status: 200, Handle: s.runKQL},
		{Method: "POST", Path: "/search/kql", Perm: auth.PermEventsRead, Tag: tagHunt, Summary: "Alias of POST /api/v1/search/kql (the seed's path)",
			Request: "KQLRequest", Response: "KQLResult", Status: 200, Handle: s.runKQL},
		{Method: "POST", Path: "/api/v1/search/kql/check", Perm: auth.PermEventsRead, Tag: tagHunt, Summary: "Parse and check a KQL query without running it (errors at line and column)",
			Request: "KQLCheck", Response: "KQLCheckResult", Status: 200, Handle: s.checkKQL},
		{Method: "GET", Path: "/api/v1/search/kql/schema", Perm: auth.PermEventsRead, Tag: tagHunt, Summary: "Tables, columns, functions and operators, for completion and the schema panel",
			Response: "KQLSchema", Status: 200, Handle: s.kqlSchema},
		{Method: "GET", Path: "/api/v1/search/kql/history", Perm: auth.PermEventsRead, Tag: tagHunt, Summary: "The caller's recent KQL runs, newest first",
			Response: "KQLHistory", Status: 200, Handle: s.kqlHistory, Query: []queryParam{{"limit", "integer", "1 to 200, default 50"}}},
		{Method: "GET", Path: "/api/v1/search/kql/saved", Perm: auth.PermEventsRead, Tag: tagHunt, Summary: "The organisation's saved queries",
			Response: "SavedQueryList", Status: 200, Handle: s.listSavedQueries},
		{Method: "POST", Path: "/api/v1/search/kql/saved", Perm: auth.PermSearchesWrite, Tag: tagHunt, Summary: "Save a query for the organisation",
			Request: "SavedQueryBody", Response: "SavedQuery", Status: 201, Handle: s.createSavedQuery},
		{Method: "PUT", Path: "/api/v1/search/kql/saved/{id}", Perm: auth.PermSearchesWrite, Tag: tagHunt, Summary: "Change a saved query",
			Request: "SavedQueryBody", Response: "SavedQuery", Status: 200, Handle: s.updateSavedQuery},
		{Method: "DELETE", Path: "/api/v1/search/kql/saved/{id}", Perm: auth.PermSearchesWrite, Tag: tagHunt, Summary: "Delete a saved query",
			Status: 204, Handle: s.deleteSaved(store.LanguageKQL)},

		{Method: "GET", Path: "/api/v1/settings", Perm: auth.PermSettingsRead, Tag: tagSet, Summary: "The organisation's settings",
			Response: "Settings", Status: 200, Handle: s.getSettings},
		{Method: "PATCH", Path: "/api/v1/settings", Perm: auth.PermSettingsWrite, Tag: tagSet, Summary: "Change the organisation's settings (event retention)",
			Request: "SettingsPatch", Response: "Settings", Status: 200, Handle: s.updateSettings},

		{Method: "GET", Path: "/api/v1/orgs", Perm: auth.PermPlatform, Tag: tagOrgs, Summary: "List organisations (platform super-admin)",
			Response: "OrgList", Status: 200, Handle: s.listOrgs},
		{Method: "POST", Path: "/api/v1/orgs", Perm: auth.PermPlatform, Tag: tagOrgs, Summary: "Create an organisation and its admin (platform super-admin)",
			Request: "OrgCreate", Response: "OrgCreated", Status: 201, Handle: s.createOrg},
	}
	routes = append(routes, s.incidentRoutes()...)
	routes = append(routes, s.notifyRoutes()...)
	routes = append(routes, s.intelRoutes()...)
	routes = append(routes, s.endpointRoutes()...)
	routes = append(routes, s.vulnRoutes()...)
	routes = append(routes, s.emailRoutes()...)
	routes = append(routes, s.sandboxRoutes()...)
	return routes
}
