package hub_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// TestReportRange checks the range Service.Report gives the store:
// defaults, dates cut to UTC, and the limits. The fixture's clock says
// 2026-11-21 10:00 UTC.
func TestReportRange(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name     string
		from, to time.Time
		want     [2]string // from, to; empty: want an EInvalid error
	}{
		{"default: the last 30 days", time.Time{}, time.Time{}, [2]string{"2026-10-23", "2026-11-21"}},
		{"only from: until today", day("2026-11-01"), time.Time{}, [2]string{"2026-11-01", "2026-11-21"}},
		{"only to: 30 days", time.Time{}, day("2026-06-30"), [2]string{"2026-06-01", "2026-06-30"}},
		{"one day", day("2026-11-05"), day("2026-11-05"), [2]string{"2026-11-05", "2026-11-05"}},
		{"UTC dates of other zones", time.Date(2026, 11, 2, 0, 30, 0, 0, cet), time.Date(2026, 11, 3, 23, 59, 0, 0, cet),
			[2]string{"2026-11-01", "2026-11-03"}},
		{"366 days", day("2024-01-01"), day("2024-12-31"), [2]string{"2024-01-01", "2024-12-31"}},
		{"367 days", day("2024-01-01"), day("2025-01-01"), [2]string{}},
		{"from after to", day("2026-11-02"), day("2026-11-01"), [2]string{}},
		{"only from, too long ago", day("2025-01-01"), time.Time{}, [2]string{}},
		{"centuries", day("1000-01-01"), day("9999-12-31"), [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := f.svc.Report(ctx, f.ownerA, hub.ReportFilter{From: tt.from, To: tt.to})
			if tt.want[0] == "" {
				wantCode(t, err, hub.EInvalid)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.From != tt.want[0] || r.To != tt.want[1] {
				t.Fatalf("range %s … %s, want %s … %s", r.From, r.To, tt.want[0], tt.want[1])
			}
			want := int(day(tt.want[1]).Sub(day(tt.want[0]))/(24*time.Hour)) + 1
			if len(r.Days) != want || r.Days[0].Date != r.From || r.Days[len(r.Days)-1].Date != r.To {
				t.Fatalf("%d days from %s to %s, want %d from %s to %s", len(r.Days), r.Days[0].Date,
					r.Days[len(r.Days)-1].Date, want, r.From, r.To)
			}
		})
	}
}

// TestReportAccess checks who reads which report: any member of the
// workspace, its own sites only, and nobody else.
func TestReportAccess(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "hello"})
	agent := hub.Actor{Kind: hub.ActorMember, ID: f.owner.ID, TenantID: f.tenant.ID, Role: hub.RoleAgent}
	today := hub.ReportFilter{From: f.now, To: f.now}
	for _, filter := range []hub.ReportFilter{today, {SiteID: f.site.ID, From: f.now, To: f.now}} {
		r, err := f.svc.Report(ctx, agent, filter)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Days) != 1 || r.Days[0].Conversations != 1 || r.VisitorConversations != 1 || r.SiteID != filter.SiteID {
			t.Fatalf("report of site %d: %+v, want today's one conversation", filter.SiteID, r)
		}
	}

	// Another workspace sees none of it, and not the first one's site.
	other, owner := mustTenant(t, f.svc, "Globex", "owner@globex.test")
	otherA := hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: other.ID, Role: hub.RoleOwner}
	r, err := f.svc.Report(ctx, otherA, today)
	if err != nil {
		t.Fatal(err)
	}
	if r.Days[0].Conversations != 0 || r.VisitorConversations != 0 || r.AssistantResolvedShare != nil {
		t.Fatalf("another workspace's report: %+v, want nothing", r)
	}
	_, err = f.svc.Report(ctx, otherA, hub.ReportFilter{SiteID: f.site.ID})
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.Report(ctx, f.ownerA, hub.ReportFilter{SiteID: f.site.ID + 1000})
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.Report(ctx, f.ownerA, hub.ReportFilter{SiteID: -1})
	wantCode(t, err, hub.EInvalid)

	// Visitors and the assistant read no reports.
	_, err = f.svc.Report(ctx, f.visitor, today)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.Report(ctx, hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID}, today)
	wantCode(t, err, hub.EForbidden)
}

func TestMedianSeconds(t *testing.T) {
	tests := []struct {
		micros []int64
		want   *int64
	}{
		{nil, nil},
		{[]int64{0}, ptr[int64](0)},
		{[]int64{499_999}, ptr[int64](0)},
		{[]int64{500_000}, ptr[int64](1)}, // halves up
		{[]int64{1, 2_000_000, 9_000_000}, ptr[int64](2)},
		{[]int64{1_000_000, 2_000_000}, ptr[int64](2)}, // 1.5 s
		{[]int64{1_500_000, 86_400_000_000}, ptr[int64](43201)},
		{[]int64{30e6, 40e6, 50e6, 600e6}, ptr[int64](45)},
	}
	for _, tt := range tests {
		got := hub.MedianSeconds(tt.micros)
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("MedianSeconds(%v) = %v, want %v", tt.micros, deref(got), deref(tt.want))
		}
	}
}

