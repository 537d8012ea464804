package main

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", []time.Duration{7}, 0.99, 7},
		{"p50 of 1..100", hundred, 0.50, 50 * time.Millisecond},
		{"p99 of 1..100", hundred, 0.99, 99 * time.Millisecond},
		{"p100 of 1..100", hundred, 1, 100 * time.Millisecond},
		{"p0 is the least", hundred, 0, time.Millisecond},
		{"p50 of two is the lower", []time.Duration{1, 2}, 0.5, 1},
		{"p99 of two is the higher", []time.Duration{1, 2}, 0.99, 2},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: percentile(%v) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
}

func TestSummarizeSorts(t *testing.T) {
	s := summarize([]time.Duration{5, 1, 4, 2, 3})
	if s.N != 5 || s.P50 != 3 || s.Max != 5 || s.P99 != 5 {
		t.Errorf("summarize = %+v, want n 5, p50 3, p99 5, max 5", s)
	}
}

func TestRatio(t *testing.T) {
	floor := summary{N: 1, P50: time.Millisecond, P99: 2 * time.Millisecond}
	s := summary{N: 1, P50: 3 * time.Millisecond, P99: 10 * time.Millisecond}
	if got, want := s.ratio(floor), "(3.0× / 5.0× floor)"; got != want {
		t.Errorf("ratio = %q, want %q", got, want)
	}
	if got := s.ratio(summary{}); got != "(no floor)" {
		t.Errorf("ratio without floor = %q", got)
	}
}
