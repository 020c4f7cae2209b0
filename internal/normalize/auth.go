package normalize

import (
	"strings"

	"github.com/eventsec/eventsec/internal/event"
)

// isAuthProgram says whether a syslog tag names a Linux program whose
// messages are authentication, session or account events.
func isAuthProgram(p string) bool {
	switch p {
	case "sshd", "sshd-session", "sshd-auth", "sudo", "su", "login", "systemd-logind",
		"useradd", "userdel", "usermod", "groupadd", "groupdel", "groupmod", "gpasswd",
		"passwd", "chpasswd", "chage", "newusers", "cron", "CRON", "crond", "CROND", "pkexec",
		"polkitd", "unix_chkpwd", "doas", "runuser", "vsftpd", "dovecot":
		return true
	}
	return false
}

// Category and type lists used by the Linux auth mapping.
var (
	catAuth    = []string{"authentication"}
	catSession = []string{"session"}
	catIAM     = []string{"iam"}
	catProcess = []string{"process"}
	typStart   = []string{"start"}
	typEnd     = []string{"end"}
	typInfo    = []string{"info"}
)

// outcome stores event.outcome; a failure is at least low severity.
func (st *state) outcomeOf(ok bool) {
	if ok {
		st.f["event.outcome"] = "success"
		return
	}
	st.f["event.outcome"] = "failure"
	// A failed authentication is worth a look even when the program
	// logged it at info level.
	if sev, _ := st.f["event.severity"].(int64); sev < event.SeverityLow {
		st.setSeverity(event.SeverityLow)
	}
}

// authPhrase recognises an sshd or PAM message by its wording alone,
// whoever sent it: a bare line (a HEC string, an imported file), or a
// syslog message from a program not known to log them (logger's default
// tag is the user's name). It maps the message as auth does for sshd and
// PAM, sets event.dataset linux.auth, and reports whether it did; when
// it did not, it leaves the event as it was. It does not set message.
func (st *state) authPhrase(s string) bool {
	s = strings.TrimSpace(s)
	ok := false
	switch {
	case strings.HasPrefix(s, "Accepted "), strings.HasPrefix(s, "Failed password for "),
		strings.HasPrefix(s, "Failed publickey for "), strings.HasPrefix(s, "Failed keyboard-interactive"),
		// sshd names the address; other programs' "Invalid user ..."
		// are not logons.
		strings.HasPrefix(s, "Invalid user ") && strings.Contains(s, " from "):
		if ok = st.sshd(s); ok {
			st.f["network.protocol"] = "ssh"
		}
	case strings.HasPrefix(s, "pam_unix("):
		ok = st.pam("", s)
	}
	if ok {
		st.f["event.dataset"] = "linux.auth"
	}
	return ok
}

// auth maps a message of a Linux auth program; it reports whether the
// message was understood.
func (st *state) auth(prog, msg string) bool {
	msg = st.unrepeat(strings.TrimSpace(msg))
	if strings.HasPrefix(msg, "pam_") {
		return st.pam(prog, msg)
	}
	switch prog {
	case "sshd", "sshd-session", "sshd-auth":
		st.f["network.protocol"] = "ssh"
		return st.sshd(msg)
	case "sudo", "doas":
		return st.sudo(msg)
	case "su", "runuser":
		return st.su(msg)
	case "useradd", "userdel", "usermod", "groupadd", "groupdel", "groupmod", "gpasswd", "newusers", "chage":
		return st.account(msg)
	case "passwd", "chpasswd":
		return st.passwd(msg)
	case "login":
		return st.login(msg)
	case "systemd-logind":
		return st.logind(msg)
	}
	if strings.HasPrefix(msg, "PAM ") {
		return st.pamSummary(msg)
	}
	return false
}

