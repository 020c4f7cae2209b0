package api

// emailSchemas are the OpenAPI schemas of the e-mail analysis routes.
func emailSchemas() map[string]schema {
	tVerdict := schema{"type": "string", "enum": []string{"clean", "suspicious", "phishing", "malicious"}}
	tNum := schema{"type": "number"}
	tNumNull := schema{"type": []string{"number", "null"}}
	strMap := schema{"type": "object", "additionalProperties": tStr}
	reason := obj([]string{"code", "message", "weight"}, map[string]any{"code": tStr, "message": tStr, "weight": tInt, "evidence": tStr})
	address := obj([]string{"address"}, map[string]any{"name": tStr, "address": tStr, "domain": tStr})
	intelHit := obj(nil, map[string]any{"value": tStr, "type": tStr, "severity": tStr, "indicator_id": tStr, "source": tStr})
	squat := obj(nil, map[string]any{"brand": tStr, "technique": tStr, "distance": tInt, "label": tStr})
	hop := obj(nil, map[string]any{"index": tInt, "from": tStr, "from_host": tStr, "from_ip": tStr,
		"ip_class": schema{"type": "string", "enum": []string{"", "public", "private", "loopback", "link-local", "cgnat", "reserved"}},
		"by":       tStr, "with": tStr, "id": tStr, "for": tStr, "time": tTime, "delay_seconds": tNumNull, "raw": tStr})
	authRes := obj(nil, map[string]any{"authserv_id": tStr, "results": arr(obj(nil, map[string]any{"method": tStr, "result": tStr,
		"reason": tStr, "props": strMap}))})
	link := map[string]any{"url": tStr, "host": tStr, "source": schema{"type": "string", "enum": []string{"text", "html", "form", "image"}},
		"text": tStr, "text_host": tStr, "mismatch": tBool}
	attachment := obj(nil, map[string]any{"part": tStr, "filename": tStr, "content_type": tStr, "sniffed_type": tStr, "sniffed_mime": tStr,
		"disposition": tStr, "size": tInt, "md5": tStr, "sha1": tStr, "sha256": tStr,
		"message": schema{"description": "an attached message (message/rfc822), parsed like the top one", "$ref": "#/components/schemas/EmailMessage"}})
	message := obj(nil, map[string]any{"headers": arr(obj(nil, map[string]any{"name": tStr, "value": tStr, "raw": tStr})),
		"from": address, "sender": address, "reply_to": arr(address), "to": arr(address), "cc": arr(address), "return_path": tStr,
		"subject": tStr, "message_id": tStr, "date": tTime, "date_raw": tStr, "received": arr(hop),
		"auth": obj(nil, map[string]any{"spf": tStr, "dkim": tStr, "dmarc": tStr, "headers": arr(authRes),
			"received_spf": obj(nil, map[string]any{"result": tStr, "props": strMap, "raw": tStr})}),
		"text": tStr, "html": tStr, "links": arr(obj(nil, link)), "attachments": arr(attachment), "size": tInt, "sha256": tStr,
		"problems": arr(tStr)})
	urlProps := map[string]any{"registered_domain": tStr, "host_unicode": tStr, "score": tInt, "verdict": tVerdict,
		"reasons": arr(reason), "typosquats": arr(squat), "intel": arr(intelHit)}
	for k, v := range link {
		urlProps[k] = v
	}
	report := obj(nil, map[string]any{"verdict": tVerdict, "score": schema{"type": "integer", "minimum": 0, "maximum": 100},
		"reasons": arr(reason), "message": ref("EmailMessage"), "date_skew_seconds": tNum, "sender_lookalike": arr(squat),
		"urls": arr(obj(nil, urlProps)),
		"attachments": arr(obj(nil, map[string]any{"part": tStr, "filename": tStr, "content_type": tStr, "sniffed_type": tStr, "size": tInt,
			"sha256": tStr, "score": tInt, "verdict": tVerdict, "reasons": arr(reason), "intel": arr(intelHit),
			"sandbox": obj(nil, map[string]any{"verdict": tStr, "score": tInt, "type": tStr, "reasons": arr(reason), "error": tStr})})),
		"intel": arr(intelHit), "analyzed_at": tTime, "duration_ms": tInt})
	quarantine := obj(nil, map[string]any{"id": tStr, "report_id": tStr, "sha256": tStr, "size": tInt, "subject": tStr, "from": tStr,
		"recipients": arr(tStr), "verdict": tVerdict, "score": tInt, "mailbox_id": tStr,
		"status": schema{"type": "string", "enum": []string{"quarantined", "released"}}, "released_by": tStr, "released_at": tTimeNull,
		"created_at": tTime})
	policy := obj(nil, map[string]any{"org_domains": arr(strMax(200)), "brands": arr(strMax(200)), "executives": arr(strMax(200))})
	imapCfg := obj(nil, map[string]any{"host": tStr, "port": tInt, "security": schema{"type": "string", "enum": []string{"tls", "starttls", "none"}},
		"username": tStr, "password": schema{"type": "string", "description": "write-only: empty in responses; empty on PUT keeps the stored one"},
		"folder": tStr, "move_to": tStr, "mark_seen": tBool, "insecure_skip_verify": tBool})
	gmailCfg := obj(nil, map[string]any{"user": tStr, "query": tStr, "client_id": tStr, "client_secret": tStr, "refresh_token": tStr,
		"access_token": tStr, "base_url": tStr, "token_url": tStr})
	graphCfg := obj(nil, map[string]any{"tenant_id": tStr, "client_id": tStr, "client_secret": tStr, "user": tStr, "folder": tStr,
		"base_url": tStr, "login_url": tStr})
	cfg := obj(nil, map[string]any{"imap": imapCfg, "gmail": gmailCfg, "graph": graphCfg})
	tKind := schema{"type": "string", "enum": []string{"imap", "gmail", "graph"}}
	tInterval := schema{"type": "integer", "minimum": 30, "maximum": 86400}
	mailbox := obj(nil, map[string]any{"id": tStr, "name": tStr, "kind": tKind, "enabled": tBool, "interval_seconds": tInterval,
		"config": cfg, "secrets_set": arr(tStr), "uid_validity": tInt, "last_uid": tInt, "cursor": tStr, "last_poll_at": tTimeNull,
		"last_error": tStr, "last_count": tInt, "next_poll_at": tTime})
	tQVerdict := schema{"type": "string", "enum": []string{"suspicious", "phishing", "malicious"}}
	return map[string]schema{
		"EmailMessage": message,
		"EmailReport":  report,
		"EmailAnalysis": obj(nil, map[string]any{"id": tStr, "source": schema{"type": "string", "enum": []string{"upload", "mailbox"}},
			"mailbox_id": tStr, "created_by": tStr, "created_at": tTime, "quarantine_id": tStr, "report": ref("EmailReport")}),
		"EmailReportList": obj([]string{"items", "total"}, map[string]any{"items": arr(obj(nil, map[string]any{"id": tStr, "message_id": tStr,
			"subject": tStr, "from": tStr, "from_name": tStr, "verdict": tVerdict, "score": tInt, "source": tStr, "mailbox_id": tStr,
			"sha256": tStr, "size": tInt, "created_at": tTime})), "total": tInt}),
		"QuarantineItem": quarantine,
		"QuarantineList": obj([]string{"items", "total"}, map[string]any{"items": arr(ref("QuarantineItem")), "total": tInt}),
		"EmailSettings": obj(nil, map[string]any{"policy": policy, "quarantine_verdict": tQVerdict, "raise_alerts": tBool,
			"mailboxes": arr(mailbox)}),
		"EmailSettingsInput": obj(nil, map[string]any{"policy": policy, "quarantine_verdict": tQVerdict, "raise_alerts": tBool,
			"mailboxes": schema{"type": "array", "maxItems": 50, "items": obj([]string{"name", "kind"}, map[string]any{
				"id": schema{"type": "string", "description": "empty to add a mailbox"}, "name": strMax(100), "kind": tKind, "enabled": tBool,
				"interval_seconds": tInterval, "config": cfg})}}),
		"MailboxPoll": obj(nil, map[string]any{"mailbox_id": tStr, "started_at": tTime, "duration_ms": tInt, "fetched": tInt, "analyzed": tInt,
			"quarantined": tInt, "skipped": tInt, "report_ids": arr(tStr), "error": tStr, "mailbox": mailbox}),
	}
}
