package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/hubsql"
)

// Reports. hub/report.go defines every number; store/postgres computes the
// same ones. A day is (time - f.From) / microsPerDay: f.From is a UTC
// midnight and every row read lies after it, so the integer division is
// the UTC date's index in the range. SQLite has no percentile function, so
// medians come from the durations sorted in Go (hub.MedianSeconds).
//
// Parameters are numbered: ?1 the tenant, ?2 the range's start, ?3 its end
// (both Unix microseconds), ?4 the site when there is one.

const microsPerDay = 86_400_000_000

// Report measures f's range. Outside a transaction it reads in one
// read-only (deferred) transaction: in WAL mode that is one snapshot, and it
// takes no write lock.
func (q *queries) Report(ctx context.Context, f hub.ReportFilter) (*hub.Report, error) {
	if q.db == nil {
		return report(ctx, q.q, f)
	}
	tx, err := q.db.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin report: %w", err)
	}
	// Nothing was written: rolling back only ends the snapshot.
	defer func() { _ = tx.Rollback() }()
	return report(ctx, tx, f)
}

func report(ctx context.Context, q querier, f hub.ReportFilter) (*hub.Report, error) {
	r := hub.NewReport(f)
	args := []any{f.TenantID, micros(f.From), micros(f.End())}
	site := func(cond string) string { return "" }
	if f.SiteID != 0 {
		args = append(args, f.SiteID)
		site = func(cond string) string { return " AND " + cond }
	}
	fail := func(err error, what string) (*hub.Report, error) {
		return nil, fmt.Errorf("sqlite: report of tenant %d: %s: %w", f.TenantID, what, err)
	}

	err := eachRow(ctx, q, `SELECT (created_at - ?2) / `+fmt.Sprint(microsPerDay)+`, COUNT(*) FROM conversations
		WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3`+site("site_id = ?4")+` GROUP BY 1`, args,
		func(s scanner) error {
			var day, n int
			if err := s.Scan(&day, &n); err != nil {
				return err
			}
			d, err := r.Day(day)
			if err == nil {
				d.Conversations = n
			}
			return err
		})
	if err != nil {
		return fail(err, "conversations")
	}

	err = eachRow(ctx, q, `SELECT (created_at - ?2) / `+fmt.Sprint(microsPerDay)+`, COUNT(*) FROM tickets
		WHERE tenant_id = ?1 AND created_at >= ?2 AND created_at < ?3`+site("site_id = ?4")+` GROUP BY 1`, args,
		func(s scanner) error {
			var day, n int
			if err := s.Scan(&day, &n); err != nil {
				return err
			}
			d, err := r.Day(day)
			if err == nil {
				d.TicketsOpened = n
			}
			return err
		})
	if err != nil {
		return fail(err, "tickets opened")
	}

	var resolutions []int64
	err = eachRow(ctx, q, `SELECT (resolved_at - ?2) / `+fmt.Sprint(microsPerDay)+`, resolved_at - created_at FROM tickets
		WHERE tenant_id = ?1 AND resolved_at >= ?2 AND resolved_at < ?3`+site("site_id = ?4"), args,
		func(s scanner) error {
			var day int
			var took int64
			if err := s.Scan(&day, &took); err != nil {
				return err
			}
			d, err := r.Day(day)
			if err == nil {
				d.TicketsResolved++
				resolutions = append(resolutions, took)
			}
			return err
		})
	if err != nil {
		return fail(err, "tickets resolved")
	}
	slices.Sort(resolutions)
	r.MedianResolutionSeconds = hub.MedianSeconds(resolutions)

	err = eachRow(ctx, q, `SELECT (m.created_at - ?2) / `+fmt.Sprint(microsPerDay)+`,
		SUM(m.feedback = 'up'), SUM(m.feedback = 'down') FROM messages m
		WHERE m.tenant_id = ?1 AND m.created_at >= ?2 AND m.created_at < ?3 AND m.author_kind = 'assistant'
		AND m.internal = 0 AND m.feedback <> '' AND m.feedback IN ('up', 'down')`+
		site("EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id AND c.site_id = ?4)")+` GROUP BY 1`,
		args, func(s scanner) error {
			var day, up, down int
			if err := s.Scan(&day, &up, &down); err != nil {
				return err
			}
			d, err := r.Day(day)
			if err == nil {
				d.ThumbsUp, d.ThumbsDown = up, down
			}
			return err
		})
	if err != nil {
		return fail(err, "feedback")
	}

	// One row per conversation of the range with a visitor message: the
	// waits for the first reply and the first agent reply (NULL: none
	// yet), and whether the assistant resolved it. CreateMessage and
	// UpdateConversation keep the times and what happened on the
	// conversation (migrations/0008_response_times.sql,
	// 0011_conversation_outcomes.sql), so this reads no message.
	// store/postgres runs the same query.
	var firstReplies, firstAgentReplies []int64
	visitorConvs, assistantAlone := 0, 0
	settled := "?" + strconv.Itoa(len(args)+1)
	err = eachRow(ctx, q, `SELECT c.replied_at - c.asked_at, c.agent_replied_at - c.asked_at,
			COALESCE(`+hubsql.AssistantResolved(settled)+`, 0)
		FROM conversations c
		WHERE c.tenant_id = ?1 AND c.created_at >= ?2 AND c.created_at < ?3`+site("c.site_id = ?4")+`
		AND c.asked_at IS NOT NULL`, append(args, micros(f.Settled())), func(s scanner) error {
		var reply, agentReply sql.NullInt64
		var alone bool
		if err := s.Scan(&reply, &agentReply, &alone); err != nil {
			return err
		}
		visitorConvs++
		if alone {
			assistantAlone++
		}
		if reply.Valid {
			firstReplies = append(firstReplies, reply.Int64)
		}
		if agentReply.Valid {
			firstAgentReplies = append(firstAgentReplies, agentReply.Int64)
		}
		return nil
	})
	if err != nil {
		return fail(err, "responses")
	}
	slices.Sort(firstReplies)
	slices.Sort(firstAgentReplies)
	r.MedianFirstResponseSeconds = hub.MedianSeconds(firstReplies)
	r.MedianFirstAgentResponseSeconds = hub.MedianSeconds(firstAgentReplies)
	r.SetAssistantResolved(assistantAlone, visitorConvs)
	return r, nil
}

// eachRow runs query and calls fn for every row.
func eachRow(ctx context.Context, q querier, query string, args []any, fn func(s scanner) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
