package sca

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// evalCheck loads a one-check policy whose check body is body (YAML at the
// check's indentation, without id and title) and evaluates it.
func evalCheck(t *testing.T, env Env, body string) CheckResult {
	t.Helper()
	var b strings.Builder
	b.WriteString("id: t\nname: T\nchecks:\n  - id: c\n    title: C\n")
	for l := range strings.Lines(strings.TrimPrefix(body, "\n")) {
		b.WriteString("    " + l)
	}
	p, err := Load([]byte(b.String()))
	if err != nil {
		t.Fatalf("cannot load test policy: %v\n%s", err, b.String())
	}
	res := Evaluate(t.Context(), p, env)
	return res.Checks[0]
}

// ruleCase is a check evaluated against a tree.
type ruleCase struct {
	name   string
	tree   string // in the format of testdata/roots/*.tree
	check  string
	status Status
	reason string // a part of the reason
}

func runRuleCases(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := buildTree(t, tc.tree)
			got := evalCheck(t, treeEnv(root), tc.check)
			if got.Status != tc.status || !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("got %s: %s\nwant %s: ...%s...", got.Status, got.Reason, tc.status, tc.reason)
			}
			if strings.Contains(got.Reason, root) {
				t.Errorf("reason reveals the root: %s", got.Reason)
			}
		})
	}
}

const sshdTree = `
-- file /etc/ssh/sshd_config 0600
Include sshd_config.d/*.conf
PermitRootLogin yes
PermitRootLogin no
Match User backup
	MaxAuthTries 10
MaxAuthTries 2
-- file /etc/ssh/sshd_config.d/20-b.conf 0600
X11Forwarding yes
Match Address 10.0.0.0/8
	LogLevel DEBUG3
-- file /etc/ssh/sshd_config.d/10-a.conf 0600
X11Forwarding no
-- file /etc/ssh/sshd_config.d/ignored.txt 0600
PermitRootLogin without-password
`

