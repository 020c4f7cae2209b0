package jsonrule

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/eventsec/eventsec/internal/notify"
)

// actionKeys are the config keys of an action that are not a channel's
// settings: the stored channel to use, a severity override, and (e-mail)
// the recipients of the seed's rules.
var actionKeys = []string{"channel", "severity", "recipients"}

// checkAction validates an action as the notification pipeline will read
// it when the rule fires, so that a rule cannot be saved with an action
// that would never deliver: a known type, a severity override of a known
// level, a channel named by a string, e-mail recipients that are
// addresses, and inline channel settings that the channel kind accepts.
// It returns the path of the bad value below the action and the reason
// ("" when the action is valid).
func checkAction(a Action) ([]any, string) {
	kinds := make([]string, len(notify.Kinds))
	for i, k := range notify.Kinds {
		kinds[i] = string(k)
	}
	typ := strings.ToLower(strings.TrimSpace(a.Type))
	switch {
	case typ == "":
		return []any{"type"}, fmt.Sprintf(`"type" is required: one of %s`, strings.Join(kinds, ", "))
	case !slices.Contains(kinds, typ):
		return []any{"type"}, fmt.Sprintf("unknown action type %q (want one of %s)", a.Type, strings.Join(kinds, ", "))
	}
	if v, ok := a.Config["severity"]; ok {
		s, _ := v.(string)
		if !slices.Contains(notify.Severities, strings.ToLower(strings.TrimSpace(s))) {
			return []any{"config", "severity"}, fmt.Sprintf("must be one of %s", strings.Join(notify.Severities, ", "))
		}
	}
	if v, ok := a.Config["channel"]; ok {
		if s, _ := v.(string); strings.TrimSpace(s) == "" {
			return []any{"config", "channel"}, "must be the ID or name of a notification channel"
		}
	}
	if v, ok := a.Config["recipients"]; ok {
		if typ != string(notify.KindEmail) {
			return []any{"config", "recipients"}, "only e-mail actions have recipients"
		}
		list, isList := v.([]any)
		if !isList || len(list) == 0 {
			return []any{"config", "recipients"}, "must be a list of e-mail addresses"
		}
		for j, x := range list {
			s, _ := x.(string)
			if addr, err := mail.ParseAddress(s); err != nil || addr.Name != "" {
				return []any{"config", "recipients", j}, fmt.Sprintf("%q is not an e-mail address (name@example.com)", fmt.Sprint(x))
			}
		}
	}
	settings := map[string]any{}
	for k, v := range a.Config {
		if !slices.Contains(actionKeys, k) {
			settings[k] = v
		}
	}
	if len(settings) == 0 {
		return nil, ""
	}
	// Inline settings make an ad-hoc channel of the action's kind.
	raw, err := json.Marshal(settings)
	if err != nil {
		return []any{"config"}, "cannot be encoded"
	}
	cfg, err := notify.DecodeConfig(notify.Kind(typ), raw)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		var fe *notify.FieldError
		if e, ok := err.(*notify.FieldError); ok {
			fe = e
		}
		if fe == nil {
			return []any{"config"}, err.Error()
		}
		var path []any
		for _, part := range strings.Split(fe.Field, ".") {
			path = append(path, part)
		}
		if len(path) == 0 || path[0] != "config" {
			path = append([]any{"config"}, path...)
		}
		return path, fe.Msg
	}
	return nil, ""
}

// Channel is a notification channel of the organisation, as a rule
// action refers to it.
type Channel struct {
	ID, Name string
	// Kind is the channel's type: email, slack, teams, pagerduty, webhook.
	Kind    string
	Enabled bool
}

// findChannel resolves an action's "channel" as the notification router
// does (internal/notify route.go): a channel ID, else a channel name
// regardless of case.
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

// CheckChannels checks a parsed rule's actions (src is its source, for
// positions) against the organisation's notification channels, as the
// router will resolve them when the rule fires; without it a rule naming
// a channel that does not exist would be saved and its notifications
// silently lost. A named channel that is missing or of another type is an
// error at actions[i].config.channel. A disabled named channel, and an
// action that sends through every enabled channel of its type (no channel,
// no inline settings) when the organisation has none, are warnings: the
// rule is right, the organisation's channels are not there yet.
func CheckChannels(src []byte, r *Rule, channels []Channel) (errs, warnings Errors) {
	at := func(list *Errors, msg string, path ...any) {
		l, c := Position(src, path...)
		*list = append(*list, &Error{Line: l, Column: c, Msg: pathString(path) + ": " + msg, Path: pathString(path)})
	}
	for i, a := range r.Actions {
		kind := strings.ToLower(strings.TrimSpace(a.Type))
		if ref, ok := a.Config["channel"].(string); ok {
			c, found := findChannel(channels, ref)
			switch {
			case !found:
				at(&errs, fmt.Sprintf("the organisation has no notification channel %q (give a channel's ID or name: Settings → Notifications)", ref),
					"actions", i, "config", "channel")
			case c.Kind != kind:
				at(&errs, fmt.Sprintf("channel %q is of type %s, not %s: name a %s channel or change the action's type", c.Name, c.Kind, kind, kind),
					"actions", i, "config", "channel")
			case !c.Enabled:
				at(&warnings, fmt.Sprintf("channel %q is disabled: the action delivers nothing until it is enabled", c.Name),
					"actions", i, "config", "channel")
			}
			continue
		}
		inline := false
		for k := range a.Config {
			if !slices.Contains(actionKeys, k) {
				inline = true
			}
		}
		if inline || slices.ContainsFunc(channels, func(c Channel) bool { return c.Kind == kind && c.Enabled }) {
			continue
		}
		at(&warnings, fmt.Sprintf("the organisation has no enabled %s channel: the action, which sends through every enabled %s channel, delivers nothing until one is added (Settings → Notifications)", kind, kind),
			"actions", i)
	}
	return errs, warnings
}
