package event

// Type is the storage type of a typed column.
type Type int

// Column types.
const (
	TypeString Type = iota
	TypeInt
	TypeFloat
	TypeIP // a string holding an IPv4 or IPv6 address
	TypeStrings
)

// Column is an ECS field that event stores keep in a typed column of its
// own (queried often); every other field lives in a JSON column.
type Column struct {
	Field string // ECS key, e.g. "source.ip"
	Name  string // column name, e.g. "source_ip"
	Type  Type
}

// Columns lists the typed columns, in storage order. Appending is safe;
// renaming or removing needs a store migration.
var Columns = []Column{
	{"event.kind", "event_kind", TypeString},
	{"event.category", "event_category", TypeStrings},
	{"event.type", "event_type", TypeStrings},
	{"event.action", "event_action", TypeString},
	{"event.outcome", "event_outcome", TypeString},
	{"event.severity", "event_severity", TypeInt},
	{"event.code", "event_code", TypeString},
	{"event.dataset", "event_dataset", TypeString},
	{"event.module", "event_module", TypeString},
	{"event.provider", "event_provider", TypeString},
	{"message", "message", TypeString},
	{"log.level", "log_level", TypeString},
	{"host.name", "host_name", TypeString},
	{"host.ip", "host_ip", TypeIP},
	{"host.os.type", "host_os_type", TypeString},
	{"user.name", "user_name", TypeString},
	{"user.domain", "user_domain", TypeString},
	{"source.ip", "source_ip", TypeIP},
	{"source.port", "source_port", TypeInt},
	{"source.geo.country_iso_code", "source_geo_country_iso_code", TypeString},
	{"source.geo.location.lat", "source_geo_location_lat", TypeFloat},
	{"source.geo.location.lon", "source_geo_location_lon", TypeFloat},
	{"destination.ip", "destination_ip", TypeIP},
	{"destination.port", "destination_port", TypeInt},
	{"destination.geo.country_iso_code", "destination_geo_country_iso_code", TypeString},
	{"destination.geo.location.lat", "destination_geo_location_lat", TypeFloat},
	{"destination.geo.location.lon", "destination_geo_location_lon", TypeFloat},
	{"network.protocol", "network_protocol", TypeString},
	{"network.transport", "network_transport", TypeString},
	{"process.name", "process_name", TypeString},
	{"process.pid", "process_pid", TypeInt},
	{"process.executable", "process_executable", TypeString},
	{"process.command_line", "process_command_line", TypeString},
	{"process.parent.name", "process_parent_name", TypeString},
	{"file.path", "file_path", TypeString},
	{"file.hash.sha256", "file_hash_sha256", TypeString},
	{"url.full", "url_full", TypeString},
	{"url.domain", "url_domain", TypeString},
	{"observer.name", "observer_name", TypeString},
	{"observer.type", "observer_type", TypeString},
	{"tags", "tags", TypeStrings},
	{"error.message", "error_message", TypeString},
}

var columnByField = func() map[string]Column {
	m := make(map[string]Column, len(Columns))
	for _, c := range Columns {
		m[c.Field] = c
	}
	return m
}()

// ColumnOf returns the typed column of an ECS field.
func ColumnOf(field string) (Column, bool) {
	c, ok := columnByField[field]
	return c, ok
}

// Tags EventSec itself puts on events.
const (
	// TagParseError marks an event no parser understood; it is stored with
	// its raw text and error.message says why.
	TagParseError = "_parse_error"
)
