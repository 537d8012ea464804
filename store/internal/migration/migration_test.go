package migration

import (
	"testing"
	"testing/fstest"

	"github.com/parley-chat/parley/hub"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("two")},
		"m/0001_init.sql": {Data: []byte("one")},
		"m/README":        {Data: []byte("not sql")},
	}
	ms, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[0].SQL != "one" || ms[1].Version != 2 || Latest(ms) != 2 {
		t.Fatalf("Load = %+v", ms)
	}
}

func TestLoadRejectsBadNames(t *testing.T) {
	for _, name := range []string{"m/init.sql", "m/0002_gap.sql", "m/0000_zero.sql"} {
		if _, err := Load(fstest.MapFS{name: {Data: []byte("x")}}, "m"); err == nil {
			t.Errorf("Load(%s) succeeded, want an error", name)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	if err := CheckVersion(3, 3); err != nil {
		t.Errorf("CheckVersion(3, 3) = %v", err)
	}
	if err := CheckVersion(4, 3); !hub.IsCode(err, hub.EUnavailable) {
		t.Errorf("CheckVersion(4, 3) = %v, want %s", err, hub.EUnavailable)
	}
}
