package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/store/internal/migration"
)

// BackfillResponseTimes runs the backfill of migrations/0008_response_times.sql
// again over every conversation (backfillAgain): the response times come
// from the messages. storetest Report wants no conversation changed;
// BenchmarkReport fills in the times of the messages it writes with SQL.
func (db *DB) BackfillResponseTimes(ctx context.Context) ([]int64, error) {
	return db.backfillAgain(ctx, "0008_response_times.sql", []string{"UPDATE conversations"},
		`UPDATE conversations SET asked_at = NULL, replied_at = NULL, agent_replied_at = NULL, by_agent = false, by_assistant = false`,
		"asked_at", "replied_at", "agent_replied_at", "by_agent", "by_assistant")
}

// BackfillOutcomes runs the backfill of migrations/0011_conversation_outcomes.sql
// again over every conversation (backfillAgain): the outcomes come from the
// tickets, audit entries and messages. storetest Report wants no
// conversation changed; BenchmarkReport fills in the outcomes of the
// messages it writes with SQL.
func (db *DB) BackfillOutcomes(ctx context.Context) ([]int64, error) {
	return db.backfillAgain(ctx, "0011_conversation_outcomes.sql",
		[]string{"UPDATE conversations c SET escalated", "UPDATE conversations c SET handed_off", "UPDATE conversations c SET answered_at"},
		`UPDATE conversations SET escalated = false, handed_off = false, answered_at = NULL, came_back = false`,
		"escalated", "handed_off", "answered_at", "came_back")
}

// backfillAgain runs the statements of the migration name that begin with
// prefixes again, as that migration runs on a database written before it:
// the conversations' columns go back to what reset makes them (what its
// ALTER TABLEs add), then the statements fill them in. It returns the
// conversations whose columns came out different from what the store had
// kept, in id order.
func (db *DB) backfillAgain(ctx context.Context, name string, prefixes []string, reset string, columns ...string) ([]int64, error) {
	backfill, err := migration.Statements(migrations, name, prefixes...)
	if err != nil {
		return nil, err
	}
	cols := strings.Join(columns, ", ")
	var changed []int64
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, st := range append([]string{
			`CREATE TEMP TABLE kept ON COMMIT DROP AS SELECT id, ` + cols + ` FROM conversations`,
			reset,
		}, backfill...) {
			if _, err := tx.Exec(ctx, st); err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
		}
		rows, err := tx.Query(ctx, `SELECT c.id FROM conversations c JOIN kept k ON k.id = c.id
			WHERE (c.`+strings.Join(columns, ", c.")+`) IS DISTINCT FROM (k.`+strings.Join(columns, ", k.")+`)
			ORDER BY c.id`)
		if err != nil {
			return err
		}
		changed, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: backfill %s again: %w", name, err)
	}
	return changed, nil
}

// BackfillMemberUnread runs the backfill of migrations/0010_member_unread.sql
// again, as that migration runs on a database written before it: every
// member's unread goes, then its INSERTs give each member the team's read
// position. storetest UnreadBackfill checks what it makes.
func (db *DB) BackfillMemberUnread(ctx context.Context) error {
	backfill, err := migration.Statements(migrations, "0010_member_unread.sql",
		"INSERT INTO member_unread (", "INSERT INTO member_unread_totals")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, st := range append([]string{`DELETE FROM member_unread`, `DELETE FROM member_unread_totals`}, backfill...) {
			if _, err := tx.Exec(ctx, st); err != nil {
				return fmt.Errorf("postgres: backfill member unread: %s: %w", st, err)
			}
		}
		return nil
	})
}

// BackfillKnowledgeLanguages runs the backfill of
// migrations/0013_knowledge_phrasings.sql again, as that migration runs on
// entries written before it: every entry's language goes back to the
// column's default, then the UPDATE sets it. storetest KnowledgeLinks
// checks what it makes.
func (db *DB) BackfillKnowledgeLanguages(ctx context.Context) error {
	backfill, err := migration.Statement(migrations, "0013_knowledge_phrasings.sql", "UPDATE knowledge_entries")
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, st := range []string{`UPDATE knowledge_entries SET language = 'en'`, backfill} {
			if _, err := tx.Exec(ctx, st); err != nil {
				return fmt.Errorf("postgres: backfill knowledge languages: %s: %w", st, err)
			}
		}
		return nil
	})
}
