package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/eventstore"
	"github.com/eventsec/eventsec/internal/sandbox"
)

// HostSighting is one host where a sample (or value) appeared in events.
type HostSighting struct {
	Host      string    `json:"host"`
	HostID    string    `json:"host_id,omitempty"`
	AgentID   string    `json:"agent_id,omitempty"`
	Events    int       `json:"events"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	// Fields are the event fields that held the value.
	Fields []string `json:"fields"`
}

// Seen is where a submission's sample was seen.
type Seen struct {
	// Query is the event search used, for "open in Events".
	Query string `json:"query"`
	// Total counts every matching event; Scanned how many were read to
	// group by host (the newest).
	Total   int64          `json:"total"`
	Scanned int            `json:"scanned"`
	Hosts   []HostSighting `json:"hosts"`
	// Sources says what was searched: events only (the endpoint inventory
	// holds packages, not file hashes).
	Sources []string `json:"sources"`
}

// seenScan bounds the events read to group by host.
const seenScan = 2000

func quote(v string) string { return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"` }

// seenQuery builds the event search for a submission: hashes in the ECS
// file/process/dll hash fields; values in the fields that carry them.
func seenQuery(sub Submission) (string, map[string]string) {
	fields := map[string]string{}
	var parts []string
	add := func(field, v string) {
		if v == "" {
			return
		}
		fields[field] = v
		parts = append(parts, field+":"+quote(v))
	}
	hashes := map[string]string{}
	switch sub.Kind {
	case KindFile:
		hashes["sha256"] = sub.SHA256
		var rep sandbox.Report
		if json.Unmarshal(sub.Report, &rep) == nil && rep.Hashes != nil {
			hashes["md5"], hashes["sha1"] = rep.Hashes.MD5, rep.Hashes.SHA1
		}
	case KindHash:
		var rep sandbox.Report
		if json.Unmarshal(sub.Report, &rep) == nil && rep.Hash != nil {
			switch rep.Hash.Algorithm {
			case "md5", "sha1", "sha256", "sha512":
				hashes[rep.Hash.Algorithm] = rep.Hash.Value
			}
		} else {
			switch len(sub.Target) {
			case 32:
				hashes["md5"] = strings.ToLower(sub.Target)
			case 40:
				hashes["sha1"] = strings.ToLower(sub.Target)
			case 64:
				hashes["sha256"] = strings.ToLower(sub.Target)
			}
		}
	case KindIP:
		for _, f := range []string{"source.ip", "destination.ip", "host.ip", "client.ip", "server.ip"} {
			add(f, sub.Target)
		}
	case KindDomain:
		for _, f := range []string{"dns.question.name", "url.domain", "destination.domain", "server.domain"} {
			add(f, strings.ToLower(sub.Target))
		}
	case KindURL:
		add("url.full", sub.Target)
		add("url.original", sub.Target)
	}
	for _, algo := range []string{"md5", "sha1", "sha256", "sha512"} {
		for _, obj := range []string{"file", "process", "dll", "process.parent"} {
			add(obj+".hash."+algo, hashes[algo])
		}
	}
	return strings.Join(parts, " OR "), fields
}

// SeenOn finds the hosts whose events mention the submission's sample or
// value, with first and last seen among the newest matching events.
func (s *Service) SeenOn(ctx context.Context, orgID, id string) (Seen, error) {
	sub, err := s.Get(ctx, orgID, id)
	if err != nil {
		return Seen{}, err
	}
	q, fields := seenQuery(sub)
	out := Seen{Query: q, Hosts: []HostSighting{}, Sources: []string{"events"}}
	if s.o.Events == nil || q == "" {
		return out, nil
	}
	byHost := map[string]*HostSighting{}
	var order []string
	cursor := ""
	for out.Scanned < seenScan {
		page, err := s.o.Events.Search(ctx, orgID, eventstore.Query{Text: q, Size: 500, Cursor: cursor})
		if err != nil {
			return Seen{}, fmt.Errorf("cannot search events: %w", err)
		}
		out.Total = page.Total
		for _, ev := range page.Events {
			out.Scanned++
			host := ev.Fields.Str("host.name")
			if host == "" {
				host = ev.Fields.Str("host.hostname")
			}
			if host == "" {
				host = "(unknown host)"
			}
			h := byHost[host]
			if h == nil {
				h = &HostSighting{Host: host, HostID: ev.Fields.Str("host.id"), AgentID: ev.Fields.Str("agent.id"),
					LastSeen: ev.Timestamp.UTC(), FirstSeen: ev.Timestamp.UTC(), Fields: []string{}}
				byHost[host] = h
				order = append(order, host)
			}
			h.Events++
			if ev.Timestamp.Before(h.FirstSeen) {
				h.FirstSeen = ev.Timestamp.UTC()
			}
			if ev.Timestamp.After(h.LastSeen) {
				h.LastSeen = ev.Timestamp.UTC()
			}
			for f, want := range fields {
				if v := ev.Fields.Str(f); v != "" && strings.EqualFold(v, want) && !contains(h.Fields, f) {
					h.Fields = append(h.Fields, f)
				}
			}
		}
		if page.NextCursor == "" || len(page.Events) == 0 {
			break
		}
		cursor = page.NextCursor
	}
	for _, host := range order {
		h := byHost[host]
		sort.Strings(h.Fields)
		out.Hosts = append(out.Hosts, *h)
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