func TestFileRules(t *testing.T) {
	passwd := "-- file /etc/passwd 0644\nroot:x:{{UID}}:{{GID}}:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n" +
		"-- file /etc/group 0644\nroot:x:{{GID}}:\nshadow:x:42:\n"
	runRuleCases(t, []ruleCase{
		{"exists", "-- file /etc/motd 0644\nhi\n", "all: [{file: /etc/motd}]", StatusPass, "/etc/motd exists"},
		{"missing", "", "all: [{file: /etc/motd}]", StatusFail, "/etc/motd does not exist"},
		{"absent as wanted", "", "all: [{file: /etc/hosts.equiv, exists: false}]", StatusPass, "does not exist"},
		{"present though unwanted", "-- file /etc/hosts.equiv 0644\n+\n", "all: [{file: /etc/hosts.equiv, exists: false}]", StatusFail, "/etc/hosts.equiv exists"},
		{"mode within", "-- file /etc/x 0600\n", "all: [{file: /etc/x, mode_max: '0644'}]", StatusPass, "mode 0600"},
		{"mode too open", "-- file /etc/x 0664\n", "all: [{file: /etc/x, mode_max: '0644'}]", StatusFail, "mode 0664 is more permissive than 0644"},
		{"setuid counts", "-- file /usr/bin/x 4755\n", "all: [{file: /usr/bin/x, mode_max: '0755'}]", StatusFail, "mode 04755"},
		{"owner by name", passwd + "-- file /etc/x 0600\n", "all: [{file: /etc/x, owner: root, group: [shadow, root]}]", StatusPass, "owner root("},
		{"owner by number", passwd + "-- file /etc/x 0600\n", "all: [{file: /etc/x, owner: '" + strconv.Itoa(os.Getuid()) + "'}]", StatusPass, "owner root("},
		{"wrong owner", passwd + "-- file /etc/x 0600\n", "all: [{file: /etc/x, owner: alice}]", StatusFail, "want owner alice"},
		{"unknown owner name", passwd + "-- file /etc/x 0600\n", "all: [{file: /etc/x, owner: nobody}]", StatusFail, "want owner nobody"},
		{"wrong group", passwd + "-- file /etc/x 0600\n", "all: [{file: /etc/x, group: shadow}]", StatusFail, "want group shadow"},
		{"line anywhere", "-- file /etc/login.defs 0644\nPASS_MAX_DAYS 400\nPASS_MAX_DAYS 90\n",
			"all: [{file: /etc/login.defs, line: '^PASS_MAX_DAYS\\s+(\\d+)', compare: '<= 365'}]", StatusPass, "PASS_MAX_DAYS 90 (line 2)"},
		{"single candidate fails", "-- file /etc/login.defs 0644\n# PASS_MAX_DAYS 1\nPASS_MAX_DAYS\t99999\n",
			"all: [{file: /etc/login.defs, line: '^PASS_MAX_DAYS\\s+(\\d+)', compare: '> 0, <= 365'}]", StatusFail, "PASS_MAX_DAYS 99999 (line 2); want value > 0 and value <= 365"},
		{"several candidates fail", "-- file /etc/x 0644\nk = 1\nk = 2\n",
			"all: [{file: /etc/x, line: '^k = (\\d)', value: '3'}]", StatusFail, "none of 2 lines matching ^k = (\\d) has value matching 3"},
		{"non-number compared", "-- file /etc/x 0644\nk = lots\n",
			"all: [{file: /etc/x, line: '^k = (\\S+)', compare: '>= 1'}]", StatusFail, "k = lots (line 1); want value >= 1"},
		{"no such line", "-- file /etc/x 0644\nother\n", "all: [{file: /etc/x, line: '^k'}]", StatusFail, "/etc/x: no line matches ^k"},
		{"content of a missing file", "", "all: [{file: /etc/x, line: '^k'}]", StatusFail, "/etc/x does not exist"},
		{"value_not", "-- file /etc/x 0644\nLogLevel DEBUG\n", "none: [{file: /etc/x, line: '^LogLevel (\\S+)', value_not: '^(INFO|VERBOSE)$'}]", StatusFail, "LogLevel DEBUG (line 1)"},
		{"first match wins", sshdTree,
			"all: [{file: /etc/ssh/sshd_config, line: '^\\s*PermitRootLogin\\s+(\\S+)', first_match: true, value: '^no$'}]", StatusFail, "/etc/ssh/sshd_config: PermitRootLogin yes (line 2); want value matching ^no$"},
		{"includes read in place, sorted", sshdTree,
			"all: [{file: /etc/ssh/sshd_config, line: '^X11Forwarding\\s+(\\S+)', first_match: true, include: '^Include\\s+(.+)$', value: '^no$'}]", StatusPass, "/etc/ssh/sshd_config.d/10-a.conf: X11Forwarding no (line 1)"},
		{"include pattern filters names", sshdTree,
			"none: [{file: /etc/ssh/sshd_config, line: 'without-password', include: '^Include\\s+(.+)$'}]", StatusPass, "no line matches"},
		{"stop at Match", sshdTree,
			"all: [{file: /etc/ssh/sshd_config, line: '^\\s*MaxAuthTries\\s+(\\S+)', first_match: true, stop: '^Match ', compare: '<= 4'}]", StatusFail, "no line matches"},
		{"stop ends only the included file", sshdTree,
			"none: [{file: /etc/ssh/sshd_config, line: '^\\s*LogLevel\\s+DEBUG', include: '^Include\\s+(.+)$', stop: '^Match '}]", StatusPass, "no line matches"},
		{"include loop", "-- file /etc/a.conf 0644\ninclude /etc/a.conf\n",
			"all: [{file: /etc/a.conf, line: x, include: '^include (.+)'}]", StatusError, "includes nested more than 8 deep"},
		{"lines of a directory", "-- dir /etc/x 0755\n", "all: [{file: /etc/x, line: x}]", StatusError, "it is a directory"},
		{"redacted", "-- file /etc/shadow 0640\nbob:$6$salt$secret:1::::::\n",
			"none: [{file: /etc/shadow, line: '^[^:]+:([^:!*]+):', redact: true}]", StatusFail, "/etc/shadow: line 1 (content withheld)"},
		{"absolute link stays in the root", "-- file /opt/real.conf 0644\nkey yes\n-- link /etc/alt.conf /opt/real.conf\n",
			"all: [{file: /etc/alt.conf, line: '^key (\\S+)', value: yes}]", StatusPass, "/etc/alt.conf: key yes (line 1)"},
		{"link to the host's /etc/passwd is read in the root", "-- file /etc/passwd 0644\nonly:x:5:5::/:/bin/sh\n-- link /etc/p /etc/passwd\n",
			"all: [{file: /etc/p, line: '^root:'}]", StatusFail, "no line matches ^root:"},
		{"dot-dot stays in the root", "-- file /etc/x 0644\nk\n", "all: [{file: /../../../../etc/x, line: '^k$'}]", StatusPass, "/etc/x: k (line 1)"},
	})
}

