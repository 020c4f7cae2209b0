package normalize

import (
	"strconv"
	"strings"
	"time"
)

// Cisco ASA and FTD message bodies. The "%ASA-4-106023:" prefix is read
// by cisco (dataset cisco.asa, severity from the level digit); asa maps
// the text after it for the messages a SOC searches most: ACL denies and
// permits, connections built and torn down, VPN session ends, logins to
// the device and the commands run on it. The field names follow Elastic's
// Cisco ASA integration where ECS has none of its own: ASA interface names
// (nameif: outside, inside, dmz) are observer.ingress.interface.name for
// the side the traffic came in on and observer.egress.interface.name for
// the other, the addresses NAT maps them to source.nat.* and
// destination.nat.*, and the rest cisco.asa.*. A body that does not have
// the documented shape (another software version, a truncated line) is
// left as the message, with the fields every Cisco message gets.

var (
	tConnDenied  = []string{"connection", "denied"}
	tConnAllowed = []string{"connection", "allowed"}
	tConnEnd     = []string{"connection", "end"}
)

// asaPeer is one end of a connection as an ASA message writes it.
type asaPeer struct {
	iface, ip, port string
	natIP, natPort  string // the mapped address, when the message gives one
}

// asa maps the body msg of the ASA/FTD message with the numeric ID id.
func (st *state) asa(id, msg string) {
	switch id {
	case "106023":
		st.asa106023(msg)
	case "302013", "302015":
		st.asaBuilt(msg)
	case "302014", "302016":
		st.asaTeardown(msg)
	case "106001":
		st.asa106001(msg)
	case "106100":
		st.asa106100(msg)
	case "710003":
		st.asa710003(msg)
	case "113019":
		st.asa113019(msg)
	case "605004", "605005":
		st.asaLogin(id, msg)
	case "111008":
		st.asa111008(msg)
	}
}

// asaAddr reads "interface:IP/port" (the port is optional: ICMP has
// none). The interface name holds no colon, an IPv6 address several.
// asaPeers reads "FROM iface:addr/port [(mapped)] TO iface:addr/port" at
// the start of rest, and returns what follows.
func asaPeers(rest, from, to string) (src, dst asaPeer, after string, ok bool) {
	if rest, ok = strings.CutPrefix(rest, from); !ok {
		return
	}
	tok, rest, _ := nextToken(rest)
	if src, ok = asaAddr(tok); !ok {
		return
	}
	if rest, ok = strings.CutPrefix(skipParen(rest), to); !ok {
		return
	}
	tok, rest, _ = nextToken(rest)
	dst, ok = asaAddr(tok)
	return src, dst, rest, ok
}

func asaAddr(s string) (asaPeer, bool) {
	iface, rest, ok := strings.Cut(s, ":")
	if !ok || iface == "" {
		return asaPeer{}, false
	}
	p, ok := asaIPPort(rest, '/')
	p.iface = iface
	return p, ok
}

// asaIPPort reads "IP/port" or "IP" (sep '/'), or "IP(port)" (sep '(').
func asaIPPort(s string, sep byte) (asaPeer, bool) {
	ip, port := s, ""
	if sep == '(' {
		if i := strings.IndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
			ip, port = s[:i], s[i+1:len(s)-1]
		}
	} else if i := strings.LastIndexByte(s, sep); i >= 0 {
		ip, port = s[:i], s[i+1:]
	}
	ip, ok := cleanIP(ip)
	if !ok {
		return asaPeer{}, false
	}
	return asaPeer{ip: ip, port: port}, true
}

// asaPorts names the services ASA messages write by name instead of
// number (the to-the-box messages 605004, 605005, 710003).
var asaPorts = map[string]string{"ftp": "21", "ssh": "22", "telnet": "23", "www": "80", "http": "80", "https": "443", "domain": "53", "snmp": "161"}

