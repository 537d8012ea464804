package eval

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/assistant"
	"github.com/parley-chat/parley/store/sqlite"
)

// Outcome is how the assistant did on one message.
type Outcome string

// Outcomes. Every message has exactly one.
const (
	// Right: the expected entry was the answer, the hand-off happened, or
	// (for ExpectNone) neither a knowledge-base answer nor a hand-off.
	Right Outcome = "right"
	// Wrong: an answer from another entry than the expected one, or any
	// knowledge-base answer where none was expected.
	Wrong Outcome = "wrong"
	// Needless: a hand-off where an entry (or nothing) was expected.
	Needless Outcome = "needless_handoff"
	// Missed: no hand-off where one was expected (an answer, small talk or
	// silence).
	Missed Outcome = "missed_handoff"
	// Unanswered: an entry was expected and the assistant said only small
	// talk or nothing, without a hand-off either.
	Unanswered Outcome = "unanswered"
)

// Outcomes lists them in the order reports show them.
var Outcomes = []Outcome{Right, Wrong, Needless, Missed, Unanswered}

// What Result.Got holds besides an entry's key.
const (
	GotHandoff   = "handoff"   // ActionEscalate
	GotSmallTalk = "smalltalk" // an answer not from the knowledge base
	GotSilent    = "silent"    // ActionSilent
)

// Result is what the assistant did with one message.
type Result struct {
	Message
	Got      string // the answering entry's key, GotHandoff, GotSmallTalk or GotSilent
	Decision string // the trace's decision, in words
	Outcome  Outcome
	// Sources are the entries the search found, with the words weighed
	// (the trace's).
	Sources []hub.KBSource
	// Retrieved says, on the model path (RunModel), that the expected
	// entry was among those given to the model; always false on the
	// built-in one.
	Retrieved bool
}

// Run puts every message of msgs to the built-in assistant, one message
// per conversation, as production does: each KB of set goes into a fresh
// SQLite store in a temporary directory, migrated, with a workspace and a
// site made through hub.Service and the entries added with
// Service.CreateKnowledgeEntry; then Builtin.Decide answers with that store
// as its knowledge, the message's language as the locale and tickets on.
// Results are in the order of msgs.
func Run(ctx context.Context, set *Set, msgs []Message) ([]Result, error) {
	return run(ctx, set, msgs, nil)
}

func run(ctx context.Context, set *Set, msgs []Message, model *Model) ([]Result, error) {
	dir, err := os.MkdirTemp("", "parleyeval-")
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	defer os.RemoveAll(dir)
	byKB := map[string][]int{} // kb → indexes into msgs
	for i, m := range msgs {
		byKB[m.KB] = append(byKB[m.KB], i)
	}
	out := make([]Result, len(msgs))
	for _, kb := range set.KBs {
		if len(byKB[kb.Name]) == 0 {
			continue
		}
		if err := runKB(ctx, filepath.Join(dir, kb.Name+".db"), kb, msgs, byKB[kb.Name], out, model); err != nil {
			return nil, fmt.Errorf("eval: kb %s: %w", kb.Name, err)
		}
	}
	return out, nil
}

