// The broker topics local sessions need: join and leave subscribe the node
// to a topic while any local session is on it, and keep the broker calls
// for one topic in order.

package realtime

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/hub"
)

// topic is a broker topic some local sessions need.
type topic struct {
	subs map[*session]struct{}
	// op is a one-slot lock that orders the broker calls for this topic,
	// so an Unsubscribe never overtakes a later Subscribe.
	op chan struct{}
	// subscribed is written with op and Node.mu held.
	subscribed bool
	// pending counts joins and leaves in progress; guarded by Node.mu.
	pending int
}

// join adds s to topic and returns once the broker subscription is
// effective, so that a store read that follows misses nothing published
// after it.
func (n *Node) join(ctx context.Context, s *session, name string) error {
	b, err := n.brokerOrErr()
	if err != nil {
		return err
	}
	n.mu.Lock()
	t := n.topics[name]
	if t == nil {
		t = &topic{subs: map[*session]struct{}{}, op: make(chan struct{}, 1)}
		n.topics[name] = t
	}
	t.subs[s] = struct{}{}
	t.pending++
	n.mu.Unlock()

	select {
	case t.op <- struct{}{}:
		if !t.subscribed {
			err = b.Subscribe(ctx, name)
			if err == nil {
				n.mu.Lock()
				t.subscribed = true
				n.mu.Unlock()
			}
		}
		<-t.op
	case <-ctx.Done():
		err = ctx.Err()
	}

	n.mu.Lock()
	t.pending--
	if err != nil {
		delete(t.subs, s)
	}
	n.gcTopic(name, t)
	n.mu.Unlock()
	if err != nil {
		return &hub.Error{Code: hub.EUnavailable, Message: "realtime is unavailable: try again", Err: fmt.Errorf("subscribe %s: %w", name, err)}
	}
	return nil
}

// leave removes s from topic and unsubscribes the node when s was the last
// local session on it.
func (n *Node) leave(s *session, name string) {
	n.mu.Lock()
	t := n.topics[name]
	if t == nil {
		n.mu.Unlock()
		return
	}
	delete(t.subs, s)
	if len(t.subs) > 0 || n.closing {
		n.mu.Unlock()
		return
	}
	t.pending++
	n.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	select {
	case t.op <- struct{}{}:
		n.mu.RLock()
		empty := len(t.subs) == 0
		n.mu.RUnlock()
		if empty && t.subscribed {
			if err := n.broker.Unsubscribe(ctx, name); err != nil {
				n.log.Warn().Err(err).Str("topic", name).Msg("unsubscribe failed")
			}
			n.mu.Lock()
			t.subscribed = false
			n.mu.Unlock()
		}
		<-t.op
	case <-ctx.Done():
	}
	n.mu.Lock()
	t.pending--
	n.gcTopic(name, t)
	n.mu.Unlock()
}

// eachSubscriber calls f for every local session subscribed to topic,
// under the node's read lock: f must not block.
func (n *Node) eachSubscriber(topic string, f func(s *session)) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	if t := n.topics[topic]; t != nil {
		for s := range t.subs {
			f(s)
		}
	}
}

// gcTopic forgets an unused topic. Node.mu must be held.
func (n *Node) gcTopic(name string, t *topic) {
	if len(t.subs) == 0 && t.pending == 0 && !t.subscribed && n.topics[name] == t {
		delete(n.topics, name)
	}
}
