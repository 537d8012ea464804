// The readiness probe: a token published on the node's own probe topic
// and awaited back from the broker.

package realtime

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/hub"
)

func (n *Node) subscribeProbe(ctx context.Context) error {
	n.probeSubMu.Lock()
	defer n.probeSubMu.Unlock()
	if n.probeSubscribed {
		return nil
	}
	if err := n.broker.Subscribe(ctx, n.probeTopic); err != nil {
		return err
	}
	n.probeSubscribed = true
	return nil
}

func (n *Node) probeReceived(token []byte) {
	n.probeMu.Lock()
	defer n.probeMu.Unlock()
	if ch := n.probes[string(token)]; ch != nil {
		close(ch)
		delete(n.probes, string(token))
	}
}

// Probe checks readiness end to end: it publishes a unique token on the
// node's own probe topic, directly through the broker, and waits until the
// broker delivers it back. Give it a deadline (2 s is plenty).
func (n *Node) Probe(ctx context.Context) error {
	b, err := n.brokerOrErr()
	if err != nil {
		return err
	}
	if err := n.subscribeProbe(ctx); err != nil {
		return fmt.Errorf("realtime: probe: subscribe: %w", err)
	}
	token := hub.RandomToken(12)
	ch := make(chan struct{})
	n.probeMu.Lock()
	n.probes[token] = ch
	n.probeMu.Unlock()
	defer func() {
		n.probeMu.Lock()
		delete(n.probes, token)
		n.probeMu.Unlock()
	}()
	if err := b.Publish(ctx, n.probeTopic, []byte(token)); err != nil {
		return fmt.Errorf("realtime: probe: publish: %w", err)
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("realtime: probe: broker did not deliver: %w", ctx.Err())
	}
}