func runKB(ctx context.Context, file string, kb KB, msgs []Message, idx []int, out []Result, model *Model) error {
	db, err := sqlite.Open(ctx, file)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	svc := &hub.Service{Store: db, Log: zerolog.Nop(), Secret: []byte("parleyeval"), Clock: func() time.Time { return now }}
	tenant, owner, err := svc.CreateTenant(ctx, hub.NewAccount{TenantName: kb.Name, Email: "owner@" + kb.Name + ".test",
		Password: "parleyeval password"})
	if err != nil {
		return err
	}
	actor := hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: tenant.ID, Role: hub.RoleOwner}
	site, err := svc.CreateSite(ctx, actor, hub.NewSite{TenantID: tenant.ID, Name: kb.Name,
		AllowedOrigins: []string{"https://" + kb.Name + ".test"}})
	if err != nil {
		return err
	}
	if len(kb.Synonyms) > 0 {
		if site, err = svc.UpdateSite(ctx, actor, site.ID, hub.SiteUpdate{Synonyms: &kb.Synonyms}); err != nil {
			return fmt.Errorf("synonyms: %w", err)
		}
	}
	keyOf := map[int64]string{}
	idOf := map[string]int64{}
	for _, e := range kb.Entries {
		var translationOf int64
		if e.TranslationOf != "" {
			if translationOf = idOf[e.TranslationOf]; translationOf == 0 {
				return fmt.Errorf("entry %s: translation_of %q is no earlier entry", e.Key, e.TranslationOf)
			}
		}
		stored, err := svc.CreateKnowledgeEntry(ctx, actor, hub.NewKnowledgeEntry{SiteID: site.ID,
			Kind: hub.KnowledgeKind(e.Kind), Title: e.Title, Body: e.Body, Language: e.Lang, Phrasings: e.Phrasings,
			TranslationOf: translationOf})
		if err != nil {
			return fmt.Errorf("entry %s: %w", e.Key, err)
		}
		keyOf[stored.ID] = e.Key
		idOf[e.Key] = stored.ID
	}
	var a hub.Assistant = &assistant.Builtin{Knowledge: db}
	if model != nil {
		if a, err = model.assistant(db, a); err != nil {
			return err
		}
	}
	for n, i := range idx {
		m := msgs[i]
		conv := &hub.Conversation{ID: int64(n + 1), TenantID: tenant.ID, SiteID: site.ID, Owner: hub.OwnerAssistant}
		in := hub.AssistantInput{Site: site, Conversation: conv, Locale: m.Lang, Tickets: true,
			Messages: []*hub.Message{{ID: 1, TenantID: tenant.ID, ConversationID: conv.ID, Seq: 1,
				AuthorKind: hub.AuthorVisitor, Body: m.Text, CreatedAt: now}}}
		d, err := a.Decide(ctx, in)
		if err != nil {
			return fmt.Errorf("message %s: %w", m.ID, err)
		}
		got, err := gotOf(d, keyOf)
		if err != nil {
			return fmt.Errorf("message %s: %w", m.ID, err)
		}
		out[i] = Result{Message: m, Got: got, Decision: d.Trace.Decision, Outcome: Classify(m.Expect, got), Sources: d.Trace.Sources}
		if model != nil {
			for _, s := range d.Trace.Sources {
				out[i].Retrieved = out[i].Retrieved || (s.Used && keyOf[s.EntryID] == m.Expect)
			}
		}
	}
	return nil
}

// gotOf names what d did: the key of the entry it answered with (the used
// source of a StatusMatchedContent answer; for a model's answer from the
// knowledge base, AnswerSource "both", the first entry it was given, since
// a model does not say which it used), or GotHandoff, GotSmallTalk,
// GotSilent.
func gotOf(d hub.Decision, keyOf map[int64]string) (string, error) {
	switch {
	case d.Action == hub.ActionEscalate:
		return GotHandoff, nil
	case d.Action == hub.ActionSilent:
		return GotSilent, nil
	case d.Action == hub.ActionAnswer && d.StatusType != hub.StatusMatchedContent && d.Trace.AnswerSource != "both":
		return GotSmallTalk, nil
	case d.Action == hub.ActionAnswer:
		for _, s := range d.Trace.Sources {
			if s.Used {
				if key, ok := keyOf[s.EntryID]; ok {
					return key, nil
				}
				return "", fmt.Errorf("answered with entry %d, which is not in the kb", s.EntryID)
			}
		}
		return "", fmt.Errorf("a matched answer without a used source: %s", d.Trace.Decision)
	}
	return "", fmt.Errorf("unknown action %q", d.Action)
}

// Classify says how got (see Result.Got) fares against expect.
func Classify(expect, got string) Outcome {
	kbAnswer := got != GotHandoff && got != GotSmallTalk && got != GotSilent
	switch {
	case expect == ExpectHandoff && got == GotHandoff:
		return Right
	case expect == ExpectHandoff:
		return Missed
	case got == GotHandoff:
		return Needless
	case expect == ExpectNone && kbAnswer:
		return Wrong
	case expect == ExpectNone:
		return Right
	case got == expect:
		return Right
	case kbAnswer:
		return Wrong
	default:
		return Unanswered
	}
}
