package hub

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxAttachmentBytes is the largest file a conversation takes.
const MaxAttachmentBytes = 10 << 20

// attachmentTypes are the content types accepted, as sniffed from the
// bytes (never as declared by the sender). Office documents sniff as zip.
var attachmentTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": true, "text/plain; charset=utf-8": true, "application/zip": true,
}

// Attachment is a file sent in a conversation, with its bytes.
type Attachment struct {
	ID             int64
	TenantID       int64
	ConversationID int64
	Name           string
	ContentType    string
	Size           int64
	SHA256         string
	Data           []byte
	CreatedAt      time.Time
}

// IsImage reports whether the file is shown inline.
func (a *Attachment) IsImage() bool { return strings.HasPrefix(a.ContentType, "image/") }

// AttachmentRef is what a message says of its file. Path is the file's
// download path, signed so that only those who see the message can fetch it.
type AttachmentRef struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Path        string `json:"path"`
}

// NewAttachment is a file to send as a message.
type NewAttachment struct {
	ConversationID int64 // 0: the visitor's own conversation
	ClientMsgID    string
	Name           string
	Data           []byte
	Caption        string
}

// FileTooLarge is the error for a file over MaxAttachmentBytes, wherever
// it is found out (here, or reading the upload in hub/web).
func FileTooLarge() *Error {
	return Reasonf(EInvalid, ReasonFileTooLarge, "the file is over %d MiB", MaxAttachmentBytes>>20)
}

// SendAttachment stores a file and the message that carries it, in one
// transaction, like SendMessage (including its idempotency by client id).
// The type is sniffed from the bytes; only images, PDF, plain text and zip
// (office documents) are taken, up to MaxAttachmentBytes.
func (s *Service) SendAttachment(ctx context.Context, actor Actor, in NewAttachment) (*Message, error) {
	if len(in.Data) == 0 {
		return nil, Reasonf(EInvalid, ReasonFileEmpty, "the file is empty")
	}
	if len(in.Data) > MaxAttachmentBytes {
		return nil, FileTooLarge()
	}
	ctype := http.DetectContentType(in.Data)
	if !attachmentTypes[ctype] {
		return nil, Reasonf(EInvalid, ReasonFileType, "files of type %s are not accepted: send an image, a PDF, a text file or a document", strings.Split(ctype, ";")[0])
	}
	name := cleanFileName(in.Name)
	body := strings.TrimSpace(in.Caption)
	if body == "" {
		body = name
	}
	sum := sha256.Sum256(in.Data)
	a := &Attachment{Name: name, ContentType: ctype, Size: int64(len(in.Data)), SHA256: hex.EncodeToString(sum[:]), Data: in.Data}
	return s.send(ctx, actor, NewMessage{ConversationID: in.ConversationID, ClientMsgID: in.ClientMsgID, Body: body}, a)
}

// cleanFileName keeps a display name safe to show and to put in headers.
func cleanFileName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" {
		name = "file"
	}
	return name
}

// AttachmentLinkTTL is how long a file's signed link works at least after
// it was handed out; every listing of messages hands out fresh ones, so a
// link in a page that stays open keeps working for a day. Expiries are
// rounded up to the next hour, so that a file's link stays the same within
// an hour (and the browser's cache holds).
const AttachmentLinkTTL = 24 * time.Hour

// attachmentPath is the download path of file id, signed with the current
// secret, working until AttachmentLinkTTL (and up to an hour more) after
// now: /files/<id>/<expiry>.<mac>/<name>.
func (s *Service) attachmentPath(id int64, name string, now time.Time) string {
	exp := now.Add(AttachmentLinkTTL).Truncate(time.Hour).Add(time.Hour).Unix()
	return "/files/" + strconv.FormatInt(id, 10) + "/" + strconv.FormatInt(exp, 10) + "." + linkMAC(s.Secret, id, exp) +
		"/" + urlPathEscape(name)
}

func linkMAC(secret []byte, id, exp int64) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("attachment." + strconv.FormatInt(id, 10) + "." + strconv.FormatInt(exp, 10)))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)[:18])
}

// signLinks gives the files of msgs links that work from now, as
// attachmentPath makes them: stored messages keep the link of the day they
// were written.
func (s *Service) signLinks(msgs []*Message) {
	now := s.now()
	for _, m := range msgs {
		if a := m.Attachment; a != nil {
			ref := *a
			ref.Path = s.attachmentPath(a.ID, a.Name, now)
			m.Attachment = &ref
		}
	}
}

// urlPathEscape escapes a file name for the last path segment.
func urlPathEscape(name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
		}
	}
	return b.String()
}

// Attachment returns the file whose signed path names id and sig, while
// the link has not expired; it is signed with the current secret or one of
// the PreviousSecrets, so that links handed out before a change of secret
// keep working until they expire. Anything else is ENotFound: an expired
// link tells nothing more than a forged one.
func (s *Service) Attachment(ctx context.Context, id int64, sig string) (*Attachment, error) {
	expText, mac, _ := strings.Cut(sig, ".")
	exp, err := strconv.ParseInt(expText, 10, 64)
	if err != nil || !s.now().Before(time.Unix(exp, 0)) {
		return nil, Errorf(ENotFound, "file not found, or its link has expired: reload the conversation")
	}
	valid := false
	for _, secret := range append([][]byte{s.Secret}, s.PreviousSecrets...) {
		valid = valid || hmac.Equal([]byte(mac), []byte(linkMAC(secret, id, exp)))
	}
	if !valid {
		return nil, Errorf(ENotFound, "file not found, or its link has expired: reload the conversation")
	}
	a, err := s.Store.FindAttachment(ctx, id)
	if IsCode(err, ENotFound) {
		return nil, Errorf(ENotFound, "file not found")
	}
	return a, err
}
