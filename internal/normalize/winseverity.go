package normalize

import "github.com/eventsec/eventsec/internal/event"

// A Windows record's Level says how the provider rates its own event,
// not what it means to a defender: Defender logs a malware detection
// (1116) as a warning and the action it took (1117) as information, and
// the Security log's audit events (log cleared, account created, added
// to the Administrators group) are all information. winSeverityFloors
// raise event.severity to at least the given value for events that
// matter to security whatever their level; a higher level still wins.
// The values sit at the bottom of ECS-style bands (low 21, medium 47,
// high 73) and are explained in docs/sources/windows.md.
type winEventKey struct {
	provider string
	id       int64
}

const (
	pDefender = "Microsoft-Windows-Windows Defender"
	pSecurity = "Microsoft-Windows-Security-Auditing"
	pEventlog = "Microsoft-Windows-Eventlog"
	pSysmon   = "Microsoft-Windows-Sysmon"
	pSCM      = "Service Control Manager"
)

var winSeverityFloors = map[winEventKey]int64{
	// Defender: malware found and not (yet) dealt with is high; an
	// action taken is medium (the threat was there); protection turned
	// off is high (attackers do it first).
	{pDefender, 1006}: event.SeverityHigh,   // malware found by a scan
	{pDefender, 1007}: event.SeverityMedium, // action taken to protect the system
	{pDefender, 1008}: event.SeverityHigh,   // action failed
	{pDefender, 1015}: event.SeverityHigh,   // suspicious behaviour detected
	{pDefender, 1116}: event.SeverityHigh,   // malware detected
	{pDefender, 1117}: event.SeverityMedium, // action taken on malware
	{pDefender, 1118}: event.SeverityHigh,   // remediation failed
	{pDefender, 1119}: event.SeverityHigh,   // remediation failed critically
	{pDefender, 5001}: event.SeverityHigh,   // real-time protection disabled
	{pDefender, 5010}: event.SeverityHigh,   // scanning for malware disabled
	{pDefender, 5012}: event.SeverityHigh,   // scanning for viruses disabled

	// Clearing an event log destroys evidence (Security 1102, System 104).
	{pEventlog, 1102}: event.SeverityHigh,
	{pEventlog, 104}:  event.SeverityHigh,

	// Security: changes to auditing and to privileged groups are medium;
	// account creation and password resets are routine administration,
	// low; failed, explicit-credential and privileged logons are low
	// (worth counting, common alone).
	{pSecurity, 4719}: event.SeverityMedium, // audit policy changed
	{pSecurity, 4720}: event.SeverityLow,    // user account created
	{pSecurity, 4722}: event.SeverityLow,    // user account enabled
	{pSecurity, 4724}: event.SeverityLow,    // password reset by another account
	{pSecurity, 4728}: event.SeverityMedium, // member added to a security-enabled global group
	{pSecurity, 4732}: event.SeverityMedium, // member added to a security-enabled local group (Administrators)
	{pSecurity, 4756}: event.SeverityMedium, // member added to a security-enabled universal group
	{pSecurity, 4625}: event.SeverityLow,    // logon failed
	{pSecurity, 4648}: event.SeverityLow,    // logon with explicit credentials
	{pSecurity, 4672}: event.SeverityLow,    // special privileges assigned to a logon
	{pSecurity, 4697}: event.SeverityMedium, // service installed
	{pSecurity, 4698}: event.SeverityMedium, // scheduled task created
	{pSCM, 7045}:      event.SeverityMedium, // service installed

	// Sysmon: a thread started in another process is how code is
	// injected (medium); opening another process (often to read LSASS)
	// is low, being frequent.
	{pSysmon, 8}:  event.SeverityMedium,
	{pSysmon, 10}: event.SeverityLow,
}

// winSeverityFloor raises event.severity to r's entry in
// winSeverityFloors, if it has one and the level gave less.
func (st *state) winSeverityFloor(r *winRecord) {
	if !r.hasID {
		return
	}
	floor, ok := winSeverityFloors[winEventKey{r.provider, r.id}]
	if !ok {
		return
	}
	if sev, _ := st.f["event.severity"].(int64); sev < floor {
		st.setSeverity(floor)
	}
}
