package api

// vulnSchemas are the OpenAPI schemas of the vulnerability and
// organisation-wide assessment routes.
func vulnSchemas() map[string]schema {
	tNum := schema{"type": "number"}
	tNumNull := schema{"type": []string{"number", "null"}}
	tSev := schema{"type": "string", "enum": []string{"critical", "high", "medium", "low", "none", "unknown"}}
	counts := schema{"type": "object", "additionalProperties": tInt}
	row := obj(nil, map[string]any{
		"id":  schema{"type": "string", "description": "the CVE, else the advisory id (an advisory about several CVEs, or none)"},
		"cve": tStr, "advisories": arr(tStr), "aliases": arr(tStr), "summary": tStr, "severity": tSev,
		"score":    schema{"type": "number", "description": "highest CVSS base score among the findings; 0 without a vector"},
		"packages": arr(tStr), "fixed_versions": arr(tStr), "ecosystems": arr(tStr),
		"affected_endpoints": tInt, "findings": schema{"type": "integer", "description": "(endpoint, package) pairs"},
	})
	fileErr := obj(nil, map[string]any{"file": tStr, "path": tStr, "offset": tInt, "reason": tStr, "message": tStr})
	lastImport := schema{"oneOf": []any{obj(nil, map[string]any{"at": tTime, "records": tInt, "added": tInt, "updated": tInt,
		"removed": tInt, "errors": tInt, "duration_ms": tInt,
		"files": arr(obj(nil, map[string]any{"name": tStr, "records": tInt, "errors": tInt}))}), schema{"type": "null"}}}
	scaCheckRef := obj(nil, map[string]any{"id": tStr, "title": tStr, "severity": tStr})
	return map[string]schema{
		"VulnerabilityRow": row,
		"VulnerabilityPage": obj([]string{"items", "total", "available"}, map[string]any{"items": arr(ref("VulnerabilityRow")),
			"total": tInt, "computed_at": tTime, "available": tBool, "message": tStr,
			"database": obj(nil, map[string]any{"advisories": tInt, "updated_at": tTimeNull})}),
		"VulnerabilityDetail": obj([]string{"vulnerability", "records", "affected"}, map[string]any{
			"vulnerability": ref("VulnerabilityRow"),
			"records": arr(obj(nil, map[string]any{"id": tStr, "aliases": arr(tStr), "related": arr(tStr), "summary": tStr, "details": tStr,
				"published": tTimeNull, "modified": tTimeNull,
				"severity":   arr(obj(nil, map[string]any{"type": tStr, "score": tStr})),
				"references": arr(obj(nil, map[string]any{"type": tStr, "url": tStr})),
				"packages": arr(obj(nil, map[string]any{"ecosystem": tStr, "name": tStr, "severity": tSev, "score": tNum,
					"severity_source": tStr}))})),
			"affected": arr(obj(nil, map[string]any{"endpoint_id": tStr, "endpoint_name": tStr, "hostname": tStr, "platform": tStr,
				"platform_version": tStr, "advisory_id": tStr, "package": tStr, "installed_version": tStr, "fixed_version": tStr,
				"ecosystem": tStr, "severity": tSev, "score": tNum, "severity_source": tStr,
				"reason": schema{"type": "string", "description": "why it matched: the range or versions list of the record"}})),
		}),
		"VulnerabilityStats": obj(nil, map[string]any{"computed_at": tTime, "endpoints": tInt, "endpoints_with_software": tInt,
			"affected_endpoints": tInt, "vulnerabilities": tInt, "findings": tInt, "by_severity": counts, "findings_by_severity": counts,
			"top_packages": arr(obj(nil, map[string]any{"name": tStr, "vulnerabilities": tInt, "findings": tInt, "endpoints": tInt, "severity": tSev})),
			"top_endpoints": arr(obj(nil, map[string]any{"id": tStr, "name": tStr, "hostname": tStr, "vulnerabilities": tInt,
				"findings": tInt, "severity": tSev})),
			"database": ref("VulnerabilityDB")}),
		"VulnerabilityDB": obj(nil, map[string]any{"advisories": tInt, "affected_packages": tInt,
			"ecosystems":  schema{"type": "object", "additionalProperties": tInt, "description": "affected packages per OSV ecosystem"},
			"unmatchable": tInt, "last_modified": tTimeNull, "updated_at": tTimeNull, "saved": tBool, "last_import": lastImport}),
		"OSVUpload": schema{"type": "object", "description": "multipart/form-data with one or more file fields (.json record or array, " +
			"or an osv.dev .zip archive); or the file itself as the raw body", "properties": map[string]any{
			"file": schema{"type": "string", "format": "binary"}}},
		"VulnerabilityImport": obj([]string{"files", "records"}, map[string]any{"records": tInt, "database": ref("VulnerabilityDB"),
			"files": arr(obj(nil, map[string]any{"name": tStr, "documents": tInt, "records": tInt, "added": tInt, "updated": tInt,
				"unchanged": tInt, "older": tInt, "withdrawn": tInt, "removed": tInt, "skipped": tInt, "errors": arr(fileErr),
				"warnings": arr(fileErr), "errors_dropped": tInt, "warnings_dropped": tInt, "duration_ms": tInt,
				"error": schema{"type": "string", "description": "why nothing of this file was imported"}}))}),
		"SCAOverview": obj([]string{"endpoints", "policies", "summary"}, map[string]any{
			"endpoints": arr(obj(nil, map[string]any{"endpoint_id": tStr, "name": tStr, "hostname": tStr, "platform": tStr,
				"platform_version": tStr, "score": tNumNull, "failed": tInt,
				"policies": arr(obj(nil, map[string]any{"policy_id": tStr, "policy_name": tStr, "score": tNum, "passed": tInt,
					"failed": tInt, "not_applicable": tInt, "finished_at": tTime, "worst_failing": arr(scaCheckRef)}))})),
			"policies": arr(obj(nil, map[string]any{"policy_id": tStr, "policy_name": tStr, "endpoints": tInt, "average_score": tNum,
				"passed": tInt, "failed": tInt})),
			"summary": obj(nil, map[string]any{"endpoints": tInt, "assessed": tInt, "average_score": tNumNull, "failed_checks": tInt}),
		}),
		"SCACheckList": obj([]string{"items", "total"}, map[string]any{"total": tInt, "endpoints": tInt,
			"items": arr(obj(nil, map[string]any{"policy_id": tStr, "policy_name": tStr, "check_id": tStr, "title": tStr, "severity": tStr,
				"remediation": tStr, "rationale": tStr, "compliance": schema{"type": "object", "additionalProperties": tStr},
				"failing": tInt, "passing": tInt, "assessed": tInt,
				"failing_endpoints": arr(obj(nil, map[string]any{"id": tStr, "name": tStr}))}))}),
	}
}
