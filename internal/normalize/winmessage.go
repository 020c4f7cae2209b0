package normalize

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Windows events read from .evtx files, or sent without Winlogbeat's
// rendered text, carry no message: Windows renders it from message tables
// in the provider's DLLs, which a Linux server does not have. Such an
// event would show an empty line in the event list and could not be
// found by its words. winSummary writes EventSec's own summary instead: a
// title for the event ID (EventSec's wording, not Microsoft's message
// text) and the event's data as "Name: value" pairs, the telling ones first.
// A rendered message, when the event has one, is always kept as it is.

// winTitles names well-known events, by provider and event ID.
var winTitles = map[string]map[int64]string{
	"Microsoft-Windows-Security-Auditing": {
		1100: "The event logging service shut down",
		1102: "The audit log was cleared",
		4608: "Windows is starting up",
		4616: "The system time was changed",
		4624: "An account was successfully logged on",
		4625: "An account failed to log on",
		4627: "Group membership information",
		4634: "An account was logged off",
		4647: "User initiated logoff",
		4648: "A logon was attempted using explicit credentials",
		4656: "A handle to an object was requested",
		4657: "A registry value was modified",
		4658: "The handle to an object was closed",
		4660: "An object was deleted",
		4661: "A handle to an object was requested",
		4662: "An operation was performed on an object",
		4663: "An attempt was made to access an object",
		4670: "Permissions on an object were changed",
		4672: "Special privileges assigned to new logon",
		4673: "A privileged service was called",
		4688: "A new process has been created",
		4689: "A process has exited",
		4697: "A service was installed in the system",
		4698: "A scheduled task was created",
		4699: "A scheduled task was deleted",
		4700: "A scheduled task was enabled",
		4701: "A scheduled task was disabled",
		4702: "A scheduled task was updated",
		4703: "A token right was adjusted",
		4719: "System audit policy was changed",
		4720: "A user account was created",
		4722: "A user account was enabled",
		4723: "An attempt was made to change an account's password",
		4724: "An attempt was made to reset an account's password",
		4725: "A user account was disabled",
		4726: "A user account was deleted",
		4727: "A security-enabled global group was created",
		4728: "A member was added to a security-enabled global group",
		4729: "A member was removed from a security-enabled global group",
		4732: "A member was added to a security-enabled local group",
		4733: "A member was removed from a security-enabled local group",
		4738: "A user account was changed",
		4740: "A user account was locked out",
		4741: "A computer account was created",
		4742: "A computer account was changed",
		4743: "A computer account was deleted",
		4756: "A member was added to a security-enabled universal group",
		4765: "SID History was added to an account",
		4767: "A user account was unlocked",
		4768: "A Kerberos authentication ticket (TGT) was requested",
		4769: "A Kerberos service ticket was requested",
		4770: "A Kerberos service ticket was renewed",
		4771: "Kerberos pre-authentication failed",
		4776: "The computer attempted to validate the credentials for an account",
		4778: "A session was reconnected to a Window Station",
		4779: "A session was disconnected from a Window Station",
		4781: "The name of an account was changed",
		4794: "An attempt was made to set the Directory Services Restore Mode administrator password",
		4798: "A user's local group membership was enumerated",
		4799: "A security-enabled local group membership was enumerated",
		4825: "A user was denied access to Remote Desktop",
		4946: "A rule was added to the Windows Firewall exception list",
		4947: "A rule was modified in the Windows Firewall exception list",
		4948: "A rule was deleted from the Windows Firewall exception list",
		4985: "The state of a transaction has changed",
		5136: "A directory service object was modified",
		5137: "A directory service object was created",
		5140: "A network share object was accessed",
		5142: "A network share object was added",
		5145: "A network share object was checked to see whether the client can be granted the desired access",
		5156: "The Windows Filtering Platform has permitted a connection",
		5157: "The Windows Filtering Platform has blocked a connection",
		5158: "The Windows Filtering Platform has permitted a bind to a local port",
	},
	"Microsoft-Windows-Sysmon": {
		1:   "Process Create",
		2:   "File creation time changed",
		3:   "Network connection detected",
		4:   "Sysmon service state changed",
		5:   "Process terminated",
		6:   "Driver loaded",
		7:   "Image loaded",
		8:   "CreateRemoteThread detected",
		9:   "RawAccessRead detected",
		10:  "Process accessed",
		11:  "File created",
		12:  "Registry object added or deleted",
		13:  "Registry value set",
		14:  "Registry object renamed",
		15:  "File stream created",
		16:  "Sysmon config state changed",
		17:  "Pipe Created",
		18:  "Pipe Connected",
		19:  "WmiEventFilter activity detected",
		20:  "WmiEventConsumer activity detected",
		21:  "WmiEventConsumerToFilter activity detected",
		22:  "Dns query",
		23:  "File Delete archived",
		24:  "Clipboard changed",
		25:  "Process Tampering",
		26:  "File Delete logged",
		27:  "File Block Executable",
		28:  "File Block Shredding",
		29:  "File Executable Detected",
		255: "Sysmon error",
	},
	"Service Control Manager": {
		7034: "A service terminated unexpectedly",
		7036: "A service changed state",
		7040: "The start type of a service was changed",
		7045: "A service was installed in the system",
	},
	"Microsoft-Windows-Eventlog": {
		104:  "An event log was cleared",
		1102: "The audit log was cleared",
	},
	"Microsoft-Windows-PowerShell": {
		4103:  "PowerShell module logging: a pipeline was executed",
		4104:  "PowerShell script block logged",
		40961: "PowerShell console is starting up",
		40962: "PowerShell console is ready for user input",
		53504: "PowerShell named pipe IPC started",
	},
	"PowerShell": {
		400: "PowerShell engine state changed to Available",
		403: "PowerShell engine state changed to Stopped",
		600: "PowerShell provider started",
		800: "PowerShell pipeline execution details",
	},
	"Microsoft-Windows-TaskScheduler": {
		106: "A scheduled task was registered",
		140: "A scheduled task was updated",
		141: "A scheduled task was deleted",
		200: "A scheduled task action started",
		201: "A scheduled task action completed",
	},
	"Microsoft-Windows-TerminalServices-LocalSessionManager": {
		21: "Remote Desktop Services: session logon succeeded",
		22: "Remote Desktop Services: shell start notification received",
		23: "Remote Desktop Services: session logoff succeeded",
		24: "Remote Desktop Services: session has been disconnected",
		25: "Remote Desktop Services: session reconnection succeeded",
	},
	"Microsoft-Windows-TerminalServices-RemoteConnectionManager": {
		261:  "Listener RDP-Tcp received a connection",
		1149: "Remote Desktop Services: user authentication succeeded",
	},
	"Microsoft-Windows-Windows Defender": {
		1006: "The antimalware engine found malware or other potentially unwanted software",
		1116: "The antimalware platform detected malware or other potentially unwanted software",
		1117: "The antimalware platform performed an action to protect the system from malware",
		5001: "Real-time protection is disabled",
		5007: "The antimalware platform configuration changed",
	},
	"Microsoft-Windows-Bits-Client": {
		3:  "The BITS service created a new job",
		4:  "The transfer job is complete",
		5:  "A BITS job was cancelled",
		59: "BITS started a transfer job",
		60: "BITS stopped transferring a job",
		61: "BITS stopped transferring a job because of an error",
	},
	"Microsoft-Windows-WMI-Activity": {
		5857: "A WMI provider was started",
		5860: "A temporary WMI event consumer was registered",
		5861: "A permanent WMI event consumer was bound",
	},
	"MSSQLSERVER": {
		18456: "Login failed for a SQL Server user",
	},
}

