package normalize

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

func readSample(t testing.TB, name string) ([]byte, map[string]any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return b, m
}

func TestWindows(t *testing.T) {
	cases := []struct {
		file string
		want map[string]any
		ts   string
	}{
		{
			file: "winlogbeat_4624.json",
			want: map[string]any{
				"event.dataset":                      "windows.security",
				"event.code":                         "4624",
				"winlog.event_id":                    int64(4624),
				"winlog.record_id":                   int64(6017383),
				"winlog.channel":                     "Security",
				"winlog.provider_name":               "Microsoft-Windows-Security-Auditing",
				"winlog.computer_name":               "DC01.contoso.local",
				"host.name":                          "DC01.contoso.local",
				"event.action":                       "logged-in",
				"event.outcome":                      "success",
				"event.category":                     []string{"authentication"},
				"user.name":                          "jdoe",
				"user.domain":                        "CONTOSO",
				"user.id":                            "S-1-5-21-1004336348-1177238915-682003330-1105",
				"source.ip":                          "10.20.30.40",
				"source.port":                        int64(50123),
				"source.domain":                      "WKS-042",
				"winlog.logon.type":                  "Network",
				"winlog.event_data.TargetUserName":   "jdoe",
				"winlog.event_data.LogonProcessName": "NtLmSsp",
				"winlog.process.pid":                 int64(644),
				"agent.type":                         "winlogbeat",
				"log.level":                          "information",
				"process.executable":                 nil, // "-"
				"message":                            "An account was successfully logged on.\n\nSubject:\n\tSecurity ID:\t\tS-1-0-0\n\tAccount Name:\t\t-\n\nLogon Information:\n\tLogon Type:\t\t3",
			},
			ts: "2024-02-29T16:24:30.123Z",
		},
		{
			file: "sysmon_1_evtxdump.json",
			want: map[string]any{
				"event.dataset":                       "windows.sysmon",
				"event.module":                        "sysmon",
				"event.provider":                      "Microsoft-Windows-Sysmon",
				"event.code":                          "1",
				"winlog.event_id":                     int64(1),
				"winlog.record_id":                    int64(88412),
				"host.name":                           "WKS-042.contoso.local",
				"event.category":                      []string{"process"},
				"event.type":                          []string{"start"},
				"event.action":                        "process-created",
				"process.executable":                  `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
				"process.name":                        "powershell.exe",
				"process.pid":                         int64(7412),
				"process.command_line":                "powershell.exe -NoP -W Hidden -Enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA=",
				"process.parent.executable":           `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`,
				"process.parent.name":                 "WINWORD.EXE",
				"process.parent.pid":                  int64(6120),
				"process.hash.sha256":                 "de96a6e69944335375dc1ac238336066889d9ffc7d73628ef4fe1b1b160ab32c",
				"process.pe.imphash":                  "741776aaccfc5b71ff59832dcdcace0f",
				"process.pe.original_file_name":       "PowerShell.EXE",
				"user.name":                           "jdoe",
				"user.domain":                         "CONTOSO",
				"rule.name":                           "technique_id=T1059.001,technique_name=PowerShell",
				"winlog.event_data.Image":             `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
				"winlog.event_data.ParentImage":       `C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE`,
				"winlog.event_data.OriginalFileName":  "PowerShell.EXE",
				"winlog.event_data.LogonId":           "0xb3f5c",
				"winlog.event_data.TerminalSessionId": "1",
				"winlog.keywords":                     []string{"0x8000000000000000"},
				"winlog.process.pid":                  int64(2964),
				"winlog.user.identifier":              "S-1-5-18",
				"event.severity":                      int64(0),
				"log.level":                           "information",
				"host.os.type":                        "windows",
			},
			ts: "2024-02-29T09:15:42.512345Z",
		},
		{
			file: "velocidex_sysmon_10.json",
			want: map[string]any{
				"event.action":                    "process-accessed",
				"winlog.event_data.GrantedAccess": "0x1010",
				"winlog.event_data.TargetImage":   `C:\Windows\system32\lsass.exe`,
				"process.executable":              `C:\Users\bob\Desktop\mimikatz.exe`,
				"process.pid":                     int64(3580),
				"winlog.event_data.RuleName":      nil,
				"rule.name":                       nil,
			},
			ts: "2019-05-16T13:10:13.760917Z",
		},
		{
			file: "velocidex_4625.json",
			want: map[string]any{
				"event.action":                     "logon-failed",
				"event.outcome":                    "failure",
				"user.name":                        "administrator",
				"source.ip":                        "192.168.56.101",
				"source.port":                      int64(0),
				"winlog.event_data.SubjectLogonId": "0x3e7",
				"winlog.event_data.Status":         "0xc000006d",
				"winlog.event_data.SubStatus":      "0xc000006a",
				"winlog.event_data.ProcessId":      "0x414",
				"winlog.event_data.LogonType":      "10",
				"winlog.event_data.IpPort":         "0",
				"winlog.logon.type":                "RemoteInteractive",
				"winlog.logon.failure.reason":      "User logon with misspelled or bad password",
				"process.pid":                      int64(1044),
				"process.name":                     "svchost.exe",
				"winlog.keywords":                  []string{"Audit Failure"},
			},
			ts: "2019-02-13T15:14:52.409734Z", // float seconds, to the microsecond
		},
	}
	n := New(Options{Now: func() time.Time { return received }, MaxAge: 30 * 365 * 24 * time.Hour})
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			raw, doc := readSample(t, tc.file)
			in := Input{OrgID: "org1", Input: "http", Received: received, Raw: raw}
			for name, ev := range map[string]event.Event{
				"NormalizeWindows": n.NormalizeWindows(in, doc),
				"NormalizeObject":  n.NormalizeObject(in, doc),
				"Normalize auto":   n.Normalize(in),
				"Normalize windows": func() event.Event {
					in := in
					in.Format = FormatWindows
					return n.Normalize(in)
				}(),
			} {
				checkEvent(t, ev, string(raw))
				for k, want := range tc.want {
					got, ok := ev.Fields[k]
					if want == nil {
						if ok {
							t.Errorf("%s: %s = %#v, want absent", name, k, got)
						}
						continue
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s: %s = %#v, want %#v", name, k, got, want)
					}
				}
				wantTS, _ := time.Parse(time.RFC3339Nano, tc.ts)
				if !ev.Timestamp.Equal(wantTS) {
					t.Errorf("%s: timestamp %v, want %v", name, ev.Timestamp, wantTS)
				}
				if tags := ev.Fields["tags"]; tags != nil {
					t.Errorf("%s: tags %v", name, tags)
				}
			}
		})
	}
}

