package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Backup writes a consistent copy of the database to path, a file that
// must not exist yet, with SQLite's VACUUM INTO: it reads one snapshot,
// so the node may keep serving meanwhile, and the copy is compact and
// complete in itself (no -wal file beside it). `parley backup` runs it
// (README.md "Backups").
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("sqlite: backup to %s: the file exists; name a new one", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	if _, err := db.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", path, err)
	}
	return nil
}
