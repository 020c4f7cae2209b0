package ingest_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// when is the events' own time: the event store recognises a retried
// delivery by its ID among events of the same @timestamp.
var when = time.Now().Add(-time.Hour).Truncate(time.Millisecond)

func evs(org string, msgs ...string) []event.Event {
	out := make([]event.Event, len(msgs))
	for i, m := range msgs {
		out[i] = event.Event{ID: event.DeriveID(org, "test", m), OrgID: org, Input: "test", Raw: m, Timestamp: when, Fields: event.Fields{"message": m}}
	}
	return out
}

type recorder struct {
	mu   sync.Mutex
	got  [][]event.Event
	seen atomic.Int64
}

func (r *recorder) Publish(stored []event.Event) {
	r.mu.Lock()
	r.got = append(r.got, stored)
	r.mu.Unlock()
}

func (r *recorder) Enrich(ev *event.Event) {
	r.seen.Add(1)
	ev.Fields["labels.enriched"] = "yes"
}

func TestSubmit(t *testing.T) {
	store := ingesttest.NewStore(t)
	rec := &recorder{}
	// Prematch sees each batch enriched and not yet stored; what it leaves
	// on the events reaches the publisher.
	prematched := 0
	prematch := func(evs []event.Event) {
		for i := range evs {
			if evs[i].Fields["labels.enriched"] != "yes" || evs[i].Seq != 0 {
				t.Errorf("prematch saw %+v", evs[i])
			}
			evs[i].Matched = "seen"
			prematched++
		}
	}
	e := ingesttest.NewPipeline(t, store, ingest.Options{Publisher: rec, Enricher: rec, Prematch: prematch})
	batch := evs("o", "a", "b", "c")
	batch[1].Fields["tags"] = []string{event.TagParseError}
	batch[2].Raw = "nul\x00 and \xff"
	batch[2].Fields["bad"] = "x\xfey"
	batch[2].Timestamp = time.Now().Add(72 * time.Hour)
	res, err := e.Pipeline.Submit(t.Context(), batch, "l1")
	if err != nil || res.Stored != 3 || res.Duplicates != 0 || len(res.Committed) != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	res, err = e.Pipeline.Submit(t.Context(), evs("o", "a", "d"), "l1")
	if err != nil || res.Stored != 1 || res.Duplicates != 1 {
		t.Fatalf("second: %+v %v", res, err)
	}
	got := store.Events()
	if len(got) != 4 {
		t.Fatalf("stored %d", len(got))
	}
	c := got[2]
	if c.Raw != "nul\x00 and \\xff" || c.Fields["bad"] != `x\xfey` || !slices.Contains(c.Fields["tags"].([]string), normalize.TagInvalidUTF8) {
		t.Errorf("repair: %q %+v", c.Raw, c.Fields)
	}
	if time.Until(c.Timestamp) > time.Minute || c.Fields.Str("event.created") == "" || !slices.Contains(c.Fields["tags"].([]string), normalize.TagTimestampOutOfRange) {
		t.Errorf("future timestamp kept: %v %+v", c.Timestamp, c.Fields)
	}
	for _, ev := range got {
		if ev.Fields["labels.enriched"] != "yes" || ev.Ingested.IsZero() || ev.Timestamp.IsZero() {
			t.Errorf("not prepared: %+v", ev)
		}
	}
	if len(rec.got) != 2 || len(rec.got[0]) != 3 || len(rec.got[1]) != 1 || rec.got[1][0].Seq == 0 {
		t.Errorf("published %v", rec.got)
	}
	if prematched != 5 || rec.got[0][0].Matched != "seen" {
		t.Errorf("prematched %d events; published %+v", prematched, rec.got[0][0])
	}
	m := func(name string, labels ...string) float64 {
		l := map[string]string{"listener": "l1"}
		for i := 0; i+1 < len(labels); i += 2 {
			l[labels[i]] = labels[i+1]
		}
		return e.Metric(t, name, l)
	}
	for name, want := range map[string]float64{"eventsec_ingest_stored_total": 4, "eventsec_ingest_duplicates_total": 1,
		"eventsec_ingest_parsed_total": 4, "eventsec_ingest_failed_total": 1, "eventsec_ingest_batch_seconds": 2, "eventsec_ingest_in_flight": 0} {
		if got := m(name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := m("eventsec_ingest_repaired_total", "reason", ingest.ReasonInvalidUTF8); got != 1 {
		t.Errorf("repaired{invalid_utf8} = %v", got)
	}
	if got := m("eventsec_ingest_repaired_total", "reason", ingest.ReasonTimestamp); got != 1 {
		t.Errorf("repaired{timestamp} = %v", got)
	}
}

// Events whose time was replaced by the arrival time are counted by
// reason, unreadable ones included, and a time the pipeline itself finds
// out of range is explained in error.message after the sender's.
func TestTimestampRepairs(t *testing.T) {
	store := ingesttest.NewStore(t)
	e := ingesttest.NewPipeline(t, store, ingest.Options{})
	labels := func(reason string) map[string]string { return map[string]string{"listener": "l1", "reason": reason} }
	e.Pipeline.Counters("l1")
	for _, r := range []string{ingest.ReasonTimestamp, ingest.ReasonTimestampUnparsed} {
		if !ingesttest.HasSeries(t, e.Registry, "eventsec_ingest_repaired_total", labels(r)) {
			t.Errorf("eventsec_ingest_repaired_total{reason=%q} does not exist before the first occurrence", r)
		}
	}
	batch := evs("o", "unreadable", "future", "fine")
	batch[0].Fields["tags"] = []string{normalize.TagTimestampUnparsed}
	future := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	batch[1].Timestamp = future
	batch[1].Fields["error.message"] = "disk full"
	if _, err := e.Pipeline.Submit(t.Context(), batch, "l1"); err != nil {
		t.Fatal(err)
	}
	for r, want := range map[string]float64{ingest.ReasonTimestamp: 1, ingest.ReasonTimestampUnparsed: 1} {
		if got := e.Metric(t, "eventsec_ingest_repaired_total", labels(r)); got != want {
			t.Errorf("repaired{%s} = %v, want %v", r, got, want)
		}
	}
	var msg string
	for _, ev := range store.Events() {
		if ev.Fields["message"] == "future" {
			msg = ev.Fields.Str("error.message")
		}
	}
	want := "disk full; @timestamp: " + future.Format(time.RFC3339Nano) + " is more than 24h in the future (timestamp_max_future); the arrival time is used (event.created keeps it)"
	if msg != want {
		t.Errorf("error.message = %q, want %q", msg, want)
	}
}

// Submit refuses at once when full; SubmitWait waits for room; a batch
// larger than the whole bound still enters an idle pipeline.
func TestAdmission(t *testing.T) {
	store := ingesttest.NewStore(t)
	e := ingesttest.NewPipeline(t, store, ingest.Options{MaxInFlight: 3})
	if res, err := e.Pipeline.Submit(t.Context(), evs("o", "1", "2", "3", "4", "5"), "l"); err != nil || res.Stored != 5 {
		t.Fatalf("oversized batch on an idle pipeline: %+v %v", res, err)
	}
	e.Gate.Shut()
	held := make(chan error, 1)
	go func() {
		_, err := e.Pipeline.Submit(t.Context(), evs("o", "a", "b"), "l")
		held <- err
	}()
	ingesttest.Eventually(t, 5*time.Second, "first batch at the store", func() bool { return e.Gate.Waiting() == 1 })
	if e.Pipeline.Full() {
		t.Fatal("2 of 3 in flight is not full")
	}
	start := time.Now()
	if _, err := e.Pipeline.Submit(t.Context(), evs("o", "c", "d"), "l"); !errors.Is(err, ingest.ErrOverloaded) {
		t.Fatalf("want ErrOverloaded, got %v", err)
	}
	// A Submit that waited would wait for the gate, held until below: a
	// second is far more than an immediate refusal takes, even under load.
	if time.Since(start) > time.Second {
		t.Fatal("Submit waited")
	}
	// 2 + 1 fits the bound of 3: admitted, then held at the gate.
	fits := make(chan error, 1)
	go func() {
		_, err := e.Pipeline.Submit(t.Context(), evs("o", "e"), "l")
		fits <- err
	}()
	ingesttest.Eventually(t, 5*time.Second, "second batch at the store", func() bool { return e.Gate.Waiting() == 2 })
	if !e.Pipeline.Full() {
		t.Fatal("pipeline at its bound does not say it is full")
	}
	waited := make(chan error, 1)
	go func() {
		_, err := e.Pipeline.SubmitWait(t.Context(), evs("o", "f", "g"), "l")
		waited <- err
	}()
	select {
	case err := <-waited:
		t.Fatalf("SubmitWait did not wait: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.Pipeline.SubmitWait(ctx, evs("o", "h"), "l"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SubmitWait past its context: %v", err)
	}
	e.Gate.Open()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-fits; err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
	if store.Len() != 10 {
		t.Fatalf("stored %d, want 10", store.Len())
	}
	if got := e.Metric(t, "eventsec_ingest_requests_refused_total", map[string]string{"listener": "l", "reason": ingest.ReasonOverloaded}); got != 1 {
		t.Fatalf("refused = %v", got)
	}
}

// flaky fails its first n appends.
type flaky struct {
	ingest.Sink
	n atomic.Int32
}

func (f *flaky) Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error) {
	if f.n.Add(-1) >= 0 {
		return eventstore.AppendResult{}, errors.New("disk full")
	}
	return f.Sink.Append(ctx, evs)
}

func item(s string) ingest.Item {
	return ingest.Item{Input: normalize.Input{OrgID: "o", Input: "syslog", Raw: []byte(s), Format: normalize.FormatSyslog}}
}

func TestBatcher(t *testing.T) {
	store := ingesttest.NewStore(t)
	fl := &flaky{Sink: store}
	fl.n.Store(2)
	e := ingesttest.NewPipeline(t, fl, ingest.Options{})
	var mu sync.Mutex
	var sizes []int
	b := e.Pipeline.NewBatcher(t.Context(), ingest.BatcherOptions{Listener: "b", MaxEvents: 10, MaxDelay: 20 * time.Millisecond, Workers: 1,
		OnResult: func(n int, res ingest.Result, err error) {
			mu.Lock()
			sizes = append(sizes, n)
			mu.Unlock()
		}})
	for i := range 25 {
		if err := b.Add(t.Context(), item(fmt.Sprintf("<13>line %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	// Two full batches go at once (after two failed appends are retried);
	// the last 5 after the delay.
	// OnResult runs after the append returns: wait for both.
	ingesttest.Eventually(t, 10*time.Second, "25 stored and reported", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return store.Len() == 25 && len(sizes) == 3
	})
	mu.Lock()
	if !slices.Equal(sizes, []int{10, 10, 5}) {
		t.Errorf("batches %v", sizes)
	}
	mu.Unlock()
	// Identical lines in one batch are distinct events.
	for range 3 {
		b.Add(t.Context(), item("<13>same"))
	}
	b.Close(t.Context())
	if store.Len() != 28 {
		t.Fatalf("stored %d after close, want 28", store.Len())
	}
	if err := b.Add(t.Context(), item("late")); !errors.Is(err, ingest.ErrBatcherClosed) {
		t.Fatalf("Add after Close: %v", err)
	}
}

// TryAdd never blocks: with the store stalled it fails once the batcher
// and the pipeline are full.
func TestBatcherTryAdd(t *testing.T) {
	store := ingesttest.NewStore(t)
	e := ingesttest.NewPipeline(t, store, ingest.Options{MaxInFlight: 10})
	e.Gate.Shut()
	b := e.Pipeline.NewBatcher(t.Context(), ingest.BatcherOptions{Listener: "u", MaxEvents: 10, MaxDelay: time.Millisecond, Workers: 1})
	accepted := 0
	for i := range 1000 {
		if b.TryAdd(item(fmt.Sprintf("<13>%d", i))) {
			accepted++
		}
	}
	// One batch in the store, one queued, one being filled: 30 at most.
	if accepted > 30 || accepted < 10 {
		t.Fatalf("accepted %d of 1000 with a stalled store", accepted)
	}
	e.Gate.Open()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	b.Close(ctx)
	if store.Len() != accepted {
		t.Fatalf("stored %d, accepted %d", store.Len(), accepted)
	}
}

func TestRepairText(t *testing.T) {
	for in, want := range map[string]string{"plain": "plain", "caf\u00e9": "caf\u00e9", "a\x00b": "a\x00b", "\xff\xfe": `\xff\xfe`, "x\xc3": `x\xc3`} {
		got, changed := ingest.RepairText(in)
		if got != want || changed != (in != want) {
			t.Errorf("RepairText(%q) = %q %v", in, got, changed)
		}
	}
}

func TestSplitArray(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  error
	}{
		{`[]`, nil, nil},
		{` [ {"a":1} , 2,"x,]",[3,[4]] ] `, []string{`{"a":1}`, `2`, `"x,]"`, `[3,[4]]`}, nil},
		{`[{"a":"\"]"}]`, []string{`{"a":"\"]"}`}, nil},
		{`[1,]`, nil, ingest.ErrBadJSON},
		{`[,1]`, nil, ingest.ErrBadJSON},
		{`[{"a":1]`, nil, ingest.ErrBadJSON},
		{`{"a":1}`, nil, ingest.ErrBadJSON},
		{`[` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `]`, nil, ingest.ErrTooDeep},
	}
	for _, tc := range cases {
		got, err := ingest.SplitArray([]byte(tc.in), 64)
		var strs []string
		for _, g := range got {
			strs = append(strs, string(g))
		}
		if !errors.Is(err, tc.err) || (tc.err == nil && !slices.Equal(strs, tc.want)) {
			t.Errorf("SplitArray(%s) = %q, %v", tc.in, strs, err)
		}
	}
}

func TestReadBody(t *testing.T) {
	payload := bytes.Repeat([]byte("event line\n"), 1000)
	compress := func(w func(io.Writer) io.WriteCloser) []byte {
		var b bytes.Buffer
		zw := w(&b)
		zw.Write(payload)
		zw.Close()
		return b.Bytes()
	}
	gz := compress(func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) })
	zl := compress(func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) })
	fl := compress(func(w io.Writer) io.WriteCloser { z, _ := flate.NewWriter(w, 5); return z })
	zs := compress(func(w io.Writer) io.WriteCloser { z, _ := zstd.NewWriter(w); return z })
	// Snappy: a raw block (Vector) and the framing format.
	sn := snappy.Encode(nil, payload)
	snf := compress(func(w io.Writer) io.WriteCloser { return snappy.NewBufferedWriter(w) })
	snTrunc := sn[:len(sn)/2]
	cases := []struct {
		name, enc string
		body      []byte
		max       int64
		err       error
	}{
		{"identity", "", payload, 1 << 20, nil},
		{"gzip", "gzip", gz, 1 << 20, nil},
		{"zlib", "deflate", zl, 1 << 20, nil},
		{"raw deflate", "deflate", fl, 1 << 20, nil},
		{"zstd", "zstd", zs, 1 << 20, nil},
		{"zstd bomb", "zstd", zs, 5000, ingest.ErrBodyTooLarge},
		{"corrupt zstd", "zstd", payload, 1 << 20, ingest.ErrBadEncoding},
		{"snappy block", "snappy", sn, 1 << 20, nil},
		{"snappy framed", "snappy", snf, 1 << 20, nil},
		{"snappy bomb", "snappy", sn, 5000, ingest.ErrBodyTooLarge},
		{"snappy framed bomb", "snappy", snf, 5000, ingest.ErrBodyTooLarge},
		{"truncated snappy", "snappy", snTrunc, 1 << 20, ingest.ErrBadEncoding},
		{"corrupt snappy", "snappy", payload, 1 << 20, ingest.ErrBadEncoding},
		{"empty snappy", "snappy", nil, 1 << 20, ingest.ErrBadEncoding},
		{"too large", "", payload, 100, ingest.ErrBodyTooLarge},
		{"gzip bomb", "gzip", gz, 5000, ingest.ErrBodyTooLarge},
		{"corrupt gzip", "gzip", payload, 1 << 20, ingest.ErrBadEncoding},
		{"unknown encoding", "br", payload, 1 << 20, ingest.ErrBadEncoding},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("POST", "/", bytes.NewReader(tc.body))
		if tc.enc != "" {
			r.Header.Set("Content-Encoding", tc.enc)
		}
		got, err := ingest.ReadBody(r, tc.max)
		if !errors.Is(err, tc.err) || (tc.err == nil && !bytes.Equal(got, payload)) {
			t.Errorf("%s: %d bytes, %v", tc.name, len(got), err)
		}
	}
}

