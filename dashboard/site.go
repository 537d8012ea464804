package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
	"github.com/parley-chat/parley/widget"
)

// siteView is a site as the dashboard shows it: its settings, the warning
// about AI instructions that send visitors elsewhere (003 "Important"),
// and the snippet to paste. The identity secret is never included.
type siteView struct {
	*hub.Site
	InstructionsWarning string `json:"instructions_warning,omitempty"`
	// Snippet is the HTML a site owner pastes into their pages
	// (widget.Snippet, the one copy of it).
	Snippet string `json:"snippet"`
}

func (h *handler) viewSite(s *hub.Site) siteView {
	return siteView{Site: s, InstructionsWarning: hub.InstructionsWarning(s.Instructions),
		Snippet: string(widget.Snippet(h.baseURL, s.Key))}
}

func (h *handler) listSites(c *fiber.Ctx) error {
	sites, err := h.svc.Sites(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	items := make([]siteView, len(sites))
	for i, s := range sites {
		items[i] = h.viewSite(s)
	}
	return c.JSON(page[siteView]{Items: items})
}

func (h *handler) getSite(c *fiber.Ctx) error {
	id, err := siteParam(c)
	if err != nil {
		return err
	}
	s, err := h.svc.Site(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(h.viewSite(s))
}

func (h *handler) updateSite(c *fiber.Ctx) error {
	id, err := siteParam(c)
	if err != nil {
		return err
	}
	var in hub.SiteUpdate
	if err := web.BindJSON(c, &in); err != nil {
		return err
	}
	s, err := h.svc.UpdateSite(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(h.viewSite(s))
}

type createSiteRequest struct {
	Name           string   `json:"name"`
	AllowedOrigins []string `json:"allowed_origins"`
}

// newSiteView is the answer to creating a site: the one time its identity
// secret is shown.
type newSiteView struct {
	siteView
	IdentitySecret string `json:"identity_secret"`
}

func (h *handler) createSite(c *fiber.Ctx) error {
	var req createSiteRequest
	if err := web.BindJSON(c, &req); err != nil {
		return err
	}
	a := actor(c)
	s, err := h.svc.CreateSite(c.UserContext(), a, hub.NewSite{TenantID: a.TenantID, Name: req.Name, AllowedOrigins: req.AllowedOrigins})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(fiber.StatusCreated).JSON(newSiteView{siteView: h.viewSite(s), IdentitySecret: s.IdentitySecret})
}

type identitySecretView struct {
	IdentitySecret string `json:"identity_secret"`
}

// rotateIdentitySecret replaces a site's identity secret and shows the new
// one, this once.
func (h *handler) rotateIdentitySecret(c *fiber.Ctx) error {
	id, err := siteParam(c)
	if err != nil {
		return err
	}
	secret, err := h.svc.RotateIdentitySecret(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(identitySecretView{IdentitySecret: secret})
}
