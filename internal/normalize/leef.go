package normalize

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var errLEEF = errors.New("invalid LEEF")

// leefKeys maps IBM QRadar LEEF predefined attributes to ECS. Every
// attribute is also kept under leef.attributes.<key>.
var leefKeys = map[string]cefKey{
	"src":            {"source.ip", aIP},
	"dst":            {"destination.ip", aIP},
	"srcPort":        {"source.port", aPort},
	"dstPort":        {"destination.port", aPort},
	"srcPreNAT":      {"source.ip", aIP},
	"dstPreNAT":      {"destination.ip", aIP},
	"srcPostNAT":     {"source.nat.ip", aIP},
	"dstPostNAT":     {"destination.nat.ip", aIP},
	"srcPostNATPort": {"source.nat.port", aPort},
	"dstPostNATPort": {"destination.nat.port", aPort},
	"srcMAC":         {"source.mac", aMAC},
	"dstMAC":         {"destination.mac", aMAC},
	"usrName":        {"user.name", aStr},
	"accountName":    {"user.name", aStr},
	"identUsrName":   {"user.name", aStr},
	"domain":         {"user.domain", aStr},
	"identHostName":  {"host.name", aStr},
	"identSrc":       {"host.ip", aIP},
	"identMAC":       {"host.mac", aMAC},
	"identGrpName":   {"group.name", aStr},
	"proto":          {"network.transport", aTransport},
	"srcBytes":       {"source.bytes", aInt},
	"dstBytes":       {"destination.bytes", aInt},
	"srcPackets":     {"source.packets", aInt},
	"dstPackets":     {"destination.packets", aInt},
	"totalPackets":   {"network.packets", aInt},
	"url":            {"url.original", aURL},
	"policy":         {"rule.name", aStr},
	"resource":       {"leef.resource", aStr},
	"role":           {"user.roles", aStr},
	"action":         {"event.action", aStr},
	"act":            {"event.action", aStr},
	"msg":            {"message", aMessage},
	"message":        {"message", aMessage},
	"vSrc":           {"source.ip", aIP},
	"vSrcName":       {"source.domain", aStr},
	"cat":            {"leef.category", aStr},
	"outcome":        {"event.outcome", aOutcome},
	"result":         {"event.outcome", aOutcome},
}

// leef parses LEEF 1.0 "LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v"
// and 2.0, which adds a delimiter field ("^", "0x5E", "x5E") before the
// attributes.
func (st *state) leef(s string) error {
	if !strings.HasPrefix(s, "LEEF:") {
		return fmt.Errorf("cannot parse LEEF: %w: no LEEF: prefix", errLEEF)
	}
	s = strings.TrimRight(s[5:], "\r\n")
	var hdr [5]string
	rest := s
	for n := 0; n < 5; n++ {
		i := strings.IndexByte(rest, '|')
		if i < 0 {
			if n == 4 {
				// No attributes at all.
				hdr[4], rest = rest, ""
				break
			}
			return fmt.Errorf("cannot parse LEEF header: %w: %d of 5 fields (truncated?)", errLEEF, n)
		}
		hdr[n] = rest[:i]
		rest = rest[i+1:]
	}
	version := strings.TrimSpace(hdr[0])
	if version == "" || !isDigits(strings.ReplaceAll(version, ".", "")) {
		return fmt.Errorf("cannot parse LEEF header: %w: version %q", errLEEF, version)
	}
	delim := "\t"
	if strings.HasPrefix(version, "2") {
		if i := strings.IndexByte(rest, '|'); i >= 0 {
			if d, ok := leefDelimiter(rest[:i]); ok {
				delim = d
				rest = rest[i+1:]
			}
		}
	}
	f := st.f
	f["event.dataset"] = "leef"
	f["event.module"] = "leef"
	f["leef.version"] = version
	st.set("observer.vendor", strings.TrimSpace(hdr[1]))
	st.set("observer.product", strings.TrimSpace(hdr[2]))
	st.set("observer.version", strings.TrimSpace(hdr[3]))
	st.set("event.code", strings.TrimSpace(hdr[4]))
	if strings.HasPrefix(f.Str("message"), "LEEF:") {
		delete(f, "message")
	}

	type pair struct{ k, v string }
	var buf [32]pair
	pairs := buf[:0]
	if delim == "\t" && strings.IndexByte(rest, '\t') < 0 && strings.Count(rest, "=") > 1 {
		// A LEEF 1.0 sender that used spaces instead of tabs: split as
		// CEF extensions are.
		st.kvPairsFunc(rest, func(k, v string) {
			if len(pairs) < MaxFields {
				pairs = append(pairs, pair{k, v})
			}
		})
	} else {
		for rest != "" {
			var item string
			if i := strings.Index(rest, delim); i >= 0 {
				item, rest = rest[:i], rest[i+len(delim):]
			} else {
				item, rest = rest, ""
			}
			eq := strings.IndexByte(item, '=')
			if eq <= 0 {
				continue
			}
			if len(pairs) >= MaxFields {
				st.truncatedTag()
				break
			}
			pairs = append(pairs, pair{strings.TrimSpace(item[:eq]), item[eq+1:]})
		}
	}
	var devTime, devTimeFormat string
	for _, p := range pairs {
		if len(f) >= MaxFields {
			st.truncatedTag()
			break
		}
		if p.v == "" {
			continue
		}
		f["leef.attributes."+p.k] = p.v
		switch p.k {
		case "devTime":
			devTime = p.v
			continue
		case "devTimeFormat":
			devTimeFormat = p.v
			continue
		case "sev":
			if n, err := strconv.Atoi(strings.TrimSpace(p.v)); err == nil {
				sev, _ := cefSeverity(strconv.Itoa(n))
				st.setSeverity(sev)
			}
			continue
		}
		if m, ok := leefKeys[p.k]; ok {
			if _, set := f[m.field]; set && m.kind != aURL {
				continue
			}
			st.mapValue(m.field, m.kind, p.v)
		}
	}
	if _, ok := f["event.action"]; !ok {
		st.set("event.action", strings.TrimSpace(hdr[4]))
	}
	if devTime != "" {
		if t, ok := st.leefTime(devTime, devTimeFormat); ok {
			st.setTime(t, "devTime")
		}
	}
	return nil
}

