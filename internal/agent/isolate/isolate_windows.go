//go:build windows

package isolate

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// ruleName marks the firewall rules the agent adds.
const ruleName = "EventSec-Isolation"

var policyRE = regexp.MustCompile(`(?i)\b((?:Block|Allow)(?:Inbound|InboundAlways),(?:Block|Allow)Outbound)\b`)

// profiles in the order `netsh advfirewall show allprofiles` prints them.
var profiles = []string{"domainprofile", "privateprofile", "publicprofile"}

func netsh(args ...string) (string, error) {
	out, err := exec.Command("netsh", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("netsh %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// apply blocks all traffic by policy and adds allow rules for the plan. It
// returns the previous policies ("domain;private;public") to restore; prev
// is kept when re-applying so a second isolate does not record the
// isolated policy as the one to restore.
func apply(p Plan, prev string) (string, error) {
	if prev == "" {
		out, err := netsh("advfirewall", "show", "allprofiles", "firewallpolicy")
		if err != nil {
			return "", err
		}
		m := policyRE.FindAllString(out, -1)
		if len(m) != len(profiles) {
			return "", fmt.Errorf("cannot read the current firewall policy from netsh output")
		}
		prev = strings.Join(m, ";")
	}
	netsh("advfirewall", "firewall", "delete", "rule", "name="+ruleName) //nolint:errcheck // none may exist
	add := func(args ...string) error {
		_, err := netsh(append([]string{"advfirewall", "firewall", "add", "rule", "name=" + ruleName, "action=allow", "enable=yes"}, args...)...)
		return err
	}
	for _, pr := range p.Allow {
		for _, dir := range []string{"in", "out"} {
			if err := add("dir="+dir, "remoteip="+pr.String()); err != nil {
				return prev, err
			}
		}
	}
	for _, a := range p.DNS {
		for _, proto := range []string{"udp", "tcp"} {
			if err := add("dir=out", "protocol="+proto, "remoteport=53", "remoteip="+a.String()); err != nil {
				return prev, err
			}
		}
	}
	if _, err := netsh("advfirewall", "set", "allprofiles", "state", "on"); err != nil {
		return prev, err
	}
	if _, err := netsh("advfirewall", "set", "allprofiles", "firewallpolicy", "blockinbound,blockoutbound"); err != nil {
		return prev, err
	}
	return prev, nil
}

// remove restores the saved policies and deletes the agent's rules.
func remove(prev string) error {
	policies := strings.Split(prev, ";")
	for i, prof := range profiles {
		pol := "blockinbound,allowoutbound" // Windows' default
		if len(policies) == len(profiles) && policies[i] != "" {
			pol = strings.ToLower(policies[i])
		}
		if _, err := netsh("advfirewall", "set", prof, "firewallpolicy", pol); err != nil {
			return err
		}
	}
	netsh("advfirewall", "firewall", "delete", "rule", "name="+ruleName) //nolint:errcheck // may be gone
	return nil
}
