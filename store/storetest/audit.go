package storetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testAuditEntries(t *testing.T, s hub.Store) {
	ctx := t.Context()
	tn, other := mustTenant(t, s), mustTenant(t, s)
	var all []*hub.AuditEntry
	for i := range 25 {
		e := &hub.AuditEntry{TenantID: tn.ID, ActorKind: hub.ActorMember, ActorID: 7, Action: "ticket.status",
			Subject: fmt.Sprintf("ticket:%d", i%3), Data: json.RawMessage(fmt.Sprintf(`{"from": "open", "to": "closed", "n": %d}`, i)),
			CreatedAt: at(i)}
		if i%5 == 0 {
			e.ActorKind, e.ActorID, e.Data = hub.ActorSystem, 0, nil
		}
		must(t, s.CreateAuditEntry(ctx, e))
		if e.ID == 0 {
			t.Fatal("CreateAuditEntry did not set ID")
		}
		all = append(all, e)
	}
	must(t, s.CreateAuditEntry(ctx, &hub.AuditEntry{TenantID: other.ID, ActorKind: hub.ActorSystem, Action: "x",
		Subject: "ticket:0", CreatedAt: t0}))
	wantCode(t, s.CreateAuditEntry(ctx, &hub.AuditEntry{TenantID: tn.ID, ActorKind: hub.ActorSystem, Action: "x",
		Data: json.RawMessage(`{not json`), CreatedAt: t0}), hub.EInvalid)

	for _, subject := range []string{"", "ticket:1"} {
		t.Run("subject "+subject, func(t *testing.T) {
			var want []*hub.AuditEntry
			for i := len(all) - 1; i >= 0; i-- {
				if subject == "" || all[i].Subject == subject {
					want = append(want, all[i])
				}
			}
			var got []*hub.AuditEntry
			filter := hub.AuditFilter{TenantID: tn.ID, Subject: subject, Limit: 4}
			for page := 0; ; page++ {
				if page > len(all) {
					t.Fatal("pagination does not end")
				}
				list, err := s.FindAuditEntries(ctx, filter)
				must(t, err)
				if len(list) > 4 {
					t.Fatalf("page of %d rows, limit 4", len(list))
				}
				if len(list) == 0 {
					break
				}
				got = append(got, list...)
				filter.BeforeID = list[len(list)-1].ID
			}
			if len(got) != len(want) {
				t.Fatalf("got %d entries, want %d", len(got), len(want))
			}
			for i := range got {
				if !jsonEqual(got[i].Data, want[i].Data) {
					t.Fatalf("entry %d: data %s, want %s", got[i].ID, got[i].Data, want[i].Data)
				}
				g, w := *got[i], *want[i]
				g.Data, w.Data = nil, nil
				wantEqual(t, "entry", g, w)
			}
		})
	}
}
