package hub_test

import (
	"context"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// TestCreateTicketSiteOfAnotherWorkspace: a ticket without a chat names a
// site of the member's own workspace; another workspace's site, like a
// site that does not exist, is not_found, and nothing is created.
func TestCreateTicketSiteOfAnotherWorkspace(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	other, otherOwner := mustTenant(t, f.svc, "Other", "o@other.test")
	stranger := hub.Actor{Kind: hub.ActorMember, ID: otherOwner.ID, TenantID: other.ID, Role: hub.RoleOwner}

	for name, site := range map[string]int64{"another workspace's site": f.site.ID, "no such site": f.site.ID + 1000} {
		_, err := f.svc.CreateTicket(ctx, stranger, hub.NewTicket{SiteID: site, Subject: "Hello", RequesterEmail: "x@y.test"})
		if hub.ErrorCode(err) != hub.ENotFound {
			t.Errorf("%s: error %v, want not_found", name, err)
		}
	}
	if tickets, err := f.svc.Tickets(ctx, stranger, hub.TicketFilter{Limit: 10}); err != nil || len(tickets) != 0 {
		t.Fatalf("the other workspace's tickets: %d, %v; want none", len(tickets), err)
	}
	// The workspace's own site is taken.
	tk, err := f.svc.CreateTicket(ctx, f.ownerA, hub.NewTicket{SiteID: f.site.ID, Subject: "Hello", RequesterEmail: "x@y.test"})
	if err != nil || tk.SiteID != f.site.ID {
		t.Fatalf("ticket on the workspace's own site: %+v, %v", tk, err)
	}
}
