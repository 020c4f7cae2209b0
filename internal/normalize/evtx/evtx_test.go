package evtx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/normalize/evtx"
)

// The shared test data sits beside the repository: /work/main/../shared.
const (
	attackSamples  = "../../../../shared/data/evtx/attack-samples"
	regressionData = "../../../../shared/data/sigma/regression_data"
)

// clock is after every sample, so that none is "in the future"; the
// attack samples are from 2017-2021, well within MaxAge.
var clock = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

func newNormalizer() *normalize.Normalizer {
	return normalize.New(normalize.Options{Now: func() time.Time { return clock }})
}

func evtxFiles(t *testing.T, dir string) []string {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("test data %s is absent (it lives in shared/ beside the repository): %v", dir, err)
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no .evtx files under %s", dir)
	}
	return files
}

// normalizeFile reads one .evtx file and normalizes each record.
func normalizeFile(t *testing.T, n *normalize.Normalizer, path string) ([]event.Event, evtx.Stats) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []event.Event
	st, err := evtx.Read(f, func(rec map[string]any) error {
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		evs = append(evs, n.NormalizeWindows(normalize.Input{
			OrgID: "org", Input: "import", Received: clock, Raw: raw, Format: normalize.FormatWindows,
		}, rec))
		return nil
	})
	if err != nil {
		t.Errorf("%s: %v", path, err)
	}
	return evs, st
}

// TestAttackSamples reads every file of EVTX-ATTACK-SAMPLES: every record
// must be read and mapped, with its event ID, host and a time within the
// period the samples were recorded in.
func TestAttackSamples(t *testing.T) {
	n := newNormalizer()
	lo := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(2023, 1, 25, 0, 0, 0, 0, time.UTC) // the collection's last commit
	var files, records, failures int
	datasets := map[string]int{}
	bands := map[string]int{}
	for _, path := range evtxFiles(t, attackSamples) {
		files++
		evs, st := normalizeFile(t, n, path)
		records += len(evs)
		if st.CorruptChunks > 0 {
			failures++
			t.Errorf("%s: %d corrupt chunks: %v", path, st.CorruptChunks, st.Problems)
		}
		if len(evs) == 0 {
			failures++
			t.Errorf("%s: no records", path)
		}
		for i, ev := range evs {
			where := fmt.Sprintf("%s record %d", filepath.Base(path), i)
			if _, ok := ev.Fields["winlog.event_id"].(int64); !ok {
				failures++
				t.Errorf("%s: no winlog.event_id: %v", where, ev.Fields)
			}
			if ev.Fields.Str("host.name") == "" {
				failures++
				t.Errorf("%s: no host.name", where)
			}
			if ev.Timestamp.Before(lo) || ev.Timestamp.After(hi) || ev.Timestamp.Equal(clock) {
				failures++
				t.Errorf("%s: timestamp %v outside %v..%v", where, ev.Timestamp, lo, hi)
			}
			if tags, _ := ev.Fields["tags"].([]string); len(tags) > 0 {
				failures++
				t.Errorf("%s: tags %v (%s)", where, tags, ev.Fields.Str("error.message"))
			}
			datasets[ev.Fields.Str("event.dataset")]++
			sev, _ := ev.Fields["event.severity"].(int64)
			bands[event.SeverityLabel(sev)]++
			// A value decoded as the wrong type shows as control
			// characters (an Int32 1 read as text is "\x01"). Some
			// 4661 and 4765 records do hold such a string: their
			// PrivilegeList is the UTF-16 text FF01 0F00 2D00.
			for k, v := range ev.Fields {
				// The namespace declarations evtx gives as values of
				// UserData (1102's xmlns:auto-ns3) are XML's, not data.
				if s, _ := v.(string); strings.Contains(k, "xmlns") || strings.Contains(s, "xmlns:") {
					failures++
					t.Errorf("%s: %s = %q: a namespace declaration was kept", where, k, v)
				}
				if k == "winlog.event_data.PrivilegeList" {
					continue
				}
				if s, ok := v.(string); ok && strings.HasPrefix(k, "winlog.") && strings.ContainsFunc(s, isControl) {
					failures++
					t.Errorf("%s: %s = %q holds control characters", where, k, s)
				}
			}
		}
	}
	t.Logf("attack samples: %d files, %d records, %d failures; datasets %v; severity bands %v", files, records, failures, datasets, bands)
}