// regressionData is SigmaHQ's regression data, in shared/ beside the
// repository.
const regressionData = "../../../shared/data/sigma/regression_data"

// TestSigmaRegressionJSON maps every event of SigmaHQ's regression data
// (.json: Windows events as evtx_dump renders them; .raw: other logs) and
// checks the fields detection needs are there.
func TestSigmaRegressionJSON(t *testing.T) {
	if _, err := os.Stat(regressionData); err != nil {
		t.Skipf("test data %s is absent (it lives in shared/ beside the repository): %v", regressionData, err)
	}
	n := New(Options{Now: func() time.Time { return time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC) }})
	var files, events, failures int
	datasets := map[string]int{}
	err := filepath.WalkDir(regressionData, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(path) {
		case ".json":
		case ".raw":
			files++
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				events++
				ev := n.Normalize(Input{OrgID: "o", Input: "import", Raw: []byte(line)})
				datasets[ev.Fields.Str("event.dataset")]++
				if ev.Fields["tags"] != nil {
					failures++
					t.Errorf("%s: %v", path, ev.Fields)
				}
			}
			return nil
		default:
			return nil
		}
		files++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Errorf("%s: %v", path, err)
				break
			}
			events++
			raw, _ := json.Marshal(doc)
			in := Input{OrgID: "o", Input: "import", Raw: raw}
			var ev event.Event
			if isWindowsShape(doc) {
				ev = n.NormalizeWindows(in, doc)
			} else {
				ev = n.NormalizeObject(in, doc)
			}
			datasets[ev.Fields.Str("event.dataset")]++
			if !checkRegressionEvent(t, path, doc, ev) {
				failures++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sigma regression data: %d files, %d events, %d failures; datasets %v", files, events, failures, datasets)
}

