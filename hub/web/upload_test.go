package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"testing"

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
			// As curl sends a large body: reading the answer while
			// sending, which the server may give before it read it all.
			conn, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			go func() {
				fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", w.FormDataContentType(), body.Len())
				conn.Write(body.Bytes()) // may fail once the server answered and closed
			}()
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
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
