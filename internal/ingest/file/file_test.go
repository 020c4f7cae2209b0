package file

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
	"github.com/eventsec/eventsec/internal/normalize"
	"github.com/eventsec/eventsec/internal/normalize/evtx"
)

// The shared test data sits beside the repository.
const attackSamples = "../../../../shared/data/evtx/attack-samples"

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(data string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(data))
	zw.Close()
	return b.Bytes()
}

func TestImportTextFiles(t *testing.T) {
	dir := t.TempDir()
	ndjson := write(t, dir, "events.ndjson", []byte(
		"{\"id\":\"e-1\",\"message\":\"first\",\"user\":{\"name\":\"alice\"}}\n"+
			"{\"message\": broken\n"+
			"\n"+
			"[1,2]\n"+
			"{\"message\":\""+strings.Repeat("y", 5<<20)+"\"}\n"+
			"{\"message\":\"last\"}"))
	logs := write(t, dir, "auth.log.gz", gz(
		"Nov 20 10:00:00 web-1 sshd[411]: Failed password for root from 203.0.113.9 port 52311 ssh2\n"+
			"Nov 20 10:00:00 web-1 sshd[411]: Failed password for root from 203.0.113.9 port 52311 ssh2\n"+
			"CEF:0|Acme|FW|1.0|100|blocked|5|src=198.51.100.1 dst=10.0.0.2\r\n"+
			"\x00\x01\xff binary garbage\n"+
			strings.Repeat("x", 2<<20)+"\n"))
	missing := filepath.Join(dir, "absent.log")

	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	var prog bytes.Buffer
	o := Options{Pipeline: env.Pipeline, OrgID: "org-1", Progress: &prog, BatchSize: 2}
	sum, err := Import(t.Context(), []string{ndjson, logs, missing}, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", sum)
	// The 5 MiB JSON line is kept cut, as its text, not failed as
	// malformed.
	if sum.Files != 2 || sum.FailedFiles != 1 || sum.Read != 10 || sum.Stored != 9 || sum.Failed != 1 || sum.Duplicates != 0 || sum.ParseErrors < 1 {
		t.Fatalf("summary %+v", sum)
	}
	// In "auto", only lines that start with "{" are JSON: "[1,2]" is a
	// plain line that no parser understood, stored raw.
	if sum.Reasons["malformed JSON"] != 1 {
		t.Fatalf("reasons %v", sum.Reasons)
	}
	if !strings.Contains(prog.String(), "100%") || !strings.HasSuffix(prog.String(), "\n") {
		t.Fatalf("progress: %q", prog.String())
	}
	evs := sink.Events()
	ids := map[string]bool{}
	var first, long, longJSON event.Event
	failedPw := 0
	for _, ev := range evs {
		ids[ev.ID] = true
		if ev.Input != "import" || ev.OrgID != "org-1" {
			t.Errorf("identity %+v", ev)
		}
		switch {
		case ev.Fields.Str("message") == "first":
			first = ev
		case strings.HasPrefix(ev.Raw, "xxxx"):
			long = ev
		case strings.HasPrefix(ev.Raw, `{"message":"yyy`):
			longJSON = ev
		case strings.Contains(ev.Raw, "Failed password"):
			failedPw++
		}
	}
	if first.ID != "e-1" || first.Fields.Str("user.name") != "alice" {
		t.Errorf("NDJSON record: %+v", first)
	}
	if failedPw != 2 || len(ids) != 9 {
		t.Errorf("identical lines must stay distinct: %d sshd events, %d IDs", failedPw, len(ids))
	}
	if tags, _ := long.Fields["tags"].([]string); !slices.Contains(tags, normalize.TagRawTruncated) || len(long.Raw) > normalize.MaxRaw {
		t.Errorf("long line: %d bytes, tags %v", len(long.Raw), tags)
	}
	if tags, _ := longJSON.Fields["tags"].([]string); !slices.Contains(tags, normalize.TagRawTruncated) || len(longJSON.Raw) > normalize.MaxRaw {
		t.Errorf("long JSON line: %d bytes, tags %v", len(longJSON.Raw), tags)
	}

}

// Files written by Windows tools start with a byte order mark; lines
// imported as plain text are events whatever they say.
func TestImportBOMAndPlain(t *testing.T) {
	dir := t.TempDir()
	ndjson := write(t, dir, "events.ndjson", []byte("\xEF\xBB\xBF{\"message\":\"NBOM\",\"user\":\"zed\"}\n{\"message\":\"second\"}\n"))
	lines := write(t, dir, "app.txt", []byte("\xEF\xBB\xBFbackup started\n"+
		"sshd[7]: Failed password for root from 203.0.113.9 port 52311 ssh2\nbackup finished\n"))
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	for _, c := range []struct {
		path   string
		format normalize.Format
		stored int
	}{{ndjson, normalize.FormatJSON, 2}, {lines, normalize.FormatPlain, 3}} {
		sum, err := Import(t.Context(), []string{c.path}, Options{Pipeline: env.Pipeline, OrgID: "org-1", Format: c.format})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Failed != 0 || sum.ParseErrors != 0 || sum.Stored != c.stored {
			t.Errorf("%s: summary %+v", c.path, sum)
		}
	}
	want := map[string]string{"NBOM": "json", "second": "json", "backup started": "plain", "backup finished": "plain",
		"Failed password for root from 203.0.113.9 port 52311 ssh2": "linux.auth"}
	evs := sink.Events()
	if len(evs) != len(want) {
		t.Fatalf("stored %d", len(evs))
	}
	for _, ev := range evs {
		msg := ev.Fields.Str("message")
		if ds, ok := want[msg]; !ok || ev.Fields.Str("event.dataset") != ds || strings.HasPrefix(ev.Raw, "\xEF\xBB\xBF") {
			t.Errorf("event %q: %+v", ev.Raw, ev.Fields)
		}
	}
	if ev := evs[slices.IndexFunc(evs, func(ev event.Event) bool { return ev.Fields.Str("message") == "NBOM" })]; ev.Fields.Str("user.name") != "zed" {
		t.Errorf("BOM line not decoded: %+v", ev.Fields)
	}
}

// Importing a file again stores nothing twice. (The event store
// recognises a stored event by its ID among events of the same @timestamp:
// lines without a time of their own take the file's modification time, so
// that they too keep theirs; they are not dated by the import's clock.)
func TestImportTwice(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "mixed.log", []byte(
		"{\"message\":\"json\",\"@timestamp\":\"2026-11-20T10:00:00Z\"}\n"+
			"<34>1 2026-11-20T10:00:01Z web-1 sshd 411 - - Failed password for root from 203.0.113.9 port 52311 ssh2\n"+
			"<34>1 2026-11-20T10:00:01Z web-1 sshd 411 - - Failed password for root from 203.0.113.9 port 52311 ssh2\n"+
			"2026-11-20T10:00:02Z web-1 kernel: plain line with a time\n"+
			"random garbage line without a time\n"+
			"{\"id\":\"client-7\",\"message\":\"undated JSON with its own ID\"}\n"+
			"not json either\n"))
	modified := time.Date(2026, 11, 21, 8, 30, 0, 0, time.UTC)
	if err := os.Chtimes(path, modified, modified); err != nil {
		t.Fatal(err)
	}
	sink := ingesttest.NewStore(t)
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{Now: func() time.Time { return clock }})
	o := Options{Pipeline: env.Pipeline, OrgID: "org-1"}
	first, err := Import(t.Context(), []string{path}, o)
	if err != nil || first.Stored != 7 {
		t.Fatalf("first import: %+v %v", first, err)
	}
	// An hour later: the undated lines must not take the new clock.
	clock = clock.Add(time.Hour)
	again, err := Import(t.Context(), []string{path}, o)
	if err != nil {
		t.Fatal(err)
	}
	if again.Stored != 0 || again.Duplicates != 7 || sink.Len() != 7 {
		t.Fatalf("re-import: %+v, stored in all %d", again, sink.Len())
	}
	for _, ev := range sink.Events() {
		if strings.Contains(ev.Raw, "garbage") && !ev.Timestamp.Equal(modified) {
			t.Fatalf("an undated line is dated %v, want the file's modification time %v", ev.Timestamp, modified)
		}
	}
}