// leefDelimiter reads LEEF 2.0's delimiter field: one character, or its
// code as "0x5E" / "x5E" / "\x5E".
func leefDelimiter(s string) (string, bool) {
	switch {
	case len(s) == 1:
		return s, true
	case s == `\t`:
		return "\t", true
	}
	h := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(s, `\`), "0"), "x")
	if len(h) == len(s) || len(h) == 0 || len(h) > 4 {
		return "", false
	}
	n, err := strconv.ParseUint(h, 16, 32)
	if err != nil || n == 0 || n > 0x10FFFF {
		return "", false
	}
	return string(rune(n)), true
}

// leefTime reads devTime with devTimeFormat, a Java SimpleDateFormat
// pattern; without one, epoch milliseconds or the CEF forms.
func (st *state) leefTime(v, format string) (time.Time, bool) {
	if format != "" {
		if layout, ok := javaLayout(format); ok {
			if t, err := time.ParseInLocation(layout, v, st.loc); err == nil {
				if t.Year() == 0 {
					t = withYear(t, st.received)
				}
				return t, true
			}
		}
	}
	return st.deviceTime(v)
}

// javaLayout converts a Java SimpleDateFormat pattern ("MMM dd yyyy
// HH:mm:ss.SSS zzz") to a Go layout.
func javaLayout(p string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(p); {
		c := p[i]
		if c == '\'' {
			j := strings.IndexByte(p[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			b.WriteString(p[i+1 : i+1+j])
			i += j + 2
			continue
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			b.WriteByte(c)
			i++
			continue
		}
		j := i
		for j < len(p) && p[j] == c {
			j++
		}
		n := j - i
		i = j
		switch c {
		case 'y':
			if n == 2 {
				b.WriteString("06")
			} else {
				b.WriteString("2006")
			}
		case 'M':
			switch {
			case n >= 4:
				b.WriteString("January")
			case n == 3:
				b.WriteString("Jan")
			case n == 2:
				b.WriteString("01")
			default:
				b.WriteString("1")
			}
		case 'd':
			if n >= 2 {
				b.WriteString("02")
			} else {
				b.WriteString("2")
			}
		case 'H':
			b.WriteString("15")
		case 'h':
			if n >= 2 {
				b.WriteString("03")
			} else {
				b.WriteString("3")
			}
		case 'm':
			if n >= 2 {
				b.WriteString("04")
			} else {
				b.WriteString("4")
			}
		case 's':
			if n >= 2 {
				b.WriteString("05")
			} else {
				b.WriteString("5")
			}
		case 'S':
			b.WriteString(strings.Repeat("0", n))
		case 'a':
			b.WriteString("PM")
		case 'E':
			if n >= 4 {
				b.WriteString("Monday")
			} else {
				b.WriteString("Mon")
			}
		case 'z':
			b.WriteString("MST")
		case 'Z':
			b.WriteString("-0700")
		case 'X':
			switch n {
			case 1:
				b.WriteString("Z07")
			case 2:
				b.WriteString("Z0700")
			default:
				b.WriteString("Z07:00")
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}