func TestFileUnreadable(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads every file")
	}
	root := buildTree(t, "-- file /etc/secret 0000\nk\n")
	got := evalCheck(t, treeEnv(root), "all: [{file: /etc/secret, line: k}]")
	if got.Status != StatusError || !strings.Contains(got.Reason, "permission denied") {
		t.Errorf("got %s: %s", got.Status, got.Reason)
	}
}

func TestDirRules(t *testing.T) {
	tree := "-- file /etc/sudoers.d/README 0440\n# Defaults use_pty\n-- file /etc/sudoers.d/10-pty 0440\nDefaults use_pty\n-- file /etc/sudoers.d/20-x.conf 0440\nalice ALL=(ALL) ALL\n-- dir /etc/empty.d 0755\n"
	runRuleCases(t, []ruleCase{
		{"a file has the line", tree, "all: [{dir: /etc/sudoers.d, line: '^Defaults\\s+use_pty'}]", StatusPass, "/etc/sudoers.d/10-pty: Defaults use_pty (line 1)"},
		{"name filter", tree, "all: [{dir: /etc/sudoers.d, files: '\\.conf$', line: '^Defaults\\s+use_pty'}]", StatusFail, "/etc/sudoers.d/20-x.conf: no line matches"},
		{"several files without the line", tree, "all: [{dir: /etc/sudoers.d, line: NOPASSWD}]", StatusFail, "none of 3 files has a line matching NOPASSWD"},
		{"no file matches the name", tree, "all: [{dir: /etc/sudoers.d, files: '\\.cfg$', line: x}]", StatusFail, "no file name matches \\.cfg$"},
		{"a file exists", tree, "all: [{dir: /etc/sudoers.d, files: '^10-'}]", StatusPass, "/etc/sudoers.d/10-pty exists"},
		{"empty dir", tree, "all: [{dir: /etc/empty.d}]", StatusFail, "/etc/empty.d has no files"},
		{"missing dir", tree, "all: [{dir: /etc/nothing.d, line: x}]", StatusFail, "/etc/nothing.d does not exist"},
	})
}

