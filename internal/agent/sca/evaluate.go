package sca

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is the outcome of one check.
type Status string

// Check outcomes. Error means the evaluator could not decide (a file it may
// not read, a command that timed out); NotApplicable means the check does
// not concern this host (SSH not installed) or the information does not
// exist here (no systemd, command not installed).
const (
	StatusPass          Status = "pass"
	StatusFail          Status = "fail"
	StatusNotApplicable Status = "not_applicable"
	StatusError         Status = "error"
)

// Env is what a policy is evaluated against. Zero fields take the defaults
// given for each, which assess the live host.
type Env struct {
	// Root is the tree file paths, sysctls (<Root>/proc/sys) and the
	// os-release are read from (default "/").
	Root string
	// Runner runs command rules (default ExecRunner{} when Root is "/").
	// Commands report on the running host, not on a tree: with another
	// Root and no Runner, command rules are not applicable, so that
	// assessing a mounted image never runs the image's programs (or
	// reports the host's state as the image's).
	Runner Runner
	// Packages lists installed packages (default DpkgStatus{Root}).
	Packages PackageLister
	// Services answers service rules (default Systemctl{Runner} for the
	// host, UnitFiles{Root} for another root).
	Services Services
	// Now is the clock for the result's times (default time.Now).
	Now func() time.Time
	// CommandTimeout bounds a command rule without its own timeout
	// (default 30s).
	CommandTimeout time.Duration
	// Logger receives a line per check that ends in error (default: none).
	Logger *slog.Logger
}

// Result is the outcome of one policy on one host.
type Result struct {
	PolicyID   string
	PolicyName string
	StartedAt  time.Time
	FinishedAt time.Time
	// Skipped says why the policy does not apply to this host (another
	// platform, an unmet requirement); every check is then not_applicable.
	Skipped string
	Checks  []CheckResult
	// Counts per status.
	Passed, Failed, NotApplicable, Errors int
	// Score is Passed / (Passed+Failed) * 100, rounded to two decimals; 0
	// when no check passed or failed.
	Score float64
	// Hash is a hex SHA-256 over the policy digest and every check's id,
	// status and reason, and nothing time-dependent: the agent may skip
	// sending a result whose hash it sent last time.
	Hash string
}

// CheckResult is the outcome of one check.
type CheckResult struct {
	ID     string
	Title  string
	Status Status
	// Reason names the rule that decided and what it found, e.g.
	// "/etc/ssh/sshd_config: PermitRootLogin yes (line 32)".
	Reason      string
	Severity    Severity
	Rationale   string
	Remediation string
	Compliance  map[string]string
}

// Evaluate runs every check of the policy against env. It never fails as a
// whole: what cannot be decided is reported per check as error or
// not_applicable. A cancelled ctx marks the remaining checks as errors.
// Evaluations of the same Policy may run concurrently.
func Evaluate(ctx context.Context, p *Policy, env Env) Result {
	ev := newEvaluator(env)
	res := Result{PolicyID: p.ID, PolicyName: p.Name, StartedAt: ev.now()}
	skip := ev.applies(ctx, p)
	for i := range p.Checks {
		c := &p.Checks[i]
		cr := CheckResult{
			ID: c.ID, Title: c.Title, Severity: c.Severity,
			Rationale: c.Rationale, Remediation: c.Remediation, Compliance: maps.Clone(c.Compliance),
		}
		switch {
		case skip != "":
			cr.Status, cr.Reason = StatusNotApplicable, skip
		case ctx.Err() != nil:
			cr.Status, cr.Reason = StatusError, "evaluation stopped: "+ctx.Err().Error()
		default:
			cr.Status, cr.Reason = ev.check(ctx, c)
		}
		if cr.Status == StatusError {
			ev.log.Warn("configuration check could not be evaluated", slog.String("policy", p.ID), slog.String("check", c.ID), slog.String("reason", cr.Reason))
		}
		res.Checks = append(res.Checks, cr)
	}
	res.Skipped = skip
	res.FinishedAt = ev.now()
	res.summarize(p.Digest)
	return res
}

