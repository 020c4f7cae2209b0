package auth

import "slices"

// Role is a user's or API key's role within its org.
type Role string

// The roles, from most to least powerful.
const (
	RoleAdmin         Role = "admin"
	RoleTeamLead      Role = "team_lead"
	RoleSeniorAnalyst Role = "senior_analyst"
	RoleAnalyst       Role = "analyst"
	RoleViewer        Role = "viewer"
)

// RoleIngest is for API keys only: it may send events and nothing else,
// so a key copied into a log shipper's configuration cannot read data.
const RoleIngest Role = "ingest"

// Roles lists every role a user may have, most powerful first.
var Roles = []Role{RoleAdmin, RoleTeamLead, RoleSeniorAnalyst, RoleAnalyst, RoleViewer}

// APIKeyRoles lists the roles an API key may have.
var APIKeyRoles = append(slices.Clone(Roles), RoleIngest)

// RoleDescriptions says in one line what each role is for.
var RoleDescriptions = map[Role]string{
	RoleAdmin:         "Full control of the organisation: users, keys, settings and every operation.",
	RoleTeamLead:      "Leads a team: manages work groups and assigns work, plus everything an analyst can do.",
	RoleSeniorAnalyst: "Advanced analyst: everything an analyst can do, plus sensitive response actions.",
	RoleAnalyst:       "Triage and investigation: reads data and works alerts and incidents.",
	RoleViewer:        "Read-only access to dashboards and data.",
	RoleIngest:        "API keys only: may send events (HTTP, Splunk HEC, Elasticsearch bulk) and nothing else.",
}

// Valid reports whether r is a role a user may have.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// ValidForAPIKey reports whether r is a role an API key may have.
func (r Role) ValidForAPIKey() bool { return slices.Contains(APIKeyRoles, r) }

// rank orders roles: a lower rank is more powerful. The ingest role ranks
// below viewer: it grants less than any user role.
func (r Role) rank() int { return slices.Index(APIKeyRoles, r) }

// AtLeast reports whether r is as powerful as other or more.
func (r Role) AtLeast(other Role) bool {
	return r.ValidForAPIKey() && other.ValidForAPIKey() && r.rank() <= other.rank()
}

// Permission names one thing a caller may do.
type Permission string

// Permissions. Every API route names exactly one (see api.routes).
const (
	// PermAuthenticated: any signed-in caller (own profile, own password).
	PermAuthenticated Permission = "self"
	PermUsersRead     Permission = "users:read"
	PermUsersWrite    Permission = "users:write"
	PermGroupsRead    Permission = "groups:read"
	PermGroupsWrite   Permission = "groups:write"
	PermAPIKeysRead   Permission = "apikeys:read"
	PermAPIKeysWrite  Permission = "apikeys:write"
	PermAuditRead     Permission = "audit:read"
	PermRolesRead     Permission = "roles:read"
	PermEventsRead    Permission = "events:read"
	// PermEventsWrite: send events (the HTTP event API, HEC, bulk).
	PermEventsWrite   Permission = "events:write"
	PermSettingsRead  Permission = "settings:read"
	PermSettingsWrite Permission = "settings:write"
	// Detection rules (write: create, tune, import, delete) and alerts
	// (write: acknowledge, assign, change status).
	PermRulesRead   Permission = "rules:read"
	PermRulesWrite  Permission = "rules:write"
	PermAlertsRead  Permission = "alerts:read"
	PermAlertsWrite Permission = "alerts:write"
	// Threat intel: indicators, feeds, sightings (write: add, import,
	// delete indicators; subscribe to feeds).
	PermIntelRead  Permission = "intel:read"
	PermIntelWrite Permission = "intel:write"
	// Sandbox: submissions and reports (read); submit, re-analyse, delete,
	// download samples, YARA rules (write). External-service settings
	// (API keys) need settings:write.
	PermSandboxRead  Permission = "sandbox:read"
	PermSandboxWrite Permission = "sandbox:write"
	// PermAlertsDelete: delete (recoverably, for 30 days) and restore alerts.
	PermAlertsDelete Permission = "alerts:delete"
	// Incidents, war-room notes, workplans and handovers (write: create,
	// edit, apply playbooks, send handovers).
	PermIncidentsRead  Permission = "incidents:read"
	PermIncidentsWrite Permission = "incidents:write"
	// PermResponse: containment actions (block, isolate, kill, disable).
	PermResponse Permission = "response:execute"
	// Notification channels and playbook library (write: configure).
	PermNotifyRead  Permission = "notify:read"
	PermNotifyWrite Permission = "notify:write"
	// Endpoints (agents): read (inventory, metrics, assessments, the
	// block list), write (owner/location/group edits, revocation,
	// enrollment keys, agent settings), respond (remote actions: isolate,
	// kill, run command, collect file; block-list entries).
	PermEndpointsRead    Permission = "endpoints:read"
	PermEndpointsWrite   Permission = "endpoints:write"
	PermEndpointsRespond Permission = "endpoints:respond"
	// PermSearchesWrite: save, change and delete the organisation's saved
	// searches (Events) and saved KQL queries; every role that reads
	// events may use them.
	PermSearchesWrite Permission = "searches:write"
	// PermVulnsWrite: import vulnerability data (OSV). Reading the
	// organisation's vulnerabilities and assessments is PermEndpointsRead.
	PermVulnsWrite Permission = "vulns:write"
	// PermPlatform: the platform super-admin (creates orgs). Not granted by
	// any role; only by User.PlatformAdmin.
	PermPlatform Permission = "platform:admin"
)

