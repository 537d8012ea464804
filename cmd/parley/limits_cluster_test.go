package main

import (
	"fmt"
	"testing"
	"time"
)

// TestLimitsAcrossNodes (issue 12 §4): with Redis, the per-address
// sign-in limit and the lock of an email without an account count on
// every node together. Failures spread over two nodes run out one budget
// of ten, not two; five failures to an unknown email, spread the same way,
// lock it on both.
func TestLimitsAcrossNodes(t *testing.T) {
	env := append(clusterEnv(t), "PARLEY_DEMO=false")
	nodes := []*testNode{startNode(t, env...), startNode(t, env...)}
	status := func(n *testNode, email string) int {
		var p problemBody
		st, _ := doHeaders(t, "POST", n.URL+"/api/v1/auth/login", nil, map[string]string{"email": email, "password": "wrong password"}, &p)
		return st
	}
	// An email without an account: locked from the fifth failure, on
	// both nodes, whichever node counted.
	start := time.Now() // the address's bucket starts with the first failure
	for i := range 5 {
		if st := status(nodes[i%2], "nobody@cluster.test"); st != 401 {
			t.Fatalf("failure %d: %d", i+1, st)
		}
	}
	for _, n := range nodes {
		if st := status(n, "nobody@cluster.test"); st != 429 {
			t.Fatalf("the unknown email after five failures on two nodes: %d, want 429", st)
		}
	}
	// Seven failures so far (each 429 is counted as well): the address
	// has ten in all, on any node, and one more every six seconds (a busy
	// machine is slow: what came back meanwhile is allowed for). Two
	// budgets would allow twenty and refill twice as fast.
	for failures := 7; ; failures++ {
		st := status(nodes[failures%2], fmt.Sprintf("guess%d@cluster.test", failures))
		refilled := int(time.Since(start) / (6 * time.Second))
		if st == 401 {
			if failures >= 10+refilled+1 {
				t.Fatalf("%d failures from one address over two nodes in %s, and no limit", failures+1, time.Since(start).Round(time.Second))
			}
			continue
		}
		if st != 429 || failures < 9 {
			t.Fatalf("failure %d: %d", failures+1, st)
		}
		break
	}
}
