package endpoint

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/agent/wire"
	"github.com/eventsec/eventsec/internal/store"
)

// Action is a remote action for one agent.
type Action = store.AgentAction

// maxOutput bounds the output kept of an action's result.
const maxOutput = 64 << 10

// accountName is a local user name on Linux, macOS or Windows (with an
// optional DOMAIN\ prefix).
var accountName = regexp.MustCompile(`^(?:[A-Za-z0-9._-]{1,64}\\)?[A-Za-z0-9._][A-Za-z0-9._ -]{0,63}$`)

// actionTypes are the actions a user (or an automatic response) may queue.
var actionTypes = []string{wire.ActionIsolate, wire.ActionRelease, wire.ActionKillProcess, wire.ActionRunCommand,
	wire.ActionCollectFile, wire.ActionRestartAgent, wire.ActionReboot, wire.ActionUpdateBlock, wire.ActionDisableUser}

// checkParams validates an action's parameters against the org's policy
// and returns them canonicalised.
func checkParams(typ string, params json.RawMessage, st Settings) (json.RawMessage, error) {
	if len(bytes.TrimSpace(params)) == 0 || string(bytes.TrimSpace(params)) == "null" {
		params = json.RawMessage("{}")
	}
	strict := func(dst any) error {
		dec := json.NewDecoder(bytes.NewReader(params))
		dec.DisallowUnknownFields()
		if err := dec.Decode(dst); err != nil {
			return invalid("params", "params do not fit %s: %v", typ, err)
		}
		return nil
	}
	var out any
	switch typ {
	case wire.ActionIsolate:
		var p wire.IsolateParams
		if err := strict(&p); err != nil {
			return nil, err
		}
		for i, a := range p.Allow {
			if _, err := netip.ParsePrefix(a); err != nil {
				if _, err := netip.ParseAddr(a); err != nil {
					return nil, invalid(fmt.Sprintf("params.allow[%d]", i), "%q is not an IP address or CIDR", a)
				}
			}
		}
		out = p
	case wire.ActionKillProcess:
		var p wire.KillParams
		if err := strict(&p); err != nil {
			return nil, err
		}
		if p.PID <= 1 {
			return nil, invalid("params.pid", "pid must be a process id above 1")
		}
		out = p
	case wire.ActionRunCommand:
		var p wire.RunParams
		if err := strict(&p); err != nil {
			return nil, err
		}
		if len(p.Argv) == 0 || strings.TrimSpace(p.Argv[0]) == "" {
			return nil, invalid("params.argv", "argv must name the command to run")
		}
		if len(p.Argv) > 64 || p.TimeoutSeconds < 0 || p.TimeoutSeconds > 3600 {
			return nil, invalid("params.argv", "at most 64 arguments and a timeout of at most 3600 s")
		}
		for i, a := range p.Argv {
			if len(a) > 4096 || strings.ContainsRune(a, 0) {
				return nil, invalid(fmt.Sprintf("params.argv[%d]", i), "an argument is at most 4096 bytes without NUL")
			}
		}
		if !slices.Contains(st.CommandAllowList, p.Argv[0]) {
			return nil, fmt.Errorf("%w: %q is not on the command allow-list (settings: command_allow_list)", ErrNotAllowed, p.Argv[0])
		}
		out = p
	case wire.ActionCollectFile:
		var p wire.CollectParams
		if err := strict(&p); err != nil {
			return nil, err
		}
		if !isAbsPath(p.Path) || strings.ContainsRune(p.Path, 0) || len(p.Path) > 4096 {
			return nil, invalid("params.path", "path must be an absolute file path")
		}
		for _, seg := range strings.FieldsFunc(p.Path, func(r rune) bool { return r == '/' || r == '\\' }) {
			if seg == ".." {
				return nil, invalid("params.path", "path must not contain ..")
			}
		}
		if !underPrefix(p.Path, st.CollectPaths) {
			return nil, fmt.Errorf("%w: %s is outside the collect paths (settings: collect_paths)", ErrNotAllowed, p.Path)
		}
		out = p
	case wire.ActionDisableUser:
		var p wire.DisableUserParams
		if err := strict(&p); err != nil {
			return nil, err
		}
		if !accountName.MatchString(p.User) {
			return nil, invalid("params.user", "%q is not an account name", p.User)
		}
		if p.User == "root" || strings.EqualFold(p.User, "administrator") {
			return nil, invalid("params.user", "the %s account is not disabled remotely: it would lock the machine out of its own administration", p.User)
		}
		out = p
	case wire.ActionRelease, wire.ActionRestartAgent, wire.ActionReboot, wire.ActionUpdateBlock:
		var p struct{}
		if err := strict(&p); err != nil {
			return nil, err
		}
		out = p
	default:
		return nil, invalid("type", "type must be one of %s", strings.Join(actionTypes, ", "))
	}
	b, err := json.Marshal(out)
	return b, err
}

