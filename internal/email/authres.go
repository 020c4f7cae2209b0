package email

import "strings"

// parseAuth reads Authentication-Results (RFC 8601) and Received-SPF
// headers, topmost first, and summarises the topmost A-R header.
func parseAuth(authResults, receivedSPF []string) Auth {
	a := Auth{Headers: []AuthResults{}}
	for _, v := range authResults {
		a.Headers = append(a.Headers, parseAuthResults(v))
	}
	if len(receivedSPF) > 0 {
		r := parseReceivedSPF(receivedSPF[0])
		a.ReceivedSPF = &r
	}
	if len(a.Headers) > 0 {
		top := a.Headers[0]
		for _, r := range top.Results {
			switch r.Method {
			case "spf":
				if a.SPF == "" {
					a.SPF = r.Result
				}
			case "dmarc":
				if a.DMARC == "" {
					a.DMARC = r.Result
				}
			case "dkim":
				// One passing signature is enough; otherwise the first
				// result stands.
				if a.DKIM == "" || r.Result == "pass" {
					a.DKIM = r.Result
				}
			}
		}
	}
	if a.SPF == "" && a.ReceivedSPF != nil {
		a.SPF = a.ReceivedSPF.Result
	}
	return a
}

// parseAuthResults reads one Authentication-Results value:
// "authserv-id [version]; method=result reason=... ptype.prop=value; ...".
func parseAuthResults(v string) AuthResults {
	out := AuthResults{Results: []AuthResult{}}
	segs := splitOutsideQuotes(stripComments(v), ';')
	if len(segs) == 0 {
		return out
	}
	if f := strings.Fields(segs[0]); len(f) > 0 {
		out.AuthServID = f[0]
	}
	for _, seg := range segs[1:] {
		toks := fieldsOutsideQuotes(seg)
		if len(toks) == 0 {
			continue
		}
		k, val, ok := strings.Cut(toks[0], "=")
		if !ok {
			continue // "none": no results
		}
		method, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(k)), "/")
		r := AuthResult{Method: method, Result: strings.ToLower(unquote(val))}
		for _, t := range toks[1:] {
			pk, pv, ok := strings.Cut(t, "=")
			if !ok {
				continue
			}
			pk = strings.ToLower(pk)
			if pk == "reason" {
				r.Reason = unquote(pv)
				continue
			}
			if r.Props == nil {
				r.Props = map[string]string{}
			}
			r.Props[pk] = unquote(pv)
		}
		out.Results = append(out.Results, r)
	}
	return out
}

// parseReceivedSPF reads "result (comment) key=value; key=value".
func parseReceivedSPF(v string) ReceivedSPF {
	r := ReceivedSPF{Raw: v}
	s := stripComments(v)
	f := strings.Fields(s)
	if len(f) == 0 {
		return r
	}
	r.Result = strings.ToLower(f[0])
	rest := strings.TrimSpace(s[len(f[0]):])
	for _, seg := range splitOutsideQuotes(rest, ';') {
		for _, t := range fieldsOutsideQuotes(seg) {
			k, val, ok := strings.Cut(t, "=")
			if !ok {
				continue
			}
			if r.Props == nil {
				r.Props = map[string]string{}
			}
			r.Props[strings.ToLower(k)] = unquote(val)
		}
	}
	return r
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return s
}

// splitOutsideQuotes splits s at sep where sep is not inside quotes.
func splitOutsideQuotes(s string, sep byte) []string {
	var out []string
	inQuote := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && inQuote:
			i++
		case s[i] == '"':
			inQuote = !inQuote
		case s[i] == sep && !inQuote:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	out = append(out, strings.TrimSpace(s[start:]))
	return out
}

// fieldsOutsideQuotes splits s at white space outside quotes, and joins
// "key = value" written with spaces around the equals sign.
func fieldsOutsideQuotes(s string) []string {
	var out []string
	var b strings.Builder
	inQuote := false
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			inQuote = !inQuote
			b.WriteByte(c)
		case (c == ' ' || c == '\t') && !inQuote:
			flush()
		default:
			b.WriteByte(c)
		}
	}
	flush()
	// Re-join "a = b" and "a= b" and "a =b".
	var joined []string
	for i := 0; i < len(out); i++ {
		t := out[i]
		switch {
		case t == "=" && len(joined) > 0 && i+1 < len(out):
			joined[len(joined)-1] += "=" + out[i+1]
			i++
		case strings.HasSuffix(t, "=") && strings.Count(t, "=") == 1 && i+1 < len(out) && !strings.Contains(out[i+1], "="):
			joined = append(joined, t+out[i+1])
			i++
		case strings.HasPrefix(t, "=") && len(joined) > 0:
			joined[len(joined)-1] += t
		default:
			joined = append(joined, t)
		}
	}
	return joined
}