// storePeers stores the source and destination of a connection, the
// interfaces they are on and their NAT addresses.
func (st *state) storePeers(src, dst asaPeer) {
	st.f["source.ip"] = src.ip
	st.setPort("source.port", src.port)
	st.f["destination.ip"] = dst.ip
	if p, ok := asaPorts[dst.port]; ok {
		st.setPort("destination.port", p)
	} else {
		st.setPort("destination.port", dst.port)
	}
	st.set("observer.ingress.interface.name", src.iface)
	st.set("observer.egress.interface.name", dst.iface)
	// A mapped address equal to the real one says nothing.
	if src.natIP != "" && (src.natIP != src.ip || src.natPort != src.port) {
		st.f["source.nat.ip"] = src.natIP
		st.setPort("source.nat.port", src.natPort)
	}
	if dst.natIP != "" && (dst.natIP != dst.ip || dst.natPort != dst.port) {
		st.f["destination.nat.ip"] = dst.natIP
		st.setPort("destination.nat.port", dst.natPort)
	}
}

// verdict stores a firewall decision: deny is a connection denied (the
// outcome failure, the severity the ASA gave it), permit one allowed.
func (st *state) verdict(permit bool) {
	if permit {
		st.f["event.action"] = "permit"
		st.f["event.outcome"] = "success"
		st.categorize(cNetwork, tConnAllowed)
		return
	}
	st.f["event.action"] = "deny"
	st.f["event.outcome"] = "failure"
	st.categorize(cNetwork, tConnDenied)
}

// unquote drops the double quotes around an ACL or user name.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// skipParen drops a leading parenthesised identity-firewall user or
// security group ("(LOCAL\alice) ", "(LOCAL\alice, 5:sg) ") from s.
func skipParen(s string) string {
	if !strings.HasPrefix(s, "(") {
		return s
	}
	if i := strings.IndexByte(s, ')'); i >= 0 {
		return strings.TrimLeft(s[i+1:], " ")
	}
	return s
}

// asa106023: "Deny tcp src outside:81.2.69.142/55555 dst
// inside:10.0.0.5/22 by access-group "outside_in" [0x0, 0x0]"; the
// protocol may be "protocol 47", an ICMP deny adds "(type 8, code 0)".
func (st *state) asa106023(msg string) {
	rest, ok := strings.CutPrefix(msg, "Deny ")
	if !ok {
		return
	}
	proto, rest, _ := nextToken(rest)
	if proto == "protocol" {
		proto, rest, _ = nextToken(rest)
	}
	src, dst, rest, ok := asaPeers(rest, "src ", "dst ")
	if !ok {
		return
	}
	st.storePeers(src, dst)
	st.transport(proto)
	if _, after, ok := strings.Cut(rest, "by access-group "); ok {
		acl, _, _ := nextToken(after)
		st.set("rule.name", unquote(acl))
	}
	st.verdict(false)
}

// asaBuilt: "Built inbound TCP connection 42 for outside:81.2.69.142/55555
// (81.2.69.142/55555) to inside:10.0.0.5/443 (203.0.113.5/443)". The
// "for" side is the outer one: it opened an inbound connection and
// answers an outbound one, so for outbound the two are swapped.
func (st *state) asaBuilt(msg string) {
	rest, ok := strings.CutPrefix(msg, "Built ")
	if !ok {
		return
	}
	dir, rest, _ := nextToken(rest)
	if dir != "inbound" && dir != "outbound" {
		return
	}
	proto, rest, _ := nextToken(rest)
	rest, ok = strings.CutPrefix(rest, "connection ")
	if !ok {
		return
	}
	id, rest, _ := nextToken(rest)
	rest, ok = strings.CutPrefix(rest, "for ")
	if !ok {
		return
	}
	outer, rest, ok1 := asaBuiltPeer(rest)
	rest, ok = strings.CutPrefix(skipParen(rest), "to ")
	if !ok || !ok1 {
		return
	}
	inner, rest, ok2 := asaBuiltPeer(rest)
	if !ok2 {
		return
	}
	if dir == "inbound" {
		st.storePeers(outer, inner)
	} else {
		st.storePeers(inner, outer)
	}
	st.f["network.direction"] = dir
	st.transport(proto)
	st.set("cisco.asa.connection_id", id)
	st.asaUser(rest)
	st.f["event.action"] = "built-connection"
	st.f["event.outcome"] = "success"
	st.categorize(cNetwork, tConn)
}