func (r *Result) summarize(digest string) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", r.PolicyID, digest)
	for _, c := range r.Checks {
		switch c.Status {
		case StatusPass:
			r.Passed++
		case StatusFail:
			r.Failed++
		case StatusNotApplicable:
			r.NotApplicable++
		default:
			r.Errors++
		}
		fmt.Fprintf(h, "%s\x1f%s\x1f%s\n", c.ID, c.Status, c.Reason)
	}
	if n := r.Passed + r.Failed; n > 0 {
		r.Score = math.Round(float64(r.Passed)/float64(n)*100*100) / 100
	}
	r.Hash = hex.EncodeToString(h.Sum(nil))
}

// truth is a rule's outcome.
type truth int

const (
	isFalse truth = iota
	isTrue
	unknown // not applicable
	broken  // error
)

// outcome is a rule's truth with what was found. want says what a false
// rule was looking for; it is shown only where the rule was meant to hold
// (under all or any), not where its being false is the good news (none).
type outcome struct {
	t      truth
	reason string
	want   string
}

func (o outcome) text(in op) string {
	if o.t == isFalse && in != opNone && o.want != "" {
		return o.reason + "; want " + o.want
	}
	return o.reason
}

func yes(format string, args ...any) outcome {
	return outcome{t: isTrue, reason: fmt.Sprintf(format, args...)}
}

func no(format string, args ...any) outcome {
	return outcome{t: isFalse, reason: fmt.Sprintf(format, args...)}
}

// failure turns an error into unknown (ErrUnavailable) or broken.
func failure(err error) outcome {
	if errors.Is(err, ErrUnavailable) {
		return outcome{t: unknown, reason: err.Error()}
	}
	return outcome{t: broken, reason: err.Error()}
}

// evaluator holds what one evaluation has read, so that a file or the
// package list consulted by many checks is read once.
type evaluator struct {
	env    Env
	fs     *rootFS
	log    *slog.Logger
	now    func() time.Time
	pkgs   map[string]string
	pkgErr error
	pkgsOK bool
	mods   map[string]bool
	modErr error
	modsOK bool
	mpc    *modprobeConfig
	mpcErr error
}

func newEvaluator(env Env) *evaluator {
	if env.Root == "" {
		env.Root = "/"
	}
	if env.Runner == nil {
		env.Runner = ExecRunner{}
		if !newRootFS(env.Root).isHost() {
			env.Runner = noCommands{}
		}
	}
	if env.Packages == nil {
		env.Packages = DpkgStatus{Root: env.Root}
	}
	if env.Services == nil {
		env.Services = Systemctl{Root: env.Root, Runner: env.Runner}
		if !newRootFS(env.Root).isHost() {
			env.Services = UnitFiles{Root: env.Root}
		}
	}
	if env.CommandTimeout <= 0 {
		env.CommandTimeout = 30 * time.Second
	}
	ev := &evaluator{env: env, fs: newRootFS(env.Root), log: env.Logger, now: env.Now}
	if ev.log == nil {
		ev.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if ev.now == nil {
		ev.now = time.Now
	}
	return ev
}

// applies returns why the policy does not apply, or "".
func (ev *evaluator) applies(ctx context.Context, p *Policy) string {
	if len(p.Platforms) > 0 {
		ids, err := ev.osIDs()
		if err != nil {
			return "policy does not apply: cannot tell the platform: " + err.Error()
		}
		if !slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(p.Platforms, id) }) {
			return fmt.Sprintf("policy does not apply: platform %s is not one of %s", strings.Join(ids, ", "), strings.Join(p.Platforms, ", "))
		}
	}
	if p.requires != nil {
		if o := ev.condition(ctx, p.requires); o.t != isTrue {
			return "policy does not apply: " + o.reason
		}
	}
	return ""
}

