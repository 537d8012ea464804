package hub

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Invite asks someone, by email, to join a workspace with a role. Only a
// hash of its token is stored; the token is in the emailed link.
type Invite struct {
	ID        int64     `json:"id"`
	TenantID  int64     `json:"tenant_id"`
	Email     string    `json:"email"`
	Role      Role      `json:"role"`
	TokenHash string    `json:"-"`
	InvitedBy int64     `json:"invited_by"`
	ExpiresAt time.Time `json:"expires_at"`
	// AcceptedAt is zero while the invite is pending.
	AcceptedAt time.Time `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
}

// pending reports whether the invite can still be accepted at now.
func (i *Invite) pending(now time.Time) bool { return i.AcceptedAt.IsZero() && now.Before(i.ExpiresAt) }

// NewInvite describes an invitation to send.
type NewInvite struct {
	TenantID int64  `json:"-"`
	Email    string `json:"email"`
	Role     Role   `json:"role"`
}

// InviteInfo is what the accept page shows of a pending invite.
type InviteInfo struct {
	Workspace string `json:"workspace"`
	Email     string `json:"email"`
	Role      Role   `json:"role"`
}

// CreateInvite invites in.Email to the workspace with in.Role and mails
// them a link valid for InviteTTL. Owners and admins invite; only owners
// invite owners (EForbidden). An email that already has an account is
// EConflict. A new invite to the same email replaces the pending one, whose
// link stops working.
func (s *Service) CreateInvite(ctx context.Context, actor Actor, in NewInvite) (*Invite, error) {
	if err := canManageTeam(actor, in.TenantID); err != nil {
		return nil, err
	}
	if !in.Role.Valid() {
		return nil, Errorf(EInvalid, "role must be owner, admin or agent")
	}
	if in.Role == RoleOwner && actor.Kind == ActorMember && actor.Role != RoleOwner {
		return nil, Errorf(EForbidden, "only an owner can invite another owner")
	}
	email := normalizeEmail(in.Email)
	if !validEmail(email) {
		return nil, Errorf(EInvalid, "email %q is not a valid address", in.Email)
	}
	now := s.now()
	token := RandomToken(32)
	inv := &Invite{TenantID: in.TenantID, Email: email, Role: in.Role, TokenHash: HashToken(token), InvitedBy: actor.ID,
		ExpiresAt: now.Add(InviteTTL), CreatedAt: now}
	err := s.tx(ctx, func(q Queries) error {
		tenant, err := q.FindTenantByID(ctx, in.TenantID)
		if err != nil {
			return err
		}
		if _, err := q.FindMemberByEmail(ctx, email); err == nil {
			return Errorf(EConflict, "%s already has an account", email)
		} else if !IsCode(err, ENotFound) {
			return err
		}
		invites, err := q.FindInvites(ctx, in.TenantID)
		if err != nil {
			return err
		}
		for _, old := range invites {
			if old.Email == email {
				if err := q.DeleteInvite(ctx, old.ID); err != nil {
					return err
				}
			}
		}
		if err := q.CreateInvite(ctx, inv); err != nil {
			return err
		}
		inviter, replyTo := "The "+tenant.Name+" team", ""
		lang := "en"
		if actor.Kind == ActorMember {
			m, err := q.FindMemberByID(ctx, actor.ID)
			if err != nil {
				return err
			}
			inviter, replyTo, lang = m.Name, m.Email, memberLanguage(m)
		}
		text := accountTexts[lang]
		body := fmt.Sprintf(text.inviteBody, inviter, tenant.Name, inv.Role, s.link("/invite", token))
		if err := q.CreateEmail(ctx, &Email{TenantID: in.TenantID, Kind: EmailInvite, To: email, ReplyTo: replyTo,
			Subject: oneLine(fmt.Sprintf(text.inviteSubject, inviter, tenant.Name)), Body: body, Status: EmailPending,
			NextAttemptAt: now, CreatedAt: now}); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: in.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "invite.create", Subject: fmt.Sprintf("invite:%d", inv.ID),
			Data: mustJSON(map[string]any{"email": email, "role": inv.Role}), CreatedAt: now})
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// Invites returns the workspace's pending invites (neither accepted nor
// expired), oldest first. Owners and admins only.
func (s *Service) Invites(ctx context.Context, actor Actor, tenantID int64) ([]*Invite, error) {
	if err := canManageTeam(actor, tenantID); err != nil {
		return nil, err
	}
	all, err := s.Store.FindInvites(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []*Invite{}
	for _, inv := range all {
		if inv.pending(now) {
			out = append(out, inv)
		}
	}
	return out, nil
}

// RevokeInvite deletes a pending invite; its link stops working. An invite
// of another workspace is ENotFound; only owners revoke invites of owners.
func (s *Service) RevokeInvite(ctx context.Context, actor Actor, id int64) error {
	return s.tx(ctx, func(q Queries) error {
		inv, err := q.FindInviteByID(ctx, id)
		if err != nil {
			return err
		}
		if actor.Kind != ActorSystem && inv.TenantID != actor.TenantID || !inv.AcceptedAt.IsZero() {
			return Errorf(ENotFound, "invite not found")
		}
		if err := canManageTeam(actor, inv.TenantID); err != nil {
			return err
		}
		if inv.Role == RoleOwner && actor.Kind == ActorMember && actor.Role != RoleOwner {
			return Errorf(EForbidden, "only an owner can revoke an invitation of an owner")
		}
		if err := q.DeleteInvite(ctx, inv.ID); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: inv.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "invite.revoke", Subject: fmt.Sprintf("invite:%d", inv.ID),
			Data: mustJSON(map[string]any{"email": inv.Email, "role": inv.Role}), CreatedAt: s.now()})
	})
}

// pendingInvite finds the invite of token; ENotFound unless it is pending.
func (s *Service) pendingInvite(ctx context.Context, q Queries, token string) (*Invite, error) {
	gone := Errorf(ENotFound, "this invitation is invalid, used, revoked or expired: ask for a new one")
	if token == "" {
		return nil, gone
	}
	inv, err := q.FindInviteByTokenHash(ctx, HashToken(token))
	if IsCode(err, ENotFound) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if !inv.pending(s.now()) {
		return nil, gone
	}
	return inv, nil
}

// InviteByToken returns what the accept page shows of a pending invite;
// ENotFound for an unknown, accepted, revoked or expired one.
func (s *Service) InviteByToken(ctx context.Context, token string) (*InviteInfo, error) {
	inv, err := s.pendingInvite(ctx, s.Store, token)
	if err != nil {
		return nil, err
	}
	tenant, err := s.Store.FindTenantByID(ctx, inv.TenantID)
	if err != nil {
		return nil, err
	}
	return &InviteInfo{Workspace: tenant.Name, Email: inv.Email, Role: inv.Role}, nil
}

// AcceptInvite creates the invited member with name and password, uses up
// the invite and starts their session. ENotFound when the invite is not
// pending (also when a concurrent accept won); EConflict when the email got
// an account meanwhile; EInvalid for a bad password.
func (s *Service) AcceptInvite(ctx context.Context, token, name, password string) (string, *Member, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > maxNameLength {
		return "", nil, Errorf(EInvalid, "name must be 1 to %d characters", maxNameLength)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", nil, err
	}
	var m *Member
	err = s.tx(ctx, func(q Queries) error {
		inv, err := s.pendingInvite(ctx, q, token)
		if err != nil {
			return err
		}
		m = &Member{TenantID: inv.TenantID, Email: inv.Email, Name: name, Role: inv.Role, PasswordHash: hash, CreatedAt: s.now()}
		if err := q.AcceptInvite(ctx, inv.ID, m.CreatedAt); IsCode(err, ENotFound) {
			return Errorf(ENotFound, "this invitation was used already")
		} else if err != nil {
			return err
		}
		if err := q.CreateMember(ctx, m); err != nil {
			return emailTaken(err)
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: m.TenantID, ActorKind: ActorMember, ActorID: m.ID,
			Action: "member.join", Subject: fmt.Sprintf("member:%d", m.ID),
			Data: mustJSON(map[string]any{"invite": inv.ID, "role": m.Role, "invited_by": inv.InvitedBy}), CreatedAt: m.CreatedAt})
	})
	if err != nil {
		return "", nil, err
	}
	token, err = s.startSession(ctx, m)
	if err != nil {
		return "", nil, err
	}
	return token, m, nil
}