// fromIPPort reads "IP port N" (or "IP") at the start of s. What follows
// the port after a colon is not part of it: "port 4000:11:" is port 4000
// and disconnect reason 11.
func (st *state) fromIPPort(s string) {
	ip, rest, _ := nextToken(s)
	st.setIP("source.ip", ip)
	if strings.HasPrefix(rest, "port ") {
		p, _, _ := nextToken(rest[5:])
		p, _, _ = strings.Cut(p, ":")
		st.setPort("source.port", p)
	}
}

// sshd maps OpenSSH's messages.
func (st *state) sshd(msg string) bool {
	f := st.f
	switch {
	case strings.HasPrefix(msg, "Accepted "), strings.HasPrefix(msg, "Failed "):
		// "Accepted publickey for alice from 10.0.0.5 port 50122 ssh2: RSA SHA256:..."
		// "Failed password for invalid user admin from 1.2.3.4 port 4242 ssh2"
		ok := msg[0] == 'A'
		rest := msg[strings.IndexByte(msg, ' ')+1:]
		method, rest, _ := nextToken(rest)
		if !strings.HasPrefix(rest, "for ") {
			return false
		}
		rest = rest[4:]
		from := strings.LastIndex(rest, " from ")
		if from < 0 {
			return false
		}
		user := rest[:from]
		if strings.HasPrefix(user, "invalid user ") {
			user = user[len("invalid user "):]
			f["system.auth.ssh.invalid_user"] = true
		}
		st.set("user.name", user)
		addr := rest[from+6:]
		st.fromIPPort(addr)
		if i := strings.Index(addr, ": "); i >= 0 {
			st.set("system.auth.ssh.signature", addr[i+2:])
		}
		f["system.auth.ssh.method"] = method
		if ok {
			f["system.auth.ssh.event"] = "Accepted"
		} else {
			f["system.auth.ssh.event"] = "Failed"
		}
		f["event.action"] = "ssh_login"
		st.categorize(catAuth, typStart)
		st.outcomeOf(ok)
		return true
	case strings.HasPrefix(msg, "Invalid user "):
		// "Invalid user admin from 1.2.3.4 port 4242"
		rest := msg[len("Invalid user "):]
		from := strings.LastIndex(rest, " from ")
		if from < 0 {
			st.set("user.name", rest)
		} else {
			st.set("user.name", rest[:from])
			st.fromIPPort(rest[from+6:])
		}
		f["system.auth.ssh.event"] = "Invalid"
		f["system.auth.ssh.invalid_user"] = true
		f["event.action"] = "ssh_login"
		st.categorize(catAuth, typInfo)
		st.outcomeOf(false)
		return true
	case strings.HasPrefix(msg, "User ") && strings.Contains(msg, " not allowed because "):
		// "User root from 1.2.3.4 not allowed because not listed in AllowUsers"
		rest := msg[5:]
		if i := strings.Index(rest, " from "); i >= 0 {
			st.set("user.name", rest[:i])
			st.fromIPPort(rest[i+6:])
		}
		f["event.action"] = "ssh_login"
		st.categorize(catAuth, typInfo)
		st.outcomeOf(false)
		return true
	case strings.HasPrefix(msg, "Disconnected from "), strings.HasPrefix(msg, "Connection closed by "),
		strings.HasPrefix(msg, "Connection reset by "):
		// "Disconnected from authenticating user root 1.2.3.4 port 22 [preauth]"
		// "Connection closed by invalid user admin 1.2.3.4 port 4242 [preauth]"
		// "Disconnected from user alice 10.0.0.5 port 50122"
		rest := msg[strings.Index(msg, " by ")+4:]
		if msg[0] == 'D' {
			rest = msg[len("Disconnected from "):]
		}
		for _, p := range [...]string{"authenticating user ", "invalid user ", "user "} {
			if strings.HasPrefix(rest, p) {
				rest = rest[len(p):]
				if p[0] == 'i' {
					f["system.auth.ssh.invalid_user"] = true
				}
				// The user name may hold spaces: the address is the
				// third token from the end ("IP port N").
				if i := strings.LastIndex(rest, " port "); i > 0 {
					if j := strings.LastIndexByte(rest[:i], ' '); j > 0 {
						st.set("user.name", rest[:j])
						rest = rest[j+1:]
					}
				}
				break
			}
		}
		st.fromIPPort(rest)
		f["event.action"] = "ssh_disconnect"
		st.categorize(catSession, typEnd)
		if strings.HasSuffix(msg, "[preauth]") {
			f["system.auth.ssh.preauth"] = true
		}
		return true
	case strings.HasPrefix(msg, "Received disconnect from "):
		// "Received disconnect from 1.2.3.4 port 4000:11: Bye Bye [preauth]"
		// (11 is the SSH disconnect reason code, "Bye Bye" the peer's
		// text); before OpenSSH 7.3 "from 1.2.3.4: 11: Bye Bye".
		rest := msg[len("Received disconnect from "):]
		if ip, after, ok := strings.Cut(rest, ": "); ok && !strings.Contains(ip, " ") {
			st.setIP("source.ip", ip)
			rest = after
		} else {
			st.fromIPPort(rest)
			if _, after, ok := strings.Cut(rest, " port "); ok {
				_, rest, _ = strings.Cut(after, ":")
			}
		}
		// rest is "11: Bye Bye [preauth]".
		if _, text, ok := strings.Cut(rest, ": "); ok {
			text = strings.TrimSpace(strings.TrimSuffix(text, "[preauth]"))
			st.set("event.reason", text)
		}
		if strings.HasSuffix(msg, "[preauth]") {
			f["system.auth.ssh.preauth"] = true
		}
		f["event.action"] = "ssh_disconnect"
		st.categorize(catSession, typEnd)
		return true
	case strings.HasPrefix(msg, "Did not receive identification string from "),
		strings.HasPrefix(msg, "Unable to negotiate with "),
		strings.HasPrefix(msg, "banner exchange: Connection from "),
		strings.HasPrefix(msg, "Bad protocol version identification"):
		rest := msg
		if i := strings.Index(msg, " from "); i >= 0 {
			rest = msg[i+6:]
		} else if i := strings.Index(msg, " with "); i >= 0 {
			rest = msg[i+6:]
		}
		st.fromIPPort(rest)
		f["event.action"] = "ssh_connection_error"
		st.categorize([]string{"network"}, []string{"connection"})
		st.outcomeOf(false)
		return true
	case strings.HasPrefix(msg, "error: maximum authentication attempts exceeded for "),
		strings.HasPrefix(msg, "maximum authentication attempts exceeded for "):
		rest := msg[strings.Index(msg, "exceeded for ")+len("exceeded for "):]
		from := strings.LastIndex(rest, " from ")
		if from > 0 {
			user := strings.TrimPrefix(rest[:from], "invalid user ")
			st.set("user.name", user)
			st.fromIPPort(rest[from+6:])
		}
		f["event.action"] = "ssh_login"
		st.categorize(catAuth, typInfo)
		st.outcomeOf(false)
		return true
	case strings.HasPrefix(msg, "error: PAM: Authentication failure for "):
		rest := msg[len("error: PAM: Authentication failure for "):]
		from := strings.LastIndex(rest, " from ")
		if from > 0 {
			st.set("user.name", strings.TrimPrefix(rest[:from], "illegal user "))
			st.setIP("source.ip", rest[from+6:])
		}
		f["event.action"] = "ssh_login"
		st.categorize(catAuth, typStart)
		st.outcomeOf(false)
		return true
	case strings.HasPrefix(msg, "Connection from "):
		// "Connection from 1.2.3.4 port 4242 on 10.0.0.1 port 22 rdomain """
		st.fromIPPort(msg[len("Connection from "):])
		if i := strings.Index(msg, " on "); i > 0 {
			ip, rest, _ := nextToken(msg[i+4:])
			st.setIP("destination.ip", ip)
			if strings.HasPrefix(rest, "port ") {
				p, _, _ := nextToken(rest[5:])
				st.setPort("destination.port", p)
			}
		}
		f["event.action"] = "ssh_connection"
		st.categorize([]string{"network"}, []string{"connection", "start"})
		return true
	case strings.HasPrefix(msg, "PAM "):
		return st.pamSummary(msg)
	}
	return false
}