// winSummaryNoise are data names left out of a summary: identifiers that
// only repeat other values or say nothing to a reader.
var winSummaryNoise = map[string]bool{
	"SubjectUserSid": true, "SubjectLogonId": true, "TargetUserSid": true, "TargetLogonId": true,
	"TargetLinkedLogonId": true, "LogonGuid": true, "ProcessGuid": true, "ParentProcessGuid": true,
	"SourceProcessGUID": true, "TargetProcessGUID": true, "UtcTime": true, "CreationUtcTime": true,
	"PreviousCreationUtcTime": true, "TransmittedServices": true, "LmPackageName": true, "KeyLength": true,
	"RestrictedAdminMode": true, "VirtualAccount": true, "ElevatedToken": true, "TargetOutboundUserName": true,
	"TargetOutboundDomainName": true, "ImpersonationLevel": true, "MandatoryLabel": true, "SchemaVersion": true,
	"RuleName": true,
}

// winSummaryFirst are the data names a summary starts with, in order.
var winSummaryFirst = []string{
	"TargetUserName", "TargetDomainName", "SubjectUserName", "SubjectDomainName", "User", "AccountName",
	"LogonType", "IpAddress", "IpPort", "WorkstationName", "Status", "SubStatus", "FailureReason",
	"Image", "NewProcessName", "CommandLine", "ProcessName", "ParentImage", "ParentProcessName", "ParentCommandLine",
	"TargetFilename", "TargetObject", "Details", "ImageLoaded", "SourceImage", "TargetImage", "GrantedAccess",
	"SourceIp", "SourcePort", "DestinationIp", "DestinationPort", "DestinationHostname", "Protocol",
	"QueryName", "QueryResults", "PipeName", "ServiceName", "ImagePath", "ServiceFileName", "TaskName",
	"ObjectName", "ShareName", "RelativeTargetName", "ScriptBlockText", "Threat Name", "Path", "Action Name",
}

