package hub

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Email kinds.
const (
	// EmailTicketTeam tells the team of a new ticket: to the site's support
	// email override, else the tenant's owner (004 "Where the email goes").
	EmailTicketTeam = "ticket_created"
	// EmailTicketVisitor confirms a new ticket to its requester.
	EmailTicketVisitor = "ticket_confirmation"
	// EmailAgentReply brings an agent's reply to a visitor who has not read
	// it in the chat by the time it is due.
	EmailAgentReply = "agent_reply"
	// EmailPasswordReset brings a member the link that sets a new
	// password (hub/account.go).
	EmailPasswordReset = "password_reset"
	// EmailInvite brings an invited person the link that creates their
	// account in a workspace (hub/invite.go).
	EmailInvite = "invite"
)

// Email statuses.
const (
	EmailPending = "pending"
	EmailSent    = "sent"
	EmailSkipped = "skipped" // no longer needed (the visitor read the reply)
	EmailFailed  = "failed"  // gave up after the last attempt
)

// ReplyEmailDelay is how long an agent's reply waits for the visitor to
// read it in the chat before it goes out by email. MailWorker.ReplyDelay
// can hold replies longer.
const ReplyEmailDelay = 2 * time.Minute

// Email is a message in the outbox. It is written in the transaction that
// causes it and sent afterwards by a MailWorker on any node.
type Email struct {
	ID             int64
	TenantID       int64
	Kind           string
	To             string
	ReplyTo        string
	Subject        string
	Body           string // plain text
	ConversationID int64
	// UnlessReadSeq: skip the email if the visitor has read the
	// conversation up to this seq when it is due (0: always send).
	UnlessReadSeq int64
	Status        string
	// Attempts counts the sends tried, successful or not.
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	SentAt        time.Time // zero until sent
	CreatedAt     time.Time
}

// Mail is one email as a Mailer sends it.
type Mail struct {
	To      string
	ReplyTo string
	Subject string
	Text    string
	// MessageID, when set, is the local part of the Message-ID header; the
	// worker derives it from the outbox row, so every retry of one email
	// carries the same Message-ID and receivers can drop duplicates. Empty:
	// the Mailer makes a random one.
	MessageID string
}

// Mailer sends mail: hub/mail's SMTP mailer, or its log-only mailer when no
// SMTP server is configured. Send must give up when ctx is done.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// Limits on what an email quotes of a conversation.
const (
	maxTranscriptMessages = 200
	maxRepliesPerEmail    = 20
)

// queueTicketEmails writes, in the ticket's transaction, the team's
// notification and the requester's confirmation of a new ticket t; conv is
// its conversation, or nil for a ticket opened without a chat.
//
// The team's email goes to the site's support email override, else to the
// tenant's first owner; with neither, no team email is written and a
// warning is logged (004 "Troubleshooting"), but the ticket stands. Its
// Reply-To is the requester, so replying in the inbox reaches them.
func (s *Service) queueTicketEmails(ctx context.Context, q Queries, t *Ticket, conv *Conversation) error {
	site, err := ticketSite(ctx, q, t)
	if err != nil {
		return err
	}
	team, err := teamAddress(ctx, q, t.TenantID, site)
	if err != nil {
		return err
	}
	var visitor *Visitor
	if conv != nil {
		if visitor, err = q.FindVisitorByID(ctx, conv.VisitorID); err != nil {
			return err
		}
	}
	now := s.now()
	subject := oneLine(fmt.Sprintf("[%s] %s", t.Ref(), t.Subject))
	if team == "" {
		s.Log.Warn().Str("event", "support_ticket_created").Int64("tenant", t.TenantID).Int64("ticket", t.ID).
			Str("reason", "no email recipient resolved: no owner and no support email override").
			Msg("support_ticket_created")
	} else {
		body, err := ticketTeamBody(ctx, q, t, site, conv, visitor)
		if err != nil {
			return err
		}
		e := &Email{TenantID: t.TenantID, Kind: EmailTicketTeam, To: team, ReplyTo: t.RequesterEmail, Subject: subject,
			Body: body, ConversationID: t.ConversationID, Status: EmailPending, NextAttemptAt: now, CreatedAt: now}
		if err := q.CreateEmail(ctx, e); err != nil {
			return err
		}
	}
	if t.RequesterEmail == "" {
		return nil
	}
	text := emailTexts[emailLanguage(visitor, site)]
	body := fmt.Sprintf(text.received, t.Ref(), t.Subject) + "\n" + signature(site)
	return q.CreateEmail(ctx, &Email{TenantID: t.TenantID, Kind: EmailTicketVisitor, To: t.RequesterEmail, ReplyTo: team,
		Subject: subject, Body: body, ConversationID: t.ConversationID, Status: EmailPending, NextAttemptAt: now,
		CreatedAt: now})
}

