package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parley-chat/parley/store/sqlite"
)

// TestBackupCommand: `parley backup -o FILE` copies the running node's
// SQLite database to a new file that opens on its own and holds what the
// node wrote, refuses a file that exists, and on Postgres names pg_dump.
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PARLEY_DATA_DIR=" + dir, "PARLEY_LOG_FORMAT=json"}
	n := startNode(t, env...)
	email, _ := demoLogin(t, n)
	backup := func(env []string, args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"backup"}, args...), env, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	out, err := backup(env, "-o", copyPath)
	if err != nil || !strings.Contains(out, "backed up") {
		t.Fatalf("backup while the node runs: %q, %v", out, err)
	}
	db, err := sqlite.Open(context.Background(), copyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if m, err := db.FindMemberByEmail(context.Background(), email); err != nil || m.Email != email {
		t.Fatalf("the copy's demo owner: %+v, %v", m, err)
	}

	if out, err := backup(env, "-o", copyPath); err == nil || !strings.Contains(err.Error(), "the file exists") {
		t.Fatalf("backup onto an existing file: %q, %v", out, err)
	}
	if _, err := backup(env); !errors.Is(err, errUsage) {
		t.Fatalf("without -o: %v", err)
	}
	// Told before any connection: the URL names no server.
	if _, err := backup([]string{"PARLEY_DATABASE_URL=postgres://parley@127.0.0.1:1/none"}, "-o", filepath.Join(t.TempDir(), "x.db")); err == nil ||
		!strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("backup on Postgres: %v, want the pg_dump advice", err)
	}
}