// QueueAction queues a remote action for one of the org's agents (audited);
// the agent receives it at its next poll. The caller has checked the
// actor's permission; the org's policy is checked here.
func (s *Service) QueueAction(ctx context.Context, orgID, agentID string, a Actor, typ string, params json.RawMessage, reason string) (Action, error) {
	a.OrgID = orgID
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 1000 {
		return Action{}, invalid("reason", "reason is required (at most 1000 characters)")
	}
	ag, err := s.st.Endpoints().Agents().Get(ctx, orgID, agentID)
	if err != nil {
		return Action{}, err
	}
	if ag.RevokedAt != nil {
		return Action{}, fmt.Errorf("cannot queue an action for a revoked agent: %w", store.ErrConflict)
	}
	cfg, err := s.orgConfig(ctx, orgID)
	if err != nil {
		return Action{}, err
	}
	canon, err := checkParams(typ, params, cfg.settings)
	if err != nil {
		return Action{}, err
	}
	now := s.o.Now()
	act := Action{ID: newID(), OrgID: orgID, AgentID: agentID, Type: typ, Params: string(canon), Reason: reason,
		State: store.AgentActionQueued, CreatedBy: a.UserID, CreatedAt: now, ExpiresAt: now.Add(s.o.ActionTTL)}
	err = s.st.Tx(ctx, func(r store.Repos) error {
		if err := r.Endpoints().Actions().Create(ctx, act); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "endpoint.action.queue", "agent", agentID,
			fmt.Sprintf("queued %s %s on %s: %s", typ, string(canon), ag.Name, reason))
	})
	if err != nil {
		return Action{}, err
	}
	s.m.actions.WithLabelValues(store.AgentActionQueued).Inc()
	s.mu.Lock()
	ls := s.state(Credential{AgentID: agentID, OrgID: orgID})
	if ls.pending >= 0 {
		ls.pending++
	}
	close(ls.wake)
	ls.wake = make(chan struct{})
	s.mu.Unlock()
	s.publish(orgID, "action", actionEvent(act))
	return act, nil
}

// actionEvent is what the live channel says about an action.
func actionEvent(a Action) map[string]any {
	return map[string]any{"id": a.ID, "agent_id": a.AgentID, "type": a.Type, "state": a.State}
}

// ListActions returns the agent's actions, newest first.
func (s *Service) ListActions(ctx context.Context, orgID, agentID string, limit int) ([]Action, error) {
	if _, err := s.st.Endpoints().Agents().Get(ctx, orgID, agentID); err != nil {
		return nil, err
	}
	return s.st.Endpoints().Actions().List(ctx, orgID, agentID, limit)
}

// GetAction returns one of the agent's actions.
func (s *Service) GetAction(ctx context.Context, orgID, agentID, id string) (Action, error) {
	act, err := s.st.Endpoints().Actions().Get(ctx, orgID, id)
	if err != nil {
		return Action{}, err
	}
	if act.AgentID != agentID {
		return Action{}, fmt.Errorf("cannot get action: %w", store.ErrNotFound)
	}
	return act, nil
}

