package main

import (
	"slices"
	"testing"
	"time"
)

func TestRampRates(t *testing.T) {
	for _, tc := range []struct {
		from, to float64
		step     string
		want     []float64
	}{
		{100, 400, "+100", []float64{100, 200, 300, 400}},
		{100, 350, "+100", []float64{100, 200, 300}},
		{100, 400, "x2", []float64{100, 200, 400}},
		{100, 400, "2x", []float64{100, 200, 400}},
		{100, 100, "x1.5", []float64{100}},
	} {
		got, err := rampRates(tc.from, tc.to, tc.step)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("rampRates(%g, %g, %q) = %v, %v; want %v", tc.from, tc.to, tc.step, got, err, tc.want)
		}
	}
	for _, bad := range []struct {
		from, to float64
		step     string
	}{
		{0, 10, "+1"}, {10, 5, "+1"}, {1, 10, "+0"}, {1, 10, "x1"}, {1, 10, "x0.5"}, {1, 10, "10"}, {1, 1e6, "+1"},
	} {
		if got, err := rampRates(bad.from, bad.to, bad.step); err == nil {
			t.Errorf("rampRates(%g, %g, %q) = %v, want an error", bad.from, bad.to, bad.step, got)
		}
	}
}

func TestActiveFor(t *testing.T) {
	for _, tc := range []struct {
		rate, per float64
		want      int
	}{{1, 8, 1}, {8, 8, 1}, {8.5, 8, 2}, {100, 8, 13}, {1600, 8, 200}} {
		if got := activeFor(tc.rate, tc.per); got != tc.want {
			t.Errorf("activeFor(%g, %g) = %d, want %d", tc.rate, tc.per, got, tc.want)
		}
	}
}

func TestMeets(t *testing.T) {
	good := stepResult{
		Rate: 100, Achieved: 99,
		AckSum:      summary{N: 10, P99: 5 * time.Millisecond},
		DeliverySum: summary{N: 10, P99: 20 * time.Millisecond},
	}
	if ok, why := meets(good, 20*time.Millisecond); !ok {
		t.Errorf("a step at the bound misses it: %s", why)
	}
	for name, change := range map[string]func(*stepResult){
		"slow delivery": func(r *stepResult) { r.DeliverySum.P99 = 21 * time.Millisecond },
		"slow ack":      func(r *stepResult) { r.AckSum.P99 = 30 * time.Millisecond },
		"a loss":        func(r *stepResult) { r.Incomplete = 1 },
		"a refusal":     func(r *stepResult) { r.Refused = 1 },
		"disorder":      func(r *stepResult) { r.Disordered = 1 },
		"fell behind":   func(r *stepResult) { r.Achieved = 89 },
		"no samples":    func(r *stepResult) { r.DeliverySum = summary{} },
	} {
		r := good
		change(&r)
		if ok, why := meets(r, 20*time.Millisecond); ok || why == "" {
			t.Errorf("%s: meets = %v, %q; want false with a reason", name, ok, why)
		}
	}
}

func TestParseBody(t *testing.T) {
	k := msgKey{12, 345}
	if got, ok := parseBody(body(k)); !ok || got != k {
		t.Errorf("parseBody(body(%v)) = %v, %v", k, got, ok)
	}
	for _, s := range []string{"warm-up", "pl 1", "pl x 2", "pl 1 y", ""} {
		if _, ok := parseBody(s); ok {
			t.Errorf("parseBody(%q) ok", s)
		}
	}
}