// queueReplyEmail writes, in the reply's transaction, the email that
// brings an agent's reply m to the visitor if they do not read it in time:
// it is due ReplyEmailDelay later and skipped if by then the visitor has
// read up to m. Visitors without an email get none.
//
// Bursts collapse into one email: each reply's email lists every reply the
// visitor had not read when it was written, and MailWorker skips a reply
// email once a later agent reply exists (that reply's email lists this
// one). So five quick replies send one email, the last, listing all five.
// Skipping at send time rather than updating a pending row keeps replies
// from being lost to a worker that is sending that row at the same moment.
func (s *Service) queueReplyEmail(ctx context.Context, q Queries, conv *Conversation, m *Message) error {
	if m.Internal || m.AuthorKind != AuthorAgent {
		return nil
	}
	visitor, err := q.FindVisitorByID(ctx, conv.VisitorID)
	if err != nil {
		return err
	}
	to := visitor.ContactEmail()
	if to == "" {
		return nil
	}
	site, err := q.FindSiteByID(ctx, conv.SiteID)
	if err != nil {
		return err
	}
	team, err := teamAddress(ctx, q, conv.TenantID, site)
	if err != nil {
		return err
	}
	text := emailTexts[emailLanguage(visitor, site)]
	subject := fmt.Sprintf(text.newReply, site.Name)
	if conv.TicketID != 0 {
		t, err := q.FindTicketByID(ctx, conv.TicketID)
		if err != nil {
			return err
		}
		subject = fmt.Sprintf("Re: [%s] %s", t.Ref(), t.Subject)
	}
	earlier, err := q.FindMessages(ctx, MessageFilter{ConversationID: conv.ID, AfterSeq: conv.VisitorReadSeq,
		BeforeSeq: m.Seq, VisitorView: true, Newest: true, Limit: 5 * maxRepliesPerEmail})
	if err != nil {
		return err
	}
	var replies []*Message
	for _, r := range earlier {
		if r.AuthorKind == AuthorAgent {
			replies = append(replies, r)
		}
	}
	replies = append(replies, m)
	if len(replies) > maxRepliesPerEmail {
		replies = replies[len(replies)-maxRepliesPerEmail:]
	}
	var b strings.Builder
	for _, r := range replies {
		name := r.AuthorName
		if name == "" {
			name = text.agent
		}
		fmt.Fprintf(&b, "%s:\n%s\n", name, r.Body)
		if r.Attachment != nil {
			fmt.Fprintf(&b, "[%s: %s]\n", text.file, r.Attachment.Name)
		}
		b.WriteString("\n")
	}
	b.WriteString(fmt.Sprintf(text.replyIn, site.Name) + "\n")
	now := s.now()
	return q.CreateEmail(ctx, &Email{TenantID: conv.TenantID, Kind: EmailAgentReply, To: to, ReplyTo: team,
		Subject: oneLine(subject), Body: b.String(), ConversationID: conv.ID, UnlessReadSeq: m.Seq,
		Status: EmailPending, NextAttemptAt: now.Add(ReplyEmailDelay), CreatedAt: now})
}

// ticketSite returns the ticket's site, or nil for a ticket without one.
func ticketSite(ctx context.Context, q Queries, t *Ticket) (*Site, error) {
	if t.SiteID == 0 {
		return nil, nil
	}
	return q.FindSiteByID(ctx, t.SiteID)
}

// teamAddress is where the team's mail goes (004 "Where the email goes"):
// the site's support email override, else the tenant's owner (the first
// one by id), else "" (nobody).
func teamAddress(ctx context.Context, q Queries, tenantID int64, site *Site) (string, error) {
	if site != nil && strings.TrimSpace(site.SupportEmail) != "" {
		return strings.TrimSpace(site.SupportEmail), nil
	}
	members, err := q.FindMembers(ctx, tenantID)
	if err != nil {
		return "", err
	}
	var owner *Member
	for _, m := range members {
		if m.Role == RoleOwner && (owner == nil || m.ID < owner.ID) {
			owner = m
		}
	}
	if owner == nil {
		return "", nil
	}
	return owner.Email, nil
}

