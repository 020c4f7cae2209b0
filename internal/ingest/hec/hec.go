// Package hec is a Splunk HTTP Event Collector: Splunk forwarders, logging
// libraries, the OpenTelemetry Splunk HEC exporter, Vector and Fluent Bit
// send to it unchanged. It speaks HEC's endpoints, token authentication,
// response bodies and status codes, and indexer acknowledgement (which is
// always true here: a request is answered only once its events are
// durable).
package hec

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// Options configure a Handler.
type Options struct {
	Pipeline *ingest.Pipeline // required
	// Authenticate maps a HEC token to its org. It returns an error
	// wrapping ingest.ErrUnauthorized for an unknown token or
	// ingest.ErrForbidden for one that may not send events (both 403,
	// code 4, counted apart), or ingest.ErrDisabled for a disabled one
	// (403, code 1); any other error is a server failure (500, code 8).
	Authenticate func(ctx context.Context, token string) (orgID string, err error)
	// AllowQueryToken accepts the token as ?token=, like Splunk's
	// allowQueryStringAuth. Off by default, as in Splunk (code 16): a
	// token in a URL ends up in proxy and access logs.
	AllowQueryToken bool
	// MaxBodyBytes bounds a request body after decompression (default
	// 10 MiB).
	MaxBodyBytes int64
	// MaxDepth bounds JSON nesting of an event (default
	// ingest.DefaultMaxDepth).
	MaxDepth int
	// MaxItems bounds the events of one request (default 100,000).
	MaxItems int
	// Listener is the metrics label (default "hec").
	Listener string
	Logger   *slog.Logger
}

// Handler serves /services/collector/*.
type Handler struct {
	o    Options
	p    *ingest.Pipeline
	c    *ingest.Counters
	log  *slog.Logger
	acks *acks
}

// New returns a handler.
func New(o Options) (*Handler, error) {
	if o.Pipeline == nil || o.Authenticate == nil {
		return nil, errors.New("cannot create HEC handler: a pipeline and an Authenticate function are required")
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = ingest.DefaultMaxBody
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = ingest.DefaultMaxDepth
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 100_000
	}
	if o.Listener == "" {
		o.Listener = "hec"
	}
	if o.Logger == nil {
		o.Logger = o.Pipeline.Logger()
	}
	h := &Handler{o: o, p: o.Pipeline, c: o.Pipeline.Counters(o.Listener), log: o.Logger.With("component", "ingest.hec"),
		acks: newAcks(10_000)}
	h.c.Expect(ingest.Reasons{
		Rejected: []string{ingest.ReasonInvalidJSON, ingest.ReasonMissingEvent},
		Refused: []string{ingest.ReasonUnauthorized, ingest.ReasonForbidden, ingest.ReasonBadRequest, ingest.ReasonTooLarge,
			ingest.ReasonBadEncoding, ingest.ReasonReadError, ingest.ReasonNoData, ingest.ReasonOverloaded},
	})
	return h, nil
}

// Status is a HEC response body, {"text": ..., "code": ...}.
type Status struct {
	Text string `json:"text"`
	Code int    `json:"code"`
	// InvalidEventNumber is the 0-based index of the event a format
	// error is about.
	InvalidEventNumber *int `json:"invalid-event-number,omitempty"`
	// AckID is returned on success when the request named a channel.
	AckID *int64 `json:"ackId,omitempty"`
	// Truncated names the stored events that were cut to fit the
	// limits (EventSec's addition to HEC's answer; Splunk's clients
	// read text, code and ackId only).
	Truncated []Cut `json:"truncated,omitempty"`
	http      int
}

// Cut is an event stored cut: its 0-based number in the request (as
// invalid-event-number counts) and what was cut.
type Cut struct {
	Index  int    `json:"index"`
	Reason string `json:"reason"`
}

// cuts lists the events of a request that were stored cut.
func cuts(evs []event.Event) []Cut {
	var out []Cut
	for i := range evs {
		if r := ingest.CutReason(evs[i]); r != "" {
			out = append(out, Cut{Index: i, Reason: r})
		}
	}
	return out
}

