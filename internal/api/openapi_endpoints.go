package api

// endpointSchemas are the OpenAPI schemas of the endpoint routes.
func endpointSchemas() map[string]schema {
	tNum := schema{"type": "number"}
	tStatus := schema{"type": "string", "enum": []string{"online", "offline", "revoked"}}
	facts := obj(nil, map[string]any{"hostname": tStr, "fqdn": tStr, "os": tStr, "platform": tStr, "platform_version": tStr,
		"family": tStr, "kernel_version": tStr, "arch": tStr, "machine_id": tStr, "agent_version": tStr, "ips": arr(tStr), "macs": arr(tStr)})
	health := obj(nil, map[string]any{"rss_bytes": tInt, "cpu_percent": tNum, "throttled": tBool, "spool_bytes": tInt,
		"spool_dropped": tInt, "events_sent": tInt, "warnings": arr(tStr)})
	settings := obj(nil, map[string]any{
		"heartbeat_seconds": schema{"type": "integer", "minimum": 5, "maximum": 3600}, "inventory_seconds": tInt, "metrics_seconds": tInt,
		"log_files": arr(obj([]string{"path"}, map[string]any{"path": tStr, "format": schema{"type": "string",
			"enum": []string{"", "syslog", "json", "auth", "access", "lines"}}})),
		"journald": tBool, "eventlog_channels": arr(tStr),
		"fim":                  obj(nil, map[string]any{"paths": arr(tStr), "exclude": arr(tStr), "scan_seconds": tInt, "max_file_bytes": tInt}),
		"sca_interval_seconds": tInt, "sca_policies": arr(tStr),
		"command_allow_list": schema{"type": "array", "items": tStr, "description": "run_command's argv[0] must equal one of these"},
		"collect_paths":      schema{"type": "array", "items": tStr, "description": "collect_file's path must be under one of these"},
		"collect_max_bytes":  tInt, "limits": obj(nil, map[string]any{"cpu_percent": tNum, "memory_mb": tInt}), "spool_max_bytes": tInt,
	})
	actionTypes := []string{"isolate", "release", "kill_process", "run_command", "collect_file", "restart_agent", "reboot", "update_block_list"}
	keyProps := map[string]any{"id": tStr, "name": tStr, "prefix": tStr, "created_by": tStr, "created_at": tTime,
		"expires_at": tTimeNull, "revoked_at": tTimeNull, "last_used_at": tTimeNull, "uses": tInt}
	keyCreated := map[string]any{"key": schema{"type": "string", "description": "the enrollment key; shown only in this response"}}
	for k, v := range keyProps {
		keyCreated[k] = v
	}
	block := obj(nil, map[string]any{"id": tStr, "kind": schema{"type": "string", "enum": []string{"ip", "domain", "url", "email"}},
		"value": tStr, "reason": tStr, "created_by": tStr, "created_at": tTime, "expires_at": tTimeNull})
	return map[string]schema{
		"Endpoint": obj(nil, map[string]any{"id": tStr, "name": tStr, "hostname": tStr, "status": tStatus, "os": tStr, "platform": tStr,
			"platform_version": tStr, "arch": tStr, "agent_version": tStr, "owner": tStr, "location": tStr, "group": tStr, "tags": arr(tStr),
			"isolated": tBool, "config_version": tInt, "last_seen": tTimeNull, "last_ip": tStr, "enrolled_at": tTime, "updated_at": tTime,
			"revoked_at": tTimeNull, "facts": facts, "health": health}),
		"EndpointList": obj([]string{"items", "total", "counts"}, map[string]any{"items": arr(ref("Endpoint")), "total": tInt,
			"counts": obj(nil, map[string]any{"active": tInt, "online": tInt, "offline": tInt, "revoked": tInt,
				"by_os": schema{"type": "object", "additionalProperties": tInt}, "by_group": schema{"type": "object", "additionalProperties": tInt}})}),
		"EndpointPatch": obj(nil, map[string]any{"name": strMax(200), "owner": strMax(200), "location": strMax(200), "group": strMax(200),
			"tags": schema{"type": "array", "items": strMax(64), "maxItems": 50}}),
		"EndpointSettingsBody": settings,
		"EndpointSettings":     obj([]string{"version", "settings"}, map[string]any{"version": tInt, "settings": settings}),
		"EndpointMetrics": obj(nil, map[string]any{"from": tTime, "to": tTime, "resolution_seconds": tInt, "points": arr(obj(nil, map[string]any{
			"at": tTime, "cpu_percent": tNum, "mem_used_bytes": tInt, "mem_total_bytes": tInt, "disk_used_bytes": tInt,
			"disk_total_bytes": tInt, "net_rx_bytes": tInt, "net_tx_bytes": tInt, "load1": tNum}))}),
		"Inventory": obj(nil, map[string]any{"received_at": tTimeNull, "inventory": schema{"type": []string{"object", "null"},
			"description": "the agent's snapshot: collected_at, facts, hardware, interfaces, listening, processes, users, software (see internal/agent/wire)"}}),
		"ProcessList": obj([]string{"items", "total"}, map[string]any{"total": tInt, "items": arr(obj(nil, map[string]any{"pid": tInt, "ppid": tInt,
			"name": tStr, "exe": tStr, "cmdline": tStr, "user": tStr, "started_at": tTime, "sha256": tStr, "cpu_percent": tNum, "rss_bytes": tInt}))}),
		"SoftwareList": obj([]string{"items", "total"}, map[string]any{"total": tInt, "items": arr(obj(nil, map[string]any{"name": tStr,
			"version": tStr, "source": tStr, "source_name": tStr, "arch": tStr, "vendor": tStr, "installed_at": tTime}))}),
		"VulnerabilityList": obj([]string{"available", "items"}, map[string]any{"available": tBool, "message": tStr,
			"items": arr(obj(nil, map[string]any{"id": tStr, "aliases": arr(tStr), "summary": tStr, "severity": tStr, "score": tNum,
				"package": tStr, "installed_version": tStr, "fixed_version": tStr, "ecosystem": tStr, "reason": tStr}))}),
		"SCAResults": obj([]string{"policies", "history"}, map[string]any{
			"policies": arr(obj(nil, map[string]any{"policy_id": tStr, "policy_name": tStr, "finished_at": tTime, "received_at": tTime,
				"score": tNum, "passed": tInt, "failed": tInt, "not_applicable": tInt, "checks": arr(obj(nil, map[string]any{
					"id": tStr, "title": tStr, "status": schema{"type": "string", "enum": []string{"pass", "fail", "not_applicable", "error"}},
					"reason": tStr, "severity": tStr, "remediation": tStr, "rationale": tStr,
					"compliance": schema{"type": "object", "additionalProperties": tStr}}))})),
			"history": arr(obj(nil, map[string]any{"policy_id": tStr, "finished_at": tTime, "score": tNum, "passed": tInt, "failed": tInt}))}),
		"Action": obj(nil, map[string]any{"id": tStr, "agent_id": tStr, "type": schema{"type": "string", "enum": actionTypes},
			"params": schema{"type": "object"}, "reason": tStr,
			"state":      schema{"type": "string", "enum": []string{"queued", "delivered", "done", "failed", "expired"}},
			"created_by": tStr, "created_at": tTime, "expires_at": tTime, "delivered_at": tTimeNull, "finished_at": tTimeNull,
			"exit_code": tInt, "output": tStr, "error": tStr,
			"file": schema{"oneOf": []any{obj(nil, map[string]any{"name": tStr, "sha256": tStr, "size": tInt}), schema{"type": "null"}}}}),
		"ActionList": obj([]string{"items"}, map[string]any{"items": arr(ref("Action"))}),
		"ActionCreate": obj([]string{"type", "reason"}, map[string]any{"type": schema{"type": "string", "enum": actionTypes},
			"params": schema{"type": "object", "description": "kill_process {pid, name}; run_command {argv, timeout_seconds} (argv[0] on the allow-list); " +
				"collect_file {path} (under a collect path); isolate {allow: [IPs/CIDRs]}; others none"},
			"reason": strMax(1000)}),
		"EnrollmentKey":        obj(nil, keyProps),
		"EnrollmentKeyList":    obj([]string{"items"}, map[string]any{"items": arr(ref("EnrollmentKey"))}),
		"EnrollmentKeyCreated": obj(nil, keyCreated),
		"EnrollmentKeyCreate": obj([]string{"name"}, map[string]any{"name": strMax(100),
			"expires_in_days": schema{"type": "integer", "minimum": 0, "maximum": 3650, "description": "0 for a key that never expires"}}),
		"AgentDownloads": obj([]string{"items"}, map[string]any{"items": arr(obj(nil, map[string]any{"platform": tStr, "available": tBool,
			"file_name": tStr, "url": tStr, "size": tInt, "sha256": tStr, "built_at": tTimeNull}))}),
		"Block":     block,
		"BlockList": obj([]string{"items"}, map[string]any{"items": arr(ref("Block"))}),
		"BlockCreate": obj([]string{"kind", "value", "reason"}, map[string]any{"kind": schema{"type": "string", "enum": []string{"ip", "domain", "url", "email"}},
			"value": strMax(2048), "reason": strMax(1000), "expires_at": tTimeNull}),
	}
}