// ticketTeamBody is the team's email about a new ticket: the ticket, the
// visitor, and the conversation as the visitor saw it (no internal notes).
func ticketTeamBody(ctx context.Context, q Queries, t *Ticket, site *Site, conv *Conversation, v *Visitor) (string, error) {
	var b strings.Builder
	if site != nil {
		fmt.Fprintf(&b, "New support ticket %s on %s.\n\n", t.Ref(), site.Name)
	} else {
		fmt.Fprintf(&b, "New support ticket %s.\n\n", t.Ref())
	}
	field := func(name, value string) {
		if value = strings.TrimSpace(value); value != "" {
			fmt.Fprintf(&b, "%s: %s\n", name, oneLine(value))
		}
	}
	field("Ticket", t.Ref())
	field("Subject", t.Subject)
	field("Requester", t.RequesterEmail+" (reply to this email to answer them)")
	if summary := strings.TrimSpace(t.Summary); summary != "" {
		fmt.Fprintf(&b, "\nSummary:\n%s\n", summary)
	}
	if v != nil {
		b.WriteString("\nVisitor\n")
		field("Name", v.Name)
		field("External ID", v.ExternalID)
		field("Email", v.ContactEmail())
		field("Country", v.Country)
		field("Device", v.Device)
		field("Current page", v.CurrentPage)
		field("Language", v.Locale)
	}
	if conv == nil {
		return b.String(), nil
	}
	msgs, err := q.FindMessages(ctx, MessageFilter{ConversationID: conv.ID, VisitorView: true, Newest: true,
		Limit: maxTranscriptMessages + 1})
	if err != nil {
		return "", err
	}
	b.WriteString("\nConversation (times in UTC)\n")
	if len(msgs) > maxTranscriptMessages {
		msgs = msgs[len(msgs)-maxTranscriptMessages:]
		fmt.Fprintf(&b, "(earlier messages left out: only the last %d are here)\n", maxTranscriptMessages)
	}
	writeTranscript(&b, msgs)
	return b.String(), nil
}

// writeTranscript writes msgs as lines "[10:03] Visitor: …", with a date
// line whenever the day changes. Continuation lines are indented.
func writeTranscript(b *strings.Builder, msgs []*Message) {
	day := ""
	for _, m := range msgs {
		at := m.CreatedAt.UTC()
		if d := at.Format("2006-01-02"); d != day {
			day = d
			fmt.Fprintf(b, "%s\n", d)
		}
		var who string
		switch m.AuthorKind {
		case AuthorVisitor:
			who = "Visitor"
		case AuthorAssistant:
			who = "Assistant"
		case AuthorAgent:
			who = m.AuthorName
			if who == "" {
				who = "Agent"
			}
		case AuthorSystem:
			who = "System"
		default:
			who = string(m.AuthorKind)
		}
		text := strings.TrimSpace(m.Body)
		if m.Attachment != nil {
			text = strings.TrimSpace(text + " [file: " + m.Attachment.Name + "]")
		}
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\n    ")
		fmt.Fprintf(b, "[%s] %s: %s\n", at.Format("15:04"), who, text)
	}
}

// emailText is what the visitor's emails say, in one language.
type emailText struct {
	received string // ticket ref, subject
	newReply string // site name
	replyIn  string // site name
	agent    string // an agent without a name
	file     string
}

var emailTexts = map[string]emailText{
	"en": {
		received: "We received your request %s: %s. Our team will reply in the chat and by email.",
		newReply: "New reply from %s",
		replyIn:  "Reply in the chat on %s or to this email.",
		agent:    "Support",
		file:     "file",
	},
	"ru": {
		received: "Мы получили ваш запрос %s: %s. Наша команда ответит в чате и по электронной почте.",
		newReply: "Новый ответ от %s",
		replyIn:  "Ответьте в чате на %s или на это письмо.",
		agent:    "Поддержка",
		file:     "файл",
	},
}

// emailLanguage is the language of the visitor's emails: Russian when
// their locale (else the site's default) starts with "ru", else English.
func emailLanguage(v *Visitor, site *Site) string {
	locale := ""
	if v != nil {
		locale = v.Locale
	}
	if locale == "" && site != nil {
		locale = site.DefaultLocale
	}
	if strings.HasPrefix(strings.ToLower(locale), "ru") {
		return "ru"
	}
	return "en"
}

// signature closes the visitor's emails with the site's name.
func signature(site *Site) string {
	if site == nil || site.Name == "" {
		return ""
	}
	return "\n— " + site.Name + "\n"
}

// oneLine turns control characters (line breaks above all) into spaces,
// so text from visitors cannot add header lines to a subject.
func oneLine(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s))
}
