package detect

import (
	"reflect"
	"testing"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/store"
)

// An alert names a Windows account with its domain: events carry the
// domain beside the name, and the bare name stays the entity that
// searches and related alerts go by.
func TestEventEntitiesUserDomains(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields event.Fields
		users  []string
		doms   map[string]string
	}{
		{"domain beside the name", event.Fields{"user.name": "alice", "user.domain": "CORP"}, []string{"alice"}, map[string]string{"alice": "CORP"}},
		{"no domain", event.Fields{"user.name": "alice"}, []string{"alice"}, nil},
		{"a dash is no domain", event.Fields{"user.name": "alice", "user.domain": "-"}, []string{"alice"}, nil},
		{"the target's own domain", event.Fields{"user.name": "admin", "user.domain": "CORP", "user.target.name": "bob", "user.target.domain": "LAB"},
			[]string{"admin", "bob"}, map[string]string{"admin": "CORP", "bob": "LAB"}},
		{"a domain without a name", event.Fields{"user.domain": "CORP", "user.id": "S-1-5-18"}, []string{"S-1-5-18"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en := eventEntities(&event.Event{Fields: tc.fields})
			if !reflect.DeepEqual(en.Users, tc.users) || !reflect.DeepEqual(en.UserDomains, tc.doms) {
				t.Fatalf("users %v, domains %v; want %v, %v", en.Users, en.UserDomains, tc.users, tc.doms)
			}
		})
	}
}

// A repeat's users bring their domains; a known user keeps the first.
func TestMergeEntitiesUserDomains(t *testing.T) {
	a := store.AlertEntities{Users: []string{"alice"}}
	b := store.AlertEntities{Users: []string{"alice", "bob"}, UserDomains: map[string]string{"alice": "CORP", "bob": "LAB"}}
	got := mergeEntities(a, b)
	if want := map[string]string{"alice": "CORP", "bob": "LAB"}; !reflect.DeepEqual(got.UserDomains, want) {
		t.Fatalf("domains %v, want %v", got.UserDomains, want)
	}
	got = mergeEntities(got, store.AlertEntities{Users: []string{"alice"}, UserDomains: map[string]string{"alice": "OTHER"}})
	if got.UserDomains["alice"] != "CORP" {
		t.Fatalf("alice's domain became %q", got.UserDomains["alice"])
	}
}