func FuzzSplitArray(f *testing.F) {
	for _, s := range []string{`[1,2]`, `[{"a":[1,{"b":"]"}]}]`, `[`, `[,]`, `["\\"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := ingest.SplitArray(b, 16)
		if err != nil {
			return
		}
		for _, it := range items {
			if len(it) == 0 || len(it) > len(b) {
				t.Fatalf("item %q from %q", it, b)
			}
		}
	})
}

func TestCheckDepth(t *testing.T) {
	cases := map[string]bool{
		`{"a":1}`: true,
		`{"a":"` + strings.Repeat("[{", 100) + `"}`:                       true, // brackets in a string do not nest
		`{"a":` + strings.Repeat(`[`, 63) + strings.Repeat(`]`, 63) + `}`: true,
		`{"a":` + strings.Repeat(`[`, 64) + strings.Repeat(`]`, 64) + `}`: false,
		strings.Repeat(`[`, 100000):                                       false,
		`[` + strings.Repeat(`{},`, 500) + `{}]`:                          true,
	}
	for in, ok := range cases {
		if err := ingest.CheckDepth([]byte(in), 64); (err == nil) != ok || (err != nil && !errors.Is(err, ingest.ErrTooDeep)) {
			t.Errorf("CheckDepth(%.40s…) = %v", in, err)
		}
	}
}

// The pipeline counts each org's events (for the live metrics channel),
// and Stats reads back the Prometheus series per listener.
func TestOrgCountsAndStats(t *testing.T) {
	store := ingesttest.NewStore(t)
	e := ingesttest.NewPipeline(t, store, ingest.Options{MaxInFlight: 4})
	p := e.Pipeline
	mixed := append(append(evs("a", "1", "2"), evs("b", "x")...), evs("a", "3")...)
	if res, err := p.Submit(t.Context(), mixed, "l1"); err != nil || res.Stored != 4 {
		t.Fatalf("%+v %v", res, err)
	}
	if res, err := p.Submit(t.Context(), evs("a", "1"), "l1"); err != nil || res.Duplicates != 1 {
		t.Fatalf("repeat: %+v %v", res, err)
	}
	// Held at the store: in flight, received and not yet stored. A batch
	// refused for overload is not received (the sender sends it again).
	e.Gate.Shut()
	held := make(chan error, 1)
	go func() {
		_, err := p.Submit(t.Context(), evs("a", "4", "5", "6"), "l2")
		held <- err
	}()
	ingesttest.Eventually(t, 5*time.Second, "the batch at the store", func() bool { return e.Gate.Waiting() == 1 })
	if _, err := p.Submit(t.Context(), evs("a", "7", "8"), "l2"); !errors.Is(err, ingest.ErrOverloaded) {
		t.Fatalf("want ErrOverloaded, got %v", err)
	}
	if got, want := p.OrgCounts("a"), (ingest.OrgCounts{Received: 7, Stored: 3}); got != want {
		t.Errorf("org a while held: %+v, want %+v", got, want)
	}
	st := p.Stats()
	if st.InFlight != 3 || st.InFlightLimit != 4 || len(st.Listeners) != 2 || st.Listeners[1].Listener != "l2" || st.Listeners[1].InFlight != 3 {
		t.Errorf("stats while held: %+v", st)
	}
	e.Gate.Open()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if got, want := p.OrgCounts("a"), (ingest.OrgCounts{Received: 7, Stored: 6}); got != want {
		t.Errorf("org a: %+v, want %+v", got, want)
	}
	if got, want := p.OrgCounts("b"), (ingest.OrgCounts{Received: 1, Stored: 1}); got != want {
		t.Errorf("org b: %+v, want %+v", got, want)
	}
	if got := p.OrgCounts("nobody"); got != (ingest.OrgCounts{}) {
		t.Errorf("an org that sent nothing: %+v", got)
	}

	c := p.Counters("l1")
	c.Received(9)
	c.Rejected(ingest.ReasonInvalidJSON, 2)
	c.Rejected(ingest.ReasonTooDeep, 1)
	c.Dropped(ingest.ReasonShutdown, 3)
	c.Connections(1)
	st = p.Stats()
	l1, l2 := st.Listeners[0], st.Listeners[1]
	if l1.Listener != "l1" || st.InFlight != 0 {
		t.Fatalf("%+v", st)
	}
	m := func(listener, name string) int64 {
		return int64(e.Metric(t, name, map[string]string{"listener": listener}))
	}
	for _, x := range []struct {
		name      string
		got, want int64
	}{
		{"l1 received", l1.Received, 9}, {"l1 parsed", l1.Parsed, m("l1", "eventsec_ingest_parsed_total")},
		{"l1 stored", l1.Stored, m("l1", "eventsec_ingest_stored_total")}, {"l1 stored (count)", l1.Stored, 4},
		{"l1 duplicates", l1.Duplicates, 1}, {"l1 rejected", l1.Rejected, 3}, {"l1 dropped", l1.Dropped, 3},
		{"l1 connections", l1.Connections, 1}, {"l1 batches", l1.Batches, 2}, {"l1 in flight", l1.InFlight, 0},
		{"l2 stored", l2.Stored, 3}, {"l2 refused", l2.Refused, 1}, {"l2 batches", l2.Batches, 1}, {"l2 dropped", l2.Dropped, 0},
	} {
		if x.got != x.want {
			t.Errorf("%s = %d, want %d", x.name, x.got, x.want)
		}
	}
	if len(l1.DroppedByReason) != 1 || l1.DroppedByReason[ingest.ReasonShutdown] != 3 || l2.DroppedByReason != nil {
		t.Errorf("dropped by reason: %v, %v", l1.DroppedByReason, l2.DroppedByReason)
	}
	if l1.BatchSeconds <= 0 {
		t.Errorf("batch seconds %v", l1.BatchSeconds)
	}
}
