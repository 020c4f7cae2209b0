package api_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
)

// TestBadInputChangesNothing sends malformed, oversized, ill-typed and
// invalid bodies to the routes that create or edit users and passwords.
// Each must be refused with the documented status, code and field, and
// leave every user and the audit log exactly as they were.
func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	admin := f.login(t, adminEmail, adminPass)
	target := f.newUser(t, "tina@a.test", auth.RoleAnalyst)
	self := f.login(t, "tina@a.test", userPass)

	type endpoint struct {
		name, method, path, token string
		// typeField is a field of the body that must be a string.
		typeField string
	}
	createUser := endpoint{"create user", "POST", "/api/v1/users", admin.AccessToken, "name"}
	patchUser := endpoint{"patch user", "PATCH", "/api/v1/users/" + target.ID, admin.AccessToken, "name"}
	patchMe := endpoint{"patch me", "PATCH", "/api/v1/me", self.AccessToken, "name"}
	password := endpoint{"change password", "POST", "/api/v1/me/password", self.AccessToken, "new_password"}
	all := []endpoint{createUser, patchUser, patchMe, password}

	type tc struct {
		name   string
		body   any
		ct     string
		status int
		code   string
		field  string
	}
	oversized := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
	long := strings.Repeat("n", 101)
	valid := map[string]any{"email": "new@a.test", "name": "New", "role": "analyst", "password": otherPass}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range valid {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	common := func(e endpoint) []tc {
		return []tc{
			{"malformed JSON", `{"name": `, "", 400, "invalid_json", ""},
			{"syntax error", `{"name" "x"}`, "", 400, "invalid_json", ""},
			{"single quotes", `{'name': 'x'}`, "", 400, "invalid_json", ""},
			{"unknown field", `{"nickname": "x"}`, "", 400, "unknown_field", "nickname"},
			{"wrong type", `{"` + e.typeField + `": 5}`, "", 400, "invalid_type", e.typeField},
			{"array instead of object", `[]`, "", 400, "invalid_type", ""},
			{"string instead of object", `"x"`, "", 400, "invalid_type", ""},
			{"oversized body", oversized, "", 413, "body_too_large", ""},
			{"empty body", "", "", 400, "invalid_json", ""},
			{"blank body", " \n\t ", "", 400, "invalid_json", ""},
			{"trailing garbage", `{} x`, "", 400, "invalid_json", ""},
			{"two objects", `{}{}`, "", 400, "invalid_json", ""},
			{"trailing brace", `{}}`, "", 400, "invalid_json", ""},
			{"wrong content type", `{}`, "text/plain", 415, "unsupported_media_type", ""},
			{"form content type", `name=x`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		}
	}
	specific := map[string][]tc{
		createUser.name: {
			{"nothing", `{}`, "", 400, "validation_failed", "email"},
			{"over-long name", with("name", long), "", 400, "validation_failed", "name"},
			{"control character in name", with("name", "Bad\x07Name"), "", 400, "validation_failed", "name"},
			{"invalid e-mail", with("email", "not-an-email"), "", 400, "validation_failed", "email"},
			{"e-mail with a display name", with("email", "Eve <eve@a.test>"), "", 400, "validation_failed", "email"},
			{"weak password", with("password", "short"), "", 400, "weak_password", "password"},
			{"common password", with("password", "Password1234"), "", 400, "weak_password", "password"},
			{"password containing the e-mail name", with("password", "New-Secure-new-99"), "", 400, "weak_password", "password"},
			{"no password", with("password", ""), "", 400, "validation_failed", "password"},
			{"duplicate e-mail", with("email", "TINA@a.test"), "", 409, "conflict", "email"},
			{"invalid role", with("role", "root"), "", 400, "validation_failed", "role"},
			{"API-key-only role", with("role", string(auth.RoleIngest)), "", 400, "validation_failed", "role"},
			{"bad mobile phone", with("mobile_phone", "call me maybe"), "", 400, "validation_failed", "mobile_phone"},
			{"over-long team", with("team", long), "", 400, "validation_failed", "team"},
			{"platform_admin is not settable", with("platform_admin", true), "", 400, "unknown_field", "platform_admin"},
		},
		patchUser.name: {
			{"over-long name", `{"name": "` + long + `"}`, "", 400, "validation_failed", "name"},
			{"empty name", `{"name": "  "}`, "", 400, "validation_failed", "name"},
			{"invalid e-mail", `{"email": "a@b"}`, "", 400, "validation_failed", "email"},
			{"weak password", `{"password": "abcdefghijkl"}`, "", 400, "weak_password", "password"},
			{"duplicate e-mail", `{"email": "` + adminEmail + `"}`, "", 409, "conflict", "email"},
			{"invalid role", `{"role": "superuser"}`, "", 400, "validation_failed", "role"},
			{"API-key-only role", `{"role": "ingest"}`, "", 400, "validation_failed", "role"},
			{"bad mobile phone", `{"mobile_phone": "+34 600<script>"}`, "", 400, "validation_failed", "mobile_phone"},
			{"disabled as a string", `{"disabled": "yes"}`, "", 400, "invalid_type", "disabled"},
			{"valid name but invalid role", `{"name": "Changed", "role": "root"}`, "", 400, "validation_failed", "role"},
		},
		patchMe.name: {
			{"over-long name", `{"name": "` + long + `"}`, "", 400, "validation_failed", "name"},
			{"over-long computer", `{"computer": "` + long + `"}`, "", 400, "validation_failed", "computer"},
			{"bad mobile phone", `{"mobile_phone": "phone: 123"}`, "", 400, "validation_failed", "mobile_phone"},
			{"over-long mobile phone", `{"mobile_phone": "` + strings.Repeat("1", 33) + `"}`, "", 400, "validation_failed", "mobile_phone"},
			{"own role is not editable", `{"role": "admin"}`, "", 400, "unknown_field", "role"},
			{"own e-mail is not editable", `{"email": "x@a.test"}`, "", 400, "unknown_field", "email"},
			{"valid team but bad phone", `{"team": "Changed", "mobile_phone": "x"}`, "", 400, "validation_failed", "mobile_phone"},
		},
		password.name: {
			{"nothing", `{}`, "", 400, "validation_failed", "new_password"},
			{"no current password", `{"new_password": "` + otherPass + `"}`, "", 400, "validation_failed", "current_password"},
			{"wrong current password", `{"current_password": "Not-The-Passw0rd", "new_password": "` + otherPass + `"}`, "", 400, "wrong_password", "current_password"},
			{"weak new password", `{"current_password": "` + userPass + `", "new_password": "weakweakweak"}`, "", 400, "weak_password", "new_password"},
			{"new equals current", `{"current_password": "` + userPass + `", "new_password": "` + userPass + `"}`, "", 400, "weak_password", "new_password"},
			{"new password too long", `{"current_password": "` + userPass + `", "new_password": "Aa1-` + strings.Repeat("x", 130) + `"}`, "", 400, "weak_password", "new_password"},
			{"new password with the e-mail name", `{"current_password": "` + userPass + `", "new_password": "Tina-Rocks-2024!"}`, "", 400, "weak_password", "new_password"},
		},
	}

	type snapshot struct {
		users []store.User
		audit int64
		count int
	}
	state := func(t *testing.T) snapshot {
		t.Helper()
		us, n, err := f.st.Users().List(f.ctx, f.org.ID, store.UserFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return snapshot{users: us, audit: f.auditHead(t, f.org.ID), count: n}
	}

	for _, e := range all {
		for _, c := range append(common(e), specific[e.name]...) {
			t.Run(e.name+"/"+c.name, func(t *testing.T) {
				before := state(t)
				r := f.do(t, request{Method: e.method, Path: e.path, Token: e.token, Body: c.body, CT: c.ct})
				wantError(t, r, c.status, c.code, c.field)
				after := state(t)
				if after.count != before.count || after.audit != before.audit || !reflect.DeepEqual(after.users, before.users) {
					t.Errorf("a refused request changed state: users %d → %d, audit head %d → %d", before.count, after.count, before.audit, after.audit)
				}
			})
		}
	}

	// The same session still works, and a good request goes through: the
	// refusals above were about the input, not the caller.
	wantStatus(t, f.send(t, "PATCH", "/api/v1/me", self.AccessToken, map[string]string{"name": "Tina T", "mobile_phone": "+34 (600) 000-000"}), http.StatusOK)
	r := f.send(t, "POST", "/api/v1/users", admin.AccessToken, valid)
	wantStatus(t, r, http.StatusCreated)
	if loc, u := r.Header.Get("Location"), decode[userJSON](t, r); loc != "/api/v1/users/"+u.ID || u.Email != "new@a.test" {
		t.Errorf("created %+v at %q", u, loc)
	}
}
