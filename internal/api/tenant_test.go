package api_test

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
)

// orgState is everything of one org that a request could change.
type orgState struct {
	Users      []store.User
	Groups     []store.Group
	Keys       []store.APIKey
	Audit      int64
	Rules      []store.Rule
	Exceptions []store.RuleException
	Alerts     []store.Alert
	Saved      []store.SavedQuery
}

func (f *fixture) orgState(t *testing.T, orgID string) orgState {
	t.Helper()
	us, _, err := f.st.Users().List(f.ctx, orgID, store.UserFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := f.st.Groups().List(f.ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := f.st.APIKeys().List(f.ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := f.st.Rules().List(f.ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	exc, err := f.st.Rules().Exceptions(f.ctx, orgID, "")
	if err != nil {
		t.Fatal(err)
	}
	alerts, _, err := f.st.Alerts().List(f.ctx, orgID, store.AlertFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := f.st.Hunts().ListSaved(f.ctx, orgID)
	if err != nil {
		t.Fatal(err)
	}
	return orgState{Users: us, Groups: gs, Keys: ks, Audit: f.auditHead(t, orgID), Rules: rules, Exceptions: exc, Alerts: alerts, Saved: saved}
}

// TestTenantIsolation checks that org A's admins can neither see nor touch
// org B's users, groups, keys or audit log, whatever ID they send.
func TestTenantIsolation(t *testing.T) {
	f := newFixture(t)
	pa := f.login(t, adminEmail, adminPass)

	// A second admin of A, created through the API: an org admin who is not
	// the platform admin.
	r := f.send(t, "POST", "/api/v1/users", pa.AccessToken, map[string]string{
		"email": "admin2@a.test", "name": "Second Admin", "role": "admin", "password": userPass})
	wantStatus(t, r, http.StatusCreated)
	a2 := f.login(t, "admin2@a.test", userPass)
	if a2.User.PlatformAdmin {
		t.Fatal("an admin created through the API is platform admin")
	}
	_, keyA := f.newKey(t, auth.RoleAdmin, 0)
	userA := f.newUser(t, "member@a.test", auth.RoleAnalyst)
	groupA := f.newGroup(t, f.org.ID, userA.ID)

	// Org B with its admin, a user in a group, and an API key.
	b, err := f.svc.CreateOrg(f.ctx, nil, auth.OrgInput{Name: "Org B", AdminEmail: "boss@b.test", AdminPassword: otherPass})
	if err != nil {
		t.Fatal(err)
	}
	userB := f.newUserIn(t, b.Org.ID, "worker@b.test", auth.RoleAnalyst)
	groupB := f.newGroup(t, b.Org.ID, userB.ID)
	keyB, secretB, err := f.svc.CreateAPIKey(f.ctx, f.system(b.Org.ID), "b-integration", "analyst", 0)
	if err != nil {
		t.Fatal(err)
	}
	eventB := f.ingestFor(t, b.Org.ID, `{"message":"org B secret","user":{"name":"bob"}}`)[0]
	f.ingestFor(t, f.org.ID, `{"message":"org A event","user":{"name":"ann"}}`)
	ruleB := f.newRule(t, b.Org.ID)
	exceptionB := f.newException(t, b.Org.ID, ruleB.ID)
	ruleA := f.newRule(t, f.org.ID)
	alertB := f.newAlert(t, b.Org.ID)
	huntB := f.newRetroHunt(t, b.Org.ID)
	savedB := f.newSavedQuery(t, b.Org.ID)
	searchB := f.newSavedSearch(t, b.Org.ID)
	caseB := f.newCaseRecords(t, b.Org.ID, b.Admin.ID, f.newAlert(t, b.Org.ID))
	alertA := f.newAlert(t, f.org.ID)
	caseA := f.newCaseRecords(t, f.org.ID, f.admin.ID, f.newAlert(t, f.org.ID))
	endpointIDs, endpointBodies := f.endpointTenantCases(t, b.Org.ID)
	vulnIDs := f.vulnTenantCases(t, b.Org.ID)
	sandboxIDs, sandboxBodies := f.sandboxTenantCases(t, b.Org.ID)
	intelIDs, intelBodies := f.intelTenantCases(t, b.Org.ID)
	beforeB, beforeA := f.orgState(t, b.Org.ID), f.orgState(t, f.org.ID)

	// Every route with a path parameter, given B's IDs (alone or mixed with
	// A's), answers 404 to every kind of A admin.
	foreign := map[string][]string{
		"/api/v1/users/{id}":                          {userB.ID, b.Admin.ID},
		"/api/v1/groups/{id}":                         {groupB.ID},
		"/api/v1/api-keys/{id}":                       {keyB.ID},
		"/api/v1/events/{id}":                         {eventB},
		"/api/security-events/{id}":                   {eventB},
		"/api/v1/rules/{id}":                          {ruleB.ID},
		"/api/v1/rules/{id}/test":                     {ruleB.ID},
		"/api/alerts/rules/{id}/test":                 {ruleB.ID},
		"/api/v1/rules/{id}/exceptions":               {ruleB.ID},
		"/api/v1/alerts/{id}":                         {alertB.ID},
		"/api/v1/retrohunts/{id}":                     {huntB.ID},
		"/api/v1/search/kql/saved/{id}":               {savedB.ID},
		"/api/v1/events/saved/{id}":                   {searchB.ID},
		"/api/v1/rules/{id}/retrohunt":                {ruleB.ID},
		"/api/v1/alerts/{id}/escalate":                {alertB.ID},
		"/api/v1/alerts/{id}/history":                 {alertB.ID},
		"/api/v1/alerts/{id}/events":                  {alertB.ID},
		"/api/v1/alerts/{id}/related":                 {alertB.ID},
		"/api/v1/alerts/{id}/restore":                 {alertB.ID},
		"/api/alerts/{id}":                            {alertB.ID},
		"/api/v1/incidents/{id}":                      {caseB.incident},
		"/api/incidents/{id}":                         {caseB.incident},
		"/api/v1/incidents/{id}/alerts":               {caseB.incident},
		"/api/v1/incidents/{id}/timeline":             {caseB.incident},
		"/api/incidents/{id}/timeline":                {caseB.incident},
		"/api/v1/incidents/{id}/tasks":                {caseB.incident},
		"/api/v1/incidents/{id}/observables":          {caseB.incident},
		"/api/v1/incidents/{id}/playbook":             {caseB.incident},
		"/api/v1/incidents/{id}/history":              {caseB.incident},
		"/api/v1/tasks/{id}":                          {caseB.task},
		"/api/v1/tasks/{id}/run":                      {caseB.task},
		"/api/v1/playbooks/{id}":                      {caseB.playbook},
		"/api/v1/notes/{id}":                          {caseB.note},
		"/api/v1/attachments/{id}":                    {caseB.attachment},
		"/api/v1/workplans/{id}":                      {caseB.workplan},
		"/api/v1/workplans/{id}/tasks":                {caseB.workplan},
		"/api/v1/handovers/{id}":                      {caseB.handover},
		"/api/v1/handovers/{id}/send":                 {caseB.handover},
		"/api/v1/notifications/channels/{id}":         {caseB.channel},
		"/api/v1/notifications/channels/{id}/test":    {caseB.channel},
		"/api/v1/notifications/deliveries/{id}/retry": {caseB.delivery},
	}
	for k, v := range vulnIDs {
		foreign[k] = v
	}
	for k, v := range endpointIDs {
		foreign[k] = v
	}
	for k, v := range sandboxIDs {
		foreign[k] = v
	}
	for k, v := range intelIDs {
		foreign[k] = v
	}
	for k, v := range f.emailTenantCases(t, b.Org.ID) {
		foreign[k] = v
	}
	members := [][2]string{{groupB.ID, userB.ID}, {groupB.ID, userA.ID}, {groupA.ID, userB.ID}}
	bodies := map[string]any{
		"PATCH /api/v1/users/{id}":                map[string]any{"name": "pwned", "disabled": true, "role": "viewer", "email": "pwned@a.test"},
		"PATCH /api/v1/groups/{id}":               map[string]any{"name": "pwned", "description": "pwned"},
		"PUT /api/v1/rules/{id}":                  map[string]any{"source": ruleSource(ruleB.ID)},
		"PATCH /api/v1/rules/{id}":                map[string]any{"enabled": false},
		"POST /api/v1/rules/{id}/test":            map[string]any{},
		"POST /api/alerts/rules/{id}/test":        map[string]any{},
		"POST /api/v1/rules/{id}/exceptions":      map[string]any{"field": "host.name", "value": "x", "reason": "pwned"},
		"PATCH /api/v1/alerts/{id}":               map[string]any{"status": "closed"},
		"PUT /api/v1/search/kql/saved/{id}":       map[string]any{"name": "pwned", "query": "events | take 1"},
		"PUT /api/v1/events/saved/{id}":           map[string]any{"name": "pwned", "query": "x"},
		"POST /api/v1/rules/{id}/retrohunt":       map[string]any{"raise_alerts": true},
		"POST /api/v1/alerts/{id}/escalate":       map[string]any{"to_user": "x", "reason": "pwned"},
		"PATCH /api/alerts/{id}":                  map[string]any{"status": "closed", "verdict": "benign"},
		"PATCH /api/v1/incidents/{id}":            map[string]any{"title": "pwned"},
		"PATCH /api/incidents/{id}":               map[string]any{"title": "pwned"},
		"POST /api/v1/incidents/{id}/alerts":      map[string]any{"alert_ids": []string{alertA.ID}},
		"POST /api/v1/incidents/{id}/timeline":    map[string]any{"message": "pwned"},
		"POST /api/incidents/{id}/timeline":       map[string]any{"message": "pwned"},
		"POST /api/v1/incidents/{id}/tasks":       map[string]any{"title": "pwned"},
		"POST /api/v1/incidents/{id}/observables": map[string]any{"type": "ip", "value": "10.9.9.9"},
		"POST /api/v1/incidents/{id}/playbook":    map[string]any{"playbook_id": "pb-phishing"},
		"PATCH /api/v1/tasks/{id}":                map[string]any{"title": "pwned"},
		"POST /api/v1/tasks/{id}/run":             map[string]any{"target": "10.9.9.9"},
		"PUT /api/v1/playbooks/{id}":              map[string]any{"name": "pwned", "steps": []map[string]string{{"title": "x"}}},
		"PATCH /api/v1/notes/{id}":                map[string]any{"body": "pwned"},
		"PATCH /api/v1/workplans/{id}":            map[string]any{"title": "pwned"},
		"POST /api/v1/workplans/{id}/tasks":       map[string]any{"title": "pwned"},
		"PATCH /api/v1/handovers/{id}":            map[string]any{"subject": "pwned"},
		"PATCH /api/v1/notifications/channels/{id}": map[string]any{"name": "pwned", "kind": "webhook", "enabled": true,
			"config": map[string]any{"url": "https://example.org/hook"}},
	}
	for k, v := range endpointBodies {
		bodies[k] = v
	}
	for k, v := range intelBodies {
		bodies[k] = v
	}
	for k, v := range sandboxBodies {
		bodies[k] = v
	}
	var paths []struct{ method, path, route string }
	for _, rt := range f.srv.Routes() {
		if !strings.Contains(rt.Path, "{") {
			continue
		}
		switch {
		case strings.HasSuffix(rt.Path, "/exceptions/{exception_id}"):
			for _, pair := range [][2]string{{ruleB.ID, exceptionB.ID}, {ruleA.ID, exceptionB.ID}} {
				p := strings.NewReplacer("{id}", pair[0], "{exception_id}", pair[1]).Replace(rt.Path)
				paths = append(paths, struct{ method, path, route string }{rt.Method, p, rt.Path})
			}
		case strings.HasSuffix(rt.Path, "/alerts/{alert_id}"):
			for _, pair := range [][2]string{{caseB.incident, alertB.ID}, {caseA.incident, alertB.ID}, {caseB.incident, alertA.ID}} {
				p := strings.NewReplacer("{id}", pair[0], "{alert_id}", pair[1]).Replace(rt.Path)
				paths = append(paths, struct{ method, path, route string }{rt.Method, p, rt.Path})
			}
		case strings.HasSuffix(rt.Path, "/observables/{oid}"):
			for _, pair := range [][2]string{{caseB.incident, caseB.observable}, {caseA.incident, caseB.observable}} {
				p := strings.NewReplacer("{id}", pair[0], "{oid}", pair[1]).Replace(rt.Path)
				paths = append(paths, struct{ method, path, route string }{rt.Method, p, rt.Path})
			}
		case strings.HasSuffix(rt.Path, "/members/{user_id}"):
			for _, m := range members {
				p := strings.NewReplacer("{id}", m[0], "{user_id}", m[1]).Replace(rt.Path)
				paths = append(paths, struct{ method, path, route string }{rt.Method, p, rt.Path})
			}
		case foreign[rt.Path] != nil:
			for _, id := range foreign[rt.Path] {
				paths = append(paths, struct{ method, path, route string }{rt.Method, strings.Replace(rt.Path, "{id}", id, 1), rt.Path})
			}
		default:
			t.Errorf("%s %s has a path parameter this test does not cover: add org B's ID for it", rt.Method, rt.Path)
		}
	}
	callers := map[string]string{"org admin": a2.AccessToken, "platform admin": pa.AccessToken, "admin API key": keyA}
	for who, tok := range callers {
		for _, p := range paths {
			t.Run(who+" "+p.method+" "+p.path, func(t *testing.T) {
				rq := request{Method: p.method, Path: p.path, Token: tok}
				if body, ok := bodies[p.method+" "+p.route]; ok {
					rq.Body = body
				} else if p.method == "PUT" {
					rq.Body = "{}"
				}
				wantError(t, f.do(t, rq), http.StatusNotFound, "not_found", "")
			})
		}
	}
	if after := f.orgState(t, b.Org.ID); !reflect.DeepEqual(after, beforeB) {
		t.Errorf("org B changed:\nbefore %+v\nafter  %+v", beforeB, after)
	}
	if after := f.orgState(t, f.org.ID); !reflect.DeepEqual(after.Groups, beforeA.Groups) || after.Audit != beforeA.Audit {
		t.Errorf("org A changed by refused calls: audit %d → %d", beforeA.Audit, after.Audit)
	}
	// B's records still work: the user signs in, the key authenticates.
	f.login(t, "worker@b.test", userPass)
	me := decode[meJSON](t, f.get(t, "/api/v1/me", secretB))
	if me.OrgID != b.Org.ID || me.AuthMethod != "api_key" {
		t.Errorf("B's key: %+v", me)
	}

	// Creating records in A that point at B's is refused too.
	r = f.send(t, "POST", "/api/v1/groups", a2.AccessToken, map[string]any{"name": "mixed", "member_ids": []string{userA.ID, userB.ID}})
	wantError(t, r, http.StatusBadRequest, "validation_failed", "member_ids[1]")

	t.Run("lists never show org B", func(t *testing.T) {
		bIDs := map[string]bool{userB.ID: true, b.Admin.ID: true, groupB.ID: true, keyB.ID: true, b.Org.ID: true, caseB.incident: true,
			caseB.workplan: true, caseB.handover: true, caseB.playbook: true, alertB.ID: true}
		check := func(t *testing.T, path string, body []byte) {
			t.Helper()
			for id := range bIDs {
				if strings.Contains(string(body), id) {
					t.Errorf("%s shows org B's record %s", path, id)
				}
			}
			for _, s := range []string{"b.test", "Org B", "b-integration"} {
				if strings.Contains(string(body), s) {
					t.Errorf("%s shows %q", path, s)
				}
			}
		}
		for _, tok := range []string{a2.AccessToken, pa.AccessToken} {
			for _, path := range []string{
				"/api/v1/users?limit=500", "/api/v1/users?q=" + url.QueryEscape("b.test"), "/api/v1/users?q=worker",
				"/api/v1/groups", "/api/v1/api-keys", "/api/v1/audit?limit=500",
				"/api/v1/audit?target_id=" + userB.ID, "/api/v1/audit?actor=system",
				"/api/v1/incidents", "/api/incidents", "/api/v1/workplans", "/api/v1/handovers", "/api/v1/playbooks", "/api/v1/warroom",
				"/api/v1/incidents/proposals", "/api/v1/response/actions", "/api/v1/alerts?limit=500", "/api/v1/soc/metrics",
				"/api/v1/vulnerabilities", "/vulnerabilities", "/api/v1/vulnerabilities/stats", "/api/v1/sca", "/api/v1/sca/checks",
			} {
				r := f.get(t, path, tok)
				wantStatus(t, r, http.StatusOK)
				check(t, path, r.Body)
			}
		}
		users := decode[list[userJSON]](t, f.get(t, "/api/v1/users?limit=500", a2.AccessToken))
		for _, u := range users.Items {
			if u.OrgID != f.org.ID {
				t.Errorf("user list shows %s of org %s", u.Email, u.OrgID)
			}
		}
		if users.Total != len(users.Items) || users.Total != len(beforeA.Users) {
			t.Errorf("total = %d, items %d, org A has %d", users.Total, len(users.Items), len(beforeA.Users))
		}
		// The audit verification counts only A's chain.
		v := decode[map[string]any](t, f.get(t, "/api/v1/audit/verify", a2.AccessToken))
		if v["ok"] != true || int64(v["entries"].(float64)) != f.auditHead(t, f.org.ID) {
			t.Errorf("verify: %v (A's head is %d)", v, f.auditHead(t, f.org.ID))
		}
	})

	t.Run("tokens do not cross orgs", func(t *testing.T) {
		// A token of B's user names B's org: it must not pass as A's.
		b1 := f.login(t, "worker@b.test", userPass)
		me := decode[meJSON](t, f.get(t, "/api/v1/me", b1.AccessToken))
		if me.OrgID != b.Org.ID {
			t.Errorf("B's user sees org %s", me.OrgID)
		}
		// B's admin token cannot read A's users by ID.
		bb := f.login(t, "boss@b.test", otherPass)
		wantError(t, f.get(t, "/api/v1/users/"+userA.ID, bb.AccessToken), http.StatusNotFound, "not_found", "")
		wantError(t, f.get(t, "/api/v1/groups/"+groupA.ID, bb.AccessToken), http.StatusNotFound, "not_found", "")
		// B's admin is not platform admin: no org listing.
		wantError(t, f.get(t, "/api/v1/orgs", bb.AccessToken), http.StatusForbidden, "forbidden", "")
	})

	t.Run("only the platform admin lists orgs", func(t *testing.T) {
		wantError(t, f.get(t, "/api/v1/orgs", a2.AccessToken), http.StatusForbidden, "forbidden", "")
		wantError(t, f.send(t, "POST", "/api/v1/orgs", a2.AccessToken, map[string]string{"name": "Org C", "admin_email": "c@c.test"}),
			http.StatusForbidden, "forbidden", "")
		wantError(t, f.get(t, "/api/v1/orgs", keyA), http.StatusForbidden, "forbidden", "")
		orgs := decode[list[struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}]](t, f.get(t, "/api/v1/orgs", pa.AccessToken))
		if got := sortedIDs(orgs.Items, func(o struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}) string {
			return o.Name
		}); !reflect.DeepEqual(got, []string{"Org A", "Org B"}) {
			t.Errorf("orgs = %v", got)
		}
		all, err := f.st.Orgs().List(f.ctx)
		if err != nil || len(all) != 2 {
			t.Errorf("orgs in store: %d %v", len(all), err)
		}
	})
}

// TestPlatformAdminCannotBeTakenOverByOrgAdmin: an org admin must not be
// able to reset the platform admin's password or e-mail (and so sign in as
// them), nor delete or demote them: that would turn an org admin into the
// platform super-admin of every org.
func TestPlatformAdminCannotBeTakenOverByOrgAdmin(t *testing.T) {
	f := newFixture(t)
	f.newUser(t, "admin2@a.test", auth.RoleAdmin)
	a2 := f.login(t, "admin2@a.test", userPass)
	before := f.user(t, f.org.ID, f.admin.ID)
	for _, c := range []struct {
		method string
		body   any
	}{
		{"PATCH", map[string]any{"password": otherPass}},
		{"PATCH", map[string]any{"email": "mine@a.test"}},
		{"PATCH", map[string]any{"role": "viewer"}},
		{"PATCH", map[string]any{"disabled": true}},
		{"DELETE", nil},
	} {
		r := f.send(t, c.method, "/api/v1/users/"+f.admin.ID, a2.AccessToken, c.body)
		wantError(t, r, http.StatusForbidden, "forbidden", "")
		if after, err := f.st.Users().Get(f.ctx, f.org.ID, f.admin.ID); err != nil || !reflect.DeepEqual(after, before) {
			t.Fatalf("%s %v changed the platform admin (err %v): the org admin now controls the platform", c.method, c.body, err)
		}
	}
}