func TestCommandRules(t *testing.T) {
	tree := `
-- file /usr/bin/aa-status 0755
#!/bin/sh
echo "apparmor module is loaded."
echo "42 profiles are in enforce mode."
echo "3 profiles are in complain mode."
exit 0
-- file /usr/bin/fails 0755
#!/bin/sh
echo "something broke" >&2
exit 3
-- file /usr/bin/slow 0755
#!/bin/sh
sleep 5
-- file /usr/bin/args 0755
#!/bin/sh
echo "$#:$1:$2:$LC_ALL"
-- file /usr/bin/not-executable 0644
#!/bin/sh
`
	runRuleCases(t, []ruleCase{
		{"output compared", tree, "all: [{command: [aa-status], line: '^(\\d+) profiles are in enforce mode', compare: '>= 1'}]", StatusPass, "aa-status: 42 profiles are in enforce mode. (line 2)"},
		{"output value fails", tree, "all: [{command: [aa-status], line: '^(\\d+) profiles are in complain mode', compare: '== 0'}]", StatusFail, "3 profiles are in complain mode. (line 3); want value == 0"},
		{"exit code alone", tree, "all: [{command: [aa-status]}]", StatusPass, "aa-status: exit code 0"},
		{"non-zero exit fails", tree, "all: [{command: [fails]}]", StatusFail, "fails: exit code 3; want exit code 0"},
		{"expected exit code", tree, "all: [{command: [fails], exit_code: 3}]", StatusPass, "fails: exit code 3"},
		{"argv without shell", tree, "all: [{command: [args, 'a b', '$HOME'], line: '^2:a b:\\$HOME:C$'}]", StatusPass, "2:a b:$HOME:C"},
		{"missing program", tree, "all: [{command: [no-such-tool, --version]}]", StatusNotApplicable, "cannot find program no-such-tool"},
		{"not executable", tree, "all: [{command: [not-executable]}]", StatusNotApplicable, "cannot find program not-executable"},
		{"timeout", tree, "all: [{command: [slow], timeout: 200ms}]", StatusError, "slow: timed out after 200ms"},
	})
}

func TestSysctlRules(t *testing.T) {
	tree := "-- sysctl\nnet.ipv4.ip_forward = 1\nkernel.printk = 4\t4\t1\t7\n"
	runRuleCases(t, []ruleCase{
		{"compare fails", tree, "all: [{sysctl: net.ipv4.ip_forward, compare: '== 0'}]", StatusFail, "net.ipv4.ip_forward = 1; want value == 0"},
		{"compare passes", tree, "all: [{sysctl: net.ipv4.ip_forward, compare: '!= 0'}]", StatusPass, "net.ipv4.ip_forward = 1"},
		{"several values", tree, "all: [{sysctl: kernel.printk, value: '^4 4 1 7$'}]", StatusPass, "kernel.printk = 4 4 1 7"},
		{"missing key", tree, "all: [{sysctl: net.ipv6.conf.all.forwarding, compare: '== 0'}]", StatusNotApplicable, "does not exist on this kernel"},
	})
}

func TestPackageRules(t *testing.T) {
	tree := `
-- file /var/lib/dpkg/status 0644
Package: sudo
Status: install ok installed
Architecture: amd64
Version: 1.9.13p3-1

Package: telnet
Status: deinstall ok config-files
Version: 0.17

Package: libc6
Status: install ok installed
Architecture: i386
Version: 2.36-9
`
	runRuleCases(t, []ruleCase{
		{"installed", tree, "all: [{package: sudo}]", StatusPass, "package sudo 1.9.13p3-1 is installed"},
		{"only config files left", tree, "all: [{package: telnet, installed: false}]", StatusPass, "package telnet is not installed"},
		{"unwanted package", tree, "none: [{package: sudo}]", StatusFail, "package sudo 1.9.13p3-1 is installed"},
		{"by architecture", tree, "all: [{package: 'libc6:i386'}]", StatusPass, "libc6:i386 2.36-9"},
		{"not a dpkg system", "", "all: [{package: sudo}]", StatusNotApplicable, "no dpkg database"},
		{"field order does not matter", tree, "all: [{installed: false, package: sudo}]", StatusFail, "package sudo 1.9.13p3-1 is installed"},
	})
	t.Run("PackageMap", func(t *testing.T) {
		env := Env{Root: t.TempDir(), Packages: PackageMap{"rsyslog": "8.2302.0-1"}}
		if got := evalCheck(t, env, "all: [{package: rsyslog}]"); got.Status != StatusPass {
			t.Errorf("got %s: %s", got.Status, got.Reason)
		}
	})
}