// HEC's status codes, as Splunk documents them.
var (
	stSuccess          = Status{Text: "Success", Code: 0, http: http.StatusOK}
	stTokenDisabled    = Status{Text: "Token disabled", Code: 1, http: http.StatusForbidden}
	stTokenRequired    = Status{Text: "Token is required", Code: 2, http: http.StatusUnauthorized}
	stInvalidAuth      = Status{Text: "Invalid authorization", Code: 3, http: http.StatusUnauthorized}
	stInvalidToken     = Status{Text: "Invalid token", Code: 4, http: http.StatusForbidden}
	stNoData           = Status{Text: "No data", Code: 5, http: http.StatusBadRequest}
	stInvalidFormat    = Status{Text: "Invalid data format", Code: 6, http: http.StatusBadRequest}
	stInternal         = Status{Text: "Internal server error", Code: 8, http: http.StatusInternalServerError}
	stBusy             = Status{Text: "Server is busy", Code: 9, http: http.StatusServiceUnavailable}
	stChannelMissing   = Status{Text: "Data channel is missing", Code: 10, http: http.StatusBadRequest}
	stInvalidChannel   = Status{Text: "Invalid data channel", Code: 11, http: http.StatusBadRequest}
	stEventRequired    = Status{Text: "Event field is required", Code: 12, http: http.StatusBadRequest}
	stEventBlank       = Status{Text: "Event field cannot be blank", Code: 13, http: http.StatusBadRequest}
	stIndexedFields    = Status{Text: "Error in handling indexed fields", Code: 15, http: http.StatusBadRequest}
	stQueryAuthOff     = Status{Text: "Query string authorization is not enabled", Code: 16, http: http.StatusBadRequest}
	stHealthy          = Status{Text: "HEC is healthy", Code: 17, http: http.StatusOK}
	stUnhealthyQueues  = Status{Text: "HEC is unhealthy, queues are full", Code: 18, http: http.StatusServiceUnavailable}
	stNotFound         = Status{Text: "The requested URL was not found on this server.", Code: 404, http: http.StatusNotFound}
	stMethodNotAllowed = Status{Text: "The requested URL does not support this method.", Code: 405, http: http.StatusMethodNotAllowed}
)

// tooLarge is Splunk's answer to an oversized request (413, code 6), its
// text saying which limit was passed: Splunk's clients read the code, the
// operator reading their log needs the number.
func tooLarge(why string) Status {
	return Status{Text: "Content too large: " + why + "; send smaller batches", Code: 6, http: http.StatusRequestEntityTooLarge}
}

// ServeHTTP routes /services/collector/... requests.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch path {
	case "/services/collector", "/services/collector/event", "/services/collector/event/1.0":
		h.ingest(w, r, false)
	case "/services/collector/raw", "/services/collector/raw/1.0":
		h.ingest(w, r, true)
	case "/services/collector/health", "/services/collector/health/1.0":
		h.health(w, r)
	case "/services/collector/ack", "/services/collector/ack/1.0":
		h.ack(w, r)
	default:
		h.write(w, stNotFound)
	}
}

func (h *Handler) write(w http.ResponseWriter, st Status) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(st.http)
	b, _ := json.Marshal(st)
	_, _ = w.Write(append(b, '\n'))
}

func (h *Handler) writeAt(w http.ResponseWriter, st Status, i int) {
	st.InvalidEventNumber = &i
	h.write(w, st)
}

func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		h.write(w, stMethodNotAllowed)
		return
	}
	if h.p.Full() {
		h.write(w, stUnhealthyQueues)
		return
	}
	h.write(w, stHealthy)
}

