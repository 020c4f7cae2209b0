package normalize

import (
	"testing"
	"time"
)

// NXLog's im_msvistalog events (xm_json) map as evtx records do: the
// same ECS fields and winlog.event_data, so that Sigma's Windows rules
// fire whichever shipper sent them. The samples follow NXLog's
// documented output (the EventData fields beside the envelope).
func TestNXLogWindows(t *testing.T) {
	n := New(Options{})
	recv := time.Date(2026, 11, 24, 10, 0, 5, 0, time.UTC)
	failed := `{"EventTime":"2026-11-24 10:00:00","Hostname":"WIN-SRV01.corp.example","Keywords":-9218868437227405312,"EventType":"AUDIT_FAILURE",` +
		`"SeverityValue":4,"Severity":"ERROR","EventID":4625,"SourceName":"Microsoft-Windows-Security-Auditing",` +
		`"ProviderGuid":"{54849625-5478-4994-A5BA-3E3B0328C30D}","Version":0,"Task":12544,"OpcodeValue":0,"RecordNumber":2042,` +
		`"ProcessID":612,"ThreadID":2344,"Channel":"Security","Message":"An account failed to log on.","Category":"Logon","Opcode":"Info",` +
		`"SubjectUserSid":"S-1-0-0","SubjectUserName":"-","TargetUserName":"administrator","TargetDomainName":"CORP","Status":"0xc000006d",` +
		`"FailureReason":"%%2313","SubStatus":"0xc000006a","LogonType":"3","WorkstationName":"KALI","IpAddress":"81.2.69.142","IpPort":"51234",` +
		`"EventReceivedTime":"2026-11-24 10:00:01","SourceModuleName":"eventlog","SourceModuleType":"im_msvistalog"}`
	ev := n.Normalize(Input{OrgID: "o", Input: "http", Received: recv, Raw: []byte(failed)})
	for k, want := range map[string]any{
		"event.code": "4625", "event.provider": "Microsoft-Windows-Security-Auditing", "winlog.channel": "Security",
		"host.name": "WIN-SRV01.corp.example", "user.name": "administrator", "source.ip": "81.2.69.142",
		"event.outcome": "failure", "winlog.event_data.LogonType": "3", "winlog.event_data.SubStatus": "0xc000006a",
		"message": "An account failed to log on.", "agent.type": "nxlog", "winlog.record_id": int64(2042),
	} {
		if got := ev.Fields[k]; got != want {
			t.Errorf("4625 %s = %#v, want %#v", k, got, want)
		}
	}
	if cats, _ := ev.Fields["event.category"].([]string); len(cats) == 0 || cats[0] != "authentication" {
		t.Errorf("4625 event.category = %v", cats)
	}
	if _, has := ev.Fields["winlog.event_data.EventReceivedTime"]; has {
		t.Error("NXLog's envelope leaked into event_data")
	}
	if want := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC); !ev.Timestamp.Equal(want) {
		t.Errorf("time %s, want %s", ev.Timestamp, want)
	}
	sysmon := `{"EventTime":"2026-11-24 10:01:00","Hostname":"WS-7","EventID":1,"SourceName":"Microsoft-Windows-Sysmon",` +
		`"Channel":"Microsoft-Windows-Sysmon/Operational","Message":"Process Create: ...","Image":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",` +
		`"CommandLine":"powershell -enc SQBFAFgA","ParentImage":"C:\\Windows\\explorer.exe","User":"CORP\\alice","ProcessId":"4242",` +
		`"SourceModuleType":"im_msvistalog"}`
	ev = n.Normalize(Input{OrgID: "o", Input: "http", Received: recv, Raw: []byte(sysmon)})
	for k, want := range map[string]any{
		"process.executable": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "process.command_line": "powershell -enc SQBFAFgA",
		"process.parent.executable": `C:\Windows\explorer.exe`, "winlog.event_data.Image": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		"event.code": "1", "host.name": "WS-7",
	} {
		if got := ev.Fields[k]; got != want {
			t.Errorf("sysmon %s = %#v, want %#v", k, got, want)
		}
	}
	// A JSON object that merely has an EventID is not taken for NXLog's.
	ev = n.Normalize(Input{OrgID: "o", Input: "http", Received: recv, Raw: []byte(`{"EventID":7,"message":"app event"}`)})
	if ev.Fields["agent.type"] == "nxlog" || ev.Fields["message"] != "app event" {
		t.Errorf("generic object: %v", ev.Fields)
	}
}