// pamSummary maps "PAM 2 more authentication failures; logname= uid=0
// euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root".
func (st *state) pamSummary(msg string) bool {
	if !strings.Contains(msg, "authentication failure") {
		return false
	}
	if i := strings.IndexByte(msg, ';'); i > 0 {
		st.pamFields(msg[i+1:])
	}
	st.f["event.action"] = "authentication_failure"
	st.categorize(catAuth, typInfo)
	st.outcomeOf(false)
	return true
}

// pamFields reads "logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root".
func (st *state) pamFields(s string) {
	for _, tok := range strings.Fields(s) {
		k, v, ok := strings.Cut(tok, "=")
		if !ok || v == "" {
			continue
		}
		switch k {
		case "user":
			st.set("user.name", v)
		case "rhost":
			if !st.setIP("source.ip", v) {
				st.set("source.domain", v)
			}
		case "ruser":
			st.set("source.user.name", v)
		case "tty":
			st.set("process.tty.name", v)
		// uid and euid are those of the process that called PAM (sshd,
		// su: often root), not of the user named: user.id would make
		// every failure look like root's.
		case "uid":
			st.set("process.real_user.id", v)
		case "euid":
			st.set("process.user.id", v)
		case "logname":
			st.set("system.auth.pam.logname", v)
		}
	}
}

