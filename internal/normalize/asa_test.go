package normalize

import (
	"testing"

	"github.com/eventsec/eventsec/internal/event"
)

// asaSeeds are ASA and FTD messages as the devices send them (syslog
// header with "logging timestamp" and "logging device-id hostname").
var asaSeeds = []string{
	`<164>Feb 29 2024 10:00:00 fw01 : %ASA-4-106023: Deny tcp src outside:81.2.69.142/55555 dst inside:10.0.0.5/22 by access-group "outside_in" [0x0, 0x0]`,
	`<166>Feb 29 2024 10:00:00 fw01 : %ASA-6-302013: Built inbound TCP connection 4812 for outside:81.2.69.142/55555 (81.2.69.142/55555) to inside:10.0.0.5/443 (203.0.113.5/443)`,
	`<166>Feb 29 2024 10:01:02 fw01 : %ASA-6-302014: Teardown TCP connection 4812 for outside:81.2.69.142/55555 to inside:10.0.0.5/443 duration 0:01:02 bytes 12345 TCP FINs from outside`,
	`<166>Feb 29 2024 10:00:00 fw01 : %ASA-6-106100: access-list outside_in denied tcp outside/81.2.69.142(55555) -> inside/10.0.0.5(22) hit-cnt 1 first hit [0x7a6ae9f1, 0x0]`,
	`<164>Feb 29 2024 10:00:00 fw01 : %ASA-4-113019: Group = vpn-users, Username = alice, IP = 81.2.69.142, Session disconnected. Session Type: AnyConnect-Parent, Duration: 0h:05m:23s, Bytes xmt: 12345, Bytes rcv: 6789, Reason: User Requested`,
	`<166>Feb 29 2024 10:00:00 fw01 : %ASA-6-605004: Login denied from 81.2.69.142/55555 to outside:203.0.113.5/ssh for user "admin"`,
}

