package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/eventsec/eventsec/internal/config"
	"github.com/eventsec/eventsec/internal/endpoint"
	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/sandbox/lab"
	"github.com/eventsec/eventsec/internal/store"
)

// agentsDir is where agent binaries are served from: <data>/agents when it
// exists, else ./dist/agents (where `make agents` puts them), else
// <data>/agents (the download answers a clear 404 until it is filled).
func agentsDir(cfg *config.Config) string {
	data := filepath.Join(cfg.DataDir, "agents")
	if fi, err := os.Stat(data); err == nil && fi.IsDir() {
		return data
	}
	if fi, err := os.Stat(filepath.Join("dist", "agents")); err == nil && fi.IsDir() {
		return filepath.Join("dist", "agents")
	}
	return data
}

// startEndpoints builds the endpoint service (agents) over the state
// store and the event side. The caller runs its background work (Run)
// with the other background work, and mounts AgentMounts on the API.
func startEndpoints(ctx context.Context, cfg *config.Config, st store.Store, events *eventsRuntime, vulns endpoint.VulnMatcher,
	samples *lab.Service, reg prometheus.Registerer, log *slog.Logger) (*endpoint.Service, error) {
	proxies, err := parsePrefixes(cfg.TrustedProxies)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	var onCollected func(context.Context, string, string, string, io.Reader) error
	if samples != nil {
		// Collected files become sandbox samples, submitted by the endpoint.
		onCollected = func(ctx context.Context, orgID, agentID, name string, r io.Reader) error {
			_, err := samples.SubmitFile(ctx, orgID, "endpoint:"+agentID, name, r)
			return err
		}
	}
	svc, err := endpoint.New(ctx, endpoint.Options{OnCollected: onCollected, Store: st, Intake: events.pipe, Events: events.store, Hub: events.hub,
		AgentsDir: agentsDir(cfg), FilesDir: filepath.Join(cfg.DataDir, "endpoint-files"), TrustedProxies: proxies,
		Vulns: vulns, Registerer: reg, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("cannot start endpoint management: %w", err)
	}
	return svc, nil
}

// withMounts returns the mounts of a and b together (b wins on a clash).
func withMounts(a, b map[string]http.Handler) map[string]http.Handler {
	out := make(map[string]http.Handler, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// responder lets case management queue agent actions and add block-list
// entries through the endpoint service.
type responder struct{ svc *endpoint.Service }

func (r responder) actor(a incident.Actor) endpoint.Actor {
	return endpoint.Actor{OrgID: a.OrgID, UserID: a.UserID, Email: a.Email, ClientIP: a.ClientIP, RequestID: a.RequestID}
}

// QueueHostAction implements incident.Endpoints.
func (r responder) QueueHostAction(ctx context.Context, a incident.Actor, host, typ string, params map[string]any, reason string) (string, error) {
	ag, err := r.svc.FindByHost(ctx, a.OrgID, host)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", fmt.Errorf("no enrolled endpoint named %q: install the agent on it first", host)
		}
		return "", err
	}
	raw, err := json.Marshal(params)
	if err != nil {
		return "", err
	}
	act, err := r.svc.QueueAction(ctx, a.OrgID, ag.ID, r.actor(a), typ, raw, reason)
	if err != nil {
		return "", err
	}
	return act.ID, nil
}

// ActionState implements incident.Endpoints.
func (r responder) ActionState(ctx context.Context, orgID, id string) (string, string, error) {
	act, err := r.svc.ActionByID(ctx, orgID, id)
	if err != nil {
		return "", "", err
	}
	res := act.Output
	if act.Error != "" {
		res = act.Error
	}
	switch act.State {
	case "done":
		if res == "" {
			res = "done"
		}
		return store.ActionDone, res, nil
	case "failed", "expired":
		if res == "" {
			res = act.State
		}
		return store.ActionFailed, res, nil
	case "delivered":
		return store.ActionDelivered, "delivered to the agent", nil
	}
	return store.ActionQueued, "queued for the agent", nil
}

// Block implements incident.BlockList.
func (r responder) Block(ctx context.Context, a incident.Actor, kind, value, reason string) error {
	_, err := r.svc.AddBlock(ctx, a.OrgID, r.actor(a), endpoint.BlockEntry{Kind: kind, Value: value, Reason: reason})
	return err
}

var (
	_ incident.Endpoints = responder{}
	_ incident.BlockList = responder{}
)
