package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/eventsec/eventsec/internal/audit"
	"github.com/eventsec/eventsec/internal/store"
)

// OrgInput creates an organisation and its first admin.
type OrgInput struct {
	Name          string
	AdminEmail    string
	AdminName     string
	AdminPassword string // generated when empty
	// PlatformAdmin makes the first admin a platform super-admin too (the
	// first org of a fresh install).
	PlatformAdmin bool
}

// NewOrg is a created org, its admin, and the admin's password when it was
// generated (shown once, never stored).
type NewOrg struct {
	Org               store.Org
	Admin             store.User
	GeneratedPassword string
}

// ListOrgs lists every organisation (platform super-admin).
func (s *Service) ListOrgs(ctx context.Context) ([]store.Org, error) { return s.st.Orgs().List(ctx) }

// CreateOrg creates an org and its admin. The change is audited in the new
// org's log and, when made by a person, in the actor's org too.
func (s *Service) CreateOrg(ctx context.Context, a *Actor, in OrgInput) (NewOrg, error) {
	name, err := validateText("name", in.Name, true, maxNameLen)
	if err != nil {
		return NewOrg{}, err
	}
	adminField := func(f string) string { return "admin_" + f }
	email, err := ValidateEmail(adminField("email"), in.AdminEmail)
	if err != nil {
		return NewOrg{}, err
	}
	adminName := strings.TrimSpace(in.AdminName)
	if adminName == "" {
		adminName = "Administrator"
	}
	var out NewOrg
	pw := in.AdminPassword
	if pw == "" {
		if pw, err = GeneratePassword(); err != nil {
			return NewOrg{}, err
		}
		out.GeneratedPassword = pw
	} else if err := validatePassword(adminField("password"), pw, email); err != nil {
		return NewOrg{}, err
	}
	now := s.now()
	out.Org = store.Org{ID: newID(), Name: name, CreatedAt: now}
	err = s.st.Tx(ctx, func(r store.Repos) error {
		if err := r.Orgs().Create(ctx, out.Org); err != nil {
			return conflictOr(err, "name", fmt.Sprintf("an organisation named %q already exists", name))
		}
		out.Admin, err = s.createUser(ctx, r, out.Org.ID, UserInput{Email: email, Name: adminName, Role: string(RoleAdmin), Password: pw}, in.PlatformAdmin)
		if err != nil {
			if ve, ok := err.(*ValidationError); ok {
				ve.Field = adminField(ve.Field)
			}
			if ce, ok := err.(*ConflictError); ok {
				ce.Field = adminField(ce.Field)
			}
			return err
		}
		inOrg := SystemActor(out.Org.ID, "system")
		if a != nil {
			inOrg = *a
			inOrg.OrgID = out.Org.ID
		}
		summary := fmt.Sprintf("created organisation %q with admin %s", name, email)
		if err := s.audit(ctx, r, inOrg, "org.create", "org", out.Org.ID, summary); err != nil {
			return err
		}
		if a != nil {
			return s.audit(ctx, r, *a, "org.create", "org", out.Org.ID, summary)
		}
		return nil
	})
	if err != nil {
		return NewOrg{}, err
	}
	return out, nil
}

// Bootstrap creates the first org and its admin on a fresh install; it does
// nothing when any org exists. It reports whether it created them.
func (s *Service) Bootstrap(ctx context.Context, orgName, adminEmail, adminPassword string) (NewOrg, bool, error) {
	orgs, err := s.st.Orgs().List(ctx)
	if err != nil {
		return NewOrg{}, false, err
	}
	if len(orgs) > 0 {
		return NewOrg{}, false, nil
	}
	out, err := s.CreateOrg(ctx, nil, OrgInput{Name: orgName, AdminEmail: adminEmail, AdminName: "Administrator", AdminPassword: adminPassword, PlatformAdmin: true})
	if err != nil {
		return NewOrg{}, false, err
	}
	return out, true, nil
}

// ListAudit reads the org's audit log, newest first.
func (s *Service) ListAudit(ctx context.Context, orgID string, f store.AuditFilter) ([]store.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	return s.st.Audit().List(ctx, orgID, f)
}

// VerifyAudit checks the org's audit hash chain.
func (s *Service) VerifyAudit(ctx context.Context, orgID string) (audit.Result, error) {
	return audit.Verify(ctx, s.st.Audit(), orgID)
}

// OrgSettings returns the org's settings.
func (s *Service) OrgSettings(ctx context.Context, orgID string) (store.Org, error) {
	return s.st.Orgs().Get(ctx, orgID)
}

// SetRetention changes how many days the org's events are kept.
func (s *Service) SetRetention(ctx context.Context, a Actor, days int) (store.Org, error) {
	if days < 1 || days > 3650 {
		return store.Org{}, invalid("retention_days", "retention_days must be between 1 and 3650")
	}
	var o store.Org
	err := s.st.Tx(ctx, func(r store.Repos) error {
		var err error
		if o, err = r.Orgs().Get(ctx, a.OrgID); err != nil {
			return err
		}
		if o.RetentionDays == days {
			return nil
		}
		summary := fmt.Sprintf("retention_days: %d → %d", o.RetentionDays, days)
		o.RetentionDays = days
		if err := r.Orgs().Update(ctx, o); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "settings.update", "org", o.ID, summary)
	})
	return o, err
}