// TestLogCleared reads the Security 1102 and System 104 records of
// EVTX-ATTACK-SAMPLES: their UserData is the log's clearer, with no
// namespace declaration among the values.
func TestLogCleared(t *testing.T) {
	n := newNormalizer()
	for _, tc := range []struct{ file, message, user string }{
		{"Defense Evasion/DE_1102_security_log_cleared.evtx", "The audit log was cleared. SubjectUserName: user01; SubjectDomainName: EXAMPLE", "user01"},
		{"Defense Evasion/DE_104_system_log_cleared.evtx", "An event log was cleared. SubjectUserName: user01; SubjectDomainName: EXAMPLE; Channel: System", "user01"},
	} {
		path := filepath.Join(attackSamples, tc.file)
		if _, err := os.Stat(path); err != nil {
			t.Skipf("test data %s is absent: %v", path, err)
		}
		evs, _ := normalizeFile(t, n, path)
		found := 0
		for _, ev := range evs {
			if ev.Fields.Str("winlog.user_data.xml_name") != "LogFileCleared" {
				continue
			}
			found++
			if got := ev.Fields.Str("message"); got != tc.message {
				t.Errorf("%s: message = %q, want %q", tc.file, got, tc.message)
			}
			if got := ev.Fields.Str("winlog.user_data.SubjectUserName"); got != tc.user {
				t.Errorf("%s: SubjectUserName = %q", tc.file, got)
			}
			for k := range ev.Fields {
				if strings.Contains(k, "xmlns") {
					t.Errorf("%s: field %s", tc.file, k)
				}
			}
		}
		if found == 0 {
			t.Errorf("%s: no LogFileCleared record", tc.file)
		}
	}
}

// TestWindowsSeverityFloors checks, on real records, that events that
// matter to security rank above their Windows level.
func TestWindowsSeverityFloors(t *testing.T) {
	n := newNormalizer()
	cases := []struct{ file, code, band string }{
		{"AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx", "1116", "high"},
		{"AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx", "1117", "medium"},
		{"Defense Evasion/DE_1102_security_log_cleared.evtx", "1102", "high"},
		{"Defense Evasion/DE_104_system_log_cleared.evtx", "104", "high"},
		{"Defense Evasion/DE_Fake_ComputerAccount_4720.evtx", "4720", "low"},
		{"Persistence/Network_Service_Guest_added_to_admins_4732.evtx", "4732", "medium"},
		{"Credential Access/CA_4624_4625_LogonType2_LogonProc_chrome.evtx", "4625", "low"},
		{"Credential Access/CA_4624_4625_LogonType2_LogonProc_chrome.evtx", "4624", "info"},
		{"Lateral Movement/LM_Remote_Service02_7045.evtx", "7045", "medium"},
		{"Execution/temp_scheduled_task_4698_4699.evtx", "4698", "medium"},
		{"Execution/temp_scheduled_task_4698_4699.evtx", "4699", "info"},
		{"Defense Evasion/de_unmanagedpowershell_psinject_sysmon_7_8_10.evtx", "8", "medium"},
		{"Defense Evasion/de_unmanagedpowershell_psinject_sysmon_7_8_10.evtx", "10", "low"},
		{"Defense Evasion/de_unmanagedpowershell_psinject_sysmon_7_8_10.evtx", "7", "info"},
	}
	for _, c := range cases {
		t.Run(c.code+" "+filepath.Base(c.file), func(t *testing.T) {
			evs, _ := normalizeFile(t, n, attackSamples+"/"+c.file)
			found := false
			for _, ev := range evs {
				if ev.Fields.Str("event.code") != c.code {
					continue
				}
				found = true
				sev, _ := ev.Fields["event.severity"].(int64)
				if got := event.SeverityLabel(sev); got != c.band {
					t.Errorf("event %s (level %s): severity %d is %s, want %s", c.code, ev.Fields.Str("log.level"), sev, got, c.band)
				}
			}
			if !found {
				t.Fatalf("%s: no event %s", c.file, c.code)
			}
		})
	}
}

