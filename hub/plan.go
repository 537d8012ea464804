package hub

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Plans. A workspace is on one of them; the plan decides which features
// it has (PlanFeatures). The platform's operator sets it (`parley plan`),
// and so do platform staff (SetPlan, the dashboard's Workspaces page).
const (
	PlanFree       = "free"
	PlanStandard   = "standard"
	PlanPro        = "pro"
	PlanEnterprise = "enterprise"
)

// DefaultPlan is a new workspace's plan (sign-up, `parley user add
// -tenant`, the demo). Parley is self-hosted: a workspace that could not
// put the chat on its site right after sign-up would look broken, so new
// workspaces start with the widget and tickets; the operator (or staff)
// moves a workspace to a smaller plan when that is what it pays for.
const DefaultPlan = PlanPro

// Features a plan may include.
const (
	// FeatureWidget is the chat widget on the workspace's sites (004
	// "FEATURE_LOCKED": Pro or Enterprise).
	FeatureWidget = "widget"
	// FeatureTickets is support tickets (003 "Standard & Pro Plans").
	FeatureTickets = "tickets"
)

// Plans lists the plans from the smallest up.
var Plans = []string{PlanFree, PlanStandard, PlanPro, PlanEnterprise}

// planFeatures is the one table of what each plan includes
// (TestPlanFeatures checks it cell by cell, docs/architecture.md "Plans"
// says the same).
var planFeatures = map[string][]string{
	PlanFree:       {},
	PlanStandard:   {FeatureTickets},
	PlanPro:        {FeatureWidget, FeatureTickets},
	PlanEnterprise: {FeatureWidget, FeatureTickets},
}

// ValidPlan reports whether plan is one of Plans.
func ValidPlan(plan string) bool {
	_, ok := planFeatures[plan]
	return ok
}

// PlanFeatures returns what plan includes; nothing for an unknown plan.
func PlanFeatures(plan string) []string {
	return slices.Clone(planFeatures[plan])
}

// PlanHas reports whether plan includes feature.
func PlanHas(plan, feature string) bool {
	return slices.Contains(planFeatures[plan], feature)
}

// Has reports whether the workspace has feature. The platform's own
// tenant is not a customer: its support site and tickets are never
// locked, whatever its plan column says.
func (t *Tenant) Has(feature string) bool {
	return t.Platform || PlanHas(t.Plan, feature)
}

// Features lists the workspace's features, for the dashboard.
func (t *Tenant) Features() []string {
	if t.Platform {
		return PlanFeatures(PlanEnterprise)
	}
	return PlanFeatures(t.Plan)
}

// TicketsOn reports whether a site takes new tickets: its tickets are on
// and its workspace's plan includes them. The assistant hands off only
// then (otherwise it says it cannot, as with tickets off), and the widget
// offers its ticket form only then.
func TicketsOn(site *Site, t *Tenant) bool {
	return site.TicketsEnabled && t.Has(FeatureTickets)
}

// featureNames are the features as the messages below name them.
var featureNames = map[string]string{FeatureWidget: "the chat widget", FeatureTickets: "tickets"}

// planNames are the plans as people write them.
var planNames = map[string]string{PlanFree: "Free", PlanStandard: "Standard", PlanPro: "Pro", PlanEnterprise: "Enterprise"}

// PlanName is a plan as people write it ("Standard").
func PlanName(plan string) string {
	if n, ok := planNames[plan]; ok {
		return n
	}
	return plan
}

// plansWith names the plans that include feature: "Pro or Enterprise".
func plansWith(feature string) string {
	var names []string
	for _, p := range Plans {
		if PlanHas(p, feature) {
			names = append(names, PlanName(p))
		}
	}
	switch len(names) {
	case 0:
		return "no plan"
	case 1:
		return names[0]
	}
	out := names[0]
	for i, n := range names[1:] {
		if i == len(names)-2 {
			out += " or " + n
		} else {
			out += ", " + n
		}
	}
	return out
}

// LockedText says that a workspace's plan lacks feature and what to do.
// It is the fix of FEATURE_LOCKED and the message of the errors below.
func LockedText(plan, feature string) string {
	return fmt.Sprintf("The workspace's plan (%s) does not include %s, which needs %s: upgrade the plan "+
		"(write to the platform's team in Support, in the dashboard).", PlanName(plan), featureNames[feature], plansWith(feature))
}

// lockedError refuses an action that needs a feature the workspace's plan
// lacks (EForbidden, ReasonFeatureLocked).
func lockedError(t *Tenant, feature string) error {
	return Reasonf(EForbidden, ReasonFeatureLocked, "%s", LockedText(t.Plan, feature))
}

