package hunt

import (
	"strings"

	"github.com/eventsec/eventsec/internal/query/kql"
)

// The views lay Sentinel's and Defender's familiar tables over EventSec's
// normalized events (the event store's partition columns; fields that
// have no column of their own are read from the flattened JSON of every
// field). Every expression is SQL written here, never by a query's author.

// f reads a flattened ECS field from the JSON of all fields.
func f(key string) string {
	return `json_extract_string(fields, '$."` + key + `"')`
}

// fl reads a flattened field as a BIGINT (NULL when absent or not a number).
func fl(key string) string { return `TRY_CAST(` + f(key) + ` AS BIGINT)` }

// list turns a list column (elements joined by \x1f) into a JSON array.
func list(col string) string {
	return `CAST(to_json(list_filter(string_split(coalesce(` + col + `, ''), chr(31)), x -> x <> '')) AS JSON)`
}

// hasListItem tests membership in a list column.
func hasListItem(col, item string) string {
	return `list_contains(string_split(coalesce(` + col + `, ''), chr(31)), '` + item + `')`
}

const severityLabel = `CASE WHEN event_severity >= 99 THEN 'critical' WHEN event_severity >= 73 THEN 'high' WHEN event_severity >= 47 THEN 'medium' WHEN event_severity >= 21 THEN 'low' ELSE 'info' END`

type col = kql.ViewColumn

// common columns every view has: the time, the event's ID, its message
// and severity as the seed's API named them, and the raw original.
func common() []col {
	return []col{
		{Name: "TimeGenerated", Type: kql.TypeDatetime, Expr: "ts", Doc: "when the event happened (@timestamp)"},
		{Name: "EventSecId", Type: kql.TypeString, Expr: "id", Doc: "EventSec's event ID (GET /api/v1/events/{id})"},
		{Name: "message", Type: kql.TypeString, Expr: "message", Doc: "the event's message"},
		{Name: "severity", Type: kql.TypeString, Expr: severityLabel, Doc: "severity band: info, low, medium, high, critical"},
		{Name: "SeverityScore", Type: kql.TypeLong, Expr: "event_severity", Doc: "severity 0-100"},
		{Name: "RawEvent", Type: kql.TypeString, Expr: "raw", Doc: "the original as received"},
	}
}

func with(cols ...[]col) []col {
	var out []col
	for _, c := range cols {
		out = append(out, c...)
	}
	return out
}

