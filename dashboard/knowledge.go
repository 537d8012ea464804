package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// The knowledge base the assistant answers from: members read it, owners
// and admins write it; hub.Service decides who may do what.

func (h *handler) listKnowledge(c *fiber.Ctx) error {
	siteID, err := siteParam(c)
	if err != nil {
		return err
	}
	items, err := h.svc.KnowledgeEntries(c.UserContext(), actor(c), siteID)
	if err != nil {
		return err
	}
	return c.JSON(page[*hub.KnowledgeEntry]{Items: items})
}

type createKnowledgeRequest struct {
	Kind          hub.KnowledgeKind `json:"kind"`
	Title         string            `json:"title"`
	Body          string            `json:"body"`
	Language      string            `json:"language"`
	Phrasings     []string          `json:"phrasings"`
	TranslationOf int64             `json:"translation_of"`
}

func (h *handler) createKnowledge(c *fiber.Ctx) error {
	siteID, err := siteParam(c)
	if err != nil {
		return err
	}
	var req createKnowledgeRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	e, err := h.svc.CreateKnowledgeEntry(c.UserContext(), actor(c), hub.NewKnowledgeEntry{SiteID: siteID, Kind: req.Kind,
		Title: req.Title, Body: req.Body, Language: req.Language, Phrasings: req.Phrasings, TranslationOf: req.TranslationOf})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(e)
}

func (h *handler) getKnowledge(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	e, err := h.svc.KnowledgeEntry(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

// updateKnowledgeRequest changes the fields it holds; absent ones stay
// (a null is absent too: translation_of 0 unlinks).
type updateKnowledgeRequest struct {
	Kind          *hub.KnowledgeKind `json:"kind"`
	Title         *string            `json:"title"`
	Body          *string            `json:"body"`
	Language      *string            `json:"language"`
	Phrasings     *[]string          `json:"phrasings"`
	TranslationOf *int64             `json:"translation_of"`
}

func (h *handler) updateKnowledge(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var req updateKnowledgeRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	e, err := h.svc.UpdateKnowledgeEntry(c.UserContext(), actor(c), id, hub.KnowledgeUpdate{Kind: req.Kind,
		Title: req.Title, Body: req.Body, Language: req.Language, Phrasings: req.Phrasings, TranslationOf: req.TranslationOf})
	if err != nil {
		return err
	}
	return c.JSON(e)
}

func (h *handler) deleteKnowledge(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteKnowledgeEntry(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
