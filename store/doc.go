// Package store holds Parley's implementations of hub.Store: store/postgres
// for clusters and store/sqlite for a single node. store/storetest is the one
// contract suite both must pass; a behaviour that differs between them is a
// bug.
package store
