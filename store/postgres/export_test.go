package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, st := range []string{
			`CREATE TEMP TABLE response_times_kept ON COMMIT DROP AS
				SELECT id, asked_at, replied_at, agent_replied_at, by_agent, by_assistant FROM conversations`,
			`UPDATE conversations SET asked_at = NULL, replied_at = NULL, agent_replied_at = NULL, by_agent = false, by_assistant = false`,
			backfill,
		} {
			if _, err := tx.Exec(ctx, st); err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
		}
		rows, err := tx.Query(ctx, `SELECT c.id FROM conversations c JOIN response_times_kept k ON k.id = c.id
			WHERE (c.asked_at, c.replied_at, c.agent_replied_at, c.by_agent, c.by_assistant)
				IS DISTINCT FROM (k.asked_at, k.replied_at, k.agent_replied_at, k.by_agent, k.by_assistant)
			ORDER BY c.id`)
		if err != nil {
			return err
		}
		changed, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: backfill response times: %w", err)
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
	for _, prefix := range []string{"UPDATE conversations c SET escalated", "UPDATE conversations c SET handed_off",
		"UPDATE conversations c SET answered_at"} {
		st, err := migration.Statement(migrations, "0011_conversation_outcomes.sql", prefix)
		if err != nil {
			return nil, err
		}
		backfill = append(backfill, st)
	}
	var changed []int64
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, st := range append([]string{
			`CREATE TEMP TABLE outcomes_kept ON COMMIT DROP AS
				SELECT id, escalated, handed_off, answered_at, came_back FROM conversations`,
			`UPDATE conversations SET escalated = false, handed_off = false, answered_at = NULL, came_back = false`,
		}, backfill...) {
			if _, err := tx.Exec(ctx, st); err != nil {
				return fmt.Errorf("%s: %w", st, err)
			}
		}
		rows, err := tx.Query(ctx, `SELECT c.id FROM conversations c JOIN outcomes_kept k ON k.id = c.id
			WHERE (c.escalated, c.handed_off, c.answered_at, c.came_back)
				IS DISTINCT FROM (k.escalated, k.handed_off, k.answered_at, k.came_back)
			ORDER BY c.id`)
		if err != nil {
			return err
		}
		changed, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: backfill outcomes: %w", err)
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
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, st := range []string{`DELETE FROM member_unread`, `DELETE FROM member_unread_totals`, rows, totals} {
			if _, err := tx.Exec(ctx, st); err != nil {
				return fmt.Errorf("postgres: backfill member unread: %s: %w", st, err)
			}
		}
		return nil
	})
}
