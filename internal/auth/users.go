package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/eventsec/eventsec/internal/store"
)

// Field limits for user input.
const (
	maxEmailLen   = 254
	maxNameLen    = 100
	maxProfileLen = 100
	maxPhoneLen   = 32
)

// Profile is the part of a user that the user edits themself.
type Profile struct {
	Name        *string
	Team        *string
	Manager     *string
	Computer    *string
	MobilePhone *string
}

// UserInput creates a user.
type UserInput struct {
	Email       string
	Name        string
	Role        string
	Password    string
	Team        string
	Manager     string
	Computer    string
	MobilePhone string
}

// UserPatch changes a user; nil fields stay as they are.
type UserPatch struct {
	Profile
	Email    *string
	Role     *string
	Disabled *bool
	Password *string
}

// ValidateEmail normalises an e-mail address or says what is wrong with it.
func ValidateEmail(field, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return "", invalid(field, "e-mail is required")
	}
	if len(email) > maxEmailLen {
		return "", invalid(field, "e-mail must be at most %d characters", maxEmailLen)
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email[strings.LastIndexByte(email, '@')+1:], ".") && !strings.HasSuffix(email, "@localhost") {
		return "", invalid(field, "%q is not a valid e-mail address", email)
	}
	return email, nil
}

func validateText(field, v string, required bool, max int) (string, error) {
	v = strings.TrimSpace(v)
	if required && v == "" {
		return "", invalid(field, "%s is required", field)
	}
	if !utf8.ValidString(v) {
		return "", invalid(field, "%s must be valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", invalid(field, "%s must be at most %d characters (got %d)", field, max, n)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return "", invalid(field, "%s must not contain control characters", field)
		}
	}
	return v, nil
}

func validatePhone(field, v string) (string, error) {
	v, err := validateText(field, v, false, maxPhoneLen)
	if err != nil {
		return "", err
	}
	for _, r := range v {
		if !strings.ContainsRune("0123456789+-() .", r) {
			return "", invalid(field, "mobile phone may contain only digits, spaces and + - ( ) .")
		}
	}
	return v, nil
}

func validateRole(field, role string) (Role, error) {
	r := Role(role)
	if !r.Valid() {
		return "", invalid(field, "role must be one of admin, team_lead, senior_analyst, analyst, viewer (got %q)", role)
	}
	return r, nil
}

func validatePassword(field, pw, email string) error {
	if msg := CheckPasswordPolicy(pw, email); msg != "" {
		return &ValidationError{Field: field, Code: "weak_password", Message: msg}
	}
	return nil
}

// applyProfile validates and copies the set profile fields into u and
// returns a summary of what changed.
func applyProfile(u *store.User, p Profile, changes *[]string) error {
	set := func(field string, dst *string, v *string, max int) error {
		if v == nil {
			return nil
		}
		clean, err := validateText(field, *v, field == "name", max)
		if err != nil {
			return err
		}
		if clean != *dst {
			*changes = append(*changes, fmt.Sprintf("%s: %q → %q", field, *dst, clean))
			*dst = clean
		}
		return nil
	}
	if err := set("name", &u.Name, p.Name, maxNameLen); err != nil {
		return err
	}
	if err := set("team", &u.Team, p.Team, maxProfileLen); err != nil {
		return err
	}
	if err := set("manager", &u.Manager, p.Manager, maxProfileLen); err != nil {
		return err
	}
	if err := set("computer", &u.Computer, p.Computer, maxProfileLen); err != nil {
		return err
	}
	if p.MobilePhone != nil {
		clean, err := validatePhone("mobile_phone", *p.MobilePhone)
		if err != nil {
			return err
		}
		if clean != u.MobilePhone {
			*changes = append(*changes, fmt.Sprintf("mobile_phone: %q → %q", u.MobilePhone, clean))
			u.MobilePhone = clean
		}
	}
	return nil
}

func conflictOr(err error, field, msg string) error {
	if errors.Is(err, store.ErrConflict) {
		return &ConflictError{Field: field, Message: msg}
	}
	return err
}

// ListUsers lists the org's users.
func (s *Service) ListUsers(ctx context.Context, orgID string, f store.UserFilter) ([]store.User, int, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	return s.st.Users().List(ctx, orgID, f)
}

// GetUser returns one of the org's users.
func (s *Service) GetUser(ctx context.Context, orgID, id string) (store.User, error) {
	return s.st.Users().Get(ctx, orgID, id)
}

