package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/detect"
	"github.com/eventsec/eventsec/internal/store"
)

type decodeTarget struct {
	Name    string   `json:"name"`
	Enabled *bool    `json:"enabled"`
	Count   int      `json:"count"`
	Tags    []string `json:"tags"`
	Inner   struct {
		Level int `json:"level"`
	} `json:"inner"`
}

func decodeBody(ct, body string, max int64) (decodeTarget, error) {
	r := httptest.NewRequest("POST", "/x", strings.NewReader(body))
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	var dst decodeTarget
	err := decodeJSON(httptest.NewRecorder(), r, max, &dst)
	return dst, err
}

func TestDecodeJSON(t *testing.T) {
	for _, c := range []struct {
		name, ct, body string
		status         int // 0: accepted
		code, field    string
	}{
		{"object", "application/json", `{"name":"a","count":2,"tags":["x"],"inner":{"level":3}}`, 0, "", ""},
		{"content type with charset", "application/json; charset=utf-8", `{"name":"a"}`, 0, "", ""},
		{"content type in capitals", "Application/JSON", `{"name":"a"}`, 0, "", ""},
		{"no content type", "", `{"name":"a"}`, 0, "", ""},
		{"surrounding whitespace", "application/json", " \n{\"name\":\"a\"}\n ", 0, "", ""},
		{"null", "application/json", `null`, 0, "", ""},
		{"text content type", "text/plain", `{}`, 415, "unsupported_media_type", ""},
		{"empty", "application/json", ``, 400, "invalid_json", ""},
		{"blank", "application/json", "  \n", 400, "invalid_json", ""},
		{"truncated", "application/json", `{"name":`, 400, "invalid_json", ""},
		{"syntax error", "application/json", `{"name" 1}`, 400, "invalid_json", ""},
		{"trailing data", "application/json", `{"name":"a"} 1`, 400, "invalid_json", ""},
		{"trailing object", "application/json", `{}{}`, 400, "invalid_json", ""},
		{"trailing bracket", "application/json", `{}]`, 400, "invalid_json", ""},
		{"unknown field", "application/json", `{"nmae":"a"}`, 400, "unknown_field", "nmae"},
		{"unknown nested field", "application/json", `{"inner":{"depth":1}}`, 400, "unknown_field", "depth"},
		{"string for int", "application/json", `{"count":"2"}`, 400, "invalid_type", "count"},
		{"float for int", "application/json", `{"count":2.5}`, 400, "invalid_type", "count"},
		{"number for bool", "application/json", `{"enabled":1}`, 400, "invalid_type", "enabled"},
		{"object for array", "application/json", `{"tags":{}}`, 400, "invalid_type", "tags"},
		{"wrong type nested", "application/json", `{"inner":{"level":"high"}}`, 400, "invalid_type", "inner.level"},
		{"array for object", "application/json", `[1]`, 400, "invalid_type", ""},
		{"over the limit", "application/json", `{"name":"` + strings.Repeat("a", 100) + `"}`, 413, "body_too_large", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeBody(c.ct, c.body, 64)
			if c.status == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var he *HTTPError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want an HTTPError", err)
			}
			if he.Status != c.status || he.Code != c.code || he.Field != c.field {
				t.Errorf("got %d %s field %q (%s), want %d %s field %q", he.Status, he.Code, he.Field, he.Msg, c.status, c.code, c.field)
			}
			if he.Msg == "" {
				t.Error("no message")
			}
		})
	}

	// A syntax error says where it is.
	_, err := decodeBody("application/json", "{\n  \"name\": \"a\",\n  oops\n}", 1<<10)
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("syntax error position: %v", err)
	}
}

// FuzzDecodeJSON: whatever the body, decoding either succeeds or is a
// client error with a stable code; it never panics and never a 500.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"name":"a"}`, `[]`, `{"count":1e400}`, `{"inner":{"level":-1}}`, "\xff", `{"tags":[1]}`, `{"a":`, `""`} {
		f.Add(s)
	}
	codes := map[string]bool{"invalid_json": true, "invalid_type": true, "unknown_field": true, "body_too_large": true}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := decodeBody("application/json", body, 256)
		if err == nil {
			return
		}
		var he *HTTPError
		if !errors.As(err, &he) {
			t.Fatalf("not an HTTPError: %v", err)
		}
		if (he.Status != 400 && he.Status != 413) || !codes[he.Code] || he.Msg == "" {
			t.Fatalf("body %q: %d %s %q", body, he.Status, he.Code, he.Msg)
		}
	})
}

