package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/postgres"
	"github.com/parley-chat/parley/store/sqlite"
)

// database is a store that can migrate its own schema.
type database interface {
	hub.Store
	Migrate(ctx context.Context) error
}

// openStore opens Postgres when a database URL is set, else SQLite in the
// data directory, and applies migrations. A schema newer than this binary
// knows makes Migrate fail, so an old node refuses to start.
func openStore(ctx context.Context, cfg Config) (database, string, error) {
	var (
		db   database
		kind string
		err  error
	)
	if cfg.DatabaseURL != "" {
		kind = "postgres"
		db, err = postgres.Open(ctx, cfg.DatabaseURL)
	} else {
		kind = "sqlite"
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, kind, fmt.Errorf("create data dir (PARLEY_DATA_DIR): %w", err)
		}
		db, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "parley.db"))
	}
	if err != nil {
		return nil, kind, fmt.Errorf("open %s store: %w", kind, err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, kind, fmt.Errorf("migrate %s store: %w", kind, err)
	}
	return db, kind, nil
}

// openForCommand prepares an operator command (parley user, parley plan):
// the configuration from the environment, a logger on stderr that has
// told its warnings, and the migrated store.
func openForCommand(ctx context.Context, env []string, stderr io.Writer) (Config, zerolog.Logger, database, error) {
	cfg, warnings, err := loadConfig(nil, env, stderr)
	if err != nil {
		return cfg, zerolog.Nop(), nil, err
	}
	log := newLogger(cfg, stderr)
	for _, w := range warnings {
		log.Warn().Msg(w)
	}
	db, _, err := openStore(ctx, cfg)
	return cfg, log, db, err
}

func migrate(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, warnings, err := loadConfig(args, env, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	for _, w := range warnings {
		log.Warn().Msg(w)
	}
	db, kind, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	log.Info().Str("store", kind).Msg("migrations applied")
	return db.Close()
}
