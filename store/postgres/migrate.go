package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/store/internal/migration"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

var migrations = migration.MustLoad(migrationFiles, "migrations")

// LatestVersion is the schema version this binary migrates to.
func LatestVersion() int { return migration.Latest(migrations) }

// migrateLock is the pg_advisory_xact_lock key that serializes migrations,
// so nodes starting together apply each migration once.
const migrateLock = 0x7061726c6579 // "parley"

// Migrate applies the embedded migrations the database lacks, in order,
// each in its own transaction recorded in schema_migrations. Running it
// again is a no-op; several nodes may run it at once. It fails with
// EUnavailable when the database is newer than this binary.
func (db *DB) Migrate(ctx context.Context) error {
	for {
		done := false
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
				return fmt.Errorf("postgres: lock migrations: %w", err)
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY,
				applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
				return fmt.Errorf("postgres: create schema_migrations: %w", err)
			}
			current, err := schemaVersion(ctx, tx)
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
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, m.Version); err != nil {
				return fmt.Errorf("postgres: record migration %s: %w", m.Name, err)
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
	return schemaVersion(ctx, db.pool)
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("postgres: find schema_migrations: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("postgres: read schema version: %w", err)
	}
	return v, nil
}