// requireFeature returns lockedError unless the tenant has feature.
func requireFeature(ctx context.Context, q Queries, tenantID int64, feature string) error {
	t, err := q.FindTenantByID(ctx, tenantID)
	if err != nil {
		return err
	}
	if !t.Has(feature) {
		return lockedError(t, feature)
	}
	return nil
}

// EventWorkspacePlan tells a workspace's dashboards its new plan
// (PlanData), on its inbox topic, so that what the plan locks shows as
// locked at once.
const EventWorkspacePlan = "workspace.plan"

// PlanData is the data of EventWorkspacePlan, and the workspace part of
// GET /api/v1/me.
type PlanData struct {
	Plan     string   `json:"plan"`
	Features []string `json:"features"`
}

// SetPlan puts a workspace on plan. Platform staff (not as viewers of a
// workspace) may set the plan of any customer's workspace, open support
// access or not: the plan is the platform's business, not the workspace's
// data, and nothing of the workspace is shown. The operator does it with
// `parley plan` (an ActorSystem). The platform's own tenant has no plan to
// set (EInvalid). The change is audited in the workspace's log
// ("workspace.plan", from and to) and bumps the version of each of its
// sites in the same transaction; after the commit every node hears each
// site's new gate (EventSiteGate: a plan without the widget closes the
// chat at once) and the workspace's dashboards the plan
// (EventWorkspacePlan). Setting the plan it has changes nothing.
func (s *Service) SetPlan(ctx context.Context, actor Actor, tenantID int64, plan string) (*Tenant, error) {
	staff := actor.IsMember() && actor.Staff && !actor.ReadOnly
	if !staff && actor.Kind != ActorSystem {
		return nil, Errorf(EForbidden, "only platform staff set plans")
	}
	if !ValidPlan(plan) {
		return nil, Errorf(EInvalid, "plan must be one of %s", strings.Join(Plans, ", "))
	}
	var (
		t *Tenant
		o outbox
	)
	err := s.tx(ctx, func(q Queries) error {
		o = outbox{}
		var err error
		if t, err = q.FindTenantByID(ctx, tenantID); err != nil {
			return err
		}
		if t.Platform {
			return Errorf(EInvalid, "the platform's own workspace has no plan: it is not a customer")
		}
		if t.Plan == plan {
			return nil
		}
		from := t.Plan
		if err := q.UpdateTenantPlan(ctx, t.ID, plan); err != nil {
			return err
		}
		t.Plan = plan
		sites, err := q.TouchSites(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, site := range sites {
			o.gate(GateOf(site, t))
		}
		o.add(Event{Type: EventWorkspacePlan, TenantID: t.ID, Data: mustJSON(PlanData{Plan: plan, Features: t.Features()})},
			TopicInbox(t.ID))
		kind := ActorSystem
		if staff {
			kind = ActorStaff
		}
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: t.ID, ActorKind: kind, ActorID: actor.ID, Action: "workspace.plan",
			Subject: fmt.Sprintf("tenant:%d", t.ID), Data: mustJSON(map[string]string{"from": from, "to": plan}), CreatedAt: s.now()})
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, &o)
	return t, nil
}

// TenantFilter pages through the customers' workspaces (FindTenants).
type TenantFilter struct {
	BeforeID int64 // 0: from the newest
	Limit    int
}

// WorkspacePage is the size of a page of Workspaces.
const WorkspacePage = 50

// Workspaces lists the customers' workspaces with their plans, newest
// first, WorkspacePage at a time (staff only: the Workspaces page's plan
// list).
func (s *Service) Workspaces(ctx context.Context, staff Actor, beforeID int64) ([]Workspace, error) {
	if !staff.IsMember() || !staff.Staff || staff.ReadOnly {
		return nil, Errorf(EForbidden, "only platform staff list workspaces")
	}
	if beforeID < 0 {
		return nil, Errorf(EInvalid, "before must be a workspace id")
	}
	ts, err := s.Store.FindTenants(ctx, TenantFilter{BeforeID: beforeID, Limit: WorkspacePage})
	if err != nil {
		return nil, err
	}
	out := make([]Workspace, 0, len(ts))
	for _, t := range ts {
		out = append(out, Workspace{ID: t.ID, Name: t.Name, Plan: t.Plan})
	}
	return out, nil
}

// WorkspaceOf returns the workspace the member acts in (a staff viewer:
// the workspace viewed), for what the dashboard shows of its plan.
func (s *Service) WorkspaceOf(ctx context.Context, actor Actor) (*Tenant, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members have a workspace")
	}
	return s.Store.FindTenantByID(ctx, actor.TenantID)
}
