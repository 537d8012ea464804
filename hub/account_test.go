package hub_test

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/parley-chat/parley/hub"
)

const baseURL = "https://chat.example.test"

// accountFixture is the service fixture with a base URL for links.
func accountFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := mustFixture(tb)
	f.svc.BaseURL = baseURL + "/"
	return f
}

// linkToken returns the token of the link to path in an email body.
func linkToken(tb testing.TB, body, path string) string {
	tb.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(baseURL+path+"?token=") + `([A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("no link to %s in %q", path, body)
	}
	return m[1]
}

// addMember adds a member with role to the fixture's workspace.
func addMember(tb testing.TB, f *fixture, email string, role hub.Role) (*hub.Member, hub.Actor) {
	tb.Helper()
	m, err := f.svc.AddMember(context.Background(), f.ownerA, hub.NewMember{TenantID: f.tenant.ID, Email: email,
		Password: "correct horse", Role: role})
	if err != nil {
		tb.Fatal(err)
	}
	return m, hub.Actor{Kind: hub.ActorMember, ID: m.ID, TenantID: m.TenantID, Role: role}
}

func auditActions(tb testing.TB, f *fixture, subject string) []string {
	tb.Helper()
	es, err := f.svc.Store.FindAuditEntries(context.Background(), hub.AuditFilter{TenantID: f.tenant.ID, Subject: subject})
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func TestSignUp(t *testing.T) {
	t.Parallel()
	f := accountFixture(t)
	ctx := context.Background()
	token, m, err := f.svc.SignUp(ctx, hub.Signup{Workspace: "Beta", Name: "Bea", Email: "Bea@Beta.test", Password: "long enough"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Role != hub.RoleOwner || m.Email != "bea@beta.test" || m.TenantID == f.tenant.ID {
		t.Fatalf("signed up %+v", m)
	}
	if a, err := f.svc.MemberActor(ctx, token); err != nil || a.ID != m.ID {
		t.Fatalf("session of the new owner: %+v, %v", a, err)
	}
	_, _, err = f.svc.SignUp(ctx, hub.Signup{Workspace: "Again", Name: "Bea", Email: "bea@beta.test", Password: "long enough"})
	wantCode(t, err, hub.EConflict)
	_, _, err = f.svc.SignUp(ctx, hub.Signup{Workspace: "Short", Name: "S", Email: "s@beta.test", Password: "9 chars!!"})
	wantCode(t, err, hub.EInvalid)
	_, _, err = f.svc.SignUp(ctx, hub.Signup{Workspace: "", Name: "S", Email: "s@beta.test", Password: "long enough"})
	wantCode(t, err, hub.EInvalid)

	f.svc.SignupClosed = true
	_, _, err = f.svc.SignUp(ctx, hub.Signup{Workspace: "Closed", Name: "C", Email: "c@beta.test", Password: "long enough"})
	wantCode(t, err, hub.EForbidden)
	// The command line still creates workspaces.
	if _, _, err := f.svc.CreateTenant(ctx, hub.NewAccount{TenantName: "CLI", Email: "cli@beta.test", Password: "long enough"}); err != nil {
		t.Fatal(err)
	}
}

// TestPasswordLength: ten characters (not bytes) at least.
func TestPasswordLength(t *testing.T) {
	t.Parallel()
	for pw, ok := range map[string]bool{"123456789": false, "1234567890": true, "пароль12": false, "парольпаро": true} {
		_, err := hub.HashPassword(pw)
		if (err == nil) != ok {
			t.Errorf("HashPassword(%q) = %v", pw, err)
		}
	}
}

// TestLoginThrottle: five failures lock the account for a minute, even
// for the right password, with the delay in the error; the lock doubles
// with each further failure; the right password afterwards clears it. An
// email without an account answers the same way.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	f := accountFixture(t)
	ctx := context.Background()
	for _, email := range []string{"owner@acme.test", "nobody@acme.test"} {
		start := f.now
		for i := 1; i <= 5; i++ {
			_, _, err := f.svc.Login(ctx, email, "wrong password")
			wantCode(t, err, hub.EUnauthorized)
		}
		_, _, err := f.svc.Login(ctx, email, "correct horse")
		wantCode(t, err, hub.ERateLimited)
		if d := hub.RetryDelay(err); d != time.Minute {
			t.Fatalf("%s: retry after %v, want 1m", email, d)
		}
		f.now = f.now.Add(30 * time.Second)
		_, _, err = f.svc.Login(ctx, email, "correct horse")
		if d := hub.RetryDelay(err); d != 30*time.Second {
			t.Fatalf("%s: retry after %v (%v), want 30s", email, d, err)
		}
		f.now = f.now.Add(31 * time.Second)
		_, _, err = f.svc.Login(ctx, email, "wrong again")
		wantCode(t, err, hub.EUnauthorized)
		_, _, err = f.svc.Login(ctx, email, "correct horse")
		if d := hub.RetryDelay(err); d != 2*time.Minute {
			t.Fatalf("%s: second lock %v (%v), want 2m", email, d, err)
		}
		f.now = f.now.Add(2 * time.Minute)
		_, _, err = f.svc.Login(ctx, email, "correct horse")
		if email == "nobody@acme.test" {
			wantCode(t, err, hub.EUnauthorized)
			continue
		}
		if err != nil {
			t.Fatalf("login after the lock: %v", err)
		}
		// The count was cleared: four failures do not lock.
		for range 4 {
			_, _, err := f.svc.Login(ctx, email, "wrong password")
			wantCode(t, err, hub.EUnauthorized)
		}
		if _, _, err := f.svc.Login(ctx, email, "correct horse"); err != nil {
			t.Fatalf("login after four failures: %v", err)
		}
		if got := auditActions(t, f, "member:"+itoa(f.owner.ID)); !slices.Contains(got, "member.lock") {
			t.Errorf("audit of the owner %v has no member.lock", got)
		}
		f.now = start
	}
}

// TestPasswordReset runs the reset flow: unknown emails get nothing, the
// emailed link sets the password once, ends every session and lifts a
// lock; it expires after an hour; a fourth request in an hour sends
// nothing.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	f := accountFixture(t)
	ctx := context.Background()
	if err := f.svc.RequestPasswordReset(ctx, "nobody@acme.test"); err != nil {
		t.Fatal(err)
	}
	if es := emailsOf(mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailPasswordReset); len(es) != 0 {
		t.Fatalf("reset email for an unknown address: %+v", es)
	}
	session, _, err := f.svc.Login(ctx, "owner@acme.test", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		_, _, _ = f.svc.Login(ctx, "owner@acme.test", "wrong password")
	}
	if err := f.svc.RequestPasswordReset(ctx, " OWNER@acme.test"); err != nil {
		t.Fatal(err)
	}
	e := mustOneEmail(t, mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailPasswordReset)
	if e.To != "owner@acme.test" || e.Status != hub.EmailPending {
		t.Fatalf("reset email %+v", e)
	}
	wantContains(t, "reset email", e.Body, "Acme", "within an hour")
	token := linkToken(t, e.Body, "/reset")

	wantCode(t, f.svc.ConfirmPasswordReset(ctx, "wrong-token", "new password!"), hub.EInvalid)
	wantCode(t, f.svc.ConfirmPasswordReset(ctx, token, "short"), hub.EInvalid)
	if err := f.svc.ConfirmPasswordReset(ctx, token, "new password!"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.ConfirmPasswordReset(ctx, token, "another password"), hub.EInvalid)
	_, err = f.svc.MemberActor(ctx, session)
	wantCode(t, err, hub.EUnauthorized)
	if _, _, err := f.svc.Login(ctx, "owner@acme.test", "new password!"); err != nil {
		t.Fatalf("login with the new password (the lock is lifted): %v", err)
	}
	if got := topics(f.pub.take(), hub.EventMemberSessions); !slices.Contains(got, hub.TopicMember(f.owner.ID)) {
		t.Errorf("sessions-changed published to %v", got)
	}

	// An hour later the link is dead.
	if err := f.svc.RequestPasswordReset(ctx, "owner@acme.test"); err != nil {
		t.Fatal(err)
	}
	es := emailsOf(mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailPasswordReset)
	late := linkToken(t, es[len(es)-1].Body, "/reset")
	f.now = f.now.Add(hub.PasswordResetTTL)
	wantCode(t, f.svc.ConfirmPasswordReset(ctx, late, "new password!"), hub.EInvalid)

	// At most three requests an hour send an email.
	f.now = f.now.Add(2 * time.Hour)
	for range 5 {
		if err := f.svc.RequestPasswordReset(ctx, "owner@acme.test"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(emailsOf(mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailPasswordReset)); n != 2+3 {
		t.Fatalf("%d reset emails, want 5", n)
	}
	if got := auditActions(t, f, "member:"+itoa(f.owner.ID)); !slices.Contains(got, "member.password_reset") {
		t.Errorf("audit %v has no member.password_reset", got)
	}
}

// TestInvites runs invitations: who may invite whom, the emailed link,
// the accept page, accepting once, revoking, expiry, replacing.
func TestInvites(t *testing.T) {
	t.Parallel()
	f := accountFixture(t)
	ctx := context.Background()
	_, admin := addMember(t, f, "admin@acme.test", hub.RoleAdmin)
	_, agent := addMember(t, f, "agent@acme.test", hub.RoleAgent)
	_, otherOwner := mustTenant(t, f.svc, "Other", "owner@other.test")
	other := hub.Actor{Kind: hub.ActorMember, ID: otherOwner.ID, TenantID: otherOwner.TenantID, Role: hub.RoleOwner}

	_, err := f.svc.CreateInvite(ctx, agent, hub.NewInvite{TenantID: f.tenant.ID, Email: "x@new.test", Role: hub.RoleAgent})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.CreateInvite(ctx, admin, hub.NewInvite{TenantID: f.tenant.ID, Email: "x@new.test", Role: hub.RoleOwner})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.CreateInvite(ctx, other, hub.NewInvite{TenantID: f.tenant.ID, Email: "x@new.test", Role: hub.RoleAgent})
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.CreateInvite(ctx, admin, hub.NewInvite{TenantID: f.tenant.ID, Email: "agent@ACME.test", Role: hub.RoleAgent})
	wantCode(t, err, hub.EConflict)
	_, err = f.svc.CreateInvite(ctx, admin, hub.NewInvite{TenantID: f.tenant.ID, Email: "not an email", Role: hub.RoleAgent})
	wantCode(t, err, hub.EInvalid)
	_, err = f.svc.CreateInvite(ctx, admin, hub.NewInvite{TenantID: f.tenant.ID, Email: "x@new.test", Role: "boss"})
	wantCode(t, err, hub.EInvalid)

	inv, err := f.svc.CreateInvite(ctx, admin, hub.NewInvite{TenantID: f.tenant.ID, Email: "New@New.test", Role: hub.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Email != "new@new.test" || !inv.ExpiresAt.Equal(f.now.Add(hub.InviteTTL)) {
		t.Fatalf("invite %+v", inv)
	}
	e := mustOneEmail(t, mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailInvite)
	if e.To != "new@new.test" || e.ReplyTo != "admin@acme.test" {
		t.Fatalf("invite email %+v", e)
	}
	wantContains(t, "invite email", e.Subject, "Acme")
	wantContains(t, "invite email", e.Body, "Acme", "admin", "7 days")
	token := linkToken(t, e.Body, "/invite")

	list, err := f.svc.Invites(ctx, admin, f.tenant.ID)
	if err != nil || len(list) != 1 || list[0].ID != inv.ID {
		t.Fatalf("pending invites %+v, %v", list, err)
	}
	_, err = f.svc.Invites(ctx, agent, f.tenant.ID)
	wantCode(t, err, hub.EForbidden)
	wantCode(t, f.svc.RevokeInvite(ctx, other, inv.ID), hub.ENotFound)
	wantCode(t, f.svc.RevokeInvite(ctx, agent, inv.ID), hub.EForbidden)

	info, err := f.svc.InviteByToken(ctx, token)
	if err != nil || *info != (hub.InviteInfo{Workspace: "Acme", Email: "new@new.test", Role: hub.RoleAdmin}) {
		t.Fatalf("invite info %+v, %v", info, err)
	}
	_, err = f.svc.InviteByToken(ctx, "nope")
	wantCode(t, err, hub.ENotFound)

	_, _, err = f.svc.AcceptInvite(ctx, token, "New", "short")
	wantCode(t, err, hub.EInvalid)
	_, _, err = f.svc.AcceptInvite(ctx, token, " ", "long enough")
	wantCode(t, err, hub.EInvalid)
	session, m, err := f.svc.AcceptInvite(ctx, token, " New Person ", "long enough")
	if err != nil {
		t.Fatal(err)
	}
	if m.TenantID != f.tenant.ID || m.Role != hub.RoleAdmin || m.Name != "New Person" || m.Email != "new@new.test" {
		t.Fatalf("member from the invite %+v", m)
	}
	if a, err := f.svc.MemberActor(ctx, session); err != nil || a.ID != m.ID || a.Role != hub.RoleAdmin {
		t.Fatalf("session of the new member %+v, %v", a, err)
	}
	_, _, err = f.svc.AcceptInvite(ctx, token, "Again", "long enough")
	wantCode(t, err, hub.ENotFound)
	_, err = f.svc.InviteByToken(ctx, token)
	wantCode(t, err, hub.ENotFound)
	if list, _ := f.svc.Invites(ctx, admin, f.tenant.ID); len(list) != 0 {
		t.Fatalf("accepted invite still pending: %+v", list)
	}
	if got := auditActions(t, f, "member:"+itoa(m.ID)); !slices.Contains(got, "member.join") {
		t.Errorf("audit %v has no member.join", got)
	}

	// A second invite to the same email replaces the first; revoking kills
	// the link; only owners revoke an owner's invite.
	first, err := f.svc.CreateInvite(ctx, f.ownerA, hub.NewInvite{TenantID: f.tenant.ID, Email: "twice@new.test", Role: hub.RoleOwner})
	if err != nil {
		t.Fatal(err)
	}
	firstToken := linkToken(t, emailsOf(mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailInvite)[1].Body, "/invite")
	wantCode(t, f.svc.RevokeInvite(ctx, admin, first.ID), hub.EForbidden)
	second, err := f.svc.CreateInvite(ctx, f.ownerA, hub.NewInvite{TenantID: f.tenant.ID, Email: "twice@new.test", Role: hub.RoleAgent})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.InviteByToken(ctx, firstToken)
	wantCode(t, err, hub.ENotFound)
	secondToken := linkToken(t, emailsOf(mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailInvite)[2].Body, "/invite")
	if err := f.svc.RevokeInvite(ctx, admin, second.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.AcceptInvite(ctx, secondToken, "Twice", "long enough")
	wantCode(t, err, hub.ENotFound)
	wantCode(t, f.svc.RevokeInvite(ctx, admin, second.ID), hub.ENotFound)

	// Invites expire after seven days.
	if _, err := f.svc.CreateInvite(ctx, admin, hub.NewInvite{TenantID: f.tenant.ID, Email: "late@new.test", Role: hub.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	es := emailsOf(mustEmails(t, f.svc.Store, f.tenant.ID), hub.EmailInvite)
	lateToken := linkToken(t, es[len(es)-1].Body, "/invite")
	f.now = f.now.Add(hub.InviteTTL)
	_, _, err = f.svc.AcceptInvite(ctx, lateToken, "Late", "long enough")
	wantCode(t, err, hub.ENotFound)
	if list, _ := f.svc.Invites(ctx, admin, f.tenant.ID); len(list) != 0 {
		t.Fatalf("expired invite still pending: %+v", list)
	}
}

// TestTeamRoles: who may change whose role, the last owner, audit and the
// published sessions-changed event.
func TestTeamRoles(t *testing.T) {
	t.Parallel()
	f := accountFixture(t)
	ctx := context.Background()
	adminM, admin := addMember(t, f, "admin@acme.test", hub.RoleAdmin)
	agentM, agent := addMember(t, f, "agent@acme.test", hub.RoleAgent)
	_, otherOwner := mustTenant(t, f.svc, "Other", "owner@other.test")
	other := hub.Actor{Kind: hub.ActorMember, ID: otherOwner.ID, TenantID: otherOwner.TenantID, Role: hub.RoleOwner}
	f.pub.take()

	members, err := f.svc.Members(ctx, agent, f.tenant.ID)
	if err != nil || len(members) != 3 {
		t.Fatalf("members %+v, %v", members, err)
	}
	_, err = f.svc.Members(ctx, other, f.tenant.ID)
	wantCode(t, err, hub.EForbidden)

	_, err = f.svc.ChangeRole(ctx, other, agentM.ID, hub.RoleAdmin)
	wantCode(t, err, hub.ENotFound) // another workspace's member: 404 before 403
	_, err = f.svc.ChangeRole(ctx, agent, adminM.ID, hub.RoleAgent)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.ChangeRole(ctx, admin, f.owner.ID, hub.RoleAdmin)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.ChangeRole(ctx, admin, agentM.ID, hub.RoleOwner)
	wantCode(t, err, hub.EForbidden)
	_, err = f.svc.ChangeRole(ctx, admin, agentM.ID, "boss")
	wantCode(t, err, hub.EInvalid)
	_, err = f.svc.ChangeRole(ctx, f.ownerA, f.owner.ID, hub.RoleAdmin)
	wantCode(t, err, hub.EConflict) // the last owner
	wantCode(t, f.svc.RemoveMember(ctx, f.ownerA, f.owner.ID), hub.EConflict)
	if len(f.pub.take()) != 0 {
		t.Fatal("a refused change published events")
	}

	m, err := f.svc.ChangeRole(ctx, admin, agentM.ID, hub.RoleAdmin)
	if err != nil || m.Role != hub.RoleAdmin || !m.RoleChangedAt.Equal(f.now) {
		t.Fatalf("agent to admin: %+v, %v", m, err)
	}
	if got := topics(f.pub.take(), hub.EventMemberSessions); len(got) != 1 || got[0] != hub.TopicMember(agentM.ID) {
		t.Fatalf("sessions-changed published to %v", got)
	}
	es, err := f.svc.Store.FindAuditEntries(ctx, hub.AuditFilter{TenantID: f.tenant.ID, Subject: "member:" + itoa(agentM.ID)})
	if err != nil || len(es) == 0 || es[0].Action != "member.role" || es[0].ActorID != admin.ID {
		t.Fatalf("audit %+v, %v", es, err)
	}
	var data map[string]string
	if err := json.Unmarshal(es[0].Data, &data); err != nil || data["from"] != "agent" || data["to"] != "admin" {
		t.Fatalf("audit data %s", es[0].Data)
	}
	// No change, no event.
	if _, err := f.svc.ChangeRole(ctx, admin, agentM.ID, hub.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	if len(f.pub.take()) != 0 {
		t.Fatal("a role set to itself published events")
	}

	// With a second owner, the first may step down, and then the second is
	// the last.
	if _, err := f.svc.ChangeRole(ctx, f.ownerA, adminM.ID, hub.RoleOwner); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ChangeRole(ctx, f.ownerA, f.owner.ID, hub.RoleAgent); err != nil {
		t.Fatal(err)
	}
	second := hub.Actor{Kind: hub.ActorMember, ID: adminM.ID, TenantID: f.tenant.ID, Role: hub.RoleOwner}
	_, err = f.svc.ChangeRole(ctx, second, adminM.ID, hub.RoleAdmin)
	wantCode(t, err, hub.EConflict)
}

// TestRemoveMember: removal ends the member's sessions and unassigns
// their work; an admin cannot remove an owner; others get 404.
func TestRemoveMember(t *testing.T) {
	t.Parallel()
	f := accountFixture(t)
	ctx := context.Background()
	_, admin := addMember(t, f, "admin@acme.test", hub.RoleAdmin)
	agentM, agent := addMember(t, f, "agent@acme.test", hub.RoleAgent)
	first := mustSend(t, f.svc, f.visitor, hub.NewMessage{Body: "Where is my order?"})
	tk, err := f.svc.CreateTicket(ctx, f.visitor, hub.NewTicket{ConversationID: first.ConversationID, Subject: "Order", RequesterEmail: "ann@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateTicket(ctx, agent, tk.ID, hub.TicketUpdate{AssigneeID: &agentM.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.TakeOver(ctx, agent, first.ConversationID); err != nil {
		t.Fatal(err)
	}
	_, otherOwner := mustTenant(t, f.svc, "Other", "owner@other.test")
	other := hub.Actor{Kind: hub.ActorMember, ID: otherOwner.ID, TenantID: otherOwner.TenantID, Role: hub.RoleOwner}
	session, _, err := f.svc.Login(ctx, "agent@acme.test", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	f.pub.take()

	wantCode(t, f.svc.RemoveMember(ctx, other, agentM.ID), hub.ENotFound)
	wantCode(t, f.svc.RemoveMember(ctx, admin, f.owner.ID), hub.EForbidden)
	if err := f.svc.RemoveMember(ctx, admin, agentM.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.MemberActor(ctx, session)
	wantCode(t, err, hub.EUnauthorized)
	events := f.pub.take()
	if got := topics(events, hub.EventMemberSessions); len(got) != 1 || got[0] != hub.TopicMember(agentM.ID) {
		t.Fatalf("sessions-changed published to %v", got)
	}
	// Every dashboard is told the work is unassigned.
	if got := topics(events, hub.EventTicketUpdated); len(got) == 0 {
		t.Fatal("no ticket.updated for the unassigned ticket")
	}
	if got := topics(events, hub.EventConversationUpdated); len(got) == 0 {
		t.Fatal("no conversation.updated for the unassigned conversation")
	}
	if got, err := f.svc.Ticket(ctx, f.ownerA, tk.ID); err != nil || got.AssigneeID != 0 || got.Version <= tk.Version {
		t.Fatalf("ticket after removal: %+v, %v", got, err)
	}
	wantCode(t, f.svc.RemoveMember(ctx, admin, agentM.ID), hub.ENotFound)
	if got := auditActions(t, f, "member:"+itoa(agentM.ID)); !slices.Contains(got, "member.remove") {
		t.Errorf("audit %v has no member.remove", got)
	}
	// The email can be invited again.
	if _, err := f.svc.CreateInvite(ctx, admin, hub.NewInvite{TenantID: f.tenant.ID, Email: "agent@acme.test", Role: hub.RoleAgent}); err != nil {
		t.Fatal(err)
	}
}

// TestProfile: name, locale and password of one's own account.
func TestProfile(t *testing.T) {
	t.Parallel()
	f := accountFixture(t)
	ctx := context.Background()
	keep, _, err := f.svc.Login(ctx, "owner@acme.test", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := f.svc.Login(ctx, "owner@acme.test", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }

	m, err := f.svc.UpdateProfile(ctx, f.ownerA, hub.ProfileUpdate{Name: str(" Olga "), Locale: str("ru")})
	if err != nil || m.Name != "Olga" || m.Locale != "ru" {
		t.Fatalf("profile %+v, %v", m, err)
	}
	if me, err := f.svc.Me(ctx, f.ownerA); err != nil || me.Name != "Olga" || me.Locale != "ru" {
		t.Fatalf("me %+v, %v", me, err)
	}
	for _, in := range []hub.ProfileUpdate{
		{Name: str("  ")},
		{Locale: str("de")},
		{Password: str("new password!")}, // no current password
		{Password: str("short"), CurrentPassword: "correct horse"}, // too short
	} {
		_, err := f.svc.UpdateProfile(ctx, f.ownerA, in)
		wantCode(t, err, hub.EInvalid)
	}
	_, err = f.svc.UpdateProfile(ctx, f.ownerA, hub.ProfileUpdate{Password: str("new password!"), CurrentPassword: "wrong one"})
	wantCode(t, err, hub.EForbidden)
	if m, _ := f.svc.Me(ctx, f.ownerA); m.FailedLogins != 1 {
		t.Fatalf("a wrong current password counted %d failures, want 1", m.FailedLogins)
	}

	_, err = f.svc.UpdateProfile(ctx, f.ownerA, hub.ProfileUpdate{Password: str("new password!"), CurrentPassword: "correct horse",
		KeepSession: keep})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.MemberActor(ctx, keep); err != nil {
		t.Fatalf("the caller's session ended: %v", err)
	}
	_, err = f.svc.MemberActor(ctx, other)
	wantCode(t, err, hub.EUnauthorized)
	if _, _, err := f.svc.Login(ctx, "owner@acme.test", "new password!"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.UpdateProfile(ctx, f.visitor, hub.ProfileUpdate{Name: str("V")})
	wantCode(t, err, hub.EForbidden)
}
