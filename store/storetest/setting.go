package storetest

import (
	"testing"

	"github.com/parley-chat/parley/hub"
)

func testSettings(t *testing.T, s hub.Store) {
	ctx := t.Context()
	_, err := s.FindSetting(ctx, "secret")
	wantCode(t, err, hub.ENotFound)

	got, err := s.EnsureSetting(ctx, "secret", "first")
	must(t, err)
	wantEqual(t, "first EnsureSetting", got, "first")
	got, err = s.EnsureSetting(ctx, "secret", "second")
	must(t, err)
	wantEqual(t, "second EnsureSetting", got, "first")
	got, err = s.FindSetting(ctx, "secret")
	must(t, err)
	wantEqual(t, "FindSetting", got, "first")

	got, err = s.EnsureSetting(ctx, "other", "x")
	must(t, err)
	wantEqual(t, "EnsureSetting of another key", got, "x")
}
