// Package benchmarks measures Candor: Go benchmarks of the hot paths against
// the Redis named by REDIS_URL (miniredis otherwise, which measures only the
// code), reporting throughput and latency percentiles with b.ReportMetric.
// Nothing here asserts a time; run with
//
//	REDIS_URL=redis://127.0.0.1:6379 go test -run '^$' -bench . ./benchmarks/
package benchmarks
