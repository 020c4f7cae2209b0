package api

import (
	"net/http"

	"github.com/eventsec/eventsec/internal/auth"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, c *call) error {
	var in loginRequest
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.Email == "" {
		return badRequest("validation_failed", "email", "email is required")
	}
	if in.Password == "" {
		return badRequest("validation_failed", "password", "password is required")
	}
	sess, err := s.o.Auth.Login(r.Context(), in.Email, in.Password, c.meta)
	if err != nil {
		return err
	}
	return s.writeSession(w, sess)
}

func (s *Server) refresh(w http.ResponseWriter, r *http.Request, c *call) error {
	var in refreshRequest
	fromCookie := false
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
			return err
		}
	}
	if in.RefreshToken == "" {
		ck, err := r.Cookie(cookieRefresh)
		if err != nil || ck.Value == "" {
			return &HTTPError{Status: http.StatusUnauthorized, Code: "invalid_token", Field: "refresh_token", Msg: "send refresh_token in the body (or the session cookie)"}
		}
		in.RefreshToken, fromCookie = ck.Value, true
	}
	if fromCookie && !csrfOK(r) {
		return errCSRF
	}
	sess, err := s.o.Auth.Refresh(r.Context(), in.RefreshToken, c.meta)
	if err != nil {
		if fromCookie {
			s.clearCookies(w)
		}
		return err
	}
	return s.writeSession(w, sess)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *call) error {
	var in refreshRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
			return err
		}
	}
	fromCookie := false
	if in.RefreshToken == "" {
		if ck, err := r.Cookie(cookieRefresh); err == nil {
			in.RefreshToken, fromCookie = ck.Value, true
		}
	}
	// Logout works with an expired access token too: cookies are cleared
	// whatever happens, and the session is revoked when the caller is known.
	authErr := s.authenticate(r, c, false)
	s.clearCookies(w)
	if !fromCookie || csrfOK(r) {
		if authErr == nil {
			if err := s.o.Auth.Logout(r.Context(), c.actor(), in.RefreshToken); err != nil {
				return err
			}
		} else if in.RefreshToken != "" {
			// The access token has expired (the UI's cookie lives 15
			// minutes): the refresh token itself proves the session.
			if err := s.o.Auth.LogoutByRefreshToken(r.Context(), in.RefreshToken, c.meta); err != nil {
				return err
			}
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeSession answers a login or refresh: tokens in the body for API
// clients, and httpOnly cookies plus a CSRF token for the web UI.
func (s *Server) writeSession(w http.ResponseWriter, sess auth.Session) error {
	csrf := newRequestID() + newRequestID()
	s.setCookie(w, cookieAccess, sess.AccessToken, "/", int(sess.ExpiresIn.Seconds()), true)
	s.setCookie(w, cookieRefresh, sess.RefreshToken, "/api/v1/auth", int(s.o.RefreshTTL.Seconds()), true)
	s.setCookie(w, cookieCSRF, csrf, "/", int(s.o.RefreshTTL.Seconds()), false)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, sessionView{
		AccessToken: sess.AccessToken, RefreshToken: sess.RefreshToken, TokenType: "Bearer",
		ExpiresIn: int(sess.ExpiresIn.Seconds()), CSRFToken: csrf, User: viewUser(sess.User, s.o.Now()),
	})
	return nil
}

func (s *Server) setCookie(w http.ResponseWriter, name, value, path string, maxAge int, httpOnly bool) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: httpOnly,
		Secure: s.o.SecureCookies, SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearCookies(w http.ResponseWriter) {
	s.setCookie(w, cookieAccess, "", "/", -1, true)
	s.setCookie(w, cookieRefresh, "", "/api/v1/auth", -1, true)
	s.setCookie(w, cookieCSRF, "", "/", -1, false)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request, c *call) error {
	p := c.principal
	method := "token"
	switch {
	case p.APIKeyID != "":
		method = "api_key"
	case c.viaCookie:
		method = "cookie"
	}
	perms := auth.RolePermissions(p.Role)
	if p.PlatformAdmin {
		perms = append(perms, auth.PermPlatform)
	}
	var uv userView
	if p.User != nil {
		uv = viewUser(*p.User, s.o.Now())
	} else {
		uv = userView{ID: p.UserID, OrgID: p.OrgID, Email: p.Email, Name: p.Name, Role: string(p.Role)}
	}
	writeJSON(w, http.StatusOK, meView{userView: uv, Permissions: perms, AuthMethod: method})
	return nil
}

type profilePatch struct {
	Name        *string `json:"name"`
	Team        *string `json:"team"`
	Manager     *string `json:"manager"`
	Computer    *string `json:"computer"`
	MobilePhone *string `json:"mobile_phone"`
}

func (p profilePatch) profile() auth.Profile {
	return auth.Profile{Name: p.Name, Team: p.Team, Manager: p.Manager, Computer: p.Computer, MobilePhone: p.MobilePhone}
}

// requireUser refuses API keys on routes that act on "my" user record.
func requireUser(c *call) error {
	if c.principal.User == nil {
		return &HTTPError{Status: http.StatusForbidden, Code: "forbidden", Msg: "an API key has no user profile or password; sign in as a user"}
	}
	return nil
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := requireUser(c); err != nil {
		return err
	}
	var in profilePatch
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	u, err := s.o.Auth.UpdateProfile(r.Context(), c.actor(), in.profile())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewUser(u, s.o.Now()))
	return nil
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := requireUser(c); err != nil {
		return err
	}
	var in passwordChange
	if err := decodeJSON(w, r, s.o.MaxBodyBytes, &in); err != nil {
		return err
	}
	if in.NewPassword == "" {
		return badRequest("validation_failed", "new_password", "new_password is required")
	}
	sess, err := s.o.Auth.ChangePassword(r.Context(), c.actor(), in.CurrentPassword, in.NewPassword)
	if err != nil {
		return err
	}
	return s.writeSession(w, sess)
}

type roleView struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Permissions []auth.Permission `json:"permissions"`
	// APIKeyOnly roles can be given to API keys, not to users.
	APIKeyOnly bool `json:"api_key_only"`
}

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request, c *call) error {
	out := list[roleView]{}
	for _, role := range auth.APIKeyRoles {
		out.Items = append(out.Items, roleView{Name: string(role), Description: auth.RoleDescriptions[role],
			Permissions: auth.RolePermissions(role), APIKeyOnly: !role.Valid()})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
