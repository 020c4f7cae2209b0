package event

// Field names people and rules use that are not ECS: Sigma's taxonomy
// and the System attributes of Windows event records, with the keys they
// stand for in a normalized event.

// RelatedFields maps ECS's related.* fields, which gather the event's
// users, addresses and hosts whatever their role, to the keys
// normalization fills. Shippers such as Filebeat set related.* on the
// event itself; for the others the search syntax reads related.user as
// any of the user fields (query/lucene), and the UI's entity links use it.
var RelatedFields = map[string][]string{
	"related.user":  {"user.name", "user.target.name", "source.user.name", "destination.user.name", "user.id"},
	"related.ip":    {"source.ip", "destination.ip", "client.ip", "server.ip", "host.ip"},
	"related.hosts": {"host.name", "host.hostname", "observer.name"},
}

// TaxonomyFields maps Sigma taxonomy names (Sysmon's, W3C's) to the ECS
// keys normalization fills for events that are not Windows event log
// records. Sigma rules read them (detect/sigma), and the search syntax
// accepts them as field names (query/lucene).
var TaxonomyFields = map[string][]string{
	"Image":               {"process.executable"},
	"CommandLine":         {"process.command_line"},
	"ParentImage":         {"process.parent.executable"},
	"ParentCommandLine":   {"process.parent.command_line"},
	"ProcessId":           {"process.pid"},
	"ParentProcessId":     {"process.parent.pid"},
	"CurrentDirectory":    {"process.working_directory"},
	"OriginalFileName":    {"process.pe.original_file_name"},
	"User":                {"user.name"},
	"TargetFilename":      {"file.path"},
	"Filename":            {"file.path", "file.name"},
	"SourceIp":            {"source.ip"},
	"DestinationIp":       {"destination.ip"},
	"SourcePort":          {"source.port"},
	"DestinationPort":     {"destination.port"},
	"SourceHostname":      {"source.domain"},
	"DestinationHostname": {"destination.domain"},
	"QueryName":           {"dns.question.name"},
	"TargetObject":        {"registry.path"},
	"Details":             {"registry.data.strings"},
	"Hostname":            {"host.name"},
	"ComputerName":        {"host.name"},
	"Signature":           {"threat.indicator.description", "rule.name"},
	"Action":              {"event.action"},
	// W3C names of the webserver and proxy categories.
	"c-uri":           {"url.original", "url.full"},
	"cs-uri":          {"url.original", "url.full"},
	"c-uri-query":     {"url.query", "url.original"},
	"cs-uri-query":    {"url.original", "url.query"},
	"c-uri-stem":      {"url.path", "url.original"},
	"cs-uri-stem":     {"url.path", "url.original"},
	"c-uri-extension": {"url.extension"},
	"cs-method":       {"http.request.method"},
	"sc-status":       {"http.response.status_code"},
	"c-useragent":     {"user_agent.original"},
	"cs-user-agent":   {"user_agent.original"},
	"cs-referer":      {"http.request.referrer"},
	"cs-referrer":     {"http.request.referrer"},
	"cs-host":         {"url.domain", "destination.domain"},
	"r-dns":           {"url.domain", "destination.domain"},
	"cs-cookie":       {"http.request.cookie"},
	"cs-bytes":        {"http.request.bytes"},
	"sc-bytes":        {"http.response.bytes", "http.response.body.bytes"},
	"cs-version":      {"http.version"},
	"c-ip":            {"source.ip"},
	"s-ip":            {"destination.ip"},
	"src_ip":          {"source.ip"},
	"dst_ip":          {"destination.ip"},
	"src_port":        {"source.port"},
	"dst_port":        {"destination.port"},
	"cs-username":     {"user.name"},
	"username":        {"user.name"},
}

// WindowsSystemFields maps Sigma names of System attributes (element
// and attribute joined with "_", as the specification says) to keys.
var WindowsSystemFields = map[string][]string{
	"EventID":                {"winlog.event_id"},
	"Channel":                {"winlog.channel"},
	"Provider_Name":          {"winlog.provider_name"},
	"Provider":               {"winlog.provider_name"},
	"Provider_Guid":          {"winlog.provider_guid"},
	"Computer":               {"winlog.computer_name"},
	"ComputerName":           {"winlog.computer_name", "winlog.event_data.ComputerName"},
	"EventRecordID":          {"winlog.record_id"},
	"Keywords":               {"winlog.keywords"},
	"Task":                   {"winlog.task", "winlog.event_data.Task"},
	"Opcode":                 {"winlog.opcode"},
	"Version":                {"winlog.version", "winlog.event_data.Version"},
	"Security_UserID":        {"winlog.user.identifier"},
	"Execution_ProcessID":    {"winlog.process.pid"},
	"Execution_ThreadID":     {"winlog.process.thread.id"},
	"Correlation_ActivityID": {"winlog.activity_id"},
}
