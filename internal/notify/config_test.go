package notify

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/store"
)

const pdKey = "R0123456789abcdefABCDEF012345678"

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name  string
		kind  Kind
		raw   string
		field string // "" = valid
	}{
		{"email ok", KindEmail, `{"host":"smtp.acme.example","username":"u","password":"p","from":"a@acme.example","to":["b@acme.example"]}`, ""},
		{"email no host", KindEmail, `{"from":"a@acme.example","to":["b@acme.example"]}`, "config.host"},
		{"email bad port", KindEmail, `{"host":"h","port":70000,"from":"a@acme.example","to":["b@acme.example"]}`, "config.port"},
		{"email bad security", KindEmail, `{"host":"h","security":"ssl","from":"a@acme.example","to":["b@acme.example"]}`, "config.security"},
		{"email bad from", KindEmail, `{"host":"h","from":"nobody","to":["b@acme.example"]}`, "config.from"},
		{"email no to", KindEmail, `{"host":"h","from":"a@acme.example"}`, "config.to"},
		{"email bad to", KindEmail, `{"host":"h","from":"a@acme.example","to":["b@acme.example","x"]}`, "config.to[1]"},
		{"email password alone", KindEmail, `{"host":"h","password":"p","from":"a@acme.example","to":["b@acme.example"]}`, "config.username"},
		{"email login in clear", KindEmail, `{"host":"smtp.acme.example","security":"none","username":"u","password":"p","from":"a@acme.example","to":["b@acme.example"]}`, "config.security"},
		{"email login in clear on loopback", KindEmail, `{"host":"127.0.0.1","security":"none","username":"u","password":"p","from":"a@acme.example","to":["b@acme.example"]}`, ""},
		{"email unknown field", KindEmail, `{"host":"h","tls":true}`, "config.tls"},
		{"email wrong type", KindEmail, `{"host":"h","port":"25"}`, "config.port"},
		{"slack ok", KindSlack, `{"webhook_url":"https://hooks.slack.com/services/T0/B0/x"}`, ""},
		{"slack missing", KindSlack, `{}`, "config.webhook_url"},
		{"slack ftp", KindSlack, `{"webhook_url":"ftp://hooks.slack.com/x"}`, "config.webhook_url"},
		{"slack javascript", KindSlack, `{"webhook_url":"javascript:alert(1)"}`, "config.webhook_url"},
		{"slack no host", KindSlack, `{"webhook_url":"https:///x"}`, "config.webhook_url"},
		{"teams ok", KindTeams, `{"webhook_url":"https://prod-00.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke"}`, ""},
		{"teams file", KindTeams, `{"webhook_url":"file:///etc/passwd"}`, "config.webhook_url"},
		{"pagerduty ok", KindPagerDuty, `{"routing_key":"` + pdKey + `"}`, ""},
		{"pagerduty short key", KindPagerDuty, `{"routing_key":"abc"}`, "config.routing_key"},
		{"pagerduty bad key", KindPagerDuty, `{"routing_key":"R0123456789abcdefABCDEF01234567!"}`, "config.routing_key"},
		{"pagerduty bad url", KindPagerDuty, `{"routing_key":"` + pdKey + `","url":"gopher://x"}`, "config.url"},
		{"webhook ok", KindWebhook, `{"url":"http://10.0.0.5:8080/hook","secret":"s","headers":{"Authorization":"Bearer x"}}`, ""},
		{"webhook no url", KindWebhook, `{"secret":"s"}`, "config.url"},
		{"webhook reserved header", KindWebhook, `{"url":"https://x.example","headers":{"content-type":"text/plain"}}`, "config.headers.content-type"},
		{"webhook own header", KindWebhook, `{"url":"https://x.example","headers":{"X-EventSec-Signature":"forged"}}`, "config.headers.X-EventSec-Signature"},
		{"webhook bad header name", KindWebhook, `{"url":"https://x.example","headers":{"Bad Name":"v"}}`, "config.headers.Bad Name"},
		{"webhook header injection", KindWebhook, `{"url":"https://x.example","headers":{"X-A":"v\r\nX-B: w"}}`, "config.headers.X-A"},
		{"trailing data", KindSlack, `{"webhook_url":"https://x.example"} {}`, "config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := DecodeConfig(c.kind, []byte(c.raw))
			if err == nil {
				err = cfg.Validate()
			}
			if c.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a FieldError on %s", err, c.field)
			}
			if fe.Field != c.field {
				t.Fatalf("field %q (%s), want %q", fe.Field, fe.Msg, c.field)
			}
		})
	}
	if _, err := DecodeConfig("sms", []byte(`{}`)); !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("unknown kind: %v", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	for _, c := range []struct {
		raw  string
		sec  string
		port int
	}{
		{`{}`, SecurityStartTLS, 587},
		{`{"security":"TLS"}`, SecurityTLS, 465},
		{`{"security":"none"}`, SecurityNone, 25},
		{`{"security":"tls","port":2465}`, SecurityTLS, 2465},
	} {
		cfg, err := DecodeConfig(KindEmail, []byte(c.raw))
		if err != nil {
			t.Fatal(err)
		}
		e := cfg.(*EmailConfig)
		if e.Security != c.sec || e.Port != c.port || e.SkipVerify {
			t.Fatalf("%s: %+v", c.raw, e)
		}
	}
	cfg, _ := DecodeConfig(KindPagerDuty, []byte(`{"routing_key":"`+pdKey+`"}`))
	if cfg.(*PagerDutyConfig).URL != DefaultPagerDutyURL {
		t.Fatalf("pagerduty default url: %+v", cfg)
	}
}

