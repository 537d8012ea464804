package hub

// ActorKind says who performs an action.
type ActorKind string

// Actor kinds.
const (
	ActorVisitor   ActorKind = "visitor"
	ActorMember    ActorKind = "member"
	ActorAssistant ActorKind = "assistant"
	ActorSystem    ActorKind = "system"
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
}

// IsMember reports whether the actor is a dashboard member.
func (a Actor) IsMember() bool { return a.Kind == ActorMember }
