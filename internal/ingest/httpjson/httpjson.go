// Package httpjson receives events as JSON over HTTP: POST /api/v1/events
// (and the seed's POST /api/security-events) with one JSON object, a JSON
// array of objects, or NDJSON. It answers 202 only once every accepted
// event is durable; invalid items are reported one by one and not stored,
// while the valid items of the same request are.
package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// Options configure a Handler.
type Options struct {
	Pipeline *ingest.Pipeline // required
	// OrgFromRequest authenticates a request and returns its org, for
	// ServeHTTP. It returns an error wrapping ingest.ErrUnauthorized for
	// missing or bad credentials (401), ingest.ErrForbidden for
	// credentials that may not send events (403); any other error is a
	// 500. Not
	// needed when the caller authenticates and uses ServeOrg.
	OrgFromRequest func(r *http.Request) (orgID string, err error)
	// MaxBodyBytes bounds a request body after decompression (default
	// 10 MiB).
	MaxBodyBytes int64
	// MaxItems bounds the items of one request (default 100,000).
	MaxItems int
	// MaxDepth bounds JSON nesting (default ingest.DefaultMaxDepth).
	MaxDepth int
	// Listener is the metrics label (default "http").
	Listener string
	Logger   *slog.Logger
}

// Handler serves the JSON event endpoints.
type Handler struct {
	o   Options
	p   *ingest.Pipeline
	c   *ingest.Counters
	log *slog.Logger
}

// New returns a handler.
func New(o Options) (*Handler, error) {
	if o.Pipeline == nil {
		return nil, errors.New("cannot create JSON ingest handler: no pipeline")
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = ingest.DefaultMaxBody
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 100_000
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = ingest.DefaultMaxDepth
	}
	if o.Listener == "" {
		o.Listener = "http"
	}
	if o.Logger == nil {
		o.Logger = o.Pipeline.Logger()
	}
	h := &Handler{o: o, p: o.Pipeline, c: o.Pipeline.Counters(o.Listener),
		log: o.Logger.With("component", "ingest.httpjson")}
	h.c.Expect(ingest.Reasons{
		Rejected: []string{ingest.ReasonInvalidJSON, ingest.ReasonNotObject, ingest.ReasonTooDeep, ingest.ReasonEmptyObject},
		Refused: []string{ingest.ReasonUnauthorized, ingest.ReasonForbidden, ingest.ReasonBadRequest, ingest.ReasonTooLarge,
			ingest.ReasonBadEncoding, ingest.ReasonReadError, ingest.ReasonInvalidJSON, ingest.ReasonNotObject, ingest.ReasonTooDeep,
			ingest.ReasonNoData, ingest.ReasonOverloaded},
	})
	return h, nil
}

// Response is the body of a 202 (and, with Error set, of a 400 when no
// item was valid).
type Response struct {
	Error *ErrorDetail `json:"error,omitempty"`
	// Accepted counts the valid events, all durable: newly stored plus
	// Duplicates (already stored by an earlier delivery).
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	// Rejected lists invalid items (at most 1,000; RejectedCount has the
	// total). They were not stored.
	Rejected      []Rejection `json:"rejected"`
	RejectedCount int         `json:"rejected_count"`
	// Truncated lists stored items that were cut to fit the limits (at
	// most 1,000; TruncatedCount has the total): longer than an event may
	// be (kept as the start of their text, unparsed), or nested deeper or
	// holding more fields than kept. They count in Accepted.
	Truncated      []Rejection `json:"truncated"`
	TruncatedCount int         `json:"truncated_count"`
}

// Rejection says why one item was not stored.
type Rejection struct {
	// Index is the item's 0-based position: in the array, or among the
	// non-empty lines of NDJSON.
	Index int `json:"index"`
	// Line is the 1-based line of an NDJSON item.
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
}

// ErrorDetail is the house error shape: {"error": {code, message, field}}.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

const maxListed = 1000

// chunkSize is how many events are submitted at once: it bounds the
// memory a 10 MB request of tiny objects costs.
const chunkSize = 10_000

// ServeHTTP authenticates with Options.OrgFromRequest, then serves.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.o.OrgFromRequest == nil {
		h.fail(w, http.StatusInternalServerError, "internal", "ingest handler has no authentication configured")
		return
	}
	org, err := h.o.OrgFromRequest(r)
	if err != nil {
		if errors.Is(err, ingest.ErrForbidden) {
			h.c.Refused(ingest.ReasonForbidden)
			h.fail(w, http.StatusForbidden, "forbidden", "this API key may not send events: it needs the events:write permission (give it the ingest role)")
			return
		}
		if errors.Is(err, ingest.ErrUnauthorized) {
			h.c.Refused(ingest.ReasonUnauthorized)
			w.Header().Set("WWW-Authenticate", `Bearer realm="eventsec"`)
			h.fail(w, http.StatusUnauthorized, "unauthenticated", "send an API key as a Bearer token")
			return
		}
		h.log.Error("cannot authenticate ingest request", "err", err)
		h.fail(w, http.StatusInternalServerError, "internal", "internal error; the server log has details")
		return
	}
	h.ServeOrg(w, r, org)
}

