package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/realtime"
)

// addAgent adds an agent to a's workspace and signs them in.
func (e *env) addAgent(a *account, email string) (*hub.Member, string) {
	e.t.Helper()
	ctx := context.Background()
	m, err := e.svc.AddMember(ctx, a.actor, hub.NewMember{TenantID: a.tenant.ID, Email: email, Password: "password123", Role: hub.RoleAgent})
	if err != nil {
		e.t.Fatal(err)
	}
	token, _, err := e.svc.Login(ctx, email, "password123")
	if err != nil {
		e.t.Fatal(err)
	}
	return m, token
}

// agentByFrame connects an agent that authenticates with an auth frame.
func (e *env) agentByFrame(token string) *client {
	e.t.Helper()
	c := e.mustDial("/ws/agent", dialOpts{origin: dashOrigin})
	c.send(realtime.TypeAuth, "auth", map[string]any{"token": token})
	c.waitFor(realtime.TypeAuthOK, "auth")
	return c
}

// stillOpen checks that c still answers frames.
func stillOpen(c *client, id string) {
	c.t.Helper()
	c.expectError(realtime.TypeSubscribe, id, map[string]any{"conversation_id": 0}, hub.EInvalid)
}

// TestRoleChangeClosesAgentSocket: with nothing published (the store
// changed behind the node's back), the periodic check closes every socket
// of a member whose role changed, whether it authenticated by cookie or by
// auth frame, with 4001; other members' sockets stay.
func TestRoleChangeClosesAgentSocket(t *testing.T) {
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.SessionCheck = 100 * time.Millisecond }))
	a := e.newAccount()
	m, token := e.addAgent(a, "role@example.com")
	byCookie := e.agent(&account{tenant: a.tenant, owner: m, token: token})
	byFrame := e.agentByFrame(token)
	owner := e.agent(a)

	// Several checks pass without closing anything.
	time.Sleep(350 * time.Millisecond)
	stillOpen(byCookie, "c1")
	stillOpen(byFrame, "f1")

	m.Role, m.RoleChangedAt = hub.RoleAdmin, time.Now()
	if err := e.db.UpdateMember(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client{"cookie": byCookie, "auth frame": byFrame} {
		if code := c.closeStatus(testTimeout); code != realtime.CloseSessionEnded {
			t.Errorf("%s socket closed with %d, want %d", name, code, realtime.CloseSessionEnded)
		}
	}
	stillOpen(owner, "o1")
}

// TestSessionEndClosesAgentSocketAtOnce: with a periodic check far away,
// a logout, a password change and a removal close the member's sockets at
// once through the published hub.EventMemberSessions; a socket of the
// member's other session survives the logout.
func TestSessionEndClosesAgentSocketAtOnce(t *testing.T) {
	e := newEnv(t, withConfig(func(c *realtime.Config) { c.SessionCheck = time.Hour }))
	ctx := context.Background()
	a := e.newAccount()
	m, token := e.addAgent(a, "leaving@example.com")
	second, _, err := e.svc.Login(ctx, "leaving@example.com", "password123")
	if err != nil {
		t.Fatal(err)
	}
	first := e.agentByFrame(token)
	kept := e.agentByFrame(second)

	if err := e.svc.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if code := first.closeStatus(testTimeout); code != realtime.CloseSessionEnded {
		t.Fatalf("socket of the ended session closed with %d, want %d", code, realtime.CloseSessionEnded)
	}
	stillOpen(kept, "k1")

	if err := e.svc.RemoveMember(ctx, a.actor, m.ID); err != nil {
		t.Fatal(err)
	}
	if code := kept.closeStatus(testTimeout); code != realtime.CloseSessionEnded {
		t.Fatalf("socket of a removed member closed with %d, want %d", code, realtime.CloseSessionEnded)
	}
}
