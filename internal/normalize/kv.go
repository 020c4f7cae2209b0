package normalize

import (
	"strings"
)

// isKeyStart and isKeyChar define a key of key=value text: a letter or
// '_' then letters, digits, '_', '.', '-', at most 64 characters.
func isKeyStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isKeyChar(c byte) bool {
	return isKeyStart(c) || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// keyAt returns the end of a key starting at i and followed by '=', or -1.
func keyAt(s string, i int) int {
	if i >= len(s) || !isKeyStart(s[i]) {
		return -1
	}
	j := i + 1
	for j < len(s) && j-i <= 64 && isKeyChar(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '=' && j-i <= 64 {
		return j
	}
	return -1
}

// kvTextKeys hold free text, which senders often write unquoted.
var kvTextKeys = map[string]bool{
	"msg": true, "message": true, "reason": true, "desc": true, "description": true,
	"text": true, "error": true, "err": true, "detail": true, "details": true, "comment": true,
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// kvPairsFunc scans key=value pairs in s and calls fn for each. Values are
// "double" or 'single' quoted (with \" escapes), or bare: a bare value
// ends at whitespace, and words that are not key= are skipped, except
// that the value of a text key (kvTextKeys) runs until the whitespace
// before the next key=, so that "msg=disk full user=bob" gives msg "disk
// full". It returns the number of pairs and the text before the first
// one.
func (st *state) kvPairsFunc(s string, fn func(k, v string)) (int, string) {
	n := 0
	prefix := ""
	i := 0
	// Find the first key: at the start or after whitespace.
	for i < len(s) {
		if (i == 0 || isSpace(s[i-1]) || s[i-1] == ',' || s[i-1] == ';') && keyAt(s, i) > 0 {
			break
		}
		i++
	}
	if i >= len(s) {
		return 0, s
	}
	prefix = strings.TrimSpace(s[:i])
	for i < len(s) {
		ke := keyAt(s, i)
		if ke < 0 {
			break
		}
		key := s[i:ke]
		i = ke + 1
		var val string
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			j := i + 1
			escaped := false
			for j < len(s) && s[j] != q {
				if s[j] == '\\' && j+1 < len(s) {
					escaped = true
					j++
				}
				j++
			}
			val = s[i+1 : min(j, len(s))]
			if escaped {
				val = unescapeQuoted(val)
			}
			i = j + 1
			// Skip to the next key.
			for i < len(s) && (isSpace(s[i]) || s[i] == ',' || s[i] == ';') {
				i++
			}
			if i < len(s) && keyAt(s, i) < 0 {
				// Text after the quoted value that is not a key: the rest
				// is no longer key=value.
				fn(key, val)
				n++
				return n, prefix
			}
		} else {
			j := i
			for j < len(s) && !isSpace(s[j]) {
				j++
			}
			// Words up to the next key belong to no value (iptables'
			// flags "DF", "SYN"; "src=81.2.69.142 H5U3" keeps its
			// address), except after a key that holds text: "msg=disk
			// is full user=bob" is a message of three words.
			text := kvTextKeys[key]
			next := len(s)
			for k := j; k < len(s); {
				for k < len(s) && isSpace(s[k]) {
					k++
				}
				if k < len(s) && keyAt(s, k) > 0 {
					next = k
					break
				}
				for k < len(s) && !isSpace(s[k]) {
					k++
				}
				if text {
					j = k
				}
			}
			val = s[i:j]
			// "a=1, b=2": the separator belongs to no value.
			if next < len(s) || j == len(s) {
				val = strings.TrimRight(val, ",;")
			}
			i = next
		}
		fn(key, val)
		n++
	}
	return n, prefix
}

func unescapeQuoted(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
				continue
			case 't':
				b.WriteByte('\t')
				continue
			case 'r':
				b.WriteByte('\r')
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// kvPairs stores the key=value pairs of s when there are at least
// minPairs: each under its own key (unless already set), then common
// names mapped to ECS. dataset says whether to claim event.dataset "kv".
func (st *state) kvPairs(s string, minPairs int, dataset bool) bool {
	type pair struct{ k, v string }
	var buf [32]pair
	pairs := buf[:0]
	n, prefix := st.kvPairsFunc(s, func(k, v string) {
		// No more is kept than fits in one event.
		if len(pairs) < MaxFields {
			pairs = append(pairs, pair{k, v})
		}
	})
	if n < minPairs {
		return false
	}
	if n > len(pairs) {
		st.truncatedTag()
	}
	for _, p := range pairs {
		if len(st.f) >= MaxFields {
			st.truncatedTag()
			break
		}
		if _, set := st.f[p.k]; set || p.v == "" {
			continue
		}
		st.put(p.k, p.v, true)
	}
	if dataset {
		st.f["event.dataset"] = "kv"
		if prefix != "" {
			st.setMessage(prefix)
		}
	}
	st.kvTime()
	st.aliases()
	st.coerce()
	return true
}

// kvLine parses a whole line of key=value pairs.
func (st *state) kvLine(s string, minPairs int) bool {
	s = strings.TrimRight(s, "\r\n")
	if !st.kvPairs(s, minPairs, true) {
		return false
	}
	if _, ok := st.f["message"]; !ok {
		st.setMessage(s)
	}
	return true
}

// kvTime reads the event time from the configured keys, or from
// FortiGate-style date= and time= pairs.
func (st *state) kvTime() {
	if st.tsSet {
		return
	}
	// FortiGate and others split the time: date=2024-03-01 time=12:00:00.
	d, ok1 := st.f["date"].(string)
	tm, ok2 := st.f["time"].(string)
	if ok1 && ok2 {
		if t, ok := st.n.timeString(d+" "+tm, st.received, st.loc); ok {
			st.setTime(t, "date and time")
			return
		}
	}
	for _, k := range st.n.tsFields {
		if v, ok := st.f[k].(string); ok {
			if t, ok := st.n.timeString(v, st.received, st.loc); ok {
				st.setTime(t, k)
				return
			}
		}
	}
}