// authenticate finds and checks the token; on failure it has answered.
func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	token, fromQuery, st := credentials(r)
	if st != nil {
		h.c.Refused(ingest.ReasonUnauthorized)
		h.write(w, *st)
		return "", false
	}
	org, err := h.o.Authenticate(r.Context(), token)
	switch {
	case err == nil && fromQuery && !h.o.AllowQueryToken:
		// Splunk checks the token before refusing the query string.
		h.c.Refused(ingest.ReasonUnauthorized)
		h.write(w, stQueryAuthOff)
		return "", false
	case err == nil && org == "":
		h.log.Error("cannot check HEC token", "err", errors.New("the token's org is empty"))
		h.write(w, stInternal)
	case err == nil:
		return org, true
	case errors.Is(err, ingest.ErrDisabled):
		h.c.Refused(ingest.ReasonUnauthorized)
		h.write(w, stTokenDisabled)
	case errors.Is(err, ingest.ErrForbidden):
		// Splunk has no code for a token that may not send: its "Invalid
		// token" (403) is what its clients handle as such.
		h.c.Refused(ingest.ReasonForbidden)
		h.write(w, stInvalidToken)
	case errors.Is(err, ingest.ErrUnauthorized):
		h.c.Refused(ingest.ReasonUnauthorized)
		h.write(w, stInvalidToken)
	default:
		h.log.Error("cannot check HEC token", "err", err)
		h.write(w, stInternal)
	}
	return "", false
}

// credentials reads the token from "Authorization: Splunk <token>" (or
// Bearer, or Basic with the token as password) or the token query
// parameter.
func credentials(r *http.Request) (token string, fromQuery bool, st *Status) {
	if a := r.Header.Get("Authorization"); a != "" {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(a), " ")
		rest = strings.TrimSpace(rest)
		switch strings.ToLower(scheme) {
		case "splunk", "bearer":
			if rest != "" {
				return rest, false, nil
			}
		case "basic":
			if b, err := base64.StdEncoding.DecodeString(rest); err == nil {
				if _, pw, ok := strings.Cut(string(b), ":"); ok && pw != "" {
					return pw, false, nil
				}
			}
		}
		return "", false, &stInvalidAuth
	}
	if t := r.URL.Query().Get("token"); t != "" {
		return t, true, nil
	}
	return "", false, &stTokenRequired
}

// channel returns the request's channel ("" when none); ok is false when
// it is not a GUID, which Splunk answers with code 11: a client that
// sends something else would be refused by Splunk too, and must find out
// here, not when it moves there.
func channel(r *http.Request) (string, bool) {
	ch := r.Header.Get("X-Splunk-Request-Channel")
	if ch == "" {
		ch = r.URL.Query().Get("channel")
	}
	if ch == "" {
		return "", true
	}
	if !isGUID(ch) {
		return "", false
	}
	// One channel however its hex digits are cased.
	return strings.ToLower(ch), true
}

// isGUID reports whether s is a GUID in its canonical text form,
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx with hexadecimal digits.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// meta is the Splunk metadata of events: from the envelope, or from the
// query string of /raw.
type meta struct {
	host, source, sourcetype, index string
	time                            time.Time
	fields                          event.Fields
}

func (h *Handler) ingest(w http.ResponseWriter, r *http.Request, raw bool) {
	if r.Method != http.MethodPost {
		h.write(w, stMethodNotAllowed)
		return
	}
	org, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	ch, ok := channel(r)
	if !ok {
		h.c.Refused(ingest.ReasonBadRequest)
		h.write(w, stInvalidChannel)
		return
	}
	body, err := ingest.ReadBody(r, h.o.MaxBodyBytes)
	switch {
	case errors.Is(err, ingest.ErrBodyTooLarge):
		h.c.Refused(ingest.ReasonTooLarge)
		h.write(w, tooLarge("the request body is over "+ingest.LimitText(h.o.MaxBodyBytes)+" after decompression"))
		return
	case errors.Is(err, ingest.ErrBadEncoding):
		h.c.Refused(ingest.ReasonBadEncoding)
		h.write(w, stInvalidFormat)
		return
	case err != nil:
		h.c.Refused(ingest.ReasonReadError)
		h.write(w, stInvalidFormat)
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		h.c.Refused(ingest.ReasonNoData)
		h.write(w, stNoData)
		return
	}
	var evs []event.Event
	var client []bool
	var bad *Status
	badAt := 0
	if raw {
		evs = h.rawEvents(org, body, r)
	} else {
		evs, client, bad, badAt = h.jsonEvents(org, body)
	}
	if len(evs) > h.o.MaxItems {
		h.c.Refused(ingest.ReasonTooLarge)
		h.write(w, tooLarge(fmt.Sprintf("the request holds more than %d events", h.o.MaxItems)))
		return
	}
	ingest.DistinctIDs(evs, func(i int) bool { return client != nil && client[i] })
	// Splunk indexes the events before an invalid one, then reports it.
	for start := 0; start < len(evs); start += 10_000 {
		if _, err := h.p.Submit(r.Context(), evs[start:min(start+10_000, len(evs))], h.o.Listener); err != nil {
			h.submitError(w, r, err)
			return
		}
	}
	if bad != nil {
		st := *bad
		st.Truncated = cuts(evs)
		h.writeAt(w, st, badAt)
		return
	}
	st := stSuccess
	st.Truncated = cuts(evs)
	if ch != "" {
		id := h.acks.next(org + "\x00" + ch)
		st.AckID = &id
	}
	h.write(w, st)
}

