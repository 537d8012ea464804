package dashboard

import "github.com/gofiber/fiber/v2"

// getUnread answers the calling member's own badges (hub/unread.go;
// docs/api.md "Unread"), for the first load and after a websocket resume.
// A member's count of each conversation comes with the lists and read.ok.
func (h *handler) getUnread(c *fiber.Ctx) error {
	st, err := h.svc.Unread(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(st)
}
