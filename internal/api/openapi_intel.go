package api

import "github.com/eventsec/eventsec/internal/intel"

// intelSchemas are the OpenAPI schemas of the threat-intel routes.
func intelSchemas() map[string]schema {
	types := make([]string, len(intel.Types))
	for i, t := range intel.Types {
		types[i] = string(t)
	}
	tType := schema{"type": "string", "enum": types}
	tSev := schema{"type": "string", "enum": intel.Severities}
	tConf := schema{"type": "integer", "minimum": 0, "maximum": 100}
	tFormat := schema{"type": "string", "enum": []string{"stix", "misp", "misp-feed", "csv", "plain"}}
	indicator := obj(nil, map[string]any{"id": tStr, "type": tType, "value": schema{"type": "string", "description": "normalized for its type"},
		"confidence": tConf, "severity": tSev, "source": tStr, "feed_id": tStr, "tags": arr(tStr), "description": tStr,
		"exact_only": schema{"type": "boolean", "description": "a domain that matches the host itself, not names under it"},
		"first_seen": tTime, "last_seen": tTime, "expires_at": tTimeNull, "active": tBool, "created_by": tStr, "created_at": tTime,
		"updated_at": tTime, "sightings": tInt, "last_sighting_at": tTimeNull,
		"retro_status": schema{"type": "string", "enum": []string{"", "pending", "done", "failed"}}, "retro_hits": tInt, "retro_at": tTimeNull})
	create := map[string]any{"type": schema{"type": "string", "description": "one of the indicator types; detected when empty"},
		"value": strMax(intel.MaxValueLen), "confidence": tConf, "severity": tSev, "source": strMax(200), "tags": arr(strMax(100)),
		"description": strMax(4000), "exact_only": tBool, "expires_at": tTimeNull, "last_seen": tTime}
	patch := map[string]any{}
	for k, v := range create {
		if k != "source" {
			patch[k] = v
		}
	}
	recordError := obj(nil, map[string]any{"file": tStr, "record": schema{"type": "integer", "description": "1-based: a bundle object, a MISP attribute, a CSV row, a line"},
		"line": tInt, "field": tStr, "reason": tStr, "unsupported": schema{"type": "boolean", "description": "valid but not representable as indicators"}})
	feed := obj(nil, map[string]any{"id": tStr, "name": tStr, "url": tStr, "format": tFormat, "interval_seconds": tInt, "enabled": tBool,
		"confidence": tConf, "severity": tSev, "tags": arr(tStr), "status": schema{"type": "string", "enum": []string{"never_run", "ok", "failing", "disabled"}},
		"last_run_at": tTimeNull, "last_success_at": tTimeNull, "last_error": tStr, "last_count": tInt, "failures": tInt, "next_run_at": tTime,
		"created_by": tStr, "created_at": tTime, "updated_at": tTime})
	feedProps := map[string]any{"name": strMax(100), "url": schema{"type": "string", "format": "uri"}, "format": tFormat,
		"interval_seconds": schema{"type": "integer", "minimum": intel.MinFeedInterval, "maximum": intel.MaxFeedInterval},
		"enabled":          tBool, "confidence": tConf, "severity": tSev, "tags": arr(strMax(100))}
	sighting := obj(nil, map[string]any{"id": tStr, "indicator_id": tStr, "indicator_type": tType, "indicator_value": tStr, "event_id": tStr,
		"event_time": tTime, "field": tStr, "value": tStr, "match_type": schema{"type": "string", "enum": []string{intel.MatchedTypeIndicator, intel.MatchedTypeURLHost}},
		"origin": schema{"type": "string", "enum": []string{"live", "retro"}}, "seen_at": tTime})
	checkIndicator := obj(nil, map[string]any{"match": schema{"type": "string", "enum": []string{"exact", "cidr", "domain", "url_host"}}})
	checkIndicator["allOf"] = []any{ref("Indicator")}
	return map[string]schema{
		"Indicator":            indicator,
		"IndicatorList":        obj([]string{"items", "total"}, map[string]any{"items": arr(ref("Indicator")), "total": tInt}),
		"IndicatorCreate":      obj([]string{"value"}, create),
		"IndicatorPatch":       obj(nil, patch),
		"IndicatorBulkDelete":  obj([]string{"ids"}, map[string]any{"ids": schema{"type": "array", "items": tStr, "maxItems": 10000}}),
		"IndicatorBulkDeleted": obj([]string{"deleted"}, map[string]any{"deleted": tInt}),
		"IntelImport": schema{"description": "multipart/form-data with the document in the field file (and optionally format, source, confidence, severity, tags, type), or the raw document as the body with the options in the query",
			"type": "string", "format": "binary"},
		"IntelImportReport": obj(nil, map[string]any{"format": tFormat, "name": tStr, "source": tStr, "indicators": tInt, "created": tInt,
			"updated": tInt, "error_count": tInt, "errors": arr(recordError), "skipped": schema{"type": "object", "additionalProperties": tInt},
			"warnings": arr(tStr), "retro_hunted": tInt}),
		"Sighting":     sighting,
		"SightingList": obj([]string{"items", "total"}, map[string]any{"items": arr(ref("Sighting")), "total": tInt}),
		"IntelSummary": obj(nil, map[string]any{"indicators": tInt, "by_type": schema{"type": "object", "additionalProperties": tInt},
			"feeds": tInt, "active_feeds": tInt, "failing_feeds": tInt, "sightings_24h": tInt, "dropped_sightings": tInt}),
		"Feed":       feed,
		"FeedList":   obj([]string{"items"}, map[string]any{"items": arr(ref("Feed"))}),
		"FeedCreate": obj([]string{"name", "url", "format"}, feedProps),
		"FeedPatch":  obj(nil, feedProps),
		"FeedRun": obj(nil, map[string]any{"feed": ref("Feed"), "not_modified": tBool, "indicators": tInt, "created": tInt, "updated": tInt,
			"expired": tInt, "error_count": tInt, "errors": arr(recordError), "error": tStr}),
		"ThreatCheck": obj(nil, map[string]any{"value": strMax(intel.MaxValueLen), "values": schema{"type": "array", "items": strMax(intel.MaxValueLen),
			"maxItems": intel.MaxCheckValues}}),
		"ThreatCheckResult": obj([]string{"known", "results"}, map[string]any{"known": tBool, "results": arr(obj(nil, map[string]any{
			"value": tStr, "type": tStr, "normalized": tStr, "known": tBool, "severity": tStr, "indicators": arr(checkIndicator),
			"sightings": tInt, "local_events": tInt,
			"recent_events":   arr(obj(nil, map[string]any{"id": tStr, "timestamp": tTime, "message": tStr})),
			"external":        arr(obj(nil, map[string]any{"source": tStr, "malicious": tBool, "score": tInt, "summary": tStr, "link": tStr})),
			"external_errors": arr(obj(nil, map[string]any{"source": tStr, "error": tStr})), "error": tStr}))}),
		"PatternList": obj(nil, map[string]any{"items": arr(obj(nil, map[string]any{"id": tStr, "title": tStr, "level": tLevel, "kind": tStr,
			"pack": tStr, "tactics": arr(obj(nil, map[string]any{"id": tStr, "name": tStr, "shortname": tStr})),
			"techniques": arr(obj(nil, map[string]any{"id": tStr, "name": tStr}))})), "total": tInt,
			"by_tactic":       schema{"type": "object", "additionalProperties": tInt},
			"indicator_types": arr(obj(nil, map[string]any{"type": tType, "fields": arr(tStr)}))}),
	}
}

// withIntelSchemas adds the intel schemas to the document's.
func withIntelSchemas(m map[string]schema) map[string]schema {
	for k, v := range intelSchemas() {
		m[k] = v
	}
	return m
}