func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r'
}

// TestEVTXValueTypes checks, on real files, that each BinXML value type
// is rendered as Windows renders it in the event's XML.
func TestEVTXValueTypes(t *testing.T) {
	n := newNormalizer()
	emotet := "Other/emotet/exec_emotet_ps_4104.evtx"
	cases := []struct {
		typ, file, code, field, want string
	}{
		{"Int32", emotet, "4104", "winlog.event_data.MessageNumber", "1"},
		{"Int32", emotet, "4104", "winlog.event_data.MessageTotal", "1"},
		{"UInt16", "Command and Control/DE_sysmon-3-rdp-tun.evtx", "3", "winlog.event_data.SourcePort", "1900"},
		{"UInt32", "Command and Control/DE_sysmon-3-rdp-tun.evtx", "3", "winlog.event_data.ProcessId", "1608"},
		{"Bool", "Command and Control/DE_sysmon-3-rdp-tun.evtx", "3", "winlog.event_data.Initiated", "false"},
		{"GUID", "Command and Control/DE_sysmon-3-rdp-tun.evtx", "3", "winlog.event_data.ProcessGuid", "365ABB72-D695-5C67-0000-00103C3E0100"},
		{"HexInt32", "Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx", "10", "winlog.event_data.GrantedAccess", "0x1010"},
		{"HexInt32", "Credential Access/CA_4624_4625_LogonType2_LogonProc_chrome.evtx", "4625", "winlog.event_data.Status", "0xc000006d"},
		{"HexInt64", "Credential Access/CA_4624_4625_LogonType2_LogonProc_chrome.evtx", "4625", "winlog.event_data.ProcessId", "0x1358"},
		{"HexInt64", "Credential Access/CA_4624_4625_LogonType2_LogonProc_chrome.evtx", "4625", "winlog.event_data.SubjectLogonId", "0x79e59"},
		{"HexInt64 keywords", "Credential Access/CA_4624_4625_LogonType2_LogonProc_chrome.evtx", "4625", "winlog.keywords", "Audit Failure"},
		{"SID", "Credential Access/CA_4624_4625_LogonType2_LogonProc_chrome.evtx", "4625", "winlog.event_data.SubjectUserSid", "S-1-5-21-3461203602-4096304019-2269080069-1000"},
		{"HexInt64 in UserData", "Defense Evasion/DE_1102_security_log_cleared.evtx", "1102", "winlog.user_data.SubjectLogonId", "0x17dad"},
		{"Binary", "Credential Access/MSSQL_multiple_failed_logon_EventID_18456.evtx", "18456", "winlog.event_data.Binary", "184800000E0000000C0000004D0053004500440047004500570049004E00310030000000070000006D00610073007400650072000000"},
	}
	for _, c := range cases {
		t.Run(c.typ+" "+c.field, func(t *testing.T) {
			evs, _ := normalizeFile(t, n, attackSamples+"/"+c.file)
			for _, ev := range evs {
				if ev.Fields.Str("event.code") != c.code {
					continue
				}
				if got := ev.Fields.Str(c.field); got != c.want {
					t.Errorf("%s event %s: %s = %q, want %q", c.file, c.code, c.field, got, c.want)
				}
				return
			}
			t.Fatalf("%s: no event %s", c.file, c.code)
		})
	}
	// FILETIME: TimeCreated keeps its 100 ns precision.
	evs, _ := normalizeFile(t, n, attackSamples+"/"+emotet)
	if want := time.Date(2020, 8, 26, 5, 9, 28, 845521500, time.UTC); len(evs) == 0 || !evs[0].Timestamp.Equal(want) {
		t.Errorf("%s: first timestamp is not %v: %v", emotet, want, evs)
	}
	// The message and raw record carry the same numbers.
	for _, ev := range evs {
		if strings.ContainsFunc(ev.Fields.Str("message"), isControl) || strings.ContainsFunc(string(ev.Raw), isControl) {
			t.Errorf("%s: control characters in the message or raw record: %q", emotet, ev.Fields.Str("message"))
		}
	}
}

