package main

import (
	"math"
	"slices"
	"time"
)

// Summary is the latency distribution of one phase, in milliseconds.
type Summary struct {
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// quantile returns the nearest-rank q-quantile (0 < q ≤ 1) of sorted: the
// smallest sample with at least q of the samples at or below it. It is exact
// (no histogram buckets), so p99.9 of 60,000 samples is the 59,940th.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// summarize returns the percentiles of lat. It sorts lat in place.
func summarize(lat []time.Duration) Summary {
	if len(lat) == 0 {
		return Summary{}
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	return Summary{
		P50:  ms(quantile(lat, 0.50)),
		P90:  ms(quantile(lat, 0.90)),
		P99:  ms(quantile(lat, 0.99)),
		P999: ms(quantile(lat, 0.999)),
		Max:  ms(lat[len(lat)-1]),
		Mean: ms(sum / time.Duration(len(lat))),
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ratio is a/b, or 0 when b is 0 (rendered as "-").
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
