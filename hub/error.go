package hub

import (
	"errors"
	"fmt"
)

// Error codes. The set is deliberately small; the HTTP and websocket layers map
// each code to one status in one table (see ErrorStatus).
const (
	EInvalid      = "invalid"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	ERateLimited  = "rate_limited"
	EUnavailable  = "unavailable"
	EInternal     = "internal"
)

// Error is a domain error whose Message is safe to show to a client.
type Error struct {
	Code    string
	Message string
	// Reason, when set, says which of the code's cases this is, so that a
	// client can tell its user what happened and what to do next in their
	// own language (one of the Reason* constants; docs/protocol.md
	// "Errors").
	Reason string
	// Err is the underlying cause, if any; it is logged, never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Reasonf returns an *Error with a code, a reason and a formatted message.
func Reasonf(code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Reasons: the cases of an error code a visitor's or requester's action
// can meet and that a client tells apart (docs/protocol.md "Errors").
const (
	// ReasonConversationClosed (conflict): the conversation is closed;
	// write with conversation_id 0 to start a new one.
	ReasonConversationClosed = "conversation_closed"
	// ReasonTicketDone (conflict): a support ticket is Done, which is
	// final; open a new ticket that refers to it.
	ReasonTicketDone = "ticket_done"
	// ReasonBodyEmpty and ReasonBodyTooLong (invalid): the message text.
	ReasonBodyEmpty   = "body_empty"
	ReasonBodyTooLong = "body_too_long"
	// ReasonFileEmpty, ReasonFileTooLarge, ReasonFileType (invalid): an
	// attachment that is empty, over MaxAttachmentBytes, or of a type not
	// accepted.
	ReasonFileEmpty    = "file_empty"
	ReasonFileTooLarge = "file_too_large"
	ReasonFileType     = "file_type"
	// ReasonEmailInvalid and ReasonSubjectInvalid (invalid): the ticket form.
	ReasonEmailInvalid   = "email_invalid"
	ReasonSubjectInvalid = "subject_invalid"
	// ReasonVerifiedOnly (unauthorized, forbidden): the site chats only
	// with visitors whose identity it verified. The chat's other gates
	// have 004's reasons (gate.go: ReasonSiteNotMapped, …).
	ReasonVerifiedOnly = "verified_only"
	// ReasonPrivateAddress (invalid): a URL a workspace gave leads to a
	// private, local or reserved address, which Parley does not call on a
	// workspace's behalf (hub/egress).
	ReasonPrivateAddress = "private_address"
)

// ErrorReason returns the reason of the first *Error in err's chain, "" when
// it has none.
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the client-safe message of err. Internal errors get a
// generic message; their cause is for the log only.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		return e.Message
	}
	return "internal error"
}

// ErrorStatus maps an error code to its HTTP status. It is the one table the
// HTTP and websocket layers share.
func ErrorStatus(code string) int {
	switch code {
	case EInvalid:
		return 400
	case EUnauthorized:
		return 401
	case EForbidden:
		return 403
	case ENotFound:
		return 404
	case EConflict:
		return 409
	case ERateLimited:
		return 429
	case EUnavailable:
		return 503
	default:
		return 500
	}
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
