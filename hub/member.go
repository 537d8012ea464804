package hub

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Role is what a member may do in their tenant.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner Role = "owner"
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleAgent }

// Member is a person who works in a tenant's dashboard.
type Member struct {
	ID           int64     `json:"id"`
	TenantID     int64     `json:"tenant_id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Session is a member's logged-in dashboard session. Only a hash of the
// token is stored, so a leaked database does not leak sessions.
type Session struct {
	ID        int64
	MemberID  int64
	TenantID  int64
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// NewMember describes a member to add to an existing tenant.
type NewMember struct {
	TenantID int64
	Email    string
	Name     string
	Password string
	Role     Role
}

func (s *Service) newMember(in NewMember) (*Member, error) {
	email := normalizeEmail(in.Email)
	if !validEmail(email) {
		return nil, Errorf(EInvalid, "email %q is not a valid address", in.Email)
	}
	if !in.Role.Valid() {
		return nil, Errorf(EInvalid, "role must be owner, admin or agent")
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name, _, _ = strings.Cut(email, "@")
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	return &Member{TenantID: in.TenantID, Email: email, Name: name, Role: in.Role, PasswordHash: hash, CreatedAt: s.now()}, nil
}

// AddMember adds a member to an existing tenant. The actor must be the
// tenant's owner or admin, or the system (the command line).
func (s *Service) AddMember(ctx context.Context, actor Actor, in NewMember) (*Member, error) {
	if err := canManageTeam(actor, in.TenantID); err != nil {
		return nil, err
	}
	if in.Role == RoleOwner && actor.Kind == ActorMember && actor.Role != RoleOwner {
		return nil, Errorf(EForbidden, "only the owner can add another owner")
	}
	m, err := s.newMember(in)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(q Queries) error {
		if _, err := q.FindTenantByID(ctx, in.TenantID); err != nil {
			return err
		}
		if err := q.CreateMember(ctx, m); err != nil {
			return emailTaken(err)
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
			Action: "member.add", Subject: fmt.Sprintf("member:%d", m.ID), Data: mustJSON(map[string]any{"role": m.Role}), CreatedAt: m.CreatedAt})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

func canManageTeam(actor Actor, tenantID int64) error {
	if actor.Kind == ActorSystem {
		return nil
	}
	if actor.Kind == ActorMember && actor.TenantID == tenantID && (actor.Role == RoleOwner || actor.Role == RoleAdmin) {
		return nil
	}
	return Errorf(EForbidden, "only the workspace owner or an admin can do this")
}
