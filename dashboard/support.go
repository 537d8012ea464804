package dashboard

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// The support section (hub/support.go): a workspace's owners and admins
// write to the platform's team; staff list the workspaces they may view.

// WorkspaceHeader makes a staff member's request a read-only view of a
// workspace whose support access is open.
const WorkspaceHeader = "X-Parley-Workspace"

// asViewer turns a staff request naming a workspace into a read-only view
// of it: only reads pass, and each is written to the workspace's audit log.
func (h *handler) asViewer(c *fiber.Ctx, staff hub.Actor) (hub.Actor, error) {
	id, err := strconv.ParseInt(c.Get(WorkspaceHeader), 10, 64)
	if err != nil || id <= 0 {
		return hub.Actor{}, hub.Errorf(hub.EInvalid, "%s must be a workspace id", WorkspaceHeader)
	}
	viewer, err := h.svc.SupportViewer(c.UserContext(), staff, id)
	if err != nil {
		return hub.Actor{}, err
	}
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
		return hub.Actor{}, viewer.Writable()
	}
	return viewer, h.svc.RecordSupportView(c.UserContext(), viewer, supportViewOf(c.Path()))
}

func (h *handler) getSupportAccess(c *fiber.Ctx) error {
	a, err := h.svc.SupportAccessOf(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(a)
}

type supportAccessRequest struct {
	Open bool `json:"open"`
	// Minutes limits the access; 0 is until turned off.
	Minutes int64 `json:"minutes"`
}

func (h *handler) setSupportAccess(c *fiber.Ctx) error {
	var req supportAccessRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Minutes < 0 || req.Minutes > int64(hub.MaxSupportAccess/time.Minute) {
		return hub.Errorf(hub.EInvalid, "minutes must be 0 (until turned off) to %d", int64(hub.MaxSupportAccess/time.Minute))
	}
	a, err := h.svc.SetSupportAccess(c.UserContext(), actor(c), req.Open, time.Duration(req.Minutes)*time.Minute)
	if err != nil {
		return err
	}
	return c.JSON(a)
}

func (h *handler) getSupportAudit(c *fiber.Ctx) error {
	before, err := queryInt(c, "before")
	if err != nil {
		return err
	}
	entries, err := h.svc.SupportAudit(c.UserContext(), actor(c), before, hub.SupportAuditPage)
	if err != nil {
		return err
	}
	if err := readableSupportAudit(entries); err != nil {
		return err
	}
	return c.JSON(idPage(entries, hub.SupportAuditPage, func(e *hub.AuditEntry) int64 { return e.ID }))
}

func (h *handler) listSupportTickets(c *fiber.Ctx) error {
	f := hub.SupportFilter{Status: c.Query("status"), Query: strings.TrimSpace(c.Query("q")), Limit: 50}
	if f.Status == "all" {
		f.Status = ""
	}
	var err error
	if f.BeforeID, err = queryInt(c, "before"); err != nil {
		return err
	}
	if f.IDs, err = queryIDs(c, "ids"); err != nil {
		return err
	}
	items, err := h.svc.SupportTickets(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(idPage(items, f.Limit, func(t hub.SupportTicket) int64 { return t.ID }))
}

type newSupportTicketRequest struct {
	Subject         string `json:"subject"`
	Body            string `json:"body"`
	RequestType     string `json:"request_type"`
	FollowsTicketID int64  `json:"follows_ticket_id"`
}

func (h *handler) createSupportTicket(c *fiber.Ctx) error {
	var req newSupportTicketRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	t, err := h.svc.OpenSupportTicket(c.UserContext(), actor(c), hub.NewSupportTicket{Subject: req.Subject, Body: req.Body,
		RequestType: req.RequestType, FollowsTicketID: req.FollowsTicketID})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (h *handler) getSupportTicket(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	t, err := h.svc.SupportTicket(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// supportConversation resolves :id to the requester actor and the
// ticket's conversation.
func (h *handler) supportConversation(c *fiber.Ctx) (hub.Actor, int64, error) {
	id, err := idParam(c)
	if err != nil {
		return hub.Actor{}, 0, err
	}
	return h.svc.SupportConversation(c.UserContext(), actor(c), id)
}

func (h *handler) listSupportMessages(c *fiber.Ctx) error {
	r, conv, err := h.supportConversation(c)
	if err != nil {
		return err
	}
	f, err := messageFilter(c, conv)
	if err != nil {
		return err
	}
	msgs, err := h.svc.Messages(c.UserContext(), r, f)
	if err != nil {
		return err
	}
	views := make([]any, len(msgs))
	for i, m := range msgs {
		views[i] = m.View(r)
	}
	return c.JSON(page[any]{Items: views})
}

func (h *handler) sendSupportMessage(c *fiber.Ctx) error {
	r, conv, err := h.supportConversation(c)
	if err != nil {
		return err
	}
	var req sendRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	m, err := h.svc.SendMessage(c.UserContext(), r, hub.NewMessage{ConversationID: conv, ClientMsgID: req.ClientMsgID, Body: req.Body})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m.View(r))
}

func (h *handler) uploadSupportAttachment(c *fiber.Ctx) error {
	r, conv, err := h.supportConversation(c)
	if err != nil {
		return err
	}
	in, err := web.ReadUpload(c)
	if err != nil {
		return err
	}
	in.ConversationID = conv
	m, err := h.svc.SendAttachment(c.UserContext(), r, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m.View(r))
}

func (h *handler) markSupportRead(c *fiber.Ctx) error {
	r, conv, err := h.supportConversation(c)
	if err != nil {
		return err
	}
	var req readRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	st, err := h.svc.MarkRead(c.UserContext(), r, conv, req.Seq)
	if err != nil {
		return err
	}
	return c.JSON(supportReadView{Unread: st.Unread, Seq: st.Seq})
}

func (h *handler) getReviewContext(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	rc, err := h.svc.ReviewContext(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(rc)
}

func (h *handler) previewReview(c *fiber.Ctx) error {
	var r hub.Review
	if err := web.BindJSON(c, &r); err != nil {
		return err
	}
	report, err := h.svc.ReviewReport(c.UserContext(), actor(c), r)
	if err != nil {
		return err
	}
	return c.JSON(reviewReportView{Report: report})
}

func (h *handler) submitReview(c *fiber.Ctx) error {
	var r hub.Review
	if err := web.BindJSON(c, &r); err != nil {
		return err
	}
	t, err := h.svc.SubmitReview(c.UserContext(), actor(c), r)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

func (h *handler) listWorkspaces(c *fiber.Ctx) error {
	ws, err := h.svc.SupportWorkspaces(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(page[hub.Workspace]{Items: ws})
}

// supportReadView is a requester's read position and unread count after
// POST /support/tickets/:id/read.
type supportReadView struct {
	Unread int   `json:"unread"`
	Seq    int64 `json:"seq"`
}

// reviewReportView is the report POST /support/reviews/preview would file.
type reviewReportView struct {
	Report string `json:"report"`
}
