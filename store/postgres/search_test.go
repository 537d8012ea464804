package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

// TestSearchSteps checks FindTickets' two-step search (a window of the
// newest tickets, then the text index for the older matches) with a window
// of 5 tickets, so that both steps and their seam are exercised: every
// page of every search equals the brute-force answer, newest first.
func TestSearchSteps(t *testing.T) {
	ctx := context.Background()
	db := mustOpenMigrated(t, MustSchema(t, "", false))

	saved := searchWindow
	searchWindow = 5
	defer func() { searchWindow = saved }()

	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	tn := &hub.Tenant{Name: "Acme", Plan: hub.PlanPro, CreatedAt: now}
	if err := db.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	m := &hub.Member{TenantID: tn.ID, Email: "a@acme.test", Name: "A", Role: hub.RoleAgent, PasswordHash: "x", CreatedAt: now}
	if err := db.CreateMember(ctx, m); err != nil {
		t.Fatal(err)
	}
	// Old tickets mention "legacy", new ones "refund"; "order" is in all,
	// every third is the member's, every fourth open.
	var all []*hub.Ticket
	for i := range 40 {
		word := "refund"
		if i < 25 {
			word = "legacy"
		}
		tk := &hub.Ticket{TenantID: tn.ID, Number: int64(i + 1), Subject: fmt.Sprintf("%s order %d", word, i), Status: hub.TicketResolved,
			Priority: hub.PriorityNormal, Source: hub.SourceAgent, CreatedAt: now, UpdatedAt: now}
		if i%3 == 0 {
			tk.AssigneeID = m.ID
		}
		if i%4 == 0 {
			tk.Status = hub.TicketOpen
		}
		if err := db.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		all = append(all, tk)
	}
	for _, tt := range []struct {
		name string
		f    hub.TicketFilter
		keep func(*hub.Ticket) bool
	}{
		{"legacy (all old)", hub.TicketFilter{Query: "legacy"}, func(tk *hub.Ticket) bool { return strings.HasPrefix(tk.Subject, "legacy") }},
		{"refund (all new)", hub.TicketFilter{Query: "refund"}, func(tk *hub.Ticket) bool { return strings.HasPrefix(tk.Subject, "refund") }},
		{"order (all)", hub.TicketFilter{Query: "order"}, func(*hub.Ticket) bool { return true }},
		{"order 3 (a prefix: 3, 30 to 39)", hub.TicketFilter{Query: "order 3"}, func(tk *hub.Ticket) bool {
			return strings.HasPrefix(tk.Subject[strings.LastIndex(tk.Subject, " ")+1:], "3")
		}},
		{"legacy mine", hub.TicketFilter{Query: "legacy", AssigneeID: m.ID}, func(tk *hub.Ticket) bool { return strings.HasPrefix(tk.Subject, "legacy") && tk.AssigneeID == m.ID }},
		{"order open", hub.TicketFilter{Query: "order", Statuses: []hub.TicketStatus{hub.TicketOpen}}, func(tk *hub.Ticket) bool { return tk.Status == hub.TicketOpen }},
		{"nothing", hub.TicketFilter{Query: "xylophone"}, func(*hub.Ticket) bool { return false }},
	} {
		for _, size := range []int{1, 4, 50} {
			t.Run(fmt.Sprintf("%s/limit %d", tt.name, size), func(t *testing.T) {
				var want []int64
				for i := len(all) - 1; i >= 0; i-- {
					if tt.keep(all[i]) {
						want = append(want, all[i].ID)
					}
				}
				f := tt.f
				f.TenantID, f.Limit = tn.ID, size
				var got []int64
				for page := 0; page <= len(all); page++ {
					list, err := db.FindTickets(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(list) > size {
						t.Fatalf("page of %d, limit %d", len(list), size)
					}
					for _, tk := range list {
						got = append(got, tk.ID)
					}
					if len(list) < size {
						break
					}
					f.BeforeID = list[len(list)-1].ID
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %v\nwant %v", got, want)
				}
			})
		}
	}
}