const unitTree = `
-- file /lib/systemd/system/cron.service 0644
[Service]
ExecStart=/usr/sbin/cron -f
[Install]
WantedBy=multi-user.target
-- file /lib/systemd/system/cups.service 0644
[Service]
ExecStart=/usr/sbin/cupsd -l
[Install]
WantedBy=multi-user.target
-- file /lib/systemd/system/rsync.service 0644
[Service]
ExecStart=/usr/bin/rsync --daemon
[Install]
WantedBy=multi-user.target
-- file /lib/systemd/system/systemd-journald.service 0644
[Unit]
Description=Journal Service
[Service]
ExecStart=/lib/systemd/systemd-journald
-- file /lib/systemd/system/tmp.mount 0644
[Mount]
What=tmpfs
Where=/tmp
[Install]
WantedBy=local-fs.target
-- link /etc/systemd/system/multi-user.target.wants/cron.service /lib/systemd/system/cron.service
-- link /etc/systemd/system/local-fs.target.wants/tmp.mount /lib/systemd/system/tmp.mount
-- link /etc/systemd/system/multi-user.target.wants/cups.service /lib/systemd/system/cups.service
-- link /etc/systemd/system/cups.service /dev/null
`

func TestServiceRules(t *testing.T) {
	runRuleCases(t, []ruleCase{
		{"enabled by a wants link", unitTree, "all: [{service: cron, enabled: true}]", StatusPass, "service cron.service is enabled"},
		{"other unit types", unitTree, "all: [{service: tmp.mount, enabled: true}]", StatusPass, "service tmp.mount is enabled"},
		{"masked", unitTree, "all: [{service: cups, enabled: false}]", StatusPass, "service cups.service is not enabled"},
		{"installed, not enabled", unitTree, "all: [{service: rsync, enabled: true}]", StatusFail, "service rsync.service is not enabled"},
		{"static", unitTree, "all: [{service: systemd-journald, enabled: true}]", StatusPass, "is enabled"},
		{"not installed", unitTree, "all: [{service: avahi-daemon, enabled: false}]", StatusPass, "is not enabled"},
		{"activity of a tree", unitTree, "all: [{service: cron, active: true}]", StatusNotApplicable, "cannot tell whether cron.service runs"},
	})
}

// TestSystemctlAgreesWithUnitFiles runs the real systemctl in --root mode
// against the unit tree and checks that UnitFiles answers the same.
func TestSystemctlAgreesWithUnitFiles(t *testing.T) {
	if _, err := exec.LookPath("systemctl"); err != nil {
		t.Skip("systemctl is not installed")
	}
	root := buildTree(t, unitTree)
	sc := Systemctl{Root: root}
	uf := UnitFiles{Root: root}
	for _, unit := range []string{"cron", "tmp.mount", "cups", "rsync", "systemd-journald", "avahi-daemon"} {
		a, errA := sc.Enabled(t.Context(), unit)
		b, errB := uf.Enabled(t.Context(), unit)
		if errA != nil || errB != nil || a != b {
			t.Errorf("%s: systemctl says %v (%v), unit files say %v (%v)", unit, a, errA, b, errB)
		}
	}
	if _, err := sc.Active(t.Context(), "cron"); err == nil {
		t.Error("Active answered for a tree")
	}
}

func TestSystemctlMissing(t *testing.T) {
	sc := Systemctl{Runner: ExecRunner{Dirs: []string{t.TempDir()}}}
	if _, err := sc.Enabled(t.Context(), "cron"); err == nil || !strings.Contains(err.Error(), "cannot find program systemctl") {
		t.Errorf("Enabled without systemctl: %v", err)
	}
	env := Env{Root: t.TempDir(), Services: sc}
	if got := evalCheck(t, env, "all: [{service: cron, enabled: true}]"); got.Status != StatusNotApplicable {
		t.Errorf("got %s: %s", got.Status, got.Reason)
	}
}

