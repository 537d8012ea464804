package web

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/hub"
)

// TestUploadTooLarge: a file over hub.MaxAttachmentBytes is invalid with
// reason file_too_large (docs/protocol.md "Errors"), whether ReadUpload
// finds it out or the server's body limit refuses the request first.
func TestUploadTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name      string
		bodyLimit int
	}{
		{"read by ReadUpload", hub.MaxAttachmentBytes + 1<<20},
		{"over the body limit", hub.MaxAttachmentBytes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := fiber.New(fiber.Config{BodyLimit: tc.bodyLimit, ErrorHandler: ErrorHandler, DisableStartupMessage: true})
			app.Post("/", func(c *fiber.Ctx) error {
				if _, err := ReadUpload(c); err != nil {
					return err
				}
				return c.SendStatus(204)
			})
			var body bytes.Buffer
			w := multipart.NewWriter(&body)
			f, _ := w.CreateFormFile("file", "big.png")
			f.Write(make([]byte, hub.MaxAttachmentBytes+1))
			w.Close()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go app.Listener(ln)
			t.Cleanup(func() { app.Shutdown() })
			// As curl sends a large body: the server may answer before it.
			req, _ := http.NewRequest("POST", "http://"+ln.Addr().String()+"/", &body)
			req.Header.Set("Content-Type", w.FormDataContentType())
			req.Header.Set("Expect", "100-continue")
			resp, err := (&http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p Problem
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 400 && resp.StatusCode != 413 || p.Code != hub.EInvalid || p.Reason != hub.ReasonFileTooLarge {
				t.Fatalf("status %d, problem %+v", resp.StatusCode, p)
			}
		})
	}
}
