package dashboard

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// conversationFilter reads the filters of the Conversations view (004
// "Filters"): site, a date range of last activity (UTC days, both
// inclusive), feedback, escalated, has_ticket and status.
func conversationFilter(c *fiber.Ctx) (hub.ConversationFilter, error) {
	f := hub.ConversationFilter{Status: c.Query("status"), Feedback: hub.FeedbackFilter(c.Query("feedback"))}
	var err error
	if f.Limit, err = queryLimit(c, hub.ConversationPage); err != nil {
		return f, err
	}
	if f.SiteID, err = queryInt(c, "site"); err != nil {
		return f, err
	}
	if f.Since, err = queryDate(c, "from"); err != nil {
		return f, err
	}
	if f.Until, err = queryDate(c, "to"); err != nil {
		return f, err
	}
	if !f.Until.IsZero() {
		f.Until = f.Until.AddDate(0, 0, 1) // the whole last day
	}
	if f.Escalated, err = queryBool(c, "escalated"); err != nil {
		return f, err
	}
	if f.HasTicket, err = queryBool(c, "has_ticket"); err != nil {
		return f, err
	}
	if cur := c.Query("before"); cur != "" {
		if f.BeforeTime, f.BeforeID, err = parseTimeCursor(cur); err != nil {
			return f, err
		}
	}
	return f, nil
}

func (h *handler) listConversations(c *fiber.Ctx) error {
	f, err := conversationFilter(c)
	if err != nil {
		return err
	}
	items, err := h.svc.ConversationDetails(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(timePage(items, f.Limit, func(d hub.ConversationDetail) (time.Time, int64) { return d.LastMessageAt, d.ID }))
}

func (h *handler) getConversation(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	conv, err := h.svc.ConversationDetail(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(conv)
}

// takeOver hands the conversation from the assistant to the caller.
func (h *handler) takeOver(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	conv, err := h.svc.TakeOver(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(conv)
}

type conversationUpdate struct {
	Status *string `json:"status"`
}

// updateConversation changes a conversation's status (open, resolved or
// closed; hub.Service.SetConversationStatus has the rules).
func (h *handler) updateConversation(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var req conversationUpdate
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	if req.Status == nil {
		return hub.Errorf(hub.EInvalid, "status is required")
	}
	conv, err := h.svc.SetConversationStatus(c.UserContext(), actor(c), id, *req.Status)
	if err != nil {
		return err
	}
	return c.JSON(conv)
}

// exportConversation downloads the whole conversation as JSON (004
// "Export JSON").
func (h *handler) exportConversation(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	export, err := h.svc.ExportConversation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(export, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, web.ContentDisposition("attachment", fmt.Sprintf("conversation-%d.json", id)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Type("json", "utf-8")
	return c.Send(body)
}

// messageFilter reads a page of a conversation's messages: after_seq,
// or the newest before before_seq; limit as hub.MessagePage.
func messageFilter(c *fiber.Ctx, conversationID int64) (hub.MessageFilter, error) {
	f := hub.MessageFilter{ConversationID: conversationID}
	var err error
	if f.Limit, err = queryLimit(c, hub.MessagePage); err != nil {
		return f, err
	}
	if f.AfterSeq, err = queryInt(c, "after_seq"); err != nil {
		return f, err
	}
	if f.BeforeSeq, err = queryInt(c, "before_seq"); err != nil {
		return f, err
	}
	f.Newest = f.BeforeSeq > 0 && f.AfterSeq == 0
	return f, nil
}

func (h *handler) listMessages(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	f, err := messageFilter(c, id)
	if err != nil {
		return err
	}
	msgs, err := h.svc.Messages(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(page[*hub.Message]{Items: msgs})
}

type sendRequest struct {
	ClientMsgID string `json:"client_msg_id"`
	Body        string `json:"body"`
	Internal    bool   `json:"internal"`
}

func (h *handler) sendMessage(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var req sendRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	m, err := h.svc.SendMessage(c.UserContext(), actor(c), hub.NewMessage{ConversationID: id, ClientMsgID: req.ClientMsgID, Body: req.Body, Internal: req.Internal})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

type readRequest struct {
	Seq int64 `json:"seq"`
}

func (h *handler) markRead(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var req readRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	st, err := h.svc.MarkRead(c.UserContext(), actor(c), id, req.Seq)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// uploadAttachment sends a file into a conversation (multipart field file,
// with optional client_msg_id and caption).
func (h *handler) uploadAttachment(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	in, err := web.ReadUpload(c)
	if err != nil {
		return err
	}
	in.ConversationID = id
	m, err := h.svc.SendAttachment(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}