// TestRegressionDataEVTXMatchesJSON reads the .evtx of each SigmaHQ
// regression test and checks that its events map to the same winlog and
// ECS fields as the .json rendering beside it (made by another parser):
// the values Sigma rules match must not depend on the file format.
func TestRegressionDataEVTXMatchesJSON(t *testing.T) {
	n := newNormalizer()
	var files, records, mismatches int
	for _, path := range evtxFiles(t, regressionData) {
		files++
		evs, st := normalizeFile(t, n, path)
		if st.CorruptChunks > 0 {
			t.Errorf("%s: %v", path, st.Problems)
		}
		records += len(evs)
		docs := readJSONDocs(t, strings.TrimSuffix(path, filepath.Ext(path))+".json")
		if docs == nil {
			continue
		}
		if len(docs) != len(evs) {
			t.Errorf("%s: %d records in .evtx, %d in .json", path, len(evs), len(docs))
			continue
		}
		for i, doc := range docs {
			want := n.NormalizeWindows(normalize.Input{OrgID: "org", Input: "import", Received: clock, Raw: []byte("x")}, doc)
			got := evs[i]
			if d := diffFields(want.Fields, got.Fields); d != "" {
				mismatches++
				t.Errorf("%s record %d: evtx and json differ:\n%s", path, i, d)
			}
			// The .json's times are rounded to the microsecond.
			if dt := got.Timestamp.Sub(want.Timestamp); dt > 5*time.Microsecond || dt < -5*time.Microsecond {
				mismatches++
				t.Errorf("%s record %d: timestamp %v (evtx) vs %v (json)", path, i, got.Timestamp, want.Timestamp)
			}
		}
	}
	t.Logf("regression data: %d .evtx files, %d records, %d mismatches with the .json", files, records, mismatches)
}

func readJSONDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	dec.UseNumber()
	var docs []map[string]any
	for {
		var m map[string]any
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		docs = append(docs, m)
	}
	return docs
}

// diffFields lists the fields whose values differ, ignoring those only
// one side can have (the .json has no record header).
func diffFields(want, got event.Fields) string {
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		if k == "tags" {
			continue
		}
		// Case is ignored as Sigma ignores it: one .json of the
		// regression data was edited by hand ("Explorer.exe" where the
		// .evtx has "Explorer.EXE").
		w, g := want.Str(k), got.Str(k)
		if !strings.EqualFold(w, g) {
			fmt.Fprintf(&b, "  %s: json %q evtx %q\n", k, w, g)
		}
	}
	return b.String()
}

