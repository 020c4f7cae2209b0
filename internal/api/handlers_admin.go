package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
)

// queryInt reads an integer query parameter within [lo, hi].
func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" && pageSizeAlias[name] != "" {
		// Event search names its page size "size" (Elasticsearch's word),
		// the other lists "limit": either word works everywhere, rather
		// than one of them being ignored without a word.
		if v = q.Get(pageSizeAlias[name]); v != "" {
			name = pageSizeAlias[name]
		}
	}
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("validation_failed", name, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

// searchText is a list's free-text filter: "q", or "query" as event
// search names it (either works everywhere).
func searchText(q url.Values) string {
	if v := q.Get("q"); v != "" {
		return v
	}
	return q.Get("query")
}

// pageSizeAlias: the other name of a page size parameter.
var pageSizeAlias = map[string]string{"limit": "size", "size": "limit"}

func queryTime(q url.Values, name string) (*time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return nil, badRequest("validation_failed", name, "%s must be an RFC 3339 time such as 2026-11-23T10:00:00Z", name)
	}
	return &t, nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	f := store.UserFilter{Query: searchText(q), Role: q.Get("role")}
	if len(f.Query) > 200 {
		return badRequest("validation_failed", "q", "q must be at most 200 characters")
	}
	if f.Role != "" && !auth.Role(f.Role).Valid() {
		return badRequest("validation_failed", "role", "role must be one of admin, team_lead, senior_analyst, analyst, viewer")
	}
	if v := q.Get("disabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return badRequest("validation_failed", "disabled", "disabled must be true or false")
		}
		f.Disabled = &b
	}
	var err error
	if f.Limit, err = queryInt(q, "limit", 50, 1, 500); err != nil {
		return err
	}
	if f.Offset, err = queryInt(q, "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	users, total, err := s.o.Auth.ListUsers(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	now := s.o.Now()
	writeJSON(w, http.StatusOK, struct {
		Items []userView `json:"items"`
		Total int        `json:"total"`
	}{mapSlice(users, func(u store.User) userView { return viewUser(u, now) }), total})
	return nil
}

type userCreate struct {
	Email       string `json:"email"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	Password    string `json:"password"`
	Team        string `json:"team"`
	Manager     string `json:"manager"`
	Computer    string `json:"computer"`
	MobilePhone string `json:"mobile_phone"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, c *call) error {
	var in userCreate
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	u, err := s.o.Auth.CreateUser(r.Context(), c.actor(), auth.UserInput(in))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	writeJSON(w, http.StatusCreated, viewUser(u, s.o.Now()))
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *call) error {
	u, err := s.o.Auth.GetUser(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(u, s.o.Now()))
	return nil
}

