package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/store/internal/migration"
)

// BackfillResponseTimes runs the backfill of migrations/0008_response_times.sql
// again over every conversation (backfillAgain): the response times come
// from the messages. storetest Report wants no conversation changed;
// BenchmarkReport fills in the times of the messages it writes with SQL.
func (db *DB) BackfillResponseTimes(ctx context.Context) ([]int64, error) {
	return db.backfillAgain(ctx, "0008_response_times.sql", []string{"UPDATE conversations"},
		`UPDATE conversations SET asked_at = NULL, replied_at = NULL, agent_replied_at = NULL, by_agent = 0, by_assistant = 0`,
		"asked_at", "replied_at", "agent_replied_at", "by_agent", "by_assistant")
}

// BackfillOutcomes runs the backfill of migrations/0011_conversation_outcomes.sql
// again over every conversation (backfillAgain): the outcomes come from the
// tickets, audit entries and messages. storetest Report wants no
// conversation changed; BenchmarkReport fills in the outcomes of the
// messages it writes with SQL.
func (db *DB) BackfillOutcomes(ctx context.Context) ([]int64, error) {
	return db.backfillAgain(ctx, "0011_conversation_outcomes.sql",
		[]string{"UPDATE conversations SET escalated", "UPDATE conversations SET handed_off", "UPDATE conversations SET answered_at"},
		`UPDATE conversations SET escalated = 0, handed_off = 0, answered_at = NULL, came_back = 0`,
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
	differ := make([]string, len(columns))
	for i, c := range columns {
		differ[i] = "c." + c + " IS NOT k." + c
	}
	var changed []int64
	err = db.tx(ctx, func(q *queries) error {
		for _, st := range append([]string{
			`DROP TABLE IF EXISTS temp.kept`,
			`CREATE TEMP TABLE kept AS SELECT id, ` + strings.Join(columns, ", ") + ` FROM conversations`,
			reset,
		}, backfill...) {
			if _, err := q.q.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
		}
		rows, err := q.q.QueryContext(ctx, `SELECT c.id FROM conversations c JOIN temp.kept k ON k.id = c.id
			WHERE `+strings.Join(differ, " OR ")+` ORDER BY c.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			changed = append(changed, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_, err = q.q.ExecContext(ctx, `DROP TABLE temp.kept`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: backfill %s again: %w", name, err)
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
	return db.tx(ctx, func(q *queries) error {
		for _, st := range append([]string{`DELETE FROM member_unread`, `DELETE FROM member_unread_totals`}, backfill...) {
			if _, err := q.q.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("sqlite: backfill member unread: %s: %w", st, err)
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
	return db.tx(ctx, func(q *queries) error {
		for _, st := range []string{`UPDATE knowledge_entries SET language = 'en'`, backfill} {
			if _, err := q.q.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("sqlite: backfill knowledge languages: %s: %w", st, err)
			}
		}
		return nil
	})
}