// asaBuiltPeer reads "interface:IP/port (mappedIP/mappedPort) " and an
// identity-firewall user after it.
func asaBuiltPeer(s string) (asaPeer, string, bool) {
	tok, rest, _ := nextToken(s)
	p, ok := asaAddr(tok)
	if !ok {
		return p, s, false
	}
	if strings.HasPrefix(rest, "(") {
		if i := strings.IndexByte(rest, ')'); i > 0 {
			if m, ok := asaIPPort(rest[1:i], '/'); ok {
				p.natIP, p.natPort = m.ip, m.port
				rest = strings.TrimLeft(rest[i+1:], " ")
			}
		}
	}
	return p, rest, true
}

// asaUser stores the user written last in parentheses, "(alice)": the
// one the ASA authenticated, or else the identity firewall's.
func (st *state) asaUser(rest string) {
	rest = strings.TrimSpace(rest)
	if i := strings.LastIndexByte(rest, '('); i >= 0 && strings.HasSuffix(rest, ")") {
		st.set("user.name", rest[i+1:len(rest)-1])
	}
}

// asaTeardown: "Teardown TCP connection 42 for outside:81.2.69.142/55555
// to inside:10.0.0.5/443 duration 0:01:02 bytes 12345 TCP FINs from
// outside". The message does not say which side opened the connection:
// the first is the source, as in Elastic's integration.
func (st *state) asaTeardown(msg string) {
	rest, ok := strings.CutPrefix(msg, "Teardown ")
	if !ok {
		return
	}
	proto, rest, _ := nextToken(rest)
	rest, ok = strings.CutPrefix(rest, "connection ")
	if !ok {
		return
	}
	id, rest, _ := nextToken(rest)
	src, dst, rest, ok := asaPeers(rest, "for ", "to ")
	if !ok {
		return
	}
	st.storePeers(src, dst)
	st.transport(proto)
	st.set("cisco.asa.connection_id", id)
	rest = skipParen(rest)
	if after, ok := strings.CutPrefix(rest, "duration "); ok {
		var tok string
		tok, after, _ = nextToken(after)
		if ns, ok := asaDuration(tok); ok {
			st.setInt("event.duration", ns)
		}
		rest = after
	}
	if after, ok := strings.CutPrefix(rest, "bytes "); ok {
		var tok string
		tok, after, _ = nextToken(after)
		st.setIntStr("network.bytes", tok)
		rest = after
	}
	// The reason ("TCP FINs", "TCP Reset-O from outside") and the user,
	// "(alice)", last.
	if i := strings.LastIndexByte(rest, '('); i >= 0 && strings.HasSuffix(rest, ")") {
		st.asaUser(rest[i:])
		rest = rest[:i]
	}
	st.set("event.reason", strings.TrimSpace(rest))
	st.f["event.action"] = "teardown-connection"
	st.categorize(cNetwork, tConnEnd)
}

// asaDuration reads "H:MM:SS" (hours may pass 24) and "0h:05m:23s" or
// "1d 2h:03m:04s" (113019) into nanoseconds.
func asaDuration(s string) (int64, bool) {
	var total int64
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ' ' })
	if len(parts) == 0 {
		return 0, false
	}
	for i, p := range parts {
		unit := time.Duration(0)
		switch p[len(p)-1] {
		case 'd':
			unit = 24 * time.Hour
		case 'h':
			unit = time.Hour
		case 'm':
			unit = time.Minute
		case 's':
			unit = time.Second
		}
		if unit != 0 {
			p = p[:len(p)-1]
		} else {
			// H:MM:SS: the position says the unit.
			switch len(parts) - i {
			case 1:
				unit = time.Second
			case 2:
				unit = time.Minute
			case 3:
				unit = time.Hour
			default:
				return 0, false
			}
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 || n > 1<<31 {
			return 0, false
		}
		total += n * int64(unit)
	}
	return total, true
}

