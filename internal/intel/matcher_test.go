package intel

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/event"
)

func ref(id string, t Type, v string) *Ref {
	n, err := Normalize(t, v)
	if err != nil {
		panic(err)
	}
	return &Ref{ID: id, Type: t, Value: n, Source: "test", Severity: "high", Confidence: 80}
}

func matchIDs(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s@%s/%s", m.Ref.ID, m.Field, m.Kind))
	}
	sort.Strings(out)
	return out
}

func TestMatcher(t *testing.T) {
	exact := ref("host-only", TypeDomain, "login.bank.example")
	exact.ExactOnly = true
	expired := ref("expired", TypeIPv4, "192.0.2.99")
	expired.Expires = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	refs := []*Ref{
		ref("ip4", TypeIPv4, "203.0.113.7"),
		ref("ip6", TypeIPv6, "2001:db8::1"),
		ref("net8", TypeCIDR, "10.0.0.0/8"),
		ref("net16", TypeCIDR, "10.1.0.0/16"),
		ref("net24", TypeCIDR, "10.1.2.0/24"),
		ref("net-other", TypeCIDR, "10.200.0.0/16"),
		ref("net6", TypeCIDR, "2001:db8:abcd::/48"),
		ref("all6", TypeCIDR, "::/0"),
		ref("dom", TypeDomain, "evil.example"),
		exact,
		ref("url", TypeURL, "http://bad.example/dl/payload.exe"),
		ref("md5", TypeMD5, "D41D8CD98F00B204E9800998ECF8427E"),
		ref("sha256", TypeSHA256, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
		ref("mail", TypeEmail, "Phisher@Evil.Example"),
		ref("file", TypeFilename, "mimikatz.exe"),
		ref("ja3", TypeJA3, "e7d705a3286e19ea42f587b344ee6865"),
		ref("ja4", TypeJA4, "t13d1516h2_8daaf6152771_b186095e22b6"),
		ref("ua", TypeUserAgent, "EvilBot/1.0"),
		expired,
	}
	m := NewMatcher(refs)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		fields event.Fields
		want   []string
	}{
		{"no fields", event.Fields{"message": "203.0.113.7 in text is not read"}, nil},
		{"exact ipv4", event.Fields{"destination.ip": "203.0.113.7"}, []string{"ip4@destination.ip/exact"}},
		{"ipv4-mapped ipv6", event.Fields{"source.ip": "::ffff:203.0.113.7"}, []string{"ip4@source.ip/exact"}},
		{"exact ipv6", event.Fields{"client.ip": "2001:DB8:0::1"}, []string{"all6@client.ip/cidr", "ip6@client.ip/exact"}},
		{"nested cidr", event.Fields{"server.ip": "10.1.2.3"}, []string{"net16@server.ip/cidr", "net24@server.ip/cidr", "net8@server.ip/cidr"}},
		{"outer cidr only", event.Fields{"server.ip": "10.1.3.3"}, []string{"net16@server.ip/cidr", "net8@server.ip/cidr"}},
		{"after inner", event.Fields{"source.ip": "10.2.0.1"}, []string{"net8@source.ip/cidr"}},
		{"sibling", event.Fields{"source.ip": "10.200.9.9"}, []string{"net-other@source.ip/cidr", "net8@source.ip/cidr"}},
		{"cidr edges", event.Fields{"source.ip": []string{"10.255.255.255", "11.0.0.0", "9.255.255.255"}}, []string{"net8@source.ip/cidr"}},
		{"v6 cidr", event.Fields{"destination.ip": "2001:db8:abcd:1::5"}, []string{"all6@destination.ip/cidr", "net6@destination.ip/cidr"}},
		{"not an address", event.Fields{"source.ip": "not-an-ip"}, nil},
		{"domain exact", event.Fields{"dns.question.name": "evil.example"}, []string{"dom@dns.question.name/domain"}},
		{"subdomain", event.Fields{"url.domain": "A.B.Evil.Example."}, []string{"dom@url.domain/domain"}},
		{"lookalike", event.Fields{"url.domain": "notevil.example"}, nil},
		{"exact-only host", event.Fields{"destination.domain": "login.bank.example"}, []string{"host-only@destination.domain/domain"}},
		{"exact-only skips subdomain", event.Fields{"destination.domain": "x.login.bank.example"}, nil},
		{"domain field holding an ip", event.Fields{"destination.domain": "203.0.113.7"}, []string{"ip4@destination.domain/exact"}},
		{"url exact after normalization", event.Fields{"url.full": "HTTP://BAD.example:80/dl/%70ayload.exe#frag"}, []string{"url@url.full/exact"}},
		{"url other path: host fallback", event.Fields{"url.original": "http://bad.example/other"}, []string{"url@url.original/url_host"}},
		{"url under a domain indicator", event.Fields{"url.full": "https://cdn.evil.example/x"}, []string{"dom@url.full/domain"}},
		{"url with ip host", event.Fields{"url.full": "http://10.1.2.3:8080/"}, []string{"net16@url.full/cidr", "net24@url.full/cidr", "net8@url.full/cidr"}},
		{"url path only", event.Fields{"url.original": "/index.php?x=evil.example"}, nil},
		{"hash case", event.Fields{"file.hash.md5": "D41D8CD98F00B204E9800998ECF8427E"}, []string{"md5@file.hash.md5/exact"}},
		{"hash wrong field", event.Fields{"file.hash.sha1": "d41d8cd98f00b204e9800998ecf8427e"}, nil},
		{"process hash", event.Fields{"process.hash.sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}, []string{"sha256@process.hash.sha256/exact"}},
		{"email", event.Fields{"email.from.address": []string{"ok@good.example", "phisher@evil.example"}}, []string{"mail@email.from.address/exact"}},
		{"filename", event.Fields{"file.name": "MimiKatz.EXE"}, []string{"file@file.name/exact"}},
		{"ja3", event.Fields{"tls.client.ja3": "E7D705A3286E19EA42F587B344EE6865"}, []string{"ja3@tls.client.ja3/exact"}},
		{"ja4", event.Fields{"tls.client.ja4": "t13d1516h2_8daaf6152771_b186095e22b6"}, []string{"ja4@tls.client.ja4/exact"}},
		{"user agent is exact", event.Fields{"user_agent.original": "EvilBot/1.0"}, []string{"ua@user_agent.original/exact"}},
		{"user agent case differs", event.Fields{"user_agent.original": "evilbot/1.0"}, nil},
		{"expired", event.Fields{"source.ip": "192.0.2.99"}, nil},
		{"one indicator once", event.Fields{"source.ip": "203.0.113.7", "destination.ip": "203.0.113.7"}, []string{"ip4@source.ip/exact"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := &event.Event{Fields: tc.fields}
			got := matchIDs(m.Match(ev, now, nil))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatcherUpdates(t *testing.T) {
	m := NewMatcher([]*Ref{ref("a", TypeIPv4, "198.51.100.1"), ref("b", TypeDomain, "old.example")})
	ev := func(ip, dom string) *event.Event {
		return &event.Event{Fields: event.Fields{"source.ip": ip, "dns.question.name": dom}}
	}
	now := time.Now()
	snap := m.cur.Load()
	m.Apply([]*Ref{ref("c", TypeIPv4, "198.51.100.2"), ref("b", TypeDomain, "new.example")}, []string{"a"})
	if m.cur.Load().base != snap.base {
		t.Fatal("a small change rebuilt the base")
	}
	if got := matchIDs(m.Match(ev("198.51.100.1", "old.example"), now, nil)); got != nil {
		t.Errorf("deleted and replaced still match: %v", got)
	}
	if got := matchIDs(m.Match(ev("198.51.100.2", "new.example"), now, nil)); !slices.Equal(got, []string{"b@dns.question.name/domain", "c@source.ip/exact"}) {
		t.Errorf("delta: %v", got)
	}
	if m.Len() != 2 {
		t.Errorf("len = %d, want 2", m.Len())
	}
	// Readers keep the snapshot they loaded: an old snapshot still answers.
	old := &Matcher{}
	old.cur.Store(snap)
	if got := matchIDs(old.Match(ev("198.51.100.1", ""), now, nil)); len(got) != 1 {
		t.Errorf("old snapshot changed: %v", got)
	}
	// Many changes compact into a new base with the same answers.
	var many []*Ref
	for i := 0; i < 3000; i++ {
		many = append(many, ref(fmt.Sprintf("n%d", i), TypeIPv4, fmt.Sprintf("10.9.%d.%d", i/256, i%256)))
	}
	m.Apply(many, nil)
	s := m.cur.Load()
	if s.delta != nil || len(s.dead) != 0 || s.base.n != 3002 || m.Len() != 3002 {
		t.Fatalf("not compacted: delta %v dead %d base %d len %d", s.delta, len(s.dead), s.base.n, m.Len())
	}
	if got := matchIDs(m.Match(ev("10.9.11.183", "new.example"), now, nil)); !slices.Equal(got, []string{"b@dns.question.name/domain", "n2999@source.ip/exact"}) {
		t.Errorf("after compaction: %v", got)
	}
	m.Replace(nil)
	if m.Len() != 0 || len(m.Match(ev("10.9.11.183", "new.example"), now, nil)) != 0 {
		t.Error("replace with nothing still matches")
	}
}

// TestRangesAgainstLinearScan checks the range table against the
// definition on random nested and disjoint blocks.
func TestRangesAgainstLinearScan(t *testing.T) {
	seed := uint32(12345)
	rnd := func() uint32 { seed = seed*1664525 + 1013904223; return seed }
	var refs []*Ref
	var prefixes []netip.Prefix
	for i := 0; i < 300; i++ {
		bits := 8 + int(rnd()%25)
		a := netip.AddrFrom4([4]byte{10, byte(rnd() % 4), byte(rnd()), byte(rnd())})
		p := netip.PrefixFrom(a, bits).Masked()
		if p.IsSingleIP() {
			continue
		}
		refs = append(refs, &Ref{ID: fmt.Sprint(i), Type: TypeCIDR, Value: p.String()})
		prefixes = append(prefixes, p)
	}
	tb := buildTable(refs)
	for i := 0; i < 5000; i++ {
		a := netip.AddrFrom4([4]byte{10, byte(rnd() % 4), byte(rnd()), byte(rnd())})
		b := a.As4()
		got := map[string]bool{}
		for _, r := range tb.v4.find(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8|uint32(b[3]), cmpU32) {
			got[r.ID] = true
		}
		want := map[string]bool{}
		for j, p := range prefixes {
			if p.Contains(a) {
				want[refs[j].ID] = true
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%s: got %v, want %v", a, got, want)
		}
		for k := range want {
			if !got[k] {
				t.Fatalf("%s: got %v, want %v", a, got, want)
			}
		}
	}
}

func TestAnnotate(t *testing.T) {
	low := ref("low", TypeDomain, "evil.example")
	low.Severity, low.Confidence = "low", 20
	crit := ref("crit", TypeIPv4, "203.0.113.7")
	crit.Severity, crit.Source = "critical", "feed:x"
	m := NewMatcher([]*Ref{low, crit})
	ev := &event.Event{Fields: event.Fields{"dns.question.name": "a.evil.example", "destination.ip": "203.0.113.7", "tags": []string{"x"}}}
	Annotate(ev, m.Match(ev, time.Now(), nil))
	f := ev.Fields
	if f.Str("threat.indicator.id") != "crit" || f.Str("threat.indicator.type") != "ipv4-addr" || f.Str("threat.indicator.confidence") != "High" {
		t.Errorf("strongest: %v", f)
	}
	if f.Str(FieldMatchedType) != "indicator_match, indicator_match" || len(f[FieldMatchedAtomic].([]string)) != 2 {
		t.Errorf("enrichments: %v", f)
	}
	if !strings.Contains(f.Str("tags"), TagIntelMatch) {
		t.Errorf("tags: %v", f["tags"])
	}
	back := EventMatches(ev)
	if len(back) != 2 || back[0].IndicatorID == "" || back[0].Field == "" {
		t.Errorf("read back: %+v", back)
	}
}
