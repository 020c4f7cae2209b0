package notify

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// renderAlert is a realistic alert, with text that must be escaped.
func renderAlert() Message {
	a := store.Alert{ID: "01JABCDEF", OrgID: "o1", RuleID: "r1", RuleTitle: "Mimikatz command line", RuleKind: "detection",
		Severity: "high", Status: store.AlertNew, Title: "Mimikatz on DC01 by ACME\\admin <@channel>",
		Description: "sekurlsa::logonpasswords & lsadump::dcsync were run on a domain controller.",
		Tactics:     []string{"TA0006"}, Techniques: []string{"T1003.001", "T1003.006"},
		Entities:  store.AlertEntities{Hosts: []string{"DC01"}, Users: []string{"ACME\\admin"}, IPs: []string{"10.0.0.5"}},
		Count:     3,
		FirstSeen: time.Date(2026, 11, 23, 9, 58, 0, 0, time.UTC), LastSeen: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	m := AlertMessage(a, EventAlertRaised, "https://eventsec.example/alerts/01JABCDEF", "g-soc")
	m.OrgName = "Acme"
	return m.normalize(time.Time{})
}

func TestRenderGolden(t *testing.T) {
	m := renderAlert()
	resolved := m
	resolved.Event, resolved.Action = EventAlertResolved, ActionResolve
	golden(t, "slack.json", indentJSON(t, renderSlack(m)))
	golden(t, "slack_resolved.json", indentJSON(t, renderSlack(resolved)))
	golden(t, "teams.json", indentJSON(t, renderTeams(m)))
	golden(t, "pagerduty_trigger.json", indentJSON(t, renderPagerDuty(pdKey, m)))
	golden(t, "pagerduty_resolve.json", indentJSON(t, renderPagerDuty(pdKey, resolved)))
	golden(t, "webhook.json", indentJSON(t, WebhookPayload{DeliveryID: "d1", Message: m}))
	em := renderEmail(m)
	golden(t, "email.txt", []byte("Subject: "+em.Subject+"\n\n"+em.Text))
	golden(t, "email.html", []byte(em.HTML))
}

func TestRenderLimits(t *testing.T) {
	m := renderAlert()
	m.Title = strings.Repeat("T", 400)
	m.Summary = strings.Repeat("s", 5000)
	for i := 0; i < 15; i++ {
		m.Fields = append(m.Fields, Field{Key: "k", Value: strings.Repeat("v", 3000)})
	}
	s := renderSlack(m)
	if n := len([]rune(s.Blocks[0].Text.Text)); n > slackHeaderMax {
		t.Fatalf("slack header %d runes", n)
	}
	for _, b := range s.Blocks {
		if b.Text != nil && len([]rune(b.Text.Text)) > slackSectionMax {
			t.Fatalf("slack section %d runes", len([]rune(b.Text.Text)))
		}
		if len(b.Fields) > slackMaxFields {
			t.Fatalf("slack section with %d fields", len(b.Fields))
		}
		for _, f := range b.Fields {
			if len([]rune(f.Text)) > slackFieldMax {
				t.Fatalf("slack field %d runes", len([]rune(f.Text)))
			}
		}
	}
	pd := renderPagerDuty(pdKey, m)
	if n := len([]rune(pd.Payload.Summary)); n != pdSummaryMax {
		t.Fatalf("pagerduty summary %d runes", n)
	}
	m.DedupKey = strings.Repeat("é", 200)
	if n := len(renderPagerDuty(pdKey, m).DedupKey); n > pdDedupKeyMax {
		t.Fatalf("dedup key %d bytes", n)
	}
	for sev, want := range map[string]string{"critical": "critical", "high": "error", "medium": "warning", "low": "info", "informational": "info"} {
		m.Severity = sev
		if got := renderPagerDuty(pdKey, m).Payload.Severity; got != want {
			t.Errorf("pagerduty severity for %s = %s, want %s", sev, got, want)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	m := renderAlert()
	b.Run("slack", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshal(renderSlack(m)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("teams", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshal(renderTeams(m)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pagerduty", func(b *testing.B) {
		for b.Loop() {
			if _, err := marshal(renderPagerDuty(pdKey, m)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("email", func(b *testing.B) {
		from, to := &mail.Address{Address: "a@acme.example"}, &mail.Address{Address: "b@acme.example"}
		now := time.Now()
		for b.Loop() {
			if _, err := buildMIME(from, []*mail.Address{to}, renderEmail(m), now); err != nil {
				b.Fatal(err)
			}
		}
	})
}