// pam maps "pam_unix(sshd:session): session opened for user root(uid=0)
// by (uid=0)" and its kin from any PAM module.
func (st *state) pam(prog, msg string) bool {
	f := st.f
	open := strings.IndexByte(msg, '(')
	end := strings.Index(msg, "): ")
	if open < 0 || end < open {
		return false
	}
	module := msg[:open]
	svc, typ, _ := strings.Cut(msg[open+1:end], ":")
	understood := st.pamEvent(msg[end+3:])
	if !understood && prog == "" {
		// Recognised by its wording alone (authPhrase): text that only
		// looks like PAM's leaves no trace.
		return false
	}
	f["system.auth.pam.module"] = module
	st.set("system.auth.pam.service", svc)
	st.set("system.auth.pam.type", typ)
	if prog == "" {
		// The PAM service names the program, unless a syslog header
		// named it already (kept as sent).
		st.setIfAbsent("process.name", svc)
	}
	return understood
}

// pamEvent maps what a PAM module says after "module(service:type): ";
// it writes nothing when it does not know the message.
func (st *state) pamEvent(rest string) bool {
	f := st.f
	switch {
	case strings.HasPrefix(rest, "session opened for user "):
		// "root(uid=0) by alice(uid=1000)" or "root by (uid=0)"
		rest = rest[len("session opened for user "):]
		user, by, _ := strings.Cut(rest, " by ")
		if i := strings.IndexByte(user, '('); i > 0 {
			st.pamUID("user.id", user[i:])
			user = user[:i]
		}
		st.set("user.name", user)
		st.addStr("related.user", user)
		if i := strings.IndexByte(by, '('); i > 0 {
			st.set("source.user.name", by[:i])
			st.addStr("related.user", by[:i])
		}
		f["event.action"] = "session_opened"
		st.categorize(catSession, typStart)
		st.outcomeOf(true)
		return true
	case strings.HasPrefix(rest, "session closed for user "):
		user := strings.TrimSpace(rest[len("session closed for user "):])
		st.set("user.name", user)
		f["event.action"] = "session_closed"
		st.categorize(catSession, typEnd)
		st.outcomeOf(true)
		return true
	case strings.HasPrefix(rest, "authentication failure"):
		if i := strings.IndexByte(rest, ';'); i >= 0 {
			st.pamFields(rest[i+1:])
		}
		f["event.action"] = "authentication_failure"
		st.categorize(catAuth, typInfo)
		st.outcomeOf(false)
		return true
	case strings.HasPrefix(rest, "check pass; user unknown"):
		f["event.action"] = "authentication_failure"
		st.categorize(catAuth, typInfo)
		st.outcomeOf(false)
		return true
	case strings.HasPrefix(rest, "password changed for "):
		user := strings.TrimSpace(rest[len("password changed for "):])
		st.set("user.target.name", user)
		st.addStr("related.user", user)
		f["event.action"] = "changed-password"
		st.categorize(catIAM, []string{"user", "change"})
		st.outcomeOf(true)
		return true
	case strings.HasPrefix(rest, "auth could not identify password for ["):
		user := strings.TrimSuffix(rest[len("auth could not identify password for ["):], "]")
		st.set("user.name", user)
		f["event.action"] = "authentication_failure"
		st.categorize(catAuth, typInfo)
		st.outcomeOf(false)
		return true
	}
	return false
}