// osIDs reads ID and ID_LIKE from the root's os-release.
func (ev *evaluator) osIDs() ([]string, error) {
	var ls []string
	var err error
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if ls, err = ev.fs.readLines(p); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read os-release: %w", err)
	}
	var ids []string
	for _, l := range ls {
		k, v, ok := strings.Cut(l, "=")
		if !ok || (k != "ID" && k != "ID_LIKE") {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		} else {
			v = strings.Trim(v, `'"`)
		}
		ids = append(ids, strings.Fields(strings.ToLower(v))...)
	}
	if len(ids) == 0 {
		return nil, errors.New("os-release has no ID")
	}
	return ids, nil
}

func (ev *evaluator) check(ctx context.Context, c *Check) (Status, string) {
	if c.requires != nil {
		switch o := ev.condition(ctx, c.requires); o.t {
		case isFalse, unknown:
			return StatusNotApplicable, "does not apply: " + o.reason
		case broken:
			return StatusError, o.reason
		}
	}
	o := ev.condition(ctx, &c.cond)
	switch o.t {
	case isTrue:
		return StatusPass, o.reason
	case isFalse:
		return StatusFail, o.reason
	case unknown:
		return StatusNotApplicable, o.reason
	}
	return StatusError, o.reason
}

// condition combines rules, stopping at the first rule that decides: for
// all the first false, for any and none the first true. Otherwise an error
// outweighs not-applicable, which outweighs the default.
func (ev *evaluator) condition(ctx context.Context, c *condition) outcome {
	var reasons []string
	var undecided *outcome
	for _, r := range c.rules {
		o := ev.rule(ctx, r)
		txt := o.text(c.op)
		switch {
		case o.t == isFalse && c.op == opAll:
			return outcome{t: isFalse, reason: txt}
		case o.t == isTrue && c.op == opAny:
			return outcome{t: isTrue, reason: txt}
		case o.t == isTrue && c.op == opNone:
			return outcome{t: isFalse, reason: txt}
		case o.t == broken:
			undecided = &o
		case o.t == unknown && (undecided == nil || undecided.t != broken):
			undecided = &o
		}
		// Rules often read the same line for different options.
		if !slices.Contains(reasons, txt) {
			reasons = append(reasons, txt)
		}
	}
	if undecided != nil {
		return outcome{t: undecided.t, reason: undecided.reason}
	}
	joined := strings.Join(reasons, "; ")
	if c.op == opAny {
		return outcome{t: isFalse, reason: joined}
	}
	return outcome{t: isTrue, reason: joined}
}

func (ev *evaluator) rule(ctx context.Context, r *rule) outcome {
	var o outcome
	switch r.kind {
	case kindCond:
		o = ev.condition(ctx, r.cond)
	case kindFile:
		o = ev.file(r)
	case kindDir:
		o = ev.dir(r)
	case kindCommand:
		o = ev.command(ctx, r)
	case kindSysctl:
		o = ev.sysctl(r)
	case kindPackage:
		o = ev.pkg(ctx, r)
	case kindService:
		o = ev.service(ctx, r)
	case kindModule:
		o = ev.module(r)
	}
	if r.not {
		switch o.t {
		case isTrue:
			o.t = isFalse
		case isFalse:
			o.t = isTrue
		}
	}
	return o
}

