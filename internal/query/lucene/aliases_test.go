package lucene

import (
	"slices"
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

func TestFieldAliases(t *testing.T) {
	for _, c := range []struct {
		field string
		want  []string
	}{
		{"Image", []string{"Image", "process.executable", "winlog.event_data.Image"}},
		{"EventID", []string{"EventID", "winlog.event_id", "winlog.event_data.EventID"}},
		{"TargetUserName", []string{"TargetUserName", "winlog.event_data.TargetUserName"}},
		{"c-uri", []string{"c-uri", "url.original", "url.full"}},
		{"username", []string{"username", "user.name"}},
		// Keys normalization does not keep: where it puts their values
		// (normalize.KeyAliases), the label of a value that differed last.
		{"user", []string{"user", "user.name", "labels.user"}},
		{"source", []string{"source", "source.address", "source.ip", "labels.source"}},
		{"service", []string{"service", "service.name", "labels.service"}},
		{"agent", []string{"agent", "agent.name", "user_agent.original", "labels.agent"}},
		{"group", []string{"group", "group.name", "labels.group"}},
		{"dns", []string{"dns", "labels.dns"}},
		{"related.hosts", []string{"related.hosts", "host.name", "host.hostname", "observer.name"}},
		{"related.ip", []string{"related.ip", "source.ip", "destination.ip", "client.ip", "server.ip", "host.ip"}},
		// ECS names, lower-case names of one's own, wildcards: themselves.
		{"process.executable", nil},
		{"eventType", nil},
		{"Image*", nil},
		{"", nil},
	} {
		if got := FieldAliases(c.field); !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.field, got, c.want)
		}
	}
}

func TestWithAliasesKeepsTheQueryShape(t *testing.T) {
	n, err := Parse(`NOT Image:*cmd.exe AND (user.name:bob OR DestinationPort:[1 TO 1023]) AND _exists_:CommandLine`)
	if err != nil {
		t.Fatal(err)
	}
	got := WithAliases(n).String()
	want := `NOT (Image:*cmd.exe OR process.executable:*cmd.exe OR winlog.event_data.Image:*cmd.exe) AND ` +
		`(user.name:bob OR (DestinationPort:[1 TO 1023] OR destination.port:[1 TO 1023] OR winlog.event_data.DestinationPort:[1 TO 1023])) AND ` +
		`(CommandLine:* OR process.command_line:* OR winlog.event_data.CommandLine:*)`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// The live filter reads the same way as the store's search.
	m, err := NewMatcher("Image:*powershell.exe")
	if err != nil {
		t.Fatal(err)
	}
	ecs := event.Event{Fields: event.Fields{"process.executable": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`}}
	raw := event.Event{Fields: event.Fields{"winlog.event_data.Image": `C:\Windows\powershell.exe`}}
	other := event.Event{Fields: event.Fields{"process.executable": `C:\Windows\System32\cmd.exe`}}
	if !m.Match(ecs) || !m.Match(raw) || m.Match(other) {
		t.Fatalf("live filter: ECS %v, event data %v, cmd.exe %v", m.Match(ecs), m.Match(raw), m.Match(other))
	}
	// related.user finds the user in any role, and in related.user itself.
	if m, err = NewMatcher("related.user:alice"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"user.name", "user.target.name", "user.id", "related.user"} {
		if !m.Match(event.Event{Fields: event.Fields{key: "alice"}}) {
			t.Errorf("related.user:alice does not match %s:alice", key)
		}
	}
	if m.Match(event.Event{Fields: event.Fields{"host.name": "alice"}}) {
		t.Error("related.user:alice matches a host named alice")
	}
}
