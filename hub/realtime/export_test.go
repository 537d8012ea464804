package realtime

import "github.com/parley-chat/parley/hub"

// KeepGateForTest keeps g as its site's gate, as a newer event would, but
// closes no socket: the moment between a new gate and the closes it
// causes, which TestFrameRefusedBeforeClose holds still.
func (n *Node) KeepGateForTest(g hub.Gate) bool {
	n.gates.mu.Lock()
	sg := n.gates.sites[g.SiteID]
	n.gates.mu.Unlock()
	return sg != nil && sg.store(g)
}

// The publisher's batch caps (publish.go).
const (
	PublishBatch      = publishBatch
	PublishBatchBytes = publishBatchBytes
)
