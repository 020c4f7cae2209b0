package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/coder/websocket"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/live"
)

// wsRequest is what a client sends on the socket.
type wsRequest struct {
	Type     string   `json:"type"`
	Channels []string `json:"channels"`
	Filter   string   `json:"filter"`
}

func wsSystem(typ string, data any) []byte {
	b, _ := json.Marshal(live.Message{Channel: "system", Type: typ, Data: data})
	return b
}

// websocket serves GET /api/v1/ws: org-scoped live channels.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.serveLive(w, r, c, nil)
}

// threatmapSocket serves the seed's ws /ws/threatmap: the threatmap
// channel only, subscribed at once.
func (s *Server) threatmapSocket(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.serveLive(w, r, c, []string{live.ChannelThreatMap})
}

// maxSocketsPerPrincipal bounds the live WebSockets one user or API key
// holds open: each costs a buffer and, with a filter, a match of every
// event; a browser tab holds one.
const maxSocketsPerPrincipal = 32

// holdSocket counts a socket of the principal, or refuses it past
// maxSocketsPerPrincipal; release uncounts it.
func (s *Server) holdSocket(principal string) (release func(), err error) {
	s.socketsMu.Lock()
	defer s.socketsMu.Unlock()
	if s.sockets == nil {
		s.sockets = map[string]int{}
	}
	if s.sockets[principal] >= maxSocketsPerPrincipal {
		return nil, &HTTPError{Status: http.StatusTooManyRequests, Code: "too_many_sockets", RetryAfter: 10,
			Msg: fmt.Sprintf("%d live connections are open for this account, the most at once (a browser tab holds one): close some", maxSocketsPerPrincipal)}
	}
	s.sockets[principal]++
	return func() {
		s.socketsMu.Lock()
		defer s.socketsMu.Unlock()
		if s.sockets[principal]--; s.sockets[principal] <= 0 {
			delete(s.sockets, principal)
		}
	}, nil
}

func (s *Server) serveLive(w http.ResponseWriter, r *http.Request, c *call, fixed []string) error {
	if s.o.Hub == nil {
		return &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: "live updates are not running on this server"}
	}
	release, err := s.holdSocket(c.principal.UserID)
	if err != nil {
		return err
	}
	defer release()
	// Accept checks that the Origin is this host: a page elsewhere cannot
	// open a socket with the user's cookies.
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil // Accept has answered the client
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 10)
	sub := s.o.Hub.Subscribe(c.principal.OrgID)
	defer sub.Close()
	// The metrics channel's pipeline figures span every org: only the
	// server's own admins see them.
	sub.SetPlatformAdmin(c.principal.PlatformAdmin)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()

	write := func(b []byte) error {
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		return conn.Write(wctx, websocket.MessageText, b)
	}
	if fixed != nil {
		sub.Set(fixed, nil)
		if err := write(wsSystem("subscribed", map[string]any{"channels": fixed})); err != nil {
			return nil
		}
	}

	go func() {
		defer cancel()
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			reply := s.handleWSRequest(sub, data, fixed != nil)
			if write(reply) != nil {
				return
			}
		}
	}()

	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	lastPing := time.Now()
	for {
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusNormalClosure, "")
			return nil
		case b := <-sub.C:
			if write(b) != nil {
				return nil
			}
		case <-ticker.C:
			if n := sub.TakeDrops(); n > 0 {
				if write(wsSystem("dropped", map[string]int64{"count": n})) != nil {
					return nil
				}
			}
			if time.Since(lastPing) > 30*time.Second {
				lastPing = time.Now()
				pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
				err := conn.Ping(pctx)
				pcancel()
				if err != nil {
					return nil
				}
			}
		}
	}
}

// handleWSRequest applies a subscribe/unsubscribe message and returns the
// reply to send.
func (s *Server) handleWSRequest(sub *live.Sub, data []byte, fixed bool) []byte {
	var req wsRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return wsSystem("error", map[string]string{"message": "send JSON such as {\"type\":\"subscribe\",\"channels\":[\"security:events\"]}"})
	}
	switch req.Type {
	case "ping":
		return wsSystem("pong", nil)
	case "unsubscribe":
		if fixed {
			return wsSystem("error", map[string]string{"message": "this socket serves the threatmap channel only"})
		}
		sub.Set(nil, nil)
		return wsSystem("subscribed", map[string]any{"channels": []string{}})
	case "subscribe":
	default:
		return wsSystem("error", map[string]string{"message": "type must be subscribe, unsubscribe or ping"})
	}
	if fixed {
		return wsSystem("error", map[string]string{"message": "this socket serves the threatmap channel only"})
	}
	for _, ch := range req.Channels {
		if !slices.Contains(live.Channels, ch) {
			return wsSystem("error", map[string]any{"message": "unknown channel " + ch, "channels": live.Channels})
		}
	}
	var filter func(any) bool
	if req.Filter != "" {
		if s.o.Filter == nil {
			return wsSystem("error", map[string]string{"message": "filters are not supported by this server"})
		}
		match, err := s.o.Filter(req.Filter)
		if err != nil {
			var he *HTTPError
			msg := err.Error()
			if errors.As(storeError(err), &he) {
				msg = he.Msg
			}
			return wsSystem("error", map[string]string{"message": "bad filter: " + msg})
		}
		filter = func(item any) bool {
			ev, ok := item.(event.Event)
			return !ok || match(ev)
		}
	}
	sub.Set(req.Channels, filter)
	return wsSystem("subscribed", map[string]any{"channels": req.Channels, "filter": req.Filter})
}