func TestCiscoASA(t *testing.T) {
	hdr := func(pri, id, body string) string {
		return "<" + pri + ">Feb 29 2024 10:00:00 fw01 : %" + id + ": " + body
	}
	runSamples(t, []sample{
		{
			name: "106023 ACL deny",
			raw:  hdr("164", "ASA-4-106023", `Deny tcp src outside:81.2.69.142/55555 dst inside:10.0.0.5/22 by access-group "outside_in" [0x0, 0x0]`),
			want: map[string]any{
				"event.dataset": "cisco.asa", "event.code": "ASA-4-106023", "cisco.mnemonic": "106023",
				"observer.vendor": "Cisco", "observer.product": "ASA", "observer.type": "firewall", "host.name": "fw01",
				"source.ip": "81.2.69.142", "source.port": int64(55555), "destination.ip": "10.0.0.5", "destination.port": int64(22),
				"network.transport": "tcp", "observer.ingress.interface.name": "outside", "observer.egress.interface.name": "inside",
				"rule.name": "outside_in", "event.action": "deny", "event.outcome": "failure",
				"event.category": []string{"network"}, "event.type": []string{"connection", "denied"},
				// The level digit, 4 (warning), is the severity.
				"log.level": "warning", "event.severity": int64(event.SeverityLow),
				"message": `Deny tcp src outside:81.2.69.142/55555 dst inside:10.0.0.5/22 by access-group "outside_in" [0x0, 0x0]`,
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "106023 ICMP has no ports",
			raw:  hdr("164", "ASA-4-106023", `Deny icmp src outside:81.2.69.142 dst inside:10.0.0.5 (type 8, code 0) by access-group "outside_in" [0x0, 0x0]`),
			want: map[string]any{"source.ip": "81.2.69.142", "source.port": nil, "destination.ip": "10.0.0.5", "destination.port": nil,
				"network.transport": "icmp", "rule.name": "outside_in", "event.action": "deny"},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "106023 IP protocol number, IPv6, identity-firewall user",
			raw:  hdr("164", "ASA-4-106023", `Deny protocol 47 src outside:2001:db8::7 (LOCAL\mallory) dst inside:2001:db8:1::5 by access-group "v6_in" [0x0, 0x0]`),
			want: map[string]any{"source.ip": "2001:db8::7", "destination.ip": "2001:db8:1::5", "network.transport": "gre", "rule.name": "v6_in"},
			ts:   "2024-02-29T10:00:00Z",
		},
		{
			name: "302013 inbound: the outer side opened it; NAT addresses kept where they differ",
			raw:  hdr("166", "ASA-6-302013", "Built inbound TCP connection 4812 for outside:81.2.69.142/55555 (81.2.69.142/55555) to inside:10.0.0.5/443 (203.0.113.5/443)"),
			want: map[string]any{
				"source.ip": "81.2.69.142", "source.port": int64(55555), "source.nat.ip": nil,
				"destination.ip": "10.0.0.5", "destination.port": int64(443), "destination.nat.ip": "203.0.113.5", "destination.nat.port": int64(443),
				"observer.ingress.interface.name": "outside", "observer.egress.interface.name": "inside",
				"network.direction": "inbound", "network.transport": "tcp", "cisco.asa.connection_id": "4812",
				"event.action": "built-connection", "event.outcome": "success",
				"event.category": []string{"network"}, "event.type": []string{"connection", "start"}, "event.severity": int64(event.SeverityInfo),
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "302013 outbound: the inner side opened it, the AAA user last",
			raw:  hdr("166", "ASA-6-302013", "Built outbound TCP connection 4813 for outside:93.184.216.34/443 (93.184.216.34/443) to inside:10.0.0.7/51234 (203.0.113.5/51234) (alice)"),
			want: map[string]any{
				"source.ip": "10.0.0.7", "source.port": int64(51234), "source.nat.ip": "203.0.113.5", "source.nat.port": int64(51234),
				"destination.ip": "93.184.216.34", "destination.port": int64(443), "destination.nat.ip": nil,
				"observer.ingress.interface.name": "inside", "observer.egress.interface.name": "outside",
				"network.direction": "outbound", "user.name": "alice",
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "302015 UDP, FTD",
			raw:  hdr("166", "FTD-6-302015", "Built outbound UDP connection 77 for outside:8.8.8.8/53 (8.8.8.8/53) to inside:10.0.0.7/5353 (203.0.113.5/5353)"),
			want: map[string]any{"event.dataset": "cisco.asa", "observer.product": "FTD", "network.transport": "udp",
				"source.ip": "10.0.0.7", "destination.ip": "8.8.8.8", "destination.port": int64(53), "event.action": "built-connection"},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "302014 teardown: duration, bytes, reason",
			raw:  hdr("166", "ASA-6-302014", "Teardown TCP connection 4812 for outside:81.2.69.142/55555 to inside:10.0.0.5/443 duration 0:01:02 bytes 12345 TCP FINs from outside"),
			want: map[string]any{
				"source.ip": "81.2.69.142", "source.port": int64(55555), "destination.ip": "10.0.0.5", "destination.port": int64(443),
				"event.duration": int64(62e9), "network.bytes": int64(12345), "event.reason": "TCP FINs from outside",
				"event.action": "teardown-connection", "event.outcome": nil, "event.type": []string{"connection", "end"},
				"cisco.asa.connection_id": "4812",
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "302014 teardown of a long connection with its user",
			raw:  hdr("166", "ASA-6-302014", "Teardown TCP connection 9 for outside:81.2.69.142/55555 to inside:10.0.0.5/22 duration 27:00:01 bytes 0 TCP Reset-O (bob)"),
			want: map[string]any{"event.duration": int64((27*3600 + 1) * 1e9), "network.bytes": int64(0), "event.reason": "TCP Reset-O", "user.name": "bob"},
			ts:   "2024-02-29T10:00:00Z",
		},
		{
			name: "302016 UDP teardown",
			raw:  hdr("166", "ASA-6-302016", "Teardown UDP connection 77 for outside:8.8.8.8/53 to inside:10.0.0.7/5353 duration 0:02:01 bytes 120"),
			want: map[string]any{"network.transport": "udp", "event.duration": int64(121e9), "network.bytes": int64(120), "event.reason": nil},
			ts:   "2024-02-29T10:00:00Z",
		},
		{
			name: "106001 inbound TCP denied: level 2 is high",
			raw:  hdr("161", "ASA-2-106001", "Inbound TCP connection denied from 81.2.69.142/55555 to 10.0.0.5/22 flags SYN  on interface outside"),
			want: map[string]any{
				"source.ip": "81.2.69.142", "source.port": int64(55555), "destination.ip": "10.0.0.5", "destination.port": int64(22),
				"observer.ingress.interface.name": "outside", "cisco.asa.tcp_flags": "SYN", "network.transport": "tcp",
				"event.action": "deny", "event.outcome": "failure", "log.level": "critical", "event.severity": int64(event.SeverityHigh),
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "106100 access-list denied",
			raw:  hdr("166", "ASA-6-106100", "access-list outside_in denied tcp outside/81.2.69.142(55555) -> inside/10.0.0.5(22) hit-cnt 1 first hit [0x7a6ae9f1, 0x0]"),
			want: map[string]any{
				"rule.name": "outside_in", "source.ip": "81.2.69.142", "source.port": int64(55555),
				"destination.ip": "10.0.0.5", "destination.port": int64(22), "observer.ingress.interface.name": "outside",
				"observer.egress.interface.name": "inside", "cisco.asa.hit_count": int64(1),
				"event.action": "deny", "event.outcome": "failure", "event.type": []string{"connection", "denied"},
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "106100 access-list permitted",
			raw:  hdr("166", "ASA-6-106100", "access-list inside_out permitted udp inside/10.0.0.7(5353) -> outside/8.8.8.8(53) hit-cnt 12 300-second interval [0x1, 0x0]"),
			want: map[string]any{"rule.name": "inside_out", "event.action": "permit", "event.outcome": "success",
				"event.type": []string{"connection", "allowed"}, "destination.port": int64(53), "cisco.asa.hit_count": int64(12)},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "106100 ICMP: the parentheses are type and code",
			raw:  hdr("166", "ASA-6-106100", "access-list outside_in denied icmp outside/81.2.69.142(8) -> inside/10.0.0.5(0) hit-cnt 1 first hit [0x0, 0x0]"),
			want: map[string]any{"source.ip": "81.2.69.142", "source.port": nil, "destination.port": nil, "network.transport": "icmp"},
			ts:   "2024-02-29T10:00:00Z",
		},
		{
			name: "710003 to-the-box deny",
			raw:  hdr("164", "ASA-4-710003", "TCP access denied by ACL from 81.2.69.142/55555 to outside:203.0.113.5/22"),
			want: map[string]any{
				"source.ip": "81.2.69.142", "source.port": int64(55555), "destination.ip": "203.0.113.5", "destination.port": int64(22),
				"observer.ingress.interface.name": "outside", "observer.egress.interface.name": nil,
				"event.action": "deny", "event.outcome": "failure", "network.transport": "tcp",
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "113019 VPN session disconnected",
			raw:  hdr("164", "ASA-4-113019", "Group = vpn-users, Username = alice, IP = 81.2.69.142, Session disconnected. Session Type: AnyConnect-Parent, Duration: 1d 2h:05m:23s, Bytes xmt: 12345, Bytes rcv: 6789, Reason: User Requested"),
			want: map[string]any{
				"user.name": "alice", "source.ip": "81.2.69.142", "cisco.asa.tunnel_group": "vpn-users",
				"cisco.asa.session_type": "AnyConnect-Parent", "event.duration": int64((26*3600 + 5*60 + 23) * 1e9),
				"network.bytes": int64(19134), "event.reason": "User Requested", "event.action": "vpn-session-disconnected",
				"event.category": []string{"session"}, "event.type": []string{"end"},
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "605004 login denied: a failed logon is at least low",
			raw:  hdr("166", "ASA-6-605004", `Login denied from 81.2.69.142/55555 to outside:203.0.113.5/ssh for user "admin"`),
			want: map[string]any{
				"user.name": "admin", "source.ip": "81.2.69.142", "source.port": int64(55555),
				"destination.ip": "203.0.113.5", "destination.port": int64(22), "network.protocol": "ssh",
				"observer.ingress.interface.name": "outside", "event.action": "login-denied", "event.outcome": "failure",
				"event.category": []string{"authentication"}, "event.type": []string{"start"}, "event.severity": int64(event.SeverityLow),
			},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "605004 on the console",
			raw:  hdr("166", "ASA-6-605004", `Login denied from serial to console for user "enable_1"`),
			want: map[string]any{"user.name": "enable_1", "source.ip": nil, "event.action": "login-denied", "event.outcome": "failure"},
			ts:   "2024-02-29T10:00:00Z",
		},
		{
			name: "605005 login permitted",
			raw:  hdr("166", "ASA-6-605005", `Login permitted from 10.0.0.9/51000 to inside:10.0.0.1/https for user "netadmin"`),
			want: map[string]any{"user.name": "netadmin", "destination.port": int64(443), "network.protocol": "https",
				"event.action": "login-permitted", "event.outcome": "success", "event.severity": int64(event.SeverityInfo)},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "111008 command executed",
			raw:  hdr("165", "ASA-5-111008", "User 'enable_15' executed the 'access-list outside_in permit ip any any' command."),
			want: map[string]any{"user.name": "enable_15", "cisco.asa.command_line": "access-list outside_in permit ip any any",
				"event.action": "command-executed", "event.category": []string{"configuration"}, "event.type": []string{"change"}},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "a body of another shape keeps the message and the common fields",
			raw:  hdr("166", "ASA-6-302013", "Built inbound TCP connection 1 for outside:not-an-ip/1 to inside:10.0.0.5/22"),
			want: map[string]any{"event.dataset": "cisco.asa", "event.code": "ASA-6-302013", "source.ip": nil, "destination.ip": nil,
				"event.action": nil, "message": "Built inbound TCP connection 1 for outside:not-an-ip/1 to inside:10.0.0.5/22"},
			ts: "2024-02-29T10:00:00Z",
		},
		{
			name: "a message without its syslog header",
			raw:  `%ASA-4-106023: Deny udp src dmz:10.1.1.1/123 dst outside:81.2.69.142/123 by access-group "dmz_in" [0x0, 0x0]`,
			want: map[string]any{"event.dataset": "cisco.asa", "source.ip": "10.1.1.1", "destination.ip": "81.2.69.142",
				"observer.ingress.interface.name": "dmz", "network.transport": "udp", "rule.name": "dmz_in"},
		},
	})
}