// asa106001: "Inbound TCP connection denied from 81.2.69.142/55555 to
// 10.0.0.5/22 flags SYN on interface outside".
func (st *state) asa106001(msg string) {
	rest, ok := strings.CutPrefix(msg, "Inbound ")
	if !ok {
		return
	}
	proto, rest, _ := nextToken(rest)
	rest, ok = strings.CutPrefix(rest, "connection denied from ")
	if !ok {
		return
	}
	tok, rest, _ := nextToken(rest)
	src, ok1 := asaIPPort(tok, '/')
	rest, ok = strings.CutPrefix(rest, "to ")
	if !ok || !ok1 {
		return
	}
	tok, rest, _ = nextToken(rest)
	dst, ok2 := asaIPPort(tok, '/')
	if !ok2 {
		return
	}
	if flags, iface, ok := strings.Cut(rest, " on interface "); ok {
		src.iface = strings.TrimSpace(iface)
		if f, ok := strings.CutPrefix(flags, "flags "); ok {
			st.set("cisco.asa.tcp_flags", strings.TrimSpace(f))
		}
	}
	st.storePeers(src, dst)
	st.transport(proto)
	st.verdict(false)
}

// asa106100: "access-list outside_in denied tcp
// outside/81.2.69.142(55555) -> inside/10.0.0.5(22) hit-cnt 1 first hit
// [0x7a6ae9f1, 0x0]"; the verdict is permitted, denied or est-allowed.
func (st *state) asa106100(msg string) {
	rest, ok := strings.CutPrefix(msg, "access-list ")
	if !ok {
		return
	}
	acl, rest, _ := nextToken(rest)
	verdict, rest, _ := nextToken(rest)
	if verdict != "permitted" && verdict != "denied" && verdict != "est-allowed" {
		return
	}
	proto, rest, _ := nextToken(rest)
	tok, rest, _ := nextToken(rest)
	src, ok1 := asaSlashAddr(tok)
	rest, ok = strings.CutPrefix(skipParen(rest), "-> ")
	if !ok || !ok1 {
		return
	}
	tok, rest, _ = nextToken(rest)
	dst, ok2 := asaSlashAddr(tok)
	if !ok2 {
		return
	}
	if proto == "icmp" || proto == "icmp6" {
		// The parentheses hold the ICMP type and code, not ports.
		src.port, dst.port = "", ""
	}
	st.storePeers(src, dst)
	st.transport(proto)
	st.set("rule.name", acl)
	if _, after, ok := strings.Cut(rest, "hit-cnt "); ok {
		n, _, _ := nextToken(after)
		st.setIntStr("cisco.asa.hit_count", n)
	}
	st.verdict(verdict != "denied")
}

// asaSlashAddr reads 106100's "interface/IP(port)".
func asaSlashAddr(s string) (asaPeer, bool) {
	iface, rest, ok := strings.Cut(s, "/")
	if !ok || iface == "" {
		return asaPeer{}, false
	}
	p, ok := asaIPPort(rest, '(')
	p.iface = iface
	return p, ok
}

