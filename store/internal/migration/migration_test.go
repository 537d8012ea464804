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

func TestStatement(t *testing.T) {
	ms := []Migration{{Version: 1, Name: "0001_init.sql", SQL: "CREATE TABLE t (n INTEGER);\n-- Fill it.\nUPDATE t\n\tSET n = 1;\nCREATE INDEX i ON t (n);\n"}}
	got, err := Statement(ms, "0001_init.sql", "UPDATE t")
	if err != nil || got != "UPDATE t\n\tSET n = 1" {
		t.Fatalf("Statement = %q, %v", got, err)
	}
	if got, err := Statement(ms, "0001_init.sql", "CREATE TABLE"); err != nil || got != "CREATE TABLE t (n INTEGER)" {
		t.Fatalf("Statement of the first line = %q, %v", got, err)
	}
	for _, c := range [][2]string{{"0001_init.sql", "DELETE"}, {"0002_more.sql", "UPDATE t"}, {"0001_init.sql", "SET n"}} {
		if got, err := Statement(ms, c[0], c[1]); err == nil {
			t.Errorf("Statement(%s, %q) = %q, want an error", c[0], c[1], got)
		}
	}
	all, err := Statements(ms, "0001_init.sql", "CREATE INDEX", "UPDATE t")
	if err != nil || len(all) != 2 || all[0] != "CREATE INDEX i ON t (n)" || all[1] != "UPDATE t\n\tSET n = 1" {
		t.Fatalf("Statements = %q, %v", all, err)
	}
	if all, err := Statements(ms, "0001_init.sql", "UPDATE t", "DELETE"); err == nil {
		t.Errorf("Statements with a prefix of no statement = %q, want an error", all)
	}
}
