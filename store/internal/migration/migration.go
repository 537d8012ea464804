// Package migration reads the numbered SQL files a store embeds, so that
// both stores apply, number and refuse migrations the same way.
package migration

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/hub"
)

// Migration is one numbered SQL file, e.g. migrations/0001_init.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Load returns the *.sql files of dir in fsys in version order. A name must
// start with its version number followed by an underscore; versions must be
// unique and start at 1 without gaps, so a misnamed file fails every test.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migration: read %s: %w", dir, err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration: %s: name must look like 0001_init.sql", name)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("migration: read %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration: %s: expected version %d", m.Name, i+1)
		}
	}
	return out, nil
}

// MustLoad is Load for embedded files, which are known at build time.
func MustLoad(fsys fs.FS, dir string) []Migration {
	ms, err := Load(fsys, dir)
	if err != nil {
		panic(err)
	}
	return ms
}

// Latest returns the highest version in ms, 0 when there is none.
func Latest(ms []Migration) int {
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// CheckVersion returns EUnavailable when the database was migrated by a
// newer binary: running against a schema we do not know could corrupt it.
func CheckVersion(current, latest int) error {
	if current > latest {
		return hub.Errorf(hub.EUnavailable,
			"database schema version %d is newer than this binary knows (%d): upgrade parley", current, latest)
	}
	return nil
}

// Statement returns the statement of the migration named name in ms that
// begins a line with prefix, up to and without its closing semicolon. Tests
// run such a statement again, a backfill say, over data written since.
func Statement(ms []Migration, name, prefix string) (string, error) {
	for _, m := range ms {
		if m.Name != name {
			continue
		}
		sql := "\n" + m.SQL
		i := strings.Index(sql, "\n"+prefix)
		if i < 0 {
			return "", fmt.Errorf("migration: %s has no statement starting with %q", name, prefix)
		}
		stmt, _, ok := strings.Cut(sql[i+1:], ";")
		if !ok {
			return "", fmt.Errorf("migration: %s: the statement starting with %q has no semicolon", name, prefix)
		}
		return stmt, nil
	}
	return "", fmt.Errorf("migration: no migration %s", name)
}

// Statements is Statement for each prefix, in order.
func Statements(ms []Migration, name string, prefixes ...string) ([]string, error) {
	out := make([]string, len(prefixes))
	for i, prefix := range prefixes {
		var err error
		if out[i], err = Statement(ms, name, prefix); err != nil {
			return nil, err
		}
	}
	return out, nil
}
