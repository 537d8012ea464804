package hub

import (
	"context"
	"fmt"
	"strconv"
)

// The support section (000, 001): owners and admins of a workspace open
// tickets with the platform's team, and platform staff answer them.
//
// It reuses the ticket and conversation engine. Staff are the members of
// the platform tenant (Tenant.Platform), so their inbox is that tenant's
// ordinary ticket list. A workspace is, on the platform's side, one visitor
// of the platform's "Support" site (external id "workspace:<id>"): each
// support ticket is a ticket of the platform tenant with its own
// conversation of that visitor, and the workspace's owners and admins
// write as that visitor (RequesterActor), on behalf of themselves
// (Actor.OnBehalf names them on their messages). So unread counts,
// statuses, attachments, live events and emails all work as they do for
// a site's visitors, with the visitor's view: never staff notes or traces.
//
// This file holds the section's constants, the platform tenant and its
// staff, and the requester actor. The rest: support_ticket.go (a
// workspace's tickets), support_access.go (its grant of access to staff),
// support_policy.go (the team's hours and response targets),
// support_review.go (the review of an AI response) and support_audit.go
// (the audit of grants and of staff's views).

// Support queues: the tickets of the platform tenant that workspaces open.
const (
	QueueSupport  = "support"   // "+ New ticket" in Support
	QueueAIReview = "ai_review" // the four-step review of an AI response
)

// Request types of support tickets, which set their response targets
// (001 "Response times").
const (
	RequestCritical = "critical" // platform down, unexpected charges
	RequestQuestion = "question" // configuration or feature question
	RequestFeature  = "feature"  // feature request or suggestion
	RequestReview   = "review"   // an AI response review
)

// Support statuses, as a workspace sees its tickets (001 "Ticket statuses"):
// on_customer is every active status of the ticket model, done is
// resolved and closed.
const (
	SupportOnCustomer = "on_customer"
	SupportDone       = "done"
)

// platformTenantName and supportSiteName name what EnsurePlatform creates.
const (
	platformTenantName = "Parley support"
	supportSiteName    = "Support"
)

// EnsurePlatform returns the platform tenant and its Support site, creating
// them on first use (by `parley user add --staff` or the first support
// ticket). Nodes racing to create them agree: the store allows one.
func (s *Service) EnsurePlatform(ctx context.Context) (*Tenant, *Site, error) {
	for range 2 {
		t, err := s.Store.FindPlatformTenant(ctx)
		if err == nil {
			sites, err := s.Store.FindSites(ctx, t.ID)
			if err != nil {
				return nil, nil, err
			}
			if len(sites) == 0 {
				return nil, nil, Errorf(EInternal, "the platform tenant has no support site")
			}
			return t, sites[0], nil
		}
		if !IsCode(err, ENotFound) {
			return nil, nil, err
		}
		err = s.tx(ctx, func(q Queries) error {
			now := s.now()
			t := &Tenant{Name: platformTenantName, Plan: PlanPro, Platform: true, CreatedAt: now}
			if err := q.CreateTenant(ctx, t); err != nil {
				return err
			}
			site := &Site{TenantID: t.ID, Key: "site_" + RandomToken(12), Name: supportSiteName, AllowedOrigins: []string{},
				IdentitySecret: RandomToken(32), TicketsEnabled: true, CreatedAt: now, UpdatedAt: now}
			if err := q.CreateSite(ctx, site); err != nil {
				return err
			}
			return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.ID, ActorKind: ActorSystem, Action: "tenant.create",
				Subject: "platform", CreatedAt: now})
		})
		if err != nil && !IsCode(err, EConflict) {
			return nil, nil, err
		}
	}
	return nil, nil, Errorf(EUnavailable, "the platform tenant could not be created: try again")
}

// AddStaff adds a member to the platform tenant (`parley user add
// -staff`). Without a role, the first staff member is its owner (who
// manages the staff and gets the new-ticket emails), the others agents.
func (s *Service) AddStaff(ctx context.Context, in NewMember) (*Member, error) {
	t, _, err := s.EnsurePlatform(ctx)
	if err != nil {
		return nil, err
	}
	if in.Role == "" {
		staff, err := s.Store.FindMembers(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		in.Role = RoleAgent
		if len(staff) == 0 {
			in.Role = RoleOwner
		}
	}
	m, err := s.newMember(in)
	if err != nil {
		return nil, err
	}
	m.TenantID = t.ID
	err = s.tx(ctx, func(q Queries) error {
		if err := q.CreateMember(ctx, m); err != nil {
			return emailTaken(err)
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.ID, ActorKind: ActorSystem, Action: "member.add",
			Subject: fmt.Sprintf("member:%d", m.ID), Data: mustJSON(map[string]any{"email": m.Email, "role": m.Role}), CreatedAt: s.now()})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// canContactSupport allows a workspace's owners and admins (not staff).
func canContactSupport(actor Actor) error {
	if err := actor.Person(); err != nil {
		return err
	}
	if !actor.IsMember() || actor.Staff || actor.ReadOnly {
		return Errorf(EForbidden, "only a workspace's members contact support")
	}
	if actor.Role != RoleOwner && actor.Role != RoleAdmin {
		return Errorf(EForbidden, "only owners and admins contact support")
	}
	return nil
}

// workspaceExternalID is the platform-side visitor id of a workspace.
func workspaceExternalID(tenantID int64) string {
	return "workspace:" + strconv.FormatInt(tenantID, 10)
}

// RequesterActor turns an owner or admin into their workspace's visitor of
// the platform's Support site, acting on their behalf: the actor of every
// support read and write, through REST and the /ws/support socket. The
// visitor is created on first use. EForbidden for agents and staff.
func (s *Service) RequesterActor(ctx context.Context, member Actor) (Actor, error) {
	if err := canContactSupport(member); err != nil {
		return Actor{}, err
	}
	return s.requesterActor(ctx, member)
}

func (s *Service) requesterActor(ctx context.Context, member Actor) (Actor, error) {
	platform, site, err := s.EnsurePlatform(ctx)
	if err != nil {
		return Actor{}, err
	}
	ext := workspaceExternalID(member.TenantID)
	v, err := s.Store.FindVisitorByExternalID(ctx, site.ID, ext)
	if IsCode(err, ENotFound) {
		err = s.tx(ctx, func(q Queries) error {
			// The tenant row lock makes concurrent first uses agree.
			if err := q.LockTeam(ctx, platform.ID); err != nil {
				return err
			}
			if v, err = q.FindVisitorByExternalID(ctx, site.ID, ext); err == nil || !IsCode(err, ENotFound) {
				return err
			}
			ws, err := q.FindTenantByID(ctx, member.TenantID)
			if err != nil {
				return err
			}
			now := s.now()
			v = &Visitor{TenantID: platform.ID, SiteID: site.ID, AnonymousID: "anon_" + RandomToken(16), ExternalID: ext,
				Name: ws.Name, FirstSeen: now, LastSeen: now}
			return q.CreateVisitor(ctx, v)
		})
	}
	if err != nil {
		return Actor{}, err
	}
	return Actor{Kind: ActorVisitor, ID: v.ID, TenantID: platform.ID, SiteID: site.ID, Verified: true,
		OnBehalf: member.ID, HomeTenantID: member.TenantID}, nil
}
