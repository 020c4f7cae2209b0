// Package wire is the versioned protocol between eventsec-agent and the
// server. It has no dependencies beyond the standard library so both sides
// (and third-party tools such as the bench load generator) can import it
// without pulling in server code.
//
// Transport: HTTPS (or HTTP on loopback) with JSON bodies. Enrollment is the
// only unauthenticated call; everything else carries the agent's credential
// as "Authorization: Bearer <token>" (or a client certificate under mTLS).
// Every request carries the header "X-EventSec-Agent-Protocol: <Version>";
// the server answers 426 with an Error when it cannot speak that version.
package wire

import (
	"encoding/json"
	"time"
)

// Version is the protocol version this package describes.
const Version = "1"

// HeaderProtocol carries Version on every request.
const HeaderProtocol = "X-EventSec-Agent-Protocol"

// Paths of the agent channel, relative to the server's base URL.
const (
	PathEnroll    = "/api/v1/agents/enroll"
	PathHeartbeat = "/api/v1/agent/heartbeat"
	PathConfig    = "/api/v1/agent/config"
	PathInventory = "/api/v1/agent/inventory"
	PathEvents    = "/api/v1/agent/events"
	PathSCA       = "/api/v1/agent/sca"
	// PathActions is polled with GET (?wait=25s long-polls until an action
	// is queued or the wait ends; the answer is an ActionList).
	PathActions = "/api/v1/agent/actions"
	// PathActionResult is POSTed with an ActionResult; {id} is the action.
	PathActionResult = "/api/v1/agent/actions/{id}/result"
	// PathUpload receives a collected file as the raw request body with
	// the headers below; {id} is the collect_file action.
	PathUpload = "/api/v1/agent/actions/{id}/upload"
)

// Upload headers (PathUpload).
const (
	HeaderFileName   = "X-EventSec-File-Name"
	HeaderFileSHA256 = "X-EventSec-File-SHA256"
)

// Error is the body of every non-2xx answer.
type Error struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// HostFacts describe the machine at enrollment and in every inventory.
type HostFacts struct {
	Hostname      string `json:"hostname"`
	FQDN          string `json:"fqdn,omitempty"`
	OS            string `json:"os"`               // linux, windows, darwin
	Platform      string `json:"platform"`         // debian, ubuntu, rocky, alpine, windows, darwin
	PlatformVer   string `json:"platform_version"` // 12, 22.04, 10.0.19045, 14.4
	Family        string `json:"family,omitempty"` // debian, rhel, alpine
	KernelVersion string `json:"kernel_version,omitempty"`
	Arch          string `json:"arch"` // amd64, arm64
	MachineID     string `json:"machine_id,omitempty"`
	AgentVersion  string `json:"agent_version"`
	// IPs are the machine's non-loopback addresses.
	IPs  []string `json:"ips,omitempty"`
	MACs []string `json:"macs,omitempty"`
}

// EnrollRequest is POSTed to PathEnroll.
type EnrollRequest struct {
	EnrollmentKey string    `json:"enrollment_key"`
	Facts         HostFacts `json:"facts"`
	// Name is an optional display name chosen at install time.
	Name string `json:"name,omitempty"`
}

// EnrollResponse gives the agent its identity and credential. The token is
// shown once; the agent stores it (0600) next to its config.
type EnrollResponse struct {
	AgentID string `json:"agent_id"`
	OrgID   string `json:"org_id"`
	Token   string `json:"token"`
	// ClientCertPEM and ClientKeyPEM are set instead of (or beside) Token
	// when the server requires mTLS for agents.
	ClientCertPEM string `json:"client_cert_pem,omitempty"`
	ClientKeyPEM  string `json:"client_key_pem,omitempty"`
	Config        Config `json:"config"`
}

