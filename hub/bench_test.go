package hub_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/parley-chat/parley/hub"
)

// BenchmarkSendMessage measures one visitor message end to end through the
// service on SQLite: validate, authorize, one transaction, publish.
//
//	go test -run '^$' -bench SendMessage ./hub/
func BenchmarkSendMessage(b *testing.B) {
	f := mustFixture(b)
	ctx := context.Background()
	conv := mustSend(b, f.svc, f.visitor, hub.NewMessage{Body: "start"}).ConversationID
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
}
