//go:build linux

package isolate

import (
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// apply replaces the isolation table in one netlink transaction, so the
// host is never half-isolated nor briefly open while rules change.
func apply(p Plan, _ string) (string, error) {
	c, err := nftables.New()
	if err != nil {
		return "", fmt.Errorf("cannot open netlink: %w", err)
	}
	if err := build(c, p); err != nil {
		return "", err
	}
	if err := c.Flush(); err != nil {
		return "", fmt.Errorf("cannot install nftables rules: %w", err)
	}
	return "", nil
}

// build queues the table, chains and rules on c.
func build(c *nftables.Conn, p Plan) error {
	exists, err := tableExists(c)
	if err != nil {
		return err
	}
	tbl := &nftables.Table{Family: nftables.TableFamilyINet, Name: TableName}
	if exists {
		c.DelTable(tbl)
	}
	c.AddTable(tbl)
	drop := nftables.ChainPolicyDrop
	// Priority -10: ahead of the usual filter chains; with policy drop the
	// order matters only for speed, as any chain's drop is final.
	prio := nftables.ChainPriorityRef(-10)
	in := c.AddChain(&nftables.Chain{Name: "input", Table: tbl, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookInput, Priority: prio, Policy: &drop})
	out := c.AddChain(&nftables.Chain{Name: "output", Table: tbl, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookOutput, Priority: prio, Policy: &drop})
	c.AddChain(&nftables.Chain{Name: "forward", Table: tbl, Type: nftables.ChainTypeFilter, Hooknum: nftables.ChainHookForward, Priority: prio, Policy: &drop})

	rule := func(ch *nftables.Chain, exprs ...expr.Any) {
		c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: append(exprs, &expr.Verdict{Kind: expr.VerdictAccept})})
	}
	rule(in, ifname(expr.MetaKeyIIFNAME, "lo")...)
	rule(out, ifname(expr.MetaKeyOIFNAME, "lo")...)
	rule(in, established()...)
	rule(out, established()...)
	for _, pr := range p.Allow {
		rule(in, addrMatch(pr, true)...)
		rule(out, addrMatch(pr, false)...)
	}
	for _, a := range p.DNS {
		pr := netip.PrefixFrom(a, a.BitLen())
		for _, proto := range []byte{unix.IPPROTO_UDP, unix.IPPROTO_TCP} {
			rule(out, append(addrMatch(pr, false), port(proto, 53, true)...)...)
		}
	}
	// Keep the host's addresses alive: DHCP (v4 and v6) and IPv6
	// neighbour discovery, without which even allowed IPv6 traffic dies.
	rule(out, append(family(unix.NFPROTO_IPV4), port(unix.IPPROTO_UDP, 67, true)...)...)
	rule(in, append(family(unix.NFPROTO_IPV4), port(unix.IPPROTO_UDP, 68, true)...)...)
	rule(out, append(family(unix.NFPROTO_IPV6), port(unix.IPPROTO_UDP, 547, true)...)...)
	rule(in, append(family(unix.NFPROTO_IPV6), port(unix.IPPROTO_UDP, 546, true)...)...)
	rule(in, ndp()...)
	rule(out, ndp()...)
	return nil
}

func tableExists(c *nftables.Conn) (bool, error) {
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return false, fmt.Errorf("cannot list nftables tables: %w", err)
	}
	for _, t := range tables {
		if t.Name == TableName {
			return true, nil
		}
	}
	return false, nil
}

// remove deletes the isolation table if it exists.
func remove(string) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("cannot open netlink: %w", err)
	}
	exists, err := tableExists(c)
	if err != nil || !exists {
		return err
	}
	c.DelTable(&nftables.Table{Family: nftables.TableFamilyINet, Name: TableName})
	if err := c.Flush(); err != nil {
		return fmt.Errorf("cannot delete nftables table: %w", err)
	}
	return nil
}

func ifname(key expr.MetaKey, name string) []expr.Any {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return []expr.Any{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: b},
	}
}

func established() []expr.Any {
	return []expr.Any{
		&expr.Ct{Register: 1, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED),
			Xor:  binaryutil.NativeEndian.PutUint32(0)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)},
	}
}

func family(nfproto byte) []expr.Any {
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{nfproto}},
	}
}

// addrMatch matches the source (src) or destination address against pr.
func addrMatch(pr netip.Prefix, src bool) []expr.Any {
	var (
		nfproto byte
		off     uint32
		n       uint32
	)
	if pr.Addr().Is4() {
		nfproto, n = unix.NFPROTO_IPV4, 4
		off = 16 // daddr
		if src {
			off = 12
		}
	} else {
		nfproto, n = unix.NFPROTO_IPV6, 16
		off = 24
		if src {
			off = 8
		}
	}
	ex := append(family(nfproto), &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: off, Len: n})
	addr := pr.Addr().AsSlice()
	if pr.Bits() < pr.Addr().BitLen() {
		mask := netipMask(pr.Bits(), int(n))
		ex = append(ex, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: n, Mask: mask, Xor: make([]byte, n)})
	}
	return append(ex, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: addr})
}

func netipMask(bits, n int) []byte {
	m := make([]byte, n)
	for i := 0; i < bits; i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}

// port matches the L4 protocol and its destination (dst) or source port.
func port(proto byte, p uint16, dst bool) []expr.Any {
	off := uint32(0)
	if dst {
		off = 2
	}
	return []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: off, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(p)},
	}
}

// ndp matches ICMPv6 router/neighbour solicitations and advertisements
// (types 133-136).
func ndp() []expr.Any {
	return append(family(unix.NFPROTO_IPV6),
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{unix.IPPROTO_ICMPV6}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1},
		&expr.Range{Op: expr.CmpOpEq, Register: 1, FromData: []byte{133}, ToData: []byte{136}},
	)
}