// Config is what the server wants the agent to do. The agent fetches it at
// start and whenever a HeartbeatResponse carries a newer ConfigVersion.
type Config struct {
	Version int64 `json:"version"`
	// HeartbeatSeconds between heartbeats (default 30).
	HeartbeatSeconds int `json:"heartbeat_seconds"`
	// InventorySeconds between full inventories (default 3600).
	InventorySeconds int `json:"inventory_seconds"`
	// MetricsSeconds between metric samples carried by heartbeats.
	MetricsSeconds int `json:"metrics_seconds"`
	// LogFiles are tailed (glob patterns allowed).
	LogFiles []LogFile `json:"log_files"`
	// Journald reads the systemd journal (Linux).
	Journald bool `json:"journald"`
	// EventLogChannels are read on Windows (e.g. Security, System,
	// Microsoft-Windows-Sysmon/Operational).
	EventLogChannels []string `json:"eventlog_channels"`
	// FIM watches these paths.
	FIM FIMConfig `json:"fim"`
	// SCAIntervalSeconds between configuration assessments (0 = off).
	SCAIntervalSeconds int `json:"sca_interval_seconds"`
	// SCAPolicies are the ids of policies to run (empty = built-in baseline
	// for the platform).
	SCAPolicies []string `json:"sca_policies"`
	// CommandAllowList is the org's allow-list for run_command actions
	// (exact argv[0] paths or names).
	CommandAllowList []string `json:"command_allow_list"`
	// CollectPaths are the path prefixes collect_file may read.
	CollectPaths []string `json:"collect_paths"`
	// CollectMaxBytes bounds a collected file.
	CollectMaxBytes int64 `json:"collect_max_bytes"`
	// BlockList holds the org's blocked IPs/CIDRs and domains: connections
	// to them are reported as events.
	BlockList BlockList `json:"block_list"`
	// Limits are the agent's own resource caps.
	Limits Limits `json:"limits"`
	// SpoolMaxBytes bounds the on-disk spool used while the server is away.
	SpoolMaxBytes int64 `json:"spool_max_bytes"`
}

// LogFile is one tailed file pattern.
type LogFile struct {
	Path string `json:"path"`
	// Format hints the server's normalizer: "syslog", "json", "auth",
	// "access", "lines" (default: detect).
	Format string `json:"format,omitempty"`
}

// FIMConfig configures file integrity monitoring.
type FIMConfig struct {
	Paths []string `json:"paths"`
	// Exclude are glob patterns never reported.
	Exclude []string `json:"exclude"`
	// ScanSeconds between full re-hashes (real-time watching is used where
	// the OS allows; the scan catches what watching missed).
	ScanSeconds int `json:"scan_seconds"`
	// MaxFileBytes: larger files are reported by metadata only.
	MaxFileBytes int64 `json:"max_file_bytes"`
}

// BlockList is the org's block list as the agent sees it.
type BlockList struct {
	Version int64    `json:"version"`
	IPs     []string `json:"ips"` // addresses or CIDRs
	Domains []string `json:"domains"`
}

// Limits caps the agent's own resource use.
type Limits struct {
	// CPUPercent of one core averaged over a minute (default 5).
	CPUPercent float64 `json:"cpu_percent"`
	// MemoryMB is a soft memory limit (default 64).
	MemoryMB int `json:"memory_mb"`
}

// Heartbeat is POSTed to PathHeartbeat every Config.HeartbeatSeconds.
type Heartbeat struct {
	AgentVersion  string    `json:"agent_version"`
	SentAt        time.Time `json:"sent_at"`
	ConfigVersion int64     `json:"config_version"`
	Isolated      bool      `json:"isolated"`
	// Metrics are the samples taken since the previous heartbeat.
	Metrics []Metrics `json:"metrics,omitempty"`
	// Status carries the agent's own health.
	Status AgentStatus `json:"status"`
}

// Metrics is one resource sample of the host.
type Metrics struct {
	At            time.Time `json:"at"`
	CPUPercent    float64   `json:"cpu_percent"`
	MemUsedBytes  uint64    `json:"mem_used_bytes"`
	MemTotalBytes uint64    `json:"mem_total_bytes"`
	DiskUsedBytes uint64    `json:"disk_used_bytes"`
	DiskTotal     uint64    `json:"disk_total_bytes"`
	NetRxBytes    uint64    `json:"net_rx_bytes"` // counters since boot
	NetTxBytes    uint64    `json:"net_tx_bytes"`
	Load1         float64   `json:"load1,omitempty"`
	UptimeSeconds uint64    `json:"uptime_seconds"`
}

