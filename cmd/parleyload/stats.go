package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// summary is the distribution of a set of durations.
type summary struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// summarize sorts ds in place and returns its nearest-rank percentiles.
func summarize(ds []time.Duration) summary {
	slices.Sort(ds)
	if len(ds) == 0 {
		return summary{}
	}
	return summary{
		N:   len(ds),
		P50: percentile(ds, 0.50),
		P90: percentile(ds, 0.90),
		P99: percentile(ds, 0.99),
		Max: ds[len(ds)-1],
	}
}

// percentile is the nearest-rank p-quantile of sorted: the smallest value
// that at least a fraction p of the values are not above. Zero when empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func (s summary) String() string {
	if s.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %s p90 %s p99 %s max %s", ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max))
}

// ratio prints s's p50 and p99 as multiples of the floor's.
func (s summary) ratio(floor summary) string {
	if s.N == 0 || floor.N == 0 || floor.P50 <= 0 || floor.P99 <= 0 {
		return "(no floor)"
	}
	return fmt.Sprintf("(%.1f× / %.1f× floor)", float64(s.P50)/float64(floor.P50), float64(s.P99)/float64(floor.P99))
}

// ms prints d in milliseconds with two decimals.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}