// PollActions hands the agent its queued actions, marking them delivered.
// With wait > 0 it long-polls: it returns as soon as an action is queued,
// or empty when wait ends.
func (s *Service) PollActions(ctx context.Context, c Credential, wait time.Duration) ([]wire.Action, error) {
	wait = min(max(wait, 0), s.o.MaxWait)
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ls := s.state(c)
		wake := ls.wake
		known := ls.pending >= 0 && s.o.Now().Sub(ls.pendingAt) < pendingTTL
		pending := ls.pending
		s.mu.Unlock()
		if !known || pending > 0 {
			got, err := s.st.Endpoints().Actions().Deliver(ctx, c.OrgID, c.AgentID, s.o.Now(), 10)
			if err != nil {
				return nil, err
			}
			if _, err := s.refreshPending(ctx, c); err != nil {
				return nil, err
			}
			if len(got) > 0 {
				out := make([]wire.Action, 0, len(got))
				for _, a := range got {
					s.m.actions.WithLabelValues(store.AgentActionDelivered).Inc()
					s.publish(c.OrgID, "action", actionEvent(a))
					out = append(out, wire.Action{ID: a.ID, Type: a.Type, Params: json.RawMessage(a.Params), CreatedAt: a.CreatedAt,
						ExpiresAt: a.ExpiresAt})
				}
				return out, nil
			}
		}
		if wait == 0 {
			return []wire.Action{}, nil
		}
		select {
		case <-ctx.Done():
			return []wire.Action{}, nil
		case <-deadline.C:
			return []wire.Action{}, nil
		case <-wake:
		case <-time.After(pendingTTL):
			// Another server may have queued an action: look again.
		}
	}
}

// ReportResult records the result of one of the agent's delivered actions.
func (s *Service) ReportResult(ctx context.Context, c Credential, id string, res wire.ActionResult) (Action, error) {
	if res.Status != wire.ResultDone && res.Status != wire.ResultFailed {
		return Action{}, invalid("status", "status must be done or failed")
	}
	now := s.o.Now()
	fin := res.FinishedAt
	if fin.IsZero() || fin.After(now.Add(5*time.Minute)) {
		fin = now
	}
	act := Action{ID: id, OrgID: c.OrgID, AgentID: c.AgentID, State: res.Status, FinishedAt: &fin, ExitCode: res.ExitCode,
		Output: truncateUTF8(res.Output, maxOutput), Error: truncateUTF8(res.Error, 4096)}
	err := s.st.Tx(ctx, func(r store.Repos) error {
		if err := r.Endpoints().Actions().Finish(ctx, act); err != nil {
			return err
		}
		full, err := r.Endpoints().Actions().Get(ctx, c.OrgID, id)
		if err != nil {
			return err
		}
		act = full
		summary := fmt.Sprintf("%s on %s %s", act.Type, c.Name, act.State)
		if act.Error != "" {
			summary += ": " + act.Error
		}
		return s.audit(ctx, r, Actor{OrgID: c.OrgID, UserID: "agent:" + c.AgentID, Email: "agent " + c.Name}, "endpoint.action.result",
			"agent", c.AgentID, summary)
	})
	if err != nil {
		return Action{}, err
	}
	s.m.actions.WithLabelValues(act.State).Inc()
	s.publish(c.OrgID, "action", actionEvent(act))
	return act, nil
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.ToValidUTF8(s[:n], "\uFFFD")
}

// ExpireActions abandons undelivered actions past their expiry and
// delivered ones whose result never came.
func (s *Service) ExpireActions(ctx context.Context) {
	now := s.o.Now()
	gone, err := s.st.Endpoints().Actions().Expire(ctx, now, now.Add(-s.o.ResultTimeout))
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("cannot expire actions", "err", err)
		}
		return
	}
	for _, a := range gone {
		s.m.actions.WithLabelValues(a.State).Inc()
		s.mu.Lock()
		if ls := s.live[a.AgentID]; ls != nil {
			ls.pending = -1
		}
		s.mu.Unlock()
		s.publish(a.OrgID, "action", actionEvent(a))
	}
}

