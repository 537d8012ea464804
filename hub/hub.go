// Package hub is Parley's domain: tenants, sites, visitors, conversations,
// messages, tickets and members; the business rules that govern them; and the
// interfaces (Store, Broker) the domain needs from the outside world.
//
// Adapters (store/postgres, store/sqlite, hub/broker, hub/realtime, widget,
// dashboard) import hub; hub imports none of them.
package hub

import "time"

// Clock returns the current time. Tests inject a fixed or stepping clock.
type Clock func() time.Time
