package broker_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"

	"github.com/parley-chat/parley/hub"
	"github.com/parley-chat/parley/hub/broker"
	"github.com/parley-chat/parley/hub/hubtest"
)

// discard is a hub.BrokerHandler that drops what it gets.
type discard struct{}

func (discard) HandleMessage(string, []byte) {}
func (discard) HandleReset()                 {}

// BenchmarkRedisPublish compares publishing a visitor message's events one
// by one with publishing them as one pipelined batch (what the realtime
// node's publisher does with what is queued), next to the floor: one bare
// PING round trip on a plain go-redis client. A visitor message makes five
// or six publishes (message.created on the conversation and visitor
// topics, conversation.updated on the inbox and conversation topics,
// unread, member.unread when agents count it), so "5" is about one
// message; 1 and 128 (publishBatch, the cap of the realtime node's
// batches) show the ends. The broker subscribes every topic, so Redis also
// writes each message to a subscriber, as in a cluster. ns/publish is
// ns/op divided by the publishes in one op. Figures and command:
// docs/BENCHMARKS.md, "Publishing to Redis: one by one and pipelined".
func BenchmarkRedisPublish(b *testing.B) {
	url := hubtest.RedisURL(b)
	r := mustRedis(b, discard{}, url, broker.RedisConfig{Prefix: testPrefix(b)})
	ctx := context.Background()
	// About the size of a message.created event.
	payload := bytes.Repeat([]byte("x"), 400)
	batch := func(n int) []hub.Publication {
		pubs := make([]hub.Publication, n)
		for i := range pubs {
			pubs[i] = hub.Publication{Topic: "t" + strconv.Itoa(i%5), Payload: payload}
		}
		return pubs
	}
	if err := r.Subscribe(ctx, "t0", "t1", "t2", "t3", "t4"); err != nil {
		b.Fatal(err)
	}
	perPublish := func(b *testing.B, n int) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/publish")
	}

	b.Run("floor=ping", func(b *testing.B) {
		admin := mustAdmin(b, url)
		if err := admin.Ping(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := admin.Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, n := range []int{1, 5} {
		pubs := batch(n)
		b.Run("one_by_one="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				for _, p := range pubs {
					if err := r.Publish(ctx, p.Topic, p.Payload); err != nil {
						b.Fatal(err)
					}
				}
			}
			perPublish(b, n)
		})
	}
	for _, n := range []int{1, 5, 128} {
		pubs := batch(n)
		b.Run("pipelined="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if err := r.PublishBatch(ctx, pubs); err != nil {
					b.Fatal(err)
				}
			}
			perPublish(b, n)
		})
	}
}
