package api

import (
	"time"

	"github.com/eventsec/eventsec/internal/auth"
	"github.com/eventsec/eventsec/internal/store"
)

// JSON views: what the API shows of each record. Secrets (password hashes,
// key hashes) never appear here.

type userView struct {
	ID                string     `json:"id"`
	OrgID             string     `json:"org_id"`
	Email             string     `json:"email"`
	Name              string     `json:"name"`
	Role              string     `json:"role"`
	Team              string     `json:"team"`
	Manager           string     `json:"manager"`
	Computer          string     `json:"computer"`
	MobilePhone       string     `json:"mobile_phone"`
	Disabled          bool       `json:"disabled"`
	PlatformAdmin     bool       `json:"platform_admin"`
	Locked            bool       `json:"locked"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	LastLoginAt       *time.Time `json:"last_login_at"`
	PasswordChangedAt time.Time  `json:"password_changed_at"`
}

func viewUser(u store.User, now time.Time) userView {
	return userView{
		ID: u.ID, OrgID: u.OrgID, Email: u.Email, Name: u.Name, Role: u.Role, Team: u.Team, Manager: u.Manager,
		Computer: u.Computer, MobilePhone: u.MobilePhone, Disabled: u.Disabled, PlatformAdmin: u.PlatformAdmin,
		Locked:    u.LockedUntil != nil && now.Before(*u.LockedUntil),
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLoginAt: u.LastLoginAt, PasswordChangedAt: u.PasswordChangedAt,
	}
}

type meView struct {
	userView
	Permissions []auth.Permission `json:"permissions"`
	// AuthMethod says how this request was authenticated: "token",
	// "cookie" or "api_key".
	AuthMethod string `json:"auth_method"`
}

type sessionView struct {
	AccessToken  string   `json:"access_token"`
	RefreshToken string   `json:"refresh_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int      `json:"expires_in"`
	CSRFToken    string   `json:"csrf_token"`
	User         userView `json:"user"`
}

type memberView struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

type groupView struct {
	ID          string       `json:"id"`
	OrgID       string       `json:"org_id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Members     []memberView `json:"members"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

func viewGroup(g store.Group) groupView {
	v := groupView{ID: g.ID, OrgID: g.OrgID, Name: g.Name, Description: g.Description, Members: []memberView{},
		CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	for _, m := range g.Members {
		v.Members = append(v.Members, memberView{ID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role})
	}
	return v
}

type apiKeyView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func viewAPIKey(k store.APIKey) apiKeyView {
	return apiKeyView{ID: k.ID, Name: k.Name, Role: k.Role, Prefix: k.Prefix, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt,
		LastUsedAt: k.LastUsedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt}
}

type auditView struct {
	Seq        int64     `json:"seq"`
	Time       time.Time `json:"time"`
	ActorID    string    `json:"actor_id"`
	ActorEmail string    `json:"actor_email"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	Summary    string    `json:"summary"`
	IP         string    `json:"ip"`
	RequestID  string    `json:"request_id"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

func viewAudit(e store.AuditEntry) auditView {
	return auditView{Seq: e.Seq, Time: e.Time, ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
		TargetType: e.TargetType, TargetID: e.TargetID, Summary: e.Summary, IP: e.ClientIP, RequestID: e.RequestID,
		PrevHash: e.PrevHash, Hash: e.Hash}
}

type orgView struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func viewOrg(o store.Org) orgView { return orgView{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt} }

type list[T any] struct {
	Items []T `json:"items"`
}

func mapSlice[T, V any](in []T, f func(T) V) []V {
	out := make([]V, 0, len(in))
	for _, x := range in {
		out = append(out, f(x))
	}
	return out
}