func checkRegressionEvent(t *testing.T, path string, doc map[string]any, ev event.Event) bool {
	t.Helper()
	ok := true
	fail := func(format string, args ...any) {
		t.Helper()
		ok = false
		t.Errorf(path+": "+format, args...)
	}
	e, _ := doc["Event"].(map[string]any)
	if e == nil {
		fail("not a Windows event: %v", doc)
		return false
	}
	sys, _ := e["System"].(map[string]any)
	id, _ := anyInt(text(sys["EventID"]))
	if got, _ := ev.Fields["winlog.event_id"].(int64); got != id || id == 0 {
		fail("winlog.event_id = %v, want %d", ev.Fields["winlog.event_id"], id)
	}
	if ev.Fields.Str("host.name") != anyString(sys["Computer"]) || ev.Fields.Str("host.name") == "" {
		fail("host.name = %q", ev.Fields.Str("host.name"))
	}
	want, err := time.Parse(time.RFC3339Nano, anyString(attr(sys["TimeCreated"], "SystemTime")))
	if err != nil || !ev.Timestamp.Equal(want) {
		fail("timestamp %v, want %v (%v)", ev.Timestamp, want, err)
	}
	if !strings.HasPrefix(ev.Fields.Str("event.dataset"), "windows.") {
		fail("dataset %q", ev.Fields.Str("event.dataset"))
	}
	if ev.Fields["tags"] != nil {
		fail("tags %v: %s", ev.Fields["tags"], ev.Fields.Str("error.message"))
	}
	if ev.Fields.Str("message") == "" {
		fail("no message (summary)")
	}
	// Every EventData value is kept under its own name.
	if data, ok := e["EventData"].(map[string]any); ok {
		for k, v := range data {
			if k == "#attributes" {
				continue
			}
			s, _, has := renderWin(v, false)
			if !has {
				continue
			}
			got := ev.Fields.Str("winlog.event_data." + k)
			if got != s && !strings.HasPrefix(got, "0x") {
				fail("winlog.event_data.%s = %q, want %q", k, got, s)
			}
		}
		if id == 1 && ev.Fields.Str("event.provider") == "Microsoft-Windows-Sysmon" {
			if ev.Fields.Str("process.executable") != anyString(data["Image"]) || ev.Fields.Str("process.command_line") != strings.TrimSpace(anyString(data["CommandLine"])) {
				fail("process fields %q %q", ev.Fields.Str("process.executable"), ev.Fields.Str("process.command_line"))
			}
		}
	}
	checkEvent(t, ev, string(ev.Raw))
	return ok
}

// TestWindowsXML maps an event rendered as XML (Windows Event Forwarding,
// Get-WinEvent ToXml): the example of event 4688 in Microsoft's docs.
func TestWindowsXML(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "samples", "security_4688.xml"))
	if err != nil {
		t.Fatal(err)
	}
	n := testNormalizer()
	for _, f := range []Format{FormatAuto, FormatWindows} {
		ev := n.Normalize(Input{OrgID: "o", Input: "http", Received: received, Raw: raw, Format: f})
		checkEvent(t, ev, string(raw))
		want := map[string]any{
			"event.dataset":                  "windows.security",
			"winlog.event_id":                int64(4688),
			"winlog.record_id":               int64(2814),
			"event.action":                   "created-process",
			"event.category":                 []string{"process"},
			"process.executable":             `C:\Windows\System32\rundll32.exe`,
			"process.name":                   "rundll32.exe",
			"process.pid":                    int64(700),
			"process.command_line":           `rundll32.exe C:\Users\Public\payload.dll,Start`,
			"process.parent.executable":      `C:\Windows\explorer.exe`,
			"process.parent.pid":             int64(3700),
			"user.name":                      "WIN-GG82ULGC9GO$",
			"user.effective.name":            "dadmin",
			"host.name":                      "WIN-GG82ULGC9GO.contoso.local",
			"winlog.event_data.NewProcessId": "0x2bc",
			"winlog.keywords":                []string{"Audit Success"},
			"event.outcome":                  "success",
		}
		for k, w := range want {
			if !reflect.DeepEqual(ev.Fields[k], w) {
				t.Errorf("%s: %s = %#v, want %#v", f, k, ev.Fields[k], w)
			}
		}
		if ts := ev.Timestamp.Format(time.RFC3339Nano); ts != "2024-02-29T11:12:13.4567891Z" {
			t.Errorf("timestamp %s", ts)
		}
	}
	for _, bad := range []string{"<Event><System>", "<Event xmlns=\"x\"><System><EventID>1</EventID></System></Event><x>", strings.Repeat("<Event>", 100)} {
		ev := n.Normalize(Input{OrgID: "o", Input: "http", Received: received, Raw: []byte(bad), Format: FormatWindows})
		if !hasTag(ev, event.TagParseError) {
			t.Errorf("%q: %v", bad, ev.Fields)
		}
	}
}

