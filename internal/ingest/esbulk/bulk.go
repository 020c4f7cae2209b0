package esbulk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/event"
	"github.com/eventsec/eventsec/internal/ingest"
	"github.com/eventsec/eventsec/internal/normalize"
)

// defaultIndex names the target of documents sent without an index.
const defaultIndex = "eventsec"

// op is one action of a bulk request and what became of it.
type op struct {
	action string // "index", "create", "delete", "update", or what was sent
	index  string
	id     string // the client's _id, "" when none
	ev     int    // index into the request's events, -1 when none
	err    *itemError
}

type itemError struct {
	status int
	typ    string
	reason string
}

// bulkReader walks the lines of a bulk body.
type bulkReader struct {
	body []byte
	line int // lines consumed
}

// next returns the next non-empty line.
func (br *bulkReader) next() ([]byte, bool) {
	for len(br.body) > 0 {
		br.line++
		var l []byte
		if i := bytes.IndexByte(br.body, '\n'); i >= 0 {
			l, br.body = br.body[:i], br.body[i+1:]
		} else {
			l, br.body = br.body, nil
		}
		l = bytes.TrimSpace(l)
		if len(l) > 0 {
			return l, true
		}
	}
	return nil, false
}

// peekAction reports whether the next non-empty line is an action line.
func (br *bulkReader) peekAction() bool {
	save := *br
	l, ok := br.next()
	*br = save
	if !ok {
		return false
	}
	action, _, err := parseAction(l)
	return err == nil && knownAction(action)
}

func knownAction(a string) bool {
	return a == "index" || a == "create" || a == "delete" || a == "update"
}

type actionMeta struct {
	Index string          `json:"_index"`
	ID    json.RawMessage `json:"_id"`
}

// parseAction reads an action line: an object with one key, the action,
// whose value holds the metadata.
func parseAction(line []byte) (string, actionMeta, error) {
	var m map[string]json.RawMessage
	var meta actionMeta
	if err := json.Unmarshal(line, &m); err != nil {
		return "", meta, fmt.Errorf("the action/metadata line is not a JSON object: it begins %s", excerpt(line))
	}
	if len(m) != 1 {
		return "", meta, fmt.Errorf("the action/metadata line has %d keys, want exactly one action", len(m))
	}
	for action, v := range m {
		if !knownAction(action) {
			// The action is the problem to report (often a document sent
			// without its action line), whatever its value holds; its
			// _index, if it has one, still names the item.
			_ = json.Unmarshal(v, &meta)
			return action, meta, nil
		}
		if len(bytes.TrimSpace(v)) > 0 && string(bytes.TrimSpace(v)) != "null" {
			if err := json.Unmarshal(v, &meta); err != nil {
				return action, meta, fmt.Errorf("malformed metadata of action [%s]", action)
			}
		}
		return action, meta, nil
	}
	return "", meta, errors.New("empty action")
}

// excerpt quotes the start of a line for an error message: enough to
// recognise what was sent instead (a log line, a document without its
// action line, binary), never a whole document.
func excerpt(line []byte) string {
	const max = 40
	if len(line) <= max {
		return strconv.Quote(string(line))
	}
	cut := max
	for cut > max-4 && !utf8.RuneStart(line[cut]) {
		cut--
	}
	return strconv.Quote(string(line[:cut])) + "..."
}

func metaID(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw) // a number
}

