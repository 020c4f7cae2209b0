package api

// sandboxSchemas are the OpenAPI schemas of the sandbox routes.
func sandboxSchemas() map[string]schema {
	tKind := schema{"type": "string", "enum": []string{"file", "url", "domain", "ip", "hash"}}
	tVerdict := schema{"type": "string", "enum": []string{"", "clean", "suspicious", "malicious"}}
	tStatus := schema{"type": "string", "enum": []string{"queued", "running", "done", "failed"}}
	tExtStatus := schema{"type": "string", "enum": []string{"malicious", "suspicious", "harmless", "unknown", "error"}}
	external := obj(nil, map[string]any{"source": tStr, "kind": tStr, "value": tStr, "status": tExtStatus, "malicious": tBool,
		"score": tInt, "summary": tStr, "link": tStr, "details": schema{"type": "object"}, "checked_at": tTime, "cached": tBool,
		"error": schema{"type": "string", "description": "why the service gave no verdict: unauthorized, quota, rate limited, timeout..."}})
	submission := obj(nil, map[string]any{"id": tStr, "kind": tKind, "target": schema{"type": "string", "description": "file name or value"},
		"sha256": tStr, "size": tInt, "status": tStatus, "stage": tStr, "progress": schema{"type": "integer", "minimum": 0, "maximum": 100},
		"verdict": tVerdict, "score": tInt, "error": tStr, "source": tStr, "submitted_by": tStr, "created_at": tTime, "updated_at": tTime,
		"started_at": tTimeNull, "finished_at": tTimeNull,
		"duplicate": schema{"type": "boolean", "description": "the org's existing analysis of the same file (submit only)"},
		"report":    schema{"type": "object", "description": "the sandbox report (docs/sandbox.md); present when done"},
		"external":  arr(ref("SandboxExternalVerdict"))})
	rule := obj(nil, map[string]any{"id": tStr, "name": tStr, "description": tStr, "source": tStr, "enabled": tBool,
		"compiled":   schema{"type": "boolean", "description": "false in builds without YARA: the source could not be checked"},
		"created_by": tStr, "created_at": tTime, "updated_at": tTime})
	ruleProps := map[string]any{"name": strMax(120), "description": strMax(4000), "source": strMax(256 << 10), "enabled": tBool}
	service := obj(nil, map[string]any{"name": tStr, "title": tStr, "kinds": arr(tStr), "enabled": tBool, "configured": tBool,
		"key_hint": schema{"type": "string", "description": "the key's last four characters; the key is never shown"},
		"base_url": tStr, "default_url": tStr, "timeout_seconds": tInt})
	serviceUpdate := obj(nil, map[string]any{"enabled": tBool, "api_key": schema{"type": "string", "maxLength": 512, "description": "empty removes the key"},
		"base_url": tStr, "timeout_seconds": schema{"type": "integer", "minimum": 1, "maximum": 120}})
	host := obj(nil, map[string]any{"host": tStr, "host_id": tStr, "agent_id": tStr, "events": tInt, "first_seen": tTime, "last_seen": tTime,
		"fields": arr(tStr)})
	return map[string]schema{
		"SandboxInfo": obj(nil, map[string]any{"yara_enabled": tBool, "yara_message": tStr, "max_sample_size": tInt, "encrypt_samples": tBool,
			"workers": tInt, "zip_password": tStr}),
		"SandboxSubmit": schema{"description": "multipart/form-data with the sample in the field file (and optionally reanalyze=true), " +
			"or JSON {\"kind\": \"url|domain|ip|hash\", \"value\": \"...\", \"reanalyze\": false}", "type": "object"},
		"SandboxSubmission":      submission,
		"SandboxSubmissionList":  obj([]string{"items", "total"}, map[string]any{"items": arr(ref("SandboxSubmission")), "total": tInt}),
		"SandboxExternalVerdict": external,
		"SandboxSeen": obj(nil, map[string]any{"query": schema{"type": "string", "description": "the event search used"}, "total": tInt,
			"scanned": tInt, "hosts": arr(host), "sources": arr(tStr)}),
		"SandboxCheck": obj([]string{"kind", "value"}, map[string]any{"kind": schema{"type": "string", "enum": []string{"hash", "url", "domain", "ip"}},
			"value": strMax(8192), "reanalyze": tBool}),
		"SandboxCheckResult": obj(nil, map[string]any{"kind": tStr, "value": tStr, "verdicts": arr(ref("SandboxExternalVerdict"))}),
		"YARARule":           rule,
		"YARARuleList": obj([]string{"items"}, map[string]any{"items": arr(ref("YARARule")), "yara_enabled": tBool,
			"message": schema{"type": "string", "description": "\"YARA disabled: built without the yara tag\" in builds without YARA"}}),
		"YARARuleCreate":  obj([]string{"name", "source"}, ruleProps),
		"YARARulePatch":   obj(nil, ruleProps),
		"SandboxSettings": obj(nil, map[string]any{"services": arr(service), "updated_by": tStr, "updated_at": tTimeNull}),
		"SandboxSettingsUpdate": obj([]string{"services"}, map[string]any{"services": schema{"type": "object",
			"description": "by service name: virustotal, otx, abuseipdb, urlhaus", "additionalProperties": serviceUpdate}}),
		"SandboxServiceTest": obj([]string{"service"}, map[string]any{"service": schema{"type": "string", "enum": []string{"virustotal", "otx", "abuseipdb", "urlhaus"}},
			"api_key": schema{"type": "string", "description": "test this key before saving it; the stored key when empty"}}),
		"SandboxServiceTestResult": obj(nil, map[string]any{"service": tStr, "ok": tBool, "message": tStr, "verdict": ref("SandboxExternalVerdict")}),
	}
}
