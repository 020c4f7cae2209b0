package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestWrongMethodIs405WithAllow(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/me", "GET, PATCH"},
		{"PUT", "/api/v1/users/abc", "GET, PATCH, DELETE"},
		{"GET", "/api/v1/auth/login", "POST"},
	} {
		req, _ := http.NewRequest(tc.method, f.ts.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow=%q, want 405 Allow=%q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Allow"), tc.allow)
		}
	}
}

// A path with a trailing slash (an empty ID) is no route: 404, naming
// the route likely meant, never a 405 that allows the method asked for.
func TestTrailingSlashIs404(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ method, path, hint string }{
		{"GET", "/api/v1/retrohunts/", "did you mean GET /api/v1/retrohunts?"},
		{"DELETE", "/api/v1/retrohunts/", ""},
		{"GET", "/api/v1/me/", "did you mean GET /api/v1/me?"},
	} {
		req, _ := http.NewRequest(tc.method, f.ts.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusNotFound || body.Error.Code != "not_found" ||
			(tc.hint != "" && !strings.Contains(body.Error.Message, tc.hint)) || (tc.hint == "" && strings.Contains(body.Error.Message, "did you mean")) {
			t.Errorf("%s %s: %d %+v (%v), want 404 not_found with %q", tc.method, tc.path, resp.StatusCode, body.Error, err, tc.hint)
		}
	}
}