// AgentStatus is the agent's own health.
type AgentStatus struct {
	RSSBytes     uint64   `json:"rss_bytes"`
	CPUPercent   float64  `json:"cpu_percent"`
	Throttled    bool     `json:"throttled"`
	SpoolBytes   int64    `json:"spool_bytes"`
	SpoolDropped int64    `json:"spool_dropped"`
	EventsSent   int64    `json:"events_sent"`
	Warnings     []string `json:"warnings,omitempty"`
}

// HeartbeatResponse tells the agent what changed on the server.
type HeartbeatResponse struct {
	ServerTime     time.Time `json:"server_time"`
	ConfigVersion  int64     `json:"config_version"`
	PendingActions int       `json:"pending_actions"`
}

// Inventory is POSTed to PathInventory: a full snapshot.
type Inventory struct {
	CollectedAt time.Time       `json:"collected_at"`
	Facts       HostFacts       `json:"facts"`
	Hardware    Hardware        `json:"hardware"`
	Interfaces  []Interface     `json:"interfaces"`
	Listening   []ListeningPort `json:"listening"`
	Processes   []Process       `json:"processes"`
	Users       []LoggedInUser  `json:"users"`
	Software    []Package       `json:"software"`
}

// Hardware describes the machine.
type Hardware struct {
	CPUModel    string `json:"cpu_model"`
	CPUCores    int    `json:"cpu_cores"`
	MemoryBytes uint64 `json:"memory_bytes"`
	DiskBytes   uint64 `json:"disk_bytes"`
	Vendor      string `json:"vendor,omitempty"`
	Model       string `json:"model,omitempty"`
	Serial      string `json:"serial,omitempty"`
}

// Interface is one network interface.
type Interface struct {
	Name  string   `json:"name"`
	MAC   string   `json:"mac,omitempty"`
	Addrs []string `json:"addrs"` // CIDR notation
	Up    bool     `json:"up"`
	MTU   int      `json:"mtu,omitempty"`
}

// ListeningPort is a socket in LISTEN state (or bound UDP).
type ListeningPort struct {
	Protocol string `json:"protocol"` // tcp, tcp6, udp, udp6
	Address  string `json:"address"`
	Port     int    `json:"port"`
	PID      int32  `json:"pid,omitempty"`
	Process  string `json:"process,omitempty"`
}

// Process is one running process.
type Process struct {
	PID        int32     `json:"pid"`
	PPID       int32     `json:"ppid"`
	Name       string    `json:"name"`
	Exe        string    `json:"exe,omitempty"`
	CmdLine    string    `json:"cmdline,omitempty"`
	User       string    `json:"user,omitempty"`
	StartedAt  time.Time `json:"started_at,omitempty"`
	SHA256     string    `json:"sha256,omitempty"`
	CPUPercent float64   `json:"cpu_percent,omitempty"`
	RSSBytes   uint64    `json:"rss_bytes,omitempty"`
}

// LoggedInUser is one session.
type LoggedInUser struct {
	User     string    `json:"user"`
	Terminal string    `json:"terminal,omitempty"`
	Host     string    `json:"host,omitempty"`
	Since    time.Time `json:"since,omitempty"`
}

// Package is one installed software package.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Source is the package database: dpkg, rpm, apk, windows, macos_app,
	// pkgutil, or a language ecosystem (npm, pypi, go).
	Source string `json:"source"`
	// SourceName is the source package (Debian) when it differs from Name.
	SourceName  string    `json:"source_name,omitempty"`
	Arch        string    `json:"arch,omitempty"`
	Vendor      string    `json:"vendor,omitempty"`
	InstalledAt time.Time `json:"installed_at,omitempty"`
}

// EventBatch is POSTed to PathEvents. BatchID makes a re-sent batch (after
// a timeout or a spool replay) idempotent: the server stores each batch once.
type EventBatch struct {
	BatchID string  `json:"batch_id"`
	Events  []Event `json:"events"`
}

// Event is one piece of telemetry. Kind selects how the server normalizes
// it: "log" (a tailed line: Raw holds it, Fields.file.path names the file),
// "journal" (Fields holds the journal entry), "eventlog" (Raw holds the
// Windows event XML), "fim", "network" (a connection to a blocked
// address, or a URL click), "process", "agent" (the agent's own notices).
type Event struct {
	ID     string          `json:"id"` // stable per event: agent id + source + offset
	Time   time.Time       `json:"time"`
	Kind   string          `json:"kind"`
	Raw    string          `json:"raw,omitempty"`
	Fields json.RawMessage `json:"fields,omitempty"` // ECS-shaped object
}