func TestAssistantResolvedShare(t *testing.T) {
	var r hub.Report
	r.SetAssistantResolved(0, 0)
	if r.AssistantResolvedShare != nil {
		t.Fatalf("share of no conversations = %v, want nil", *r.AssistantResolvedShare)
	}
	for _, tt := range []struct {
		resolved, of int
		want         float64
	}{{0, 3, 0}, {1, 6, 0.1667}, {2, 3, 0.6667}, {37, 50, 0.74}, {5, 5, 1}} {
		r.SetAssistantResolved(tt.resolved, tt.of)
		if r.AssistantResolvedShare == nil || *r.AssistantResolvedShare != tt.want || r.AssistantResolved != tt.resolved ||
			r.VisitorConversations != tt.of {
			t.Errorf("SetAssistantResolved(%d, %d): %+v, want share %v", tt.resolved, tt.of, r, tt.want)
		}
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestResponseStep(t *testing.T) {
	for _, tc := range []struct {
		m    hub.Message
		want hub.ResponseStep
	}{
		{hub.Message{AuthorKind: hub.AuthorVisitor}, hub.ResponseAsk},
		{hub.Message{AuthorKind: hub.AuthorAssistant}, hub.ResponseReply},
		{hub.Message{AuthorKind: hub.AuthorAgent}, hub.ResponseAgentReply},
		{hub.Message{AuthorKind: hub.AuthorAgent, Internal: true}, hub.ResponseNone},
		{hub.Message{AuthorKind: hub.AuthorSystem}, hub.ResponseNone},
	} {
		if got := tc.m.ResponseStep(); got != tc.want {
			t.Errorf("%s (internal %v): %v, want %v", tc.m.AuthorKind, tc.m.Internal, got, tc.want)
		}
	}
}

// TestCameBack checks the edges of "came back for help" (AssistantResolved,
// 5.): more than AssistantFollowUp after the answer, and at most
// AssistantSettle.
func TestCameBack(t *testing.T) {
	answered := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		after time.Duration
		want  bool
	}{
		{time.Minute, false},
		{hub.AssistantFollowUp, false},
		{hub.AssistantFollowUp + time.Microsecond, true},
		{time.Hour, true},
		{hub.AssistantSettle, true},
		{hub.AssistantSettle + time.Microsecond, false},
		{-time.Hour, false},
	} {
		if got := hub.CameBack(answered, answered.Add(tt.after)); got != tt.want {
			t.Errorf("a visitor message %v after the answer: came back %v, want %v", tt.after, got, tt.want)
		}
	}
}

// TestReportAssistantResolved runs the definition of AssistantResolved
// through the Service on SQLite: the report's clock is the Service's, a
// conversation counts only once AssistantSettle has passed since the
// assistant's last answer, and a take-over (no message from the member)
// or the visitor coming back for help keeps it out.
func TestReportAssistantResolved(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	asked := f.now
	assistant := hub.Actor{Kind: hub.ActorAssistant, TenantID: f.tenant.ID}
	visitor := func() hub.Actor {
		visit, err := f.start(t, hub.VisitorStart{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.VisitorActor(ctx, visit.Token)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ask := func(v hub.Actor, conv int64, body string) int64 {
		return mustSend(t, f.svc, v, hub.NewMessage{ConversationID: conv, Body: body}).ConversationID
	}
	answer := func(conv int64) {
		mustSend(t, f.svc, assistant, hub.NewMessage{ConversationID: conv, Body: "Here is how."})
	}

	left := ask(f.visitor, 0, "How long is shipping?")
	answer(left)
	back, takenOver := visitor(), visitor()
	backConv := ask(back, 0, "Can I return shoes?")
	answer(backConv)
	taken := ask(takenOver, 0, "Do you ship to Norway?")
	answer(taken)
	if _, err := f.svc.TakeOver(ctx, f.ownerA, taken); err != nil {
		t.Fatal(err)
	}
	f.now = asked.Add(time.Hour)
	ask(back, backConv, "It did not work.")
	answer(backConv)

	day := hub.ReportFilter{From: asked, To: asked}
	for _, tt := range []struct {
		now  time.Time
		want int
	}{
		{asked.Add(hub.AssistantSettle - time.Second), 0}, // not yet
		{asked.Add(hub.AssistantSettle), 1},               // left: settled
		{asked.Add(48 * time.Hour), 1},                    // back came back; taken was taken over
	} {
		f.now = tt.now
		r, err := f.svc.Report(ctx, f.ownerA, day)
		if err != nil {
			t.Fatal(err)
		}
		if r.VisitorConversations != 3 || r.AssistantResolved != tt.want {
			t.Errorf("at %v: %d of %d resolved by the assistant, want %d of 3", tt.now, r.AssistantResolved, r.VisitorConversations, tt.want)
		}
	}
}
