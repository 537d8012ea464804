// Package storetest is the one contract suite every hub.Store must pass.
// store/postgres and store/sqlite run it against a real database; a
// behaviour that differs between them is a bug in one of them.
//
// Every subtest opens its own store and runs in parallel with the others.
package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// Run runs the contract suite. open must return a fresh, empty, migrated
// store for each call and close it when the test ends.
func Run(t *testing.T, open func(t *testing.T) hub.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s hub.Store)
	}{
		{"Settings", testSettings},
		{"Tenants", testTenants},
		{"TicketNumbers", testTicketNumbers},
		{"Members", testMembers},
		{"Sessions", testSessions},
		{"Sites", testSites},
		{"Visitors", testVisitors},
		{"Conversations", testConversations},
		{"ConversationVersions", testConversationVersions},
		{"ConversationPages", testConversationPages},
		{"PendingAssistant", testPendingAssistant},
		{"Messages", testMessages},
		{"MessageClientIDs", testMessageClientIDs},
		{"MessageSeqConcurrent", testMessageSeqConcurrent},
		{"MessageSeqWithoutTx", testMessageSeqWithoutTx},
		{"FindMessages", testFindMessages},
		{"CountMessages", testCountMessages},
		{"Tickets", testTickets},
		{"TicketVersions", testTicketVersions},
		{"TicketPages", testTicketPages},
		{"TicketSearch", testTicketSearch},
		{"ReadMarkers", testReadMarkers},
		{"AuditEntries", testAuditEntries},
		{"Attachments", testAttachments},
		{"Emails", testEmails},
		{"EmailClaims", testEmailClaims},
		{"EmailClaimsConcurrent", testEmailClaimsConcurrent},
		{"Knowledge", testKnowledge},
		{"KnowledgeSearch", testKnowledgeSearch},
		{"KnowledgeLinks", testKnowledgeLinks},
		{"KnowledgeVersions", testKnowledgeVersions},
		{"LockKnowledge", testLockKnowledge},
		{"KnowledgeEmbeddings", testKnowledgeEmbeddings},
		{"MemberUpdates", testMemberUpdates},
		{"LoginFailures", testLoginFailures},
		{"LockTeam", testLockTeam},
		{"Invites", testInvites},
		{"PasswordResets", testPasswordResets},
		{"APITokens", testAPITokens},
		{"Tx", testTx},
		// The inbox (inbox.go).
		{"ConversationFilters", testConversationFilters},
		{"TicketActivity", testTicketActivity},
		{"VisitorsByIDs", testVisitorsByIDs},
		{"CannedResponses", testCannedResponses},
		// Reports (report.go).
		{"Report", testReport},
		// The support section (support.go).
		{"PlatformTenant", testPlatformTenant},
		{"SupportAccess", testSupportAccess},
		{"SupportTickets", testSupportTickets},
		{"SupportTicketFilters", testSupportTicketFilters},
		// The conversation lifecycle (lifecycle.go).
		{"ConversationLifecycle", testConversationLifecycle},
		{"ConversationLocks", testConversationLocks},
		// Unread per member (unread.go).
		{"Unread", testUnread},
		{"UnreadRecount", testUnreadRecount},
		{"UnreadBackfill", testUnreadBackfill},
		// Plans and the gates' versions (plan.go).
		{"SiteVersions", testSiteVersions},
		{"TenantPlans", testTenantPlans},
		// A person's data (visitor_privacy.go).
		{"VisitorDeletion", testVisitorDeletion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, open(t))
		})
	}
}

// t0 has nanoseconds and a zone on purpose: stores keep UTC microseconds,
// and Create normalizes the struct so that it equals what is read back.
var t0 = time.Date(2026, 11, 21, 12, 30, 15, 123456789, time.FixedZone("CET", 3600))

// at returns t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

// unique returns a string no other call returns, for keys and emails.
func unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, counter.Add(1)) }

var counter atomic.Int64

// wantCode fails unless err carries code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := hub.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