func (ev *evaluator) file(r *rule) outcome {
	p := r.target
	fi, err := ev.fs.stat(p)
	if err != nil {
		if isNotExist(err) {
			if r.exists != nil && !*r.exists {
				return yes("%s does not exist", p)
			}
			return no("%s does not exist", p)
		}
		return outcome{t: broken, reason: fmt.Sprintf("cannot read %s: %v", p, unwrapPath(err))}
	}
	if r.exists != nil && !*r.exists {
		return no("%s exists", p)
	}
	var found []string
	if r.modeMax != nil {
		mode := fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		if extra := mode &^ *r.modeMax; extra != 0 {
			return no("%s: mode %s is more permissive than %s", p, octal(mode), octal(*r.modeMax))
		}
		found = append(found, "mode "+octal(mode))
	}
	if r.owners != nil || r.groups != nil {
		uid, gid, ok := fileOwner(fi)
		if !ok {
			return outcome{t: unknown, reason: "file ownership is not available on this system"}
		}
		if r.owners != nil {
			users := ev.fs.userIDs()
			if !idMatches(users, uid, r.owners) {
				return outcome{t: isFalse, reason: fmt.Sprintf("%s: owner %s", p, nameOf(users, uid)), want: "owner " + strings.Join(r.owners, " or ")}
			}
			found = append(found, "owner "+nameOf(users, uid))
		}
		if r.groups != nil {
			groups := ev.fs.groupIDs()
			if !idMatches(groups, gid, r.groups) {
				return outcome{t: isFalse, reason: fmt.Sprintf("%s: group %s", p, nameOf(groups, gid)), want: "group " + strings.Join(r.groups, " or ")}
			}
			found = append(found, "group "+nameOf(groups, gid))
		}
	}
	if r.m != nil {
		if fi.IsDir() {
			return outcome{t: broken, reason: fmt.Sprintf("cannot match lines of %s: it is a directory", p)}
		}
		lines, err := ev.fs.content(p, r.m)
		if err != nil {
			return outcome{t: broken, reason: fmt.Sprintf("cannot read %s: %v", p, unwrapPath(err))}
		}
		o := r.m.match(lines, p)
		if o.t != isTrue || len(found) == 0 {
			return o
		}
		return yes("%s: %s; %s", p, strings.Join(found, ", "), o.reason)
	}
	if len(found) == 0 {
		return yes("%s exists", p)
	}
	return yes("%s: %s", p, strings.Join(found, ", "))
}

func (ev *evaluator) dir(r *rule) outcome {
	names, err := ev.fs.readDir(r.target)
	if err != nil {
		if isNotExist(err) {
			return no("%s does not exist", r.target)
		}
		return outcome{t: broken, reason: fmt.Sprintf("cannot list %s: %v", r.target, unwrapPath(err))}
	}
	var first *outcome
	seen := 0
	for _, n := range names {
		if r.files != nil && !r.files.MatchString(n) {
			continue
		}
		seen++
		p := path.Join(r.target, n)
		if r.m == nil {
			return yes("%s exists", p)
		}
		lines, err := ev.fs.content(p, r.m)
		if err != nil {
			return outcome{t: broken, reason: fmt.Sprintf("cannot read %s: %v", p, unwrapPath(err))}
		}
		o := r.m.match(lines, p)
		if o.t == isTrue {
			return o
		}
		if first == nil {
			first = &o
		}
	}
	if seen == 0 {
		if r.files != nil {
			return no("%s: no file name matches %s", r.target, r.files)
		}
		return no("%s has no files", r.target)
	}
	if seen == 1 {
		return *first
	}
	return no("%s: none of %d files has a line matching %s", r.target, seen, r.m.line)
}

func (ev *evaluator) command(ctx context.Context, r *rule) outcome {
	timeout := r.timeout
	if timeout == 0 {
		timeout = ev.env.CommandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	shown := strings.Join(r.argv, " ")
	out, err := ev.env.Runner.Run(ctx, r.argv)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return outcome{t: broken, reason: fmt.Sprintf("%s: timed out after %s", shown, timeout)}
		}
		return failure(err)
	}
	want := 0
	if r.exitCode != nil {
		want = *r.exitCode
	}
	if (r.exitCode != nil || r.m == nil) && out.ExitCode != want {
		return outcome{t: isFalse, reason: fmt.Sprintf("%s: exit code %d", shown, out.ExitCode), want: fmt.Sprintf("exit code %d", want)}
	}
	if r.m == nil {
		return yes("%s: exit code %d", shown, out.ExitCode)
	}
	ls, err := splitLines(strings.NewReader(string(out.Stdout)))
	if err != nil {
		return outcome{t: broken, reason: fmt.Sprintf("%s: cannot read output: %v", shown, err)}
	}
	lines := make([]srcLine, len(ls))
	for i, l := range ls {
		lines[i] = srcLine{file: shown, num: i + 1, text: l}
	}
	return r.m.match(lines, shown)
}

