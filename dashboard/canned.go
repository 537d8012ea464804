package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

func (h *handler) listCanned(c *fiber.Ctx) error {
	items, err := h.svc.CannedResponses(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(page[*hub.CannedResponse]{Items: items})
}

func (h *handler) getCanned(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	cr, err := h.svc.CannedResponse(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(cr)
}

type cannedRequest struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

func (h *handler) createCanned(c *fiber.Ctx) error {
	var req cannedRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	cr, err := h.svc.CreateCannedResponse(c.UserContext(), actor(c), hub.NewCannedResponse{Title: req.Title, Body: req.Body})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cr)
}

func (h *handler) updateCanned(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in hub.CannedResponseUpdate
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	cr, err := h.svc.UpdateCannedResponse(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(cr)
}

func (h *handler) deleteCanned(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteCannedResponse(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