// TestWindowsSummary: a Windows event without a rendered message gets
// EventSec's summary (a title and the telling data first, one line, values
// cut); a rendered message, Winlogbeat's or the record's, is kept.
func TestWindowsSummary(t *testing.T) {
	n := testNormalizer()
	norm := func(doc string) event.Event {
		t.Helper()
		return n.Normalize(Input{OrgID: "o", Input: "http", Received: received, Raw: []byte(doc), Format: FormatWindows})
	}
	long := strings.Repeat("é", 300)
	ev := norm(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4625,"Channel":"Security","Computer":"DC01",
		"TimeCreated":{"#attributes":{"SystemTime":"2026-11-20T10:00:00Z"}}},
		"EventData":{"SubjectUserSid":"S-1-0-0","SubjectUserName":"-","TargetUserName":"admin","TargetDomainName":"CORP","Status":"0xc000006d",
		"LogonType":3,"IpAddress":"203.0.113.9","FailureReason":"%%2313","WorkstationName":"KALI","ProcessName":"line one\r\n\tline two","Zeta":"` + long + `"}}}`)
	want := "An account failed to log on. TargetUserName: admin; TargetDomainName: CORP; LogonType: 3; IpAddress: 203.0.113.9; " +
		"WorkstationName: KALI; Status: 0xc000006d; ProcessName: line one line two; Zeta: " + strings.Repeat("é", 128) + "…"
	if got := ev.Fields.Str("message"); got != want {
		t.Errorf("summary:\n got %q\nwant %q", got, want)
	}
	// The same event with its data in another order: the same summary.
	ev2 := norm(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4625,"Channel":"Security","Computer":"DC01",
		"TimeCreated":{"#attributes":{"SystemTime":"2026-11-20T10:00:00Z"}}},
		"EventData":{"Zeta":"` + long + `","ProcessName":"line one\r\n\tline two","WorkstationName":"KALI","FailureReason":"%%2313","IpAddress":"203.0.113.9","LogonType":3,
		"Status":"0xc000006d","TargetDomainName":"CORP","TargetUserName":"admin","SubjectUserName":"-","SubjectUserSid":"S-1-0-0"}}}`)
	if ev2.Fields.Str("message") != want {
		t.Errorf("summary depends on the data's order: %q", ev2.Fields.Str("message"))
	}
	// An event ID without a title: the provider and the ID.
	ev = norm(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Contoso-App"}},"EventID":17,"Channel":"Application","Computer":"WS1",
		"TimeCreated":{"#attributes":{"SystemTime":"2026-11-20T10:00:00Z"}}},"EventData":{"Data":["first","second"]}}}`)
	if got := ev.Fields.Str("message"); !strings.HasPrefix(got, "Contoso-App event 17. ") || !strings.Contains(got, "first") {
		t.Errorf("untitled summary %q", got)
	}
	// A record's rendered message wins.
	ev = norm(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4625,"Channel":"Security","Computer":"DC01",
		"TimeCreated":{"#attributes":{"SystemTime":"2026-11-20T10:00:00Z"}}},"EventData":{"TargetUserName":"admin"},
		"RenderingInfo":{"Message":"An account failed to log on.\r\n\r\nSubject: ..."}}}`)
	if got := ev.Fields.Str("message"); !strings.HasPrefix(got, "An account failed to log on.\r\n\r\nSubject") {
		t.Errorf("rendered message replaced: %q", got)
	}
	// So does Winlogbeat's.
	raw, _ := readSample(t, "winlogbeat_4624.json")
	ev = n.Normalize(Input{OrgID: "o", Input: "http", Received: received, Raw: raw})
	if got := ev.Fields.Str("message"); !strings.HasPrefix(got, "An account was successfully logged on.\n\nSubject:") {
		t.Errorf("Winlogbeat's message replaced: %q", got)
	}
}

