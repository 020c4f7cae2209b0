// Package agent holds the EventSec endpoint agent, one package per
// concern:
//
//	config     local settings (agent_config.json + environment, prompts)
//	state      credential and status files in the data directory
//	client     the HTTP transport of the wire protocol (TLS, gzip, backoff)
//	spool      bounded on-disk queue of event batches with stable batch ids
//	collect    host facts and metrics
//	inventory  hardware, interfaces, listening ports, processes, users, software
//	logtail    log files, the systemd journal, the Windows Event Log
//	fim        file integrity monitoring (fsnotify + periodic hashing)
//	netwatch   connections to blocked addresses
//	actions    response actions (kill, run, collect, isolate, restart, reboot)
//	isolate    network isolation (nftables on Linux, netsh on Windows)
//	governor   the agent's own CPU budget
//	runner     wiring: enrollment, heartbeat, sender, action poller, collectors
//	service    command line and OS service integration
//	wire       the protocol shared with the server
//	sca        configuration assessment policies
//
// deps_test.go keeps server packages out of the agent binary.
package agent
