package netwatch

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/eventsec/eventsec/internal/agent/wire"
)

type memSink struct {
	mu  sync.Mutex
	evs []wire.Event
}

func (s *memSink) Submit(_ context.Context, evs []wire.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, evs...)
	return nil
}

func (s *memSink) take() []wire.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.evs
	s.evs = nil
	return e
}

// TestBlockedConnectionReportedOnce opens a real TCP connection to a
// listener on a "blocked" loopback address and checks it is reported with
// this process, once while it lasts, and again when a new one opens.
func TestBlockedConnectionReportedOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		list wire.BlockList
		want string
	}{
		{"cidr", wire.BlockList{IPs: []string{"127.0.0.0/8", "not-an-ip"}}, "127.0.0.0/8"},
		{"ip", wire.BlockList{IPs: []string{"127.0.0.1"}}, "127.0.0.1"},
		{"domain", wire.BlockList{Domains: []string{"localhost"}}, "localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					defer c.Close()
				}
			}()
			sink := &memSink{}
			w := New(Options{BlockList: tc.list, Sink: sink, AgentID: "a1"})
			ctx := context.Background()
			conn, err := net.Dial("tcp4", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := w.Check(ctx); err != nil {
				t.Fatal(err)
			}
			local := conn.LocalAddr().(*net.TCPAddr)
			var mine *wire.Event
			for _, e := range sink.take() {
				var f struct {
					Source  struct{ Port int }
					Process struct{ PID int32 }
					Threat  struct{ Indicator struct{ Description string } }
				}
				json.Unmarshal(e.Fields, &f)
				if f.Source.Port == local.Port {
					if f.Process.PID != int32(os.Getpid()) {
						t.Errorf("pid = %d, want %d", f.Process.PID, os.Getpid())
					}
					if f.Threat.Indicator.Description != "block list entry "+tc.want {
						t.Errorf("indicator = %q", f.Threat.Indicator.Description)
					}
					mine = &e
				}
			}
			if mine == nil || mine.Kind != "network" {
				t.Fatalf("connection from port %d not reported", local.Port)
			}
			// Still open: not reported again.
			w.Check(ctx)
			for _, e := range sink.take() {
				if json.Valid(e.Fields) && containsPort(e, local.Port) {
					t.Fatal("open connection reported twice")
				}
			}
		})
	}
}

func containsPort(e wire.Event, port int) bool {
	var f struct{ Source struct{ Port int } }
	json.Unmarshal(e.Fields, &f)
	return f.Source.Port == port
}

func TestUnblockedIgnored(t *testing.T) {
	ln, _ := net.Listen("tcp4", "127.0.0.1:0")
	defer ln.Close()
	conn, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sink := &memSink{}
	w := New(Options{BlockList: wire.BlockList{IPs: []string{"192.0.2.0/24"}}, Sink: sink})
	if err := w.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if evs := sink.take(); len(evs) != 0 {
		t.Fatalf("reported %d unblocked connections", len(evs))
	}
}

func TestParseProcNet(t *testing.T) {
	tcp := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 21345 1 0000000000000000 100 0 0 10 0
   1: 0F02000A:A4B2 0771337C:01BB 01 00000000:00000000 02:0000045A 00000000  1000        0 99812 2 0000000000000000 20 4 30 10 -1
`
	tcp6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 B80D0120000000000000000001000000:D431 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0 20 4 30 10 -1
`
	rs := ParseProcNet(strings.NewReader(tcp))
	if len(rs) != 2 || rs[0].State != 0x0A || rs[1].Addr.String() != "124.51.113.7:443" || rs[1].State != 1 {
		t.Fatalf("tcp: %+v", rs)
	}
	rs = ParseProcNet(strings.NewReader(tcp6))
	if len(rs) != 1 || rs[0].Addr.String() != "[2001:db8::1]:54321" {
		t.Fatalf("tcp6: %+v", rs)
	}
}

func FuzzParseProcNet(f *testing.F) {
	f.Add("header\n   1: 0F02000A:A4B2 0771337C:01BB 01 00000000:00000000\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range ParseProcNet(strings.NewReader(s)) {
			if !r.Addr.IsValid() {
				t.Fatalf("invalid address from %q", s)
			}
		}
	})
}

func BenchmarkCheckNothingBlocked(b *testing.B) {
	w := New(Options{BlockList: wire.BlockList{IPs: []string{"192.0.2.0/24"}}, Sink: &memSink{}})
	ctx := context.Background()
	for b.Loop() {
		if err := w.Check(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
