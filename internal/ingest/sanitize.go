package ingest

import (
	"strings"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/event"
)

// RepairText returns s with every byte that is not part of valid UTF-8
// written as a \xNN escape, and whether it changed anything. The event
// store's text columns silently store an empty value for invalid UTF-8;
// binary garbage that reaches the pipeline without going through the
// normalizer (which replaces it with U+FFFD) is kept this way instead,
// readable and searchable. (NUL bytes are valid and stored as they are.)
func RepairText(s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, false
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
			i++
			continue
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String(), true
}

// sanitizeEvent repairs the event's text in place; it reports whether
// anything had to change.
func sanitizeEvent(ev *event.Event) bool {
	changed := false
	var ok bool
	if ev.Raw, ok = RepairText(ev.Raw); ok {
		changed = true
	}
	if ev.ID, ok = RepairText(ev.ID); ok {
		changed = true
	}
	var renamed map[string]any
	for k, v := range ev.Fields {
		switch x := v.(type) {
		case string:
			if s, ok := RepairText(x); ok {
				ev.Fields[k] = s
				changed = true
			}
		case []string:
			for i, e := range x {
				if s, ok := RepairText(e); ok {
					x[i] = s
					changed = true
				}
			}
		}
		if nk, ok := RepairText(k); ok {
			if renamed == nil {
				renamed = map[string]any{}
			}
			renamed[nk] = ev.Fields[k]
			delete(ev.Fields, k)
			changed = true
		}
	}
	for k, v := range renamed {
		ev.Fields[k] = v
	}
	return changed
}