func (ev *evaluator) sysctl(r *rule) outcome {
	p := "/proc/sys/" + strings.ReplaceAll(r.target, ".", "/")
	ls, err := ev.fs.readLines(p)
	if err != nil {
		if isNotExist(err) {
			return outcome{t: unknown, reason: fmt.Sprintf("sysctl %s does not exist on this kernel", r.target)}
		}
		return outcome{t: broken, reason: fmt.Sprintf("cannot read sysctl %s: %v", r.target, unwrapPath(err))}
	}
	v := strings.Join(strings.Fields(strings.Join(ls, " ")), " ")
	if ok, want := r.m.test(v); !ok {
		return outcome{t: isFalse, reason: fmt.Sprintf("%s = %s", r.target, v), want: want}
	}
	return yes("%s = %s", r.target, v)
}

func (ev *evaluator) pkg(ctx context.Context, r *rule) outcome {
	if !ev.pkgsOK {
		ev.pkgs, ev.pkgErr = ev.env.Packages.Installed(ctx)
		ev.pkgsOK = true
	}
	if ev.pkgErr != nil {
		return failure(ev.pkgErr)
	}
	v, ok := ev.pkgs[r.target]
	switch {
	case ok && r.installed:
		return yes("package %s %s is installed", r.target, v)
	case ok:
		return no("package %s %s is installed", r.target, v)
	case r.installed:
		return no("package %s is not installed", r.target)
	}
	return yes("package %s is not installed", r.target)
}

func (ev *evaluator) service(ctx context.Context, r *rule) outcome {
	unit := unitName(r.target)
	var found []string
	for _, q := range []struct {
		want *bool
		ask  func(context.Context, string) (bool, error)
		word string
	}{
		{r.enabled, ev.env.Services.Enabled, "enabled"},
		{r.active, ev.env.Services.Active, "active"},
	} {
		if q.want == nil {
			continue
		}
		got, err := q.ask(ctx, unit)
		if err != nil {
			return failure(err)
		}
		state := q.word
		if !got {
			state = "not " + q.word
		}
		if got != *q.want {
			return no("service %s is %s", unit, state)
		}
		found = append(found, state)
	}
	return yes("service %s is %s", unit, strings.Join(found, " and "))
}

func (ev *evaluator) module(r *rule) outcome {
	name := moduleName(r.target)
	var found []string
	if r.loaded != nil {
		if !ev.modsOK {
			ev.mods, ev.modErr = loadedModules(ev.fs)
			ev.modsOK = true
		}
		if ev.modErr != nil {
			return failure(ev.modErr)
		}
		if ev.mods[name] != *r.loaded {
			if ev.mods[name] {
				return no("kernel module %s is loaded", r.target)
			}
			return no("kernel module %s is not loaded", r.target)
		}
		found = append(found, map[bool]string{true: "is loaded", false: "is not loaded"}[ev.mods[name]])
	}
	if r.disabled != nil || r.blacklisted != nil {
		if ev.mpc == nil && ev.mpcErr == nil {
			ev.mpc, ev.mpcErr = readModprobeConfig(ev.fs)
		}
		if ev.mpcErr != nil {
			return outcome{t: broken, reason: ev.mpcErr.Error()}
		}
		src := ev.mpc.sources[name]
		if src == "" {
			src = "no modprobe directive"
		}
		if r.disabled != nil {
			got := ev.mpc.disabled(name)
			if got != *r.disabled {
				if got {
					return no("kernel module %s is disabled by install %s (%s)", r.target, ev.mpc.install[name], src)
				}
				if cmd, ok := ev.mpc.install[name]; ok {
					return no("kernel module %s is not disabled: install %s (%s)", r.target, cmd, src)
				}
				return no("kernel module %s is not disabled: no install directive maps it to /bin/false", r.target)
			}
			if got {
				found = append(found, fmt.Sprintf("is disabled by install %s (%s)", ev.mpc.install[name], src))
			} else {
				found = append(found, "is not disabled")
			}
		}
		if r.blacklisted != nil {
			got := ev.mpc.blacklisted[name]
			if got != *r.blacklisted {
				if got {
					return no("kernel module %s is blacklisted (%s)", r.target, src)
				}
				return no("kernel module %s is not blacklisted", r.target)
			}
			found = append(found, map[bool]string{true: "is blacklisted", false: "is not blacklisted"}[got])
		}
	}
	return yes("kernel module %s %s", r.target, strings.Join(found, ", "))
}