// viewDefs are the views; Base is filled in per query.
func viewDefs() []kql.View {
	eventsCols := with(common(), []col{
		{Name: "Ingested", Type: kql.TypeDatetime, Expr: "ingested", Doc: "when EventSec received it"},
		{Name: "Input", Type: kql.TypeString, Expr: "input", Doc: "how it arrived: http, syslog, hec, esbulk, import, agent"},
		{Name: "EventAction", Type: kql.TypeString, Expr: "event_action", Doc: "event.action"},
		{Name: "EventOutcome", Type: kql.TypeString, Expr: "event_outcome", Doc: "event.outcome: success, failure, unknown"},
		{Name: "EventCategory", Type: kql.TypeDynamic, Expr: list("event_category"), Doc: "event.category (array)"},
		{Name: "EventType", Type: kql.TypeDynamic, Expr: list("event_type"), Doc: "event.type (array)"},
		{Name: "EventCode", Type: kql.TypeString, Expr: "event_code", Doc: "event.code"},
		{Name: "EventKind", Type: kql.TypeString, Expr: "event_kind", Doc: "event.kind"},
		{Name: "Dataset", Type: kql.TypeString, Expr: "event_dataset", Doc: "event.dataset"},
		{Name: "Module", Type: kql.TypeString, Expr: "event_module", Doc: "event.module"},
		{Name: "LogLevel", Type: kql.TypeString, Expr: "log_level", Doc: "log.level"},
		{Name: "HostName", Type: kql.TypeString, Expr: "host_name", Doc: "host.name"},
		{Name: "HostIP", Type: kql.TypeString, Expr: "host_ip", Doc: "host.ip"},
		{Name: "OsType", Type: kql.TypeString, Expr: "host_os_type", Doc: "host.os.type"},
		{Name: "UserName", Type: kql.TypeString, Expr: "user_name", Doc: "user.name"},
		{Name: "UserDomain", Type: kql.TypeString, Expr: "user_domain", Doc: "user.domain"},
		{Name: "SourceIP", Type: kql.TypeString, Expr: "source_ip", Doc: "source.ip"},
		{Name: "SourcePort", Type: kql.TypeLong, Expr: "source_port", Doc: "source.port"},
		{Name: "SourceCountry", Type: kql.TypeString, Expr: "source_geo_country_iso_code", Doc: "source.geo.country_iso_code"},
		{Name: "DestinationIP", Type: kql.TypeString, Expr: "destination_ip", Doc: "destination.ip"},
		{Name: "DestinationPort", Type: kql.TypeLong, Expr: "destination_port", Doc: "destination.port"},
		{Name: "DestinationCountry", Type: kql.TypeString, Expr: "destination_geo_country_iso_code", Doc: "destination.geo.country_iso_code"},
		{Name: "Protocol", Type: kql.TypeString, Expr: "network_protocol", Doc: "network.protocol"},
		{Name: "Transport", Type: kql.TypeString, Expr: "network_transport", Doc: "network.transport"},
		{Name: "ProcessName", Type: kql.TypeString, Expr: "process_name", Doc: "process.name"},
		{Name: "ProcessId", Type: kql.TypeLong, Expr: "process_pid", Doc: "process.pid"},
		{Name: "ProcessPath", Type: kql.TypeString, Expr: "process_executable", Doc: "process.executable"},
		{Name: "ProcessCommandLine", Type: kql.TypeString, Expr: "process_command_line", Doc: "process.command_line"},
		{Name: "ParentProcessName", Type: kql.TypeString, Expr: "process_parent_name", Doc: "process.parent.name"},
		{Name: "FilePath", Type: kql.TypeString, Expr: "file_path", Doc: "file.path"},
		{Name: "FileSHA256", Type: kql.TypeString, Expr: "file_hash_sha256", Doc: "file.hash.sha256"},
		{Name: "Url", Type: kql.TypeString, Expr: "url_full", Doc: "url.full"},
		{Name: "UrlDomain", Type: kql.TypeString, Expr: "url_domain", Doc: "url.domain"},
		{Name: "ObserverName", Type: kql.TypeString, Expr: "observer_name", Doc: "observer.name"},
		{Name: "Tags", Type: kql.TypeDynamic, Expr: list("tags"), Doc: "tags (array)"},
		{Name: "Fields", Type: kql.TypeDynamic, Expr: "CAST(fields AS JSON)", Doc: "every normalized field, flattened ECS keys: Fields['winlog.event_data.Image']"},
	})
	windows := `(` + f("winlog.channel") + ` = 'Security' OR ` + f("winlog.provider_name") + ` = 'Microsoft-Windows-Security-Auditing')`
	securityCols := with(common(), []col{
		{Name: "Computer", Type: kql.TypeString, Expr: "coalesce(host_name, " + f("winlog.computer_name") + ")", Doc: "the machine"},
		{Name: "EventID", Type: kql.TypeLong, Expr: fl("winlog.event_id"), Doc: "Windows event ID"},
		{Name: "Activity", Type: kql.TypeString, Expr: "coalesce(" + f("winlog.event_id") + " || ' - ' || event_action, event_action)", Doc: "event ID and action"},
		{Name: "Channel", Type: kql.TypeString, Expr: f("winlog.channel"), Doc: "event log channel"},
		{Name: "Account", Type: kql.TypeString, Expr: "CASE WHEN user_domain IS NOT NULL AND user_name IS NOT NULL THEN user_domain || '\\' || user_name ELSE user_name END", Doc: "DOMAIN\\user the event is about"},
		{Name: "TargetUserName", Type: kql.TypeString, Expr: f("winlog.event_data.TargetUserName")},
		{Name: "TargetDomainName", Type: kql.TypeString, Expr: f("winlog.event_data.TargetDomainName")},
		{Name: "TargetUserSid", Type: kql.TypeString, Expr: f("winlog.event_data.TargetUserSid")},
		{Name: "SubjectUserName", Type: kql.TypeString, Expr: f("winlog.event_data.SubjectUserName")},
		{Name: "SubjectDomainName", Type: kql.TypeString, Expr: f("winlog.event_data.SubjectDomainName")},
		{Name: "SubjectUserSid", Type: kql.TypeString, Expr: f("winlog.event_data.SubjectUserSid")},
		{Name: "LogonType", Type: kql.TypeInt, Expr: "TRY_CAST(" + f("winlog.event_data.LogonType") + " AS INTEGER)"},
		{Name: "LogonProcessName", Type: kql.TypeString, Expr: f("winlog.event_data.LogonProcessName")},
		{Name: "AuthenticationPackageName", Type: kql.TypeString, Expr: f("winlog.event_data.AuthenticationPackageName")},
		{Name: "IpAddress", Type: kql.TypeString, Expr: "coalesce(" + f("winlog.event_data.IpAddress") + ", source_ip)"},
		{Name: "IpPort", Type: kql.TypeString, Expr: f("winlog.event_data.IpPort")},
		{Name: "WorkstationName", Type: kql.TypeString, Expr: f("winlog.event_data.WorkstationName")},
		{Name: "Process", Type: kql.TypeString, Expr: "process_name"},
		{Name: "NewProcessName", Type: kql.TypeString, Expr: f("winlog.event_data.NewProcessName")},
		{Name: "ParentProcessName", Type: kql.TypeString, Expr: f("winlog.event_data.ParentProcessName")},
		{Name: "CommandLine", Type: kql.TypeString, Expr: "coalesce(" + f("winlog.event_data.CommandLine") + ", process_command_line)"},
		{Name: "ServiceName", Type: kql.TypeString, Expr: f("winlog.event_data.ServiceName")},
		{Name: "ObjectName", Type: kql.TypeString, Expr: f("winlog.event_data.ObjectName")},
		{Name: "Status", Type: kql.TypeString, Expr: f("winlog.event_data.Status")},
		{Name: "SubStatus", Type: kql.TypeString, Expr: f("winlog.event_data.SubStatus")},
		{Name: "EventData", Type: kql.TypeDynamic, Expr: "CAST(fields AS JSON)", Doc: "every field of the event (flattened ECS keys)"},
	})
	syslogCols := with(common(), []col{
		{Name: "Computer", Type: kql.TypeString, Expr: "host_name"},
		{Name: "HostName", Type: kql.TypeString, Expr: "coalesce(" + f("log.syslog.hostname") + ", host_name)"},
		{Name: "HostIP", Type: kql.TypeString, Expr: "coalesce(host_ip, " + f("observer.ip") + ")"},
		{Name: "Facility", Type: kql.TypeString, Expr: f("log.syslog.facility.name")},
		{Name: "SeverityLevel", Type: kql.TypeString, Expr: "coalesce(" + f("log.syslog.severity.name") + ", log_level)"},
		{Name: "ProcessName", Type: kql.TypeString, Expr: "coalesce(" + f("log.syslog.appname") + ", process_name)"},
		{Name: "ProcessID", Type: kql.TypeInt, Expr: "TRY_CAST(process_pid AS INTEGER)"},
		{Name: "SyslogMessage", Type: kql.TypeString, Expr: "message"},
		{Name: "UserName", Type: kql.TypeString, Expr: "user_name"},
		{Name: "SourceIP", Type: kql.TypeString, Expr: "source_ip"},
		{Name: "EventAction", Type: kql.TypeString, Expr: "event_action"},
		{Name: "EventOutcome", Type: kql.TypeString, Expr: "event_outcome"},
	})
	signinCols := with(common(), []col{
		{Name: "UserPrincipalName", Type: kql.TypeString, Expr: "CASE WHEN user_domain IS NOT NULL AND user_name NOT LIKE '%@%' THEN user_name || '@' || user_domain ELSE user_name END"},
		{Name: "UserDisplayName", Type: kql.TypeString, Expr: "user_name"},
		{Name: "Identity", Type: kql.TypeString, Expr: "user_name"},
		{Name: "IPAddress", Type: kql.TypeString, Expr: "source_ip"},
		{Name: "Location", Type: kql.TypeString, Expr: "source_geo_country_iso_code"},
		{Name: "ResultType", Type: kql.TypeString, Expr: "CASE WHEN event_outcome = 'success' THEN '0' WHEN event_outcome = 'failure' THEN coalesce(" + f("winlog.event_data.Status") + ", '50126') ELSE '' END", Doc: "0 for success, else a failure code"},
		{Name: "ResultDescription", Type: kql.TypeString, Expr: "event_outcome"},
		{Name: "AppDisplayName", Type: kql.TypeString, Expr: "coalesce(event_dataset, event_module)"},
		{Name: "ClientAppUsed", Type: kql.TypeString, Expr: "coalesce(" + f("winlog.event_data.LogonProcessName") + ", process_name)"},
		{Name: "UserAgent", Type: kql.TypeString, Expr: f("user_agent.original")},
		{Name: "Computer", Type: kql.TypeString, Expr: "host_name"},
		{Name: "EventAction", Type: kql.TypeString, Expr: "event_action"},
	})
	cefCols := with(common(), []col{
		{Name: "DeviceVendor", Type: kql.TypeString, Expr: f("observer.vendor")},
		{Name: "DeviceProduct", Type: kql.TypeString, Expr: f("observer.product")},
		{Name: "DeviceVersion", Type: kql.TypeString, Expr: f("observer.version")},
		{Name: "DeviceEventClassID", Type: kql.TypeString, Expr: "event_code"},
		{Name: "Activity", Type: kql.TypeString, Expr: "coalesce(event_action, message)"},
		{Name: "LogSeverity", Type: kql.TypeString, Expr: "CAST(event_severity AS VARCHAR)"},
		{Name: "DeviceAction", Type: kql.TypeString, Expr: "event_action"},
		{Name: "SourceIP", Type: kql.TypeString, Expr: "source_ip"},
		{Name: "SourcePort", Type: kql.TypeInt, Expr: "TRY_CAST(source_port AS INTEGER)"},
		{Name: "DestinationIP", Type: kql.TypeString, Expr: "destination_ip"},
		{Name: "DestinationPort", Type: kql.TypeInt, Expr: "TRY_CAST(destination_port AS INTEGER)"},
		{Name: "Protocol", Type: kql.TypeString, Expr: "network_transport"},
		{Name: "SourceUserName", Type: kql.TypeString, Expr: "user_name"},
		{Name: "DestinationUserName", Type: kql.TypeString, Expr: f("destination.user.name")},
		{Name: "RequestURL", Type: kql.TypeString, Expr: "coalesce(url_full, " + f("url.original") + ")"},
		{Name: "Computer", Type: kql.TypeString, Expr: "coalesce(host_name, observer_name)"},
		{Name: "AdditionalExtensions", Type: kql.TypeDynamic, Expr: "CAST(fields AS JSON)"},
	})
	device := []col{
		{Name: "Timestamp", Type: kql.TypeDatetime, Expr: "ts"},
		{Name: "DeviceName", Type: kql.TypeString, Expr: "host_name"},
		{Name: "ActionType", Type: kql.TypeString, Expr: "event_action"},
		{Name: "AccountName", Type: kql.TypeString, Expr: "user_name"},
		{Name: "AccountDomain", Type: kql.TypeString, Expr: "user_domain"},
	}
	procCols := with(common(), device, []col{
		{Name: "FileName", Type: kql.TypeString, Expr: "process_name"},
		{Name: "FolderPath", Type: kql.TypeString, Expr: "process_executable"},
		{Name: "ProcessId", Type: kql.TypeLong, Expr: "process_pid"},
		{Name: "ProcessCommandLine", Type: kql.TypeString, Expr: "process_command_line"},
		{Name: "SHA256", Type: kql.TypeString, Expr: "coalesce(" + f("process.hash.sha256") + ", file_hash_sha256)"},
		{Name: "MD5", Type: kql.TypeString, Expr: f("process.hash.md5")},
		{Name: "ProcessIntegrityLevel", Type: kql.TypeString, Expr: f("winlog.event_data.IntegrityLevel")},
		{Name: "InitiatingProcessFileName", Type: kql.TypeString, Expr: "process_parent_name"},
		{Name: "InitiatingProcessFolderPath", Type: kql.TypeString, Expr: f("process.parent.executable")},
		{Name: "InitiatingProcessCommandLine", Type: kql.TypeString, Expr: f("process.parent.command_line")},
		{Name: "InitiatingProcessId", Type: kql.TypeLong, Expr: fl("process.parent.pid")},
	})
	netCols := with(common(), device, []col{
		{Name: "LocalIP", Type: kql.TypeString, Expr: "source_ip"},
		{Name: "LocalPort", Type: kql.TypeInt, Expr: "TRY_CAST(source_port AS INTEGER)"},
		{Name: "RemoteIP", Type: kql.TypeString, Expr: "destination_ip"},
		{Name: "RemotePort", Type: kql.TypeInt, Expr: "TRY_CAST(destination_port AS INTEGER)"},
		{Name: "RemoteUrl", Type: kql.TypeString, Expr: "coalesce(" + f("destination.domain") + ", url_domain)"},
		{Name: "Protocol", Type: kql.TypeString, Expr: "network_transport"},
		{Name: "InitiatingProcessFileName", Type: kql.TypeString, Expr: "process_name"},
		{Name: "InitiatingProcessFolderPath", Type: kql.TypeString, Expr: "process_executable"},
		{Name: "InitiatingProcessCommandLine", Type: kql.TypeString, Expr: "process_command_line"},
		{Name: "InitiatingProcessAccountName", Type: kql.TypeString, Expr: "user_name"},
	})
	fileCols := with(common(), device, []col{
		{Name: "FileName", Type: kql.TypeString, Expr: "coalesce(" + f("file.name") + ", regexp_extract(file_path, '[^\\\\/]+$'))"},
		{Name: "FolderPath", Type: kql.TypeString, Expr: "file_path"},
		{Name: "SHA256", Type: kql.TypeString, Expr: "file_hash_sha256"},
		{Name: "MD5", Type: kql.TypeString, Expr: f("file.hash.md5")},
		{Name: "InitiatingProcessFileName", Type: kql.TypeString, Expr: "process_name"},
		{Name: "InitiatingProcessFolderPath", Type: kql.TypeString, Expr: "process_executable"},
		{Name: "InitiatingProcessCommandLine", Type: kql.TypeString, Expr: "process_command_line"},
		{Name: "InitiatingProcessAccountName", Type: kql.TypeString, Expr: "user_name"},
	})
	return []kql.View{
		{Name: "events", Doc: "every event, with EventSec's normalized fields", Columns: eventsCols, TimeColumn: "TimeGenerated"},
		{Name: "SecurityEvent", Doc: "Windows Security log events (4624 logons, 4688 process starts, ...)", Where: windows, Columns: securityCols, TimeColumn: "TimeGenerated"},
		{Name: "Syslog", Doc: "syslog messages (Linux, network devices)", Where: "(input = 'syslog' OR " + f("log.syslog.priority") + " IS NOT NULL OR " + f("log.syslog.appname") + " IS NOT NULL)", Columns: syslogCols, TimeColumn: "TimeGenerated"},
		{Name: "SigninLogs", Doc: "sign-ins: every authentication event (Windows logons, SSH, the application's logins)", Where: hasListItem("event_category", "authentication"), Columns: signinCols, TimeColumn: "TimeGenerated"},
		{Name: "CommonSecurityLog", Doc: "CEF and LEEF events from security appliances", Where: "(event_module IN ('cef', 'leef') OR " + f("observer.vendor") + " IS NOT NULL)", Columns: cefCols, TimeColumn: "TimeGenerated"},
		{Name: "DeviceProcessEvents", Doc: "process starts (Sysmon 1, Security 4688, Linux exec)", Where: hasListItem("event_category", "process"), Columns: procCols, TimeColumn: "TimeGenerated"},
		{Name: "DeviceNetworkEvents", Doc: "network connections", Where: hasListItem("event_category", "network"), Columns: netCols, TimeColumn: "TimeGenerated"},
		{Name: "DeviceFileEvents", Doc: "file creations, changes and deletions", Where: hasListItem("event_category", "file"), Columns: fileCols, TimeColumn: "TimeGenerated"},
	}
}

