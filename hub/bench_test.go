package hub_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// BenchmarkSendMessage measures one visitor message end to end through the
// service on SQLite: validate, authorize, one transaction, publish; in a
// workspace of one member (its owner) and in one of twenty, since what a
// visitor message writes for the team grows with it.
//
//	go test -run '^$' -bench SendMessage -benchtime 2000x ./hub/
func BenchmarkSendMessage(b *testing.B) {
	for _, team := range []int{1, 20} {
		b.Run(fmt.Sprintf("team=%d", team), func(b *testing.B) {
			f := mustFixture(b)
			for i := 1; i < team; i++ {
				addMember(b, f, fmt.Sprintf("agent%d@acme.test", i), hub.RoleAgent)
			}
			ctx := context.Background()
			conv := mustSend(b, f.svc, f.visitor, hub.NewMessage{Body: "start"}).ConversationID
			f.pub.take()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := f.svc.SendMessage(ctx, f.visitor, hub.NewMessage{ConversationID: conv, ClientMsgID: strconv.Itoa(i), Body: "hello"}); err != nil {
					b.Fatal(err)
				}
				if i%1000 == 0 {
					f.pub.take()
				}
			}
		})
	}
}