func TestKernelModuleRules(t *testing.T) {
	tree := `
-- file /proc/modules 0444
usb_storage 81920 0 - Live 0x0000000000000000
ext4 1036288 1 - Live 0x0000000000000000
-- file /usr/lib/modprobe.d/fs.conf 0644
install udf /bin/false
install hfs /bin/false
-- file /etc/modprobe.d/fs.conf 0644
# This file hides /usr/lib/modprobe.d/fs.conf.
install udf /sbin/modprobe --ignore-install udf \
    $CMDLINE_OPTS
-- file /etc/modprobe.d/cramfs.conf 0644
install cramfs /usr/bin/false # no cramfs here
blacklist cramfs
-- file /etc/modprobe.d/first.conf 0644
install jffs2 /bin/true
-- file /etc/modprobe.d/second.conf 0644
install jffs2 /sbin/modprobe --ignore-install jffs2
`
	runRuleCases(t, []ruleCase{
		{"loaded, name folded", tree, "all: [{kernel_module: usb-storage, loaded: false}]", StatusFail, "kernel module usb-storage is loaded"},
		{"not loaded", tree, "all: [{kernel_module: cramfs, loaded: false}]", StatusPass, "kernel module cramfs is not loaded"},
		{"disabled and blacklisted", tree, "all: [{kernel_module: cramfs, disabled: true, blacklisted: true}]", StatusPass, "is disabled by install /usr/bin/false (/etc/modprobe.d/cramfs.conf (line 1)), is blacklisted"},
		{"/etc hides /usr/lib", tree, "all: [{kernel_module: udf, disabled: true}]", StatusFail, "install /sbin/modprobe --ignore-install udf $CMDLINE_OPTS (/etc/modprobe.d/fs.conf (line 2))"},
		{"hidden file not read", tree, "all: [{kernel_module: hfs, disabled: false}]", StatusPass, "is not disabled"},
		{"first install wins", tree, "all: [{kernel_module: jffs2, disabled: true}]", StatusPass, "/etc/modprobe.d/first.conf"},
		{"not blacklisted", tree, "all: [{kernel_module: udf, blacklisted: true}]", StatusFail, "kernel module udf is not blacklisted"},
		{"no /proc/modules", "", "all: [{kernel_module: udf, loaded: false}]", StatusNotApplicable, "no /proc/modules"},
	})
}

func TestConditions(t *testing.T) {
	tree := "-- file /etc/a 0644\nyes\n-- sysctl\nkernel.x = 1\n"
	runRuleCases(t, []ruleCase{
		{"all stops at the first false", tree, "all: [{file: /etc/a}, {file: /etc/b}, {sysctl: kernel.missing, value: x}]", StatusFail, "/etc/b does not exist"},
		{"all with an unknown", tree, "all: [{file: /etc/a}, {sysctl: kernel.missing, value: x}]", StatusNotApplicable, "kernel.missing does not exist"},
		{"error outweighs unknown", tree, "all: [{sysctl: kernel.missing, value: x}, {file: /etc, line: x}]", StatusError, "it is a directory"},
		{"any stops at the first true", tree, "any: [{file: /etc/b}, {file: /etc/a}, {file: /etc, line: x}]", StatusPass, "/etc/a exists"},
		{"any all false", tree, "any: [{file: /etc/b}, {file: /etc/c}]", StatusFail, "/etc/b does not exist; /etc/c does not exist"},
		{"any with an unknown", tree, "any: [{file: /etc/b}, {sysctl: kernel.missing, value: x}]", StatusNotApplicable, "does not exist on this kernel"},
		{"none passes", tree, "none: [{file: /etc/b}, {sysctl: kernel.x, compare: '> 1'}]", StatusPass, "/etc/b does not exist; kernel.x = 1"},
		{"none fails", tree, "none: [{file: /etc/b}, {file: /etc/a}]", StatusFail, "/etc/a exists"},
		{"not", tree, "all: [{file: /etc/a, not: true}]", StatusFail, "/etc/a exists"},
		{"nested", tree, "all: [{file: /etc/a}, {any: [{file: /etc/b}, {none: [{file: /etc/c}]}]}]", StatusPass, "/etc/a exists; /etc/c does not exist"},
		{"requires unmet", tree, "requires: {all: [{file: /etc/ssh/sshd_config}]}\nall: [{file: /etc/a}]", StatusNotApplicable, "does not apply: /etc/ssh/sshd_config does not exist"},
		{"requires unknown", tree, "requires: {all: [{sysctl: kernel.missing, value: x}]}\nall: [{file: /etc/a}]", StatusNotApplicable, "does not apply"},
		{"requires error", tree, "requires: {all: [{file: /etc, line: x}]}\nall: [{file: /etc/a}]", StatusError, "it is a directory"},
		{"requires met", tree, "requires: {any: [{file: /etc/a}]}\nall: [{file: /etc/a}]", StatusPass, "/etc/a exists"},
	})
}

