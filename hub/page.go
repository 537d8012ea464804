package hub

// PageSize is how many items a list returns: Default when the caller asks
// for none (a limit of zero or less), at most Max. Every list's sizes are
// here, used by the stores (which bound every Find), the REST API
// (?limit=, docs/api.md) and the websockets (docs/protocol.md).
type PageSize struct{ Default, Max int }

// Limit is the size of the page for a requested limit n.
func (p PageSize) Limit(n int) int {
	if n <= 0 {
		return p.Default
	}
	return min(n, p.Max)
}

var (
	// ConversationPage: the inbox's lists of conversations (FindConversations).
	ConversationPage = PageSize{Default: 50, Max: 200}
	// TicketPage: the lists of tickets (FindTickets).
	TicketPage = PageSize{Default: 50, Max: 200}
	// MessagePage: a conversation's messages (FindMessages), over REST.
	MessagePage = PageSize{Default: 100, Max: 1000}
	// HistoryPage: a conversation's messages asked for on a socket (history).
	HistoryPage = PageSize{Default: 50, Max: 200}
	// AuditPage: a workspace's audit log (FindAuditEntries).
	AuditPage = PageSize{Default: 50, Max: 200}
	// EmailClaimBatch: how many queued emails a mail worker claims at once (ClaimDueEmails).
	EmailClaimBatch = PageSize{Default: 10, Max: 100}
	// VisitorConversationPage: the widget's list of the visitor's conversations.
	VisitorConversationPage = PageSize{Default: 20, Max: 50}
)
