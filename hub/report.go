package hub

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Reports (the agent dashboard's charts) count what happened in a
// workspace, day by day, over a range of UTC dates. Every number is defined
// here once; store/postgres and store/sqlite compute the same numbers, and
// store/storetest (testReport) checks them against hand-computed values.
//
// A day is a UTC date. The range runs from the start of From to the end of
// To (both included). An optional site narrows everything to that site's
// conversations and tickets. Internal notes never count as messages.
//
// Per day (ReportDay), every day of the range present, zeros included:
//
//   - Conversations: conversations created that day.
//   - TicketsOpened: tickets created that day.
//   - TicketsResolved: tickets whose resolution (resolved_at) falls on that
//     day. A ticket keeps its resolution when it is closed and loses it when
//     it is reopened, so a ticket resolved twice counts once, on the day of
//     its last resolution, and a reopened ticket not resolved again does not
//     count; a ticket closed without being resolved never counts.
//   - ThumbsUp, ThumbsDown: the assistant's messages written that day that
//     carry the visitor's vote up or down (the vote's own time is not kept,
//     so a vote counts on the day of the message it judges).
//
// Over the whole range (Report):
//
//   - MedianFirstResponseSeconds: over conversations created in the range,
//     the time from the conversation's first visitor message (lowest seq) to
//     the first reply after it: the next message in the thread's order (seq)
//     written by an agent or the assistant. System messages are no replies.
//     Conversations without a visitor message or without a reply yet are
//     left out.
//   - MedianFirstAgentResponseSeconds: the same with replies by people
//     (agents) only, so the assistant's instant answers do not hide how
//     long people take.
//   - MedianResolutionSeconds: over tickets resolved in the range (as for
//     TicketsResolved), resolved_at minus created_at.
//   - VisitorConversations: conversations created in the range with at least
//     one visitor message.
//   - AssistantResolved: those of them the assistant closed out alone
//     (004 "Resolved by the assistant"). A conversation counts when all of
//     these hold:
//     1. the assistant answered the visitor: it sent the visitor at least
//     one message (not an internal note) after the visitor's first;
//     2. no agent wrote to the visitor;
//     3. no ticket was ever opened from it;
//     4. it never left the assistant: it was never waiting for the
//     visitor's email, nor handed off to a ticket or a person
//     (HandoffState.HandedOff), so one abandoned while the assistant waits
//     for an email does not count;
//     5. the visitor did not come back for help: no visitor message came
//     more than AssistantFollowUp and at most AssistantSettle after the
//     assistant's latest answer before it. A message sooner than
//     AssistantFollowUp continues the same visit (a follow-up question, a
//     thank-you); one later than AssistantSettle is a new matter;
//     6. AssistantSettle has passed since the assistant's last answer
//     (ReportFilter.Now): until then the visitor may still come back, so
//     the conversation is not counted yet.
//     A conversation nobody answered is not resolved by anybody, so it is in
//     VisitorConversations but not here. The stores keep what this needs on
//     the conversation as it is written (answered_at, came_back, handed_off:
//     migrations/0011_conversation_outcomes.sql), so a report reads no
//     message.
//   - AssistantResolvedShare: AssistantResolved / VisitorConversations,
//     rounded to 4 decimals.
//
// A median is the middle value, or the mean of the two middle values of an
// even count (PostgreSQL's percentile_cont(0.5)), rounded to whole seconds,
// halves up. A median or share with nothing to measure is nil (JSON null),
// never 0, so a chart can tell "no data" from "instant".

// Limits of a report's range, in days.
const (
	DefaultReportDays = 30
	MaxReportDays     = 366
)

// The times of AssistantResolved (see the top of this file).
const (
	// AssistantFollowUp: a visitor message within this time of the
	// assistant's answer is part of the same visit; a later one (up to
	// AssistantSettle) is the visitor coming back for help.
	AssistantFollowUp = 30 * time.Minute
	// AssistantSettle: how long after the assistant's last answer the
	// visitor may still come back for help; after it the conversation
	// counts as resolved by the assistant.
	AssistantSettle = 24 * time.Hour
)

// CameBack reports whether a visitor message at at, the assistant's latest
// answer before it being at answered, is the visitor coming back for help
// (AssistantResolved, 5.). The stores keep the same test in SQL
// (store/internal/hubsql cameBack), built from AssistantFollowUp and
// AssistantSettle. TestCameBack checks its edges; storetest Report checks
// the stores on the same edges (exactly 30 minutes, an hour, exactly 24
// hours, and a second over).
func CameBack(answered, at time.Time) bool {
	d := at.Sub(answered)
	return d > AssistantFollowUp && d <= AssistantSettle
}

// ReportFilter selects what a report covers.
type ReportFilter struct {
	TenantID int64
	SiteID   int64 // 0: every site of the workspace
	// From and To are the first and the last day, both included, as UTC
	// midnights. Service.Report fills in defaults and normalizes them;
	// stores get them normalized.
	From, To time.Time
	// Now is when the report is made (Service.Report sets it): a
	// conversation counts as AssistantResolved only once AssistantSettle
	// has passed since the assistant's last answer, at Settled().
	Now time.Time
}

// Settled is the latest time of the assistant's last answer for a
// conversation to count as AssistantResolved now: Now - AssistantSettle.
func (f ReportFilter) Settled() time.Time { return f.Now.Add(-AssistantSettle) }

// End is the first instant after the range: midnight UTC after To.
func (f ReportFilter) End() time.Time { return f.To.AddDate(0, 0, 1) }

// NumDays is the number of days in the range.
func (f ReportFilter) NumDays() int { return int(f.End().Sub(f.From) / (24 * time.Hour)) }

// Report is a workspace's activity over a range of days; see the top of
// this file for what each number means.
type Report struct {
	From   string      `json:"from"` // YYYY-MM-DD
	To     string      `json:"to"`   // YYYY-MM-DD, included
	SiteID int64       `json:"site_id,omitempty"`
	Days   []ReportDay `json:"days"`

	MedianFirstResponseSeconds      *int64 `json:"median_first_response_seconds"`
	MedianFirstAgentResponseSeconds *int64 `json:"median_first_agent_response_seconds"`
	MedianResolutionSeconds         *int64 `json:"median_resolution_seconds"`

	VisitorConversations   int      `json:"visitor_conversations"`
	AssistantResolved      int      `json:"assistant_resolved"`
	AssistantResolvedShare *float64 `json:"assistant_resolved_share"`
}

// ReportDay is one UTC date of a report.
type ReportDay struct {
	Date            string `json:"date"` // YYYY-MM-DD
	Conversations   int    `json:"conversations"`
	TicketsOpened   int    `json:"tickets_opened"`
	TicketsResolved int    `json:"tickets_resolved"`
	ThumbsUp        int    `json:"thumbs_up"`
	ThumbsDown      int    `json:"thumbs_down"`
}

// NewReport returns f's report with every day at zero and nothing
// measured; the stores fill it in (Days[i] is the i-th day after f.From).
func NewReport(f ReportFilter) *Report {
	r := &Report{From: f.From.Format(time.DateOnly), To: f.To.Format(time.DateOnly), SiteID: f.SiteID,
		Days: make([]ReportDay, f.NumDays())}
	for i := range r.Days {
		r.Days[i].Date = f.From.AddDate(0, 0, i).Format(time.DateOnly)
	}
	return r
}

// Day returns the day'th day of r (0 is From); a day outside the range
// is a bug in a store's query, reported rather than a panic.
func (r *Report) Day(day int) (*ReportDay, error) {
	if day < 0 || day >= len(r.Days) {
		return nil, fmt.Errorf("day %d is outside the report's %d days", day, len(r.Days))
	}
	return &r.Days[day], nil
}

// SetAssistantResolved records the two counts behind the assistant's share
// and the share itself (nil when conversations is 0).
func (r *Report) SetAssistantResolved(resolved, conversations int) {
	r.AssistantResolved, r.VisitorConversations, r.AssistantResolvedShare = resolved, conversations, nil
	if conversations > 0 {
		share := math.Round(float64(resolved)/float64(conversations)*1e4) / 1e4
		r.AssistantResolvedShare = &share
	}
}

// MedianSeconds is the median of durations in microseconds, sorted
// ascending, in whole seconds; nil when there are none. It interpolates as
// PostgreSQL's percentile_cont(0.5) does (lo + (hi-lo)*0.5 in float8), so a
// store that sorts in Go and one that asks the database agree to the bit.
func MedianSeconds(sortedMicros []int64) *int64 {
	n := len(sortedMicros)
	if n == 0 {
		return nil
	}
	lo, hi := float64(sortedMicros[(n-1)/2]), float64(sortedMicros[n/2])
	m := lo
	if n%2 == 0 {
		m = lo + (hi-lo)*0.5
	}
	return SecondsFromMicros(&m)
}

// SecondsFromMicros rounds a duration in microseconds to whole seconds,
// halves up; nil stays nil.
func SecondsFromMicros(micros *float64) *int64 {
	if micros == nil {
		return nil
	}
	s := int64(math.Floor(*micros/1e6 + 0.5))
	return &s
}

// Report returns the workspace's report for f. Any member may read it; a
// site of another workspace is ENotFound, so ids cannot be probed. Zero
// dates default to the DefaultReportDays days ending today (UTC): To to
// today, From to DefaultReportDays-1 days before To. Times are cut to their
// UTC date. From after To, or more than MaxReportDays days, is EInvalid.
func (s *Service) Report(ctx context.Context, actor Actor, f ReportFilter) (*Report, error) {
	if !actor.IsMember() {
		return nil, Errorf(EForbidden, "only members read reports")
	}
	f.TenantID, f.Now = actor.TenantID, s.now()
	if f.SiteID < 0 {
		return nil, Errorf(EInvalid, "site must be a site id")
	}
	if f.To.IsZero() {
		f.To = s.now()
	}
	f.To = utcDate(f.To)
	if f.From.IsZero() {
		f.From = f.To.AddDate(0, 0, -(DefaultReportDays - 1))
	}
	f.From = utcDate(f.From)
	switch {
	case f.From.After(f.To):
		return nil, Errorf(EInvalid, "from (%s) is after to (%s)", f.From.Format(time.DateOnly), f.To.Format(time.DateOnly))
	case f.NumDays() > MaxReportDays:
		return nil, Errorf(EInvalid, "a report covers at most %d days, not %d", MaxReportDays, f.NumDays())
	}
	if f.SiteID != 0 {
		site, err := s.Store.FindSiteByID(ctx, f.SiteID)
		if IsCode(err, ENotFound) || err == nil && site.TenantID != actor.TenantID {
			return nil, Errorf(ENotFound, "site not found")
		}
		if err != nil {
			return nil, err
		}
	}
	return s.Store.Report(ctx, f)
}

// utcDate is midnight UTC of t's UTC date.
func utcDate(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ResponseStep is what a message does to its conversation's response
// times, which stores keep on the conversation for reports
// (MedianFirstResponseSeconds and AssistantResolved): the visitor's first
// message asks, and each one may be the visitor coming back for help
// (CameBack); the first assistant or agent message after it replies, an
// agent's first also as the agent reply; an assistant message after it is
// the assistant's latest answer; any assistant or agent message marks that
// they wrote. Internal notes and system messages change nothing.
type ResponseStep int

// Response steps.
const (
	ResponseNone       ResponseStep = iota // an internal note or a system message
	ResponseAsk                            // the visitor's
	ResponseReply                          // the assistant's
	ResponseAgentReply                     // an agent's
)

// ResponseStep classifies m for its conversation's response times.
func (m *Message) ResponseStep() ResponseStep {
	switch {
	case m.Internal:
		return ResponseNone
	case m.AuthorKind == AuthorVisitor:
		return ResponseAsk
	case m.AuthorKind == AuthorAssistant:
		return ResponseReply
	case m.AuthorKind == AuthorAgent:
		return ResponseAgentReply
	}
	return ResponseNone
}
