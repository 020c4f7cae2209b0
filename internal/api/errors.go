package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/incident"
	"github.com/eventsec/eventsec/internal/store"
)

// HTTPError is what a client sees of a failure: a status, a stable code,
// a human message and optionally the offending field. Err, when set, is
// what the server logs; it never reaches the client.
type HTTPError struct {
	Status     int
	Code       string
	Msg        string
	Field      string
	RetryAfter int // seconds, for 429
	// Line and Column locate the problem in a submitted text (a rule, a
	// query); Details lists every problem found, when there are several.
	Line, Column int
	Details      any
	Err          error
}

func (e *HTTPError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Msg)
}

func (e *HTTPError) Unwrap() error { return e.Err }

func badRequest(code, field, format string, args ...any) *HTTPError {
	return &HTTPError{Status: http.StatusBadRequest, Code: code, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Errors that several handlers return.
var (
	errUnauthenticated = &HTTPError{Status: http.StatusUnauthorized, Code: "unauthenticated", Msg: "sign in first: send an access token or API key as a Bearer token"}
	errInvalidToken    = &HTTPError{Status: http.StatusUnauthorized, Code: "invalid_token", Msg: "the access token or API key is invalid, expired or revoked"}
	errCSRF            = &HTTPError{Status: http.StatusForbidden, Code: "csrf_failed", Msg: "missing or wrong X-CSRF-Token header for a cookie-authenticated request"}
	errNotFound        = &HTTPError{Status: http.StatusNotFound, Code: "not_found", Msg: "no such resource"}
)

// toHTTPError maps any error to what the client sees. This is the one place
// where domain errors become statuses.
func toHTTPError(err error) *HTTPError {
	var he *HTTPError
	if errors.As(err, &he) {
		return he
	}
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		return &HTTPError{Status: http.StatusBadRequest, Code: ve.Code, Field: ve.Field, Msg: ve.Message}
	}
	var ce *auth.ConflictError
	if errors.As(err, &ce) {
		return &HTTPError{Status: http.StatusConflict, Code: "conflict", Field: ce.Field, Msg: ce.Message}
	}
	var rl *auth.RateLimitedError
	if errors.As(err, &rl) {
		secs := int(rl.RetryAfter.Seconds() + 0.999)
		return &HTTPError{Status: http.StatusTooManyRequests, Code: "rate_limited", RetryAfter: max(secs, 1),
			Msg: "too many attempts; retry after " + strconv.Itoa(max(secs, 1)) + " seconds"}
	}
	var ire *detect.InvalidRuleError
	if errors.As(err, &ire) {
		he := &HTTPError{Status: http.StatusBadRequest, Code: "invalid_rule", Field: "source", Msg: ire.Error(), Details: ire.Problems}
		if len(ire.Problems) > 0 {
			he.Msg, he.Line, he.Column = ire.Problems[0].Message, ire.Problems[0].Line, ire.Problems[0].Column
		}
		return he
	}
	var fe *incident.FieldError
	if errors.As(err, &fe) {
		return &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Field: fe.Field, Msg: fe.Error()}
	}
	switch {
	case errors.Is(err, incident.ErrForbidden):
		return &HTTPError{Status: http.StatusForbidden, Code: "not_author", Msg: "only its author (or an admin) may change this"}
	case errors.Is(err, incident.ErrUpstream):
		return &HTTPError{Status: http.StatusBadGateway, Code: "upstream_failed", Msg: err.Error()}
	case errors.Is(err, incident.ErrUnavailable):
		return &HTTPError{Status: http.StatusServiceUnavailable, Code: "unavailable", Msg: err.Error()}
	}
	var rfe *detect.FilterError
	if errors.As(err, &rfe) {
		return &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Field: rfe.Field, Msg: rfe.Msg}
	}
	var se *detect.SampleError
	if errors.As(err, &se) {
		return &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Field: fmt.Sprintf("events[%d]", se.Index), Msg: se.Error()}
	}
	switch {
	case errors.Is(err, detect.ErrInvalid):
		msg := strings.TrimPrefix(err.Error(), detect.ErrInvalid.Error()+": ")
		field, _, _ := strings.Cut(msg, ":")
		return &HTTPError{Status: http.StatusBadRequest, Code: "validation_failed", Field: field, Msg: msg}
	case errors.Is(err, detect.ErrListedEvents):
		return &HTTPError{Status: http.StatusConflict, Code: "events_listed", Msg: err.Error()}
	case errors.Is(err, detect.ErrPack):
		return &HTTPError{Status: http.StatusBadRequest, Code: "bad_pack", Field: "file", Msg: err.Error()}
	case errors.Is(err, detect.ErrTooManyHunts):
		return &HTTPError{Status: http.StatusTooManyRequests, Code: "too_many_hunts", RetryAfter: 10, Msg: err.Error()}
	}
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		return &HTTPError{Status: http.StatusUnauthorized, Code: "invalid_credentials", Msg: "wrong e-mail or password"}
	case errors.Is(err, auth.ErrInvalidToken):
		return errInvalidToken
	case errors.Is(err, auth.ErrWrongPassword):
		return &HTTPError{Status: http.StatusBadRequest, Code: "wrong_password", Field: "current_password", Msg: "the current password is wrong"}
	case errors.Is(err, auth.ErrLastAdmin):
		return &HTTPError{Status: http.StatusConflict, Code: "last_admin", Msg: "the organisation must keep at least one enabled admin: promote another user first"}
	case errors.Is(err, auth.ErrSelfChange):
		return &HTTPError{Status: http.StatusConflict, Code: "self_change", Msg: selfChangeMsg(err)}
	case errors.Is(err, auth.ErrForbidden):
		return &HTTPError{Status: http.StatusForbidden, Code: "forbidden", Msg: "your role does not allow this"}
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, store.ErrConflict):
		return &HTTPError{Status: http.StatusConflict, Code: "conflict", Msg: "the change conflicts with the current state; reload and retry"}
	case errors.Is(err, store.ErrBusy):
		return &HTTPError{Status: http.StatusServiceUnavailable, Code: "busy", RetryAfter: 1,
			Msg: "another change to the same records was being made at the same moment; nothing was changed: retry"}
	}
	return &HTTPError{Status: http.StatusInternalServerError, Code: "internal", Msg: "internal error; the server log has details under this request's ID", Err: err}
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error  errorDetail `json:"error"`
	Errors any         `json:"errors,omitempty"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// selfChangeMsg is the reason wrapped around ErrSelfChange, or the bare
// sentence when there is none.
func selfChangeMsg(err error) string {
	if m, ok := strings.CutPrefix(err.Error(), auth.ErrSelfChange.Error()+": "); ok {
		return m
	}
	return auth.ErrSelfChange.Error()
}