func TestPolicyRequirements(t *testing.T) {
	root := buildTree(t, "-- file /etc/os-release 0644\nID=\"debian\"\n")
	doc := "id: p\nname: P\nplatforms: [debian]\nrequires: {all: [{file: /etc/debian_version}]}\nchecks:\n  - id: c\n    title: C\n    all: [{file: /etc/os-release}]\n"
	p, err := Load([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	res := Evaluate(t.Context(), p, treeEnv(root))
	if res.Skipped != "policy does not apply: /etc/debian_version does not exist" || res.Checks[0].Status != StatusNotApplicable {
		t.Errorf("skipped %q, check %s", res.Skipped, res.Checks[0].Status)
	}
	// No os-release: the platform cannot be told.
	res = Evaluate(t.Context(), p, treeEnv(t.TempDir()))
	if !strings.Contains(res.Skipped, "cannot tell the platform") {
		t.Errorf("skipped %q", res.Skipped)
	}
}

func TestEvaluateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	res := Evaluate(ctx, baseline(t), treeEnv(t.TempDir()))
	for _, c := range res.Checks {
		if c.Status != StatusError && c.Status != StatusNotApplicable {
			t.Fatalf("%s evaluated after cancel: %s", c.ID, c.Status)
		}
	}
}

func TestScore(t *testing.T) {
	r := Result{Checks: []CheckResult{{Status: StatusPass}, {Status: StatusPass}, {Status: StatusFail}, {Status: StatusNotApplicable}, {Status: StatusError}}}
	r.summarize("d")
	if r.Passed != 2 || r.Failed != 1 || r.NotApplicable != 1 || r.Errors != 1 || r.Score != 66.67 {
		t.Errorf("got %+v", r)
	}
	empty := Result{Checks: []CheckResult{{Status: StatusNotApplicable}}}
	empty.summarize("d")
	if empty.Score != 0 {
		t.Errorf("score without pass or fail = %v", empty.Score)
	}
}

func TestNoCommandsInATree(t *testing.T) {
	root := buildTree(t, "-- file /usr/bin/tool 0755\n#!/bin/sh\nexit 0\n")
	got := evalCheck(t, Env{Root: root}, "all: [{command: [tool]}]")
	if got.Status != StatusNotApplicable || !strings.Contains(got.Reason, "only run against the host") {
		t.Errorf("got %s: %s", got.Status, got.Reason)
	}
}

func TestExecRunnerOutputCap(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "loud")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nhead -c 300000 /dev/zero | tr '\\0' a\necho done >&2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	out, err := ExecRunner{Dirs: []string{dir, "/usr/bin", "/bin"}, MaxOutput: 1000}.Run(ctx, []string{"loud"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Stdout) != 1000 || strings.TrimSpace(string(out.Stderr)) != "done" || out.ExitCode != 0 {
		t.Errorf("stdout %d bytes, stderr %q, exit %d", len(out.Stdout), out.Stderr, out.ExitCode)
	}
}