func (h *Handler) submitError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	if !errors.Is(err, ingest.ErrOverloaded) {
		h.log.Error("cannot store HEC events", "err", err)
	}
	// Busy, in both cases: Splunk clients retry a 503, and nothing of
	// this request is acknowledged.
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(h.p.RetryAfter().Round(time.Second)/time.Second))))
	h.write(w, stBusy)
}

// envelope is one event of /services/collector/event.
type envelope struct {
	Time       json.RawMessage `json:"time"`
	Host       *string         `json:"host"`
	Source     *string         `json:"source"`
	Sourcetype *string         `json:"sourcetype"`
	Index      *string         `json:"index"`
	Event      json.RawMessage `json:"event"`
	Fields     json.RawMessage `json:"fields"`
}

// jsonEvents reads concatenated event envelopes. At the first invalid one
// it stops and returns the status to answer and the envelope's index.
func (h *Handler) jsonEvents(org string, body []byte) (evs []event.Event, client []bool, bad *Status, badAt int) {
	now := h.p.Now()
	dec := json.NewDecoder(bytes.NewReader(body))
	for i := 0; ; i++ {
		var env envelope
		err := dec.Decode(&env)
		if err == io.EOF || len(evs) > h.o.MaxItems {
			return evs, client, nil, 0
		}
		h.c.Received(1)
		reject := func(st Status, reason string) ([]event.Event, []bool, *Status, int) {
			h.c.Rejected(reason, 1)
			return evs, client, &st, i
		}
		if err != nil {
			return reject(stInvalidFormat, ingest.ReasonInvalidJSON)
		}
		m, st := envelopeMeta(&env)
		if st != nil {
			return reject(*st, ingest.ReasonInvalidJSON)
		}
		ev, isClient, st := h.eventOf(org, now, env.Event, m)
		if st != nil {
			reason := ingest.ReasonInvalidJSON
			if st.Code == stEventRequired.Code || st.Code == stEventBlank.Code {
				reason = ingest.ReasonMissingEvent
			}
			return reject(*st, reason)
		}
		evs = append(evs, ev)
		client = append(client, isClient)
	}
}

func envelopeMeta(env *envelope) (meta, *Status) {
	var m meta
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	m.host, m.source, m.sourcetype, m.index = str(env.Host), str(env.Source), str(env.Sourcetype), str(env.Index)
	if len(env.Time) > 0 && string(env.Time) != "null" {
		t, ok := epoch(env.Time)
		if !ok {
			return m, &stInvalidFormat
		}
		m.time = t
	}
	if len(env.Fields) > 0 && string(env.Fields) != "null" {
		f, ok := indexedFields(env.Fields)
		if !ok {
			return m, &stIndexedFields
		}
		m.fields = f
	}
	return m, nil
}

