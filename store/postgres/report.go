package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/store/internal/hubsql"
)

// Reports. hub/report.go defines every number; store/sqlite computes the
// same ones. A day is the whole number of days from f.From, a UTC midnight,
// computed from epoch seconds so that the session's time zone plays no
// part. Medians are percentile_cont(0.5) over durations in whole
// microseconds: their interpolation is exact in float8, and
// hub.SecondsFromMicros rounds them as hub.MedianSeconds rounds SQLite's.
//
// Parameters: $1 the tenant, $2 the range's start, $3 its end, $4 the site
// when there is one.

// reportDayOf is the day index of the timestamptz column col.
func reportDayOf(col string) string {
	return `FLOOR((EXTRACT(EPOCH FROM ` + col + `) - EXTRACT(EPOCH FROM $2::timestamptz)) / 86400)::int`
}

// reportMicros is b - a in whole microseconds; NULL when either is.
func reportMicros(a, b string) string {
	return `((EXTRACT(EPOCH FROM ` + b + `) - EXTRACT(EPOCH FROM ` + a + `)) * 1000000)::bigint`
}

// Report measures f's range. Outside a transaction it reads in one
// read-only REPEATABLE READ transaction, so every number comes from the
// same snapshot.
func (q *queries) Report(ctx context.Context, f hub.ReportFilter) (*hub.Report, error) {
	pool, ok := q.q.(*pgxpool.Pool)
	if !ok {
		return report(ctx, q.q, f)
	}
	var r *hub.Report
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
		func(tx pgx.Tx) error {
			var err error
			r, err = report(ctx, tx, f)
			return err
		})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func report(ctx context.Context, q querier, f hub.ReportFilter) (*hub.Report, error) {
	r := hub.NewReport(f)
	args := []any{f.TenantID, f.From, f.End()}
	site := func(cond string) string { return "" }
	if f.SiteID != 0 {
		args = append(args, f.SiteID)
		site = func(cond string) string { return " AND " + cond }
	}
	fail := func(err error, what string) (*hub.Report, error) {
		return nil, fmt.Errorf("postgres: report of tenant %d: %s: %w", f.TenantID, what, err)
	}

	err := eachRow(ctx, q, `SELECT `+reportDayOf("created_at")+` AS day, count(*) FROM conversations
		WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3`+site("site_id = $4")+` GROUP BY day`, args,
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

	err = eachRow(ctx, q, `SELECT `+reportDayOf("created_at")+` AS day, count(*) FROM tickets
		WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3`+site("site_id = $4")+` GROUP BY day`, args,
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

	// GROUPING SETS: one row per day, and one (day NULL) over the range
	// for the median.
	err = eachRow(ctx, q, `SELECT `+reportDayOf("resolved_at")+` AS day, count(*),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY `+reportMicros("created_at", "resolved_at")+`)
		FROM tickets
		WHERE tenant_id = $1 AND resolved_at >= $2 AND resolved_at < $3`+site("site_id = $4")+`
		GROUP BY GROUPING SETS ((day), ())`, args,
		func(s scanner) error {
			var day *int
			var n int
			var median *float64
			if err := s.Scan(&day, &n, &median); err != nil {
				return err
			}
			if day == nil {
				r.MedianResolutionSeconds = hub.SecondsFromMicros(median)
				return nil
			}
			d, err := r.Day(*day)
			if err == nil {
				d.TicketsResolved = n
			}
			return err
		})
	if err != nil {
		return fail(err, "tickets resolved")
	}

	err = eachRow(ctx, q, `SELECT `+reportDayOf("m.created_at")+` AS day,
			count(*) FILTER (WHERE m.feedback = 'up'), count(*) FILTER (WHERE m.feedback = 'down')
		FROM messages m
		WHERE m.tenant_id = $1 AND m.created_at >= $2 AND m.created_at < $3 AND m.author_kind = 'assistant'
		AND NOT m.internal AND m.feedback <> '' AND m.feedback IN ('up', 'down')`+
		site("EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id AND c.site_id = $4)")+`
		GROUP BY day`, args,
		func(s scanner) error {
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

	// The conversations of the range with a visitor message: the waits for
	// the first reply and the first agent reply (NULL: none yet, which
	// percentile_cont leaves out), and whether the assistant resolved it.
	// CreateMessage and UpdateConversation keep the times and what happened
	// on the conversation (migrations/0008_response_times.sql,
	// 0011_conversation_outcomes.sql), so this reads no message.
	// store/sqlite runs the same query.
	var visitorConvs, assistantAlone int
	var firstReply, firstAgentReply *float64
	settled := "$" + strconv.Itoa(len(args)+1)
	err = q.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE `+hubsql.AssistantResolved(settled)+`),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY `+reportMicros("c.asked_at", "c.replied_at")+`),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY `+reportMicros("c.asked_at", "c.agent_replied_at")+`)
		FROM conversations c
		WHERE c.tenant_id = $1 AND c.created_at >= $2 AND c.created_at < $3`+site("c.site_id = $4")+`
		AND c.asked_at IS NOT NULL`, append(args, f.Settled())...).Scan(&visitorConvs, &assistantAlone, &firstReply, &firstAgentReply)
	if err != nil {
		return fail(err, "responses")
	}
	r.MedianFirstResponseSeconds = hub.SecondsFromMicros(firstReply)
	r.MedianFirstAgentResponseSeconds = hub.SecondsFromMicros(firstAgentReply)
	r.SetAssistantResolved(assistantAlone, visitorConvs)
	return r, nil
}

// eachRow runs query and calls fn for every row.
func eachRow(ctx context.Context, q querier, query string, args []any, fn func(s scanner) error) error {
	rows, err := q.Query(ctx, query, args...)
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