// alertColumns are SecurityAlert's columns, in the order of alertRow.
var alertColumns = []kql.Column{
	{Name: "TimeGenerated", Type: kql.TypeDatetime, Doc: "when the alert was last seen"},
	{Name: "StartTime", Type: kql.TypeDatetime, Doc: "first matching event"},
	{Name: "EndTime", Type: kql.TypeDatetime, Doc: "last matching event"},
	{Name: "SystemAlertId", Type: kql.TypeString},
	{Name: "AlertName", Type: kql.TypeString},
	{Name: "AlertSeverity", Type: kql.TypeString},
	{Name: "Status", Type: kql.TypeString},
	{Name: "Description", Type: kql.TypeString},
	{Name: "ProviderName", Type: kql.TypeString},
	{Name: "ProductName", Type: kql.TypeString},
	{Name: "Tactics", Type: kql.TypeString, Doc: "comma-separated ATT&CK tactic IDs"},
	{Name: "Techniques", Type: kql.TypeString, Doc: "comma-separated ATT&CK technique IDs"},
	{Name: "CompromisedEntity", Type: kql.TypeString, Doc: "the first host, else user"},
	{Name: "Entities", Type: kql.TypeDynamic, Doc: "hosts, users, ips, processes, files, domains"},
	{Name: "ExtendedProperties", Type: kql.TypeDynamic, Doc: "rule_id, rule_kind, count, dedup_key, group values, event IDs"},
	{Name: "AlertCount", Type: kql.TypeLong, Doc: "repeats folded into the alert"},
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