// A log that grew since it was imported: its earlier undated lines keep
// the time they were given, so importing it again stores only the new
// lines; the new ones take the new modification time, and so on.
func TestImportGrownFile(t *testing.T) {
	dir := t.TempDir()
	undated := func(from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "worker %d: job done without a time\n", i)
		}
		return b.String()
	}
	path := write(t, dir, "app.log", []byte(undated(0, 3)))
	m1 := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	if err := os.Chtimes(path, m1, m1); err != nil {
		t.Fatal(err)
	}
	sink := ingesttest.NewStore(t)
	clock := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{Now: func() time.Time { return clock }})
	o := Options{Pipeline: env.Pipeline, OrgID: "org-1", Ledger: sink.Sink.(eventstore.ImportLedger), BatchSize: 2}
	imp := func(want, dups int) {
		t.Helper()
		sum, err := Import(t.Context(), []string{path}, o)
		if err != nil || sum.Stored != want || sum.Duplicates != dups || len(sum.Warnings) > 0 {
			t.Fatalf("import: %+v %v, want %d stored and %d duplicates", sum, err, want, dups)
		}
	}
	grow := func(lines string, m time.Time) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(lines)
		f.Close()
		if err := os.Chtimes(path, m, m); err != nil {
			t.Fatal(err)
		}
	}
	imp(3, 0)
	imp(0, 3) // unchanged: every line a duplicate

	m2 := m1.Add(time.Hour)
	grow(undated(3, 5), m2)
	imp(2, 3)
	m3 := m2.Add(time.Hour)
	grow(undated(5, 6), m3)
	imp(1, 5)
	if sink.Len() != 6 {
		t.Fatalf("stored %d events, want 6", sink.Len())
	}
	for _, ev := range sink.Events() {
		var n int
		fmt.Sscanf(ev.Raw, "worker %d", &n)
		want := map[bool]time.Time{true: m1, false: m2}[n < 3]
		if n == 5 {
			want = m3
		}
		if !ev.Timestamp.Equal(want) {
			t.Errorf("line %d dated %v, want %v", n, ev.Timestamp, want)
		}
	}

	// Another file under the same name (its start differs) is dated by
	// its own time; so is this one rewritten shorter.
	write(t, dir, "app.log", []byte("a different start\n"+undated(0, 1)))
	m4 := m3.Add(time.Hour)
	os.Chtimes(path, m4, m4)
	imp(2, 0)
}

