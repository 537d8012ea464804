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
	ID       int64  `json:"id"`
	TenantID int64  `json:"tenant_id"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	// Locale is the language of the member's dashboard and emails: "en",
	// "ru", or "" (not chosen: English).
	Locale       string    `json:"locale"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	// FailedLogins counts failed sign-ins in a row; LockedUntil (zero: not
	// locked) refuses sign-in until then (hub/account.go, throttling).
	FailedLogins int       `json:"-"`
	LockedUntil  time.Time `json:"-"`
	// RoleChangedAt is when Role last changed; zero: never.
	RoleChangedAt time.Time `json:"-"`
	// Staff is derived by the store when it reads a member: their tenant
	// is the platform's (hub/support.go). Writes ignore it.
	Staff bool `json:"staff"`
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
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
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
	if actor.Kind == ActorMember && !actor.ReadOnly && actor.TenantID == tenantID && (actor.Role == RoleOwner || actor.Role == RoleAdmin) {
		return nil
	}
	return Errorf(EForbidden, "only the workspace owner or an admin can do this")
}

// Members returns the actor's workspace's members in the order they
// joined. Every member may list the team.
func (s *Service) Members(ctx context.Context, actor Actor, tenantID int64) ([]*Member, error) {
	if actor.Kind != ActorSystem && (actor.Kind != ActorMember || actor.TenantID != tenantID) {
		return nil, Errorf(EForbidden, "only members of the workspace can see its team")
	}
	return s.Store.FindMembers(ctx, tenantID)
}

// teamMember finds member id for a change by actor: a member of another
// workspace is ENotFound, before any permission check, so ids cannot be
// probed; then the actor must be an owner or admin (EForbidden), and only
// owners may touch an owner.
func teamMember(ctx context.Context, q Queries, actor Actor, id int64) (*Member, error) {
	m, err := q.FindMemberByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if actor.Kind != ActorSystem && m.TenantID != actor.TenantID {
		return nil, Errorf(ENotFound, "member not found")
	}
	if err := canManageTeam(actor, m.TenantID); err != nil {
		return nil, err
	}
	if m.Role == RoleOwner && actor.Kind == ActorMember && actor.Role != RoleOwner {
		return nil, Errorf(EForbidden, "only an owner can change or remove an owner")
	}
	return m, nil
}

// lockedTeamMember is teamMember after LockTeam on the member's workspace:
// team changes are serialized, so that two owners demoting each other at
// once cannot leave the workspace without one.
func lockedTeamMember(ctx context.Context, q Queries, actor Actor, id int64) (*Member, error) {
	tenantID := actor.TenantID
	if actor.Kind == ActorSystem {
		m, err := q.FindMemberByID(ctx, id)
		if err != nil {
			return nil, err
		}
		tenantID = m.TenantID
	}
	if err := q.LockTeam(ctx, tenantID); err != nil {
		return nil, err
	}
	return teamMember(ctx, q, actor, id)
}

// otherOwners counts the owners of tenantID other than member id.
func otherOwners(ctx context.Context, q Queries, tenantID, id int64) (int, error) {
	members, err := q.FindMembers(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range members {
		if m.Role == RoleOwner && m.ID != id {
			n++
		}
	}
	return n, nil
}

// ChangeRole gives member id a new role. Owners and admins change roles;
// only owners make or unmake owners (EForbidden); the last owner cannot be
// demoted (EConflict). The member's websockets close within a minute
// (realtime re-checks sessions) so that they reconnect with the new role.
func (s *Service) ChangeRole(ctx context.Context, actor Actor, id int64, role Role) (*Member, error) {
	if !role.Valid() {
		return nil, Errorf(EInvalid, "role must be owner, admin or agent")
	}
	var (
		m       *Member
		changed bool
	)
	err := s.tx(ctx, func(q Queries) error {
		changed = false
		var err error
		if m, err = lockedTeamMember(ctx, q, actor, id); err != nil {
			return err
		}
		if role == RoleOwner && actor.Kind == ActorMember && actor.Role != RoleOwner {
			return Errorf(EForbidden, "only an owner can make another owner")
		}
		if m.Role == role {
			return nil
		}
		if m.Role == RoleOwner {
			n, err := otherOwners(ctx, q, m.TenantID, m.ID)
			if err != nil {
				return err
			}
			if n == 0 {
				return Errorf(EConflict, "the last owner cannot be demoted: make another member an owner first")
			}
		}
		from := m.Role
		m.Role, m.RoleChangedAt, changed = role, s.now(), true
		if err := q.UpdateMember(ctx, m); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "member.role", Subject: fmt.Sprintf("member:%d", m.ID),
			Data: mustJSON(map[string]any{"from": from, "to": role}), CreatedAt: m.RoleChangedAt})
	})
	if err != nil {
		return nil, err
	}
	if changed {
		s.publishSessionsChanged(ctx, m.TenantID, m.ID)
	}
	return m, nil
}

// RemoveMember removes member id from the workspace with their sessions;
// their websockets close within a minute, conversations and tickets
// assigned to them become unassigned, and their messages stay. Owners and
// admins remove members; only owners remove owners (EForbidden); the last
// owner cannot be removed (EConflict).
func (s *Service) RemoveMember(ctx context.Context, actor Actor, id int64) error {
	var (
		m *Member
		o outbox
	)
	err := s.tx(ctx, func(q Queries) error {
		o = outbox{}
		var err error
		if m, err = lockedTeamMember(ctx, q, actor, id); err != nil {
			return err
		}
		if m.Role == RoleOwner {
			n, err := otherOwners(ctx, q, m.TenantID, m.ID)
			if err != nil {
				return err
			}
			if n == 0 {
				return Errorf(EConflict, "the last owner cannot be removed: make another member an owner first")
			}
		}
		if err := s.unassignAll(ctx, q, m, &o); err != nil {
			return err
		}
		if err := q.DeleteMember(ctx, m.ID); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "member.remove", Subject: fmt.Sprintf("member:%d", m.ID),
			Data: mustJSON(map[string]any{"email": m.Email, "role": m.Role}), CreatedAt: s.now()})
	})
	if err != nil {
		return err
	}
	s.publish(ctx, &o)
	s.publishSessionsChanged(ctx, m.TenantID, m.ID)
	return nil
}

// unassignAll unassigns the member's tickets and conversations, so that
// every dashboard sees them become unassigned (the store would clear the
// references on delete, but silently).
func (s *Service) unassignAll(ctx context.Context, q Queries, m *Member, o *outbox) error {
	now := s.now()
	for {
		tickets, err := q.FindTickets(ctx, TicketFilter{TenantID: m.TenantID, AssigneeID: m.ID, Limit: 200})
		if err != nil {
			return err
		}
		for _, t := range tickets {
			t.AssigneeID = 0
			t.touch(now)
			if err := stale(q.UpdateTicket(ctx, t)); err != nil {
				return err
			}
			o.ticket(t)
		}
		convs, err := q.FindConversations(ctx, ConversationFilter{TenantID: m.TenantID, AssigneeID: m.ID, Limit: 200})
		if err != nil {
			return err
		}
		for _, c := range convs {
			c.AssigneeID, c.UpdatedAt = 0, now
			if err := stale(q.UpdateConversation(ctx, c)); err != nil {
				return err
			}
			o.conversation(c)
		}
		if len(tickets) == 0 && len(convs) == 0 {
			return nil
		}
	}
}