// TestToHTTPError is the error-mapping table: each domain error becomes its
// documented status and code, and nothing internal reaches the client.
func TestToHTTPError(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		status int
		code   string
		field  string
	}{
		{"validation", &auth.ValidationError{Field: "email", Code: "validation_failed", Message: "bad"}, 400, "validation_failed", "email"},
		{"weak password", &auth.ValidationError{Field: "password", Code: "weak_password", Message: "weak"}, 400, "weak_password", "password"},
		{"conflict error", &auth.ConflictError{Field: "email", Message: "dup"}, 409, "conflict", "email"},
		{"rate limited", &auth.RateLimitedError{RetryAfter: 1500 * time.Millisecond}, 429, "rate_limited", ""},
		{"invalid credentials", auth.ErrInvalidCredentials, 401, "invalid_credentials", ""},
		{"invalid token", auth.ErrInvalidToken, 401, "invalid_token", ""},
		{"wrong password", auth.ErrWrongPassword, 400, "wrong_password", "current_password"},
		{"last admin", fmt.Errorf("cannot x: %w", auth.ErrLastAdmin), 409, "last_admin", ""},
		{"self change wrapped", fmt.Errorf("%w: you cannot delete your own account", auth.ErrSelfChange), 409, "self_change", ""},
		{"self change bare", auth.ErrSelfChange, 409, "self_change", ""},
		{"forbidden", auth.ErrForbidden, 403, "forbidden", ""},
		{"not found", fmt.Errorf("cannot get user: %w", store.ErrNotFound), 404, "not_found", ""},
		{"store conflict", fmt.Errorf("cannot rotate: %w", store.ErrConflict), 409, "conflict", ""},
		{"too many hunts", fmt.Errorf("%w: 4 are running", detect.ErrTooManyHunts), 429, "too_many_hunts", ""},
		{"store busy", fmt.Errorf("%w: deadlock detected (SQLSTATE 40P01)", store.ErrBusy), 503, "busy", ""},
		{"http error", &HTTPError{Status: 418, Code: "teapot", Msg: "short and stout"}, 418, "teapot", ""},
		{"anything else", errors.New("database is locked at /var/lib/eventsec/state.db"), 500, "internal", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var he *HTTPError
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("toHTTPError panicked: %v", p)
					}
				}()
				he = toHTTPError(c.err)
			}()
			if he.Status != c.status || he.Code != c.code || he.Field != c.field || he.Msg == "" {
				t.Errorf("got %d %s field %q msg %q", he.Status, he.Code, he.Field, he.Msg)
			}
			if c.status == 500 && strings.Contains(he.Msg, "state.db") {
				t.Errorf("internal detail leaked: %q", he.Msg)
			}
			if c.status == 503 && (he.RetryAfter != 1 || strings.Contains(he.Msg, "SQLSTATE")) {
				t.Errorf("busy: RetryAfter %d, msg %q", he.RetryAfter, he.Msg)
			}
			if c.code == "rate_limited" && he.RetryAfter != 2 {
				t.Errorf("RetryAfter = %d, want 2 (rounded up)", he.RetryAfter)
			}
		})
	}

	// writeError puts it together: body, Retry-After, WWW-Authenticate.
	s := New(Options{})
	rec := httptest.NewRecorder()
	s.writeError(rec, httptest.NewRequest("GET", "/", nil), &auth.RateLimitedError{RetryAfter: 30 * time.Second})
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "30" {
		t.Errorf("429: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	rec = httptest.NewRecorder()
	s.writeError(rec, httptest.NewRequest("GET", "/", nil), auth.ErrInvalidToken)
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" || !strings.Contains(rec.Body.String(), `"code":"invalid_token"`) {
		t.Errorf("401: %d %q %s", rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body)
	}
}