// Two hosts' app.log, imported in turn under one name: each keeps its
// own dating, so neither's earlier lines are stored again as they grow.
func TestImportGrownFilesShareAName(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "app.log"), filepath.Join(t.TempDir(), "app.log")
	put := func(path, text string, m time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, m, m); err != nil {
			t.Fatal(err)
		}
	}
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{Now: func() time.Time { return time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC) }})
	o := Options{Pipeline: env.Pipeline, OrgID: "org-1", Ledger: sink.Sink.(eventstore.ImportLedger)}
	imp := func(path string, want, dups int) {
		t.Helper()
		sum, err := Import(t.Context(), []string{path}, o)
		if err != nil || sum.Stored != want || sum.Duplicates != dups {
			t.Fatalf("import %s: %+v %v, want %d stored and %d duplicates", path, sum, err, want, dups)
		}
	}
	m := time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)
	put(a, "host a line 1 without a time\n", m)
	put(b, "host b line 1 without a time\n", m.Add(time.Minute))
	imp(a, 1, 0)
	imp(b, 1, 0)
	put(a, "host a line 1 without a time\nhost a line 2 without a time\n", m.Add(time.Hour))
	put(b, "host b line 1 without a time\nhost b line 2 without a time\n", m.Add(2*time.Hour))
	imp(a, 1, 1)
	imp(b, 1, 1)
	// Both in one import too.
	put(a, "host a line 1 without a time\nhost a line 2 without a time\nhost a line 3 without a time\n", m.Add(3*time.Hour))
	put(b, "host b line 1 without a time\nhost b line 2 without a time\nhost b line 3 without a time\n", m.Add(4*time.Hour))
	sum, err := Import(t.Context(), []string{a, b}, o)
	if err != nil || sum.Stored != 2 || sum.Duplicates != 4 {
		t.Fatalf("both: %+v %v", sum, err)
	}
	imp(a, 0, 3)
	imp(b, 0, 3)
	if sink.Len() != 6 {
		t.Fatalf("stored %d, want 6", sink.Len())
	}
}