// parse reads a bulk body into ops and the events of its valid documents.
func (h *Handler) parse(org string, body []byte, urlIndex string) ([]op, []event.Event, []bool) {
	now := h.p.Now()
	br := bulkReader{body: body}
	var (
		ops    []op
		evs    []event.Event
		client []bool
		// Shippers repeat the same action line for every document.
		lastLine   []byte
		lastAction string
		lastMeta   actionMeta
		lastErr    error
	)
	for {
		line, ok := br.next()
		if !ok || len(ops) > h.o.MaxItems {
			// Past the limit one action is enough to refuse the request.
			return ops, evs, client
		}
		actionLine := br.line
		var action string
		var meta actionMeta
		var err error
		if lastLine != nil && bytes.Equal(line, lastLine) {
			action, meta, err = lastAction, lastMeta, lastErr
		} else {
			action, meta, err = parseAction(line)
			lastLine, lastAction, lastMeta, lastErr = line, action, meta, err
		}
		o := op{action: action, index: meta.Index, id: metaID(meta.ID), ev: -1}
		if o.index == "" {
			o.index = urlIndex
		}
		if o.index == "" {
			o.index = defaultIndex
		}
		h.c.Received(1)
		switch {
		case err != nil || !knownAction(action):
			reason := fmt.Sprintf("Malformed action/metadata line [%d], expected one of [create, delete, index, update] but found [%s]", actionLine, action)
			if err != nil {
				reason = fmt.Sprintf("Malformed action/metadata line [%d]: %v", actionLine, err)
			}
			o.err = &itemError{http.StatusBadRequest, "illegal_argument_exception", reason}
			h.c.Rejected(ingest.ReasonUnknownAction, 1)
			// Its document, if it has one, is skipped; a following action
			// line is not.
			if !br.peekAction() {
				br.next()
			}
			if err != nil || action == "" {
				o.action = "index"
			}
		case action == "delete":
			o.err = &itemError{http.StatusBadRequest, "illegal_argument_exception", "unsupported action [delete]: EventSec keeps events append-only"}
			h.c.Rejected(ingest.ReasonUnsupportedAction, 1)
		case action == "update":
			br.next()
			o.err = &itemError{http.StatusBadRequest, "illegal_argument_exception", "unsupported action [update]: EventSec keeps events append-only"}
			h.c.Rejected(ingest.ReasonUnsupportedAction, 1)
		default: // index, create
			// As in Elasticsearch, the line after index or create is its
			// document, whatever it looks like.
			src, ok := br.next()
			if !ok {
				o.err = &itemError{http.StatusBadRequest, "action_request_validation_exception",
					fmt.Sprintf("Validation Failed: 1: the [%s] action on line [%d] has no document;", action, actionLine)}
				h.c.Rejected(ingest.ReasonInvalidJSON, 1)
				break
			}
			if ingest.EmptyObject(src) {
				// Elasticsearch indexes {}; an event with nothing in it
				// is no event, and each retry would store another.
				o.err = &itemError{http.StatusBadRequest, "document_parsing_exception", fmt.Sprintf("[%d:1] %v", br.line, ingest.ErrEmptyObject)}
				h.c.Rejected(ingest.ReasonEmptyObject, 1)
				break
			}
			ev, isClient, err := h.p.NormalizeJSON(normalize.Input{OrgID: org, Input: "esbulk", Received: now, Raw: src, ID: o.id}, h.o.MaxDepth)
			if err != nil {
				o.err = &itemError{http.StatusBadRequest, "document_parsing_exception", fmt.Sprintf("[%d:1] failed to parse: %v", br.line, err)}
				h.c.Rejected(ingest.Reason(err), 1)
				break
			}
			if isClient {
				h.p.SettleClientID(&ev)
			}
			ev.Fields["labels.index"] = o.index
			o.ev = len(evs)
			evs = append(evs, ev)
			client = append(client, isClient)
		}
		ops = append(ops, o)
	}
}

