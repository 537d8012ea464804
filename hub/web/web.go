// Package web holds the HTTP pieces the widget and dashboard handlers
// share: request ids, access logs and problem+json errors mapped from
// hub.Error codes through one table (hub.ErrorStatus).
package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
)

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

// Problem is an RFC 9457 problem body with Parley's stable error code.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Code is one of hub's error codes; the enum tag is for the API
	// contract (hub/web/openapi).
	Code string `json:"code" enum:"invalid,unauthorized,forbidden,not_found,conflict,rate_limited,unavailable,internal"`
	// Reason tells some cases of a code apart (hub.Reason*).
	Reason    string `json:"reason,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// RequestID returns the request id of c.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals("request_id").(string)
	return id
}

// Logger returns the request's logger, carrying its request id.
func Logger(c *fiber.Ctx) *zerolog.Logger {
	if l, ok := c.Locals("logger").(*zerolog.Logger); ok {
		return l
	}
	l := zerolog.Nop()
	return &l
}

// Middleware gives every request an id (kept from a well-formed incoming
// X-Request-Id), a logger carrying it, and an access log line.
func Middleware(log zerolog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = hub.RandomToken(12)
		}
		c.Set(RequestIDHeader, id)
		// The websocket upgrade reads the id from the request header.
		c.Request().Header.Set(RequestIDHeader, id)
		l := log.With().Str("request_id", id).Logger()
		c.Locals("request_id", id)
		c.Locals("logger", &l)
		start := time.Now()
		err := c.Next()
		if err != nil {
			err = WriteError(c, err)
		}
		l.Debug().Str("method", c.Method()).Str("path", c.Path()).Int("status", c.Response().StatusCode()).
			Dur("took", time.Since(start)).Msg("http request")
		return err
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// WriteError writes err as a problem body. Internal errors are logged with
// their cause and shown with a generic message.
func WriteError(c *fiber.Ctx, err error) error {
	code := hub.ErrorCode(err)
	status := hub.ErrorStatus(code)
	var fe *fiber.Error
	if errors.As(err, &fe) {
		status, code = fe.Code, codeForStatus(fe.Code)
		err = hub.Errorf(code, "%s", fe.Message)
		if status == fiber.StatusRequestEntityTooLarge && strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
			err = hub.FileTooLarge() // an upload over the server's body limit
		}
	}
	if code == hub.EInternal {
		Logger(c).Error().Err(err).Msg("internal error")
	}
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Status(status).JSON(Problem{Type: "about:blank", Title: http.StatusText(status), Status: status,
		Detail: hub.ErrorMessage(err), Code: code, Reason: hub.ErrorReason(err), RequestID: RequestID(c)}, "application/problem+json")
}

func codeForStatus(status int) string {
	for _, code := range []string{hub.EInvalid, hub.EUnauthorized, hub.EForbidden, hub.ENotFound, hub.EConflict, hub.ERateLimited, hub.EUnavailable} {
		if hub.ErrorStatus(code) == status {
			return code
		}
	}
	if status == fiber.StatusRequestEntityTooLarge || status == fiber.StatusMethodNotAllowed || status == fiber.StatusUnsupportedMediaType {
		return hub.EInvalid
	}
	return hub.EInternal
}

// ErrorHandler is the fiber.Config ErrorHandler: errors that escape the
// middleware (routing, body limits) also become problem bodies.
func ErrorHandler(c *fiber.Ctx, err error) error {
	return WriteError(c, err)
}

// MaxJSONBytes bounds JSON request bodies; the server's own limit is higher
// because file uploads share it.
const MaxJSONBytes = 1 << 20

// BindJSON decodes the request body into v, or returns an EInvalid error
// that says what is wrong.
func BindJSON(c *fiber.Ctx, v any) error {
	if len(c.Body()) > MaxJSONBytes {
		return hub.Errorf(hub.EInvalid, "request body is over %d KiB", MaxJSONBytes>>10)
	}
	if err := json.Unmarshal(c.Body(), v); err != nil {
		return hub.Errorf(hub.EInvalid, "request body must be a JSON object: %v", err)
	}
	return nil
}

// ContentDisposition is a Content-Disposition value (RFC 6266) of the given
// type (inline or attachment) for a file name: filename*, the name in UTF-8
// percent-encoded as RFC 8187 says, and filename, an ASCII stand-in for
// clients that know only that.
func ContentDisposition(disposition, name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\':
			ascii.WriteByte('_')
		case r < 0x80:
			ascii.WriteRune(r)
		default:
			ascii.WriteByte('_')
		}
	}
	for _, b := range []byte(name) {
		if attrChar(b) {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	return disposition + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// attrChar reports whether b may stand unencoded in an RFC 8187 value.
func attrChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
