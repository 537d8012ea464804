package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

// testReadMarkers checks that markers only move forwards, per reader.
func testReadMarkers(t *testing.T, s hub.Store) {
	ctx := t.Context()
	f := newFixture(t, s)
	save := func(kind hub.AuthorKind, reader, seq int64, updated int) hub.ReadMarker {
		t.Helper()
		got, err := s.SaveReadMarker(ctx, hub.ReadMarker{ConversationID: f.conv.ID, ReaderKind: kind, ReaderID: reader,
			Seq: seq, UpdatedAt: at(updated)})
		must(t, err)
		return got
	}
	want := hub.ReadMarker{ConversationID: f.conv.ID, ReaderKind: hub.AuthorAgent, ReaderID: f.member.ID, Seq: 5, UpdatedAt: utc(at(1))}
	wantEqual(t, "first marker", save(hub.AuthorAgent, f.member.ID, 5, 1), want)
	wantEqual(t, "marker after an older read", save(hub.AuthorAgent, f.member.ID, 3, 2), want)
	want.Seq, want.UpdatedAt = 7, utc(at(3))
	wantEqual(t, "marker after a newer read", save(hub.AuthorAgent, f.member.ID, 7, 3), want)

	// Readers are independent: by kind and by id.
	wantEqual(t, "visitor marker", save(hub.AuthorVisitor, f.member.ID, 2, 4).Seq, int64(2))
	wantEqual(t, "other agent marker", save(hub.AuthorAgent, f.member.ID+1, 1, 5).Seq, int64(1))
	wantEqual(t, "agent marker again", save(hub.AuthorAgent, f.member.ID, 0, 6).Seq, int64(7))

	// Markers belong to an existing conversation.
	_, err := s.SaveReadMarker(ctx, hub.ReadMarker{ConversationID: f.conv.ID + 1000, ReaderKind: hub.AuthorVisitor,
		ReaderID: 1, Seq: 1, UpdatedAt: t0})
	if err == nil {
		t.Fatal("SaveReadMarker of a missing conversation succeeded")
	}
}
