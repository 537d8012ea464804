package hub

// ActorKind says who performs an action.
type ActorKind string

// Actor kinds.
const (
	ActorVisitor   ActorKind = "visitor"
	ActorMember    ActorKind = "member"
	ActorAssistant ActorKind = "assistant"
	ActorSystem    ActorKind = "system"
	// ActorStaff marks audit entries written by platform staff viewing a
	// workspace (support access); staff act as members otherwise.
	ActorStaff ActorKind = "staff"
)

// Actor is an authenticated caller. Every service method takes one and
// authorizes against it; adapters never decide access themselves.
type Actor struct {
	Kind     ActorKind
	ID       int64 // visitor or member id
	TenantID int64
	SiteID   int64 // visitors only
	Role     Role  // members only
	// Verified says a visitor's identity was proven by their site.
	Verified bool
	// Origin is the page origin a visitor's visit started from (their
	// token's), which must stay among the site's allowed origins; "" for
	// tokens issued before tokens carried it.
	Origin string
	// OnBehalf is the member a workspace's requester actor (a visitor of
	// the platform's Support site, RequesterActor) writes for; their name
	// goes on the messages.
	OnBehalf int64
	// Staff marks members of the platform tenant.
	Staff bool
	// ReadOnly marks staff viewing another workspace through its support
	// access (SupportViewer): they may read, never change (Writable).
	ReadOnly bool
	// HomeTenantID is the member's own tenant when they act in another:
	// a read-only viewer's platform tenant, a requester's workspace.
	HomeTenantID int64
	// TokenID is the workspace API token the request came with (0: a
	// person's session). A token acts for the member who created it, with
	// the role its Scope gives (TokenActor); audit entries name it, and
	// what only a person may do refuses it (Person).
	TokenID int64
	// TokenName is the token's name, for logs.
	TokenName string
	// Scope is the token's scope; "" for a person.
	Scope Scope
}

// Writable returns EForbidden for a read-only support viewer. Adapters
// call it for every request or frame that changes state; the Service's
// writes call it too.
func (a Actor) Writable() error {
	if a.ReadOnly {
		return Errorf(EForbidden, "support access is read-only: staff cannot change anything in this workspace")
	}
	if a.TokenID != 0 && !a.Scope.Writes() {
		return Errorf(EForbidden, "this API token has the read scope: it cannot change anything (create a token with the write or admin scope)")
	}
	return nil
}

// Person returns EForbidden for an API token: the caller must be a person
// signed in to the dashboard. It guards what acts as the person themself
// (their profile), talks to the platform's team on their behalf (the
// support section) or hands out credentials (API tokens).
func (a Actor) Person() error {
	if a.TokenID != 0 {
		return Errorf(EForbidden, "API tokens cannot do this: sign in to the dashboard as a person")
	}
	return nil
}

// IsMember reports whether the actor is a dashboard member.
func (a Actor) IsMember() bool { return a.Kind == ActorMember }
