package incident

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/eventsec/eventsec/internal/store"
)

// ActionView is a containment action as the API shows it.
type ActionView struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Target     string         `json:"target"`
	Params     map[string]any `json:"params"`
	Reason     string         `json:"reason"`
	AlertID    string         `json:"alert_id"`
	IncidentID string         `json:"incident_id"`
	Status     string         `json:"status"`
	Result     string         `json:"result"`
	Actor      string         `json:"actor"`
	ActorEmail string         `json:"actor_email"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

func actionView(dir *Directory, a store.ResponseAction) ActionView {
	v := ActionView{ID: a.ID, Type: a.Type, Target: a.Target, Params: map[string]any{}, Reason: a.Reason, AlertID: a.AlertID,
		IncidentID: a.IncidentID, Status: a.Status, Result: a.Result, Actor: a.Actor, ActorEmail: dir.Email(a.Actor),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
	_ = json.Unmarshal([]byte(a.Params), &v.Params)
	return v
}

// ActionInput asks for a containment action.
type ActionInput struct {
	Type, Target, Reason string
	Params               map[string]any
	AlertID, IncidentID  string
}

// blockKinds maps block actions to the block list's entry kinds.
var blockKinds = map[string]string{"block_ip": "ip", "block_domain": "domain", "block_url": "url", "block_sender": "email"}

// agentActions maps endpoint actions to the agent's action types.
var agentActions = map[string]string{"isolate_host": "isolate", "release_host": "release", "kill_process": "kill_process", "disable_user": "disable_user"}

// validateTarget checks and normalizes an action's target.
func validateTarget(typ, target string, params map[string]any) (string, map[string]any, error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return "", nil, fieldErr("target", "is required")
	}
	if params == nil {
		params = map[string]any{}
	}
	switch typ {
	case "block_ip":
		if p, err := netip.ParsePrefix(target); err == nil {
			return p.Masked().String(), params, nil
		}
		ip, err := netip.ParseAddr(target)
		if err != nil {
			return "", nil, fieldErr("target", "%q is not an IP address or CIDR range", target)
		}
		if ip.IsLoopback() || ip.IsUnspecified() {
			return "", nil, fieldErr("target", "blocking %s would cut the host off itself", ip)
		}
		return ip.String(), params, nil
	case "block_domain":
		v, err := normalizeObservable("domain", target)
		return v, params, retarget(err)
	case "block_url":
		v, err := normalizeObservable("url", target)
		return v, params, retarget(err)
	case "block_sender":
		v, err := normalizeObservable("email", target)
		return v, params, retarget(err)
	case "isolate_host", "release_host":
		if len(target) > 255 {
			return "", nil, fieldErr("target", "a host name is at most 255 characters")
		}
		return target, params, nil
	case "kill_process":
		// target is the host; params.pid the process (or target "host:pid").
		host, pidText, ok := strings.Cut(target, ":")
		if ok {
			target = host
			params["pid"] = pidText
		}
		pid, err := strconv.Atoi(fmt.Sprint(params["pid"]))
		if err != nil || pid <= 1 {
			return "", nil, fieldErr("params.pid", "give the process id (greater than 1) as params.pid or target host:pid")
		}
		params["pid"] = pid
		return target, params, nil
	case "disable_user":
		// target is the account; params.host the endpoint it lives on.
		host, _ := params["host"].(string)
		if host == "" {
			return "", nil, fieldErr("params.host", "say on which endpoint to disable the account (params.host)")
		}
		if strings.ContainsAny(target, " \t\n:/\\") || len(target) > 256 {
			return "", nil, fieldErr("target", "%q is not an account name", target)
		}
		return target, params, nil
	}
	return "", nil, fieldErr("type", "%q is not one of %s", typ, strings.Join(ActionTypes, ", "))
}

func retarget(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		return &FieldError{Field: "target", Msg: fe.Msg}
	}
	return err
}

// TakeAction executes (block list) or queues (endpoint) a containment
// action and records who took it, when and with what result.
func (s *Service) TakeAction(ctx context.Context, a Actor, in ActionInput) (ActionView, error) {
	if !contains(ActionTypes, in.Type) {
		return ActionView{}, fieldErr("type", "%q is not one of %s", in.Type, strings.Join(ActionTypes, ", "))
	}
	target, params, err := validateTarget(in.Type, in.Target, in.Params)
	if err != nil {
		return ActionView{}, err
	}
	in.Reason = clean(in.Reason, 2000)
	if in.Reason == "" {
		return ActionView{}, fieldErr("reason", "say why (it is kept in the audit log)")
	}
	if in.AlertID != "" {
		if _, err := checkObject(ctx, s.o.Store, a.OrgID, "alert", in.AlertID); err != nil {
			if isNotFound(err) {
				return ActionView{}, fieldErr("alert_id", "no alert %q in this organisation", in.AlertID)
			}
			return ActionView{}, err
		}
	}
	if in.IncidentID != "" {
		if _, err := checkObject(ctx, s.o.Store, a.OrgID, "incident", in.IncidentID); err != nil {
			if isNotFound(err) {
				return ActionView{}, fieldErr("incident_id", "no incident %q in this organisation", in.IncidentID)
			}
			return ActionView{}, err
		}
	}
	pb, _ := json.Marshal(params)
	now := s.now()
	act := store.ResponseAction{ID: newID(), OrgID: a.OrgID, Type: in.Type, Target: target, Params: string(pb), Reason: in.Reason,
		AlertID: in.AlertID, IncidentID: in.IncidentID, Actor: a.UserID, CreatedAt: now, UpdatedAt: now}
	// Execute before recording: the record then says what really happened.
	if kind, ok := blockKinds[in.Type]; ok {
		if s.o.BlockList == nil {
			act.Status, act.Result = store.ActionFailed, "the block list is not available on this server"
		} else if err := s.o.BlockList.Block(ctx, a, kind, target, in.Reason); err != nil {
			act.Status, act.Result = store.ActionFailed, err.Error()
		} else {
			act.Status, act.Result = store.ActionDone, fmt.Sprintf("%s %s added to the block list", kind, target)
		}
	} else {
		host := target
		agentParams := map[string]any{}
		switch in.Type {
		case "kill_process":
			agentParams["pid"] = params["pid"]
		case "disable_user":
			host = params["host"].(string)
			agentParams["user"] = target
		}
		if s.o.Endpoints == nil {
			act.Status, act.Result = store.ActionFailed, "endpoint actions need the endpoint agent service, which is not running on this server"
		} else if extID, err := s.o.Endpoints.QueueHostAction(ctx, a, host, agentActions[in.Type], agentParams, in.Reason); err != nil {
			act.Status, act.Result = store.ActionFailed, err.Error()
		} else {
			act.Status, act.ExternalID = store.ActionQueued, extID
			act.Result = "queued for the agent on " + host
		}
	}
	err = s.tx(ctx, func(r store.Repos) error {
		if err := r.Responses().Create(ctx, act); err != nil {
			return err
		}
		msg := fmt.Sprintf("%s %s: %s (%s)", in.Type, target, act.Status, act.Result)
		if in.IncidentID != "" {
			if err := s.timeline(ctx, r, a, in.IncidentID, "auto", "Response action "+msg, act.ID); err != nil {
				return err
			}
		}
		objType, objID := "response", act.ID
		if in.AlertID != "" {
			objType, objID = "alert", in.AlertID
		} else if in.IncidentID != "" {
			objType, objID = "incident", in.IncidentID
		}
		return s.change(ctx, r, a, objType, objID, "response_"+in.Type, msg+"; reason: "+in.Reason)
	})
	if err != nil {
		return ActionView{}, err
	}
	dir, err := s.Directory(ctx, a.OrgID)
	if err != nil {
		return ActionView{}, err
	}
	v := actionView(dir, act)
	s.publish(a.OrgID, "incidents", "action_updated", v)
	return v, nil
}

// Actions lists response actions, refreshing queued ones from the
// endpoint service.
func (s *Service) Actions(ctx context.Context, orgID, alertID, incidentID string, limit int) ([]ActionView, error) {
	acts, err := s.o.Store.Responses().List(ctx, orgID, alertID, incidentID, limit)
	if err != nil {
		return nil, err
	}
	dir, err := s.Directory(ctx, orgID)
	if err != nil {
		return nil, err
	}
	out := make([]ActionView, 0, len(acts))
	for _, act := range acts {
		if act.ExternalID != "" && (act.Status == store.ActionQueued || act.Status == store.ActionDelivered) && s.o.Endpoints != nil {
			if st, res, err := s.o.Endpoints.ActionState(ctx, orgID, act.ExternalID); err == nil && st != act.Status {
				act.Status, act.Result, act.UpdatedAt = st, res, s.now()
				if err := s.o.Store.Responses().Update(ctx, act); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, actionView(dir, act))
	}
	return out, nil
}

// EndpointActionChanged is called by the endpoint service when an agent
// reports on an action this service queued.
func (s *Service) EndpointActionChanged(ctx context.Context, orgID, externalID, status, result string) {
	act, err := s.o.Store.Responses().ByExternalID(ctx, orgID, externalID)
	if err != nil {
		return // not one of ours
	}
	act.Status, act.Result, act.UpdatedAt = status, result, s.now()
	if err := s.o.Store.Responses().Update(ctx, act); err != nil {
		s.log.Warn("cannot record endpoint action result", "action", act.ID, "err", err)
		return
	}
	if dir, err := s.Directory(ctx, orgID); err == nil {
		s.publish(orgID, "incidents", "action_updated", actionView(dir, act))
	}
}

// RunTask runs an automated playbook task's action against a target and
// completes the task with the result.
func (s *Service) RunTask(ctx context.Context, a Actor, taskID, target, reason string, params map[string]any) (ActionView, TaskView, error) {
	t, err := s.o.Store.Tasks().Get(ctx, a.OrgID, taskID)
	if err != nil {
		return ActionView{}, TaskView{}, err
	}
	var pa store.PlaybookAction
	if t.Action == "" || json.Unmarshal([]byte(t.Action), &pa) != nil {
		return ActionView{}, TaskView{}, fieldErr("task", "this task is a manual step; it has no action to run")
	}
	if reason == "" {
		reason = "playbook step: " + t.Title
	}
	act, err := s.TakeAction(ctx, a, ActionInput{Type: pa.Type, Target: target, Reason: reason, Params: params, IncidentID: t.IncidentID})
	if err != nil {
		return ActionView{}, TaskView{}, err
	}
	st := store.TaskDone
	if act.Status == store.ActionFailed {
		st = store.TaskBlocked
	}
	desc := strings.TrimSpace(t.Description + "\n\nResult: " + act.Result)
	tv, err := s.PatchTask(ctx, a, taskID, TaskPatch{Status: &st, Description: &desc})
	return act, tv, err
}
