package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// Workspace API tokens (hub/apitoken.go): owners and admins, signed in as
// themselves, list, create and revoke them. A request authenticated by a
// token is handled in authenticate.

func (h *handler) listAPITokens(c *fiber.Ctx) error {
	tokens, err := h.svc.APITokens(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(page[*hub.APIToken]{Items: tokens})
}

// createdAPIToken is a new token with its secret, which no other answer
// holds.
type createdAPIToken struct {
	*hub.APIToken
	Secret string `json:"secret"`
}

func (h *handler) createAPIToken(c *fiber.Ctx) error {
	var req hub.NewAPIToken
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	t, secret, err := h.svc.CreateAPIToken(c.UserContext(), actor(c), req)
	if err != nil {
		return err
	}
	// The secret is in this answer only: no cache keeps it.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(createdAPIToken{APIToken: t, Secret: secret})
}

func (h *handler) revokeAPIToken(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.svc.RevokeAPIToken(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// tokenView is what GET /me says of the API token a request came with.
type tokenView struct {
	ID    int64     `json:"id"`
	Name  string    `json:"name"`
	Scope hub.Scope `json:"scope"`
}

func viewToken(a hub.Actor) *tokenView {
	if a.TokenID == 0 {
		return nil
	}
	return &tokenView{ID: a.TokenID, Name: a.TokenName, Scope: a.Scope}
}
