package main

import "time"

// turn is phase p's turn i of several of duration d each (--slices): the
// same attack for d, on the requests after those of the turns before it,
// so a recommendation turn asks for customers the earlier turns did not.
func (p phase) turn(i int, d time.Duration) phase {
	path, offset := p.path, uint64(i)*uint64(float64(p.rate)*d.Seconds())
	p.duration = d
	p.path = func(seq uint64) string { return path(seq + offset) }
	return p
}

// addTurn adds turn t's results to those of a phase's earlier turns (nil
// before its first): counts summed, the rate achieved over the turns'
// sending time, per-request figures averaged over all requests (a turn
// whose INFO call failed counts as 0 there; on loopback it does not
// fail), percentiles of all samples, t's samples placed after the
// earlier turns' for the latency plot.
func addTurn(sum, t *PhaseResult) *PhaseResult {
	if sum == nil {
		return t
	}
	n, m := float64(sum.Requests), float64(t.Requests)
	mean := func(a, b float64) float64 {
		if n+m == 0 {
			return 0
		}
		return (a*n + b*m) / (n + m)
	}
	if sum.span, sum.gaps = sum.span+t.span, sum.gaps+t.gaps; sum.span > 0 {
		sum.Achieved = float64(sum.gaps) / sum.span
	}
	sum.CommandsPerReq = mean(sum.CommandsPerReq, t.CommandsPerReq)
	sum.RoundTripsPerReq = mean(sum.RoundTripsPerReq, t.RoundTripsPerReq)
	sum.ServerCallsPerReq = mean(sum.ServerCallsPerReq, t.ServerCallsPerReq)
	sum.AllocsPerReq = mean(sum.AllocsPerReq, t.AllocsPerReq)
	sum.CPUPerReq = mean(sum.CPUPerReq, t.CPUPerReq)
	sum.GeneratorCPUPerReq = mean(sum.GeneratorCPUPerReq, t.GeneratorCPUPerReq)
	sum.RedisCPUPerReq = mean(sum.RedisCPUPerReq, t.RedisCPUPerReq)
	sum.RedisSysPerReq = mean(sum.RedisSysPerReq, t.RedisSysPerReq)
	sum.RedisScriptPerReq = mean(sum.RedisScriptPerReq, t.RedisScriptPerReq)
	if sum.RedisMemoryPerReq != nil && t.RedisMemoryPerReq != nil {
		v := mean(*sum.RedisMemoryPerReq, *t.RedisMemoryPerReq)
		sum.RedisMemoryPerReq = &v
	} else {
		sum.RedisMemoryPerReq = nil
	}
	sum.ByCommand = meanMaps(sum.ByCommand, t.ByCommand, mean)
	sum.Codes = addCounts(sum.Codes, t.Codes)
	sum.ByReason = addCounts(sum.ByReason, t.ByReason)
	if sum.FirstError == "" {
		sum.FirstError = t.FirstError
	}
	sum.MaxLag = max(sum.MaxLag, t.MaxLag)
	at := time.Duration(sum.Duration * float64(time.Second))
	for _, s := range t.samples {
		sum.samples = append(sum.samples, sample{at: at + s.at, latency: s.latency})
	}
	sum.Duration += t.Duration
	sum.Requests += t.Requests
	sum.Errors += t.Errors
	sum.Degraded += t.Degraded
	lat := make([]time.Duration, len(sum.samples))
	for i, s := range sum.samples {
		lat[i] = s.latency
	}
	sum.Latency = summarize(lat)
	return sum
}

// addCounts returns a + b by key (nil when both are empty).
func addCounts(a, b map[string]int) map[string]int {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = map[string]int{}
	}
	for k, v := range b {
		a[k] += v
	}
	return a
}

// meanMaps averages two per-request maps key by key with mean (a key
// missing from one counts as 0 there).
func meanMaps(a, b map[string]float64, mean func(x, y float64) float64) map[string]float64 {
	if len(a) == 0 && len(b) == 0 {
		return a
	}
	out := map[string]float64{}
	for k, v := range a {
		out[k] = mean(v, b[k])
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out[k] = mean(0, v)
		}
	}
	return out
}