var winSummaryRank = func() map[string]int {
	m := make(map[string]int, len(winSummaryFirst))
	for i, n := range winSummaryFirst {
		m[n] = i
	}
	return m
}()

const (
	// winSummaryPairs bounds the "Name: value" pairs of a summary.
	winSummaryPairs = 12
	// winSummaryValue bounds one value in a summary, in bytes.
	winSummaryValue = 256
)

// winSummary sets the message of a Windows event that has none.
func (st *state) winSummary(r *winRecord) {
	if m, ok := st.f["message"].(string); r.rendered || ok && m != "" {
		return
	}
	var b strings.Builder
	if t := winTitles[r.provider][r.id]; t != "" {
		b.WriteString(t)
	} else {
		p := r.provider
		if p == "" {
			p = "Windows"
		}
		b.WriteString(p)
		if r.hasID {
			b.WriteString(" event ")
			b.WriteString(strconv.FormatInt(r.id, 10))
		}
	}
	// The data in a fixed order (EventData decoded from JSON has none):
	// the names a reader looks for first, then the rest by name.
	type entry struct {
		rank        int
		name, value string
	}
	var buf [32]entry
	picked := buf[:0]
	size := b.Len()
	for i := range r.data {
		d := &r.data[i]
		name := strings.TrimPrefix(d.name, "\x00") // UserData values
		v := strings.TrimSpace(d.value)
		if name == "" || winSummaryNoise[name] || v == "" || v == "-" || v == "0x0" || v == "S-1-0-0" || strings.HasPrefix(v, "%%") {
			continue
		}
		rank, ok := winSummaryRank[name]
		if !ok {
			rank = len(winSummaryFirst)
		}
		picked = append(picked, entry{rank, name, v})
		size += len(name) + 4 + min(len(v), winSummaryValue+3)
	}
	slices.SortFunc(picked, func(a, b entry) int {
		if c := cmp.Compare(a.rank, b.rank); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	b.Grow(size)
	for n, e := range picked {
		if n == winSummaryPairs {
			break
		}
		if n == 0 {
			b.WriteString(". ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(e.name)
		b.WriteString(": ")
		writeOneLine(&b, e.value, winSummaryValue)
	}
	st.setMessage(b.String())
}

// writeOneLine writes s with its line breaks and tabs as spaces (a run of
// them as one), cut to at most max bytes between two characters ("…"
// marks a cut).
func writeOneLine(b *strings.Builder, s string, max int) {
	cut := false
	if len(s) > max {
		i := max
		for i > 0 && s[i]&0xC0 == 0x80 {
			i--
		}
		s, cut = s[:i], true
	}
	for s != "" {
		i := strings.IndexAny(s, "\r\n\t")
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		for i < len(s) && (s[i] == '\r' || s[i] == '\n' || s[i] == '\t') {
			i++
		}
		s = s[i:]
	}
	if cut {
		b.WriteString("…")
	}
}