func TestChannelJSONRedactAndKeepSecrets(t *testing.T) {
	in := `{"name":"SOC mail","kind":"email","enabled":true,"min_severity":"high","events":["alert.raised"],
		"groups":["g1"],"config":{"host":"smtp.acme.example","username":"u","password":"hunter2",
		"from":"a@acme.example","to":["b@acme.example"]}}`
	var c Channel
	if err := json.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(c.Redacted())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "hunter2") || !strings.Contains(string(out), `"host":"smtp.acme.example"`) {
		t.Fatalf("redacted: %s", out)
	}
	if c.Config.(*EmailConfig).Password != "hunter2" {
		t.Fatal("Redacted changed the original")
	}
	// The client sends the redacted form back with one change.
	var edit Channel
	if err := json.Unmarshal(out, &edit); err != nil {
		t.Fatal(err)
	}
	edit.Config.(*EmailConfig).To = []string{"c@acme.example"}
	edit = edit.KeepSecrets(c)
	if err := edit.Validate(); err != nil {
		t.Fatal(err)
	}
	if e := edit.Config.(*EmailConfig); e.Password != "hunter2" || e.To[0] != "c@acme.example" {
		t.Fatalf("kept: %+v", e)
	}

	// Every kind's secrets are blanked.
	for _, raw := range []struct {
		kind   Kind
		cfg    string
		secret string
	}{
		{KindSlack, `{"webhook_url":"https://hooks.slack.com/services/T/B/SECRET"}`, "SECRET"},
		{KindTeams, `{"webhook_url":"https://x.logic.azure.com/SECRET"}`, "SECRET"},
		{KindPagerDuty, `{"routing_key":"` + pdKey + `"}`, pdKey},
		{KindWebhook, `{"url":"https://x.example/h","secret":"SECRET","headers":{"Authorization":"Bearer SECRET"}}`, "SECRET"},
	} {
		cfg, err := DecodeConfig(raw.kind, []byte(raw.cfg))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(cfg.Redacted())
		if strings.Contains(string(b), raw.secret) {
			t.Fatalf("%s not redacted: %s", raw.kind, b)
		}
		kept := cfg.Redacted().keepSecrets(cfg)
		if kb, _ := json.Marshal(kept); string(kb) != mustJSON(t, cfg) {
			t.Fatalf("%s: keepSecrets gave %s, want %s", raw.kind, kb, mustJSON(t, cfg))
		}
	}

	for _, bad := range []struct{ in, field string }{
		{`{"name":"x","kind":"sms","config":{}}`, "kind"},
		{`{"name":"","kind":"slack","config":{"webhook_url":"https://x.example"}}`, "name"},
		{`{"name":"x","kind":"slack","min_severity":"urgent","config":{"webhook_url":"https://x.example"}}`, "min_severity"},
		{`{"name":"x","kind":"slack","events":["alert.exploded"],"config":{"webhook_url":"https://x.example"}}`, "events[0]"},
		{`{"name":"x","kind":"slack","config":{"url":"https://x.example"}}`, "config.url"},
	} {
		var c Channel
		err := json.Unmarshal([]byte(bad.in), &c)
		if err == nil {
			err = c.Validate()
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != bad.field {
			t.Fatalf("%s: got %v, want field %s", bad.in, err, bad.field)
		}
	}
	var c2 Channel
	if err := json.Unmarshal([]byte(`{"name":"x","kind":"slack","colour":"red","config":{}}`), &c2); err == nil {
		t.Fatal("unknown channel field accepted")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestChannelStoreRoundTrip(t *testing.T) {
	cfg, _ := DecodeConfig(KindWebhook, []byte(`{"url":"https://x.example/h","secret":"s","headers":{"A":"b"}}`))
	c := Channel{ID: "c1", OrgID: "o1", Name: " Hook ", Kind: KindWebhook, Enabled: true, MinSeverity: "Info",
		Events: []string{EventAlertRaised}, Config: cfg}
	sc, err := c.ToStore()
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "Hook" || sc.MinSeverity != "informational" {
		t.Fatalf("normalised: %+v", sc)
	}
	back, err := FromStore(sc)
	if err != nil {
		t.Fatal(err)
	}
	if mustJSON(t, back.Config) != mustJSON(t, cfg) || back.Events[0] != EventAlertRaised {
		t.Fatalf("round trip: %+v", back)
	}
	if _, err := FromStore(store.NotifyChannel{ID: "x", Kind: "slack", Config: []byte(`{"bogus":1}`)}); err == nil {
		t.Fatal("bad stored config accepted")
	}
}

func FuzzDecodeConfig(f *testing.F) {
	for _, s := range []string{`{}`, `{"host":"h","port":25,"to":["a@b"]}`, `{"webhook_url":"https://x"}`,
		`{"routing_key":"` + pdKey + `","url":"https://x"}`, `{"url":"http://x","headers":{"A":"b"}}`, `null`, `[]`, `{"to":7}`} {
		for _, k := range Kinds {
			f.Add(string(k), s)
		}
	}
	f.Fuzz(func(t *testing.T, kind, raw string) {
		cfg, err := DecodeConfig(Kind(kind), []byte(raw))
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || !strings.HasPrefix(fe.Field, "config") {
				t.Fatalf("validation error without a config field: %v", err)
			}
			return
		}
		// A valid configuration survives the store's JSON round trip and
		// redaction keeps it decodable.
		b, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeConfig(Kind(kind), b)
		if err != nil || again.Validate() != nil {
			t.Fatalf("round trip of %s: %v", b, err)
		}
		rb, _ := json.Marshal(cfg.Redacted())
		if _, err := DecodeConfig(Kind(kind), rb); err != nil {
			t.Fatalf("redacted %s: %v", rb, err)
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := mustTime("2026-11-23T10:00:00Z")
	for _, c := range []struct {
		in   string
		want string
	}{
		{"", "0s"}, {"120", "2m0s"}, {"0", "0s"}, {"-5", "0s"}, {"soon", "0s"}, {"999999999", "24h0m0s"},
		{"Mon, 23 Nov 2026 10:00:30 GMT", "30s"}, {"Mon, 23 Nov 2026 09:00:00 GMT", "0s"},
	} {
		if got := parseRetryAfter(c.in, now).String(); got != c.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "1", "120", "Mon, 23 Nov 2026 10:00:30 GMT", "-1", "1e9"} {
		f.Add(s)
	}
	now := mustTime("2026-11-23T10:00:00Z")
	f.Fuzz(func(t *testing.T, s string) {
		if d := parseRetryAfter(s, now); d < 0 || d > 24*60*60*1e9 {
			t.Fatalf("parseRetryAfter(%q) = %v", s, d)
		}
	})
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"}, {"hello", 4, "hel…"}, {"héllo wörld", 3, "hé…"}, {"x", 0, ""}, {"xy", 1, "…"},
	} {
		if got := truncate(c.in, c.n); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if got := truncateBytes("ééé", 3); got != "é" {
		t.Errorf("truncateBytes = %q", got)
	}
}
