// Package sentinel declares the Sentinel-style tables analysts know
// (SecurityEvent, Syslog, SigninLogs, CommonSecurityLog,
// DeviceProcessEvents, DeviceNetworkEvents, DeviceFileEvents,
// SecurityAlert, and events for everything) as KQL views over the
// DuckDB event store's partition columns: the typed columns of
// event.Columns (host_name, user_name, process_command_line, ...), ts,
// and the JSON of every field in fields.
//
// Column names and types follow Microsoft's table reference; where
// EventSec has no such field the column reads a likely ECS or winlog key
// from fields, and is empty otherwise. Every view also has the EventSec
// columns message, severity (a label: info, low, medium, high,
// critical), Fields (all fields, dynamic) and RawData, so that
// "SecurityEvent | where severity == 'high' and message contains 'x'"
// works as the workbench promises.
//
// The expressions are DuckDB SQL; a ClickHouse event store needs its own.
package sentinel

import (
	"fmt"
	"strconv"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/query/kql"
)

// Spec is one table: its columns as SQL over the partition columns, and
// which events belong to it.
type Spec struct {
	Name    string
	Doc     string
	Where   string // SQL over the partition columns; "" for all events
	Columns []kql.ViewColumn
}

// field reads a string field from the fields JSON.
func field(key string) string {
	return "json_extract_string(fields, " + sqlString("$."+strconv.Quote(key)) + ")"
}

// sqlString quotes a constant written here (never query text).
func sqlString(s string) string {
	out := "'"
	for _, r := range s {
		if r == '\'' {
			out += "''"
		} else {
			out += string(r)
		}
	}
	return out + "'"
}

func fieldInt(key string) string { return "TRY_CAST(" + field(key) + " AS BIGINT)" }

// firstOf is the first non-empty of several SQL strings.
func firstOf(exprs ...string) string {
	out := "coalesce("
	for i, e := range exprs {
		if i > 0 {
			out += ", "
		}
		out += "NULLIF(" + e + ", '')"
	}
	return out + ")"
}

func winData(name string) string { return field("winlog.event_data." + name) }

// listColumn turns a list column (elements after \x1f separators) into a
// dynamic array.
func listColumn(c string) string {
	return "to_json(list_filter(string_split(" + c + ", chr(31)), lambda _x: _x <> ''))"
}

func severityLabel() string {
	return fmt.Sprintf("CASE WHEN event_severity >= %d THEN 'critical' WHEN event_severity >= %d THEN 'high' "+
		"WHEN event_severity >= %d THEN 'medium' WHEN event_severity >= %d THEN 'low' ELSE 'info' END",
		event.SeverityCritical, event.SeverityHigh, event.SeverityMedium, event.SeverityLow)
}

func col(name string, t kql.Type, expr, doc string) kql.ViewColumn {
	return kql.ViewColumn{Name: name, Type: t, Expr: expr, Doc: doc}
}

func str(name, expr string) kql.ViewColumn  { return col(name, kql.TypeString, expr, "") }
func long(name, expr string) kql.ViewColumn { return col(name, kql.TypeLong, expr, "") }
func intc(name, expr string) kql.ViewColumn {
	return col(name, kql.TypeInt, "TRY_CAST("+expr+" AS INTEGER)", "")
}
func dyn(name, expr string) kql.ViewColumn { return col(name, kql.TypeDynamic, expr, "") }
func dt(name, expr string) kql.ViewColumn  { return col(name, kql.TypeDatetime, expr, "") }
func empty(name string) kql.ViewColumn {
	return col(name, kql.TypeString, "NULL", "not recorded by EventSec")
}

