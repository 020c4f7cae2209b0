// Package normalize turns what senders send (JSON objects, syslog lines,
// CEF, LEEF, key=value, Linux auth logs, Apache and nginx access logs,
// Apache error logs, Cisco ASA/FTD messages, Windows events as JSON or XML)
// into event.Event with ECS field names, keeping the original text in
// Event.Raw. Package normalize/evtx reads .evtx files.
//
// A Normalizer never fails and never panics: input it cannot understand
// is kept raw, tagged event.TagParseError, with error.message saying why,
// and counted (see Stats).
//
// # What every event gets
//
// ID (the client's, or event.DeriveID over the original bytes), OrgID,
// Input, Ingested (the received time), Raw (valid UTF-8, at most MaxRaw
// bytes), Timestamp (the event's own time, in UTC, or the received time)
// and the fields event.kind, event.dataset and event.severity (0-100, see
// event.SeverityLabel), plus message when the event has one.
//
// # Datasets
//
//	syslog             RFC 5424 / RFC 3164 with no more specific payload
//	linux.auth         sshd, sudo, su, PAM, useradd & co, login, systemd-logind,
//	                   cron (CRON, cron, crond, CROND)
//	nginx.access, apache.access
//	                   access logs (common, combined, with vhost prefix and
//	                   appended fields), by the syslog program that sent them
//	web.access         access logs from an unknown sender (a bare line)
//	eventsec.application
//	                   an application's own security event: a JSON object
//	                   with eventType or event_type and no dataset or module
//	cef, leef          ArcSight CEF, IBM QRadar LEEF 1.0/2.0 (also inside syslog)
//	apache.error       Apache HTTP Server error logs (2.2 and 2.4, also inside syslog)
//	cisco.ios          "%FAC-SEV-MNEMONIC: ..." messages (cisco.asa for ASA/FTD,
//	                   whose common messages are mapped: see asa.go)
//	kv                 key=value lines
//	json               any other JSON object (or the sender's own event.dataset)
//	suricata.eve       Suricata EVE JSON (event_type with flow_id or in_iface,
//	                   or one of Suricata's event types with an address)
//	windows.sysmon, windows.security, windows.system, windows.application,
//	windows.powershell, windows.powershell_classic, windows.taskscheduler,
//	windows.defender, windows.wmi, windows.terminalservices, windows.firewall,
//	windows.eventlog   Windows events, by channel
//	plain              text sent with FormatPlain that no parser recognised
//	unknown            not understood (tagged _parse_error)
//
// # Source fields kept beside ECS
//
// Windows: winlog.event_id (int64), winlog.channel, winlog.provider_name,
// winlog.computer_name, winlog.record_id (int64), and every EventData value
// under winlog.event_data.<Name> as Windows renders it in XML (text;
// numbers in decimal, except the values Windows writes in hex, such as
// logon IDs, GrantedAccess and NTSTATUS codes: "0x3e7"), UserData values
// under winlog.user_data.<Name> (XML namespace declarations, which evtx
// readers give as values, are dropped); unnamed <Data> elements are
// param1..N.
// Syslog: log.syslog.*, with RFC 5424 structured data under
// log.syslog.structured_data.<SD-ID>.<PARAM>; the program (TAG or
// APP-NAME) is always in log.syslog.appname as sent, also for a message
// without its header ("sshd[42]: ..."), while process.name may name the
// payload's process (sudo's COMMAND). Access logs: what follows the user
// agent under <dataset>.<key> (key=value pairs) and <dataset>.extra. CEF: cef.extensions.<key>
// as sent, and cef.custom.<label> for cs1..cs6 and kin. LEEF:
// leef.attributes.<key>. JSON and key=value: the sender's own keys,
// flattened with dots, next to the ECS fields filled from common names
// (src_ip, username, msg, level...). A scalar under the name of an ECS
// object ("user":"zed", "event":"login") is not kept under that name: it
// fills the object's field (user.name, event.action), or labels.<name>
// when that field holds another value or the object has no such field.
//
// # Field problems
//
// A value that cannot have its column's type is dropped from it (an IP
// field's is kept in <root>.address), a severity outside 0-100 clamped;
// the event is tagged _invalid_field and error.message names the field
// and the value, after the sender's own error.message when it set one.
// An event time that cannot be read (tag _timestamp_unparsed) or is out
// of range (_timestamp_out_of_range) is replaced by the arrival time and
// explained the same way.
//
// # Limits
//
// Input over MaxParse bytes is kept raw, unparsed. Objects deeper than
// MaxDepth and fields beyond MaxFields are cut (tag _truncated). A
// timestamp more than Options.MaxSkew ahead or Options.MaxAge behind is
// replaced by the received time (tag _timestamp_out_of_range; the claimed
// one is kept in event.created).
package normalize
