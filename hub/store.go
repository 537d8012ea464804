package hub

import (
	"context"
	"time"
)

// Store persists Parley's data; it is the source of truth. Implementations:
// store/postgres and store/sqlite, both checked by store/storetest.
//
// Errors: ENotFound when a Find* finds nothing (never a nil result with a nil
// error), EConflict on a unique-key violation or a stale version,
// Retryable(err) when the database gave up on the transaction but running
// it again may succeed (a deadlock, a serialization failure), EInternal (a
// plain wrapped error) for anything else.
type Store interface {
	Queries
	// Tx runs fn in one read-write transaction and commits when fn returns
	// nil. Queries made through the argument see the transaction's writes.
	Tx(ctx context.Context, fn func(q Queries) error) error
	// Ping checks that the store is reachable.
	Ping(ctx context.Context) error
	// Close releases the store's connections.
	Close() error
}

// Queries are the store's operations. Methods that write several rows
// (CreateMessage, NextTicketNumber) must run inside Store.Tx.
type Queries interface {
	// EnsureSetting stores value under key unless the key exists, and
	// returns the stored value. Nodes use it to agree on generated secrets.
	EnsureSetting(ctx context.Context, key, value string) (string, error)
	// FindSetting returns the value stored under key, ENotFound if none.
	FindSetting(ctx context.Context, key string) (string, error)

	CreateTenant(ctx context.Context, t *Tenant) error
	FindTenantByID(ctx context.Context, id int64) (*Tenant, error)
	CountTenants(ctx context.Context) (int, error)
	// FindPlatformTenant returns the platform's own tenant (the one staff
	// belong to), ENotFound before it exists. CreateTenant of a second
	// platform tenant is EConflict.
	FindPlatformTenant(ctx context.Context) (*Tenant, error)
	// UpdateSupportAccess writes a tenant's support access (ENotFound if
	// the tenant is gone).
	UpdateSupportAccess(ctx context.Context, tenantID int64, a SupportAccess) error
	// FindTenantsWithSupportAccess returns the tenants whose support
	// access is open at now (Open, and Until nil or after now), by name.
	FindTenantsWithSupportAccess(ctx context.Context, now time.Time) ([]*Tenant, error)
	// UpdateTenantPlan sets a tenant's plan (ENotFound if the tenant is gone).
	UpdateTenantPlan(ctx context.Context, tenantID int64, plan string) error
	// FindTenants returns the customers' tenants (never the platform's),
	// newest first (by id), at most f.Limit, those with an id below
	// f.BeforeID when it is set. Never nil.
	FindTenants(ctx context.Context, f TenantFilter) ([]*Tenant, error)
	// NextTicketNumber returns the tenant's next ticket number (1, 2, …).
	NextTicketNumber(ctx context.Context, tenantID int64) (int64, error)

	// CreateMember returns EConflict when the email (case-insensitive) is taken.
	CreateMember(ctx context.Context, m *Member) error
	FindMemberByID(ctx context.Context, id int64) (*Member, error)
	FindMemberByEmail(ctx context.Context, email string) (*Member, error)
	FindMembers(ctx context.Context, tenantID int64) ([]*Member, error)

	CreateSession(ctx context.Context, s *Session) error
	FindSessionByTokenHash(ctx context.Context, hash string) (*Session, error)
	DeleteSession(ctx context.Context, id int64) error

	// CreateSite inserts s, sets its ID, Version 1 and KnowledgeVersion 1.
	CreateSite(ctx context.Context, s *Site) error
	FindSiteByID(ctx context.Context, id int64) (*Site, error)
	FindSiteByKey(ctx context.Context, key string) (*Site, error)
	FindSites(ctx context.Context, tenantID int64) ([]*Site, error)
	// UpdateSite writes every field but ID, TenantID, Version,
	// KnowledgeVersion and CreatedAt, increments the stored Version and
	// sets s.Version to it; when Synonyms differ from the stored ones it
	// increments the KnowledgeVersion too, and sets s.KnowledgeVersion to
	// the stored one either way. Inside Tx the row stays locked until the
	// transaction ends.
	UpdateSite(ctx context.Context, s *Site) error
	// TouchSites increments the Version of every site of the tenant, as
	// UpdateSite does, and returns the sites as they are now, by id: a
	// change of the tenant's plan changes every site's gate.
	TouchSites(ctx context.Context, tenantID int64) ([]*Site, error)

	// CreateVisitor returns EConflict when (site, anonymous id) or
	// (site, external id) is taken.
	CreateVisitor(ctx context.Context, v *Visitor) error
	FindVisitorByID(ctx context.Context, id int64) (*Visitor, error)
	FindVisitorByAnonymousID(ctx context.Context, siteID int64, anonymousID string) (*Visitor, error)
	FindVisitorByExternalID(ctx context.Context, siteID int64, externalID string) (*Visitor, error)
	UpdateVisitor(ctx context.Context, v *Visitor) error

	// CreateConversation sets ID, LastSeq 0 and Version 1.
	CreateConversation(ctx context.Context, c *Conversation) error
	FindConversationByID(ctx context.Context, id int64) (*Conversation, error)
	// LockConversation is FindConversationByID for a write: inside Tx it
	// also locks the row until the transaction ends (SELECT … FOR UPDATE),
	// so writers of one conversation queue up instead of racing on its
	// version.
	LockConversation(ctx context.Context, id int64) (*Conversation, error)
	// FindConversationByVisitor returns the visitor's newest conversation.
	FindConversationByVisitor(ctx context.Context, visitorID int64) (*Conversation, error)
	// FindCurrentConversation returns the visitor's newest conversation
	// whose status is not ConversationClosed.
	FindCurrentConversation(ctx context.Context, visitorID int64) (*Conversation, error)
	// LockVisitor, inside Tx, makes every other transaction that calls it
	// for the same visitor wait until this one ends, so that a visitor's
	// first message starts one conversation however many nodes receive
	// it. ENotFound when the visitor does not exist.
	LockVisitor(ctx context.Context, id int64) error
	// FindConversations applies every field of f (the caller validated
	// it); Escalated means a ticket was opened from the conversation
	// (TicketID set). Never nil.
	FindConversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error)
	// UpdateConversation writes every field but ID, TenantID, SiteID,
	// VisitorID, LastSeq and CreatedAt when the stored Version equals
	// c.Version, then increments c.Version. A stale version is EConflict.
	UpdateConversation(ctx context.Context, c *Conversation) error
	// FindPendingAssistantConversations returns conversations with a
	// visitor message the assistant has not handled (VisitorSeq >
	// AssistantSeq, hand-off state assistant or awaiting_email) and no
	// message since idleBefore, oldest activity first.
	FindPendingAssistantConversations(ctx context.Context, idleBefore time.Time, limit int) ([]*Conversation, error)

	// CreateMessage assigns m.Seq (the conversation's LastSeq plus one,
	// written back to the conversation) and m.ID in the same transaction.
	// A duplicate (conversation, client message id) is EConflict.
	CreateMessage(ctx context.Context, m *Message) error
	FindMessageByID(ctx context.Context, id int64) (*Message, error)
	// UpdateMessageFeedback sets the visitor's vote on a message.
	UpdateMessageFeedback(ctx context.Context, id int64, feedback string) error
	FindMessageByClientID(ctx context.Context, conversationID int64, clientMsgID string) (*Message, error)
	// FindMessages returns messages in ascending seq order.
	FindMessages(ctx context.Context, f MessageFilter) ([]*Message, error)
	// CountMessages counts non-internal messages with seq > afterSeq written
	// by one of authors.
	CountMessages(ctx context.Context, conversationID, afterSeq int64, authors []AuthorKind) (int, error)

	// CreateTicket sets ID and Version 1; the caller sets Number.
	CreateTicket(ctx context.Context, t *Ticket) error
	// FindTicketByID and FindTickets fill the derived LastActivityAt and
	// RequesterUnread from the ticket's conversation.
	FindTicketByID(ctx context.Context, id int64) (*Ticket, error)
	// LockTicket is FindTicketByID for a write: inside Tx it also locks
	// the ticket's row until the transaction ends.
	LockTicket(ctx context.Context, id int64) (*Ticket, error)
	// FindTickets matches f.Query against subjects through a text index.
	FindTickets(ctx context.Context, f TicketFilter) ([]*Ticket, error)
	// UpdateTicket is optimistic like UpdateConversation.
	UpdateTicket(ctx context.Context, t *Ticket) error

	// SaveReadMarker stores m unless a marker with a higher Seq exists, and
	// returns the stored marker.
	SaveReadMarker(ctx context.Context, m ReadMarker) (ReadMarker, error)

	// Unread per member (hub/unread.go says what counts and in which
	// badge). A store keeps, for each member and conversation with
	// something unread, the count and the read position it counts from
	// (no row: nothing unread), with the badges it counts in; and each
	// member's badges with a version that grows with every change of the
	// member's numbers. Every method below writes inside Store.Tx and
	// locks the conversation first (then the member rows of it, then the
	// members' badges in member order), so counts never miss a concurrent
	// message and writers cannot deadlock. A member's rows go with them
	// (DeleteMember). Guarded by storetest Unread and UnreadRecount.
	//
	// AddUnread counts one more unread message, the one at seq, in
	// s.ConversationID for every member of s.TenantID; a member with
	// nothing unread there had read up to seq-1. Its badges follow s. It
	// returns each member's new numbers, by member id. Call it after
	// CreateMessage, which locked the conversation. EConflict when a
	// member was deleted meanwhile: run the transaction again.
	AddUnread(ctx context.Context, s UnreadScope, seq int64) ([]MemberUnread, error)
	// ReadUnread moves r.MemberID's read position to r.Seq, unless it is
	// there already or nothing is unread: the count becomes the
	// non-internal messages by r.Authors after r.Seq (none when r.Seq is
	// the conversation's last message). read reports whether anything
	// changed; the numbers are the member's either way.
	ReadUnread(ctx context.Context, r UnreadRead) (mu MemberUnread, read bool, err error)
	// ScopeUnread moves the unread of s.ConversationID between the
	// members' badges after its current ticket, or that ticket's assignee,
	// changed, and returns the numbers of the members whose badges changed,
	// by member id.
	ScopeUnread(ctx context.Context, s UnreadScope) ([]MemberUnread, error)
	// FindUnread returns memberID's badges and version and their counts of
	// conversationIDs (those with unread only, with each one's current
	// ticket), in one snapshot. It reads one row per conversation asked
	// about, never messages.
	FindUnread(ctx context.Context, memberID int64, conversationIDs []int64) (UnreadCounts, error)

	// A person's data (hub/visitor_privacy.go). Guarded by storetest
	// VisitorDeletion.
	//
	// FindTicketsByConversation returns every ticket opened from the
	// conversation, its current one and older ones, by ascending id;
	// never nil.
	FindTicketsByConversation(ctx context.Context, conversationID int64) ([]*Ticket, error)
	// DropUnread takes the conversation's unread off every member's
	// badges and deletes their rows of it, and returns the new numbers of
	// the members whose badges changed (Count 0), by member id. It locks
	// like the unread writes above. Call it inside Tx.
	DropUnread(ctx context.Context, conversationID int64) ([]MemberUnread, error)
	// DeleteVisitor deletes the visitor and their conversations with
	// everything in them: messages, attachments with their bytes, read
	// markers, members' unread rows (DropUnread them first, or the badges
	// keep them), and every email of those conversations in the outbox,
	// whatever its status. Tickets opened from the conversations stay,
	// without their conversation. It returns how many conversations,
	// messages, attachments and emails it deleted (Tickets 0). ENotFound
	// when there is no such visitor. Call it inside Tx.
	DeleteVisitor(ctx context.Context, id int64) (VisitorDeletion, error)

	// CreateAttachment stores a file with its bytes and sets a.ID.
	CreateAttachment(ctx context.Context, a *Attachment) error
	// FindAttachment returns a file with its bytes.
	FindAttachment(ctx context.Context, id int64) (*Attachment, error)

	// The mail outbox (hub/email.go), sent by MailWorker.
	//
	// CreateEmail sets e.ID. Call it in the transaction that causes the
	// email, so the email exists exactly when what caused it does.
	CreateEmail(ctx context.Context, e *Email) error
	// ClaimDueEmails atomically takes up to limit pending emails with
	// NextAttemptAt <= now, longest due first (ties by ID), and moves their
	// NextAttemptAt to now+lease, so no other claimer on any node takes them
	// until the lease passes. Concurrent claims never return the same
	// email. Never nil.
	ClaimDueEmails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]*Email, error)
	// UpdateEmail writes Status, Attempts, NextAttemptAt, LastError and
	// SentAt; a missing email is ENotFound.
	UpdateEmail(ctx context.Context, e *Email) error
	// FindEmails returns all of a tenant's emails by ascending ID; for tests
	// and diagnostics, not for request paths.
	FindEmails(ctx context.Context, tenantID int64) ([]*Email, error)

	// The knowledge base (hub/knowledge.go). The stores keep a full-text
	// index of titles and bodies in step with every write, and every
	// create, update and delete increments the site's knowledge version
	// (KnowledgeVersion, Site.KnowledgeVersion) atomically with the write,
	// in or out of a transaction. Phrasings are stored as given (nil reads
	// back as an empty list); the Service validates them, the language and
	// the translation link.
	//
	// CreateKnowledgeEntry sets e.ID.
	CreateKnowledgeEntry(ctx context.Context, e *KnowledgeEntry) error
	FindKnowledgeEntryByID(ctx context.Context, id int64) (*KnowledgeEntry, error)
	// FindKnowledgeEntries returns a site's entries by ascending id.
	FindKnowledgeEntries(ctx context.Context, siteID int64) ([]*KnowledgeEntry, error)
	// UpdateKnowledgeEntry writes Kind, Title, Body, Language, Phrasings,
	// TranslationOf and UpdatedAt; a missing entry is ENotFound.
	UpdateKnowledgeEntry(ctx context.Context, e *KnowledgeEntry) error
	// DeleteKnowledgeEntry returns ENotFound when there is no such entry.
	// The entries that translated it get TranslationOf 0 in the same
	// statement (storetest's testKnowledgeTranslations).
	DeleteKnowledgeEntry(ctx context.Context, id int64) error
	// KnowledgeVersion is KnowledgeSearcher's: the site's knowledge
	// version, ENotFound for a missing site.
	KnowledgeVersion(ctx context.Context, siteID int64) (int64, error)
	// LockKnowledge, inside Tx, makes every other transaction that calls
	// it for the same site wait until this one ends, so that a check over
	// the site's entries (the translation links' rules) still holds at
	// commit. ENotFound when the site does not exist.
	LockKnowledge(ctx context.Context, siteID int64) error
	// SearchKnowledge is KnowledgeSearcher's: any word of query matches as
	// a prefix, the title ranks above the body, ties go to the lower id. A
	// limit below 1 finds nothing; at most 100 entries are returned.
	SearchKnowledge(ctx context.Context, siteID int64, query string, limit int) ([]*KnowledgeEntry, error)
	// The entries' embeddings (hub/knowledge_embedding.go).
	KnowledgeEmbeddingStore

	CreateAuditEntry(ctx context.Context, e *AuditEntry) error
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)

	// Reports (hub/report.go defines every number).
	//
	// Report measures f's range, which the caller has validated (From and
	// To UTC midnights, From <= To), for f.TenantID only and, when
	// f.SiteID is set, that site only (a site of another tenant matches
	// nothing). Every day of the range is in Days, in order. Outside a
	// transaction all numbers come from one read-only snapshot of the
	// database. It fails only with EInternal.
	Report(ctx context.Context, f ReportFilter) (*Report, error)

	// The inbox: identity cards and canned responses (hub/conversation.go,
	// hub/canned.go).
	//
	// FindVisitorsByIDs returns the visitors of ids that exist, in no
	// particular order; never nil.
	FindVisitorsByIDs(ctx context.Context, ids []int64) ([]*Visitor, error)
	// CreateCannedResponse sets c.ID.
	CreateCannedResponse(ctx context.Context, c *CannedResponse) error
	FindCannedResponseByID(ctx context.Context, id int64) (*CannedResponse, error)
	// FindCannedResponses returns a tenant's canned responses by title,
	// then id; never nil.
	FindCannedResponses(ctx context.Context, tenantID int64) ([]*CannedResponse, error)
	// UpdateCannedResponse writes Title, Body and UpdatedAt; a missing
	// response is ENotFound.
	UpdateCannedResponse(ctx context.Context, c *CannedResponse) error
	// DeleteCannedResponse returns ENotFound when there is no such response.
	DeleteCannedResponse(ctx context.Context, id int64) error

	// Accounts and teams (hub/account.go, hub/invite.go, hub/member.go).
	//
	// UpdateMember writes Name, Role, Locale, PasswordHash and
	// RoleChangedAt; a missing member is ENotFound.
	UpdateMember(ctx context.Context, m *Member) error
	// DeleteMember deletes a member with their sessions, password resets
	// and unread counts; conversations and tickets assigned to them become
	// unassigned. A missing member is ENotFound.
	DeleteMember(ctx context.Context, id int64) error
	// LockTeam, inside Tx, makes every other transaction that calls it for
	// the same tenant wait until this one ends, so that a check over the
	// team ("another owner remains") still holds at commit. ENotFound when
	// the tenant does not exist.
	LockTeam(ctx context.Context, tenantID int64) error
	// AddLoginFailure atomically adds one to the member's failed sign-ins
	// in a row and returns the new count; ENotFound for a missing member.
	AddLoginFailure(ctx context.Context, memberID int64) (int, error)
	// LockMember refuses the member's sign-ins until until; a lock that
	// lasts longer is kept (concurrent failures never shorten a lock).
	LockMember(ctx context.Context, memberID int64, until time.Time) error
	// ResetLoginFailures sets the failure count to 0 and lifts the lock.
	ResetLoginFailures(ctx context.Context, memberID int64) error
	// DeleteMemberSessions deletes the member's sessions except the one
	// whose token hash is keep ("": none is kept).
	DeleteMemberSessions(ctx context.Context, memberID int64, keep string) error

	// CreateInvite sets i.ID; a taken token hash is EConflict.
	CreateInvite(ctx context.Context, i *Invite) error
	FindInviteByID(ctx context.Context, id int64) (*Invite, error)
	FindInviteByTokenHash(ctx context.Context, hash string) (*Invite, error)
	// FindInvites returns the tenant's invites not accepted yet, expired
	// ones included, by ascending id. Never nil.
	FindInvites(ctx context.Context, tenantID int64) ([]*Invite, error)
	// AcceptInvite sets AcceptedAt of a pending invite. ENotFound when it
	// is missing or accepted already, so that of concurrent accepts
	// exactly one succeeds.
	AcceptInvite(ctx context.Context, id int64, at time.Time) error
	// DeleteInvite returns ENotFound when there is no such invite.
	DeleteInvite(ctx context.Context, id int64) error

	// Workspace API tokens (apitoken.go).
	APITokenQueries

	// CreatePasswordReset sets r.ID; a taken token hash is EConflict.
	CreatePasswordReset(ctx context.Context, r *PasswordReset) error
	FindPasswordResetByTokenHash(ctx context.Context, hash string) (*PasswordReset, error)
	// UsePasswordReset sets UsedAt of an unused reset. ENotFound when it is
	// missing or used already, so that a token works exactly once.
	UsePasswordReset(ctx context.Context, id int64, at time.Time) error
	// CountPasswordResets counts the member's resets created at or after
	// since, used or not.
	CountPasswordResets(ctx context.Context, memberID int64, since time.Time) (int, error)
}