// userPatch lists the profile fields itself: an embedded struct would put
// its Go name into decoding errors' field paths ("profilePatch.name").
type userPatch struct {
	Name        *string `json:"name"`
	Team        *string `json:"team"`
	Manager     *string `json:"manager"`
	Computer    *string `json:"computer"`
	MobilePhone *string `json:"mobile_phone"`
	Email       *string `json:"email"`
	Role        *string `json:"role"`
	Disabled    *bool   `json:"disabled"`
	Password    *string `json:"password"`
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, c *call) error {
	var in userPatch
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	u, err := s.o.Auth.UpdateUser(r.Context(), c.actor(), r.PathValue("id"), auth.UserPatch{
		Profile: auth.Profile{Name: in.Name, Team: in.Team, Manager: in.Manager, Computer: in.Computer, MobilePhone: in.MobilePhone}, Email: in.Email, Role: in.Role, Disabled: in.Disabled, Password: in.Password,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(u, s.o.Now()))
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.o.Auth.DeleteUser(r.Context(), c.actor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	gs, err := s.o.Auth.ListGroups(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[groupView]{Items: mapSlice(gs, viewGroup)})
	return nil
}

type groupCreate struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	MemberIDs   []string `json:"member_ids"`
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	var in groupCreate
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	g, err := s.o.Auth.CreateGroup(r.Context(), c.actor(), auth.GroupInput(in))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/groups/"+g.ID)
	writeJSON(w, http.StatusCreated, viewGroup(g))
	return nil
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	g, err := s.o.Auth.GetGroup(r.Context(), c.principal.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewGroup(g))
	return nil
}

type groupPatch struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	var in groupPatch
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	g, err := s.o.Auth.UpdateGroup(r.Context(), c.actor(), r.PathValue("id"), auth.GroupPatch(in))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewGroup(g))
	return nil
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.o.Auth.DeleteGroup(r.Context(), c.actor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) addMember(w http.ResponseWriter, r *http.Request, c *call) error {
	g, err := s.o.Auth.AddGroupMember(r.Context(), c.actor(), r.PathValue("id"), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewGroup(g))
	return nil
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, c *call) error {
	g, err := s.o.Auth.RemoveGroupMember(r.Context(), c.actor(), r.PathValue("id"), r.PathValue("user_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewGroup(g))
	return nil
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request, c *call) error {
	keys, err := s.o.Auth.ListAPIKeys(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[apiKeyView]{Items: mapSlice(keys, viewAPIKey)})
	return nil
}

type apiKeyCreate struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	ExpiresInDays int    `json:"expires_in_days"`
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request, c *call) error {
	var in apiKeyCreate
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	k, secret, err := s.o.Auth.CreateAPIKey(r.Context(), c.actor(), in.Name, in.Role, in.ExpiresInDays)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, struct {
		apiKeyView
		Key string `json:"key"`
	}{viewAPIKey(k), secret})
	return nil
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.o.Auth.RevokeAPIKey(r.Context(), c.actor(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), TargetType: q.Get("target_type"), TargetID: q.Get("target_id")}
	for name, v := range map[string]string{"actor": f.Actor, "action": f.Action, "target_type": f.TargetType, "target_id": f.TargetID} {
		if len(v) > 200 {
			return badRequest("validation_failed", name, "%s must be at most 200 characters", name)
		}
	}
	var err error
	if f.Since, err = queryTime(q, "since"); err != nil {
		return err
	}
	if f.Until, err = queryTime(q, "until"); err != nil {
		return err
	}
	if f.Since != nil && f.Until != nil && !f.Since.Before(*f.Until) {
		return badRequest("validation_failed", "since", "since must be before until")
	}
	if f.Limit, err = queryInt(q, "limit", 50, 1, 500); err != nil {
		return err
	}
	if cur := q.Get("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n < 1 {
			return badRequest("validation_failed", "cursor", "cursor must be the next_cursor of a previous page")
		}
		f.BeforeSeq = n
	}
	entries, err := s.o.Auth.ListAudit(r.Context(), c.principal.OrgID, f)
	if err != nil {
		return err
	}
	var next *string
	if len(entries) == f.Limit && entries[len(entries)-1].Seq > 1 {
		v := strconv.FormatInt(entries[len(entries)-1].Seq, 10)
		next = &v
	}
	writeJSON(w, http.StatusOK, struct {
		Items      []auditView `json:"items"`
		NextCursor *string     `json:"next_cursor"`
	}{mapSlice(entries, viewAudit), next})
	return nil
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := s.o.Auth.VerifyAudit(r.Context(), c.principal.OrgID)
	if err != nil {
		return err
	}
	out := map[string]any{"ok": res.OK, "entries": res.Entries}
	if !res.OK {
		out["broken_at_seq"] = res.BrokenAtSeq
		out["reason"] = res.Reason
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listOrgs(w http.ResponseWriter, r *http.Request, c *call) error {
	orgs, err := s.o.Auth.ListOrgs(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[orgView]{Items: mapSlice(orgs, viewOrg)})
	return nil
}

type orgCreate struct {
	Name          string `json:"name"`
	AdminEmail    string `json:"admin_email"`
	AdminName     string `json:"admin_name"`
	AdminPassword string `json:"admin_password"`
}

func (s *Server) createOrg(w http.ResponseWriter, r *http.Request, c *call) error {
	var in orgCreate
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	a := c.actor()
	out, err := s.o.Auth.CreateOrg(r.Context(), &a, auth.OrgInput{Name: in.Name, AdminEmail: in.AdminEmail, AdminName: in.AdminName, AdminPassword: in.AdminPassword})
	if err != nil {
		return err
	}
	if s.o.Detect != nil {
		if _, err := s.o.Detect.InstallBuiltin(r.Context(), out.Org.ID); err != nil {
			s.log.Error("cannot install the built-in rules in the new organisation", "org", out.Org.ID, "err", err)
		}
	}
	resp := map[string]any{"org": viewOrg(out.Org), "admin": viewUser(out.Admin, s.o.Now())}
	if out.GeneratedPassword != "" {
		resp["generated_password"] = out.GeneratedPassword
		w.Header().Set("Cache-Control", "no-store")
	}
	writeJSON(w, http.StatusCreated, resp)
	return nil
}
