package dashboard

import (
	"net/http"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/web/openapi"
)

// Routes is the contract of the member API that Mount serves: one entry
// per REST route, with the types its handler decodes and encodes.
// TestOpenAPIRoutes (cmd/parley) fails when the two disagree.
func Routes() []openapi.Route {
	const (
		get, post, patch, put, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete
		none, member               = openapi.AuthNone, openapi.AuthMember
		created, noContent         = http.StatusCreated, http.StatusNoContent
	)
	return []openapi.Route{
		// Sign-in and accounts, outside the session (dashboard.go, account.go).
		{Method: post, Path: "/api/v1/auth/login", Summary: "Sign in; sets the session cookie and returns the session token", Auth: none, Request: loginRequest{}, Response: loginResponse{}},
		{Method: post, Path: "/api/v1/auth/logout", Summary: "End the session of the cookie or bearer token", Auth: none, Status: noContent},
		{Method: post, Path: "/api/v1/auth/signup", Summary: "Create a workspace and its owner; signs in", Auth: none, Request: hub.Signup{}, Status: created, Response: loginResponse{}},
		{Method: post, Path: "/api/v1/auth/password-reset", Summary: "Email a password-reset link", Auth: none, Request: emailRequest{}, Status: noContent},
		{Method: post, Path: "/api/v1/auth/password-reset/confirm", Summary: "Set a new password with a reset token", Auth: none, Request: resetConfirmRequest{}, Status: noContent},
		{Method: get, Path: "/api/v1/auth/invites/:token", Summary: "What an invite is for", Auth: none, Response: hub.InviteInfo{}},
		{Method: post, Path: "/api/v1/auth/invites/:token/accept", Summary: "Accept an invite; signs in", Auth: none, Request: acceptRequest{}, Status: created, Response: loginResponse{}},

		// The member and the team (account.go, apitoken.go).
		{Method: get, Path: "/api/v1/me", Summary: "The signed-in member, their workspace and plan", Auth: member, Response: meView{}},
		{Method: patch, Path: "/api/v1/me", Summary: "Change one's name, email or password", Auth: member, Request: hub.ProfileUpdate{}, Response: hub.Member{}},
		{Method: get, Path: "/api/v1/members", Summary: "The workspace's members", Auth: member, Response: page[memberView]{}},
		{Method: patch, Path: "/api/v1/members/:id", Summary: "Change a member's role", Auth: member, Request: roleRequest{}, Response: hub.Member{}},
		{Method: del, Path: "/api/v1/members/:id", Summary: "Remove a member", Auth: member, Status: noContent},
		{Method: get, Path: "/api/v1/invites", Summary: "Pending invites", Auth: member, Response: page[hub.Invite]{}},
		{Method: post, Path: "/api/v1/invites", Summary: "Invite someone by email", Auth: member, Request: hub.NewInvite{}, Status: created, Response: hub.Invite{}},
		{Method: del, Path: "/api/v1/invites/:id", Summary: "Revoke an invite", Auth: member, Status: noContent},
		{Method: get, Path: "/api/v1/tokens", Summary: "The workspace's API tokens (never their secrets)", Auth: member, Response: page[hub.APIToken]{}},
		{Method: post, Path: "/api/v1/tokens", Summary: "Create an API token; the secret is shown once", Auth: member, Request: hub.NewAPIToken{}, Status: created, Response: createdAPIToken{}},
		{Method: del, Path: "/api/v1/tokens/:id", Summary: "Revoke an API token", Auth: member, Status: noContent},

		// Conversations (conversation.go, unread.go).
		{Method: get, Path: "/api/v1/conversations", Summary: "Conversations, newest activity first", Auth: member, Response: page[hub.ConversationDetail]{}},
		{Method: get, Path: "/api/v1/conversations/:id", Summary: "One conversation", Auth: member, Response: hub.ConversationDetail{}},
		{Method: patch, Path: "/api/v1/conversations/:id", Summary: "Change a conversation's status", Auth: member, Request: conversationUpdate{}, Response: hub.Conversation{}},
		{Method: get, Path: "/api/v1/conversations/:id/messages", Summary: "A conversation's messages in seq order", Auth: member, Response: page[hub.Message]{}},
		{Method: post, Path: "/api/v1/conversations/:id/messages", Summary: "Reply or add an internal note; a retried client_msg_id returns the first", Auth: member, Request: sendRequest{}, Status: created, Response: hub.Message{}},
		{Method: post, Path: "/api/v1/conversations/:id/read", Summary: "Mark the conversation read up to seq", Auth: member, Request: readRequest{}, Response: hub.ReadState{}},
		{Method: get, Path: "/api/v1/unread", Summary: "The member's unread badges", Auth: member, Response: hub.UnreadState{}},
		{Method: post, Path: "/api/v1/conversations/:id/attachments", Summary: "Send a file as a message", Auth: member, Upload: true, Status: created, Response: hub.Message{}},
		{Method: post, Path: "/api/v1/conversations/:id/take-over", Summary: "Take the conversation over from the assistant", Auth: member, Response: hub.Conversation{}},
		{Method: get, Path: "/api/v1/conversations/:id/export", Summary: "The conversation as a JSON download", Auth: member, Response: hub.ConversationExport{}},

		// A person's data (visitor.go): owners only.
		{Method: get, Path: "/api/v1/visitors/:id/export", Summary: "Everything kept about a visitor, as a JSON download", Auth: member, Response: hub.VisitorExport{}},
		{Method: del, Path: "/api/v1/visitors/:id", Summary: "Delete a visitor and their data", Auth: member, Status: noContent},

		// Tickets (ticket.go).
		{Method: get, Path: "/api/v1/tickets", Summary: "Tickets, newest first, filtered and searched", Auth: member, Response: page[hub.Ticket]{}},
		{Method: post, Path: "/api/v1/tickets", Summary: "Open a ticket", Auth: member, Request: createTicketRequest{}, Status: created, Response: hub.Ticket{}},
		{Method: get, Path: "/api/v1/tickets/:id", Summary: "One ticket with its conversation", Auth: member, Response: hub.TicketDetail{}},
		{Method: patch, Path: "/api/v1/tickets/:id", Summary: "Change a ticket's status, priority, assignee or due date", Auth: member, Request: updateTicketRequest{}, Response: hub.Ticket{}},

		// Sites and their knowledge (site.go, knowledge.go).
		{Method: get, Path: "/api/v1/sites", Summary: "The workspace's sites with their snippets", Auth: member, Response: page[siteView]{}},
		{Method: post, Path: "/api/v1/sites", Summary: "Create a site; its identity secret is shown once", Auth: member, Request: createSiteRequest{}, Status: created, Response: newSiteView{}},
		{Method: get, Path: "/api/v1/sites/:site", Summary: "One site", Auth: member, Response: siteView{}},
		{Method: patch, Path: "/api/v1/sites/:site", Summary: "Change a site's settings", Auth: member, Request: hub.SiteUpdate{}, Response: siteView{}},
		{Method: post, Path: "/api/v1/sites/:site/identity-secret", Summary: "Rotate the site's identity secret; shown once", Auth: member, Response: identitySecretView{}},
		{Method: get, Path: "/api/v1/sites/:site/knowledge", Summary: "The site's knowledge entries", Auth: member, Response: page[hub.KnowledgeEntry]{}},
		{Method: post, Path: "/api/v1/sites/:site/knowledge", Summary: "Add a knowledge entry", Auth: member, Request: createKnowledgeRequest{}, Status: created, Response: hub.KnowledgeEntry{}},
		{Method: get, Path: "/api/v1/knowledge/:id", Summary: "One knowledge entry", Auth: member, Response: hub.KnowledgeEntry{}},
		{Method: patch, Path: "/api/v1/knowledge/:id", Summary: "Change a knowledge entry", Auth: member, Request: updateKnowledgeRequest{}, Response: hub.KnowledgeEntry{}},
		{Method: del, Path: "/api/v1/knowledge/:id", Summary: "Delete a knowledge entry", Auth: member, Status: noContent},

		// Canned responses (canned.go).
		{Method: get, Path: "/api/v1/canned-responses", Summary: "The workspace's canned responses", Auth: member, Response: page[hub.CannedResponse]{}},
		{Method: post, Path: "/api/v1/canned-responses", Summary: "Add a canned response", Auth: member, Request: cannedRequest{}, Status: created, Response: hub.CannedResponse{}},
		{Method: get, Path: "/api/v1/canned-responses/:id", Summary: "One canned response", Auth: member, Response: hub.CannedResponse{}},
		{Method: patch, Path: "/api/v1/canned-responses/:id", Summary: "Change a canned response", Auth: member, Request: hub.CannedResponseUpdate{}, Response: hub.CannedResponse{}},
		{Method: del, Path: "/api/v1/canned-responses/:id", Summary: "Delete a canned response", Auth: member, Status: noContent},

		// Reports (report.go).
		{Method: get, Path: "/api/v1/reports", Summary: "The workspace's report over a date range", Auth: member, Response: hub.Report{}},
		{Method: get, Path: "/api/v1/reports.csv", Summary: "The report's days as CSV", Auth: member, ContentType: "text/csv"},

		// Support between a workspace and Parley's staff (support.go, plan.go).
		{Method: get, Path: "/api/v1/support/access", Summary: "Whether staff may view the workspace", Auth: member, Response: hub.SupportAccess{}},
		{Method: put, Path: "/api/v1/support/access", Summary: "Open or close staff access", Auth: member, Request: supportAccessRequest{}, Response: hub.SupportAccess{}},
		{Method: get, Path: "/api/v1/support/audit", Summary: "What staff did in the workspace, newest first", Auth: member, Response: page[hub.AuditEntry]{}},
		{Method: get, Path: "/api/v1/support/tickets", Summary: "Support tickets (the workspace's, or all for staff)", Auth: member, Response: page[hub.SupportTicket]{}},
		{Method: post, Path: "/api/v1/support/tickets", Summary: "Open a support ticket with Parley", Auth: member, Request: newSupportTicketRequest{}, Status: created, Response: hub.SupportTicket{}},
		{Method: get, Path: "/api/v1/support/tickets/:id", Summary: "One support ticket", Auth: member, Response: hub.SupportTicket{}},
		{Method: get, Path: "/api/v1/support/tickets/:id/messages", Summary: "A support ticket's messages, as its requester sees them", Auth: member, Response: page[hub.VisitorMessage]{}},
		{Method: post, Path: "/api/v1/support/tickets/:id/messages", Summary: "Write on a support ticket", Auth: member, Request: sendRequest{}, Status: created, Response: hub.VisitorMessage{}},
		{Method: post, Path: "/api/v1/support/tickets/:id/attachments", Summary: "Send a file on a support ticket", Auth: member, Upload: true, Status: created, Response: hub.VisitorMessage{}},
		{Method: post, Path: "/api/v1/support/tickets/:id/read", Summary: "Mark a support ticket read up to seq", Auth: member, Request: readRequest{}, Response: supportReadView{}},
		{Method: get, Path: "/api/v1/support/reviews/:id", Summary: "An assistant answer with what it was built from, for review", Auth: member, Response: hub.ReviewContext{}},
		{Method: post, Path: "/api/v1/support/reviews/preview", Summary: "The report a review would file", Auth: member, Request: hub.Review{}, Response: reviewReportView{}},
		{Method: post, Path: "/api/v1/support/reviews", Summary: "File a review of an assistant answer as a support ticket", Auth: member, Request: hub.Review{}, Status: created, Response: hub.SupportTicket{}},
		{Method: get, Path: "/api/v1/staff/workspaces", Summary: "Workspaces that opened access to staff (staff only)", Auth: member, Response: page[hub.Workspace]{}},
		{Method: get, Path: "/api/v1/staff/plans", Summary: "Customers' workspaces with their plans (staff only)", Auth: member, Response: page[hub.Workspace]{}},
		{Method: put, Path: "/api/v1/staff/workspaces/:id/plan", Summary: "Set a workspace's plan (staff only)", Auth: member, Request: planRequest{}, Response: hub.Workspace{}},
	}
}