// common are the columns every table has.
func common(typeName string) []kql.ViewColumn {
	return []kql.ViewColumn{
		col("TimeGenerated", kql.TypeDatetime, "ts", "when the event happened (@timestamp)"),
		col("message", kql.TypeString, "message", "the event's message"),
		col("severity", kql.TypeString, severityLabel(), "severity band: info, low, medium, high, critical"),
		col("SeverityScore", kql.TypeLong, "event_severity", "severity 0-100"),
		col("Fields", kql.TypeDynamic, "CAST(fields AS JSON)", "every field of the event"),
		col("RawData", kql.TypeString, "raw", "the event as received"),
		col("_ItemId", kql.TypeString, "id", "EventSec's event id"),
		col("Type", kql.TypeString, sqlString(typeName), "the table name"),
		str("SourceSystem", "input"),
	}
}

// initiatingProcess are the InitiatingProcess* columns of the Device*
// tables.
func initiatingProcess() []kql.ViewColumn {
	return []kql.ViewColumn{
		str("InitiatingProcessFileName", "process_parent_name"),
		str("InitiatingProcessFolderPath", field("process.parent.executable")),
		str("InitiatingProcessCommandLine", field("process.parent.command_line")),
		long("InitiatingProcessId", fieldInt("process.parent.pid")),
		long("InitiatingProcessParentId", fieldInt("process.parent.parent.pid")),
		str("InitiatingProcessParentFileName", field("process.parent.parent.name")),
		str("InitiatingProcessAccountName", "user_name"),
		str("InitiatingProcessAccountDomain", "user_domain"),
		str("InitiatingProcessAccountSid", field("user.id")),
		str("InitiatingProcessAccountUpn", field("user.email")),
		str("InitiatingProcessAccountObjectId", field("user.id")),
		long("InitiatingProcessLogonId", fieldInt("winlog.logon.id")),
		str("InitiatingProcessSHA1", field("process.parent.hash.sha1")),
		str("InitiatingProcessSHA256", field("process.parent.hash.sha256")),
		str("InitiatingProcessMD5", field("process.parent.hash.md5")),
		long("InitiatingProcessFileSize", fieldInt("process.parent.size")),
		str("InitiatingProcessIntegrityLevel", field("process.parent.integrity_level")),
		str("InitiatingProcessTokenElevation", field("process.parent.token_elevation")),
		dt("InitiatingProcessCreationTime", "TRY_CAST("+field("process.parent.start")+" AS TIMESTAMP)"),
		dt("InitiatingProcessParentCreationTime", "TRY_CAST("+field("process.parent.parent.start")+" AS TIMESTAMP)"),
		str("InitiatingProcessVersionInfoCompanyName", field("process.parent.pe.company")),
		str("InitiatingProcessVersionInfoProductName", field("process.parent.pe.product")),
		str("InitiatingProcessVersionInfoOriginalFileName", field("process.parent.pe.original_file_name")),
		str("InitiatingProcessVersionInfoFileDescription", field("process.parent.pe.description")),
	}
}

// device are the columns every Device* table starts with.
func device() []kql.ViewColumn {
	return []kql.ViewColumn{
		dt("Timestamp", "ts"),
		str("DeviceId", firstOf(field("host.id"), "host_name")),
		str("DeviceName", "host_name"),
		str("ActionType", "event_action"),
		long("ReportId", "seq"),
		dyn("AdditionalFields", "CAST(fields AS JSON)"),
	}
}

