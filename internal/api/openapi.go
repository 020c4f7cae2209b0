package api

import (
	"github.com/eventsec/eventsec/internal/detect"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// The OpenAPI 3.1 document is generated from the route table, so a route
// cannot exist without being documented; schemas are declared here.

type schema = map[string]any

func obj(required []string, props map[string]any) schema {
	s := schema{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func ref(name string) schema { return schema{"$ref": "#/components/schemas/" + name} }

var (
	tStr         = schema{"type": "string"}
	tBool        = schema{"type": "boolean"}
	tInt         = schema{"type": "integer"}
	tTime        = schema{"type": "string", "format": "date-time"}
	tTimeNull    = schema{"type": []string{"string", "null"}, "format": "date-time"}
	tEmail       = schema{"type": "string", "format": "email", "maxLength": 254}
	tSeverity    = schema{"type": "string", "enum": []string{"info", "low", "medium", "high", "critical"}}
	tRole        = schema{"type": "string", "enum": []string{"admin", "team_lead", "senior_analyst", "analyst", "viewer"}}
	tLevel       = schema{"type": "string", "enum": []string{"informational", "low", "medium", "high", "critical"}}
	tAlertStatus = schema{"type": "string", "enum": []string{"new", "acknowledged", "in_progress", "escalated", "resolved", "closed"}}
	tKeyRole     = schema{"type": "string", "enum": []string{"admin", "team_lead", "senior_analyst", "analyst", "viewer", "ingest"}}
	tRuleDocID   = schema{"type": "string", "description": "the document of the rule's file that raised the alert (a Sigma file may hold a base rule and its correlations): its Sigma id, else its name; GET /api/v1/rules/{id} finds the rule by it. Empty for alerts raised before it was recorded"}
	tRuleName    = schema{"type": "string", "description": "that document's title (rule_title is the file's: its first document's)"}
)

func arr(items schema) schema { return schema{"type": "array", "items": items} }

func strMax(n int) schema { return schema{"type": "string", "maxLength": n} }

func schemas() map[string]schema {
	out := baseSchemas()
	// Each feature area declares its own schemas beside its handlers.
	for _, more := range []map[string]schema{incidentSchemas(), notifySchemas(), endpointSchemas(), emailSchemas(), sandboxSchemas(), vulnSchemas()} {
		for k, v := range more {
			out[k] = v
		}
	}
	return out
}

func baseSchemas() map[string]schema {
	userProps := map[string]any{
		"id": tStr, "org_id": tStr, "email": tEmail, "name": tStr, "role": tRole, "team": tStr, "manager": tStr,
		"computer": tStr, "mobile_phone": tStr, "disabled": tBool, "platform_admin": tBool, "locked": tBool,
		"created_at": tTime, "updated_at": tTime, "last_login_at": tTimeNull, "password_changed_at": tTime,
	}
	meProps := map[string]any{"permissions": arr(tStr), "auth_method": schema{"type": "string", "enum": []string{"token", "cookie", "api_key"}}}
	for k, v := range userProps {
		meProps[k] = v
	}
	profile := map[string]any{"name": strMax(100), "team": strMax(100), "manager": strMax(100), "computer": strMax(100), "mobile_phone": strMax(32)}
	userPatch := map[string]any{"email": tEmail, "role": tRole, "disabled": tBool, "password": strMax(128)}
	for k, v := range profile {
		userPatch[k] = v
	}
	userCreate := map[string]any{"email": tEmail, "role": tRole, "password": schema{"type": "string", "minLength": 12, "maxLength": 128}}
	for k, v := range profile {
		userCreate[k] = v
	}
	keyProps := map[string]any{"id": tStr, "name": tStr, "role": tKeyRole, "prefix": tStr, "created_by": tStr, "created_at": tTime,
		"last_used_at": tTimeNull, "expires_at": tTimeNull, "revoked_at": tTimeNull}
	keyCreated := map[string]any{"key": schema{"type": "string", "description": "the secret; shown only in this response"}}
	for k, v := range keyProps {
		keyCreated[k] = v
	}
	org := obj([]string{"id", "name", "created_at"}, map[string]any{"id": tStr, "name": tStr, "created_at": tTime})
	exceptionProps := map[string]any{"id": tStr, "rule_id": tStr,
		"conditions": schema{"type": "array", "items": ref("ExceptionCondition"), "description": "all must hold for a match to be suppressed"},
		"field":      schema{"type": "string", "description": "the condition of an exception with exactly one (absent otherwise), as the single-condition API had it"},
		"operator":   tStr, "value": tStr, "values": arr(tStr), "reason": tStr,
		"owner": schema{"type": "string", "description": "the owner's user id (apikey:ID for an API key, system for EventSec itself)"}, "owner_email": tStr,
		"owner_name": schema{"type": "string", "description": "who the owner is to a person: the user's display name (their address when they have none), API key NAME, or EventSec (system); empty when the owner is gone"},
		"expires_at": tTimeNull, "created_at": tTime, "expired": tBool}
	exceptionCreated := map[string]any{"warnings": schema{"type": "array", "items": tStr,
		"description": "conditions on a field EventSec's events are not known to have (not a known field, not one the org's rules read, not in the event of the rule's latest alert), with a near name when there is one; the exception is created all the same"}}
	for k, v := range exceptionProps {
		exceptionCreated[k] = v
	}
	return map[string]schema{
		"Error": obj([]string{"error"}, map[string]any{"error": obj([]string{"code", "message"}, map[string]any{
			"code": tStr, "message": tStr, "field": schema{"type": "string", "description": "JSON path of the offending input"}})}),
		"LoginRequest":   obj([]string{"email", "password"}, map[string]any{"email": tEmail, "password": strMax(128)}),
		"RefreshRequest": obj(nil, map[string]any{"refresh_token": tStr}),
		"Session": obj([]string{"access_token", "refresh_token", "token_type", "expires_in", "csrf_token", "user"}, map[string]any{
			"access_token": tStr, "refresh_token": tStr, "token_type": schema{"type": "string", "const": "Bearer"},
			"expires_in": schema{"type": "integer", "description": "seconds until the access token expires"}, "csrf_token": tStr, "user": ref("User")}),
		"User":           obj(nil, userProps),
		"Me":             obj(nil, meProps),
		"ProfilePatch":   obj(nil, profile),
		"PasswordChange": obj([]string{"current_password", "new_password"}, map[string]any{"current_password": strMax(128), "new_password": strMax(128)}),
		"UserCreate":     obj([]string{"email", "name", "role", "password"}, userCreate),
		"UserPatch":      obj(nil, userPatch),
		"UserList":       obj([]string{"items", "total"}, map[string]any{"items": arr(ref("User")), "total": tInt}),
		"RoleList": obj([]string{"items"}, map[string]any{"items": arr(obj(nil, map[string]any{
			"name": tKeyRole, "description": tStr, "permissions": arr(tStr), "api_key_only": tBool}))}),
		"Group": obj(nil, map[string]any{"id": tStr, "org_id": tStr, "name": tStr, "description": tStr, "created_at": tTime, "updated_at": tTime,
			"members": arr(obj(nil, map[string]any{"id": tStr, "email": tEmail, "name": tStr, "role": tRole}))}),
		"GroupCreate":   obj([]string{"name"}, map[string]any{"name": strMax(100), "description": strMax(1000), "member_ids": arr(tStr)}),
		"GroupPatch":    obj(nil, map[string]any{"name": strMax(100), "description": strMax(1000)}),
		"GroupList":     obj([]string{"items"}, map[string]any{"items": arr(ref("Group"))}),
		"APIKey":        obj(nil, keyProps),
		"APIKeyCreate":  obj([]string{"name", "role"}, map[string]any{"name": strMax(100), "role": tKeyRole, "expires_in_days": schema{"type": "integer", "minimum": 0, "maximum": 3650, "description": "0 for a key that never expires"}}),
		"APIKeyCreated": obj(nil, keyCreated),
		"APIKeyList":    obj([]string{"items"}, map[string]any{"items": arr(ref("APIKey"))}),
		"AuditEntry": obj(nil, map[string]any{"seq": tInt, "time": tTime, "actor_id": tStr, "actor_email": tStr, "action": tStr,
			"target_type": tStr, "target_id": tStr, "summary": tStr, "ip": tStr, "request_id": tStr, "prev_hash": tStr, "hash": tStr}),
		"AuditList": obj([]string{"items", "next_cursor"}, map[string]any{"items": arr(ref("AuditEntry")),
			"next_cursor": schema{"type": []string{"string", "null"}}}),
		"AuditVerify": obj([]string{"ok", "entries"}, map[string]any{"ok": tBool, "entries": tInt, "broken_at_seq": tInt, "reason": tStr}),
		"Org":         org,
		"OrgList":     obj([]string{"items"}, map[string]any{"items": arr(ref("Org"))}),
		"OrgCreate": obj([]string{"name", "admin_email"}, map[string]any{"name": strMax(100), "admin_email": tEmail, "admin_name": strMax(100),
			"admin_password": schema{"type": "string", "description": "generated and returned once when empty"}}),
		"OrgCreated": obj([]string{"org", "admin"}, map[string]any{"org": ref("Org"), "admin": ref("User"), "generated_password": tStr}),
		"Health":     obj([]string{"status"}, map[string]any{"status": tStr, "checks": schema{"type": "object", "additionalProperties": tStr}}),
		"EventsBody": schema{"description": "One JSON object, a JSON array of objects, or NDJSON (one object per line). An id, event.id or _id field makes retries idempotent.",
			"oneOf": []any{schema{"type": "object"}, arr(schema{"type": "object"})}},
		"IngestResult": obj([]string{"accepted"}, map[string]any{"accepted": tInt, "duplicates": tInt,
			"rejected":        arr(obj(nil, map[string]any{"index": tInt, "line": tInt, "reason": tStr})),
			"rejected_count":  tInt,
			"truncated":       arr(obj(nil, map[string]any{"index": tInt, "line": tInt, "reason": tStr})),
			"truncated_count": tInt}),
		"Event": obj(nil, map[string]any{"id": tStr, "seq": tInt, "@timestamp": tTime, "ingested": tTime, "input": tStr,
			"severity": schema{"type": "integer", "minimum": 0, "maximum": 100}, "severity_label": tSeverity, "message": tStr,
			"fields": schema{"type": "object", "description": "the normalized ECS document"}, "raw": schema{"type": "string", "description": "the original as received"}}),
		"EventPage": obj([]string{"items", "total", "next_cursor"}, map[string]any{"items": arr(ref("Event")), "total": tInt,
			"next_cursor": schema{"type": []string{"string", "null"}}}),
		"EventStats": obj(nil, map[string]any{"total": tInt, "interval_seconds": tInt, "from": tTime, "to": tTime,
			"over_time":   arr(obj(nil, map[string]any{"start": tTime, "count": tInt, "by_severity": schema{"type": "object", "additionalProperties": tInt}})),
			"by_severity": arr(ref("TermCount")), "by_category": arr(ref("TermCount")), "by_dataset": arr(ref("TermCount")),
			"by_input": arr(ref("TermCount")), "top_hosts": arr(ref("TermCount")), "top_users": arr(ref("TermCount")),
			"top_sources": arr(ref("TermCount")), "top_countries": arr(ref("TermCount"))}),
		"EventTerms": obj([]string{"field", "terms", "events"}, map[string]any{"field": tStr, "terms": arr(ref("TermCount")),
			"events": tInt}),
		"TermCount": obj([]string{"term", "count"}, map[string]any{"term": tStr, "count": tInt}),
		"ExportRequest": obj(nil, map[string]any{"query": tStr, "severity": arr(tSeverity), "from": tStr, "to": tStr,
			"format": schema{"type": "string", "enum": []string{"ndjson", "csv", "parquet"}},
			"order":  schema{"type": "string", "enum": []string{"asc", "desc"}, "description": "by @timestamp: asc (default), oldest first; desc, newest first"}}),
		"ThreatMapSummary": obj(nil, map[string]any{"from": tTime, "to": tTime, "total": tInt, "with_location": tInt,
			"geoip":   schema{"type": "boolean", "description": "a GeoIP city or country database is configured on the server (geoip_city_db)"},
			"attacks": arr(schema{"type": "object"}), "top_source_countries": arr(ref("TermCount"))}),
		"LiveMessage": obj([]string{"channel", "type", "data"}, map[string]any{
			"channel": schema{"type": "string", "enum": []string{"security:events", "alerts", "incidents", "threats", "metrics", "threatmap", "endpoints", "system"}},
			"type":    schema{"type": "string", "description": "e.g. event (security:events), alert and alert_updated (alerts), attack (threatmap), snapshot (metrics); subscribed, error, dropped, pong (system)"},
			"data":    schema{"description": "per channel: an Event on security:events, LiveMetrics on metrics"}}),
		"LiveMetrics": func() schema {
			counts := schema{"type": "object", "additionalProperties": tInt}
			num := schema{"type": "number"}
			listener := obj(nil, map[string]any{"listener": tStr, "received": tInt, "parsed": tInt, "failed": tInt, "stored": tInt,
				"duplicates": tInt, "rejected": tInt, "refused": tInt, "dropped": tInt, "store_errors": tInt, "dropped_by_reason": counts,
				"batches": tInt, "batch_latency_ms": schema{"type": "number", "description": "mean time to make a batch durable, over the interval's batches"},
				"in_flight": tInt, "connections": tInt, "received_total": tInt, "stored_total": tInt, "dropped_total": tInt})
			pipeline := obj(nil, map[string]any{"in_flight": tInt, "in_flight_limit": tInt, "listeners": arr(listener)})
			pipeline["description"] = "platform admins only: the ingest pipeline's figures (those of /metrics), which span every organisation"
			return schema{"type": "object", "required": []string{"time", "interval_seconds", "events", "alerts"},
				"description": "data of a metrics message, every 5 s while the org has a subscriber of the channel; counts without _total are over the interval",
				"properties": map[string]any{"time": tTime, "interval_seconds": num,
					"events": obj(nil, map[string]any{"received": tInt, "stored": tInt, "received_per_second": num, "stored_per_second": num,
						"by_severity":    schema{"type": "object", "additionalProperties": tInt, "description": "events stored in the interval by severity: info, low, medium, high, critical"},
						"received_total": tInt, "stored_total": tInt}),
					"alerts": obj(nil, map[string]any{"raised": tInt, "raised_total": tInt,
						"open":        schema{"type": "integer", "description": "alerts neither resolved nor closed, up to 1000; absent when they could not be counted"},
						"open_capped": schema{"type": "boolean", "description": "there are more than 1000 open alerts"}}),
					"pipeline": pipeline}}
		}(),
		"ImportFile": schema{"type": "string", "format": "binary"},
		"ImportFailure": obj([]string{"file", "reason"}, map[string]any{"file": tStr,
			"line":   schema{"type": "integer", "description": "1-based line of the record (absent for an .evtx record)"},
			"column": schema{"type": "integer", "description": "1-based byte of the line where malformed JSON went wrong (absent when not known)"},
			"reason": tStr}),
		"ImportSummary": obj(nil, map[string]any{"file": tStr, "bytes": tInt, "read": tInt, "stored": tInt, "duplicates": tInt,
			"parse_errors": tInt, "failed": tInt, "failed_files": tInt, "reasons": schema{"type": "object", "additionalProperties": tInt},
			"failures": schema{"type": "array", "items": ref("ImportFailure"), "description": "the first 20 records not stored, in line order (failed counts them all)"},
			"warnings": arr(tStr), "elapsed_ms": tInt, "summary": tStr,
			"first": tTimeNull, "last": tTimeNull, "old": schema{"type": "integer", "description": "events stored that are dated before old_before: the next retention run deletes them"},
			"old_before": tTimeNull, "retention_days": tInt}),
		"RuleList": obj([]string{"rules", "total", "facets"}, map[string]any{"rules": arr(ref("Rule")), "total": tInt,
			"facets": schema{"type": "object", "description": "per dimension (level, status, pack, product, category, service, tactic, kind, enabled), the number of rules per value",
				"additionalProperties": schema{"type": "object", "additionalProperties": tInt}}}),
		"Rule": obj(nil, map[string]any{"id": tStr, "title": tStr, "description": tStr, "author": tStr,
			"format": schema{"type": "string", "enum": []string{"sigma", "json", "kql"}}, "kind": schema{"type": "string", "enum": []string{"detection", "correlation", "threshold", "filter", "scheduled"}},
			"source": schema{"type": "string", "description": "the rule's YAML or JSON (single rule only)"}, "status": tStr, "level": tLevel,
			"severity_override": tStr, "alert_group_by": arr(tStr), "alert_window_minutes": tInt, "enabled": tBool, "pack": tStr,
			"imported_from": schema{"type": "string", "description": "where an import last took the rule from, ARCHIVE:FILE (the uploaded file or the directory given to the CLI, and the rule's file in it); empty for a rule written in EventSec"},
			"logsource":     obj(nil, map[string]any{"product": tStr, "category": tStr, "service": tStr}),
			"tags":          arr(tStr), "attack": ref("Attack"), "references": arr(tStr), "falsepositives": arr(tStr), "created_at": tTime, "updated_at": tTime,
			"created_by": tStr, "stats": obj(nil, map[string]any{"matches": tInt, "alerts": tInt,
				"eval_ns_per_event": schema{"type": "number", "description": "the rule's own average evaluation time per event of its organisation, measured on sampled events (eval_samples of them); 0 before the first sample"},
				"eval_samples":      tInt, "last_match_at": tTimeNull}),
			"runnable":   schema{"type": "boolean", "description": "false when the rule cannot run in this organisation as it is; problem says why"},
			"problem":    schema{"type": "string", "description": "e.g. not runnable: placeholder %known_cdcs% has no values in this org"},
			"exceptions": arr(ref("Exception")),
			"feeds": schema{"type": "array", "items": ref("RuleFeed"),
				"description": "correlations of the organisation's other enabled rules that count one of this rule's documents; silenced: that document raises no alert of its own, since none of them sets generate: true (Sigma)"},
			"documents": schema{"type": "array", "description": "a single rule only: the documents of the rule's file (a Sigma file may hold base rules, correlations and filters), each with the correlations that count it",
				"items": obj(nil, map[string]any{"id": tStr, "name": tStr, "title": tStr, "kind": schema{"type": "string", "enum": []string{"detection", "correlation", "threshold", "filter"}},
					"level": tLevel, "tags": arr(tStr), "alerting": schema{"type": "boolean", "description": "its own matches (a correlation's results) raise alerts"},
					"feeds": arr(ref("RuleFeed"))})},
			"document": schema{"type": "string", "description": "GET by the id or Sigma name of a document that is not the rule's id (an alert's rule_document_id): that document's id"},
			"warnings": schema{"type": "array", "items": ref("RuleProblem"),
				"description": "create and update only: what does not stop the rule from being saved (unknown ATT&CK tags, a status or date Sigma does not define, a placeholder without values, a correlation of a rule the organisation lacks)"}}),
		"RuleFeed": obj(nil, map[string]any{"document": tStr, "document_title": tStr, "rule_id": tStr, "rule_title": tStr,
			"correlation_id": tStr, "correlation_title": tStr, "generate": tBool,
			"silenced": schema{"type": "boolean", "description": "the counted document raises no alert of its own: no correlation that counts it sets generate: true"}}),
		"Placeholder": obj([]string{"name", "values"}, map[string]any{"name": tStr, "values": arr(tStr), "updated_by": tStr, "updated_at": tTimeNull,
			"rules": arr(obj(nil, map[string]any{"id": tStr, "title": tStr}))}),
		"Placeholders": obj([]string{"placeholders", "missing", "limits"}, map[string]any{"placeholders": arr(ref("Placeholder")),
			"missing": schema{"type": "array", "items": ref("Placeholder"), "description": "placeholders the organisation's rules use that have no values: those rules do not run"},
			"limits":  obj(nil, map[string]any{"placeholders": tInt, "values": tInt, "value_bytes": tInt, "name_pattern": tStr})}),
		"PlaceholdersSet": obj([]string{"placeholders"}, map[string]any{"placeholders": schema{"type": "array", "maxItems": detect.MaxPlaceholders,
			"description": "the whole set: a placeholder left out is removed",
			"items": obj([]string{"name", "values"}, map[string]any{
				"name":   schema{"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$", "description": "without the percent signs"},
				"values": schema{"type": "array", "minItems": 1, "maxItems": detect.MaxPlaceholderValues, "items": schema{"type": "string", "maxLength": detect.MaxPlaceholderValue}, "description": "* and ? are wildcards, \\ escapes"}})}}),
		"Attack": obj(nil, map[string]any{"tactics": arr(obj(nil, map[string]any{"id": tStr, "name": tStr, "shortname": tStr,
			"replaces": schema{"type": "string", "description": "the retired tactic shortname the rule is tagged with (defense-evasion), when this tactic stands for it"}})),
			"techniques": arr(ref("AttackTechnique"))}),
		"AttackTechnique": obj([]string{"id", "name"}, map[string]any{"id": tStr, "name": tStr,
			"replaces": schema{"type": "string", "description": "the revoked technique ID the rule or alert is tagged with, when this technique replaced it"},
			"status":   schema{"type": "string", "enum": []string{"deprecated"}, "description": "set for a technique ATT&CK withdrew without a replacement"}}),
		"RuleCreate": obj([]string{"source"}, map[string]any{"format": schema{"type": "string", "enum": []string{"sigma", "json", "kql"}, "description": "guessed from the source when empty"},
			"source": schema{"type": "string", "maxLength": detect.MaxSourceBytes}, "enabled": tBool}),
		"RulePatch": obj(nil, map[string]any{"enabled": tBool, "severity_override": schema{"type": "string", "enum": []string{"", "informational", "low", "medium", "high", "critical"}},
			"alert_group_by":       schema{"type": "array", "maxItems": 5, "items": tStr, "description": "event fields whose values key the rule's alerts (a repeat with the same values folds into the open alert); [] for the default: host, user and source address"},
			"alert_window_minutes": schema{"type": "integer", "minimum": 0, "maximum": 43200, "description": "how far apart in event time repeats fold into one alert; 0 for the default (24 hours)"}}),
		"RuleValidate": obj([]string{"source"}, map[string]any{"format": tStr, "source": tStr,
			"rule_id": schema{"type": "string", "description": "the rule being edited (omit for a new rule): its own id and name are not reported as duplicates, and a source whose id is another is an error"}}),
		"RuleProblem": obj(nil, map[string]any{"file": tStr, "line": tInt, "column": tInt, "message": tStr,
			"path": schema{"type": "string", "description": "JSON rules: the place in the rule object, e.g. conditions[0].operator"},
			"status": schema{"type": "string", "enum": []string{detect.FailedUnreadable, detect.FailedRefused},
				"description": "import reports' failed only: unreadable (the file is no valid rule) or refused (a valid rule the organisation cannot take: its id or name is another rule's, or an action names a channel it lacks)"}}),
		"RuleValidation": obj([]string{"valid", "errors", "warnings"}, map[string]any{"valid": tBool, "errors": arr(ref("RuleProblem")),
			"warnings": schema{"type": "array", "items": ref("RuleProblem"), "description": "things that do not stop the rule from being saved but from running, e.g. a placeholder without values in this organisation"},
			"rule":     schema{"oneOf": []any{ref("Rule"), schema{"type": "null"}}}}),
		"RuleTest": obj(nil, map[string]any{"format": tStr, "source": tStr, "from": tStr, "to": tStr, "limit": tInt,
			"events": schema{"type": "array", "maxItems": detect.MaxSamples, "description": "sample events: JSON objects or strings (raw log lines); omit to backtest over stored events",
				"items": schema{"oneOf": []any{schema{"type": "object"}, tStr}}}}),
		"RuleTestResult": obj(nil, map[string]any{"scanned": tInt, "matched": tInt,
			"alerts":    schema{"type": "integer", "description": "alerts live detection would have raised over the events in time order, starting with no open alert"},
			"folded":    schema{"type": "integer", "description": "results that would have folded into one of those alerts (same key, within the rule's fold window)"},
			"truncated": tBool, "scan_limited": tBool, "scanned_from": tTime, "elapsed_ms": tInt,
			"matches":      arr(obj(nil, map[string]any{"event_id": tStr, "timestamp": tTime, "summary": tStr, "fields": schema{"type": "object"}, "rule": tStr})),
			"correlations": arr(obj(nil, map[string]any{"rule": tStr, "group": schema{"type": "object", "additionalProperties": tStr}, "value": schema{"type": "number"}, "start": tTime, "end": tTime})),
			"documents": schema{"type": "array", "description": "alerts and folded split by the document of the rule's file that would have raised them (an alert's rule_document_id)",
				"items": obj(nil, map[string]any{"document": tStr, "title": tStr, "alerts": tInt, "folded": tInt})}}),
		"RuleExport": schema{"type": "string", "format": "binary", "description": "ZIP: manifest.json (version 2, exported_at, filter, rules: id, title, pack, format, kind, enabled, file, updated_at, severity_override, alert_group_by, alert_window_minutes, exceptions: conditions, reason, owner, owner_email, expires_at, created_at) and one file per rule, PACK/TITLE.yml (Sigma), .json (JSON rule) or .kql.json (scheduled KQL rule), its source as stored"},
		"RuleBulk": obj([]string{"action"}, map[string]any{
			"action": schema{"type": "string", "enum": []string{"enable", "disable", "delete"}},
			"ids":    schema{"type": "array", "items": tStr, "maxItems": 10000, "description": "the rules to act on; or filter, not both"},
			"filter": obj(nil, map[string]any{"q": tStr, "status": tStr, "level": tStr, "tactic": tStr, "technique": tStr, "product": tStr,
				"category": tStr, "service": tStr, "pack": tStr, "kind": tStr, "enabled": tBool, "runnable": tBool}),
			"confirm": schema{"type": "integer", "description": "the number of rules selected; required to delete by filter, and checked whenever given"}}),
		"RuleBulkResult": obj([]string{"matched", "changed"}, map[string]any{"matched": tInt, "changed": tInt}),
		"RulePack":       schema{"type": "string", "format": "binary", "description": "multipart/form-data with field file (ZIP, .yml or .json) and optional fields pack, disabled and overwrite (as the query parameters)"},
		"RuleImportReport": obj(nil, map[string]any{"loaded": tInt,
			"updated":       schema{"type": "integer", "description": "stored rules replaced by the file's version (or, from an export, whose state was restored); updated_rules lists them"},
			"unchanged":     schema{"type": "integer", "description": "stored rules whose source is the file's"},
			"updated_rules": arr(obj(nil, map[string]any{"id": tStr, "title": tStr, "file": tStr})),
			"conflicts": schema{"type": "array", "description": "rules written or edited in EventSec whose source differs from the file's: left as they are; import with overwrite=true to replace them",
				"items": obj(nil, map[string]any{"id": tStr, "title": tStr, "file": tStr, "pack": schema{"type": "string", "description": "the stored rule's pack"}, "message": tStr})},
			"failed": arr(ref("RuleProblem")),
			"not_runnable": schema{"type": "array", "description": "rules of this import, stored, that cannot run in the organisation as they are (a placeholder without values, a correlation of a missing rule)",
				"items": obj(nil, map[string]any{"id": tStr, "title": tStr, "file": tStr, "message": tStr})},
			"other_not_runnable":  schema{"type": "integer", "description": "the organisation's other rules (not in this import) that cannot run"},
			"exceptions_restored": schema{"type": "integer", "description": "exceptions an export's manifest gave that their rules lacked, added"},
			"skipped":             arr(obj(nil, map[string]any{"file": tStr, "reason": tStr})), "elapsed_ms": tInt}),
		"Coverage": obj(nil, map[string]any{"techniques_total": tInt, "techniques_covered": tInt, "tactics": arr(obj(nil, map[string]any{
			"id": tStr, "shortname": tStr, "name": tStr, "techniques": arr(obj(nil, map[string]any{"id": tStr, "name": tStr, "rules": tInt, "enabled": tInt}))}))}),
		"RetroHuntStart": obj(nil, map[string]any{"from": tStr, "to": tStr, "raise_alerts": tBool}),
		"RetroHunt": obj(nil, map[string]any{"id": tStr, "rule_id": tStr, "rule_title": tStr, "from": tTime, "to": tTime, "raise_alerts": tBool,
			"status": schema{"type": "string", "enum": []string{"running", "done", "failed", "cancelled"}}, "scanned": tInt, "total": tInt,
			"progress": schema{"type": "number", "minimum": 0, "maximum": 1}, "alerts_created": schema{"type": "integer", "description": "new alerts the hunt stored (raise_alerts)"},
			"alerts_folded": schema{"type": "integer", "description": "results of the hunt that folded into open alerts instead of raising new ones"},
			"alerts_raised": schema{"type": "integer", "description": "older name of alerts_created", "deprecated": true}, "started_by": tStr, "started_at": tTime,
			"finished_at": tTimeNull, "error": tStr, "result": ref("RuleTestResult")}),
		"RetroHuntList": obj([]string{"retrohunts"}, map[string]any{"retrohunts": arr(ref("RetroHunt"))}),
		"ExceptionCondition": obj([]string{"field"}, map[string]any{
			"field": schema{"type": "string", "maxLength": 256, "pattern": `^[\p{L}\p{N}_.@-]+$`,
				"description": "an event field: an ECS key (user.name), a Sigma name (Image) or a key of the sender's own"},
			"operator": schema{"type": "string", "enum": detect.ExceptionOperators, "default": "equals",
				"description": "not_equals, not_in and not_exists hold when no value of the field satisfies equals, in or exists (a missing field too); wildcard reads * and ? as Sigma does (a backslash escapes *, ? and itself); comparisons are case-insensitive except regex"},
			"value":  schema{"type": "string", "maxLength": 4096, "description": "for every operator but in, not_in, exists and not_exists"},
			"values": schema{"type": "array", "items": tStr, "minItems": 1, "maxItems": 1000, "description": "for in and not_in"}}),
		"Exception":        obj(nil, exceptionProps),
		"ExceptionCreated": obj(nil, exceptionCreated),
		"ExceptionList":    obj([]string{"exceptions"}, map[string]any{"exceptions": arr(ref("Exception"))}),
		"ExceptionCreate": schema{"type": "object", "required": []string{"reason"}, "additionalProperties": false,
			"description": "conditions, or the one condition of field, operator and value (values) at the top level",
			"properties": map[string]any{
				"conditions": schema{"type": "array", "items": ref("ExceptionCondition"), "minItems": 1, "maxItems": detect.MaxExceptionConditions},
				"field":      tStr, "operator": schema{"type": "string", "enum": detect.ExceptionOperators}, "value": tStr, "values": arr(tStr),
				"reason": tStr, "expires_at": schema{"type": []string{"string", "null"}, "description": "in the future: RFC 3339 time (2025-01-31T18:00:00Z), a date (2025-01-31, to the end of that day UTC) or relative: now+7d, now+12h"}}},
		"Alert": obj(nil, map[string]any{"id": tStr, "rule_id": tStr, "rule_title": tStr, "rule_kind": tStr,
			"rule_document_id": tRuleDocID, "rule_name": tRuleName, "severity": tLevel,
			"status": tAlertStatus, "title": tStr, "description": tStr,
			"tactics": arr(obj(nil, map[string]any{"id": tStr, "name": tStr, "shortname": tStr})), "techniques": arr(ref("AttackTechnique")),
			"entities": obj(nil, map[string]any{"hosts": arr(tStr), "users": arr(tStr), "ips": arr(tStr), "processes": arr(tStr), "files": arr(tStr), "domains": arr(tStr),
				"user_domains": schema{"type": "object", "additionalProperties": tStr, "description": "the domain of each of users whose events named one (user.domain beside user.name)"}}),
			"group": schema{"type": "object", "additionalProperties": tStr}, "event_ids": arr(tStr), "count": tInt, "dedup_key": tStr,
			"first_seen": tTime, "last_seen": tTime, "created_at": tTime, "updated_at": tTime, "assignee": tStr}),
		"AlertDetail": schema{"allOf": []any{ref("Alert"), obj(nil, map[string]any{"events": arr(ref("Event"))})}},
		"AlertEvents": obj([]string{"events", "scanned", "next_cursor", "from", "to", "filter"}, map[string]any{"events": arr(ref("Event")),
			"scanned":     schema{"type": "integer", "description": "stored events this page read"},
			"next_cursor": schema{"type": "string", "description": "continues the reading; empty when the alert's span is read to its end"},
			"from":        tTime, "to": tTime, "filter": schema{"type": "string", "description": "the event query that narrowed the reading (the alert's host, user and source address)"}}),
		"AlertList":  obj([]string{"alerts", "total", "next_cursor"}, map[string]any{"alerts": arr(ref("Alert")), "total": tInt, "next_cursor": tStr}),
		"AlertPatch": obj(nil, map[string]any{"status": tAlertStatus, "assignee": schema{"type": "string", "description": "user id; empty to unassign"}}),
		"AlertStats": obj(nil, map[string]any{"total": tInt, "open": tInt, "by_severity": schema{"type": "object", "additionalProperties": tInt},
			"by_status": schema{"type": "object", "additionalProperties": tInt},
			"top_rules": arr(obj(nil, map[string]any{"rule_id": tStr, "title": tStr, "count": tInt}))}),
		"KQLRequest": obj([]string{"query"}, map[string]any{"query": schema{"type": "string", "maxLength": 1 << 20},
			"from": schema{"type": "string", "description": "RFC 3339 or now-24h; default the last 24 hours"}, "to": tStr,
			"limit": schema{"type": "integer", "minimum": 1, "maximum": 10000, "description": "default 500"}}),
		"KQLResult": obj([]string{"columns", "rows", "stats", "truncated"}, map[string]any{
			"columns": arr(obj(nil, map[string]any{"name": tStr, "type": tStr})), "rows": arr(arr(schema{})),
			"stats": obj(nil, map[string]any{"rows": tInt, "elapsed_ms": tInt, "scanned": tInt}), "truncated": tBool, "query_id": tStr}),
		"KQLCheck": obj([]string{"query"}, map[string]any{"query": tStr}),
		"KQLCheckResult": obj([]string{"valid", "errors"}, map[string]any{"valid": tBool,
			"errors": arr(obj(nil, map[string]any{"code": tStr, "message": tStr, "line": tInt, "column": tInt}))}),
		"KQLSchema": obj(nil, map[string]any{"tables": arr(obj(nil, map[string]any{"name": tStr, "doc": tStr,
			"columns": arr(obj(nil, map[string]any{"name": tStr, "type": tStr, "doc": tStr}))})),
			"functions": arr(tStr), "aggregates": arr(tStr), "operators": arr(tStr)}),
		"KQLHistory": obj([]string{"items"}, map[string]any{"items": arr(obj(nil, map[string]any{"id": tStr, "query": tStr, "ran_at": tTime,
			"rows": tInt, "elapsed_ms": tInt, "error": tStr}))}),
		"SavedQuery": obj(nil, map[string]any{"id": tStr, "name": tStr, "description": tStr, "query": tStr, "created_by": tStr,
			"created_by_email": tStr, "created_at": tTime, "updated_at": tTime}),
		"SavedQueryList": obj([]string{"items"}, map[string]any{"items": arr(ref("SavedQuery"))}),
		"SavedSearchBody": obj([]string{"name"}, map[string]any{"name": tStr, "description": tStr,
			"query":    schema{"type": "string", "description": "the search syntax; empty for every event"},
			"range":    schema{"type": "string", "enum": []string{"", "15m", "1h", "24h", "7d", "30d", "90d", "1y", "all"}, "description": "a time range preset (all: all time), or empty with from and to"},
			"from":     schema{"type": "string", "format": "date-time"},
			"to":       schema{"type": "string", "format": "date-time"},
			"severity": arr(schema{"type": "string", "enum": []string{"info", "low", "medium", "high", "critical"}}),
			"columns":  arr(tStr)}),
		"SavedSearch": obj(nil, map[string]any{"id": tStr, "name": tStr, "description": tStr, "query": tStr, "range": tStr, "from": tStr, "to": tStr,
			"severity": arr(tStr), "columns": arr(tStr), "created_by": tStr, "created_by_email": tStr, "created_at": tTime, "updated_at": tTime}),
		"SavedSearchList": obj([]string{"items"}, map[string]any{"items": arr(ref("SavedSearch"))}),
		"SavedQueryBody":  obj([]string{"name", "query"}, map[string]any{"name": strMax(200), "description": strMax(2000), "query": tStr}),
		"Settings":        obj(nil, map[string]any{"org_id": tStr, "org_name": tStr, "retention_days": tInt}),
		"SettingsPatch":   obj([]string{"retention_days"}, map[string]any{"retention_days": schema{"type": "integer", "minimum": 1, "maximum": 3650}}),
	}
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// Document returns the OpenAPI document.
func (s *Server) Document() map[string]any {
	paths := map[string]map[string]any{}
	errResp := func(desc string) schema {
		return schema{"description": desc, "content": schema{"application/json": schema{"schema": ref("Error")}}}
	}
	for _, rt := range s.routes {
		op := schema{"summary": rt.Summary, "tags": []string{rt.Tag}, "operationId": operationID(rt)}
		var params []schema
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, schema{"name": m[1], "in": "path", "required": true, "schema": tStr})
		}
		for _, q := range rt.Query {
			params = append(params, schema{"name": q.Name, "in": "query", "schema": schema{"type": q.Type}, "description": q.Help})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Request != "" {
			op["requestBody"] = schema{"required": rt.Method != "POST" || !strings.HasSuffix(rt.Path, "/refresh") && !strings.HasSuffix(rt.Path, "/logout"),
				"content": schema{"application/json": schema{"schema": ref(rt.Request)}}}
		}
		if rt.Body == "RulePack" {
			op["requestBody"] = schema{"required": true, "content": schema{"multipart/form-data": schema{"schema": obj([]string{"file"},
				map[string]any{"file": schema{"type": "string", "format": "binary"}, "pack": tStr,
					"disabled": schema{"type": "boolean", "description": "true: rules new to the organisation are imported disabled"}})}}}
		} else if rt.Body == "Upload" {
			op["requestBody"] = schema{"required": true, "content": schema{"multipart/form-data": schema{"schema": obj([]string{"file"},
				map[string]any{"file": schema{"type": "string", "format": "binary"}})}}}
		} else if rt.Body == "ImportFile" {
			op["requestBody"] = schema{"required": true, "content": schema{"application/octet-stream": schema{"schema": ref(rt.Body)}}}
		} else if rt.Body != "" {
			op["requestBody"] = schema{"required": true, "content": schema{
				"application/json":     schema{"schema": ref(rt.Body)},
				"application/x-ndjson": schema{"schema": tStr},
			}}
		}
		ok := schema{"description": http.StatusText(rt.Status)}
		if rt.Response == "RuleExport" {
			ok["content"] = schema{"application/zip": schema{"schema": ref(rt.Response)}}
		} else if rt.Response != "" {
			ok["content"] = schema{"application/json": schema{"schema": ref(rt.Response)}}
		}
		if len(rt.Messages) > 0 {
			// OpenAPI has no words for a WebSocket: the messages are named
			// in an extension.
			msgs := make([]schema, 0, len(rt.Messages))
			for _, m := range rt.Messages {
				msgs = append(msgs, ref(m))
			}
			op["x-websocket-messages"] = msgs
			ok["description"] = "Switching Protocols: the socket carries JSON messages (x-websocket-messages); see docs/api.md, Live (WebSocket)"
		}
		responses := schema{strconv.Itoa(rt.Status): ok, "400": errResp("Bad input: the error names the field and the problem")}
		if rt.Perm != "" {
			responses["401"] = errResp("Not signed in, or the token is invalid")
			responses["403"] = errResp("The caller's role lacks the permission " + string(rt.Perm))
			op["x-permission"] = string(rt.Perm)
		} else {
			op["security"] = []any{}
		}
		if strings.Contains(rt.Path, "{") {
			responses["404"] = errResp("No such resource in the caller's organisation")
		}
		if rt.Method == "POST" || rt.Method == "PATCH" || rt.Method == "DELETE" {
			responses["409"] = errResp("Conflicts with the current state (duplicate, last admin, own account)")
		}
		if strings.HasSuffix(rt.Path, "/retrohunt") {
			responses["429"] = errResp("Too many retro-hunts running in the organisation; see Retry-After")
		}
		if strings.HasSuffix(rt.Path, "/login") {
			responses["401"] = errResp("Wrong e-mail or password")
			responses["429"] = errResp("Too many attempts; see Retry-After")
		}
		op["responses"] = responses
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	health := schema{"description": "OK", "content": schema{"application/json": schema{"schema": ref("Health")}}}
	paths["/healthz"] = map[string]any{"get": schema{"summary": "The process is alive", "tags": []string{"Operations"}, "security": []any{}, "responses": schema{"200": health}}}
	paths["/readyz"] = map[string]any{"get": schema{"summary": "The stores answer", "tags": []string{"Operations"}, "security": []any{},
		"responses": schema{"200": health, "503": health}}}
	paths["/metrics"] = map[string]any{"get": schema{"summary": "Prometheus metrics (text exposition format)", "tags": []string{"Operations"}, "security": []any{},
		"responses": schema{"200": schema{"description": "OK", "content": schema{"text/plain": schema{"schema": tStr}}}}}}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "EventSec API", "version": s.o.Version,
			"description": "The REST API of EventSec, the open-source SIEM + EDR. Authenticate with a Bearer access token from /api/v1/auth/login or an API key (esk_...). Errors always have the shape {\"error\":{\"code\",\"message\",\"field\"}}."},
		"servers":  []any{map[string]any{"url": "/"}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "An access token (JWT) from /api/v1/auth/login, or an API key starting with esk_"}},
			"schemas": withIntelSchemas(schemas()),
		},
		"paths": paths,
	}
}

func operationID(rt route) string {
	p := strings.TrimPrefix(rt.Path, "/api/v1/")
	p = pathParam.ReplaceAllString(p, "by_$1")
	p = strings.NewReplacer("/", "_", "-", "_").Replace(p)
	return strings.ToLower(rt.Method) + "_" + p
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Document())
}

// docsPage renders the OpenAPI document with Swagger UI, served from the
// embedded web app (no CDN). The script is a separate file so the page
// runs under a strict Content-Security-Policy.
func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>EventSec API</title>
<link rel="stylesheet" href="/swagger-ui/swagger-ui.css">
</head>
<body>
<noscript>The API reference needs JavaScript. The raw document is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript>
<div id="swagger-ui"></div>
<script src="/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`))
}

func (s *Server) docsScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	_, _ = w.Write([]byte(`window.ui = SwaggerUIBundle({url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false});` + "\n"))
}
