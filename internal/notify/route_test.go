package notify

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mkChannel(t testing.TB, id, name string, kind Kind, cfg string, f func(*Channel)) Channel {
	t.Helper()
	c, err := DecodeConfig(kind, []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	ch := Channel{ID: id, OrgID: "o1", Name: name, Kind: kind, Enabled: true, Config: c}
	if f != nil {
		f(&ch)
	}
	return ch
}

func routeChannels(t testing.TB) []Channel {
	return []Channel{
		mkChannel(t, "all", "Everything", KindWebhook, `{"url":"https://x.example/all"}`, nil),
		mkChannel(t, "crit", "Critical only", KindSlack, `{"webhook_url":"https://hooks.slack.com/crit"}`,
			func(c *Channel) { c.MinSeverity = "critical" }),
		mkChannel(t, "incidents", "Incidents", KindTeams, `{"webhook_url":"https://x.logic.azure.com/inc"}`,
			func(c *Channel) { c.Events = []string{EventIncidentCreated, EventIncidentUpdated} }),
		mkChannel(t, "net", "Network team", KindEmail, `{"host":"smtp.x.example","from":"a@x.example","to":["net@x.example"]}`,
			func(c *Channel) { c.Groups = []string{"g-net"}; c.MinSeverity = "medium" }),
		mkChannel(t, "pd1", "PagerDuty SOC", KindPagerDuty, `{"routing_key":"`+pdKey+`"}`,
			func(c *Channel) { c.MinSeverity = "critical" }),
		mkChannel(t, "pd2", "PagerDuty off", KindPagerDuty, `{"routing_key":"`+pdKey+`"}`,
			func(c *Channel) { c.Enabled = false }),
	}
}

func targetIDs(ts []Target) []string {
	out := []string{}
	for _, t := range ts {
		s := t.Channel.ID
		if len(t.To) > 0 {
			s += ">" + strings.Join(t.To, ",")
		}
		if t.Severity != "" {
			s += "@" + t.Severity
		}
		out = append(out, s)
	}
	return out
}

func TestRoute(t *testing.T) {
	chans := routeChannels(t)
	cases := []struct {
		name    string
		msg     Message
		actions string
		want    []string
		errs    []string // substrings of the joined error
	}{
		{"high alert, no group", Message{Event: EventAlertRaised, Severity: "high"}, ``, []string{"all"}, nil},
		{"critical alert", Message{Event: EventAlertRaised, Severity: "critical"}, ``, []string{"all", "crit", "pd1"}, nil},
		{"info spelling", Message{Event: EventAlertRaised, Severity: "info"}, ``, []string{"all"}, nil},
		{"incident", Message{Event: EventIncidentCreated, Severity: "low"}, ``, []string{"all", "incidents"}, nil},
		{"network team's alert", Message{Event: EventAlertRaised, Severity: "medium", Group: "g-net"}, ``, []string{"all", "net"}, nil},
		{"network team's low alert", Message{Event: EventAlertRaised, Severity: "low", Group: "g-net"}, ``, []string{"all"}, nil},
		{"other team's alert", Message{Event: EventAlertRaised, Severity: "high", Group: "g-soc"}, ``, []string{"all"}, nil},
		{"action names channel by name", Message{Event: EventAlertRaised, Severity: "low"},
			`[{"type":"teams","config":{"channel":"incidents"}}]`, []string{"all", "incidents"}, nil},
		{"action names channel by ID with severity", Message{Event: EventAlertRaised, Severity: "low"},
			`[{"type":"slack","config":{"channel":"crit","severity":"high"}}]`, []string{"all", "crit@high"}, nil},
		{"seed pagerduty action: every enabled pagerduty channel", Message{Event: EventAlertRaised, Severity: "medium"},
			`[{"type":"pagerduty","config":{"severity":"high"}}]`, []string{"all", "pd1@high"}, nil},
		{"action overrides a routed channel's severity", Message{Event: EventAlertRaised, Severity: "critical"},
			`[{"type":"pagerduty","config":{"severity":"high"}}]`, []string{"all", "crit", "pd1@high"}, nil},
		{"inline slack action", Message{Event: EventAlertRaised, Severity: "low"},
			`[{"type":"slack","config":{"webhook_url":"https://hooks.slack.com/services/T/B/rule"}}]`, []string{"all", "adhoc-"}, nil},
		{"seed e-mail action: the org's e-mail channels, to the rule's recipients", Message{Event: EventAlertRaised, Severity: "low"},
			`[{"type":"email","config":{"recipients":["soc@x.example","Ann <ann@x.example>"]}}]`,
			[]string{"all", "net>soc@x.example,ann@x.example"}, nil},
		{"e-mail recipients through a named channel", Message{Event: EventAlertRaised, Severity: "medium", Group: "g-net"},
			`[{"type":"email","config":{"channel":"Network team","recipients":["soc@x.example"]}}]`,
			[]string{"all", "net", "net>soc@x.example"}, nil},
		{"bad recipients", Message{Event: EventAlertRaised, Severity: "low"},
			`[{"type":"email","config":{"recipients":["not-an-email"]}},{"type":"slack","config":{"channel":"crit","recipients":["a@x.example"]}}]`,
			[]string{"all"}, []string{"config.recipients[0]", "only e-mail actions have recipients"}},
		{"bad actions do not stop good ones", Message{Event: EventAlertRaised, Severity: "low"},
			`[{"type":"sms","config":{}},{"type":"slack","config":{"channel":"Everything"}},{"type":"pagerduty","config":{"channel":"pd2"}},
			  {"type":"webhook","config":{"url":"ftp://x"}},{"type":"email","config":{"channel":""}},{"type":"teams","config":{"channel":"nope"}},
			  {"type":"slack","config":{"severity":"urgent"}},{"type":"webhook","config":{"channel":"all"}}]`,
			[]string{"all"}, []string{"actions[0]", "unknown channel kind", "actions[1]", "is webhook, not slack",
				"actions[2]", "channel disabled", "actions[3]", "config.url", "actions[4]", "config.channel",
				"actions[5]", `no channel "nope"`, "actions[6]", "config.severity"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var actions []Action
			if c.actions != "" {
				if err := json.Unmarshal([]byte(c.actions), &actions); err != nil {
					t.Fatal(err)
				}
			}
			msg := c.msg.normalize(mustTime("2026-11-23T10:00:00Z"))
			msg.OrgID = "o1"
			got, err := Route(chans, msg, actions)
			ids := targetIDs(got)
			for i := range ids {
				if strings.HasPrefix(ids[i], "adhoc-") {
					ids[i] = "adhoc-"
				}
			}
			if !reflect.DeepEqual(ids, c.want) {
				t.Fatalf("targets %q, want %q", ids, c.want)
			}
			if c.errs == nil && err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			for _, e := range c.errs {
				if err == nil || !strings.Contains(err.Error(), e) {
					t.Fatalf("error %v lacks %q", err, e)
				}
			}
		})
	}
}

func TestRouteAdHocIsStableAndScoped(t *testing.T) {
	a := []Action{{Type: "webhook", Config: map[string]any{"url": "https://x.example/h", "secret": "s"}}}
	m1 := Message{Event: EventAlertRaised, Severity: "low", OrgID: "o1"}
	t1, err := Route(nil, m1, a)
	if err != nil || len(t1) != 1 || !t1[0].AdHoc {
		t.Fatalf("%v %+v", err, t1)
	}
	t2, _ := Route(nil, m1, a)
	if t1[0].Channel.ID != t2[0].Channel.ID {
		t.Fatal("ad-hoc ID not stable")
	}
	m2 := m1
	m2.OrgID = "o2"
	if t3, _ := Route(nil, m2, a); t3[0].Channel.ID == t1[0].Channel.ID {
		t.Fatal("ad-hoc ID shared across orgs")
	}
	if _, err := Route(nil, m1, []Action{{Type: "email"}}); err == nil || !strings.Contains(err.Error(), "no enabled email channel") {
		t.Fatalf("kind without channels: %v", err)
	}
	var fe *FieldError
	if _, err := Route(nil, m1, []Action{{Type: "webhook", Config: map[string]any{"url": "https://x", "bogus": 1}}}); !errors.As(err, &fe) {
		t.Fatalf("unknown inline setting: %v", err)
	}
}

func FuzzRouteActions(f *testing.F) {
	f.Add(`[{"type":"pagerduty","config":{"severity":"high"}}]`)
	f.Add(`[{"type":"slack","config":{"channel":"crit"}}]`)
	f.Add(`[{"type":"webhook","config":{"url":"https://x.example","headers":{"A":"b"}}}]`)
	f.Add(`[{"type":"email","config":{"host":"h","to":["a@b.example"],"from":"c@d.example"}}]`)
	chans := routeChannels(f)
	f.Fuzz(func(t *testing.T, raw string) {
		var actions []Action
		if json.Unmarshal([]byte(raw), &actions) != nil {
			return
		}
		msg := Message{Event: EventAlertRaised, Severity: "medium", OrgID: "o1"}.normalize(mustTime("2026-11-23T10:00:00Z"))
		got, _ := Route(chans, msg, actions)
		seen := map[string]bool{}
		for _, tg := range got {
			if seen[tg.Channel.ID] {
				t.Fatalf("channel %s routed twice", tg.Channel.ID)
			}
			seen[tg.Channel.ID] = true
			if !tg.Channel.Enabled || tg.Channel.Config == nil {
				t.Fatalf("unusable target %+v", tg)
			}
			if tg.AdHoc && tg.Channel.Config.Validate() != nil {
				t.Fatalf("invalid ad-hoc target %+v", tg)
			}
		}
	})
}

func BenchmarkRoute(b *testing.B) {
	chans := routeChannels(b)
	actions := []Action{{Type: "pagerduty", Config: map[string]any{"severity": "high"}}}
	msg := Message{Event: EventAlertRaised, Severity: "critical", OrgID: "o1", Group: "g-net"}.normalize(mustTime("2026-11-23T10:00:00Z"))
	for b.Loop() {
		if _, err := Route(chans, msg, actions); err != nil {
			b.Fatal(err)
		}
	}
}