// pamUID reads "(uid=0)".
func (st *state) pamUID(key, s string) {
	s = strings.TrimPrefix(strings.TrimSuffix(s, ")"), "(uid=")
	if isDigits(s) {
		st.f[key] = s
	}
}

// sudo maps "alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"
// and its failures ("alice : 3 incorrect password attempts ; TTY=...",
// "alice : user NOT in sudoers ; ...").
func (st *state) sudo(msg string) bool {
	f := st.f
	user, rest, ok := strings.Cut(msg, " : ")
	if !ok {
		return false
	}
	user = strings.TrimSpace(user)
	st.set("user.name", user)
	st.addStr("related.user", user)
	var problem string
	for _, part := range strings.Split(rest, " ; ") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || !isUpperWord(k) {
			if problem == "" {
				problem = strings.TrimSpace(part)
			}
			continue
		}
		switch k {
		case "TTY":
			st.set("process.tty.name", v)
			st.set("system.auth.sudo.tty", v)
		case "PWD":
			st.set("process.working_directory", v)
			st.set("system.auth.sudo.pwd", v)
		case "USER":
			st.set("user.effective.name", v)
			st.set("system.auth.sudo.user", v)
			st.addStr("related.user", v)
		case "GROUP":
			st.set("group.name", v)
		case "COMMAND":
			st.set("process.command_line", v)
			st.set("system.auth.sudo.command", v)
			exe, _, _ := nextToken(v)
			st.set("process.executable", exe)
			st.set("process.name", baseName(exe))
		}
	}
	if problem != "" {
		st.set("system.auth.sudo.error", problem)
		f["event.action"] = "sudo"
		st.categorize(catAuth, typInfo)
		st.outcomeOf(false)
		return true
	}
	if _, ok := f["process.command_line"]; !ok {
		return false
	}
	f["event.action"] = "sudo"
	st.categorize(catProcess, typStart)
	st.outcomeOf(true)
	return true
}

func isUpperWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'A' && s[i] <= 'Z' || s[i] == '_') {
			return false
		}
	}
	return true
}

// su maps util-linux and shadow su: "(to root) alice on pts/0", "FAILED
// SU (to root) alice on pts/0", "Successful su for root by alice", "+
// pts/0 alice:root".
func (st *state) su(msg string) bool {
	f := st.f
	ok := true
	switch {
	case strings.HasPrefix(msg, "FAILED SU (to "), strings.HasPrefix(msg, "(to "):
		ok = msg[0] == '('
		rest := msg[strings.Index(msg, "(to ")+4:]
		target, rest, found := strings.Cut(rest, ") ")
		if !found {
			return false
		}
		user, tty, _ := strings.Cut(rest, " on ")
		st.set("user.name", user)
		st.set("user.effective.name", target)
		st.set("process.tty.name", tty)
		st.addStr("related.user", user)
		st.addStr("related.user", target)
	case strings.HasPrefix(msg, "Successful su for "), strings.HasPrefix(msg, "FAILED su for "):
		ok = msg[0] == 'S'
		rest := msg[strings.Index(msg, " for ")+5:]
		target, user, found := strings.Cut(rest, " by ")
		if !found {
			return false
		}
		st.set("user.name", user)
		st.set("user.effective.name", target)
		st.addStr("related.user", user)
		st.addStr("related.user", target)
	case len(msg) > 2 && (msg[0] == '+' || msg[0] == '-') && msg[1] == ' ':
		ok = msg[0] == '+'
		tty, pair, _ := strings.Cut(msg[2:], " ")
		user, target, found := strings.Cut(pair, ":")
		if !found {
			return false
		}
		st.set("user.name", user)
		st.set("user.effective.name", target)
		st.set("process.tty.name", tty)
	default:
		return false
	}
	f["event.action"] = "su"
	st.categorize(catAuth, typStart)
	st.outcomeOf(ok)
	return true
}

