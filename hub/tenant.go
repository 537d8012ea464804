package hub

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Tenant is a workspace: the unit of isolation. Nothing crosses tenants.
type Tenant struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Plan decides the workspace's features (plan.go).
	Plan string `json:"plan"`
	// Platform marks the platform's own tenant: its members are staff,
	// its tickets the support requests of every other tenant.
	Platform bool `json:"platform,omitempty"`
	// SupportAccess says whether staff may look into this workspace.
	SupportAccess SupportAccess `json:"support_access"`
	CreatedAt     time.Time     `json:"created_at"`
}

// SupportAccess is a tenant's grant to platform staff (000 "Support access
// to your account"): while open, staff may view the workspace read-only.
type SupportAccess struct {
	Open bool `json:"open"`
	// Until closes the access by itself; nil: open until turned off.
	Until *time.Time `json:"until,omitempty"`
}

// OpenAt reports whether the access is open at now.
func (a SupportAccess) OpenAt(now time.Time) bool {
	return a.Open && (a.Until == nil || now.Before(*a.Until))
}

// NewAccount is what `parley user add` and sign-up need to create a tenant
// with its owner.
type NewAccount struct {
	TenantName string
	Email      string
	Name       string
	Password   string
	Plan       string // "" means DefaultPlan
}

// CreateTenant creates a tenant and its owner in one transaction.
func (s *Service) CreateTenant(ctx context.Context, in NewAccount) (*Tenant, *Member, error) {
	name := strings.TrimSpace(in.TenantName)
	if name == "" || len(name) > 100 {
		return nil, nil, Errorf(EInvalid, "workspace name must be 1 to 100 characters")
	}
	plan := in.Plan
	if plan == "" {
		plan = DefaultPlan
	}
	if !ValidPlan(plan) {
		return nil, nil, Errorf(EInvalid, "plan must be one of %s", strings.Join(Plans, ", "))
	}
	owner, err := s.newMember(NewMember{Email: in.Email, Name: in.Name, Password: in.Password, Role: RoleOwner})
	if err != nil {
		return nil, nil, err
	}
	t := &Tenant{Name: name, Plan: plan, CreatedAt: s.now()}
	err = s.tx(ctx, func(q Queries) error {
		if err := q.CreateTenant(ctx, t); err != nil {
			return err
		}
		owner.TenantID = t.ID
		if err := q.CreateMember(ctx, owner); err != nil {
			return emailTaken(err)
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.ID, ActorKind: ActorSystem, Action: "tenant.create",
			Subject: fmt.Sprintf("member:%d", owner.ID), CreatedAt: t.CreatedAt})
	})
	if err != nil {
		return nil, nil, err
	}
	return t, owner, nil
}

func emailTaken(err error) error {
	if IsCode(err, EConflict) {
		return Errorf(EConflict, "a member with this email already exists")
	}
	return err
}