// asa710003: "TCP access denied by ACL from 81.2.69.142/55555 to
// outside:10.0.0.1/22": traffic to the device itself, refused on the
// interface it came in on.
func (st *state) asa710003(msg string) {
	proto, rest, _ := nextToken(msg)
	rest, ok := strings.CutPrefix(rest, "access denied by ACL from ")
	if !ok {
		return
	}
	tok, rest, _ := nextToken(rest)
	src, ok1 := asaIPPort(tok, '/')
	rest, ok = strings.CutPrefix(rest, "to ")
	if !ok || !ok1 {
		return
	}
	tok, _, _ = nextToken(rest)
	dst, ok2 := asaAddr(tok)
	if !ok2 {
		return
	}
	src.iface, dst.iface = dst.iface, ""
	st.storePeers(src, dst)
	st.transport(proto)
	st.verdict(false)
}

// asa113019: "Group = vpn-users, Username = alice, IP = 81.2.69.142,
// Session disconnected. Session Type: AnyConnect-Parent, Duration:
// 0h:05m:23s, Bytes xmt: 12345, Bytes rcv: 6789, Reason: User Requested".
func (st *state) asa113019(msg string) {
	head, tail, ok := strings.Cut(msg, "Session disconnected.")
	if !ok {
		return
	}
	for _, kv := range strings.Split(head, ",") {
		k, v, ok := strings.Cut(kv, " = ")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Group":
			st.set("cisco.asa.tunnel_group", v)
		case "Username":
			st.set("user.name", v)
		case "IP":
			st.setIP("source.ip", v)
		}
	}
	var bytes int64
	for _, kv := range strings.Split(tail, ",") {
		k, v, ok := strings.Cut(kv, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Session Type":
			st.set("cisco.asa.session_type", v)
		case "Duration":
			if ns, ok := asaDuration(v); ok {
				st.setInt("event.duration", ns)
			}
		case "Bytes xmt", "Bytes rcv":
			if n, ok := parseInt(v); ok && n >= 0 {
				bytes += n
				st.f["network.bytes"] = bytes
			}
		case "Reason":
			st.set("event.reason", v)
		}
	}
	st.f["event.action"] = "vpn-session-disconnected"
	st.categorize(catSession, typEnd)
}

// asaLogin: 605004 "Login denied from 81.2.69.142/55555 to
// outside:10.0.0.1/ssh for user "admin"", 605005 "Login permitted from
// ...". A console login comes "from serial to console".
func (st *state) asaLogin(id, msg string) {
	permitted := id == "605005"
	prefix := "Login denied from "
	if permitted {
		prefix = "Login permitted from "
	}
	rest, ok := strings.CutPrefix(msg, prefix)
	if !ok {
		return
	}
	from, rest, _ := nextToken(rest)
	rest, ok = strings.CutPrefix(rest, "to ")
	if !ok {
		return
	}
	to, rest, _ := nextToken(rest)
	if user, ok := strings.CutPrefix(rest, "for user "); ok {
		st.set("user.name", unquote(strings.TrimSpace(user)))
	}
	src, ok1 := asaIPPort(from, '/')
	dst, ok2 := asaAddr(to)
	if ok1 && ok2 {
		if _, isPort := parseInt(dst.port); !isPort && dst.port != "" {
			st.set("network.protocol", strings.ToLower(dst.port))
		}
		src.iface, dst.iface = dst.iface, ""
		st.storePeers(src, dst)
	}
	if permitted {
		st.f["event.action"] = "login-permitted"
	} else {
		st.f["event.action"] = "login-denied"
	}
	st.categorize(catAuth, typStart)
	st.outcomeOf(permitted)
}

// asa111008: "User 'enable_15' executed the 'configure terminal'
// command." (every command but show).
func (st *state) asa111008(msg string) {
	rest, ok := strings.CutPrefix(msg, "User '")
	if !ok {
		return
	}
	user, rest, ok := strings.Cut(rest, "' executed the '")
	if !ok {
		return
	}
	i := strings.LastIndex(rest, "' command")
	if i < 0 {
		return
	}
	st.set("user.name", user)
	st.set("cisco.asa.command_line", rest[:i])
	st.f["event.action"] = "command-executed"
	st.categorize(cConfig, tChange)
}