// rolePermissions is THE permission table: what each role may do. Handlers
// never test roles directly; they name a permission and this table decides.
var rolePermissions = map[Role][]Permission{
	RoleAdmin: {
		PermIntelRead, PermIntelWrite,
		PermSandboxRead, PermSandboxWrite,
		PermAuthenticated, PermRolesRead,
		PermEndpointsRead, PermEndpointsWrite, PermEndpointsRespond, PermVulnsWrite,
		PermUsersRead, PermUsersWrite,
		PermGroupsRead, PermGroupsWrite,
		PermAPIKeysRead, PermAPIKeysWrite,
		PermAuditRead,
		PermEventsRead, PermEventsWrite, PermSearchesWrite,
		PermSettingsRead, PermSettingsWrite,
		PermRulesRead, PermRulesWrite, PermAlertsRead, PermAlertsWrite, PermAlertsDelete,
		PermIncidentsRead, PermIncidentsWrite, PermResponse, PermNotifyRead, PermNotifyWrite,
	},
	// A team lead sees the org's users (to staff groups and assign work)
	// but cannot change them.
	RoleTeamLead: {
		PermIntelRead, PermIntelWrite,
		PermSandboxRead, PermSandboxWrite,
		PermAuthenticated, PermRolesRead,
		PermEndpointsRead, PermEndpointsWrite, PermEndpointsRespond, PermVulnsWrite,
		PermUsersRead,
		PermGroupsRead, PermGroupsWrite,
		PermEventsRead, PermSearchesWrite,
		PermRulesRead, PermRulesWrite, PermAlertsRead, PermAlertsWrite,
		PermIncidentsRead, PermIncidentsWrite, PermResponse, PermNotifyRead, PermNotifyWrite,
	},
	RoleSeniorAnalyst: {PermIntelRead, PermIntelWrite, PermSandboxRead, PermSandboxWrite, PermEndpointsRead, PermEndpointsRespond,
		PermAuthenticated, PermRolesRead, PermGroupsRead, PermEventsRead, PermSearchesWrite,
		PermRulesRead, PermRulesWrite, PermAlertsRead, PermAlertsWrite,
		PermIncidentsRead, PermIncidentsWrite, PermResponse, PermNotifyRead},
	RoleAnalyst: {PermIntelRead, PermIntelWrite, PermSandboxRead, PermSandboxWrite, PermEndpointsRead,
		PermAuthenticated, PermRolesRead, PermGroupsRead, PermEventsRead, PermSearchesWrite,
		PermRulesRead, PermRulesWrite, PermAlertsRead, PermAlertsWrite,
		PermIncidentsRead, PermIncidentsWrite, PermNotifyRead},
	RoleViewer: {PermIntelRead, PermSandboxRead, PermEndpointsRead,
		PermAuthenticated, PermRolesRead, PermGroupsRead, PermEventsRead,
		PermRulesRead, PermAlertsRead, PermIncidentsRead},
	RoleIngest: {PermEventsWrite},
}

// RolePermissions returns the permissions of a role (a copy).
func RolePermissions(r Role) []Permission { return slices.Clone(rolePermissions[r]) }

// Can reports whether a caller with role r (and the platform flag) holds p.
func Can(r Role, platformAdmin bool, p Permission) bool {
	if p == PermPlatform {
		return platformAdmin
	}
	return slices.Contains(rolePermissions[r], p)
}
