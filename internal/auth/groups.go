package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/eventsec/eventsec/internal/store"
)

// GroupInput creates a work group.
type GroupInput struct {
	Name        string
	Description string
	MemberIDs   []string
}

// GroupPatch changes a work group; nil fields stay as they are.
type GroupPatch struct {
	Name        *string
	Description *string
}

const maxGroupDescription = 1000

// ListGroups lists the org's work groups with their members.
func (s *Service) ListGroups(ctx context.Context, orgID string) ([]store.Group, error) {
	return s.st.Groups().List(ctx, orgID)
}

// GetGroup returns one work group.
func (s *Service) GetGroup(ctx context.Context, orgID, id string) (store.Group, error) {
	return s.st.Groups().Get(ctx, orgID, id)
}

// CreateGroup creates a work group in the actor's org.
func (s *Service) CreateGroup(ctx context.Context, a Actor, in GroupInput) (store.Group, error) {
	name, err := validateText("name", in.Name, true, maxNameLen)
	if err != nil {
		return store.Group{}, err
	}
	desc, err := validateText("description", in.Description, false, maxGroupDescription)
	if err != nil {
		return store.Group{}, err
	}
	if len(in.MemberIDs) > 1000 {
		return store.Group{}, invalid("member_ids", "at most 1000 members may be added at once")
	}
	now := s.now()
	g := store.Group{ID: newID(), OrgID: a.OrgID, Name: name, Description: desc, CreatedAt: now, UpdatedAt: now}
	err = s.st.Tx(ctx, func(r store.Repos) error {
		if err := r.Groups().Create(ctx, g); err != nil {
			return conflictOr(err, "name", fmt.Sprintf("a work group named %q already exists", name))
		}
		seen := map[string]bool{}
		for i, uid := range in.MemberIDs {
			if seen[uid] {
				continue
			}
			seen[uid] = true
			if err := r.Groups().AddMember(ctx, a.OrgID, g.ID, uid); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return invalid(fmt.Sprintf("member_ids[%d]", i), "no user %q in this organisation", uid)
				}
				return err
			}
		}
		if err := s.audit(ctx, r, a, "group.create", "group", g.ID, fmt.Sprintf("created work group %q with %d members", name, len(seen))); err != nil {
			return err
		}
		g, err = r.Groups().Get(ctx, a.OrgID, g.ID)
		return err
	})
	return g, err
}

// UpdateGroup renames or re-describes a work group.
func (s *Service) UpdateGroup(ctx context.Context, a Actor, id string, p GroupPatch) (store.Group, error) {
	var g store.Group
	err := s.st.Tx(ctx, func(r store.Repos) error {
		var err error
		g, err = r.Groups().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		var changes []string
		if p.Name != nil {
			name, err := validateText("name", *p.Name, true, maxNameLen)
			if err != nil {
				return err
			}
			if name != g.Name {
				changes = append(changes, fmt.Sprintf("name: %q → %q", g.Name, name))
				g.Name = name
			}
		}
		if p.Description != nil {
			desc, err := validateText("description", *p.Description, false, maxGroupDescription)
			if err != nil {
				return err
			}
			if desc != g.Description {
				changes = append(changes, "description changed")
				g.Description = desc
			}
		}
		if len(changes) == 0 {
			return nil
		}
		g.UpdatedAt = s.now()
		if err := r.Groups().Update(ctx, g); err != nil {
			return conflictOr(err, "name", fmt.Sprintf("a work group named %q already exists", g.Name))
		}
		return s.audit(ctx, r, a, "group.update", "group", g.ID, strings.Join(changes, "; "))
	})
	return g, err
}

// DeleteGroup deletes a work group (its members stay users).
func (s *Service) DeleteGroup(ctx context.Context, a Actor, id string) error {
	return s.st.Tx(ctx, func(r store.Repos) error {
		g, err := r.Groups().Get(ctx, a.OrgID, id)
		if err != nil {
			return err
		}
		if err := r.Groups().Delete(ctx, a.OrgID, id); err != nil {
			return err
		}
		return s.audit(ctx, r, a, "group.delete", "group", id, fmt.Sprintf("deleted work group %q (%d members)", g.Name, len(g.Members)))
	})
}

// AddGroupMember adds a user of the org to a work group.
func (s *Service) AddGroupMember(ctx context.Context, a Actor, groupID, userID string) (store.Group, error) {
	var g store.Group
	err := s.st.Tx(ctx, func(r store.Repos) error {
		var err error
		if g, err = r.Groups().Get(ctx, a.OrgID, groupID); err != nil {
			return err
		}
		u, err := r.Users().Get(ctx, a.OrgID, userID)
		if err != nil {
			return err
		}
		if err := r.Groups().AddMember(ctx, a.OrgID, groupID, userID); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return &ConflictError{Field: "user_id", Message: fmt.Sprintf("%s is already a member of %q", u.Email, g.Name)}
			}
			return err
		}
		if err := s.audit(ctx, r, a, "group.member_add", "group", groupID, fmt.Sprintf("added %s to %q", u.Email, g.Name)); err != nil {
			return err
		}
		g, err = r.Groups().Get(ctx, a.OrgID, groupID)
		return err
	})
	return g, err
}

// RemoveGroupMember removes a user from a work group.
func (s *Service) RemoveGroupMember(ctx context.Context, a Actor, groupID, userID string) (store.Group, error) {
	var g store.Group
	err := s.st.Tx(ctx, func(r store.Repos) error {
		var err error
		if g, err = r.Groups().Get(ctx, a.OrgID, groupID); err != nil {
			return err
		}
		if err := r.Groups().RemoveMember(ctx, a.OrgID, groupID, userID); err != nil {
			return err
		}
		who := userID
		if u, err := r.Users().Get(ctx, a.OrgID, userID); err == nil {
			who = u.Email
		}
		if err := s.audit(ctx, r, a, "group.member_remove", "group", groupID, fmt.Sprintf("removed %s from %q", who, g.Name)); err != nil {
			return err
		}
		g, err = r.Groups().Get(ctx, a.OrgID, groupID)
		return err
	})
	return g, err
}