// quoted returns the text between the first pair of single quotes.
func quoted(s string) (string, string, bool) {
	i := strings.IndexByte(s, '\'')
	if i < 0 {
		return "", s, false
	}
	j := strings.IndexByte(s[i+1:], '\'')
	if j < 0 {
		return "", s, false
	}
	return s[i+1 : i+1+j], s[i+2+j:], true
}

// commaFields reads "name=bob, UID=1001, GID=1001, home=/home/bob".
func commaFields(s string) map[string]string {
	m := make(map[string]string, 6)
	for _, part := range strings.Split(s, ", ") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			m[k] = v
		}
	}
	return m
}

// account maps shadow-utils: useradd, userdel, usermod, groupadd,
// groupdel, gpasswd.
func (st *state) account(msg string) bool {
	f := st.f
	user := func(name, id string) {
		st.set("user.target.name", name)
		st.set("user.target.id", id)
		st.addStr("related.user", name)
	}
	switch {
	case strings.HasPrefix(msg, "new user: "):
		m := commaFields(msg[len("new user: "):])
		user(m["name"], m["UID"])
		st.set("group.id", m["GID"])
		st.set("system.auth.useradd.home", m["home"])
		st.set("system.auth.useradd.shell", m["shell"])
		f["event.action"] = "added-user-account"
		st.categorize(catIAM, []string{"user", "creation"})
	case strings.HasPrefix(msg, "new group: "), strings.HasPrefix(msg, "group added to "):
		rest := msg[strings.IndexByte(msg, ':')+2:]
		m := commaFields(rest)
		st.set("group.name", m["name"])
		st.set("group.id", m["GID"])
		f["event.action"] = "added-group-account"
		st.categorize(catIAM, []string{"group", "creation"})
	case strings.HasPrefix(msg, "delete user '"):
		name, _, _ := quoted(msg)
		user(name, "")
		f["event.action"] = "deleted-user-account"
		st.categorize(catIAM, []string{"user", "deletion"})
	case strings.HasPrefix(msg, "group '") && strings.Contains(msg, "' removed"),
		strings.HasPrefix(msg, "removed group '"), strings.HasPrefix(msg, "removed shadow group '"):
		name, _, _ := quoted(msg)
		st.set("group.name", name)
		f["event.action"] = "deleted-group-account"
		st.categorize(catIAM, []string{"group", "deletion"})
	case strings.HasPrefix(msg, "add '"):
		// usermod -aG: "add 'bob' to group 'sudo'", "add 'bob' to shadow group 'sudo'"
		name, rest, _ := quoted(msg)
		group, _, _ := quoted(rest)
		user(name, "")
		st.set("group.name", group)
		f["event.action"] = "added-member-to-group"
		st.categorize(catIAM, []string{"group", "change"})
	case strings.HasPrefix(msg, "delete '") && strings.Contains(msg, " from group '"),
		strings.HasPrefix(msg, "delete '") && strings.Contains(msg, " from shadow group '"):
		name, rest, _ := quoted(msg)
		group, _, _ := quoted(rest)
		user(name, "")
		st.set("group.name", group)
		f["event.action"] = "removed-member-from-group"
		st.categorize(catIAM, []string{"group", "change"})
	case strings.HasPrefix(msg, "user ") && strings.Contains(msg, " added by ") && strings.Contains(msg, " to group "):
		// gpasswd: "user bob added by root to group sudo"
		rest := msg[5:]
		name, rest, _ := strings.Cut(rest, " added by ")
		actor, group, _ := strings.Cut(rest, " to group ")
		user(name, "")
		st.set("user.name", actor)
		st.set("group.name", group)
		f["event.action"] = "added-member-to-group"
		st.categorize(catIAM, []string{"group", "change"})
	case strings.HasPrefix(msg, "change user '"), strings.HasPrefix(msg, "lock user '"), strings.HasPrefix(msg, "unlock user '"):
		name, _, _ := quoted(msg)
		user(name, "")
		f["event.action"] = "modified-user-account"
		st.categorize(catIAM, []string{"user", "change"})
	case strings.HasPrefix(msg, "failed adding user '"):
		name, _, _ := quoted(msg)
		user(name, "")
		f["event.action"] = "added-user-account"
		st.categorize(catIAM, []string{"user", "creation"})
		st.outcomeOf(false)
		return true
	default:
		return false
	}
	st.outcomeOf(true)
	return true
}

