package api_test

import (
	"net/http"
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