func (h *Handler) bulk(w http.ResponseWriter, r *http.Request, org, urlIndex string) {
	start := time.Now()
	body, err := ingest.ReadBody(r, h.o.MaxBodyBytes)
	switch {
	case errors.Is(err, ingest.ErrBodyTooLarge):
		h.c.Refused(ingest.ReasonTooLarge)
		h.error(w, r, http.StatusRequestEntityTooLarge, "content_too_long_exception",
			"the request body is over "+ingest.LimitText(h.o.MaxBodyBytes)+" after decompression: lower the shipper's bulk size")
		return
	case errors.Is(err, ingest.ErrBadEncoding):
		h.c.Refused(ingest.ReasonBadEncoding)
		h.error(w, r, http.StatusBadRequest, "parse_exception", err.Error())
		return
	case err != nil:
		h.c.Refused(ingest.ReasonReadError)
		h.error(w, r, http.StatusBadRequest, "parse_exception", "cannot read the request body")
		return
	}
	ops, evs, client := h.parse(org, body, urlIndex)
	if len(ops) > h.o.MaxItems {
		h.c.Refused(ingest.ReasonTooLarge)
		h.error(w, r, http.StatusRequestEntityTooLarge, "content_too_long_exception",
			fmt.Sprintf("the bulk request holds more than %d actions: lower the shipper's bulk size", h.o.MaxItems))
		return
	}
	if len(ops) == 0 {
		h.c.Refused(ingest.ReasonNoData)
		h.error(w, r, http.StatusBadRequest, "action_request_validation_exception",
			"Validation Failed: 1: no requests added; the body is empty or blank: send an action/metadata line, each index or create followed by its document, one JSON object per line;")
		return
	}
	ingest.DistinctIDs(evs, func(i int) bool { return client[i] })
	seqs, ok := h.submit(w, r, evs)
	if !ok {
		return
	}
	b := make([]byte, 0, 64+len(ops)*160)
	b = append(b, `{"took":`...)
	b = strconv.AppendInt(b, time.Since(start).Milliseconds(), 10)
	b = append(b, `,"errors":`...)
	errorsAt := len(b)
	b = append(b, `false,"items":[`...)
	anyErr := false
	claimed := make(map[string]bool, len(seqs))
	for i, o := range ops {
		if i > 0 {
			b = append(b, ',')
		}
		id := o.id
		if o.ev >= 0 {
			id = evs[o.ev].ID
		}
		b = append(b, '{')
		b = appendString(b, o.action)
		b = append(b, `:{"_index":`...)
		b = appendString(b, o.index)
		b = append(b, `,"_id":`...)
		if id == "" {
			b = append(b, "null"...)
		} else {
			b = appendString(b, id)
		}
		switch {
		case o.err != nil:
			anyErr = true
			b = appendError(b, o.err)
		default:
			seq, stored := seqs[id]
			switch {
			case stored && !claimed[id]:
				claimed[id] = true
				b = appendCreated(b, seq)
			case o.action == "create" && o.id != "":
				// The client named the document: as in Elasticsearch, a
				// second create of that _id conflicts.
				anyErr = true
				b = appendError(b, &itemError{http.StatusConflict, "version_conflict_engine_exception",
					"[" + id + "]: version conflict, document already exists (current version [1])"})
			default:
				// An index, or a create without _id, of a stored event: a
				// resent delivery (its ID derived from its content).
				// Elasticsearch gives such a create a new _id, never a 409,
				// and shippers take a 409 badly: Fluent Bit 3.1.7+ resends
				// a chunk whose items are all 409, Vector reports the whole
				// batch rejected, Logstash logs every one.
				b = append(b, `,"_version":1,"result":"noop","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":200`...)
			}
			if o.ev >= 0 {
				b = appendCut(b, evs[o.ev])
			}
		}
		b = append(b, "}}"...)
	}
	b = append(b, "]}\n"...)
	if anyErr {
		copy(b[errorsAt:], "true ") // same length as "false"
	}
	h.writeBody(w, r, http.StatusOK, b)
}

func appendCreated(b []byte, seq int64) []byte {
	b = append(b, `,"_version":1,"result":"created","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":`...)
	b = strconv.AppendInt(b, seq, 10)
	return append(b, `,"_primary_term":1,"status":201`...)
}

// appendCut names, in EventSec's own member of an item (shippers read
// status and error only), how the item's event was cut to fit the
// limits; nothing when it was stored whole.
func appendCut(b []byte, ev event.Event) []byte {
	reason := ingest.CutReason(ev)
	if reason == "" {
		return b
	}
	b = append(b, `,"eventsec":{"truncated":`...)
	b = appendString(b, reason)
	return append(b, '}')
}

