package hub

import (
	"context"
	"encoding/json"
)

// The workspace's side of support access (000 "Support access to your
// account"): every view of staff, and every grant, is an audit entry of the
// workspace with subject SupportAuditSubject, which its owners and admins
// read in the Support section's activity log.

// SupportAuditSubject is the audit subject of everything support access
// concerns: the grants, and every view and action of staff.
const SupportAuditSubject = "support"

// SupportView is what a staff viewer looked at: a kind of page and, for
// one object, its id. Audit entries of action "support.view" keep it in
// their data, with the viewer's name and email (SupportViewData); the
// dashboard phrases it ("Sam (staff) viewed conversation #22"), so no
// request line is ever shown.
type SupportView struct {
	Kind SupportViewKind `json:"view"`
	// ID is the object's id: the conversation, ticket, site (also for
	// ViewKnowledge, a site's knowledge base), knowledge entry or canned
	// response; 0 for lists.
	ID int64 `json:"id,omitempty"`
}

// SupportViewKind names what a staff viewer looked at; the values are
// stable, as old audit entries keep them.
type SupportViewKind string

// Support view kinds.
const (
	ViewLive            SupportViewKind = "live"             // connected the live socket
	ViewAccount         SupportViewKind = "account"          // opened the dashboard (their own profile)
	ViewConversations   SupportViewKind = "conversations"    // the conversation list
	ViewConversation    SupportViewKind = "conversation"     // one conversation, its messages or export
	ViewTickets         SupportViewKind = "tickets"          // the ticket list
	ViewTicket          SupportViewKind = "ticket"           // one ticket
	ViewSites           SupportViewKind = "sites"            // the site list
	ViewSite            SupportViewKind = "site"             // one site's settings
	ViewKnowledge       SupportViewKind = "knowledge"        // a site's knowledge base (ID: the site)
	ViewKnowledgeEntry  SupportViewKind = "knowledge_entry"  // one knowledge-base entry
	ViewCannedResponses SupportViewKind = "canned_responses" // the canned responses
	ViewCannedResponse  SupportViewKind = "canned_response"  // one canned response
	ViewReports         SupportViewKind = "reports"          // the reports
	ViewVisitor         SupportViewKind = "visitor"          // a visitor's data export (always refused to viewers)
	ViewTeam            SupportViewKind = "team"             // the members and invites
	ViewSupport         SupportViewKind = "support"          // the workspace's support section
	ViewOther           SupportViewKind = "other"            // anything else
)

// SupportViewData is the data of a "support.view" audit entry.
type SupportViewData struct {
	SupportView
	// Staff and Email are the viewer's name and email when they looked.
	Staff string `json:"staff"`
	Email string `json:"email"`
}

// SupportAuditPage is how many entries of the support activity log a page
// holds (GET /api/v1/support/audit).
const SupportAuditPage = 50

// SupportAudit lists what staff did in the actor's workspace and who
// opened and closed access, newest first (owners and admins); limit is
// bounded by AuditPage.
func (s *Service) SupportAudit(ctx context.Context, actor Actor, beforeID int64, limit int) ([]*AuditEntry, error) {
	if err := canContactSupport(actor); err != nil {
		return nil, err
	}
	return s.Store.FindAuditEntries(ctx, AuditFilter{TenantID: actor.TenantID, Subject: SupportAuditSubject, BeforeID: beforeID, Limit: AuditPage.Limit(limit)})
}

// RecordSupportView writes what a staff viewer looked at into the
// workspace's audit log, which its owners read (SupportAudit); nothing for
// anyone else. An unknown kind is recorded as ViewOther.
func (s *Service) RecordSupportView(ctx context.Context, viewer Actor, v SupportView) error {
	if !viewer.ReadOnly {
		return nil
	}
	m, err := s.Store.FindMemberByID(ctx, viewer.ID)
	if err != nil {
		return err
	}
	if !v.Kind.valid() {
		v = SupportView{Kind: ViewOther}
	}
	return s.Store.CreateAuditEntry(ctx, &AuditEntry{TenantID: viewer.TenantID, ActorKind: ActorStaff, ActorID: viewer.ID,
		Action: "support.view", Subject: SupportAuditSubject,
		Data: mustJSON(SupportViewData{SupportView: v, Staff: m.Name, Email: m.Email}), CreatedAt: s.now()})
}

func (k SupportViewKind) valid() bool {
	switch k {
	case ViewLive, ViewAccount, ViewConversations, ViewConversation, ViewTickets, ViewTicket, ViewSites, ViewSite,
		ViewKnowledge, ViewKnowledgeEntry, ViewCannedResponses, ViewCannedResponse, ViewReports, ViewTeam, ViewSupport,
		ViewVisitor, ViewOther:
		return true
	}
	return false
}

// SupportViewOf reads the data of a "support.view" audit entry. Entries
// written before SupportView (data {what, staff, email}, what being a
// request line or "websocket") come back with Kind "" and the line in
// legacy, for the adapter that wrote it to classify.
func SupportViewOf(data json.RawMessage) (d SupportViewData, legacy string, err error) {
	var raw struct {
		SupportViewData
		What string `json:"what"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return SupportViewData{}, "", err
	}
	return raw.SupportViewData, raw.What, nil
}