// epoch reads HEC's time: epoch seconds as a number or a string, with a
// fraction ("1433188255.500"). Milliseconds, which some senders send by
// mistake, are recognised by their size.
func epoch(b json.RawMessage) (time.Time, bool) {
	s := strings.Trim(string(b), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
		return time.Time{}, false
	}
	if f > 1e11 {
		f /= 1000
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1e3).UTC(), true
}

// indexedFields reads "fields": a flat object of strings, numbers or
// arrays of them. Nested objects are an error, as in Splunk.
func indexedFields(b json.RawMessage) (event.Fields, bool) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, false
	}
	f := event.Fields{}
	for k, v := range m {
		key := "labels." + labelKey(k)
		switch x := v.(type) {
		case string:
			f.Set(key, x)
		case json.Number:
			f.Set(key, x.String())
		case bool:
			f.Set(key, strconv.FormatBool(x))
		case []any:
			var list []string
			for _, e := range x {
				switch y := e.(type) {
				case string:
					list = append(list, y)
				case json.Number:
					list = append(list, y.String())
				case bool:
					list = append(list, strconv.FormatBool(y))
				default:
					return nil, false
				}
			}
			f.Set(key, list)
		case nil:
		default:
			return nil, false
		}
	}
	return f, true
}

// labelKey makes a Splunk field name an ECS label key.
func labelKey(k string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, k)
}

// eventOf normalizes the "event" value: a string is a log line (format
// detected; text no parser reads is a plain event, as in Splunk, not a
// parse error), an object a JSON event.
func (h *Handler) eventOf(org string, now time.Time, raw json.RawMessage, m meta) (event.Event, bool, *Status) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return event.Event{}, false, &stEventRequired
	}
	in := normalize.Input{OrgID: org, Input: "hec", Received: now, Format: normalize.FormatPlain}
	var ev event.Event
	client := false
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return ev, false, &stInvalidFormat
		}
		if strings.TrimSpace(s) == "" {
			return ev, false, &stEventBlank
		}
		in.Raw = []byte(s)
		ev = h.p.Normalizer().Normalize(in)
	case '{':
		if ingest.EmptyObject(raw) {
			return ev, false, &stEventBlank
		}
		var err error
		in.Raw = raw
		ev, client, err = h.p.NormalizeJSON(in, h.o.MaxDepth)
		if err != nil {
			return ev, false, &stInvalidFormat
		}
	default:
		if err := ingest.CheckDepth(raw, h.o.MaxDepth); err != nil {
			return ev, false, &stInvalidFormat
		}
		in.Raw = raw
		ev = h.p.Normalizer().Normalize(in)
	}
	applyMeta(&ev, m)
	if client {
		h.p.SettleClientID(&ev)
	}
	return ev, client, nil
}

// genericDatasets are what the normalizer calls events it could not name
// more precisely; a sender's sourcetype is better.
var genericDatasets = map[string]bool{"": true, "unknown": true, "json": true, "plain": true, "kv": true}

// applyMeta maps Splunk metadata onto ECS: host → host.name, sourcetype →
// event.dataset (unless the parser named a more precise one) and
// labels.sourcetype, a source that is a file path → log.file.path (any
// source → labels.source), index → labels.index, indexed fields →
// labels.*. The envelope's time wins over the one parsed from the event,
// as in Splunk.
func applyMeta(ev *event.Event, m meta) {
	f := ev.Fields
	if m.host != "" {
		if _, ok := f["host.name"]; !ok {
			f["host.name"] = m.host
		}
	}
	if m.sourcetype != "" {
		f["labels.sourcetype"] = m.sourcetype
		if ds, _ := f["event.dataset"].(string); genericDatasets[ds] {
			f["event.dataset"] = m.sourcetype
		}
	}
	if m.source != "" {
		f["labels.source"] = m.source
		if strings.HasPrefix(m.source, "/") || len(m.source) > 2 && m.source[1] == ':' && (m.source[2] == '\\' || m.source[2] == '/') {
			if _, ok := f["log.file.path"]; !ok {
				f["log.file.path"] = m.source
			}
		}
	}
	if m.index != "" {
		f["labels.index"] = m.index
	}
	for k, v := range m.fields {
		if _, ok := f[k]; !ok {
			f[k] = v
		}
	}
	if !m.time.IsZero() {
		ev.Timestamp = m.time
	}
}