// EventBatchResponse acknowledges a batch (only once it is durable).
type EventBatchResponse struct {
	Accepted  int  `json:"accepted"`
	Duplicate bool `json:"duplicate,omitempty"`
}

// FIMChange is the Fields of a "fim" Event (ECS file.* plus old/new).
type FIMChange struct {
	Action    string    `json:"action"` // created, modified, deleted, attributes_modified
	Path      string    `json:"path"`
	OldSHA256 string    `json:"old_sha256,omitempty"`
	NewSHA256 string    `json:"new_sha256,omitempty"`
	OldSize   int64     `json:"old_size,omitempty"`
	NewSize   int64     `json:"new_size,omitempty"`
	Owner     string    `json:"owner,omitempty"`
	Group     string    `json:"group,omitempty"`
	Mode      string    `json:"mode,omitempty"` // octal, e.g. 0644
	OldMode   string    `json:"old_mode,omitempty"`
	ModTime   time.Time `json:"mtime,omitempty"`
}

// SCAReport is POSTed to PathSCA after each assessment.
type SCAReport struct {
	PolicyID      string     `json:"policy_id"`
	PolicyName    string     `json:"policy_name"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    time.Time  `json:"finished_at"`
	Hash          string     `json:"hash"`  // unchanged results may be skipped
	Score         float64    `json:"score"` // passed / (passed+failed) * 100
	Passed        int        `json:"passed"`
	Failed        int        `json:"failed"`
	NotApplicable int        `json:"not_applicable"`
	Checks        []SCACheck `json:"checks"`
}

// SCACheck is one check's outcome.
type SCACheck struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Status      string            `json:"status"` // pass, fail, not_applicable, error
	Reason      string            `json:"reason"`
	Severity    string            `json:"severity,omitempty"`
	Remediation string            `json:"remediation,omitempty"`
	Rationale   string            `json:"rationale,omitempty"`
	Compliance  map[string]string `json:"compliance,omitempty"`
}

// Action types.
const (
	ActionIsolate      = "isolate"
	ActionRelease      = "release"
	ActionKillProcess  = "kill_process" // Params: pid (and optional name to double-check)
	ActionRunCommand   = "run_command"  // Params: argv []string (argv[0] on the allow-list)
	ActionCollectFile  = "collect_file" // Params: path
	ActionRestartAgent = "restart_agent"
	ActionReboot       = "reboot"
	ActionUpdateBlock  = "update_block_list"
	ActionDisableUser  = "disable_user" // Params: user (a local account)
)

// Action is queued by the server for one agent.
type Action struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Params    json.RawMessage `json:"params,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
	// Expires: an action not delivered by then is abandoned by the server.
	ExpiresAt time.Time `json:"expires_at"`
}

// ActionList answers GET PathActions. Returning an action marks it
// delivered; the agent must then report an ActionResult.
type ActionList struct {
	Actions []Action `json:"actions"`
}

// Action parameter shapes.
type (
	// KillParams for kill_process.
	KillParams struct {
		PID  int32  `json:"pid"`
		Name string `json:"name,omitempty"`
	}
	// RunParams for run_command.
	RunParams struct {
		Argv           []string `json:"argv"`
		TimeoutSeconds int      `json:"timeout_seconds,omitempty"`
	}
	// CollectParams for collect_file.
	CollectParams struct {
		Path string `json:"path"`
	}
	// DisableUserParams for disable_user: the local account to lock.
	DisableUserParams struct {
		User string `json:"user"`
	}
	// IsolateParams for isolate: the addresses that stay reachable
	// (the server's, always added by the agent too).
	IsolateParams struct {
		Allow []string `json:"allow,omitempty"`
	}
)

// Action result statuses.
const (
	ResultDone   = "done"
	ResultFailed = "failed"
)

// ActionResult is POSTed to PathActionResult.
type ActionResult struct {
	Status     string    `json:"status"`           // done or failed
	Output     string    `json:"output,omitempty"` // truncated to 64 KiB
	ExitCode   int       `json:"exit_code,omitempty"`
	Error      string    `json:"error,omitempty"`
	FinishedAt time.Time `json:"finished_at"`
}
