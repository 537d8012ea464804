// Package eval measures the built-in assistant (assistant.Builtin) on a
// fixed set of visitor messages: invented businesses' knowledge bases and,
// for each message, what a careful person would do with it (answer with
// this entry, hand it to the team, or neither). It runs the assistant as
// production does, on a migrated SQLite store whose full-text search finds
// the candidates, and counts right answers, wrong answers, needless and
// missed hand-offs. It measures; it changes nothing in the assistant.
//
// The set lives in testdata (README.md there says how it is made and how
// the holdout split is chosen); cmd/parleyeval prints the figures.
package eval

import (
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

//go:embed testdata/*.json
var testdata embed.FS

// Data is the evaluation set shipped with Parley: the files of testdata.
var Data = func() fs.FS {
	sub, err := fs.Sub(testdata, "testdata")
	if err != nil {
		panic(err) // a constant, valid path: cannot happen
	}
	return sub
}()

// Entry is one knowledge-base entry of an invented business.
type Entry struct {
	Key   string `json:"key"`  // stable id, what a Message expects
	Kind  string `json:"kind"` // "qa" or "article"
	Lang  string `json:"lang"` // "en" or "ru"
	Title string `json:"title"`
	// Phrasings are the entry's "also asked as" (hub.KnowledgeEntry).
	Phrasings []string `json:"phrasings"`
	// TranslationOf is the key of the entry this one translates, if any.
	TranslationOf string `json:"translation_of,omitempty"`
	Body          string `json:"body"`
}

// KB is a business's knowledge base.
type KB struct {
	Name  string `json:"name"`
	About string `json:"about"`
	// Synonyms are the site's own synonym groups (hub.Site.Synonyms).
	Synonyms [][]string `json:"synonyms"`
	Entries  []Entry    `json:"entries"`
}

// Message kinds: how a visitor's message relates to the knowledge base.
const (
	KindTitle      = "title"      // phrased like an entry's title
	KindParaphrase = "paraphrase" // the same question in other words
	KindTypo       = "typo"       // with spelling mistakes
	KindLowercase  = "lowercase"  // lower case, no punctuation
	KindLong       = "long"       // the question inside a rambling message
	KindCrossLang  = "crosslang"  // asked in the other language of a bilingual site
	KindNearMiss   = "nearmiss"   // shares words with an entry that does not answer it
	KindHandoff    = "handoff"    // only a person can help
	KindPolicy     = "policy"     // a policy question with hand-off-ish words
	KindSmallTalk  = "smalltalk"  // greetings, thanks, "are you there?"
)

// Kinds lists the message kinds in the order reports show them.
var Kinds = []string{KindTitle, KindParaphrase, KindTypo, KindLowercase, KindLong, KindCrossLang,
	KindNearMiss, KindHandoff, KindPolicy, KindSmallTalk}

// What a message may expect besides an entry's key.
const (
	ExpectHandoff = "handoff" // the assistant should hand the conversation to the team
	ExpectNone    = "none"    // neither an answer from the knowledge base nor a hand-off
)

// Splits. Every third message of messages.json is in the holdout (see
// HoldoutFor); the rest is dev.
const (
	SplitDev     = "dev"
	SplitHoldout = "holdout"
)

// Message is one visitor message and what should come of it.
type Message struct {
	ID     string `json:"id"`
	KB     string `json:"kb"`
	Lang   string `json:"lang"`
	Kind   string `json:"kind"`
	Text   string `json:"text"`
	Expect string `json:"expect"` // an entry's key, ExpectHandoff or ExpectNone
	Split  string `json:"split"`
}

// Set is a loaded evaluation set.
type Set struct {
	KBs      []KB // by name
	Messages []Message
}

// HoldoutFor reports whether the n-th message of messages.json (counting
// from 0, in file order) belongs to the holdout: every third one, the
// third, sixth, ninth…. The file is grouped by knowledge base and kind, so
// each kind's holdout is a third of it, give or take one message, and the
// whole holdout is exactly a third when the count is a multiple of three.
// Load checks every message's split against it, so nobody picks which
// messages to hold out.
func HoldoutFor(n int) bool { return n%3 == 2 }

// Load reads an evaluation set from fsys: every kb_*.json file is a KB,
// messages.json is a JSON array of Messages. It checks the set: known kinds
// and languages, unique keys and ids, every expected key an entry of the
// message's KB, and every split as HoldoutFor says.
func Load(fsys fs.FS) (*Set, error) {
	names, err := fs.Glob(fsys, "kb_*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("eval: no kb_*.json files")
	}
	set := &Set{}
	keys := map[string]map[string]bool{} // kb → entry keys
	for _, name := range names {
		var kb KB
		if err := readJSON(fsys, name, &kb); err != nil {
			return nil, err
		}
		if want := strings.TrimSuffix(strings.TrimPrefix(path.Base(name), "kb_"), ".json"); kb.Name != want {
			return nil, fmt.Errorf("eval: %s: name %q, want %q", name, kb.Name, want)
		}
		keys[kb.Name] = map[string]bool{}
		for _, e := range kb.Entries {
			switch {
			case e.Key == "" || e.Key == ExpectHandoff || e.Key == ExpectNone:
				return nil, fmt.Errorf("eval: %s: entry %q: key must be set and not %q or %q", name, e.Title, ExpectHandoff, ExpectNone)
			case keys[kb.Name][e.Key]:
				return nil, fmt.Errorf("eval: %s: key %q twice", name, e.Key)
			case e.Kind != "qa" && e.Kind != "article":
				return nil, fmt.Errorf("eval: %s: entry %s: kind %q, want qa or article", name, e.Key, e.Kind)
			case !validLang(e.Lang):
				return nil, fmt.Errorf("eval: %s: entry %s: lang %q, want en or ru", name, e.Key, e.Lang)
			case strings.TrimSpace(e.Title) == "" || strings.TrimSpace(e.Body) == "":
				return nil, fmt.Errorf("eval: %s: entry %s: empty title or body", name, e.Key)
			}
			keys[kb.Name][e.Key] = true
		}
		set.KBs = append(set.KBs, kb)
	}
	slices.SortFunc(set.KBs, func(a, b KB) int { return cmp.Compare(a.Name, b.Name) })
	if err := readJSON(fsys, "messages.json", &set.Messages); err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for n, m := range set.Messages {
		switch {
		case m.ID == "" || ids[m.ID]:
			return nil, fmt.Errorf("eval: message id %q is empty or used twice", m.ID)
		case keys[m.KB] == nil:
			return nil, fmt.Errorf("eval: message %s: unknown kb %q", m.ID, m.KB)
		case !validLang(m.Lang):
			return nil, fmt.Errorf("eval: message %s: lang %q, want en or ru", m.ID, m.Lang)
		case !slices.Contains(Kinds, m.Kind):
			return nil, fmt.Errorf("eval: message %s: unknown kind %q", m.ID, m.Kind)
		case strings.TrimSpace(m.Text) == "":
			return nil, fmt.Errorf("eval: message %s: no text", m.ID)
		case m.Expect != ExpectHandoff && m.Expect != ExpectNone && !keys[m.KB][m.Expect]:
			return nil, fmt.Errorf("eval: message %s: expect %q is no entry of %s, nor %q or %q",
				m.ID, m.Expect, m.KB, ExpectHandoff, ExpectNone)
		}
		ids[m.ID] = true
		want := SplitDev
		if HoldoutFor(n) {
			want = SplitHoldout
		}
		if m.Split != want {
			return nil, fmt.Errorf("eval: message %s: split %q, want %q (every third message of the file is holdout)",
				m.ID, m.Split, want)
		}
	}
	return set, nil
}

func validLang(l string) bool { return l == "en" || l == "ru" }

func readJSON(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("eval: %s: %w", name, err)
	}
	return nil
}

// Filter returns the messages of split: SplitDev, SplitHoldout, or "all".
func (s *Set) Filter(split string) ([]Message, error) {
	if split == "all" {
		return s.Messages, nil
	}
	if split != SplitDev && split != SplitHoldout {
		return nil, fmt.Errorf("eval: split %q, want dev, holdout or all", split)
	}
	var out []Message
	for _, m := range s.Messages {
		if m.Split == split {
			out = append(out, m)
		}
	}
	return out, nil
}