// errNoOrg guards against an authentication callback that returns no org.
var errNoOrg = errors.New("authenticated request without an org")

// ServeOrg serves a request already authenticated for orgID.
func (h *Handler) ServeOrg(w http.ResponseWriter, r *http.Request, orgID string) {
	if orgID == "" {
		h.log.Error("cannot ingest", "err", errNoOrg)
		h.fail(w, http.StatusInternalServerError, "internal", "internal error; the server log has details")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	key, err := ingest.IdempotencyKey(r)
	if err != nil {
		h.c.Refused(ingest.ReasonBadRequest)
		h.failField(w, http.StatusBadRequest, "invalid_header", err.Error(), ingest.IdempotencyHeader)
		return
	}
	ndjson, ok := mediaType(r.Header.Get("Content-Type"))
	if !ok {
		h.c.Refused(ingest.ReasonBadRequest)
		h.fail(w, http.StatusUnsupportedMediaType, "unsupported_media_type",
			"send application/json (an object or an array of objects) or application/x-ndjson")
		return
	}
	body, err := ingest.ReadBody(r, h.o.MaxBodyBytes)
	switch {
	case errors.Is(err, ingest.ErrBodyTooLarge):
		h.c.Refused(ingest.ReasonTooLarge)
		h.fail(w, http.StatusRequestEntityTooLarge, "body_too_large",
			"the request body is over "+ingest.LimitText(h.o.MaxBodyBytes)+" after decompression: send smaller batches")
		return
	case errors.Is(err, ingest.ErrBadEncoding):
		h.c.Refused(ingest.ReasonBadEncoding)
		h.fail(w, http.StatusUnsupportedMediaType, "unsupported_encoding", err.Error())
		return
	case err != nil:
		h.c.Refused(ingest.ReasonReadError)
		h.fail(w, http.StatusBadRequest, "invalid_body", "cannot read the request body")
		return
	}

	items, lines, err := split(body, ndjson, h.o.MaxDepth)
	if err != nil {
		h.c.Refused(ingest.Reason(err))
		h.fail(w, http.StatusBadRequest, "invalid_json", err.Error())
		return
	}
	if len(items) == 0 {
		h.c.Refused(ingest.ReasonNoData)
		h.fail(w, http.StatusBadRequest, "no_events", "the request holds no event: send a JSON object, an array of objects or NDJSON")
		return
	}
	if len(items) > h.o.MaxItems {
		h.c.Refused(ingest.ReasonTooLarge)
		h.fail(w, http.StatusRequestEntityTooLarge, "too_many_events",
			fmt.Sprintf("the request holds %d events; send at most %d per request", len(items), h.o.MaxItems))
		return
	}
	h.c.Received(len(items))

	// With an idempotency key, a retry takes the first delivery's arrival
	// time: events without their own timestamp then derive the same
	// timestamps and IDs, and are found already stored.
	received := h.p.Now()
	if key != "" {
		received, err = h.p.Received(r.Context(), orgID, key)
		if errors.Is(err, ingest.ErrNoReceipts) {
			h.failField(w, http.StatusBadRequest, "invalid_header", err.Error(), ingest.IdempotencyHeader)
			return
		}
		if err != nil {
			h.submitError(w, r, err)
			return
		}
	}
	evs, rejected, truncated := h.normalize(orgID, received, items, lines)
	resp := Response{Rejected: rejected, RejectedCount: len(rejected), Truncated: truncated, TruncatedCount: len(truncated)}
	if len(resp.Rejected) > maxListed {
		resp.Rejected = resp.Rejected[:maxListed]
	}
	if len(resp.Truncated) > maxListed {
		resp.Truncated = resp.Truncated[:maxListed]
	}
	if len(evs) == 0 {
		resp.Error = &ErrorDetail{Code: "invalid_events", Message: fmt.Sprintf("no valid event in the request: %d rejected (see rejected)", len(rejected))}
		writeJSON(w, http.StatusBadRequest, resp)
		return
	}
	for start := 0; start < len(evs); start += chunkSize {
		chunk := evs[start:min(start+chunkSize, len(evs))]
		res, err := h.p.Submit(r.Context(), chunk, h.o.Listener)
		if err != nil {
			h.submitError(w, r, err)
			return
		}
		resp.Accepted += res.Stored + res.Duplicates
		resp.Duplicates += res.Duplicates
	}
	writeJSON(w, http.StatusAccepted, resp)
}

func (h *Handler) submitError(w http.ResponseWriter, r *http.Request, err error) {
	retry := strconv.Itoa(max(1, int(h.p.RetryAfter().Round(time.Second)/time.Second)))
	switch {
	case errors.Is(err, ingest.ErrOverloaded):
		w.Header().Set("Retry-After", retry)
		h.fail(w, http.StatusTooManyRequests, "overloaded", "the server is ingesting as fast as it can: retry after "+retry+" seconds")
	case r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
	default:
		h.log.Error("cannot store events", "err", err)
		w.Header().Set("Retry-After", retry)
		h.fail(w, http.StatusServiceUnavailable, "store_unavailable", "the events could not be stored; none of this request is acknowledged: retry later")
	}
}

// normalize turns items into events, in parallel for large requests, and
// collects the rejections in item order.
func (h *Handler) normalize(orgID string, now time.Time, items [][]byte, lines []int) ([]event.Event, []Rejection, []Rejection) {
	evs := make([]event.Event, len(items))
	errs := make([]error, len(items))
	client := make([]bool, len(items))
	one := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if ingest.EmptyObject(items[i]) {
				errs[i] = ingest.ErrEmptyObject
				continue
			}
			evs[i], client[i], errs[i] = h.p.NormalizeJSON(normalize.Input{OrgID: orgID, Input: "http", Received: now, Raw: items[i]}, h.o.MaxDepth)
			if client[i] && errs[i] == nil {
				h.p.SettleClientID(&evs[i])
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(items)/512)
	if workers <= 1 {
		one(0, len(items))
	} else {
		var wg sync.WaitGroup
		per := (len(items) + workers - 1) / workers
		for lo := 0; lo < len(items); lo += per {
			wg.Go(func() { one(lo, min(lo+per, len(items))) })
		}
		wg.Wait()
	}
	rejected, truncated := []Rejection{}, []Rejection{}
	kept := evs[:0]
	keptClient := client[:0]
	for i, err := range errs {
		at := Rejection{Index: i}
		if lines != nil {
			at.Line = lines[i]
		}
		if err != nil {
			h.c.Rejected(ingest.Reason(err), 1)
			at.Reason = err.Error()
			rejected = append(rejected, at)
			continue
		}
		if at.Reason = ingest.CutReason(evs[i]); at.Reason != "" {
			truncated = append(truncated, at)
		}
		kept = append(kept, evs[i])
		keptClient = append(keptClient, client[i])
	}
	ingest.DistinctIDs(kept, func(i int) bool { return keptClient[i] })
	return kept, rejected, truncated
}

// mediaType accepts JSON and NDJSON content types; ndjson says which.
func mediaType(ct string) (ndjson, ok bool) {
	if ct == "" {
		return false, true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false, false
	}
	switch mt {
	case "application/json", "text/json":
		return false, true
	case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines",
		"application/jsonlines", "application/json-seq", "text/plain", "text/x-ndjson":
		return true, true
	}
	return false, false
}

// split cuts a body into items: the elements of an array, the lines of
// NDJSON, or a single object (which may span lines). lines, for NDJSON,
// holds each item's 1-based line number.
func split(body []byte, ndjson bool, maxDepth int) (items [][]byte, lines []int, err error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, nil, nil
	}
	if trimmed[0] == '[' && !ndjson {
		items, err := ingest.SplitArray(trimmed, maxDepth)
		return items, nil, err
	}
	if !ndjson && singleValue(trimmed) {
		return [][]byte{trimmed}, nil, nil
	}
	line := 0
	for len(body) > 0 {
		line++
		var l []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			l, body = body[:i], body[i+1:]
		} else {
			l, body = body, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		items = append(items, l)
		lines = append(lines, line)
	}
	return items, lines, nil
}

// singleValue reports whether b is one JSON object and nothing after it
// (so a pretty-printed object is one item, not one item per line).
func singleValue(b []byte) bool {
	if b[0] != '{' {
		return false
	}
	single := false
	ingest.WalkBrackets(b, func(i, depth int) bool {
		if depth == 0 {
			single = i == len(b)-1
			return false
		}
		return true
	})
	return single
}

func (h *Handler) fail(w http.ResponseWriter, status int, code, msg string) {
	h.failField(w, status, code, msg, "")
}

func (h *Handler) failField(w http.ResponseWriter, status int, code, msg, field string) {
	writeJSON(w, status, struct {
		Error ErrorDetail `json:"error"`
	}{ErrorDetail{Code: code, Message: msg, Field: field}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing to do
}
