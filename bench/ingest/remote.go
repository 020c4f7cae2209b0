package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// remote is a running eventsec serve.
type remote struct {
	base, key, syslog string
	client            *http.Client
}

func (r *remote) describe() string  { return "server " + r.base }
func (r *remote) eventsURL() string { return r.base + "/api/v1/events" }
func (r *remote) authHeader() string {
	if r.key == "" {
		return ""
	}
	return "Bearer " + r.key
}
func (r *remote) syslogAddr() string { return r.syslog }
func (r *remote) close()             {}

// cpu reads the server's process_cpu_seconds_total from /metrics.
func (r *remote) cpu() time.Duration {
	v, err := r.metric(func(l string) (float64, bool) {
		if rest, ok := strings.CutPrefix(l, "process_cpu_seconds_total "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return f, err == nil
		}
		return 0, false
	})
	if err != nil {
		return 0
	}
	return time.Duration(v * float64(time.Second))
}

// stored reads stored_total + duplicates_total of a listener from /metrics.
func (r *remote) stored(listener string) (float64, error) {
	want := `{listener="` + listener + `"}`
	return r.metric(func(l string) (float64, bool) {
		for _, m := range []string{"eventsec_ingest_stored_total", "eventsec_ingest_duplicates_total"} {
			if rest, ok := strings.CutPrefix(l, m+want+" "); ok {
				v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
				return v, err == nil
			}
		}
		return 0, false
	})
}

// metric sums what pick takes from the lines of /metrics.
func (r *remote) metric(pick func(line string) (float64, bool)) (float64, error) {
	resp, err := r.client.Get(r.base + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("cannot read %s/metrics: %w", r.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("cannot read %s/metrics: status %d", r.base, resp.StatusCode)
	}
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := pick(sc.Text()); ok {
			total += v
		}
	}
	return total, sc.Err()
}

func newRemote(c *config) (*remote, error) {
	if c.apiKey == "" {
		return nil, fmt.Errorf("-url needs -api-key (or EVENTSEC_API_KEY): an API key with the events:write permission")
	}
	r := &remote{base: strings.TrimSuffix(c.url, "/"), key: c.apiKey, syslog: c.syslog, client: &http.Client{Timeout: 10 * time.Second}}
	if _, err := r.stored("http"); err != nil {
		return nil, err
	}
	return r, nil
}
