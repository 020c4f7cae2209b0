package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
)

// Action is a rule's notification action, as JSON rules write it:
// {"type": "slack", "config": {...}}. It has the fields of jsonrule.Action,
// so one converts to the other with a type conversion.
type Action struct {
	Type   string         `json:"type"`
	Config map[string]any `json:"config,omitempty"`
}

// Target is one channel a message goes to.
type Target struct {
	Channel Channel
	// AdHoc: the channel is a rule action's inline configuration, not a
	// stored channel.
	AdHoc bool
	// Severity overrides the message's severity for this target (a rule
	// action's "severity"); "" keeps it.
	Severity string
	// To, for e-mail, replaces the channel's recipients (a rule action's
	// "recipients"): another delivery than the channel's own.
	To []string
}

// Route picks the targets of msg among the org's channels and the rule's
// actions. It returns every target it could resolve, and an error joining
// the actions it could not (the caller logs them; they must not stop the
// others).
//
// The rule:
//
//  1. A channel is routed when it is enabled, msg's severity is at least
//     its MinSeverity, its Events are empty or contain msg.Event, and its
//     Groups are empty or contain msg.Group (a channel limited to groups
//     gets nothing that is not assigned to one of them).
//  2. Each rule action adds targets, whatever the channels' filters (the
//     rule's author asked for it), of the kind its type names:
//     a. config "channel": the enabled stored channel with that ID, or else
//     that name (case-insensitive), which must be of the action's kind;
//     b. otherwise, config holding settings of the kind (e.g. "webhook_url"
//     for slack): an ad-hoc channel with those settings, validated like a
//     stored one;
//     c. otherwise (no settings, as in {"type":"pagerduty","config":
//     {"severity":"high"}}): every enabled stored channel of that kind.
//     A "severity" in config overrides msg's severity for those targets.
//     An e-mail action's "recipients" send to those addresses instead
//     of the channels' own (Target.To).
//  3. A channel reached twice (for the same recipients) is sent to once;
//     a rule action's severity wins over plain routing.
func Route(channels []Channel, msg Message, actions []Action) ([]Target, error) {
	var out []Target
	index := map[string]int{}
	add := func(t Target) {
		key := t.Channel.ID + "\x00" + strings.Join(t.To, ",")
		if i, ok := index[key]; ok {
			if t.Severity != "" {
				out[i].Severity = t.Severity
			}
			return
		}
		index[key] = len(out)
		out = append(out, t)
	}
	for _, c := range channels {
		if c.Config != nil && c.wants(msg) {
			add(Target{Channel: c})
		}
	}
	var errs []error
	for i, a := range actions {
		targets, err := resolveAction(channels, msg.OrgID, a)
		if err != nil {
			errs = append(errs, fmt.Errorf("actions[%d] (%s): %w", i, a.Type, err))
			continue
		}
		for _, t := range targets {
			add(t)
		}
	}
	return out, errors.Join(errs...)
}

// actionOverrides are the action config keys that are not channel settings.
var actionOverrides = []string{"channel", "severity", "recipients"}

// resolveAction resolves a into targets (see Route); an e-mail action's
// "recipients" (the seed's rules') send through the channels it resolves
// to, to those addresses instead of the channels' own.
func resolveAction(channels []Channel, orgID string, a Action) ([]Target, error) {
	targets, err := resolveTargets(channels, orgID, a)
	if err != nil {
		return nil, err
	}
	v, ok := a.Config["recipients"]
	if !ok {
		return targets, nil
	}
	var to []string
	list, _ := v.([]any)
	for i, x := range list {
		s, _ := x.(string)
		addr, perr := mail.ParseAddress(s)
		if perr != nil {
			return nil, fieldErr(fmt.Sprintf("config.recipients[%d]", i), "%q is not an e-mail address", fmt.Sprint(x))
		}
		to = append(to, addr.Address)
	}
	if len(to) == 0 {
		return nil, fieldErr("config.recipients", "must be a list of e-mail addresses")
	}
	for i, t := range targets {
		if t.Channel.Kind != KindEmail {
			return nil, fieldErr("config.recipients", "only e-mail actions have recipients")
		}
		targets[i].To = to
	}
	return targets, nil
}

func resolveTargets(channels []Channel, orgID string, a Action) ([]Target, error) {
	kind := Kind(strings.ToLower(strings.TrimSpace(a.Type)))
	if !kind.valid() {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKind, a.Type)
	}
	var sev string
	if v, ok := a.Config["severity"]; ok {
		s, _ := v.(string)
		sev = normSeverity(s)
		if severityRank(sev) < 0 {
			return nil, fieldErr("config.severity", "must be one of %s", strings.Join(Severities, ", "))
		}
	}
	if v, ok := a.Config["channel"]; ok {
		ref, _ := v.(string)
		if strings.TrimSpace(ref) == "" {
			return nil, fieldErr("config.channel", "must be a channel ID or name")
		}
		c, ok := findChannel(channels, ref)
		if !ok {
			return nil, fmt.Errorf("no channel %q", ref)
		}
		if c.Kind != kind {
			return nil, fmt.Errorf("channel %q is %s, not %s", ref, c.Kind, kind)
		}
		if !c.Enabled {
			return nil, fmt.Errorf("%w: %q", ErrChannelDisabled, ref)
		}
		return []Target{{Channel: c, Severity: sev}}, nil
	}
	settings := map[string]any{}
	for k, v := range a.Config {
		if !slices.Contains(actionOverrides, k) {
			settings[k] = v
		}
	}
	if len(settings) > 0 {
		c, err := adHocChannel(orgID, kind, settings)
		if err != nil {
			return nil, err
		}
		return []Target{{Channel: c, AdHoc: true, Severity: sev}}, nil
	}
	var out []Target
	for _, c := range channels {
		if c.Kind == kind && c.Enabled && c.Config != nil {
			out = append(out, Target{Channel: c, Severity: sev})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no enabled %s channel", kind)
	}
	return out, nil
}

func findChannel(channels []Channel, ref string) (Channel, bool) {
	for _, c := range channels {
		if c.ID == ref {
			return c, true
		}
	}
	for _, c := range channels {
		if strings.EqualFold(c.Name, strings.TrimSpace(ref)) {
			return c, true
		}
	}
	return Channel{}, false
}

// adHocChannel builds a channel from a rule action's inline settings. Its
// ID is derived from the settings, so deliveries to one endpoint share the
// per-channel concurrency limit.
func adHocChannel(orgID string, kind Kind, settings map[string]any) (Channel, error) {
	raw, err := json.Marshal(settings) // map keys are sorted: a stable ID
	if err != nil {
		return Channel{}, fieldErr("config", "cannot be encoded: %v", err)
	}
	cfg, err := DecodeConfig(kind, raw)
	if err != nil {
		return Channel{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Channel{}, err
	}
	sum := sha256.Sum256(append([]byte(string(kind)+"\x00"+orgID+"\x00"), raw...))
	return Channel{ID: "adhoc-" + hex.EncodeToString(sum[:8]), OrgID: orgID, Name: "rule action (" + string(kind) + ")",
		Kind: kind, Enabled: true, Config: cfg}, nil
}