// rawEvents reads /services/collector/raw: one event per line, metadata
// from the query string.
func (h *Handler) rawEvents(org string, body []byte, r *http.Request) []event.Event {
	q := r.URL.Query()
	m := meta{host: q.Get("host"), source: q.Get("source"), sourcetype: q.Get("sourcetype"), index: q.Get("index")}
	if t := q.Get("time"); t != "" {
		if ts, ok := epoch(json.RawMessage(t)); ok {
			m.time = ts
		}
	}
	now := h.p.Now()
	var evs []event.Event
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(evs) > h.o.MaxItems {
			break
		}
		h.c.Received(1)
		ev := h.p.Normalizer().Normalize(normalize.Input{OrgID: org, Input: "hec", Received: now, Raw: line, Format: normalize.FormatPlain})
		applyMeta(&ev, m)
		evs = append(evs, ev)
	}
	return evs
}

// maxAckBody bounds an acknowledgement query: a million ackIds.
const maxAckBody = 1 << 20

// ack answers indexer-acknowledgement queries. Every ackId this handler
// gave out is true: it was given only once its events were durable.
func (h *Handler) ack(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		h.write(w, stMethodNotAllowed)
		return
	}
	org, ok := h.authenticate(w, r)
	if !ok {
		return
	}
	ch, ok := channel(r)
	if !ok {
		h.c.Refused(ingest.ReasonBadRequest)
		h.write(w, stInvalidChannel)
		return
	}
	if ch == "" {
		h.write(w, stChannelMissing)
		return
	}
	body, err := ingest.ReadBody(r, maxAckBody)
	if errors.Is(err, ingest.ErrBodyTooLarge) {
		h.write(w, tooLarge("an acknowledgement query is over "+ingest.LimitText(maxAckBody)))
		return
	}
	if err != nil {
		h.write(w, stInvalidFormat)
		return
	}
	var q struct {
		Acks []int64 `json:"acks"`
	}
	if err := json.Unmarshal(body, &q); err != nil || q.Acks == nil {
		h.write(w, stInvalidFormat)
		return
	}
	issued := h.acks.issued(org + "\x00" + ch)
	out := make(map[string]bool, len(q.Acks))
	for _, id := range q.Acks {
		out[strconv.FormatInt(id, 10)] = id >= 0 && id < issued
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	b, _ := json.Marshal(map[string]any{"acks": out})
	_, _ = w.Write(append(b, '\n'))
}

// acks counts the ackIds issued per channel (of an org), for a bounded
// number of channels (the least recently used are forgotten first).
type acks struct {
	mu    sync.Mutex // guards m
	max   int
	clock int64
	m     map[string]*ackChannel
}

type ackChannel struct {
	next int64
	used int64
}

func newAcks(max int) *acks { return &acks{max: max, m: map[string]*ackChannel{}} }

func (a *acks) next(ch string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.clock++
	c, ok := a.m[ch]
	if !ok {
		if len(a.m) >= a.max {
			a.evict()
		}
		c = &ackChannel{}
		a.m[ch] = c
	}
	c.used = a.clock
	id := c.next
	c.next++
	return id
}

func (a *acks) issued(ch string) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.m[ch]; ok {
		a.clock++
		c.used = a.clock
		return c.next
	}
	return 0
}

// evict drops the least recently used tenth of the channels; a.mu held.
func (a *acks) evict() {
	type kv struct {
		k    string
		used int64
	}
	all := make([]kv, 0, len(a.m))
	for k, c := range a.m {
		all = append(all, kv{k, c.used})
	}
	used := make([]int64, len(all))
	for i, e := range all {
		used[i] = e.used
	}
	slices.Sort(used)
	cut := used[max(len(used)/10, 1)-1]
	for _, e := range all {
		if e.used <= cut {
			delete(a.m, e.k)
		}
	}
}
