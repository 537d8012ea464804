package postgres

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/parley-chat/parley/hub"
)

// BenchmarkSendMessage measures a visitor message through the service on
// Postgres (validate, authorize, the transaction, publish to a publisher
// that drops everything) beside the floor measured in the same run: one
// bare autocommitted INSERT, that is one durable commit.
//
//   - floor: the bare commit, one at a time;
//   - serial/tx, serial/quick: one visitor sending one message after
//     another (what a visitor waits for its ack, minus the websocket),
//     every message in a transaction, or in SendQuick's one statement;
//   - parallel/tx, parallel/alone, parallel/grouped: 32 visitors sending
//     at once into their own conversations, through pgx's default pool:
//     in transactions, in SendQuick's statement each committed alone, or
//     group-committed (group_commit.go; msgs/batch is the mean size of a
//     batch of more than one). ns/op is the inverse of the throughput.
//
// docs/BENCHMARKS.md has the command and the figures. It never runs in the
// normal test run.
func BenchmarkSendMessage(b *testing.B) {
	base := MustSchema(b, "", false)
	ctx := context.Background()
	db := mustOpenMigrated(b, base)
	if _, err := db.pool.Exec(ctx, `CREATE TABLE bench_floor (id bigserial PRIMARY KEY, body text NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.pool.Exec(ctx, `INSERT INTO bench_floor (body) VALUES ('hello')`); err != nil {
				b.Fatal(err)
			}
		}
	})
	svc, site := benchService(b, db)
	for _, path := range []string{"tx", "quick"} {
		b.Run("serial/"+path, func(b *testing.B) {
			psvc := *svc
			if path == "tx" {
				psvc.Store = txOnly{db}
			}
			visitor := benchVisitor(b, &psvc, site)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if err := visitor.send(ctx, &psvc, strconv.Itoa(i), "hello"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, mode := range []string{"tx", "alone", "grouped"} {
		b.Run("parallel/"+mode, func(b *testing.B) {
			pdb, err := Open(ctx, base)
			if err != nil {
				b.Fatal(err)
			}
			defer pdb.Close()
			pdb.group.solo = mode == "alone"
			psvc := *svc
			psvc.Store = pdb
			if mode == "tx" {
				psvc.Store = txOnly{pdb}
			}
			const senders = 32
			visitors := make(chan benchSender, senders)
			for range senders {
				visitors <- benchVisitor(b, &psvc, site)
			}
			var n atomic.Int64
			b.SetParallelism((senders + 1) / 2) // GOMAXPROCS times this many goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				visitor := <-visitors
				defer func() { visitors <- visitor }()
				for pb.Next() {
					id := strconv.FormatInt(n.Add(1), 10)
					if err := visitor.send(ctx, &psvc, id, "hello"); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			pdb.group.mu.Lock()
			if pdb.group.batches > 0 {
				b.ReportMetric(float64(pdb.group.grouped)/float64(pdb.group.batches), "msgs/batch")
			}
			pdb.group.mu.Unlock()
		})
	}
}

type dropPublisher struct{}

func (dropPublisher) Publish(context.Context, string, []byte) error { return nil }

// benchService is a service on db with one workspace and its site.
func benchService(b testing.TB, db *DB) (*hub.Service, *hub.Site) {
	b.Helper()
	ctx := context.Background()
	svc := &hub.Service{Store: db, Publisher: dropPublisher{}, Log: zerolog.Nop(), Secret: []byte("bench-secret")}
	tenant, owner, err := svc.CreateTenant(ctx, hub.NewAccount{TenantName: "Bench", Email: "owner@bench.test", Password: "correct horse"})
	if err != nil {
		b.Fatal(err)
	}
	ownerA := hub.Actor{Kind: hub.ActorMember, ID: owner.ID, TenantID: tenant.ID, Role: hub.RoleOwner}
	site, err := svc.CreateSite(ctx, ownerA, hub.NewSite{TenantID: tenant.ID, Name: "Shop", AllowedOrigins: []string{"https://shop.test"}})
	if err != nil {
		b.Fatal(err)
	}
	return svc, site
}

// benchVisitor starts a visit on site and sends its first message, so that
// what follows goes to an existing conversation.
func benchVisitor(b testing.TB, svc *hub.Service, site *hub.Site) benchSender {
	b.Helper()
	ctx := context.Background()
	visit, err := svc.StartVisitor(ctx, hub.VisitorStart{SiteKey: site.Key, Origin: "https://shop.test"})
	if err != nil {
		b.Fatal(err)
	}
	visitor, err := svc.VisitorActor(ctx, visit.Token)
	if err != nil {
		b.Fatal(err)
	}
	m, err := svc.SendMessage(ctx, visitor, hub.NewMessage{ClientMsgID: "first", Body: "start"})
	if err != nil {
		b.Fatal(err)
	}
	return benchSender{visitor, m.ConversationID}
}

// benchSender is a visitor and their conversation.
type benchSender struct {
	actor hub.Actor
	conv  int64
}

// send sends body with the client id id, as the widget does once it knows
// its conversation.
func (s benchSender) send(ctx context.Context, svc *hub.Service, id, body string) error {
	_, err := svc.SendMessage(ctx, s.actor, hub.NewMessage{ConversationID: s.conv, ClientMsgID: id, Body: body})
	return err
}
