// Package hubsql holds the rules of hub that both stores must express in
// SQL, built from hub's constants and written once in the SQL both
// dialects read alike, so that a rule means the same on Postgres and on
// SQLite. Each names its Go twin in hub. A condition that is the predicate
// of a partial index repeats that predicate word for word, with literals
// rather than parameters, so that the planners can prove the index applies
// (Postgres's generic plans, which a cached statement may switch to after
// five runs, cannot see through a parameter).
package hubsql

import (
	"strconv"
	"time"

	"github.com/parley-chat/parley/hub"
)

// NotClosed keeps a visitor's conversations that can be their current one
// (hub.Queries.FindCurrentConversation): not hub.ConversationClosed. It is
// the predicate of conversations_visitor_current
// (migrations/0009_lifecycle.sql).
const NotClosed = `status <> '` + hub.ConversationClosed + `'`

// AssistantPending keeps the conversations with a visitor message the
// assistant has not handled, while it answers them
// (hub.Conversation.assistantPending). It is the predicate of
// conversations_assistant_pending (migrations/0003_assistant.sql).
const AssistantPending = `visitor_seq > assistant_seq AND handoff IN ('` + string(hub.HandoffAssistant) + `', '` +
	string(hub.HandoffAwaitingEmail) + `')`

// ConversationFilters returns the conditions on a conversation of f's
// Feedback, Escalated and HasTicket (hub.ConversationFilter), none for
// those unset. The conditions of FeedbackEither, Escalated and HasTicket
// are the predicates of conversations_tenant_feedback_recent,
// _escalated_recent and _ticket_recent (migrations 0005 and 0011).
func ConversationFilters(f hub.ConversationFilter) []string {
	var conds []string
	switch f.Feedback {
	case hub.FeedbackEither:
		conds = append(conds, "(feedback_up > 0 OR feedback_down > 0)")
	case hub.FeedbackUpOnly:
		conds = append(conds, "feedback_up > 0 AND feedback_down = 0")
	case hub.FeedbackDownOnly:
		conds = append(conds, "feedback_down > 0 AND feedback_up = 0")
	case hub.FeedbackBoth:
		conds = append(conds, "feedback_up > 0 AND feedback_down > 0")
	case hub.FeedbackNeither:
		conds = append(conds, "feedback_up = 0 AND feedback_down = 0")
	}
	if f.Escalated != nil {
		conds = append(conds, either(*f.Escalated, "escalated", "NOT escalated"))
	}
	if f.HasTicket != nil {
		conds = append(conds, either(*f.HasTicket, "ticket_id IS NOT NULL", "ticket_id IS NULL"))
	}
	return conds
}

func either(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// AssistantResolved is hub/report.go's AssistantResolved on the
// conversation c, settled being the placeholder of
// hub.ReportFilter.Settled(): answered (1.) and settled (6.), no agent
// (2.), no ticket (3.), never handed off (4.), the visitor not back for
// help (5.). It is NULL, not false, for a conversation the assistant never
// answered. It reads what CreateMessage and UpdateConversation keep on the
// conversation (migrations/0008_response_times.sql,
// 0011_conversation_outcomes.sql), no message.
func AssistantResolved(settled string) string {
	return `c.answered_at <= ` + settled + ` AND NOT c.by_agent
		AND c.ticket_id IS NULL AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = c.id)
		AND NOT c.handed_off AND NOT c.came_back`
}

// SetResponseTimes is the SET list by which m, the conversation's newest
// message, updates the conversation's response times and outcomes that
// reports read (migrations/0008_response_times.sql,
// 0011_conversation_outcomes.sql), following m.ResponseStep(); "" when m
// changes none of them. at is the placeholder of m's time, and duration
// writes a length of time as the store subtracts its times (an interval, a
// number of microseconds). SET reads the row as it was before, and m comes
// after every message written so far: a reply is after the visitor's first
// message when asked_at is already set, and answered_at is the
// assistant's latest answer before m. One short SET list per step rather
// than one with a CASE per step: SQLite parses every statement it has not
// kept prepared, and the CASEs made CreateMessage ~15 µs slower there.
func SetResponseTimes(m *hub.Message, at string, duration func(time.Duration) string) string {
	reply := `replied_at = COALESCE(replied_at, CASE WHEN asked_at IS NOT NULL THEN ` + at + ` END)`
	switch m.ResponseStep() {
	case hub.ResponseAsk:
		return `asked_at = COALESCE(asked_at, ` + at + `), came_back = came_back OR ` + cameBack(at, duration)
	case hub.ResponseReply:
		return reply + `, by_assistant = true,
			answered_at = CASE WHEN asked_at IS NOT NULL THEN ` + at + ` ELSE answered_at END`
	case hub.ResponseAgentReply:
		return reply + `, agent_replied_at = COALESCE(agent_replied_at, CASE WHEN asked_at IS NOT NULL THEN ` + at + ` END),
			by_agent = true`
	}
	return ""
}

// cameBack is hub.CameBack(answered_at, at), built from
// hub.AssistantFollowUp and hub.AssistantSettle: false while the assistant
// has not answered.
func cameBack(at string, duration func(time.Duration) string) string {
	return `COALESCE(` + at + ` - answered_at > ` + duration(hub.AssistantFollowUp) + ` AND ` +
		at + ` - answered_at <= ` + duration(hub.AssistantSettle) + `, false)`
}

// Micros writes d as a number of microseconds, for a store that keeps
// times as Unix microseconds (store/sqlite).
func Micros(d time.Duration) string { return strconv.FormatInt(d.Microseconds(), 10) }

// Interval writes d as an SQL interval literal in whole microseconds, for
// a store that keeps times as timestamps (store/postgres).
func Interval(d time.Duration) string { return `interval '` + Micros(d) + ` microseconds'` }
