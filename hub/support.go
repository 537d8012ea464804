package hub

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// SupportPolicy is how the platform's team works: its business hours
// (PARLEY_SUPPORT_HOURS, PARLEY_SUPPORT_TIME_ZONE) and the response target
// of each request type. The zero value is 09:00–18:00 Monday to Friday,
// Moscow time, with the targets of 001.
type SupportPolicy struct {
	Hours BusinessHours
}

// supportTargets are the response targets: critical requests in hours of
// the clock (they are handled outside the schedule too), the others in
// business time, a business day being one working day's hours.
var supportTargets = map[string]struct {
	clock        time.Duration
	businessDays int
}{
	RequestCritical: {clock: 4 * time.Hour},
	RequestQuestion: {businessDays: 1},
	RequestFeature:  {businessDays: 2},
	RequestReview:   {businessDays: 3},
}

func (p SupportPolicy) hours() BusinessHours {
	h := p.Hours
	if h.TimeZone == "" {
		h.TimeZone = "Europe/Moscow"
	}
	if h.Start == "" || h.End == "" {
		h.Start, h.End = "09:00", "18:00"
	}
	if len(h.Days) == 0 {
		h.Days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	return h
}

// Due is when a request of kind opened at from should have its answer.
func (p SupportPolicy) Due(kind string, from time.Time) time.Time {
	target, ok := supportTargets[kind]
	if !ok {
		target = supportTargets[RequestQuestion]
	}
	if target.clock > 0 {
		return from.Add(target.clock).UTC()
	}
	h := p.hours()
	loc, err := time.LoadLocation(h.TimeZone)
	start, ok1 := clockMinutes(h.Start)
	end, ok2 := clockMinutes(h.End)
	if err != nil || !ok1 || !ok2 || start >= end {
		return from.Add(time.Duration(target.businessDays) * 24 * time.Hour).UTC()
	}
	working := map[time.Weekday]bool{}
	for _, d := range h.Days {
		working[d] = true
	}
	left := time.Duration(target.businessDays) * time.Duration(end-start) * time.Minute
	t := from.In(loc)
	for range 400 { // a year of days at most, whatever the settings
		y, m, d := t.Date()
		open := time.Date(y, m, d, 0, 0, 0, 0, loc).Add(time.Duration(start) * time.Minute)
		close := time.Date(y, m, d, 0, 0, 0, 0, loc).Add(time.Duration(end) * time.Minute)
		if working[t.Weekday()] && t.Before(close) {
			if t.Before(open) {
				t = open
			}
			if t.Add(left).After(close) {
				left -= close.Sub(t)
			} else {
				return t.Add(left).UTC()
			}
		}
		t = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	return t.UTC()
}

// Validate checks the policy at start-up.
func (p SupportPolicy) Validate() error {
	return HandoffSettings{Hours: p.hours()}.Validate()
}

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

// SupportTicket is a support ticket as its workspace sees it.
type SupportTicket struct {
	ID              int64      `json:"id"`
	Ref             string     `json:"ref"`
	Subject         string     `json:"subject"`
	Status          string     `json:"status"` // SupportOnCustomer or SupportDone
	Queue           string     `json:"queue"`
	RequestType     string     `json:"request_type"`
	Priority        string     `json:"priority"`
	Unread          int        `json:"unread"`
	ConversationID  int64      `json:"conversation_id"`
	FollowsTicketID int64      `json:"follows_ticket_id,omitempty"`
	DueAt           *time.Time `json:"due_at,omitempty"`
	LastActivityAt  time.Time  `json:"last_activity_at"`
	CreatedAt       time.Time  `json:"created_at"`
}

func supportView(t *Ticket) SupportTicket {
	status := SupportOnCustomer
	if !t.Status.Active() {
		status = SupportDone
	}
	return SupportTicket{ID: t.ID, Ref: t.Ref(), Subject: t.Subject, Status: status, Queue: t.Queue,
		RequestType: t.RequestType, Priority: t.Priority, Unread: t.RequesterUnread, ConversationID: t.ConversationID,
		FollowsTicketID: t.FollowsTicketID, DueAt: t.DueAt, LastActivityAt: t.LastActivityAt, CreatedAt: t.CreatedAt}
}

// SupportFilter selects a workspace's support tickets, newest first.
type SupportFilter struct {
	Status   string // "", SupportOnCustomer or SupportDone
	Query    string // words of the title
	BeforeID int64
	Limit    int
}

// SupportTickets lists the actor's workspace's support tickets (001
// "Search and filtering").
func (s *Service) SupportTickets(ctx context.Context, actor Actor, f SupportFilter) ([]SupportTicket, error) {
	if err := canContactSupport(actor); err != nil {
		return nil, err
	}
	tf := TicketFilter{RequesterTenantID: actor.TenantID, Query: f.Query, BeforeID: f.BeforeID, Limit: f.Limit}
	switch f.Status {
	case "":
	case SupportOnCustomer:
		tf.Statuses = []TicketStatus{TicketOpen, TicketInProgress, TicketOnCustomer}
	case SupportDone:
		tf.Statuses = []TicketStatus{TicketResolved, TicketClosed}
	default:
		return nil, Errorf(EInvalid, "status must be on_customer or done")
	}
	platform, err := s.Store.FindPlatformTenant(ctx)
	if IsCode(err, ENotFound) {
		return []SupportTicket{}, nil // no support ticket was ever opened
	}
	if err != nil {
		return nil, err
	}
	tf.TenantID = platform.ID
	tickets, err := s.Store.FindTickets(ctx, tf)
	if err != nil {
		return nil, err
	}
	out := make([]SupportTicket, len(tickets))
	for i, t := range tickets {
		out[i] = supportView(t)
	}
	return out, nil
}

// supportTicket finds one of the actor's workspace's support tickets;
// ENotFound for anyone else's.
func (s *Service) supportTicket(ctx context.Context, q Queries, actor Actor, id int64) (*Ticket, error) {
	if err := canContactSupport(actor); err != nil {
		return nil, err
	}
	t, err := q.FindTicketByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if t.RequesterTenantID != actor.TenantID || t.Queue == "" {
		return nil, Errorf(ENotFound, "ticket not found")
	}
	return t, nil
}

// SupportTicket returns one support ticket of the actor's workspace.
func (s *Service) SupportTicket(ctx context.Context, actor Actor, id int64) (*SupportTicket, error) {
	t, err := s.supportTicket(ctx, s.Store, actor, id)
	if err != nil {
		return nil, err
	}
	v := supportView(t)
	return &v, nil
}

// SupportConversation returns the requester actor and the conversation of
// one of the workspace's support tickets: what the REST adapter needs to
// read, send, upload and mark read through the ordinary methods, which
// then apply every rule of a visitor's conversation (a done ticket
// refuses messages: ticketAfterMessage).
func (s *Service) SupportConversation(ctx context.Context, actor Actor, ticketID int64) (Actor, int64, error) {
	t, err := s.supportTicket(ctx, s.Store, actor, ticketID)
	if err != nil {
		return Actor{}, 0, err
	}
	r, err := s.requesterActor(ctx, actor)
	if err != nil {
		return Actor{}, 0, err
	}
	return r, t.ConversationID, nil
}

// NewSupportTicket is "+ New ticket" (001 "How to create a new ticket").
type NewSupportTicket struct {
	Subject     string
	Body        string
	RequestType string // "": RequestQuestion
	// FollowsTicketID names a done ticket this one continues.
	FollowsTicketID int64
}

// urgentTitle reports whether a title asks for urgency ("URGENT: …").
func urgentTitle(subject string) bool {
	return strings.Contains(strings.ToUpper(subject), "URGENT") || strings.Contains(strings.ToUpper(subject), "СРОЧНО")
}

// OpenSupportTicket opens a support ticket for the actor's workspace: the
// first message in a new conversation, then the ticket, which the
// workspace sees as On Customer. "URGENT" in the title makes it urgent and
// critical; the request type sets the due time.
func (s *Service) OpenSupportTicket(ctx context.Context, actor Actor, in NewSupportTicket) (*SupportTicket, error) {
	if err := canContactSupport(actor); err != nil {
		return nil, err
	}
	in.Subject, in.Body = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Body)
	switch {
	case in.Subject == "" || utf8.RuneCountInString(in.Subject) > 200:
		return nil, Errorf(EInvalid, "title must be 1 to 200 characters")
	case in.Body == "":
		return nil, Errorf(EInvalid, "write the first message: what happened or what you need")
	case len(in.Body) > MaxBodyBytes || !utf8.ValidString(in.Body):
		return nil, Errorf(EInvalid, "the message must be valid text of at most %d bytes", MaxBodyBytes)
	}
	if in.RequestType == "" {
		in.RequestType = RequestQuestion
	}
	if in.RequestType != RequestCritical && in.RequestType != RequestQuestion && in.RequestType != RequestFeature {
		return nil, Errorf(EInvalid, "request type must be critical, question or feature")
	}
	t, err := s.openSupportTicket(ctx, actor, supportRequest{queue: QueueSupport, subject: in.Subject, body: in.Body,
		requestType: in.RequestType, follows: in.FollowsTicketID, status: TicketOpen})
	if err != nil {
		return nil, err
	}
	v := supportView(t)
	return &v, nil
}

// supportRequest is a validated support ticket to open.
type supportRequest struct {
	queue, subject, body, requestType string
	follows                           int64
	status                            TicketStatus
	// file is attached as a second message (the review's context report).
	file *Attachment
}

func (s *Service) openSupportTicket(ctx context.Context, member Actor, in supportRequest) (*Ticket, error) {
	r, err := s.requesterActor(ctx, member)
	if err != nil {
		return nil, err
	}
	var (
		o outbox
		t *Ticket
	)
	err = s.tx(ctx, func(q Queries) error {
		o, t = outbox{}, nil
		if in.follows != 0 {
			prev, err := s.supportTicket(ctx, q, member, in.follows)
			if err != nil {
				return err
			}
			if prev.Status.Active() {
				return Errorf(EConflict, "%s is still open: write in it instead", prev.Ref())
			}
		}
		m, err := q.FindMemberByID(ctx, member.ID)
		if err != nil {
			return err
		}
		now := s.now()
		conv := &Conversation{TenantID: r.TenantID, SiteID: r.SiteID, VisitorID: r.ID, Owner: OwnerHuman,
			Handoff: HandoffHuman, Status: ConversationOpen, LastMessageAt: now, CreatedAt: now, UpdatedAt: now}
		if err := q.CreateConversation(ctx, conv); err != nil {
			return err
		}
		priority := PriorityNormal
		if urgentTitle(in.subject) {
			priority = PriorityUrgent
			if in.requestType != RequestReview {
				in.requestType = RequestCritical
			}
		}
		due := s.Support.Due(in.requestType, now)
		nt := NewTicket{ConversationID: conv.ID, SiteID: conv.SiteID, Subject: in.subject, RequesterEmail: m.Email,
			Priority: priority, Source: SourceWidget, Description: in.body,
			support: &supportFields{queue: in.queue, requester: member.TenantID, requestType: in.requestType,
				due: &due, follows: in.follows, status: in.status, onBehalf: m.Name}}
		if t, _, err = s.openTicket(ctx, q, r, nt, conv, &o); err != nil {
			return err
		}
		if in.file != nil {
			in.file.TenantID, in.file.ConversationID, in.file.CreatedAt = conv.TenantID, conv.ID, now
			if err := q.CreateAttachment(ctx, in.file); err != nil {
				return err
			}
			fm := &Message{TenantID: conv.TenantID, ConversationID: conv.ID, AuthorKind: AuthorVisitor, AuthorID: r.ID,
				AuthorName: m.Name, Body: in.file.Name, CreatedAt: now, Attachment: &AttachmentRef{ID: in.file.ID,
					Name: in.file.Name, ContentType: in.file.ContentType, Size: in.file.Size, Path: s.attachmentPath(in.file.ID, in.file.Name, now)}}
			if err := s.appendMessage(ctx, q, conv, fm); err != nil {
				return err
			}
			o.message(conv, fm)
		}
		// The workspace wrote all of it: nothing in it is unread for them.
		conv.VisitorReadSeq, conv.UnreadByVisitor = conv.LastSeq, 0
		t.follow(conv)
		if err := stale(q.UpdateConversation(ctx, conv)); err != nil {
			return err
		}
		o.conversation(conv)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.publish(ctx, &o)
	return t, nil
}

// supportFields are what openTicket adds to a support ticket.
type supportFields struct {
	queue       string
	requester   int64
	requestType string
	due         *time.Time
	follows     int64
	status      TicketStatus
	onBehalf    string // the requester's member name, on their first message
}

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
		return q.CreateAuditEntry(ctx, &AuditEntry{TenantID: actor.TenantID, ActorKind: actor.Kind, ActorID: actor.ID,
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

// EventSupportTicket carries a support ticket as its workspace sees it
// (SupportTicket) on TopicSupport: created, its status or unread count
// changed.
const EventSupportTicket = "support.ticket"

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
