package hub

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/rs/zerolog"
)

// Observer receives counts the Service produces; *metrics.Metrics is one.
type Observer interface {
	MessagePersisted()
	StoreError()
}

// Service holds Parley's business rules: it validates, authorizes, writes in
// one transaction, and publishes only after the commit.
type Service struct {
	Store     Store
	Publisher Publisher
	Log       zerolog.Logger
	// Secret signs visitor tokens and file links; every node of a cluster
	// must share it. PreviousSecrets still verify file links, so that
	// those handed out before a change of Secret work until they expire
	// (PARLEY_SECRET_KEY_PREVIOUS).
	Secret          []byte
	PreviousSecrets [][]byte
	// Clock defaults to time.Now.
	Clock Clock
	// Observer may be nil.
	Observer Observer
	// AssistantNotify, when set, is called after a visitor's message that
	// the assistant should handle is committed (an AssistantRunner's Notify).
	AssistantNotify func(conversationID int64)
	// KnowledgeNotify, when set, is called on the node that made it after
	// a change of a site's knowledge (an entry written or deleted, the
	// site's synonyms) is committed and published: the model assistant
	// embeds the changed entries then (assistant.KnowledgeEmbedder). Every
	// node hears the change itself through EventKnowledgeChanged.
	KnowledgeNotify func(siteID int64)

	// Accounts (hub/account.go).
	//
	// BaseURL is the hub's public URL (PARLEY_BASE_URL), for the links in
	// password-reset and invitation emails.
	BaseURL string
	// SignupClosed refuses self-service sign-up (PARLEY_SIGNUP=closed).
	SignupClosed bool
	// Limits count what must be limited across the cluster: sign-ins to
	// emails without an account here (account.go), the per-address limits
	// in the HTTP layer. hub/ratelimit has them in Redis or in memory.
	Limits Limits

	// Support is the platform team's hours and response targets
	// (support_policy.go); the zero value is 001's defaults in Moscow time.
	Support SupportPolicy

	// CheckURL, when set, says whether the server may call a URL a
	// workspace saves (a site's model base URL): hub/egress.CheckURL with
	// the operator's allowed ranges. Nil accepts any http(s) URL.
	CheckURL func(ctx context.Context, rawURL string) error
}

func (s *Service) now() time.Time {
	if s.Clock != nil {
		return s.Clock().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

// maxTxAttempts bounds retries of a transaction that lost a race. Writers
// of one conversation lock it first (lockConversation), so a race is rare
// and a client never sees one (TestConcurrentWritersNeverConflict).
const maxTxAttempts = 10

// tx runs fn in a store transaction, retrying when a version check lost a
// race (EConflict from an Update) or the store says the transaction may
// succeed when run again (Retryable). fn must be safe to run again.
func (s *Service) tx(ctx context.Context, fn func(q Queries) error) error {
	var err error
	for range maxTxAttempts {
		err = s.Store.Tx(ctx, fn)
		if !isStaleVersion(err) {
			break
		}
	}
	if err != nil && ErrorCode(err) == EInternal && s.Observer != nil {
		s.Observer.StoreError()
	}
	return err
}

// errStale marks an optimistic version conflict, so tx can retry it without
// mistaking a unique-key conflict for one.
type errStale struct{ err error }

func (e errStale) Error() string { return e.err.Error() }
func (e errStale) Unwrap() error { return e.err }

func isStaleVersion(err error) bool {
	_, ok := err.(errStale)
	return ok
}

// Retryable is how a store reports that the database gave up on a
// transaction (a deadlock, a serialization failure) and running it again
// may succeed; when the attempts run out the client sees EUnavailable.
func Retryable(err error) error {
	return errStale{&Error{Code: EUnavailable, Message: "the database is busy: try again", Err: err}}
}

// stale wraps an Update's EConflict as retryable.
func stale(err error) error {
	if IsCode(err, EConflict) {
		return errStale{err}
	}
	return err
}

// outbox collects the events of one write; they are published after commit.
type outbox struct {
	items []outItem
	// knowledgeSites are the sites whose knowledge changed (outbox.knowledge),
	// for Service.KnowledgeNotify.
	knowledgeSites []int64
}

type outItem struct {
	topics []string
	event  Event
}

func (o *outbox) add(ev Event, topics ...string) {
	o.items = append(o.items, outItem{topics: topics, event: ev})
}

// publish encodes each event once and hands the Publisher one payload per
// topic, the topic's events in order (EncodeEvents), topics in the order
// they first appear. The write is committed already, so a failure is
// logged, not returned: subscribers recover from the store when they
// resume.
func (s *Service) publish(ctx context.Context, o *outbox) {
	if s.KnowledgeNotify != nil && len(o.knowledgeSites) > 0 {
		defer func() {
			for _, id := range o.knowledgeSites {
				s.KnowledgeNotify(id)
			}
		}()
	}
	if s.Publisher == nil || len(o.items) == 0 {
		return
	}
	// A write has a few topics: a slice searched in order keeps them in
	// the order they first appear, without a map per write.
	type group struct {
		topic, firstType string
		events           [][]byte
	}
	var groups []group
	now := time.Now().UnixNano()
	for _, it := range o.items {
		it.event.At = now
		payload, err := json.Marshal(it.event)
		if err != nil {
			s.Log.Error().Err(err).Str("type", it.event.Type).Msg("encode event")
			continue
		}
		for _, topic := range it.topics {
			i := slices.IndexFunc(groups, func(g group) bool { return g.topic == topic })
			if i < 0 {
				i = len(groups)
				groups = append(groups, group{topic: topic, firstType: it.event.Type})
			}
			groups[i].events = append(groups[i].events, payload)
		}
	}
	for _, g := range groups {
		if err := s.Publisher.Publish(ctx, g.topic, EncodeEvents(g.events)); err != nil {
			s.Log.Warn().Err(err).Str("topic", g.topic).Str("type", g.firstType).Msg("publish event")
		}
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain structs are encoded here
	}
	return b
}