// CreateUser adds a user to the actor's org.
func (s *Service) CreateUser(ctx context.Context, a Actor, in UserInput) (store.User, error) {
	var u store.User
	err := s.st.Tx(ctx, func(r store.Repos) error {
		var err error
		u, err = s.createUser(ctx, r, a.OrgID, in, false)
		if err != nil {
			return err
		}
		return s.audit(ctx, r, a, "user.create", "user", u.ID, fmt.Sprintf("created %s (%s) with role %s", u.Email, u.Name, u.Role))
	})
	return u, err
}

func (s *Service) createUser(ctx context.Context, r store.Repos, orgID string, in UserInput, platformAdmin bool) (store.User, error) {
	email, err := ValidateEmail("email", in.Email)
	if err != nil {
		return store.User{}, err
	}
	name, err := validateText("name", in.Name, true, maxNameLen)
	if err != nil {
		return store.User{}, err
	}
	role, err := validateRole("role", in.Role)
	if err != nil {
		return store.User{}, err
	}
	if in.Password == "" {
		return store.User{}, &ValidationError{Field: "password", Code: "validation_failed", Message: "password is required"}
	}
	if err := validatePassword("password", in.Password, email); err != nil {
		return store.User{}, err
	}
	now := s.now()
	u := store.User{ID: newID(), OrgID: orgID, Email: email, Name: name, Role: string(role), PlatformAdmin: platformAdmin,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	var ignored []string
	if err := applyProfile(&u, Profile{Team: &in.Team, Manager: &in.Manager, Computer: &in.Computer, MobilePhone: &in.MobilePhone}, &ignored); err != nil {
		return store.User{}, err
	}
	if u.PasswordHash, err = HashPassword(in.Password); err != nil {
		return store.User{}, err
	}
	if err := r.Users().Create(ctx, u); err != nil {
		return store.User{}, conflictOr(err, "email", fmt.Sprintf("a user with e-mail %s already exists", email))
	}
	return u, nil
}

// UpdateUser changes a user of the actor's org (admin operation).
func (s *Service) UpdateUser(ctx context.Context, a Actor, id string, p UserPatch) (store.User, error) {
	var u store.User
	err := s.st.Tx(ctx, func(r store.Repos) error {
		var err error
		u, err = r.Users().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if u.PlatformAdmin && !a.PlatformAdmin {
			return fmt.Errorf("%w: only a platform admin may change a platform admin", ErrForbidden)
		}
		wasActiveAdmin := u.Role == string(RoleAdmin) && !u.Disabled
		var changes []string
		if err := applyProfile(&u, p.Profile, &changes); err != nil {
			return err
		}
		if p.Email != nil {
			email, err := ValidateEmail("email", *p.Email)
			if err != nil {
				return err
			}
			if email != u.Email {
				changes = append(changes, fmt.Sprintf("email: %s → %s", u.Email, email))
				u.Email = email
			}
		}
		if p.Role != nil {
			role, err := validateRole("role", *p.Role)
			if err != nil {
				return err
			}
			if string(role) != u.Role {
				if id == a.UserID {
					return fmt.Errorf("%w: you cannot change your own role", ErrSelfChange)
				}
				changes = append(changes, fmt.Sprintf("role: %s → %s", u.Role, role))
				u.Role = string(role)
			}
		}
		revoke := false
		if p.Disabled != nil && *p.Disabled != u.Disabled {
			if id == a.UserID {
				return fmt.Errorf("%w: you cannot disable your own account", ErrSelfChange)
			}
			changes = append(changes, fmt.Sprintf("disabled: %t → %t", u.Disabled, *p.Disabled))
			u.Disabled = *p.Disabled
			revoke = u.Disabled
			u.FailedLogins, u.LockedUntil = 0, nil
		}
		if p.Password != nil {
			if err := validatePassword("password", *p.Password, u.Email); err != nil {
				return err
			}
			if u.PasswordHash, err = HashPassword(*p.Password); err != nil {
				return err
			}
			u.PasswordChangedAt = s.now()
			u.FailedLogins, u.LockedUntil = 0, nil
			changes = append(changes, "password reset by an admin")
			revoke = true
		}
		if wasActiveAdmin && (u.Role != string(RoleAdmin) || u.Disabled) {
			if err := s.keepAnAdmin(ctx, r, a.OrgID); err != nil {
				return err
			}
		}
		if len(changes) == 0 {
			return nil
		}
		u.UpdatedAt = s.now()
		if err := r.Users().Update(ctx, u); err != nil {
			return conflictOr(err, "email", fmt.Sprintf("a user with e-mail %s already exists", u.Email))
		}
		if revoke {
			if err := r.Sessions().RevokeUser(ctx, a.OrgID, u.ID, s.now()); err != nil {
				return err
			}
		}
		return s.audit(ctx, r, a, "user.update", "user", u.ID, u.Email+": "+strings.Join(changes, "; "))
	})
	return u, err
}

// keepAnAdmin fails when the org has no other enabled admin than the one
// about to be removed.
func (s *Service) keepAnAdmin(ctx context.Context, r store.Repos, orgID string) error {
	n, err := r.Users().CountActiveAdmins(ctx, orgID)
	if err != nil {
		return err
	}
	if n <= 1 {
		return ErrLastAdmin
	}
	return nil
}

// DeleteUser removes a user of the actor's org.
func (s *Service) DeleteUser(ctx context.Context, a Actor, id string) error {
	if id == a.UserID {
		return fmt.Errorf("%w: you cannot delete your own account", ErrSelfChange)
	}
	return s.st.Tx(ctx, func(r store.Repos) error {
		u, err := r.Users().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if u.PlatformAdmin && !a.PlatformAdmin {
			return fmt.Errorf("%w: only a platform admin may delete a platform admin", ErrForbidden)
		}
		if u.Role == string(RoleAdmin) && !u.Disabled {
			if err := s.keepAnAdmin(ctx, r, a.OrgID); err != nil {
				return err
			}
		}
		if err := r.Users().Delete(ctx, a.OrgID, id); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "user.delete", "user", id, fmt.Sprintf("deleted %s (%s, role %s)", u.Email, u.Name, u.Role))
	})
}

