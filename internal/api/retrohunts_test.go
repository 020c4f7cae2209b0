package api_test

import (
	"net/http"
	"testing"
)

// The retro-hunt list takes limit, as every list does.
func TestRetroHuntListLimit(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass).AccessToken
	list := decode[struct {
		RetroHunts []map[string]any `json:"retrohunts"`
	}](t, f.get(t, "/api/v1/retrohunts?limit=5", admin))
	if list.RetroHunts == nil {
		t.Fatal("no retrohunts list")
	}
	wantError(t, f.get(t, "/api/v1/retrohunts?limit=0", admin), http.StatusBadRequest, "validation_failed", "limit")
}
