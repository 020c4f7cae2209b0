package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore/duckdb"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/ingest/ingesttest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// childEnv makes TestDurabilityServer run as the server process.
const childEnv = "EVENTSEC_TEST_DURABILITY_DIR"

// TestDurabilityServer is the server that TestSIGKILLDurability starts in
// a process of its own and kills: the real pipeline and the real event
// store, serving POST /api/v1/events until killed.
func TestDurabilityServer(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("the server half of TestSIGKILLDurability")
	}
	ctx := context.Background()
	st, err := duckdb.Open(ctx, duckdb.Options{Dir: filepath.Join(dir, "store"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := ingest.New(ingest.Options{Sink: st, Normalizer: normalize.New(normalize.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Options{Pipeline: pipe, OrgFromRequest: func(*http.Request) (string, error) { return "org-d", nil }})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "addr.tmp")
	if err := os.WriteFile(tmp, []byte(ln.Addr().String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "addr")); err != nil {
		t.Fatal(err)
	}
	t.Fatal(http.Serve(ln, h)) // until SIGKILL
}

type server struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

func startServer(t *testing.T, dir string) *server {
	t.Helper()
	os.Remove(filepath.Join(dir, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityServer$", "-test.count=1", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "addr")); err == nil {
			s.addr = string(b)
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("server exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("server not listening after 60s: %s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done
}

type batch struct {
	ids  []string
	body []byte
}

var base = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)

func makeBatch(client, n, size int) batch {
	var b batch
	var buf bytes.Buffer
	for i := range size {
		id := fmt.Sprintf("c%d-%05d-%03d", client, n, i)
		b.ids = append(b.ids, id)
		ts := base.Add(time.Duration(client*1_000_000+n*size+i) * time.Millisecond)
		fmt.Fprintf(&buf, `{"id":%q,"@timestamp":%q,"message":"Failed password for root from 203.0.113.%d port %d ssh2","host":{"name":"web-%d"}}`+"\n",
			id, ts.Format(time.RFC3339Nano), i%250, 1024+i, client)
	}
	b.body = buf.Bytes()
	return b
}

type ack struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

func send(client *http.Client, addr string, b batch) (ack, int, error) {
	resp, err := client.Post("http://"+addr+"/api/v1/events", "application/x-ndjson", bytes.NewReader(b.body))
	if err != nil {
		return ack{}, 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return ack{}, resp.StatusCode, err
	}
	var a ack
	if resp.StatusCode == http.StatusAccepted {
		if err := json.Unmarshal(raw, &a); err != nil {
			return ack{}, resp.StatusCode, err
		}
	}
	return a, resp.StatusCode, nil
}

// TestSIGKILLDurability kills the server with SIGKILL in the middle of a
// sustained ingest, then proves that every event acknowledged (202) before
// the kill is stored, and stored once; after a restart, every batch is
// sent again (as a client retrying unanswered requests would) and the
// store ends with every event exactly once.
func TestSIGKILLDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server process")
	}
	dir := t.TempDir()
	srv := startServer(t, dir)

	const clients, size = 4, 500
	var (
		mu      sync.Mutex
		acked   = map[string]bool{}
		sent    []batch
		wg      sync.WaitGroup
		stop    = make(chan struct{})
		nAcked  int
		refused int
	)
	httpClient := &http.Client{Timeout: 30 * time.Second}
	for c := range clients {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				b := makeBatch(c, n, size)
				mu.Lock()
				sent = append(sent, b)
				mu.Unlock()
				a, status, err := send(httpClient, srv.addr, b)
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				switch {
				case status == http.StatusAccepted && a.Accepted == size:
					for _, id := range b.ids {
						acked[id] = true
					}
					nAcked++
				case status == http.StatusTooManyRequests:
					refused++
				default:
					t.Errorf("status %d, %+v", status, a)
				}
				mu.Unlock()
			}
		})
	}
	// Kill once a good number of batches are acknowledged, mid-stream.
	ingesttest.Eventually(t, 2*time.Minute, "40 acknowledged batches", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return nAcked >= 40
	})
	srv.kill(t)
	close(stop)
	wg.Wait()
	t.Logf("killed after %d acknowledged batches (%d events), %d sent in all, %d refused with 429", nAcked, len(acked), len(sent), refused)

	// Everything acknowledged is there, once.
	check := func(want map[string]bool, all bool) {
		t.Helper()
		st, err := duckdb.Open(t.Context(), duckdb.Options{Dir: filepath.Join(dir, "store"), Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		seen := map[string]int{}
		for _, ev := range ingesttest.All(t, st) {
			seen[ev.OrgID+"/"+ev.ID]++
		}
		twice, missing := 0, 0
		for k, n := range seen {
			if n > 1 {
				twice++
				if twice < 5 {
					t.Errorf("%s stored %d times", k, n)
				}
			}
		}
		for id := range want {
			if seen["org-d/"+id] == 0 {
				missing++
				if missing < 5 {
					t.Errorf("acknowledged event %s is not stored", id)
				}
			}
		}
		if all && len(seen) != len(want) {
			t.Errorf("store holds %d events, want exactly %d", len(seen), len(want))
		}
		if twice > 0 || missing > 0 {
			t.Fatalf("%d events stored more than once, %d acknowledged events missing (of %d)", twice, missing, len(want))
		}
		t.Logf("store holds %d distinct events, none twice; all %d expected are there", len(seen), len(want))
	}
	check(acked, false)

	// Restart and send everything again: nothing is stored twice.
	srv = startServer(t, dir)
	every := map[string]bool{}
	dups := 0
	for _, b := range sent {
		for {
			a, status, err := send(httpClient, srv.addr, b)
			if err != nil {
				t.Fatal(err)
			}
			if status == http.StatusTooManyRequests {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if status != http.StatusAccepted || a.Accepted != size {
				t.Fatalf("resend: status %d %+v", status, a)
			}
			dups += a.Duplicates
			break
		}
		for _, id := range b.ids {
			every[id] = true
		}
	}
	srv.kill(t)
	t.Logf("resent %d batches: %d events were already stored", len(sent), dups)
	if dups < len(acked) {
		t.Errorf("resend found %d duplicates, fewer than the %d acknowledged events", dups, len(acked))
	}
	check(every, true)
}
