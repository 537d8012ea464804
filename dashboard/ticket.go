package dashboard

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// ticketFilters are the list filters of the Tickets view (003 "Filtering
// Tickets"): all, mine, or one status.
func ticketFilter(c *fiber.Ctx, a hub.Actor) (hub.TicketFilter, error) {
	f := hub.TicketFilter{Query: strings.TrimSpace(c.Query("q"))}
	switch v := c.Query("filter", "all"); v {
	case "all":
	case "mine":
		f.AssigneeID = a.ID
	default:
		s := hub.TicketStatus(v)
		if !s.Valid() {
			return f, hub.Errorf(hub.EInvalid, "filter must be all, mine, open, in_progress, on_customer, resolved or closed")
		}
		f.Statuses = []hub.TicketStatus{s}
	}
	before, err := queryInt(c, "before")
	if err != nil {
		return f, err
	}
	if f.Limit, err = queryLimit(c, hub.TicketPage); err != nil {
		return f, err
	}
	if f.IDs, err = queryIDs(c, "ids"); err != nil {
		return f, err
	}
	f.BeforeID, f.Queue, f.ByDue = before, c.Query("queue"), c.Query("sort") == "due"
	if v := c.Query("sort", "newest"); v != "newest" && v != "due" {
		return f, hub.Errorf(hub.EInvalid, "sort must be newest or due")
	}
	return f, nil
}

func (h *handler) listTickets(c *fiber.Ctx) error {
	f, err := ticketFilter(c, actor(c))
	if err != nil {
		return err
	}
	items, err := h.svc.Tickets(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(idPage(items, f.Limit, func(t *hub.Ticket) int64 { return t.ID }))
}

func (h *handler) getTicket(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	t, err := h.svc.TicketDetail(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

type createTicketRequest struct {
	ConversationID int64  `json:"conversation_id"`
	SiteID         int64  `json:"site_id"`
	Subject        string `json:"subject"`
	RequesterEmail string `json:"requester_email"`
	Priority       string `json:"priority"`
}

func (h *handler) createTicket(c *fiber.Ctx) error {
	var req createTicketRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	t, err := h.svc.CreateTicket(c.UserContext(), actor(c), hub.NewTicket{ConversationID: req.ConversationID, SiteID: req.SiteID,
		Subject: req.Subject, RequesterEmail: req.RequesterEmail, Priority: req.Priority})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(t)
}

type updateTicketRequest struct {
	Status     *hub.TicketStatus `json:"status"`
	AssigneeID *int64            `json:"assignee_id"`
	Priority   *string           `json:"priority"`
}

func (h *handler) updateTicket(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var req updateTicketRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	t, err := h.svc.UpdateTicket(c.UserContext(), actor(c), id, hub.TicketUpdate{Status: req.Status, AssigneeID: req.AssigneeID, Priority: req.Priority})
	if err != nil {
		return err
	}
	return c.JSON(t)
}