// passwd maps "password for 'bob' changed by 'root'".
func (st *state) passwd(msg string) bool {
	if !strings.HasPrefix(msg, "password for '") {
		return false
	}
	name, rest, _ := quoted(msg)
	actor, _, _ := quoted(rest)
	st.set("user.target.name", name)
	st.set("user.name", actor)
	st.addStr("related.user", name)
	st.f["event.action"] = "changed-password"
	st.categorize(catIAM, []string{"user", "change"})
	st.outcomeOf(true)
	return true
}

// login maps "FAILED LOGIN 1 FROM tty1 FOR root, Authentication failure",
// "FAILED LOGIN (1) on '/dev/tty1' FOR 'root', ...", "ROOT LOGIN ON tty1",
// "LOGIN ON tty1 BY bob".
func (st *state) login(msg string) bool {
	f := st.f
	switch {
	case strings.HasPrefix(msg, "FAILED LOGIN "):
		if i := strings.Index(msg, " FOR "); i > 0 {
			u := msg[i+5:]
			if j := strings.IndexByte(u, ','); j >= 0 {
				u = u[:j]
			}
			st.set("user.name", strings.Trim(u, "'"))
		}
		f["event.action"] = "logon-failed"
		st.categorize(catAuth, typStart)
		st.outcomeOf(false)
		return true
	case strings.HasPrefix(msg, "ROOT LOGIN "):
		st.set("user.name", "root")
	case strings.HasPrefix(msg, "LOGIN ON ") && strings.Contains(msg, " BY "):
		st.set("user.name", msg[strings.Index(msg, " BY ")+4:])
	default:
		return false
	}
	f["event.action"] = "logged-in"
	st.categorize(catAuth, typStart)
	st.outcomeOf(true)
	return true
}

// logind maps "New session 3 of user bob." and "Removed session 3.".
func (st *state) logind(msg string) bool {
	f := st.f
	switch {
	case strings.HasPrefix(msg, "New session ") && strings.Contains(msg, " of user "):
		rest := msg[len("New session "):]
		id, user, _ := strings.Cut(rest, " of user ")
		st.set("user.name", strings.TrimSuffix(user, "."))
		st.set("system.auth.session_id", id)
		f["event.action"] = "session_opened"
		st.categorize(catSession, typStart)
	case strings.HasPrefix(msg, "Removed session "):
		st.set("system.auth.session_id", strings.TrimSuffix(msg[len("Removed session "):], "."))
		f["event.action"] = "session_closed"
		st.categorize(catSession, typEnd)
	default:
		return false
	}
	st.outcomeOf(true)
	return true
}