// SaveUpload stores the file a collect_file action collected. sha, when
// given, must match the content.
func (s *Service) SaveUpload(ctx context.Context, c Credential, id, name, sha string, body io.Reader) (Action, error) {
	act, err := s.GetAction(ctx, c.OrgID, c.AgentID, id)
	if err != nil {
		return Action{}, err
	}
	if act.Type != wire.ActionCollectFile {
		return Action{}, invalid("id", "action %s is not a collect_file action", id)
	}
	if act.State != store.AgentActionDelivered && act.State != store.AgentActionDone {
		return Action{}, fmt.Errorf("cannot upload for an action in state %s: %w", act.State, store.ErrConflict)
	}
	if act.File != "" {
		return Action{}, fmt.Errorf("cannot upload twice: %w", store.ErrConflict)
	}
	if s.o.FilesDir == "" {
		return Action{}, fmt.Errorf("file collection: %w", ErrUnavailable)
	}
	cfg, err := s.orgConfig(ctx, c.OrgID)
	if err != nil {
		return Action{}, err
	}
	limit := cfg.settings.CollectMaxBytes
	if limit <= 0 {
		limit = 50 << 20
	}
	dir := filepath.Join(s.o.FilesDir, c.OrgID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Action{}, fmt.Errorf("cannot store collected file: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return Action{}, fmt.Errorf("cannot store collected file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Action{}, fmt.Errorf("cannot store collected file: %w", err)
	}
	if n > limit {
		return Action{}, invalid("body", "the file is larger than collect_max_bytes (%d)", limit)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if sha != "" && !strings.EqualFold(sha, sum) {
		return Action{}, invalid("sha256", "the content's SHA-256 is %s, not %s: the upload was damaged", sum, sha)
	}
	file := id + "-" + safeName(name)
	if err := os.Rename(tmp.Name(), filepath.Join(dir, id)); err != nil {
		return Action{}, fmt.Errorf("cannot store collected file: %w", err)
	}
	if err := s.st.Endpoints().Actions().SetFile(ctx, c.OrgID, c.AgentID, id, file, sum, n); err != nil {
		return Action{}, err
	}
	if s.o.OnCollected != nil {
		// The collected file goes to the sandbox as a sample; a refusal
		// there (too large, sandbox down) does not undo the collection.
		if f, err := os.Open(filepath.Join(dir, id)); err == nil {
			if err := s.o.OnCollected(ctx, c.OrgID, c.AgentID, name, f); err != nil {
				s.log.Warn("cannot submit the collected file to the sandbox", "action", id, "err", err)
			}
			f.Close()
		}
	}
	return s.GetAction(ctx, c.OrgID, c.AgentID, id)
}

// safeName keeps a file name's harmless characters, for the download.
func safeName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	var b strings.Builder
	for _, r := range name {
		if r == '.' || r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
		if b.Len() >= 100 {
			break
		}
	}
	if b.Len() == 0 || strings.Trim(b.String(), ".") == "" {
		return "file"
	}
	return b.String()
}

// OpenCollected opens the file an action of the agent collected; the
// caller closes it. The download name is the action's File.
func (s *Service) OpenCollected(ctx context.Context, orgID, agentID, id string) (*os.File, Action, error) {
	act, err := s.GetAction(ctx, orgID, agentID, id)
	if err != nil {
		return nil, Action{}, err
	}
	if act.File == "" || s.o.FilesDir == "" {
		return nil, Action{}, fmt.Errorf("no file was collected: %w", store.ErrNotFound)
	}
	f, err := os.Open(filepath.Join(s.o.FilesDir, orgID, id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, Action{}, fmt.Errorf("collected file is gone: %w", store.ErrNotFound)
	}
	if err != nil {
		return nil, Action{}, err
	}
	return f, act, nil
}

// ActionByID returns one of the org's actions, whichever agent it is for
// (case management follows the actions it queued).
func (s *Service) ActionByID(ctx context.Context, orgID, id string) (Action, error) {
	return s.st.Endpoints().Actions().Get(ctx, orgID, id)
}
