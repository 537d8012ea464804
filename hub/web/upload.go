package web

import (
	"io"
	"mime/multipart"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
)

// ReadUpload reads the multipart form of a file upload: the field file,
// and optional conversation_id, client_msg_id and caption.
func ReadUpload(c *fiber.Ctx) (hub.NewAttachment, error) {
	var in hub.NewAttachment
	fh, err := c.FormFile("file")
	if err != nil {
		return in, hub.Errorf(hub.EInvalid, "send the file as multipart/form-data in a field named file")
	}
	if fh.Size > hub.MaxAttachmentBytes {
		return in, hub.FileTooLarge()
	}
	if in.Data, err = readAll(fh); err != nil {
		return in, err
	}
	if v := c.FormValue("conversation_id"); v != "" {
		if in.ConversationID, err = strconv.ParseInt(v, 10, 64); err != nil || in.ConversationID < 0 {
			return in, hub.Errorf(hub.EInvalid, "conversation_id must be a non-negative integer")
		}
	}
	in.Name, in.ClientMsgID, in.Caption = fh.Filename, c.FormValue("client_msg_id"), c.FormValue("caption")
	return in, nil
}

func readAll(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, hub.MaxAttachmentBytes+1))
}