func appendError(b []byte, e *itemError) []byte {
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(e.status), 10)
	b = append(b, `,"error":{"type":`...)
	b = appendString(b, e.typ)
	b = append(b, `,"reason":`...)
	b = appendString(b, e.reason)
	return append(b, '}')
}

// submit stores the events and returns the Seq of each newly stored ID.
// On failure it has answered the whole request.
func (h *Handler) submit(w http.ResponseWriter, r *http.Request, evs []event.Event) (map[string]int64, bool) {
	seqs := make(map[string]int64, len(evs))
	for start := 0; start < len(evs); start += 10_000 {
		res, err := h.p.Submit(r.Context(), evs[start:min(start+10_000, len(evs))], h.o.Listener)
		if err != nil {
			switch {
			case r.Context().Err() != nil:
			case errors.Is(err, ingest.ErrOverloaded):
				w.Header().Set("Retry-After", retryAfter(h.p))
				h.error(w, r, http.StatusTooManyRequests, "es_rejected_execution_exception",
					"rejected execution of bulk request: EventSec is ingesting as fast as it can; retry later")
			default:
				h.log.Error("cannot store bulk events", "err", err)
				w.Header().Set("Retry-After", retryAfter(h.p))
				h.error(w, r, http.StatusServiceUnavailable, "unavailable_shards_exception", "the events could not be stored; retry later")
			}
			return nil, false
		}
		for _, ev := range res.Committed {
			seqs[ev.ID] = ev.Seq
		}
	}
	return seqs, true
}

// single serves the one-document APIs: POST /{index}/_doc,
// PUT|POST /{index}/_doc/{id} and /{index}/_create/{id}.
func (h *Handler) single(w http.ResponseWriter, r *http.Request, org, index, id string, create bool) {
	body, err := ingest.ReadBody(r, h.o.MaxBodyBytes)
	switch {
	case errors.Is(err, ingest.ErrBodyTooLarge):
		h.c.Refused(ingest.ReasonTooLarge)
		h.error(w, r, http.StatusRequestEntityTooLarge, "content_too_long_exception",
			"the document is over "+ingest.LimitText(h.o.MaxBodyBytes)+" after decompression")
		return
	case err != nil:
		h.c.Refused(ingest.ReasonBadRequest)
		h.error(w, r, http.StatusBadRequest, "parse_exception", err.Error())
		return
	}
	h.c.Received(1)
	if ingest.EmptyObject(body) {
		h.c.Rejected(ingest.ReasonEmptyObject, 1)
		h.error(w, r, http.StatusBadRequest, "document_parsing_exception", "[1:1] "+ingest.ErrEmptyObject.Error())
		return
	}
	ev, isClient, err := h.p.NormalizeJSON(normalize.Input{OrgID: org, Input: "esbulk", Received: h.p.Now(), Raw: body, ID: id}, h.o.MaxDepth)
	if err != nil {
		h.c.Rejected(ingest.Reason(err), 1)
		h.error(w, r, http.StatusBadRequest, "document_parsing_exception", "[1:1] failed to parse: "+err.Error())
		return
	}
	if isClient {
		h.p.SettleClientID(&ev)
	}
	ev.Fields["labels.index"] = index
	seqs, ok := h.submit(w, r, []event.Event{ev})
	if !ok {
		return
	}
	b := []byte(`{"_index":`)
	b = appendString(b, index)
	b = append(b, `,"_id":`...)
	b = appendString(b, ev.ID)
	status := http.StatusCreated
	if seq, stored := seqs[ev.ID]; stored {
		b = appendCreated(b, seq)
	} else if id != "" && (create || r.URL.Query().Get("op_type") == "create") {
		h.error(w, r, http.StatusConflict, "version_conflict_engine_exception",
			"["+ev.ID+"]: version conflict, document already exists (current version [1])")
		return
	} else {
		status = http.StatusOK
		b = append(b, `,"_version":1,"result":"noop","_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1`...)
	}
	b = appendCut(b, ev)
	b = append(b, "}\n"...)
	h.writeBody(w, r, status, b)
}
