package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// siteView is a site as the dashboard shows it: its settings, and the
// warning about AI instructions that send visitors elsewhere (003
// "Important"). The identity secret is never included.
type siteView struct {
	*hub.Site
	InstructionsWarning string `json:"instructions_warning,omitempty"`
}

func viewSite(s *hub.Site) siteView {
	return siteView{Site: s, InstructionsWarning: hub.InstructionsWarning(s.Instructions)}
}

func (h *handler) listSites(c *fiber.Ctx) error {
	sites, err := h.svc.Sites(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	items := make([]siteView, len(sites))
	for i, s := range sites {
		items[i] = viewSite(s)
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
	return c.JSON(viewSite(s))
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
	return c.JSON(viewSite(s))
}
