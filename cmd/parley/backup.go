package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/parley-chat/parley/store/sqlite"
)

// backupCmd copies the embedded default's database (SQLite in
// PARLEY_DATA_DIR) to a new file, while the node may keep running. On
// Postgres it says to use pg_dump instead (README.md "Backups").
func backupCmd(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "the file to write the copy to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "parley backup: set -o FILE, a new file for the copy")
		fs.Usage()
		return errUsage
	}
	cfg, _, err := loadConfig(nil, env, stderr)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return errors.New("parley backup copies the embedded SQLite database; on Postgres (PARLEY_DATABASE_URL) use " +
			"pg_dump --format=custom --file=parley.dump \"$PARLEY_DATABASE_URL\" and pg_restore (README.md \"Backups\")")
	}
	db, _, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	lite, ok := db.(*sqlite.DB)
	if !ok {
		return fmt.Errorf("parley backup: the store is %T, not SQLite", db)
	}
	if err := lite.Backup(ctx, *out); err != nil {
		return err
	}
	info, err := os.Stat(*out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "backed up %s to %s (%d bytes)\n", cfg.DataDir, *out, info.Size())
	return err
}
