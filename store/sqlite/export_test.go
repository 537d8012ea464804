package sqlite

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/store/internal/migration"
)

// BackfillResponseTimes runs the backfill of migrations/0008_response_times.sql
// again over every conversation, as that migration runs on a database
// written before it: the response times go back to what its ALTER TABLEs
// add, then its UPDATE fills them in from the messages. It returns the
// conversations whose times came out different from what CreateMessage
// had kept, in id order. storetest Report wants none; BenchmarkReport
// fills in the times of the messages it writes with SQL.
func (db *DB) BackfillResponseTimes(ctx context.Context) ([]int64, error) {
	backfill, err := migration.Statement(migrations, "0008_response_times.sql", "UPDATE conversations")
	if err != nil {
		return nil, err
	}
	var changed []int64
	err = db.tx(ctx, func(q *queries) error {
		for _, st := range []string{
			`DROP TABLE IF EXISTS temp.response_times_kept`,
			`CREATE TEMP TABLE response_times_kept AS
				SELECT id, asked_at, replied_at, agent_replied_at, by_agent, by_assistant FROM conversations`,
			`UPDATE conversations SET asked_at = NULL, replied_at = NULL, agent_replied_at = NULL, by_agent = 0, by_assistant = 0`,
			backfill,
		} {
			if _, err := q.q.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
		}
		rows, err := q.q.QueryContext(ctx, `SELECT c.id FROM conversations c JOIN temp.response_times_kept k ON k.id = c.id
			WHERE c.asked_at IS NOT k.asked_at OR c.replied_at IS NOT k.replied_at OR c.agent_replied_at IS NOT k.agent_replied_at
				OR c.by_agent IS NOT k.by_agent OR c.by_assistant IS NOT k.by_assistant
			ORDER BY c.id`)
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
		_, err = q.q.ExecContext(ctx, `DROP TABLE temp.response_times_kept`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: backfill response times: %w", err)
	}
	return changed, nil
}

// BackfillOutcomes runs the backfill of migrations/0011_conversation_outcomes.sql
// again over every conversation, as on a database written before it: the
// outcomes go back to what its ALTER TABLEs add, then its UPDATEs fill
// them in from the tickets, audit entries and messages. It returns the
// conversations whose outcomes came out different from what the store had
// kept, in id order. storetest Report wants none; BenchmarkReport fills in
// the outcomes of the messages it writes with SQL.
func (db *DB) BackfillOutcomes(ctx context.Context) ([]int64, error) {
	var backfill []string
	for _, prefix := range []string{"UPDATE conversations SET escalated", "UPDATE conversations SET handed_off",
		"UPDATE conversations SET answered_at"} {
		st, err := migration.Statement(migrations, "0011_conversation_outcomes.sql", prefix)
		if err != nil {
			return nil, err
		}
		backfill = append(backfill, st)
	}
	var changed []int64
	err := db.tx(ctx, func(q *queries) error {
		for _, st := range append([]string{
			`DROP TABLE IF EXISTS temp.outcomes_kept`,
			`CREATE TEMP TABLE outcomes_kept AS SELECT id, escalated, handed_off, answered_at, came_back FROM conversations`,
			`UPDATE conversations SET escalated = 0, handed_off = 0, answered_at = NULL, came_back = 0`,
		}, backfill...) {
			if _, err := q.q.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
		}
		rows, err := q.q.QueryContext(ctx, `SELECT c.id FROM conversations c JOIN temp.outcomes_kept k ON k.id = c.id
			WHERE c.escalated IS NOT k.escalated OR c.handed_off IS NOT k.handed_off OR c.answered_at IS NOT k.answered_at
				OR c.came_back IS NOT k.came_back
			ORDER BY c.id`)
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
		_, err = q.q.ExecContext(ctx, `DROP TABLE temp.outcomes_kept`)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: backfill outcomes: %w", err)
	}
	return changed, nil
}

// BackfillMemberUnread runs the backfill of migrations/0010_member_unread.sql
// again, as that migration runs on a database written before it: every
// member's unread goes, then its INSERTs give each member the team's read
// position. storetest UnreadBackfill checks what it makes.
func (db *DB) BackfillMemberUnread(ctx context.Context) error {
	rows, err := migration.Statement(migrations, "0010_member_unread.sql", "INSERT INTO member_unread (")
	if err != nil {
		return err
	}
	totals, err := migration.Statement(migrations, "0010_member_unread.sql", "INSERT INTO member_unread_totals")
	if err != nil {
		return err
	}
	return db.tx(ctx, func(q *queries) error {
		for _, st := range []string{`DELETE FROM member_unread`, `DELETE FROM member_unread_totals`, rows, totals} {
			if _, err := q.q.ExecContext(ctx, st); err != nil {
				return fmt.Errorf("sqlite: backfill member unread: %s: %w", st, err)
			}
		}
		return nil
	})
}