func with(parts ...[]kql.ViewColumn) []kql.ViewColumn {
	var out []kql.ViewColumn
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Specs returns the tables.
func Specs() []Spec {
	return []Spec{
		{
			Name:  "SecurityEvent",
			Doc:   "Windows Security log events",
			Where: "(event_provider ILIKE '%Security-Auditing%' OR " + field("winlog.channel") + " = 'Security')",
			Columns: with(common("SecurityEvent"), []kql.ViewColumn{
				str("Computer", "host_name"),
				str("Account", "CASE WHEN coalesce(user_domain, '') = '' THEN user_name ELSE user_domain || '\\' || user_name END"),
				str("AccountType", field("winlog.user.type")),
				intc("EventID", "event_code"),
				str("Activity", firstOf("event_action", "message")),
				str("Channel", field("winlog.channel")),
				str("EventSourceName", "event_provider"),
				str("Level", "log_level"),
				str("Keywords", field("winlog.keywords")),
				str("SubjectUserName", winData("SubjectUserName")),
				str("SubjectDomainName", winData("SubjectDomainName")),
				str("SubjectUserSid", winData("SubjectUserSid")),
				str("SubjectLogonId", winData("SubjectLogonId")),
				str("SubjectAccount", "NULLIF("+winData("SubjectDomainName")+" || '\\' || "+winData("SubjectUserName")+", '\\')"),
				str("TargetUserName", firstOf(winData("TargetUserName"), field("user.target.name"))),
				str("TargetDomainName", winData("TargetDomainName")),
				str("TargetUserSid", winData("TargetUserSid")),
				str("TargetSid", winData("TargetSid")),
				str("TargetLogonId", winData("TargetLogonId")),
				str("TargetAccount", "NULLIF("+winData("TargetDomainName")+" || '\\' || "+winData("TargetUserName")+", '\\')"),
				intc("LogonType", firstOf(winData("LogonType"), field("winlog.logon.type"))),
				str("LogonTypeName", field("winlog.logon.type")),
				str("LogonProcessName", winData("LogonProcessName")),
				str("AuthenticationPackageName", winData("AuthenticationPackageName")),
				str("WorkstationName", winData("WorkstationName")),
				str("IpAddress", firstOf("source_ip", winData("IpAddress"))),
				str("IpPort", firstOf(winData("IpPort"), "CAST(source_port AS VARCHAR)")),
				str("Process", "process_name"),
				str("ProcessName", firstOf("process_executable", winData("ProcessName"))),
				str("NewProcessName", firstOf(winData("NewProcessName"), "process_executable")),
				str("NewProcessId", winData("NewProcessId")),
				str("ProcessId", firstOf(winData("ProcessId"), "CAST(process_pid AS VARCHAR)")),
				str("ParentProcessName", firstOf(winData("ParentProcessName"), field("process.parent.executable"))),
				str("CommandLine", firstOf("process_command_line", winData("CommandLine"))),
				str("Status", winData("Status")),
				str("SubStatus", winData("SubStatus")),
				str("FailureReason", firstOf(winData("FailureReason"), field("winlog.logon.failure.reason"))),
				str("ObjectName", winData("ObjectName")),
				str("ObjectType", winData("ObjectType")),
				str("ObjectServer", winData("ObjectServer")),
				str("AccessMask", winData("AccessMask")),
				str("AccessList", winData("AccessList")),
				str("ServiceName", winData("ServiceName")),
				str("ServiceFileName", winData("ImagePath")),
				str("MemberName", winData("MemberName")),
				str("MemberSid", winData("MemberSid")),
				str("ShareName", winData("ShareName")),
				str("PrivilegeList", winData("PrivilegeList")),
				str("TokenElevationType", winData("TokenElevationType")),
				str("ElevatedToken", winData("ElevatedToken")),
				str("ImpersonationLevel", winData("ImpersonationLevel")),
				str("MandatoryLabel", winData("MandatoryLabel")),
				str("CallerProcessName", winData("CallerProcessName")),
				str("CallerProcessId", winData("CallerProcessId")),
				str("SamAccountName", winData("SamAccountName")),
				str("UserPrincipalName", winData("UserPrincipalName")),
				str("TargetServerName", winData("TargetServerName")),
				str("TargetInfo", winData("TargetInfo")),
				str("RelativeTargetName", winData("RelativeTargetName")),
				str("EventData", field("winlog.event_data")),
				str("SourceComputerId", field("host.id")),
				str("_ResourceId", field("cloud.instance.id")),
				empty("ManagementGroupName"),
				str("TenantId", "org_id"),
			}),
		},
		{
			Name:  "Syslog",
			Doc:   "syslog messages",
			Where: "input = 'syslog' OR " + field("log.syslog.facility.name") + " IS NOT NULL",
			Columns: with(common("Syslog"), []kql.ViewColumn{
				str("Computer", "host_name"),
				str("HostName", "host_name"),
				str("HostIP", "host_ip"),
				str("Facility", field("log.syslog.facility.name")),
				str("SeverityLevel", firstOf(field("log.syslog.severity.name"), "log_level")),
				str("SyslogMessage", "message"),
				str("ProcessName", firstOf(field("log.syslog.appname"), "process_name")),
				intc("ProcessID", firstOf(field("log.syslog.procid"), "CAST(process_pid AS VARCHAR)")),
				dt("EventTime", "ts"),
				str("CollectorHostName", "observer_name"),
			}),
		},
		{
			Name:  "SigninLogs",
			Doc:   "sign-ins (authentication events)",
			Where: "event_category LIKE '%' || chr(31) || 'authentication' || chr(31) || '%'",
			Columns: with(common("SigninLogs"), []kql.ViewColumn{
				str("UserPrincipalName", firstOf(field("user.email"), "user_name")),
				str("UserDisplayName", firstOf(field("user.full_name"), "user_name")),
				str("UserId", field("user.id")),
				str("UserType", field("user.type")),
				str("AlternateSignInName", "user_name"),
				str("Identity", "user_name"),
				str("AppDisplayName", firstOf(field("service.name"), "event_dataset")),
				str("AppId", field("service.id")),
				str("ResourceDisplayName", field("service.target.name")),
				str("ResourceIdentity", field("service.target.id")),
				str("IPAddress", "source_ip"),
				str("Location", "source_geo_country_iso_code"),
				dyn("LocationDetails", "json_object('countryOrRegion', source_geo_country_iso_code, 'geoCoordinates', json_object('latitude', source_geo_location_lat, 'longitude', source_geo_location_lon))"),
				str("ResultType", "CASE event_outcome WHEN 'success' THEN '0' WHEN 'failure' THEN coalesce("+field("error.code")+", '50126') ELSE '' END"),
				str("ResultDescription", firstOf("error_message", "event_outcome")),
				str("ResultSignature", "upper(event_outcome)"),
				dyn("Status", "json_object('errorCode', TRY_CAST("+field("error.code")+" AS BIGINT), 'failureReason', error_message)"),
				str("ClientAppUsed", field("user_agent.name")),
				str("UserAgent", field("user_agent.original")),
				dyn("DeviceDetail", "json_object('operatingSystem', "+field("host.os.name")+", 'browser', "+field("user_agent.name")+", 'displayName', host_name)"),
				str("ConditionalAccessStatus", field("conditional_access.status")),
				dyn("ConditionalAccessPolicies", "CAST('[]' AS JSON)"),
				str("AuthenticationRequirement", field("authentication.requirement")),
				dyn("AuthenticationDetails", "CAST('[]' AS JSON)"),
				dyn("MfaDetail", "CAST('{}' AS JSON)"),
				str("RiskLevelDuringSignIn", field("risk.level")),
				str("RiskLevelAggregated", field("risk.aggregated_level")),
				str("RiskState", field("risk.state")),
				str("RiskDetail", field("risk.detail")),
				str("CorrelationId", field("trace.id")),
				str("OperationName", "event_action"),
				str("Category", "event_dataset"),
				col("IsInteractive", kql.TypeBool, "TRY_CAST("+field("authentication.interactive")+" AS BOOLEAN)", ""),
				dyn("NetworkLocationDetails", "CAST('[]' AS JSON)"),
				str("TokenIssuerType", field("authentication.issuer_type")),
				str("AuthenticationMethodsUsed", field("authentication.method")),
				str("HomeTenantId", "org_id"),
				str("ResourceTenantId", "org_id"),
			}),
		},
		{
			Name:  "CommonSecurityLog",
			Doc:   "CEF and LEEF events from security appliances",
			Where: "input IN ('cef', 'leef') OR " + field("cef.version") + " IS NOT NULL OR " + field("observer.vendor") + " IS NOT NULL",
			Columns: with(common("CommonSecurityLog"), []kql.ViewColumn{
				str("Computer", firstOf("observer_name", "host_name")),
				str("DeviceVendor", field("observer.vendor")),
				str("DeviceProduct", field("observer.product")),
				str("DeviceVersion", field("observer.version")),
				str("DeviceEventClassID", firstOf("event_code", field("cef.signature_id"))),
				str("Activity", firstOf(field("cef.name"), "event_action", "message")),
				str("LogSeverity", "CAST(event_severity AS VARCHAR)"),
				str("OriginalLogSeverity", field("cef.severity")),
				str("SourceIP", "source_ip"),
				intc("SourcePort", "source_port"),
				str("DestinationIP", "destination_ip"),
				intc("DestinationPort", "destination_port"),
				str("SourceHostName", field("source.domain")),
				str("DestinationHostName", firstOf(field("destination.domain"), "url_domain")),
				str("SourceUserName", firstOf(field("source.user.name"), "user_name")),
				str("SourceUserID", field("source.user.id")),
				str("DestinationUserName", field("destination.user.name")),
				str("Protocol", "network_transport"),
				str("ApplicationProtocol", "network_protocol"),
				str("DeviceAction", "event_action"),
				str("SimplifiedDeviceAction", "event_outcome"),
				str("CommunicationDirection", field("network.direction")),
				str("RequestURL", "url_full"),
				str("RequestMethod", field("http.request.method")),
				str("RequestClientApplication", field("user_agent.original")),
				str("Message", "message"),
				str("AdditionalExtensions", field("cef.extensions")),
				long("SentBytes", fieldInt("source.bytes")),
				long("ReceivedBytes", fieldInt("destination.bytes")),
				str("FileName", field("file.name")),
				str("FileHash", "file_hash_sha256"),
				str("DeviceName", "observer_name"),
				str("DeviceAddress", field("observer.ip")),
				str("MaliciousIP", field("threat.indicator.ip")),
				str("ThreatSeverity", field("threat.indicator.severity")),
				str("ThreatConfidence", field("threat.indicator.confidence")),
				str("IndicatorThreatType", field("threat.indicator.type")),
				str("SourceTranslatedAddress", field("source.nat.ip")),
				str("DestinationTranslatedAddress", field("destination.nat.ip")),
				str("DeviceCustomString1", field("cef.cs1")),
				str("DeviceCustomString1Label", field("cef.cs1Label")),
				str("DeviceCustomString2", field("cef.cs2")),
				str("DeviceCustomString2Label", field("cef.cs2Label")),
				str("DeviceCustomString3", field("cef.cs3")),
				str("DeviceCustomString3Label", field("cef.cs3Label")),
				str("DeviceCustomString4", field("cef.cs4")),
				str("DeviceCustomString4Label", field("cef.cs4Label")),
				str("DeviceCustomString5", field("cef.cs5")),
				str("DeviceCustomString5Label", field("cef.cs5Label")),
				str("DeviceCustomString6", field("cef.cs6")),
				str("DeviceCustomString6Label", field("cef.cs6Label")),
				intc("DeviceCustomNumber1", field("cef.cn1")),
				intc("DeviceCustomNumber2", field("cef.cn2")),
				intc("DeviceCustomNumber3", field("cef.cn3")),
				str("FlexString1", field("cef.flexString1")),
				str("FlexString2", field("cef.flexString2")),
				str("DeviceInboundInterface", field("observer.ingress.interface.name")),
				str("DeviceOutboundInterface", field("observer.egress.interface.name")),
				intc("EventCount", firstOf(field("cef.cnt"), "'1'")),
				str("Reason", field("event.reason")),
				str("ProcessName", "process_name"),
				str("RemoteIP", "destination_ip"),
				intc("RemotePort", "destination_port"),
				dt("StartTime", "TRY_CAST("+field("event.start")+" AS TIMESTAMP)"),
				dt("EndTime", "TRY_CAST("+field("event.end")+" AS TIMESTAMP)"),
			}),
		},
		{
			Name:  "DeviceProcessEvents",
			Doc:   "process creation on endpoints",
			Where: "event_category LIKE '%' || chr(31) || 'process' || chr(31) || '%'",
			Columns: with(common("DeviceProcessEvents"), device(), []kql.ViewColumn{
				str("FileName", "process_name"),
				str("FolderPath", "process_executable"),
				str("SHA1", field("process.hash.sha1")),
				str("SHA256", firstOf(field("process.hash.sha256"), "file_hash_sha256")),
				str("MD5", field("process.hash.md5")),
				long("FileSize", fieldInt("process.size")),
				long("ProcessId", "process_pid"),
				str("ProcessCommandLine", "process_command_line"),
				str("ProcessIntegrityLevel", field("process.integrity_level")),
				str("ProcessTokenElevation", field("process.token_elevation")),
				dt("ProcessCreationTime", "coalesce(TRY_CAST("+field("process.start")+" AS TIMESTAMP), ts)"),
				str("ProcessVersionInfoCompanyName", field("process.pe.company")),
				str("ProcessVersionInfoProductName", field("process.pe.product")),
				str("ProcessVersionInfoOriginalFileName", field("process.pe.original_file_name")),
				str("ProcessVersionInfoFileDescription", field("process.pe.description")),
				str("AccountName", "user_name"),
				str("AccountDomain", "user_domain"),
				str("AccountSid", field("user.id")),
				str("AccountUpn", field("user.email")),
				str("AccountObjectId", field("user.id")),
				long("LogonId", fieldInt("winlog.logon.id")),
			}, initiatingProcess()),
		},
		{
			Name:  "DeviceNetworkEvents",
			Doc:   "network connections on endpoints",
			Where: "event_category LIKE '%' || chr(31) || 'network' || chr(31) || '%'",
			Columns: with(common("DeviceNetworkEvents"), device(), []kql.ViewColumn{
				str("RemoteIP", "destination_ip"),
				intc("RemotePort", "destination_port"),
				str("RemoteUrl", firstOf("url_domain", field("destination.domain"))),
				str("LocalIP", "source_ip"),
				intc("LocalPort", "source_port"),
				str("Protocol", "network_transport"),
				str("LocalIPType", field("source.ip_type")),
				str("RemoteIPType", field("destination.ip_type")),
			}, initiatingProcess()),
		},
		{
			Name:  "DeviceFileEvents",
			Doc:   "file changes on endpoints",
			Where: "event_category LIKE '%' || chr(31) || 'file' || chr(31) || '%'",
			Columns: with(common("DeviceFileEvents"), device(), []kql.ViewColumn{
				str("FileName", firstOf(field("file.name"), "regexp_extract(file_path, '[^\\\\/]*$')")),
				str("FolderPath", "file_path"),
				str("SHA1", field("file.hash.sha1")),
				str("SHA256", "file_hash_sha256"),
				str("MD5", field("file.hash.md5")),
				long("FileSize", fieldInt("file.size")),
				str("FileOriginUrl", field("file.origin_url")),
				str("FileOriginReferrerUrl", field("file.origin_referrer_url")),
				str("FileOriginIP", field("file.origin_ip")),
				str("PreviousFolderPath", field("file.previous.path")),
				str("PreviousFileName", field("file.previous.name")),
				str("RequestProtocol", "network_protocol"),
				str("RequestSourceIP", "source_ip"),
				intc("RequestSourcePort", "source_port"),
				str("RequestAccountName", "user_name"),
				str("RequestAccountDomain", "user_domain"),
				str("RequestAccountSid", field("user.id")),
				str("ShareName", field("file.share")),
				str("SensitivityLabel", field("file.sensitivity_label")),
			}, initiatingProcess()),
		},
		{
			Name:  "SecurityAlert",
			Doc:   "alerts raised by detection rules",
			Where: "event_kind = 'alert'",
			Columns: with(common("SecurityAlert"), []kql.ViewColumn{
				str("AlertName", firstOf(field("rule.name"), "message")),
				str("DisplayName", firstOf(field("rule.name"), "message")),
				str("AlertSeverity", "CASE WHEN event_severity >= 73 THEN 'High' WHEN event_severity >= 47 THEN 'Medium' WHEN event_severity >= 21 THEN 'Low' ELSE 'Informational' END"),
				str("Description", firstOf(field("rule.description"), "message")),
				str("ProviderName", firstOf("event_provider", "'EventSec'")),
				str("VendorName", "'EventSec'"),
				str("ProductName", "'EventSec'"),
				str("ProductComponentName", "event_module"),
				str("AlertType", firstOf(field("rule.id"), "event_code")),
				str("SystemAlertId", "id"),
				str("VendorOriginalId", field("rule.id")),
				str("Status", firstOf(field("event.status"), "'New'")),
				str("CompromisedEntity", firstOf("host_name", "user_name")),
				str("Entities", "coalesce("+field("alert.entities")+", '[]')"),
				str("ExtendedProperties", "coalesce("+field("alert.extended_properties")+", '{}')"),
				dt("StartTime", "coalesce(TRY_CAST("+field("event.start")+" AS TIMESTAMP), ts)"),
				dt("EndTime", "coalesce(TRY_CAST("+field("event.end")+" AS TIMESTAMP), ts)"),
				dt("ProcessingEndTime", "ingested"),
				str("RemediationSteps", field("rule.remediation")),
				str("Tactics", field("threat.tactic.name")),
				str("Techniques", field("threat.technique.id")),
				str("ConfidenceLevel", field("alert.confidence_level")),
				col("ConfidenceScore", kql.TypeReal, "TRY_CAST("+field("alert.confidence_score")+" AS DOUBLE)", ""),
				col("IsIncident", kql.TypeBool, "false", ""),
				str("AlertLink", field("alert.link")),
				str("ResourceId", field("cloud.instance.id")),
				str("WorkspaceSubscriptionId", "org_id"),
			}),
		},
		{
			Name:    "events",
			Doc:     "every event, with EventSec's own column names",
			Columns: with(common("events"), eventColumns()),
		},
	}
}

// eventColumns are the typed columns of the store under their SQL names
// (host_name, source_ip, ...), as the events table shows them.
func eventColumns() []kql.ViewColumn {
	out := []kql.ViewColumn{
		dt("ingested", "ingested"),
		str("input", "input"),
	}
	for _, c := range event.Columns {
		switch c.Type {
		case event.TypeInt:
			out = append(out, kql.ViewColumn{Name: c.Name, Type: kql.TypeLong, Expr: c.Name, Doc: c.Field})
		case event.TypeFloat:
			out = append(out, kql.ViewColumn{Name: c.Name, Type: kql.TypeReal, Expr: c.Name, Doc: c.Field})
		case event.TypeStrings:
			out = append(out, kql.ViewColumn{Name: c.Name, Type: kql.TypeDynamic, Expr: listColumn(c.Name), Doc: c.Field})
		default:
			if c.Name == "message" {
				continue
			}
			out = append(out, kql.ViewColumn{Name: c.Name, Type: kql.TypeString, Expr: c.Name, Doc: c.Field})
		}
	}
	return out
}

// Views returns the tables as views over base: the rows of the store the
// query may read (the lead's partition union, restricted to the caller's
// org and the hint's time range).
func Views(base func(kql.Hint) (kql.SQL, error)) []*kql.View {
	specs := Specs()
	out := make([]*kql.View, 0, len(specs))
	for _, s := range specs {
		out = append(out, &kql.View{Name: s.Name, Doc: s.Doc, Base: base, Where: s.Where, Columns: s.Columns, TimeColumn: "TimeGenerated"})
	}
	return out
}

// Catalog returns the views as a catalog.
func Catalog(base func(kql.Hint) (kql.SQL, error)) (kql.Tables, error) {
	cat := kql.Tables{}
	for _, v := range Views(base) {
		t, err := v.Table()
		if err != nil {
			return nil, err
		}
		if err := cat.Add(t); err != nil {
			return nil, err
		}
	}
	return cat, nil
}
