package hub

import (
	"context"
	"time"
)

// Support access (000 "Support access to your account"): a workspace's
// owners and admins open or close it, and while it is open platform staff
// find the workspace (SupportWorkspaces) and view it read-only
// (SupportViewer). The audit of what staff viewed is in support_audit.go.

// SupportAccessOf returns the actor's workspace's support access (owners
// and admins).
func (s *Service) SupportAccessOf(ctx context.Context, actor Actor) (SupportAccess, error) {
	if err := canContactSupport(actor); err != nil {
		return SupportAccess{}, err
	}
	t, err := s.Store.FindTenantByID(ctx, actor.TenantID)
	if err != nil {
		return SupportAccess{}, err
	}
	if !t.SupportAccess.OpenAt(s.now()) {
		return SupportAccess{}, nil
	}
	return t.SupportAccess, nil
}

// MaxSupportAccess is the longest limited grant; longer is "until turned off".
const MaxSupportAccess = 30 * 24 * time.Hour

// SetSupportAccess opens (for a duration, or 0 for until turned off) or
// closes staff's access to the actor's workspace (000 "Support access to
// your account"). Owners and admins only. Closing ends staff sessions in
// the workspace: their requests are refused at once, their sockets close
// within a minute (at once through EventSupportAccess).
func (s *Service) SetSupportAccess(ctx context.Context, actor Actor, open bool, duration time.Duration) (SupportAccess, error) {
	if err := canContactSupport(actor); err != nil {
		return SupportAccess{}, err
	}
	if duration < 0 || duration > MaxSupportAccess {
		return SupportAccess{}, Errorf(EInvalid, "access can be opened for up to 30 days, or until turned off")
	}
	now := s.now()
	a := SupportAccess{Open: open}
	if open && duration > 0 {
		until := now.Add(duration)
		a.Until = &until
	}
	err := s.tx(ctx, func(q Queries) error {
		if err := q.UpdateSupportAccess(ctx, actor.TenantID, a); err != nil {
			return err
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: actor.TenantID, ActorKind: actor.Kind, ActorID: actor.ID, TokenID: actor.TokenID,
			Action: "support.access", Subject: SupportAuditSubject, Data: mustJSON(a), CreatedAt: now})
	})
	if err != nil {
		return SupportAccess{}, err
	}
	var o outbox
	o.add(Event{Type: EventSupportAccess, TenantID: actor.TenantID, Data: mustJSON(a)}, TopicInbox(actor.TenantID))
	s.publish(ctx, &o)
	return a, nil
}

// EventSupportAccess tells a workspace's dashboards (and the realtime
// nodes, which re-check staff sockets viewing it) that its support access
// changed; Data is the SupportAccess.
const EventSupportAccess = "support.access"

// SupportViewer turns a staff member into a read-only viewer of a
// workspace whose support access is open: a member actor of that tenant
// with Staff and ReadOnly set. EForbidden when the caller is not staff or
// the access is closed (or has expired).
func (s *Service) SupportViewer(ctx context.Context, staff Actor, tenantID int64) (Actor, error) {
	if !staff.IsMember() || !staff.Staff || staff.ReadOnly {
		return Actor{}, Errorf(EForbidden, "only platform staff view workspaces")
	}
	t, err := s.Store.FindTenantByID(ctx, tenantID)
	if IsCode(err, ENotFound) || err == nil && t.Platform {
		return Actor{}, Errorf(EForbidden, "support access to this workspace is closed")
	}
	if err != nil {
		return Actor{}, err
	}
	if !t.SupportAccess.OpenAt(s.now()) {
		return Actor{}, Errorf(EForbidden, "support access to this workspace is closed")
	}
	return Actor{Kind: ActorMember, ID: staff.ID, TenantID: tenantID, Role: RoleAgent, Staff: true, ReadOnly: true,
		HomeTenantID: staff.TenantID}, nil
}

// Workspace is a workspace as staff see it: one they may look into now
// (SupportWorkspaces), or one of the plan list (Workspaces).
type Workspace struct {
	ID    int64      `json:"id"`
	Name  string     `json:"name"`
	Until *time.Time `json:"until,omitempty"`
	// Plan is set in Workspaces' list (plan.go).
	Plan string `json:"plan,omitempty"`
}

// SupportWorkspaces lists the workspaces whose access is open (staff only).
func (s *Service) SupportWorkspaces(ctx context.Context, staff Actor) ([]Workspace, error) {
	if !staff.IsMember() || !staff.Staff || staff.ReadOnly {
		return nil, Errorf(EForbidden, "only platform staff view workspaces")
	}
	ts, err := s.Store.FindTenantsWithSupportAccess(ctx, s.now())
	if err != nil {
		return nil, err
	}
	out := make([]Workspace, 0, len(ts))
	for _, t := range ts {
		out = append(out, Workspace{ID: t.ID, Name: t.Name, Until: t.SupportAccess.Until})
	}
	return out, nil
}
