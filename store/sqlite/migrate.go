package sqlite

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/parley-chat/parley/store/internal/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

var migrations = migration.MustLoad(migrationFiles, "migrations")

// LatestVersion is the schema version this binary migrates to.
func LatestVersion() int { return migration.Latest(migrations) }

// Migrate applies the embedded migrations the database lacks, in order,
// each in its own transaction recorded in schema_migrations. Running it
// again is a no-op; BEGIN IMMEDIATE makes concurrent runs take turns. It
// fails with EUnavailable when the database is newer than this binary.
func (db *DB) Migrate(ctx context.Context) error {
	for {
		done := false
		err := db.tx(ctx, func(q *queries) error {
			if _, err := q.q.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY,
				applied_at INTEGER NOT NULL) STRICT`); err != nil {
				return fmt.Errorf("sqlite: create schema_migrations: %w", err)
			}
			current, err := schemaVersion(ctx, q.q)
			if err != nil {
				return err
			}
			if err := migration.CheckVersion(current, LatestVersion()); err != nil {
				return err
			}
			if current == LatestVersion() {
				done = true
				return nil
			}
			m := migrations[current] // versions are 1, 2, … without gaps
			if _, err := q.q.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
			}
			if _, err := q.q.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				m.Version, micros(time.Now())); err != nil {
				return fmt.Errorf("sqlite: record migration %s: %w", m.Name, err)
			}
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// SchemaVersion returns the highest migration applied, 0 for an empty
// database.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, db.db)
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: find schema_migrations: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: read schema version: %w", err)
	}
	return v, nil
}