// UpdateProfile changes the actor's own profile.
func (s *Service) UpdateProfile(ctx context.Context, a Actor, p Profile) (store.User, error) {
	var u store.User
	err := s.st.Tx(ctx, func(r store.Repos) error {
		var err error
		u, err = r.Users().Get(ctx, a.OrgID, a.UserID)
		if err != nil {
			return err
		}
		var changes []string
		if err := applyProfile(&u, p, &changes); err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		u.UpdatedAt = s.now()
		if err := r.Users().Update(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "user.profile_update", "user", u.ID, strings.Join(changes, "; "))
	})
	return u, err
}

// ChangePassword changes the actor's own password, revokes every session
// of the user and opens a fresh one for this client.
func (s *Service) ChangePassword(ctx context.Context, a Actor, current, next string) (Session, error) {
	if current == "" {
		return Session{}, invalid("current_password", "current password is required")
	}
	u, err := s.st.Users().Get(ctx, a.OrgID, a.UserID)
	if err != nil {
		return Session{}, err
	}
	if err := s.allowIP(a.IP); err != nil {
		return Session{}, err
	}
	if len(current) > MaxPasswordLen || !CheckPassword(u.PasswordHash, current) {
		return Session{}, ErrWrongPassword
	}
	if next == current {
		return Session{}, &ValidationError{Field: "new_password", Code: "weak_password", Message: "new password must differ from the current one"}
	}
	if err := validatePassword("new_password", next, u.Email); err != nil {
		return Session{}, err
	}
	hash, err := HashPassword(next)
	if err != nil {
		return Session{}, err
	}
	var sess Session
	err = s.st.Tx(ctx, func(r store.Repos) error {
		// Re-read inside the transaction: an admin may have disabled the
		// user, changed their role or reset the password meanwhile.
		cur, err := r.Users().Get(ctx, a.OrgID, a.UserID)
		if err != nil {
			return err
		}
		if cur.Disabled || cur.PasswordHash != u.PasswordHash {
			return ErrInvalidToken
		}
		u = cur
		now := s.now()
		u.PasswordHash, u.PasswordChangedAt, u.UpdatedAt = hash, now, now
		if err := r.Users().Update(ctx, u); err != nil {
			return err
		}
		if err := r.Sessions().RevokeUser(ctx, u.OrgID, u.ID, now); err != nil {
			return err
		}
		if err := s.audit(ctx, r, a, "user.password_change", "user", u.ID, "changed own password; other sessions revoked"); err != nil {
			return err
		}
		sess, err = s.openSession(ctx, r, u, newID(), a.ClientMeta)
		return err
	})
	return sess, err
}