// TestWindowsNamespaceDeclarations: the namespace declaration that evtx
// parsers give as a value of a UserData (or EventData) element, as in
// Security 1102 read from EVTX-ATTACK-SAMPLES' DE_1102_security_log_cleared.evtx,
// is XML's, not the event's: it is neither a winlog field nor in the
// summary.
func TestWindowsNamespaceDeclarations(t *testing.T) {
	n := testNormalizer()
	for _, tc := range []struct {
		name, doc, message string
		want               map[string]any
	}{
		{
			name: "1102 from evtx",
			doc: `{"Event":{"System":{"Channel":"Security","Computer":"PC01.example.corp","Correlation":{},"EventID":{"Value":1102},"EventRecordID":452811,` +
				`"Execution":{"ProcessID":812,"ThreadID":3916},"Keywords":"0x4020000000000000","Level":4,"Opcode":0,` +
				`"Provider":{"Guid":"{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}","Name":"Microsoft-Windows-Eventlog"},"Security":{},"Task":104,` +
				`"TimeCreated":{"SystemTime":"2019-03-19T23:35:07.5242021Z"},"Version":0},` +
				`"UserData":{"LogFileCleared":{"SubjectDomainName":"EXAMPLE","SubjectLogonId":"0x17dad","SubjectUserName":"user01",` +
				`"SubjectUserSid":"S-1-5-21-1587066498-1489273250-1035260531-1106","xmlns:auto-ns3":"http://schemas.microsoft.com/win/2004/08/events"}}}}`,
			message: "The audit log was cleared. SubjectUserName: user01; SubjectDomainName: EXAMPLE",
			want: map[string]any{"winlog.user_data.xml_name": "LogFileCleared", "winlog.user_data.SubjectUserName": "user01",
				"winlog.user_data.SubjectLogonId": "0x17dad"},
		},
		{
			name: "a default namespace on UserData and EventData",
			doc: `{"Event":{"System":{"Channel":"Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational","Computer":"IEWIN7","EventID":261,` +
				`"Provider":{"Name":"Microsoft-Windows-TerminalServices-RemoteConnectionManager"},"TimeCreated":{"SystemTime":"2018-11-06T21:45:34.8789297Z"}},` +
				`"UserData":{"xmlns":"urn:x","EventXML":{"xmlns":"Event_NS","listenerName":"RDP-Tcp"}},"EventData":{"xmlns:a":"urn:y","Extra":"1"}}}`,
			message: "Listener RDP-Tcp received a connection. Extra: 1; listenerName: RDP-Tcp",
			want:    map[string]any{"winlog.user_data.listenerName": "RDP-Tcp", "winlog.event_data.Extra": "1"},
		},
		{
			name: "the same 1102 as XML",
			doc: `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Eventlog" Guid="{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"/>` +
				`<EventID>1102</EventID><TimeCreated SystemTime="2019-03-19T23:35:07.5242021Z"/><Channel>Security</Channel><Computer>PC01.example.corp</Computer></System>` +
				`<UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog"><SubjectUserSid>S-1-5-21-1</SubjectUserSid>` +
				`<SubjectUserName>user01</SubjectUserName><SubjectDomainName>EXAMPLE</SubjectDomainName><SubjectLogonId>0x17dad</SubjectLogonId></LogFileCleared></UserData></Event>`,
			message: "The audit log was cleared. SubjectUserName: user01; SubjectDomainName: EXAMPLE",
			want:    map[string]any{"winlog.user_data.SubjectUserName": "user01"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := n.Normalize(Input{OrgID: "o", Input: "import", Received: received, Raw: []byte(tc.doc), Format: FormatWindows})
			if got := ev.Fields.Str("message"); got != tc.message {
				t.Errorf("message = %q, want %q", got, tc.message)
			}
			for k, v := range tc.want {
				if !reflect.DeepEqual(ev.Fields[k], v) {
					t.Errorf("%s = %#v, want %#v", k, ev.Fields[k], v)
				}
			}
			for k, v := range ev.Fields {
				if s, _ := v.(string); strings.Contains(k, "xmlns") || strings.Contains(s, "schemas.microsoft.com") || strings.HasPrefix(s, "urn:") {
					t.Errorf("%s = %q: a namespace declaration was kept", k, s)
				}
			}
		})
	}
}
