package dashboard

import (
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub/web"
)

// A person's data (hub/visitor_privacy.go has who may and what is kept):
// GET /api/v1/visitors/:id/export and DELETE /api/v1/visitors/:id.

// exportVisitor downloads everything kept about a visitor as JSON.
func (h *handler) exportVisitor(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	export, err := h.svc.ExportVisitor(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	body, err := json.MarshalIndent(export, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentDisposition, web.ContentDisposition("attachment", fmt.Sprintf("visitor-%d.json", id)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Type("json", "utf-8")
	return c.Send(body)
}

// deleteVisitor deletes a visitor and their data: 204 when done.
func (h *handler) deleteVisitor(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if _, err := h.svc.DeleteVisitor(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