// TestReadCorrupt feeds damaged files: each must be read as far as
// possible, the damage counted, and nothing may panic.
func TestReadCorrupt(t *testing.T) {
	files := evtxFiles(t, attackSamples)
	orig, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range files {
		if b, _ := os.ReadFile(p); len(b) > len(orig) && len(b) < 1<<20 && i > 0 {
			orig = b // a file with several chunks
			break
		}
	}
	whole, err := evtx.Read(bytes.NewReader(orig), func(map[string]any) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		mutate  func(b []byte) []byte
		wantErr error
		corrupt bool
	}{
		{"empty", func(b []byte) []byte { return nil }, evtx.ErrNotEVTX, false},
		{"not evtx", func(b []byte) []byte {
			return []byte("MZ\x90\x00 this is a PE, not a log" + strings.Repeat("\x00", 200))
		}, evtx.ErrNotEVTX, false},
		{"header only", func(b []byte) []byte { return b[:4096] }, nil, false},
		{"truncated mid-chunk", func(b []byte) []byte { return b[:4096+30000] }, nil, true},
		{"chunk signature smashed", func(b []byte) []byte {
			c := slices.Clone(b)
			copy(c[4096:], "XXXXXXXX")
			return c
		}, nil, true},
		{"record count absurd", func(b []byte) []byte {
			c := slices.Clone(b)
			for i := 16; i < 24; i++ {
				c[4096+i] = 0xff
			}
			return c
		}, nil, true},
		{"records garbled", func(b []byte) []byte {
			c := slices.Clone(b)
			for i := 4096 + 0x200 + 100; i < 4096+0x200+3000 && i < len(c); i += 7 {
				c[i] ^= 0x5a
			}
			return c
		}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.mutate(orig)
			st, err := evtx.Read(bytes.NewReader(b), func(rec map[string]any) error {
				n := newNormalizer()
				n.NormalizeWindows(normalize.Input{Raw: []byte("x")}, rec)
				return nil
			})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.corrupt && st.CorruptChunks == 0 {
				t.Errorf("no corrupt chunk reported: %+v", st)
			}
			if st.Records > whole.Records {
				t.Errorf("%d records from a damaged copy of a file with %d", st.Records, whole.Records)
			}
			t.Logf("%+v", st)
		})
	}
}

// TestReadStopsOnCallbackError checks fn's error ends the read.
func TestReadStopsOnCallbackError(t *testing.T) {
	files := evtxFiles(t, attackSamples)
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := errors.New("stop")
	st, err := evtx.Read(f, func(map[string]any) error { return stop })
	if !errors.Is(err, stop) || st.Records != 1 {
		t.Fatalf("err = %v, records = %d", err, st.Records)
	}
}

// FuzzEVTX damages a real file: the fuzzer writes a patch of bytes at an
// offset into it. Small inputs keep the fuzzer fast; a whole 64 KiB chunk
// as input leaves it no time to mutate.
func FuzzEVTX(f *testing.F) {
	var base []byte
	if _, err := os.Stat(attackSamples); err == nil {
		_ = filepath.WalkDir(attackSamples, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".evtx") && base == nil {
				if b, err := os.ReadFile(p); err == nil && len(b) == 4096+0x10000 {
					base = b
				}
			}
			return nil
		})
	}
	if base == nil {
		f.Skip("no sample to damage")
	}
	// Seeds: the chunk header, the first record's header, its template
	// instance, and some bytes further in, each patched with itself.
	for _, off := range []int{4096, 4096 + 0x200, 4096 + 0x200 + 24, 4096 + 0x200 + 60, 4096 + 0x200 + 400, 4096 + 0x1000} {
		f.Add(uint32(off), bytes.Clone(base[off:off+64]))
	}
	f.Add(uint32(0), []byte("ElfFile\x00"))
	f.Fuzz(func(t *testing.T, off uint32, patch []byte) {
		b := bytes.Clone(base)
		o := int(off) % len(b)
		copy(b[o:], patch)
		n := newNormalizer()
		_, _ = evtx.Read(bytes.NewReader(b), func(rec map[string]any) error {
			ev := n.NormalizeWindows(normalize.Input{Raw: []byte("x")}, rec)
			if strings.HasPrefix(ev.Fields.Str("error.message"), "internal error") {
				t.Fatalf("normalizer panicked: %s", ev.Fields.Str("error.message"))
			}
			return nil
		})
	})
}

func BenchmarkRead(b *testing.B) {
	var path string
	if _, err := os.Stat(attackSamples); err != nil {
		b.Skip("no test data")
	}
	_ = filepath.WalkDir(attackSamples, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".evtx") && path == "" {
			if info, _ := d.Info(); info != nil && info.Size() > 1<<20 {
				path = p
			}
		}
		return nil
	})
	if path == "" {
		b.Skip("no large sample")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	var recs int
	for b.Loop() {
		st, err := evtx.Read(bytes.NewReader(data), func(map[string]any) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		recs = st.Records
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*recs), "ns/record")
}
