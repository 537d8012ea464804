package widget

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web"
)

// uploadAttachment takes a multipart file from a visitor (bearer visitor
// token) and sends it as a message: fields file, conversation_id (0 or
// absent: their own conversation), client_msg_id and caption.
func (h *handler) uploadAttachment(c *fiber.Ctx) error {
	h.cors(c)
	actor, err := h.visitorActor(c)
	if err != nil {
		return err
	}
	in, err := web.ReadUpload(c)
	if err != nil {
		return err
	}
	m, err := h.cfg.Service.SendAttachment(c.UserContext(), actor, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(uploadResponse{Message: m.ForVisitor()})
}

// uploadResponse is POST /sdk/attachments' answer: the message as the
// visitor sees it.
type uploadResponse struct {
	Message hub.VisitorMessage `json:"message"`
}

// serveFile serves /files/:id/:sig/:name. Images are shown inline; every
// other type downloads. Nothing is sniffed by the browser and the file
// runs in a sandbox, so an uploaded file can never act as a page.
func (h *handler) serveFile(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil {
		return hub.Errorf(hub.ENotFound, "file not found")
	}
	a, err := h.cfg.Service.Attachment(c.UserContext(), id, c.Params("sig"))
	if err != nil {
		return err
	}
	disposition := "attachment"
	if a.IsImage() {
		disposition = "inline"
	}
	c.Set(fiber.HeaderContentType, a.ContentType)
	c.Set(fiber.HeaderContentDisposition, web.ContentDisposition(disposition, a.Name))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	c.Set(fiber.HeaderCacheControl, "private, max-age=86400, immutable")
	c.Set(fiber.HeaderETag, `"`+a.SHA256+`"`)
	if strings.Contains(c.Get(fiber.HeaderIfNoneMatch), a.SHA256) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(a.Data)
}

// visitorActor authenticates the bearer visitor token of a request.
func (h *handler) visitorActor(c *fiber.Ctx) (hub.Actor, error) {
	token, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok {
		return hub.Actor{}, hub.Errorf(hub.EUnauthorized, "send the visitor token as Authorization: Bearer <token>")
	}
	return h.cfg.Service.VisitorActor(c.UserContext(), token)
}