// noCommands is the Runner for trees other than the host's.
type noCommands struct{}

func (noCommands) Run(_ context.Context, argv []string) (Output, error) {
	return Output{}, fmt.Errorf("cannot run %s: commands only run against the host's own root: %w", argv[0], ErrUnavailable)
}

// unwrapPath drops the host path an *fs.PathError carries: with a test or
// image root it would leak the root's location into reasons and hashes.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// match finds the line that decides. With first_match the first line the
// line pattern selects decides alone (the rule of sshd_config and most
// daemons: the first occurrence of a keyword wins). Otherwise any selected
// line whose value passes makes the rule true.
func (m *matcher) match(lines []srcLine, where string) outcome {
	var candidate *srcLine
	var candidateWant string
	candidates := 0
	for i := range lines {
		l := &lines[i]
		sm := m.line.FindStringSubmatch(l.text)
		if sm == nil {
			continue
		}
		v := sm[0]
		if len(sm) > 1 {
			v = sm[1]
		}
		ok, want := m.test(v)
		if ok {
			return outcome{t: isTrue, reason: m.describe(l)}
		}
		if m.firstMatch {
			return outcome{t: isFalse, reason: m.describe(l), want: want}
		}
		if candidates++; candidate == nil {
			candidate, candidateWant = l, want
		}
	}
	switch {
	case candidates == 1:
		// One selected line, e.g. a keyword set once: show it.
		return outcome{t: isFalse, reason: m.describe(candidate), want: candidateWant}
	case candidates > 1:
		return outcome{t: isFalse, reason: fmt.Sprintf("%s: none of %d lines matching %s has %s", where, candidates, m.line, candidateWant)}
	}
	return outcome{t: isFalse, reason: fmt.Sprintf("%s: no line matches %s", where, m.line)}
}

// describe shows a line as "/etc/ssh/sshd_config: PermitRootLogin yes (line
// 32)". A redacted rule shows only where the line is, so that lines holding
// secrets (password hashes) never leave the host.
func (m *matcher) describe(l *srcLine) string {
	if m.redact {
		return fmt.Sprintf("%s: line %d (content withheld)", l.file, l.num)
	}
	return fmt.Sprintf("%s: %s (line %d)", l.file, trimLine(l.text), l.num)
}

// test checks a captured value; on failure it also says what was wanted.
func (m *matcher) test(v string) (bool, string) {
	var want []string
	ok := true
	if m.value != nil {
		want = append(want, "value matching "+m.value.String())
		ok = ok && m.value.MatchString(v)
	}
	if m.valueNot != nil {
		want = append(want, "value not matching "+m.valueNot.String())
		ok = ok && !m.valueNot.MatchString(v)
	}
	if len(m.compare) > 0 {
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		for _, t := range m.compare {
			want = append(want, "value "+t.String())
			ok = ok && err == nil && t.holds(n)
		}
	}
	return ok, strings.Join(want, " and ")
}