func TestImportEVTX(t *testing.T) {
	var files []string
	filepath.WalkDir(attackSamples, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skipf("no .evtx samples under %s (shared test data beside the repository): skipping", attackSamples)
	}
	if len(files) > 40 && testing.Short() {
		files = files[:40]
	}
	want := 0
	var size int64
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := evtx.Read(fh, func(map[string]any) error { return nil })
		fh.Close()
		want += st.Records
	}
	// One of them compressed, as archives often are.
	raw, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	zw.Write(raw)
	zw.Close()
	gzPath := write(t, t.TempDir(), "sample.evtx.gz", zb.Bytes())

	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	sum, err := Import(t.Context(), files, Options{Pipeline: env.Pipeline, OrgID: "org-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files\n%s", len(files), sum)
	if sum.Read != want || sum.Stored+sum.Duplicates != want || sum.Failed != 0 {
		t.Fatalf("read %d stored %d dup %d failed %d; the files hold %d records", sum.Read, sum.Stored, sum.Duplicates, sum.Failed, want)
	}
	// The parser skips the chunks' unused tails: the summary still
	// counts the whole files.
	if sum.Bytes != size {
		t.Fatalf("summary says %d bytes, the files hold %d", sum.Bytes, size)
	}
	windows := 0
	for _, ev := range sink.Events() {
		if ev.Fields.Str("event.code") != "" && ev.Fields.Str("host.name") != "" {
			windows++
		}
	}
	if windows < sum.Stored*9/10 {
		t.Fatalf("only %d of %d events mapped as Windows events", windows, sum.Stored)
	}
	// The compressed copy of the first file is the same records.
	again, err := Import(t.Context(), []string{gzPath}, Options{Pipeline: env.Pipeline, OrgID: "org-1"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Read == 0 || again.Stored != 0 || again.Duplicates != again.Read {
		t.Fatalf("gzip evtx: %+v", again)
	}
}

// Each failed record is located (file, line, column of malformed JSON)
// and {} is no event, as POST /api/v1/events answers; the progress bar's
// last line counts stored, duplicates and failed as the summary does.
func TestImportFailuresAndProgress(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "bad.json", []byte("{\"a\":1}\n{\"b\":\n  {\"c\": x}\n{}\n { } \n[1]\n"))
	sink := ingesttest.NewStore(t)
	env := ingesttest.NewPipeline(t, sink, ingest.Options{})
	var prog bytes.Buffer
	o := Options{Pipeline: env.Pipeline, OrgID: "org-1", Format: normalize.FormatJSON, Progress: &prog, ProgressLines: true}
	sum, err := Import(t.Context(), []string{path}, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", sum)
	if sum.Read != 6 || sum.Stored != 1 || sum.Failed != 5 || sink.Len() != 1 {
		t.Fatalf("summary %+v, %d stored", sum, sink.Len())
	}
	want := []Failure{
		{path, 2, 6, "malformed JSON: unexpected end of JSON input at offset 5"},
		{path, 3, 9, "malformed JSON: invalid character 'x' looking for beginning of value at offset 7"},
		{path, 4, 0, "empty JSON object: an event needs at least one field"},
		{path, 5, 0, "empty JSON object: an event needs at least one field"},
		{path, 6, 0, "not a JSON object: found an array"},
	}
	if !slices.Equal(sum.Failures, want) {
		t.Errorf("failures\n%v\nwant\n%v", sum.Failures, want)
	}
	if sum.Reasons["empty JSON object: an event needs at least one field"] != 2 || sum.Reasons["malformed JSON"] != 2 || sum.Reasons["not a JSON object"] != 1 {
		t.Errorf("reasons %v", sum.Reasons)
	}
	text := sum.String()
	for _, s := range []string{path + ":2:6: malformed JSON: unexpected end of JSON input at offset 5\n", path + ":6: not a JSON object: found an array\n"} {
		if !strings.Contains(text, s) {
			t.Errorf("summary lacks %q:\n%s", s, text)
		}
	}
	if !strings.Contains(prog.String(), "6 records: 1 stored, 0 duplicates, 5 failed") {
		t.Errorf("progress: %q", prog.String())
	}
	for r, n := range map[string]float64{ingest.ReasonInvalidJSON: 2, ingest.ReasonEmptyObject: 2, ingest.ReasonNotObject: 1, ingest.ReasonTooDeep: 0} {
		l := map[string]string{"listener": "import", "reason": r}
		if got := env.Metric(t, "eventsec_ingest_rejected_total", l); got != n || !ingesttest.HasSeries(t, env.Registry, "eventsec_ingest_rejected_total", l) {
			t.Errorf("rejected{%s} = %v, want %v", r, got, n)
		}
	}

	// Again: the stored line is a duplicate, and the bar says so.
	prog.Reset()
	again, err := Import(t.Context(), []string{path}, o)
	if err != nil {
		t.Fatal(err)
	}
	if again.Stored != 0 || again.Duplicates != 1 || again.Failed != 5 || !strings.Contains(prog.String(), "6 records: 0 stored, 1 duplicates, 5 failed") {
		t.Errorf("re-import: %+v, progress %q", again, prog.String())
	}
}

// The summary locates the first MaxFailures failures in file and line
// order, however the batches finish, and counts the rest.
func TestImportFailuresCapped(t *testing.T) {
	dir := t.TempDir()
	var a, b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&a, "{\"n\":%d,}\n", i)
		b.WriteString("{}\n")
	}
	pa, pb := write(t, dir, "a.ndjson", []byte(a.String())), write(t, dir, "b.ndjson", []byte(b.String()))
	env := ingesttest.NewPipeline(t, ingesttest.NewStore(t), ingest.Options{})
	sum, err := Import(t.Context(), []string{pa, pb}, Options{Pipeline: env.Pipeline, OrgID: "org-1", BatchSize: 3, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 60 || len(sum.Failures) != MaxFailures {
		t.Fatalf("failed %d, %d located", sum.Failed, len(sum.Failures))
	}
	for i, f := range sum.Failures {
		if f.File != pa || f.Line != i+1 {
			t.Fatalf("failure %d is %v, want %s line %d", i, f, pa, i+1)
		}
	}
	if !strings.Contains(sum.String(), "    ... and 40 more\n") {
		t.Errorf("summary:\n%s", sum)
	}
}