// must fails the test on a non-nil error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantEqual fails unless got and want are deeply equal.
func wantEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// jsonEqual reports whether a and b hold the same JSON value; stores may
// reorder object keys and drop spaces.
func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// utc is what a store keeps of a time.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// fixture is a tenant with a member, a site, a visitor and a conversation.
type fixture struct {
	tenant  *hub.Tenant
	member  *hub.Member
	site    *hub.Site
	visitor *hub.Visitor
	conv    *hub.Conversation
}

func newFixture(t *testing.T, s hub.Store) *fixture {
	t.Helper()
	f := &fixture{tenant: mustTenant(t, s)}
	f.member = mustMember(t, s, f.tenant.ID)
	f.site = mustSite(t, s, f.tenant.ID)
	f.visitor = mustVisitor(t, s, f.site)
	f.conv = mustConversation(t, s, f.visitor, at(0))
	return f
}

func mustTenant(t *testing.T, s hub.Store) *hub.Tenant {
	t.Helper()
	tn := &hub.Tenant{Name: unique("Acme "), Plan: hub.PlanPro, CreatedAt: t0}
	must(t, s.CreateTenant(t.Context(), tn))
	return tn
}

func mustMember(t *testing.T, s hub.Store, tenantID int64) *hub.Member {
	t.Helper()
	m := &hub.Member{TenantID: tenantID, Email: unique("agent") + "@acme.test", Name: "Agent", Role: hub.RoleAgent,
		PasswordHash: "$2a$10$hash", CreatedAt: t0}
	must(t, s.CreateMember(t.Context(), m))
	return m
}

func mustSite(t *testing.T, s hub.Store, tenantID int64) *hub.Site {
	t.Helper()
	site := &hub.Site{TenantID: tenantID, Key: unique("site_"), Name: "Shop", AllowedOrigins: []string{"https://shop.test"},
		IdentitySecret: "secret", WidgetEnabled: true, TicketsEnabled: true, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.CreateSite(t.Context(), site))
	return site
}

func mustVisitor(t *testing.T, s hub.Store, site *hub.Site) *hub.Visitor {
	t.Helper()
	v := &hub.Visitor{TenantID: site.TenantID, SiteID: site.ID, AnonymousID: unique("anon_"), FirstSeen: t0, LastSeen: t0}
	must(t, s.CreateVisitor(t.Context(), v))
	return v
}

func mustConversation(t *testing.T, s hub.Store, v *hub.Visitor, lastMessageAt time.Time) *hub.Conversation {
	t.Helper()
	c := &hub.Conversation{TenantID: v.TenantID, SiteID: v.SiteID, VisitorID: v.ID, Owner: hub.OwnerAssistant,
		Status: hub.ConversationOpen, LastMessageAt: lastMessageAt, CreatedAt: t0, UpdatedAt: t0}
	must(t, s.CreateConversation(t.Context(), c))
	return c
}

// mustMessage writes m in its own transaction, as the service does.
func mustMessage(t *testing.T, s hub.Store, m *hub.Message) *hub.Message {
	t.Helper()
	if m.AuthorKind == "" {
		m.AuthorKind = hub.AuthorVisitor
	}
	if m.Body == "" {
		m.Body = "hello"
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = t0
	}
	must(t, s.Tx(t.Context(), func(q hub.Queries) error { return q.CreateMessage(t.Context(), m) }))
	return m
}

// mustTicket creates a ticket with the tenant's next number.
func mustTicket(t *testing.T, s hub.Store, tenantID int64, subject string) *hub.Ticket {
	t.Helper()
	ctx := t.Context()
	tk := &hub.Ticket{TenantID: tenantID, Subject: subject, Summary: "Summary of " + subject, RequesterEmail: "ann@example.test", Status: hub.TicketOpen,
		Priority: hub.PriorityNormal, Source: hub.SourceAgent, LastActivityAt: utc(t0), CreatedAt: t0, UpdatedAt: t0}
	must(t, s.Tx(ctx, func(q hub.Queries) error {
		n, err := q.NextTicketNumber(ctx, tenantID)
		if err != nil {
			return err
		}
		tk.Number = n
		return q.CreateTicket(ctx, tk)
	}))
	return tk
}

// ids returns the IDs of items, for comparing pages.
func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}
