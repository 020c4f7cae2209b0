package syslog

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/bench/events/eventgen"
	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
)

type nullSink struct{}

func (nullSink) Append(ctx context.Context, evs []event.Event) (eventstore.AppendResult, error) {
	return eventstore.AppendResult{Stored: evs}, nil
}

// BenchmarkTCP measures syslog over one TCP connection: framing,
// batching, normalization and the pipeline, without the store.
func BenchmarkTCP(b *testing.B) {
	env := ingesttest.NewPipeline(b, nullSink{}, ingest.Options{})
	s := start(b, env, Options{Network: "tcp"})
	g := eventgen.New(eventgen.Options{})
	var lines []string
	for i, ev := range g.Batch(10_000) {
		lines = append(lines, strings.ReplaceAll(eventgen.SyslogLine(ev), "\n", " ")+" n="+strconv.Itoa(i)+"\n")
	}
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	w := bufio.NewWriterSize(conn, 1<<16)
	b.ResetTimer()
	for i := range b.N {
		w.WriteString(lines[i%len(lines)])
	}
	w.Flush()
	lbl := map[string]string{"listener": "syslog_tcp"}
	deadline := time.Now().Add(time.Minute)
	for env.Metric(b, "eventsec_ingest_stored_total", lbl) < float64(b.N) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
